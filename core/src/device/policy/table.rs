//! The capability and policy rows of the HSM (admin guide chapter 8) and of an application partition.
//!
//! Each row pairs a capability, fixed when the unit is made, with the policy (if any) that lets an
//! officer narrow it. The rows are data only; the rules that use them live in the parent module.

use std::ops::RangeInclusive;

/// In which direction changing a policy destroys data: partitions for an HSM policy, the partition's
/// objects for a partition policy. "On" is any nonzero value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destructive {
    /// Never destructive.
    No,
    /// Destructive when turned on (0 to nonzero).
    OffToOn,
    /// Destructive when turned off (nonzero to 0).
    OnToOff,
    /// Destructive in both directions.
    Both,
}

impl Destructive {
    /// True when turning the policy on destroys data.
    pub fn off_to_on(self) -> bool {
        matches!(self, Destructive::OffToOn | Destructive::Both)
    }

    /// True when turning the policy off destroys data.
    pub fn on_to_off(self) -> bool {
        matches!(self, Destructive::OnToOff | Destructive::Both)
    }

    /// True when going from `old` to `new` destroys data. Only a crossing between 0 and nonzero counts,
    /// so a change that keeps the value, or moves it between two nonzero values, never does.
    pub fn applies(self, old: u32, new: u32) -> bool {
        match (old != 0, new != 0) {
            (false, true) => self.off_to_on(),
            (true, false) => self.on_to_off(),
            _ => false,
        }
    }
}

/// One row of a capability/policy table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDef {
    /// The number shared by the capability and its policy.
    pub id: u8,
    /// The capability's name as `showpolicies` lists it.
    pub capability: &'static str,
    /// The capability's value, fixed at manufacture. For on/off rows 0 means the policy can never be
    /// turned on; for numeric rows it is the most permissive value the policy may take.
    pub capability_value: u32,
    /// The policy's name, or `None` for a capability without a policy.
    pub policy: Option<&'static str>,
    /// The policy's value on a new (or factory reset) unit; 0 for capability-only rows.
    pub default: u32,
    /// Values the policy accepts at all, before the capability is considered.
    pub range: RangeInclusive<u32>,
    /// Whether changing the policy destroys data, and in which direction.
    pub destructive: Destructive,
    /// The value reflects a choice made elsewhere (the authentication method chosen at `hsm init`) and
    /// cannot be written by a policy change or a template.
    pub display_only: bool,
    /// What the row controls, in a sentence, and where its numbers come from when they are a choice.
    pub note: &'static str,
}

impl PolicyDef {
    /// True when the row has a policy whose capability allows it to be listed by `showpolicies`.
    pub fn shown(&self) -> bool {
        self.policy.is_some() && self.capability_value != 0
    }
}

/// A capability with no policy.
const fn cap(id: u8, capability: &'static str, capability_value: u32, note: &'static str) -> PolicyDef {
    PolicyDef {
        id,
        capability,
        capability_value,
        policy: None,
        default: 0,
        range: 0..=0,
        destructive: Destructive::No,
        display_only: false,
        note,
    }
}

/// An on/off policy under an on/off capability.
const fn flag(
    id: u8,
    capability: &'static str,
    capability_value: u32,
    policy: &'static str,
    default: u32,
    destructive: Destructive,
    note: &'static str,
) -> PolicyDef {
    PolicyDef {
        id,
        capability,
        capability_value,
        policy: Some(policy),
        default,
        range: 0..=1,
        destructive,
        display_only: false,
        note,
    }
}

/// A policy that only shows how the HSM was initialized.
const fn shown_only(id: u8, capability: &'static str, policy: &'static str, note: &'static str) -> PolicyDef {
    PolicyDef { display_only: true, ..flag(id, capability, 1, policy, 0, Destructive::No, note) }
}

/// Capability 2 on a USB HSM 7: the "standard" level, which other Luna 7 models number 4 (their 8 and
/// 15 are enterprise and maximum performance). Simulator choice: the guide gives no number.
pub const PERFORMANCE_LEVEL: u32 = 4;

