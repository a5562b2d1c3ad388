//! Verifying a block of log records (`audit verify`): each record's HMAC, recomputed under the log secret,
//! must be the previous-HMAC field of the record after it; the last record is checked against the record
//! that follows it (in the next file, or still in the HSM) or, when it is the newest, against the HMAC the
//! HSM keeps. The first record that fails is reported with what was done to the log.

use super::record::{parse_line, ParsedLine, ZERO_HMAC};
use super::Bytes32;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// What was done to a log, judged from where its chain breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tamper {
    /// A record's content no longer matches its HMAC (or the line is no longer a record).
    Modified,
    /// A record that the HSM did not write was put in.
    Inserted,
    /// Records are missing inside the block.
    Deleted,
    /// Records are missing at the end of the block.
    Truncated,
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tamper::Modified => "modified",
            Tamper::Inserted => "inserted",
            Tamper::Deleted => "deleted",
            Tamper::Truncated => "truncated",
        })
    }
}

/// Where the chain broke first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Line of the file (from 1) of the first record that fails; one past the last line for truncation.
    pub line: usize,
    /// Its sequence number, when the line could be read.
    pub seq: Option<u64>,
    /// What was done.
    pub tamper: Tamper,
    /// Why, in words.
    pub reason: String,
}

/// The result of verifying a block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Records in the block.
    pub records: usize,
    /// Lines (from 1) proven authentic, in order: every line before the failure, except a last record
    /// nothing follows.
    pub verified: usize,
    /// Sequence numbers of the first and last record verified.
    pub range: Option<(u64, u64)>,
    /// The first failure, if any.
    pub failure: Option<Failure>,
    /// Set when the last record could not be checked: nothing after it is known.
    pub last_unchecked: bool,
}

/// The lines a verification was given, kept as their number and digest: a report speaks for a file only
/// while the file still begins with them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedText {
    /// How many lines (blank ones included) were verified.
    pub lines: usize,
    /// SHA-256 of those lines, each followed by a newline.
    digest: Bytes32,
}

impl VerifiedText {
    /// The number and digest of `lines`.
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a str>) -> VerifiedText {
        let mut hash = Sha256::new();
        let mut count = 0;
        for line in lines {
            hash.update(line.as_bytes());
            hash.update(b"\n");
            count += 1;
        }
        VerifiedText { lines: count, digest: Bytes32(hash.finalize().into()) }
    }

    /// Whether `text` begins with exactly the lines verified. Lines after them (records the logging
    /// daemon appended since) do not count.
    pub fn begins(&self, text: &str) -> bool {
        let mut lines = text.lines();
        let first = VerifiedText::of(lines.by_ref().take(self.lines));
        first == *self
    }
}

/// What is known about the record after the block's last one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum After {
    /// The next record exists (a later file, or the HSM's store): its sequence number and previous-HMAC.
    Next { seq: u64, prev: [u8; 32] },
    /// No record follows: this HSM's newest record has this number and HMAC (truncation check).
    Newest { seq: u64, hmac: [u8; 32] },
    /// Nothing is known (a log from another HSM, with no later file on the host).
    Unknown,
}

/// Verifies the record lines `lines` (a file's lines; blank lines are ignored) under `secret`.
pub fn verify(lines: &[&str], secret: &[u8; 32], after: &After) -> Report {
    let numbered: Vec<(usize, &str)> =
        lines.iter().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, l)| (i + 1, *l)).collect();
    let records = numbered.len();
    let mut parsed: Vec<(usize, ParsedLine)> = Vec::with_capacity(records);
    let mut malformed = None;
    for (line_no, text) in &numbered {
        match parse_line(text) {
            Ok(p) => parsed.push((*line_no, p)),
            Err(why) => {
                malformed = Some((*line_no, why));
                break;
            }
        }
    }
    let Some((line, why)) = malformed else { return verify_chain(parsed, records, secret, after) };
    // The records before a line that is no longer a record are checked as a block nothing follows: a
    // break in their chain comes first; otherwise the broken line is the failure.
    let mut report = verify_chain(parsed, records, secret, &After::Unknown);
    if report.failure.is_none() {
        report.last_unchecked = false;
        let reason = format!("not a well-formed record: {why}");
        report.failure = Some(Failure { line, seq: None, tamper: Tamper::Modified, reason });
    }
    report
}

