//! Firmware update and rollback (chapter 12, "HSM Updates"): the version the unit runs, the single
//! rollback target an update saves, and what depends on the version.
//!
//! `hsm updatefw` hands the HSM an update file and its authentication code file; the firmware checks the
//! vendor's signature, the target, the code and the version before it installs anything (see [`image`]
//! for the file and the return codes of a damaged one). An update keeps every role, the partition, the
//! policies and the audit log, and restarts the HSM (every session ends). Rollback returns to the saved
//! version, zeroizes the HSM and leaves no rollback target until the next update.
//!
//! Return codes: the guide names `LUNA_RET_OPERATION_RESTRICTED` for an update in Secure Transport Mode
//! (chapter 11, troubleshooting); the rest are the simulator's choice among chapter 11's codes:
//! - a wrong authentication code: `LUNA_RET_CHALLENGE_RESPONSE_INCORRECT`;
//! - firmware for another product: `LUNA_RET_INVALID_FUF_TARGET`;
//! - a version not newer than the running one: `LUNA_RET_INVALID_FUF_VERSION`;
//! - rollback with no target because no update saved one: `LUNA_RET_OPERATION_NOT_INITIALIZED`;
//! - rollback again after a rollback: `LUNA_RET_CANNOT_PERFORM_OPERATION_TWICE`;
//! - an HSM policy that the running firmware does not have (56 before 7.7.3): `LUNA_RET_RM_ELEMENT_ID_INVALID`.

pub mod image;
mod version;

pub use image::{FufError, UpdateFile, VENDOR_KEY};
pub use version::Version;

use super::policy::Policies;
use super::roles::Role;
use super::{Action, Event, Hsm, Response, SlotId, MODEL};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};

/// The firmware a new unit ships with.
pub const SHIPPED: Version = Version::new(7, 7, 2);

/// The oldest firmware with the Limited Crypto Officer role (7.7.0). Every firmware the simulator has is
/// at least this, so the role is always there.
pub const LIMITED_CRYPTO_OFFICER_SINCE: Version = Version::new(7, 7, 0);

/// HSM policies that only some firmware has: the policy and the oldest version that has it.
pub const POLICIES_SINCE: &[(u8, Version)] = &[(56, Version::new(7, 7, 3))];

/// The oldest firmware with HSM policy `id`, if it needs more than any firmware has.
pub fn policy_since(id: u8) -> Option<Version> {
    POLICIES_SINCE.iter().find(|(p, _)| *p == id).map(|(_, v)| *v)
}

/// The firmware a unit runs and the version it keeps for rollback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firmware {
    running: Version,
    /// The version before the last update, until a rollback returns to it.
    rollback: Option<Version>,
    /// Whether the last change of firmware was a rollback: another must wait for the next update.
    rolled_back: bool,
}

/// A unit as it ships (and every world saved before firmware was device state): 7.7.2, no rollback target.
impl Default for Firmware {
    fn default() -> Self {
        Firmware { running: SHIPPED, rollback: None, rolled_back: false }
    }
}

impl Firmware {
    /// The version running.
    pub fn running(&self) -> Version {
        self.running
    }

    /// The version a rollback would return to, if any.
    pub fn rollback(&self) -> Option<Version> {
        self.rollback
    }
}

impl Hsm {
    /// The unit's firmware.
    pub fn firmware(&self) -> &Firmware {
        &self.firmware
    }

    /// The rules of `hsm updatefw` and `hsm rollbackfw`: the admin slot, not in Secure Transport Mode, the
    /// HSM SO logged in; for a rollback, a saved version to return to.
    pub(super) fn authorize_firmware(&self, slot: SlotId, action: Action) -> Result<(), LunaRet> {
        self.require_admin_slot(slot)?;
        if self.in_stm() {
            return Err(retcode::OPERATION_RESTRICTED);
        }
        self.require_role(slot, Role::So)?;
        match (action, self.firmware.rollback) {
            (Action::RollbackFirmware, None) if self.firmware.rolled_back => {
                Err(retcode::CANNOT_PERFORM_OPERATION_TWICE)
            }
            (Action::RollbackFirmware, None) => Err(retcode::OPERATION_NOT_INITIALIZED),
            _ => Ok(()),
        }
    }

