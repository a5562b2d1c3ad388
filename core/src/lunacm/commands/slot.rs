//! `slot list`, `slot set`.

use super::{info, Command, ADMIN_SLOT};
use crate::lunacm::format::{configuration, partition_configuration, slots};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

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

fn list(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let info = info(ctx)?;
    ctx.out.push('\n');
    ctx.out.push_str(&slots(ADMIN_SLOT, &info));
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
    let info = info(ctx)?;
    let description = if id == ADMIN_SLOT {
        configuration(&info)
    } else if info.partition.as_ref().is_some_and(|p| p.slot == id) {
        partition_configuration(&info)
    } else {
        return Err(Stop::Fail(
            retcode::SLOT_ID_INVALID,
            Some(format!("Slot {id} does not exist. Use 'slot list' to see the slots.")),
        ));
    };
    *ctx.slot = id;
    ctx.line("");
    ctx.line(&format!("Current Slot Id: {id} ({description})"));
    Ok(())
}
