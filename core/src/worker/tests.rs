use super::*;
use crate::device::ADMIN_SLOT;

const NOW: u64 = 1_764_000_000_000;

fn fresh(file_store: bool) -> (Engine, ToPage) {
    Engine::open(None, BTreeMap::new(), file_store, 7, NOW)
}

fn put(engine: &mut Engine, id: u32, name: &str, text: &str) -> ToPage {
    engine.handle(ToCore::Call { id, call: Call::PutFile { name: name.into(), text: text.into() } }, NOW)
}

fn enter(engine: &mut Engine, id: u32, line: &str) -> ToPage {
    engine.handle(ToCore::Call { id, call: Call::Enter { line: line.into() } }, NOW)
}

/// Every message survives the trip as JSON, as the page and the worker exchange them.
fn roundtrip(msg: &ToPage) -> ToPage {
    serde_json::from_str(&serde_json::to_string(msg).unwrap()).unwrap()
}

#[test]
fn a_new_world_is_shown_whole_and_saved_at_once() {
    let (engine, opened) = fresh(true);
    assert!(matches!(&opened.output, Some(Output::Restart(banner)) if banner.ends_with("lunacm:>")));
    assert_eq!(opened.event, Some(Event::Opened { rejected: None, missing: vec![] }));
    assert!(opened.view.screen.is_some() && opened.view.lab == Some(None) && opened.view.files.is_some());
    let save = opened.save.as_ref().expect("a new unit is saved");
    assert_eq!(save.raw, engine.world().to_json_file_index());
    assert_eq!(roundtrip(&opened), opened);
}

#[test]
fn a_line_answers_with_its_output_and_what_changed() {
    let (mut engine, _) = fresh(true);
    // LunaCM's start was the HSM's first request (it started its clock, and the new world was saved
    // then): `slot list` changes nothing that is saved.
    let reply = enter(&mut engine, 0, "slot list");
    assert_eq!(reply.answer, Some(Answer { id: 0, outcome: Ok(None), said: String::new() }));
    assert!(matches!(&reply.output, Some(Output::Append(t)) if t.contains("Slot Id ->")), "{:?}", reply.output);
    assert!(reply.save.is_none());
    let reply = put(&mut engine, 2, "notes.txt", "hello");
    let files = reply.view.files.as_ref().expect("the files changed");
    assert_eq!(files.names, vec!["notes.txt"]);
    assert_eq!(files.texts.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), vec!["notes.txt"]);
    let save = reply.save.expect("a new file is saved");
    assert_eq!(save.files.len(), 1);
    assert_eq!(save.files[0].1.as_deref(), Some("hello"));
    // Sent once: the next change does not send the file again.
    let reply = engine.handle(ToCore::Call { id: 3, call: Call::AddBlankIkey }, NOW);
    assert!(matches!(reply.answer, Some(Answer { id: 3, outcome: Ok(Some(_)), .. })));
    assert!(reply.save.map(|s| s.files).unwrap_or_default().is_empty());
}

#[test]
fn a_refused_call_says_why_and_a_file_the_page_could_not_store_is_sent_again() {
    let (mut engine, _) = fresh(true);
    let reply = engine.handle(ToCore::Call { id: 4, call: Call::RemoveFile { name: "nope".into() } }, NOW);
    assert_eq!(reply.answer.unwrap().outcome, Err("There is no file 'nope' on the host.".into()));
    let put = Call::PutFile { name: "a.txt".into(), text: "x".into() };
    assert_eq!(engine.handle(ToCore::Call { id: 5, call: put }, NOW).save.unwrap().files.len(), 1);
    engine.handle(ToCore::FilesUnsaved { names: vec!["a.txt".into()] }, NOW);
    let reply = engine.handle(ToCore::Call { id: 6, call: Call::AddBlankIkey }, NOW);
    let files = reply.save.unwrap().files;
    assert_eq!(files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["a.txt"]);
}

