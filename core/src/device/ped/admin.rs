//! The touchscreen's Admin tab: identify the secret on an inserted iKey, duplicate it onto another.

use super::button::Button;
use super::screen::Screen;
use crate::ikey::{IKey, KeyContent};
use serde::{Deserialize, Serialize};

/// Where the Admin tab stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Admin {
    /// Identifies the inserted key; offers to duplicate it.
    #[default]
    Menu,
    /// Waiting for a blank or rewritable key to receive a copy of `source`.
    DupTarget { source: KeyContent, note: Option<String> },
    /// Asking before overwriting the key `target`.
    DupOverwrite { source: KeyContent, target: u32 },
    /// A copy was written.
    DupDone { source: KeyContent },
}

impl Admin {
    /// Handles a tap; returns the next state, or `None` when the tab is closed.
    pub fn tap(self, button: Button, port: &mut Option<IKey>) -> Option<Admin> {
        if button == Button::Exit {
            return None;
        }
        Some(match (self, button) {
            (Admin::Menu, Button::Duplicate) => match port.as_ref().and_then(|k| k.content.clone()) {
                Some(source) => Admin::DupTarget { source, note: None },
                None => Admin::Menu,
            },
            (Admin::DupTarget { source, .. }, Button::Enter) => Self::offer(source, port),
            (Admin::DupOverwrite { source, target }, Button::Overwrite) => {
                if port.as_ref().map(|k| k.id) == Some(target) {
                    Self::copy(source, port)
                } else {
                    Admin::DupTarget { source, note: Some("The iKey was removed. Insert it again.".into()) }
                }
            }
            (Admin::DupOverwrite { source, .. }, Button::UseAnother) => Admin::DupTarget { source, note: None },
            (Admin::DupDone { source }, Button::Yes) => Admin::DupTarget { source, note: None },
            (state, _) => state,
        })
    }

    /// A key went into or out of the port: a note about the key that was there no longer applies.
    pub fn key_moved(&mut self) {
        if let Admin::DupTarget { note, .. } = self {
            *note = None;
        }
    }

    /// A key was offered as the copy's target.
    fn offer(source: KeyContent, port: &mut Option<IKey>) -> Admin {
        match port.as_ref() {
            None => Admin::DupTarget { source, note: Some("Insert a blank or rewritable iKey first.".into()) },
            Some(k) => match &k.content {
                Some(c) if c == &source => Admin::DupTarget {
                    source,
                    note: Some("This iKey already holds this secret. Remove it and insert another.".into()),
                },
                Some(_) => Admin::DupOverwrite { source, target: k.id },
                None => Self::copy(source, port),
            },
        }
    }

    fn copy(source: KeyContent, port: &mut Option<IKey>) -> Admin {
        if let Some(k) = port.as_mut() {
            k.content = Some(source.clone());
        }
        Admin::DupDone { source }
    }

    /// The Admin tab's screen for the key now in the port.
    pub fn screen(&self, port: Option<&IKey>) -> Screen {
        let mut prompt = Vec::new();
        let mut note = None;
        let mut buttons = Vec::new();
        match self {
            Admin::Menu => {
                prompt.push(match port {
                    None => "No iKey inserted. Insert an iKey to identify it.".to_string(),
                    Some(IKey { content: None, .. }) => "This iKey is blank.".to_string(),
                    Some(IKey { content: Some(c), .. }) => {
                        format!("This iKey holds: {} secret ({}).", c.kind.name(), c.kind.color())
                    }
                });
                if port.is_some_and(|k| k.content.is_some()) {
                    buttons.push(Button::Duplicate);
                }
            }
            Admin::DupTarget { note: n, .. } => {
                note = n.clone();
                prompt.push("Remove the iKey, insert a blank or rewritable iKey and press Enter.".into());
                buttons.push(Button::Enter);
            }
            Admin::DupOverwrite { .. } => {
                prompt.push("This iKey holds a secret. Overwrite it?".into());
                buttons.extend([Button::Overwrite, Button::UseAnother]);
            }
            Admin::DupDone { .. } => {
                prompt.push("Duplicate written. Make another duplicate?".into());
                buttons.push(Button::Yes);
            }
        }
        buttons.push(Button::Exit);
        Screen {
            title: "Luna USB HSM 7".into(),
            operation: Some(Button::Admin.label().into()),
            note,
            prompt,
            buttons,
            ..Screen::default()
        }
    }
}
