//! The role requests: login and logout, role init, changepw, resetpw, createchallenge, deactivate, show
//! and list, with the failure counting and lockouts of chapters 5, 7 and 9.

use super::{
    Credential, Lockout, Role, RoleInfo, RoleRecord, Verifier, AUDITOR_LOCKOUT_MS, AUDITOR_LOGIN_ATTEMPTS,
    PO_LOGIN_ATTEMPTS, SO_LOGIN_ATTEMPTS,
};
use crate::device::lifecycle::{check_password, AuthMethod};
use crate::device::ped::{KeysetRecord, Step};
use crate::device::{Action, Env, Event, Hsm, Purpose, Response, SlotId, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};

/// Partition policy 20: consecutive failed Crypto Officer (and Crypto User) logins before lockout.
const POLICY_MAX_FAILED_LOGINS: u8 = 20;
/// Partition policy 22: activation (the iKey secret is cached after the first login).
const POLICY_ACTIVATION: u8 = 22;
/// HSM policy 21: force a credential change after it is set or reset by another role.
const POLICY_FORCE_CHANGE: u8 = 21;

impl Hsm {
    pub(in crate::device) fn login(
        &mut self,
        slot: SlotId,
        role: Role,
        password: Option<String>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.require_slot_of(slot, role)?;
        if self.session.role(slot).is_some() {
            return Err(retcode::USER_ALREADY_LOGGED_IN);
        }
        if !role.on_admin_slot() {
            self.refuse_in_stm()?;
        }
        let record = self.roles(slot)?.require(role)?.clone();
        self.lockout_code(slot, role, env.now_ms)?;
        if password.as_deref() == Some("") {
            // Nothing was presented: a syntax error, not a failed attempt.
            return Err(retcode::ARGUMENTS_BAD);
        }
        match (&record.credential, password) {
            (Credential::Password(_), None) => Err(retcode::ARGUMENTS_BAD),
            (Credential::Password(v), Some(pw)) => {
                if !v.verify(pw.as_bytes()) {
                    return Err(self.count_failure(slot, role, env.now_ms));
                }
                self.logged_in_as(slot, role, env.now_ms);
                Ok(Response::Done)
            }
            (Credential::Keyset(k), challenge) => {
                // The challenge secret, when the role has one, is checked before the iKey is asked for.
                match (&record.challenge, &challenge) {
                    (Some(_), None) => return Err(retcode::ARGUMENTS_BAD),
                    (Some(c), Some(given)) if !c.verify(given.as_bytes()) => {
                        return Err(self.count_failure(slot, role, env.now_ms));
                    }
                    _ => {}
                }
                if record.activated && record.challenge.is_some() && self.activation_allowed(slot) {
                    self.logged_in_as(slot, role, env.now_ms);
                    return Ok(Response::Activated);
                }
                let title = format!("Log in as {role}");
                self.start_ceremony(
                    Purpose::Login { slot, role },
                    vec![Step::Authenticate(k.clone())],
                    &title,
                    env.now_ms,
                )
            }
        }
    }

    /// Whether partition policy 22 lets the partition on `slot` cache iKey secrets.
    fn activation_allowed(&self, slot: SlotId) -> bool {
        self.partition().is_some_and(|p| p.slot() == slot && p.policies().get(POLICY_ACTIVATION) == Some(1))
    }

    /// A login succeeded (by password, challenge or iKeys).
    pub(in crate::device) fn logged_in_as(&mut self, slot: SlotId, role: Role, now_ms: u64) {
        let activate = self.activation_allowed(slot) && role.has_challenge();
        if let Some(rec) = self.roles_mut(slot).ok().and_then(|t| t.get_mut(role)) {
            rec.failures = 0;
            rec.lockout = None;
            if activate && rec.challenge.is_some() {
                rec.activated = true;
            }
        }
        self.session.logins.insert(slot, role);
        self.emit(now_ms, Event::LoginSucceeded { slot, role });
    }

