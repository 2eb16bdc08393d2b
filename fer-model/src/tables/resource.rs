//! Table 2 – Resource: doctors, machines and rooms (Приложение 1, «Resource - ресурсы МО»).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::schema::add_variant_rules;
use crate::table::impl_record;
use crate::{Enabled, Guid, Snils, Table, Timestamp};

wire_enum! {
    /// Тип ресурса: the wire value of `resource.type`.
    ResourceType {
        /// SPECIALIST – врач (a doctor).
        Specialist = "SPECIALIST",
        /// MACHINE – медицинский аппарат (a medical machine).
        Machine = "MACHINE",
        /// ROOM – кабинет (a room).
        Room = "ROOM",
    }
}

/// A doctor's fields (type SPECIALIST). Mandatory for a specialist, absent for every other type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specialist {
    /// Код должности, НСИ 1.2.643.5.1.13.13.11.1002 (e.g. 110 врач-терапевт участковый), string(45).
    pub post_id: String,
    /// Идентификатор специальности, ФНСИ 1.2.643.5.1.13.13.11.1066, string(45).
    pub speciality_id: String,
    /// Врач, СНИЛС (string(11)).
    pub snils: Snils,
    /// Врач, фамилия, string(512).
    pub last_name: String,
    /// Врач, имя, string(512).
    pub first_name: String,
    /// Врач, отчество, string(512).
    pub middle_name: Option<String>,
}

/// What a resource is, with exactly the fields its type carries.
///
/// The table lists all fields flat with «Обязательно при type = X, при type != X – не указывается»;
/// this enum makes a ROOM without `room_number`, or a MACHINE with a `snils`, impossible to build or
/// to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceKind {
    /// SPECIALIST – врач.
    Specialist(Specialist),
    /// MACHINE – медицинский аппарат.
    Machine {
        /// Аппарат, наименование, string(512).
        machine_name: String,
    },
    /// ROOM – кабинет.
    Room {
        /// Кабинет, номер, string(45).
        room_number: String,
        /// Кабинет, наименование, string(512).
        room_name: String,
    },
}

impl ResourceKind {
    /// The wire value of `type`.
    pub const fn resource_type(&self) -> ResourceType {
        match self {
            ResourceKind::Specialist(_) => ResourceType::Specialist,
            ResourceKind::Machine { .. } => ResourceType::Machine,
            ResourceKind::Room { .. } => ResourceType::Room,
        }
    }
}

/// A resource of a subdivision: a doctor, a machine or a room, to which slots belong.
///
/// Endpoints: `POST/GET/DELETE /api/resource`, `GET /api/mo/{mo_id}/resource`. Deleting a resource
/// deletes its slots, books and services (cascade). `post_name` (removed from the spec) and
/// `update_ts` (set by the service) are ignored on input and never sent.
///
/// ```
/// use fer_model::{Resource, ResourceKind};
/// let json = r#"{"id":"436b6461-effb-4f3c-ad6f-27f4b2c3e578","type":"ROOM",
///   "mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818","enabled":"ALL","create_ts":"2023-10-01T09:00:00",
///   "room_number":"101","room_name":"Процедурный кабинет"}"#;
/// let r: Resource = serde_json::from_str(json).unwrap();
/// assert!(matches!(r.kind, ResourceKind::Room { .. }));
///
/// // A ROOM without room_number, or a MACHINE with a snils, does not parse.
/// let bad = json.replace(r#""room_number":"101","#, "");
/// let err = serde_json::from_str::<Resource>(&bad).unwrap_err();
/// assert!(err.to_string().contains("room_number"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Уникальный идентификатор ресурса (GUID).
    pub id: Guid,
    /// Уникальный идентификатор структурного подразделения (mo.id).
    pub mo_id: Guid,
    /// Типы прикрепления, допустимые к данному ресурсу.
    pub enabled: Enabled,
    /// Время создания записи.
    pub create_ts: Timestamp,
    /// Описание, string(512).
    pub description: Option<String>,
    /// The type and the fields that go with it (`type` on the wire).
    pub kind: ResourceKind,
}

impl_record!(Resource, Table::Resource, id = id, parents = [mo_id => Table::Mo], optional = []);

/// The flat wire form of a resource, as Appendix 1 table 2 lists it. Used for parsing and for the
/// JSON Schema; [`Resource`] is built from it only when the fields match the type.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "ResourceWire")]
struct ResourceWire {
    /// Уникальный идентификатор ресурса (GUID).
    id: Guid,
    /// Тип ресурса.
    #[serde(rename = "type")]
    kind: ResourceType,
    /// Уникальный идентификатор структурного подразделения (mo.id).
    mo_id: Guid,
    /// Типы прикрепления, допустимые к данному ресурсу.
    enabled: Enabled,
    /// Время создания записи.
    create_ts: Timestamp,
    /// Описание, string(512).
    #[serde(default)]
    description: Option<String>,
    /// Код должности (НСИ 1.2.643.5.1.13.13.11.1002). SPECIALIST only, mandatory there.
    #[serde(default)]
    post_id: Option<String>,
    /// Идентификатор специальности (ФНСИ 1.2.643.5.1.13.13.11.1066). SPECIALIST only, mandatory there.
    #[serde(default)]
    speciality_id: Option<String>,
    /// Врач, СНИЛС. SPECIALIST only, mandatory there.
    #[serde(default)]
    snils: Option<Snils>,
    /// Врач, фамилия. SPECIALIST only, mandatory there.
    #[serde(default)]
    last_name: Option<String>,
    /// Врач, имя. SPECIALIST only, mandatory there.
    #[serde(default)]
    first_name: Option<String>,
    /// Врач, отчество. SPECIALIST only, optional.
    #[serde(default)]
    middle_name: Option<String>,
    /// Аппарат, наименование. MACHINE only, mandatory there.
    #[serde(default)]
    machine_name: Option<String>,
    /// Кабинет, номер. ROOM only, mandatory there.
    #[serde(default)]
    room_number: Option<String>,
    /// Кабинет, наименование. ROOM only, mandatory there.
    #[serde(default)]
    room_name: Option<String>,
}

