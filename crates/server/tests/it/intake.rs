//! Intake through the API: receipts and deadlines per kind, grouping into cases, visibility,
//! idempotency, the removal-order clock, media, batches and bad input.

use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::{DateTime, Duration, Utc};
use image::ImageEncoder;
use serde_json::{Value, json};
use vigie_domain::access::{Actor, Role};
use vigie_server::workers::media::{Outcome, run_once};

use crate::support::{Reply, TestApp, backend_test};

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("not a time: {value}")))
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn removal_order(reference: &str, url: &str) -> Value {
    json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR", "reference": reference,
        "issued_at": "2026-12-01T08:00:00Z", "urls": [url], "grounds": ["a", "c"],
        "statement_of_reasons": "Video glorifying the attack and calling others to join.",
        "cross_border": false, "non_disclosure_until": null,
        "redress": "Tribunal administratif de Paris, within 48 hours"})
}

fn referral(url: &str) -> Value {
    json!({"kind": "referral", "urls": [url], "explanation": "Recruitment post.", "deconfliction": "cleared"})
}

fn notice(url: &str) -> Value {
    json!({"kind": "notice", "urls": [url], "explanation": "Calls for attacks (art. 421-2-5 code pénal).",
        "notifier_name": "Ana Example", "notifier_email": "ana@example.org", "good_faith": true})
}

fn user_report(url: &str) -> Value {
    json!({"kind": "user_report", "category": "propaganda", "url": url, "seen_where": "video_platform"})
}

fn partner_flag(url: &str) -> Value {
    json!({"kind": "partner_flag", "urls": [url], "labels": ["content:propaganda_video"]})
}

async fn post(app: &TestApp, token: &str, body: Value) -> Reply {
    app.call(Method::POST, "/v1/submissions", Some(token), Some(body)).await
}

/// A synthetic 128x128 PNG: a gradient with a pattern chosen by `pattern`, and `noise` pixels
/// nudged (a near-duplicate of the same pattern with different bytes).
pub(crate) fn picture(pattern: u32, noise: u32) -> Vec<u8> {
    let (width, height) = (128_u32, 128_u32);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let value = match pattern {
                0 => (x * 2) as u8,
                1 => (((x / 8) + (y / 8)) % 2 * 255) as u8,
                _ => ((x * y) % 251) as u8,
            };
            pixels.extend([value, (y * 2) as u8, value / 2]);
        }
    }
    for index in 0..noise {
        let at = ((index * 7919) % (width * height)) as usize * 3;
        pixels[at] = pixels[at].wrapping_add(9);
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

const BOUNDARY: &str = "intakeboundary";

pub(crate) fn multipart(submission: Option<&Value>, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(submission) = submission {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission\"\r\n\r\n").into_bytes(),
        );
        body.extend(serde_json::to_vec(submission).unwrap());
        body.extend(b"\r\n");
    }
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    body
}

