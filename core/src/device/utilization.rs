//! Chapter 11's "Partition Utilization Metrics" and "Performance Monitoring": the per-partition counters
//! of cryptographic requests by bin (`hsm showutilization`, `hsm resetutilization`, HSM policy 49) and the
//! HSM Information Monitor's up-time and idle time (`hsm monitor`).
//!
//! Both are volatile: a power cycle or a reset (`lunareset`, `hsm restart`) loses them, and an HSM
//! initialization zeroes the counters.

use super::{Hsm, Request, Role, SlotId, ADMIN_SLOT};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// HSM policy 49, "Allow Partition Utilization Metrics". (Policy 58, "Allow Unrestricted Metrics Access",
/// needs firmware 7.8.9; the simulated releases predate it, so reading the metrics always needs the HSM SO.)
const METRICS_POLICY: u8 = 49;
/// CPU time of any request the firmware handles, before the work of its bin: parsing, access checks,
/// the answer.
const REQUEST_COST_US: u64 = 200;

/// A category of operations the utilization counters count, in the guide's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bin {
    /// Signing.
    Sign,
    /// Signature verification.
    Verify,
    /// Encryption.
    Encrypt,
    /// Decryption.
    Decrypt,
    /// Key (or key pair) generation.
    KeyGenerate,
    /// Key derivation.
    KeyDerive,
}

impl Bin {
    /// Every bin, in the guide's order.
    pub const ALL: [Bin; 6] = [Bin::Sign, Bin::Verify, Bin::Encrypt, Bin::Decrypt, Bin::KeyGenerate, Bin::KeyDerive];

    /// The bin's name as the guide lists it.
    pub fn name(self) -> &'static str {
        match self {
            Bin::Sign => "Sign",
            Bin::Verify => "Verify",
            Bin::Encrypt => "Encrypt",
            Bin::Decrypt => "Decrypt",
            Bin::KeyGenerate => "Key generate",
            Bin::KeyDerive => "Key derive",
        }
    }

    /// CPU time the simulated HSM spends on one operation of the bin, beyond [`REQUEST_COST_US`]: an
    /// asymmetric signature costs far more than a symmetric block, a key pair generation most.
    fn cost_us(self) -> u64 {
        match self {
            Bin::Sign => 1_000,
            Bin::Verify => 100,
            Bin::Encrypt | Bin::Decrypt => 50,
            Bin::KeyGenerate => 20_000,
            Bin::KeyDerive => 500,
        }
    }
}

/// The bin a request to the HSM counts in, if any. Every request is listed (the match is exhaustive on
/// purpose, so that a new request cannot be forgotten). A certificate or a request for one is a
/// signature; wrapping a key is an encryption.
pub fn bin_of(request: &Request) -> Option<Bin> {
    use crate::device::ObjectOp;
    match request {
        Request::Object(r) => match r.op {
            ObjectOp::GenerateKeyPair { .. } | ObjectOp::GenerateKey { .. } => Some(Bin::KeyGenerate),
            ObjectOp::Sign { .. } | ObjectOp::SelfSign { .. } | ObjectOp::CertificateRequest { .. } => Some(Bin::Sign),
            ObjectOp::Verify { .. } => Some(Bin::Verify),
            ObjectOp::Encrypt { .. } | ObjectOp::Wrap { .. } => Some(Bin::Encrypt),
            // Unwrapping decrypts the wrapped key under the wrapping key, as wrapping encrypts it.
            ObjectOp::Decrypt { .. } | ObjectOp::Unwrap { .. } => Some(Bin::Decrypt),
            ObjectOp::Derive { .. } => Some(Bin::KeyDerive),
            ObjectOp::List
            | ObjectOp::Delete { .. }
            | ObjectOp::Attributes { .. }
            | ObjectOp::Value { .. }
            | ObjectOp::CloseSession => None,
        },
        Request::GetInfo
        | Request::Authorize(_)
        | Request::Login { .. }
        | Request::Logout
        | Request::InitHsm { .. }
        | Request::ReinitHsm { .. }
        | Request::InitRole { .. }
        | Request::ChangeCredential { .. }
        | Request::ResetCredential { .. }
        | Request::CreateChallenge { .. }
        | Request::Deactivate { .. }
        | Request::RoleStatus { .. }
        | Request::ListRoles
        | Request::InitRpv
        | Request::PedPoll
        | Request::CloseSession
        | Request::Zeroize
        | Request::FactoryReset
        | Request::StmTransport
        | Request::StmVerify { .. }
        | Request::StmRecover
        | Request::GetPolicies
        | Request::ChangePolicy { .. }
        | Request::CreatePartition { .. }
        | Request::DeletePartition
        | Request::ListObjects
        | Request::InitPartition { .. }
        | Request::SetAuditDomain { .. }
        | Request::AuditConfig(_)
        | Request::AuditStatus
        | Request::AuditTimeSync
        | Request::AuditTimeGet
        | Request::AuditLogMessage { .. }
        | Request::AuditExportSecret
        | Request::AuditImportSecret { .. }
        | Request::AuditVerify { .. }
        | Request::TamperShow
        | Request::Restart
        | Request::UpdateFirmware { .. }
        | Request::RollbackFirmware
        | Request::ShowUtilization
        | Request::ResetUtilization
        | Request::MonitorReading => None,
    }
}

