//! One reader for any command, yielding the [`Reply`] enum: for pipelines of mixed commands,
//! for fuzzing, and for servers that encode replies generically.

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::frame::Frame;
use crate::reply::simple::{
    encode_auth_ok, encode_command_complete, encode_node_count, encode_process_count, encode_salt,
};
use crate::reply::{
    AuthReader, CompleteReader, ConfigItem, HealthCheckStats, HealthCheckStatsReader,
    NodeCountReader, NodeInfoReader, NodeInfoReply, PoolStatusReader, ProcessCountReader,
    ProcessInfoReader, ProcessInfoReply, Progress, ReplyReader, SaltReader, WatchdogInfo,
    WatchdogInfoReader,
};
use crate::request::Command;

/// Any command's typed reply.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Reply {
    /// Salt for authentication.
    Salt([u8; 4]),
    /// Authentication accepted.
    AuthenticationOk,
    /// Number of backends.
    NodeCount(u32),
    /// Node info.
    NodeInfo(NodeInfoReply),
    /// Health-check statistics.
    HealthCheckStats(HealthCheckStats),
    /// Child process PIDs.
    ProcessCount(Vec<u32>),
    /// Process info.
    ProcessInfo(ProcessInfoReply),
    /// Configuration.
    PoolStatus(Vec<ConfigItem>),
    /// Watchdog info.
    WatchdogInfo(WatchdogInfo),
    /// A bare completion of the given command.
    Complete(Command),
}

impl Reply {
    /// Appends this reply as a server sends it.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Reply::Salt(salt) => encode_salt(*salt, buf),
            Reply::AuthenticationOk => encode_auth_ok(buf),
            Reply::NodeCount(n) => encode_node_count(*n, buf),
            Reply::NodeInfo(r) => r.encode(buf),
            Reply::HealthCheckStats(s) => s.encode(buf),
            Reply::ProcessCount(pids) => encode_process_count(pids, buf),
            Reply::ProcessInfo(r) => r.encode(buf),
            Reply::PoolStatus(items) => ConfigItem::encode_all(items, buf),
            Reply::WatchdogInfo(w) => w.encode(buf),
            Reply::Complete(command) => encode_command_complete(*command, buf),
        }
    }
}

/// A reader for any command's reply.
#[derive(Debug, Clone)]
pub enum AnyReader {
    /// `m`
    Salt(SaltReader),
    /// `r`
    Auth(AuthReader),
    /// `l`
    NodeCount(NodeCountReader),
    /// `i`
    NodeInfo(NodeInfoReader),
    /// `h`
    HealthCheckStats(HealthCheckStatsReader),
    /// `n`
    ProcessCount(ProcessCountReader),
    /// `p`
    ProcessInfo(ProcessInfoReader),
    /// `b`
    PoolStatus(PoolStatusReader),
    /// `w`
    WatchdogInfo(WatchdogInfoReader),
    /// A bare `CommandComplete`.
    Complete(CompleteReader),
}

impl AnyReader {
    /// The reader for `command`'s reply.
    pub fn new(command: Command) -> Self {
        match command {
            Command::Salt => AnyReader::Salt(SaltReader),
            Command::Authenticate => AnyReader::Auth(AuthReader),
            Command::NodeCount => AnyReader::NodeCount(NodeCountReader),
            Command::NodeInfo => AnyReader::NodeInfo(NodeInfoReader::new()),
            Command::HealthCheckStats => AnyReader::HealthCheckStats(HealthCheckStatsReader),
            Command::ProcessCount => AnyReader::ProcessCount(ProcessCountReader),
            Command::ProcessInfo => AnyReader::ProcessInfo(ProcessInfoReader::new()),
            Command::PoolStatus => AnyReader::PoolStatus(PoolStatusReader::new()),
            Command::WatchdogInfo => AnyReader::WatchdogInfo(WatchdogInfoReader),
            other => AnyReader::Complete(CompleteReader::new(other)),
        }
    }
}

fn map<T>(p: Progress<T>, f: impl FnOnce(T) -> Reply) -> Progress<Reply> {
    match p {
        Progress::NeedMore => Progress::NeedMore,
        Progress::Done(v) => Progress::Done(f(v)),
    }
}

impl ReplyReader for AnyReader {
    type Output = Reply;

    fn command(&self) -> Command {
        match self {
            AnyReader::Salt(r) => r.command(),
            AnyReader::Auth(r) => r.command(),
            AnyReader::NodeCount(r) => r.command(),
            AnyReader::NodeInfo(r) => r.command(),
            AnyReader::HealthCheckStats(r) => r.command(),
            AnyReader::ProcessCount(r) => r.command(),
            AnyReader::ProcessInfo(r) => r.command(),
            AnyReader::PoolStatus(r) => r.command(),
            AnyReader::WatchdogInfo(r) => r.command(),
            AnyReader::Complete(r) => r.command(),
        }
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<Reply>, DecodeError> {
        Ok(match self {
            AnyReader::Salt(r) => map(r.handle_frame(frame)?, Reply::Salt),
            AnyReader::Auth(r) => map(r.handle_frame(frame)?, |()| Reply::AuthenticationOk),
            AnyReader::NodeCount(r) => map(r.handle_frame(frame)?, Reply::NodeCount),
            AnyReader::NodeInfo(r) => map(r.handle_frame(frame)?, Reply::NodeInfo),
            AnyReader::HealthCheckStats(r) => map(r.handle_frame(frame)?, Reply::HealthCheckStats),
            AnyReader::ProcessCount(r) => map(r.handle_frame(frame)?, Reply::ProcessCount),
            AnyReader::ProcessInfo(r) => map(r.handle_frame(frame)?, Reply::ProcessInfo),
            AnyReader::PoolStatus(r) => map(r.handle_frame(frame)?, Reply::PoolStatus),
            AnyReader::WatchdogInfo(r) => map(r.handle_frame(frame)?, Reply::WatchdogInfo),
            AnyReader::Complete(r) => {
                let command = r.command();
                map(r.handle_frame(frame)?, move |()| Reply::Complete(command))
            }
        })
    }
}
