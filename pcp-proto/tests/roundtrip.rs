//! Property tests: encode → decode is the identity for every request and every reply layout;
//! arbitrary bytes never make the decoders panic or consume more than they were given; and a
//! stream split at arbitrary points decodes exactly as the whole stream does.

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::*;
use pcp_proto::{
    AnyReader, BackendStatus, Command, ConfigItem, Exchange, FrameDecoder, HealthCheckStats,
    LocalDateTime, NodeInfo, NodeInfoLayout, NodeInfoReply, NodeSelector, PgStatus, ProcessInfo,
    ProcessInfoLayout, ProcessInfoReply, ProcessStatus, Progress, Quarantine, QuorumStatus,
    ReplicationDelay, ReplicationState, Reply, Request, Role, Scope, ServerMessage, Severity,
    ShutdownMode, SyncState, Timestamp, UnixTime, WatchdogInfo, WatchdogNode, WatchdogState,
    Weight,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Every command, in tag order.
const COMMANDS: [Command; 20] = [
    Command::Salt,
    Command::Authenticate,
    Command::NodeCount,
    Command::NodeInfo,
    Command::HealthCheckStats,
    Command::ProcessCount,
    Command::ProcessInfo,
    Command::PoolStatus,
    Command::WatchdogInfo,
    Command::AttachNode,
    Command::DetachNode,
    Command::PromoteNode,
    Command::RecoverNode,
    Command::StopPgpool,
    Command::ReloadConfig,
    Command::LogRotate,
    Command::InvalidateQueryCache,
    Command::SetParameter,
    Command::Noop,
    Command::Terminate,
];

/// `cases` cases, without failure files (integration tests have no `lib.rs` to put them beside).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Value strategies.
// ---------------------------------------------------------------------------------------------

/// Any text without NUL (NUL cannot travel inside a field).
fn text() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,12}"
}

fn non_empty_text() -> impl Strategy<Value = String> {
    "[^\u{0}]{1,12}"
}

fn ascii_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[\\x01-\\x7f]{{0,{max}}}")).expect("valid regex")
}

fn local_time() -> impl Strategy<Value = LocalDateTime> {
    (
        0u16..=9999,
        1u8..=12,
        1u8..=31,
        0u8..=23,
        0u8..=59,
        0u8..=60,
    )
        .prop_map(|(year, month, day, hour, minute, second)| LocalDateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
}

/// A value whose `{:.6}` text parses back to exactly the same `f64`: a whole number of
/// millionths, up to `RAND_MAX`.
fn six_decimals() -> impl Strategy<Value = f64> {
    (0u64..=2_147_483_647_000_000).prop_map(|micro| micro as f64 / 1e6)
}

/// A text enum value as the decoder would produce it from some wire text.
fn from_text<T: std::fmt::Debug>(
    known: &'static [&'static str],
    make: fn(&str) -> T,
) -> impl Strategy<Value = T> {
    prop_oneof![
        proptest::sample::select(known).prop_map(make),
        non_empty_text().prop_map(move |s| make(&s)),
    ]
}

fn backend_status() -> impl Strategy<Value = BackendStatus> {
    from_text(&["0", "1", "2", "3"], BackendStatus::from_code)
}

fn role_code() -> impl Strategy<Value = Role> {
    from_text(&["0", "1", "2", "3"], Role::from_code)
}

fn role_name() -> impl Strategy<Value = Role> {
    from_text(
        &["main", "replica", "primary", "standby", "unknown"],
        Role::from_name,
    )
}

fn status_name() -> impl Strategy<Value = BackendStatus> {
    from_text(
        &["unused", "waiting", "up", "down", "quarantine"],
        BackendStatus::from_name,
    )
}

fn quarantine() -> impl Strategy<Value = Quarantine> {
    from_text(&["0", "1"], Quarantine::from_name)
}

fn pg_status() -> impl Strategy<Value = PgStatus> {
    from_text(&["up", "down", "unknown"], PgStatus::from_name)
}

fn replication_state() -> impl Strategy<Value = ReplicationState> {
    from_text(
        &["streaming", "startup", "catchup", "backup", "stopping"],
        ReplicationState::from_name,
    )
}

fn sync_state() -> impl Strategy<Value = SyncState> {
    from_text(
        &["async", "sync", "potential", "quorum"],
        SyncState::from_name,
    )
}

