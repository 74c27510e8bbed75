//! Node info (`I` → `i`): one record per backend, in four layouts across versions.
//!
//! | layout | framing | fields |
//! |---|---|---|
//! | 4.0 | one `CommandComplete` packet | 8 (7 before the quarantine fix, 4.0.18) |
//! | 4.1–4.2 | one `CommandComplete` packet | 10 (9 before 4.1.11/4.2.8) |
//! | 4.3 | `ArraySize`, `NodeInfo`×k, `CommandComplete` | 12 (11 in 4.3.0) |
//! | 4.4+ | as 4.3 | 13, extra trailing fields kept |

use std::time::Duration;

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::fields::{non_empty, number, utf8, Fields};
use crate::frame::Frame;
use crate::generation::{Generation, Version};
use crate::reply::array::{
    encode_array, encode_complete_with, ArrayFraming, ArrayPart, CountEncoding,
};
use crate::reply::{Progress, ReplyReader, COMMAND_COMPLETE};
use crate::request::Command;
use crate::types::{
    BackendStatus, PgStatus, Quarantine, ReplicationDelay, ReplicationState, Role, SyncState,
    UnixTime, Weight,
};

/// Marker of a node-info record (4.3+).
pub const NODE_INFO: &str = "NodeInfo";
const REPLY_TAG: u8 = b'i';

/// Which node-info layout a reply used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum NodeInfoLayout {
    /// Pgpool 4.0: single packet, 8 fields.
    V4_0,
    /// Pgpool 4.1 and 4.2: single packet, replication states added (10 fields).
    V4_1,
    /// Pgpool 4.3: multi-packet, live status and role added (12 fields).
    V4_3,
    /// Pgpool 4.4 and later: delay-by-time flag added (13 fields).
    V4_4,
}

impl NodeInfoLayout {
    /// The releases that use this layout.
    pub fn generation(self) -> Generation {
        match self {
            NodeInfoLayout::V4_0 => Generation::between(Version::new(4, 0), Version::new(4, 0)),
            NodeInfoLayout::V4_1 => Generation::between(Version::new(4, 1), Version::new(4, 2)),
            NodeInfoLayout::V4_3 => Generation::between(Version::new(4, 3), Version::new(4, 3)),
            NodeInfoLayout::V4_4 => Generation::since(Version::new(4, 4)),
        }
    }

    /// Whether replies come as `ArraySize` + records + `CommandComplete`.
    pub fn is_multi_packet(self) -> bool {
        matches!(self, NodeInfoLayout::V4_3 | NodeInfoLayout::V4_4)
    }

    /// The layout a server of `version` uses.
    pub fn for_version(version: Version) -> Self {
        match (version.major, version.minor) {
            (0..=3, _) | (4, 0) => NodeInfoLayout::V4_0,
            (4, 1..=2) => NodeInfoLayout::V4_1,
            (4, 3) => NodeInfoLayout::V4_3,
            _ => NodeInfoLayout::V4_4,
        }
    }

    fn detect(multi_packet: bool, fields: usize) -> Option<(Self, bool)> {
        // (layout, carries quarantine)
        match (multi_packet, fields) {
            (false, 7) => Some((NodeInfoLayout::V4_0, false)),
            (false, 8) => Some((NodeInfoLayout::V4_0, true)),
            (false, 9) => Some((NodeInfoLayout::V4_1, false)),
            (false, 10) => Some((NodeInfoLayout::V4_1, true)),
            (true, 11) => Some((NodeInfoLayout::V4_3, false)),
            (true, 12) => Some((NodeInfoLayout::V4_3, true)),
            (true, 13..) => Some((NodeInfoLayout::V4_4, true)),
            _ => None,
        }
    }
}

/// One backend as reported by node info.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NodeInfo {
    /// `backend_hostnameN` (a name, an address or a socket directory).
    pub hostname: String,
    /// `backend_portN`.
    pub port: u16,
    /// Pgpool's status of the backend.
    pub status: BackendStatus,
    /// Watchdog quarantine flag; `None` on releases that did not send it.
    pub quarantine: Option<Quarantine>,
    /// Live probe result (4.3+).
    pub pg_status: Option<PgStatus>,
    /// Load-balancing weight.
    pub weight: Weight,
    /// Pgpool's role of the backend.
    pub role: Role,
    /// Role found by asking the backend itself (4.3+).
    pub pg_role: Option<Role>,
    /// Replication delay behind the primary.
    pub replication_delay: ReplicationDelay,
    /// Replication state (4.1+); `None` when not reported.
    pub replication_state: Option<ReplicationState>,
    /// Synchronous state (4.1+); `None` when not reported.
    pub replication_sync_state: Option<SyncState>,
    /// When the status last changed.
    pub status_changed: UnixTime,
    /// Trailing fields from a newer release, kept as received.
    pub extra: Vec<String>,
}

