//! Authoring a lab in the simulator (the instructor panel's "Author a lab"). Recording starts from the
//! world as it is, which becomes the lab's starting state (a world file inside the lab file, `[start]
//! world`); what the author then does is recorded as the step's solution: the lines typed in LunaCM's
//! terminal as typed (answers to its questions, passwords included), and every action on the desk and
//! the touchscreen as the `sim` line that does the same. When recording stops, the recorded lines are
//! run again on the starting world, and the checks proposed are those that the author's final world and
//! the rebuilt one both pass and the starting world does not (a check already true at the start would
//! teach nothing and complete the step before the trainee did anything). The author picks some, names the lab, and exports
//! it: the lab file is read back and its solution run, as `lunacm --check-lab` does, before it is given.

use serde::{Deserialize, Serialize};

use super::check::Ctx;
use super::terms::{Auth, AuthSetting, EventName, RoleName, Rollback};
use super::{Check, Lab, LabRun, Start, Step, NOW, WORLD_FORMAT};
use crate::device::{AuthMethod, Event, Role, ADMIN_SLOT, PARTITION_SLOT};
use crate::view::AuthoringView;
use crate::World;

/// Most solution lines a recording keeps.
pub const LINES_MAX: usize = 1000;
/// Most characters of a lab's or a step's title.
pub const TITLE_MAX: usize = 120;
/// Most characters of the objective.
pub const OBJECTIVE_MAX: usize = 1000;
/// Most characters of the step's instructions.
pub const INSTRUCTIONS_MAX: usize = 4000;
/// Most characters of a lab id.
pub const ID_MAX: usize = 64;
/// Most chapters, and most hints.
pub const ITEMS_MAX: usize = 12;
/// Most characters of a chapter or a hint.
pub const ITEM_MAX: usize = 500;
/// Most minutes a lab may say it takes.
pub const MINUTES_MAX: u32 = 600;
/// The largest lab file exported: the largest file the page opens ("Open a lab file…"), as the host
/// keeps files.
pub const FILE_MAX: usize = crate::host::FILE_MAX;

/// A solution line, and whether it answered a password prompt (shown masked in the panel; it is in the
/// lab file as typed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub line: String,
    pub secret: bool,
}

/// What the author says about the lab when exporting it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabMeta {
    /// Lowercase letters, digits and dashes; not an id of the catalogue.
    pub id: String,
    pub title: String,
    /// The admin guide's chapters it practises (may be empty).
    pub chapters: Vec<String>,
    pub objective: String,
    pub minutes: u32,
    /// The step's title and instructions (short markdown, commands as `code`).
    pub step_title: String,
    pub instructions: String,
    /// Revealed one at a time (may be empty).
    pub hints: Vec<String>,
}

/// A recording under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recording {
    /// The starting world, as a world file.
    start: String,
    /// The world's clock when recording started.
    clock: u64,
    /// The device's count of events emitted when recording started: checks count the events after it.
    since: u64,
    lines: Vec<Recorded>,
    /// Set when an action could not be kept (the recording was full): the lab cannot be exported.
    lost: bool,
}

/// Why recording cannot start now, if it cannot.
fn not_ready(world: &World) -> Option<&'static str> {
    if world.lab().is_some() {
        return Some("a lab is in progress: leave it first (a recorded lab starts from a world without a lab)");
    }
    if world.waiting_for_ped() || world.busy() {
        return Some("an iKey operation is under way: finish it first");
    }
    if world.monitoring() || world.prompt() != crate::lunacm::PROMPT {
        return Some("LunaCM is asking a question or monitoring: finish that first");
    }
    None
}

