//! The vendor's support portal, as far as the simulator needs it: the firmware releases a trainee can
//! download (`sim firmware list`, `sim firmware get <version>`), each an update file signed with the
//! vendor's key and its authentication code file.
//!
//! The signing key lives here and nowhere else; the device holds only its public half
//! ([`crate::device::firmware::VENDOR_KEY`]). It is a fixed test key, published with the simulator's
//! source: anyone can sign "vendor" firmware with it, which is fine for a trainer and nothing more.

use crate::device::firmware::image::{assemble, authcode, signed_header};
use crate::device::firmware::Version;
use crate::device::MODEL;
use crate::lunacm::{CLIENT_ROOT, INDENT};
use crate::World;
#[cfg(all(test, not(target_arch = "wasm32")))]
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use sha2::{Digest, Sha256};

/// The vendor's signing key: a fixed test key (see the module's note). Used only by the native tests, to
/// check the shipped signatures.
#[cfg(all(test, not(target_arch = "wasm32")))]
const VENDOR_SECRET: [u8; 32] = [
    0x01, 0x31, 0x1e, 0x16, 0x99, 0x48, 0xb9, 0x56, 0xd5, 0xea, 0x24, 0x67, 0xc0, 0x9f, 0x98, 0xfc, 0x34, 0x24, 0x62,
    0xbc, 0xbe, 0xb1, 0xd6, 0x0a, 0x00, 0xe7, 0xe4, 0xa7, 0x9f, 0x33, 0xd5, 0xcf,
];

const SIG_772: [u8; 64] = [
    95, 176, 40, 180, 137, 249, 249, 203, 180, 217, 125, 153, 45, 17, 245, 63, 105, 222, 249, 210, 194, 234, 123, 49,
    10, 138, 209, 93, 23, 131, 149, 70, 57, 20, 86, 206, 226, 103, 38, 58, 56, 244, 140, 169, 40, 171, 10, 236, 206,
    25, 4, 118, 196, 28, 147, 172, 237, 15, 186, 74, 148, 85, 201, 111,
];
const SIG_784: [u8; 64] = [
    70, 181, 93, 218, 242, 198, 185, 2, 54, 188, 17, 185, 161, 191, 48, 195, 39, 78, 227, 168, 230, 15, 84, 79, 77, 98,
    209, 88, 106, 190, 186, 88, 59, 210, 85, 69, 166, 74, 246, 37, 8, 233, 192, 110, 99, 176, 5, 98, 205, 113, 198,
    253, 114, 217, 47, 70, 2, 97, 124, 106, 211, 210, 39, 219,
];
const SIG_791: [u8; 64] = [
    209, 228, 190, 24, 20, 74, 14, 85, 227, 101, 47, 244, 5, 22, 63, 81, 172, 201, 185, 55, 174, 219, 21, 5, 55, 90,
    43, 184, 201, 116, 209, 244, 48, 198, 6, 193, 149, 209, 142, 188, 139, 163, 169, 143, 200, 95, 72, 164, 109, 143,
    250, 244, 196, 250, 25, 119, 203, 16, 14, 115, 244, 201, 8, 195,
];

/// Bytes of a simulated firmware image.
const IMAGE_BYTES: usize = 1536;

/// One firmware release on the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    /// Its version.
    pub version: Version,
    /// What it means in the simulator.
    pub summary: &'static str,
    /// The vendor's ECDSA signature over the update file's header (r, then s), made once with the vendor's
    /// key: the browser's simulator ships the signed files, not the signing code (a native test signs them
    /// again and compares).
    signature: [u8; 64],
}

/// The releases, oldest first.
pub const RELEASES: &[Release] = &[
    Release { version: Version::new(7, 7, 2), summary: "the firmware new units ship with", signature: SIG_772 },
    Release {
        version: Version::new(7, 8, 4),
        summary: "has HSM policy 56, user-defined ECC curves (firmware 7.7.3 or newer)",
        signature: SIG_784,
    },
    Release { version: Version::new(7, 9, 1), summary: "the newest release here", signature: SIG_791 },
];

/// The release of `version` (`7.8.4`), if the portal has it.
pub fn find(version: &str) -> Option<Release> {
    let v = Version::parse(version.trim())?;
    RELEASES.iter().copied().find(|r| r.version == v)
}

impl Release {
    /// Where `sim firmware get` puts the update file and the authentication code file.
    pub fn paths(&self) -> (String, String) {
        let v = self.version;
        (format!("{CLIENT_ROOT}/fw-{v}.fuf"), format!("{CLIENT_ROOT}/fw-{v}.txt"))
    }

    /// The image: bytes that stand for the firmware, the same every time for a version.
    fn image(&self) -> Vec<u8> {
        let seed = format!("{MODEL} firmware {}", self.version);
        (0u32..)
            .flat_map(|i| Sha256::new().chain_update(&seed).chain_update(i.to_be_bytes()).finalize())
            .take(IMAGE_BYTES)
            .collect()
    }

