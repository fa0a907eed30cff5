//! Actions end to end, with a real HTTP receiver started by the test: a removal order decided,
//! the signed event received and checked, the platform's confirmation, and the referral unit's
//! Annex II outcome; a receiver down for a while; a reversal that reinstates; deliveries given up
//! after the retry period; and the bad input that must be refused with nothing written.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use vigie_domain::access::Role;
use vigie_server::ServerSettings;
use vigie_server::actions::signature;

use crate::intake::removal_order;
use crate::support::{Reply, TestApp};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
    /// What the receiver answered.
    status: u16,
}

/// A webhook receiver on a loopback port: records every request, answers 503 while `down`.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl Receiver {
    async fn start(&self) -> String {
        let state = self.clone();
        let router = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let status = if state.down.load(std::sync::atomic::Ordering::SeqCst) { 503 } else { 204 };
                state.received.lock().unwrap().push(Received {
                    path: uri.path().to_owned(),
                    id: header("webhook-id"),
                    timestamp: header("webhook-timestamp").parse().unwrap_or(0),
                    signature: header("webhook-signature"),
                    body,
                    status,
                });
                StatusCode::from_u16(status).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{address}")
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits (up to 20 s) until `path` got at least `count` requests answered 2xx.
    async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let delivered: Vec<Received> = self.at(path).into_iter().filter(|r| r.status < 300).collect();
            if delivered.len() >= count {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{path} got {:?}", self.at(path));
    }
}

fn settings() -> ServerSettings {
    let mut settings = ServerSettings::default();
    settings.webhooks.allow_private_addresses = true;
    settings.webhooks.retry.first_delay = Duration::from_millis(100);
    settings.webhooks.retry.max_delay = Duration::from_millis(400);
    settings.webhooks.poll_interval = Duration::from_millis(50);
    settings
}

/// The app with its delivery worker running (stopped when the token is dropped and cancelled).
async fn app_with_worker(backend: vigie_store::Backend, settings: ServerSettings) -> (TestApp, CancellationToken) {
    let app = TestApp::spawn_with(backend, settings).await;
    let stop = CancellationToken::new();
    tokio::spawn(vigie_server::actions::delivery::run(app.state.clone(), stop.clone()));
    (app, stop)
}

fn remove() -> Value {
    json!({"decision": "remove", "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784",
        "article": "Art. 2(7)(a)", "explanation": "Glorifies the attack."},
        "facts": "The video shows the attack with a caption praising it."})
}

