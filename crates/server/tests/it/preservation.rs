//! Preservation of removed content (TCO Art. 6), with a clock the test moves: kept six months
//! from the confirmed removal and purged the day after, not before, not while an authority's
//! extension runs nor while a complaint is open; opened only with a stated purpose; every
//! opening and every purge in the audit trail.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::Method;
use chrono::{DateTime, Months, TimeDelta, Utc};
use image::ImageEncoder;
use serde_json::{Value, json};
use vigie_domain::access::Role;
use vigie_server::ServerSettings;
use vigie_server::preservation::purge_due;
use vigie_store::testing::TestDatabase;

use crate::intake::{drain_media, multipart, post_multipart};
use crate::support::TestApp;

/// A synthetic picture, different for each `seed`.
fn picture(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8 ^ seed, (y * 5) as u8, seed]));
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(image.as_raw(), 64, 48, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

struct World {
    app: TestApp,
    _database: TestDatabase,
    /// Seconds the test clock is ahead of the real one.
    offset: Arc<AtomicI64>,
    reviewer: String,
    senior: String,
    admin: String,
    sender: String,
    platform: String,
}

impl World {
    async fn new(backend: vigie_store::Backend, media: &std::path::Path) -> Self {
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        let offset = Arc::new(AtomicI64::new(0));
        let ahead = offset.clone();
        let store = store.with_clock(Arc::new(move || Utc::now() + TimeDelta::seconds(ahead.load(Ordering::SeqCst))));
        let settings = ServerSettings { media_dir: media.join("media"), ..ServerSettings::default() };
        let app = TestApp::over(store, settings).await;
        let platform = app.organisation("Videoshare", "platform").await;
        let unit = app.organisation("OCLCTIC", "referral_unit").await;
        Self {
            reviewer: app.token(platform.id, &[Role::Reviewer]).await,
            senior: app.token(platform.id, &[Role::SeniorReviewer]).await,
            admin: app.token(platform.id, &[Role::Admin, Role::Auditor]).await,
            sender: app.token(unit.id, &[Role::Referrer]).await,
            platform: platform.id.to_string(),
            app,
            _database: database,
            offset,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.app.store.now()
    }

    /// Moves the clock to `at`.
    fn set_now(&self, at: DateTime<Utc>) {
        let ahead = (at - Utc::now()).num_seconds();
        self.offset.store(ahead, Ordering::SeqCst);
    }

    /// A removal order with a picture, decided `remove` and confirmed executed: its case id,
    /// the picture's digest and the time of removal.
    async fn removed(&self, seed: u8) -> (String, String, DateTime<Utc>) {
        let issued = self.now() - TimeDelta::hours(1);
        let order = json!({"kind": "removal_order", "issuing_authority": "OCLCTIC", "member_state": "FR",
            "reference": format!("ORDER-{seed}"), "issued_at": issued, "platform": self.platform,
            "urls": [format!("https://videoshare.example/v/{seed}")], "grounds": ["a"],
            "statement_of_reasons": "Glorifies an attack.", "contact_email": "desk@oclctic.example",
            "cross_border": false, "redress": "Tribunal administratif de Paris"});
        let bytes = picture(seed);
        let reply =
            post_multipart(&self.app, "/v1/submissions", &self.sender, multipart(Some(&order), &[("p.png", &bytes)]))
                .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        drain_media(&self.app).await;
        let case = reply.json()["case_id"].as_str().unwrap().to_owned();
        let decided = self
            .call(
                Method::POST,
                &format!("/v1/cases/{case}/decisions"),
                &self.reviewer,
                Some(json!({
            "decision": "remove", "facts": "A video glorifying the attack.",
            "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784", "article": "Art. 2(7)(a)",
                       "explanation": "Glorification."}})),
            )
            .await;
        assert_eq!(decided.0, 201, "{}", decided.1);
        let actions = self.call(Method::GET, "/v1/actions?status=pending", &self.reviewer, None).await.1;
        let action = actions["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|action| action["case"] == case.as_str())
            .expect("the removal's action")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let removed_at = self.now() - TimeDelta::minutes(5);
        let confirmed = self
            .call(
                Method::POST,
                &format!("/v1/actions/{action}/confirm"),
                &self.reviewer,
                Some(json!({"outcome": "executed", "executed_at": removed_at})),
            )
            .await;
        assert_eq!(confirmed.0, 200, "{}", confirmed.1);
        (case, vigie_hash::sha256_hex(&bytes), removed_at)
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let reply = self.app.call(method, path, Some(token), body).await;
        let json =
            if reply.text.is_empty() { Value::Null } else { serde_json::from_str(&reply.text).unwrap_or(Value::Null) };
        (reply.status.as_u16(), json)
    }

    async fn case(&self, case: &str, token: &str) -> Value {
        let (status, view) = self.call(Method::GET, &format!("/v1/cases/{case}"), token, None).await;
        assert_eq!(status, 200, "{view}");
        view
    }

    /// The audit events about `case`, oldest first.
    async fn audit(&self, case: &str) -> Vec<Value> {
        let (status, events) = self.call(Method::GET, "/v1/audit?limit=500", &self.admin, None).await;
        assert_eq!(status, 200, "{events}");
        let mut about: Vec<Value> =
            events["events"].as_array().unwrap().iter().filter(|event| event["subject_id"] == case).cloned().collect();
        about.reverse();
        about
    }

    async fn preview(&self, case: &str, sha256: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, &format!("/v1/cases/{case}/media/{sha256}/preview"), token, None).await
    }
}

fn months_after(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    at.checked_add_months(Months::new(months)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_content_is_kept_six_months_opened_with_a_purpose_and_purged_the_day_after() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let media = tempfile::tempdir().unwrap();
        let world = World::new(backend, media.path()).await;
        let (case, sha256, removed_at) = world.removed(1).await;
        let file = world.app.state.intake.media.path_of(&sha256);
        assert!(file.exists());
        // The same picture reported to another platform, whose case is not removed: the purge
        // must leave it that platform's copy.
        let other = world.app.organisation("Photoshare", "platform").await;
        let referral = json!({"kind": "referral", "platform": other.id.0, "urls": ["https://photoshare.example/p/1"],
                              "explanation": "Same picture.", "deconfliction": "cleared"});
        let reply = post_multipart(
            &world.app,
            "/v1/submissions",
            &world.sender,
            multipart(Some(&referral), &[("p.png", &picture(1))]),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let elsewhere = reply.json()["case_id"].as_str().unwrap().to_owned();
        assert_ne!(elsewhere, case);
        let other_reviewer = world.app.token(other.id, &[Role::Reviewer]).await;

        // Preserved from the removal: the legal fields stay readable, the content does not.
        let view = world.case(&case, &world.reviewer).await;
        let preservation = &view["preservation"];
        assert_eq!(preservation["status"], "preserved", "{view}");
        let until: DateTime<Utc> = serde_json::from_value(preservation["preserved_until"].clone()).unwrap();
        let six_months = months_after(removed_at, 6);
        // Kept to the end of the day six months on: purged from the next midnight.
        assert_eq!(until, vigie_domain::preservation::preserved_until(removed_at));
        assert!(until > six_months && until <= six_months + TimeDelta::days(1), "{until}");
        assert!(preservation["open_to_you_until"].is_null());
        let details = &view["submissions"][0]["details"];
        assert_eq!(details["issuing_authority"], "OCLCTIC", "{details}");
        assert!(details.get("urls").is_none() && details.get("contact_email").is_none(), "{details}");
        assert_eq!(view["submissions"][0]["media"], json!([]));
        let (status, problem) = world.preview(&case, &sha256, &world.reviewer).await;
        assert_eq!(status, 403, "{problem}");
        assert_eq!(problem["type"], "urn:vigie:problem:preserved-content");
        // Through the submission too, for the platform; its sender reads what it sent.
        let submission = view["submissions"][0]["id"].as_str().unwrap().to_owned();
        let (_, seen) = world.call(Method::GET, &format!("/v1/submissions/{submission}"), &world.reviewer, None).await;
        assert!(seen["details"].get("urls").is_none(), "{seen}");
        let (_, sent) = world.call(Method::GET, &format!("/v1/submissions/{submission}"), &world.sender, None).await;
        assert!(sent["details"]["urls"].is_array(), "{sent}");

        // The same address reported again after the removal opens a case of its own: the
        // preserved one stays as it was.
        let again = json!({"kind": "referral", "platform": world.platform, "urls": ["https://videoshare.example/v/1"],
                           "explanation": "Back online.", "deconfliction": "cleared"});
        let (status, receipt) = world.call(Method::POST, "/v1/submissions", &world.sender, Some(again)).await;
        assert_eq!(status, 201, "{receipt}");
        assert_ne!(receipt["case_id"], case.as_str(), "a new case");
        assert_eq!(world.case(&case, &world.reviewer).await["submission_count"], 1);

        // Opening it takes a purpose among the article's and a reason; refused, nothing written.
        let path = format!("/v1/cases/{case}/preservation/accesses");
        let (status, problem) =
            world.call(Method::POST, &path, &world.reviewer, Some(json!({"purpose": "curiosity"}))).await;
        assert_eq!(status, 400, "{problem}");
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["purpose", "reason"]);
        let (status, access) = world
            .call(
                Method::POST,
                &path,
                &world.reviewer,
                Some(json!({"purpose": "complaint", "reason": "Handling complaint 12 against the removal."})),
            )
            .await;
        assert_eq!(status, 201, "{access}");
        let view = world.case(&case, &world.reviewer).await;
        assert!(view["submissions"][0]["details"]["urls"].is_array(), "opened: {view}");
        assert_eq!(view["submissions"][0]["media"][0]["sha256"], sha256.as_str());
        assert!(view["preservation"]["open_to_you_until"].is_string());
        assert_eq!(world.preview(&case, &sha256, &world.reviewer).await.0, 200);
        // Open to that reader only.
        assert_eq!(world.preview(&case, &sha256, &world.senior).await.0, 403);
        // Thirty minutes later it is closed again.
        world.set_now(world.now() + TimeDelta::minutes(31));
        assert_eq!(world.preview(&case, &sha256, &world.reviewer).await.0, 403);

        // Every opening is in the case's preservation and in the audit trail: who, when, why.
        let (_, status_view) =
            world.call(Method::GET, &format!("/v1/cases/{case}/preservation"), &world.admin, None).await;
        let accesses = status_view["accesses"].as_array().unwrap();
        assert_eq!(accesses.len(), 1, "{status_view}");
        assert_eq!(accesses[0]["purpose"], "complaint");
        assert_eq!(accesses[0]["actor"]["kind"], "token");
        let trail = world.audit(&case).await;
        let opened: Vec<&Value> = trail.iter().filter(|event| event["action"] == "case.preservation_access").collect();
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0]["details"]["reason"], "Handling complaint 12 against the removal.");
        assert_eq!(opened[0]["actor_kind"], "token");
        let confirmed = trail.iter().find(|event| event["action"] == "action.confirm").expect("the confirmation");
        assert_eq!(confirmed["details"]["preserved_until"], until.to_rfc3339(), "{confirmed}");

        // A day before the six months, at six months, and the last minute of that day: kept.
        for at in [six_months - TimeDelta::days(1), six_months, until - TimeDelta::minutes(1)] {
            world.set_now(at);
            assert_eq!(purge_due(&world.app.state).await.unwrap(), 0, "purged at {at}");
        }
        assert!(file.exists());
        // Six months and a day: purged, once, whichever node runs it.
        world.set_now(six_months + TimeDelta::days(1));
        let (first, second) = tokio::join!(purge_due(&world.app.state), purge_due(&world.app.state));
        assert_eq!(first.unwrap() + second.unwrap(), 1);
        assert_eq!(purge_due(&world.app.state).await.unwrap(), 0);
        // The file stays for the other platform's case, which still shows it.
        assert!(file.exists(), "another case holds the file");
        assert_eq!(world.preview(&elsewhere, &sha256, &other_reviewer).await.0, 200);
        let view = world.case(&case, &world.reviewer).await;
        assert_eq!(view["preservation"]["status"], "purged");
        let details = &view["submissions"][0]["details"];
        assert_eq!(details["reference"], "ORDER-1");
        assert!(details.get("urls").is_none(), "{details}");
        let (_, sent) = world.call(Method::GET, &format!("/v1/submissions/{submission}"), &world.sender, None).await;
        assert!(sent["details"].get("urls").is_none(), "purged for the sender too: {sent}");
        assert_eq!(view["decisions"][0]["decision"], "remove", "decisions stay");
        assert_eq!(world.preview(&case, &sha256, &world.reviewer).await.0, 410);
        let (status, _) = world
            .call(Method::POST, &path, &world.reviewer, Some(json!({"purpose": "complaint", "reason": "late"})))
            .await;
        assert_eq!(status, 410);
        // Nothing is added to a purged case.
        let late = post_multipart(
            &world.app,
            &format!("/v1/submissions/{submission}/media"),
            &world.sender,
            multipart(None, &[("late.png", &picture(9))]),
        )
        .await;
        assert_eq!(late.status, 410, "{}", late.text);
        let purges: Vec<Value> =
            world.audit(&case).await.into_iter().filter(|event| event["action"] == "case.purge").collect();
        assert_eq!(purges.len(), 1);
        assert_eq!(purges[0]["actor_kind"], "system");
        assert_eq!(purges[0]["details"]["media"], 0, "no media row went: another case holds it");
        assert!(world.app.store.verify_audit_chain().await.unwrap().first_break.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_or_an_open_complaint_holds_the_purge() {
    for backend in vigie_store::testing::backends() {
        eprintln!("on {backend:?}");
        let media = tempfile::tempdir().unwrap();
        let world = World::new(backend, media.path()).await;
        let (extended, extended_sha, removed_at) = world.removed(2).await;
        let (complained, _, _) = world.removed(3).await;
        let six_months = months_after(removed_at, 6);

        // The authority that sent the order asks for three months more; a reviewer may not
        // record it, a date before the current end is refused, nothing written either time.
        let path = format!("/v1/cases/{extended}/preservation/extensions");
        let request = |until: DateTime<Utc>| {
            json!({"authority": "Parquet national antiterroriste", "reference": "PNAT-2026-118", "until": until,
                   "reason": "Investigation under way."})
        };
        let nine_months = months_after(removed_at, 9);
        assert_eq!(world.call(Method::POST, &path, &world.reviewer, Some(request(nine_months))).await.0, 403);
        let (status, problem) =
            world.call(Method::POST, &path, &world.sender, Some(request(six_months - TimeDelta::days(1)))).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "until");
        let (status, extension) = world.call(Method::POST, &path, &world.sender, Some(request(nine_months))).await;
        assert_eq!(status, 201, "{extension}");
        let (_, seen) =
            world.call(Method::GET, &format!("/v1/cases/{extended}/preservation"), &world.sender, None).await;
        assert_eq!(seen["extensions"].as_array().unwrap().len(), 1, "{seen}");
        assert_eq!(seen["accesses"], json!([]), "the sender does not read the platform's access log");
        let until: DateTime<Utc> = serde_json::from_value(seen["preserved_until"].clone()).unwrap();
        assert_eq!(until, nine_months);

        // The uploader complains about the other removal; it stays open.
        let decision =
            world.case(&complained, &world.reviewer).await["decisions"][0]["id"].as_str().unwrap().to_owned();
        let (status, complaint) = world
            .call(
                Method::POST,
                &format!("/v1/decisions/{decision}/complaints"),
                &world.reviewer,
                Some(json!({"reasons": "It was a news report."})),
            )
            .await;
        assert_eq!(status, 201, "{complaint}");

        // Six months and a day: neither is purged.
        world.set_now(six_months + TimeDelta::days(1));
        assert_eq!(purge_due(&world.app.state).await.unwrap(), 0);
        assert_eq!(world.case(&extended, &world.reviewer).await["preservation"]["status"], "preserved");
        assert!(world.app.store.find_media(&extended_sha).await.unwrap().is_some());
        // The complaint answered, that case goes at the next pass.
        let complaint = complaint["id"].as_str().unwrap();
        let (status, answered) = world
            .call(
                Method::POST,
                &format!("/v1/complaints/{complaint}/decision"),
                &world.senior,
                Some(json!({"outcome": "upheld", "reasons": "The video is not news reporting."})),
            )
            .await;
        assert_eq!(status, 200, "{answered}");
        assert_eq!(purge_due(&world.app.state).await.unwrap(), 1);
        assert_eq!(world.case(&complained, &world.reviewer).await["preservation"]["status"], "purged");
        // The extension runs until its date, and the day after the case goes too.
        world.set_now(nine_months - TimeDelta::days(1));
        assert_eq!(purge_due(&world.app.state).await.unwrap(), 0);
        world.set_now(nine_months + TimeDelta::days(1));
        assert_eq!(purge_due(&world.app.state).await.unwrap(), 1);
        assert!(world.app.store.find_media(&extended_sha).await.unwrap().is_none(), "its row is deleted");
        assert!(!world.app.state.intake.media.path_of(&extended_sha).exists(), "and its file");
        let trail = world.audit(&extended).await;
        let extend = trail.iter().find(|event| event["action"] == "case.preservation_extend").expect("audited");
        assert_eq!(extend["details"]["reference"], "PNAT-2026-118");
        // Purged, it cannot be extended any more.
        let (status, _) =
            world.call(Method::POST, &path, &world.sender, Some(request(nine_months + TimeDelta::days(90)))).await;
        assert_eq!(status, 410);
    }
}
