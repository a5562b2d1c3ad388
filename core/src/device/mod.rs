//! The HSM firmware model: identity, roles, initialization, zeroize and factory reset, Secure Transport Mode.
//!
//! [`Hsm::handle`] is the one entry point for host requests; it is an exhaustive `match` over
//! [`Request`], each arm checking the same preconditions the real unit checks and returning the
//! guide's return code when one fails.

mod admin;
mod names;
pub mod ped;
mod request;
mod roles;
mod screen;
mod status;
mod stm;

pub use admin::Admin;
pub use names::{domain as check_domain, hsm_label as check_hsm_label, password as check_password, NameError};
pub use request::{CryptoRngCore, Env, HsmInfo, PedStatus, PhysicalEvent, Request, Response, Transport};
pub use roles::{Role, Verifier};
pub use screen::{Screen, KEYPAD_CLEAR, KEYPAD_DIGITS};
pub use status::HsmStatus;
pub use stm::{well_formed as stm_string_well_formed, Stm};

use crate::ikey::{IKey, SecretKind};
use crate::retcode::{self, LunaRet};
use ped::{Ceremony, KeysetRecord, Progress, Step};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Model string of the USB HSM 7's crypto module.
pub const MODEL: &str = "Luna G7";
/// Firmware a new unit ships with.
pub const FIRMWARE: &str = "7.7.2";
/// Bootloader a new unit ships with.
pub const BOOTLOADER: &str = "1.6.0";
/// Consecutive bad HSM SO logins that zeroize the HSM (not adjustable).
pub const SO_LOGIN_ATTEMPTS: u8 = 3;

/// How roles authenticate, chosen at hard initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMethod {
    /// Password authentication (`hsm init -ipwd`).
    Password,
    /// Multifactor quorum authentication with iKeys (`hsm init -iped`).
    Multifactor,
}

/// What the HSM keeps to verify a role or domain secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credential {
    /// A password (password-authenticated HSM).
    Password(Verifier),
    /// A keyset of iKeys (multifactor quorum-authenticated HSM).
    Keyset(KeysetRecord),
}

impl Credential {
    fn fingerprint(&self) -> &[u8] {
        match self {
            Credential::Password(v) => v.fingerprint(),
            Credential::Keyset(k) => k.fingerprint(),
        }
    }
}

/// What a running ceremony is for: decides what its keysets become.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// `hsm init -iped`: HSM SO (blue) then HSM domain (red).
    InitHsm { label: String },
    /// `role login` on a multifactor HSM.
    Login(Role),
    /// `role changepw`: present the current keyset, then create the new one.
    ChangeCredential(Role),
    /// `ped vector init`: a Remote PED vector (orange).
    InitRpv,
}

/// A ceremony and what it is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Running {
    purpose: Purpose,
    ceremony: Ceremony,
}

/// A Luna USB HSM 7.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hsm {
    serial: String,
    label: String,
    /// Kept through zeroize so that re-initializing to the other method needs a factory reset.
    auth: Option<AuthMethod>,
    so: Option<Credential>,
    domain: Option<Credential>,
    rpv: Option<KeysetRecord>,
    so_failed_logins: u8,
    /// Every failed SO login ever, never reset: it is part of the state STM verifies, so a single bad
    /// login while in transport shows up as a mismatch even if a good login follows.
    so_failed_total: u32,
    stm: Option<Stm>,
    logged_in: Option<Role>,
    /// The iKey in the iKey port.
    port: Option<IKey>,
    running: Option<Running>,
    /// How the last ceremony ended, until LunaCM collects it.
    ped_outcome: Option<Result<(), LunaRet>>,
    /// The Admin tab, when open.
    admin: Option<Admin>,
    /// A message left on the idle screen by the last ceremony.
    flash: Option<String>,
}

