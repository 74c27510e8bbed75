//! The client against pcp-testkit's fake server: every command, the login, errors, faults,
//! reconnecting, pipelining, old-server handling, `.pcppass`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use pcp_client::proto::{
    NodeInfoLayout, NodeSelector, ProcessInfoLayout, Reply, Request, Scope, Severity, ShutdownMode,
    Version, WatchdogState,
};
use pcp_client::{Client, Config, Endpoint, EndpointSelection, ErrorKind, PasswordSource};
use pcp_testkit::model::{error, notice};
use pcp_testkit::{Action, FakeServer, Model};

fn v(major: u8, minor: u8) -> Version {
    Version::new(major, minor)
}

/// A config for `server` with its credentials and no `.pcppass`.
fn config_for(server: &FakeServer) -> Config {
    let mut config = common::fake_server(server);
    config
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(5)));
    config
}

async fn connect(server: &FakeServer) -> Client {
    config_for(server).connect().await.expect("connect")
}

#[tokio::test]
async fn login_succeeds_and_sends_salt_then_hash() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    assert_eq!(client.node_count().await.unwrap(), 3);
    let seen: String = server
        .seen()
        .iter()
        .map(|s| char::from(s.request.tag()))
        .collect();
    assert_eq!(seen, "MRL");
    assert_eq!(
        client.endpoint(),
        Some(&Endpoint::tcp("127.0.0.1", server.port()))
    );
    client.close().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.request_tags(), "LX");
}

#[tokio::test]
async fn bad_password_is_an_authentication_error() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut config = config_for(&server);
    config.password("wrong-password-xyz");
    let err = config.connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert!(err.is_fatal());
    let server_msg = err.as_server_error().expect("server message");
    assert_eq!(server_msg.severity, Severity::Fatal);
    assert!(server_msg.message.contains("authentication failed"));
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wrong-password-xyz"), "{text}");
    assert!(text.contains("pcpadmin"), "{text}");

    let mut config = config_for(&server);
    config.user("nobody");
    let err = config.connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
}

#[tokio::test]
async fn every_command_returns_typed_results() {
    let model = Model::new(v(4, 6)).with_watchdog(3, WatchdogState::Leader);
    let server = FakeServer::builder()
        .model(model.clone())
        .start()
        .await
        .unwrap();
    let mut client = connect(&server).await;

    assert_eq!(client.node_count().await.unwrap(), 3);
    let node0 = client.node_info(0).await.unwrap();
    assert_eq!(Some(node0.clone()), model.node_as_sent(0));
    assert_eq!(node0.hostname, "localhost");
    assert!(node0.role.is_primary());
    let all = client.node_info_all().await.unwrap();
    assert_eq!(all, model.node_info_reply(0..3));
    assert_eq!(all.layout, NodeInfoLayout::V4_4);
    let stats = client.health_check_stats(1).await.unwrap();
    assert_eq!(Some(stats), model.health_check_stats(1));
    assert_eq!(client.process_count().await.unwrap(), model.pids);
    let procs = client.process_info(None).await.unwrap();
    assert_eq!(procs, model.process_info_reply(0));
    assert_eq!(procs.layout, Some(ProcessInfoLayout::V4_5));
    let one = client.process_info(Some(model.pids[1])).await.unwrap();
    assert!(one.processes.iter().all(|p| p.pid == Some(model.pids[1])));
    let status = client.pool_status().await.unwrap();
    assert_eq!(status, model.pool_status());
    assert!(status.iter().any(|i| i.name == "backend_hostname0"));
    let wd = client.watchdog_info(NodeSelector::All).await.unwrap();
    assert_eq!(wd.nodes.len(), 3);
    assert_eq!(wd.nodes[0].state, WatchdogState::Leader);

    client.attach_node(1).await.unwrap();
    client.detach_node(1, false).await.unwrap();
    client.detach_node(1, true).await.unwrap();
    client.promote_node(1, false, false).await.unwrap();
    client.promote_node(2, true, true).await.unwrap();
    client.recover_node(2).await.unwrap();
    client.reload_config(Scope::Local).await.unwrap();
    client.log_rotate(Scope::Cluster).await.unwrap();
    client.invalidate_query_cache().await.unwrap();
    client
        .set_parameter("client_min_messages", "debug1")
        .await
        .unwrap();
    client
        .stop_pgpool(ShutdownMode::Fast, Scope::Local)
        .await
        .unwrap();
    assert_eq!(server.request_tags(), "LIIHNPPBWCDdJjOZVGAT");
    assert_eq!(server.connections(), 1);
    // Node info, process info, watchdog keys and health stats agree: 4.5–4.6 (4.4+ ∩ 4.5–4.6 ∩ 4.3+).
    let known = client.known_generation().unwrap();
    assert!(
        known.contains(v(4, 6)) && !known.contains(v(4, 4)),
        "{known}"
    );
}

