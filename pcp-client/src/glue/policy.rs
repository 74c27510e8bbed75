//! What each glue operation wants to see, decided without any IO.

use std::fmt;
use std::str::FromStr;

use pcp_proto::{BackendStatus, NodeInfo, ReplicationState, Role};

use super::state::NodeState;

/// A change the glue can ask Pgpool for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Attach (fail back) the node.
    Attach,
    /// Detach the node.
    Detach,
    /// Make the node Pgpool's primary.
    Promote,
}

impl Action {
    /// Whether Pgpool already shows this action's result for the node. Promote needs the
    /// node's role: a state read without it is never taken for promoted.
    pub fn is_applied(self, node: &NodeState) -> bool {
        match self {
            Action::Attach => node.status.is_usable(),
            Action::Detach => node.status.is_detached(),
            Action::Promote => node.is_primary() && node.status.is_usable(),
        }
    }

    /// Whether telling this action's result needs the node's role.
    pub fn needs_role(self) -> bool {
        self == Action::Promote
    }

    /// What is being waited for, in words.
    pub fn expectation(self) -> &'static str {
        match self {
            Action::Attach => "up",
            Action::Detach => "down",
            Action::Promote => "primary",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Attach => "attach",
            Action::Detach => "detach",
            Action::Promote => "promote",
        })
    }
}

/// What a glue operation ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The node was already in the requested state: nothing was sent, so no failover or
    /// failback was triggered.
    AlreadyApplied,
    /// Pgpool accepted the request and shows it applied.
    Applied,
    /// Pgpool accepted the request; waiting was not asked for.
    Accepted,
    /// A dry run: the node is not in the requested state, so a request would be sent (none
    /// was).
    WouldApply,
}

impl Outcome {
    /// The overall outcome of a hook made of several operations (`lb attach … p`: attach,
    /// then promote): a dry run's `would_apply` if any step would send, else `accepted` if
    /// any step was only accepted, else `applied` if any was applied, else `already_applied`
    /// (also for no step at all).
    pub fn overall(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        let rank = |o: &Outcome| match o {
            Outcome::AlreadyApplied => 0,
            Outcome::Applied => 1,
            Outcome::Accepted => 2,
            Outcome::WouldApply => 3,
        };
        outcomes
            .into_iter()
            .max_by_key(rank)
            .unwrap_or(Outcome::AlreadyApplied)
    }