pub(crate) async fn post_multipart(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

pub(crate) async fn drain_media(app: &TestApp) -> usize {
    let mut processed = 0;
    while run_once(&app.state).await.expect("media worker pass") == Outcome::Processed {
        processed += 1;
    }
    processed
}

backend_test!(every_kind_gets_a_receipt_with_its_deadline, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let flagger = app.organisation("Trusted Flagger", "trusted_flagger").await;
    let partner = app.organisation("Partner Platform", "platform").await;
    let unit_token = app.token(unit.id, &[Role::Referrer]).await;
    let flagger_token = app.token(flagger.id, &[Role::Referrer]).await;
    let partner_token = app.token(partner.id, &[Role::Referrer]).await;
    let before = app.audit_length().await;
    let table = [
        (&unit_token, removal_order("OFAC-1", "https://v.example.net/watch?v=1"), Duration::hours(1), "urgent"),
        (&unit_token, referral("https://forum.example.org/t/1"), Duration::hours(24), "high"),
        (&flagger_token, notice("https://v.example.net/watch?v=2"), Duration::hours(24), "high"),
        (&partner_token, notice("https://v.example.net/watch?v=3"), Duration::hours(48), "normal"),
        (&partner_token, user_report("https://v.example.net/watch?v=4"), Duration::hours(72), "low"),
        (&partner_token, partner_flag("https://v.example.net/watch?v=5"), Duration::hours(72), "normal"),
    ];
    for (token, body, window, priority) in table {
        let sent_at = Utc::now();
        let reply = post(&app, token, body.clone()).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let receipt = reply.json();
        let received_at = time(&receipt["received_at"]);
        assert!(received_at >= sent_at - Duration::seconds(1) && received_at <= Utc::now(), "{receipt}");
        assert!(receipt["received_at"].as_str().unwrap().ends_with('Z'), "UTC: {receipt}");
        assert_eq!(time(&receipt["due_at"]) - received_at, window, "{body}");
        assert_eq!(receipt["kind"], body["kind"]);
        assert_eq!(receipt["status"], "received");
        assert_eq!(receipt["priority"], priority, "{body}");
        assert_eq!(receipt["duplicate"], false);
        assert_eq!(receipt["platform"], app.operator.id.0.to_string());
        assert!(receipt["case_id"].is_string());
        let id = receipt["id"].as_str().unwrap();
        assert_eq!(reply.headers[header::LOCATION], format!("/v1/submissions/{id}"));
        assert_eq!(receipt.get("confirmation").is_some(), body["kind"] == "notice", "{receipt}");
    }
    // One audit event per submission, in the same chain.
    assert_eq!(app.audit_length().await, before + 6);

    // A platform's own referral window replaces the default.
    app.store.set_referral_window(app.operator.id, Some(180), Actor::System).await.unwrap();
    app.state.intake.directory.forget(app.operator.id);
    let receipt = post(&app, &unit_token, referral("https://forum.example.org/t/2")).await.json();
    assert_eq!(time(&receipt["due_at"]) - time(&receipt["received_at"]), Duration::minutes(180));
    // ...but never a removal order's hour, which is law.
    let receipt = post(&app, &unit_token, removal_order("OFAC-2", "https://v.example.net/watch?v=6")).await.json();
    assert_eq!(time(&receipt["due_at"]) - time(&receipt["received_at"]), Duration::hours(1));
});

backend_test!(submissions_about_the_same_url_share_a_case, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let first = post(&app, &token, user_report("https://video.example.net/watch?v=abc123")).await.json();
    let order =
        post(&app, &token, removal_order("OFAC-7", "HTTPS://Video.Example.NET:443/watch?v=abc123#t=10")).await.json();
    let other = post(&app, &token, user_report("https://video.example.net/watch?v=zzz")).await.json();
    assert_eq!(first["case_id"], order["case_id"], "same URL after normalisation");
    assert_ne!(first["case_id"], other["case_id"]);
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", order["case_id"].as_str().unwrap()), Some(&reviewer), None)
        .await;
    assert_eq!(case.status, 200, "{}", case.text);
    let case = case.json();
    assert_eq!(case["submission_count"], 2);
    // The strictest deadline and the highest priority of its submissions.
    assert_eq!(case["due_at"], order["due_at"]);
    assert_eq!(case["priority"], "urgent");
    assert_eq!(case["kinds"], json!(["removal_order", "user_report"]));
    assert_eq!(case["submissions"].as_array().unwrap().len(), 2);
    // The queue puts it first: earliest deadline.
    let queue = app.call(Method::GET, "/v1/cases", Some(&reviewer), None).await.json();
    assert_eq!(queue[0]["id"], order["case_id"]);
    assert_eq!(queue.as_array().unwrap().len(), 2);
    let urgent = app.call(Method::GET, "/v1/cases?min_priority=urgent", Some(&reviewer), None).await.json();
    assert_eq!(urgent.as_array().unwrap().len(), 1);
    let reports = app.call(Method::GET, "/v1/cases?kind=removal_order", Some(&reviewer), None).await.json();
    assert_eq!(reports.as_array().unwrap().len(), 1);
    let overdue = app.call(Method::GET, "/v1/cases?overdue=true", Some(&reviewer), None).await.json();
    assert_eq!(overdue.as_array().unwrap().len(), 0);
    let bad = app.call(Method::GET, "/v1/cases?min_priority=extreme", Some(&reviewer), None).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["errors"][0]["field"], "min_priority");

    // A submission naming URLs of two cases joins them into the older one.
    let joined = post(
        &app,
        &token,
        json!({"kind": "referral", "urls": ["https://video.example.net/watch?v=zzz", "https://video.example.net/watch?v=abc123"],
            "explanation": "Same campaign.", "deconfliction": "not_required"}),
    )
    .await
    .json();
    assert_eq!(joined["case_id"], first["case_id"]);
    let merged = app
        .call(Method::GET, &format!("/v1/cases/{}", other["case_id"].as_str().unwrap()), Some(&reviewer), None)
        .await
        .json();
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into"], first["case_id"]);
    let moved = app
        .call(Method::GET, &format!("/v1/submissions/{}", other["id"].as_str().unwrap()), Some(&token), None)
        .await
        .json();
    assert_eq!(moved["case_id"], first["case_id"]);
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", first["case_id"].as_str().unwrap()), Some(&reviewer), None)
        .await
        .json();
    assert_eq!(case["submission_count"], 4);
    assert!(app.store.verify_audit_chain().await.unwrap().first_break.is_none());
});

