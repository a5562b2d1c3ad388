//! Command history of the terminal, walked with ArrowUp and ArrowDown like a shell's.

/// Commands kept, as a shell's history size: the oldest go first, so that a class-long session holds a
/// bounded list.
const HISTORY_MAX: usize = 1000;

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
            if self.entries.len() > HISTORY_MAX {
                self.entries.remove(0);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_commands_go_past_the_history_size() {
        let mut h = History::default();
        for i in 0..HISTORY_MAX + 5 {
            h.push(&format!("slot set -slot {i}"));
        }
        assert_eq!(h.entries.len(), HISTORY_MAX);
        assert_eq!(h.entries[0], "slot set -slot 5");
        // Walking back stops at the oldest kept.
        let mut oldest = None;
        while let Some(line) = h.older("") {
            oldest = Some(line);
        }
        assert_eq!(oldest.as_deref(), Some("slot set -slot 5"));
        // Blank lines and repeats are still not kept.
        h.push("  ");
        h.push(&format!("slot set -slot {}", HISTORY_MAX + 4));
        assert_eq!(h.entries.len(), HISTORY_MAX);
    }
}
