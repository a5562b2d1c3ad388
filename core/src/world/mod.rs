//! The whole simulated world as one serializable value: the HSM, the LunaCM session, the clock and the RNG.

use crate::device::audit::parse_log_file_name;
use crate::device::{Env, Hsm, PhysicalEvent, Screen, SlotId};
use crate::host::HostFiles;
use crate::hub::{self, Hub};
use crate::ikey::{Color, IKey, Tray, STICKER_MAX};
use crate::labs::{CheckResult, LabRun};
use crate::lunacm::{self, tokenize, Console, Job, Reply, INDENT, PROMPT};
use crate::sim;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use std::fmt;

mod file;
mod integrity;
mod physical;
mod saved;
mod units;

use units::{unit_mut, units_mut};

/// Version of the saved-world format. Older versions are migrated on load (`migrate.rs`); a newer one
/// (from a later simulator) is refused, not guessed at.
pub const SCHEMA_VERSION: u32 = 2;

/// What Thales e-mails the customer before a new unit ships ("logical control validation").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The unit's serial number.
    pub serial: String,
    /// STM random user string.
    pub random_user_string: String,
    /// STM verification string.
    pub verification_string: String,
}

/// Most units the world holds: unit 1 and up to three more (`sim unit add`).
pub const UNITS_MAX: usize = 4;

/// A unit plugged in after the first: the HSM and the e-mail that came with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Unit {
    pub(crate) hsm: Hsm,
    pub(crate) shipment: Shipment,
}

/// A unit as `sim unit list` and the device panel show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitView {
    /// Its number, counted from 1 in the order the units were plugged in.
    pub number: usize,
    /// Its serial number.
    pub serial: String,
    /// Its HSM label; empty while zeroized.
    pub label: String,
    /// The host slot of its application partition, once created.
    pub partition_slot: Option<SlotId>,
    /// The host slot of its admin partition.
    pub admin_slot: SlotId,
    /// Whether it is the unit in front of you (touchscreen, iKey port, power).
    pub in_front: bool,
}

/// Choices about the simulated world that are not part of the HSM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Blank iKeys on the desk when the world starts.
    pub blank_ikeys: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { blank_ikeys: 8 }
    }
}

/// An iKey as the desk shows it: its sticker and where it is, not what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IKeyView {
    /// Stable id.
    pub id: u32,
    /// Sticker colour, if a sticker is on.
    pub color: Option<Color>,
    /// Sticker text.
    pub label: String,
    /// Whether it is in the iKey port of the unit in front of you.
    pub in_port: bool,
    /// The unit (counted from 1) whose iKey port holds it, if any: with several units, a key can be in
    /// the port of one that is not in front.
    pub in_unit: Option<usize>,
}

/// Everything that persists between commands, page loads and CLI runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    schema: u32,
    revision: u64,
    pub(crate) hsm: Hsm,
    pub(crate) tray: Tray,
    /// The host computer's files (policy templates).
    #[serde(default)]
    pub(crate) files: HostFiles,
    pub(crate) settings: Settings,
    pub(crate) shipment: Shipment,
    /// The units plugged in after the first (`sim unit add`), in order: unit 2 first. Worlds saved before
    /// there could be several units have none, and a one-unit world saves without the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) more: Vec<Unit>,
    /// The unit in front of you, counted from 0 (unit 1 unless `sim unit use` chose another): the
    /// touchscreen, the iKey port and power cycles act on it.
    #[serde(default, skip_serializing_if = "is_zero")]
    front: usize,
    /// Added to the host clock by `sim clock advance`.
    pub(crate) clock_offset_ms: u64,
    pub(crate) rng: ChaCha20Rng,
    /// The lab the trainee follows on this world, if any, with its progress. Worlds saved before labs
    /// existed have none.
    #[serde(default)]
    lab: Option<LabRun>,
    /// The LunaCM session is not saved: loading a world starts a new session, and answers typed at a
    /// prompt (passwords) never reach storage.
    #[serde(skip)]
    console: Console,
}

