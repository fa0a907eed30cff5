//! The harness: chromedriver and headless Chromium, the production router served on a loopback
//! port over a fresh SQLite database, seeding through the store and the API, and screenshots
//! under `target/screenshots/<test>/<step>.png`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::ids::OrganisationId;
use vigie_domain::organisation::{Organisation, OrganisationDraft};
use vigie_server::bootstrap::{OperatorSettings, ensure_operator};
use vigie_server::{AppState, ConnectionLimits, ServerSettings, app};
use vigie_store::testing::TestDatabase;
use vigie_store::{Backend, Store};

/// Set to `1` to skip the browser tests on a machine without Chromium, knowingly.
pub const SKIP_VARIABLE: &str = "VIGIE_SKIP_BROWSER_TESTS";

const INSTALL_HINT: &str = "the browser tests need Chromium and its WebDriver: \
    `apt-get install chromium chromium-driver` on Debian (or set VIGIE_SKIP_BROWSER_TESTS=1 to skip them knowingly)";

/// The flags every browser starts with: headless, and nothing that reaches outside the machine.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--disable-crash-reporter",
    "--disable-breakpad",
];

/// WebDriver's codes for Enter and Escape (`fantoccini::key::Key`), for [`Browser::press`].
pub const ENTER: char = '\u{e007}';
pub const ESCAPE: char = '\u{e00c}';

const WINDOW_WIDTH: u32 = 1280;
const WINDOW_HEIGHT: u32 = 900;
/// How long a page, an element or a condition is waited for before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `$body` (an async block using `$scenario: &Scenario`) against a fresh server and
/// chromedriver; a failure first saves a screenshot of every open browser.
macro_rules! browser_test {
    ($name:ident, |$scenario:ident| $body:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(owned) = crate::harness::Scenario::start(stringify!($name)).await else {
                return;
            };
            let outcome = {
                let $scenario = &owned;
                futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe($body)).await
            };
            owned.finish(outcome).await;
        }
    };
}
pub(crate) use browser_test;

// ---------------------------------------------------------------------------------------------
// Chromium and chromedriver

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|directory| names.iter().map(move |name| directory.join(name)))
        .find(|candidate| candidate.is_file())
}

impl Tools {
    /// Chromium and chromedriver from `PATH`, or a failure saying how to install them.
    fn find() -> Self {
        let chromium = find_on_path(&["chromium", "chromium-browser", "google-chrome"]);
        let chromedriver = find_on_path(&["chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Self { chromium, chromedriver },
            (chromium, _) => panic!(
                "{} not found on PATH: {INSTALL_HINT}",
                if chromium.is_none() { "chromium" } else { "chromedriver" }
            ),
        }
    }
}

/// A chromedriver process on a free loopback port, leading its own process group: dropping it
/// kills the group, the browsers it started included.
struct Driver {
    process: Child,
    url: String,
}

impl Driver {
    fn start(chromedriver: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).unwrap().port();
        let process = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}; {INSTALL_HINT}", chromedriver.display()));
        let driver = Self { process, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver did not listen on port {port} within {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(25));
        }
        driver
    }
}

/// How many live processes of `group` there are besides its leader, read from `/proc`.
fn followers(group: libc::pid_t) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|pid| *pid != group)
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
            // `pid (name) state ppid pgrp …`: the name may hold spaces, so read after its `)`.
            let Some(rest) = stat.rfind(')').and_then(|end| stat.get(end + 2..)) else { return false };
            let mut fields = rest.split(' ');
            let state = fields.next();
            let pgrp = fields.nth(1).and_then(|pgrp| pgrp.parse::<libc::pid_t>().ok());
            pgrp == Some(group) && state != Some("Z")
        })
        .count()
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.process.id() as libc::pid_t;
        // Closed sessions take a moment to end their browsers, which then remove their
        // temporary files; only what is still running after that is killed.
        let started = Instant::now();
        while followers(group) > 0 && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: kill(2) takes no memory; the group is the one this test created for its
        // chromedriver (`process_group(0)`), and the process is not yet reaped.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.process.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The server

/// The production router on a loopback port, over its own SQLite database and media directory.
pub struct Server {
    pub store: Store,
    pub state: AppState,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    router: Router,
    shutdown: CancellationToken,
    _database: TestDatabase,
    _media: tempfile::TempDir,
}

/// The operator's first admin, as `ensure_operator` creates it.
pub const ADMIN_EMAIL: &str = "admin@operator.example";
pub const ADMIN_PASSWORD: &str = "operator admin password";

