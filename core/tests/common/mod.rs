//! Shared helpers for transcript tests: a fixed clock, a seeded world and golden-file comparison.

#![allow(dead_code)]

use hsm_core::World;

/// The fixed clock of every transcript: Mon Nov 24 2025, 16:00:00 UTC.
pub const NOW: u64 = 1_764_000_000_000;
/// The seed of every transcript.
pub const SEED: u64 = 7;

/// The lines that take a new unit (whose shipping e-mail gives `random_user_string`) to an HSM labelled
/// `label`, initialized with passwords, with an application partition and a Crypto Officer logged in on
/// it: a whole procedure, for tests that run it over another path to the device.
pub fn partition_procedure(random_user_string: &str, label: &str) -> Vec<String> {
    [
        "slot list",
        &format!("stm recover -randomuserstring {random_user_string}"),
        "proceed",
        &format!("hsm init -label \"{label}\" -ipwd"),
        "sopass12",
        "sopass12",
        "mydomain",
        "mydomain",
        "proceed",
        "role login -name so -password sopass12",
        "partition create -force",
        "slot set -slot 3",
        "partition init -label app1 -password popass12 -domain appdomain",
        "proceed",
        "role login -name po -password popass12",
        "role init -name co -password copass12",
        "role logout",
        "role login -name co -password copass12",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// A LunaCM session in progress, recording the whole transcript as a user would see it.
pub struct Session {
    pub world: World,
    pub transcript: String,
    /// Output of the last line entered.
    pub last: String,
}

impl Session {
    pub fn new() -> Session {
        let mut world = World::new(SEED, NOW);
        let transcript = world.start_session(NOW);
        Session { world, transcript, last: String::new() }
    }

    /// Types one line and returns what it printed.
    pub fn enter(&mut self, line: &str) -> String {
        let reply = self.world.enter(line, NOW);
        self.transcript.push_str(&reply.echo);
        self.transcript.push('\n');
        self.transcript.push_str(&reply.text);
        self.last = reply.text.clone();
        reply.text
    }

    /// Types several lines; returns the output of the last.
    pub fn run(&mut self, lines: &[&str]) -> String {
        let mut out = String::new();
        for l in lines {
            out = self.enter(l);
        }
        out
    }

    /// Types several lines; returns everything they printed.
    pub fn run_all(&mut self, lines: &[&str]) -> String {
        lines.iter().map(|l| self.enter(l)).collect()
    }

    /// Brings a new unit out of STM with the string from its shipping e-mail.
    pub fn recover_new_unit(&mut self) {
        let rus = self.world.shipment().random_user_string.clone();
        self.run(&[&format!("stm recover -randomuserstring {rus}"), "proceed"]);
    }

    /// Hard-initializes a recovered unit with password authentication.
    pub fn hard_init(&mut self, label: &str, password: &str) {
        self.run(&[
            &format!("hsm init -label \"{label}\" -ipwd"),
            password,
            password,
            "mydomain",
            "mydomain",
            "proceed",
        ]);
    }
}

/// Compares a transcript with the golden file `tests/transcripts/NAME.txt`, embedded so the check also
/// runs as wasm. Natively, `UPDATE_TRANSCRIPTS=1` rewrites the file instead, to be reviewed in the diff.
#[macro_export]
macro_rules! check_golden {
    ($name:literal, $transcript:expr) => {
        $crate::common::compare_golden($name, include_str!(concat!("transcripts/", $name, ".txt")), $transcript)
    };
}

/// See [`check_golden!`].
pub fn compare_golden(name: &str, expected: &str, transcript: &str) {
    let path = format!("{}/tests/transcripts/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var("UPDATE_TRANSCRIPTS").as_deref() == Ok("1") {
        std::fs::write(&path, transcript).unwrap();
        return;
    }
    if expected != transcript {
        let line = expected.lines().zip(transcript.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "transcript {name} differs from {path} at line {}:\n  expected: {:?}\n  actual:   {:?}\n(UPDATE_TRANSCRIPTS=1 rewrites it)",
            line + 1,
            expected.lines().nth(line).unwrap_or(""),
            transcript.lines().nth(line).unwrap_or("")
        );
    }
}

/// One key of a keyset to create: the blank key's id, its PIN, and the ids of blanks for its duplicates.
pub struct K<'a> {
    pub id: u32,
    pub pin: Option<&'a str>,
    pub dups: &'a [u32],
}

pub fn k(id: u32) -> K<'static> {
    K { id, pin: None, dups: &[] }
}

/// Answers stages 1-4 of "Creating iKey" for a new keyset; returns everything printed meanwhile.
pub fn create_keyset(s: &mut Session, m: u8, keys: &[K<'_>]) -> String {
    let mut lines = vec![
        "sim tap New".to_string(),
        format!("sim keypad {m}"),
        "sim tap Enter".into(),
        format!("sim keypad {}", keys.len()),
        "sim tap Enter".into(),
    ];
    for key in keys {
        lines.push(format!("sim ikey insert {}", key.id));
        match key.pin {
            Some(pin) => lines.extend([
                "sim tap Yes".into(),
                format!("sim keypad {pin}"),
                "sim tap Enter".into(),
                format!("sim keypad {pin}"),
                "sim tap Enter".into(),
            ]),
            None => lines.push("sim tap No".into()),
        }
        for dup in key.dups {
            lines.extend(["sim tap Yes".into(), "sim ikey remove".into(), format!("sim ikey insert {dup}")]);
        }
        lines.extend(["sim tap No".into(), "sim ikey remove".into()]);
    }
    lines.iter().map(|l| s.enter(l)).collect()
}

/// Presents one split, with its PIN if given, and takes it out again.
pub fn present(s: &mut Session, id: u32, pin: Option<&str>) -> String {
    let mut out = s.enter(&format!("sim ikey insert {id}"));
    if let Some(pin) = pin {
        s.enter(&format!("sim keypad {pin}"));
        out = s.enter("sim tap Enter");
    }
    if s.world.front_hsm().port().is_some() {
        out.push_str(&s.enter("sim ikey remove"));
    }
    out
}

/// Asserts that a command succeeded.
pub fn ok(out: &str) {
    assert!(out.contains("Command Result : No Error"), "{out}");
}

/// Asserts that a command failed with `ckr` (or printed it).
pub fn fails(out: &str, ckr: &str) {
    assert!(out.contains(ckr), "expected {ckr}: {out}");
}
