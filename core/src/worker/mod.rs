//! The world as the browser runs it: in a Web Worker, so that nothing the core does (an iKey ceremony,
//! key generation, verifying a long audit log, judging a lab, saving a big world) can freeze the page.
//! The page sends [`ToCore`] messages (a line typed, an iKey moved, a file saved, time passing, another
//! tab's saved world) and draws what the [`Engine`] answers in [`ToPage`]: the output, the parts of the
//! [`View`] that changed, and what to save. The page keeps only what a browser page must do itself:
//! localStorage, IndexedDB, the other tabs.
//!
//! Plain Rust, no `web-sys`: the worker binary is a thin shell that passes JSON both ways, and the
//! engine is tested natively.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::device::tamper::Sensors;
use crate::device::{Role, SlotId};
use crate::ikey::Color;
use crate::labs::author::{Authoring, LabMeta, Recording};
use crate::view::{View, ViewChange};
use crate::World;

#[cfg(test)]
mod tests;
pub mod usb;
#[cfg(test)]
mod usb_tests;

use usb::{Attached, UsbEvent, UsbOut};

/// A message from the page, with the page's clock when it was sent (milliseconds since the epoch): the
/// page's clock is the world's, so that a test that moves the page's clock moves the simulator's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub now: u64,
    pub msg: ToCore,
}

/// What the page says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToCore {
    /// Start: the world the page found saved (`None`: nothing saved), the host files its file store
    /// holds, whether it has a file store (then files are saved apart, the world naming them), and a
    /// seed for a factory-fresh unit.
    Open { saved: Option<String>, files: BTreeMap<String, String>, file_store: bool, seed: u64 },
    /// Something the user did; answered with [`Answer`] carrying the same `id`.
    Call { id: u32, call: Call },
    /// A second passed.
    Tick,
    /// Another tab saved `raw` (with these host files from the file store): take it over, keeping this
    /// tab's LunaCM session.
    Adopt { raw: String, files: BTreeMap<String, String> },
    /// The page could not write these host files to its file store: send them again with the next save.
    FilesUnsaved { names: Vec<String> },
    /// Something happened on the USB link to a training unit ([`usb`]).
    Usb(UsbEvent),
}

/// Something the user did on the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    /// A line typed in the terminal.
    Enter { line: String },
    /// A file written on the host (an upload, an edit).
    PutFile { name: String, text: String },
    /// A file deleted on the host.
    RemoveFile { name: String },
    /// An iKey pushed into the port of the unit in front.
    InsertIkey { ikey: u32 },
    /// The iKey pulled out of the port.
    RemoveIkey,
    /// A touchscreen button tapped (a keypad digit, `Clear`, or a button by its text).
    Tap { label: String },
    /// A new blank iKey put on the desk; answered with its id.
    AddBlankIkey,
    /// A sticker written on an iKey on the desk.
    SetSticker { ikey: u32, color: Option<Color>, label: String },
    /// An iKey lost for good.
    LoseIkey { ikey: u32 },
    /// The unit in front's temperature (tenths of a degree) and 5 V rail (millivolts) change.
    SetEnvironment { temperature_dc: i32, rail_mv: u32 },
    /// The unit in front's cable is out for `seconds`.
    PowerCycle { seconds: u64 },
    /// An application uses the partition's keys ([`World::application`]); answered with what it got.
    App { args: Vec<String> },
    /// The instructor injects a fault or changes the world ([`World::instructor`]: a `sim` command
    /// without `sim`); answered with what it said, LunaCM's reaction going to the terminal.
    Instructor { line: String },
    /// The lab's completion report ([`crate::labs::report::report`]) with this transcript, as HTML or
    /// JSON; answered with its text, or refused without a lab.
    LabReport { transcript: String, html: bool },
    /// The world as a world file ([`World::to_world_file`]); answered with its text.
    ExportWorld,
    /// A world file replaces the world, if it is one this simulator reads ([`World::from_world_file`]);
    /// otherwise it is refused with why, and the world stays.
    ImportWorld { text: String },
    /// A factory-fresh world, from this seed.
    Reset { seed: u64 },
    /// Lab `lab` (of the catalogue, or the lab in progress) starts (again) from its starting state.
    StartLab { lab: String },
    /// The lab in a lab file (TOML, as in `labs/`) starts from its starting state; a file that is not a
    /// lab this simulator reads is refused with why, and nothing changes.
    StartLabFile { text: String },
    /// The lab is left; the world stays.
    StopLab,
    /// The current step's next hint is revealed.
    RevealHint,
    /// The current step's solution is shown.
    ViewSolution,
    /// Recording a lab starts ([`crate::labs::author`]): a new LunaCM session begins and the world as it
    /// is becomes the lab's starting state; what the user does next is recorded as its solution. While
    /// recording, what no solution line can do (a host file written or deleted from the page, a world
    /// imported, a lab started) is refused, and a reset (confirmed by the user) ends the recording.
    StartAuthoring,
    /// Recording stops: the checks the final world passes and the starting world does not are proposed.
    StopAuthoring,
    /// The recording (under way or stopped) is dropped; the world stays as it is.
    DiscardAuthoring,
    /// The stopped recording as a lab file (TOML) with this title, step text and the proposed checks
    /// `checks` (indices); answered with its text, or refused with why.
    ExportLab { meta: LabMeta, checks: Vec<usize> },
}

