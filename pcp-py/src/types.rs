//! The typed, immutable result objects (`#[pyclass(frozen)]`): attributes, a readable
//! `__repr__`, `to_dict()` with plain Python values, and equality.
//!
//! Status, role and outcome attributes are the string-valued enums of `pgpool_pcp._enums`
//! (`BackendStatus`, `Role`, `Outcome`: `str` subclasses, so `node.status == "up"` holds).

use pcp_client::glue::backends::Backend as RsBackend;
use pcp_client::glue::ops::OpReport as RsOpReport;
use pcp_client::glue::state::NodeState as RsNodeState;
use pcp_proto::{
    ConfigItem as RsConfigItem, Generation, HealthCheckStats as RsHealth, LocalDateTime,
    NodeInfo as RsNodeInfo, ProcessInfo as RsProcessInfo, Quarantine, ReplicationDelay, Role,
    Timestamp, WatchdogInfo as RsWatchdogInfo, WatchdogNode as RsWatchdogNode,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyIterator, PyList, PyModule};
use pyo3::IntoPyObjectExt;

static ENUMS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// A member of one of the Python enums (unknown values map to its `UNKNOWN` member).
fn py_enum<'py>(py: Python<'py>, class: &str, value: &str) -> PyResult<Bound<'py, PyAny>> {
    let module = ENUMS.get_or_try_init(py, || py.import("pgpool_pcp._enums").map(Bound::unbind))?;
    module.bind(py).getattr(class)?.call1((value,))
}

/// `4.3`, `4.4+` or `4.1-4.2`.
pub(crate) fn generation_text(g: Generation) -> String {
    match g.until {
        None => format!("{}+", g.since),
        Some(until) if until == g.since => g.since.to_string(),
        Some(until) => format!("{}-{}", g.since, until),
    }
}

fn local_text(t: Option<LocalDateTime>) -> Option<String> {
    t.map(|t| t.to_string())
}

/// A time as the protocol sends it: seconds since the epoch, or the server's local
/// `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Clone, PartialEq, Eq, IntoPyObject)]
pub(crate) enum TimeValue {
    Epoch(u64),
    Local(String),
}

fn time_value(t: Option<Timestamp>) -> Option<TimeValue> {
    t.map(|t| match t {
        Timestamp::Unix(u) => TimeValue::Epoch(u.0),
        Timestamp::Local(l) => TimeValue::Local(l.to_string()),
    })
}

type Items<'py> = Vec<(&'static str, Bound<'py, PyAny>)>;

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<Bound<'py, PyAny>> {
    value.into_bound_py_any(py)
}

fn dict_of<'py>(py: Python<'py>, items: Items<'py>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in items {
        dict.set_item(key, value)?;
    }
    Ok(dict)
}

/// `Name(a=1, b='x')` from the chosen items.
fn repr_of(py: Python<'_>, name: &str, items: Items<'_>, keys: &[&str]) -> PyResult<String> {
    let mut parts = Vec::new();
    for (key, value) in items {
        if keys.is_empty() || keys.contains(&key) {
            let shown = if let Ok(s) = value.extract::<String>() {
                // The enums are str subclasses; show their value.
                s.into_pyobject(py)?.repr()?.to_string()
            } else {
                value.repr()?.to_string()
            };
            parts.push(format!("{key}={shown}"));
        }
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

/// The methods every record shares, from its `items`.
macro_rules! record_methods {
    ($ty:ident, $name:literal, [$($key:literal),*]) => {
        #[pymethods]
        impl $ty {
            /// The record as a dict of plain Python values (enums as their string values).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let items = self.items(py, true)?;
                dict_of(py, items)
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr_of(py, $name, self.items(py, false)?, &[$($key),*])
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                other.cast::<$ty>().is_ok_and(|o| *o.get() == *self)
            }
        }
    };
}

/// The items, the record getter and the sequence protocol of a reply that holds a list of
/// records (`$field`, of `$record`) and the server's generation.
macro_rules! sequence_reply {
    ($ty:ident, $field:ident, $record:ty, $out_of_range:literal, $doc:literal) => {
        impl $ty {
            fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
                let list = PyList::empty(py);
                for record in &self.$field {
                    if plain {
                        list.append(record.to_dict(py)?)?;
                    } else {
                        list.append(record.clone())?;
                    }
                }
                Ok(vec![
                    (stringify!($field), list.into_any()),
                    ("generation", any(py, &self.generation)?),
                ])
            }
        }

        #[pymethods]
        impl $ty {
            #[doc = $doc]
            #[getter]
            fn $field(&self) -> Vec<$record> {
                self.$field.clone()
            }

            fn __len__(&self) -> usize {
                self.$field.len()
            }

            fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
                PyList::new(py, self.$field.clone())?.try_iter()
            }

            fn __getitem__(&self, index: isize) -> PyResult<$record> {
                let len = self.$field.len() as isize;
                let i = if index < 0 { index + len } else { index };
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.$field.get(i))
                    .cloned()
                    .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err($out_of_range))
            }
        }
    };
}

