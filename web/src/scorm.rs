//! A lab as a SCORM 1.2 SCO. Opened by an LMS on a lab (`?lab=ID`, as the package made by
//! `scripts/scorm.mjs` launches it), the page reports that lab's progress to the LMS's SCORM 1.2 runtime
//! API: `cmi.core.lesson_status` (`incomplete` until every step's checks passed, then `passed`),
//! `cmi.core.score.raw` out of 0–100, `cmi.core.session_time`, and a progress record in
//! `cmi.suspend_data`. With no API in reach (no LMS), nothing here runs.
//!
//! The record is the lab's progress only (the lab, its steps, the steps completed, the hints revealed
//! and the solutions viewed per step), never the world: the world stays in the browser, as everywhere
//! else in the app. A relaunch in the same browser goes on with that browser's lab run; the record
//! keeps the score across sessions, and where the run is not there any more, the best progress reached.

use std::cell::RefCell;
use std::rc::Rc;

use hsm_core::view::LabView;
use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::sim::Sim;

/// How many windows up `parent` the API is looked for, as in SCORM 1.2's own discovery algorithm.
const MAX_PARENTS: usize = 7;
/// SCORM 1.2's limit on `cmi.suspend_data`.
const SUSPEND_DATA_MAX: usize = 4096;
/// The version tag of the record in `cmi.suspend_data`.
const RECORD_TAG: &str = "luna1";

/// What the LMS keeps of the lab between sessions, in `cmi.suspend_data`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Record {
    /// The lab's steps (0 until the lab has been seen running).
    steps: usize,
    /// The most steps completed in any run of the lab.
    done: usize,
    /// Per step, the most hints revealed before it was first completed.
    hints: Vec<usize>,
    /// Per step, whether its solution was viewed before it was first completed.
    solutions: Vec<bool>,
}

impl Record {
    /// `luna1;ID;STEPS;DONE;H,H,...;SS...` (hints per step, and `1`/`0` per step for the solutions).
    fn encode(&self, lab: &str) -> String {
        let hints = self.hints.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        let solutions = self.solutions.iter().map(|&s| if s { '1' } else { '0' }).collect::<String>();
        format!("{RECORD_TAG};{lab};{};{};{hints};{solutions}", self.steps, self.done)
    }

    /// The record of `lab` in `text`, if `text` is one (another lab's, or anything else, is not).
    fn decode(text: &str, lab: &str) -> Option<Record> {
        let mut parts = text.split(';');
        if parts.next()? != RECORD_TAG || parts.next()? != lab {
            return None;
        }
        let steps: usize = parts.next()?.parse().ok()?;
        let done: usize = parts.next()?.parse().ok()?;
        let hints = match parts.next()? {
            "" => Vec::new(),
            list => list.split(',').map(str::parse).collect::<Result<Vec<usize>, _>>().ok()?,
        };
        let solutions = parts.next()?.chars().map(|c| c == '1').collect::<Vec<_>>();
        if parts.next().is_some() || done > steps || hints.len() != steps || solutions.len() != steps {
            return None;
        }
        Some(Record { steps, done, hints, solutions })
    }

    /// Takes in what the lab's view shows now. Hints and a solution count only on a step not yet
    /// completed in any run: practising a done step again after a restart costs nothing.
    fn observe(&mut self, view: &LabView) {
        if view.steps != self.steps {
            // First sight of the lab (or a lab file of that id with other steps): start the record anew.
            *self =
                Record { steps: view.steps, done: 0, hints: vec![0; view.steps], solutions: vec![false; view.steps] };
        }
        if view.step < self.steps && view.step >= self.done {
            self.hints[view.step] = self.hints[view.step].max(view.hints.len());
            self.solutions[view.step] |= view.solution.is_some();
        }
        self.done = self.done.max(view.step.min(self.steps));
    }

    /// Every step completed.
    fn complete(&self) -> bool {
        self.steps > 0 && self.done >= self.steps
    }

