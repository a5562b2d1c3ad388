//! `slot list`, `slot set`.

use super::{admin_slot_of, is_admin_slot, unexpected, Command};
use crate::device::{HsmInfo, Request, Response, SlotId};
use crate::lunacm::format::{configuration, partition_configuration, units_slots};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

/// Most HSMs `slot list` looks for: a guard against a transport that never says a slot does not exist.
const HSMS_LISTED_MAX: usize = 64;

pub const LIST: Command = Command {
    group: "slot",
    group_short: "sl",
    name: "list",
    short: "l",
    summary: "List the available slots",
    options: &[],
    run: list,
};

pub const SET: Command = Command {
    group: "slot",
    group_short: "sl",
    name: "set",
    short: "s",
    summary: "Set the current slot",
    options: &[OptSpec { name: "slot", short: "s", value: Some("slot id"), help: "Slot to make current" }],
    run: set,
};

/// Every HSM the host reaches, with its admin slot: the admin slots are asked in turn (4, 6, 8...) until
/// one does not exist.
fn hsms(ctx: &mut Ctx<'_>) -> Result<Vec<(SlotId, HsmInfo)>, Stop> {
    let mut found = Vec::new();
    while found.len() < HSMS_LISTED_MAX {
        let admin = crate::hub::admin_slot(found.len());
        match ctx.call_slot(admin, Request::GetInfo) {
            Ok(Response::Info(info)) => found.push((admin, info)),
            Ok(other) => return Err(unexpected(other)),
            // Past the last unit. The first admin slot always exists: its absence is an error to report.
            Err(Stop::Fail(code, _)) if code == retcode::SLOT_ID_INVALID && !found.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

fn list(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let hsms = hsms(ctx)?;
    ctx.out.push('\n');
    ctx.out.push_str(&units_slots(&hsms));
    ctx.line("");
    ctx.line("");
    let current = *ctx.slot;
    ctx.line(&format!("Current Slot Id: {current}"));
    Ok(())
}

fn set(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let Some(value) = ctx.args.value("slot") else {
        return Err(Stop::Syntax("slot set needs -slot <slot id>.".into()));
    };
    let Ok(id) = value.trim().parse::<u32>() else {
        return Err(Stop::Syntax(format!("'{value}' is not a slot number.")));
    };
    let missing = || {
        Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some(format!("Slot {id} does not exist. Use 'slot list' to see the slots.")),
        )
    };
    // The HSM the slot would belong to; there is none if its admin slot does not exist.
    let info = match ctx.call_slot(admin_slot_of(id), Request::GetInfo) {
        Ok(Response::Info(info)) => info,
        Ok(other) => return Err(unexpected(other)),
        Err(Stop::Fail(code, _)) if code == retcode::SLOT_ID_INVALID => return Err(missing()),
        Err(e) => return Err(e),
    };
    let description = if is_admin_slot(id) {
        configuration(&info)
    } else if info.partition.as_ref().is_some_and(|p| p.slot == id) {
        partition_configuration(&info)
    } else {
        return Err(missing());
    };
    *ctx.slot = id;
    ctx.line("");
    ctx.line(&format!("Current Slot Id: {id} ({description})"));
    Ok(())
}
