//! Several units on one host: `sim unit add`, LunaCM's slots across units, and the unit in front of you.

mod common;

use common::{create_keyset, k, ok, Session, NOW};
use hsm_core::device::Role;
use hsm_core::{World, UNITS_MAX};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Unit 1 out of STM and initialized with passwords as "first"; then unit 2 plugged in.
fn two_units() -> Session {
    let mut s = Session::new();
    s.recover_new_unit();
    s.hard_init("first", "userpin1");
    ok(&s.last);
    s.enter("sim unit add");
    s
}

#[test]
fn a_second_unit_is_recovered_and_initialized_through_its_own_slots() {
    let mut s = two_units();
    let serial2 = s.world.unit(2).unwrap().serial().to_string();
    assert_ne!(serial2, s.world.hsm().serial());
    assert!(
        s.last.contains(&format!(
            "Unit 2 has arrived, in Secure Transport Mode, and is plugged into the host: serial {serial2}."
        )),
        "{}",
        s.last
    );
    assert!(s.last.contains("Its slots: 6 (admin) and 5 (application partition, once created)."), "{}", s.last);
    let rus2 = s.world.unit_shipment(2).unwrap().random_user_string.clone();
    assert_ne!(rus2, s.world.shipment().random_user_string, "each unit has its own e-mail");
    assert!(s.last.contains(&format!("Random User String:  {rus2}")), "{}", s.last);

    let out = s.enter("sim unit list");
    assert!(out.contains("Unit 1  serial") && out.contains("\"first\"") && out.contains("slot 4   "), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with("in front of you"), "unit 1 is in front: {out}");
    assert!(
        out.contains(&format!("Unit 2  serial {serial2}")) && out.contains("zeroized") && out.contains("slot 6"),
        "{out}"
    );

    let out = s.enter("slot list");
    let ids: Vec<&str> = out.lines().filter_map(|l| l.trim().strip_prefix("Slot Id ->")).map(str::trim).collect();
    assert_eq!(ids, ["4", "6"], "{out}");
    assert!(
        out.contains("HSM Status ->           OK") && out.contains("HSM Status ->           Transport Mode, zeroized")
    );
    assert!(out.contains("Current Slot Id: 4"), "{out}");

    let out = s.enter("slot set -slot 9");
    assert!(out.contains("Slot 9 does not exist. Use 'slot list' to see the slots."), "{out}");
    assert!(out.contains("CKR_SLOT_ID_INVALID"), "{out}");
    let out = s.enter("slot set -slot 5");
    assert!(out.contains("Slot 5 does not exist."), "unit 2 has no partition yet: {out}");
    assert_eq!(s.world.current_slot(), 4, "a refused slot set changes nothing");

    let out = s.enter("slot set -slot 6");
    ok(&out);
    assert!(out.contains("Current Slot Id: 6 (Luna HSM Admin Partition (PW)"), "{out}");
    let out = s.enter("hsm showinfo");
    assert!(out.contains(&format!("Partition Serial Number -> {serial2}")) && out.contains("Slot Id -> 6"), "{out}");

    // The e-mail of the unit in front is unit 1's until unit 2 is put in front.
    assert!(s.enter("sim email").contains(s.world.shipment().random_user_string.as_str()));
    let out = s.enter("sim unit use 2");
    assert!(out.contains(&format!("Unit 2 (serial {serial2}) is in front of you")), "{out}");
    let out = s.enter("sim email");
    assert!(out.contains("The e-mail that came with unit 2") && out.contains(&rus2), "{out}");

    let out = s.run(&[&format!("stm recover -randomuserstring {rus2}")]);
    let emailed = &s.world.unit_shipment(2).unwrap().verification_string;
    assert!(out.contains(&format!("Verification String: {emailed}")), "unit 2 matches its own e-mail: {out}");
    ok(&s.enter("proceed"));
    assert!(!s.world.unit(2).unwrap().in_stm());
    assert_eq!(s.world.hsm().info().status.to_string(), "OK", "unit 1 is untouched");

    s.run(&["hsm init -label second -ipwd", "userpin2", "userpin2", "domain2", "domain2", "proceed"]);
    ok(&s.last);
    assert_eq!(s.world.unit(2).unwrap().label(), "second");
    assert_eq!(s.world.hsm().label(), "first");

    // The HSM SO of unit 2 creates its partition: the host numbers it 5.
    ok(&s.run(&["role login -name so", "userpin2"]));
    assert!(s.enter("hsm showinfo").contains("Role Status -> SO logged in"));
    let out = s.enter("partition create");
    assert!(out.contains("Partition created in slot 5."), "{out}");
    let out = s.enter("slot list");
    let labels: Vec<&str> = out.lines().filter_map(|l| l.trim().strip_prefix("Label ->")).map(str::trim).collect();
    assert_eq!(labels, ["first", "", "second"], "{out}");
    let ids: Vec<&str> = out.lines().filter_map(|l| l.trim().strip_prefix("Slot Id ->")).map(str::trim).collect();
    assert_eq!(ids, ["4", "5", "6"], "{out}");
    assert!(out.contains("Current Slot Id: 6"), "{out}");
    ok(&s.enter("slot set -slot 5"));
    let out = s.enter("partition showinfo");
    assert!(out.contains("Slot Id -> 5") && out.contains("HSM Serial Number -> ") && out.contains(&serial2), "{out}");
    // Unit 1's SO is not logged in: logins are per unit, and listed by host slot.
    assert_eq!(s.world.hsm().logged_in(hsm_core::device::ADMIN_SLOT), None);
    assert_eq!(s.world.logins(), [(6, Role::So)]);

    let out = s.enter("sim unit list");
    assert!(out.contains("\"second\"") && out.contains("slots 5, 6"), "{out}");
    s.run(&["slot set -slot 4", "exit"]);
    let ids: Vec<&str> = s.last.lines().filter_map(|l| l.trim().strip_prefix("Slot Id ->")).map(str::trim).collect();
    assert_eq!(ids, ["4", "5", "6"], "the banner lists every unit: {}", s.last);
    check_golden!("two_units_on_one_host", &s.transcript);
}

