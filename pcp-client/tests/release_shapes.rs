//! The fake server's replies have the shape of the real ones, for the release the sandbox runs.
//!
//! Each request goes to the sandbox's Pgpool (Debian's 4.3.5, or the `scripts/pgpool-build`
//! release of `PCP_SANDBOX_PGPOOL`) and to a fake server whose model is
//! `Model::new(<that release line>)`, through a client whose stream records every byte the
//! server sent. The two must agree on the wire (the packets of each reply, with their tags,
//! field counts and markers, runs of equal packets counted once) and in what the client
//! decodes (layout, which optional fields are present, no unknown trailing fields), and the
//! server errors must carry the same words. Values (pids, times, ports) are not compared: the
//! fake cannot drift from the real release's formats, only its data is made up.

mod common;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use pcp_client::proto::{
    ConfigItem, FrameDecoder, HealthCheckStats, NodeInfo, NodeSelector, ProcessInfo, Reply,
    Request, ServerMessage, Version, WatchdogInfo, WatchdogState,
};
use pcp_client::{connect_raw, Client, Config};
use pcp_testkit::sandbox::Sandbox;
use pcp_testkit::{FakeServer, Model};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::RwLock;

/// Shared with nothing else in this binary; read-only requests only.
static CLUSTER: RwLock<()> = RwLock::const_new(());

/// A TCP stream that keeps a copy of every byte read from the server.
struct Tap {
    inner: TcpStream,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &result {
            let new = &buf.filled()[before..];
            this.seen.lock().unwrap().extend_from_slice(new);
        }
        result
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One packet's shape: tag, number of NUL-terminated fields, and its marker (the first field
/// when it is a word such as `NodeInfo` or `CommandComplete`; for `E`/`N` packets, the field
/// type letters).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Packet {
    tag: char,
    fields: usize,
    marker: String,
}

/// A client on a tapped connection.
struct Tapped {
    client: Client,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Tapped {
    async fn connect(host: &str, port: u16, config: &Config) -> Tapped {
        let inner = TcpStream::connect((host, port)).await.expect("connect");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let tap = Tap {
            inner,
            seen: seen.clone(),
        };
        let client = connect_raw(tap, config).await.expect("log in");
        Tapped { client, seen }
    }

    /// Sends `request`; returns the decoded result and the packets of the reply.
    async fn ask(&mut self, request: &Request) -> (Result<Reply, ServerMessage>, Vec<Packet>) {
        self.seen.lock().unwrap().clear();
        let mut results = self
            .client
            .pipeline(std::slice::from_ref(request))
            .await
            .unwrap_or_else(|e| panic!("{request:?}: {e}"));
        let result = results.remove(0).map_err(|e| {
            e.as_server_error()
                .cloned()
                .unwrap_or_else(|| panic!("{request:?}: not a server error: {e}"))
        });
        let bytes = std::mem::take(&mut *self.seen.lock().unwrap());
        (result, packets(&bytes))
    }
}

fn packets(bytes: &[u8]) -> Vec<Packet> {
    let decoder = FrameDecoder::new();
    let mut buf = BytesMut::from(bytes);
    let mut out: Vec<Packet> = Vec::new();
    while let Some(frame) = decoder.decode(&mut buf).expect("a valid frame") {
        let payload = &frame.payload[..];
        let mut fields: Vec<&[u8]> = payload.split(|b| *b == 0).collect();
        if payload.last() == Some(&0) {
            fields.pop();
        }
        let marker = match frame.tag {
            b'E' | b'N' => fields
                .iter()
                .filter_map(|f| f.first().map(|b| char::from(*b)))
                .collect(),
            _ => fields
                .first()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()))
                .unwrap_or_default(),
        };
        let packet = Packet {
            tag: char::from(frame.tag),
            fields: fields.len(),
            marker,
        };
        // Runs of equal packets (one per node, per pool slot, per setting) count once.
        if out.last() != Some(&packet) {
            out.push(packet);
        }
    }
    assert!(buf.is_empty(), "a partial packet is left: {buf:?}");
    out
}

/// Which optional parts of a node are present.
fn node_shape(n: &NodeInfo) -> String {
    format!(
        "quarantine={} pg_status={} pg_role={} repl_state={} sync_state={} delay={} extra={}",
        n.quarantine.is_some(),
        n.pg_status.is_some(),
        n.pg_role.is_some(),
        n.replication_state.is_some(),
        n.replication_sync_state.is_some(),
        match n.replication_delay {
            pcp_client::proto::ReplicationDelay::Bytes(_) => "bytes",
            pcp_client::proto::ReplicationDelay::Time(_) => "time",
        },
        n.extra.len()
    )
}

