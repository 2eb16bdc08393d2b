//! The Vitrina's contents: `/` (the organisations, the tables' sizes, the webhooks, the freshness
//! of uploads), `/org/{oid}` (an organisation's subdivisions), `/mo/{id}` (a subdivision's
//! resources) and `/resource/{id}?day=YYYY-MM-DD` (a resource's day: its slots coloured by status,
//! each with its books and the time it became visible as it is).
//!
//! Each page is gathered under the store's lock into a small view (bounded: a page of rows), then
//! rendered off the lock.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use fer_model::{Book, Guid, Mo, Oid, Resource, ResourceKind, Slot, SlotStatus, Table};

use super::html::{E, age, at_system, pager};
use crate::store::Store;

/// Rows on one page of a list (organisations, subdivisions, resources).
pub(crate) const ROWS_PER_PAGE: usize = 50;
/// Slots shown for one day of one resource.
pub(crate) const SLOTS_PER_DAY: usize = 500;
/// Days offered around the chosen one on a resource's page.
const DAYS_AROUND: usize = 30;
/// Webhooks listed on the overview.
const WEBHOOKS_SHOWN: usize = 50;

/// Slots by status, in the order of [`SlotStatus::ALL`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts(pub [usize; SlotStatus::ALL.len()]);

impl Counts {
    fn add(&mut self, status: SlotStatus) {
        self.0[status as usize] += 1;
    }

    fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The counts as badges, the empty ones left out.
    fn badges(&self) -> String {
        let mut out = String::new();
        for (status, n) in SlotStatus::ALL.iter().zip(self.0) {
            if n > 0 {
                let name = status.as_str().to_ascii_lowercase();
                let _ = write!(out, "<span class=\"badge st-{}\">{} {n}</span> ", E(status), E(name));
            }
        }
        if out.is_empty() { "<span class=\"muted\">—</span>".to_owned() } else { out }
    }
}

fn legend() -> String {
    let mut out = String::from("<div class=\"legend small\">");
    for status in SlotStatus::ALL {
        let _ = write!(out, "<span class=\"badge st-{0}\">{0}</span>", E(status));
    }
    out.push_str("</div>");
    out
}

/// A resource's name as a person reads it: the doctor, the machine or the room.
pub(crate) fn resource_name(r: &Resource) -> String {
    match &r.kind {
        ResourceKind::Specialist(s) => {
            let mut name = format!("{} {}", s.last_name, s.first_name);
            if let Some(middle) = &s.middle_name {
                name.push(' ');
                name.push_str(middle);
            }
            name
        }
        ResourceKind::Machine { machine_name } => machine_name.clone(),
        ResourceKind::Room { room_number, room_name } => format!("{room_number} {room_name}"),
    }
}

/// A resource's type and codes: `SPECIALIST · post 110 · speciality 27`.
fn resource_kind(r: &Resource) -> String {
    match &r.kind {
        ResourceKind::Specialist(s) => {
            format!("SPECIALIST · post {} · speciality {}", s.post_id, s.speciality_id)
        }
        kind => kind.resource_type().as_str().to_owned(),
    }
}

/// One organisation on the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrgRow {
    /// The organisation (`mo.parent_id`).
    pub oid: Oid,
    /// Its subdivisions.
    pub subdivisions: usize,
    /// Their resources.
    pub resources: usize,
    /// Their slots by status.
    pub slots: Counts,
}

/// What `/` shows.
#[derive(Debug, Clone)]
pub(crate) struct Overview {
    /// Rows of every table, in load order.
    pub tables: Vec<(Table, usize)>,
    /// A page of organisations.
    pub orgs: Vec<OrgRow>,
    /// Organisations in all.
    pub orgs_total: usize,
    /// The registered webhooks (organisation, subdivision OID, address), at most
    /// [`WEBHOOKS_SHOWN`], and how many there are.
    pub webhooks: (Vec<(Oid, Option<Oid>, String)>, usize),
}

