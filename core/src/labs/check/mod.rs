//! The checks a lab step is made of: one small typed vocabulary, each read from the world and the
//! device's event log, never from what LunaCM printed.

use super::terms::{auth_name, Auth, AuthSetting, EventName, RoleName, Rollback};
use crate::device::audit::{parse_line, parse_log_file_name, EvMask};
use crate::device::firmware::Version;
use crate::device::{AuthMethod, Event, Lockout, Role, RoleRecord, ADMIN_SLOT, PARTITION_SLOT};
use crate::World;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

fn yes() -> bool {
    true
}

/// One condition on the world. In a lab file: `{ kind = "stm", active = false }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The HSM is (or is not) in Secure Transport Mode.
    Stm { active: bool },
    /// Since the lab began, the HSM was recovered from STM, and the last recovery did (or did not) follow
    /// a check that reproduced the verification string issued on entry.
    StmRecovered { matching: bool },
    /// The HSM is initialized with this authentication method.
    Initialized { auth: Auth },
    /// The authentication method the HSM keeps (through zeroize, not factory reset).
    AuthMethod { value: AuthSetting },
    /// The HSM is zeroized (no HSM SO), or not with `value = false`.
    Zeroized {
        #[serde(default = "yes")]
        value: bool,
    },
    /// The HSM's label.
    Label { value: String },
    /// The role exists (has a credential), or not with `value = false`.
    RoleInitialized {
        role: RoleName,
        #[serde(default = "yes")]
        value: bool,
    },
    /// LunaCM's session has the role logged in, or not with `value = false`.
    RoleLoggedIn {
        role: RoleName,
        #[serde(default = "yes")]
        value: bool,
    },
    /// The role changed its own credential since the lab began.
    CredentialChanged { role: RoleName },
    /// The role must (or need not) change its credential before anything else (HSM policy 21).
    MustChange { role: RoleName, value: bool },
    /// The role's credential is an iKey keyset of M of N; optionally, whether every key of it on the desk
    /// has a PIN, and how many duplicates of its splits are on the desk at least.
    Keyset {
        role: RoleName,
        m: u8,
        n: u8,
        #[serde(default)]
        pins: Option<bool>,
        #[serde(default)]
        duplicates_at_least: Option<u32>,
    },
    /// An HSM policy's value.
    HsmPolicy { id: u8, value: u32 },
    /// A partition policy's value.
    PartitionPolicy { id: u8, value: u32 },
    /// The application partition exists (or not), and optionally is initialized (or not).
    Partition {
        exists: bool,
        #[serde(default)]
        initialized: Option<bool>,
    },
    /// The application partition holds exactly `count` key objects (none without a partition); with
    /// `remains`, a zeroize left exactly that many undecodable objects in storage (erased at power-up).
    Objects {
        count: u32,
        #[serde(default)]
        remains: Option<usize>,
    },
    /// At least `count_at_least` events of this name since the lab began, for `role` if given.
    Event {
        name: EventName,
        count_at_least: u32,
        #[serde(default)]
        role: Option<RoleName>,
    },
    /// The role is (or is not) locked out.
    LockedOut { role: RoleName, value: bool },
    /// The Auditor role exists (or not).
    Auditor { initialized: bool },
    /// The host has a file of this name, containing `contains` if given.
    HostFile {
        name: String,
        #[serde(default)]
        contains: Option<String>,
    },
    /// Audit logging is configured: the Auditor's domain is (not) set, a log path is (not) set, and the
    /// event mask logs at least these `evmask` letters (`a,m,s,f`).
    Audit {
        #[serde(default)]
        domain: Option<bool>,
        #[serde(default)]
        path: Option<bool>,
        #[serde(default)]
        logs: Option<String>,
    },
    /// The HSM's log (on the host or still in the HSM) has a record of this event (`LUNA_INIT_TOKEN`),
    /// whose text contains `contains` if given.
    AuditRecord {
        op: String,
        #[serde(default)]
        contains: Option<String>,
    },
    /// The HSM is (or is not) halted by a tamper.
    Tamper { active: bool },
    /// The HSM is halted, for whatever reason (a tamper, a corrupted memory, the recovery process), or
    /// runs with `value = false`.
    Halted {
        #[serde(default = "yes")]
        value: bool,
    },
    /// The last `audit verify` found the log intact (`failed = false`) or found tampering, at line `line`
    /// of the file if given.
    AuditVerified {
        failed: bool,
        #[serde(default)]
        line: Option<usize>,
    },
    /// The HSM runs this firmware version, and keeps `rollback` (a version or `none`) for rollback if given.
    Firmware {
        version: Version,
        #[serde(default)]
        rollback: Option<Rollback>,
    },
}

