//! Self-signed X.509 certificates and PKCS#10 certificate requests, signed inside the HSM by an RSA
//! (PKCS#1 v1.5, SHA-256), P-256 (ECDSA, SHA-256) or P-384 (ECDSA, SHA-384) private key, returned as PEM.

use super::{Curve, Error};
use der::asn1::UtcTime;
use der::{Encode, EncodePem};
use p256::pkcs8::DecodePrivateKey;
use sha2::Sha256;
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SubjectPublicKeyInfoOwned};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, Profile, RequestBuilder};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// The private key that signs, as PKCS#8 DER.
#[derive(Clone, Copy, Debug)]
pub enum CertKey<'a> {
    /// An RSA private key: sha256WithRSAEncryption.
    Rsa(&'a [u8]),
    /// An EC private key: ecdsa-with-SHA256 on P-256, ecdsa-with-SHA384 on P-384.
    Ec(&'a [u8]),
}

fn name(subject: &str) -> Result<Name, Error> {
    Name::from_str(subject).map_err(|_| Error::ParamInvalid)
}

fn time(unix_secs: u64) -> Result<Time, Error> {
    UtcTime::from_unix_duration(Duration::from_secs(unix_secs)).map(Time::UtcTime).map_err(|_| Error::ParamInvalid)
}

/// A self-signed certificate for the key pair of `key`: subject and issuer `subject` (an RFC 4514
/// string such as `CN=app,O=Example,C=CA`), serial number `serial`, valid from `not_before` to
/// `not_after` (Unix seconds, UTC times of 1950 to 2049). PEM.
pub fn self_signed_certificate(
    key: CertKey<'_>,
    subject: &str,
    serial: u64,
    not_before: u64,
    not_after: u64,
) -> Result<String, Error> {
    if not_after <= not_before {
        return Err(Error::ParamInvalid);
    }
    let validity = Validity { not_before: time(not_before)?, not_after: time(not_after)? };
    let serial = SerialNumber::from(serial);
    let subject = name(subject)?;
    match key {
        CertKey::Rsa(der) => {
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
            certificate::<_, rsa::pkcs1v15::Signature>(&signer, serial, validity, subject)
        }
        CertKey::Ec(der) => match super::ec_private_curve(der)? {
            Curve::P256 => {
                let signer = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
                certificate::<_, p256::ecdsa::DerSignature>(&signer, serial, validity, subject)
            }
            Curve::P384 => {
                let signer = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
                certificate::<_, p384::ecdsa::DerSignature>(&signer, serial, validity, subject)
            }
        },
    }
}

fn certificate<S, Sig>(signer: &S, serial: SerialNumber, validity: Validity, subject: Name) -> Result<String, Error>
where
    S: signature::Keypair + DynSignatureAlgorithmIdentifier + signature::Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: spki::SignatureBitStringEncoding,
{
    let spki = SubjectPublicKeyInfoOwned::from_key(signer.verifying_key()).map_err(|_| Error::KeyInvalid)?;
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, signer)
        .map_err(|_| Error::ParamInvalid)?;
    let cert = builder.build::<Sig>().map_err(|_| Error::KeyInvalid)?;
    cert.to_pem(der::pem::LineEnding::LF).map_err(|_| Error::KeyInvalid)
}

/// A PKCS#10 certificate request for the key pair of `key`, with subject `subject` (RFC 4514). PEM.
pub fn certificate_request(key: CertKey<'_>, subject: &str) -> Result<String, Error> {
    let subject = name(subject)?;
    match key {
        CertKey::Rsa(der) => {
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
            request::<_, rsa::pkcs1v15::Signature>(&signer, subject)
        }
        CertKey::Ec(der) => match super::ec_private_curve(der)? {
            Curve::P256 => {
                let signer = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
                request::<_, p256::ecdsa::DerSignature>(&signer, subject)
            }
            Curve::P384 => {
                let signer = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| Error::KeyInvalid)?;
                request::<_, p384::ecdsa::DerSignature>(&signer, subject)
            }
        },
    }
}

fn request<S, Sig>(signer: &S, subject: Name) -> Result<String, Error>
where
    S: signature::Keypair + DynSignatureAlgorithmIdentifier + signature::Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: spki::SignatureBitStringEncoding,
{
    let builder = RequestBuilder::new(subject, signer).map_err(|_| Error::ParamInvalid)?;
    let req = builder.build::<Sig>().map_err(|_| Error::KeyInvalid)?;
    // The request's DER must re-encode: a failure here is a bug of the builder, reported as a key error.
    req.to_der().map_err(|_| Error::KeyInvalid)?;
    req.to_pem(der::pem::LineEnding::LF).map_err(|_| Error::KeyInvalid)
}
