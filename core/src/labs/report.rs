//! A lab completion report: what a trainee did in a lab, as JSON and as one self-contained HTML page, to
//! keep or hand to an instructor.
//!
//! The report is produced in the trainee's own browser from the saved world, so anyone can edit it. The
//! SHA-256 digest of its content shows accidental damage (a truncated copy, a mangled encoding), not a
//! deliberate change; both forms say so, and that it is a practice record, not a certification.

use super::{CheckResult, LabRun};
use crate::calendar::civil;
use crate::World;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Names the JSON form and its version, so a reader can tell this report from later ones.
pub const FORMAT: &str = "luna-hsm7-lab-report/1";

/// What the report is and is not: in both forms, and under the digest so that it cannot fall off by accident.
pub const NOTICE: &str = "This is a practice record of a lab in the Luna USB HSM 7 simulator and trainer, \
produced in the trainee's own browser. It is not a certification. Anyone can edit it: the SHA-256 digest only \
shows accidental damage, not a deliberate change.";

/// A lab completion report in its two forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `{"content":{...},"sha256":"..."}`: [`Content`] as compact JSON, its fields in the order of the
    /// struct, and the SHA-256 (lowercase hex) of exactly those bytes, the text between `{"content":` and
    /// `,"sha256":`. Read back and written again the same way, the content gives the same bytes ([`read`]).
    pub json: String,
    /// One self-contained HTML page (inline style, no script, nothing fetched), every text escaped.
    pub html: String,
}

/// What the report says: the `content` of the JSON form, whose digest is taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    /// [`FORMAT`].
    pub format: String,
    /// [`NOTICE`].
    pub notice: String,
    /// When the report was made (host clock, milliseconds since the Unix epoch).
    pub generated_at_ms: u64,
    /// The lab.
    pub lab: LabSummary,
    /// When the trainee began, if known (runs saved by earlier versions did not keep it).
    pub started_at_ms: Option<u64>,
    /// Whether every step is complete.
    pub finished: bool,
    /// Each step, in order.
    pub steps: Vec<StepReport>,
    /// The LunaCM transcript, as the page passed it.
    pub transcript: String,
}

/// The lab a report is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabSummary {
    /// The lab's stable id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The admin guide's chapters it practises.
    pub chapters: Vec<String>,
    /// What the trainee was to be able to do.
    pub objective: String,
}

/// One step of the lab, as the trainee left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// The step's title.
    pub title: String,
    /// Whether the step was completed.
    pub done: bool,
    /// When it was completed (host clock, milliseconds since the Unix epoch).
    pub completed_at_ms: Option<u64>,
    /// Time from the previous step's completion (the lab's start for the first) to this one's, when both
    /// are known.
    pub spent_ms: Option<u64>,
    /// Hints revealed, of `hints_available`.
    pub hints_used: usize,
    /// Hints the step offers.
    pub hints_available: usize,
    /// Whether the solution was viewed.
    pub solution_viewed: bool,
    /// The step's checks on the world as it is when the report is made: a later step may have undone
    /// what an earlier one checked.
    pub checks: Vec<CheckResult>,
}

/// The JSON form: the content and its digest.
#[derive(Serialize, Deserialize)]
struct Sealed {
    content: Content,
    sha256: String,
}

/// The report of the lab running on `world`, with the LunaCM `transcript` the page shows, made at `now_ms`
/// (host clock); `None` when no lab runs on the world.
pub fn report(world: &World, transcript: &str, now_ms: u64) -> Option<Report> {
    let run = world.lab()?;
    let content = content(run, world, transcript, now_ms);
    // Plain strings, numbers and booleans always serialize; a failure would only mean no report.
    let body = serde_json::to_string(&content).ok()?;
    let sha256 = digest(&body);
    let html = html(&content, &sha256);
    let json = serde_json::to_string(&Sealed { content, sha256 }).ok()?;
    Some(Report { json, html })
}

/// Reads a report's JSON form back, refusing it when its content no longer matches its digest.
pub fn read(json: &str) -> Result<Content, String> {
    let sealed: Sealed = serde_json::from_str(json).map_err(|e| format!("this is not a lab report: {e}"))?;
    let body = serde_json::to_string(&sealed.content).map_err(|e| e.to_string())?;
    if digest(&body) != sealed.sha256 {
        return Err("the report's content does not match its SHA-256 digest: it was changed or damaged".into());
    }
    Ok(sealed.content)
}

fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn content(run: &LabRun, world: &World, transcript: &str, now_ms: u64) -> Content {
    let lab = &run.lab;
    let completed = |i: usize| run.completed_at_ms.get(i).copied().flatten();
    let steps = lab
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let began = if i == 0 { run.started_at_ms() } else { completed(i - 1) };
            StepReport {
                title: step.title.clone(),
                done: i < run.step,
                completed_at_ms: completed(i),
                // The host clock may have been set back between two stamps: then the time is unknown.
                spent_ms: completed(i).zip(began).and_then(|(end, start)| end.checked_sub(start)),
                hints_used: run.hints_revealed.get(i).copied().unwrap_or(0),
                hints_available: step.hints.len(),
                solution_viewed: run.solution_viewed.get(i).copied().unwrap_or(false),
                checks: run.check_step(i, world, now_ms),
            }
        })
        .collect();
    Content {
        format: FORMAT.into(),
        notice: NOTICE.into(),
        generated_at_ms: now_ms,
        lab: LabSummary {
            id: lab.id.clone(),
            title: lab.title.clone(),
            chapters: lab.chapters.clone(),
            objective: lab.objective.trim().to_string(),
        },
        started_at_ms: run.started_at_ms(),
        finished: run.finished(),
        steps,
        transcript: transcript.to_string(),
    }
}

/// `text` safe inside an HTML element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A UTC date and time, or "unknown".
fn when(ms: Option<u64>) -> String {
    match ms.map(civil) {
        Some(c) => {
            format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", c.year, c.month, c.day, c.hour, c.minute, c.second)
        }
        None => "unknown".into(),
    }
}