backend_test!(near_duplicate_images_share_a_case, |app| async move {
    let partner = app.organisation("Partner Platform", "platform").await;
    let token = app.token(partner.id, &[Role::Referrer]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let original = picture(2, 0);
    let copy = picture(2, 40);
    let unrelated = picture(1, 0);
    assert_ne!(original, copy);
    let mut receipts = Vec::new();
    for (index, bytes) in [&original, &copy, &unrelated].into_iter().enumerate() {
        let body = multipart(Some(&user_report(&format!("https://img.example.net/p/{index}"))), &[("a.png", bytes)]);
        let reply = post_multipart(&app, "/v1/submissions", &token, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        receipts.push(reply.json());
    }
    // Hashing happens after the receipt: three different cases until then.
    assert_ne!(receipts[0]["case_id"], receipts[1]["case_id"]);
    assert_eq!(drain_media(&app).await, 3);
    let case_of = |index: usize| {
        let id = receipts[index]["id"].as_str().unwrap().to_owned();
        let app = &app;
        let token = &token;
        async move { app.call(Method::GET, &format!("/v1/submissions/{id}"), Some(token), None).await.json() }
    };
    let (first, second, third) = (case_of(0).await, case_of(1).await, case_of(2).await);
    assert_eq!(first["case_id"], second["case_id"], "near-duplicates grouped");
    assert_ne!(first["case_id"], third["case_id"]);
    let media = &first["media"][0];
    assert_eq!(media["status"], "hashed");
    assert_eq!(media["media_type"], "image");
    assert_eq!(media["pdq"].as_str().unwrap().len(), 64);
    assert_eq!(media["sha256"], vigie_hash::sha256_hex(&original));
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", first["case_id"].as_str().unwrap()), Some(&reviewer), None)
        .await
        .json();
    assert_eq!(case["submission_count"], 2);
    // The same file again groups at once, by its SHA-256, before any hashing.
    let again = multipart(Some(&user_report("https://elsewhere.example/x")), &[("b.png", &copy)]);
    let again = post_multipart(&app, "/v1/submissions", &token, again).await.json();
    assert_eq!(again["case_id"], first["case_id"]);
    // The file is stored once, under its digest.
    let path = app.state.intake.media.path_of(&vigie_hash::sha256_hex(&copy));
    assert_eq!(std::fs::read(path).unwrap(), copy);
});

backend_test!(media_matching_a_bank_raises_the_case, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let partner = app.organisation("Partner Platform", "platform").await;
    let token = app.token(partner.id, &[Role::Referrer]).await;
    let bytes = picture(0, 0);
    let pdq = vigie_hash::hash_image_bytes(&bytes, &vigie_hash::Limits::default()).unwrap().pdq.to_hex();
    let bank =
        app.call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "known", "signal_type": "pdq"}))).await;
    let bank_id = bank.json()["id"].as_str().unwrap().to_owned();
    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{bank_id}/signals"),
            Some(&admin),
            Some(json!({"signals": [{"value": pdq, "labels": ["content:propaganda_video"]}]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let url_bank =
        app.call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "urls", "signal_type": "url"}))).await;
    let url_bank = url_bank.json()["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/v1/banks/{url_bank}/signals"),
        Some(&admin),
        Some(json!({"signals": [{"value": "https://known.example/v/1"}]})),
    )
    .await;

    // A URL in a bank is matched on arrival: the receipt already shows the raised priority.
    let receipt = post(&app, &token, user_report("https://known.example/v/1")).await.json();
    assert_eq!(receipt["priority"], "high");
    // A small image is hashed while received and matched on arrival too; the media worker,
    // matching it again, does not record the match twice.
    let body = multipart(Some(&user_report("https://img.example.net/q")), &[("a.png", &bytes)]);
    let receipt = post_multipart(&app, "/v1/submissions", &token, body).await.json();
    assert_eq!(receipt["priority"], "high");
    drain_media(&app).await;
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", receipt["case_id"].as_str().unwrap()), Some(&admin), None)
        .await
        .json();
    assert_eq!(case["priority"], "high", "{case}");
    assert_eq!(case["match_count"], 1);
    assert_eq!(case["matches"][0]["bank"], "known");
    assert_eq!(case["matches"][0]["labels"], json!(["content:propaganda_video"]));
    let matched = app.call(Method::GET, "/v1/cases?has_matches=true", Some(&admin), None).await.json();
    assert_eq!(matched.as_array().unwrap().len(), 2);
});

