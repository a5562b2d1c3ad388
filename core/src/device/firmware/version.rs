//! Firmware version numbers as the guide writes them: `7.8.4`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A firmware version: major, minor and patch numbers, ordered as numbers (7.10.0 is newer than 7.9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major number (7 for every Luna 7 firmware).
    pub major: u16,
    /// Minor number.
    pub minor: u16,
    /// Patch number.
    pub patch: u16,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Version {
        Version { major, minor, patch }
    }

    /// Reads `7.8.4`: three decimal numbers of one to three digits, separated by dots, nothing else.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.split('.');
        let mut number = || {
            let p = parts.next()?;
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let v = Version::new(number()?, number()?, number()?);
        parts.next().is_none().then_some(v)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Saved as the text the guide uses (`"7.8.4"`).
impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        let text = String::deserialize(d)?;
        Version::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a firmware version")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn versions_read_and_compare_as_numbers() {
        assert_eq!(Version::parse("7.8.4"), Some(Version::new(7, 8, 4)));
        assert_eq!(Version::new(7, 10, 0).to_string(), "7.10.0");
        assert!(Version::parse("7.10.0") > Version::parse("7.9.1"));
        assert!(Version::parse("7.7.3") > Version::parse("7.7.2"));
        for bad in ["", "7", "7.8", "7.8.4.1", "7..4", "7.8.x", "-7.8.4", "7.8.4 ", "1000.0.0", "+7.8.4"] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
        }
        let json = serde_json::to_string(&Version::new(7, 7, 2)).unwrap();
        assert_eq!(json, "\"7.7.2\"");
        assert_eq!(serde_json::from_str::<Version>(&json).unwrap(), Version::new(7, 7, 2));
        assert!(serde_json::from_str::<Version>("\"seven\"").is_err());
    }
}
