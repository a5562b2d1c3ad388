//! `cmu`, the Luna client's Certificate Management Utility, as a host command typed beside LunaCM: key
//! pairs and keys generated in the application partition, listed, read, exported, deleted, and
//! certificates and requests signed by them. Also the `sim app` lines, with which a script acts as an
//! application using the partition's keys.
//!
//! Like LunaCM it only sends requests and explains the answers; the device decides every rule. Files it
//! writes (`-outputfile`) go to the world's host files.

use super::INDENT;
use crate::crypto::Curve;
use crate::device::{
    AppLogin, Class, Frame, KeyPairSpec, KeyType, ObjectAnswer, ObjectInfo, ObjectOp, ObjectRequest, Request, Response,
    Role, SecretSpec, SignMech, Template, Transport, Usage,
};
use crate::host::HostFiles;
use crate::retcode::LunaRet;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::collections::BTreeMap;

/// The banner cmu prints when it starts.
pub const BANNER: &str =
    "Certificate Management Utility (64-bit) v10.7.2. Copyright (c) 2024 Thales Group. All rights reserved.";

/// `-name=value` options (names lower-cased) and bare `-flags`.
struct Opts(BTreeMap<String, String>);

impl Opts {
    fn parse(words: &[String]) -> Result<Opts, String> {
        let mut map = BTreeMap::new();
        for w in words {
            let Some(body) = w.strip_prefix('-') else {
                return Err(format!("unexpected argument '{w}': options are written -name=value"));
            };
            let (k, v) = body.split_once('=').unwrap_or((body, ""));
            map.insert(k.to_ascii_lowercase(), v.to_string());
        }
        Ok(Opts(map))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn need(&self, name: &str) -> Result<&str, String> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| format!("-{name}=<value> is required"))
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        self.need(name)?.parse().map_err(|_| format!("-{name} takes a number"))
    }

    /// A 0/1 attribute option, `default` when absent.
    fn flag(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.get(name) {
            None => Ok(default),
            Some("1") | Some("") | Some("true") => Ok(true),
            Some("0") | Some("false") => Ok(false),
            Some(v) => Err(format!("-{name}={v}: use 1 or 0")),
        }
    }

    fn usage(&self) -> Result<Usage, String> {
        Ok(Usage {
            sign: self.flag("sign", false)?,
            verify: self.flag("verify", false)?,
            encrypt: self.flag("encrypt", false)?,
            decrypt: self.flag("decrypt", false)?,
            wrap: self.flag("wrap", false)?,
            unwrap: self.flag("unwrap", false)?,
            derive: self.flag("derive", false)?,
        })
    }

    /// The application's own login (`-password`, with `-role`, Crypto Officer by default), or none to use
    /// the role the LunaCM session has logged in on the slot.
    fn login(&self) -> Result<Option<AppLogin>, String> {
        let Some(password) = self.get("password") else { return Ok(None) };
        let role = match self.get("role").map(str::to_ascii_lowercase).as_deref() {
            None | Some("co") | Some("crypto officer") => Role::CryptoOfficer,
            Some("cu") | Some("crypto user") => Role::CryptoUser,
            Some("lco") => Role::LimitedCryptoOfficer,
            Some(r) => return Err(format!("-role={r}: use co, cu or lco")),
        };
        Ok(Some(AppLogin { role, password: password.to_string() }))
    }

    fn slot(&self) -> Result<u32, String> {
        self.number("slot")
    }

    fn handle(&self, name: &str) -> Result<u32, String> {
        self.number(name)
    }
}

/// Why a cmu command stopped.
enum Stop {
    /// The command line was wrong.
    Usage(String),
    /// The HSM refused.
    Device(LunaRet),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Usage(s)
    }
}

