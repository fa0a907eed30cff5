//! Hash banks in the console: listing, creating, settings, signals, imports, and who may do what.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use vigie_domain::bank::Bank;

use crate::console::{Browser, csrf_of, user_with_password};
use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, Reply, TestApp, backend_test};

/// A PDQ hash (the API documentation's example).
const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const PASSWORD: &str = "a long enough password";

async fn bank_named(app: &TestApp, name: &str) -> Bank {
    app.store.find_bank_by_name(name).await.unwrap().expect("the bank exists")
}

/// Sends the import form as a browser would: `multipart/form-data` with the session cookie.
async fn import_file(app: &TestApp, browser: &Browser<'_>, bank: &Bank, csrf: &str, file: &str) -> Reply {
    import_form(app, browser, bank, &[("csrf", csrf), ("format", "auto"), ("file", file)]).await
}

/// Sends the import form's fields as given, `file` ones as files.
async fn import_form(app: &TestApp, browser: &Browser<'_>, bank: &Bank, fields: &[(&str, &str)]) -> Reply {
    let boundary = "vigieTestBoundary";
    let mut body = String::new();
    for (name, value) in fields {
        let file = if *name == "file" { "; filename=\"signals.txt\"\r\nContent-Type: text/plain" } else { "" };
        body += &format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n");
    }
    body += &format!("--{boundary}--\r\n");
    let cookies: Vec<String> = browser.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/console/banks/{}/import", bank.id))
        .header(header::COOKIE, cookies.join("; "))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

/// The bank settings form as sent, with `threshold`.
fn settings<'a>(csrf: &'a str, threshold: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("csrf", csrf),
        ("match_threshold", threshold),
        ("min_quality", "50"),
        ("visibility", "private"),
        ("description", "Images our reviewers confirmed"),
    ]
}

