//! `role init`, `role login`, `role logout`, `role changepw`, `role resetpw`, `role createchallenge`,
//! `role deactivate`, `role show`, `role list`. The HSM decides who may; these collect the inputs and
//! explain its answers.

use super::{authorize, Command, FORCE};
use crate::device::{Action, HsmStatus, Request, Response, Role, RoleInfo};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

const NAME: OptSpec =
    OptSpec { name: "name", short: "n", value: Some("role"), help: "Role: so, au, po, co, cu or lco" };
const PASSWORD: OptSpec =
    OptSpec { name: "password", short: "p", value: Some("password"), help: "Password (prompted if omitted)" };

pub const INIT: Command = Command {
    group: "role",
    group_short: "ro",
    name: "init",
    short: "i",
    summary: "Initialize a role (au; co by the Partition SO; cu, lco by the CO)",
    options: &[NAME, PASSWORD],
    run: init,
};

pub const LOGIN: Command = Command {
    group: "role",
    group_short: "ro",
    name: "login",
    short: "li",
    summary: "Log a role in on the current slot",
    options: &[NAME, PASSWORD],
    run: login,
};

pub const LOGOUT: Command = Command {
    group: "role",
    group_short: "ro",
    name: "logout",
    short: "lo",
    summary: "Log the current slot's role out",
    options: &[],
    run: logout,
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
        OptSpec {
            name: "oldpw",
            short: "old",
            value: Some("password"),
            help: "Current password, or challenge secret on an iKey HSM",
        },
        OptSpec {
            name: "newpw",
            short: "new",
            value: Some("password"),
            help: "New password, or challenge secret on an iKey HSM",
        },
        FORCE,
    ],
    run: changepw,
};

pub const RESETPW: Command = Command {
    group: "role",
    group_short: "ro",
    name: "resetpw",
    short: "r",
    summary: "Reset a role's credential (co by the Partition SO; cu, lco by the CO)",
    options: &[NAME, PASSWORD, FORCE],
    run: resetpw,
};

pub const CREATECHALLENGE: Command = Command {
    group: "role",
    group_short: "ro",
    name: "createchallenge",
    short: "cc",
    summary: "Set a role's challenge secret (iKey partitions)",
    options: &[
        NAME,
        OptSpec {
            name: "challengesecret",
            short: "cs",
            value: Some("secret"),
            help: "Challenge secret (prompted if omitted)",
        },
    ],
    run: createchallenge,
};

pub const DEACTIVATE: Command = Command {
    group: "role",
    group_short: "ro",
    name: "deactivate",
    short: "d",
    summary: "Drop a role's cached iKey secret (activation)",
    options: &[NAME],
    run: deactivate,
};

pub const SETDOMAIN: Command = Command {
    group: "role",
    group_short: "ro",
    name: "setdomain",
    short: "sd",
    summary: "Set the Auditor's domain (password HSMs; logged in as au)",
    options: &[
        NAME,
        OptSpec { name: "domain", short: "d", value: Some("domain"), help: "Audit domain (prompted if omitted)" },
    ],
    run: setdomain,
};

pub const SHOW: Command = Command {
    group: "role",
    group_short: "ro",
    name: "show",
    short: "s",
    summary: "Show the state of a role",
    options: &[NAME],
    run: show,
};

pub const LIST: Command = Command {
    group: "role",
    group_short: "ro",
    name: "list",
    short: "l",
    summary: "List the roles of the current slot",
    options: &[],
    run: list,
};

/// The `-name` option as typed and the role it names.
fn role_arg(ctx: &Ctx<'_>, command: &str) -> Result<(String, Role), Stop> {
    let Some(name) = ctx.args.value("name").map(str::to_string) else {
        return Err(Stop::Syntax(format!("{command} needs -name <role>.")));
    };
    match Role::parse(&name) {
        Some(role) => Ok((name, role)),
        None => Err(Stop::Fail(
            retcode::USER_TYPE_INVALID,
            Some(format!(
                "'{name}' is not a role. The admin slot has so (HSM SO) and au (Auditor); the application partition has po (Partition SO), co (Crypto Officer), lco (Limited Crypto Officer) and cu (Crypto User)."
            )),
        )),
    }
}

