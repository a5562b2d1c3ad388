//! The HSM firmware model. One folder per feature of the admin guide, each with its requests, rules and
//! errors: `lifecycle/` (STM, initialization, zeroize, factory reset), `roles/`, `partition/`, `policy/`,
//! `ped/` (the touchscreen, iKey ceremonies, the Admin tab), `firmware/` (update and rollback). This file
//! holds the device's state and [`Hsm::handle`], which only sends a request to its feature.
//!
//! Every security-relevant change passes [`Hsm::emit`]: the event log that the audit log and the trainer's
//! checks read.

mod access;
pub mod audit;
pub mod event;
pub mod firmware;
mod lifecycle;
mod partition;
pub mod ped;
pub mod policy;
mod request;
mod roles;
mod session;
pub mod tamper;
pub mod utilization;

pub use event::{Event, Stamped};
pub use lifecycle::{
    check_domain, check_hsm_label, check_partition_label, check_password, stm_string_well_formed, AuthMethod,
    HsmStatus, NameError, LABEL_MAX,
};
pub use partition::{
    AppLogin, Class, KeyPairSpec, KeyType, ObjectAnswer, ObjectInfo, ObjectOp, ObjectRequest, Partition, SecretSpec,
    SignMech, Template, Usage, PARTITION_STORAGE_BYTES,
};
pub use ped::{Button, Screen, KEYPAD};
pub use request::{
    Action, AuditAction, CryptoRngCore, Env, Frame, HsmInfo, PartitionInfo, PedStatus, PhysicalEvent, PolicyView,
    Request, Response, SlotId, Transport, ADMIN_SLOT, PARTITION_SLOT,
};
pub use roles::{
    Credential, Lockout, Role, RoleInfo, RoleRecord, Verifier, AUDITOR_LOCKOUT_MS, PO_LOGIN_ATTEMPTS, SO_LOGIN_ATTEMPTS,
};
pub use session::{Session, SESSION_TABLE_MAX};

use crate::ikey::IKey;
use crate::retcode::{self, LunaRet};
use lifecycle::{Lifecycle, Stm};
use ped::{Admin, Ceremony, KeysetRecord, Progress, Step};
use policy::Policies;
use roles::RoleTable;
use serde::{Deserialize, Serialize};

/// Model string of the USB HSM 7's crypto module.
pub const MODEL: &str = "Luna G7";
/// Bootloader a new unit ships with.
pub const BOOTLOADER: &str = "1.6.0";
/// Events kept in the device's event log; the oldest go first.
pub const EVENTS_KEPT: usize = 1000;

/// What a running ceremony is for: decides what its keysets become.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// `hsm init -iped`: HSM SO (blue) then HSM domain (red).
    InitHsm { label: String, policies: Option<Policies> },
    /// `hsm init` on an initialized multifactor HSM: present the HSM SO keyset.
    ReinitHsm { label: String },
    /// `role login` with iKeys, with the challenge secret given when the role has one.
    Login { slot: SlotId, role: Role },
    /// `role changepw`: present the current keyset, then create the new one.
    ChangeCredential { slot: SlotId, role: Role },
    /// `role init` or `role resetpw`: create the role's keyset.
    SetCredential { slot: SlotId, role: Role, reset: bool },
    /// `partition init` with iKeys: (the current Partition SO, then) Partition SO (blue), partition domain
    /// (red).
    InitPartition { label: String, soft: bool, policies: Option<Policies> },
    /// `ped vector init`: a Remote PED vector (orange).
    InitRpv,
}

/// A ceremony and what it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Running {
    purpose: Purpose,
    ceremony: Ceremony,
    /// The request that started it, logged when the ceremony decides its outcome.
    #[serde(default)]
    audit: Option<audit::Pending>,
}

