//! The device side of the byte pipe: one unit answering a host's frames.

use super::{
    encode, Decoder, ErrorCode, ErrorFrame, Hello, Kind, Message, UnitState, Welcome, WireError, CAP_MIRROR,
    MIN_PROTOCOL, PROTOCOL,
};
use crate::device::{Env, Frame, Hsm, MODEL};
use crate::retcode::LunaRet;
use crate::{LoadError, Settings, Shipment, World};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The device's program and version, as its [`Welcome`] names it.
pub const PRODUCT: &str = concat!("hsm-device ", env!("CARGO_PKG_VERSION"));

/// A unit at the device end of a byte pipe: bytes from the host in, bytes to the host out. Sans-IO, so the
/// same code runs in the native `hsm-device` (stdin/stdout, a Unix socket, USB gadget endpoints) and in
/// wasm (a browser worker playing the device behind a USB double).
///
/// It holds a one-unit [`World`]: the unit, its RNG, its shipping e-mail and the clock offset, saved and
/// loaded in the world-file format that `lunacm --state` and the browser's Export world also use (so its
/// stored-data integrity check and the migration of older saves apply). The world's host side (its
/// files, its LunaCM session) plays no part here: the host is at the other end of the pipe.
///
/// Behaviour on the link, as `docs/PROTOCOL.md` specifies it:
/// - every [`Hello`] starts a new host session: the roles logged in are logged out, as when LunaCM starts;
/// - a request before an accepted Hello is refused with [`ErrorCode::NoHello`];
/// - requests name the unit's own slots, [`PARTITION_SLOT`](crate::device::PARTITION_SLOT) and
///   [`ADMIN_SLOT`](crate::device::ADMIN_SLOT); the host maps its numbering to them, as
///   [`crate::hub`] does for units in process; any other slot answers `CKR_SLOT_ID_INVALID`;
/// - bytes that are not frames are answered with one [`ErrorCode::BadFrame`] error per run and skipped
///   up to the next frame; the link stays open and the handshake stays valid;
/// - error frames from the host are not answered;
/// - with [`CAP_MIRROR`] named by both sides, Physical frames act on the unit's touchscreen and iKey port
///   and Look frames read its state, each answered with a Unit frame; without it they are refused as
///   unexpected. The iKeys are the mirroring host's: one in the port when that host leaves (a new Hello,
///   the pipe closing) leaves with it.
///
/// Version 1 does not carry the audit log's delivery to the host's logging daemon: the unit keeps its
/// records until its log store is full, as a real unit whose host runs no daemon does.
pub struct Endpoint {
    world: World,
    decoder: Decoder,
    /// The protocol version agreed with the host, once a Hello was accepted.
    protocol: Option<u16>,
    /// The accepted Hello.
    host: Option<Hello>,
    capabilities: Vec<String>,
    /// Whether the unit's state changed since [`Endpoint::take_changed`] last said so.
    changed: bool,
    /// The host's clock at its last frame, for what happens when it leaves.
    last_now_ms: u64,
}

/// Why a saved device state cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateError {
    /// Not a world file this crate reads (damaged, or from a newer version).
    Load(LoadError),
    /// A world with several units: a device is one unit.
    Units(usize),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Load(e) => e.fmt(f),
            StateError::Units(n) => write!(f, "the saved world holds {n} units; a device is one unit"),
        }
    }
}

impl std::error::Error for StateError {}

impl Endpoint {
    /// A factory-fresh unit (in Secure Transport Mode, zeroized) with randomness from `seed`.
    pub fn new(seed: u64, now_ms: u64) -> Endpoint {
        // A unit has no desk: the iKeys it sees come from the host's, through its port.
        Endpoint::from_world(World::with_settings(seed, now_ms, Settings { blank_ikeys: 0 }))
    }

    /// The unit saved by [`Endpoint::state`] (or any one-unit world file), with its RNG seeded afresh
    /// from `seed` rather than continuing the saved one.
    pub fn from_state(text: &str, seed: u64) -> Result<Endpoint, StateError> {
        let mut world = World::from_json(text).map_err(StateError::Load)?;
        if world.unit_count() != 1 {
            return Err(StateError::Units(world.unit_count()));
        }
        world.rng = ChaCha20Rng::seed_from_u64(seed);
        Ok(Endpoint::from_world(world))
    }

