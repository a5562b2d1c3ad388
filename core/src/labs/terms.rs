//! The words a lab file uses in its checks: roles as LunaCM names them, authentication methods, firmware
//! rollback targets, and the names of the device's events.

use crate::device::firmware::Version;
use crate::device::{AuthMethod, Event, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A role named as LunaCM names it (`so`, `au`, `po`, `co`, `cu`, `lco`, or a full name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleName(pub Role);

impl TryFrom<String> for RoleName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Role::parse(&s)
            .map(RoleName)
            .ok_or_else(|| format!("unknown role `{s}`, expected one of so, au, po, co, cu, lco"))
    }
}

impl From<RoleName> for String {
    fn from(r: RoleName) -> String {
        r.0.short_name().to_string()
    }
}

/// A firmware rollback target as a lab names it: a version (`7.7.2`), or `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rollback(pub Option<Version>);

impl TryFrom<String> for Rollback {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == "none" {
            return Ok(Rollback(None));
        }
        Version::parse(&s)
            .map(|v| Rollback(Some(v)))
            .ok_or_else(|| format!("`{s}` is neither a firmware version (7.7.2) nor `none`"))
    }
}

impl From<Rollback> for String {
    fn from(r: Rollback) -> String {
        r.0.map_or("none".to_string(), |v| v.to_string())
    }
}

/// How the HSM authenticates its roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    Password,
    Multifactor,
}

impl Auth {
    pub(super) fn method(self) -> AuthMethod {
        match self {
            Auth::Password => AuthMethod::Password,
            Auth::Multifactor => AuthMethod::Multifactor,
        }
    }
}

/// How lab messages name an authentication method.
pub(super) fn auth_name(a: Option<AuthMethod>) -> &'static str {
    match a {
        Some(AuthMethod::Password) => "password",
        Some(AuthMethod::Multifactor) => "multifactor",
        None => "none",
    }
}

/// The authentication method the HSM keeps, or none (new or factory reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthSetting {
    Password,
    Multifactor,
    None,
}

/// The names of the device's events, as `event` checks name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventName {
    LoginSucceeded,
    LoginFailed,
    RoleLockedOut,
    LoggedOut,
    RoleInitialized,
    CredentialChanged,
    CredentialReset,
    ChallengeCreated,
    Activated,
    Deactivated,
    HsmInitialized,
    Zeroized,
    FactoryReset,
    StmEntered,
    StmRecovered,
    PolicyChanged,
    PartitionCreated,
    PartitionDeleted,
    PartitionInitialized,
    PartitionZeroized,
    RpvInitialized,
    PowerCycled,
    FirmwareUpdated,
    FirmwareRolledBack,
    ObjectCreated,
    ObjectDestroyed,
}

impl EventName {
    /// The name of `event`, and the role it concerns if any.
    pub(super) fn of(event: &Event) -> (EventName, Option<Role>) {
        use EventName as N;
        match event {
            Event::LoginSucceeded { role, .. } => (N::LoginSucceeded, Some(*role)),
            Event::LoginFailed { role, .. } => (N::LoginFailed, Some(*role)),
            Event::RoleLockedOut { role, .. } => (N::RoleLockedOut, Some(*role)),
            Event::LoggedOut { role, .. } => (N::LoggedOut, Some(*role)),
            Event::RoleInitialized { role, .. } => (N::RoleInitialized, Some(*role)),
            Event::CredentialChanged { role, .. } => (N::CredentialChanged, Some(*role)),
            Event::CredentialReset { role, .. } => (N::CredentialReset, Some(*role)),
            Event::ChallengeCreated { role, .. } => (N::ChallengeCreated, Some(*role)),
            Event::Activated { role, .. } => (N::Activated, Some(*role)),
            Event::Deactivated { role, .. } => (N::Deactivated, Some(*role)),
            Event::HsmInitialized { .. } => (N::HsmInitialized, None),
            Event::Zeroized { .. } => (N::Zeroized, None),
            Event::FactoryReset => (N::FactoryReset, None),
            Event::StmEntered => (N::StmEntered, None),
            Event::StmRecovered { .. } => (N::StmRecovered, None),
            Event::PolicyChanged { .. } => (N::PolicyChanged, None),
            Event::PartitionCreated { .. } => (N::PartitionCreated, None),
            Event::PartitionDeleted { .. } => (N::PartitionDeleted, None),
            Event::PartitionInitialized { .. } => (N::PartitionInitialized, None),
            Event::PartitionZeroized { .. } => (N::PartitionZeroized, None),
            Event::RpvInitialized => (N::RpvInitialized, None),
            Event::PowerCycled { .. } => (N::PowerCycled, None),
            Event::FirmwareUpdated { .. } => (N::FirmwareUpdated, None),
            Event::FirmwareRolledBack { .. } => (N::FirmwareRolledBack, None),
            Event::ObjectCreated { .. } => (N::ObjectCreated, None),
            Event::ObjectDestroyed { .. } => (N::ObjectDestroyed, None),
        }
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
