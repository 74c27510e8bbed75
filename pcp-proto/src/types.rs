//! Typed values carried by the protocol: states, roles, modes, weights, delays and times.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::DecodeError;

/// Declares a string-backed enum with an `Unknown(String)` fallback, its wire names and
/// conversions both ways.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)* ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this library does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Maps a wire or display name to a value; unknown names are kept.
            pub fn from_name(text: &str) -> Self {
                match text {
                    $( $text $(| $alias)* => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// The canonical name of this value.
            pub fn name(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

/// Pgpool's view of a backend (the `status` field of node info).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum BackendStatus {
    /// Slot not in use (code 0).
    Unused,
    /// Configured and usable but not yet connected (code 1, "waiting").
    Waiting,
    /// Up and connected (code 2).
    Up,
    /// Detached (code 3).
    Down,
    /// Down because of a watchdog quarantine (only seen as a name, e.g. in health-check stats).
    Quarantine,
    /// A code or name this library does not know, kept as received.
    Unknown(String),
}

impl BackendStatus {
    /// From the numeric code of node info.
    pub fn from_code(text: &str) -> Self {
        match text {
            "0" => BackendStatus::Unused,
            "1" => BackendStatus::Waiting,
            "2" => BackendStatus::Up,
            "3" => BackendStatus::Down,
            other => BackendStatus::Unknown(other.to_owned()),
        }
    }

    /// The numeric code as sent in node info (`None` for name-only states).
    pub fn code(&self) -> Option<u8> {
        match self {
            BackendStatus::Unused => Some(0),
            BackendStatus::Waiting => Some(1),
            BackendStatus::Up => Some(2),
            BackendStatus::Down => Some(3),
            _ => None,
        }
    }

    /// The wire text in node info: the code, or the unknown text as received.
    pub fn code_text(&self) -> String {
        match (self.code(), self) {
            (Some(code), _) => code.to_string(),
            (None, BackendStatus::Unknown(text)) => text.clone(),
            (None, _) => self.name().to_owned(),
        }
    }

    /// From the names used by health-check stats and the CLI.
    pub fn from_name(text: &str) -> Self {
        match text {
            "unused" => BackendStatus::Unused,
            "waiting" => BackendStatus::Waiting,
            "up" => BackendStatus::Up,
            "down" => BackendStatus::Down,
            "quarantine" => BackendStatus::Quarantine,
            other => BackendStatus::Unknown(other.to_owned()),
        }
    }

    /// The name Pgpool's tools print.
    pub fn name(&self) -> &str {
        match self {
            BackendStatus::Unused => "unused",
            BackendStatus::Waiting => "waiting",
            BackendStatus::Up => "up",
            BackendStatus::Down => "down",
            BackendStatus::Quarantine => "quarantine",
            BackendStatus::Unknown(text) => text,
        }
    }

    /// Whether Pgpool sends queries to the node in this state (up or waiting).
    pub fn is_usable(&self) -> bool {
        matches!(self, BackendStatus::Up | BackendStatus::Waiting)
    }

    /// Whether the node is detached (down or quarantined).
    pub fn is_detached(&self) -> bool {
        matches!(self, BackendStatus::Down | BackendStatus::Quarantine)
    }
}

impl fmt::Display for BackendStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend's role as Pgpool sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Role {
    /// Main node of a non-streaming mode ("master" before 4.2; code 0).
    Main,
    /// Replica of a non-streaming mode ("slave" before 4.2; code 1).
    Replica,
    /// Streaming-replication primary (code 2).
    Primary,
    /// Streaming-replication standby (code 3).
    Standby,
    /// A code or name this library does not know (including the live check's `unknown`).
    Unknown(String),
}

impl Role {
    /// From the numeric code of node info.
    pub fn from_code(text: &str) -> Self {
        match text {
            "0" => Role::Main,
            "1" => Role::Replica,
            "2" => Role::Primary,
            "3" => Role::Standby,
            other => Role::Unknown(other.to_owned()),
        }
    }

    /// The numeric code (`None` for unknown roles).
    pub fn code(&self) -> Option<u8> {
        match self {
            Role::Main => Some(0),
            Role::Replica => Some(1),
            Role::Primary => Some(2),
            Role::Standby => Some(3),
            Role::Unknown(_) => None,
        }
    }

    /// The wire text of node info: the code, or the unknown text as received.
    pub fn code_text(&self) -> String {
        match self {
            Role::Unknown(text) => text.clone(),
            known => known.code().map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    /// From a role name, accepting the pre-4.2 words `master` and `slave`.
    pub fn from_name(text: &str) -> Self {
        match text {
            "main" | "master" => Role::Main,
            "replica" | "slave" => Role::Replica,
            "primary" => Role::Primary,
            "standby" => Role::Standby,
            other => Role::Unknown(other.to_owned()),
        }
    }

    /// The name printed by Pgpool 4.2 and later.
    pub fn name(&self) -> &str {
        match self {
            Role::Main => "main",
            Role::Replica => "replica",
            Role::Primary => "primary",
            Role::Standby => "standby",
            Role::Unknown(text) => text,
        }
    }

    /// True for the writable node (primary, or main in non-streaming modes).
    pub fn is_primary(&self) -> bool {
        matches!(self, Role::Primary)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

text_enum! {
    /// Whether a node is quarantined by the watchdog (`0`/`1` on the wire).
    Quarantine {
        /// Not quarantined.
        No => "0",
        /// Quarantined: down for Pgpool, but not failed over.
        Yes => "1",
    }
}

text_enum! {
    /// Result of Pgpool's live probe of a backend (4.3+ `pg_status`).
    PgStatus {
        /// The backend answered.
        Up => "up",
        /// The backend did not answer.
        Down => "down",
        /// Not probed (health check disabled).
        NotChecked => "unknown",
    }
}

text_enum! {
    /// `pg_stat_replication.state` of a standby as Pgpool last saw it.
    ReplicationState {
        /// Streaming WAL.
        Streaming => "streaming",
        /// Starting up.
        Startup => "startup",
        /// Catching up.
        Catchup => "catchup",
        /// Sending a base backup.
        Backup => "backup",
        /// Stopping.
        Stopping => "stopping",
    }
}

text_enum! {
    /// `pg_stat_replication.sync_state` of a standby.
    SyncState {
        /// Asynchronous.
        Async => "async",
        /// Synchronous.
        Sync => "sync",
        /// Potential synchronous standby.
        Potential => "potential",
        /// Quorum-based synchronous standby.
        Quorum => "quorum",
    }
}

text_enum! {
    /// What a Pgpool child's connection slot is doing (process info, 4.3+).
    ProcessStatus {
        /// Waiting for a client.
        WaitForConnection => "Wait for connection",
        /// Running a query.
        ExecuteCommand => "Execute command",
        /// Idle.
        Idle => "Idle",
        /// Idle in a transaction.
        IdleInTransaction => "Idle in transaction",
        /// Connecting to the backend.
        Connecting => "Connecting",
    }
}

/// Shutdown mode of the stop command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ShutdownMode {
    /// Wait for clients to disconnect.
    Smart,
    /// Disconnect clients, then stop.
    Fast,
    /// Stop at once.
    Immediate,
}

impl ShutdownMode {
    /// The byte sent on the wire.
    pub fn byte(self) -> u8 {
        match self {
            ShutdownMode::Smart => b's',
            ShutdownMode::Fast => b'f',
            ShutdownMode::Immediate => b'i',
        }
    }

    /// From the wire byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            b's' => Some(ShutdownMode::Smart),
            b'f' => Some(ShutdownMode::Fast),
            b'i' => Some(ShutdownMode::Immediate),
            _ => None,
        }
    }

    /// The name (`smart`, `fast`, `immediate`), as `pcp_stop_pgpool -m` takes it.
    pub fn name(self) -> &'static str {
        match self {
            ShutdownMode::Smart => "smart",
            ShutdownMode::Fast => "fast",
            ShutdownMode::Immediate => "immediate",
        }
    }
}

/// A shutdown mode or scope name that is not one of the accepted words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {text:?}: expected {expected}")]
pub struct UnknownName {
    /// `shutdown mode` or `scope`.
    pub what: &'static str,
    /// What was given.
    pub text: String,
    /// The accepted words.
    pub expected: &'static str,
}

impl std::str::FromStr for ShutdownMode {
    type Err = UnknownName;

    /// `smart`, `fast`, `immediate`, or their first letters (as `pcp_stop_pgpool -m`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "s" | "smart" => Ok(ShutdownMode::Smart),
            "f" | "fast" => Ok(ShutdownMode::Fast),
            "i" | "immediate" => Ok(ShutdownMode::Immediate),
            _ => Err(UnknownName {
                what: "shutdown mode",
                text: text.to_owned(),
                expected: "smart, fast or immediate (or s, f, i)",
            }),
        }
    }
}