fn fields(reply: &Reply) -> Vec<String> {
    reply.json()["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap().to_owned()).collect()
}

async fn register(app: &TestApp, token: &str, organisation: &str, url: &str, types: &[&str]) -> Value {
    let reply = app
        .call(
            Method::POST,
            &format!("/v1/organisations/{organisation}/webhooks"),
            Some(token),
            Some(json!({"url": url, "event_types": types, "description": "test receiver"})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

/// The receiver's check, as a platform would write it.
fn verified(received: &Received, secret: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    signature::verify(secret, &received.id, received.timestamp, received.body.as_bytes(), &received.signature, now)
        .unwrap_or_else(|problem| panic!("signature {problem:?} on {received:?}"));
    serde_json::from_str(&received.body).unwrap()
}

struct World {
    app: TestApp,
    _stop: tokio_util::sync::DropGuard,
    receiver: Receiver,
    platform_secret: String,
    unit_secret: String,
    sender: String,
    reviewer: String,
    integration: String,
}

async fn world(backend: vigie_store::Backend, settings: ServerSettings) -> World {
    let (app, stop) = app_with_worker(backend, settings).await;
    let receiver = Receiver::default();
    let base = receiver.start().await;
    let unit = app.organisation("Unit", "referral_unit").await;
    let platform_admin = app.token(app.operator.id, &[Role::Admin]).await;
    let unit_admin = app.token(unit.id, &[Role::Admin]).await;
    let platform = register(
        &app,
        &platform_admin,
        &app.operator.id.to_string(),
        &format!("{base}/platform"),
        &["remove", "restrict", "reinstate"],
    )
    .await;
    let secret = platform["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = app
        .call(Method::GET, &format!("/v1/organisations/{}/webhooks", app.operator.id), Some(&platform_admin), None)
        .await;
    assert_eq!(listed.status, 200);
    assert!(listed.json()[0].get("secret").is_none(), "the secret is shown once: {}", listed.text);
    let unit_hook = register(&app, &unit_admin, "unit", &format!("{base}/unit"), &["submission.outcome"]).await;
    World {
        sender: app.token(unit.id, &[Role::Referrer]).await,
        reviewer: app.token(app.operator.id, &[Role::Reviewer]).await,
        integration: app.token(app.operator.id, &[Role::Reviewer]).await,
        app,
        _stop: stop.drop_guard(),
        receiver,
        platform_secret: secret,
        unit_secret: unit_hook["secret"].as_str().unwrap().to_owned(),
    }
}

impl World {
    async fn order(&self, reference: &str) -> (String, String) {
        let url = format!("https://video.example.net/watch?v={reference}");
        let reply = self
            .app
            .call(Method::POST, "/v1/submissions", Some(&self.sender), Some(removal_order(reference, &url)))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let receipt = reply.json();
        (receipt["id"].as_str().unwrap().to_owned(), receipt["case_id"].as_str().unwrap().to_owned())
    }

    async fn decide(&self, case: &str, body: Value) -> Value {
        let reply =
            self.app.call(Method::POST, &format!("/v1/cases/{case}/decisions"), Some(&self.reviewer), Some(body)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()
    }

    async fn confirm(&self, action: &str, body: Value) -> Reply {
        self.app.call(Method::POST, &format!("/v1/actions/{action}/confirm"), Some(&self.integration), Some(body)).await
    }

    async fn submission(&self, id: &str) -> Value {
        let reply = self.app.call(Method::GET, &format!("/v1/submissions/{id}"), Some(&self.sender), None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_order_is_removed_confirmed_and_reported_back_to_its_sender() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        let (submission, case) = world.order("OFAC-ACT-1").await;
        assert_eq!(world.submission(&submission).await["outcome"]["status"], "in_review");
        world.decide(&case, remove()).await;

        // The platform's receiver gets the signed event.
        let events = world.receiver.wait_for("/platform", 1).await;
        let event = verified(&events[0], &world.platform_secret);
        assert!(
            signature::verify(
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                &events[0].id,
                events[0].timestamp,
                events[0].body.as_bytes(),
                &events[0].signature,
                events[0].timestamp
            )
            .is_err(),
            "another secret does not verify"
        );
        assert_eq!(event["type"], "remove");
        let data = &event["data"];
        assert_eq!(data["case"], case.as_str());
        assert_eq!(data["urls"], json!(["https://video.example.net/watch?v=OFAC-ACT-1"]));
        assert_eq!(data["ground"]["article"], "Art. 2(7)(a)");
        assert_eq!(data["submissions"][0]["reference"], "OFAC-ACT-1");
        let action = data["id"].as_str().unwrap().to_owned();
        assert_eq!(data["confirm_url"], format!("/v1/actions/{action}/confirm"));

        // Pulled too: the action shows delivered.
        let pulled = world.app.call(Method::GET, "/v1/actions?status=delivered", Some(&world.integration), None).await;
        assert_eq!(pulled.status, 200, "{}", pulled.text);
        assert_eq!(pulled.json()["actions"][0]["id"], action.as_str());
        assert!(pulled.json()["actions"][0]["delivered_at"].is_string());
        let outcome = world.submission(&submission).await["outcome"].clone();
        assert_eq!(outcome["status"], "decided");
        assert!(outcome["tco"].is_null(), "no Annex II before the platform confirms: {outcome}");

        // The platform confirms; the referral unit sees Annex II and the time from receipt.
        let executed_at = chrono::Utc::now();
        let confirmed = world.confirm(&action, json!({"outcome": "executed", "executed_at": executed_at})).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        assert_eq!(confirmed.json()["status"], "confirmed");
        let outcome = world.submission(&submission).await["outcome"].clone();
        assert_eq!(outcome["status"], "executed", "{outcome}");
        assert_eq!(outcome["tco"]["annex"], "annex_ii");
        assert_eq!(outcome["tco"]["measure"], "removed");
        assert_eq!(outcome["tco"]["within_one_hour"], true);
        assert!(outcome["tco"]["seconds_from_receipt"].as_i64().unwrap() < 60);
        assert_eq!(outcome["decision"]["kind"], "remove");

        // And is told by webhook: decided, then executed.
        let told = world.receiver.wait_for("/unit", 2).await;
        let decided = verified(&told[0], &world.unit_secret);
        assert_eq!(decided["type"], "submission.outcome");
        assert_eq!(decided["data"]["submission"], submission.as_str());
        let executed = verified(&told[1], &world.unit_secret);
        assert_eq!(executed["data"]["outcome"]["tco"]["annex"], "annex_ii", "{executed}");
        assert_ne!(told[0].id, told[1].id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_a_while_gets_each_event_once_per_id() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        world.receiver.down.store(true, std::sync::atomic::Ordering::SeqCst);
        let (_, first) = world.order("OFAC-DOWN-1").await;
        let (_, second) = world.order("OFAC-DOWN-2").await;
        world.decide(&first, remove()).await;
        world.decide(&second, remove()).await;
        // Refused at least twice each, then back.
        for _ in 0..500 {
            if world.receiver.at("/platform").len() >= 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(world.receiver.at("/platform").len() >= 4, "retried while down");
        world.receiver.down.store(false, std::sync::atomic::Ordering::SeqCst);
        let delivered = world.receiver.wait_for("/platform", 2).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let all = world.receiver.at("/platform");
        let ids: std::collections::BTreeSet<&str> = all.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 2, "one id per event, the same at every attempt");
        let accepted: Vec<&Received> = all.iter().filter(|r| r.status < 300).collect();
        assert_eq!(accepted.len(), 2, "each event accepted once: {accepted:?}");
        for id in ids {
            let bodies: std::collections::BTreeSet<&str> =
                all.iter().filter(|r| r.id == id).map(|r| r.body.as_str()).collect();
            assert_eq!(bodies.len(), 1, "the same body at every attempt");
        }
        for received in &delivered {
            verified(received, &world.platform_secret);
        }
        let endpoint = world
            .app
            .call(
                Method::GET,
                &format!("/v1/organisations/{}/webhooks", world.app.operator.id),
                Some(&world.app.token(world.app.operator.id, &[Role::Admin]).await),
                None,
            )
            .await
            .json()[0]["id"]
            .clone();
        let admin = world.app.token(world.app.operator.id, &[Role::Admin]).await;
        let log = world
            .app
            .call(Method::GET, &format!("/v1/webhooks/{}/deliveries", endpoint.as_str().unwrap()), Some(&admin), None)
            .await;
        assert_eq!(log.status, 200, "{}", log.text);
        for delivery in log.json().as_array().unwrap() {
            assert_eq!(delivery["status"], "delivered");
            assert!(delivery["attempts"].as_i64().unwrap() >= 2, "{delivery}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_reinstates_and_the_sender_is_told() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        let (submission, case) = world.order("OFAC-REV-1").await;
        let decision = world.decide(&case, remove()).await;
        world.receiver.wait_for("/platform", 1).await;
        let correction = json!({"decision": "no_violation", "replaces": decision["id"],
            "explanation": "The video is a news report on the attack, not propaganda."});
        let senior = world.app.token(world.app.operator.id, &[Role::SeniorReviewer]).await;
        let reply =
            world.app.call(Method::POST, &format!("/v1/cases/{case}/decisions"), Some(&senior), Some(correction)).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let events = world.receiver.wait_for("/platform", 2).await;
        let reinstate = verified(&events[1], &world.platform_secret);
        assert_eq!(reinstate["type"], "reinstate");
        assert_eq!(reinstate["data"]["case"], case.as_str());
        let outcome = world.submission(&submission).await["outcome"].clone();
        assert_eq!(outcome["decision"]["kind"], "no_violation");
        let kinds: Vec<&str> =
            outcome["actions"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["remove", "reinstate"]);
        // The sender was told of each decision.
        let told = world.receiver.wait_for("/unit", 2).await;
        let latest = verified(&told[1], &world.unit_secret);
        assert_eq!(latest["data"]["outcome"]["decision"]["kind"], "no_violation");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_never_accepted_is_given_up_and_its_action_failed() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let mut settings = settings();
        settings.webhooks.retry.give_up_after = Duration::from_millis(600);
        let world = world(backend, settings).await;
        world.receiver.down.store(true, std::sync::atomic::Ordering::SeqCst);
        let (_, case) = world.order("OFAC-FAIL-1").await;
        world.decide(&case, remove()).await;
        let mut status = Value::Null;
        for _ in 0..500 {
            let page = world.app.call(Method::GET, "/v1/actions", Some(&world.integration), None).await.json();
            status = page["actions"][0]["status"].clone();
            if status == "failed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(status, "failed");
        // Still confirmable (the platform may have pulled it).
        let action = world
            .app
            .call(Method::GET, "/v1/actions?status=failed", Some(&world.integration), None)
            .await
            .json()["actions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let reply = world.confirm(&action, json!({"outcome": "executed", "executed_at": chrono::Utc::now()})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_confirmations_and_webhook_addresses_are_refused_with_nothing_written() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        let app = &world.app;
        let (_, case) = world.order("OFAC-BAD-1").await;
        world.decide(&case, remove()).await;
        world.receiver.wait_for("/platform", 1).await;
        let page = app.call(Method::GET, "/v1/actions", Some(&world.integration), None).await.json();
        let action = page["actions"][0]["id"].as_str().unwrap().to_owned();
        let other = app.organisation("Other Platform", "platform").await;
        let other_reviewer = app.token(other.id, &[Role::Reviewer]).await;
        let auditor = app.token(app.operator.id, &[Role::Auditor]).await;
        let before = app.audit_length().await;
        let path = format!("/v1/actions/{action}/confirm");
        let good = json!({"outcome": "executed", "executed_at": chrono::Utc::now()});

        // Unsigned (no token) and wrongly signed (a token that is not one).
        assert_eq!(app.call(Method::POST, &path, None, Some(good.clone())).await.status, 401);
        let forged = "vigie_".to_owned() + &"0".repeat(64);
        assert_eq!(app.call(Method::POST, &path, Some(&forged), Some(good.clone())).await.status, 401);
        // Another platform's action does not exist for it; the sender may not confirm either.
        assert_eq!(app.call(Method::POST, &path, Some(&other_reviewer), Some(good.clone())).await.status, 404);
        assert_eq!(
            app.call(Method::GET, &format!("/v1/actions/{action}"), Some(&other_reviewer), None).await.status,
            404
        );
        assert_eq!(app.call(Method::POST, &path, Some(&world.sender), Some(good.clone())).await.status, 404);
        assert_eq!(app.call(Method::POST, &path, Some(&auditor), Some(good.clone())).await.status, 403);
        // Each field named.
        let reply = world.confirm(&action, json!({})).await;
        assert_eq!(reply.status, 400);
        assert_eq!(fields(&reply), ["outcome", "executed_at"]);
        let reply = world.confirm(&action, json!({"outcome": "done", "executed_at": chrono::Utc::now()})).await;
        assert_eq!(fields(&reply), ["outcome"]);
        let reply = world.confirm(&action, json!({"outcome": "failed", "executed_at": chrono::Utc::now()})).await;
        assert_eq!(fields(&reply), ["reason"]);
        let future = chrono::Utc::now() + chrono::TimeDelta::hours(2);
        let reply = world.confirm(&action, json!({"outcome": "executed", "executed_at": future})).await;
        assert_eq!(fields(&reply), ["executed_at"]);
        let reply = world.confirm(&action, json!({"outcome": "executed", "executed_at": "yesterday"})).await;
        assert_eq!(reply.status, 400);
        assert_eq!(app.audit_length().await, before, "refusals write nothing");
        assert_eq!(
            app.call(Method::GET, &format!("/v1/actions/{action}"), Some(&world.integration), None).await.json()["status"],
            "delivered"
        );
        // Confirmed once; a second confirmation is refused.
        assert_eq!(world.confirm(&action, good.clone()).await.status, 200);
        let again = world.confirm(&action, good).await;
        assert_eq!(again.status, 409, "{}", again.text);

        // Webhook addresses.
        let strict = TestApp::spawn(backend).await;
        let admin = strict.token(strict.operator.id, &[Role::Admin]).await;
        let reviewer = strict.token(strict.operator.id, &[Role::Reviewer]).await;
        let before = strict.audit_length().await;
        let path = format!("/v1/organisations/{}/webhooks", strict.operator.id);
        for (url, expected) in [
            ("http://127.0.0.1:9/hook", "must be an https:// address"),
            ("https://127.0.0.1/hook", "loopback, private"),
            ("https://[::1]/hook", "loopback, private"),
            ("https://10.0.0.8/hook", "loopback, private"),
            ("https://169.254.169.254/latest", "loopback, private"),
            ("https://localhost/hook", "loopback, private"),
            ("ftp://example.org/hook", "https://"),
            ("https://user:pw@example.org/hook", "credentials"),
            ("not a url", "is not a URL"),
        ] {
            let reply = strict
                .call(Method::POST, &path, Some(&admin), Some(json!({"url": url, "event_types": ["remove"]})))
                .await;
            assert_eq!(reply.status, 400, "{url}: {}", reply.text);
            assert_eq!(fields(&reply), ["url"], "{url}");
            assert!(reply.text.contains(expected), "{url}: {}", reply.text);
        }
        let reply = strict
            .call(
                Method::POST,
                &path,
                Some(&admin),
                Some(json!({"url": "https://127.0.0.1/x", "event_types": ["remove", "explode", "remove"]})),
            )
            .await;
        assert_eq!(fields(&reply), ["url", "event_types[1]", "event_types[2]"]);
        let reply = strict
            .call(Method::POST, &path, Some(&admin), Some(json!({"url": "https://127.0.0.1/x", "event_types": []})))
            .await;
        assert_eq!(fields(&reply), ["url", "event_types"]);
        // Only the organisation's admins; another organisation's endpoints do not exist for others.
        let reply = strict
            .call(
                Method::POST,
                &path,
                Some(&reviewer),
                Some(json!({"url": "https://example.org/x", "event_types": ["remove"]})),
            )
            .await;
        assert_eq!(reply.status, 403);
        assert_eq!(strict.audit_length().await, before, "refusals write nothing");
        assert!(strict.store.list_webhook_endpoints(strict.operator.id).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_is_answered_by_another_reviewer_and_a_reversal_reinstates() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        let app = &world.app;
        let (submission, case) = world.order("OFAC-COMPLAINT-1").await;
        let decision = world.decide(&case, remove()).await["id"].as_str().unwrap().to_owned();
        let events = world.receiver.wait_for("/platform", 1).await;
        let action = verified(&events[0], &world.platform_secret)["data"]["id"].as_str().unwrap().to_owned();
        let executed = world.confirm(&action, json!({"outcome": "executed", "executed_at": chrono::Utc::now()})).await;
        assert_eq!(executed.status, 200, "{}", executed.text);

        // The platform forwards its uploader's complaint.
        let path = format!("/v1/decisions/{decision}/complaints");
        let empty = app.call(Method::POST, &path, Some(&world.integration), Some(json!({"reasons": " "}))).await;
        assert_eq!(empty.status, 400);
        assert_eq!(fields(&empty), ["reasons"]);
        let filed = app
            .call(
                Method::POST,
                &path,
                Some(&world.integration),
                Some(json!({"reasons": "This is a news report about the attack, not propaganda."})),
            )
            .await;
        assert_eq!(filed.status, 201, "{}", filed.text);
        let complaint = filed.json();
        assert_eq!(complaint["kind"], "tco_art10");
        assert_eq!(complaint["status"], "open");
        let due = chrono::DateTime::parse_from_rfc3339(complaint["due_at"].as_str().unwrap()).unwrap();
        let received = chrono::DateTime::parse_from_rfc3339(complaint["received_at"].as_str().unwrap()).unwrap();
        assert_eq!(due - received, chrono::TimeDelta::days(14));
        let again = app.call(Method::POST, &path, Some(&world.integration), Some(json!({"reasons": "Again."}))).await;
        assert_eq!(again.status, 409, "{}", again.text);
        let listed = app.call(Method::GET, "/v1/complaints?status=open", Some(&world.reviewer), None).await;
        assert_eq!(listed.json().as_array().unwrap().len(), 1);

        // The reviewer who decided may not answer; a removal order needs a senior reviewer.
        let answer = format!("/v1/complaints/{}/decision", complaint["id"].as_str().unwrap());
        let reversed = json!({"outcome": "reversed", "reasons": "On a second look, a news report: reinstated."});
        let before = app.audit_length().await;
        let refused = app.call(Method::POST, &answer, Some(&world.reviewer), Some(reversed.clone())).await;
        assert_eq!(refused.status, 409, "{}", refused.text);
        assert!(refused.text.contains("complaint-same-reviewer"), "{}", refused.text);
        let other = app.token(app.operator.id, &[Role::Reviewer]).await;
        let before_other = app.audit_length().await;
        let refused = app.call(Method::POST, &answer, Some(&other), Some(reversed.clone())).await;
        assert_eq!(refused.status, 409, "{}", refused.text);
        assert!(refused.text.contains("complaint-needs-senior"), "{}", refused.text);
        let refused =
            app.call(Method::POST, &answer, Some(&other), Some(json!({"outcome": "open", "reasons": ""}))).await;
        assert_eq!(fields(&refused), ["outcome", "reasons"]);
        assert_eq!(app.audit_length().await, before_other, "refusals write nothing");
        assert!(before_other > before, "the other reviewer's token was made in between");

        // A senior reviewer reverses: the platform gets `reinstate`, the sender the new outcome.
        let senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
        let answered = app.call(Method::POST, &answer, Some(&senior), Some(reversed)).await;
        assert_eq!(answered.status, 200, "{}", answered.text);
        assert_eq!(answered.json()["status"], "reversed");
        let events = world.receiver.wait_for("/platform", 2).await;
        let reinstate = verified(&events[1], &world.platform_secret);
        assert_eq!(reinstate["type"], "reinstate");
        let outcome = world.submission(&submission).await["outcome"].clone();
        assert_eq!(outcome["decision"]["kind"], "no_violation");
        let kinds: Vec<&str> =
            outcome["actions"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["remove", "reinstate"]);
        let told = world.receiver.wait_for("/unit", 2).await;
        let latest = verified(told.last().unwrap(), &world.unit_secret);
        assert_eq!(latest["data"]["outcome"]["decision"]["kind"], "no_violation");
        let twice =
            app.call(Method::POST, &answer, Some(&senior), Some(json!({"outcome": "upheld", "reasons": "x"}))).await;
        assert_eq!(twice.status, 409);
        // The order was executed, then reinstated: Annex II stands, with the reinstatement.
        assert_eq!(outcome["tco"]["annex"], "annex_ii", "{outcome}");
        assert!(outcome["tco"]["reinstated_at"].is_string(), "{outcome}");
        assert_eq!(outcome["decision"]["explanation"], "On a second look, a news report: reinstated.");
        // The reversal restricts nothing: there is nothing for the uploader to contest.
        let reversal = answered.json()["reversal_decision"].as_str().unwrap().to_owned();
        let refused = app
            .call(
                Method::POST,
                &format!("/v1/decisions/{reversal}/complaints"),
                Some(&world.integration),
                Some(json!({"reasons": "Remove it again."})),
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(fields(&refused), ["decision"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_court_annulment_reinstates() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let world = world(backend, settings()).await;
        let app = &world.app;
        let (submission, case) = world.order("OFAC-COURT-1").await;
        let decision = world.decide(&case, remove()).await["id"].as_str().unwrap().to_owned();
        world.receiver.wait_for("/platform", 1).await;
        let path = format!("/v1/decisions/{decision}/annulment");
        let ruling = json!({"source": "court", "reference": "TA Paris, 2026-12-07, no. 2612345",
            "explanation": "The order is annulled: the video is a news report."});
        let senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
        let before = app.audit_length().await;
        assert_eq!(app.call(Method::POST, &path, Some(&world.reviewer), Some(ruling.clone())).await.status, 403);
        let refused = app.call(Method::POST, &path, Some(&senior), Some(json!({"source": "rumour"}))).await;
        assert_eq!(fields(&refused), ["source", "reference", "explanation"]);
        assert_eq!(app.audit_length().await, before, "refusals write nothing");
        let annulled = app.call(Method::POST, &path, Some(&senior), Some(ruling.clone())).await;
        assert_eq!(annulled.status, 201, "{}", annulled.text);
        assert_eq!(annulled.json()["decision"], "no_violation");
        assert!(annulled.json()["explanation"].as_str().unwrap().starts_with("TA Paris"));
        let events = world.receiver.wait_for("/platform", 2).await;
        assert_eq!(verified(&events[1], &world.platform_secret)["type"], "reinstate");
        let outcome = world.submission(&submission).await["outcome"].clone();
        assert_eq!(outcome["decision"]["kind"], "no_violation");
        let again = app.call(Method::POST, &path, Some(&senior), Some(ruling)).await;
        assert_eq!(again.status, 409, "{}", again.text);
    }
}
