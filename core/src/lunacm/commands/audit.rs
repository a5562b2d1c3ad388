//! `audit config`, `audit status`, `audit time`, `audit logmsg`, `audit export`, `audit import`,
//! `audit verify`, and `audit` alone (its sub commands). Their parameters are bare keywords, as in the
//! real LunaCM (`audit config evmask all`). The HSM decides who may; these read and write the host's files
//! and explain the answers.

use super::{authorize, info, require_admin_slot, unexpected, Command};
use crate::device::audit::{config, parse_log_file_name, AuditStatus, ConfigChange, EvMask, Interval, Report};
use crate::device::{Action, AuditAction, Request, Response};
use crate::lunacm::format::{field, http_date};
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

const FILE: OptSpec = OptSpec { name: "file", short: "f", value: Some("filename"), help: "The file on the host" };

pub const AUDIT: Command = Command {
    group: "",
    group_short: "",
    name: "audit",
    short: "audit",
    summary: "Show the audit sub commands",
    options: &[],
    run: sub_commands,
};

pub const CONFIG: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "config",
    short: "c",
    summary: "Configure audit logging (Auditor)",
    options: &[
        OptSpec { name: "get", short: "g", value: None, help: "Show the current configuration" },
        OptSpec { name: "path", short: "p", value: Some("filepath"), help: "Host directory for the log files" },
        OptSpec { name: "evmask", short: "e", value: Some("mask"), help: "Events to log: see 'audit config ?'" },
        OptSpec {
            name: "interval",
            short: "i",
            value: Some("interval"),
            help: "Rotation: hourly, daily, weekly, monthly or never",
        },
        OptSpec { name: "size", short: "s", value: Some("size"), help: "Rotation size: <integer>k or <integer>m" },
        OptSpec { name: "force", short: "f", value: None, help: "Do not ask for confirmation" },
        OptSpec { name: "?", short: "?", value: None, help: "Explain the parameters and the event mask" },
    ],
    run: config_cmd,
};

pub const STATUS: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "status",
    short: "s",
    summary: "Show the status of audit logging (Auditor)",
    options: &[],
    run: status,
};

pub const TIME: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "time",
    short: "t",
    summary: "Sync the HSM clock to the host, or get it (Auditor)",
    options: &[
        OptSpec { name: "sync", short: "s", value: None, help: "Set the HSM clock to the host's time" },
        OptSpec { name: "get", short: "g", value: None, help: "Show the HSM's and the host's time" },
    ],
    run: time,
};

pub const LOGMSG: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "logmsg",
    short: "logm",
    summary: "Write a message to the HSM's log (Auditor)",
    options: &[OptSpec {
        name: "message",
        short: "m",
        value: Some("text"),
        help: "The message, in double quotes if it has spaces",
    }],
    run: logmsg,
};

pub const EXPORT: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "export",
    short: "e",
    summary: "Write the wrapped log secret to a host file (Auditor)",
    options: &[
        FILE,
        OptSpec { name: "overwrite", short: "o", value: None, help: "Overwrite the file if it exists" },
        OptSpec { name: "list", short: "l", value: None, help: "List the files in the log path" },
    ],
    run: export,
};

pub const IMPORT: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "import",
    short: "m",
    summary: "Import a wrapped log secret for verification (Auditor)",
    options: &[FILE],
    run: import,
};

pub const VERIFY: Command = Command {
    group: "audit",
    group_short: "audit",
    name: "verify",
    short: "v",
    summary: "Verify a log file's records (Auditor)",
    options: &[FILE],
    run: verify,
};

/// One `Name ->   value` line.
fn kv(ctx: &mut Ctx<'_>, name: &str, value: &str) {
    ctx.out.push_str(&field(name, value));
    ctx.out.push('\n');
}

