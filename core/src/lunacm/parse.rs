//! Splitting a LunaCM line into words and matching options. Never panics, whatever the input.

use std::collections::BTreeMap;

/// Splits a line into words. Double quotes group words with spaces; a quote inside a word starts a
/// quoted section (`-label "my HSM"` and `-label="my HSM"`-style glue are both one word's worth).
pub fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err("A quoted argument is missing its closing double quote.".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// One option a command accepts.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    /// Full name without the dash, as the syntax help shows it.
    pub name: &'static str,
    /// Documented short name without the dash.
    pub short: &'static str,
    /// Placeholder of the value it takes, or `None` for a flag.
    pub value: Option<&'static str>,
    /// One line for the syntax help.
    pub help: &'static str,
}

/// The options given on one command line, by full name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    values: BTreeMap<&'static str, Option<String>>,
}

impl Args {
    /// Matches `words` against `specs`: each word is `-name` or `-short` (any case), then a value when the
    /// option takes one. Anything else is an error with a precise message.
    pub fn parse(words: &[String], specs: &[OptSpec]) -> Result<Args, String> {
        let mut args = Args::default();
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            let Some(name) = word.strip_prefix('-') else {
                return Err(format!("Unexpected argument '{word}'; options start with '-'."));
            };
            let lower = name.to_ascii_lowercase();
            let Some(spec) = specs.iter().find(|s| s.name == lower || s.short == lower) else {
                return Err(format!("'{word}' is not an option of this command."));
            };
            if args.values.contains_key(spec.name) {
                return Err(format!("Option -{} is given twice.", spec.name));
            }
            let value = match spec.value {
                None => None,
                Some(placeholder) => {
                    i += 1;
                    match words.get(i) {
                        Some(v) => Some(v.clone()),
                        None => {
                            return Err(format!("Option -{} needs a value: -{} <{placeholder}>.", spec.name, spec.name))
                        }
                    }
                }
            };
            args.values.insert(spec.name, value);
            i += 1;
        }
        Ok(args)
    }

    /// Reads a command's parameters given as bare keywords (`audit config evmask all`), as the `audit`
    /// commands take them; a leading `-` is accepted too.
    pub fn parse_keywords(words: &[String], specs: &[OptSpec]) -> Result<Args, String> {
        let mut dashed = Vec::with_capacity(words.len());
        let mut value_next = false;
        for w in words {
            if value_next {
                // A keyword's value stays as typed.
                dashed.push(w.clone());
                value_next = false;
                continue;
            }
            let name = w.trim_start_matches('-').to_ascii_lowercase();
            value_next = specs.iter().any(|s| (s.name == name || s.short == name) && s.value.is_some());
            dashed.push(format!("-{}", w.trim_start_matches('-')));
        }
        Args::parse(&dashed, specs)
            .map_err(|e| e.replace("'-", "'").replace("Option -", "Parameter ").replace(": -", ": "))
    }

    /// True when the flag or option was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The value of an option, when given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SPECS: &[OptSpec] = &[
        OptSpec { name: "label", short: "l", value: Some("label"), help: "" },
        OptSpec { name: "force", short: "f", value: None, help: "" },
    ];

    fn words(s: &str) -> Vec<String> {
        tokenize(s).unwrap()
    }

    #[test]
    fn quotes_group_words() {
        assert_eq!(words(r#"hsm init -label "my HSM" -ipwd"#), ["hsm", "init", "-label", "my HSM", "-ipwd"]);
        assert_eq!(words("  slot   list "), ["slot", "list"]);
        assert_eq!(words(r#"-label """#), ["-label", ""]);
        assert!(tokenize(r#"-label "open"#).is_err());
    }

    #[test]
    fn options_match_full_and_short_names_in_any_case() {
        let a = Args::parse(&words("-LABEL x -F"), SPECS).unwrap();
        assert_eq!(a.value("label"), Some("x"));
        assert!(a.has("force"));
        let a = Args::parse(&words("-l y"), SPECS).unwrap();
        assert_eq!(a.value("label"), Some("y"));
    }

    #[test]
    fn bad_options_are_refused_precisely() {
        assert!(Args::parse(&words("-lab x"), SPECS).unwrap_err().contains("not an option"));
        assert!(Args::parse(&words("-label"), SPECS).unwrap_err().contains("needs a value"));
        assert!(Args::parse(&words("-f -force"), SPECS).unwrap_err().contains("twice"));
        assert!(Args::parse(&words("stray"), SPECS).unwrap_err().contains("Unexpected"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn never_panics(line in ".{0,200}") {
            if let Ok(w) = tokenize(&line) {
                let _ = Args::parse(&w, SPECS);
            }
        }
    }
}
