//! What the glue knows of a backend, read from Pgpool's own memory.
//!
//! Since 4.3, with health checks on, Pgpool answers a node-info request only after probing each
//! backend it reports (a connection attempt, then a role query): a hung backend costs Pgpool's
//! `connect_timeout` (10 s by default) per request. Pool status (`B`, every release) and
//! health-check statistics (`H`, 4.2+) are answered from Pgpool's shared memory without
//! touching a backend. So the glue judges every hook from those two: pool status for the
//! configured backends and their status, health-check statistics for a node's role. Node info
//! is read only on servers older than 4.2 (which never probe) and, by `follow_primary`, for
//! the replication state of the one node it waits for.

use std::fmt;
use std::time::Duration;

use pcp_proto::{BackendStatus, ConfigItem, NodeInfo, Reply, Request, Role};

use super::backends::{parse_backend_rows, Backend};
use crate::error::{Error, ErrorKind, Result};
use crate::Client;

/// A backend as Pgpool holds it in memory: where it is, its status and (when it was read) its
/// role. Read without Pgpool probing the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeState {
    /// Pgpool's node id.
    pub node_id: u32,
    /// `backend_hostnameN`.
    pub hostname: String,
    /// `backend_portN`.
    pub port: u16,
    /// Pgpool's status of the node (`Quarantine` when down by a watchdog quarantine, where the
    /// server tells it apart).
    pub status: BackendStatus,
    /// Pgpool's role of the node, when it was read (attach and detach do not need it).
    pub role: Option<Role>,
}

impl NodeState {
    /// A state from pool status: no role.
    pub(crate) fn without_role(backend: Backend, status: BackendStatus) -> Self {
        NodeState {
            node_id: backend.id,
            hostname: backend.hostname,
            port: backend.port,
            status,
            role: None,
        }
    }

    /// A state from node info (the glue reads it only from servers before 4.2, which have no
    /// health-check statistics and never probe).
    pub fn from_node_info(node_id: u32, info: &NodeInfo) -> Self {
        NodeState {
            node_id,
            hostname: info.hostname.clone(),
            port: info.port,
            status: info.effective_status(),
            role: Some(info.role.clone()),
        }
    }

    /// Whether Pgpool takes this node for its primary (false when the role was not read).
    pub fn is_primary(&self) -> bool {
        self.role == Some(Role::Primary)
    }

    /// The backend this state is about.
    pub fn backend(&self) -> Backend {
        Backend {
            id: self.node_id,
            hostname: self.hostname.clone(),
            port: self.port,
        }
    }
}

impl fmt::Display for NodeState {
    /// `up, standby` (the role only when it was read).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status.name())?;
        if let Some(role) = &self.role {
            write!(f, ", {role}")?;
        }
        Ok(())
    }
}

/// One pool-status reply, read for the glue.
#[derive(Debug, Clone)]
pub(crate) struct PoolView {
    /// Every configured backend with its status, in node-id order.
    pub(crate) nodes: Vec<NodeState>,
    /// Whether the server has health-check statistics (4.2+: it names
    /// `backend_clustering_mode`, where 4.0 and 4.1 name `master_slave_mode`).
    pub(crate) has_health_check_stats: bool,
    /// `sr_check_period` (10 s, Pgpool's default, if absent).
    pub(crate) sr_check_period: Duration,
}

impl PoolView {
    pub(crate) fn from_pool_status(items: &[ConfigItem]) -> Self {
        let nodes = parse_backend_rows(items)
            .into_iter()
            .map(|(backend, status)| NodeState::without_role(backend, status))
            .collect();
        let value = |name: &str| {
            items
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.value.trim())
        };
        PoolView {
            nodes,
            has_health_check_stats: value("backend_clustering_mode").is_some(),
            sr_check_period: Duration::from_secs(
                value("sr_check_period")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(10),
            ),
        }
    }

    /// The configured backends.
    pub(crate) fn backends(&self) -> Vec<Backend> {
        self.nodes.iter().map(NodeState::backend).collect()
    }

    /// The node with id `id`, or [`ErrorKind::NodeNotFound`].
    pub(crate) fn node(&self, id: u32) -> Result<&NodeState> {
        self.nodes.iter().find(|n| n.node_id == id).ok_or_else(|| {
            let ids: Vec<String> = self.nodes.iter().map(|n| n.node_id.to_string()).collect();
            Error::other(
                ErrorKind::NodeNotFound,
                format!(
                    "Pgpool has no backend with node id {id} (configured: {})",
                    if ids.is_empty() {
                        "none".to_owned()
                    } else {
                        ids.join(", ")
                    }
                ),
            )
        })
    }
}

