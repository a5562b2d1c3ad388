//! The simulator as the page sees it. The world runs in a Web Worker (`hsm-worker`, see
//! [`hsm_core::worker`]), so that nothing the core does can freeze the page: every user action is posted
//! to it ([`Sim::call`]) and its answer sets the signals the view renders. The page keeps what only a
//! page can do: saving (`storage.rs`) and the other tabs.

use hsm_core::device::Screen;
use hsm_core::ikey::Color;
use hsm_core::view::{
    AuditView, AuthoringView, EnvironmentView, HostFile, LabView, PolicyTables, SlotStatus, ViewChange,
};
use hsm_core::worker::usb::{AttachedView, UsbEvent};
use hsm_core::worker::{Adopted, Call, Event, Message, Output, ToCore, ToPage};
use hsm_core::IKeyView;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use std::collections::BTreeMap;

use web_sys::{IdbDatabase, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::filestore::Opened;
use crate::notice::Notice;
use crate::persistence::{self, REJECTED_KEY, WORLD_KEY};
use crate::transcript::Transcript;

mod storage;

/// The worker's loader, beside the page (Trunk does not hash worker files).
const WORKER_URL: &str = "hsm-worker_loader.js";

/// What a call's caller is told when the worker answers: `Ok(Some(id))` for a new iKey, `Ok(None)`
/// otherwise, or why the world refused; and what LunaCM printed.
type Done = Box<dyn FnOnce(Result<Option<u32>, String>, &str)>;

/// What the taker-over of another tab's change is told: what it did to this tab's session, or `None`.
type AdoptDone = Box<dyn FnOnce(Option<Adopted>)>;

/// The simulator's state and its handles. `Copy`: every component gets it from context.
#[derive(Clone, Copy)]
pub struct Sim {
    /// The worker running the world, once created.
    worker: StoredValue<Option<Worker>, LocalStorage>,
    /// Messages for the worker before it said it is ready (it drops what comes earlier).
    outbox: StoredValue<Option<Vec<String>>>,
    /// The id of the next call, and the callers waiting for their answers by id.
    next_call: StoredValue<u32>,
    waiting: StoredValue<BTreeMap<u32, Done>, LocalStorage>,
    /// The raw value this tab last loaded from or wrote to storage (the browser's string, never copied
    /// here: see [`persistence::read_value`]). Storage holding anything else means another tab wrote it
    /// since.
    known: StoredValue<Option<JsValue>, LocalStorage>,
    /// The file store (IndexedDB), if the browser gives one. Without it the world is saved whole.
    db: StoredValue<Option<IdbDatabase>, LocalStorage>,
    /// Set while this tab takes another tab's change over (reading its files, then the worker loading
    /// it): meanwhile nothing is changed or saved here. `adopted` is told how it went.
    adopting: StoredValue<bool>,
    adopted: StoredValue<Option<AdoptDone>, LocalStorage>,
    /// Host files waiting to be written to the file store, and whether a write is under way. One write
    /// at a time, the next one taking every change since (the newest text of each file): lines come
    /// faster than large files can be written, and queued writes would pile up in memory.
    files_pending: StoredValue<BTreeMap<String, Option<JsValue>>, LocalStorage>,
    files_writing: StoredValue<bool>,
    /// Cleared when this tab must not save: the saved world's files could not be read, and saving would
    /// lose them.
    may_save: StoredValue<bool>,
    /// A world of its own that is never saved, never read from storage and never follows other tabs
    /// (an embedded demo must not touch the trainee's world), made from this seed, also on reset.
    own_seed: StoredValue<Option<u64>>,
    /// Set when the worker has opened the world: until then there is nothing to draw.
    pub opened: RwSignal<bool>,
    /// Everything LunaCM printed since it started, ending with the current prompt.
    pub transcript: RwSignal<Transcript>,
    /// Lines typed that the worker has not answered yet (a key generation takes a while).
    pub lines_running: RwSignal<u32>,
    /// What the touchscreen shows.
    pub screen: RwSignal<Screen>,
    /// The iKeys on the desk and in the port, by id.
    pub ikeys: RwSignal<Vec<IKeyView>>,
    /// LunaCM waits for an iKey ceremony on the touchscreen to end ("Please attend to the PED.").
    pub waiting_for_ped: RwSignal<bool>,
    /// A unit runs something that time ends (an iKey ceremony), with or without LunaCM waiting.
    pub busy: RwSignal<bool>,
    /// LunaCM waits for a password: mask the input.
    pub masked: RwSignal<bool>,
    /// LunaCM waits for a command (not an answer to a question of its own, nor the PED).
    pub at_command_prompt: RwSignal<bool>,
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
    /// A training unit on a USB cable that the terminal drives instead of the simulated unit.
    pub attached: RwSignal<Option<AttachedView>>,
    /// The lab being recorded or recorded (instructor panel, "Author a lab"), if any.
    pub authoring: RwSignal<Option<AuthoringView>>,
}

/// Eight bytes from the browser's CSPRNG: the seed of a factory-fresh unit.
fn seed() -> u64 {
    let mut seed = [0u8; 8];
    // crypto.getRandomValues does not fail for 8 bytes in any browser this app runs in.
    getrandom::getrandom(&mut seed).expect("crypto.getRandomValues is available");
    u64::from_le_bytes(seed)
}

impl Sim {
    /// Starts the worker and opens in it the saved world (or a factory-fresh one) with its host files
    /// from the file store the page opened: opening the page is starting LunaCM. The signals fill when
    /// the worker answers.
    pub fn start(opened: Opened) -> Sim {
        Sim::start_with(opened, None)
    }

    /// A simulator of its own (see `own_seed`): a fresh unit from `seed`, never saved.
    pub fn start_apart(seed: u64) -> Sim {
        let opened = Opened { db: None, files: BTreeMap::new(), problem: None };
        Sim::start_with(opened, Some(seed))
    }

    fn start_with(opened: Opened, own_seed: Option<u64>) -> Sim {
        let mut may_save = own_seed.is_none();
        let mut notice = None;
        let saved = if own_seed.is_none() { persistence::read() } else { None };
        if let (Some(raw), Some(problem)) = (&saved, &opened.problem) {
            if persistence::file_index(raw).is_some() {
                // The files are in a store this tab cannot read: saving would drop them.
                may_save = false;
                notice = Some(Notice::error(format!(
                    "The host files could not be read from the browser's IndexedDB ({problem}): they show \
                     empty here, and this tab saves nothing, so that they are not lost."
                )));
            }
        }
        let file_store = opened.db.is_some();
        let sim = Sim {
            worker: StoredValue::new_local(None),
            outbox: StoredValue::new(Some(Vec::new())),
            next_call: StoredValue::new(1),
            waiting: StoredValue::new_local(BTreeMap::new()),
            known: StoredValue::new_local(saved.as_deref().map(JsValue::from_str)),
            db: StoredValue::new_local(opened.db),
            adopting: StoredValue::new(false),
            adopted: StoredValue::new_local(None),
            files_pending: StoredValue::new_local(BTreeMap::new()),
            files_writing: StoredValue::new(false),
            may_save: StoredValue::new(may_save),
            own_seed: StoredValue::new(own_seed),
            opened: RwSignal::new(false),
            transcript: RwSignal::new(Transcript::default()),
            lines_running: RwSignal::new(0),
            screen: RwSignal::new(Screen::default()),
            ikeys: RwSignal::new(Vec::new()),
            waiting_for_ped: RwSignal::new(false),
            busy: RwSignal::new(false),
            masked: RwSignal::new(false),
            at_command_prompt: RwSignal::new(true),
            revision: RwSignal::new(0),
            notice: RwSignal::new(notice),
            slots: RwSignal::new(SlotStatus::default()),
            policies: RwSignal::new(PolicyTables::default()),
            files: RwSignal::new(Vec::new()),
            audit: RwSignal::new(AuditView::default()),
            lab: RwSignal::new(None),
            environment: RwSignal::new(EnvironmentView::default()),
            attached: RwSignal::new(None),
            authoring: RwSignal::new(None),
        };
        sim.post(ToCore::Open { saved, files: opened.files, file_store, seed: own_seed.unwrap_or_else(seed) });
        sim.spawn_worker();
        sim
    }

    /// Creates the worker and listens to it. Its first message is "ready": the queued messages follow.
    fn spawn_worker(&self) {
        let sim = *self;
        let failed = move |why: String| {
            sim.notice.set(Some(Notice::error(format!(
                "The simulator could not start its worker ({why}). Reload the page; your saved state is kept."
            ))));
        };
        let url = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.base_uri().ok().flatten())
            .and_then(|base| web_sys::Url::new_with_base(WORKER_URL, &base).ok())
            .map(|u| u.href())
            .unwrap_or_else(|| WORKER_URL.to_string());
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = match Worker::new_with_options(&url, &options) {
            Ok(worker) => worker,
            Err(err) => return failed(format!("{err:?}")),
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            // A reply that saves comes as an array: its JSON, then what to save (see `hsm-worker`).
            let save = data.is_array().then(|| data.clone().unchecked_into::<js_sys::Array>());
            let text = match &save {
                Some(save) => save.shift().as_string(),
                None => data.as_string(),
            };
            let Some(text) = text else { return };
            if text == "ready" {
                sim.flush_outbox();
                return;
            }
            match serde_json::from_str::<ToPage>(&text) {
                Ok(msg) => sim.receive(msg, save),
                Err(err) => sim
                    .notice
                    .set(Some(Notice::error(format!("The simulator's worker said something unreadable: {err}.")))),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        // A panic in the worker ends it: say so rather than leave a terminal that never answers.
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |ev: web_sys::ErrorEvent| {
            sim.notice.set(Some(Notice::error(format!(
                "The simulator stopped: {}. Reload the page; the state saved before the last action is kept.",
                ev.message()
            ))));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        self.worker.set_value(Some(worker));
    }

    /// Sends a message to the worker, stamped with the page's clock, or queues it until the worker is
    /// ready.
    fn post(&self, msg: ToCore) {
        let now = js_sys::Date::now() as u64;
        let Ok(text) = serde_json::to_string(&Message { now, msg }) else { return };
        let queued = self.outbox.try_update_value(|outbox| outbox.as_mut().map(|q| q.push(text.clone()))).flatten();
        if queued.is_none() {
            self.worker.with_value(|w| {
                if let Some(w) = w {
                    let _ = w.post_message(&text.into());
                }
            });
        }
    }

    /// The worker is ready: what waited for it goes now, in order.
    fn flush_outbox(&self) {
        let queued = self.outbox.try_update_value(Option::take).flatten().unwrap_or_default();
        for text in queued {
            self.worker.with_value(|w| {
                if let Some(w) = w {
                    let _ = w.post_message(&text.into());
                }
            });
        }
    }

    /// One message from the worker: the output, the view, the answer to a call, and what to save, if
    /// anything (see [`Sim::save`]).
    fn receive(&self, msg: ToPage, save: Option<js_sys::Array>) {
        let printed = match &msg.output {
            Some(Output::Append(text) | Output::Restart(text)) => text.clone(),
            None => String::new(),
        };
        match msg.output {
            Some(Output::Append(text)) => self.transcript.update(|t| t.push(text)),
            Some(Output::Restart(banner)) => self.transcript.update(|t| t.restart(banner)),
            None => {}
        }
        self.show(msg.view);
        if let Some(event) = msg.event {
            self.event(event);
        }
        if let Some(save) = save {
            self.save(save);
        }
        if let Some(out) = msg.usb {
            crate::usb::perform(*self, out);
        }
        if let Some(answer) = msg.answer {
            if let Some(done) = self.waiting.try_update_value(|w| w.remove(&answer.id)).flatten() {
                // A call that is no LunaCM line (an application's) is told what it got back.
                let printed = if answer.said.is_empty() { printed } else { answer.said };
                done(answer.outcome, &printed);
            }
        }
    }

    /// Sets the signals whose part of the view changed.
    fn show(&self, change: ViewChange) {
        if let Some(screen) = change.screen {
            self.screen.set(screen);
            self.publish_screen();
        }
        fn set<T: Send + Sync + 'static>(signal: RwSignal<T>, value: Option<T>) {
            if let Some(value) = value {
                signal.set(value);
            }
        }
        set(self.ikeys, change.ikeys);
        set(self.waiting_for_ped, change.waiting_for_ped);
        set(self.busy, change.busy);
        set(self.masked, change.masked);
        set(self.at_command_prompt, change.at_command_prompt);
        set(self.revision, change.revision);
        set(self.slots, change.slots);
        set(self.policies, change.policies);
        if let Some(files) = change.files {
            self.files.update(|f| *f = files.apply(f));
        }
        set(self.audit, change.audit);
        set(self.lab, change.lab);
        set(self.environment, change.environment);
        set(self.attached, change.attached);
        set(self.authoring, change.authoring);
    }

    /// Tells the worker what happened on the USB link.
    pub fn usb(&self, event: UsbEvent) {
        self.post(ToCore::Usb(event));
    }

    /// What the worker tells besides the view: how opening went, how taking over another tab went.
    fn event(&self, event: Event) {
        match event {
            Event::Opened { rejected, missing } => self.opened(rejected, missing),
            Event::Adopted(adopted) => self.finish_adopting(Some(adopted)),
            Event::NotAdopted(err) => {
                self.not_adopted(&err);
                self.finish_adopting(None);
            }
        }
    }

    /// The world is open in the worker: say what was wrong with the saved one, if anything.
    fn opened(&self, rejected: Option<String>, missing: Vec<String>) {
        self.opened.set(true);
        if let Some(reason) = rejected {
            let raw = self.known.with_value(|k| k.as_ref().and_then(JsValue::as_string)).unwrap_or_default();
            let kept = persistence::set_aside(&raw);
            let copy = if kept {
                format!("The unusable value was kept in localStorage under \"{REJECTED_KEY}\".")
            } else {
                format!(
                    "A copy could not be written to \"{REJECTED_KEY}\"; the value is still under \"{WORLD_KEY}\" \
                     and will be replaced by the next command."
                )
            };
            self.known.set_value(if kept { None } else { Some(JsValue::from_str(&raw)) });
            self.notice.set(Some(Notice::error(format!(
                "Could not restore the simulator: {reason}. {copy} Started a factory-fresh unit instead."
            ))));
        } else if !missing.is_empty() && self.notice.with_untracked(Option::is_none) {
            self.notice.set(Some(Notice::warning(format!(
                "These host files were not in the browser's storage and are empty: {}.",
                missing.join(", ")
            ))));
        }
        if self.notice.with_untracked(Option::is_none) && !persistence::available() && self.may_save.get_value() {
            self.notice.set(Some(Notice::warning(
                "This browser gives the page no localStorage: the simulator works, but nothing is saved.",
            )));
        }
    }

    /// Posts a user action to the world. If another tab saved since this tab last loaded or saved, the
    /// action is not posted: this tab takes over that state (keeping its LunaCM session) and says so,
    /// ending the notice with `refused`, rather than overwriting it with a world the other tab's change
    /// never reached. Returns whether the action was posted; `done` is told the worker's answer.
    fn call(&self, refused: &str, call: Call, done: impl FnOnce(Result<Option<u32>, String>, &str) + 'static) -> bool {
        if self.adopting.get_value() {
            self.notice
                .set(Some(Notice::warning(format!("This tab is still taking over another tab's change. {refused}"))));
            return false;
        }
        if let Some(raw) = self.written_elsewhere() {
            let sim = *self;
            let refused = refused.to_string();
            self.adopt(raw, move |adopted| {
                if let Some(adopted) = adopted {
                    sim.notice.set(Some(Notice::warning(format!(
                        "Another tab changed the simulator since this tab last saved. This tab reloaded that \
                         change (revision {}) and kept its LunaCM session. {} {refused}",
                        adopted.revision,
                        adopted.words()
                    ))));
                }
            });
            return false;
        }
        let id = self.next_call.get_value();
        self.next_call.set_value(id.wrapping_add(1));
        self.waiting.update_value(|w| {
            w.insert(id, Box::new(done));
        });
        self.post(ToCore::Call { id, call });
        true
    }

    /// A physical action that can be refused (port occupied, no such key): a refusal goes to the notice
    /// bar; `done` is told whether it was done.
    fn physical(&self, refused: &str, call: Call, done: impl FnOnce(bool) + 'static) {
        let sim = *self;
        self.call(refused, call, move |outcome, _| match outcome {
            Ok(_) => done(true),
            Err(err) => {
                sim.notice.set(Some(Notice::warning(err)));
                done(false)
            }
        });
    }

    /// Runs one line typed in the terminal. Returns whether it was posted; one that was not is for the
    /// terminal to give back to the user.
    pub fn enter(&self, line: &str) -> bool {
        self.run(line, |_| {})
    }

    /// Runs one line as if typed in the terminal; `done` is told what LunaCM printed after the line's
    /// echo. Returns whether it was posted (see [`Sim::enter`]).
    pub fn run(&self, line: &str, done: impl FnOnce(&str) + 'static) -> bool {
        let sim = *self;
        let posted = self.call(
            "Your line was not run: it is back in the input, press Enter to run it now.",
            Call::Enter { line: line.to_string() },
            move |_, printed| {
                sim.lines_running.update(|n| *n = n.saturating_sub(1));
                done(printed.split_once('\n').map_or("", |(_, out)| out));
            },
        );
        if posted {
            self.lines_running.update(|n| *n += 1);
        }
        posted
    }

    /// Writes a file on the host (an upload, or an edit saved in the files panel); `done` is told whether
    /// it was written (why not, too big or a bad name, is shown as a notice).
    pub fn put_file(&self, name: &str, text: String, done: impl FnOnce(bool) + 'static) {
        let call = Call::PutFile { name: name.to_string(), text };
        self.physical("The file was not saved: save it again.", call, done);
    }

    /// Deletes a file on the host; `done` is told whether it was deleted.
    pub fn remove_file(&self, name: &str, done: impl FnOnce(bool) + 'static) {
        let call = Call::RemoveFile { name: name.to_string() };
        self.physical("The file was not deleted: delete it again.", call, done);
    }

    /// Pushes iKey `id` from the desk into the HSM's iKey port; `done` is told whether it went in.
    pub fn insert_ikey(&self, id: u32, done: impl FnOnce(bool) + 'static) {
        self.physical("The iKey was not moved: do it again.", Call::InsertIkey { ikey: id }, done);
    }

    /// Pulls the iKey out of the port back onto the desk; `done` is told whether it came out.
    pub fn remove_ikey(&self, done: impl FnOnce(bool) + 'static) {
        self.physical("The iKey was not moved: do it again.", Call::RemoveIkey, done);
    }

    /// Taps a touchscreen button (a keypad digit, `Clear`, or a button by its visible text).
    pub fn tap(&self, label: &str) {
        self.call("The tap was not passed on: tap again.", Call::Tap { label: label.to_string() }, |_, _| {});
    }

    /// Puts a new blank iKey on the desk; `done` is told its id.
    pub fn add_blank_ikey(&self, done: impl FnOnce(u32) + 'static) {
        self.call("No iKey was added: add it again.", Call::AddBlankIkey, move |outcome, _| {
            if let Ok(Some(id)) = outcome {
                done(id);
            }
        });
    }

    /// Writes on the sticker of iKey `id` (which must be on the desk); `done` is told whether it was
    /// written.
    pub fn set_sticker(&self, id: u32, color: Option<Color>, label: &str, done: impl FnOnce(bool) + 'static) {
        let call = Call::SetSticker { ikey: id, color, label: label.to_string() };
        self.physical("The sticker was not written: write it again.", call, done);
    }

    /// Loses iKey `id` (lost, stolen or destroyed): it leaves the desk for good.
    pub fn lose_ikey(&self, id: u32) {
        self.physical("The iKey was not lost. Try again.", Call::LoseIkey { ikey: id }, |_| {});
    }

    /// The unit in front's temperature and 5 V rail change (the environment control): out of range, it
    /// tampers or halts.
    pub fn set_environment(&self, temperature_dc: i32, rail_mv: u32) {
        let call = Call::SetEnvironment { temperature_dc, rail_mv };
        self.physical("The environment did not change: set it again.", call, |_| {});
    }

    /// The unit in front's USB cable is unplugged for `seconds` and plugged again.
    pub fn power_cycle(&self, seconds: u64) {
        self.physical("The unit was not unplugged: try again.", Call::PowerCycle { seconds }, |_| {});
    }

    /// An application uses the partition's keys (`sim app`'s operations and options, `args`); `done` is
    /// told what it got: the result, or the refusal and its code.
    pub fn app(&self, args: Vec<String>, done: impl FnOnce(&str) + 'static) {
        self.call("The application's request was not sent: send it again.", Call::App { args }, move |_, said| {
            done(said)
        });
    }

    /// The instructor runs a `sim` command (without `sim`) beside LunaCM; `done` is told what it said, or
    /// why it was refused. LunaCM's reaction, if any, goes to the terminal.
    pub fn instructor(&self, command: &str, done: impl FnOnce(&str) + 'static) {
        let call = Call::Instructor { line: command.to_string() };
        self.call("The instructor's change was not made: make it again.", call, move |outcome, said| match outcome {
            Ok(_) => done(said),
            Err(err) => done(&err),
        });
    }

    /// A call of lab authoring (start, stop or discard a recording, export the lab); `done` is given what
    /// it answered (the lab file, for an export) or why it was refused.
    pub fn author(&self, call: Call, done: impl FnOnce(Result<String, String>) + 'static) {
        self.call("The recording was not changed: try again.", call, move |outcome, said| {
            done(outcome.map(|_| said.to_string()))
        });
    }

    /// The lab's completion report (HTML or JSON) with this tab's transcript; `done` is given its text.
    pub fn lab_report(&self, html: bool, done: impl FnOnce(&str) + 'static) {
        let transcript = self.transcript.with_untracked(|t| t.text());
        let sim = *self;
        self.call("The report was not made: ask again.", Call::LabReport { transcript, html }, move |outcome, said| {
            match outcome {
                Ok(_) => done(said),
                Err(err) => sim.notice.set(Some(Notice::warning(err))),
            }
        });
    }

    /// The world as a world file; `done` is given its text.
    pub fn export_world(&self, done: impl FnOnce(&str) + 'static) {
        self.call("The world was not exported: export it again.", Call::ExportWorld, move |_, text| done(text));
    }

    /// Replaces the world with the world file `name` (its `text`), or says why it was refused; the
    /// world then stays as it was. Another tab's newer state does not matter: it is replaced too.
    /// `done` is told whether it was imported.
    pub fn import_world(&self, name: &str, text: String, done: impl FnOnce(bool) + 'static) {
        self.known.set_value(persistence::read_value());
        let sim = *self;
        let name = name.to_string();
        let ended = self.lab_ending();
        self.call("The file was not imported: import it again.", Call::ImportWorld { text }, move |outcome, _| {
            let imported = outcome.is_ok();
            sim.notice.set(Some(match outcome {
                // The file's own lab run, if it has one, is the one shown now.
                Ok(_) if sim.lab.with_untracked(Option::is_some) => Notice::info(format!(
                    "Imported {name}: the simulator is at revision {}, LunaCM started again, and the file's lab continues.",
                    sim.revision.get_untracked()
                )),
                Ok(_) => Notice::info(format!(
                    "Imported {name}: the simulator is at revision {}, and LunaCM started again.{ended}",
                    sim.revision.get_untracked()
                )),
                Err(err) => Notice::error(err),
            }));
            done(imported);
        });
    }

    /// Replaces the world with a factory-fresh unit and restarts LunaCM. Another tab's newer state does
    /// not matter: it is replaced too.
    pub fn reset(&self) {
        self.known.set_value(persistence::read_value());
        let sim = *self;
        let seed = self.own_seed.get_value().unwrap_or_else(seed);
        let ended = self.lab_ending();
        self.call("The simulator was not reset: reset it again.", Call::Reset { seed }, move |_, _| {
            sim.notice.set(Some(Notice::info(format!(
                "The simulator was reset: a factory-fresh unit, in Secure Transport Mode.{ended}"
            ))));
        });
    }

    /// " The lab \"T\" ended." when a lab runs (replacing the world ends it), otherwise nothing.
    fn lab_ending(&self) -> String {
        self.lab.with_untracked(|l| l.as_ref().map(|l| format!(" The lab \"{}\" ended.", l.title))).unwrap_or_default()
    }

    /// A factory-fresh unit again, quietly (a demo starting over); `done` once LunaCM has started on it.
    pub fn start_over(&self, done: impl FnOnce() + 'static) {
        let seed = self.own_seed.get_value().unwrap_or_else(seed);
        self.call("The demo did not start over: try again.", Call::Reset { seed }, move |_, _| done());
    }

    /// Starts lab `id` (or starts it again): the world becomes the lab's starting state and LunaCM
    /// restarts.
    pub fn start_lab(&self, id: &str) {
        let sim = *self;
        self.call(
            "The lab did not start: start it again.",
            Call::StartLab { lab: id.to_string() },
            move |outcome, _| match outcome {
                Ok(_) => {
                    let title = sim.lab.with_untracked(|l| l.as_ref().map(|l| l.title.clone())).unwrap_or_default();
                    sim.notice.set(Some(Notice::info(format!(
                        "Lab started: {title}. The HSM is in the lab's starting state."
                    ))));
                }
                Err(err) => sim.notice.set(Some(Notice::error(format!("The lab could not start: {err}")))),
            },
        );
    }

    /// Starts the lab in the lab file `name` (its `text`), or says why it was refused (nothing changes).
    pub fn start_lab_file(&self, name: &str, text: String) {
        let sim = *self;
        let name = name.to_string();
        self.call("The lab did not start: open the file again.", Call::StartLabFile { text }, move |outcome, _| {
            sim.notice.set(Some(match outcome {
                Ok(_) => {
                    let title = sim.lab.with_untracked(|l| l.as_ref().map(|l| l.title.clone())).unwrap_or_default();
                    Notice::info(format!("Lab started from {name}: {title}. The HSM is in the lab's starting state."))
                }
                Err(err) => Notice::error(err),
            }));
        });
    }

    /// Leaves the lab; the world stays as it is.
    pub fn stop_lab(&self) {
        self.call("The lab was not left: leave it again.", Call::StopLab, |_, _| {});
    }

    /// Reveals the current step's next hint.
    pub fn reveal_hint(&self) {
        self.call("No hint was revealed: ask again.", Call::RevealHint, |_, _| {});
    }

    /// Shows the current step's solution; the run remembers that it was viewed.
    pub fn view_solution(&self) {
        self.call("The solution was not shown: ask again.", Call::ViewSolution, |_, _| {});
    }

    /// Lets time pass, once a second: the worker tells the device the time (an iKey wait times out after
    /// 120 s) and answers only if something changed. Not while another tab's change is taken over; and
    /// time must not end a ceremony in a world another tab has moved on from: that change is taken over
    /// first. (Otherwise time only redraws the touchscreen, and another tab's change waits for its
    /// storage event or this tab's next action.)
    pub fn tick(&self) {
        if self.adopting.get_value() || self.outbox.with_value(Option::is_some) {
            return;
        }
        if self.busy.get_untracked() || self.waiting_for_ped.get_untracked() {
            if let Some(raw) = self.written_elsewhere() {
                self.adopt_from_other_tab(raw);
                return;
            }
        }
        self.post(ToCore::Tick);
    }

    /// Exposes the touchscreen as `window.lunaScreen` (a plain object), for scripted demos and tests.
    fn publish_screen(&self) {
        let value = self.screen.with_untracked(serde_wasm_bindgen::to_value);
        if let (Some(window), Ok(value)) = (web_sys::window(), value) {
            let _ = js_sys::Reflect::set(&window, &"lunaScreen".into(), &value);
        }
    }
}
