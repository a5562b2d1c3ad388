//! `hsm showinfo`, `hsm init`, `hsm zeroize`, `hsm factoryreset` (`hsm showpolicies` and
//! `hsm changehsmpolicy` are in `policies.rs`).

use super::{authorize, info, require_admin_slot, Command, FORCE};
use crate::device::{self, Action, AuthMethod, HsmStatus, Request, Role};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub use super::policies::{CHANGEHSMPOLICY, SHOWPOLICIES};

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
        OptSpec {
            name: "applytemplate",
            short: "ap",
            value: Some("file"),
            help: "Apply an HSM policy template (hard init)",
        },
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

pub const TAMPERSHOW: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "tampershow",
    short: "ts",
    summary: "Show the last tamper event",
    options: &[],
    run: tampershow,
};

pub const RESTART: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "restart",
    short: "res",
    summary: "Restart the HSM (stored data kept)",
    options: &[FORCE],
    run: restart,
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
    // The current slot: an admin slot, as required above.
    ctx.line(&format!("Slot Id -> {}", *ctx.slot));
    let (state, role) = match info.logged_in {
        Some(Role::So) => ("CKS_RW_SO_FUNCTIONS", "SO logged in".to_string()),
        Some(r) => ("CKS_RW_USER_FUNCTIONS", format!("{r} logged in")),
        None => ("CKS_RW_PUBLIC_SESSION", "none logged in".to_string()),
    };
    ctx.line(&format!("Session State -> {state}"));
    ctx.line(&format!("Role Status -> {role}"));
    ctx.line("*** The HSM is NOT in FIPS approved operation mode. ***");
    super::versions_and_times(ctx, &info);
    ctx.line("HSM Storage:");
    ctx.line("        Allowed Partitions: 1");
    ctx.line(&format!("        Number of Partitions: {}", usize::from(info.partition.is_some())));
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
    let wanted = if iped {
        Some(AuthMethod::Multifactor)
    } else if ipwd {
        Some(AuthMethod::Password)
    } else {
        None
    };
    authorize(ctx, Action::InitHsm { auth: wanted }).map_err(|e| match e {
        Stop::Fail(code, _) if code == retcode::OPERATION_RESTRICTED => Stop::Fail(
            code,
            Some(
                "Changing between password and multifactor quorum authentication needs 'hsm factoryreset' first."
                    .into(),
            ),
        ),
        Stop::Fail(code, _) if code == retcode::USER_NOT_LOGGED_IN => Stop::Fail(
            code,
            Some(
                "The HSM is already initialized: log in as HSM SO ('role login -name so') to re-initialize it.".into(),
            ),
        ),
        e => e,
    })?;
    let label = device::check_hsm_label(&label)?;
    let info = info(ctx)?;
    if info.status == HsmStatus::Zeroized {
        let policies = match ctx.args.value("applytemplate").map(str::to_string) {
            Some(file) => Some(super::policies::read_hsm_template(ctx, &file)?),
            None => None,
        };
        hard_init(ctx, label, wanted.or(info.auth), policies)
    } else {
        soft_init(ctx, label, info.auth)
    }
}

fn hard_init(
    ctx: &mut Ctx<'_>,
    label: String,
    wanted: Option<AuthMethod>,
    policies: Option<device::policy::Policies>,
) -> Result<(), Stop> {
    let auth = match wanted {
        None => {
            return Err(Stop::Syntax("Initializing a zeroized HSM needs -ipwd (password) or -iped (iKeys).".into()))
        }
        Some(a) => a,
    };
    if auth == AuthMethod::Multifactor {
        if ctx.args.has("password") || ctx.args.has("domain") {
            return Err(Stop::Syntax(
                "With -iped the SO and domain secrets are created on iKeys: -password and -domain do not apply.".into(),
            ));
        }
        destruction_warning(ctx);
        ctx.confirm()?;
        let request = Request::InitHsm { label, auth, so_password: None, domain: None, policies };
        return ctx.ped(request, None);
    }
    let password = super::secret(
        ctx,
        ctx.args.value("password").map(str::to_string),
        "Enter password for SO: ",
        "Re-enter password for SO: ",
        "passwords",
    )?;
    device::check_password(&password)?;
    let domain = super::secret(
        ctx,
        ctx.args.value("domain").map(str::to_string),
        "Enter the domain name: ",
        "Re-enter the domain name: ",
        "domain names",
    )?;
    device::check_domain(&domain)?;
    destruction_warning(ctx);
    ctx.confirm()?;
    ctx.call(Request::InitHsm { label, auth, so_password: Some(password), domain: Some(domain), policies })?;
    Ok(())
}

