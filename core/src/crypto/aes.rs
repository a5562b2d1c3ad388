//! AES: GCM authenticated encryption (CKM_AES_GCM) with 128- and 256-bit keys, and key wrapping with
//! padding (CKM_AES_KWP, RFC 5649).

use super::Error;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};

/// GCM IV length: 96 bits, the only length the mechanism offers.
pub const GCM_IV_LEN: usize = 12;
/// GCM tag length: 128 bits, appended to the ciphertext.
pub const GCM_TAG_LEN: usize = 16;

/// AES-GCM encryption: the ciphertext with the 16-byte tag appended.
pub fn aes_gcm_encrypt(key: &[u8], iv: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    if iv.len() != GCM_IV_LEN {
        return Err(Error::ParamInvalid);
    }
    let payload = Payload { msg: plaintext, aad };
    let nonce = Nonce::from_slice(iv);
    match key.len() {
        16 => Aes128Gcm::new_from_slice(key).map_err(|_| Error::KeySize)?.encrypt(nonce, payload),
        32 => Aes256Gcm::new_from_slice(key).map_err(|_| Error::KeySize)?.encrypt(nonce, payload),
        _ => return Err(Error::KeySize),
    }
    .map_err(|_| Error::DataLen)
}

/// AES-GCM decryption of a ciphertext with its 16-byte tag appended; a wrong tag is
/// [`Error::EncryptedDataInvalid`].
pub fn aes_gcm_decrypt(key: &[u8], iv: &[u8], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    if iv.len() != GCM_IV_LEN {
        return Err(Error::ParamInvalid);
    }
    if ciphertext.len() < GCM_TAG_LEN {
        return Err(Error::EncryptedDataInvalid);
    }
    let payload = Payload { msg: ciphertext, aad };
    let nonce = Nonce::from_slice(iv);
    match key.len() {
        16 => Aes128Gcm::new_from_slice(key).map_err(|_| Error::KeySize)?.decrypt(nonce, payload),
        32 => Aes256Gcm::new_from_slice(key).map_err(|_| Error::KeySize)?.decrypt(nonce, payload),
        _ => return Err(Error::KeySize),
    }
    .map_err(|_| Error::EncryptedDataInvalid)
}

/// AES key wrap with padding (RFC 5649) of `key_value` under the wrapping key `kek` (16 or 32 bytes).
pub fn aes_kwp_wrap(kek: &[u8], key_value: &[u8]) -> Result<Vec<u8>, Error> {
    if key_value.is_empty() {
        return Err(Error::DataLen);
    }
    match kek.len() {
        16 => aes_kw::KekAes128::try_from(kek).map_err(|_| Error::KeySize)?.wrap_with_padding_vec(key_value),
        32 => aes_kw::KekAes256::try_from(kek).map_err(|_| Error::KeySize)?.wrap_with_padding_vec(key_value),
        _ => return Err(Error::KeySize),
    }
    .map_err(|_| Error::DataLen)
}

/// Unwraps an RFC 5649 wrapped key; a failed integrity check is [`Error::WrappedKeyInvalid`].
pub fn aes_kwp_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, Error> {
    if wrapped.len() < 16 || wrapped.len() & 7 != 0 {
        return Err(Error::WrappedKeyInvalid);
    }
    match kek.len() {
        16 => aes_kw::KekAes128::try_from(kek).map_err(|_| Error::KeySize)?.unwrap_with_padding_vec(wrapped),
        32 => aes_kw::KekAes256::try_from(kek).map_err(|_| Error::KeySize)?.unwrap_with_padding_vec(wrapped),
        _ => return Err(Error::KeySize),
    }
    .map_err(|_| Error::WrappedKeyInvalid)
}
