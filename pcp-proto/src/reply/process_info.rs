//! Process info (`P` → `p`): one record per child process × pool slot × backend.
//!
//! | layout | fields |
//! |---|---|
//! | 4.0–4.2 | 11: pid, database, username, start (epoch), create (epoch), major, minor, counter, backend id, backend pid, connected |
//! | 4.3–4.4 | 17 text fields |
//! | 4.5–4.6 | 18: + load_balance_node |
//! | 4.7+ | 21: + client_host, client_port, statement; extra trailing fields kept |

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::fields::{flag, lossy, non_empty, number, utf8};
use crate::frame::Frame;
use crate::generation::{Generation, Version};
use crate::reply::array::{encode_array, ArrayFraming, ArrayPart, CountEncoding};
use crate::reply::{Progress, ReplyReader};
use crate::request::Command;
use crate::types::{LocalDateTime, ProcessStatus, Timestamp, UnixTime};

/// Marker of a process-info record.
pub const PROCESS_INFO: &str = "ProcessInfo";

/// Which process-info layout a reply used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ProcessInfoLayout {
    /// 4.0–4.2: 11 fields, times as epochs.
    V4_0,
    /// 4.3–4.4: 17 text fields.
    V4_3,
    /// 4.5–4.6: 18 fields.
    V4_5,
    /// 4.7 and later: 21 fields.
    V4_7,
}

impl ProcessInfoLayout {
    /// The releases that use this layout.
    pub fn generation(self) -> Generation {
        match self {
            ProcessInfoLayout::V4_0 => Generation::between(Version::new(4, 0), Version::new(4, 2)),
            ProcessInfoLayout::V4_3 => Generation::between(Version::new(4, 3), Version::new(4, 4)),
            ProcessInfoLayout::V4_5 => Generation::between(Version::new(4, 5), Version::new(4, 6)),
            ProcessInfoLayout::V4_7 => Generation::since(Version::new(4, 7)),
        }
    }

    /// The number of fields of this layout.
    pub fn field_count(self) -> usize {
        match self {
            ProcessInfoLayout::V4_0 => 11,
            ProcessInfoLayout::V4_3 => 17,
            ProcessInfoLayout::V4_5 => 18,
            ProcessInfoLayout::V4_7 => 21,
        }
    }

    /// The layout a server of `version` uses.
    pub fn for_version(version: Version) -> Self {
        match (version.major, version.minor) {
            (0..=3, _) | (4, 0..=2) => ProcessInfoLayout::V4_0,
            (4, 3..=4) => ProcessInfoLayout::V4_3,
            (4, 5..=6) => ProcessInfoLayout::V4_5,
            _ => ProcessInfoLayout::V4_7,
        }
    }

    fn detect(fields: usize) -> Option<Self> {
        match fields {
            11 => Some(ProcessInfoLayout::V4_0),
            17 => Some(ProcessInfoLayout::V4_3),
            18 => Some(ProcessInfoLayout::V4_5),
            21.. => Some(ProcessInfoLayout::V4_7),
            _ => None,
        }
    }
}

/// One connection-pool slot of a Pgpool child process.
///
/// Fields a layout lacks are `None`; in 4.3+ empty text is `None` too.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProcessInfo {
    /// Child process id (`None` for a slot the server sent without one).
    pub pid: Option<u32>,
    /// When the child started.
    pub start_time: Option<Timestamp>,
    /// Text after the start time, e.g. `(0:10 before process restarting)` (4.3+).
    pub start_time_note: Option<String>,
    /// Clients served by this child so far (4.3+).
    pub client_connection_count: Option<u64>,
    /// Pool slot (4.3+).
    pub pool_id: Option<u32>,
    /// Backend node id.
    pub backend_id: Option<u32>,
    /// Database of the pooled connection.
    pub database: String,
    /// User of the pooled connection.
    pub username: String,
    /// When the backend connection was made (before 4.3: creation time of the slot).
    pub backend_connection_time: Option<Timestamp>,
    /// When the current client connected (4.3+).
    pub client_connection_time: Option<LocalDateTime>,
    /// When the last client disconnected (4.3+).
    pub client_disconnection_time: Option<LocalDateTime>,
    /// Seconds the client has been idle (4.3+).
    pub client_idle_seconds: Option<u64>,
    /// Text after the idle seconds, e.g. `(0:30 before client disconnected)`.
    pub client_idle_note: Option<String>,
    /// Frontend protocol major version.
    pub major: Option<u32>,
    /// Frontend protocol minor version.
    pub minor: Option<u32>,
    /// Times this pool slot was reused.
    pub pool_counter: Option<u64>,
    /// PID of the PostgreSQL backend.
    pub backend_pid: Option<u32>,
    /// Whether a client is connected.
    pub connected: Option<bool>,
    /// What the slot is doing (4.3+).
    pub status: Option<ProcessStatus>,
    /// Whether this backend is the session's load-balance node (4.5+).
    pub load_balance_node: Option<bool>,
    /// Client address (4.7+).
    pub client_host: Option<String>,
    /// Client port (4.7+).
    pub client_port: Option<String>,
    /// Last statement sent to the backend (4.7+); bytes that are not UTF-8 are replaced.
    pub statement: Option<String>,
    /// Trailing fields from a newer release, kept as received.
    pub extra: Vec<String>,
}

