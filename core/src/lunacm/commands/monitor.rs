//! `hsm monitor`: chapter 11's HSM Information Monitor. LunaCM takes a first reading of the HSM's up-time
//! and idle time, then another after each interval, and prints the processor load between the two.
//!
//! The intervals pass on the world's clock: the command waits (as it waits for the PED) and the world
//! hands it each reading when its time has come ([`crate::lunacm::Console::poll_monitor`]). A host that
//! slept past a reading takes it when it wakes, and the next one an interval later, as a sleeping loop
//! does.

use super::{require_admin_slot, Command};
use crate::device::utilization::MonitorReading;
use crate::device::{Frame, Request, Response, SlotId, Transport};
use crate::host::HostFiles;
use crate::lunacm::format::http_date;
use crate::lunacm::parse::OptSpec;
use crate::lunacm::{Ctx, Stop, INDENT};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};

/// The shortest sampling interval, and the default.
const MIN_INTERVAL_S: u64 = 5;
/// The longest interval the simulator takes: a day.
const MAX_INTERVAL_S: u64 = 86_400;
/// The most readings one command takes.
const MAX_ROUNDS: u32 = 10_000;

pub const MONITOR: Command = Command {
    group: "hsm",
    group_short: "hsm",
    name: "monitor",
    short: "mon",
    summary: "Show the HSM's processor load over intervals",
    options: &[
        OptSpec {
            name: "interval",
            short: "i",
            value: Some("seconds"),
            help: "Seconds between readings (at least 5, the default)",
        },
        OptSpec { name: "rounds", short: "r", value: Some("count"), help: "Number of readings (default 1)" },
        OptSpec {
            name: "file",
            short: "f",
            value: Some("name"),
            help: "Also append each reading to this host file (time, load, change; comma-separated)",
        },
    ],
    run: monitor,
};

/// A monitor in progress: LunaCM waits for its next reading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorWait {
    /// The admin slot read.
    slot: SlotId,
    interval_ms: u64,
    /// Readings still to take.
    rounds_left: u32,
    /// When the next reading is due (world clock).
    next_ms: u64,
    /// The reading the next one is compared with.
    last: MonitorReading,
    /// The load of the last reading, hundredths of a percent, once there is one.
    last_load: Option<u64>,
    /// The host file each reading is appended to (`-file`), if any.
    #[serde(default)]
    file: Option<String>,
}

impl MonitorWait {
    /// Takes the next reading if it is due at `now_ms`. Returns its line (empty if none was due), and
    /// whether the monitor goes on; or why it stopped, with an explanation.
    pub(crate) fn poll(
        &mut self,
        now_ms: u64,
        transport: &mut dyn Transport,
        files: &mut HostFiles,
    ) -> Result<(String, bool), (LunaRet, Option<String>)> {
        if now_ms < self.next_ms {
            return Ok((String::new(), true));
        }
        let reading = read(transport, self.slot)?;
        if reading.up_us < self.last.up_us {
            // The up-time went back: the HSM was reset or lost power between the readings.
            return Err((
                retcode::DEVICE_ERROR,
                Some("The HSM was reset during the monitor: its up-time and idle time started over.".into()),
            ));
        }
        let up = reading.up_us - self.last.up_us;
        let idle = reading.idle_us.saturating_sub(self.last.idle_us).min(up);
        // No time between the readings: no load to speak of.
        let load = (up - idle).saturating_mul(10_000).checked_div(up).unwrap_or(0);
        let change = match self.last_load {
            None => "-".to_string(),
            Some(before) if load >= before => format!("+{}", percent(load - before)),
            Some(before) => format!("-{}", percent(before - load)),
        };
        let line = format!("{INDENT}{:<32}{:>10}{:>14}\n", http_date(now_ms), percent(load), change);
        if let Some(file) = &self.file {
            // A record another tool imports: the figures without their unit, the change without its sign
            // for the first reading ("-" has no figure).
            let change = change.strip_prefix('+').unwrap_or(&change).trim_end_matches(" %");
            let record = format!("{},{},{}\n", http_date(now_ms), percent(load).trim_end_matches(" %"), change);
            files.append(file, &record).map_err(|e| (retcode::LOG_FILE_WRITE_ERROR, Some(e)))?;
        }
        self.last = reading;
        self.last_load = Some(load);
        self.rounds_left = self.rounds_left.saturating_sub(1);
        self.next_ms = now_ms.saturating_add(self.interval_ms);
        Ok((line, self.rounds_left > 0))
    }
}

/// Hundredths of a percent as `12.34 %`.
fn percent(hundredths: u64) -> String {
    format!("{}.{:02} %", hundredths / 100, hundredths % 100)
}