fn ask(t: &mut dyn Transport, o: &Opts, op: ObjectOp) -> Result<ObjectAnswer, Stop> {
    let request = Request::Object(ObjectRequest { login: o.login()?, op });
    match t.transact(Frame { slot: o.slot()?, request }) {
        Ok(Response::Object(a)) => Ok(a),
        Ok(_) => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
        Err(code) => Err(Stop::Device(code)),
    }
}

/// Runs one `cmu` line (the words after `cmu`); returns what it printed.
pub fn run(words: &[String], t: &mut dyn Transport, files: &mut HostFiles, now_ms: u64) -> String {
    let mut out = format!("\n{BANNER}\n\n");
    let Some((command, rest)) = words.split_first() else {
        out.push_str(&help());
        return out;
    };
    let command = command.to_ascii_lowercase();
    let result = Opts::parse(rest).map_err(Stop::Usage).and_then(|o| match command.as_str() {
        "generatekeypair" | "gen" => generate_key_pair(t, &o),
        "generatekey" => generate_key(t, &o),
        "list" => list(t, &o),
        "delete" => ask(t, &o, ObjectOp::Delete { handle: o.handle("handle")? })
            .map(|_| format!("Object {} deleted.\n", o.get("handle").unwrap_or_default())),
        "getattribute" => get_attribute(t, &o),
        "export" => export(t, &o, files),
        "import" => import(t, &o, files),
        "selfsign" | "selfsigncertificate" => certificate(t, &o, files, now_ms, true),
        "requestcertificate" | "requestcert" => certificate(t, &o, files, now_ms, false),
        "help" | "?" => Ok(help()),
        other => Err(Stop::Usage(format!("unknown command '{other}'"))),
    });
    match result {
        Ok(text) => out.push_str(&text),
        Err(Stop::Usage(e)) => out.push_str(&format!("cmu {command}: {e}\n{}", help())),
        Err(Stop::Device(code)) => out.push_str(&format!("cmu {command} failed: {}\n", code.command_result())),
    }
    out
}

fn help() -> String {
    [
        "Usage: cmu <command> -slot=<n> [-password=<pw> [-role=co|cu|lco]] [options]",
        "  generatekeypair -keytype=RSA -modulusbits=2048 [-publicexponent=65537] | -keytype=EC -curvetype=3|4",
        "                  [-sign=1 -verify=1 -encrypt=1 -decrypt=1 -wrap=1 -unwrap=1 -derive=1]",
        "                  [-labelpublic=<l> -labelprivate=<l> -id=<id> -extractable=0|1 -sensitive=0|1 -session]",
        "  generatekey     -keytype=AES|GENERIC -keysize=<bytes> [-label=<l>] [usage and attribute flags]",
        "  list            the objects the role can see (session objects too)",
        "  delete          -handle=<n>",
        "  getattribute    -handle=<n> [-attribute=value]",
        "  export          -handle=<n> -outputfile=<file> [-wraphandle=<n>]",
        "  import          -inputfile=<file> -wraphandle=<n> -keytype=RSA|EC|AES|GENERIC [-label=<l>]",
        "                  [usage and attribute flags]",
        "  selfsign        -privatehandle=<n> -cn=<name> [-o= -ou= -l= -s= -c=] [-serialnum=<n>]",
        "                  [-startdate=YYYYMMDD -enddate=YYYYMMDD] -outputfile=<file>",
        "  requestcertificate -privatehandle=<n> -cn=<name> [-o= -ou= -l= -s= -c=] -outputfile=<file>",
        "",
    ]
    .join("\n")
}

fn template(o: &Opts, label: &str, id_key: &str) -> Result<Template, String> {
    Ok(Template {
        label: o.get(label).unwrap_or_default().to_string(),
        id: o.get(id_key).or(o.get("id")).unwrap_or_default().to_string(),
        // `-session`: a session object, gone when the application's session ends.
        token: !o.flag("session", false)?,
        private: o.flag("private", true)?,
        sensitive: o.flag("sensitive", true)?,
        extractable: o.flag("extractable", false)?,
        modifiable: o.flag("modifiable", true)?,
        usage: o.usage()?,
    })
}

