//! Calendar dates from milliseconds since the Unix epoch, in UTC: what LunaCM's times and the audit log's
//! timestamps print.

/// A UTC date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hours, minutes and seconds.
    pub hour: u32,
    /// Minutes.
    pub minute: u32,
    /// Seconds.
    pub second: u32,
    /// Day of the week, 0 = Thursday (1 January 1970 was one).
    pub weekday_from_thursday: u32,
}

/// The UTC date and time of `ms` milliseconds since the epoch (Howard Hinnant's civil-from-days).
pub fn civil(ms: u64) -> Civil {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: ((secs % 86_400) / 3600) as u32,
        minute: ((secs % 3600) / 60) as u32,
        second: (secs % 60) as u32,
        weekday_from_thursday: days.rem_euclid(7) as u32,
    }
}
