//! `.pcppass` parser over arbitrary text: never panics, and an entry written with the
//! documented escapes (`\:` and `\\`) in front of arbitrary lines is found again by `lookup`
//! with its password intact. `Debug` never shows that password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcp_client::pcppass::{host_key, PcpPass};

/// Escapes a field the way a `.pcppass` writer must: `\` and `:` get a backslash.
fn escape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    for c in field.chars() {
        if c == '\\' || c == ':' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    // 1. Arbitrary text: parsing and lookups never panic, and no more entries than lines.
    let parsed = PcpPass::parse(&text);
    assert!(parsed.len() <= text.split('\n').count());
    assert_eq!(parsed.is_empty(), parsed.len() == 0);
    let _ = format!("{parsed:?}");
    let mut words = text.split(|c: char| c == ':' || c == '\n');
    let host = words.next().unwrap_or("");
    let user = words.next().unwrap_or("");
    let _ = parsed.lookup(host_key(Some(host)), 9898, user);
    let _ = parsed.lookup(host_key(None), 0, user);

    // 2. An escaped entry put first is found again. The fields come from the input: host, user
    // and password separated by NUL, then the rest as following (arbitrary) lines.
    let mut parts = text.splitn(4, '\0');
    let (Some(host), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let rest = parts.next().unwrap_or("");
    // A field cannot hold a newline (lines are split first); `*` alone is the wildcard.
    if [host, user, password].iter().any(|f| f.contains('\n')) || user.is_empty() {
        return;
    }
    let port: u16 = 9898;
    let line = |password: &str| {
        format!(
            "{}:{port}:{}:{}\n{rest}",
            escape(host),
            escape(user),
            escape(password)
        )
    };
    let file = PcpPass::parse(&line(password));
    assert!(!file.is_empty());
    assert_eq!(file.lookup(host, port, user), Some(password));
    // Debug shows the same text whatever the password is.
    let blank = PcpPass::parse(&line(""));
    assert_eq!(format!("{file:?}"), format!("{blank:?}"));
});
