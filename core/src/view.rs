//! What the browser page shows of the world, derived from the [`World`] after each change (never from
//! LunaCM's text): the device's slot legend, the policies, files, audit, labs and environment panels, the
//! touchscreen and the iKeys. Plain serializable values: the world runs in a Web Worker and the page only
//! receives these, each one only when it changed ([`ViewChange`]).

use crate::device::audit::Report;
use crate::device::policy::{self, Policies, PolicyDef, HSM, PARTITION};
use crate::device::{Role, Screen, SlotId, ADMIN_SLOT};
use crate::hub;
use crate::labs::CheckResult;
use crate::lunacm::PROMPT;
use crate::{IKeyView, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The LunaCM session and the slots of the unit in front, as the device drawing shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyRow {
    /// The policy number.
    pub id: u8,
    /// The policy's name, as `showpolicies` lists it.
    pub name: String,
    /// Its current value.
    pub value: u32,
}

/// The policies `hsm showpolicies` and `partition showpolicies` would list now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
            name: d.policy.unwrap_or_default().to_string(),
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFile {
    /// Its name (a path, as LunaCM was given it).
    pub name: String,
    /// Its text, shared with the world (a host with many large log files is not copied on each line).
    pub text: Arc<str>,
}

/// The world's files, by name.
pub fn files_of(world: &World) -> Vec<HostFile> {
    world.files().shared().map(|(n, t)| HostFile { name: n.to_string(), text: Arc::clone(t) }).collect()
}

/// What kind of audit file a host file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditFileKind {
    /// A log file the host's logging daemon wrote (`hsm_<serial>_<first record>.log`), or one put back.
    Log,
    /// A log secret wrapped for export (`audit export`), to import on an HSM of the same audit domain.
    Secret,
}

/// A host file the audit panel lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditFile {
    /// Its path on the host.
    pub name: String,
    /// A log or a wrapped secret.
    pub kind: AuditFileKind,
    /// Its size in bytes.
    pub len: usize,
}

/// The last `audit verify`, while the file it checked still begins with the lines it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The file verified.
    pub file: String,
    /// What verification found.
    pub report: Report,
    /// How many lines of the file the report speaks for (records appended since carry no mark).
    pub lines: usize,
}

/// What the audit panel shows besides the text of the file open in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// The host directory the Auditor configured for log files, if any.
    pub path: Option<String>,
    /// Records waiting in the HSM for the host's logging daemon.
    pub stored: usize,
    /// How many records the HSM holds before LOG FULL.
    pub capacity: usize,
    /// The log files and wrapped secrets on the host, by name.
    pub files: Vec<AuditFile>,
    /// The file the last `audit verify` checked, whether or not it still holds what was verified.
    pub last_verified_file: Option<String>,
    /// The last verification, while its file is unchanged.
    pub verified: Option<Verified>,
}

/// The kind of audit file `name` is, given the configured log path: a `.log` inside it or named as the
/// logging daemon names its files, or a `.lws` wrapped secret anywhere.
fn audit_kind(name: &str, path: Option<&str>) -> Option<AuditFileKind> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let inside = path.is_some_and(|p| name.strip_prefix(p.trim_end_matches('/')).is_some_and(|r| r.starts_with('/')));
    if name.ends_with(".log") && (inside || base.starts_with("hsm_")) {
        Some(AuditFileKind::Log)
    } else if name.ends_with(".lws") {
        Some(AuditFileKind::Secret)
    } else {
        None
    }
}

impl AuditView {
    /// Reads the Auditor's configuration, the HSM's store, the audit files on the host and the last
    /// verification from `world`.
    pub fn of(world: &World) -> AuditView {
        let audit = world.hsm().audit();
        let path = audit.config().path.clone();
        let files = world
            .files()
            .iter()
            .filter_map(|(name, text)| {
                audit_kind(name, path.as_deref()).map(|kind| AuditFile {
                    name: name.to_string(),
                    kind,
                    len: text.len(),
                })
            })
            .collect();
        let last_verified_file = audit.last_verified().map(|(file, _)| file.to_string());
        let verified = last_verified_file.as_deref().and_then(|file| {
            let text = world.files().get(file)?;
            let (report, lines) = audit.verification_of(file, text)?;
            Some(Verified { file: file.to_string(), report: report.clone(), lines })
        });
        AuditView {
            path,
            stored: audit.stored().len(),
            capacity: audit.capacity(),
            files,
            last_verified_file,
            verified,
        }
    }
}

