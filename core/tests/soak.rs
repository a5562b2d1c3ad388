//! Soak: a long session of random LunaCM lines, prompt answers, `sim` lines (iKeys in and out, taps,
//! digits, the clock), nonsense and half-typed commands, from a fixed seed. No line panics, every reply
//! ends where LunaCM then waits (its prompt, a question, or nothing while it waits for the PED or a
//! monitor reading), and the world saves and loads back unchanged, at checkpoints and at the end.
//!
//! The generator is the one `e2e/lib/soak.mjs` runs in the browser (`e2e/30-soak.test.mjs`): the same
//! tables and the same 32-bit generator (mulberry32), so seed 1 gives the same lines on both sides
//! (`soak_lines_match_the_browser_generator` pins the first few). `SOAK_LINES` sets the count
//! (20,000 by default natively, about 10 s in a debug build); `SOAK_SEED` the seed.
//!
//! Not compiled to wasm: a debug wasm build runs these lines some ten times slower than natively, which
//! would take minutes of the wasm-pack run for nothing the native run does not already check (the core
//! is the same code); the browser soak covers the wasm build end to end.
#![cfg(not(target_arch = "wasm32"))]

use hsm_core::World;

const NOW: u64 = 1_764_000_000_000;

/// mulberry32: a 32-bit generator that JavaScript computes exactly as Rust does (`Math.imul`, `>>>`).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        t ^ (t >> 14)
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u32) as usize]
    }
}

/// LunaCM commands, right and wrong, that reach deep into the command set (no RSA generation: its time
/// would dominate, and `hsm monitor` would wait for time to pass).
const LUNACM: &[&str] = &[
    "slot list",
    "slot set -slot 3",
    "slot set -slot 4",
    "slot set -slot 9",
    "hsm showinfo",
    "hsm showpolicies",
    "partition showinfo",
    "partition contents",
    "partition create",
    "partition init -label par1 -password popin123 -domain pdomain1 -force",
    "audit status",
    "audit config path /var/audit evmask all force",
    "audit logmsg message \"soak\"",
    "audit export list",
    "role login -name so -password userpin1",
    "role login -name so",
    "role login -name po -password popin123",
    "role login -name co -password copin123",
    "role init -name co -password copin123",
    "role init -name au -password audpass1",
    "role logout",
    "role show",
    "hsm init -label soak -ipwd",
    "hsm init -label soak -iped",
    "hsm zeroize",
    "hsm factoryreset",
    "stm transport",
    "stm recover -randomuserstring {rus}",
    "stm recover -randomuserstring ABCD-EFGH-IJKL-MNOP",
    "partition init -label par1 -iped",
    "role init -name co -iped",
    "cmu list -slot=3 -password=copin123",
    "cmu generatekey -slot=3 -password=copin123 -keyType=AES -keysize=32 -label=soak",
    "hsm changehsmpolicy -policy 12 -value 1",
    "partition changepolicy -policy 22 -value 0",
    "help",
    "quit",
];

/// Answers to LunaCM's questions (passwords, domains, confirmations), or lines typed at the wrong time.
const ANSWERS: &[&str] =
    &["proceed", "quit", "userpin1", "mydomain", "popin123", "pdomain1", "yes", "no", "y", "", "  "];

const BUTTONS: &[&str] =
    &["Enter", "Cancel", "Clear", "Reuse", "New", "Overwrite", "Use another iKey", "Yes", "No", "Admin", "Exit"];

const SIM: &[&str] = &[
    "sim screen",
    "sim ikeys",
    "sim ikey new 1",
    "sim clock",
    "sim email",
    "sim environment",
    "sim unit list",
    "sim load sign 5",
    "sim app sessions",
    "sim help",
];

const COLORS: &[&str] = &["red", "blue", "black", "none", "mauve"];

const WORDS: &[&str] = &[
    "slot",
    "hsm",
    "role",
    "partition",
    "audit",
    "stm",
    "cmu",
    "sim",
    "ikey",
    "tap",
    "login",
    "init",
    "show",
    "-name",
    "-slot",
    "-label",
    "-password",
    "-force",
    "-policy",
    "-value",
    "so",
    "co",
    "po",
    "cu",
    "3",
    "4",
    "\"",
    "\"quoted arg\"",
    "-",
    "--",
    "=",
    "é",
    "\u{0}",
];

/// Short procedures that take the unit further than single random lines do: out of transport mode,
/// initialized (with passwords, or with iKeys and their ceremony), a partition with its officers, keys.
const FLOWS: &[&[&str]] = &[
    &["stm recover -randomuserstring {rus}", "proceed"],
    &["hsm init -label soak -ipwd", "userpin1", "userpin1", "mydomain", "mydomain", "proceed"],
    &[
        "role login -name so -password userpin1",
        "partition create",
        "role logout",
        "slot set -slot 3",
        "partition init -label par1 -password popin123 -domain pdomain1 -force",
        "role login -name po -password popin123",
        "role init -name co -password copin123",
        "role logout",
    ],
    &["hsm init -label soak -iped", "proceed"],
    &[
        "role login -name co -password copin123",
        "cmu generatekey -slot=3 -keyType=AES -keysize=32 -label=k",
        "role logout",
    ],
];

const CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789 -=\"'/\\";

/// The generator: random numbers, and the rest of a procedure it is typing.
struct Lines {
    rng: Rng,
    queued: Vec<&'static str>,
}

impl Lines {
    fn new(seed: u32) -> Lines {
        Lines { rng: Rng(seed), queued: Vec::new() }
    }

