//! One audit log record (chapter 5, "Audit Log Records" and "Audit Log Message Format"): a fixed-width,
//! comma-delimited, newline-terminated line of sequence number, timestamp, message text, the previous
//! record's HMAC and the raw data, chained by HMAC-SHA256 under the log secret.

use super::Category;
use crate::crypto::hmac_sha256;
use serde::{Deserialize, Serialize};

/// Characters of each field, in order: sequence, timestamp, message text, previous HMAC, raw data.
pub const WIDTHS: [usize; 5] = [10, 17, 256, 64, 96];
/// Bytes of a record line, newline included.
pub const LINE_LEN: usize = 448;
/// Bytes of raw data.
pub const RAW_LEN: usize = 48;
/// The HMAC the first record ever chains from.
pub const ZERO_HMAC: [u8; 32] = [0; 32];

/// Access ID major number of LunaCM's sessions, as the guide's example shows it.
pub const ACCESS_MAJOR: u32 = 2_147_483_651;

/// What a record says, before it is numbered, timed and chained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The HSM event name (`LUNA_LOGIN`).
    pub op: &'static str,
    /// The event's number in the raw data.
    pub code: u16,
    /// Its category, for the event mask.
    pub category: Category,
    /// The host session that asked ("who"): its number, also the access ID minor number.
    pub session: u32,
    /// The partition: 0 the admin partition, 1 the application partition.
    pub partition: u8,
    /// The role ID of "Partition Role IDs" acting, if a role is logged in (or logging in).
    pub role_id: Option<u8>,
    /// The return code's name and value ("result").
    pub result: (&'static str, u32),
    /// More to say (an external message, a policy number), if anything.
    pub detail: String,
}

/// A numbered, timed record as the HSM keeps it until it reaches the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Sequence number, from 1.
    pub seq: u64,
    /// HSM clock time, milliseconds since the epoch.
    pub time_ms: u64,
    /// The message text, interpreted from the raw data.
    pub text: String,
    /// The raw data.
    #[serde(with = "hex_raw")]
    pub raw: [u8; RAW_LEN],
    /// The HMAC of the previous record (zeros for the first).
    #[serde(with = "hex_hmac")]
    pub prev: [u8; 32],
}

impl Entry {
    /// The message text: who, what, result.
    pub fn text(&self) -> String {
        let mut t = format!("session {} Access {ACCESS_MAJOR}:{}", self.session, self.session);
        t.push_str(if self.partition == 0 { " partition admin" } else { " partition user" });
        if let Some(id) = self.role_id {
            t.push_str(&format!(" role {id}"));
        }
        t.push_str(&format!(" operation {} returned {}(0x{:08X})", self.op, self.result.0, self.result.1));
        if !self.detail.is_empty() {
            t.push(' ');
            t.push_str(&self.detail);
        }
        truncate(&t, WIDTHS[2])
    }

    /// The raw data: the same facts as the text, in binary.
    pub fn raw(&self, seq: u64, time_ms: u64) -> [u8; RAW_LEN] {
        let mut r = [0u8; RAW_LEN];
        r[0..4].copy_from_slice(&(seq as u32).to_be_bytes());
        r[4..8].copy_from_slice(&((time_ms / 1000) as u32).to_be_bytes());
        r[8..10].copy_from_slice(&self.code.to_be_bytes());
        r[10] = self.category as u8;
        r[11] = self.role_id.unwrap_or(0xff);
        r[12] = self.partition;
        r[13] = u8::from(self.result.1 == 0);
        r[14..18].copy_from_slice(&self.result.1.to_be_bytes());
        r[18..22].copy_from_slice(&self.session.to_be_bytes());
        r[22..26].copy_from_slice(&ACCESS_MAJOR.to_be_bytes());
        r[26..30].copy_from_slice(&self.session.to_be_bytes());
        if !self.detail.is_empty() {
            let h = <sha2::Sha256 as sha2::Digest>::digest(self.detail.as_bytes());
            r[30..48].copy_from_slice(&h[..18]);
        }
        r
    }
}

impl Record {
    /// The record's line in the log file, newline included.
    pub fn line(&self) -> String {
        format!("{},{},{}\n", self.message_head(), hex(&self.prev), hex(&self.raw))
    }

    /// Sequence number, timestamp and text: the fields before the previous HMAC.
    fn message_head(&self) -> String {
        format!("{:>10},{},{:<256}", self.seq, timestamp(self.time_ms), self.text)
    }

