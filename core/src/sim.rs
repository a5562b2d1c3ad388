//! `sim` commands: acting on the simulated world rather than on the HSM.
//!
//! The same lines work in the browser terminal, in the native `lunacm` and in scripted demos, so a
//! whole exercise, including what happens on the desk and on the touchscreen, can be written as a script.

use crate::device::{Button, Screen, KEYPAD};
use crate::ikey::Color;
use crate::lunacm::{http_date, INDENT};
use crate::{Shipment, World};

const HELP: &[(&str, &str)] = &[
    ("sim help", "List the sim commands"),
    ("sim email", "The e-mail with the STM strings of the unit in front"),
    ("sim screen", "Show the touchscreen of the unit in front"),
    ("sim ikeys", "List the iKeys on the desk and in the port"),
    ("sim ikey new [count]", "Put blank iKeys on the desk"),
    ("sim ikey sticker <id> <colour> [text]", "Write on a key's sticker (colour or none)"),
    ("sim ikey insert <id>", "Push an iKey into the iKey port"),
    ("sim ikey remove", "Pull the iKey out of the port"),
    ("sim ikey lose <id>", "Lose an iKey (lost, stolen or destroyed): it is gone"),
    ("sim tap <button>", "Tap a touchscreen button by its text"),
    ("sim keypad <digits>", "Tap digits on the touchscreen keypad"),
    ("sim clock", "Show the simulated time"),
    ("sim clock advance <seconds>", "Move the simulated clock forward"),
    ("sim power cycle <seconds>", "Unplug the unit in front for that long, then plug it in again"),
    ("sim unit add", "Unpack another factory-fresh unit and plug it into the host"),
    ("sim unit list", "List the units, their slots and which is in front of you"),
    ("sim unit use <number>", "Put a unit in front of you (touchscreen, iKey port, power)"),
    ("sim environment", "Show the temperature and the 5 V rail of the unit in front"),
    ("sim temperature <celsius>", "Set the temperature around the unit in front (0 to 70 C is safe)"),
    ("sim voltage <volts>", "Set the 5 V rail of the unit in front (3.9 to 5.71 V is safe)"),
    ("sim fault volatile", "Corrupt the volatile memory of the unit in front (a restart recovers)"),
    ("sim fault flash", "Corrupt the permanent storage of the unit in front (factory reset recovers)"),
    (
        "sim load <operation> <count> [admin]",
        "Send an application's sign, verify, encrypt, decrypt, keygen or derive operations",
    ),
    ("sim audit capacity <records>", "Set how many records the audit log store of the unit in front holds"),
    ("sim audit tamper <line>", "Change one character of a record in the newest log file of the unit in front"),
    ("sim firmware list", "List the firmware releases on the support portal"),
    ("sim firmware get <version>", "Put a release's update file (.fuf) and authentication code (.txt) on the host"),
    ("sim app sessions", "How many sessions the application holds open on the unit in front"),
    ("sim app sessions open <count>", "The application opens sessions and leaves them open"),
    ("sim app sessions close [count]", "The application closes sessions (all without a count)"),
    (
        "sim app <sign|verify|encrypt|decrypt|derive|close> ...",
        "Act as an application using a partition key (-slot= -handle= -data=); close ends its session",
    ),
    ("sim reset -force", "Start over with a factory-fresh world"),
];

/// What a `sim` command printed, and any LunaCM output it caused (a ceremony it completed).
pub struct SimOutput {
    /// The command's own output.
    pub text: String,
    /// LunaCM's continuation, ending with its prompt, or empty.
    pub lunacm: String,
}

impl SimOutput {
    fn text(text: String) -> SimOutput {
        SimOutput { text, lunacm: String::new() }
    }
}