impl Hsm {
    /// A unit as it leaves the factory: zeroized, in Secure Transport Mode, with the strings Thales would
    /// e-mail to the customer. Returns the HSM, its random user string and its verification string.
    pub fn from_factory(rng: &mut dyn CryptoRngCore) -> (Hsm, String, String) {
        let serial = format!("{}", 500_000 + rng.next_u32() % 400_000);
        let mut hsm = Hsm {
            serial,
            label: String::new(),
            auth: None,
            so: None,
            domain: None,
            so_failed_logins: 0,
            so_failed_total: 0,
            stm: None,
            logged_in: None,
            rpv: None,
            port: None,
            running: None,
            ped_outcome: None,
            admin: None,
            flash: None,
        };
        let (stm, rus) = Stm::enter(rng);
        let verification = stm.verification_string(&rus, &hsm.state_digest());
        hsm.stm = Some(stm);
        (hsm, rus, verification)
    }

    /// The serial number on the unit.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// True when no HSM SO exists (new, zeroized or factory reset).
    pub fn zeroized(&self) -> bool {
        self.so.is_none()
    }

    /// True while in Secure Transport Mode.
    pub fn in_stm(&self) -> bool {
        self.stm.is_some()
    }

    /// The status chapter 11 names for the current state.
    pub fn status(&self) -> HsmStatus {
        HsmStatus::of(self.in_stm(), self.zeroized())
    }

    /// The role logged in, if any.
    pub fn logged_in(&self) -> Option<Role> {
        self.logged_in
    }

    /// Closes the host session: what happens to the login when LunaCM exits or the USB link drops. A
    /// ceremony the host was waiting for is abandoned.
    pub fn close_session(&mut self) {
        self.logged_in = None;
        if self.running.take().is_some() {
            self.flash = Some("Operation cancelled: the host closed its session.".into());
        }
        self.ped_outcome = None;
    }

    /// The iKey in the port, if any.
    pub fn port(&self) -> Option<&IKey> {
        self.port.as_ref()
    }

    /// Whether an iKey ceremony is in progress.
    pub fn ceremony_running(&self) -> bool {
        self.running.is_some()
    }

    /// What the touchscreen shows now.
    pub fn screen(&self) -> Screen {
        if let Some(r) = &self.running {
            return r.ceremony.screen();
        }
        if let Some(a) = &self.admin {
            return a.screen(self.port.as_ref());
        }
        let mut s = Screen::status(self);
        s.note = self.flash.clone();
        s.buttons.push(admin::ADMIN_TAB.into());
        s
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
                let input = ped::Input::Tap(label);
                if let Some(mut running) = self.running.take() {
                    let progress = running.ceremony.handle(input, &mut self.port, env.now_ms, env.rng);
                    self.after(running, progress);
                } else if let Some(admin) = self.admin.take() {
                    self.admin = admin.tap(label, &mut self.port);
                } else if label == admin::ADMIN_TAB {
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
            self.after(running, progress);
        }
        Ok(out)
    }

    /// Lets time pass: an iKey wait that lasted too long fails the ceremony.
    pub fn tick(&mut self, now_ms: u64) {
        if let Some(mut running) = self.running.take() {
            match running.ceremony.tick(now_ms) {
                Progress::Waiting => self.running = Some(running),
                failed => self.finish(running.purpose, failed),
            }
        }
    }

    /// Keeps a ceremony that still waits; finishes one that ended.
    fn after(&mut self, running: Running, progress: Progress) {
        match progress {
            Progress::Waiting => self.running = Some(running),
            done => self.finish(running.purpose, done),
        }
    }