/// Gathers `/` from the store.
pub(crate) fn overview(store: &Store, offset: usize) -> Overview {
    let t = &store.tables;
    let org_of: HashMap<Guid, &Oid> = t.mo.values().map(|m| (m.id, &m.parent_id)).collect();
    let mut orgs: BTreeMap<&Oid, OrgRow> = BTreeMap::new();
    for m in t.mo.values() {
        orgs.entry(&m.parent_id)
            .or_insert_with(|| OrgRow {
                oid: m.parent_id.clone(),
                subdivisions: 0,
                resources: 0,
                slots: Counts::default(),
            })
            .subdivisions += 1;
    }
    for r in t.resource.values() {
        if let Some(row) = org_of.get(&r.mo_id).and_then(|oid| orgs.get_mut(oid)) {
            row.resources += 1;
        }
    }
    for s in t.slot.values() {
        if let Some(row) = org_of.get(&s.mo_id).and_then(|oid| orgs.get_mut(oid)) {
            row.slots.add(s.status);
        }
    }
    let orgs_total = orgs.len();
    let webhooks = store
        .callbacks
        .iter()
        .take(WEBHOOKS_SHOWN)
        .map(|(k, address)| (k.mo_oid.clone(), k.depart_oid.clone(), address.clone()))
        .collect();
    Overview {
        tables: Table::LOAD_ORDER.iter().map(|&table| (table, t.count(table))).collect(),
        orgs: orgs.into_values().skip(offset).take(ROWS_PER_PAGE).collect(),
        orgs_total,
        webhooks: (webhooks, store.callbacks.len()),
    }
}

/// Renders `/` (the freshness table is rendered by the uploads module and passed in).
pub(crate) fn render_overview(view: &Overview, offset: usize, freshness: &str) -> String {
    let mut out = String::from(
        "<h1>Vitrina</h1><p class=\"muted\">What the emulator holds, as the Vitrina would show it. \
         Organisation → subdivision → resource → a day of slots.</p><div class=\"cards\">",
    );
    for (table, n) in &view.tables {
        let _ = write!(
            out,
            "<div class=\"card\" id=\"count-{}\"><b>{n}</b><span>{}</span><br><span class=\"mono\">{}</span></div>",
            E(table.as_str()),
            E(table.name_ru()),
            E(table.path())
        );
    }
    out.push_str("</div><h2>Organisations</h2>");
    if view.orgs.is_empty() && offset == 0 {
        out.push_str(
            "<p class=\"empty\">Nothing uploaded yet: push subdivisions (<code>POST /api/mo</code>), resources and \
             slots, then reload.</p>",
        );
    } else {
        out.push_str(
            "<table id=\"orgs\"><tr><th>organisation (OID)</th><th class=\"n\">subdivisions</th>\
             <th class=\"n\">resources</th><th class=\"n\">slots</th><th>by status</th></tr>",
        );
        for o in &view.orgs {
            let _ = write!(
                out,
                "<tr><td><a class=\"mono\" href=\"/org/{0}\">{0}</a></td><td class=\"n\">{1}</td>\
                 <td class=\"n\">{2}</td><td class=\"n\">{3}</td><td>{4}</td></tr>",
                E(&o.oid),
                o.subdivisions,
                o.resources,
                o.slots.total(),
                o.slots.badges()
            );
        }
        out.push_str("</table>");
        out.push_str(&pager("/?", offset, ROWS_PER_PAGE, view.orgs_total));
    }
    out.push_str(freshness);
    out.push_str("<h2>Webhooks</h2>");
    let (hooks, total) = &view.webhooks;
    if hooks.is_empty() {
        out.push_str("<p class=\"empty\">No webhook registered (<code>POST /api/callback</code>).</p>");
    } else {
        out.push_str("<table><tr><th>organisation</th><th>subdivision (depart_oid)</th><th>address</th></tr>");
        for (mo, depart, address) in hooks {
            let _ = write!(
                out,
                "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                E(mo),
                depart.as_ref().map_or_else(|| "— (the organisation's)".to_owned(), |d| E(d).to_string()),
                E(address)
            );
        }
        out.push_str("</table>");
        if *total > hooks.len() {
            let _ = write!(out, "<p class=\"muted\">and {} more.</p>", total - hooks.len());
        }
    }
    out
}

/// One subdivision in a list.
#[derive(Debug, Clone)]
pub(crate) struct MoRow {
    /// The row.
    pub mo: Mo,
    /// Blocked by the Vitrina's support (405).
    pub blocked: bool,
    /// Its resources.
    pub resources: usize,
    /// Its slots by status.
    pub slots: Counts,
}

