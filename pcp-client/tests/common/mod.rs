//! What several test binaries share: client configurations that log in with the test
//! server's own credentials and never read a `.pcppass` file (so the machine's files cannot
//! change a test's outcome). Each binary adds its own time limits.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use pcp_client::{Config, Endpoint};
use pcp_testkit::sandbox::Sandbox;
use pcp_testkit::FakeServer;

/// Logs in to `host` at each of `ports` as `user` with `password`.
pub(crate) fn login(host: &str, ports: &[u16], user: &str, password: &str) -> Config {
    let mut config = Config::new();
    for port in ports {
        config.endpoint(Endpoint::tcp(host, *port));
    }
    config
        .user(user)
        .password(password)
        .pcppass_file("/nonexistent/.pcppass");
    config
}

/// Logs in to a fake server.
pub(crate) fn fake_server(server: &FakeServer) -> Config {
    login(
        "127.0.0.1",
        &[server.port()],
        server.user(),
        server.password(),
    )
}

/// Logs in to the sandbox's Pgpool at each of `ports` (the main one if empty).
pub(crate) fn sandbox(sandbox: &Sandbox, ports: &[u16]) -> Config {
    let main = [sandbox.pcp_port];
    let ports = if ports.is_empty() { &main[..] } else { ports };
    login(
        &sandbox.pcp_host,
        ports,
        &sandbox.pcp_user,
        sandbox.pcp_password.as_str(),
    )
}