/// The solution lines that `call` is, for a recording (each with whether it is an answer typed at a
/// password prompt): a LunaCM line as typed, an action on the desk or the touchscreen as the `sim` line
/// that does the same. None for a call that changes nothing the lab replays.
fn solution_lines(call: &Call, world: &World) -> Vec<(String, bool)> {
    let line = |l: String| vec![(l, false)];
    match call {
        Call::Enter { line } => vec![(line.clone(), world.input_masked())],
        Call::InsertIkey { ikey } => line(format!("sim ikey insert {ikey}")),
        Call::RemoveIkey => line("sim ikey remove".into()),
        Call::Tap { label } if label.len() == 1 && label.chars().all(|c| c.is_ascii_digit()) => {
            line(format!("sim keypad {label}"))
        }
        Call::Tap { label } => line(format!("sim tap {label}")),
        Call::AddBlankIkey => line("sim ikey new".into()),
        Call::SetSticker { ikey, color, label } => {
            let colour = color.map_or("none".to_string(), |c| c.to_string());
            line(format!("sim ikey sticker {ikey} {colour} {label}").trim_end().to_string())
        }
        Call::LoseIkey { ikey } => line(format!("sim ikey lose {ikey}")),
        Call::SetEnvironment { temperature_dc, rail_mv } => {
            let now = world.front_hsm().sensors();
            let mut lines = Vec::new();
            if now.temperature_dc != *temperature_dc {
                lines.push((
                    format!("sim temperature {}", crate::labs::author::decimal(i64::from(*temperature_dc), 1)),
                    false,
                ));
            }
            if now.rail_mv != *rail_mv {
                lines.push((format!("sim voltage {}", crate::labs::author::decimal(i64::from(*rail_mv), 3)), false));
            }
            lines
        }
        Call::PowerCycle { seconds } => line(format!("sim power cycle {seconds}")),
        Call::App { args } => line(format!("sim app {}", crate::labs::author::words(args))),
        Call::Instructor { line: l } => line(format!("sim {}", l.trim())),
        _ => Vec::new(),
    }
}

/// Why `call` is refused while a lab is recorded: it changes the world in a way no solution line does.
fn refused_while_recording(call: &Call) -> Option<&'static str> {
    match call {
        Call::PutFile { .. } | Call::RemoveFile { .. } => Some(
            "A lab is being recorded: host files change only through LunaCM meanwhile (a file written from \
                 the page cannot be a solution line). Stop the recording first.",
        ),
        Call::ImportWorld { .. } | Call::StartLab { .. } | Call::StartLabFile { .. } => {
            Some("A lab is being recorded from this world: stop or discard the recording first.")
        }
        _ => None,
    }
}

/// The answer to a [`Call`]: done (with a value for those that return one), or refused and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The call's id.
    pub id: u32,
    /// `Ok(Some(id))` for a new iKey, `Ok(None)` for the rest; `Err(why)` when the world refused.
    pub outcome: Result<Option<u32>, String>,
    /// What a call that is no LunaCM line got back, for its caller alone (an application's result).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub said: String,
}

