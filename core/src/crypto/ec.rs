//! Elliptic curves on P-256: key pair generation (CKM_EC_KEY_PAIR_GEN), ECDSA with SHA-256
//! (CKM_ECDSA_SHA256) and ECDH key derivation (CKM_ECDH1_DERIVE).

use super::{Error, KeyPair};
use crate::device::CryptoRngCore;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use p256::{PublicKey, SecretKey};

/// How an ECDSA signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcSignatureFormat {
    /// `r || s`, 32 bytes each: what PKCS#11's CKM_ECDSA returns (IEEE P1363).
    Raw,
    /// The ASN.1 `SEQUENCE { r, s }` of X.509 and most tools.
    Der,
}

/// Generates a P-256 key pair.
pub fn ec_generate(rng: &mut dyn CryptoRngCore) -> Result<KeyPair, Error> {
    let secret = SecretKey::random(&mut &mut *rng);
    let private_der = secret.to_pkcs8_der().map_err(|_| Error::KeyInvalid)?.as_bytes().to_vec();
    let public_der = secret.public_key().to_public_key_der().map_err(|_| Error::KeyInvalid)?.into_vec();
    Ok(KeyPair { private_der, public_der })
}

/// The uncompressed SEC1 point of a public key: the CKA_EC_POINT attribute, and what a peer gives ECDH.
pub fn ec_public_point(public_der: &[u8]) -> Result<Vec<u8>, Error> {
    let key = PublicKey::from_public_key_der(public_der).map_err(|_| Error::KeyInvalid)?;
    Ok(key.to_encoded_point(false).as_bytes().to_vec())
}

fn signing_key(private_der: &[u8]) -> Result<SigningKey, Error> {
    SigningKey::from_pkcs8_der(private_der).map_err(|_| Error::KeyInvalid)
}

/// ECDSA signature of `msg` with SHA-256 (deterministic, RFC 6979), in `format`.
pub fn ecdsa_sign(private_der: &[u8], msg: &[u8], format: EcSignatureFormat) -> Result<Vec<u8>, Error> {
    let key = signing_key(private_der)?;
    let sig: Signature = key.try_sign(msg).map_err(|_| Error::DataLen)?;
    Ok(match format {
        EcSignatureFormat::Raw => sig.to_bytes().to_vec(),
        EcSignatureFormat::Der => sig.to_der().as_bytes().to_vec(),
    })
}

/// Verifies an ECDSA SHA-256 signature given in `format`. The public key is SubjectPublicKeyInfo DER.
/// High-`s` signatures are valid ECDSA and are accepted.
pub fn ecdsa_verify(public_der: &[u8], msg: &[u8], sig: &[u8], format: EcSignatureFormat) -> Result<(), Error> {
    let key = VerifyingKey::from_public_key_der(public_der).map_err(|_| Error::KeyInvalid)?;
    let sig = match format {
        EcSignatureFormat::Raw if sig.len() != 64 => return Err(Error::SignatureLen),
        EcSignatureFormat::Raw => Signature::from_slice(sig).map_err(|_| Error::SignatureInvalid)?,
        EcSignatureFormat::Der => {
            let der = DerSignature::try_from(sig).map_err(|_| Error::SignatureInvalid)?;
            Signature::try_from(der).map_err(|_| Error::SignatureInvalid)?
        }
    };
    key.verify(msg, &sig).map_err(|_| Error::SignatureInvalid)
}

/// ECDH: the shared secret (the x coordinate) of our private key and the peer's public point, given as
/// an uncompressed or compressed SEC1 point or as SubjectPublicKeyInfo DER.
pub fn ecdh_derive(private_der: &[u8], peer: &[u8]) -> Result<Vec<u8>, Error> {
    let secret = SecretKey::from_pkcs8_der(private_der).map_err(|_| Error::KeyInvalid)?;
    let peer = PublicKey::from_sec1_bytes(peer)
        .or_else(|_| PublicKey::from_public_key_der(peer))
        .map_err(|_| Error::ParamInvalid)?;
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
    Ok(shared.raw_secret_bytes().to_vec())
}
