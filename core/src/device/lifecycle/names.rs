//! Name, label and password requirements (chapter 7): what the HSM accepts for labels, domains and passwords.

use crate::retcode::{self, LunaRet};

/// Longest HSM label; longer labels are truncated, not refused.
pub const LABEL_MAX: usize = 32;
/// Password length limits, inclusive.
pub const PASSWORD_LEN: std::ops::RangeInclusive<usize> = 8..=255;
/// Domain string length limits, inclusive.
pub const DOMAIN_LEN: std::ops::RangeInclusive<usize> = 1..=128;

const LABEL_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !@#$%^&*()-_+=[]{}|\\/;:'\",.<>?`~";
const PASSWORD_CHARS: &str = "!#$%'()*+,-./0123456789:=? @ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~";
const DOMAIN_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !@#$%^*_-=+[]{}()/:',.~";

/// Why a label, password or domain was refused, with the return code the HSM gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// Human-readable reason, printed by LunaCM.
    pub message: String,
    /// The return code.
    pub code: LunaRet,
}

fn bad_char(s: &str, allowed: &str) -> Option<char> {
    s.chars().find(|c| !allowed.contains(*c))
}

/// Checks an HSM label and returns it truncated to 32 characters.
pub fn hsm_label(label: &str) -> Result<String, NameError> {
    if label.is_empty() {
        return Err(NameError {
            message: "The HSM label must be 1 to 32 characters long.".into(),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    if let Some(c) = bad_char(label, LABEL_CHARS) {
        return Err(NameError {
            message: format!("The character '{c}' is not allowed in an HSM label."),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    Ok(label.chars().take(LABEL_MAX).collect())
}

/// Characters a partition label may hold (chapter 7, "Partition Labels").
const PARTITION_LABEL_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !@#$%^&*()-_+=[]{}\\|/;:',.<>`~";

/// Checks a partition label and returns it truncated to 32 characters.
pub fn partition_label(label: &str) -> Result<String, NameError> {
    if label.is_empty() {
        return Err(NameError {
            message: "The partition label must be 1 to 32 characters long.".into(),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    if let Some(c) = bad_char(label, PARTITION_LABEL_CHARS) {
        return Err(NameError {
            message: format!("The character '{c}' is not allowed in a partition label."),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    Ok(label.chars().take(LABEL_MAX).collect())
}

/// Checks a role password or challenge secret (8-255 characters, allowed set, no leading space).
pub fn password(pw: &str) -> Result<(), NameError> {
    let len = pw.chars().count();
    if !PASSWORD_LEN.contains(&len) {
        return Err(NameError {
            message: format!("The password must be 8 to 255 characters long (it has {len})."),
            code: retcode::UM_PIN_LEN_RANGE,
        });
    }
    if pw.starts_with(' ') {
        return Err(NameError {
            message: "The password may not begin with a space.".into(),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    if let Some(c) = bad_char(pw, PASSWORD_CHARS) {
        return Err(NameError {
            message: format!("The character '{c}' is not allowed in a password."),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    Ok(())
}

/// Checks a cloning domain string (1-128 characters, allowed set, no leading space).
pub fn domain(d: &str) -> Result<(), NameError> {
    let len = d.chars().count();
    if !DOMAIN_LEN.contains(&len) {
        return Err(NameError {
            message: format!("The domain must be 1 to 128 characters long (it has {len})."),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    if d.starts_with(' ') {
        return Err(NameError {
            message: "The domain may not begin with a space.".into(),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    if let Some(c) = bad_char(d, DOMAIN_CHARS) {
        return Err(NameError {
            message: format!("The character '{c}' is not allowed in a domain."),
            code: retcode::ARGUMENTS_BAD,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn labels_are_truncated_to_32_characters() {
        let long = "A".repeat(40);
        assert_eq!(hsm_label(&long).unwrap().len(), 32);
        assert_eq!(hsm_label("my HSM").unwrap(), "my HSM");
        assert!(hsm_label("").is_err());
        assert!(hsm_label("tab\there").is_err());
    }

    #[test]
    fn partition_labels_refuse_quotes_and_question_marks() {
        assert_eq!(partition_label(&"p".repeat(40)).unwrap().len(), 32);
        assert!(partition_label("my partition").is_ok());
        assert!(partition_label("what?").is_err());
        assert!(partition_label("say \"hi\"").is_err());
        assert!(partition_label("").is_err());
    }

    #[test]
    fn passwords_follow_the_length_and_character_rules() {
        assert!(password("userpin1").is_ok());
        assert_eq!(password("short").unwrap_err().code, retcode::UM_PIN_LEN_RANGE);
        assert!(password(&"a".repeat(255)).is_ok());
        assert!(password(&"a".repeat(256)).is_err());
        assert!(password(" leading-space").is_err());
        assert!(password("has\"quote").is_err());
        assert!(password("has&amp").is_err());
        assert!(password("with space ok").is_ok());
    }

    #[test]
    fn domains_refuse_the_problem_characters() {
        assert!(domain("my-domain").is_ok());
        for c in ['"', '&', ';', '<', '>', '?', '\\', '`', '|'] {
            assert!(domain(&format!("dom{c}ain")).is_err(), "{c} should be refused");
        }
        assert!(domain("").is_err());
        assert!(domain(&"d".repeat(129)).is_err());
    }
}