/// Why a saved world could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The text is not a saved world at all.
    Corrupt(String),
    /// A saved world from a newer simulator.
    Version { found: u64, expected: u32 },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Corrupt(e) => write!(f, "the saved simulator state is damaged and cannot be read ({e})"),
            LoadError::Version { found, expected } => write!(
                f,
                "the saved simulator state is in format version {found}, written by a newer simulator; this one reads versions up to {expected}"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl World {
    /// A factory-fresh unit, in Secure Transport Mode and zeroized, with randomness from `seed`.
    pub fn new(seed: u64, now_ms: u64) -> World {
        World::with_settings(seed, now_ms, Settings::default())
    }

    /// A factory-fresh unit in a world set up as `settings` says.
    pub fn with_settings(seed: u64, _now_ms: u64, settings: Settings) -> World {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (hsm, random_user_string, verification_string) = Hsm::from_factory(&mut rng);
        let shipment = Shipment { serial: hsm.serial().to_string(), random_user_string, verification_string };
        World {
            schema: SCHEMA_VERSION,
            revision: 0,
            hsm,
            tray: Tray::with_blanks(settings.blank_ikeys),
            files: HostFiles::default(),
            settings,
            shipment,
            more: Vec::new(),
            front: 0,
            clock_offset_ms: 0,
            rng,
            lab: None,
            console: Console::default(),
        }
    }

    /// Starts lab `id` of the catalogue: the world becomes the lab's starting state (a new unit with the
    /// lab's start script run on it), a new LunaCM session begins and the lab's progress is kept with the
    /// world. The revision keeps counting up, so that other tabs see a newer world.
    pub fn start_lab(&mut self, id: &str) -> Result<(), String> {
        self.start_lab_at(id, crate::labs::NOW)
    }

    /// Starts lab `id` with the host clock reading `now_ms`: a lab of the catalogue, or the lab in
    /// progress started again (a lab opened from a file is in no catalogue: "Restart this lab" starts
    /// it from its own starting state).
    pub fn start_lab_at(&mut self, id: &str, now_ms: u64) -> Result<(), String> {
        let running = self.lab.as_ref().filter(|run| run.lab.id == id).map(|run| run.lab.clone());
        let lab = crate::labs::catalogue::find(id).or(running).ok_or_else(|| format!("There is no lab \"{id}\"."))?;
        self.start_lab_from(lab, now_ms)
    }

    /// Starts a lab read from a lab file (one shared by an instructor), as [`World::start_lab`] does, the
    /// host clock reading `now_ms` (a lab that starts from a world keeps that world's clock from going
    /// back: [`crate::labs::Lab::start_at`]).
    pub fn start_lab_from(&mut self, lab: crate::labs::Lab, now_ms: u64) -> Result<(), String> {
        // The lab's world comes with a new LunaCM session started.
        let mut world = lab.start_at(now_ms)?;
        world.lab = Some(LabRun::new(lab, &world));
        world.revision = self.revision + 1;
        *self = world;
        Ok(())
    }

    /// The lab in progress on this world, if any.
    pub fn lab(&self) -> Option<&LabRun> {
        self.lab.as_ref()
    }

    /// The lab in progress, to reveal a hint or view a solution: counts as a change of the world.
    pub fn lab_mut(&mut self) -> Option<&mut LabRun> {
        if self.lab.is_some() {
            self.revision += 1;
        }
        self.lab.as_mut()
    }

    /// Leaves the lab: the world stays as it is, without the lab's progress.
    pub fn stop_lab(&mut self) {
        if self.lab.take().is_some() {
            self.revision += 1;
        }
    }

    /// The current step's checks on the world as it is now (empty without a lab or once it is complete).
    pub fn lab_checks(&self, now_ms: u64) -> Vec<CheckResult> {
        match &self.lab {
            Some(run) => run.check_step(run.step, self, now_ms),
            None => Vec::new(),
        }
    }

    /// Judges the lab after a change: while the current step's checks all pass, the step is complete
    /// and the next begins. Called by every change of the world ([`World::enter`], iKey moves, taps,
    /// ticks); a front end calls it after changes that take no clock (files, stickers, a lost iKey).
    pub fn evaluate_lab(&mut self, now_ms: u64) {
        let Some(mut run) = self.lab.take() else { return };
        while !run.finished() {
            let step = run.step;
            run.evaluate(self, now_ms);
            if run.step == step {
                break;
            }
        }
        self.lab = Some(run);
    }

    /// Starts a new LunaCM session: drops any command in progress, closes the HSM session (logging the
    /// role out, as quitting LunaCM does) and returns the banner and the first prompt.
    pub fn start_session(&mut self, host_now_ms: u64) -> String {
        self.run_job(Job::OpenSession, host_now_ms).into_text()
    }

    /// Takes over `newer`, a later state of this world that another tab saved, keeping this tab's
    /// LunaCM session: its slot, its logins (unless the change since ended them: zeroize, logout of every
    /// role, a deleted partition...) and a question it was asking. A wait for a ceremony that is no longer
    /// running is dropped. Returns whether this tab's logins all survived.
    pub fn adopt(&mut self, mut newer: World) -> bool {
        let mut sessions = self.units_mut().map(Hsm::take_session).collect::<Vec<_>>().into_iter();
        let mut all_kept = true;
        for (unit, session) in newer.units_mut().zip(sessions.by_ref()) {
            all_kept &= unit.restore_session(session);
        }
        // A unit this tab knew and the newer world lacks (it was reset there) takes its logins with it.
        all_kept &= sessions.all(|session| session == crate::device::Session::default());
        newer.console = std::mem::take(&mut self.console);
        match newer.console_unit() {
            None => newer.console.reset(),
            Some(unit) if newer.console.waiting_for_ped() && !unit.ceremony_running() => {
                newer.console.reset_keeping_slot()
            }
            Some(_) => {}
        }
        *self = newer;
        all_kept
    }

    /// Handles one line typed at the current prompt: a LunaCM command, a `sim` command, or the answer
    /// to the question LunaCM is asking.
    pub fn enter(&mut self, line: &str, now_ms: u64) -> Reply {
        self.changing(now_ms, |world| {
            // An iKey wait that ran out while nothing happened is reported first; the line then runs at
            // the prompt that follows.
            let late = world.tick(now_ms);
            let mut reply = world.enter_now(line, now_ms);
            if !late.is_empty() {
                reply.text = format!("{late}{line}\n{}", reply.text);
            }
            reply
        })
    }

    /// An application on the host uses the partition's keys (the page's application panel): the
    /// operations of `sim app` (`sign|verify|encrypt|decrypt -slot=<n> -handle=<n> ...`), beside LunaCM
    /// whatever it is doing, with LunaCM's login on the slot unless `-password` is given. Returns what
    /// the application got: the result, or the refusal and its code.
    pub fn application(&mut self, args: &[String], now_ms: u64) -> String {
        self.changing(now_ms, |world| world.app(args, now_ms))
    }

    /// The instructor changes the world behind the trainee's back (the page's instructor view): `line` is
    /// a `sim` command without its `sim` (`ikey lose 3`, `power cycle 10800`, `fault flash`...), run
    /// beside LunaCM whatever it is doing. Returns what the command said, for the instructor, and what
    /// LunaCM printed because of it (a ceremony it ended), for the terminal. A line that does not parse
    /// (an open quote) is refused with why.
    pub fn instructor(&mut self, line: &str, now_ms: u64) -> Result<(String, String), String> {
        let words = tokenize(line).map_err(|e| format!("The line does not parse: {e}"))?;
        Ok(self.changing(now_ms, |world| {
            let sim::SimOutput { text, lunacm } = sim::run(world, &words, now_ms);
            let lunacm = lunacm + &world.poll_ped(now_ms) + &world.poll_monitor(now_ms);
            (text, lunacm)
        }))
    }

    /// Runs `change`, then what follows every change: the host's logging daemon takes the new audit
    /// records, the lab is judged, and a real change is a new revision (and worth saving): `slot list`
    /// is not.
    fn changing<R>(&mut self, now_ms: u64, change: impl FnOnce(&mut World) -> R) -> R {
        let (before, revision) = (self.fingerprint(), self.revision);
        let out = change(self);
        self.deliver_audit_log(now_ms);
        self.evaluate_lab(now_ms);
        if self.fingerprint() != before {
            self.revision = revision + 1;
        }
        out
    }

    fn enter_now(&mut self, line: &str, now_ms: u64) -> Reply {
        if !self.console.waiting() || self.console.waiting_for_ped() || self.console.monitoring() {
            let words = tokenize(line).unwrap_or_default();
            let first = words.first().map(|w| w.to_ascii_lowercase());
            match first.as_deref() {
                Some("sim") => {
                    let sim::SimOutput { text: out, lunacm } = sim::run(self, &words[1..], now_ms);
                    let lunacm = lunacm + &self.poll_ped(now_ms) + &self.poll_monitor(now_ms);
                    let text = if !lunacm.is_empty() {
                        format!("{out}{lunacm}")
                    } else if self.console.waiting() {
                        out
                    } else {
                        format!("{out}\n{PROMPT}")
                    };
                    return Reply { echo: line.to_string(), text };
                }
                Some("exit") | Some("quit") if words.len() == 1 => {
                    let text = format!("\n{}", self.start_session(now_ms));
                    return Reply { echo: line.to_string(), text };
                }
                Some("cmu") => {
                    let text = format!("{}\n{PROMPT}", self.cmu(&words[1..], now_ms));
                    return Reply { echo: line.to_string(), text };
                }
                Some("lunareset") => {
                    let text = self.lunareset(&words[1..], now_ms);
                    return Reply { echo: line.to_string(), text };
                }
                _ => {}
            }
        }
        let reply = self.run_job(Job::Line(line.to_string()), now_ms).into_reply();
        // The time the command kept LunaCM busy passes before the next line.
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(self.console.take_took_ms());
        if !self.console.take_restart() {
            return reply;
        }
        // The command restarted LunaCM (a firmware rollback): its result, then a new session's banner.
        let text = reply.text.strip_suffix(PROMPT).unwrap_or(&reply.text);
        Reply { text: format!("{text}{}", self.start_session(now_ms)), echo: reply.echo }
    }

    /// Runs the client's `cmu` utility (a separate program beside LunaCM) against the plugged-in units.
    fn cmu(&mut self, words: &[String], host_now_ms: u64) -> String {
        self.run_job(Job::Cmu(words.to_vec()), host_now_ms).into_text()
    }

    /// `sim app ...`: a script acts as an application using the partition's keys.
    pub(crate) fn app(&mut self, words: &[String], host_now_ms: u64) -> String {
        self.run_job(Job::App(words.to_vec()), host_now_ms).into_text()
    }

    /// When LunaCM waits for a ceremony that has ended, its result: the text to add to the terminal.
    fn poll_ped(&mut self, host_now_ms: u64) -> String {
        if !self.console.waiting_for_ped() {
            return String::new();
        }
        self.run_job(Job::PedPoll, host_now_ms).into_text()
    }

    /// When `hsm monitor` waits for a reading that is due, the reading: the text to add to the terminal.
    fn poll_monitor(&mut self, host_now_ms: u64) -> String {
        if !self.console.monitoring() {
            return String::new();
        }
        self.run_job(Job::MonitorPoll, host_now_ms).into_text()
    }

    /// Runs a host job against the plugged-in units, at the world's time for `host_now_ms`.
    fn run_job(&mut self, job: Job, host_now_ms: u64) -> lunacm::Output {
        let now_ms = self.now(host_now_ms);
        let World { hsm, more, rng, console, files, .. } = self;
        let mut transport = Hub::new(units_mut(hsm, more).collect(), Env { now_ms, rng });
        console.run_job(job, now_ms, &mut transport, files)
    }

    /// Something happens to the unit in front (an iKey in or out of its port, a tap): the key it gave back,
    /// and what LunaCM printed because of it; a refused key comes back as the error.
    pub(crate) fn physical(&mut self, event: PhysicalEvent, host_now_ms: u64) -> Result<(Option<IKey>, String), IKey> {
        self.revision += 1;
        let now_ms = self.now(host_now_ms);
        let World { hsm, more, rng, front, .. } = self;
        let mut env = Env { now_ms, rng };
        let out = unit_mut(hsm, more, *front).physical(event, &mut env)?;
        let text = self.poll_ped(host_now_ms);
        self.deliver_audit_log(host_now_ms);
        self.evaluate_lab(host_now_ms);
        Ok((out, text))
    }

    /// Pushes iKey `id` from the desk into the iKey port of the unit in front. Returns LunaCM output that
    /// this completed, if any.
    pub fn insert_ikey(&mut self, id: u32, host_now_ms: u64) -> Result<String, String> {
        if self.front_hsm().port().is_some() {
            return Err("The iKey port is occupied: remove the inserted iKey first.".into());
        }
        let key = self.tray.take(id).ok_or_else(|| format!("There is no iKey {id} on the desk."))?;
        match self.physical(PhysicalEvent::Insert(key), host_now_ms) {
            Ok((_, text)) => Ok(text),
            Err(key) => {
                self.tray.put(key);
                Err("The iKey port is occupied.".into())
            }
        }
    }

    /// Pulls the iKey out of the port of the unit in front back onto the desk. Returns LunaCM output, if any.
    pub fn remove_ikey(&mut self, host_now_ms: u64) -> Result<String, String> {
        if self.front_hsm().port().is_none() {
            return Err("No iKey is in the port.".into());
        }
        match self.physical(PhysicalEvent::Remove, host_now_ms) {
            Ok((Some(key), text)) => {
                self.tray.put(key);
                Ok(text)
            }
            _ => Err("No iKey is in the port.".into()),
        }
    }

    /// Taps a button on the touchscreen of the unit in front (digits of the keypad included). Returns LunaCM
    /// output, if any.
    pub fn tap(&mut self, label: &str, host_now_ms: u64) -> String {
        self.physical(PhysicalEvent::Tap(label.to_string()), host_now_ms).map(|(_, t)| t).unwrap_or_default()
    }

    /// Lets time pass on every unit: an iKey wait past its timeout fails. Returns LunaCM output, if any.
    pub fn tick(&mut self, host_now_ms: u64) -> String {
        let running = self.hsm.busy();
        self.hsm.tick(self.now(host_now_ms));
        if running && !self.hsm.busy() {
            self.revision += 1;
        }
        let running = self.tick_more(host_now_ms) || running;
        let text = self.poll_ped(host_now_ms) + &self.poll_monitor(host_now_ms);
        if running {
            self.deliver_audit_log(host_now_ms);
            self.evaluate_lab(host_now_ms);
        }
        text
    }

    /// The host's audit logging daemon: takes the records each unit has for it into the log files under
    /// the configured path, rotating files as the configuration says. What the host cannot take (its file
    /// limits) stays in the HSM, where it counts towards LOG FULL.
    fn deliver_audit_log(&mut self, host_now_ms: u64) {
        let now = self.now(host_now_ms);
        let World { hsm, more, files, .. } = self;
        for hsm in units_mut(hsm, more) {
            let serial = hsm.serial().to_string();
            while let Some(batch) = hsm.audit_mut().batch(&serial, now, crate::host::FILE_MAX) {
                let written = if batch.new_file && files.get(&batch.file).is_some() {
                    Err(())
                } else {
                    files.append(&batch.file, &batch.text).map_err(|_| ())
                };
                match written {
                    Ok(()) => hsm.audit_mut().delivered(batch.count),
                    Err(()) => {
                        hsm.audit_mut().undeliverable();
                        break;
                    }
                }
            }
        }
    }

    /// Every iKey on the desk or in a unit's iKey port, by id.
    pub fn ikeys(&self) -> Vec<IKeyView> {
        let mut v: Vec<IKeyView> = self
            .tray
            .keys()
            .iter()
            .chain(self.units().filter_map(Hsm::port))
            .map(|k| {
                let in_unit = self.port_holding(k.id);
                IKeyView {
                    id: k.id,
                    color: k.sticker.color,
                    label: k.sticker.label.clone(),
                    in_port: in_unit == Some(self.front),
                    in_unit: in_unit.map(|i| i + 1),
                }
            })
            .collect();
        v.sort_by_key(|k| k.id);
        v
    }

    /// An iKey on the desk is lost, stolen or destroyed: it leaves the world for good.
    pub fn lose_ikey(&mut self, id: u32) -> Result<(), String> {
        if let Some(unit) = self.port_holding(id) {
            return Err(format!("iKey {id} is in the port{}: remove it first.", self.of_unit(unit)));
        }
        self.tray.take(id).ok_or_else(|| format!("There is no iKey {id} on the desk."))?;
        self.revision += 1;
        Ok(())
    }

    /// Sets how many records the audit log store of the unit in front holds (a property of the simulated
    /// unit).
    pub fn set_audit_capacity(&mut self, records: usize) -> Result<(), String> {
        unit_mut(&mut self.hsm, &mut self.more, self.front).audit_mut().set_capacity(records)?;
        self.revision += 1;
        Ok(())
    }

    /// Puts a new blank iKey on the desk; returns its id.
    pub fn add_blank_ikey(&mut self) -> u32 {
        self.revision += 1;
        self.tray.add_blank()
    }

    /// Writes on an iKey's sticker (a key in the port must be taken out first).
    pub fn set_sticker(&mut self, id: u32, color: Option<Color>, label: &str) -> Result<(), String> {
        if label.chars().count() > STICKER_MAX {
            return Err(format!("A sticker holds at most {STICKER_MAX} characters."));
        }
        let in_port = self.port_holding(id).map(|unit| self.of_unit(unit));
        let key = self.tray.get_mut(id).ok_or_else(|| {
            if let Some(of_unit) = in_port {
                format!("iKey {id} is in the port{of_unit}: remove it to write on its sticker.")
            } else {
                format!("There is no iKey {id}.")
            }
        })?;
        key.sticker.color = color;
        key.sticker.label = label.to_string();
        self.revision += 1;
        Ok(())
    }

    /// True while `hsm monitor` waits for its next reading: time passing prints it.
    pub fn monitoring(&self) -> bool {
        self.console.monitoring()
    }

    /// True while LunaCM waits for an iKey ceremony to end on the touchscreen ("Please attend to the PED.").
    pub fn waiting_for_ped(&self) -> bool {
        self.console.waiting_for_ped()
    }

    /// True while LunaCM waits for a password: the input and its echo are masked.
    pub fn input_masked(&self) -> bool {
        self.console.prompt().masked
    }

    /// The text LunaCM is waiting at: `lunacm:>` or a question.
    pub fn prompt(&self) -> String {
        self.console.prompt().text
    }

    /// What the touchscreen of the unit in front shows.
    pub fn screen(&self, host_now_ms: u64) -> Screen {
        self.front_hsm().screen_at(Some(self.now(host_now_ms)))
    }

    /// The world's time: the host clock plus any `sim clock advance`.
    pub fn now(&self, host_now_ms: u64) -> u64 {
        host_now_ms.saturating_add(self.clock_offset_ms)
    }

    /// Counts the lines entered; a newer saved revision means another tab changed the world.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The shipping e-mail with unit 1's STM strings.
    pub fn shipment(&self) -> &Shipment {
        &self.shipment
    }

    /// The slot LunaCM's commands address now.
    pub fn current_slot(&self) -> crate::device::SlotId {
        self.console.slot()
    }

    /// The host computer's files (policy templates).
    pub fn files(&self) -> &HostFiles {
        &self.files
    }

    /// Puts `console` in as this world's LunaCM session: a mirror of a unit on a cable is drawn with the
    /// session that drives it.
    pub(crate) fn set_console(&mut self, console: Console) {
        self.console = console;
    }

    /// The host computer's files, for host programs that write them (LunaCM driving a unit on a USB
    /// cable writes the same host's files).
    pub(crate) fn files_mut(&mut self) -> &mut HostFiles {
        &mut self.files
    }

    /// Writes a file on the host (an upload, or an edit in the files panel).
    pub fn put_file(&mut self, name: &str, text: String) -> Result<(), String> {
        self.files.put(name, text)?;
        self.revision += 1;
        Ok(())
    }

    /// Deletes a file on the host; returns whether it existed.
    pub fn remove_file(&mut self, name: &str) -> bool {
        let removed = self.files.remove(name);
        if removed {
            self.revision += 1;
        }
        removed
    }

    /// The device, for inspection.
    pub fn hsm(&self) -> &Hsm {
        &self.hsm
    }

    /// Replaces the world with a factory-fresh one (the `sim reset` command), with the same settings.
    /// Returns the title of the lab this ended, if one was running: the new world has none, and the
    /// trainee must be told rather than find the lab gone.
    pub(crate) fn reset(&mut self, seed: u64, now_ms: u64) -> Option<String> {
        let revision = self.revision;
        let ended = self.lab.take().map(|run| run.lab.title);
        *self = World::with_settings(seed, now_ms, self.settings.clone());
        self.revision = revision;
        ended
    }
}

/// Whether the unit in front is unit 1, which a saved world leaves unsaid.
fn is_zero(n: &usize) -> bool {
    *n == 0
}
