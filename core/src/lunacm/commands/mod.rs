//! The LunaCM commands the simulator knows, one file per command group.

mod audit;
mod firmware;
mod hsm;
pub(super) mod monitor;
mod partition;
mod ped;
mod policies;
mod role;
mod slot;
mod stm;
mod utilization;

use super::parse::OptSpec;
use super::{Ctx, Stop, INDENT};
use crate::device::{Action, HsmInfo, Request, Response};
use crate::retcode::{self, LunaRet};

/// Slots come in pairs, one pair per unit: a command finds the admin slot of the unit it works on from the
/// current slot.
pub use crate::hub::{admin_slot_of, is_admin_slot, partition_slot_of};

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

impl Command {
    /// Whether the command takes its parameters as bare keywords (`audit config evmask all`), as LunaCM's
    /// `audit` commands do, rather than as `-options`.
    pub fn keywords(&self) -> bool {
        self.group == "audit" || self.name == "audit"
    }
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
    hsm::TAMPERSHOW,
    hsm::RESTART,
    utilization::SHOWUTILIZATION,
    utilization::RESETUTILIZATION,
    monitor::MONITOR,
    hsm::SHOWPOLICIES,
    hsm::CHANGEHSMPOLICY,
    firmware::UPDATEFW,
    firmware::ROLLBACKFW,
    partition::CREATE,
    partition::DELETE,
    partition::INIT,
    partition::SHOWINFO,
    partition::SHOWPOLICIES,
    partition::CHANGEPOLICY,
    partition::CONTENTS,
    role::INIT,
    role::LOGIN,
    role::LOGOUT,
    role::CHANGEPW,
    role::RESETPW,
    role::CREATECHALLENGE,
    role::DEACTIVATE,
    role::SHOW,
    role::LIST,
    role::SETDOMAIN,
    ped::VECTOR_INIT,
    stm::TRANSPORT,
    stm::RECOVER,
    audit::CONFIG,
    audit::STATUS,
    audit::TIME,
    audit::LOGMSG,
    audit::EXPORT,
    audit::IMPORT,
    audit::VERIFY,
    audit::AUDIT,
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
    let dash = if c.keywords() { "" } else { "-" };
    for o in c.options {
        match o.value {
            Some(v) => s.push_str(&format!(" [{dash}{} <{v}>]", o.name)),
            None => s.push_str(&format!(" [{dash}{}]", o.name)),
        }
    }
    for o in c.options {
        s.push_str(&format!("\n{INDENT}  {dash}{:<20} {dash}{:<6} {}", o.name, o.short, o.help));
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
        ctx.line(&format!("{:<24} {:<11} {}", full, format!("({short})"), c.summary));
    }
    ctx.line(&format!("{:<24} {:<11} {}", "sim ...", "", "Act on the simulated world: type 'sim help'"));
    Ok(())
}

/// A new secret (password, domain, challenge): `given` on the command line, or asked twice, masked; a
/// mismatch stops the command.
fn secret(ctx: &mut Ctx<'_>, given: Option<String>, first: &str, again: &str, what: &str) -> Result<String, Stop> {
    if let Some(s) = given {
        return Ok(s);
    }
    let a = ctx.ask(first, true)?;
    let b = ctx.ask(again, true)?;
    if a != b {
        return Err(Stop::Fail(retcode::ARGUMENTS_BAD, Some(format!("The {what} you entered do not match."))));
    }
    Ok(a)
}

/// Asks the HSM of the current slot for its identity and state.
fn info(ctx: &mut Ctx<'_>) -> Result<HsmInfo, Stop> {
    let admin = admin_slot_of(*ctx.slot);
    match ctx.call_slot(admin, Request::GetInfo)? {
        Response::Info(info) => Ok(info),
        other => Err(unexpected(other)),
    }
}

/// The firmware versions and the clocks, as `hsm showinfo` and `partition showinfo` end.
fn versions_and_times(ctx: &mut Ctx<'_>, info: &HsmInfo) {
    ctx.line(&format!("Firmware Version -> {}", info.firmware));
    ctx.line(&format!("Bootloader Version -> {}", info.bootloader));
    // Shown once an update has saved a version to roll back to.
    if let Some(rollback) = &info.rollback_firmware {
        ctx.line(&format!("Rollback Firmware Version -> {rollback}"));
    }
    ctx.line("System Times:");
    // The HSM's own clock drifts from the host's until the Auditor synchronizes it ('audit time sync').
    let (hsm, host) = (info.hsm_time_ms, ctx.now_ms);
    ctx.line(&format!("        HSM : {}", super::format::http_date(hsm)));
    ctx.line(&format!("        Host : {}", super::format::http_date(host)));
    let diff = (hsm as i128 - host as i128) / 1000;
    ctx.line(&format!("        Difference: {diff} sec"));
}

/// A device answer of the wrong kind: a transport fault, reported as the device error it would be.
pub(super) fn unexpected(_: Response) -> Stop {
    Stop::Fail(retcode::SP_RX_ERROR, Some("The HSM sent an unexpected answer.".into()))
}

