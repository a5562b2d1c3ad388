//! The native `lunacm`: batch mode from stdin, the world kept in a state file between runs.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn lunacm(state: &Path, args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let state = state.to_string_lossy().into_owned();
    let args: Vec<&str> = ["--state", state.as_str()].into_iter().chain(args.iter().copied()).collect();
    lunacm_args(&args, input)
}

fn temp_state(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lunacm-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("world.json");
    let _ = std::fs::remove_file(&path);
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_script_runs_and_the_world_persists_between_runs() {
    let state = temp_state("persist");
    let script = "stm recover -r AAAA-BBBB-CCCC-DDDD\nproceed\nhsm init -label cliHSM -ipwd\nuserpin1\nuserpin1\ndom\ndom\nproceed\n";
    let out = lunacm(&state, &["--seed", "5"], script);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.starts_with("lunacm (64-bit)"), "{text}");
    assert!(text.contains("Enter password for SO: ********"), "passwords are masked in the transcript: {text}");
    assert!(!text.contains("userpin1"), "{text}");
    let out = lunacm(&state, &[], "slot list\n");
    let text = stdout(&out);
    assert!(text.contains("Label ->                cliHSM"), "{text}");
    assert!(text.contains("HSM Status ->           OK"), "{text}");
}

#[test]
fn the_same_seed_gives_the_same_unit() {
    let (a, b) = (temp_state("seed-a"), temp_state("seed-b"));
    let one = stdout(&lunacm(&a, &["--seed", "9"], "sim email\n"));
    let two = stdout(&lunacm(&b, &["--seed", "9"], "sim email\n"));
    assert_eq!(one, two);
    let other = stdout(&lunacm(&temp_state("seed-c"), &["--seed", "10"], "sim email\n"));
    assert_ne!(one, other);
}

#[test]
fn a_damaged_state_file_is_refused_and_left_alone() {
    let state = temp_state("damaged");
    std::fs::write(&state, "{\"schema\": 1, \"hsm\": ").unwrap();
    let out = lunacm(&state, &[], "slot list\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("damaged"), "{err}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "{\"schema\": 1, \"hsm\": ");
}

#[test]
fn bad_arguments_are_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_lunacm")).arg("--seed").arg("x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole number"));
    let out = Command::new(env!("CARGO_BIN_EXE_lunacm")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: lunacm --state FILE"));
}

#[test]
fn a_ceremony_can_be_scripted_with_sim_lines() {
    let state = temp_state("ceremony");
    let mut script =
        String::from("stm recover -r AAAA-BBBB-CCCC-DDDD\nproceed\nhsm init -label scripted -iped\nproceed\n");
    for key in [1, 2] {
        script.push_str(&format!("sim tap New\nsim keypad 1\nsim tap Enter\nsim keypad 1\nsim tap Enter\nsim ikey insert {key}\nsim tap No\nsim tap No\nsim ikey remove\n"));
    }
    script.push_str("role login -name so\nsim ikey insert 1\nhsm showinfo\n");
    let out = lunacm(&state, &["--seed", "3"], &script);
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(text.contains("Please attend to the PED."), "{text}");
    assert!(text.contains("Role Status -> SO logged in"), "{text}");
}

