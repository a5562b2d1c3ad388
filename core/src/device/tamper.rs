//! Physical security (chapter 10, "Physical Security and Tamper Events", "Tamper Events", "Recovering
//! from a Tamper Event") and stored data integrity (chapter 13): the HSM's temperature and 5 V rail
//! sensors, the soft tampers and the halt they cause, the warnings of mild excursions, and the halts of
//! a corrupted memory; recovery by a reset (`lunareset`, `hsm restart`, a power cycle) once the cause is
//! gone, or by the factory reset's recovery process for a corrupted flash.

use super::audit::{Op, Pending};
use super::{CryptoRngCore, Hsm, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Temperature limits, in tenths of a degree Celsius: outside them, a soft tamper.
const TEMP_MIN_DC: i32 = 0;
const TEMP_MAX_DC: i32 = 700;
/// Within this much of a temperature limit, a warning.
const TEMP_WARN_DC: i32 = 50;
/// The 5 V rail, in millivolts: below the minimum the HSM halts; above the maximum, a soft tamper.
const RAIL_MIN_MV: u32 = 3900;
const RAIL_MAX_MV: u32 = 5710;
/// Outside this band (but within the limits), a warning.
const RAIL_WARN_LOW_MV: u32 = 4750;
const RAIL_WARN_HIGH_MV: u32 = 5250;
/// How long the recovery process of a corrupted flash runs ("6+ minutes").
pub const RECOVERY_MS: u64 = 6 * 60 * 1000 + 30 * 1000;

/// What the HSM's sensors read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sensors {
    /// Internal temperature, tenths of a degree Celsius.
    pub temperature_dc: i32,
    /// The 5 V power rail, millivolts.
    pub rail_mv: u32,
}

impl Default for Sensors {
    fn default() -> Self {
        Sensors { temperature_dc: 250, rail_mv: 5000 }
    }
}

/// A soft tamper: an environmental condition outside the allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TamperKind {
    /// Below 0 °C.
    UnderTemperature,
    /// Above +70 °C.
    OverTemperature,
    /// Above 5.71 V on the 5 V rail.
    OverVoltage,
}

impl fmt::Display for TamperKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TamperKind::UnderTemperature => "under temperature",
            TamperKind::OverTemperature => "over temperature",
            TamperKind::OverVoltage => "over voltage",
        })
    }
}

/// A tamper as the HSM records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TamperRecord {
    /// What.
    pub kind: TamperKind,
    /// When, on the HSM's clock.
    pub at_ms: u64,
    /// The sensor reading that caused it ("72.0 C", "5.80 V").
    pub reading: String,
    /// When a reset cleared it, on the HSM's clock, once it has.
    pub cleared_ms: Option<u64>,
}

/// Why the HSM has stopped: it answers only status requests (and what recovers it) until a reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Halt {
    /// A soft tamper (the record is the active tamper).
    Tamper(TamperRecord),
    /// The 5 V rail fell below 3.9 V.
    UnderVoltage,
    /// The firmware found its volatile memory corrupted (an authentication tag that failed).
    VolatileCorruption,
    /// The firmware found its permanent storage corrupted.
    FlashCorruption,
    /// The factory reset's recovery process of a corrupted flash, until this host time.
    Recovering { until_ms: u64 },
}

/// A mild excursion, logged when it begins and when it clears.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Warning {
    /// Near the low temperature limit.
    TemperatureLow,
    /// Near the high temperature limit.
    TemperatureHigh,
    /// The rail below 4.75 V.
    VoltageLow,
    /// The rail above 5.25 V.
    VoltageHigh,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Warning::TemperatureLow => "low temperature",
            Warning::TemperatureHigh => "high temperature",
            Warning::VoltageLow => "low voltage",
            Warning::VoltageHigh => "high voltage",
        })
    }
}

/// A memory the simulation corrupts (`sim fault`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Volatile memory: a restart recovers, no stored data lost.
    Volatile,
    /// Permanent storage (flash): only the factory reset's recovery process brings the unit back.
    Flash,
}

/// The temperature as the HSM reports it: `72.0 C`.
pub fn celsius(dc: i32) -> String {
    format!("{}{}.{} C", if dc < 0 { "-" } else { "" }, dc.abs() / 10, dc.abs() % 10)
}

/// The rail as the HSM reports it: `5.80 V`.
pub fn volts(mv: u32) -> String {
    format!("{}.{:02} V", mv / 1000, (mv % 1000) / 10)
}

/// A decimal number (`72.5`, `-3`, `5.8`) in units of its `places`-th decimal (1: tenths, 3:
/// thousandths), without floating point: `parse_decimal("5.8", 3)` is 5800.
pub fn parse_decimal(s: &str, places: usize) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > places || whole.len() > 9 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<places$}").parse().ok()? };
    let v = whole * 10_i64.pow(places as u32) + frac;
    Some(if neg { -v } else { v })
}