backend_test!(only_the_sender_and_the_platform_see_a_submission, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let other_unit = app.organisation("EU IRU", "referral_unit").await;
    let platform_b = app.organisation("Platform B", "platform").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let sender_viewer = app.token(unit.id, &[Role::Viewer]).await;
    let outsider = app.token(other_unit.id, &[Role::Admin]).await;
    let other_platform = app.token(platform_b.id, &[Role::Reviewer]).await;
    let operator_reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let operator_referrer = app.token(app.operator.id, &[Role::Referrer]).await;
    let receipt = post(&app, &sender, notice("https://v.example.net/watch?v=private")).await.json();
    let path = format!("/v1/submissions/{}", receipt["id"].as_str().unwrap());
    for (token, status) in [
        (&sender, 200),
        (&sender_viewer, 200),
        (&operator_reviewer, 200),
        (&outsider, 404),
        (&other_platform, 404),
        (&operator_referrer, 404),
    ] {
        assert_eq!(app.call(Method::GET, &path, Some(token), None).await.status, status);
    }
    let seen = app.call(Method::GET, &path, Some(&sender), None).await.json();
    assert_eq!(seen["details"]["notifier_email"], "ana@example.org");
    assert_eq!(seen["submitter"], unit.id.0.to_string());
    // Each organisation's list holds its own submissions only.
    let own = app.call(Method::GET, "/v1/submissions", Some(&sender), None).await.json();
    assert_eq!(own.as_array().unwrap().len(), 1);
    let theirs = app.call(Method::GET, "/v1/submissions", Some(&outsider), None).await.json();
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    // Cases: the platform's reviewers, not the senders or other platforms.
    let case = format!("/v1/cases/{}", receipt["case_id"].as_str().unwrap());
    assert_eq!(app.call(Method::GET, &case, Some(&operator_reviewer), None).await.status, 200);
    assert_eq!(app.call(Method::GET, &case, Some(&other_platform), None).await.status, 404);
    assert_eq!(app.call(Method::GET, "/v1/cases", Some(&sender), None).await.status, 403);
    let b_queue = app.call(Method::GET, "/v1/cases", Some(&other_platform), None).await.json();
    assert_eq!(b_queue.as_array().unwrap().len(), 0);
    // Sending to another platform: only a platform may be named.
    let to_b = post(
        &app,
        &sender,
        json!({"kind": "user_report", "category": "recruitment",
        "url": "https://b.example/1", "platform": platform_b.id.0}),
    )
    .await;
    assert_eq!(to_b.status, 201, "{}", to_b.text);
    assert_eq!(to_b.json()["platform"], platform_b.id.0.to_string());
    assert_eq!(
        app.call(Method::GET, "/v1/cases", Some(&other_platform), None).await.json().as_array().unwrap().len(),
        1
    );
    let to_unit = post(
        &app,
        &sender,
        json!({"kind": "user_report", "category": "recruitment",
        "url": "https://b.example/2", "platform": other_unit.id.0}),
    )
    .await;
    assert_eq!(to_unit.status, 400);
    assert_eq!(to_unit.json()["errors"][0]["field"], "platform");
});

