//! The public report form at `/report` as a browser uses it: languages, CSRF, validation that
//! keeps what was typed without echoing it in messages, the rate limit, and an attached file.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use uuid::Uuid;
use vigie_domain::access::Role;
use vigie_domain::ids::SubmissionId;
use vigie_server::ServerSettings;
use vigie_server::workers::media::{Outcome, run_once};

use crate::intake::picture;
use crate::support::{Reply, TestApp, backend_test};

const BOUNDARY: &str = "report-form-boundary";

/// A browser without an account: a cookie jar over the test router.
struct Visitor<'a> {
    app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
    accept_language: Option<&'static str>,
}

/// A form part: a text field, or a file (`filename`, bytes).
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Text(name, value) => {
                body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").bytes());
                body.extend(value.as_bytes());
            }
            Part::File(filename, bytes) => {
                body.extend(
                    format!(
                        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{filename}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .bytes(),
                );
                body.extend(*bytes);
            }
        }
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

/// The error summary of a re-rendered form.
fn error_summary(html: &str) -> &str {
    let start = html.find("id=\"errors\"").expect("page has an error summary");
    let end = html[start..].find("</div>").expect("summary ends") + start;
    &html[start..end]
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: Default::default(), accept_language: None }
    }

    fn french(app: &'a TestApp) -> Self {
        Self { accept_language: Some("fr-FR,fr;q=0.9,en;q=0.5"), ..Self::new(app) }
    }

    async fn request(&mut self, method: Method, path: &str, content_type: Option<String>, body: Vec<u8>) -> Reply {
        let cookie_header: Vec<String> = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
        let mut request = Request::builder().method(method).uri(path).header(header::COOKIE, cookie_header.join("; "));
        if let Some(language) = self.accept_language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let reply = self.app.send(request.body(Body::from(body)).unwrap()).await;
        for set_cookie in reply.headers.get_all(header::SET_COOKIE) {
            let text = set_cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(
                attributes.contains("HttpOnly")
                    && attributes.contains("SameSite=Strict")
                    && attributes.contains("Path=/report"),
                "{text}"
            );
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        reply
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, None, Vec::new()).await
    }

    /// Opens the form and returns its CSRF token.
    async fn open(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        csrf_of(&page.text)
    }

    async fn post(&mut self, path: &str, parts: &[Part<'_>]) -> Reply {
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.request(Method::POST, path, Some(content_type), multipart(parts)).await
    }

    async fn post_urlencoded(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.request(Method::POST, path, Some("application/x-www-form-urlencoded".into()), body.into_bytes()).await
    }
}

/// The receipt id shown on the receipt page.
/// The report number the receipt page shows (`7K2QF-9XMAB`).
fn receipt_number(html: &str) -> String {
    let marker = "class=\"receipt-id\">";
    let start = html.find(marker).expect("receipt page shows the report number") + marker.len();
    let end = start + html[start..].find('<').expect("end of the number");
    html[start..end].to_owned()
}

/// The id of the submission whose number the receipt page shows.
async fn receipt_id(app: &TestApp, html: &str) -> Uuid {
    let number = receipt_number(html);
    let number = vigie_domain::intake::SubmissionNumber::parse(&number).expect("a report number");
    app.store.get_submission_by_number(&number).await.expect("the number finds the submission").receipt.id.0
}

