//! The Auditor's requests: `role setdomain`, and everything under LunaCM's `audit` (config, status, time,
//! logmsg, export, import, verify). Who may, and when, is decided in `access.rs`.

use super::config::{Config, ConfigChange};
use super::record::parse_line;
use super::secret::{self, UnwrapError};
use super::verify::{verify, After, Report, VerifiedText};
use super::{Bytes32, Role};
use crate::device::lifecycle::check_domain;
use crate::device::{Action, AuditAction, Env, Hsm, Response, SlotId};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};

/// Longest log path, in characters.
const PATH_MAX: usize = 200;
/// Longest `audit logmsg` text, in characters (the record's text field is 256).
pub const MESSAGE_MAX: usize = 120;

/// How audit logging stands, as `audit status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStatus {
    /// Short identification of the Auditor's domain key, once set.
    pub domain: Option<String>,
    /// Whether the log secret exists (it is created with the first record).
    pub secret: bool,
    /// Whether a secret imported from another HSM is in use for verification.
    pub imported: bool,
    /// The configuration.
    pub config: Config,
    /// Records waiting in the HSM for the host.
    pub stored: usize,
    /// How many the HSM holds before LOG FULL.
    pub capacity: usize,
    /// Records that could not be logged because the store was full.
    pub lost: u64,
    /// Sequence number of the newest record.
    pub last_seq: u64,
    /// The HSM's time.
    pub hsm_time_ms: u64,
    /// Whether the Auditor has synchronized the clock.
    pub synced: bool,
    /// The log file being written on the host.
    pub active_file: Option<String>,
}

