//! Labs: guided exercises written as data (TOML files under `labs/` at the repository root).
//!
//! A lab names a starting state (a seed and lines run on a fresh world, or a whole world as a world file)
//! and steps; each step is complete when all its [`Check`]s pass on the world. [`LabRun`] follows a
//! trainee through the steps; [`author`] records a new lab from what an author does in the simulator.

pub mod author;
pub mod catalogue;
mod check;
pub mod report;
mod terms;

pub use check::{Check, Ctx};
pub use terms::{Auth, AuthSetting, EventName, RoleName};

use crate::lunacm::PROMPT;
use crate::World;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The newest lab file format this simulator reads. Format 2 added a starting world (`[start] world`);
/// a simulator that reads only format 1 refuses such a file as written for a newer simulator.
pub const LAB_FORMAT: u32 = 2;

/// The first format whose `[start]` may carry a world.
pub const WORLD_FORMAT: u32 = 2;

/// The clock a lab's starting script runs at: Mon Nov 24 2025, 16:00:00 UTC.
pub const NOW: u64 = 1_764_000_000_000;

/// In a start script or a solution line, replaced by the random user string of the unit's shipping e-mail.
pub const RANDOM_USER_STRING: &str = "${random_user_string}";
/// Stands for the unit's serial number in lab scripts and solutions (log file names carry it).
pub const SERIAL: &str = "${serial}";

fn format_one() -> u32 {
    1
}

/// A lab, as read from its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    /// Version of the lab file format.
    #[serde(default = "format_one")]
    pub format: u32,
    /// Short stable name: lowercase letters, digits and dashes.
    pub id: String,
    pub title: String,
    /// The guide's chapters the lab practises ("3", "4 Lost iKeys"...).
    pub chapters: Vec<String>,
    /// What the trainee will be able to do.
    pub objective: String,
    /// Estimated time, in minutes.
    pub minutes: u32,
    pub start: Start,
    pub steps: Vec<Step>,
}

/// The world the trainee starts from: a fresh unit made from `seed`, or the world in `world`; then the
/// lines of `script`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// Seed of the fresh world; none when the lab starts from a `world`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// LunaCM and `sim` lines run on it before the trainee starts.
    #[serde(default)]
    pub script: Vec<String>,
    /// A world file ([`World::to_world_file`]) to start from instead of a fresh unit (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<String>,
    /// With a `world`: its clock when it was recorded (milliseconds since the Unix epoch). The lab's
    /// world never starts earlier, so that what the world holds (log records, lockouts) is never in
    /// its future, whatever the clock of the computer that runs the lab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<u64>,
}

/// One step of a lab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// Short markdown, the commands as code.
    pub instructions: String,
    /// All must pass for the step to be complete.
    pub checks: Vec<Check>,
    /// Revealed one at a time.
    #[serde(default)]
    pub hints: Vec<String>,
    /// Lines that complete the step.
    pub solution: Vec<String>,
}

/// Why a lab file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabError(pub String);

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.trim_end())
    }
}

impl std::error::Error for LabError {}

/// Reads a lab file, refusing a malformed one, an unknown check kind or field, or a newer format, with
/// the field and line at fault.
pub fn parse(text: &str) -> Result<Lab, LabError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| LabError(format!("malformed lab file: {e}")))?;
    match table.get("format") {
        None => {}
        Some(toml::Value::Integer(n)) if *n > i64::from(LAB_FORMAT) => {
            return Err(LabError(format!(
                "field `format`: this lab is in format version {n}, written for a newer simulator; this one reads versions up to {LAB_FORMAT}"
            )))
        }
        Some(toml::Value::Integer(n)) if *n >= 1 => {}
        Some(v) => return Err(LabError(format!("field `format`: expected a version number from 1, found {v}"))),
    }
    let lab: Lab = toml::from_str(text).map_err(|e| LabError(format!("invalid lab: {e}")))?;
    lab.validate()?;
    Ok(lab)
}

/// Reads a lab already turned into JSON (the embedded catalogue), with the checks [`parse`] makes.
pub fn from_value(value: serde_json::Value) -> Result<Lab, LabError> {
    match value.get("format") {
        None => {}
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some_and(|n| n > u64::from(LAB_FORMAT)) => {
            return Err(LabError(format!(
                "field `format`: this lab is in format version {n}, written for a newer simulator; this one reads versions up to {LAB_FORMAT}"
            )))
        }
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => {}
        Some(v) => return Err(LabError(format!("field `format`: expected a version number from 1, found {v}"))),
    }
    let lab: Lab = serde_json::from_value(value).map_err(|e| LabError(format!("invalid lab: {e}")))?;
    lab.validate()?;
    Ok(lab)
}

