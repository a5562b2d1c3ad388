//! The byte-pipe protocol between a host (LunaCM) and a unit: the typed [`device`](crate::device)
//! boundary, framed for any ordered byte stream (a Unix socket, stdin/stdout, a USB bulk endpoint pair).
//!
//! `docs/PROTOCOL.md` is the full specification; this is its summary.
//!
//! # Frames
//!
//! Every message is one frame: an 8-byte header, then a UTF-8 JSON body.
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 3 | magic `FF 4C 37` (`0xFF`, then `L7`) |
//! | 3 | 1 | kind: 1 Hello, 2 Welcome, 3 Request, 4 Response, 5 Error |
//! | 4 | 4 | body length in bytes, unsigned big-endian, at most [`MAX_BODY`] |
//! | 8 | length | body: the kind's JSON object |
//!
//! The magic starts with `0xFF`, a byte that never occurs in UTF-8 and so never in a body: a receiver that
//! lost step (garbage on the line, a length over the limit) discards bytes until the next `FF 4C 37` and
//! reads on from there. A frame of an unknown kind, or whose body is not the JSON its kind carries, is
//! skipped whole (its length is known) and answered with an [`ErrorFrame`].
//!
//! # Exchange
//!
//! The host opens with [`Hello`]; the device answers [`Welcome`] (or an [`ErrorFrame`] with
//! [`ErrorCode::UnsupportedVersion`]). Then the host sends [`Message::Request`]s, one at a time or several
//! in a row, each with an id of its choice; the device answers each with a [`Message::Response`] with the
//! same id, in order. Every other frame the device receives gets exactly one answer frame, and garbage
//! one [`ErrorFrame`] per run of bytes skipped; error frames are never answered, so that two peers never
//! trade errors.
//!
//! # Versions
//!
//! [`PROTOCOL`] is the version this crate speaks. The host's Hello names the highest version it speaks;
//! the device answers with the version both use, the lower of the two, or refuses when that is below the
//! lowest it still speaks ([`MIN_PROTOCOL`]). Within a version, a receiver ignores JSON fields and
//! capability names it does not know; whatever an older peer could not ignore needs a new version.

mod decoder;
pub mod device;
pub mod host;

pub use decoder::Decoder;

use crate::device::{Frame, Response};
use crate::retcode::LunaRet;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The first three bytes of every frame.
pub const MAGIC: [u8; 3] = [0xFF, b'L', b'7'];
/// Bytes before the body: magic, kind and length.
pub const HEADER_LEN: usize = 8;
/// The largest body a frame may carry, in bytes (16 MiB): a full audit log verification or a big
/// partition's answer fits. A header announcing more is an error before anything is allocated for it.
pub const MAX_BODY: u32 = 16 * 1024 * 1024;
/// The protocol version this crate speaks.
pub const PROTOCOL: u16 = 1;
/// The lowest protocol version this crate still speaks.
pub const MIN_PROTOCOL: u16 = 1;

/// Capability a device announces when it keeps its state across power cycles (a state file).
pub const CAP_PERSISTENT: &str = "persistent";
/// Capability a device announces when a trainee can use its touchscreen and iKey port, so that iKey
/// ceremonies (`-iped`) can complete; without it only password authentication is practical.
pub const CAP_TOUCHSCREEN: &str = "touchscreen";
/// Capability of a unit that a host may mirror: the host taps its touchscreen and moves iKeys in and out
/// of its port from afar ([`Message::Physical`]) and looks at its state ([`Message::Look`]), each
/// answered with a [`Message::Unit`]. Used only when both the Hello and the Welcome name it, so a peer
/// that does not know it never sees these frames.
pub const CAP_MIRROR: &str = "mirror";

/// The kind byte of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Host to device: opens the link.
    Hello = 1,
    /// Device to host: accepts the link.
    Welcome = 2,
    /// Host to device: one request to a slot.
    Request = 3,
    /// Device to host: the answer to one request.
    Response = 4,
    /// Either way: a frame the peer could not read or would not take.
    Error = 5,
    /// Host to device, with [`CAP_MIRROR`]: something done to the unit's touchscreen or iKey port.
    Physical = 6,
    /// Host to device, with [`CAP_MIRROR`]: asks for the unit's state.
    Look = 7,
    /// Device to host, with [`CAP_MIRROR`]: the unit's state, after a Physical or a Look.
    Unit = 8,
}

