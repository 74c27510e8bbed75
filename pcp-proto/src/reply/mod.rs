//! Reply readers: state machines that take frames and yield exactly one typed result.
//!
//! A [`ReplyReader`] knows one command's reply. An [`Exchange`] wraps a reader and handles what
//! every reply shares: `N` notices accepted anywhere (and collected, up to a bound), `E` errors
//! that end the reply with the server's message, and frames with a foreign tag. Nothing here
//! reads a socket or a clock.

mod any;
mod array;
mod health;
mod node_info;
mod pool_status;
mod process_info;
mod simple;
mod watchdog;

pub use any::{AnyReader, Reply};
pub use health::{HealthCheckStats, HealthCheckStatsReader};
pub use node_info::{NodeInfo, NodeInfoLayout, NodeInfoReader, NodeInfoReply, NODE_INFO};
pub use pool_status::{ConfigItem, PoolStatusReader, PROCESS_CONFIG};
pub use process_info::{
    ProcessInfo, ProcessInfoLayout, ProcessInfoReader, ProcessInfoReply, PROCESS_INFO,
};
pub use simple::{
    encode_auth_ok, encode_command_complete, encode_node_count, encode_process_count, encode_salt,
    AuthReader, CompleteReader, NodeCountReader, ProcessCountReader, SaltReader, AUTHENTICATION_OK,
};
pub use watchdog::{QuorumStatus, WatchdogInfo, WatchdogInfoReader, WatchdogNode, WatchdogState};

use crate::error::DecodeError;
use crate::frame::Frame;
use crate::request::Command;
use crate::server_message::{ServerMessage, ERROR_TAG, NOTICE_TAG};

/// Marker string of the final packet of every reply.
pub const COMMAND_COMPLETE: &str = "CommandComplete";
/// Marker string of the packet announcing a record count.
pub const ARRAY_SIZE: &str = "ArraySize";

/// Whether a reply is complete.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Progress<T> {
    /// More frames are needed.
    NeedMore,
    /// The reply is complete.
    Done(T),
}

impl<T> Progress<T> {
    /// The value, if complete.
    pub fn done(self) -> Option<T> {
        match self {
            Progress::NeedMore => None,
            Progress::Done(v) => Some(v),
        }
    }
}

/// Reads one command's reply from frames carrying the reply tag.
pub trait ReplyReader {
    /// The typed result.
    type Output;

    /// The command whose reply this reads.
    fn command(&self) -> Command;

    /// Takes the next frame with the reply tag (`E`/`N` frames are handled by [`Exchange`]).
    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<Self::Output>, DecodeError>;
}

/// Default bound on the notices kept per exchange; further ones are counted, not stored.
pub const DEFAULT_MAX_NOTICES: usize = 256;

/// One request's reply in progress: a reader plus notice and error handling.
#[derive(Debug)]
pub struct Exchange<R> {
    reader: R,
    reply_tag: Option<u8>,
    notices: Vec<ServerMessage>,
    max_notices: usize,
    dropped_notices: u64,
    finished: bool,
}

impl<R: ReplyReader> Exchange<R> {
    /// Starts reading a reply with `reader`.
    pub fn new(reader: R) -> Self {
        let reply_tag = reader.command().reply_tag();
        Exchange {
            reader,
            reply_tag,
            notices: Vec::new(),
            max_notices: DEFAULT_MAX_NOTICES,
            dropped_notices: 0,
            finished: false,
        }
    }

    /// Keeps at most `max` notices; later ones are only counted.
    pub fn with_max_notices(mut self, max: usize) -> Self {
        self.max_notices = max;
        self
    }

    /// Feeds one frame.
    ///
    /// Ends with `Ok(Done(Err(message)))` when the server reports an error: that is the
    /// command's failure, not a decoding problem. `message.closes_connection()` tells whether
    /// the server is closing the connection (FATAL).
    #[allow(clippy::type_complexity)]
    pub fn handle_frame(
        &mut self,
        frame: &Frame,
    ) -> Result<Progress<Result<R::Output, ServerMessage>>, DecodeError> {
        if self.finished {
            return Err(DecodeError::AfterCompletion);
        }
        match frame.tag {
            NOTICE_TAG => {
                if self.notices.len() < self.max_notices {
                    self.notices.push(ServerMessage::decode(&frame.payload));
                } else {
                    self.dropped_notices += 1;
                }
                Ok(Progress::NeedMore)
            }
            ERROR_TAG => {
                self.finished = true;
                Ok(Progress::Done(Err(ServerMessage::decode(&frame.payload))))
            }
            tag if Some(tag) == self.reply_tag => match self.reader.handle_frame(frame)? {
                Progress::NeedMore => Ok(Progress::NeedMore),
                Progress::Done(value) => {
                    self.finished = true;
                    Ok(Progress::Done(Ok(value)))
                }
            },
            _ => Err(DecodeError::UnexpectedTag {
                context: self.reader.command().name(),
                got: frame.tag_char(),
            }),
        }
    }

    /// The notices received so far.
    pub fn notices(&self) -> &[ServerMessage] {
        &self.notices
    }

    /// Takes the notices received so far.
    pub fn take_notices(&mut self) -> Vec<ServerMessage> {
        std::mem::take(&mut self.notices)
    }

    /// How many notices were dropped because of the bound.
    pub fn dropped_notices(&self) -> u64 {
        self.dropped_notices
    }

    /// The command being answered.
    pub fn command(&self) -> Command {
        self.reader.command()
    }
}

#[cfg(test)]
mod tests;