impl Lab {
    fn validate(&self) -> Result<(), LabError> {
        let bad = |m: String| Err(LabError(m));
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return bad(format!("field `id`: \"{}\" should be lowercase letters, digits and dashes", self.id));
        }
        match (&self.start.seed, &self.start.world) {
            (None, None) => {
                return bad("[start]: a lab needs a `seed` (a fresh unit) or a `world` to start from".into())
            }
            (Some(_), Some(_)) => {
                return bad("[start]: a lab starts from a `seed` or from a `world`, not both".into());
            }
            (None, Some(_)) if self.format < WORLD_FORMAT => {
                return bad(format!(
                    "[start]: a lab that starts from a `world` is format {WORLD_FORMAT}: write \
                     `format = {WORLD_FORMAT}` at its top"
                ));
            }
            (Some(_), None) if self.start.clock.is_some() => {
                return bad("[start]: `clock` is the clock of a starting `world`; this lab has none".into());
            }
            _ => {}
        }
        if self.steps.is_empty() {
            return bad("field `steps`: a lab needs at least one step".into());
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.checks.is_empty() {
                return bad(format!("steps[{i}] \"{}\": field `checks` is empty; a step needs a check", s.title));
            }
            if s.solution.is_empty() {
                return bad(format!("steps[{i}] \"{}\": field `solution` is empty", s.title));
            }
        }
        Ok(())
    }

    /// The world the trainee starts from, at the clock labs are checked at ([`NOW`]): see
    /// [`Lab::start_at`].
    pub fn start(&self) -> Result<World, String> {
        self.start_at(NOW)
    }

    /// The world the trainee starts from when the host clock reads `host_now_ms`: a fresh unit (its
    /// script run at [`NOW`]) or the lab's world (never earlier than its `clock`, its script run at
    /// `host_now_ms`), then a new LunaCM session (no one logged in). Fails when the world file is not one
    /// this simulator reads, or the script leaves LunaCM waiting for an answer.
    pub fn start_at(&self, host_now_ms: u64) -> Result<World, String> {
        let (mut world, now) = match (&self.start.world, self.start.seed) {
            (Some(text), _) => {
                let mut world = World::from_world_file(text).map_err(|e| format!("the starting world: {e}"))?;
                // The lab about to start is the world's only lab.
                world.stop_lab();
                if let Some(clock) = self.start.clock {
                    world.clock_offset_ms = world.clock_offset_ms.max(clock.saturating_sub(host_now_ms));
                }
                (world, host_now_ms)
            }
            (None, Some(seed)) => (World::new(seed, NOW), NOW),
            (None, None) => return Err("the lab has no starting state".into()),
        };
        world.start_session(now);
        for (i, line) in self.start.script.iter().enumerate() {
            world.enter(&expand(line, &world), now);
            if world.waiting_for_ped() {
                continue;
            }
            if i + 1 == self.start.script.len() && world.prompt() != PROMPT {
                return Err(format!("the start script ends with LunaCM asking \"{}\"", world.prompt().trim()));
            }
        }
        if world.waiting_for_ped() {
            return Err("the start script ends with LunaCM waiting for an iKey ceremony".into());
        }
        world.start_session(now);
        Ok(world)
    }

    /// Runs the starting state, then each step's solution in turn, judging each step's checks after
    /// its solution, as `lunacm --check-lab` does: one outcome per step. Fails when the lab cannot start.
    pub fn check_solutions(&self) -> Result<Vec<StepOutcome>, String> {
        let mut world = self.start()?;
        let run = LabRun::new(self.clone(), &world);
        let mut outcomes = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let mut last = String::new();
            for line in &step.solution {
                let line = expand(line, &world);
                last = world.enter(&line, NOW).text;
            }
            let failures = run.check_step(i, &world, NOW).into_iter().filter_map(|r| r.failure).collect();
            outcomes.push(StepOutcome { title: step.title.clone(), failures, last_output: last });
        }
        Ok(outcomes)
    }
}

/// A step's outcome when its solution is run ([`Lab::check_solutions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// The step's title.
    pub title: String,
    /// Why each failing check fails; empty when the step passes.
    pub failures: Vec<String>,
    /// What the solution's last line printed.
    pub last_output: String,
}

