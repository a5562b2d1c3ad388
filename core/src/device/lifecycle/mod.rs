//! The HSM's life (chapters 3, 6 and 13): Secure Transport Mode, hard and soft initialization, zeroize and
//! factory reset, and what each destroys (chapter 10, "Security Effects of Administrative Actions").

mod names;
mod status;
mod stm;

pub use names::{
    domain as check_domain, hsm_label as check_hsm_label, partition_label as check_partition_label,
    password as check_password, NameError, LABEL_MAX,
};
pub use status::HsmStatus;
pub use stm::{well_formed as stm_string_well_formed, Stm};

use super::ped::Step;
use super::policy::Policies;
use super::roles::{Credential, Role, RoleRecord, Verifier};
use super::{Env, Event, Hsm, Partition, Purpose, Response, SlotId, ADMIN_SLOT};
use crate::ikey::SecretKind;
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How roles authenticate, chosen at hard initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMethod {
    /// Password authentication (`hsm init -ipwd`).
    Password,
    /// Multifactor quorum authentication with iKeys (`hsm init -iped`).
    Multifactor,
}

/// Whether the HSM has an HSM SO, and what exists only then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lifecycle {
    /// New, zeroized or factory reset: no HSM SO, no domain, no partition.
    Zeroized,
    /// Initialized: the HSM SO's record is in the admin role table.
    Initialized {
        /// The HSM label.
        label: String,
        /// The admin partition's cloning domain.
        domain: Credential,
        /// The application partition, once the HSM SO creates it (boxed: it is large and often absent).
        partition: Option<Box<Partition>>,
    },
}

