//! Audit logging (chapter 5): the Auditor's configuration, the log secret and its HMAC chain, the HSM's
//! own store of records until the host's logging daemon takes them into log files, LOG FULL, the HSM's
//! clock, and the secret's export and import for verification on another HSM of the same audit domain.
//!
//! Every request the firmware logs passes [`Hsm::handle`], which asks [`Op::of`] what the request is in
//! the guide's event table and records its outcome here, as the event mask says (unconditional events
//! always).

mod clock;
pub mod config;
pub mod record;
mod requests;
pub mod secret;
pub mod verify;

pub use clock::Rtc;
pub use config::{Category, Config, ConfigChange, EvMask, Interval};
pub use record::{parse_line, ParsedLine, Record, RecordView, LINE_LEN};
pub use requests::{AuditStatus, MESSAGE_MAX};
pub use verify::{After, Failure, Report, Tamper, VerifiedText};

use super::roles::Role;
use super::{CryptoRngCore, Hsm, Request, Response, SlotId, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};
use record::{hex, unhex, Entry, ZERO_HMAC};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Records the HSM's own store holds before LOG FULL, unless the simulated unit is set otherwise.
pub const DEFAULT_CAPACITY: usize = 1000;
/// The largest store a simulated unit can be given (`sim audit capacity`).
pub const CAPACITY_MAX: usize = 10_000;

/// 32 bytes kept in the HSM (a secret, a key, an HMAC), saved as hexadecimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes32(pub [u8; 32]);

impl Serialize for Bytes32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bytes32, D::Error> {
        let s = String::deserialize(d)?;
        unhex(&s).map(Bytes32).ok_or_else(|| serde::de::Error::custom("expected 64 hexadecimal digits"))
    }
}

/// The stored records, or only their count in a world's fingerprint ([`crate::snapshot`]): what changes
/// in them shows in the newest sequence number and the count.
fn store_in_form<S: Serializer>(store: &[Record], s: S) -> Result<S::Ok, S::Error> {
    match crate::snapshot::form() {
        crate::snapshot::Form::Fingerprint => s.serialize_u64(store.len() as u64),
        _ => store.serialize(s),
    }
}

/// The host path of the log file whose first record is `first_seq`, as the logging daemon names it:
/// `<dir>/hsm_<serial>_<first record, 8 hex digits>.log`.
pub fn log_file_name(dir: &str, serial: &str, first_seq: u64) -> String {
    format!("{}/hsm_{serial}_{first_seq:08x}.log", dir.trim_end_matches('/'))
}

/// The serial number and first record a log file's name gives ([`log_file_name`]), if it is one.
pub fn parse_log_file_name(path: &str) -> Option<(&str, u64)> {
    let base = path.rsplit('/').next()?;
    let (serial, seq) = base.strip_prefix("hsm_")?.strip_suffix(".log")?.rsplit_once('_')?;
    Some((serial, u64::from_str_radix(seq, 16).ok()?))
}

/// The log file the host's logging daemon is writing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveFile {
    /// Its path on the host.
    pub name: String,
    /// Bytes written so far.
    pub bytes: u64,
    /// HSM time it was begun.
    pub opened_ms: u64,
}

/// Records ready for the host: the file they go to and their lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The log file's path on the host.
    pub file: String,
    /// Whether the file is new (a rotation begins it).
    pub new_file: bool,
    /// The records' lines.
    pub text: String,
    /// How many records.
    pub count: usize,
}

