//! Fault injection ([`Faults`](crate::Faults)) as a middleware of the Vitrina and portal routes: 503
//! answers, latency, and dropped connections (the request's connection is closed without an
//! answer, so the client sees a transport error, never an answer).
//!
//! Only the routes this middleware wraps are faulted: the sandbox (`/sandbox/...`), which is how an
//! operator changes or lifts the faults, never is. A connection is dropped through [`Cut`], the
//! connection's switch that the listener ([`FaultyListener`]) hands every request: once thrown,
//! the connection fails its next read or write, and hyper closes it without writing anything.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::envelope;
use crate::codes;
use crate::state::Shared;

/// Marks the response of a request whose connection was dropped, for the journal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

/// Draws whether this request's connection is dropped and, if so, cuts it: the answer returned
/// then is never written. `None` when the request is to be served. Without a [`Cut`] (the router
/// served by someone else, [`Emulator::router`](crate::Emulator::router)) nothing is dropped.
pub(crate) fn drop_connection(shared: &Shared, request: &Request) -> Option<Response> {
    let ConnectInfo(cut) = request.extensions().get::<ConnectInfo<Cut>>()?;
    if !shared.draw_drop() {
        return None;
    }
    tracing::debug!(path = request.uri().path(), "fault injection: closing the connection without an answer");
    cut.0.store(true, Ordering::Release);
    let mut response = Response::default();
    response.extensions_mut().insert(Dropped);
    Some(response)
}

/// Middleware of the Vitrina routes: drops a drawn share of connections, delays the answer by the
/// configured latency, and replaces a drawn share of answers by 503 «Выполняются технические
/// работы» (the request is then not processed at all).
pub(crate) async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Some(dropped) = drop_connection(&shared, &request) {
        return dropped;
    }
    let (unavailable, latency) = shared.draw_answer_faults();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if unavailable {
        return envelope::failure(
            503,
            codes::UNAVAILABLE,
            "Выполняются технические работы, отправка данных приостановлена до окончания работ.",
        );
    }
    next.run(request).await
}

/// The switch of one connection: thrown by [`drop_connection`], it makes the connection fail.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cut(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, FaultyListener>> for Cut {
    fn connect_info(stream: IncomingStream<'_, FaultyListener>) -> Self {
        stream.io().cut.clone()
    }
}

/// A connection that fails every read and write once its [`Cut`] is thrown.
#[derive(Debug)]
pub(crate) struct FaultyStream {
    inner: TcpStream,
    cut: Cut,
}

impl FaultyStream {
    fn check(&self) -> io::Result<()> {
        if self.cut.0.load(Ordering::Acquire) {
            Err(io::Error::new(io::ErrorKind::ConnectionAborted, "fault injection: connection dropped"))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for FaultyStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultyStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The emulator's listener: every accepted connection gets its [`Cut`].
pub(crate) struct FaultyListener {
    pub inner: TcpListener,
}

impl axum::serve::Listener for FaultyListener {
    type Io = FaultyStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (inner, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        (FaultyStream { inner, cut: Cut::default() }, addr)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
