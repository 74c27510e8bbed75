//! Requests: one variant per PCP command, encoded exactly as Pgpool parses them.

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::fields::{lossy, number, utf8, Fields};
use crate::frame::{put_cstr, write_frame, Frame, SERVER_MAX_PAYLOAD};
use crate::types::{Scope, ShutdownMode};

/// Which node(s) a node-info or watchdog-info request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum NodeSelector {
    /// Every node (`-1` on the wire; node info needs Pgpool 4.3+).
    All,
    /// One node id.
    Id(u32),
}

impl NodeSelector {
    fn wire(self) -> String {
        match self {
            NodeSelector::All => "-1".to_owned(),
            NodeSelector::Id(id) => id.to_string(),
        }
    }

    fn parse(bytes: &[u8], field: &'static str) -> Result<Self, DecodeError> {
        if bytes == b"-1" {
            Ok(NodeSelector::All)
        } else {
            Ok(NodeSelector::Id(number(bytes, field)?))
        }
    }
}

/// A PCP request (client → server).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `M`: ask for the 4-byte MD5 salt.
    Salt,
    /// `R`: authenticate with the user name and the salted hash ([`crate::auth::auth_hash`]).
    Authenticate {
        /// User name from pcp.conf.
        user: String,
        /// 32 lower-case hex digits.
        hash: String,
    },
    /// `L`: number of configured backends.
    NodeCount,
    /// `I`: backend information.
    NodeInfo {
        /// The node, or all nodes (4.3+).
        node: NodeSelector,
    },
    /// `H`: health-check statistics of one node (4.2+).
    HealthCheckStats {
        /// Node id.
        node: u32,
    },
    /// `N`: number and PIDs of Pgpool's child processes.
    ProcessCount,
    /// `P`: connection-pool information of one child process, or of all (`pid` 0).
    ProcessInfo {
        /// Child PID, 0 for all.
        pid: u32,
    },
    /// `B`: Pgpool's configuration (as `SHOW pool_status`).
    PoolStatus,
    /// `W`: watchdog cluster information.
    WatchdogInfo {
        /// A watchdog node id (`pgpool_node_id` since 4.2), or all.
        node: NodeSelector,
    },
    /// `C`: attach (fail back) a node.
    AttachNode {
        /// Node id.
        node: u32,
    },
    /// `D` / `d`: detach a node; graceful waits for clients to disconnect first.
    DetachNode {
        /// Node id.
        node: u32,
        /// Use the graceful variant (`d`).
        graceful: bool,
    },
    /// `J` / `j`: promote a node in Pgpool's view; with `switchover` (4.3+) detach the current
    /// primary and run `failover_command` with this node as the new main.
    PromoteNode {
        /// Node id.
        node: u32,
        /// Use the graceful variant (`j`).
        graceful: bool,
        /// Switchover (`s`) rather than a plain promote (`n`).
        switchover: bool,
    },
    /// `O`: online recovery of a node (synchronous; may take minutes).
    RecoverNode {
        /// Node id.
        node: u32,
    },
    /// `T` / `t`: stop Pgpool, this one or the whole watchdog cluster (4.2+).
    StopPgpool {
        /// Shutdown mode.
        mode: ShutdownMode,
        /// Local or cluster.
        scope: Scope,
    },
    /// `Z`: reload configuration (4.2+).
    ReloadConfig {
        /// Local or cluster.
        scope: Scope,
    },
    /// `V`: rotate Pgpool's log (4.6+).
    LogRotate {
        /// Local or cluster.
        scope: Scope,
    },
    /// `G`: invalidate the query cache (4.6+).
    InvalidateQueryCache,
    /// `A`: set a parameter of this PCP session (only `client_min_messages` is accepted).
    SetParameter {
        /// Parameter name.
        name: String,
        /// Value.
        value: String,
    },
    /// `F`: a placeholder command the server answers with nothing.
    Noop,
    /// `X`: end the session; the server closes the connection without replying.
    Terminate,
}