/// One partition's counters, one per bin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters([u64; 6]);

impl Counters {
    /// The count of one bin.
    pub fn get(&self, bin: Bin) -> u64 {
        self.0[bin as usize]
    }

    fn add(&mut self, bin: Bin, n: u64) {
        let c = &mut self.0[bin as usize];
        *c = c.saturating_add(n);
    }

    /// The bin-by-bin sum of both.
    pub fn plus(&self, other: &Counters) -> Counters {
        let mut sum = *self;
        for bin in Bin::ALL {
            sum.add(bin, other.get(bin));
        }
        sum
    }
}

/// One partition's counters, as the HSM reports them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionCounters {
    /// The partition's serial number (the admin partition's is the HSM's).
    pub serial: String,
    /// Its label (the HSM's label for the admin partition); empty until initialized.
    pub label: String,
    /// Whether this is the admin partition.
    pub admin: bool,
    /// The counts.
    pub counters: Counters,
}

/// The answer to [`Request::ShowUtilization`] and [`Request::ResetUtilization`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtilizationReport {
    /// When the counters started, on the HSM's clock (ms since the epoch): the last reset of the
    /// counters, of the HSM, or its initialization.
    pub since_ms: u64,
    /// Every partition, the admin partition first.
    pub partitions: Vec<PartitionCounters>,
}

impl UtilizationReport {
    /// The counts of the whole HSM.
    pub fn overall(&self) -> Counters {
        self.partitions.iter().fold(Counters::default(), |sum, p| sum.plus(&p.counters))
    }
}

/// What the HSM Information Monitor reads: how long the HSM has run since its last reset, and how much of
/// that its processor was idle. The host takes two readings and works out the load between them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorReading {
    /// Up-Time, microseconds.
    pub up_us: u64,
    /// Idle-Time, microseconds.
    pub idle_us: u64,
}

/// The volatile counters of a unit. The bin counters are saved with the world (a browser reload is no
/// power loss) and cleared by what the guide says clears them.
#[derive(Clone, Debug, Default, Eq, Serialize, Deserialize)]
pub struct Utilization {
    /// Counters by partition serial number.
    counters: BTreeMap<String, Counters>,
    /// When the counters started (host clock); set by the first request of a new unit.
    counters_since_ms: Option<u64>,
    // The monitor's times change with every request, `slot list` included: saved, they would make every
    // line a change to save. They are the HSM's and LunaCM's business only while a monitor runs, so a
    // reload of the world starts them over (from its first request), as a new LunaCM session would see.
    /// When the HSM last started (host clock); set by the first request of a new unit.
    #[serde(skip)]
    up_since_ms: Option<u64>,
    /// Processor time of all work accepted since the start, microseconds.
    #[serde(skip)]
    work_us: u64,
    /// When the processor will have finished the work accepted so far (host clock, microseconds): work is
    /// done one request after the other, so a burst keeps it busy for a while after it arrives.
    #[serde(skip)]
    free_at_us: u64,
}

