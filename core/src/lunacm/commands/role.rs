//! `role login`, `role logout`.

use super::hsm::ask_twice;
use super::{info, require_admin_slot, Command};
use crate::device::{AuthMethod, HsmStatus, Request, Role};
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

pub const CHANGEPW: Command = Command {
    group: "role",
    group_short: "ro",
    name: "changepw",
    short: "ch",
    summary: "Change the credential of the logged-in role",
    options: &[
        OptSpec {
            name: "name",
            short: "n",
            value: Some("role"),
            help: "Role whose credential changes (must be logged in)",
        },
        OptSpec { name: "oldpw", short: "old", value: Some("password"), help: "Current password (password HSM)" },
        OptSpec { name: "newpw", short: "new", value: Some("password"), help: "New password (password HSM)" },
        super::FORCE,
    ],
    run: changepw,
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

/// The `-name` option as typed and the admin-partition role it names.
fn role_arg(ctx: &Ctx<'_>, command: &str) -> Result<(String, Role), Stop> {
    let Some(name) = ctx.args.value("name").map(str::to_string) else {
        return Err(Stop::Syntax(format!("{command} needs -name <role>.")));
    };
    match Role::parse(&name) {
        Some(role) => Ok((name, role)),
        None => Err(Stop::Fail(
            retcode::USER_TYPE_INVALID,
            Some(format!(
                "'{name}' is not a role of the HSM Admin partition; its roles are so (HSM SO) and au (Auditor)."
            )),
        )),
    }
}

fn login(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let (_, role) = role_arg(ctx, "role login")?;
    let info = info(ctx)?;
    if info.logged_in.is_some() {
        return Err(Stop::Fail(
            retcode::USER_ALREADY_LOGGED_IN,
            Some("A role is already logged in; 'role logout' first.".into()),
        ));
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
    if info.auth == Some(AuthMethod::Multifactor) {
        // The credential comes from iKeys on the touchscreen; nothing is typed on the host.
        return ctx.ped(Request::LoginPed { role }, None);
    }
    let password = match ctx.args.value("password").map(str::to_string) {
        Some(p) => p,
        None => ctx.ask("Enter password: ", true)?,
    };
    match ctx.call(Request::Login { role, password }) {
        Err(Stop::Fail(code, None)) if code == retcode::SO_LOGIN_FAILURE_THRESHOLD => {
            Err(Stop::Fail(code, Some("Three consecutive HSM SO logins failed: the HSM has been zeroized.".into())))
        }
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => {
            let left = info.so_failed_logins.saturating_add(1);
            let left = crate::device::SO_LOGIN_ATTEMPTS.saturating_sub(left);
            Err(Stop::Fail(
                code,
                Some(format!("Incorrect password. {left} more failed attempt(s) will zeroize the HSM.")),
            ))
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

fn changepw(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let (name, role) = role_arg(ctx, "role changepw")?;
    let info = info(ctx)?;
    if info.logged_in != Some(role) {
        return Err(Stop::Fail(
            retcode::USER_NOT_LOGGED_IN,
            Some(format!("A role must be logged in to change its credential: 'role login -name {name}' first.")),
        ));
    }
    if info.auth == Some(AuthMethod::Multifactor) {
        if ctx.args.has("oldpw") || ctx.args.has("newpw") {
            return Err(Stop::Syntax(
                "The HSM SO has no secondary credential: -oldpw and -newpw do not apply on a multifactor HSM.".into(),
            ));
        }
        ctx.line("");
        ctx.line(&format!("You are about to change the {} credential.", role.display_name()));
        ctx.line("Present the current keyset first, then create the new one. Do not overwrite");
        ctx.line("the old iKeys until the change has succeeded and no HSM still uses them.");
        ctx.line("");
        ctx.line("Are you sure you wish to continue?");
        ctx.confirm()?;
        return ctx.ped(Request::ChangePed { role }, None);
    }
    let old_password = match ctx.args.value("oldpw").map(str::to_string) {
        Some(p) => p,
        None => ctx.ask("Enter existing password: ", true)?,
    };
    let new_password = match ctx.args.value("newpw").map(str::to_string) {
        Some(p) => p,
        None => ask_twice(ctx, "Enter new password: ", "Re-enter new password: ", "passwords")?,
    };
    crate::device::check_password(&new_password).map_err(|e| Stop::Fail(e.code, Some(e.message)))?;
    ctx.line("");
    ctx.line(&format!("You are about to change the {} password.", role.display_name()));
    ctx.confirm()?;
    match ctx.call(Request::ChangePassword { role, old_password, new_password }) {
        Err(Stop::Fail(code, None)) if code == retcode::SO_LOGIN_FAILURE_THRESHOLD => Err(Stop::Fail(
            code,
            Some("Three consecutive HSM SO authentications failed: the HSM has been zeroized.".into()),
        )),
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => {
            Err(Stop::Fail(code, Some("The existing password is wrong; the credential was not changed.".into())))
        }
        other => other.map(|_| ()),
    }
}