    /// The device end for unit 1 of `world`.
    pub fn from_world(mut world: World) -> Endpoint {
        // A world loaded from a file may carry a LunaCM session's logins: a device starts with none.
        world.hsm.close_session();
        Endpoint {
            world,
            decoder: Decoder::new(),
            protocol: None,
            host: None,
            // Any simulated unit can be mirrored: its touchscreen and port are the world's.
            capabilities: vec![CAP_MIRROR.to_string()],
            changed: false,
            last_now_ms: 0,
        }
    }

    /// Announces `capability` in the [`Welcome`] (such as [`super::CAP_PERSISTENT`]).
    pub fn offer(&mut self, capability: &str) {
        if !self.capabilities.iter().any(|c| c == capability) {
            self.capabilities.push(capability.to_string());
        }
    }

    /// The saved form of the unit: a world file, to give back to [`Endpoint::from_state`].
    pub fn state(&self) -> String {
        self.world.to_json()
    }

    /// Whether the unit's state changed since the last call (then it is worth saving).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The unit.
    pub fn hsm(&self) -> &Hsm {
        &self.world.hsm
    }

    /// The e-mail the vendor sent with the unit: its Secure Transport Mode strings, which a trainee needs
    /// for `stm recover`.
    pub fn shipment(&self) -> &Shipment {
        self.world.shipment()
    }

    /// The world around the unit: for a touchscreen front end on the device's side (taps, iKeys).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world around the unit, for changes (touchscreen taps, iKeys); counted as a change of state.
    pub fn world_mut(&mut self) -> &mut World {
        self.changed = true;
        &mut self.world
    }

    /// The protocol version agreed with the host, once a Hello was accepted.
    pub fn protocol(&self) -> Option<u16> {
        self.protocol
    }

    /// The Hello of the host on the link, once accepted: its program and capabilities.
    pub fn host(&self) -> Option<&Hello> {
        self.host.as_ref()
    }

    /// Lets time pass (an iKey ceremony waiting too long fails); `now_ms` is the host's clock.
    pub fn tick(&mut self, now_ms: u64) {
        let before = fingerprint(&self.world.hsm);
        self.world.tick(now_ms);
        self.changed |= fingerprint(&self.world.hsm) != before;
    }

    /// The host went away (the pipe closed, the cable was pulled): its session ends, and the next host
    /// starts with a Hello on a fresh stream.
    pub fn disconnect(&mut self) {
        self.hosts_key_leaves();
        self.decoder = Decoder::new();
        self.protocol = None;
        self.host = None;
        self.world.hsm.close_session();
    }

    /// Reads bytes from the host, at host time `now_ms`; returns the bytes to send back (nothing until a
    /// frame is complete).
    pub fn feed(&mut self, bytes: &[u8], now_ms: u64) -> Vec<u8> {
        self.last_now_ms = now_ms;
        self.decoder.push(bytes);
        let mut out = Vec::new();
        while let Some(item) = self.decoder.next() {
            let answer = match item {
                Ok(Message::Hello(hello)) => self.hello(hello),
                Ok(Message::Request { id, frame }) => self.request(id, frame, now_ms),
                Ok(Message::Physical { id, event }) => self.mirror(id, Some(event), now_ms),
                Ok(Message::Look { id }) => self.mirror(id, None, now_ms),
                // An error frame is never answered, readable or not, so that two peers never trade errors.
                Ok(Message::Error(_)) | Err(WireError::BadBody { kind: Kind::Error, .. }) => continue,
                Ok(other) => Message::Error(ErrorFrame::new(
                    ErrorCode::Unexpected,
                    format!("a device does not take {:?} frames", other.kind()),
                )),
                Err(e) => Message::Error(e.to_frame()),
            };
            write(&mut out, &answer);
        }
        out
    }