impl Recording {
    /// Starts recording on `world` at host time `now_ms`: a new LunaCM session begins (no role logged
    /// in, as the trainee's will), and the world as it is then becomes the starting state. Returns the
    /// recording and the new session's banner. Refused, with why, while a lab runs, LunaCM is busy, or
    /// the world is too large for a lab file; then nothing changes.
    pub fn start(world: &mut World, now_ms: u64) -> Result<(Recording, String), String> {
        if let Some(why) = not_ready(world) {
            return Err(format!("Recording did not start: {why}."));
        }
        let size = world.to_world_file().len();
        // Room for the lab around it: its texts and the solution.
        if size > FILE_MAX - 32 * 1024 {
            return Err(format!(
                "Recording did not start: the world is {} KiB as a world file, too large for a lab file (at most {} \
                 KiB). Delete large host files (audit logs) first, or start from a fresh unit.",
                size / 1024,
                FILE_MAX / 1024
            ));
        }
        let banner = world.start_session(now_ms);
        let recording = Recording {
            start: world.to_world_file(),
            clock: world.now(now_ms),
            since: world.hsm().emitted(),
            lines: Vec::new(),
            lost: false,
        };
        Ok((recording, banner))
    }

    /// Records a solution line (`secret`: typed at a password prompt). Digits tapped one after another on
    /// the keypad make one `sim keypad` line.
    pub fn push(&mut self, line: String, secret: bool) {
        if let (Some(digits), Some(last)) = (line.strip_prefix("sim keypad "), self.lines.last_mut()) {
            if last.line.starts_with("sim keypad ") && !last.secret && !secret {
                last.line.push_str(digits);
                return;
            }
        }
        if self.lines.len() >= LINES_MAX {
            self.lost = true;
            return;
        }
        self.lines.push(Recorded { line, secret });
    }

    /// The lines recorded so far.
    pub fn lines(&self) -> &[Recorded] {
        &self.lines
    }

    /// Stops recording with `world` as the author left it at host time `now_ms`: the recorded lines
    /// are run again on the starting world, and the checks are proposed that both final worlds pass and
    /// the starting world does not.
    pub fn stop(self, world: &World, now_ms: u64) -> Draft {
        let mut draft = Draft {
            start: self.start,
            clock: self.clock,
            lines: self.lines,
            lost: self.lost,
            proposals: Vec::new(),
            problem: None,
        };
        if draft.lines.is_empty() {
            draft.problem = Some("Nothing was recorded.".into());
            return draft;
        }
        let replayed = match draft.replay() {
            Ok(r) => r,
            Err(e) => {
                draft.problem = Some(format!("The recorded lines could not be run again: {e}."));
                return draft;
            }
        };
        let live = Ctx { world, since: self.since, now_ms };
        let (start, end) = (&replayed.0, &replayed.1);
        let again = Ctx { world: end, since: replayed.2, now_ms: NOW };
        let at_start = Ctx { world: start, since: replayed.2, now_ms: NOW };
        for check in candidates(world, self.since, now_ms) {
            let proposed = check.evaluate(live).is_ok()
                && check.evaluate(again).is_ok()
                && check.evaluate(at_start).is_err()
                && !draft.proposals.contains(&check);
            if proposed {
                draft.proposals.push(check);
            }
        }
        if draft.proposals.is_empty() {
            draft.problem = Some(
                "No check tells the final world from the starting one, or the recorded lines did not do the same \
                 when run again: record a procedure that changes the HSM, its roles, policies or files."
                    .into(),
            );
        }
        draft
    }

    /// What the panel shows while recording.
    pub fn view(&self) -> AuthoringView {
        AuthoringView {
            recording: true,
            lines: shown(&self.lines),
            full: self.lost,
            proposals: Vec::new(),
            problem: None,
        }
    }
}

/// The lines as the panel shows them: answers at password prompts masked.
fn shown(lines: &[Recorded]) -> Vec<String> {
    lines
        .iter()
        .map(|r| if r.secret { "•••••••• (typed at a password prompt)".into() } else { r.line.clone() })
        .collect()
}

/// A stopped recording: its starting world, its lines and the checks proposed, until it is exported or
/// discarded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    start: String,
    clock: u64,
    lines: Vec<Recorded>,
    lost: bool,
    /// The checks the final world passes and the starting world does not, in the order proposed.
    proposals: Vec<Check>,
    /// Why the recording cannot make a lab, if it cannot.
    problem: Option<String>,
}

impl Draft {
    /// The checks proposed.
    pub fn proposals(&self) -> &[Check] {
        &self.proposals
    }

