//! The role matrix: every API route against every role, no token, an expired token and a
//! revoked token; and isolation between organisations.

use axum::http::Method;
use serde_json::{Value, json};
use vigie_domain::access::{Actor, Role};
use vigie_domain::token::TokenSecret;
use vigie_store::NewToken;

use crate::support::backend_test;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Caller {
    OperatorAdmin,
    OperatorAuditor,
    Admin,
    SeniorReviewer,
    Reviewer,
    Referrer,
    Auditor,
    Viewer,
    NoToken,
    Expired,
    Revoked,
    Garbage,
}

use Caller::*;

const ALL_CALLERS: [Caller; 12] = [
    OperatorAdmin,
    OperatorAuditor,
    Admin,
    SeniorReviewer,
    Reviewer,
    Referrer,
    Auditor,
    Viewer,
    NoToken,
    Expired,
    Revoked,
    Garbage,
];
const AUTHENTICATED: [Caller; 8] =
    [OperatorAdmin, OperatorAuditor, Admin, SeniorReviewer, Reviewer, Referrer, Auditor, Viewer];

/// One route, the callers that may use it (all other authenticated callers get 403), and how
/// to build the request (called afresh for each caller, so writes never collide).
struct Route {
    method: Method,
    path: String,
    allowed: &'static [Caller],
    body: fn(usize) -> Option<Value>,
    /// A non-JSON body instead: content type and bytes.
    raw: Option<RawBody>,
}

