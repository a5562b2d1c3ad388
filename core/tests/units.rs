//! Several units on one host: `sim unit add`, LunaCM's slots across units, and the unit in front of you.

mod common;

use common::NOW;
use hsm_core::{World, UNITS_MAX};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

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
