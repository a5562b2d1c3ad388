//! The firmware update file (`.fuf`) and its authentication code: the format the simulated vendor writes
//! and the checks the firmware makes before it installs one.
//!
//! The host keeps text files, so the update file is text:
//!
//! ```text
//! Luna Firmware Update File
//! Target: Luna G7
//! Version: 7.8.4
//! Build: 7.8.4-22
//! Image-SHA256: <base64 of the SHA-256 of the image>
//! Signature: <base64 of the vendor's ECDSA P-256 signature: r, then s, 32 bytes each>
//!
//! <the image, base64, 64 characters a line>
//! ```
//!
//! The signature covers the header (every line before the blank one but its own, each ending in a line
//! feed), so it vouches for the target, the version and the image's digest, and the digest vouches for the
//! image: no character of the file can change unnoticed. Lines may end in CRLF (a file that went through
//! another system's editor). The authentication code is derived from the image's digest, so the code
//! of one release does not open another.

use super::Version;
use crate::retcode::{self, LunaRet};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// The first line of every update file.
pub const MAGIC: &str = "Luna Firmware Update File";

/// The vendor's public key (SEC1, uncompressed): the firmware installs only what its private half signed.
/// The private half is the simulated support portal's ([`crate::portal`]).
pub const VENDOR_KEY: [u8; 65] = [
    0x04, 0xdc, 0xeb, 0x8f, 0xae, 0x31, 0xfb, 0xbd, 0x4e, 0x03, 0x70, 0xe2, 0x47, 0x98, 0xeb, 0x89, 0xb0, 0xfb, 0x8f,
    0x21, 0xbf, 0x7a, 0xf3, 0x36, 0xad, 0x5b, 0x2d, 0xd6, 0x18, 0x7a, 0x4f, 0x9e, 0xf3, 0xbb, 0x83, 0x20, 0x9a, 0x1c,
    0x4d, 0xe4, 0x52, 0xf6, 0xaf, 0xd3, 0x3e, 0x41, 0x25, 0x44, 0xee, 0xf2, 0xa3, 0x34, 0x57, 0x50, 0x1d, 0x2e, 0x51,
    0xfd, 0xd6, 0x1a, 0x56, 0x74, 0xe9, 0xed, 0xf0,
];

/// Characters of the image a line of the file holds.
const IMAGE_LINE: usize = 64;

/// Why an update file is refused, before any question of versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FufError {
    /// The file does not begin as an update file does (another kind of file, or an empty one).
    NotAnUpdateFile,
    /// The header lacks a field, repeats one, has one it should not, or a value that cannot be read.
    BadHeader,
    /// The header has no signature, or one that is not 64 bytes of base64.
    Unsigned,
    /// The signature is not the vendor's over this header.
    BadSignature,
    /// The image is not the one whose digest the vendor signed.
    ImageDamaged,
}

impl FufError {
    /// The firmware's return code: `LUNA_RET_INVALID_FUF_HEADER` for a file that cannot be read,
    /// `LUNA_RET_SIGNATURE_LEN_RANGE` for a missing signature, `LUNA_RET_SIGNATURE_INVALID` for one
    /// that does not verify (altered header or image).
    pub fn code(self) -> LunaRet {
        match self {
            FufError::NotAnUpdateFile | FufError::BadHeader => retcode::INVALID_FUF_HEADER,
            FufError::Unsigned => retcode::SIGNATURE_LEN_RANGE,
            FufError::BadSignature | FufError::ImageDamaged => retcode::SIGNATURE_INVALID,
        }
    }
}

/// An update file, read but not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateFile {
    /// The product it is for (the crypto module's model, `Luna G7`).
    pub target: String,
    /// The firmware version it installs.
    pub version: Version,
    /// The vendor's build name.
    pub build: String,
    /// SHA-256 of the image, as the header gives it.
    pub digest: [u8; 32],
    /// The header lines the signature covers.
    signed: String,
    /// `r` then `s`.
    signature: [u8; 64],
    /// The image's base64, its lines joined.
    image: String,
}

impl UpdateFile {
    /// Reads an update file. Nothing is verified yet: see [`UpdateFile::verify`].
    pub fn parse(text: &str) -> Result<UpdateFile, FufError> {
        let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        if lines.next() != Some(MAGIC) {
            return Err(FufError::NotAnUpdateFile);
        }
        let mut signed = format!("{MAGIC}\n");
        let (mut target, mut version, mut build, mut digest, mut signature) = (None, None, None, None, None);
        let mut ended = false;
        for line in lines.by_ref() {
            if line.is_empty() {
                ended = true;
                break;
            }
            let (name, value) = line.split_once(": ").ok_or(FufError::BadHeader)?;
            let slot = match name {
                "Target" => &mut target,
                "Version" => &mut version,
                "Build" => &mut build,
                "Image-SHA256" => &mut digest,
                "Signature" => &mut signature,
                _ => return Err(FufError::BadHeader),
            };
            if slot.replace(value).is_some() {
                return Err(FufError::BadHeader);
            }
            if name != "Signature" {
                signed.push_str(line);
                signed.push('\n');
            }
        }
        if !ended {
            return Err(FufError::BadHeader);
        }
        let (Some(target), Some(version), Some(build), Some(digest)) = (target, version, build, digest) else {
            return Err(FufError::BadHeader);
        };
        let version = Version::parse(version).ok_or(FufError::BadHeader)?;
        let digest: [u8; 32] =
            STANDARD.decode(digest).ok().and_then(|d| d.try_into().ok()).ok_or(FufError::BadHeader)?;
        if target.is_empty() || build.is_empty() {
            return Err(FufError::BadHeader);
        }
        let signature: [u8; 64] = signature
            .and_then(|s| STANDARD.decode(s).ok())
            .and_then(|s| s.try_into().ok())
            .ok_or(FufError::Unsigned)?;
        Ok(UpdateFile {
            target: target.to_string(),
            version,
            build: build.to_string(),
            digest,
            signed,
            signature,
            image: lines.collect(),
        })
    }

