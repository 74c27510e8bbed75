//! Watchdog info (`W` → `w`): `CommandComplete` followed by one JSON document.
//!
//! Keys are read by name, never by position: 4.0–4.1 say `Master*`, 4.2+ `Leader*`; 4.3 adds
//! membership keys; master adds `LifecheckStarted`. Unknown keys are kept.

use bytes::BytesMut;
use serde_json::{Map, Value};

use crate::error::{DecodeError, EncodeError};
use crate::fields::{lossy, Fields};
use crate::frame::Frame;
use crate::generation::{Generation, Version};
use crate::reply::array::encode_complete_with;
use crate::reply::{Progress, ReplyReader, COMMAND_COMPLETE};
use crate::request::Command;

/// Quorum state of the watchdog cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum QuorumStatus {
    /// Quorum exists (1).
    Exists,
    /// Exactly half the nodes are alive (0).
    OnTheEdge,
    /// Quorum is absent (-1).
    Absent,
    /// No leader node (-2).
    NoLeader,
    /// A code this library does not know.
    Unknown(i64),
}

impl QuorumStatus {
    /// From the JSON code.
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => QuorumStatus::Exists,
            0 => QuorumStatus::OnTheEdge,
            -1 => QuorumStatus::Absent,
            -2 => QuorumStatus::NoLeader,
            other => QuorumStatus::Unknown(other),
        }
    }

    /// The JSON code.
    pub fn code(self) -> i64 {
        match self {
            QuorumStatus::Exists => 1,
            QuorumStatus::OnTheEdge => 0,
            QuorumStatus::Absent => -1,
            QuorumStatus::NoLeader => -2,
            QuorumStatus::Unknown(code) => code,
        }
    }

    /// The text Pgpool's tool prints.
    pub fn description(self) -> &'static str {
        match self {
            QuorumStatus::Exists => "QUORUM EXIST",
            QuorumStatus::OnTheEdge => "QUORUM IS ON THE EDGE",
            QuorumStatus::Absent => "QUORUM ABSENT",
            QuorumStatus::NoLeader => "NO LEADER NODE",
            QuorumStatus::Unknown(_) => "UNKNOWN",
        }
    }
}

/// State of a watchdog node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum WatchdogState {
    /// 0
    Dead,
    /// 1
    Loading,
    /// 2
    Joining,
    /// 3
    Initializing,
    /// 4: the leader ("MASTER" before 4.2).
    Leader,
    /// 5
    ParticipatingInElection,
    /// 6
    StandingForLeader,
    /// 7
    Standby,
    /// 8
    Lost,
    /// 9
    InNetworkTrouble,
    /// 10
    Shutdown,
    /// 11
    AddMessageSent,
    /// 12
    NetworkIsolation,
    /// A code this library does not know (e.g. -1 for an unknown node id).
    Unknown(i64),
}

impl WatchdogState {
    /// From the JSON code.
    pub fn from_code(code: i64) -> Self {
        use WatchdogState::*;
        match code {
            0 => Dead,
            1 => Loading,
            2 => Joining,
            3 => Initializing,
            4 => Leader,
            5 => ParticipatingInElection,
            6 => StandingForLeader,
            7 => Standby,
            8 => Lost,
            9 => InNetworkTrouble,
            10 => Shutdown,
            11 => AddMessageSent,
            12 => NetworkIsolation,
            other => Unknown(other),
        }
    }

    /// The JSON code.
    pub fn code(self) -> i64 {
        use WatchdogState::*;
        match self {
            Dead => 0,
            Loading => 1,
            Joining => 2,
            Initializing => 3,
            Leader => 4,
            ParticipatingInElection => 5,
            StandingForLeader => 6,
            Standby => 7,
            Lost => 8,
            InNetworkTrouble => 9,
            Shutdown => 10,
            AddMessageSent => 11,
            NetworkIsolation => 12,
            Unknown(code) => code,
        }
    }
}

/// One Pgpool of the watchdog cluster.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WatchdogNode {
    /// Node id (-1 for the placeholder of an unknown id).
    pub id: i64,
    /// State.
    pub state: WatchdogState,
    /// Membership code (4.3+).
    pub membership: Option<i64>,
    /// Membership text, e.g. `MEMBER` (4.3+).
    pub membership_string: Option<String>,
    /// Node name (contains spaces by default).
    pub node_name: String,
    /// Host name.
    pub host_name: String,
    /// State name as the server spells it.
    pub state_name: String,
    /// Delegate (virtual) IP.
    pub delegate_ip: String,
    /// Watchdog port.
    pub wd_port: i64,
    /// Pgpool port.
    pub pgpool_port: i64,
    /// Election priority.
    pub priority: i64,
    /// Whether life checking has started (master only).
    pub lifecheck_started: Option<bool>,
    /// Keys this library does not know, kept as received.
    pub extra: Map<String, Value>,
}