impl Client {
    /// Every configured backend with its status, from one pool-status round trip: Pgpool
    /// answers it from memory, without probing any backend. Roles are not read.
    pub async fn node_states(&mut self) -> Result<Vec<NodeState>> {
        Ok(self.pool_view().await?.nodes)
    }

    pub(crate) async fn pool_view(&mut self) -> Result<PoolView> {
        Ok(PoolView::from_pool_status(&self.pool_status().await?))
    }

    /// Node `id` with its role: health-check statistics on 4.2+ (from Pgpool's memory), node
    /// info before (those releases do not probe). The status is taken from the same reply.
    pub(crate) async fn state_with_role(&mut self, view: &PoolView, id: u32) -> Result<NodeState> {
        let known = view.node(id)?;
        if !view.has_health_check_stats {
            let info = self.node_info(id).await?;
            return Ok(NodeState::from_node_info(id, &info));
        }
        let stats = self.health_check_stats(id).await?;
        Ok(NodeState {
            role: Some(stats.role),
            status: stats.status,
            ..known.clone()
        })
    }

    /// Every configured node with its role, in one round trip on 4.2+ (the health-check
    /// statistics requests are pipelined); node info per node before 4.2.
    pub(crate) async fn states_with_roles(&mut self, view: &PoolView) -> Result<Vec<NodeState>> {
        if !view.has_health_check_stats {
            let mut states = Vec::with_capacity(view.nodes.len());
            for node in &view.nodes {
                states.push(self.state_with_role(view, node.node_id).await?);
            }
            return Ok(states);
        }
        let requests: Vec<Request> = view
            .nodes
            .iter()
            .map(|n| Request::HealthCheckStats { node: n.node_id })
            .collect();
        let replies = self.pipeline(&requests).await?;
        view.nodes
            .iter()
            .zip(replies)
            .map(|(known, reply)| match reply? {
                Reply::HealthCheckStats(stats) => Ok(NodeState {
                    role: Some(stats.role),
                    status: stats.status,
                    ..known.clone()
                }),
                other => Err(Error::protocol_msg(format!(
                    "health-check statistics of node {} were answered with {other:?}",
                    known.node_id
                ))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, value: &str) -> ConfigItem {
        ConfigItem {
            name: name.into(),
            value: value.into(),
            description: String::new(),
        }
    }

    #[test]
    fn view_of_a_4_2_server() {
        let view = PoolView::from_pool_status(&[
            item("backend_clustering_mode", "1"),
            item("sr_check_period", "3"),
            item("backend_hostname0", "db1"),
            item("backend_port0", "5432"),
            item("backend_status0", "up"),
            item("backend_hostname1", "db2"),
            item("backend_port1", "5432"),
            item("backend_status1", "quarantine"),
        ]);
        assert!(view.has_health_check_stats);
        assert_eq!(view.sr_check_period, Duration::from_secs(3));
        assert_eq!(view.nodes.len(), 2);
        assert_eq!(view.nodes[1].status, BackendStatus::Quarantine);
        assert_eq!(view.nodes[1].role, None);
        assert_eq!(view.node(1).map(|n| n.hostname.as_str()).ok(), Some("db2"));
        let err = view.node(7).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NodeNotFound);
        assert!(err.to_string().contains("configured: 0, 1"), "{err}");
    }

    #[test]
    fn view_of_a_4_1_server() {
        let view = PoolView::from_pool_status(&[
            item("master_slave_mode", "1"),
            item("backend_hostname0", "db1"),
            item("backend_port0", "5432"),
            item("backend_status0", "down"),
        ]);
        assert!(!view.has_health_check_stats);
        assert_eq!(view.sr_check_period, Duration::from_secs(10));
        assert_eq!(view.nodes[0].status, BackendStatus::Down);
    }

    #[test]
    fn display_names_status_and_role() {
        let mut state = NodeState::without_role(
            Backend {
                id: 2,
                hostname: "h".into(),
                port: 1,
            },
            BackendStatus::Up,
        );
        assert_eq!(state.to_string(), "up");
        assert!(!state.is_primary());
        state.role = Some(Role::Primary);
        assert_eq!(state.to_string(), "up, primary");
        assert!(state.is_primary());
    }
}