    /// Counts a failed authentication of `role` and applies its lockout rule. Returns the code to report.
    pub(in crate::device) fn count_failure(&mut self, slot: SlotId, role: Role, now_ms: u64) -> LunaRet {
        let limit = self.failure_limit(role);
        let failures = match self.roles_mut(slot).ok().and_then(|t| t.get_mut(role)) {
            Some(rec) => {
                rec.failures += 1;
                rec.failures
            }
            None => return retcode::UM_PIN_INCORRECT,
        };
        self.emit(now_ms, Event::LoginFailed { slot, role });
        if role == Role::So {
            self.so_failed_total += 1;
        }
        if failures < limit {
            return retcode::UM_PIN_INCORRECT;
        }
        self.emit(now_ms, Event::RoleLockedOut { slot, role });
        match role {
            Role::So => {
                self.zeroize(now_ms, true);
                retcode::SO_LOGIN_FAILURE_THRESHOLD
            }
            Role::Auditor => {
                if let Some(rec) = self.admin_roles.get_mut(Role::Auditor) {
                    rec.failures = 0;
                    rec.lockout = Some(Lockout::Until(now_ms + AUDITOR_LOCKOUT_MS));
                }
                retcode::AUDIT_LOGIN_FAILURE_THRESHOLD
            }
            Role::PartitionSo => {
                if let Some(p) = self.partition_mut() {
                    p.zeroize();
                }
                self.session.logins.remove(&slot);
                self.emit(now_ms, Event::PartitionZeroized { slot });
                retcode::UM_PIN_INCORRECT_CONTAINER_ZEROIZED
            }
            Role::CryptoOfficer | Role::CryptoUser | Role::LimitedCryptoOfficer => {
                // Too many bad Crypto Officer logins lock the Crypto User out with it.
                let locked: &[Role] =
                    if role == Role::CryptoOfficer { &[Role::CryptoOfficer, Role::CryptoUser] } else { &[role] };
                if let Ok(table) = self.roles_mut(slot) {
                    for r in locked {
                        if let Some(rec) = table.get_mut(*r) {
                            rec.lockout = Some(Lockout::UntilReset);
                        }
                    }
                }
                retcode::UM_PIN_INCORRECT_CONTAINER_LOCKED
            }
        }
    }

    /// Failed logins after which `role` is locked out (or the HSM or partition zeroized).
    fn failure_limit(&self, role: Role) -> u32 {
        match role {
            Role::So => SO_LOGIN_ATTEMPTS,
            Role::Auditor => AUDITOR_LOGIN_ATTEMPTS,
            Role::PartitionSo => PO_LOGIN_ATTEMPTS,
            _ => self.partition().and_then(|p| p.policies().get(POLICY_MAX_FAILED_LOGINS)).unwrap_or(10).max(1),
        }
    }

    pub(in crate::device) fn logout(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        match self.session.logins.remove(&slot) {
            Some(role) => {
                self.emit(now_ms, Event::LoggedOut { slot, role });
                // The application's session shares this login: its session objects end with it.
                self.close_app_session(slot, now_ms);
                Ok(Response::Done)
            }
            None => Err(retcode::USER_NOT_LOGGED_IN),
        }
    }

    /// Whether a credential set by another role must be changed by its holder first.
    fn must_change(&self, role: Role) -> bool {
        role.assigned_credential() && self.policies.get(POLICY_FORCE_CHANGE) == Some(1)
    }

