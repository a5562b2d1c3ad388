//! Every lab of the catalogue parses, its solutions pass every check step by step, and no step is done
//! before its solution runs.

use hsm_core::labs::{self, catalogue, LabRun, NOW};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn every_lab_parses_and_ids_are_unique() {
    let all = catalogue::labs().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), catalogue::names().len());
    assert!(all.len() >= 9);
    let mut ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "two labs share an id");
    for lab in &all {
        assert_eq!(catalogue::find(&lab.id).as_ref(), Some(lab));
    }
}

#[test]
fn every_solution_passes_every_check_step_by_step() {
    for lab in catalogue::labs().unwrap() {
        let mut world = lab.start().unwrap_or_else(|e| panic!("{}: {e}", lab.id));
        let mut run = LabRun::new(lab.clone(), &world);
        for (i, step) in lab.steps.iter().enumerate() {
            assert_eq!(run.step, i);
            for line in &step.solution {
                let line = labs::expand(line, &world);
                world.enter(&line, NOW);
            }
            let results = run.evaluate(&world, NOW);
            for r in &results {
                assert!(r.passed(), "{} step {} ({}): {}", lab.id, i + 1, step.title, r.failure.as_deref().unwrap());
            }
        }
        assert!(run.finished(), "{}", lab.id);
        assert!(run.completed_at_ms.iter().all(Option::is_some));
    }
}

#[test]
fn no_step_is_done_before_its_solution_runs() {
    for lab in catalogue::labs().unwrap() {
        // On the starting state, and on the state each earlier step's solution left.
        let mut world = lab.start().unwrap();
        let run = LabRun::new(lab.clone(), &world);
        for (i, step) in lab.steps.iter().enumerate() {
            let on_start = run.check_step(i, &lab.start().unwrap(), NOW);
            assert!(
                on_start.iter().any(|r| !r.passed()),
                "{} step {} ({}) passes on the starting state",
                lab.id,
                i + 1,
                step.title
            );
            let before = run.check_step(i, &world, NOW);
            assert!(
                before.iter().any(|r| !r.passed()),
                "{} step {} ({}) passes before its solution runs",
                lab.id,
                i + 1,
                step.title
            );
            for line in &step.solution {
                let line = labs::expand(line, &world);
                world.enter(&line, NOW);
            }
        }
    }
}

#[test]
fn hints_are_revealed_one_at_a_time_and_the_solution_is_remembered() {
    let lab = catalogue::find("hard-init-password").unwrap();
    let world = lab.start().unwrap();
    let mut run = LabRun::new(lab.clone(), &world);
    assert_eq!(run.reveal_hint(), Some(lab.steps[0].hints[0].as_str()));
    assert_eq!(run.reveal_hint(), Some(lab.steps[0].hints[1].as_str()));
    assert_eq!(run.reveal_hint(), None);
    assert_eq!(run.hints_revealed[0], 2);
    assert_eq!(run.view_solution(), lab.steps[0].solution.as_slice());
    assert_eq!(run.solution_viewed, vec![true, false, false]);
}
