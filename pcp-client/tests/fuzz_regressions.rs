//! Inputs the `host` and `pcppass` fuzz targets found, kept as regression tests (see
//! docs/fuzzing.md and docs/RELIABILITY.md).

use std::str::FromStr;

use pcp_client::glue::host::{HostKey, HostSpec};
use pcp_client::pcppass::PcpPass;

fn idempotent(text: &str) {
    let key = HostKey::normalise(text).expect("a host");
    assert_eq!(
        HostKey::normalise(&key.to_string()).as_ref(),
        Some(&key),
        "{text:?} -> {key:?}"
    );
}

#[test]
fn socket_dir_root_is_not_emptied() {
    // " /" used to give SocketDir(""), which prints as "" and normalises to nothing.
    assert_eq!(
        HostKey::normalise(" /"),
        Some(HostKey::SocketDir("/".into()))
    );
    assert_eq!(
        HostKey::normalise("///"),
        Some(HostKey::SocketDir("/".into()))
    );
    idempotent("/");
}

#[test]
fn normalise_is_idempotent() {
    // A trailing vertical tab before a dot, spaces inside brackets, nested brackets.
    for text in [
        "\0\0\u{b}.",
        "[ a ]",
        "[[a]]",
        "A. .",
        "[ ::1 ]",
        "db1.EXAMPLE.com.",
    ] {
        idempotent(text);
    }
    assert_eq!(HostKey::normalise("[ a ]"), HostKey::normalise("a"));
    assert_eq!(HostKey::normalise("[ ::1 ]"), HostKey::normalise("::1"));
    assert_eq!(HostKey::normalise("[ ]"), None);
}

fn reads_back(text: &str) {
    let spec = HostSpec::from_str(text).expect("a host spec");
    let printed = spec.to_string();
    assert_eq!(
        HostSpec::from_str(&printed).as_ref(),
        Ok(&spec),
        "{text:?} printed as {printed:?}"
    );
}

#[test]
fn host_spec_prints_back_to_itself() {
    // Whitespace inside brackets, a socket directory with a port, a single-colon host in
    // brackets, a socket directory containing a colon.
    for text in [
        "[\u{b}\0\0\0\0\0\0\0\u{e}]",
        "[/tmp]:5432",
        "[a:b]",
        "/:\u{2}z[.",
        "[::1]:9898",
        "::1",
        "db1:5432",
    ] {
        reads_back(text);
    }
    assert_eq!(
        HostSpec::from_str("[/tmp]:5432").unwrap().to_string(),
        "[/tmp]:5432"
    );
    assert!(HostSpec::from_str("[[a]").is_err());
}

#[test]
fn pcppass_escaped_fields_round_trip() {
    let file = PcpPass::parse("h\\:x:9898:u\\\\:p\\:w\\\\\nrest");
    assert_eq!(file.lookup("h:x", 9898, "u\\"), Some("p:w\\"));
}
