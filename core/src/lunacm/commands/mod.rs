//! The LunaCM commands the simulator knows, one file per command group.

mod hsm;
mod ped;
mod role;
mod slot;
mod stm;

use super::parse::OptSpec;
use super::{Ctx, Stop, INDENT};
use crate::device::{HsmInfo, Request, Response};

/// Slot id of the HSM's administrative partition (as in the guide's chapter 1 listing).
pub const ADMIN_SLOT: u32 = 4;

/// One LunaCM command.
pub struct Command {
    /// Group word (`hsm`, `slot`, ...), empty for top-level commands.
    pub group: &'static str,
    /// Documented short name of the group.
    pub group_short: &'static str,
    /// Command word.
    pub name: &'static str,
    /// Documented short name of the command.
    pub short: &'static str,
    /// One line for `help`.
    pub summary: &'static str,
    /// Options it accepts.
    pub options: &'static [OptSpec],
    /// The command itself.
    pub run: fn(&mut Ctx<'_>) -> Result<(), Stop>,
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        group: "",
        group_short: "",
        name: "help",
        short: "?",
        summary: "Show the commands LunaCM knows",
        options: &[],
        run: help,
    },
    slot::LIST,
    slot::SET,
    hsm::SHOWINFO,
    hsm::INIT,
    hsm::ZEROIZE,
    hsm::FACTORYRESET,
    role::LOGIN,
    role::LOGOUT,
    role::CHANGEPW,
    ped::VECTOR_INIT,
    stm::TRANSPORT,
    stm::RECOVER,
];

/// Finds the command a line names (group and command, full or short names, any case) and returns it
/// with the remaining words.
pub fn find(words: &[String]) -> Option<(&'static Command, &[String])> {
    let first = words.first()?.to_ascii_lowercase();
    for c in COMMANDS {
        if c.group.is_empty() {
            if first == c.name || first == c.short {
                return Some((c, &words[1..]));
            }
            continue;
        }
        if first != c.group && first != c.group_short {
            continue;
        }
        // A command name may be several words (`ped vector init`).
        for name in [c.name, c.short] {
            let parts: Vec<&str> = name.split(' ').collect();
            let matches =
                parts.len() < words.len() && parts.iter().zip(&words[1..]).all(|(p, w)| w.eq_ignore_ascii_case(p));
            if matches {
                return Some((c, &words[1 + parts.len()..]));
            }
        }
    }
    None
}

/// The syntax help of a command.
pub fn usage(c: &Command) -> String {
    let full = if c.group.is_empty() { c.name.to_string() } else { format!("{} {}", c.group, c.name) };
    let mut s = format!("{INDENT}Syntax: {full}");
    for o in c.options {
        match o.value {
            Some(v) => s.push_str(&format!(" [-{} <{v}>]", o.name)),
            None => s.push_str(&format!(" [-{}]", o.name)),
        }
    }
    for o in c.options {
        s.push_str(&format!("\n{INDENT}  -{:<20} -{:<6} {}", o.name, o.short, o.help));
    }
    s
}

fn help(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    ctx.line("");
    ctx.line("Commands (short names in parentheses; commands and options are case-insensitive):");
    ctx.line("");
    for c in COMMANDS {
        let (full, short) = if c.group.is_empty() {
            (c.name.to_string(), c.short.to_string())
        } else {
            (format!("{} {}", c.group, c.name), format!("{} {}", c.group_short, c.short))
        };
        ctx.line(&format!("{:<20} {:<10} {}", full, format!("({short})"), c.summary));
    }
    ctx.line(&format!("{:<20} {:<10} {}", "sim ...", "", "Act on the simulated world: type 'sim help'"));
    Ok(())
}

/// Asks the HSM for its identity and state.
fn info(ctx: &mut Ctx<'_>) -> Result<HsmInfo, Stop> {
    match ctx.call(Request::GetInfo)? {
        Response::Info(info) => Ok(info),
        other => Err(unexpected(other)),
    }
}

/// A device answer of the wrong kind: a transport fault, reported as the device error it would be.
pub(super) fn unexpected(_: Response) -> Stop {
    Stop::Fail(crate::retcode::SP_RX_ERROR, Some("The HSM sent an unexpected answer.".into()))
}

/// Commands of the admin partition need the current slot to be the admin slot.
fn require_admin_slot(ctx: &Ctx<'_>) -> Result<(), Stop> {
    if *ctx.slot == ADMIN_SLOT {
        Ok(())
    } else {
        Err(Stop::Fail(
            crate::retcode::SLOT_ID_INVALID,
            Some("Set the current slot to the HSM's Admin Token Slot first.".into()),
        ))
    }
}

const FORCE: OptSpec = OptSpec { name: "force", short: "f", value: None, help: "Do not ask for confirmation" };
