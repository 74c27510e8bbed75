//! A scriptable fake PCP server built on pcp-proto's server side.
//!
//! It listens on `127.0.0.1:0` (and, if asked, on `<dir>/.s.PGSQL.<port>`), runs the salted
//! MD5 login against one configured user, then answers each request with [`Action`]s: from a
//! queue of one-shot scripts, from a handler closure, or from the [`Model`] of a Pgpool
//! release. Every decoded request is recorded.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use pcp_proto::auth::auth_hash;
use pcp_proto::{FrameDecoder, Reply, Request, ServerMessage, Version};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::{AbortHandle, JoinHandle};

use crate::model::{fatal, Model};

/// One step of the server's answer to a request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Action {
    /// What the [`Model`] answers for this request.
    Default,
    /// A typed reply, encoded as the server would.
    Reply(Reply),
    /// An `E` frame; FATAL and PANIC also close the connection afterwards.
    Error(ServerMessage),
    /// An `N` frame.
    Notice(ServerMessage),
    /// Bytes written as they are.
    Raw(Bytes),
    /// Waits before the next action.
    Sleep(Duration),
    /// Writes the rest of this answer one byte at a time, pausing this long between bytes.
    Trickle(Duration),
    /// Closes the connection at once.
    Close,
    /// Sends nothing for this request (like `F`); later requests are still answered.
    Silence,
    /// Stops reading: the connection stays open and nothing more is ever sent.
    Hang,
}

/// A request the server received, and on which connection (numbered from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Connection number, in accept order from 1.
    pub connection: usize,
    /// The decoded request.
    pub request: Request,
}

/// Decides the answer to a request; `None` falls back to the scripts and the model. It also
/// sees the login requests (`M`, `R`), where `None` means the normal login.
pub type Handler = dyn Fn(&Request, &Model) -> Option<Vec<Action>> + Send + Sync;

struct State {
    model: Model,
    seen: Vec<Seen>,
    scripts: VecDeque<Vec<Action>>,
    connections: usize,
    tasks: Vec<AbortHandle>,
}

struct Shared {
    user: String,
    password: String,
    handler: Option<Box<Handler>>,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Builds a [`FakeServer`].
pub struct FakeServerBuilder {
    user: String,
    password: String,
    model: Model,
    handler: Option<Box<Handler>>,
    socket_dir: Option<PathBuf>,
}

impl FakeServerBuilder {
    /// The user that may log in (default `pcpadmin`).
    pub fn user(mut self, user: &str) -> Self {
        self.user = user.to_owned();
        self
    }

    /// Its password (default `secret`).
    pub fn password(mut self, password: &str) -> Self {
        self.password = password.to_owned();
        self
    }

    /// Answers as this release (replaces the model with [`Model::new`]).
    pub fn version(mut self, version: Version) -> Self {
        self.model = Model::new(version);
        self
    }

    /// The model to answer from.
    pub fn model(mut self, model: Model) -> Self {
        self.model = model;
        self
    }

    /// A handler consulted first for every request.
    pub fn handler(
        mut self,
        handler: impl Fn(&Request, &Model) -> Option<Vec<Action>> + Send + Sync + 'static,
    ) -> Self {
        self.handler = Some(Box::new(handler));
        self
    }

    /// Also listens on the Unix socket `<dir>/.s.PGSQL.<tcp port>`.
    pub fn unix_socket_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.socket_dir = Some(dir.into());
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let unix = match &self.socket_dir {
            Some(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", addr.port()));
                let _ = std::fs::remove_file(&path);
                Some(UnixListener::bind(&path)?)
            }
            None => None,
        };
        let shared = Arc::new(Shared {
            user: self.user,
            password: self.password,
            handler: self.handler,
            state: Mutex::new(State {
                model: self.model,
                seen: Vec::new(),
                scripts: VecDeque::new(),
                connections: 0,
                tasks: Vec::new(),
            }),
        });
        let tcp_shared = Arc::clone(&shared);
        let mut acceptors = vec![tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                spawn_connection(&tcp_shared, stream);
            }
        })];
        if let Some(unix) = unix {
            let unix_shared = Arc::clone(&shared);
            acceptors.push(tokio::spawn(async move {
                while let Ok((stream, _)) = unix.accept().await {
                    spawn_connection(&unix_shared, stream);
                }
            }));
        }
        Ok(FakeServer {
            addr,
            socket_dir: self.socket_dir,
            shared,
            acceptors,
        })
    }
}

