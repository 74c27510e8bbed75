//! Opening sessions: TCP (every resolved address in turn) or Unix socket, then the salted MD5
//! login; several endpoints in order or the watchdog leader first.

use std::net::SocketAddr;
use std::time::Duration;

use pcp_proto::{
    auth::auth_hash, AuthReader, NodeSelector, Request, SaltReader, WatchdogInfoReader,
    WatchdogState,
};
use tokio::net::{TcpStream, UnixStream};

use crate::config::{Config, Endpoint, EndpointSelection, PasswordSource};
use crate::conn::{Budget, Connection, Notices, Transport};
use crate::error::{fmt_duration, Error, ErrorKind, Result};
use crate::Client;

/// Connects to each address in turn until one accepts, each within `per_address`.
pub(crate) async fn connect_tcp_addrs(
    addrs: &[SocketAddr],
    per_address: Duration,
) -> Result<TcpStream> {
    let mut failures = Vec::new();
    let mut all_timeouts = true;
    for addr in addrs {
        match tokio::time::timeout(per_address, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%addr, "cannot set TCP_NODELAY: {e}");
                }
                return Ok(stream);
            }
            Ok(Err(e)) => {
                tracing::debug!(%addr, "connect failed: {e}");
                all_timeouts = false;
                failures.push(format!("{addr}: {e}"));
            }
            Err(_) => {
                tracing::debug!(%addr, "connect timed out");
                failures.push(format!(
                    "{addr}: timed out after {}",
                    fmt_duration(per_address)
                ));
            }
        }
    }
    let kind = if all_timeouts && !failures.is_empty() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Io
    };
    Err(Error::other(kind, failures.join("; ")).fatal())
}

/// Opens the byte stream to `endpoint`.
async fn dial(endpoint: &Endpoint, budget: &Budget, limit: Duration) -> Result<Box<dyn Transport>> {
    match endpoint {
        Endpoint::Tcp { host, port } => {
            let addrs: Vec<SocketAddr> = budget
                .run(Some(limit), "resolving the host name", async {
                    Ok(tokio::net::lookup_host((host.as_str(), *port))
                        .await?
                        .collect())
                })
                .await
                .map_err(|e| e.with_context(format!("cannot resolve \"{host}\"")))?;
            if addrs.is_empty() {
                return Err(Error::other(
                    ErrorKind::Io,
                    format!("\"{host}\" resolves to no address"),
                ));
            }
            // The overall budget caps the whole loop; each address gets the connect limit.
            let stream = budget
                .run(None, "connecting", connect_tcp_addrs(&addrs, limit))
                .await?;
            Ok(Box::new(stream))
        }
        Endpoint::Unix { .. } => {
            let path = endpoint.socket_path().unwrap_or_default();
            let stream = budget
                .run(Some(limit), "connecting", async {
                    Ok(UnixStream::connect(&path).await?)
                })
                .await?;
            Ok(Box::new(stream))
        }
    }
}

/// The `M`/`R` exchange on a fresh session. With `pipelined` (the context of a refusal), the
/// `R` is only buffered, to go out with the first request.
async fn authenticate(
    conn: &mut Connection,
    user: &str,
    password: &str,
    pipelined: Option<String>,
    notices: &mut Notices,
) -> Result<()> {
    conn.send(&Request::Salt).await?;
    let salt = match conn
        .read_reply(SaltReader, notices)
        .await
        .map_err(|e| e.with_context("during authentication"))?
    {
        Ok(salt) => salt,
        Err(msg) => return Err(Error::authentication(msg)),
    };
    let request = Request::Authenticate {
        user: user.to_owned(),
        hash: auth_hash(user, password, salt),
    };
    let mut scratch = bytes::BytesMut::new();
    if let Err(e) = request.encode(&mut scratch) {
        return Err(Error::encode(e)
            .with_kind(ErrorKind::Config)
            .with_context("invalid user name")
            .fatal());
    }
    if let Some(refused) = pipelined {
        // Written with the first request; its verdict is read before that request's reply.
        conn.feed(&request).await?;
        conn.defer_login_verdict(refused);
        return Ok(());
    }
    conn.send(&request).await?;
    match conn.read_reply(AuthReader, notices).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(msg)) => Err(Error::authentication(msg)),
        Err(e) => Err(e.with_context("during authentication")),
    }
}

