//! Helpers shared by the integration tests: building frames by hand and driving a reply
//! reader over a byte stream, whole, split in two, or one byte at a time.
#![allow(dead_code, unreachable_pub)]

use std::fmt::Debug;

use bytes::{BufMut, BytesMut};
use pcp_proto::{DecodeError, Exchange, FrameDecoder, Progress, ReplyReader, ServerMessage};

/// What an exchange yields for one stream.
pub type Outcome<T> = Result<Progress<Result<T, ServerMessage>>, DecodeError>;

/// One frame: tag, length word (counting itself), payload as given.
pub fn raw_frame(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + payload.len());
    out.push(tag);
    let len = i32::try_from(payload.len() + 4).expect("test frame fits an i32");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// One frame whose payload is `fields`, each followed by a NUL.
pub fn frame(tag: u8, fields: &[&[u8]]) -> Vec<u8> {
    let mut payload = Vec::new();
    for field in fields {
        payload.extend_from_slice(field);
        payload.push(0);
    }
    raw_frame(tag, &payload)
}

/// Like [`frame`], from string slices.
pub fn frame_str(tag: u8, fields: &[&str]) -> Vec<u8> {
    let fields: Vec<&[u8]> = fields.iter().map(|f| f.as_bytes()).collect();
    frame(tag, &fields)
}

/// Frames put one after the other.
pub fn stream(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

/// A multi-packet reply: `ArraySize` (text count), one record frame per row, `CommandComplete`.
pub fn array_reply(tag: u8, marker: &str, rows: &[Vec<&str>]) -> Vec<u8> {
    let mut frames = vec![frame_str(tag, &["ArraySize", &rows.len().to_string()])];
    for row in rows {
        let mut fields = vec![marker];
        fields.extend(row.iter().copied());
        frames.push(frame_str(tag, &fields));
    }
    frames.push(frame_str(tag, &["CommandComplete"]));
    stream(&frames)
}

/// Offsets where whole frames end in `bytes` (walking the length words), starting with 0.
pub fn frame_boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0usize;
    while let Some(header) = bytes.get(at..at + 5) {
        let len = i32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        if len < 4 {
            break;
        }
        let end = at + 1 + len as usize;
        if end > bytes.len() {
            break;
        }
        out.push(end);
        at = end;
    }
    out
}

/// Drives a [`FrameDecoder`] and an [`Exchange`] over bytes pushed in pieces.
pub struct Feed<R: ReplyReader> {
    decoder: FrameDecoder,
    buf: BytesMut,
    exchange: Exchange<R>,
    /// Bytes taken out of the buffer as whole frames.
    pub consumed: usize,
    /// Bytes pushed so far.
    pub pushed: usize,
    outcome: Option<Outcome<R::Output>>,
}

impl<R> Feed<R>
where
    R: ReplyReader,
    R::Output: Clone,
{
    pub fn new(reader: R) -> Self {
        Self::with_decoder(reader, FrameDecoder::new())
    }

    pub fn with_decoder(reader: R, decoder: FrameDecoder) -> Self {
        Feed {
            decoder,
            buf: BytesMut::new(),
            exchange: Exchange::new(reader),
            consumed: 0,
            pushed: 0,
            outcome: None,
        }
    }

    /// Appends `bytes` and handles every whole frame. Once the reply is complete (or failed),
    /// further bytes are kept unread and the same outcome is returned.
    pub fn push(&mut self, bytes: &[u8]) -> Outcome<R::Output> {
        self.buf.extend_from_slice(bytes);
        self.pushed += bytes.len();
        if let Some(outcome) = &self.outcome {
            return outcome.clone();
        }
        loop {
            let before = self.buf.len();
            match self.decoder.decode(&mut self.buf) {
                Err(e) => {
                    assert_eq!(self.buf.len(), before, "a decode error consumes nothing");
                    return self.finish(Err(e));
                }
                Ok(None) => {
                    assert_eq!(
                        self.buf.len(),
                        before,
                        "an incomplete frame is not consumed"
                    );
                    return Ok(Progress::NeedMore);
                }
                Ok(Some(frame)) => {
                    self.consumed += before - self.buf.len();
                    assert!(self.consumed <= self.pushed, "consumed more than given");
                    match self.exchange.handle_frame(&frame) {
                        Ok(Progress::NeedMore) => continue,
                        done @ Ok(Progress::Done(_)) => return self.finish(done),
                        Err(e) => return self.finish(Err(e)),
                    }
                }
            }
        }
    }

    fn finish(&mut self, outcome: Outcome<R::Output>) -> Outcome<R::Output> {
        self.outcome = Some(outcome.clone());
        outcome
    }

    /// Bytes pushed but not yet taken as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    pub fn notices(&self) -> &[ServerMessage] {
        self.exchange.notices()
    }

    pub fn exchange(&mut self) -> &mut Exchange<R> {
        &mut self.exchange
    }
}

