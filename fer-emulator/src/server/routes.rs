//! The Vitrina's routes, registered from [`fer_model::endpoint`]: every declared endpoint, at each
//! spelling of its address ([`Endpoint::paths`]), under the method it declares. Nothing here spells
//! a path; [`handler`] is the one exhaustive match from an [`Operation`] to the emulator's handler,
//! so an operation added to the model is a compile error here until the emulator serves it.

use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodFilter, MethodRouter, on};
use fer_model::endpoint::{self, Endpoint, Method, Operation, Side};

use super::{auth, callback, lists, tables};
use crate::state::Shared;

/// The Vitrina's routes: those without a token (the login) and those behind the token check
/// (`/api/...`), each endpoint of [`endpoint::all_vitrina`] at every spelling of its address.
pub(crate) struct VitrinaRoutes {
    /// Routes that take no token ([`Endpoint::bearer`] false).
    pub(crate) open: Router<Arc<Shared>>,
    /// Routes that need `Authorization: Bearer <token>`.
    pub(crate) bearer: Router<Arc<Shared>>,
}

/// Every Vitrina endpoint routed to its handler.
pub(crate) fn vitrina() -> VitrinaRoutes {
    let mut routes = VitrinaRoutes { open: Router::new(), bearer: Router::new() };
    for e in endpoint::all_vitrina() {
        let Some(handler) = handler(&e) else { continue };
        for path in e.paths() {
            // Routes of one path under different methods are merged by axum.
            let router = if e.bearer { &mut routes.bearer } else { &mut routes.open };
            *router = std::mem::take(router).route(path, handler.clone());
        }
    }
    routes
}

/// The axum filter of a declared method.
const fn filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// The emulator's handler of an endpoint, under the endpoint's method; `None` for the webhook's
/// endpoints, which the MIS serves, not the Vitrina.
pub(crate) fn handler(e: &Endpoint) -> Option<MethodRouter<Arc<Shared>>> {
    let method = filter(e.method);
    let router = match e.operation {
        Operation::Login => on(method, auth::login),
        Operation::Upsert(table) => tables::upsert_route(method, table),
        Operation::Get(table) => tables::get_route(method, table),
        Operation::Delete(table) => tables::delete_route(method, table),
        Operation::MoByOid => on(method, lists::mo_by_oid),
        Operation::ResourcesOfMo => on(method, lists::resources_of_mo),
        Operation::SlotsOfResource => on(method, lists::slots_of_resource),
        Operation::BooksOfSlot => on(method, lists::books_of_slot),
        Operation::CallbackRegister => on(method, callback::write::<false>),
        // The read also takes the profile's update written as a GET with `address`.
        Operation::CallbackRead => on(method, callback::get_or_update),
        Operation::CallbackUpdate => on(method, callback::write::<true>),
        Operation::CallbackDelete => on(method, callback::remove),
        Operation::CallbackCheck => on(method, callback::check),
        Operation::WebhookProbe | Operation::WebhookBook | Operation::WebhookCancel => return None,
    };
    debug_assert_eq!(e.side, Side::Vitrina);
    Some(router)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use fer_model::Guid;
    use serde_json::Value;

    use super::*;
    use crate::{Emulator, EmulatorConfig};

    #[test]
    fn the_vitrina_serves_every_vitrina_endpoint_and_no_webhook_one() {
        for e in endpoint::all_vitrina() {
            assert!(handler(&e).is_some(), "{} {} has no handler", e.method, e.path);
        }
        for e in endpoint::WEBHOOK {
            assert!(handler(e).is_none(), "{} {} is the webhook's", e.method, e.path);
        }
    }

    /// A value for a path parameter that the handler accepts as well formed.
    fn value_of(param: &str) -> String {
        if param == "oid" { "1.2.643.5.1.13.13.12.2.77.7777".to_owned() } else { Guid::new_v4().to_string() }
    }

    fn render(template: &str) -> String {
        template
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => value_of(param),
                None => segment.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    const METHODS: [Method; 4] = [Method::Get, Method::Post, Method::Put, Method::Delete];

    struct Peer {
        http: reqwest::Client,
        base: String,
        token: String,
    }

    impl Peer {
        async fn start() -> (crate::EmulatorHandle, Peer) {
            let emu = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
            let http = reqwest::Client::new();
            let base = emu.base_url();
            let login = serde_json::json!({"username": emu.username().as_str(), "password": emu.password()});
            let answer = http.post(format!("{base}{}", endpoint::LOGIN.path)).body(login.to_string()).send().await;
            let answer: Value = serde_json::from_slice(&answer.unwrap().bytes().await.unwrap()).unwrap();
            let token = answer["Result"]["Value"].as_str().unwrap().to_owned();
            (emu, Peer { http, base, token })
        }

        /// The status of a call and whether it is the router's own 404 (no route for the address).
        async fn call(&self, method: Method, path: &str) -> (u16, bool) {
            let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
            let answer = self
                .http
                .request(method, format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap_or(Value::Null);
            let unrouted = status == 404 && body["error"]["errorMessage"] == format!("Адрес {path} не найден");
            (status, unrouted)
        }
    }

    #[tokio::test]
    async fn every_declared_endpoint_is_routed_under_its_method_only() {
        let (_emu, peer) = Peer::start().await;
        for e in endpoint::all_vitrina() {
            for template in e.paths() {
                let path = render(template);
                let (status, unrouted) = peer.call(e.method, &path).await;
                assert!(!unrouted && status != 405, "{} {template} is not routed ({status})", e.method);
            }
        }
        // A method that no endpoint of an address declares is 405, never served.
        let declared: HashSet<(Method, &str)> =
            endpoint::all_vitrina().iter().flat_map(|e| e.paths().map(move |p| (e.method, p))).collect();
        for (_, template) in &declared {
            for method in METHODS.into_iter().filter(|m| !declared.contains(&(*m, *template))) {
                let (status, _) = peer.call(method, &render(template)).await;
                assert_eq!(status, 405, "{method} {template} is served but not declared");
            }
        }
    }

    #[tokio::test]
    async fn nothing_undeclared_is_routed_under_api() {
        let (_emu, peer) = Peer::start().await;
        let id = Guid::new_v4();
        let undeclared = [
            "/api".to_owned(),
            "/api/".to_owned(),
            "/api/unknown".to_owned(),
            "/api/slots".to_owned(),
            "/api/auth.svc".to_owned(),
            "/api/oid".to_owned(),
            "/api/mo/oid".to_owned(),
            format!("/api/mo/{id}"),
            format!("/api/mo/{id}/resources"),
            format!("/api/mo/{id}/slots"),
            format!("/api/slot/{id}"),
            format!("/api/slot/{id}/book"),
            format!("/api/resource/{id}"),
            format!("/api/resource/{id}/books"),
            format!("/api/resourse/{id}"),
            format!("/api/resourse/{id}/slot"),
            "/api/callback/checks".to_owned(),
            "/api/callback/check/more".to_owned(),
            "/api/booking/book".to_owned(),
        ];
        for path in &undeclared {
            for method in METHODS {
                let (status, unrouted) = peer.call(method, path).await;
                assert!(unrouted, "{method} {path} is routed ({status}) but no endpoint declares it");
            }
        }
    }
}
