//! `--format=pcp` follows the connected server's release: what each release's own `pcp_*` tool
//! prints, per section 8 of the PCP protocol notes (node info columns per release, process
//! info columns 4.0–4.2 / 4.3–4.4 / 4.5–4.6 / 4.7+, watchdog plain and verbose differences).
//! The expected strings are built here from those tables and the fake server's models; the 4.3
//! layouts are checked byte for byte against the real tools in `sandbox.rs`.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;

use common::*;
use pcp_proto::{Version, WatchdogState};
use pcp_testkit::model::SAMPLE_TIME;
use pcp_testkit::{FakeServer, Model};

async fn pcp(server: &FakeServer, args: &[&str]) -> String {
    let mut pass = tempfile::NamedTempFile::new().unwrap();
    writeln!(pass, "*:*:pcpadmin:secret").unwrap();
    std::fs::set_permissions(pass.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = pcpctl();
    cmd.args(["-h", "127.0.0.1", "-p", &server.port().to_string()])
        .args(["-U", "pcpadmin", "-w", "--format=pcp"])
        .args(args)
        .env("PCPPASSFILE", pass.path());
    let out = tokio::task::spawn_blocking(move || {
        let out = run(&mut cmd);
        drop(pass);
        out
    })
    .await
    .unwrap();
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    stdout(&out)
}

async fn server(version: Version) -> FakeServer {
    let model = Model::new(version).with_watchdog(3, WatchdogState::Leader);
    FakeServer::builder().model(model).start().await.unwrap()
}

/// The models' last status change as the tools print it (local time), taken from the 4.3
/// layout, whose last column it is.
async fn status_time() -> String {
    let s = server(Version::new(4, 3)).await;
    let line = pcp(&s, &["node-info", "0"]).await;
    let line = line.trim_end();
    line[line.len() - 19..].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_info_columns_per_release() {
    let t = status_time().await;
    let w = "0.333333";
    // 4.0: hostname port status weight status_name role delay last_status_change
    let s = server(Version::new(4, 0)).await;
    assert_eq!(
        pcp(&s, &["node-info", "1"]).await,
        format!("127.0.0.2 5432 2 {w} up standby 0 {t}\n")
    );
    assert_eq!(
        pcp(&s, &["node-info"]).await,
        format!(
            "localhost 5432 2 {w} up primary 0 {t}\n127.0.0.2 5432 2 {w} up standby 0 {t}\n\
             127.0.0.3 5432 2 {w} up standby 0 {t}\n"
        )
    );
    // 4.0 verbose: a fixed block, titles padded to 18, no blank line.
    assert_eq!(
        pcp(&s, &["-v", "node-info", "1"]).await,
        format!(
            "Hostname          : 127.0.0.2\nPort              : 5432\nStatus            : 2\n\
             Weight            : {w}\nStatus Name       : up\nRole              : standby\n\
             Replication Delay : 0\nLast Status Change: {t}\n"
        )
    );

    // 4.1, 4.2: + rep_state rep_sync_state; missing states are empty strings.
    for minor in [1, 2] {
        let s = server(Version::new(4, minor)).await;
        assert_eq!(
            pcp(&s, &["node-info"]).await,
            format!(
                "localhost 5432 2 {w} up primary 0   {t}\n\
                 127.0.0.2 5432 2 {w} up standby 0 streaming async {t}\n\
                 127.0.0.3 5432 2 {w} up standby 0 streaming async {t}\n"
            ),
            "4.{minor}"
        );
        // format_titles: padded to the longest title, no blank line after a node.
        assert_eq!(
            pcp(&s, &["-v", "node-info", "2"]).await,
            format!(
                "Hostname               : 127.0.0.3\nPort                   : 5432\n\
                 Status                 : 2\nWeight                 : {w}\n\
                 Status Name            : up\nRole                   : standby\n\
                 Replication Delay      : 0\nReplication State      : streaming\n\
                 Replication Sync State : async\nLast Status Change     : {t}\n"
            ),
            "4.{minor}"
        );
    }

    // 4.3 … master: + backend_status_name backend_role; missing states print `none`.
    for minor in [3, 4, 5, 7] {
        let s = server(Version::new(4, minor)).await;
        assert_eq!(
            pcp(&s, &["node-info", "0"]).await,
            format!("localhost 5432 2 {w} up up primary primary 0 none none {t}\n"),
            "4.{minor}"
        );
        let verbose = pcp(&s, &["-v", "node-info", "0"]).await;
        assert!(verbose.starts_with("Hostname               : localhost\n"));
        assert!(verbose.ends_with(&format!("Last Status Change     : {t}\n\n")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_info_columns_per_release() {
    let t = status_time().await; // the models' epochs, formatted by the 4.0–4.2 tools
    let l = SAMPLE_TIME.to_string(); // the 4.3+ servers' own text
                                     // 4.0–4.2 (11): database username start_time creation_time major minor counter
                                     // backend_pid connected pid backend_id
    for minor in [0, 2] {
        let s = server(Version::new(4, minor)).await;
        assert_eq!(
            pcp(&s, &["proc-info", "4101"]).await,
            format!(
                "postgres postgres {t} {t} 3 0 1 5101 0 4101 0\n\
                 postgres postgres {t} {t} 3 0 1 5102 0 4101 1\n\
                 postgres postgres {t} {t} 3 0 1 5103 0 4101 2\n"
            ),
            "4.{minor}"
        );
        // The fixed verbose block: titles padded to 13.
        let verbose = pcp(&s, &["-v", "proc-info", "4101"]).await;
        assert!(
            verbose.starts_with(&format!(
                "Database     : postgres\nUsername     : postgres\nStart time   : {t}\n\
                 Creation time: {t}\nMajor        : 3\nMinor        : 0\nCounter      : 1\n\
                 Backend PID  : 5101\nConnected    : 0\nPID          : 4101\nBackend ID   : 0\n"
            )),
            "4.{minor}: {verbose}"
        );
    }
    // 4.3–4.4 (16): database username start_time client_connection_count major minor
    // backend_connection_time client_connection_time client_idle_duration
    // client_disconnection_time pool_counter backend_pid connected pid backend_id status
    let v4_3 = format!("postgres postgres {l} 0 3 0 {l}  0  1 5101 0 4101 0 Wait for connection");
    let s = server(Version::new(4, 4)).await;
    let text = pcp(&s, &["proc-info", "4101"]).await;
    assert_eq!(text.lines().next(), Some(v4_3.as_str()), "{text}");
    // 4.5–4.6 (17): + load_balance_node
    let s = server(Version::new(4, 5)).await;
    let text = pcp(&s, &["proc-info", "4101"]).await;
    assert_eq!(
        text.lines().next(),
        Some(format!("{v4_3} 0").as_str()),
        "{text}"
    );
    let verbose = pcp(&s, &["-v", "proc-info", "4101"]).await;
    assert!(
        verbose.contains(
            "Status                    : Wait for connection\nLoad balance node         : 0\n\n"
        ),
        "{verbose}"
    );
    // 4.7+ (20): + client_host client_port statement (empty here)
    let s = server(Version::new(4, 7)).await;
    let text = pcp(&s, &["proc-info", "4101"]).await;
    assert_eq!(
        text.lines().next(),
        Some(format!("{v4_3} 0   ").as_str()),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watchdog_info_per_release() {
    let name = |i: i64| format!("127.0.0.1:{} Linux fake", 9999 + i * 10);
    let node = |i: i64, state: &str, code: u8| {
        format!(
            "{} 127.0.0.1 {} {} {code} {state}",
            name(i),
            9999 + i * 10,
            9000 + i * 10
        )
    };
    // 4.0–4.2: "<remote+1> <YES|NO> <leader name> <leader host>", nodes without membership.
    for minor in [0, 2] {
        let s = server(Version::new(4, minor)).await;
        let text = pcp(&s, &["watchdog-info"]).await;
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(format!("3 YES {} 127.0.0.1", name(0)).as_str()),
            "4.{minor}: {text}"
        );
        assert_eq!(lines.next(), Some(""));
        assert_eq!(lines.next(), Some(node(0, "LEADER", 4).as_str()), "{text}");
        assert_eq!(lines.next(), Some(node(1, "STANDBY", 7).as_str()), "{text}");
        let verbose = pcp(&s, &["-v", "watchdog-info"]).await;
        assert!(!verbose.contains("Member Remote Nodes"), "{verbose}");
        assert!(!verbose.contains("Membership Status"), "{verbose}");
        let leader = if minor < 2 { "Master" } else { "Leader" };
        assert!(
            verbose.contains(&format!("{leader} Node Name         : {}\n", name(0))),
            "{verbose}"
        );
    }
    // 4.3–4.7: "<remote+1> <memberRemote+1> <YES|NO> <leader name> <leader host>", + membership.
    let s = server(Version::new(4, 7)).await;
    let text = pcp(&s, &["watchdog-info"]).await;
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(format!("3 3 YES {} 127.0.0.1", name(0)).as_str())
    );
    lines.next();
    assert_eq!(
        lines.next(),
        Some(format!("{} 0 MEMBER", node(0, "LEADER", 4)).as_str())
    );
    // master: + YES|NO lifecheck started.
    s.update_model(|m| {
        for n in &mut m.watchdog.as_mut().unwrap().nodes {
            n.lifecheck_started = Some(n.id == 0);
        }
    });
    let text = pcp(&s, &["watchdog-info"]).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[2], format!("{} 0 MEMBER YES", node(0, "LEADER", 4)));
    assert_eq!(lines[3], format!("{} 0 MEMBER NO", node(1, "STANDBY", 7)));
    let verbose = pcp(&s, &["-v", "watchdog-info"]).await;
    assert!(
        verbose.contains("Membership Status : MEMBER\nLifecheck Started : YES\n\n"),
        "{verbose}"
    );
}
