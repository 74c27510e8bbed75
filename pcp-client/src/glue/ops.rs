//! The glue's operations on a [`Client`]: each resolves its target, checks node info first so
//! that repeating it (EFM calls hooks from several agents) changes nothing, sends the request,
//! and can wait until node info shows the result.

use std::sync::Arc;
use std::time::Duration;

use pcp_proto::NodeInfo;

use super::backends::{backends_from_pool_status, find_backend, Backend, MatchError};
use super::host::{HostSpec, Resolver, SystemResolver};
use super::policy::{describe, is_primary, is_streaming, Action, EfmNodeType, Outcome};
use super::wait::{Poller, WaitPolicy};
use crate::error::{Error, ErrorKind, Result};
use crate::Client;

/// A session younger than this is reused for a mutation: nothing can have failed over since
/// it was opened that its snapshot would miss, short of a race no client can close.
const FRESH_SESSION: Duration = Duration::from_secs(1);

/// Which backend an operation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A Pgpool node id.
    Node(u32),
    /// A host (and optionally a port), mapped to a node id through pool status.
    Host(HostSpec),
}

impl From<u32> for Target {
    fn from(id: u32) -> Self {
        Target::Node(id)
    }
}

impl From<HostSpec> for Target {
    fn from(spec: HostSpec) -> Self {
        Target::Host(spec)
    }
}

/// A step of a long operation, for progress displays.
#[derive(Debug, Clone)]
pub struct WaitProgress {
    /// The node waited for.
    pub node: u32,
    /// What is expected, in words (`up`, `down`, `primary`, `streaming`).
    pub expecting: &'static str,
    /// The node's state at the last poll.
    pub state: String,
    /// Time spent so far.
    pub elapsed: Duration,
}

/// A callback that sees progress.
pub type ProgressFn = Arc<dyn Fn(&WaitProgress) + Send + Sync>;

/// How glue operations behave.
#[derive(Clone)]
pub struct GlueOptions {
    /// Wait until node info shows the result; `None` returns once Pgpool accepted the request.
    pub wait: Option<WaitPolicy>,
    /// Host resolution (the system resolver by default).
    pub resolver: Arc<dyn Resolver>,
    /// Called at every poll while waiting.
    pub progress: Option<ProgressFn>,
}

impl Default for GlueOptions {
    fn default() -> Self {
        GlueOptions {
            wait: None,
            resolver: Arc::new(SystemResolver),
            progress: None,
        }
    }
}

impl std::fmt::Debug for GlueOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlueOptions")
            .field("wait", &self.wait)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl GlueOptions {
    /// Options that wait up to `timeout` for each change to show.
    pub fn waiting(timeout: Duration) -> Self {
        GlueOptions {
            wait: Some(WaitPolicy::with_timeout(timeout)),
            ..Self::default()
        }
    }
}

/// What an operation did.
#[derive(Debug, Clone)]
pub struct OpReport {
    /// The action.
    pub action: Action,
    /// The node id acted on.
    pub node: u32,
    /// The backend, when the target was given as a host.
    pub backend: Option<Backend>,
    /// How it ended.
    pub outcome: Outcome,
    /// Node info before acting.
    pub before: NodeInfo,
    /// Node info at the end (when waited for, or when nothing had to be done).
    pub after: Option<NodeInfo>,
    /// Time spent.
    pub elapsed: Duration,
}

/// What `follow_primary` did.
#[derive(Debug, Clone)]
pub enum FollowOutcome {
    /// The node is the old primary: Pgpool's follow-primary hook has nothing to do for it.
    SkippedOldPrimary,
    /// The node streamed from the new primary and is attached.
    Attached(Box<OpReport>),
}

/// A request that changes Pgpool's view of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    Attach,
    Detach { graceful: bool },
    Promote { graceful: bool, switchover: bool },
}

impl Mutation {
    fn action(self) -> Action {
        match self {
            Mutation::Attach => Action::Attach,
            Mutation::Detach { .. } => Action::Detach,
            Mutation::Promote { .. } => Action::Promote,
        }
    }
}

fn match_error(err: MatchError) -> Error {
    let kind = match err {
        MatchError::NotFound { .. } => ErrorKind::NodeNotFound,
        MatchError::Ambiguous { .. } => ErrorKind::AmbiguousHost,
    };
    Error::other(kind, err.to_string())
}

impl Client {
    /// The backends Pgpool is configured with, from one pool-status round trip.
    pub async fn backends(&mut self) -> Result<Vec<Backend>> {
        Ok(backends_from_pool_status(&self.pool_status().await?))
    }

