//! The page's USB link driven against a unit's device end ([`Endpoint`]), the page's part played by
//! [`Cable`]: it writes what the engine asks to the unit and passes back what the unit answers, chunk by
//! chunk as bulk transfers would.

use super::usb::{UsbEvent, UsbOut, UsbUnit};
use super::*;
use crate::wire::device::Endpoint;

const NOW: u64 = 1_764_000_000_000;

fn fresh(file_store: bool) -> (Engine, ToPage) {
    Engine::open(None, BTreeMap::new(), file_store, 7, NOW)
}

fn enter(engine: &mut Engine, id: u32, line: &str) -> ToPage {
    engine.handle(ToCore::Call { id, call: Call::Enter { line: line.into() } }, NOW)
}

/// The page with a unit on the cable.
struct Cable {
    unit: Endpoint,
    /// The most bytes one bulk IN transfer carries here: small, so that answers arrive in pieces.
    chunk: usize,
    /// Bytes the unit answered that the page has not read yet.
    pending: Vec<u8>,
}

impl Cable {
    fn new() -> Cable {
        Cable { unit: Endpoint::new(11, NOW), chunk: 200, pending: Vec::new() }
    }

    /// Carries out what the engine asked until it asks nothing more; every message the engine sent.
    fn pump(&mut self, engine: &mut Engine, mut msg: ToPage) -> Vec<ToPage> {
        let mut seen = Vec::new();
        loop {
            let usb = msg.usb.clone();
            seen.push(msg);
            let read = match usb {
                Some(UsbOut::Transfer { bytes }) => {
                    self.pending.extend(self.unit.feed(&bytes, NOW));
                    true
                }
                Some(UsbOut::Read) => true,
                Some(UsbOut::Close) | None => false,
            };
            if !read {
                return seen;
            }
            assert!(!self.pending.is_empty(), "the engine reads while the unit has said nothing");
            let n = self.chunk.min(self.pending.len());
            let bytes: Vec<u8> = self.pending.drain(..n).collect();
            msg = engine.handle(ToCore::Usb(UsbEvent::Received { bytes }), NOW);
        }
    }
}

fn trainer() -> UsbUnit {
    UsbUnit {
        vendor_id: 0x1209,
        product_id: 0x0007,
        manufacturer: "Training unit".into(),
        product: "HSM trainer".into(),
        serial: "T-1".into(),
        version: "0.1.0".into(),
    }
}

fn text_of(msgs: &[ToPage]) -> String {
    msgs.iter()
        .filter_map(|m| match &m.output {
            Some(Output::Append(t) | Output::Restart(t)) => Some(t.as_str()),
            None => None,
        })
        .collect()
}

/// Attaches the trainer and returns the engine's messages up to LunaCM's banner.
fn attach(engine: &mut Engine, cable: &mut Cable) -> Vec<ToPage> {
    let opened = engine.handle(ToCore::Usb(UsbEvent::Opened { unit: trainer() }), NOW);
    cable.pump(engine, opened)
}

