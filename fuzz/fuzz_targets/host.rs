//! Host normaliser and `host[:port]` reader over arbitrary text: never panic; a normalised
//! host normalises to itself again (idempotent), and a `HostSpec` that parses prints back to
//! text that parses to the same spec.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use pcp_client::glue::host::{canonical_ip, HostKey, HostSpec};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Some(key) = HostKey::normalise(&text) {
        match &key {
            HostKey::Ip(ip) => assert_eq!(canonical_ip(*ip), *ip),
            HostKey::Name(name) => {
                assert!(!name.is_empty());
                assert_eq!(name.to_ascii_lowercase(), *name);
            }
            HostKey::SocketDir(dir) => assert!(dir.starts_with('/')),
        }
        let again = HostKey::normalise(&key.to_string());
        assert_eq!(again.as_ref(), Some(&key), "normalise is not idempotent");
    }

    if let Ok(spec) = HostSpec::from_str(&text) {
        assert!(!spec.host.is_empty());
        assert_ne!(spec.port, Some(0));
        let printed = spec.to_string();
        let again = HostSpec::from_str(&printed);
        assert_eq!(again.as_ref(), Ok(&spec), "{printed:?} does not read back");
    }
});
