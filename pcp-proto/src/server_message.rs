//! Error (`E`) and notice (`N`) frames: the server's own reports, parsed leniently.

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::error::EncodeError;
use crate::fields::lossy;
use crate::frame::{put_cstr, write_frame};

/// Tag of an error frame.
pub const ERROR_TAG: u8 = b'E';
/// Tag of a notice frame.
pub const NOTICE_TAG: u8 = b'N';

/// Severity word of a server message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "SCREAMING_SNAKE_CASE"))]
#[non_exhaustive]
pub enum Severity {
    /// The command failed; the connection stays usable.
    Error,
    /// The server closes the connection after sending this.
    Fatal,
    /// The server process crashed.
    Panic,
    /// Warning.
    Warning,
    /// Notice.
    Notice,
    /// Informational.
    Info,
    /// Log.
    Log,
    /// Debug output.
    Debug,
    /// A severity word this library does not know.
    Unknown(String),
}

impl Severity {
    /// From the `S` field.
    pub fn from_name(text: &str) -> Self {
        match text {
            "ERROR" => Severity::Error,
            "FATAL" => Severity::Fatal,
            "PANIC" => Severity::Panic,
            "WARNING" => Severity::Warning,
            "NOTICE" => Severity::Notice,
            "INFO" => Severity::Info,
            "LOG" => Severity::Log,
            "DEBUG" => Severity::Debug,
            other => Severity::Unknown(other.to_owned()),
        }
    }

    /// The word as sent.
    pub fn name(&self) -> &str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
            Severity::Debug => "DEBUG",
            Severity::Unknown(text) => text,
        }
    }

    /// True when the server ends the connection after this message.
    pub fn closes_connection(&self) -> bool {
        matches!(self, Severity::Fatal | Severity::Panic)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A server error or notice: the fields of an `E` or `N` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerMessage {
    /// Severity (`S`). `ERROR` if the frame carried none.
    pub severity: Severity,
    /// Error code (`C`), `XX000` in practice.
    pub code: Option<String>,
    /// Primary message (`M`).
    pub message: String,
    /// Detail (`D`), when present.
    pub detail: Option<String>,
    /// Hint (`H`), when present.
    pub hint: Option<String>,
    /// Server source file (`F`).
    pub file: Option<String>,
    /// Server source line (`L`).
    pub line: Option<String>,
}

impl ServerMessage {
    /// Builds a message with a severity and text, other fields empty.
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        ServerMessage {
            severity,
            code: None,
            message: message.into(),
            detail: None,
            hint: None,
            file: None,
            line: None,
        }
    }

    /// Adds a detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Parses an `E`/`N` payload. Never fails.
    ///
    /// Each field is one type letter, its text and a NUL. Pgpool can emit one stray byte after
    /// a field of 256 bytes or more, which then looks like the next field's type letter; so the
    /// body is split on NUL, empty chunks are skipped, only known letters are used, and parsing
    /// never stops at the first empty chunk.
    pub fn decode(payload: &[u8]) -> Self {
        let mut msg = ServerMessage::new(Severity::Error, String::new());
        let mut severity = None;
        for chunk in payload.split(|&b| b == 0) {
            let Some((&kind, value)) = chunk.split_first() else {
                continue;
            };
            let value = lossy(value);
            match kind {
                b'S' if severity.is_none() => severity = Some(Severity::from_name(&value)),
                b'C' if msg.code.is_none() => msg.code = Some(value),
                b'M' if msg.message.is_empty() => msg.message = value,
                b'D' if msg.detail.is_none() => msg.detail = Some(value),
                b'H' if msg.hint.is_none() => msg.hint = Some(value),
                b'F' if msg.file.is_none() => msg.file = Some(value),
                b'L' if msg.line.is_none() => msg.line = Some(value),
                _ => {}
            }
        }
        if let Some(severity) = severity {
            msg.severity = severity;
        }
        msg
    }

    /// Appends this message as an `E` frame (severity ERROR and above) or `N` frame.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let tag = if self.is_error() {
            ERROR_TAG
        } else {
            NOTICE_TAG
        };
        let mut body = BytesMut::new();
        let fields: [(u8, Option<&str>, &'static str); 7] = [
            (b'S', Some(self.severity.name()), "severity"),
            (b'C', self.code.as_deref(), "code"),
            (b'M', Some(self.message.as_str()), "message"),
            (b'D', self.detail.as_deref(), "detail"),
            (b'H', self.hint.as_deref(), "hint"),
            (b'F', self.file.as_deref(), "file"),
            (b'L', self.line.as_deref(), "line"),
        ];
        for (kind, value, name) in fields {
            if let Some(value) = value {
                body.put_u8(kind);
                put_cstr(&mut body, value, name)?;
            }
        }
        body.put_u8(0);
        write_frame(tag, buf, |b| b.put_slice(&body))
    }

    /// True for ERROR, FATAL and PANIC.
    pub fn is_error(&self) -> bool {
        matches!(
            self.severity,
            Severity::Error | Severity::Fatal | Severity::Panic
        )
    }

    /// True when the server closes the connection after this message.
    pub fn closes_connection(&self) -> bool {
        self.severity.closes_connection()
    }
}

impl fmt::Display for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_error_decodes() {
        let payload = b"SERROR\0CXX000\0Minforming node info failed\0Dinvalid node ID : 7\0Fpcp_worker.c\0L843\0\0";
        let msg = ServerMessage::decode(payload);
        assert_eq!(msg.severity, Severity::Error);
        assert_eq!(msg.code.as_deref(), Some("XX000"));
        assert_eq!(msg.message, "informing node info failed");
        assert_eq!(msg.detail.as_deref(), Some("invalid node ID : 7"));
        assert_eq!(msg.file.as_deref(), Some("pcp_worker.c"));
        assert_eq!(msg.line.as_deref(), Some("843"));
        assert!(!msg.closes_connection());
    }

    #[test]
    fn garbage_byte_after_long_field_is_tolerated() {
        // A 255-byte truncated detail, its NUL, then one stale byte (0xa0) before `F`.
        let mut payload = b"SERROR\0CXX000\0Mbad\0D".to_vec();
        payload.extend(std::iter::repeat_n(b'x', 255));
        payload.push(0);
        payload.push(0xa0);
        payload.extend_from_slice(b"Fpcp_worker.c\0L1492\0\0");
        let msg = ServerMessage::decode(&payload);
        assert_eq!(msg.message, "bad");
        assert_eq!(msg.detail.as_ref().map(String::len), Some(255));
        assert_eq!(msg.line.as_deref(), Some("1492"));
        assert_eq!(msg.file, None, "the corrupted F field is not trusted");
    }

    #[test]
    fn fatal_and_debug_severities() {
        let fatal = ServerMessage::decode(b"SFATAL\0Mauthentication failed for user \"x\"\0\0");
        assert!(fatal.closes_connection());
        let debug = ServerMessage::decode(b"SDEBUG\0CXX000\0MPCP setting parameter\0\0");
        assert_eq!(debug.severity, Severity::Debug);
        assert_eq!(debug.detail, None, "DEBUG is not misread as a detail");
    }

    #[test]
    fn encode_decode_roundtrip() {
        let msg = ServerMessage::new(Severity::Fatal, "invalid promote request")
            .with_detail("specified node is already primary node");
        let mut buf = BytesMut::new();
        msg.encode(&mut buf).unwrap();
        assert_eq!(buf.first(), Some(&b'E'));
        let decoded = ServerMessage::decode(buf.get(5..).unwrap());
        assert_eq!(decoded, msg);
    }
}
