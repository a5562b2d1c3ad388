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

impl fmt::Display for HsmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HsmStatus::Ok => "OK",
            HsmStatus::Zeroized => "Zeroized",
            HsmStatus::TransportMode => "Transport Mode",
            HsmStatus::TransportModeZeroized => "Transport Mode, zeroized",
        })
    }
}
