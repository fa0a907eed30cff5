//! Issue 9: the audit trail's verification never fails on a damaged row, and signed
//! checkpoints kept outside the database catch a rewrite re-hashed to the end or a truncation.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_domain::access::{Actor, Role};
use vigie_domain::audit::GENESIS_HASH;
use vigie_domain::audit::checkpoint::{CheckpointKey, TrustedKeys};
use vigie_domain::organisation::OrganisationDraft;
use vigie_server::audit::{AuditKeys, CheckpointMode, make_checkpoint};
use vigie_server::bootstrap::{OperatorSettings, ensure_operator};
use vigie_server::{AppState, ServerSettings, app};
use vigie_store::testing::TestDatabase;
use vigie_store::{Backend, Store};

use crate::support::Reply;

const ORIGIN: &str = "vigie.example/audit";

struct AuditApp {
    backend: Backend,
    database: TestDatabase,
    store: Store,
    state: AppState,
    router: Router,
    auditor: String,
    key: CheckpointKey,
    _media: tempfile::TempDir,
}

impl AuditApp {
    async fn spawn(backend: Backend) -> Self {
        let media = tempfile::tempdir().unwrap();
        let settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        let operator_settings = OperatorSettings {
            name: "Operator".into(),
            kind: "platform".into(),
            country: "FR".into(),
            admin_email: "admin@operator.example".into(),
            admin_password: Some("operator admin password".into()),
        };
        let operator = ensure_operator(&store, &operator_settings).await.unwrap().operator;
        let key = CheckpointKey::from_seed(ORIGIN, &[42; 32]).unwrap();
        let signer = CheckpointKey::from_seed(ORIGIN, &[42; 32]).unwrap();
        let state = AppState::load(store.clone(), settings)
            .await
            .unwrap()
            .with_audit_keys(AuditKeys::new(Some(signer), TrustedKeys::default()));
        let router = vigie_server::router(state.clone());
        let roles = vec![Role::Auditor.as_str().to_owned()];
        let request =
            app::TokenRequest { organisation_id: operator.id, name: "audit", roles: &roles, expires_at: None };
        let (_, secret) = app::create_token(&store, Actor::System, request).await.unwrap();
        let app =
            Self { backend, database, store, state, router, auditor: secret.expose().to_owned(), key, _media: media };
        for index in 0..4 {
            app.organisation(&format!("Org {index}")).await;
        }
        app
    }

