//! Settings of the [`WebhookService`](crate::WebhookService).

use std::time::Duration;

use crate::AllowList;

/// Limits, deadline and access rules of the webhook service.
///
/// ```
/// use std::time::Duration;
/// use fer_webhook::WebhookConfig;
/// let config = WebhookConfig { deadline: Duration::from_secs(8), ..WebhookConfig::default() };
/// assert_eq!(config.body_limit, 64 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// How long the vendor's handler may take before the service answers status 18 on its behalf.
    /// The gateway waits at most 10 seconds ([`fer_model::GATEWAY_DEADLINE`], section 7); the
    /// default of 9 s leaves a second for the network. Counted from the moment the request
    /// arrives, body reading included.
    pub deadline: Duration,
    /// The largest request body accepted as sent (compressed or not), in bytes; larger bodies get
    /// 413. A booking request is about 1 KiB; the default is 64 KiB.
    pub body_limit: usize,
    /// The largest body accepted after gzip decompression, in bytes (guards against gzip bombs);
    /// larger bodies get 413. Default 1 MiB.
    pub decompressed_limit: usize,
    /// Source addresses allowed to call; `None` (the default) allows every address. When set, a
    /// call whose peer address is unknown is refused too. The address checked is the TCP peer's:
    /// behind a reverse proxy, filter at the proxy, or put the client's address into the request
    /// as a [`RemoteAddr`](crate::RemoteAddr) extension yourself.
    pub allow_list: Option<AllowList>,
    /// The path the webhook is mounted under, without a trailing slash: with `"/fer"` the routes
    /// are `/fer/booking/book` and `/fer/booking/cancel`. Default `""`.
    pub base_path: String,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            deadline: Duration::from_secs(9),
            body_limit: 64 * 1024,
            decompressed_limit: 1024 * 1024,
            allow_list: None,
            base_path: String::new(),
        }
    }
}

/// Connection-level limits of every server fer-webhook offers ([`serve`](crate::serve),
/// [`serve_with`](crate::serve_with) and, for an axum application,
/// [`adapters::axum::serve`](crate::adapters::axum::serve)): one type, one accept loop.
///
/// The webhook faces the internet; these bound what a peer that never finishes a request can hold:
///
/// * a **header-read timeout**: a client that has not sent a whole request head this long after
///   the connection opened or its previous answer is disconnected (slowloris);
/// * an **idle timeout**: a kept-alive connection with no request in flight for this long is
///   closed (with HTTP/1.1 the header-read timer also runs while a kept-alive connection waits for
///   its next request, so there the shorter of the two applies);
/// * a **cap on concurrent connections**, with **eviction of idle ones**: a newcomer that finds
///   [`max_connections`](Self::max_connections) connections open takes the place of the one that
///   has had no request in flight for the longest, counted from its accept or from its last
///   answer (a connection that never sent a whole request head, a slowloris one, or a kept-alive
///   one between requests), which is closed at once. A connection with a request in flight (from
///   its complete head until its answer is sent) is never evicted; when every connection has one,
///   the server stops accepting and new connections wait in the kernel's listen backlog (refused
///   by the kernel when it is full) until one finishes. So idle or slowloris connections, from any
///   address, cannot keep the gateway's call out; they only take each other's places;
/// * the **allow-list** of the [`WebhookConfig`] applied right after `accept`, when the peer's
///   address is known: an unlisted peer is disconnected before anything is read from it and takes
///   no connection's place (the per-request check of the service stays, with its 403);
/// * a **listen backlog** large enough for a flood: bind with [`bind`](crate::bind) (4,096,
///   [`LISTEN_BACKLOG`](crate::LISTEN_BACKLOG)) rather than tokio's `TcpListener::bind` (1,024),
///   so that connections arriving faster than they are accepted do not overflow the kernel's queue
///   and push the gateway's connection attempt out;
/// * **HTTP/1.1 only** unless [`http2`](Self::http2) is set: the gateway speaks HTTP/1.1, and an
///   unused protocol is attack surface (`axum::serve` serves cleartext HTTP/2 as soon as any crate
///   of the build turns on hyper-util's `http2` feature, reqwest's does);
/// * a **drain deadline** on shutdown: requests in progress get [`shutdown_grace`](Self::shutdown_grace)
///   to finish, then remaining connections are dropped, so a half-sent request cannot hold the
///   process.
///
/// These protect the process, not the host: every connection, even one that never sends a byte,
/// costs a file descriptor and kernel memory until it is evicted or a timeout closes it, a peer
/// that keeps [`max_connections`](Self::max_connections) requests in flight at once (slow
/// uploads of whole heads and bodies) still makes newcomers wait, and a SYN flood never reaches
/// the process at all. Put a TCP-level filter in front of the webhook (a firewall that
/// admits only the gateway's addresses, or a reverse proxy with its own limits).
///
/// ```
/// use std::time::Duration;
/// use fer_webhook::ServeConfig;
/// let config = ServeConfig { max_connections: 64, ..ServeConfig::default() };
/// assert_eq!(config.header_read_timeout, Duration::from_secs(10));
/// assert!(!config.http2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// How long a client may take to send a request head, counted from the connection's opening
    /// or its previous answer. Default 10 s (a request head is a few hundred bytes).
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no request in flight. Default 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once. Default 512. A newcomer beyond it evicts the connection idle the
    /// longest (no request in flight); when every connection has a request in flight, newcomers
    /// wait in the listen backlog until one finishes or closes.
    /// Each is one task and a few kilobytes of buffers; keep it under the open-files limit
    /// (`ulimit -n`) with room for the MIS's own files and database connections.
    pub max_connections: usize,
    /// On shutdown, how long requests in progress may take to finish before their connections are
    /// dropped. Default 10 s, the gateway's own deadline ([`fer_model::GATEWAY_DEADLINE`]): a call
    /// that arrived before the signal can still be answered.
    pub shutdown_grace: Duration,
    /// Serve HTTP/2 (cleartext, by prior knowledge) besides HTTP/1.1. Default `false`.
    pub http2: bool,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            shutdown_grace: fer_model::GATEWAY_DEADLINE,
            http2: false,
        }
    }
}
