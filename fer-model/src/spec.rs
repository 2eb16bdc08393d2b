//! The project's reading of the specification (documentation only: this module has no items).
//!
//! fer-rs implements five documents. Other crates' docs cite them by their titles and by the names
//! of their sections, and point here for the decisions taken where a document is unclear or
//! contradicts itself.
//!
//! | document | what it describes | read here |
//! |---|---|---|
//! | The Vitrina integration profile: «Описание интеграционных профилей подсистемы "Федеральная электронная регистратура 2.0" с программным обеспечением "Витрина данных"» | What the MIS pushes to the Vitrina, how it logs in, and the booking and cancel calls the gateway makes to the MIS | [`profile`] |
//! | «Запись на прием РПГУ» | `POST {url}/api/v2/iemk/doctors/entry` on the regional portal | [`portal`] |
//! | «Создание записи на прием к врачу» | `POST {url}/api/v2/visit/{lpuGuid}` on the regional portal | [`portal`] |
//! | «Создание записи на прием в локальную МИС» | `POST /appointments` on a local MIS | [`portal`] |
//! | «Получение записей на прием и вызовов пациента через сессию» | the deprecated session API `GET {url}/api/v2/old/visit/tickets` | [`portal`] |
//!
//! The forms each peer may put on the wire beyond the declared one are in [`quirks`]; the places
//! where the documents contradict themselves, and the side fer-rs takes, are in [`contradictions`].
//!
//! # The rule behind every decision
//!
//! Where a document is unclear, fer-rs accepts every form a real peer may send, emits the one form
//! the tables declare, and says so in the docs of the type concerned. What the gateway sends to the
//! MIS is never refused for a form the profile does not forbid: a booking lost to the SDK's own
//! strictness is the worst outcome. What the MIS sends is held to the declared form, because the
//! Vitrina may refuse anything else.

