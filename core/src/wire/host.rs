//! The host side of the byte pipe: [`Link`] (sans-IO) and [`PipeTransport`], LunaCM's
//! [`Transport`] over any blocking byte stream.

use super::{encode, Decoder, ErrorFrame, Hello, Message, Welcome, WireError, MIN_PROTOCOL, PROTOCOL};
use crate::device::{Frame, Response, Transport};
use crate::retcode::{self, LunaRet};
use std::fmt;
use std::io::{self, Read, Write};

/// The host's program and version, as its [`Hello`] names it.
pub const PRODUCT: &str = concat!("lunacm ", env!("CARGO_PKG_VERSION"));

/// What LunaCM sees when the device is gone (the pipe closed, the cable pulled, a write failed).
pub const DISCONNECTED: LunaRet = retcode::TOKEN_NOT_PRESENT;
/// What LunaCM sees when the device's answer cannot be read, or the device could not read the request.
pub const LINK_ERROR: LunaRet = retcode::DEVICE_ERROR;
/// What LunaCM sees when a request is too large for a frame ([`super::MAX_BODY`]).
pub const TOO_LARGE: LunaRet = retcode::DATA_LEN_RANGE;
/// What LunaCM sees when the device does not answer in time.
pub const TIMED_OUT: LunaRet = retcode::DEVICE_TIMEOUT;

/// The host end of the link, sans-IO: the bytes to send, and what the bytes received mean. Request ids
/// count up from 1, so that an answer that comes late (after a timeout) is told from the current one.
#[derive(Debug, Default)]
pub struct Link {
    decoder: Decoder,
    next_id: u32,
    welcome: Option<Welcome>,
}

impl Link {
    /// A link not yet opened.
    pub fn new() -> Link {
        Link::default()
    }

    /// The Hello frame that opens the link, from host program `product`.
    pub fn hello(&mut self, product: &str) -> Vec<u8> {
        self.welcome = None;
        // A Hello always encodes: it is a few short fields.
        encode(&Message::Hello(Hello::new(product))).unwrap_or_default()
    }

    /// The Hello that opens the link, naming the capabilities this host uses (such as
    /// [`super::CAP_MIRROR`]).
    pub fn hello_with(&mut self, product: &str, capabilities: &[&str]) -> Vec<u8> {
        self.welcome = None;
        let mut hello = Hello::new(product);
        hello.capabilities = capabilities.iter().map(|c| c.to_string()).collect();
        // A Hello always encodes: it is a few short fields.
        encode(&Message::Hello(hello)).unwrap_or_default()
    }

    /// The frame for one request, and the id its answer will carry. Fails when the request is too large
    /// to send.
    pub fn request(&mut self, frame: Frame) -> Result<(u32, Vec<u8>), WireError> {
        let id = self.next_id();
        encode(&Message::Request { id, frame }).map(|bytes| (id, bytes))
    }

    /// The frame for something done to a mirrored unit ([`super::CAP_MIRROR`]), and its id.
    pub fn physical(&mut self, event: crate::device::PhysicalEvent) -> Result<(u32, Vec<u8>), WireError> {
        let id = self.next_id();
        encode(&Message::Physical { id, event }).map(|bytes| (id, bytes))
    }

    /// The frame asking a mirrored unit for its state ([`super::CAP_MIRROR`]), and its id.
    pub fn look(&mut self) -> Result<(u32, Vec<u8>), WireError> {
        let id = self.next_id();
        encode(&Message::Look { id }).map(|bytes| (id, bytes))
    }

    /// The next id, counting up from 1.
    fn next_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.next_id
    }

    /// Adds bytes received from the device.
    pub fn push(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes);
    }

    /// Adds bytes received and returns every message they complete. A Welcome is checked and kept
    /// ([`Link::welcome`]); one with a version this crate does not speak comes out as
    /// [`WireError::UnsupportedVersion`].
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Message, WireError>> {
        self.push(bytes);
        std::iter::from_fn(|| self.next_message()).collect()
    }

    /// The next message of the bytes pushed, or `None` until more arrive.
    pub fn next_message(&mut self) -> Option<Result<Message, WireError>> {
        let item = self.decoder.next()?;
        Some(match item {
            Ok(Message::Welcome(w)) if !(MIN_PROTOCOL..=PROTOCOL).contains(&w.protocol) => {
                Err(WireError::UnsupportedVersion { offered: w.protocol, min: MIN_PROTOCOL, max: PROTOCOL })
            }
            Ok(Message::Welcome(w)) => {
                self.welcome = Some(w.clone());
                Ok(Message::Welcome(w))
            }
            other => other,
        })
    }

    /// The device's Welcome, once received.
    pub fn welcome(&self) -> Option<&Welcome> {
        self.welcome.as_ref()
    }

    /// The stream from the device ended: an error if it ended inside a frame.
    pub fn finish(&mut self) -> Result<(), WireError> {
        self.decoder.finish()
    }
}

/// Why a link could not be opened.
#[derive(Debug)]
pub enum LinkError {
    /// The stream failed (or could not be connected).
    Io(io::Error),
    /// The stream ended before the device answered the Hello.
    Closed,
    /// The device's answer is not a frame this crate reads, or its version is not one it speaks.
    Wire(WireError),
    /// The device refused the Hello.
    Refused(ErrorFrame),
    /// The device answered the Hello with something else than a Welcome or a refusal.
    Unexpected(Box<Message>),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Io(e) => write!(f, "the link to the device failed: {e}"),
            LinkError::Closed => write!(f, "the device closed the link before answering"),
            LinkError::Wire(e) => write!(f, "the device's answer cannot be read: {e}"),
            LinkError::Refused(e) => write!(f, "the device refused the link ({:?}): {}", e.code, e.message),
            LinkError::Unexpected(m) => write!(f, "the device answered the Hello with a {:?} frame", m.kind()),
        }
    }
}