/// Everything observable about decoding one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    pub outcome: Outcome<T>,
    pub notices: Vec<ServerMessage>,
    pub consumed: usize,
}

/// Decodes `bytes` pushed in one piece.
pub fn decode_whole<R>(reader: R, bytes: &[u8]) -> Decoded<R::Output>
where
    R: ReplyReader,
    R::Output: Clone,
{
    let mut feed = Feed::new(reader);
    let outcome = feed.push(bytes);
    Decoded {
        outcome,
        notices: feed.notices().to_vec(),
        consumed: feed.consumed,
    }
}

/// Decodes `bytes` pushed in the pieces that `cuts` (ascending offsets) delimit.
pub fn decode_pieces<R>(reader: R, bytes: &[u8], cuts: &[usize]) -> Decoded<R::Output>
where
    R: ReplyReader,
    R::Output: Clone,
{
    let mut feed = Feed::new(reader);
    let mut from = 0;
    let mut outcome = Ok(Progress::NeedMore);
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(from, bytes.len());
        outcome = feed.push(&bytes[from..cut]);
        from = cut;
    }
    Decoded {
        outcome,
        notices: feed.notices().to_vec(),
        consumed: feed.consumed,
    }
}

/// Decodes `bytes` and checks the split-point properties; returns the whole-stream result.
///
/// For every cut `0..=len`: after `bytes[..cut]` the reply is still incomplete (unless it had
/// already ended, in which case it ended exactly as the whole stream does), only whole frames
/// were consumed, and pushing the rest gives the same result, notices and consumption as one
/// push. One byte at a time gives the same result too.
pub fn decode_checking_splits<R, F>(make: F, bytes: &[u8]) -> Decoded<R::Output>
where
    F: Fn() -> R,
    R: ReplyReader,
    R::Output: Clone + PartialEq + Debug,
{
    let whole = decode_whole(make(), bytes);
    let boundaries = frame_boundaries(bytes);
    for cut in 0..=bytes.len() {
        let mut feed = Feed::new(make());
        let first = feed.push(&bytes[..cut]);
        match &first {
            Ok(Progress::NeedMore) => {
                let frame_end = boundaries.iter().copied().filter(|&b| b <= cut).max();
                assert_eq!(
                    Some(feed.consumed),
                    frame_end,
                    "cut {cut}: only whole frames are consumed"
                );
                assert_eq!(feed.buffered(), cut - feed.consumed, "cut {cut}");
            }
            ended => assert_eq!(ended, &whole.outcome, "cut {cut}: ended early differently"),
        }
        let second = feed.push(&bytes[cut..]);
        assert_eq!(second, whole.outcome, "cut {cut}: split result differs");
        assert_eq!(
            feed.notices(),
            &whole.notices[..],
            "cut {cut}: notices differ"
        );
        assert_eq!(
            feed.consumed, whole.consumed,
            "cut {cut}: consumption differs"
        );
    }
    let mut feed = Feed::new(make());
    let mut last = Ok(Progress::NeedMore);
    for byte in bytes {
        last = feed.push(std::slice::from_ref(byte));
    }
    if bytes.is_empty() {
        last = feed.push(&[]);
    }
    assert_eq!(last, whole.outcome, "one byte at a time");
    assert_eq!(
        feed.notices(),
        &whole.notices[..],
        "one byte at a time: notices"
    );
    whole
}

/// The completed reply of a stream that must decode successfully, split checks included.
pub fn expect_reply<R, F>(make: F, bytes: &[u8]) -> R::Output
where
    F: Fn() -> R,
    R: ReplyReader,
    R::Output: Clone + PartialEq + Debug,
{
    let decoded = decode_checking_splits(make, bytes);
    assert_eq!(decoded.consumed, bytes.len(), "the reply uses every byte");
    match decoded.outcome {
        Ok(Progress::Done(Ok(value))) => value,
        other => panic!("expected a complete reply, got {other:?}"),
    }
}

/// The server message ending a stream, split checks included.
pub fn expect_server_message<R, F>(make: F, bytes: &[u8]) -> ServerMessage
where
    F: Fn() -> R,
    R: ReplyReader,
    R::Output: Clone + PartialEq + Debug,
{
    match decode_checking_splits(make, bytes).outcome {
        Ok(Progress::Done(Err(message))) => message,
        other => panic!("expected a server message, got {other:?}"),
    }
}

/// The decode error a stream ends with, split checks included.
pub fn expect_error<R, F>(make: F, bytes: &[u8]) -> DecodeError
where
    F: Fn() -> R,
    R: ReplyReader,
    R::Output: Clone + PartialEq + Debug,
{
    match decode_checking_splits(make, bytes).outcome {
        Err(e) => e,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// Appends `fields` NUL-terminated to `buf` (for building payloads in place).
pub fn put_fields(buf: &mut BytesMut, fields: &[&[u8]]) {
    for field in fields {
        buf.put_slice(field);
        buf.put_u8(0);
    }
}