/// The optional parts of a process row that a layout either always has or never has.
fn process_shape(p: &ProcessInfo) -> String {
    format!(
        "pid={} start={} conn_count={} pool_id={} backend_id={} major={} idle={} status={} lb={} extra={}",
        p.pid.is_some(),
        p.start_time.is_some(),
        p.client_connection_count.is_some(),
        p.pool_id.is_some(),
        p.backend_id.is_some(),
        p.major.is_some(),
        p.client_idle_seconds.is_some(),
        p.status.is_some(),
        p.load_balance_node.is_some(),
        p.extra.len()
    )
}

/// The optional times of health-check statistics (their presence depends on what happened:
/// only compared when both sides ran checks that all succeeded).
fn health_shape(s: &HealthCheckStats) -> String {
    format!(
        "change={} last={} success={} skip={} failed={}",
        s.last_status_change.is_some(),
        s.last_health_check.is_some(),
        s.last_successful_health_check.is_some(),
        s.last_skip_health_check.is_some(),
        s.last_failed_health_check.is_some()
    )
}

fn watchdog_shape(w: &WatchdogInfo) -> Vec<String> {
    let mut shape = vec![format!(
        "member_remote={} quorum_needed={} master_keys={} extra={:?}",
        w.member_remote_node_count.is_some(),
        w.nodes_required_for_quorum.is_some(),
        w.master_keys,
        w.extra.keys().collect::<Vec<_>>()
    )];
    for n in &w.nodes {
        shape.push(format!(
            "membership={} membership_string={} lifecheck={} extra={:?}",
            n.membership.is_some(),
            n.membership_string.is_some(),
            n.lifecheck_started.is_some(),
            n.extra.keys().collect::<Vec<_>>()
        ));
    }
    shape
}

/// The words of a server error (severity, message, detail); not its source line.
fn error_words(m: &ServerMessage) -> String {
    format!("{:?} {:?} {:?}", m.severity, m.message, m.detail)
}

struct Pair {
    version: Version,
    real: Tapped,
    fake: Tapped,
    _server: FakeServer,
}

impl Pair {
    async fn new(sandbox: &Sandbox, model: Model) -> Pair {
        let version = model.version;
        let server = FakeServer::builder().model(model).start().await.unwrap();
        let mut real_config = common::sandbox(sandbox, &[]);
        real_config.request_timeout(Some(Duration::from_secs(30)));
        let mut fake_config = common::fake_server(&server);
        fake_config.request_timeout(Some(Duration::from_secs(5)));
        Pair {
            version,
            real: Tapped::connect(&sandbox.pcp_host, sandbox.pcp_port, &real_config).await,
            fake: Tapped::connect("127.0.0.1", server.port(), &fake_config).await,
            _server: server,
        }
    }

    /// Both replies to `request`, after checking that their packets have the same shape.
    async fn ask(
        &mut self,
        request: &Request,
    ) -> (Result<Reply, ServerMessage>, Result<Reply, ServerMessage>) {
        self.ask2(request, request).await
    }

    /// [`ask`](Pair::ask) with a request of its own for the fake (another pid).
    async fn ask2(
        &mut self,
        request: &Request,
        fake_request: &Request,
    ) -> (Result<Reply, ServerMessage>, Result<Reply, ServerMessage>) {
        let (real, real_packets) = self.real.ask(request).await;
        let (fake, fake_packets) = self.fake.ask(fake_request).await;
        eprintln!("Pgpool {}: {request:?}: {real_packets:?}", self.version);
        assert_eq!(
            fake_packets, real_packets,
            "Pgpool {}: {request:?}: the fake's packets (left) differ from the real ones \
             (right)\nreal reply: {real:?}",
            self.version
        );
        match (&real, &fake) {
            (Err(r), Err(f)) => assert_eq!(
                error_words(f),
                error_words(r),
                "Pgpool {}: {request:?}: the fake's error (left) differs from the real one",
                self.version
            ),
            (Ok(_), Ok(_)) => {}
            _ => panic!(
                "Pgpool {}: {request:?}: real {real:?}, fake {fake:?}",
                self.version
            ),
        }
        (real, fake)
    }
}

