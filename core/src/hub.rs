//! The host's USB hub: every unit plugged into the host, with their slots numbered as the host lists them.
//!
//! Each unit knows only its own two slots, the application partition's ([`PARTITION_SLOT`]) and the admin
//! slot ([`ADMIN_SLOT`]). The host numbers the slots of all its units in one sequence, a pair per unit in
//! the order they were plugged in: unit 1 has slots 3 and 4, unit 2 slots 5 and 6, and so on. [`Hub`] is
//! the [`Transport`] that LunaCM talks through: it sends each request to the unit a host slot belongs to,
//! under that unit's own slot number, and puts host slot numbers back into the answer.

use crate::device::{Env, Frame, Hsm, HsmInfo, Response, SlotId, Transport, ADMIN_SLOT, PARTITION_SLOT};
use crate::retcode::{self, LunaRet};

/// The lowest slot number the host gives a unit's slot: unit 1's application partition.
pub const FIRST_SLOT: SlotId = PARTITION_SLOT;
/// Slots each unit takes in the host's numbering: its application partition and its admin slot.
pub const SLOTS_PER_UNIT: SlotId = 2;

// The numbering below relies on each unit's two slots being adjacent, the partition's first.
const _: () = assert!(ADMIN_SLOT == PARTITION_SLOT + 1);

/// The host slot of unit `unit`'s application partition (`unit` counts from 0).
pub fn partition_slot(unit: usize) -> SlotId {
    to_host(unit, PARTITION_SLOT)
}

/// The host slot of unit `unit`'s admin slot (`unit` counts from 0).
pub fn admin_slot(unit: usize) -> SlotId {
    to_host(unit, ADMIN_SLOT)
}

/// The unit (counted from 0) and the unit's own slot that host slot `slot` names, or `None` for a number
/// below the first slot. Whether that unit is plugged in is the hub's question, not this one's.
pub fn to_local(slot: SlotId) -> Option<(usize, SlotId)> {
    let offset = slot.checked_sub(FIRST_SLOT)?;
    let unit = usize::try_from(offset / SLOTS_PER_UNIT).ok()?;
    Some((unit, FIRST_SLOT + offset % SLOTS_PER_UNIT))
}

/// The host slot of unit `unit`'s own slot `local` (`unit` counts from 0).
pub fn to_host(unit: usize, local: SlotId) -> SlotId {
    let unit = SlotId::try_from(unit).unwrap_or(SlotId::MAX / SLOTS_PER_UNIT);
    local.saturating_add(unit.saturating_mul(SLOTS_PER_UNIT))
}

/// The admin slot of the unit that host slot `slot` belongs to (unit 1's for a number below the first slot).
pub fn admin_slot_of(slot: SlotId) -> SlotId {
    to_local(slot).map_or(ADMIN_SLOT, |(unit, _)| admin_slot(unit))
}

/// The application partition's slot of the unit that host slot `slot` belongs to (unit 1's for a number
/// below the first slot).
pub fn partition_slot_of(slot: SlotId) -> SlotId {
    to_local(slot).map_or(PARTITION_SLOT, |(unit, _)| partition_slot(unit))
}

/// Whether host slot `slot` is a unit's admin slot (whether or not that unit is plugged in).
pub fn is_admin_slot(slot: SlotId) -> bool {
    to_local(slot).is_some_and(|(_, local)| local == ADMIN_SLOT)
}

/// An answer from unit `unit`, with the unit's own slot numbers replaced by the host's.
pub fn response_to_host(unit: usize, response: Response) -> Response {
    match response {
        Response::PartitionCreated { slot } => Response::PartitionCreated { slot: to_host(unit, slot) },
        Response::Info(info) => Response::Info(info_to_host(unit, info)),
        // No other answer names a slot.
        other => other,
    }
}

/// What unit `unit` reports about itself, with its partition's slot as the host numbers it.
pub fn info_to_host(unit: usize, mut info: HsmInfo) -> HsmInfo {
    if let Some(p) = info.partition.as_mut() {
        p.slot = to_host(unit, p.slot);
    }
    info
}

/// The transport over every unit plugged into the host, in the order they were plugged in.
pub struct Hub<'a, 'r> {
    units: Vec<&'a mut Hsm>,
    env: Env<'r>,
}

impl<'a, 'r> Hub<'a, 'r> {
    /// The hub over `units` (unit 1 first), with the time and randomness for this exchange.
    pub fn new(units: Vec<&'a mut Hsm>, env: Env<'r>) -> Hub<'a, 'r> {
        Hub { units, env }
    }
}