// --------------------------------------------------------------------------- NodeInfo

/// One backend as node info reports it.
#[pyclass(frozen, module = "pgpool_pcp", name = "NodeInfo")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeInfo {
    /// Pgpool's node id.
    #[pyo3(get)]
    node_id: u32,
    /// `backend_hostnameN`.
    #[pyo3(get)]
    hostname: String,
    /// `backend_portN`.
    #[pyo3(get)]
    port: u16,
    status: String,
    /// Watchdog quarantine flag (None when the server does not send it).
    #[pyo3(get)]
    quarantine: Option<bool>,
    /// Live probe result (4.3+): "up", "down" or "unknown".
    #[pyo3(get)]
    pg_status: Option<String>,
    /// Share of read traffic, 0..1.
    #[pyo3(get)]
    weight: f64,
    role: String,
    pg_role: Option<String>,
    #[pyo3(get)]
    replication_delay_bytes: Option<u64>,
    #[pyo3(get)]
    replication_delay_seconds: Option<f64>,
    #[pyo3(get)]
    replication_state: Option<String>,
    #[pyo3(get)]
    replication_sync_state: Option<String>,
    /// Last status change, seconds since the epoch.
    #[pyo3(get)]
    status_changed: u64,
    #[pyo3(get)]
    extra: Vec<String>,
    /// The Pgpool releases the server can be, as far as the replies so far reveal.
    #[pyo3(get)]
    generation: Option<String>,
}

impl NodeInfo {
    pub(crate) fn new(node_id: u32, n: RsNodeInfo, generation: Option<Generation>) -> Self {
        let (bytes, seconds) = match n.replication_delay {
            ReplicationDelay::Bytes(b) => (Some(b), None),
            ReplicationDelay::Time(d) => (None, Some(d.as_secs_f64())),
        };
        NodeInfo {
            node_id,
            status: n.effective_status().name().to_owned(),
            quarantine: n.quarantine.as_ref().and_then(|q| match q {
                Quarantine::No => Some(false),
                Quarantine::Yes => Some(true),
                _ => None,
            }),
            pg_status: n.pg_status.map(|s| s.name().to_owned()),
            weight: n.weight.normalized(),
            role: n.role.name().to_owned(),
            pg_role: n.pg_role.map(|r| r.name().to_owned()),
            replication_delay_bytes: bytes,
            replication_delay_seconds: seconds,
            replication_state: n.replication_state.map(|s| s.name().to_owned()),
            replication_sync_state: n.replication_sync_state.map(|s| s.name().to_owned()),
            status_changed: n.status_changed.0,
            extra: n.extra,
            hostname: n.hostname,
            port: n.port,
            generation: generation.map(generation_text),
        }
    }

    fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
        let status = if plain {
            any(py, &self.status)?
        } else {
            self.status(py)?
        };
        let role = if plain {
            any(py, &self.role)?
        } else {
            self.role(py)?
        };
        Ok(vec![
            ("node_id", any(py, self.node_id)?),
            ("hostname", any(py, &self.hostname)?),
            ("port", any(py, self.port)?),
            ("status", status),
            ("quarantine", any(py, self.quarantine)?),
            ("pg_status", any(py, &self.pg_status)?),
            ("weight", any(py, self.weight)?),
            ("role", role),
            ("pg_role", any(py, &self.pg_role)?),
            (
                "replication_delay_bytes",
                any(py, self.replication_delay_bytes)?,
            ),
            (
                "replication_delay_seconds",
                any(py, self.replication_delay_seconds)?,
            ),
            ("replication_state", any(py, &self.replication_state)?),
            (
                "replication_sync_state",
                any(py, &self.replication_sync_state)?,
            ),
            ("status_changed", any(py, self.status_changed)?),
            ("extra", any(py, &self.extra)?),
            ("generation", any(py, &self.generation)?),
        ])
    }
}