impl Sensors {
    /// The soft tamper these readings cause, if any.
    fn tamper(&self) -> Option<(TamperKind, String)> {
        if self.temperature_dc < TEMP_MIN_DC {
            Some((TamperKind::UnderTemperature, celsius(self.temperature_dc)))
        } else if self.temperature_dc > TEMP_MAX_DC {
            Some((TamperKind::OverTemperature, celsius(self.temperature_dc)))
        } else if self.rail_mv > RAIL_MAX_MV {
            Some((TamperKind::OverVoltage, volts(self.rail_mv)))
        } else {
            None
        }
    }

    /// The warnings these readings raise.
    fn warnings(&self) -> Vec<Warning> {
        let mut w = Vec::new();
        let t = self.temperature_dc;
        if (TEMP_MIN_DC..TEMP_MIN_DC + TEMP_WARN_DC).contains(&t) {
            w.push(Warning::TemperatureLow);
        }
        if (TEMP_MAX_DC - TEMP_WARN_DC + 1..=TEMP_MAX_DC).contains(&t) {
            w.push(Warning::TemperatureHigh);
        }
        if (RAIL_MIN_MV..RAIL_WARN_LOW_MV).contains(&self.rail_mv) {
            w.push(Warning::VoltageLow);
        }
        if (RAIL_WARN_HIGH_MV + 1..=RAIL_MAX_MV).contains(&self.rail_mv) {
            w.push(Warning::VoltageHigh);
        }
        w
    }
}

impl Hsm {
    /// The unit loses power for `off_ms` and comes back (the USB cable unplugged and plugged again):
    /// sessions and a running ceremony end; activated roles lose their cached iKey secret, unless
    /// auto-activation (partition policy 23) keeps it through an outage of up to two hours. The clock runs
    /// on through the outage.
    pub fn power_cycle(&mut self, off_ms: u64, now_ms: u64, rng: &mut dyn CryptoRngCore) {
        const TWO_HOURS_MS: u64 = 2 * 60 * 60 * 1000;
        let auto = self.partition().is_some_and(|p| p.policies().get(23) == Some(1));
        let activated_any = self.partition().is_some_and(|p| p.roles().iter().any(|(_, r)| r.activated));
        if activated_any && off_ms > TWO_HOURS_MS {
            self.long_outages += 1;
        }
        self.emit(now_ms, super::Event::PowerCycled { off_ms });
        // Power-on is a reset: what was under way is gone, and tamper detection runs again.
        // Auto-activation keeps the cached secrets through an outage of up to two hours, unless the unit
        // comes back tampered.
        self.reset_keeping(now_ms, rng, auto && off_ms <= TWO_HOURS_MS);
        self.flash = Some("Power restored.".into());
    }

    /// What the sensors read.
    pub fn sensors(&self) -> Sensors {
        self.sensors
    }

    /// Why the HSM is halted, if it is.
    pub fn halt(&self) -> Option<&Halt> {
        self.halt.as_ref()
    }

    /// The last tamper, cleared or not (`hsm tampershow` shows only the last).
    pub fn last_tamper(&self) -> Option<&TamperRecord> {
        self.last_tamper.as_ref()
    }

    /// The mild excursions in force.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The environment changes (`sim temperature`, `sim voltage`): a reading out of range tampers or
    /// halts the HSM at once; a mild excursion logs a warning, which clears itself with the condition.
    pub fn set_sensors(&mut self, sensors: Sensors, now_ms: u64, rng: &mut dyn CryptoRngCore) {
        self.sensors = sensors;
        let warnings = sensors.warnings();
        for w in &warnings {
            if !self.warnings.contains(w) {
                self.log_hardware(Op::EnvironmentWarning, format!("{w} warning: {}", self.readings()), now_ms, rng);
            }
        }
        for w in std::mem::replace(&mut self.warnings, warnings) {
            if !self.warnings.contains(&w) {
                self.log_hardware(
                    Op::EnvironmentWarning,
                    format!("{w} warning cleared: {}", self.readings()),
                    now_ms,
                    rng,
                );
            }
        }
        if let Some((kind, reading)) = sensors.tamper() {
            if !matches!(&self.halt, Some(Halt::Tamper(t)) if t.kind == kind) {
                self.tampered(kind, reading, now_ms, rng);
            }
        } else if sensors.rail_mv < RAIL_MIN_MV && self.halt.is_none() {
            self.halt_now(Halt::UnderVoltage, now_ms);
        }
    }

