//! Progress of long operations: a spinner with what is waited for on a terminal (run under
//! `script`, which gives pcpctl a pseudo-terminal), nothing in scripts or with `--json`.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::*;
use pcp_proto::Version;
use pcp_testkit::FakeServer;

/// pcpctl's command line against `server`, as one shell word list.
fn args(server: &FakeServer, pass: &std::path::Path, rest: &str) -> String {
    format!(
        "{} -h 127.0.0.1 -p {} -U pcpadmin -w --passfile {} {rest}",
        bin().display(),
        server.port(),
        pass.display()
    )
}

fn passfile() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "*:*:pcpadmin:secret").unwrap();
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

/// Runs `line` on a pseudo-terminal (stdout and stderr both go to it); what it printed.
fn on_terminal(line: String) -> String {
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("HOME", "/nonexistent")
        .env_remove("PCPPASSFILE")
        .output()
        .expect("run script(1) from util-linux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_shows_progress_on_a_terminal_only() {
    // The model never shows the detach, so --wait polls until it gives up.
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();
    let pass = passfile();

    let line = args(&server, pass.path(), "detach 1 --wait=0.5");
    let text = tokio::task::spawn_blocking(move || on_terminal(line))
        .await
        .unwrap();
    assert!(text.contains("node 1: waiting for down (up)"), "{text:?}");
    assert!(text.contains(" s"), "elapsed time shown: {text:?}");
    assert!(text.contains("error:"), "{text:?}");

    // --json on a terminal: no spinner.
    let line = args(&server, pass.path(), "--json detach 1 --wait=0.3");
    let text = tokio::task::spawn_blocking(move || on_terminal(line))
        .await
        .unwrap();
    assert!(!text.contains("waiting for"), "{text:?}");
    assert!(text.contains("\"error\""), "{text:?}");

    // Not a terminal (a script, a hook): stderr carries the error line and nothing else.
    let mut cmd = pcpctl();
    cmd.args(["-h", "127.0.0.1", "-p", &server.port().to_string()])
        .args(["-U", "pcpadmin", "-w", "detach", "1", "--wait=0.3"])
        .env("PCPPASSFILE", pass.path());
    let out = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code(&out), 8);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.starts_with("pcpctl: error: "), "{err:?}");
}