/// Opens and authenticates a session over an existing stream.
pub(crate) async fn login<S: Transport>(
    stream: S,
    config: &Config,
    endpoint: Option<&Endpoint>,
    label: String,
    budget: &Budget,
    notices: &mut Notices,
    warnings: &mut Vec<String>,
) -> Result<Connection> {
    let user = config.effective_user()?;
    let key_endpoint = endpoint.cloned().unwrap_or_else(|| {
        config
            .get_endpoints()
            .into_iter()
            .next()
            .unwrap_or_default()
    });
    let lookup = config.resolve_password(&key_endpoint, &user);
    for warning in &lookup.warnings {
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    let password = lookup.password.as_ref().map(|p| p.expose()).unwrap_or("");
    let mut conn = Connection::new(stream, config.get_max_frame_len(), label, endpoint.cloned());
    conn.set_busy_poll(config.get_busy_poll());
    let refused = || refused_login_context(config, &lookup.source, &user, &key_endpoint);
    let pipelined = config.get_pipeline_login().then(refused);
    let result = budget
        .run(
            Some(config.get_connect_timeout()),
            "authentication",
            authenticate(&mut conn, &user, password, pipelined, notices),
        )
        .await;
    match result {
        Ok(()) if config.get_pipeline_login() => {
            tracing::debug!(endpoint = %conn.label, user, "login goes with the first request");
            Ok(conn)
        }
        Ok(()) => {
            tracing::debug!(endpoint = %conn.label, user, "authenticated");
            Ok(conn)
        }
        Err(e) if e.kind() == ErrorKind::Authentication => Err(e.with_context(refused())),
        Err(e) => Err(e),
    }
}

/// What an authentication error says about the login that was refused.
fn refused_login_context(
    config: &Config,
    source: &PasswordSource,
    user: &str,
    key_endpoint: &Endpoint,
) -> String {
    match source {
        PasswordSource::NotFound => {
            let file = config
                .pcppass_path()
                .map(|p| format!(" in {}", p.display()))
                .unwrap_or_default();
            format!(
                "as user \"{user}\": no password was given and no matching .pcppass entry was found{file} for {}:{}:{user}",
                key_endpoint.pcppass_host(),
                key_endpoint.port()
            )
        }
        PasswordSource::File(path) => {
            format!(
                "as user \"{user}\" with the password from {}",
                path.display()
            )
        }
        PasswordSource::Explicit => format!("as user \"{user}\""),
    }
}

/// Dials and logs in to one endpoint.
async fn connect_endpoint(
    config: &Config,
    endpoint: &Endpoint,
    budget: &Budget,
    notices: &mut Notices,
    warnings: &mut Vec<String>,
) -> Result<Connection> {
    let mut retried = false;
    loop {
        let stream = dial(endpoint, budget, config.get_connect_timeout()).await?;
        let result = login(
            stream,
            config,
            Some(endpoint),
            endpoint.to_string(),
            budget,
            notices,
            warnings,
        )
        .await;
        match result {
            // Pgpool restarts its PCP listener after each failover/failback, and a session
            // accepted just then can be dropped without a word. Only the login was sent, so
            // one more try is safe.
            Err(e) if !retried && is_silent_drop(&e) => {
                tracing::debug!(%endpoint, "login dropped without a server message ({e}); retrying once");
                retried = true;
                tokio::time::sleep(DROPPED_LOGIN_PAUSE).await;
            }
            other => return other,
        }
    }
}

/// How long to wait before the one retry of a login dropped without a word (Pgpool's PCP
/// listener restarting after a failover).
pub(crate) const DROPPED_LOGIN_PAUSE: Duration = Duration::from_millis(100);

/// A login that ended because the connection went away, not because the server said no.
pub(crate) fn is_silent_drop(e: &Error) -> bool {
    e.as_server_error().is_none() && matches!(e.kind(), ErrorKind::Closed | ErrorKind::Io)
}

/// A session ready for commands, and what connecting produced on the way.
#[derive(Debug)]
pub(crate) struct Established {
    pub(crate) conn: Connection,
    pub(crate) warnings: Vec<String>,
}

/// Whether the Pgpool behind `conn` is the watchdog leader (its own node, listed first for
/// id -1, is in state LEADER).
async fn is_watchdog_leader(
    conn: &mut Connection,
    config: &Config,
    budget: &Budget,
    notices: &mut Notices,
) -> Result<bool> {
    let request = Request::WatchdogInfo {
        node: NodeSelector::All,
    };
    let reply = budget
        .run(config.get_request_timeout(), "watchdog info", async {
            conn.send(&request).await?;
            conn.read_reply(WatchdogInfoReader, notices).await
        })
        .await?;
    match reply {
        Ok(info) => Ok(info
            .nodes
            .first()
            .is_some_and(|local| local.state == WatchdogState::Leader)),
        Err(msg) if msg.closes_connection() => {
            Err(Error::server(pcp_proto::Command::WatchdogInfo, msg))
        }
        Err(msg) => {
            tracing::debug!(endpoint = %conn.label, "watchdog info refused: {msg}");
            Ok(false)
        }
    }
}

/// Connects to the configured endpoints according to the endpoint selection.
pub(crate) async fn establish(
    config: &Config,
    budget: &Budget,
    notices: &mut Notices,
) -> Result<Established> {
    let endpoints = config.get_endpoints();
    let mut warnings = Vec::new();
    let mut failures: Vec<(Endpoint, Error)> = Vec::new();
    let mut fallback: Option<Connection> = None;
    let prefer_leader = config.get_endpoint_selection() == EndpointSelection::PreferWatchdogLeader
        && endpoints.len() > 1;
    for endpoint in &endpoints {
        let mut conn = match connect_endpoint(config, endpoint, budget, notices, &mut warnings)
            .await
        {
            Ok(conn) => conn,
            Err(e) if e.kind() == ErrorKind::Authentication || e.kind() == ErrorKind::Config => {
                // A refused login is not an unreachable server: do not try the others.
                return Err(e.with_context(format!("at {endpoint}")));
            }
            Err(e) => {
                tracing::debug!(%endpoint, "cannot connect: {e}");
                failures.push((endpoint.clone(), e));
                continue;
            }
        };
        if !prefer_leader {
            return Ok(Established { conn, warnings });
        }
        match is_watchdog_leader(&mut conn, config, budget, notices).await {
            Ok(true) => {
                tracing::debug!(%endpoint, "watchdog leader found");
                if let Some(other) = fallback.take() {
                    let _ = other.terminate(config.get_connect_timeout()).await;
                }
                return Ok(Established { conn, warnings });
            }
            Ok(false) => {
                if fallback.is_none() {
                    fallback = Some(conn);
                } else {
                    let _ = conn.terminate(config.get_connect_timeout()).await;
                }
            }
            Err(e) => {
                tracing::debug!(%endpoint, "watchdog probe failed: {e}");
                failures.push((endpoint.clone(), e));
            }
        }
    }
    if let Some(conn) = fallback {
        tracing::debug!(endpoint = %conn.label, "no watchdog leader found; using the first reachable endpoint");
        return Ok(Established { conn, warnings });
    }
    Err(combine(failures))
}

/// One error for "no endpoint could be used".
fn combine(mut failures: Vec<(Endpoint, Error)>) -> Error {
    if failures.len() == 1 {
        if let Some((endpoint, e)) = failures.pop() {
            return e.with_context(format!("cannot connect to {endpoint}"));
        }
    }
    let kind = match failures.first() {
        Some((_, first)) if failures.iter().all(|(_, e)| e.kind() == first.kind()) => first.kind(),
        _ => ErrorKind::Io,
    };
    let text = failures
        .iter()
        .map(|(endpoint, e)| format!("{endpoint}: {e}"))
        .collect::<Vec<_>>()
        .join("; ");
    if failures.is_empty() {
        return Error::config("no endpoint to connect to");
    }
    Error::other(kind, format!("cannot connect to any endpoint: {text}")).fatal()
}

/// Authenticates over an already open stream (any `AsyncRead + AsyncWrite`, e.g. an in-memory
/// pipe in tests) and returns a client for it.
///
/// The user, password (`.pcppass` is looked up for the first configured endpoint), limits and
/// frame size come from `config`. Such a client cannot reconnect: once the session is lost,
/// calls fail with [`ErrorKind::Closed`].
pub async fn connect_raw<S>(stream: S, config: &Config) -> Result<Client>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let budget = Budget::new(config.get_overall_timeout());
    let mut notices = Notices::new(config.get_max_notices());
    let mut warnings = Vec::new();
    let conn = login(
        stream,
        config,
        None,
        "stream".to_owned(),
        &budget,
        &mut notices,
        &mut warnings,
    )
    .await?;
    Ok(Client::from_parts(
        config.clone(),
        conn,
        false,
        notices,
        warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// The first address refuses; the second one is used (libpcp gives up after the first).
    #[tokio::test]
    async fn every_address_is_tried_in_turn() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let refusing: SocketAddr = format!("127.0.0.2:{port}").parse().unwrap();
        let good = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move { listener.accept().await.map(|(_, a)| a) });
        let stream = connect_tcp_addrs(&[refusing, good], Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), good);
        assert!(stream.nodelay().unwrap());
        accept.await.unwrap().unwrap();

        let err = connect_tcp_addrs(&[refusing], Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.to_string().contains("127.0.0.2"), "{err}");
    }
}
