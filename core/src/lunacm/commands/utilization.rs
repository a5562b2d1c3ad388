//! `hsm showutilization` and `hsm resetutilization`: the partition utilization metrics of chapter 11.

use super::{require_admin_slot, Command};
use crate::device::utilization::{Bin, Counters, UtilizationReport};
use crate::device::{Request, Response};
use crate::lunacm::format::http_date;
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode::{self, LunaRet};

pub const SHOWUTILIZATION: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "showutilization",
    short: "su",
    summary: "Show the utilization counters of every partition",
    options: &[OptSpec {
        name: "serial",
        short: "s",
        value: Some("serial"),
        help: "Only the partition with this serial number",
    }],
    run: show,
};

pub const RESETUTILIZATION: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "resetutilization",
    short: "ru",
    summary: "Show the utilization counters, then reset them to zero",
    options: &[],
    run: reset,
};

fn show(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let serial = ctx.args.value("serial").map(str::to_string);
    let report = report(ctx, Request::ShowUtilization)?;
    match serial {
        None => print(ctx, &report),
        Some(serial) => {
            let Some(p) = report.partitions.iter().find(|p| p.serial == serial) else {
                return Err(Stop::Fail(
                    retcode::ARGUMENTS_BAD,
                    Some(format!("There is no partition with serial number {serial} on this HSM.")),
                ));
            };
            since(ctx, &report);
            partition(ctx, &title(p.admin, &p.label, &p.serial), &p.counters);
        }
    }
    Ok(())
}

fn reset(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let report = report(ctx, Request::ResetUtilization)?;
    print(ctx, &report);
    ctx.line("");
    ctx.line("The utilization counters of every partition were reset to zero.");
    Ok(())
}

/// Sends `request` and explains the refusals particular to the metrics.
fn report(ctx: &mut Ctx<'_>, request: Request) -> Result<UtilizationReport, Stop> {
    match ctx.call(request) {
        Ok(Response::Utilization(r)) => Ok(r),
        Ok(other) => Err(super::unexpected(other)),
        Err(Stop::Fail(code, None)) => Err(Stop::Fail(code, explain(code))),
        Err(e) => Err(e),
    }
}

fn explain(code: LunaRet) -> Option<String> {
    if code == retcode::OPERATION_RESTRICTED {
        Some("Partition utilization metrics are off: the HSM SO enables them with 'hsm changehsmpolicy -policy 49 -value 1'.".into())
    } else if code == retcode::USER_NOT_LOGGED_IN {
        Some("Only the HSM SO reads and resets the utilization metrics: 'role login -name so' first.".into())
    } else {
        super::explain(code)
    }
}

/// Every partition's counters, then the whole HSM's.
fn print(ctx: &mut Ctx<'_>, report: &UtilizationReport) {
    since(ctx, report);
    for p in &report.partitions {
        partition(ctx, &title(p.admin, &p.label, &p.serial), &p.counters);
    }
    partition(ctx, "Overall (all partitions)", &report.overall());
}

fn since(ctx: &mut Ctx<'_>, report: &UtilizationReport) {
    ctx.line("");
    ctx.line(&format!("Utilization counters since {} (HSM time)", http_date(report.since_ms)));
}

fn title(admin: bool, label: &str, serial: &str) -> String {
    match (admin, label.is_empty()) {
        (true, _) => format!("Admin partition, serial number {serial}"),
        (false, true) => format!("Partition (not initialized), serial number {serial}"),
        (false, false) => format!("Partition \"{label}\", serial number {serial}"),
    }
}

/// One block: its title, then a line per bin, in the guide's order.
fn partition(ctx: &mut Ctx<'_>, title: &str, counters: &Counters) {
    ctx.line("");
    ctx.line(&format!("{title}:"));
    for bin in Bin::ALL {
        ctx.line(&format!("        {:<16}{:>12}", bin.name(), counters.get(bin)));
    }
}
