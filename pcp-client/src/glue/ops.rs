//! The glue's operations on a [`Client`]: each resolves its target and reads the node's state
//! from Pgpool's memory first (pool status, and health-check statistics where the role
//! matters; see [`super::state`]), so that repeating it (EFM calls hooks from several agents)
//! changes nothing, sends the request, and can wait until Pgpool shows the result.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use pcp_proto::NodeInfo;

use super::backends::{backends_from_pool_status, find_backend, Backend, MatchError};
use super::host::{HostSpec, Resolver, SystemResolver};
use super::policy::{describe, is_streaming, Action, EfmNodeType, NodeCondition, Outcome};
use super::state::{NodeState, PoolView};
use super::wait::{Poller, WaitPolicy};
use crate::error::{Error, ErrorKind, Result};
use crate::Client;

/// The future of one read of the server.
type ReadFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A read of the server, repeated by a polling loop.
type Read<'r, T> = dyn for<'a> Fn(&'a mut Client) -> ReadFuture<'a, T> + Send + Sync + 'r;

/// Gives a closure the higher-ranked signature of a [`Read`] (closures do not infer it).
fn read<T, F>(f: F) -> F
where
    F: for<'a> Fn(&'a mut Client) -> ReadFuture<'a, T> + Send + Sync,
{
    f
}

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
    /// Wait until Pgpool shows the result; `None` returns once Pgpool accepted the request.
    pub wait: Option<WaitPolicy>,
    /// Host resolution (the system resolver by default).
    pub resolver: Arc<dyn Resolver>,
    /// Called at every poll while waiting.
    pub progress: Option<ProgressFn>,
    /// Read the node's state and tell whether a request would be sent
    /// ([`Outcome::WouldApply`]), but send nothing (check mode, `--dry-run`).
    pub dry_run: bool,
}

impl Default for GlueOptions {
    fn default() -> Self {
        GlueOptions {
            wait: None,
            resolver: Arc::new(SystemResolver),
            progress: None,
            dry_run: false,
        }
    }
}

