//! Statements of reasons: every field DSA Art. 17 asks for, in English and French, at an
//! unguessable link; for a removal order, the TCO Art. 11 information withheld while its
//! non-disclosure period runs, then shown (with a clock the test moves).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::{TimeDelta, Utc};
use serde_json::json;
use vigie_domain::access::Role;
use vigie_server::ServerSettings;
use vigie_store::testing::TestDatabase;

use crate::support::TestApp;

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let request = Request::builder().uri(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    let reply = app.send(request).await;
    (reply.status.as_u16(), reply.text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_orders_statement_is_withheld_until_its_non_disclosure_ends() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let (_database, store) = TestDatabase::store(backend).await.unwrap();
        let days = Arc::new(AtomicI64::new(0));
        let offset = days.clone();
        let store = store.with_clock(Arc::new(move || Utc::now() + TimeDelta::days(offset.load(Ordering::SeqCst))));
        let media = tempfile::tempdir().unwrap();
        let settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
        let app = TestApp::over(store, settings).await;
        let unit = app.organisation("Unit", "referral_unit").await;
        let sender = app.token(unit.id, &[Role::Referrer]).await;
        let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;

        let issued = Utc::now() - TimeDelta::hours(1);
        let order = json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
            "reference": "OFAC-SECRET-7", "issued_at": issued, "urls": ["https://video.example.net/watch?v=nd1"],
            "grounds": ["a"], "statement_of_reasons": "Glorifies the attack of 1 December.", "cross_border": true,
            "non_disclosure_until": issued + TimeDelta::days(14), "redress": "Tribunal administratif de Paris, 48 hours"});
        let receipt = app.call(Method::POST, "/v1/submissions", Some(&sender), Some(order)).await;
        assert_eq!(receipt.status, 201, "{}", receipt.text);
        let case = receipt.json()["case_id"].as_str().unwrap().to_owned();
        let decision = app
            .call(
                Method::POST,
                &format!("/v1/cases/{case}/decisions"),
                Some(&reviewer),
                Some(json!({
                "decision": "remove", "facts": "The video shows the attack, with a caption praising it.",
                "automated_detection": true,
                "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784", "article": "Art. 2(7)(a)",
                           "explanation": "It glorifies the attack and calls others to follow."}})),
            )
            .await;
        assert_eq!(decision.status, 201, "{}", decision.text);
        let decision = decision.json()["id"].as_str().unwrap().to_owned();

        // Withheld: the platform is told until when; the public page says nothing.
        let api = app.call(Method::GET, &format!("/v1/decisions/{decision}/statement"), Some(&reviewer), None).await;
        assert_eq!(api.status, 200, "{}", api.text);
        let statement = api.json();
        assert!(statement["withheld_until"].is_string(), "{statement}");
        assert_eq!(statement["removal_orders"], json!([]));
        let url = statement["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with("/statements/") && url.len() == "/statements/".len() + 64, "{url}");
        let actions = app.call(Method::GET, "/v1/actions", Some(&reviewer), None).await.json();
        assert_eq!(actions["actions"][0]["statement_of_reasons"], url.as_str(), "the action carries the link");
        let (status, html) = page(&app, &url).await;
        assert_eq!(status, 200);
        assert!(html.contains("No information can be given about this decision yet"), "{html}");
        for secret in ["OFAC-SECRET-7", "Glorifies the attack", "Regulation (EU) 2021/784", "remove"] {
            assert!(!html.contains(secret), "{secret} shown while withheld");
        }

        // Two weeks and a day later: everything, in both languages.
        days.store(15, Ordering::SeqCst);
        let statement =
            app.call(Method::GET, &format!("/v1/decisions/{decision}/statement"), Some(&reviewer), None).await.json();
        assert!(statement["withheld_until"].is_null(), "{statement}");
        assert_eq!(statement["removal_orders"][0]["reference"], "OFAC-SECRET-7");
        assert_eq!(statement["restriction"], "remove");
        assert_eq!(statement["prompted_by"], json!(["removal_order"]));
        assert_eq!(statement["automated_detection"], true);
        assert_eq!(statement["automated_decision"], false);
        assert_eq!(statement["ground"]["article"], "Art. 2(7)(a)");
        assert!(statement["complaint_until"].is_string());
        let (status, html) = page(&app, &url).await;
        assert_eq!(status, 200);
        for shown in [
            "Statement of reasons",
            "The content was removed",
            "Everywhere",
            "Until the decision is reversed",
            "The video shows the attack",
            "a removal order from a competent authority",
            "Regulation (EU) 2021/784, Art. 2(7)(a)",
            "It glorifies the attack and calls others to follow.",
            "OFAC-SECRET-7",
            "Glorifies the attack of 1 December.",
            "Tribunal administratif de Paris, 48 hours",
            "within 48 hours you may ask the competent authority there",
            "out-of-court dispute settlement",
            "Go to court",
        ] {
            assert!(html.contains(shown), "{shown} missing from {html}");
        }
        let (_, french) = page(&app, &format!("{url}?lang=fr")).await;
        for shown in
            ["Exposé des motifs", "Le contenu a été retiré", "Comment contester cette décision", "OFAC-SECRET-7"]
        {
            assert!(french.contains(shown), "{shown} missing from {french}");
        }

        // Wrong links name nothing; another platform cannot read the statement by API.
        assert_eq!(page(&app, &format!("/statements/{}", "0".repeat(64))).await.0, 404);
        assert_eq!(page(&app, "/statements/not-a-token").await.0, 404);
        let other = app.organisation("Other Platform", "platform").await;
        let other_reviewer = app.token(other.id, &[Role::Reviewer]).await;
        let refused =
            app.call(Method::GET, &format!("/v1/decisions/{decision}/statement"), Some(&other_reviewer), None).await;
        assert_eq!(refused.status, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uploader_complains_through_the_statement_link_within_six_months() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let (_database, store) = TestDatabase::store(backend).await.unwrap();
        let days = Arc::new(AtomicI64::new(0));
        let offset = days.clone();
        let store = store.with_clock(Arc::new(move || Utc::now() + TimeDelta::days(offset.load(Ordering::SeqCst))));
        let media = tempfile::tempdir().unwrap();
        let settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
        let app = TestApp::over(store, settings).await;
        let reporter = app.token(app.operator.id, &[Role::Admin]).await;
        let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
        let report = json!({"kind": "notice", "urls": ["https://forum.example.net/t/42"],
            "explanation": "Calls for attacks.", "notifier_name": "Ana Example", "notifier_email": "ana@example.org",
            "good_faith": true});
        let receipt = app.call(Method::POST, "/v1/submissions", Some(&reporter), Some(report)).await;
        assert_eq!(receipt.status, 201, "{}", receipt.text);
        let case = receipt.json()["case_id"].as_str().unwrap().to_owned();
        let decision = app
            .call(
                Method::POST,
                &format!("/v1/cases/{case}/decisions"),
                Some(&reviewer),
                Some(json!({
                "decision": "remove", "ground": {"type": "terms", "clause": "4.2 Violent extremism",
                "explanation": "Calls for attacks."}})),
            )
            .await
            .json();
        let id = decision["id"].as_str().unwrap().to_owned();
        let url =
            app.call(Method::GET, &format!("/v1/decisions/{id}/statement"), Some(&reviewer), None).await.json()["url"]
                .as_str()
                .unwrap()
                .to_owned();

        // The page offers the form with a CSRF cookie; without it the complaint is refused.
        let request = Request::builder().uri(&url).body(Body::empty()).unwrap();
        let reply = app.send(request).await;
        assert!(reply.text.contains("Contest this decision"), "{}", reply.text);
        let cookie =
            reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
        let csrf = cookie.split_once('=').unwrap().1.to_owned();
        let post = |cookie: Option<&str>, body: String| {
            let mut builder = Request::builder()
                .method(Method::POST)
                .uri(format!("{url}/complaint"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                builder = builder.header(header::COOKIE, cookie);
            }
            builder.body(Body::from(body)).unwrap()
        };
        let before = app.audit_length().await;
        let forged = app.send(post(None, format!("csrf={csrf}&reasons=It+is+satire."))).await;
        assert_eq!(forged.status, 403);
        let empty = app.send(post(Some(&cookie), format!("csrf={csrf}&reasons=+"))).await;
        assert_eq!(empty.status, 400);
        assert!(empty.text.contains("Please say why the decision is wrong"), "{}", empty.text);
        assert_eq!(app.audit_length().await, before, "refusals write nothing");
        let sent = app.send(post(Some(&cookie), format!("csrf={csrf}&reasons=It+is+satire+of+the+recruiters."))).await;
        assert_eq!(sent.status, 303, "{}", sent.text);
        let (_, html) = page(&app, &url).await;
        assert!(html.contains("Being examined by another reviewer"), "{html}");
        assert!(!html.contains("Contest this decision"), "one open complaint at a time");
        let complaints = app.call(Method::GET, "/v1/complaints", Some(&reviewer), None).await.json();
        assert_eq!(complaints[0]["channel"], "statement_link");
        assert_eq!(complaints[0]["kind"], "dsa_art20");
        let other = app.token(app.operator.id, &[Role::Reviewer]).await;
        let upheld = app
            .call(
                Method::POST,
                &format!("/v1/complaints/{}/decision", complaints[0]["id"].as_str().unwrap()),
                Some(&other),
                Some(json!({"outcome": "upheld", "reasons": "The post calls for attacks."})),
            )
            .await;
        assert_eq!(upheld.status, 200, "{}", upheld.text);
        let (_, html) = page(&app, &url).await;
        assert!(html.contains("The decision stands: The post calls for attacks."), "{html}");

        // Six months and a day later, the window is closed: refused by name, nothing written.
        days.store(185, Ordering::SeqCst);
        let before = app.audit_length().await;
        let late = app
            .call(
                Method::POST,
                &format!("/v1/decisions/{id}/complaints"),
                Some(&reviewer),
                Some(json!({"reasons": "Too late?"})),
            )
            .await;
        assert_eq!(late.status, 400, "{}", late.text);
        assert_eq!(late.json()["errors"][0]["field"], "decision");
        assert!(late.text.contains("six months after the decision"), "{}", late.text);
        assert_eq!(app.audit_length().await, before);
        let (_, html) = page(&app, &url).await;
        assert!(!html.contains("Contest this decision"), "no form once the window closed");
    }
}
