//! What the device's slot legend, the policies panel and the files panel show, derived from the core's
//! [`World`] after each change (never from LunaCM's text). Plain values, compared before a signal is set
//! so that nothing redraws when nothing changed.

use hsm_core::device::policy::{self, Policies, PolicyDef, HSM, PARTITION};
use hsm_core::device::{Role, SlotId, ADMIN_SLOT};
use hsm_core::World;

/// The LunaCM session and the slots as the device drawing shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotStatus {
    /// The slot LunaCM's commands address now (`slot set`).
    pub current_slot: SlotId,
    /// The role this tab's LunaCM has logged in on the admin slot.
    pub admin_role: Option<Role>,
    /// The application partition, if the HSM SO has created it.
    pub partition: Option<PartitionStatus>,
}

/// The application partition as the device drawing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionStatus {
    /// Its slot.
    pub slot: SlotId,
    /// Its label; empty until initialized.
    pub label: String,
    /// Whether it has a Partition SO.
    pub initialized: bool,
    /// The role this tab's LunaCM has logged in on it.
    pub role: Option<Role>,
    /// The partition roles whose iKey secret is cached (activation), in `role list` order.
    pub activated: Vec<Role>,
}

impl SlotStatus {
    /// Reads the session and the slots from `world`.
    pub fn of(world: &World) -> SlotStatus {
        let hsm = world.hsm();
        let partition = hsm.partition().map(|p| {
            let mut activated: Vec<Role> = p.roles().iter().filter(|(_, rec)| rec.activated).map(|(r, _)| r).collect();
            activated.sort_by_key(|r| Role::ALL.iter().position(|a| a == r));
            PartitionStatus {
                slot: p.slot(),
                label: p.label().to_string(),
                initialized: p.initialized(),
                role: hsm.logged_in(p.slot()),
                activated,
            }
        });
        SlotStatus { current_slot: world.current_slot(), admin_role: hsm.logged_in(ADMIN_SLOT), partition }
    }

    /// What the current slot is, in words: "admin partition", "application partition \"P\"".
    pub fn current_slot_words(&self) -> String {
        if self.current_slot == ADMIN_SLOT {
            return "admin partition".to_string();
        }
        match &self.partition {
            Some(p) if p.slot == self.current_slot && p.initialized => format!("application partition \"{}\"", p.label),
            Some(p) if p.slot == self.current_slot => "application partition (not initialized)".to_string(),
            _ => "no such slot".to_string(),
        }
    }
}

/// One row of a policies table: number, policy name, current value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyRow {
    /// The policy number.
    pub id: u8,
    /// The policy's name, as `showpolicies` lists it.
    pub name: &'static str,
    /// Its current value.
    pub value: u32,
}

/// The policies `hsm showpolicies` and `partition showpolicies` would list now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyTables {
    /// The HSM's policies.
    pub hsm: Vec<PolicyRow>,
    /// The application partition's slot and policies, if it exists.
    pub partition: Option<(SlotId, Vec<PolicyRow>)>,
}

/// The rows `showpolicies` lists for the table `defs` with the values `values`, as it prints them.
fn rows(defs: &'static [PolicyDef], values: &Policies) -> Vec<PolicyRow> {
    policy::shown(defs)
        .map(|d| PolicyRow {
            id: d.id,
            name: d.policy.unwrap_or_default(),
            value: values.get(d.id).unwrap_or(d.default),
        })
        .collect()
}

impl PolicyTables {
    /// Reads the policies from `world`, as the device reports them to LunaCM: HSM policies 0 and 1 show
    /// the authentication method chosen at initialization.
    pub fn of(world: &World) -> PolicyTables {
        let hsm = world.hsm();
        PolicyTables {
            hsm: rows(HSM, &hsm.reported_policies()),
            partition: hsm.partition().map(|p| (p.slot(), rows(PARTITION, p.policies()))),
        }
    }
}

/// One of the host computer's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFile {
    /// Its name (a path, as LunaCM was given it).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Whether `files` already holds exactly the world's files (so that nothing is copied when nothing
/// changed).
pub fn same_files(files: &[HostFile], world: &World) -> bool {
    let mut theirs = world.files().iter();
    files.iter().all(|f| theirs.next().is_some_and(|(n, t)| n == f.name && t == f.text)) && theirs.next().is_none()
}

/// The world's files, by name.
pub fn files_of(world: &World) -> Vec<HostFile> {
    world.files().iter().map(|(n, t)| HostFile { name: n.to_string(), text: t.to_string() }).collect()
}