/// Capability 27, the non-volatile storage of the unit in bytes. Simulator choice: the guide says the
/// capability shows the size but not what it is; 2 MiB, as on the USB model before it.
pub const NV_STORAGE_BYTES: u32 = 2 * 1024 * 1024;

use Destructive::{Both, No, OffToOn, OnToOff};

/// Every row of chapter 8's table, sorted by id. Policy names are spelled as the guide's template
/// example spells them (the firmware's strings), which differs in case from the table in two places.
/// The guide marks 7, 12, 15, 22 and 56 destructive without a direction; both directions are taken
/// (LunaCM docs show policy 12 asking for `proceed` when turned on and when turned off).
pub const HSM: &[PolicyDef] = &[
    shown_only(
        0,
        "Enable PIN-based authentication",
        "PIN-based authentication",
        "1 when the HSM was initialized for passwords; set by hsm init, never by a policy change",
    ),
    shown_only(
        1,
        "Enable PED-based authentication",
        "PED-based authentication",
        "1 when the HSM was initialized for iKeys (multifactor); set by hsm init, never by a policy change",
    ),
    cap(2, "Performance level", PERFORMANCE_LEVEL, "the same level on every USB HSM 7"),
    cap(4, "Enable domestic mechanisms & key sizes", 1, "full-strength cryptography, no export limits"),
    flag(6, "Enable masking", 1, "Allow masking", 1, No, "lets objects be masked (encrypted for use outside the HSM)"),
    flag(
        7,
        "Enable cloning",
        1,
        "Allow cloning",
        1,
        Both,
        "objects may be cloned between partitions of one domain (backup); off locks partition policies 0 and 4",
    ),
    cap(9, "Enable full (non-backup) functionality", 1, "a full HSM, not a backup-only unit"),
    flag(
        12,
        "Enable non-FIPS algorithms",
        1,
        "Allow non-FIPS algorithms",
        1,
        Both,
        "off restricts the HSM to FIPS-approved algorithms",
    ),
    flag(
        15,
        "Enable SO reset of partition PIN",
        1,
        "SO can reset partition PIN",
        0,
        Both,
        "on lets the Partition SO reset a locked-out Crypto Officer; off makes a CO lockout permanent",
    ),
    flag(
        16,
        "Enable network replication",
        1,
        "Allow network replication",
        1,
        No,
        "cloning over a network, needed for backup to a remote Backup HSM",
    ),
    cap(17, "Enable Korean Algorithms", 0, "not available on this model"),
    cap(19, "Manufacturing Token", 0, "for the manufacturer only"),
    flag(
        21,
        "Enable forcing user PIN change",
        1,
        "Force user PIN change after set/reset",
        1,
        No,
        "a CO or CU credential set or reset by someone else must be changed before anything else",
    ),
    flag(
        22,
        "Enable offboard storage",
        1,
        "Allow offboard storage",
        1,
        Both,
        "deprecated: governed the portable SIM key of older HSMs",
    ),
    cap(23, "Enable partition groups", 0, "deprecated"),
    flag(
        25,
        "Enable Remote PED usage",
        1,
        "Allow remote PED usage",
        1,
        No,
        "a multifactor HSM may authenticate through a remote PED server",
    ),
    cap(27, "HSM non-volatile storage space", NV_STORAGE_BYTES, "the unit's storage in bytes"),
    flag(30, "Enable Unmasking", 1, "Allow unmasking", 1, No, "objects may be migrated from older HSMs that used SIM"),
    PolicyDef {
        range: 1..=1,
        ..flag(
            33,
            "Maximum number of partitions",
            1,
            "Current maximum number of partitions",
            1,
            No,
            "one application partition; the value cannot be changed",
        )
    },
    cap(35, "Enable Single Domain", 0, "not applicable to this model"),
    cap(36, "Enable Unified PED Key", 0, "not applicable to this model"),
    flag(
        37,
        "Enable MofN",
        1,
        "Allow MofN",
        1,
        No,
        "role secrets may be split over several iKeys; off forces M = N = 1",
    ),
    cap(38, "Enable small form factor backup/restore", 0, "not applicable to this model"),
    cap(40, "Enable decommission on tamper", 0, "not applicable to this model"),
    cap(42, "Enable partition re-initialize", 0, "not applicable to this model"),
    // The guide's table has no policy for 43, but its template example lists one; the template wins.
    flag(
        43,
        "Enable low level math acceleration",
        1,
        "Allow low level math acceleration",
        1,
        No,
        "hardware acceleration of cryptographic arithmetic",
    ),
    cap(46, "Allow Disabling Decommission", 0, "not applicable to this model"),
    cap(48, "Enable Controlled Tamper Recovery", 0, "not applicable to this model"),
    flag(
        49,
        "Enable Partition Utilization Metrics",
        1,
        "Allow Partition Utilization Metrics",
        0,
        No,
        "the HSM SO may read the partition's operation counters",
    ),
    cap(50, "Enable Functionality Modules", 0, "not applicable to this model"),
    cap(51, "Enable SMFS Auto Activation", 0, "not applicable to this model"),
    cap(52, "Allow Restricting FM Privilege Level", 0, "not applicable to this model"),
    cap(53, "Allow Encrypting of Keys from FM to HSM", 0, "not applicable to this model"),
    cap(55, "Enable Restricted Restore", 0, "not applicable to this model"),
    // The guide ties 56 to firmware 7.7.3, yet its 7.7.2 template example lists it; it is kept.
    flag(
        56,
        "Enable User Defined ECC Curves",
        1,
        "Allow User Defined ECC Curves",
        1,
        Both,
        "off limits ECC keys to named curves (or curves given with named-curve parameters)",
    ),
];

