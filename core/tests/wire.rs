//! Properties of the byte-pipe framing: any message round-trips however the stream is cut; garbage,
//! truncated, mutated and oversized frames give errors, never a panic; the device end always answers
//! with well-formed frames.
#![cfg(not(target_arch = "wasm32"))]

use hsm_core::device::{AuthMethod, Frame, PhysicalEvent, Request, Response, Role};
use hsm_core::retcode::{self, LunaRet};
use hsm_core::wire::device::Endpoint;
use hsm_core::wire::{
    encode, Decoder, ErrorCode, ErrorFrame, Hello, Message, UnitState, Welcome, WireError, HEADER_LEN, MAGIC, MAX_BODY,
};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000_000;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), Just(String::new()), Just("userpin1".to_string()), Just("\u{ff}\"\\\n".to_string())]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::So),
        Just(Role::Auditor),
        Just(Role::PartitionSo),
        Just(Role::CryptoOfficer),
        Just(Role::CryptoUser),
        Just(Role::LimitedCryptoOfficer),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::GetInfo),
        Just(Request::StmRecover),
        Just(Request::Logout),
        Just(Request::PedPoll),
        (role(), proptest::option::of(text())).prop_map(|(role, password)| Request::Login { role, password }),
        (text(), any::<bool>(), proptest::option::of(text()), proptest::option::of(text())).prop_map(
            |(label, ped, so_password, domain)| Request::InitHsm {
                label,
                auth: if ped { AuthMethod::Multifactor } else { AuthMethod::Password },
                so_password,
                domain,
                policies: None,
            }
        ),
        (role(), proptest::option::of(text())).prop_map(|(role, password)| Request::InitRole { role, password }),
        any::<u8>().prop_map(|version| Request::CreatePartition { version }),
        (any::<u8>(), any::<u32>()).prop_map(|(id, value)| Request::ChangePolicy { id, value }),
        text().prop_map(|random_user_string| Request::StmVerify { random_user_string }),
        text().prop_map(|text| Request::AuditLogMessage { text }),
        (text(), text(), proptest::collection::vec(text(), 0..4), proptest::option::of(text()))
            .prop_map(|(file, serial, lines, following)| Request::AuditVerify { file, serial, lines, following }),
    ]
}

fn luna_ret() -> impl Strategy<Value = LunaRet> {
    prop_oneof![
        (0..retcode::ALL.len()).prop_map(|i| retcode::ALL[i]),
        Just(retcode::SLOT_ID_INVALID),
        Just(retcode::CMD_NOT_ALLOWED_HSM_IN_TRANSPORT),
    ]
}

fn response() -> impl Strategy<Value = Result<Response, LunaRet>> {
    prop_oneof![
        luna_ret().prop_map(Err),
        Just(Ok(Response::Done)),
        Just(Ok(Response::Activated)),
        any::<u32>().prop_map(|slot| Ok(Response::PartitionCreated { slot })),
        (text(), text()).prop_map(|(verification_string, random_user_string)| Ok(Response::StmEntered {
            verification_string,
            random_user_string
        })),
        (any::<u64>(), any::<u64>()).prop_map(|(hsm_ms, host_ms)| Ok(Response::AuditTime { hsm_ms, host_ms })),
        text().prop_map(|s| Ok(Response::WrappedSecret(s))),
        any::<u64>().prop_map(|seed| {
            let endpoint = Endpoint::new(seed, NOW);
            Ok(Response::Info(endpoint.hsm().info()))
        }),
    ]
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        Just(ErrorCode::BadFrame),
        Just(ErrorCode::UnknownKind),
        Just(ErrorCode::BadBody),
        Just(ErrorCode::Unexpected),
        Just(ErrorCode::UnsupportedVersion),
        Just(ErrorCode::NoHello),
        Just(ErrorCode::TooLarge),
        Just(ErrorCode::Other),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (any::<u16>(), proptest::collection::vec(text(), 0..3), text())
            .prop_map(|(protocol, capabilities, product)| Message::Hello(Hello { protocol, capabilities, product })),
        (any::<u16>(), proptest::collection::vec(text(), 0..3), text(), text(), text(), text()).prop_map(
            |(protocol, capabilities, product, serial, model, firmware)| Message::Welcome(Welcome {
                protocol,
                capabilities,
                product,
                serial,
                model,
                firmware
            })
        ),
        (any::<u32>(), any::<u32>(), request())
            .prop_map(|(id, slot, request)| Message::Request { id, frame: Frame { slot, request } }),
        (any::<u32>(), response()).prop_map(|(id, result)| Message::Response { id, result }),
        (error_code(), text(), proptest::option::of(any::<u32>()), proptest::option::of(any::<[u16; 2]>()))
            .prop_map(|(code, message, id, protocols)| Message::Error(ErrorFrame { code, message, id, protocols })),
        (any::<u32>(), physical()).prop_map(|(id, event)| Message::Physical { id, event }),
        any::<u32>().prop_map(|id| Message::Look { id }),
        (any::<u32>(), text(), proptest::option::of(ikey()))
            .prop_map(|(id, world, returned)| Message::Unit { id, unit: Box::new(UnitState { world, returned }) }),
    ]
}