impl std::error::Error for LinkError {}

impl From<io::Error> for LinkError {
    fn from(e: io::Error) -> Self {
        LinkError::Io(e)
    }
}

/// A reader and a writer used as one stream: a child process's stdout and stdin, a pair of pipes, a USB
/// device's bulk IN and OUT endpoints.
#[derive(Debug)]
pub struct Duplex<R, W> {
    /// Where the device's bytes come from.
    pub reader: R,
    /// Where the host's bytes go.
    pub writer: W,
}

impl<R: Read, W> Read for Duplex<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl<R, W: Write> Write for Duplex<R, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// LunaCM's [`Transport`] to a unit at the other end of a blocking byte stream (a Unix socket, a child
/// `hsm-device --stdio`, USB bulk endpoints). [`PipeTransport::open`] does the handshake; then each
/// [`Transport::transact`] writes one request and reads until its answer.
///
/// Frames carry the unit's own slot numbers (3 and 4): with one unit behind the pipe, those are also the
/// host's numbers ([`crate::hub`]); a host with several units maps them with [`crate::hub::to_local`] and
/// [`crate::hub::response_to_host`].
///
/// Failures become the return codes LunaCM prints: the stream closed or failing, [`DISCONNECTED`]
/// (`CKR_TOKEN_NOT_PRESENT`), after which every request fails the same way; a read timed out (see
/// [`PipeTransport::connect_unix`]), [`TIMED_OUT`]; an answer that cannot be read or an error frame from
/// the device, [`LINK_ERROR`] (`CKR_DEVICE_ERROR`).
pub struct PipeTransport<S: Read + Write> {
    stream: S,
    link: Link,
    welcome: Welcome,
    /// The stream failed or closed: the device is gone.
    gone: bool,
}

/// Bytes read from the stream at a time.
const READ_CHUNK: usize = 64 * 1024;

impl<S: Read + Write> PipeTransport<S> {
    /// Opens the link over `stream`: sends the Hello and waits for the device's Welcome.
    pub fn open(stream: S) -> Result<PipeTransport<S>, LinkError> {
        PipeTransport::open_as(stream, PRODUCT)
    }

    /// [`PipeTransport::open`], naming the host program `product` in the Hello.
    pub fn open_as(mut stream: S, product: &str) -> Result<PipeTransport<S>, LinkError> {
        let mut link = Link::new();
        stream.write_all(&link.hello(product))?;
        stream.flush()?;
        let mut buf = vec![0; READ_CHUNK];
        loop {
            // The first message after the Hello is the device's answer to it.
            if let Some(item) = link.next_message() {
                return match item {
                    Ok(Message::Welcome(welcome)) => Ok(PipeTransport { stream, link, welcome, gone: false }),
                    Ok(Message::Error(e)) => Err(LinkError::Refused(e)),
                    Ok(other) => Err(LinkError::Unexpected(Box::new(other))),
                    Err(e) => Err(LinkError::Wire(e)),
                };
            }
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Err(link.finish().map_or_else(LinkError::Wire, |()| LinkError::Closed));
            }
            link.push(&buf[..n]);
        }
    }

    /// The device's Welcome: its serial, model, firmware, protocol version and capabilities.
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// Whether the device is gone (the stream closed or failed): every request now fails.
    pub fn is_gone(&self) -> bool {
        self.gone
    }

    /// The stream, for instance to change its timeouts.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> S {
        self.stream
    }

    /// The return code for an I/O failure; the device is gone unless the read merely timed out.
    fn io_failed(&mut self, e: &io::Error) -> LunaRet {
        if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) {
            return TIMED_OUT;
        }
        self.gone = true;
        DISCONNECTED
    }
}

#[cfg(unix)]
impl PipeTransport<std::os::unix::net::UnixStream> {
    /// How long [`PipeTransport::connect_unix`] waits for an answer: far longer than any request takes
    /// (an iKey ceremony is polled, never waited for in one request).
    pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

    /// Connects to a device listening on the Unix socket `path` (`hsm-device --listen PATH`) and opens
    /// the link. Reads time out after [`Self::READ_TIMEOUT`]; change it through
    /// [`PipeTransport::get_mut`].
    pub fn connect_unix(path: impl AsRef<std::path::Path>) -> Result<Self, LinkError> {
        let stream = std::os::unix::net::UnixStream::connect(path)?;
        stream.set_read_timeout(Some(Self::READ_TIMEOUT))?;
        PipeTransport::open(stream)
    }
}

impl<S: Read + Write> Transport for PipeTransport<S> {
    fn transact(&mut self, frame: Frame) -> Result<Response, LunaRet> {
        if self.gone {
            return Err(DISCONNECTED);
        }
        let (id, bytes) = self.link.request(frame).map_err(|_| TOO_LARGE)?;
        if let Err(e) = self.stream.write_all(&bytes).and_then(|()| self.stream.flush()) {
            return Err(self.io_failed(&e));
        }
        let mut buf = vec![0; READ_CHUNK];
        loop {
            while let Some(item) = self.link.next_message() {
                match item {
                    Ok(Message::Response { id: answered, result }) if answered == id => return result,
                    // The answer to a request given up on earlier (a timeout): too late to matter.
                    Ok(Message::Response { .. }) => {}
                    Ok(Message::Error(e)) if e.id.is_none_or(|i| i == id) => return Err(LINK_ERROR),
                    Ok(_) => {}
                    Err(_) => return Err(LINK_ERROR),
                }
            }
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.gone = true;
                    return Err(DISCONNECTED);
                }
                Ok(n) => self.link.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_failed(&e)),
            }
        }
    }
}