fn process_status() -> impl Strategy<Value = ProcessStatus> {
    from_text(
        &[
            "Wait for connection",
            "Execute command",
            "Idle",
            "Idle in transaction",
            "Connecting",
        ],
        ProcessStatus::from_name,
    )
}

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------

fn node_selector() -> impl Strategy<Value = NodeSelector> {
    prop_oneof![
        Just(NodeSelector::All),
        any::<u32>().prop_map(NodeSelector::Id)
    ]
}

fn shutdown_mode() -> impl Strategy<Value = ShutdownMode> {
    prop_oneof![
        Just(ShutdownMode::Smart),
        Just(ShutdownMode::Fast),
        Just(ShutdownMode::Immediate)
    ]
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Scope::Local), Just(Scope::Cluster)]
}

/// Every request variant, with values the encoder accepts (non-empty user shorter than 128
/// bytes, payload within 255 bytes, no NUL).
fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::Salt),
        ("[^\u{0}]{1,40}", "[0-9a-f]{0,32}")
            .prop_filter("user < 128 bytes", |(u, _)| u.len() < 128)
            .prop_map(|(user, hash)| Request::Authenticate { user, hash }),
        Just(Request::NodeCount),
        node_selector().prop_map(|node| Request::NodeInfo { node }),
        any::<u32>().prop_map(|node| Request::HealthCheckStats { node }),
        Just(Request::ProcessCount),
        any::<u32>().prop_map(|pid| Request::ProcessInfo { pid }),
        Just(Request::PoolStatus),
        node_selector().prop_map(|node| Request::WatchdogInfo { node }),
        any::<u32>().prop_map(|node| Request::AttachNode { node }),
        (any::<u32>(), any::<bool>())
            .prop_map(|(node, graceful)| Request::DetachNode { node, graceful }),
        (any::<u32>(), any::<bool>(), any::<bool>()).prop_map(|(node, graceful, switchover)| {
            Request::PromoteNode {
                node,
                graceful,
                switchover,
            }
        }),
        any::<u32>().prop_map(|node| Request::RecoverNode { node }),
        (shutdown_mode(), scope()).prop_map(|(mode, scope)| Request::StopPgpool { mode, scope }),
        scope().prop_map(|scope| Request::ReloadConfig { scope }),
        scope().prop_map(|scope| Request::LogRotate { scope }),
        Just(Request::InvalidateQueryCache),
        ("[^\u{0}]{1,60}", "[^\u{0}]{0,20}")
            .prop_map(|(name, value)| Request::SetParameter { name, value }),
        Just(Request::Noop),
        Just(Request::Terminate),
    ]
}

// ---------------------------------------------------------------------------------------------
// Replies, generated consistently with each layout.
// ---------------------------------------------------------------------------------------------

fn node_info_layout() -> impl Strategy<Value = NodeInfoLayout> {
    prop_oneof![
        Just(NodeInfoLayout::V4_0),
        Just(NodeInfoLayout::V4_1),
        Just(NodeInfoLayout::V4_3),
        Just(NodeInfoLayout::V4_4),
    ]
}

fn node_info(layout: NodeInfoLayout) -> impl Strategy<Value = NodeInfo> {
    let multi = layout.is_multi_packet();
    let since_4_1 = layout != NodeInfoLayout::V4_0;
    let v4_4 = layout == NodeInfoLayout::V4_4;
    // 4.4 always carries quarantine; older layouts may predate it.
    let quarantine = if v4_4 {
        quarantine().prop_map(Some).boxed()
    } else {
        option::of(quarantine()).boxed()
    };
    let delay = if v4_4 {
        prop_oneof![
            any::<u64>().prop_map(ReplicationDelay::Bytes),
            any::<u64>().prop_map(|us| ReplicationDelay::Time(Duration::from_micros(us))),
        ]
        .boxed()
    } else {
        any::<u64>().prop_map(ReplicationDelay::Bytes).boxed()
    };
    let states = if since_4_1 {
        (option::of(replication_state()), option::of(sync_state())).boxed()
    } else {
        Just((None, None)).boxed()
    };
    let live = if multi {
        (pg_status().prop_map(Some), role_name().prop_map(Some)).boxed()
    } else {
        Just((None, None)).boxed()
    };
    let extra = if v4_4 {
        vec(text(), 0..3).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        (text(), any::<u16>(), backend_status(), quarantine),
        (live, six_decimals(), role_code(), delay, states),
        (any::<u64>(), extra),
    )
        .prop_map(
            |(
                (hostname, port, status, quarantine),
                ((pg_status, pg_role), weight, role, replication_delay, states),
                (time, extra),
            )| NodeInfo {
                hostname,
                port,
                status,
                quarantine,
                pg_status,
                weight: Weight { raw: weight },
                role,
                pg_role,
                replication_delay,
                replication_state: states.0,
                replication_sync_state: states.1,
                status_changed: UnixTime(time),
                extra,
            },
        )
}