#[test]
fn a_world_saved_before_there_were_several_units_loads_as_one_unit() {
    let world = World::new(3, NOW);
    let mut value: serde_json::Value = serde_json::from_str(&world.to_json()).unwrap();
    let obj = value.as_object_mut().unwrap();
    // What an earlier simulator saved: no list of added units, no unit in front.
    obj.remove("more");
    obj.remove("front");
    let loaded = World::from_json(&value.to_string()).expect("an old world loads");
    assert_eq!(loaded.unit_count(), 1);
    assert_eq!(loaded.front_unit(), 1);
    assert_eq!(loaded.hsm(), world.hsm());
    // A one-unit world still saves in the earlier form.
    assert!(!world.to_json().contains("\"more\"") && !world.to_json().contains("\"front\""));
}

#[test]
fn added_units_and_the_unit_in_front_are_saved() {
    let mut world = World::new(3, NOW);
    assert_eq!(world.add_unit(), Ok(2));
    world.use_unit(2).unwrap();
    let loaded = World::from_json(&world.to_json()).unwrap();
    assert_eq!(loaded.unit_count(), 2);
    assert_eq!(loaded.front_unit(), 2);
    assert_eq!(loaded.unit(2), world.unit(2));
    assert_eq!(loaded.unit_shipment(2), world.unit_shipment(2));
}

/// `world` saved, edited by `edit`, and loaded again.
fn edited(world: &World, edit: impl FnOnce(&mut serde_json::Value)) -> Result<World, String> {
    let mut value: serde_json::Value = serde_json::from_str(&world.to_json()).unwrap();
    edit(&mut value);
    World::from_json(&value.to_string()).map_err(|e| e.to_string())
}

