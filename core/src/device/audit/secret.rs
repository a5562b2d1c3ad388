//! The audit log secret leaving and entering an HSM (chapter 5, "Audit Log Secret"): exported with a 32-bit
//! checksum appended and encrypted under the Auditor's domain key (the KCV), so that only an HSM of the
//! same audit domain can import it and verify the logs it signed.
//!
//! The encryption is AES-256-GCM (the `aes-gcm` crate). The guide's checksum is kept and checked too: a
//! file from another domain fails at the tag; the checksum is what the firmware describes.

use super::record::hex;
use crate::device::CryptoRngCore;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};

/// First byte of a wrapped secret: the format version.
const VERSION: u8 = 1;
/// Bound into the encryption, so a blob made for something else never unwraps as a log secret.
const AAD: &[u8] = b"Luna audit log secret";
/// Bytes of a wrapped secret: version, nonce, secret and checksum, tag.
const WRAPPED_LEN: usize = 1 + 12 + 32 + 4 + 16;

/// Why a wrapped secret could not be imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnwrapError {
    /// Not a wrapped log secret at all (wrong length, encoding or version).
    Malformed,
    /// Made under another audit domain (or altered): it does not decrypt, or its checksum fails.
    OtherDomain,
}

/// The guide's 32-bit checksum of a secret.
fn checksum(secret: &[u8; 32]) -> [u8; 4] {
    let h = Sha256::digest(secret);
    [h[0], h[1], h[2], h[3]]
}

/// The secret wrapped under `kcv`, as the text of a `.lws` file (base64).
pub fn wrap(secret: &[u8; 32], kcv: &[u8; 32], rng: &mut dyn CryptoRngCore) -> String {
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    let mut plain = secret.to_vec();
    plain.extend_from_slice(&checksum(secret));
    let cipher = Aes256Gcm::new_from_slice(kcv).expect("a KCV is 32 bytes");
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plain, aad: AAD })
        .expect("AES-GCM encrypts any short message");
    let mut out = vec![VERSION];
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(out) + "\n"
}

/// The secret a `.lws` file holds, if it was wrapped under `kcv`.
pub fn unwrap(text: &str, kcv: &[u8; 32]) -> Result<[u8; 32], UnwrapError> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| UnwrapError::Malformed)?;
    if bytes.len() != WRAPPED_LEN || bytes[0] != VERSION {
        return Err(UnwrapError::Malformed);
    }
    let cipher = Aes256Gcm::new_from_slice(kcv).expect("a KCV is 32 bytes");
    let plain = cipher
        .decrypt(Nonce::from_slice(&bytes[1..13]), Payload { msg: &bytes[13..], aad: AAD })
        .map_err(|_| UnwrapError::OtherDomain)?;
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&plain[..32]);
    if plain[32..] != checksum(&secret) {
        return Err(UnwrapError::OtherDomain);
    }
    Ok(secret)
}

/// The Auditor's domain key from a domain string (`role setdomain` on a password HSM): the same string
/// gives the same key on every HSM.
pub fn kcv_from_domain(domain: &str) -> [u8; 32] {
    crate::crypto::hmac_sha256(b"Luna audit domain", &[domain.as_bytes()])
}

/// The Auditor's domain key from the white iKey's secret (multifactor HSMs): the same keyset gives the
/// same key on every HSM.
pub fn kcv_from_ikey(secret: &[u8]) -> [u8; 32] {
    crate::crypto::hmac_sha256(b"Luna audit domain iKey", &[secret])
}

/// A short identification of a domain key, safe to show (`audit status`).
pub fn kcv_id(kcv: &[u8; 32]) -> String {
    hex(&Sha256::digest(kcv)[..4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_wrapped_secret_unwraps_only_in_its_domain() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let secret = [9u8; 32];
        let ours = kcv_from_domain("audit-domain");
        let text = wrap(&secret, &ours, &mut rng);
        assert_eq!(unwrap(&text, &kcv_from_domain("audit-domain")), Ok(secret));
        assert_eq!(unwrap(&text, &kcv_from_domain("other-domain")), Err(UnwrapError::OtherDomain));
        assert_eq!(unwrap("not base64 at all", &ours), Err(UnwrapError::Malformed));
        assert_eq!(unwrap("AAAA", &ours), Err(UnwrapError::Malformed));
        // One flipped bit of the ciphertext is caught like a foreign domain.
        let mut bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap();
        bytes[20] ^= 1;
        let altered = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(unwrap(&altered, &ours), Err(UnwrapError::OtherDomain));
        assert_ne!(kcv_from_ikey(b"x"), kcv_from_domain("x"));
    }
}
