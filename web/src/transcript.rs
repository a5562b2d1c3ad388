//! What LunaCM printed since it started, kept as the pieces it was printed in: the page draws one text
//! node per piece, so that new output is added to the page (and read out by screen readers, the
//! terminal being a live log) without redrawing, or re-announcing, what was there before.

use std::collections::VecDeque;
use std::sync::Arc;

/// Transcript length kept in the page; the oldest output is dropped first, as a terminal's scrollback
/// would.
const SCROLLBACK_CHARS: usize = 200_000;

/// LunaCM's output so far, oldest first, ending with its current prompt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Each piece of output and its number, which stays the same as long as the piece is shown.
    pieces: VecDeque<(u64, Arc<str>)>,
    /// The number the next piece gets.
    next: u64,
    /// Total length in bytes.
    len: usize,
}

impl Transcript {
    /// Starts again from `text` (a new LunaCM session). The pieces keep counting up, so that the page
    /// drops the old pieces instead of keeping one that has the number of a new one.
    pub fn restart(&mut self, text: String) {
        self.pieces.clear();
        self.len = 0;
        self.push(text);
    }

    /// Adds output at the end, dropping the oldest pieces past the scrollback limit (never the last).
    pub fn push(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        self.len += text.len();
        self.pieces.push_back((self.next, text.into()));
        self.next += 1;
        while self.len > SCROLLBACK_CHARS && self.pieces.len() > 1 {
            if let Some((_, old)) = self.pieces.pop_front() {
                self.len -= old.len();
            }
        }
    }

    /// The pieces and their numbers, oldest first, for drawing (cheap: the text is shared).
    pub fn pieces(&self) -> Vec<(u64, Arc<str>)> {
        self.pieces.iter().cloned().collect()
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.pieces.iter().map(|(_, p)| &**p).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_keep_their_numbers_and_old_ones_go_first() {
        let mut t = Transcript::default();
        t.restart("banner\nlunacm:>".into());
        t.push(String::new());
        t.push("slot list\n...".into());
        assert_eq!(t.text(), "banner\nlunacm:>slot list\n...");
        assert_eq!(t.pieces().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [0, 1]);
        let mut r = t.clone();
        r.restart("new banner\nlunacm:>".into());
        assert_eq!(r.text(), "new banner\nlunacm:>");
        assert_eq!(r.pieces().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2]);
        let big = "x".repeat(SCROLLBACK_CHARS);
        t.push(big.clone());
        assert_eq!(t.pieces().len(), 1, "older pieces dropped");
        assert_eq!(t.pieces()[0].0, 2);
        t.push(big);
        assert_eq!(t.pieces().len(), 1, "the newest piece stays even when it alone is too long");
    }
}