fn opt_text(bytes: &[u8], field: &'static str) -> Result<Option<String>, DecodeError> {
    Ok(non_empty(bytes)
        .map(|b| utf8(b, field))
        .transpose()?
        .map(str::to_owned))
}

fn opt_number<T>(bytes: &[u8], field: &'static str) -> Result<Option<T>, DecodeError>
where
    T: std::str::FromStr<Err = std::num::ParseIntError> + TryFrom<u64>,
{
    non_empty(bytes).map(|b| number(b, field)).transpose()
}

fn opt_time(bytes: &[u8], field: &'static str) -> Result<Option<LocalDateTime>, DecodeError> {
    non_empty(bytes)
        .map(|b| LocalDateTime::parse(utf8(b, field)?, field))
        .transpose()
}

/// Splits `2026-11-25 17:45:42 (0:10 before process restarting)` into time and note.
fn time_with_note(
    bytes: &[u8],
    field: &'static str,
) -> Result<(Option<LocalDateTime>, Option<String>), DecodeError> {
    let text = utf8(bytes, field)?;
    if text.is_empty() {
        return Ok((None, None));
    }
    let (time, rest) = match text.get(..LocalDateTime::TEXT_LEN) {
        Some(head) => (
            head,
            text.get(LocalDateTime::TEXT_LEN..).unwrap_or_default(),
        ),
        None => (text, ""),
    };
    let time = LocalDateTime::parse(time, field)?;
    let note = rest
        .strip_prefix(' ')
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.is_none() && !rest.is_empty() {
        return Err(DecodeError::InvalidTimestamp {
            field,
            text: text.to_owned(),
        });
    }
    Ok((Some(time), note))
}

/// Splits `12 (0:30 before client disconnected)` into seconds and note.
fn seconds_with_note(
    bytes: &[u8],
    field: &'static str,
) -> Result<(Option<u64>, Option<String>), DecodeError> {
    let text = utf8(bytes, field)?;
    if text.is_empty() {
        return Ok((None, None));
    }
    let (secs, note) = match text.split_once(' ') {
        Some((secs, note)) if !note.is_empty() => (secs, Some(note.to_owned())),
        Some(_) => {
            return Err(DecodeError::InvalidNumber {
                field,
                text: text.to_owned(),
            })
        }
        None => (text, None),
    };
    Ok((Some(number(secs.as_bytes(), field)?), note))
}

fn joined(value: Option<String>, note: &Option<String>) -> String {
    match (value, note) {
        (Some(v), Some(n)) => format!("{v} {n}"),
        (Some(v), None) => v,
        (None, _) => String::new(),
    }
}

fn opt_string<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn flag_text(v: Option<bool>) -> String {
    match v {
        Some(true) => "1".into(),
        Some(false) => "0".into(),
        None => String::new(),
    }
}

fn timestamp_text(t: &Option<Timestamp>, unix: bool) -> Result<String, EncodeError> {
    match (t, unix) {
        (None, true) => Ok("0".into()),
        (None, false) => Ok(String::new()),
        (Some(Timestamp::Unix(u)), true) => Ok(u.0.to_string()),
        (Some(Timestamp::Local(l)), false) => Ok(l.to_string()),
        _ => Err(EncodeError::InvalidArgument {
            field: "timestamp",
            reason: "epoch times belong to the 4.0 layout, text times to 4.3+",
        }),
    }
}

impl ProcessInfo {
    fn decode(fields: &[&[u8]], layout: ProcessInfoLayout) -> Result<Self, DecodeError> {
        if layout == ProcessInfoLayout::V4_0 {
            return Self::decode_v4_0(fields);
        }
        let mut it = fields.iter().copied();
        // A match, not `ok_or`: building the error eagerly costs a drop per field.
        let mut next = |name: &'static str| match it.next() {
            Some(field) => Ok(field),
            None => Err(DecodeError::MissingField { field: name }),
        };
        let pid = opt_number(next("pid")?, "pid")?;
        let (start, start_time_note) =
            time_with_note(next("process_start_time")?, "process_start_time")?;
        let client_connection_count =
            opt_number(next("client_connection_count")?, "client_connection_count")?;
        let pool_id = opt_number(next("pool_id")?, "pool_id")?;
        let backend_id = opt_number(next("backend_id")?, "backend_id")?;
        let database = utf8(next("database")?, "database")?.to_owned();
        let username = utf8(next("username")?, "username")?.to_owned();
        let backend_connection_time =
            opt_time(next("backend_connection_time")?, "backend_connection_time")?;
        let client_connection_time =
            opt_time(next("client_connection_time")?, "client_connection_time")?;
        let client_disconnection_time = opt_time(
            next("client_disconnection_time")?,
            "client_disconnection_time",
        )?;
        let (client_idle_seconds, client_idle_note) =
            seconds_with_note(next("client_idle_duration")?, "client_idle_duration")?;
        let major = opt_number(next("majorversion")?, "majorversion")?;
        let minor = opt_number(next("minorversion")?, "minorversion")?;
        let pool_counter = opt_number(next("pool_counter")?, "pool_counter")?;
        let backend_pid = opt_number(next("backend_pid")?, "backend_pid")?;
        let connected = non_empty(next("connected")?)
            .map(|b| flag(b, "connected"))
            .transpose()?;
        let status_text = utf8(next("status")?, "status")?;
        let status =
            non_empty(status_text.as_bytes()).map(|_| ProcessStatus::from_name(status_text));
        let load_balance_node = if layout == ProcessInfoLayout::V4_3 {
            None
        } else {
            non_empty(next("load_balance_node")?)
                .map(|b| flag(b, "load_balance_node"))
                .transpose()?
        };
        let (client_host, client_port, statement) = if layout == ProcessInfoLayout::V4_7 {
            (
                opt_text(next("client_host")?, "client_host")?,
                opt_text(next("client_port")?, "client_port")?,
                non_empty(next("statement")?).map(lossy),
            )
        } else {
            (None, None, None)
        };
        let extra = it.map(lossy).collect();
        Ok(ProcessInfo {
            pid,
            start_time: start.map(Timestamp::Local),
            start_time_note,
            client_connection_count,
            pool_id,
            backend_id,
            database,
            username,
            backend_connection_time: backend_connection_time.map(Timestamp::Local),
            client_connection_time,
            client_disconnection_time,
            client_idle_seconds,
            client_idle_note,
            major,
            minor,
            pool_counter,
            backend_pid,
            connected,
            status,
            load_balance_node,
            client_host,
            client_port,
            statement,
            extra,
        })
    }

    fn decode_v4_0(fields: &[&[u8]]) -> Result<Self, DecodeError> {
        let [pid, database, username, start, create, major, minor, counter, backend_id, backend_pid, connected] =
            fields
        else {
            return Err(DecodeError::UnknownLayout {
                record: PROCESS_INFO,
                fields: fields.len(),
            });
        };
        Ok(ProcessInfo {
            pid: Some(number(pid, "pid")?),
            start_time: Some(Timestamp::Unix(UnixTime(number(start, "start_time")?))),
            start_time_note: None,
            client_connection_count: None,
            pool_id: None,
            backend_id: Some(number(backend_id, "backend_id")?),
            database: utf8(database, "database")?.to_owned(),
            username: utf8(username, "username")?.to_owned(),
            backend_connection_time: Some(Timestamp::Unix(UnixTime(number(
                create,
                "create_time",
            )?))),
            client_connection_time: None,
            client_disconnection_time: None,
            client_idle_seconds: None,
            client_idle_note: None,
            major: Some(number(major, "majorversion")?),
            minor: Some(number(minor, "minorversion")?),
            pool_counter: Some(number(counter, "pool_counter")?),
            backend_pid: Some(number(backend_pid, "backend_pid")?),
            connected: Some(flag(connected, "connected")?),
            status: None,
            load_balance_node: None,
            client_host: None,
            client_port: None,
            statement: None,
            extra: Vec::new(),
        })
    }

    fn encode_fields(&self, layout: ProcessInfoLayout) -> Result<Vec<String>, EncodeError> {
        if layout == ProcessInfoLayout::V4_0 {
            let num = |v: &Option<u32>| v.unwrap_or(0).to_string();
            return Ok(vec![
                self.pid.unwrap_or(0).to_string(),
                self.database.clone(),
                self.username.clone(),
                timestamp_text(&self.start_time, true)?,
                timestamp_text(&self.backend_connection_time, true)?,
                num(&self.major),
                num(&self.minor),
                self.pool_counter.unwrap_or(0).to_string(),
                num(&self.backend_id),
                num(&self.backend_pid),
                flag_text(Some(self.connected.unwrap_or(false))),
            ]);
        }
        let start = timestamp_text(&self.start_time, false)?;
        let mut out = vec![
            opt_string(&self.pid),
            joined(
                non_empty(start.as_bytes()).map(|_| start.clone()),
                &self.start_time_note,
            ),
            opt_string(&self.client_connection_count),
            opt_string(&self.pool_id),
            opt_string(&self.backend_id),
            self.database.clone(),
            self.username.clone(),
            timestamp_text(&self.backend_connection_time, false)?,
            opt_string(&self.client_connection_time),
            opt_string(&self.client_disconnection_time),
            joined(
                self.client_idle_seconds.map(|s| s.to_string()),
                &self.client_idle_note,
            ),
            opt_string(&self.major),
            opt_string(&self.minor),
            opt_string(&self.pool_counter),
            opt_string(&self.backend_pid),
            flag_text(self.connected),
            self.status
                .as_ref()
                .map(|s| s.name().to_owned())
                .unwrap_or_default(),
        ];
        if layout != ProcessInfoLayout::V4_3 {
            out.push(flag_text(self.load_balance_node));
        }
        if layout == ProcessInfoLayout::V4_7 {
            out.push(self.client_host.clone().unwrap_or_default());
            out.push(self.client_port.clone().unwrap_or_default());
            out.push(self.statement.clone().unwrap_or_default());
            out.extend(self.extra.iter().cloned());
        }
        Ok(out)
    }
}

