//! The backends Pgpool is configured with, and which one a `host[:port]` designates.
//!
//! Pool status carries `backend_hostnameN` and `backend_portN` for every configured backend, so
//! one round trip is enough to map EFM's address to a node id.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use pcp_proto::{BackendStatus, ConfigItem};

use super::host::{HostKey, HostSpec, Resolver};

/// A configured backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// Pgpool's node id.
    pub id: u32,
    /// `backend_hostnameN` as configured.
    pub hostname: String,
    /// `backend_portN`.
    pub port: u16,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = HostSpec {
            host: self.hostname.clone(),
            port: Some(self.port),
        };
        write!(f, "node {} ({spec})", self.id)
    }
}

/// Lists the configured backends from a pool-status reply, in node-id order.
///
/// Slots with an empty host name are not configured and are left out.
pub fn backends_from_pool_status(items: &[ConfigItem]) -> Vec<Backend> {
    parse_backend_rows(items)
        .into_iter()
        .map(|(backend, _)| backend)
        .collect()
}

/// The configured backends of a pool-status reply with the status Pgpool's memory holds for
/// each (`backend_statusN`: `up`, `waiting`, `down`, `quarantine`, `unused`), in node-id order.
/// A backend whose status row is missing gets an empty unknown status.
pub(crate) fn parse_backend_rows(items: &[ConfigItem]) -> Vec<(Backend, BackendStatus)> {
    let mut hosts: BTreeMap<u32, String> = BTreeMap::new();
    let mut ports: BTreeMap<u32, u16> = BTreeMap::new();
    let mut statuses: BTreeMap<u32, BackendStatus> = BTreeMap::new();
    for item in items {
        if let Some(id) = suffix_id(&item.name, "backend_hostname") {
            hosts.insert(id, item.value.trim().to_owned());
        } else if let Some(id) = suffix_id(&item.name, "backend_port") {
            if let Ok(port) = item.value.trim().parse() {
                ports.insert(id, port);
            }
        } else if let Some(id) = suffix_id(&item.name, "backend_status") {
            statuses.insert(id, BackendStatus::from_name(item.value.trim()));
        }
    }
    hosts
        .into_iter()
        .filter(|(_, host)| !host.is_empty())
        .filter_map(|(id, hostname)| {
            let port = *ports.get(&id)?;
            let status = statuses
                .remove(&id)
                .unwrap_or_else(|| BackendStatus::Unknown(String::new()));
            Some((Backend { id, hostname, port }, status))
        })
        .collect()
}

fn suffix_id(name: &str, prefix: &str) -> Option<u32> {
    let digits = name.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Why no single backend matches a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// No configured backend is that host.
    #[error("no Pgpool backend matches {spec}; configured: {}", list(.backends))]
    NotFound {
        /// What was looked for.
        spec: String,
        /// Every configured backend.
        backends: Vec<Backend>,
    },
    /// Several backends are that host (give the port to choose).
    #[error("{spec} matches several Pgpool backends: {}; give the port", list(.candidates))]
    Ambiguous {
        /// What was looked for.
        spec: String,
        /// The matching backends.
        candidates: Vec<Backend>,
    },
}