/// What LunaCM printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output {
    /// More of the session.
    Append(String),
    /// A new session (the world was replaced): its banner and first prompt.
    Restart(String),
}

/// What to save: the world (its files named only, when they are saved apart) and the host files that
/// changed since they were last sent (`None`: deleted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Save {
    pub raw: String,
    pub files: Vec<(String, Option<Arc<str>>)>,
}

/// Something the page must know besides the view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The world is open. `rejected`: the saved world could not be loaded (why), and a factory-fresh
    /// unit started instead. `missing`: host files the saved world names that the file store lacked
    /// (they load empty).
    Opened { rejected: Option<String>, missing: Vec<String> },
    /// Another tab's world was taken over: what that did to this tab's LunaCM session.
    Adopted(Adopted),
    /// Another tab's world could not be loaded (why); this tab keeps its own.
    NotAdopted(String),
}

/// One message to the page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToPage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Output>,
    #[serde(default, skip_serializing_if = "ViewChange::is_empty")]
    pub view: ViewChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<Save>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
    /// What to do with the USB link to a training unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usb: Option<UsbOut>,
}

impl ToPage {
    /// Whether it says nothing (a tick that changed nothing is not sent).
    pub fn is_empty(&self) -> bool {
        *self == ToPage::default()
    }
}

/// "HSM SO (slot 4)", "HSM SO (slot 4) and Crypto Officer (slot 3)".
fn login_words(logins: &[(SlotId, Role)]) -> String {
    let each: Vec<String> = logins.iter().map(|(slot, role)| format!("{role} (slot {slot})")).collect();
    each.join(" and ")
}

/// What taking over another tab's world did to this tab's LunaCM session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adopted {
    /// The roles logged in before, and after.
    pub before: Vec<(SlotId, Role)>,
    pub after: Vec<(SlotId, Role)>,
    /// LunaCM waited for an iKey ceremony that the other tab's change ended.
    pub ped_wait_ended: bool,
    /// The world's revision now.
    pub revision: u64,
}

