//! Every route of the integration as data, declared once: the client builds its requests from it,
//! the emulator routes from it, and the OpenAPI documents are generated from it (sans-IO: no HTTP
//! types here, only methods, path templates and what they carry).
//!
//! Path templates use `{name}` for a path parameter, the syntax of both OpenAPI and axum. Where the
//! profile spells one address two ways, [`Endpoint::path`] is the form fer-rs sends and
//! [`Endpoint::aliases`] the other spellings, which the emulator also serves (a real peer may use
//! either):
//!
//! | endpoint | sent | also accepted |
//! |---|---|---|
//! | [`MO_BY_OID`] | `/api/mo/oid/{oid}` (the example) | `/api/oid/{oid}` (the address row) |
//! | [`SLOTS_OF_RESOURCE`] | `/api/resourse/{resourse_id}/slots` (the profile's spelling) | `/api/resource/{resource_id}/slots` |
//!
//! ```
//! use fer_model::endpoint::{self, Method};
//! use fer_model::Table;
//!
//! assert_eq!(endpoint::MO_BY_OID.render(&["1.2.643.5.1.13.13.12.2.77.7777"]), "/api/mo/oid/1.2.643.5.1.13.13.12.2.77.7777");
//! let upsert = endpoint::table(Table::Slot, Method::Post);
//! assert_eq!((upsert.method, upsert.path), (Method::Post, "/api/slot"));
//! assert!(endpoint::VITRINA.iter().all(|e| e.path.starts_with('/')));
//! ```

use crate::Table;

/// The HTTP method of an endpoint (the four the integration uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name as HTTP writes it, e.g. `"GET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// The method's name in lowercase, as OpenAPI keys operations (`"get"`).
    pub const fn as_openapi_key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
        }
    }
}

impl core::fmt::Display for Method {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the integration serves an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The Vitrina (through the FER gateway): the MIS calls it.
    Vitrina,
    /// The MIS's webhook: the gateway calls it.
    Webhook,
}

/// What an endpoint is for: the key by which code picks one out (a `match` on it is exhaustive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /auth.svc`: log in with the MO OID and password, get a token.
    Login,
    /// `POST /api/<table>`: add or update records (`{"data": [...]}`).
    Upsert(Table),
    /// `GET /api/<table>?id=`: one record.
    Get(Table),
    /// `DELETE /api/<table>?id=`: delete one record and its cascade.
    Delete(Table),
    /// The subdivisions of an MO by its OID.
    MoByOid,
    /// The resources of a subdivision.
    ResourcesOfMo,
    /// The slots of a resource over a date range.
    SlotsOfResource,
    /// The books of a slot.
    BooksOfSlot,
    /// Register a webhook.
    CallbackRegister,
    /// Read the registered webhook.
    CallbackRead,
    /// Change the registered webhook's address.
    CallbackUpdate,
    /// Delete the registered webhook.
    CallbackDelete,
    /// Ask the gateway whether it can reach a webhook address.
    CallbackCheck,
    /// The gateway's probe of a webhook before registration (`GET /booking/book`, expects 200).
    WebhookProbe,
    /// The gateway books a slot on the MIS.
    WebhookBook,
    /// The gateway cancels a booking on the MIS.
    WebhookCancel,
}

/// One route: method, path template, the other spellings the profile uses, and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// What the endpoint is for.
    pub operation: Operation,
    /// Who serves it.
    pub side: Side,
    /// The HTTP method.
    pub method: Method,
    /// The path template fer-rs sends, `{name}` for a path parameter.
    pub path: &'static str,
    /// Other spellings of the same address in the profile, served by the emulator too.
    pub aliases: &'static [&'static str],
    /// The query parameters it takes, by wire name (`id`, `startDate`, …).
    pub query: &'static [&'static str],
    /// Whether it needs `Authorization: Bearer <token>`.
    pub bearer: bool,
    /// A one-line summary, in English (the OpenAPI documents' `summary`).
    pub summary: &'static str,
    /// The profile's section that describes it, by name.
    pub section: &'static str,
}

const fn vitrina(operation: Operation, method: Method, path: &'static str, summary: &'static str) -> Endpoint {
    Endpoint {
        operation,
        side: Side::Vitrina,
        method,
        path,
        aliases: &[],
        query: &[],
        bearer: true,
        summary,
        section: "Описание API сервиса интеграции",
    }
}

/// `POST /auth.svc`: the login (the only Vitrina call without a token).
pub const LOGIN: Endpoint = Endpoint {
    bearer: false,
    section: "Авторизация",
    ..vitrina(Operation::Login, Method::Post, "/auth.svc", "Log in with the MO OID and password; answers a token")
};

