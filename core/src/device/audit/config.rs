//! What the Auditor configures (`audit config`): which events are logged (the event mask), where the host
//! keeps the log files, and when a log file is closed and the next one begun (rotation).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Event categories of "Audit Log Categories and HSM Events", with the `audit config evmask` letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    /// `a`: access attempts (logins).
    Access = 0,
    /// `m`: HSM management (init, reset...).
    Manage = 1,
    /// `k`: key management (key create/delete).
    KeyManage = 2,
    /// `u`: key usage (enc/dec/sig/ver).
    Usage = 3,
    /// `r`: first key usage only.
    First = 4,
    /// `x`: messages from CA_LogExternal (`audit logmsg`).
    External = 5,
    /// `g`: events relating to log configuration.
    LogManage = 6,
}

impl Category {
    /// Every category, in the order LunaCM lists them.
    pub const ALL: [Category; 7] = [
        Category::Access,
        Category::Manage,
        Category::KeyManage,
        Category::Usage,
        Category::First,
        Category::External,
        Category::LogManage,
    ];

    /// The evmask letter.
    pub fn letter(self) -> char {
        match self {
            Category::Access => 'a',
            Category::Manage => 'm',
            Category::KeyManage => 'k',
            Category::Usage => 'u',
            Category::First => 'r',
            Category::External => 'x',
            Category::LogManage => 'g',
        }
    }

    /// The evmask word.
    pub fn word(self) -> &'static str {
        match self {
            Category::Access => "access",
            Category::Manage => "manage",
            Category::KeyManage => "keymanage",
            Category::Usage => "usage",
            Category::First => "first",
            Category::External => "external",
            Category::LogManage => "logmanage",
        }
    }

    /// What the category logs, as `audit config ?` explains it.
    pub fn description(self) -> &'static str {
        match self {
            Category::Access => "log access attempts (logins)",
            Category::Manage => "log HSM management (init/reset/etc)",
            Category::KeyManage => "key management events (key create/delete)",
            Category::Usage => "key usage (enc/dec/sig/ver)",
            Category::First => "first key usage only (enc/dec/sig/ver)",
            Category::External => "log messages from CA_LogExternal",
            Category::LogManage => "log events relating to log configuration",
        }
    }
}

/// Which events are logged: categories, and whether their successes, failures or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvMask {
    /// Bit `c as u8` for each category logged.
    pub categories: u8,
    /// Log successes.
    pub success: bool,
    /// Log failures.
    pub failure: bool,
}

impl EvMask {
    /// Everything (`evmask all`).
    pub const ALL: EvMask = EvMask { categories: 0x7f, success: true, failure: true };

    /// Whether an event of `category` with this outcome is logged.
    pub fn logs(&self, category: Category, ok: bool) -> bool {
        self.categories & (1 << category as u8) != 0 && if ok { self.success } else { self.failure }
    }

    /// Whether nothing beyond the unconditional events is logged.
    pub fn is_none(&self) -> bool {
        self.categories == 0 || !(self.success || self.failure)
    }

    /// Reads an `audit config evmask` value: a comma-separated list of letters or words (`a,m,s,f`,
    /// `access,success`), `all` (`l`) or `none` (`n`). A category needs `s`, `f` or both with it.
    pub fn parse(value: &str) -> Result<EvMask, String> {
        let mut mask = EvMask::default();
        let items: Vec<String> =
            value.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
        if items.is_empty() {
            return Err("the event mask is empty: give categories with s and/or f, 'all' or 'none'".into());
        }
        let mut none = false;
        for item in &items {
            match item.as_str() {
                "f" | "failure" => mask.failure = true,
                "s" | "success" => mask.success = true,
                "l" | "all" => mask = EvMask { categories: 0x7f, success: true, failure: true },
                "n" | "none" => none = true,
                other => {
                    let c = Category::ALL
                        .into_iter()
                        .find(|c| other == c.word() || other.len() == 1 && other.starts_with(c.letter()))
                        .ok_or_else(|| format!("'{other}' is not an event category or condition"))?;
                    mask.categories |= 1 << c as u8;
                }
            }
        }
        if none {
            if items.len() > 1 {
                return Err("'none' turns logging off and cannot be combined with other values".into());
            }
            return Ok(EvMask::default());
        }
        if mask.categories == 0 {
            return Err("name at least one event category (a, m, k, u, r, x, g) or 'all'".into());
        }
        if !(mask.success || mask.failure) {
            return Err("say whether successes (s), failures (f) or both are logged".into());
        }
        Ok(mask)
    }
}

impl EvMask {
    /// The mask as `audit config evmask` letters (`a,m,s,f`), `n` for none.
    pub fn letters(&self) -> String {
        if self.is_none() {
            return "n".into();
        }
        let mut v: Vec<String> = Category::ALL
            .into_iter()
            .filter(|c| self.categories & (1 << *c as u8) != 0)
            .map(|c| c.letter().to_string())
            .collect();
        if self.success {
            v.push("s".into());
        }
        if self.failure {
            v.push("f".into());
        }
        v.join(",")
    }
}

impl fmt::Display for EvMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            return f.write_str("none (unconditional events only)");
        }
        let cats: Vec<&str> =
            Category::ALL.into_iter().filter(|c| self.categories & (1 << *c as u8) != 0).map(Category::word).collect();
        let outcome = match (self.success, self.failure) {
            (true, true) => "successes and failures",
            (true, false) => "successes",
            _ => "failures",
        };
        write!(f, "{} ({outcome})", cats.join(", "))
    }
}

