//! HSM roles (chapter 7) and how the HSM verifies a presented credential without keeping it.

use crate::crypto::{hmac_sha256, hmac_sha256_verify};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::request::CryptoRngCore;

/// Roles of the Luna USB HSM 7's administrative partition and of its application partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// HSM Security Officer (`so`).
    So,
    /// Auditor (`au`).
    Auditor,
}

impl Role {
    /// Parses a LunaCM role name: the short name or the full name, any case.
    pub fn parse(name: &str) -> Option<Role> {
        match name.trim().to_ascii_lowercase().as_str() {
            "so" | "security officer" | "hsm so" | "hsm security officer" => Some(Role::So),
            "au" | "auditor" | "audit" => Some(Role::Auditor),
            _ => None,
        }
    }

    /// The name LunaCM and the touchscreen use.
    pub fn display_name(&self) -> &'static str {
        match self {
            Role::So => "HSM SO",
            Role::Auditor => "Auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What the HSM keeps to check a secret: a salt and HMAC-SHA256(salt, secret). The secret itself is not
/// kept, as on the real unit ("the HSM does not hold the authentication secrets").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifier {
    salt: [u8; 16],
    mac: [u8; 32],
}

impl Verifier {
    /// Makes a verifier for `secret` with a fresh random salt.
    pub fn new(secret: &[u8], rng: &mut dyn CryptoRngCore) -> Verifier {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        Verifier { salt, mac: hmac_sha256(&salt, &[secret]) }
    }

    /// True when `secret` is the one this verifier was made from (constant-time comparison).
    pub fn verify(&self, secret: &[u8]) -> bool {
        hmac_sha256_verify(&self.salt, &[secret], &self.mac)
    }

    /// Bytes that identify the verifier, for state digests.
    pub fn fingerprint(&self) -> &[u8] {
        &self.mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn verifier_accepts_only_its_secret() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let v = Verifier::new(b"correct horse", &mut rng);
        assert!(v.verify(b"correct horse"));
        assert!(!v.verify(b"correct horsf"));
        assert!(!v.verify(b""));
    }

    #[test]
    fn role_names_parse_in_any_case() {
        assert_eq!(Role::parse("SO"), Some(Role::So));
        assert_eq!(Role::parse("Auditor"), Some(Role::Auditor));
        assert_eq!(Role::parse("co"), None);
    }
}
