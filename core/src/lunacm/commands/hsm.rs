//! `hsm showinfo`, `hsm init`, `hsm zeroize`, `hsm factoryreset`.

use super::{info, require_admin_slot, Command, ADMIN_SLOT, FORCE};
use crate::device::{self, AuthMethod, HsmStatus, Request, Role};
use crate::lunacm::format::http_date;
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub const SHOWINFO: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "showinfo",
    short: "si",
    summary: "Show information about the HSM",
    options: &[],
    run: showinfo,
};

pub const INIT: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "init",
    short: "i",
    summary: "Initialize (hard) or re-initialize (soft) the HSM",
    options: &[
        OptSpec { name: "label", short: "l", value: Some("label"), help: "HSM label, 1-32 characters" },
        OptSpec { name: "ipwd", short: "ipwd", value: None, help: "Password authentication (hard init)" },
        OptSpec {
            name: "iped",
            short: "iped",
            value: None,
            help: "Multifactor quorum (iKey) authentication (hard init)",
        },
        OptSpec {
            name: "password",
            short: "p",
            value: Some("password"),
            help: "HSM SO password (prompted if omitted)",
        },
        OptSpec { name: "domain", short: "d", value: Some("domain"), help: "Cloning domain (prompted if omitted)" },
        FORCE,
    ],
    run: init,
};

pub const ZEROIZE: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "zeroize",
    short: "z",
    summary: "Zeroize the HSM (policies, Auditor and RPV kept)",
    options: &[FORCE],
    run: zeroize,
};

pub const FACTORYRESET: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "factoryreset",
    short: "fr",
    summary: "Reset the HSM to its factory condition",
    options: &[FORCE],
    run: factoryreset,
};

fn showinfo(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let info = info(ctx)?;
    let initialized = !matches!(info.status, HsmStatus::Zeroized | HsmStatus::TransportModeZeroized);
    ctx.line("");
    ctx.line(&format!("Partition Label -> {}", info.label));
    ctx.line("Partition Manufacturer -> Safenet, Inc.");
    ctx.line(&format!("Partition Model -> {}", info.model));
    ctx.line(&format!("Partition Serial Number -> {}", info.serial));
    ctx.line(&format!("Partition Status -> {}", info.status));
    ctx.line("Token Flags ->");
    ctx.line("        CKF_RNG");
    ctx.line("        CKF_RESTORE_KEY_NOT_NEEDED");
    if info.auth == Some(AuthMethod::Multifactor) {
        ctx.line("        CKF_PROTECTED_AUTHENTICATION_PATH");
    }
    if initialized {
        ctx.line("        CKF_TOKEN_INITIALIZED");
    }
    ctx.line(&format!("RPV Initialized -> {}", if info.rpv_initialized { "Yes" } else { "No" }));
    ctx.line(&format!("Slot Id -> {ADMIN_SLOT}"));
    let (state, role) = match info.logged_in {
        Some(Role::So) => ("CKS_RW_SO_FUNCTIONS", "SO logged in"),
        Some(Role::Auditor) => ("CKS_RW_USER_FUNCTIONS", "Auditor logged in"),
        None => ("CKS_RW_PUBLIC_SESSION", "none logged in"),
    };
    ctx.line(&format!("Session State -> {state}"));
    ctx.line(&format!("Role Status -> {role}"));
    ctx.line("*** The HSM is NOT in FIPS approved operation mode. ***");
    ctx.line(&format!("Firmware Version -> {}", info.firmware));
    ctx.line(&format!("Bootloader Version -> {}", info.bootloader));
    ctx.line("System Times:");
    let now = http_date(ctx.now_ms);
    ctx.line(&format!("        HSM : {now}"));
    ctx.line(&format!("        Host : {now}"));
    ctx.line("        Difference: 0 sec");
    ctx.line("HSM Storage:");
    ctx.line("        Allowed Partitions: 1");
    ctx.line("        Number of Partitions: 0");
    Ok(())
}

fn init(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let Some(label) = ctx.args.value("label").map(str::to_string) else {
        return Err(Stop::Syntax("hsm init needs -label <label>.".into()));
    };
    let (ipwd, iped) = (ctx.args.has("ipwd"), ctx.args.has("iped"));
    if ipwd && iped {
        return Err(Stop::Syntax("Give either -ipwd or -iped, not both.".into()));
    }
    let info = info(ctx)?;
    if matches!(info.status, HsmStatus::TransportMode | HsmStatus::TransportModeZeroized) {
        return Err(Stop::Fail(
            retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT,
            Some("The HSM is in Secure Transport Mode. Recover it with 'stm recover' first.".into()),
        ));
    }
    let label = device::check_hsm_label(&label).map_err(|e| Stop::Fail(e.code, Some(e.message)))?;
    let zeroized = info.status == HsmStatus::Zeroized;
    let wanted = if iped {
        Some(AuthMethod::Multifactor)
    } else if ipwd {
        Some(AuthMethod::Password)
    } else {
        None
    };
    if let (Some(current), Some(wanted)) = (info.auth, wanted) {
        if current != wanted {
            return Err(Stop::Fail(
                retcode::OPERATION_RESTRICTED,
                Some(
                    "Changing between password and multifactor quorum authentication needs 'hsm factoryreset' first."
                        .into(),
                ),
            ));
        }
    }
    if zeroized {
        hard_init(ctx, label, wanted.or(info.auth))
    } else {
        soft_init(ctx, label, info.logged_in)
    }
}