    /// The score out of 100: each completed step counts 1, or ½ if its solution was viewed first.
    fn score(&self) -> u32 {
        if self.steps == 0 {
            return 0;
        }
        let halves: usize = (0..self.done.min(self.steps)).map(|i| if self.solutions[i] { 1 } else { 2 }).sum();
        ((halves as f64 * 50.0) / self.steps as f64).round() as u32
    }
}

/// SCORM 1.2's CMITimespan, `HHHH:MM:SS.SS`, of `ms` milliseconds (hours capped at 9999).
fn timespan(ms: f64) -> String {
    let centis = (ms.max(0.0) / 10.0).round() as u64;
    let hours = (centis / 360_000).min(9999);
    format!("{hours:04}:{:02}:{:02}.{:02}", centis / 6000 % 60, centis / 100 % 60, centis % 100)
}

/// The SCORM 1.2 API object of the LMS, if one is in reach: `API` on this window or one of its parents
/// (at most [`MAX_PARENTS`] up), else on the opener and its parents. A window of another origin is
/// passed over, as the browser does not let its properties be read.
fn find_api() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    if let Some(api) = find_up(window.clone()) {
        return Some(api);
    }
    let opener = Reflect::get(&window, &"opener".into()).ok()?;
    if opener.is_object() {
        find_up(opener)
    } else {
        None
    }
}

/// `API` on `win` or the first of its parents that has one, stopping at the top window.
fn find_up(mut win: JsValue) -> Option<JsValue> {
    for _ in 0..=MAX_PARENTS {
        if let Ok(api) = Reflect::get(&win, &"API".into()) {
            if api.is_object() {
                return Some(api);
            }
        }
        let parent = Reflect::get(&win, &"parent".into()).ok()?;
        if !parent.is_object() || js_sys::Object::is(&parent, &win) {
            return None;
        }
        win = parent;
    }
    None
}

/// The LMS's API object and what this page last told it.
struct Lms {
    api: JsValue,
    lab: String,
    record: Record,
    /// The status and score the LMS holds, as last set or read.
    status: String,
    score: Option<u32>,
    suspend: String,
    /// When the session began (`LMSInitialize`), by the page's clock.
    began_ms: f64,
    finished: bool,
}