/// Asks the HSM how a role stands on the current slot.
fn status(ctx: &mut Ctx<'_>, role: Role) -> Result<RoleInfo, Stop> {
    match ctx.call(Request::RoleStatus { role }) {
        Ok(Response::Role(r)) => Ok(r),
        Ok(other) => Err(super::unexpected(other)),
        Err(e) => Err(explain_role(e, role)),
    }
}

/// Adds what a trainee needs to know to the HSM's role-related refusals.
fn explain_role(stop: Stop, role: Role) -> Stop {
    let Stop::Fail(code, None) = stop else { return stop };
    let text = if code == retcode::USER_TYPE_INVALID {
        if role.on_admin_slot() {
            format!("The {role} is a role of the HSM Admin partition: 'slot set' to the admin slot first.")
        } else {
            format!("The {role} is a role of the application partition: 'slot set' to its slot first.")
        }
    } else if code == retcode::USER_PIN_NOT_INITIALIZED {
        format!("The {role} role is not initialized.")
    } else if code == retcode::TOKEN_LOCKED_OUT {
        match role {
            Role::CryptoOfficer => "The Crypto Officer is locked out after too many failed logins. Only the Partition SO can reset it ('role resetpw -name co'), and only if HSM policy 15 allows; otherwise the partition must be re-initialized.".to_string(),
            _ => format!("The {role} is locked out after too many failed logins: the role above it must reset its credential ('role resetpw')."),
        }
    } else {
        return Stop::Fail(code, None);
    };
    Stop::Fail(code, Some(text))
}

fn login(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role login")?;
    let info = super::info(ctx)?;
    if role == Role::So && matches!(info.status, HsmStatus::Zeroized | HsmStatus::TransportModeZeroized) {
        return Err(Stop::Fail(
            retcode::USER_PIN_NOT_INITIALIZED,
            Some("The HSM is zeroized: there is no HSM SO until it is initialized.".into()),
        ));
    }
    let ri = status(ctx, role)?;
    let given = ctx.args.value("password").map(str::to_string);
    let password = match (ri.initialized, ri.primary_ped, ri.challenge, given) {
        (_, _, _, Some(p)) => Some(p),
        // Nothing to ask for a role that does not exist: the HSM says so.
        (false, ..) => None,
        // An iKey role without a challenge secret presents only its keyset.
        (true, true, false, None) => None,
        (true, true, true, None) => Some(ctx.ask("Enter the challenge secret: ", true)?),
        (true, false, _, None) => Some(ctx.ask("Enter password: ", true)?),
    };
    if password.as_deref() == Some("") {
        return Err(Stop::Syntax("The password is empty: nothing was presented, so nothing was counted.".into()));
    }
    match ctx.call(Request::Login { role, password }) {
        Ok(Response::Activated) => {
            ctx.line("");
            ctx.line("User is activated, PED is not required.");
            Ok(())
        }
        Ok(Response::Ped(_)) => {
            ctx.line("");
            ctx.line("Please attend to the PED.");
            Err(Stop::AwaitPed(ctx.ped_wait(None)))
        }
        Ok(_) => Ok(()),
        Err(Stop::Fail(code, None)) => Err(Stop::Fail(code, Some(failed_login_text(code, role, &ri)))),
        Err(e) => Err(explain_role(e, role)),
    }
}

