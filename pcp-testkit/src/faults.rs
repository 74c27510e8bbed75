//! A catalogue of hostile-server faults, shared by the client, CLI and Python tests and by the
//! `pcp-fake-server` binary.
//!
//! Each [`Fault`] names the command it answers, the [`Action`]s the fake server takes instead
//! of the normal reply, and what a correct client does: the error class it reports and whether
//! the connection must be considered dead afterwards. The expected class is given by name
//! ([`Expect`]) so that this crate does not depend on the client.
//!
//! Timing faults (`silence`, `hang`, `one_byte_per_second`, …) expect a request timeout
//! shorter than [`Fault::SLOW`]; the tests use one second.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use pcp_proto::{Command, Reply, Request, Severity, Version, WatchdogState};

use crate::model::{error, fatal, notice, Model};
use crate::server::Action;

/// The error class a correct client reports, by the name of `pcp_client::ErrorKind`'s variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The call succeeds.
    Ok,
    /// The call fails with this `ErrorKind` (its `Debug` name); `fatal` says whether the
    /// connection is dead afterwards (`Error::is_fatal`).
    Error {
        /// `ErrorKind` variant name: `Protocol`, `Closed`, `Timeout`, `Server`, …
        kind: &'static str,
        /// Whether the error closes the session.
        fatal: bool,
    },
}

/// One scripted fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Short name (also the `--fault` argument of `pcp-fake-server`).
    pub name: &'static str,
    /// What it is, in a few words.
    pub what: &'static str,
    /// The command whose reply is replaced.
    pub command: Command,
    /// The request the tests send (one of `command`).
    pub request: Request,
    /// The release the fake server models (layouts differ; 4.4+ has multi-packet node info).
    pub version: Version,
    /// What the server does instead of answering normally.
    pub actions: Vec<Action>,
    /// What a correct client reports.
    pub expect: Expect,
}

/// An encoded frame: tag, length word (payload + 4), payload.
pub fn frame(tag: u8, payload: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(payload.len() + 5);
    buf.put_u8(tag);
    buf.put_u32(u32::try_from(payload.len() + 4).unwrap_or(u32::MAX));
    buf.put_slice(payload);
    buf.freeze()
}

/// A frame header with an arbitrary length word and no payload.
pub fn header(tag: u8, len: u32) -> Bytes {
    let mut buf = BytesMut::with_capacity(5);
    buf.put_u8(tag);
    buf.put_u32(len);
    buf.freeze()
}

/// NUL-terminated strings, concatenated.
pub fn strings(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(p);
        out.push(0);
    }
    out
}

fn raw(bytes: impl Into<Bytes>) -> Action {
    Action::Raw(bytes.into())
}

fn encoded(reply: &Reply) -> Bytes {
    let mut buf = BytesMut::new();
    reply.encode(&mut buf).expect("the model's replies encode");
    buf.freeze()
}

fn err(kind: &'static str, fatal: bool) -> Expect {
    Expect::Error { kind, fatal }
}

/// A node-info record of the 4.4+ layout with the given hostname bytes and port text.
fn node_record(host: &[u8], port: &[u8]) -> Bytes {
    frame(
        b'i',
        &strings(&[
            b"NodeInfo",
            host,
            port,
            b"2",
            b"0",
            b"up",
            b"0.333333",
            b"2",
            b"primary",
            b"0",
            b"0",
            b"",
            b"",
            b"1795628742",
        ]),
    )
}

fn array_size(tag: u8, n: &[u8]) -> Bytes {
    frame(tag, &strings(&[b"ArraySize", n]))
}

fn complete(tag: u8) -> Bytes {
    frame(tag, b"CommandComplete\0")
}

fn node_count(payload: &[&[u8]]) -> Action {
    let mut parts: Vec<&[u8]> = vec![b"CommandComplete"];
    parts.extend_from_slice(payload);
    raw(frame(b'l', &strings(&parts)))
}