    /// The lab with `meta` and the proposed checks `chosen` (indices into [`Draft::proposals`]).
    fn lab(&self, meta: &LabMeta, checks: Vec<Check>) -> Lab {
        Lab {
            format: WORLD_FORMAT,
            id: meta.id.clone(),
            title: meta.title.clone(),
            chapters: meta.chapters.clone(),
            objective: meta.objective.clone(),
            minutes: meta.minutes,
            start: Start { seed: None, script: Vec::new(), world: Some(self.start.clone()), clock: Some(self.clock) },
            steps: vec![Step {
                title: meta.step_title.clone(),
                instructions: meta.instructions.clone(),
                checks,
                hints: meta.hints.clone(),
                solution: self.lines.iter().map(|r| r.line.clone()).collect(),
            }],
        }
    }

    /// The starting world, the world after the recorded lines ran on it again at [`NOW`], and the event
    /// mark the lab counts from.
    fn replay(&self) -> Result<(World, World, u64), String> {
        let placeholder = LabMeta { id: "draft".into(), step_title: "draft".into(), ..LabMeta::default() };
        let lab = self.lab(&placeholder, Vec::new());
        let start = lab.start()?;
        let mut world = start.clone();
        let since = LabRun::new(lab.clone(), &start).since_emitted;
        for line in &lab.steps[0].solution {
            world.enter(line, NOW);
        }
        Ok((start, world, since))
    }

    /// The lab file (TOML) for `meta` and the proposed checks `chosen`: refused, with why and nothing
    /// changed, for a bad or over-long field, an id of the catalogue, no check, a recording that was cut
    /// short, or a file that does not read back as this lab or whose solution does not pass its checks.
    pub fn export(&self, meta: &LabMeta, chosen: &[usize]) -> Result<String, String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        if self.lost {
            return Err(format!("the recording was cut short at {LINES_MAX} lines: record a shorter procedure"));
        }
        validate(meta)?;
        let mut picked: Vec<usize> = chosen.to_vec();
        picked.sort_unstable();
        picked.dedup();
        if picked.is_empty() {
            return Err("choose at least one check".into());
        }
        let checks = picked
            .iter()
            .map(|&i| self.proposals.get(i).cloned().ok_or(format!("there is no proposed check {}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        let lab = self.lab(meta, checks);
        let text = to_toml(&lab)?;
        if text.len() > FILE_MAX {
            return Err(format!(
                "the lab file would be {} KiB; a lab file opens only up to {} KiB",
                text.len() / 1024,
                FILE_MAX / 1024
            ));
        }
        let back = super::parse(&text).map_err(|e| format!("the lab file does not read back: {e}"))?;
        if back != lab {
            return Err("the lab file does not read back as the lab recorded".into());
        }
        let outcomes = back.check_solutions()?;
        if let Some(failed) = outcomes.iter().find(|o| !o.passed()) {
            return Err(format!(
                "the recorded solution does not pass its checks when run again: {}",
                failed.failures.join("; ")
            ));
        }
        let start = back.start()?;
        if LabRun::new(back.clone(), &start).check_step(0, &start, NOW).iter().all(|r| r.passed()) {
            return Err("every check chosen passes on the starting world already".into());
        }
        Ok(text)
    }

    /// What the panel shows once recording stopped.
    pub fn view(&self) -> AuthoringView {
        AuthoringView {
            recording: false,
            lines: shown(&self.lines),
            full: self.lost,
            proposals: self.proposals.iter().map(Check::describe).collect(),
            problem: self.problem.clone(),
        }
    }
}

/// `value` with `places` decimal places, as `sim temperature` (tenths) and `sim voltage` (thousandths)
/// read it: `725, 1` is `72.5`, `-5, 1` is `-0.5`.
pub fn decimal(value: i64, places: u32) -> String {
    let unit = 10_i64.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    format!("{sign}{}.{:0width$}", v / unit as u64, v % unit as u64, width = places as usize)
}

/// Words as a LunaCM line reads them back: a word with a space in it is quoted.
pub fn words(args: &[String]) -> String {
    let each: Vec<String> =
        args.iter().map(|a| if a.contains(char::is_whitespace) { format!("\"{a}\"") } else { a.clone() }).collect();
    each.join(" ")
}

/// An author's session: recording, or stopped with a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authoring {
    Recording(Recording),
    Stopped(Draft),
}

impl Authoring {
    /// What the panel shows.
    pub fn view(&self) -> AuthoringView {
        match self {
            Authoring::Recording(r) => r.view(),
            Authoring::Stopped(d) => d.view(),
        }
    }
}

/// Checks the fields of `meta`, naming the first that is wrong.
fn validate(meta: &LabMeta) -> Result<(), String> {
    let id = meta.id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(format!("the id \"{id}\" should be lowercase letters, digits and dashes"));
    }
    if id.len() > ID_MAX {
        return Err(format!("the id is longer than {ID_MAX} characters"));
    }
    if super::catalogue::find(id).is_some() {
        return Err(format!("\"{id}\" is the id of a lab of the catalogue: choose another"));
    }
    let text = |name: &str, value: &str, max: usize, one_line: bool| {
        if value.trim().is_empty() {
            return Err(format!("the {name} is empty"));
        }
        if value.chars().count() > max {
            return Err(format!("the {name} is longer than {max} characters"));
        }
        if one_line && value.contains(['\n', '\r']) {
            return Err(format!("the {name} must be one line"));
        }
        Ok(())
    };
    text("title", &meta.title, TITLE_MAX, true)?;
    text("objective", &meta.objective, OBJECTIVE_MAX, false)?;
    text("step title", &meta.step_title, TITLE_MAX, true)?;
    text("instructions", &meta.instructions, INSTRUCTIONS_MAX, false)?;
    for (name, items) in [("chapter", &meta.chapters), ("hint", &meta.hints)] {
        if items.len() > ITEMS_MAX {
            return Err(format!("at most {ITEMS_MAX} {name}s"));
        }
        for item in items {
            text(name, item, ITEM_MAX, true)?;
        }
    }
    if !(1..=MINUTES_MAX).contains(&meta.minutes) {
        return Err(format!("the time should be 1 to {MINUTES_MAX} minutes"));
    }
    Ok(())
}

