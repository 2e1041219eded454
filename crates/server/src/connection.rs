//! Serving connections within the server's limits: a request's headers must arrive
//! within the header-read timeout, a connection idle between requests is closed after
//! the idle timeout, and at most `max_connections` are served at once (the rest wait in
//! the listen queue). Each request carries its peer's address as
//! `ConnectInfo<SocketAddr>`. On shutdown no connection is accepted, requests in
//! flight finish, and idle connections close.
//!
//! hyper's own header-read timeout also runs while a kept-alive connection waits for
//! its next request, which would make the idle timeout no longer than the header one;
//! so both are kept here, by watching what each connection reads and serves.
//!
//! A request whose head hyper cannot parse (a malformed request line or header, a URI
//! or headers over hyper's limits) never reaches our code: hyper answers it itself,
//! with an empty 400, 414 or 431, and closes the connection. Whatever hyper writes
//! while reading a head, with no response of ours under way, is such an answer; it is
//! replaced here by the problem+json of its status, so clients parse one error format
//! there too.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::http::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;
use tower_http::request_id::MakeRequestId;

use crate::error::{self, ApiError, PROBLEM_JSON};
use crate::limits::Limits;

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then
/// waits for the connections still open to finish their requests.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.get()));
    let timeouts = Timeouts {
        header: limits.header_read_timeout,
        idle: limits.idle_timeout,
    };
    let mut http = http1::Builder::new();
    // Kept by `Activity` instead (see above).
    http.header_read_timeout(None);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    pause_after_accept_error(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            stream,
            peer,
            router: router.clone(),
            http: http.clone(),
            timeouts,
            _permit: permit,
        };
        tokio::spawn(connection.run(graceful.watcher()));
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A connection the peer reset before it was accepted is its own business; running
/// out of file descriptors is the server's, and retrying at once would spin.
async fn pause_after_accept_error(e: &io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept a connection; pausing");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[derive(Debug, Clone, Copy)]
struct Timeouts {
    header: Duration,
    idle: Duration,
}

struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: http1::Builder,
    timeouts: Timeouts,
    /// The connection's place among `max_connections`, given back when it closes.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(self, watcher: Watcher) {
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            stream: self.stream,
            activity: activity.clone(),
            own_answer: None,
        });
        let (router, peer, serving) = (self.router, self.peer, activity.clone());
        let service = service_fn(move |mut request: Request<Incoming>| {
            let busy = Busy::begin(&serving);
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = router.clone().oneshot(request);
            let responding = Responding::begin(&serving);
            async move {
                let response: Result<Response, Infallible> = response.await;
                drop(busy);
                // Until its body is written, what hyper writes is this response.
                response.map(|r| {
                    r.map(|body| {
                        Body::new(Tracked {
                            body,
                            _responding: responding,
                        })
                    })
                })
            }
        });
        let connection = watcher.watch(self.http.serve_connection(io, service));
        tokio::select! {
            result = connection => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
            }
            () = activity.expired(self.timeouts) => {
                tracing::debug!(%peer, "closed a connection slow to send its headers or idle too long");
            }
        }
    }
}

/// What a connection is doing, and since when.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Reading a request's headers, from its first byte (a new connection's first
    /// request, from connecting).
    Head(Instant),
    /// Serving a request.
    Busy,
    /// Between requests, since the last byte read or written.
    Idle(Instant),
}

/// A connection's phase, told by its reads and writes and the requests it serves.
struct Activity {
    phase: Mutex<Phase>,
    /// Responses of ours not yet written whole.
    responding: Mutex<Responses>,
    /// Woken when a deadline may come sooner than the one being waited for.
    changed: Notify,
}

impl Activity {
    fn new() -> Self {
        Activity {
            phase: Mutex::new(Phase::Head(Instant::now())),
            responding: Mutex::new(Responses::default()),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether what is written now is hyper's own answer to a head it could not parse:
    /// reading a head, and no response of ours under way.
    fn hyper_answers(&self) -> bool {
        matches!(*self.phase(), Phase::Head(_)) && self.responses().under_way == 0
    }

    fn responses(&self) -> MutexGuard<'_, Responses> {
        self.responding.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What hyper had to write is on the socket: responses whose bodies it has taken
    /// whole are written.
    fn flushed(&self) {
        let mut responses = self.responses();
        responses.under_way = responses.under_way.saturating_sub(responses.ended);
        responses.ended = 0;
    }

    /// Bytes arrived: between requests, they begin the next request's headers.
    fn read(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
            self.changed.notify_one();
        }
    }

    /// Bytes left: between requests, the connection is not idle yet.
    fn wrote(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Idle(Instant::now());
        }
    }

