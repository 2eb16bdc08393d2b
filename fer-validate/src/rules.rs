//! The rule catalogue: one table of stable codes with severity, Russian and English titles, the
//! tables they apply to and the spec section they come from.
//!
//! [`RuleCode::ALL`] and [`RuleCode::info`] are generated from a single declaration below, and the
//! table in the crate documentation is checked against it by a unit test, so the two cannot drift.

use std::fmt;

use serde::Serialize;

use crate::Severity;

/// Everything the catalogue knows about one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// The stable code, e.g. `V001` or `R-310`.
    pub code: &'static str,
    /// The default severity. Rules marked [`RuleInfo::lenient_inbound`] report a warning instead
    /// in the DTOs the gateway sends to the MIS (booking and cancel requests).
    pub severity: Severity,
    /// True when the rule is a warning in inbound DTOs (what the gateway sends must be accepted).
    pub lenient_inbound: bool,
    /// The tables or DTOs the rule applies to, as written in the documentation table.
    pub applies_to: &'static str,
    /// Short title in Russian.
    pub title_ru: &'static str,
    /// Short title in English.
    pub title_en: &'static str,
    /// Where the rule comes from (a section of the Vitrina integration profile, or a page of [`fer_model::spec`]).
    pub spec: &'static str,
}

macro_rules! rules {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $code:literal, $sev:ident, $lenient:literal, $applies:literal, $spec:literal,
            $ru:literal, $en:literal;
    )+) => {
        /// A stable rule code. Where the Vitrina has a code it is used; every other
        /// rule has a `V` code grouped by kind: `V00x` formats, `V01x` raw JSON shape, `V02x`
        /// conditional fields, `V03x` values, `V04x` statuses, `V05x` batches, `V06x` references, `V07x`
        /// the regional portal API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum RuleCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl RuleCode {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant),+];

            /// The catalogue entry of the rule.
            pub const fn info(self) -> RuleInfo {
                match self {
                    $(RuleCode::$variant => RuleInfo {
                        code: $code,
                        severity: Severity::$sev,
                        lenient_inbound: $lenient,
                        applies_to: $applies,
                        title_ru: $ru,
                        title_en: $en,
                        spec: $spec,
                    },)+
                }
            }
        }
    };
}