#[test]
fn a_hand_edited_world_with_bad_units_is_refused() {
    let mut world = World::new(3, NOW);
    world.add_unit().unwrap();
    let serial1 = world.hsm().serial().to_string();
    assert!(edited(&world, |_| {}).is_ok());
    let e = edited(&world, |v| {
        v["more"][0]["hsm"]["serial"] = serial1.clone().into();
        v["more"][0]["shipment"]["serial"] = serial1.clone().into();
    })
    .unwrap_err();
    assert!(e.contains(&format!("two units have the serial number {serial1}")), "{e}");
    let e = edited(&world, |v| v["more"][0]["shipment"]["serial"] = "1".into()).unwrap_err();
    assert!(e.contains("unit 2: the HSM's serial number") && e.contains("not the 1 of its shipping e-mail"), "{e}");
    let e = edited(&world, |v| v["more"][0]["hsm"]["lifecycle"] = "Zeroized".into());
    assert!(e.is_ok(), "a zeroized unit 2 is fine: {e:?}");
    let e = edited(&world, |v| v["front"] = 2.into()).unwrap_err();
    assert!(e.contains("unit 3 is in front, but there are only 2 units"), "{e}");
    let e = edited(&world, |v| {
        let unit = v["more"][0].clone();
        let more = v["more"].as_array_mut().unwrap();
        for n in 0..UNITS_MAX {
            let mut copy = unit.clone();
            copy["hsm"]["serial"] = format!("9{n}").into();
            copy["shipment"]["serial"] = format!("9{n}").into();
            more.push(copy);
        }
    })
    .unwrap_err();
    assert!(e.contains(&format!("the world holds {} units (at most {UNITS_MAX})", UNITS_MAX + 2)), "{e}");
}

#[test]
fn bad_unit_commands_are_explained_and_change_nothing() {
    let mut world = World::new(3, NOW);
    let help = world.enter("sim help", NOW).text;
    for cmd in ["sim unit add", "sim unit list", "sim unit use <number>"] {
        assert!(help.contains(cmd), "{cmd}: {help}");
    }
    world.enter("sim unit add", NOW);
    for (line, says) in [
        ("sim unit use 9", "There is no unit 9: units 1 to 2. 'sim unit list' lists them."),
        ("sim unit use 0", "There is no unit 0: units 1 to 2."),
        ("sim unit use two", "'two' is not a unit number; 'sim unit list' lists them."),
        ("sim unit use", "Usage: sim unit use <number>"),
        ("sim unit use 1 2", "Usage: sim unit use <number>"),
        ("sim unit remove", "Usage: sim unit add"),
    ] {
        let before = (world.to_json(), world.revision());
        let out = world.enter(line, NOW).text;
        assert!(out.contains(says), "{line}: {out}");
        assert_eq!((world.to_json(), world.revision()), before, "{line} changes nothing");
    }
    let revision = world.revision();
    assert!(world.enter("sim unit use 1", NOW).text.contains("Unit 1 (serial"));
    assert_eq!((world.front_unit(), world.revision()), (1, revision), "the unit in front already: no change");
    for n in 3..=UNITS_MAX {
        let out = world.enter("sim unit add", NOW).text;
        assert!(out.contains(&format!("Unit {n} has arrived")), "{out}");
    }
    let before = (world.to_json(), world.revision());
    let out = world.enter("sim unit add", NOW).text;
    assert!(out.contains(&format!("There are already {UNITS_MAX} units, the most the simulator holds.")), "{out}");
    assert_eq!((world.to_json(), world.revision()), before);
    // Every unit's slots are listed and reachable; the one after the last is not.
    let out = world.enter("slot list", NOW).text;
    assert!(out.contains("Slot Id ->              10"), "{out}");
    assert!(world.enter("slot set -slot 10", NOW).text.contains("Current Slot Id: 10 (Luna HSM Admin"));
    assert!(world.enter("slot set -slot 12", NOW).text.contains("Slot 12 does not exist."));
    assert!(world.enter("slot set -slot 2", NOW).text.contains("Slot 2 does not exist."));
}

