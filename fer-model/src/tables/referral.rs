//! Table 8 – Referral: patient referrals (Приложение 1, «Referral - направления пациентов»).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::schema::add_variant_rules;
use crate::table::impl_record;
use crate::{Guid, Oid, Table, Timestamp};

wire_enum! {
    /// Тип направления (`referral.type`).
    ReferralType {
        /// CONSULTATION – на консультацию (to a specialist: only the speciality is known).
        Consultation = "CONSULTATION",
        /// RESEARCH – на исследование (a service, done by a room or a machine).
        Research = "RESEARCH",
    }
}

wire_enum! {
    /// Статус направления (`referral.status`).
    ReferralStatus {
        /// AVAILABLE – доступно (no active booking names it).
        Available = "AVAILABLE",
        /// RECORDED – записано (an active booking names it).
        Recorded = "RECORDED",
        /// CANCELED – отменено.
        Canceled = "CANCELED",
    }
}

/// The type of a referral and the fields that go with it.
///
/// «если type = CONSULTATION: … speciality_id, to_post_name; если type = RESEARCH: … to_service_id».
///
/// Unlike table 2 (resources: «при type != SPECIALIST – не указывается»), table 8 marks these
/// fields «Условно обязательное» and never says the other type's fields must be absent. So a
/// referral that also carries the other type's fields is accepted: they are read and not kept
/// (the type decides what the referral is), and fer-validate warns about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralKind {
    /// CONSULTATION – на консультацию.
    Consultation {
        /// Идентификатор специальности, ФНСИ 1.2.643.5.1.13.13.11.1066, string(45).
        speciality_id: String,
        /// Наименование должности (1.2.643.5.1.13.13.11.1002), string(512).
        to_post_name: String,
    },
    /// RESEARCH – на исследование.
    Research {
        /// Код медицинской услуги (НСИ 1.2.643.5.1.13.13.11.1070): a `service.code`, string(45).
        to_service_id: String,
        /// Наименование услуги. Named by the service requirements of section 9 for RESEARCH, absent
        /// from table 8: optional, sent only when set.
        to_service_name: Option<String>,
    },
}

impl ReferralKind {
    /// The wire value of `type`.
    pub const fn referral_type(&self) -> ReferralType {
        match self {
            ReferralKind::Consultation { .. } => ReferralType::Consultation,
            ReferralKind::Research { .. } => ReferralType::Research,
        }
    }
}

/// A patient's referral to a consultation or a research.
///
/// Endpoints: `POST/GET/DELETE /api/referral`. The status becomes RECORDED while an active book
/// names the referral and AVAILABLE again when that book is cancelled (section 9, requirement 3).
/// The spec spells one key `from_mo _id` (with a space): accepted, emitted as `from_mo_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Уникальный идентификатор направления пациента (GUID).
    pub id: Guid,
    /// Идентификатор пациента, string(45).
    pub patient_id: String,
    /// Номер направления, string(45).
    pub number: String,
    /// Тип направления and its type-specific fields.
    pub kind: ReferralKind,
    /// Дата начала действия направления.
    pub start_date: Timestamp,
    /// Дата окончания действия направления; absent for an open-ended referral.
    pub end_date: Option<Timestamp>,
    /// Идентификатор структурного подразделения МО, в которое выдано направление (mo.id).
    pub to_mo_id: Guid,
    /// Код профиля отделения куда выписано направление (ФНСИ 1.2.643.5.1.13.13.11.1119). A resource
    /// with this profile must be on the Vitrina, or no schedule is shown.
    pub to_profile_code: String,
    /// Статус направления.
    pub status: ReferralStatus,
    /// Дата создания записи.
    pub create_ts: Timestamp,
    /// Идентификатор структурного подразделения МО, выдавшего направление (mo.id).
    pub from_mo_id: Option<Guid>,
    /// Идентификатор ресурса, выдавшего направление (resource.id).
    pub from_resource_id: Guid,
    /// Идентификатор ресурса, к которому выдано направление (resource.id).
    pub to_resource_id: Option<Guid>,
    /// Идентификатор направления в МО ФОИВ (federal MOs only).
    pub from_referral_id: Option<String>,
    /// Идентификатор МИС, создавшей направление в МО ФОИВ (federal MOs only).
    pub from_rmis_id: Option<String>,
    /// Код медицинского направления (ФНСИ 1.2.643.5.1.13.13.11.1009).
    pub referral_type_code: String,
    /// OID учреждения (head organisation), в которое выдано направление.
    pub to_mo_oid: Oid,
    /// OID учреждения или СП, выдавшего направление.
    pub from_mo_oid: Oid,
    /// Мнемоника агента витрины, от которой получено направление.
    pub from_mnemonic_code: Option<String>,
}