/// A Luna USB HSM 7.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hsm {
    serial: String,
    /// Kept through zeroize so that re-initializing to the other method needs a factory reset.
    auth: Option<AuthMethod>,
    lifecycle: Lifecycle,
    /// The admin slot's roles: HSM SO and Auditor.
    admin_roles: RoleTable,
    /// HSM policies (chapter 8): kept through zeroize, reset by factory reset.
    policies: Policies,
    rpv: Option<KeysetRecord>,
    /// Every failed SO login ever, never reset: it is part of the state STM verifies, so a single bad
    /// login while in transport shows up as a mismatch even if a good login follows.
    so_failed_total: u32,
    stm: Option<Stm>,
    /// Outages of more than two hours while partition roles were activated: part of the state STM
    /// verifies, so such an outage in transit shows as a mismatch (chapter 3).
    #[serde(default)]
    long_outages: u32,
    /// Bumped by every action that logs every role out (zeroize, init, STM, partition changes): a session
    /// from an older generation is over.
    generation: u64,
    /// Security-relevant events, oldest first (at most [`EVENTS_KEPT`]). In a world's fingerprint
    /// ([`crate::snapshot`]) only their count: `emitted` tells a new one, so that a line costs the same
    /// with a thousand events kept as with none.
    #[serde(serialize_with = "events_in_form")]
    events: Vec<Stamped>,
    /// Events emitted since the unit was made (or since this count was saved: worlds saved before it
    /// start from the number of events they kept, see `crate::migrate`). Never less than the events
    /// kept, so the oldest kept event is the `emitted - events.len()`th ever emitted.
    #[serde(default)]
    emitted: u64,
    /// The iKey in the iKey port.
    port: Option<IKey>,
    running: Option<Running>,
    /// How the last ceremony ended, until LunaCM collects it.
    ped_outcome: Option<Result<(), LunaRet>>,
    /// The Admin tab, when open.
    admin: Option<Admin>,
    /// A message left on the idle screen by the last ceremony.
    flash: Option<String>,
    /// Audit logging: the log, its secret, the Auditor's configuration and the HSM's clock.
    #[serde(default)]
    audit: audit::Audit,
    /// What the temperature and 5 V rail sensors read.
    #[serde(default)]
    sensors: tamper::Sensors,
    /// Why the HSM is halted (a tamper, a corrupted memory, under-voltage), until a reset clears it.
    #[serde(default)]
    halt: Option<tamper::Halt>,
    /// The last tamper, cleared or not: `hsm tampershow` shows it.
    #[serde(default)]
    last_tamper: Option<tamper::TamperRecord>,
    /// Mild excursions of temperature or voltage in force.
    #[serde(default)]
    warnings: Vec<tamper::Warning>,
    /// The firmware running and the version kept for rollback (worlds saved before run 7.7.2).
    #[serde(default)]
    firmware: firmware::Firmware,
    /// Utilization counters and the monitor's times: volatile, lost at every reset.
    #[serde(default)]
    utilization: utilization::Utilization,
    /// The key-encryption key of the stored objects, and what a zeroize left of them.
    #[serde(default)]
    storage: partition::Storage,
    #[serde(skip)]
    session: Session,
    /// Sessions the host's applications hold open in the HSM's session table (volatile: a reset empties
    /// the table; worlds saved before it have none).
    #[serde(default)]
    app_sessions: u32,
    /// A failed power-up check of the stored data (a saved world edited by hand) not yet in the audit
    /// log: the load that found it has no clock, so the next request or tick logs it.
    #[serde(skip)]
    unlogged_integrity_failure: bool,
}

/// The events, or only their count in a world's fingerprint (see [`Hsm`]'s `events`).
fn events_in_form<S: serde::Serializer>(events: &[Stamped], s: S) -> Result<S::Ok, S::Error> {
    match crate::snapshot::form() {
        crate::snapshot::Form::Fingerprint => s.serialize_u64(events.len() as u64),
        _ => serde::Serialize::serialize(events, s),
    }
}