/// Everything the HSM keeps for audit logging.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    /// The 256-bit log secret, created when the first record is logged.
    secret: Option<Bytes32>,
    /// A log secret imported from another HSM (or this one's, re-imported): verification uses it.
    imported: Option<Bytes32>,
    /// The Auditor's domain key (KCV), which wraps the secret for export.
    kcv: Option<Bytes32>,
    /// Sequence number of the newest record.
    last_seq: u64,
    /// HMAC of the newest record: what a truncated log is checked against.
    last_hmac: Bytes32,
    /// Records not yet taken by the host, oldest first.
    #[serde(serialize_with = "store_in_form")]
    store: Vec<Record>,
    /// How many records the store holds (a property of the simulated unit).
    capacity: usize,
    /// The Auditor's configuration.
    config: Config,
    /// The HSM's clock, set at first use.
    rtc: Option<Rtc>,
    /// The log file being written on the host.
    active: Option<ActiveFile>,
    /// Records that could not be logged because the store was full.
    lost: u64,
    /// Host sessions opened so far: the "who" of a record.
    session: u32,
    /// The last file verified and what verification found, for the audit panel's marks.
    #[serde(default)]
    last_verified: Option<(String, Report)>,
    /// The lines that verification was given (unknown for a world saved before they were kept).
    #[serde(default)]
    last_verified_text: Option<VerifiedText>,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            secret: None,
            imported: None,
            kcv: None,
            last_seq: 0,
            last_hmac: Bytes32(ZERO_HMAC),
            store: Vec::new(),
            capacity: DEFAULT_CAPACITY,
            config: Config::default(),
            rtc: None,
            active: None,
            lost: 0,
            session: 1,
            last_verified: None,
            last_verified_text: None,
        }
    }
}

/// The HSM events of "Audit Log Categories and HSM Events" that the simulator performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `LUNA_LOGIN`.
    Login,
    /// `LUNA_LOGOUT`.
    Logout,
    /// `LUNA_INIT_TOKEN`: HSM or partition initialization (creates its SO). Unconditional.
    InitToken,
    /// `LUNA_INIT_PIN`: a role initialized or its credential reset by another role.
    InitPin,
    /// `LUNA_SET_PIN`: a role changed its own credential.
    SetPin,
    /// `LUNA_CREATE_LOGIN_CHALLENGE`.
    CreateLoginChallenge,
    /// `LUNA_PED_INIT_RPV`.
    PedInitRpv,
    /// `LUNA_ZEROIZE`: zeroize or factory reset. Unconditional.
    Zeroize,
    /// `LUNA_SET_HSM_POLICY`.
    SetHsmPolicy,
    /// `LUNA_SET_DESTRUCTIVE_HSM_POLICY`.
    SetDestructiveHsmPolicy,
    /// `LUNA_SET_CONTAINER_POLICY`.
    SetContainerPolicy,
    /// `LUNA_CREATE_CONTAINER`.
    CreateContainer,
    /// `LUNA_DELETE_CONTAINER`.
    DeleteContainer,
    /// `LUNA_STM_TRANSPORT`: entering Secure Transport Mode (not in the guide's table).
    StmTransport,
    /// `LUNA_STM_RECOVER`: leaving Secure Transport Mode (not in the guide's table).
    StmRecover,
    /// `LUNA_CREATE_AUDIT_CONTAINER`: the Auditor role created. Unconditional.
    CreateAuditContainer,
    /// `LUNA_GEN_KCV`: the Auditor's domain set.
    GenKcv,
    /// `LUNA_LOG_SET_TIME`.
    LogSetTime,
    /// `LUNA_LOG_GET_TIME`.
    LogGetTime,
    /// `LUNA_LOG_SET_CONFIG`.
    LogSetConfig,
    /// `LUNA_LOG_GET_CONFIG`.
    LogGetConfig,
    /// `LUNA_LOG_VERIFY`.
    LogVerify,
    /// `LUNA_LOG_IMPORT_SECRET`.
    LogImportSecret,
    /// `LUNA_LOG_EXPORT_SECRET`.
    LogExportSecret,
    /// `LUNA_LOG_EXTERNAL`: `audit logmsg`.
    LogExternal,
    /// `LUNA_TAMPER`: a soft tamper (not in the guide's table, which says tamper is logged
    /// unconditionally). Unconditional.
    Tamper,
    /// `LUNA_ENVIRONMENT_WARNING`: a mild temperature or voltage excursion, or its end. Unconditional.
    EnvironmentWarning,
    /// `LUNA_SELF_TEST`: the firmware's integrity check of its memories.
    SelfTest,
    /// `LUNA_FW_UPGRADE_INIT`: a firmware update begins (`hsm updatefw`); a refused update is logged as this.
    FwUpgradeInit,
    /// `LUNA_FW_UPGRADE_UPDATE`: the verified image is written.
    FwUpgradeUpdate,
    /// `LUNA_FW_UPGRADE_FINAL`: the new firmware is in place.
    FwUpgradeFinal,
    /// `LUNA_FW_ROLLBACK`: `hsm rollbackfw`.
    FwRollback,
    /// `LUNA_GENERATE_KEY_PAIR`.
    GenerateKeyPair,
    /// `LUNA_GENERATE_KEY`.
    GenerateKey,
    /// `LUNA_DESTROY_OBJECT`.
    DestroyObject,
    /// `LUNA_WRAP_KEY`.
    WrapKey,
    /// `LUNA_UNWRAP_KEY`: a key unwrapped into the partition (`cmu import`).
    UnwrapKey,
    /// `LUNA_DERIVE_KEY`: a key derived (ECDH).
    DeriveKey,
    /// `LUNA_SIGN`: a signature, certificate or certificate request.
    Sign,
    /// `LUNA_VERIFY`.
    Verify,
    /// `LUNA_ENCRYPT`.
    Encrypt,
    /// `LUNA_DECRYPT`.
    Decrypt,
}