    /// `hsm updatefw`: verify `image` (the update file's text) and `authcode` (the code file's), then
    /// install it, keeping the running version for rollback. The HSM restarts: every session ends.
    pub(super) fn update_firmware(
        &mut self,
        slot: SlotId,
        image: &str,
        authcode: &str,
        now_ms: u64,
    ) -> Result<Response, LunaRet> {
        self.authorize_firmware(slot, Action::UpdateFirmware)?;
        let file = UpdateFile::parse(image).map_err(FufError::code)?;
        file.verify(&VENDOR_KEY).map_err(FufError::code)?;
        if file.target != MODEL {
            return Err(retcode::INVALID_FUF_TARGET);
        }
        if !file.authcode_matches(authcode) {
            return Err(retcode::CHALLENGE_RESPONSE_INCORRECT);
        }
        let previous = self.firmware.running;
        if file.version <= previous {
            return Err(retcode::INVALID_FUF_VERSION);
        }
        self.firmware = Firmware { running: file.version, rollback: Some(previous), rolled_back: false };
        self.end_sessions();
        self.emit(now_ms, Event::FirmwareUpdated { from: previous.to_string(), to: file.version.to_string() });
        Ok(Response::Firmware { previous: previous.to_string(), running: file.version.to_string() })
    }

    /// `hsm rollbackfw`: return to the saved version. Destructive: the HSM is zeroized as `hsm zeroize`
    /// does (policies, Auditor and RPV kept), and no rollback target is left.
    pub(super) fn rollback_firmware(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize_firmware(slot, Action::RollbackFirmware)?;
        let previous = self.firmware.running;
        let target = self.firmware.rollback.ok_or(retcode::OPERATION_NOT_INITIALIZED)?;
        self.zeroize(now_ms, false);
        self.firmware = Firmware { running: target, rollback: None, rolled_back: true };
        self.emit(now_ms, Event::FirmwareRolledBack { from: previous.to_string(), to: target.to_string() });
        Ok(Response::Firmware { previous: previous.to_string(), running: target.to_string() })
    }

    /// Refuses a change of HSM policy `id` that the running firmware does not have.
    pub(in crate::device) fn require_policy_in_firmware(&self, id: u8) -> Result<(), LunaRet> {
        match policy_since(id) {
            Some(since) if self.firmware.running < since => Err(retcode::RM_ELEMENT_ID_INVALID),
            _ => Ok(()),
        }
    }

    /// Refuses a template applied at initialization that sets a policy the running firmware does not have
    /// to anything but its current value.
    pub(in crate::device) fn require_template_in_firmware(&self, template: &Policies) -> Result<(), LunaRet> {
        for &(id, _) in POLICIES_SINCE {
            if template.get(id).is_some_and(|v| Some(v) != self.policies.get(id)) {
                self.require_policy_in_firmware(id)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn firmware_state_saves_as_versions_and_ships_as_7_7_2() {
        let f: Firmware =
            serde_json::from_str("{\"running\":\"7.8.4\",\"rollback\":\"7.7.2\",\"rolled_back\":false}").unwrap();
        assert_eq!((f.running(), f.rollback()), (Version::new(7, 8, 4), Some(SHIPPED)));
        let shipped = Firmware::default();
        assert_eq!((shipped.running().to_string(), shipped.rollback()), ("7.7.2".to_string(), None));
        assert!(SHIPPED >= LIMITED_CRYPTO_OFFICER_SINCE);
        assert_eq!(policy_since(56), Some(Version::new(7, 7, 3)));
        assert_eq!(policy_since(15), None);
    }
}