impl Kind {
    /// The kind a byte names, if any.
    pub fn from_byte(byte: u8) -> Option<Kind> {
        Some(match byte {
            1 => Kind::Hello,
            2 => Kind::Welcome,
            3 => Kind::Request,
            4 => Kind::Response,
            5 => Kind::Error,
            6 => Kind::Physical,
            7 => Kind::Look,
            8 => Kind::Unit,
            _ => return None,
        })
    }
}

/// The host's opening frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The highest protocol version the host speaks.
    pub protocol: u16,
    /// Capabilities the host understands.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The host program and its version, for logs (`lunacm 0.1.0`).
    #[serde(default)]
    pub product: String,
}

impl Hello {
    /// This crate's Hello, from host program `product`.
    pub fn new(product: &str) -> Hello {
        Hello { protocol: PROTOCOL, capabilities: Vec::new(), product: product.to_string() }
    }
}

/// The device's answer to a [`Hello`] it accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The protocol version both peers use from now on.
    pub protocol: u16,
    /// Capabilities the device offers ([`CAP_PERSISTENT`], [`CAP_TOUCHSCREEN`]).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The device program and its version, for logs (`hsm-device 0.1.0`).
    #[serde(default)]
    pub product: String,
    /// The unit's serial number.
    pub serial: String,
    /// Its crypto module model (`Luna G7`).
    pub model: String,
    /// The firmware version it runs.
    pub firmware: String,
}

/// What an [`ErrorFrame`] reports. Serialized as a kebab-case string; a code this crate does not know
/// reads as [`ErrorCode::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Bytes that are not a frame (no magic, or a length over the limit): skipped up to the next magic.
    BadFrame,
    /// A frame whose kind byte names no kind: skipped.
    UnknownKind,
    /// A frame whose body is not the JSON its kind carries: skipped.
    BadBody,
    /// A frame this peer never receives (a Welcome sent to a device): ignored.
    Unexpected,
    /// The Hello's protocol version is one the device no longer speaks.
    UnsupportedVersion,
    /// A request before a Hello was accepted: refused.
    NoHello,
    /// An answer that would exceed [`MAX_BODY`]: the request was carried out, its answer cannot be sent.
    TooLarge,
    /// A code from a newer peer.
    #[serde(other)]
    Other,
}

/// A frame the peer could not read or would not take, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// What went wrong.
    pub code: ErrorCode,
    /// In words, for logs.
    #[serde(default)]
    pub message: String,
    /// The id of the request concerned, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// With [`ErrorCode::UnsupportedVersion`]: the lowest and highest versions the device speaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols: Option<[u16; 2]>,
}

impl ErrorFrame {
    /// An error frame with no request id.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorFrame {
        ErrorFrame { code, message: message.into(), id: None, protocols: None }
    }
}

/// A mirrored unit's state ([`CAP_MIRROR`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitState {
    /// The unit with its surroundings, as a one-unit world file (`World::to_json`): its touchscreen, its
    /// port, its status, policies and roles, for the host to draw.
    pub world: String,
    /// The iKey a Physical frame gave back: pulled out of the port, or refused by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<crate::ikey::IKey>,
}

/// One frame, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Host to device: opens the link.
    Hello(Hello),
    /// Device to host: accepts it.
    Welcome(Welcome),
    /// Host to device: `frame` (a slot of the unit's own and a request), under an id of the host's choice.
    Request {
        /// Repeated in the answer.
        id: u32,
        /// The request and the unit's slot it is for.
        frame: Frame,
    },
    /// Device to host: the answer to request `id`.
    Response {
        /// The request's id.
        id: u32,
        /// The device's answer: what [`Hsm::handle`](crate::device::Hsm::handle) returned.
        result: Result<Response, LunaRet>,
    },
    /// Either way: a frame that could not be read or taken.
    Error(ErrorFrame),
    /// Host to device ([`CAP_MIRROR`]): `event` happens to the unit; answered with a [`Message::Unit`].
    Physical {
        /// Repeated in the answer.
        id: u32,
        /// The tap, or the iKey in or out.
        event: crate::device::PhysicalEvent,
    },
    /// Host to device ([`CAP_MIRROR`]): what is the unit's state? Answered with a [`Message::Unit`].
    Look {
        /// Repeated in the answer.
        id: u32,
    },
    /// Device to host ([`CAP_MIRROR`]): the unit's state after Physical or Look `id`.
    Unit {
        /// The Physical's or Look's id.
        id: u32,
        /// The state.
        unit: Box<UnitState>,
    },
}