    pub(in crate::device) fn init_role(
        &mut self,
        slot: SlotId,
        role: Role,
        password: Option<String>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::InitRole(role))?;
        self.set_credential(slot, role, password, false, env)
    }

    pub(in crate::device) fn reset_credential(
        &mut self,
        slot: SlotId,
        role: Role,
        password: Option<String>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::ResetCredential(role))?;
        self.set_credential(slot, role, password, true, env)
    }

    /// `role init` and `role resetpw`: a password, or a keyset ceremony on a multifactor HSM.
    fn set_credential(
        &mut self,
        slot: SlotId,
        role: Role,
        password: Option<String>,
        reset: bool,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        // Only the Auditor can be initialized before the HSM: a password then makes it a password HSM.
        let method =
            self.auth.unwrap_or(if password.is_some() { AuthMethod::Password } else { AuthMethod::Multifactor });
        match method {
            AuthMethod::Multifactor => {
                if password.is_some() {
                    // Multifactor HSMs take the credential from iKeys: a password is an error.
                    return Err(retcode::ARGUMENTS_BAD);
                }
                let verb = if reset { "Reset" } else { "Initialize" };
                let title = format!("{verb} the {role}");
                let steps = vec![Step::Create(role.secret_kind())];
                self.start_ceremony(Purpose::SetCredential { slot, role, reset }, steps, &title, env.now_ms)
            }
            AuthMethod::Password => {
                let pw = password.ok_or(retcode::ARGUMENTS_BAD)?;
                check_password(&pw).map_err(|e| e.code)?;
                let credential = Credential::Password(Verifier::new(pw.as_bytes(), env.rng));
                self.credential_set(slot, role, credential, reset, env.now_ms)?;
                Ok(Response::Done)
            }
        }
    }

    /// A role's credential was created or reset.
    pub(in crate::device) fn credential_set(
        &mut self,
        slot: SlotId,
        role: Role,
        credential: Credential,
        reset: bool,
        now_ms: u64,
    ) -> Result<(), LunaRet> {
        let must_change = self.must_change(role);
        if role == Role::Auditor {
            // A new Auditor has no domain on a password HSM until `role setdomain`; on a multifactor HSM
            // its domain is the white iKey's.
            let kcv = credential.keyset().and_then(|k| k.audit_kcv);
            self.audit.auditor_initialized(kcv.map(|k| k.0));
            let method = if credential.keyset().is_some() { AuthMethod::Multifactor } else { AuthMethod::Password };
            self.auth.get_or_insert(method);
        }
        let table = self.roles_mut(slot)?;
        let challenge = table.get(role).and_then(|r| r.challenge.clone()).filter(|_| reset);
        let mut record = RoleRecord::new(credential, must_change);
        record.challenge = challenge;
        table.set(role, record);
        let event = if reset { Event::CredentialReset { slot, role } } else { Event::RoleInitialized { slot, role } };
        self.emit(now_ms, event);
        Ok(())
    }

    pub(in crate::device) fn change_credential(
        &mut self,
        slot: SlotId,
        role: Role,
        old_password: Option<String>,
        new_password: Option<String>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::ChangeCredential(role))?;
        if old_password.as_deref() == Some("") || new_password.as_deref() == Some("") {
            return Err(retcode::ARGUMENTS_BAD);
        }
        let record = self.roles(slot)?.require(role)?.clone();
        match (&record.credential, old_password, new_password) {
            (Credential::Keyset(k), None, None) => {
                let title = format!("Change the {role} credential");
                let steps = vec![Step::Authenticate(k.clone()), Step::Create(role.secret_kind())];
                self.start_ceremony(Purpose::ChangeCredential { slot, role }, steps, &title, env.now_ms)
            }
            // On a multifactor HSM the passwords are the challenge secret: the secondary credential.
            (Credential::Keyset(_), Some(old), Some(new)) => {
                let Some(current) = &record.challenge else { return Err(retcode::CHALLENGE_NOT_REQUIRED) };
                if !current.verify(old.as_bytes()) {
                    return Err(self.count_failure(slot, role, env.now_ms));
                }
                check_password(&new).map_err(|e| e.code)?;
                let v = Verifier::new(new.as_bytes(), env.rng);
                if let Some(rec) = self.roles_mut(slot)?.get_mut(role) {
                    rec.challenge = Some(v);
                    rec.must_change = false;
                    rec.failures = 0;
                }
                self.emit(env.now_ms, Event::CredentialChanged { slot, role });
                Ok(Response::Done)
            }
            (Credential::Password(current), Some(old), Some(new)) => {
                if !current.verify(old.as_bytes()) {
                    return Err(self.count_failure(slot, role, env.now_ms));
                }
                check_password(&new).map_err(|e| e.code)?;
                if current.verify(new.as_bytes()) && record.must_change {
                    // A forced change must set a new credential.
                    return Err(retcode::ARGUMENTS_BAD);
                }
                let credential = Credential::Password(Verifier::new(new.as_bytes(), env.rng));
                self.credential_changed(slot, role, credential, env.now_ms)?;
                Ok(Response::Done)
            }
            _ => Err(retcode::ARGUMENTS_BAD),
        }
    }

    /// A role replaced its own primary credential.
    pub(in crate::device) fn credential_changed(
        &mut self,
        slot: SlotId,
        role: Role,
        credential: Credential,
        now_ms: u64,
    ) -> Result<(), LunaRet> {
        if let Some(rec) = self.roles_mut(slot)?.get_mut(role) {
            rec.credential = credential;
            rec.failures = 0;
            rec.must_change = false;
        }
        self.emit(now_ms, Event::CredentialChanged { slot, role });
        Ok(())
    }

    pub(in crate::device) fn create_challenge(
        &mut self,
        slot: SlotId,
        role: Role,
        challenge: &str,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::CreateChallenge(role))?;
        check_password(challenge).map_err(|e| e.code)?;
        let must_change = self.must_change(role);
        let v = Verifier::new(challenge.as_bytes(), env.rng);
        if let Some(rec) = self.roles_mut(slot)?.get_mut(role) {
            rec.challenge = Some(v);
            rec.must_change = rec.must_change || must_change;
        }
        self.emit(env.now_ms, Event::ChallengeCreated { slot, role });
        Ok(Response::Done)
    }

    pub(in crate::device) fn deactivate(&mut self, slot: SlotId, role: Role, now_ms: u64) -> Result<Response, LunaRet> {
        self.require_slot_of(slot, role)?;
        // The role itself or the Partition SO may drop its cached secret.
        match self.session.role(slot) {
            Some(r) if r == role || r == Role::PartitionSo => {}
            _ => return Err(retcode::USER_NOT_LOGGED_IN),
        }
        let rec = self.roles_mut(slot)?.get_mut(role).ok_or(retcode::USER_PIN_NOT_INITIALIZED)?;
        if !role.has_challenge() {
            return Err(retcode::USER_TYPE_INVALID);
        }
        let was = std::mem::replace(&mut rec.activated, false);
        if was {
            self.emit(now_ms, Event::Deactivated { slot, role });
        }
        Ok(Response::Done)
    }

    pub(in crate::device) fn role_status(&self, slot: SlotId, role: Role) -> Result<RoleInfo, LunaRet> {
        self.require_slot_of(slot, role)?;
        Ok(self.role_info(slot, role))
    }

    /// Every role the slot can have, initialized or not.
    pub(in crate::device) fn role_list(&self, slot: SlotId) -> Vec<RoleInfo> {
        Role::ALL
            .into_iter()
            .filter(|r| r.on_admin_slot() == (slot == ADMIN_SLOT))
            .map(|r| self.role_info(slot, r))
            .collect()
    }

    /// How `role` stands on `slot`.
    pub(in crate::device) fn role_info(&self, slot: SlotId, role: Role) -> RoleInfo {
        let rec = self.roles(slot).ok().and_then(|t| t.get(role));
        RoleInfo {
            role,
            initialized: rec.is_some(),
            primary_ped: rec.is_some_and(|r| matches!(r.credential, Credential::Keyset(_))),
            challenge: rec.is_some_and(|r| r.challenge.is_some()),
            // `role show` keeps saying "Locked out" after the Auditor's ten minutes, until a good login.
            locked_out: rec.is_some_and(|r| r.lockout.is_some()),
            failures: rec.map_or(0, |r| r.failures),
            limit: Some(self.failure_limit(role)),
            must_change: rec.is_some_and(|r| r.must_change),
            activated: rec.is_some_and(|r| r.activated),
        }
    }

    /// A login ceremony presented the right keyset.
    pub(in crate::device) fn ped_login_done(&mut self, slot: SlotId, role: Role, now_ms: u64) -> Result<(), LunaRet> {
        self.logged_in_as(slot, role, now_ms);
        Ok(())
    }

    /// A keyset ceremony for `role init`/`role resetpw` created the keyset.
    pub(in crate::device) fn ped_credential_done(
        &mut self,
        slot: SlotId,
        role: Role,
        reset: bool,
        keyset: Option<KeysetRecord>,
        now_ms: u64,
    ) -> Result<(), LunaRet> {
        let keyset = keyset.ok_or(retcode::GENERAL_ERROR)?;
        self.credential_set(slot, role, Credential::Keyset(keyset), reset, now_ms)
    }
}
