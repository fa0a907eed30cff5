//! Stored media matched against banks that arrive after them: a submission carrying media
//! already stored, and signals added to a bank later (issue 13, item 7).

use axum::http::Method;
use serde_json::{Value, json};
use vigie_domain::access::Role;

use crate::intake::{drain_media, multipart, picture, post_multipart};
use crate::support::{TestApp, backend_test};

fn user_report(url: &str, platform: Option<&str>) -> Value {
    let mut report =
        json!({"kind": "user_report", "category": "propaganda", "url": url, "seen_where": "video_platform"});
    if let Some(platform) = platform {
        report["platform"] = json!(platform);
    }
    report
}

/// A PDQ hash `bits` bits away from `hash`.
fn flipped(hash: &str, bits: usize) -> String {
    let mut bytes = hex::decode(hash).unwrap();
    for bit in 0..bits {
        bytes[bit / 8] ^= 0x80 >> (bit % 8);
    }
    hex::encode(bytes)
}

/// Creates a bank as `admin` (its organisation's) and adds `values` to it; returns its id.
async fn bank_with(
    app: &TestApp,
    admin: &str,
    name: &str,
    (signal_type, visibility): (&str, &str),
    values: &[String],
) -> String {
    let bank = json!({"name": name, "signal_type": signal_type, "visibility": visibility});
    let created = app.call(Method::POST, "/v1/banks", Some(admin), Some(bank)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let signals: Vec<Value> =
        values.iter().map(|value| json!({"value": value, "labels": ["content:propaganda_video"]})).collect();
    let added = app
        .call(Method::POST, &format!("/v1/banks/{id}/signals"), Some(admin), Some(json!({"signals": signals})))
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    id
}

async fn case(app: &TestApp, token: &str, id: &Value) -> Value {
    let reply = app.call(Method::GET, &format!("/v1/cases/{}", id.as_str().unwrap()), Some(token), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

backend_test!(issue_13_stored_media_are_matched_against_a_bank_added_later, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let partner = app.organisation("Partner Platform", "platform").await;
    let sender = app.token(partner.id, &[Role::Referrer]).await;
    let partner_reviewer = app.token(partner.id, &[Role::Reviewer]).await;
    let photo = picture(2, 0);
    let sha256 = vigie_hash::sha256_hex(&photo);
    let pdq = vigie_hash::hash_image_bytes(&photo, &vigie_hash::Limits::default()).unwrap().pdq.to_hex();

    // The photo arrives first, while no bank knows it, and is identified.
    let first = multipart(Some(&user_report("https://img.example.net/first", None)), &[("a.jpg", &photo)]);
    let first = post_multipart(&app, "/v1/submissions", &sender, first).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let first = first.json();
    assert_eq!(drain_media(&app).await, 1);
    assert_eq!(app.store.find_media(&sha256).await.unwrap().unwrap().status, "hashed");

    // Then its hash is confirmed, two bits away.
    bank_with(&app, &admin, "confirmed", ("pdq", "match"), &[flipped(&pdq, 2)]).await;

    // The same photo again, now for the partner platform: a case of its own. The file is
    // already stored (same SHA-256), yet its perceptual hash is matched on arrival.
    let later = multipart(
        Some(&user_report("https://img.example.net/later", Some(&partner.id.0.to_string()))),
        &[("b.jpg", &photo)],
    );
    let later = post_multipart(&app, "/v1/submissions", &sender, later).await;
    assert_eq!(later.status, 201, "{}", later.text);
    let later = later.json();
    assert_ne!(later["case_id"], first["case_id"]);
    assert_eq!(later["priority"], "high", "matched on arrival: {later}");
    let partner_case = case(&app, &partner_reviewer, &later["case_id"]).await;
    assert_eq!(partner_case["match_count"], 1, "{partner_case}");
    let found = &partner_case["matches"][0];
    assert_eq!(found["bank"], "confirmed");
    assert_eq!(found["signal_type"], "pdq");
    assert_eq!(found["distance"], 2);
    assert_eq!(found["media_sha256"], sha256);
    assert!(found["signal_id"].is_null(), "a `match` bank's signal ids stay with its owner: {found}");

    // The stored media is queued again so the worker matches it for every case now holding it;
    // what was found on arrival is not recorded twice.
    assert_eq!(app.store.find_media(&sha256).await.unwrap().unwrap().status, "pending");
    assert_eq!(drain_media(&app).await, 1);
    assert_eq!(app.store.find_media(&sha256).await.unwrap().unwrap().status, "hashed");
    let partner_case = case(&app, &partner_reviewer, &later["case_id"]).await;
    assert_eq!(partner_case["match_count"], 1, "{partner_case}");
    assert_eq!(partner_case["priority"], "high");

    // A resend to the operator joins the first case by its digest and brings the match to it.
    let again = multipart(Some(&user_report("https://img.example.net/again", None)), &[("c.jpg", &photo)]);
    let again = post_multipart(&app, "/v1/submissions", &sender, again).await.json();
    assert_eq!(again["case_id"], first["case_id"]);
    assert_eq!(again["priority"], "high");
    drain_media(&app).await;
    let first_case = case(&app, &admin, &first["case_id"]).await;
    assert_eq!(first_case["match_count"], 1, "{first_case}");
    assert_eq!(first_case["priority"], "high");
});