impl StepOutcome {
    /// Whether every check of the step passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// `line` with [`RANDOM_USER_STRING`] and [`SERIAL`] replaced by the unit's random user string and serial.
pub fn expand(line: &str, world: &World) -> String {
    line.replace(RANDOM_USER_STRING, &world.shipment().random_user_string).replace(SERIAL, world.hsm().serial())
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// What the check asks for.
    pub description: String,
    /// Why it fails; `None` when it passes.
    pub failure: Option<String>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// When a lab run began, on the host clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Began {
    /// Just started, not yet evaluated: [`World::start_lab`] takes no clock, so the run's first
    /// evaluation stamps the time (front ends evaluate right after starting a lab).
    Pending,
    /// At this time, in milliseconds since the Unix epoch.
    At(u64),
    /// Not known: the run was saved before its start was kept.
    #[default]
    Unknown,
}

/// A trainee's progress through a lab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabRun {
    pub lab: Lab,
    /// Index of the current step; the number of steps once the lab is complete.
    pub step: usize,
    /// Hints revealed, per step.
    pub hints_revealed: Vec<usize>,
    /// Whether the solution was viewed, per step.
    pub solution_viewed: Vec<bool>,
    /// When each step was completed (host clock, milliseconds).
    pub completed_at_ms: Vec<Option<u64>>,
    /// The device's count of events emitted ([`crate::device::Hsm::emitted`]) when the lab began: checks
    /// count the events emitted after it. An index into the event log would drift once the log drops its
    /// oldest events. Runs saved before kept such an index (`since_event`): loading a world converts it
    /// to the mark of the event it pointed at (`crate::migrate`), so they count what they counted before.
    #[serde(default)]
    pub since_emitted: u64,
    /// When the trainee began: with the completion times, how long each step took.
    #[serde(default)]
    pub began: Began,
}

impl LabRun {
    /// Starts following `lab` on `world`, its starting state.
    pub fn new(lab: Lab, world: &World) -> LabRun {
        let n = lab.steps.len();
        LabRun {
            lab,
            step: 0,
            hints_revealed: vec![0; n],
            solution_viewed: vec![false; n],
            completed_at_ms: vec![None; n],
            since_emitted: world.hsm().emitted(),
            began: Began::Pending,
        }
    }

    /// When the trainee began (host clock, milliseconds), if known.
    pub fn started_at_ms(&self) -> Option<u64> {
        match self.began {
            Began::At(ms) => Some(ms),
            Began::Pending | Began::Unknown => None,
        }
    }

    /// The step in progress, if the lab is not complete.
    pub fn current(&self) -> Option<&Step> {
        self.lab.steps.get(self.step)
    }

    pub fn finished(&self) -> bool {
        self.step >= self.lab.steps.len()
    }

    /// Reveals the next hint of the current step.
    pub fn reveal_hint(&mut self) -> Option<&str> {
        let step = self.lab.steps.get(self.step)?;
        let shown = self.hints_revealed.get_mut(self.step)?;
        let hint = step.hints.get(*shown)?;
        *shown += 1;
        Some(hint)
    }

    /// Shows the current step's solution (and remembers that it was viewed).
    pub fn view_solution(&mut self) -> &[String] {
        match self.lab.steps.get(self.step) {
            Some(step) => {
                self.solution_viewed[self.step] = true;
                &step.solution
            }
            None => &[],
        }
    }

    /// The results of step `index`'s checks on `world`.
    pub fn check_step(&self, index: usize, world: &World, now_ms: u64) -> Vec<CheckResult> {
        let ctx = Ctx { world, since: self.since_emitted, now_ms };
        let Some(step) = self.lab.steps.get(index) else { return Vec::new() };
        step.checks.iter().map(|c| CheckResult { description: c.describe(), failure: c.evaluate(ctx).err() }).collect()
    }

    /// Evaluates the current step's checks; when all pass the step is complete and the next begins.
    /// Returns the results for the step that was current.
    pub fn evaluate(&mut self, world: &World, now_ms: u64) -> Vec<CheckResult> {
        if self.began == Began::Pending {
            self.began = Began::At(now_ms);
        }
        let results = self.check_step(self.step, world, now_ms);
        if !results.is_empty() && results.iter().all(CheckResult::passed) {
            self.completed_at_ms[self.step] = Some(now_ms);
            self.step += 1;
        }
        results
    }
}

// The parser of lab files runs natively (the browser reads the embedded catalogue).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "demo"
title = "Demo"
chapters = ["3"]
objective = "Recover a unit."
minutes = 5

