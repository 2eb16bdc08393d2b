//! Ways to mount the [`WebhookService`](crate::WebhookService), each behind a cargo feature. All of
//! them call the same pipeline, [`WebhookService::handle_body`](crate::WebhookService::handle_body).

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "tower")]
pub mod tower;
