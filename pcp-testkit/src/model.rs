//! What the fake server answers by default: a small Pgpool cluster of a chosen release, with
//! replies in that release's layouts and the errors a real server gives.

use pcp_proto::{
    BackendStatus, Command, ConfigItem, HealthCheckStats, LocalDateTime, NodeInfo, NodeInfoLayout,
    NodeInfoReply, NodeSelector, PgStatus, ProcessInfo, ProcessInfoLayout, ProcessInfoReply,
    ProcessStatus, Quarantine, QuorumStatus, ReplicationDelay, ReplicationState, Reply, Request,
    Role, ServerMessage, Severity, SyncState, Timestamp, UnixTime, Version, WatchdogInfo,
    WatchdogNode, WatchdogState, Weight,
};

use crate::server::Action;

/// A fixed wall-clock time used in replies.
pub const SAMPLE_TIME: LocalDateTime = LocalDateTime {
    year: 2026,
    month: 11,
    day: 25,
    hour: 17,
    minute: 45,
    second: 42,
};

/// The epoch used for `status_changed_time`.
pub const SAMPLE_EPOCH: u64 = 1_795_628_742;

/// An ERROR message as Pgpool words it (code `XX000`).
pub fn error(message: &str, detail: &str) -> ServerMessage {
    let mut msg = ServerMessage::new(Severity::Error, message).with_detail(detail);
    msg.code = Some("XX000".into());
    msg.file = Some("pcp_worker.c".into());
    msg.line = Some("843".into());
    msg
}

/// A FATAL message (the server closes the connection after it).
pub fn fatal(message: &str, detail: &str) -> ServerMessage {
    let mut msg = error(message, detail);
    msg.severity = Severity::Fatal;
    msg
}

/// A notice of the given severity.
pub fn notice(severity: Severity, message: &str) -> ServerMessage {
    let mut msg = ServerMessage::new(severity, message);
    msg.code = Some("XX000".into());
    msg
}

/// The state the fake server reports: backends, child processes, configuration, watchdog.
#[derive(Debug, Clone)]
pub struct Model {
    /// The release whose layouts and command set are used.
    pub version: Version,
    /// The backends, in node-id order, in their richest form (fields a layout lacks are
    /// dropped when encoding; see [`Model::node_info_reply`]).
    pub nodes: Vec<NodeInfo>,
    /// Child process ids.
    pub pids: Vec<u32>,
    /// Extra configuration rows for pool status (per-backend rows are derived from `nodes`).
    pub config: Vec<ConfigItem>,
    /// Watchdog information; `None` answers like a Pgpool with `use_watchdog = off`.
    pub watchdog: Option<WatchdogInfo>,
}