impl Message {
    /// The frame kind this message travels as.
    pub fn kind(&self) -> Kind {
        match self {
            Message::Hello(_) => Kind::Hello,
            Message::Welcome(_) => Kind::Welcome,
            Message::Request { .. } => Kind::Request,
            Message::Response { .. } => Kind::Response,
            Message::Error(_) => Kind::Error,
            Message::Physical { .. } => Kind::Physical,
            Message::Look { .. } => Kind::Look,
            Message::Unit { .. } => Kind::Unit,
        }
    }
}

/// Body of a Request frame, as written.
#[derive(Serialize)]
struct RequestOut<'a> {
    id: u32,
    frame: &'a Frame,
}

/// Body of a Request frame, as read.
#[derive(Deserialize)]
struct RequestIn {
    id: u32,
    frame: Frame,
}

/// Body of a Response frame, as written.
#[derive(Serialize)]
struct ResponseOut<'a> {
    id: u32,
    result: &'a Result<Response, LunaRet>,
}

/// Body of a Response frame, as read.
#[derive(Deserialize)]
struct ResponseIn {
    id: u32,
    result: Result<Response, LunaRet>,
}

/// Body of a Physical frame.
#[derive(Serialize, Deserialize)]
struct PhysicalBody<E> {
    id: u32,
    event: E,
}

/// Body of a Look frame.
#[derive(Serialize, Deserialize)]
struct LookBody {
    id: u32,
}

/// Body of a Unit frame.
#[derive(Serialize, Deserialize)]
struct UnitBody<U> {
    id: u32,
    unit: U,
}

/// Just the id of a request whose body is otherwise unreadable, so that the refusal can name it.
#[derive(Deserialize)]
struct IdOnly {
    id: u32,
}

/// Why bytes could not be read as a frame, or a frame not written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Bytes where a frame should start that are not the magic: the decoder skips to the next magic.
    BadMagic {
        /// The first byte that is not the magic's.
        found: u8,
    },
    /// A header announcing a body over the limit: the decoder skips to the next magic.
    Oversized {
        /// The kind byte.
        kind: u8,
        /// The length announced.
        length: u32,
        /// The limit.
        max: u32,
    },
    /// A kind byte that names no kind: the frame was skipped.
    UnknownKind {
        /// The kind byte.
        kind: u8,
    },
    /// A body that is not the JSON its kind carries: the frame was skipped.
    BadBody {
        /// The frame's kind.
        kind: Kind,
        /// The request id, when the body has a readable one.
        id: Option<u32>,
        /// What the JSON reader said.
        reason: String,
    },
    /// The stream ended inside a frame.
    Truncated {
        /// Bytes of the unfinished frame received.
        buffered: usize,
    },
    /// The peers share no protocol version.
    UnsupportedVersion {
        /// The version offered.
        offered: u16,
        /// The lowest version the refusing side speaks.
        min: u16,
        /// The highest version the refusing side speaks.
        max: u16,
    },
    /// A message that cannot be written: its body would exceed the limit, or does not serialize.
    Encode(String),
}

impl WireError {
    /// Whether the decoder lost step with the frames and is skipping to the next magic (as opposed to a
    /// whole frame skipped, after which it is in step).
    pub fn framing_lost(&self) -> bool {
        matches!(self, WireError::BadMagic { .. } | WireError::Oversized { .. })
    }