impl std::fmt::Display for ShutdownMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a command applies to this Pgpool only or to the whole watchdog cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Scope {
    /// This Pgpool only.
    #[default]
    Local,
    /// Every Pgpool of the watchdog cluster.
    Cluster,
}

impl Scope {
    /// The byte sent on the wire.
    pub fn byte(self) -> u8 {
        match self {
            Scope::Local => b'l',
            Scope::Cluster => b'c',
        }
    }

    /// From the wire byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'l' => Some(Scope::Local),
            b'c' => Some(Scope::Cluster),
            _ => None,
        }
    }

    /// The name (`local`, `cluster`), as the `pcp_*` tools' `-s` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Local => "local",
            Scope::Cluster => "cluster",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = UnknownName;

    /// `local`, `cluster`, or their first letters (as the `pcp_*` tools' `-s`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "l" | "local" => Ok(Scope::Local),
            "c" | "cluster" => Ok(Scope::Cluster),
            _ => Err(UnknownName {
                what: "scope",
                text: text.to_owned(),
                expected: "local or cluster (or l, c)",
            }),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// glibc's `RAND_MAX`: node info carries the normalised weight multiplied by it.
pub const RAND_MAX: f64 = 2_147_483_647.0;

/// A load-balancing weight as carried by node info.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Weight {
    /// The value on the wire (normalised weight × `RAND_MAX`).
    pub raw: f64,
}