fn generate_key_pair(t: &mut dyn Transport, o: &Opts) -> Result<String, Stop> {
    let spec = match o.need("keytype")?.to_ascii_uppercase().as_str() {
        "RSA" => KeyPairSpec::Rsa {
            bits: o.number("modulusbits")?,
            exponent: if o.get("publicexponent").is_some() { o.number("publicexponent")? } else { 65537 },
        },
        // cmu numbers its curves: 3 is P-256, 4 is P-384 (the others it lists are not offered here).
        "EC" | "ECDSA" => match o.get("curvetype").map(str::to_ascii_lowercase).as_deref() {
            None | Some("3") | Some("p256") | Some("p-256") | Some("prime256v1") | Some("secp256r1") => {
                KeyPairSpec::Ec { curve: Curve::P256 }
            }
            Some("4") | Some("p384") | Some("p-384") | Some("secp384r1") => KeyPairSpec::Ec { curve: Curve::P384 },
            Some(c) => {
                return Err(Stop::Usage(format!("-curvetype={c}: the simulator offers P-256 (3) and P-384 (4)")))
            }
        },
        k => return Err(Stop::Usage(format!("-keytype={k}: use RSA or EC"))),
    };
    let mut public = template(o, "labelpublic", "idpublic")?;
    let mut private = template(o, "labelprivate", "idprivate")?;
    // Each half carries the usages that belong to it.
    let u = o.usage()?;
    public.usage = Usage { sign: false, decrypt: false, unwrap: false, derive: false, ..u };
    private.usage = Usage { verify: false, encrypt: false, wrap: false, ..u };
    match ask(t, o, ObjectOp::GenerateKeyPair { spec, public, private })? {
        ObjectAnswer::Created(objects) => Ok(objects.iter().map(|i| describe("Generated", i)).collect()),
        _ => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
    }
}

fn generate_key(t: &mut dyn Transport, o: &Opts) -> Result<String, Stop> {
    let bytes = o.number("keysize")?;
    let spec = match o.need("keytype")?.to_ascii_uppercase().as_str() {
        "AES" => SecretSpec::Aes { bytes },
        "GENERIC" | "GENERIC_SECRET" => SecretSpec::Generic { bytes },
        k => return Err(Stop::Usage(format!("-keytype={k}: use AES or GENERIC"))),
    };
    let template = template(o, "label", "id")?;
    match ask(t, o, ObjectOp::GenerateKey { spec, template })? {
        ObjectAnswer::Created(objects) => Ok(objects.iter().map(|i| describe("Generated", i)).collect()),
        _ => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
    }
}

/// One line per object created: `verb` says how (generated, imported, derived).
fn describe(verb: &str, i: &ObjectInfo) -> String {
    let what = match i.attributes.class {
        Class::PublicKey => "public key",
        Class::PrivateKey => "private key",
        Class::SecretKey => "secret key",
    };
    format!("{verb} {what}: handle={} label={}\n", i.handle, i.attributes.template.label)
}

fn list(t: &mut dyn Transport, o: &Opts) -> Result<String, Stop> {
    match ask(t, o, ObjectOp::List)? {
        ObjectAnswer::Listed(objects) => Ok(listing(&objects)),
        _ => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
    }
}

/// One line per object, as `cmu list` and `partition contents` print them.
pub fn listing(objects: &[ObjectInfo]) -> String {
    objects
        .iter()
        .map(|i| {
            format!("handle={} label={} class={}\n", i.handle, i.attributes.template.label, i.attributes.class.name())
        })
        .collect()
}