    /// Both readings, for log records.
    fn readings(&self) -> String {
        format!("{}, {}", celsius(self.sensors.temperature_dc), volts(self.sensors.rail_mv))
    }

    /// A soft tamper: the HSM halts, activated partitions are deactivated, and the tamper is logged
    /// whatever the event mask says.
    fn tampered(&mut self, kind: TamperKind, reading: String, now_ms: u64, rng: &mut dyn CryptoRngCore) {
        let at_ms = self.hsm_time(now_ms);
        let record = TamperRecord { kind, at_ms, reading: reading.clone(), cleared_ms: None };
        self.last_tamper = Some(record.clone());
        self.halt_now(Halt::Tamper(record), now_ms);
        self.log_hardware(Op::Tamper, format!("{kind} ({reading})"), now_ms, rng);
    }

    /// The HSM stops: what it was doing ends, LunaCM's session with it, activation is dropped.
    fn halt_now(&mut self, halt: Halt, now_ms: u64) {
        self.halt = Some(halt);
        self.running = None;
        self.ped_outcome = None;
        self.admin = None;
        self.end_sessions();
        self.app_sessions = 0;
        self.deactivate_partition(now_ms);
    }

    /// Drops every cached iKey secret of the partition (activation), as a tamper and a reset do.
    fn deactivate_partition(&mut self, now_ms: u64) {
        let slot = self.partition().map(|p| p.slot());
        let activated: Vec<super::Role> = self
            .partition()
            .map(|p| p.roles().iter().filter(|(_, r)| r.activated).map(|(role, _)| role).collect())
            .unwrap_or_default();
        if let (Some(p), Some(slot)) = (self.partition_mut(), slot) {
            p.roles_mut().deactivate_all();
            for role in activated {
                self.emit(now_ms, super::Event::Deactivated { slot, role });
            }
        }
    }

    /// A hardware event, logged unconditionally.
    fn log_hardware(&mut self, op: Op, detail: String, now_ms: u64, rng: &mut dyn CryptoRngCore) {
        let p = Pending { op, slot: ADMIN_SLOT, role: None, detail };
        self.log(p, None, now_ms, Some(rng));
    }

    /// The simulation corrupts a memory: the firmware's integrity check fails and the HSM halts.
    pub fn corrupt(&mut self, fault: Fault, now_ms: u64, rng: &mut dyn CryptoRngCore) {
        let halt = match fault {
            Fault::Volatile => Halt::VolatileCorruption,
            Fault::Flash => Halt::FlashCorruption,
        };
        self.halt_now(halt, now_ms);
        self.log_corruption(fault, now_ms, Some(rng));
    }

    /// The failed self test of a corrupted memory, in the audit log.
    fn log_corruption(&mut self, fault: Fault, now_ms: u64, rng: Option<&mut dyn CryptoRngCore>) {
        let what = match fault {
            Fault::Volatile => "volatile memory",
            Fault::Flash => "permanent storage",
        };
        let p = Pending {
            op: Op::SelfTest,
            slot: ADMIN_SLOT,
            role: None,
            detail: format!("{what} integrity check failed"),
        };
        self.log(p, Some(retcode::DEVICE_ERROR), now_ms, rng);
    }

    /// The unit powered up with stored data that fails its integrity check (a saved world changed outside
    /// the simulator): it halts as a corrupted flash does. The load has no clock: the failure is logged
    /// at the next tick.
    pub fn stored_data_failed(&mut self) {
        let at = self.events.last().map_or(0, |e| e.at_ms);
        self.halt_now(Halt::FlashCorruption, at);
        self.unlogged_integrity_failure = true;
    }

    /// Logs the integrity failure [`Hsm::stored_data_failed`] found, once there is a clock.
    pub(super) fn log_integrity_failure(&mut self, now_ms: u64) {
        if std::mem::take(&mut self.unlogged_integrity_failure) {
            self.log_corruption(Fault::Flash, now_ms, None);
        }
    }

    /// The HSM is reset (`lunareset`, `hsm restart`, power restored): volatile state is gone, and a halt
    /// whose cause is gone clears. A tamper whose condition persists is detected again; a corrupted
    /// flash stays halted. Returns whether the HSM runs again.
    pub fn reset(&mut self, now_ms: u64, rng: &mut dyn CryptoRngCore) -> bool {
        self.reset_keeping(now_ms, rng, false)
    }

