//! Frames out of a byte stream that arrives in pieces of any size.

use super::{decode_body, Kind, Message, WireError, HEADER_LEN, MAGIC, MAX_BODY};

/// Reads frames from a byte stream fed in arbitrary chunks (USB transfers split and merge frames; a
/// socket read returns what it has). Sans-IO: [`Decoder::push`] the bytes received, then take frames
/// with [`Iterator::next`] until it returns `None`; at the end of the stream [`Decoder::finish`] says
/// whether a frame was cut short.
///
/// It never panics on any input. Errors come in two sorts (see [`WireError::framing_lost`]): a whole frame
/// skipped (unknown kind, unreadable body), after which the next frame is read as usual; and bytes that
/// are not a frame (no magic, a length over the limit), after which the decoder discards bytes up to the
/// next magic, reporting the run once.
#[derive(Clone, Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start: consumed bytes are dropped in batches, not frame by frame.
    start: usize,
    max_body: u32,
    /// Discarding bytes up to the next magic.
    resync: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with the protocol's body limit, [`MAX_BODY`].
    pub fn new() -> Decoder {
        Decoder::with_limit(MAX_BODY)
    }

    /// A decoder that refuses bodies over `max_body` bytes.
    pub fn with_limit(max_body: u32) -> Decoder {
        Decoder { buf: Vec::new(), start: 0, max_body, resync: false }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        // Drop what was read once it is at least half the buffer: amortized linear, however the stream is cut.
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Adds received bytes and returns every frame (or error) they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Message, WireError>> {
        self.push(bytes);
        self.collect()
    }

    /// Bytes received and not yet consumed: part of a frame, or the tail of a run being skipped.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The stream ended: an error if it ended inside a frame. The decoder is then empty and in step, as
    /// for a new stream.
    pub fn finish(&mut self) -> Result<(), WireError> {
        let buffered = self.buffered();
        let resync = self.resync;
        self.buf.clear();
        self.start = 0;
        self.resync = false;
        // The tail of a run of garbage was reported when the run began.
        if buffered == 0 || resync {
            Ok(())
        } else {
            Err(WireError::Truncated { buffered })
        }
    }

    /// Discards bytes up to the next magic (keeping a tail that may be its beginning); returns whether
    /// one was found.
    fn skip_to_magic(&mut self) -> bool {
        let unread = &self.buf[self.start..];
        if let Some(at) = unread.windows(MAGIC.len()).position(|w| w == MAGIC) {
            self.start += at;
            self.resync = false;
            return true;
        }
        // A magic cut by the chunk boundary starts with 0xFF within the last two bytes.
        let keep = (1..MAGIC.len()).rev().find(|&n| unread.len() >= n && unread[unread.len() - n..] == MAGIC[..n]);
        self.start = self.buf.len() - keep.unwrap_or(0);
        false
    }
}

impl Iterator for Decoder {
    type Item = Result<Message, WireError>;

    /// The next complete frame, or the next error; `None` until more bytes are pushed.
    fn next(&mut self) -> Option<Self::Item> {
        if self.resync && !self.skip_to_magic() {
            return None;
        }
        let unread = &self.buf[self.start..];
        let magic_len = unread.len().min(MAGIC.len());
        if let Some(wrong) = (0..magic_len).find(|&i| unread[i] != MAGIC[i]) {
            let found = unread[wrong];
            // Skip past the first byte so that the search does not find this same place again.
            self.start += 1;
            self.resync = true;
            return Some(Err(WireError::BadMagic { found }));
        }
        if unread.len() < HEADER_LEN {
            return None;
        }
        let kind = unread[3];
        let length = u32::from_be_bytes([unread[4], unread[5], unread[6], unread[7]]);
        if length > self.max_body {
            self.start += 1;
            self.resync = true;
            return Some(Err(WireError::Oversized { kind, length, max: self.max_body }));
        }
        // `length` is at most `max_body`, a u32: it fits in usize on every target this crate builds for.
        let end = HEADER_LEN.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
        if unread.len() < end {
            return None;
        }
        let body = &unread[HEADER_LEN..end];
        self.start += end;
        let Some(kind) = Kind::from_byte(kind) else { return Some(Err(WireError::UnknownKind { kind })) };
        Some(decode_body(kind, body))
    }
}