/// The review queue, as an operator reviewer (`reviewer`: their token) sees it through the API.
async fn cases(app: &TestApp, reviewer: &str) -> Vec<Value> {
    let reply = app.call(Method::GET, "/v1/cases", Some(reviewer), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json().as_array().unwrap().clone()
}

/// Files under the media directory (stored or half-received), wherever they are.
fn media_files(app: &TestApp) -> usize {
    fn walk(path: &std::path::Path) -> usize {
        std::fs::read_dir(path).map_or(0, |entries| {
            entries.flatten().map(|entry| if entry.path().is_dir() { walk(&entry.path()) } else { 1 }).sum()
        })
    }
    walk(&app.state.settings.media_dir)
}

backend_test!(the_form_speaks_english_and_french, |app| async move {
    let mut visitor = Visitor::new(&app);
    let english = visitor.get("/report").await;
    assert_eq!(english.status, StatusCode::OK);
    assert!(english.text.contains("<html lang=\"en\">"));
    assert!(english.text.contains("Report terrorist content"));
    assert!(english.text.contains("call 112"));
    assert!(english.text.contains("reviewed by the platform’s moderators"));
    assert!(english.text.contains("Apology for terrorism or propaganda"));
    assert!(english.text.contains("href=\"/report?lang=fr\""), "a link switches to French");
    let csrf = csrf_of(&english.text);
    assert_eq!(visitor.cookies["vigie_report_csrf"], csrf, "double-submit cookie holds the form's token");
    assert!(english.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("form-action 'self'"));
    assert_eq!(english.headers[header::CACHE_CONTROL], "no-store");
    assert!(!english.text.contains("/console/logout"), "no console navigation on the public page");

    // A second visit keeps the token, so two open tabs both work.
    assert_eq!(visitor.open("/report").await, csrf);

    let mut french = Visitor::french(&app);
    let page = french.get("/report").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<html lang=\"fr\">"));
    assert!(page.text.contains("Signaler un contenu terroriste"));
    assert!(page.text.contains("appelez le 112"));
    assert!(page.text.contains("le 17"));
    assert!(page.text.contains("Apologie du terrorisme"));
    assert!(page.text.contains("facultatives"), "contact details are optional");
    assert!(page.text.contains("href=\"/report?lang=en\""));
    assert_eq!(csrf_of(&page.text).len(), 64);

    // `?lang=` wins over the header, both ways.
    assert!(french.get("/report?lang=en").await.text.contains("<html lang=\"en\">"));
    assert!(visitor.get("/report?lang=fr").await.text.contains("<html lang=\"fr\">"));
    assert!(french.get("/report?lang=de").await.text.contains("<html lang=\"fr\">"), "unknown: the header decides");
    let stylesheet = visitor.get("/report/report.css").await;
    assert_eq!(stylesheet.status, StatusCode::OK);
    assert!(stylesheet.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
});

backend_test!(a_form_without_its_csrf_token_is_refused, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let audit_before = app.audit_length().await;
    let valid = |csrf: &'static str| {
        [Part::Text("csrf", csrf), Part::Text("category", "propaganda"), Part::Text("url", "https://v.example.net/1")]
    };

    // No cookie at all (a cross-site post, or cookies disabled).
    let mut stranger = Visitor::new(&app);
    let refused =
        stranger.post("/report", &valid("0000000000000000000000000000000000000000000000000000000000000000")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("Form expired"));

    // A cookie, but the form carries another token, or none.
    let mut visitor = Visitor::new(&app);
    visitor.open("/report").await;
    let wrong =
        visitor.post("/report", &valid("1111111111111111111111111111111111111111111111111111111111111111")).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let missing = visitor
        .post("/report", &[Part::Text("category", "propaganda"), Part::Text("url", "https://v.example.net/1")])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let urlencoded = visitor.post_urlencoded("/report", &[("csrf", "nope"), ("category", "propaganda")]).await;
    assert_eq!(urlencoded.status, StatusCode::FORBIDDEN);
    // A file sent before (or without) the token is never written.
    let image = picture(0, 0);
    let file_first =
        visitor.post("/report", &[Part::File("a.png", &image), Part::Text("category", "propaganda")]).await;
    assert_eq!(file_first.status, StatusCode::FORBIDDEN);

    let mut french = Visitor::french(&app);
    french.open("/report").await;
    let refused =
        french.post("/report", &valid("2222222222222222222222222222222222222222222222222222222222222222")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("Formulaire expiré"), "refusal in the visitor's language");

    assert!(cases(&app, &reviewer).await.is_empty(), "nothing stored");
    assert_eq!(media_files(&app), 0);
    assert_eq!(app.audit_length().await, audit_before);
});