    /// Completes when the connection has taken longer than it may in its phase.
    async fn expired(&self, timeouts: Timeouts) {
        loop {
            let deadline = match *self.phase() {
                Phase::Head(since) => Some(since + timeouts.header),
                Phase::Idle(since) => Some(since + timeouts.idle),
                Phase::Busy => None,
            };
            match deadline {
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        () = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }
}

/// A request being served: the connection is busy until it is dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Busy {
        *activity.phase() = Phase::Busy;
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.phase() = Phase::Idle(Instant::now());
        self.0.changed.notify_one();
    }
}

/// Responses of ours on a connection: `under_way` from their requests until written,
/// of which `ended` have had their bodies taken whole by hyper (which may still hold
/// their last bytes until it flushes).
#[derive(Debug, Default)]
struct Responses {
    under_way: usize,
    ended: usize,
}

/// A response of ours under way, from its request to the end of its body.
struct Responding(Arc<Activity>);

impl Responding {
    fn begin(activity: &Arc<Activity>) -> Responding {
        activity.responses().under_way += 1;
        Responding(activity.clone())
    }
}

impl Drop for Responding {
    fn drop(&mut self) {
        self.0.responses().ended += 1;
    }
}

/// A response body that says when it is done (hyper drops it once written).
struct Tracked {
    body: Body,
    /// Held until the body is dropped.
    _responding: Responding,
}

impl hyper::body::Body for Tracked {
    type Data = <Body as hyper::body::Body>::Data;
    type Error = <Body as hyper::body::Body>::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The problem+json answer to put in place of hyper's own, which begins `hyper`
/// (`HTTP/1.1 431 Request Header Fields Too Large`...), with a request id of its own.
fn own_answer(hyper: &[u8]) -> Vec<u8> {
    let status = hyper
        .get(9..12)
        .and_then(|code| StatusCode::from_bytes(code).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    let id = crate::RequestIds
        .make_request_id(&Request::new(()))
        .and_then(|id| id.into_header_value().to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    tracing::info!(request_id = %id, status = status.as_u16(), "refused a request whose head could not be read");
    let mut problem = ApiError::of_status(status).into_problem();
    problem.instance = Some(error::instance(&id));
    let body = problem.body();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n{}: {id}\r\n\
         x-content-type-options: nosniff\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        crate::REQUEST_ID,
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// The connection's socket, telling its `Activity` of every read and write, and
/// answering in hyper's place when hyper answers a head it could not parse.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
    /// Our answer in hyper's place, and how much of it is written; once begun, what
    /// hyper writes is dropped.
    own_answer: Option<(Vec<u8>, usize)>,
}

impl Watched {
    fn wrote(&self, polled: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    /// Writes our answer in place of hyper's `len` bytes beginning with `first`, if
    /// hyper is answering by itself; `None` when the bytes are a response of ours.
    fn answer_instead(&mut self, cx: &mut Context<'_>, first: &[u8], len: usize) -> Option<Poll<io::Result<usize>>> {
        if self.own_answer.is_none() {
            if !(first.starts_with(b"HTTP/1.") && self.activity.hyper_answers()) {
                return None;
            }
            self.own_answer = Some((own_answer(first), 0));
        }
        let (answer, written) = self.own_answer.as_mut()?;
        while *written < answer.len() {
            match Pin::new(&mut self.stream).poll_write(cx, &answer[*written..]) {
                Poll::Ready(Ok(0)) => return Some(Poll::Ready(Err(io::ErrorKind::WriteZero.into()))),
                Poll::Ready(Ok(n)) => *written += n,
                other => return Some(other),
            }
        }
        Some(Poll::Ready(Ok(len)))
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if let Some(answered) = self.answer_instead(cx, buf, buf.len()) {
            return answered;
        }
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.wrote(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        let len = bufs.iter().map(|b| b.len()).sum();
        if let Some(answered) = self.answer_instead(cx, first, len) {
            return answered;
        }
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.wrote(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.stream).poll_flush(cx);
        if matches!(polled, Poll::Ready(Ok(()))) {
            self.activity.flushed();
        }
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
