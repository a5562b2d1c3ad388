//! How the HSM verifies a presented secret without keeping it.

use crate::crypto::{hmac_sha256, hmac_sha256_verify};
use serde::{Deserialize, Serialize};

use crate::device::CryptoRngCore;

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
}
