//! `hsm showpolicies`, `hsm changehsmpolicy`, `partition showpolicies`, `partition changepolicy`, and
//! reading and writing policy templates among the host's files.

use super::{authorize, require_admin_slot, require_partition_slot, Command, FORCE};
use crate::device::firmware::{self, Version};
use crate::device::policy::{self, Destructive, Policies, PolicyDef, PptHeader, HSM, PARTITION};
use crate::device::{Action, PolicyView, Request, Response};
use crate::lunacm::format::{http_date, CLIENT_VERSION};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

const EXPORT: OptSpec = OptSpec {
    name: "exporttemplate",
    short: "et",
    value: Some("file"),
    help: "Write the policies to a template file on the host",
};
const POLICY: OptSpec = OptSpec { name: "policy", short: "p", value: Some("id[,id...]"), help: "Policy number(s)" };
const VALUE: OptSpec = OptSpec { name: "value", short: "v", value: Some("value[,value...]"), help: "New value(s)" };

pub const SHOWPOLICIES: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "showpolicies",
    short: "sp",
    summary: "Show the HSM capabilities and policies",
    options: &[EXPORT],
    run: hsm_show,
};

pub const CHANGEHSMPOLICY: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "changehsmpolicy",
    short: "chp",
    summary: "Change an HSM policy (HSM SO)",
    options: &[POLICY, VALUE, FORCE],
    run: hsm_change,
};

pub const PARTITION_SHOWPOLICIES: Command = Command {
    group: "partition",
    group_short: "par",
    name: "showpolicies",
    short: "sp",
    summary: "Show the partition capabilities and policies",
    options: &[
        OptSpec { name: "slot", short: "s", value: Some("slot"), help: "Partition slot (default: current)" },
        OptSpec { name: "verbose", short: "v", value: None, help: "Show which changes are destructive" },
        EXPORT,
    ],
    run: partition_show,
};

pub const PARTITION_CHANGEPOLICY: Command = Command {
    group: "partition",
    group_short: "par",
    name: "changepolicy",
    short: "cp",
    summary: "Change partition policies (Partition SO)",
    options: &[POLICY, VALUE, FORCE],
    run: partition_change,
};

fn view(ctx: &mut Ctx<'_>) -> Result<PolicyView, Stop> {
    match ctx.call(Request::GetPolicies)? {
        Response::Policies(v) => Ok(v),
        other => Err(super::unexpected(other)),
    }
}

/// The `Capabilities` and `Policies` blocks of a showpolicies listing.
fn render(ctx: &mut Ctx<'_>, what: &str, defs: &[PolicyDef], values: &Policies, verbose: bool) {
    ctx.line("");
    ctx.line(&format!("{what} Capabilities"));
    for d in defs {
        ctx.line(&format!("        {}: {} : {}", d.id, d.capability, d.capability_value));
    }
    ctx.line("");
    ctx.line(&format!("{what} Policies"));
    for d in policy::shown(defs) {
        let value = values.get(d.id).unwrap_or(d.default);
        let name = d.policy.unwrap_or_default();
        if verbose {
            let flag = |on: bool| if on { "destructive" } else { "not destructive" };
            ctx.line(&format!(
                "        {}: {name} : {value}   (off-to-on: {}, on-to-off: {})",
                d.id,
                flag(d.destructive.off_to_on()),
                flag(d.destructive.on_to_off())
            ));
        } else {
            ctx.line(&format!("        {}: {name} : {value}", d.id));
        }
    }
}

fn hsm_show(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let v = view(ctx)?;
    if let Some(file) = ctx.args.value("exporttemplate").map(str::to_string) {
        let firmware = super::info(ctx)?.firmware;
        let source = (!v.label.is_empty()).then_some((v.label.as_str(), v.serial.as_str()));
        let text = policy::export_hsm(&v.values, &firmware, source);
        write_file(ctx, &file, text)?;
        ctx.line("");
        ctx.line(&format!("HSM policies for HSM: {} written to {}", v.label, file.trim()));
        return Ok(());
    }
    render(ctx, "HSM", HSM, &v.values, false);
    Ok(())
}

fn partition_show(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    if let Some(s) = ctx.args.value("slot") {
        let slot = s.trim().parse().map_err(|_| Stop::Syntax(format!("'{s}' is not a slot number.")))?;
        let v = match ctx.call_slot(slot, Request::GetPolicies)? {
            Response::Policies(v) => v,
            other => return Err(super::unexpected(other)),
        };
        return show_partition_view(ctx, v);
    }
    require_partition_slot(ctx)?;
    let v = view(ctx)?;
    show_partition_view(ctx, v)
}

fn show_partition_view(ctx: &mut Ctx<'_>, v: PolicyView) -> Result<(), Stop> {
    if !v.partition {
        return Err(Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some("Partition policies belong to the application partition; 'hsm showpolicies' shows the HSM's.".into()),
        ));
    }
    if let Some(file) = ctx.args.value("exporttemplate").map(str::to_string) {
        let created_on = http_date(ctx.now_ms);
        let firmware = super::info(ctx)?.firmware;
        let header = PptHeader {
            created_on: &created_on,
            client_version: CLIENT_VERSION,
            label: &v.label,
            serial: &v.serial,
            firmware: &firmware,
        };
        let text = policy::export_partition(&v.values, &header);
        write_file(ctx, &file, text)?;
        ctx.line("");
        ctx.line(&format!("Partition policies for Partition: {} written to {}", v.label, file.trim()));
        return Ok(());
    }
    let verbose = ctx.args.has("verbose");
    render(ctx, "Partition", PARTITION, &v.values, verbose);
    Ok(())
}

