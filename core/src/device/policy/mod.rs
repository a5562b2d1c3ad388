//! HSM and partition capabilities and policies: the tables, the rules for changing a policy, and the
//! policy template files.
//!
//! A capability is fixed at manufacture; its policy is the officer's setting within it. [`HSM`] and
//! [`PARTITION`] hold the rows; [`Policies`] holds the current values of one HSM or one partition;
//! [`check_change`] and [`check_partition_change`] decide whether a change is allowed, which return
//! code refuses it, and whether it destroys data.
//!
//! Return codes chosen for refusals (the guide names no code for them):
//! - an id with no row, or a row with no policy: `LUNA_RET_RM_ELEMENT_ID_INVALID` (no such policy element);
//! - a value outside the policy's range: `LUNA_RET_RM_ELEMENT_VALUE_INVALID`;
//! - a value above what the capability allows ("Always 0" rows can never be turned on):
//!   `LUNA_RET_RM_CONFIG_CHANGE_ILLEGAL`;
//! - a policy that only shows how the HSM was initialized (HSM 0 and 1): `LUNA_RET_RM_POLICY_WRITE_RESTRICTED`;
//! - a partition value that conflicts with another policy (0 with 1, 0 or 4 under HSM policy 7 off,
//!   minimum over maximum password length): `LUNA_RET_RM_CONFIG_CHANGE_FAILS_DEPENDENCIES`;
//! - activation (22, 23) on a password-authenticated HSM: `LUNA_RET_CHALLENGE_REQUIRES_PED`.

mod requests;
mod table;
mod template;

pub use table::{Destructive, PolicyDef, HSM, NV_STORAGE_BYTES, PARTITION, PERFORMANCE_LEVEL};
pub use template::{export_hsm, export_partition, parse_hsm, parse_partition, PptHeader, TemplateError};

use super::AuthMethod;
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// HSM policy 0: shows 1 on a password-authenticated HSM.
const HSM_PIN_AUTH: u8 = 0;
/// HSM policy 1: shows 1 on a multifactor (iKey) HSM.
const HSM_PED_AUTH: u8 = 1;
/// HSM policy 7, Allow cloning: partition policies 0 and 4 depend on it.
const HSM_CLONING: u8 = 7;

/// The current policy values of an HSM or of one partition: one entry per row that has a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    values: BTreeMap<u8, u32>,
}

impl Policies {
    /// Every policy of `defs` at its default.
    pub fn defaults(defs: &[PolicyDef]) -> Policies {
        Policies { values: defs.iter().filter(|d| d.policy.is_some()).map(|d| (d.id, d.default)).collect() }
    }

    /// A new HSM's policies. HSM policies 0 and 1 both show 0 until [`Policies::set_auth`] records the
    /// method chosen at initialization.
    pub fn hsm_defaults() -> Policies {
        Policies::defaults(HSM)
    }

    /// A new partition's policies, ignoring the HSM it lives on.
    pub fn partition_defaults() -> Policies {
        Policies::defaults(PARTITION)
    }

    /// A new partition's policies on an HSM with policies `hsm`: with HSM cloning off, partition
    /// cloning (0 and 4) starts off, since a partition cannot allow more than its HSM does.
    pub fn partition_defaults_for(hsm: &Policies) -> Policies {
        let mut p = Policies::partition_defaults();
        if hsm.get(HSM_CLONING) == Some(0) {
            for id in [0, 4] {
                p.values.insert(id, 0);
            }
        }
        p
    }

    /// The value of policy `id`, or `None` when the table has no such policy.
    pub fn get(&self, id: u8) -> Option<u32> {
        self.values.get(&id).copied()
    }