/// The watchdog cluster as one Pgpool sees it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WatchdogInfo {
    /// Remote nodes configured.
    pub remote_node_count: i64,
    /// Remote nodes that are members (4.3+).
    pub member_remote_node_count: Option<i64>,
    /// Nodes needed for quorum (4.3+).
    pub nodes_required_for_quorum: Option<i64>,
    /// Quorum state.
    pub quorum_status: QuorumStatus,
    /// Alive remote nodes.
    pub alive_node_count: i64,
    /// Whether the local node holds the virtual IP.
    pub escalated: bool,
    /// Leader's node name (`Not Set` if none).
    pub leader_node_name: String,
    /// Leader's host name.
    pub leader_host_name: String,
    /// True if the server used the pre-4.2 `Master*` keys.
    pub master_keys: bool,
    /// Number of nodes in `nodes`.
    pub node_count: i64,
    /// The nodes: the local one first when all were asked for.
    pub nodes: Vec<WatchdogNode>,
    /// Keys this library does not know, kept as received.
    pub extra: Map<String, Value>,
}

fn take_key(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    map.remove(key)
}

fn int(map: &mut Map<String, Value>, key: &'static str) -> Result<i64, DecodeError> {
    opt_int(map, key)?.ok_or_else(|| DecodeError::InvalidJson {
        reason: format!("missing key {key}"),
    })
}

fn opt_int(map: &mut Map<String, Value>, key: &'static str) -> Result<Option<i64>, DecodeError> {
    match take_key(map, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| DecodeError::InvalidJson {
                reason: format!("{key} is not an integer: {n}"),
            }),
        Some(other) => Err(DecodeError::InvalidJson {
            reason: format!("{key} is not a number: {other}"),
        }),
    }
}