#[pymethods]
impl NodeInfo {
    /// Pgpool's status of the backend (`quarantine` for a down node with the flag set).
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "BackendStatus", &self.status)
    }

    /// Pgpool's role of the backend.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "Role", &self.role)
    }

    /// The role the backend reports itself (4.3+), if probed.
    #[getter]
    fn pg_role<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.pg_role
            .as_deref()
            .map(|r| py_enum(py, "Role", r))
            .transpose()
    }

    /// True when Pgpool sends queries to the node (up or waiting).
    #[getter]
    fn is_up(&self) -> bool {
        matches!(self.status.as_str(), "up" | "waiting")
    }

    /// True when Pgpool considers the node its primary.
    #[getter]
    fn is_primary(&self) -> bool {
        Role::from_name(&self.role) == Role::Primary
    }
}

record_methods!(
    NodeInfo,
    "NodeInfo",
    [
        "node_id",
        "hostname",
        "port",
        "status",
        "role",
        "replication_state",
        "generation"
    ]
);

/// Every backend's node info.
#[pyclass(frozen, sequence, module = "pgpool_pcp", name = "NodeInfoReply")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeInfoReply {
    nodes: Vec<NodeInfo>,
    /// The Pgpool releases the server can be, as far as the replies so far reveal.
    #[pyo3(get)]
    generation: Option<String>,
}

impl NodeInfoReply {
    pub(crate) fn new(nodes: Vec<RsNodeInfo>, generation: Option<Generation>) -> Self {
        let nodes = nodes
            .into_iter()
            .zip(0u32..)
            .map(|(n, id)| NodeInfo::new(id, n, generation))
            .collect();
        NodeInfoReply {
            nodes,
            generation: generation.map(generation_text),
        }
    }
}

sequence_reply!(
    NodeInfoReply,
    nodes,
    NodeInfo,
    "node index out of range",
    "The records in node-id order (unused slots, with an empty host name, included)."
);
record_methods!(NodeInfoReply, "NodeInfoReply", []);

// --------------------------------------------------------------------------- health check

/// Health-check statistics of one backend. Durations in ms; times in the server's local time
/// (`YYYY-MM-DD HH:MM:SS`), None for a check that never happened.
#[pyclass(frozen, module = "pgpool_pcp", name = "HealthCheckStats")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HealthCheckStats {
    #[pyo3(get)]
    node_id: u32,
    #[pyo3(get)]
    hostname: String,
    #[pyo3(get)]
    port: u16,
    status_name: String,
    role_name: String,
    #[pyo3(get)]
    last_status_change: Option<String>,
    #[pyo3(get)]
    total_count: u64,
    #[pyo3(get)]
    success_count: u64,
    #[pyo3(get)]
    fail_count: u64,
    #[pyo3(get)]
    skip_count: u64,
    #[pyo3(get)]
    retry_count: u64,
    #[pyo3(get)]
    average_retry_count: f64,
    #[pyo3(get)]
    max_retry_count: u64,
    #[pyo3(get)]
    max_duration_ms: u64,
    #[pyo3(get)]
    min_duration_ms: u64,
    #[pyo3(get)]
    average_duration_ms: f64,
    #[pyo3(get)]
    last_health_check: Option<String>,
    #[pyo3(get)]
    last_successful_health_check: Option<String>,
    #[pyo3(get)]
    last_skip_health_check: Option<String>,
    #[pyo3(get)]
    last_failed_health_check: Option<String>,
    #[pyo3(get)]
    generation: Option<String>,
}