    /// The error frame that tells the peer about this error.
    pub fn to_frame(&self) -> ErrorFrame {
        let code = match self {
            WireError::BadMagic { .. } | WireError::Oversized { .. } | WireError::Truncated { .. } => {
                ErrorCode::BadFrame
            }
            WireError::UnknownKind { .. } => ErrorCode::UnknownKind,
            WireError::BadBody { .. } => ErrorCode::BadBody,
            WireError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            WireError::Encode(_) => ErrorCode::TooLarge,
        };
        let id = match self {
            WireError::BadBody { id, .. } => *id,
            _ => None,
        };
        let protocols = match self {
            WireError::UnsupportedVersion { min, max, .. } => Some([*min, *max]),
            _ => None,
        };
        ErrorFrame { code, message: self.to_string(), id, protocols }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BadMagic { found } => {
                write!(f, "bytes that are not a frame (0x{found:02x} where a frame should start); skipped")
            }
            WireError::Oversized { kind, length, max } => {
                write!(f, "a frame of kind {kind} announces {length} bytes, over the limit of {max}; skipped")
            }
            WireError::UnknownKind { kind } => write!(f, "a frame of unknown kind {kind}; skipped"),
            WireError::BadBody { kind, reason, .. } => {
                write!(f, "a {kind:?} frame whose body cannot be read: {reason}")
            }
            WireError::Truncated { buffered } => {
                write!(f, "the stream ended inside a frame ({buffered} bytes of it received)")
            }
            WireError::UnsupportedVersion { offered, min, max } => {
                write!(f, "protocol version {offered} is not spoken here (versions {min} to {max})")
            }
            WireError::Encode(reason) => write!(f, "the message cannot be sent: {reason}"),
        }
    }
}

impl std::error::Error for WireError {}

/// The frame bytes of `message`: header and JSON body. Fails when the body would exceed [`MAX_BODY`].
pub fn encode(message: &Message) -> Result<Vec<u8>, WireError> {
    encode_limited(message, MAX_BODY)
}

/// [`encode`] with another body limit.
pub fn encode_limited(message: &Message, max_body: u32) -> Result<Vec<u8>, WireError> {
    // The header goes first and the length is patched in once the body is written: one buffer, no copy.
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&MAGIC);
    out.push(message.kind() as u8);
    out.extend_from_slice(&[0; 4]);
    let written = match message {
        Message::Hello(h) => serde_json::to_writer(&mut out, h),
        Message::Welcome(w) => serde_json::to_writer(&mut out, w),
        Message::Request { id, frame } => serde_json::to_writer(&mut out, &RequestOut { id: *id, frame }),
        Message::Response { id, result } => serde_json::to_writer(&mut out, &ResponseOut { id: *id, result }),
        Message::Error(e) => serde_json::to_writer(&mut out, e),
        Message::Physical { id, event } => serde_json::to_writer(&mut out, &PhysicalBody { id: *id, event }),
        Message::Look { id } => serde_json::to_writer(&mut out, &LookBody { id: *id }),
        Message::Unit { id, unit } => serde_json::to_writer(&mut out, &UnitBody { id: *id, unit }),
    };
    written.map_err(|e| WireError::Encode(e.to_string()))?;
    let length = out.len() - HEADER_LEN;
    let length = u32::try_from(length)
        .ok()
        .filter(|l| *l <= max_body)
        .ok_or_else(|| WireError::Encode(format!("its body of {length} bytes is over the limit of {max_body}")))?;
    out[4..HEADER_LEN].copy_from_slice(&length.to_be_bytes());
    Ok(out)
}

/// Reads the body of a frame of kind `kind`.
fn decode_body(kind: Kind, body: &[u8]) -> Result<Message, WireError> {
    let bad = |e: serde_json::Error| {
        let id = if matches!(kind, Kind::Request | Kind::Response | Kind::Physical | Kind::Look | Kind::Unit) {
            serde_json::from_slice::<IdOnly>(body).ok().map(|i| i.id)
        } else {
            None
        };
        WireError::BadBody { kind, id, reason: e.to_string() }
    };
    Ok(match kind {
        Kind::Hello => Message::Hello(serde_json::from_slice(body).map_err(bad)?),
        Kind::Welcome => Message::Welcome(serde_json::from_slice(body).map_err(bad)?),
        Kind::Request => {
            let RequestIn { id, frame } = serde_json::from_slice(body).map_err(bad)?;
            Message::Request { id, frame }
        }
        Kind::Response => {
            let ResponseIn { id, result } = serde_json::from_slice(body).map_err(bad)?;
            Message::Response { id, result }
        }
        Kind::Error => Message::Error(serde_json::from_slice(body).map_err(bad)?),
        Kind::Physical => {
            let PhysicalBody { id, event } = serde_json::from_slice(body).map_err(bad)?;
            Message::Physical { id, event }
        }
        Kind::Look => {
            let LookBody { id } = serde_json::from_slice(body).map_err(bad)?;
            Message::Look { id }
        }
        Kind::Unit => {
            let UnitBody { id, unit } = serde_json::from_slice(body).map_err(bad)?;
            Message::Unit { id, unit }
        }
    })
}

#[cfg(test)]
mod tests;