/// The lab in progress, as the labs panel shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A lab being authored (the instructor panel's "Author a lab"), as the panel shows it: see
/// [`crate::labs::author`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthoringView {
    /// Recording is under way (otherwise it stopped, and the checks are proposed).
    pub recording: bool,
    /// The solution lines recorded, answers at password prompts masked.
    pub lines: Vec<String>,
    /// The recording was cut short: it is full.
    pub full: bool,
    /// The checks proposed once recording stopped, in words, in the order `ExportLab` counts them.
    pub proposals: Vec<String>,
    /// Why the recording cannot make a lab, if it cannot.
    pub problem: Option<String>,
}

/// The unit in front's surroundings and state, as the environment control shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    /// Temperature, tenths of a degree Celsius.
    pub temperature_dc: i32,
    /// The 5 V rail, millivolts.
    pub rail_mv: u32,
    /// The HSM Status (`OK`, `Hardware Tamper`...).
    pub status: String,
    /// Whether the unit is halted.
    pub halted: bool,
    /// Mild excursions in force.
    pub warnings: Vec<String>,
}

impl EnvironmentView {
    /// Reads the unit in front of `world`.
    pub fn of(world: &World) -> EnvironmentView {
        let hsm = world.front_hsm();
        let sensors = hsm.sensors();
        EnvironmentView {
            temperature_dc: sensors.temperature_dc,
            rail_mv: sensors.rail_mv,
            status: hsm.status().to_string(),
            halted: hsm.halt().is_some(),
            warnings: hsm.warnings().iter().map(|w| w.to_string()).collect(),
        }
    }
}

/// Everything the page shows of the world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// What the touchscreen of the unit in front shows.
    pub screen: Screen,
    /// The iKeys on the desk and in the ports, by id.
    pub ikeys: Vec<IKeyView>,
    /// LunaCM waits for an iKey ceremony on the touchscreen to end ("Please attend to the PED.").
    pub waiting_for_ped: bool,
    /// A unit runs something that time ends (an iKey ceremony, a wait), with or without LunaCM waiting.
    pub busy: bool,
    /// LunaCM waits for a password: the input is masked.
    pub masked: bool,
    /// LunaCM waits for a command (rather than an answer to one of its questions, or the PED).
    pub at_command_prompt: bool,
    /// The world's revision (changes since the unit was made).
    pub revision: u64,
    /// LunaCM's current slot, the roles logged in and the application partition.
    pub slots: SlotStatus,
    /// The HSM and partition policies.
    pub policies: PolicyTables,
    /// The host computer's files.
    pub files: Vec<HostFile>,
    /// The audit files, the HSM's store of records and the last verification.
    pub audit: AuditView,
    /// The lab in progress.
    pub lab: Option<LabView>,
    /// The unit in front's temperature, rail and status.
    pub environment: EnvironmentView,
    /// A training unit on a USB cable that the terminal drives instead of the simulated unit (set by the
    /// worker, which holds the link; the world knows nothing of it).
    pub attached: Option<crate::worker::usb::AttachedView>,
    /// A lab being authored; none unless the page's worker records one (it is no part of the world).
    #[serde(default)]
    pub authoring: Option<AuthoringView>,
}

impl View {
    /// Reads everything the page shows from `world` at `now` (the lab's checks are judged now).
    pub fn of(world: &World, now: u64) -> View {
        View {
            screen: world.screen(now),
            ikeys: world.ikeys(),
            waiting_for_ped: world.waiting_for_ped(),
            busy: world.busy(),
            masked: world.input_masked(),
            at_command_prompt: world.prompt() == PROMPT,
            revision: world.revision(),
            slots: SlotStatus::of(world),
            policies: PolicyTables::of(world),
            files: files_of(world),
            audit: AuditView::of(world),
            lab: LabView::of(world, now),
            environment: EnvironmentView::of(world),
            attached: None,
            authoring: None,
        }
    }