fn sub_commands(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    ctx.line("");
    ctx.line("The following sub commands are available:");
    ctx.line("");
    ctx.line(&format!("{:<9}{:<7}{}", "Command", "Short", "Description"));
    ctx.line(&format!("{:<9}{:<7}{}", "-------", "-----", "-----------"));
    for (c, what) in [
        (&VERIFY, "Verify a block of log messages"),
        (&CONFIG, "Configure audit parameters"),
        (&EXPORT, "Read the wrapped log secret from the HSM"),
        (&IMPORT, "Import the wrapped log secret to the HSM"),
        (&TIME, "Sync HSM time to host, or get HSM time"),
        (&STATUS, "Show status of logging subsystem"),
        (&LOGMSG, "Write a message to the HSM's log"),
    ] {
        ctx.line(&format!("{:<9}{:<7}{what}", c.name, c.short));
    }
    ctx.line("");
    ctx.line("Syntax: audit <sub command>");
    Ok(())
}

/// Asks whether the Auditor may do `action` now, explaining a refusal.
fn allowed(ctx: &mut Ctx<'_>, action: AuditAction) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    authorize(ctx, Action::Audit(action)).map_err(|e| match e {
        Stop::Fail(code, _) if code == retcode::USER_NOT_LOGGED_IN => Stop::Fail(
            code,
            Some("The audit commands need the Auditor logged in on this slot: 'role login -name au' first.".into()),
        ),
        e => e,
    })
}

/// The audit status, from the HSM.
fn audit_status(ctx: &mut Ctx<'_>) -> Result<AuditStatus, Stop> {
    match ctx.call(Request::AuditStatus)? {
        Response::AuditStatus(s) => Ok(*s),
        other => Err(unexpected(other)),
    }
}

fn config_cmd(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    if ctx.args.has("?") {
        config_help(ctx);
        return Ok(());
    }
    let bad = |e: String| Stop::Fail(retcode::ARGUMENTS_BAD, Some(format!("Invalid value: {e}.")));
    let change = ConfigChange {
        path: ctx.args.value("path").map(str::to_string),
        evmask: ctx.args.value("evmask").map(EvMask::parse).transpose().map_err(bad)?,
        interval: ctx.args.value("interval").map(Interval::parse).transpose().map_err(bad)?,
        size: ctx.args.value("size").map(config::parse_size).transpose().map_err(bad)?,
    };
    if change.is_empty() && !ctx.args.has("get") {
        return Err(Stop::Syntax(
            "audit config needs 'get' or a parameter to set (path, evmask, interval, size); 'audit config ?' explains them."
                .into(),
        ));
    }
    let action = if change.is_empty() { AuditAction::Status } else { AuditAction::Configure };
    allowed(ctx, action)?;
    if change.evmask == Some(EvMask::ALL) {
        ctx.line("");
        ctx.line("WARNING: logging every event fills the log quickly: set a rotation that keeps up.");
        ctx.confirm()?;
    }
    let config = match ctx.call(Request::AuditConfig(change)) {
        Ok(Response::AuditConfig(c)) => c,
        Ok(other) => return Err(unexpected(other)),
        Err(Stop::Fail(code, None)) if code == retcode::LOG_BAD_FILE_NAME => {
            return Err(Stop::Fail(
                code,
                Some("The log path must be 1 to 200 printable characters, e.g. /usr/safenet/lunaclient/audit.".into()),
            ))
        }
        Err(e) => return Err(e),
    };
    ctx.line("");
    ctx.line("Current Logging Configuration");
    ctx.line("-----------------------------");
    kv(ctx, "Event Mask", &config.evmask.to_string());
    kv(ctx, "Rotation Interval", &config.interval.to_string());
    kv(ctx, "Rotation Size", &config::show_size(config.size));
    kv(ctx, "Log Path", config.path.as_deref().unwrap_or("(not set: records stay in the HSM)"));
    Ok(())
}