/// What a failed login means for the role, counting what is left before its lockout rule applies.
fn failed_login_text(code: crate::retcode::LunaRet, role: Role, ri: &RoleInfo) -> String {
    let left = ri.limit.unwrap_or(0).saturating_sub(ri.failures + 1);
    if code == retcode::UM_PIN_INCORRECT {
        let what = match role {
            Role::So => "will zeroize the HSM".to_string(),
            Role::Auditor => "will lock the Auditor out for ten minutes".to_string(),
            Role::PartitionSo => "will zeroize the partition".to_string(),
            Role::CryptoOfficer => "will lock the Crypto Officer and the Crypto User out".to_string(),
            _ => format!("will lock the {role} out"),
        };
        format!("Incorrect password. {left} more failed attempt(s) {what}.")
    } else if code == retcode::SO_LOGIN_FAILURE_THRESHOLD {
        "Three consecutive HSM SO logins failed: the HSM has been zeroized.".into()
    } else if code == retcode::AUDIT_LOGIN_FAILURE_THRESHOLD {
        "Three consecutive Auditor logins failed: the Auditor is locked out for ten minutes.".into()
    } else if code == retcode::AUDIT_LOGIN_TIMEOUT_IN_PROGRESS {
        "The Auditor is locked out after three failed logins; try again when the ten minutes are over.".into()
    } else if code == retcode::UM_PIN_INCORRECT_CONTAINER_ZEROIZED {
        "Too many failed Partition SO logins: the partition has been zeroized. Initialize it again ('partition init')."
            .into()
    } else if code == retcode::UM_PIN_INCORRECT_CONTAINER_LOCKED {
        match role {
            Role::CryptoOfficer => {
                "Too many failed logins: the Crypto Officer and the Crypto User are locked out.".into()
            }
            _ => format!("Too many failed logins: the {role} is locked out."),
        }
    } else if code == retcode::USER_ALREADY_LOGGED_IN {
        "A role is already logged in on this slot; 'role logout' first.".into()
    } else if let Stop::Fail(_, Some(t)) = explain_role(Stop::Fail(code, None), role) {
        t
    } else {
        super::explain(code).unwrap_or_else(|| format!("The {role} could not log in."))
    }
}

fn logout(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    ctx.call(Request::Logout)
        .map_err(|_| Stop::Fail(retcode::USER_NOT_LOGGED_IN, Some("No role is logged in on this slot.".into())))?;
    Ok(())
}

fn init(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role init")?;
    authorize(ctx, Action::InitRole(role)).map_err(|e| match (e, role.initialized_by()) {
        (Stop::Fail(code, _), Some(by)) if code == retcode::USER_NOT_LOGGED_IN => Stop::Fail(
            code,
            Some(format!("The {by} initializes the {role}: 'role login -name {}' first.", by.short_name())),
        ),
        (Stop::Fail(code, _), None) if code == retcode::OPERATION_RESTRICTED => Stop::Fail(
            code,
            Some(
                "The Auditor is initialized already: only the Auditor, logged in, may re-initialize it. A lost Auditor secret needs a factory reset ('hsm factoryreset')."
                    .into(),
            ),
        ),
        (Stop::Fail(code, _), None) if code == retcode::SM_OTHER_USER_LOGGED_IN => Stop::Fail(
            code,
            Some("The Auditor is created without the HSM SO: 'role logout' first.".into()),
        ),
        (e, _) => explain_role(e, role),
    })?;
    let info = super::info(ctx)?;
    // Before the HSM is initialized, only the Auditor can be: without -password it takes the white iKey,
    // and the HSM becomes a multifactor HSM.
    let multifactor = match info.auth {
        Some(auth) => auth == crate::device::AuthMethod::Multifactor,
        None => !ctx.args.has("password"),
    };
    if multifactor {
        if ctx.args.has("password") {
            return Err(Stop::Syntax(
                "On a multifactor HSM the role's secret is created on iKeys: -password does not apply.".into(),
            ));
        }
        return ctx.ped(Request::InitRole { role, password: None }, None);
    }
    let password = super::secret(
        ctx,
        ctx.args.value("password").map(str::to_string),
        &format!("Enter password for {role}: "),
        &format!("Re-enter password for {role}: "),
        "passwords",
    )?;
    crate::device::check_password(&password)?;
    ctx.call(Request::InitRole { role, password: Some(password) }).map_err(|e| explain_role(e, role))?;
    Ok(())
}