fn hard_init(ctx: &mut Ctx<'_>, label: String, wanted: Option<AuthMethod>) -> Result<(), Stop> {
    match wanted {
        None => {
            return Err(Stop::Syntax("Initializing a zeroized HSM needs -ipwd (password) or -iped (iKeys).".into()))
        }
        Some(AuthMethod::Multifactor) => {
            if ctx.args.has("password") || ctx.args.has("domain") {
                return Err(Stop::Syntax(
                    "With -iped the SO and domain secrets are created on iKeys: -password and -domain do not apply."
                        .into(),
                ));
            }
            destruction_warning(ctx);
            ctx.confirm()?;
            return ctx.ped(Request::InitPed { label }, None);
        }
        Some(AuthMethod::Password) => {}
    }
    let password = match ctx.args.value("password").map(str::to_string) {
        Some(p) => p,
        None => ask_twice(ctx, "Enter password for SO: ", "Re-enter password for SO: ", "passwords")?,
    };
    device::check_password(&password).map_err(|e| Stop::Fail(e.code, Some(e.message)))?;
    let domain = match ctx.args.value("domain").map(str::to_string) {
        Some(d) => d,
        None => ask_twice(ctx, "Enter the domain name: ", "Re-enter the domain name: ", "domain names")?,
    };
    device::check_domain(&domain).map_err(|e| Stop::Fail(e.code, Some(e.message)))?;
    destruction_warning(ctx);
    ctx.confirm()?;
    ctx.call(Request::InitPassword { label, so_password: password, domain })?;
    Ok(())
}

fn soft_init(ctx: &mut Ctx<'_>, label: String, logged_in: Option<Role>) -> Result<(), Stop> {
    if ctx.args.has("password") || ctx.args.has("domain") {
        return Err(Stop::Syntax(
            "The HSM is initialized: a soft init keeps the SO credential and the domain, so -password and -domain do not apply. Use 'hsm factoryreset' first to set new ones.".into(),
        ));
    }
    if logged_in != Some(Role::So) {
        return Err(Stop::Fail(
            retcode::USER_NOT_LOGGED_IN,
            Some(
                "The HSM is already initialized: log in as HSM SO ('role login -name so') to re-initialize it.".into(),
            ),
        ));
    }
    ctx.line("");
    ctx.line("You are about to initialize the HSM that is already initialized.");
    ctx.line("All partitions of the HSM will be destroyed.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    ctx.call(Request::InitSoft { label })?;
    Ok(())
}

fn destruction_warning(ctx: &mut Ctx<'_>) {
    ctx.line("");
    ctx.line("You are about to initialize the HSM.");
    ctx.line("All contents of the HSM will be destroyed.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
}

/// Asks for a secret twice; a mismatch stops the command.
pub(super) fn ask_twice(ctx: &mut Ctx<'_>, first: &str, again: &str, what: &str) -> Result<String, Stop> {
    let a = ctx.ask(first, true)?;
    let b = ctx.ask(again, true)?;
    if a != b {
        return Err(Stop::Fail(retcode::ARGUMENTS_BAD, Some(format!("The {what} you entered do not match."))));
    }
    Ok(a)
}

fn refuse_in_stm(status: HsmStatus) -> Result<(), Stop> {
    if matches!(status, HsmStatus::TransportMode | HsmStatus::TransportModeZeroized) {
        Err(Stop::Fail(
            retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT,
            Some("The HSM is in Secure Transport Mode. Recover it with 'stm recover' first.".into()),
        ))
    } else {
        Ok(())
    }
}

fn zeroize(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    refuse_in_stm(info(ctx)?.status)?;
    ctx.line("");
    ctx.line("You are about to zeroize the HSM.");
    ctx.line("All contents of the HSM will be destroyed.");
    ctx.line("HSM policies, remote PED vector and Auditor left unchanged.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    ctx.call(Request::Zeroize)?;
    ctx.line("");
    ctx.line("The HSM has been zeroized. Initialize it ('hsm init') to use it again.");
    Ok(())
}

fn factoryreset(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    refuse_in_stm(info(ctx)?.status)?;
    ctx.line("");
    ctx.line("You are about to factory reset the HSM.");
    ctx.line("All contents of the HSM will be destroyed.");
    ctx.line("HSM policies will be reset and the remote PED vector will be erased.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    ctx.call(Request::FactoryReset)?;
    ctx.line("");
    ctx.line("The HSM has been reset to its factory condition.");
    Ok(())
}
