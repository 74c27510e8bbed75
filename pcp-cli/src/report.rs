//! What a command found or did, independent of how it is printed. The printers in
//! [`crate::output`] turn a [`Report`] into human, JSON or pcp text.

use pcp_client::glue::state::NodeState;
use pcp_proto::{
    ConfigItem, HealthCheckStats, NodeInfo, NodeInfoLayout, ProcessInfo, ProcessInfoLayout, Scope,
    ShutdownMode, WatchdogInfo,
};

/// A backend with its node id.
#[derive(Debug, Clone)]
pub(crate) struct NodeRow {
    /// Pgpool's node id.
    pub(crate) id: u32,
    /// What node info said.
    pub(crate) info: NodeInfo,
}

/// The result of one command.
#[derive(Debug, Clone)]
pub(crate) enum Report {
    /// `node-count`.
    NodeCount(u32),
    /// `node-info`.
    NodeInfo {
        /// The nodes, in id order.
        nodes: Vec<NodeRow>,
        /// Whether slots without a host name are shown.
        include_unused: bool,
        /// The layout the server answered with (its generation), if known.
        layout: Option<NodeInfoLayout>,
    },
    /// `health-check-stats`.
    HealthCheckStats(Vec<HealthCheckStats>),
    /// `proc-count`.
    ProcCount(Vec<u32>),
    /// `proc-info`.
    ProcInfo {
        /// Every slot the server listed.
        rows: Vec<ProcessInfo>,
        /// Whether slots without a database are shown.
        include_idle: bool,
        /// The layout the server answered with (its generation).
        layout: Option<ProcessInfoLayout>,
    },
    /// `pool-status`.
    PoolStatus(Vec<ConfigItem>),
    /// `watchdog-info`.
    WatchdogInfo(WatchdogInfo),
    /// A command that changes something.
    Action(ActionReport),
    /// `resolve`.
    Resolve(ResolveReport),
    /// `is-primary`.
    IsPrimary(IsPrimaryReport),
}

/// Which change was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionKind {
    /// `attach`.
    Attach,
    /// `detach`.
    Detach,
    /// `promote`.
    Promote,
    /// `recovery`.
    Recovery,
    /// `stop`.
    Stop,
    /// `reload`.
    Reload,
    /// `log-rotate`.
    LogRotate,
    /// `invalidate-query-cache`.
    InvalidateQueryCache,
    /// `follow-primary`.
    FollowPrimary,
    /// `lb attach`.
    LbAttach,
    /// `lb detach`.
    LbDetach,
}

impl ActionKind {
    /// The subcommand name (also the JSON `command`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            ActionKind::Attach => "attach",
            ActionKind::Detach => "detach",
            ActionKind::Promote => "promote",
            ActionKind::Recovery => "recovery",
            ActionKind::Stop => "stop",
            ActionKind::Reload => "reload",
            ActionKind::LogRotate => "log-rotate",
            ActionKind::InvalidateQueryCache => "invalidate-query-cache",
            ActionKind::FollowPrimary => "follow-primary",
            ActionKind::LbAttach => "lb-attach",
            ActionKind::LbDetach => "lb-detach",
        }
    }

    /// The pcp_* tool that does the same.
    pub(crate) fn pcp_program(self) -> &'static str {
        match self {
            ActionKind::Attach | ActionKind::LbAttach | ActionKind::FollowPrimary => {
                "pcp_attach_node"
            }
            ActionKind::Detach | ActionKind::LbDetach => "pcp_detach_node",
            ActionKind::Promote => "pcp_promote_node",
            ActionKind::Recovery => "pcp_recovery_node",
            ActionKind::Stop => "pcp_stop_pgpool",
            ActionKind::Reload => "pcp_reload_config",
            ActionKind::LogRotate => "pcp_log_rotate",
            ActionKind::InvalidateQueryCache => "pcp_invalidate_query_cache",
        }
    }
}

/// How a change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionResult {
    /// Pgpool accepted the request (it applies most of them asynchronously).
    Accepted,
    /// Pgpool accepted the request and node info shows it applied.
    Applied,
    /// The node was already in the requested state; nothing was sent.
    AlreadyApplied,
    /// Nothing to do for this node (follow-primary: the old primary).
    Skipped,
    /// A dry run: a request would be sent (none was).
    WouldApply,
}

impl ActionResult {
    /// The JSON word.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ActionResult::Accepted => "accepted",
            ActionResult::Applied => "applied",
            ActionResult::AlreadyApplied => "already_applied",
            ActionResult::Skipped => "skipped",
            ActionResult::WouldApply => "would_apply",
        }
    }
}

/// A change and how it ended.
#[derive(Debug, Clone)]
pub(crate) struct ActionReport {
    /// What was asked.
    pub(crate) kind: ActionKind,
    /// The node it was about.
    pub(crate) node_id: Option<u32>,
    /// Detach/promote `-g`.
    pub(crate) graceful: bool,
    /// Promote `-s`.
    pub(crate) switchover: bool,
    /// Stop mode.
    pub(crate) mode: Option<ShutdownMode>,
    /// Stop/reload/log-rotate scope.
    pub(crate) scope: Option<Scope>,
    /// How it ended.
    pub(crate) result: ActionResult,
    /// The node's state in Pgpool's memory at the end, when it was looked at.
    pub(crate) node: Option<NodeState>,
    /// The backend's host and port, when known.
    pub(crate) host: Option<(String, u16)>,
    /// The requests a composite command made (lb attach: attach, then promote).
    pub(crate) steps: Vec<Step>,
}

/// One request of a composite command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// `attach`, `detach`, `promote`.
    pub(crate) action: &'static str,
    /// How it ended.
    pub(crate) result: ActionResult,
}

impl ActionReport {
    /// A request Pgpool accepted.
    pub(crate) fn accepted(kind: ActionKind, node_id: Option<u32>) -> Self {
        ActionReport {
            kind,
            node_id,
            graceful: false,
            switchover: false,
            mode: None,
            scope: None,
            result: ActionResult::Accepted,
            node: None,
            host: None,
            steps: Vec::new(),
        }
    }
}

/// `resolve`: which backend a host is.
#[derive(Debug, Clone)]
pub(crate) struct ResolveReport {
    /// What was asked, as given.
    pub(crate) query: String,
    /// The backend's node id.
    pub(crate) node_id: u32,
    /// `backend_hostnameN`.
    pub(crate) hostname: String,
    /// `backend_portN`.
    pub(crate) port: u16,
}

/// `is-primary`.
#[derive(Debug, Clone)]
pub(crate) struct IsPrimaryReport {
    /// The node's state in Pgpool's memory, with its role.
    pub(crate) node: NodeState,
}

impl IsPrimaryReport {
    /// The answer.
    pub(crate) fn is_primary(&self) -> bool {
        self.node.is_primary()
    }
}