fn setdomain(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role setdomain")?;
    if role != Role::Auditor {
        return Err(Stop::Fail(
            retcode::USER_TYPE_INVALID,
            Some("role setdomain sets the Auditor's domain: 'role setdomain -name au'.".into()),
        ));
    }
    super::require_admin_slot(ctx)?;
    authorize(ctx, Action::Audit(crate::device::AuditAction::SetDomain)).map_err(|e| match e {
        Stop::Fail(code, _) if code == retcode::USER_NOT_LOGGED_IN => {
            Stop::Fail(code, Some("The Auditor sets its own domain: 'role login -name au' first.".into()))
        }
        e => e,
    })?;
    let domain = super::secret(
        ctx,
        ctx.args.value("domain").map(str::to_string),
        "Enter the domain name: ",
        "Re-enter the domain name: ",
        "domain names",
    )?;
    crate::device::check_domain(&domain)?;
    ctx.call(Request::SetAuditDomain { domain })?;
    ctx.line("");
    ctx.line("The Auditor's domain is set. HSMs whose Auditors share it can verify each other's logs.");
    Ok(())
}

fn resetpw(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role resetpw")?;
    authorize(ctx, Action::ResetCredential(role)).map_err(|e| match e {
        Stop::Fail(code, None) if code == retcode::OPERATION_RESTRICTED => Stop::Fail(
            code,
            Some("HSM policy 15 (SO can reset partition PIN) is 0: the Partition SO cannot reset the Crypto Officer. A locked out Crypto Officer stays locked until the partition is re-initialized.".into()),
        ),
        e => explain_role(e, role),
    })?;
    let info = super::info(ctx)?;
    if info.auth == Some(crate::device::AuthMethod::Multifactor) {
        if ctx.args.has("password") {
            return Err(Stop::Syntax(
                "On a multifactor HSM the new secret is created on iKeys: -password does not apply.".into(),
            ));
        }
        ctx.line("");
        ctx.line(&format!("You are about to reset the {role} credential."));
        ctx.confirm()?;
        return ctx.ped(Request::ResetCredential { role, password: None }, None);
    }
    let password = super::secret(
        ctx,
        ctx.args.value("password").map(str::to_string),
        &format!("Enter new password for {role}: "),
        &format!("Re-enter new password for {role}: "),
        "passwords",
    )?;
    crate::device::check_password(&password)?;
    ctx.line("");
    ctx.line(&format!("You are about to reset the {role} credential."));
    ctx.confirm()?;
    ctx.call(Request::ResetCredential { role, password: Some(password) }).map_err(|e| explain_role(e, role))?;
    Ok(())
}

