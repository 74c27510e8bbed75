//! The operations, independent of how they were asked for (pcpctl's subcommands or a
//! drop-in `pcp_*` command line), and their execution over a [`Client`].

pub(crate) mod glue;

use std::time::Duration;

use pcp_client::Client;
use pcp_proto::{NodeSelector, Scope, ShutdownMode};

use crate::cli::{self, Command, LbCommand, ModeArg, ScopeArg};
use crate::error::CliError;
use crate::exit::ExitCode;
use crate::progress::Progress;
use crate::report::{ActionKind, ActionReport, NodeRow, Report};

/// A backend as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// By node id.
    Id(u32),
    /// By `HOST[:PORT]`.
    Host(String),
}

impl Target {
    /// From the positional `NODE_ID|HOST[:PORT]`, `-n`, `--node-host`, `--node-port`.
    pub(crate) fn from_args(args: &cli::TargetArgs) -> Result<Self, CliError> {
        if let Some(id) = args.node_id {
            return Ok(Target::Id(id));
        }
        if let Some(host) = &args.node_host {
            return Ok(match args.node_port {
                Some(port) if host.contains(':') && !host.starts_with('[') => {
                    Target::Host(format!("[{host}]:{port}"))
                }
                Some(port) => Target::Host(format!("{host}:{port}")),
                None => Target::Host(host.clone()),
            });
        }
        match args.target.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t
                .parse()
                .map(Target::Id)
                .map_err(|_| CliError::usage(format!("invalid node id {t:?}"))),
            Some(t) if !t.is_empty() => Ok(Target::Host(t.to_owned())),
            _ => Err(CliError::usage(
                "no backend given (a node id or HOST[:PORT])",
            )),
        }
    }
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// `node-count`.
    NodeCount,
    /// `node-info`.
    NodeInfo {
        /// One node, or all.
        node: Option<u32>,
        /// Include slots without a host name.
        include_unused: bool,
    },
    /// `health-check-stats`.
    HealthCheckStats {
        /// One node, or all.
        node: Option<u32>,
    },
    /// `proc-count`.
    ProcCount,
    /// `proc-info`.
    ProcInfo {
        /// One child process, or all.
        pid: Option<u32>,
        /// Include slots without a database.
        include_idle: bool,
    },
    /// `pool-status`.
    PoolStatus,
    /// `watchdog-info`.
    WatchdogInfo {
        /// One watchdog node, or all.
        id: Option<u32>,
    },
    /// `attach`.
    Attach {
        /// The backend.
        target: Target,
        /// `--wait`.
        wait: Option<Duration>,
        /// Send the request as is, as the pcp_* tools do (drop-in mode); otherwise the glue
        /// checks node info first and sends nothing when already applied.
        plain: bool,
    },
    /// `detach`.
    Detach {
        /// The backend.
        target: Target,
        /// `-g`.
        graceful: bool,
        /// `--wait`.
        wait: Option<Duration>,
        /// As for `Attach`.
        plain: bool,
    },
    /// `promote`.
    Promote {
        /// The backend.
        target: Target,
        /// `-g`.
        graceful: bool,
        /// `-s`.
        switchover: bool,
        /// `--wait`.
        wait: Option<Duration>,
        /// As for `Attach`.
        plain: bool,
    },
    /// `recovery`.
    Recovery {
        /// The node.
        node: u32,
    },
    /// `stop`.
    Stop {
        /// Shutdown mode.
        mode: ShutdownMode,
        /// Scope.
        scope: Scope,
    },
    /// `reload`.
    Reload {
        /// Scope.
        scope: Scope,
    },
    /// `log-rotate`.
    LogRotate {
        /// Scope.
        scope: Scope,
    },
    /// `invalidate-query-cache`.
    InvalidateQueryCache,
    /// `resolve`.
    Resolve {
        /// `HOST[:PORT]`.
        host: String,
    },
    /// `is-primary`.
    IsPrimary {
        /// The backend.
        target: Target,
    },
    /// `follow-primary`.
    FollowPrimary {
        /// The node to re-attach (%d).
        target: Target,
        /// Pgpool's old primary (%P).
        old_primary: Option<i64>,
        /// How long to wait for streaming.
        stream_timeout: Duration,
        /// `--wait` (for the attach).
        wait: Option<Duration>,
    },
    /// `lb attach|detach`.
    Lb {
        /// Attach (true) or detach.
        attach: bool,
        /// EFM's `%h`.
        host: String,
        /// EFM's `%t`.
        node_type: Option<String>,
        /// `--wait`.
        wait: Option<Duration>,
    },
}