#[test]
fn a_saved_world_reopens_with_its_files_and_a_lost_file_is_named() {
    let (mut engine, _) = fresh(true);
    put(&mut engine, 1, "a.txt", "one");
    put(&mut engine, 2, "b.txt", "two");
    let raw = engine.world().to_json_file_index();
    let files = BTreeMap::from([("a.txt".to_string(), "one".to_string())]);
    let (reopened, reply) = Engine::open(Some(raw.clone()), files, true, 9, NOW);
    assert_eq!(reply.event, Some(Event::Opened { rejected: None, missing: vec!["b.txt".into()] }));
    assert_eq!(reopened.world().files().get("a.txt"), Some("one"));
    assert_eq!(reopened.world().files().get("b.txt"), Some(""));

    let (_, reply) = Engine::open(Some("{not json".into()), BTreeMap::new(), true, 9, NOW);
    assert!(matches!(reply.event, Some(Event::Opened { rejected: Some(_), .. })));
    assert!(reply.save.is_some(), "the fresh unit that replaced it is saved");
}

#[test]
fn another_tabs_world_is_taken_over_keeping_this_tabs_login() {
    let (mut mine, opened) = fresh(false);
    let raw = opened.save.unwrap().raw;
    let (mut theirs, _) = Engine::open(Some(raw.clone()), BTreeMap::new(), false, 1, NOW);
    for line in ["stm recover -randomuserstring x", "quit"] {
        enter(&mut mine, 1, line);
    }
    // The other tab adds a file; this tab takes it over.
    let saved = put(&mut theirs, 1, "from-there.txt", "hi").save.unwrap().raw;
    let reply = mine.handle(ToCore::Adopt { raw: saved.clone(), files: BTreeMap::new() }, NOW);
    let Some(Event::Adopted(adopted)) = &reply.event else { panic!("{reply:?}") };
    assert_eq!(adopted.words(), "No role was logged in here.");
    assert!(mine.world().files().get("from-there.txt").is_some());
    // The same text again changes nothing, and is answered: the page waits for the answer.
    let again = mine.handle(ToCore::Adopt { raw: saved, files: BTreeMap::new() }, NOW);
    assert!(matches!(again.event, Some(Event::Adopted(_))) && again.view.is_empty(), "{again:?}");

    let reply = mine.handle(ToCore::Adopt { raw: "[]".into(), files: BTreeMap::new() }, NOW);
    assert!(matches!(reply.event, Some(Event::NotAdopted(_))));
    assert!(mine.world().files().get("from-there.txt").is_some(), "this tab keeps its world");
}

#[test]
fn a_reset_restarts_the_session_and_a_lab_that_cannot_start_is_refused() {
    let (mut engine, _) = fresh(true);
    let reply = engine.handle(ToCore::Call { id: 1, call: Call::Reset { seed: 3 } }, NOW);
    assert!(matches!(reply.output, Some(Output::Restart(_))));
    let reply = engine.handle(ToCore::Call { id: 2, call: Call::StartLab { lab: "no-such-lab".into() } }, NOW);
    assert!(reply.answer.unwrap().outcome.is_err());
    // A tick with nothing running and nothing new on the screen says nothing.
    assert!(engine.handle(ToCore::Tick, NOW).is_empty());
}

#[test]
fn the_notice_says_whether_this_tabs_login_survived() {
    let so = (ADMIN_SLOT, Role::So);
    let co = (3, Role::CryptoOfficer);
    let words = |before: Vec<_>, after: Vec<_>| Adopted { before, after, ped_wait_ended: false, revision: 1 }.words();
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
    let ended = Adopted { before: vec![], after: vec![], ped_wait_ended: true, revision: 1 }.words();
    assert!(ended.ends_with("The iKey operation this tab's LunaCM waited for is over."));
}

#[test]
fn time_passing_takes_the_monitors_readings() {
    let (mut engine, _) = fresh(true);
    enter(&mut engine, 1, "stm recover -randomuserstring x");
    enter(&mut engine, 1, "proceed");
    let reply = enter(&mut engine, 2, "hsm monitor -interval 5 -rounds 2");
    let Some(Output::Append(started)) = reply.output else { panic!("{reply:?}") };
    let later = engine.handle(ToCore::Tick, NOW + 6_000);
    let Some(Output::Append(reading)) = later.output else { panic!("no reading after {started}: {later:?}") };
    assert!(reading.contains(" %"), "{reading}");
}

#[test]
fn an_application_gets_its_result_and_the_terminal_shows_nothing() {
    let (mut engine, _) = fresh(true);
    let args = ["sign", "-slot=3", "-handle=1", "-data=hello"].map(String::from).to_vec();
    let reply = engine.handle(ToCore::Call { id: 9, call: Call::App { args } }, NOW);
    let answer = reply.answer.unwrap();
    assert!(answer.said.starts_with("        app sign refused:"), "{}", answer.said);
    assert!(reply.output.is_none(), "nothing goes to LunaCM's terminal");
}

