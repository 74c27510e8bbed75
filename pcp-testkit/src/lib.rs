//! Test support for the pcp workspace (not published).
//!
//! * [`FakeServer`]: a scriptable fake PCP server on pcp-proto's server side (login with the
//!   salted MD5 exchange, answers from scripts, a handler or a [`Model`] of a Pgpool release,
//!   faults such as ERROR/FATAL, notices, raw bytes, silence, closing, slow delivery).
//! * [`sandbox::Sandbox`]: the real Pgpool sandbox started by `scripts/sandbox up`.
#![forbid(unsafe_code)]

pub mod model;
pub mod sandbox;
pub mod server;

pub use model::Model;
pub use server::{Action, FakeServer, FakeServerBuilder, Handler, Seen};
