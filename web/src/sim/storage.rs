//! Saving the world, and the other tabs: the world in localStorage with its host files in the file
//! store, written after each change; another tab's change taken over, keeping this tab's LunaCM session.

use super::*;

/// A stored file's stamp when it is not known to match this tab's world: it is written again.
pub(super) const UNKNOWN: u64 = u64::MAX;

/// "HSM SO (slot 4)", "HSM SO (slot 4) and Crypto Officer (slot 3)".
fn login_words(logins: &[(SlotId, Role)]) -> String {
    let each: Vec<String> = logins.iter().map(|(slot, role)| format!("{role} (slot {slot})")).collect();
    each.join(" and ")
}

/// What taking over another tab's world did to this tab's LunaCM session.
pub(super) struct Adopted {
    /// The roles logged in before, and after.
    before: Vec<(SlotId, Role)>,
    after: Vec<(SlotId, Role)>,
    /// LunaCM waited for an iKey ceremony that the other tab's change ended.
    ped_wait_ended: bool,
}

impl Adopted {
    /// The notice's sentences about the session: whether this tab's login survived.
    pub(super) fn words(&self) -> String {
        let mut text = if self.before.is_empty() {
            "No role was logged in here.".to_string()
        } else if self.before == self.after {
            let verb = if self.before.len() == 1 { "is" } else { "are" };
            format!("This tab's login survived: {} {verb} still logged in.", login_words(&self.before))
        } else {
            let lost: Vec<_> = self.before.iter().filter(|l| !self.after.contains(l)).copied().collect();
            let verb = if lost.len() == 1 { "is" } else { "are" };
            let mut t = format!("That change ended this tab's login: {} {verb} logged out.", login_words(&lost));
            if !self.after.is_empty() {
                t.push_str(&format!(" Still logged in: {}.", login_words(&self.after)));
            }
            t
        };
        if self.ped_wait_ended {
            text.push_str(" The iKey operation this tab's LunaCM waited for is over.");
        }
        text
    }
}

/// The host files to write to the file store (name, new text or `None` to delete, change stamp): those
/// whose stamp differs from the stored one, and those stored that the world no longer has.
fn file_changes(world: &World, stored: &BTreeMap<String, u64>) -> Vec<(String, Option<std::sync::Arc<str>>, u64)> {
    let files = world.files();
    let mut changes: Vec<_> = files
        .shared()
        .filter(|(name, _)| stored.get(*name) != Some(&files.stamp(name)))
        .map(|(name, text)| (name.to_string(), Some(std::sync::Arc::clone(text)), files.stamp(name)))
        .collect();
    changes.extend(stored.keys().filter(|n| files.get(n).is_none()).map(|n| (n.clone(), None, 0)));
    changes
}

impl Sim {
    /// Another tab saved `raw`: take it over, unless it is what this tab already has.
    pub fn adopt_from_other_tab(&self, raw: String) {
        if self.known.with_value(|known| known.as_deref() == Some(raw.as_str())) || self.adopting.get_value() {
            return;
        }
        let sim = *self;
        self.adopt(raw, move |adopted| {
            if let Some(adopted) = adopted {
                sim.notice.set(Some(Notice::info(format!(
                    "Another tab changed the simulator: this tab reloaded that change (revision {}) and kept its \
                     LunaCM session. {}",
                    sim.revision.get_untracked(),
                    adopted.words()
                ))));
            }
        });
    }

    /// Another tab removed the saved world (it set an unusable value aside, or storage was cleared):
    /// nothing of anyone's is there, so this tab's world is saved again with its next change or command.
    pub fn forget_saved(&self) {
        self.known.set_value(None);
    }

    /// Stored text that this tab neither loaded nor wrote. A key that disappeared does not count: there
    /// is nothing of anyone's to overwrite.
    pub(super) fn written_elsewhere(&self) -> Option<String> {
        let stored = persistence::read()?;
        let ours = self.known.with_value(|known| known.as_deref() == Some(stored.as_str()));
        (!ours).then_some(stored)
    }

    /// Takes over a world another tab saved, keeping this tab's LunaCM session (its slot, its logins
    /// unless the change ended them, a question it is asking): LunaCM does not restart. A value the core
    /// refuses is set aside and this tab keeps (and will save) its own world. `done` is told what the
    /// change did to the session, or `None` if the world was not replaced.
    ///
    /// A world whose files are in the file store is taken over once they are read (the store answers
    /// later). Returns `Some(replaced)` when it was decided at once, `None` while the files are read.
    pub(super) fn adopt(&self, raw: String, done: impl FnOnce(Option<Adopted>) + 'static) -> Option<bool> {
        let db = self.db.get_value().filter(|_| persistence::file_index(&raw).is_some());
        let Some(db) = db else {
            let adopted = self.take_over(raw, &BTreeMap::new());
            let replaced = adopted.is_some();
            done(adopted);
            return Some(replaced);
        };
        self.adopting.set_value(true);
        let sim = *self;
        wasm_bindgen_futures::spawn_local(async move {
            let read = filestore::read_all(&db).await;
            sim.adopting.set_value(false);
            match read {
                Ok(files) => done(sim.take_over(raw, &files)),
                Err(err) => {
                    // This tab keeps its world; the other tab's stays saved, for a reload to pick up.
                    sim.known.set_value(Some(raw));
                    sim.notice.set(Some(Notice::error(format!(
                        "Another tab changed the simulator, but its host files could not be read ({err}). This \
                         tab keeps its own state; reload the page to see the other tab's."
                    ))));
                    done(None);
                }
            }
        });
        None
    }