impl Model {
    /// Three backends (node 0 primary on `localhost`, nodes 1 and 2 streaming standbys on
    /// 127.0.0.2 and 127.0.0.3, all on port 5432), four children, no watchdog.
    pub fn new(version: Version) -> Self {
        let hosts = ["localhost", "127.0.0.2", "127.0.0.3"];
        let nodes = hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let primary = i == 0;
                NodeInfo {
                    hostname: (*host).to_owned(),
                    port: 5432,
                    status: BackendStatus::Up,
                    quarantine: Some(Quarantine::No),
                    pg_status: Some(PgStatus::Up),
                    // A third of RAND_MAX, as printed with %f (so it survives the text form).
                    weight: Weight {
                        raw: 715_827_882.333_333,
                    },
                    role: if primary {
                        Role::Primary
                    } else {
                        Role::Standby
                    },
                    pg_role: Some(if primary {
                        Role::Primary
                    } else {
                        Role::Standby
                    }),
                    replication_delay: ReplicationDelay::Bytes(0),
                    replication_state: (!primary).then_some(ReplicationState::Streaming),
                    replication_sync_state: (!primary).then_some(SyncState::Async),
                    status_changed: UnixTime(SAMPLE_EPOCH),
                    extra: Vec::new(),
                }
            })
            .collect();
        Model {
            version,
            nodes,
            pids: vec![4101, 4102, 4103, 4104],
            config: vec![
                // 4.2 renamed the mode settings; the glue tells the releases apart by them.
                if version >= Version::new(4, 2) {
                    item("backend_clustering_mode", "1", "clustering mode")
                } else {
                    item(
                        "master_slave_mode",
                        "1",
                        "if true, operate in master/slave mode",
                    )
                },
                item(
                    "num_init_children",
                    "4",
                    "# of children initially pre-forked",
                ),
                item("pcp_port", "9898", "PCP port # to bind"),
            ],
            watchdog: None,
        }
    }

    /// Adds a watchdog of `members` Pgpools whose local node (listed first) is in
    /// `local_state`, in the JSON style of this model's release.
    pub fn with_watchdog(mut self, members: usize, local_state: WatchdogState) -> Self {
        self.watchdog = Some(watchdog_info(self.version, members, local_state));
        self
    }

    /// The node-info layout of this release.
    pub fn node_info_layout(&self) -> NodeInfoLayout {
        NodeInfoLayout::for_version(self.version)
    }

    /// The process-info layout of this release.
    pub fn process_info_layout(&self) -> ProcessInfoLayout {
        ProcessInfoLayout::for_version(self.version)
    }

    /// A node as this release's layout carries it (what a client decodes).
    pub fn node_as_sent(&self, id: usize) -> Option<NodeInfo> {
        let layout = self.node_info_layout();
        let mut node = self.nodes.get(id)?.clone();
        if !layout.is_multi_packet() {
            node.pg_status = None;
            node.pg_role = None;
        }
        if layout == NodeInfoLayout::V4_0 {
            node.replication_state = None;
            node.replication_sync_state = None;
        }
        if layout != NodeInfoLayout::V4_4 {
            if let ReplicationDelay::Time(_) = node.replication_delay {
                node.replication_delay = ReplicationDelay::Bytes(0);
            }
        }
        Some(node)
    }

    /// The node-info reply for `ids`, in this release's layout.
    pub fn node_info_reply(&self, ids: impl IntoIterator<Item = usize>) -> NodeInfoReply {
        NodeInfoReply {
            nodes: ids
                .into_iter()
                .filter_map(|i| self.node_as_sent(i))
                .collect(),
            layout: self.node_info_layout(),
        }
    }

    /// Health-check statistics of node `id`.
    pub fn health_check_stats(&self, id: usize) -> Option<HealthCheckStats> {
        let node = self.nodes.get(id)?;
        Some(HealthCheckStats {
            node_id: u32::try_from(id).unwrap_or(u32::MAX),
            hostname: node.hostname.clone(),
            port: node.port,
            status: node.effective_status(),
            role: node.role.clone(),
            last_status_change: Some(SAMPLE_TIME),
            total_count: 5,
            success_count: 5,
            fail_count: 0,
            skip_count: 0,
            retry_count: 0,
            average_retry_count: 0.0,
            max_retry_count: 0,
            max_duration_ms: 4,
            min_duration_ms: 2,
            average_duration_ms: 2.8,
            last_health_check: Some(SAMPLE_TIME),
            last_successful_health_check: Some(SAMPLE_TIME),
            last_skip_health_check: None,
            last_failed_health_check: None,
        })
    }

    /// Process-info rows of `pid` (one per backend), in this release's layout.
    pub fn process_rows(&self, pid: u32) -> Vec<ProcessInfo> {
        let layout = self.process_info_layout();
        (0..self.nodes.len())
            .map(|backend| {
                let backend = u32::try_from(backend).unwrap_or(u32::MAX);
                if layout == ProcessInfoLayout::V4_0 {
                    ProcessInfo {
                        pid: Some(pid),
                        start_time: Some(Timestamp::Unix(UnixTime(SAMPLE_EPOCH))),
                        start_time_note: None,
                        client_connection_count: None,
                        pool_id: None,
                        backend_id: Some(backend),
                        database: "postgres".into(),
                        username: "postgres".into(),
                        backend_connection_time: Some(Timestamp::Unix(UnixTime(SAMPLE_EPOCH))),
                        client_connection_time: None,
                        client_disconnection_time: None,
                        client_idle_seconds: None,
                        client_idle_note: None,
                        major: Some(3),
                        minor: Some(0),
                        pool_counter: Some(1),
                        backend_pid: Some(pid + 1000 + backend),
                        connected: Some(false),
                        status: None,
                        load_balance_node: None,
                        client_host: None,
                        client_port: None,
                        statement: None,
                        extra: Vec::new(),
                    }
                } else {
                    ProcessInfo {
                        pid: Some(pid),
                        start_time: Some(Timestamp::Local(SAMPLE_TIME)),
                        start_time_note: None,
                        client_connection_count: Some(0),
                        pool_id: Some(0),
                        backend_id: Some(backend),
                        database: "postgres".into(),
                        username: "postgres".into(),
                        backend_connection_time: Some(Timestamp::Local(SAMPLE_TIME)),
                        client_connection_time: None,
                        client_disconnection_time: None,
                        client_idle_seconds: Some(0),
                        client_idle_note: None,
                        major: Some(3),
                        minor: Some(0),
                        pool_counter: Some(1),
                        backend_pid: Some(pid + 1000 + backend),
                        connected: Some(false),
                        status: Some(ProcessStatus::WaitForConnection),
                        load_balance_node: (layout != ProcessInfoLayout::V4_3).then_some(false),
                        client_host: None,
                        client_port: None,
                        statement: None,
                        extra: Vec::new(),
                    }
                }
            })
            .collect()
    }

    /// The process-info reply for `pid` (0: all).
    pub fn process_info_reply(&self, pid: u32) -> ProcessInfoReply {
        let pids: Vec<u32> = if pid == 0 {
            self.pids.clone()
        } else {
            vec![pid]
        };
        ProcessInfoReply {
            processes: pids.iter().flat_map(|p| self.process_rows(*p)).collect(),
            layout: Some(self.process_info_layout()),
        }
    }

    /// The pool-status rows: per-backend rows derived from `nodes`, then `config`.
    pub fn pool_status(&self) -> Vec<ConfigItem> {
        let mut items = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            items.push(item(
                &format!("backend_hostname{i}"),
                &node.hostname,
                "backend hostname",
            ));
            items.push(item(
                &format!("backend_port{i}"),
                &node.port.to_string(),
                "backend port number",
            ));
            items.push(item(
                &format!("backend_status{i}"),
                node.effective_status().name(),
                "status of backend",
            ));
        }
        items.extend(self.config.iter().cloned());
        items
    }

    fn check_node(
        &self,
        id: u32,
        message: &str,
        detail_prefix: &str,
    ) -> Result<usize, Vec<Action>> {
        let idx = usize::try_from(id).unwrap_or(usize::MAX);
        if idx < self.nodes.len() {
            Ok(idx)
        } else {
            Err(vec![Action::Error(error(
                message,
                &format!("{detail_prefix}{id}"),
            ))])
        }
    }

    /// The actions a Pgpool of this release takes for an (authenticated) request.
    pub fn reply(&self, request: &Request) -> Vec<Action> {
        let command = request.command();
        let (major, minor) = command.since();
        let cluster_stop = matches!(
            request,
            Request::StopPgpool {
                scope: pcp_proto::Scope::Cluster,
                ..
            }
        );
        if Version::new(major, minor) > self.version
            || (cluster_stop && self.version < Version::new(4, 2))
        {
            return vec![Action::Error(fatal(
                "PCP processing request",
                &format!("unknown PCP packet type \"{}\"", char::from(request.tag())),
            ))];
        }
        let done = |c: Command| vec![Action::Reply(Reply::Complete(c))];
        let one = |r: Result<Vec<Action>, Vec<Action>>| r.unwrap_or_else(|a| a);
        match request {
            Request::NodeCount => vec![Action::Reply(Reply::NodeCount(
                u32::try_from(self.nodes.len()).unwrap_or(u32::MAX),
            ))],
            Request::NodeInfo {
                node: NodeSelector::All,
            } => {
                if self.node_info_layout().is_multi_packet() {
                    vec![Action::Reply(Reply::NodeInfo(
                        self.node_info_reply(0..self.nodes.len()),
                    ))]
                } else {
                    vec![Action::Error(error(
                        "informing node info failed",
                        "invalid node ID : -1",
                    ))]
                }
            }
            Request::NodeInfo {
                node: NodeSelector::Id(id),
            } => one(
                self.check_node(*id, "informing node info failed", "invalid node ID : ")
                    .map(|i| vec![Action::Reply(Reply::NodeInfo(self.node_info_reply([i])))]),
            ),
            Request::HealthCheckStats { node } => {
                let idx = usize::try_from(*node).unwrap_or(usize::MAX);
                match self.health_check_stats(idx) {
                    Some(stats) => vec![Action::Reply(Reply::HealthCheckStats(stats))],
                    None if idx == self.nodes.len() => vec![Action::Error(error(
                        "informing health check stats info failed",
                        &format!("stats data for node ID {node} does not exist"),
                    ))],
                    None => vec![Action::Error(error(
                        "informing health check stats info failed",
                        &format!("invalid node ID {node}"),
                    ))],
                }
            }
            Request::ProcessCount => vec![Action::Reply(Reply::ProcessCount(self.pids.clone()))],
            Request::ProcessInfo { pid } => {
                if *pid != 0 && !self.pids.contains(pid) {
                    vec![Action::Error(error(
                        "informing process info failed",
                        &format!("invalid process ID : {pid}"),
                    ))]
                } else {
                    vec![Action::Reply(Reply::ProcessInfo(
                        self.process_info_reply(*pid),
                    ))]
                }
            }
            Request::PoolStatus => vec![Action::Reply(Reply::PoolStatus(self.pool_status()))],
            Request::WatchdogInfo { .. } => match &self.watchdog {
                Some(info) => vec![Action::Reply(Reply::WatchdogInfo(info.clone()))],
                None => vec![Action::Error(error(
                    "PCP: informing watchdog info failed",
                    "watchdog is not enabled",
                ))],
            },
            Request::AttachNode { node } => one(
                self.check_node(*node, "failed to process attach node request", "invalid node ID : ")
                    .map(|_| done(command)),
            ),
            Request::DetachNode { node, .. } => one(
                self.check_node(*node, "failed to process detach node request", "invalid node ID : ")
                    .map(|_| done(command)),
            ),
            Request::RecoverNode { node } => one(
                self.check_node(*node, "process recovery request failed", "invalid node ID : ")
                    .and_then(|i| {
                        if self.nodes.get(i).is_some_and(|n| n.role.is_primary()) {
                            Err(vec![Action::Error(error(
                                "process recovery request failed",
                                "primary server cannot be recovered by online recovery.",
                            ))])
                        } else {
                            Ok(done(command))
                        }
                    }),
            ),
            Request::PromoteNode { node, .. } => one(
                self.check_node(*node, "could not process promote request", "invalid node ID : ")
                    .and_then(|i| {
                        if self.nodes.get(i).is_some_and(|n| n.role.is_primary()) {
                            Err(vec![Action::Error(fatal(
                                "invalid promote request",
                                &format!(
                                    "specified node is already primary node, can't promote node id {node}"
                                ),
                            ))])
                        } else {
                            Ok(done(command))
                        }
                    }),
            ),
            Request::SetParameter { name, .. } => {
                if name.eq_ignore_ascii_case("client_min_messages") {
                    done(command)
                } else {
                    vec![Action::Error(error(
                        "PCP: set parameter failed",
                        &format!("invalid parameter \"{name}\""),
                    ))]
                }
            }
            Request::StopPgpool { .. }
            | Request::ReloadConfig { .. }
            | Request::LogRotate { .. }
            | Request::InvalidateQueryCache => done(command),
            Request::Noop => vec![Action::Silence],
            Request::Terminate => vec![Action::Close],
            // The login is handled by the server loop; a repeated one is answered there too.
            _ => vec![Action::Silence],
        }
    }
}

