//! The portal's answers (fer-model's wire types) built from the Vitrina's rows and the portal's
//! visits: `TicketVisitWithLpu` («Создание записи на прием к врачу») and `TicketLists` («Получение записей на прием и вызовов пациента через сессию»).
//!
//! What the Vitrina does not know about an LPU (status, ratings, INN, working hours, …) is answered
//! empty or with a neutral value; names, addresses and phones come from the subdivision (`mo`).

use fer_model::portal::{
    AddressDetail, BusyType, DocumentHistory, HistoryClient, LpuBase, LpuInfo, LpuParent, LpuStatus, LpuWithStatus,
    TicketCommon, TicketLists, TicketVisit, TicketVisitWithLpu, TicketVisitWithLpuBase, Worktimes,
};
use fer_model::{Mo, ResourceKind};

use crate::store::Tables;
use crate::store::portal::{
    LpuPoll, PortalLpuSetup, PortalStore, PortalTicket, doctor_name, portal_now, speciality, ticket_times, with_offset,
};

/// `source` / `sourceName` of every visit the emulator creates («Создание записи на прием в локальную МИС»: «По умолчанию Internet»).
const SOURCE_NAME: &str = "Internet";

/// The short LPU of a ticket (`LpuBase`, «Получение записей на прием и вызовов пациента через сессию»).
fn lpu_base(mo: &Mo, lpu: &PortalLpuSetup) -> LpuBase {
    LpuBase {
        guid: mo.id,
        name: mo.name.clone(),
        address: mo.address.clone(),
        phone: mo.phone.clone().unwrap_or_default(),
        mcod: lpu.mcod.clone(),
    }
}

/// The LPU of a ticket list (`LpuInfo`, «Получение записей на прием и вызовов пациента через сессию»).
fn lpu_info(mo: &Mo, lpu: &PortalLpuSetup) -> LpuInfo {
    LpuInfo {
        guid: mo.id,
        name: mo.name.clone(),
        address: mo.address.clone(),
        email: String::new(),
        gps: String::new(),
        site: String::new(),
        phone: mo.phone.clone().unwrap_or_default(),
        mcod: lpu.mcod.clone(),
        fcod: String::new(),
        city_id: String::new(),
        ratings: None,
    }
}

/// The full LPU of the visit creation (`LpuWithStatus`, «Создание записи на прием к врачу»).
fn lpu_with_status(mo: &Mo, lpu: &PortalLpuSetup) -> LpuWithStatus {
    let days = String::new;
    LpuWithStatus {
        status: LpuStatus { name: "Online".into(), last_change_time: Some(with_offset(portal_now())), ping: 0 },
        guid: mo.id,
        name: mo.name.clone(),
        fer_name: mo.name.clone(),
        address: mo.address.clone(),
        types: vec!["lpu".into()],
        phone: mo.phone.clone().unwrap_or_default(),
        mcod: lpu.mcod.clone(),
        full_name: mo.name.clone(),
        fcod: String::new(),
        st_lpu: false,
        host_id: 0,
        is_children_policlinic: mo.tag_age == Some(fer_model::MoAgeGroup::Child),
        is_call_doctor: false,
        is_waiting_list: false,
        is_disp: false,
        is_active: true,
        have_schedule: true,
        parent: LpuParent { guid: mo.id, name: mo.name.clone() },
        post_index: String::new(),
        ratings: None,
        address_detail: AddressDetail {
            postcode: String::new(),
            settlement: String::new(),
            street: String::new(),
            building: String::new(),
            house: String::new(),
        },
        worktimes: Worktimes {
            monday: days(),
            tuesday: days(),
            wednesday: days(),
            thursday: days(),
            friday: days(),
            saturday: days(),
            sunday: days(),
        },
        city_id: String::new(),
        inn: String::new(),
        kpp: String::new(),
        ogrn: String::new(),
        okato: mo.region_okato.clone().unwrap_or_default(),
        lic: String::new(),
        management: String::new(),
        photo: String::new(),
        site: String::new(),
        email: String::new(),
        gps: String::new(),
    }
}

/// The visit fields of a ticket; `full = false` fills only `ticketGuid` and `num` («Создание записи на прием к врачу»,
/// `fullResponse`).
fn ticket_visit(tables: &Tables, ticket: &PortalTicket, full: bool) -> TicketVisit {
    let slot = tables.slot.get(&ticket.slot).filter(|_| full);
    let doctor = slot.and_then(|s| tables.resource.get(&s.resource_id));
    let times = slot.map(ticket_times);
    let room = doctor.and_then(|d| match &d.kind {
        ResourceKind::Room { room_number, .. } => Some(room_number.clone()),
        _ => None,
    });
    let history = if full {
        vec![DocumentHistory {
            element: "Создание записи".into(),
            element_guid: ticket.guid,
            old_value: String::new(),
            new_value: ticket.num.clone(),
            editor: String::new(),
            date: Some(ticket.created),
            client: HistoryClient { mnem: SOURCE_NAME.into(), name: "fer-emulator".into(), description: String::new() },
        }]
    } else {
        Vec::new()
    };
    TicketVisit {
        ticket_guid: ticket.guid,
        num: ticket.num.clone(),
        uchastok_num: full.then(String::new),
        room,
        flat: None,
        busy_type: full.then(|| BusyType { name: String::new(), kind: 1, code: String::new() }),
        plan_count: full.then_some(1),
        used_count: full.then_some(1),
        common: TicketCommon {
            time_table_guid: slot.map(|s| s.id),
            doc_fio: doctor.map(|d| doctor_name(&d.kind)),
            doc_guid: doctor.map(|d| d.id),
            doctor_role: doctor.and_then(|d| match &d.kind {
                ResourceKind::Specialist(s) => Some(s.post_id.clone()),
                _ => None,
            }),
            speciality: doctor.and_then(|d| speciality(&d.kind)).map(str::to_owned),
            begin_time: times.map(|t| t.0),
            end_time: times.map(|t| t.1),
            date_of_appointment: full.then_some(ticket.created),
            source: full.then_some(0),
            login: None,
            source_name: full.then(|| SOURCE_NAME.to_owned()),
            disp_exam_guid: ticket.exam_guid.filter(|_| full),
            history,
        },
    }
}

/// The answer of the visit creation («Создание записи на прием к врачу»); `None` when the LPU is gone.
pub(crate) fn ticket_visit_with_lpu(
    portal: &PortalStore,
    tables: &Tables,
    ticket: &PortalTicket,
    full: bool,
) -> Option<TicketVisitWithLpu> {
    let lpu = portal.lpu(&ticket.lpu)?;
    let mo = tables.mo.get(&ticket.lpu)?;
    Some(TicketVisitWithLpu { lpu: lpu_with_status(mo, lpu), visit: ticket_visit(tables, ticket, full) })
}

/// One LPU's list of a session poll («Получение записей на прием и вызовов пациента через сессию»); `None` when its subdivision left the Vitrina.
pub(crate) fn ticket_lists(tables: &Tables, poll: &LpuPoll) -> Option<TicketLists> {
    let mo = tables.mo.get(&poll.lpu.guid)?;
    let visits = poll
        .visits
        .iter()
        .map(|t| TicketVisitWithLpuBase { lpu: lpu_base(mo, &poll.lpu), visit: ticket_visit(tables, t, true) })
        .collect();
    Some(TicketLists { state: poll.state, lpu: lpu_info(mo, &poll.lpu), visits, calls: Vec::new(), disps: Vec::new() })
}