/// The whole process-info reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProcessInfoReply {
    /// The records.
    pub processes: Vec<ProcessInfo>,
    /// The layout the server used (`None` for an empty reply, which reveals nothing).
    pub layout: Option<ProcessInfoLayout>,
}

impl ProcessInfoReply {
    /// The releases that send this layout, if the reply had records.
    pub fn generation(&self) -> Option<Generation> {
        self.layout.map(ProcessInfoLayout::generation)
    }

    /// Appends this reply as a server of its layout would send it.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let layout = self.layout.unwrap_or(ProcessInfoLayout::V4_7);
        let records = self
            .processes
            .iter()
            .map(|p| p.encode_fields(layout))
            .collect::<Result<Vec<_>, _>>()?;
        encode_array(b'p', PROCESS_INFO, CountEncoding::Text, &records, buf)
    }
}

/// Reads a process-info reply in any layout.
#[derive(Debug, Clone)]
pub struct ProcessInfoReader {
    framing: ArrayFraming,
    processes: Vec<ProcessInfo>,
    layout: Option<ProcessInfoLayout>,
}

impl Default for ProcessInfoReader {
    fn default() -> Self {
        ProcessInfoReader {
            framing: ArrayFraming::new(PROCESS_INFO, CountEncoding::Text),
            processes: Vec::new(),
            layout: None,
        }
    }
}