/// What `/org/{oid}` shows: a page of the organisation's subdivisions and how many it has.
pub(crate) fn organisation(store: &Store, oid: &Oid, offset: usize) -> (Vec<MoRow>, usize) {
    let t = &store.tables;
    let mos: Vec<&Mo> = t.mo.values().filter(|m| &m.parent_id == oid).collect();
    let total = mos.len();
    let page: Vec<&Mo> = mos.into_iter().skip(offset).take(ROWS_PER_PAGE).collect();
    let rows = page
        .into_iter()
        .map(|m| MoRow {
            mo: m.clone(),
            blocked: t.is_blocked(&m.id),
            // From the parent index: the page's subdivisions' own rows, no scan of the tables.
            resources: t.children(Table::Mo, m.id, Table::Resource).count(),
            slots: t.children_rows::<Slot>(Table::Mo, m.id).fold(Counts::default(), |mut c, s| {
                c.add(s.status);
                c
            }),
        })
        .collect();
    (rows, total)
}

fn enabled_badge(mo: &Mo, blocked: bool) -> String {
    let mut out = format!(
        "<span class=\"badge {}\">{}</span>",
        if mo.enabled.as_str() == "NONE" { "warn" } else { "ok" },
        E(mo.enabled)
    );
    if blocked {
        out.push_str(
            " <span class=\"badge bad\" title=\"blocked by the Vitrina's support: writes get 405\">blocked</span>",
        );
    }
    out
}

/// Renders `/org/{oid}`.
pub(crate) fn render_organisation(oid: &Oid, rows: &[MoRow], offset: usize, total: usize) -> String {
    let mut out = format!(
        "<div class=\"crumbs\"><a href=\"/\">Vitrina</a> › organisation</div><h1>Organisation <span class=\"oid\">{}</span></h1>\
         <p class=\"muted\">{total} subdivisions</p>",
        E(oid)
    );
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No subdivision of this organisation is on the Vitrina.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"subdivisions\"><tr><th>subdivision</th><th>branch OID</th><th>address</th><th>enabled</th>\
         <th class=\"n\">resources</th><th>slots by status</th></tr>",
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td><a href=\"/mo/{}\">{}</a></td><td class=\"mono small\">{}</td><td class=\"small\">{}</td>\
             <td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            r.mo.id,
            E(&r.mo.name),
            E(&r.mo.branch_oid),
            E(&r.mo.address),
            enabled_badge(&r.mo, r.blocked),
            r.resources,
            r.slots.badges()
        );
    }
    out.push_str("</table>");
    out.push_str(&pager(&format!("/org/{}?", E(oid)), offset, ROWS_PER_PAGE, total));
    out
}

/// One resource in a subdivision's list.
#[derive(Debug, Clone)]
pub(crate) struct ResourceRow {
    /// The row.
    pub resource: Resource,
    /// Its slots by status.
    pub slots: Counts,
    /// Its first and last day with a slot.
    pub days: Option<(NaiveDate, NaiveDate)>,
}

/// What `/mo/{id}` shows: the subdivision, whether it is blocked, its webhook, a page of its
/// resources and how many it has.
pub(crate) struct MoView {
    /// The subdivision.
    pub mo: Mo,
    /// Blocked by the Vitrina's support.
    pub blocked: bool,
    /// The webhook the gateway calls for it.
    pub webhook: Option<String>,
    /// A page of resources.
    pub resources: Vec<ResourceRow>,
    /// Resources in all.
    pub total: usize,
}

