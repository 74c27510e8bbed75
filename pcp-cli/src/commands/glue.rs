//! The EFM/Pgpool glue commands, on `pcp_client::glue`: backends addressed by host,
//! idempotent attach/detach/promote with `--wait`, `resolve`, `is-primary`, `follow-primary`
//! and `lb attach|detach`.
//!
//! In drop-in mode (`plain`), attach/detach/promote send the request as is, as the pcp_*
//! tools do; everywhere else they go through the glue, which reads node info first and sends
//! nothing when the node is already in the requested state.

use std::time::Duration;

use pcp_client::glue::host::HostSpec;
use pcp_client::glue::ops::{FollowOutcome, GlueOptions, OpReport, Target as GlueTarget};
use pcp_client::glue::policy::{Action, EfmNodeType, Outcome};
use pcp_client::glue::wait::WaitPolicy;
use pcp_client::Client;

use crate::commands::{Op, Target};
use crate::error::CliError;
use crate::exit::ExitCode;
use crate::progress::Progress;
use crate::report::{
    ActionKind, ActionReport, ActionResult, IsPrimaryReport, Report, ResolveReport, Step,
};

fn host_spec(text: &str) -> Result<HostSpec, CliError> {
    text.parse::<HostSpec>()
        .map_err(|e| CliError::usage(format!("invalid backend host {text:?}: {e}")))
}

fn glue_target(target: &Target) -> Result<GlueTarget, CliError> {
    Ok(match target {
        Target::Id(id) => GlueTarget::Node(*id),
        Target::Host(host) => GlueTarget::Host(host_spec(host)?),
    })
}

fn options(wait: Option<Duration>, progress: &Progress) -> GlueOptions {
    let mut options = match wait {
        Some(limit) => GlueOptions::waiting(limit),
        None => GlueOptions::default(),
    };
    options.progress = progress.glue_callback();
    options
}

/// How a target is named in progress messages.
fn target_name(target: &Target) -> String {
    match target {
        Target::Id(id) => format!("node {id}"),
        Target::Host(host) => crate::sanitize::escape(host).into_owned(),
    }
}

/// Starts the spinner for an operation that can take a while: a graceful detach or promote
/// (one long request), or any `--wait`.
fn start(progress: &Progress, long: bool, wait: Option<Duration>, what: impl FnOnce() -> String) {
    if long || wait.is_some() {
        progress.start(what());
    }
}

fn result(outcome: Outcome) -> ActionResult {
    match outcome {
        Outcome::AlreadyApplied => ActionResult::AlreadyApplied,
        Outcome::Applied => ActionResult::Applied,
        Outcome::Accepted => ActionResult::Accepted,
        Outcome::WouldApply => ActionResult::WouldApply,
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Attach => "attach",
        Action::Detach => "detach",
        Action::Promote => "promote",
    }
}

/// An [`ActionReport`] from the glue's report.
fn from_op(kind: ActionKind, op: &OpReport) -> ActionReport {
    let mut a = ActionReport::accepted(kind, Some(op.node));
    a.result = result(op.outcome);
    a.node = op.after.clone();
    a.host = Some((op.before.hostname.clone(), op.before.port));
    a
}

fn action(a: ActionReport) -> Result<(Report, ExitCode), CliError> {
    Ok((Report::Action(a), ExitCode::Success))
}