impl NodeInfo {
    /// The status as Pgpool's tools name it: a down node with the quarantine flag set is
    /// "quarantine".
    pub fn effective_status(&self) -> BackendStatus {
        if self.status == BackendStatus::Down && self.quarantine == Some(Quarantine::Yes) {
            BackendStatus::Quarantine
        } else {
            self.status.clone()
        }
    }

    /// True when the slot has no backend configured (node id -1 lists those too).
    pub fn is_unused_slot(&self) -> bool {
        self.hostname.is_empty()
    }

    fn decode<'a>(
        fields: impl Iterator<Item = &'a [u8]>,
        layout: NodeInfoLayout,
        quarantine: bool,
    ) -> Result<Self, DecodeError> {
        let mut it = fields;
        // A match, not `ok_or`: building the error eagerly costs a drop per field.
        let mut next = |name: &'static str| match it.next() {
            Some(field) => Ok(field),
            None => Err(DecodeError::MissingField { field: name }),
        };
        let hostname = utf8(next("hostname")?, "hostname")?.to_owned();
        let port = number(next("port")?, "port")?;
        let status = BackendStatus::from_code(utf8(next("status")?, "status")?);
        let quarantine = if quarantine {
            Some(Quarantine::from_name(utf8(
                next("quarantine")?,
                "quarantine",
            )?))
        } else {
            None
        };
        let multi = layout.is_multi_packet();
        let pg_status = if multi {
            Some(PgStatus::from_name(utf8(next("pg_status")?, "pg_status")?))
        } else {
            None
        };
        let weight = Weight {
            raw: crate::fields::float(next("weight")?, "weight")?,
        };
        let role = Role::from_code(utf8(next("role")?, "role")?);
        let pg_role = if multi {
            Some(Role::from_name(utf8(next("pg_role")?, "pg_role")?))
        } else {
            None
        };
        let by_time = if layout == NodeInfoLayout::V4_4 {
            crate::fields::flag(next("standby_delay_by_time")?, "standby_delay_by_time")?
        } else {
            false
        };
        let delay: u64 = number(next("standby_delay")?, "standby_delay")?;
        let replication_delay = if by_time {
            ReplicationDelay::Time(Duration::from_micros(delay))
        } else {
            ReplicationDelay::Bytes(delay)
        };
        let (replication_state, replication_sync_state) = if layout == NodeInfoLayout::V4_0 {
            (None, None)
        } else {
            let state = utf8(next("replication_state")?, "replication_state")?;
            let sync = utf8(next("replication_sync_state")?, "replication_sync_state")?;
            (
                non_empty(state.as_bytes()).map(|_| ReplicationState::from_name(state)),
                non_empty(sync.as_bytes()).map(|_| SyncState::from_name(sync)),
            )
        };
        let status_changed = UnixTime(number(next("status_changed_time")?, "status_changed_time")?);
        let mut extra = Vec::new();
        for field in it {
            extra.push(utf8(field, "extra")?.to_owned());
        }
        Ok(NodeInfo {
            hostname,
            port,
            status,
            quarantine,
            pg_status,
            weight,
            role,
            pg_role,
            replication_delay,
            replication_state,
            replication_sync_state,
            status_changed,
            extra,
        })
    }

    /// The wire fields of this record in `layout` (after the marker).
    fn encode_fields(&self, layout: NodeInfoLayout) -> Result<Vec<String>, EncodeError> {
        // The field count decides the layout on decode: a record this layout cannot carry
        // would read back as another layout with every later field shifted.
        if layout != NodeInfoLayout::V4_4 && !self.extra.is_empty() {
            return Err(EncodeError::InvalidArgument {
                field: "extra",
                reason: "trailing fields need the 4.4 layout",
            });
        }
        if layout == NodeInfoLayout::V4_4 && self.quarantine.is_none() {
            return Err(EncodeError::InvalidArgument {
                field: "quarantine",
                reason: "the 4.4 layout always carries quarantine",
            });
        }
        let mut out = vec![
            self.hostname.clone(),
            self.port.to_string(),
            self.status.code_text(),
        ];
        if let Some(q) = &self.quarantine {
            out.push(q.name().to_owned());
        }
        let multi = layout.is_multi_packet();
        if multi {
            let pg = self.pg_status.clone().unwrap_or(PgStatus::NotChecked);
            out.push(pg.name().to_owned());
        }
        out.push(format!("{:.6}", self.weight.raw));
        out.push(self.role.code_text());
        if multi {
            let pg_role = self
                .pg_role
                .clone()
                .unwrap_or(Role::Unknown("unknown".into()));
            out.push(pg_role.name().to_owned());
        }
        let (by_time, delay) = match self.replication_delay {
            ReplicationDelay::Bytes(b) => (false, b),
            ReplicationDelay::Time(d) => (true, u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        };
        if layout == NodeInfoLayout::V4_4 {
            out.push(if by_time { "1" } else { "0" }.to_owned());
        } else if by_time {
            return Err(EncodeError::InvalidArgument {
                field: "replication_delay",
                reason: "delay by time needs the 4.4 layout",
            });
        }
        out.push(delay.to_string());
        if layout != NodeInfoLayout::V4_0 {
            out.push(
                self.replication_state
                    .as_ref()
                    .map(|s| s.name().to_owned())
                    .unwrap_or_default(),
            );
            out.push(
                self.replication_sync_state
                    .as_ref()
                    .map(|s| s.name().to_owned())
                    .unwrap_or_default(),
            );
        }
        out.push(self.status_changed.0.to_string());
        out.extend(self.extra.iter().cloned());
        Ok(out)
    }
}