rules! {
    /// a record's id repeats inside one request.
    R310 = "R-310", Error, false, "all tables", "section 5, Slot check 1; Appendix 2",
        "Идентификатор записи повторяется в запросе", "The record id repeats within one request";
    /// a record duplicates another: a slot with the same `resource_id` and `visit_time`, a
    /// subdivision with the same `name` and another id.
    R330 = "R-330", Error, false, "slot, mo", "section 5, MO check 1, Slot check 2; Appendix 2",
        "Запись дублирует другую (ресурс и время приема; наименование подразделения)",
        "The record duplicates another (resource and visit time; subdivision name)";
    /// A GUID field does not hold a GUID.
    GuidFormat = "V001", Error, false, "all", "Appendix 1 (GUID)",
        "Значение не является GUID", "The value is not a GUID";
    /// A GUID is not in the declared form (lower case, hyphenated, no spaces).
    GuidNotCanonical = "V002", Error, true, "all", "Appendix 1 (GUID: нижний регистр, через дефис)",
        "GUID не в каноническом виде (нижний регистр, через дефис)",
        "The GUID is not canonical (lower case, hyphenated)";
    /// An OID field does not hold a dotted-decimal OID.
    OidFormat = "V003", Error, false, "mo, referral, callback", "Appendix 1, tables 1 and 8; section 10",
        "Значение не является OID", "The value is not an OID";
    /// A SNILS is not eleven digits.
    SnilsFormat = "V004", Error, false, "resource, booking_request", "Appendix 1, table 2; section 7.1",
        "СНИЛС должен состоять из 11 цифр", "A SNILS must be 11 digits";
    /// A SNILS's check number is wrong (warning for patient data: the spec's own example has one).
    SnilsChecksum = "V005", Error, true, "resource, booking_request", "Appendix 1, table 2; section 7.1",
        "Неверное контрольное число СНИЛС", "The SNILS check number is wrong";
    /// A string is longer than the table's `string(N)`.
    TooLong = "V006", Error, false, "all tables", "Appendix 1 (string(N))",
        "Строка длиннее допустимого", "The string is longer than allowed";
    /// A mandatory field is missing, null or blank.
    Required = "V007", Error, false, "all", "Appendix 1 (Обязательность: Да)",
        "Не заполнено обязательное поле", "A mandatory field is missing or blank";
    /// A value outside a closed set of the spec.
    EnumValue = "V008", Error, false, "all", "Appendix 1 (value lists)",
        "Значение не из допустимого списка", "The value is not one of the allowed values";
    /// A value of the wrong JSON type (a number where a string is declared, …).
    JsonType = "V009", Error, false, "all (raw JSON)", "Appendix 1 (types)",
        "Неверный тип значения JSON", "Wrong JSON type";
    /// A field the table does not have (misspelled or unknown); it would be silently ignored.
    UnknownField = "V010", Error, true, "all (raw JSON)", "Appendix 1",
        "Неизвестное поле", "Unknown field";
    /// A field written with a spelling the spec also uses (`from_mo _id`, `status_сode`, `statusCode`).
    AliasField = "V011", Warning, false, "referral, booking_response, cancel_response (raw JSON)",
        "Appendix 1, table 8; section 7.1-7.2; spec::quirks",
        "Поле записано в альтернативном написании", "The field uses an alternative spelling";
    /// A timestamp that is not a date and time in any accepted form.
    TimestampFormat = "V012", Error, false, "all tables (raw JSON)", "Appendix 1 (YYYY-MM-DDTHH:MI:SS)",
        "Неверный формат даты и времени", "Invalid date and time";
    /// A value in an accepted but non-declared form (`2023-10-01 09:00:00`, `"20"` for a number).
    NonDeclaredForm = "V013", Warning, false, "all tables (raw JSON)", "Appendix 1; spec::quirks",
        "Значение в недекларированном формате", "The value is not in the declared form";
    /// The body is not JSON.
    MalformedJson = "V014", Error, false, "all (raw JSON)", "section 5",
        "Тело запроса не является корректным JSON", "The body is not valid JSON";
    /// The body or a record has the wrong shape (not `{"data": [...]}`, a record that is not an object).
    BodyShape = "V015", Error, false, "all (raw JSON)", "section 5 ({\"data\": [...]})",
        "Неверная структура тела запроса", "Wrong body structure";
    /// A field the service sets (`update_ts`, `post_name`): never send it.
    ServiceField = "V016", Warning, false, "mo, resource, unaccessable_period", "Appendix 1, tables 1, 2, 9",
        "Поле заполняется сервисом и не передается", "The field is set by the service: do not send it";
    /// A record that does not parse into its type for a reason the other rules do not name.
    Unparsable = "V017", Error, false, "all (raw JSON)", "Appendix 1",
        "Запись не соответствует структуре таблицы", "The record does not match the table";
    /// A field its type requires is missing (resource by type, referral by type, VACCINATION).
    ConditionalRequired = "V020", Error, false, "resource, referral, booking_request",
        "Appendix 1, tables 2 and 8; section 7.1",
        "Не заполнено поле, обязательное для данного типа", "A field required by the record's type is missing";
    /// A field of another type is present (при type != X – не указывается).
    ConditionalForbidden = "V021", Error, false, "resource", "Appendix 1, table 2",
        "Поле не указывается для данного типа", "The field must be absent for the record's type";
    /// A referral carries a field of the other type (table 8 never says «не указывается»: accepted,
    /// not kept).
    ReferralOtherTypeField = "V022", Warning, false, "referral (raw JSON)", "Appendix 1, table 8",
        "Поле относится к другому типу направления и не используется",
        "The field belongs to the other referral type and is not used";
    /// A RESEARCH referral without `to_service_name` (named by section 9's list, absent from table 8).
    ReferralServiceName = "V023", Warning, false, "referral", "section 9; Appendix 1, table 8",
        "Не указано наименование услуги направления на исследование",
        "A RESEARCH referral has no to_service_name";
    /// A duration is zero or longer than a day.
    DurationRange = "V030", Error, false, "slot, booking_response", "Appendix 1, table 4; section 7.1",
        "Продолжительность должна быть больше 0 и не больше суток",
        "The duration must be above 0 and at most a day";
    /// A period ends before it starts (`beg_date < end_date`, `start_date <= end_date`).
    DateOrder = "V031", Error, false, "unaccessable_period, referral", "Appendix 1, tables 8 and 9",
        "Дата окончания раньше даты начала", "The end date is before the start date";
    /// A price below zero or not a number.
    PriceRange = "V032", Error, false, "service", "Appendix 1, table 3",
        "Цена не может быть отрицательной", "The price cannot be negative";
    /// A subdivision's `tag_age` is BABY (allowed values ADULT, CHILD, ALL).
    MoTagAgeBaby = "V033", Error, false, "mo", "Appendix 1, table 1",
        "Для подразделения tag_age не может быть BABY", "A subdivision's tag_age cannot be BABY";
    /// A subdivision without `tag_age` (mandatory in the table, absent from the spec's example).
    MoTagAgeMissing = "V034", Warning, false, "mo", "Appendix 1, table 1; spec::contradictions",
        "Не указан tag_age подразделения", "The subdivision has no tag_age";
    /// A slot's `tag_type` is empty.
    TagTypeEmpty = "V035", Error, false, "slot", "Appendix 1, table 4",
        "Не указан ни один тип записи (tag_type)", "tag_type lists no value";
    /// A slot's `tag_type` names a value twice.
    TagTypeRepeat = "V036", Error, false, "slot", "Appendix 1, table 4",
        "Тип записи (tag_type) повторяется", "A tag_type value repeats";
    /// A callback address that is not an absolute http(s) URL.
    CallbackAddress = "V037", Error, false, "callback", "section 10",
        "Адрес ответного сервиса должен быть абсолютным URL http(s)",
        "The webhook address must be an absolute http(s) URL";
    /// A slot status change the life cycle does not allow (`SlotStatus::can_transition_to`).
    SlotTransition = "V040", Error, false, "slot", "UC-1, UC-1.1 (section 7)",
        "Недопустимая смена статуса слота", "Slot status change not allowed";
    /// An active book (5000) whose slot is not RECORDED.
    BookSlotNotRecorded = "V041", Error, false, "book", "Appendix 1, table 7; UC-1",
        "Активная бирка ссылается на слот не в статусе RECORDED",
        "An active book's slot is not RECORDED";
    /// A RECORDED referral of the vendor's own organisation that no book names (a book in 5000,
    /// 5020 or 5030: one in the past keeps the referral RECORDED).
    ReferralRecordedWithoutBook = "V042", Error, false, "referral", "section 9, requirement 3",
        "Направление в статусе RECORDED без записи",
        "A RECORDED referral has no book";
    /// An AVAILABLE referral that an active book names.
    ReferralAvailableWithBook = "V043", Error, false, "referral", "section 9, requirement 3",
        "Направление в статусе AVAILABLE используется активной записью",
        "An AVAILABLE referral is named by an active book";
    /// A RECORDED slot that no active book names.
    SlotRecordedWithoutBook = "V044", Warning, false, "slot", "UC-1",
        "Слот в статусе RECORDED без активной бирки", "A RECORDED slot has no active book";
    /// Two slots of one resource overlap in time.
    SlotOverlap = "V050", Warning, false, "slot", "Appendix 1, table 4",
        "Слоты одного ресурса пересекаются по времени", "Two slots of one resource overlap";
    /// A slot inside its resource's unavailability period.
    SlotInUnavailablePeriod = "V051", Warning, false, "slot", "Appendix 1, table 9",
        "Слот попадает в период недоступности ресурса", "The slot falls in its resource's unavailability period";
    /// A reference to a record that is not in the dataset.
    Unresolved = "V060", Error, false, "resource, service, slot, book, referral, unaccessable_period, profilecode_resource",
        "section 5 (load order); Appendix 1",
        "Ссылка на отсутствующую запись", "The referenced record does not exist";
    /// A slot whose `mo_id` differs from its resource's.
    SlotMoMismatch = "V061", Error, false, "slot", "Appendix 1, table 4",
        "Подразделение слота не совпадает с подразделением ресурса",
        "The slot's mo_id differs from its resource's";
    /// A referral's `to_profile_code` has no resource with that profile in `to_mo_id`.
    ReferralProfile = "V062", Error, false, "referral", "Appendix 1, tables 8 and 10",
        "В подразделении нет ресурса с профилем направления",
        "No resource of the target subdivision has the referral's profile";
    /// A RESEARCH referral's `to_service_id` is no service's `code`.
    ReferralService = "V063", Error, false, "referral", "Appendix 1, tables 3 and 8",
        "Услуга направления не найдена среди услуг", "The referral's service is not any service's code";
    /// A referral whose target subdivision (`to_mo_id`) or issuing resource (`from_resource_id`) is
    /// not in the dataset: a referral to or from another organisation, normal (a warning).
    ReferralOtherOrganisation = "V064", Warning, false, "referral", "Appendix 1, table 8",
        "Направление в другую организацию или из другой организации",
        "The referral names a subdivision or resource of another organisation";
    /// Portal («Запись на прием РПГУ»): `doctor_id` is not the LPU GUID and the resource GUID glued (72 characters).
    PortalDoctorId = "V070", Error, false, "portal_entry_request", "«Запись на прием РПГУ» (doctor_id)",
        "doctor_id должен быть склейкой GUID ЛПУ и GUID ресурса (72 символа)",
        "doctor_id must be the LPU GUID and the resource GUID glued (72 characters)";
    /// Portal («Запись на прием РПГУ»): `time` is not `HH:MM`.
    PortalClockTime = "V071", Error, false, "portal_entry_request", "«Запись на прием РПГУ» (time)",
        "Время записи должно быть в формате ЧЧ:ММ", "The time must be HH:MM";
    /// Portal («Создание записи на прием к врачу»): neither `timeTable` nor `docGuid` with `dateTime` (the portal's error 4036).
    PortalVisitTarget = "V072", Error, false, "portal_visit_params", "«Создание записи на прием к врачу» (error 4036)",
        "Укажите гуид ячейки расписания или гуид врача и время приема",
        "Give timeTable, or docGuid with dateTime";
    /// Portal («Создание записи на прием к врачу»): `directionId` without `directionType` or the reverse (the portal's error 4033).
    PortalDirectionPair = "V073", Error, false, "portal_visit_params", "«Создание записи на прием к врачу» (error 4033)",
        "directionId и directionType указываются только вместе",
        "directionId and directionType go together";
    /// Portal («Запись на прием РПГУ», «Создание записи на прием к врачу»): `email_confirm_agree` other than 0 or 1.
    PortalConfirmAgree = "V074", Error, false, "portal_entry_request, portal_visit_params",
        "«Запись на прием РПГУ» and «Создание записи на прием к врачу» (email_confirm_agree)",
        "email_confirm_agree принимает значения 0 или 1", "email_confirm_agree must be 0 or 1";
    /// Portal («Создание записи на прием к врачу»): `email_confirm_agree` without `email` is ignored.
    PortalConfirmWithoutEmail = "V075", Warning, false, "portal_visit_params", "«Создание записи на прием к врачу» (email_confirm_agree)",
        "Согласие на рассылку учитывается, только если указан email",
        "email_confirm_agree counts only when an email is given";
}

