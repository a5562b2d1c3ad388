//! The units plugged into the host: unit 1 and those `sim unit add` unpacks, which of them is in front
//! of the user, and what LunaCM's session has on each.

use super::*;

impl World {
    /// How many units are plugged into the host (1 to [`UNITS_MAX`]).
    pub fn unit_count(&self) -> usize {
        1 + self.more.len()
    }

    /// Unit `number` (counted from 1), if it exists.
    pub fn unit(&self, number: usize) -> Option<&Hsm> {
        self.units().nth(number.checked_sub(1)?)
    }

    /// The shipping e-mail of unit `number` (counted from 1), if it exists.
    pub fn unit_shipment(&self, number: usize) -> Option<&Shipment> {
        match number {
            1 => Some(&self.shipment),
            n => self.more.get(n.checked_sub(2)?).map(|u| &u.shipment),
        }
    }

    /// The number (counted from 1) of the unit in front of you: the touchscreen, the iKey port and power
    /// cycles act on it.
    pub fn front_unit(&self) -> usize {
        self.front + 1
    }

    /// The unit in front of you.
    pub fn front_hsm(&self) -> &Hsm {
        self.units().nth(self.front).unwrap_or(&self.hsm)
    }

    /// Every unit, unit 1 first, with its host slots.
    pub fn unit_views(&self) -> Vec<UnitView> {
        self.units()
            .enumerate()
            .map(|(i, hsm)| UnitView {
                number: i + 1,
                serial: hsm.serial().to_string(),
                label: hsm.label().to_string(),
                partition_slot: hsm.partition().map(|p| hub::to_host(i, p.slot())),
                admin_slot: hub::admin_slot(i),
                in_front: i == self.front,
            })
            .collect()
    }

    /// Unpacks a factory-fresh unit (in Secure Transport Mode, with its own shipping e-mail) and plugs it
    /// into the host after the others. Returns its number; refused beyond [`UNITS_MAX`] units.
    pub fn add_unit(&mut self) -> Result<usize, String> {
        if self.unit_count() >= UNITS_MAX {
            return Err(format!("There are already {UNITS_MAX} units, the most the simulator holds."));
        }
        let (hsm, random_user_string, verification_string) = loop {
            let new = Hsm::from_factory(&mut self.rng);
            // Serial numbers are drawn at random: draw again rather than give two units one number.
            if self.units().all(|hsm| hsm.serial() != new.0.serial()) {
                break new;
            }
        };
        let shipment = Shipment { serial: hsm.serial().to_string(), random_user_string, verification_string };
        self.more.push(Unit { hsm, shipment });
        self.revision += 1;
        Ok(self.unit_count())
    }

    /// Puts unit `number` (counted from 1) in front of you.
    pub fn use_unit(&mut self, number: usize) -> Result<(), String> {
        let count = self.unit_count();
        if number == 0 || number > count {
            let units = if count == 1 { "there is only unit 1".to_string() } else { format!("units 1 to {count}") };
            return Err(format!("There is no unit {number}: {units}. 'sim unit list' lists them."));
        }
        if self.front != number - 1 {
            self.front = number - 1;
            self.revision += 1;
        }
        Ok(())
    }

    /// Whether an iKey ceremony runs on any unit.
    pub fn ceremony_running(&self) -> bool {
        self.units().any(Hsm::ceremony_running)
    }

    /// Whether time matters to some unit now: an iKey ceremony waits, or a recovery process runs. A
    /// front end then tells the world the time every second ([`World::tick`]).
    pub fn busy(&self) -> bool {
        self.units().any(Hsm::busy)
    }

    /// The roles this LunaCM session has logged in, by host slot: unit by unit, the admin slot first.
    pub fn logins(&self) -> Vec<(SlotId, crate::device::Role)> {
        let mut logins = Vec::new();
        for (i, hsm) in self.units().enumerate() {
            let local = std::iter::once(crate::device::ADMIN_SLOT).chain(hsm.partition().map(|p| p.slot()));
            logins.extend(local.filter_map(|slot| hsm.logged_in(slot).map(|role| (hub::to_host(i, slot), role))));
        }
        logins
    }

    /// Every unit, unit 1 first.
    pub(super) fn units(&self) -> impl Iterator<Item = &Hsm> {
        std::iter::once(&self.hsm).chain(self.more.iter().map(|u| &u.hsm))
    }

    /// Every unit, unit 1 first, for changes.
    pub(super) fn units_mut(&mut self) -> impl Iterator<Item = &mut Hsm> {
        units_mut(&mut self.hsm, &mut self.more)
    }

    /// The unit of LunaCM's current slot, if it exists.
    pub(super) fn console_unit(&self) -> Option<&Hsm> {
        self.units().nth(hub::to_local(self.console.slot())?.0)
    }

    /// The unit (counted from 0) whose iKey port holds iKey `id`.
    pub(super) fn port_holding(&self, id: u32) -> Option<usize> {
        self.units().position(|hsm| hsm.port().is_some_and(|k| k.id == id))
    }

    /// " of unit N" with several units, nothing with one: how messages name the port of unit `index`.
    pub(super) fn of_unit(&self, index: usize) -> String {
        if self.unit_count() > 1 {
            format!(" of unit {}", index + 1)
        } else {
            String::new()
        }
    }

    /// Lets time pass on the units after the first; returns whether any ran a ceremony.
    pub(super) fn tick_more(&mut self, host_now_ms: u64) -> bool {
        let now = self.now(host_now_ms);
        let mut running = false;
        for unit in &mut self.more {
            let was = unit.hsm.busy();
            unit.hsm.tick(now);
            if was && !unit.hsm.busy() {
                self.revision += 1;
            }
            running |= was;
        }
        running
    }
}

/// Every unit, unit 1 first, for changes: `first` and then `more`, borrowed apart from the rest of the world.
pub(super) fn units_mut<'a>(first: &'a mut Hsm, more: &'a mut [Unit]) -> impl Iterator<Item = &'a mut Hsm> {
    std::iter::once(first).chain(more.iter_mut().map(|u| &mut u.hsm))
}

/// Unit `index` (counted from 0) of `first` and `more`; unit 1 for an index past the last.
pub(super) fn unit_mut<'a>(first: &'a mut Hsm, more: &'a mut [Unit], index: usize) -> &'a mut Hsm {
    match index.checked_sub(1).and_then(|i| more.get_mut(i)) {
        Some(unit) => &mut unit.hsm,
        None => first,
    }
}
