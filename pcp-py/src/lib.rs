//! `pgpool_pcp._pcp`: the native half of the `pgpool-pcp` Python distribution.
//!
//! Thin on purpose: argument conversion, a call into `pcp_client`, result conversion. The
//! Python package (`python/pgpool_pcp/`) re-exports everything, with hand-written `.pyi`
//! stubs. See `docs/python.md`.
#![deny(unsafe_code)]

mod aio;
mod client;
mod config;
mod errors;
mod ops;
mod runtime;
mod types;

use pyo3::prelude::*;

/// Pgpool-II PCP client (native module; import `pgpool_pcp` instead).
#[pymodule(gil_used = false)]
fn _pcp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<types::NodeInfo>()?;
    m.add_class::<types::NodeState>()?;
    m.add_class::<types::NodeInfoReply>()?;
    m.add_class::<types::HealthCheckStats>()?;
    m.add_class::<types::ProcessInfo>()?;
    m.add_class::<types::ProcessInfoReply>()?;
    m.add_class::<types::ConfigItem>()?;
    m.add_class::<types::WatchdogNode>()?;
    m.add_class::<types::WatchdogInfo>()?;
    m.add_class::<types::Backend>()?;
    m.add_class::<types::OpReport>()?;
    m.add_class::<aio::PcpCall>()?;
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_PORT", pcp_client::DEFAULT_PORT)?;
    Ok(())
}