/// Two are the same when their saved parts are: the monitor's times are not saved (see above), so a world
/// loaded back equals the one saved.
impl PartialEq for Utilization {
    fn eq(&self, other: &Utilization) -> bool {
        self.counters == other.counters && self.counters_since_ms == other.counters_since_ms
    }
}

impl Utilization {
    /// Starts counting anew at `now_ms`, keeping the monitor's times (`hsm resetutilization`, HSM init).
    fn reset_counters(&mut self, now_ms: u64) {
        self.counters.clear();
        self.counters_since_ms = Some(now_ms);
    }

    /// The HSM restarts at `now_ms`: counters and monitor times start over.
    fn restart(&mut self, now_ms: u64) {
        *self = Utilization {
            up_since_ms: Some(now_ms),
            free_at_us: now_ms.saturating_mul(1000),
            ..Utilization::default()
        };
        self.reset_counters(now_ms);
    }

    /// The processor takes `cost_us` more work at `now_ms`, after what it is still doing.
    fn work(&mut self, cost_us: u64, now_ms: u64) {
        let now_us = now_ms.saturating_mul(1000);
        self.work_us = self.work_us.saturating_add(cost_us);
        self.free_at_us = self.free_at_us.max(now_us).saturating_add(cost_us);
    }

    /// The monitor's reading at `now_ms`: work still queued is not done yet, so it is not busy time yet.
    fn reading(&self, now_ms: u64) -> MonitorReading {
        let now_us = now_ms.saturating_mul(1000);
        let up_us = now_us.saturating_sub(self.up_since_ms.unwrap_or(now_ms).saturating_mul(1000));
        let busy_us = self.work_us.saturating_sub(self.free_at_us.saturating_sub(now_us));
        MonitorReading { up_us, idle_us: up_us.saturating_sub(busy_us) }
    }
}

impl Hsm {
    /// A request reached the firmware: it takes processor time, and counts in its bin, failed or not.
    pub(super) fn account(&mut self, slot: SlotId, request: &Request, now_ms: u64) {
        self.start_clocks(now_ms);
        self.utilization.work(REQUEST_COST_US, now_ms);
        if let Some(bin) = bin_of(request) {
            self.operate(slot, bin, 1, now_ms);
        }
    }

    /// A new unit's clocks start with its first request.
    fn start_clocks(&mut self, now_ms: u64) {
        let u = &mut self.utilization;
        u.up_since_ms.get_or_insert(now_ms);
        u.counters_since_ms.get_or_insert(now_ms);
    }

    /// `count` operations of `bin` on `slot`'s partition: their processor time, and their count while HSM
    /// policy 49 allows the metrics.
    fn operate(&mut self, slot: SlotId, bin: Bin, count: u64, now_ms: u64) {
        self.utilization.work(bin.cost_us().saturating_mul(count), now_ms);
        if self.policies.get(METRICS_POLICY) != Some(1) {
            return;
        }
        let Some(serial) = self.partition_serial(slot) else { return };
        // A deleted partition's counters go with it.
        let admin = self.serial.clone();
        let partition = self.partition().map(|p| p.serial().to_string());
        let u = &mut self.utilization;
        u.counters.retain(|s, _| *s == admin || Some(s) == partition.as_ref());
        u.counters.entry(serial).or_default().add(bin, count);
    }

    /// The serial number of the partition on `slot`, if there is one.
    fn partition_serial(&self, slot: SlotId) -> Option<String> {
        if slot == ADMIN_SLOT {
            return Some(self.serial.clone());
        }
        self.partition().filter(|p| p.slot() == slot).map(|p| p.serial().to_string())
    }

