//! Async client for Pgpool-II's PCP protocol (work in progress).
#![forbid(unsafe_code)]
pub use pcp_proto as proto;