impl Hsm {
    /// A unit as it leaves the factory: zeroized, in Secure Transport Mode, with the strings Thales would
    /// e-mail to the customer. Returns the HSM, its random user string and its verification string.
    pub fn from_factory(rng: &mut dyn CryptoRngCore) -> (Hsm, String, String) {
        let serial = format!("{}", 500_000 + rng.next_u32() % 400_000);
        let mut hsm = Hsm {
            serial,
            auth: None,
            lifecycle: Lifecycle::Zeroized,
            admin_roles: RoleTable::default(),
            policies: Policies::hsm_defaults(),
            rpv: None,
            so_failed_total: 0,
            stm: None,
            long_outages: 0,
            generation: 0,
            events: Vec::new(),
            emitted: 0,
            port: None,
            running: None,
            ped_outcome: None,
            admin: None,
            flash: None,
            audit: audit::Audit::default(),
            sensors: tamper::Sensors::default(),
            halt: None,
            last_tamper: None,
            warnings: Vec::new(),
            firmware: firmware::Firmware::default(),
            utilization: utilization::Utilization::default(),
            storage: partition::Storage::default(),
            session: Session::default(),
            app_sessions: 0,
            unlogged_integrity_failure: false,
        };
        let (mut stm, rus) = Stm::enter(rng);
        let verification = stm.verification_string(&rus, &hsm.state_digest());
        stm.issue(&verification);
        hsm.stm = Some(stm);
        (hsm, rus, verification)
    }

    /// The serial number on the unit.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The HSM label; empty while zeroized.
    pub fn label(&self) -> &str {
        match &self.lifecycle {
            Lifecycle::Initialized { label, .. } => label,
            Lifecycle::Zeroized => "",
        }
    }

    /// True when no HSM SO exists (new, zeroized or factory reset).
    pub fn zeroized(&self) -> bool {
        matches!(self.lifecycle, Lifecycle::Zeroized)
    }

    /// True while in Secure Transport Mode.
    pub fn in_stm(&self) -> bool {
        self.stm.is_some()
    }

    /// The authentication method of the last hard initialization.
    pub fn auth(&self) -> Option<AuthMethod> {
        self.auth
    }

    /// The status chapter 11 names for the current state.
    pub fn status(&self) -> HsmStatus {
        match &self.halt {
            Some(h) => HsmStatus::halted(h, self.zeroized()),
            None => HsmStatus::of(self.in_stm(), self.zeroized()),
        }
    }

    /// The HSM's policies.
    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    /// The application partition, if created.
    pub fn partition(&self) -> Option<&Partition> {
        match &self.lifecycle {
            Lifecycle::Initialized { partition, .. } => partition.as_deref(),
            Lifecycle::Zeroized => None,
        }
    }

    fn partition_mut(&mut self) -> Option<&mut Partition> {
        match &mut self.lifecycle {
            Lifecycle::Initialized { partition, .. } => partition.as_deref_mut(),
            Lifecycle::Zeroized => None,
        }
    }

    /// The admin slot's role records (HSM SO, Auditor).
    pub fn admin_roles(&self) -> &RoleTable {
        &self.admin_roles
    }

    /// The security-relevant events so far, oldest first.
    pub fn events(&self) -> &[Stamped] {
        &self.events
    }

    /// How many events the unit has emitted, counting those the log no longer keeps: a stable mark in
    /// the event stream, where an index into [`Hsm::events`] shifts once the oldest are dropped.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// The events kept that were emitted after the first `mark` ones ([`Hsm::emitted`] at some earlier
    /// moment): all kept events emitted since then, however many the log dropped meanwhile.
    pub fn events_since(&self, mark: u64) -> &[Stamped] {
        let first_kept = self.emitted.saturating_sub(self.events.len() as u64);
        let skip = usize::try_from(mark.saturating_sub(first_kept)).unwrap_or(usize::MAX);
        &self.events[skip.min(self.events.len())..]
    }

    /// Records a security-relevant change: the one place the audit log and the trainer's checks read.
    pub(crate) fn emit(&mut self, now_ms: u64, event: Event) {
        if self.events.len() >= EVENTS_KEPT {
            self.events.remove(0);
        }
        self.events.push(Stamped { at_ms: now_ms, event });
        self.emitted += 1;
    }

    /// The iKey in the port, if any.
    pub fn port(&self) -> Option<&IKey> {
        self.port.as_ref()
    }

    /// Whether time matters to the HSM now: an iKey ceremony waits for its timeout, or the recovery
    /// process of a corrupted storage runs.
    pub fn busy(&self) -> bool {
        self.ceremony_running() || matches!(self.halt, Some(tamper::Halt::Recovering { .. }))
    }

