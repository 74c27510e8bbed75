//! An async (tokio) client for Pgpool-II's PCP management protocol, on the sans-IO codec
//! [`pcp_proto`] (re-exported as [`proto`]).
//!
//! * [`Config`] says where to connect ([`Endpoint`]: TCP host or Unix socket directory; several
//!   endpoints are tried in order, or the watchdog leader first), as whom (the OS user by
//!   default; the password given or from `.pcppass`, see [`pcppass`]) and within which time
//!   limits.
//! * [`Client`] has one typed method per PCP command, a generic [`Client::request`] and a
//!   [`Client::pipeline`]. It reconnects on the next call after the session was lost, never
//!   retries a call in flight, and refuses commands the server is known to be too old for.
//! * [`Error`] is one opaque type; branch on [`Error::kind`], read the server's report with
//!   [`Error::as_server_error`].
//!
//! ```no_run
//! use pcp_client::{Config, Endpoint, ErrorKind};
//!
//! # async fn demo() -> Result<(), pcp_client::Error> {
//! let mut config = Config::new();
//! config
//!     .endpoint(Endpoint::tcp("127.0.0.1", 9898))
//!     .user("pcpadmin")
//!     .password("secret");
//! let mut client = config.connect().await?;
//!
//! let count = client.node_count().await?;
//! for node in client.node_info_all().await?.nodes {
//!     println!("{}:{} {} {}", node.hostname, node.port, node.status, node.role);
//! }
//! match client.node_info(count + 1).await {
//!     Err(e) if e.kind() == ErrorKind::Server => {
//!         // An ERROR leaves the session usable.
//!         eprintln!("{e}");
//!     }
//!     other => { other?; }
//! }
//! client.close().await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod busy_poll;
mod client;
pub mod codec;
mod config;
mod conn;
mod connect;
mod error;
pub mod glue;
pub mod pcppass;

pub use pcp_proto as proto;

pub use client::Client;
pub use config::{
    is_long_request, load_pcppass, Config, Endpoint, EndpointError, EndpointSelection, Password,
    PasswordLookup, PasswordSource, PcpPassLoad, DEFAULT_BUSY_POLL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_NOTICES, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SOCKET_DIR,
};
pub use connect::connect_raw;
pub use error::{Error, ErrorKind, Result};