    /// The update file (`.fuf`), signed with the vendor's key. ECDSA with RFC 6979 nonces: the same file
    /// every time.
    pub fn update_file(&self) -> String {
        let image = self.image();
        assemble(&self.header(&image), &self.signature, &image)
    }

    /// The update file's header for `image`, which the signature covers.
    fn header(&self, image: &[u8]) -> String {
        signed_header(MODEL, self.version, &format!("{}-sim", self.version), image)
    }

    /// The authentication code file (`.txt`): the code alone, on one line.
    pub fn authcode_file(&self) -> String {
        format!("{}\n", authcode(&Sha256::digest(self.image()).into()))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
fn vendor_key() -> SigningKey {
    SigningKey::from_slice(&VENDOR_SECRET).expect("the vendor's test key is a valid P-256 scalar")
}

/// `sim firmware ...`: the text to print, or `None` for words that name no firmware command (the caller
/// shows the usage).
pub(crate) fn sim(world: &mut World, words: &[&str]) -> Option<String> {
    let text = match words {
        ["list"] => {
            let mut s = format!("\n{INDENT}Firmware releases on the support portal (simulated):\n");
            for r in RELEASES {
                s.push_str(&format!("{INDENT}  {:<8}{}\n", r.version.to_string(), r.summary));
            }
            let firmware = world.front_hsm().firmware();
            let rollback = firmware.rollback().map_or("none".to_string(), |v| v.to_string());
            s.push_str(&format!(
                "{INDENT}The unit in front of you runs {} (rollback target: {rollback}).\n\
                 {INDENT}'sim firmware get <version>' puts a release's update and authentication code files in\n\
                 {INDENT}{CLIENT_ROOT} on the host.\n",
                firmware.running()
            ));
            s
        }
        ["get", version] => match find(version) {
            None => {
                format!("\n{INDENT}The portal has no firmware '{version}'; 'sim firmware list' lists the releases.\n")
            }
            Some(r) => {
                let (fuf, txt) = r.paths();
                let written =
                    world.put_file(&fuf, r.update_file()).and_then(|()| world.put_file(&txt, r.authcode_file()));
                match written {
                    Err(e) => format!("\n{INDENT}{e}\n"),
                    Ok(()) => {
                        let v = r.version;
                        format!(
                            "\n{INDENT}Firmware {v} from the support portal is on the host:\n\
                             {INDENT}  {fuf}   the update file, signed by the vendor\n\
                             {INDENT}  {txt}   its authentication code\n\
                             {INDENT}As the HSM SO: hsm updatefw -fuf fw-{v}.fuf -authcode fw-{v}.txt\n"
                        )
                    }
                }
            }
        },
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped signatures are the vendor key's, over the headers as built now.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_shipped_signatures_are_the_vendors() {
        for r in RELEASES {
            let signature: Signature = vendor_key().sign(r.header(&r.image()).as_bytes());
            let bytes: [u8; 64] = signature.to_bytes().into();
            assert_eq!(bytes, r.signature, "release {}", r.version);
        }
    }

    use crate::device::firmware::{UpdateFile, VENDOR_KEY};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_device_holds_the_public_half_of_the_vendor_key() {
        let public = vendor_key().verifying_key().to_encoded_point(false);
        assert_eq!(public.as_bytes(), &VENDOR_KEY[..]);
    }

    #[test]
    fn every_release_verifies_and_opens_with_its_own_code_only() {
        let files: Vec<(UpdateFile, String)> =
            RELEASES.iter().map(|r| (UpdateFile::parse(&r.update_file()).unwrap(), r.authcode_file())).collect();
        for (i, (file, code)) in files.iter().enumerate() {
            assert_eq!(file.verify(&VENDOR_KEY), Ok(()), "{}", RELEASES[i].version);
            assert_eq!((file.version, file.target.as_str()), (RELEASES[i].version, MODEL));
            for (j, (_, other)) in files.iter().enumerate() {
                assert_eq!(file.authcode_matches(other), i == j, "{} with the code of {}", i, j);
            }
            assert!(code.ends_with('\n') && code.lines().count() == 1);
        }
        // Deterministic signatures: the same file every time.
        assert_eq!(RELEASES[1].update_file(), RELEASES[1].update_file());
        assert!(RELEASES.windows(2).all(|w| w[0].version < w[1].version));
        assert!(RELEASES.iter().all(|r| r.version >= crate::device::firmware::LIMITED_CRYPTO_OFFICER_SINCE));
        assert_eq!(find(" 7.8.4 ").map(|r| r.version), Some(Version::new(7, 8, 4)));
        assert_eq!(find("7.8.5"), None);
    }
}
