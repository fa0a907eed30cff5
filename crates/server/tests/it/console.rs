//! The console as a browser uses it: login with CSRF, pages, forms, logout, rate limit.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use vigie_domain::access::Role;
use vigie_server::ServerSettings;

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestApp, backend_test};

/// A browser: a cookie jar (name → value) over the test router.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookies: std::collections::BTreeMap<String, String>,
    /// The client address the server sees, when set.
    address: Option<std::net::SocketAddr>,
}

pub(crate) fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: Default::default(), address: None }
    }

    fn from_address(app: &'a TestApp, address: &str) -> Self {
        Self { app, cookies: Default::default(), address: Some(address.parse().unwrap()) }
    }

    pub(crate) async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Reply {
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

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.request(Method::POST, path, Some(body)).await
    }

    pub(crate) async fn log_in(&mut self, email: &str, password: &str) -> Reply {
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

/// A user of `organisation` with `roles` and a known password.
pub(crate) async fn user_with_password(
    app: &TestApp,
    organisation: vigie_domain::ids::OrganisationId,
    email: &str,
    display_name: &str,
    roles: &[&str],
    password: &str,
) -> vigie_domain::user::User {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    let draft = vigie_domain::user::UserDraft { organisation_id: organisation, email, display_name, roles: &roles };
    let user = draft.validate().unwrap();
    let password = vigie_server::app::InitialPassword::Given(password.to_owned());
    vigie_server::app::create_user(&app.store, vigie_domain::access::Actor::System, &user, password).await.unwrap().user
}

backend_test!(add_a_user_keeps_what_was_typed_and_names_roles_in_words, |app| async move {
    let mut browser = Browser::new(&app);
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let location = format!("/console/organisations/{}", app.operator.id);
    let page = browser.get(&location).await;
    let csrf = csrf_of(&page.text);
    assert!(page.text.contains("Senior reviewer"), "roles in words");
    assert!(!page.text.contains("> senior_reviewer<"));

    // The email is taken: the form opens again with what was typed, roles still ticked.
    let refused = browser
        .post(
            &format!("{location}/users"),
            &[("csrf", &csrf), ("email", ADMIN_EMAIL), ("display_name", "Second Admin"), ("roles", "auditor")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.text.contains(&format!("value=\"{ADMIN_EMAIL}\"")), "{}", refused.text);
    assert!(refused.text.contains("value=\"Second Admin\""));
    assert!(refused.text.contains("value=\"auditor\" checked"));
    assert!(!refused.text.contains("value=\"viewer\" checked"));
    assert!(refused.text.contains("<details open>"));
    // The token form too.
    let refused = browser
        .post(
            &format!("{location}/tokens"),
            &[("csrf", &csrf), ("name", "nightly sync"), ("roles", "viewer"), ("expires_in_days", "99999")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text.contains("value=\"nightly sync\""));
    assert!(refused.text.contains("value=\"99999\""));
    assert!(refused.text.contains("value=\"viewer\" checked"));

    // The token page shows the header as code, not between backticks.
    let created =
        browser.post(&format!("{location}/tokens"), &[("csrf", &csrf), ("name", "ok"), ("roles", "viewer")]).await;
    assert!(
        created.text.contains("<code>Authorization: Bearer &#60;token&#62;</code>")
            || created.text.contains("<code>Authorization: Bearer &lt;token&gt;</code>"),
        "{}",
        created.text
    );
    assert!(!created.text.contains('`'));
});

backend_test!(unknown_console_addresses_get_a_page_in_the_readers_language, |app| async move {
    let mut browser = Browser::new(&app);
    let page = browser.get("/console/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text.contains("Page not found"));
    assert!(page.text.contains("href=\"/console\""));
    assert!(page.text.contains("/console/static/vigie.css"));
    let french = browser.get("/console/nulle-part?lang=fr").await;
    assert_eq!(french.status, StatusCode::NOT_FOUND);
    assert!(french.text.contains("Page introuvable"));
    assert!(french.text.contains("<html lang=\"fr\">"));
    // Under /report, the way back is the form.
    let report = browser.get("/report/elsewhere").await;
    assert!(report.text.contains("href=\"/report\""));
    // The API keeps its problem format.
    let api = app.call(Method::GET, "/v1/no-such-resource", None, None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.headers["content-type"], "application/problem+json");
    assert_eq!(api.json()["status"], 404);
});

backend_test!(disabling_a_user_and_revoking_a_token_ask_first, |app| async move {
    let someone = user_with_password(
        &app,
        app.operator.id,
        "someone@operator.example",
        "Someone",
        &["viewer"],
        "a long enough password",
    )
    .await;
    let token = app.token(app.operator.id, &[Role::Viewer]).await;
    let mut browser = Browser::new(&app);
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser.get(&format!("/console/organisations/{}", app.operator.id)).await;
    let csrf = csrf_of(&page.text);
    // The table offers a link to a confirmation page, not a one-click primary button.
    let disable_href = format!("/console/users/{}/disable", someone.id);
    assert!(
        page.text.contains(&format!("class=\"button small danger-outline\" href=\"{disable_href}\"")),
        "{}",
        page.text
    );
    let confirm = browser.get(&disable_href).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("Disable this user?"));
    assert!(confirm.text.contains("someone@operator.example"));
    assert!(confirm.text.contains(&format!("action=\"{disable_href}\"")));
    assert!(app.store.get_user(someone.id).await.unwrap().disabled_at.is_none(), "asking changes nothing");
    let done = browser.post(&disable_href, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(app.store.get_user(someone.id).await.unwrap().disabled_at.is_some());

    let token_row = app.store.list_tokens(Some(app.operator.id)).await.unwrap().into_iter().next().unwrap();
    let revoke_href = format!("/console/tokens/{}/revoke", token_row.id);
    let confirm = browser.get(&format!("{revoke_href}?lang=fr")).await;
    assert!(confirm.text.contains("Révoquer ce jeton"), "{}", confirm.text);
    assert_eq!(app.call(Method::GET, "/v1/me", Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(browser.post(&revoke_href, &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.call(Method::GET, "/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
});

backend_test!(users_change_their_own_password, |app| async move {
    let old = "the first password";
    let user = user_with_password(&app, app.operator.id, "me@operator.example", "Me", &["viewer"], old).await;
    let mut other_device = Browser::new(&app);
    assert_eq!(other_device.log_in("me@operator.example", old).await.status, StatusCode::SEE_OTHER);
    let mut browser = Browser::new(&app);
    browser.log_in("me@operator.example", old).await;
    let page = browser.get("/console/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Change my password"));
    let csrf = csrf_of(&page.text);
    let audit_before = app.audit_length().await;

    let change = |current: &'static str, new: &'static str, again: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("current_password", current.into()),
            ("new_password", new.into()),
            ("new_password_again", again.into()),
        ]
    };
    let forms = [
        (change("not my password", "a brand new password", "a brand new password"), "current password is wrong"),
        (change(old, "a brand new password", "a brand new passw0rd"), "two new passwords differ"),
        (change(old, "short", "short"), "at least 12 characters"),
        (change(old, old, old), "same as the current one"),
    ];
    for (form, message) in &forms {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.as_str())).collect();
        let refused = browser.post("/console/password", &pairs).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{message}");
        assert!(refused.text.contains(message), "{message}: {}", refused.text);
    }
    assert_eq!(app.audit_length().await, audit_before, "refusals change nothing");
    // Without the session's CSRF token: refused.
    let forged = browser
        .post(
            "/console/password",
            &[
                ("csrf", &"0".repeat(64)),
                ("current_password", old),
                ("new_password", "a brand new password"),
                ("new_password_again", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let form = change(old, "a brand new password", "a brand new password");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let changed = browser.post("/console/password", &pairs).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert!(changed.text.contains("Your password has been changed"));
    // This session goes on; the other device's ended.
    assert_eq!(browser.get("/console").await.status, StatusCode::OK);
    assert_eq!(other_device.get("/console").await.status, StatusCode::SEE_OTHER);
    // One audit event, by the user, about the user.
    let page = app.store.list_audit_events(None, None, 1).await.unwrap();
    let event = &page.events[0].record;
    assert_eq!(event.action, "user.change_password");
    assert_eq!(event.subject_id, user.id.to_string());
    assert_eq!(event.actor, vigie_domain::access::Actor::User(user.id));
    assert_eq!(app.audit_length().await, audit_before + 1);
    // The new password logs in, the old one no longer.
    let mut fresh = Browser::new(&app);
    assert_eq!(fresh.log_in("me@operator.example", old).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fresh.log_in("me@operator.example", "a brand new password").await.status, StatusCode::SEE_OTHER);
});

#[tokio::test]
async fn the_current_password_check_is_rate_limited() {
    let settings = ServerSettings { login_attempts_per_minute: 3, ..ServerSettings::default() };
    let app = TestApp::spawn_with(vigie_store::Backend::Sqlite, settings).await;
    let password = "the first password";
    user_with_password(&app, app.operator.id, "me@operator.example", "Me", &["viewer"], password).await;
    let mut browser = Browser::new(&app);
    browser.log_in("me@operator.example", password).await;
    let csrf = csrf_of(&browser.get("/console/password").await.text);
    let attempt = |current: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("current_password", current.to_owned()),
            ("new_password", "a brand new password".to_owned()),
            ("new_password_again", "a brand new password".to_owned()),
        ]
    };
    let mut statuses = Vec::new();
    for current in ["guess one", "guess two", password] {
        let form = attempt(current);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.as_str())).collect();
        statuses.push(browser.post("/console/password", &pairs).await.status);
    }
    // The login counted once; two guesses; then the right password is refused too.
    assert_eq!(statuses, [StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST, StatusCode::TOO_MANY_REQUESTS]);
}

backend_test!(platforms_read_the_trail_of_orders_addressed_to_them_by_name, |app| async move {
    let platform = app.organisation("Videoshare", "platform").await;
    let unit = app.organisation("Referral Unit", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let referral = serde_json::json!({"kind": "referral", "platform": platform.id.to_string(), "urls": ["https://video.example.net/watch?v=1"],
        "explanation": "Recruitment post.", "deconfliction": "cleared"});
    let sent = app.call(Method::POST, "/v1/submissions", Some(&sender), Some(referral)).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text);
    let submission_id = sent.json()["id"].as_str().unwrap().to_owned();
    let password = "a platform password";
    user_with_password(&app, platform.id, "auditor@videoshare.example", "Vera Auditor", &["auditor"], password).await;
    user_with_password(&app, platform.id, "admin@videoshare.example", "Adam Admin", &["admin"], password).await;

    for email in ["auditor@videoshare.example", "admin@videoshare.example"] {
        let mut browser = Browser::new(&app);
        browser.log_in(email, password).await;
        let page = browser.get("/console/audit").await;
        assert_eq!(page.status, StatusCode::OK, "{email}");
        // The receipt is recorded for the sender, and about a submission addressed to the platform.
        assert!(page.text.contains("Submission received"), "{email}: {}", page.text);
        assert!(page.text.contains("submission.receive"));
        assert!(page.text.contains(&format!("…{}", &submission_id[submission_id.len() - 8..])));
        // Names, not ids: the platform by name in the details; the sender's token by its
        // organisation only (its members are not the platform's to read).
        assert!(page.text.contains("<dt>Platform</dt><dd>Videoshare</dd>"), "{}", page.text);
        assert!(page.text.contains("an API token (Referral Unit)"), "{}", page.text);
        assert!(!page.text.contains("{&#34;kind&#34;") && !page.text.contains("{\"kind\""), "details are not raw JSON");
        // Their own organisation's users by name.
        assert!(
            page.text.contains("Vera Auditor &#60;auditor@videoshare.example&#62;")
                || page.text.contains("Vera Auditor &lt;auditor@videoshare.example&gt;")
        );
        // The operator's own events stay out of view.
        assert!(!page.text.contains(ADMIN_EMAIL));

        // They may verify: the result and counts, nothing about others' events.
        let verified = browser.get("/console/audit?verify=1").await;
        assert!(verified.text.contains("Chain intact"), "{email}: {}", verified.text);
        assert!(!verified.text.contains("Sign a checkpoint now"));
    }
    // The API's list follows the same rule.
    let auditor_token = app.token(platform.id, &[Role::Auditor]).await;
    let listed = app.call(Method::GET, "/v1/audit", Some(&auditor_token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(listed.text.contains("submission.receive"), "{}", listed.text);
    // Another platform sees none of it.
    let other = app.organisation("Elsewhere", "platform").await;
    let other_token = app.token(other.id, &[Role::Auditor]).await;
    let listed = app.call(Method::GET, "/v1/audit", Some(&other_token), None).await;
    assert!(!listed.text.contains(&submission_id));
});

backend_test!(audit_details_are_labelled_and_the_public_form_limit_is_in_binary_units, |app| async move {
    let mut browser = Browser::new(&app);
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // The operator's creation: `{"kind":"platform","country":"FR","is_operator":true}`.
    let page = browser.get("/console/audit").await;
    assert!(page.text.contains("Organisation created"), "{}", page.text);
    assert!(page.text.contains("<dt>Country</dt><dd>FR</dd>"), "{}", page.text);
    assert!(page.text.contains("<dt>Operator</dt><dd>yes</dd>"), "{}", page.text);
    assert!(page.text.contains("Logged in"));
    let french = browser.get("/console/audit?lang=fr").await;
    assert!(french.text.contains("<dt>Pays</dt><dd>FR</dd>"));
    assert!(french.text.contains("<dt>Opérateur</dt><dd>oui</dd>"));

    let form = browser.get("/report?lang=en").await;
    assert!(form.text.contains("at most 512 MiB"), "{}", form.text);
    let form = browser.get("/report?lang=fr").await;
    assert!(form.text.contains("512 Mio au maximum"));
    assert!(!form.text.contains("(UTC)"), "the time is asked in local time");
    assert!(form.text.contains("<option value=\"paris\" selected>"));
});

backend_test!(every_console_page_speaks_french, |app| async move {
    let mut browser = Browser::new(&app);
    let login = browser.get("/console/login?lang=fr").await;
    assert!(login.text.contains("<html lang=\"fr\">"), "{}", login.text);
    assert!(login.text.contains("Mot de passe"));
    let page = browser.get("/console/login?lang=fr").await;
    let csrf = csrf_of(&page.text);
    let wrong = browser
        .post("/console/login?lang=fr", &[("csrf", &csrf), ("email", ADMIN_EMAIL), ("password", "not the password")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("E-mail ou mot de passe incorrect"), "{}", wrong.text);
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let overview = browser.get("/console?lang=fr").await;
    assert!(overview.text.contains("Connecté en tant que"), "{}", overview.text);
    assert!(overview.text.contains("Plateforme (service d’hébergement)"), "kinds in words: {}", overview.text);
    assert!(overview.text.contains("Administrateur"), "roles in words");
    let organisations = browser.get("/console/organisations?lang=fr").await;
    assert!(organisations.text.contains("Nouvelle organisation"), "{}", organisations.text);
    assert!(organisations.text.contains("<span class=\"tag\">opérateur</span>"));
    let operator = browser.get(&format!("/console/organisations/{}?lang=fr", app.operator.id)).await;
    assert!(operator.text.contains("Ajouter un utilisateur") && operator.text.contains("Jetons d’API"));
    let audit = browser.get("/console/audit?lang=fr").await;
    assert!(audit.text.contains("Journal d’audit") && audit.text.contains("Connexion"), "{}", audit.text);

    // Error pages too: a form from another session, a record one may not see.
    let forged = browser.post("/console/organisations?lang=fr", &[("csrf", &"0".repeat(64)), ("name", "Forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text.contains("Formulaire expiré") && forged.text.contains("<html lang=\"fr\">"), "{}", forged.text);
    let missing = browser.get(&format!("/console/organisations/{}?lang=fr", uuid::Uuid::nil())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Introuvable"), "{}", missing.text);
    // The language chosen with ?lang= is kept for the pages after it, until another is chosen.
    let kept = browser.get(&format!("/console/organisations/{}", uuid::Uuid::nil())).await;
    assert!(kept.text.contains("Introuvable") && kept.text.contains("<html lang=\"fr\">"), "{}", kept.text);
    assert!(kept.text.contains("href=\"?lang=en\""), "the header offers English: {}", kept.text);
    browser.get("/console?lang=en").await;
    let english = browser.get(&format!("/console/organisations/{}", uuid::Uuid::nil())).await;
    assert!(english.text.contains("Not found") && english.text.contains("<html lang=\"en\">"));
    assert!(english.text.contains("<nav>"), "a not-found page keeps the navigation: {}", english.text);
    let malformed = browser.get("/console/cases/not-a-case").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{}", malformed.text);
    assert!(malformed.text.contains("Not found") && malformed.text.contains("<nav>"), "{}", malformed.text);
    let unknown = browser.get("/console/no-such-page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text.contains("<nav>"), "{}", unknown.text);
});