/// A running fake server; stops (and closes every connection) when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    socket_dir: Option<PathBuf>,
    shared: Arc<Shared>,
    acceptors: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .field("socket_dir", &self.socket_dir)
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// A builder with user `pcpadmin`, password `secret` and a Pgpool 4.3 model.
    pub fn builder() -> FakeServerBuilder {
        FakeServerBuilder {
            user: "pcpadmin".into(),
            password: "secret".into(),
            model: Model::new(Version::new(4, 3)),
            handler: None,
            socket_dir: None,
        }
    }

    /// Starts a server answering as `version` with the default credentials.
    pub async fn start(version: Version) -> std::io::Result<FakeServer> {
        Self::builder().version(version).start().await
    }

    /// The TCP address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The TCP port (also the number in the Unix socket's name).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The Unix socket directory, if one was asked for.
    pub fn socket_dir(&self) -> Option<&Path> {
        self.socket_dir.as_deref()
    }

    /// The user that may log in.
    pub fn user(&self) -> &str {
        &self.shared.user
    }

    /// Its password.
    pub fn password(&self) -> &str {
        &self.shared.password
    }

    /// Every request received so far, login requests included.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().seen.clone()
    }

    /// The requests received so far, without the login requests (`M`, `R`).
    pub fn requests(&self) -> Vec<Request> {
        self.seen()
            .into_iter()
            .map(|s| s.request)
            .filter(|r| !matches!(r, Request::Salt | Request::Authenticate { .. }))
            .collect()
    }

    /// The tags of [`requests`](FakeServer::requests), as a string (e.g. `"LI"`).
    pub fn request_tags(&self) -> String {
        self.requests()
            .iter()
            .map(|r| char::from(r.tag()))
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_seen(&self) {
        self.shared.lock().seen.clear();
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// Queues a one-shot answer for the next request after login (on any connection).
    pub fn push_script(&self, actions: Vec<Action>) {
        self.shared.lock().scripts.push_back(actions);
    }

    /// Changes the model.
    pub fn update_model(&self, change: impl FnOnce(&mut Model)) {
        change(&mut self.shared.lock().model);
    }

    /// A copy of the model.
    pub fn model(&self) -> Model {
        self.shared.lock().model.clone()
    }

    /// Serves one connection over an already open stream (e.g. one end of
    /// `tokio::io::duplex`), as if it had been accepted.
    pub fn attach<S>(&self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        spawn_connection(&self.shared, stream);
    }

    /// Closes every open connection (as a restarted Pgpool would) but keeps listening.
    pub fn kill_connections(&self) {
        for task in self.shared.lock().tasks.drain(..) {
            task.abort();
        }
    }

    /// Stops listening and closes every connection.
    pub fn shutdown(&mut self) {
        for acceptor in self.acceptors.drain(..) {
            acceptor.abort();
        }
        self.kill_connections();
        if let Some(dir) = &self.socket_dir {
            let _ = std::fs::remove_file(dir.join(format!(".s.PGSQL.{}", self.addr.port())));
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn spawn_connection<S>(shared: &Arc<Shared>, stream: S)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let number = {
        let mut state = shared.lock();
        state.connections += 1;
        state.connections
    };
    let task_shared = Arc::clone(shared);
    let task = tokio::spawn(async move {
        let _ = serve(task_shared, stream, number).await;
    });
    let mut state = shared.lock();
    state.tasks.retain(|t| !t.is_finished());
    state.tasks.push(task.abort_handle());
}

/// What to do after an answer.
enum Next {
    Continue,
    Close,
    Hang,
}

/// Writes `bytes`, all at once or one byte at a time.
async fn write<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    trickle: Option<Duration>,
) -> std::io::Result<()> {
    match trickle {
        None => stream.write_all(bytes).await,
        Some(pause) => {
            for byte in bytes {
                stream.write_all(std::slice::from_ref(byte)).await?;
                stream.flush().await?;
                tokio::time::sleep(pause).await;
            }
            Ok(())
        }
    }
}

async fn perform<S: AsyncWrite + Unpin>(
    stream: &mut S,
    actions: Vec<Action>,
    request: &Request,
    shared: &Shared,
) -> std::io::Result<Next> {
    let mut trickle = None;
    let mut queue: VecDeque<Action> = actions.into();
    while let Some(action) = queue.pop_front() {
        let mut buf = BytesMut::new();
        match action {
            Action::Default => {
                let expanded = shared.lock().model.reply(request);
                for a in expanded.into_iter().rev() {
                    if !matches!(a, Action::Default) {
                        queue.push_front(a);
                    }
                }
                continue;
            }
            Action::Reply(reply) => reply.encode(&mut buf).map_err(std::io::Error::other)?,
            Action::Error(msg) | Action::Notice(msg) => {
                msg.encode(&mut buf).map_err(std::io::Error::other)?;
                let closes = msg.closes_connection();
                write(stream, &buf, trickle).await?;
                stream.flush().await?;
                if closes {
                    return Ok(Next::Close);
                }
                continue;
            }
            Action::Raw(bytes) => buf.extend_from_slice(&bytes),
            Action::Sleep(pause) => {
                stream.flush().await?;
                tokio::time::sleep(pause).await;
                continue;
            }
            Action::Trickle(pause) => {
                trickle = Some(pause);
                continue;
            }
            Action::Close => return Ok(Next::Close),
            Action::Silence => continue,
            Action::Hang => {
                stream.flush().await?;
                return Ok(Next::Hang);
            }
        }
        write(stream, &buf, trickle).await?;
    }
    stream.flush().await?;
    Ok(Next::Continue)
}

/// A salt with a NUL and a high byte in it, different per connection.
fn salt_for(connection: usize, round: u32) -> [u8; 4] {
    let n = u8::try_from(connection % 256).unwrap_or(0);
    let r = u8::try_from(round % 256).unwrap_or(0);
    [0xee, n, 0x00, 0x81 ^ r]
}

async fn serve<S>(shared: Arc<Shared>, mut stream: S, connection: usize) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let decoder = FrameDecoder::with_max_len(259);
    let mut input = BytesMut::new();
    let mut authenticated = false;
    let mut salt: Option<[u8; 4]> = None;
    let mut rounds = 0u32;
    loop {
        let frame = loop {
            match decoder.decode(&mut input) {
                Ok(Some(frame)) => break frame,
                Ok(None) => {}
                Err(e) => {
                    let msg = fatal("invalid PCP packet", &e.to_string());
                    perform(
                        &mut stream,
                        vec![Action::Error(msg)],
                        &Request::Noop,
                        &shared,
                    )
                    .await?;
                    return Ok(());
                }
            }
            if stream.read_buf(&mut input).await? == 0 {
                return Ok(());
            }
        };
        let request = match Request::decode(&frame) {
            Ok(request) => request,
            Err(e) => {
                let msg = fatal("invalid PCP packet", &e.to_string());
                perform(
                    &mut stream,
                    vec![Action::Error(msg)],
                    &Request::Noop,
                    &shared,
                )
                .await?;
                return Ok(());
            }
        };
        let (custom, scripted) = {
            let mut state = shared.lock();
            state.seen.push(Seen {
                connection,
                request: request.clone(),
            });
            let custom = shared
                .handler
                .as_ref()
                .and_then(|h| h(&request, &state.model));
            let is_login = matches!(request, Request::Salt | Request::Authenticate { .. });
            let scripted = if custom.is_none() && authenticated && !is_login {
                state.scripts.pop_front()
            } else {
                None
            };
            (custom, scripted)
        };
        let actions = match (custom, scripted, &request) {
            (Some(actions), _, _) | (None, Some(actions), _) => actions,
            (None, None, Request::Salt) => {
                rounds += 1;
                let new = salt_for(connection, rounds);
                salt = Some(new);
                vec![Action::Reply(Reply::Salt(new))]
            }
            (None, None, Request::Authenticate { user, hash }) => {
                let expected = salt
                    .take()
                    .map(|s| auth_hash(&shared.user, &shared.password, s));
                if *user == shared.user && expected.as_deref() == Some(hash.as_str()) {
                    authenticated = true;
                    vec![Action::Reply(Reply::AuthenticationOk)]
                } else {
                    vec![Action::Error(fatal(
                        &format!("authentication failed for user \"{user}\""),
                        "username and/or password does not match",
                    ))]
                }
            }
            (None, None, _) if !authenticated => vec![Action::Error(fatal(
                "authentication failed for new PCP connection",
                "connection not authorized",
            ))],
            (None, None, _) => vec![Action::Default],
        };
        match perform(&mut stream, actions, &request, &shared).await? {
            Next::Continue => {}
            Next::Close => {
                let _ = stream.shutdown().await;
                return Ok(());
            }
            Next::Hang => {
                std::future::pending::<()>().await;
            }
        }
    }
}
