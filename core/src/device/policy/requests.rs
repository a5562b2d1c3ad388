//! `GetPolicies` and `ChangePolicy` on either slot: HSM policies by the HSM SO on the admin slot, partition
//! policies by the Partition SO on the partition's slot, with the effects of a destructive change
//! (chapter 10's "Change Destructive HSM Policy": the partition is destroyed; a destructive partition
//! policy destroys the partition's contents).

use super::{check_change, check_partition_change, Policies, HSM};
use crate::device::request::PolicyView;
use crate::device::{Action, Event, Hsm, Response, SlotId, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};

impl Hsm {
    /// The HSM policies as the HSM reports them: policies 0 and 1 show the authentication method.
    pub fn reported_policies(&self) -> Policies {
        let mut values = self.policies.clone();
        values.set_auth(self.auth);
        values
    }

    pub(in crate::device) fn get_policies(&self, slot: SlotId) -> Result<Response, LunaRet> {
        if slot == ADMIN_SLOT {
            return Ok(Response::Policies(PolicyView {
                partition: false,
                values: self.reported_policies(),
                label: self.label().to_string(),
                serial: self.serial.clone(),
            }));
        }
        let p = self.partition().filter(|p| p.slot() == slot).ok_or(retcode::SLOT_ID_INVALID)?;
        Ok(Response::Policies(PolicyView {
            partition: true,
            values: p.policies().clone(),
            label: p.label().to_string(),
            serial: p.serial().to_string(),
        }))
    }

    pub(in crate::device) fn change_policy(
        &mut self,
        slot: SlotId,
        id: u8,
        value: u32,
        now_ms: u64,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::ChangePolicy)?;
        let hsm = self.reported_policies();
        if slot == ADMIN_SLOT {
            self.require_policy_in_firmware(id)?;
            let change = check_change(HSM, &hsm, id, value)?;
            self.policies.set(&change);
            if change.destructive {
                self.destroy_partition(now_ms);
            }
            self.emit(
                now_ms,
                Event::PolicyChanged {
                    partition: false,
                    id,
                    old: change.old,
                    new: change.new,
                    destructive: change.destructive,
                },
            );
            return Ok(Response::PolicyChanged { old: change.old, destructive: change.destructive });
        }
        let p = self.partition_mut().ok_or(retcode::SLOT_ID_INVALID)?;
        let change = check_partition_change(p.policies(), &hsm, id, value)?;
        p.set_policy(&change);
        // Partition contents (key objects) are what a destructive partition policy destroys.
        if change.destructive {
            p.clear_objects();
        }
        self.emit(
            now_ms,
            Event::PolicyChanged {
                partition: true,
                id,
                old: change.old,
                new: change.new,
                destructive: change.destructive,
            },
        );
        Ok(Response::PolicyChanged { old: change.old, destructive: change.destructive })
    }
}
