//! Host names as EFM and Pgpool write them, and how two of them are compared.
//!
//! EFM passes an address (`%h`); `backend_hostnameN` is often a name, sometimes a socket
//! directory. Two hosts are the same when their normalised forms are equal (case-insensitive
//! names, canonical IP literals, IPv4-mapped IPv6 unwrapped) or when they resolve to a common
//! address.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use async_trait::async_trait;

/// A host in normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostKey {
    /// An IP literal (IPv4-mapped IPv6 addresses are turned into IPv4).
    Ip(IpAddr),
    /// A DNS name, lower-case, without a trailing dot.
    Name(String),
    /// A Unix socket directory (starts with `/`), compared literally.
    SocketDir(String),
}

impl HostKey {
    /// Normalises a host as written in a configuration or on a command line.
    ///
    /// Brackets around an IPv6 literal are accepted. Returns `None` for an empty host.
    pub fn normalise(text: &str) -> Option<HostKey> {
        // One pass can leave something a second pass would still change (`[ a ]`, `a.\u{b}`,
        // `[[a]]`): repeat until the key prints as itself, so equal hosts get equal keys.
        // Every pass that changes the key shortens it, so this ends.
        let mut key = Self::normalise_once(text)?;
        loop {
            let next = Self::normalise_once(&key.to_string())?;
            if next == key {
                return Some(key);
            }
            key = next;
        }
    }

    fn normalise_once(text: &str) -> Option<HostKey> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if text.starts_with('/') {
            // `/` alone stays `/` (trimming it would leave an empty directory).
            let dir = text.trim_end_matches('/');
            return Some(HostKey::SocketDir(
                if dir.is_empty() { "/" } else { dir }.to_owned(),
            ));
        }
        let unbracketed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        // A zone suffix (fe80::1%eth0) is not part of the address.
        let without_zone = unbracketed.split('%').next().unwrap_or(unbracketed);
        if let Ok(ip) = IpAddr::from_str(without_zone) {
            return Some(HostKey::Ip(canonical_ip(ip)));
        }
        let name = unbracketed.trim_end_matches('.').to_ascii_lowercase();
        (!name.is_empty()).then_some(HostKey::Name(name))
    }

    /// The addresses this host stands for, resolving names with `resolver`.
    ///
    /// A socket directory stands for no network address. A name that does not resolve gives
    /// an empty list (the caller reports it).
    pub async fn addresses(&self, resolver: &dyn Resolver) -> Vec<IpAddr> {
        match self {
            HostKey::Ip(ip) => vec![*ip],
            HostKey::Name(name) => resolver
                .resolve(name)
                .await
                .into_iter()
                .map(canonical_ip)
                .collect(),
            HostKey::SocketDir(_) => Vec::new(),
        }
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostKey::Ip(ip) => write!(f, "{ip}"),
            HostKey::Name(name) | HostKey::SocketDir(name) => f.write_str(name),
        }
    }
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// `host[:port]` as given by a user or by EFM's `%h`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// The host as written (brackets removed).
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
}

/// Why a `host[:port]` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostSpecError {
    /// Nothing was given.
    #[error("empty host")]
    Empty,
    /// The port is not a number from 1 to 65535.
    #[error("invalid port {0:?}")]
    InvalidPort(String),
    /// A `[` without its `]`.
    #[error("unbalanced brackets in {0:?}")]
    Brackets(String),
}

impl FromStr for HostSpec {
    type Err = HostSpecError;

    /// Accepts `name`, `name:5432`, `10.0.0.1`, `10.0.0.1:5432`, `::1`, `[::1]`, `[::1]:5432`
    /// and socket directories (`/var/run/postgresql`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(HostSpecError::Empty);
        }
        let port = |p: &str| -> Result<u16, HostSpecError> {
            match p.parse::<u16>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(HostSpecError::InvalidPort(p.to_owned())),
            }
        };
        if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| HostSpecError::Brackets(text.to_owned()))?;
            let host = host.trim();
            if host.is_empty() {
                return Err(HostSpecError::Empty);
            }
            if host.contains('[') {
                return Err(HostSpecError::Brackets(text.to_owned()));
            }
            let port = match after {
                "" => None,
                p => Some(port(
                    p.strip_prefix(':')
                        .ok_or_else(|| HostSpecError::Brackets(text.to_owned()))?,
                )?),
            };
            return Ok(HostSpec {
                host: host.to_owned(),
                port,
            });
        }
        if text.starts_with('/') {
            return Ok(HostSpec {
                host: text.to_owned(),
                port: None,
            });
        }
        match text.matches(':').count() {
            0 => Ok(HostSpec {
                host: text.to_owned(),
                port: None,
            }),
            1 => {
                let (host, p) = text.split_once(':').unwrap_or((text, ""));
                if host.is_empty() {
                    return Err(HostSpecError::Empty);
                }
                Ok(HostSpec {
                    host: host.to_owned(),
                    port: Some(port(p)?),
                })
            }
            // Several colons and no brackets: a bare IPv6 literal, no port.
            _ => Ok(HostSpec {
                host: text.to_owned(),
                port: None,
            }),
        }
    }
}