/// One TOML value, written as TOML writes it inline (strings with newlines as multi-line strings).
fn value<T: Serialize>(v: &T) -> Result<String, String> {
    let mut s = String::new();
    v.serialize(toml::ser::ValueSerializer::new(&mut s))
        .map_err(|e| format!("the lab file could not be written: {e}"))?;
    Ok(s)
}

/// An array of values, one per line.
fn array<T: Serialize>(items: &[T]) -> Result<String, String> {
    if items.is_empty() {
        return Ok("[]".into());
    }
    let mut s = String::from("[\n");
    for item in items {
        s.push_str(&format!("  {},\n", value(item)?));
    }
    s.push(']');
    Ok(s)
}

/// The lab as a lab file laid out as the files of `labs/` are.
fn to_toml(lab: &Lab) -> Result<String, String> {
    let step = &lab.steps[0];
    let start = &lab.start;
    let mut s = String::from("# A lab recorded in the Luna USB HSM 7 simulator (Instructor panel, Author a lab).\n");
    s.push_str("# Its solution holds what the author typed, passwords included: training secrets only.\n");
    s.push_str(&format!("format = {}\n", lab.format));
    s.push_str(&format!("id = {}\n", value(&lab.id)?));
    s.push_str(&format!("title = {}\n", value(&lab.title)?));
    s.push_str(&format!("chapters = {}\n", value(&lab.chapters)?));
    s.push_str(&format!("objective = {}\n", value(&lab.objective)?));
    s.push_str(&format!("minutes = {}\n\n", lab.minutes));
    s.push_str("[start]\n# The world the lab starts from: a world file, as Export world writes it.\n");
    if let Some(clock) = start.clock {
        s.push_str(&format!("clock = {clock}\n"));
    }
    s.push_str(&format!("world = {}\n\n", value(&start.world)?));
    s.push_str("[[steps]]\n");
    s.push_str(&format!("title = {}\n", value(&step.title)?));
    s.push_str(&format!("instructions = {}\n", value(&step.instructions)?));
    s.push_str(&format!("checks = {}\n", array(&step.checks)?));
    s.push_str(&format!("hints = {}\n", array(&step.hints)?));
    s.push_str(&format!("solution = {}\n", array(&step.solution)?));
    Ok(s)
}

