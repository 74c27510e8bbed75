//! A sans-IO codec for Pgpool-II's PCP management protocol, both directions, every Pgpool
//! version from 4.0 to master.
//!
//! This crate reads no socket and no clock and keeps no global state. It turns requests into
//! bytes ([`Request::encode`] appends to a caller's buffer), bytes into frames
//! ([`FrameDecoder::decode`] returns `Ok(None)` until a frame is whole), and frames into typed
//! replies ([`Exchange`] around a [`ReplyReader`]). The server direction is covered too
//! ([`Request::decode`], [`Reply::encode`]), so test servers can be built on it.
//!
//! Replies are recognised by structure, not by version: node info, process info and the
//! watchdog JSON changed layout across releases, and each typed reply tells which
//! [`Generation`] of Pgpool its layout reveals.
//!
//! ```
//! use bytes::BytesMut;
//! use pcp_proto::{Exchange, FrameDecoder, NodeCountReader, Progress, Request};
//!
//! // Client side: encode a request.
//! let mut out = BytesMut::new();
//! Request::NodeCount.encode(&mut out)?;
//! assert_eq!(&out[..], b"L\x00\x00\x00\x04");
//!
//! // Bytes arrive (here all at once; they may come in any pieces).
//! let mut input = BytesMut::from(&b"l\x00\x00\x00\x16CommandComplete\x003\x00"[..]);
//! let decoder = FrameDecoder::new();
//! let mut exchange = Exchange::new(NodeCountReader);
//! let mut count = None;
//! while let Some(frame) = decoder.decode(&mut input)? {
//!     if let Progress::Done(result) = exchange.handle_frame(&frame)? {
//!         count = Some(result.expect("server reported no error"));
//!     }
//! }
//! assert_eq!(count, Some(3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod auth;
mod error;
mod fields;
mod frame;
mod generation;
pub mod reply;
mod request;
mod server_message;
mod types;

pub use error::{DecodeError, EncodeError};
pub use fields::Fields;
pub use frame::{Frame, FrameDecoder, DEFAULT_MAX_FRAME_LEN, HEADER_LEN, SERVER_MAX_PAYLOAD};
pub use generation::{Generation, Version};
pub use reply::{
    AnyReader, AuthReader, CompleteReader, ConfigItem, Exchange, HealthCheckStats,
    HealthCheckStatsReader, NodeCountReader, NodeInfo, NodeInfoLayout, NodeInfoReader,
    NodeInfoReply, PoolStatusReader, ProcessCountReader, ProcessInfo, ProcessInfoLayout,
    ProcessInfoReader, ProcessInfoReply, Progress, QuorumStatus, Reply, ReplyReader, SaltReader,
    WatchdogInfo, WatchdogInfoReader, WatchdogNode, WatchdogState,
};
pub use request::{tag, Command, NodeSelector, Request};
pub use server_message::{ServerMessage, Severity, ERROR_TAG, NOTICE_TAG};
pub use types::{
    BackendStatus, LocalDateTime, PgStatus, ProcessStatus, Quarantine, ReplicationDelay,
    ReplicationState, Role, Scope, ShutdownMode, SyncState, Timestamp, UnixTime, UnknownName,
    Weight, RAND_MAX,
};