/// An error packet whose detail is 255 characters long followed by the stale byte Pgpool's
/// `elog.c` copies after a truncated field (protocol reference §3.3).
pub fn long_field_error() -> Bytes {
    let mut body = Vec::new();
    body.extend_from_slice(b"SERROR\0CXX000\0MPCP: set parameter failed\0D");
    body.extend(std::iter::repeat_n(b'x', 255));
    body.push(0);
    body.push(0xa0); // the garbage byte, read as a field type
    body.extend_from_slice(b"Fpcp_worker.c\0L1492\0\0");
    frame(b'E', &body)
}

/// `count` NOTICE packets, back to back.
pub fn notice_flood(count: usize) -> Bytes {
    let mut one = BytesMut::new();
    notice(Severity::Notice, "flood")
        .encode(&mut one)
        .expect("a notice encodes");
    let mut all = BytesMut::with_capacity(one.len() * count);
    for _ in 0..count {
        all.extend_from_slice(&one);
    }
    all.freeze()
}

impl Fault {
    /// How long the slow faults keep a call waiting at least (the tests' request timeout is
    /// shorter).
    pub const SLOW: Duration = Duration::from_secs(3);

    /// Every fault of the catalogue.
    pub fn all() -> Vec<Fault> {
        let v43 = Version::new(4, 3);
        let v44 = Version::new(4, 4);
        let model44 = Model::new(v44).with_watchdog(2, WatchdogState::Leader);
        let nodes = encoded(&Reply::NodeInfo(model44.node_info_reply(0..2)));
        let watchdog = encoded(&Reply::WatchdogInfo(
            model44.watchdog.clone().expect("a watchdog model"),
        ));
        let json_start = watchdog
            .iter()
            .position(|&b| b == b'{')
            .expect("watchdog JSON");
        let all_nodes = Request::NodeInfo {
            node: pcp_proto::NodeSelector::All,
        };
        let node0 = Request::NodeInfo {
            node: pcp_proto::NodeSelector::Id(0),
        };
        let wd = Request::WatchdogInfo {
            node: pcp_proto::NodeSelector::All,
        };
        let f = |name, what, request: Request, version, actions, expect| Fault {
            name,
            what,
            command: request.command(),
            request,
            version,
            actions,
            expect,
        };
        vec![
            f(
                "truncated_frame",
                "frame cut in the middle, then the server closes",
                Request::NodeCount,
                v43,
                vec![raw(&b"l\x00\x00\x00\x16Command"[..]), Action::Close],
                err("Closed", true),
            ),
            f(
                "truncated_frame_then_silence",
                "frame cut in the middle, connection left open",
                Request::NodeCount,
                v43,
                vec![raw(&b"l\x00\x00\x00\x16Comm"[..]), Action::Hang],
                err("Timeout", true),
            ),
            f(
                "truncated_header",
                "three bytes of a header, then close",
                Request::NodeCount,
                v43,
                vec![raw(&b"l\x00\x00"[..]), Action::Close],
                err("Closed", true),
            ),
            f(
                "length_below_4",
                "length word 2",
                Request::NodeCount,
                v43,
                vec![raw(header(b'l', 2))],
                err("Protocol", true),
            ),
            f(
                "length_zero",
                "length word 0",
                Request::NodeCount,
                v43,
                vec![raw(header(b'l', 0)), Action::Hang],
                err("Protocol", true),
            ),
            f(
                "length_2_31_minus_1",
                "length word 2^31-1, a few bytes, then nothing (refused from the header)",
                Request::NodeCount,
                v43,
                vec![
                    raw(header(b'l', 0x7fff_ffff)),
                    raw(&b"CommandComplete\0"[..]),
                    Action::Hang,
                ],
                err("Protocol", true),
            ),
            f(
                "length_u32_max",
                "length word 2^32-1",
                Request::NodeCount,
                v43,
                vec![raw(header(b'l', u32::MAX)), Action::Hang],
                err("Protocol", true),
            ),
            f(
                "empty_payload",
                "the right tag with no payload at all",
                Request::NodeCount,
                v43,
                vec![raw(header(b'l', 4))],
                err("Protocol", true),
            ),
            f(
                "unknown_tag",
                "a complete frame with a tag no reply uses",
                Request::NodeCount,
                v43,
                vec![raw(frame(b'Q', b"CommandComplete\x003\0"))],
                err("Protocol", true),
            ),
            f(
                "wrong_tag",
                "another command's reply (reload's `z`) to node count",
                Request::NodeCount,
                v43,
                vec![raw(complete(b'z'))],
                err("Protocol", true),
            ),
            f(
                "wrong_first_string",
                "the right tag, an unknown first string",
                Request::NodeCount,
                v43,
                vec![raw(frame(b'l', b"Nonsense\x003\0"))],
                err("Protocol", true),
            ),
            f(
                "missing_nul",
                "last string without its NUL",
                Request::NodeCount,
                v43,
                vec![raw(frame(b'l', b"CommandComplete\x003"))],
                err("Protocol", true),
            ),
            f(
                "non_numeric_integer",
                "node count `three`",
                Request::NodeCount,
                v43,
                vec![node_count(&[b"three"])],
                err("Protocol", true),
            ),
            f(
                "overflowing_integer",
                "node count 99999999999999999999",
                Request::NodeCount,
                v43,
                vec![node_count(&[b"99999999999999999999"])],
                err("Protocol", true),
            ),
            f(
                "negative_integer",
                "node count -1",
                Request::NodeCount,
                v43,
                vec![node_count(&[b"-1"])],
                err("Protocol", true),
            ),
            f(
                "non_numeric_port",
                "node info with port `54x2`",
                node0.clone(),
                v44,
                vec![
                    raw(array_size(b'i', b"1")),
                    raw(node_record(b"localhost", b"54x2")),
                    raw(complete(b'i')),
                ],
                err("Protocol", true),
            ),
            f(
                "non_utf8_text",
                "node info whose hostname is not UTF-8",
                node0.clone(),
                v44,
                vec![
                    raw(array_size(b'i', b"1")),
                    raw(node_record(b"db\xff\xfe1", b"5432")),
                    raw(complete(b'i')),
                ],
                err("Protocol", true),
            ),
            f(
                "array_size_larger",
                "ArraySize 5, two records, CommandComplete",
                all_nodes.clone(),
                v44,
                vec![raw({
                    let mut b = BytesMut::from(&array_size(b'i', b"5")[..]);
                    b.extend_from_slice(&nodes[17..]);
                    b.freeze()
                })],
                err("Protocol", true),
            ),
            f(
                "array_size_smaller",
                "ArraySize 1, two records",
                all_nodes.clone(),
                v44,
                vec![raw({
                    let mut b = BytesMut::from(&array_size(b'i', b"1")[..]);
                    b.extend_from_slice(&nodes[17..]);
                    b.freeze()
                })],
                err("Protocol", true),
            ),
            f(
                "array_size_huge",
                "ArraySize 2147483647, then CommandComplete (nothing preallocated)",
                all_nodes.clone(),
                v44,
                vec![raw(array_size(b'i', b"2147483647")), raw(complete(b'i'))],
                err("Protocol", true),
            ),
            f(
                "array_size_non_numeric",
                "ArraySize `many`",
                all_nodes.clone(),
                v44,
                vec![raw(array_size(b'i', b"many")), raw(complete(b'i'))],
                err("Protocol", true),
            ),
            f(
                "pool_status_array_size_huge",
                "binary pool-status ArraySize 0x7fffffff, then CommandComplete",
                Request::PoolStatus,
                v43,
                vec![
                    raw(frame(b'b', b"ArraySize\0\x7f\xff\xff\xff")),
                    raw(complete(b'b')),
                ],
                err("Protocol", true),
            ),
            f(
                "missing_command_complete",
                "ArraySize and every record, no CommandComplete, connection left open",
                all_nodes.clone(),
                v44,
                vec![
                    raw(nodes.slice(..nodes.len() - complete(b'i').len())),
                    Action::Hang,
                ],
                err("Timeout", true),
            ),
            f(
                "missing_command_complete_then_close",
                "ArraySize and every record, no CommandComplete, then close",
                all_nodes.clone(),
                v44,
                vec![
                    raw(nodes.slice(..nodes.len() - complete(b'i').len())),
                    Action::Close,
                ],
                err("Closed", true),
            ),
            f(
                "close_mid_reply",
                "ArraySize and one record, then close",
                all_nodes.clone(),
                v44,
                vec![raw(nodes.slice(..17 + 80)), Action::Close],
                err("Closed", true),
            ),
            f(
                "error_mid_reply",
                "ArraySize and one record, then an ERROR (session stays usable)",
                all_nodes.clone(),
                v44,
                vec![
                    raw(array_size(b'i', b"2")),
                    raw(node_record(b"localhost", b"5432")),
                    Action::Error(error("informing node info failed", "injected")),
                ],
                err("Server", false),
            ),
            f(
                "fatal_mid_reply",
                "ArraySize, then a FATAL and close",
                all_nodes,
                v44,
                vec![
                    raw(array_size(b'i', b"2")),
                    Action::Error(fatal("terminating connection", "injected")),
                ],
                err("Server", true),
            ),
            f(
                "invalid_json",
                "watchdog info whose JSON is not JSON",
                wd.clone(),
                v44,
                vec![raw(frame(
                    b'w',
                    b"CommandComplete\0{\"NodeCount\": two, ]\0",
                ))],
                err("Protocol", true),
            ),
            f(
                "truncated_json",
                "watchdog info JSON cut in half (frame length consistent)",
                wd.clone(),
                v44,
                vec![raw({
                    let json = &watchdog[json_start..watchdog.len() - 1];
                    let mut payload = b"CommandComplete\0".to_vec();
                    payload.extend_from_slice(&json[..json.len() / 2]);
                    payload.push(0);
                    frame(b'w', &payload)
                })],
                err("Protocol", true),
            ),
            f(
                "json_wrong_types",
                "watchdog info JSON with strings where numbers belong",
                wd,
                v44,
                vec![raw(frame(
                    b'w',
                    b"CommandComplete\0{\"NodeCount\":\"x\",\"WatchdogNodes\":\"y\"}\0",
                ))],
                err("Protocol", true),
            ),
            f(
                "one_byte_per_second",
                "the normal reply, one byte per second",
                Request::NodeCount,
                v43,
                vec![Action::Trickle(Duration::from_secs(1)), Action::Default],
                err("Timeout", true),
            ),
            f(
                "silence",
                "no answer at all, connection open",
                Request::NodeCount,
                v43,
                vec![Action::Silence],
                err("Timeout", true),
            ),
            f(
                "hang",
                "stops reading and writing",
                Request::NodeCount,
                v43,
                vec![Action::Hang],
                err("Timeout", true),
            ),
            f(
                "close_before_reply",
                "closes the connection instead of answering",
                Request::NodeCount,
                v43,
                vec![Action::Close],
                err("Closed", true),
            ),
            f(
                "notice_flood",
                "20,000 NOTICE packets, then the normal reply",
                Request::NodeCount,
                v43,
                vec![raw(notice_flood(20_000)), Action::Default],
                Expect::Ok,
            ),
            f(
                "notice_flood_then_silence",
                "20,000 NOTICE packets, then nothing",
                Request::NodeCount,
                v43,
                vec![raw(notice_flood(20_000)), Action::Hang],
                err("Timeout", true),
            ),
            f(
                "long_error_field",
                "ERROR whose 255-byte detail is followed by Pgpool's stale garbage byte",
                Request::SetParameter {
                    name: "client_min_messages".into(),
                    value: "debug1".into(),
                },
                v43,
                vec![raw(long_field_error())],
                err("Server", false),
            ),
            f(
                "fatal_error",
                "FATAL instead of a reply, then close",
                Request::NodeCount,
                v43,
                vec![Action::Error(fatal("terminating", "injected"))],
                err("Server", true),
            ),
            f(
                "garbage",
                "random bytes that are no frame",
                Request::NodeCount,
                v43,
                vec![raw(
                    &b"\x00\x01\x02\xff\xfe\xfdHTTP/1.1 400 Bad Request\r\n\r\n"[..],
                )],
                err("Protocol", true),
            ),
        ]
    }

    /// The fault called `name`.
    pub fn named(name: &str) -> Option<Fault> {
        Fault::all().into_iter().find(|f| f.name == name)
    }
}