backend_test!(a_valid_report_is_stored_and_acknowledged, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let mut visitor = Visitor::french(&app);
    let csrf = visitor.open("/report").await;
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "terrorist_threat"),
                Part::Text("url", "https://Forum.Example.org/t/88#post-3"),
                Part::Text("seen_where", "forum"),
                Part::Text("seen_at", "2026-01-10T21:15"),
                Part::Text("seen_zone", "+04:00"),
                Part::Text("comment", "Annonce d'une attaque.\r\nDeuxième ligne."),
                Part::Text("contact_name", ""),
                Part::Text("contact_email", "Temoin@Example.org"),
                // No file chosen: browsers still send an empty part.
                Part::File("", b""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("Signalement reçu"));
    assert!(reply.text.contains("UTC"));
    // A short number people can read out, not the 36-character id.
    let number = receipt_number(&reply.text);
    assert_eq!(number.len(), 11, "{number}");
    assert_eq!(number.as_bytes()[5], b'-');
    let id = receipt_id(&app, &reply.text).await;
    assert!(!reply.text.contains(&id.to_string()), "the id is not shown");
    // The platform finds it by that number, typed as people do.
    let found =
        app.call(Method::GET, &format!("/v1/submissions/{}", number.to_lowercase()), Some(&reviewer), None).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json()["id"], id.to_string());
    assert_eq!(found.json()["number"], number.replace('-', ""));
    let unknown = app.call(Method::GET, "/v1/submissions/00000-00000", Some(&reviewer), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let record = app.store.get_submission(SubmissionId(id)).await.unwrap();
    assert_eq!(record.receipt.kind.as_str(), "user_report");
    assert_eq!(record.submitter_id, None, "anonymous");
    assert!(!reply.text.contains(&record.receipt.case_id.0.to_string()), "the case id is not shown");
    let details: Value = serde_json::from_str(&record.details).unwrap();
    assert_eq!(details["category"], "terrorist_threat");
    assert_eq!(details["url"], "https://forum.example.org/t/88");
    assert_eq!(details["seen_at"], "2026-01-10T17:15:00Z", "read in the chosen time zone (UTC+4)");
    assert_eq!(details["seen_where"], "forum");
    assert_eq!(details["comment"], "Annonce d'une attaque.\nDeuxième ligne.", "line breaks are kept");
    assert_eq!(details["contact_email"], "temoin@example.org");
    assert_eq!(details["language"], "fr");
    assert!(details.get("contact_name").is_none());
    assert!(app.store.list_submission_media(SubmissionId(id)).await.unwrap().is_empty());

    let queue = cases(&app, &reviewer).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["kinds"], serde_json::json!(["user_report"]));
    assert_eq!(queue[0]["priority"], "high", "a threat is raised");

    // A plain url-encoded form (no file) works too, and an address without a scheme is https.
    let mut english = Visitor::new(&app);
    let csrf = english.open("/report?lang=en").await;
    let reply = english
        .post_urlencoded(
            "/report?lang=en",
            &[("csrf", &csrf), ("category", "propaganda"), ("url", "video.example.net/watch?v=9")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains("Report received"));
    let record = app.store.get_submission(SubmissionId(receipt_id(&app, &reply.text).await)).await.unwrap();
    let details: Value = serde_json::from_str(&record.details).unwrap();
    assert_eq!(details["url"], "https://video.example.net/watch?v=9");
    assert_eq!(details["language"], "en");
});

backend_test!(missing_fields_show_the_form_again_with_what_was_typed, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let audit_before = app.audit_length().await;
    let mut visitor = Visitor::new(&app);
    let csrf = visitor.open("/report").await;
    let typed = "<script>alert(1)</script> seen on the channel";
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("seen_where", "messaging"),
                Part::Text("comment", typed),
                Part::Text("contact_name", "Ana \"Example\""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let summary = error_summary(&reply.text);
    assert!(summary.contains("Category"), "{summary}");
    assert!(summary.contains("choose a category"), "{summary}");
    assert!(summary.contains("Address (URL)"), "{summary}");
    assert!(summary.contains("enter the address of the content"), "{summary}");
    // What was typed is kept, escaped, and the same token still works.
    assert!(!reply.text.contains("<script>alert(1)</script>"));
    assert!(reply.text.contains("&#60;script&#62;alert(1)&#60;/script&#62; seen on the channel"), "{}", reply.text);
    assert!(reply.text.contains("value=\"Ana &#34;Example&#34;\""));
    assert!(reply.text.contains("<option value=\"messaging\" selected>"));
    assert_eq!(csrf_of(&reply.text), csrf);
    assert!(cases(&app, &reviewer).await.is_empty());
    assert_eq!(app.audit_length().await, audit_before);

    // Then completed, it goes through.
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "recruitment"),
                Part::Text("url", "https://t.example/joinus"),
                Part::Text("comment", typed),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(cases(&app, &reviewer).await.len(), 1);
});