impl Hsm {
    /// `role setdomain`: the Auditor's domain on a password HSM, from which its KCV derives.
    pub(in crate::device) fn set_audit_domain(&mut self, slot: SlotId, domain: &str) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::SetDomain))?;
        check_domain(domain).map_err(|e| e.code)?;
        self.audit.kcv = Some(Bytes32(secret::kcv_from_domain(domain)));
        Ok(Response::Done)
    }

    /// `audit config`: changes what is given, and returns the configuration.
    pub(in crate::device) fn audit_config(&mut self, slot: SlotId, change: ConfigChange) -> Result<Response, LunaRet> {
        let action = if change.is_empty() { AuditAction::Status } else { AuditAction::Configure };
        self.authorize(slot, Action::Audit(action))?;
        if let Some(path) = &change.path {
            let path = path.trim();
            if path.is_empty() || path.chars().count() > PATH_MAX || path.chars().any(char::is_control) {
                return Err(retcode::LOG_BAD_FILE_NAME);
            }
        }
        let c = &mut self.audit.config;
        if let Some(path) = change.path {
            let path = path.trim().to_string();
            if c.path.as_deref() != Some(path.as_str()) {
                // The next record begins a file in the new place.
                self.audit.active = None;
            }
            c.path = Some(path);
        }
        if let Some(m) = change.evmask {
            c.evmask = m;
        }
        if let Some(i) = change.interval {
            c.interval = i;
        }
        if let Some(s) = change.size {
            c.size = s;
        }
        Ok(Response::AuditConfig(self.audit.config.clone()))
    }

    /// `audit status`.
    pub(in crate::device) fn audit_status(&mut self, slot: SlotId, now_ms: u64) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::Status))?;
        let hsm_time_ms = self.hsm_time(now_ms);
        let a = &self.audit;
        Ok(Response::AuditStatus(Box::new(AuditStatus {
            domain: a.kcv.map(|k| secret::kcv_id(&k.0)),
            secret: a.secret.is_some(),
            imported: a.imported.is_some(),
            config: a.config.clone(),
            stored: a.store.len(),
            capacity: a.capacity,
            lost: a.lost,
            last_seq: a.last_seq,
            hsm_time_ms,
            synced: a.rtc.is_some_and(|r| r.synced()),
            active_file: a.active.as_ref().map(|f| f.name.clone()),
        })))
    }

    /// `audit time sync` (`sync`) or `audit time get`.
    pub(in crate::device) fn audit_time(&mut self, slot: SlotId, sync: bool, now_ms: u64) -> Result<Response, LunaRet> {
        let action = if sync { AuditAction::SyncTime } else { AuditAction::Status };
        self.authorize(slot, Action::Audit(action))?;
        if sync {
            let Hsm { audit, serial, .. } = self;
            audit.rtc_mut(serial, now_ms).sync(now_ms);
        }
        Ok(Response::AuditTime { hsm_ms: self.hsm_time(now_ms), host_ms: now_ms })
    }

    /// `audit logmsg`: the message is the record's detail, logged as `LUNA_LOG_EXTERNAL`.
    pub(in crate::device) fn audit_log_message(&mut self, slot: SlotId, text: &str) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::LogMessage))?;
        if text.trim().is_empty() || text.chars().count() > MESSAGE_MAX || text.chars().any(char::is_control) {
            return Err(retcode::ARGUMENTS_BAD);
        }
        Ok(Response::Done)
    }

    /// `audit export`: the log secret wrapped under the Auditor's domain key.
    pub(in crate::device) fn audit_export(&mut self, slot: SlotId, env: &mut Env<'_>) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::Export))?;
        let (Some(secret), Some(kcv)) = (self.audit.secret, self.audit.kcv) else {
            return Err(retcode::LOG_AUDIT_NOT_INITIALIZED);
        };
        Ok(Response::WrappedSecret(secret::wrap(&secret.0, &kcv.0, env.rng)))
    }

    /// `audit import`: a wrapped secret of the same audit domain, kept apart from this HSM's own.
    pub(in crate::device) fn audit_import(&mut self, slot: SlotId, wrapped: &str) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::Import))?;
        let kcv = self.audit.kcv.ok_or(retcode::LOG_NO_KCV)?;
        match secret::unwrap(wrapped, &kcv.0) {
            Ok(s) => {
                self.audit.imported = Some(Bytes32(s));
                Ok(Response::Done)
            }
            Err(UnwrapError::Malformed) => Err(retcode::WRAPPED_KEY_INVALID),
            Err(UnwrapError::OtherDomain) => Err(retcode::UNWRAPPING_ERROR),
        }
    }

    /// `audit verify`: the records of a file from the HSM with serial `serial`, and the first record of the
    /// host's next file of that HSM, if there is one.
    pub(in crate::device) fn audit_verify(
        &mut self,
        slot: SlotId,
        file: String,
        serial: &str,
        lines: &[String],
        following: Option<&str>,
    ) -> Result<Response, LunaRet> {
        self.authorize(slot, Action::Audit(AuditAction::Verify))?;
        let a = &self.audit;
        // An imported secret is what verification uses, until this HSM's own is imported back.
        let secret = a.imported.or(a.secret).ok_or(retcode::LOG_AUDIT_NOT_INITIALIZED)?;
        let own = a.secret == Some(secret) && serial == self.serial;
        let after = match following.map(parse_line) {
            Some(Ok(next)) => After::Next { seq: next.seq, prev: next.prev },
            _ if own => match a.store.first() {
                Some(r) => After::Next { seq: r.seq, prev: r.prev },
                None => After::Newest { seq: a.last_seq, hmac: a.last_hmac.0 },
            },
            _ => After::Unknown,
        };
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let report: Report = verify(&lines, &secret.0, &after);
        self.audit.last_verified = Some((file, report.clone()));
        self.audit.last_verified_text = Some(VerifiedText::of(lines.iter().copied()));
        Ok(Response::Verified(Box::new(report)))
    }

    /// Whether `action` under `audit` is allowed now: the Auditor, logged in on the admin slot, and the
    /// conditions each command has.
    pub(in crate::device) fn authorize_audit(&self, slot: SlotId, action: AuditAction) -> Result<(), LunaRet> {
        self.require_admin_slot(slot)?;
        if self.admin_roles.get(Role::Auditor).is_none() {
            return Err(retcode::LOG_AUDIT_NOT_INITIALIZED);
        }
        if self.session.role(slot) != Some(Role::Auditor) {
            return Err(retcode::USER_NOT_LOGGED_IN);
        }
        if !matches!(action, AuditAction::Status | AuditAction::Verify) {
            self.refuse_in_stm()?;
        }
        let allowed_when_full = matches!(action, AuditAction::Status | AuditAction::Configure | AuditAction::SetDomain);
        if self.audit.full() && !allowed_when_full {
            return Err(retcode::LOG_FULL);
        }
        match action {
            AuditAction::SetDomain => {
                if self.auth != Some(crate::device::AuthMethod::Password) || self.audit.kcv.is_some() {
                    // A multifactor Auditor's domain is its white iKey's; a set domain stays until the
                    // Auditor is initialized again.
                    return Err(retcode::KCV_PARAMETER_ALREADY_EXISTS);
                }
                Ok(())
            }
            AuditAction::Configure | AuditAction::Export | AuditAction::Import if self.audit.kcv.is_none() => {
                Err(retcode::LOG_NO_KCV)
            }
            _ => Ok(()),
        }
    }
}
