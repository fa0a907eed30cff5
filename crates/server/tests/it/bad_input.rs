//! Malformed requests get a clear problem body naming the field, and write nothing.

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::json;
use vigie_domain::access::Role;

use crate::support::{Reply, TestApp, backend_test};

async fn post_raw(app: &TestApp, token: &str, content_type: Option<&str>, body: Vec<u8>) -> crate::support::Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

/// Content type, body, expected status, problem type, field named in `errors`.
type Case<'a> = (Option<&'a str>, Vec<u8>, u16, &'a str, Option<&'a str>);

backend_test!(malformed_bodies_are_refused_and_store_nothing, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let organisations_before = app.store.list_organisations().await.unwrap().len();
    let audit_before = app.audit_length().await;
    let json = Some("application/json");
    let valid = json!({"name": "Valid", "kind": "ngo", "country": "FR"});
    let huge_name = "x".repeat(2 * 1024 * 1024);
    let cases: Vec<Case> = vec![
        (json, b"{\"name\": \"x\", ".to_vec(), 400, "malformed-body", None),
        (json, b"not json at all".to_vec(), 400, "malformed-body", None),
        (json, br#"{"name": 5, "kind": "ngo", "country": "FR"}"#.to_vec(), 400, "malformed-body", Some("name")),
        (
            json,
            br#"{"name": "N", "kind": "ngo", "country": "FR", "colour": "red"}"#.to_vec(),
            400,
            "malformed-body",
            None,
        ),
        (json, br#"{"name": "N", "country": "FR"}"#.to_vec(), 400, "malformed-body", None),
        (
            json,
            b"{\"name\": \"\xff\xfe\", \"kind\": \"ngo\", \"country\": \"FR\"}".to_vec(),
            400,
            "malformed-body",
            Some("name"),
        ),
        (
            json,
            br#"{"name": "N", "kind": "police", "country": "XX", "contact_email": "nope"}"#.to_vec(),
            400,
            "validation",
            Some("kind"),
        ),
        (json, br#"{"name": " ", "kind": "ngo", "country": "FR"}"#.to_vec(), 400, "validation", Some("name")),
        (
            json,
            format!(r#"{{"name": "{huge_name}", "kind": "ngo", "country": "FR"}}"#).into_bytes(),
            413,
            "payload-too-large",
            None,
        ),
        (None, serde_json::to_vec(&valid).unwrap(), 415, "unsupported-media-type", None),
        (Some("text/plain"), serde_json::to_vec(&valid).unwrap(), 415, "unsupported-media-type", None),
        (json, br#"{"name": "N", "kind": "ngo", "country": "FR"} trailing"#.to_vec(), 400, "malformed-body", None),
        (json, b"[]".to_vec(), 400, "malformed-body", None),
    ];
    for (index, (content_type, body, status, kind, field)) in cases.into_iter().enumerate() {
        let reply = post_raw(&app, &admin, content_type, body).await;
        assert_eq!(reply.status.as_u16(), status, "case {index}: {}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/problem+json", "case {index}");
        let problem = reply.json();
        assert_eq!(problem["type"], format!("urn:vigie:problem:{kind}"), "case {index}: {problem}");
        assert_eq!(problem["status"], status, "case {index}");
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "case {index}");
        if let Some(field) = field {
            let fields: Vec<_> =
                problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert!(fields.contains(&field), "case {index}: {fields:?} should name {field}");
        }
    }
    // The unknown and missing fields are named in the detail.
    let unknown =
        post_raw(&app, &admin, json, br#"{"name": "N", "kind": "ngo", "country": "FR", "colour": "red"}"#.to_vec())
            .await;
    assert!(unknown.json()["detail"].as_str().unwrap().contains("colour"), "{}", unknown.text);
    let missing = post_raw(&app, &admin, json, br#"{"name": "N", "country": "FR"}"#.to_vec()).await;
    assert!(missing.json()["detail"].as_str().unwrap().contains("kind"), "{}", missing.text);

    assert_eq!(app.store.list_organisations().await.unwrap().len(), organisations_before);
    assert_eq!(app.audit_length().await, audit_before, "a refused request wrote an audit event");
    // And the same body, well-formed, is accepted.
    assert_eq!(post_raw(&app, &admin, json, serde_json::to_vec(&valid).unwrap()).await.status, 201);
});

backend_test!(bad_paths_and_queries_are_problems, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    for (path, status) in [
        ("/v1/users/not-a-uuid", 400),
        ("/v1/users/00000000-0000-7000-8000-000000000000", 404),
        ("/v1/users?organisation_id=nope", 400),
        ("/v1/users?colour=red", 400),
        ("/v1/audit?limit=100000", 400),
        ("/v1/no-such-route", 404),
    ] {
        let reply = app.call(Method::GET, path, Some(&admin), None).await;
        assert_eq!(reply.status.as_u16(), status, "{path}: {}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/problem+json", "{path}");
    }
});

backend_test!(bad_user_and_token_input_names_fields, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let reply = app.call(Method::POST, "/v1/users", Some(&admin), Some(json!({"email": "x", "roles": ["boss"]}))).await;
    assert_eq!(reply.status, 400);
    let fields: Vec<_> =
        reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["email", "roles"]);
    let reply = app
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(json!({"email": "a@b.org", "roles": ["viewer"], "password": "short"})),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errors"][0]["field"], "password");
    let reply = app
        .call(Method::POST, "/v1/tokens", Some(&admin), Some(json!({"name": "", "roles": [], "expires_in_days": 0})))
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let reply = app.call(Method::POST, "/v1/tokens", Some(&admin), Some(json!({"name": "", "roles": []}))).await;
    let fields: Vec<_> =
        reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "roles"]);
    // Duplicate email is a 409 naming the field.
    let body = json!({"email": "dup@b.org", "roles": ["viewer"]});
    assert_eq!(app.call(Method::POST, "/v1/users", Some(&admin), Some(body.clone())).await.status, 201);
    let duplicate = app.call(Method::POST, "/v1/users", Some(&admin), Some(body)).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.json()["errors"][0]["field"], "email");
});