backend_test!(resends_return_the_first_receipt, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;
    let other = app.token(app.organisation("EU IRU", "referral_unit").await.id, &[Role::Referrer]).await;
    let send = |body: Value, key: Option<&'static str>, token: String| {
        let app = &app;
        async move {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri("/v1/submissions")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            app.send(request.body(Body::from(serde_json::to_vec(&body).unwrap())).unwrap()).await
        }
    };
    let report = user_report("https://v.example.net/watch?v=retry");
    let first = send(report.clone(), Some("key-1"), token.clone()).await;
    assert_eq!(first.status, 201);
    let retry = send(report.clone(), Some("key-1"), token.clone()).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(retry.json()["duplicate"], true);
    let reused = send(user_report("https://v.example.net/watch?v=other"), Some("key-1"), token.clone()).await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(reused.json()["errors"][0]["field"], "Idempotency-Key");
    // Keys belong to the sender: another organisation's same key is a new submission.
    assert_eq!(send(report.clone(), Some("key-1"), other.clone()).await.status, 201);

    // The same authority reference twice is the same order, key or not.
    let order = removal_order("OFAC-2026-0412", "https://v.example.net/watch?v=abc123");
    let first = send(order.clone(), None, token.clone()).await;
    assert_eq!(first.status, 201);
    let again = send(order.clone(), None, token.clone()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(send(order, None, other).await.status, 201, "references are per sender");
    let listed = app.call(Method::GET, "/v1/submissions", Some(&token), None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // In one batch, a reference repeated is stored once.
    let batch = json!({"submissions": [removal_order("OFAC-9", "https://a.example/1"), removal_order("OFAC-9", "https://a.example/1")]});
    let reply = app.call(Method::POST, "/v1/submissions/batch", Some(&token), Some(batch)).await.json();
    assert_eq!(reply["stored"], 1, "{reply}");
    assert_eq!(reply["duplicates"], 1);
    assert_eq!(reply["results"][0]["receipt"]["id"], reply["results"][1]["receipt"]["id"]);
});

backend_test!(removal_order_clocks_pause_and_resume, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let viewer = app.token(app.operator.id, &[Role::Viewer]).await;
    let receipt = post(&app, &sender, removal_order("OFAC-3", "https://v.example.net/watch?v=p")).await.json();
    let id = receipt["id"].as_str().unwrap();
    let case = format!("/v1/cases/{}", receipt["case_id"].as_str().unwrap());
    let pause =
        json!({"reason": "clarification_requested", "explanation": "The URL does not resolve; Annex III sent."});
    let path = format!("/v1/submissions/{id}/pause");
    assert_eq!(app.call(Method::POST, &path, Some(&sender), Some(pause.clone())).await.status, 403);
    assert_eq!(app.call(Method::POST, &path, Some(&viewer), Some(pause.clone())).await.status, 404);
    let bad =
        app.call(Method::POST, &path, Some(&reviewer), Some(json!({"reason": "holiday", "explanation": "x"}))).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["errors"][0]["field"], "reason");
    let paused = app.call(Method::POST, &path, Some(&reviewer), Some(pause.clone())).await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    let paused = paused.json();
    assert_eq!(paused["status"], "paused");
    assert!(paused["due_at"].is_null());
    assert_eq!(paused["clock"][0]["action"], "pause");
    assert_eq!(paused["clock"][0]["reason"], "clarification_requested");
    assert_eq!(paused["clock"][0]["due_at_before"], receipt["due_at"]);
    assert!(app.call(Method::GET, &case, Some(&reviewer), None).await.json()["due_at"].is_null());
    // Twice is a conflict, and nothing changes.
    assert_eq!(app.call(Method::POST, &path, Some(&reviewer), Some(pause)).await.status, 409);
    let resume_path = format!("/v1/submissions/{id}/resume");
    let resumed = app
        .call(Method::POST, &resume_path, Some(&reviewer), Some(json!({"explanation": "Clarification received."})))
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    let resumed = resumed.json();
    assert_eq!(resumed["status"], "received");
    // A fresh hour from the resumption (TCO Art. 3(8)).
    let resumed_at = time(&resumed["clock"][1]["recorded_at"]);
    assert_eq!(time(&resumed["due_at"]) - resumed_at, Duration::hours(1));
    assert_eq!(app.call(Method::GET, &case, Some(&reviewer), None).await.json()["due_at"], resumed["due_at"]);
    assert_eq!(
        app.call(Method::POST, &resume_path, Some(&reviewer), Some(json!({"explanation": "again"}))).await.status,
        409
    );
    // Only removal orders have this clock.
    let report = post(&app, &sender, user_report("https://v.example.net/watch?v=q")).await.json();
    let path = format!("/v1/submissions/{}/pause", report["id"].as_str().unwrap());
    let refused = app
        .call(Method::POST, &path, Some(&reviewer), Some(json!({"reason": "force_majeure", "explanation": "outage"})))
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.json()["type"], "urn:vigie:problem:invalid-transition");
    let events = app.store.list_audit_events(None, None, 50).await.unwrap().events;
    assert!(events.iter().any(|event| event.record.action == "submission.pause"));
    assert!(events.iter().any(|event| event.record.action == "submission.resume"));
});

