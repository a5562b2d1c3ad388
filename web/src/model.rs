//! What the audit panel's table and the labs panel's instructions are made of: the rows of a log file
//! with the marks of the last verification, and lab instructions as paragraphs. Everything else the page
//! shows comes from the world as [`hsm_core::view`] values.

use hsm_core::device::audit::{parse_line, RecordView, Report};
use hsm_core::view::Verified;

/// What the last verification says of one line of a log file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    /// Proven authentic: the chain holds up to and past it.
    Verified,
    /// The first record that fails: what was done to it (modified, inserted...), and why.
    Failed { tamper: String, reason: String },
    /// After the failure: nothing after a broken link can be trusted.
    Suspect,
    /// A last record that nothing follows: it could not be checked.
    Unchecked,
}

impl Mark {
    /// Its word, as the page shows it and as the row's `data-mark`.
    pub fn word(&self) -> &'static str {
        match self {
            Mark::Verified => "verified",
            Mark::Failed { .. } => "failed",
            Mark::Suspect => "suspect",
            Mark::Unchecked => "unchecked",
        }
    }
}

/// One non-blank line of a log file, as the audit table shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogRow {
    /// Its line in the file, from 1 (the numbering `audit verify` reports failures in).
    pub line: usize,
    /// The record, or why the line is not one.
    pub record: Result<RecordView, String>,
    /// What the last verification says of it, if it speaks for this line.
    pub mark: Option<Mark>,
}

/// The rows of a log file's text, marked by `verified` if it is the report for this text.
pub fn log_rows(text: &str, verified: Option<&Verified>) -> Vec<LogRow> {
    let mut records = 0;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line = i + 1;
            let record = parse_line(l).map(|p| p.view());
            let mark = verified.filter(|v| line <= v.lines).map(|v| mark(&v.report, line, records));
            records += 1;
            LogRow { line, record, mark }
        })
        .collect()
}

/// What `report` says of line `line`, the file's record number `index` (from 0, blank lines not counted).
fn mark(report: &Report, line: usize, index: usize) -> Mark {
    match &report.failure {
        Some(f) if f.line == line => Mark::Failed { tamper: f.tamper.to_string(), reason: f.reason.clone() },
        Some(f) if line > f.line => Mark::Suspect,
        _ if index < report.verified => Mark::Verified,
        // Nothing proved it: the last record, with nothing after it to check it against.
        _ => Mark::Unchecked,
    }
}

/// A piece of a paragraph of lab instructions: text, or a `code` span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
}

/// Minimal markdown: paragraphs split at blank lines, their lines joined, and `code` spans. Nothing
/// else is interpreted; the result is built into elements, never parsed as HTML.
pub fn paragraphs(markdown: &str) -> Vec<Vec<Inline>> {
    markdown
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split('`')
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(i, s)| if i % 2 == 1 { Inline::Code(s.to_string()) } else { Inline::Text(s.to_string()) })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use hsm_core::device::audit::{Category, Failure, Record, Tamper};

    /// A file of `n` records, numbered from 1, every third one an access event, with a blank line after
    /// the second record.
    fn log(n: u64) -> String {
        let mut text = String::new();
        for seq in 1..=n {
            let mut raw = [0u8; 48];
            raw[10] = if seq % 3 == 0 { Category::Access as u8 } else { Category::LogManage as u8 };
            let text_field =
                format!("session 1 Access 2147483651:1 partition admin role 8 operation LUNA_OP_{seq} returned LUNA_RET_OK(0x00000000)");
            text.push_str(&Record { seq, time_ms: 1_764_000_000_000, text: text_field, raw, prev: [0; 32] }.line());
            if seq == 2 {
                text.push('\n');
            }
        }
        text
    }

    fn marks(rows: &[LogRow]) -> Vec<Option<&'static str>> {
        rows.iter().map(|r| r.mark.as_ref().map(Mark::word)).collect()
    }

    #[test]
    fn log_rows_keep_file_line_numbers_and_show_lines_that_are_not_records() {
        let text = log(3).replacen("LUNA_OP_1", "LUNA_OP_1,", 1);
        let rows = log_rows(&text, None);
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2, 4], "the blank line is no row");
        assert!(rows[0].record.as_ref().unwrap_err().contains("characters long"));
        let r = rows[2].record.as_ref().unwrap();
        assert_eq!((r.seq, r.what.as_str(), r.category), (3, "LUNA_OP_3", Some(Category::Access)));
        assert_eq!(marks(&rows), vec![None, None, None], "no verification");
    }

    #[test]
    fn marks_follow_the_report_verified_failed_suspect_unchecked() {
        let text = log(5);
        let verified = |report: Report, lines: usize| Verified { file: "f".into(), report, lines };
        // The chain breaks at the fourth record (line 4 of the file: line 3 is blank).
        let failure = Failure { line: 4, seq: Some(3), tamper: Tamper::Modified, reason: "changed".into() };
        let failed =
            Report { records: 5, verified: 2, range: Some((1, 2)), failure: Some(failure), ..Report::default() };
        let rows = log_rows(&text, Some(&verified(failed, 6)));
        assert_eq!(
            marks(&rows),
            vec![Some("verified"), Some("verified"), Some("failed"), Some("suspect"), Some("suspect")]
        );
        assert_eq!(rows[2].mark, Some(Mark::Failed { tamper: "modified".into(), reason: "changed".into() }));

        // Nothing follows the last record: it is unchecked. Lines past those verified carry no mark.
        let open_end =
            Report { records: 4, verified: 3, range: Some((1, 3)), last_unchecked: true, ..Report::default() };
        let rows = log_rows(&text, Some(&verified(open_end, 5)));
        assert_eq!(marks(&rows), vec![Some("verified"), Some("verified"), Some("verified"), Some("unchecked"), None]);
    }

    #[test]
    fn instructions_become_paragraphs_and_code_spans() {
        let md = "Log in\n(`role login -name so`) and run `partition create`.\n\nThen <b>look</b>.\n";
        assert_eq!(
            paragraphs(md),
            vec![
                vec![
                    Inline::Text("Log in (".into()),
                    Inline::Code("role login -name so".into()),
                    Inline::Text(") and run ".into()),
                    Inline::Code("partition create".into()),
                    Inline::Text(".".into()),
                ],
                vec![Inline::Text("Then <b>look</b>.".into())],
            ]
        );
    }
}
