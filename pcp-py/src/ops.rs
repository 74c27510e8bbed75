//! Every operation once, as a boxed closure over a connected `pcp_client::Client`; the sync
//! and async classes only differ in how they run it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use pcp_client::glue::host::HostSpec;
use pcp_client::glue::ops::{FollowOutcome, GlueOptions, Target};
use pcp_client::glue::policy::{EfmNodeType, NodeCondition, UnknownCondition};
use pcp_client::glue::wait::WaitPolicy;
use pcp_client::Client as PcpClient;
use pcp_proto::{NodeSelector, Scope, ShutdownMode, UnknownName};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::errors::Failure;
use crate::types::{
    generation_text, Backend, ConfigItem, HealthCheckStats, NodeInfo, NodeInfoReply, OpReport,
    ProcessInfoReply, WatchdogInfo,
};

pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, Failure>> + Send + 'a>>;

/// An operation on a connected client.
pub(crate) type Op<T> = Box<dyn for<'a> FnOnce(&'a mut PcpClient) -> BoxFut<'a, T> + Send>;

fn op<T, F>(f: F) -> Op<T>
where
    F: for<'a> FnOnce(&'a mut PcpClient) -> BoxFut<'a, T> + Send + 'static,
{
    Box::new(f)
}

// ------------------------------------------------------------------ argument conversion

fn value_error(text: String) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(text)
}

/// A node id (int) or a backend host `host[:port]` (str).
pub(crate) fn target(value: &Bound<'_, PyAny>) -> PyResult<Target> {
    if value.is_instance_of::<PyString>() {
        return host_spec(&value.extract::<String>()?).map(Target::Host);
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Target::Node(value.extract::<u32>()?));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "target must be a node id (int) or a backend host 'host[:port]' (str), not {}",
        value.get_type().name()?
    )))
}

pub(crate) fn host_spec(text: &str) -> PyResult<HostSpec> {
    text.parse::<HostSpec>()
        .map_err(|e| value_error(format!("invalid backend host {text:?}: {e}")))
}

pub(crate) fn node_type(text: &str) -> PyResult<EfmNodeType> {
    text.parse::<EfmNodeType>()
        .map_err(|e| value_error(e.to_string()))
}

pub(crate) fn shutdown_mode(text: &str) -> PyResult<ShutdownMode> {
    text.parse()
        .map_err(|e: UnknownName| value_error(e.to_string()))
}

pub(crate) fn scope(text: &str) -> PyResult<Scope> {
    text.parse()
        .map_err(|e: UnknownName| value_error(e.to_string()))
}

pub(crate) fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        value_error(format!(
            "{name} must be a finite number of seconds >= 0, not {value}"
        ))
    })
}

/// Glue options: `wait` seconds until node info shows the change, or None.
pub(crate) fn glue_options(wait: Option<f64>, dry_run: bool) -> PyResult<GlueOptions> {
    let mut options = match wait {
        Some(w) => GlueOptions::waiting(seconds("wait", w)?),
        None => GlueOptions::default(),
    };
    options.dry_run = dry_run;
    Ok(options)
}

/// What `wait_for_node` waits for.
pub(crate) fn condition(text: &str) -> PyResult<NodeCondition> {
    text.parse()
        .map_err(|e: UnknownCondition| value_error(e.to_string()))
}

// ------------------------------------------------------------------ session

pub(crate) fn connect() -> Op<()> {
    op(|_| Box::pin(async { Ok(()) }))
}

pub(crate) fn server_generation() -> Op<String> {
    op(|c| Box::pin(async move { Ok(generation_text(c.server_generation().await?)) }))
}

// ------------------------------------------------------------------ queries

pub(crate) fn node_count() -> Op<u32> {
    op(|c| Box::pin(async move { Ok(c.node_count().await?) }))
}

pub(crate) fn node_info(id: u32) -> Op<NodeInfo> {
    op(move |c| {
        Box::pin(async move {
            let info = c.node_info(id).await?;
            Ok(NodeInfo::new(id, info, c.known_generation()))
        })
    })
}

pub(crate) fn node_info_all() -> Op<NodeInfoReply> {
    op(|c| {
        Box::pin(async move {
            let reply = c.node_info_all().await?;
            Ok(NodeInfoReply::new(reply.nodes, c.known_generation()))
        })
    })
}

pub(crate) fn health_check_stats(id: u32) -> Op<HealthCheckStats> {
    op(move |c| {
        Box::pin(async move {
            let stats = c.health_check_stats(id).await?;
            Ok(HealthCheckStats::new(stats, c.known_generation()))
        })
    })
}

pub(crate) fn health_check_stats_all() -> Op<Vec<HealthCheckStats>> {
    op(move |c| {
        Box::pin(async move {
            let all = c.health_check_stats_all().await?;
            let generation = c.known_generation();
            Ok(all
                .into_iter()
                .map(|s| HealthCheckStats::new(s, generation))
                .collect())
        })
    })
}

pub(crate) fn process_count() -> Op<Vec<u32>> {
    op(|c| Box::pin(async move { Ok(c.process_count().await?) }))
}

pub(crate) fn process_info(pid: Option<u32>) -> Op<ProcessInfoReply> {
    op(move |c| {
        Box::pin(async move {
            let reply = c.process_info(pid).await?;
            Ok(ProcessInfoReply::new(reply.processes, c.known_generation()))
        })
    })
}