fn mode(m: ModeArg) -> ShutdownMode {
    match m {
        ModeArg::Smart => ShutdownMode::Smart,
        ModeArg::Fast => ShutdownMode::Fast,
        ModeArg::Immediate => ShutdownMode::Immediate,
    }
}

fn scope(s: ScopeArg) -> Scope {
    match s {
        ScopeArg::Local => Scope::Local,
        ScopeArg::Cluster => Scope::Cluster,
    }
}

impl Op {
    /// The operation of a subcommand that talks to Pgpool (`None` for local ones).
    pub(crate) fn from_command(cmd: &Command) -> Result<Option<Op>, CliError> {
        Ok(Some(match cmd {
            Command::NodeCount => Op::NodeCount,
            Command::NodeInfo(a) => Op::NodeInfo {
                node: a.select.get(),
                include_unused: a.all,
            },
            Command::HealthCheckStats(a) => Op::HealthCheckStats { node: a.get() },
            Command::ProcCount => Op::ProcCount,
            Command::ProcInfo(a) => Op::ProcInfo {
                pid: a.get(),
                include_idle: a.all,
            },
            Command::PoolStatus => Op::PoolStatus,
            Command::WatchdogInfo(a) => Op::WatchdogInfo { id: a.get() },
            Command::Attach(a) => Op::Attach {
                target: Target::from_args(&a.target)?,
                wait: a.wait.wait,
                plain: false,
            },
            Command::Detach(a) => Op::Detach {
                target: Target::from_args(&a.target)?,
                graceful: a.graceful,
                wait: a.wait.wait,
                plain: false,
            },
            Command::Promote(a) => Op::Promote {
                target: Target::from_args(&a.target)?,
                graceful: a.graceful,
                switchover: a.switchover,
                wait: a.wait.wait,
                plain: false,
            },
            Command::Recovery(a) => Op::Recovery { node: a.get() },
            Command::Stop(a) => Op::Stop {
                mode: mode(a.mode),
                scope: scope(a.scope),
            },
            Command::Reload(a) => Op::Reload {
                scope: scope(a.scope),
            },
            Command::LogRotate(a) => Op::LogRotate {
                scope: scope(a.scope),
            },
            Command::InvalidateQueryCache => Op::InvalidateQueryCache,
            Command::Resolve(a) => Op::Resolve {
                host: a.host.clone(),
            },
            Command::IsPrimary(a) => Op::IsPrimary {
                target: Target::from_args(a)?,
            },
            Command::FollowPrimary(a) => Op::FollowPrimary {
                target: Target::from_args(&a.target)?,
                old_primary: a.old_primary,
                stream_timeout: a.stream_timeout,
                wait: a.wait.wait,
            },
            Command::Lb(lb) => {
                let (attach, a) = match lb {
                    LbCommand::Attach(a) => (true, a),
                    LbCommand::Detach(a) => (false, a),
                };
                Op::Lb {
                    attach,
                    host: a.host.clone(),
                    node_type: a.node_type.clone(),
                    wait: a.wait.wait,
                }
            }
            Command::InstallLinks(_)
            | Command::Completions(_)
            | Command::Man
            | Command::Watch(_) => return Ok(None),
        }))
    }
}

