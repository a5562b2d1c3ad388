//! The embed player's recording of its session, for the "asciicast" button: an asciicast v2 file
//! (a header line, then one `[seconds, kind, data]` event per line). A docs page can leave a demo
//! running for hours, so the recording keeps the newest [`LIMIT`] characters of events, dropping the
//! oldest whole events first, and says that it did (on the button, and in the file's title).

use std::collections::VecDeque;

/// Characters of event data the recording keeps: five times the terminal's scrollback.
pub const LIMIT: usize = 1_000_000;

/// The events of a session, the newest kept.
#[derive(Debug, Default)]
pub struct Cast {
    /// Seconds since the session started, kind (`o` output, `m` marker), data.
    events: VecDeque<(f64, &'static str, String)>,
    /// Characters of data in `events`.
    chars: usize,
    /// Events dropped since the session started.
    dropped: usize,
}

impl Cast {
    /// Records an event, dropping the oldest ones past [`LIMIT`] (never the one just recorded).
    pub fn record(&mut self, at: f64, kind: &'static str, data: String) {
        self.chars += data.chars().count();
        self.events.push_back((at, kind, data));
        while self.chars > LIMIT && self.events.len() > 1 {
            if let Some((_, _, old)) = self.events.pop_front() {
                self.chars -= old.chars().count();
                self.dropped += 1;
            }
        }
    }

    /// Whether older events were dropped.
    pub fn dropped(&self) -> bool {
        self.dropped > 0
    }

    /// The asciicast v2 file: `timestamp` the session's start (Unix seconds), `title` the chapter
    /// shown; output with terminal line ends.
    pub fn to_asciicast(&self, timestamp: u64, title: &str) -> String {
        let title = if self.dropped() {
            format!("{title} (the newest {LIMIT} characters: {} earlier events dropped)", self.dropped)
        } else {
            title.to_string()
        };
        let header = serde_json::json!({ "version": 2, "width": 100, "height": 30, "timestamp": timestamp, "title": title });
        let mut out = format!("{header}\n");
        for (t, kind, data) in &self.events {
            let data = if *kind == "o" { data.replace('\n', "\r\n") } else { data.clone() };
            out.push_str(&serde_json::json!([(t * 1000.0).round() / 1000.0, kind, data]).to_string());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_session_is_recorded_whole() {
        let mut cast = Cast::default();
        cast.record(0.0, "o", "banner\nlunacm:>".into());
        cast.record(1.5, "m", "Chapter".into());
        let file = cast.to_asciicast(1_700_000_000, "Demo");
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("\"title\":\"Demo\"") && lines[0].contains("\"version\":2"), "{}", lines[0]);
        assert_eq!(lines[1], r#"[0.0,"o","banner\r\nlunacm:>"]"#);
        assert_eq!(lines[2], r#"[1.5,"m","Chapter"]"#);
        assert!(!cast.dropped());
    }

    #[test]
    fn a_long_session_keeps_the_newest_characters_and_says_so() {
        let mut cast = Cast::default();
        let chunk = "x".repeat(1000);
        for i in 0..1500 {
            cast.record(f64::from(i), "o", format!("{i:04}{chunk}"));
        }
        assert!(cast.chars <= LIMIT, "{}", cast.chars);
        assert!(cast.chars > LIMIT - 1004, "only what must go is dropped: {}", cast.chars);
        assert!(cast.dropped());
        let file = cast.to_asciicast(0, "Demo");
        assert!(file.lines().last().unwrap().contains("1499x"), "the newest event is kept");
        assert!(!file.contains("\"0000x"), "the oldest is gone");
        assert!(file.lines().next().unwrap().contains("earlier events dropped"));
    }

    #[test]
    fn one_event_over_the_limit_is_kept() {
        let mut cast = Cast::default();
        cast.record(0.0, "o", "a".into());
        cast.record(1.0, "o", "y".repeat(LIMIT + 10));
        assert_eq!(cast.events.len(), 1);
        assert!(cast.dropped());
    }
}
