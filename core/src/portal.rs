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
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

/// The vendor's signing key: a fixed test key (see the module's note).
const VENDOR_SECRET: [u8; 32] = [
    0x01, 0x31, 0x1e, 0x16, 0x99, 0x48, 0xb9, 0x56, 0xd5, 0xea, 0x24, 0x67, 0xc0, 0x9f, 0x98, 0xfc, 0x34, 0x24, 0x62,
    0xbc, 0xbe, 0xb1, 0xd6, 0x0a, 0x00, 0xe7, 0xe4, 0xa7, 0x9f, 0x33, 0xd5, 0xcf,
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
}

/// The releases, oldest first.
pub const RELEASES: &[Release] = &[
    Release { version: Version::new(7, 7, 2), summary: "the firmware new units ship with" },
    Release {
        version: Version::new(7, 8, 4),
        summary: "has HSM policy 56, user-defined ECC curves (firmware 7.7.3 or newer)",
    },
    Release { version: Version::new(7, 9, 1), summary: "the newest release here" },
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
        let header = signed_header(MODEL, self.version, &format!("{}-sim", self.version), &image);
        let signature: Signature = vendor_key().sign(header.as_bytes());
        assemble(&header, &signature.to_bytes(), &image)
    }

    /// The authentication code file (`.txt`): the code alone, on one line.
    pub fn authcode_file(&self) -> String {
        format!("{}\n", authcode(&Sha256::digest(self.image()).into()))
    }
}

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
    use crate::device::firmware::{UpdateFile, VENDOR_KEY};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

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