    /// Every policy and its value, by id.
    pub fn iter(&self) -> impl Iterator<Item = (u8, u32)> + '_ {
        self.values.iter().map(|(&id, &v)| (id, v))
    }

    /// Applies a change that [`check_change`] or [`check_partition_change`] allowed.
    pub fn set(&mut self, change: &Change) {
        self.values.insert(change.id, change.new);
    }

    /// HSM policies only: records the authentication method chosen at initialization (or `None` after
    /// a factory reset) in display-only policies 0 and 1.
    pub fn set_auth(&mut self, auth: Option<AuthMethod>) {
        self.values.insert(HSM_PIN_AUTH, u32::from(auth == Some(AuthMethod::Password)));
        self.values.insert(HSM_PED_AUTH, u32::from(auth == Some(AuthMethod::Multifactor)));
    }
}

/// A policy change that the rules allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The policy.
    pub id: u8,
    /// Its value before the change.
    pub old: u32,
    /// Its value after the change.
    pub new: u32,
    /// The change destroys data (partitions for an HSM policy, objects for a partition policy), so
    /// LunaCM asks for `proceed` first.
    pub destructive: bool,
}

/// Why a change is refused: the code the HSM returns, and a sentence for template errors.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Refusal {
    code: LunaRet,
    reason: String,
}

impl Refusal {
    fn new(code: LunaRet, reason: impl Into<String>) -> Refusal {
        Refusal { code, reason: reason.into() }
    }
}

/// The row of `defs` numbered `id`.
pub fn find(defs: &[PolicyDef], id: u8) -> Option<&PolicyDef> {
    defs.iter().find(|d| d.id == id)
}

/// The rows `showpolicies` lists under the policies heading: those with a policy whose capability is
/// not 0. HSM policies 0 and 1 are included: they are shown though they cannot be changed.
pub fn shown(defs: &[PolicyDef]) -> impl Iterator<Item = &PolicyDef> {
    defs.iter().filter(|d| d.shown())
}

/// The rows that are a capability only, with no policy.
pub fn capability_only(defs: &[PolicyDef]) -> impl Iterator<Item = &PolicyDef> {
    defs.iter().filter(|d| d.policy.is_none())
}

/// True when the HSM whose policies are `hsm` was initialized for multifactor (iKey) authentication,
/// as its display-only policy 1 shows.
pub fn multifactor(hsm: &Policies) -> bool {
    hsm.get(HSM_PED_AUTH) == Some(1)
}

/// Whether setting policy `id` to `value` is allowed under the table `defs`, and what the change does.
/// It checks the row alone; partition policies also depend on each other and on the HSM, so use
/// [`check_partition_change`] for them.
pub fn check_change(defs: &[PolicyDef], current: &Policies, id: u8, value: u32) -> Result<Change, LunaRet> {
    check_row(defs, current, id, value).map_err(|r| r.code)
}

/// Whether the Partition SO may set partition policy `id` to `value`, given the partition's policies
/// `current` and the policies `hsm` of the HSM it lives on.
pub fn check_partition_change(current: &Policies, hsm: &Policies, id: u8, value: u32) -> Result<Change, LunaRet> {
    let change = check_row(PARTITION, current, id, value).map_err(|r| r.code)?;
    let mut after = current.clone();
    after.set(&change);
    // Only a conflict this policy takes part in refuses it: an older conflict (HSM cloning turned off
    // after the partition allowed cloning) must not block unrelated changes or the change that fixes it.
    match partition_conflicts(&after, hsm).into_iter().find(|c| c.ids.contains(&id)) {
        Some(c) => Err(c.refusal.code),
        None => Ok(change),
    }
}