fn changepw(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (name, role) = role_arg(ctx, "role changepw")?;
    authorize(ctx, Action::ChangeCredential(role)).map_err(|e| match e {
        Stop::Fail(code, None) if code == retcode::USER_NOT_LOGGED_IN => Stop::Fail(
            code,
            Some(format!("A role must be logged in to change its credential: 'role login -name {name}' first.")),
        ),
        e => explain_role(e, role),
    })?;
    let ri = status(ctx, role)?;
    let (old, new) = (ctx.args.value("oldpw").map(str::to_string), ctx.args.value("newpw").map(str::to_string));
    if ri.primary_ped {
        if old.is_none() && new.is_none() {
            ctx.line("");
            if ri.challenge {
                ctx.line("This role has secondary credentials.");
                ctx.line("You are about to change the primary credentials.");
            } else {
                ctx.line(&format!("You are about to change the {} credential.", role.display_name()));
                ctx.line("Present the current keyset first, then create the new one. Do not overwrite");
                ctx.line("the old iKeys until the change has succeeded and no HSM still uses them.");
            }
            ctx.line("");
            ctx.line("Are you sure you wish to continue?");
            ctx.confirm()?;
            return ctx.ped(Request::ChangeCredential { role, old_password: None, new_password: None }, None);
        }
        if !ri.challenge {
            return Err(Stop::Syntax(format!(
                "The {role} has no secondary credential: -oldpw and -newpw do not apply on a multifactor HSM."
            )));
        }
    }
    let old_password = match old {
        Some(p) => p,
        None => ctx.ask(
            if ri.primary_ped { "Enter existing challenge secret: " } else { "Enter existing password: " },
            true,
        )?,
    };
    let new_password = super::secret(ctx, new, "Enter new password: ", "Re-enter new password: ", "passwords")?;
    if old_password.is_empty() {
        return Err(Stop::Syntax(
            "The existing password is empty: nothing was presented, so nothing was counted.".into(),
        ));
    }
    crate::device::check_password(&new_password)?;
    ctx.line("");
    if ri.primary_ped {
        ctx.line("This role has secondary credentials.");
        ctx.line("You are about to change the secondary credentials.");
    } else {
        ctx.line(&format!("You are about to change the {} password.", role.display_name()));
    }
    ctx.confirm()?;
    let request =
        Request::ChangeCredential { role, old_password: Some(old_password), new_password: Some(new_password) };
    match ctx.call(request) {
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => {
            Err(Stop::Fail(code, Some("The existing password is wrong; the credential was not changed.".into())))
        }
        Err(Stop::Fail(code, None)) if code == retcode::ARGUMENTS_BAD && ri.must_change => {
            Err(Stop::Fail(code, Some("The new password must differ from the one that was assigned.".into())))
        }
        Err(Stop::Fail(code, None)) => Err(Stop::Fail(code, Some(failed_login_text(code, role, &ri)))),
        other => other.map(|_| ()),
    }
}

fn createchallenge(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role createchallenge")?;
    authorize(ctx, Action::CreateChallenge(role)).map_err(|e| match e {
        Stop::Fail(code, None) if code == retcode::OPERATION_RESTRICTED => {
            Stop::Fail(code, Some("Challenge secrets exist only on multifactor (iKey) partitions.".into()))
        }
        e => explain_role(e, role),
    })?;
    let secret = super::secret(
        ctx,
        ctx.args.value("challengesecret").map(str::to_string),
        "Enter challenge secret: ",
        "Re-enter challenge secret: ",
        "challenge secrets",
    )?;
    crate::device::check_password(&secret)?;
    ctx.call(Request::CreateChallenge { role, challenge: secret }).map_err(|e| explain_role(e, role))?;
    Ok(())
}

fn deactivate(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role deactivate")?;
    ctx.call(Request::Deactivate { role }).map_err(|e| explain_role(e, role))?;
    Ok(())
}

fn show(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (_, role) = role_arg(ctx, "role show")?;
    let ri = status(ctx, role)?;
    ctx.line("");
    ctx.line(&format!("State of role '{}':", role.display_name()));
    if !ri.initialized {
        ctx.line("Not initialized.");
        return Ok(());
    }
    if ri.locked_out {
        ctx.line("Locked out");
    }
    ctx.line(&format!("Primary authentication type: {}", if ri.primary_ped { "PED" } else { "PIN" }));
    if ri.challenge {
        ctx.line("Secondary authentication type: PIN");
    }
    if let Some(limit) = ri.limit {
        ctx.line(&format!("Failed login attempts before lockout: {limit}"));
    }
    ctx.line(&format!("Failed login attempts: {}", ri.failures));
    if ri.must_change {
        ctx.line("The credential must be changed before any other action.");
    }
    if ri.primary_ped && role.has_challenge() {
        ctx.line(&format!("Activated: {}", if ri.activated { "yes" } else { "no" }));
    }
    Ok(())
}

fn list(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let roles = match ctx.call(Request::ListRoles)? {
        Response::Roles(r) => r,
        other => return Err(super::unexpected(other)),
    };
    ctx.line("");
    ctx.line("Roles of this slot:");
    for r in roles {
        let state = if r.initialized { "initialized" } else { "not initialized" };
        ctx.line(&format!("    {:<4}{:<26}{state}", r.role.short_name(), r.role.display_name()));
    }
    Ok(())
}