fn config_help(ctx: &mut Ctx<'_>) {
    ctx.line("");
    ctx.line("audit config [get] [path <filepath>] [evmask <mask>] [interval <interval>] [size <integer><k|m>]");
    ctx.line("");
    ctx.line("evmask: a comma-separated list of event categories, with the conditions they are logged");
    ctx.line("under - 'f' for failures, 's' for successes, or both:");
    ctx.line("  [f]ailure: log command failures");
    ctx.line("  [s]uccess: log command successes");
    for c in config::Category::ALL {
        let word = c.word();
        let marked = match word.find(c.letter()) {
            Some(i) => format!("{}[{}]{}", &word[..i], c.letter(), &word[i + 1..]),
            None => word.to_string(),
        };
        ctx.line(&format!("  {marked}: {}", c.description()));
    }
    ctx.line("  a[l]l: log everything (you will be warned)");
    ctx.line("  [n]one: turn logging off (unconditional events are still logged)");
    ctx.line("  Example: audit config evmask a,m,s,f logs successful and failed logins and management.");
    ctx.line("interval: hourly, daily, weekly, monthly or never. size: from 1k to 4m, e.g. 512k.");
    ctx.line("path: the host directory the HSM's log files go to. Until it is set, records stay in the");
    ctx.line("HSM; when its store is full, operations stop with CKR_LOG_FULL.");
}

fn status(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    allowed(ctx, AuditAction::Status)?;
    let s = audit_status(ctx)?;
    ctx.line("");
    kv(ctx, "Audit Domain", s.domain.as_deref().map_or("not set".into(), |d| format!("set (KCV {d})")).as_str());
    let secret = match (s.secret, s.imported) {
        (false, _) => "not created yet (created with the first record)",
        (true, false) => "this HSM's own",
        (true, true) => "imported from another HSM (used for verification)",
    };
    kv(ctx, "Log Secret", secret);
    kv(ctx, "Event Mask", &s.config.evmask.to_string());
    kv(ctx, "Rotation", &format!("{}, size {}", s.config.interval, config::show_size(s.config.size)));
    kv(ctx, "Log Path", s.config.path.as_deref().unwrap_or("not set"));
    kv(ctx, "Current Log File", s.active_file.as_deref().unwrap_or("none"));
    kv(ctx, "Last Record", &s.last_seq.to_string());
    let full = if s.stored >= s.capacity { " - LOG FULL" } else { "" };
    kv(ctx, "Records in HSM", &format!("{} of {}{full}", s.stored, s.capacity));
    if s.lost > 0 {
        kv(ctx, "Records Not Logged", &format!("{} (the store was full)", s.lost));
    }
    let clock = if s.synced { "synchronized" } else { "never synchronized with the host" };
    kv(ctx, "HSM Time", &format!("{} ({clock})", http_date(s.hsm_time_ms)));
    Ok(())
}

fn time(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let (sync, get) = (ctx.args.has("sync"), ctx.args.has("get"));
    if sync == get {
        return Err(Stop::Syntax("audit time needs 'sync' or 'get'.".into()));
    }
    allowed(ctx, if sync { AuditAction::SyncTime } else { AuditAction::Status })?;
    let (hsm, host) = match ctx.call(if sync { Request::AuditTimeSync } else { Request::AuditTimeGet })? {
        Response::AuditTime { hsm_ms, host_ms } => (hsm_ms, host_ms),
        other => return Err(unexpected(other)),
    };
    ctx.line("");
    if sync {
        ctx.line(&format!("HSM time has been synchronized to the host time: {}", http_date(host)));
    } else {
        ctx.line(&format!("HSM time is: {}", http_date(hsm)));
        ctx.line(&format!("Host time is: {}", http_date(host)));
    }
    Ok(())
}

