//! Demo scripts, for documentation pages that show a procedure happening: plain text, one LunaCM or
//! `sim` line per line, `# text` a caption shown while the lines after it run, `## title` a marker (a
//! chapter the reader can jump to). Blank lines are ignored. A line that is typed (the answer to a
//! password prompt, too) is exactly as written, leading spaces aside.

/// One step of a demo script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A line to type into the terminal.
    Line(String),
    /// A caption for the lines that follow.
    Caption(String),
    /// The start of a chapter.
    Marker(String),
}

/// The steps of `script`.
pub fn parse(script: &str) -> Vec<Step> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if let Some(title) = l.strip_prefix("##") {
                Step::Marker(title.trim().to_string())
            } else if let Some(text) = l.strip_prefix('#') {
                Step::Caption(text.trim().to_string())
            } else {
                Step::Line(l.to_string())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_captions_and_markers() {
        let steps = parse("## Recover\n# Read the e-mail first.\n\n  sim email  \nproceed\n##\n");
        assert_eq!(
            steps,
            vec![
                Step::Marker("Recover".into()),
                Step::Caption("Read the e-mail first.".into()),
                Step::Line("sim email".into()),
                Step::Line("proceed".into()),
                Step::Marker(String::new()),
            ]
        );
    }

    #[test]
    fn every_shipped_demo_runs_without_an_error() {
        for (name, script) in [
            ("stm-recovery", include_str!("../../web/static/demos/stm-recovery.txt")),
            ("ikey-init-2-of-3", include_str!("../../web/static/demos/ikey-init-2-of-3.txt")),
        ] {
            let now = 1_764_000_000_000;
            let mut world = crate::World::new(1, now);
            world.start_session(now);
            let mut transcript = String::new();
            for step in parse(script) {
                if let Step::Line(line) = step {
                    let reply = world.enter(&line, 1_764_000_000_000);
                    transcript.push_str(&format!("{}\n{}", reply.echo, reply.text));
                }
            }
            assert!(!transcript.contains("Error:") && !transcript.contains("Unknown"), "{name}:\n{transcript}");
            assert!(transcript.trim_end().ends_with("lunacm:>"), "{name} ends at the prompt:\n{transcript}");
        }
    }
}