    /// The next line of a session; `rus` is the unit's random user string (right answers to STM recovery).
    fn next(&mut self, rus: &str) -> String {
        if !self.queued.is_empty() {
            return self.queued.remove(0).replace("{rus}", rus);
        }
        line(&mut self.rng, &mut self.queued, rus)
    }
}

fn line(rng: &mut Rng, queued: &mut Vec<&'static str>, rus: &str) -> String {
    match rng.below(100) {
        0..=5 => {
            let flow = FLOWS[rng.below(FLOWS.len() as u32) as usize];
            queued.extend_from_slice(&flow[1..]);
            flow[0].replace("{rus}", rus)
        }
        6..=29 => rng.pick(LUNACM).replace("{rus}", rus),
        30..=44 => rng.pick(ANSWERS).to_string(),
        45..=69 => match rng.below(8) {
            0 => format!("sim ikey insert {}", 1 + rng.below(6)),
            1 => "sim ikey remove".to_string(),
            2 => format!("sim tap {}", rng.pick(BUTTONS)),
            3 => format!("sim keypad {}", rng.below(10_000)),
            4 => format!("sim clock advance {}", rng.below(400)),
            5 => rng.pick(SIM).to_string(),
            6 => format!("sim ikey sticker {} {} k{}", 1 + rng.below(6), rng.pick(COLORS), rng.below(100)),
            _ => "sim tap Enter".to_string(),
        },
        70..=89 => {
            let n = rng.below(6);
            (0..n).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" ")
        }
        _ => {
            let chars: Vec<char> = CHARS.chars().collect();
            let n = rng.below(13);
            (0..n).map(|_| chars[rng.below(chars.len() as u32) as usize]).collect()
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The world written, read back and written again: the same text.
fn assert_round_trips(world: &World, at: usize) {
    let saved = world.to_json();
    let loaded = World::from_json(&saved).unwrap_or_else(|e| panic!("line {at}: the saved world does not load: {e:?}"));
    assert_eq!(loaded.to_json(), saved, "line {at}: the world loaded back differs from the one saved");
    let file = world.to_world_file();
    let from_file =
        World::from_world_file(&file).unwrap_or_else(|e| panic!("line {at}: the world file does not load: {e}"));
    assert_eq!(from_file.to_json(), saved, "line {at}: the world file loaded back differs");
}

#[test]
fn a_long_random_session_stays_sound() {
    let lines = env_number("SOAK_LINES", 20_000) as usize;
    let seed = env_number("SOAK_SEED", 1) as u32;
    let mut gen = Lines::new(seed);
    let mut world = World::new(u64::from(seed), NOW);
    // Keys on the desk from the start, as the page's first visit puts them there.
    world.enter("sim ikey new 6", NOW);
    let banner = world.start_session(NOW);
    assert!(banner.ends_with("lunacm:>"), "{banner}");
    let rus = world.shipment().random_user_string.clone();
    let mut now = NOW;
    let (mut questions, mut ped_waits, mut prompts) = (0usize, 0usize, 0usize);
    for i in 0..lines {
        let l = gen.next(&rus);
        now += 500;
        let reply = world.enter(&l, now);
        // Where the reply ends is where LunaCM waits: at a question or its prompt, whose text is the
        // reply's end; waiting for the PED or a monitor reading, the prompt is empty (nothing to type at).
        let prompt = world.prompt();
        assert!(
            reply.text.ends_with(&prompt),
            "line {i} {l:?}: the reply does not end at LunaCM's prompt {prompt:?}:\n{}",
            reply.text
        );
        if world.waiting_for_ped() || world.monitoring() {
            assert!(prompt.is_empty(), "line {i} {l:?}: waiting, yet a prompt {prompt:?}");
            ped_waits += 1;
        } else if prompt == "lunacm:>" {
            prompts += 1;
        } else {
            assert!(!prompt.is_empty(), "line {i} {l:?}: LunaCM waits at an empty question");
            questions += 1;
        }
        if i % 2_500 == 2_499 {
            assert_round_trips(&world, i);
        }
    }
    assert_round_trips(&world, lines);
    // The session went somewhere: questions were asked and ceremonies waited for.
    println!("{lines} lines: {prompts} at the prompt, {questions} at a question, {ped_waits} waiting for the PED");
    assert!(questions > 0 && ped_waits > 0 && prompts > lines / 4, "{prompts} {questions} {ped_waits}");
}

/// The first lines of seed 1, as `e2e/lib/soak.mjs` generates them: the two generators are one.
#[test]
fn soak_lines_match_the_browser_generator() {
    let mut gen = Lines::new(1);
    let first: Vec<String> = (0..8).map(|_| gen.next("RUS")).collect();
    assert_eq!(first, FIRST_LINES_OF_SEED_1, "change e2e/lib/soak.mjs with this generator");
    // And 2,000 lines of it, procedures included, through their FNV-1a checksum.
    let mut gen = Lines::new(1);
    let text = (0..2_000).map(|_| gen.next("RUS")).collect::<Vec<_>>().join("\n");
    let sum = text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    assert_eq!(sum, CHECKSUM_OF_2000_LINES_OF_SEED_1, "change e2e/lib/soak.mjs with this generator");
}

/// Printed by `node e2e/lib/soak.mjs 1 2000 RUS`.
const CHECKSUM_OF_2000_LINES_OF_SEED_1: u32 = 281_113_302;

/// Printed by `node e2e/lib/soak.mjs 1 8 RUS`.
const FIRST_LINES_OF_SEED_1: [&str; 8] = [
    "sim ikey remove",
    "slot ikey = -value -password",
    "partition create",
    "quit",
    "sim ikey insert 5",
    "  ",
    "sim clock advance 139",
    "-policy é tap ikey -slot",
];