impl HealthCheckStats {
    pub(crate) fn new(h: RsHealth, generation: Option<Generation>) -> Self {
        HealthCheckStats {
            node_id: h.node_id,
            hostname: h.hostname,
            port: h.port,
            status_name: h.status.name().to_owned(),
            role_name: h.role.name().to_owned(),
            last_status_change: local_text(h.last_status_change),
            total_count: h.total_count,
            success_count: h.success_count,
            fail_count: h.fail_count,
            skip_count: h.skip_count,
            retry_count: h.retry_count,
            average_retry_count: h.average_retry_count,
            max_retry_count: h.max_retry_count,
            max_duration_ms: h.max_duration_ms,
            min_duration_ms: h.min_duration_ms,
            average_duration_ms: h.average_duration_ms,
            last_health_check: local_text(h.last_health_check),
            last_successful_health_check: local_text(h.last_successful_health_check),
            last_skip_health_check: local_text(h.last_skip_health_check),
            last_failed_health_check: local_text(h.last_failed_health_check),
            generation: generation.map(generation_text),
        }
    }

    fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
        let (status, role) = if plain {
            (any(py, &self.status_name)?, any(py, &self.role_name)?)
        } else {
            (self.status(py)?, self.role(py)?)
        };
        Ok(vec![
            ("node_id", any(py, self.node_id)?),
            ("hostname", any(py, &self.hostname)?),
            ("port", any(py, self.port)?),
            ("status", status),
            ("role", role),
            ("last_status_change", any(py, &self.last_status_change)?),
            ("total_count", any(py, self.total_count)?),
            ("success_count", any(py, self.success_count)?),
            ("fail_count", any(py, self.fail_count)?),
            ("skip_count", any(py, self.skip_count)?),
            ("retry_count", any(py, self.retry_count)?),
            ("average_retry_count", any(py, self.average_retry_count)?),
            ("max_retry_count", any(py, self.max_retry_count)?),
            ("max_duration_ms", any(py, self.max_duration_ms)?),
            ("min_duration_ms", any(py, self.min_duration_ms)?),
            ("average_duration_ms", any(py, self.average_duration_ms)?),
            ("last_health_check", any(py, &self.last_health_check)?),
            (
                "last_successful_health_check",
                any(py, &self.last_successful_health_check)?,
            ),
            (
                "last_skip_health_check",
                any(py, &self.last_skip_health_check)?,
            ),
            (
                "last_failed_health_check",
                any(py, &self.last_failed_health_check)?,
            ),
            ("generation", any(py, &self.generation)?),
        ])
    }
}

#[pymethods]
impl HealthCheckStats {
    /// The backend's status.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "BackendStatus", &self.status_name)
    }

    /// The backend's role.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "Role", &self.role_name)
    }
}

record_methods!(
    HealthCheckStats,
    "HealthCheckStats",
    [
        "node_id",
        "hostname",
        "port",
        "status",
        "role",
        "total_count",
        "success_count",
        "fail_count",
        "last_health_check"
    ]
);

// --------------------------------------------------------------------------- process info

/// One connection-pool slot of a Pgpool child process. Fields the server's release does not
/// send are None.
#[pyclass(frozen, module = "pgpool_pcp", name = "ProcessInfo", get_all)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProcessInfo {
    pid: Option<u32>,
    start_time: Option<TimeValue>,
    start_time_note: Option<String>,
    client_connection_count: Option<u64>,
    pool_id: Option<u32>,
    backend_id: Option<u32>,
    database: String,
    username: String,
    backend_connection_time: Option<TimeValue>,
    client_connection_time: Option<String>,
    client_disconnection_time: Option<String>,
    client_idle_seconds: Option<u64>,
    client_idle_note: Option<String>,
    major: Option<u32>,
    minor: Option<u32>,
    pool_counter: Option<u64>,
    backend_pid: Option<u32>,
    connected: Option<bool>,
    status: Option<String>,
    load_balance_node: Option<bool>,
    client_host: Option<String>,
    client_port: Option<String>,
    statement: Option<String>,
    extra: Vec<String>,
}

