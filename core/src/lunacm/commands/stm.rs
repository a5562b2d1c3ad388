//! `stm transport`, `stm recover` (Secure Transport Mode, chapter 3).

use super::{authorize, require_admin_slot, unexpected, Command};
use crate::device::{Action, Request, Response};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub const TRANSPORT: Command = Command {
    group: "stm",
    group_short: "stm",
    name: "transport",
    short: "t",
    summary: "Place the HSM in Secure Transport Mode",
    options: &[],
    run: transport,
};

pub const RECOVER: Command = Command {
    group: "stm",
    group_short: "stm",
    name: "recover",
    short: "r",
    summary: "Recover the HSM from Secure Transport Mode",
    options: &[OptSpec {
        name: "randomuserstring",
        short: "r",
        value: Some("XXXX-XXXX-XXXX-XXXX"),
        help: "The random user string recorded when the HSM entered STM",
    }],
    run: recover,
};

/// Explains the HSM's refusal of an STM command.
fn explain(stop: Stop) -> Stop {
    let Stop::Fail(code, _) = stop else { return stop };
    let text = if code == retcode::CANNOT_PERFORM_OPERATION_TWICE {
        "The HSM is already in Secure Transport Mode."
    } else if code == retcode::USER_NOT_LOGGED_IN {
        "The HSM is initialized: log in as HSM SO first."
    } else if code == retcode::OPERATION_NOT_INITIALIZED {
        "The HSM is not in Secure Transport Mode."
    } else {
        return Stop::Fail(code, None);
    };
    Stop::Fail(code, Some(text.into()))
}

fn transport(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    authorize(ctx, Action::StmTransport).map_err(explain)?;
    ctx.line("");
    ctx.line("You are about to configure the HSM in STM.");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    let (verification_string, random_user_string) = match ctx.call(Request::StmTransport)? {
        Response::StmEntered { verification_string, random_user_string } => (verification_string, random_user_string),
        other => return Err(unexpected(other)),
    };
    ctx.line("");
    ctx.line("Configuring the HSM for transport (may take a few seconds)...");
    ctx.line("");
    ctx.line("HSM was successfully configured for transport.");
    ctx.line("");
    ctx.line("Record the displayed verification & random user strings.");
    ctx.line("These are required to recover from Secure Transport Mode.");
    ctx.line("");
    ctx.line(&format!("        Verification String: {verification_string}"));
    ctx.line(&format!("        Random User String:  {random_user_string}"));
    Ok(())
}

fn recover(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let Some(rus) = ctx.args.value("randomuserstring").map(str::to_string) else {
        return Err(Stop::Syntax("stm recover needs -randomuserstring <XXXX-XXXX-XXXX-XXXX>.".into()));
    };
    if rus.trim().is_empty() {
        return Err(Stop::Syntax("The random user string is empty.".into()));
    }
    authorize(ctx, Action::StmRecover).map_err(explain)?;
    let verification_string = match ctx.call(Request::StmVerify { random_user_string: rus })? {
        Response::StmVerification { verification_string } => verification_string,
        other => return Err(unexpected(other)),
    };
    ctx.line("");
    ctx.line(&format!("Verification String: {verification_string}"));
    ctx.line("");
    ctx.line("Compare it with the verification string you received or recorded when the HSM");
    ctx.line("was placed in STM. If they do not match, the HSM may have been altered or used");
    ctx.line("since: type 'quit' to leave it in STM, or 'proceed' to recover it anyway.");
    ctx.confirm_always()?;
    ctx.call(Request::StmRecover)?;
    ctx.line("");
    ctx.line("Successfully recovered the HSM from Secure Transport Mode.");
    Ok(())
}
