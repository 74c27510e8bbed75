//! Command-line behaviour that needs no server: help, usage errors, completions, man page,
//! install-links, drop-in help and argument errors, connection refused.

mod common;

use common::*;

#[test]
fn help_lists_commands_and_exit_codes() {
    let out = run(pcpctl().arg("--help"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for word in [
        "node-count",
        "node-info",
        "health-check-stats",
        "proc-count",
        "proc-info",
        "pool-status",
        "watchdog-info",
        "attach",
        "detach",
        "promote",
        "recovery",
        "stop",
        "reload",
        "log-rotate",
        "invalidate-query-cache",
        "resolve",
        "is-primary",
        "follow-primary",
        "lb",
        "install-links",
        "completions",
        "man",
        "Exit codes:",
        "10  unsupported",
        "--host",
        "--json",
        "--timeout",
    ] {
        assert!(text.contains(word), "--help lacks {word:?}:\n{text}");
    }
    // Exit codes documented in docs/cli.md too.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cli.md"))
        .expect("docs/cli.md");
    for line in text
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
    {
        let line = line.trim();
        if let Some((num, _)) = line.split_once("  ") {
            if num.chars().all(|c| c.is_ascii_digit()) {
                assert!(
                    doc.contains(&format!("| {num} |")),
                    "docs/cli.md lacks exit code {num}"
                );
            }
        }
    }
}

#[test]
fn short_h_is_the_host_not_help() {
    let out = run(pcpctl().args(["node-count", "-h"]));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = run(pcpctl().args(["node-info", "--help"]));
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("--node-id"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["no-such-command"][..],
        &["node-info", "-n", "x"],
        &["attach"],
        &["stop", "-m", "slow"],
        &["--json", "--format", "pcp", "node-count"],
    ] {
        let out = run(pcpctl().args(args));
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
    }
    let out = run(pcpctl().arg("--version"));
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("pcpctl "));
}

#[test]
fn completions_and_man_page() {
    for (shell, marker) in [
        ("bash", "_pcpctl"),
        ("zsh", "#compdef pcpctl"),
        ("fish", "complete -c pcpctl"),
    ] {
        let out = run(pcpctl().args(["completions", shell]));
        assert_eq!(code(&out), 0, "{shell}");
        let text = stdout(&out);
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..text.len().min(200)]
        );
        assert!(text.contains("node-info"), "{shell}");
    }
    let out = run(pcpctl().arg("man"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(".ie") || text.contains(".TH pcpctl"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("node\\-info") || text.contains("node-info"));
    assert!(
        text.contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nsuccess\n"),
        "exit codes in the man page"
    );
}

#[test]
fn install_links_creates_every_tool() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(pcpctl().arg("install-links").arg(dir.path()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for tool in TOOLS {
        let link = dir.path().join(tool);
        let target = std::fs::read_link(&link).expect(tool);
        assert_eq!(
            target.canonicalize().unwrap(),
            bin().canonicalize().unwrap(),
            "{tool}"
        );
    }
    // Existing files are kept unless --force.
    let out = run(pcpctl().arg("install-links").arg(dir.path()));
    assert_eq!(code(&out), 11, "{}", stderr(&out));
    let out = run(pcpctl()
        .args(["install-links", "--force", "--hard"])
        .arg(dir.path()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        std::fs::read_link(dir.path().join("pcp_node_info")).is_err(),
        "a hard link now"
    );
    // Each link works in drop-in mode.
    let out = run(command(&dir.path().join("pcp_node_count")).arg("--help"));
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).starts_with("pcp_node_count - "));
}

#[test]
fn drop_in_help_version_and_argument_errors() {
    let links = Links::new();
    for tool in TOOLS {
        let out = run(links.command(tool).arg("--help"));
        assert_eq!(code(&out), 0, "{tool}");
        assert!(out.stdout.is_empty(), "help goes to stderr as in the tools");
        let help = stderr(&out);
        assert!(help.starts_with(&format!("{tool} - ")), "{help}");
        assert!(help.contains("-h, --host=HOSTNAME"), "{help}");
        let out = run(links.command(tool).arg("-V"));
        assert_eq!(code(&out), 0);
        assert!(stderr(&out).starts_with(&format!("{tool} (pcpctl) ")));
    }

    // Unknown option: the glibc message, then the hint; usage code 2, or 1 in compat mode.
    let out = run(links.command("pcp_node_info").arg("-x"));
    assert_eq!(code(&out), 2);
    let path = links.path("pcp_node_info");
    assert_eq!(
        stderr(&out),
        format!(
            "{}: invalid option -- 'x'\nTry \"pcp_node_info --help\" for more information.\n\n",
            path.display()
        )
    );
    let out = run(links
        .command("pcp_node_info")
        .arg("-x")
        .env("PCPCTL_COMPAT_EXIT", "1"));
    assert_eq!(code(&out), 1);

    // Missing node id.
    let out = run(links.command("pcp_attach_node").arg("-w"));
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "pcp_attach_node: missing node-id\nTry \"pcp_attach_node --help\" for more information.\n\n"
    );

    // Out-of-range node id: the tools exit 0 here; pcpctl only in compat mode.
    let out = run(links.command("pcp_node_info").args(["-w", "-n", "200"]));
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "pcp_node_info: Invalid node-id \"200\", must be between 0 and 128\n"
    );
    let out = run(links
        .command("pcp_node_info")
        .args(["-w", "-n", "200"])
        .env("PCPCTL_COMPAT_EXIT", "1"));
    assert_eq!(code(&out), 0);
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn connection_refused_is_exit_3() {
    let port = closed_port().to_string();
    let out = run(pcpctl().args(["-h", "127.0.0.1", "-p", &port, "-w", "node-count"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("pcpctl: error: "), "{err}");
    assert!(err.contains("Connection refused"), "{err}");

    let out = run(pcpctl().args(["-h", "127.0.0.1", "-p", &port, "-w", "--json", "node-count"]));
    assert_eq!(code(&out), 3);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("error document");
    assert_eq!(doc["error"]["kind"], "connection");
    assert_eq!(doc["error"]["exit_code"], 3);

    // Drop-in: the libpcp wording.
    let links = Links::new();
    let out = run(links
        .command("pcp_node_count")
        .args(["-h", "127.0.0.1", "-p", &port, "-w"]));
    assert_eq!(code(&out), 3);
    assert_eq!(
        stderr(&out),
        "ERROR: connection to host \"127.0.0.1\" failed with error \"Connection refused\"\n"
    );
    let out = run(links
        .command("pcp_node_count")
        .args(["-h", "/nonexistent", "-p", &port, "-w"])
        .env("PCPCTL_COMPAT_EXIT", "1"));
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        format!("ERROR: connection to socket \"/nonexistent/.s.PGSQL.{port}\" failed with error \"No such file or directory\"\n")
    );
}

#[test]
fn password_in_argv_or_env_warns() {
    let port = closed_port().to_string();
    let out = run(pcpctl().args([
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "--pass",
        "s3cret",
        "node-count",
    ]));
    let err = stderr(&out);
    assert!(
        err.contains("warning: a password on the command line"),
        "{err}"
    );
    assert!(
        !err.contains("s3cret"),
        "the password must never be printed: {err}"
    );
    let out = run(pcpctl()
        .args(["-h", "127.0.0.1", "-p", &port, "-d", "node-count"])
        .env("PCPPASSWORD", "s3cret"));
    let err = stderr(&out);
    assert!(err.contains("warning: a password in PCPPASSWORD"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}