/// Commands of the admin partition need the current slot to be an admin slot.
fn require_admin_slot(ctx: &Ctx<'_>) -> Result<(), Stop> {
    if is_admin_slot(*ctx.slot) {
        Ok(())
    } else {
        Err(Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some(format!(
                "This command runs on the HSM's Admin Token Slot: 'slot set -slot {}' first.",
                admin_slot_of(*ctx.slot)
            )),
        ))
    }
}

/// Commands of the application partition need the current slot to be the partition's.
fn require_partition_slot(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let info = info(ctx)?;
    match info.partition {
        Some(p) if p.slot == *ctx.slot => Ok(()),
        Some(p) => Err(Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some(format!("This command runs on the application partition: 'slot set -slot {}' first.", p.slot)),
        )),
        None => Err(Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some("There is no application partition: the HSM SO creates it with 'partition create'.".into()),
        )),
    }
}

/// Asks the HSM whether `action` is allowed now, before any prompt; explains a refusal.
fn authorize(ctx: &mut Ctx<'_>, action: Action) -> Result<(), Stop> {
    match ctx.call(Request::Authorize(action)) {
        Ok(_) => Ok(()),
        Err(Stop::Fail(code, None)) => Err(Stop::Fail(code, explain(code))),
        Err(e) => Err(e),
    }
}

/// What a trainee should know about a refusal from the HSM, when the command has nothing more precise.
pub fn explain(code: LunaRet) -> Option<String> {
    let text = match code {
        c if c == retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT => {
            "The HSM is in Secure Transport Mode. Recover it with 'stm recover' first."
        }
        c if c == retcode::USER_NOT_LOGGED_IN => {
            "The role this command needs is not logged in on this slot ('role login -name <role>')."
        }
        c if c == retcode::USER_ALREADY_LOGGED_IN => "A role is already logged in on this slot; 'role logout' first.",
        c if c == retcode::SM_PIN_EXPIRED => {
            "The logged-in role's credential was assigned by another role and must be changed first ('role changepw'), as HSM policy 21 requires."
        }
        c if c == retcode::USER_PIN_NOT_INITIALIZED => "The HSM or role this command needs is not initialized.",
        c if c == retcode::USER_TYPE_INVALID => "That role does not belong to the current slot.",
        c if c == retcode::SLOT_ID_INVALID => "This command does not apply to the current slot.",
        c if c == retcode::LICENSE_CAPACITY_EXCEEDED => {
            "The Luna USB HSM 7 holds one application partition, and it exists: delete it first ('partition delete')."
        }
        c if c == retcode::RM_ELEMENT_ID_INVALID => "There is no such policy, or it is a capability that cannot be changed.",
        c if c == retcode::RM_ELEMENT_VALUE_INVALID => "That value is outside the policy's range.",
        c if c == retcode::RM_CONFIG_CHANGE_ILLEGAL => "The HSM's capability does not allow that value.",
        c if c == retcode::RM_POLICY_WRITE_RESTRICTED => "That policy only shows a setting chosen at initialization.",
        c if c == retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES => {
            "That value conflicts with another policy (private key cloning and wrapping exclude each other; cloning needs HSM policy 7)."
        }
        c if c == retcode::CHALLENGE_REQUIRES_PED => "Activation applies to multifactor (iKey) partitions only.",
        c if c == retcode::OPERATION_ACTIVE => "An iKey operation is already in progress on the touchscreen.",
        c if c == retcode::DEVICE_ERROR => {
            "The HSM is halted and does only what recovers it: 'slot list' and 'hsm tampershow' say why. Resolve the cause, then reset it (exit LunaCM and run lunareset, or 'hsm restart'); a corrupted storage needs 'hsm factoryreset'."
        }
        c if c == retcode::SM_SESSION_REALLOC_ERROR => {
            "The HSM cannot expand its session table: applications hold too many sessions open. Have them close the sessions they no longer use ('sim app sessions close'), or reset the HSM (exit LunaCM and run lunareset), which closes every session."
        }
        c if c == retcode::LOG_FULL => {
            "The HSM's audit log store is full: every operation stops until the Auditor logs in and configures a log path ('audit config path <dir>'), which moves the records to the host."
        }
        c if c == retcode::LOG_NO_KCV => {
            "The Auditor has no domain yet: set it first ('role setdomain -name au'), as password HSMs require."
        }
        c if c == retcode::LOG_AUDIT_NOT_INITIALIZED => {
            "There is no Auditor on this HSM, or no log secret to use: 'role init -name au' first."
        }
        c if c == retcode::KCV_PARAMETER_ALREADY_EXISTS => {
            "The Auditor's domain is set already (on a multifactor HSM it is the white iKey's): re-initialize the Auditor to change it."
        }
        c if c == retcode::SM_OTHER_USER_LOGGED_IN => {
            "Another role is logged in on this slot: the HSM SO must log out before the Auditor is initialized."
        }
        _ => return None,
    };
    Some(text.to_string())
}

const FORCE: OptSpec = OptSpec { name: "force", short: "f", value: None, help: "Do not ask for confirmation" };