/// `GET /api/mo/oid/{oid}`: the subdivisions of an MO (the address row of the profile spells it
/// `/api/oid/{oid}`, its example `/api/mo/oid/…`; both are served, the example's is sent).
pub const MO_BY_OID: Endpoint = Endpoint {
    aliases: &["/api/oid/{oid}"],
    ..vitrina(Operation::MoByOid, Method::Get, "/api/mo/oid/{oid}", "The subdivisions of an MO by its OID")
};

/// `GET /api/mo/{mo_id}/resource`: the resources of a subdivision.
pub const RESOURCES_OF_MO: Endpoint =
    vitrina(Operation::ResourcesOfMo, Method::Get, "/api/mo/{mo_id}/resource", "The resources of a subdivision");

/// `GET /api/resourse/{resourse_id}/slots?startDate=&endDate=`: the slots of a resource (the profile
/// spells the segment `resourse`; the usual spelling is served too).
pub const SLOTS_OF_RESOURCE: Endpoint = Endpoint {
    aliases: &["/api/resource/{resource_id}/slots"],
    query: &["startDate", "endDate"],
    ..vitrina(
        Operation::SlotsOfResource,
        Method::Get,
        "/api/resourse/{resourse_id}/slots",
        "The slots of a resource between two dates",
    )
};

/// `GET /api/slot/{slot_id}/books`: the books of a slot.
pub const BOOKS_OF_SLOT: Endpoint =
    vitrina(Operation::BooksOfSlot, Method::Get, "/api/slot/{slot_id}/books", "The books of a slot");

const CALLBACK_PATH: &str = "/api/callback";

/// `POST /api/callback`: register a webhook (`{"address", "depart_oid"?}`).
pub const CALLBACK_REGISTER: Endpoint = Endpoint {
    section: "Ответный сервис",
    ..vitrina(Operation::CallbackRegister, Method::Post, CALLBACK_PATH, "Register the MIS webhook")
};

/// `GET /api/callback[?depart_oid=]`: the registered webhook.
pub const CALLBACK_READ: Endpoint = Endpoint {
    query: &["depart_oid"],
    section: "Ответный сервис",
    ..vitrina(Operation::CallbackRead, Method::Get, CALLBACK_PATH, "The registered webhook")
};

/// `PUT /api/callback`: change the webhook's address (same body as the registration; the profile
/// writes the update as a GET with `address`, which the emulator accepts too).
pub const CALLBACK_UPDATE: Endpoint = Endpoint {
    section: "Ответный сервис",
    ..vitrina(Operation::CallbackUpdate, Method::Put, CALLBACK_PATH, "Change the webhook's address")
};

/// `DELETE /api/callback[?depart_oid=]`: delete the webhook of the MO or of one subdivision.
pub const CALLBACK_DELETE: Endpoint = Endpoint {
    query: &["depart_oid"],
    section: "Ответный сервис",
    ..vitrina(Operation::CallbackDelete, Method::Delete, CALLBACK_PATH, "Delete the webhook")
};

/// `GET /api/callback/check?address=`: can the gateway reach this address?
pub const CALLBACK_CHECK: Endpoint = Endpoint {
    query: &["address"],
    section: "Ответный сервис",
    ..vitrina(Operation::CallbackCheck, Method::Get, "/api/callback/check", "Check that the gateway reaches a webhook")
};

const BOOK_PATH: &str = "/booking/book";

const fn webhook(operation: Operation, method: Method, path: &'static str, summary: &'static str) -> Endpoint {
    Endpoint {
        operation,
        side: Side::Webhook,
        method,
        path,
        aliases: &[],
        query: &[],
        bearer: false,
        summary,
        section: "Сервис бронирования и отмены записи на прием",
    }
}

/// `GET /booking/book`: the gateway's probe before it registers a webhook (answer 200).
pub const WEBHOOK_PROBE: Endpoint = Endpoint {
    section: "Ответный сервис",
    ..webhook(Operation::WebhookProbe, Method::Get, BOOK_PATH, "The gateway's reachability probe")
};

/// `POST /booking/book`: the gateway books a slot.
pub const WEBHOOK_BOOK: Endpoint = webhook(Operation::WebhookBook, Method::Post, BOOK_PATH, "Book a slot");

/// `POST /booking/cancel`: the gateway cancels a booking.
pub const WEBHOOK_CANCEL: Endpoint =
    webhook(Operation::WebhookCancel, Method::Post, "/booking/cancel", "Cancel a booking");

/// The three operations of one table: `POST`, `GET ?id=`, `DELETE ?id=` at [`Table::path`].
pub const fn table(table: Table, method: Method) -> Endpoint {
    match method {
        Method::Post => vitrina(Operation::Upsert(table), Method::Post, table.path(), "Add or update records"),
        Method::Get => {
            Endpoint { query: &["id"], ..vitrina(Operation::Get(table), Method::Get, table.path(), "One record by id") }
        }
        // A table has no PUT: POST adds and updates. Asking for it gives the DELETE, the only other one.
        Method::Delete | Method::Put => Endpoint {
            query: &["id"],
            ..vitrina(Operation::Delete(table), Method::Delete, table.path(), "Delete a record and its cascade")
        },
    }
}

