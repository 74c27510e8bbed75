//! Test support for the pcp workspace (not published).
//!
//! * [`FakeServer`]: a scriptable fake PCP server on pcp-proto's server side (login with the
//!   salted MD5 exchange, answers from scripts, a handler or a [`Model`] of a Pgpool release,
//!   faults such as ERROR/FATAL, notices, raw bytes, silence, closing, slow delivery).
//! * [`sandbox::Sandbox`]: the real Pgpool sandbox started by `scripts/sandbox up`.
//!
//! ```
//! use pcp_proto::{BackendStatus, Version};
//! use pcp_testkit::{FakeServer, Model};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // A Pgpool 4.0 with three backends, user `pcpadmin`, password `secret`.
//! let server = FakeServer::builder()
//!     .model(Model::new(Version::new(4, 0)))
//!     .start()
//!     .await?;
//! println!("PCP on 127.0.0.1:{}", server.port());
//! // What the next node info reply will say.
//! server.update_model(|m| m.nodes[1].status = BackendStatus::Down);
//! assert_eq!(server.model().nodes[1].status, BackendStatus::Down);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod faults;
pub mod model;
pub mod sandbox;
pub mod server;

pub use faults::{Expect, Fault};
pub use model::Model;
pub use server::{Action, FakeServer, FakeServerBuilder, Handler, Seen};