    async fn organisation(&self, name: &str) {
        let draft = OrganisationDraft { name, kind: "ngo", country: "FR", contact_email: "", slug: None };
        self.store.insert_organisation(&draft.validate().unwrap(), false, Actor::Cli).await.unwrap();
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.auditor));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    async fn verify(&self, kept: Option<&str>) -> Value {
        let reply = match kept {
            None => self.call(Method::GET, "/v1/audit/verify", None).await,
            Some(note) => self.call(Method::POST, "/v1/audit/verify", Some(json!({ "checkpoint": note }))).await,
        };
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()
    }

    /// Signs a checkpoint through the API and returns its note, as an auditor would keep it.
    async fn keep_checkpoint(&self) -> String {
        let reply = self.call(Method::POST, "/v1/audit/checkpoints", None).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let note = reply.json()["note"].as_str().unwrap().to_owned();
        let latest = self.call(Method::GET, "/v1/audit/checkpoints/latest/note", None).await;
        assert_eq!(latest.text, note);
        note
    }

    /// A browser request with `cookies`; returns the reply and the cookies it sets.
    async fn browse(&self, method: Method, path: &str, cookies: &str, form: Option<String>) -> (Reply, Vec<String>) {
        let mut request = Request::builder().method(method).uri(path).header(header::COOKIE, cookies);
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let response = self.router.clone().oneshot(request.body(form.map(Body::from).unwrap_or_default()).unwrap());
        let response = response.await.unwrap();
        let set: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }, set)
    }

    /// Logs the operator's admin into the console: the session's cookies and CSRF token.
    async fn console_login(&self) -> (String, String) {
        let csrf_of = |html: &str| {
            let marker = "name=\"csrf\" value=\"";
            let start = html.find(marker).expect("a CSRF field") + marker.len();
            html[start..start + 64].to_owned()
        };
        let (page, cookies) = self.browse(Method::GET, "/console/login", "", None).await;
        let cookies = cookies.join("; ");
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf_of(&page.text).as_str()),
                ("email", "admin@operator.example"),
                ("password", "operator admin password"),
            ])
            .finish();
        let (reply, session) = self.browse(Method::POST, "/console/login", &cookies, Some(form)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let cookies = session.join("; ");
        let (page, _) = self.browse(Method::GET, "/console/audit", &cookies, None).await;
        (cookies, csrf_of(&page.text))
    }

    /// Runs SQL as someone with direct access to the database.
    async fn tamper(&self, sql: &str) {
        use sqlx::Connection;
        let url = self.database.url.expose();
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
            }
        }
    }

    /// Edits event `sequence` and re-hashes every event after it, and the head: the chain
    /// verifies again, as a careful forger would leave it.
    async fn rewrite(&self, sequence: i64) {
        let mut events = self.store.list_audit_events(None, None, 500).await.unwrap().events;
        events.reverse();
        let mut previous = GENESIS_HASH.to_owned();
        let mut sql = String::new();
        for event in &mut events {
            if event.sequence == sequence {
                event.record.details = r#"{"kind":"platform","country":"FR","is_operator":false}"#.into();
            }
            if event.sequence >= sequence {
                let hash = event.record.chain_hash(event.sequence, event.recorded_at, &previous);
                sql.push_str(&format!(
                    "update audit_events set details = '{}', previous_hash = '{previous}', hash = '{hash}' \
                     where sequence = {};\n",
                    event.record.details, event.sequence
                ));
                previous = hash;
            } else {
                previous = event.hash.clone();
            }
        }
        sql.push_str(&format!("update audit_head set last_hash = '{previous}' where id = 1;"));
        self.tamper(&sql).await;
    }

    /// Deletes the events after `last` and moves the head back to it.
    async fn truncate(&self, last: i64) {
        self.tamper(&format!(
            "delete from audit_events where sequence > {last}; \
             update audit_head set last_sequence = {last}, \
             last_hash = (select hash from audit_events where sequence = {last}) where id = 1;"
        ))
        .await;
    }
}