impl Op {
    /// The event a request is, if the firmware logs it (monitoring requests are not logged).
    pub fn of(request: &Request) -> Option<Op> {
        Some(match request {
            Request::Login { .. } => Op::Login,
            Request::Logout => Op::Logout,
            Request::InitRole { role: Role::Auditor, .. } => Op::CreateAuditContainer,
            Request::InitRole { .. } | Request::ResetCredential { .. } => Op::InitPin,
            Request::ChangeCredential { .. } => Op::SetPin,
            Request::CreateChallenge { .. } => Op::CreateLoginChallenge,
            Request::InitHsm { .. } | Request::ReinitHsm { .. } | Request::InitPartition { .. } => Op::InitToken,
            Request::InitRpv => Op::PedInitRpv,
            Request::Zeroize | Request::FactoryReset => Op::Zeroize,
            Request::StmTransport => Op::StmTransport,
            Request::StmRecover => Op::StmRecover,
            Request::ChangePolicy { .. } => Op::SetHsmPolicy,
            Request::CreatePartition { .. } => Op::CreateContainer,
            Request::DeletePartition => Op::DeleteContainer,
            Request::SetAuditDomain { .. } => Op::GenKcv,
            Request::AuditConfig(c) if c.is_empty() => Op::LogGetConfig,
            Request::AuditConfig(_) => Op::LogSetConfig,
            Request::AuditStatus => Op::LogGetConfig,
            Request::AuditTimeSync => Op::LogSetTime,
            Request::AuditTimeGet => Op::LogGetTime,
            Request::AuditLogMessage { .. } => Op::LogExternal,
            Request::AuditExportSecret => Op::LogExportSecret,
            Request::AuditImportSecret { .. } => Op::LogImportSecret,
            Request::AuditVerify { .. } => Op::LogVerify,
            Request::UpdateFirmware { .. } => Op::FwUpgradeInit,
            Request::RollbackFirmware => Op::FwRollback,
            Request::Object(r) => return r.op.audit(),
            Request::GetInfo
            | Request::Authorize(_)
            | Request::PedPoll
            | Request::CloseSession
            | Request::Deactivate { .. }
            | Request::RoleStatus { .. }
            | Request::ListRoles
            | Request::StmVerify { .. }
            | Request::GetPolicies
            | Request::ListObjects
            | Request::TamperShow
            | Request::Restart
            | Request::ShowUtilization
            | Request::ResetUtilization
            | Request::MonitorReading => return None,
        })
    }