fn soft_init(ctx: &mut Ctx<'_>, label: String, auth: Option<AuthMethod>) -> Result<(), Stop> {
    if ctx.args.has("domain") || ctx.args.has("applytemplate") {
        return Err(Stop::Syntax(
            "The HSM is initialized: a soft init keeps the SO credential, the domain and the policies, so -domain and -applytemplate do not apply. Use 'hsm factoryreset' first to set new ones.".into(),
        ));
    }
    ctx.line("");
    ctx.line("You are about to initialize the HSM that is already initialized.");
    ctx.line("All partitions of the HSM will be destroyed.");
    ctx.line("You are required to provide the current SO password.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    if auth == Some(AuthMethod::Multifactor) {
        return ctx.ped(Request::ReinitHsm { label, so_password: None }, None);
    }
    let password = match ctx.args.value("password").map(str::to_string) {
        Some(p) => p,
        None => ctx.ask("Enter the current SO password: ", true)?,
    };
    if password.is_empty() {
        return Err(Stop::Syntax("The password is empty: nothing was presented, so nothing was counted.".into()));
    }
    match ctx.call(Request::ReinitHsm { label, so_password: Some(password) }) {
        Err(Stop::Fail(code, None)) if code == retcode::SO_LOGIN_FAILURE_THRESHOLD => Err(Stop::Fail(
            code,
            Some("Three consecutive HSM SO authentications failed: the HSM has been zeroized.".into()),
        )),
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => {
            Err(Stop::Fail(code, Some("The SO password is wrong; the HSM was not re-initialized.".into())))
        }
        other => other.map(|_| ()),
    }
}

fn destruction_warning(ctx: &mut Ctx<'_>) {
    ctx.line("");
    ctx.line("You are about to initialize the HSM.");
    ctx.line("All contents of the HSM will be destroyed.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
}

fn zeroize(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    authorize(ctx, Action::Zeroize)?;
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
    authorize(ctx, Action::FactoryReset)?;
    ctx.line("");
    ctx.line("You are about to factory reset the HSM.");
    ctx.line("All contents of the HSM will be destroyed.");
    ctx.line("HSM policies will be reset and the remote PED vector will be erased.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    match ctx.call(Request::FactoryReset)? {
        device::Response::RecoveryStarted { until_ms } => {
            let minutes = until_ms.saturating_sub(ctx.now_ms).div_ceil(60_000);
            ctx.line("");
            ctx.line("The HSM's permanent storage failed its integrity check: the factory reset runs the");
            ctx.line(&format!(
                "recovery process, which takes about {minutes} minutes. Do not unplug the HSM; it answers"
            ));
            ctx.line("nothing until the process ends (the touchscreen and 'slot list' show its progress).");
        }
        _ => {
            ctx.line("");
            ctx.line("The HSM has been reset to its factory condition.");
        }
    }
    Ok(())
}

fn tampershow(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let (last, halted) = match ctx.call(Request::TamperShow)? {
        device::Response::Tamper { last, halted } => (last, halted),
        other => return Err(super::unexpected(other)),
    };
    ctx.line("");
    match &last {
        None => ctx.line("No tamper event has been recorded."),
        Some(t) => {
            ctx.line(&format!(
                "Last tamper event: {} ({}) at {}",
                t.kind,
                t.reading,
                super::super::format::http_date(t.at_ms)
            ));
            match t.cleared_ms {
                Some(c) => ctx.line(&format!("Cleared by a reset at {}.", super::super::format::http_date(c))),
                None => ctx.line("Active: resolve its cause, then reset the HSM (exit LunaCM and run lunareset)."),
            }
        }
    }
    match halted {
        Some(device::tamper::Halt::Tamper(_)) | None => {}
        Some(h) => {
            let status = device::HsmStatus::halted(&h, false);
            ctx.line(&format!("The HSM is halted: {status}."));
        }
    }
    Ok(())
}

fn restart(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    ctx.line("");
    ctx.line("You are about to restart the HSM. Every role is logged out and activated partitions are");
    ctx.line("deactivated; stored data is kept.");
    ctx.confirm()?;
    ctx.call(Request::Restart)?;
    let info = super::info(ctx)?;
    ctx.line("");
    ctx.line(&format!("The HSM was restarted. HSM Status: {}.", info.status));
    Ok(())
}
