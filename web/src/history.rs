//! Command history of the terminal, walked with ArrowUp and ArrowDown like a shell's.

/// Lines entered at the `lunacm:>` prompt (never answers to prompts, so never passwords), and where the
/// user currently is in them.
#[derive(Debug, Default)]
pub struct History {
    entries: Vec<String>,
    /// Index into `entries` while browsing; `None` while editing a new line.
    cursor: Option<usize>,
    /// The line being edited when browsing started, given back when browsing past the newest entry.
    draft: String,
}

impl History {
    /// Remembers an entered command (blank lines and immediate repeats are not kept) and stops browsing.
    pub fn push(&mut self, line: &str) {
        self.cursor = None;
        let line = line.trim();
        if !line.is_empty() && self.entries.last().map(String::as_str) != Some(line) {
            self.entries.push(line.to_string());
        }
    }

    /// ArrowUp: the previous command, or `None` when there is nothing older.
    pub fn older(&mut self, current: &str) -> Option<String> {
        let at = match self.cursor {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.cursor = Some(at);
        Some(self.entries[at].clone())
    }

    /// ArrowDown: the next command, then the line that was being edited, then `None`.
    pub fn newer(&mut self) -> Option<String> {
        let at = self.cursor?;
        if at + 1 < self.entries.len() {
            self.cursor = Some(at + 1);
            Some(self.entries[at + 1].clone())
        } else {
            self.cursor = None;
            Some(std::mem::take(&mut self.draft))
        }
    }
}