#[test]
fn the_terminal_drives_the_unit_on_the_cable_and_the_simulated_unit_waits() {
    let (mut engine, _) = fresh(true);
    let sim_revision = engine.world().revision();
    let mut cable = Cable::new();
    let msgs = attach(&mut engine, &mut cable);
    let serial = cable.unit.hsm().serial().to_string();
    // LunaCM starts on the unit: a new session whose banner lists the unit, not the simulated one.
    let banner = msgs.iter().find_map(|m| match &m.output {
        Some(Output::Restart(b)) => Some(b.clone()),
        _ => None,
    });
    let banner = banner.expect("a banner");
    assert!(banner.starts_with("Connected over USB to hsm-device"), "{banner}");
    assert!(banner.contains(&serial) && !banner.contains(engine.world().hsm().serial()), "{banner}");
    let attached = msgs.last().unwrap().view.attached.clone().flatten().expect("the view shows the unit");
    assert_eq!(attached.welcome.as_ref().map(|w| w.serial.clone()), Some(serial.clone()));
    assert!(!attached.busy);

    // A line goes to the unit, and its answer comes back as the answer to the page's call.
    let first = enter(&mut engine, 5, "hsm showinfo");
    assert!(first.answer.is_none(), "answered before the unit was asked");
    let msgs = cable.pump(&mut engine, first);
    let done = msgs.iter().find_map(|m| m.answer.clone()).expect("the call is answered");
    assert_eq!(done, Answer { id: 5, outcome: Ok(None), said: String::new() });
    let text = text_of(&msgs);
    assert!(text.starts_with("hsm showinfo\n") && text.contains(&serial) && text.ends_with("lunacm:>"), "{text}");

    // Recovery from STM on the unit, with the prompt's answer: the unit leaves STM; the world does not.
    let rus = cable.unit.shipment().random_user_string.clone();
    let sent = enter(&mut engine, 6, &format!("stm recover -randomuserstring {rus}"));
    let asked = cable.pump(&mut engine, sent);
    assert!(text_of(&asked).contains("proceed"));
    let sent = enter(&mut engine, 7, "proceed");
    cable.pump(&mut engine, sent);
    assert!(!cable.unit.hsm().status().to_string().contains("Transport"));
    assert!(engine.world().hsm().status().to_string().contains("Transport"));
    assert_eq!(engine.world().revision(), sim_revision, "the simulated world changed");

    // `exit` starts LunaCM again on the unit: the call is answered with the new banner.
    let sent = enter(&mut engine, 20, "exit");
    let msgs = cable.pump(&mut engine, sent);
    assert_eq!(msgs.iter().find_map(|m| m.answer.as_ref().map(|a| a.id)), Some(20));
    let text = text_of(&msgs);
    assert!(text.starts_with("exit\n") && text.contains("Available HSMs") && text.contains(&serial), "{text}");

    // `sim` lines are the simulator's: refused while the unit is attached, without asking it.
    let refused = enter(&mut engine, 8, "sim email");
    assert!(refused.usb.is_none());
    assert!(text_of(&[refused]).contains("'sim' commands act on the simulated unit"));
}

#[test]
fn unplugging_mid_command_fails_it_and_returns_to_the_simulated_unit() {
    let (mut engine, _) = fresh(true);
    let mut cable = Cable::new();
    attach(&mut engine, &mut cable);
    // The request is on its way when the cable is pulled.
    let sent = enter(&mut engine, 9, "hsm showinfo");
    assert!(matches!(sent.usb, Some(UsbOut::Transfer { .. })));
    // A second line meanwhile is refused: LunaCM is waiting for the unit.
    let busy = enter(&mut engine, 10, "slot list");
    assert_eq!(busy.answer.map(|a| a.outcome), Some(Err("LunaCM is waiting for the unit's answer.".into())));
    let gone = engine.handle(ToCore::Usb(UsbEvent::Closed { why: Some("The unit was unplugged.".into()) }), NOW);
    assert_eq!(gone.answer.as_ref().map(|a| a.id), Some(9));
    let text = text_of(std::slice::from_ref(&gone));
    assert!(text.contains("CKR_TOKEN_NOT_PRESENT"), "{text}");
    assert!(text.contains("The unit was unplugged.") && text.contains("Back to the simulated unit."), "{text}");
    assert!(text.ends_with("lunacm:>"), "{text}");
    assert_eq!(gone.view.attached, Some(None));
    // The terminal is the simulator's again.
    let back = enter(&mut engine, 11, "slot list");
    assert!(back.usb.is_none() && text_of(&[back]).contains(engine.world().hsm().serial()));
    // Bytes that arrive after the link is over are dropped.
    assert!(engine.handle(ToCore::Usb(UsbEvent::Received { bytes: vec![1, 2, 3] }), NOW).is_empty());
}

#[test]
fn garbage_from_the_unit_closes_the_link_with_a_reason() {
    let (mut engine, _) = fresh(true);
    let opened = engine.handle(ToCore::Usb(UsbEvent::Opened { unit: trainer() }), NOW);
    assert!(matches!(opened.usb, Some(UsbOut::Transfer { .. })));
    assert!(text_of(&[opened]).contains("Connecting to HSM trainer (1209:0007)"));
    // Not a frame: the link is closed, and the page told to close the device.
    let reply = engine.handle(ToCore::Usb(UsbEvent::Received { bytes: b"HTTP/1.1 200 OK\r\n".to_vec() }), NOW);
    assert_eq!(reply.usb, Some(UsbOut::Close));
    assert_eq!(reply.view.attached, Some(None));
    let text = text_of(&[reply]);
    assert!(text.contains("could not be read") && text.contains("Back to the simulated unit."), "{text}");
}