impl Transport for Hub<'_, '_> {
    /// Sends the request to the unit the slot belongs to; a slot of no plugged-in unit does not exist.
    fn transact(&mut self, frame: Frame) -> Result<Response, LunaRet> {
        let Frame { slot, request } = frame;
        let (unit, local) = to_local(slot).ok_or(retcode::SLOT_ID_INVALID)?;
        let hsm = self.units.get_mut(unit).ok_or(retcode::SLOT_ID_INVALID)?;
        let response = hsm.handle(Frame { slot: local, request }, &mut self.env)?;
        Ok(response_to_host(unit, response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{AuthMethod, Request, Role};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn host_slots_come_in_pairs_per_unit() {
        assert_eq!(to_local(3), Some((0, PARTITION_SLOT)));
        assert_eq!(to_local(4), Some((0, ADMIN_SLOT)));
        assert_eq!(to_local(5), Some((1, PARTITION_SLOT)));
        assert_eq!(to_local(6), Some((1, ADMIN_SLOT)));
        assert_eq!(to_local(10), Some((3, ADMIN_SLOT)));
        assert_eq!(to_local(0), None);
        assert_eq!(to_local(2), None);
        for slot in 3..40 {
            let (unit, local) = to_local(slot).unwrap();
            assert_eq!(to_host(unit, local), slot, "slot {slot} maps back");
        }
        assert_eq!((partition_slot(0), admin_slot(0)), (3, 4));
        assert_eq!((partition_slot(2), admin_slot(2)), (7, 8));
        assert_eq!([3, 4, 5, 6, 2].map(admin_slot_of), [4, 4, 6, 6, 4]);
        assert_eq!([3, 4, 5, 6, 2].map(partition_slot_of), [3, 3, 5, 5, 3]);
        assert_eq!([3, 4, 5, 6, 8, 1].map(is_admin_slot), [false, true, false, true, true, false]);
        // The largest numbers saturate rather than wrap.
        assert_eq!(to_local(SlotId::MAX).map(|(_, l)| l), Some(PARTITION_SLOT));
        assert_eq!(to_host(usize::MAX, ADMIN_SLOT), SlotId::MAX);
    }

    #[test]
    fn answers_carry_the_host_slot_numbers() {
        assert_eq!(
            response_to_host(1, Response::PartitionCreated { slot: PARTITION_SLOT }),
            Response::PartitionCreated { slot: 5 }
        );
        assert_eq!(response_to_host(1, Response::Done), Response::Done);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (hsm, _, _) = Hsm::from_factory(&mut rng);
        let mut info = hsm.info();
        info.partition = Some(crate::device::PartitionInfo {
            slot: PARTITION_SLOT,
            serial: "1".into(),
            label: String::new(),
            initialized: false,
            version: 0,
            logged_in: None,
            roles: Vec::new(),
            objects: 0,
            storage_total: 0,
            storage_used: 0,
        });
        let Response::Info(moved) = response_to_host(2, Response::Info(info.clone())) else { panic!("not info") };
        assert_eq!(moved.partition.as_ref().map(|p| p.slot), Some(7));
        assert_eq!(info_to_host(0, info.clone()), info, "unit 1 keeps the device's numbers");
    }

    /// Two units behind the hub: a password HSM with a partition, and a new unit in STM.
    fn two_units(rng: &mut ChaCha20Rng) -> (Hsm, Hsm, String) {
        let (mut first, _, _) = Hsm::from_factory(rng);
        let (second, _, _) = Hsm::from_factory(rng);
        let mut env = Env { now_ms: 0, rng };
        let mut call = |request| first.handle(Frame { slot: ADMIN_SLOT, request }, &mut env);
        call(Request::StmRecover).unwrap();
        call(Request::InitHsm {
            label: "one".into(),
            auth: AuthMethod::Password,
            so_password: Some("userpin1".into()),
            domain: Some("domain".into()),
            policies: None,
        })
        .unwrap();
        call(Request::Login { role: Role::So, password: Some("userpin1".into()) }).unwrap();
        call(Request::CreatePartition { version: 0 }).unwrap();
        let serial = second.serial().to_string();
        (first, second, serial)
    }

    #[test]
    fn the_hub_routes_each_slot_to_its_unit_and_refuses_the_others() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (mut first, mut second, serial) = two_units(&mut rng);
        let mut env_rng = ChaCha20Rng::seed_from_u64(4);
        let mut hub = Hub::new(vec![&mut first, &mut second], Env { now_ms: 0, rng: &mut env_rng });
        let info = |hub: &mut Hub<'_, '_>, slot| match hub.transact(Frame { slot, request: Request::GetInfo }) {
            Ok(Response::Info(info)) => Ok(info),
            Ok(other) => panic!("not info: {other:?}"),
            Err(e) => Err(e),
        };
        let one = info(&mut hub, 4).unwrap();
        assert_eq!(one.label, "one");
        assert_eq!(one.partition.as_ref().map(|p| p.slot), Some(3));
        assert_eq!(info(&mut hub, 3).unwrap(), one, "the partition slot reaches the same unit");
        let two = info(&mut hub, 6).unwrap();
        assert_eq!(two.serial, serial);
        assert!(two.partition.is_none());
        // Unit 2 has no partition, and there is no unit 3; slots below 3 never exist.
        for slot in [5, 7, 8, 0, 1, 2] {
            assert_eq!(info(&mut hub, slot), Err(retcode::SLOT_ID_INVALID), "slot {slot}");
        }
        // A request to unit 2 changes unit 2 only.
        hub.transact(Frame { slot: 6, request: Request::StmRecover }).unwrap();
        drop(hub);
        assert!(!second.in_stm());
        assert!(first.partition().is_some() && !first.in_stm());
    }

    #[test]
    fn a_partition_created_on_a_second_unit_is_announced_in_its_host_slot() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let (mut first, mut second, _) = two_units(&mut rng);
        let mut env_rng = ChaCha20Rng::seed_from_u64(6);
        let mut hub = Hub::new(vec![&mut second, &mut first], Env { now_ms: 0, rng: &mut env_rng });
        // The unit with the partition is now unit 2: its partition is slot 5.
        let Ok(Response::Info(info)) = hub.transact(Frame { slot: 6, request: Request::GetInfo }) else {
            panic!("no info")
        };
        assert_eq!(info.partition.map(|p| p.slot), Some(5));
        hub.transact(Frame { slot: 6, request: Request::DeletePartition }).unwrap();
        let created = hub.transact(Frame { slot: 6, request: Request::CreatePartition { version: 0 } });
        assert_eq!(created, Ok(Response::PartitionCreated { slot: 5 }));
    }
}
