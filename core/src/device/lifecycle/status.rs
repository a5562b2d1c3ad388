//! HSM Status values (chapter 11), as the `HSM Status ->` field of a slot listing shows them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The status of the administrative slot, derived from the HSM's actual state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HsmStatus {
    /// Working properly.
    Ok,
    /// Zeroized: initialization required.
    Zeroized,
    /// In Secure Transport Mode.
    TransportMode,
    /// In Secure Transport Mode and zeroized.
    TransportModeZeroized,
    /// A soft tamper halted the HSM.
    HardwareTamper,
    /// A soft tamper halted the HSM, which is also zeroized.
    HardwareTamperZeroized,
    /// The 5 V rail fell below its minimum.
    HaltedUnderVoltage,
    /// The volatile memory failed its integrity check.
    HaltedVolatile,
    /// The permanent storage failed its integrity check.
    HaltedStorage,
    /// The recovery process of a corrupted permanent storage is running.
    Recovering,
}

impl HsmStatus {
    /// Derives the status from the two facts it reports.
    pub fn of(in_stm: bool, zeroized: bool) -> HsmStatus {
        match (in_stm, zeroized) {
            (false, false) => HsmStatus::Ok,
            (false, true) => HsmStatus::Zeroized,
            (true, false) => HsmStatus::TransportMode,
            (true, true) => HsmStatus::TransportModeZeroized,
        }
    }
}

impl HsmStatus {
    /// The status of a halted HSM.
    pub fn halted(halt: &crate::device::tamper::Halt, zeroized: bool) -> HsmStatus {
        use crate::device::tamper::Halt;
        match (halt, zeroized) {
            (Halt::Tamper(_), false) => HsmStatus::HardwareTamper,
            (Halt::Tamper(_), true) => HsmStatus::HardwareTamperZeroized,
            (Halt::UnderVoltage, _) => HsmStatus::HaltedUnderVoltage,
            (Halt::VolatileCorruption, _) => HsmStatus::HaltedVolatile,
            (Halt::FlashCorruption, _) => HsmStatus::HaltedStorage,
            (Halt::Recovering { .. }, _) => HsmStatus::Recovering,
        }
    }
}

impl fmt::Display for HsmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HsmStatus::Ok => "OK",
            HsmStatus::Zeroized => "Zeroized",
            HsmStatus::TransportMode => "Transport Mode",
            HsmStatus::TransportModeZeroized => "Transport Mode, zeroized",
            HsmStatus::HardwareTamper => "Hardware Tamper",
            HsmStatus::HardwareTamperZeroized => "Hardware Tamper, Zeroized",
            HsmStatus::HaltedUnderVoltage => "Halted, under voltage",
            HsmStatus::HaltedVolatile => "Halted, volatile memory integrity failure",
            HsmStatus::HaltedStorage => "Halted, stored data integrity failure",
            HsmStatus::Recovering => "Halted, recovery in progress",
        })
    }
}