    /// The backend `spec` designates, with the system resolver: one pool-status round trip,
    /// then host comparison after normalisation and DNS resolution of both sides.
    ///
    /// Fails with [`ErrorKind::NodeNotFound`] (listing the configured backends) or
    /// [`ErrorKind::AmbiguousHost`] (listing the candidates; give the port).
    pub async fn resolve_backend(&mut self, spec: &HostSpec) -> Result<Backend> {
        self.resolve_backend_with(spec, &SystemResolver).await
    }

    /// [`resolve_backend`](Self::resolve_backend) with a given resolver.
    pub async fn resolve_backend_with(
        &mut self,
        spec: &HostSpec,
        resolver: &dyn Resolver,
    ) -> Result<Backend> {
        let backends = self.backends().await?;
        find_backend(&backends, spec, resolver)
            .await
            .map_err(match_error)
    }

    async fn target_id(
        &mut self,
        target: &Target,
        options: &GlueOptions,
    ) -> Result<(u32, Option<Backend>)> {
        match target {
            Target::Node(id) => Ok((*id, None)),
            Target::Host(spec) => {
                let backend = self
                    .resolve_backend_with(spec, options.resolver.as_ref())
                    .await?;
                Ok((backend.id, Some(backend)))
            }
        }
    }

    /// Whether the backend is Pgpool's primary, read from the typed role (correct on every
    /// server version), with its node info.
    pub async fn is_primary(&mut self, target: &Target) -> Result<(u32, bool, NodeInfo)> {
        let (id, _) = self.target_id(target, &GlueOptions::default()).await?;
        let info = self.node_info(id).await?;
        Ok((id, is_primary(&info), info))
    }

    /// Attaches a node (fail back). Already up: nothing is sent.
    pub async fn attach(&mut self, target: &Target, options: &GlueOptions) -> Result<OpReport> {
        self.apply(Mutation::Attach, target, options).await
    }

    /// Detaches a node (graceful: Pgpool waits for clients first). Already down or
    /// quarantined: nothing is sent, so no failover is triggered.
    pub async fn detach(
        &mut self,
        target: &Target,
        graceful: bool,
        options: &GlueOptions,
    ) -> Result<OpReport> {
        self.apply(Mutation::Detach { graceful }, target, options)
            .await
    }

    /// Makes a node Pgpool's primary; with `switchover` (4.3+) Pgpool detaches the current
    /// primary and runs its failover command with this node as the new main. Already primary:
    /// nothing is sent (the server would answer FATAL).
    pub async fn promote(
        &mut self,
        target: &Target,
        graceful: bool,
        switchover: bool,
        options: &GlueOptions,
    ) -> Result<OpReport> {
        self.apply(
            Mutation::Promote {
                graceful,
                switchover,
            },
            target,
            options,
        )
        .await
    }

    async fn send_mutation(&mut self, mutation: Mutation, id: u32) -> Result<()> {
        match mutation {
            Mutation::Attach => self.attach_node(id).await,
            Mutation::Detach { graceful } => self.detach_node(id, graceful).await,
            Mutation::Promote {
                graceful,
                switchover,
            } => self.promote_node(id, graceful, switchover).await,
        }
    }

    async fn apply(
        &mut self,
        mutation: Mutation,
        target: &Target,
        options: &GlueOptions,
    ) -> Result<OpReport> {
        let action = mutation.action();
        let start = std::time::Instant::now();
        let (id, backend) = self.target_id(target, options).await?;
        // A PCP session judges whether a node may be detached or attached from a snapshot of
        // the backend states taken when it was opened, and Pgpool restarts its PCP listener
        // after every failover and failback (the new listener waits for open sessions to end).
        // So each mutation runs on a fresh session (one opened just before, e.g. to resolve the
        // host, is fresh enough), closed once it is done.
        if self.session_age().is_some_and(|age| age > FRESH_SESSION) {
            self.disconnect().await.ok();
        }
        let result = self
            .apply_on_fresh_session(mutation, action, id, backend, options, start)
            .await;
        self.disconnect().await.ok();
        result
    }

    async fn apply_on_fresh_session(
        &mut self,
        mutation: Mutation,
        action: Action,
        id: u32,
        backend: Option<Backend>,
        options: &GlueOptions,
        start: std::time::Instant,
    ) -> Result<OpReport> {
        let before = self.node_info(id).await?;
        let report = |outcome, after: Option<NodeInfo>, before: NodeInfo| OpReport {
            action,
            node: id,
            backend: backend.clone(),
            outcome,
            before,
            after,
            elapsed: start.elapsed(),
        };
        if action.is_applied(&before) {
            tracing::info!(node = id, %action, state = %describe(&before), "already {}", action.expectation());
            return Ok(report(
                Outcome::AlreadyApplied,
                Some(before.clone()),
                before,
            ));
        }
        if let Err(err) = self.send_mutation(mutation, id).await {
            // Another agent may have won the race: if the node now shows the result, the
            // request was redundant, not failed.
            if err.kind() == ErrorKind::Server {
                if let Ok(now) = self.node_info(id).await {
                    if action.is_applied(&now) {
                        tracing::info!(node = id, %action, error = %err, "refused, but already {}", action.expectation());
                        return Ok(report(Outcome::AlreadyApplied, Some(now), before));
                    }
                }
            }
            return Err(err);
        }
        tracing::info!(node = id, %action, "request accepted by Pgpool");
        let Some(policy) = options.wait else {
            return Ok(report(Outcome::Accepted, None, before));
        };
        let after = self
            .wait_for_node(id, action.expectation(), policy, options, |n| {
                action.is_applied(n)
            })
            .await?;
        Ok(report(Outcome::Applied, Some(after), before))
    }

