//! The HSM's own real-time clock (chapter 5, "Timestamping"): it has no relevant value until the Auditor
//! synchronizes it with the host (`audit time sync`), and then drifts from the host's as a real RTC does,
//! so periodic re-synchronization matters. The firmware reads it every five seconds.

use serde::{Deserialize, Serialize};

/// How far a new unit's clock is from the host's, at most, in milliseconds.
const FACTORY_SKEW_MS: i64 = 10 * 60 * 1000;
/// How fast the RTC runs against the host, in parts per million, at most either way.
const DRIFT_PPM_MAX: i64 = 40;
/// The firmware reads its clock on a five-second interval.
const READ_INTERVAL_MS: u64 = 5000;

/// The HSM's clock: its value at a host instant, and its drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rtc {
    /// Host time of the last setting, milliseconds since the epoch.
    set_at_ms: u64,
    /// HSM time minus host time at that instant.
    offset_ms: i64,
    /// Drift, parts per million (positive: the HSM clock runs fast).
    ppm: i64,
    /// Whether the Auditor has synchronized it since manufacture.
    synced: bool,
}

impl Rtc {
    /// A clock as it leaves the factory: off by up to ten minutes, with its own drift, both from `seed`.
    pub fn from_factory(seed: u64, now_ms: u64) -> Rtc {
        let skew = (seed % (2 * FACTORY_SKEW_MS as u64)) as i64 - FACTORY_SKEW_MS;
        let ppm = ((seed >> 32) % (2 * DRIFT_PPM_MAX as u64 + 1)) as i64 - DRIFT_PPM_MAX;
        Rtc { set_at_ms: now_ms, offset_ms: skew, ppm, synced: false }
    }

    /// The HSM's time when the host's is `now_ms`, as the firmware last read it (a five-second tick).
    pub fn read(&self, now_ms: u64) -> u64 {
        let exact = self.exact(now_ms);
        exact - exact % READ_INTERVAL_MS
    }

    fn exact(&self, now_ms: u64) -> u64 {
        let elapsed = now_ms.saturating_sub(self.set_at_ms) as i128;
        let drift = elapsed * i128::from(self.ppm) / 1_000_000;
        let t = i128::from(now_ms) + i128::from(self.offset_ms) + drift;
        t.clamp(0, i128::from(u64::MAX)) as u64
    }

    /// Sets the clock to the host's time (`audit time sync`).
    pub fn sync(&mut self, now_ms: u64) {
        self.set_at_ms = now_ms;
        self.offset_ms = 0;
        self.synced = true;
    }

    /// Whether it has been synchronized since manufacture.
    pub fn synced(&self) -> bool {
        self.synced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_factory_clock_is_off_then_sync_sets_it_and_it_drifts_again() {
        let now = 1_764_288_000_000;
        let rtc = Rtc::from_factory(0x0000_0050_0000_1234, now);
        let off = rtc.read(now) as i64 - now as i64;
        assert!(off.abs() <= FACTORY_SKEW_MS + 5000, "{off}");
        let mut rtc = rtc;
        rtc.sync(now);
        assert!(rtc.synced());
        assert!(now - rtc.read(now) < 5000, "read on a five-second tick, never ahead of the host");
        // 80 ppm of drift either way is at most ~7 s a day.
        let day = 86_400_000;
        let d = rtc.read(now + day) as i64 - (now + day) as i64;
        assert!(d.abs() <= 8000, "{d}");
        let fast = Rtc { set_at_ms: now, offset_ms: 0, ppm: 40, synced: true };
        assert_eq!(fast.exact(now + 1_000_000_000), now + 1_000_000_000 + 40_000);
    }
}