#[tokio::test]
async fn fake_replies_have_the_real_release_s_shape() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let version = sandbox.pgpool_version();
    let mut model = Model::new(version);
    if sandbox.is_watchdog() {
        model = model.with_watchdog(sandbox.pcp_ports.len(), WatchdogState::Leader);
    }
    let mut pair = Pair::new(&sandbox, model.clone()).await;
    let v = version;

    // Node count and node info: one node, each node, all nodes (4.3+), a wrong id.
    let (real, _) = pair.ask(&Request::NodeCount).await;
    assert!(
        matches!(real, Ok(Reply::NodeCount(3))),
        "Pgpool {v}: {real:?}"
    );
    let mut selectors: Vec<NodeSelector> = (0..3).map(NodeSelector::Id).collect();
    selectors.push(NodeSelector::All);
    selectors.push(NodeSelector::Id(7));
    for node in selectors {
        let request = Request::NodeInfo { node };
        match pair.ask(&request).await {
            (Ok(Reply::NodeInfo(real)), Ok(Reply::NodeInfo(fake))) => {
                assert_eq!(fake.layout, real.layout, "Pgpool {v}: {request:?}");
                let real_shapes: Vec<String> = real.nodes.iter().map(node_shape).collect();
                let fake_shapes: Vec<String> = fake.nodes.iter().map(node_shape).collect();
                assert_eq!(fake_shapes, real_shapes, "Pgpool {v}: {request:?}");
            }
            (Err(_), Err(_)) => assert_eq!(node, NodeSelector::Id(7), "Pgpool {v}"),
            other => panic!("Pgpool {v}: {request:?}: {other:?}"),
        }
    }

    // Health-check statistics: each node, then the server's two wrong-id errors (id == node
    // count, and beyond).
    for node in [0, 1, 2, 3, 9] {
        let request = Request::HealthCheckStats { node };
        match pair.ask(&request).await {
            (Ok(Reply::HealthCheckStats(real)), Ok(Reply::HealthCheckStats(fake))) => {
                // The fake's checks all succeeded: compare where the real ones did too.
                if real.total_count > 0 && real.fail_count == 0 && real.skip_count == 0 {
                    assert_eq!(
                        health_shape(&fake),
                        health_shape(&real),
                        "Pgpool {v}: node {node}"
                    );
                }
            }
            (Err(_), Err(_)) => assert!(node >= 3, "Pgpool {v}: node {node}"),
            other => panic!("Pgpool {v}: {request:?}: {other:?}"),
        }
    }

    // Process count and info: one child, all children, a wrong pid.
    let (real_pids, _) = pair.ask(&Request::ProcessCount).await;
    let Ok(Reply::ProcessCount(real_pids)) = real_pids else {
        panic!("Pgpool {v}: process count: {real_pids:?}");
    };
    for (real_pid, fake_pid) in [(real_pids[0], model.pids[0]), (0, 0), (1, 1)] {
        let replies = pair
            .ask2(
                &Request::ProcessInfo { pid: real_pid },
                &Request::ProcessInfo { pid: fake_pid },
            )
            .await;
        match replies {
            (Ok(Reply::ProcessInfo(real)), Ok(Reply::ProcessInfo(fake))) => {
                assert_eq!(fake.layout, real.layout, "Pgpool {v}: pid {real_pid}");
                let mut real_shapes: Vec<String> =
                    real.processes.iter().map(process_shape).collect();
                let mut fake_shapes: Vec<String> =
                    fake.processes.iter().map(process_shape).collect();
                real_shapes.dedup();
                fake_shapes.dedup();
                assert_eq!(fake_shapes, real_shapes, "Pgpool {v}: pid {real_pid}");
            }
            (Err(real), Err(fake)) => {
                assert_eq!(real_pid, 1, "Pgpool {v}: {real:?}");
                assert_eq!(error_words(&fake), error_words(&real), "Pgpool {v}");
            }
            other => panic!("Pgpool {v}: pid {real_pid}: {other:?}"),
        }
    }
    // Pool status: the same packets; every setting the fake names exists on the real server.
    match pair.ask(&Request::PoolStatus).await {
        (Ok(Reply::PoolStatus(real)), Ok(Reply::PoolStatus(fake))) => {
            let names = |items: &[ConfigItem]| -> Vec<String> {
                items.iter().map(|i| i.name.clone()).collect()
            };
            let real_names = names(&real);
            for name in names(&fake) {
                assert!(
                    real_names.contains(&name),
                    "Pgpool {v}: the fake's pool status has {name:?}, the real one has not: \
                     {real_names:?}"
                );
            }
        }
        other => panic!("Pgpool {v}: pool status: {other:?}"),
    }

    // Watchdog info: the error without a watchdog, the JSON's keys with one.
    match pair
        .ask(&Request::WatchdogInfo {
            node: NodeSelector::All,
        })
        .await
    {
        (Ok(Reply::WatchdogInfo(real)), Ok(Reply::WatchdogInfo(fake))) => {
            assert!(sandbox.is_watchdog());
            assert_eq!(watchdog_shape(&fake), watchdog_shape(&real), "Pgpool {v}");
        }
        (Err(_), Err(_)) => assert!(!sandbox.is_watchdog(), "Pgpool {v}"),
        other => panic!("Pgpool {v}: watchdog info: {other:?}"),
    }
}
