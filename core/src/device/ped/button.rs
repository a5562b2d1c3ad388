//! The touchscreen's buttons: one enum, so the labels the screen shows and the taps the ceremonies expect
//! cannot drift apart.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A button on the touchscreen, keypad digits included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Button {
    /// Confirms the entry or the inserted iKey.
    Enter,
    /// Abandons the ceremony.
    Cancel,
    /// Clears the keypad entry.
    Clear,
    /// Reuse an existing keyset.
    Reuse,
    /// Create a new keyset.
    New,
    /// Overwrite the secret on the inserted iKey.
    Overwrite,
    /// Keep the inserted iKey; use another one.
    UseAnother,
    /// Answers yes.
    Yes,
    /// Answers no.
    No,
    /// Opens the Admin tab on the idle screen.
    Admin,
    /// Admin tab: copy the inserted iKey.
    Duplicate,
    /// Leaves the Admin tab.
    Exit,
    /// A keypad digit, 0 to 9.
    Digit(u8),
}

/// The keypad's digit buttons, in the order the keypad shows them.
pub const KEYPAD: [Button; 10] = [
    Button::Digit(1),
    Button::Digit(2),
    Button::Digit(3),
    Button::Digit(4),
    Button::Digit(5),
    Button::Digit(6),
    Button::Digit(7),
    Button::Digit(8),
    Button::Digit(9),
    Button::Digit(0),
];

const NAMED: [Button; 12] = [
    Button::Enter,
    Button::Cancel,
    Button::Clear,
    Button::Reuse,
    Button::New,
    Button::Overwrite,
    Button::UseAnother,
    Button::Yes,
    Button::No,
    Button::Admin,
    Button::Duplicate,
    Button::Exit,
];

impl Button {
    /// The text on the button.
    pub fn label(&self) -> &'static str {
        match self {
            Button::Enter => "Enter",
            Button::Cancel => "Cancel",
            Button::Clear => "Clear",
            Button::Reuse => "Reuse",
            Button::New => "New",
            Button::Overwrite => "Overwrite",
            Button::UseAnother => "Use another iKey",
            Button::Yes => "Yes",
            Button::No => "No",
            Button::Admin => "Admin",
            Button::Duplicate => "Duplicate this iKey",
            Button::Exit => "Exit",
            Button::Digit(d) => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"][usize::from(*d % 10)],
        }
    }

    /// The button with this text, any case.
    pub fn from_label(label: &str) -> Option<Button> {
        let label = label.trim();
        if let [d @ b'0'..=b'9'] = label.as_bytes() {
            return Some(Button::Digit(d - b'0'));
        }
        NAMED.into_iter().find(|b| b.label().eq_ignore_ascii_case(label))
    }
}

impl fmt::Display for Button {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

// Saved as the visible text, so saved ceremonies and the page's `window.lunaScreen` read naturally.
impl Serialize for Button {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for Button {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Button, D::Error> {
        let s = String::deserialize(d)?;
        Button::from_label(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown touchscreen button '{s}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_label_reads_back_as_its_button() {
        for b in NAMED.into_iter().chain(KEYPAD) {
            assert_eq!(Button::from_label(b.label()), Some(b));
            assert_eq!(Button::from_label(&b.label().to_ascii_uppercase()), Some(b));
        }
        assert_eq!(Button::from_label("12"), None);
        assert_eq!(Button::from_label("Proceed"), None);
    }
}