    /// A short word for logs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::AlreadyApplied => "already_applied",
            Outcome::Applied => "applied",
            Outcome::Accepted => "accepted",
            Outcome::WouldApply => "would_apply",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Client::wait_for_node`](crate::Client::wait_for_node) waits for, in node info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeCondition {
    /// Up or waiting (attach applied).
    Up,
    /// Down or quarantined (detach applied).
    Down,
    /// Pgpool's primary, and up (promote applied).
    Primary,
    /// Streaming from its primary, as Pgpool's replication check reports it.
    Streaming,
}

impl NodeCondition {
    /// Whether node info of node `id` shows the condition.
    pub fn holds(self, id: u32, node: &NodeInfo) -> bool {
        let state = NodeState::from_node_info(id, node);
        match self {
            NodeCondition::Up => Action::Attach.is_applied(&state),
            NodeCondition::Down => Action::Detach.is_applied(&state),
            NodeCondition::Primary => Action::Promote.is_applied(&state),
            NodeCondition::Streaming => is_streaming(node),
        }
    }

    /// The word (`up`, `down`, `primary`, `streaming`).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeCondition::Up => "up",
            NodeCondition::Down => "down",
            NodeCondition::Primary => "primary",
            NodeCondition::Streaming => "streaming",
        }
    }
}

impl fmt::Display for NodeCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition word that is not `up`, `down`, `primary` or `streaming`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown node condition {0:?} (expected up, down, primary or streaming)")]
pub struct UnknownCondition(pub String);

impl FromStr for NodeCondition {
    type Err = UnknownCondition;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "up" => Ok(NodeCondition::Up),
            "down" => Ok(NodeCondition::Down),
            "primary" => Ok(NodeCondition::Primary),
            "streaming" => Ok(NodeCondition::Streaming),
            other => Err(UnknownCondition(other.to_owned())),
        }
    }
}

/// True when a standby streams from its primary, as Pgpool's replication check reports it.
pub fn is_streaming(node: &NodeInfo) -> bool {
    node.replication_state == Some(ReplicationState::Streaming)
}

/// True when Pgpool considers the node its primary (whatever the server version: the role
/// comes from the typed record, not from a column position).
pub fn is_primary(node: &NodeInfo) -> bool {
    node.role == Role::Primary
}

/// Describes a node's state for progress messages: `up, standby, streaming`.
pub fn describe(node: &NodeInfo) -> String {
    let mut parts = vec![node.effective_status().to_string(), node.role.to_string()];
    if let Some(state) = &node.replication_state {
        parts.push(state.to_string());
    }
    if node.status == BackendStatus::Unused {
        parts.push("unused slot".into());
    }
    parts.join(", ")
}

/// EFM's `%t`: the role of the node a load-balancer hook is called for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EfmNodeType {
    /// `p` (and `m`, the word EFM used before 4.0): the primary.
    Primary,
    /// `s`: a standby.
    Standby,
}

/// An EFM node type that is neither `p`, `m` nor `s`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown EFM node type {0:?} (expected p, s, or the pre-4.0 m)")]
pub struct UnknownNodeType(pub String);

impl FromStr for EfmNodeType {
    type Err = UnknownNodeType;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "p" | "P" | "m" | "M" | "primary" | "master" => Ok(EfmNodeType::Primary),
            "s" | "S" | "standby" => Ok(EfmNodeType::Standby),
            other => Err(UnknownNodeType(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcp_proto::{Quarantine, ReplicationDelay, UnixTime, Weight};

    fn node(status: BackendStatus, role: Role) -> NodeInfo {
        NodeInfo {
            hostname: "h".into(),
            port: 5432,
            status,
            quarantine: Some(Quarantine::No),
            pg_status: None,
            weight: Weight::from_normalized(0.5),
            role,
            pg_role: None,
            replication_delay: ReplicationDelay::Bytes(0),
            replication_state: None,
            replication_sync_state: None,
            status_changed: UnixTime(0),
            extra: vec![],
        }
    }

    fn state(status: BackendStatus, role: Role) -> NodeState {
        NodeState::from_node_info(0, &node(status, role))
    }

    #[test]
    fn applied_states() {
        assert!(Action::Attach.is_applied(&state(BackendStatus::Up, Role::Standby)));
        assert!(Action::Attach.is_applied(&state(BackendStatus::Waiting, Role::Standby)));
        assert!(!Action::Attach.is_applied(&state(BackendStatus::Down, Role::Standby)));
        assert!(Action::Detach.is_applied(&state(BackendStatus::Down, Role::Standby)));
        let mut quarantined = node(BackendStatus::Down, Role::Standby);
        quarantined.quarantine = Some(Quarantine::Yes);
        assert!(Action::Detach.is_applied(&NodeState::from_node_info(0, &quarantined)));
        assert!(!Action::Detach.is_applied(&state(BackendStatus::Up, Role::Standby)));
        assert!(Action::Promote.is_applied(&state(BackendStatus::Up, Role::Primary)));
        assert!(!Action::Promote.is_applied(&state(BackendStatus::Down, Role::Primary)));
        assert!(!Action::Promote.is_applied(&state(BackendStatus::Up, Role::Standby)));
        let mut unread = state(BackendStatus::Up, Role::Primary);
        unread.role = None;
        assert!(
            !Action::Promote.is_applied(&unread),
            "no role read: not promoted"
        );
    }

    #[test]
    fn overall_outcome_of_composite_hooks() {
        use Outcome::*;
        assert_eq!(Outcome::overall([AlreadyApplied, Applied]), Applied);
        assert_eq!(Outcome::overall([Applied, Accepted]), Accepted);
        assert_eq!(
            Outcome::overall([AlreadyApplied, AlreadyApplied]),
            AlreadyApplied
        );
        assert_eq!(Outcome::overall([WouldApply, AlreadyApplied]), WouldApply);
        assert_eq!(Outcome::overall([]), AlreadyApplied);
    }

    #[test]
    fn efm_types() {
        assert_eq!("p".parse(), Ok(EfmNodeType::Primary));
        assert_eq!("m".parse(), Ok(EfmNodeType::Primary), "EFM before 4.0");
        assert_eq!("s".parse(), Ok(EfmNodeType::Standby));
        assert!("x".parse::<EfmNodeType>().is_err());
    }
}
