//! The HSM firmware model: identity, roles, initialization, zeroize and factory reset, Secure Transport Mode.
//!
//! [`Hsm::handle`] is the one entry point for host requests; it is an exhaustive `match` over
//! [`Request`], each arm checking the same preconditions the real unit checks and returning the
//! guide's return code when one fails.

mod names;
mod request;
mod roles;
mod screen;
mod status;
mod stm;

pub use names::{domain as check_domain, hsm_label as check_hsm_label, password as check_password, NameError};
pub use request::{CryptoRngCore, Env, HsmInfo, Request, Response, Transport};
pub use roles::{Role, Verifier};
pub use screen::Screen;
pub use status::HsmStatus;
pub use stm::{well_formed as stm_string_well_formed, Stm};

use crate::retcode::{self, LunaRet};
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

/// A Luna USB HSM 7.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hsm {
    serial: String,
    label: String,
    /// Kept through zeroize so that re-initializing to the other method needs a factory reset.
    auth: Option<AuthMethod>,
    so: Option<Verifier>,
    domain: Option<Verifier>,
    so_failed_logins: u8,
    /// Every failed SO login ever, never reset: it is part of the state STM verifies, so a single bad
    /// login while in transport shows up as a mismatch even if a good login follows.
    so_failed_total: u32,
    stm: Option<Stm>,
    logged_in: Option<Role>,
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

    /// Closes the host session: what happens to the login when LunaCM exits or the USB link drops.
    pub fn close_session(&mut self) {
        self.logged_in = None;
    }

    /// What the touchscreen shows now.
    pub fn screen(&self) -> Screen {
        Screen::status(self)
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
                self.so = Some(Verifier::new(so_password.as_bytes(), env.rng));
                self.domain = Some(Verifier::new(domain.as_bytes(), env.rng));
                self.auth = Some(AuthMethod::Password);
                self.so_failed_logins = 0;
                self.logged_in = None;
                Ok(Response::Done)
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
            rpv_initialized: false,
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
        let so = self.so.as_ref().ok_or(retcode::USER_PIN_NOT_INITIALIZED)?;
        if so.verify(password.as_bytes()) {
            self.so_failed_logins = 0;
            self.logged_in = Some(Role::So);
            return Ok(());
        }
        self.so_failed_logins += 1;
        self.so_failed_total += 1;
        if self.so_failed_logins >= SO_LOGIN_ATTEMPTS {
            self.zeroize();
            return Err(retcode::SO_LOGIN_FAILURE_THRESHOLD);
        }
        Err(retcode::UM_PIN_INCORRECT)
    }

    /// Destroys SO, domain, label and partitions; keeps the authentication method, policies, Auditor, RPV
    /// and Secure Transport Mode.
    fn zeroize(&mut self) {
        self.so = None;
        self.domain = None;
        self.label.clear();
        self.so_failed_logins = 0;
        self.logged_in = None;
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