fn item(name: &str, value: &str, description: &str) -> ConfigItem {
    ConfigItem {
        name: name.into(),
        value: value.into(),
        description: description.into(),
    }
}

/// A watchdog cluster of `members` Pgpools on 127.0.0.1, local node first.
pub fn watchdog_info(version: Version, members: usize, local_state: WatchdogState) -> WatchdogInfo {
    let v4_3 = version >= Version::new(4, 3);
    let nodes: Vec<WatchdogNode> = (0..members)
        .map(|i| {
            let state = if i == 0 {
                local_state
            } else if local_state == WatchdogState::Leader || i != 1 {
                WatchdogState::Standby
            } else {
                WatchdogState::Leader
            };
            let id = i64::try_from(i).unwrap_or(0);
            WatchdogNode {
                id,
                state,
                membership: v4_3.then_some(0),
                membership_string: v4_3.then(|| "MEMBER".to_owned()),
                node_name: format!("127.0.0.1:{} Linux fake", 9999 + id * 10),
                host_name: "127.0.0.1".into(),
                state_name: match state {
                    WatchdogState::Leader => "LEADER".into(),
                    _ => "STANDBY".into(),
                },
                delegate_ip: "Not_Set".into(),
                wd_port: 9000 + id * 10,
                pgpool_port: 9999 + id * 10,
                priority: 1,
                lifecheck_started: None,
                extra: Default::default(),
            }
        })
        .collect();
    let leader = nodes.iter().find(|n| n.state == WatchdogState::Leader);
    let remote = i64::try_from(members.saturating_sub(1)).unwrap_or(0);
    WatchdogInfo {
        remote_node_count: remote,
        member_remote_node_count: v4_3.then_some(remote),
        nodes_required_for_quorum: v4_3.then_some(remote / 2 + 1),
        quorum_status: QuorumStatus::Exists,
        alive_node_count: remote,
        escalated: local_state == WatchdogState::Leader,
        leader_node_name: leader
            .map(|n| n.node_name.clone())
            .unwrap_or_else(|| "Not Set".into()),
        leader_host_name: leader
            .map(|n| n.host_name.clone())
            .unwrap_or_else(|| "Not Set".into()),
        master_keys: version < Version::new(4, 2),
        node_count: i64::try_from(members).unwrap_or(0),
        nodes,
        extra: Default::default(),
    }
}