fn logmsg(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    let Some(text) = ctx.args.value("message").map(str::to_string) else {
        return Err(Stop::Syntax("audit logmsg needs message \"<text>\".".into()));
    };
    if text.trim().is_empty() || text.chars().count() > crate::device::audit::MESSAGE_MAX {
        return Err(Stop::Syntax(format!(
            "The message must have 1 to {} characters.",
            crate::device::audit::MESSAGE_MAX
        )));
    }
    allowed(ctx, AuditAction::LogMessage)?;
    let s = audit_status(ctx)?;
    ctx.call(Request::AuditLogMessage { text })?;
    ctx.line("");
    if s.config.evmask.logs(config::Category::External, true) {
        ctx.line("The message was written to the HSM's log.");
    } else {
        ctx.line("The event mask does not log external messages ('x' with 's'): nothing was written.");
    }
    Ok(())
}

/// The host directory of the log files, or why there is none.
fn log_path(ctx: &mut Ctx<'_>) -> Result<String, Stop> {
    let s = audit_status(ctx)?;
    s.config.path.map(|p| p.trim_end_matches('/').to_string()).ok_or_else(|| {
        Stop::Fail(
            retcode::LOG_BAD_FILE_NAME,
            Some("No log path is configured: set one first ('audit config path <directory>').".into()),
        )
    })
}

/// A file name as given, or inside the log path when it names no file by itself.
fn resolve(ctx: &Ctx<'_>, dir: Option<&str>, name: &str) -> Option<String> {
    if ctx.files.get(name).is_some() {
        return Some(name.trim().to_string());
    }
    let inside = format!("{}/{}", dir?, name.trim());
    ctx.files.get(&inside).is_some().then_some(inside)
}

fn export(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    allowed(ctx, AuditAction::Export)?;
    let dir = log_path(ctx)?;
    if ctx.args.has("list") {
        let prefix = format!("{dir}/");
        let names: Vec<String> = ctx
            .files
            .iter()
            .filter(|(n, _)| n.starts_with(&prefix))
            .map(|(n, t)| format!("{n} ({} bytes)", t.len()))
            .collect();
        ctx.line("");
        if names.is_empty() {
            ctx.line(&format!("There are no files in {dir}."));
        }
        for n in names {
            ctx.line(&n);
        }
        return Ok(());
    }
    let serial = info(ctx)?.serial;
    let name = match ctx.args.value("file") {
        Some(f) if f.starts_with('/') => f.trim().to_string(),
        Some(f) => format!("{dir}/{}", f.trim()),
        None => {
            let c = crate::calendar::civil(ctx.now_ms);
            format!(
                "{dir}/LogSecret_{:02}{:02}{:02}{:02}{:02}{:02}_{serial}.lws",
                c.year.rem_euclid(100),
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second
            )
        }
    };
    if ctx.files.get(&name).is_some() && !ctx.args.has("overwrite") {
        return Err(Stop::Fail(
            retcode::LOG_BAD_FILE_NAME,
            Some(format!("'{name}' exists already: add 'overwrite' to replace it.")),
        ));
    }
    let wrapped = match ctx.call(Request::AuditExportSecret)? {
        Response::WrappedSecret(w) => w,
        other => return Err(unexpected(other)),
    };
    ctx.files.put(&name, wrapped).map_err(|e| Stop::Fail(retcode::LOG_FILE_WRITE_ERROR, Some(e)))?;
    ctx.line("");
    ctx.line(&format!("Successfully exported wrapped log secret to file '{name}'"));
    Ok(())
}

/// The file the `file` parameter names, with its text.
fn read_file(ctx: &mut Ctx<'_>, command: &str) -> Result<(String, String), Stop> {
    let Some(name) = ctx.args.value("file").map(str::to_string) else {
        return Err(Stop::Syntax(format!("{command} needs file <filename>.")));
    };
    let dir = audit_status(ctx)?.config.path.map(|p| p.trim_end_matches('/').to_string());
    let Some(path) = resolve(ctx, dir.as_deref(), &name) else {
        return Err(Stop::Fail(
            retcode::LOG_FILE_NOT_OPEN,
            Some(format!(
                "There is no file '{name}' on the host{}.",
                dir.map(|d| format!(" (nor in {d})")).unwrap_or_default()
            )),
        ));
    };
    let text = ctx.files.get(&path).unwrap_or_default().to_string();
    Ok((path, text))
}