fn node_info_reply() -> impl Strategy<Value = NodeInfoReply> {
    node_info_layout().prop_flat_map(|layout| {
        // Single-packet layouts carry one node; an empty 4.3+ array reveals no layout.
        let count = if layout.is_multi_packet() { 1..5 } else { 1..2 };
        vec(node_info(layout), count).prop_map(move |nodes| NodeInfoReply { nodes, layout })
    })
}

fn process_info_layout() -> impl Strategy<Value = ProcessInfoLayout> {
    prop_oneof![
        Just(ProcessInfoLayout::V4_0),
        Just(ProcessInfoLayout::V4_3),
        Just(ProcessInfoLayout::V4_5),
        Just(ProcessInfoLayout::V4_7),
    ]
}

fn process_info_v4_0() -> impl Strategy<Value = ProcessInfo> {
    (
        (any::<u32>(), text(), text(), any::<u64>(), any::<u64>()),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (pid, database, username, start, create),
                (major, minor, counter, backend_id, backend_pid, connected),
            )| ProcessInfo {
                pid: Some(pid),
                start_time: Some(Timestamp::Unix(UnixTime(start))),
                start_time_note: None,
                client_connection_count: None,
                pool_id: None,
                backend_id: Some(backend_id),
                database,
                username,
                backend_connection_time: Some(Timestamp::Unix(UnixTime(create))),
                client_connection_time: None,
                client_disconnection_time: None,
                client_idle_seconds: None,
                client_idle_note: None,
                major: Some(major),
                minor: Some(minor),
                pool_counter: Some(counter),
                backend_pid: Some(backend_pid),
                connected: Some(connected),
                status: None,
                load_balance_node: None,
                client_host: None,
                client_port: None,
                statement: None,
                extra: Vec::new(),
            },
        )
}

/// A time with an optional note (the note only exists after a time).
fn time_and_note() -> impl Strategy<Value = (Option<LocalDateTime>, Option<String>)> {
    option::of((local_time(), option::of(non_empty_text())))
        .prop_map(|t| t.map_or((None, None), |(time, note)| (Some(time), note)))
}

fn seconds_and_note() -> impl Strategy<Value = (Option<u64>, Option<String>)> {
    option::of((any::<u64>(), option::of(non_empty_text())))
        .prop_map(|t| t.map_or((None, None), |(secs, note)| (Some(secs), note)))
}

fn process_info_text(layout: ProcessInfoLayout) -> impl Strategy<Value = ProcessInfo> {
    let lb = if layout == ProcessInfoLayout::V4_3 {
        Just(None).boxed()
    } else {
        option::of(any::<bool>()).boxed()
    };
    let client = if layout == ProcessInfoLayout::V4_7 {
        (
            option::of(non_empty_text()),
            option::of(non_empty_text()),
            option::of(non_empty_text()),
            vec(text(), 0..3),
        )
            .boxed()
    } else {
        Just((None, None, None, Vec::new())).boxed()
    };
    (
        (any::<u32>(), time_and_note(), option::of(any::<u64>())),
        (
            option::of(any::<u32>()),
            option::of(any::<u32>()),
            text(),
            text(),
        ),
        (
            option::of(local_time()),
            option::of(local_time()),
            option::of(local_time()),
            seconds_and_note(),
        ),
        (
            option::of(any::<u32>()),
            option::of(any::<u32>()),
            option::of(any::<u64>()),
            option::of(any::<u32>()),
            option::of(any::<bool>()),
            option::of(process_status()),
        ),
        (lb, client),
    )
        .prop_map(
            |(
                (pid, (start, start_note), connection_count),
                (pool_id, backend_id, database, username),
                (backend_time, client_time, disconnection_time, (idle, idle_note)),
                (major, minor, pool_counter, backend_pid, connected, status),
                (load_balance_node, (client_host, client_port, statement, extra)),
            )| ProcessInfo {
                pid: Some(pid),
                start_time: start.map(Timestamp::Local),
                start_time_note: start_note,
                client_connection_count: connection_count,
                pool_id,
                backend_id,
                database,
                username,
                backend_connection_time: backend_time.map(Timestamp::Local),
                client_connection_time: client_time,
                client_disconnection_time: disconnection_time,
                client_idle_seconds: idle,
                client_idle_note: idle_note,
                major,
                minor,
                pool_counter,
                backend_pid,
                connected,
                status,
                load_balance_node,
                client_host,
                client_port,
                statement,
                extra,
            },
        )
}

