//! iKeys: the physical USB tokens that carry role, domain and RPV secrets (chapter 4).
//!
//! An iKey belongs to the world, not to the HSM: it sits in the tray or in the HSM's iKey port. It holds at
//! most one secret split, written by the HSM. A PIN, when set, is mixed into the stored split, so a wrong PIN
//! yields a wrong split: with M of N it shows only when the whole secret is reassembled, as on the real unit.

pub mod shamir;

use crate::crypto::hmac_sha256;
use crate::device::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shamir::Share;
use std::fmt;

/// Length of every authentication secret the HSM generates.
pub const SECRET_LEN: usize = 32;
/// PIN length limits, in digits.
pub const PIN_LEN: std::ops::RangeInclusive<usize> = 4..=48;

/// Sticker and body colours of the iKeys, one per kind of secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Color {
    Blue,
    Red,
    White,
    Orange,
    Black,
    Gray,
}

impl Color {
    /// All colours, in the order the sticker sheet lists them.
    pub const ALL: [Color; 6] = [Color::Blue, Color::Red, Color::White, Color::Orange, Color::Black, Color::Gray];

    /// Lower-case name, as scripts and `data-color` use it.
    pub fn name(&self) -> &'static str {
        match self {
            Color::Blue => "blue",
            Color::Red => "red",
            Color::White => "white",
            Color::Orange => "orange",
            Color::Black => "black",
            Color::Gray => "gray",
        }
    }

    /// Parses a colour name (`grey` accepted).
    pub fn parse(s: &str) -> Option<Color> {
        let s = s.to_ascii_lowercase();
        Color::ALL.into_iter().find(|c| c.name() == s).or((s == "grey").then_some(Color::Gray))
    }
}

impl Color {
    /// The colour after "a" or "an": "an orange", "a blue".
    pub fn with_article(&self) -> String {
        format!("{} {}", article(self.name()), self.name())
    }
}

/// "an" before a word spoken with a vowel sound, else "a": enough for the colours and secret names here
/// ("an HSM SO", "an Auditor", "a Crypto User").
fn article(word: &str) -> &'static str {
    if word.starts_with("HSM") || word.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O']) {
        "an"
    } else {
        "a"
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds of secret an iKey can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SecretKind {
    HsmSo,
    HsmDomain,
    Auditor,
    RemotePedVector,
    PartitionSo,
    PartitionDomain,
    CryptoOfficer,
    CryptoUser,
    LimitedCryptoOfficer,
}

impl SecretKind {
    /// The colour the guide assigns to this kind of secret.
    pub fn color(&self) -> Color {
        match self {
            SecretKind::HsmSo | SecretKind::PartitionSo => Color::Blue,
            SecretKind::HsmDomain | SecretKind::PartitionDomain => Color::Red,
            SecretKind::Auditor => Color::White,
            SecretKind::RemotePedVector => Color::Orange,
            SecretKind::CryptoOfficer | SecretKind::LimitedCryptoOfficer => Color::Black,
            SecretKind::CryptoUser => Color::Gray,
        }
    }

    /// What the touchscreen calls this secret.
    pub fn name(&self) -> &'static str {
        match self {
            SecretKind::HsmSo => "HSM SO",
            SecretKind::HsmDomain => "HSM Domain",
            SecretKind::Auditor => "Auditor",
            SecretKind::RemotePedVector => "Remote PED Vector",
            SecretKind::PartitionSo => "Partition SO",
            SecretKind::PartitionDomain => "Partition Domain",
            SecretKind::CryptoOfficer => "Crypto Officer",
            SecretKind::CryptoUser => "Crypto User",
            SecretKind::LimitedCryptoOfficer => "Limited Crypto Officer",
        }
    }

    /// The name after "a" or "an": "an HSM SO", "a Partition SO".
    pub fn with_article(&self) -> String {
        format!("{} {}", article(self.name()), self.name())
    }
}

/// Identifies one secret (a keyset): every split and duplicate of it carries the same id.
pub type KeysetId = [u8; 8];

/// The first bytes of SHA-256 of a secret: lets the HSM confirm that reassembled splits form the secret.
pub fn check_value(secret: &[u8]) -> [u8; 8] {
    let d = Sha256::digest(secret);
    let mut c = [0u8; 8];
    c.copy_from_slice(&d[..8]);
    c
}

/// What the HSM writes on an iKey: one split of one secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyContent {
    /// Kind of secret.
    pub kind: SecretKind,
    /// Which secret.
    pub keyset: KeysetId,
    /// Quorum of the keyset.
    pub m: u8,
    /// Number of splits in the keyset.
    pub n: u8,
    /// Which split this is (1..=n).
    pub split: u8,
    /// Check value of the whole secret.
    pub check: [u8; 8],
    /// The split, XORed with a pad derived from the PIN when there is one.
    stored: Vec<u8>,
    /// Salt of the PIN pad; `None` when the key has no PIN.
    pin_salt: Option<[u8; 16]>,
}

