//! What LunaCM printed since it started, kept as blocks of whole lines and the line still open (the
//! prompt the input follows). The page draws one block element per block, each kept as it is once drawn,
//! so that new output is added without redrawing (or a screen reader re-announcing) what was there, and
//! so that the browser lays out only the new block instead of the whole scrollback: one flow of text
//! hundreds of thousands of characters long cost every line a long task.

use std::collections::VecDeque;
use std::sync::Arc;

/// Transcript length kept in the page; the oldest output is dropped first, as a terminal's scrollback
/// would (and the terminal says so above what is left).
pub const SCROLLBACK_CHARS: usize = 200_000;

/// LunaCM's output so far, oldest first, ending with its current prompt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Whole lines (each block ends with a newline), each with its number, which stays the same as long
    /// as the block is shown.
    blocks: VecDeque<(u64, Arc<str>)>,
    /// The text after the last newline: the line still being written (usually a prompt).
    tail: String,
    /// The number the next block gets.
    next: u64,
    /// Total length in bytes, tail included.
    len: usize,
    /// Whether output of this session was dropped past the scrollback limit.
    dropped: bool,
}

impl Transcript {
    /// Starts again from `text` (a new LunaCM session). The blocks keep counting up, so that the page
    /// drops the old blocks instead of keeping one that has the number of a new one.
    pub fn restart(&mut self, text: String) {
        self.blocks.clear();
        self.tail.clear();
        self.len = 0;
        self.dropped = false;
        self.push(text);
    }

    /// Adds output at the end, dropping the oldest blocks past the scrollback limit (never the open line).
    pub fn push(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        self.len += text.len();
        self.tail.push_str(&text);
        if let Some(end) = self.tail.rfind('\n') {
            let open = self.tail.split_off(end + 1);
            let lines = std::mem::replace(&mut self.tail, open);
            self.blocks.push_back((self.next, lines.into()));
            self.next += 1;
        }
        while self.len > SCROLLBACK_CHARS && !self.blocks.is_empty() {
            if let Some((_, old)) = self.blocks.pop_front() {
                self.len -= old.len();
                self.dropped = true;
            }
        }
    }

    /// The blocks of whole lines and their numbers, oldest first, for drawing (cheap: the text is shared).
    pub fn blocks(&self) -> Vec<(u64, Arc<str>)> {
        self.blocks.iter().cloned().collect()
    }

    /// Whether this session's oldest output was dropped past the scrollback limit.
    pub fn dropped(&self) -> bool {
        self.dropped
    }

    /// The line still open after the last newline: the prompt the input follows.
    pub fn tail(&self) -> String {
        self.tail.clone()
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.blocks.iter().map(|(_, b)| &**b).chain(std::iter::once(self.tail.as_str())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_lines_become_blocks_that_keep_their_numbers_and_old_ones_go_first() {
        let mut t = Transcript::default();
        t.restart("banner\nlunacm:>".into());
        t.push(String::new());
        assert_eq!((t.blocks().len(), t.tail()), (1, "lunacm:>".to_string()));
        t.push("slot list\n...\nlunacm:>".into());
        assert_eq!(t.text(), "banner\nlunacm:>slot list\n...\nlunacm:>");
        // The prompt and the line typed after it are one line of one block.
        let blocks = t.blocks();
        assert_eq!(blocks.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(&*blocks[1].1, "lunacm:>slot list\n...\n");
        // Output with no newline stays in the open line.
        t.push("proceed".into());
        assert_eq!((t.blocks().len(), t.tail()), (2, "lunacm:>proceed".to_string()));
        let mut r = t.clone();
        r.restart("new banner\nlunacm:>".into());
        assert_eq!(r.text(), "new banner\nlunacm:>");
        assert!(!t.dropped());
        assert_eq!(r.blocks().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2]);
        let big = format!("{}\n", "x".repeat(SCROLLBACK_CHARS));
        t.push(big.clone());
        assert_eq!(t.blocks().len(), 0, "every block past the limit dropped, the newest too when it alone is too long");
        assert!(t.dropped());
        assert_eq!(t.tail(), "");
        t.push(format!("{big}lunacm:>"));
        assert_eq!((t.blocks().len(), t.tail()), (0, "lunacm:>".to_string()), "the open line always stays");
        t.restart("banner\nlunacm:>".into());
        assert!(!t.dropped(), "a new session starts whole");
    }
}
