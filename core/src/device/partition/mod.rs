//! The application partition (chapter 9): created and deleted by the HSM SO, initialized by the person who
//! becomes its Partition SO, holding its own roles and policies, independent of the admin partition.

mod objects;

pub use objects::{
    AppLogin, Class, KeyPairSpec, KeyType, ObjectAnswer, ObjectInfo, ObjectOp, ObjectRequest, Objects, SecretSpec,
    SignMech, Storage, Template, Usage, PARTITION_STORAGE_BYTES,
};

use super::lifecycle::{check_domain, check_partition_label, check_password, AuthMethod, Lifecycle};
use super::ped::Step;
use super::policy::Policies;
use super::request::{PartitionInfo, SlotId, PARTITION_SLOT};
use super::roles::{Credential, Role, RoleRecord, RoleTable, Verifier};
use super::{Action, Env, Event, Hsm, Purpose, Response};
use crate::ikey::SecretKind;
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Whether the partition has a Partition SO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum State {
    /// Created and not initialized yet, or zeroized by too many failed Partition SO logins.
    Uninitialized,
    /// Initialized: the Partition SO's record is in the role table.
    Initialized {
        /// The partition label.
        label: String,
        /// The partition's cloning domain.
        domain: Credential,
    },
}

/// The HSM's one application partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    slot: SlotId,
    serial: String,
    /// V0 (default) or V1.
    version: u8,
    state: State,
    /// Partition SO, Crypto Officer, Crypto User, Limited Crypto Officer.
    roles: RoleTable,
    policies: Policies,
    /// Its key objects, sealed under the HSM's KEK (none in worlds saved before objects existed).
    #[serde(default)]
    objects: Objects,
}

impl Partition {
    /// Its slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// Its serial number.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Its label; empty until initialized.
    pub fn label(&self) -> &str {
        match &self.state {
            State::Initialized { label, .. } => label,
            State::Uninitialized => "",
        }
    }

    /// Whether it has a Partition SO.
    pub fn initialized(&self) -> bool {
        matches!(self.state, State::Initialized { .. })
    }

    /// Its roles.
    pub fn roles(&self) -> &RoleTable {
        &self.roles
    }

    pub(super) fn roles_mut(&mut self) -> &mut RoleTable {
        &mut self.roles
    }

    /// Its policies.
    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    /// Applies a policy change the rules allowed.
    pub(super) fn set_policy(&mut self, change: &super::policy::Change) {
        self.policies.set(change);
    }

    /// Too many failed Partition SO logins: roles and contents destroyed, initialization needed.
    pub(super) fn zeroize(&mut self) {
        self.state = State::Uninitialized;
        self.roles = RoleTable::default();
        self.objects.clear();
    }

    /// A destructive partition policy changed: every object is destroyed.
    pub(in crate::device) fn clear_objects(&mut self) {
        self.objects.clear();
    }

    /// Takes the sealed objects out (zeroize leaves them behind, undecodable).
    pub(super) fn take_objects(&mut self) -> Vec<objects::Sealed> {
        self.objects.take()
    }

    /// Its key objects at rest.
    pub fn objects(&self) -> &Objects {
        &self.objects
    }

    /// What `partition showinfo` and `slot list` report, with the state of its initialized `roles`.
    pub(super) fn info(&self, logged_in: Option<Role>, roles: Vec<super::RoleInfo>) -> PartitionInfo {
        PartitionInfo {
            slot: self.slot,
            serial: self.serial.clone(),
            label: self.label().to_string(),
            initialized: self.initialized(),
            version: self.version,
            logged_in,
            roles,
            objects: self.objects.count(),
            storage_total: PARTITION_STORAGE_BYTES,
            storage_used: self.objects.used(),
        }
    }

    /// Bytes that identify the partition's security state, for the STM digest.
    pub(super) fn digest_into(&self, h: &mut impl Digest) {
        h.update(self.serial.as_bytes());
        h.update([self.version]);
        if let State::Initialized { label, domain } = &self.state {
            h.update(label.as_bytes());
            h.update(domain.fingerprint());
        }
        self.roles.digest_into(h);
        h.update(serde_json::to_vec(&self.policies).unwrap_or_default());
    }
}

impl Hsm {
    pub(super) fn create_partition(
        &mut self,
        slot: SlotId,
        version: u8,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.require_admin_slot(slot)?;
        self.refuse_in_stm()?;
        self.require_initialized()?;
        self.require_role(slot, Role::So)?;
        if version > 1 {
            return Err(retcode::ARGUMENTS_BAD);
        }
        let serial = format!("{}{:03}", self.serial, 1 + env.rng.next_u32() % 999);
        let Lifecycle::Initialized { partition, .. } = &mut self.lifecycle else {
            return Err(retcode::USER_PIN_NOT_INITIALIZED);
        };
        if partition.is_some() {
            // The Luna USB HSM 7 holds one application partition.
            return Err(retcode::LICENSE_CAPACITY_EXCEEDED);
        }
        *partition = Some(Box::new(Partition {
            slot: PARTITION_SLOT,
            serial,
            version,
            state: State::Uninitialized,
            roles: RoleTable::default(),
            policies: Policies::partition_defaults_for(&self.policies),
            objects: Objects::default(),
        }));
        self.emit(env.now_ms, Event::PartitionCreated { slot: PARTITION_SLOT });
        Ok(Response::PartitionCreated { slot: PARTITION_SLOT })
    }