/// The password every seeded person logs in with.
pub const PASSWORD: &str = "a long browser test password";

/// A seeded user who logs in through the login form.
#[derive(Clone)]
pub struct Person {
    pub email: String,
    pub name: String,
    pub id: uuid::Uuid,
}

impl Server {
    async fn start() -> Self {
        let media = tempfile::tempdir().expect("media directory");
        let settings = ServerSettings { media_dir: media.path().join("media"), ..ServerSettings::default() };
        let (database, store) = TestDatabase::store(Backend::Sqlite).await.expect("test database");
        let operator_settings = OperatorSettings {
            name: "Operator".into(),
            kind: "platform".into(),
            country: "FR".into(),
            admin_email: ADMIN_EMAIL.into(),
            admin_password: Some(ADMIN_PASSWORD.into()),
        };
        ensure_operator(&store, &operator_settings).await.expect("first start");
        let state = AppState::load(store.clone(), settings).await.expect("state");
        let router = vigie_server::router(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        tokio::spawn(vigie_server::serve(listener, router.clone(), ConnectionLimits::default(), shutdown.clone()));
        Self { store, state, url, router, shutdown, _database: database, _media: media }
    }

    pub async fn organisation(&self, name: &str, kind: &str) -> Organisation {
        let draft = OrganisationDraft { name, kind, country: "FR", contact_email: "contact@example.org", slug: None };
        self.store.insert_organisation(&draft.validate().unwrap(), false, Actor::System).await.unwrap()
    }

    /// A user of `organisation` with `roles`, who logs in with [`PASSWORD`].
    pub async fn person(&self, organisation: OrganisationId, email: &str, name: &str, roles: &[Role]) -> Person {
        let roles: Vec<String> = roles.iter().map(|role| role.as_str().to_owned()).collect();
        let draft =
            vigie_domain::user::UserDraft { organisation_id: organisation, email, display_name: name, roles: &roles };
        let user = draft.validate().unwrap();
        let password = app::InitialPassword::Given(PASSWORD.to_owned());
        let created = app::create_user(&self.store, Actor::System, &user, password).await.unwrap();
        Person { email: email.to_owned(), name: name.to_owned(), id: created.user.id.0 }
    }

    /// An API token of `organisation` with `roles`.
    pub async fn token(&self, organisation: OrganisationId, roles: &[Role]) -> String {
        let names: Vec<String> = RoleSet::of(roles).iter().map(|role| role.as_str().to_owned()).collect();
        let request =
            app::TokenRequest { organisation_id: organisation, name: "seed", roles: &names, expires_at: None };
        let (_, secret) = app::create_token(&self.store, Actor::System, request).await.unwrap();
        secret.expose().to_owned()
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        (status, body)
    }

    /// A JSON API call with a bearer token.
    pub async fn api(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let builder =
            Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    /// Sends a submission; answers the id of its case.
    pub async fn submit(&self, token: &str, submission: Value) -> String {
        let (status, receipt) = self.api(Method::POST, "/v1/submissions", token, Some(submission)).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        receipt["case_id"].as_str().expect("a case id").to_owned()
    }

    /// Sends a submission with one picture (multipart), hashes it as the media worker would,
    /// and answers the id of its case.
    pub async fn submit_with_picture(&self, token: &str, submission: Value, png: &[u8]) -> String {
        const BOUNDARY: &str = "browserboundary";
        let mut body =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission\"\r\n\r\n").into_bytes();
        body.extend(serde_json::to_vec(&submission).unwrap());
        body.extend(
            format!(
                "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"picture.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend(png);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").into_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/submissions")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(body))
            .unwrap();
        let (status, receipt) = self.send(request).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        while vigie_server::workers::media::run_once(&self.state).await.expect("media worker pass")
            == vigie_server::workers::media::Outcome::Processed
        {}
        receipt["case_id"].as_str().expect("a case id").to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/// `target/screenshots/<test>/`, emptied when the test starts; files are numbered in the order
/// they were taken.
struct Screenshots {
    directory: PathBuf,
    taken: AtomicUsize,
}

impl Screenshots {
    fn for_test(test: &str) -> Self {
        // The test binary is target/<profile>/deps/browser-<hash>.
        let executable = std::env::current_exe().expect("test executable");
        let target = executable.ancestors().nth(3).expect("the test binary sits in target/<profile>/deps");
        let directory = target.join("screenshots").join(test);
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).unwrap_or_else(|error| panic!("{}: {error}", directory.display()));
        Self { directory, taken: AtomicUsize::new(0) }
    }

    fn path(&self, step: &str) -> PathBuf {
        let number = self.taken.fetch_add(1, Ordering::SeqCst) + 1;
        self.directory.join(format!("{number:02}-{step}.png"))
    }
}

// ---------------------------------------------------------------------------------------------
// A scenario and its browsers

/// One test: a server, a chromedriver, and the browsers opened on them.
pub struct Scenario {
    pub server: Server,
    tools: Tools,
    driver: Driver,
    screenshots: Arc<Screenshots>,
    browsers: Mutex<Vec<Client>>,
    /// The browsers' profiles, removed after chromedriver and its browsers are gone.
    profiles: tempfile::TempDir,
}

impl Scenario {
    /// Starts the server and chromedriver, or answers `None` when the browser tests are skipped
    /// on purpose ([`SKIP_VARIABLE`]).
    pub async fn start(test: &'static str) -> Option<Self> {
        if std::env::var(SKIP_VARIABLE).is_ok_and(|value| value == "1") {
            eprintln!("{test}: skipped ({SKIP_VARIABLE}=1)");
            return None;
        }
        let tools = Tools::find();
        let driver = Driver::start(&tools.chromedriver);
        let server = Server::start().await;
        let screenshots = Arc::new(Screenshots::for_test(test));
        let profiles = tempfile::tempdir().expect("a directory for browser profiles");
        Some(Self { server, tools, driver, screenshots, browsers: Mutex::new(Vec::new()), profiles })
    }

    /// A new browser (its own profile, so its own cookies) whose pages ask for `lang` (`en`,
    /// `fr`) through `Accept-Language`, as a reviewer's browser would.
    pub async fn browser(&self, lang: &str) -> Browser {
        let accept = match lang {
            "fr" => "fr-FR,fr",
            _ => "en-GB,en",
        };
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--window-size={WINDOW_WIDTH},{WINDOW_HEIGHT}"));
        args.push(format!("--lang={lang}"));
        args.push(format!("--accept-lang={accept}"));
        let profile = self.profiles.path().join(format!("browser-{}", self.browsers.lock().unwrap().len() + 1));
        args.push(format!("--user-data-dir={}", profile.display()));
        let options = json!({
            "binary": self.tools.chromium,
            "args": args,
            "prefs": {"intl.accept_languages": accept},
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.driver.url)
            .await
            .unwrap_or_else(|error| panic!("Chromium did not start through chromedriver: {error}; {INSTALL_HINT}"));
        self.browsers.lock().unwrap().push(client.clone());
        Browser { client, base: self.server.url.clone(), screenshots: self.screenshots.clone() }
    }

    /// Closes the browsers; after a failure, first saves what each one showed.
    pub async fn finish(self, outcome: std::thread::Result<()>) {
        let browsers = std::mem::take(&mut *self.browsers.lock().unwrap());
        if outcome.is_err() {
            for (index, client) in browsers.iter().enumerate() {
                let path = self.screenshots.path(&format!("failure-browser-{}", index + 1));
                let url = client.current_url().await.map(|url| url.to_string()).unwrap_or_default();
                if let Ok(png) = client.screenshot().await {
                    let _ = std::fs::write(&path, png);
                    eprintln!("browser {} was at {url}; screenshot: {}", index + 1, path.display());
                }
            }
        }
        for client in browsers {
            let _ = client.close().await;
        }
        let driver = self.driver;
        tokio::task::spawn_blocking(move || drop(driver)).await.expect("chromedriver stopped");
        drop(self.profiles);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}

/// One browser session, with helpers that fail the test with a clear message.
pub struct Browser {
    client: Client,
    base: String,
    screenshots: Arc<Screenshots>,
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|error| panic!("{path}: {error}"));
    }

    /// The current page's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The HTTP status the current page was served with.
    pub async fn status(&self) -> u16 {
        let status = self.script("return performance.getEntriesByType('navigation')[0].responseStatus;", vec![]).await;
        status.as_u64().and_then(|status| u16::try_from(status).ok()).unwrap_or_else(|| panic!("no status: {status}"))
    }

    pub async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|error| panic!("script failed: {error}\n{script}"))
    }