/// Runs `op`; the exit code is `Success` except for negative answers (`is-primary`).
/// Long operations show `progress` (a spinner, when one is shown at all).
pub(crate) async fn execute(
    client: &mut Client,
    op: &Op,
    progress: &Progress,
) -> Result<(Report, ExitCode), CliError> {
    let ok = |r: Report| Ok((r, ExitCode::Success));
    match op {
        Op::NodeCount => ok(Report::NodeCount(client.node_count().await?)),
        Op::NodeInfo {
            node,
            include_unused,
        } => {
            let (nodes, layout) = match node {
                Some(id) => {
                    let info = client.node_info(*id).await?;
                    // What the reply revealed of the server's release.
                    let layout = client
                        .known_generation()
                        .map(|g| pcp_proto::NodeInfoLayout::for_version(g.since));
                    (vec![NodeRow { id: *id, info }], layout)
                }
                None => {
                    let reply = client.node_info_all().await?;
                    let layout = reply.layout;
                    let nodes = reply
                        .nodes
                        .into_iter()
                        .zip(0u32..)
                        .map(|(info, id)| NodeRow { id, info })
                        .collect();
                    (nodes, Some(layout))
                }
            };
            ok(Report::NodeInfo {
                nodes,
                include_unused: *include_unused,
                layout,
            })
        }
        Op::HealthCheckStats { node } => ok(Report::HealthCheckStats(match node {
            Some(id) => vec![client.health_check_stats(*id).await?],
            None => client.health_check_stats_all().await?,
        })),
        Op::ProcCount => ok(Report::ProcCount(client.process_count().await?)),
        Op::ProcInfo { pid, include_idle } => {
            let reply = client.process_info(*pid).await?;
            ok(Report::ProcInfo {
                rows: reply.processes,
                include_idle: *include_idle,
                layout: reply.layout,
            })
        }
        Op::PoolStatus => ok(Report::PoolStatus(client.pool_status().await?)),
        Op::WatchdogInfo { id } => {
            let selector = match id {
                Some(id) => NodeSelector::Id(*id),
                None => NodeSelector::All,
            };
            ok(Report::WatchdogInfo(client.watchdog_info(selector).await?))
        }
        Op::Recovery { node } => {
            progress.start(format!("node {node}: online recovery"));
            client.recover_node(*node).await?;
            ok(Report::Action(ActionReport::accepted(
                ActionKind::Recovery,
                Some(*node),
            )))
        }
        Op::Stop { mode, scope } => {
            client.stop_pgpool(*mode, *scope).await?;
            let mut a = ActionReport::accepted(ActionKind::Stop, None);
            a.mode = Some(*mode);
            a.scope = Some(*scope);
            ok(Report::Action(a))
        }
        Op::Reload { scope } => {
            client.reload_config(*scope).await?;
            let mut a = ActionReport::accepted(ActionKind::Reload, None);
            a.scope = Some(*scope);
            ok(Report::Action(a))
        }
        Op::LogRotate { scope } => {
            client.log_rotate(*scope).await?;
            let mut a = ActionReport::accepted(ActionKind::LogRotate, None);
            a.scope = Some(*scope);
            ok(Report::Action(a))
        }
        Op::InvalidateQueryCache => {
            client.invalidate_query_cache().await?;
            ok(Report::Action(ActionReport::accepted(
                ActionKind::InvalidateQueryCache,
                None,
            )))
        }
        Op::Attach { .. }
        | Op::Detach { .. }
        | Op::Promote { .. }
        | Op::Resolve { .. }
        | Op::IsPrimary { .. }
        | Op::FollowPrimary { .. }
        | Op::Lb { .. } => glue::execute(client, op, progress).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(pos: Option<&str>, n: Option<u32>, host: Option<&str>, port: Option<u16>) -> Target {
        Target::from_args(&cli::TargetArgs {
            target: pos.map(str::to_owned),
            node_id: n,
            node_host: host.map(str::to_owned),
            node_port: port,
        })
        .unwrap()
    }

    #[test]
    fn targets() {
        assert_eq!(target(Some("2"), None, None, None), Target::Id(2));
        assert_eq!(target(None, Some(3), None, None), Target::Id(3));
        assert_eq!(
            target(Some("10.0.0.2:5432"), None, None, None),
            Target::Host("10.0.0.2:5432".into())
        );
        assert_eq!(
            target(None, None, Some("db2"), Some(5433)),
            Target::Host("db2:5433".into())
        );
        assert_eq!(
            target(None, None, Some("::1"), Some(5433)),
            Target::Host("[::1]:5433".into())
        );
    }
}