/// The checks that need only the row: existence, policy, range, capability.
fn check_row(defs: &[PolicyDef], current: &Policies, id: u8, value: u32) -> Result<Change, Refusal> {
    let Some(def) = find(defs, id) else {
        return Err(Refusal::new(retcode::RM_ELEMENT_ID_INVALID, format!("there is no policy {id}")));
    };
    let Some(name) = def.policy else {
        // The guide's own example of a capability conflict is an "Always 0" row without a policy (35,
        // Enable Single Domain): turning it on is a capability conflict before it is a missing policy.
        if def.capability_value == 0 && value != 0 {
            return Err(forbidden(def, value));
        }
        return Err(Refusal::new(
            retcode::RM_ELEMENT_ID_INVALID,
            format!("{id} ({}) is a capability, not a policy", def.capability),
        ));
    };
    if def.display_only {
        return Err(Refusal::new(
            retcode::RM_POLICY_WRITE_RESTRICTED,
            format!("policy {id} ({name}) shows the authentication method chosen at initialization and cannot be set"),
        ));
    }
    if !def.range.contains(&value) {
        return Err(Refusal::new(
            retcode::RM_ELEMENT_VALUE_INVALID,
            format!(
                "{value} is not a valid value for policy {id} ({name}): use {} to {}",
                def.range.start(),
                def.range.end()
            ),
        ));
    }
    if value > def.capability_value {
        return Err(forbidden(def, value));
    }
    let old = current.get(id).unwrap_or(def.default);
    Ok(Change { id, old, new: value, destructive: def.destructive.applies(old, value) })
}

fn forbidden(def: &PolicyDef, value: u32) -> Refusal {
    Refusal::new(
        retcode::RM_CONFIG_CHANGE_ILLEGAL,
        format!(
            "policy {} cannot be set to {value}: capability {} ({}) is {}",
            def.id, def.id, def.capability, def.capability_value
        ),
    )
}

/// A combination of partition policies that the HSM refuses, and the policies that take part in it.
struct Conflict {
    ids: &'static [u8],
    refusal: Refusal,
}