    /// Whether an iKey ceremony is in progress.
    pub fn ceremony_running(&self) -> bool {
        self.running.is_some()
    }

    /// What the touchscreen shows now.
    pub fn screen(&self) -> Screen {
        self.screen_at(None)
    }

    /// What the touchscreen shows at `now_ms` (the recovery process shows how far it is).
    pub fn screen_at(&self, now_ms: Option<u64>) -> Screen {
        if let Some(halt) = &self.halt {
            return self.halted_screen(halt, now_ms);
        }
        if let Some(r) = &self.running {
            return r.ceremony.screen();
        }
        if let Some(a) = &self.admin {
            return a.screen(self.port.as_ref());
        }
        let mut status = Vec::new();
        if self.in_stm() {
            status.push("Transport Mode".to_string());
        }
        status.push(if self.zeroized() { "Zeroized" } else { "Initialized" }.to_string());
        if let Some(p) = self.partition() {
            status.push(format!(
                "Partition: {}",
                if p.initialized() { format!("\"{}\"", p.label()) } else { "created".to_string() }
            ));
        }
        let roles: Vec<String> = self.session.logins.values().map(|r| format!("{r} logged in")).collect();
        Screen {
            title: "Luna USB HSM 7".into(),
            status,
            label: self.label().to_string(),
            role: (!roles.is_empty()).then(|| roles.join(", ")),
            note: self.flash.clone(),
            buttons: vec![Button::Admin],
            ..Screen::default()
        }
    }

    /// Something happened to the device: a key inserted or removed, a tap on the touchscreen. Returns the
    /// key taken out by `Remove`, or gives back a key that could not go in (the port is occupied).
    pub fn physical(&mut self, event: PhysicalEvent, env: &mut Env<'_>) -> Result<Option<IKey>, IKey> {
        self.tick(env.now_ms);
        self.flash = None;
        let (input, out) = match event {
            PhysicalEvent::Insert(key) => {
                if self.port.is_some() {
                    return Err(key);
                }
                self.port = Some(key);
                (ped::Input::Inserted, None)
            }
            PhysicalEvent::Remove => match self.port.take() {
                Some(k) => (ped::Input::Removed, Some(k)),
                None => return Ok(None),
            },
            PhysicalEvent::Tap(ref label) => {
                // A tap on something that is not a button of this device does nothing.
                let Some(button) = Button::from_label(label) else { return Ok(None) };
                let input = ped::Input::Tap(button);
                if let Some(mut running) = self.running.take() {
                    let progress = running.ceremony.handle(input, &mut self.port, env.now_ms, env.rng);
                    self.after(running, progress, env);
                } else if let Some(admin) = self.admin.take() {
                    self.admin = admin.tap(button, &mut self.port);
                } else if button == Button::Admin {
                    self.admin = Some(Admin::default());
                }
                return Ok(None);
            }
        };
        if let Some(admin) = self.admin.as_mut() {
            admin.key_moved();
        }
        if let Some(mut running) = self.running.take() {
            let progress = running.ceremony.handle(input, &mut self.port, env.now_ms, env.rng);
            self.after(running, progress, env);
        }
        Ok(out)
    }

    /// Lets time pass: an iKey wait that lasted too long fails the ceremony.
    pub fn tick(&mut self, now_ms: u64) {
        self.log_integrity_failure(now_ms);
        self.recovery_tick(now_ms);
        if let Some(mut running) = self.running.take() {
            match running.ceremony.tick(now_ms) {
                Progress::Waiting => self.running = Some(running),
                Progress::Failed(f) => self.ceremony_failed(running, f, now_ms),
                Progress::Done(_) => {}
            }
        }
    }