    /// The element `css` selects, waited for.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(error) => panic!("no `{css}` on {} within {PATIENCE:?}: {error}", self.path().await),
        }
    }

    /// Whether `css` selects anything now (no waiting).
    pub async fn has(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.expect("find").is_empty()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.expect("attribute")
    }

    /// `name` of every element `css` selects, in document order.
    pub async fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        let mut values = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.expect("find") {
            values.push(element.attr(name).await.expect("attribute").unwrap_or_default());
        }
        values
    }

    /// Clicks into the field `css` and types `text`, as a person would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.click().await.unwrap_or_else(|error| panic!("cannot click `{css}`: {error}"));
        field.send_keys(text).await.unwrap_or_else(|error| panic!("cannot type into `{css}`: {error}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|error| panic!("cannot click `{css}`: {error}"));
    }

    /// Presses one key on whatever has the focus.
    pub async fn press(&self, key: char) {
        let keys =
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        self.client.perform_actions(keys).await.unwrap_or_else(|error| panic!("key {key:?}: {error}"));
    }

    /// Presses `key` with Control held.
    pub async fn press_with_control(&self, key: char) {
        let control = char::from(Key::Control);
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: control })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: control });
        self.client.perform_actions(keys).await.unwrap_or_else(|error| panic!("Ctrl+{key:?}: {error}"));
    }

    /// Marks the current page, so that [`Browser::wait_for_new_page`] can tell when another one
    /// (even at the same address) has replaced it.
    pub async fn mark_page(&self) {
        self.script("window.vigieTestOldPage = true;", vec![]).await;
    }

    /// Waits until the page marked by [`Browser::mark_page`] is replaced and the new one loaded.
    pub async fn wait_for_new_page(&self) {
        let started = Instant::now();
        loop {
            let check = "return !window.vigieTestOldPage && document.readyState === 'complete';";
            // Errors while the old page unloads mean "not yet".
            if let Ok(Value::Bool(true)) = self.client.execute(check, vec![]).await {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "no new page replaced {} within {PATIENCE:?}", self.path().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Presses `key` and waits for the page it leads to.
    pub async fn press_and_load(&self, key: char) {
        self.mark_page().await;
        self.press(key).await;
        self.wait_for_new_page().await;
    }

    /// Waits until `condition` (a script's body returning a boolean) holds.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let started = Instant::now();
        loop {
            if self.script(condition, vec![]).await == Value::Bool(true) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "{what}: not so within {PATIENCE:?} on {}", self.path().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Logs in through the login form.
    pub async fn log_in(&self, email: &str, password: &str) {
        self.goto("/console/login").await;
        self.type_into("input[name=email]", email).await;
        self.type_into("input[name=password]", password).await;
        self.mark_page().await;
        self.click("form[action^='/console/login'] button[type=submit]").await;
        self.wait_for_new_page().await;
        let landing = self.path().await;
        assert!(
            landing == "/console" || landing == "/console/queue",
            "{email} is logged in and sees the overview, or the queue for a reviewer: {landing}"
        );
    }

    /// Saves the whole page (not only the window) as `<step>.png`, numbered in order.
    pub async fn screenshot(&self, step: &str) {
        // The window's height is the page's plus what the browser itself takes (outer - inner).
        let height = self
            .script(
                "return Math.ceil(document.documentElement.scrollHeight + window.outerHeight - window.innerHeight);",
                vec![],
            )
            .await
            .as_u64()
            .map_or(WINDOW_HEIGHT, |height| height.clamp(u64::from(WINDOW_HEIGHT), 8000) as u32);
        self.client.set_window_size(WINDOW_WIDTH, height).await.expect("resize for a full-page screenshot");
        let png = self.client.screenshot().await.expect("screenshot");
        self.client.set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT).await.expect("resize back");
        let path = self.screenshots.path(step);
        std::fs::write(&path, png).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
}

impl Browser {
    /// This session's CSRF token, from the page header's logout form.
    pub async fn csrf(&self) -> String {
        self.attr("form[action^='/console/logout'] input[name=csrf]", "value").await.expect("a CSRF token in the page")
    }

    /// Posts a form built in the current page, as a crafted or outdated page would, and waits for
    /// the answer.
    pub async fn post_form(&self, action: &str, fields: &[(&str, &str)]) {
        let fields: Vec<Value> = fields.iter().map(|(name, value)| json!([name, value])).collect();
        self.mark_page().await;
        self.script(
            "const form = document.createElement('form');
             form.method = 'post';
             form.action = arguments[0];
             for (const [name, value] of arguments[1]) {
               const input = document.createElement('input');
               input.type = 'hidden'; input.name = name; input.value = value;
               form.appendChild(input);
             }
             document.body.appendChild(form);
             form.submit();",
            vec![json!(action), Value::Array(fields)],
        )
        .await;
        self.wait_for_new_page().await;
    }
}