    /// What differs in `next`: the parts of it that are not as in `self`.
    pub fn change_to(&self, next: &View) -> ViewChange {
        fn changed<T: PartialEq + Clone>(old: &T, new: &T) -> Option<T> {
            (old != new).then(|| new.clone())
        }
        ViewChange {
            screen: changed(&self.screen, &next.screen),
            ikeys: changed(&self.ikeys, &next.ikeys),
            waiting_for_ped: changed(&self.waiting_for_ped, &next.waiting_for_ped),
            busy: changed(&self.busy, &next.busy),
            masked: changed(&self.masked, &next.masked),
            at_command_prompt: changed(&self.at_command_prompt, &next.at_command_prompt),
            revision: changed(&self.revision, &next.revision),
            slots: changed(&self.slots, &next.slots),
            policies: changed(&self.policies, &next.policies),
            files: FilesChange::between(&self.files, &next.files),
            audit: changed(&self.audit, &next.audit),
            lab: changed(&self.lab, &next.lab),
            environment: changed(&self.environment, &next.environment),
            attached: changed(&self.attached, &next.attached),
            authoring: changed(&self.authoring, &next.authoring),
        }
    }

    /// The whole view as a change from nothing: what a page that has shown nothing yet needs.
    pub fn whole(&self) -> ViewChange {
        ViewChange {
            screen: Some(self.screen.clone()),
            ikeys: Some(self.ikeys.clone()),
            waiting_for_ped: Some(self.waiting_for_ped),
            busy: Some(self.busy),
            masked: Some(self.masked),
            at_command_prompt: Some(self.at_command_prompt),
            revision: Some(self.revision),
            slots: Some(self.slots.clone()),
            policies: Some(self.policies.clone()),
            files: Some(FilesChange { names: self.files.iter().map(|f| f.name.clone()).collect(), texts: self.files.clone() }),
            audit: Some(self.audit.clone()),
            lab: Some(self.lab.clone()),
            environment: Some(self.environment.clone()),
            attached: Some(self.attached.clone()),
            authoring: Some(self.authoring.clone()),
        }
    }
}

/// How the host's files changed: every name, in order, and the texts of only the files that are new or
/// changed. A host keeps up to 200 files, audit logs of up to 256 KiB among them: a line that adds an
/// audit record changes one of them, and sending them all after each line cost the page milliseconds
/// per megabyte.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesChange {
    /// Every file's name, in order.
    pub names: Vec<String>,
    /// The files whose text the other side does not have.
    pub texts: Vec<HostFile>,
}

impl FilesChange {
    /// From `old` to `new`, or `None` if they are the same. Texts the world shares between changes are
    /// compared by address, so a host with large log files costs nothing to compare.
    pub fn between(old: &[HostFile], new: &[HostFile]) -> Option<FilesChange> {
        let before: BTreeMap<&str, &Arc<str>> = old.iter().map(|f| (f.name.as_str(), &f.text)).collect();
        let texts: Vec<HostFile> = new
            .iter()
            .filter(|f| before.get(f.name.as_str()).is_none_or(|t| !(Arc::ptr_eq(t, &f.text) || ***t == *f.text)))
            .cloned()
            .collect();
        let same_names = old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a.name == b.name);
        if texts.is_empty() && same_names {
            return None;
        }
        Some(FilesChange { names: new.iter().map(|f| f.name.clone()).collect(), texts })
    }

    /// The files after this change to `old`. A name whose text is neither sent nor in `old` (which a
    /// change made by [`FilesChange::between`] from the same `old` never has) is left out.
    pub fn apply(self, old: &[HostFile]) -> Vec<HostFile> {
        let mut texts: BTreeMap<String, Arc<str>> =
            old.iter().map(|f| (f.name.clone(), Arc::clone(&f.text))).collect();
        texts.extend(self.texts.into_iter().map(|f| (f.name, f.text)));
        self.names.into_iter().filter_map(|name| texts.get(&name).cloned().map(|text| HostFile { name, text })).collect()
    }
}