impl ProcessInfoReader {
    /// A new reader.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ReplyReader for ProcessInfoReader {
    type Output = ProcessInfoReply;

    fn command(&self) -> Command {
        Command::ProcessInfo
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<ProcessInfoReply>, DecodeError> {
        match self.framing.next(&frame.payload)? {
            ArrayPart::Size => {
                self.processes.reserve(self.framing.capacity_hint());
                Ok(Progress::NeedMore)
            }
            ArrayPart::Record(mut f) => {
                let fields = f.collect_all("process info field")?;
                let layout =
                    ProcessInfoLayout::detect(fields.len()).ok_or(DecodeError::UnknownLayout {
                        record: PROCESS_INFO,
                        fields: fields.len(),
                    })?;
                if self.layout.is_some_and(|seen| seen != layout) {
                    return Err(DecodeError::UnknownLayout {
                        record: PROCESS_INFO,
                        fields: fields.len(),
                    });
                }
                self.layout = Some(layout);
                self.processes.push(ProcessInfo::decode(&fields, layout)?);
                Ok(Progress::NeedMore)
            }
            ArrayPart::Complete => Ok(Progress::Done(ProcessInfoReply {
                processes: std::mem::take(&mut self.processes),
                layout: self.layout,
            })),
        }
    }
}
