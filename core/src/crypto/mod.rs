//! The cryptographic mechanisms of the simulated HSM, over raw key material and without device state:
//! what the firmware's crypto engine does once the rules (roles, usage flags, policies) have let a request
//! through. Every mechanism is a RustCrypto implementation, tested against Wycheproof's vectors
//! (`tests/wycheproof.rs`).
//!
//! Key material travels as bytes so that a key object can be stored (and encrypted at rest) as plain
//! data: RSA and EC private keys as PKCS#8 DER, public keys as SubjectPublicKeyInfo DER, secret keys as
//! their raw value. Generation draws from the RNG it is given: a seeded world reproduces its keys.

mod aes;
pub mod bench;
mod ec;
mod hmac;
mod rsa;
mod x509;

pub use self::aes::{aes_gcm_decrypt, aes_gcm_encrypt, aes_kwp_unwrap, aes_kwp_wrap, GCM_IV_LEN, GCM_TAG_LEN};
pub use self::hmac::{hmac_sha256, hmac_sha256_verify};
pub use ec::{
    ec_generate, ec_private_curve, ec_public_point, ecdh_derive, ecdsa_sign, ecdsa_verify, Curve, EcSignatureFormat,
};
pub use rsa::{
    rsa_decrypt_oaep, rsa_encrypt_oaep, rsa_generate, rsa_private_parts, rsa_public_parts, rsa_sign_pkcs1,
    rsa_sign_pss, rsa_verify_pkcs1, rsa_verify_pss, RSA_EXPONENT_MAX, RSA_MODULUS_BITS,
};
pub use x509::{certificate_request, self_signed_certificate, CertKey};

use crate::device::CryptoRngCore;
use std::fmt;

/// Why a mechanism refused its input. The device maps each to the guide's return code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The key size (or public exponent) is not one the mechanism offers.
    KeySize,
    /// The key material does not decode as a key of the mechanism's type.
    KeyInvalid,
    /// The signature does not verify.
    SignatureInvalid,
    /// The signature has the wrong length for the key.
    SignatureLen,
    /// The ciphertext does not decrypt (bad padding, bad tag).
    EncryptedDataInvalid,
    /// The input is too long or too short for the mechanism.
    DataLen,
    /// The wrapped key does not unwrap (integrity check failed).
    WrappedKeyInvalid,
    /// A parameter of the mechanism (IV length, peer public key, subject name) is invalid.
    ParamInvalid,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::KeySize => "key size out of range",
            Error::KeyInvalid => "key material invalid",
            Error::SignatureInvalid => "signature invalid",
            Error::SignatureLen => "signature length out of range",
            Error::EncryptedDataInvalid => "encrypted data invalid",
            Error::DataLen => "data length out of range",
            Error::WrappedKeyInvalid => "wrapped key invalid",
            Error::ParamInvalid => "mechanism parameter invalid",
        })
    }
}

impl std::error::Error for Error {}

/// A key pair as the mechanisms keep it: the private key as PKCS#8 DER, the public key as
/// SubjectPublicKeyInfo DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// PKCS#8 `PrivateKeyInfo`, DER.
    pub private_der: Vec<u8>,
    /// `SubjectPublicKeyInfo`, DER.
    pub public_der: Vec<u8>,
}

/// What a private key (PKCS#8 DER) is: the attributes a key unwrapped into the HSM takes from its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateKeyKind {
    /// An RSA key.
    Rsa {
        /// Modulus length in bits.
        bits: usize,
        /// Public exponent.
        exponent: u64,
    },
    /// An EC key on a curve the simulator offers.
    Ec(Curve),
}

/// Reads what kind of private key `private_der` holds; anything else is [`Error::KeyInvalid`].
pub fn private_key_kind(private_der: &[u8]) -> Result<PrivateKeyKind, Error> {
    if let Ok((bits, exponent)) = rsa_private_parts(private_der) {
        return Ok(PrivateKeyKind::Rsa { bits, exponent });
    }
    ec_private_curve(private_der).map(PrivateKeyKind::Ec)
}