fn process_info(layout: ProcessInfoLayout) -> BoxedStrategy<ProcessInfo> {
    if layout == ProcessInfoLayout::V4_0 {
        process_info_v4_0().boxed()
    } else {
        process_info_text(layout).boxed()
    }
}

fn process_info_reply() -> impl Strategy<Value = ProcessInfoReply> {
    process_info_layout().prop_flat_map(|layout| {
        vec(process_info(layout), 1..5).prop_map(move |processes| ProcessInfoReply {
            processes,
            layout: Some(layout),
        })
    })
}

fn health_check_stats() -> impl Strategy<Value = HealthCheckStats> {
    (
        (
            any::<u32>(),
            text(),
            any::<u16>(),
            status_name(),
            role_name(),
        ),
        option::of(local_time()),
        (
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
        ),
        (
            six_decimals(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            six_decimals(),
        ),
        (
            option::of(local_time()),
            option::of(local_time()),
            option::of(local_time()),
            option::of(local_time()),
        ),
    )
        .prop_map(
            |(
                (node_id, hostname, port, status, role),
                last_status_change,
                (total_count, success_count, fail_count, skip_count, retry_count),
                (average_retry_count, max_retry_count, max_ms, min_ms, average_ms),
                (last, last_ok, last_skip, last_failed),
            )| HealthCheckStats {
                node_id,
                hostname,
                port,
                status,
                role,
                last_status_change,
                total_count,
                success_count,
                fail_count,
                skip_count,
                retry_count,
                average_retry_count,
                max_retry_count,
                max_duration_ms: max_ms,
                min_duration_ms: min_ms,
                average_duration_ms: average_ms,
                last_health_check: last,
                last_successful_health_check: last_ok,
                last_skip_health_check: last_skip,
                last_failed_health_check: last_failed,
            },
        )
}

fn config_items() -> impl Strategy<Value = Vec<ConfigItem>> {
    vec(
        (text(), text(), text()).prop_map(|(name, value, description)| ConfigItem {
            name,
            value,
            description,
        }),
        0..6,
    )
}

/// JSON values that survive a text round trip exactly (no floats).
fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ]
}