    /// An application on the host sends `count` operations of `bin` to the partition on `slot`: what the
    /// keys and crypto requests will do one by one, for the simulation (`sim load`) and its tests until
    /// they exist. A halted HSM takes none.
    pub fn application_load(&mut self, slot: SlotId, bin: Bin, count: u64, now_ms: u64) -> Result<(), LunaRet> {
        self.tick(now_ms);
        self.partition_serial(slot).ok_or(retcode::SLOT_ID_INVALID)?;
        if self.halt.is_some() {
            return Err(retcode::DEVICE_ERROR);
        }
        self.start_clocks(now_ms);
        self.utilization.work(REQUEST_COST_US.saturating_mul(count), now_ms);
        self.operate(slot, bin, count, now_ms);
        Ok(())
    }

    /// The HSM was reset or power cycled: the counters and the monitor's times are lost.
    pub(super) fn utilization_restart(&mut self, now_ms: u64) {
        self.utilization.restart(now_ms);
    }

    /// The HSM was initialized: the counters start over.
    pub(super) fn utilization_initialized(&mut self, now_ms: u64) {
        self.utilization.reset_counters(now_ms);
    }

    /// `hsm showutilization` and `hsm resetutilization`: the admin slot's HSM SO, with HSM policy 49 on.
    fn authorize_metrics(&self, slot: SlotId) -> Result<(), LunaRet> {
        self.require_admin_slot(slot)?;
        if self.policies.get(METRICS_POLICY) != Some(1) {
            return Err(retcode::OPERATION_RESTRICTED);
        }
        self.require_role(slot, Role::So)
    }

    /// The counters of every partition; zeroed afterwards when `reset`.
    pub(super) fn utilization_report(
        &mut self,
        slot: SlotId,
        reset: bool,
        now_ms: u64,
    ) -> Result<UtilizationReport, LunaRet> {
        self.authorize_metrics(slot)?;
        let elapsed = now_ms.saturating_sub(self.utilization.counters_since_ms.unwrap_or(now_ms));
        let since_ms = self.hsm_time(now_ms).saturating_sub(elapsed);
        let mut partitions = vec![PartitionCounters {
            serial: self.serial.clone(),
            label: self.label().to_string(),
            admin: true,
            counters: self.utilization.counters.get(&self.serial).copied().unwrap_or_default(),
        }];
        if let Some(p) = self.partition() {
            partitions.push(PartitionCounters {
                serial: p.serial().to_string(),
                label: p.label().to_string(),
                admin: false,
                counters: self.utilization.counters.get(p.serial()).copied().unwrap_or_default(),
            });
        }
        if reset {
            self.utilization.reset_counters(now_ms);
        }
        Ok(UtilizationReport { since_ms, partitions })
    }

    /// The HSM Information Monitor's reading now (admin slot; anyone may read it).
    pub(super) fn monitor_reading(&self, slot: SlotId, now_ms: u64) -> Result<MonitorReading, LunaRet> {
        self.require_admin_slot(slot)?;
        Ok(self.utilization.reading(now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_burst_keeps_the_processor_busy_until_its_work_is_done() {
        let mut u = Utilization::default();
        u.restart(1_000);
        // Three seconds of work arrive at once, one second after the start.
        u.work(3_000_000, 2_000);
        assert_eq!(u.reading(2_000), MonitorReading { up_us: 1_000_000, idle_us: 1_000_000 });
        // Two seconds later, two of the three are done: busy all along since the burst.
        assert_eq!(u.reading(4_000), MonitorReading { up_us: 3_000_000, idle_us: 1_000_000 });
        // Once the work is done, idle again.
        assert_eq!(u.reading(10_000), MonitorReading { up_us: 9_000_000, idle_us: 6_000_000 });
    }

    #[test]
    fn overall_counts_sum_the_partitions() {
        let mut a = Counters::default();
        a.add(Bin::Sign, 2);
        let mut b = Counters::default();
        b.add(Bin::Sign, 3);
        b.add(Bin::KeyDerive, u64::MAX);
        let report = UtilizationReport {
            since_ms: 0,
            partitions: [a, b]
                .into_iter()
                .map(|counters| PartitionCounters {
                    serial: String::new(),
                    label: String::new(),
                    admin: false,
                    counters,
                })
                .collect(),
        };
        let overall = report.overall();
        assert_eq!((overall.get(Bin::Sign), overall.get(Bin::KeyDerive), overall.get(Bin::Verify)), (5, u64::MAX, 0));
    }
}