    /// A ceremony ended: apply what it created, or count what failed.
    fn finish(&mut self, purpose: Purpose, progress: Progress) {
        let result = match progress {
            Progress::Waiting => return,
            Progress::Done(mut created) => {
                match purpose {
                    Purpose::InitHsm { label } => {
                        let domain = created.pop();
                        let so = created.pop();
                        self.so = so.map(Credential::Keyset);
                        self.domain = domain.map(Credential::Keyset);
                        self.label = label;
                        self.auth = Some(AuthMethod::Multifactor);
                        self.so_failed_logins = 0;
                        self.logged_in = None;
                    }
                    Purpose::Login(role) => {
                        self.so_failed_logins = 0;
                        self.logged_in = Some(role);
                    }
                    Purpose::ChangeCredential(_) => {
                        self.so_failed_logins = 0;
                        if let Some(new) = created.pop() {
                            self.so = Some(Credential::Keyset(new));
                        }
                    }
                    Purpose::InitRpv => self.rpv = created.pop(),
                }
                self.flash = Some("Operation completed.".into());
                Ok(())
            }
            Progress::Failed(f) => {
                self.flash = Some(f.message.clone());
                let so_auth = matches!(purpose, Purpose::Login(Role::So) | Purpose::ChangeCredential(Role::So));
                if f.counted && so_auth {
                    Err(self.count_so_failure())
                } else {
                    Err(f.code)
                }
            }
        };
        self.ped_outcome = Some(result);
    }

    /// Counts a failed HSM SO authentication; the third in a row zeroizes the HSM.
    fn count_so_failure(&mut self) -> LunaRet {
        self.so_failed_logins += 1;
        self.so_failed_total += 1;
        if self.so_failed_logins >= SO_LOGIN_ATTEMPTS {
            self.zeroize();
            self.flash = Some("Too many failed HSM SO logins: the HSM is zeroized.".into());
            return retcode::SO_LOGIN_FAILURE_THRESHOLD;
        }
        retcode::UM_PIN_INCORRECT
    }

    /// Starts a ceremony for the host, which then polls [`Request::PedPoll`].
    fn start_ceremony(
        &mut self,
        purpose: Purpose,
        first: Step,
        then: Vec<Step>,
        title: &str,
        now_ms: u64,
    ) -> Result<Response, LunaRet> {
        if self.running.is_some() {
            return Err(retcode::OPERATION_ACTIVE);
        }
        self.admin = None;
        self.flash = None;
        self.ped_outcome = None;
        self.running = Some(Running { purpose, ceremony: Ceremony::start(title, first, then, now_ms) });
        Ok(Response::Ped(PedStatus::Pending))
    }

    fn so_keyset(&self) -> Result<KeysetRecord, LunaRet> {
        match &self.so {
            Some(Credential::Keyset(k)) => Ok(k.clone()),
            Some(Credential::Password(_)) => Err(retcode::OPERATION_RESTRICTED),
            None => Err(retcode::USER_PIN_NOT_INITIALIZED),
        }
    }

