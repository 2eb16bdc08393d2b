//! Property tests: every table type survives serialize -> parse unchanged, and no patient data or
//! secret ever reaches `Debug`.

use fer_model::*;
use proptest::prelude::*;

fn guid() -> impl Strategy<Value = Guid> {
    any::<u128>().prop_map(Guid::from_u128)
}

fn ts() -> impl Strategy<Value = Timestamp> {
    (1900i32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60)
        .prop_map(|(y, mo, d, h, mi, s)| Timestamp::from_ymd_hms(y, mo, d, h, mi, s).unwrap())
}

fn oid() -> impl Strategy<Value = Oid> {
    proptest::collection::vec(0u32..100_000, 1..12).prop_map(|arcs| {
        format!("1.2.{}", arcs.iter().map(u32::to_string).collect::<Vec<_>>().join(".")).parse().unwrap()
    })
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn snils() -> impl Strategy<Value = Snils> {
    "[0-9]{11}".prop_map(|s| s.parse().unwrap())
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn mo() -> impl Strategy<Value = Mo> {
    (
        (guid(), oid(), oid(), text(), text()),
        (opt_text(), opt_text(), opt_text(), pick(Enabled::ALL), ts(), proptest::option::of(pick(MoAgeGroup::ALL))),
    )
        .prop_map(
            |((id, parent_id, branch_oid, name, address), (fias, okato, phone, enabled, create_ts, tag_age))| Mo {
                id,
                parent_id,
                branch_oid,
                name,
                address,
                address_fias_guid: fias,
                region_okato: okato,
                phone,
                enabled,
                create_ts,
                tag_age,
            },
        )
}

fn resource_kind() -> impl Strategy<Value = ResourceKind> {
    prop_oneof![
        (text(), text(), snils(), text(), text(), opt_text()).prop_map(|(p, s, sn, l, f, m)| {
            ResourceKind::Specialist(Specialist {
                post_id: p,
                speciality_id: s,
                snils: sn,
                last_name: l,
                first_name: f,
                middle_name: m,
            })
        }),
        text().prop_map(|machine_name| ResourceKind::Machine { machine_name }),
        (text(), text()).prop_map(|(room_number, room_name)| ResourceKind::Room { room_number, room_name }),
    ]
}

fn resource() -> impl Strategy<Value = Resource> {
    (guid(), guid(), pick(Enabled::ALL), ts(), opt_text(), resource_kind()).prop_map(
        |(id, mo_id, enabled, create_ts, description, kind)| Resource {
            id,
            mo_id,
            enabled,
            create_ts,
            description,
            kind,
        },
    )
}

fn service() -> impl Strategy<Value = Service> {
    (guid(), guid(), text(), proptest::option::of(-1e9f64..1e9), ts())
        .prop_map(|(id, resource_id, code, price, create_ts)| Service { id, resource_id, code, price, create_ts })
}

fn slot() -> impl Strategy<Value = Slot> {
    ((guid(), guid(), guid()), (1u16..(1 << 11), pick(AgeGroup::ALL), ts(), 0u32..100_000, pick(SlotStatus::ALL), ts()))
        .prop_map(|((id, mo_id, resource_id), (tags, tag_age, visit_time, d, status, create_ts))| Slot {
            id,
            mo_id,
            resource_id,
            tag_type: TagType::ALL.iter().enumerate().filter(|(i, _)| tags & (1 << i) != 0).map(|(_, t)| *t).collect(),
            tag_age,
            visit_time,
            duration: DurationMinutes(d),
            status,
            create_ts,
        })
}

fn book() -> impl Strategy<Value = Book> {
    (
        (guid(), guid(), guid()),
        (pick(BookStatus::ALL), pick(TagSource::ALL), pick(BookType::ALL), proptest::option::of(guid()), ts()),
    )
        .prop_map(|((id, patient_id, slot_id), (status_code, tag_source, kind, referral_id, create_ts))| Book {
            id,
            patient_id,
            slot_id,
            status_code,
            tag_source,
            kind,
            referral_id,
            create_ts,
        })
}

fn referral_kind() -> impl Strategy<Value = ReferralKind> {
    prop_oneof![
        (text(), text())
            .prop_map(|(speciality_id, to_post_name)| ReferralKind::Consultation { speciality_id, to_post_name }),
        (text(), opt_text())
            .prop_map(|(to_service_id, to_service_name)| ReferralKind::Research { to_service_id, to_service_name }),
    ]
}

fn referral() -> impl Strategy<Value = Referral> {
    (
        (guid(), "[a-z0-9-]{1,40}", text(), referral_kind(), ts(), proptest::option::of(ts())),
        (guid(), text(), pick(ReferralStatus::ALL), ts(), proptest::option::of(guid()), guid()),
        (proptest::option::of(guid()), opt_text(), opt_text(), text(), oid(), oid(), opt_text()),
    )
        .prop_map(
            |(
                (id, patient_id, number, kind, start_date, end_date),
                (to_mo_id, to_profile_code, status, create_ts, from_mo_id, from_resource_id),
                (to_resource_id, from_referral_id, from_rmis_id, referral_type_code, to_mo_oid, from_mo_oid, mnemonic),
            )| Referral {
                id,
                patient_id,
                number,
                kind,
                start_date,
                end_date,
                to_mo_id,
                to_profile_code,
                status,
                create_ts,
                from_mo_id,
                from_resource_id,
                to_resource_id,
                from_referral_id,
                from_rmis_id,
                referral_type_code,
                to_mo_oid,
                from_mo_oid,
                from_mnemonic_code: mnemonic,
            },
        )
}

fn period() -> impl Strategy<Value = UnaccessablePeriod> {
    (guid(), guid(), pick(UnavailabilityReason::ALL), ts(), ts(), ts()).prop_map(
        |(period_id, resource_id, reason, beg_date, end_date, create_ts)| UnaccessablePeriod {
            period_id,
            resource_id,
            reason,
            beg_date,
            end_date,
            create_ts,
        },
    )
}

fn profile() -> impl Strategy<Value = ProfilecodeResource> {
    (guid(), guid(), text(), ts()).prop_map(|(id, resource_id, profile_code, create_ts)| ProfilecodeResource {
        id,
        resource_id,
        profile_code,
        create_ts,
    })
}

fn assert_round_trip<T: Record + PartialEq + std::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
    prop_assert_eq!(&back, value);
    // Lenient bytes in, canonical bytes out: the second emission is identical.
    prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mo_round_trips(v in mo()) { assert_round_trip(&v)?; }
    #[test]
    fn resource_round_trips(v in resource()) { assert_round_trip(&v)?; }
    #[test]
    fn service_round_trips(v in service()) { assert_round_trip(&v)?; }
    #[test]
    fn slot_round_trips(v in slot()) { assert_round_trip(&v)?; }
    #[test]
    fn book_round_trips(v in book()) { assert_round_trip(&v)?; }
    #[test]
    fn referral_round_trips(v in referral()) { assert_round_trip(&v)?; }
    #[test]
    fn period_round_trips(v in period()) { assert_round_trip(&v)?; }
    #[test]
    fn profile_round_trips(v in profile()) { assert_round_trip(&v)?; }

    #[test]
    fn slot_batches_round_trip(v in proptest::collection::vec(slot(), 0..20)) {
        let json = serde_json::to_string(&BatchRef::new(&v)).unwrap();
        let back: Batch<Slot> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.data, v);
    }

    #[test]
    fn every_timestamp_form_reads_the_same(t in ts()) {
        let canonical = t.to_string();
        let spaced = canonical.replacen('T', " ", 1);
        let russian = format!("{}.{}.{} {}", &canonical[8..10], &canonical[5..7], &canonical[0..4], &canonical[11..]);
        prop_assert_eq!(spaced.parse::<Timestamp>().unwrap(), t);
        prop_assert_eq!(russian.parse::<Timestamp>().unwrap(), t);
    }

    #[test]
    fn rfc3339_fractions_and_offsets_read_as_the_wall_clock_written(
        t in ts(),
        fraction in proptest::option::of("[0-9]{1,9}"),
        offset in proptest::option::of(prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            (0u32..24, 0u32..60, any::<bool>()).prop_map(|(h, m, east)| format!("{}{h:02}:{m:02}", if east { '+' } else { '-' })),
        ]),
        space in any::<bool>(),
    ) {
        let mut text = t.to_string();
        if space {
            text = text.replacen('T', " ", 1);
        }
        if let Some(f) = &fraction {
            text = format!("{text}.{f}");
        }
        if let Some(o) = &offset {
            text.push_str(o);
        }
        let read: Timestamp = text.parse().unwrap();
        prop_assert_eq!(read, t);
        // Emitted in the declared form, and read back the same.
        let json = serde_json::to_string(&read).unwrap();
        prop_assert_eq!(&json, &format!("\"{t}\""));
        prop_assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        prop_assert_eq!(Timestamp::has_rfc3339_extras(&text), fraction.is_some() || offset.is_some());
        prop_assert_eq!(Timestamp::has_offset(&text), offset.is_some());
    }

    #[test]
    fn valid_to_without_a_zone_is_utc(t in ts()) {
        let naive = t.to_string();
        let zoned = format!("{naive}Z");
        let a = fer_model::wire::parse_valid_to(&naive).unwrap();
        prop_assert_eq!(a, fer_model::wire::parse_valid_to(&zoned).unwrap());
        prop_assert_eq!(a.naive_utc(), t.naive());
    }

    #[test]
    fn guid_case_and_spaces_normalise(g in guid()) {
        let upper = format!("  {}\t", g.to_string().to_uppercase());
        prop_assert_eq!(upper.parse::<Guid>().unwrap(), g);
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers(s in "\\PC{0,64}") {
        let _ = s.parse::<Guid>();
        let _ = s.parse::<Oid>();
        let _ = s.parse::<Snils>();
        let _ = s.parse::<Timestamp>();
        let _ = s.parse::<TagTypes>();
        let _ = BirthDate::parse(&s);
        let _ = serde_json::from_str::<Slot>(&s);
    }
}