/// `len` random bytes: an AES key or a generic secret.
pub fn random_secret(rng: &mut dyn CryptoRngCore, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_seeded_rng_reproduces_keys_and_every_mechanism_round_trips() {
        let (mut a, mut b) = (ChaCha20Rng::seed_from_u64(1), ChaCha20Rng::seed_from_u64(1));
        let rsa = rsa_generate(&mut a, 2048, 65537).unwrap();
        assert_eq!(rsa, rsa_generate(&mut b, 2048, 65537).unwrap(), "same seed, same key");
        assert_eq!(rsa_generate(&mut a, 1024, 65537), Err(Error::KeySize));
        assert_eq!(rsa_generate(&mut a, 2048, 4), Err(Error::KeySize));
        let (bits, _, e) = rsa_public_parts(&rsa.public_der).unwrap();
        assert_eq!((bits, e), (2048, vec![1, 0, 1]));
        let sig = rsa_sign_pkcs1(&rsa.private_der, b"msg").unwrap();
        assert_eq!(rsa_verify_pkcs1(&rsa.public_der, b"msg", &sig), Ok(()));
        assert_eq!(rsa_verify_pkcs1(&rsa.public_der, b"msh", &sig), Err(Error::SignatureInvalid));
        let pss = rsa_sign_pss(&mut a, &rsa.private_der, b"msg").unwrap();
        assert_eq!(rsa_verify_pss(&rsa.public_der, b"msg", &pss), Ok(()));
        let ct = rsa_encrypt_oaep(&mut a, &rsa.public_der, b"secret", None).unwrap();
        assert_eq!(rsa_decrypt_oaep(&rsa.private_der, &ct, None).unwrap(), b"secret");
        assert_eq!(rsa_encrypt_oaep(&mut a, &rsa.public_der, &[0; 300], None), Err(Error::DataLen));

        let ec = ec_generate(&mut a, Curve::P256).unwrap();
        for format in [EcSignatureFormat::Raw, EcSignatureFormat::Der] {
            let sig = ecdsa_sign(&ec.private_der, b"msg", format).unwrap();
            assert_eq!(ecdsa_verify(&ec.public_der, b"msg", &sig, format), Ok(()));
        }
        let peer = ec_generate(&mut a, Curve::P256).unwrap();
        let shared = ecdh_derive(&ec.private_der, &ec_public_point(&peer.public_der).unwrap()).unwrap();
        assert_eq!(shared, ecdh_derive(&peer.private_der, &ec.public_der).unwrap());
        assert_eq!(ecdh_derive(&ec.private_der, b"not a point"), Err(Error::ParamInvalid));

        let key = random_secret(&mut a, 32);
        let sealed = aes_gcm_encrypt(&key, &[7; 12], b"aad", b"data").unwrap();
        assert_eq!(aes_gcm_decrypt(&key, &[7; 12], b"aad", &sealed).unwrap(), b"data");
        assert_eq!(aes_gcm_decrypt(&key, &[7; 12], b"aae", &sealed), Err(Error::EncryptedDataInvalid));
        assert_eq!(aes_gcm_encrypt(&key[..24], &[7; 12], b"", b""), Err(Error::KeySize));
        let wrapped = aes_kwp_wrap(&key, &rsa.private_der).unwrap();
        assert_eq!(aes_kwp_unwrap(&key, &wrapped).unwrap(), rsa.private_der);
        assert_eq!(aes_kwp_unwrap(&key, &wrapped[1..]), Err(Error::WrappedKeyInvalid));
    }

    #[test]
    fn certificates_and_requests_are_pem_signed_by_the_key() {
        use der::{DecodePem, Encode};
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let ec = ec_generate(&mut rng, Curve::P256).unwrap();
        let pem =
            self_signed_certificate(CertKey::Ec(&ec.private_der), "CN=app,O=Example", 1, 1_764_000_000, 1_795_536_000)
                .unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
        let cert = x509_cert::Certificate::from_pem(&pem).unwrap();
        let spki = cert.tbs_certificate.subject_public_key_info.to_der().unwrap();
        assert_eq!(spki, ec.public_der, "the certificate carries the key pair's public key");
        assert_eq!(cert.tbs_certificate.issuer.to_string(), "CN=app,O=Example");
        // The signature is the key's: it verifies over the to-be-signed part.
        let tbs = cert.tbs_certificate.to_der().unwrap();
        let sig = cert.signature.as_bytes().unwrap();
        assert_eq!(ecdsa_verify(&ec.public_der, &tbs, sig, EcSignatureFormat::Der), Ok(()));
        let rsa = rsa_generate(&mut rng, 2048, 65537).unwrap();
        let csr = certificate_request(CertKey::Rsa(&rsa.private_der), "CN=web").unwrap();
        let req = x509_cert::request::CertReq::from_pem(&csr).unwrap();
        let info = req.info.to_der().unwrap();
        assert_eq!(rsa_verify_pkcs1(&rsa.public_der, &info, req.signature.as_bytes().unwrap()), Ok(()));
        assert_eq!(certificate_request(CertKey::Rsa(&rsa.private_der), "no equals sign"), Err(Error::ParamInvalid));
        assert_eq!(certificate_request(CertKey::Ec(&rsa.private_der), "CN=x"), Err(Error::KeyInvalid));
    }
}