fn get_attribute(t: &mut dyn Transport, o: &Opts) -> Result<String, Stop> {
    let handle = o.handle("handle")?;
    if o.get("attribute").is_some_and(|a| a.eq_ignore_ascii_case("value")) {
        return match ask(t, o, ObjectOp::Value { handle })? {
            ObjectAnswer::Bytes(v) => Ok(format!("CKA_VALUE={}\n", hex(&v))),
            _ => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
        };
    }
    let ObjectAnswer::Info(i) = ask(t, o, ObjectOp::Attributes { handle })? else {
        return Err(Stop::Device(crate::retcode::SP_RX_ERROR));
    };
    let a = &i.attributes;
    let tpl = &a.template;
    let b = |v: bool| u8::from(v);
    let mut s = format!(
        "handle={}\nCKA_CLASS={}\nCKA_KEY_TYPE={}\nCKA_LABEL={}\nCKA_ID={}\nCKA_TOKEN={}\nCKA_PRIVATE={}\n",
        i.handle,
        a.class.name(),
        a.key_type.name(),
        tpl.label,
        tpl.id,
        b(tpl.token),
        b(tpl.private)
    );
    if a.class != Class::PublicKey {
        s.push_str(&format!("CKA_SENSITIVE={}\nCKA_EXTRACTABLE={}\n", b(tpl.sensitive), b(tpl.extractable)));
    }
    s.push_str(&format!("CKA_MODIFIABLE={}\nCKA_LOCAL={}\n", b(tpl.modifiable), b(a.local)));
    let u = &tpl.usage;
    for (name, v) in [
        ("SIGN", u.sign),
        ("VERIFY", u.verify),
        ("ENCRYPT", u.encrypt),
        ("DECRYPT", u.decrypt),
        ("WRAP", u.wrap),
        ("UNWRAP", u.unwrap),
        ("DERIVE", u.derive),
    ] {
        s.push_str(&format!("CKA_{name}={}\n", b(v)));
    }
    if let Some(bits) = a.modulus_bits {
        s.push_str(&format!("CKA_MODULUS_BITS={bits}\n"));
    }
    if let Some(e) = a.public_exponent {
        s.push_str(&format!("CKA_PUBLIC_EXPONENT={e}\n"));
    }
    if let Some(c) = &a.ec_params {
        s.push_str(&format!("CKA_EC_PARAMS={c}\n"));
    }
    if let Some(l) = a.value_len {
        s.push_str(&format!("CKA_VALUE_LEN={l}\n"));
    }
    Ok(s)
}

fn export(t: &mut dyn Transport, o: &Opts, files: &mut HostFiles) -> Result<String, Stop> {
    let handle = o.handle("handle")?;
    let file = o.need("outputfile")?.to_string();
    let text = match o.get("wraphandle") {
        Some(_) => {
            let wrapping = o.handle("wraphandle")?;
            let ObjectAnswer::Bytes(w) = ask(t, o, ObjectOp::Wrap { handle, wrapping })? else {
                return Err(Stop::Device(crate::retcode::SP_RX_ERROR));
            };
            format!("{}\n", B64.encode(w))
        }
        None => {
            let ObjectAnswer::Bytes(der) = ask(t, o, ObjectOp::Value { handle })? else {
                return Err(Stop::Device(crate::retcode::SP_RX_ERROR));
            };
            pem("PUBLIC KEY", &der)
        }
    };
    files.put(&file, text)?;
    Ok(format!("Object {handle} exported to file '{file}'.\n"))
}

