//! `partition create`, `partition delete`, `partition init`, `partition showinfo`, `partition contents`
//! (`partition showpolicies` and `partition changepolicy` are in `policies.rs`).

use super::{authorize, info, require_admin_slot, require_partition_slot, Command, FORCE};
use crate::device::{self, Action, AuthMethod, ObjectAnswer, ObjectOp, ObjectRequest, Request, Response, Role};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub use super::policies::{PARTITION_CHANGEPOLICY as CHANGEPOLICY, PARTITION_SHOWPOLICIES as SHOWPOLICIES};

const SLOT: OptSpec = OptSpec { name: "slot", short: "s", value: Some("slot"), help: "Slot of the partition" };

pub const CREATE: Command = Command {
    group: "partition",
    group_short: "par",
    name: "create",
    short: "c",
    summary: "Create the application partition (HSM SO)",
    options: &[
        SLOT,
        OptSpec { name: "version", short: "ver", value: Some("0|1"), help: "Partition version (default 0)" },
        FORCE,
    ],
    run: create,
};

pub const DELETE: Command = Command {
    group: "partition",
    group_short: "par",
    name: "delete",
    short: "d",
    summary: "Delete the application partition (HSM SO)",
    options: &[SLOT, FORCE],
    run: delete,
};

pub const INIT: Command = Command {
    group: "partition",
    group_short: "par",
    name: "init",
    short: "i",
    summary: "Initialize the application partition and its Partition SO",
    options: &[
        OptSpec { name: "label", short: "l", value: Some("label"), help: "Partition label, 1-32 characters" },
        OptSpec {
            name: "password",
            short: "p",
            value: Some("password"),
            help: "Partition SO password (prompted if omitted)",
        },
        OptSpec { name: "domain", short: "d", value: Some("domain"), help: "Partition domain (prompted if omitted)" },
        OptSpec { name: "applytemplate", short: "at", value: Some("file"), help: "Apply a partition policy template" },
        FORCE,
    ],
    run: init,
};

pub const SHOWINFO: Command = Command {
    group: "partition",
    group_short: "par",
    name: "showinfo",
    short: "si",
    summary: "Show information about the application partition",
    options: &[],
    run: showinfo,
};

pub const CONTENTS: Command = Command {
    group: "partition",
    group_short: "par",
    name: "contents",
    short: "con",
    summary: "List the objects in the application partition",
    options: &[],
    run: contents,
};

fn create(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    if let Some(s) = ctx.args.value("slot") {
        let slot: u32 = s.trim().parse().map_err(|_| Stop::Syntax(format!("'{s}' is not a slot number.")))?;
        let own = super::partition_slot_of(*ctx.slot);
        if slot != own {
            return Err(Stop::Fail(
                retcode::SLOT_ID_INVALID,
                Some(format!("The application partition of this unit is slot {own}.")),
            ));
        }
    }
    let version = match ctx.args.value("version") {
        None => 0,
        Some(v) => match v.trim() {
            "0" => 0,
            "1" => 1,
            _ => return Err(Stop::Syntax(format!("'{v}' is not a partition version: 0 or 1."))),
        },
    };
    match ctx.call(Request::CreatePartition { version }) {
        Ok(Response::PartitionCreated { slot }) => {
            ctx.line("");
            ctx.line(&format!("Partition created in slot {slot}."));
            Ok(())
        }
        Ok(other) => Err(super::unexpected(other)),
        Err(Stop::Fail(code, None)) if code == retcode::USER_NOT_LOGGED_IN => Err(Stop::Fail(
            code,
            Some("Only the HSM SO creates the application partition: 'role login -name so' first.".into()),
        )),
        Err(e) => Err(e),
    }
}

fn delete(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    authorize(ctx, Action::DeletePartition).map_err(|e| match e {
        Stop::Fail(code, _) if code == retcode::SLOT_ID_INVALID => {
            Stop::Fail(code, Some("There is no application partition to delete.".into()))
        }
        e => e,
    })?;
    ctx.line("");
    ctx.line("You are about to delete the application partition.");
    ctx.line("All partition roles and all contents of the partition will be destroyed.");
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
    ctx.confirm()?;
    ctx.call(Request::DeletePartition)?;
    Ok(())
}

