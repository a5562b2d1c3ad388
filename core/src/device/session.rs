//! The host session of LunaCM on the device: its logins per slot, and how the device's actions end them.

use super::{Hsm, Role, SlotId};
use std::collections::BTreeMap;

/// The roles this host session has logged in, per slot. A LunaCM session's own state: not saved with the
/// device, so each LunaCM (each browser tab, each CLI run) starts logged out, as on the real unit.
#[derive(Clone, Debug, Default, Eq)]
pub struct Session {
    pub(super) logins: BTreeMap<SlotId, Role>,
    /// The device generation the logins belong to (see [`Hsm::generation`]).
    pub(super) generation: u64,
}

/// Two sessions are the same when the same roles are logged in; the generation only says whether they
/// are still valid.
impl PartialEq for Session {
    fn eq(&self, other: &Session) -> bool {
        self.logins == other.logins
    }
}

impl Session {
    /// The role logged in on `slot`, if any.
    pub fn role(&self, slot: SlotId) -> Option<Role> {
        self.logins.get(&slot).copied()
    }
}

impl Hsm {
    /// The role this host session has logged in on `slot`, if any.
    pub fn logged_in(&self, slot: SlotId) -> Option<Role> {
        self.session.role(slot)
    }

    /// Ends every session: what zeroize, initialization, STM and partition changes do to logged-in roles.
    pub(super) fn end_sessions(&mut self) {
        self.generation += 1;
        self.session = Session { logins: BTreeMap::new(), generation: self.generation };
    }

    /// Closes the host session: what happens to the logins when LunaCM exits or the USB link drops. A
    /// ceremony the host was waiting for is abandoned.
    pub fn close_session(&mut self) {
        self.session = Session { logins: BTreeMap::new(), generation: self.generation };
        self.audit.new_session();
        if self.running.take().is_some() {
            self.flash = Some("Operation cancelled: the host closed its session.".into());
        }
        self.ped_outcome = None;
    }

    /// Takes this host session out of the device, to carry it into a newer copy of the device state (a
    /// second browser tab's change).
    pub fn take_session(&mut self) -> Session {
        std::mem::take(&mut self.session)
    }

    /// Puts a host session back, keeping only the logins the device state still allows: none if an action
    /// since has logged every role out, none for a role that no longer exists. Returns whether every login
    /// was kept.
    pub fn restore_session(&mut self, session: Session) -> bool {
        let had = session.logins.len();
        let mut kept = Session { logins: BTreeMap::new(), generation: self.generation };
        if session.generation == self.generation {
            for (slot, role) in session.logins {
                if self.roles(slot).is_ok_and(|t| t.get(role).is_some()) {
                    kept.logins.insert(slot, role);
                }
            }
        }
        let all_kept = kept.logins.len() == had;
        self.session = kept;
        all_kept
    }
}