#[test]
fn debug_never_shows_secrets_or_patient_data() {
    let json = fer_testkit::fixture::text(fer_testkit::Doc::Vitrina, "booking_request.json")
        .replace("\"***\"", "\"Секретова\"")
        .replace("\"phone\": null", "\"phone\": \"+79990001122\"")
        .replace("\"email\": null", "\"email\": \"patient@example.org\"");
    let req: BookingRequest = serde_json::from_str(&json).unwrap();
    let debug = format!("{req:?} {:?}", req.patient_data_rrp);
    for secret in ["Секретова", "11147535028", "11080835497", "1999-10-10", "+79990001122", "patient@example.org"]
    {
        assert!(!debug.contains(secret), "Debug shows {secret}: {debug}");
    }

    let auth: AuthResponse =
        serde_json::from_str(&fer_testkit::fixture::text(fer_testkit::Doc::Vitrina, "auth_response.json")).unwrap();
    assert!(!format!("{auth:?}").contains("eyJ"), "Debug shows the token");
    let login = AuthRequest::new("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "E837EE78350021618250663B60EF58**");
    assert!(!format!("{login:?}").contains("E837"), "Debug shows the password");

    let doctor = Resource {
        id: Guid::from_u128(1),
        mo_id: Guid::from_u128(2),
        enabled: Enabled::All,
        create_ts: "2024-01-01T00:00:00".parse().unwrap(),
        description: None,
        kind: ResourceKind::Specialist(Specialist {
            post_id: "110".into(),
            speciality_id: "27".into(),
            snils: "11223344595".parse().unwrap(),
            last_name: "Иванов".into(),
            first_name: "Иван".into(),
            middle_name: None,
        }),
    };
    assert!(!format!("{doctor:?}").contains("11223344595"), "Debug shows a doctor's SNILS");
}