/// Verifies records that all read back as records.
fn verify_chain(parsed: Vec<(usize, ParsedLine)>, records: usize, secret: &[u8; 32], after: &After) -> Report {
    let mut report = Report { records, ..Report::default() };
    let hmacs: Vec<[u8; 32]> = parsed.iter().map(|(_, p)| p.hmac(secret)).collect();
    for i in 0..parsed.len() {
        let (line, r) = (&parsed[i].0, &parsed[i].1);
        if u64::from(r.raw_seq()) != r.seq & 0xffff_ffff {
            let why = "its sequence number differs from the one in its raw data".to_string();
            return fail(report, &parsed[..i], *line, Some(r.seq), Tamper::Modified, why);
        }
        if i == 0 {
            if r.seq == 1 && r.prev != ZERO_HMAC {
                let why = "the first record ever must chain from zeros".to_string();
                return fail(report, &parsed[..0], *line, Some(r.seq), Tamper::Modified, why);
            }
            continue;
        }
        let prev = &parsed[i - 1].1;
        if r.seq > prev.seq + 1 {
            let why = format!("records {} to {} are missing before it", prev.seq + 1, r.seq - 1);
            return fail(report, &parsed[..i], *line, Some(r.seq), Tamper::Deleted, why);
        }
        if r.seq <= prev.seq {
            // Two records claim the same place: the one the chain goes on from is genuine.
            let next_prev = parsed.get(i + 1).map(|(_, n)| n.prev).or(match after {
                After::Next { prev, .. } => Some(*prev),
                After::Newest { hmac, .. } => Some(*hmac),
                After::Unknown => None,
            });
            // An exact copy is the later of the two lines.
            let this_is_genuine = r.seq == prev.seq
                && hmacs[i] != hmacs[i - 1]
                && match after {
                    After::Newest { .. } if i + 1 == parsed.len() => next_prev == Some(hmacs[i]),
                    _ => parsed.get(i + 1).is_some_and(|(_, n)| n.prev == hmacs[i]),
                };
            let (at, seq) = if this_is_genuine { (i - 1, prev.seq) } else { (i, r.seq) };
            let why = format!("sequence number {seq} does not follow the record before it in the chain");
            return fail(report, &parsed[..at], parsed[at].0, Some(seq), Tamper::Inserted, why);
        }
        if r.prev != hmacs[i - 1] {
            // Either the record before was altered, or this one's previous-HMAC field was.
            let fixed = crate::crypto::hmac_sha256(secret, &[&r.message, &hmacs[i - 1]]);
            let field_altered = match parsed.get(i + 1) {
                Some((_, n)) => n.prev == fixed,
                None => {
                    matches!(after, After::Newest { hmac, .. } if *hmac == fixed)
                        || matches!(after, After::Next { prev, .. } if *prev == fixed)
                }
            };
            if field_altered {
                let why = "its previous-HMAC field was altered".to_string();
                return fail(report, &parsed[..i], *line, Some(r.seq), Tamper::Modified, why);
            }
            let (pline, pseq) = (parsed[i - 1].0, prev.seq);
            let why = "its content does not match the HMAC the next record carries".to_string();
            return fail(report, &parsed[..i - 1], pline, Some(pseq), Tamper::Modified, why);
        }
    }
    let Some((last_line, last)) = parsed.last() else { return report };
    let last_hmac = hmacs[hmacs.len() - 1];
    let end = last_line + 1;
    match after {
        After::Next { seq, prev } => {
            if *seq > last.seq + 1 {
                let why = format!("records {} to {} are missing after the last line", last.seq + 1, seq - 1);
                return fail(report, &parsed, end, None, Tamper::Truncated, why);
            }
            if *seq == last.seq + 1 && *prev != last_hmac {
                let why = "its content does not match the HMAC the next record carries".to_string();
                return fail(report, &parsed[..parsed.len() - 1], *last_line, Some(last.seq), Tamper::Modified, why);
            }
        }
        After::Newest { seq, hmac } => {
            if last.seq < *seq {
                let why = format!(
                    "the block ends at record {} but the HSM's newest record is {seq}: records {} to {seq} are missing",
                    last.seq,
                    last.seq + 1
                );
                return fail(report, &parsed, end, None, Tamper::Truncated, why);
            }
            if last.seq == *seq && last_hmac != *hmac {
                let why = "it does not match the HMAC the HSM keeps of its newest record".to_string();
                return fail(report, &parsed[..parsed.len() - 1], *last_line, Some(last.seq), Tamper::Modified, why);
            }
            if last.seq > *seq {
                let at = parsed.iter().position(|(_, p)| p.seq > *seq).unwrap_or(parsed.len() - 1);
                let why = format!("the HSM has written no record after {seq}");
                return fail(report, &parsed[..at], parsed[at].0, Some(parsed[at].1.seq), Tamper::Inserted, why);
            }
        }
        After::Unknown => {
            report.last_unchecked = true;
            return proven(report, &parsed[..parsed.len() - 1]);
        }
    }
    proven(report, &parsed)
}

fn proven(mut report: Report, ok: &[(usize, ParsedLine)]) -> Report {
    report.verified = ok.len();
    report.range = ok.first().zip(ok.last()).map(|((_, a), (_, b))| (a.seq, b.seq));
    report
}

fn fail(
    report: Report,
    ok: &[(usize, ParsedLine)],
    line: usize,
    seq: Option<u64>,
    tamper: Tamper,
    reason: String,
) -> Report {
    let mut report = proven(report, ok);
    report.failure = Some(Failure { line, seq, tamper, reason });
    report
}