pub mod profile {
    //! The Vitrina integration profile, section by section.
    //!
    //! Section numbers are those of the profile's table of contents; the names are quoted so that
    //! they can be found in the document whatever its edition.
    //!
    //! # Actors
    //!
    //! * The **MIS** (the vendor's system, the user of this SDK) pushes its schedule to the
    //!   **Vitrina** (the data showcase) through the FER integration gateway.
    //! * The **gateway** calls the MIS's webhook to book and to cancel on behalf of the EPGU (the
    //!   federal portal) and of the other channels.
    //!
    //! # Section 5: «Сервис взаимодействия с программным обеспечением "Витрина данных"»
    //!
    //! One sub-section per table («Описание подсистемы MO», «… Resource», «… Service», «… Slot»,
    //! «… Book», «… Referral», «… Unaccessable_period», «… Profilecode_resource»; Patient and
    //! Attachment are named but not described: they come from the regional patient register).
    //!
    //! * `POST /api/<table>` takes a batch `{"data": [...]}`; `GET` and `DELETE` take the record's
    //!   `id` as a query parameter.
    //! * The list calls: the subdivisions of an organisation by its OID, the resources of a
    //!   subdivision, the slots of a resource between two dates, the books of a slot.
    //! * Request bodies may be gzip-compressed (the sub-section «Сжатие данных»).
    //! * «Коды ошибок»: 200, 400, 401, 403 («Нет полномочий на выполнение запроса»: a token writing
    //!   another organisation's rows), 404, 405 (a blocked subdivision, `enabled = NONE`), 406 (the
    //!   protocol version; no mechanism is described), 422 (duplicates; possibly a partial success),
    //!   500 and 503 (maintenance, «Выполняются технические работы»).
    //! * The checks of each table: a record id repeated in one request is `R-310`; a slot with the
    //!   `resource_id` and `visit_time` of a slot already stored (whatever its status), or a
    //!   subdivision with the name of another, is `R-330`.
    //! * The Vitrina deletes in cascade (section 3.1.5): an MO takes its resources, slots, books and services; a
    //!   resource its slots, books and services; a slot its books.
    //! * Freshness: slots at least every 30 seconds (and within 30 seconds of a change of status
    //!   made elsewhere), the other tables at least hourly.
    //! * Load order (the figure that showed it is lost from the document): MO, then resource, then
    //!   service, profilecode_resource and unaccessable_period, then slot, then book; a referral
    //!   after the MO and the resources it names. [`Table::LOAD_ORDER`](crate::Table::LOAD_ORDER)
    //!   holds it.
    //!
    //! # Section 6: «Сервис авторизации»
    //!
    //! `POST /auth.svc` with the organisation's OID as `username` and its password; the answer is
    //! PascalCase (`Result.ValidTo`, `Result.Value`, `IsSuccess`, `ErrorMessage`, `StatusCode`).
    //! Every later call sends `Authorization: Bearer <token>`, renewed before `ValidTo`. See
    //! [`crate::auth`].
    //!
    //! # Section 7: «Сервис бронирования и отмены записи на прием»
    //!
    //! The gateway calls the MIS; each call must be answered within 10 seconds
    //! ([`GATEWAY_DEADLINE`](crate::GATEWAY_DEADLINE)).
    //!
    //! * «Метод бронирования записи»: `POST /booking/book` with a
    //!   [`BookingRequest`](crate::BookingRequest), answered by a
    //!   [`BookingResponse`](crate::BookingResponse). Status codes: 0 booked; 11 the slot is taken or
    //!   blocked; 12 another booking at the same time; 13 an active booking to this doctor or
    //!   speciality the same day; 14 the age group does not match; 15 the slot was annulled; 17 the
    //!   patient is not found; 18 anything else that truly cannot be processed.
    //! * «Отмена бронирования выбранного слота»: `POST /booking/cancel` with a
    //!   [`CancelRequest`](crate::CancelRequest), answered by a
    //!   [`CancelResponse`](crate::CancelResponse) («Описание параметров в ответе»). Codes: 0
    //!   cancelled, 1 already cancelled, 18 a technical error of the MIS («Коды ошибок в ответе на
    //!   запрос отмены бронирования»).
    //! * After a booking the gateway itself sends the slot as `RECORDED` and a book with status
    //!   5000 to the Vitrina (scenario «Предоставление сведений в Витрину данных»); after a cancel,
    //!   the slot as `AVAILABLE` and the book as 5010 (scenario «Отмена записи на прием к врачу»).
    //! * The age rule of `tag_age`: a patient of 18 or more may take ADULT or ALL slots; from 1 to
    //!   under 18, CHILD or ALL; under 1, BABY or ALL.
    //!
    //! # Section 10: «Ответный сервис»
    //!
    //! Webhook registration: «Регистрация вебхука» (`POST /api/callback` with `address` and an
    //! optional `depart_oid`), «Получение вебхука», «Получение вебхука подразделения»,
    //! «Обновление вебхука», «Удаление вебхука» and «Проверка доступности вебхука». Before it
    //! registers an address the gateway probes `GET <address>/booking/book` and expects 200. One
    //! webhook per organisation, optionally one per subdivision. See [`crate::callback`].
    //!
    //! # Section 9: «Запись на прием по направлению»
    //!
    //! Booking by referral. A referral becomes RECORDED once a book names it; a RECORDED referral
    //! whose book lies in the past stays RECORDED (it was used); only a cancel returns it to
    //! AVAILABLE. Referrals to another organisation are normal.
    //!
    //! # Appendix 1: «Структура сведений сервиса "Витрина данных"»
    //!
    //! The tables 1 (MO), 2 (Resource), 3 (Service), 4 (Slot), 7 (Book), 8 (Referral), 9
    //! (Unaccessable_period) and 10 (Profilecode_resource), modelled in [`crate::tables`]. GUIDs are
    //! «нижний регистр, через дефис», 36 characters; `string(N)` is a maximum length in characters;
    //! `update_ts` (and the removed `post_name`) are set by the service and never sent.
    //!
    //! # Appendix 2: «Структура ответа сервиса взаимодействия с ПО "Витрина данных"»
    //!
    //! The response envelope, [`VitrinaResponse`](crate::VitrinaResponse): `result`, `isSuccess`,
    //! `error`, `errors` (per record), `sendedGuids` (what was accepted, also on a 422),
    //! `sendedGuidsToContactCenter`, `statusCode`.
}