pub(crate) fn pool_status() -> Op<Vec<ConfigItem>> {
    op(|c| {
        Box::pin(async move {
            Ok(c.pool_status()
                .await?
                .into_iter()
                .map(ConfigItem::new)
                .collect())
        })
    })
}

pub(crate) fn watchdog_info(id: Option<u32>) -> Op<WatchdogInfo> {
    let selector = id.map_or(NodeSelector::All, NodeSelector::Id);
    op(move |c| {
        Box::pin(async move {
            let info = c.watchdog_info(selector).await?;
            Ok(WatchdogInfo::new(info, c.known_generation()))
        })
    })
}

// ------------------------------------------------------------------ actions

pub(crate) fn attach_node(id: u32) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.attach_node(id).await?) }))
}

pub(crate) fn detach_node(id: u32, graceful: bool) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.detach_node(id, graceful).await?) }))
}

pub(crate) fn promote_node(id: u32, graceful: bool, switchover: bool) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.promote_node(id, graceful, switchover).await?) }))
}

pub(crate) fn recover_node(id: u32) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.recover_node(id).await?) }))
}

pub(crate) fn stop_pgpool(mode: ShutdownMode, scope: Scope) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.stop_pgpool(mode, scope).await?) }))
}

pub(crate) fn reload_config(scope: Scope) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.reload_config(scope).await?) }))
}

pub(crate) fn log_rotate(scope: Scope) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.log_rotate(scope).await?) }))
}

pub(crate) fn invalidate_query_cache() -> Op<()> {
    op(|c| Box::pin(async move { Ok(c.invalidate_query_cache().await?) }))
}

pub(crate) fn set_parameter(name: String, value: String) -> Op<()> {
    op(move |c| Box::pin(async move { Ok(c.set_parameter(&name, &value).await?) }))
}

// ------------------------------------------------------------------ glue

pub(crate) fn backends() -> Op<Vec<Backend>> {
    op(
        |c| {
            Box::pin(async move { Ok(c.backends().await?.into_iter().map(Backend::new).collect()) })
        },
    )
}

pub(crate) fn resolve(spec: HostSpec) -> Op<Backend> {
    op(move |c| Box::pin(async move { Ok(Backend::new(c.resolve_backend(&spec).await?)) }))
}

pub(crate) fn is_primary(target: Target) -> Op<bool> {
    op(move |c| Box::pin(async move { Ok(c.node_state(&target).await?.is_primary()) }))
}

pub(crate) fn attach(target: Target, options: GlueOptions) -> Op<OpReport> {
    op(move |c| {
        Box::pin(async move {
            let report = c.attach(&target, &options).await?;
            Ok(OpReport::new(report))
        })
    })
}

pub(crate) fn detach(target: Target, graceful: bool, options: GlueOptions) -> Op<OpReport> {
    op(move |c| {
        Box::pin(async move {
            let report = c.detach(&target, graceful, &options).await?;
            Ok(OpReport::new(report))
        })
    })
}

pub(crate) fn promote(
    target: Target,
    graceful: bool,
    switchover: bool,
    options: GlueOptions,
) -> Op<OpReport> {
    op(move |c| {
        Box::pin(async move {
            let report = c.promote(&target, graceful, switchover, &options).await?;
            Ok(OpReport::new(report))
        })
    })
}

/// `FollowOutcome::Attached` carries the report boxed or not, depending on the client
/// version; both are accepted.
trait Unbox {
    fn unbox(self) -> pcp_client::glue::ops::OpReport;
}

impl Unbox for pcp_client::glue::ops::OpReport {
    fn unbox(self) -> pcp_client::glue::ops::OpReport {
        self
    }
}

impl Unbox for Box<pcp_client::glue::ops::OpReport> {
    fn unbox(self) -> pcp_client::glue::ops::OpReport {
        *self
    }
}

pub(crate) fn follow_primary(
    node: u32,
    old_primary: Option<u32>,
    streaming_timeout: Duration,
    options: GlueOptions,
) -> Op<Option<OpReport>> {
    op(move |c| {
        Box::pin(async move {
            let policy = WaitPolicy::with_timeout(streaming_timeout);
            match c
                .follow_primary(node, old_primary, policy, &options)
                .await?
            {
                FollowOutcome::SkippedOldPrimary => Ok(None),
                FollowOutcome::Attached(report) => Ok(Some(OpReport::new(report.unbox()))),
            }
        })
    })
}

pub(crate) fn lb_attach(
    host: HostSpec,
    node_type: EfmNodeType,
    options: GlueOptions,
) -> Op<Vec<OpReport>> {
    op(move |c| {
        Box::pin(async move {
            let reports = c.lb_attach(&host, node_type, &options).await?;
            Ok(reports.into_iter().map(OpReport::new).collect())
        })
    })
}

pub(crate) fn lb_detach(
    host: HostSpec,
    node_type: EfmNodeType,
    options: GlueOptions,
) -> Op<OpReport> {
    op(move |c| {
        Box::pin(async move {
            let report = c.lb_detach(&host, node_type, &options).await?;
            Ok(OpReport::new(report))
        })
    })
}

pub(crate) fn wait_for_node(id: u32, until: NodeCondition, timeout: Duration) -> Op<NodeInfo> {
    op(move |c| {
        Box::pin(async move {
            let policy = WaitPolicy::with_timeout(timeout);
            let info = c
                .wait_for_node(id, until, policy, &GlueOptions::default())
                .await?;
            Ok(NodeInfo::new(id, info, c.known_generation()))
        })
    })
}