/// The touchscreen as text, for scripts and the terminal.
pub fn render_screen(s: &Screen) -> String {
    let mut out = format!("{INDENT}[touchscreen] {}\n", s.title);
    for line in &s.status {
        out.push_str(&format!("{INDENT}  {line}\n"));
    }
    if !s.label.is_empty() {
        out.push_str(&format!("{INDENT}  Label: {}\n", s.label));
    }
    if let Some(r) = &s.role {
        out.push_str(&format!("{INDENT}  {r}\n"));
    }
    for line in s.operation.iter().chain(&s.note).chain(&s.prompt) {
        out.push_str(&format!("{INDENT}  {line}\n"));
    }
    if s.keypad {
        out.push_str(&format!("{INDENT}  [keypad] {}\n", if s.entry.is_empty() { "_" } else { &s.entry }));
    }
    if !s.buttons.is_empty() {
        let b: Vec<String> = s.buttons.iter().map(|b| format!("[{b}]")).collect();
        out.push_str(&format!("{INDENT}  {}\n", b.join(" ")));
    }
    out
}

/// The touchscreen of the unit in front as text, naming the unit when there are several.
fn front_screen(world: &World, host_now_ms: u64) -> String {
    let text = render_screen(&world.screen(host_now_ms));
    if world.unit_count() > 1 {
        text.replacen("[touchscreen]", &format!("[touchscreen of unit {}]", world.front_unit()), 1)
    } else {
        text
    }
}

fn with_screen(world: &World, lunacm: Result<String, String>, host_now_ms: u64) -> SimOutput {
    match lunacm {
        Ok(lunacm) => SimOutput { text: format!("\n{}", front_screen(world, host_now_ms)), lunacm },
        Err(e) => SimOutput::text(format!("\n{INDENT}{e}\n")),
    }
}

/// The shipping e-mail of a unit, as `sim email` shows it.
fn email(m: &Shipment) -> String {
    format!(
        "{INDENT}From: Thales Client Services\n{INDENT}Subject: Logical control validation, HSM serial {}\n\n\
         {INDENT}Random User String:  {}\n{INDENT}Verification String: {}\n",
        m.serial, m.random_user_string, m.verification_string
    )
}

/// A unit's slots as `sim unit` prints them: "slots 3, 4", or "slot 4" without an application partition.
fn unit_slots(partition: Option<u32>, admin: u32) -> String {
    match partition {
        Some(p) => format!("slots {p}, {admin}"),
        None => format!("slot {admin}"),
    }
}

/// `sim unit ...`.
fn unit(world: &mut World, words: &[&str]) -> String {
    match words {
        ["add"] => match world.add_unit() {
            Ok(n) => {
                let view = &world.unit_views()[n - 1];
                let (partition, admin) = (crate::hub::partition_slot(n - 1), view.admin_slot);
                let mail = world.unit_shipment(n).map(email).unwrap_or_default();
                format!(
                    "\n{INDENT}Unit {n} has arrived, in Secure Transport Mode, and is plugged into the host: serial {}.\n\
                     {INDENT}Its slots: {admin} (admin) and {partition} (application partition, once created).\n\
                     {INDENT}'sim unit use {n}' puts it in front of you. It came with this e-mail:\n\n{mail}",
                    view.serial
                )
            }
            Err(e) => format!("\n{INDENT}{e}\n"),
        },
        ["list"] => {
            let mut s = String::from("\n");
            for u in world.unit_views() {
                let label = if u.label.is_empty() { "zeroized".to_string() } else { format!("\"{}\"", u.label) };
                let front = if u.in_front { "in front of you" } else { "" };
                let line = format!(
                    "Unit {}  serial {:<8} {label:<34} {:<12} {front}",
                    u.number,
                    u.serial,
                    unit_slots(u.partition_slot, u.admin_slot)
                );
                s.push_str(&format!("{INDENT}{}\n", line.trim_end()));
            }
            s
        }
        ["use", n] => match n.parse::<usize>() {
            Ok(n) => match world.use_unit(n) {
                Ok(()) => format!(
                    "\n{INDENT}Unit {n} (serial {}) is in front of you: the touchscreen, the iKey port and\n\
                     {INDENT}'sim power cycle' act on it.\n",
                    world.front_hsm().serial()
                ),
                Err(e) => format!("\n{INDENT}{e}\n"),
            },
            Err(_) => format!("\n{INDENT}'{n}' is not a unit number; 'sim unit list' lists them.\n"),
        },
        _ => usage(&[&["unit"], words].concat()).unwrap_or_default(),
    }
}