    /// The event's name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Op::Login => "LUNA_LOGIN",
            Op::Logout => "LUNA_LOGOUT",
            Op::InitToken => "LUNA_INIT_TOKEN",
            Op::InitPin => "LUNA_INIT_PIN",
            Op::SetPin => "LUNA_SET_PIN",
            Op::CreateLoginChallenge => "LUNA_CREATE_LOGIN_CHALLENGE",
            Op::PedInitRpv => "LUNA_PED_INIT_RPV",
            Op::Zeroize => "LUNA_ZEROIZE",
            Op::SetHsmPolicy => "LUNA_SET_HSM_POLICY",
            Op::SetDestructiveHsmPolicy => "LUNA_SET_DESTRUCTIVE_HSM_POLICY",
            Op::SetContainerPolicy => "LUNA_SET_CONTAINER_POLICY",
            Op::CreateContainer => "LUNA_CREATE_CONTAINER",
            Op::DeleteContainer => "LUNA_DELETE_CONTAINER",
            Op::StmTransport => "LUNA_STM_TRANSPORT",
            Op::StmRecover => "LUNA_STM_RECOVER",
            Op::CreateAuditContainer => "LUNA_CREATE_AUDIT_CONTAINER",
            Op::GenKcv => "LUNA_GEN_KCV",
            Op::LogSetTime => "LUNA_LOG_SET_TIME",
            Op::LogGetTime => "LUNA_LOG_GET_TIME",
            Op::LogSetConfig => "LUNA_LOG_SET_CONFIG",
            Op::LogGetConfig => "LUNA_LOG_GET_CONFIG",
            Op::LogVerify => "LUNA_LOG_VERIFY",
            Op::LogImportSecret => "LUNA_LOG_IMPORT_SECRET",
            Op::LogExportSecret => "LUNA_LOG_EXPORT_SECRET",
            Op::LogExternal => "LUNA_LOG_EXTERNAL",
            Op::Tamper => "LUNA_TAMPER",
            Op::EnvironmentWarning => "LUNA_ENVIRONMENT_WARNING",
            Op::SelfTest => "LUNA_SELF_TEST",
            Op::FwUpgradeInit => "LUNA_FW_UPGRADE_INIT",
            Op::FwUpgradeUpdate => "LUNA_FW_UPGRADE_UPDATE",
            Op::FwUpgradeFinal => "LUNA_FW_UPGRADE_FINAL",
            Op::FwRollback => "LUNA_FW_ROLLBACK",
            Op::GenerateKeyPair => "LUNA_GENERATE_KEY_PAIR",
            Op::GenerateKey => "LUNA_GENERATE_KEY",
            Op::DestroyObject => "LUNA_DESTROY_OBJECT",
            Op::WrapKey => "LUNA_WRAP_KEY",
            Op::UnwrapKey => "LUNA_UNWRAP_KEY",
            Op::DeriveKey => "LUNA_DERIVE_KEY",
            Op::Sign => "LUNA_SIGN",
            Op::Verify => "LUNA_VERIFY",
            Op::Encrypt => "LUNA_ENCRYPT",
            Op::Decrypt => "LUNA_DECRYPT",
        }
    }

    /// Its category in the event mask.
    pub fn category(self) -> Category {
        match self {
            Op::Login | Op::Logout => Category::Access,
            Op::GenKcv
            | Op::GenerateKeyPair
            | Op::GenerateKey
            | Op::DestroyObject
            | Op::WrapKey
            | Op::UnwrapKey
            | Op::DeriveKey => Category::KeyManage,
            Op::Sign | Op::Verify | Op::Encrypt | Op::Decrypt => Category::Usage,
            Op::LogExternal => Category::External,
            Op::CreateAuditContainer
            | Op::LogSetTime
            | Op::LogGetTime
            | Op::LogSetConfig
            | Op::LogGetConfig
            | Op::LogVerify
            | Op::LogImportSecret
            | Op::LogExportSecret => Category::LogManage,
            _ => Category::Manage,
        }
    }

    /// Logged when it succeeds, whatever the event mask says: zeroization, SO creation, audit role
    /// creation (tamper and decommission come with those features).
    pub fn unconditional(self) -> bool {
        matches!(self, Op::Zeroize | Op::InitToken | Op::CreateAuditContainer | Op::Tamper | Op::EnvironmentWarning)
    }

    /// Allowed while the log is full: what lets the Auditor log in, configure logging (which empties the
    /// store into the host's files), and the factory reset.
    pub fn allowed_when_full(self) -> bool {
        // `Op::Zeroize` is also `hsm zeroize`, which the HSM's rules then refuse: only its factory reset passes.
        matches!(
            self,
            Op::Login
                | Op::Logout
                | Op::CreateAuditContainer
                | Op::GenKcv
                | Op::LogSetConfig
                | Op::LogGetConfig
                | Op::Zeroize
        )
    }

    /// The number the raw data gives the event.
    fn code(self) -> u16 {
        self as u16 + 1
    }
}

