//! The console as a browser uses it: login with CSRF, pages, forms, logout, rate limit.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use vigie_server::ServerSettings;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestApp, backend_test};

/// A browser: a cookie jar (name → value) over the test router.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
    /// The client address the server sees, when set.
    address: Option<std::net::SocketAddr>,
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: Default::default(), address: None }
    }

    fn from_address(app: &'a TestApp, address: &str) -> Self {
        Self { app, cookies: Default::default(), address: Some(address.parse().unwrap()) }
    }

    async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Reply {
        let cookie_header: Vec<String> = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
        let mut request = Request::builder().method(method).uri(path).header(header::COOKIE, cookie_header.join("; "));
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(address) = self.address {
            request = request.extension(axum::extract::ConnectInfo(address));
        }
        let reply = self.app.send(request.body(form.map(Body::from).unwrap_or_default()).unwrap()).await;
        for set_cookie in reply.headers.get_all(header::SET_COOKIE) {
            let text = set_cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"), "{text}");
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.request(Method::POST, path, Some(body)).await
    }

    async fn log_in(&mut self, email: &str, password: &str) -> Reply {
        let page = self.get("/console/login").await;
        let csrf = csrf_of(&page.text);
        self.post("/console/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }
}

backend_test!(log_in_create_organisation_user_and_token, |app| async move {
    let mut browser = Browser::new(&app);
    // Not logged in: pages redirect to the login form.
    let redirected = browser.get("/console").await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER);
    assert_eq!(redirected.headers["location"], "/console/login");

    let wrong = browser.log_in(ADMIN_EMAIL, "wrong password!!").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("Wrong email or password"));
    assert!(!browser.cookies.contains_key("vigie_session"));

    let logged_in = browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(logged_in.status, StatusCode::SEE_OTHER, "{}", logged_in.text);
    assert!(browser.cookies.contains_key("vigie_session"));
    let overview = browser.get("/console").await;
    assert_eq!(overview.status, 200);
    assert!(overview.text.contains(ADMIN_EMAIL));
    assert!(overview.headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(overview.headers["cache-control"], "no-store");
    let csrf = csrf_of(&overview.text);

    // A form without the session's CSRF token is refused and changes nothing.
    let organisations_before = app.store.list_organisations().await.unwrap().len();
    let forged = browser
        .post(
            "/console/organisations",
            &[("csrf", &"0".repeat(64)), ("name", "Forged"), ("kind", "ngo"), ("country", "FR")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.list_organisations().await.unwrap().len(), organisations_before);

    // Invalid input re-renders the form with the field named.
    let invalid = browser
        .post("/console/organisations", &[("csrf", &csrf), ("name", "Flaggers"), ("kind", "ngo"), ("country", "XX")])
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(invalid.text.contains("country: must be an ISO 3166-1"), "{}", invalid.text);

    let created = browser
        .post(
            "/console/organisations",
            &[
                ("csrf", &csrf),
                ("name", "Flaggers <b>"),
                ("kind", "trusted_flagger"),
                ("country", "DE"),
                ("contact_email", "desk@flaggers.example"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let page = browser.get(&location).await;
    assert!(
        page.text.contains("Flaggers &#60;b&#62;") || page.text.contains("Flaggers &lt;b&gt;"),
        "names are escaped"
    );

    let user_page = browser
        .post(
            &format!("{location}/users"),
            &[("csrf", &csrf), ("email", "analyst@flaggers.example"), ("roles", "referrer"), ("roles", "viewer")],
        )
        .await;
    assert_eq!(user_page.status, 200, "{}", user_page.text);
    assert!(user_page.text.contains("User created"));
    let password = user_page.text.split("<code id=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(password.len(), 20);

    let token_page = browser
        .post(
            &format!("{location}/tokens"),
            &[("csrf", &csrf), ("name", "intake"), ("roles", "referrer"), ("expires_in_days", "30")],
        )
        .await;
    assert!(token_page.text.contains("API token created"), "{}", token_page.text);
    let token = token_page.text.split("<code id=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let me = app.call(Method::GET, "/v1/me", Some(&token), None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["roles"], serde_json::json!(["referrer"]));

    // The new user can log in in another browser.
    let mut second = Browser::new(&app);
    assert_eq!(second.log_in("analyst@flaggers.example", &password).await.status, StatusCode::SEE_OTHER);
    let their_overview = second.get("/console").await;
    assert!(their_overview.text.contains("analyst@flaggers.example"));
    // ...but, as a referrer, not create organisations.
    let their_csrf = csrf_of(&their_overview.text);
    let refused = second
        .post("/console/organisations", &[("csrf", &their_csrf), ("name", "Nope"), ("kind", "ngo"), ("country", "FR")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The audit page shows the trail and verifies it.
    let audit = browser.get("/console/audit?verify=1").await;
    assert!(audit.text.contains("Chain intact"), "{}", audit.text);
    assert!(audit.text.contains("token.create"));

    // Logging out ends the session for good.
    let session_cookie = browser.cookies["vigie_session"].clone();
    let logout = browser.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    let mut replay = Browser::new(&app);
    replay.cookies.insert("vigie_session".into(), session_cookie);
    assert_eq!(replay.get("/console").await.status, StatusCode::SEE_OTHER);
});

backend_test!(login_without_its_csrf_cookie_is_refused, |app| async move {
    let mut browser = Browser::new(&app);
    let page = browser.get("/console/login").await;
    let csrf = csrf_of(&page.text);
    browser.cookies.clear();
    let reply =
        browser.post("/console/login", &[("csrf", &csrf), ("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("vigie_session"));
});

#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let settings = ServerSettings { login_attempts_per_minute: 3, ..ServerSettings::default() };
    let app = TestApp::spawn_with(vigie_store::Backend::Sqlite, settings).await;
    let mut browser = Browser::new(&app);
    for _ in 0..3 {
        assert_eq!(browser.log_in(ADMIN_EMAIL, "not the password").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !browser.cookies.contains_key("vigie_session"),
        "no session while rate-limited, even with the right password"
    );
}

/// Defect: the per-account limit keyed on the raw text while the lookup trims it, so padded
/// spellings of one email from many addresses were never limited.
#[tokio::test]
async fn spellings_of_one_account_share_its_login_limit() {
    let settings = ServerSettings { login_attempts_per_minute: 3, ..ServerSettings::default() };
    let app = TestApp::spawn_with(vigie_store::Backend::Sqlite, settings).await;
    let upper = ADMIN_EMAIL.to_uppercase();
    let spellings = [
        format!(" {ADMIN_EMAIL}"),
        format!("{ADMIN_EMAIL}  "),
        format!("\t{upper}"),
        format!("\u{a0}{ADMIN_EMAIL}\u{a0}"),
    ];
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        // A new address each time: only the account's count can stop these.
        let mut browser = Browser::from_address(&app, &format!("198.51.100.{}:4000", attempt + 1));
        let spelling = &spellings[attempt % spellings.len()];
        statuses.push(browser.log_in(spelling, "not the password").await.status);
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3], "{statuses:?}");
    assert_eq!(statuses[3..], [StatusCode::TOO_MANY_REQUESTS; 9], "{statuses:?}");
    let mut fresh = Browser::from_address(&app, "203.0.113.9:4000");
    let right = fresh.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "the account's limit holds whatever the spelling");
    assert!(!fresh.cookies.contains_key("vigie_session"));
}
