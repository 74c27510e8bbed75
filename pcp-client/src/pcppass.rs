//! The `.pcppass` password file: parsing and matching, with no file access (loading, with its
//! permission rules, is [`crate::load_pcppass`]).
//!
//! Rules (as Pgpool's own client applies them):
//! * one entry per line, `hostname:port:username:password`; the first matching entry wins;
//! * only a trailing `\n` ends a line (a `\r` before it stays part of the password); there is
//!   no comment syntax;
//! * a field that is exactly `*` matches anything (only a whole field; `\*` is a literal star);
//! * `\` escapes the next character, so `\:` and `\\` stand for `:` and `\`;
//! * the password is the rest of the line up to the next unescaped `:`, escapes removed;
//! * matching is exact and case-sensitive; the host to match is [`host_key`] of the host the
//!   user gave.

use std::fmt;

/// The host name to look up for a given `-h` value: `localhost` when no host was given or the
/// host is exactly `/tmp` (the default socket directory), otherwise the host string as given,
/// so a non-default socket directory must be written literally in the file.
pub fn host_key(host: Option<&str>) -> &str {
    match host {
        None | Some("") | Some("/tmp") => "localhost",
        Some(other) => other,
    }
}

/// One field of the first three columns.
#[derive(Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(String),
}

impl Pattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(text) => text == value,
        }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Any => f.write_str("*"),
            Pattern::Exact(text) => write!(f, "{text:?}"),
        }
    }
}

/// One usable line of the file.
#[derive(Clone)]
struct Entry {
    host: Pattern,
    port: Pattern,
    user: Pattern,
    password: String,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// A parsed `.pcppass` file. `Debug` never shows the passwords.
#[derive(Debug, Clone, Default)]
pub struct PcpPass {
    entries: Vec<Entry>,
}

/// Splits a line into its fields at unescaped `:`, removing the escapes. Each field comes with
/// its raw text, to tell `*` from `\*`.
fn split_fields(line: &str) -> Vec<(String, &str)> {
    let mut fields = Vec::new();
    let mut value = String::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            value.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            fields.push((std::mem::take(&mut value), line.get(start..i).unwrap_or("")));
            start = i + 1;
        } else {
            value.push(c);
        }
    }
    // A lone trailing backslash escapes nothing and is dropped.
    fields.push((value, line.get(start..).unwrap_or("")));
    fields
}

impl PcpPass {
    /// Parses the text of a `.pcppass` file. Lines that cannot match anything (fewer than four
    /// fields) are skipped; parsing never fails.
    pub fn parse(text: &str) -> Self {
        let entries = text
            .split('\n')
            .filter_map(|line| {
                let mut fields = split_fields(line).into_iter();
                let mut pattern = || {
                    fields.next().map(|(value, raw)| {
                        if raw == "*" {
                            Pattern::Any
                        } else {
                            Pattern::Exact(value)
                        }
                    })
                };
                let host = pattern()?;
                let port = pattern()?;
                let user = pattern()?;
                let password = fields.next()?.0;
                Some(Entry {
                    host,
                    port,
                    user,
                    password,
                })
            })
            .collect();
        PcpPass { entries }
    }

    /// The password of the first entry matching `host` (already mapped with [`host_key`]),
    /// `port` and `user`. An empty user name never matches (Pgpool skips the lookup then).
    pub fn lookup(&self, host: &str, port: u16, user: &str) -> Option<&str> {
        if user.is_empty() {
            return None;
        }
        let port = port.to_string();
        self.entries
            .iter()
            .find(|e| e.host.matches(host) && e.port.matches(&port) && e.user.matches(user))
            .map(|e| e.password.as_str())
    }

    /// Number of usable entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no line is usable.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (file text, host, port, user, expected password)
    #[allow(clippy::type_complexity)]
    const CASES: &[(&str, &str, u16, &str, Option<&str>)] = &[
        (
            "localhost:9898:admin:secret\n",
            "localhost",
            9898,
            "admin",
            Some("secret"),
        ),
        (
            "localhost:9898:admin:secret",
            "localhost",
            9898,
            "admin",
            Some("secret"),
        ),
        (
            "localhost:9898:admin:secret\n",
            "localhost",
            9899,
            "admin",
            None,
        ),
        (
            "localhost:9898:admin:secret\n",
            "127.0.0.1",
            9898,
            "admin",
            None,
        ),
        (
            "localhost:9898:admin:secret\n",
            "localhost",
            9898,
            "Admin",
            None,
        ),
        ("*:*:*:any\n", "db1", 1, "u", Some("any")),
        (
            "*:9898:admin:p1\n*:*:*:p2\n",
            "h",
            9898,
            "admin",
            Some("p1"),
        ),
        (
            "*:*:*:p2\n*:9898:admin:p1\n",
            "h",
            9898,
            "admin",
            Some("p2"),
        ),
        ("h:1:u:first\nh:1:u:second\n", "h", 1, "u", Some("first")),
        // `*` is a wildcard only as a whole field.
        ("h*:1:u:p\n", "hx", 1, "u", None),
        ("h*:1:u:p\n", "h*", 1, "u", Some("p")),
        ("\\*:1:u:p\n", "x", 1, "u", None),
        ("\\*:1:u:p\n", "*", 1, "u", Some("p")),
        // Escapes in the key fields and in the password.
        ("a\\:b:1:u:p\n", "a:b", 1, "u", Some("p")),
        ("a\\\\b:1:u:p\n", "a\\b", 1, "u", Some("p")),
        ("h:1:u:a\\:b\\\\c\n", "h", 1, "u", Some("a:b\\c")),
        // The password stops at the next unescaped colon.
        ("h:1:u:pass:ignored\n", "h", 1, "u", Some("pass")),
        // Only `\n` is stripped: CRLF files keep the `\r`.
        ("h:1:u:pw\r\n", "h", 1, "u", Some("pw\r")),
        // Empty password is a match with an empty password.
        ("h:1:u:\n", "h", 1, "u", Some("")),
        // Too few fields: never matches.
        ("h:1:u\n", "h", 1, "u", None),
        // No comments: a `#` line is just an entry that does not match.
        ("#h:1:u:x\nh:1:u:y\n", "h", 1, "u", Some("y")),
        // Socket directories are written literally.
        (
            "/var/run/pgpool:9898:u:sock\n",
            "/var/run/pgpool",
            9898,
            "u",
            Some("sock"),
        ),
        // Empty user never matches.
        ("*:*:*:p\n", "h", 1, "", None),
        // Blank lines in between are fine.
        ("\n\nh:1:u:p\n\n", "h", 1, "u", Some("p")),
    ];

    #[test]
    fn table() {
        for (i, (text, host, port, user, want)) in CASES.iter().enumerate() {
            let file = PcpPass::parse(text);
            assert_eq!(
                file.lookup(host, *port, user),
                *want,
                "case {i}: {text:?} with {host}:{port}:{user}"
            );
        }
    }

    #[test]
    fn host_keys() {
        assert_eq!(host_key(None), "localhost");
        assert_eq!(host_key(Some("/tmp")), "localhost");
        assert_eq!(host_key(Some("/tmp/")), "/tmp/");
        assert_eq!(host_key(Some("/var/run/pgpool")), "/var/run/pgpool");
        assert_eq!(host_key(Some("127.0.0.1")), "127.0.0.1");
        assert_eq!(host_key(Some("localhost")), "localhost");
    }

    #[test]
    fn debug_hides_passwords() {
        let file = PcpPass::parse("h:1:u:topsecret\n");
        let shown = format!("{file:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert_eq!(file.len(), 1);
    }
}