impl RuleCode {
    /// The stable text of the code, e.g. `R-310` or `V001`.
    pub const fn as_str(self) -> &'static str {
        self.info().code
    }

    /// The default severity of the rule.
    pub const fn severity(self) -> Severity {
        self.info().severity
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One row of the documentation table: `| code | severity | tables | rule | spec section |`.
pub fn doc_row(code: RuleCode) -> String {
    let i = code.info();
    let severity = match (i.severity, i.lenient_inbound) {
        (Severity::Error, true) => "error (warning inbound)",
        (Severity::Error, false) => "error",
        (Severity::Warning, _) => "warning",
    };
    format!("| {} | {} | {} | {} | {} |", i.code, severity, i.applies_to, i.title_en, i.spec)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique() {
        let set: HashSet<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(set.len(), RuleCode::ALL.len());
    }

    /// Prints the table for lib.rs: `cargo test -p fer-validate --lib print_doc_table -- --ignored --nocapture`.
    #[test]
    #[ignore = "prints the rule table for the crate docs"]
    fn print_doc_table() {
        for code in RuleCode::ALL {
            println!("//! {}", doc_row(*code));
        }
    }

    #[test]
    fn crate_docs_list_every_rule() {
        let lib = include_str!("lib.rs");
        let rows: Vec<&str> = lib.lines().filter(|l| l.starts_with("//! | ") && !l.contains("---")).collect();
        for code in RuleCode::ALL {
            let row = format!("//! {}", doc_row(*code));
            assert!(lib.contains(&row), "lib.rs rule table lacks or differs for {code}; expected:\n{row}");
        }
        // Header plus one row per rule: nothing stale is left in the table.
        assert_eq!(rows.len(), RuleCode::ALL.len() + 1, "stale rows in the lib.rs rule table");
    }
}