/// Request tags.
pub mod tag {
    #![allow(missing_docs)]
    pub const SALT: u8 = b'M';
    pub const AUTHENTICATE: u8 = b'R';
    pub const NODE_COUNT: u8 = b'L';
    pub const NODE_INFO: u8 = b'I';
    pub const HEALTH_CHECK_STATS: u8 = b'H';
    pub const PROCESS_COUNT: u8 = b'N';
    pub const PROCESS_INFO: u8 = b'P';
    pub const POOL_STATUS: u8 = b'B';
    pub const WATCHDOG_INFO: u8 = b'W';
    pub const ATTACH_NODE: u8 = b'C';
    pub const DETACH_NODE: u8 = b'D';
    pub const DETACH_NODE_GRACEFUL: u8 = b'd';
    pub const PROMOTE_NODE: u8 = b'J';
    pub const PROMOTE_NODE_GRACEFUL: u8 = b'j';
    pub const RECOVER_NODE: u8 = b'O';
    pub const STOP_PGPOOL: u8 = b'T';
    pub const STOP_PGPOOL_CLUSTER: u8 = b't';
    pub const RELOAD_CONFIG: u8 = b'Z';
    pub const LOG_ROTATE: u8 = b'V';
    pub const INVALIDATE_QUERY_CACHE: u8 = b'G';
    pub const SET_PARAMETER: u8 = b'A';
    pub const NOOP: u8 = b'F';
    pub const TERMINATE: u8 = b'X';
}

/// The commands, by kind; used to pick the reply reader and to name commands in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Command {
    /// `M`
    Salt,
    /// `R`
    Authenticate,
    /// `L`
    NodeCount,
    /// `I`
    NodeInfo,
    /// `H`
    HealthCheckStats,
    /// `N`
    ProcessCount,
    /// `P`
    ProcessInfo,
    /// `B`
    PoolStatus,
    /// `W`
    WatchdogInfo,
    /// `C`
    AttachNode,
    /// `D`/`d`
    DetachNode,
    /// `J`/`j`
    PromoteNode,
    /// `O`
    RecoverNode,
    /// `T`/`t`
    StopPgpool,
    /// `Z`
    ReloadConfig,
    /// `V`
    LogRotate,
    /// `G`
    InvalidateQueryCache,
    /// `A`
    SetParameter,
    /// `F`
    Noop,
    /// `X`
    Terminate,
}

impl Command {
    /// The tag of the reply frames, or `None` for commands the server does not answer.
    ///
    /// Usually the lower-case request tag, but promote answers `d`, recovery `c` and both stop
    /// variants `t`.
    pub fn reply_tag(self) -> Option<u8> {
        Some(match self {
            Command::Salt => b'm',
            Command::Authenticate => b'r',
            Command::NodeCount => b'l',
            Command::NodeInfo => b'i',
            Command::HealthCheckStats => b'h',
            Command::ProcessCount => b'n',
            Command::ProcessInfo => b'p',
            Command::PoolStatus => b'b',
            Command::WatchdogInfo => b'w',
            Command::AttachNode => b'c',
            Command::DetachNode => b'd',
            Command::PromoteNode => b'd',
            Command::RecoverNode => b'c',
            Command::StopPgpool => b't',
            Command::ReloadConfig => b'z',
            Command::LogRotate => b'v',
            Command::InvalidateQueryCache => b'g',
            Command::SetParameter => b'a',
            Command::Noop | Command::Terminate => return None,
        })
    }