fn opt_string(
    map: &mut Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, DecodeError> {
    match take_key(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(DecodeError::InvalidJson {
            reason: format!("{key} is not a string: {other}"),
        }),
    }
}

fn string(map: &mut Map<String, Value>, key: &'static str) -> Result<String, DecodeError> {
    opt_string(map, key)?.ok_or_else(|| DecodeError::InvalidJson {
        reason: format!("missing key {key}"),
    })
}

impl WatchdogNode {
    fn from_json(value: Value) -> Result<Self, DecodeError> {
        let Value::Object(mut map) = value else {
            return Err(DecodeError::InvalidJson {
                reason: "a watchdog node is not an object".into(),
            });
        };
        Ok(WatchdogNode {
            id: int(&mut map, "ID")?,
            state: WatchdogState::from_code(int(&mut map, "State")?),
            membership: opt_int(&mut map, "Membership")?,
            membership_string: opt_string(&mut map, "MembershipString")?,
            node_name: string(&mut map, "NodeName")?,
            host_name: string(&mut map, "HostName")?,
            state_name: string(&mut map, "StateName")?,
            delegate_ip: string(&mut map, "DelegateIP")?,
            wd_port: int(&mut map, "WdPort")?,
            pgpool_port: int(&mut map, "PgpoolPort")?,
            priority: int(&mut map, "Priority")?,
            lifecheck_started: opt_int(&mut map, "LifecheckStarted")?.map(|v| v != 0),
            extra: map,
        })
    }

    fn to_json(&self) -> Value {
        let mut map = self.extra.clone();
        map.insert("ID".into(), self.id.into());
        map.insert("State".into(), self.state.code().into());
        if let Some(m) = self.membership {
            map.insert("Membership".into(), m.into());
        }
        if let Some(m) = &self.membership_string {
            map.insert("MembershipString".into(), m.clone().into());
        }
        map.insert("NodeName".into(), self.node_name.clone().into());
        map.insert("HostName".into(), self.host_name.clone().into());
        map.insert("StateName".into(), self.state_name.clone().into());
        map.insert("DelegateIP".into(), self.delegate_ip.clone().into());
        map.insert("WdPort".into(), self.wd_port.into());
        map.insert("PgpoolPort".into(), self.pgpool_port.into());
        map.insert("Priority".into(), self.priority.into());
        if let Some(l) = self.lifecheck_started {
            map.insert("LifecheckStarted".into(), i64::from(l).into());
        }
        Value::Object(map)
    }
}

impl WatchdogInfo {
    /// Parses the JSON document of a `w` reply.
    pub fn from_json(text: &[u8]) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_slice(text).map_err(|e| DecodeError::InvalidJson {
            reason: e.to_string(),
        })?;
        let Value::Object(mut map) = value else {
            return Err(DecodeError::InvalidJson {
                reason: "the document is not an object".into(),
            });
        };
        let (leader_node_name, leader_host_name, master_keys) =
            match opt_string(&mut map, "LeaderNodeName")? {
                Some(name) => (name, string(&mut map, "LeaderHostName")?, false),
                None => (
                    string(&mut map, "MasterNodeName")?,
                    string(&mut map, "MasterHostName")?,
                    true,
                ),
            };
        let nodes = match take_key(&mut map, "WatchdogNodes") {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(WatchdogNode::from_json)
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => {
                return Err(DecodeError::InvalidJson {
                    reason: "WatchdogNodes is not an array".into(),
                })
            }
            None => {
                return Err(DecodeError::InvalidJson {
                    reason: "missing key WatchdogNodes".into(),
                })
            }
        };
        Ok(WatchdogInfo {
            remote_node_count: int(&mut map, "RemoteNodeCount")?,
            member_remote_node_count: opt_int(&mut map, "MemberRemoteNodeCount")?,
            nodes_required_for_quorum: opt_int(&mut map, "NodesRequireForQuorum")?,
            quorum_status: QuorumStatus::from_code(int(&mut map, "QuorumStatus")?),
            alive_node_count: int(&mut map, "AliveNodeCount")?,
            escalated: int(&mut map, "Escalated")? != 0,
            leader_node_name,
            leader_host_name,
            master_keys,
            node_count: int(&mut map, "NodeCount")?,
            nodes,
            extra: map,
        })
    }

    /// The JSON document, with the key style of the release that sent it.
    pub fn to_json(&self) -> Value {
        let mut map = self.extra.clone();
        map.insert("RemoteNodeCount".into(), self.remote_node_count.into());
        if let Some(v) = self.member_remote_node_count {
            map.insert("MemberRemoteNodeCount".into(), v.into());
        }
        if let Some(v) = self.nodes_required_for_quorum {
            map.insert("NodesRequireForQuorum".into(), v.into());
        }
        map.insert("QuorumStatus".into(), self.quorum_status.code().into());
        map.insert("AliveNodeCount".into(), self.alive_node_count.into());
        map.insert("Escalated".into(), i64::from(self.escalated).into());
        let (name_key, host_key) = if self.master_keys {
            ("MasterNodeName", "MasterHostName")
        } else {
            ("LeaderNodeName", "LeaderHostName")
        };
        map.insert(name_key.into(), self.leader_node_name.clone().into());
        map.insert(host_key.into(), self.leader_host_name.clone().into());
        map.insert("NodeCount".into(), self.node_count.into());
        map.insert(
            "WatchdogNodes".into(),
            Value::Array(self.nodes.iter().map(WatchdogNode::to_json).collect()),
        );
        Value::Object(map)
    }

    /// The releases whose keys this document has.
    pub fn generation(&self) -> Generation {
        if self.master_keys {
            Generation::between(Version::new(4, 0), Version::new(4, 1))
        } else if self.nodes.iter().any(|n| n.lifecheck_started.is_some()) {
            Generation::since(Version::new(4, 8))
        } else if self.member_remote_node_count.is_some() {
            Generation::since(Version::new(4, 3))
        } else {
            Generation::between(Version::new(4, 2), Version::new(4, 2))
        }
    }

    /// The leader node, if one is listed.
    pub fn leader(&self) -> Option<&WatchdogNode> {
        self.nodes.iter().find(|n| n.state == WatchdogState::Leader)
    }

    /// Appends this reply as the server sends it.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_complete_with(b'w', &[self.to_json().to_string()], buf)
    }
}

/// Reads the `w` reply.
#[derive(Debug, Default, Clone)]
pub struct WatchdogInfoReader;

impl ReplyReader for WatchdogInfoReader {
    type Output = WatchdogInfo;

    fn command(&self) -> Command {
        Command::WatchdogInfo
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<WatchdogInfo>, DecodeError> {
        let mut f = Fields::new(&frame.payload);
        let marker = f.next_bytes("record marker")?;
        if marker != COMMAND_COMPLETE.as_bytes() {
            return Err(DecodeError::UnexpectedRecord {
                expected: COMMAND_COMPLETE,
                got: lossy(marker),
            });
        }
        let json = f.next_bytes("watchdog json")?;
        f.finish("watchdog json")?;
        Ok(Progress::Done(WatchdogInfo::from_json(json)?))
    }
}
