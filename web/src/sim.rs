//! The simulator as the UI sees it: the core's [`World`] as a plain value, and the few signals the view
//! renders from it. Every change to the world goes through here, so saving and the two-tab guard live in
//! one place.

use hsm_core::device::{Role, Screen, SlotId};
use hsm_core::ikey::Color;
use hsm_core::lunacm::PROMPT;
use hsm_core::{IKeyView, World};
use leptos::prelude::*;

use std::collections::BTreeMap;

use web_sys::IdbDatabase;

use crate::filestore::{self, Opened};
use crate::model::{self, AuditView, EnvironmentView, HostFile, LabView, PolicyTables, SlotStatus};
use crate::notice::Notice;
use crate::persistence::{self, Loaded, REJECTED_KEY, WORLD_KEY};
use crate::transcript::Transcript;

/// The simulator's state and its handles. `Copy`: every component gets it from context.
#[derive(Clone, Copy)]
pub struct Sim {
    /// The model: everything that persists. Not reactive itself; the signals below are derived from it
    /// after each change.
    world: StoredValue<World, LocalStorage>,
    /// The raw value this tab last loaded from or wrote to storage. Storage holding anything else means
    /// another tab wrote it since.
    known: StoredValue<Option<String>>,
    /// The file store (IndexedDB), if the browser gives one. Without it the world is saved whole.
    db: StoredValue<Option<IdbDatabase>, LocalStorage>,
    /// The host files the file store holds as this tab last wrote or read them: each file's change stamp
    /// ([`hsm_core::host::HostFiles::stamp`]) then; [`UNKNOWN`] after the world was replaced.
    stored_files: StoredValue<BTreeMap<String, u64>>,
    /// Set while this tab reads another tab's files to take its change over (the file store answers
    /// later): meanwhile nothing is changed or saved here.
    adopting: StoredValue<bool>,
    /// Set while a write to the file store is under way; `files_dirty` when files changed meanwhile. One
    /// write at a time, the next one taking every change since: lines come faster than large files can
    /// be written, and queued writes would pile up in memory.
    files_writing: StoredValue<bool>,
    files_dirty: StoredValue<bool>,
    /// Cleared when this tab must not save: the saved world's files could not be read, and saving would
    /// lose them.
    may_save: StoredValue<bool>,
    /// Everything LunaCM printed since it started, ending with the current prompt.
    pub transcript: RwSignal<Transcript>,
    /// What the touchscreen shows.
    pub screen: RwSignal<Screen>,
    /// The iKeys on the desk and in the port, by id.
    pub ikeys: RwSignal<Vec<IKeyView>>,
    /// LunaCM waits for an iKey ceremony on the touchscreen to end ("Please attend to the PED.").
    pub waiting_for_ped: RwSignal<bool>,
    /// LunaCM waits for a password: mask the input.
    pub masked: RwSignal<bool>,
    /// The world's revision (changes since the unit was made), shown in the terminal's title bar
    /// and in notices, so that two tabs can be compared at a glance.
    pub revision: RwSignal<u64>,
    /// The simulator's own message to the user, if any.
    pub notice: RwSignal<Option<Notice>>,
    /// LunaCM's current slot, the roles logged in and the application partition, for the device drawing.
    pub slots: RwSignal<SlotStatus>,
    /// The HSM and partition policies, for the policies panel.
    pub policies: RwSignal<PolicyTables>,
    /// The host computer's files, for the files panel.
    pub files: RwSignal<Vec<HostFile>>,
    /// The audit files, the HSM's store of records and the last verification, for the audit panel.
    pub audit: RwSignal<AuditView>,
    /// The lab in progress, for the labs panel.
    pub lab: RwSignal<Option<LabView>>,
    /// The unit in front's temperature, rail and status, for the environment control.
    pub environment: RwSignal<EnvironmentView>,
}

/// A stored file's stamp when it is not known to match this tab's world: it is written again.
const UNKNOWN: u64 = u64::MAX;

/// "HSM SO (slot 4)", "HSM SO (slot 4) and Crypto Officer (slot 3)".
fn login_words(logins: &[(SlotId, Role)]) -> String {
    let each: Vec<String> = logins.iter().map(|(slot, role)| format!("{role} (slot {slot})")).collect();
    each.join(" and ")
}

