//! The list endpoints of section 5, both spellings where the spec has two.

use crate::common::{BRANCH_OID, Env, MO_ID, RESOURCE_ID, SLOT_ID, book, slot};
use serde_json::{Value, json};

fn ids(answer: &Value) -> Vec<String> {
    let list = answer["result"].as_array().unwrap_or_else(|| panic!("no list in {answer}"));
    list.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn subdivisions_by_oid_resources_slots_and_books() {
    let env = Env::start().await;
    env.seed().await;
    let mut later = slot("aaaaaaa9-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    later["visit_time"] = json!("2024-04-02T10:00:00");
    let (status, answer) = env.post("/api/slot", &json!({"data": [later, slot(SLOT_ID, "RECORDED")]})).await;
    assert_eq!(status, 200, "{answer}");
    env.post("/api/book", &json!({"data": [book("bbbbbbb1-5eff-49b8-9d07-ff2486162b3f", SLOT_ID)]})).await;

    let mo_oid = fer_emulator::DEFAULT_USERNAME;
    for path in [format!("/api/mo/oid/{mo_oid}"), format!("/api/oid/{mo_oid}"), format!("/api/mo/oid/{BRANCH_OID}")] {
        let (status, answer) = env.get(&path).await;
        assert_eq!(status, 200, "{path}: {answer}");
        assert_eq!(ids(&answer), [MO_ID], "{path}");
    }
    let (_, answer) = env.get("/api/mo/oid/1.2.643.5.1.13.13.12.2.86.8999").await;
    assert!(ids(&answer).is_empty());

    let (_, answer) = env.get(&format!("/api/mo/{MO_ID}/resource")).await;
    assert_eq!(ids(&answer), [RESOURCE_ID]);

    for spelling in ["resourse", "resource"] {
        let (_, answer) = env.get(&format!("/api/{spelling}/{RESOURCE_ID}/slots")).await;
        assert_eq!(ids(&answer).len(), 2, "{spelling}");
        let (_, answer) =
            env.get(&format!("/api/{spelling}/{RESOURCE_ID}/slots?startDate=2024-03-28&endDate=2024-03-28")).await;
        assert_eq!(ids(&answer), [SLOT_ID], "{spelling}");
        let (_, answer) = env.get(&format!("/api/{spelling}/{RESOURCE_ID}/slots?startDate=2024-03-29")).await;
        assert_eq!(ids(&answer), ["aaaaaaa9-5eff-49b8-9d07-ff2486162b3f"], "{spelling}");
    }

    let (_, answer) = env.get(&format!("/api/slot/{SLOT_ID}/books")).await;
    assert_eq!(ids(&answer), ["bbbbbbb1-5eff-49b8-9d07-ff2486162b3f"]);
}

#[tokio::test]
async fn bad_list_parameters_get_400_and_lists_need_a_token() {
    let env = Env::start().await;
    for path in [
        "/api/mo/oid/not..an.oid".to_owned(),
        "/api/mo/42/resource".to_owned(),
        format!("/api/resourse/{RESOURCE_ID}/slots?startDate=28.03.2024"),
        "/api/slot/nope/books".to_owned(),
    ] {
        let (status, answer) = env.get(&path).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["statusCode"], 400);
    }
    let (status, _) = crate::common::send(env.http.get(env.url(&format!("/api/mo/{MO_ID}/resource")))).await;
    assert_eq!(status, 401);
}