fn problem_kinds(report: &Value) -> Vec<String> {
    report["problems"].as_array().unwrap().iter().map(|problem| problem["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_an_undecodable_row_is_named_not_a_500() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let damage = match backend {
            Backend::Sqlite => "update audit_events set recorded_at = 'garbage' where sequence = 3",
            Backend::Postgres => "update audit_events set recorded_at = 'infinity' where sequence = 3",
        };
        app.tamper(damage).await;
        let report = app.verify(None).await;
        assert_eq!(report["intact"], false, "{backend:?}");
        assert_eq!(report["first_break_sequence"], 3);
        assert!(report["first_break_reason"].as_str().unwrap().contains("recorded_at"), "{report}");
        assert_eq!(problem_kinds(&report), ["unreadable"]);
        // Listing goes on, naming the row.
        let listed = app.call(Method::GET, "/v1/audit?organisation_id=all", None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        assert_eq!(listed.json()["unreadable"][0]["sequence"], 3);
        // So does the console.
        let (cookies, _) = app.console_login().await;
        let (page, _) = app.browse(Method::GET, "/console/audit?verify=1", &cookies, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("does not verify"), "{}", page.text);
        assert!(page.text.contains("This row cannot be read: recorded_at"), "{}", page.text);
        // No checkpoint of a damaged chain is signed.
        let refused = app.call(Method::POST, "/v1/audit/checkpoints", None).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert!(refused.text.contains("event 3"), "{}", refused.text);

        app.tamper("delete from audit_events where sequence = 3").await;
        app.tamper("update audit_events set actor_kind = 'user', actor_id = null where sequence = 2").await;
        let report = app.verify(None).await;
        assert_eq!(report["first_break_sequence"], 2, "{backend:?}: {report}");
        assert!(report["first_break_reason"].as_str().unwrap().contains("actor_id"), "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_a_kept_checkpoint_catches_a_rewrite_rehashed_to_the_end() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let kept = app.keep_checkpoint().await;
        let signed_head = app.store.audit_head().await.unwrap();
        let report = app.verify(Some(&kept)).await;
        assert_eq!(report["intact"], true, "{report}");
        assert_eq!(report["checkpoint"]["sequence"], signed_head.sequence);
        assert_eq!(report["checkpoint"]["public_key"], app.key.verifier_key());
        app.organisation("Later").await;

        // The forger rewrites event 3, re-hashes to the end and deletes the stored checkpoints.
        app.rewrite(3).await;
        app.tamper("delete from audit_checkpoints").await;
        assert_eq!(app.verify(None).await["intact"], true, "{backend:?}: the chain alone cannot tell");
        let report = app.verify(Some(&kept)).await;
        assert_eq!(report["intact"], false, "{backend:?}");
        assert_eq!(problem_kinds(&report), ["rewritten"], "{report}");
        assert_eq!(report["first_break_sequence"], signed_head.sequence);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_checkpoints_catch_a_truncation_with_the_head_moved_back() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let kept = app.keep_checkpoint().await;
        let signed = app.store.audit_head().await.unwrap().sequence;
        app.truncate(signed - 1).await;
        // The stored checkpoint catches it...
        let report = app.verify(None).await;
        assert_eq!(problem_kinds(&report), ["truncated"], "{backend:?}: {report}");
        assert_eq!(report["first_break_sequence"], signed);
        // ...and refuses to sign a checkpoint of the shorter chain.
        let refused = app.call(Method::POST, "/v1/audit/checkpoints", None).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
        assert!(refused.text.contains("truncated"), "{}", refused.text);
        // Without it, the kept one does.
        app.tamper("delete from audit_checkpoints").await;
        assert_eq!(app.verify(None).await["intact"], true);
        let report = app.verify(Some(&kept)).await;
        assert_eq!(problem_kinds(&report), ["truncated"], "{backend:?}: {report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_forged_altered_and_foreign_checkpoints_are_refused() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let kept = app.keep_checkpoint().await;
        let sequence = app.store.audit_head().await.unwrap().sequence;

        let altered = kept.replacen(&format!("\n{sequence}\n"), &format!("\n{}\n", sequence - 1), 1);
        assert_ne!(altered, kept);
        assert_eq!(problem_kinds(&app.verify(Some(&altered)).await), ["bad-signature"], "{backend:?}");

        let stranger = CheckpointKey::from_seed(ORIGIN, &[7; 32]).unwrap();
        let checkpoint = vigie_domain::audit::checkpoint::Checkpoint::new(
            ORIGIN,
            sequence,
            &app.store.audit_head().await.unwrap().hash,
            app.store.now(),
        );
        let foreign = stranger.sign(&checkpoint).unwrap();
        let report = app.verify(Some(&foreign)).await;
        assert_eq!(problem_kinds(&report), ["untrusted-key"], "{backend:?}");
        assert!(report["first_break_reason"].as_str().unwrap().contains(&stranger.label()));

        assert_eq!(problem_kinds(&app.verify(Some("not a checkpoint")).await), ["malformed-checkpoint"]);
        let oversized =
            app.call(Method::POST, "/v1/audit/verify", Some(json!({ "checkpoint": "x".repeat(20_000) }))).await;
        assert_eq!(oversized.status, StatusCode::BAD_REQUEST, "{}", oversized.text);

        // A checkpoint forged into the database is caught too.
        app.tamper(&format!(
            "insert into audit_checkpoints (id, sequence, signed_at, note) values ({}, {sequence}, {}, '{}')",
            match backend {
                Backend::Sqlite => "x'0193a0a0a0a07000800000000000aa01'".to_owned(),
                Backend::Postgres => "'0193a0a0-a0a0-7000-8000-00000000aa01'".to_owned(),
            },
            match backend {
                Backend::Sqlite => "'2026-12-01T00:00:00+00:00'",
                Backend::Postgres => "'2026-12-01T00:00:00Z'",
            },
            foreign
        ))
        .await;
        let report = app.verify(None).await;
        assert_eq!(problem_kinds(&report), ["untrusted-key"], "{backend:?}: {report}");
        assert_eq!(report["checkpoints_stored"], 2);
        assert_eq!(report["checkpoints_held"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_periodic_checkpoints_only_when_the_head_moved() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let keys = &app.state.audit_keys;
        let first = make_checkpoint(&app.store, keys, CheckpointMode::IfHeadMoved).await.unwrap();
        assert!(first.is_some(), "{backend:?}");
        assert!(make_checkpoint(&app.store, keys, CheckpointMode::IfHeadMoved).await.unwrap().is_none());
        app.organisation("Later").await;
        let second = make_checkpoint(&app.store, keys, CheckpointMode::IfHeadMoved).await.unwrap().unwrap();
        assert_eq!(second.sequence, first.unwrap().sequence + 1);
        let listed = app.call(Method::GET, "/v1/audit/checkpoints", None).await.json();
        assert_eq!(listed["checkpoints"].as_array().unwrap().len(), 2);
        assert_eq!(listed["checkpoints"][0]["sequence"], second.sequence);
        assert_eq!(listed["checkpoints"][0]["key"], app.key.label());
        // A server without a key says so.
        let keyless = vigie_server::router(app.state.clone().with_audit_keys(AuditKeys::none()));
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/audit/checkpoints")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.auditor))
            .body(Body::empty())
            .unwrap();
        assert_eq!(keyless.oneshot(request).await.unwrap().status(), StatusCode::CONFLICT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_the_console_signs_and_hands_out_checkpoints() {
    for backend in vigie_store::testing::backends() {
        let app = AuditApp::spawn(backend).await;
        let (cookies, csrf) = app.console_login().await;
        let (page, _) = app.browse(Method::GET, "/console/audit", &cookies, None).await;
        assert!(page.text.contains("No checkpoint has been signed yet"), "{backend:?}: {}", page.text);
        let form = format!("csrf={csrf}");
        let (signed, _) = app.browse(Method::POST, "/console/audit/checkpoints", &cookies, Some(form)).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
        let (forged, _) = app.browse(Method::POST, "/console/audit/checkpoints", &cookies, Some("csrf=x".into())).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let (download, _) = app.browse(Method::GET, "/console/audit/checkpoint.txt", &cookies, None).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
        let report = app.verify(Some(&download.text)).await;
        assert_eq!(report["intact"], true, "{report}");
        let (page, _) = app.browse(Method::GET, "/console/audit?verify=1", &cookies, None).await;
        assert!(page.text.contains("1 of 1 stored checkpoints hold"), "{}", page.text);
    }
}

crate::support::backend_test!(issue_9_checkpoint_routes_are_for_the_operators_auditors, |app| async move {
    let forum = app.organisation("Forum", "platform").await;
    let outsider = app.token(forum.id, &[Role::Auditor, Role::Admin]).await;
    for (method, path) in [
        (Method::GET, "/v1/audit/checkpoints"),
        (Method::POST, "/v1/audit/checkpoints"),
        (Method::GET, "/v1/audit/checkpoints/latest"),
        (Method::GET, "/v1/audit/checkpoints/latest/note"),
    ] {
        let reply = app.call(method, path, Some(&outsider), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}: {}", reply.text);
    }
    let operator = app.token(app.operator.id, &[Role::Auditor]).await;
    let none = app.call(Method::GET, "/v1/audit/checkpoints/latest", Some(&operator), None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
});
