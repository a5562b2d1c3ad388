//! `lunacm --connect` against `hsm-device --listen` over a Unix socket: a whole procedure (recovery from
//! Secure Transport Mode, initialization, SO login, the partition and its roles) prints what the same
//! lines print on the simulator, and the unit keeps what was done.
#![cfg(all(unix, not(target_arch = "wasm32")))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use hsm_core::World;

const SEED: u64 = 5;

/// A temporary directory of this test's own, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("hsm-connect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `hsm-device --listen`, stopped when dropped.
struct Device(Child);

impl Device {
    fn listen(socket: &Path, state: &Path) -> Device {
        let child = Command::new(env!("CARGO_BIN_EXE_hsm-device"))
            .args(["--listen", socket.to_str().unwrap(), "--state", state.to_str().unwrap(), "--seed"])
            .arg(SEED.to_string())
            .stderr(Stdio::null())
            .spawn()
            .expect("hsm-device starts");
        let started = Instant::now();
        while !socket.exists() {
            assert!(started.elapsed() < Duration::from_secs(20), "hsm-device did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Device(child)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lunacm(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lunacm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lunacm starts");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn procedure() -> String {
    let rus = World::new(SEED, 0).shipment().random_user_string.clone();
    let mut lines = common::partition_procedure(&rus, "onTheCable");
    lines.extend(
        [
            "cmu list -slot=3",
            "sim email",
            "role show -name co",
            "slot set -slot 4",
            "role logout",
            "role login -name so -password wrongpass",
            "hsm showpolicies",
        ]
        .map(String::from),
    );
    lines.join("\n") + "\n"
}

#[test]
fn a_procedure_on_a_unit_over_a_socket_prints_what_it_prints_on_the_simulator() {
    let dir = TempDir::new("procedure");
    let (socket, state) = (dir.0.join("unit.sock"), dir.0.join("unit.json"));
    let _device = Device::listen(&socket, &state);
    let input = procedure();
    let connected = lunacm(&["--connect", socket.to_str().unwrap()], &input);
    let far = String::from_utf8(connected.stdout).unwrap();
    assert!(connected.status.success(), "{far}\n{}", String::from_utf8_lossy(&connected.stderr));

    let simulated = lunacm(&["--state", dir.0.join("sim.json").to_str().unwrap(), "--seed", &SEED.to_string()], &input);
    let here = String::from_utf8(simulated.stdout).unwrap();

    // The connection is announced, then LunaCM is the same as on the simulator, line for line, except
    // for `sim`, which acts on the simulated world only.
    let (first, rest) = far.split_once('\n').unwrap();
    assert!(first.starts_with("Connected to hsm-device") && first.contains(&*socket.to_string_lossy()), "{first}");
    let rest = rest.strip_prefix('\n').unwrap();
    let (far_before, far_after) = rest.split_once("sim email\n").unwrap();
    let (here_before, here_after) = here.split_once("sim email\n").unwrap();
    assert_eq!(far_before, here_before);
    assert!(far_after.starts_with("        'sim' commands act on the simulated world"), "{far_after}");
    let after_sim = |t: &str| t.split_once("role show -name co\n").map(|(_, a)| a.to_string()).unwrap();
    assert_eq!(after_sim(far_after), after_sim(here_after));
    // A failure path travels too: the unit counted the bad SO login.
    assert!(far.contains("(CKR_PIN_INCORRECT)"), "{far}");

    // The unit kept it: its state file has the label, and a second connection finds it initialized.
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("onTheCable"));
    let again = lunacm(&["--connect", socket.to_str().unwrap()], "hsm showinfo\n");
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(again.contains("onTheCable"), "{again}");
}

#[test]
fn connect_refuses_a_socket_with_no_unit_and_extra_options() {
    let dir = TempDir::new("refuse");
    let missing = lunacm(&["--connect", dir.0.join("nothing.sock").to_str().unwrap()], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nothing.sock"));
    let mixed = lunacm(&["--connect", "x.sock", "--state", "w.json"], "");
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("--connect drives a unit that keeps its own state"));
}
