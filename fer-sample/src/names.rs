//! Word lists and reference codes the sample draws from. Codes are real entries of the NSI
//! dictionaries the tables name, so that the sample reads like production data.

/// Surnames, in the masculine form; [`feminine`] derives the other.
pub const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
];

/// First names with the matching patronymic ending: (name, is_female).
pub const FIRST_NAMES: &[(&str, bool)] = &[
    ("Александр", false),
    ("Сергей", false),
    ("Дмитрий", false),
    ("Андрей", false),
    ("Алексей", false),
    ("Елена", true),
    ("Ольга", true),
    ("Наталья", true),
    ("Татьяна", true),
    ("Ирина", true),
];

/// Fathers' names, from which patronymics are formed.
pub const FATHERS: &[(&str, &str)] = &[
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"),
    ("Николаевич", "Николаевна"),
    ("Владимирович", "Владимировна"),
];

/// Streets for addresses.
pub const STREETS: &[&str] = &[
    "ул. Ленина",
    "Профсоюзная ул.",
    "ул. Гагарина",
    "Садовая ул.",
    "пр-т Мира",
    "ул. Строителей",
    "Школьная ул.",
    "Лесная ул.",
];

/// Doctors' posts: (post_id, ФРМР 1.2.643.5.1.13.13.11.1002; speciality_id, ФНСИ
/// 1.2.643.5.1.13.13.11.1066; profile_code, ФНСИ 1.2.643.5.1.13.13.11.1119; appointment service
/// code, НМУ 1.2.643.5.1.13.13.11.1070).
pub struct Post {
    /// `resource.post_id`.
    pub post_id: &'static str,
    /// Post name, for `referral.to_post_name`.
    pub post_name: &'static str,
    /// `resource.speciality_id`.
    pub speciality_id: &'static str,
    /// `profilecode_resource.profile_code`.
    pub profile_code: &'static str,
    /// `service.code` of the appointment.
    pub service_code: &'static str,
}

/// The posts the sample staffs.
pub const POSTS: &[Post] = &[
    Post {
        post_id: "109",
        post_name: "врач-терапевт участковый",
        speciality_id: "76",
        profile_code: "97",
        service_code: "B01.047.001",
    },
    Post {
        post_id: "74",
        post_name: "врач-невролог",
        speciality_id: "41",
        profile_code: "53",
        service_code: "B01.023.001",
    },
    Post {
        post_id: "88",
        post_name: "врач-офтальмолог",
        speciality_id: "50",
        profile_code: "65",
        service_code: "B01.029.001",
    },
    Post {
        post_id: "49",
        post_name: "врач-кардиолог",
        speciality_id: "23",
        profile_code: "29",
        service_code: "B01.015.001",
    },
    Post {
        post_id: "126",
        post_name: "врач-хирург",
        speciality_id: "93",
        profile_code: "112",
        service_code: "B01.057.001",
    },
];

/// Research services done by machines and rooms: (service code, НМУ 1070; profile code; name).
pub const RESEARCH: &[(&str, &str, &str)] = &[
    ("A06.09.006", "78", "Флюорография легких"),
    ("A05.10.006", "29", "Регистрация электрокардиограммы"),
    ("A04.16.001", "78", "Ультразвуковое исследование органов брюшной полости"),
    ("A09.05.023", "34", "Исследование уровня глюкозы в крови"),
];

/// The feminine form of a surname of the list (`Иванов` -> `Иванова`).
pub fn feminine(surname: &str) -> String {
    format!("{surname}а")
}