backend_test!(overdue_cases_are_flagged, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    // A store whose clock is two hours behind receives the order "two hours ago".
    let past = app.store.clone().with_clock(std::sync::Arc::new(|| Utc::now() - Duration::hours(2)));
    let sender_org = unit.id;
    let late = vigie_domain::intake::NewSubmission {
        id: vigie_domain::ids::SubmissionId::new_v7(),
        number: vigie_domain::intake::SubmissionNumber::from_random(uuid::Uuid::now_v7().as_u64_pair().1.to_le_bytes()),
        kind: vigie_domain::intake::SubmissionKind::RemovalOrder,
        platform_id: app.operator.id,
        submitter_id: Some(sender_org),
        actor: Actor::System,
        reference: Some("OFAC-OLD".into()),
        idempotency: None,
        priority: vigie_domain::intake::Priority::Urgent,
        window: Duration::hours(1),
        trusted_flagger: false,
        urls: vec!["https://late.example/1".into()],
        content_keys: vec![vigie_domain::intake::ContentKey::Url("https://late.example/1".into())],
        media: Vec::new(),
        matches: Vec::new(),
        details: "{}".into(),
    };
    past.record_submissions(&[late]).await.unwrap();
    post(&app, &sender, removal_order("OFAC-NEW", "https://late.example/2")).await;
    let overdue = app.call(Method::GET, "/v1/cases?overdue=true", Some(&reviewer), None).await.json();
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert_eq!(overdue[0]["overdue"], true);
    let all = app.call(Method::GET, "/v1/cases", Some(&reviewer), None).await.json();
    assert_eq!(all[0]["overdue"], true, "the overdue case comes first");
    assert_eq!(all[1]["overdue"], false);
});