pub mod portal {
    //! The regional portal methods: four short documents besides the profile.
    //!
    //! | document | call | token |
    //! |---|---|---|
    //! | «Запись на прием РПГУ» | `POST {url}/api/v2/iemk/doctors/entry` with `lpu_code`, `doctor_id`, `day`, `time` and optional contacts; answers `{Entry_id, Ticket}` | RPGU |
    //! | «Создание записи на прием к врачу» | `POST {url}/api/v2/visit/{lpuGuid}` with query parameters: a `timeTable`, or `docGuid` and `dateTime`; answers a ticket in camelCase | LPU |
    //! | «Создание записи на прием в локальную МИС» | `POST /appointments` on the local MIS with `{slot, email?}`; answers an appointment | – |
    //! | «Получение записей на прием и вызовов пациента через сессию» | `GET {url}/api/v2/old/visit/tickets` opens a session, `GET …/tickets/{session}` is polled until no list is `InProgress` (deprecated) | COD |
    //!
    //! Each document's «Возможные ошибки» table lists its error answers: HTTP 403 with the token
    //! codes 5007–5010, or 400 with a numeric code (4000, 4005, 4007, 4008, 4009, 4011, 4029, 4031,
    //! 4033, 4036, 4848, 5000, 5066). A message without a code is read as 5000.
    //!
    //! Conventions, as in «Создание записи на прием к врачу»'s «Параметры запроса»:
    //!
    //! * `directionId` and `directionType` only together (error 4033);
    //! * the visit is chosen by a slot (`timeTable`, recommended) or by a doctor and a time, never
    //!   both and never neither (error 4036);
    //! * `dateTime` is `YYYY-MM-DD HH:MM:SS.mmm`; `fullResponse` defaults to true.
    //!
    //! In «Запись на прием РПГУ», `doctor_id` is the LPU GUID and the resource GUID glued together
    //! (72 characters), `time` is `HH:MM`, and `email_confirm_agree` is 0 or 1.
}

pub mod quirks {
    //! Wire quirks: the forms peers send beyond the declared one. Each is accepted on input and the
    //! declared form is emitted; [`crate::wire`] implements them and fer-validate warns about the
    //! non-declared forms in what the MIS sends.
    //!
    //! # Timestamps
    //!
    //! Appendix 1 declares `YYYY-MM-DDTHH:MI:SS` and, in places, «ФОРМАТ RFC3339». The examples
    //! also send `2023-10-01 09:00:00` and `20.10.2023 08:00:00`. All three are read, as are an
    //! offset and fractional seconds (a real Vitrina may answer a GET that way); the declared form
    //! is written. A slot's `visit_time` is local time, without an offset.
    //!
    //! # Durations
    //!
    //! Table 4 declares `duration` an integer of minutes; the examples send `"20"`. Both are read,
    //! the integer is written. The booking answer's `duration` is a string by its table.
    //!
    //! # Key spellings
    //!
    //! * The cancel examples spell the status key `status_сode`, with a Cyrillic `с`, and the
    //!   failure table writes `statusCode` / `statusMessage`: all are read, `status_code` /
    //!   `status_message` written.
    //! * Appendix 2 spells the envelope's inner keys both `errorCode` / `errorMessage` and
    //!   `ErrorCode` / `ErrorMessage`: both are read.
    //! * Table 8 spells `from_mo_id` as `from_mo _id`; the list call of slots spells the resource
    //!   `resourse` (`/api/resourse/{resourse_id}/slots`), and that spelling is the path.
    //!
    //! # Identifiers and values
    //!
    //! * A GUID in another case or without hyphens is read (and warned about in what the MIS sends:
    //!   it would be another id on the Vitrina); the canonical form is written.
    //! * The booking example pads an id with a trailing space: ids are trimmed.
    //! * The cancel example sends `patient_id` `"11234455"`, not a GUID: the cancel request keeps
    //!   it as text.
    //! * `gender` lists no values in its table; the example sends `"1"` / `"2"`.
    //!
    //! # Transport
    //!
    //! Bodies may be gzip-compressed (`Content-Encoding: gzip`); plain bodies stay accepted.
}