#[tokio::test]
async fn every_layout_decodes_to_the_model() {
    for version in [
        v(4, 0),
        v(4, 1),
        v(4, 2),
        v(4, 3),
        v(4, 4),
        v(4, 5),
        v(4, 6),
        v(4, 7),
    ] {
        let model = Model::new(version);
        let server = FakeServer::builder()
            .model(model.clone())
            .start()
            .await
            .unwrap();
        let mut client = connect(&server).await;
        assert_eq!(
            client.node_info(2).await.ok(),
            model.node_as_sent(2),
            "{version}"
        );
        let all = client.node_info_all().await.unwrap();
        assert_eq!(all, model.node_info_reply(0..3), "{version}");
        let procs = client.process_info(None).await.unwrap();
        assert_eq!(procs, model.process_info_reply(0), "{version}");
        let known = client.known_generation().unwrap();
        assert!(known.contains(version), "{version} not in {known}");
    }
}

#[tokio::test]
async fn notices_before_and_after_a_reply_are_collected() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    server.push_script(vec![
        Action::Notice(notice(Severity::Notice, "first")),
        Action::Notice(notice(Severity::Warning, "second")),
        Action::Default,
        // A late notice after the reply, before the next command's reply.
        Action::Notice(notice(Severity::Debug, "late")),
    ]);
    assert_eq!(client.node_count().await.unwrap(), 3);
    let first: Vec<String> = client
        .take_notices()
        .into_iter()
        .map(|n| n.message)
        .collect();
    assert!(
        first.starts_with(&["first".to_owned(), "second".to_owned()]),
        "{first:?}"
    );
    assert_eq!(client.process_count().await.unwrap().len(), 4);
    let mut all = first;
    all.extend(client.take_notices().into_iter().map(|n| n.message));
    assert_eq!(all, ["first", "second", "late"]);
    assert!(client.take_notices().is_empty());
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn notices_are_bounded() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut config = config_for(&server);
    config.max_notices(2);
    let mut client = config.connect().await.unwrap();
    let mut script: Vec<Action> = (0..5)
        .map(|i| Action::Notice(notice(Severity::Notice, &format!("n{i}"))))
        .collect();
    script.push(Action::Default);
    server.push_script(script);
    client.node_count().await.unwrap();
    let kept: Vec<String> = client
        .take_notices()
        .into_iter()
        .map(|n| n.message)
        .collect();
    assert_eq!(kept, ["n3", "n4"]);
    assert_eq!(client.dropped_notices(), 3);
}

#[tokio::test]
async fn error_leaves_the_session_usable() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    let err = client.node_info(7).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(!err.is_fatal());
    let msg = err.as_server_error().unwrap();
    assert_eq!(msg.severity, Severity::Error);
    assert_eq!(msg.detail.as_deref(), Some("invalid node ID : 7"));
    assert!(err.to_string().contains("invalid node ID : 7"), "{err}");
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn fatal_closes_and_the_next_call_reconnects() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    // Promoting the primary is a FATAL in Pgpool.
    let err = client.promote_node(0, false, false).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.is_fatal());
    assert_eq!(err.as_server_error().unwrap().severity, Severity::Fatal);
    assert!(!client.is_connected());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 2);
    // The failed promote was not retried.
    assert_eq!(server.request_tags(), "JL");
}