/// The checks that could describe `world`: its state as each kind of check reads it, and the events
/// since `since`, at host time `now_ms`. Each is true of `world`; which of them the starting world also
/// passes is decided by the caller.
fn candidates(world: &World, since: u64, now_ms: u64) -> Vec<Check> {
    let hsm = world.hsm();
    let mut out = vec![Check::Stm { active: hsm.in_stm() }, Check::Zeroized { value: hsm.zeroized() }];
    let events: Vec<&Event> = hsm.events_since(since).iter().map(|s| &s.event).collect();
    if let Some(matching) =
        events.iter().rev().find_map(|e| if let Event::StmRecovered { matching } = e { Some(*matching) } else { None })
    {
        out.push(Check::StmRecovered { matching });
    }
    match hsm.auth() {
        Some(AuthMethod::Password) if !hsm.zeroized() => out.push(Check::Initialized { auth: Auth::Password }),
        Some(AuthMethod::Multifactor) if !hsm.zeroized() => out.push(Check::Initialized { auth: Auth::Multifactor }),
        _ => {}
    }
    out.push(Check::AuthMethod {
        value: match hsm.auth() {
            Some(AuthMethod::Password) => AuthSetting::Password,
            Some(AuthMethod::Multifactor) => AuthSetting::Multifactor,
            None => AuthSetting::None,
        },
    });
    if !hsm.label().is_empty() {
        out.push(Check::Label { value: hsm.label().to_string() });
    }
    out.push(Check::Partition {
        exists: hsm.partition().is_some(),
        initialized: hsm.partition().map(|p| p.initialized()),
    });
    out.push(Check::Auditor { initialized: hsm.admin_roles().get(Role::Auditor).is_some() });
    for role in Role::ALL {
        let record = if role.on_admin_slot() {
            hsm.admin_roles().get(role)
        } else {
            hsm.partition().and_then(|p| p.roles().get(role))
        };
        let name = RoleName(role);
        out.push(Check::RoleInitialized { role: name, value: record.is_some() });
        let slot = if role.on_admin_slot() { ADMIN_SLOT } else { PARTITION_SLOT };
        if hsm.logged_in(slot) == Some(role) {
            out.push(Check::RoleLoggedIn { role: name, value: true });
        }
        if let Some(record) = record {
            out.push(Check::MustChange { role: name, value: record.must_change });
            if let Some(ks) = record.credential.keyset() {
                out.push(Check::Keyset { role: name, m: ks.m, n: ks.n, pins: None, duplicates_at_least: None });
            }
            out.push(Check::LockedOut { role: name, value: record.locked(world.now(now_ms)).is_some() });
        }
        if events.iter().any(|e| matches!(e, Event::CredentialChanged { role: r, .. } if *r == role)) {
            out.push(Check::CredentialChanged { role: name });
        }
    }
    for (id, value) in hsm.policies().iter() {
        out.push(Check::HsmPolicy { id, value });
    }
    if let Some(p) = hsm.partition() {
        for (id, value) in p.policies().iter() {
            out.push(Check::PartitionPolicy { id, value });
        }
        out.push(Check::Objects { count: p.objects().count(), remains: None });
    }
    // Each kind of event since recording began, per role, with its count.
    let mut counted: Vec<(EventName, Option<Role>, u32)> = Vec::new();
    for (name, role) in events.iter().map(|e| EventName::of(e)) {
        match counted.iter_mut().find(|(n, r, _)| *n == name && *r == role) {
            Some(c) => c.2 += 1,
            None => counted.push((name, role, 1)),
        }
    }
    for (name, role, count) in counted {
        out.push(Check::Event { name, count_at_least: count, role: role.map(RoleName) });
    }
    let audit = hsm.audit();
    out.push(Check::Audit { domain: Some(audit.domain_set()), path: None, logs: None });
    out.push(Check::Audit { domain: None, path: Some(audit.config().path.is_some()), logs: None });
    if let Some((_, report)) = audit.last_verified() {
        out.push(Check::AuditVerified {
            failed: report.failure.is_some(),
            line: report.failure.as_ref().map(|f| f.line),
        });
    }
    for (name, _) in world.files().iter() {
        out.push(Check::HostFile { name: name.to_string(), contains: None });
    }
    let tampered = matches!(hsm.halt(), Some(crate::device::tamper::Halt::Tamper(_)));
    out.push(Check::Tamper { active: tampered });
    out.push(Check::Halted { value: hsm.halt().is_some() });
    let firmware = hsm.firmware();
    out.push(Check::Firmware { version: firmware.running(), rollback: Some(Rollback(firmware.rollback())) });
    out
}