/// A logged request whose outcome an iKey ceremony decides: logged when it ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The event.
    pub op: Op,
    /// The slot it was addressed to.
    pub slot: SlotId,
    /// The role acting.
    pub role: Option<Role>,
    /// More to say.
    pub detail: String,
}

/// What a record adds to who, what and result for a request: the role acted on, the policy changed, the
/// message written.
pub fn detail_of(request: &Request) -> String {
    match request {
        Request::InitRole { role, .. }
        | Request::ResetCredential { role, .. }
        | Request::CreateChallenge { role, .. } => format!("target role {}", role_id(*role)),
        Request::ChangePolicy { id, value } => format!("policy {id} value {value}"),
        Request::AuditLogMessage { text } => format!("message \"{text}\""),
        Request::AuditConfig(c) if !c.is_empty() => {
            let mut parts = Vec::new();
            if let Some(p) = &c.path {
                parts.push(format!("path {p}"));
            }
            if let Some(m) = &c.evmask {
                parts.push(format!("evmask {}", m.letters()));
            }
            if let Some(i) = &c.interval {
                parts.push(format!("interval {i}"));
            }
            if let Some(s) = c.size {
                parts.push(format!("size {}", config::show_size(s)));
            }
            parts.join(" ")
        }
        _ => String::new(),
    }
}

/// The role IDs of "Partition Role IDs".
fn role_id(role: Role) -> u8 {
    match role {
        Role::So | Role::PartitionSo => 1,
        Role::Auditor => 8,
        Role::CryptoOfficer => 0,
        Role::LimitedCryptoOfficer => 9,
        Role::CryptoUser => 5,
    }
}

impl Audit {
    /// The HSM's clock reading now, setting the clock from the factory value on first use.
    pub fn time(&mut self, serial: &str, now_ms: u64) -> u64 {
        self.rtc_mut(serial, now_ms).read(now_ms)
    }