#[tokio::test]
async fn disconnect_releases_the_session_and_the_next_call_reconnects() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    client.disconnect().await.unwrap();
    assert!(!client.is_connected());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.sessions_opened(), 2);
    assert_eq!(server.request_tags(), "XL");
}

#[tokio::test]
async fn a_session_closed_while_idle_is_replaced_before_sending() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    assert_eq!(client.node_count().await.unwrap(), 3);
    server.kill_connections();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A restarted Pgpool is picked up without an error.
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn eof_mid_reply_fails_the_call_without_retry() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    server.push_script(vec![
        Action::Raw(bytes::Bytes::from_static(b"l\x00\x00\x00\x16Command")),
        Action::Close,
    ]);
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(err.is_fatal());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.request_tags(), "LL");
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    server.push_script(vec![Action::Raw(bytes::Bytes::from_static(
        b"l\x00\x00\x00\x0cNonsense\x00\x00\x00\x00",
    ))]);
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(err.is_fatal());
    // A length word under 4 is refused from the header alone.
    server.push_script(vec![Action::Raw(bytes::Bytes::from_static(
        b"l\x00\x00\x00\x02",
    ))]);
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn slow_byte_by_byte_replies_are_read() {
    let server = FakeServer::start(v(4, 4)).await.unwrap();
    let mut client = connect(&server).await;
    server.push_script(vec![
        Action::Trickle(Duration::ZERO),
        Action::Notice(notice(Severity::Notice, "slow")),
        Action::Default,
    ]);
    let all = client.node_info_all().await.unwrap();
    assert_eq!(all.nodes.len(), 3);
    assert_eq!(client.take_notices().len(), 1);
}

#[tokio::test]
async fn request_timeout_against_a_silent_server() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut config = config_for(&server);
    config.request_timeout(Some(Duration::from_millis(200)));
    let mut client = config.connect().await.unwrap();
    server.push_script(vec![Action::Silence]);
    let started = std::time::Instant::now();
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_fatal());
    assert!(started.elapsed() < Duration::from_secs(3));
    // A reply that trickles in slower than the limit times out too.
    server.push_script(vec![
        Action::Trickle(Duration::from_millis(50)),
        Action::Default,
    ]);
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn long_requests_use_their_own_limit() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut config = config_for(&server);
    config
        .request_timeout(Some(Duration::from_millis(100)))
        .long_request_timeout(None);
    let mut client = config.connect().await.unwrap();
    server.push_script(vec![
        Action::Sleep(Duration::from_millis(300)),
        Action::Default,
    ]);
    client.recover_node(1).await.unwrap();
    // The overall limit still applies to long requests.
    let mut config = config_for(&server);
    config.overall_timeout(Some(Duration::from_millis(200)));
    let mut client = config.connect().await.unwrap();
    server.push_script(vec![Action::Hang]);
    let err = client.detach_node(1, true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("overall"), "{err}");
}

#[tokio::test]
async fn connect_timeout_when_the_login_is_never_answered() {
    let server = FakeServer::builder()
        .handler(|req, _| matches!(req, Request::Salt).then(|| vec![Action::Hang]))
        .start()
        .await
        .unwrap();
    let mut config = config_for(&server);
    config.connect_timeout(Duration::from_millis(200));
    let err = config.connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("authentication"), "{err}");
}

/// A fake server that closes the session without a word when it reads a request `at`
/// matches, as long as the returned counter (drops left) is above zero.
async fn dropping_server(
    at: fn(&Request) -> bool,
) -> (FakeServer, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let drops = std::sync::Arc::new(AtomicUsize::new(1));
    let left = std::sync::Arc::clone(&drops);
    let server = FakeServer::builder()
        .handler(move |req, _| {
            (at(req)
                && left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok())
            .then(|| vec![Action::Close])
        })
        .start()
        .await
        .unwrap();
    (server, drops)
}