impl_record!(
    Referral,
    Table::Referral,
    id = id,
    parents = [to_mo_id => Table::Mo, from_resource_id => Table::Resource],
    optional = [from_mo_id => Table::Mo, to_resource_id => Table::Resource]
);

/// The flat wire form of a referral (Appendix 1 table 8), for parsing and for the JSON Schema.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "ReferralWire")]
struct ReferralWire {
    /// Уникальный идентификатор направления пациента (GUID).
    id: Guid,
    /// Идентификатор пациента, string(45).
    #[serde(deserialize_with = "crate::wire::trimmed")]
    patient_id: String,
    /// Идентификатор специальности (ФНСИ 1.2.643.5.1.13.13.11.1066). Mandatory for CONSULTATION.
    #[serde(default)]
    speciality_id: Option<String>,
    /// Номер направления, string(45).
    number: String,
    /// Тип направления.
    #[serde(rename = "type")]
    kind: ReferralType,
    /// Дата начала действия направления.
    start_date: Timestamp,
    /// Дата окончания действия направления; may be absent for an open-ended referral.
    #[serde(default)]
    end_date: Option<Timestamp>,
    /// Идентификатор СП МО, в которое выдано направление (mo.id).
    to_mo_id: Guid,
    /// Код профиля отделения куда выписано направление (1.2.643.5.1.13.13.11.1119).
    to_profile_code: String,
    /// Наименование должности (1.2.643.5.1.13.13.11.1002). Mandatory for CONSULTATION.
    #[serde(default)]
    to_post_name: Option<String>,
    /// Код медицинской услуги (1.2.643.5.1.13.13.11.1070), a service.code. Mandatory for RESEARCH.
    #[serde(default)]
    to_service_id: Option<String>,
    /// Наименование услуги (RESEARCH only, optional).
    #[serde(default)]
    to_service_name: Option<String>,
    /// Идентификатор СП МО, выдавшего направление. The spec spells it `from_mo _id`.
    #[serde(default, alias = "from_mo _id")]
    from_mo_id: Option<Guid>,
    /// Идентификатор ресурса, выдавшего направление.
    from_resource_id: Guid,
    /// Статус направления.
    status: ReferralStatus,
    /// Дата создания записи.
    create_ts: Timestamp,
    /// Идентификатор ресурса, к которому выдано направление.
    #[serde(default)]
    to_resource_id: Option<Guid>,
    /// Идентификатор направления в МО ФОИВ.
    #[serde(default)]
    from_referral_id: Option<String>,
    /// Идентификатор МИС, создавшей направление в МО ФОИВ.
    #[serde(default)]
    from_rmis_id: Option<String>,
    /// Код медицинского направления (1.2.643.5.1.13.13.11.1009).
    referral_type_code: String,
    /// OID учреждения, в которое выдано направление.
    to_mo_oid: Oid,
    /// OID учреждения, выдавшего направление.
    from_mo_oid: Oid,
    /// Мнемоника агента витрины, от которой получено направление.
    #[serde(default)]
    from_mnemonic_code: Option<String>,
}

const CONSULTATION_FIELDS: &[&str] = &["speciality_id", "to_post_name"];
const RESEARCH_FIELDS: &[&str] = &["to_service_id"];
const RESEARCH_ONLY: &[&str] = &["to_service_id", "to_service_name"];

impl ReferralType {
    /// The fields that belong to this type (table 8 and, for `to_service_name`, the RESEARCH
    /// requirements of section 9): a referral of the other type that carries them is accepted,
    /// and they are not kept.
    pub const fn own_fields(self) -> &'static [&'static str] {
        match self {
            ReferralType::Consultation => CONSULTATION_FIELDS,
            ReferralType::Research => RESEARCH_ONLY,
        }
    }
}

impl TryFrom<ReferralWire> for Referral {
    type Error = String;