// Exporting reads the lab file back with the TOML parser, which only native tests run.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A year after the clock labs are checked at: the author's computer is later than [`NOW`].
    const LATER: u64 = NOW + 365 * 86_400_000;

    /// A unit recovered from STM, then a recording of its initialization and the HSM SO's login, the
    /// password typed at LunaCM's masked prompt.
    fn recorded() -> (World, Draft) {
        let mut world = World::new(5, LATER);
        for line in ["stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP", "proceed"] {
            world.enter(line, LATER);
        }
        let (mut recording, banner) = Recording::start(&mut world, LATER).unwrap();
        assert!(banner.ends_with(crate::lunacm::PROMPT));
        for line in [
            "hsm init -label authored -ipwd -password userpin1 -domain mydomain -force",
            "role login -name so",
            "userpin1",
        ] {
            recording.push(line.to_string(), world.input_masked());
            world.enter(line, LATER);
        }
        let draft = recording.stop(&world, LATER);
        (world, draft)
    }

    fn meta() -> LabMeta {
        LabMeta {
            id: "authored-init".into(),
            title: "Initialize a recovered unit".into(),
            chapters: vec!["Chapter 4: Initialization".into()],
            objective: "Initialize the HSM with a password and log in as HSM SO.".into(),
            minutes: 5,
            step_title: "Initialize and log in".into(),
            instructions: "Run `hsm init`, then `role login -name so`.".into(),
            hints: vec!["hsm init -label authored -ipwd".into()],
        }
    }

    #[test]
    fn a_recorded_session_exports_a_lab_that_reads_back_and_passes_its_checks() {
        let (_, draft) = recorded();
        assert_eq!(draft.problem, None);
        let proposed = draft.proposals();
        for wanted in [
            Check::Initialized { auth: Auth::Password },
            Check::Label { value: "authored".into() },
            Check::RoleLoggedIn { role: RoleName(Role::So), value: true },
        ] {
            assert!(proposed.contains(&wanted), "{wanted:?} not in {proposed:?}");
        }
        // Already true on the starting world (the unit was recovered before recording): not proposed.
        assert!(!proposed.contains(&Check::Stm { active: false }), "{proposed:?}");
        let view = draft.view();
        assert_eq!(view.lines[2], "•••••••• (typed at a password prompt)", "the password is masked in the panel");
        assert_eq!(view.proposals.len(), proposed.len());

        let all: Vec<usize> = (0..proposed.len()).collect();
        let text = draft.export(&meta(), &all).unwrap();
        assert!(text.contains("format = 2\n"), "{}", &text[..400]);
        // The world is the world file as people read it, one value a line.
        let readable = "world = \"\"\"\n{\n  \"format\": \"luna-usb-hsm7-sim world\"";
        assert!(text.contains(readable), "{}", &text[..900]);
        assert!(text.contains("\"userpin1\""), "the password typed is in the solution, as the panel warns");
        let lab = super::super::parse(&text).unwrap();
        assert_eq!((lab.format, lab.steps[0].checks.len()), (2, proposed.len()));
        let outcomes = lab.check_solutions().unwrap();
        assert!(outcomes.iter().all(StepOutcome::passed), "{outcomes:?}");
        // No proposed check passes on the starting world.
        let start = lab.start().unwrap();
        let run = LabRun::new(lab.clone(), &start);
        assert!(run.check_step(0, &start, NOW).iter().all(|r| !r.passed()));

        // A trainee opens the file on another computer, later still, and types the solution.
        let now = LATER + 86_400_000;
        let mut trainee = World::new(77, now);
        trainee.start_lab_from(lab.clone(), now).unwrap();
        assert_eq!(trainee.hsm().serial(), start.hsm().serial(), "the recorded unit, not a fresh one");
        assert!(trainee.now(now) >= lab.start.clock.unwrap());
        for line in &lab.steps[0].solution {
            trainee.enter(line, now);
        }
        assert!(trainee.lab().unwrap().finished());
    }

    use super::super::StepOutcome;

    #[test]
    fn the_world_of_a_lab_never_starts_before_its_clock() {
        let (_, draft) = recorded();
        let text = draft.export(&meta(), &[0]).unwrap();
        let lab = super::super::parse(&text).unwrap();
        let clock = lab.start.clock.unwrap();
        assert!(clock >= LATER);
        // Checked at NOW, a year before it was recorded: its clock continues from the recording.
        assert_eq!(lab.start_at(NOW).unwrap().now(NOW), clock);
        // Run later than that, it keeps the host's clock.
        assert_eq!(lab.start_at(clock + 1000).unwrap().now(clock + 1000), clock + 1000);
    }

    #[test]
    fn bad_fields_are_refused_with_why() {
        let (_, draft) = recorded();
        let refused = |m: LabMeta, checks: &[usize]| draft.export(&m, checks).unwrap_err();
        let e = refused(LabMeta { id: "receive-new-unit".into(), ..meta() }, &[0]);
        assert!(e.contains("catalogue"), "{e}");
        assert!(refused(LabMeta { id: "Bad Id".into(), ..meta() }, &[0]).contains("lowercase"));
        let e = refused(LabMeta { title: "T".repeat(TITLE_MAX + 1), ..meta() }, &[0]);
        assert!(e.contains("title is longer than 120"), "{e}");
        assert!(refused(LabMeta { title: "two\nlines".into(), ..meta() }, &[0]).contains("one line"));
        assert!(refused(LabMeta { instructions: " ".into(), ..meta() }, &[0]).contains("instructions is empty"));
        assert!(refused(LabMeta { minutes: 0, ..meta() }, &[0]).contains("minutes"));
        let e = refused(LabMeta { hints: vec!["h".into(); ITEMS_MAX + 1], ..meta() }, &[0]);
        assert!(e.contains("at most 12 hints"), "{e}");
        assert!(refused(meta(), &[]).contains("at least one check"));
        assert!(refused(meta(), &[999]).contains("no proposed check 1000"));
    }

    #[test]
    fn recording_waits_for_a_lab_or_a_question_to_end() {
        let mut world = World::new(1, NOW);
        world.start_lab("receive-new-unit").unwrap();
        let e = Recording::start(&mut world, NOW).unwrap_err();
        assert!(e.contains("a lab is in progress"), "{e}");
        world.stop_lab();
        world.enter("stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP", NOW);
        let before = world.to_json();
        let e = Recording::start(&mut world, NOW).unwrap_err();
        assert!(e.contains("asking a question"), "{e}");
        assert_eq!(world.to_json(), before, "a refusal changes nothing");
    }

    #[test]
    fn a_recording_that_changes_nothing_proposes_nothing_and_does_not_export() {
        let mut world = World::new(2, NOW);
        let (mut recording, _) = Recording::start(&mut world, NOW).unwrap();
        for line in ["slot list", "sim keypad 1", "sim keypad 2"] {
            recording.push(line.into(), false);
            world.enter(line, NOW);
        }
        assert_eq!(recording.lines().len(), 2, "keypad digits in a row make one line");
        assert_eq!(recording.lines()[1].line, "sim keypad 12");
        let draft = recording.stop(&world, NOW);
        assert!(draft.proposals().is_empty());
        let e = draft.export(&meta(), &[0]).unwrap_err();
        assert!(e.contains("No check tells"), "{e}");
    }

    #[test]
    fn decimals_and_words_read_back_as_sim_lines_take_them() {
        assert_eq!(decimal(725, 1), "72.5");
        assert_eq!(decimal(-5, 1), "-0.5");
        assert_eq!(decimal(5000, 3), "5.000");
        assert_eq!(words(&["sign".into(), "-data=hello world".into()]), "sign \"-data=hello world\"");
    }
}
