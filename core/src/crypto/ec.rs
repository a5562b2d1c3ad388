//! Elliptic curves P-256 and P-384: key pair generation (CKM_EC_KEY_PAIR_GEN), ECDSA with the curve's
//! hash (CKM_ECDSA_SHA256 on P-256, CKM_ECDSA_SHA384 on P-384) and ECDH key derivation
//! (CKM_ECDH1_DERIVE). A key's curve is read from its DER (the curve OID of PKCS#8 and
//! SubjectPublicKeyInfo), so callers hand over key material only.

use super::{Error, KeyPair};
use crate::device::CryptoRngCore;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{AssociatedOid, DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use serde::{Deserialize, Serialize};

/// How an ECDSA signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcSignatureFormat {
    /// `r || s`, each the curve's field size: what PKCS#11's CKM_ECDSA returns (IEEE P1363).
    Raw,
    /// The ASN.1 `SEQUENCE { r, s }` of X.509 and most tools.
    Der,
}

/// A named curve the simulator offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Curve {
    /// NIST P-256 (secp256r1), signing with SHA-256.
    P256,
    /// NIST P-384 (secp384r1), signing with SHA-384.
    P384,
}

impl Curve {
    /// The curve's name as `CKA_EC_PARAMS` is shown (OpenSSL's names).
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "prime256v1",
            Curve::P384 => "secp384r1",
        }
    }

    /// Bytes of a field element: half a raw signature, the length of an ECDH shared secret.
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    fn of_oid(oid: Option<spki::ObjectIdentifier>) -> Result<Curve, Error> {
        match oid {
            Some(o) if o == p256::NistP256::OID => Ok(Curve::P256),
            Some(o) if o == p384::NistP384::OID => Ok(Curve::P384),
            _ => Err(Error::KeyInvalid),
        }
    }
}

/// Runs `$body` with `$c` naming the curve's crate (`p256` or `p384`): the two crates offer the same
/// types, so one body serves both curves.
macro_rules! on_curve {
    ($curve:expr, $c:ident => $body:expr) => {
        match $curve {
            Curve::P256 => {
                use p256 as $c;
                $body
            }
            Curve::P384 => {
                use p384 as $c;
                $body
            }
        }
    };
}

/// Generates a key pair on `curve`.
pub fn ec_generate(rng: &mut dyn CryptoRngCore, curve: Curve) -> Result<KeyPair, Error> {
    on_curve!(curve, c => {
        let secret = c::SecretKey::random(&mut &mut *rng);
        let private_der = secret.to_pkcs8_der().map_err(|_| Error::KeyInvalid)?.as_bytes().to_vec();
        let public_der = secret.public_key().to_public_key_der().map_err(|_| Error::KeyInvalid)?.into_vec();
        Ok(KeyPair { private_der, public_der })
    })
}

/// The curve of an EC private key (PKCS#8 DER).
pub fn ec_private_curve(private_der: &[u8]) -> Result<Curve, Error> {
    let info = pkcs8::PrivateKeyInfo::try_from(private_der).map_err(|_| Error::KeyInvalid)?;
    Curve::of_oid(info.algorithm.parameters_oid().ok())
}

/// The curve of an EC public key (SubjectPublicKeyInfo DER).
fn ec_public_curve(public_der: &[u8]) -> Result<Curve, Error> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(public_der).map_err(|_| Error::KeyInvalid)?;
    Curve::of_oid(info.algorithm.parameters_oid().ok())
}

/// The uncompressed SEC1 point of a public key: the CKA_EC_POINT attribute, and what a peer gives ECDH.
pub fn ec_public_point(public_der: &[u8]) -> Result<Vec<u8>, Error> {
    on_curve!(ec_public_curve(public_der)?, c => {
        let key = c::PublicKey::from_public_key_der(public_der).map_err(|_| Error::KeyInvalid)?;
        Ok(key.to_encoded_point(false).as_bytes().to_vec())
    })
}

/// ECDSA signature of `msg` with the curve's hash (deterministic, RFC 6979), in `format`.
pub fn ecdsa_sign(private_der: &[u8], msg: &[u8], format: EcSignatureFormat) -> Result<Vec<u8>, Error> {
    on_curve!(ec_private_curve(private_der)?, c => {
        let key = c::ecdsa::SigningKey::from_pkcs8_der(private_der).map_err(|_| Error::KeyInvalid)?;
        let sig: c::ecdsa::Signature = key.try_sign(msg).map_err(|_| Error::DataLen)?;
        Ok(match format {
            EcSignatureFormat::Raw => sig.to_bytes().to_vec(),
            EcSignatureFormat::Der => sig.to_der().as_bytes().to_vec(),
        })
    })
}

/// Verifies an ECDSA signature given in `format`, with the hash of the key's curve. The public key is
/// SubjectPublicKeyInfo DER. High-`s` signatures are valid ECDSA and are accepted.
pub fn ecdsa_verify(public_der: &[u8], msg: &[u8], sig: &[u8], format: EcSignatureFormat) -> Result<(), Error> {
    let curve = ec_public_curve(public_der)?;
    on_curve!(curve, c => {
        let key = c::ecdsa::VerifyingKey::from_public_key_der(public_der).map_err(|_| Error::KeyInvalid)?;
        let sig = match format {
            EcSignatureFormat::Raw if sig.len() != 2 * curve.field_bytes() => return Err(Error::SignatureLen),
            EcSignatureFormat::Raw => c::ecdsa::Signature::from_slice(sig).map_err(|_| Error::SignatureInvalid)?,
            EcSignatureFormat::Der => {
                let der = c::ecdsa::DerSignature::try_from(sig).map_err(|_| Error::SignatureInvalid)?;
                c::ecdsa::Signature::try_from(der).map_err(|_| Error::SignatureInvalid)?
            }
        };
        key.verify(msg, &sig).map_err(|_| Error::SignatureInvalid)
    })
}

/// ECDH: the shared secret (the x coordinate) of our private key and the peer's public point on the
/// same curve, given as an uncompressed or compressed SEC1 point or as SubjectPublicKeyInfo DER.
pub fn ecdh_derive(private_der: &[u8], peer: &[u8]) -> Result<Vec<u8>, Error> {
    on_curve!(ec_private_curve(private_der)?, c => {
        let secret = c::SecretKey::from_pkcs8_der(private_der).map_err(|_| Error::KeyInvalid)?;
        let peer = c::PublicKey::from_sec1_bytes(peer)
            .or_else(|_| c::PublicKey::from_public_key_der(peer))
            .map_err(|_| Error::ParamInvalid)?;
        let shared = c::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        Ok(shared.raw_secret_bytes().to_vec())
    })
}