/// An iKey as a desk holds one: blank, perhaps with a sticker.
fn ikey() -> impl Strategy<Value = hsm_core::ikey::IKey> {
    (1u32..64, text()).prop_map(|(id, label)| {
        let mut tray = hsm_core::ikey::Tray::with_blanks(id);
        let mut key = tray.take(id).expect("the tray made it");
        key.sticker.label = label;
        key
    })
}

/// Something done to a mirrored unit.
fn physical() -> impl Strategy<Value = PhysicalEvent> {
    prop_oneof![
        text().prop_map(PhysicalEvent::Tap),
        ikey().prop_map(PhysicalEvent::Insert),
        Just(PhysicalEvent::Remove)
    ]
}

/// Feeds `stream` to a new decoder in pieces that end at `cuts` (positions, in any order).
fn decode_in_pieces(stream: &[u8], cuts: &[usize]) -> (Vec<Result<Message, WireError>>, Result<(), WireError>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut decoder = Decoder::new();
    let mut got = Vec::new();
    let mut from = 0;
    for cut in cuts {
        got.extend(decoder.feed(&stream[from..cut]));
        from = cut;
    }
    (got, decoder.finish())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_messages_round_trip_however_the_stream_is_cut(
        messages in proptest::collection::vec(message(), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let stream: Vec<u8> = messages.iter().flat_map(|m| encode(m).expect("encodes")).collect();
        let (got, end) = decode_in_pieces(&stream, &cuts);
        prop_assert_eq!(got, messages.into_iter().map(Ok).collect::<Vec<_>>());
        prop_assert_eq!(end, Ok(()));
    }

    #[test]
    fn random_bytes_give_errors_never_a_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let (got, _) = decode_in_pieces(&bytes, &cuts);
        // Random bytes hardly ever hold a frame: whatever they hold, each item is a frame or an error.
        prop_assert!(got.len() <= bytes.len());
    }

    #[test]
    fn bytes_after_the_magic_give_errors_never_a_panic(
        kind in any::<u8>(),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        // A well-formed header over an arbitrary body: exactly one item, a message or a skipped frame.
        let mut stream = MAGIC.to_vec();
        stream.push(kind);
        stream.extend((body.len() as u32).to_be_bytes());
        stream.extend(&body);
        let (got, end) = decode_in_pieces(&stream, &[]);
        prop_assert_eq!(got.len(), 1);
        if let Err(e) = &got[0] {
            prop_assert!(!e.framing_lost(), "{e}");
        }
        prop_assert_eq!(end, Ok(()));
    }

    #[test]
    fn json_bodies_of_the_wrong_shape_are_skipped_frames(
        kind in 1u8..=5,
        body in prop_oneof![
            Just("{}".to_string()),
            Just("null".to_string()),
            Just(r#"{"id":1,"frame":{"slot":4,"request":{"Login":{"role":"Nobody"}}}}"#.to_string()),
            Just(r#"{"id":1,"result":{"Err":"LUNA_RET_NO_SUCH_CODE"}}"#.to_string()),
            Just("[".repeat(10_000)),
            any::<String>(),
        ],
        then in message(),
    ) {
        let mut stream = MAGIC.to_vec();
        stream.push(kind);
        stream.extend((body.len() as u32).to_be_bytes());
        stream.extend(body.as_bytes());
        stream.extend(encode(&then).expect("encodes"));
        let (got, end) = decode_in_pieces(&stream, &[]);
        prop_assert_eq!(got.len(), 2);
        prop_assert_eq!(&got[1], &Ok(then));
        prop_assert_eq!(end, Ok(()));
    }

    #[test]
    fn garbage_before_a_frame_is_one_error_then_the_frame(
        garbage in proptest::collection::vec(0u8..0xFF, 1..300),
        then in message(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        // Without 0xFF the garbage holds no magic: one error for the run, then the frame.
        let mut stream = garbage.clone();
        stream.extend(encode(&then).expect("encodes"));
        let (got, end) = decode_in_pieces(&stream, &cuts);
        prop_assert_eq!(got.len(), 2, "{:?}", got);
        prop_assert_eq!(&got[0], &Err(WireError::BadMagic { found: garbage[0] }));
        prop_assert_eq!(&got[1], &Ok(then));
        prop_assert_eq!(end, Ok(()));
    }

    #[test]
    fn a_truncated_frame_is_an_error_at_the_end_of_the_stream(message in message(), keep in any::<usize>()) {
        let bytes = encode(&message).expect("encodes");
        let keep = 1 + keep % (bytes.len() - 1);
        let (got, end) = decode_in_pieces(&bytes[..keep], &[]);
        prop_assert!(got.is_empty());
        prop_assert_eq!(end, Err(WireError::Truncated { buffered: keep }));
    }

    #[test]
    fn an_oversized_length_is_refused_before_the_body_arrives(kind in any::<u8>(), over in 1u32..=(u32::MAX - MAX_BODY)) {
        let mut header = MAGIC.to_vec();
        header.push(kind);
        header.extend((MAX_BODY + over).to_be_bytes());
        let mut decoder = Decoder::new();
        let got = decoder.feed(&header);
        prop_assert_eq!(got, vec![Err(WireError::Oversized { kind, length: MAX_BODY + over, max: MAX_BODY })]);
        prop_assert!(decoder.buffered() < HEADER_LEN);
    }

    #[test]
    fn mutated_streams_give_errors_never_a_panic(
        messages in proptest::collection::vec(message(), 1..4),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut stream: Vec<u8> = messages.iter().flat_map(|m| encode(m).expect("encodes")).collect();
        for (at, byte) in flips {
            let at = at % stream.len();
            stream[at] = byte;
        }
        let (got, _) = decode_in_pieces(&stream, &cuts);
        prop_assert!(got.len() <= stream.len());
    }

    #[test]
    fn the_device_answers_anything_with_well_formed_frames(
        seed in any::<u64>(),
        hello_first in any::<bool>(),
        messages in proptest::collection::vec(message(), 0..6),
        garbage in proptest::collection::vec(any::<u8>(), 0..64),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut endpoint = Endpoint::new(seed, NOW);
        let mut stream = Vec::new();
        if hello_first {
            stream.extend(encode(&Message::Hello(Hello::new("test"))).expect("encodes"));
        }
        for m in &messages {
            stream.extend(encode(m).expect("encodes"));
        }
        stream.extend(&garbage);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        cuts.push(stream.len());
        cuts.sort_unstable();
        let mut out = Vec::new();
        let mut from = 0;
        for cut in cuts {
            out.extend(endpoint.feed(&stream[from..cut], NOW));
            from = cut;
        }
        let (answers, end) = decode_in_pieces(&out, &[]);
        prop_assert_eq!(end, Ok(()));
        for answer in &answers {
            prop_assert!(answer.is_ok(), "{:?}", answer);
        }
        // One answer per frame sent but error frames (the garbage adds at most its own).
        let errors = messages.iter().filter(|m| matches!(m, Message::Error(_))).count();
        let sent = messages.len() - errors + usize::from(hello_first);
        prop_assert!(answers.len() >= sent && answers.len() <= sent + garbage.len(), "{} answers", answers.len());
        endpoint.disconnect();
    }
}
