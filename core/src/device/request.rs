//! The typed boundary between the host (LunaCM) and the firmware.
//!
//! A real Luna draws the same line: LunaCM sends commands over USB to a slot and the firmware answers with
//! data or a return code. Everything that crosses it is a plain serde value, so the in-process device of
//! today and a WebUSB link tomorrow carry the same frames.

use super::audit::{AuditStatus, Config as AuditConfig, ConfigChange, Report};
use super::policy::Policies;
use super::roles::{Role, RoleInfo};
use super::{AuthMethod, HsmStatus};
use crate::retcode::LunaRet;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// A slot number as LunaCM lists it.
pub type SlotId = u32;

/// Slot of the HSM's administrative partition (as in the guide's chapter 1 listing).
pub const ADMIN_SLOT: SlotId = 4;
/// Slot the application partition appears in once created.
pub const PARTITION_SLOT: SlotId = 3;

/// One request from the host, addressed to a slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// The slot addressed: the admin slot or the application partition's.
    pub slot: SlotId,
    /// What is asked.
    pub request: Request,
}

/// One command from the host to a partition of the HSM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Identity and state of the HSM and its partition, as `slot list` and `hsm showinfo` print them.
    GetInfo,
    /// Asks whether an action would be allowed now, without doing it: LunaCM asks before prompting for
    /// secrets or confirmation, and the device answers with the same rule it applies to the action itself.
    Authorize(Action),
    /// Log a role in. On a multifactor HSM this starts the iKey ceremony, unless the role is activated, in
    /// which case `password` is its challenge secret. On a password HSM `password` is required.
    Login { role: Role, password: Option<String> },
    /// Log the slot's role out.
    Logout,
    /// Hard initialization of a zeroized HSM. With iKeys it starts the ceremony for the blue SO and red
    /// domain keysets; with passwords `so_password` and `domain` are required.
    InitHsm {
        label: String,
        auth: AuthMethod,
        so_password: Option<String>,
        domain: Option<String>,
        policies: Option<Policies>,
    },
    /// Soft initialization: keep SO and domain, destroy the partition, optionally set a new label. The
    /// current SO credential is presented again: `so_password`, or the blue keyset on the touchscreen.
    ReinitHsm { label: String, so_password: Option<String> },
    /// Create a role's credential (`role init`): `password` on a password HSM, a keyset ceremony otherwise.
    InitRole { role: Role, password: Option<String> },
    /// Change the logged-in role's credential. On a password HSM both passwords are given. On a
    /// multifactor HSM, without passwords the keyset is replaced (present the old, create the new); with
    /// them the challenge secret is changed.
    ChangeCredential { role: Role, old_password: Option<String>, new_password: Option<String> },
    /// Set a new credential for a role without the current one (`role resetpw`).
    ResetCredential { role: Role, password: Option<String> },
    /// Set a role's challenge secret (`role createchallenge`), on a multifactor partition.
    CreateChallenge { role: Role, challenge: String },
    /// Forget a role's cached iKey secret (`role deactivate`).
    Deactivate { role: Role },
    /// One role's state (`role show`).
    RoleStatus { role: Role },
    /// Every role of the slot (`role list`).
    ListRoles,
    /// Create the orange Remote PED vector keyset.
    InitRpv,
    /// Ask how the ceremony started by the last request stands.
    PedPoll,
    /// The host closes its session, as LunaCM does when it starts or quits and a USB link does when it
    /// drops: every role it logged in is logged out and a ceremony it was waiting for is abandoned.
    CloseSession,
    /// Destroy all contents; keep policies, Auditor and RPV.
    Zeroize,
    /// Destroy all contents and return roles and policies to the factory defaults.
    FactoryReset,
    /// Place the HSM in Secure Transport Mode.
    StmTransport,
    /// Compute the verification string for a random user string, without leaving STM.
    StmVerify { random_user_string: String },
    /// Leave Secure Transport Mode.
    StmRecover,
    /// The slot's capabilities and policies: the HSM's on the admin slot, the partition's on its slot.
    GetPolicies,
    /// Change one policy of the slot.
    ChangePolicy { id: u8, value: u32 },
    /// Create the application partition (admin slot, HSM SO).
    CreatePartition { version: u8 },
    /// Delete the application partition (admin slot, HSM SO).
    DeletePartition,
    /// The objects the logged-in role can see in the partition (`partition contents`).
    ListObjects,
    /// Initialize the application partition (its own slot). Hard on a new or zeroized partition: creates the
    /// Partition SO and the partition domain. Soft on an initialized one: `current_password` (or the blue
    /// keyset) proves the current Partition SO, and a new Partition SO is created.
    InitPartition {
        label: String,
        so_password: Option<String>,
        domain: Option<String>,
        current_password: Option<String>,
        policies: Option<Policies>,
    },
    /// Set the Auditor's domain (`role setdomain`, password HSMs).
    SetAuditDomain { domain: String },
    /// Change the audit configuration (`audit config`); with nothing to change, show it.
    AuditConfig(ConfigChange),
    /// How audit logging stands (`audit status`).
    AuditStatus,
    /// Set the HSM's clock to the host's (`audit time sync`).
    AuditTimeSync,
    /// Read the HSM's clock (`audit time get`).
    AuditTimeGet,
    /// Write a message to the log (`audit logmsg`).
    AuditLogMessage { text: String },
    /// The log secret wrapped under the Auditor's domain key (`audit export`).
    AuditExportSecret,
    /// Import a wrapped log secret for verification (`audit import`).
    AuditImportSecret { wrapped: String },
    /// Verify the record lines of host file `file`, from the HSM with `serial`, given the first record of
    /// the host's next file of that HSM, if any (`audit verify`).
    AuditVerify { file: String, serial: String, lines: Vec<String>, following: Option<String> },
    /// The last tamper, and why the HSM is halted if it is (`hsm tampershow`).
    TamperShow,
    /// Restart the HSM (`hsm restart`): what `lunareset` does from the host.
    Restart,
    /// Install the firmware of an update file (`hsm updatefw`): the texts of the `.fuf` file and of its
    /// authentication code file.
    UpdateFirmware { image: String, authcode: String },
    /// Return to the firmware saved by the last update (`hsm rollbackfw`); zeroizes the HSM.
    RollbackFirmware,
    /// Every partition's utilization counters (`hsm showutilization`): the HSM SO, with HSM policy 49 on.
    ShowUtilization,
    /// The counters, then zeroed (`hsm resetutilization`): the HSM SO, with HSM policy 49 on.
    ResetUtilization,
    /// The HSM Information Monitor's up-time and idle time (`hsm monitor`).
    MonitorReading,
    /// Generate, list, use or destroy key objects in the application partition (`cmu`, applications).
    Object(super::partition::ObjectRequest),
}

