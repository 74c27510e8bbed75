//! The README's Rust quick start (`examples/node_status.rs`) against the real Pgpool of the
//! sandbox (`scripts/sandbox up`; fails without one, as every sandbox test does).

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/node_status.rs"]
mod node_status;

use std::time::Duration;

use pcp_client::Endpoint;
use pcp_testkit::sandbox::Sandbox;

#[tokio::test]
async fn quick_start_example_lists_the_sandbox_backends() {
    let sandbox = Sandbox::require();
    // As the example's documentation runs it: the environment and a .pcppass file.
    let mut config = pcp_client::Config::new();
    config
        .endpoint(Endpoint::tcp(&sandbox.pcp_host, sandbox.pcp_port))
        .user(&sandbox.pcp_user)
        .pcppass_file(&sandbox.pcppass_file)
        .connect_timeout(Duration::from_secs(10));
    let mut client = config.connect().await.expect("connect to the sandbox");
    let text = node_status::report(&mut client).await.expect("node info");
    client.close().await.expect("close");
    // The generation node info reveals: 4.3's own layout, 4.4+'s from 4.4 on (4.6, 4.7).
    let version = sandbox.pgpool_version();
    let first = match (version.major, version.minor) {
        (4, 3) => "Pgpool 4.3 layout\n",
        (4, 4..=7) => "Pgpool 4.4+ layout\n",
        _ => panic!("no expectation for Pgpool {version}: check it and add one"),
    };
    assert!(text.starts_with(first), "Pgpool {version}: {text}");
    for (id, host) in sandbox.pg_hostnames.iter().enumerate() {
        assert!(
            text.contains(&format!("node {id}: {host}:{}", sandbox.pg_port)),
            "{text}"
        );
    }
    assert!(text.contains("primary: node "), "{text}");
}

#[test]
fn config_from_env_reads_the_pcp_variables() {
    // Only the variables' parsing: no connection.
    let config = node_status::config_from_env();
    assert_eq!(config.get_endpoints().len(), 1);
}