#[test]
fn the_number_of_blank_ikeys_is_a_setting_of_a_new_world() {
    let state = temp_state("blanks");
    let text = stdout(&lunacm(&state, &["--blank-ikeys", "3"], "sim ikeys\n"));
    assert_eq!(text.matches("no sticker").count(), 3, "{text}");
    // An existing world keeps its keys.
    let text = stdout(&lunacm(&state, &["--blank-ikeys", "5"], "sim ikeys\n"));
    assert_eq!(text.matches("no sticker").count(), 3, "{text}");
    let out = lunacm(&temp_state("blanks-bad"), &["--blank-ikeys", "99"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_line_that_is_not_utf8_is_reported_skipped_and_fails_the_run() {
    let state = temp_state("not-utf8");
    let out = lunacm(&state, &["--seed", "4"], b"slot list\nhsm init -label caf\xe9\nhsm showinfo\n");
    let (text, err) = (stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("lunacm: line 2 is not valid UTF-8; skipped"), "{err}");
    assert!(text.contains("lunacm:>hsm showinfo"), "the lines after it still run: {text}");
    assert!(text.contains("Number of Partitions"), "{text}");
    // A prompt answer likewise: the prompt stays open for the next line.
    let out = lunacm(&state, &[], b"stm recover -r AAAA-BBBB-CCCC-DDDD\n\xff\xfe\nquit\nslot list\n");
    let (text, err) = (stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("lunacm: line 2 (an answer to a prompt) is not valid UTF-8; skipped"), "{err}");
    assert!(text.contains("User Cancelled Operation"), "{text}");
    assert!(text.contains("lunacm:>slot list"), "{text}");
    // Valid input, CRLF line endings included, still succeeds.
    let out = lunacm(&state, &[], "slot list\r\nhsm showinfo\r\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("lunacm:>hsm showinfo\n"));
}

fn lunacm_args(args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lunacm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lunacm starts");
    // lunacm may exit before reading (a refused state file): a closed pipe is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(input.as_ref());
    child.wait_with_output().unwrap()
}

fn lab_file(name: &str, text: &str) -> String {
    let path = temp_state(name).with_file_name(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const LAB_ONE: &str = include_str!("../../labs/01-receive-new-unit.toml");

#[test]
fn check_lab_passes_a_lab_whose_solutions_work() {
    let file = format!("{}/../labs/06-partition-and-crypto-officer.toml", env!("CARGO_MANIFEST_DIR"));
    let out = lunacm_args(&["--check-lab", &file], "");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("step 4: pass: The Crypto Officer changes its password"), "{text}");
    assert!(text.contains("every step passes"), "{text}");
}

#[test]
fn check_lab_fails_a_wrong_solution_and_says_why() {
    let wrong = LAB_ONE.replace(
        "\"stm recover -randomuserstring ${random_user_string}\"",
        "\"stm recover -randomuserstring AAAA-BBBB-CCCC-DDDD\"",
    );
    let file = lab_file("wrong-solution", &wrong);
    let out = lunacm_args(&["--check-lab", &file], "");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("step 1: FAIL"), "{text}");
    assert!(text.contains("expected the HSM was recovered from STM after a matching verification string"), "{text}");
}

#[test]
fn a_malformed_lab_file_is_refused_clearly() {
    let file = lab_file("malformed", &LAB_ONE.replace("minutes = 5", "minutes = "));
    let out = lunacm_args(&["--check-lab", &file], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed lab file") && err.contains("line 5"), "{err}");
    let file = lab_file("unknown-kind", &LAB_ONE.replace("kind = \"stm\"", "kind = \"stm_mode\""));
    let err = String::from_utf8_lossy(&lunacm_args(&["--lab", &file], "").stderr).into_owned();
    assert!(err.contains("unknown variant `stm_mode`"), "{err}");
    let out = lunacm_args(&["--lab", "no-such-lab"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("receive-new-unit"));
}

#[test]
fn a_lab_run_announces_its_checks_and_steps() {
    let out = lunacm_args(&["--lab", "hard-init-password"], "hsm init -label TrainHSM -ipwd -password userpin1 -domain mydomain -force\nrole login -name so -password userpin1\n");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("Lab: Hard initialization with a password\n"), "{text}");
    assert!(text.contains("Step 1 of 3: Initialize the HSM"), "{text}");
    assert!(text.contains("[lab] done: the HSM is initialized with password authentication"), "{text}");
    assert!(text.contains("[lab] Step 1 complete: Initialize the HSM"), "{text}");
    assert!(text.contains("[lab] Step 2 complete: Log in as the HSM SO"), "{text}");
    assert!(text.contains("Step 3 of 3: Change the SO password"), "{text}");
    assert!(!text.contains("Lab complete"), "{text}");
    let out = lunacm_args(&["--lab", "receive-new-unit", "--state", "/tmp/x.json"], "");
    assert_eq!(out.status.code(), Some(2));
}