    /// Keeps a ceremony that still waits; finishes one that ended.
    fn after(&mut self, running: Running, progress: Progress, env: &mut Env<'_>) {
        match progress {
            Progress::Waiting => self.running = Some(running),
            Progress::Done(created) => {
                let pending = running.audit.clone();
                let result = self.ceremony_done(running.purpose, created, env);
                if let Some(p) = pending {
                    self.log(p, result.err(), env.now_ms, Some(&mut *env.rng));
                }
                self.flash = Some(match result {
                    Ok(()) => "Operation completed.".into(),
                    Err(code) => format!("Operation failed: {}.", code.name),
                });
                self.ped_outcome = Some(result);
            }
            Progress::Failed(f) => self.ceremony_failed(running, f, env.now_ms),
        }
    }

    /// A ceremony failed: count a failed authentication where the guide says it counts.
    fn ceremony_failed(&mut self, running: Running, f: ped::Failure, now_ms: u64) {
        let Running { purpose, audit, .. } = running;
        self.flash = Some(f.message.clone());
        let counted = match (&purpose, f.counted) {
            (Purpose::Login { slot, role } | Purpose::ChangeCredential { slot, role }, true) => {
                Some(self.count_failure(*slot, *role, now_ms))
            }
            (Purpose::ReinitHsm { .. }, true) => Some(self.count_failure(ADMIN_SLOT, Role::So, now_ms)),
            (Purpose::InitPartition { soft: true, .. }, true) => {
                let slot = self.partition().map_or(PARTITION_SLOT, |p| p.slot());
                Some(self.count_failure(slot, Role::PartitionSo, now_ms))
            }
            _ => None,
        };
        if f.code == retcode::SO_LOGIN_FAILURE_THRESHOLD || counted == Some(retcode::SO_LOGIN_FAILURE_THRESHOLD) {
            self.flash = Some("Too many failed HSM SO logins: the HSM is zeroized.".into());
        }
        let code = counted.unwrap_or(f.code);
        self.ped_outcome = Some(Err(code));
        if let Some(p) = audit {
            self.log(p, Some(code), now_ms, None);
        }
    }

    /// A ceremony presented and created every keyset it asked for: apply what it was for.
    fn ceremony_done(
        &mut self,
        purpose: Purpose,
        mut created: Vec<KeysetRecord>,
        env: &mut Env<'_>,
    ) -> Result<(), LunaRet> {
        let now = env.now_ms;
        match purpose {
            Purpose::InitHsm { label, policies } => {
                let (Some(domain), Some(so)) = (created.pop(), created.pop()) else {
                    return Err(retcode::GENERAL_ERROR);
                };
                let (so, domain) = (Credential::Keyset(so), Credential::Keyset(domain));
                self.initialized(label, AuthMethod::Multifactor, so, domain, policies, now);
                Ok(())
            }
            Purpose::ReinitHsm { label } => {
                self.reinitialized(label, now);
                Ok(())
            }
            Purpose::Login { slot, role } => self.ped_login_done(slot, role, now),
            Purpose::ChangeCredential { slot, role } => {
                let new = created.pop().ok_or(retcode::GENERAL_ERROR)?;
                self.credential_changed(slot, role, Credential::Keyset(new), now)
            }
            Purpose::SetCredential { slot, role, reset } => {
                self.ped_credential_done(slot, role, reset, created.pop(), now)
            }
            Purpose::InitPartition { label, soft, policies } => {
                let domain = if soft { None } else { created.pop().map(Credential::Keyset) };
                let so = created.pop().ok_or(retcode::GENERAL_ERROR)?;
                self.partition_initialized(label, Credential::Keyset(so), domain, policies, now);
                Ok(())
            }
            Purpose::InitRpv => {
                self.rpv = created.pop();
                self.emit(now, Event::RpvInitialized);
                Ok(())
            }
        }
    }

    /// Starts a ceremony for the host, which then polls [`Request::PedPoll`].
    fn start_ceremony(
        &mut self,
        purpose: Purpose,
        steps: Vec<Step>,
        title: &str,
        now_ms: u64,
    ) -> Result<Response, LunaRet> {
        if self.running.is_some() {
            return Err(retcode::OPERATION_ACTIVE);
        }
        let mut steps = steps.into_iter();
        let Some(first) = steps.next() else { return Err(retcode::GENERAL_ERROR) };
        self.admin = None;
        self.flash = None;
        self.ped_outcome = None;
        // HSM policy 37 (Allow MofN) off: every new keyset is 1 of 1.
        let m_of_n = self.policies.get(37) != Some(0);
        let ceremony = Ceremony::start(title, first, steps.collect(), now_ms, m_of_n);
        self.running = Some(Running { purpose, ceremony, audit: None });
        Ok(Response::Ped(PedStatus::Pending))
    }

