//! Single-packet replies: salt, authentication, plain completion, node count, process count.

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::fields::{lossy, number, Fields};
use crate::frame::{write_frame, Frame};
use crate::reply::array::encode_complete_with;
use crate::reply::{Progress, ReplyReader, COMMAND_COMPLETE};
use crate::request::Command;

/// Marker of a successful authentication.
pub const AUTHENTICATION_OK: &str = "AuthenticationOK";

/// Reads the first string and checks it is `expected`.
fn expect_marker<'a>(payload: &'a [u8], expected: &'static str) -> Result<Fields<'a>, DecodeError> {
    let mut f = Fields::new(payload);
    let marker = f.next_bytes("record marker")?;
    if marker != expected.as_bytes() {
        return Err(DecodeError::UnexpectedRecord {
            expected,
            got: lossy(marker),
        });
    }
    Ok(f)
}

/// Reads the `m` reply: 4 raw salt bytes.
#[derive(Debug, Default, Clone)]
pub struct SaltReader;

impl ReplyReader for SaltReader {
    type Output = [u8; 4];

    fn command(&self) -> Command {
        Command::Salt
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<[u8; 4]>, DecodeError> {
        let mut f = Fields::new(&frame.payload);
        let raw = f.next_raw(4, "salt")?;
        f.finish("salt")?;
        let mut salt = [0u8; 4];
        salt.copy_from_slice(raw);
        Ok(Progress::Done(salt))
    }
}

/// Reads the `r` reply: `AuthenticationOK`.
#[derive(Debug, Default, Clone)]
pub struct AuthReader;

impl ReplyReader for AuthReader {
    type Output = ();

    fn command(&self) -> Command {
        Command::Authenticate
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<()>, DecodeError> {
        expect_marker(&frame.payload, AUTHENTICATION_OK)?.finish(AUTHENTICATION_OK)?;
        Ok(Progress::Done(()))
    }
}

/// Reads a bare `CommandComplete` reply (attach, detach, promote, recovery, stop, reload, log
/// rotate, invalidate query cache, set parameter).
#[derive(Debug, Clone)]
pub struct CompleteReader {
    command: Command,
}

impl CompleteReader {
    /// For the reply of `command`.
    pub fn new(command: Command) -> Self {
        CompleteReader { command }
    }
}

impl ReplyReader for CompleteReader {
    type Output = ();

    fn command(&self) -> Command {
        self.command
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<()>, DecodeError> {
        expect_marker(&frame.payload, COMMAND_COMPLETE)?.finish(COMMAND_COMPLETE)?;
        Ok(Progress::Done(()))
    }
}

/// Reads the `l` reply: the number of configured backends.
#[derive(Debug, Default, Clone)]
pub struct NodeCountReader;

impl ReplyReader for NodeCountReader {
    type Output = u32;

    fn command(&self) -> Command {
        Command::NodeCount
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<u32>, DecodeError> {
        let mut f = expect_marker(&frame.payload, COMMAND_COMPLETE)?;
        let n = number(f.next_bytes("node count")?, "node count")?;
        f.finish("node count")?;
        Ok(Progress::Done(n))
    }
}

/// Reads the `n` reply: the PIDs of Pgpool's child processes.
#[derive(Debug, Default, Clone)]
pub struct ProcessCountReader;

impl ReplyReader for ProcessCountReader {
    type Output = Vec<u32>;

    fn command(&self) -> Command {
        Command::ProcessCount
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<Vec<u32>>, DecodeError> {
        let mut f = expect_marker(&frame.payload, COMMAND_COMPLETE)?;
        let count: u64 = number(f.next_bytes("process count")?, "process count")?;
        let mut pids = Vec::new();
        while !f.is_empty() {
            pids.push(number(f.next_bytes("pid")?, "pid")?);
        }
        if pids.len() as u64 != count {
            return Err(DecodeError::CountMismatch {
                record: "process count",
                declared: count,
                received: pids.len() as u64,
            });
        }
        Ok(Progress::Done(pids))
    }
}

/// Appends an `m` salt reply.
pub fn encode_salt(salt: [u8; 4], buf: &mut BytesMut) -> Result<(), EncodeError> {
    write_frame(b'm', buf, |b| b.put_slice(&salt))
}

/// Appends an `r` authentication-OK reply.
pub fn encode_auth_ok(buf: &mut BytesMut) -> Result<(), EncodeError> {
    write_frame(b'r', buf, |b| {
        b.put_slice(AUTHENTICATION_OK.as_bytes());
        b.put_u8(0);
    })
}

/// Appends a bare `CommandComplete` reply for `command`.
pub fn encode_command_complete(command: Command, buf: &mut BytesMut) -> Result<(), EncodeError> {
    let tag = command.reply_tag().ok_or(EncodeError::InvalidArgument {
        field: "command",
        reason: "this command has no reply",
    })?;
    encode_complete_with(tag, &[], buf)
}

/// Appends an `l` node-count reply.
pub fn encode_node_count(count: u32, buf: &mut BytesMut) -> Result<(), EncodeError> {
    encode_complete_with(b'l', &[count.to_string()], buf)
}

/// Appends an `n` process-count reply.
pub fn encode_process_count(pids: &[u32], buf: &mut BytesMut) -> Result<(), EncodeError> {
    let mut fields = Vec::with_capacity(pids.len() + 1);
    fields.push(pids.len().to_string());
    fields.extend(pids.iter().map(u32::to_string));
    encode_complete_with(b'n', &fields, buf)
}