#[test]
fn a_world_file_exports_and_imports_and_a_bad_one_changes_nothing() {
    let (mut engine, _) = fresh(true);
    put(&mut engine, 1, "kept.txt", "yes");
    let exported = engine.handle(ToCore::Call { id: 2, call: Call::ExportWorld }, NOW).answer.unwrap().said;
    let (mut other, _) = fresh(true);
    let reply = other.handle(ToCore::Call { id: 3, call: Call::ImportWorld { text: exported } }, NOW);
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert!(matches!(reply.output, Some(Output::Restart(_))), "LunaCM starts again on the imported world");
    assert_eq!(other.world().files().get("kept.txt"), Some("yes"));
    assert!(reply.save.is_some_and(|s| s.files.iter().any(|(n, _)| n == "kept.txt")), "saved, files too");

    let before = other.world().to_json();
    let reply = other.handle(ToCore::Call { id: 4, call: Call::ImportWorld { text: "{}".into() } }, NOW);
    let err = reply.answer.unwrap().outcome.unwrap_err();
    assert!(err.starts_with("The file was not imported: this is not a world file"), "{err}");
    assert!(reply.output.is_none() && reply.save.is_none());
    assert_eq!(other.world().to_json(), before);
}

#[test]
fn the_instructor_injects_a_fault_that_the_terminal_does_not_show_as_typed() {
    let (mut engine, _) = fresh(true);
    let call = |line: &str| Call::Instructor { line: line.into() };
    let reply = engine.handle(ToCore::Call { id: 1, call: call("ikey lose 2") }, NOW);
    let answer = reply.answer.unwrap();
    assert_eq!(answer.outcome, Ok(None));
    assert!(answer.said.contains("iKey 2"), "{}", answer.said);
    assert!(engine.world().ikeys().iter().all(|k| k.id != 2), "the key is gone");
    assert!(reply.output.is_none(), "nothing was typed in the terminal");
    assert!(reply.save.is_some(), "the fault is saved");
    let pin = engine.handle(ToCore::Call { id: 2, call: call("ikey sticker 1 none PIN 4321") }, NOW);
    let said = pin.answer.unwrap().said;
    assert!(said.contains("no sticker colour, and \"PIN 4321\" written on it"), "{said}");
    let refused = engine.handle(ToCore::Call { id: 2, call: call("ikey sticker 1 blue \"PIN 1234") }, NOW);
    assert!(refused.answer.unwrap().outcome.unwrap_err().starts_with("The line does not parse"));
}

#[test]
fn a_lab_report_comes_as_html_or_json_and_only_with_a_lab() {
    let (mut engine, _) = fresh(true);
    let report = |engine: &mut Engine, html| {
        let call = Call::LabReport { transcript: "lunacm:>slot list".into(), html };
        engine.handle(ToCore::Call { id: 1, call }, NOW).answer.unwrap()
    };
    assert_eq!(report(&mut engine, true).outcome, Err("There is no lab in progress to report on.".into()));
    engine.handle(ToCore::Call { id: 2, call: Call::StartLab { lab: "receive-new-unit".into() } }, NOW);
    let html = report(&mut engine, true);
    assert!(html.said.contains("<html") && html.said.contains("lunacm:&gt;slot list"), "{}", html.said);
    let json = report(&mut engine, false).said;
    assert_eq!(crate::labs::report::read(&json).unwrap().lab.id, "receive-new-unit");
}

#[test]
fn a_lab_shared_as_a_file_starts_and_a_bad_one_changes_nothing() {
    let (mut engine, _) = fresh(true);
    let text = include_str!("../../../labs/02-hard-init-password.toml").to_string();
    let reply = engine.handle(ToCore::Call { id: 1, call: Call::StartLabFile { text } }, NOW);
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert_eq!(engine.world().lab().map(|r| r.lab.id.as_str()), Some("hard-init-password"));
    let before = engine.world().to_json();
    for (text, why) in [
        ("not = [toml", "malformed lab file"),
        ("format = 9\nid = \"x\"", "newer simulator"),
        ("id = \"x\"\ntitle = \"t\"", "invalid lab"),
    ] {
        let reply = engine.handle(ToCore::Call { id: 2, call: Call::StartLabFile { text: text.into() } }, NOW);
        let err = reply.answer.unwrap().outcome.unwrap_err();
        assert!(err.starts_with("The lab file was not opened: ") && err.contains(why), "{err}");
        assert_eq!(engine.world().to_json(), before, "nothing changed");
    }
}

