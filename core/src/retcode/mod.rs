//! Return codes of the firmware (`LUNA_RET_*`), their PKCS#11 mapping (`CKR_*`) and how LunaCM prints them.
//!
//! The tables come from chapter 11 of the admin guide ("Cryptographic Module and Token Return Codes",
//! "Library Codes", "Vendor-Defined Return Codes"); `table.rs` is generated from it. Every error path of the
//! device and of LunaCM names one of these codes, so the numbers a trainee sees are the real unit's.

#[rustfmt::skip] // generated: kept as the generator writes it
mod table;

pub use table::*;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A firmware return code: its `LUNA_RET_*` name, value and the `CKR_*` error a host application sees.
///
/// A few conditions are reported by the firmware with a vendor `CKR_*` code only (the guide lists no
/// `LUNA_RET_*` for them); those are `LunaRet`s whose name and CKR are the same.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LunaRet {
    /// The `LUNA_RET_*` name.
    pub name: &'static str,
    /// The firmware's numeric code.
    pub code: u32,
    /// The PKCS#11 or SafeNet-defined `CKR_*` name it maps to.
    pub ckr: &'static str,
}

impl LunaRet {
    /// Looks a code up by its numeric value.
    pub fn from_code(code: u32) -> Option<LunaRet> {
        ALL.iter().copied().find(|r| r.code == code)
    }

    /// Looks a code up by its `LUNA_RET_*` name, or a vendor `CKR_*` name for CKR-only conditions.
    pub fn from_name(name: &str) -> Option<LunaRet> {
        ALL.iter().copied().find(|r| r.name == name).or_else(|| {
            STANDARD_CKR.iter().chain(VENDOR_CKR.iter()).find(|(_, n)| *n == name).map(|&(code, n)| LunaRet {
                name: n,
                code,
                ckr: n,
            })
        })
    }

    /// The numeric value of the `CKR_*` error, as LunaCM prints it in `Command Result`.
    pub fn ckr_code(&self) -> u32 {
        ckr_code(self.ckr).unwrap_or(STANDARD_CKR_GENERAL_ERROR)
    }

    /// `Command Result : 0x30 (CKR_DEVICE_ERROR)`: the result line LunaCM prints for this code.
    pub fn command_result(&self) -> String {
        format!("Command Result : 0x{:x} ({})", self.ckr_code(), self.ckr)
    }
}

impl fmt::Debug for LunaRet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:08x})", self.name, self.code)
    }
}

impl fmt::Display for LunaRet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X} : {}", self.code, self.name)
    }
}

/// The guide's vendor code for a command refused while the HSM is in Secure Transport Mode; it has no
/// `LUNA_RET_*` counterpart in the tables.
pub const CMD_NOT_ALLOWED_HSM_IN_TRANSPORT: LunaRet = LunaRet {
    name: "CKR_CMD_NOT_ALLOWED_HSM_IN_TRANSPORT",
    code: 0x8000006e,
    ckr: "CKR_CMD_NOT_ALLOWED_HSM_IN_TRANSPORT",
};

/// The host library's answer when a command names a slot that does not exist.
pub const SLOT_ID_INVALID: LunaRet = LunaRet { name: "CKR_SLOT_ID_INVALID", code: 0x03, ckr: "CKR_SLOT_ID_INVALID" };

// Serialized by name: firmware and vendor CKR numbers overlap, names do not.
impl Serialize for LunaRet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

impl<'de> Deserialize<'de> for LunaRet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        LunaRet::from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown return code {name}")))
    }
}

const STANDARD_CKR_GENERAL_ERROR: u32 = 0x05;