/// The rows of a Luna 7 application partition, sorted by id. Numbers follow the SDK's constants; names,
/// defaults and destructive directions follow the reference notes, which verify only some of them
/// (see `docs/FIDELITY.md`). Where no direction is known, a change is taken to be destructive in the
/// direction that weakens the partition. Obsolete and internal numbers (8, 9, 12-14, 19, 24, 27, 30,
/// 35, 36, 38) have no row.
pub const PARTITION: &[PolicyDef] = &[
    flag(
        0,
        "Enable private key cloning",
        1,
        "Allow private key cloning",
        1,
        OffToOn,
        "private keys may be cloned (backup, HA); never together with policy 1",
    ),
    flag(
        1,
        "Enable private key wrapping",
        1,
        "Allow private key wrapping",
        0,
        OffToOn,
        "private keys may be wrapped off the partition (key export); never together with policy 0",
    ),
    flag(
        2,
        "Enable private key unwrapping",
        1,
        "Allow private key unwrapping",
        1,
        No,
        "private keys may be unwrapped in",
    ),
    flag(
        3,
        "Enable private key masking",
        0,
        "Allow private key masking",
        0,
        OffToOn,
        "legacy SIM masking, off on Luna 7",
    ),
    flag(
        4,
        "Enable secret key cloning",
        1,
        "Allow secret key cloning",
        1,
        OffToOn,
        "secret keys may be cloned (backup, HA)",
    ),
    flag(
        5,
        "Enable secret key wrapping",
        1,
        "Allow secret key wrapping",
        1,
        OffToOn,
        "secret keys may be wrapped off the partition",
    ),
    flag(6, "Enable secret key unwrapping", 1, "Allow secret key unwrapping", 1, No, "secret keys may be unwrapped in"),
    flag(
        7,
        "Enable secret key masking",
        0,
        "Allow secret key masking",
        0,
        OffToOn,
        "legacy SIM masking, off on Luna 7",
    ),
    flag(
        10,
        "Enable multipurpose keys",
        1,
        "Allow multipurpose keys",
        1,
        OnToOff,
        "a key may carry several usages (sign and decrypt)",
    ),
    flag(
        11,
        "Enable changing key attributes",
        1,
        "Allow changing key attributes",
        1,
        OnToOff,
        "object attributes may be changed after creation",
    ),
    flag(
        15,
        "Allow failed challenge responses",
        1,
        "Ignore failed challenge responses",
        1,
        OffToOn,
        "failed challenge-secret logins on an activated partition do not count toward lockout",
    ),
    flag(
        16,
        "Enable operation without RSA blinding",
        1,
        "Operate without RSA blinding",
        1,
        OffToOn,
        "RSA operations may skip blinding against timing attacks",
    ),
    flag(
        17,
        "Enable signing with non-local keys",
        1,
        "Allow signing with non-local keys",
        1,
        OffToOn,
        "keys not generated in the HSM may sign",
    ),
    flag(18, "Enable raw RSA operations", 1, "Allow raw RSA operations", 1, OffToOn, "unpadded RSA (CKM_RSA_X_509)"),
    PolicyDef {
        range: 1..=10,
        ..flag(
            20,
            "Max failed user logins allowed",
            10,
            "Max failed user logins allowed",
            10,
            No,
            "consecutive failed CO logins that lock out the CO and CU; the Partition SO may lower it",
        )
    },
    flag(
        21,
        "Enable high availability recovery",
        1,
        "Allow high availability recovery",
        1,
        No,
        "an HA member may restore its login state after recovery",
    ),
    flag(
        22,
        "Enable activation",
        1,
        "Allow activation",
        0,
        No,
        "multifactor only: role iKey secrets are cached so a challenge secret alone logs in",
    ),
    flag(
        23,
        "Enable auto-activation",
        1,
        "Allow auto-activation",
        0,
        No,
        "multifactor only: the activation cache survives a restart or a short power loss",
    ),
    PolicyDef {
        range: 0..=247,
        ..flag(
            25,
            "Minimum pin length (inverted: 255 - min)",
            247,
            "Minimum pin length (inverted: 255 - min)",
            247,
            No,
            "255 minus the shortest password allowed: 247 for the 8-character minimum; lower is stricter",
        )
    },
    PolicyDef {
        range: 8..=255,
        ..flag(26, "Maximum pin length", 255, "Maximum pin length", 255, No, "the longest password allowed")
    },
    flag(
        28,
        "Enable Key Management Functions",
        1,
        "Allow Key Management Functions",
        1,
        OffToOn,
        "objects may be created, generated, derived, changed or deleted (cloning is separate)",
    ),
    flag(
        29,
        "Enable RSA signing without confirmation",
        1,
        "Perform RSA signing without confirmation",
        1,
        OffToOn,
        "RSA signatures are not verified before they are returned",
    ),
    flag(
        31,
        "Enable private key unmasking",
        1,
        "Allow private key unmasking",
        0,
        OffToOn,
        "private keys masked by a legacy HSM may be brought in",
    ),
    flag(
        32,
        "Enable secret key unmasking",
        1,
        "Allow secret key unmasking",
        0,
        OffToOn,
        "secret keys masked by a legacy HSM may be brought in",
    ),
    flag(33, "Enable RSA PKCS mechanism", 1, "Allow RSA PKCS mechanism", 1, OffToOn, "PKCS#1 v1.5 RSA (CKM_RSA_PKCS)"),
    flag(
        34,
        "Enable CBC-PAD (un)wrap keys of any size",
        1,
        "Allow CBC-PAD (un)wrap keys of any size",
        1,
        OffToOn,
        "CBC-PAD may wrap keys whose length is not a block multiple",
    ),
    flag(
        37,
        "Enable Secure Trusted Channel",
        0,
        "Force Secure Trusted Channel",
        0,
        OnToOff,
        "STC client links belong to the network HSM; never on a USB HSM",
    ),
    flag(
        39,
        "Enable Start/End Date Attributes",
        1,
        "Allow Start/End Date Attributes",
        0,
        OnToOff,
        "keys cannot be used outside their start and end dates",
    ),
    flag(
        40,
        "Enable Per-Key Authorization Data",
        1,
        "Require Per-Key Authorization Data",
        0,
        Both,
        "keys need their own authorization data (V1 partitions)",
    ),
    flag(
        41,
        "Enable Partition Version",
        1,
        "Partition Version",
        0,
        OnToOff,
        "0 = V0 (keys in the HSM), 1 = V1 (SKS, per-key authorization)",
    ),
    flag(
        42,
        "Enable CPv1",
        1,
        "Allow CPv1",
        0,
        OffToOn,
        "forces the first cloning protocol (restoring pre-7.7.0 backups), disabling the newer ones",
    ),
    flag(
        43,
        "Enable non-FIPS algorithms",
        1,
        "Allow non-FIPS algorithms",
        1,
        OffToOn,
        "off puts this partition in FIPS mode; HSM policy 12 off does so for every partition",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const CHAPTER_8_IDS: [u8; 35] = [
        0, 1, 2, 4, 6, 7, 9, 12, 15, 16, 17, 19, 21, 22, 23, 25, 27, 30, 33, 35, 36, 37, 38, 40, 42, 43, 46, 48, 49,
        50, 51, 52, 53, 55, 56,
    ];

    fn ids(defs: &[PolicyDef]) -> Vec<u8> {
        defs.iter().map(|d| d.id).collect()
    }

    #[test]
    fn the_hsm_table_has_every_chapter_8_row_once_in_order() {
        assert_eq!(ids(HSM), CHAPTER_8_IDS);
    }

    #[test]
    fn the_partition_table_is_sorted_and_unique() {
        let ids = ids(PARTITION);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        for id in [0, 1, 4, 20, 22, 23, 28, 41, 42, 43] {
            assert!(ids.contains(&id), "partition policy {id} missing");
        }
        for obsolete in [8, 9, 12, 13, 14, 19, 24, 27, 30, 35, 36, 38] {
            assert!(!ids.contains(&obsolete), "obsolete number {obsolete} listed");
        }
    }

    #[test]
    fn defaults_lie_in_range_and_within_the_capability() {
        for d in HSM.iter().chain(PARTITION) {
            assert!(d.range.contains(&d.default), "{} default outside its range", d.id);
            if d.policy.is_some() && !d.display_only {
                assert!(d.default <= d.capability_value, "{} default exceeds its capability", d.id);
            }
            if d.policy.is_none() {
                assert_eq!(d.destructive, Destructive::No, "{} has no policy to be destructive", d.id);
            }
        }
    }

    #[test]
    fn the_guide_marks_these_hsm_policies_destructive() {
        let destructive: Vec<u8> = HSM.iter().filter(|d| d.destructive != Destructive::No).map(|d| d.id).collect();
        assert_eq!(destructive, [7, 12, 15, 22, 56]);
    }

    #[test]
    fn always_0_capabilities_have_no_shown_policy() {
        for id in [17, 19, 23, 35, 36, 38, 40, 42, 46, 48, 50, 51, 52, 53, 55] {
            let d = HSM.iter().find(|d| d.id == id).unwrap();
            assert_eq!(d.capability_value, 0, "capability {id}");
            assert!(!d.shown());
        }
    }

    #[test]
    fn direction_decides_destructiveness() {
        assert!(Destructive::OffToOn.applies(0, 1));
        assert!(!Destructive::OffToOn.applies(1, 0));
        assert!(Destructive::OnToOff.applies(1, 0));
        assert!(!Destructive::OnToOff.applies(0, 1));
        assert!(Destructive::Both.applies(0, 1) && Destructive::Both.applies(1, 0));
        assert!(!Destructive::Both.applies(1, 1), "a no-op change destroys nothing");
        assert!(!Destructive::Both.applies(0, 0));
        assert!(!Destructive::Both.applies(3, 5), "both values are on");
        assert!(!Destructive::No.applies(0, 1) && !Destructive::No.applies(1, 0));
    }
}
