//! Organisations, users and tokens through the API, and the audit events they leave.

use axum::http::Method;
use serde_json::json;
use vigie_domain::access::Role;

use crate::support::{ADMIN_EMAIL, backend_test};

backend_test!(admin_creates_organisation_user_and_token, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let audit_before = app.audit_length().await;
    let created = app
        .call(
            Method::POST,
            "/v1/organisations",
            Some(&admin),
            Some(json!({"name": "Unité de signalement", "kind": "referral_unit", "country": "fr",
                        "contact_email": "Contact@Signalement.example"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let organisation = created.json();
    assert_eq!(organisation["country"], "FR");
    assert_eq!(organisation["contact_email"], "contact@signalement.example");
    let id = organisation["id"].as_str().unwrap().to_owned();

    let duplicate = app
        .call(
            Method::POST,
            "/v1/organisations",
            Some(&admin),
            Some(json!({"name": "Unité de signalement", "kind": "ngo", "country": "FR"})),
        )
        .await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.json()["type"], "urn:vigie:problem:duplicate-name");

    let user = app
        .call(
            Method::POST,
            "/v1/users",
            Some(&admin),
            Some(
                json!({"organisation_id": id, "email": "officer@signalement.example", "roles": ["referrer", "admin"]}),
            ),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.text);
    let user = user.json();
    assert_eq!(user["user"]["roles"], json!(["admin", "referrer"]));
    assert_eq!(user["user"]["display_name"], "officer");
    assert_eq!(user["initial_password"].as_str().unwrap().len(), 20);

    let token = app
        .call(
            Method::POST,
            "/v1/tokens",
            Some(&admin),
            Some(json!({"organisation_id": id, "name": "referrals", "roles": ["referrer"], "expires_in_days": 90})),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.text);
    let secret = token.json()["secret"].as_str().unwrap().to_owned();
    let me = app.call(Method::GET, "/v1/me", Some(&secret), None).await.json();
    assert_eq!(me["organisation"]["id"], id);
    assert_eq!(me["roles"], json!(["referrer"]));
    // The secret is never listed again.
    let listed = app.call(Method::GET, &format!("/v1/tokens?organisation_id={id}"), Some(&admin), None).await;
    assert!(!listed.text.contains(&secret));
    assert_eq!(listed.json()[0]["state"], "active");

    // One audit event per change, chained.
    let events = app.call(Method::GET, "/v1/audit?organisation_id=all&limit=3", Some(&admin), None).await.json();
    let actions: Vec<_> =
        events["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["token.create", "user.create", "organisation.create"]);
    assert_eq!(events["events"][0]["actor_kind"], "token");
    assert_eq!(events["events"][0]["previous_hash"], events["events"][1]["hash"]);
    assert_eq!(app.audit_length().await, audit_before + 3);
    let verify = app.call(Method::GET, "/v1/audit/verify", Some(&admin), None).await.json();
    assert_eq!(verify["intact"], true);

    // The first admin exists and may be disabled by another admin, not by itself.
    let users = app.call(Method::GET, "/v1/users", Some(&admin), None).await.json();
    assert!(users.as_array().unwrap().iter().any(|user| user["email"] == ADMIN_EMAIL));
});

backend_test!(disabling_a_user_and_resetting_a_password, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let created = app
        .call(Method::POST, "/v1/users", Some(&admin), Some(json!({"email": "r@op.example", "roles": ["reviewer"]})))
        .await;
    let id = created.json()["user"]["id"].as_str().unwrap().to_owned();
    let disabled = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(&admin),
            Some(json!({"disabled": true, "roles": ["viewer"]})),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(disabled.json()["disabled"], true);
    assert_eq!(disabled.json()["roles"], json!(["viewer"]));
    let password = app.call(Method::POST, &format!("/v1/users/{id}/password"), Some(&admin), None).await;
    assert_eq!(password.json()["password"].as_str().unwrap().len(), 20);
    let bad = app.call(Method::PATCH, &format!("/v1/users/{id}"), Some(&admin), Some(json!({"roles": []}))).await;
    assert_eq!(bad.status, 400);
});

// Issue 13, item 5: an organisation is named by its id or its slug (or exact name) wherever
// one is named, and a name that matches nothing is a 400 naming the field.
backend_test!(issue_13_organisations_are_named_by_id_or_slug, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let post = |path: &'static str, body: serde_json::Value| {
        let (app, admin) = (&app, &admin);
        async move { app.call(Method::POST, path, Some(admin), Some(body)).await }
    };
    let get = |path: String| {
        let (app, admin) = (&app, &admin);
        async move { app.call(Method::GET, &path, Some(admin), None).await }
    };
    let field_of = |reply: &crate::support::Reply| reply.json()["errors"][0]["field"].as_str().map(str::to_owned);

    // The slug is derived from the name, accents folded, unless given; it is checked and unique.
    let created =
        post("/v1/organisations", json!({"name": "Vidéoshare (demo)", "kind": "platform", "country": "NL"})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let platform = created.json();
    assert_eq!(platform["slug"], "videoshare-demo");
    let id = platform["id"].as_str().unwrap().to_owned();
    let bad =
        post("/v1/organisations", json!({"name": "X", "slug": "Not A Slug", "kind": "ngo", "country": "FR"})).await;
    assert_eq!((bad.status.as_u16(), field_of(&bad).as_deref()), (400, Some("slug")));
    let taken =
        post("/v1/organisations", json!({"name": "Y", "slug": "videoshare-demo", "kind": "ngo", "country": "FR"}))
            .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.json()["type"], "urn:vigie:problem:duplicate-slug");

    // Instance admins change it; the path takes a slug too.
    let patched = app
        .call(Method::PATCH, "/v1/organisations/videoshare-demo", Some(&admin), Some(json!({"slug": "videoshare"})))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(get("/v1/organisations/videoshare".into()).await.json()["id"], id.as_str());
    assert_eq!(get("/v1/organisations/videoshare-demo".into()).await.status, 404);
    let platform_admin = app.token(vigie_domain::ids::OrganisationId(id.parse().unwrap()), &[Role::Admin]).await;
    let own_slug = app
        .call(Method::PATCH, &format!("/v1/organisations/{id}"), Some(&platform_admin), Some(json!({"slug": "mine"})))
        .await;
    assert_eq!(own_slug.status, 403, "a platform's own admin may not rename it");

    // Submissions and batch items name their platform by slug, id or name.
    let unit = app.organisation("Unité nationale", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let order = |reference: &str, platform: &str| {
        let mut order = crate::intake::removal_order(reference, &format!("https://v.example/{reference}"));
        order["platform"] = json!(platform);
        order
    };
    for (reference, named) in [("R-1", "videoshare"), ("R-2", id.as_str()), ("R-3", "Vidéoshare (demo)")] {
        let reply = app.call(Method::POST, "/v1/submissions", Some(&sender), Some(order(reference, named))).await;
        assert_eq!(reply.status, 201, "{named}: {}", reply.text);
        assert_eq!(reply.json()["platform"], id.as_str());
        // The details keep the id the slug named, not the slug.
        let stored = app
            .call(
                Method::GET,
                &format!("/v1/submissions/{}", reply.json()["id"].as_str().unwrap()),
                Some(&sender),
                None,
            )
            .await;
        assert_eq!(stored.json()["details"]["platform"], id.as_str());
    }
    let unknown = app.call(Method::POST, "/v1/submissions", Some(&sender), Some(order("R-4", "nowhere"))).await;
    assert_eq!((unknown.status.as_u16(), field_of(&unknown).as_deref()), (400, Some("platform")));
    let not_a_platform =
        app.call(Method::POST, "/v1/submissions", Some(&sender), Some(order("R-5", "unite-nationale"))).await;
    assert_eq!((not_a_platform.status.as_u16(), field_of(&not_a_platform).as_deref()), (400, Some("platform")));
    let batch = json!({"submissions": [order("B-1", "videoshare"), order("B-2", "nowhere")]});
    let batch = app.call(Method::POST, "/v1/submissions/batch", Some(&sender), Some(batch)).await.json();
    assert_eq!(batch["results"][0]["status"], 201, "{batch}");
    assert_eq!(batch["results"][0]["receipt"]["platform"], id.as_str());
    assert_eq!(batch["results"][1]["status"], 400, "{batch}");
    assert_eq!(batch["results"][1]["problem"]["errors"][0]["field"], "platform");

    // Query parameters.
    let queue = get("/v1/cases?platform=videoshare".into()).await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    assert_eq!(queue.json().as_array().unwrap().len(), 4);
    let by_name = get("/v1/cases?platform=Vid%C3%A9oshare%20(demo)".into()).await;
    assert_eq!(by_name.json().as_array().unwrap().len(), 4);
    let nowhere = get("/v1/cases?platform=nowhere".into()).await;
    assert_eq!((nowhere.status.as_u16(), field_of(&nowhere).as_deref()), (400, Some("platform")));

    // Users, tokens and banks are created in an organisation named by slug, and listed by it.
    let user = post(
        "/v1/users",
        json!({"organisation_id": "videoshare", "email": "r@videoshare.example", "roles": ["reviewer"]}),
    )
    .await;
    assert_eq!(user.status, 201, "{}", user.text);
    assert_eq!(user.json()["user"]["organisation_id"], id.as_str());
    let token =
        post("/v1/tokens", json!({"organisation_id": "videoshare", "name": "intake", "roles": ["reviewer"]})).await;
    assert_eq!(token.status, 201, "{}", token.text);
    let bank =
        post("/v1/banks", json!({"organisation_id": "videoshare", "name": "vs-pdq", "signal_type": "pdq"})).await;
    assert_eq!(bank.status, 201, "{}", bank.text);
    assert_eq!(bank.json()["organisation_id"], id.as_str());
    for path in ["/v1/users", "/v1/tokens"] {
        let listed = get(format!("{path}?organisation_id=videoshare")).await;
        assert_eq!(listed.status, 200, "{path}: {}", listed.text);
        assert!(!listed.json().as_array().unwrap().is_empty(), "{path}");
        assert!(listed.json().as_array().unwrap().iter().all(|item| item["organisation_id"] == id.as_str()), "{path}");
    }
    let audit = get("/v1/audit?organisation_id=videoshare".into()).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert!(!audit.json()["events"].as_array().unwrap().is_empty());
    assert_eq!(get("/v1/users?organisation_id=all".into()).await.status, 200);
    for path in ["/v1/users", "/v1/tokens", "/v1/audit"] {
        let nowhere = get(format!("{path}?organisation_id=nowhere")).await;
        assert_eq!((nowhere.status.as_u16(), field_of(&nowhere).as_deref()), (400, Some("organisation_id")), "{path}");
    }
    let nowhere =
        post("/v1/users", json!({"organisation_id": "nowhere", "email": "x@y.example", "roles": ["viewer"]})).await;
    assert_eq!((nowhere.status.as_u16(), field_of(&nowhere).as_deref()), (400, Some("organisation_id")));
});

// Issue 13, item 12: every reader of the trail may verify the whole chain through the API; a
// reader of part of it learns whether it holds and how many events and problems there are, not
// which events (another organisation's) are damaged.
backend_test!(issue_13_an_organisations_auditor_verifies_the_chain, |app| async move {
    let platform = app.organisation("Verifying Platform", "platform").await;
    let auditor = app.token(platform.id, &[Role::Auditor]).await;
    let reply = app.call(Method::GET, "/v1/audit/verify", Some(&auditor), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let report = reply.json();
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["events_checked"].as_i64().unwrap() > 0, "{report}");
    assert_eq!(
        (report["problems"].as_array().map(Vec::len), report["first_break_sequence"].is_null()),
        (Some(0), true)
    );
    let viewer = app.token(platform.id, &[Role::Viewer]).await;
    assert_eq!(app.call(Method::GET, "/v1/audit/verify", Some(&viewer), None).await.status, 403);
});