fn first_field(reply: &crate::support::Reply) -> String {
    reply.json()["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

// NUL cannot be stored in a PostgreSQL text column (it used to answer 500 there) and was stored
// silently by SQLite: every way text enters is refused with a 400 naming the field, on both.
backend_test!(nul_and_control_characters_are_refused_by_field, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = app
        .call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "nul-test", "signal_type": "sha256"})))
        .await;
    assert_eq!(bank.status, 201, "{}", bank.text);
    let id = bank.json()["id"].as_str().unwrap().to_owned();
    let value = "a".repeat(64);

    // JSON bodies: the signal's source and external id, a bank's description (PATCH), a submission.
    let signals = format!("/v1/banks/{id}/signals");
    for (body, field) in [
        (json!({"signals": [{"value": value, "source": "gif\u{0}ct"}]}), "signals[0].source"),
        (json!({"signals": [{"value": value, "external_id": "\u{0}"}]}), "signals[0].external_id"),
    ] {
        let reply = app.call(Method::POST, &signals, Some(&admin), Some(body)).await;
        assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, field.to_owned()), "{}", reply.text);
        assert_eq!(reply.json()["errors"][0]["message"], "must not contain NUL characters");
        assert!(!reply.text.contains('\u{0}'), "the value is never echoed");
    }
    let bell = app
        .call(Method::POST, &signals, Some(&admin), Some(json!({"signals": [{"value": value, "source": "a\u{7}b"}]})))
        .await;
    assert_eq!(bell.status, 422, "{}", bell.text);
    assert!(bell.json()["issues"][0]["message"].as_str().unwrap().starts_with("source: "), "{}", bell.text);

    for description in ["a\u{0}b", "a\u{1b}[31mb"] {
        let reply = app
            .call(Method::PATCH, &format!("/v1/banks/{id}"), Some(&admin), Some(json!({"description": description})))
            .await;
        assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, "description".to_owned()), "{}", reply.text);
    }
    let submission = json!({"kind": "referral", "reference": "R-\u{0}", "urls": ["https://example.org/a"],
                            "explanation": "x", "category": "terrorist_content"});
    let reply = app.call(Method::POST, "/v1/submissions", Some(&admin), Some(submission)).await;
    assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, "reference".to_owned()), "{}", reply.text);

    // Query parameters: the import's `source`.
    for (query, field) in [("source=gif%00ct", "source"), ("source=a%07b", "source"), ("%00=1", "query")] {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/v1/banks/{id}/import?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(format!("{value}\n")))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, field.to_owned()), "{query}: {}", reply.text);
    }

    // Nothing of it was stored.
    let stored = app.call(Method::GET, &format!("/v1/banks/{id}"), Some(&admin), None).await.json();
    assert_eq!((stored["signal_count"].as_u64(), stored["description"].as_str()), (Some(0), Some("")));
    let listed = app.call(Method::GET, "/v1/submissions", Some(&admin), None).await;
    assert!(!listed.text.contains("R-"), "{}", listed.text);
});

// A bank for an organisation that does not exist was a foreign-key error: 500 on PostgreSQL.
backend_test!(a_bank_for_an_unknown_organisation_is_a_field_error, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let body = json!({"organisation_id": "1cde57a4-b410-2839-91b4-44b1ac6b5e62", "signal_type": "vpdq", "name": "XY"});
    let reply = app.call(Method::POST, "/v1/banks", Some(&admin), Some(body)).await;
    assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, "organisation_id".to_owned()), "{}", reply.text);
    let banks = app.call(Method::GET, "/v1/banks", Some(&admin), None).await;
    assert!(!banks.text.contains("\"XY\""), "{}", banks.text);
});