fn call(engine: &mut Engine, id: u32, call: Call) -> ToPage {
    engine.handle(ToCore::Call { id, call }, NOW)
}

#[test]
fn a_lab_is_recorded_from_the_world_and_exported_as_a_file_that_starts_and_completes() {
    let (mut engine, _) = fresh(true);
    enter(&mut engine, 1, "stm recover -randomuserstring x");
    // Not while LunaCM asks a question.
    let reply = call(&mut engine, 2, Call::StartAuthoring);
    assert!(reply.answer.unwrap().outcome.unwrap_err().contains("asking a question"));
    enter(&mut engine, 3, "proceed");
    let reply = call(&mut engine, 4, Call::StartAuthoring);
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert!(matches!(reply.output, Some(Output::Restart(_))), "a new LunaCM session");
    let shown = reply.view.authoring.expect("the panel is told").expect("recording");
    assert!(shown.recording && shown.lines.is_empty());

    // What the author does, as solution lines; what no line can do is refused meanwhile.
    for line in ["hsm init -label recorded -ipwd -password userpin1 -domain mydomain -force", "role login -name so"] {
        enter(&mut engine, 5, line);
    }
    assert!(engine.world().input_masked());
    let reply = enter(&mut engine, 6, "userpin1");
    let shown = roundtrip(&reply).view.authoring.unwrap().unwrap();
    assert_eq!(shown.lines.len(), 3);
    assert!(shown.lines[2].contains("password prompt") && !shown.lines[2].contains("userpin1"));
    call(&mut engine, 7, Call::InsertIkey { ikey: 1 });
    call(&mut engine, 8, Call::RemoveIkey);
    let refused = put(&mut engine, 9, "notes.txt", "x").answer.unwrap().outcome.unwrap_err();
    assert!(refused.contains("being recorded"), "{refused}");
    assert!(engine.world().files().get("notes.txt").is_none(), "a refusal changes nothing");
    let import = Call::ImportWorld { text: engine.world().to_world_file() };
    assert!(call(&mut engine, 10, import).answer.unwrap().outcome.unwrap_err().contains("being recorded"));

    let reply = call(&mut engine, 11, Call::StopAuthoring);
    let shown = reply.view.authoring.unwrap().unwrap();
    assert!(!shown.recording && shown.problem.is_none(), "{shown:?}");
    assert_eq!(shown.lines[3..], ["sim ikey insert 1".to_string(), "sim ikey remove".to_string()]);
    assert!(shown.proposals.iter().any(|p| p == "the HSM label is \"recorded\""), "{:?}", shown.proposals);
    // The unit was recovered before recording: that is no check of this lab.
    assert!(!shown.proposals.iter().any(|p| p.contains("Secure Transport Mode")), "{:?}", shown.proposals);

    let meta = LabMeta {
        id: "recorded-init".into(),
        title: "Initialize".into(),
        chapters: vec![],
        objective: "Initialize the unit.".into(),
        minutes: 3,
        step_title: "Initialize".into(),
        instructions: "Initialize it.".into(),
        hints: vec![],
    };
    let checks: Vec<usize> = (0..shown.proposals.len()).collect();
    let bad = LabMeta { id: "hard-init-password".into(), ..meta.clone() };
    let reply = call(&mut engine, 12, Call::ExportLab { meta: bad, checks: checks.clone() });
    assert!(reply.answer.unwrap().outcome.unwrap_err().contains("catalogue"));
    let reply = call(&mut engine, 13, Call::ExportLab { meta, checks });
    let answer = reply.answer.unwrap();
    assert_eq!(answer.outcome, Ok(None));
    assert!(answer.said.starts_with("# A lab recorded"), "{}", answer.said);

    // The file, opened as a shared lab: the recorded world, and the recorded lines complete it.
    let (mut trainee, _) = fresh(true);
    let reply = call(&mut trainee, 1, Call::StartLabFile { text: answer.said.clone() });
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert_eq!(trainee.world().hsm().serial(), engine.world().hsm().serial());
    let lab = crate::labs::parse(&answer.said).unwrap();
    assert!(!trainee.world().lab().unwrap().finished());
    for line in &lab.steps[0].solution {
        match line.as_str() {
            "sim ikey insert 1" => call(&mut trainee, 2, Call::InsertIkey { ikey: 1 }),
            line => enter(&mut trainee, 2, line),
        };
    }
    assert!(trainee.world().lab().unwrap().finished());
    // "Restart this lab": a lab from a file is in no catalogue, and starts again from its own world.
    let reply = call(&mut trainee, 3, Call::StartLab { lab: "recorded-init".into() });
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert_eq!(trainee.world().lab().unwrap().step, 0);
    assert_eq!(trainee.world().hsm().label(), "", "the recorded starting world, before the initialization");
    assert!(trainee.world().now(NOW) >= lab.start.clock.unwrap());

    call(&mut engine, 14, Call::DiscardAuthoring);
    assert_eq!(
        call(&mut engine, 15, Call::StopAuthoring).answer.unwrap().outcome,
        Err("No lab is being recorded.".into())
    );
}