    /// The role table of a slot.
    fn roles(&self, slot: SlotId) -> Result<&RoleTable, LunaRet> {
        if slot == ADMIN_SLOT {
            return Ok(&self.admin_roles);
        }
        match self.partition() {
            Some(p) if p.slot() == slot => Ok(p.roles()),
            _ => Err(retcode::SLOT_ID_INVALID),
        }
    }

    /// The role table of a slot, for changes.
    fn roles_mut(&mut self, slot: SlotId) -> Result<&mut RoleTable, LunaRet> {
        if slot == ADMIN_SLOT {
            return Ok(&mut self.admin_roles);
        }
        match self.partition_mut() {
            Some(p) if p.slot() == slot => Ok(p.roles_mut()),
            _ => Err(retcode::SLOT_ID_INVALID),
        }
    }

    /// Carries out one request from the host, addressed to a slot, and logs it as the Auditor's event
    /// mask says.
    pub fn handle(&mut self, frame: Frame, env: &mut Env<'_>) -> Result<Response, LunaRet> {
        self.tick(env.now_ms);
        let Frame { slot, request } = frame;
        // Any slot the host names must exist, whatever it asks.
        self.roles(slot)?;
        self.refuse_when_halted(&request)?;
        self.refuse_when_session_table_full(&request)?;
        self.account(slot, &request, env.now_ms);
        let op = audit::Op::of(&request);
        self.refuse_when_log_full(op)?;
        let pending = op.map(|op| audit::Pending {
            op,
            slot,
            role: match &request {
                Request::Login { role, .. } => Some(*role),
                _ => self.session.role(slot),
            },
            detail: audit::detail_of(&request),
        });
        let result = self.dispatch(slot, request, env);
        if let Some(p) = pending {
            self.log_outcome(p, &result, env.now_ms, Some(&mut *env.rng));
        }
        result
    }