    fn hello(&mut self, hello: Hello) -> Message {
        // Whoever says Hello starts a new session, as a new LunaCM does.
        self.hosts_key_leaves();
        self.world.hsm.close_session();
        self.protocol = None;
        self.host = None;
        let agreed = hello.protocol.min(PROTOCOL);
        if agreed < MIN_PROTOCOL {
            let e = WireError::UnsupportedVersion { offered: hello.protocol, min: MIN_PROTOCOL, max: PROTOCOL };
            return Message::Error(e.to_frame());
        }
        self.protocol = Some(agreed);
        self.host = Some(hello);
        let hsm = &self.world.hsm;
        Message::Welcome(Welcome {
            protocol: agreed,
            capabilities: self.capabilities.clone(),
            product: PRODUCT.to_string(),
            serial: hsm.serial().to_string(),
            model: MODEL.to_string(),
            firmware: hsm.info().firmware,
        })
    }

    fn request(&mut self, id: u32, frame: Frame, now_ms: u64) -> Message {
        if self.protocol.is_none() {
            let mut e = ErrorFrame::new(ErrorCode::NoHello, "a request before the Hello: send Hello first");
            e.id = Some(id);
            return Message::Error(e);
        }
        let result = self.handle(frame, now_ms);
        Message::Response { id, result }
    }

    /// A mirroring host leaves: the iKey it put in the port goes with it (its desk keeps the key).
    fn hosts_key_leaves(&mut self) {
        let mirrored = self.host.as_ref().is_some_and(|h| h.capabilities.iter().any(|c| c == CAP_MIRROR));
        if mirrored && self.world.hsm.port().is_some() {
            let _ = self.world.physical(crate::device::PhysicalEvent::Remove, self.last_now_ms);
            self.changed = true;
        }
    }

    /// With [`CAP_MIRROR`] agreed: `event` (if any) happens to the unit, and its state is the answer.
    fn mirror(&mut self, id: u32, event: Option<crate::device::PhysicalEvent>, now_ms: u64) -> Message {
        let agreed = self.capabilities.iter().any(|c| c == CAP_MIRROR)
            && self.host.as_ref().is_some_and(|h| h.capabilities.iter().any(|c| c == CAP_MIRROR));
        if !agreed {
            let mut e =
                ErrorFrame::new(ErrorCode::Unexpected, "mirror frames need the mirror capability on both sides");
            e.id = Some(id);
            return Message::Error(e);
        }
        let returned = event.and_then(|event| {
            self.changed = true;
            if let crate::device::PhysicalEvent::Insert(key) = &event {
                self.world.tray.reserve(key.id);
            }
            match self.world.physical(event, now_ms) {
                Ok((returned, _)) => returned,
                // The port refused the key: it goes back to the host's desk.
                Err(key) => Some(key),
            }
        });
        Message::Unit { id, unit: Box::new(UnitState { world: self.world.to_json(), returned }) }
    }

    /// Carries out one request on the unit, noting whether its state changed.
    fn handle(&mut self, frame: Frame, now_ms: u64) -> Result<crate::device::Response, LunaRet> {
        let before = fingerprint(&self.world.hsm);
        let now = self.world.now(now_ms);
        let World { hsm, rng, .. } = &mut self.world;
        let result = hsm.handle(frame, &mut Env { now_ms: now, rng });
        self.changed |= fingerprint(hsm) != before;
        result
    }
}

/// A cheap image of the unit's persistent state: equal before and after exactly when nothing changed.
fn fingerprint(hsm: &Hsm) -> String {
    crate::snapshot::with_form(crate::snapshot::Form::Fingerprint, || serde_json::to_string(hsm).unwrap_or_default())
}

/// Appends `message`'s frame to `out`; an answer too large to send becomes an error frame naming its request.
fn write(out: &mut Vec<u8>, message: &Message) {
    match encode(message) {
        Ok(bytes) => out.extend_from_slice(&bytes),
        Err(e) => {
            let mut frame = e.to_frame();
            if let Message::Response { id, .. } = message {
                frame.id = Some(*id);
            }
            // An error frame of a short message always encodes; if it somehow did not, sending nothing is
            // what remains.
            if let Ok(bytes) = encode(&Message::Error(frame)) {
                out.extend_from_slice(&bytes);
            }
        }
    }
}