impl Lms {
    /// Calls the API's function `name` with string arguments; SCORM 1.2 answers with strings.
    fn call(&self, name: &str, args: &[&str]) -> String {
        let Ok(f) = Reflect::get(&self.api, &name.into()) else { return String::new() };
        let Some(f) = f.dyn_ref::<Function>() else { return String::new() };
        let args = args.iter().map(|a| JsValue::from_str(a)).collect::<js_sys::Array>();
        match f.apply(&self.api, &args) {
            Ok(v) => v.as_string().or_else(|| v.as_bool().map(|b| b.to_string())).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    fn get(&self, element: &str) -> String {
        self.call("LMSGetValue", &[element])
    }

    fn set(&self, element: &str, value: &str) {
        self.call("LMSSetValue", &[element, value]);
    }

    /// Tells the LMS what changed in the record, and commits it.
    fn report(&mut self) {
        let mut changed = false;
        // Once the LMS holds a finished lab, a new session never takes that back.
        let finished_before = matches!(self.status.as_str(), "passed" | "completed");
        let status = if self.record.complete() { "passed" } else { "incomplete" };
        if !finished_before && self.status != status {
            self.set("cmi.core.lesson_status", status);
            self.status = status.to_string();
            changed = true;
        }
        let score = self.record.score();
        if self.record.steps > 0 && self.score.is_none_or(|s| s < score) {
            self.set("cmi.core.score.min", "0");
            self.set("cmi.core.score.max", "100");
            self.set("cmi.core.score.raw", &score.to_string());
            self.score = Some(score);
            changed = true;
        }
        let suspend = self.record.encode(&self.lab);
        if self.record.steps > 0 && suspend != self.suspend && suspend.len() <= SUSPEND_DATA_MAX {
            self.set("cmi.suspend_data", &suspend);
            self.suspend = suspend;
            changed = true;
        }
        if changed {
            self.call("LMSCommit", &[""]);
        }
    }

    /// Ends the session: the time spent, whether the lab is to be resumed, a last commit, `LMSFinish`.
    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.set("cmi.core.session_time", &timespan(js_sys::Date::now() - self.began_ms));
        self.set("cmi.core.exit", if self.record.complete() { "" } else { "suspend" });
        self.call("LMSCommit", &[""]);
        self.call("LMSFinish", &[""]);
    }
}

/// Connects the lab the page was opened on (`?lab=ID`) to the LMS's SCORM 1.2 API, if there is one:
/// `LMSInitialize`, the record read back from `cmi.suspend_data`, then a report to the LMS whenever the
/// lab's progress changes, and `LMSFinish` when the page is hidden for good (closed, or navigated away).
pub fn connect(sim: Sim) {
    let Some(lab) = crate::embed::param("lab") else { return };
    let Some(api) = find_api() else { return };
    let mut lms = Lms {
        api,
        lab,
        record: Record::default(),
        status: String::new(),
        score: None,
        suspend: String::new(),
        began_ms: js_sys::Date::now(),
        finished: false,
    };
    if lms.call("LMSInitialize", &[""]) != "true" {
        return;
    }
    lms.status = lms.get("cmi.core.lesson_status");
    lms.score = lms.get("cmi.core.score.raw").parse().ok();
    lms.suspend = lms.get("cmi.suspend_data");
    if let Some(record) = Record::decode(&lms.suspend, &lms.lab) {
        lms.record = record;
    }
    if matches!(lms.status.as_str(), "" | "not attempted") {
        lms.set("cmi.core.lesson_status", "incomplete");
        lms.status = "incomplete".to_string();
        lms.call("LMSCommit", &[""]);
    }
    let lms = Rc::new(RefCell::new(lms));

    let on_change = Rc::clone(&lms);
    Effect::new(move |_| {
        sim.lab.with(|view| {
            let mut lms = on_change.borrow_mut();
            let Some(view) = view.as_ref().filter(|v| v.id == lms.lab) else { return };
            if lms.finished {
                return;
            }
            lms.record.observe(view);
            lms.report();
        });
    });

    let Some(window) = web_sys::window() else { return };
    // `pagehide` is the last event a page surely gets (closed, reloaded, its frame navigated away);
    // `unload` is not fired everywhere any more.
    let on_hide = Closure::<dyn FnMut()>::new(move || lms.borrow_mut().finish());
    let _ = window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    on_hide.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(step: usize, steps: usize, hints: usize, solution: bool) -> LabView {
        LabView {
            id: "lab".into(),
            title: String::new(),
            step,
            steps,
            step_title: String::new(),
            instructions: String::new(),
            checks: Vec::new(),
            hints: vec![String::new(); hints],
            more_hints: false,
            solution: solution.then(Vec::new),
        }
    }

    #[test]
    fn the_record_round_trips_and_scores_solutions_at_half() {
        let mut r = Record::default();
        r.observe(&view(0, 4, 1, true));
        r.observe(&view(1, 4, 2, false));
        assert_eq!(r.score(), 13); // ½ of 1 step out of 4, rounded
        r.observe(&view(0, 4, 0, false)); // a restart loses nothing
        r.observe(&view(4, 4, 0, false));
        assert!(r.complete());
        assert_eq!(r.score(), 88);
        let text = r.encode("lab");
        assert_eq!(text, "luna1;lab;4;4;1,2,0,0;1000");
        assert_eq!(Record::decode(&text, "lab"), Some(r));
        assert_eq!(Record::decode(&text, "other"), None);
        assert_eq!(Record::decode("luna1;lab;2;3;0,0;00", "lab"), None);
    }

    #[test]
    fn session_time_is_a_scorm_12_timespan() {
        assert_eq!(timespan(0.0), "0000:00:00.00");
        assert_eq!(timespan(3_723_456.0), "0001:02:03.46");
    }
}
