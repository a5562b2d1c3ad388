//! A lab kept with the world: started from the catalogue, judged after every line through
//! `World::enter`, and saved and loaded with the world.

use hsm_core::labs::{self, catalogue, NOW};
use hsm_core::World;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const LAB: &str = "partition-and-crypto-officer";

fn enter_solution(world: &mut World, step: usize) {
    let lines = world.lab().unwrap().lab.steps[step].solution.clone();
    for line in lines {
        let line = labs::expand(&line, world);
        world.enter(&line, NOW + 1_000);
    }
}

#[test]
fn starting_a_lab_replaces_the_world_with_its_starting_state() {
    let mut world = World::new(99, NOW);
    world.enter("sim clock advance 10", NOW);
    let revision = world.revision();
    world.start_lab(LAB).unwrap();
    let lab = catalogue::find(LAB).unwrap();
    let run = world.lab().expect("a lab runs");
    assert_eq!(run.lab.id, LAB);
    assert_eq!(run.step, 0);
    assert!(!world.hsm().zeroized(), "the start script initialized the HSM");
    assert_eq!(world.hsm().serial(), lab.start().unwrap().hsm().serial());
    assert!(world.revision() > revision, "a newer revision, for other tabs");
    let checks = world.lab_checks(NOW);
    assert_eq!(checks.len(), lab.steps[0].checks.len());
    assert!(checks.iter().any(|c| !c.passed()));
}

#[test]
fn an_unknown_lab_is_refused_and_the_world_kept() {
    let mut world = World::new(7, NOW);
    let before = world.to_json();
    let e = world.start_lab("no-such-lab").unwrap_err();
    assert!(e.contains("no-such-lab"), "{e}");
    assert_eq!(world.to_json(), before);
    assert!(world.lab().is_none());
}

#[test]
fn a_wrong_line_leaves_the_step_and_its_solution_completes_it() {
    let mut world = World::new(1, NOW);
    world.start_lab(LAB).unwrap();
    world.enter("partition create", NOW + 500);
    assert_eq!(world.lab().unwrap().step, 0, "not logged in: no partition");
    assert!(!world.lab_checks(NOW)[0].passed());
    enter_solution(&mut world, 0);
    let run = world.lab().unwrap();
    assert_eq!(run.step, 1);
    assert_eq!(run.completed_at_ms[0], Some(NOW + 1_000));
    assert!(world.lab_checks(NOW).iter().any(|c| !c.passed()), "step 2 is not done yet");
}

#[test]
fn progress_hints_and_solutions_survive_saving_and_loading() {
    let mut world = World::new(1, NOW);
    world.start_lab(LAB).unwrap();
    enter_solution(&mut world, 0);
    let hint = world.lab_mut().unwrap().reveal_hint().map(str::to_string);
    assert!(hint.is_some());
    world.lab_mut().unwrap().view_solution();
    let mut loaded = World::from_json(&world.to_json()).unwrap();
    let run = loaded.lab().unwrap();
    assert_eq!(run.step, 1);
    assert_eq!(run.hints_revealed[1], 1);
    assert!(run.solution_viewed[1]);
    // The loaded world goes on from there, in a new LunaCM session.
    loaded.start_session(NOW);
    for step in 1..catalogue::find(LAB).unwrap().steps.len() {
        enter_solution(&mut loaded, step);
        assert_eq!(loaded.lab().unwrap().step, step + 1);
    }
    assert!(loaded.lab().unwrap().finished());
    assert!(loaded.lab_checks(NOW).is_empty());
}

#[test]
fn every_lab_completes_through_world_enter() {
    for lab in catalogue::labs().unwrap() {
        let mut world = World::new(5, NOW);
        world.start_lab(&lab.id).unwrap();
        for i in 0..lab.steps.len() {
            assert_eq!(world.lab().unwrap().step, i, "{} step {}", lab.id, i + 1);
            enter_solution(&mut world, i);
        }
        assert!(world.lab().unwrap().finished(), "{}", lab.id);
    }
}

#[test]
fn leaving_a_lab_keeps_the_world() {
    let mut world = World::new(1, NOW);
    world.start_lab(LAB).unwrap();
    enter_solution(&mut world, 0);
    let revision = world.revision();
    world.stop_lab();
    assert!(world.lab().is_none());
    assert!(world.hsm().partition().is_some());
    assert!(world.revision() > revision);
    assert!(world.lab_checks(NOW).is_empty());
}

#[test]
fn a_world_saved_without_a_lab_field_loads() {
    let mut world = World::new(3, NOW);
    world.enter("sim email", NOW);
    let mut value: serde_json::Value = serde_json::from_str(&world.to_json()).unwrap();
    let object = value.as_object_mut().unwrap();
    assert!(object.remove("lab").is_some(), "the field is saved");
    let loaded = World::from_json(&value.to_string()).unwrap();
    assert!(loaded.lab().is_none());
    assert_eq!(loaded.hsm().serial(), world.hsm().serial());
}

/// `world` saved as a version that kept the lab's start as an index into the event log (`since_event`)
/// and, with `emitted` `None`, before the HSM counted the events it emitted.
fn saved_with_an_index(world: &World, since_event: usize, emitted: Option<u64>) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&world.to_json()).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("sdi");
    let lab = object["lab"].as_object_mut().unwrap();
    assert!(lab.remove("since_emitted").is_some(), "the field is saved");
    lab.insert("since_event".into(), since_event.into());
    let hsm = object["hsm"].as_object_mut().unwrap();
    match emitted {
        Some(n) => hsm.insert("emitted".into(), n.into()),
        None => hsm.remove("emitted"),
    };
    value.to_string()
}

#[test]
fn a_lab_saved_with_an_event_index_counts_what_it_counted_before() {
    let mut world = World::new(1, NOW);
    world.start_lab(LAB).unwrap();
    let kept_at_start = world.hsm().events().len();
    enter_solution(&mut world, 0);
    let kept = world.hsm().events().len() as u64;
    let checks = world.lab_checks(NOW);
    // Saved before `emitted` existed: the count starts from the events kept, and the index stays a mark.
    let loaded = World::from_json(&saved_with_an_index(&world, kept_at_start, None)).unwrap();
    assert_eq!(loaded.hsm().emitted(), kept);
    assert_eq!(loaded.lab().unwrap().since_emitted, kept_at_start as u64);
    assert_eq!(loaded.lab_checks(NOW), checks);
    assert!(loaded.hsm().halt().is_none(), "a world saved without tags is trusted");
    // Saved after the log had dropped 500 events: the index pointed at the event emitted 500 later.
    let loaded = World::from_json(&saved_with_an_index(&world, kept_at_start, Some(kept + 500))).unwrap();
    assert_eq!(loaded.lab().unwrap().since_emitted, kept_at_start as u64 + 500);
    assert_eq!(loaded.lab_checks(NOW), checks);
    // A world saved now keeps its mark through saving and loading.
    let again = World::from_json(&loaded.to_json()).unwrap();
    assert_eq!(again.lab(), loaded.lab());
}

#[test]
fn sim_reset_says_that_it_ended_the_lab() {
    let mut world = World::new(1, NOW);
    world.start_lab(LAB).unwrap();
    let title = world.lab().unwrap().lab.title.clone();
    let text = world.enter("sim reset -force", NOW).text;
    assert!(world.lab().is_none());
    assert!(text.contains(&format!("The lab '{title}' ended: the world was reset.")), "{text}");
    // Without a lab, a reset says nothing of one.
    let text = world.enter("sim reset -force", NOW).text;
    assert!(!text.contains("The lab"), "{text}");
}
