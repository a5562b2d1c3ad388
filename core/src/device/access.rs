//! Who may do what, in which state: the one judge of every request's preconditions. LunaCM asks it ahead
//! of prompting ([`Request::Authorize`](super::Request::Authorize)) and every request asks it again before
//! acting, so the two can never disagree.

use super::lifecycle::AuthMethod;
use super::roles::{Lockout, Role};
use super::{Action, Hsm, SlotId, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};

impl Hsm {
    /// Whether `action` is allowed on `slot` now.
    pub(super) fn authorize(&self, slot: SlotId, action: Action) -> Result<(), LunaRet> {
        // A halted HSM does nothing but recover; a corrupted flash recovers by the factory reset.
        if let Some(halt) = &self.halt {
            let recovers = action == Action::FactoryReset && matches!(halt, super::tamper::Halt::FlashCorruption);
            if !recovers {
                return Err(retcode::DEVICE_ERROR);
            }
        }
        // A full log stops everything but what lets the Auditor recover it, and the factory reset.
        let allowed_when_full =
            matches!(action, Action::FactoryReset | Action::InitRole(Role::Auditor) | Action::Audit(_));
        if self.audit.full() && !allowed_when_full {
            return Err(retcode::LOG_FULL);
        }
        match action {
            Action::Audit(a) => self.authorize_audit(slot, a),
            Action::InitHsm { auth } => {
                self.require_admin_slot(slot)?;
                self.refuse_in_stm()?;
                if auth.is_some_and(|a| self.auth.is_some_and(|current| current != a)) {
                    // Changing between password and multifactor authentication needs a factory reset.
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                if self.zeroized() {
                    Ok(())
                } else {
                    self.require_role(slot, Role::So)
                }
            }
            Action::Zeroize | Action::FactoryReset => {
                self.require_admin_slot(slot)?;
                self.refuse_in_stm()
            }
            Action::ChangePolicy => {
                self.refuse_in_stm()?;
                if slot == ADMIN_SLOT {
                    self.require_initialized()?;
                    self.require_role(slot, Role::So)
                } else {
                    self.require_partition_slot(slot)?;
                    self.require_role(slot, Role::PartitionSo)
                }
            }
            Action::DeletePartition => {
                self.require_admin_slot(slot)?;
                self.refuse_in_stm()?;
                self.require_role(slot, Role::So)?;
                self.partition().map(|_| ()).ok_or(retcode::SLOT_ID_INVALID)
            }
            Action::InitPartition => {
                self.require_partition_slot(slot)?;
                self.refuse_in_stm()?;
                // Whoever initializes the partition becomes its Partition SO; a role already logged in on
                // the slot must log out first.
                match self.session.role(slot) {
                    Some(_) => Err(retcode::USER_ALREADY_LOGGED_IN),
                    None => Ok(()),
                }
            }
            Action::InitRole(role) => {
                self.refuse_in_stm()?;
                self.require_slot_of(slot, role)?;
                match role.initialized_by() {
                    Some(by) => {
                        self.require_role(slot, by)?;
                        self.require_partition_initialized(slot)
                    }
                    // The Auditor initializes itself, without the HSM SO (who must not be logged in), even
                    // before the HSM is initialized: its credential then decides the authentication
                    // method. An existing Auditor is re-initialized only by itself; a lost Auditor
                    // secret needs a factory reset.
                    None if role == Role::Auditor => {
                        if self.session.role(slot) == Some(Role::So) {
                            return Err(retcode::SM_OTHER_USER_LOGGED_IN);
                        }
                        if self.admin_roles.get(Role::Auditor).is_some() && self.session.role(slot) != Some(role) {
                            return Err(retcode::OPERATION_RESTRICTED);
                        }
                        Ok(())
                    }
                    // The HSM SO and the Partition SO are created by initialization, not by role init.
                    None => Err(retcode::USER_TYPE_INVALID),
                }
            }
            Action::StmTransport | Action::StmRecover | Action::InitRpv => self.authorize_admin(slot, action),
            Action::UpdateFirmware | Action::RollbackFirmware => self.authorize_firmware(slot, action),
            Action::ChangeCredential(role) => {
                self.refuse_in_stm()?;
                self.require_slot_of(slot, role)?;
                if self.session.role(slot) == Some(role) {
                    Ok(())
                } else {
                    Err(retcode::USER_NOT_LOGGED_IN)
                }
            }
            Action::ResetCredential(role) | Action::CreateChallenge(role) => {
                self.refuse_in_stm()?;
                self.require_slot_of(slot, role)?;
                let by = role.initialized_by().ok_or(retcode::USER_TYPE_INVALID)?;
                self.require_role(slot, by)?;
                self.roles(slot)?.require(role)?;
                if let Action::CreateChallenge(_) = action {
                    if self.auth != Some(AuthMethod::Multifactor) {
                        // A password role has no secondary credential.
                        return Err(retcode::OPERATION_RESTRICTED);
                    }
                } else if role == Role::CryptoOfficer && self.policies.get(15) != Some(1) {
                    // Without HSM policy 15 the Partition SO cannot reset the Crypto Officer: a locked
                    // out CO stays locked until the partition is re-initialized.
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                Ok(())
            }
        }
    }

    /// The rules of the admin-slot commands that need neither a partition nor a particular role table.
    fn authorize_admin(&self, slot: SlotId, action: Action) -> Result<(), LunaRet> {
        self.require_admin_slot(slot)?;
        match action {
            Action::StmTransport => {
                if self.in_stm() {
                    return Err(retcode::CANNOT_PERFORM_OPERATION_TWICE);
                }
                self.require_so_unless_zeroized()
            }
            Action::StmRecover => {
                if !self.in_stm() {
                    return Err(retcode::OPERATION_NOT_INITIALIZED);
                }
                self.require_so_unless_zeroized()
            }
            _ => {
                // Action::InitRpv
                self.refuse_in_stm()?;
                self.require_role(slot, Role::So)?;
                if self.auth != Some(AuthMethod::Multifactor) {
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                Ok(())
            }
        }
    }

    /// The request must be addressed to the admin slot.
    pub(super) fn require_admin_slot(&self, slot: SlotId) -> Result<(), LunaRet> {
        if slot == ADMIN_SLOT {
            Ok(())
        } else {
            Err(retcode::SLOT_ID_INVALID)
        }
    }

    /// The request must be addressed to the application partition's slot.
    pub(super) fn require_partition_slot(&self, slot: SlotId) -> Result<(), LunaRet> {
        match self.partition() {
            Some(p) if p.slot() == slot => Ok(()),
            _ => Err(retcode::SLOT_ID_INVALID),
        }
    }

    /// `role` must be a role of the slot's partition.
    pub(super) fn require_slot_of(&self, slot: SlotId, role: Role) -> Result<(), LunaRet> {
        if role.on_admin_slot() == (slot == ADMIN_SLOT) {
            Ok(())
        } else {
            Err(retcode::USER_TYPE_INVALID)
        }
    }

    /// The HSM must have an HSM SO.
    pub(super) fn require_initialized(&self) -> Result<(), LunaRet> {
        if self.zeroized() {
            Err(retcode::USER_PIN_NOT_INITIALIZED)
        } else {
            Ok(())
        }
    }

    /// The partition on `slot` must be initialized.
    pub(super) fn require_partition_initialized(&self, slot: SlotId) -> Result<(), LunaRet> {
        match self.partition() {
            Some(p) if p.slot() == slot && p.initialized() => Ok(()),
            Some(p) if p.slot() == slot => Err(retcode::USER_PIN_NOT_INITIALIZED),
            _ => Err(retcode::SLOT_ID_INVALID),
        }
    }

    /// `role` must be logged in on `slot` in this session and free to act: not holding a credential it
    /// must change first (policy 21).
    pub(super) fn require_role(&self, slot: SlotId, role: Role) -> Result<(), LunaRet> {
        if self.session.role(slot) != Some(role) {
            return Err(retcode::USER_NOT_LOGGED_IN);
        }
        self.require_no_forced_change(slot)
    }

    /// A role logged in with an assigned credential may only change it (HSM policy 21).
    pub(super) fn require_no_forced_change(&self, slot: SlotId) -> Result<(), LunaRet> {
        let Some(role) = self.session.role(slot) else { return Ok(()) };
        match self.roles(slot)?.get(role) {
            Some(rec) if rec.must_change => Err(retcode::SM_PIN_EXPIRED),
            _ => Ok(()),
        }
    }

    /// Commands refused while the HSM is in Secure Transport Mode.
    pub(super) fn refuse_in_stm(&self) -> Result<(), LunaRet> {
        if self.in_stm() {
            Err(retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT)
        } else {
            Ok(())
        }
    }

    /// STM commands need the HSM SO on an initialized HSM, nobody on a zeroized one.
    pub(super) fn require_so_unless_zeroized(&self) -> Result<(), LunaRet> {
        if self.zeroized() {
            Ok(())
        } else {
            self.require_role(ADMIN_SLOT, Role::So)
        }
    }

    /// Why `role` cannot log in now, if it is locked out.
    pub(super) fn lockout_code(&self, slot: SlotId, role: Role, now_ms: u64) -> Result<(), LunaRet> {
        match self.roles(slot)?.get(role).and_then(|r| r.locked(now_ms)) {
            None => Ok(()),
            Some(Lockout::Until(_)) => Err(retcode::AUDIT_LOGIN_TIMEOUT_IN_PROGRESS),
            Some(Lockout::UntilReset) => Err(retcode::TOKEN_LOCKED_OUT),
        }
    }
}