#[tokio::test]
async fn a_login_dropped_without_a_word_is_retried_once() {
    use std::sync::atomic::Ordering;
    // As when Pgpool restarts its PCP listener after a failover: the first session is dropped.
    let (server, drops) = dropping_server(|req| matches!(req, Request::Salt)).await;
    let mut client = connect(&server).await;
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 2);
    // Dropped every time: the second failure is reported.
    drops.store(5, Ordering::SeqCst);
    let err = config_for(&server).connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn a_pipelined_login_dropped_without_a_word_is_retried_once() {
    use std::sync::atomic::Ordering;
    // The login goes with the first request; the session is dropped when the server reads
    // the login, so the request cannot have run: the client tries once more.
    let (server, drops) = dropping_server(|req| matches!(req, Request::Authenticate { .. })).await;
    let mut config = config_for(&server);
    config.pipeline_login(true);
    let mut client = config.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 2);
    assert_eq!(client.sessions_opened(), 2);
    // Dropped every time: the second failure is reported, as a lost session.
    drops.store(5, Ordering::SeqCst);
    let mut client = config.connect().await.unwrap();
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(!client.is_connected());
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn connect_timeout_when_syns_are_dropped() {
    // A listener whose accept queue is full drops further SYNs: connect() hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let mut config = Config::new();
    config
        .endpoint(Endpoint::tcp("127.0.0.1", addr.port()))
        .user("u")
        .password("p")
        .connect_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = config.connect().await.unwrap_err();
    // Where the kernel accepts anyway, the login times out instead; either way: Timeout.
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn endpoints_are_tried_in_order() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut multi = Config::new();
    multi
        .endpoint(Endpoint::tcp("127.0.0.1", closed_port))
        .endpoint(Endpoint::tcp("127.0.0.1", server.port()))
        .user(server.user())
        .password(server.password())
        .pcppass_file("/nonexistent");
    let mut client = multi.connect().await.unwrap();
    assert_eq!(
        client.endpoint(),
        Some(&Endpoint::tcp("127.0.0.1", server.port()))
    );
    assert_eq!(client.node_count().await.unwrap(), 3);

    // None reachable: one error naming every endpoint.
    let mut config = Config::new();
    config
        .endpoint(Endpoint::tcp("127.0.0.1", closed_port))
        .endpoint(Endpoint::unix("/nonexistent-dir", 1))
        .user("u")
        .password("p");
    let err = config.connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&closed_port.to_string()) && text.contains("/nonexistent-dir"),
        "{text}"
    );
}

#[tokio::test]
async fn prefer_watchdog_leader() {
    let standby = FakeServer::builder()
        .model(Model::new(v(4, 3)).with_watchdog(3, WatchdogState::Standby))
        .start()
        .await
        .unwrap();
    let leader = FakeServer::builder()
        .model(Model::new(v(4, 3)).with_watchdog(3, WatchdogState::Leader))
        .start()
        .await
        .unwrap();
    let no_watchdog = FakeServer::start(v(4, 3)).await.unwrap();
    let config = |servers: &[&FakeServer]| {
        let mut config = Config::new();
        for s in servers {
            config.endpoint(Endpoint::tcp("127.0.0.1", s.port()));
        }
        config
            .user("pcpadmin")
            .password("secret")
            .endpoint_selection(EndpointSelection::PreferWatchdogLeader);
        config
    };
    let client = config(&[&standby, &leader]).connect().await.unwrap();
    assert_eq!(client.endpoint().map(Endpoint::port), Some(leader.port()));
    // No leader among them: the first reachable one.
    let client = config(&[&no_watchdog, &standby]).connect().await.unwrap();
    assert_eq!(
        client.endpoint().map(Endpoint::port),
        Some(no_watchdog.port())
    );
    // In order: the first one, no watchdog question asked.
    let mut in_order = config(&[&standby, &leader]);
    in_order.endpoint_selection(EndpointSelection::InOrder);
    standby.clear_seen();
    let client = in_order.connect().await.unwrap();
    assert_eq!(client.endpoint().map(Endpoint::port), Some(standby.port()));
    assert!(
        !standby.request_tags().contains('W'),
        "{}",
        standby.request_tags()
    );
}