fn init(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let Some(label) = ctx.args.value("label").map(str::to_string) else {
        return Err(Stop::Syntax("partition init needs -label <label>.".into()));
    };
    require_partition_slot(ctx)?;
    authorize(ctx, Action::InitPartition)?;
    let label = device::check_partition_label(&label)?;
    let info = info(ctx)?;
    let soft = info.partition.as_ref().is_some_and(|p| p.initialized);
    let policies = match ctx.args.value("applytemplate").map(str::to_string) {
        Some(_) if soft => {
            return Err(Stop::Syntax(
                "The partition is initialized: change its policies with 'partition changepolicy'. A template applies at the first initialization.".into(),
            ))
        }
        Some(file) => Some(super::policies::read_partition_template(ctx, &file)?),
        None => None,
    };
    if info.auth == Some(AuthMethod::Multifactor) {
        if ctx.args.has("password") || ctx.args.has("domain") {
            return Err(Stop::Syntax(
                "On a multifactor HSM the Partition SO and domain secrets are created on iKeys: -password and -domain do not apply.".into(),
            ));
        }
        warning(ctx, soft);
        ctx.confirm()?;
        let request =
            Request::InitPartition { label, so_password: None, domain: None, current_password: None, policies };
        return ctx.ped(request, None);
    }
    if soft {
        // A soft init says what it destroys first, then asks for the current Partition SO, then the new.
        warning(ctx, soft);
        ctx.confirm()?;
    }
    let current = if soft {
        let p = match ctx.args.value("password") {
            // With -password on a soft init, the given password is the current one (the new is prompted).
            Some(p) => p.to_string(),
            None => ctx.ask("Enter the current password for Partition SO: ", true)?,
        };
        if p.is_empty() {
            return Err(Stop::Syntax("The password is empty: nothing was presented, so nothing was counted.".into()));
        }
        Some(p)
    } else {
        None
    };
    let so_password = super::secret(
        ctx,
        ctx.args.value("password").filter(|_| !soft).map(str::to_string),
        "Enter password for Partition SO: ",
        "Re-enter password for Partition SO: ",
        "passwords",
    )?;
    device::check_password(&so_password)?;
    let domain = if soft {
        None
    } else {
        let d = super::secret(
            ctx,
            ctx.args.value("domain").map(str::to_string),
            "Enter the domain name: ",
            "Re-enter the domain name: ",
            "domain names",
        )?;
        device::check_domain(&d)?;
        warning(ctx, soft);
        ctx.confirm()?;
        Some(d)
    };
    let request =
        Request::InitPartition { label, so_password: Some(so_password), domain, current_password: current, policies };
    match ctx.call(request) {
        Err(Stop::Fail(code, None)) if code == retcode::UM_PIN_INCORRECT => Err(Stop::Fail(
            code,
            Some("The current Partition SO password is wrong; the partition was not re-initialized.".into()),
        )),
        other => other.map(|_| ()),
    }
}

fn warning(ctx: &mut Ctx<'_>, soft: bool) {
    ctx.line("");
    if soft {
        ctx.line("You are about to initialize the partition that is already initialized.");
        ctx.line("All contents of the partition will be destroyed.");
        ctx.line("You are required to provide the current Partition SO password.");
    } else {
        ctx.line("You are about to initialize the partition.");
        ctx.line("All contents of the partition will be destroyed.");
    }
    ctx.line("");
    ctx.line("Are you sure you wish to continue?");
}

