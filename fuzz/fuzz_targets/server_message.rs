//! ServerMessage::decode of an arbitrary `E`/`N` payload never panics, and re-encoding what it
//! read (when every field is NUL-free, which decoding guarantees) decodes to the same message.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pcp_proto::{FrameDecoder, ServerMessage};

fuzz_target!(|data: &[u8]| {
    let message = ServerMessage::decode(data);
    let mut buf = BytesMut::new();
    message
        .encode(&mut buf)
        .expect("decoded fields contain no NUL");
    let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
    assert_eq!(ServerMessage::decode(&frame.payload), message);
});
