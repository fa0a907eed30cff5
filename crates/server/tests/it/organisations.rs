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