impl std::fmt::Debug for GlueOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlueOptions")
            .field("wait", &self.wait)
            .field("progress", &self.progress.is_some())
            .field("dry_run", &self.dry_run)
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
    /// The node's state before acting, from Pgpool's memory.
    pub before: NodeState,
    /// The node's state at the end (when waited for, or when nothing had to be done).
    pub after: Option<NodeState>,
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

    /// The node `target` designates in `view`, and its backend when it was given as a host.
    async fn pick(
        view: &PoolView,
        target: &Target,
        resolver: &dyn Resolver,
    ) -> Result<(u32, Option<Backend>)> {
        match target {
            Target::Node(id) => view.node(*id).map(|_| (*id, None)),
            Target::Host(spec) => {
                let backend = find_backend(&view.backends(), spec, resolver)
                    .await
                    .map_err(match_error)?;
                Ok((backend.id, Some(backend)))
            }
        }
    }

    /// The state of the backend `target` designates, with its role, from Pgpool's memory: one
    /// pool-status round trip, then health-check statistics of that node (node info before
    /// 4.2). Pgpool probes no backend for either, so a hung backend costs nothing here.
    pub async fn node_state(&mut self, target: &Target) -> Result<NodeState> {
        let view = self.pool_view().await?;
        let (id, _) = Self::pick(&view, target, &SystemResolver).await?;
        self.state_with_role(&view, id).await
    }

    /// Whether the backend is Pgpool's primary: [`node_state`](Self::node_state), whose
    /// [`NodeState::is_primary`] answers.
    pub async fn is_primary(&mut self, target: &Target) -> Result<NodeState> {
        self.node_state(target).await
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

    /// The state of node `id` that tells whether `action` is applied, read now: pool status,
    /// plus the node's health-check statistics when the role matters.
    async fn state_for(&mut self, id: u32, action: Action) -> Result<NodeState> {
        let view = self.pool_view().await?;
        self.state_in(&view, id, action).await
    }

    async fn state_in(&mut self, view: &PoolView, id: u32, action: Action) -> Result<NodeState> {
        if action.needs_role() {
            self.state_with_role(view, id).await
        } else {
            view.node(id).cloned()
        }
    }

    async fn apply(
        &mut self,
        mutation: Mutation,
        target: &Target,
        options: &GlueOptions,
    ) -> Result<OpReport> {
        let start = std::time::Instant::now();
        // A PCP session judges whether a node may be detached or attached from a snapshot of
        // the backend states taken when it was opened, and Pgpool restarts its PCP listener
        // after every failover and failback (the new listener waits for open sessions to end).
        // So each mutation runs on a fresh session (one opened just before is fresh enough),
        // closed once it is done.
        if self.session_age().is_some_and(|age| age > FRESH_SESSION) {
            self.disconnect().await.ok();
        }
        let result = self
            .apply_on_fresh_session(mutation, target, options, start)
            .await;
        self.disconnect().await.ok();
        result
    }

    async fn apply_on_fresh_session(
        &mut self,
        mutation: Mutation,
        target: &Target,
        options: &GlueOptions,
        start: std::time::Instant,
    ) -> Result<OpReport> {
        let action = mutation.action();
        // One pool-status reply maps the host and tells the status; the role (promote) comes
        // from the node's health-check statistics. Nothing here makes Pgpool probe a backend.
        let view = self.pool_view().await?;
        let (id, backend) = Self::pick(&view, target, options.resolver.as_ref()).await?;
        let before = self.state_in(&view, id, action).await?;
        let report = |outcome, after: Option<NodeState>, before: NodeState| OpReport {
            action,
            node: id,
            backend: backend.clone(),
            outcome,
            before,
            after,
            elapsed: start.elapsed(),
        };
        if action.is_applied(&before) {
            tracing::info!(node = id, %action, state = %before, "already {}", action.expectation());
            return Ok(report(
                Outcome::AlreadyApplied,
                Some(before.clone()),
                before,
            ));
        }
        if options.dry_run {
            tracing::info!(node = id, %action, state = %before, "dry run: a request would be sent");
            return Ok(report(Outcome::WouldApply, None, before));
        }
        if let Err(err) = self.send_mutation(mutation, id).await {
            // Another agent may have won the race: if the node now shows the result, the
            // request was redundant, not failed.
            if err.kind() == ErrorKind::Server {
                if let Ok(now) = self.state_for(id, action).await {
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
            .poll_node(
                id,
                action.expectation(),
                policy,
                options,
                &read(move |c| Box::pin(c.state_for(id, action))),
                |s: &NodeState| s.to_string(),
                &|s: &NodeState| action.is_applied(s),
            )
            .await?;
        Ok(report(Outcome::Applied, Some(after), before))
    }

    /// Polls node info of `id` until it shows `condition`; fails with
    /// [`ErrorKind::NotApplied`] (naming the last state seen) when `policy.timeout` passes
    /// first.
    ///
    /// Node info makes Pgpool 4.3+ probe the backend when health checks are on: the glue's
    /// own operations wait on Pgpool's memory instead (see [`super::state`]).
    pub async fn wait_for_node(
        &mut self,
        id: u32,
        condition: NodeCondition,
        policy: WaitPolicy,
        options: &GlueOptions,
    ) -> Result<NodeInfo> {
        let node_info = read(move |c| Box::pin(c.node_info(id)));
        let done = move |n: &NodeInfo| condition.holds(id, n);
        self.poll_node(
            id,
            condition.as_str(),
            policy,
            options,
            &node_info,
            describe,
            &done,
        )
        .await
    }

    /// Repeats `read` until `done` holds of what it returns; fails with
    /// [`ErrorKind::NotApplied`] (naming the last state seen) when `policy.timeout` passes.
    ///
    /// A refused or dropped connection is retried on the next poll: Pgpool restarts its PCP
    /// listener after every failover. Each poll uses its own PCP session, closed before the
    /// pause and on success: Pgpool's main process does not finish a failover (and so handles
    /// no queued request) while a PCP worker from before it is still connected.
    #[allow(clippy::too_many_arguments)]
    async fn poll_node<T>(
        &mut self,
        id: u32,
        expecting: &'static str,
        policy: WaitPolicy,
        options: &GlueOptions,
        read: &Read<'_, T>,
        describe: impl Fn(&T) -> String,
        done: &(dyn Fn(&T) -> bool + Send + Sync),
    ) -> Result<T> {
        let mut poller = Poller::new(policy);
        let mut last: Option<String> = None;
        loop {
            match read(self).await {
                Ok(value) => {
                    let step = WaitProgress {
                        node: id,
                        expecting,
                        state: describe(&value),
                        elapsed: poller.elapsed(),
                    };
                    tracing::debug!(node = id, state = %step.state, elapsed = ?step.elapsed, "waiting for {expecting}");
                    if let Some(progress) = &options.progress {
                        progress(&step);
                    }
                    if done(&value) {
                        self.release_session().await;
                        return Ok(value);
                    }
                    last = Some(step.state);
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
        let seen = last.unwrap_or_else(|| "no answer".to_owned());
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
    /// ([`WaitPolicy::within_refresh_period`]). Each poll reads Pgpool's primary from memory
    /// (pool status and health-check statistics) and node info of `node` alone: node info
    /// makes Pgpool 4.3+ probe the backends it reports, and the old primary may be the one
    /// that hangs.
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
        let view = self.pool_view().await?;
        view.node(node)?;
        let period = view.sr_check_period;
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
        let mut last: String;
        loop {
            match self.follow_step(node, old_primary).await {
                Ok((primary, info)) => {
                    let streaming = is_streaming(&info);
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
                        Some(p) => format!("{}; Pgpool's primary is node {p}", describe(&info)),
                        None => format!("{}; Pgpool has no new primary yet", describe(&info)),
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
                // The node being followed is often restarting (rebuilt from the new
                // primary): Pgpool's probe for node info then fails, and Pgpool answers with
                // an error (4.3: FATAL "Backend throw an error message"). That is a state not
                // yet known, not a failure: ask again.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Io | ErrorKind::Closed | ErrorKind::Timeout | ErrorKind::Server
                    ) =>
                {
                    tracing::debug!(node, error = %e, "poll failed; retrying");
                    last = format!("no answer ({e})");
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

    /// One look for `follow_primary`: Pgpool's usable primary other than `old_primary` and
    /// `node` (from memory), and node info of `node` alone (its replication state).
    async fn follow_step(
        &mut self,
        node: u32,
        old_primary: Option<u32>,
    ) -> Result<(Option<u32>, NodeInfo)> {
        let view = self.pool_view().await?;
        let primary = self
            .states_with_roles(&view)
            .await?
            .iter()
            .find(|s| s.is_primary() && s.status.is_usable())
            .map(|s| s.node_id)
            .filter(|&p| Some(p) != old_primary && p != node);
        let info = self.node_info(node).await?;
        Ok((primary, info))
    }

    /// EFM's `script.load.balancer.attach` (`%h %t`): attach the node; when EFM says it is the
    /// primary (`p`, or `m` before EFM 4.0), also make it Pgpool's primary.
    pub async fn lb_attach(
        &mut self,
        host: &HostSpec,
        node_type: EfmNodeType,
        options: &GlueOptions,
    ) -> Result<Vec<OpReport>> {
        let attached = self.attach(&Target::Host(host.clone()), options).await?;
        let backend = attached.backend.clone();
        let by_id = Target::Node(attached.node);
        let mut reports = vec![attached];
        if node_type == EfmNodeType::Primary {
            let mut promoted = self.promote(&by_id, false, false, options).await?;
            promoted.backend = backend;
            reports.push(promoted);
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
        self.detach(&Target::Host(host.clone()), false, options)
            .await
    }
}
