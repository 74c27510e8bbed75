//! [`Client`]: one typed async method per PCP command over one session, reconnecting on the
//! next call after the session was lost.

use std::fmt;

use bytes::BytesMut;
use pcp_proto::{
    AnyReader, Command, CompleteReader, ConfigItem, Generation, HealthCheckStats,
    HealthCheckStatsReader, NodeCountReader, NodeInfo, NodeInfoLayout, NodeInfoReader,
    NodeInfoReply, NodeSelector, PoolStatusReader, ProcessCountReader, ProcessInfoReader,
    ProcessInfoReply, Reply, ReplyReader, Request, Scope, ServerMessage, ShutdownMode, Version,
    WatchdogInfo, WatchdogInfoReader,
};
use tracing::Instrument;

use crate::config::{Config, Endpoint};
use crate::conn::{Budget, Connection, Notices};
use crate::connect::{establish, is_silent_drop, DROPPED_LOGIN_PAUSE};
use crate::error::{Error, ErrorKind, Result};

/// A PCP session with one Pgpool.
///
/// PCP answers strictly in order, one request at a time per connection, so every method takes
/// `&mut self`; open several clients for concurrency.
///
/// **Connection loss.** A FATAL from the server, EOF, a socket error, a timeout in the middle of
/// a reply or an undecodable reply ends the session; that call fails (it is never retried, so
/// a mutation never runs twice) and the *next* call connects again, to the first usable
/// endpoint. A session found closed while idle is replaced before anything is sent. A server
/// ERROR leaves the session usable.
///
/// **Old servers.** The client remembers which Pgpool releases the replies so far can come
/// from (node-info and process-info layouts, watchdog keys). A command that such a server
/// cannot know fails with [`ErrorKind::Unsupported`] without being sent. An older server's
/// FATAL "unknown PCP packet type" maps to [`ErrorKind::Unsupported`] too.
///
/// **Notices** (`N` frames) are logged with `tracing` and kept, up to a bound, until
/// [`take_notices`](Client::take_notices).
///
/// **Idle sessions and failovers.** Pgpool restarts its PCP listener after every failover or
/// failback, and the new listener accepts no connection until every open PCP session has
/// ended (observed with Pgpool 4.3.5: new connects hung until an idle session was closed).
/// Do not keep a session open across a failover you trigger or wait for: call
/// [`disconnect`](Client::disconnect) (the next call reconnects) or [`close`](Client::close).
pub struct Client {
    config: Config,
    conn: Option<Connection>,
    can_reconnect: bool,
    endpoint: Option<Endpoint>,
    generation: Option<Generation>,
    notices: Notices,
    warnings: Vec<String>,
    sessions: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("connected", &self.conn.is_some())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// The version a request needs, which can be newer than its command's for some options.
fn required_version(request: &Request) -> Version {
    match request {
        Request::StopPgpool {
            scope: Scope::Cluster,
            ..
        } => Version::new(4, 2),
        Request::PromoteNode {
            switchover: true, ..
        } => Version::new(4, 3),
        other => {
            let (major, minor) = other.command().since();
            Version::new(major, minor)
        }
    }
}

/// What the server's releases must satisfy given both facts, or `None` if they contradict
/// each other (then the newer fact wins).
fn intersect(a: Generation, b: Generation) -> Option<Generation> {
    let since = a.since.max(b.since);
    let until = match (a.until, b.until) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => Some(x.min(y)),
    };
    if until.is_some_and(|u| u < since) {
        None
    } else {
        Some(Generation { since, until })
    }
}

/// The releases a node-info reply reveals (an empty multi-packet reply only shows 4.3+).
fn node_info_generation(reply: &NodeInfoReply) -> Generation {
    if reply.nodes.is_empty() && reply.layout.is_multi_packet() {
        Generation::since(Version::new(4, 3))
    } else {
        reply.generation()
    }
}

fn reply_generation(reply: &Reply) -> Option<Generation> {
    match reply {
        Reply::NodeInfo(r) => Some(node_info_generation(r)),
        Reply::ProcessInfo(r) => r.generation(),
        Reply::WatchdogInfo(w) => Some(w.generation()),
        Reply::HealthCheckStats(h) => Some(h.generation()),
        _ => None,
    }
}

