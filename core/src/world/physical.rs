//! The physical world around the units: power, temperature and voltage, corrupted memories, the host's
//! `lunareset`, and an audit log file edited on the host.

use super::*;

impl World {
    /// The USB cable of the unit in front is unplugged for `seconds` and plugged again: the unit loses
    /// power meanwhile, the world's clock moves on, and LunaCM loses its session with the unit (a command
    /// in progress on it is abandoned; one on another unit goes on). Returns LunaCM's output.
    pub fn power_cycle(&mut self, seconds: u64, host_now_ms: u64) -> String {
        let off_ms = seconds.saturating_mul(1000);
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(off_ms);
        let now = self.now(host_now_ms);
        let on_this_unit = hub::to_local(self.console.slot()).is_some_and(|(unit, _)| unit == self.front);
        let waiting = self.console.waiting() && on_this_unit;
        let World { hsm, more, front, rng, .. } = self;
        unit_mut(hsm, more, *front).power_cycle(off_ms, now, rng);
        if on_this_unit {
            self.console.reset_keeping_slot();
        }
        self.revision += 1;
        if waiting {
            format!("\n{INDENT}The HSM was disconnected: the command was abandoned.\n\n{PROMPT}")
        } else {
            String::new()
        }
    }

    /// An application on the host sends `count` operations of `bin` to the unit in front: to its
    /// application partition, or to its admin partition when `admin`. They take the HSM's processor time
    /// and count in its utilization metrics as the keys and crypto requests will (`sim load`).
    pub fn application_load(
        &mut self,
        bin: crate::device::utilization::Bin,
        count: u64,
        admin: bool,
        host_now_ms: u64,
    ) -> Result<(), String> {
        let now = self.now(host_now_ms);
        let World { hsm, more, front, .. } = self;
        let unit = unit_mut(hsm, more, *front);
        let slot = if admin { crate::device::ADMIN_SLOT } else { crate::device::PARTITION_SLOT };
        let result = unit.application_load(slot, bin, count, now);
        self.revision += 1;
        result.map_err(|code| {
            if code == crate::retcode::SLOT_ID_INVALID {
                "The unit in front has no application partition: the HSM SO creates it with 'partition create'.".into()
            } else {
                format!("The HSM refused the operations ({}): 'slot list' shows its status.", code.name)
            }
        })
    }

    /// An application on the host opens `count` sessions on the unit in front, or closes `count` of them
    /// (all with `None`) (`sim app sessions`). Returns what happened, in words.
    pub fn application_sessions(&mut self, open: bool, count: Option<u32>) -> String {
        let World { hsm, more, front, .. } = self;
        let unit = unit_mut(hsm, more, *front);
        self.revision += 1;
        if !open {
            let closed = unit.close_app_sessions(count);
            return format!("The application closed {closed} session(s); it holds {} open.", unit.app_sessions());
        }
        match unit.open_app_sessions(count.unwrap_or(1)) {
            (opened, Ok(())) => {
                format!("The application opened {opened} session(s); it holds {} open.", unit.app_sessions())
            }
            (opened, Err(code)) => format!(
                "The application opened {opened} session(s); the next failed: the HSM's session table is full \
                 ({code}). It holds {} open.",
                unit.app_sessions()
            ),
        }
    }

    /// The host's `lunareset` utility, run from the terminal: LunaCM is left (a reset needs the device to
    /// itself), the unit named (the one in front by default: `lunareset 2`) is reset, and LunaCM starts
    /// again. Returns what the terminal shows.
    pub(super) fn lunareset(&mut self, args: &[String], host_now_ms: u64) -> String {
        let unit = match args {
            [] => Ok(self.front),
            [n] => n
                .trim_start_matches("/dev/lunaU")
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=self.unit_count()).contains(n))
                .map(|n| n - 1)
                .ok_or_else(|| format!("lunareset: there is no device '{n}' (units 1 to {}).", self.unit_count())),
            _ => Err("usage: lunareset [unit]".to_string()),
        };
        let unit = match unit {
            Ok(u) => u,
            Err(e) => return format!("\n{INDENT}{e}\n\n{PROMPT}"),
        };
        let now = self.now(host_now_ms);
        let World { hsm, more, rng, .. } = self;
        let target = unit_mut(hsm, more, unit);
        let runs = target.reset(now, rng);
        let status = target.status();
        self.revision += 1;
        let outcome = if runs {
            format!("Device {} was reset. HSM Status: {status}.", unit + 1)
        } else {
            format!("Device {} was reset, but it is still halted: {status}. Resolve the cause first.", unit + 1)
        };
        format!(
            "\n{INDENT}(LunaCM exits: lunareset needs the device to itself.)\n{INDENT}lunareset: {outcome}\n\n{}",
            self.start_session(host_now_ms)
        )
    }

    /// The unit in front's surroundings change (`sim temperature`, `sim voltage`).
    pub fn set_sensors(&mut self, sensors: crate::device::tamper::Sensors, host_now_ms: u64) {
        self.on_front_unit(host_now_ms, |hsm, now, rng| hsm.set_sensors(sensors, now, rng));
    }

    /// A memory of the unit in front is corrupted (`sim fault`).
    pub fn corrupt(&mut self, fault: crate::device::tamper::Fault, host_now_ms: u64) {
        self.on_front_unit(host_now_ms, |hsm, now, rng| hsm.corrupt(fault, now, rng));
    }

    /// Something happens to the unit in front, at the world's time and with its randomness; what it logs
    /// reaches the host.
    fn on_front_unit(&mut self, host_now_ms: u64, happen: impl FnOnce(&mut Hsm, u64, &mut ChaCha20Rng)) {
        let now = self.now(host_now_ms);
        let World { hsm, more, front, rng, .. } = self;
        happen(unit_mut(hsm, more, *front), now, rng);
        self.revision += 1;
        self.deliver_audit_log(host_now_ms);
    }

    /// Someone edits the newest audit log file of the unit in front on the host: one digit of the message
    /// text of the record on `line` (from 1) becomes another, as a forger changing who did something
    /// would. Returns what was changed. For instructors and labs: the trainee finds it with `audit verify`.
    pub fn tamper_audit_log(&mut self, line: usize) -> Result<String, String> {
        let serial = unit_mut(&mut self.hsm, &mut self.more, self.front).serial().to_string();
        let newest = self
            .files
            .iter()
            .filter_map(|(n, t)| parse_log_file_name(n).filter(|(s, _)| *s == serial).map(|(_, seq)| (seq, n, t)))
            .max_by_key(|(seq, _, _)| *seq)
            .map(|(_, n, t)| (n.to_string(), t.to_string()));
        let Some((name, text)) = newest else {
            return Err(format!("The host has no audit log file of unit {} (serial {serial}).", self.front + 1));
        };
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let count = lines.len();
        let record = lines
            .get_mut(line.wrapping_sub(1))
            .ok_or_else(|| format!("{name} has {count} line(s); there is no line {line}."))?;
        // The message text is columns 29 to 285 of a record.
        let at = record
            .char_indices()
            .skip(29)
            .take(256)
            .find(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i)
            .ok_or_else(|| format!("Line {line} of {name} is not a record with a number in its text."))?;
        let digit = record.as_bytes()[at] - b'0';
        let new = char::from(b'0' + (digit + 1) % 10);
        record.replace_range(at..at + 1, &new.to_string());
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        self.files.put(&name, text)?;
        self.revision += 1;
        Ok(format!("Line {line} of {name}: a {digit} in the message text is now a {new}."))
    }
}