    /// Carries out one request from the host.
    pub fn handle(&mut self, request: Request, env: &mut Env<'_>) -> Result<Response, LunaRet> {
        match request {
            Request::GetInfo => Ok(Response::Info(self.info())),
            Request::Login { role, password } => self.login(role, &password).map(|_| Response::Done),
            Request::Logout => match self.logged_in.take() {
                Some(_) => Ok(Response::Done),
                None => Err(retcode::USER_NOT_LOGGED_IN),
            },
            Request::InitPassword { label, so_password, domain } => {
                self.refuse_in_stm()?;
                if !self.zeroized() {
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                if self.auth == Some(AuthMethod::Multifactor) {
                    // Changing the authentication method needs a factory reset first.
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                let label = check_hsm_label(&label).map_err(|e| e.code)?;
                check_password(&so_password).map_err(|e| e.code)?;
                check_domain(&domain).map_err(|e| e.code)?;
                self.label = label;
                self.so = Some(Credential::Password(Verifier::new(so_password.as_bytes(), env.rng)));
                self.domain = Some(Credential::Password(Verifier::new(domain.as_bytes(), env.rng)));
                self.auth = Some(AuthMethod::Password);
                self.so_failed_logins = 0;
                self.logged_in = None;
                Ok(Response::Done)
            }
            Request::InitPed { label } => {
                self.refuse_in_stm()?;
                if !self.zeroized() || self.auth == Some(AuthMethod::Password) {
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                let label = check_hsm_label(&label).map_err(|e| e.code)?;
                let (first, then) = (Step::Create(SecretKind::HsmSo), vec![Step::Create(SecretKind::HsmDomain)]);
                self.start_ceremony(Purpose::InitHsm { label }, first, then, "Initialize the HSM", env.now_ms)
            }
            Request::LoginPed { role } => {
                if self.logged_in.is_some() {
                    return Err(retcode::USER_ALREADY_LOGGED_IN);
                }
                if role != Role::So {
                    return Err(retcode::USER_PIN_NOT_INITIALIZED);
                }
                let record = self.so_keyset()?;
                self.start_ceremony(
                    Purpose::Login(role),
                    Step::Authenticate(record),
                    Vec::new(),
                    "Log in as HSM SO",
                    env.now_ms,
                )
            }
            Request::ChangePed { role } => {
                self.refuse_in_stm()?;
                self.require_so()?;
                if role != Role::So {
                    return Err(retcode::USER_NOT_LOGGED_IN);
                }
                let record = self.so_keyset()?;
                let (first, then) = (Step::Authenticate(record), vec![Step::Create(SecretKind::HsmSo)]);
                self.start_ceremony(
                    Purpose::ChangeCredential(role),
                    first,
                    then,
                    "Change the HSM SO credential",
                    env.now_ms,
                )
            }
            Request::ChangePassword { role, old_password, new_password } => {
                self.refuse_in_stm()?;
                self.require_so()?;
                if role != Role::So {
                    return Err(retcode::USER_NOT_LOGGED_IN);
                }
                let Some(Credential::Password(current)) = &self.so else {
                    return Err(retcode::OPERATION_RESTRICTED);
                };
                if !current.verify(old_password.as_bytes()) {
                    return Err(self.count_so_failure());
                }
                check_password(&new_password).map_err(|e| e.code)?;
                self.so_failed_logins = 0;
                self.so = Some(Credential::Password(Verifier::new(new_password.as_bytes(), env.rng)));
                Ok(Response::Done)
            }
            Request::InitRpv => {
                self.refuse_in_stm()?;
                self.require_so()?;
                if self.auth != Some(AuthMethod::Multifactor) {
                    return Err(retcode::OPERATION_RESTRICTED);
                }
                self.start_ceremony(
                    Purpose::InitRpv,
                    Step::Create(SecretKind::RemotePedVector),
                    Vec::new(),
                    "Initialize the Remote PED Vector",
                    env.now_ms,
                )
            }
            Request::PedPoll => {
                self.tick(env.now_ms);
                match self.ped_outcome.take() {
                    Some(result) => Ok(Response::Ped(PedStatus::Done(result.err()))),
                    None if self.running.is_some() => Ok(Response::Ped(PedStatus::Pending)),
                    None => Err(retcode::OPERATION_NOT_INITIALIZED),
                }
            }
            Request::InitSoft { label } => {
                self.refuse_in_stm()?;
                if self.zeroized() {
                    return Err(retcode::USER_PIN_NOT_INITIALIZED);
                }
                self.require_so()?;
                self.label = check_hsm_label(&label).map_err(|e| e.code)?;
                // Partitions and objects would be destroyed here; SO and domain stay.
                self.logged_in = None;
                Ok(Response::Done)
            }
            Request::Zeroize => {
                self.refuse_in_stm()?;
                self.zeroize();
                Ok(Response::Done)
            }
            Request::FactoryReset => {
                self.refuse_in_stm()?;
                self.zeroize();
                self.auth = None;
                self.rpv = None;
                Ok(Response::Done)
            }
            Request::StmTransport => {
                if self.in_stm() {
                    return Err(retcode::CANNOT_PERFORM_OPERATION_TWICE);
                }
                self.require_so_unless_zeroized()?;
                // Firmware 7.7.2 logs out every role when it enters STM.
                self.logged_in = None;
                let (stm, rus) = Stm::enter(env.rng);
                let verification_string = stm.verification_string(&rus, &self.state_digest());
                self.stm = Some(stm);
                Ok(Response::StmEntered { verification_string, random_user_string: rus })
            }
            Request::StmVerify { random_user_string } => {
                let stm = self.stm.as_ref().ok_or(retcode::OPERATION_NOT_INITIALIZED)?;
                self.require_so_unless_zeroized()?;
                let verification_string = stm.verification_string(&random_user_string, &self.state_digest());
                Ok(Response::StmVerification { verification_string })
            }
            Request::StmRecover => {
                if !self.in_stm() {
                    return Err(retcode::OPERATION_NOT_INITIALIZED);
                }
                self.require_so_unless_zeroized()?;
                self.stm = None;
                Ok(Response::Done)
            }
        }
    }

    /// Identity and state, as [`Request::GetInfo`] reports them.
    pub fn info(&self) -> HsmInfo {
        HsmInfo {
            serial: self.serial.clone(),
            model: MODEL.into(),
            firmware: FIRMWARE.into(),
            bootloader: BOOTLOADER.into(),
            label: self.label.clone(),
            status: self.status(),
            auth: self.auth,
            logged_in: self.logged_in,
            so_failed_logins: self.so_failed_logins,
            rpv_initialized: self.rpv.is_some(),
        }
    }

    fn login(&mut self, role: Role, password: &str) -> Result<(), LunaRet> {
        if self.logged_in.is_some() {
            return Err(retcode::USER_ALREADY_LOGGED_IN);
        }
        match role {
            Role::So => {}
            // The Auditor role is initialized by its own procedure, which this unit has not run.
            Role::Auditor => return Err(retcode::USER_PIN_NOT_INITIALIZED),
        }
        let so = match &self.so {
            Some(Credential::Password(v)) => v,
            // A multifactor HSM takes its credential from iKeys, not from the host.
            Some(Credential::Keyset(_)) => return Err(retcode::OPERATION_RESTRICTED),
            None => return Err(retcode::USER_PIN_NOT_INITIALIZED),
        };
        if so.verify(password.as_bytes()) {
            self.so_failed_logins = 0;
            self.logged_in = Some(Role::So);
            return Ok(());
        }
        Err(self.count_so_failure())
    }

    /// Destroys SO, domain, label and partitions; keeps the authentication method, policies, Auditor, RPV
    /// and Secure Transport Mode.
    fn zeroize(&mut self) {
        self.so = None;
        self.domain = None;
        self.label.clear();
        self.so_failed_logins = 0;
        self.logged_in = None;
        self.running = None;
    }

    fn refuse_in_stm(&self) -> Result<(), LunaRet> {
        if self.in_stm() {
            Err(retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT)
        } else {
            Ok(())
        }
    }

    fn require_so(&self) -> Result<(), LunaRet> {
        if self.logged_in == Some(Role::So) {
            Ok(())
        } else {
            Err(retcode::USER_NOT_LOGGED_IN)
        }
    }

    fn require_so_unless_zeroized(&self) -> Result<(), LunaRet> {
        if self.zeroized() {
            Ok(())
        } else {
            self.require_so()
        }
    }

    /// Digest of everything STM protects: identity, label, credentials, counters, configuration.
    /// The login session is not part of it (STM logs every role out anyway).
    fn state_digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.serial.as_bytes());
        h.update([0]);
        h.update(self.label.as_bytes());
        h.update([0]);
        h.update([self.auth.map_or(0, |a| a as u8 + 1)]);
        for v in [&self.so, &self.domain] {
            match v {
                Some(v) => h.update(v.fingerprint()),
                None => h.update([0u8; 32]),
            }
        }
        h.update(self.rpv.as_ref().map_or(&[0u8; 32][..], |r| r.fingerprint()));
        h.update([self.so_failed_logins]);
        h.update(self.so_failed_total.to_be_bytes());
        h.finalize().into()
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
    fn transact(&mut self, request: Request) -> Result<Response, LunaRet> {
        self.hsm.handle(request, &mut self.env)
    }
}