fn list(backends: &[Backend]) -> String {
    if backends.is_empty() {
        return "none".to_owned();
    }
    backends
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the backend that `spec` designates.
///
/// A backend matches when the port agrees (if one is given) and the hosts are the same after
/// normalisation or share an address after resolving both sides. When exactly one backend is
/// written the same way as `spec`, it is taken without resolving anything.
pub async fn find_backend(
    backends: &[Backend],
    spec: &HostSpec,
    resolver: &dyn Resolver,
) -> Result<Backend, MatchError> {
    let not_found = || MatchError::NotFound {
        spec: spec.to_string(),
        backends: backends.to_vec(),
    };
    let wanted = HostKey::normalise(&spec.host).ok_or_else(not_found)?;
    let candidates: Vec<(&Backend, HostKey)> = backends
        .iter()
        .filter(|b| spec.port.is_none_or(|p| p == b.port))
        .filter_map(|b| HostKey::normalise(&b.hostname).map(|k| (b, k)))
        .collect();
    // The common case needs no DNS: the host is written exactly as in one backend_hostname.
    let literal: Vec<&Backend> = candidates
        .iter()
        .filter(|(_, key)| *key == wanted)
        .map(|(b, _)| *b)
        .collect();
    if let [only] = literal.as_slice() {
        return Ok((*only).clone());
    }
    let wanted_addrs: HashSet<IpAddr> = wanted.addresses(resolver).await.into_iter().collect();
    let mut matches = Vec::new();
    for (backend, key) in candidates {
        let same = key == wanted || {
            let addrs = key.addresses(resolver).await;
            addrs.iter().any(|a| wanted_addrs.contains(a))
        };
        if same {
            matches.push(backend.clone());
        }
    }
    match matches.len() {
        0 => Err(not_found()),
        1 => Ok(matches.remove(0)),
        _ => Err(MatchError::Ambiguous {
            spec: spec.to_string(),
            candidates: matches,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use std::collections::HashMap;

    struct Table(HashMap<&'static str, Vec<IpAddr>>);

    #[async_trait]
    impl Resolver for Table {
        async fn resolve(&self, name: &str) -> Vec<IpAddr> {
            self.0.get(name).cloned().unwrap_or_default()
        }
    }

    fn item(name: &str, value: &str) -> ConfigItem {
        ConfigItem {
            name: name.into(),
            value: value.into(),
            description: String::new(),
        }
    }

    fn config() -> Vec<ConfigItem> {
        vec![
            item("backend_clustering_mode", "1"),
            item("backend_hostname0", "primary.example.com"),
            item("backend_port0", "5433"),
            item("backend_weight0", "1"),
            item("backend_hostname1", "10.0.0.2"),
            item("backend_port1", "5433"),
            item("backend_hostname2", "standby2"),
            item("backend_port2", "5433"),
            item("backend_hostname3", "standby2"),
            item("backend_port3", "5434"),
            item("backend_hostname4", ""),
            item("backend_port4", "5432"),
            item("backend_hostnameX", "bogus"),
        ]
    }

    fn resolver() -> Table {
        Table(HashMap::from([
            ("primary.example.com", vec!["10.0.0.1".parse().unwrap()]),
            ("standby2", vec!["10.0.0.3".parse().unwrap()]),
            ("efm-node-2", vec!["10.0.0.2".parse().unwrap()]),
        ]))
    }

    async fn find(spec: &str) -> Result<u32, MatchError> {
        let backends = backends_from_pool_status(&config());
        find_backend(&backends, &spec.parse().unwrap(), &resolver())
            .await
            .map(|b| b.id)
    }

    #[test]
    fn lists_configured_backends_only() {
        let backends = backends_from_pool_status(&config());
        let ids: Vec<u32> = backends.iter().map(|b| b.id).collect();
        assert_eq!(ids, vec![0, 1, 2, 3]);
        assert_eq!(backends[0].hostname, "primary.example.com");
        assert_eq!(backends[3].port, 5434);
    }

    #[tokio::test]
    async fn ip_matches_a_name_and_a_name_matches_an_ip() {
        assert_eq!(
            find("10.0.0.1").await,
            Ok(0),
            "EFM's IP, backend given as a name"
        );
        assert_eq!(
            find("PRIMARY.example.com.").await,
            Ok(0),
            "case and trailing dot"
        );
        assert_eq!(
            find("efm-node-2").await,
            Ok(1),
            "a name, backend given as an IP"
        );
        assert_eq!(find("::ffff:10.0.0.2").await, Ok(1), "IPv4-mapped IPv6");
        assert_eq!(find("[::ffff:10.0.0.2]:5433").await, Ok(1));
        assert_eq!(find("10.0.0.3:5434").await, Ok(3), "the port chooses");
    }

    #[tokio::test]
    async fn ambiguous_and_not_found_name_the_backends() {
        match find("standby2").await {
            Err(MatchError::Ambiguous { candidates, .. }) => {
                assert_eq!(
                    candidates.iter().map(|b| b.id).collect::<Vec<_>>(),
                    vec![2, 3]
                );
            }
            other => panic!("expected Ambiguous, got {other:?}"),
        }
        let err = find("10.9.9.9").await.unwrap_err();
        assert!(matches!(&err, MatchError::NotFound { backends, .. } if backends.len() == 4));
        assert!(
            err.to_string()
                .contains("node 0 (primary.example.com:5433)"),
            "{err}"
        );
        assert!(matches!(
            find("10.0.0.1:9999").await,
            Err(MatchError::NotFound { .. })
        ));
    }
}