impl fmt::Display for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Brackets where the text would read back differently: a port after an IPv6 literal
        // or a socket directory, and a host with a single colon (it would look like a port).
        let colons = self.host.matches(':').count();
        let bracket = match self.port {
            Some(_) => colons > 0 || self.host.starts_with('/'),
            None => colons == 1 && !self.host.starts_with('/'),
        };
        match (bracket, self.port) {
            (true, Some(p)) => write!(f, "[{}]:{p}", self.host),
            (false, Some(p)) => write!(f, "{}:{p}", self.host),
            (true, None) => write!(f, "[{}]", self.host),
            (false, None) => f.write_str(&self.host),
        }
    }
}

/// Turns names into addresses. The system resolver is the default; tests supply their own.
#[async_trait]
pub trait Resolver: Send + Sync {
    /// Every address of `name`; empty if it does not resolve.
    async fn resolve(&self, name: &str) -> Vec<IpAddr>;
}

/// Resolves with the operating system (`/etc/hosts`, DNS), through tokio.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

#[async_trait]
impl Resolver for SystemResolver {
    async fn resolve(&self, name: &str) -> Vec<IpAddr> {
        match tokio::net::lookup_host((name, 0)).await {
            Ok(addrs) => {
                let mut out: Vec<IpAddr> = addrs.map(|a| canonical_ip(a.ip())).collect();
                out.sort();
                out.dedup();
                out
            }
            Err(e) => {
                tracing::debug!(host = name, error = %e, "host does not resolve");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    type Expected = Result<(&'static str, Option<u16>), HostSpecError>;

    #[test]
    fn specs() {
        let cases: &[(&str, Expected)] = &[
            ("db1", Ok(("db1", None))),
            ("db1:5433", Ok(("db1", Some(5433)))),
            ("10.0.0.1:5432", Ok(("10.0.0.1", Some(5432)))),
            ("::1", Ok(("::1", None))),
            ("fe80::1:2", Ok(("fe80::1:2", None))),
            ("[::1]", Ok(("::1", None))),
            ("[::1]:5432", Ok(("::1", Some(5432)))),
            ("/var/run/postgresql", Ok(("/var/run/postgresql", None))),
            ("", Err(HostSpecError::Empty)),
            (":5432", Err(HostSpecError::Empty)),
            ("db1:0", Err(HostSpecError::InvalidPort("0".into()))),
            ("db1:x", Err(HostSpecError::InvalidPort("x".into()))),
            ("db1:70000", Err(HostSpecError::InvalidPort("70000".into()))),
            ("[::1", Err(HostSpecError::Brackets("[::1".into()))),
            (
                "[::1]5432",
                Err(HostSpecError::Brackets("[::1]5432".into())),
            ),
        ];
        for (text, expected) in cases {
            let got = text.parse::<HostSpec>().map(|s| (s.host.clone(), s.port));
            let expected = expected.clone().map(|(h, p)| (h.to_owned(), p));
            assert_eq!(got, expected, "{text:?}");
        }
        assert_eq!(
            "[::1]:5432".parse::<HostSpec>().unwrap().to_string(),
            "[::1]:5432"
        );
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            HostKey::normalise("DB1.Example.COM."),
            Some(HostKey::Name("db1.example.com".into()))
        );
        assert_eq!(
            HostKey::normalise("[::1]"),
            Some(HostKey::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)))
        );
        assert_eq!(
            HostKey::normalise("::ffff:10.0.0.7"),
            Some(HostKey::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7))))
        );
        assert_eq!(
            HostKey::normalise("0:0:0:0:0:0:0:1"),
            HostKey::normalise("::1")
        );
        assert_eq!(
            HostKey::normalise("/tmp/"),
            Some(HostKey::SocketDir("/tmp".into()))
        );
        assert_eq!(HostKey::normalise("  "), None);
    }

    #[tokio::test]
    async fn system_resolver_knows_localhost() {
        let addrs = SystemResolver.resolve("localhost").await;
        assert!(
            addrs.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "{addrs:?}"
        );
        assert!(SystemResolver
            .resolve("no-such-host.invalid")
            .await
            .is_empty());
    }
}