    /// Checks the vendor's signature over the header with `key` (SEC1), then the image against the
    /// signed digest.
    pub fn verify(&self, key: &[u8]) -> Result<(), FufError> {
        if !signature_valid(key, self.signed.as_bytes(), &self.signature) {
            return Err(FufError::BadSignature);
        }
        let image = STANDARD.decode(&self.image).map_err(|_| FufError::ImageDamaged)?;
        if Sha256::digest(&image)[..] != self.digest {
            return Err(FufError::ImageDamaged);
        }
        Ok(())
    }

    /// Whether `text` (an authentication code file) holds this image's authentication code.
    pub fn authcode_matches(&self, text: &str) -> bool {
        let given = text.trim().as_bytes();
        let expected = authcode(&self.digest);
        // Compared in full whatever the first difference, as a secret should be.
        given.len() == expected.len() && given.iter().zip(expected.as_bytes()).fold(0, |d, (a, b)| d | (a ^ b)) == 0
    }
}

/// Whether `signature` (`r` then `s`) is a valid ECDSA P-256 / SHA-256 signature of `message` under the
/// public key `key` (SEC1).
pub fn signature_valid(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(signature)) = (VerifyingKey::from_sec1_bytes(key), Signature::from_slice(signature)) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// The authentication code of the image whose SHA-256 is `digest`: four groups of four hexadecimal
/// digits, as the code file holds it.
pub fn authcode(digest: &[u8; 32]) -> String {
    let h = Sha256::new().chain_update(b"Luna firmware authentication code\0").chain_update(digest).finalize();
    let hex: Vec<String> = h[..8].chunks(2).map(|c| format!("{:02X}{:02X}", c[0], c[1])).collect();
    hex.join("-")
}

/// The header lines a signature covers, for `image` of firmware `version`.
pub fn signed_header(target: &str, version: Version, build: &str, image: &[u8]) -> String {
    let digest = STANDARD.encode(Sha256::digest(image));
    format!("{MAGIC}\nTarget: {target}\nVersion: {version}\nBuild: {build}\nImage-SHA256: {digest}\n")
}

