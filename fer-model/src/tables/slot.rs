//! Table 4 – Slot: schedule slots (Приложение 1, «Slot - слоты»).

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::table::impl_record;
use crate::{AgeGroup, DurationMinutes, Guid, Table, Timestamp, UnknownValue};

wire_enum! {
    /// A channel a slot is open to (one value of `tag_type`).
    TagType {
        /// EPGU - для ЕПГУ (the federal portal).
        Epgu = "EPGU",
        /// ORDINARY – обычный.
        Ordinary = "ORDINARY",
        /// RESERVE – резервный.
        Reserve = "RESERVE",
        /// PAID – платный.
        Paid = "PAID",
        /// CENTER – для центра записи (call centre).
        Center = "CENTER",
        /// REFERRAL – по направлению.
        Referral = "REFERRAL",
        /// D_OBSERVATION – для записи по карте диспансерного наблюдения.
        DObservation = "D_OBSERVATION",
        /// INFOMAT – для инфомата.
        Infomat = "INFOMAT",
        /// REGISTRY – для регистратуры.
        Registry = "REGISTRY",
        /// EQUEUE – для живой очереди.
        Equeue = "EQUEUE",
        /// ONLINE – для приема средствами видеосвязи.
        Online = "ONLINE",
    }
}

/// The set of channels a slot is open to: `tag_type`, one or more [`TagType`]s travelling as one
/// comma-separated string («При перечислении нескольких значений, использовать в качестве
/// разделителя – запятую»).
///
/// Emitted in the spec's order without spaces (`"EPGU,REGISTRY"`); spaces around commas are accepted.
/// A set holds each value once; an empty set is representable so that `fer-validate` can report it.
///
/// ```
/// use fer_model::{TagType, TagTypes};
/// let t: TagTypes = "REGISTRY, EPGU".parse().unwrap();
/// assert!(t.contains(TagType::Epgu));
/// assert_eq!(t.to_string(), "EPGU,REGISTRY");
/// assert!("EPGU,SOMETHING".parse::<TagTypes>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TagTypes(u16);

impl TagTypes {
    /// The empty set.
    pub const EMPTY: TagTypes = TagTypes(0);

    /// A set of one value.
    pub const fn only(t: TagType) -> Self {
        TagTypes(1 << t as u16)
    }

    /// The set with `t` added.
    #[must_use]
    pub const fn with(self, t: TagType) -> Self {
        TagTypes(self.0 | 1 << t as u16)
    }

    /// Adds `t`; returns false when it was already there.
    pub fn insert(&mut self, t: TagType) -> bool {
        let had = self.contains(t);
        self.0 |= 1 << t as u16;
        !had
    }

    /// True when `t` is in the set.
    pub const fn contains(self, t: TagType) -> bool {
        self.0 & (1 << t as u16) != 0
    }

    /// True when the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of values in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The values, in the spec's order.
    pub fn iter(self) -> impl Iterator<Item = TagType> {
        TagType::ALL.iter().copied().filter(move |t| self.contains(*t))
    }

    /// Parses the comma-separated form. Repeats collapse (the raw-JSON validator reports them).
    pub fn parse(s: &str) -> Result<Self, UnknownValue> {
        let mut set = TagTypes::EMPTY;
        if s.trim().is_empty() {
            return Ok(set);
        }
        for part in s.split(',') {
            let part = part.trim();
            let t = TagType::from_wire(part).ok_or_else(|| UnknownValue::new("TagType", part, TagType::WIRE_NAMES))?;
            set.insert(t);
        }
        Ok(set)
    }
}

impl FromIterator<TagType> for TagTypes {
    fn from_iter<I: IntoIterator<Item = TagType>>(iter: I) -> Self {
        iter.into_iter().fold(TagTypes::EMPTY, TagTypes::with)
    }
}

impl From<TagType> for TagTypes {
    fn from(t: TagType) -> Self {
        TagTypes::only(t)
    }
}

impl std::str::FromStr for TagTypes {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TagTypes::parse(s)
    }
}

impl fmt::Display for TagTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(t.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for TagTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TagTypes({self})")
    }
}

impl Serialize for TagTypes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.len() == 1
            && let Some(t) = self.iter().next()
        {
            return s.serialize_str(t.as_str());
        }
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TagTypes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = TagTypes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a comma-separated list of {}", TagType::WIRE_NAMES.join(", "))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TagTypes, E> {
                TagTypes::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for TagTypes {
    fn schema_name() -> Cow<'static, str> {
        "TagTypes".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let names = TagType::WIRE_NAMES.join("|");
        let pattern = format!(r"^\s*({names})(\s*,\s*({names}))*\s*$");
        let values = TagType::json_schema(g);
        let description = format!(
            "Типы записей: one or more values, comma-separated in one string («При перечислении \
             нескольких значений, использовать в качестве разделителя – запятую»). {}",
            values.get("description").and_then(|d| d.as_str()).unwrap_or_default()
        );
        json_schema!({
            "type": "string",
            "pattern": pattern,
            "description": description,
            "examples": ["EPGU", "EPGU,REGISTRY"],
        })
    }
}