fn import(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    allowed(ctx, AuditAction::Import)?;
    let (path, text) = read_file(ctx, "audit import")?;
    match ctx.call(Request::AuditImportSecret { wrapped: text }) {
        Ok(_) => {}
        Err(Stop::Fail(code, None)) if code == retcode::UNWRAPPING_ERROR => {
            return Err(Stop::Fail(
                code,
                Some("The secret's checksum does not match: it was wrapped in another audit domain (or altered). Only an HSM whose Auditor has the same domain can import it.".into()),
            ))
        }
        Err(Stop::Fail(code, None)) if code == retcode::WRAPPED_KEY_INVALID => {
            return Err(Stop::Fail(code, Some(format!("'{path}' is not a wrapped log secret."))))
        }
        Err(e) => return Err(e),
    }
    ctx.line("");
    ctx.line(&format!("Successfully imported the wrapped log secret from '{path}'."));
    ctx.line("Logs are now verified with this secret. To verify this HSM's own logs again, export");
    ctx.line("its own secret and import it back.");
    Ok(())
}

fn verify(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    allowed(ctx, AuditAction::Verify)?;
    let (path, text) = read_file(ctx, "audit verify")?;
    let own = info(ctx)?.serial;
    let named = parse_log_file_name(&path).map(|(s, seq)| (s.to_string(), seq));
    let serial = named.as_ref().map_or(String::new(), |(s, _)| s.clone());
    // The record after the file's last one begins the host's next file of the same HSM, if it is there.
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let following = named.as_ref().and_then(|(s, seq)| {
        ctx.files
            .iter()
            .filter_map(|(n, t)| {
                let (ns, nseq) = parse_log_file_name(n)?;
                let same_dir = n.rsplit_once('/').map_or("", |(d, _)| d) == dir;
                (same_dir && ns == *s && nseq > *seq).then_some((nseq, t))
            })
            .min_by_key(|(nseq, _)| *nseq)
            .and_then(|(_, t)| t.lines().find(|l| !l.trim().is_empty()).map(str::to_string))
    });
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let report: Report =
        match ctx.call(Request::AuditVerify { file: path.clone(), serial: serial.clone(), lines, following })? {
            Response::Verified(r) => *r,
            other => return Err(unexpected(other)),
        };
    ctx.line("");
    ctx.line(&format!("Log file being verified: {path}"));
    let from = if serial.is_empty() {
        "an HSM whose serial the file name does not give".to_string()
    } else {
        format!("HSM with serial {serial}")
    };
    ctx.line(&format!("Verifying log from {from} on HSM with serial {own}"));
    ctx.line("");
    if let Some((a, b)) = report.range {
        ctx.line(&format!("Verified messages {a} to {b}"));
    }
    if report.last_unchecked {
        ctx.line("The last record could not be checked: the record after it is not on the host.");
    }
    match report.failure {
        None if report.records == 0 => {
            Err(Stop::Fail(retcode::LOG_BAD_RECORD_HMAC, Some(format!("'{path}' holds no log records."))))
        }
        None => Ok(()),
        Some(f) => {
            let at = match f.seq {
                Some(seq) => format!("record {seq} (line {})", f.line),
                None => format!("line {}", f.line),
            };
            ctx.line(&format!("Verify failed on {at}: {} - {}.", f.tamper, f.reason));
            if serial != own {
                ctx.line("Make sure that you have already imported the audit log secret.");
            } else {
                ctx.line("If another HSM's secret was imported since, export this HSM's own and import it back.");
            }
            Err(Stop::Fail(
                retcode::LOG_BAD_RECORD_HMAC,
                Some("The log has been tampered with from that record on.".into()),
            ))
        }
    }
}
