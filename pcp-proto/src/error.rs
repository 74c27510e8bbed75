//! Errors of the codec: one for bytes that cannot be decoded, one for values that cannot be encoded.

use thiserror::Error;

/// Received bytes that do not form a valid PCP frame or reply.
///
/// A decode error means the byte stream can no longer be trusted: a client should close the
/// connection. It never describes a server-reported error, which is data ([`crate::ServerMessage`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The length word of a frame is below 4 (it counts itself).
    #[error("invalid frame length {len} (must be at least 4)")]
    InvalidLength {
        /// The length word as received.
        len: i64,
    },
    /// The length word announces more than the configured maximum.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLarge {
        /// The announced length.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// A frame arrived with a tag this reply cannot contain.
    #[error("unexpected frame tag {got:?} while reading {context}")]
    UnexpectedTag {
        /// What was being read.
        context: &'static str,
        /// The tag that arrived, as a character.
        got: char,
    },
    /// A request tag that no Pgpool version knows.
    #[error("unknown request tag {0:?}")]
    UnknownRequestTag(char),
    /// A record started with a marker string other than the expected one.
    #[error("expected a {expected:?} record, got {got:?}")]
    UnexpectedRecord {
        /// The marker that was expected (for example `ArraySize`).
        expected: &'static str,
        /// The marker that was found (lossily decoded).
        got: String,
    },
    /// A string field was not terminated by NUL.
    #[error("field {field} is not NUL-terminated")]
    MissingNul {
        /// The field being read.
        field: &'static str,
    },
    /// A required field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// The missing field.
        field: &'static str,
    },
    /// Bytes remain after the last field of a record.
    #[error("{count} unexpected trailing bytes after {context}")]
    TrailingBytes {
        /// What was read before them.
        context: &'static str,
        /// How many bytes remain.
        count: usize,
    },
    /// A text field is not valid UTF-8.
    #[error("field {field} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A numeric field is not a number.
    #[error("field {field} is not a valid number: {text:?}")]
    InvalidNumber {
        /// The field.
        field: &'static str,
        /// The text received.
        text: String,
    },
    /// A numeric field does not fit its type.
    #[error("field {field} is out of range: {text:?}")]
    NumberOutOfRange {
        /// The field.
        field: &'static str,
        /// The text received.
        text: String,
    },
    /// A timestamp field is malformed.
    #[error("field {field} is not a timestamp: {text:?}")]
    InvalidTimestamp {
        /// The field.
        field: &'static str,
        /// The text received.
        text: String,
    },
    /// A record has a field count that no known Pgpool version produces.
    #[error("{record} record with {fields} fields fits no known Pgpool layout")]
    UnknownLayout {
        /// Which record.
        record: &'static str,
        /// How many fields it had.
        fields: usize,
    },
    /// The number of records differs from the announced `ArraySize`.
    #[error("{record}: ArraySize announced {declared} records but {received} arrived")]
    CountMismatch {
        /// Which record.
        record: &'static str,
        /// The announced count.
        declared: u64,
        /// The records received (so far, when too many arrived).
        received: u64,
    },
    /// The watchdog JSON document is invalid.
    #[error("invalid watchdog JSON: {reason}")]
    InvalidJson {
        /// What is wrong with it.
        reason: String,
    },
    /// A frame arrived after the reply was already complete.
    #[error("frame received after the reply was complete")]
    AfterCompletion,
}

/// A value that cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string contains a NUL byte, which would split it in two on the wire.
    #[error("field {field} contains a NUL byte")]
    EmbeddedNul {
        /// The field.
        field: &'static str,
    },
    /// The request payload exceeds what Pgpool accepts (255 bytes): the server would drop the
    /// connection.
    #[error("payload of {len} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// The payload length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// An argument the command needs is empty or out of range.
    #[error("invalid argument {field}: {reason}")]
    InvalidArgument {
        /// The argument.
        field: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
}
