//! tokio-util framing over pcp-proto: bytes to [`Frame`]s and [`Request`]s to bytes.

use bytes::BytesMut;
use pcp_proto::{Frame, FrameDecoder, Request};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::Error;

/// Splits the server's byte stream into frames (with a size limit) and encodes requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct PcpCodec {
    decoder: FrameDecoder,
}

impl PcpCodec {
    /// A codec accepting frames up to `max_len` bytes (length word included).
    pub fn new(max_len: usize) -> Self {
        PcpCodec {
            decoder: FrameDecoder::with_max_len(max_len),
        }
    }
}

impl Decoder for PcpCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        self.decoder.decode(src).map_err(Error::protocol)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(Error::closed(format!(
                "the server closed the connection in the middle of a frame ({} bytes pending)",
                src.len()
            ))),
        }
    }
}

impl Encoder<&Request> for PcpCodec {
    type Error = Error;

    fn encode(&mut self, request: &Request, dst: &mut BytesMut) -> Result<(), Error> {
        request.encode(dst).map_err(Error::encode)
    }
}

impl Encoder<Frame> for PcpCodec {
    type Error = Error;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), Error> {
        frame.encode(dst).map_err(Error::encode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn decodes_frames_and_rejects_oversized() {
        let mut codec = PcpCodec::new(64);
        let mut buf = BytesMut::from(&b"l\x00\x00\x00\x16CommandComplete\x003\x00l\x00"[..]);
        let frame = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame.tag, b'l');
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        let err = codec.decode_eof(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Closed);

        let mut huge = BytesMut::from(&b"i\x00\x10\x00\x00"[..]);
        assert_eq!(
            codec.decode(&mut huge).unwrap_err().kind(),
            ErrorKind::Protocol
        );
    }

    #[test]
    fn encodes_requests() {
        let mut codec = PcpCodec::default();
        let mut buf = BytesMut::new();
        codec.encode(&Request::NodeCount, &mut buf).unwrap();
        assert_eq!(&buf[..], b"L\x00\x00\x00\x04");
        let bad = Request::SetParameter {
            name: "a\0".into(),
            value: "b".into(),
        };
        assert_eq!(
            codec.encode(&bad, &mut buf).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
