//! Roles (chapter 7 and the partition roles of chapter 9) as data: each slot keeps a [`RoleTable`] of
//! [`RoleRecord`]s, one per initialized role, with its credential, failure counter, lockout, forced change
//! and activation. Every role, HSM SO to Crypto User, goes through the same records and the same rules.

mod requests;
mod verifier;

pub use verifier::Verifier;

use super::ped::KeysetRecord;
use crate::ikey::SecretKind;
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Consecutive bad HSM SO logins that zeroize the HSM (not adjustable).
pub const SO_LOGIN_ATTEMPTS: u32 = 3;
/// Consecutive bad Auditor logins that lock the Auditor out.
pub const AUDITOR_LOGIN_ATTEMPTS: u32 = 3;
/// How long the Auditor stays locked out.
pub const AUDITOR_LOCKOUT_MS: u64 = 10 * 60 * 1000;
/// Consecutive bad Partition SO logins that zeroize the partition.
pub const PO_LOGIN_ATTEMPTS: u32 = 10;

/// The roles of the administrative partition and of the application partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// HSM Security Officer (`so`), on the admin slot.
    So,
    /// Auditor (`au`), on the admin slot.
    Auditor,
    /// Partition Security Officer (`po`), owner of the application partition.
    PartitionSo,
    /// Crypto Officer (`co`): creates, uses and deletes objects.
    CryptoOfficer,
    /// Crypto User (`cu`): uses objects.
    CryptoUser,
    /// Limited Crypto Officer (`lco`), created by the Crypto Officer.
    LimitedCryptoOfficer,
}

impl Role {
    /// Every role, in the order `role list` shows them.
    pub const ALL: [Role; 6] =
        [Role::So, Role::Auditor, Role::PartitionSo, Role::CryptoOfficer, Role::LimitedCryptoOfficer, Role::CryptoUser];

    /// Parses a LunaCM role name: the short name or the full name, any case.
    pub fn parse(name: &str) -> Option<Role> {
        let lower = name.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        match words.join(" ").as_str() {
            "so" | "security officer" | "hsm so" | "hsm security officer" => Some(Role::So),
            "au" | "auditor" | "audit" => Some(Role::Auditor),
            "po" | "pso" | "partition so" | "partition security officer" => Some(Role::PartitionSo),
            "co" | "crypto officer" => Some(Role::CryptoOfficer),
            "cu" | "crypto user" => Some(Role::CryptoUser),
            "lco" | "limited crypto officer" => Some(Role::LimitedCryptoOfficer),
            _ => None,
        }
    }

    /// The short name LunaCM accepts (`so`, `co`...).
    pub fn short_name(&self) -> &'static str {
        match self {
            Role::So => "so",
            Role::Auditor => "au",
            Role::PartitionSo => "po",
            Role::CryptoOfficer => "co",
            Role::CryptoUser => "cu",
            Role::LimitedCryptoOfficer => "lco",
        }
    }

    /// The name LunaCM and the touchscreen use.
    pub fn display_name(&self) -> &'static str {
        match self {
            Role::So => "HSM SO",
            Role::Auditor => "Auditor",
            Role::PartitionSo => "Partition SO",
            Role::CryptoOfficer => "Crypto Officer",
            Role::CryptoUser => "Crypto User",
            Role::LimitedCryptoOfficer => "Limited Crypto Officer",
        }
    }

    /// Whether the role lives on the administrative partition (otherwise on the application partition).
    pub fn on_admin_slot(&self) -> bool {
        matches!(self, Role::So | Role::Auditor)
    }

    /// The kind of iKey secret that authenticates the role on a multifactor HSM.
    pub fn secret_kind(&self) -> SecretKind {
        match self {
            Role::So => SecretKind::HsmSo,
            Role::Auditor => SecretKind::Auditor,
            Role::PartitionSo => SecretKind::PartitionSo,
            Role::CryptoOfficer => SecretKind::CryptoOfficer,
            Role::CryptoUser => SecretKind::CryptoUser,
            Role::LimitedCryptoOfficer => SecretKind::LimitedCryptoOfficer,
        }
    }

    /// The role that initializes this one with `role init`, if any does (the HSM SO and Partition SO are
    /// created by HSM and partition initialization; the Auditor initializes itself).
    pub fn initialized_by(&self) -> Option<Role> {
        match self {
            Role::So | Role::PartitionSo => None,
            Role::Auditor => None,
            Role::CryptoOfficer => Some(Role::PartitionSo),
            Role::CryptoUser | Role::LimitedCryptoOfficer => Some(Role::CryptoOfficer),
        }
    }

    /// Whether the role is one the Partition SO or Crypto Officer assigns a credential to, so that partition
    /// policy 21 can force it to change that credential.
    pub fn assigned_credential(&self) -> bool {
        matches!(self, Role::CryptoOfficer | Role::CryptoUser | Role::LimitedCryptoOfficer)
    }

    /// Whether the role may hold a challenge secret (activation on multifactor partitions).
    pub fn has_challenge(&self) -> bool {
        matches!(self, Role::CryptoOfficer | Role::CryptoUser | Role::LimitedCryptoOfficer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What the HSM keeps to verify a role or domain secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credential {
    /// A password (password-authenticated HSM).
    Password(Verifier),
    /// A keyset of iKeys (multifactor quorum-authenticated HSM).
    Keyset(KeysetRecord),
}

impl Credential {
    /// Bytes that identify the credential, for state digests.
    pub fn fingerprint(&self) -> &[u8] {
        match self {
            Credential::Password(v) => v.fingerprint(),
            Credential::Keyset(k) => k.fingerprint(),
        }
    }

    /// The keyset, on a multifactor HSM.
    pub fn keyset(&self) -> Option<&KeysetRecord> {
        match self {
            Credential::Keyset(k) => Some(k),
            Credential::Password(_) => None,
        }
    }
}

/// Why a role cannot log in now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lockout {
    /// Until this time (the Auditor's ten minutes).
    Until(u64),
    /// Until the role's credential is reset (Crypto Officer, Crypto User, Limited Crypto Officer).
    UntilReset,
}

/// What a slot keeps about one initialized role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// The primary credential: password or iKey keyset.
    pub credential: Credential,
    /// The secondary credential of an iKey-authenticated role: its challenge secret.
    pub challenge: Option<Verifier>,
    /// Consecutive failed logins since the last good one.
    pub failures: u32,
    /// Set when too many logins failed.
    pub lockout: Option<Lockout>,
    /// The credential was set or reset by another role and must be changed before anything else
    /// (policy 21).
    pub must_change: bool,
    /// The iKey secret is cached in the HSM (activation): the challenge secret alone logs in.
    pub activated: bool,
}

