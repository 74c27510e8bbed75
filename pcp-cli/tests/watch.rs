//! `pcpctl watch --json` against the fake PCP server: a line per node, then a line per change,
//! a bounded run with `--count`, surviving a PCP listener restart, stopping on Ctrl-C.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use pcp_proto::{BackendStatus, Role, Version};
use pcp_testkit::{FakeServer, Model};
use serde_json::Value;

fn pcppass() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "*:*:pcpadmin:secret").unwrap();
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

/// A running `pcpctl watch --json`, its stdout lines parsed on a thread.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<Value>,
    _pass: tempfile::NamedTempFile,
}

impl Watch {
    fn start(host: &str, port: u16, extra: &[&str]) -> Watch {
        let pass = pcppass();
        let mut cmd = pcpctl();
        cmd.args(["-h", host, "-p", &port.to_string(), "-U", "pcpadmin", "-w"])
            .args(["--json", "watch", "--interval", "0.1"])
            .args(extra)
            .env("PCPPASSFILE", pass.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start pcpctl watch");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap();
                let doc = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
                if tx.send(doc).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines,
            _pass: pass,
        }
    }

    /// The next line (fails after 10 s).
    fn next(&self) -> Value {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a line from pcpctl watch")
    }

    /// Lines until one satisfies `f`; returns it.
    fn until(&self, f: impl Fn(&Value) -> bool) -> Value {
        loop {
            let line = self.next();
            if f(&line) {
                return line;
            }
        }
    }

    /// Ctrl-C; the exit code.
    fn interrupt(mut self) -> i32 {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed by the signal");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("pcpctl watch did not stop on SIGINT");
    }
}

fn is_node(line: &Value, event: &str, id: u64) -> bool {
    line["event"] == event && line["node"]["node_id"] == id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_for_each_node_then_for_each_change_and_ctrl_c_stops() {
    let server = FakeServer::builder()
        .model(Model::new(Version::new(4, 3)))
        .start()
        .await
        .unwrap();
    let watch = Watch::start("127.0.0.1", server.port(), &[]);
    let watch = tokio::task::spawn_blocking(move || {
        for id in 0..3 {
            let line = watch.next();
            assert!(is_node(&line, "node", id), "{line}");
            assert_eq!(line["refresh"], 1, "{line}");
            assert_eq!(line["changed"], serde_json::json!([]), "{line}");
            assert!(line["time"].is_string(), "{line}");
        }
        watch
    })
    .await
    .unwrap();
    let before = server.connections();
    server.update_model(|m| m.nodes[1].status = BackendStatus::Down);
    let watch = tokio::task::spawn_blocking(move || {
        let line = watch.until(|l| l["event"] == "change");
        assert!(is_node(&line, "change", 1), "{line}");
        assert_eq!(line["node"]["status"], "down", "{line}");
        let changed: Vec<&str> = line["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(changed.contains(&"status"), "{line}");
        watch
    })
    .await
    .unwrap();
    // A session per refresh: nothing is held open between polls.
    assert!(server.connections() > before, "a new session per refresh");
    let code = tokio::task::spawn_blocking(move || watch.interrupt())
        .await
        .unwrap();
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_bounds_the_run() {
    let server = FakeServer::builder()
        .model(Model::new(Version::new(4, 0)))
        .start()
        .await
        .unwrap();
    let pass = pcppass();
    let mut cmd = pcpctl();
    cmd.args(["-h", "127.0.0.1", "-p", &server.port().to_string()])
        .args([
            "-U",
            "pcpadmin",
            "-w",
            "--json",
            "watch",
            "--interval",
            "0.05",
        ])
        .args(["--count", "3"])
        .env("PCPPASSFILE", pass.path());
    let out = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Three refreshes of an unchanged cluster: only the first one's lines.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| l["event"] == "node"));
    assert!(server.connections() >= 3, "one session per refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_a_pcp_listener_restart() {
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().to_str().unwrap().to_owned();
    let mut first = FakeServer::builder()
        .model(Model::new(Version::new(4, 3)))
        .unix_socket_dir(dir.path())
        .start()
        .await
        .unwrap();
    let port = first.port();
    let watch = Watch::start(&dir_text, port, &[]);
    let watch = tokio::task::spawn_blocking(move || {
        for id in 0..3 {
            assert!(is_node(&watch.next(), "node", id));
        }
        watch
    })
    .await
    .unwrap();

    // The listener goes away (Pgpool restarts it after a failover)...
    first.shutdown();
    let watch = tokio::task::spawn_blocking(move || {
        let line = watch.until(|l| l["event"] == "unreachable");
        assert!(line["error"].is_string(), "{line}");
        watch
    })
    .await
    .unwrap();

    // ... and comes back, on the same socket path, after node 1 took over.
    let mut model = Model::new(Version::new(4, 3));
    model.nodes[0].status = BackendStatus::Down;
    model.nodes[0].role = Role::Standby;
    model.nodes[1].role = Role::Primary;
    let second = FakeServer::builder()
        .model(model)
        .unix_socket_dir(dir.path())
        .start()
        .await
        .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join(format!(".s.PGSQL.{}", second.port())),
        dir.path().join(format!(".s.PGSQL.{port}")),
    )
    .unwrap();
    let watch = tokio::task::spawn_blocking(move || {
        watch.until(|l| l["event"] == "reachable");
        let mut changed = std::collections::BTreeSet::new();
        while changed.len() < 2 {
            let line = watch.next();
            assert_eq!(line["event"], "change", "{line}");
            changed.insert(line["node"]["node_id"].as_u64().unwrap());
            if line["node"]["node_id"] == 1 {
                assert_eq!(line["node"]["role"], "primary", "{line}");
            }
        }
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), vec![0, 1]);
        watch
    })
    .await
    .unwrap();
    let code = tokio::task::spawn_blocking(move || watch.interrupt())
        .await
        .unwrap();
    assert_eq!(code, 0);
    drop(second);
}
