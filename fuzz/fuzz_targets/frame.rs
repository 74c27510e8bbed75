//! FrameDecoder over arbitrary bytes: never panics, never consumes more than it was given,
//! consumes nothing on `None` or on error, and what it consumes is exactly header + payload.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pcp_proto::{FrameDecoder, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a small limit sometimes, so the size check is exercised too.
    let decoder = match data.first() {
        Some(&b) if b < 0x40 => FrameDecoder::with_max_len(usize::from(b)),
        _ => FrameDecoder::new(),
    };
    let mut buf = BytesMut::from(data);
    let mut consumed = 0usize;
    loop {
        let before = buf.len();
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => {
                let used = before - buf.len();
                assert_eq!(used, HEADER_LEN + frame.payload.len());
                assert!(frame.payload.len() + 4 <= decoder.max_len());
                consumed += used;
                assert!(consumed <= data.len());
                // Frames re-encode to the bytes they came from.
                let mut again = BytesMut::new();
                frame
                    .encode(&mut again)
                    .expect("a decoded frame re-encodes");
                assert_eq!(&again[..], &data[consumed - used..consumed]);
            }
            Ok(None) => {
                assert_eq!(buf.len(), before, "an incomplete frame is not consumed");
                break;
            }
            Err(_) => {
                assert_eq!(buf.len(), before, "an invalid header is not consumed");
                break;
            }
        }
    }
    assert_eq!(consumed + buf.len(), data.len());
});