pub mod contradictions {
    //! Where the documents contradict themselves, and the side fer-rs takes.
    //!
    //! # The cancel answer
    //!
    //! Section 7, «Описание параметров в ответе» of the cancel method, marks `book_ext_id`,
    //! `slot_id`, `visit_time` and `duration` mandatory (with the optional `service_id`,
    //! `organization_id`, `area_id`, `queue_number` and the `status`). The example carries only
    //! `book_ext_id` and `status` and is headed «ДОПОЛНИТЬ» (to be completed). fer-rs reads both
    //! shapes and writes the table's fields whenever they are known.
    //!
    //! # The booking answer's `visit_time`
    //!
    //! The table gives no format; the example has an offset. It is written with an offset and read
    //! with or without one.
    //!
    //! # The booking request
    //!
    //! The `patient_data_rrp` fields have an empty obligation column. The gateway's request is read
    //! as leniently as its forms allow: nothing the profile does not forbid refuses a booking, and
    //! status 18 is kept for what truly cannot be processed. A SNILS with a wrong check number in
    //! the patient's data (the profile's own example has one) is a warning, not a refusal.
    //!
    //! # The organisation list call
    //!
    //! The address row of «Получение данных подразделения» writes `/api/oid/{oid}`, its example
    //! `/api/mo/oid/{oid}`. fer-rs calls and serves the second.
    //!
    //! # Webhook registration
    //!
    //! «Регистрация вебхука» names `address` and `depart_oid` without saying where they go: fer-rs
    //! sends them as a JSON body. «Обновление вебхука» is written as a GET with `address`, and
    //! «Удаление вебхука» of a subdivision as a GET with `depart_oid`; fer-rs follows the calls'
    //! names (update and `DELETE /api/callback`).
    //!
    //! # Referrals
    //!
    //! A RESEARCH referral needs `to_service_id` (a service's `code`) and, by section 9's list,
    //! `to_service_name`, which table 8 does not have. A CONSULTATION referral needs
    //! `speciality_id` and `to_post_name`. Unlike the resource table, table 8 never says the other
    //! type's fields are "not given": they are accepted (at most a warning).
    //!
    //! # `R-330` for subdivisions
    //!
    //! The profile gives no scope for the uniqueness of a subdivision's name: fer-rs uses one
    //! organisation (`parent_id`).
    //!
    //! # A book and its slot
    //!
    //! A book booked through the EPGU must carry `book_ext_id` as its `id` (the Vitrina refuses a
    //! book of such a slot with another id), and its slot must already be on the Vitrina as
    //! RECORDED («Перед выгрузкой бирки, необходимо выгрузить слот со статусом RECORDED»).
    //!
    //! # The portal's `day`
    //!
    //! «Запись на прием РПГУ» declares `day` as `YYYY-MM-DD`; its example sends an ISO date and
    //! time. Both are read, the date is written.
    //!
    //! # A subdivision's `tag_age`
    //!
    //! Table 1 lists `ADULT`, `CHILD` and `ALL` (no `BABY`) and does not say the field may be left
    //! out; a subdivision without it is read, with a warning.
}