fn showinfo(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_partition_slot(ctx)?;
    let info = info(ctx)?;
    let Some(p) = info.partition.clone() else { return Err(Stop::Fail(retcode::SLOT_ID_INVALID, None)) };
    ctx.line("");
    ctx.line(&format!("Partition Label -> {}", p.label));
    ctx.line("Partition Manufacturer -> Safenet, Inc.");
    ctx.line(&format!("Partition Model -> {}", info.model));
    ctx.line(&format!("Partition Serial Number -> {}", p.serial));
    ctx.line(&format!("Partition Status -> {}", if p.initialized { "OK" } else { "Zeroized" }));
    ctx.line(&format!("HSM Serial Number -> {}", info.serial));
    ctx.line("Token Flags ->");
    ctx.line("        CKF_RNG");
    ctx.line("        CKF_LOGIN_REQUIRED");
    if p.roles.iter().any(|r| r.role == Role::CryptoOfficer) {
        ctx.line("        CKF_USER_PIN_INITIALIZED");
    }
    ctx.line("        CKF_RESTORE_KEY_NOT_NEEDED");
    if info.auth == Some(AuthMethod::Multifactor) {
        ctx.line("        CKF_PROTECTED_AUTHENTICATION_PATH");
    }
    if p.initialized {
        ctx.line("        CKF_TOKEN_INITIALIZED");
    }
    if p.roles.iter().any(|r| r.role == Role::CryptoOfficer && r.must_change) {
        ctx.line("        CKF_USER_PIN_TO_BE_CHANGED");
    }
    if p.roles.iter().any(|r| r.role == Role::CryptoOfficer && r.locked_out) {
        ctx.line("        CKF_USER_PIN_LOCKED");
    }
    ctx.line(&format!("RPV Initialized -> {}", if info.rpv_initialized { "Yes" } else { "No" }));
    ctx.line(&format!("Slot Id -> {}", p.slot));
    let (state, role) = match p.logged_in {
        Some(r @ Role::PartitionSo) => ("CKS_RW_SO_FUNCTIONS", format!("{r} logged in")),
        Some(r) => ("CKS_RW_USER_FUNCTIONS", format!("{r} logged in")),
        None => ("CKS_RW_PUBLIC_SESSION", "none logged in".to_string()),
    };
    ctx.line(&format!("Session State -> {state}"));
    ctx.line(&format!("Role Status -> {role}"));
    for r in p.roles.iter().filter(|r| r.activated) {
        ctx.line(&format!("{} -> activated", r.role));
    }
    ctx.line(&format!("Partition Version -> {}", p.version));
    ctx.line("Partition Storage:");
    ctx.line(&format!("        Total Storage Space: {}", p.storage_total));
    ctx.line(&format!("        Used Storage Space: {}", p.storage_used));
    ctx.line(&format!("        Free Storage Space: {}", p.storage_total.saturating_sub(p.storage_used)));
    ctx.line(&format!("        Object Count: {}", p.objects));
    ctx.line("*** The partition is NOT in FIPS approved operation mode. ***");
    super::versions_and_times(ctx, &info);
    Ok(())
}

fn contents(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_partition_slot(ctx)?;
    let role = info(ctx)?.partition.and_then(|p| p.logged_in);
    let count = match ctx.call(Request::ListObjects) {
        Ok(Response::Objects { count }) => count,
        Ok(other) => return Err(super::unexpected(other)),
        Err(Stop::Fail(code, None)) if code == retcode::USER_NOT_LOGGED_IN => {
            return Err(Stop::Fail(
                code,
                Some("Log in as Crypto Officer or Crypto User to list the partition's objects.".into()),
            ))
        }
        Err(e) => return Err(e),
    };
    let role = role.map_or("", |r| r.display_name());
    ctx.line("");
    ctx.line(&format!("The '{role}' is currently logged in. Looking for objects accessible to the '{role}'."));
    ctx.line("");
    // The partition's (token) objects, by handle, as the client's cmu lists them; an application's
    // session objects are not the partition's contents.
    let request = Request::Object(ObjectRequest { login: None, op: ObjectOp::List });
    if let Ok(Response::Object(ObjectAnswer::Listed(mut objects))) = ctx.call(request) {
        objects.retain(|o| o.attributes.template.token);
        for line in crate::lunacm::cmu::listing(&objects).lines() {
            ctx.line(&format!("        {line}"));
        }
    }
    ctx.line(&format!("Object list: {count} objects."));
    Ok(())
}