/// What an `audit` command (or `role setdomain`) asks of the HSM, for [`Action::Audit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    /// Read the status, configuration or time.
    Status,
    /// Change the configuration.
    Configure,
    /// Set the HSM's clock.
    SyncTime,
    /// Write a message to the log.
    LogMessage,
    /// Export the wrapped log secret.
    Export,
    /// Import a wrapped log secret.
    Import,
    /// Verify log records.
    Verify,
    /// Set the Auditor's domain.
    SetDomain,
}

/// An action LunaCM asks about with [`Request::Authorize`] before gathering its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// `hsm init` (hard or soft), with the authentication method asked for, if any.
    InitHsm { auth: Option<AuthMethod> },
    /// `hsm zeroize`.
    Zeroize,
    /// `hsm factoryreset`.
    FactoryReset,
    /// `hsm changehsmpolicy` / `partition changepolicy`.
    ChangePolicy,
    /// `partition init`.
    InitPartition,
    /// `role init -name ROLE`.
    InitRole(Role),
    /// `role changepw -name ROLE`.
    ChangeCredential(Role),
    /// `role resetpw -name ROLE`.
    ResetCredential(Role),
    /// `role createchallenge -name ROLE`.
    CreateChallenge(Role),
    /// `partition delete`.
    DeletePartition,
    /// `stm transport`.
    StmTransport,
    /// `stm recover`.
    StmRecover,
    /// `ped vector init`.
    InitRpv,
    /// An `audit` command or `role setdomain`.
    Audit(AuditAction),
    /// `hsm updatefw`.
    UpdateFirmware,
    /// `hsm rollbackfw`.
    RollbackFirmware,
}

/// The HSM's answer to a [`Request`] that succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The request was carried out; nothing to report.
    Done,
    /// Answer to [`Request::GetInfo`].
    Info(HsmInfo),
    /// Answer to [`Request::StmTransport`]: the two strings to record.
    StmEntered { verification_string: String, random_user_string: String },
    /// A ceremony's state, for requests that start or poll one.
    Ped(PedStatus),
    /// Answer to [`Request::StmVerify`].
    StmVerification { verification_string: String },
    /// A login that needed no iKey: the role is activated.
    Activated,
    /// Answer to [`Request::RoleStatus`].
    Role(RoleInfo),
    /// Answer to [`Request::ListRoles`].
    Roles(Vec<RoleInfo>),
    /// Answer to [`Request::GetPolicies`].
    Policies(PolicyView),
    /// Answer to [`Request::ChangePolicy`]: the value before the change, and whether it destroyed contents.
    PolicyChanged { old: u32, destructive: bool },
    /// Answer to [`Request::CreatePartition`]: the slot it appears in.
    PartitionCreated { slot: SlotId },
    /// Answer to [`Request::ListObjects`]: how many objects the role can see.
    Objects { count: u32 },
    /// Answer to [`Request::AuditConfig`]: the configuration now.
    AuditConfig(AuditConfig),
    /// Answer to [`Request::AuditStatus`].
    AuditStatus(Box<AuditStatus>),
    /// Answer to the `audit time` requests: the HSM's and the host's clocks, ms since the epoch.
    AuditTime { hsm_ms: u64, host_ms: u64 },
    /// Answer to [`Request::AuditExportSecret`]: the text of a `.lws` file.
    WrappedSecret(String),
    /// Answer to [`Request::AuditVerify`].
    Verified(Box<Report>),
    /// Answer to [`Request::TamperShow`].
    Tamper { last: Option<crate::device::tamper::TamperRecord>, halted: Option<crate::device::tamper::Halt> },
    /// Answer to [`Request::FactoryReset`] on a unit halted by a corrupted flash: its recovery process
    /// runs until this time (the host's clock), uninterruptible.
    RecoveryStarted { until_ms: u64 },
    /// Answer to [`Request::UpdateFirmware`] and [`Request::RollbackFirmware`]: the firmware version before
    /// and the one running now.
    Firmware { previous: String, running: String },
    /// Answer to [`Request::ShowUtilization`] and [`Request::ResetUtilization`] (the counters before the reset).
    Utilization(crate::device::utilization::UtilizationReport),
    /// Answer to [`Request::MonitorReading`].
    Monitor(crate::device::utilization::MonitorReading),
    /// Answer to [`Request::Object`].
    Object(super::partition::ObjectAnswer),
}