/// The whole update file: the signed header, the signature, a blank line and the image.
pub fn assemble(signed_header: &str, signature: &[u8], image: &[u8]) -> String {
    let mut text = format!("{signed_header}Signature: {}\n\n", STANDARD.encode(signature));
    let image = STANDARD.encode(image);
    for line in image.as_bytes().chunks(IMAGE_LINE) {
        // Base64 is ASCII: every chunk is text.
        text.push_str(&String::from_utf8_lossy(line));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::SigningKey;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A key that is not the vendor's.
    fn other_key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    fn public(key: &SigningKey) -> Vec<u8> {
        key.verifying_key().to_encoded_point(false).as_bytes().to_vec()
    }

    /// An update file for `version` signed with `key`, and its image.
    fn file(key: &SigningKey, version: &str) -> (String, Vec<u8>) {
        let image: Vec<u8> = (0..96u32).map(|i| (i * 7 % 251) as u8).collect();
        let header = signed_header("Luna G7", Version::parse(version).unwrap(), "b-1", &image);
        let signature: Signature = key.sign(header.as_bytes());
        (assemble(&header, &signature.to_bytes(), &image), image)
    }

    #[test]
    fn a_signature_made_elsewhere_verifies_under_the_vendor_key() {
        // Made with Python's `cryptography` (randomized ECDSA, independent of this code) with the
        // simulator's published vendor test key, over these bytes.
        let message = b"Luna Firmware Update File\nTarget: Luna G7\n";
        let hex = "bc56366e17a2cd408e11ecc044a9f9b27bb64a773293d342ceab31cd0d86ac70\
                   20ffd058471f401c7eb6ce12ae4f4363cdb7a90e2141bf88c181dafc46821160";
        let signature: Vec<u8> = (0..64).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        assert!(signature_valid(&VENDOR_KEY, message, &signature));
        assert!(!signature_valid(&VENDOR_KEY, b"Luna Firmware Update File\nTarget: Luna K7\n", &signature));
        let mut flipped = signature.clone();
        flipped[40] ^= 1;
        assert!(!signature_valid(&VENDOR_KEY, message, &flipped));
        assert!(!signature_valid(&VENDOR_KEY, message, &signature[..63]));
        assert!(!signature_valid(&VENDOR_KEY[..64], message, &signature));
    }

    #[test]
    fn a_file_verifies_under_its_signers_key_only() {
        let key = other_key();
        let (text, image) = file(&key, "7.8.4");
        let f = UpdateFile::parse(&text).unwrap();
        assert_eq!((f.target.as_str(), f.version, f.build.as_str()), ("Luna G7", Version::new(7, 8, 4), "b-1"));
        assert_eq!(f.digest[..], Sha256::digest(&image)[..]);
        assert_eq!(f.verify(&public(&key)), Ok(()));
        assert_eq!(f.verify(&VENDOR_KEY), Err(FufError::BadSignature));
        // The same file with Windows line ends still verifies.
        let crlf = UpdateFile::parse(&text.replace('\n', "\r\n")).unwrap();
        assert_eq!(crlf.verify(&public(&key)), Ok(()));
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let key = other_key();
        let pk = public(&key);
        let (text, _) = file(&key, "7.8.4");
        let bytes = text.as_bytes();
        let mut outcomes = std::collections::BTreeMap::new();
        for at in 0..bytes.len() {
            for replacement in [b'A', b'7', b'\n', b' '] {
                if bytes[at] == replacement {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[at] = replacement;
                let changed = String::from_utf8(changed).unwrap();
                let outcome = UpdateFile::parse(&changed).and_then(|f| f.verify(&pk));
                assert!(outcome.is_err(), "byte {at} changed to {:?} was accepted", replacement as char);
                *outcomes.entry(format!("{:?}", outcome.unwrap_err())).or_insert(0) += 1;
            }
        }
        // Each kind of damage shows up somewhere in the file.
        for kind in ["NotAnUpdateFile", "BadHeader", "Unsigned", "BadSignature", "ImageDamaged"] {
            assert!(outcomes.contains_key(kind), "{kind}: {outcomes:?}");
        }
    }

    #[test]
    fn broken_and_unsigned_files_are_told_apart() {
        let key = other_key();
        let (text, _) = file(&key, "7.9.1");
        assert_eq!(UpdateFile::parse("").unwrap_err(), FufError::NotAnUpdateFile);
        assert_eq!(UpdateFile::parse("8F3A-19C2-77D0-4B1E\n").unwrap_err(), FufError::NotAnUpdateFile);
        let unsigned: String =
            text.lines().filter(|l| !l.starts_with("Signature:")).map(|l| format!("{l}\n")).collect();
        assert_eq!(UpdateFile::parse(&unsigned).unwrap_err(), FufError::Unsigned);
        let empty_signature =
            text.lines().map(|l| if l.starts_with("Signature:") { "Signature: " } else { l }).collect::<Vec<_>>();
        assert_eq!(UpdateFile::parse(&empty_signature.join("\n")).unwrap_err(), FufError::Unsigned);
        // A header that never ends is no header; one without the image reads, but does not verify.
        let header_only = text.lines().take(6).collect::<Vec<_>>().join("\n");
        assert_eq!(UpdateFile::parse(&header_only).unwrap_err(), FufError::BadHeader);
        let no_image = UpdateFile::parse(&format!("{header_only}\n")).unwrap();
        assert_eq!(no_image.verify(&public(&key)), Err(FufError::ImageDamaged));
        let extra = text.replacen("Build:", "Comment: x\nBuild:", 1);
        assert_eq!(UpdateFile::parse(&extra).unwrap_err(), FufError::BadHeader);
        let twice = text.replacen("Build: b-1\n", "Build: b-1\nBuild: b-1\n", 1);
        assert_eq!(UpdateFile::parse(&twice).unwrap_err(), FufError::BadHeader);
        for e in [FufError::NotAnUpdateFile, FufError::BadHeader] {
            assert_eq!(e.code(), retcode::INVALID_FUF_HEADER);
        }
        assert_eq!(FufError::Unsigned.code(), retcode::SIGNATURE_LEN_RANGE);
        assert_eq!(FufError::ImageDamaged.code(), retcode::SIGNATURE_INVALID);
    }

    #[test]
    fn an_authentication_code_opens_its_own_image_only() {
        let key = other_key();
        let a = UpdateFile::parse(&file(&key, "7.8.4").0).unwrap();
        let image: Vec<u8> = vec![1, 2, 3];
        let header = signed_header("Luna G7", Version::new(7, 9, 1), "b-2", &image);
        let signature: Signature = key.sign(header.as_bytes());
        let b = UpdateFile::parse(&assemble(&header, &signature.to_bytes(), &image)).unwrap();
        let code = authcode(&a.digest);
        assert_eq!(code.len(), 19);
        assert!(code.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()), "{code}");
        assert!(a.authcode_matches(&code));
        assert!(a.authcode_matches(&format!("  {code}\r\n")));
        assert!(!b.authcode_matches(&code));
        assert!(!a.authcode_matches(""));
        assert!(!a.authcode_matches(&code.to_lowercase()));
        assert!(!a.authcode_matches(&code[..18]));
    }
}
