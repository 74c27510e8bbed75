//! Health-check statistics (`H` → `h`, 4.2+): one packet with 20 text fields.

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::fields::{float, non_empty, number, utf8, Fields};
use crate::frame::Frame;
use crate::generation::{Generation, Version};
use crate::reply::array::encode_complete_with;
use crate::reply::{Progress, ReplyReader, COMMAND_COMPLETE};
use crate::request::Command;
use crate::types::{BackendStatus, LocalDateTime, Role};

/// Health-check statistics of one backend. Durations are milliseconds; times are the server's
/// local time; a check that never happened has no time.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HealthCheckStats {
    /// Node id.
    pub node_id: u32,
    /// Backend host name.
    pub hostname: String,
    /// Backend port.
    pub port: u16,
    /// Status name.
    pub status: BackendStatus,
    /// Role name.
    pub role: Role,
    /// Last status change.
    pub last_status_change: Option<LocalDateTime>,
    /// Health checks run.
    pub total_count: u64,
    /// Successful checks.
    pub success_count: u64,
    /// Failed checks.
    pub fail_count: u64,
    /// Skipped checks.
    pub skip_count: u64,
    /// Retries.
    pub retry_count: u64,
    /// Average retries per check (may be NaN before any check).
    pub average_retry_count: f64,
    /// Most retries in one check.
    pub max_retry_count: u64,
    /// Longest check, ms.
    pub max_duration_ms: u64,
    /// Shortest check, ms (2147483647 before any measured check).
    pub min_duration_ms: u64,
    /// Average check duration, ms (may be NaN).
    pub average_duration_ms: f64,
    /// Last check.
    pub last_health_check: Option<LocalDateTime>,
    /// Last successful check.
    pub last_successful_health_check: Option<LocalDateTime>,
    /// Last skipped check.
    pub last_skip_health_check: Option<LocalDateTime>,
    /// Last failed check.
    pub last_failed_health_check: Option<LocalDateTime>,
}

const FIELDS: usize = 20;

fn time(bytes: &[u8], field: &'static str) -> Result<Option<LocalDateTime>, DecodeError> {
    non_empty(bytes)
        .map(|b| LocalDateTime::parse(utf8(b, field)?, field))
        .transpose()
}

fn time_text(t: &Option<LocalDateTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

impl HealthCheckStats {
    /// The releases that send this reply (unchanged since it appeared).
    pub fn generation(&self) -> Generation {
        Generation::since(Version::new(4, 2))
    }

    fn decode(fields: &[&[u8]]) -> Result<Self, DecodeError> {
        let [node_id, hostname, port, status, role, last_status_change, total, success, fail, skip, retry, avg_retry, max_retry, max_dur, min_dur, avg_dur, last, last_ok, last_skip, last_failed] =
            fields
        else {
            return Err(DecodeError::UnknownLayout {
                record: "health check stats",
                fields: fields.len(),
            });
        };
        Ok(HealthCheckStats {
            node_id: number(node_id, "node_id")?,
            hostname: utf8(hostname, "hostname")?.to_owned(),
            port: number(port, "port")?,
            status: BackendStatus::from_name(utf8(status, "status")?),
            role: Role::from_name(utf8(role, "role")?),
            last_status_change: time(last_status_change, "last_status_change")?,
            total_count: number(total, "total_count")?,
            success_count: number(success, "success_count")?,
            fail_count: number(fail, "fail_count")?,
            skip_count: number(skip, "skip_count")?,
            retry_count: number(retry, "retry_count")?,
            average_retry_count: float(avg_retry, "average_retry_count")?,
            max_retry_count: number(max_retry, "max_retry_count")?,
            max_duration_ms: number(max_dur, "max_health_check_duration")?,
            min_duration_ms: number(min_dur, "min_health_check_duration")?,
            average_duration_ms: float(avg_dur, "average_health_check_duration")?,
            last_health_check: time(last, "last_health_check")?,
            last_successful_health_check: time(last_ok, "last_successful_health_check")?,
            last_skip_health_check: time(last_skip, "last_skip_health_check")?,
            last_failed_health_check: time(last_failed, "last_failed_health_check")?,
        })
    }

    /// Appends this reply as the server sends it.
    pub fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let fields = vec![
            self.node_id.to_string(),
            self.hostname.clone(),
            self.port.to_string(),
            self.status.name().to_owned(),
            self.role.name().to_owned(),
            time_text(&self.last_status_change),
            self.total_count.to_string(),
            self.success_count.to_string(),
            self.fail_count.to_string(),
            self.skip_count.to_string(),
            self.retry_count.to_string(),
            format!("{:.6}", self.average_retry_count),
            self.max_retry_count.to_string(),
            self.max_duration_ms.to_string(),
            self.min_duration_ms.to_string(),
            format!("{:.6}", self.average_duration_ms),
            time_text(&self.last_health_check),
            time_text(&self.last_successful_health_check),
            time_text(&self.last_skip_health_check),
            time_text(&self.last_failed_health_check),
        ];
        debug_assert_eq!(fields.len(), FIELDS);
        encode_complete_with(b'h', &fields, buf)
    }
}

/// Reads the `h` reply.
#[derive(Debug, Default, Clone)]
pub struct HealthCheckStatsReader;

impl ReplyReader for HealthCheckStatsReader {
    type Output = HealthCheckStats;

    fn command(&self) -> Command {
        Command::HealthCheckStats
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<HealthCheckStats>, DecodeError> {
        let mut f = Fields::new(&frame.payload);
        let marker = f.next_bytes("record marker")?;
        if marker != COMMAND_COMPLETE.as_bytes() {
            return Err(DecodeError::UnexpectedRecord {
                expected: COMMAND_COMPLETE,
                got: crate::fields::lossy(marker),
            });
        }
        let fields = f.collect_all("health check field")?;
        Ok(Progress::Done(HealthCheckStats::decode(&fields)?))
    }
}