impl ProcessInfo {
    fn new(p: RsProcessInfo) -> Self {
        ProcessInfo {
            pid: p.pid,
            start_time: time_value(p.start_time),
            start_time_note: p.start_time_note,
            client_connection_count: p.client_connection_count,
            pool_id: p.pool_id,
            backend_id: p.backend_id,
            database: p.database,
            username: p.username,
            backend_connection_time: time_value(p.backend_connection_time),
            client_connection_time: local_text(p.client_connection_time),
            client_disconnection_time: local_text(p.client_disconnection_time),
            client_idle_seconds: p.client_idle_seconds,
            client_idle_note: p.client_idle_note,
            major: p.major,
            minor: p.minor,
            pool_counter: p.pool_counter,
            backend_pid: p.backend_pid,
            connected: p.connected,
            status: p.status.map(|s| s.name().to_owned()),
            load_balance_node: p.load_balance_node,
            client_host: p.client_host,
            client_port: p.client_port,
            statement: p.statement,
            extra: p.extra,
        }
    }

    fn items<'py>(&self, py: Python<'py>, _plain: bool) -> PyResult<Items<'py>> {
        Ok(vec![
            ("pid", any(py, self.pid)?),
            ("start_time", any(py, self.start_time.clone())?),
            ("start_time_note", any(py, &self.start_time_note)?),
            (
                "client_connection_count",
                any(py, self.client_connection_count)?,
            ),
            ("pool_id", any(py, self.pool_id)?),
            ("backend_id", any(py, self.backend_id)?),
            ("database", any(py, &self.database)?),
            ("username", any(py, &self.username)?),
            (
                "backend_connection_time",
                any(py, self.backend_connection_time.clone())?,
            ),
            (
                "client_connection_time",
                any(py, &self.client_connection_time)?,
            ),
            (
                "client_disconnection_time",
                any(py, &self.client_disconnection_time)?,
            ),
            ("client_idle_seconds", any(py, self.client_idle_seconds)?),
            ("client_idle_note", any(py, &self.client_idle_note)?),
            ("major", any(py, self.major)?),
            ("minor", any(py, self.minor)?),
            ("pool_counter", any(py, self.pool_counter)?),
            ("backend_pid", any(py, self.backend_pid)?),
            ("connected", any(py, self.connected)?),
            ("status", any(py, &self.status)?),
            ("load_balance_node", any(py, self.load_balance_node)?),
            ("client_host", any(py, &self.client_host)?),
            ("client_port", any(py, &self.client_port)?),
            ("statement", any(py, &self.statement)?),
            ("extra", any(py, &self.extra)?),
        ])
    }
}

record_methods!(
    ProcessInfo,
    "ProcessInfo",
    [
        "pid",
        "pool_id",
        "backend_id",
        "database",
        "username",
        "connected",
        "status"
    ]
);

/// The process-info reply: one record per child × pool slot × backend.
#[pyclass(frozen, sequence, module = "pgpool_pcp", name = "ProcessInfoReply")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProcessInfoReply {
    processes: Vec<ProcessInfo>,
    /// The Pgpool releases the server can be, as far as the replies so far reveal.
    #[pyo3(get)]
    generation: Option<String>,
}

impl ProcessInfoReply {
    pub(crate) fn new(processes: Vec<RsProcessInfo>, generation: Option<Generation>) -> Self {
        ProcessInfoReply {
            processes: processes.into_iter().map(ProcessInfo::new).collect(),
            generation: generation.map(generation_text),
        }
    }
}

sequence_reply!(
    ProcessInfoReply,
    processes,
    ProcessInfo,
    "process index out of range",
    "The records."
);
record_methods!(ProcessInfoReply, "ProcessInfoReply", []);

// --------------------------------------------------------------------------- pool status

/// One configuration parameter as pool status reports it.
#[pyclass(frozen, module = "pgpool_pcp", name = "ConfigItem", get_all)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConfigItem {
    name: String,
    value: String,
    description: String,
}

impl ConfigItem {
    pub(crate) fn new(c: RsConfigItem) -> Self {
        ConfigItem {
            name: c.name,
            value: c.value,
            description: c.description,
        }
    }

    fn items<'py>(&self, py: Python<'py>, _plain: bool) -> PyResult<Items<'py>> {
        Ok(vec![
            ("name", any(py, &self.name)?),
            ("value", any(py, &self.value)?),
            ("description", any(py, &self.description)?),
        ])
    }
}