/// A field that is present in a message even when its value is `None` ("no lab now"), unlike one left
/// out ("unchanged").
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The parts of a [`View`] that changed; `None` where nothing did. Sent to the page after each change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<Screen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikeys: Option<Vec<IKeyView>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for_ped: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_command_prompt: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<SlotStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<PolicyTables>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FilesChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditView>,
    /// `Some(None)`: the lab ended.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub lab: Option<Option<LabView>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentView>,
    /// `Some(None)`: the unit on the cable is gone.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub attached: Option<Option<crate::worker::usb::AttachedView>>,
    /// `Some(None)`: authoring ended.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub authoring: Option<Option<AuthoringView>>,
}

impl ViewChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == ViewChange::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_files_are_logs_under_the_path_or_named_by_the_daemon_and_wrapped_secrets() {
        let path = Some("/var/audit");
        assert_eq!(audit_kind("/var/audit/mine.log", path), Some(AuditFileKind::Log));
        assert_eq!(audit_kind("/tmp/hsm_835184_00000001.log", path), Some(AuditFileKind::Log));
        assert_eq!(audit_kind("/var/auditx/mine.log", path), None);
        assert_eq!(audit_kind("/var/audit/notes.txt", path), None);
        assert_eq!(audit_kind("/tmp/LogSecret_1_835184.lws", None), Some(AuditFileKind::Secret));
    }

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
    fn a_change_carries_only_what_changed_and_survives_the_message() {
        let mut world = World::new(1, 0);
        let before = View::of(&world, 0);
        assert!(before.change_to(&before).is_empty());
        world.put_file("notes.txt", "hello".into()).unwrap();
        let after = View::of(&world, 0);
        let change = before.change_to(&after);
        assert_eq!(change.files.as_ref().map(|f| f.texts.len()), Some(1));
        assert!(change.screen.is_none() && change.lab.is_none(), "{change:?}");
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(serde_json::from_str::<ViewChange>(&text).unwrap(), change);
    }

    #[test]
    fn a_files_change_sends_only_new_and_changed_texts_and_rebuilds_the_list() {
        let mut world = World::new(1, 0);
        for (name, text) in [("a.txt", "one"), ("b.log", "two"), ("c.txt", "three")] {
            world.put_file(name, text.into()).unwrap();
        }
        let before = View::of(&world, 0);
        world.put_file("b.log", "two, and more".into()).unwrap();
        world.put_file("d.txt", "four".into()).unwrap();
        assert!(world.remove_file("a.txt"));
        let after = View::of(&world, 0);
        let change = FilesChange::between(&before.files, &after.files).expect("the files changed");
        let sent: Vec<&str> = change.texts.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(sent, ["b.log", "d.txt"]);
        assert_eq!(change.names, ["b.log", "c.txt", "d.txt"]);
        assert_eq!(change.apply(&before.files), after.files);
        assert_eq!(FilesChange::between(&after.files, &after.files), None);
        // A file removed and nothing else changed: the names alone say so.
        assert!(world.remove_file("c.txt"));
        let fewer = View::of(&world, 0);
        let change = FilesChange::between(&after.files, &fewer.files).expect("a file went");
        assert!(change.texts.is_empty());
        assert_eq!(change.apply(&after.files), fewer.files);
        // From nothing: every text.
        let whole = fewer.whole().files.expect("the whole view has the files");
        assert_eq!(whole.apply(&[]), fewer.files);
    }

    #[test]
    fn a_lab_or_an_authoring_that_ends_is_told_apart_from_an_unchanged_one() {
        let ended = ViewChange { lab: Some(None), ..ViewChange::default() };
        let text = serde_json::to_string(&ended).unwrap();
        assert_eq!(text, r#"{"lab":null}"#);
        assert_eq!(serde_json::from_str::<ViewChange>(&text).unwrap().lab, Some(None));
        assert_eq!(serde_json::from_str::<ViewChange>("{}").unwrap().lab, None);
        let ended = ViewChange { authoring: Some(None), ..ViewChange::default() };
        let text = serde_json::to_string(&ended).unwrap();
        assert_eq!(text, r#"{"authoring":null}"#);
        assert_eq!(serde_json::from_str::<ViewChange>(&text).unwrap().authoring, Some(None));
        assert_eq!(serde_json::from_str::<ViewChange>("{}").unwrap().authoring, None);
    }
}