fn pin_pad(salt: &[u8; 16], pin: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut counter = 0u32;
    while out.len() < len {
        out.extend_from_slice(&hmac_sha256(salt, &[&counter.to_be_bytes(), pin.as_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}

impl KeyContent {
    /// Writes split `share` of a keyset, protected by `pin` if given.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: SecretKind,
        keyset: KeysetId,
        m: u8,
        n: u8,
        share: &Share,
        check: [u8; 8],
        pin: Option<&str>,
        rng: &mut dyn CryptoRngCore,
    ) -> KeyContent {
        let (stored, pin_salt) = match pin {
            Some(pin) => {
                let mut salt = [0u8; 16];
                rng.fill_bytes(&mut salt);
                let pad = pin_pad(&salt, pin, share.y.len());
                (share.y.iter().zip(pad).map(|(a, b)| a ^ b).collect(), Some(salt))
            }
            None => (share.y.clone(), None),
        };
        KeyContent { kind, keyset, m, n, split: share.x, check, stored, pin_salt }
    }

    /// Whether a PIN must be entered to use this key.
    pub fn has_pin(&self) -> bool {
        self.pin_salt.is_some()
    }

    /// The split as read with `pin`. A wrong PIN gives a wrong split, not an error.
    pub fn share(&self, pin: Option<&str>) -> Share {
        let y = match (&self.pin_salt, pin) {
            (Some(salt), Some(pin)) => {
                self.stored.iter().zip(pin_pad(salt, pin, self.stored.len())).map(|(a, b)| a ^ b).collect()
            }
            _ => self.stored.clone(),
        };
        Share { x: self.split, y }
    }
}

/// The sticker the user wrote and stuck on a key; it says nothing about what the key really holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sticker {
    /// Colour of the sticker, if one is stuck on.
    pub color: Option<Color>,
    /// Text written on it.
    pub label: String,
}

/// A physical iKey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IKey {
    /// Stable identity within the world.
    pub id: u32,
    /// Sticker on the key.
    pub sticker: Sticker,
    /// The secret split it holds; `None` for a blank key.
    pub content: Option<KeyContent>,
}

/// Longest sticker text.
pub const STICKER_MAX: usize = 32;

/// The iKeys on the desk that are not in the HSM's port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tray {
    keys: Vec<IKey>,
    next_id: u32,
}

impl Tray {
    /// A tray with `blanks` blank keys.
    pub fn with_blanks(blanks: u32) -> Tray {
        let mut t = Tray { keys: Vec::new(), next_id: 1 };
        for _ in 0..blanks {
            t.add_blank();
        }
        t
    }

    /// Adds a blank key and returns its id.
    pub fn add_blank(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.keys.push(IKey { id, sticker: Sticker::default(), content: None });
        id
    }

    /// The keys in the tray.
    pub fn keys(&self) -> &[IKey] {
        &self.keys
    }

    /// The id the next new key will get.
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Counts `id` as given out: a key from another desk (a host's, in a unit on a cable) must not share
    /// a number with one this tray makes later.
    pub(crate) fn reserve(&mut self, id: u32) {
        self.next_id = self.next_id.max(id.saturating_add(1));
    }

    /// Takes a key out of the tray.
    pub fn take(&mut self, id: u32) -> Option<IKey> {
        let i = self.keys.iter().position(|k| k.id == id)?;
        Some(self.keys.remove(i))
    }

    /// Puts a key back, keeping the tray ordered by id.
    pub fn put(&mut self, key: IKey) {
        let i = self.keys.partition_point(|k| k.id < key.id);
        self.keys.insert(i, key);
    }

    /// The key with this id, if it is in the tray.
    pub fn get_mut(&mut self, id: u32) -> Option<&mut IKey> {
        self.keys.iter_mut().find(|k| k.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_pin_protects_the_split_without_revealing_a_wrong_pin() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let share = Share { x: 2, y: vec![7; 32] };
        let k = KeyContent::new(SecretKind::HsmSo, [1; 8], 2, 3, &share, [0; 8], Some("1234"), &mut rng);
        assert!(k.has_pin());
        assert_eq!(k.share(Some("1234")), share);
        let wrong = k.share(Some("4321"));
        assert_eq!(wrong.x, 2);
        assert_ne!(wrong.y, share.y);
        assert_ne!(k.stored, share.y, "the split is not stored in clear");
    }

    #[test]
    fn tray_keeps_keys_in_order() {
        let mut t = Tray::with_blanks(3);
        let k = t.take(2).unwrap();
        assert_eq!(t.keys().len(), 2);
        t.put(k);
        assert_eq!(t.keys().iter().map(|k| k.id).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(t.add_blank(), 4);
    }

    #[test]
    fn colours_follow_the_guide() {
        assert_eq!(SecretKind::HsmSo.color(), Color::Blue);
        assert_eq!(SecretKind::HsmDomain.color(), Color::Red);
        assert_eq!(SecretKind::RemotePedVector.color(), Color::Orange);
        assert_eq!(SecretKind::CryptoUser.color(), Color::Gray);
        assert_eq!(Color::parse("Grey"), Some(Color::Gray));
        assert_eq!(Color::Orange.with_article(), "an orange");
        assert_eq!(Color::Blue.with_article(), "a blue");
        assert_eq!(SecretKind::HsmSo.with_article(), "an HSM SO");
        assert_eq!(SecretKind::Auditor.with_article(), "an Auditor");
        assert_eq!(SecretKind::CryptoUser.with_article(), "a Crypto User");
    }
}
