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