    /// Polls node info of `id` until `done` holds; fails with [`ErrorKind::NotApplied`]
    /// (naming the last state seen) when `policy.timeout` passes first.
    ///
    /// A refused or dropped connection is retried on the next poll: Pgpool restarts its PCP
    /// listener after every failover. Each poll uses its own PCP session, closed before the
    /// pause and on success: Pgpool's main process does not finish a failover (and so handles
    /// no queued request) while a PCP worker from before it is still connected.
    pub async fn wait_for_node(
        &mut self,
        id: u32,
        expecting: &'static str,
        policy: WaitPolicy,
        options: &GlueOptions,
        done: impl Fn(&NodeInfo) -> bool,
    ) -> Result<NodeInfo> {
        let mut poller = Poller::new(policy);
        let mut last: Option<NodeInfo> = None;
        loop {
            match self.node_info(id).await {
                Ok(info) => {
                    let step = WaitProgress {
                        node: id,
                        expecting,
                        state: describe(&info),
                        elapsed: poller.elapsed(),
                    };
                    tracing::debug!(node = id, state = %step.state, elapsed = ?step.elapsed, "waiting for {expecting}");
                    if let Some(progress) = &options.progress {
                        progress(&step);
                    }
                    if done(&info) {
                        self.release_session().await;
                        return Ok(info);
                    }
                    last = Some(info);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Io | ErrorKind::Closed | ErrorKind::Timeout
                    ) =>
                {
                    tracing::debug!(node = id, error = %e, "poll failed; retrying");
                }
                Err(e) => return Err(e),
            }
            // Never hold a PCP session between polls: after a failover or failback Pgpool's main
            // process restarts its PCP process and waits until every PCP worker has exited, and
            // it handles no further request (not even the one being waited for) until then.
            self.release_session().await;
            if !poller.pause().await {
                break;
            }
        }
        let seen = last
            .as_ref()
            .map(describe)
            .unwrap_or_else(|| "no answer".to_owned());
        Err(Error::other(
            ErrorKind::NotApplied,
            format!(
                "Pgpool accepted the request but node {id} was not {expecting} after {:.1} s (last seen: {seen})",
                poller.elapsed().as_secs_f64()
            ),
        ))
    }

    /// Ends the PCP session, if any, so that Pgpool's worker exits; the next call reconnects
    /// (which also gives a worker with a fresh view of the backends).
    async fn release_session(&mut self) {
        if let Err(e) = self.disconnect().await {
            tracing::debug!(error = %e, "closing the PCP session failed");
        }
    }