impl Adopted {
    /// The notice's sentences about the session: whether this tab's login survived.
    pub fn words(&self) -> String {
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

/// A stored file's stamp when it is not known to match the world: it is sent again.
const UNKNOWN: u64 = u64::MAX;

/// The world in the worker, and what the page has of it.
pub struct Engine {
    world: World,
    /// What the page shows now.
    shown: View,
    /// The saved text the page last loaded, wrote or took over: a change that leaves the world's
    /// saved form as it is saves nothing (and so does not disturb other tabs).
    saved: Option<String>,
    /// Whether the page keeps host files apart, in its file store.
    file_store: bool,
    /// Each host file's change stamp ([`crate::host::HostFiles::stamp`]) as last sent to the file store.
    stored: BTreeMap<String, u64>,
    /// A training unit on a USB cable, which the terminal drives while it is there.
    attached: Option<Attached>,
    /// A lab being recorded, or recorded and not yet exported: this tab's alone, never saved.
    authoring: Option<Authoring>,
}

impl Engine {
    /// Opens the world the page found saved, or a factory-fresh one, and starts a LunaCM session on it
    /// (opening the page is starting LunaCM). The answer carries the whole view, the banner, and a save
    /// when the world is new.
    pub fn open(
        saved: Option<String>,
        files: BTreeMap<String, String>,
        file_store: bool,
        seed: u64,
        now: u64,
    ) -> (Engine, ToPage) {
        let mut rejected = None;
        let mut missing = Vec::new();
        let mut world = match saved.as_deref().map(|raw| {
            // A file the store lost loads empty, and is named to the user: the rest of the world is not
            // refused for it.
            World::from_json_with_files(raw, |name| {
                Some(files.get(name).cloned().unwrap_or_else(|| {
                    missing.push(name.to_string());
                    String::new()
                }))
            })
        }) {
            Some(Ok(world)) => world,
            Some(Err(err)) => {
                rejected = Some(err.to_string());
                missing.clear();
                World::new(seed, now)
            }
            None => World::new(seed, now),
        };
        let banner = world.start_session(now);
        let shown = View::of(&world, now);
        let mut engine = Engine {
            world,
            shown,
            saved: if rejected.is_some() { None } else { saved },
            file_store,
            // What the store holds is what was loaded (stamp 0: unchanged since); a world saved whole by
            // an earlier version has its files moved into the store by the first save.
            stored: files.keys().map(|n| (n.clone(), 0)).collect(),
            attached: None,
            authoring: None,
        };
        let reply = ToPage {
            output: Some(Output::Restart(banner)),
            view: engine.shown.whole(),
            save: engine.save(),
            event: Some(Event::Opened { rejected, missing }),
            ..ToPage::default()
        };
        (engine, reply)
    }

    /// The world (for tests and the native shell).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Answers one message from the page at `now` (the browser's clock). `Open` is answered by
    /// [`Engine::open`]; here it is refused.
    pub fn handle(&mut self, msg: ToCore, now: u64) -> ToPage {
        match msg {
            ToCore::Open { .. } => ToPage::default(),
            ToCore::Call { id, call } => self.call(id, call, now),
            ToCore::Tick => self.tick(now),
            ToCore::Adopt { raw, files } => self.adopt(raw, &files, now),
            ToCore::FilesUnsaved { names } => {
                for name in names {
                    self.stored.insert(name, UNKNOWN);
                }
                ToPage::default()
            }
            ToCore::Usb(event) => self.usb(event, now),
        }
    }

    fn call(&mut self, id: u32, call: Call, now: u64) -> ToPage {
        let recording = matches!(self.authoring, Some(Authoring::Recording(_)));
        if let Some(why) = refused_while_recording(&call).filter(|_| recording) {
            let answer = Answer { id, outcome: Err(why.to_string()), said: String::new() };
            return ToPage { answer: Some(answer), ..ToPage::default() };
        }
        if self.attached.is_some() {
            if let Some(reply) = self.attached_call(id, &call, now) {
                return reply;
            }
        }
        let record = if recording { solution_lines(&call, &self.world) } else { Vec::new() };
        let world = &mut self.world;
        let text_only = |text: String| (Some(Output::Append(text)), Ok(None));
        let refusable = |r: Result<String, String>| match r {
            Ok(text) => (Some(Output::Append(text)), Ok(None)),
            Err(err) => (None, Err(err)),
        };
        let mut replaced = false;
        let mut said = String::new();
        let (output, outcome) = match call {
            Call::Enter { line } => {
                let reply = world.enter(&line, now);
                text_only(format!("{}\n{}", reply.echo, reply.text))
            }
            Call::PutFile { name, text } => refusable(world.put_file(&name, text).map(|()| String::new())),
            Call::RemoveFile { name } => refusable(if world.remove_file(&name) {
                Ok(String::new())
            } else {
                Err(format!("There is no file '{name}' on the host."))
            }),
            Call::InsertIkey { ikey } => refusable(world.insert_ikey(ikey, now)),
            Call::RemoveIkey => refusable(world.remove_ikey(now)),
            Call::Tap { label } => text_only(world.tap(&label, now)),
            Call::AddBlankIkey => (None, Ok(Some(world.add_blank_ikey()))),
            Call::SetSticker { ikey, color, label } => {
                refusable(world.set_sticker(ikey, color, &label).map(|()| String::new()))
            }
            Call::LoseIkey { ikey } => refusable(world.lose_ikey(ikey).map(|()| String::new())),
            Call::SetEnvironment { temperature_dc, rail_mv } => {
                let sensors = Sensors { temperature_dc, rail_mv };
                world.set_sensors(sensors, now);
                (None, Ok(None))
            }
            Call::PowerCycle { seconds } => text_only(world.power_cycle(seconds, now)),
            Call::App { args } => {
                said = world.application(&args, now);
                (None, Ok(None))
            }
            Call::Instructor { line } => match world.instructor(&line, now) {
                Ok((text, lunacm)) => {
                    said = text;
                    (Some(Output::Append(lunacm)), Ok(None))
                }
                Err(err) => (None, Err(err)),
            },
            Call::LabReport { transcript, html } => match crate::labs::report::report(world, &transcript, now) {
                Some(report) => {
                    said = if html { report.html } else { report.json };
                    (None, Ok(None))
                }
                None => (None, Err("There is no lab in progress to report on.".to_string())),
            },
            Call::ExportWorld => {
                said = world.to_world_file();
                (None, Ok(None))
            }
            Call::ImportWorld { text } => match World::from_world_file(&text) {
                Ok(imported) => {
                    *world = imported;
                    replaced = true;
                    (None, Ok(None))
                }
                Err(err) => (None, Err(format!("The file was not imported: {err}. The simulator is as it was."))),
            },
            Call::Reset { seed } => {
                *world = World::new(seed, now);
                replaced = true;
                (None, Ok(None))
            }
            Call::StartLab { lab } => match world.start_lab_at(&lab, now) {
                Ok(()) => {
                    replaced = true;
                    (None, Ok(None))
                }
                Err(err) => (None, Err(err)),
            },
            Call::StartLabFile { text } => {
                match crate::labs::parse(&text)
                    .map_err(|e| e.to_string())
                    .and_then(|lab| world.start_lab_from(lab, now))
                {
                    Ok(()) => {
                        replaced = true;
                        (None, Ok(None))
                    }
                    Err(err) => (None, Err(format!("The lab file was not opened: {err}. Nothing was changed."))),
                }
            }
            Call::StopLab => {
                world.stop_lab();
                (None, Ok(None))
            }
            Call::RevealHint => {
                if let Some(run) = world.lab_mut() {
                    run.reveal_hint();
                }
                (None, Ok(None))
            }
            Call::ViewSolution => {
                if let Some(run) = world.lab_mut() {
                    run.view_solution();
                }
                (None, Ok(None))
            }
            Call::StartAuthoring if recording => (None, Err("A lab is being recorded already.".to_string())),
            Call::StartAuthoring => match Recording::start(world, now) {
                Ok((recording, banner)) => {
                    self.authoring = Some(Authoring::Recording(recording));
                    (Some(Output::Restart(banner)), Ok(None))
                }
                Err(err) => (None, Err(err)),
            },
            Call::StopAuthoring => match self.authoring.take() {
                Some(Authoring::Recording(recording)) => {
                    self.authoring = Some(Authoring::Stopped(recording.stop(world, now)));
                    (None, Ok(None))
                }
                other => {
                    self.authoring = other;
                    (None, Err("No lab is being recorded.".to_string()))
                }
            },
            Call::DiscardAuthoring => {
                self.authoring = None;
                (None, Ok(None))
            }
            Call::ExportLab { meta, checks } => match &self.authoring {
                Some(Authoring::Stopped(draft)) => match draft.export(&meta, &checks) {
                    Ok(text) => {
                        said = text;
                        (None, Ok(None))
                    }
                    Err(err) => (None, Err(format!("The lab was not exported: {err}."))),
                },
                _ => (None, Err("The lab was not exported: stop a recording first.".to_string())),
            },
        };
        if let (Some(Authoring::Recording(recording)), Ok(_)) = (&mut self.authoring, &outcome) {
            for (line, secret) in record {
                recording.push(line, secret);
            }
        }
        // A new world (reset, import, a lab) starts a new LunaCM session, and no file in the store is
        // known to match it.
        let output = if replaced {
            // The world a recording started from is gone: so is the recording (a stopped one is kept).
            if recording {
                self.authoring = None;
            }
            self.stored.values_mut().for_each(|stamp| *stamp = UNKNOWN);
            Some(Output::Restart(self.world.start_session(now)))
        } else {
            output
        };
        // The core judges the lab after every change.
        self.world.evaluate_lab(now);
        let output = output.filter(|o| !matches!(o, Output::Append(text) if text.is_empty()));
        ToPage {
            answer: Some(Answer { id, outcome, said }),
            output,
            view: self.refresh(now),
            save: self.save(),
            event: None,
            usb: None,
        }
    }

    /// Lets time pass: while an iKey ceremony runs the device is told the time (an iKey wait times out)
    /// and what that ends is printed and saved, and `hsm monitor` takes its readings; otherwise only the
    /// touchscreen is read again.
    fn tick(&mut self, now: u64) -> ToPage {
        if let Some(attached) = self.attached.as_mut() {
            if let Some(outcome) = attached.tick(now, self.world.files_mut()) {
                return self.usb_outcome(outcome, now);
            }
        }
        let running = self.world.busy();
        if !running && !self.shown.waiting_for_ped && !self.world.monitoring() {
            let screen = self.world.screen(now);
            if screen == self.shown.screen {
                return ToPage::default();
            }
            self.shown.screen = screen.clone();
            return ToPage { view: ViewChange { screen: Some(screen), ..ViewChange::default() }, ..ToPage::default() };
        }
        let text = self.world.tick(now);
        let ended = running && !self.world.busy();
        let save = if !text.is_empty() || ended { self.save() } else { None };
        let output = (!text.is_empty()).then_some(Output::Append(text));
        ToPage { output, view: self.refresh(now), save, ..ToPage::default() }
    }

    /// Takes over a world another tab saved as `raw` (its files from `files`, for a world saved with its
    /// files kept apart), keeping this tab's LunaCM session: its slot, its logins unless the change
    /// ended them, a question it is asking. A value the core refuses leaves this tab's world as it is.
    /// Always answered with an [`Event`]: the page waits for it.
    fn adopt(&mut self, raw: String, files: &BTreeMap<String, String>, now: u64) -> ToPage {
        match World::from_json_with_files(&raw, |name| files.get(name).cloned()) {
            Ok(newer) => {
                let (before, waited) = (self.world.logins(), self.world.waiting_for_ped());
                self.world.adopt(newer);
                let adopted = Adopted {
                    before,
                    after: self.world.logins(),
                    ped_wait_ended: waited && !self.world.waiting_for_ped(),
                    revision: self.world.revision(),
                };
                self.saved = Some(raw);
                // The store holds what the other tab wrote: the files just read.
                self.stored = files.keys().map(|n| (n.clone(), 0)).collect();
                // LunaCM no longer waits for the PED: give the user its prompt back.
                let output = adopted.ped_wait_ended.then(|| {
                    Output::Append(format!("\n(The iKey operation ended in another tab.)\n\n{}", self.world.prompt()))
                });
                ToPage { output, view: self.refresh(now), event: Some(Event::Adopted(adopted)), ..ToPage::default() }
            }
            Err(err) => {
                // Nothing of the other tab's can be kept: this tab's world is saved again, whole.
                self.saved = None;
                ToPage { event: Some(Event::NotAdopted(err.to_string())), ..ToPage::default() }
            }
        }
    }

    /// The parts of the view that changed since the page was last told.
    fn refresh(&mut self, now: u64) -> ViewChange {
        let mut view = View::of(&self.world, now);
        if let Some(attached) = &self.attached {
            attached.draw(&mut view, now);
        }
        view.authoring = self.authoring.as_ref().map(Authoring::view);
        let change = self.shown.change_to(&view);
        self.shown = view;
        change
    }

    /// What to save, if the world's saved form changed since it was last saved here or a host file
    /// changed since it was last sent to the file store; `None` otherwise.
    fn save(&mut self) -> Option<Save> {
        let raw = if self.file_store { self.world.to_json_file_index() } else { self.world.to_json() };
        let files = if self.file_store { self.file_changes() } else { Vec::new() };
        if self.saved.as_deref() == Some(raw.as_str()) && files.is_empty() {
            return None;
        }
        self.saved = Some(raw.clone());
        Some(Save { raw, files })
    }

    /// The host files whose stamp differs from the one last sent (their text), and those sent that the
    /// world no longer has (`None`); the stamps are recorded as sent.
    fn file_changes(&mut self) -> Vec<(String, Option<Arc<str>>)> {
        let files = self.world.files();
        let mut changes: Vec<(String, Option<Arc<str>>)> = Vec::new();
        for (name, text) in files.shared() {
            let stamp = files.stamp(name);
            if self.stored.get(name) != Some(&stamp) {
                changes.push((name.to_string(), Some(Arc::clone(text))));
                self.stored.insert(name.to_string(), stamp);
            }
        }
        let gone: Vec<String> = self.stored.keys().filter(|n| files.get(n).is_none()).cloned().collect();
        for name in gone {
            self.stored.remove(&name);
            changes.push((name, None));
        }
        changes
    }
}
