//! Unit tests of the reply readers' internals: array framing, preallocation bounds, and the
//! encoder's refusal of records that would read back as another layout.

use bytes::{BufMut, BytesMut};

use super::array::{ArrayFraming, ArrayPart, CountEncoding};
use super::*;
use crate::error::EncodeError;
use crate::frame::{Frame, FrameDecoder};
use crate::types::{BackendStatus, Quarantine, ReplicationDelay, Role, UnixTime, Weight};

fn node(quarantine: Option<Quarantine>, extra: &[&str]) -> NodeInfo {
    NodeInfo {
        hostname: "db0".into(),
        port: 5432,
        status: BackendStatus::Up,
        quarantine,
        pg_status: None,
        weight: Weight { raw: 0.0 },
        role: Role::Primary,
        pg_role: None,
        replication_delay: ReplicationDelay::Bytes(0),
        replication_state: None,
        replication_sync_state: None,
        status_changed: UnixTime(0),
        extra: extra.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn encode(nodes: Vec<NodeInfo>, layout: NodeInfoLayout) -> Result<BytesMut, EncodeError> {
    let mut buf = BytesMut::new();
    NodeInfoReply { nodes, layout }
        .encode(&mut buf)
        .map(|()| buf)
}

/// Regression: trailing fields in a layout before 4.4 used to be written as extra fields,
/// which changed the field count, so the record decoded as another layout with every field
/// after `port` shifted (a 4.3 record with one extra field read as 4.4).
#[test]
fn node_info_extra_fields_need_the_4_4_layout() {
    for layout in [
        NodeInfoLayout::V4_0,
        NodeInfoLayout::V4_1,
        NodeInfoLayout::V4_3,
    ] {
        assert_eq!(
            encode(vec![node(Some(Quarantine::No), &["x"])], layout).map(|_| ()),
            Err(EncodeError::InvalidArgument {
                field: "extra",
                reason: "trailing fields need the 4.4 layout",
            }),
            "{layout:?}"
        );
    }
    assert!(encode(
        vec![node(Some(Quarantine::No), &["x"])],
        NodeInfoLayout::V4_4
    )
    .is_ok());
}

/// Regression: a 4.4 record without quarantine has 12 fields, which is the 4.3 layout.
#[test]
fn node_info_4_4_needs_quarantine() {
    assert_eq!(
        encode(vec![node(None, &[])], NodeInfoLayout::V4_4).map(|_| ()),
        Err(EncodeError::InvalidArgument {
            field: "quarantine",
            reason: "the 4.4 layout always carries quarantine",
        })
    );
    for layout in [
        NodeInfoLayout::V4_0,
        NodeInfoLayout::V4_1,
        NodeInfoLayout::V4_3,
    ] {
        assert!(encode(vec![node(None, &[])], layout).is_ok(), "{layout:?}");
    }
}

#[test]
fn node_info_single_packet_layouts_carry_one_node() {
    let two = vec![node(None, &[]), node(None, &[])];
    assert!(encode(two.clone(), NodeInfoLayout::V4_1).is_err());
    assert!(encode(Vec::new(), NodeInfoLayout::V4_0).is_err());
    assert!(encode(two, NodeInfoLayout::V4_3).is_ok());
}

#[test]
fn delay_by_time_needs_the_4_4_layout() {
    let mut n = node(Some(Quarantine::No), &[]);
    n.replication_delay = ReplicationDelay::Time(std::time::Duration::from_micros(5));
    assert!(encode(vec![n.clone()], NodeInfoLayout::V4_3).is_err());
    assert!(encode(vec![n], NodeInfoLayout::V4_4).is_ok());
}

#[test]
fn announced_counts_do_not_preallocate_unbounded() {
    let mut framing = ArrayFraming::new(NODE_INFO, CountEncoding::Text);
    assert_eq!(framing.capacity_hint(), 0);
    assert!(!framing.started());
    assert!(matches!(
        framing.next(b"ArraySize\x0018446744073709551615\x00"),
        Ok(ArrayPart::Size)
    ));
    assert!(framing.started());
    assert_eq!(framing.capacity_hint(), 1024);

    let mut framing = ArrayFraming::new(PROCESS_CONFIG, CountEncoding::Binary);
    let mut payload = BytesMut::from(&b"ArraySize\0"[..]);
    payload.put_i32(i32::MAX);
    assert!(matches!(framing.next(&payload), Ok(ArrayPart::Size)));
    assert_eq!(framing.capacity_hint(), 1024);
}

#[test]
fn binary_array_size_must_be_exactly_four_bytes() {
    let mut framing = ArrayFraming::new(PROCESS_CONFIG, CountEncoding::Binary);
    assert_eq!(
        framing.next(b"ArraySize\0\x00\x00\x98").err(),
        Some(DecodeError::MissingField {
            field: "array size"
        })
    );
    let mut framing = ArrayFraming::new(PROCESS_CONFIG, CountEncoding::Binary);
    assert_eq!(
        framing.next(b"ArraySize\0\x00\x00\x00\x98\x00").err(),
        Some(DecodeError::TrailingBytes {
            context: "array size",
            count: 1
        })
    );
}

#[test]
fn complete_frame_must_be_bare() {
    let mut framing = ArrayFraming::new(NODE_INFO, CountEncoding::Text);
    assert!(framing.next(b"ArraySize\x000\x00").is_ok());
    assert_eq!(
        framing.next(b"CommandComplete\x00x\x00").err(),
        Some(DecodeError::TrailingBytes {
            context: COMMAND_COMPLETE,
            count: 2
        })
    );
}

#[test]
fn encode_array_leaves_the_buffer_alone_on_error() {
    let mut buf = BytesMut::from(&b"keep"[..]);
    let bad = ConfigItem {
        name: "a\0b".into(),
        value: String::new(),
        description: String::new(),
    };
    assert_eq!(
        ConfigItem::encode_all(&[bad], &mut buf),
        Err(EncodeError::EmbeddedNul {
            field: PROCESS_CONFIG
        })
    );
    assert_eq!(&buf[..], b"keep");
}

#[test]
fn command_complete_of_unanswered_commands_is_refused() {
    let mut buf = BytesMut::new();
    assert!(encode_command_complete(crate::Command::Terminate, &mut buf).is_err());
    assert!(encode_command_complete(crate::Command::Noop, &mut buf).is_err());
    assert!(buf.is_empty());
}

#[test]
fn any_reader_reports_its_command() {
    for command in [
        crate::Command::Salt,
        crate::Command::NodeInfo,
        crate::Command::PoolStatus,
        crate::Command::RecoverNode,
    ] {
        let ex = Exchange::new(AnyReader::new(command));
        assert_eq!(ex.command(), command);
    }
}

#[test]
fn exchange_without_reply_tag_refuses_everything_but_messages() {
    let mut ex = Exchange::new(AnyReader::new(crate::Command::Noop));
    let notice = Frame::new(b'N', &b"SNOTICE\0Mhello\0\0"[..]);
    assert_eq!(ex.handle_frame(&notice), Ok(Progress::NeedMore));
    let frame = Frame::new(b'f', &b"CommandComplete\0"[..]);
    assert!(matches!(
        ex.handle_frame(&frame),
        Err(DecodeError::UnexpectedTag { got: 'f', .. })
    ));
    let mut buf = BytesMut::from(&b"E\x00\x00\x00\x10SERROR\0Mno\0\0"[..]);
    let error = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
    assert!(matches!(
        ex.handle_frame(&error),
        Ok(Progress::Done(Err(_)))
    ));
}

/// A 4.3+ process-info slot sent without a pid (the 4.4+ tools skip such rows) is kept, with
/// `pid: None`, instead of failing the whole reply.
#[test]
fn process_row_without_pid_is_kept() {
    let mut fields: Vec<&[u8]> = vec![b""; 17];
    fields[16] = b"Wait for connection";
    let mut record = BytesMut::new();
    record.put_slice(b"ProcessInfo\0");
    for f in &fields {
        record.put_slice(f);
        record.put_u8(0);
    }
    let frames = [
        Frame::new(b'p', &b"ArraySize\x001\x00"[..]),
        Frame::new(b'p', record.freeze()),
        Frame::new(b'p', &b"CommandComplete\x00"[..]),
    ];
    let mut reader = ProcessInfoReader::new();
    let mut result = None;
    for frame in &frames {
        if let Progress::Done(reply) = reader.handle_frame(frame).unwrap() {
            result = Some(reply);
        }
    }
    let reply = result.expect("complete");
    assert_eq!(reply.layout, Some(ProcessInfoLayout::V4_3));
    let row = &reply.processes[0];
    assert_eq!(row.pid, None);
    assert_eq!(row.database, "");
    assert_eq!(
        row.status,
        Some(crate::types::ProcessStatus::WaitForConnection)
    );
}