impl Weight {
    /// From a normalised weight in 0..=1.
    pub fn from_normalized(weight: f64) -> Self {
        Weight {
            raw: weight * RAND_MAX,
        }
    }

    /// The share of read traffic, 0..=1.
    pub fn normalized(&self) -> f64 {
        self.raw / RAND_MAX
    }
}

/// How far a standby lags behind its primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReplicationDelay {
    /// WAL bytes behind the primary.
    Bytes(u64),
    /// Time behind the primary (4.4+ with `delay_threshold_by_time`).
    Time(Duration),
}

impl ReplicationDelay {
    /// True when the standby is not behind at all.
    pub fn is_zero(&self) -> bool {
        match self {
            ReplicationDelay::Bytes(b) => *b == 0,
            ReplicationDelay::Time(d) => d.is_zero(),
        }
    }
}

/// Seconds since the Unix epoch, as sent for a node's last status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct UnixTime(pub u64);

impl UnixTime {
    /// As a system time.
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0)
    }
}

/// A date and time printed by the server in its own local time zone (`YYYY-MM-DD HH:MM:SS`).
///
/// The zone is not sent, so this stays a wall-clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocalDateTime {
    /// Year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–60.
    pub second: u8,
}

impl LocalDateTime {
    /// Length of the text form.
    pub const TEXT_LEN: usize = 19;