/// How an iKey ceremony stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PedStatus {
    /// Waiting on the touchscreen: "Please attend to the PED."
    Pending,
    /// Finished, with the error if it failed.
    Done(Option<LunaRet>),
}

/// What happens to the device in the physical world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhysicalEvent {
    /// An iKey is pushed into the iKey port.
    Insert(crate::ikey::IKey),
    /// The iKey is pulled out of the port.
    Remove,
    /// A touchscreen button is tapped, named by its visible text (digits of the keypad included).
    Tap(String),
}

/// What the HSM reports about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsmInfo {
    /// Serial number printed on the unit.
    pub serial: String,
    /// Crypto module model (`Luna G7`).
    pub model: String,
    /// Firmware version, e.g. `7.7.2`.
    pub firmware: String,
    /// The firmware version a rollback would return to, if an update saved one.
    #[serde(default)]
    pub rollback_firmware: Option<String>,
    /// Bootloader version, e.g. `1.6.0`.
    pub bootloader: String,
    /// HSM label; empty while zeroized.
    pub label: String,
    /// Status as chapter 11 names it.
    pub status: HsmStatus,
    /// Authentication method chosen at the last hard init (kept through zeroize, cleared by factory reset).
    pub auth: Option<AuthMethod>,
    /// Role this host session has logged in on the admin slot, if any.
    pub logged_in: Option<Role>,
    /// Consecutive failed HSM SO logins since the last good one.
    pub so_failed_logins: u32,
    /// Whether a Remote PED vector is set.
    pub rpv_initialized: bool,
    /// Whether the Auditor role is initialized.
    pub auditor_initialized: bool,
    /// The application partition, once created.
    pub partition: Option<PartitionInfo>,
    /// The HSM's clock, ms since the epoch, as the firmware last read it.
    #[serde(default)]
    pub hsm_time_ms: u64,
}

/// What the application partition reports about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionInfo {
    /// Its slot.
    pub slot: SlotId,
    /// Its serial number.
    pub serial: String,
    /// Its label; empty until initialized.
    pub label: String,
    /// Whether it is initialized (has a Partition SO).
    pub initialized: bool,
    /// Partition version (V0 or V1).
    pub version: u8,
    /// Role this host session has logged in on the partition's slot, if any.
    pub logged_in: Option<Role>,
    /// Its roles.
    pub roles: Vec<RoleInfo>,
    /// Objects stored.
    pub objects: u32,
    /// Bytes of storage the partition offers for objects.
    #[serde(default)]
    pub storage_total: u32,
    /// Bytes its objects take.
    #[serde(default)]
    pub storage_used: u32,
}

/// A slot's capabilities and policies, by number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    /// Whether these are the partition's (otherwise the HSM's).
    pub partition: bool,
    /// Current policy values.
    pub values: Policies,
    /// Label and serial of the source, for template headers.
    pub label: String,
    /// Serial number of the source.
    pub serial: String,
}

/// What the device is given besides the request: the time and a source of randomness.
pub struct Env<'a> {
    /// Milliseconds since the Unix epoch, from the world's clock.
    pub now_ms: u64,
    /// The world's RNG (seeded in tests, from `getrandom` in use).
    pub rng: &'a mut dyn CryptoRngCore,
}

/// A cryptographically secure RNG usable as a trait object.
pub trait CryptoRngCore: RngCore + CryptoRng {}
impl<T: RngCore + CryptoRng> CryptoRngCore for T {}

/// How LunaCM reaches an HSM: in process today, over USB later.
pub trait Transport {
    /// Sends one request to a slot and waits for its answer.
    fn transact(&mut self, frame: Frame) -> Result<Response, LunaRet>;
}
