//! Framing: one tag byte, a big-endian `i32` length that counts itself, then the payload.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};

/// Size of the frame header: the tag byte and the length word.
pub const HEADER_LEN: usize = 5;

/// Default upper bound for a received frame (length word included).
///
/// The largest real replies are a few KiB; anything near this bound means the stream is
/// desynchronised.
pub const DEFAULT_MAX_FRAME_LEN: usize = 1 << 20;

/// Largest request payload a Pgpool server accepts (its `MAX_PCP_PACKET_LENGTH` is 260, and
/// the length word must stay below it).
pub const SERVER_MAX_PAYLOAD: usize = 255;

/// One frame, as received or to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The tag byte (an ASCII letter).
    pub tag: u8,
    /// The payload, without the header.
    pub payload: Bytes,
}

impl Frame {
    /// Builds a frame from a tag and payload.
    pub fn new(tag: u8, payload: impl Into<Bytes>) -> Self {
        Frame {
            tag,
            payload: payload.into(),
        }
    }

    /// The tag as a character, for messages.
    pub fn tag_char(&self) -> char {
        char::from(self.tag)
    }

    /// Appends this frame, header included, to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        write_frame(self.tag, buf, |b| b.put_slice(&self.payload))
    }
}

/// Incremental frame decoder with a size limit.
///
/// `decode` consumes one whole frame from the front of a buffer, or returns `Ok(None)` and
/// consumes nothing while the frame is incomplete. The limit is checked on the header alone,
/// before any payload is buffered or allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameDecoder {
    max_len: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder {
            max_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

impl FrameDecoder {
    /// A decoder with the default limit ([`DEFAULT_MAX_FRAME_LEN`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder accepting frames whose length word is at most `max_len`.
    pub fn with_max_len(max_len: usize) -> Self {
        FrameDecoder {
            max_len: max_len.max(4),
        }
    }

    /// The configured limit.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Reads the header at the front of `buf` without consuming it.
    ///
    /// Returns the tag and the payload length once 5 bytes are present.
    pub fn peek_header(&self, buf: &[u8]) -> Result<Option<(u8, usize)>, DecodeError> {
        let Some(header) = buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let mut header = header;
        let tag = header.get_u8();
        let len = header.get_i32();
        if len < 4 {
            return Err(DecodeError::InvalidLength { len: len.into() });
        }
        let len = len.unsigned_abs() as usize;
        if len > self.max_len {
            return Err(DecodeError::FrameTooLarge {
                len: len as u64,
                max: self.max_len,
            });
        }
        Ok(Some((tag, len - 4)))
    }

    /// Removes one whole frame from the front of `buf`, or returns `Ok(None)` if more bytes
    /// are needed. On error nothing is consumed.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        let Some((tag, payload_len)) = self.peek_header(buf)? else {
            return Ok(None);
        };
        let total = HEADER_LEN + payload_len;
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        buf.advance(HEADER_LEN);
        let payload = buf.split_to(payload_len).freeze();
        Ok(Some(Frame { tag, payload }))
    }
}

/// Appends a frame to `buf`: writes the header, lets `body` append the payload, then fills in
/// the length.
pub(crate) fn write_frame(
    tag: u8,
    buf: &mut BytesMut,
    body: impl FnOnce(&mut BytesMut),
) -> Result<(), EncodeError> {
    let start = buf.len();
    buf.put_u8(tag);
    buf.put_i32(0);
    body(buf);
    let len = buf.len() - start - 1;
    let Ok(len_word) = i32::try_from(len) else {
        buf.truncate(start);
        return Err(EncodeError::PayloadTooLarge {
            len: len - 4,
            max: i32::MAX as usize - 4,
        });
    };
    if let Some(slot) = buf.get_mut(start + 1..start + HEADER_LEN) {
        slot.copy_from_slice(&len_word.to_be_bytes());
    }
    Ok(())
}

/// Appends `s` and a terminating NUL, refusing strings that contain NUL.
pub(crate) fn put_cstr(
    buf: &mut BytesMut,
    s: &str,
    field: &'static str,
) -> Result<(), EncodeError> {
    if s.as_bytes().contains(&0) {
        return Err(EncodeError::EmbeddedNul { field });
    }
    buf.put_slice(s.as_bytes());
    buf.put_u8(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_more_until_whole() {
        let dec = FrameDecoder::new();
        let wire = b"l\x00\x00\x00\x16CommandComplete\x002\x00";
        for cut in 0..wire.len() {
            let mut buf = BytesMut::from(&wire[..cut]);
            assert_eq!(dec.decode(&mut buf), Ok(None), "cut at {cut}");
            assert_eq!(buf.len(), cut, "nothing consumed at {cut}");
        }
        let mut buf = BytesMut::from(&wire[..]);
        let frame = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame.tag, b'l');
        assert_eq!(&frame.payload[..], b"CommandComplete\x002\x00");
        assert!(buf.is_empty());
    }

    #[test]
    fn rejects_short_and_huge_lengths_from_the_header() {
        let dec = FrameDecoder::with_max_len(64);
        for len in [0i32, 1, 2, 3, -1, i32::MIN] {
            let mut buf = BytesMut::new();
            buf.put_u8(b'i');
            buf.put_i32(len);
            assert_eq!(
                dec.decode(&mut buf),
                Err(DecodeError::InvalidLength { len: len.into() })
            );
        }
        let mut buf = BytesMut::new();
        buf.put_u8(b'i');
        buf.put_i32(i32::MAX);
        assert_eq!(
            dec.decode(&mut buf),
            Err(DecodeError::FrameTooLarge {
                len: i32::MAX as u64,
                max: 64
            })
        );
        assert!(
            buf.capacity() < 1024,
            "no allocation for the announced size"
        );
    }

    #[test]
    fn empty_payload_frame() {
        let mut buf = BytesMut::new();
        Frame::new(b'X', Bytes::new()).encode(&mut buf).unwrap();
        assert_eq!(&buf[..], b"X\x00\x00\x00\x04");
        let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame, Frame::new(b'X', Bytes::new()));
    }

    #[test]
    fn cstr_refuses_nul() {
        let mut buf = BytesMut::new();
        assert_eq!(
            put_cstr(&mut buf, "a\0b", "user"),
            Err(EncodeError::EmbeddedNul { field: "user" })
        );
    }
}
