//! `TestApp`: a fresh database, the production router, and helpers to call it.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::ids::OrganisationId;
use vigie_domain::organisation::{Organisation, OrganisationDraft};
use vigie_server::bootstrap::{OperatorSettings, ensure_operator};
use vigie_server::{AppState, ServerSettings, app};
use vigie_store::testing::TestDatabase;
use vigie_store::{Backend, Store};

pub const ADMIN_EMAIL: &str = "admin@operator.example";
pub const ADMIN_PASSWORD: &str = "operator admin password";

/// Runs `$body` (an async block using `$app`) once per configured backend.
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in vigie_store::testing::backends() {
                let $app = crate::support::TestApp::spawn(backend).await;
                eprintln!("{} on {:?}", stringify!($name), backend);
                $body.await;
            }
        }
    };
}
pub(crate) use backend_test;

pub struct TestApp {
    pub store: Store,
    pub state: AppState,
    pub router: Router,
    pub operator: Organisation,
    _database: Option<TestDatabase>,
    _media: Option<tempfile::TempDir>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    /// The body as sent (`text` is it read as UTF-8, lossily).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text))
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, ServerSettings::default()).await
    }

    pub async fn spawn_with(backend: Backend, mut settings: ServerSettings) -> Self {
        let media = tempfile::tempdir().expect("media directory");
        settings.media_dir = media.path().join("media");
        let (database, store) = TestDatabase::store(backend).await.expect("test database");
        let mut app = Self::over(store, settings).await;
        app._database = Some(database);
        app._media = Some(media);
        app
    }

    /// An app over a store the test opened itself (migrated), with `settings` as given
    /// (`media_dir` included).
    pub async fn over(store: Store, settings: ServerSettings) -> Self {
        let operator_settings = OperatorSettings {
            name: "Operator".into(),
            kind: "platform".into(),
            country: "FR".into(),
            admin_email: ADMIN_EMAIL.into(),
            admin_password: Some(ADMIN_PASSWORD.into()),
        };
        let first_start = ensure_operator(&store, &operator_settings).await.expect("first start");
        let state = AppState::load(store.clone(), settings).await.expect("banks load");
        let router = vigie_server::router(state.clone());
        Self { store, state, router, operator: first_start.operator, _database: None, _media: None }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// A JSON API call; `token` is sent as a bearer token when given.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn organisation(&self, name: &str, kind: &str) -> Organisation {
        let draft = OrganisationDraft { name, kind, country: "FR", contact_email: "contact@example.org", slug: None };
        self.store.insert_organisation(&draft.validate().unwrap(), false, Actor::System).await.unwrap()
    }

    /// A fresh, active token for `organisation` with `roles`.
    pub async fn token(&self, organisation: OrganisationId, roles: &[Role]) -> String {
        let names: Vec<String> = RoleSet::of(roles).iter().map(|role| role.as_str().to_owned()).collect();
        let request =
            app::TokenRequest { organisation_id: organisation, name: "test", roles: &names, expires_at: None };
        let (_, secret) = app::create_token(&self.store, Actor::System, request).await.unwrap();
        secret.expose().to_owned()
    }

    /// Another node on this app's database: its own connection pool, state and router, as a
    /// second `vigie serve` process behind a load balancer would have.
    pub async fn second_node(&self) -> TestApp {
        let url = &self._database.as_ref().expect("an app over its own test database").url;
        let store = Store::connect(url).await.expect("second connection");
        let mut settings = ServerSettings::default();
        settings.media_dir = self.state.settings.media_dir.clone();
        TestApp::over(store, settings).await
    }

    pub async fn audit_length(&self) -> i64 {
        self.store.verify_audit_chain().await.unwrap().events_checked
    }
}