backend_test!(bad_submissions_store_nothing, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;
    let before = app.audit_length().await;
    let order = removal_order("OFAC-BAD", "https://v.example.net/watch?v=bad");
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for field in [
        "issuing_authority",
        "member_state",
        "reference",
        "issued_at",
        "urls",
        "grounds",
        "statement_of_reasons",
        "cross_border",
        "redress",
    ] {
        let mut body = order.clone();
        body.as_object_mut().unwrap().remove(field);
        cases.push((body, field));
    }
    let mut unknown_ground = order.clone();
    unknown_ground["grounds"] = json!(["a", "z"]);
    cases.push((unknown_ground, "grounds[1]"));
    let mut bad_url = order.clone();
    bad_url["urls"] = json!(["javascript:alert(1)"]);
    cases.push((bad_url, "urls[0]"));
    let mut wrong_type = order.clone();
    wrong_type["cross_border"] = json!("no");
    cases.push((wrong_type, "cross_border"));
    cases.push((json!({"kind": "complaint", "urls": ["https://x.example"]}), "kind"));
    cases.push((json!({"urls": ["https://x.example"]}), "kind"));
    cases.push((
        json!({"kind": "notice", "urls": ["https://x.example"], "explanation": "x", "notifier_name": "A",
        "notifier_email": "not-an-email", "good_faith": true}),
        "notifier_email",
    ));
    for (body, field) in cases {
        let reply = post(&app, &token, body.clone()).await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/problem+json");
        let problem = reply.json();
        let named: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(named.contains(&field), "{field} not named: {problem}");
    }
    // Uploads: too large, a broken image, media before the submission, an unknown part.
    let mut settings = vigie_server::ServerSettings::default();
    settings.intake.max_media_bytes = 10_000;
    let small = TestApp::spawn_with(app.store.backend(), settings).await;
    let small_token = small.token(small.organisation("PHAROS", "referral_unit").await.id, &[Role::Referrer]).await;
    let report = user_report("https://img.example/1");
    let big = vec![7_u8; 20_000];
    // A real image cut short: its header is fine, its pixels are not.
    let whole = picture(2, 0);
    let truncated = whole[..whole.len().min(6000) / 2].to_vec();
    let uploads: Vec<(Vec<u8>, u16, &str)> = vec![
        (multipart(Some(&report), &[("big.bin", &big)]), 413, ""),
        (multipart(Some(&report), &[("broken.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")]), 400, "media[0]"),
        (multipart(Some(&report), &[("empty.png", b"")]), 400, "media[0]"),
        (multipart(Some(&report), &[("cut.png", &truncated)]), 400, "media[0]"),
        (multipart(None, &[("a.png", &picture(0, 0))]), 400, "media"),
        (multipart(Some(&json!({"kind": "user_report"})), &[("a.png", &picture(0, 0))]), 400, "category"),
    ];
    let small_before = small.audit_length().await;
    for (body, status, field) in uploads {
        let reply = post_multipart(&small, "/v1/submissions", &small_token, body).await;
        assert_eq!(reply.status, status, "{}", reply.text);
        if !field.is_empty() {
            assert!(reply.text.contains(&format!("\"field\":\"{field}\"")), "{field}: {}", reply.text);
        }
    }
    let not_json = Request::builder()
        .method(Method::POST)
        .uri("/v1/submissions")
        .header(header::AUTHORIZATION, format!("Bearer {small_token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    assert_eq!(small.send(not_json).await.status, 415);
    // Nothing was stored: no event, no submission, no media row, no file left.
    assert_eq!(app.audit_length().await, before);
    assert_eq!(small.audit_length().await, small_before);
    for test_app in [&app, &small] {
        let listed = test_app
            .call(
                Method::GET,
                "/v1/submissions",
                Some(if std::ptr::eq(test_app, &app) { &token } else { &small_token }),
                None,
            )
            .await
            .json();
        assert_eq!(listed.as_array().unwrap().len(), 0);
    }
    assert!(small.store.find_media(&vigie_hash::sha256_hex(&picture(0, 0))).await.unwrap().is_none());
    let cut = small.state.intake.media.path_of(&vigie_hash::sha256_hex(&truncated));
    assert!(!cut.exists(), "a refused image stays on disk");
    let leftover = small.state.intake.media.path_of(&vigie_hash::sha256_hex(&picture(0, 0)));
    assert!(!leftover.exists(), "an upload of a refused submission stays on disk");
});

backend_test!(batches_answer_item_by_item, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;
    let mut items: Vec<Value> = (0..300).map(|n| user_report(&format!("https://bulk.example/{n}"))).collect();
    items[5] = json!({"kind": "user_report", "url": "https://bulk.example/x"});
    items[7] = json!({"kind": "nonsense"});
    let reply =
        app.call(Method::POST, "/v1/submissions/batch", Some(&token), Some(json!({"submissions": items}))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = reply.json();
    assert_eq!(reply["stored"], 298);
    assert_eq!(reply["refused"], 2);
    assert_eq!(reply["results"][5]["status"], 400);
    assert_eq!(reply["results"][5]["problem"]["errors"][0]["field"], "category");
    assert_eq!(reply["results"][7]["problem"]["errors"][0]["field"], "kind");
    assert_eq!(reply["results"][299]["index"], 299);
    assert_eq!(reply["results"][299]["status"], 201);
    let listed = app.call(Method::GET, "/v1/submissions?limit=500", Some(&token), None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 298);
    let too_many: Vec<Value> = (0..1001).map(|n| user_report(&format!("https://bulk.example/m{n}"))).collect();
    let refused =
        app.call(Method::POST, "/v1/submissions/batch", Some(&token), Some(json!({"submissions": too_many}))).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["errors"][0]["field"], "submissions");
});

