//! No input panics: random LunaCM lines, prompt answers, `sim` commands and touchscreen taps, in any order.
#![cfg(not(target_arch = "wasm32"))]

use hsm_core::World;
use proptest::prelude::*;

/// Words that reach deep into the command set, mixed with arbitrary text.
fn line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("slot".to_string()),
        Just("list".to_string()),
        Just("set".to_string()),
        Just("-slot".to_string()),
        Just("hsm".to_string()),
        Just("init".to_string()),
        Just("-label".to_string()),
        Just("-ipwd".to_string()),
        Just("-iped".to_string()),
        Just("-password".to_string()),
        Just("-domain".to_string()),
        Just("-force".to_string()),
        Just("zeroize".to_string()),
        Just("factoryreset".to_string()),
        Just("showinfo".to_string()),
        Just("role".to_string()),
        Just("login".to_string()),
        Just("logout".to_string()),
        Just("changepw".to_string()),
        Just("-name".to_string()),
        Just("so".to_string()),
        Just("stm".to_string()),
        Just("transport".to_string()),
        Just("recover".to_string()),
        Just("-randomuserstring".to_string()),
        Just("proceed".to_string()),
        Just("quit".to_string()),
        Just("ped".to_string()),
        Just("vector".to_string()),
        Just("sim".to_string()),
        Just("ikey".to_string()),
        Just("insert".to_string()),
        Just("remove".to_string()),
        Just("new".to_string()),
        Just("sticker".to_string()),
        Just("tap".to_string()),
        Just("keypad".to_string()),
        Just("clock".to_string()),
        Just("advance".to_string()),
        Just("Enter".to_string()),
        Just("Yes".to_string()),
        Just("No".to_string()),
        Just("New".to_string()),
        Just("Reuse".to_string()),
        Just("Admin".to_string()),
        Just("Cancel".to_string()),
        Just("userpin1".to_string()),
        Just("partition".to_string()),
        Just("create".to_string()),
        Just("delete".to_string()),
        Just("contents".to_string()),
        Just("audit".to_string()),
        Just("config".to_string()),
        Just("evmask".to_string()),
        Just("path".to_string()),
        Just("verify".to_string()),
        Just("file".to_string()),
        Just("export".to_string()),
        Just("import".to_string()),
        Just("logmsg".to_string()),
        Just("setdomain".to_string()),
        Just("au".to_string()),
        Just("a,m,s,f".to_string()),
        Just("unit".to_string()),
        Just("showpolicies".to_string()),
        Just("changepolicy".to_string()),
        Just("changehsmpolicy".to_string()),
        Just("-policy".to_string()),
        Just("-value".to_string()),
        Just("-applytemplate".to_string()),
        Just("-exporttemplate".to_string()),
        Just("/t/x".to_string()),
        Just("po".to_string()),
        Just("co".to_string()),
        Just("cu".to_string()),
        Just("lco".to_string()),
        Just("au".to_string()),
        Just("resetpw".to_string()),
        Just("createchallenge".to_string()),
        Just("deactivate".to_string()),
        Just("show".to_string()),
        Just("lose".to_string()),
        Just("3".to_string()),
        Just("4".to_string()),
        Just("\"quoted arg\"".to_string()),
        Just("\"".to_string()),
        "[0-9]{1,3}",
        ".{0,12}",
    ];
    proptest::collection::vec(word, 0..6).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_session_panics(seed: u64, lines in proptest::collection::vec(line(), 1..40), taps in proptest::collection::vec(0usize..20, 0..10)) {
        let mut world = World::new(seed, 1_764_000_000_000);
        world.start_session(1_764_000_000_000);
        let mut now = 1_764_000_000_000u64;
        for (i, l) in lines.iter().enumerate() {
            now += 1_000;
            world.enter(l, now);
            if let Some(&t) = taps.get(i) {
                let screen = world.screen(now);
                if let Some(b) = screen.buttons.get(t % screen.buttons.len().max(1)) {
                    world.tap(b.label(), now);
                }
                let _ = world.insert_ikey(t as u32, now);
                if t % 3 == 0 {
                    let _ = world.remove_ikey(now);
                }
            }
        }
        // Whatever happened, the world still saves and loads.
        let saved = world.to_json();
        prop_assert_eq!(World::from_json(&saved).unwrap().to_json(), saved);
    }
}

/// One thing a person does to the unit during a ceremony.
fn physical() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![
            Just("Enter"),
            Just("Cancel"),
            Just("Clear"),
            Just("Reuse"),
            Just("New"),
            Just("Overwrite"),
            Just("Use another iKey"),
            Just("Yes"),
            Just("No"),
            Just("Admin"),
            Just("Exit"),
        ]
        .prop_map(|b| format!("sim tap {b}")),
        "[0-9]{1,4}".prop_map(|d| format!("sim keypad {d}")),
        (1u32..12).prop_map(|id| format!("sim ikey insert {id}")),
        Just("sim ikey remove".to_string()),
        (0u64..200).prop_map(|s| format!("sim clock advance {s}")),
        Just("slot list".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Starts inside an iKey ceremony (hard init, then a partition init and a role init on the
    /// multifactor unit when they get that far) and feeds random taps, digits, key moves and clock ticks.
    #[test]
    fn no_ceremony_input_panics(seed: u64, events in proptest::collection::vec(physical(), 1..80)) {
        let mut world = World::new(seed, 1_764_000_000_000);
        world.start_session(1_764_000_000_000);
        let now = 1_764_000_000_000u64;
        let rus = world.shipment().random_user_string.clone();
        for l in [format!("stm recover -randomuserstring {rus}"), "proceed".into(), "hsm init -label p -iped".into(), "proceed".into()] {
            world.enter(&l, now);
        }
        prop_assert!(world.hsm().ceremony_running());
        for (i, e) in events.iter().enumerate() {
            world.enter(e, now + i as u64 * 1000);
        }
        let saved = world.to_json();
        prop_assert_eq!(World::from_json(&saved).unwrap().to_json(), saved);
    }
}

/// Saved text that is not a world is refused with an error, whatever it is.
#[test]
fn loading_arbitrary_text_never_panics() {
    for text in
        ["", "null", "[]", "{}", "{\"schema\":1}", "{\"schema\":\"1\"}", "\u{0}", "{\"schema\":1,\"revision\":-1}"]
    {
        assert!(World::from_json(text).is_err(), "{text:?} should be refused");
    }
}