    fn try_from(w: ReferralWire) -> Result<Self, String> {
        let (id, t) = (w.id, w.kind);
        let require = |f: &str| format!("referral {id} of type {t} requires {f}");
        let kind = match t {
            ReferralType::Consultation => ReferralKind::Consultation {
                speciality_id: w.speciality_id.ok_or_else(|| require("speciality_id"))?,
                to_post_name: w.to_post_name.ok_or_else(|| require("to_post_name"))?,
            },
            ReferralType::Research => ReferralKind::Research {
                to_service_id: w.to_service_id.ok_or_else(|| require("to_service_id"))?,
                to_service_name: w.to_service_name,
            },
        };
        Ok(Referral {
            id,
            patient_id: w.patient_id,
            number: w.number,
            kind,
            start_date: w.start_date,
            end_date: w.end_date,
            to_mo_id: w.to_mo_id,
            to_profile_code: w.to_profile_code,
            status: w.status,
            create_ts: w.create_ts,
            from_mo_id: w.from_mo_id,
            from_resource_id: w.from_resource_id,
            to_resource_id: w.to_resource_id,
            from_referral_id: w.from_referral_id,
            from_rmis_id: w.from_rmis_id,
            referral_type_code: w.referral_type_code,
            to_mo_oid: w.to_mo_oid,
            from_mo_oid: w.from_mo_oid,
            from_mnemonic_code: w.from_mnemonic_code,
        })
    }
}

/// The borrowed wire form for serialization, in the table's order.
#[derive(Serialize)]
struct ReferralOut<'a> {
    id: Guid,
    patient_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    speciality_id: Option<&'a str>,
    number: &'a str,
    #[serde(rename = "type")]
    kind: ReferralType,
    start_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<Timestamp>,
    to_mo_id: Guid,
    to_profile_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_post_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_service_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_service_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_mo_id: Option<Guid>,
    from_resource_id: Guid,
    status: ReferralStatus,
    create_ts: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_resource_id: Option<Guid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_referral_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_rmis_id: Option<&'a str>,
    referral_type_code: &'a str,
    to_mo_oid: &'a Oid,
    from_mo_oid: &'a Oid,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_mnemonic_code: Option<&'a str>,
}

impl Serialize for Referral {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (speciality_id, to_post_name, to_service_id, to_service_name) = match &self.kind {
            ReferralKind::Consultation { speciality_id, to_post_name } => {
                (Some(speciality_id.as_str()), Some(to_post_name.as_str()), None, None)
            }
            ReferralKind::Research { to_service_id, to_service_name } => {
                (None, None, Some(to_service_id.as_str()), to_service_name.as_deref())
            }
        };
        ReferralOut {
            id: self.id,
            patient_id: &self.patient_id,
            speciality_id,
            number: &self.number,
            kind: self.kind.referral_type(),
            start_date: self.start_date,
            end_date: self.end_date,
            to_mo_id: self.to_mo_id,
            to_profile_code: &self.to_profile_code,
            to_post_name,
            to_service_id,
            to_service_name,
            from_mo_id: self.from_mo_id,
            from_resource_id: self.from_resource_id,
            status: self.status,
            create_ts: self.create_ts,
            to_resource_id: self.to_resource_id,
            from_referral_id: self.from_referral_id.as_deref(),
            from_rmis_id: self.from_rmis_id.as_deref(),
            referral_type_code: &self.referral_type_code,
            to_mo_oid: &self.to_mo_oid,
            from_mo_oid: &self.from_mo_oid,
            from_mnemonic_code: self.from_mnemonic_code.as_deref(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Referral {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Referral::try_from(ReferralWire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Referral {
    fn schema_name() -> Cow<'static, str> {
        "Referral".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut schema = ReferralWire::json_schema(g);
        schema.insert(
            "description".into(),
            "Направление пациента на консультацию (CONSULTATION: speciality_id, to_post_name) или на \
             исследование (RESEARCH: to_service_id)."
                .into(),
        );
        // The other type's fields are allowed (table 8 never says «не указывается»): only the
        // required ones are conditional.
        let all: Vec<&str> = [CONSULTATION_FIELDS, RESEARCH_ONLY].concat();
        add_variant_rules(
            g,
            &mut schema,
            "type",
            &[("CONSULTATION", CONSULTATION_FIELDS, &all), ("RESEARCH", RESEARCH_FIELDS, &all)],
            &all,
        );
        schema
    }
}