    fn rtc_mut(&mut self, serial: &str, now_ms: u64) -> &mut Rtc {
        self.rtc.get_or_insert_with(|| {
            // Each unit's clock is off in its own way, the same way every time the world is replayed.
            let h = <sha2::Sha256 as sha2::Digest>::digest(serial.as_bytes());
            Rtc::from_factory(u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]), now_ms)
        })
    }

    /// Whether the store is full: everything but what [`Op::allowed_when_full`] allows stops.
    pub fn full(&self) -> bool {
        self.store.len() >= self.capacity
    }

    /// The records still in the HSM.
    pub fn stored(&self) -> &[Record] {
        &self.store
    }

    /// The Auditor's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sequence number of the newest record.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Whether the Auditor's domain key is set.
    pub fn domain_set(&self) -> bool {
        self.kcv.is_some()
    }

    /// How many records the store holds before LOG FULL.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The last file `audit verify` checked on this HSM, with what it found.
    pub fn last_verified(&self) -> Option<(&str, &Report)> {
        self.last_verified.as_ref().map(|(f, r)| (f.as_str(), r))
    }

    /// What the last `audit verify` found in `file`, if it checked that file and `text` (the file's text
    /// now) still begins with the lines it was given: the report, and how many lines of `text` it speaks
    /// for. Records the logging daemon appended since change nothing that was verified.
    pub fn verification_of(&self, file: &str, text: &str) -> Option<(&Report, usize)> {
        let (verified, report) = self.last_verified.as_ref()?;
        let lines = self.last_verified_text.as_ref()?;
        (verified == file && lines.begins(text)).then_some((report, lines.lines))
    }

    /// A new host session begins (a LunaCM start).
    pub fn new_session(&mut self) {
        self.session = self.session.saturating_add(1);
    }

    /// Sets how many records the store holds (a property of the simulated unit).
    pub fn set_capacity(&mut self, capacity: usize) -> Result<(), String> {
        if !(1..=CAPACITY_MAX).contains(&capacity) {
            return Err(format!("The HSM's log store holds from 1 to {CAPACITY_MAX} records."));
        }
        self.capacity = capacity;
        Ok(())
    }

    /// What factory reset removes: the Auditor's domain, configuration and any imported secret. The log
    /// secret, the chain and the stored records stay: logs are cleared only by rotation to the host.
    pub fn factory_reset(&mut self) {
        self.kcv = None;
        self.imported = None;
        self.config = Config::default();
        self.active = None;
    }

    /// The Auditor was (re-)initialized: its domain is the white iKey's on a multifactor HSM, and unset
    /// on a password HSM until `role setdomain`.
    pub fn auditor_initialized(&mut self, kcv: Option<[u8; 32]>) {
        self.kcv = kcv.map(Bytes32);
    }

    /// Appends a record, creating the log secret with the first. A full store drops it (counted).
    fn append(&mut self, entry: &Entry, serial: &str, now_ms: u64, rng: Option<&mut dyn CryptoRngCore>) {
        if self.full() {
            self.lost += 1;
            return;
        }
        let secret = match (self.secret, rng) {
            (Some(s), _) => s.0,
            (None, Some(rng)) => {
                let mut s = [0u8; 32];
                rng.fill_bytes(&mut s);
                self.secret = Some(Bytes32(s));
                s
            }
            // Only a ceremony that times out logs without randomness at hand, and the Auditor's creation
            // made the secret long before; a record that cannot be signed is counted as lost.
            (None, None) => {
                self.lost += 1;
                return;
            }
        };
        let time_ms = self.time(serial, now_ms);
        let seq = self.last_seq + 1;
        let record = Record { seq, time_ms, text: entry.text(), raw: entry.raw(seq, time_ms), prev: self.last_hmac.0 };
        self.last_hmac = Bytes32(record.hmac(&secret));
        self.last_seq = seq;
        self.store.push(record);
    }

    /// The next records for the host's logging daemon, if a log path is configured: into the active file,
    /// or a new one when the rotation interval has passed or the size is reached.
    pub fn batch(&mut self, serial: &str, now_ms: u64, file_max: usize) -> Option<Batch> {
        let dir = self.config.path.clone()?;
        let first = self.store.first()?.seq;
        let now = self.time(serial, now_ms);
        let size = self.config.size.min(file_max as u64);
        let due = |a: &ActiveFile| {
            a.bytes + LINE_LEN as u64 > size || self.config.interval.millis().is_some_and(|p| now >= a.opened_ms + p)
        };
        let new_file = self.active.as_ref().is_none_or(due);
        if new_file {
            let name = log_file_name(&dir, serial, first);
            self.active = Some(ActiveFile { name, bytes: 0, opened_ms: now });
        }
        let active = self.active.as_ref()?;
        let room = ((size - active.bytes) / LINE_LEN as u64).max(1) as usize;
        let count = room.min(self.store.len());
        let text: String = self.store[..count].iter().map(Record::line).collect();
        Some(Batch { file: active.name.clone(), new_file, text, count })
    }

    /// The host wrote the batch: its records leave the HSM.
    pub fn delivered(&mut self, count: usize) {
        let count = count.min(self.store.len());
        self.store.drain(..count);
        if let Some(a) = self.active.as_mut() {
            a.bytes += (count * LINE_LEN) as u64;
        }
    }

    /// The host could not write the active file: the next batch begins a new one.
    pub fn undeliverable(&mut self) {
        self.active = None;
    }
}