/// What a check is evaluated against: the world, where the lab began in its event log, and the time.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub world: &'a World,
    /// The device's count of events emitted ([`crate::device::Hsm::emitted`]) when the lab began: only
    /// events emitted after it count.
    pub since: u64,
    /// The host clock (the world adds its own offset).
    pub now_ms: u64,
}

impl Ctx<'_> {
    fn events(&self) -> impl Iterator<Item = &Event> {
        self.world.hsm().events_since(self.since).iter().map(|s| &s.event)
    }
}

fn record(world: &World, role: Role) -> Option<&RoleRecord> {
    if role.on_admin_slot() {
        world.hsm().admin_roles().get(role)
    } else {
        world.hsm().partition()?.roles().get(role)
    }
}

fn is(b: bool) -> &'static str {
    if b {
        "is"
    } else {
        "is not"
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

impl Check {
    /// What the check asks for, in a sentence.
    pub fn describe(&self) -> String {
        match self {
            Check::Stm { active } => format!("Secure Transport Mode is {}", on_off(*active)),
            Check::StmRecovered { matching: true } => {
                "the HSM was recovered from STM after a matching verification string".into()
            }
            Check::StmRecovered { matching: false } => {
                "the HSM was recovered from STM although the verification string did not match".into()
            }
            Check::Initialized { auth } => {
                format!("the HSM is initialized with {} authentication", auth_name(Some(auth.method())))
            }
            Check::AuthMethod { value } => format!("the HSM's authentication method is {}", setting_name(*value)),
            Check::Zeroized { value } => format!("the HSM {} zeroized", is(*value)),
            Check::Label { value } => format!("the HSM label is \"{value}\""),
            Check::RoleInitialized { role, value } => format!("the {} {} initialized", role.0, is(*value)),
            Check::RoleLoggedIn { role, value } => format!("the {} {} logged in", role.0, is(*value)),
            Check::CredentialChanged { role } => format!("the {} changed its credential", role.0),
            Check::MustChange { role, value: true } => format!("the {} must change its credential", role.0),
            Check::MustChange { role, value: false } => {
                format!("the {} has no forced credential change pending", role.0)
            }
            Check::Keyset { role, m, n, pins, duplicates_at_least } => {
                let mut s = format!("the {} is a {m} of {n} iKey keyset", role.0);
                if let Some(p) = pins {
                    s.push_str(if *p { ", every key with a PIN" } else { ", no key with a PIN" });
                }
                if let Some(d) = duplicates_at_least {
                    s.push_str(&format!(", with at least {d} duplicate(s)"));
                }
                s
            }
            Check::HsmPolicy { id, value } => format!("HSM policy {id} is {value}"),
            Check::PartitionPolicy { id, value } => format!("partition policy {id} is {value}"),
            Check::Partition { exists, initialized } => match (exists, initialized) {
                (false, _) => "there is no application partition".into(),
                (true, None) => "the application partition exists".into(),
                (true, Some(i)) => format!("the application partition exists and {} initialized", is(*i)),
            },
            Check::Objects { count, remains: None } => format!("the partition holds {count} key object(s)"),
            Check::Objects { count, remains: Some(r) } => {
                format!("the partition holds {count} key object(s) and storage keeps {r} undecodable one(s)")
            }
            Check::Event { name, count_at_least, role } => match role {
                Some(r) => format!("at least {count_at_least} {name} event(s) for the {}", r.0),
                None => format!("at least {count_at_least} {name} event(s)"),
            },
            Check::LockedOut { role, value } => format!("the {} {} locked out", role.0, is(*value)),
            Check::Auditor { initialized } => format!("the Auditor {} initialized", is(*initialized)),
            Check::HostFile { name, contains: None } => format!("the host has a file {name}"),
            Check::HostFile { name, contains: Some(c) } => format!("the host file {name} contains \"{c}\""),
            Check::Audit { domain, path, logs } => {
                let mut parts = Vec::new();
                if let Some(d) = domain {
                    parts.push(format!("the Auditor's domain {} set", is(*d)));
                }
                if let Some(p) = path {
                    parts.push(format!("a log path {} configured", is(*p)));
                }
                if let Some(l) = logs {
                    parts.push(format!("the event mask logs at least {l}"));
                }
                parts.join(", ")
            }
            Check::AuditRecord { op, contains: None } => format!("the audit log has a {op} record"),
            Check::AuditRecord { op, contains: Some(c) } => {
                format!("the audit log has a {op} record that mentions \"{c}\"")
            }
            Check::Tamper { active } => format!("the HSM {} halted by a tamper", is(*active)),
            Check::Halted { value } => format!("the HSM {} halted", is(*value)),
            Check::AuditVerified { failed: false, .. } => "the last audit verify found the log intact".into(),
            Check::AuditVerified { failed: true, line: None } => "the last audit verify found tampering".into(),
            Check::AuditVerified { failed: true, line: Some(l) } => {
                format!("the last audit verify found tampering at line {l}")
            }
            Check::Firmware { version, rollback } => match rollback {
                None => format!("the HSM runs firmware {version}"),
                Some(Rollback(None)) => format!("the HSM runs firmware {version}, with no rollback target"),
                Some(Rollback(Some(r))) => format!("the HSM runs firmware {version}, with {r} saved for rollback"),
            },
        }
    }

    /// Ok when the world meets the check; otherwise what was expected and what the world has.
    pub fn evaluate(&self, ctx: Ctx<'_>) -> Result<(), String> {
        let world = ctx.world;
        let hsm = world.hsm();
        let fail = |has: String| Err(format!("expected {}; {has}", self.describe()));
        match self {
            Check::Stm { active } => {
                if hsm.in_stm() == *active {
                    return Ok(());
                }
                fail(format!("the HSM {} in Secure Transport Mode", is(hsm.in_stm())))
            }
            Check::StmRecovered { matching } => {
                let last = ctx.events().filter_map(|e| match e {
                    Event::StmRecovered { matching } => Some(*matching),
                    _ => None,
                });
                match last.last() {
                    None => fail("the HSM has not been recovered from STM since the lab began".into()),
                    Some(m) if m == *matching => Ok(()),
                    Some(true) => fail("the last recovery followed a matching verification string".into()),
                    Some(false) => fail(
                        "the verification string checked before the last recovery did not match the one issued".into(),
                    ),
                }
            }
            Check::Initialized { auth } => {
                if hsm.zeroized() {
                    return fail("the HSM is zeroized".into());
                }
                if hsm.auth() != Some(auth.method()) {
                    return fail(format!("it uses {} authentication", auth_name(hsm.auth())));
                }
                Ok(())
            }
            Check::AuthMethod { value } => {
                let has = match hsm.auth() {
                    Some(AuthMethod::Password) => AuthSetting::Password,
                    Some(AuthMethod::Multifactor) => AuthSetting::Multifactor,
                    None => AuthSetting::None,
                };
                if has == *value {
                    return Ok(());
                }
                fail(format!("it is {}", setting_name(has)))
            }
            Check::Zeroized { value } => {
                if hsm.zeroized() == *value {
                    return Ok(());
                }
                fail(format!("the HSM {} zeroized", is(hsm.zeroized())))
            }
            Check::Label { value } => match hsm.label() {
                "" => fail("the HSM has no label (it is zeroized)".into()),
                l if l == value => Ok(()),
                l => fail(format!("the label is \"{l}\"")),
            },
            Check::RoleInitialized { role, value } => {
                let has = record(world, role.0).is_some();
                if has == *value {
                    return Ok(());
                }
                if !role.0.on_admin_slot() && hsm.partition().is_none() {
                    return fail("there is no application partition".into());
                }
                fail(format!("the {} {} initialized", role.0, is(has)))
            }
            Check::RoleLoggedIn { role, value } => {
                let slot = if role.0.on_admin_slot() { ADMIN_SLOT } else { PARTITION_SLOT };
                let who = hsm.logged_in(slot);
                if (who == Some(role.0)) == *value {
                    return Ok(());
                }
                match who {
                    Some(r) => fail(format!("the {r} is logged in on slot {slot}")),
                    None => fail(format!("no role is logged in on slot {slot}")),
                }
            }
            Check::CredentialChanged { role } => {
                if ctx.events().any(|e| matches!(e, Event::CredentialChanged { role: r, .. } if *r == role.0)) {
                    return Ok(());
                }
                fail(format!("the {} has not changed its credential since the lab began", role.0))
            }
            Check::MustChange { role, value } => match record(world, role.0) {
                None => fail(format!("the {} is not initialized", role.0)),
                Some(r) if r.must_change == *value => Ok(()),
                Some(r) => fail(format!(
                    "the {} {} a forced change pending",
                    role.0,
                    if r.must_change { "has" } else { "has no" }
                )),
            },
            Check::Keyset { role, m, n, pins, duplicates_at_least } => {
                let Some(rec) = record(world, role.0) else {
                    return fail(format!("the {} is not initialized", role.0));
                };
                let Some(ks) = rec.credential.keyset() else {
                    return fail(format!("the {} has a password, not an iKey keyset", role.0));
                };
                if (ks.m, ks.n) != (*m, *n) {
                    return fail(format!("its keyset is {} of {}", ks.m, ks.n));
                }
                let keys: Vec<_> = world
                    .tray
                    .keys()
                    .iter()
                    .chain(hsm.port())
                    .filter_map(|k| k.content.as_ref())
                    .filter(|c| c.keyset == ks.keyset)
                    .collect();
                if let Some(p) = pins {
                    let differ = keys.iter().filter(|c| c.has_pin() != *p).count();
                    if keys.is_empty() {
                        return fail("no iKey of that keyset is on the desk".into());
                    }
                    if differ > 0 {
                        return fail(format!(
                            "{differ} of its {} iKeys on the desk {}",
                            keys.len(),
                            if *p { "have no PIN" } else { "have a PIN" }
                        ));
                    }
                }
                if let Some(d) = duplicates_at_least {
                    let splits: BTreeSet<u8> = keys.iter().map(|c| c.split).collect();
                    let dups = (keys.len() - splits.len()) as u32;
                    if dups < *d {
                        return fail(format!("the desk holds {dups} duplicate(s) of its splits"));
                    }
                }
                Ok(())
            }
            Check::HsmPolicy { id, value } => match hsm.policies().get(*id) {
                Some(v) if v == *value => Ok(()),
                Some(v) => fail(format!("it is {v}")),
                None => fail(format!("the HSM has no policy {id}")),
            },
            Check::PartitionPolicy { id, value } => match hsm.partition().map(|p| p.policies().get(*id)) {
                None => fail("there is no application partition".into()),
                Some(Some(v)) if v == *value => Ok(()),
                Some(Some(v)) => fail(format!("it is {v}")),
                Some(None) => fail(format!("the partition has no policy {id}")),
            },
            Check::Objects { count, remains } => {
                let held = hsm.partition().map_or(0, |p| p.objects().count());
                let left = hsm.storage_remains();
                if held != *count {
                    fail(format!("the partition holds {held} key object(s)"))
                } else if remains.is_some_and(|r| r != left) {
                    fail(format!("storage keeps {left} undecodable object(s)"))
                } else {
                    Ok(())
                }
            }
            Check::Partition { exists, initialized } => match (hsm.partition(), exists, initialized) {
                (None, false, _) => Ok(()),
                (Some(_), false, _) => fail("the application partition exists".into()),
                (None, true, _) => fail("there is no application partition".into()),
                (Some(p), true, Some(i)) if p.initialized() != *i => {
                    fail(format!("the partition {} initialized", is(p.initialized())))
                }
                (Some(_), true, _) => Ok(()),
            },
            Check::Event { name, count_at_least, role } => {
                let count = ctx
                    .events()
                    .map(EventName::of)
                    .filter(|(n, r)| n == name && role.is_none_or(|want| *r == Some(want.0)))
                    .count() as u32;
                if count >= *count_at_least {
                    return Ok(());
                }
                fail(format!("the device logged {count} since the lab began"))
            }
            Check::LockedOut { role, value } => {
                let Some(rec) = record(world, role.0) else {
                    return fail(format!("the {} is not initialized", role.0));
                };
                let locked = rec.locked(world.now(ctx.now_ms));
                if locked.is_some() == *value {
                    return Ok(());
                }
                match locked {
                    Some(Lockout::UntilReset) => fail(format!("the {} is locked out until it is reset", role.0)),
                    Some(Lockout::Until(_)) => fail(format!("the {} is locked out for now", role.0)),
                    None => fail(format!("the {} is not locked out", role.0)),
                }
            }
            Check::Auditor { initialized } => {
                let has = hsm.admin_roles().get(Role::Auditor).is_some();
                if has == *initialized {
                    return Ok(());
                }
                fail(format!("the Auditor {} initialized", is(has)))
            }
            Check::HostFile { name, contains } => match (world.files().get(name), contains) {
                (None, _) => {
                    let names: Vec<&str> = world.files().iter().map(|(n, _)| n).collect();
                    if names.is_empty() {
                        fail("the host has no files".into())
                    } else {
                        fail(format!("the host has {}", names.join(", ")))
                    }
                }
                (Some(text), Some(c)) if !text.contains(c.as_str()) => fail(format!("{name} does not contain it")),
                (Some(_), _) => Ok(()),
            },
            Check::Audit { domain, path, logs } => {
                let audit = hsm.audit();
                if let Some(d) = domain {
                    if audit.domain_set() != *d {
                        return fail(format!("the Auditor's domain {} set", is(audit.domain_set())));
                    }
                }
                if let Some(p) = path {
                    if audit.config().path.is_some() != *p {
                        return fail(match &audit.config().path {
                            Some(p) => format!("the log path is {p}"),
                            None => "no log path is configured".into(),
                        });
                    }
                }
                if let Some(l) = logs {
                    let want = EvMask::parse(l).map_err(|e| format!("the lab's evmask '{l}' is wrong: {e}"))?;
                    let has = audit.config().evmask;
                    let covered = has.categories & want.categories == want.categories
                        && (!want.success || has.success)
                        && (!want.failure || has.failure);
                    if !covered {
                        return fail(format!("the event mask is {has}"));
                    }
                }
                Ok(())
            }
            Check::AuditRecord { op, contains } => {
                let matches = |text: &str| {
                    text.contains(&format!(" operation {op} returned "))
                        && contains.as_ref().is_none_or(|c| text.contains(c.as_str()))
                };
                let on_host = world
                    .files()
                    .iter()
                    .filter(|(n, _)| parse_log_file_name(n).is_some_and(|(s, _)| s == hsm.serial()))
                    .flat_map(|(_, t)| t.lines())
                    .any(|l| parse_line(l).is_ok_and(|p| matches(&p.text)));
                if on_host || hsm.audit().stored().iter().any(|r| matches(&r.text)) {
                    return Ok(());
                }
                fail("no such record is on the host or in the HSM".into())
            }
            Check::Tamper { active } => {
                let tampered = matches!(hsm.halt(), Some(crate::device::tamper::Halt::Tamper(_)));
                if tampered == *active {
                    return Ok(());
                }
                fail(format!("the HSM Status is {}", hsm.status()))
            }
            Check::Halted { value } => {
                if hsm.halt().is_some() == *value {
                    return Ok(());
                }
                fail(format!("the HSM Status is {}", hsm.status()))
            }
            Check::AuditVerified { failed, line } => {
                let Some((file, report)) = hsm.audit().last_verified() else {
                    return fail("no log has been verified".into());
                };
                match (&report.failure, failed, line) {
                    (None, false, _) if report.verified > 0 => Ok(()),
                    (None, false, _) => fail(format!("no record of {file} could be verified")),
                    (None, true, _) => fail(format!("{file} verified intact")),
                    (Some(f), false, _) => fail(format!("{file} failed at line {}", f.line)),
                    (Some(f), true, Some(l)) if f.line != *l => fail(format!("{file} failed at line {}", f.line)),
                    (Some(_), true, _) => Ok(()),
                }
            }
            Check::Firmware { version, rollback } => {
                let firmware = hsm.firmware();
                let has = |target: Option<Version>| {
                    target.map_or("no rollback target".to_string(), |v| format!("{v} saved for rollback"))
                };
                if firmware.running() != *version {
                    return fail(format!("it runs {}", firmware.running()));
                }
                match rollback {
                    Some(Rollback(target)) if *target != firmware.rollback() => {
                        fail(format!("it has {}", has(firmware.rollback())))
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

fn setting_name(a: AuthSetting) -> &'static str {
    match a {
        AuthSetting::Password => "password",
        AuthSetting::Multifactor => "multifactor",
        AuthSetting::None => "none",
    }
}

#[cfg(test)]
mod tests;