/// Runs a glue operation (or, in drop-in mode, a plain attach/detach/promote).
pub(crate) async fn execute(
    client: &mut Client,
    op: &Op,
    progress: &Progress,
) -> Result<(Report, ExitCode), CliError> {
    match op {
        Op::Attach {
            target: Target::Id(id),
            plain: true,
            ..
        } => {
            client.attach_node(*id).await?;
            action(ActionReport::accepted(ActionKind::Attach, Some(*id)))
        }
        Op::Detach {
            target: Target::Id(id),
            graceful,
            plain: true,
            ..
        } => {
            start(progress, *graceful, None, || {
                format!("node {id}: graceful detach")
            });
            client.detach_node(*id, *graceful).await?;
            let mut a = ActionReport::accepted(ActionKind::Detach, Some(*id));
            a.graceful = *graceful;
            action(a)
        }
        Op::Promote {
            target: Target::Id(id),
            graceful,
            switchover,
            plain: true,
            ..
        } => {
            start(progress, *graceful, None, || {
                format!("node {id}: graceful promote")
            });
            client.promote_node(*id, *graceful, *switchover).await?;
            let mut a = ActionReport::accepted(ActionKind::Promote, Some(*id));
            a.graceful = *graceful;
            a.switchover = *switchover;
            action(a)
        }
        Op::Attach { target, wait, .. } => {
            start(progress, false, *wait, || {
                format!("{}: attaching", target_name(target))
            });
            let report = client
                .attach(&glue_target(target)?, &options(*wait, progress))
                .await?;
            action(from_op(ActionKind::Attach, &report))
        }
        Op::Detach {
            target,
            graceful,
            wait,
            ..
        } => {
            start(progress, *graceful, *wait, || {
                let how = if *graceful {
                    "graceful detach"
                } else {
                    "detaching"
                };
                format!("{}: {how}", target_name(target))
            });
            let report = client
                .detach(&glue_target(target)?, *graceful, &options(*wait, progress))
                .await?;
            let mut a = from_op(ActionKind::Detach, &report);
            a.graceful = *graceful;
            action(a)
        }
        Op::Promote {
            target,
            graceful,
            switchover,
            wait,
            ..
        } => {
            start(progress, *graceful, *wait, || {
                let how = if *graceful {
                    "graceful promote"
                } else {
                    "promoting"
                };
                format!("{}: {how}", target_name(target))
            });
            let report = client
                .promote(
                    &glue_target(target)?,
                    *graceful,
                    *switchover,
                    &options(*wait, progress),
                )
                .await?;
            let mut a = from_op(ActionKind::Promote, &report);
            a.graceful = *graceful;
            a.switchover = *switchover;
            action(a)
        }
        Op::Resolve { host } => {
            let backend = client.resolve_backend(&host_spec(host)?).await?;
            Ok((
                Report::Resolve(ResolveReport {
                    query: host.clone(),
                    node_id: backend.id,
                    hostname: backend.hostname,
                    port: backend.port,
                }),
                ExitCode::Success,
            ))
        }
        Op::IsPrimary { target } => {
            let node = client.node_state(&glue_target(target)?).await?;
            let code = if node.is_primary() {
                ExitCode::Success
            } else {
                ExitCode::No
            };
            Ok((Report::IsPrimary(IsPrimaryReport { node }), code))
        }
        Op::FollowPrimary {
            target,
            old_primary,
            stream_timeout,
            wait,
        } => {
            let id = match target {
                Target::Id(id) => *id,
                Target::Host(host) => client.resolve_backend(&host_spec(host)?).await?.id,
            };
            progress.start(format!(
                "node {id}: waiting for streaming from the new primary"
            ));
            let outcome = client
                .follow_primary(
                    id,
                    // Pgpool's %P is -1 when there was no primary.
                    old_primary.and_then(|p| u32::try_from(p).ok()),
                    WaitPolicy::with_timeout(*stream_timeout),
                    &options(*wait, progress),
                )
                .await?;
            match outcome {
                FollowOutcome::SkippedOldPrimary => {
                    let mut a = ActionReport::accepted(ActionKind::FollowPrimary, Some(id));
                    a.result = ActionResult::Skipped;
                    action(a)
                }
                FollowOutcome::Attached(report) => {
                    action(from_op(ActionKind::FollowPrimary, &report))
                }
            }
        }
        Op::Lb {
            attach,
            host,
            node_type,
            wait,
        } => {
            let spec = host_spec(host)?;
            let node_type = match node_type.as_deref() {
                None => EfmNodeType::Standby,
                Some(t) => t
                    .parse::<EfmNodeType>()
                    .map_err(|e| CliError::usage(e.to_string()))?,
            };
            start(progress, false, *wait, || {
                let what = if *attach { "attaching" } else { "detaching" };
                format!("{}: load balancing, {what}", crate::sanitize::escape(host))
            });
            let opts = options(*wait, progress);
            let reports = if *attach {
                client.lb_attach(&spec, node_type, &opts).await?
            } else {
                vec![client.lb_detach(&spec, node_type, &opts).await?]
            };
            let kind = if *attach {
                ActionKind::LbAttach
            } else {
                ActionKind::LbDetach
            };
            let last = reports
                .last()
                .ok_or_else(|| CliError::local("the glue reported no step"))?;
            let mut a = from_op(kind, last);
            a.result = result(Outcome::overall(reports.iter().map(|r| r.outcome)));
            a.steps = reports
                .iter()
                .map(|r| Step {
                    action: action_name(r.action),
                    result: result(r.outcome),
                })
                .collect();
            action(a)
        }
        _ => Err(CliError::local("not a glue operation")),
    }
}