// Every 4xx names the field in the same problem format, in plain words: missing and unknown
// fields of JSON bodies, and query parameters (which used to come back in serde's words).
backend_test!(missing_unknown_and_mistyped_fields_are_named, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let id = "01a24f64-840e-74c5-a459-be682eea34e6";
    let resume = app.call(Method::POST, &format!("/v1/submissions/{id}/resume"), Some(&admin), Some(json!({}))).await;
    assert_eq!((resume.status.as_u16(), first_field(&resume)), (400, "explanation".to_owned()), "{}", resume.text);
    assert_eq!(resume.json()["errors"][0]["message"], "is required");
    assert!(!resume.text.contains("line 1"), "{}", resume.text);

    let referral = json!({"kind": "referral", "urls": ["https://example.org/a"], "explanation": "x"});
    let reply = app.call(Method::POST, "/v1/submissions", Some(&admin), Some(referral)).await;
    assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, "deconfliction".to_owned()), "{}", reply.text);

    for (path, field) in [
        ("/v1/cases?limit=many", "limit"),
        ("/v1/cases?colour=red", "colour"),
        ("/v1/users?colour=red", "colour"),
        ("/v1/cases?overdue=perhaps", "overdue"),
    ] {
        let reply = app.call(Method::GET, path, Some(&admin), None).await;
        assert_eq!((reply.status.as_u16(), first_field(&reply)), (400, field.to_owned()), "{path}: {}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/problem+json");
        assert!(!reply.text.contains("many") && !reply.text.contains("perhaps"), "{path}: {}", reply.text);
        assert!(!reply.text.contains("deserialize"), "{path}: {}", reply.text);
    }
});

const BOUNDARY: &str = "badinputboundary";

/// One part of a multipart body: a field's name, its file name when it is a file, its content.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn form(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        let file_name = file_name.map(|file_name| format!("; filename=\"{file_name}\"")).unwrap_or_default();
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n").bytes(),
        );
        body.extend(*content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

async fn post_form(app: &TestApp, token: &str, path: &str, parts: &[Part<'_>]) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(form(parts)))
        .unwrap();
    app.send(request).await
}

/// A problem naming `field` as sent twice.
fn assert_sent_twice(reply: &Reply, field: &str) {
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert_eq!(reply.json()["errors"], json!([{"field": field, "message": format!("send one `{field}` field")}]));
}

// A field that holds one value, sent twice, used to be taken from its last part: which one the
// client meant cannot be told, so the request is refused naming it. Repeatable fields (a bank's
// `file` and `label`, a submission's `media`) stay repeatable.
backend_test!(a_single_multipart_field_sent_twice_is_refused_by_name, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let image =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x * y) % 256) as u8]));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let file: Part = ("file", Some("a.png"), &png);

    let two_files = post_form(&app, &admin, "/v1/match/media", &[file, ("file", Some("b.png"), png.as_slice())]).await;
    assert_sent_twice(&two_files, "file");
    let twice = post_form(
        &app,
        &admin,
        "/v1/match/media",
        &[("exact_only", None, b"true"), ("exact_only", None, b"false"), file],
    )
    .await;
    assert_sent_twice(&twice, "exact_only");
    let once = post_form(&app, &admin, "/v1/match/media", &[("exact_only", None, b"true"), file]).await;
    assert_eq!(once.status, 200, "{}", once.text);

    let created =
        app.call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "images", "signal_type": "pdq"}))).await;
    let bank = format!("/v1/banks/{}", created.json()["id"].as_str().unwrap());
    let media = format!("{bank}/media");
    let audit_before = app.audit_length().await;
    let sources =
        post_form(&app, &admin, &media, &[("source", None, b"first"), ("source", None, b"second"), file]).await;
    assert_sent_twice(&sources, "source");
    assert_eq!(app.audit_length().await, audit_before, "nothing added");
    let label = ("label", None, b"content:execution".as_slice());
    let another_label = ("label", None, b"content:propaganda_image".as_slice());
    let added = post_form(&app, &admin, &media, &[label, another_label, ("source", None, b"test"), file, file]).await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json()["images"].as_array().map(Vec::len), Some(2), "{}", added.text);
    let signals = app.call(Method::GET, &format!("{bank}/signals"), Some(&admin), None).await;
    assert_eq!(signals.json()["signals"][0]["labels"].as_array().map(Vec::len), Some(2), "{}", signals.text);

    let partner = app.organisation("Partner Platform", "platform").await;
    let sender = app.token(partner.id, &[Role::Referrer]).await;
    let report = serde_json::to_vec(&json!({"kind": "user_report", "category": "propaganda",
        "url": "https://img.example.net/p/1", "seen_where": "video_platform"}))
    .unwrap();
    let submission: Part = ("submission", None, &report);
    let twice = post_form(&app, &sender, "/v1/submissions", &[submission, submission]).await;
    assert_sent_twice(&twice, "submission");
});
