//! What the touchscreen shows: a plain value the UI renders.

use super::Button;
use serde::{Deserialize, Serialize};

/// One frame of the touchscreen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    /// Heading line.
    pub title: String,
    /// Status lines, e.g. `Transport Mode`, `Zeroized`.
    pub status: Vec<String>,
    /// HSM label; empty when none is set.
    pub label: String,
    /// The logged-in role, e.g. `HSM SO logged in`.
    pub role: Option<String>,
    /// The operation under way (an iKey ceremony, the Admin tab), shown as a heading.
    pub operation: Option<String>,
    /// A passing message: what just happened, or why the last action was refused.
    pub note: Option<String>,
    /// What the device asks the user to do now.
    pub prompt: Vec<String>,
    /// Buttons the user can tap (saved and published by their visible text).
    pub buttons: Vec<Button>,
    /// Whether the digit keypad is shown.
    pub keypad: bool,
    /// Digits typed so far, masked.
    pub entry: String,
}
