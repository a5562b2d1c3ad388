//! The typed boundary between the host (LunaCM) and the firmware.
//!
//! A real Luna draws the same line: LunaCM sends commands over USB and the firmware answers with data or
//! a return code. Everything that crosses it is a plain serde value, so the in-process device of today
//! and a WebUSB link tomorrow carry the same frames.

use super::{AuthMethod, HsmStatus, Role};
use crate::retcode::LunaRet;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// One command from the host to the HSM's administrative partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Identity and state of the HSM, as `slot list` and `hsm showinfo` print them.
    GetInfo,
    /// Log a role in with a password (password-authenticated HSM).
    Login { role: Role, password: String },
    /// Log the current role out.
    Logout,
    /// Hard initialization of a zeroized HSM with password authentication.
    InitPassword { label: String, so_password: String, domain: String },
    /// Hard initialization with iKeys: starts the ceremony for the blue SO and red domain keysets.
    InitPed { label: String },
    /// Log a role in with iKeys: starts the authentication ceremony.
    LoginPed { role: Role },
    /// Change a role's password (the role must be logged in).
    ChangePassword { role: Role, old_password: String, new_password: String },
    /// Change a role's iKey credential: present the current keyset, then create a new one.
    ChangePed { role: Role },
    /// Create the orange Remote PED vector keyset.
    InitRpv,
    /// Ask how the ceremony started by the last request stands.
    PedPoll,
    /// Soft initialization: keep SO and domain, destroy partitions, optionally set a new label.
    InitSoft { label: String },
    /// Destroy all contents; keep policies, Auditor and RPV.
    Zeroize,
    /// Destroy all contents and return roles and policies to the factory defaults.
    FactoryReset,
    /// Place the HSM in Secure Transport Mode.
    StmTransport,
    /// Compute the verification string for a random user string, without leaving STM.
    StmVerify { random_user_string: String },
    /// Leave Secure Transport Mode.
    StmRecover,
}

/// The HSM's answer to a [`Request`] that succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The request was carried out; nothing to report.
    Done,
    /// Answer to [`Request::GetInfo`].
    Info(HsmInfo),
    /// Answer to [`Request::StmTransport`]: the two strings to record.
    StmEntered { verification_string: String, random_user_string: String },
    /// A ceremony's state, for requests that start or poll one.
    Ped(PedStatus),
    /// Answer to [`Request::StmVerify`].
    StmVerification { verification_string: String },
}

/// How an iKey ceremony stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PedStatus {
    /// Waiting on the touchscreen: "Please attend to the PED."
    Pending,
    /// Finished, with the error if it failed.
    Done(Option<LunaRet>),
}

/// What happens to the device in the physical world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhysicalEvent {
    /// An iKey is pushed into the iKey port.
    Insert(crate::ikey::IKey),
    /// The iKey is pulled out of the port.
    Remove,
    /// A touchscreen button is tapped, named by its visible text (digits of the keypad included).
    Tap(String),
}

/// What the HSM reports about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsmInfo {
    /// Serial number printed on the unit.
    pub serial: String,
    /// Crypto module model (`Luna G7`).
    pub model: String,
    /// Firmware version, e.g. `7.7.2`.
    pub firmware: String,
    /// Bootloader version, e.g. `1.6.0`.
    pub bootloader: String,
    /// HSM label; empty while zeroized.
    pub label: String,
    /// Status as chapter 11 names it.
    pub status: HsmStatus,
    /// Authentication method chosen at the last hard init (kept through zeroize, cleared by factory reset).
    pub auth: Option<AuthMethod>,
    /// Role logged in on the admin partition, if any.
    pub logged_in: Option<Role>,
    /// Consecutive failed HSM SO logins since the last good one.
    pub so_failed_logins: u8,
    /// Whether a Remote PED vector is set.
    pub rpv_initialized: bool,
}

/// What the device is given besides the request: the time and a source of randomness.
pub struct Env<'a> {
    /// Milliseconds since the Unix epoch, from the world's clock.
    pub now_ms: u64,
    /// The world's RNG (seeded in tests, from `getrandom` in use).
    pub rng: &'a mut dyn CryptoRngCore,
}

/// A cryptographically secure RNG usable as a trait object.
pub trait CryptoRngCore: RngCore + CryptoRng {}
impl<T: RngCore + CryptoRng> CryptoRngCore for T {}

/// How LunaCM reaches an HSM: in process today, over USB later.
pub trait Transport {
    /// Sends one request and waits for its answer.
    fn transact(&mut self, request: Request) -> Result<Response, LunaRet>;
}