impl Hsm {
    /// The audit state.
    pub fn audit(&self) -> &Audit {
        &self.audit
    }

    /// The HSM's clock reading at host time `now_ms` (records, tampers and `hsm showinfo` use it).
    pub(super) fn hsm_time(&mut self, now_ms: u64) -> u64 {
        let Hsm { audit, serial, .. } = self;
        audit.time(serial, now_ms)
    }

    /// The audit state, for the host's logging daemon and the simulated unit's settings.
    pub fn audit_mut(&mut self) -> &mut Audit {
        &mut self.audit
    }

    /// Refuses `op` while the log is full, unless it is one the guide still allows.
    pub(super) fn refuse_when_log_full(&self, op: Option<Op>) -> Result<(), LunaRet> {
        match op {
            Some(op) if self.audit.full() && !op.allowed_when_full() => Err(retcode::LOG_FULL),
            _ => Ok(()),
        }
    }

    /// Logs the outcome of a request, as the event mask says (unconditional events always). A request
    /// that started an iKey ceremony is logged when the ceremony ends.
    pub(super) fn log_outcome(
        &mut self,
        pending: Pending,
        result: &Result<Response, LunaRet>,
        now_ms: u64,
        rng: Option<&mut dyn CryptoRngCore>,
    ) {
        if let (Ok(Response::Ped(super::PedStatus::Pending)), Some(running)) = (result, self.running.as_mut()) {
            running.audit = Some(pending);
            return;
        }
        let mut pending = pending;
        let mut rng = rng;
        if let Ok(Response::PolicyChanged { destructive: true, .. }) = result {
            pending.op = Op::SetDestructiveHsmPolicy;
        }
        if let Ok(Response::Firmware { previous, running }) = result {
            pending.detail = format!("firmware {previous} to {running}");
            if pending.op == Op::FwUpgradeInit {
                // One update is logged as its three stages.
                for op in [Op::FwUpgradeInit, Op::FwUpgradeUpdate] {
                    let stage = Pending { op, ..pending.clone() };
                    self.log(stage, None, now_ms, rng.as_mut().map(|r| &mut **r as &mut dyn CryptoRngCore));
                }
                pending.op = Op::FwUpgradeFinal;
            }
        }
        if pending.op == Op::SetHsmPolicy && pending.slot != ADMIN_SLOT {
            pending.op = Op::SetContainerPolicy;
        }
        self.log(pending, result.as_ref().err().copied(), now_ms, rng);
    }

    /// Logs one event with its result, if the mask (or the event's being unconditional) says so.
    pub(super) fn log(
        &mut self,
        p: Pending,
        error: Option<LunaRet>,
        now_ms: u64,
        mut rng: Option<&mut dyn CryptoRngCore>,
    ) {
        let ok = error.is_none();
        let code = error.unwrap_or(retcode::OK);
        if (ok && p.op.unconditional()) || self.audit.config.evmask.logs(p.op.category(), ok) {
            let entry = Entry {
                op: p.op.name(),
                code: p.op.code(),
                category: p.op.category(),
                session: self.audit.session,
                partition: u8::from(p.slot != ADMIN_SLOT),
                role_id: p.role.map(role_id),
                result: (code.name, code.code),
                detail: p.detail.clone(),
            };
            let Hsm { audit, serial, .. } = self;
            audit.append(&entry, serial, now_ms, rng.as_mut().map(|r| &mut **r as &mut dyn CryptoRngCore));
        }
        if code == retcode::SO_LOGIN_FAILURE_THRESHOLD {
            // The failed logins zeroized the HSM: zeroization is logged unconditionally.
            let zeroized = Pending {
                op: Op::Zeroize,
                slot: ADMIN_SLOT,
                role: Some(Role::So),
                detail: "after 3 failed HSM SO logins".into(),
            };
            self.log(zeroized, None, now_ms, rng);
        }
    }
}