/// Content type and a maker of the bytes.
type RawBody = (&'static str, fn() -> Vec<u8>);

const NO_RAW: Option<RawBody> = None;

const MULTIPART_BOUNDARY: &str = "rolematrixboundary";

fn multipart_image() -> Vec<u8> {
    let mut body =
        format!("--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n")
            .into_bytes();
    body.extend(crate::banks::synthetic_png(64, 64));
    body.extend(format!("\r\n--{MULTIPART_BOUNDARY}--\r\n").into_bytes());
    body
}

fn multipart_media() -> Vec<u8> {
    let mut body =
        format!("--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\n\r\n")
            .into_bytes();
    body.extend(crate::banks::synthetic_png(64, 64));
    body.extend(format!("\r\n--{MULTIPART_BOUNDARY}--\r\n").into_bytes());
    body
}

backend_test!(every_route_against_every_role, |app| async move {
    let platform = app.organisation("Platform A", "platform").await;
    let member = app
        .call(
            Method::POST,
            "/v1/users",
            Some(&app.token(app.operator.id, &[Role::Admin]).await),
            Some(json!({"organisation_id": platform.id.0, "email": "member@a.example", "roles": ["viewer"]})),
        )
        .await
        .json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut tokens = std::collections::HashMap::new();
    tokens.insert(OperatorAdmin, app.token(app.operator.id, &[Role::Admin]).await);
    tokens.insert(OperatorAuditor, app.token(app.operator.id, &[Role::Auditor]).await);
    for (caller, role) in [
        (Admin, Role::Admin),
        (SeniorReviewer, Role::SeniorReviewer),
        (Reviewer, Role::Reviewer),
        (Referrer, Role::Referrer),
        (Auditor, Role::Auditor),
        (Viewer, Role::Viewer),
    ] {
        tokens.insert(caller, app.token(platform.id, &[role]).await);
    }
    let expired = TokenSecret::from_random_bytes([1; 32]);
    let new_token = NewToken {
        organisation_id: platform.id,
        name: "expired".into(),
        roles: vigie_domain::access::RoleSet::of(&[Role::Admin]),
        expires_at: Some(app.store.now() - chrono::Duration::hours(1)),
        secret_hash: expired.hash(),
    };
    app.store.insert_token(&new_token, Actor::System).await.unwrap();
    tokens.insert(Expired, expired.expose().to_owned());
    let revoked = app.token(platform.id, &[Role::Admin]).await;
    // Revoked behind the server's back (as the CLI would) before it was ever used: no cache holds it.
    let revoked_id = app.store.list_tokens(Some(platform.id)).await.unwrap().last().unwrap().id;
    app.store.revoke_token(revoked_id, Actor::System).await.unwrap();
    tokens.insert(Revoked, revoked);
    tokens.insert(Garbage, "vigie_".to_owned() + &"ab".repeat(32));

    let org = platform.id.0;
    let bank = app
        .call(
            Method::POST,
            "/v1/banks",
            tokens.get(&Admin).map(String::as_str),
            Some(json!({"name": "a-bank", "signal_type": "md5"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let image_bank = app
        .call(
            Method::POST,
            "/v1/banks",
            tokens.get(&Admin).map(String::as_str),
            Some(json!({"name": "a-image-bank", "signal_type": "pdq"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let signal = app
        .call(
            Method::POST,
            &format!("/v1/banks/{bank}/signals"),
            tokens.get(&Admin).map(String::as_str),
            Some(json!({"signals": [{"value": "ab".repeat(16)}]})),
        )
        .await;
    assert_eq!(signal.status, 200, "{}", signal.text);
    let signal =
        app.store.list_signals(bank.parse().map(vigie_domain::ids::BankId).unwrap(), 0, 1).await.unwrap()[0].id;
    // Banks of another organisation, one per visibility, each with a signal: every caller but the
    // operator's admins is an outsider to them.
    let elsewhere = app.organisation("Platform B", "platform").await;
    let elsewhere_admin = app.token(elsewhere.id, &[Role::Admin]).await;
    let mut elsewhere_banks = std::collections::HashMap::new();
    for visibility in ["private", "match", "shared"] {
        let created = app
            .call(
                Method::POST,
                "/v1/banks",
                Some(&elsewhere_admin),
                Some(json!({"name": format!("b-{visibility}"), "signal_type": "md5", "visibility": visibility})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let added = app
            .call(
                Method::POST,
                &format!("/v1/banks/{id}/signals"),
                Some(&elsewhere_admin),
                Some(json!({"signals": [{"value": "ef".repeat(16)}]})),
            )
            .await;
        assert_eq!(added.status, 200, "{}", added.text);
        let signal =
            app.store.list_signals(id.parse().map(vigie_domain::ids::BankId).unwrap(), 0, 1).await.unwrap()[0].id;
        elsewhere_banks.insert(visibility, (id, signal));
    }
    let (b_private, b_private_signal) = elsewhere_banks["private"].clone();
    let (b_match, b_match_signal) = elsewhere_banks["match"].clone();
    let (b_shared, b_shared_signal) = elsewhere_banks["shared"].clone();
    // A token of A's that is not one of the callers, to read and revoke.
    app.token(platform.id, &[Role::Viewer]).await;
    let spare_token = app.store.list_tokens(Some(platform.id)).await.unwrap().last().unwrap().id;
    // A removal order sent by A's admin to A, to read, pause, resume and attach media to.
    let order = app
        .call(
            Method::POST,
            "/v1/submissions",
            tokens.get(&Admin).map(String::as_str),
            Some(json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
                "reference": "ROLES-1", "issued_at": "2026-12-01T08:00:00Z", "urls": ["https://roles.example/1"],
                "grounds": ["a"], "statement_of_reasons": "Test.", "cross_border": false,
                "redress": "Tribunal administratif de Paris", "platform": org})),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);
    let submission = order.json()["id"].as_str().unwrap().to_owned();
    let case = order.json()["case_id"].as_str().unwrap().to_owned();
    // A second case, decided before the matrix runs: its decision is in force, so confirming it
    // (four eyes) answers 409 to whoever may review decisions, 403 to the others.
    let second = app
        .call(
            Method::POST,
            "/v1/submissions",
            tokens.get(&Admin).map(String::as_str),
            Some(json!({"kind": "referral", "urls": ["https://roles.example/2"], "explanation": "Test.",
                "deconfliction": "cleared", "platform": org})),
        )
        .await
        .json();
    let decided = app
        .call(
            Method::POST,
            &format!("/v1/cases/{}/decisions", second["case_id"].as_str().unwrap()),
            tokens.get(&Reviewer).map(String::as_str),
            Some(json!({"decision": "no_violation", "explanation": "Test."})),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text);
    let decision = decided.json()["id"].as_str().unwrap().to_owned();
    let routes = [
        Route { method: Method::GET, path: "/v1/me".into(), allowed: &AUTHENTICATED, body: |_| None, raw: NO_RAW },
        Route {
            method: Method::GET,
            path: "/v1/organisations".into(),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/organisations".into(),
            allowed: &[OperatorAdmin],
            body: |n| Some(json!({"name": format!("New {n}"), "kind": "ngo", "country": "BE"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/organisations/{org}"),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/organisations/{org}"),
            allowed: &[OperatorAdmin, Admin],
            body: |_| Some(json!({"contact_email": "new@a.example"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/users?organisation_id={org}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: "/v1/users?organisation_id=all".into(),
            allowed: &[OperatorAdmin, OperatorAuditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/users".into(),
            allowed: &[OperatorAdmin, Admin],
            body: |n| Some(json!({"email": format!("new{n}@a.example"), "roles": ["reviewer"]})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/users/{member}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/users/{member}"),
            allowed: &[OperatorAdmin, Admin],
            body: |_| Some(json!({"display_name": "Renamed"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/users/{member}/password"),
            allowed: &[OperatorAdmin, Admin],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/tokens?organisation_id={org}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/tokens".into(),
            allowed: &[OperatorAdmin, Admin],
            body: |_| Some(json!({"name": "ci", "roles": ["viewer"], "expires_in_days": 30})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/audit?organisation_id={org}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: "/v1/audit/verify".into(),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route { method: Method::GET, path: "/v1/banks".into(), allowed: &AUTHENTICATED, body: |_| None, raw: NO_RAW },
        Route {
            method: Method::POST,
            path: "/v1/banks".into(),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |n| Some(json!({"name": format!("bank-{n}"), "signal_type": "pdq"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{bank}"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer, Referrer, Auditor, Viewer],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/banks/{bank}"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |_| Some(json!({"description": "changed"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{bank}/signals"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/banks/{bank}/signals"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |n| Some(json!({"signals": [{"value": format!("{n:032x}")}]})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/match".into(),
            allowed: &AUTHENTICATED,
            body: |_| Some(json!({"queries": [{"type": "md5", "value": "0".repeat(32)}]})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/tokens/{spare_token}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::DELETE,
            path: format!("/v1/tokens/{spare_token}"),
            allowed: &[OperatorAdmin, Admin],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/signals/{signal}"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |_| Some(json!({"enabled": true})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/signals/{signal}/feedback"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer],
            body: |_| Some(json!({"verdict": "confirmed"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/banks/{bank}/import"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |_| None,
            raw: Some(("text/plain", || format!("{}\n", "cd".repeat(16)).into_bytes())),
        },
        Route {
            method: Method::POST,
            path: format!("/v1/banks/{image_bank}/media"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |_| None,
            raw: Some(("multipart/form-data; boundary=rolematrixboundary", multipart_image)),
        },
        Route {
            method: Method::POST,
            path: "/v1/match/media".into(),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: Some(("multipart/form-data; boundary=rolematrixboundary", multipart_image)),
        },
        Route {
            method: Method::POST,
            path: "/v1/submissions".into(),
            allowed: &[OperatorAdmin, Admin, Referrer],
            body: |n| {
                Some(json!({"kind": "user_report", "category": "propaganda", "url": format!("https://r.example/{n}")}))
            },
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/submissions/batch".into(),
            allowed: &[OperatorAdmin, Admin, Referrer],
            body: |n| {
                Some(json!({"submissions": [{"kind": "user_report", "category": "propaganda",
                    "url": format!("https://r.example/b{n}")}]}))
            },
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: "/v1/submissions".into(),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/submissions/{submission}"),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/submissions/{submission}/pause"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer],
            body: |_| Some(json!({"reason": "force_majeure", "explanation": "Outage."})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/submissions/{submission}/resume"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer],
            body: |_| Some(json!({"explanation": "Back."})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/submissions/{submission}/media"),
            // The platform's case handlers, and the sender (A's referrer and admin sent it).
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer, Referrer],
            body: |_| None,
            raw: Some(("multipart/form-data; boundary=rolematrixboundary", multipart_media)),
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/banks/{bank}"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer],
            body: |_| Some(json!({"visibility": "private"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{b_private}"),
            allowed: &[OperatorAdmin],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{b_private}/signals"),
            allowed: &[OperatorAdmin],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/banks/{b_private}"),
            allowed: &[OperatorAdmin],
            body: |_| Some(json!({"visibility": "private"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/signals/{b_private_signal}/feedback"),
            allowed: &[OperatorAdmin],
            body: |_| Some(json!({"verdict": "confirmed"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{b_match}"),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{b_match}/signals"),
            allowed: &[OperatorAdmin],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/banks/{b_match}"),
            allowed: &[OperatorAdmin],
            body: |_| Some(json!({"visibility": "match"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/signals/{b_match_signal}"),
            allowed: &[OperatorAdmin],
            body: |_| Some(json!({"enabled": true})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/banks/{b_shared}/signals"),
            allowed: &AUTHENTICATED,
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PATCH,
            path: format!("/v1/signals/{b_shared_signal}"),
            allowed: &[OperatorAdmin],
            body: |_| Some(json!({"enabled": true})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/signals/{b_shared_signal}/feedback"),
            allowed: &[OperatorAdmin, Admin, SeniorReviewer, Reviewer],
            body: |_| Some(json!({"verdict": "confirmed"})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: "/v1/cases".into(),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, SeniorReviewer, Reviewer, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/cases/{case}"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, SeniorReviewer, Reviewer, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/cases/{case}/claim"),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::DELETE,
            path: format!("/v1/cases/{case}/claim"),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/cases/next".into(),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/cases/{case}/notes"),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| Some(json!({"body": "Seen before."})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/cases/{case}/decisions"),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| Some(json!({"decision": "no_violation", "explanation": "Test."})),
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: "/v1/cases/decisions".into(),
            allowed: &[SeniorReviewer, Reviewer],
            body: |_| {
                Some(
                    json!({"cases": [uuid::Uuid::nil()], "decision": {"decision": "no_violation", "explanation": "Test."}}),
                )
            },
            raw: NO_RAW,
        },
        Route {
            method: Method::POST,
            path: format!("/v1/decisions/{decision}/review"),
            allowed: &[SeniorReviewer],
            body: |_| Some(json!({"confirm": true})),
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: "/v1/review/dashboard".into(),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, SeniorReviewer, Reviewer, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::GET,
            path: format!("/v1/organisations/{org}/four-eyes"),
            allowed: &[OperatorAdmin, OperatorAuditor, Admin, SeniorReviewer, Reviewer, Auditor],
            body: |_| None,
            raw: NO_RAW,
        },
        Route {
            method: Method::PUT,
            path: format!("/v1/organisations/{org}/four-eyes"),
            allowed: &[OperatorAdmin, Admin],
            body: |_| Some(json!({"four_eyes_kinds": []})),
            raw: NO_RAW,
        },
    ];

    // Callers to whom a route's bank or signal does not exist: 404, not 403. Platform A's bank
    // is private, so the operator's auditors do not see it, and its signals exist only for those
    // who may read them.
    let a_bank_routes = [
        (Method::GET, format!("/v1/banks/{bank}")),
        (Method::PATCH, format!("/v1/banks/{bank}")),
        (Method::GET, format!("/v1/banks/{bank}/signals")),
        (Method::POST, format!("/v1/banks/{bank}/signals")),
        (Method::POST, format!("/v1/banks/{bank}/import")),
        (Method::POST, format!("/v1/banks/{image_bank}/media")),
    ];
    let a_signal_routes =
        [(Method::PATCH, format!("/v1/signals/{signal}")), (Method::POST, format!("/v1/signals/{signal}/feedback"))];
    let b_hidden_routes = [
        (Method::GET, format!("/v1/banks/{b_private}")),
        (Method::GET, format!("/v1/banks/{b_private}/signals")),
        (Method::PATCH, format!("/v1/banks/{b_private}")),
        (Method::PATCH, format!("/v1/signals/{b_match_signal}")),
        (Method::POST, format!("/v1/signals/{b_private_signal}/feedback")),
    ];
    let hidden_from = |method: &Method, path: &str| -> &'static [Caller] {
        let on = |routes: &[(Method, String)]| routes.iter().any(|(m, p)| m == method && p == path);
        if on(&a_bank_routes) {
            &[OperatorAuditor]
        } else if on(&a_signal_routes) {
            &[OperatorAuditor, Referrer, Viewer]
        } else if on(&b_hidden_routes) {
            &[OperatorAuditor, Admin, SeniorReviewer, Reviewer, Referrer, Auditor, Viewer]
        } else {
            &[]
        }
    };

    let mut failures = Vec::new();
    let mut counter = 0;
    for route in &routes {
        for caller in ALL_CALLERS {
            counter += 1;
            // POST /v1/users and /v1/tokens default to the caller's own organisation.
            let token = tokens.get(&caller).map(String::as_str);
            let reply = match route.raw {
                None => app.call(route.method.clone(), &route.path, token, (route.body)(counter)).await,
                Some((content_type, bytes)) => {
                    let mut request = axum::http::Request::builder()
                        .method(route.method.clone())
                        .uri(&route.path)
                        .header(axum::http::header::CONTENT_TYPE, content_type);
                    if let Some(token) = token {
                        request = request.header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"));
                    }
                    app.send(request.body(axum::body::Body::from(bytes())).unwrap()).await
                }
            };
            let expected = if !AUTHENTICATED.contains(&caller) {
                "401"
            } else if route.allowed.contains(&caller) {
                "2xx"
            } else if hidden_from(&route.method, &route.path).contains(&caller) {
                "404"
            } else {
                "403"
            };
            // A clock paused by one caller cannot be paused again by the next: that 409 comes
            // after the permission check, so it counts as allowed.
            let clock_conflict = reply.status == 409 && reply.text.contains("invalid-transition");
            // Likewise a case decided, claimed or closed by an earlier caller, and a decision
            // that is not pending: refusals of the state, after the permission check.
            let review_conflict = reply.status == 409
                && ["case-decided", "case-claimed", "case-closed", "not-pending"]
                    .iter()
                    .any(|slug| reply.text.contains(&format!("urn:vigie:problem:{slug}\"")));
            let clock_conflict = clock_conflict || review_conflict;
            let got = if reply.status.is_success() || clock_conflict {
                "2xx".to_owned()
            } else {
                reply.status.as_u16().to_string()
            };
            if got != expected {
                failures.push(format!(
                    "{} {} as {caller:?}: {} (wanted {expected}) {}",
                    route.method, route.path, reply.status, reply.text
                ));
            }
            if expected != "2xx" {
                assert_eq!(reply.headers["content-type"], "application/problem+json", "{}", route.path);
            }
        }
    }
    assert!(failures.is_empty(), "{} of {counter} calls off:\n{}", failures.len(), failures.join("\n"));
});

backend_test!(revoking_a_token_over_the_api, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let created =
        app.call(Method::POST, "/v1/tokens", Some(&admin), Some(json!({"name": "x", "roles": ["viewer"]}))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.json()["secret"].as_str().unwrap().to_owned();
    let id = created.json()["token"]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::GET, "/v1/me", Some(&secret), None).await.status, 200);
    // A viewer may not revoke it; an admin may, twice without harm.
    let viewer = app.token(app.operator.id, &[Role::Viewer]).await;
    assert_eq!(app.call(Method::DELETE, &format!("/v1/tokens/{id}"), Some(&viewer), None).await.status, 403);
    let revoked = app.call(Method::DELETE, &format!("/v1/tokens/{id}"), Some(&admin), None).await;
    assert_eq!(revoked.json()["state"], "revoked");
    assert_eq!(app.call(Method::DELETE, &format!("/v1/tokens/{id}"), Some(&admin), None).await.status, 200);
    let refused = app.call(Method::GET, "/v1/me", Some(&secret), None).await;
    assert_eq!(refused.status, 401);
    assert!(refused.json()["detail"].as_str().unwrap().contains("revoked"));
});

backend_test!(organisations_do_not_see_each_others_members, |app| async move {
    let a = app.organisation("Platform A", "platform").await;
    let b = app.organisation("Platform B", "platform").await;
    let a_admin = app.token(a.id, &[Role::Admin, Role::Auditor]).await;
    let b_admin = app.token(b.id, &[Role::Admin]).await;
    let b_user = app
        .call(Method::POST, "/v1/users", Some(&b_admin), Some(json!({"email": "b@b.example", "roles": ["reviewer"]})))
        .await;
    assert_eq!(b_user.status, 201, "{}", b_user.text);
    let b_user_id = b_user.json()["user"]["id"].as_str().unwrap().to_owned();
    let b_token =
        app.call(Method::POST, "/v1/tokens", Some(&b_admin), Some(json!({"name": "b", "roles": ["viewer"]}))).await;
    let b_token_id = b_token.json()["token"]["id"].as_str().unwrap().to_owned();

    // Another organisation's user and token do not exist as far as A is concerned.
    for path in [format!("/v1/users/{b_user_id}"), format!("/v1/tokens/{b_token_id}")] {
        assert_eq!(app.call(Method::GET, &path, Some(&a_admin), None).await.status, 404, "{path}");
    }
    assert_eq!(app.call(Method::DELETE, &format!("/v1/tokens/{b_token_id}"), Some(&a_admin), None).await.status, 404);
    assert_eq!(
        app.call(Method::PATCH, &format!("/v1/users/{b_user_id}"), Some(&a_admin), Some(json!({"disabled": true})))
            .await
            .status,
        404
    );
    for path in [
        format!("/v1/users?organisation_id={}", b.id),
        format!("/v1/tokens?organisation_id={}", b.id),
        format!("/v1/audit?organisation_id={}", b.id),
        "/v1/audit?organisation_id=all".to_owned(),
    ] {
        assert_eq!(app.call(Method::GET, &path, Some(&a_admin), None).await.status, 403, "{path}");
    }
    // A may not create users or tokens in B, nor rename B.
    let intrusions = [
        ("/v1/users", json!({"organisation_id": b.id.0, "email": "spy@a.example", "roles": ["admin"]})),
        ("/v1/tokens", json!({"organisation_id": b.id.0, "name": "spy", "roles": ["admin"]})),
    ];
    for (path, body) in intrusions {
        assert_eq!(app.call(Method::POST, path, Some(&a_admin), Some(body)).await.status, 403, "{path}");
    }
    assert_eq!(
        app.call(
            Method::PATCH,
            &format!("/v1/organisations/{}", b.id),
            Some(&a_admin),
            Some(json!({"contact_email": "x@y.org"}))
        )
        .await
        .status,
        403
    );
    // A's own lists hold only A's data.
    let users = app.call(Method::GET, "/v1/users", Some(&a_admin), None).await.json();
    assert!(users.as_array().unwrap().iter().all(|user| user["organisation_id"] == a.id.0.to_string()));
    let events = app.call(Method::GET, "/v1/audit", Some(&a_admin), None).await.json();
    let events = events["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|event| event["organisation_id"] == a.id.0.to_string()));
    // An organisation admin cannot rename its own organisation (identity is the operator's call).
    assert_eq!(
        app.call(Method::PATCH, &format!("/v1/organisations/{}", a.id), Some(&a_admin), Some(json!({"name": "A2"})))
            .await
            .status,
        403
    );
});