/// What taking over another tab's world did to this tab's LunaCM session.
struct Adopted {
    /// The roles logged in before, and after.
    before: Vec<(SlotId, Role)>,
    after: Vec<(SlotId, Role)>,
    /// LunaCM waited for an iKey ceremony that the other tab's change ended.
    ped_wait_ended: bool,
}

impl Adopted {
    /// The notice's sentences about the session: whether this tab's login survived.
    fn words(&self) -> String {
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

/// Milliseconds since the epoch, from the browser's clock.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Whether LunaCM waits for the PED ("Please attend to the PED.").
fn waits_for_ped(world: &World) -> bool {
    world.waiting_for_ped()
}

/// A factory-fresh unit, seeded from the browser's CSPRNG.
fn fresh_world(now: u64) -> World {
    let mut seed = [0u8; 8];
    // crypto.getRandomValues does not fail for 8 bytes in any browser this app runs in.
    getrandom::getrandom(&mut seed).expect("crypto.getRandomValues is available");
    World::new(u64::from_le_bytes(seed), now)
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
    /// Loads the saved world (or makes a factory-fresh one), its host files from the file store the page
    /// opened, and starts a LunaCM session on it: opening the page is starting LunaCM.
    pub fn start(opened: Opened) -> Sim {
        let now = now_ms();
        let mut notice = None;
        let mut may_save = true;
        let (mut world, known) = match persistence::load(&opened.files) {
            Loaded::Saved(world, raw, missing) => {
                if let (true, Some(problem)) = (persistence::file_index(&raw).is_some(), &opened.problem) {
                    // The files are in a store this tab cannot read: saving would drop them.
                    may_save = false;
                    notice = Some(Notice::error(format!(
                        "The host files could not be read from the browser's IndexedDB ({problem}): they show                          empty here, and this tab saves nothing, so that they are not lost."
                    )));
                } else if !missing.is_empty() {
                    notice = Some(Notice::warning(format!(
                        "These host files were not in the browser's storage and are empty: {}.",
                        missing.join(", ")
                    )));
                }
                (*world, Some(raw))
            }
            Loaded::Empty => (fresh_world(now), None),
            Loaded::Rejected { reason, kept } => {
                let copy = if kept {
                    format!("The unusable value was kept in localStorage under \"{REJECTED_KEY}\".")
                } else {
                    format!(
                        "A copy could not be written to \"{REJECTED_KEY}\"; the value is still under \
                         \"{WORLD_KEY}\" and will be replaced by the next command."
                    )
                };
                notice = Some(Notice::error(format!(
                    "Could not restore the simulator: {reason}. {copy} Started a factory-fresh unit instead."
                )));
                let known = if kept { None } else { persistence::read() };
                (fresh_world(now), known)
            }
        };
        if notice.is_none() && !persistence::available() {
            notice = Some(Notice::warning(
                "This browser gives the page no localStorage: the simulator works, but nothing is saved.",
            ));
        }
        let banner = world.start_session();
        // What the store holds is what was loaded (stamp 0: unchanged since); a world saved whole by an
        // earlier version has its files moved into the store by the first save.
        let stored_files: BTreeMap<String, u64> = opened.files.keys().map(|n| (n.clone(), 0)).collect();
        let (slots, policies, files) = (SlotStatus::of(&world), PolicyTables::of(&world), model::files_of(&world));
        let lab = LabView::of(&world, now);
        let environment = EnvironmentView::of(&world);
        let audit = AuditView::of(&world);
        let sim = Sim {
            screen: RwSignal::new(world.screen(now)),
            ikeys: RwSignal::new(world.ikeys()),
            waiting_for_ped: RwSignal::new(waits_for_ped(&world)),
            masked: RwSignal::new(world.input_masked()),
            revision: RwSignal::new(world.revision()),
            world: StoredValue::new_local(world),
            known: StoredValue::new(known),
            db: StoredValue::new_local(opened.db),
            stored_files: StoredValue::new(stored_files),
            adopting: StoredValue::new(false),
            files_writing: StoredValue::new(false),
            files_dirty: StoredValue::new(false),
            may_save: StoredValue::new(may_save),
            transcript: RwSignal::new(Transcript::new(banner)),
            notice: RwSignal::new(notice),
            slots: RwSignal::new(slots),
            policies: RwSignal::new(policies),
            files: RwSignal::new(files),
            audit: RwSignal::new(audit),
            lab: RwSignal::new(lab),
            environment: RwSignal::new(environment),
        };
        sim.publish_screen();
        // A new unit is saved at once, so that a second tab opened now shows the same unit.
        if sim.known.with_value(Option::is_none) && persistence::available() {
            sim.save();
        }
        sim
    }

    /// Whether LunaCM waits for a command (rather than an answer to one of its prompts, or the PED).
    pub fn at_command_prompt(&self) -> bool {
        self.world.with_value(|w| w.prompt() == PROMPT)
    }

    /// Runs one line typed in the terminal, then saves (unless another tab saved first: see [`Sim::act`]).
    /// Returns whether the line was run; one that was not is for the terminal to give back to the user.
    pub fn enter(&self, line: &str) -> bool {
        self.act("Your line was not run: it is back in the input, press Enter to run it now.", |world, now| {
            let reply = world.enter(line, now);
            (format!("{}\n{}", reply.echo, reply.text), ())
        })
        .is_some()
    }

    /// Writes a file on the host (an upload, or an edit saved in the files panel). Returns whether it was
    /// written; why not (too big, a bad name) is shown as a notice.
    pub fn put_file(&self, name: &str, text: String) -> bool {
        self.physical("The file was not saved: save it again.", |world, _| {
            world.put_file(name, text).map(|()| String::new())
        })
    }

    /// Deletes a file on the host. Returns whether it was deleted.
    pub fn remove_file(&self, name: &str) -> bool {
        self.physical("The file was not deleted: delete it again.", |world, _| {
            if world.remove_file(name) {
                Ok(String::new())
            } else {
                Err(format!("There is no file '{name}' on the host."))
            }
        })
    }

    /// Pushes iKey `id` from the desk into the HSM's iKey port. Returns whether it went in; why not is
    /// shown as a notice.
    pub fn insert_ikey(&self, id: u32) -> bool {
        self.physical("The iKey was not moved: do it again.", |world, now| world.insert_ikey(id, now))
    }

    /// Pulls the iKey out of the port back onto the desk. Returns whether it came out.
    pub fn remove_ikey(&self) -> bool {
        self.physical("The iKey was not moved: do it again.", |world, now| world.remove_ikey(now))
    }

    /// Taps a touchscreen button (a keypad digit, `Clear`, or a button by its visible text).
    pub fn tap(&self, label: &str) {
        self.act("The tap was not passed on: tap again.", |world, now| (world.tap(label, now), ()));
    }

    /// Puts a new blank iKey on the desk. Returns its id.
    pub fn add_blank_ikey(&self) -> Option<u32> {
        self.act("No iKey was added: add it again.", |world, _| (String::new(), world.add_blank_ikey()))
    }

    /// Writes on the sticker of iKey `id` (which must be on the desk). Returns whether it was written;
    /// why not is shown as a notice.
    pub fn set_sticker(&self, id: u32, color: Option<Color>, label: &str) -> bool {
        self.physical("The sticker was not written: write it again.", |world, _| {
            world.set_sticker(id, color, label).map(|()| String::new())
        })
    }

    /// Loses iKey `id` (lost, stolen or destroyed): it leaves the desk for good. Returns whether it went.
    pub fn lose_ikey(&self, id: u32) -> bool {
        self.physical("the iKey was not lost. Try again.", |world, _| world.lose_ikey(id).map(|()| String::new()))
    }

    /// The unit in front's temperature and 5 V rail change (the environment control): out of range, it
    /// tampers or halts. Returns whether the change was made.
    pub fn set_environment(&self, temperature_dc: i32, rail_mv: u32) -> bool {
        self.physical("The environment did not change: set it again.", |world, now| {
            let mut sensors = world.front_hsm().sensors();
            sensors.temperature_dc = temperature_dc;
            sensors.rail_mv = rail_mv;
            world.set_sensors(sensors, now);
            Ok(String::new())
        })
    }

    /// The unit in front's USB cable is unplugged for `seconds` and plugged again.
    pub fn power_cycle(&self, seconds: u64) -> bool {
        self.physical("The unit was not unplugged: try again.", |world, now| Ok(world.power_cycle(seconds, now)))
    }

    /// A physical action that can be refused (port occupied, no such key): its LunaCM output goes to
    /// the transcript, a refusal to the notice bar.
    fn physical(&self, refused: &str, change: impl FnOnce(&mut World, u64) -> Result<String, String>) -> bool {
        let outcome = self.act(refused, |world, now| match change(world, now) {
            Ok(text) => (text, Ok(())),
            Err(err) => (String::new(), Err(err)),
        });
        match outcome {
            Some(Ok(())) => true,
            Some(Err(err)) => {
                self.notice.set(Some(Notice::warning(err)));
                false
            }
            None => false,
        }
    }

    /// Changes the world, adds the LunaCM output the change returned to the transcript, then saves.
    /// Every line, tap, iKey move and file change goes through here.
    ///
    /// If another tab saved since this tab last loaded or saved, the change is not made: this tab takes
    /// over that state (keeping its LunaCM session) and says so, ending the notice with `refused`,
    /// rather than overwriting it with a world the other tab's change never reached.
    fn act<R>(&self, refused: &str, change: impl FnOnce(&mut World, u64) -> (String, R)) -> Option<R> {
        if self.adopting.get_value() {
            self.notice
                .set(Some(Notice::warning(format!("This tab is still taking over another tab's change. {refused}"))));
            return None;
        }
        if let Some(raw) = self.written_elsewhere() {
            let sim = *self;
            let refused = refused.to_string();
            let done = move |adopted: Option<Adopted>| {
                if let Some(adopted) = adopted {
                    sim.notice.set(Some(Notice::warning(format!(
                        "Another tab changed the simulator since this tab last saved. This tab reloaded that \
                         change (revision {}) and kept its LunaCM session. {} {refused}",
                        sim.revision.get_untracked(),
                        adopted.words()
                    ))));
                }
            };
            match self.adopt(raw, done) {
                // What the other tab wrote was unusable and is set aside: nothing of its to overwrite.
                Some(false) => {}
                // Taken over, or being taken over: the change is not made.
                _ => return None,
            }
        }
        let now = now_ms();
        let (text, result) = self
            .world
            .try_update_value(|world| {
                let out = change(world, now);
                // The core judges the lab after every change.
                world.evaluate_lab(now);
                out
            })
            .expect("the world lives as long as the app");
        self.append(&text);
        self.refresh(now);
        self.save();
        Some(result)
    }

    /// Replaces the world with a factory-fresh unit, restarts LunaCM and saves.
    pub fn reset(&self) {
        let now = now_ms();
        let mut world = fresh_world(now);
        let banner = world.start_session();
        self.world.set_value(world);
        self.world_replaced();
        self.transcript.update(|t| t.restart(banner));
        self.refresh(now);
        self.save();
        self.notice.set(Some(Notice::info("The simulator was reset: a factory-fresh unit, in Secure Transport Mode.")));
    }

    /// Starts lab `id` (or starts it again): the world becomes the lab's starting state, LunaCM restarts,
    /// and the world is saved.
    pub fn start_lab(&self, id: &str) {
        let now = now_ms();
        let started = self
            .world
            .try_update_value(|world| world.start_lab(id).map(|()| world.start_session()))
            .expect("the world lives as long as the app");
        match started {
            Ok(banner) => {
                self.world_replaced();
                self.transcript.update(|t| t.restart(banner));
                self.refresh(now);
                self.save();
                let title = self.lab.with_untracked(|l| l.as_ref().map(|l| l.title.clone())).unwrap_or_default();
                self.notice
                    .set(Some(Notice::info(format!("Lab started: {title}. The HSM is in the lab's starting state."))));
            }
            Err(err) => self.notice.set(Some(Notice::error(format!("The lab could not start: {err}")))),
        }
    }

    /// Leaves the lab; the world stays as it is.
    pub fn stop_lab(&self) {
        self.act("The lab was not left: leave it again.", |world, _| {
            world.stop_lab();
            (String::new(), ())
        });
    }

    /// Reveals the current step's next hint.
    pub fn reveal_hint(&self) {
        self.act("No hint was revealed: ask again.", |world, _| {
            if let Some(run) = world.lab_mut() {
                run.reveal_hint();
            }
            (String::new(), ())
        });
    }

    /// Shows the current step's solution; the run remembers that it was viewed.
    pub fn view_solution(&self) {
        self.act("The solution was not shown: ask again.", |world, _| {
            if let Some(run) = world.lab_mut() {
                run.view_solution();
            }
            (String::new(), ())
        });
    }

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

    /// Lets time pass, once a second. While an iKey ceremony runs, the device is told the time (an iKey
    /// wait times out after 120 s) and what that ends is printed and saved; otherwise only the
    /// touchscreen is read again.
    pub fn tick(&self) {
        let now = now_ms();
        let running = self.world.with_value(World::busy);
        if !running && !self.waiting_for_ped.get_untracked() {
            let screen = self.world.with_value(|world| world.screen(now));
            if self.screen.with_untracked(|s| *s != screen) {
                self.screen.set(screen);
                self.publish_screen();
            }
            return;
        }
        // Time must not end a ceremony in a world another tab has moved on from.
        if self.adopting.get_value() {
            return;
        }
        if let Some(raw) = self.written_elsewhere() {
            self.adopt_from_other_tab(raw);
            return;
        }
        let text = self.world.try_update_value(|world| world.tick(now)).expect("the world lives as long as the app");
        let ended = running && !self.world.with_value(World::busy);
        self.append(&text);
        self.refresh(now);
        if !text.is_empty() || ended {
            self.save();
        }
    }

    /// Stored text that this tab neither loaded nor wrote. A key that disappeared does not count: there
    /// is nothing of anyone's to overwrite.
    fn written_elsewhere(&self) -> Option<String> {
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
    fn adopt(&self, raw: String, done: impl FnOnce(Option<Adopted>) + 'static) -> Option<bool> {
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
    fn take_over(&self, raw: String, files: &BTreeMap<String, String>) -> Option<Adopted> {
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
    fn world_replaced(&self) {
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
    fn save(&self) {
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
    fn save_files(&self) {
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

    /// Adds output to the transcript.
    fn append(&self, text: &str) {
        if !text.is_empty() {
            self.transcript.update(|t| t.push(text.to_string()));
        }
    }

    /// Re-derives the signals from the world after it changed.
    fn refresh(&self, now: u64) {
        let (screen, masked, revision, ikeys, ped) =
            self.world.with_value(|w| (w.screen(now), w.input_masked(), w.revision(), w.ikeys(), waits_for_ped(w)));
        if self.screen.with_untracked(|s| *s != screen) {
            self.screen.set(screen);
            self.publish_screen();
        }
        if self.masked.get_untracked() != masked {
            self.masked.set(masked);
        }
        if self.ikeys.with_untracked(|k| *k != ikeys) {
            self.ikeys.set(ikeys);
        }
        if self.waiting_for_ped.get_untracked() != ped {
            self.waiting_for_ped.set(ped);
        }
        if self.revision.get_untracked() != revision {
            self.revision.set(revision);
        }
        let (slots, policies) = self.world.with_value(|w| (SlotStatus::of(w), PolicyTables::of(w)));
        if self.slots.with_untracked(|s| *s != slots) {
            self.slots.set(slots);
        }
        if self.policies.with_untracked(|p| *p != policies) {
            self.policies.set(policies);
        }
        if !self.world.with_value(|w| self.files.with_untracked(|f| model::same_files(f, w))) {
            self.files.set(self.world.with_value(model::files_of));
        }
        let audit = self.world.with_value(AuditView::of);
        if self.audit.with_untracked(|a| *a != audit) {
            self.audit.set(audit);
        }
        let environment = self.world.with_value(EnvironmentView::of);
        if self.environment.with_untracked(|e| *e != environment) {
            self.environment.set(environment);
        }
        let lab = self.world.with_value(|w| LabView::of(w, now));
        if self.lab.with_untracked(|l| *l != lab) {
            self.lab.set(lab);
        }
    }

    /// Exposes the touchscreen as `window.lunaScreen` (a plain object), for scripted demos and tests.
    fn publish_screen(&self) {
        let value = self.screen.with_untracked(serde_wasm_bindgen::to_value);
        if let (Some(window), Ok(value)) = (web_sys::window(), value) {
            let _ = js_sys::Reflect::set(&window, &"lunaScreen".into(), &value);
        }
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
