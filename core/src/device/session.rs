//! The host session of LunaCM on the device: its logins per slot, and how the device's actions end them;
//! and the HSM's session table, which applications on the host fill (chapter 11, troubleshooting,
//! `LUNA_RET_SM_SESSION_REALLOC_ERROR`).

use super::{Hsm, Request, Role, SlotId};
use crate::retcode::{self, LunaRet};
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

/// Most sessions the HSM's session table grows to before its volatile memory runs out: the table is then
/// full and every new session (each LunaCM command opens one) fails with
/// `LUNA_RET_SM_SESSION_REALLOC_ERROR`. A simulator choice: the guide gives no figure.
pub const SESSION_TABLE_MAX: u32 = 1024;

impl Hsm {
    /// Sessions the host's applications hold open.
    pub fn app_sessions(&self) -> u32 {
        self.app_sessions
    }

    /// An application opens `count` sessions: as many as the table has room for. Returns how many it
    /// opened, and the error of the first that did not fit.
    pub fn open_app_sessions(&mut self, count: u32) -> (u32, Result<(), LunaRet>) {
        let room = SESSION_TABLE_MAX - self.app_sessions.min(SESSION_TABLE_MAX);
        let opened = count.min(room);
        self.app_sessions += opened;
        (opened, if opened < count { Err(retcode::SM_SESSION_REALLOC_ERROR) } else { Ok(()) })
    }

    /// An application closes `count` of its sessions (all of them with `None`): the housekeeping the guide
    /// asks of applications. Returns how many it closed.
    pub fn close_app_sessions(&mut self, count: Option<u32>) -> u32 {
        let closed = count.unwrap_or(self.app_sessions).min(self.app_sessions);
        self.app_sessions -= closed;
        closed
    }

    /// With the session table full, a command cannot open its session: the HSM answers nothing but the
    /// polls of what is already under way (a ceremony's outcome).
    pub(super) fn refuse_when_session_table_full(&self, request: &Request) -> Result<(), LunaRet> {
        if self.app_sessions >= SESSION_TABLE_MAX && !matches!(request, Request::PedPoll | Request::CloseSession) {
            return Err(retcode::SM_SESSION_REALLOC_ERROR);
        }
        Ok(())
    }

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