/// Unknown keys: prefixed so they never collide with the keys the decoder reads.
fn json_extra() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map("X[A-Za-z0-9]{0,6}", json_value(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

#[derive(Debug, Clone, Copy)]
enum WdKeys {
    Master,
    V4_2,
    V4_3,
    Lifecheck,
}

fn watchdog_node(keys: WdKeys) -> impl Strategy<Value = WatchdogNode> {
    let membership = match keys {
        WdKeys::Master | WdKeys::V4_2 => Just((None, None)).boxed(),
        WdKeys::V4_3 | WdKeys::Lifecheck => (any::<i64>(), text())
            .prop_map(|(m, s)| (Some(m), Some(s)))
            .boxed(),
    };
    let lifecheck = match keys {
        WdKeys::Lifecheck => any::<bool>().prop_map(Some).boxed(),
        _ => Just(None).boxed(),
    };
    (
        (
            any::<i64>(),
            (-2i64..14).prop_map(WatchdogState::from_code),
            membership,
        ),
        (text(), text(), text(), text()),
        (
            any::<i64>(),
            any::<i64>(),
            any::<i64>(),
            lifecheck,
            json_extra(),
        ),
    )
        .prop_map(
            |(
                (id, state, (membership, membership_string)),
                (node_name, host_name, state_name, delegate_ip),
                (wd_port, pgpool_port, priority, lifecheck_started, extra),
            )| WatchdogNode {
                id,
                state,
                membership,
                membership_string,
                node_name,
                host_name,
                state_name,
                delegate_ip,
                wd_port,
                pgpool_port,
                priority,
                lifecheck_started,
                extra,
            },
        )
}

fn watchdog_info() -> impl Strategy<Value = WatchdogInfo> {
    prop_oneof![
        Just(WdKeys::Master),
        Just(WdKeys::V4_2),
        Just(WdKeys::V4_3),
        Just(WdKeys::Lifecheck)
    ]
    .prop_flat_map(|keys| {
        let quorum_members = match keys {
            WdKeys::Master | WdKeys::V4_2 => Just((None, None)).boxed(),
            _ => (any::<i64>(), any::<i64>())
                .prop_map(|(a, b)| (Some(a), Some(b)))
                .boxed(),
        };
        // A Lifecheck document needs at least one node to show the key.
        let nodes = match keys {
            WdKeys::Lifecheck => vec(watchdog_node(keys), 1..4).boxed(),
            _ => vec(watchdog_node(keys), 0..4).boxed(),
        };
        (
            (
                any::<i64>(),
                quorum_members,
                (-3i64..3).prop_map(QuorumStatus::from_code),
            ),
            (any::<i64>(), any::<bool>(), text(), text()),
            (any::<i64>(), nodes, json_extra()),
        )
            .prop_map(
                move |(
                    (remote, (members, required), quorum_status),
                    (alive, escalated, leader_node_name, leader_host_name),
                    (node_count, nodes, extra),
                )| WatchdogInfo {
                    remote_node_count: remote,
                    member_remote_node_count: members,
                    nodes_required_for_quorum: required,
                    quorum_status,
                    alive_node_count: alive,
                    escalated,
                    leader_node_name,
                    leader_host_name,
                    master_keys: matches!(keys, WdKeys::Master),
                    node_count,
                    nodes,
                    extra,
                },
            )
    })
}

/// A bare completion: every command whose reply is only `CommandComplete`.
fn complete_command() -> impl Strategy<Value = Command> {
    proptest::sample::select(vec![
        Command::AttachNode,
        Command::DetachNode,
        Command::PromoteNode,
        Command::RecoverNode,
        Command::StopPgpool,
        Command::ReloadConfig,
        Command::LogRotate,
        Command::InvalidateQueryCache,
        Command::SetParameter,
    ])
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(Reply::Salt),
        Just(Reply::AuthenticationOk),
        any::<u32>().prop_map(Reply::NodeCount),
        node_info_reply().prop_map(Reply::NodeInfo),
        health_check_stats().prop_map(Reply::HealthCheckStats),
        vec(any::<u32>(), 0..8).prop_map(Reply::ProcessCount),
        process_info_reply().prop_map(Reply::ProcessInfo),
        config_items().prop_map(Reply::PoolStatus),
        watchdog_info().prop_map(Reply::WatchdogInfo),
        complete_command().prop_map(Reply::Complete),
    ]
}

fn command_of(reply: &Reply) -> Command {
    match reply {
        Reply::Salt(_) => Command::Salt,
        Reply::AuthenticationOk => Command::Authenticate,
        Reply::NodeCount(_) => Command::NodeCount,
        Reply::NodeInfo(_) => Command::NodeInfo,
        Reply::HealthCheckStats(_) => Command::HealthCheckStats,
        Reply::ProcessCount(_) => Command::ProcessCount,
        Reply::ProcessInfo(_) => Command::ProcessInfo,
        Reply::PoolStatus(_) => Command::PoolStatus,
        Reply::WatchdogInfo(_) => Command::WatchdogInfo,
        Reply::Complete(command) => *command,
        other => panic!("no command known for {other:?}"),
    }
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    (
        proptest::sample::select(vec![
            "ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "INFO", "LOG", "DEBUG",
        ]),
        option::of("[A-Z0-9]{5}"),
        ascii_text(40),
        option::of(ascii_text(40)),
        option::of(ascii_text(20)),
        option::of("[a-z_]{1,12}\\.c"),
        option::of("[0-9]{1,5}"),
    )
        .prop_map(
            |(severity, code, message, detail, hint, file, line)| ServerMessage {
                severity: Severity::from_name(severity),
                code,
                message,
                detail,
                hint,
                file,
                line,
            },
        )
}

fn wire_of(reply: &Reply) -> Vec<u8> {
    let mut buf = BytesMut::new();
    reply.encode(&mut buf).expect("generated replies encode");
    buf.to_vec()
}

/// Ascending cut points inside `0..=len`.
fn cuts(len: usize, raw: &[usize]) -> Vec<usize> {
    let mut cuts: Vec<usize> = raw.iter().map(|c| c % (len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn request_encode_decode_is_identity(req in request()) {
        let mut buf = BytesMut::new();
        req.encode(&mut buf).expect("generated requests encode");
        let total = buf.len();
        let frame = FrameDecoder::new().decode(&mut buf).unwrap().expect("one whole frame");
        prop_assert!(buf.is_empty(), "the frame uses all {} bytes", total);
        prop_assert_eq!(frame.tag, req.tag());
        prop_assert!(frame.payload.len() <= pcp_proto::SERVER_MAX_PAYLOAD);
        prop_assert_eq!(Request::decode(&frame), Ok(req));
    }

    #[test]
    fn server_message_encode_decode_is_identity(msg in server_message()) {
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
        prop_assert_eq!(frame.tag, if msg.is_error() { b'E' } else { b'N' });
        prop_assert_eq!(ServerMessage::decode(&frame.payload), msg);
    }

    #[test]
    fn server_message_decode_never_panics(payload in vec(any::<u8>(), 0..200)) {
        let msg = ServerMessage::decode(&payload);
        // Whatever was read came from the payload.
        prop_assert!(msg.message.len() <= payload.len() * 3);
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn reply_encode_decode_is_identity(reply in reply(), raw_cuts in vec(any::<usize>(), 0..4)) {
        let wire = wire_of(&reply);
        let command = command_of(&reply);
        let whole = decode_whole(AnyReader::new(command), &wire);
        prop_assert_eq!(&whole.outcome, &Ok(Progress::Done(Ok(reply.clone()))));
        prop_assert_eq!(whole.consumed, wire.len());
        // Split at arbitrary points: the same result.
        let pieces = decode_pieces(AnyReader::new(command), &wire, &cuts(wire.len(), &raw_cuts));
        prop_assert_eq!(pieces, whole);
    }

    #[test]
    fn reply_with_notices_decodes_the_same(
        reply in reply(),
        notices in vec(server_message().prop_map(|mut m| { m.severity = Severity::Notice; m }), 0..3),
        raw_cuts in vec(any::<usize>(), 0..4),
    ) {
        // Notices interleaved after every frame of the reply change nothing but the notice list.
        let plain = wire_of(&reply);
        let mut wire = Vec::new();
        let mut expected_notices = Vec::new();
        let boundaries = frame_boundaries(&plain);
        for (i, pair) in boundaries.windows(2).enumerate() {
            if let Some(n) = notices.get(i) {
                let mut buf = BytesMut::new();
                n.encode(&mut buf).unwrap();
                wire.extend_from_slice(&buf);
                expected_notices.push(n.clone());
            }
            wire.extend_from_slice(&plain[pair[0]..pair[1]]);
        }
        let command = command_of(&reply);
        let pieces = decode_pieces(AnyReader::new(command), &wire, &cuts(wire.len(), &raw_cuts));
        prop_assert_eq!(pieces.outcome, Ok(Progress::Done(Ok(reply))));
        prop_assert_eq!(pieces.notices, expected_notices);
        prop_assert_eq!(pieces.consumed, wire.len());
    }
}

/// Building blocks for byte soups that look like PCP: plausible tags, markers and fields.
fn soup_frame() -> impl Strategy<Value = Vec<u8>> {
    let tag = proptest::sample::select(b"mrlihnpbwcdtzvgaENxX".to_vec());
    let field = prop_oneof![
        proptest::sample::select(vec![
            "CommandComplete",
            "ArraySize",
            "NodeInfo",
            "ProcessInfo",
            "ProcessConfig",
            "AuthenticationOK",
            "0",
            "1",
            "-1",
            "",
            "2026-11-25 17:45:42",
            "1073741823.500000",
            "{\"a\":1}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        vec(any::<u8>(), 0..12),
    ];
    let body = prop_oneof![
        vec(field, 0..24).prop_map(|fields| {
            let mut out = Vec::new();
            for f in fields {
                out.extend_from_slice(&f);
                out.push(0);
            }
            out
        }),
        vec(any::<u8>(), 0..40),
    ];
    (tag, body, any::<u8>()).prop_map(|(tag, body, lie)| {
        let mut framed = raw_frame(tag, &body);
        // Sometimes the length word lies.
        if lie < 16 {
            framed[4] = framed[4].wrapping_add(lie).wrapping_sub(8);
        }
        framed
    })
}

fn soup() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..256),
        vec(soup_frame(), 0..12).prop_map(|frames| frames.concat()),
        (vec(soup_frame(), 0..8), vec(any::<u8>(), 0..16)).prop_map(|(frames, tail)| [
            frames.concat(),
            tail
        ]
        .concat()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic_nor_overconsume(
        bytes in soup(),
        max_len in prop_oneof![Just(pcp_proto::DEFAULT_MAX_FRAME_LEN), 4usize..64],
        raw_cuts in vec(any::<usize>(), 0..3),
    ) {
        let decoder = FrameDecoder::with_max_len(max_len);
        for command in COMMANDS {
            let mut feed = Feed::with_decoder(AnyReader::new(command), decoder);
            let whole = feed.push(&bytes);
            prop_assert!(feed.consumed <= bytes.len());
            prop_assert_eq!(feed.consumed + feed.buffered(), bytes.len());

            let mut pieces = Feed::with_decoder(AnyReader::new(command), decoder);
            let mut from = 0;
            let mut last = Ok(Progress::NeedMore);
            for cut in cuts(bytes.len(), &raw_cuts).into_iter().chain([bytes.len()]) {
                last = pieces.push(&bytes[from..cut]);
                from = cut;
            }
            prop_assert_eq!(last, whole, "{}", command);
            prop_assert_eq!(pieces.consumed, feed.consumed);
        }
    }

    #[test]
    fn arbitrary_request_frames_never_panic(tag in any::<u8>(), payload in vec(any::<u8>(), 0..64)) {
        let frame = pcp_proto::Frame::new(tag, payload);
        if let Ok(req) = Request::decode(&frame) {
            // Whatever decodes and re-encodes decodes to the same request.
            let mut buf = BytesMut::new();
            if req.encode(&mut buf).is_ok() {
                let again = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
                prop_assert_eq!(Request::decode(&again), Ok(req));
            }
        }
    }

    #[test]
    fn exchange_handles_any_frame_sequence(
        frames in vec((proptest::sample::select(b"mrlihnpbwcdtzvgaENQ".to_vec()), vec(any::<u8>(), 0..48)), 0..8),
    ) {
        for command in COMMANDS {
            let mut ex = Exchange::new(AnyReader::new(command));
            let mut finished = false;
            for (tag, payload) in &frames {
                let result = ex.handle_frame(&pcp_proto::Frame::new(*tag, payload.clone()));
                if finished {
                    prop_assert_eq!(result, Err(pcp_proto::DecodeError::AfterCompletion));
                } else if let Ok(Progress::Done(_)) = result {
                    finished = true;
                }
            }
        }
    }
}

/// Node info with any combination of optional parts, whatever the layout says.
fn loose_node_info() -> impl Strategy<Value = NodeInfo> {
    (
        node_info(NodeInfoLayout::V4_4),
        option::of(quarantine()),
        vec(text(), 0..3),
    )
        .prop_map(|(mut node, quarantine, extra)| {
            node.quarantine = quarantine;
            node.extra = extra;
            node.replication_delay = ReplicationDelay::Bytes(7);
            node
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// The encoder never writes a record that reads back as another layout: field counts
    /// decide the layout, so a record the layout cannot carry (trailing fields before 4.4, no
    /// quarantine in 4.4) must be refused rather than shift every field after it.
    #[test]
    fn node_info_encoding_never_changes_the_layout(
        node in loose_node_info(),
        layout in node_info_layout(),
    ) {
        let reply = NodeInfoReply { nodes: vec![node.clone()], layout };
        let mut buf = BytesMut::new();
        if reply.encode(&mut buf).is_ok() {
            let decoded = decode_whole(AnyReader::new(Command::NodeInfo), &buf);
            let Ok(Progress::Done(Ok(Reply::NodeInfo(decoded)))) = decoded.outcome else {
                return Err(TestCaseError::fail(format!("{:?}", decoded.outcome)));
            };
            prop_assert_eq!(decoded.layout, layout);
            prop_assert_eq!(&decoded.nodes[0].quarantine, &node.quarantine);
            prop_assert_eq!(&decoded.nodes[0].extra, &node.extra);
            prop_assert_eq!(&decoded.nodes[0].hostname, &node.hostname);
            prop_assert_eq!(decoded.nodes[0].status_changed, node.status_changed);
        }
    }
}
