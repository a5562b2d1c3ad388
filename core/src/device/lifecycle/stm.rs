//! Secure Transport Mode (chapter 3): the random user string and the verification string.
//!
//! When STM is entered the HSM draws a 16-character random user string and a secret nonce that never
//! leaves it. The verification string is HMAC-SHA256 keyed by that nonce over the random user string and a
//! digest of the HSM's security state. Recovery recomputes it from the string the user types and the state
//! as it is then, so the two match only if the string is right and nothing changed in between.

use crate::crypto::hmac_sha256;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::device::CryptoRngCore;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// What the HSM keeps while in Secure Transport Mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stm {
    /// Secret nonce drawn when STM was entered; never displayed.
    nonce: [u8; 32],
    /// The verification string shown when STM was entered (absent in units saved by older simulators).
    #[serde(default)]
    issued: Option<String>,
    /// Whether the last `stm recover` check reproduced `issued`: the right random user string on an
    /// unchanged state.
    #[serde(default)]
    last_check_matched: bool,
}

impl Stm {
    /// Enters STM: draws the nonce and a random user string.
    pub fn enter(rng: &mut dyn CryptoRngCore) -> (Stm, String) {
        let mut nonce = [0u8; 32];
        rng.fill_bytes(&mut nonce);
        let mut raw = [0u8; 16];
        rng.fill_bytes(&mut raw);
        let chars: String = raw.iter().map(|b| ALPHABET[(*b & 63) as usize] as char).collect();
        (Stm { nonce, issued: None, last_check_matched: false }, group(&chars))
    }

    /// Remembers the verification string shown to the user when STM was entered.
    pub fn issue(&mut self, verification_string: &str) {
        self.issued = Some(verification_string.to_string());
    }

    /// Records a recovery check: whether `verification_string`, computed from what the user typed and
    /// the state now, is the one issued on entry.
    pub fn record_check(&mut self, verification_string: &str) {
        self.last_check_matched = self.issued.as_deref() == Some(verification_string);
    }

    /// Whether the last recovery check matched the verification string issued on entry.
    pub fn last_check_matched(&self) -> bool {
        self.last_check_matched
    }

    /// The verification string for `random_user_string` and the HSM state digest `state`.
    pub fn verification_string(&self, random_user_string: &str, state: &[u8; 32]) -> String {
        // Dashes are layout only; the 16 characters are what the user copies.
        let normalized: String = random_user_string.trim().chars().filter(|c| *c != '-').collect();
        let tag = hmac_sha256(&self.nonce, &[normalized.as_bytes(), state]);
        let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&tag[..12]);
        group(&text)
    }
}

/// Formats 16 characters as `XXXX-XXXX-XXXX-XXXX`.
fn group(s: &str) -> String {
    s.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect::<Vec<_>>().join("-")
}

/// True when `s` has the shape of an STM string: four groups of four characters joined by dashes.
pub fn well_formed(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 4 && groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn strings_have_the_documented_shape() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (stm, rus) = Stm::enter(&mut rng);
        assert!(well_formed(&rus), "{rus}");
        assert!(well_formed(&stm.verification_string(&rus, &[0; 32])));
    }

    #[test]
    fn verification_changes_with_the_string_and_the_state() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (stm, rus) = Stm::enter(&mut rng);
        let v = stm.verification_string(&rus, &[1; 32]);
        assert_eq!(v, stm.verification_string(&rus, &[1; 32]));
        assert_eq!(v, stm.verification_string(&rus.replace('-', ""), &[1; 32]));
        assert_ne!(v, stm.verification_string(&rus, &[2; 32]));
        assert_ne!(v, stm.verification_string("AAAA-BBBB-CCCC-DDDD", &[1; 32]));
    }
}
