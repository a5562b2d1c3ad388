//! What the touchscreen shows: a plain value the UI renders.

use super::Hsm;
use serde::{Deserialize, Serialize};

/// The keypad's digit buttons, by their visible text.
pub const KEYPAD_DIGITS: [&str; 10] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];
/// The keypad button that clears the entry.
pub const KEYPAD_CLEAR: &str = "Clear";

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
    /// Buttons the user can tap, by their visible text.
    pub buttons: Vec<String>,
    /// Whether the digit keypad is shown.
    pub keypad: bool,
    /// Digits typed so far, masked.
    pub entry: String,
}

impl Screen {
    /// The idle screen: the HSM's status at a glance.
    pub fn status(hsm: &Hsm) -> Screen {
        let mut status = Vec::new();
        if hsm.in_stm() {
            status.push("Transport Mode".to_string());
        }
        status.push(if hsm.zeroized() { "Zeroized" } else { "Initialized" }.to_string());
        Screen {
            title: "Luna USB HSM 7".into(),
            status,
            label: hsm.label.clone(),
            role: hsm.logged_in().map(|r| format!("{r} logged in")),
            ..Screen::default()
        }
    }
}