backend_test!(banks_are_listed_created_changed_and_filled_from_a_file, |app| async move {
    let mut browser = Browser::new(&app);
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let overview = browser.get("/console").await;
    assert!(overview.text.contains("href=\"/console/banks\""), "a link in the menu");
    let page = browser.get("/console/banks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("New bank"), "{}", page.text);
    let csrf = csrf_of(&page.text);

    // Invalid input shows the form again, the field named and what was typed kept.
    let refused = browser
        .post(
            "/console/banks",
            &[("csrf", &csrf), ("name", "known images"), ("signal_type", "pdq"), ("visibility", "private")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text.contains("name: may hold only letters"), "{}", refused.text);
    assert!(refused.text.contains("value=\"known images\""));

    let created = browser
        .post(
            "/console/banks",
            &[
                ("csrf", &csrf),
                ("name", "known-images"),
                ("signal_type", "pdq"),
                ("match_threshold", ""),
                ("visibility", "private"),
                ("description", "Images our reviewers confirmed"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let bank = bank_named(&app, "known-images").await;
    assert_eq!(bank.match_threshold, 31, "the type's default");
    assert_eq!(created.headers["location"], format!("/console/banks/{}", bank.id));
    let listed = browser.get("/console/banks").await;
    assert!(listed.text.contains(&format!("href=\"/console/banks/{}\">known-images</a>", bank.id)), "{}", listed.text);
    assert!(listed.text.contains("PDQ (images)") && listed.text.contains("Private (your organisation only)"));

    // The threshold: refused out of range, changed within it, audited.
    let location = format!("/console/banks/{}", bank.id);
    let refused = browser.post(&location, &settings(&csrf, "200")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text.contains("match_threshold: must be at most 128"), "{}", refused.text);
    assert_eq!(bank_named(&app, "known-images").await.match_threshold, 31);
    let audit_before = app.audit_length().await;
    assert_eq!(browser.post(&location, &settings(&csrf, "20")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(bank_named(&app, "known-images").await.match_threshold, 20);
    assert_eq!(app.audit_length().await, audit_before + 1);
    // Without the session's CSRF token: refused, unchanged.
    let zeros = "0".repeat(64);
    assert_eq!(browser.post(&location, &settings(&zeros, "5")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bank_named(&app, "known-images").await.match_threshold, 20);

    // A file of signals: one good line and one bad refuses the whole file...
    let refused = import_file(&app, &browser, &bank, &csrf, &format!("{PDQ}\nnot-a-hash\n")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.text.contains("Nothing was added") && refused.text.contains("line 2: "), "{}", refused.text);
    assert_eq!(bank_named(&app, "known-images").await.signal_count, 0);
    // ...a good file is added, and its signals are listed with their counts.
    let imported = import_file(&app, &browser, &bank, &csrf, &format!("{PDQ}\n")).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert!(imported.text.contains("1 signals added"), "{}", imported.text);
    assert!(imported.text.contains(PDQ), "{}", imported.text);
    assert!(imported.text.contains("False positives"));
    let forged = import_file(&app, &browser, &bank, &zeros, &format!("{PDQ}\n")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Two files (the page sends one): which one was meant cannot be told, so neither is added.
    let other = format!("0{}", &PDQ[1..]);
    let two = import_form(&app, &browser, &bank, &[("csrf", &csrf), ("file", &other), ("file", &other)]).await;
    assert_eq!(two.status, StatusCode::BAD_REQUEST, "{}", two.text);
    assert!(two.text.contains("file: send one `file` field"), "{}", two.text);
    assert_eq!(bank_named(&app, "known-images").await.signal_count, 1);

    // Disabling a signal asks first.
    let signal = app.store.list_signals(bank.id, 0, 10).await.unwrap().remove(0);
    let disable_href = format!("/console/signals/{}/disable", signal.id);
    let page = browser.get(&location).await;
    assert!(page.text.contains(&format!("href=\"{disable_href}\"")), "{}", page.text);
    let confirm = browser.get(&disable_href).await;
    assert!(
        confirm.text.contains("Disable this signal?") && confirm.text.contains(&format!("action=\"{disable_href}\""))
    );
    assert!(app.store.get_signal(signal.id).await.unwrap().enabled, "asking changes nothing");
    assert_eq!(browser.post(&disable_href, &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert!(!app.store.get_signal(signal.id).await.unwrap().enabled);
    let enable_href = format!("/console/signals/{}/enable", signal.id);
    assert_eq!(browser.post(&enable_href, &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert!(app.store.get_signal(signal.id).await.unwrap().enabled);

    // And so does disabling the bank; in French too.
    let confirm = browser.get(&format!("{location}/disable?lang=fr")).await;
    assert!(confirm.text.contains("Désactiver cette base"), "{}", confirm.text);
    assert_eq!(browser.post(&format!("{location}/disable"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert!(!bank_named(&app, "known-images").await.enabled);
    assert_eq!(browser.post(&format!("{location}/enable"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    assert!(bank_named(&app, "known-images").await.enabled);
});

backend_test!(another_organisation_sees_neither_a_private_bank_nor_its_signals, |app| async move {
    let mut admin = Browser::new(&app);
    admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let csrf = csrf_of(&admin.get("/console/banks").await.text);
    for (name, visibility) in [("operator-private", "private"), ("operator-match", "match")] {
        let created = admin
            .post(
                "/console/banks",
                &[("csrf", &csrf), ("name", name), ("signal_type", "md5"), ("visibility", visibility)],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    }
    let private = bank_named(&app, "operator-private").await;
    let open = bank_named(&app, "operator-match").await;

    let platform = app.organisation("Videoshare", "platform").await;
    user_with_password(&app, platform.id, "viewer@videoshare.example", "Vic Viewer", &["viewer"], PASSWORD).await;
    let mut viewer = Browser::new(&app);
    viewer.log_in("viewer@videoshare.example", PASSWORD).await;
    let list = viewer.get("/console/banks").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("operator-match"), "{}", list.text);
    assert!(!list.text.contains("operator-private"));
    assert!(!list.text.contains("New bank"), "a viewer creates nothing");
    // The private bank answers as if it did not exist, whatever is asked of it.
    let viewer_csrf = csrf_of(&list.text);
    let hidden = format!("/console/banks/{}", private.id);
    assert_eq!(viewer.get(&hidden).await.status, StatusCode::NOT_FOUND);
    assert_eq!(viewer.get(&format!("{hidden}/disable")).await.status, StatusCode::NOT_FOUND);
    let change = viewer
        .post(
            &hidden,
            &[("csrf", &viewer_csrf), ("match_threshold", "0"), ("min_quality", "50"), ("visibility", "shared")],
        )
        .await;
    assert_eq!(change.status, StatusCode::NOT_FOUND);
    assert_eq!(bank_named(&app, "operator-private").await.visibility, private.visibility);
    // The bank opened to matching shows its settings, not its signals, and no way to change it.
    let shown = viewer.get(&format!("/console/banks/{}", open.id)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("lets you match against it, not read its signals"), "{}", shown.text);
    assert!(!shown.text.contains("Change the settings"));
});

backend_test!(a_reviewer_cannot_create_or_change_banks, |app| async move {
    user_with_password(&app, app.operator.id, "reviewer@operator.example", "Rita Reviewer", &["reviewer"], PASSWORD)
        .await;
    let mut admin = Browser::new(&app);
    admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let csrf = csrf_of(&admin.get("/console/banks").await.text);
    let created = admin
        .post("/console/banks", &[("csrf", &csrf), ("name", "urls"), ("signal_type", "url"), ("visibility", "private")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let bank = bank_named(&app, "urls").await;

    let mut reviewer = Browser::new(&app);
    reviewer.log_in("reviewer@operator.example", PASSWORD).await;
    let list = reviewer.get("/console/banks").await;
    assert!(list.text.contains("urls") && !list.text.contains("New bank"), "{}", list.text);
    let reviewer_csrf = csrf_of(&list.text);
    let refused = reviewer
        .post(
            "/console/banks",
            &[("csrf", &reviewer_csrf), ("name", "mine"), ("signal_type", "url"), ("visibility", "private")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.store.find_bank_by_name("mine").await.unwrap().is_none());
    // Their own organisation's bank: its signals are readable, its settings not changeable.
    let page = reviewer.get(&format!("/console/banks/{}", bank.id)).await;
    assert!(page.text.contains("holds no signal yet") && !page.text.contains("Change the settings"), "{}", page.text);
    let disable = reviewer.post(&format!("/console/banks/{}/disable", bank.id), &[("csrf", &reviewer_csrf)]).await;
    assert_eq!(disable.status, StatusCode::FORBIDDEN);
    assert!(bank_named(&app, "urls").await.enabled);
});
