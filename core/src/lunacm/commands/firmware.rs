//! `hsm updatefw` and `hsm rollbackfw` (chapter 12): LunaCM reads the update file and its authentication
//! code file from the host and hands both to the HSM, which verifies and installs them; rollback asks for
//! `proceed` (it zeroizes the HSM) and restarts LunaCM.

use super::{info, require_admin_slot, Command, FORCE};
use crate::device::{Action, Request, Response};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop, CLIENT_ROOT};

/// How long writing an update and restarting takes: the world's clock moves on by it. A simulator
/// choice (chapter 12 gives no figure).
const UPDATE_MS: u64 = 3 * 60 * 1000;
use crate::retcode::{self, LunaRet};

pub const UPDATEFW: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "updatefw",
    short: "ufw",
    summary: "Update the HSM firmware from a .fuf file (HSM SO)",
    options: &[
        OptSpec { name: "fuf", short: "fuf", value: Some("file"), help: "Firmware update file (.fuf)" },
        OptSpec {
            name: "authcode",
            short: "ac",
            value: Some("file"),
            help: "Authentication code file (.txt) of the update file",
        },
    ],
    run: updatefw,
};

pub const ROLLBACKFW: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "rollbackfw",
    short: "rfw",
    summary: "Roll back to the firmware the last update saved (zeroizes)",
    options: &[FORCE],
    run: rollbackfw,
};

/// Why the HSM refuses a firmware command, when the code alone says too little.
fn refusal(code: LunaRet, fuf: &str, authcode: &str, running: &str) -> Option<String> {
    let text = match code {
        c if c == retcode::OPERATION_RESTRICTED => {
            "The HSM is in Secure Transport Mode: firmware cannot change until it is recovered ('stm recover').".into()
        }
        c if c == retcode::USER_NOT_LOGGED_IN => {
            "Only the HSM SO changes the firmware: 'role login -name so' on the admin slot first.".into()
        }
        c if c == retcode::INVALID_FUF_HEADER => {
            format!("'{fuf}' is not a Luna firmware update file: its header is missing or cannot be read.")
        }
        c if c == retcode::SIGNATURE_LEN_RANGE => {
            format!("'{fuf}' carries no vendor signature: the HSM installs only firmware signed by Thales.")
        }
        c if c == retcode::SIGNATURE_INVALID => format!(
            "The vendor signature of '{fuf}' does not match its contents: the file was altered or damaged. Get it again from the support portal ('sim firmware get <version>')."
        ),
        c if c == retcode::INVALID_FUF_TARGET => format!("'{fuf}' is firmware for another Luna product."),
        c if c == retcode::CHALLENGE_RESPONSE_INCORRECT => format!(
            "'{authcode}' does not hold the authentication code of '{fuf}': give the code file that came with the update file."
        ),
        c if c == retcode::INVALID_FUF_VERSION => format!(
            "'{fuf}' is not newer than the running firmware {running}. An update only goes forward; 'hsm rollbackfw' returns to the version the last update saved."
        ),
        c if c == retcode::OPERATION_NOT_INITIALIZED => {
            "The HSM has no firmware to roll back to: a firmware update saves the version it replaces, and none has been done.".into()
        }
        c if c == retcode::CANNOT_PERFORM_OPERATION_TWICE => {
            "The firmware was rolled back already: no further rollback is possible until the next firmware update saves a version to return to.".into()
        }
        _ => return super::explain(code),
    };
    Some(text)
}

/// A refusal from the HSM, explained.
fn explained(e: Stop, fuf: &str, authcode: &str, running: &str) -> Stop {
    match e {
        Stop::Fail(code, None) => Stop::Fail(code, refusal(code, fuf, authcode, running)),
        e => e,
    }
}

/// The text of a host file named as given, or in the client's root directory when given without a
/// directory. Returns the name it was found under and its text.
fn host_file(ctx: &Ctx<'_>, given: &str, what: &str) -> Result<(String, String), Stop> {
    let given = given.trim();
    let mut names = vec![given.to_string()];
    if !given.contains(['/', '\\']) {
        names.push(format!("{CLIENT_ROOT}/{given}"));
    }
    for name in &names {
        if let Some(text) = ctx.files.get(name) {
            return Ok((name.clone(), text.to_string()));
        }
    }
    let nor = names.get(1).map(|n| format!(" (nor {n})")).unwrap_or_default();
    Err(Stop::Fail(
        retcode::ARGUMENTS_BAD,
        Some(format!(
            "The host has no {what} '{given}'{nor}. 'sim firmware get <version>' puts a release's files in {CLIENT_ROOT}; you can also upload them."
        )),
    ))
}

fn updatefw(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let (Some(fuf), Some(authcode)) =
        (ctx.args.value("fuf").map(str::to_string), ctx.args.value("authcode").map(str::to_string))
    else {
        return Err(Stop::Syntax("hsm updatefw needs -fuf <file> and -authcode <file>.".into()));
    };
    let running = info(ctx)?.firmware;
    // No question comes before the request, so the HSM itself judges (and logs) a refusal.
    let (fuf_name, image) = host_file(ctx, &fuf, "firmware update file")?;
    let (code_name, code) = host_file(ctx, &authcode, "authentication code file")?;
    ctx.line("");
    ctx.line(&format!("Sending {fuf_name} to the HSM, which runs firmware {running}..."));
    let (previous, now) = match ctx.call(Request::UpdateFirmware { image, authcode: code }) {
        Ok(Response::Firmware { previous, running }) => (previous, running),
        Ok(other) => return Err(super::unexpected(other)),
        Err(e) => return Err(explained(e, &fuf_name, &code_name, &running)),
    };
    ctx.line("Vendor signature verified; authentication code accepted.");
    ctx.line(&format!("Writing firmware {now}: 25%... 50%... 75%... 100% ({} minutes)", UPDATE_MS / 60_000));
    ctx.takes(UPDATE_MS);
    ctx.line(&format!("The HSM restarted with firmware {now}. Firmware {previous} is kept for rollback."));
    ctx.line("The restart logged every role out.");
    Ok(())
}

fn rollbackfw(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let info = info(ctx)?;
    ctx.call(Request::Authorize(Action::RollbackFirmware)).map_err(|e| explained(e, "", "", &info.firmware))?;
    let target = info.rollback_firmware.unwrap_or_default();
    ctx.line("");
    ctx.line(&format!("You are about to roll the HSM firmware back from {} to {target}.", info.firmware));
    ctx.line("CAUTION: a rollback is destructive. It zeroizes the HSM: the HSM SO, the partition and every");
    ctx.line("key on it are erased. The older firmware may lack mechanisms and security fixes of the newer.");
    ctx.line("Back up what you need to keep first. No second rollback is possible until the next update.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    let running = match ctx.call(Request::RollbackFirmware) {
        Ok(Response::Firmware { running, .. }) => running,
        Ok(other) => return Err(super::unexpected(other)),
        Err(e) => return Err(explained(e, "", "", &info.firmware)),
    };
    ctx.line("");
    ctx.line(&format!("The HSM runs firmware {running} and is zeroized: initialize it again ('hsm init')"));
    ctx.line("and restore your partition from its backup. LunaCM restarts.");
    ctx.restart_lunacm();
    Ok(())
}