/// When the log file is closed and a new one begun, besides the size limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Interval {
    /// Every hour.
    Hourly,
    /// Every day.
    #[default]
    Daily,
    /// Every week.
    Weekly,
    /// Every 30 days.
    Monthly,
    /// Only by size.
    Never,
}

impl Interval {
    /// Reads an `audit config interval` value.
    pub fn parse(value: &str) -> Result<Interval, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "hourly" | "h" => Ok(Interval::Hourly),
            "daily" | "d" => Ok(Interval::Daily),
            "weekly" | "w" => Ok(Interval::Weekly),
            "monthly" | "m" => Ok(Interval::Monthly),
            "never" | "n" => Ok(Interval::Never),
            other => Err(format!("'{other}' is not a rotation interval: hourly, daily, weekly, monthly or never")),
        }
    }

    /// Its length, if it has one.
    pub fn millis(self) -> Option<u64> {
        const HOUR: u64 = 3_600_000;
        match self {
            Interval::Hourly => Some(HOUR),
            Interval::Daily => Some(24 * HOUR),
            Interval::Weekly => Some(7 * 24 * HOUR),
            Interval::Monthly => Some(30 * 24 * HOUR),
            Interval::Never => None,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interval::Hourly => "hourly",
            Interval::Daily => "daily",
            Interval::Weekly => "weekly",
            Interval::Monthly => "monthly",
            Interval::Never => "never",
        })
    }
}

/// Smallest rotation size, in bytes (a few records).
pub const SIZE_MIN: u64 = 1024;
/// Largest rotation size, in bytes.
pub const SIZE_MAX: u64 = 4 * 1024 * 1024;

/// Reads an `audit config size` value: an integer followed by `k` or `m`.
pub fn parse_size(value: &str) -> Result<u64, String> {
    let v = value.trim().to_ascii_lowercase();
    let (digits, unit) = match v.char_indices().last() {
        Some((i, 'k')) => (&v[..i], 1024),
        Some((i, 'm')) => (&v[..i], 1024 * 1024),
        _ => return Err(format!("'{value}' is not a size: an integer followed by k or m, e.g. 512k or 4m")),
    };
    let n: u64 = digits.parse().map_err(|_| format!("'{value}' is not a size: an integer followed by k or m"))?;
    let bytes = n.saturating_mul(unit);
    if !(SIZE_MIN..=SIZE_MAX).contains(&bytes) {
        return Err(format!("the rotation size must be between 1k and 4m, not {value}"));
    }
    Ok(bytes)
}

/// A size as `audit config` prints it.
pub fn show_size(bytes: u64) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{}m", bytes / (1024 * 1024))
    } else {
        format!("{}k", bytes / 1024)
    }
}

/// The Auditor's configuration, as `audit config get` shows it. Kept through re-initialization, zeroize
/// and tamper; removed by factory reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The host directory the log files go to, once set.
    pub path: Option<String>,
    /// Which events are logged beyond the unconditional ones.
    pub evmask: EvMask,
    /// Rotation interval.
    pub interval: Interval,
    /// Rotation size, bytes.
    pub size: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config { path: None, evmask: EvMask::default(), interval: Interval::Daily, size: 4 * 1024 * 1024 }
    }
}

/// A change the Auditor asks for: the parameters given on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChange {
    /// New log path.
    pub path: Option<String>,
    /// New event mask.
    pub evmask: Option<EvMask>,
    /// New rotation interval.
    pub interval: Option<Interval>,
    /// New rotation size, bytes.
    pub size: Option<u64>,
}

impl ConfigChange {
    /// Whether the change changes nothing (`audit config get`).
    pub fn is_empty(&self) -> bool {
        self.path.is_none() && self.evmask.is_none() && self.interval.is_none() && self.size.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn evmask_reads_letters_words_all_and_none() {
        let m = EvMask::parse("a,m,s").unwrap();
        assert!(m.logs(Category::Access, true));
        assert!(m.logs(Category::Manage, true));
        assert!(!m.logs(Category::Access, false));
        assert!(!m.logs(Category::LogManage, true));
        let m = EvMask::parse("access, logmanage, f").unwrap();
        assert!(m.logs(Category::LogManage, false) && !m.logs(Category::LogManage, true));
        assert_eq!(EvMask::parse("all").unwrap(), EvMask::ALL);
        assert_eq!(EvMask::parse("L").unwrap(), EvMask::ALL);
        assert!(EvMask::parse("none").unwrap().is_none());
        assert!(EvMask::parse("a").unwrap_err().contains("successes (s), failures (f)"));
        assert!(EvMask::parse("s,f").unwrap_err().contains("category"));
        assert!(EvMask::parse("t,s,f").unwrap_err().contains("'t'"));
        assert!(EvMask::parse("n,a,s").unwrap_err().contains("cannot be combined"));
        assert_eq!(EvMask::parse("a,g,s,f").unwrap().to_string(), "access, logmanage (successes and failures)");
    }

    #[test]
    fn sizes_and_intervals_parse_within_limits() {
        assert_eq!(parse_size("4m").unwrap(), 4 * 1024 * 1024);
        assert_eq!(parse_size("512K").unwrap(), 512 * 1024);
        assert!(parse_size("0k").is_err());
        assert!(parse_size("5m").is_err());
        assert!(parse_size("12").is_err());
        assert_eq!(show_size(parse_size("2m").unwrap()), "2m");
        assert_eq!(Interval::parse("Hourly").unwrap(), Interval::Hourly);
        assert!(Interval::parse("yearly").is_err());
    }
}