/// `import`: a key wrapped by `export -wraphandle` (base64 of the AES-KWP output, in a host file) is
/// unwrapped into the partition under the AES key `-wraphandle`; `-keytype` says what it is.
fn import(t: &mut dyn Transport, o: &Opts, files: &HostFiles) -> Result<String, Stop> {
    let file = o.need("inputfile")?;
    let wrapping = o.handle("wraphandle")?;
    let key_type = match o.need("keytype")?.to_ascii_uppercase().as_str() {
        "RSA" => KeyType::Rsa,
        "EC" | "ECDSA" => KeyType::Ec,
        "AES" => KeyType::Aes,
        "GENERIC" | "GENERIC_SECRET" => KeyType::GenericSecret,
        k => return Err(Stop::Usage(format!("-keytype={k}: use RSA, EC, AES or GENERIC"))),
    };
    let text = files.get(file).ok_or_else(|| format!("there is no host file '{file}'"))?;
    let wrapped = B64
        .decode(text.split_whitespace().collect::<String>())
        .map_err(|_| format!("'{file}' does not hold a wrapped key (base64, as export -wraphandle writes)"))?;
    let template = template(o, "label", "id")?;
    match ask(t, o, ObjectOp::Unwrap { wrapping, wrapped, key_type, template })? {
        ObjectAnswer::Created(objects) => Ok(objects.iter().map(|i| describe("Imported", i)).collect()),
        _ => Err(Stop::Device(crate::retcode::SP_RX_ERROR)),
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// The subject from `-c -s -l -o -ou -cn`, as an RFC 4514 string.
fn subject(o: &Opts) -> Result<String, String> {
    let cn = o.need("cn")?;
    let mut parts = vec![format!("CN={cn}")];
    for (opt, attr) in [("ou", "OU"), ("o", "O"), ("l", "L"), ("s", "ST"), ("c", "C")] {
        if let Some(v) = o.get(opt).filter(|v| !v.is_empty()) {
            parts.push(format!("{attr}={v}"));
        }
    }
    Ok(parts.join(","))
}

/// `YYYYMMDD` as Unix seconds at midnight UTC.
fn date(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not a date YYYYMMDD");
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m, d) = (
        s[..4].parse::<i64>().map_err(|_| bad())?,
        s[4..6].parse::<i64>().map_err(|_| bad())?,
        s[6..].parse::<i64>().map_err(|_| bad())?,
    );
    if !(1970..=2049).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2 / 400;
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(((era * 146_097 + doe - 719_468) * 86_400) as u64)
}

fn certificate(
    t: &mut dyn Transport,
    o: &Opts,
    files: &mut HostFiles,
    now_ms: u64,
    self_sign: bool,
) -> Result<String, Stop> {
    let private = o.handle("privatehandle")?;
    let subject = subject(o)?;
    let file = o.need("outputfile")?.to_string();
    let op = if self_sign {
        let now = now_ms / 1000;
        let not_before = o.get("startdate").map(date).transpose()?.unwrap_or(now - now % 86_400);
        let not_after = o.get("enddate").map(date).transpose()?.unwrap_or(not_before + 365 * 86_400);
        let serial = if o.get("serialnum").is_some() { o.number("serialnum")? } else { 1 };
        ObjectOp::SelfSign { private, subject, serial, not_before, not_after }
    } else {
        ObjectOp::CertificateRequest { private, subject }
    };
    let ObjectAnswer::Pem(text) = ask(t, o, op)? else {
        return Err(Stop::Device(crate::retcode::SP_RX_ERROR));
    };
    files.put(&file, text)?;
    let what = if self_sign { "Certificate" } else { "Certificate request" };
    Ok(format!("{what} written to file '{file}'.\n"))
}

/// The peer's public key for ECDH (`-peer`): hex digits of a SEC1 point, or a host file holding them or a
/// PEM public key (SubjectPublicKeyInfo, as `cmu export` writes it).
fn peer_key(o: &Opts, files: &HostFiles) -> Result<Vec<u8>, Stop> {
    let v = o.need("peer")?;
    let text = files.get(v).map(str::trim).unwrap_or(v);
    let bad = || Stop::Usage("-peer: a hex EC point, or a host file holding one or a PEM public key".into());
    match text.strip_prefix("-----BEGIN PUBLIC KEY-----") {
        Some(body) => {
            let b64: String = body.lines().take_while(|l| !l.starts_with("-----END")).collect();
            B64.decode(b64.split_whitespace().collect::<String>()).map_err(|_| bad())
        }
        None => unhex(text).ok_or_else(bad),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() & 1 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// `sim app sign|verify|encrypt|decrypt|derive -slot=<n> -handle=<n> ...`: an application using a key
/// with the LunaCM session's login on the slot, or its own (`-password`, `-role`). Data is text (`-data`)
/// or, for signatures and ciphertexts, hex or a host file (`-signature`, `-in`); `-out` saves the result.
/// `derive` takes the peer's public key (`-peer`) as a hex SEC1 point or a host file holding one or the
/// PEM `cmu export` writes, and the new secret's attributes as `cmu generatekey` does (`-session` for a
/// session object). `sim app close -slot=<n>` ends the application's session and its session objects.
pub fn app(words: &[String], t: &mut dyn Transport, files: &mut HostFiles) -> String {
    let Some((what, rest)) = words.split_first() else {
        return format!(
            "{INDENT}usage: sim app sign|verify|encrypt|decrypt|derive -slot=<n> -handle=<n> ... | close -slot=<n>\n"
        );
    };
    let what = what.to_ascii_lowercase();
    let result = Opts::parse(rest).map_err(Stop::Usage).and_then(|o| {
        if what == "close" {
            return ask(t, &o, ObjectOp::CloseSession).map(|_| "session closed, its session objects destroyed".into());
        }
        let handle = o.handle("handle")?;
        let mech = match o.get("mech").map(str::to_ascii_lowercase).as_deref() {
            None | Some("pkcs") | Some("rsa_pkcs") => SignMech::RsaPkcs,
            Some("pss") | Some("rsa_pss") => SignMech::RsaPss,
            Some("ecdsa") => SignMech::Ecdsa,
            Some("hmac") => SignMech::Hmac,
            Some(m) => return Err(Stop::Usage(format!("-mech={m}: use pkcs, pss, ecdsa or hmac"))),
        };
        let bytes_in = |name: &str| -> Result<Vec<u8>, Stop> {
            let v = o.need(name)?;
            let text = files.get(v).map(str::trim).unwrap_or(v);
            unhex(text).ok_or_else(|| Stop::Usage(format!("-{name}: hex digits or a host file of them")))
        };
        let data = || -> Result<Vec<u8>, Stop> { Ok(o.need("data")?.as_bytes().to_vec()) };
        let op = match what.as_str() {
            "sign" => ObjectOp::Sign { handle, mech, data: data()? },
            "verify" => ObjectOp::Verify { handle, mech, data: data()?, signature: bytes_in("signature")? },
            "encrypt" => ObjectOp::Encrypt { handle, data: data()? },
            "decrypt" => ObjectOp::Decrypt { handle, data: bytes_in("in")? },
            "derive" => ObjectOp::Derive { handle, peer: peer_key(&o, files)?, template: template(&o, "label", "id")? },
            w => return Err(Stop::Usage(format!("unknown app operation '{w}'"))),
        };
        let answer = ask(t, &o, op)?;
        let out = match (&answer, what.as_str()) {
            (ObjectAnswer::Bytes(b), "decrypt") => format!("plaintext: {}", String::from_utf8_lossy(b)),
            (ObjectAnswer::Bytes(b), _) => hex(b),
            (ObjectAnswer::Created(objects), _) => {
                objects.iter().map(|i| describe("derived", i)).collect::<String>().trim_end().to_string()
            }
            _ => "signature verified".to_string(),
        };
        if let (Some(file), ObjectAnswer::Bytes(b)) = (o.get("out"), &answer) {
            files.put(file, format!("{}\n", hex(b)))?;
        }
        Ok(out)
    });
    match result {
        Ok(text) => format!("{INDENT}app {what}: {text}\n"),
        Err(Stop::Usage(e)) => format!("{INDENT}app {what}: {e}\n"),
        Err(Stop::Device(code)) => format!("{INDENT}app {what} refused: {}\n", code.command_result()),
    }
}
