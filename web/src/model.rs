//! What the device's slot legend, the policies panel and the files panel show, derived from the core's
//! [`World`] after each change (never from LunaCM's text). Plain values, compared before a signal is set
//! so that nothing redraws when nothing changed.

use hsm_core::device::policy::{self, Policies, PolicyDef, HSM, PARTITION};
use hsm_core::device::{Role, SlotId, ADMIN_SLOT};
use hsm_core::hub;
use hsm_core::labs::CheckResult;
use hsm_core::World;

/// The LunaCM session and the slots of the unit in front, as the device drawing shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotStatus {
    /// The slot LunaCM's commands address now (`slot set`).
    pub current_slot: SlotId,
    /// With several units, which one is in front: "Unit 2 of 2, serial 705353". `None` with one unit.
    pub unit: Option<String>,
    /// With several units, the unit of the current slot when it is not the one in front.
    pub current_unit: Option<usize>,
    /// The admin slot of the unit in front, as LunaCM numbers it.
    pub admin_slot: SlotId,
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
    /// Reads the session and the slots of the unit in front from `world`.
    pub fn of(world: &World) -> SlotStatus {
        let hsm = world.front_hsm();
        let front = world.front_unit() - 1;
        let partition = hsm.partition().map(|p| {
            let mut activated: Vec<Role> = p.roles().iter().filter(|(_, rec)| rec.activated).map(|(r, _)| r).collect();
            activated.sort_by_key(|r| Role::ALL.iter().position(|a| a == r));
            PartitionStatus {
                slot: hub::to_host(front, p.slot()),
                label: p.label().to_string(),
                initialized: p.initialized(),
                role: hsm.logged_in(p.slot()),
                activated,
            }
        });
        let several = world.unit_count() > 1;
        let current_slot = world.current_slot();
        let current_unit = hub::to_local(current_slot).map(|(unit, _)| unit).filter(|unit| several && *unit != front);
        SlotStatus {
            current_slot,
            unit: several.then(|| format!("Unit {} of {}, serial {}", front + 1, world.unit_count(), hsm.serial())),
            current_unit: current_unit.map(|unit| unit + 1),
            admin_slot: hub::admin_slot(front),
            // The device's own numbering: its admin slot is ADMIN_SLOT whichever unit it is.
            admin_role: hsm.logged_in(ADMIN_SLOT),
            partition,
        }
    }

    /// What the current slot is, in words: "admin partition", "application partition \"P\"", "a slot of
    /// unit 1" (not the unit in front).
    pub fn current_slot_words(&self) -> String {
        if let Some(unit) = self.current_unit {
            return format!("a slot of unit {unit}");
        }
        if self.current_slot == self.admin_slot {
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
    /// Reads the policies of the unit in front from `world`, as the device reports them to LunaCM: HSM
    /// policies 0 and 1 show the authentication method chosen at initialization.
    pub fn of(world: &World) -> PolicyTables {
        let hsm = world.front_hsm();
        let front = world.front_unit() - 1;
        PolicyTables {
            hsm: rows(HSM, &hsm.reported_policies()),
            partition: hsm.partition().map(|p| (hub::to_host(front, p.slot()), rows(PARTITION, p.policies()))),
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

/// The lab in progress, as the labs panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabView {
    /// The lab's id and title.
    pub id: String,
    pub title: String,
    /// The current step's index (the number of steps once complete), and the number of steps.
    pub step: usize,
    pub steps: usize,
    /// The current step's title and instructions (markdown); empty once complete.
    pub step_title: String,
    pub instructions: String,
    /// The current step's checks on the world now.
    pub checks: Vec<CheckResult>,
    /// The hints revealed so far, and whether another is left.
    pub hints: Vec<String>,
    pub more_hints: bool,
    /// The solution, once viewed.
    pub solution: Option<Vec<String>>,
}

impl LabView {
    /// Reads the lab in progress from `world`, judging the current step's checks at `now`.
    pub fn of(world: &World, now: u64) -> Option<LabView> {
        let run = world.lab()?;
        let step = run.current();
        let shown = run.hints_revealed.get(run.step).copied().unwrap_or(0);
        Some(LabView {
            id: run.lab.id.clone(),
            title: run.lab.title.clone(),
            step: run.step,
            steps: run.lab.steps.len(),
            step_title: step.map(|s| s.title.clone()).unwrap_or_default(),
            instructions: step.map(|s| s.instructions.clone()).unwrap_or_default(),
            checks: world.lab_checks(now),
            hints: step.map(|s| s.hints.iter().take(shown).cloned().collect()).unwrap_or_default(),
            more_hints: step.is_some_and(|s| s.hints.len() > shown),
            solution: step
                .filter(|_| run.solution_viewed.get(run.step).copied().unwrap_or(false))
                .map(|s| s.solution.clone()),
        })
    }

    /// Whether every step is done.
    pub fn finished(&self) -> bool {
        self.step >= self.steps
    }
}

/// A piece of a paragraph of lab instructions: text, or a `code` span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
}

/// Minimal markdown: paragraphs split at blank lines, their lines joined, and `code` spans. Nothing
/// else is interpreted; the result is built into elements, never parsed as HTML.
pub fn paragraphs(markdown: &str) -> Vec<Vec<Inline>> {
    markdown
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split('`')
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(i, s)| if i % 2 == 1 { Inline::Code(s.to_string()) } else { Inline::Text(s.to_string()) })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_shows_the_unit_in_front_and_its_host_slots() {
        let mut world = World::new(1, 0);
        let one = SlotStatus::of(&world);
        assert_eq!((one.unit.as_deref(), one.admin_slot, one.current_unit), (None, 4, None));
        assert_eq!(one.current_slot_words(), "admin partition");
        world.add_unit().unwrap();
        world.use_unit(2).unwrap();
        let two = SlotStatus::of(&world);
        let serial = world.unit(2).unwrap().serial().to_string();
        assert_eq!(two.unit, Some(format!("Unit 2 of 2, serial {serial}")));
        assert_eq!((two.admin_slot, two.current_slot, two.current_unit), (6, 4, Some(1)));
        assert_eq!(two.current_slot_words(), "a slot of unit 1");
    }

    #[test]
    fn instructions_become_paragraphs_and_code_spans() {
        let md = "Log in\n(`role login -name so`) and run `partition create`.\n\nThen <b>look</b>.\n";
        assert_eq!(
            paragraphs(md),
            vec![
                vec![
                    Inline::Text("Log in (".into()),
                    Inline::Code("role login -name so".into()),
                    Inline::Text(") and run ".into()),
                    Inline::Code("partition create".into()),
                    Inline::Text(".".into()),
                ],
                vec![Inline::Text("Then <b>look</b>.".into())],
            ]
        );
    }
}