fn write_file(ctx: &mut Ctx<'_>, file: &str, text: String) -> Result<(), Stop> {
    ctx.files.put(file, text).map_err(|e| Stop::Fail(retcode::ARGUMENTS_BAD, Some(e)))
}

/// Reads an HSM policy template from the host's files.
pub(super) fn read_hsm_template(ctx: &mut Ctx<'_>, file: &str) -> Result<Policies, Stop> {
    let text = read_file(ctx, file)?;
    policy::parse_hsm(&text).map_err(|e| {
        Stop::Fail(e.code, Some(format!("The template {} is invalid at line {}: {}", file.trim(), e.line, e.message)))
    })
}

/// Reads a partition policy template from the host's files, checked against the HSM's policies.
pub(super) fn read_partition_template(ctx: &mut Ctx<'_>, file: &str) -> Result<Policies, Stop> {
    let text = read_file(ctx, file)?;
    let admin = super::admin_slot_of(*ctx.slot);
    let hsm = match ctx.call_slot(admin, Request::GetPolicies)? {
        Response::Policies(v) => v.values,
        other => return Err(super::unexpected(other)),
    };
    policy::parse_partition(&text, &hsm).map_err(|e| {
        Stop::Fail(e.code, Some(format!("The template {} is invalid at line {}: {}", file.trim(), e.line, e.message)))
    })
}

fn read_file(ctx: &Ctx<'_>, file: &str) -> Result<String, Stop> {
    ctx.files.get(file).map(str::to_string).ok_or_else(|| {
        Stop::Fail(
            retcode::ARGUMENTS_BAD,
            Some(format!("The host has no file '{}'. Export one with -exporttemplate, or upload it.", file.trim())),
        )
    })
}

/// The `-policy` and `-value` lists, paired.
fn changes(ctx: &Ctx<'_>, command: &str) -> Result<Vec<(u8, u32)>, Stop> {
    let (Some(p), Some(v)) = (ctx.args.value("policy"), ctx.args.value("value")) else {
        return Err(Stop::Syntax(format!("{command} needs -policy <id> and -value <value>.")));
    };
    let ids: Vec<&str> = p.split(',').map(str::trim).collect();
    let values: Vec<&str> = v.split(',').map(str::trim).collect();
    if ids.len() != values.len() {
        return Err(Stop::Syntax(format!(
            "{} policies but {} values: give one value per policy.",
            ids.len(),
            values.len()
        )));
    }
    ids.iter()
        .zip(&values)
        .map(|(i, v)| {
            let id = i.parse::<u8>().map_err(|_| Stop::Syntax(format!("'{i}' is not a policy number.")))?;
            let value = v.parse::<u32>().map_err(|_| Stop::Syntax(format!("'{v}' is not a policy value.")))?;
            Ok((id, value))
        })
        .collect()
}

fn hsm_change(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let list = changes(ctx, "hsm changehsmpolicy")?;
    authorize(ctx, Action::ChangePolicy)?;
    let current = view(ctx)?.values;
    let running = super::info(ctx)?.firmware;
    // A policy the running firmware lacks is refused by the HSM and destroys nothing: no question for it.
    if list.iter().any(|(id, v)| missing_from(&running, *id).is_none() && is_destructive(HSM, &current, *id, *v)) {
        ctx.line("");
        ctx.line("You are about to change a destructive HSM policy.");
        ctx.line("All partitions of the HSM will be destroyed.");
        ctx.line("");
        ctx.line("Are you sure you wish to continue?");
        ctx.confirm()?;
    }
    apply(ctx, &list, Some(&running))
}

/// The firmware version HSM policy `id` needs, when the HSM's `running` firmware is older.
fn missing_from(running: &str, id: u8) -> Option<Version> {
    firmware::policy_since(id).filter(|since| Version::parse(running).is_some_and(|r| r < *since))
}

fn partition_change(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_partition_slot(ctx)?;
    let list = changes(ctx, "partition changepolicy")?;
    authorize(ctx, Action::ChangePolicy)?;
    let current = view(ctx)?.values;
    if list.iter().any(|(id, v)| is_destructive(PARTITION, &current, *id, *v)) {
        ctx.line("");
        ctx.line("You are about to change a destructive partition policy.");
        ctx.line("All contents of the partition will be destroyed.");
        ctx.line("");
        ctx.line("Are you sure you wish to continue?");
        ctx.confirm()?;
    }
    apply(ctx, &list, None)
}

fn is_destructive(defs: &[PolicyDef], current: &Policies, id: u8, value: u32) -> bool {
    let old = current.get(id).unwrap_or(0);
    policy::find(defs, id).is_some_and(|d| d.destructive != Destructive::No && d.destructive.applies(old, value))
}

/// Sends the changes one by one; `hsm_firmware` is the HSM's running firmware for HSM policies.
fn apply(ctx: &mut Ctx<'_>, list: &[(u8, u32)], hsm_firmware: Option<&str>) -> Result<(), Stop> {
    for &(id, value) in list {
        let needs = hsm_firmware.and_then(|running| missing_from(running, id).map(|since| (running, since)));
        ctx.call(Request::ChangePolicy { id, value }).map_err(|e| match (e, needs) {
            (Stop::Fail(code, None), Some((running, since))) if code == retcode::RM_ELEMENT_ID_INVALID => Stop::Fail(
                code,
                Some(format!(
                    "HSM policy {id} needs firmware {since} or newer, and this HSM runs {running}: update the firmware first ('hsm updatefw')."
                )),
            ),
            (Stop::Fail(code, None), _) => {
                let why = super::explain(code).unwrap_or_default();
                Stop::Fail(code, Some(format!("Policy {id} cannot be set to {value}. {why}").trim_end().to_string()))
            }
            (e, _) => e,
        })?;
    }
    Ok(())
}