/// The whole node-info reply.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NodeInfoReply {
    /// The records, in node-id order.
    pub nodes: Vec<NodeInfo>,
    /// The layout the server used.
    pub layout: NodeInfoLayout,
}

impl NodeInfoReply {
    /// The releases that send this layout.
    pub fn generation(&self) -> Generation {
        self.layout.generation()
    }

    /// Appends this reply as a server of its layout would send it.
    ///
    /// Layouts before 4.3 carry exactly one record.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let records = self
            .nodes
            .iter()
            .map(|n| n.encode_fields(self.layout))
            .collect::<Result<Vec<_>, _>>()?;
        if self.layout.is_multi_packet() {
            encode_array(REPLY_TAG, NODE_INFO, CountEncoding::Text, &records, buf)
        } else {
            match records.as_slice() {
                [only] => encode_complete_with(REPLY_TAG, only, buf),
                _ => Err(EncodeError::InvalidArgument {
                    field: "nodes",
                    reason: "layouts before 4.3 carry exactly one node",
                }),
            }
        }
    }
}

/// Reads a node-info reply in any layout.
#[derive(Debug, Clone)]
pub struct NodeInfoReader {
    framing: ArrayFraming,
    nodes: Vec<NodeInfo>,
    layout: Option<NodeInfoLayout>,
}

impl Default for NodeInfoReader {
    fn default() -> Self {
        NodeInfoReader {
            framing: ArrayFraming::new(NODE_INFO, CountEncoding::Text),
            nodes: Vec::new(),
            layout: None,
        }
    }
}

impl NodeInfoReader {
    /// A new reader.
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&mut self, f: Fields<'_>, multi: bool) -> Result<(), DecodeError> {
        // Every field ends with a NUL, so counting NULs gives the layout before any field is
        // parsed, and the fields are then read in place: no vector of slices per record.
        let payload = f.remaining();
        let count = payload.iter().filter(|&&b| b == 0).count();
        let body = match payload.split_last() {
            None => payload,
            Some((0, body)) => body,
            Some(_) => {
                return Err(DecodeError::MissingNul {
                    field: "node info field",
                })
            }
        };
        let (layout, quarantine) =
            NodeInfoLayout::detect(multi, count).ok_or(DecodeError::UnknownLayout {
                record: NODE_INFO,
                fields: count,
            })?;
        if self.layout.is_some_and(|seen| seen != layout) {
            return Err(DecodeError::UnknownLayout {
                record: NODE_INFO,
                fields: count,
            });
        }
        self.layout = Some(layout);
        let fields = body.split(|&b| b == 0);
        self.nodes
            .push(NodeInfo::decode(fields, layout, quarantine)?);
        Ok(())
    }
}

impl ReplyReader for NodeInfoReader {
    type Output = NodeInfoReply;

    fn command(&self) -> Command {
        Command::NodeInfo
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<NodeInfoReply>, DecodeError> {
        if !self.framing.started() {
            let mut f = Fields::new(&frame.payload);
            if f.next_bytes("record marker")? == COMMAND_COMPLETE.as_bytes() {
                // Before 4.3: the whole reply is this one packet.
                self.record(f, false)?;
                return Ok(Progress::Done(self.take()));
            }
        }
        match self.framing.next(&frame.payload)? {
            ArrayPart::Size => {
                self.nodes.reserve(self.framing.capacity_hint());
                Ok(Progress::NeedMore)
            }
            ArrayPart::Record(f) => {
                self.record(f, true)?;
                Ok(Progress::NeedMore)
            }
            ArrayPart::Complete => Ok(Progress::Done(self.take())),
        }
    }
}

impl NodeInfoReader {
    fn take(&mut self) -> NodeInfoReply {
        NodeInfoReply {
            nodes: std::mem::take(&mut self.nodes),
            // An empty 4.3+ array reveals the framing only; report the oldest multi-packet layout.
            layout: self.layout.unwrap_or(NodeInfoLayout::V4_3),
        }
    }
}
