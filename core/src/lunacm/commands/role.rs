//! `role login`, `role logout`.

use super::{info, require_admin_slot, Command};
use crate::device::{HsmStatus, Request, Role};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub const LOGIN: Command = Command {
    group: "role",
    group_short: "ro",
    name: "login",
    short: "li",
    summary: "Log a role in (so, au)",
    options: &[
        OptSpec { name: "name", short: "n", value: Some("role"), help: "Role: so (HSM SO) or au (Auditor)" },
        OptSpec { name: "password", short: "p", value: Some("password"), help: "Password (prompted if omitted)" },
    ],
    run: login,
};

pub const LOGOUT: Command = Command {
    group: "role",
    group_short: "ro",
    name: "logout",
    short: "lo",
    summary: "Log the current role out",
    options: &[],
    run: logout,
};

fn login(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let Some(name) = ctx.args.value("name").map(str::to_string) else {
        return Err(Stop::Syntax("role login needs -name <role>.".into()));
    };
    let Some(role) = Role::parse(&name) else {
        return Err(Stop::Fail(
            retcode::USER_TYPE_INVALID,
            Some(format!("'{name}' is not a role of the HSM Admin partition; its roles are so (HSM SO) and au (Auditor).")),
        ));
    };
    let info = info(ctx)?;
    if info.logged_in.is_some() {
        return Err(Stop::Fail(retcode::USER_ALREADY_LOGGED_IN, Some("A role is already logged in; 'role logout' first.".into())));
    }
    if role == Role::So && matches!(info.status, HsmStatus::Zeroized | HsmStatus::TransportModeZeroized) {
        return Err(Stop::Fail(
            retcode::USER_PIN_NOT_INITIALIZED,
            Some("The HSM is zeroized: there is no HSM SO until it is initialized.".into()),
        ));
    }
    if role == Role::Auditor {
        return Err(Stop::Fail(retcode::USER_PIN_NOT_INITIALIZED, Some("The Auditor role is not initialized.".into())));
    }
    let password = match ctx.args.value("password").map(str::to_string) {
        Some(p) => p,
        None => ctx.ask("Enter password: ", true)?,
    };
    match ctx.call(Request::Login { role, password }) {
        Err(Stop::Fail(code, None)) if code == retcode::SO_LOGIN_FAILURE_THRESHOLD => Err(Stop::Fail(
            code,
            Some("Three consecutive HSM SO logins failed: the HSM has been zeroized.".into()),
        )),
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => {
            let left = info.so_failed_logins.saturating_add(1);
            let left = crate::device::SO_LOGIN_ATTEMPTS.saturating_sub(left);
            Err(Stop::Fail(code, Some(format!("Incorrect password. {left} more failed attempt(s) will zeroize the HSM."))))
        }
        other => other.map(|_| ()),
    }
}

fn logout(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    ctx.call(Request::Logout)
        .map_err(|_| Stop::Fail(retcode::USER_NOT_LOGGED_IN, Some("No role is logged in.".into())))?;
    Ok(())
}