fn read(transport: &mut dyn Transport, slot: SlotId) -> Result<MonitorReading, (LunaRet, Option<String>)> {
    match transport.transact(Frame { slot, request: Request::MonitorReading }) {
        Ok(Response::Monitor(r)) => Ok(r),
        // A transport fault, reported as the device error it would be (as `unexpected` does for commands).
        Ok(_) => Err((retcode::SP_RX_ERROR, Some("The HSM sent an unexpected answer.".into()))),
        Err(code) => Err((code, super::explain(code))),
    }
}

/// A whole number option within `range`, or its default.
fn number<T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display>(
    ctx: &Ctx<'_>,
    name: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, Stop> {
    let Some(v) = ctx.args.value(name) else { return Ok(default) };
    match v.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(Stop::Syntax(format!("-{name} takes a whole number from {min} to {max}, not '{v}'."))),
    }
}

fn monitor(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let interval = number(ctx, "interval", MIN_INTERVAL_S, MIN_INTERVAL_S, MAX_INTERVAL_S)?;
    let rounds = number(ctx, "rounds", 1, 1, MAX_ROUNDS)?;
    let file = ctx.args.value("file").map(str::to_string);
    let slot = *ctx.slot;
    let first = match ctx.call(Request::MonitorReading)? {
        Response::Monitor(r) => r,
        other => return Err(super::unexpected(other)),
    };
    let readings = if rounds == 1 { "1 reading".to_string() } else { format!("{rounds} readings") };
    ctx.line("");
    ctx.line(&format!("HSM Information Monitor: {readings}, {interval} s apart, each against the one before."));
    ctx.line(&format!("First reading at {}.", http_date(ctx.now_ms)));
    if let Some(file) = &file {
        // The header once, when the file is new: later runs append their readings under it.
        if ctx.files.get(file).is_none() {
            ctx.files.put(file, FILE_HEADER.into()).map_err(|e| Stop::Fail(retcode::LOG_FILE_WRITE_ERROR, Some(e)))?;
        }
        ctx.line(&format!("Each reading is also appended to {file}."));
    }
    ctx.line("");
    ctx.line(&format!("{:<32}{:>10}{:>14}", "Time", "Load", "Change"));
    Err(Stop::AwaitMonitor(MonitorWait {
        slot,
        interval_ms: interval * 1000,
        rounds_left: rounds,
        next_ms: ctx.now_ms.saturating_add(interval * 1000),
        last: first,
        last_load: None,
        file,
    }))
}

/// The first line of a new `-file`: the names of its comma-separated fields.
const FILE_HEADER: &str = "Time,Load (%),Change (%)\n";

/// The line a typed command gets while the monitor runs.
pub(crate) fn busy_note() -> String {
    format!("{INDENT}LunaCM is monitoring the HSM until its last reading ('exit' ends LunaCM).\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A device that answers every reading request with the next of its readings.
    struct Readings(Vec<MonitorReading>);

    impl Transport for Readings {
        fn transact(&mut self, _: Frame) -> Result<Response, LunaRet> {
            if self.0.is_empty() {
                return Err(retcode::DEVICE_ERROR);
            }
            Ok(Response::Monitor(self.0.remove(0)))
        }
    }

    fn wait(rounds: u32) -> MonitorWait {
        MonitorWait {
            slot: 4,
            interval_ms: 5000,
            rounds_left: rounds,
            next_ms: 5000,
            last: MonitorReading { up_us: 0, idle_us: 0 },
            last_load: None,
            file: Some("load.csv".into()),
        }
    }

    #[test]
    fn each_reading_shows_the_load_since_the_last_and_its_change() {
        let r = |up_us, idle_us| MonitorReading { up_us, idle_us };
        let mut device = Readings(vec![r(5_000_000, 3_750_000), r(10_000_000, 8_749_000), r(1_000, 0)]);
        let mut w = wait(3);
        let files = &mut HostFiles::default();
        assert_eq!(w.poll(4_999, &mut device, files).unwrap(), (String::new(), true), "not due yet");
        let (line, more) = w.poll(5_000, &mut device, files).unwrap();
        assert!(line.ends_with("25.00 %             -\n") && more, "{line:?}");
        let (line, _) = w.poll(10_000, &mut device, files).unwrap();
        assert!(line.ends_with("0.02 %      -24.98 %\n"), "{line:?}");
        assert_eq!(
            files.get("load.csv"),
            Some("Thu Jan  1 00:00:05 UTC 1970,25.00,-\nThu Jan  1 00:00:10 UTC 1970,0.02,-24.98\n")
        );
        // The HSM restarted: its up-time went back.
        assert!(matches!(w.poll(15_000, &mut device, files), Err((c, Some(_))) if c == retcode::DEVICE_ERROR));
    }

    #[test]
    fn a_refused_reading_stops_the_monitor() {
        let mut w = wait(1);
        let files = &mut HostFiles::default();
        assert!(matches!(w.poll(5_000, &mut Readings(Vec::new()), files), Err((c, _)) if c == retcode::DEVICE_ERROR));
    }
}
