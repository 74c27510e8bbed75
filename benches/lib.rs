//! Shared fixtures for the benchmarks: replies built byte for byte as a Pgpool server sends
//! them (same framing, field order and value formats as the captures in the protocol
//! reference), a driver that decodes them through `FrameDecoder` + `Exchange`, and the
//! runtime the benchmark binaries drive pcp-client on.
#![forbid(unsafe_code)]

use bytes::{BufMut, BytesMut};
use pcp_proto::{Exchange, FrameDecoder, Progress, ReplyReader};

/// Appends one frame: tag, length word (counting itself), payload.
fn put_frame(out: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    let len = i32::try_from(payload.len() + 4).expect("fixture frame fits an i32");
    out.push(tag);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

/// Appends one frame whose payload is `fields`, each NUL-terminated.
fn put_fields(out: &mut Vec<u8>, tag: u8, fields: &[&str]) {
    let mut payload = Vec::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for field in fields {
        payload.extend_from_slice(field.as_bytes());
        payload.push(0);
    }
    put_frame(out, tag, &payload);
}

/// A Pgpool 4.3 node-info reply for `I -1`: `ArraySize`, `nodes` × `NodeInfo` (12 fields: the
/// first node a primary, the others streaming standbys), `CommandComplete`.
pub fn node_info_4_3(nodes: usize) -> Vec<u8> {
    let mut out = Vec::new();
    put_fields(&mut out, b'i', &["ArraySize", &nodes.to_string()]);
    for id in 0..nodes {
        let port = (5432 + id).to_string();
        let (role, pg_role, state, sync) = if id == 0 {
            ("2", "primary", "", "")
        } else {
            ("3", "standby", "streaming", "async")
        };
        put_fields(
            &mut out,
            b'i',
            &[
                "NodeInfo",
                "127.0.0.1",
                &port,
                "2",
                "0",
                "up",
                "715827882.333333",
                role,
                pg_role,
                "0",
                state,
                sync,
                "1795628742",
            ],
        );
    }
    put_fields(&mut out, b'i', &["CommandComplete"]);
    out
}

/// A Pgpool 4.3 process-info reply for `P 0`: `ArraySize`, `rows` × `ProcessInfo` (17 fields;
/// every fourth slot in use, as with 4 pool slots per child and one client), `CommandComplete`.
pub fn process_info_4_3(rows: usize) -> Vec<u8> {
    let mut out = Vec::new();
    put_fields(&mut out, b'p', &["ArraySize", &rows.to_string()]);
    for row in 0..rows {
        let pid = (10_000 + row / 8).to_string();
        let pool_id = (row / 2 % 4).to_string();
        let backend_id = (row % 2).to_string();
        let backend_pid = (20_000 + row).to_string();
        let fields: [&str; 18] = if row % 8 < 2 {
            [
                "ProcessInfo",
                &pid,
                "2026-11-25 17:45:42",
                "3",
                &pool_id,
                &backend_id,
                "postgres",
                "app_user",
                "2026-11-25 17:46:06",
                "2026-11-25 17:46:06",
                "",
                "0",
                "3",
                "0",
                "1",
                &backend_pid,
                "1",
                "Idle",
            ]
        } else {
            [
                "ProcessInfo",
                &pid,
                "2026-11-25 17:45:42",
                "3",
                &pool_id,
                &backend_id,
                "",
                "",
                "",
                "",
                "",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "Idle",
            ]
        };
        put_fields(&mut out, b'p', &fields);
    }
    put_fields(&mut out, b'p', &["CommandComplete"]);
    out
}

/// A pool-status reply (`B`): binary `ArraySize`, `rows` × `ProcessConfig` (name, value,
/// description), `CommandComplete`. 152 rows is what 4.3.5 sends with two backends.
pub fn pool_status(rows: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut size = BytesMut::from(&b"ArraySize\0"[..]);
    size.put_i32(i32::try_from(rows).expect("row count fits an i32"));
    put_frame(&mut out, b'b', &size);
    for row in 0..rows {
        let name = format!("setting_number_{row}");
        let value = if row % 5 == 0 {
            "on".to_owned()
        } else {
            (row * 100).to_string()
        };
        put_fields(
            &mut out,
            b'b',
            &["ProcessConfig", &name, &value, "what this setting controls"],
        );
    }
    put_fields(&mut out, b'b', &["CommandComplete"]);
    out
}

/// Decodes one reply from `input` with `reader`, as a client does: frames from the front of
/// its receive buffer into an [`Exchange`].
///
/// # Panics
///
/// If the fixture is not one valid, complete, successful reply.
pub fn decode_reply<R: ReplyReader>(reader: R, input: &mut BytesMut) -> R::Output {
    let decoder = FrameDecoder::new();
    let mut exchange = Exchange::new(reader);
    while let Some(frame) = decoder.decode(input).expect("fixture frames are valid") {
        if let Progress::Done(result) = exchange
            .handle_frame(&frame)
            .expect("fixture replies decode")
        {
            return result.expect("fixture replies carry no server error");
        }
    }
    panic!("the fixture ended before its reply was complete");
}

/// Order statistics of timing samples, shared by the timing harnesses (`pcp-bench-exec`,
/// `pcp-bench-watch`), and the lines they print.
pub mod stats {
    use std::fs::File;
    use std::io::{BufWriter, Write};

    /// The `p` quantile (0 to 1) of sorted samples: linear interpolation between closest
    /// ranks, so the median of an even count is the mean of the two middle values.
    pub fn percentile(sorted: &[f64], p: f64) -> f64 {
        let pos = p * (sorted.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
    }

    /// Sorts `samples` (microseconds, at least one) and returns the tab-separated line
    /// `NAME RUNS MEDIAN MIN MAX P25 P75` that the report scripts read.
    pub fn summary_line(name: &str, samples: &mut [f64]) -> String {
        samples.sort_by(f64::total_cmp);
        let s = &*samples;
        format!(
            "{name}\t{}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{:.1}",
            s.len(),
            percentile(s, 0.5),
            s[0],
            s[s.len() - 1],
            percentile(s, 0.25),
            percentile(s, 0.75)
        )
    }

    /// Writes every sample as a `NAME<TAB>MICROSECONDS` line, in the order taken.
    pub fn write_raw<'a>(
        path: &str,
        series: impl IntoIterator<Item = (&'a str, &'a [f64])>,
    ) -> std::io::Result<()> {
        let mut out = BufWriter::new(File::create(path)?);
        for (name, samples) in series {
            for s in samples {
                writeln!(out, "{name}\t{s:.1}")?;
            }
        }
        out.flush()
    }
}

/// The runtime the benchmark binaries use: current-thread, as pcpctl runs the client.
pub fn current_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcp_proto::{NodeInfoLayout, NodeInfoReader, PoolStatusReader, ProcessInfoReader};

    #[test]
    fn fixtures_decode() {
        let nodes = decode_reply(
            NodeInfoReader::new(),
            &mut BytesMut::from(&node_info_4_3(3)[..]),
        );
        assert_eq!(nodes.nodes.len(), 3);
        assert_eq!(nodes.layout, NodeInfoLayout::V4_3);
        let procs = decode_reply(
            ProcessInfoReader::new(),
            &mut BytesMut::from(&process_info_4_3(3000)[..]),
        );
        assert_eq!(procs.processes.len(), 3000);
        let items = decode_reply(
            PoolStatusReader::new(),
            &mut BytesMut::from(&pool_status(152)[..]),
        );
        assert_eq!(items.len(), 152);
    }

    #[test]
    fn summary_of_samples() {
        let mut samples = [4.0, 1.0, 5.0, 3.0, 2.0];
        assert_eq!(
            stats::summary_line("x", &mut samples),
            "x\t5\t3.0\t1.0\t5.0\t2.0\t4.0"
        );
        let mut even = [2.0, 1.0];
        assert!(stats::summary_line("y", &mut even).starts_with("y\t2\t1.5\t"));
    }
}