    /// Replaces the world by the one another tab saved as `raw`, its files from `files` (for a world saved
    /// with its files kept apart); see [`Sim::adopt`].
    pub(super) fn take_over(&self, raw: String, files: &BTreeMap<String, String>) -> Option<Adopted> {
        match World::from_json_with_files(&raw, |name| files.get(name).cloned()) {
            Ok(newer) => {
                let now = now_ms();
                let adopted = self
                    .world
                    .try_update_value(|world| {
                        let (before, waited) = (world.logins(), world.waiting_for_ped());
                        world.adopt(newer);
                        Adopted { before, after: world.logins(), ped_wait_ended: waited && !world.waiting_for_ped() }
                    })
                    .expect("the world lives as long as the app");
                self.known.set_value(Some(raw));
                // The store holds what the other tab wrote: the files just read.
                self.stored_files.set_value(files.keys().map(|n| (n.clone(), 0)).collect());
                if adopted.ped_wait_ended {
                    // LunaCM no longer waits for the PED: give the user its prompt back.
                    let prompt = self.world.with_value(World::prompt);
                    self.append(&format!("\n(The iKey operation ended in another tab.)\n\n{prompt}"));
                }
                self.refresh(now);
                Some(adopted)
            }
            Err(err) => {
                let kept = persistence::set_aside(&raw);
                self.known.set_value(None);
                let copy = if kept { format!(" It was kept under \"{REJECTED_KEY}\".") } else { String::new() };
                self.notice.set(Some(Notice::error(format!(
                    "Another tab saved a simulator state this tab cannot load: {err}.{copy} This tab keeps \
                     its own state and saves it with the next change."
                ))));
                None
            }
        }
    }

    /// The world was replaced (reset, a lab started): no file in the store is known to match it.
    pub(super) fn world_replaced(&self) {
        self.stored_files.update_value(|m| m.values_mut().for_each(|stamp| *stamp = UNKNOWN));
    }

    /// Saves the world if it differs from what this tab last loaded or wrote (a command that changed
    /// nothing, such as `slot list`, writes nothing and so does not disturb other tabs), remembering what
    /// was written; a failure is shown, not fatal.
    ///
    /// With a file store, the files that changed since they were last stored are written there (one
    /// transaction, see [`Sim::save_files`]), and the world, with their names, to localStorage. A tab
    /// that reads the world and then the files gets them after a transaction under way: the file store
    /// orders them.
    pub(super) fn save(&self) {
        if !self.may_save.get_value() {
            return;
        }
        let db = self.db.get_value();
        let raw = self.world.with_value(|w| if db.is_some() { w.to_json_file_index() } else { w.to_json() });
        if self.known.with_value(|known| known.as_deref() == Some(raw.as_str())) {
            return;
        }
        if db.is_some() {
            self.save_files();
        }
        match persistence::write(&raw) {
            Ok(()) => self.known.set_value(Some(raw)),
            Err(err) => self.notice.set(Some(Notice::error(format!(
                "The simulator state could not be saved: {err}. It lives on in this tab until it is closed."
            )))),
        }
    }

    /// Writes the files that changed since they were last stored, unless a write is under way: then the
    /// changes wait for it to end, and go in one write.
    pub(super) fn save_files(&self) {
        let Some(db) = self.db.get_value() else { return };
        if self.files_writing.get_value() {
            self.files_dirty.set_value(true);
            return;
        }
        let changes = self.world.with_value(|w| self.stored_files.with_value(|stored| file_changes(w, stored)));
        if changes.is_empty() {
            return;
        }
        self.files_writing.set_value(true);
        let sim = *self;
        wasm_bindgen_futures::spawn_local(async move {
            let stamps: Vec<(String, Option<u64>)> =
                changes.iter().map(|(n, t, stamp)| (n.clone(), t.as_ref().map(|_| *stamp))).collect();
            let writes = changes.into_iter().map(|(n, t, _)| (n, t.map(|t| t.to_string()))).collect();
            let written = filestore::write(&db, writes).await;
            sim.files_writing.set_value(false);
            match written {
                Ok(()) => sim.stored_files.update_value(|m| {
                    for (name, stamp) in stamps {
                        match stamp {
                            Some(stamp) => m.insert(name, stamp),
                            None => m.remove(&name),
                        };
                    }
                }),
                Err(err) => sim.notice.set(Some(Notice::error(format!(
                    "The host files could not be saved: {err}. They live on in this tab, which tries again \
                     with the next change; until then a reload would show them as last saved."
                )))),
            }
            if std::mem::take(&mut *sim.files_dirty.write_value()) {
                sim.save_files();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hsm_core::device::ADMIN_SLOT;

    #[test]
    fn the_notice_says_whether_this_tabs_login_survived() {
        let so = (ADMIN_SLOT, Role::So);
        let co = (3, Role::CryptoOfficer);
        let words = |before: Vec<_>, after: Vec<_>| Adopted { before, after, ped_wait_ended: false }.words();
        assert_eq!(words(vec![], vec![]), "No role was logged in here.");
        assert_eq!(words(vec![so], vec![so]), "This tab's login survived: HSM SO (slot 4) is still logged in.");
        assert_eq!(
            words(vec![so, co], vec![so, co]),
            "This tab's login survived: HSM SO (slot 4) and Crypto Officer (slot 3) are still logged in."
        );
        assert_eq!(words(vec![so], vec![]), "That change ended this tab's login: HSM SO (slot 4) is logged out.");
        assert_eq!(
            words(vec![so, co], vec![so]),
            "That change ended this tab's login: Crypto Officer (slot 3) is logged out. Still logged in: HSM SO (slot 4)."
        );
        let ended = Adopted { before: vec![], after: vec![], ped_wait_ended: true }.words();
        assert!(ended.ends_with("The iKey operation this tab's LunaCM waited for is over."));
    }
}