record_methods!(ConfigItem, "ConfigItem", ["name", "value"]);

// --------------------------------------------------------------------------- watchdog

fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => any(py, *b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => any(py, i),
            (None, Some(u)) => any(py, u),
            _ => any(py, n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => any(py, s),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(map) => map_to_py(py, map).map(Bound::into_any),
    }
}

fn map_to_py<'py>(
    py: Python<'py>,
    map: &serde_json::Map<String, serde_json::Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// One Pgpool of the watchdog cluster.
#[pyclass(frozen, module = "pgpool_pcp", name = "WatchdogNode")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WatchdogNode {
    #[pyo3(get)]
    id: i64,
    /// State code (4 = leader, 7 = standby, ...).
    #[pyo3(get)]
    state: i64,
    #[pyo3(get)]
    state_name: String,
    #[pyo3(get)]
    membership: Option<i64>,
    #[pyo3(get)]
    membership_string: Option<String>,
    #[pyo3(get)]
    node_name: String,
    #[pyo3(get)]
    host_name: String,
    #[pyo3(get)]
    delegate_ip: String,
    #[pyo3(get)]
    wd_port: i64,
    #[pyo3(get)]
    pgpool_port: i64,
    #[pyo3(get)]
    priority: i64,
    #[pyo3(get)]
    lifecheck_started: Option<bool>,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl WatchdogNode {
    fn new(n: RsWatchdogNode) -> Self {
        WatchdogNode {
            id: n.id,
            state: n.state.code(),
            state_name: n.state_name,
            membership: n.membership,
            membership_string: n.membership_string,
            node_name: n.node_name,
            host_name: n.host_name,
            delegate_ip: n.delegate_ip,
            wd_port: n.wd_port,
            pgpool_port: n.pgpool_port,
            priority: n.priority,
            lifecheck_started: n.lifecheck_started,
            extra: n.extra,
        }
    }

    fn items<'py>(&self, py: Python<'py>, _plain: bool) -> PyResult<Items<'py>> {
        Ok(vec![
            ("id", any(py, self.id)?),
            ("state", any(py, self.state)?),
            ("state_name", any(py, &self.state_name)?),
            ("membership", any(py, self.membership)?),
            ("membership_string", any(py, &self.membership_string)?),
            ("node_name", any(py, &self.node_name)?),
            ("host_name", any(py, &self.host_name)?),
            ("delegate_ip", any(py, &self.delegate_ip)?),
            ("wd_port", any(py, self.wd_port)?),
            ("pgpool_port", any(py, self.pgpool_port)?),
            ("priority", any(py, self.priority)?),
            ("lifecheck_started", any(py, self.lifecheck_started)?),
            ("extra", map_to_py(py, &self.extra)?.into_any()),
        ])
    }
}

#[pymethods]
impl WatchdogNode {
    /// Keys of the server's JSON this library does not know.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.extra)
    }

    /// True for the watchdog leader.
    #[getter]
    fn is_leader(&self) -> bool {
        self.state == 4
    }
}

record_methods!(
    WatchdogNode,
    "WatchdogNode",
    ["id", "node_name", "host_name", "pgpool_port", "state_name"]
);

/// The watchdog cluster as one Pgpool sees it.
#[pyclass(frozen, module = "pgpool_pcp", name = "WatchdogInfo")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WatchdogInfo {
    #[pyo3(get)]
    remote_node_count: i64,
    #[pyo3(get)]
    member_remote_node_count: Option<i64>,
    #[pyo3(get)]
    nodes_required_for_quorum: Option<i64>,
    /// 1 exists, 0 on the edge, -1 absent, -2 no leader.
    #[pyo3(get)]
    quorum_status: i64,
    #[pyo3(get)]
    quorum_status_text: String,
    #[pyo3(get)]
    alive_node_count: i64,
    #[pyo3(get)]
    escalated: bool,
    #[pyo3(get)]
    leader_node_name: String,
    #[pyo3(get)]
    leader_host_name: String,
    #[pyo3(get)]
    node_count: i64,
    nodes: Vec<WatchdogNode>,
    extra: serde_json::Map<String, serde_json::Value>,
    #[pyo3(get)]
    generation: Option<String>,
}