/// Requests that [`Client::request`] and [`Client::pipeline`] refuse: the login is the
/// client's business, `F` is never answered and `X` ends the session (use
/// [`Client::close`]).
fn refuse_generic(request: &Request) -> Result<()> {
    match request {
        Request::Salt | Request::Authenticate { .. } => Err(Error::invalid_argument(
            "authentication requests are sent by the client itself",
        )),
        Request::Noop => Err(Error::invalid_argument(
            "the server never answers the no-op request",
        )),
        Request::Terminate => Err(Error::invalid_argument(
            "use Client::close to end the session",
        )),
        _ => Ok(()),
    }
    .map_err(|e| e.with_command(request.command()))
}

/// Checks that a request can be encoded before a session is touched.
fn validate(request: &Request) -> Result<()> {
    request
        .encode(&mut BytesMut::new())
        .map_err(|e| Error::encode(e).with_command(request.command()))
}

impl Client {
    /// Connects to the endpoints of `config` (in order, or the watchdog leader first) and
    /// logs in.
    pub async fn connect(config: Config) -> Result<Client> {
        let budget = Budget::new(config.get_overall_timeout());
        let mut notices = Notices::new(config.get_max_notices());
        let established = establish(&config, &budget, &mut notices).await?;
        Ok(Client::from_parts(
            config,
            established.conn,
            true,
            notices,
            established.warnings,
        ))
    }

    pub(crate) fn from_parts(
        config: Config,
        conn: Connection,
        can_reconnect: bool,
        notices: Notices,
        warnings: Vec<String>,
    ) -> Client {
        Client {
            config,
            endpoint: conn.endpoint.clone(),
            conn: Some(conn),
            can_reconnect,
            generation: None,
            notices,
            warnings,
            sessions: 1,
        }
    }

