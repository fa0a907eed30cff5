//! Stored media matched against banks that arrive after them: a submission carrying media
//! already stored, and signals added to a bank later (issue 13, item 7).

use axum::http::Method;
use serde_json::{Value, json};
use vigie_domain::access::{Actor, Role};
use vigie_server::workers::rematch;

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
    if !values.is_empty() {
        let signals: Vec<Value> =
            values.iter().map(|value| json!({"value": value, "labels": ["content:propaganda_video"]})).collect();
        let added = app
            .call(Method::POST, &format!("/v1/banks/{id}/signals"), Some(admin), Some(json!({"signals": signals})))
            .await;
        assert_eq!(added.status, 200, "{}", added.text);
    }
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

/// Runs the rematch worker until it has nothing left to do; returns (jobs, matches recorded).
async fn drain_rematches(app: &TestApp) -> (usize, u64) {
    let (mut jobs, mut total) = (0, 0);
    loop {
        match rematch::run_once(&app.state).await.expect("rematch pass") {
            rematch::Outcome::Idle => return (jobs, total),
            rematch::Outcome::Processed { matches, .. } => {
                jobs += 1;
                total += matches;
            }
        }
    }
}

backend_test!(issue_13_signals_added_later_find_stored_media, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let partner = app.organisation("Partner Platform", "platform").await;
    let sender = app.token(partner.id, &[Role::Referrer]).await;
    let partner_reviewer = app.token(partner.id, &[Role::Reviewer]).await;
    let other = app.organisation("Other Platform", "platform").await;
    let other_admin = app.token(other.id, &[Role::Admin]).await;
    let photo = picture(1, 0);
    let sha256 = vigie_hash::sha256_hex(&photo);
    let pdq = vigie_hash::hash_image_bytes(&photo, &vigie_hash::Limits::default()).unwrap().pdq.to_hex();

    // Yesterday's upload, to the partner platform, known to no bank.
    let report = multipart(
        Some(&user_report("https://img.example.net/yesterday", Some(&partner.id.0.to_string()))),
        &[("a.png", &photo)],
    );
    let receipt = post_multipart(&app, "/v1/submissions", &sender, report).await.json();
    assert_eq!(receipt["priority"], "low");
    drain_media(&app).await;
    assert_eq!(drain_rematches(&app).await, (0, 0), "no bank changed");

    // Today the hash is confirmed, three bits away, in a bank the partner may match against;
    // another platform holds it in a private bank the partner's reviewers may not learn of.
    let confirmed = bank_with(&app, &admin, "confirmed", ("pdq", "match"), &[flipped(&pdq, 3)]).await;
    bank_with(&app, &other_admin, "others-private", ("pdq", "private"), std::slice::from_ref(&pdq)).await;
    let before = case(&app, &partner_reviewer, &receipt["case_id"]).await;
    assert_eq!(before["match_count"], 0, "matched in the background, not inside the request: {before}");

    let (jobs, matches) = drain_rematches(&app).await;
    assert_eq!((jobs, matches), (2, 1), "one job per bank changed; the private bank gives the partner nothing");
    let after = case(&app, &partner_reviewer, &receipt["case_id"]).await;
    assert_eq!(after["priority"], "high", "{after}");
    assert_eq!(after["match_count"], 1, "{after}");
    let found = &after["matches"][0];
    assert_eq!(found["bank"], "confirmed");
    assert_eq!(found["distance"], 3);
    assert_eq!(found["media_sha256"], sha256);
    assert!(found["signal_id"].is_null(), "{found}");
    assert_eq!(drain_rematches(&app).await, (0, 0), "each change is matched once");

    // The bank's passes are visible to its managers; asking for a pass over everything retained
    // finds the same match and does not record it twice.
    let passes = app.call(Method::GET, &format!("/v1/banks/{confirmed}/rematch"), Some(&admin), None).await;
    assert_eq!(passes.status, 200, "{}", passes.text);
    let passes = passes.json();
    assert_eq!(passes[0]["status"], "done", "{passes}");
    assert_eq!((passes[0]["matches"].as_i64(), passes[0]["cases"].as_i64()), (Some(1), Some(1)));
    assert_eq!(passes[0]["scope"], "open");
    let asked = app
        .call(Method::POST, &format!("/v1/banks/{confirmed}/rematch"), Some(&admin), Some(json!({"scope": "retained"})))
        .await;
    assert_eq!(asked.status, 202, "{}", asked.text);
    assert_eq!(asked.json()["status"], "pending");
    assert_eq!(drain_rematches(&app).await, (1, 0));
    assert_eq!(case(&app, &partner_reviewer, &receipt["case_id"]).await["match_count"], 1);
    let refused = app
        .call(Method::POST, &format!("/v1/banks/{confirmed}/rematch"), Some(&sender), Some(json!({"scope": "all"})))
        .await;
    assert!(refused.status == 400 || refused.status == 403 || refused.status == 404, "{}", refused.text);

    // Signals written straight to the database, as `vigie bank import` does while the server
    // runs: this node's index has not seen them yet, and the rematch brings it up to date first.
    let digests = bank_with(&app, &admin, "digests", ("sha256", "shared"), &[]).await;
    let bank_id = vigie_domain::ids::BankId(digests.parse().unwrap());
    let signal = vigie_store::NewSignal {
        value: sha256.clone(),
        value_key: sha256.clone(),
        quality: None,
        source: Some("cli".into()),
        external_id: None,
        labels: String::new(),
        enabled: true,
    };
    app.store.import_signals(bank_id, &[signal], Actor::Cli, "test", &mut |_| {}).await.unwrap();
    assert_eq!(drain_rematches(&app).await, (1, 1));
    let after = case(&app, &partner_reviewer, &receipt["case_id"]).await;
    assert_eq!(after["match_count"], 2, "{after}");
    let digest_match = after["matches"].as_array().unwrap().iter().find(|m| m["signal_type"] == "sha256").unwrap();
    assert!(digest_match["signal_id"].is_i64(), "a shared bank's signal id is the partner's to see: {digest_match}");
});
