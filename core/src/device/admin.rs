//! The touchscreen's Admin tab: identify the secret on an inserted iKey, duplicate it onto another.

use super::screen::Screen;
use crate::ikey::{IKey, KeyContent};
use serde::{Deserialize, Serialize};

/// The button that opens the Admin tab on the idle screen.
pub const ADMIN_TAB: &str = "Admin";
const DUPLICATE: &str = "Duplicate this iKey";
const EXIT: &str = "Exit";

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
    pub fn tap(self, label: &str, port: &mut Option<IKey>) -> Option<Admin> {
        if label == EXIT {
            return None;
        }
        Some(match (self, label) {
            (Admin::Menu, DUPLICATE) => match port.as_ref().and_then(|k| k.content.clone()) {
                Some(source) => Admin::DupTarget { source, note: None },
                None => Admin::Menu,
            },
            (Admin::DupTarget { source, .. }, "Enter") => Self::offer(source, port),
            (Admin::DupOverwrite { source, target }, "Overwrite") => {
                if port.as_ref().map(|k| k.id) == Some(target) {
                    Self::copy(source, port)
                } else {
                    Admin::DupTarget { source, note: Some("The iKey was removed. Insert it again.".into()) }
                }
            }
            (Admin::DupOverwrite { source, .. }, "Use another iKey") => Admin::DupTarget { source, note: None },
            (Admin::DupDone { source }, "Yes") => Admin::DupTarget { source, note: None },
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
                    buttons.push(DUPLICATE);
                }
            }
            Admin::DupTarget { note: n, .. } => {
                note = n.clone();
                prompt.push("Remove the iKey, insert a blank or rewritable iKey and press Enter.".into());
                buttons.push("Enter");
            }
            Admin::DupOverwrite { .. } => {
                prompt.push("This iKey holds a secret. Overwrite it?".into());
                buttons.extend(["Overwrite", "Use another iKey"]);
            }
            Admin::DupDone { .. } => {
                prompt.push("Duplicate written. Make another duplicate?".into());
                buttons.push("Yes");
            }
        }
        buttons.push(EXIT);
        Screen {
            title: "Luna USB HSM 7".into(),
            operation: Some(ADMIN_TAB.into()),
            note,
            prompt,
            buttons: buttons.into_iter().map(String::from).collect(),
            ..Screen::default()
        }
    }
}
