use super::device::Endpoint;
use super::host::Link;
use super::*;
use crate::device::{AuthMethod, HsmStatus, Request, Role, ADMIN_SLOT, PARTITION_SLOT};
use crate::retcode;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const NOW: u64 = 1_700_000_000_000;

fn request(id: u32, slot: u32, request: Request) -> Message {
    Message::Request { id, frame: Frame { slot, request } }
}

fn bytes(message: &Message) -> Vec<u8> {
    encode(message).expect("encodes")
}

#[test]
fn a_frame_is_magic_kind_length_and_json() {
    let out = bytes(&request(7, 4, Request::GetInfo));
    assert_eq!(&out[..3], &[0xFF, b'L', b'7']);
    assert_eq!(out[3], 3);
    let body = br#"{"id":7,"frame":{"slot":4,"request":"GetInfo"}}"#;
    assert_eq!(u32::from_be_bytes([out[4], out[5], out[6], out[7]]) as usize, body.len());
    assert_eq!(&out[8..], body);
    let err = Message::Error(ErrorFrame::new(ErrorCode::NoHello, "x"));
    assert_eq!(&bytes(&err)[8..], br#"{"code":"no-hello","message":"x"}"#);
}

#[test]
fn frames_split_and_merged_arrive_whole() {
    let messages = [
        Message::Hello(Hello::new("test")),
        request(1, 4, Request::Login { role: Role::So, password: Some("pin".into()) }),
        Message::Response { id: 1, result: Err(retcode::UM_PIN_INCORRECT) },
        Message::Response { id: 2, result: Ok(crate::device::Response::PartitionCreated { slot: 3 }) },
    ];
    let stream: Vec<u8> = messages.iter().flat_map(bytes).collect();
    for cut in [1, 2, 3, 7, 8, 9, 64, stream.len()] {
        let mut decoder = Decoder::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(cut) {
            got.extend(decoder.feed(chunk));
        }
        assert_eq!(got, messages.iter().cloned().map(Ok).collect::<Vec<_>>(), "chunks of {cut}");
        assert_eq!(decoder.finish(), Ok(()));
    }
}

#[test]
fn garbage_is_reported_once_and_skipped_to_the_next_frame() {
    let hello = Message::Hello(Hello::new("test"));
    let mut stream = b"GET / HTTP/1.1\r\n\xff\xffL".to_vec();
    stream.extend(bytes(&hello));
    let mut decoder = Decoder::new();
    let got = decoder.feed(&stream);
    assert_eq!(got, vec![Err(WireError::BadMagic { found: b'G' }), Ok(hello)]);
    assert!(got[0].as_ref().unwrap_err().framing_lost());
}

#[test]
fn oversized_unknown_and_unreadable_frames_are_errors() {
    let mut oversized = MAGIC.to_vec();
    oversized.extend([1, 0xFF, 0xFF, 0xFF, 0xFF]);
    let mut decoder = Decoder::new();
    assert_eq!(decoder.feed(&oversized), vec![Err(WireError::Oversized { kind: 1, length: u32::MAX, max: MAX_BODY })]);
    assert_eq!(decoder.finish(), Ok(()));

    let mut unknown = MAGIC.to_vec();
    unknown.extend([9, 0, 0, 0, 2, b'{', b'}']);
    let mut bad = MAGIC.to_vec();
    bad.extend([3, 0, 0, 0, 9]);
    bad.extend(br#"{"id":12}"#);
    let mut decoder = Decoder::new();
    let got = decoder.feed(&[unknown, bad, bytes(&Message::Hello(Hello::new("x")))].concat());
    assert_eq!(got[0], Err(WireError::UnknownKind { kind: 9 }));
    assert!(matches!(got[1], Err(WireError::BadBody { kind: Kind::Request, id: Some(12), .. })));
    assert!(matches!(got[2], Ok(Message::Hello(_))));

    let mut decoder = Decoder::new();
    let hello = bytes(&Message::Hello(Hello::new("x")));
    assert!(decoder.feed(&hello[..hello.len() - 1]).is_empty());
    assert_eq!(decoder.finish(), Err(WireError::Truncated { buffered: hello.len() - 1 }));
}

#[test]
fn a_message_over_the_limit_is_not_encoded() {
    let big = request(1, 4, Request::AuditLogMessage { text: "x".repeat(100) });
    assert!(matches!(encode_limited(&big, 50), Err(WireError::Encode(_))));
    assert!(encode_limited(&big, 200).is_ok());
}

/// Sends `messages` to the endpoint and decodes its answers.
fn exchange(endpoint: &mut Endpoint, messages: &[Message]) -> Vec<Message> {
    let input: Vec<u8> = messages.iter().flat_map(bytes).collect();
    let out = endpoint.feed(&input, NOW);
    Decoder::new().feed(&out).into_iter().map(|m| m.expect("the device writes frames")).collect()
}

fn call(endpoint: &mut Endpoint, id: u32, slot: u32, req: Request) -> Result<crate::device::Response, LunaRet> {
    match exchange(endpoint, &[request(id, slot, req)]).as_slice() {
        [Message::Response { id: answered, result }] if *answered == id => result.clone(),
        other => panic!("not one answer: {other:?}"),
    }
}

#[test]
fn the_device_welcomes_a_hello_and_names_the_unit() {
    let mut endpoint = Endpoint::new(1, NOW);
    endpoint.offer(CAP_PERSISTENT);
    let answers = exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    let [Message::Welcome(w)] = answers.as_slice() else { panic!("{answers:?}") };
    assert_eq!(w.protocol, PROTOCOL);
    assert_eq!(w.serial, endpoint.hsm().serial());
    assert_eq!(w.model, "Luna G7");
    assert_eq!(w.capabilities, vec![CAP_MIRROR.to_string(), CAP_PERSISTENT.to_string()]);
    assert!(w.product.starts_with("hsm-device "));
    assert_eq!(endpoint.protocol(), Some(PROTOCOL));
    assert_eq!(endpoint.host().map(|h| h.product.as_str()), Some("test"));
    // A newer host is answered in this device's version.
    let newer = Hello { protocol: PROTOCOL + 5, capabilities: vec!["future".into()], product: String::new() };
    let answers = exchange(&mut endpoint, &[Message::Hello(newer)]);
    assert!(matches!(answers.as_slice(), [Message::Welcome(w)] if w.protocol == PROTOCOL));
}

#[test]
fn a_version_the_device_does_not_speak_is_refused() {
    let mut endpoint = Endpoint::new(1, NOW);
    let old = Hello { protocol: 0, capabilities: Vec::new(), product: String::new() };
    let answers = exchange(&mut endpoint, &[Message::Hello(old), request(1, ADMIN_SLOT, Request::GetInfo)]);
    let [Message::Error(refusal), Message::Error(no_hello)] = answers.as_slice() else { panic!("{answers:?}") };
    assert_eq!(refusal.code, ErrorCode::UnsupportedVersion);
    assert_eq!(refusal.protocols, Some([MIN_PROTOCOL, PROTOCOL]));
    assert_eq!((no_hello.code, no_hello.id), (ErrorCode::NoHello, Some(1)));
    assert_eq!(endpoint.protocol(), None);
}

#[test]
fn a_request_before_the_hello_is_refused_and_changes_nothing() {
    let mut endpoint = Endpoint::new(1, NOW);
    let answers = exchange(&mut endpoint, &[request(5, ADMIN_SLOT, Request::StmRecover)]);
    assert!(matches!(answers.as_slice(), [Message::Error(e)] if e.code == ErrorCode::NoHello && e.id == Some(5)));
    assert!(endpoint.hsm().in_stm());
    assert!(!endpoint.take_changed());
}

#[test]
fn garbage_and_frames_the_device_never_takes_get_error_frames_and_the_link_goes_on() {
    let mut endpoint = Endpoint::new(1, NOW);
    exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    let mut input = b"\x00\x01garbage".to_vec();
    input.extend(bytes(&Message::Response { id: 1, result: Ok(crate::device::Response::Done) }));
    // Error frames, readable or not, are not answered.
    input.extend(bytes(&Message::Error(ErrorFrame::new(ErrorCode::BadBody, "x"))));
    input.extend([0xFF, b'L', b'7', 5, 0, 0, 0, 1, b'{']);
    input.extend(bytes(&request(2, ADMIN_SLOT, Request::GetInfo)));
    let out = endpoint.feed(&input, NOW);
    let answers: Vec<_> = Decoder::new().feed(&out).into_iter().map(Result::unwrap).collect();
    assert!(matches!(&answers[0], Message::Error(e) if e.code == ErrorCode::BadFrame));
    assert!(matches!(&answers[1], Message::Error(e) if e.code == ErrorCode::Unexpected));
    assert!(matches!(&answers[2], Message::Response { id: 2, result: Ok(_) }));
    assert_eq!(answers.len(), 3);
}

#[test]
fn a_whole_procedure_runs_over_the_wire_and_the_state_survives_a_restart() {
    let mut endpoint = Endpoint::new(7, NOW);
    let rus = endpoint.shipment().random_user_string.clone();
    exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    let info = |e: &mut Endpoint| match call(e, 99, ADMIN_SLOT, Request::GetInfo) {
        Ok(crate::device::Response::Info(info)) => info,
        other => panic!("{other:?}"),
    };
    assert_eq!(info(&mut endpoint).status, HsmStatus::of(true, true));
    // The first request of all starts the unit's clock and counters; a reading after it changes nothing.
    endpoint.take_changed();
    info(&mut endpoint);
    assert!(!endpoint.take_changed(), "GetInfo changes nothing");
    let verified = call(&mut endpoint, 1, ADMIN_SLOT, Request::StmVerify { random_user_string: rus });
    let Ok(crate::device::Response::StmVerification { verification_string }) = verified else { panic!("{verified:?}") };
    assert_eq!(verification_string, endpoint.shipment().verification_string);
    call(&mut endpoint, 2, ADMIN_SLOT, Request::StmRecover).unwrap();
    assert!(endpoint.take_changed());
    call(
        &mut endpoint,
        3,
        ADMIN_SLOT,
        Request::InitHsm {
            label: "trainer".into(),
            auth: AuthMethod::Password,
            so_password: Some("userpin1".into()),
            domain: Some("mydomain".into()),
            policies: None,
        },
    )
    .unwrap();
    assert_eq!(
        call(&mut endpoint, 4, ADMIN_SLOT, Request::Login { role: Role::So, password: Some("wrong".into()) }),
        Err(retcode::UM_PIN_INCORRECT)
    );
    call(&mut endpoint, 5, ADMIN_SLOT, Request::Login { role: Role::So, password: Some("userpin1".into()) }).unwrap();
    assert_eq!(
        call(&mut endpoint, 6, ADMIN_SLOT, Request::CreatePartition { version: 0 }),
        Ok(crate::device::Response::PartitionCreated { slot: PARTITION_SLOT })
    );
    call(
        &mut endpoint,
        7,
        PARTITION_SLOT,
        Request::InitPartition {
            label: "part1".into(),
            so_password: Some("popin123".into()),
            domain: Some("partdomain".into()),
            current_password: None,
            policies: None,
        },
    )
    .unwrap();
    call(
        &mut endpoint,
        8,
        PARTITION_SLOT,
        Request::Login { role: Role::PartitionSo, password: Some("popin123".into()) },
    )
    .unwrap();
    call(
        &mut endpoint,
        9,
        PARTITION_SLOT,
        Request::InitRole { role: Role::CryptoOfficer, password: Some("copin123".into()) },
    )
    .unwrap();
    // Slots of other units do not exist on this one: the host maps its numbers.
    assert_eq!(call(&mut endpoint, 10, 6, Request::GetInfo), Err(retcode::SLOT_ID_INVALID));
    let before = info(&mut endpoint);
    assert_eq!(before.logged_in, Some(Role::So));
    assert_eq!(before.partition.as_ref().map(|p| p.label.as_str()), Some("part1"));

    // Power off, on: the unit is the same, its logins gone; a new Hello is needed.
    let mut again = Endpoint::from_state(&endpoint.state(), 8).expect("the state loads");
    assert_eq!(again.hsm().serial(), endpoint.hsm().serial());
    let refused = exchange(&mut again, &[request(1, ADMIN_SLOT, Request::GetInfo)]);
    assert!(matches!(refused.as_slice(), [Message::Error(e)] if e.code == ErrorCode::NoHello));
    exchange(&mut again, &[Message::Hello(Hello::new("test"))]);
    let after = info(&mut again);
    assert_eq!(after.logged_in, None);
    assert_eq!(after.label, "trainer");
    assert_eq!(after.partition.map(|p| p.label), Some("part1".into()));
}

#[test]
fn a_new_hello_or_a_disconnect_logs_the_roles_out() {
    let mut endpoint = Endpoint::new(3, NOW);
    exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    call(&mut endpoint, 1, ADMIN_SLOT, Request::StmRecover).unwrap();
    let init = Request::InitHsm {
        label: "t".into(),
        auth: AuthMethod::Password,
        so_password: Some("userpin1".into()),
        domain: Some("mydomain".into()),
        policies: None,
    };
    call(&mut endpoint, 2, ADMIN_SLOT, init).unwrap();
    let login = Request::Login { role: Role::So, password: Some("userpin1".into()) };
    call(&mut endpoint, 3, ADMIN_SLOT, login.clone()).unwrap();
    assert_eq!(endpoint.hsm().logged_in(ADMIN_SLOT), Some(Role::So));
    exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    assert_eq!(endpoint.hsm().logged_in(ADMIN_SLOT), None);
    call(&mut endpoint, 4, ADMIN_SLOT, login).unwrap();
    // Half a frame, then the host goes away: the next host starts clean.
    endpoint.feed(&bytes(&request(5, ADMIN_SLOT, Request::GetInfo))[..5], NOW);
    endpoint.disconnect();
    assert_eq!(endpoint.hsm().logged_in(ADMIN_SLOT), None);
    let answers = exchange(&mut endpoint, &[Message::Hello(Hello::new("test"))]);
    assert!(matches!(answers.as_slice(), [Message::Welcome(_)]));
}

#[test]
fn a_saved_world_of_several_units_is_not_a_device() {
    let mut world = crate::World::new(1, NOW);
    world.add_unit().unwrap();
    assert!(matches!(Endpoint::from_state(&world.to_json(), 1), Err(super::device::StateError::Units(2))));
    assert!(matches!(Endpoint::from_state("{", 1), Err(super::device::StateError::Load(_))));
}

#[test]
fn the_host_link_checks_the_welcome_and_numbers_its_requests() {
    let mut link = Link::new();
    let mut endpoint = Endpoint::new(1, NOW);
    let hello = link.hello("test");
    let welcome = link.feed(&endpoint.feed(&hello, NOW));
    assert!(matches!(welcome.as_slice(), [Ok(Message::Welcome(_))]));
    assert_eq!(link.welcome().map(|w| w.serial.as_str()), Some(endpoint.hsm().serial()));
    let (first, out) = link.request(Frame { slot: ADMIN_SLOT, request: Request::GetInfo }).unwrap();
    let (second, out2) = link.request(Frame { slot: ADMIN_SLOT, request: Request::TamperShow }).unwrap();
    assert_eq!((first, second), (1, 2));
    let answers = link.feed(&endpoint.feed(&[out, out2].concat(), NOW));
    assert!(matches!(answers.as_slice(), [Ok(Message::Response { id: 1, .. }), Ok(Message::Response { id: 2, .. })]));

    let future = Welcome {
        protocol: PROTOCOL + 1,
        capabilities: Vec::new(),
        product: String::new(),
        serial: "1".into(),
        model: "m".into(),
        firmware: "f".into(),
    };
    let answers = link.feed(&bytes(&Message::Welcome(future)));
    assert!(matches!(answers.as_slice(), [Err(WireError::UnsupportedVersion { .. })]));
}

/// A Hello from a host that mirrors the unit.
fn mirroring_hello() -> Message {
    let mut hello = Hello::new("mirror");
    hello.capabilities = vec![CAP_MIRROR.to_string()];
    Message::Hello(hello)
}

fn unit_answer(endpoint: &mut Endpoint, message: Message) -> UnitState {
    match exchange(endpoint, &[message]).as_slice() {
        [Message::Unit { unit, .. }] => (**unit).clone(),
        other => panic!("not a Unit answer: {other:?}"),
    }
}

#[test]
fn mirror_frames_need_the_capability_on_both_sides() {
    let mut endpoint = Endpoint::new(1, NOW);
    exchange(&mut endpoint, &[Message::Hello(Hello::new("plain"))]);
    let answers = exchange(&mut endpoint, &[Message::Look { id: 4 }]);
    let [Message::Error(e)] = answers.as_slice() else { panic!("{answers:?}") };
    assert_eq!((e.code, e.id), (ErrorCode::Unexpected, Some(4)));
    // Each kind survives the trip.
    for m in [
        Message::Look { id: 9 },
        Message::Physical { id: 10, event: crate::device::PhysicalEvent::Tap("Enter".into()) },
        Message::Unit { id: 11, unit: Box::new(UnitState { world: "{}".into(), returned: None }) },
    ] {
        assert_eq!(Decoder::new().feed(&bytes(&m)), vec![Ok(m)]);
    }
}

#[test]
fn a_mirroring_host_taps_moves_ikeys_and_reads_the_unit() {
    let mut endpoint = Endpoint::new(1, NOW);
    let answers = exchange(&mut endpoint, &[mirroring_hello()]);
    assert!(matches!(&answers[..], [Message::Welcome(w)] if w.capabilities.contains(&CAP_MIRROR.to_string())));
    // The state is a one-unit world with no desk of its own.
    let seen = unit_answer(&mut endpoint, Message::Look { id: 1 });
    let world = crate::World::from_json(&seen.world).unwrap();
    assert_eq!(world.hsm().serial(), endpoint.hsm().serial());
    assert!(world.ikeys().is_empty());
    // The host's iKey goes into the port, a second one is refused and comes back.
    let key = crate::ikey::Tray::with_blanks(2).take(1).unwrap();
    let other = crate::ikey::Tray::with_blanks(2).take(2).unwrap();
    let inserted = unit_answer(
        &mut endpoint,
        Message::Physical { id: 2, event: crate::device::PhysicalEvent::Insert(key.clone()) },
    );
    assert_eq!(inserted.returned, None);
    assert_eq!(endpoint.hsm().port().map(|k| k.id), Some(1));
    // With a key from another desk in its port, the unit's state is still a world the core loads.
    assert!(crate::World::from_json(&inserted.world).is_ok());
    assert!(crate::World::from_json(&endpoint.state()).is_ok());
    let refused = unit_answer(
        &mut endpoint,
        Message::Physical { id: 3, event: crate::device::PhysicalEvent::Insert(other.clone()) },
    );
    assert_eq!(refused.returned, Some(other));
    // Pulled out, it comes back to the host.
    let removed = unit_answer(&mut endpoint, Message::Physical { id: 4, event: crate::device::PhysicalEvent::Remove });
    assert_eq!(removed.returned.map(|k| k.id), Some(1));
    assert!(endpoint.hsm().port().is_none());
    // A key left in the port leaves with its host.
    unit_answer(&mut endpoint, Message::Physical { id: 5, event: crate::device::PhysicalEvent::Insert(key) });
    endpoint.disconnect();
    assert!(endpoint.hsm().port().is_none());
}
