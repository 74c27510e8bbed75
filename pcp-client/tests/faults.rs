//! The client against every fault of `pcp_testkit::faults`: the right typed error within the
//! request timeout, no panic, no hang, bounded memory, and the connection marked dead exactly
//! when it must be (a dead one is replaced on the next call, a live one is kept).

mod common;

use std::time::{Duration, Instant};

use pcp_client::proto::{NodeSelector, Reply, Request};
use pcp_client::{Client, Config, ErrorKind};
use pcp_testkit::{Action, Expect, FakeServer, Fault, Model};

/// The per-request limit for these tests; timing faults last longer than this.
const LIMIT: Duration = Duration::from_secs(1);
/// Slack for scheduling on a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(1500);

fn config_for(server: &FakeServer) -> Config {
    let mut config = common::fake_server(server);
    config
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Some(LIMIT))
        .long_request_timeout(Some(LIMIT))
        .max_notices(64);
    config
}

fn kind_name(kind: ErrorKind) -> String {
    format!("{kind:?}")
}

async fn run_fault(fault: &Fault) {
    let server = FakeServer::builder()
        .model(Model::new(fault.version).with_watchdog(2, pcp_client::proto::WatchdogState::Leader))
        .start()
        .await
        .unwrap();
    let mut client = config_for(&server).connect().await.expect("connect");
    // A first call proves the session works before the fault.
    assert_eq!(client.node_count().await.unwrap(), 3, "{}", fault.name);
    server.push_script(fault.actions.clone());
    let started = Instant::now();
    let result = client.request(&fault.request).await;
    let took = started.elapsed();
    assert!(
        took < LIMIT + SLACK,
        "{}: took {took:?}, limit {LIMIT:?}",
        fault.name
    );
    match (fault.expect, result) {
        (Expect::Ok, Ok(_)) => {
            assert!(client.is_connected(), "{}", fault.name);
            let notices = client.take_notices();
            assert!(
                notices.len() <= 64,
                "{}: {} notices kept",
                fault.name,
                notices.len()
            );
            assert!(client.dropped_notices() > 0, "{}", fault.name);
        }
        (Expect::Ok, Err(e)) => panic!("{}: expected success, got {e}", fault.name),
        (Expect::Error { .. }, Ok(reply)) => {
            panic!("{}: expected an error, got {reply:?}", fault.name)
        }
        (Expect::Error { kind, fatal }, Err(e)) => {
            eprintln!(
                "fault {:<36} {:?} fatal={} in {:?}: {e}",
                fault.name,
                e.kind(),
                e.is_fatal(),
                took
            );
            assert_eq!(kind_name(e.kind()), kind, "{}: {e}", fault.name);
            assert_eq!(e.is_fatal(), fatal, "{}: is_fatal of {e}", fault.name);
            assert_eq!(
                client.is_connected(),
                !fatal,
                "{}: is_connected",
                fault.name
            );
            // The message is one line and names the command.
            let text = e.to_string();
            assert!(
                !text.is_empty() && !text.contains('\n'),
                "{}: {text:?}",
                fault.name
            );
            assert!(!text.contains(server.password()), "{}: {text}", fault.name);
        }
    }
    // The next call works: on the same connection when the session survived, on a new one
    // otherwise.
    let before = server.connections();
    assert_eq!(
        client.node_count().await.unwrap(),
        3,
        "{}: next call",
        fault.name
    );
    let reconnected = server.connections() - before;
    let expected_new = match fault.expect {
        Expect::Error { fatal: true, .. } => 1,
        _ => 0,
    };
    assert_eq!(reconnected, expected_new, "{}: new connections", fault.name);
}

/// Runs every fault, a few at a time (the timing faults each wait for the limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gives_the_right_typed_error_within_the_limit() {
    let faults = Fault::all();
    assert!(faults.len() >= 30);
    let mut tasks = tokio::task::JoinSet::new();
    for fault in faults {
        tasks.spawn(async move {
            run_fault(&fault).await;
            fault.name
        });
    }
    let mut done = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(name) => done.push(name),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(done.len(), Fault::all().len());
}

/// The long error field keeps its text and the garbage byte does not leak into other fields.
#[tokio::test]
async fn long_error_field_garbage_byte_is_ignored() {
    let server = FakeServer::start(pcp_client::proto::Version::new(4, 3))
        .await
        .unwrap();
    let mut client = config_for(&server).connect().await.unwrap();
    server.push_script(vec![Action::Raw(pcp_testkit::faults::long_field_error())]);
    let err = client
        .set_parameter("client_min_messages", "debug1")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    let msg = err.as_server_error().expect("server message");
    assert_eq!(msg.message, "PCP: set parameter failed");
    assert_eq!(msg.detail.as_deref().map(str::len), Some(255));
    assert!(!err.is_fatal());
    assert!(client.is_connected());
}

/// A length word of 2^31-1 is refused from the header: the client neither waits for 2 GiB nor
/// allocates them, and a smaller `max_frame_len` is honoured too.
#[tokio::test]
async fn oversized_frames_are_refused_from_the_header() {
    let server = FakeServer::start(pcp_client::proto::Version::new(4, 3))
        .await
        .unwrap();
    let mut config = config_for(&server);
    config.max_frame_len(1024);
    let mut client = config.connect().await.unwrap();
    server.push_script(vec![
        Action::Raw(pcp_testkit::faults::header(b'l', 2048)),
        Action::Hang,
    ]);
    let started = Instant::now();
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(started.elapsed() < LIMIT, "refused before the timeout");
    assert!(err.is_fatal());
}

/// Each command kind in a pipeline: a fault in the middle fails the rest as `Closed` and the
/// client recovers on the next call.
#[tokio::test]
async fn fault_in_a_pipeline_fails_the_rest_and_recovers() {
    let server = FakeServer::start(pcp_client::proto::Version::new(4, 4))
        .await
        .unwrap();
    let mut client = config_for(&server).connect().await.unwrap();
    server.push_script(vec![Action::Default]);
    server.push_script(vec![Action::Raw(pcp_testkit::faults::header(b'l', 2))]);
    let results = client
        .pipeline(&[
            Request::NodeCount,
            Request::NodeCount,
            Request::NodeInfo {
                node: NodeSelector::All,
            },
        ])
        .await
        .unwrap();
    assert!(matches!(results[0], Ok(Reply::NodeCount(3))));
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::Protocol);
    assert!(results[2].is_err());
    assert_eq!(client.node_count().await.unwrap(), 3);
}

/// A server that trickles an endless stream of notices cannot keep a call alive past its
/// overall limit, and the notices kept stay bounded.
#[tokio::test]
async fn endless_notices_end_at_the_limit_with_bounded_memory() {
    let server = FakeServer::start(pcp_client::proto::Version::new(4, 3))
        .await
        .unwrap();
    let mut client: Client = config_for(&server).connect().await.unwrap();
    let mut actions = Vec::new();
    for _ in 0..400 {
        actions.push(Action::Raw(pcp_testkit::faults::notice_flood(50)));
        actions.push(Action::Sleep(Duration::from_millis(10)));
    }
    actions.push(Action::Default);
    server.push_script(actions);
    let started = Instant::now();
    let err = client.node_count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < LIMIT + SLACK);
    assert!(client.take_notices().len() <= 64);
}
