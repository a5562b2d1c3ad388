//! What the touchscreen shows while a ceremony waits: its prompt, buttons and keypad for each state.

use super::{Ceremony, State};
use crate::device::ped::{Button, Screen};

impl Ceremony {
    /// What the touchscreen shows during the ceremony.
    pub fn screen(&self) -> Screen {
        let mut prompt = Vec::new();
        let mut keypad = false;
        let mut entry = String::new();
        let mut buttons: Vec<Button> = Vec::new();
        match &self.state {
            State::PresentKey(g) => {
                let color = g.kind.color();
                let m = g.set.map_or(0, |s| s.1);
                if !g.shares.is_empty() {
                    prompt.push(format!(
                        "Insert the next {} iKey ({color}) and press Enter: {} of {m} splits presented.",
                        g.kind.name(),
                        g.shares.len()
                    ));
                } else if m > 1 {
                    prompt.push(format!(
                        "Insert {} iKey ({color}) and press Enter: {m} splits are needed.",
                        g.kind.with_article()
                    ));
                } else if g.set.is_none() {
                    prompt.push(format!(
                        "Insert an iKey of the existing {} keyset ({color}) and press Enter.",
                        g.kind.name()
                    ));
                } else {
                    prompt.push(format!("Insert the {} iKey ({color}) and press Enter.", g.kind.name()));
                }
                buttons.push(Button::Enter);
            }
            State::PresentPin { entry: e, .. } => {
                prompt.push("Enter the PIN of this iKey.".into());
                keypad = true;
                entry = "*".repeat(e.len());
                buttons.push(Button::Enter);
            }
            State::ReuseAsk(kind) => {
                prompt.push(format!("{} secret ({}):", kind.name(), kind.color()));
                prompt.push("Reuse an existing keyset, or create a new one?".into());
                buttons.extend([Button::Reuse, Button::New]);
            }
            State::EnterM { entry: e, .. } => {
                prompt.push("M: splits needed to authenticate (1-16)".into());
                keypad = true;
                entry = e.clone();
                buttons.push(Button::Enter);
            }
            State::EnterN { m, entry: e, .. } => {
                prompt.push(format!("M = {m}. N: splits to create ({m}-16)"));
                keypad = true;
                entry = e.clone();
                buttons.push(Button::Enter);
            }
            State::WriteKey { new, i } => {
                prompt.push(format!(
                    "Insert a blank or rewritable iKey for {} split {i} of {} and press Enter.",
                    new.kind.name(),
                    new.n
                ));
                prompt.push(format!("Stick {} sticker on it.", new.kind.color().with_article()));
                buttons.push(Button::Enter);
            }
            State::Overwrite { .. } | State::DupOverwrite { .. } => {
                prompt.push("This iKey holds a secret. Overwrite it?".into());
                prompt.push("Keep a copy of any keyset still in use.".into());
                buttons.extend([Button::Overwrite, Button::UseAnother]);
            }
            State::PinAsk { .. } => {
                prompt.push("Set a PIN for this iKey?".into());
                buttons.extend([Button::Yes, Button::No]);
            }
            State::PinEnter { first, entry: e, .. } => {
                prompt.push(
                    if first.is_none() {
                        "Enter a PIN: 4-48 digits, not starting with 0."
                    } else {
                        "Enter the PIN again."
                    }
                    .into(),
                );
                keypad = true;
                entry = "*".repeat(e.len());
                buttons.push(Button::Enter);
            }
            State::DupAsk { .. } => {
                prompt.push("Make a duplicate of this iKey?".into());
                buttons.extend([Button::Yes, Button::No]);
            }
            State::DupKey { .. } => {
                prompt.push(
                    "Remove the iKey, insert a blank or rewritable iKey for the duplicate and press Enter.".into(),
                );
                buttons.push(Button::Enter);
            }
        }
        buttons.push(Button::Cancel);
        Screen {
            title: "Luna USB HSM 7".into(),
            operation: Some(self.title.clone()),
            note: self.note.clone(),
            prompt,
            buttons,
            keypad,
            entry,
            ..Screen::default()
        }
    }
}
