//! Security-relevant events: what the device emits at its one `emit` point. The audit log chains them;
//! the trainer's lab checks read them.

use super::request::SlotId;
use super::roles::Role;
use super::AuthMethod;
use serde::{Deserialize, Serialize};

/// Something that changed the HSM's security state, or an attempt to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A role logged in.
    LoginSucceeded { slot: SlotId, role: Role },
    /// A login presented a wrong credential.
    LoginFailed { slot: SlotId, role: Role },
    /// Too many failed logins locked a role out.
    RoleLockedOut { slot: SlotId, role: Role },
    /// A role logged out.
    LoggedOut { slot: SlotId, role: Role },
    /// A role was initialized (`role init`, or the SO/Partition SO by initialization).
    RoleInitialized { slot: SlotId, role: Role },
    /// A role changed its own credential.
    CredentialChanged { slot: SlotId, role: Role },
    /// Another role reset a role's credential.
    CredentialReset { slot: SlotId, role: Role },
    /// A challenge secret was set.
    ChallengeCreated { slot: SlotId, role: Role },
    /// A role's iKey secret was cached (activation).
    Activated { slot: SlotId, role: Role },
    /// A role's cached iKey secret was dropped.
    Deactivated { slot: SlotId, role: Role },
    /// The HSM was initialized.
    HsmInitialized { auth: AuthMethod, hard: bool, label: String },
    /// The HSM was zeroized (by command or by too many failed SO logins).
    Zeroized { by_failed_logins: bool },
    /// The HSM was reset to factory conditions.
    FactoryReset,
    /// The HSM entered Secure Transport Mode.
    StmEntered,
    /// The HSM left Secure Transport Mode; `matching` when the check before it reproduced the verification
    /// string issued on entry (the right random user string, nothing changed in transit).
    StmRecovered { matching: bool },
    /// An HSM or partition policy changed.
    PolicyChanged { partition: bool, id: u8, old: u32, new: u32, destructive: bool },
    /// The application partition was created.
    PartitionCreated { slot: SlotId },
    /// The application partition was deleted (by command or as an effect of another action).
    PartitionDeleted { slot: SlotId },
    /// The application partition was initialized.
    PartitionInitialized { slot: SlotId, hard: bool, label: String },
    /// Too many failed Partition SO logins zeroized the partition.
    PartitionZeroized { slot: SlotId },
    /// The Remote PED vector was created.
    RpvInitialized,
    /// The unit lost power for `off_ms` and came back.
    PowerCycled { off_ms: u64 },
    /// New firmware was installed (`hsm updatefw`); `from` is kept for rollback.
    FirmwareUpdated { from: String, to: String },
    /// The firmware was rolled back to `to` (`hsm rollbackfw`), zeroizing the HSM.
    FirmwareRolledBack { from: String, to: String },
    /// A key object was created in the partition (generated).
    ObjectCreated { slot: SlotId, handle: u32, class: super::partition::Class },
    /// A key object was destroyed (`cmu delete`).
    ObjectDestroyed { slot: SlotId, handle: u32 },
}

/// An event and when it happened, on the HSM's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What happened.
    pub event: Event,
}
