//! One open PCP session: the framed stream, writing requests and reading one reply at a time,
//! plus the time limits and the notice buffer shared by [`crate::Client`] and the connect code.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use pcp_proto::{Exchange, Progress, ReplyReader, Request, ServerMessage, Severity};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_util::codec::Framed;

use crate::busy_poll::{Wait, WaitChooser};
use crate::codec::PcpCodec;
use crate::config::Endpoint;
use crate::error::{fmt_duration, Error, Result};

/// A byte stream a session can run over: TCP, Unix socket, or an in-memory pipe in tests.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// The notices kept until the caller takes them; the oldest are dropped past the bound.
#[derive(Debug)]
pub(crate) struct Notices {
    items: VecDeque<ServerMessage>,
    max: usize,
    dropped: u64,
}

impl Notices {
    pub(crate) fn new(max: usize) -> Self {
        Notices {
            items: VecDeque::new(),
            max,
            dropped: 0,
        }
    }

    /// Logs a notice and keeps it.
    pub(crate) fn push(&mut self, notice: ServerMessage) {
        let detail = notice.detail.as_deref().unwrap_or("");
        match notice.severity {
            Severity::Warning => tracing::warn!(
                severity = %notice.severity, detail, "pcp notice: {}", notice.message
            ),
            Severity::Debug | Severity::Log => tracing::debug!(
                severity = %notice.severity, detail, "pcp notice: {}", notice.message
            ),
            _ => tracing::info!(
                severity = %notice.severity, detail, "pcp notice: {}", notice.message
            ),
        }
        if self.max == 0 {
            self.dropped += 1;
            return;
        }
        while self.items.len() >= self.max {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(notice);
    }

    pub(crate) fn take(&mut self) -> Vec<ServerMessage> {
        self.items.drain(..).collect()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// The time left for one public call, and the step limits inside it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    deadline: Option<(Instant, Duration)>,
}

impl Budget {
    pub(crate) fn new(overall: Option<Duration>) -> Self {
        Budget {
            deadline: overall.map(|d| (Instant::now() + d, d)),
        }
    }

    /// Runs `fut` within `step` (if any) and within the overall deadline (if any). A step that
    /// runs out gives a fatal [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) naming `what`.
    pub(crate) async fn run<T>(
        &self,
        step: Option<Duration>,
        what: &str,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let remaining = self
            .deadline
            .map(|(at, _)| at.saturating_duration_since(Instant::now()));
        let (limit, overall) = match (step, remaining) {
            (None, None) => return fut.await,
            (Some(s), None) => (s, false),
            (None, Some(r)) => (r, true),
            (Some(s), Some(r)) if r < s => (r, true),
            (Some(s), Some(_)) => (s, false),
        };
        match tokio::time::timeout(limit, fut).await {
            Ok(result) => result,
            Err(_) if overall => {
                let total = self.deadline.map(|(_, d)| d).unwrap_or(limit);
                Err(Error::timeout(
                    &format!("{what} (overall limit of {})", fmt_duration(total)),
                    total,
                )
                .fatal())
            }
            Err(_) => Err(Error::timeout(what, limit).fatal()),
        }
    }
}

/// An open (and, once returned by the connect code, authenticated) PCP session.
pub(crate) struct Connection {
    framed: Framed<Box<dyn Transport>, PcpCodec>,
    /// For logs and messages: the endpoint, or `stream` for raw connections.
    pub(crate) label: String,
    pub(crate) endpoint: Option<Endpoint>,
    /// When the session was opened (Pgpool's worker took its view of the backends then).
    pub(crate) opened_at: std::time::Instant,
    /// The login was written (or buffered) but its verdict not read yet
    /// ([`Config::pipeline_login`](crate::Config::pipeline_login)): what to say if the server
    /// refuses it.
    pending_login: Option<String>,
    /// Whether to poll for a reply or sleep ([`crate::Config::busy_poll`]).
    wait_chooser: Option<WaitChooser>,
    /// Whether a reply was read on this session yet (the first comes after Pgpool's fork).
    replied_before: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub(crate) fn new<S: Transport>(
        stream: S,
        max_frame_len: usize,
        label: String,
        endpoint: Option<Endpoint>,
    ) -> Self {
        let stream: Box<dyn Transport> = Box::new(stream);
        Connection {
            framed: Framed::new(stream, PcpCodec::new(max_frame_len)),
            label,
            endpoint,
            opened_at: std::time::Instant::now(),
            pending_login: None,
            wait_chooser: None,
            replied_before: false,
        }
    }

    /// Polls for replies for up to `limit` before sleeping, when that pays
    /// ([`crate::Config::busy_poll`]).
    pub(crate) fn set_busy_poll(&mut self, limit: Option<Duration>) {
        self.wait_chooser = limit.map(WaitChooser::new);
    }

    /// The next frame. When it has to be waited for (not for the session's first reply, which
    /// comes after Pgpool's fork), the session's [`WaitChooser`] decides between polling the
    /// socket for a while and sleeping: each `yield_now` lets the runtime's I/O driver look at
    /// the socket without the thread sleeping.
    async fn next_frame(&mut self) -> Option<std::result::Result<pcp_proto::Frame, Error>> {
        if let Some(ready) = self.framed.next().now_or_never() {
            return ready;
        }
        let Some(chooser) = self.wait_chooser.as_mut().filter(|_| self.replied_before) else {
            return self.framed.next().await;
        };
        let way = chooser.choose();
        let start = std::time::Instant::now();
        let item = match way {
            Wait::Poll(limit) => loop {
                tokio::task::yield_now().await;
                if let Some(ready) = self.framed.next().now_or_never() {
                    break ready;
                }
                if start.elapsed() >= limit {
                    break self.framed.next().await;
                }
            },
            Wait::Sleep => self.framed.next().await,
        };
        if let Some(chooser) = self.wait_chooser.as_mut() {
            chooser.record(way, start.elapsed());
        }
        item
    }

    /// Leaves the login's verdict to be read before the first reply; `refused` is the context
    /// of the error if the server refuses the login.
    pub(crate) fn defer_login_verdict(&mut self, refused: String) {
        self.pending_login = Some(refused);
    }

    /// Whether the login's verdict has not been read yet.
    pub(crate) fn login_pending(&self) -> bool {
        self.pending_login.is_some()
    }

    /// Reads the verdict of a pipelined login, if one is pending. A refusal or a lost session
    /// is a fatal error: the session is unusable and the request after the login was not run.
    pub(crate) async fn read_login_verdict(&mut self, notices: &mut Notices) -> Result<()> {
        let Some(refused) = self.pending_login.take() else {
            return Ok(());
        };
        match self.read_frames(pcp_proto::AuthReader, notices).await {
            Ok(Ok(())) => {
                tracing::debug!(endpoint = %self.label, "authenticated");
                Ok(())
            }
            Ok(Err(msg)) => Err(Error::authentication(msg)
                .with_context(refused)
                .with_context(format!("at {}", self.label))),
            Err(e) => Err(e.with_context("during authentication")),
        }
    }

    /// Writes one request and flushes it.
    pub(crate) async fn send(&mut self, request: &Request) -> Result<()> {
        self.framed.send(request).await.map_err(Error::fatal)
    }

    /// Buffers one request without writing it yet.
    pub(crate) async fn feed(&mut self, request: &Request) -> Result<()> {
        self.framed.feed(request).await.map_err(Error::fatal)
    }

    /// Writes everything buffered.
    pub(crate) async fn flush(&mut self) -> Result<()> {
        SinkExt::<&Request>::flush(&mut self.framed)
            .await
            .map_err(Error::fatal)
    }

    /// Reads frames until `reader`'s reply is complete. Notices met on the way go to
    /// `notices`. The inner `Err` is the server's ERROR/FATAL report; the outer one means the
    /// stream failed (EOF, socket error, undecodable bytes) and the session is unusable.
    pub(crate) async fn read_reply<R: ReplyReader>(
        &mut self,
        reader: R,
        notices: &mut Notices,
    ) -> Result<Result<R::Output, ServerMessage>> {
        self.read_login_verdict(notices).await?;
        self.read_frames(reader, notices).await
    }

    /// [`Connection::read_reply`] without the pending login.
    async fn read_frames<R: ReplyReader>(
        &mut self,
        reader: R,
        notices: &mut Notices,
    ) -> Result<Result<R::Output, ServerMessage>> {
        let command = reader.command();
        let mut exchange = Exchange::new(reader);
        loop {
            let frame = match self.next_frame().await {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Err(e.fatal()),
                None => {
                    return Err(Error::closed(format!(
                        "the server closed the connection before the {command} reply was complete"
                    )))
                }
            };
            let progress = exchange.handle_frame(&frame).map_err(Error::protocol);
            for notice in exchange.take_notices() {
                notices.push(notice);
            }
            if let Progress::Done(result) = progress? {
                self.replied_before = true;
                return Ok(result);
            }
        }
    }

    /// Checks, without waiting, that the server has not closed the session while it was idle.
    /// Notices that arrived late are kept; anything else unexpected means the session cannot
    /// be trusted. Nothing is sent, so reconnecting after `false` is always safe.
    pub(crate) fn check_alive(&mut self, notices: &mut Notices) -> bool {
        loop {
            match self.framed.next().now_or_never() {
                None => return true,
                Some(None) => return false,
                Some(Some(Err(e))) => {
                    tracing::debug!(endpoint = %self.label, "idle connection failed: {e}");
                    return false;
                }
                Some(Some(Ok(frame))) if frame.tag == pcp_proto::NOTICE_TAG => {
                    notices.push(ServerMessage::decode(&frame.payload));
                }
                Some(Some(Ok(frame))) if frame.tag == pcp_proto::ERROR_TAG => {
                    let msg = ServerMessage::decode(&frame.payload);
                    tracing::debug!(endpoint = %self.label, "unsolicited server error: {msg}");
                    return false;
                }
                Some(Some(Ok(frame))) => {
                    tracing::debug!(
                        endpoint = %self.label,
                        tag = %frame.tag_char(),
                        "unsolicited frame on an idle connection"
                    );
                    return false;
                }
            }
        }
    }

    /// Sends `X` and closes the stream. A server that already hung up is not an error.
    pub(crate) async fn terminate(mut self, limit: Duration) -> Result<()> {
        let result = tokio::time::timeout(limit, async {
            self.send(&Request::Terminate).await?;
            self.framed.get_mut().shutdown().await.map_err(Error::io)
        })
        .await;
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if e.kind() == crate::ErrorKind::Closed => Ok(()),
            Ok(Err(e)) => match std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .map(std::io::Error::kind)
            {
                Some(
                    std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::NotConnected,
                ) => Ok(()),
                _ => Err(e),
            },
            Err(_) => Err(Error::timeout("closing the connection", limit)),
        }
    }
}