    /// Parses `YYYY-MM-DD HH:MM:SS`.
    pub fn parse(text: &str, field: &'static str) -> Result<Self, DecodeError> {
        let bad = || DecodeError::InvalidTimestamp {
            field,
            text: text.to_owned(),
        };
        let b = text.as_bytes();
        if b.len() != Self::TEXT_LEN {
            return Err(bad());
        }
        let separators_ok = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')]
            .iter()
            .all(|&(i, c)| b.get(i) == Some(&c));
        if !separators_ok {
            return Err(bad());
        }
        let num = |from: usize, to: usize| -> Result<u16, DecodeError> {
            let part = text.get(from..to).ok_or_else(bad)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            // At most 4 digits, checked above: no overflow.
            Ok(part
                .bytes()
                .fold(0u16, |acc, c| acc * 10 + u16::from(c - b'0')))
        };
        let small = |v: u16, max: u16| -> Result<u8, DecodeError> {
            if v > max {
                Err(bad())
            } else {
                u8::try_from(v).map_err(|_| bad())
            }
        };
        let month = small(num(5, 7)?, 12)?;
        let day = small(num(8, 10)?, 31)?;
        if month == 0 || day == 0 {
            return Err(bad());
        }
        Ok(LocalDateTime {
            year: num(0, 4)?,
            month,
            day,
            hour: small(num(11, 13)?, 23)?,
            minute: small(num(14, 16)?, 59)?,
            second: small(num(17, 19)?, 60)?,
        })
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let two = [self.month, self.day, self.hour, self.minute, self.second];
        if self.year > 9999 || two.iter().any(|&v| v > 99) {
            // Out of the text form's range (only a hand-made value can be): wider fields.
            return write!(
                f,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                self.year, self.month, self.day, self.hour, self.minute, self.second
            );
        }
        // Process info has two of these per row, thousands of rows: digits by hand, one write.
        let mut text = *b"0000-00-00 00:00:00";
        let mut year = self.year;
        for digit in text.iter_mut().take(4).rev() {
            *digit = b'0' + (year % 10) as u8;
            year /= 10;
        }
        for (value, at) in two.into_iter().zip([5, 8, 11, 14, 17]) {
            if let Some(pair) = text.get_mut(at..at + 2) {
                pair.copy_from_slice(&[b'0' + value / 10, b'0' + value % 10]);
            }
        }
        f.write_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

/// A point in time as one of the two forms the protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Timestamp {
    /// Seconds since the epoch (node info, process info before 4.3).
    Unix(UnixTime),
    /// Server-local wall-clock text (health-check stats, process info 4.3+).
    Local(LocalDateTime),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_and_scope_names_round_trip() {
        for mode in [
            ShutdownMode::Smart,
            ShutdownMode::Fast,
            ShutdownMode::Immediate,
        ] {
            assert_eq!(mode.name().parse(), Ok(mode));
            assert_eq!(mode.name()[..1].parse(), Ok(mode), "first letter");
            assert_eq!(mode.to_string(), mode.name());
        }
        for scope in [Scope::Local, Scope::Cluster] {
            assert_eq!(scope.name().parse(), Ok(scope));
            assert_eq!(scope.name()[..1].parse(), Ok(scope), "first letter");
        }
        let err = "Smart".parse::<ShutdownMode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid shutdown mode \"Smart\": expected smart, fast or immediate (or s, f, i)"
        );
        assert!("everywhere".parse::<Scope>().is_err());
    }

    #[test]
    fn local_datetime_text_is_the_padded_fields() {
        let padded = |t: &LocalDateTime| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            )
        };
        let years = [0, 7, 42, 999, 1970, 2026, 9999, 10000, u16::MAX];
        let parts = [0, 1, 9, 10, 59, 99, 100, u8::MAX];
        for year in years {
            for (i, &a) in parts.iter().enumerate() {
                let b = parts.get((i + 3) % parts.len()).copied().unwrap_or(0);
                let t = LocalDateTime {
                    year,
                    month: a,
                    day: b,
                    hour: a / 2,
                    minute: b / 3,
                    second: a,
                };
                assert_eq!(t.to_string(), padded(&t), "{t:?}");
            }
        }
    }

    #[test]
    fn local_datetime_roundtrip_and_rejects() {
        let t = LocalDateTime::parse("2026-11-25 17:45:42", "t").unwrap();
        assert_eq!(t.to_string(), "2026-11-25 17:45:42");
        assert_eq!((t.year, t.month, t.day, t.hour), (2026, 11, 25, 17));
        for bad in [
            "",
            "2026-11-25",
            "2026-13-25 17:45:42",
            "2026-11-25T17:45:42",
            "2026-11-25 17:45:4x",
            "2026-00-25 17:45:42",
            "+026-11-25 17:45:42",
        ] {
            assert!(LocalDateTime::parse(bad, "t").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn weight_normalises_by_rand_max() {
        let w = Weight { raw: 1073741823.5 };
        assert!((w.normalized() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn roles_accept_old_words() {
        assert_eq!(Role::from_name("master"), Role::Main);
        assert_eq!(Role::from_name("slave"), Role::Replica);
        assert_eq!(Role::from_code("2"), Role::Primary);
        assert_eq!(Role::from_code("9"), Role::Unknown("9".into()));
        assert_eq!(BackendStatus::from_code("3"), BackendStatus::Down);
        assert_eq!(
            ReplicationState::from_name("weird"),
            ReplicationState::Unknown("weird".into())
        );
    }
}