    pub(super) fn delete_partition(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::DeletePartition)?;
        if let Some(p) = self.partition() {
            self.session.logins.remove(&p.slot());
        }
        self.destroy_partition(now_ms);
        Ok(Response::Done)
    }

    /// `partition contents`: a logged-in role free to act sees how many objects the partition holds.
    pub(super) fn list_objects(&self, slot: SlotId) -> Result<Response, LunaRet> {
        self.require_partition_slot(slot)?;
        if self.session.role(slot).is_none() {
            return Err(retcode::USER_NOT_LOGGED_IN);
        }
        self.require_no_forced_change(slot)?;
        Ok(Response::Objects { count: self.partition().map_or(0, |p| p.objects.count()) })
    }

    /// `partition init`: hard on an uninitialized partition, soft (the current Partition SO proves itself
    /// first) on an initialized one. Both destroy the Partition SO, the partition roles and the contents.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn init_partition(
        &mut self,
        slot: SlotId,
        label: String,
        so_password: Option<String>,
        domain: Option<String>,
        current_password: Option<String>,
        policies: Option<Policies>,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::InitPartition)?;
        let label = check_partition_label(&label).map_err(|e| e.code)?;
        let partition = self.partition().ok_or(retcode::SLOT_ID_INVALID)?;
        let soft = partition.initialized();
        if soft && policies.is_some() {
            // A template initializes a partition; an initialized one changes policies one by one.
            return Err(retcode::OPERATION_RESTRICTED);
        }
        let current = partition.roles.get(Role::PartitionSo).map(|r| r.credential.clone());
        if self.auth == Some(AuthMethod::Multifactor) {
            if so_password.is_some() || domain.is_some() {
                return Err(retcode::ARGUMENTS_BAD);
            }
            let mut steps = Vec::new();
            if let Some(Credential::Keyset(k)) = current {
                steps.push(Step::Authenticate(k));
            }
            steps.push(Step::Create(SecretKind::PartitionSo));
            if !soft {
                steps.push(Step::Create(SecretKind::PartitionDomain));
            }
            let purpose = Purpose::InitPartition { label, soft, policies };
            return self.start_ceremony(purpose, steps, "Initialize the partition", env.now_ms);
        }
        if let Some(Credential::Password(v)) = current {
            let given = current_password.ok_or(retcode::ARGUMENTS_BAD)?;
            if given.is_empty() {
                return Err(retcode::ARGUMENTS_BAD);
            }
            if !v.verify(given.as_bytes()) {
                return Err(self.count_failure(slot, Role::PartitionSo, env.now_ms));
            }
        }
        let so_password = so_password.ok_or(retcode::ARGUMENTS_BAD)?;
        check_password(&so_password).map_err(|e| e.code)?;
        let domain = match (soft, domain) {
            (true, _) => None,
            (false, Some(d)) => {
                check_domain(&d).map_err(|e| e.code)?;
                Some(Credential::Password(Verifier::new(d.as_bytes(), env.rng)))
            }
            (false, None) => return Err(retcode::ARGUMENTS_BAD),
        };
        let so = Credential::Password(Verifier::new(so_password.as_bytes(), env.rng));
        self.partition_initialized(label, so, domain, policies, env.now_ms);
        Ok(Response::Done)
    }

    /// The effects of "Partition Initialize": Partition SO, partition roles and contents destroyed; a new
    /// Partition SO; the domain set (hard) or kept (soft).
    pub(super) fn partition_initialized(
        &mut self,
        label: String,
        so: Credential,
        domain: Option<Credential>,
        policies: Option<Policies>,
        now_ms: u64,
    ) {
        let Some(p) = self.partition_mut() else { return };
        let hard = !p.initialized();
        let domain = match (&p.state, domain) {
            (_, Some(d)) => d,
            (State::Initialized { domain, .. }, None) => domain.clone(),
            (State::Uninitialized, None) => return,
        };
        p.roles = RoleTable::default();
        p.objects.clear();
        p.roles.set(Role::PartitionSo, RoleRecord::new(so, false));
        p.state = State::Initialized { label: label.clone(), domain };
        if let Some(policies) = policies {
            p.policies = policies;
        }
        let slot = p.slot;
        self.session.logins.remove(&slot);
        self.emit(now_ms, Event::RoleInitialized { slot, role: Role::PartitionSo });
        self.emit(now_ms, Event::PartitionInitialized { slot, hard, label });
    }
}