#[test]
fn a_unit_of_a_newer_protocol_is_refused_with_the_versions() {
    let (mut engine, _) = fresh(true);
    engine.handle(ToCore::Usb(UsbEvent::Opened { unit: trainer() }), NOW);
    let welcome = crate::wire::Welcome {
        protocol: crate::wire::PROTOCOL + 1,
        capabilities: vec![],
        product: "future".into(),
        serial: "1".into(),
        model: "m".into(),
        firmware: "9".into(),
    };
    let bytes = crate::wire::encode(&crate::wire::Message::Welcome(welcome)).unwrap();
    let reply = engine.handle(ToCore::Usb(UsbEvent::Received { bytes }), NOW);
    assert_eq!(reply.usb, Some(UsbOut::Close));
    let text = text_of(&[reply]);
    assert!(text.contains(&format!("protocol version {}", crate::wire::PROTOCOL + 1)), "{text}");
}

fn call(engine: &mut Engine, id: u32, call: Call) -> ToPage {
    engine.handle(ToCore::Call { id, call }, NOW)
}

#[test]
fn a_mirrored_unit_is_drawn_and_the_desk_acts_on_it() {
    let (mut engine, _) = fresh(true);
    let mut cable = Cable::new();
    attach(&mut engine, &mut cable);
    let rus = cable.unit.shipment().random_user_string.clone();
    for line in [format!("stm recover -randomuserstring {rus}"), "proceed".into()] {
        let sent = enter(&mut engine, 1, &line);
        cable.pump(&mut engine, sent);
    }
    // The drawing is the unit's, out of STM, while the simulated unit is still in it.
    assert_eq!(engine.shown.environment, crate::view::EnvironmentView::of(cable.unit.world()));
    assert_ne!(engine.shown.environment, crate::view::EnvironmentView::of(engine.world()));
    // An iKey ceremony on the unit: the page's touchscreen shows the unit's, taps and iKeys go to it.
    let sent = enter(&mut engine, 2, "hsm init -label mirrored -iped");
    cable.pump(&mut engine, sent);
    let sent = enter(&mut engine, 3, "proceed");
    let msgs = cable.pump(&mut engine, sent);
    assert!(text_of(&msgs).contains("Please attend to the PED."));
    let screen = msgs.iter().rev().find_map(|m| m.view.screen.clone()).expect("the unit's screen is drawn");
    assert_eq!(screen, cable.unit.world().screen(NOW));
    assert!(!screen.buttons.is_empty(), "{screen:?}");
    // iKey 1 travels from the desk into the unit's port.
    let sent = call(&mut engine, 4, Call::InsertIkey { ikey: 1 });
    let msgs = cable.pump(&mut engine, sent);
    assert_eq!(msgs.iter().find_map(|m| m.answer.clone()).map(|a| a.outcome), Some(Ok(None)));
    assert_eq!(cable.unit.hsm().port().map(|k| k.id), Some(1));
    assert!(engine.world().ikeys().iter().all(|k| k.id != 1), "the key left the desk");
    let ikeys = msgs.iter().rev().find_map(|m| m.view.ikeys.clone()).expect("the keys are redrawn");
    assert!(ikeys.iter().any(|k| k.id == 1 && k.in_port), "{ikeys:?}");
    // A tap reaches the unit's touchscreen.
    let before = cable.unit.world().screen(NOW);
    let label = before.buttons.first().map(|b| b.label().to_string()).expect("a button to tap");
    let sent = call(&mut engine, 5, Call::Tap { label });
    cable.pump(&mut engine, sent);
    assert_ne!(cable.unit.world().screen(NOW), before, "the tap changed the unit's screen");
    // The environment control is the simulated unit's.
    let refused = call(&mut engine, 6, Call::SetEnvironment { temperature_dc: 700, rail_mv: 5000 });
    assert!(matches!(refused.answer.map(|a| a.outcome), Some(Err(why)) if why.contains("disconnect")));
    // Pulled mid-ceremony: the command fails, and iKey 1 is back on the desk.
    let gone = engine.handle(ToCore::Usb(UsbEvent::Closed { why: Some("The unit was unplugged.".into()) }), NOW);
    let text = text_of(std::slice::from_ref(&gone));
    assert!(text.contains("iKey 1 is back on the desk."), "{text}");
    assert!(engine.world().ikeys().iter().any(|k| k.id == 1 && !k.in_port));
    assert_eq!(gone.view.attached, Some(None));
}
