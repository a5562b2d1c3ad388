//! The simulator as the UI sees it: the core's [`World`] as a plain value, and the few signals the view
//! renders from it. Every change to the world goes through here ([`Sim::act`]), so saving and the
//! two-tab guard (`storage.rs`) apply to all of them.

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

mod storage;

use storage::Adopted;

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
    /// ([`hsm_core::host::HostFiles::stamp`]) then; [`storage::UNKNOWN`] after the world was replaced.
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