fn parse_id(s: &str) -> Result<u32, String> {
    s.parse().map_err(|_| format!("'{s}' is not an iKey number; 'sim ikeys' lists them."))
}

/// Runs `sim <words>`.
pub fn run(world: &mut World, words: &[String], host_now_ms: u64) -> SimOutput {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let text = match lower.as_slice() {
        [] | ["help"] | ["?"] => {
            let mut s = String::from("\n");
            for (cmd, what) in HELP {
                s.push_str(&format!("{INDENT}{cmd:<38} {what}\n"));
            }
            s
        }
        ["email"] => {
            let n = world.front_unit();
            let mail = world.unit_shipment(n).map(email).unwrap_or_default();
            if world.unit_count() > 1 {
                format!("\n{INDENT}The e-mail that came with unit {n}, the unit in front of you:\n\n{mail}")
            } else {
                format!("\n{mail}")
            }
        }
        ["screen"] => format!("\n{}", front_screen(world, host_now_ms)),
        ["unit", rest @ ..] => unit(world, rest),
        ["app", "sessions", rest @ ..] => app_sessions(world, rest),
        ["app", ..] => world.app(&words[1..], host_now_ms),
        ["ikeys"] => {
            let mut s = String::from("\n");
            for k in world.ikeys() {
                let sticker = match k.color {
                    Some(c) => format!("{c} sticker \"{}\"", k.label),
                    None if k.label.is_empty() => "no sticker".to_string(),
                    None => format!("sticker \"{}\"", k.label),
                };
                let place = match k.in_unit {
                    Some(n) if world.unit_count() > 1 => format!("in the iKey port of unit {n}"),
                    Some(_) => "in the iKey port".to_string(),
                    None => "on the desk".to_string(),
                };
                s.push_str(&format!("{INDENT}iKey {:<3} {sticker:<34} {place}\n", k.id));
            }
            s
        }
        ["ikey", "new"] | ["ikey", "new", _] => {
            let count = match lower.get(2) {
                None => Ok(1),
                Some(c) => c
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=32).contains(n))
                    .ok_or(format!("sim ikey new takes a count from 1 to 32, not '{c}'.")),
            };
            match count {
                Ok(n) => {
                    let ids: Vec<String> = (0..n).map(|_| world.add_blank_ikey().to_string()).collect();
                    format!("\n{INDENT}New blank iKey(s) on the desk: {}\n", ids.join(", "))
                }
                Err(e) => format!("\n{INDENT}{e}\n"),
            }
        }
        ["ikey", "sticker", id, colour, ..] => {
            let label = words[4..].join(" ");
            let colour = if *colour == "none" {
                Ok(None)
            } else {
                Color::parse(colour).map(Some).ok_or(format!("'{colour}' is not an iKey colour."))
            };
            match (parse_id(id), colour) {
                (Ok(id), Ok(c)) => match world.set_sticker(id, c, &label) {
                    Ok(()) => format!(
                        "\n{INDENT}iKey {id} now has {}.\n",
                        match (c, label.is_empty()) {
                            (Some(c), _) => format!("{} sticker \"{label}\"", c.with_article()),
                            (None, true) => "no sticker colour".to_string(),
                            // Text on an uncoloured sticker is still written on the key.
                            (None, false) => format!("no sticker colour, and \"{label}\" written on it"),
                        }
                    ),
                    Err(e) => format!("\n{INDENT}{e}\n"),
                },
                (Err(e), _) | (_, Err(e)) => format!("\n{INDENT}{e}\n"),
            }
        }
        ["ikey", "insert", id] => {
            let r = parse_id(id).and_then(|id| world.insert_ikey(id, host_now_ms));
            return with_screen(world, r, host_now_ms);
        }
        ["ikey", "lose", id] => match parse_id(id).and_then(|id| world.lose_ikey(id).map(|()| id)) {
            Ok(id) => format!(
                "\n{INDENT}iKey {id} is lost: it is no longer on the desk. Whatever it held is gone with it,\n\
                 {INDENT}unless a duplicate or enough other splits of its keyset exist.\n"
            ),
            Err(e) => format!("\n{INDENT}{e}\n"),
        },
        ["ikey", "remove"] => {
            let r = world.remove_ikey(host_now_ms);
            return with_screen(world, r, host_now_ms);
        }
        ["tap", ..] if words.len() > 1 => {
            let label = words[1..].join(" ");
            let screen = world.screen(host_now_ms);
            // A shown button, or a key of the keypad while it is shown, matched in any case.
            let keypad = KEYPAD.into_iter().chain([Button::Clear]).filter(|_| screen.keypad);
            let button = screen.buttons.iter().copied().chain(keypad).find(|b| b.label().eq_ignore_ascii_case(&label));
            let r = match button {
                Some(b) => Ok(world.tap(b.label(), host_now_ms)),
                None => Err(format!("The touchscreen shows no '{label}' button.")),
            };
            return with_screen(world, r, host_now_ms);
        }
        ["keypad", digits] => {
            if !world.screen(host_now_ms).keypad {
                format!("\n{INDENT}The touchscreen shows no keypad now.\n")
            } else if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                format!("\n{INDENT}sim keypad takes digits only, not '{digits}'.\n")
            } else {
                let mut lunacm = String::new();
                for d in digits.chars() {
                    lunacm.push_str(&world.tap(&d.to_string(), host_now_ms));
                }
                return with_screen(world, Ok(lunacm), host_now_ms);
            }
        }
        ["power", "cycle", secs] => match secs.parse::<u64>() {
            Ok(s) if s <= 10 * 365 * 86_400 => {
                let lunacm = world.power_cycle(s, host_now_ms);
                let unit = if world.unit_count() > 1 {
                    format!("Unit {}", world.front_unit())
                } else {
                    "The unit".to_string()
                };
                return SimOutput {
                    text: format!(
                        "\n{INDENT}{unit} was without power for {s} s and is back. Simulated time: {}\n",
                        http_date(world.now(host_now_ms))
                    ),
                    lunacm,
                };
            }
            _ => format!(
                "\n{INDENT}sim power cycle takes a whole number of seconds (at most ten years), not '{secs}'.\n"
            ),
        },
        ["clock"] => format!("\n{INDENT}Simulated time: {}\n", http_date(world.now(host_now_ms))),
        ["clock", "advance", secs] => match secs.parse::<u64>() {
            Ok(s) if s <= 10 * 365 * 86_400 => {
                world.clock_offset_ms += s * 1000;
                let lunacm = world.tick(host_now_ms);
                return SimOutput {
                    text: format!(
                        "\n{INDENT}Clock advanced by {s} s. Simulated time: {}\n",
                        http_date(world.now(host_now_ms))
                    ),
                    lunacm,
                };
            }
            _ => format!(
                "\n{INDENT}sim clock advance takes a whole number of seconds (at most ten years), not '{secs}'.\n"
            ),
        },
        ["load", operation, count] | ["load", operation, count, "admin"] => {
            load(world, operation, count, lower.len() == 4, host_now_ms)
        }
        ["audit", "capacity", n] => {
            match n.parse::<usize>().map_err(|_| String::new()).and_then(|n| world.set_audit_capacity(n).map(|()| n)) {
                Ok(n) => format!("\n{INDENT}The unit's audit log store now holds {n} records.\n"),
                Err(e) if e.is_empty() => {
                    format!("\n{INDENT}sim audit capacity takes a number of records, not '{n}'.\n")
                }
                Err(e) => format!("\n{INDENT}{e}\n"),
            }
        }
        ["environment"] => readings_line(world),
        ["temperature", t] => match crate::device::tamper::parse_decimal(t, 1).filter(|t| (-400..=1250).contains(t)) {
            Some(dc) => change_sensors(world, host_now_ms, |s| s.temperature_dc = dc as i32),
            None => format!("\n{INDENT}sim temperature takes degrees Celsius from -40 to 125, not '{t}'.\n"),
        },
        ["voltage", v] => match crate::device::tamper::parse_decimal(v, 3).filter(|v| (0..=12_000).contains(v)) {
            Some(mv) => change_sensors(world, host_now_ms, |s| s.rail_mv = mv as u32),
            None => format!("\n{INDENT}sim voltage takes volts from 0 to 12, not '{v}'.\n"),
        },
        ["fault", "volatile"] => {
            world.corrupt(crate::device::tamper::Fault::Volatile, host_now_ms);
            environment_text(world)
        }
        ["fault", "flash"] => {
            world.corrupt(crate::device::tamper::Fault::Flash, host_now_ms);
            environment_text(world)
        }
        ["audit", "tamper", line] => match line.parse::<usize>() {
            Ok(n) => match world.tamper_audit_log(n) {
                Ok(what) => format!("\n{INDENT}{what}\n"),
                Err(e) => format!("\n{INDENT}{e}\n"),
            },
            Err(_) => format!("\n{INDENT}sim audit tamper takes a line number, not '{line}'.\n"),
        },
        ["firmware", rest @ ..] => crate::portal::sim(world, rest).unwrap_or_else(|| usage(&lower).unwrap_or_default()),
        ["reset"] => format!(
            "\n{INDENT}This replaces the whole simulated world (HSM, iKeys, files) with a factory-fresh unit.\n\
             {INDENT}Type 'sim reset -force' to do it.\n"
        ),
        ["reset", "-force"] | ["reset", "-f"] => {
            let seed = rand_core::RngCore::next_u64(&mut world.rng);
            let ended = match world.reset(seed, host_now_ms) {
                Some(title) => format!("{INDENT}The lab '{title}' ended: the world was reset.\n"),
                None => String::new(),
            };
            let banner = world.start_session(host_now_ms);
            format!(
                "\n{INDENT}The simulator was reset: a new unit has arrived, in Secure Transport Mode.\n{ended}\n{}",
                banner.trim_end_matches(crate::lunacm::PROMPT)
            )
        }
        _ => usage(&lower)
            .unwrap_or_else(|| format!("\n{INDENT}Unknown sim command '{}'. Type 'sim help'.\n", words.join(" "))),
    };
    SimOutput::text(text)
}