#[tokio::test]
async fn pipeline_answers_in_order() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    let requests = [
        Request::NodeCount,
        Request::NodeInfo {
            node: NodeSelector::Id(1),
        },
        Request::NodeInfo {
            node: NodeSelector::Id(7),
        },
        Request::ProcessCount,
        Request::PoolStatus,
        Request::Noop,
    ];
    let results = client.pipeline(&requests).await.unwrap();
    assert_eq!(results.len(), 6);
    assert!(matches!(results[0], Ok(Reply::NodeCount(3))));
    match &results[1] {
        Ok(Reply::NodeInfo(r)) => assert_eq!(r.nodes[0].hostname, "127.0.0.2"),
        other => panic!("{other:?}"),
    }
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(matches!(&results[3], Ok(Reply::ProcessCount(p)) if p.len() == 4));
    assert!(matches!(&results[4], Ok(Reply::PoolStatus(_))));
    assert_eq!(
        results[5].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(server.request_tags(), "LIINB");
    assert_eq!(server.connections(), 1);

    // A FATAL ends the pipeline: later requests are not run.
    server.clear_seen();
    let results = client
        .pipeline(&[
            Request::NodeCount,
            Request::PromoteNode {
                node: 0,
                graceful: false,
                switchover: false,
            },
            Request::ProcessCount,
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    assert!(results[1].as_ref().unwrap_err().is_fatal());
    assert_eq!(results[2].as_ref().unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(server.request_tags(), "LJ");
    assert_eq!(client.node_count().await.unwrap(), 3);
}

#[tokio::test]
async fn unsupported_commands_are_refused_without_sending() {
    for version in [v(4, 0), v(4, 2)] {
        let server = FakeServer::start(version).await.unwrap();
        let mut client = connect(&server).await;
        let node = client.node_info(0).await.unwrap();
        assert_eq!(node.hostname, "localhost");
        let err = client.log_rotate(Scope::Local).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        assert!(!err.is_fatal());
        let err = client.invalidate_query_cache().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        let results = client
            .pipeline(&[
                Request::LogRotate {
                    scope: Scope::Local,
                },
                Request::NodeCount,
            ])
            .await
            .unwrap();
        assert_eq!(
            results[0].as_ref().unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        assert!(results[1].is_ok());
        assert_eq!(server.request_tags(), "IL", "{version}: no V or G was sent");
        assert_eq!(server.connections(), 1);
    }
    // 4.0 layout: health check stats (4.2+) and cluster stop are refused as well.
    let server = FakeServer::start(v(4, 0)).await.unwrap();
    let mut client = connect(&server).await;
    assert_eq!(
        client.server_generation().await.unwrap().until,
        Some(v(4, 0))
    );
    let err = client.health_check_stats(0).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let err = client
        .stop_pgpool(ShutdownMode::Smart, Scope::Cluster)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(server.request_tags(), "I");
}

#[tokio::test]
async fn switchover_on_an_old_server_is_refused() {
    let server = FakeServer::start(v(4, 2)).await.unwrap();
    let mut client = connect(&server).await;
    let err = client.promote_node(1, false, true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(server.request_tags(), "I", "probed, then refused");
    client.promote_node(1, false, false).await.unwrap();
}

#[tokio::test]
async fn unknown_packet_fatal_maps_to_unsupported() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    // Nothing known yet: the request is sent and the server's FATAL comes back.
    let err = client.log_rotate(Scope::Local).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.is_fatal());
    assert!(err
        .as_server_error()
        .unwrap()
        .detail
        .as_deref()
        .unwrap()
        .contains("unknown PCP packet type"));
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn node_info_all_falls_back_on_old_servers() {
    let model = Model::new(v(4, 2));
    let server = FakeServer::builder()
        .model(model.clone())
        .start()
        .await
        .unwrap();
    let mut client = connect(&server).await;
    let all = client.node_info_all().await.unwrap();
    assert_eq!(all, model.node_info_reply(0..3));
    assert_eq!(all.layout, NodeInfoLayout::V4_1);
    assert_eq!(server.request_tags(), "ILIII");
    // Now the generation is known: no `I -1` any more.
    server.clear_seen();
    client.node_info_all().await.unwrap();
    assert_eq!(server.request_tags(), "LIII");
    assert_eq!(server.connections(), 1);

    // A 4.3+ server's ERROR on -1 is not hidden once the generation is known.
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let mut client = connect(&server).await;
    client.node_info(0).await.unwrap();
    server.push_script(vec![Action::Error(error(
        "informing node info failed",
        "boom",
    ))]);
    let err = client.node_info_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
}

#[tokio::test]
async fn unix_socket_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::builder()
        .unix_socket_dir(dir.path())
        .start()
        .await
        .unwrap();
    let mut unix = Config::new();
    unix.endpoint(Endpoint::unix(dir.path(), server.port()))
        .user("pcpadmin")
        .password("secret");
    let mut client = unix.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    // A host string starting with '/' is a socket directory.
    let mut config = Config::new();
    config
        .host(dir.path().to_str().unwrap(), server.port())
        .user("pcpadmin")
        .password("secret");
    let mut client = config.connect().await.unwrap();
    assert_eq!(client.process_count().await.unwrap().len(), 4);
}

#[tokio::test]
async fn connect_raw_over_an_in_memory_pipe() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let (ours, theirs) = tokio::io::duplex(64);
    server.attach(theirs);
    let mut config = Config::new();
    config.user("pcpadmin").password("secret");
    let mut client = pcp_client::connect_raw(ours, &config).await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.endpoint(), None);
    // Such a client cannot reconnect after a FATAL.
    let _ = client.promote_node(0, false, false).await.unwrap_err();
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
}

fn write_pcppass(dir: &std::path::Path, text: &str, mode: u32) -> std::path::PathBuf {
    let path = dir.join("pcppass");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[tokio::test]
async fn pcppass_supplies_the_password_only_with_safe_permissions() {
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "127.0.0.1:{}:otheruser:nope\n127.0.0.1:{}:pcpadmin:secret\n",
        server.port(),
        server.port()
    );
    let config = |path: &std::path::Path| {
        let mut config = Config::new();
        config
            .endpoint(Endpoint::tcp("127.0.0.1", server.port()))
            .user("pcpadmin")
            .pcppass_file(path);
        config
    };

    let path = write_pcppass(dir.path(), &text, 0o600);
    let lookup =
        config(&path).resolve_password(&Endpoint::tcp("127.0.0.1", server.port()), "pcpadmin");
    assert_eq!(lookup.source, PasswordSource::File(path.clone()));
    assert!(lookup.warnings.is_empty());
    let mut client = config(&path).connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert!(client.warnings().is_empty());

    let path = write_pcppass(dir.path(), &text, 0o644);
    let lookup =
        config(&path).resolve_password(&Endpoint::tcp("127.0.0.1", server.port()), "pcpadmin");
    assert_eq!(lookup.source, PasswordSource::NotFound);
    assert_eq!(lookup.warnings.len(), 1);
    assert!(
        lookup.warnings[0].contains("group or world access"),
        "{:?}",
        lookup.warnings
    );
    let err = config(&path).connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(err.to_string().contains("no password was given"), "{err}");

    // Not a regular file: ignored with a warning.
    let lookup = config(dir.path()).resolve_password(&Endpoint::tcp("127.0.0.1", 1), "pcpadmin");
    assert_eq!(lookup.warnings.len(), 1);
    assert!(lookup.warnings[0].contains("not a plain file"));

    // An explicit password wins over the file.
    let path = write_pcppass(dir.path(), &text, 0o600);
    let mut explicit = config(&path);
    explicit.password("other");
    let lookup = explicit.resolve_password(&Endpoint::tcp("127.0.0.1", server.port()), "pcpadmin");
    assert_eq!(lookup.source, PasswordSource::Explicit);
}

#[tokio::test]
async fn debug_output_never_shows_the_password() {
    let server = FakeServer::builder()
        .password("hunter2-secret")
        .start()
        .await
        .unwrap();
    let mut config = config_for(&server);
    config.password("hunter2-secret");
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    let client = config.connect().await.unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn clients_and_their_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let server = FakeServer::start(v(4, 3)).await.unwrap();
    let client = connect(&server).await;
    assert_send(&client);
    let handle = tokio::spawn(async move {
        let mut client = client;
        let all = client.node_info_all().await?;
        let results = client.pipeline(&[Request::NodeCount]).await?;
        client.close().await?;
        Ok::<_, pcp_client::Error>((all.nodes.len(), results.len()))
    });
    assert_eq!(handle.await.unwrap().unwrap(), (3, 1));
}

/// What the glue sends: pool status (`B`) and, for a role, health-check statistics (`H`) on
/// 4.2+ or node info (`I`) of that node before; never node info on 4.2+ (Pgpool 4.3+ probes
/// the backends for it). A dry run reads the same and sends nothing.
#[tokio::test]
async fn glue_reads_pgpool_memory_and_dry_run_sends_nothing() {
    use pcp_client::glue::ops::{GlueOptions, Target};
    use pcp_client::glue::policy::Outcome;
    // The requests, without the `X` that ends a session (it may arrive after the reply).
    let tags = |server: &FakeServer| server.request_tags().replace('X', "");

    for (version, role_read) in [
        (v(4, 3), "H"),
        (v(4, 2), "H"),
        (v(4, 1), "I"),
        (v(4, 0), "I"),
    ] {
        let server = FakeServer::start(version).await.unwrap();
        let mut client = connect(&server).await;
        let by_host = Target::Host("127.0.0.3".parse().unwrap());
        let dry = GlueOptions {
            dry_run: true,
            ..GlueOptions::default()
        };

        let report = client.detach(&by_host, false, &dry).await.unwrap();
        assert_eq!(report.outcome, Outcome::WouldApply, "{version}");
        assert_eq!((report.node, report.before.status.name()), (2, "up"));
        assert_eq!(tags(&server), "B", "{version}: dry detach");
        server.clear_seen();

        let report = client.attach(&by_host, &dry).await.unwrap();
        assert_eq!(report.outcome, Outcome::AlreadyApplied, "{version}");
        assert_eq!(tags(&server), "B", "{version}: attach of an up node");
        server.clear_seen();

        let report = client.promote(&by_host, false, false, &dry).await.unwrap();
        assert_eq!(report.outcome, Outcome::WouldApply, "{version}");
        assert_eq!(
            report.before.role.as_ref().map(|r| r.name()),
            Some("standby")
        );
        assert_eq!(tags(&server), format!("B{role_read}"), "{version}");
        server.clear_seen();

        let state = client.is_primary(&Target::Node(0)).await.unwrap();
        assert!(state.is_primary(), "{version}: {state:?}");
        assert_eq!(tags(&server), format!("B{role_read}"), "{version}");
        server.clear_seen();

        let report = client
            .detach(&by_host, false, &GlueOptions::default())
            .await
            .unwrap();
        assert_eq!(report.outcome, Outcome::Accepted, "{version}");
        assert_eq!(tags(&server), "BD", "{version}: detach");
        client.close().await.ok();
    }
}
