//! `sim` commands: acting on the simulated world rather than on the HSM.
//!
//! The same lines work in the browser terminal, in the native `lunacm` and in scripted demos, so a
//! whole exercise (including what happens on the desk) can be written down as a script.

use crate::lunacm::{http_date, INDENT};
use crate::World;

const HELP: &[(&str, &str)] = &[
    ("sim help", "List the sim commands"),
    ("sim email", "Show the shipping e-mail with the new unit's STM strings"),
    ("sim clock", "Show the simulated time"),
    ("sim clock advance <seconds>", "Move the simulated clock forward"),
    ("sim reset -force", "Replace the whole world with a factory-fresh unit"),
];

/// Runs `sim <words>` and returns its output (without the trailing prompt).
pub fn run(world: &mut World, words: &[String], host_now_ms: u64) -> String {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [] | ["help"] | ["?"] => {
            let mut s = String::from("\n");
            for (cmd, what) in HELP {
                s.push_str(&format!("{INDENT}{cmd:<30} {what}\n"));
            }
            s
        }
        ["email"] => {
            let m = world.shipment();
            format!(
                "\n{INDENT}From: Thales Client Services\n{INDENT}Subject: Logical control validation, HSM serial {}\n\n\
                 {INDENT}Random User String:  {}\n{INDENT}Verification String: {}\n",
                m.serial, m.random_user_string, m.verification_string
            )
        }
        ["clock"] => format!("\n{INDENT}Simulated time: {}\n", http_date(world.now(host_now_ms))),
        ["clock", "advance", secs] => match secs.parse::<u64>() {
            Ok(s) if s <= 10 * 365 * 86_400 => {
                world.clock_offset_ms += s * 1000;
                format!("\n{INDENT}Clock advanced by {s} s. Simulated time: {}\n", http_date(world.now(host_now_ms)))
            }
            _ => format!("\n{INDENT}sim clock advance takes a whole number of seconds (at most ten years), not '{secs}'.\n"),
        },
        ["reset"] => format!(
            "\n{INDENT}This replaces the whole simulated world (HSM, keys, files) with a factory-fresh unit.\n\
             {INDENT}Type 'sim reset -force' to do it.\n"
        ),
        ["reset", "-force"] | ["reset", "-f"] => {
            let seed = rand_core::RngCore::next_u64(&mut world.rng);
            world.reset(seed, host_now_ms);
            format!("\n{INDENT}The simulator was reset: a new unit has arrived, in Secure Transport Mode.\n\n{}", world.start_session().trim_end_matches(crate::lunacm::PROMPT))
        }
        _ => format!("\n{INDENT}Unknown sim command '{}'. Type 'sim help'.\n", words.join(" ")),
    }
}