/// `sim load`: `count` operations of the bin `operation` names.
fn load(world: &mut World, operation: &str, count: &str, admin: bool, host_now_ms: u64) -> String {
    use crate::device::utilization::Bin;
    let bin = match operation {
        "sign" => Bin::Sign,
        "verify" => Bin::Verify,
        "encrypt" => Bin::Encrypt,
        "decrypt" => Bin::Decrypt,
        "keygen" => Bin::KeyGenerate,
        "derive" => Bin::KeyDerive,
        _ => {
            return format!(
                "\n{INDENT}sim load takes sign, verify, encrypt, decrypt, keygen or derive, not '{operation}'.\n"
            )
        }
    };
    let Some(n) = count.parse::<u64>().ok().filter(|n| (1..=1_000_000).contains(n)) else {
        return format!("\n{INDENT}sim load takes a count from 1 to 1000000, not '{count}'.\n");
    };
    let target = if admin { "admin partition" } else { "application partition" };
    match world.application_load(bin, n, admin, host_now_ms) {
        Ok(()) => format!(
            "\n{INDENT}An application sent {n} {} operation(s) to the {target} of the unit in front.\n",
            bin.name().to_lowercase()
        ),
        Err(e) => format!("\n{INDENT}{e}\n"),
    }
}

/// `sim app sessions [open <count> | close [count]]`.
fn app_sessions(world: &mut World, words: &[&str]) -> String {
    let max = crate::device::SESSION_TABLE_MAX;
    let count = |c: &str| c.parse::<u32>().ok().filter(|n| (1..=max).contains(n));
    let text = match words {
        [] => format!(
            "The application holds {} session(s) open on the unit in front; its session table holds {max}.",
            world.front_hsm().app_sessions()
        ),
        ["open", c] => match count(c) {
            Some(n) => world.application_sessions(true, Some(n)),
            None => format!("sim app sessions open takes a count from 1 to {max}, not '{c}'."),
        },
        ["close"] => world.application_sessions(false, None),
        ["close", c] => match count(c) {
            Some(n) => world.application_sessions(false, Some(n)),
            None => format!("sim app sessions close takes a count from 1 to {max}, not '{c}'."),
        },
        _ => return usage(&[&["app", "sessions"], words].concat()).unwrap_or_default(),
    };
    format!("\n{INDENT}{text}\n")
}