/// The methods a table's address serves.
pub const TABLE_METHODS: [Method; 3] = [Method::Post, Method::Get, Method::Delete];

/// Every Vitrina endpoint that is not a table's (the tables' are [`table`] of each [`Table`]).
pub const VITRINA: &[Endpoint] = &[
    LOGIN,
    MO_BY_OID,
    RESOURCES_OF_MO,
    SLOTS_OF_RESOURCE,
    BOOKS_OF_SLOT,
    CALLBACK_REGISTER,
    CALLBACK_READ,
    CALLBACK_UPDATE,
    CALLBACK_DELETE,
    CALLBACK_CHECK,
];

/// Every endpoint of the MIS's webhook.
pub const WEBHOOK: &[Endpoint] = &[WEBHOOK_PROBE, WEBHOOK_BOOK, WEBHOOK_CANCEL];

/// Every Vitrina endpoint, the tables' included, in a stable order (tables in [`Table::LOAD_ORDER`]).
pub fn all_vitrina() -> Vec<Endpoint> {
    let tables = Table::LOAD_ORDER.into_iter().flat_map(|t| TABLE_METHODS.map(|m| table(t, m)));
    VITRINA.iter().copied().chain(tables).collect()
}

impl Endpoint {
    /// Every spelling of the address: [`path`](Self::path) first, then the aliases.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> {
        core::iter::once(self.path).chain(self.aliases.iter().copied())
    }

    /// The names of the path parameters, in order (`["resourse_id"]` for [`SLOTS_OF_RESOURCE`]).
    pub fn path_params(&self) -> Vec<&'static str> {
        params_of(self.path).collect()
    }

    /// The path with each `{parameter}` replaced by the next of `values`, in order. Values are
    /// inserted as they are: callers pass ids (GUIDs, OIDs) that need no escaping.
    ///
    /// # Panics
    ///
    /// When `values` does not hold exactly one value per path parameter: that is a bug in the
    /// caller, never a matter of input.
    pub fn render(&self, values: &[&str]) -> String {
        let mut out = String::with_capacity(self.path.len() + values.iter().map(|v| v.len()).sum::<usize>());
        let mut rest = self.path;
        let mut values = values.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            out.push_str(&rest[..open]);
            out.push_str(values.next().expect("a value for every path parameter"));
            rest = rest.get(close + 1..).unwrap_or("");
        }
        assert!(values.next().is_none(), "more values than path parameters in {}", self.path);
        out.push_str(rest);
        out
    }
}

fn params_of(path: &'static str) -> impl Iterator<Item = &'static str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_route_is_declared_once() {
        let mut seen = HashSet::new();
        for e in all_vitrina().iter().chain(WEBHOOK) {
            for path in e.paths() {
                assert!(seen.insert((e.method, path)), "{} {path} is declared twice", e.method);
            }
        }
        // 10 non-table routes + 2 aliases, 3 per table, 3 webhook routes.
        assert_eq!(seen.len(), 10 + 2 + 3 * Table::ALL.len() + 3);
    }

    #[test]
    fn aliases_take_the_same_parameters() {
        for e in all_vitrina() {
            for alias in e.aliases {
                assert_eq!(params_of(alias).count(), e.path_params().len(), "{alias}");
            }
        }
    }

    #[test]
    fn render_fills_parameters_in_order() {
        assert_eq!(BOOKS_OF_SLOT.render(&["abc"]), "/api/slot/abc/books");
        assert_eq!(SLOTS_OF_RESOURCE.render(&["r"]), "/api/resourse/r/slots");
        assert_eq!(LOGIN.render(&[]), "/auth.svc");
        assert_eq!(SLOTS_OF_RESOURCE.path_params(), ["resourse_id"]);
        const { assert!(!LOGIN.bearer && MO_BY_OID.bearer) };
    }

    #[test]
    #[should_panic(expected = "a value for every path parameter")]
    fn render_without_a_value_is_a_caller_bug() {
        BOOKS_OF_SLOT.render(&[]);
    }

    #[test]
    fn tables_have_their_three_operations() {
        for t in Table::ALL {
            let ops: Vec<_> = TABLE_METHODS.iter().map(|m| table(*t, *m).operation).collect();
            assert_eq!(ops, [Operation::Upsert(*t), Operation::Get(*t), Operation::Delete(*t)]);
            assert_eq!(table(*t, Method::Post).path, t.path());
        }
    }
}