impl WatchdogInfo {
    pub(crate) fn new(w: RsWatchdogInfo, generation: Option<Generation>) -> Self {
        WatchdogInfo {
            remote_node_count: w.remote_node_count,
            member_remote_node_count: w.member_remote_node_count,
            nodes_required_for_quorum: w.nodes_required_for_quorum,
            quorum_status: w.quorum_status.code(),
            quorum_status_text: w.quorum_status.description().to_owned(),
            alive_node_count: w.alive_node_count,
            escalated: w.escalated,
            leader_node_name: w.leader_node_name,
            leader_host_name: w.leader_host_name,
            node_count: w.node_count,
            nodes: w.nodes.into_iter().map(WatchdogNode::new).collect(),
            extra: w.extra,
            generation: generation.map(generation_text),
        }
    }

    fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
        let nodes = PyList::empty(py);
        for n in &self.nodes {
            if plain {
                nodes.append(n.to_dict(py)?)?;
            } else {
                nodes.append(n.clone())?;
            }
        }
        Ok(vec![
            ("remote_node_count", any(py, self.remote_node_count)?),
            (
                "member_remote_node_count",
                any(py, self.member_remote_node_count)?,
            ),
            (
                "nodes_required_for_quorum",
                any(py, self.nodes_required_for_quorum)?,
            ),
            ("quorum_status", any(py, self.quorum_status)?),
            ("quorum_status_text", any(py, &self.quorum_status_text)?),
            ("alive_node_count", any(py, self.alive_node_count)?),
            ("escalated", any(py, self.escalated)?),
            ("leader_node_name", any(py, &self.leader_node_name)?),
            ("leader_host_name", any(py, &self.leader_host_name)?),
            ("node_count", any(py, self.node_count)?),
            ("nodes", nodes.into_any()),
            ("extra", map_to_py(py, &self.extra)?.into_any()),
            ("generation", any(py, &self.generation)?),
        ])
    }
}

#[pymethods]
impl WatchdogInfo {
    /// The nodes; the local one first when all were asked for.
    #[getter]
    fn nodes(&self) -> Vec<WatchdogNode> {
        self.nodes.clone()
    }

    /// Keys of the server's JSON this library does not know.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.extra)
    }

    /// The leader among `nodes`, if listed.
    #[getter]
    fn leader(&self) -> Option<WatchdogNode> {
        self.nodes.iter().find(|n| n.is_leader()).cloned()
    }
}

record_methods!(
    WatchdogInfo,
    "WatchdogInfo",
    [
        "node_count",
        "quorum_status_text",
        "leader_node_name",
        "escalated",
        "generation"
    ]
);

// --------------------------------------------------------------------------- glue

/// A configured backend (`backend_hostnameN`, `backend_portN`).
#[pyclass(frozen, module = "pgpool_pcp", name = "Backend", get_all)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Backend {
    node_id: u32,
    hostname: String,
    port: u16,
}

impl Backend {
    pub(crate) fn new(b: RsBackend) -> Self {
        Backend {
            node_id: b.id,
            hostname: b.hostname,
            port: b.port,
        }
    }

    fn items<'py>(&self, py: Python<'py>, _plain: bool) -> PyResult<Items<'py>> {
        Ok(vec![
            ("node_id", any(py, self.node_id)?),
            ("hostname", any(py, &self.hostname)?),
            ("port", any(py, self.port)?),
        ])
    }
}

record_methods!(Backend, "Backend", []);

/// A backend as Pgpool holds it in memory (pool status, health-check statistics): what the glue
/// judges by, read without Pgpool probing the backend.
#[pyclass(frozen, module = "pgpool_pcp", name = "NodeState")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeState {
    /// Pgpool's node id.
    #[pyo3(get)]
    node_id: u32,
    /// `backend_hostnameN`.
    #[pyo3(get)]
    hostname: String,
    /// `backend_portN`.
    #[pyo3(get)]
    port: u16,
    status: String,
    role: Option<String>,
}

