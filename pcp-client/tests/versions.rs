//! Every command against the fake server in each release's formats (4.0 … 4.7 and master):
//! the typed values are the model's, and commands a release lacks fail as `Unsupported`,
//! whether the client already knows the release (refused without sending) or not (the
//! server's "unknown PCP packet type" FATAL).

mod common;

use std::time::Duration;

use pcp_client::proto::{NodeSelector, Scope, ShutdownMode, Version, WatchdogState};
use pcp_client::{Client, ErrorKind, Result};
use pcp_testkit::{FakeServer, Model};

/// Every release line with its own formats; master is 4.8devel.
pub const VERSIONS: [(&str, Version); 9] = [
    ("4.0", Version::new(4, 0)),
    ("4.1", Version::new(4, 1)),
    ("4.2", Version::new(4, 2)),
    ("4.3", Version::new(4, 3)),
    ("4.4", Version::new(4, 4)),
    ("4.5", Version::new(4, 5)),
    ("4.6", Version::new(4, 6)),
    ("4.7", Version::new(4, 7)),
    ("master", Version::new(4, 8)),
];

async fn client_for(server: &FakeServer) -> Client {
    let mut config = common::fake_server(server);
    config.request_timeout(Some(Duration::from_secs(5)));
    config.connect().await.expect("connect")
}

fn expect_since<T: std::fmt::Debug>(name: &str, version: Version, since: Version, r: Result<T>) {
    if version >= since {
        if let Err(e) = r {
            panic!("{name} on {version}: {e}");
        }
    } else {
        let e = r.expect_err(&format!("{name} on {version} must be unsupported"));
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{name} on {version}: {e}");
    }
}

#[tokio::test]
async fn every_command_in_every_release_format() {
    for (label, version) in VERSIONS {
        let model = Model::new(version).with_watchdog(3, WatchdogState::Leader);
        let server = FakeServer::builder()
            .model(model.clone())
            .start()
            .await
            .unwrap();
        let mut c = client_for(&server).await;

        assert_eq!(c.node_count().await.unwrap(), 3, "{label}");
        for id in 0..3 {
            assert_eq!(
                Some(c.node_info(id).await.unwrap()),
                model.node_as_sent(id as usize),
                "{label}: node {id}"
            );
        }
        assert_eq!(
            c.node_info_all().await.unwrap(),
            model.node_info_reply(0..3),
            "{label}"
        );
        let known = c.known_generation().expect("node info reveals the release");
        assert!(known.contains(version), "{label}: {known}");

        let stats = c.health_check_stats(1).await;
        if version >= Version::new(4, 2) {
            assert_eq!(Some(stats.unwrap()), model.health_check_stats(1), "{label}");
        } else {
            assert_eq!(stats.unwrap_err().kind(), ErrorKind::Unsupported, "{label}");
        }
        assert_eq!(c.process_count().await.unwrap(), model.pids, "{label}");
        assert_eq!(
            c.process_info(None).await.unwrap(),
            model.process_info_reply(0),
            "{label}"
        );
        let one = c.process_info(Some(model.pids[2])).await.unwrap();
        assert_eq!(one, model.process_info_reply(model.pids[2]), "{label}");
        assert_eq!(
            c.pool_status().await.unwrap(),
            model.pool_status(),
            "{label}"
        );
        assert_eq!(
            Some(c.watchdog_info(NodeSelector::All).await.unwrap()),
            model.watchdog,
            "{label}"
        );

        c.attach_node(1).await.unwrap();
        c.detach_node(1, false).await.unwrap();
        c.detach_node(1, true).await.unwrap();
        c.promote_node(1, false, false).await.unwrap();
        c.promote_node(1, true, false).await.unwrap();
        expect_since(
            "switchover",
            version,
            Version::new(4, 3),
            c.promote_node(1, false, true).await,
        );
        c.recover_node(2).await.unwrap();
        expect_since(
            "reload",
            version,
            Version::new(4, 2),
            c.reload_config(Scope::Local).await,
        );
        expect_since(
            "log rotate",
            version,
            Version::new(4, 6),
            c.log_rotate(Scope::Local).await,
        );
        expect_since(
            "invalidate query cache",
            version,
            Version::new(4, 6),
            c.invalidate_query_cache().await,
        );
        c.set_parameter("client_min_messages", "debug1")
            .await
            .unwrap();
        expect_since(
            "cluster stop",
            version,
            Version::new(4, 2),
            c.stop_pgpool(ShutdownMode::Fast, Scope::Cluster).await,
        );
        c.stop_pgpool(ShutdownMode::Smart, Scope::Local)
            .await
            .unwrap();
        // Where the layouts already excluded the release, nothing was sent; where they could
        // not (4.1's node info is also 4.2's), the server's FATAL was mapped and the session
        // replaced. Either way the client is still usable.
        assert_eq!(c.node_count().await.unwrap(), 3, "{label}");
    }
}

/// A fresh client that does not know the release yet sends the command; the older server's
/// FATAL "unknown PCP packet type" comes back as `Unsupported` and the next call reconnects.
#[tokio::test]
async fn unknown_release_learns_from_the_servers_fatal() {
    for (label, version) in VERSIONS {
        let server = FakeServer::start(version).await.unwrap();
        let mut c = client_for(&server).await;
        let r = c.invalidate_query_cache().await;
        if version >= Version::new(4, 6) {
            r.unwrap();
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{label}: {e}");
            assert!(e.is_fatal(), "{label}");
        }
        let mut fresh = client_for(&server).await;
        let r = fresh.health_check_stats(0).await;
        if version >= Version::new(4, 2) {
            r.unwrap();
        } else {
            assert_eq!(r.unwrap_err().kind(), ErrorKind::Unsupported, "{label}");
        }
        assert_eq!(c.node_count().await.unwrap(), 3, "{label}");
    }
}
