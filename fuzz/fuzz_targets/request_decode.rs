//! Request::decode of an arbitrary frame (first byte = tag): never panics, and a decoded
//! request that encodes again decodes to the same request.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pcp_proto::{Frame, FrameDecoder, Request};

fuzz_target!(|data: &[u8]| {
    let Some((&tag, payload)) = data.split_first() else {
        return;
    };
    let frame = Frame::new(tag, payload.to_vec());
    let Ok(request) = Request::decode(&frame) else {
        return;
    };
    assert_eq!(request.tag(), tag);
    let mut buf = BytesMut::new();
    if request.encode(&mut buf).is_ok() {
        let again = FrameDecoder::new()
            .decode(&mut buf)
            .expect("an encoded request has a valid header")
            .expect("an encoded request is one whole frame");
        assert!(buf.is_empty());
        assert_eq!(Request::decode(&again), Ok(request));
    }
});