#[test]
fn what_the_author_does_on_the_desk_and_the_touchscreen_is_recorded_as_the_sim_lines_that_do_it() {
    let (mut engine, _) = fresh(true);
    call(&mut engine, 1, Call::StartAuthoring);
    for (i, c) in [
        Call::InsertIkey { ikey: 2 },
        Call::Tap { label: "Admin".into() },
        Call::RemoveIkey,
        Call::SetSticker { ikey: 3, color: Some(Color::Blue), label: "SO split".into() },
        Call::AddBlankIkey,
        Call::LoseIkey { ikey: 4 },
        Call::SetEnvironment { temperature_dc: 255, rail_mv: 5000 },
        Call::SetEnvironment { temperature_dc: 255, rail_mv: 4850 },
        Call::PowerCycle { seconds: 60 },
        Call::Instructor { line: "clock advance 30".into() },
        Call::App { args: vec!["sign".into(), "-slot=3".into(), "-data=hello world".into()] },
    ]
    .into_iter()
    .enumerate()
    {
        call(&mut engine, 2 + i as u32, c);
    }
    // A call the world refuses is no solution line.
    let refused = call(&mut engine, 20, Call::RemoveIkey);
    assert!(refused.answer.unwrap().outcome.is_err());
    let reply = call(&mut engine, 21, Call::StopAuthoring);
    let lines = reply.view.authoring.unwrap().unwrap().lines;
    assert_eq!(
        lines,
        [
            "sim ikey insert 2",
            "sim tap Admin",
            "sim ikey remove",
            "sim ikey sticker 3 blue SO split",
            "sim ikey new",
            "sim ikey lose 4",
            "sim temperature 25.5",
            "sim voltage 4.850",
            "sim power cycle 60",
            "sim clock advance 30",
            "sim app sign -slot=3 \"-data=hello world\"",
        ]
    );
}

#[test]
fn keypad_digits_tapped_in_a_row_are_one_sim_keypad_line() {
    let (mut engine, _) = fresh(true);
    call(&mut engine, 1, Call::StartAuthoring);
    for (i, digit) in ["1", "2", "3"].into_iter().enumerate() {
        call(&mut engine, 2 + i as u32, Call::Tap { label: digit.into() });
    }
    call(&mut engine, 5, Call::Tap { label: "Enter".into() });
    call(&mut engine, 6, Call::Tap { label: "4".into() });
    let lines = call(&mut engine, 7, Call::StopAuthoring).view.authoring.unwrap().unwrap().lines;
    assert_eq!(lines, ["sim keypad 123", "sim tap Enter", "sim keypad 4"]);
}

#[test]
fn a_reset_ends_a_recording_under_way() {
    let (mut engine, _) = fresh(true);
    call(&mut engine, 1, Call::StartAuthoring);
    enter(&mut engine, 2, "slot list");
    let reply = call(&mut engine, 3, Call::Reset { seed: 4 });
    assert_eq!(reply.answer.unwrap().outcome, Ok(None));
    assert_eq!(reply.view.authoring, Some(None), "the panel is told the recording ended");
    assert_eq!(
        call(&mut engine, 4, Call::StopAuthoring).answer.unwrap().outcome,
        Err("No lab is being recorded.".into())
    );
}