backend_test!(platforms_attach_media_later, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let outsider = app.token(app.organisation("Other", "ngo").await.id, &[Role::Admin]).await;
    let first = post(&app, &sender, removal_order("OFAC-M1", "https://v.example/1")).await.json();
    let second = post(&app, &sender, removal_order("OFAC-M2", "https://v.example/2")).await.json();
    assert_ne!(first["case_id"], second["case_id"]);
    let bytes = picture(2, 3);
    for (receipt, token, status) in [(&first, &outsider, 404), (&first, &reviewer, 200), (&second, &reviewer, 200)] {
        let path = format!("/v1/submissions/{}/media", receipt["id"].as_str().unwrap());
        let reply = post_multipart(&app, &path, token, multipart(None, &[("a.png", &bytes)])).await;
        assert_eq!(reply.status, status, "{}", reply.text);
    }
    // The same file behind two URLs: one piece of content, one case.
    let view = app
        .call(Method::GET, &format!("/v1/submissions/{}", second["id"].as_str().unwrap()), Some(&sender), None)
        .await
        .json();
    assert_eq!(view["case_id"], first["case_id"]);
    assert_eq!(view["media"][0]["status"], "pending");
    drain_media(&app).await;
    let view = app
        .call(Method::GET, &format!("/v1/submissions/{}", second["id"].as_str().unwrap()), Some(&sender), None)
        .await
        .json();
    assert_eq!(view["media"][0]["status"], "hashed");
});

backend_test!(videos_are_hashed_and_matched_after_the_receipt, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank =
        app.call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "videos", "signal_type": "vpdq"}))).await;
    let bank = bank.json()["id"].as_str().unwrap().to_owned();
    let known = crate::banks::expected_vpdq("doorknob-hd-no-bar");
    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{bank}/signals"),
            Some(&admin),
            Some(json!({"signals": [{"value": known}]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let path = format!("{}/../../testdata/vpdq/videos/doorknob-hd-no-bar.mp4", env!("CARGO_MANIFEST_DIR"));
    let video = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let partner = app.token(app.organisation("Partner", "platform").await.id, &[Role::Referrer]).await;
    let flag = json!({"kind": "partner_flag", "explanation": "Re-upload of a known video."});
    let reply = post_multipart(&app, "/v1/submissions", &partner, multipart(Some(&flag), &[("v.mp4", &video)])).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let receipt = reply.json();
    assert_eq!(drain_media(&app).await, 1);
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", receipt["case_id"].as_str().unwrap()), Some(&admin), None)
        .await
        .json();
    let media = &case["submissions"][0]["media"][0];
    assert_eq!(media["media_type"], "video", "{case}");
    assert_eq!(media["status"], "hashed", "{case} (is ffmpeg installed?)");
    assert!(media["vpdq_frames"].as_u64().unwrap() > 0);
    assert_eq!(case["matches"][0]["signal_type"], "vpdq", "{case}");
    assert_eq!(case["priority"], "high");
});

backend_test!(the_openapi_document_describes_every_kind, |app| async move {
    let document = app.call(Method::GET, "/v1/openapi.json", None, None).await.json();
    for path in [
        "/v1/submissions",
        "/v1/submissions/batch",
        "/v1/submissions/{id}",
        "/v1/submissions/{id}/pause",
        "/v1/submissions/{id}/resume",
        "/v1/submissions/{id}/media",
        "/v1/cases",
        "/v1/cases/{id}",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} missing");
    }
    let schemas = &document["components"]["schemas"];
    for kind in ["RemovalOrderRequest", "ReferralRequest", "NoticeRequest", "UserReportRequest", "PartnerFlagRequest"] {
        assert!(schemas[kind]["example"].is_object(), "{kind} has no example");
    }
    assert_eq!(schemas["RemovalOrderRequest"]["example"]["reference"], "OFAC-2026-0412");
    let required = schemas["RemovalOrderRequest"]["required"].as_array().unwrap();
    assert!(required.iter().any(|field| field == "statement_of_reasons"), "{required:?}");
});