/// Gathers `/mo/{id}`; `None` when the subdivision is not on the Vitrina.
pub(crate) fn subdivision(store: &Store, id: &Guid, offset: usize) -> Option<MoView> {
    let t = &store.tables;
    let mo = t.mo.get(id)?.clone();
    let total = t.children(Table::Mo, *id, Table::Resource).count();
    // From the parent index: the page's resources and their own slots, no scan of the tables.
    let resources = t
        .children_rows::<Resource>(Table::Mo, *id)
        .skip(offset)
        .take(ROWS_PER_PAGE)
        .map(|r| {
            let (mut slots, mut days) = (Counts::default(), None::<(NaiveDate, NaiveDate)>);
            for s in t.children_rows::<Slot>(Table::Resource, r.id) {
                slots.add(s.status);
                let day = s.visit_time.date();
                days = Some(days.map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
            }
            ResourceRow { resource: r.clone(), slots, days }
        })
        .collect();
    Some(MoView {
        webhook: store.callback_for(&mo.parent_id, &mo.branch_oid).map(str::to_owned),
        blocked: t.is_blocked(id),
        mo,
        resources,
        total,
    })
}

fn mo_crumbs(mo: &Mo) -> String {
    format!(
        "<div class=\"crumbs\"><a href=\"/\">Vitrina</a> › <a class=\"mono\" href=\"/org/{0}\">{0}</a> › ",
        E(&mo.parent_id)
    )
}

/// Renders `/mo/{id}`.
pub(crate) fn render_subdivision(view: &MoView, offset: usize) -> String {
    let mo = &view.mo;
    let mut out = mo_crumbs(mo);
    let _ = write!(
        out,
        "subdivision</div><h1>{}</h1><table class=\"small\"><tr><th>id</th><td class=\"mono\">{}</td>\
         <th>branch OID</th><td class=\"mono\">{}</td></tr><tr><th>address</th><td>{}</td><th>phone</th><td>{}</td></tr>\
         <tr><th>enabled</th><td>{}</td><th>webhook</th><td class=\"mono\">{}</td></tr></table>",
        E(&mo.name),
        mo.id,
        E(&mo.branch_oid),
        E(&mo.address),
        E(mo.phone.as_deref().unwrap_or("—")),
        enabled_badge(mo, view.blocked),
        E(view.webhook.as_deref().unwrap_or("— (none registered)")),
    );
    let _ = write!(out, "<h2>Resources <span class=\"muted\">({})</span></h2>", view.total);
    if view.resources.is_empty() {
        out.push_str("<p class=\"empty\">No resource of this subdivision is on the Vitrina.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"resources\"><tr><th>resource</th><th>type</th><th>enabled</th><th>days with slots</th>\
         <th class=\"n\">slots</th><th>by status</th></tr>",
    );
    for r in &view.resources {
        let days =
            r.days.map_or_else(|| "—".to_owned(), |(a, b)| if a == b { a.to_string() } else { format!("{a} … {b}") });
        let _ = write!(
            out,
            "<tr><td><a href=\"/resource/{}\">{}</a>{}</td><td class=\"small\">{}</td><td>{}</td><td class=\"small\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td></tr>",
            r.resource.id,
            E(resource_name(&r.resource)),
            r.resource
                .description
                .as_deref()
                .map_or_else(String::new, |d| format!("<div class=\"small muted\">{}</div>", E(d))),
            E(resource_kind(&r.resource)),
            E(r.resource.enabled),
            E(days),
            r.slots.total(),
            r.slots.badges()
        );
    }
    out.push_str("</table>");
    out.push_str(&pager(&format!("/mo/{}?", mo.id), offset, ROWS_PER_PAGE, view.total));
    out
}

/// One slot of a resource's day, with its books and visibility.
#[derive(Debug, Clone)]
pub(crate) struct SlotCard {
    /// The slot.
    pub slot: Slot,
    /// Its books.
    pub books: Vec<Book>,
    /// When it became visible as it is now, and how often it was written (since the start).
    pub visible: Option<(SystemTime, u64)>,
}

/// What `/resource/{id}` shows.
pub(crate) struct ResourceView {
    /// The resource.
    pub resource: Resource,
    /// Its subdivision, when on the Vitrina.
    pub mo: Option<Mo>,
    /// The days with slots around the chosen one, with their slot counts, and whether there are
    /// days before and after those.
    pub days: (Vec<(NaiveDate, usize)>, bool, bool),
    /// The chosen day.
    pub day: Option<NaiveDate>,
    /// Its slots in time order (at most [`SLOTS_PER_DAY`]), and how many it has.
    pub slots: (Vec<SlotCard>, usize),
}

/// Gathers `/resource/{id}` for `day`, by default today when it has slots, else the next day with
/// slots, else the last one; `None` when the resource is not on the Vitrina.
pub(crate) fn resource(store: &Store, id: &Guid, day: Option<NaiveDate>, today: NaiveDate) -> Option<ResourceView> {
    let t = &store.tables;
    let resource = t.resource.get(id)?.clone();
    let mo = t.mo.get(&resource.mo_id).cloned();
    let mut by_day: BTreeMap<NaiveDate, Vec<&Slot>> = BTreeMap::new();
    for s in t.children_rows::<Slot>(Table::Resource, *id) {
        by_day.entry(s.visit_time.date()).or_default().push(s);
    }
    let day =
        day.or_else(|| by_day.range(today..).next().map(|(d, _)| *d).or_else(|| by_day.keys().next_back().copied()));
    let days: Vec<(NaiveDate, usize)> = by_day.iter().map(|(d, s)| (*d, s.len())).collect();
    let at = day.map_or(0, |day| days.partition_point(|(d, _)| *d < day));
    let from = at.saturating_sub(DAYS_AROUND / 2);
    let to = (from + DAYS_AROUND).min(days.len());
    let shown_days = (days[from..to].to_vec(), from > 0, to < days.len());
    let mut slots: Vec<&Slot> = day.and_then(|d| by_day.remove(&d)).unwrap_or_default();
    slots.sort_by_key(|s| (s.visit_time, s.id));
    let total = slots.len();
    slots.truncate(SLOTS_PER_DAY);
    let cards = slots
        .into_iter()
        .map(|s| SlotCard {
            books: t.children_rows::<Book>(Table::Slot, s.id).cloned().collect(),
            visible: t.visibility(Table::Slot, &s.id).map(|v| (v.changed_at, v.writes)),
            slot: s.clone(),
        })
        .collect();
    Some(ResourceView { resource, mo, days: shown_days, day, slots: (cards, total) })
}

/// Renders `/resource/{id}`.
pub(crate) fn render_resource(view: &ResourceView, now: DateTime<Utc>) -> String {
    let r = &view.resource;
    let mut out = match &view.mo {
        Some(mo) => format!("{}<a href=\"/mo/{}\">{}</a> › resource</div>", mo_crumbs(mo), mo.id, E(&mo.name)),
        None => {
            "<div class=\"crumbs\"><a href=\"/\">Vitrina</a> › resource (its subdivision is not on the Vitrina)</div>"
                .to_owned()
        }
    };
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"small muted\">{} · enabled {} · <span class=\"mono\">{}</span></p>",
        E(resource_name(r)),
        E(resource_kind(r)),
        E(r.enabled),
        r.id
    );
    let (days, before, after) = &view.days;
    if days.is_empty() {
        out.push_str("<p class=\"empty\">This resource has no slot on the Vitrina.</p>");
        return out;
    }
    out.push_str("<div class=\"days\">");
    if *before {
        out.push_str("<span class=\"muted\">… </span>");
    }
    for (d, n) in days {
        let on = if Some(*d) == view.day { " class=\"on\"" } else { "" };
        let _ = write!(
            out,
            "<a href=\"/resource/{}?day={d}\"{on}>{} <small>{n}</small></a>",
            r.id,
            E(d.format("%a %d.%m"))
        );
    }
    if *after {
        out.push_str("<span class=\"muted\"> …</span>");
    }
    out.push_str("</div>");
    let (cards, total) = &view.slots;
    if let Some(day) = view.day {
        let _ = write!(out, "<h2>{} <span class=\"muted\">({total} slots)</span></h2>", E(day.format("%A %Y-%m-%d")));
    }
    out.push_str(&legend());
    if cards.is_empty() {
        out.push_str("<p class=\"empty\">No slot on this day.</p>");
        return out;
    }
    out.push_str("<div class=\"grid\" id=\"slots\">");
    for c in cards {
        let s = &c.slot;
        let _ = write!(
            out,
            "<div class=\"slot st-{0}\" id=\"slot-{1}\" data-status=\"{0}\" title=\"slot {1}\"><span class=\"s\">{0}</span>\
             <div class=\"t\">{2}–{3}</div><div class=\"m\">{4} min · {5} · {6}</div>",
            E(s.status),
            s.id,
            E(s.visit_time.naive().format("%H:%M")),
            E(s.end_time().format("%H:%M")),
            s.duration.minutes(),
            E(&s.tag_type),
            E(s.tag_age),
        );
        if let Some((changed, writes)) = c.visible {
            let _ = write!(
                out,
                "<div class=\"m\" title=\"visible as it is since {}\">visible {} ago · {} write{}</div>",
                E(at_system(changed)),
                E(age(now, DateTime::<Utc>::from(changed))),
                writes,
                if writes == 1 { "" } else { "s" }
            );
        }
        if !c.books.is_empty() {
            out.push_str("<ul>");
            for b in &c.books {
                let _ = write!(
                    out,
                    "<li class=\"book\" id=\"book-{0}\" title=\"book {0}\">book {1} {2:?} · {3} · {4} · patient <span class=\"mono\">{5}</span></li>",
                    b.id,
                    b.status_code.code(),
                    b.status_code,
                    E(b.tag_source),
                    E(b.kind),
                    fer_model::redact::MASK,
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</div>");
    }
    out.push_str("</div>");
    if *total > cards.len() {
        let _ = write!(out, "<p class=\"muted\">The first {} of {total} slots of the day are shown.</p>", cards.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use fer_model::{BookStatus, BookType, TagSource};

    use super::*;

    fn mo(name: &str) -> Mo {
        serde_json::from_value(serde_json::json!({
            "id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
            "parent_id": crate::DEFAULT_USERNAME,
            "branch_oid": "1.2.643.5.1.13.13.12.2.77.7777.0.163227",
            "name": name,
            "address": "г. Москва, <ул.> Тестовая",
            "enabled": "ALL",
            "create_ts": "2023-10-01T09:00:00"
        }))
        .unwrap()
    }

    fn store() -> Store {
        let mut store = Store::default();
        let m = mo("Поликлиника <script>document.title='pwned'</script>");
        let resource: Resource = serde_json::from_value(serde_json::json!({
            "id": "1919135c-7c9e-4564-a8b4-29aff7adfe72", "type": "ROOM", "mo_id": m.id, "enabled": "ALL",
            "create_ts": "2023-10-01T09:00:00", "room_number": "101", "room_name": "<i>Процедурный</i>"
        }))
        .unwrap();
        for (i, status) in ["AVAILABLE", "RECORDED"].iter().enumerate() {
            let slot: Slot = serde_json::from_value(serde_json::json!({
                "id": format!("aaaaaaa{i}-5eff-49b8-9d07-ff2486162b3f"), "mo_id": m.id, "resource_id": resource.id,
                "tag_type": "EPGU", "tag_age": "ALL", "visit_time": format!("2026-12-0{}T09:00:00", 1 + i),
                "duration": 20, "status": status, "create_ts": "2023-10-01T09:00:00"
            }))
            .unwrap();
            store.tables.put(slot);
        }
        store.tables.put(Book {
            id: "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f".parse().unwrap(),
            patient_id: "953f8666-21ce-478f-8351-389f27ce8cde".parse().unwrap(),
            slot_id: "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f".parse().unwrap(),
            status_code: BookStatus::Recorded,
            tag_source: TagSource::Epgu,
            kind: BookType::Appointment,
            referral_id: None,
            create_ts: "2023-10-01T09:00:00".parse().unwrap(),
        });
        store.tables.put(resource);
        store.tables.put(m);
        store
    }

    #[test]
    fn the_pages_render_the_store_escaped() {
        let store = store();
        let now = Utc::now();
        let view = overview(&store, 0);
        assert_eq!(view.orgs.len(), 1);
        assert_eq!((view.orgs[0].subdivisions, view.orgs[0].resources, view.orgs[0].slots.total()), (1, 1, 2));
        let html = render_overview(&view, 0, "");
        assert!(html.contains(&format!("href=\"/org/{}\"", crate::DEFAULT_USERNAME)), "{html}");

        let org: Oid = crate::DEFAULT_USERNAME.parse().unwrap();
        let (rows, total) = organisation(&store, &org, 0);
        let html = render_organisation(&org, &rows, 0, total);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Поликлиника &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;ул.&gt;"));

        let id = rows[0].mo.id;
        let view = subdivision(&store, &id, 0).unwrap();
        let html = render_subdivision(&view, 0);
        assert!(
            html.contains("101 &lt;i&gt;Процедурный&lt;/i&gt;") && html.contains("2026-12-01 … 2026-12-02"),
            "{html}"
        );
        assert!(subdivision(&store, &Guid::new_v4(), 0).is_none());

        // The resource's page opens on the next day with slots, and shows the book, patient masked.
        let rid = view.resources[0].resource.id;
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let view = resource(&store, &rid, None, today).unwrap();
        assert_eq!(view.day, Some(today));
        let html = render_resource(&view, now);
        assert!(html.contains("class=\"slot st-RECORDED\" id=\"slot-aaaaaaa1-5eff-49b8-9d07-ff2486162b3f\""), "{html}");
        assert!(html.contains("book 5000 Recorded · EPGU · APPOINTMENT · patient"), "{html}");
        assert!(!html.contains("953f8666"), "the patient id is masked");
        assert!(html.contains(" s ago · 1 write</div>"), "{html}");
        let first = resource(&store, &rid, NaiveDate::from_ymd_opt(2026, 12, 1), today).unwrap();
        assert_eq!(first.slots.0[0].slot.status, SlotStatus::Available);
        let later = resource(&store, &rid, None, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).unwrap();
        assert_eq!(later.day, Some(today), "past the last day, the last day");
    }
}