impl RoleRecord {
    /// A new record for `credential`.
    pub fn new(credential: Credential, must_change: bool) -> RoleRecord {
        RoleRecord { credential, challenge: None, failures: 0, lockout: None, must_change, activated: false }
    }

    /// The lockout still in force at `now_ms`, if any.
    pub fn locked(&self, now_ms: u64) -> Option<Lockout> {
        match self.lockout {
            Some(Lockout::Until(t)) if now_ms >= t => None,
            other => other,
        }
    }
}

/// The roles of one slot, by role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTable(BTreeMap<Role, RoleRecord>);

impl RoleTable {
    /// The record of `role`, if it is initialized.
    pub fn get(&self, role: Role) -> Option<&RoleRecord> {
        self.0.get(&role)
    }

    /// The record of `role`, for changes.
    pub fn get_mut(&mut self, role: Role) -> Option<&mut RoleRecord> {
        self.0.get_mut(&role)
    }

    /// The record of `role`, or the code the HSM gives for a role that is not initialized.
    pub fn require(&self, role: Role) -> Result<&RoleRecord, LunaRet> {
        self.get(role).ok_or(retcode::USER_PIN_NOT_INITIALIZED)
    }

    /// Creates or replaces the record of `role`.
    pub fn set(&mut self, role: Role, record: RoleRecord) {
        self.0.insert(role, record);
    }

    /// Destroys the record of `role`.
    pub fn remove(&mut self, role: Role) -> Option<RoleRecord> {
        self.0.remove(&role)
    }

    /// Every initialized role and its record.
    pub fn iter(&self) -> impl Iterator<Item = (Role, &RoleRecord)> {
        self.0.iter().map(|(r, rec)| (*r, rec))
    }

    /// Forgets every cached iKey secret: what deactivation of the whole slot, a restart or power loss does.
    pub fn deactivate_all(&mut self) {
        for rec in self.0.values_mut() {
            rec.activated = false;
        }
    }

    /// Bytes that identify every record, for state digests.
    pub fn digest_into(&self, h: &mut impl sha2::Digest) {
        for (role, rec) in &self.0 {
            h.update([*role as u8]);
            h.update(rec.credential.fingerprint());
            h.update(rec.failures.to_be_bytes());
            h.update([u8::from(rec.must_change), u8::from(rec.lockout.is_some())]);
        }
    }
}

/// How a role stands, as `role show` and `role list` print it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    /// The role.
    pub role: Role,
    /// Whether it is initialized on the slot.
    pub initialized: bool,
    /// Primary authentication: `Password` or iKeys (`PED`).
    pub primary_ped: bool,
    /// Whether a challenge secret (secondary credential) is set.
    pub challenge: bool,
    /// Whether the role is locked out (as `role show` reports it, until the next good login).
    pub locked_out: bool,
    /// Consecutive failed logins.
    pub failures: u32,
    /// Failed logins that lock the role out (or zeroize, for the HSM SO), if a limit applies.
    pub limit: Option<u32>,
    /// Whether the credential must be changed before anything else.
    pub must_change: bool,
    /// Whether the iKey secret is cached (activation).
    pub activated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn role_names_parse_in_any_case_and_spacing() {
        assert_eq!(Role::parse("SO"), Some(Role::So));
        assert_eq!(Role::parse("Auditor"), Some(Role::Auditor));
        assert_eq!(Role::parse("co"), Some(Role::CryptoOfficer));
        assert_eq!(Role::parse("Crypto  User"), Some(Role::CryptoUser));
        assert_eq!(Role::parse("LCO"), Some(Role::LimitedCryptoOfficer));
        assert_eq!(Role::parse("po"), Some(Role::PartitionSo));
        assert_eq!(Role::parse("admin"), None);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.short_name()), Some(r));
            assert_eq!(Role::parse(r.display_name()), Some(r));
        }
    }

    #[test]
    fn an_expired_lockout_no_longer_holds() {
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        let mut rec = RoleRecord::new(Credential::Password(Verifier::new(b"password1", &mut rng)), false);
        rec.lockout = Some(Lockout::Until(1000));
        assert_eq!(rec.locked(999), Some(Lockout::Until(1000)));
        assert_eq!(rec.locked(1000), None);
        rec.lockout = Some(Lockout::UntilReset);
        assert_eq!(rec.locked(u64::MAX), Some(Lockout::UntilReset));
    }
}