/// PKCS#11 v2 return values that the guide's tables refer to by name only.
const STANDARD_CKR: &[(u32, &str)] = &[
    (0x000, "CKR_OK"),
    (0x001, "CKR_CANCEL"),
    (0x003, "CKR_SLOT_ID_INVALID"),
    (0x004, "CKR_FLAGS_INVALID"),
    (0x005, "CKR_GENERAL_ERROR"),
    (0x006, "CKR_FUNCTION_FAILED"),
    (0x007, "CKR_ARGUMENTS_BAD"),
    (0x010, "CKR_ATTRIBUTE_READ_ONLY"),
    (0x011, "CKR_ATTRIBUTE_SENSITIVE"),
    (0x012, "CKR_ATTRIBUTE_TYPE_INVALID"),
    (0x013, "CKR_ATTRIBUTE_VALUE_INVALID"),
    (0x020, "CKR_DATA_INVALID"),
    (0x021, "CKR_DATA_LEN_RANGE"),
    (0x030, "CKR_DEVICE_ERROR"),
    (0x031, "CKR_DEVICE_MEMORY"),
    (0x040, "CKR_ENCRYPTED_DATA_INVALID"),
    (0x041, "CKR_ENCRYPTED_DATA_LEN_RANGE"),
    (0x050, "CKR_FUNCTION_CANCELED"),
    (0x054, "CKR_FUNCTION_NOT_SUPPORTED"),
    (0x060, "CKR_KEY_HANDLE_INVALID"),
    (0x062, "CKR_KEY_SIZE_RANGE"),
    (0x063, "CKR_KEY_TYPE_INCONSISTENT"),
    (0x066, "CKR_KEY_NEEDED"),
    (0x067, "CKR_KEY_INDIGESTIBLE"),
    (0x068, "CKR_KEY_FUNCTION_NOT_PERMITTED"),
    (0x069, "CKR_KEY_NOT_WRAPPABLE"),
    (0x06a, "CKR_KEY_UNEXTRACTABLE"),
    (0x070, "CKR_MECHANISM_INVALID"),
    (0x071, "CKR_MECHANISM_PARAM_INVALID"),
    (0x082, "CKR_OBJECT_HANDLE_INVALID"),
    (0x090, "CKR_OPERATION_ACTIVE"),
    (0x091, "CKR_OPERATION_NOT_INITIALIZED"),
    (0x0a0, "CKR_PIN_INCORRECT"),
    (0x0a1, "CKR_PIN_INVALID"),
    (0x0a2, "CKR_PIN_LEN_RANGE"),
    (0x0a3, "CKR_PIN_EXPIRED"),
    (0x0a4, "CKR_PIN_LOCKED"),
    (0x0b2, "CKR_SESSION_EXCLUSIVE_EXISTS"),
    (0x0b3, "CKR_SESSION_HANDLE_INVALID"),
    (0x0c0, "CKR_SIGNATURE_INVALID"),
    (0x0c1, "CKR_SIGNATURE_LEN_RANGE"),
    (0x0d0, "CKR_TEMPLATE_INCOMPLETE"),
    (0x0d1, "CKR_TEMPLATE_INCONSISTENT"),
    (0x0e0, "CKR_TOKEN_NOT_PRESENT"),
    (0x0f0, "CKR_UNWRAPPING_KEY_HANDLE_INVALID"),
    (0x0f1, "CKR_UNWRAPPING_KEY_SIZE_RANGE"),
    (0x0f2, "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT"),
    (0x100, "CKR_USER_ALREADY_LOGGED_IN"),
    (0x101, "CKR_USER_NOT_LOGGED_IN"),
    (0x102, "CKR_USER_PIN_NOT_INITIALIZED"),
    (0x103, "CKR_USER_TYPE_INVALID"),
    (0x110, "CKR_WRAPPED_KEY_INVALID"),
    (0x112, "CKR_WRAPPED_KEY_LEN_RANGE"),
    (0x113, "CKR_WRAPPING_KEY_HANDLE_INVALID"),
    (0x114, "CKR_WRAPPING_KEY_SIZE_RANGE"),
    (0x115, "CKR_WRAPPING_KEY_TYPE_INCONSISTENT"),
    (0x150, "CKR_BUFFER_TOO_SMALL"),
    (0x160, "CKR_SAVED_STATE_INVALID"),
    (0x180, "CKR_STATE_UNSAVEABLE"),
];

/// The numeric value of a `CKR_*` name, from the PKCS#11 standard or the guide's vendor-defined table.
pub fn ckr_code(name: &str) -> Option<u32> {
    STANDARD_CKR.iter().chain(VENDOR_CKR.iter()).find(|(_, n)| *n == name).map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_firmware_code_maps_to_a_known_ckr_value() {
        for r in ALL {
            assert!(ckr_code(r.ckr).is_some(), "{} maps to {} which has no value", r.name, r.ckr);
        }
    }

    #[test]
    fn codes_are_unique_and_round_trip_through_serde() {
        for r in ALL {
            assert_eq!(LunaRet::from_code(r.code).unwrap().name, r.name);
            let json = serde_json::to_string(r).unwrap();
            let back: LunaRet = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *r);
        }
        assert!(serde_json::from_str::<LunaRet>("\"LUNA_RET_NO_SUCH_THING\"").is_err());
        let stm: LunaRet = serde_json::from_str("\"CKR_CMD_NOT_ALLOWED_HSM_IN_TRANSPORT\"").unwrap();
        assert_eq!(stm, CMD_NOT_ALLOWED_HSM_IN_TRANSPORT);
    }

    #[test]
    fn result_lines_use_the_ckr_value() {
        assert_eq!(
            SO_LOGIN_FAILURE_THRESHOLD.command_result(),
            "Command Result : 0x8000001c (CKR_SO_LOGIN_FAILURE_THRESHOLD)"
        );
        assert_eq!(UM_PIN_INCORRECT.command_result(), "Command Result : 0xa0 (CKR_PIN_INCORRECT)");
    }
}
