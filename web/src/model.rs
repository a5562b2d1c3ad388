//! What the device's slot legend, the policies, files and audit panels show, derived from the core's
//! [`World`] after each change (never from LunaCM's text). Plain values, compared before a signal is set
//! so that nothing redraws when nothing changed.

use hsm_core::device::audit::{parse_line, RecordView, Report};
use hsm_core::device::policy::{self, Policies, PolicyDef, HSM, PARTITION};
use hsm_core::device::{Role, SlotId, ADMIN_SLOT};
use hsm_core::hub;
use hsm_core::labs::CheckResult;
use hsm_core::World;
use std::sync::Arc;

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
    /// Its text, shared with the world (a host with many large log files is not copied on each line).
    pub text: Arc<str>,
}

/// Whether `files` already holds exactly the world's files: the same names and the same texts (a
/// changed file has a new text, so comparing where the texts live is enough, and costs nothing).
pub fn same_files(files: &[HostFile], world: &World) -> bool {
    let mut theirs = world.files().shared();
    files.iter().all(|f| theirs.next().is_some_and(|(n, t)| n == f.name && Arc::ptr_eq(t, &f.text)))
        && theirs.next().is_none()
}

/// The world's files, by name.
pub fn files_of(world: &World) -> Vec<HostFile> {
    world.files().shared().map(|(n, t)| HostFile { name: n.to_string(), text: Arc::clone(t) }).collect()
}

/// What kind of audit file a host file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditFileKind {
    /// A log file the host's logging daemon wrote (`hsm_<serial>_<first record>.log`), or one put back.
    Log,
    /// A log secret wrapped for export (`audit export`), to import on an HSM of the same audit domain.
    Secret,
}

/// A host file the audit panel lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuditFile {
    /// Its path on the host.
    pub name: String,
    /// A log or a wrapped secret.
    pub kind: AuditFileKind,
    /// Its size in bytes.
    pub len: usize,
}

/// The last `audit verify`, while the file it checked still begins with the lines it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The file verified.
    pub file: String,
    /// What verification found.
    pub report: Report,
    /// How many lines of the file the report speaks for (records appended since carry no mark).
    pub lines: usize,
}

/// What the audit panel shows besides the text of the file open in it.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// What the last verification says of one line of a log file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    /// Proven authentic: the chain holds up to and past it.
    Verified,
    /// The first record that fails: what was done to it (modified, inserted...), and why.
    Failed { tamper: String, reason: String },
    /// After the failure: nothing after a broken link can be trusted.
    Suspect,
    /// A last record that nothing follows: it could not be checked.
    Unchecked,
}

impl Mark {
    /// Its word, as the page shows it and as the row's `data-mark`.
    pub fn word(&self) -> &'static str {
        match self {
            Mark::Verified => "verified",
            Mark::Failed { .. } => "failed",
            Mark::Suspect => "suspect",
            Mark::Unchecked => "unchecked",
        }
    }
}

/// One non-blank line of a log file, as the audit table shows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogRow {
    /// Its line in the file, from 1 (the numbering `audit verify` reports failures in).
    pub line: usize,
    /// The record, or why the line is not one.
    pub record: Result<RecordView, String>,
    /// What the last verification says of it, if it speaks for this line.
    pub mark: Option<Mark>,
}

/// The rows of a log file's text, marked by `verified` if it is the report for this text.
pub fn log_rows(text: &str, verified: Option<&Verified>) -> Vec<LogRow> {
    let mut records = 0;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line = i + 1;
            let record = parse_line(l).map(|p| p.view());
            let mark = verified.filter(|v| line <= v.lines).map(|v| mark(&v.report, line, records));
            records += 1;
            LogRow { line, record, mark }
        })
        .collect()
}

/// What `report` says of line `line`, the file's record number `index` (from 0, blank lines not counted).
fn mark(report: &Report, line: usize, index: usize) -> Mark {
    match &report.failure {
        Some(f) if f.line == line => Mark::Failed { tamper: f.tamper.to_string(), reason: f.reason.clone() },
        Some(f) if line > f.line => Mark::Suspect,
        _ if index < report.verified => Mark::Verified,
        // Nothing proved it: the last record, with nothing after it to check it against.
        _ => Mark::Unchecked,
    }
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

    use hsm_core::device::audit::{Category, Failure, Record, Tamper};

    /// A file of `n` records, numbered from 1, every third one an access event, with a blank line after
    /// the second record.
    fn log(n: u64) -> String {
        let mut text = String::new();
        for seq in 1..=n {
            let mut raw = [0u8; 48];
            raw[10] = if seq % 3 == 0 { Category::Access as u8 } else { Category::LogManage as u8 };
            let text_field =
                format!("session 1 Access 2147483651:1 partition admin role 8 operation LUNA_OP_{seq} returned LUNA_RET_OK(0x00000000)");
            text.push_str(&Record { seq, time_ms: 1_764_000_000_000, text: text_field, raw, prev: [0; 32] }.line());
            if seq == 2 {
                text.push('\n');
            }
        }
        text
    }

    fn marks(rows: &[LogRow]) -> Vec<Option<&'static str>> {
        rows.iter().map(|r| r.mark.as_ref().map(Mark::word)).collect()
    }

    #[test]
    fn log_rows_keep_file_line_numbers_and_show_lines_that_are_not_records() {
        let text = log(3).replacen("LUNA_OP_1", "LUNA_OP_1,", 1);
        let rows = log_rows(&text, None);
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2, 4], "the blank line is no row");
        assert!(rows[0].record.as_ref().unwrap_err().contains("characters long"));
        let r = rows[2].record.as_ref().unwrap();
        assert_eq!((r.seq, r.what.as_str(), r.category), (3, "LUNA_OP_3", Some(Category::Access)));
        assert_eq!(marks(&rows), vec![None, None, None], "no verification");
    }

    #[test]
    fn marks_follow_the_report_verified_failed_suspect_unchecked() {
        let text = log(5);
        let verified = |report: Report, lines: usize| Verified { file: "f".into(), report, lines };
        // The chain breaks at the fourth record (line 4 of the file: line 3 is blank).
        let failure = Failure { line: 4, seq: Some(3), tamper: Tamper::Modified, reason: "changed".into() };
        let failed =
            Report { records: 5, verified: 2, range: Some((1, 2)), failure: Some(failure), ..Report::default() };
        let rows = log_rows(&text, Some(&verified(failed, 6)));
        assert_eq!(
            marks(&rows),
            vec![Some("verified"), Some("verified"), Some("failed"), Some("suspect"), Some("suspect")]
        );
        assert_eq!(rows[2].mark, Some(Mark::Failed { tamper: "modified".into(), reason: "changed".into() }));

        // Nothing follows the last record: it is unchecked. Lines past those verified carry no mark.
        let open_end =
            Report { records: 4, verified: 3, range: Some((1, 3)), last_unchecked: true, ..Report::default() };
        let rows = log_rows(&text, Some(&verified(open_end, 5)));
        assert_eq!(marks(&rows), vec![Some("verified"), Some("verified"), Some("verified"), Some("unchecked"), None]);
    }

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

/// The unit in front's surroundings and state, as the environment control shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
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