    // ------------------------------------------------------------------ state

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The endpoint of the current (or last) session; `None` for [`crate::connect_raw`].
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }

    /// Whether a session is open (it may still turn out to be closed by the server).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The Pgpool releases the replies of this session so far can come from, if any reply
    /// revealed it. Forgotten on reconnect.
    pub fn known_generation(&self) -> Option<Generation> {
        self.generation
    }

    /// The notices received since the last call of this method (oldest first).
    pub fn take_notices(&mut self) -> Vec<ServerMessage> {
        self.notices.take()
    }

    /// How many notices were dropped because the bound was reached.
    pub fn dropped_notices(&self) -> u64 {
        self.notices.dropped()
    }

    /// How many sessions this client has opened (1 after connecting; each reconnect adds one).
    pub fn sessions_opened(&self) -> u64 {
        self.sessions
    }

    /// How long the current session has been open (`None` when disconnected). Pgpool's worker
    /// judges attach/detach requests against the backend states of when the session opened.
    pub fn session_age(&self) -> Option<std::time::Duration> {
        self.conn.as_ref().map(|c| c.opened_at.elapsed())
    }

    /// Warnings from the last connect, such as an ignored `.pcppass` file.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Closes the current session (if any) and connects again, e.g. before a mutation after a
    /// failover (a Pgpool worker judges node validity by its view at login).
    pub async fn reconnect(&mut self) -> Result<()> {
        if let Some(conn) = self.conn.take() {
            let _ = conn.terminate(self.config.get_connect_timeout()).await;
        }
        if !self.can_reconnect {
            return Err(Error::closed(
                "a client made with connect_raw cannot reconnect",
            ));
        }
        let budget = Budget::new(self.config.get_overall_timeout());
        let conn = self.open(&budget).await?;
        self.conn = Some(conn);
        Ok(())
    }

    /// Ends the current session (sending `X`) but keeps the client: the next call connects
    /// again. Use it to release Pgpool's PCP worker while idle, e.g. before waiting for a
    /// failover.
    pub async fn disconnect(&mut self) -> Result<()> {
        match self.conn.take() {
            Some(conn) => conn.terminate(self.config.get_connect_timeout()).await,
            None => Ok(()),
        }
    }

    /// Sends `X` and closes the session.
    pub async fn close(mut self) -> Result<()> {
        match self.conn.take() {
            Some(conn) => conn.terminate(self.config.get_connect_timeout()).await,
            None => Ok(()),
        }
    }

    /// The Pgpool releases this server can be. Probes with node info of node 0 when no reply
    /// has revealed it yet.
    pub async fn server_generation(&mut self) -> Result<Generation> {
        if let Some(generation) = self.generation.filter(|_| self.conn.is_some()) {
            return Ok(generation);
        }
        let reply = self
            .call(
                &Request::NodeInfo {
                    node: NodeSelector::Id(0),
                },
                NodeInfoReader::new(),
            )
            .await?;
        let revealed = node_info_generation(&reply);
        self.reveal(Some(revealed));
        Ok(self.generation.unwrap_or(revealed))
    }

    // ------------------------------------------------------------------ machinery

    fn reveal(&mut self, generation: Option<Generation>) {
        let Some(new) = generation else { return };
        self.generation = Some(match self.generation {
            Some(known) => intersect(known, new).unwrap_or(new),
            None => new,
        });
    }

    /// Connects anew (forgetting what the previous session revealed).
    async fn open(&mut self, budget: &Budget) -> Result<Connection> {
        let established = establish(&self.config, budget, &mut self.notices).await?;
        self.generation = None;
        self.sessions += 1;
        self.endpoint = established.conn.endpoint.clone();
        self.warnings = established.warnings;
        Ok(established.conn)
    }

    /// The open session, replaced first if it was found closed while idle.
    async fn ready_connection(&mut self, budget: &Budget) -> Result<Connection> {
        if let Some(mut conn) = self.conn.take() {
            // A close that arrived while the session was idle is seen here once the runtime's
            // I/O driver has run, which it does whenever the caller awaited anything else in
            // between. Forcing a driver turn (`yield_now`) would cost a system call per request
            // for the rare close that lands between two back-to-back calls.
            if conn.check_alive(&mut self.notices) {
                return Ok(conn);
            }
            tracing::debug!(endpoint = %conn.label, "session was closed by the server; reconnecting");
        }
        if !self.can_reconnect {
            return Err(Error::closed(
                "the session is closed and a client made with connect_raw cannot reconnect",
            ));
        }
        self.open(budget).await
    }

    /// Refuses, without sending, a request the known server generation cannot know.
    fn check_supported(&self, request: &Request) -> Result<()> {
        let needed = required_version(request);
        match self.generation {
            Some(generation) if generation.until.is_some_and(|until| until < needed) => {
                Err(Error::unsupported(format!(
                    "needs Pgpool {needed} or later; this server is Pgpool {generation}"
                ))
                .with_command(request.command()))
            }
            _ => Ok(()),
        }
    }

    /// Sends one request and reads its reply with `reader`.
    async fn call<R: ReplyReader>(&mut self, request: &Request, reader: R) -> Result<R::Output> {
        let command = request.command();
        validate(request)?;
        let budget = Budget::new(self.config.get_overall_timeout());
        let mut conn = self
            .ready_connection(&budget)
            .await
            .map_err(|e| e.with_command(command))?;
        if let Err(e) = self.check_supported(request) {
            self.conn = Some(conn);
            return Err(e);
        }
        let span = tracing::debug_span!("pcp", command = command.name(), endpoint = %conn.label);
        let limit = self.config.timeout_for(request);
        let mut sent = false;
        if conn.login_pending() {
            // The login went with this request (Config::pipeline_login). A session dropped
            // without a word before the login's verdict never ran the request (Pgpool runs
            // nothing before it has checked the login), so it is tried once more on a new
            // session, as connecting does for a login dropped that way.
            let notices = &mut self.notices;
            let first = budget
                .run(limit, command.name(), async {
                    conn.send(request).await?;
                    conn.read_login_verdict(notices).await
                })
                .instrument(span.clone())
                .await;
            match first {
                Ok(()) => sent = true,
                Err(e) if is_silent_drop(&e) => {
                    tracing::debug!(endpoint = %conn.label, "session dropped before the login's verdict ({e}); the request did not run: trying once more");
                    tokio::time::sleep(DROPPED_LOGIN_PAUSE).await;
                    conn = self
                        .open(&budget)
                        .await
                        .map_err(|e| e.with_command(command))?;
                }
                Err(e) => return Err(e.with_command(command).fatal()),
            }
        }
        let notices = &mut self.notices;
        let outcome = budget
            .run(limit, command.name(), async {
                if !sent {
                    conn.send(request).await?;
                }
                conn.read_reply(reader, notices).await
            })
            .instrument(span)
            .await;
        match outcome {
            Ok(Ok(value)) => {
                self.conn = Some(conn);
                Ok(value)
            }
            Ok(Err(msg)) => {
                if msg.closes_connection() {
                    tracing::debug!(endpoint = %conn.label, "server ended the session: {msg}");
                } else {
                    self.conn = Some(conn);
                }
                Err(Error::server(command, msg))
            }
            Err(e) => {
                tracing::debug!(endpoint = %conn.label, "session lost: {e}");
                Err(e.with_command(command).fatal())
            }
        }
    }

    async fn complete(&mut self, request: Request) -> Result<()> {
        let reader = CompleteReader::new(request.command());
        self.call(&request, reader).await
    }

    // ------------------------------------------------------------------ generic

    /// Sends any request (except the login, no-op and terminate requests) and returns its
    /// reply as a [`Reply`].
    pub async fn request(&mut self, request: &Request) -> Result<Reply> {
        refuse_generic(request)?;
        let reply = self
            .call(request, AnyReader::new(request.command()))
            .await?;
        self.reveal(reply_generation(&reply));
        Ok(reply)
    }

    /// Writes all `requests` in one write, then reads the replies in order.
    ///
    /// The outer `Err` means nothing could be sent (no session could be opened). Each request
    /// then has its own result: a server ERROR fails only that request; after a FATAL or a lost
    /// connection the remaining requests fail with [`ErrorKind::Closed`] (after a FATAL they
    /// were certainly not run; after a lost connection they may have been). Requests refused
    /// before sending (invalid arguments, commands the known server generation lacks) are not
    /// written at all.
    pub async fn pipeline(&mut self, requests: &[Request]) -> Result<Vec<Result<Reply>>> {
        let budget = Budget::new(self.config.get_overall_timeout());
        let mut results: Vec<Option<Result<Reply>>> = requests
            .iter()
            .map(|r| match refuse_generic(r).and_then(|()| validate(r)) {
                Ok(()) => None,
                Err(e) => Some(Err(e)),
            })
            .collect();
        let mut conn = self.ready_connection(&budget).await?;
        for (slot, request) in results.iter_mut().zip(requests) {
            if slot.is_none() {
                if let Err(e) = self.check_supported(request) {
                    *slot = Some(Err(e));
                }
            }
        }
        let to_send: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.is_none())
            .map(|(i, _)| i)
            .collect();
        let span =
            tracing::debug_span!("pcp_pipeline", requests = to_send.len(), endpoint = %conn.label);
        let mut alive = true;
        if !to_send.is_empty() {
            let write = budget
                .run(self.config.get_request_timeout(), "pipeline write", async {
                    for &i in &to_send {
                        if let Some(request) = requests.get(i) {
                            conn.feed(request).await?;
                        }
                    }
                    conn.flush().await
                })
                .instrument(span.clone())
                .await;
            let mut failure = write.err();
            for &i in &to_send {
                let Some(request) = requests.get(i) else {
                    continue;
                };
                let command = request.command();
                let result = if let Some(e) = failure.take() {
                    alive = false;
                    Err(e.with_command(command).fatal())
                } else if !alive {
                    Err(
                        Error::closed("no reply: the session ended earlier in the pipeline")
                            .with_command(command),
                    )
                } else {
                    let notices = &mut self.notices;
                    let outcome = budget
                        .run(
                            self.config.timeout_for(request),
                            command.name(),
                            conn.read_reply(AnyReader::new(command), notices),
                        )
                        .instrument(span.clone())
                        .await;
                    match outcome {
                        Ok(Ok(reply)) => {
                            self.reveal(reply_generation(&reply));
                            Ok(reply)
                        }
                        Ok(Err(msg)) => {
                            if msg.closes_connection() {
                                alive = false;
                            }
                            Err(Error::server(command, msg))
                        }
                        Err(e) => {
                            alive = false;
                            Err(e.with_command(command).fatal())
                        }
                    }
                };
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(result);
                }
            }
        }
        if alive {
            self.conn = Some(conn);
        }
        Ok(results
            .into_iter()
            .map(|slot| slot.unwrap_or_else(|| Err(Error::closed("no reply"))))
            .collect())
    }

    // ------------------------------------------------------------------ queries

    /// Number of configured backends (`L`).
    pub async fn node_count(&mut self) -> Result<u32> {
        self.call(&Request::NodeCount, NodeCountReader).await
    }

    /// One backend's information (`I <id>`).
    pub async fn node_info(&mut self, node: u32) -> Result<NodeInfo> {
        let reply = self
            .call(
                &Request::NodeInfo {
                    node: NodeSelector::Id(node),
                },
                NodeInfoReader::new(),
            )
            .await?;
        self.reveal(Some(node_info_generation(&reply)));
        let mut nodes = reply.nodes;
        match (nodes.pop(), nodes.is_empty()) {
            (Some(info), true) => Ok(info),
            (found, _) => Err(Error::protocol_msg(format!(
                "node info for node {node} carried {} records instead of 1",
                nodes.len() + usize::from(found.is_some())
            ))
            .with_command(Command::NodeInfo)
            .not_fatal()),
        }
    }

    /// Every backend's information, with the layout the server used.
    ///
    /// Uses `I -1` (Pgpool 4.3+). A server known to be older, or one that answers `-1` with an
    /// ERROR while its generation is not known to be 4.3+, is asked with the node count and
    /// one `I <n>` per node instead.
    pub async fn node_info_all(&mut self) -> Result<NodeInfoReply> {
        let v4_3 = Version::new(4, 3);
        // What a lost session revealed may not hold for the next one.
        let known_old = self
            .generation
            .filter(|_| self.conn.is_some())
            .and_then(|g| g.until)
            .is_some_and(|until| until < v4_3);
        if !known_old {
            let request = Request::NodeInfo {
                node: NodeSelector::All,
            };
            match self.call(&request, NodeInfoReader::new()).await {
                Ok(reply) => {
                    self.reveal(Some(node_info_generation(&reply)));
                    return Ok(reply);
                }
                Err(e)
                    if e.kind() == ErrorKind::Server
                        && !e.is_fatal()
                        && self.generation.is_none_or(|g| g.since < v4_3) =>
                {
                    tracing::debug!("node info -1 refused ({e}); asking node by node");
                }
                Err(e) => return Err(e),
            }
        }
        let count = self.node_count().await?;
        let mut nodes = Vec::with_capacity(count.min(128) as usize);
        let mut layout = None;
        for id in 0..count {
            let reply = self
                .call(
                    &Request::NodeInfo {
                        node: NodeSelector::Id(id),
                    },
                    NodeInfoReader::new(),
                )
                .await?;
            self.reveal(Some(node_info_generation(&reply)));
            layout.get_or_insert(reply.layout);
            nodes.extend(reply.nodes);
        }
        let layout = layout.unwrap_or_else(|| {
            self.generation
                .map(|g| NodeInfoLayout::for_version(g.since))
                .unwrap_or(NodeInfoLayout::V4_1)
        });
        Ok(NodeInfoReply { nodes, layout })
    }

    /// Health-check statistics of one backend (`H`, Pgpool 4.2+).
    pub async fn health_check_stats(&mut self, node: u32) -> Result<HealthCheckStats> {
        let stats = self
            .call(&Request::HealthCheckStats { node }, HealthCheckStatsReader)
            .await?;
        self.reveal(Some(stats.generation()));
        Ok(stats)
    }

    /// Health-check statistics of every configured backend, in node-id order: the node count,
    /// then one `H` per node, written together (Pgpool 4.2+).
    pub async fn health_check_stats_all(&mut self) -> Result<Vec<HealthCheckStats>> {
        let count = self.node_count().await?;
        let requests: Vec<Request> = (0..count)
            .map(|node| Request::HealthCheckStats { node })
            .collect();
        self.pipeline(&requests)
            .await?
            .into_iter()
            .map(|reply| match reply? {
                Reply::HealthCheckStats(stats) => Ok(stats),
                other => Err(Error::protocol_msg(format!(
                    "health-check statistics were answered with {other:?}"
                ))
                .with_command(Command::HealthCheckStats)
                .not_fatal()),
            })
            .collect()
    }

    /// PIDs of Pgpool's child processes (`N`).
    pub async fn process_count(&mut self) -> Result<Vec<u32>> {
        self.call(&Request::ProcessCount, ProcessCountReader).await
    }

    /// Connection-pool information of one child process, or of all (`None`) (`P`).
    pub async fn process_info(&mut self, pid: Option<u32>) -> Result<ProcessInfoReply> {
        let reply = self
            .call(
                &Request::ProcessInfo {
                    pid: pid.unwrap_or(0),
                },
                ProcessInfoReader::new(),
            )
            .await?;
        self.reveal(reply.generation());
        Ok(reply)
    }

    /// Pgpool's configuration (`B`).
    pub async fn pool_status(&mut self) -> Result<Vec<ConfigItem>> {
        self.call(&Request::PoolStatus, PoolStatusReader::new())
            .await
    }

    /// Watchdog cluster information (`W`); with [`NodeSelector::All`] the local node comes
    /// first. Fails with a server ERROR when the watchdog is off.
    pub async fn watchdog_info(&mut self, node: NodeSelector) -> Result<WatchdogInfo> {
        let info = self
            .call(&Request::WatchdogInfo { node }, WatchdogInfoReader)
            .await?;
        self.reveal(Some(info.generation()));
        Ok(info)
    }

    // ------------------------------------------------------------------ actions

    /// Attaches (fails back) a node (`C`). Pgpool only queues the request.
    pub async fn attach_node(&mut self, node: u32) -> Result<()> {
        self.complete(Request::AttachNode { node }).await
    }

    /// Detaches a node (`D`, or graceful `d`, which waits for clients and for the failover and
    /// uses the long-request limit).
    pub async fn detach_node(&mut self, node: u32, graceful: bool) -> Result<()> {
        self.complete(Request::DetachNode { node, graceful }).await
    }

    /// Promotes a node in Pgpool's view (`J`, or graceful `j`); with `switchover` (4.3+) the
    /// current primary is detached and `failover_command` runs with this node as new main.
    ///
    /// A switchover is refused with [`ErrorKind::Unsupported`] on a server older than 4.3,
    /// which would silently do a plain promote instead; when the generation is not known yet
    /// it is probed first.
    pub async fn promote_node(
        &mut self,
        node: u32,
        graceful: bool,
        switchover: bool,
    ) -> Result<()> {
        if switchover && (self.generation.is_none() || self.conn.is_none()) {
            if let Err(e) = self.server_generation().await {
                if e.kind() != ErrorKind::Server || e.is_fatal() {
                    return Err(e);
                }
            }
        }
        self.complete(Request::PromoteNode {
            node,
            graceful,
            switchover,
        })
        .await
    }

    /// Online recovery of a node (`O`): synchronous, may take minutes (long-request limit).
    pub async fn recover_node(&mut self, node: u32) -> Result<()> {
        self.complete(Request::RecoverNode { node }).await
    }

    /// Stops Pgpool (`T`), or the whole watchdog cluster (`t`, 4.2+). The reply comes before
    /// the shutdown starts.
    pub async fn stop_pgpool(&mut self, mode: ShutdownMode, scope: Scope) -> Result<()> {
        self.complete(Request::StopPgpool { mode, scope }).await
    }

    /// Reloads the configuration (`Z`, 4.2+).
    pub async fn reload_config(&mut self, scope: Scope) -> Result<()> {
        self.complete(Request::ReloadConfig { scope }).await
    }

    /// Rotates Pgpool's log (`V`, 4.6+).
    pub async fn log_rotate(&mut self, scope: Scope) -> Result<()> {
        self.complete(Request::LogRotate { scope }).await
    }

    /// Invalidates the query cache (`G`, 4.6+).
    pub async fn invalidate_query_cache(&mut self) -> Result<()> {
        self.complete(Request::InvalidateQueryCache).await
    }

    /// Sets a parameter of this session (`A`); Pgpool accepts only `client_min_messages`.
    pub async fn set_parameter(&mut self, name: &str, value: &str) -> Result<()> {
        self.complete(Request::SetParameter {
            name: name.to_owned(),
            value: value.to_owned(),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_intersect() {
        let v = Version::new;
        let node_43 = Generation::between(v(4, 3), v(4, 3));
        let proc_43 = Generation::between(v(4, 3), v(4, 4));
        let wd = Generation::since(v(4, 3));
        assert_eq!(intersect(proc_43, wd), Some(proc_43));
        assert_eq!(intersect(proc_43, node_43), Some(node_43));
        assert_eq!(intersect(Generation::between(v(4, 0), v(4, 0)), wd), None);
    }

    #[test]
    fn option_dependent_versions() {
        assert_eq!(
            required_version(&Request::StopPgpool {
                mode: ShutdownMode::Fast,
                scope: Scope::Cluster
            }),
            Version::new(4, 2)
        );
        assert_eq!(
            required_version(&Request::PromoteNode {
                node: 1,
                graceful: false,
                switchover: true
            }),
            Version::new(4, 3)
        );
        assert_eq!(
            required_version(&Request::LogRotate {
                scope: Scope::Local
            }),
            Version::new(4, 6)
        );
    }
}