/// Every rule the partition's values `p` break on the HSM whose policies are `hsm`.
fn partition_conflicts(p: &Policies, hsm: &Policies) -> Vec<Conflict> {
    let on = |id: u8| p.get(id).is_some_and(|v| v != 0);
    let mut out = Vec::new();
    // Cloning and key export are exclusive: a private key could otherwise leave by both routes.
    if on(0) && on(1) {
        out.push(Conflict {
            ids: &[0, 1],
            refusal: Refusal::new(
                retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES,
                "policies 0 (Allow private key cloning) and 1 (Allow private key wrapping) cannot both be 1",
            ),
        });
    }
    if hsm.get(HSM_CLONING) == Some(0) {
        for ids in [&[0u8] as &'static [u8], &[4]] {
            let id = ids[0];
            if on(id) {
                out.push(Conflict {
                    ids,
                    refusal: Refusal::new(
                        retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES,
                        format!("policy {id} cannot be 1 while HSM policy 7 (Allow cloning) is 0"),
                    ),
                });
            }
        }
    }
    // Activation caches iKey secrets, so it means nothing on a password-authenticated HSM.
    if !multifactor(hsm) {
        for ids in [&[22u8] as &'static [u8], &[23]] {
            let id = ids[0];
            if on(id) {
                out.push(Conflict {
                    ids,
                    refusal: Refusal::new(
                        retcode::CHALLENGE_REQUIRES_PED,
                        format!("policy {id} applies only to an HSM initialized for multifactor authentication"),
                    ),
                });
            }
        }
    }
    // Policy 25 stores 255 minus the minimum length.
    if let (Some(inverted_min), Some(max)) = (p.get(25), p.get(26)) {
        if 255 - inverted_min.min(255) > max {
            out.push(Conflict {
                ids: &[25, 26],
                refusal: Refusal::new(
                    retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES,
                    format!(
                        "the minimum password length ({}) would exceed the maximum ({max})",
                        255 - inverted_min.min(255)
                    ),
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The values of the guide's HSM template example, which shows the factory defaults.
    const GUIDE_EXAMPLE: [(u8, u32); 14] = [
        (6, 1),
        (7, 1),
        (12, 1),
        (15, 0),
        (16, 1),
        (21, 1),
        (22, 1),
        (25, 1),
        (30, 1),
        (33, 1),
        (37, 1),
        (43, 1),
        (49, 0),
        (56, 1),
    ];

    fn hsm(auth: AuthMethod) -> Policies {
        let mut p = Policies::hsm_defaults();
        p.set_auth(Some(auth));
        p
    }

    #[test]
    fn hsm_defaults_match_the_guide_template_example() {
        let d = Policies::hsm_defaults();
        for (id, v) in GUIDE_EXAMPLE {
            assert_eq!(d.get(id), Some(v), "policy {id}");
        }
        // The example lists every policy except the display-only 0 and 1.
        let listed: Vec<u8> = d.iter().map(|(id, _)| id).filter(|id| *id > 1).collect();
        assert_eq!(listed, GUIDE_EXAMPLE.map(|(id, _)| id));
        assert_eq!(d.get(35), None, "capability-only rows hold no policy value");
    }

    #[test]
    fn partition_defaults_follow_the_reference() {
        let d = Policies::partition_defaults();
        assert_eq!((d.get(0), d.get(1), d.get(4)), (Some(1), Some(0), Some(1)));
        assert_eq!(d.get(20), Some(10));
        assert_eq!((d.get(22), d.get(23)), (Some(0), Some(0)));
        assert_eq!(d.get(25), Some(247));
    }

    #[test]
    fn set_auth_drives_the_display_only_policies() {
        let mut p = Policies::hsm_defaults();
        assert_eq!((p.get(0), p.get(1)), (Some(0), Some(0)));
        p.set_auth(Some(AuthMethod::Password));
        assert_eq!((p.get(0), p.get(1)), (Some(1), Some(0)));
        assert!(!multifactor(&p));
        p.set_auth(Some(AuthMethod::Multifactor));
        assert_eq!((p.get(0), p.get(1)), (Some(0), Some(1)));
        assert!(multifactor(&p));
        p.set_auth(None);
        assert_eq!((p.get(0), p.get(1)), (Some(0), Some(0)));
    }

    #[test]
    fn refusals_carry_precise_codes() {
        let p = Policies::hsm_defaults();
        assert_eq!(check_change(HSM, &p, 99, 1), Err(retcode::RM_ELEMENT_ID_INVALID));
        assert_eq!(check_change(HSM, &p, 4, 1), Err(retcode::RM_ELEMENT_ID_INVALID), "capability only");
        assert_eq!(check_change(HSM, &p, 35, 1), Err(retcode::RM_CONFIG_CHANGE_ILLEGAL), "Always 0");
        assert_eq!(check_change(HSM, &p, 1, 1), Err(retcode::RM_POLICY_WRITE_RESTRICTED));
        assert_eq!(check_change(HSM, &p, 0, 0), Err(retcode::RM_POLICY_WRITE_RESTRICTED));
        assert_eq!(check_change(HSM, &p, 6, 2), Err(retcode::RM_ELEMENT_VALUE_INVALID));
        assert_eq!(check_change(HSM, &p, 33, 0), Err(retcode::RM_ELEMENT_VALUE_INVALID), "fixed at 1");
        let q = Policies::partition_defaults();
        assert_eq!(check_change(PARTITION, &q, 3, 1), Err(retcode::RM_CONFIG_CHANGE_ILLEGAL), "masking is 0");
        assert_eq!(check_change(PARTITION, &q, 20, 11), Err(retcode::RM_ELEMENT_VALUE_INVALID));
        assert_eq!(check_change(PARTITION, &q, 20, 0), Err(retcode::RM_ELEMENT_VALUE_INVALID));
        assert_eq!(check_change(PARTITION, &q, 20, 3).map(|c| c.new), Ok(3));
    }

    #[test]
    fn destructiveness_follows_the_direction() {
        let mut p = Policies::hsm_defaults();
        let c = check_change(HSM, &p, 15, 1).unwrap();
        assert_eq!(c, Change { id: 15, old: 0, new: 1, destructive: true });
        assert!(!check_change(HSM, &p, 15, 0).unwrap().destructive, "a no-op change is not destructive");
        assert!(!check_change(HSM, &p, 16, 0).unwrap().destructive, "16 is not destructive");
        p.set(&c);
        assert_eq!(p.get(15), Some(1));
        assert!(check_change(HSM, &p, 15, 0).unwrap().destructive, "Both: off again is destructive too");

        let h = hsm(AuthMethod::Multifactor);
        let mut q = Policies::partition_defaults();
        let off = check_partition_change(&q, &h, 0, 0).unwrap();
        assert!(!off.destructive, "policy 0 is destructive only when turned on");
        q.set(&off);
        assert!(check_partition_change(&q, &h, 0, 1).unwrap().destructive);
        assert!(check_partition_change(&q, &h, 11, 0).unwrap().destructive, "11 is destructive turned off");
        assert!(!check_partition_change(&q, &h, 11, 1).unwrap().destructive);
    }

    #[test]
    fn cloning_and_key_export_exclude_each_other() {
        let h = hsm(AuthMethod::Password);
        let mut q = Policies::partition_defaults();
        assert_eq!(check_partition_change(&q, &h, 1, 1), Err(retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        q.set(&check_partition_change(&q, &h, 0, 0).unwrap());
        let export = check_partition_change(&q, &h, 1, 1).unwrap();
        q.set(&export);
        assert_eq!(check_partition_change(&q, &h, 0, 1), Err(retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        assert!(check_change(PARTITION, &q, 0, 1).is_ok(), "the row alone knows nothing of policy 1");
    }

    #[test]
    fn partition_cloning_needs_hsm_cloning() {
        let mut h = hsm(AuthMethod::Password);
        h.set(&check_change(HSM, &h, 7, 0).unwrap());
        let mut q = Policies::partition_defaults_for(&h);
        assert_eq!((q.get(0), q.get(4)), (Some(0), Some(0)));
        assert_eq!(check_partition_change(&q, &h, 0, 1), Err(retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        assert_eq!(check_partition_change(&q, &h, 4, 1), Err(retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        // A partition made before cloning was turned off keeps 0 and 4 on; other changes still work.
        q = Policies::partition_defaults();
        assert!(check_partition_change(&q, &h, 20, 5).is_ok());
        assert!(check_partition_change(&q, &h, 4, 0).is_ok());
    }

    #[test]
    fn activation_needs_a_multifactor_hsm() {
        let q = Policies::partition_defaults();
        for id in [22, 23] {
            assert_eq!(
                check_partition_change(&q, &hsm(AuthMethod::Password), id, 1),
                Err(retcode::CHALLENGE_REQUIRES_PED)
            );
            assert!(check_partition_change(&q, &hsm(AuthMethod::Password), id, 0).is_ok());
            assert!(check_partition_change(&q, &hsm(AuthMethod::Multifactor), id, 1).is_ok());
        }
    }

    #[test]
    fn minimum_password_length_cannot_pass_the_maximum() {
        let h = hsm(AuthMethod::Password);
        let mut q = Policies::partition_defaults();
        q.set(&check_partition_change(&q, &h, 26, 20).unwrap());
        // 255 - 230 = 25 characters minimum, over the maximum of 20.
        assert_eq!(check_partition_change(&q, &h, 25, 230), Err(retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        assert!(check_partition_change(&q, &h, 25, 240).is_ok(), "15 characters minimum");
    }

    #[test]
    fn renderer_iterators_split_the_rows() {
        let listed: Vec<u8> = shown(HSM).map(|d| d.id).collect();
        assert_eq!(listed, [0, 1, 6, 7, 12, 15, 16, 21, 22, 25, 30, 33, 37, 43, 49, 56]);
        let caps: Vec<u8> = capability_only(HSM).map(|d| d.id).collect();
        assert!(caps.contains(&2) && caps.contains(&35) && !caps.contains(&6));
        assert_eq!(listed.len() + caps.len(), HSM.len());
        assert!(!shown(PARTITION).any(|d| [3, 7, 37].contains(&d.id)), "capability 0 rows are not listed");
    }

    #[test]
    fn policies_survive_serde() {
        let mut p = Policies::partition_defaults();
        p.set(&Change { id: 20, old: 10, new: 4, destructive: false });
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Policies>(&json).unwrap(), p);
    }
}
