//! HMAC-SHA256 (CKM_SHA256_HMAC), on which every secret check of the model rests: credential verifiers, the STM
//! verification string and the PIN pad of an iKey. One place, tested against Wycheproof's vectors.

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m
}

/// HMAC-SHA256 of the concatenation of `parts` under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    mac(key, parts).finalize().into_bytes().into()
}

/// True when `tag` is the HMAC-SHA256 of `parts` under `key`, or its leading bytes (a truncated tag);
/// compared in constant time. An empty tag proves nothing and is refused.
pub fn hmac_sha256_verify(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    !tag.is_empty() && mac(key, parts).verify_truncated_left(tag).is_ok()
}