/// A duration as hours, minutes and seconds, or "unknown".
fn spent(ms: Option<u64>) -> String {
    let Some(ms) = ms else { return "unknown".into() };
    let s = ms / 1000;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, min, sec) => format!("{min} min {sec:02} s"),
        (h, min, sec) => format!("{h} h {min:02} min {sec:02} s"),
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}\
.notice{border:1px solid #b80;background:#fff6dd;padding:.6em 1em}.pass{color:#060}.fail{color:#a00}\
pre{background:#f4f4f4;padding:1em;white-space:pre-wrap;overflow-wrap:anywhere}code{overflow-wrap:anywhere}";

fn html(c: &Content, sha256: &str) -> String {
    let lab = &c.lab;
    let done = c.steps.iter().filter(|s| s.done).count();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Lab report: {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Lab report: {title}</h1>\n<p class=\"notice\">{notice}</p>\n<table>\n\
         <tr><th>Lab</th><td><code>{id}</code></td></tr>\n<tr><th>Guide chapters</th><td>{chapters}</td></tr>\n\
         <tr><th>Objective</th><td>{objective}</td></tr>\n<tr><th>Started</th><td>{started}</td></tr>\n\
         <tr><th>Report made</th><td>{made}</td></tr>\n<tr><th>Outcome</th><td>{outcome}</td></tr>\n</table>\n",
        title = escape(&lab.title),
        notice = escape(&c.notice),
        id = escape(&lab.id),
        chapters = escape(&lab.chapters.join(", ")),
        objective = escape(&lab.objective),
        started = when(c.started_at_ms),
        made = when(Some(c.generated_at_ms)),
        outcome = if c.finished {
            "complete: every step done".to_string()
        } else {
            format!("not complete: {done} of {} steps done", c.steps.len())
        },
    );
    h.push_str(
        "<h2>Steps</h2>\n<table>\n<tr><th>#</th><th>Step</th><th>Done</th><th>Completed</th>\
         <th>Time spent</th><th>Hints used</th><th>Solution viewed</th></tr>\n",
    );
    for (i, s) in c.steps.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>",
            i + 1,
            escape(&s.title),
            if s.done { "yes" } else { "no" },
            if s.done { when(s.completed_at_ms) } else { "-".into() },
            if s.done { spent(s.spent_ms) } else { "-".into() },
            s.hints_used,
            s.hints_available,
            if s.solution_viewed { "yes" } else { "no" },
        );
    }
    h.push_str("</table>\n<h2>Checks, on the world as the report was made</h2>\n");
    for (i, s) in c.steps.iter().enumerate() {
        let _ = writeln!(h, "<h3>Step {}: {}</h3>\n<ul>", i + 1, escape(&s.title));
        for check in &s.checks {
            let _ = match &check.failure {
                None => writeln!(h, "<li class=\"pass\">passes: {}</li>", escape(&check.description)),
                Some(f) => writeln!(h, "<li class=\"fail\">fails: {}</li>", escape(f)),
            };
        }
        h.push_str("</ul>\n");
    }
    let _ = write!(
        h,
        "<h2>LunaCM transcript</h2>\n<pre>{}</pre>\n<h2>Digest</h2>\n\
         <p>SHA-256 of the content of this report's JSON form: <code>{}</code></p>\n\
         <p>{}</p>\n</body>\n</html>\n",
        escape(&c.transcript),
        escape(sha256),
        escape(&c.notice),
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::NOW;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const LAB: &str = "partition-and-crypto-officer";

    /// A world in `LAB`, begun at `NOW`, with its first step done a minute and a half later, a hint of
    /// the second revealed and its solution viewed.
    fn world() -> World {
        let mut world = World::new(1, NOW);
        world.start_lab(LAB).unwrap();
        world.evaluate_lab(NOW);
        let lines = world.lab().unwrap().lab.steps[0].solution.clone();
        for line in lines {
            let line = crate::labs::expand(&line, &world);
            world.enter(&line, NOW + 90_000);
        }
        let run = world.lab_mut().unwrap();
        run.reveal_hint();
        run.view_solution();
        world
    }

    #[test]
    fn no_report_without_a_lab() {
        assert_eq!(report(&World::new(1, NOW), "lunacm:>", NOW), None);
    }

    #[test]
    fn the_json_form_carries_every_field_and_reads_back() {
        let world = world();
        let r = report(&world, "lunacm:>slot list\n", NOW + 100_000).unwrap();
        let c = read(&r.json).unwrap_or_else(|e| panic!("{e}"));
        let lab = &world.lab().unwrap().lab;
        assert_eq!((c.format.as_str(), c.notice.as_str()), (FORMAT, NOTICE));
        assert_eq!(c.lab.id, LAB);
        assert_eq!((&c.lab.title, &c.lab.chapters), (&lab.title, &lab.chapters));
        assert_eq!((c.started_at_ms, c.generated_at_ms, c.finished), (Some(NOW), NOW + 100_000, false));
        assert_eq!(c.steps.len(), lab.steps.len());
        let (first, second) = (&c.steps[0], &c.steps[1]);
        assert!(first.done && !second.done);
        assert_eq!((first.completed_at_ms, first.spent_ms), (Some(NOW + 90_000), Some(90_000)));
        assert_eq!((second.completed_at_ms, second.spent_ms), (None, None));
        assert_eq!((first.hints_used, second.hints_used, second.hints_available), (0, 1, lab.steps[1].hints.len()));
        assert!(!first.solution_viewed && second.solution_viewed);
        assert!(first.checks.iter().all(CheckResult::passed));
        assert_eq!(second.checks, world.lab_checks(NOW + 100_000));
        assert_eq!(c.transcript, "lunacm:>slot list\n");
        // The content's bytes stand between `{"content":` and `,"sha256":`, and are what its digest is of.
        let body = r.json.strip_prefix("{\"content\":").and_then(|j| j.rsplit_once(",\"sha256\":")).unwrap().0;
        assert_eq!(body, serde_json::to_string(&c).unwrap());
        let sha = digest(body);
        assert!(r.json.ends_with(&format!(",\"sha256\":\"{sha}\"}}")));
        let html = &r.html;
        assert!(html.contains(&sha));
        assert!(html.contains("not a certification") && html.contains("1 min 30 s"), "{html}");
    }

    #[test]
    fn every_text_is_escaped_in_the_page() {
        let mut world = world();
        world.lab_mut().unwrap().lab.title = "Keys <b>& \"quotes\"</b>".into();
        let transcript = "lunacm:>sim app sign -data=<script>alert('x')</script>\n";
        let r = report(&world, transcript, NOW).unwrap();
        assert!(!r.html.contains("<script") && !r.html.contains("<b>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(r.html.contains("Keys &lt;b&gt;&amp; &quot;quotes&quot;&lt;/b&gt;"));
        assert!(!r.html.contains("src=") && !r.html.contains("href="), "nothing is fetched");
        assert_eq!(read(&r.json).unwrap().transcript, transcript);
    }

    #[test]
    fn the_digest_changes_with_the_content() {
        let world = world();
        let a = report(&world, "lunacm:>slot list\n", NOW).unwrap();
        let b = report(&world, "lunacm:>slot list \n", NOW).unwrap();
        let sha = |r: &Report| serde_json::from_str::<serde_json::Value>(&r.json).unwrap()["sha256"].clone();
        assert_ne!(sha(&a), sha(&b));
        assert_eq!(sha(&a), sha(&report(&world, "lunacm:>slot list\n", NOW).unwrap()), "the same content");
        let damaged = a.json.replace("slot list", "slot lost");
        assert!(read(&damaged).unwrap_err().contains("does not match"));
    }

    #[test]
    fn a_run_saved_without_its_start_reports_the_first_step_time_unknown() {
        let mut world = world();
        world.lab_mut().unwrap().began = crate::labs::Began::Unknown;
        let c = read(&report(&world, "", NOW).unwrap().json).unwrap();
        assert_eq!((c.started_at_ms, c.steps[0].spent_ms), (None, None));
        assert_eq!(c.steps[0].completed_at_ms, Some(NOW + 90_000));
    }
}
