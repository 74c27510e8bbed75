//! Connection options (the CLI's, as keyword arguments) → [`pcp_client::Config`].

use std::path::PathBuf;
use std::time::Duration;

use pcp_client::{Config, Endpoint, EndpointSelection, DEFAULT_SOCKET_DIR};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::ConfigError;

/// The options both client classes take.
pub(crate) struct Options {
    pub(crate) config: Config,
    /// For `__repr__`.
    pub(crate) summary: String,
}

fn config_error(text: String) -> PyErr {
    ConfigError::new_err(text)
}

/// One `hosts` entry (see `Endpoint::parse`); `port` applies when the entry has none.
pub(crate) fn parse_host(entry: &str, port: u16) -> PyResult<Endpoint> {
    Endpoint::parse(entry, port).map_err(|e| config_error(e.to_string()))
}

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        config_error(format!(
            "{name} must be a finite number of seconds >= 0, not {value}"
        ))
    })
}

fn optional_seconds(name: &str, value: Option<f64>) -> PyResult<Option<Duration>> {
    value.map(|v| seconds(name, v)).transpose()
}

/// `hosts`: None, one string, or an iterable of strings.
fn host_list(hosts: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(hosts) = hosts.filter(|h| !h.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(one) = hosts.cast::<PyString>() {
        return Ok(vec![one.extract::<String>()?]);
    }
    let mut out = Vec::new();
    for item in hosts.try_iter()? {
        out.push(item?.extract::<String>()?);
    }
    Ok(out)
}

/// A Python-style `'...'` literal for `__repr__`.
fn py_str(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Builds the configuration from the keyword arguments of `Client(...)`/`AsyncClient(...)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn options(
    hosts: Option<&Bound<'_, PyAny>>,
    port: u16,
    user: Option<String>,
    password: Option<String>,
    pcppass_file: Option<PathBuf>,
    connect_timeout: f64,
    timeout: Option<f64>,
    long_timeout: Option<f64>,
    overall_timeout: Option<f64>,
    prefer_leader: bool,
) -> PyResult<Options> {
    if port == 0 {
        return Err(config_error("port must be 1 to 65535, not 0".to_owned()));
    }
    let hosts = host_list(hosts)?;
    let mut config = Config::new();
    let mut shown = Vec::new();
    if hosts.is_empty() {
        let endpoint = Endpoint::unix(DEFAULT_SOCKET_DIR, port);
        shown.push(endpoint.to_string());
        config.endpoint(endpoint);
    }
    for host in &hosts {
        let endpoint = parse_host(host, port)?;
        shown.push(endpoint.to_string());
        config.endpoint(endpoint);
    }
    if let Some(user) = user.as_deref().filter(|u| !u.is_empty()) {
        config.user(user);
    }
    if let Some(password) = password {
        config.password(password);
    }
    if let Some(path) = pcppass_file {
        config.pcppass_file(path);
    }
    config
        .connect_timeout(seconds("connect_timeout", connect_timeout)?)
        .request_timeout(optional_seconds("timeout", timeout)?)
        .long_request_timeout(optional_seconds("long_timeout", long_timeout)?)
        .overall_timeout(optional_seconds("overall_timeout", overall_timeout)?);
    if prefer_leader {
        config.endpoint_selection(EndpointSelection::PreferWatchdogLeader);
    }
    let quoted: Vec<String> = shown.iter().map(|s| py_str(s)).collect();
    let mut summary = format!("hosts=[{}]", quoted.join(", "));
    if let Some(user) = config.get_user() {
        summary.push_str(&format!(", user={}", py_str(user)));
    }
    if prefer_leader {
        summary.push_str(", prefer_leader=True");
    }
    Ok(Options { config, summary })
}