#[test]
fn the_ceremony_of_the_current_slots_unit_ends_whichever_unit_is_in_front() {
    let mut s = Session::new();
    s.enter("sim unit add");
    let rus2 = s.world.unit_shipment(2).unwrap().random_user_string.clone();
    s.run(&["slot set -slot 6", &format!("stm recover -r {rus2}"), "proceed"]);
    ok(&s.last);
    let out = s.run(&["hsm init -label pedTwo -iped", "proceed"]);
    assert!(out.contains("Please attend to the PED."), "{out}");
    assert!(s.world.unit(2).unwrap().ceremony_running() && !s.world.hsm().ceremony_running());
    assert!(s.world.ceremony_running(), "a ceremony runs on some unit");
    // Unit 1 is in front: its touchscreen shows no ceremony, and LunaCM keeps waiting for unit 2's.
    let out = s.enter("sim screen");
    assert!(out.contains("[touchscreen of unit 1] Luna USB HSM 7"), "{out}");
    assert!(s.world.waiting_for_ped(), "polling unit 2, not unit 1: {}", s.last);
    let out = s.enter("sim tap New");
    assert!(out.contains("The touchscreen shows no 'New' button."), "{out}");
    assert!(s.world.waiting_for_ped());
    // Power to unit 1 goes and comes back: the command on unit 2 goes on.
    let out = s.enter("sim power cycle 5");
    assert!(out.contains("Unit 1 was without power for 5 s"), "{out}");
    assert!(s.world.waiting_for_ped() && s.world.unit(2).unwrap().ceremony_running());
    s.enter("sim unit use 2");
    let out = create_keyset(&mut s, 1, &[k(1)]) + &create_keyset(&mut s, 1, &[k(2)]);
    ok(&out);
    assert!(!s.world.waiting_for_ped() && !s.world.ceremony_running());
    assert_eq!(s.world.unit(2).unwrap().label(), "pedTwo");
    assert!(s.world.hsm().zeroized(), "unit 1 is untouched");
    // iKey 3 goes into unit 2's port; with unit 1 in front, its own port is free and iKey 3 stays put.
    s.enter("sim ikey insert 3");
    s.enter("sim unit use 1");
    let out = s.enter("sim ikeys");
    assert!(out.contains("in the iKey port of unit 2"), "{out}");
    let view = s.world.ikeys().into_iter().find(|k| k.id == 3).unwrap();
    assert_eq!((view.in_port, view.in_unit), (false, Some(2)));
    assert!(s.enter("sim ikey remove").contains("No iKey is in the port."));
    let out = s.enter("sim ikey lose 3");
    assert!(out.contains("iKey 3 is in the port of unit 2: remove it first."), "{out}");
    // Unplugging unit 2 while LunaCM waits on it abandons the command.
    s.run(&["sim unit use 2", "sim ikey remove", "role login -name so"]);
    assert!(s.world.waiting_for_ped());
    let out = s.enter("sim power cycle 1");
    assert!(out.contains("The HSM was disconnected: the command was abandoned."), "{out}");
    assert!(!s.world.waiting_for_ped());
}

#[test]
fn logins_are_per_unit_and_quitting_lunacm_ends_them_all() {
    let mut s = two_units();
    let rus2 = s.world.unit_shipment(2).unwrap().random_user_string.clone();
    ok(&s.run(&["role login -name so", "userpin1"]));
    s.run(&["slot set -slot 6", &format!("stm recover -r {rus2}"), "proceed"]);
    s.run(&["hsm init -label second -ipwd -password userpin2 -domain d2 -force"]);
    ok(&s.last);
    assert_eq!(s.world.logins(), [(4, Role::So)], "unit 2's init ends no login of unit 1");
    ok(&s.run(&["role login -name so -password userpin2"]));
    assert_eq!(s.world.logins(), [(4, Role::So), (6, Role::So)]);
    assert!(s.enter("sim unit list").contains("\"second\""));
    s.enter("exit");
    assert_eq!(s.world.logins(), []);
    assert_eq!(s.world.current_slot(), 4, "LunaCM starts again on unit 1's admin slot");
}