const SPECIALIST_FIELDS: &[&str] = &["post_id", "speciality_id", "snils", "last_name", "first_name"];
const SPECIALIST_ONLY: &[&str] = &["post_id", "speciality_id", "snils", "last_name", "first_name", "middle_name"];
const MACHINE_FIELDS: &[&str] = &["machine_name"];
const ROOM_FIELDS: &[&str] = &["room_number", "room_name"];

impl TryFrom<ResourceWire> for Resource {
    type Error = String;

    fn try_from(w: ResourceWire) -> Result<Self, String> {
        let present = [
            ("post_id", w.post_id.is_some()),
            ("speciality_id", w.speciality_id.is_some()),
            ("snils", w.snils.is_some()),
            ("last_name", w.last_name.is_some()),
            ("first_name", w.first_name.is_some()),
            ("middle_name", w.middle_name.is_some()),
            ("machine_name", w.machine_name.is_some()),
            ("room_number", w.room_number.is_some()),
            ("room_name", w.room_name.is_some()),
        ];
        let own: &[&str] = match w.kind {
            ResourceType::Specialist => SPECIALIST_ONLY,
            ResourceType::Machine => MACHINE_FIELDS,
            ResourceType::Room => ROOM_FIELDS,
        };
        let foreign: Vec<&str> = present.iter().filter(|(f, p)| *p && !own.contains(f)).map(|(f, _)| *f).collect();
        if !foreign.is_empty() {
            return Err(format!(
                "resource {} of type {} must not carry {} (при type != X – не указывается)",
                w.id,
                w.kind,
                foreign.join(", ")
            ));
        }
        let missing = |name: &'static str, v: Option<String>| {
            v.ok_or_else(|| format!("resource {} of type {} requires {name}", w.id, w.kind))
        };
        let kind = match w.kind {
            ResourceType::Specialist => ResourceKind::Specialist(Specialist {
                post_id: missing("post_id", w.post_id)?,
                speciality_id: missing("speciality_id", w.speciality_id)?,
                snils: w.snils.ok_or_else(|| format!("resource {} of type SPECIALIST requires snils", w.id))?,
                last_name: missing("last_name", w.last_name)?,
                first_name: missing("first_name", w.first_name)?,
                middle_name: w.middle_name,
            }),
            ResourceType::Machine => ResourceKind::Machine { machine_name: missing("machine_name", w.machine_name)? },
            ResourceType::Room => ResourceKind::Room {
                room_number: missing("room_number", w.room_number)?,
                room_name: missing("room_name", w.room_name)?,
            },
        };
        Ok(Resource {
            id: w.id,
            mo_id: w.mo_id,
            enabled: w.enabled,
            create_ts: w.create_ts,
            description: w.description,
            kind,
        })
    }
}

/// The borrowed wire form used for serialization: the table's field order, absent fields omitted.
#[derive(Serialize)]
struct ResourceOut<'a> {
    id: Guid,
    #[serde(rename = "type")]
    kind: ResourceType,
    mo_id: Guid,
    enabled: Enabled,
    create_ts: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speciality_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snils: Option<&'a Snils>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    machine_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    room_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    room_name: Option<&'a str>,
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = ResourceOut {
            id: self.id,
            kind: self.kind.resource_type(),
            mo_id: self.mo_id,
            enabled: self.enabled,
            create_ts: self.create_ts,
            post_id: None,
            speciality_id: None,
            snils: None,
            last_name: None,
            first_name: None,
            middle_name: None,
            description: self.description.as_deref(),
            machine_name: None,
            room_number: None,
            room_name: None,
        };
        match &self.kind {
            ResourceKind::Specialist(sp) => {
                out.post_id = Some(&sp.post_id);
                out.speciality_id = Some(&sp.speciality_id);
                out.snils = Some(&sp.snils);
                out.last_name = Some(&sp.last_name);
                out.first_name = Some(&sp.first_name);
                out.middle_name = sp.middle_name.as_deref();
            }
            ResourceKind::Machine { machine_name } => out.machine_name = Some(machine_name),
            ResourceKind::Room { room_number, room_name } => {
                out.room_number = Some(room_number);
                out.room_name = Some(room_name);
            }
        }
        out.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Resource::try_from(ResourceWire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Resource {
    fn schema_name() -> Cow<'static, str> {
        "Resource".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut schema = ResourceWire::json_schema(g);
        schema.insert(
            "description".into(),
            "Ресурс МО: врач (SPECIALIST), медицинский аппарат (MACHINE) или кабинет (ROOM). \
             Type-specific fields are mandatory for their type and must be absent for the others."
                .into(),
        );
        let all: Vec<&str> = [SPECIALIST_ONLY, MACHINE_FIELDS, ROOM_FIELDS].concat();
        add_variant_rules(
            g,
            &mut schema,
            "type",
            &[
                ("SPECIALIST", SPECIALIST_FIELDS, SPECIALIST_ONLY),
                ("MACHINE", MACHINE_FIELDS, MACHINE_FIELDS),
                ("ROOM", ROOM_FIELDS, ROOM_FIELDS),
            ],
            &all,
        );
        schema
    }
}