/// The unit in front's readings and status, one line.
fn readings_line(world: &World) -> String {
    let hsm = world.front_hsm();
    let s = hsm.sensors();
    format!(
        "\n{INDENT}Temperature: {}   5 V rail: {}   HSM Status: {}\n",
        crate::device::tamper::celsius(s.temperature_dc),
        crate::device::tamper::volts(s.rail_mv),
        hsm.status()
    )
}

/// Changes one of the unit in front's readings, and says how it stands then.
fn change_sensors(
    world: &mut World,
    host_now_ms: u64,
    change: impl FnOnce(&mut crate::device::tamper::Sensors),
) -> String {
    let mut sensors = world.front_hsm().sensors();
    change(&mut sensors);
    world.set_sensors(sensors, host_now_ms);
    environment_text(world)
}

/// The unit in front's readings and status after a change of its surroundings.
fn environment_text(world: &World) -> String {
    let mut t = readings_line(world);
    for w in world.front_hsm().warnings() {
        t.push_str(&format!("{INDENT}Warning logged: {w}.\n"));
    }
    t
}

/// For a line that starts like a sim command but lacks an argument (`sim tap`) or has too many: the
/// usage of the commands it comes closest to, from [`HELP`]. `None` if it names no sim command.
fn usage(words: &[&str]) -> Option<String> {
    // How many leading words fit the command's syntax: its words, or anything for a `<placeholder>`.
    let fit = |syntax: &str| {
        let parts = syntax.split(' ').skip(1);
        parts.zip(words).take_while(|(p, w)| p.starts_with(['<', '[']) || p == *w).count()
    };
    let best = HELP.iter().map(|(syntax, _)| fit(syntax)).max().filter(|n| *n > 0)?;
    let mut s = String::from("\n");
    for (syntax, what) in HELP.iter().filter(|(syntax, _)| fit(syntax) == best) {
        s.push_str(&format!("{INDENT}Usage: {syntax}\n{INDENT}       {what}.\n"));
    }
    s.push_str(&format!("{INDENT}Type 'sim help' for every sim command.\n"));
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(world: &mut World, line: &str) -> String {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        run(world, &words, 0).text
    }

    #[test]
    fn a_sim_command_without_its_argument_shows_its_usage() {
        let mut w = World::new(1, 0);
        for (line, usage) in [
            ("tap", "Usage: sim tap <button>\n               Tap a touchscreen button by its text."),
            ("keypad", "Usage: sim keypad <digits>"),
            ("clock advance", "Usage: sim clock advance <seconds>"),
            ("ikey insert", "Usage: sim ikey insert <id>"),
            ("ikey sticker", "Usage: sim ikey sticker <id> <colour> [text]"),
            ("ikey sticker 1", "Usage: sim ikey sticker <id> <colour> [text]"),
            ("keypad 1 2", "Usage: sim keypad <digits>"),
        ] {
            let out = sim(&mut w, line);
            assert!(out.contains(usage), "sim {line}: {out}");
            assert!(!out.contains("Unknown"), "sim {line}: {out}");
            assert_eq!(out.matches("Usage:").count(), 1, "only the closest command: {out}");
        }
        // A group word alone lists the group's commands.
        let out = sim(&mut w, "ikey");
        assert!(out.contains("Usage: sim ikey insert <id>") && out.contains("Usage: sim ikey remove"), "{out}");
        assert!(sim(&mut w, "frobnicate").contains("Unknown sim command 'frobnicate'"));
    }
}