    /// [`Hsm::reset`], keeping the partition's cached iKey secrets when `keep_activation` (auto-activation
    /// through a short power outage).
    pub(super) fn reset_keeping(&mut self, now_ms: u64, rng: &mut dyn CryptoRngCore, keep_activation: bool) -> bool {
        self.running = None;
        self.ped_outcome = None;
        self.admin = None;
        self.end_sessions();
        // The session table is volatile: the applications' sessions (and their session objects) are gone.
        self.app_sessions = 0;
        self.utilization_restart(now_ms);
        // Power-up erases what a zeroize left of the stored objects before anything else runs.
        self.storage.power_up();
        if !keep_activation {
            self.deactivate_partition(now_ms);
        }
        let hsm_now = self.hsm_time(now_ms);
        match self.halt.take() {
            Some(Halt::Tamper(_)) => {
                if let Some(t) = self.last_tamper.as_mut() {
                    t.cleared_ms = Some(hsm_now);
                }
            }
            Some(Halt::UnderVoltage) | Some(Halt::VolatileCorruption) | None => {}
            Some(h @ (Halt::FlashCorruption | Halt::Recovering { .. })) => self.halt = Some(h),
        }
        // Tamper detection runs again at power-on.
        if self.halt.is_none() {
            if let Some((kind, reading)) = self.sensors.tamper() {
                self.tampered(kind, reading, now_ms, rng);
            } else if self.sensors.rail_mv < RAIL_MIN_MV {
                self.halt = Some(Halt::UnderVoltage);
            }
        }
        self.halt.is_none()
    }

    /// The touchscreen of a halted HSM: why, and what recovers it.
    pub(super) fn halted_screen(&self, halt: &Halt, now_ms: Option<u64>) -> super::Screen {
        let status = super::HsmStatus::halted(halt, self.zeroized()).to_string();
        let mut prompt = Vec::new();
        match halt {
            Halt::Tamper(t) => {
                prompt.push(format!("Tamper: {} ({}).", t.kind, t.reading));
                prompt.push("Resolve the cause, then reset the HSM (lunareset).".to_string());
            }
            Halt::UnderVoltage => prompt.push("The 5 V rail is too low. Restore the power, then reset.".to_string()),
            Halt::VolatileCorruption => prompt.push("Memory integrity failure. Restart the HSM.".to_string()),
            Halt::FlashCorruption => {
                prompt.push("Stored data integrity failure. Only a factory reset recovers.".to_string())
            }
            Halt::Recovering { until_ms } => {
                prompt.push("Recovery in progress. Do not unplug the HSM.".to_string());
                if let Some(now) = now_ms {
                    let left = until_ms.saturating_sub(now);
                    let done = 100 - (left * 100 / RECOVERY_MS).min(100);
                    prompt.push(format!("{done}% done, about {} min left.", left.div_ceil(60_000)));
                }
            }
        }
        super::Screen {
            title: "Luna USB HSM 7".into(),
            status: vec!["HALTED".into(), status],
            label: self.label().to_string(),
            prompt,
            ..super::Screen::default()
        }
    }

    /// Refuses what a halted HSM does not do: it answers its status, shows its tampers and restarts; a
    /// corrupted flash also takes the factory reset that starts its recovery.
    pub(super) fn refuse_when_halted(&self, request: &super::Request) -> Result<(), LunaRet> {
        use super::Request as R;
        let Some(halt) = &self.halt else { return Ok(()) };
        let allowed = match request {
            R::GetInfo | R::TamperShow | R::Authorize(_) | R::CloseSession => true,
            R::Restart => !matches!(halt, Halt::Recovering { .. }),
            R::FactoryReset => matches!(halt, Halt::FlashCorruption),
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(retcode::DEVICE_ERROR)
        }
    }

    /// `hsm factoryreset` on a unit halted by a corrupted flash: the recovery process begins; the unit is
    /// back, factory reset, when it ends.
    pub(super) fn start_recovery(&mut self, now_ms: u64) {
        self.halt = Some(Halt::Recovering { until_ms: now_ms + RECOVERY_MS });
    }

    /// Lets the recovery process run on: once its time is over, the unit is factory reset and runs.
    pub(super) fn recovery_tick(&mut self, now_ms: u64) {
        if let Some(Halt::Recovering { until_ms }) = self.halt {
            if now_ms >= until_ms {
                self.halt = None;
                self.factory_reset_effects(now_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn decimals_and_readings_without_floats() {
        assert_eq!(parse_decimal("72.5", 1), Some(725));
        assert_eq!(parse_decimal("-3", 1), Some(-30));
        assert_eq!(parse_decimal("5.8", 3), Some(5800));
        assert_eq!(parse_decimal(" 4.75 ", 3), Some(4750));
        for bad in ["", "-", "5.8.1", "hot", "1.23", ".5", "1e3"] {
            assert_eq!(parse_decimal(bad, 1), None, "{bad}");
        }
        assert_eq!((celsius(-35), celsius(725), volts(5800)), ("-3.5 C".into(), "72.5 C".into(), "5.80 V".into()));
    }
}
