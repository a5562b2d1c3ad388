//! RSA: key pair generation (CKM_RSA_PKCS_KEY_PAIR_GEN), PKCS#1 v1.5 and PSS signatures with SHA-256
//! (CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS) and OAEP encryption with SHA-256 (CKM_RSA_PKCS_OAEP).

use super::{Error, KeyPair};
use crate::device::CryptoRngCore;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// Modulus sizes the simulator generates, in bits.
pub const RSA_MODULUS_BITS: [usize; 3] = [2048, 3072, 4096];
/// Largest public exponent accepted: 2^32 - 1 (the usual exponents are 3 and 65537).
pub const RSA_EXPONENT_MAX: u64 = u32::MAX as u64;

/// Generates an RSA key pair of `bits` (2048, 3072 or 4096) with the odd public exponent `exponent`.
pub fn rsa_generate(rng: &mut dyn CryptoRngCore, bits: usize, exponent: u64) -> Result<KeyPair, Error> {
    // Odd exponents only: an even one has no inverse modulo (p-1)(q-1).
    if !RSA_MODULUS_BITS.contains(&bits) || !(3..=RSA_EXPONENT_MAX).contains(&exponent) || exponent & 1 == 0 {
        return Err(Error::KeySize);
    }
    let key =
        RsaPrivateKey::new_with_exp(&mut &mut *rng, bits, &BigUint::from(exponent)).map_err(|_| Error::KeySize)?;
    let private_der = key.to_pkcs8_der().map_err(|_| Error::KeyInvalid)?.as_bytes().to_vec();
    let public_der = key.to_public_key().to_public_key_der().map_err(|_| Error::KeyInvalid)?.into_vec();
    Ok(KeyPair { private_der, public_der })
}

/// The modulus length in bits, the modulus and the public exponent (big-endian) of a public key: the
/// CKA_MODULUS_BITS, CKA_MODULUS and CKA_PUBLIC_EXPONENT attributes.
pub fn rsa_public_parts(public_der: &[u8]) -> Result<(usize, Vec<u8>, Vec<u8>), Error> {
    let key = public(public_der)?;
    Ok((key.n().bits(), key.n().to_bytes_be(), key.e().to_bytes_be()))
}

/// The modulus length in bits and the public exponent of a private key (PKCS#8 DER); an exponent beyond
/// [`RSA_EXPONENT_MAX`] is [`Error::KeySize`].
pub fn rsa_private_parts(private_der: &[u8]) -> Result<(usize, u64), Error> {
    let key = private(private_der)?;
    let e = key.e().to_bytes_be();
    let e = if e.len() <= 8 { e.iter().fold(0u64, |v, b| v << 8 | u64::from(*b)) } else { u64::MAX };
    if e > RSA_EXPONENT_MAX {
        return Err(Error::KeySize);
    }
    Ok((key.n().bits(), e))
}

fn private(der: &[u8]) -> Result<RsaPrivateKey, Error> {
    RsaPrivateKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)
}

fn public(der: &[u8]) -> Result<RsaPublicKey, Error> {
    RsaPublicKey::from_public_key_der(der).map_err(|_| Error::KeyInvalid)
}

/// PKCS#1 v1.5 signature of `msg` with SHA-256.
pub fn rsa_sign_pkcs1(private_der: &[u8], msg: &[u8]) -> Result<Vec<u8>, Error> {
    let key = rsa::pkcs1v15::SigningKey::<Sha256>::new(private(private_der)?);
    key.try_sign(msg).map(|s| s.to_vec()).map_err(|_| Error::DataLen)
}

/// Verifies a PKCS#1 v1.5 SHA-256 signature.
pub fn rsa_verify_pkcs1(public_der: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Error> {
    let key = public(public_der)?;
    if sig.len() != key.size() {
        return Err(Error::SignatureLen);
    }
    let sig = rsa::pkcs1v15::Signature::try_from(sig).map_err(|_| Error::SignatureInvalid)?;
    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(msg, &sig).map_err(|_| Error::SignatureInvalid)
}

/// PSS signature of `msg` with SHA-256, MGF1-SHA-256 and a 32-byte random salt.
pub fn rsa_sign_pss(rng: &mut dyn CryptoRngCore, private_der: &[u8], msg: &[u8]) -> Result<Vec<u8>, Error> {
    let key = rsa::pss::SigningKey::<Sha256>::new(private(private_der)?);
    key.try_sign_with_rng(&mut &mut *rng, msg).map(|s| s.to_vec()).map_err(|_| Error::DataLen)
}

/// Verifies a PSS signature with SHA-256, MGF1-SHA-256 and a 32-byte salt.
pub fn rsa_verify_pss(public_der: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Error> {
    let key = public(public_der)?;
    if sig.len() != key.size() {
        return Err(Error::SignatureLen);
    }
    let sig = rsa::pss::Signature::try_from(sig).map_err(|_| Error::SignatureInvalid)?;
    rsa::pss::VerifyingKey::<Sha256>::new(key).verify(msg, &sig).map_err(|_| Error::SignatureInvalid)
}

/// OAEP encryption with SHA-256 and MGF1-SHA-256, with an optional label.
pub fn rsa_encrypt_oaep(
    rng: &mut dyn CryptoRngCore,
    public_der: &[u8],
    msg: &[u8],
    label: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let key = public(public_der)?;
    key.encrypt(&mut &mut *rng, oaep(label), msg).map_err(|_| Error::DataLen)
}

/// OAEP decryption with SHA-256 and MGF1-SHA-256, with an optional label.
pub fn rsa_decrypt_oaep(private_der: &[u8], ciphertext: &[u8], label: Option<&str>) -> Result<Vec<u8>, Error> {
    let key = private(private_der)?;
    if ciphertext.len() != key.size() {
        return Err(Error::DataLen);
    }
    key.decrypt(oaep(label), ciphertext).map_err(|_| Error::EncryptedDataInvalid)
}

fn oaep(label: Option<&str>) -> Oaep {
    match label {
        Some(l) => Oaep::new_with_label::<Sha256, _>(l),
        None => Oaep::new::<Sha256>(),
    }
}
