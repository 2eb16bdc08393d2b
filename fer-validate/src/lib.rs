//! Every rule of the FER 2.0 Vitrina, checked before sending.
//!
//! The Vitrina's gateway rejects bad data after the fact with terse codes. This crate checks every
//! rule of the spec up front, on
//!
//! * typed records of `fer-model` ([`Validate`], one record; [`validate_batch`], one request),
//! * raw JSON bytes for a named table ([`validate_raw`]), which also sees what typed parsing hides:
//!   unknown or misspelled fields, wrong JSON types, missing fields, non-canonical GUIDs,
//! * whole datasets of all eight tables ([`Dataset`]), for the rules that cross tables,
//! * a slot's change of status against its stored state ([`validate_slot_update`]).
//! * the requests of the regional portal API (feature `portal`; the methods of [`fer_model::spec::portal`]: `portal`), typed and raw.
//!
//! Pointers are RFC 6901 JSON pointers: relative to the record for [`Validate`] (`/visit_time`),
//! into the upload body for batches and raw bodies (`/data/3/visit_time`), and into each table's
//! vector for a [`Dataset`] (`/data/3/visit_time` with `table` = `slot`). Group findings by
//! [`Diagnostic::record_id`] to attribute them to records.
//!
//! Validation never stops at the first problem: every record is checked and every finding is a
//! [`Diagnostic`] naming the table, the record, the JSON pointer, a stable [`RuleCode`], and a
//! message in Russian and English.
//!
//! ```
//! use fer_model::Table;
//! use fer_validate::{validate_raw, RuleCode, Severity};
//! let body = br#"{"data": [{"id": "AAAAAAA1-5EFF-49B8-9D07-FF2486162B3F",
//!   "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818", "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72",
//!   "tag_type": "EPGU", "tag_age": "ALL", "visit_time": "2024-03-28T05:00:00", "duraton": 20,
//!   "create_ts": "2023-10-01T09:00:00", "status": "AVAILABLE"}]}"#;
//! let report = validate_raw(Table::Slot, body);
//! let found: Vec<(&str, &str)> = report.errors().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
//! assert!(found.contains(&("V002", "/data/0/id")));        // upper-case GUID
//! assert!(found.contains(&("V010", "/data/0/duraton")));   // misspelled, "did you mean duration?"
//! assert!(found.contains(&("V007", "/data/0/duration")));  // so the real field is missing
//! ```
//!
//! # Severity
//!
//! An **error** is something the Vitrina (or the gateway) refuses, or data that is wrong; a
//! **warning** is accepted but probably not meant. What the gateway sends to the MIS (booking and
//! cancel requests) must be accepted, so the rules marked "warning inbound" report warnings there:
//! a non-canonical GUID, an unknown field, a wrong SNILS check number in patient data (the spec's
//! own booking example has one). In what the MIS sends (tables, answers, callbacks) they are errors:
//! Appendix 1 declares GUIDs «нижний регистр, через дефис», and an upper-case id would be a
//! different id on the Vitrina.
//!
//! # Rules
//!
//! Codes are stable. `R-310` and `R-330` are the Vitrina's own codes (Appendix 2); every other code
//! is `V` plus a number grouped by kind. Sections refer to the Vitrina integration profile (the Vitrina integration
//! profile); `spec::…` names a page of [`fer_model::spec`], the project's reading of it.
//!
//! | code | severity | tables | rule | spec section |
//! |---|---|---|---|---|
//! | R-310 | error | all tables | The record id repeats within one request | section 5, Slot check 1; Appendix 2 |
//! | R-330 | error | slot, mo | The record duplicates another (resource and visit time; subdivision name) | section 5, MO check 1, Slot check 2; Appendix 2 |
//! | V001 | error | all | The value is not a GUID | Appendix 1 (GUID) |
//! | V002 | error (warning inbound) | all | The GUID is not canonical (lower case, hyphenated) | Appendix 1 (GUID: нижний регистр, через дефис) |
//! | V003 | error | mo, referral, callback | The value is not an OID | Appendix 1, tables 1 and 8; section 10 |
//! | V004 | error | resource, booking_request | A SNILS must be 11 digits | Appendix 1, table 2; section 7.1 |
//! | V005 | error (warning inbound) | resource, booking_request | The SNILS check number is wrong | Appendix 1, table 2; section 7.1 |
//! | V006 | error | all tables | The string is longer than allowed | Appendix 1 (string(N)) |
//! | V007 | error | all | A mandatory field is missing or blank | Appendix 1 (Обязательность: Да) |
//! | V008 | error | all | The value is not one of the allowed values | Appendix 1 (value lists) |
//! | V009 | error | all (raw JSON) | Wrong JSON type | Appendix 1 (types) |
//! | V010 | error (warning inbound) | all (raw JSON) | Unknown field | Appendix 1 |
//! | V011 | warning | referral, booking_response, cancel_response (raw JSON) | The field uses an alternative spelling | Appendix 1, table 8; section 7.1-7.2; spec::quirks |
//! | V012 | error | all tables (raw JSON) | Invalid date and time | Appendix 1 (YYYY-MM-DDTHH:MI:SS) |
//! | V013 | warning | all tables (raw JSON) | The value is not in the declared form | Appendix 1; spec::quirks |
//! | V014 | error | all (raw JSON) | The body is not valid JSON | section 5 |
//! | V015 | error | all (raw JSON) | Wrong body structure | section 5 ({"data": [...]}) |
//! | V016 | warning | mo, resource, unaccessable_period | The field is set by the service: do not send it | Appendix 1, tables 1, 2, 9 |
//! | V017 | error | all (raw JSON) | The record does not match the table | Appendix 1 |
//! | V020 | error | resource, referral, booking_request | A field required by the record's type is missing | Appendix 1, tables 2 and 8; section 7.1 |
//! | V021 | error | resource | The field must be absent for the record's type | Appendix 1, table 2 |
//! | V022 | warning | referral (raw JSON) | The field belongs to the other referral type and is not used | Appendix 1, table 8 |
//! | V023 | warning | referral | A RESEARCH referral has no to_service_name | section 9; Appendix 1, table 8 |
//! | V030 | error | slot, booking_response | The duration must be above 0 and at most a day | Appendix 1, table 4; section 7.1 |
//! | V031 | error | unaccessable_period, referral | The end date is before the start date | Appendix 1, tables 8 and 9 |
//! | V032 | error | service | The price cannot be negative | Appendix 1, table 3 |
//! | V033 | error | mo | A subdivision's tag_age cannot be BABY | Appendix 1, table 1 |
//! | V034 | warning | mo | The subdivision has no tag_age | Appendix 1, table 1; spec::contradictions |
//! | V035 | error | slot | tag_type lists no value | Appendix 1, table 4 |
//! | V036 | error | slot | A tag_type value repeats | Appendix 1, table 4 |
//! | V037 | error | callback | The webhook address must be an absolute http(s) URL | section 10 |
//! | V040 | error | slot | Slot status change not allowed | UC-1, UC-1.1 (section 7) |
//! | V041 | error | book | An active book's slot is not RECORDED | Appendix 1, table 7; UC-1 |
//! | V042 | error | referral | A RECORDED referral has no book | section 9, requirement 3 |
//! | V043 | error | referral | An AVAILABLE referral is named by an active book | section 9, requirement 3 |
//! | V044 | warning | slot | A RECORDED slot has no active book | UC-1 |
//! | V050 | warning | slot | Two slots of one resource overlap | Appendix 1, table 4 |
//! | V051 | warning | slot | The slot falls in its resource's unavailability period | Appendix 1, table 9 |
//! | V060 | error | resource, service, slot, book, referral, unaccessable_period, profilecode_resource | The referenced record does not exist | section 5 (load order); Appendix 1 |
//! | V061 | error | slot | The slot's mo_id differs from its resource's | Appendix 1, table 4 |
//! | V062 | error | referral | No resource of the target subdivision has the referral's profile | Appendix 1, tables 8 and 10 |
//! | V063 | error | referral | The referral's service is not any service's code | Appendix 1, tables 3 and 8 |
//! | V064 | warning | referral | The referral names a subdivision or resource of another organisation | Appendix 1, table 8 |
//! | V070 | error | portal_entry_request | doctor_id must be the LPU GUID and the resource GUID glued (72 characters) | «Запись на прием РПГУ» (doctor_id) |
//! | V071 | error | portal_entry_request | The time must be HH:MM | «Запись на прием РПГУ» (time) |
//! | V072 | error | portal_visit_params | Give timeTable, or docGuid with dateTime | «Создание записи на прием к врачу» (error 4036) |
//! | V073 | error | portal_visit_params | directionId and directionType go together | «Создание записи на прием к врачу» (error 4033) |
//! | V074 | error | portal_entry_request, portal_visit_params | email_confirm_agree must be 0 or 1 | «Запись на прием РПГУ» and «Создание записи на прием к врачу» (email_confirm_agree) |
//! | V075 | warning | portal_visit_params | email_confirm_agree counts only when an email is given | «Создание записи на прием к врачу» (email_confirm_agree) |
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod age;
mod batch;
mod check;
pub mod dataset;
pub mod diagnostic;
mod ids;
pub mod keys;
mod limits;
#[cfg(feature = "portal")]
#[cfg_attr(docsrs, doc(cfg(feature = "portal")))]
pub mod portal;
pub mod raw;
pub mod records;
pub mod rules;

pub use age::{age_group, slot_accepts};
pub use dataset::{Dataset, DatasetExt, DatasetReader};
pub use diagnostic::{Diagnostic, Report, Severity, Subject};
pub use keys::{DuplicateKey, duplicate_key};
pub use raw::{BodyForm, RawKind, StreamError, validate_raw, validate_raw_dto, validate_raw_tree, validate_reader};
pub use records::{Validate, validate_batch, validate_slot_update};
pub use rules::{RuleCode, RuleInfo};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
