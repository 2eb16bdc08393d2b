//! Fault injection ([`Faults`](crate::Faults)): 503 answers and latency as a middleware of the
//! Vitrina routes, dropped connections in the listener (a connection is accepted and closed before
//! anything is read, so the client sees a transport error, never an answer).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::net::{TcpListener, TcpStream};

use super::envelope;
use crate::codes;
use crate::state::Shared;

/// Middleware: delays the answer by the configured latency, and replaces a drawn share of answers
/// by 503 «Выполняются технические работы» (the request is then not processed at all).
pub(crate) async fn inject(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
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

/// The emulator's listener: accepts connections and closes a drawn share of them unanswered.
pub(crate) struct FaultyListener {
    pub inner: TcpListener,
    pub shared: Arc<Shared>,
}

impl axum::serve::Listener for FaultyListener {
    type Io = TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            if self.shared.draw_drop() {
                tracing::debug!(%addr, "fault injection: closing the connection without an answer");
                drop(stream);
                continue;
            }
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