    /// The bytes the record's HMAC covers with the previous HMAC: every field but the previous HMAC.
    pub fn message(&self) -> Vec<u8> {
        message_bytes(&self.message_head(), &hex(&self.raw))
    }

    /// This record's HMAC under `secret`: what the next record carries as its previous HMAC.
    pub fn hmac(&self, secret: &[u8; 32]) -> [u8; 32] {
        hmac_sha256(secret, &[&self.message(), &self.prev])
    }
}

/// The message bytes of a record: its head (sequence, timestamp, text), a comma, and its raw data in hex.
pub fn message_bytes(head: &str, raw_hex: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(head.len() + 1 + raw_hex.len());
    m.extend_from_slice(head.as_bytes());
    m.push(b',');
    m.extend_from_slice(raw_hex.as_bytes());
    m
}

/// A record line read back from a file: its fields as written, checked only for shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLine {
    /// Sequence number.
    pub seq: u64,
    /// Timestamp as written.
    pub timestamp: String,
    /// Message text, trailing padding removed.
    pub text: String,
    /// Previous HMAC.
    pub prev: [u8; 32],
    /// Raw data.
    pub raw: [u8; RAW_LEN],
    /// The bytes the HMAC covers (with `prev`).
    pub message: Vec<u8>,
}

impl ParsedLine {
    /// This record's HMAC under `secret`.
    pub fn hmac(&self, secret: &[u8; 32]) -> [u8; 32] {
        hmac_sha256(secret, &[&self.message, &self.prev])
    }

    /// The sequence number the raw data holds (its low 32 bits).
    pub fn raw_seq(&self) -> u32 {
        u32::from_be_bytes([self.raw[0], self.raw[1], self.raw[2], self.raw[3]])
    }
}

/// A record as the audit panel lists it: when, who, what, result and category.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordView {
    /// Sequence number.
    pub seq: u64,
    /// Timestamp as written.
    pub time: String,
    /// Who: the session, the partition and the role ID, as the text gives them.
    pub who: String,
    /// What: the HSM event name.
    pub what: String,
    /// The result: the return code's name.
    pub result: String,
    /// More, if the record says more.
    pub detail: String,
    /// The event's category, from the raw data.
    pub category: Option<Category>,
}

impl ParsedLine {
    /// The record's parts, read from its text and raw data.
    pub fn view(&self) -> RecordView {
        let (who, rest) = self.text.split_once(" operation ").unwrap_or(("", &self.text));
        let (what, rest) = rest.split_once(" returned ").unwrap_or((rest, ""));
        let (result, detail) = match rest.split_once(')') {
            Some((code, detail)) => (format!("{code})"), detail.trim().to_string()),
            None => (rest.to_string(), String::new()),
        };
        RecordView {
            seq: self.seq,
            time: self.timestamp.clone(),
            who: who.to_string(),
            what: what.to_string(),
            result,
            detail,
            category: Category::ALL.into_iter().find(|c| *c as u8 == self.raw[10]),
        }
    }
}

/// Reads one record line (without its newline). Says what is wrong with a line that is not one.
pub fn parse_line(line: &str) -> Result<ParsedLine, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() != LINE_LEN - 1 || !line.is_ascii() {
        return Err(format!(
            "the line is {} characters long; a record is {} (fields of fixed width)",
            line.chars().count(),
            LINE_LEN - 1
        ));
    }
    let mut fields = Vec::with_capacity(5);
    let mut at = 0;
    for (i, w) in WIDTHS.iter().enumerate() {
        fields.push(&line[at..at + w]);
        at += w;
        if i < WIDTHS.len() - 1 {
            if &line[at..at + 1] != "," {
                return Err(format!("no comma after field {} at column {at}", i + 1));
            }
            at += 1;
        }
    }
    let seq = fields[0].trim_start().parse::<u64>().map_err(|_| "the sequence number is not a number".to_string())?;
    let prev = unhex::<32>(fields[3]).ok_or("the previous HMAC is not 64 hexadecimal digits")?;
    let raw = unhex::<RAW_LEN>(fields[4]).ok_or("the raw data is not 96 hexadecimal digits")?;
    let head = &line[..WIDTHS[0] + WIDTHS[1] + WIDTHS[2] + 2];
    Ok(ParsedLine {
        seq,
        timestamp: fields[1].to_string(),
        text: fields[2].trim_end().to_string(),
        prev,
        raw,
        message: message_bytes(head, fields[4]),
    })
}