    /// A short human name (`node info`, `attach node`, …).
    pub fn name(self) -> &'static str {
        match self {
            Command::Salt => "salt",
            Command::Authenticate => "authenticate",
            Command::NodeCount => "node count",
            Command::NodeInfo => "node info",
            Command::HealthCheckStats => "health check stats",
            Command::ProcessCount => "process count",
            Command::ProcessInfo => "process info",
            Command::PoolStatus => "pool status",
            Command::WatchdogInfo => "watchdog info",
            Command::AttachNode => "attach node",
            Command::DetachNode => "detach node",
            Command::PromoteNode => "promote node",
            Command::RecoverNode => "recover node",
            Command::StopPgpool => "stop pgpool",
            Command::ReloadConfig => "reload config",
            Command::LogRotate => "log rotate",
            Command::InvalidateQueryCache => "invalidate query cache",
            Command::SetParameter => "set parameter",
            Command::Noop => "noop",
            Command::Terminate => "terminate",
        }
    }

    /// The oldest Pgpool release whose server knows this command, as (major, minor).
    ///
    /// An older server answers an unknown command with FATAL and closes the connection.
    pub fn since(self) -> (u8, u8) {
        match self {
            Command::HealthCheckStats | Command::ReloadConfig => (4, 2),
            Command::LogRotate | Command::InvalidateQueryCache => (4, 6),
            _ => (4, 0),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// The request tag byte.
    pub fn tag(&self) -> u8 {
        match self {
            Request::Salt => tag::SALT,
            Request::Authenticate { .. } => tag::AUTHENTICATE,
            Request::NodeCount => tag::NODE_COUNT,
            Request::NodeInfo { .. } => tag::NODE_INFO,
            Request::HealthCheckStats { .. } => tag::HEALTH_CHECK_STATS,
            Request::ProcessCount => tag::PROCESS_COUNT,
            Request::ProcessInfo { .. } => tag::PROCESS_INFO,
            Request::PoolStatus => tag::POOL_STATUS,
            Request::WatchdogInfo { .. } => tag::WATCHDOG_INFO,
            Request::AttachNode { .. } => tag::ATTACH_NODE,
            Request::DetachNode {
                graceful: false, ..
            } => tag::DETACH_NODE,
            Request::DetachNode { graceful: true, .. } => tag::DETACH_NODE_GRACEFUL,
            Request::PromoteNode {
                graceful: false, ..
            } => tag::PROMOTE_NODE,
            Request::PromoteNode { graceful: true, .. } => tag::PROMOTE_NODE_GRACEFUL,
            Request::RecoverNode { .. } => tag::RECOVER_NODE,
            Request::StopPgpool {
                scope: Scope::Local,
                ..
            } => tag::STOP_PGPOOL,
            Request::StopPgpool {
                scope: Scope::Cluster,
                ..
            } => tag::STOP_PGPOOL_CLUSTER,
            Request::ReloadConfig { .. } => tag::RELOAD_CONFIG,
            Request::LogRotate { .. } => tag::LOG_ROTATE,
            Request::InvalidateQueryCache => tag::INVALIDATE_QUERY_CACHE,
            Request::SetParameter { .. } => tag::SET_PARAMETER,
            Request::Noop => tag::NOOP,
            Request::Terminate => tag::TERMINATE,
        }
    }

    /// The command kind.
    pub fn command(&self) -> Command {
        match self {
            Request::Salt => Command::Salt,
            Request::Authenticate { .. } => Command::Authenticate,
            Request::NodeCount => Command::NodeCount,
            Request::NodeInfo { .. } => Command::NodeInfo,
            Request::HealthCheckStats { .. } => Command::HealthCheckStats,
            Request::ProcessCount => Command::ProcessCount,
            Request::ProcessInfo { .. } => Command::ProcessInfo,
            Request::PoolStatus => Command::PoolStatus,
            Request::WatchdogInfo { .. } => Command::WatchdogInfo,
            Request::AttachNode { .. } => Command::AttachNode,
            Request::DetachNode { .. } => Command::DetachNode,
            Request::PromoteNode { .. } => Command::PromoteNode,
            Request::RecoverNode { .. } => Command::RecoverNode,
            Request::StopPgpool { .. } => Command::StopPgpool,
            Request::ReloadConfig { .. } => Command::ReloadConfig,
            Request::LogRotate { .. } => Command::LogRotate,
            Request::InvalidateQueryCache => Command::InvalidateQueryCache,
            Request::SetParameter { .. } => Command::SetParameter,
            Request::Noop => Command::Noop,
            Request::Terminate => Command::Terminate,
        }
    }

    /// Appends the request frame to `buf`.
    ///
    /// Refuses requests Pgpool would choke on: a missing argument, or a payload over 255 bytes
    /// (the server closes the connection or crashes its worker on those). On error `buf` is
    /// left as it was.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let mut payload = BytesMut::new();
        self.encode_payload(&mut payload)?;
        if payload.len() > SERVER_MAX_PAYLOAD {
            return Err(EncodeError::PayloadTooLarge {
                len: payload.len(),
                max: SERVER_MAX_PAYLOAD,
            });
        }
        write_frame(self.tag(), buf, |b| b.put_slice(&payload))
    }

    fn encode_payload(&self, p: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Request::Salt
            | Request::NodeCount
            | Request::ProcessCount
            | Request::PoolStatus
            | Request::InvalidateQueryCache
            | Request::Noop
            | Request::Terminate => {}
            Request::Authenticate { user, hash } => {
                if user.is_empty() {
                    return Err(EncodeError::InvalidArgument {
                        field: "user",
                        reason: "must not be empty",
                    });
                }
                if user.len() >= 128 {
                    return Err(EncodeError::InvalidArgument {
                        field: "user",
                        reason: "must be shorter than 128 bytes",
                    });
                }
                put_cstr(p, user, "user")?;
                put_cstr(p, hash, "hash")?;
            }
            Request::NodeInfo { node } | Request::WatchdogInfo { node } => {
                put_cstr(p, &node.wire(), "node")?;
            }
            Request::HealthCheckStats { node }
            | Request::AttachNode { node }
            | Request::DetachNode { node, .. }
            | Request::RecoverNode { node } => put_cstr(p, &node.to_string(), "node")?,
            Request::ProcessInfo { pid } => put_cstr(p, &pid.to_string(), "pid")?,
            Request::PromoteNode {
                node, switchover, ..
            } => {
                // "<id> " NUL, then one option byte: the server skips two bytes after the
                // digits. Servers before 4.3 read the id with atoi and ignore the rest.
                put_cstr(p, &format!("{node} "), "node")?;
                p.put_u8(if *switchover { b's' } else { b'n' });
            }
            Request::StopPgpool { mode, .. } => p.put_u8(mode.byte()),
            Request::ReloadConfig { scope } | Request::LogRotate { scope } => {
                p.put_u8(scope.byte())
            }
            Request::SetParameter { name, value } => {
                if name.is_empty() {
                    return Err(EncodeError::InvalidArgument {
                        field: "name",
                        reason: "must not be empty",
                    });
                }
                put_cstr(p, name, "name")?;
                put_cstr(p, value, "value")?;
            }
        }
        Ok(())
    }

    /// Decodes a request frame (server side).
    pub fn decode(frame: &Frame) -> Result<Request, DecodeError> {
        let payload = &frame.payload[..];
        let mut f = Fields::new(payload);
        let one_string =
            |f: &mut Fields<'_>, field: &'static str| -> Result<Vec<u8>, DecodeError> {
                let value = f.next_bytes(field)?.to_vec();
                f.finish(field)?;
                Ok(value)
            };
        let single_byte = |field: &'static str| -> Result<u8, DecodeError> {
            match payload {
                [b] => Ok(*b),
                [] => Err(DecodeError::MissingField { field }),
                [_, rest @ ..] => Err(DecodeError::TrailingBytes {
                    context: field,
                    count: rest.len(),
                }),
            }
        };
        let no_payload = |context: &'static str| -> Result<(), DecodeError> {
            Fields::new(payload).finish(context)
        };
        let node_id = |f: &mut Fields<'_>| -> Result<u32, DecodeError> {
            number(&one_string(f, "node")?, "node")
        };
        let req = match frame.tag {
            tag::SALT => {
                no_payload("salt request")?;
                Request::Salt
            }
            tag::AUTHENTICATE => {
                let user = utf8(f.next_bytes("user")?, "user")?.to_owned();
                let hash = utf8(f.next_bytes("hash")?, "hash")?.to_owned();
                f.finish("authenticate")?;
                Request::Authenticate { user, hash }
            }
            tag::NODE_COUNT => {
                no_payload("node count")?;
                Request::NodeCount
            }
            tag::NODE_INFO => Request::NodeInfo {
                node: NodeSelector::parse(&one_string(&mut f, "node")?, "node")?,
            },
            tag::HEALTH_CHECK_STATS => Request::HealthCheckStats {
                node: node_id(&mut f)?,
            },
            tag::PROCESS_COUNT => {
                no_payload("process count")?;
                Request::ProcessCount
            }
            tag::PROCESS_INFO => Request::ProcessInfo {
                pid: number(&one_string(&mut f, "pid")?, "pid")?,
            },
            tag::POOL_STATUS => {
                no_payload("pool status")?;
                Request::PoolStatus
            }
            tag::WATCHDOG_INFO => Request::WatchdogInfo {
                node: NodeSelector::parse(&one_string(&mut f, "node")?, "node")?,
            },
            tag::ATTACH_NODE => Request::AttachNode {
                node: node_id(&mut f)?,
            },
            tag::DETACH_NODE | tag::DETACH_NODE_GRACEFUL => Request::DetachNode {
                node: node_id(&mut f)?,
                graceful: frame.tag == tag::DETACH_NODE_GRACEFUL,
            },
            tag::PROMOTE_NODE | tag::PROMOTE_NODE_GRACEFUL => {
                let id_text = f.next_bytes("node")?;
                let digits = id_text.strip_suffix(b" ").unwrap_or(id_text);
                let node = number(digits, "node")?;
                let switchover = match f.remaining() {
                    [] => false,
                    [b'n'] => false,
                    [b's'] => true,
                    [other] => {
                        return Err(DecodeError::InvalidNumber {
                            field: "promote option",
                            text: lossy(&[*other]),
                        })
                    }
                    [_, rest @ ..] => {
                        return Err(DecodeError::TrailingBytes {
                            context: "promote option",
                            count: rest.len(),
                        })
                    }
                };
                Request::PromoteNode {
                    node,
                    graceful: frame.tag == tag::PROMOTE_NODE_GRACEFUL,
                    switchover,
                }
            }
            tag::RECOVER_NODE => Request::RecoverNode {
                node: node_id(&mut f)?,
            },
            tag::STOP_PGPOOL | tag::STOP_PGPOOL_CLUSTER => {
                let b = single_byte("shutdown mode")?;
                let mode =
                    ShutdownMode::from_byte(b).ok_or_else(|| DecodeError::InvalidNumber {
                        field: "shutdown mode",
                        text: lossy(&[b]),
                    })?;
                let scope = if frame.tag == tag::STOP_PGPOOL {
                    Scope::Local
                } else {
                    Scope::Cluster
                };
                Request::StopPgpool { mode, scope }
            }
            tag::RELOAD_CONFIG | tag::LOG_ROTATE => {
                let b = single_byte("scope")?;
                let scope = Scope::from_byte(b).ok_or_else(|| DecodeError::InvalidNumber {
                    field: "scope",
                    text: lossy(&[b]),
                })?;
                if frame.tag == tag::RELOAD_CONFIG {
                    Request::ReloadConfig { scope }
                } else {
                    Request::LogRotate { scope }
                }
            }
            tag::INVALIDATE_QUERY_CACHE => {
                no_payload("invalidate query cache")?;
                Request::InvalidateQueryCache
            }
            tag::SET_PARAMETER => {
                let name = utf8(f.next_bytes("name")?, "name")?.to_owned();
                let value = utf8(f.next_bytes("value")?, "value")?.to_owned();
                f.finish("set parameter")?;
                Request::SetParameter { name, value }
            }
            tag::NOOP => {
                no_payload("noop")?;
                Request::Noop
            }
            tag::TERMINATE => {
                no_payload("terminate")?;
                Request::Terminate
            }
            other => return Err(DecodeError::UnknownRequestTag(char::from(other))),
        };
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameDecoder;

    fn wire(req: &Request) -> Vec<u8> {
        let mut buf = BytesMut::new();
        req.encode(&mut buf).unwrap();
        buf.to_vec()
    }

    /// Requests as captured from Pgpool's own tools (spec Appendix A).
    #[test]
    fn captured_request_bytes() {
        assert_eq!(wire(&Request::Salt), b"M\x00\x00\x00\x04");
        assert_eq!(
            wire(&Request::Authenticate {
                user: "pcpadmin".into(),
                hash: "a3c9f5085af3bc91b4bff1e5593007ba".into()
            }),
            b"R\x00\x00\x00\x2epcpadmin\0a3c9f5085af3bc91b4bff1e5593007ba\0"
        );
        assert_eq!(wire(&Request::NodeCount), b"L\x00\x00\x00\x04");
        assert_eq!(
            wire(&Request::NodeInfo {
                node: NodeSelector::All
            }),
            b"I\x00\x00\x00\x07-1\0"
        );
        assert_eq!(
            wire(&Request::HealthCheckStats { node: 1 }),
            b"H\x00\x00\x00\x061\0"
        );
        assert_eq!(
            wire(&Request::ProcessInfo { pid: 0 }),
            b"P\x00\x00\x00\x060\0"
        );
        assert_eq!(
            wire(&Request::PromoteNode {
                node: 1,
                graceful: false,
                switchover: false
            }),
            b"J\x00\x00\x00\x081 \x00n"
        );
        assert_eq!(
            wire(&Request::ReloadConfig {
                scope: Scope::Local
            }),
            b"Z\x00\x00\x00\x05l"
        );
        assert_eq!(
            wire(&Request::StopPgpool {
                mode: ShutdownMode::Fast,
                scope: Scope::Cluster
            }),
            b"t\x00\x00\x00\x05f"
        );
        assert_eq!(
            wire(&Request::SetParameter {
                name: "client_min_messages".into(),
                value: "debug1".into()
            }),
            b"A\x00\x00\x00\x1fclient_min_messages\0debug1\0"
        );
        assert_eq!(wire(&Request::Terminate), b"X\x00\x00\x00\x04");
    }

    #[test]
    fn refuses_what_the_server_would_choke_on() {
        let mut buf = BytesMut::new();
        let long = Request::SetParameter {
            name: "x".repeat(200),
            value: "y".repeat(60),
        };
        assert!(matches!(
            long.encode(&mut buf),
            Err(EncodeError::PayloadTooLarge { len: 262, max: 255 })
        ));
        let empty_user = Request::Authenticate {
            user: String::new(),
            hash: "h".into(),
        };
        assert!(empty_user.encode(&mut buf).is_err());
        let nul = Request::SetParameter {
            name: "a\0b".into(),
            value: "v".into(),
        };
        assert_eq!(
            nul.encode(&mut buf),
            Err(EncodeError::EmbeddedNul { field: "name" })
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn decodes_old_promote_format_and_reply_tags() {
        let frame = Frame::new(b'J', &b"3\0"[..]);
        assert_eq!(
            Request::decode(&frame),
            Ok(Request::PromoteNode {
                node: 3,
                graceful: false,
                switchover: false
            })
        );
        assert_eq!(Command::PromoteNode.reply_tag(), Some(b'd'));
        assert_eq!(Command::RecoverNode.reply_tag(), Some(b'c'));
        assert_eq!(Command::StopPgpool.reply_tag(), Some(b't'));
        assert_eq!(Command::Terminate.reply_tag(), None);
    }

    #[test]
    fn decode_rejects_missing_arguments() {
        for tag in [b'I', b'H', b'C', b'D', b'O', b'T', b'Z', b'V', b'J'] {
            let frame = Frame::new(tag, bytes::Bytes::new());
            assert!(Request::decode(&frame).is_err(), "{}", char::from(tag));
        }
        let mut buf = BytesMut::from(&b"Q\x00\x00\x00\x04"[..]);
        let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
        assert_eq!(
            Request::decode(&frame),
            Err(DecodeError::UnknownRequestTag('Q'))
        );
    }
}