[start]
seed = 1

[[steps]]
title = "Recover"
instructions = "Run `stm recover`."
checks = [{ kind = "stm", active = false }]
hints = ["sim email", "stm recover -randomuserstring ..."]
solution = ["stm recover -randomuserstring ${random_user_string}", "proceed"]
"#;

    #[test]
    fn a_lab_parses_and_runs() {
        let lab = parse(GOOD).unwrap();
        assert_eq!(lab.format, 1);
        let mut world = lab.start().unwrap();
        let mut run = LabRun::new(lab.clone(), &world);
        assert_eq!(run.reveal_hint(), Some("sim email"));
        assert_eq!((run.began, run.started_at_ms()), (Began::Pending, None));
        assert!(!run.evaluate(&world, NOW)[0].passed());
        assert_eq!(run.started_at_ms(), Some(NOW), "the first evaluation stamps the start");
        assert_eq!(run.step, 0);
        for line in &lab.steps[0].solution {
            world.enter(&expand(line, &world), NOW);
        }
        assert!(run.evaluate(&world, NOW)[0].passed());
        assert!(run.finished());
        assert_eq!(run.completed_at_ms, vec![Some(NOW)]);
        let json = serde_json::to_string(&run).unwrap();
        assert_eq!(serde_json::from_str::<LabRun>(&json).unwrap(), run);
    }

    #[test]
    fn a_malformed_file_names_the_line() {
        let e = parse("id = \"x\"\ntitle = \n").unwrap_err().to_string();
        assert!(e.contains("malformed") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn an_unknown_check_kind_is_refused_with_its_line() {
        let text = GOOD.replace("kind = \"stm\", active = false", "kind = \"teleport\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("teleport") && e.contains("line 14"), "{e}");
        let text = GOOD.replace("active = false", "active = false, colour = 3");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
        let text = GOOD.replace("kind = \"stm\", active = false", "kind = \"role_initialized\", role = \"boss\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("boss"), "{e}");
    }

    #[test]
    fn a_newer_format_is_refused() {
        let e = parse(&format!("format = {}\n{GOOD}", LAB_FORMAT + 1)).unwrap_err().to_string();
        assert!(e.contains("field `format`") && e.contains("newer"), "{e}");
    }

    #[test]
    fn a_start_is_a_seed_or_a_world_in_format_2() {
        let world = World::new(3, NOW).to_world_file();
        let with_world = |format: u32| {
            let start = format!("world = {}", toml::Value::String(world.clone()));
            format!("format = {format}\n{}", GOOD.replace("seed = 1", &start))
        };
        let lab = parse(&with_world(2)).unwrap();
        assert_eq!(lab.start.seed, None);
        assert_eq!(lab.start().unwrap().hsm().serial(), World::new(3, NOW).hsm().serial());
        let e = parse(&with_world(1)).unwrap_err().to_string();
        assert!(e.contains("format = 2"), "{e}");
        let e = parse(&GOOD.replace("seed = 1", "seed = 1\nworld = \"{}\"")).unwrap_err().to_string();
        assert!(e.contains("not both"), "{e}");
        let e = parse(&GOOD.replace("seed = 1", "")).unwrap_err().to_string();
        assert!(e.contains("`seed`") && e.contains("`world`"), "{e}");
        let e = parse(&GOOD.replace("seed = 1", "seed = 1\nclock = 5")).unwrap_err().to_string();
        assert!(e.contains("clock"), "{e}");
        // A world that is no world file is refused when the lab starts, with why.
        let bad = parse(&format!("format = 2\n{}", GOOD.replace("seed = 1", "world = \"[1]\""))).unwrap();
        assert!(bad.start().unwrap_err().contains("the starting world"));
    }

    #[test]
    fn missing_fields_and_empty_steps_are_named() {
        let e = parse(&GOOD.replace("minutes = 5\n", "")).unwrap_err().to_string();
        assert!(e.contains("minutes"), "{e}");
        let e = parse(&GOOD.replace("checks = [{ kind = \"stm\", active = false }]", "checks = []"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("checks"), "{e}");
    }

    #[test]
    fn a_start_script_left_at_a_question_is_refused() {
        let text =
            GOOD.replace("seed = 1", "seed = 1\nscript = [\"stm recover -randomuserstring ${random_user_string}\"]");
        let e = parse(&text).unwrap().start().unwrap_err();
        assert!(e.contains("asking"), "{e}");
    }
}