impl NodeState {
    pub(crate) fn new(s: RsNodeState) -> Self {
        NodeState {
            node_id: s.node_id,
            status: s.status.name().to_owned(),
            role: s.role.map(|r| r.name().to_owned()),
            hostname: s.hostname,
            port: s.port,
        }
    }

    fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
        let (status, role) = if plain {
            (any(py, &self.status)?, any(py, &self.role)?)
        } else {
            (self.status(py)?, any(py, self.role(py)?)?)
        };
        Ok(vec![
            ("node_id", any(py, self.node_id)?),
            ("hostname", any(py, &self.hostname)?),
            ("port", any(py, self.port)?),
            ("status", status),
            ("role", role),
        ])
    }
}

#[pymethods]
impl NodeState {
    /// Pgpool's status of the backend.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "BackendStatus", &self.status)
    }

    /// Pgpool's role of the backend; None when it was not read (attach, detach).
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.role
            .as_deref()
            .map(|r| py_enum(py, "Role", r))
            .transpose()
    }

    /// True when Pgpool sends queries to the node (up or waiting).
    #[getter]
    fn is_up(&self) -> bool {
        matches!(self.status.as_str(), "up" | "waiting")
    }

    /// True when the role was read and is primary.
    #[getter]
    fn is_primary(&self) -> bool {
        self.role.as_deref().map(Role::from_name) == Some(Role::Primary)
    }
}

record_methods!(
    NodeState,
    "NodeState",
    ["node_id", "hostname", "port", "status", "role"]
);

/// What a glue operation (attach, detach, promote, lb_attach, ...) did.
#[pyclass(frozen, module = "pgpool_pcp", name = "OpReport")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpReport {
    /// "attach", "detach" or "promote".
    #[pyo3(get)]
    action: String,
    /// The node acted on.
    #[pyo3(get)]
    node_id: u32,
    /// The backend, when the target was given as a host.
    #[pyo3(get)]
    backend: Option<Backend>,
    outcome: &'static str,
    /// The node's state in Pgpool's memory before acting.
    #[pyo3(get)]
    before: NodeState,
    /// The node's state at the end (when waited for, or when nothing had to be done).
    #[pyo3(get)]
    after: Option<NodeState>,
    /// Seconds spent.
    #[pyo3(get)]
    elapsed: f64,
}

impl OpReport {
    pub(crate) fn new(r: RsOpReport) -> Self {
        OpReport {
            action: r.action.to_string(),
            node_id: r.node,
            backend: r.backend.map(Backend::new),
            outcome: r.outcome.as_str(),
            before: NodeState::new(r.before),
            after: r.after.map(NodeState::new),
            elapsed: r.elapsed.as_secs_f64(),
        }
    }

    fn items<'py>(&self, py: Python<'py>, plain: bool) -> PyResult<Items<'py>> {
        let outcome = if plain {
            any(py, self.outcome)?
        } else {
            self.outcome(py)?
        };
        let backend = match (&self.backend, plain) {
            (Some(b), true) => b.to_dict(py)?.into_any(),
            (b, _) => any(py, b.clone())?,
        };
        let before = if plain {
            self.before.to_dict(py)?.into_any()
        } else {
            any(py, self.before.clone())?
        };
        let after = match (&self.after, plain) {
            (Some(a), true) => a.to_dict(py)?.into_any(),
            (a, _) => any(py, a.clone())?,
        };
        Ok(vec![
            ("action", any(py, &self.action)?),
            ("node_id", any(py, self.node_id)?),
            ("backend", backend),
            ("outcome", outcome),
            ("before", before),
            ("after", after),
            ("elapsed", any(py, self.elapsed)?),
        ])
    }
}

#[pymethods]
impl OpReport {
    /// How it ended: already applied (nothing sent), applied (seen in node info) or accepted
    /// (not waited for).
    #[getter]
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, "Outcome", self.outcome)
    }

    /// True when a request was sent, or would be (dry run): the outcome is not
    /// `already_applied`.
    #[getter]
    fn changed(&self) -> bool {
        self.outcome != "already_applied"
    }
}

record_methods!(
    OpReport,
    "OpReport",
    ["action", "node_id", "outcome", "elapsed"]
);