backend_test!(wrong_values_name_the_field_and_the_rule_only, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let mut visitor = Visitor::new(&app);
    let csrf = visitor.open("/report").await;
    let hazardous_url = "ftp://attack.example/manual.pdf";
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "propaganda"),
                Part::Text("url", hazardous_url),
                Part::Text("contact_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let summary = error_summary(&reply.text);
    assert!(summary.contains("Address (URL)") && summary.contains("http:// or https://"), "{summary}");
    assert!(summary.contains("Email") && summary.contains("name@example.org"), "{summary}");
    assert!(!summary.contains("attack.example") && !summary.contains("not-an-email"), "no echo: {summary}");
    assert!(reply.text.contains(&format!("value=\"{hazardous_url}\"")), "kept in the field");
    assert!(reply.text.contains("value=\"propaganda\" checked"));

    // In French, with a date in the future and a bad category.
    let mut french = Visitor::french(&app);
    let csrf = french.open("/report").await;
    let reply = french
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "spam"),
                Part::Text("url", "https://ok.example/x"),
                Part::Text("seen_at", "2999-01-01T00:00"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let summary = error_summary(&reply.text);
    assert!(summary.contains("Catégorie</a>\u{a0}: choisissez l’une des catégories proposées."), "{summary}");
    assert!(
        summary.contains("Date et heure</a>\u{a0}: la date et l’heure ne doivent pas être dans le futur."),
        "{summary}"
    );
    assert!(!summary.contains("spam"));
    assert!(cases(&app, &reviewer).await.is_empty());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_rate_limited_per_address() {
    for backend in vigie_store::testing::backends() {
        let mut settings = ServerSettings::default();
        settings.intake.public_reports_per_hour = 2;
        let app = TestApp::spawn_with(backend, settings).await;
        let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
        eprintln!("reports_are_rate_limited_per_address on {backend:?}");
        let mut visitor = Visitor::french(&app);
        let csrf = visitor.open("/report").await;
        for n in 0..2 {
            let url = format!("https://v.example.net/watch?v={n}");
            let reply = visitor
                .post(
                    "/report",
                    &[Part::Text("csrf", &csrf), Part::Text("category", "propaganda"), Part::Text("url", &url)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
        let limited = visitor
            .post(
                "/report",
                &[
                    Part::Text("csrf", &csrf),
                    Part::Text("category", "propaganda"),
                    Part::Text("url", "https://v.example.net/3"),
                ],
            )
            .await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.text.contains("Trop de signalements"), "{}", limited.text);
        assert!(limited.text.contains("112"));
        let retry: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 3600, "{retry}");
        assert_eq!(cases(&app, &reviewer).await.len(), 2);
        // The form itself still opens.
        assert_eq!(visitor.get("/report").await.status, StatusCode::OK);
    }
}

backend_test!(an_attached_image_is_stored_and_linked, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let image = picture(1, 0);
    let mut visitor = Visitor::new(&app);
    let csrf = visitor.open("/report").await;
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "propaganda"),
                Part::Text("url", "https://img.example.net/p/1"),
                Part::File("screenshot.png", &image),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = SubmissionId(receipt_id(&app, &reply.text).await);
    let media = app.store.list_submission_media(id).await.unwrap();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].sha256, vigie_hash::sha256_hex(&image));
    assert_eq!(media[0].media_type, "image");
    assert_eq!(std::fs::read(app.state.intake.media.path_of(&media[0].sha256)).unwrap(), image);
    // The media worker hashes it like any other.
    while run_once(&app.state).await.expect("media worker pass") == Outcome::Processed {}
    let media = app.store.list_submission_media(id).await.unwrap();
    assert_eq!(media[0].status, "hashed");

    // A broken image is refused next to the file field, and leaves nothing behind.
    let files_before = media_files(&app);
    let mut truncated = picture(2, 0);
    truncated.truncate(20);
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "propaganda"),
                Part::Text("url", "https://img.example.net/p/2"),
                Part::File("broken.png", &truncated),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let summary = error_summary(&reply.text);
    assert!(summary.contains("File") && summary.contains("cannot be read"), "{summary}");
    assert!(summary.contains("attach it again"), "{summary}");
    assert!(!summary.contains("broken.png"));
    assert_eq!(media_files(&app), files_before);
    assert_eq!(cases(&app, &reviewer).await.len(), 1);
});

#[tokio::test]
async fn files_over_the_limit_are_refused() {
    let mut settings = ServerSettings::default();
    settings.intake.max_media_bytes = 200;
    let app = TestApp::spawn_with(vigie_store::Backend::Sqlite, settings).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/report").await;
    assert!(page.text.contains("at most 200 bytes"), "the limit is shown");
    let csrf = csrf_of(&page.text);
    let image = picture(0, 0);
    assert!(image.len() > 200);
    let reply = visitor
        .post(
            "/report",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("category", "propaganda"),
                Part::Text("url", "https://img.example.net/big"),
                Part::File("big.png", &image),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(error_summary(&reply.text).contains("larger than the limit"));
    assert!(reply.text.contains("value=\"https://img.example.net/big\""));
    assert_eq!(media_files(&app), 0);
    assert!(cases(&app, &reviewer).await.is_empty());
}