/// `MM/DD/YY HH:MM:SS` in UTC, as the log prints times.
pub fn timestamp(ms: u64) -> String {
    let c = crate::calendar::civil(ms);
    format!("{:02}/{:02}/{:02} {:02}:{:02}:{:02}", c.month, c.day, c.year.rem_euclid(100), c.hour, c.minute, c.second)
}

/// Upper-case hexadecimal, as the log writes HMACs and raw data.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Reads exactly `N` bytes of hexadecimal (either case).
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in s.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// At most `max` characters of `s`, ASCII only (the record is fixed-width ASCII).
fn truncate(s: &str, max: usize) -> String {
    s.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '?' }).take(max).collect()
}

mod hex_raw {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; super::RAW_LEN], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; super::RAW_LEN], D::Error> {
        let s = String::deserialize(d)?;
        super::unhex(&s).ok_or_else(|| serde::de::Error::custom("raw data is not 96 hexadecimal digits"))
    }
}

mod hex_hmac {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        super::unhex(&s).ok_or_else(|| serde::de::Error::custom("an HMAC is 64 hexadecimal digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn record() -> Record {
        let e = Entry {
            op: "LUNA_LOGIN",
            code: 1,
            category: Category::Access,
            session: 1,
            partition: 0,
            role_id: Some(8),
            result: ("LUNA_RET_OK", 0),
            detail: String::new(),
        };
        let time_ms = 1_764_288_000_000;
        Record { seq: 38, time_ms, text: e.text(), raw: e.raw(38, time_ms), prev: [0xAB; 32] }
    }

    #[test]
    fn a_line_has_the_guide_field_widths_and_reads_back() {
        let r = record();
        let line = r.line();
        assert_eq!(line.len(), LINE_LEN);
        assert!(line.ends_with('\n'));
        for (i, c) in [(10, ','), (28, ','), (285, ','), (350, ',')] {
            assert_eq!(line.as_bytes()[i] as char, c, "comma at offset {i}");
        }
        assert_eq!(&line[..11], "        38,");
        assert_eq!(&line[11..28], "11/28/25 00:00:00");
        let p = parse_line(line.trim_end_matches('\n')).unwrap();
        assert_eq!(p.seq, 38);
        assert_eq!(p.text, r.text);
        assert_eq!(p.prev, r.prev);
        assert_eq!(p.raw, r.raw);
        assert_eq!(p.raw_seq(), 38);
        assert_eq!(p.message, r.message());
        let v = p.view();
        assert_eq!(v.who, "session 1 Access 2147483651:1 partition admin role 8");
        assert_eq!((v.what.as_str(), v.result.as_str()), ("LUNA_LOGIN", "LUNA_RET_OK(0x00000000)"));
        assert_eq!(v.category, Some(Category::Access));
        let secret = [7u8; 32];
        assert_eq!(p.hmac(&secret), r.hmac(&secret));
    }

    #[test]
    fn malformed_lines_are_refused_with_the_reason() {
        let line = record().line();
        let line = line.trim_end_matches('\n');
        assert!(parse_line(&line[1..]).unwrap_err().contains("characters long"));
        let mut bad = line.to_string();
        bad.replace_range(10..11, ";");
        assert!(parse_line(&bad).unwrap_err().contains("no comma"));
        let mut bad = line.to_string();
        bad.replace_range(300..301, "Z");
        assert!(parse_line(&bad).unwrap_err().contains("previous HMAC"));
    }

    #[test]
    fn text_says_who_what_and_result_and_stays_ascii() {
        let mut e = Entry {
            op: "LUNA_LOG_EXTERNAL",
            code: 25,
            category: Category::External,
            session: 3,
            partition: 0,
            role_id: None,
            result: ("LUNA_RET_OK", 0),
            detail: "message \"caf\u{e9} opened\"".into(),
        };
        assert_eq!(
            e.text(),
            "session 3 Access 2147483651:3 partition admin operation LUNA_LOG_EXTERNAL returned LUNA_RET_OK(0x00000000) message \"caf? opened\""
        );
        e.detail = "x".repeat(400);
        assert_eq!(e.text().len(), 256);
    }
}