wire_enum! {
    /// Status of a slot (`slot.status`).
    ///
    /// Transitions are checked by [`SlotStatus::can_transition_to`].
    SlotStatus {
        /// AVAILABLE – доступен (free to book).
        Available = "AVAILABLE",
        /// RECORDED – записан (booked).
        Recorded = "RECORDED",
        /// CANCELED – отменен (annulled by the MO; booking answers code 15).
        Canceled = "CANCELED",
        /// RESERVED – забронирован (held by a preliminary reservation).
        Reserved = "RESERVED",
        /// BLOCKED – заблокирован.
        Blocked = "BLOCKED",
    }
}

impl SlotStatus {
    /// Whether a slot may move from `self` to `next`. Staying in the same status is always allowed.
    ///
    /// The spec names two transitions (UC-1: AVAILABLE → RECORDED on booking; UC-1.1: RECORDED →
    /// AVAILABLE on cancel). The rest is our reading, documented here:
    ///
    /// | from | may become |
    /// |---|---|
    /// | AVAILABLE | RECORDED, RESERVED, BLOCKED, CANCELED |
    /// | RESERVED | RECORDED, AVAILABLE, BLOCKED, CANCELED |
    /// | RECORDED | AVAILABLE (cancel), CANCELED (annulled by the MO) |
    /// | BLOCKED | AVAILABLE, CANCELED |
    /// | CANCELED | nothing: an annulled slot is final; publish a new slot instead |
    ///
    /// ```
    /// use fer_model::SlotStatus::*;
    /// assert!(Available.can_transition_to(Recorded));
    /// assert!(Recorded.can_transition_to(Available));
    /// assert!(!Canceled.can_transition_to(Available));
    /// assert!(!Blocked.can_transition_to(Recorded));
    /// ```
    pub const fn can_transition_to(self, next: SlotStatus) -> bool {
        use SlotStatus::*;
        matches!(
            (self, next),
            (Available, Available | Recorded | Reserved | Blocked | Canceled)
                | (Reserved, Reserved | Recorded | Available | Blocked | Canceled)
                | (Recorded, Recorded | Available | Canceled)
                | (Blocked, Blocked | Available | Canceled)
                | (Canceled, Canceled)
        )
    }
}

/// A schedule slot: a time a resource can receive one patient.
///
/// Endpoints: `POST/GET/DELETE /api/slot`, `GET /api/resourse/{resource_id}/slots?startDate&endDate`.
/// Slots must reach the Vitrina at least every 30 seconds and within 30 seconds of a status change
/// made elsewhere. Two slots of one resource with the same `visit_time` are refused with R-330; a
/// repeated id inside one request with R-310.
///
/// ```
/// use fer_model::{Slot, SlotStatus};
/// let json = r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
///   "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
///   "visit_time":"2024-03-28T05:00:00","duration":"20","create_ts":"2023-10-01 09:00:00","status":"AVAILABLE"}"#;
/// let slot: Slot = serde_json::from_str(json).unwrap();
/// assert_eq!(slot.status, SlotStatus::Available);
/// assert_eq!(slot.duration.minutes(), 20);
/// // Emitted in the declared forms: duration as a number, create_ts with a T.
/// let out = serde_json::to_string(&slot).unwrap();
/// assert!(out.contains(r#""duration":20"#) && out.contains(r#""create_ts":"2023-10-01T09:00:00""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Slot {
    /// Уникальный идентификатор слота (GUID).
    pub id: Guid,
    /// Уникальный идентификатор структурного подразделения (mo.id); must equal the resource's.
    pub mo_id: Guid,
    /// Уникальный идентификатор ресурса (resource.id).
    pub resource_id: Guid,
    /// Типы записей.
    pub tag_type: TagTypes,
    /// Учет возраста.
    pub tag_age: AgeGroup,
    /// Время начала приема (local time, no offset).
    pub visit_time: Timestamp,
    /// Продолжительность в минутах процедуры оказания государственной услуги по регламенту.
    pub duration: DurationMinutes,
    /// Статус слота.
    pub status: SlotStatus,
    /// Дата создания записи.
    pub create_ts: Timestamp,
}

impl Slot {
    /// The end of the slot: `visit_time + duration`.
    pub fn end_time(&self) -> chrono::NaiveDateTime {
        self.visit_time.naive() + self.duration.to_chrono()
    }
}

impl_record!(
    Slot,
    Table::Slot,
    id = id,
    parents = [mo_id => Table::Mo, resource_id => Table::Resource],
    optional = []
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_types_round_trip_in_spec_order() {
        let t = TagTypes::parse("ONLINE,EPGU , REGISTRY").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.to_string(), "EPGU,REGISTRY,ONLINE");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"EPGU,REGISTRY,ONLINE\"");
        assert_eq!(TagTypes::parse("").unwrap(), TagTypes::EMPTY);
        assert_eq!(TagTypes::parse("EPGU,EPGU").unwrap(), TagTypes::only(TagType::Epgu));
        let err = TagTypes::parse("EPGU,,REGISTRY").unwrap_err();
        assert!(err.to_string().contains("\"\""), "{err}");
    }

    #[test]
    fn every_transition_is_decided() {
        for &a in SlotStatus::ALL {
            assert!(a.can_transition_to(a));
        }
        assert!(!SlotStatus::Recorded.can_transition_to(SlotStatus::Reserved));
        assert!(!SlotStatus::Canceled.can_transition_to(SlotStatus::Recorded));
    }
}