impl Hsm {
    /// `hsm init` on a zeroized HSM.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn init_hsm(
        &mut self,
        slot: SlotId,
        label: String,
        auth: AuthMethod,
        so_password: Option<String>,
        domain: Option<String>,
        policies: Option<Policies>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::InitHsm { auth: Some(auth) })?;
        if !self.zeroized() {
            return Err(retcode::OPERATION_RESTRICTED);
        }
        let label = check_hsm_label(&label).map_err(|e| e.code)?;
        if let Some(template) = &policies {
            self.require_template_in_firmware(template)?;
        }
        match auth {
            AuthMethod::Multifactor => {
                let steps = vec![Step::Create(SecretKind::HsmSo), Step::Create(SecretKind::HsmDomain)];
                self.start_ceremony(Purpose::InitHsm { label, policies }, steps, "Initialize the HSM", env.now_ms)
            }
            AuthMethod::Password => {
                let (Some(so_password), Some(domain)) = (so_password, domain) else {
                    return Err(retcode::ARGUMENTS_BAD);
                };
                check_password(&so_password).map_err(|e| e.code)?;
                check_domain(&domain).map_err(|e| e.code)?;
                let so = Credential::Password(Verifier::new(so_password.as_bytes(), env.rng));
                let domain = Credential::Password(Verifier::new(domain.as_bytes(), env.rng));
                self.initialized(label, AuthMethod::Password, so, domain, policies, env.now_ms);
                Ok(Response::Done)
            }
        }
    }

    /// A hard initialization completed: the effects of "HSM Initialize When Zeroized".
    pub(super) fn initialized(
        &mut self,
        label: String,
        auth: AuthMethod,
        so: Credential,
        domain: Credential,
        policies: Option<Policies>,
        now_ms: u64,
    ) {
        self.admin_roles.set(Role::So, RoleRecord::new(so, false));
        self.auth = Some(auth);
        if let Some(p) = policies {
            self.policies = p;
        }
        self.lifecycle = Lifecycle::Initialized { label: label.clone(), domain, partition: None };
        self.end_sessions();
        self.utilization_initialized(now_ms);
        self.emit(now_ms, Event::RoleInitialized { slot: ADMIN_SLOT, role: Role::So });
        self.emit(now_ms, Event::HsmInitialized { auth, hard: true, label });
    }

    /// `hsm init` on an initialized HSM (soft init): the current HSM SO credential is presented again.
    pub(super) fn reinit_hsm(
        &mut self,
        slot: SlotId,
        label: String,
        so_password: Option<String>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::InitHsm { auth: None })?;
        if self.zeroized() {
            return Err(retcode::USER_PIN_NOT_INITIALIZED);
        }
        let label = check_hsm_label(&label).map_err(|e| e.code)?;
        let so = self.admin_roles.require(Role::So)?;
        match (&so.credential, so_password) {
            (Credential::Keyset(k), _) => {
                let steps = vec![Step::Authenticate(k.clone())];
                self.start_ceremony(Purpose::ReinitHsm { label }, steps, "Re-initialize the HSM", env.now_ms)
            }
            (Credential::Password(_), None) => Err(retcode::ARGUMENTS_BAD),
            (Credential::Password(v), Some(pw)) => {
                if pw.is_empty() {
                    return Err(retcode::ARGUMENTS_BAD);
                }
                if !v.verify(pw.as_bytes()) {
                    return Err(self.count_failure(ADMIN_SLOT, Role::So, env.now_ms));
                }
                self.reinitialized(label, env.now_ms);
                Ok(Response::Done)
            }
        }
    }

    /// A soft initialization completed: the effects of "HSM Initialize From Non-Zeroized State".
    pub(super) fn reinitialized(&mut self, label: String, now_ms: u64) {
        if let Some(so) = self.admin_roles.get_mut(Role::So) {
            so.failures = 0;
        }
        self.destroy_partition(now_ms);
        if let Lifecycle::Initialized { label: l, .. } = &mut self.lifecycle {
            l.clone_from(&label);
        }
        self.end_sessions();
        self.utilization_initialized(now_ms);
        self.emit(
            now_ms,
            Event::HsmInitialized { auth: self.auth.unwrap_or(AuthMethod::Password), hard: false, label },
        );
    }

    /// Destroys the application partition with its roles and contents, if there is one.
    pub(super) fn destroy_partition(&mut self, now_ms: u64) {
        let gone = match &mut self.lifecycle {
            Lifecycle::Initialized { partition, .. } => partition.take(),
            Lifecycle::Zeroized => None,
        };
        if let Some(p) = gone {
            self.emit(now_ms, Event::PartitionDeleted { slot: p.slot() });
        }
    }

    pub(super) fn zeroize_request(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::Zeroize)?;
        self.zeroize(now_ms, false);
        Ok(Response::Done)
    }

    pub(super) fn factory_reset_request(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::FactoryReset)?;
        if matches!(self.halt, Some(super::tamper::Halt::FlashCorruption)) {
            // On a corrupted flash the factory reset is the recovery process, which takes minutes.
            self.start_recovery(now_ms);
            return Ok(Response::RecoveryStarted { until_ms: now_ms + super::tamper::RECOVERY_MS });
        }
        self.factory_reset_effects(now_ms);
        Ok(Response::Done)
    }

    /// What a factory reset does: zeroize, and beyond it the authentication method, the Auditor, the
    /// policies and the RPV.
    pub(super) fn factory_reset_effects(&mut self, now_ms: u64) {
        self.zeroize(now_ms, false);
        self.auth = None;
        self.admin_roles.remove(Role::Auditor);
        self.audit.factory_reset();
        self.policies = Policies::hsm_defaults();
        self.rpv = None;
        self.emit(now_ms, Event::FactoryReset);
    }

    /// The effects of "Zeroize HSM": domain, HSM SO, partition and its roles and contents destroyed;
    /// authentication method, policies, Auditor and RPV kept.
    pub(super) fn zeroize(&mut self, now_ms: u64, by_failed_logins: bool) {
        // The KEK goes first: what the partition stored stays behind as blobs nobody can decode, until the
        // next power-up erases them.
        let sealed = self.partition_mut().map(|p| p.take_objects()).unwrap_or_default();
        self.storage.destroy_kek(sealed);
        self.destroy_partition(now_ms);
        self.admin_roles.remove(Role::So);
        self.lifecycle = Lifecycle::Zeroized;
        self.running = None;
        self.end_sessions();
        self.emit(now_ms, Event::Zeroized { by_failed_logins });
    }

    pub(super) fn stm_transport(&mut self, slot: SlotId, env: &mut Env<'_>) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::StmTransport)?;
        // Firmware 7.7.2 logs out every role when it enters STM.
        self.end_sessions();
        let (mut stm, rus) = Stm::enter(env.rng);
        let verification_string = stm.verification_string(&rus, &self.state_digest());
        stm.issue(&verification_string);
        self.stm = Some(stm);
        self.emit(env.now_ms, Event::StmEntered);
        Ok(Response::StmEntered { verification_string, random_user_string: rus })
    }

    pub(super) fn stm_verify(&mut self, slot: SlotId, random_user_string: &str) -> Result<Response, LunaRet> {
        self.require_admin_slot(slot)?;
        let stm = self.stm.as_ref().ok_or(retcode::OPERATION_NOT_INITIALIZED)?;
        let verification_string = stm.verification_string(random_user_string, &self.state_digest());
        self.require_so_unless_zeroized()?;
        if let Some(stm) = self.stm.as_mut() {
            stm.record_check(&verification_string);
        }
        Ok(Response::StmVerification { verification_string })
    }

    pub(super) fn stm_recover(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::StmRecover)?;
        let matching = self.stm.take().is_some_and(|s| s.last_check_matched());
        self.emit(now_ms, Event::StmRecovered { matching });
        Ok(Response::Done)
    }

    pub(super) fn init_rpv(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, super::Action::InitRpv)?;
        let steps = vec![Step::Create(SecretKind::RemotePedVector)];
        self.start_ceremony(Purpose::InitRpv, steps, "Initialize the Remote PED Vector", now_ms)
    }

    /// Digest of everything STM protects: identity, label, credentials, counters, configuration, partition.
    /// The login session is not part of it (STM logs every role out anyway). The fields of the first
    /// simulator version come first and the later ones only when set, so a unit saved in STM by that
    /// version still recovers with the string it was shipped with.
    pub(super) fn state_digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.serial.as_bytes());
        h.update([0]);
        h.update(self.label().as_bytes());
        h.update([0]);
        h.update([self.auth.map_or(0, |a| a as u8 + 1)]);
        let so = self.admin_roles.get(Role::So);
        let domain = match &self.lifecycle {
            Lifecycle::Initialized { domain, .. } => Some(domain),
            Lifecycle::Zeroized => None,
        };
        for fp in [so.map(|r| r.credential.fingerprint()), domain.map(|d| d.fingerprint())] {
            h.update(fp.unwrap_or(&[0u8; 32]));
        }
        h.update(self.rpv.as_ref().map_or(&[0u8; 32][..], |r| r.fingerprint()));
        h.update([so.map_or(0, |r| r.failures.min(255) as u8)]);
        h.update(self.so_failed_total.to_be_bytes());
        if let Some(p) = self.partition() {
            h.update(b"partition");
            p.digest_into(&mut h);
        }
        if let Some(au) = self.admin_roles.get(Role::Auditor) {
            h.update(b"auditor");
            h.update(au.credential.fingerprint());
        }
        if self.long_outages > 0 {
            h.update(b"outages");
            h.update(self.long_outages.to_be_bytes());
        }
        if self.policies != Policies::hsm_defaults() {
            h.update(b"policies");
            h.update(serde_json::to_vec(&self.policies).unwrap_or_default());
        }
        h.finalize().into()
    }
}