    /// Pgpool's follow-primary step without a fixed sleep: once `node` streams from the new
    /// primary (replication state in node info), attach it. `old_primary` is Pgpool's `%P`;
    /// for that node there is nothing to do.
    ///
    /// Waits up to `policy.timeout` for streaming, then attaches (and waits for the attach if
    /// `options.wait` is set). Polls at least four times per `sr_check_period`
    /// ([`WaitPolicy::within_refresh_period`]).
    ///
    /// Pgpool's replication state says "streaming from Pgpool's primary" and can be stale just
    /// after the primary changed: the replication check is skipped while a failover is being
    /// processed and only runs again once its worker has been restarted after it. So a
    /// `streaming` is believed only while Pgpool's primary is a node other than `old_primary`,
    /// and only if a state other than `streaming` was seen since (the check has run), or the
    /// state has stayed `streaming` for longer than one check period (`sr_check_period`, read
    /// from pool status) plus two seconds. With `sr_check_period = 0` Pgpool never reports the
    /// state, and this fails at once with [`ErrorKind::NotApplied`].
    pub async fn follow_primary(
        &mut self,
        node: u32,
        old_primary: Option<u32>,
        policy: WaitPolicy,
        options: &GlueOptions,
    ) -> Result<FollowOutcome> {
        if old_primary == Some(node) {
            tracing::info!(node, "old primary: nothing to follow");
            return Ok(FollowOutcome::SkippedOldPrimary);
        }
        let period = self.sr_check_period().await?;
        if period.is_zero() {
            return Err(Error::other(
                ErrorKind::NotApplied,
                format!(
                    "sr_check_period is 0: Pgpool does not check replication, so it cannot tell \
                     when node {node} streams; attach it yourself once it does"
                ),
            ));
        }
        let settle = period + Duration::from_secs(2);
        // The state changes once per check: poll often enough to see it within a quarter of
        // one (with `sr_check_period = 1`, pauses growing to 1 s cost about half a second).
        let mut poller = Poller::new(policy.within_refresh_period(period));
        let mut new_primary_since: Option<std::time::Duration> = None;
        let mut seen_not_streaming = false;
        let mut last = "no answer".to_owned();
        loop {
            match self.node_info_all().await {
                Ok(reply) => {
                    let primary = reply
                        .nodes
                        .iter()
                        .position(|n| is_primary(n) && n.status.is_usable())
                        .and_then(|p| u32::try_from(p).ok())
                        .filter(|&p| Some(p) != old_primary && p != node);
                    let info = reply.nodes.get(node as usize).ok_or_else(|| {
                        Error::other(
                            ErrorKind::NodeNotFound,
                            format!("Pgpool has no node {node} ({} nodes)", reply.nodes.len()),
                        )
                    })?;
                    let streaming = is_streaming(info);
                    let elapsed = poller.elapsed();
                    let mut believed = false;
                    if primary.is_some() {
                        let since = *new_primary_since.get_or_insert(elapsed);
                        if !streaming {
                            seen_not_streaming = true;
                        }
                        believed = streaming && (seen_not_streaming || elapsed >= since + settle);
                    }
                    last = match primary {
                        Some(p) => format!("{}; Pgpool's primary is node {p}", describe(info)),
                        None => format!("{}; Pgpool has no new primary yet", describe(info)),
                    };
                    let step = WaitProgress {
                        node,
                        expecting: "streaming",
                        state: last.clone(),
                        elapsed,
                    };
                    tracing::debug!(node, state = %step.state, elapsed = ?elapsed, believed, "waiting for streaming");
                    if let Some(progress) = &options.progress {
                        progress(&step);
                    }
                    if believed {
                        self.release_session().await;
                        break;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Io | ErrorKind::Closed | ErrorKind::Timeout
                    ) =>
                {
                    tracing::debug!(node, error = %e, "poll failed; retrying");
                }
                Err(e) => return Err(e),
            }
            self.release_session().await;
            if !poller.pause().await {
                return Err(Error::other(
                    ErrorKind::NotApplied,
                    format!(
                        "node {node} was not seen streaming from a new primary after {:.1} s (last seen: {last})",
                        poller.elapsed().as_secs_f64()
                    ),
                ));
            }
        }
        let report = self.attach(&Target::Node(node), options).await?;
        Ok(FollowOutcome::Attached(Box::new(report)))
    }

    /// Pgpool's `sr_check_period`, from pool status (10 s, Pgpool's default, if absent).
    async fn sr_check_period(&mut self) -> Result<Duration> {
        let items = self.pool_status().await?;
        let seconds = items
            .iter()
            .find(|i| i.name == "sr_check_period")
            .and_then(|i| i.value.trim().parse::<u64>().ok())
            .unwrap_or(10);
        Ok(Duration::from_secs(seconds))
    }

    /// EFM's `script.load.balancer.attach` (`%h %t`): attach the node; when EFM says it is the
    /// primary (`p`, or `m` before EFM 4.0), also make it Pgpool's primary.
    pub async fn lb_attach(
        &mut self,
        host: &HostSpec,
        node_type: EfmNodeType,
        options: &GlueOptions,
    ) -> Result<Vec<OpReport>> {
        let backend = self
            .resolve_backend_with(host, options.resolver.as_ref())
            .await?;
        let by_id = Target::Node(backend.id);
        let mut reports = vec![self.attach(&by_id, options).await?];
        if node_type == EfmNodeType::Primary {
            reports.push(self.promote(&by_id, false, false, options).await?);
        }
        for r in &mut reports {
            r.backend = Some(backend.clone());
        }
        Ok(reports)
    }

    /// EFM's `script.load.balancer.detach` (`%h %t`): detach the node (already down: nothing
    /// is sent). The node type is accepted for symmetry; Pgpool finds a new primary itself.
    pub async fn lb_detach(
        &mut self,
        host: &HostSpec,
        node_type: EfmNodeType,
        options: &GlueOptions,
    ) -> Result<OpReport> {
        tracing::debug!(?node_type, %host, "load-balancer detach");
        let backend = self
            .resolve_backend_with(host, options.resolver.as_ref())
            .await?;
        let mut report = self
            .detach(&Target::Node(backend.id), false, options)
            .await?;
        report.backend = Some(backend);
        Ok(report)
    }
}