    fn dispatch(&mut self, slot: SlotId, request: Request, env: &mut Env<'_>) -> Result<Response, LunaRet> {
        match request {
            Request::GetInfo => {
                let mut info = self.info();
                info.hsm_time_ms = self.hsm_time(env.now_ms);
                Ok(Response::Info(info))
            }
            Request::PedPoll => self.ped_poll(),
            Request::CloseSession => {
                self.close_session();
                Ok(Response::Done)
            }
            Request::Authorize(action) => self.authorize(slot, action).map(|_| Response::Done),
            Request::Login { role, password } => self.login(slot, role, password, env),
            Request::Logout => self.logout(slot, env.now_ms),
            Request::InitRole { role, password } => self.init_role(slot, role, password, env),
            Request::ChangeCredential { role, old_password, new_password } => {
                self.change_credential(slot, role, old_password, new_password, env)
            }
            Request::ResetCredential { role, password } => self.reset_credential(slot, role, password, env),
            Request::CreateChallenge { role, challenge } => self.create_challenge(slot, role, &challenge, env),
            Request::Deactivate { role } => self.deactivate(slot, role, env.now_ms),
            Request::RoleStatus { role } => self.role_status(slot, role).map(Response::Role),
            Request::ListRoles => Ok(Response::Roles(self.role_list(slot))),
            Request::InitHsm { label, auth, so_password, domain, policies } => {
                self.init_hsm(slot, label, auth, so_password, domain, policies, env)
            }
            Request::ReinitHsm { label, so_password } => self.reinit_hsm(slot, label, so_password, env),
            Request::InitRpv => self.init_rpv(slot, env.now_ms),
            Request::Zeroize => self.zeroize_request(slot, env.now_ms),
            Request::FactoryReset => self.factory_reset_request(slot, env.now_ms),
            Request::StmTransport => self.stm_transport(slot, env),
            Request::StmVerify { random_user_string } => self.stm_verify(slot, &random_user_string),
            Request::StmRecover => self.stm_recover(slot, env.now_ms),
            Request::GetPolicies => self.get_policies(slot),
            Request::ChangePolicy { id, value } => self.change_policy(slot, id, value, env.now_ms),
            Request::CreatePartition { version } => self.create_partition(slot, version, env),
            Request::DeletePartition => self.delete_partition(slot, env.now_ms),
            Request::ListObjects => self.list_objects(slot),
            Request::InitPartition { label, so_password, domain, current_password, policies } => {
                self.init_partition(slot, label, so_password, domain, current_password, policies, env)
            }
            Request::SetAuditDomain { domain } => self.set_audit_domain(slot, &domain),
            Request::AuditConfig(change) => self.audit_config(slot, change),
            Request::AuditStatus => self.audit_status(slot, env.now_ms),
            Request::AuditTimeSync => self.audit_time(slot, true, env.now_ms),
            Request::AuditTimeGet => self.audit_time(slot, false, env.now_ms),
            Request::AuditLogMessage { text } => self.audit_log_message(slot, &text),
            Request::AuditExportSecret => self.audit_export(slot, env),
            Request::AuditImportSecret { wrapped } => self.audit_import(slot, &wrapped),
            Request::AuditVerify { file, serial, lines, following } => {
                self.audit_verify(slot, file, &serial, &lines, following.as_deref())
            }
            Request::TamperShow => {
                self.require_admin_slot(slot)?;
                Ok(Response::Tamper { last: self.last_tamper.clone(), halted: self.halt.clone() })
            }
            Request::Restart => {
                self.require_admin_slot(slot)?;
                self.reset(env.now_ms, env.rng);
                Ok(Response::Done)
            }
            Request::UpdateFirmware { image, authcode } => self.update_firmware(slot, &image, &authcode, env.now_ms),
            Request::RollbackFirmware => self.rollback_firmware(slot, env.now_ms),
            Request::ShowUtilization => self.utilization_report(slot, false, env.now_ms).map(Response::Utilization),
            Request::ResetUtilization => self.utilization_report(slot, true, env.now_ms).map(Response::Utilization),
            Request::MonitorReading => self.monitor_reading(slot, env.now_ms).map(Response::Monitor),
            Request::Object(r) => self.object_request(slot, r, env),
        }
    }

    fn ped_poll(&mut self) -> Result<Response, LunaRet> {
        match self.ped_outcome.take() {
            Some(result) => Ok(Response::Ped(PedStatus::Done(result.err()))),
            None if self.running.is_some() => Ok(Response::Ped(PedStatus::Pending)),
            None => Err(retcode::OPERATION_NOT_INITIALIZED),
        }
    }

    /// Identity and state, as [`Request::GetInfo`] reports them.
    pub fn info(&self) -> HsmInfo {
        HsmInfo {
            serial: self.serial.clone(),
            model: MODEL.into(),
            firmware: self.firmware.running().to_string(),
            rollback_firmware: self.firmware.rollback().map(|v| v.to_string()),
            bootloader: BOOTLOADER.into(),
            label: self.label().to_string(),
            status: self.status(),
            auth: self.auth,
            logged_in: self.session.role(ADMIN_SLOT),
            so_failed_logins: self.admin_roles.get(Role::So).map_or(0, |r| r.failures),
            rpv_initialized: self.rpv.is_some(),
            auditor_initialized: self.admin_roles.get(Role::Auditor).is_some(),
            hsm_time_ms: 0,
            partition: self.partition().map(|p| {
                let roles = self.role_list(p.slot()).into_iter().filter(|r| r.initialized).collect();
                p.info(self.session.role(p.slot()), roles)
            }),
        }
    }
}

/// The in-process transport: LunaCM and the device in one program.
pub struct Local<'a, 'r> {
    /// The device.
    pub hsm: &'a mut Hsm,
    /// Time and randomness for this exchange.
    pub env: Env<'r>,
}

impl Transport for Local<'_, '_> {
    fn transact(&mut self, frame: Frame) -> Result<Response, LunaRet> {
        self.hsm.handle(frame, &mut self.env)
    }
}
