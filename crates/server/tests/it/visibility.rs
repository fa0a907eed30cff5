//! Bank visibility: what another organisation learns from a bank that is `private`, `match` or
//! `shared`, through the engine itself, `/v1/match`, `/v1/banks` and the cases intake builds.

use axum::http::Method;
use serde_json::{Value, json};
use vigie_domain::access::{Actor, Principal, Role, RoleSet};
use vigie_domain::bank::{Bank, BankDraft, BankVisibility};
use vigie_domain::ids::OrganisationId;
use vigie_server::matching::{MatchEngine, Outcome, Query};
use vigie_store::{BankChange, NewSignal};

use crate::intake::{drain_media, multipart, picture, post_multipart};
use crate::support::{TestApp, backend_test};

const SEED: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// `SEED` with its first `bits` bits flipped: a nearby PDQ hash.
fn flipped(bits: usize) -> String {
    let mut bytes = hex::decode(SEED).unwrap();
    for bit in 0..bits {
        bytes[bit / 8] ^= 0x80 >> (bit % 8);
    }
    hex::encode(bytes)
}

fn principal(organisation: OrganisationId, operator: bool, roles: &[Role]) -> Principal {
    Principal {
        actor: Actor::System,
        organisation_id: organisation,
        organisation_is_operator: operator,
        roles: RoleSet::of(roles),
    }
}

/// A bank made directly in the store, holding `value` with `labels` (comma-joined).
async fn stored_bank(app: &TestApp, owner: OrganisationId, name: &str, signal_type: &str, value: &str) -> Bank {
    let draft = BankDraft {
        organisation_id: owner,
        name,
        description: "",
        signal_type,
        match_threshold: None,
        min_quality: None,
        auto_action: None,
        visibility: None,
    };
    let bank = app.store.insert_bank(&draft.validate().unwrap(), Actor::System).await.unwrap();
    let signal = NewSignal {
        value: value.into(),
        value_key: value.into(),
        quality: Some(100),
        source: Some("test".into()),
        external_id: Some("x1".into()),
        labels: "content:propaganda_image,entity:group-a".into(),
        enabled: true,
    };
    app.store.import_signals(bank.id, &[signal], Actor::System, "test", &mut |_| {}).await.unwrap();
    bank
}

async fn set_visibility(app: &TestApp, bank: &Bank, visibility: BankVisibility) {
    let change = BankChange { visibility: Some(visibility), ..Default::default() };
    app.store.update_bank(bank.id, &change, Actor::System).await.unwrap();
}

async fn lookup(engine: &MatchEngine, query: &Query, asker: &Principal) -> Outcome {
    engine.lookup(std::slice::from_ref(query), asker, None).await.unwrap().remove(0)
}

backend_test!(the_engine_applies_visibility_before_results_leave_it, |app| async move {
    let platform = app.organisation("Platform P", "platform").await;
    let elsewhere = app.organisation("Platform Q", "platform").await;
    let bank = stored_bank(&app, platform.id, "p-known", "pdq", SEED).await;
    // A second node on the same database, which learns of changes only by syncing.
    let other_node = MatchEngine::load(app.store.clone()).await.unwrap();
    app.state.engine.sync().await.unwrap();

    let query = Query::pdq(hex::decode(flipped(3)).unwrap().try_into().unwrap(), Some(10));
    let viewer_elsewhere = principal(elsewhere.id, false, &[Role::Viewer]);
    let owner_reviewer = principal(platform.id, false, &[Role::Reviewer]);
    let owner_viewer = principal(platform.id, false, &[Role::Viewer]);
    let operator_admin = principal(app.operator.id, true, &[Role::Admin]);
    let operator_auditor = principal(app.operator.id, true, &[Role::Auditor]);

    // Private: nothing for others, not even a quality warning naming the bank.
    for asker in [&viewer_elsewhere, &operator_auditor] {
        for engine in [&*app.state.engine, &other_node] {
            let outcome = lookup(engine, &query, asker).await;
            assert_eq!(outcome.hits, [], "{asker:?}");
            assert!(outcome.warnings.iter().all(|warning| !warning.contains("p-known")), "{:?}", outcome.warnings);
        }
        assert_eq!(app.state.engine.bank_ids_by_name(&["p-known".into()], asker), Err("p-known".into()));
    }
    // The owner's readers and the operator's admins see everything.
    for asker in [&owner_reviewer, &operator_admin] {
        let outcome = lookup(&app.state.engine, &query, asker).await;
        assert_eq!(outcome.hits.len(), 1, "{asker:?}");
        let signal = outcome.hits[0].signal.as_ref().expect("the signal, for its readers");
        assert_eq!((signal.bank_id, signal.value.as_str()), (bank.id, SEED));
        assert!(outcome.warnings[0].contains("below bank p-known's minimum"), "{:?}", outcome.warnings);
    }
    // The owner's viewers, who may not export the bank, learn only that it matched.
    let own = lookup(&app.state.engine, &query, &owner_viewer).await;
    assert_eq!((own.hits.len(), own.hits[0].signal.is_none()), (1, true));

    // `match`: that and where it matched, nothing that identifies the signal. Applied at once by
    // the node that syncs after the change, and by the other node at its next sync.
    set_visibility(&app, &bank, BankVisibility::Match).await;
    app.state.engine.sync().await.unwrap();
    assert_eq!(lookup(&other_node, &query, &viewer_elsewhere).await.hits, []);
    other_node.sync().await.unwrap();
    for engine in [&*app.state.engine, &other_node] {
        let outcome = lookup(engine, &query, &viewer_elsewhere).await;
        assert_eq!(outcome.hits.len(), 1);
        let hit = &outcome.hits[0];
        assert_eq!((hit.bank_name.as_str(), hit.distance), ("p-known", 3));
        assert_eq!(hit.labels, ["content:propaganda_image", "entity:group-a"]);
        assert_eq!(hit.signal, None, "no value, no signal id, no bank id");
    }
    assert_eq!(app.state.engine.bank_ids_by_name(&["p-known".into()], &viewer_elsewhere), Ok(vec![bank.id]));

    // `shared`: the signal too.
    set_visibility(&app, &bank, BankVisibility::Shared).await;
    other_node.sync().await.unwrap();
    let outcome = lookup(&other_node, &query, &viewer_elsewhere).await;
    assert_eq!(outcome.hits[0].signal.as_ref().map(|signal| signal.value.as_str()), Some(SEED));

    // And back to private: hidden again.
    set_visibility(&app, &bank, BankVisibility::Private).await;
    other_node.sync().await.unwrap();
    assert_eq!(lookup(&other_node, &query, &viewer_elsewhere).await.hits, []);
});

async fn match_pdq(app: &TestApp, token: &str, hash: &str) -> Value {
    let body = json!({"queries": [{"type": "pdq", "value": hash}]});
    let reply = app.call(Method::POST, "/v1/match", Some(token), Some(body)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["results"][0].clone()
}

async fn listed_names(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.call(Method::GET, "/v1/banks", Some(token), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json().as_array().unwrap().iter().map(|bank| bank["name"].as_str().unwrap().to_owned()).collect()
}

async fn status(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> u16 {
    app.call(method, path, Some(token), body).await.status.as_u16()
}

backend_test!(another_organisation_learns_only_what_the_bank_allows, |app| async move {
    let platform = app.organisation("Platform P", "platform").await;
    let elsewhere = app.organisation("Platform Q", "platform").await;
    let owner_admin = app.token(platform.id, &[Role::Admin]).await;
    let owner_reviewer = app.token(platform.id, &[Role::Reviewer]).await;
    let viewer = app.token(elsewhere.id, &[Role::Viewer]).await;
    let other_admin = app.token(elsewhere.id, &[Role::Admin]).await;
    let operator_admin = app.token(app.operator.id, &[Role::Admin]).await;

    let created = app
        .call(Method::POST, "/v1/banks", Some(&owner_admin), Some(json!({"name": "p-known", "signal_type": "pdq"})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["visibility"], "private", "new banks are private");
    let bank = created.json()["id"].as_str().unwrap().to_owned();
    let image = crate::banks::synthetic_png(160, 120);
    let image_pdq = vigie_hash::hash_image_bytes(&image, &vigie_hash::Limits::default()).unwrap().pdq.to_hex();
    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{bank}/signals"),
            Some(&owner_admin),
            Some(json!({"signals": [
                {"value": SEED, "labels": ["content:propaganda_image"], "external_id": "p-1"},
                {"value": image_pdq, "labels": ["content:insignia"]}
            ]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let owner_view = match_pdq(&app, &owner_reviewer, &flipped(5)).await;
    let signal = owner_view["matches"][0]["signal_id"].as_i64().expect("the owner's reviewers see the signal id");
    assert_eq!(owner_view["matches"][0]["signal"], SEED);

    // The scenario: a viewer elsewhere queries a nearby PDQ of a private bank.
    let bank_path = format!("/v1/banks/{bank}");
    let signals_path = format!("/v1/banks/{bank}/signals");
    let signal_path = format!("/v1/signals/{signal}");
    let hidden = match_pdq(&app, &viewer, &flipped(5)).await;
    assert_eq!(hidden["matches"], json!([]), "{hidden}");
    assert!(!hidden.to_string().contains("p-known"), "{hidden}");
    let named = app
        .call(
            Method::POST,
            "/v1/match",
            Some(&viewer),
            Some(json!({"queries": [{"type": "pdq", "value": SEED}], "banks": ["p-known"]})),
        )
        .await;
    assert_eq!((named.status.as_u16(), named.json()["errors"][0]["field"].clone()), (400, json!("banks")));
    assert!(!listed_names(&app, &viewer).await.contains(&"p-known".to_owned()));
    assert!(listed_names(&app, &operator_admin).await.contains(&"p-known".to_owned()));
    for path in [&bank_path, &signals_path] {
        assert_eq!(status(&app, Method::GET, path, &viewer, None).await, 404, "{path}");
    }
    assert_eq!(status(&app, Method::PATCH, &bank_path, &other_admin, Some(json!({"visibility": "shared"}))).await, 404);
    assert_eq!(status(&app, Method::PATCH, &signal_path, &other_admin, Some(json!({"enabled": false}))).await, 404);
    let media = upload(&app, &viewer, &image).await;
    assert_eq!(media["results"][0]["matches"], json!([]), "{media}");

    // Only the bank's managers change its visibility; bad values are named.
    let to_match = Some(json!({"visibility": "match"}));
    assert_eq!(status(&app, Method::PATCH, &bank_path, &owner_reviewer, to_match.clone()).await, 403);
    let bad = app.call(Method::PATCH, &bank_path, Some(&owner_admin), Some(json!({"visibility": "public"}))).await;
    assert_eq!((bad.status.as_u16(), bad.json()["errors"][0]["field"].clone()), (400, json!("visibility")));
    let changed = app.call(Method::PATCH, &bank_path, Some(&owner_admin), to_match).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json()["visibility"], "match");
    let events = app
        .call(Method::GET, &format!("/v1/audit?organisation_id={}", platform.id), Some(&owner_admin), None)
        .await
        .json();
    let change = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["action"] == "bank.update" && event["subject_id"] == bank.as_str())
        .unwrap_or_else(|| panic!("no bank.update event: {events}"))
        .clone();
    assert_eq!(
        (change["details"]["visibility"].clone(), change["details"]["previous_visibility"].clone()),
        (json!("match"), json!("private"))
    );

    // `match`: the bank's name, the labels and the distance; no value, no id of any kind.
    let matched = match_pdq(&app, &viewer, &flipped(5)).await;
    let item = matched["matches"][0].clone();
    assert_eq!(
        item,
        json!({"bank": "p-known", "distance": 5, "via": "identity", "labels": ["content:propaganda_image"], "auto_action": false}),
        "{matched}"
    );
    assert!(!matched.to_string().contains(SEED), "the stored value never leaves");
    let media = upload(&app, &viewer, &image).await;
    assert_eq!(media["results"][0]["matches"][0]["bank"], "p-known");
    assert!(media["results"][0]["matches"][0].get("signal").is_none(), "{media}");
    assert!(listed_names(&app, &viewer).await.contains(&"p-known".to_owned()));
    assert_eq!(status(&app, Method::GET, &bank_path, &viewer, None).await, 200);
    // Export stays refused, and signal ids stay unknown.
    assert_eq!(status(&app, Method::GET, &signals_path, &viewer, None).await, 403);
    assert_eq!(status(&app, Method::PATCH, &signal_path, &other_admin, Some(json!({"enabled": false}))).await, 404);
    assert_eq!(
        status(
            &app,
            Method::POST,
            &format!("{signal_path}/feedback"),
            &other_admin,
            Some(json!({"verdict": "confirmed"}))
        )
        .await,
        404
    );
    assert_eq!(status(&app, Method::PATCH, &bank_path, &other_admin, Some(json!({"visibility": "shared"}))).await, 403);

    // `shared` (here set by the operator's admins, who may administer every bank): everything.
    let shared =
        app.call(Method::PATCH, &bank_path, Some(&operator_admin), Some(json!({"visibility": "shared"}))).await;
    assert_eq!(shared.status, 200, "{}", shared.text);
    let open = match_pdq(&app, &viewer, &flipped(5)).await;
    assert_eq!(open["matches"][0]["signal"], SEED);
    assert_eq!(open["matches"][0]["signal_id"], signal);
    assert_eq!(open["matches"][0]["bank_id"], bank.as_str());
    let export = app.call(Method::GET, &signals_path, Some(&viewer), None).await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert_eq!(export.json()["signals"][0]["external_id"], "p-1");
    // Reading is not managing.
    assert_eq!(status(&app, Method::PATCH, &signal_path, &other_admin, Some(json!({"enabled": false}))).await, 403);
});

async fn upload(app: &TestApp, token: &str, image: &[u8]) -> Value {
    let boundary = "visibilityboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(image);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/v1/match/media")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

async fn url_bank(app: &TestApp, owner: OrganisationId, name: &str, url: &str, visibility: BankVisibility) {
    let draft = BankDraft {
        organisation_id: owner,
        name,
        description: "",
        signal_type: "url",
        match_threshold: None,
        min_quality: None,
        auto_action: None,
        visibility: Some(visibility.as_str()),
    };
    let bank = app.store.insert_bank(&draft.validate().unwrap(), Actor::System).await.unwrap();
    let value = vigie_domain::bank::canonical_value(vigie_domain::bank::SignalType::Url, url).unwrap();
    let signal = NewSignal {
        value_key: vigie_domain::bank::value_key(vigie_domain::bank::SignalType::Url, &value),
        value,
        quality: None,
        source: None,
        external_id: None,
        labels: format!("source:{name}"),
        enabled: true,
    };
    app.store.import_signals(bank.id, &[signal], Actor::System, "test", &mut |_| {}).await.unwrap();
}

/// A partner flag (normal priority unless a bank matches) to `platform`.
fn flag(platform: OrganisationId, urls: &[&str]) -> Value {
    json!({"kind": "partner_flag", "urls": urls, "explanation": "Known content.", "platform": platform.0})
}

/// The case's matches as (bank, whether a signal id is shown).
async fn case_matches(app: &TestApp, token: &str, case: &Value) -> Vec<(String, bool)> {
    let reply = app.call(Method::GET, &format!("/v1/cases/{}", case.as_str().unwrap()), Some(token), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut found: Vec<(String, bool)> = reply.json()["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|found| (found["bank"].as_str().unwrap().to_owned(), found.get("signal_id").is_some()))
        .collect();
    found.sort();
    found
}

backend_test!(cases_hold_only_what_their_platforms_reviewers_may_see, |app| async move {
    let platform = app.organisation("Platform P", "platform").await;
    let elsewhere = app.organisation("Platform Q", "platform").await;
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let referrer = app.token(unit.id, &[Role::Referrer]).await;
    let platform_reviewer = app.token(platform.id, &[Role::Reviewer]).await;
    let elsewhere_reviewer = app.token(elsewhere.id, &[Role::Reviewer]).await;
    let known = "https://known.example/v/1";
    url_bank(&app, app.operator.id, "operator-urls", known, BankVisibility::Match).await;
    url_bank(&app, elsewhere.id, "q-private-urls", known, BankVisibility::Private).await;
    url_bank(&app, elsewhere.id, "q-shared-urls", known, BankVisibility::Shared).await;
    url_bank(&app, platform.id, "p-urls", known, BankVisibility::Private).await;
    url_bank(&app, elsewhere.id, "q-only-urls", "https://only-q.example/1", BankVisibility::Private).await;
    app.state.engine.sync().await.unwrap();

    let sent = app.call(Method::POST, "/v1/submissions", Some(&referrer), Some(flag(platform.id, &[known]))).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(
        case_matches(&app, &platform_reviewer, &sent.json()["case_id"]).await,
        [("operator-urls".to_owned(), false), ("p-urls".to_owned(), true), ("q-shared-urls".to_owned(), true)],
        "no trace of Q's private bank; no signal id from a bank P may only match against"
    );

    // A URL only Q's private bank knows neither shows on P's case nor raises its priority.
    let control = app
        .call(Method::POST, "/v1/submissions", Some(&referrer), Some(flag(platform.id, &["https://new.example/1"])))
        .await
        .json();
    assert_eq!(control["priority"], "normal");
    let probe = app
        .call(Method::POST, "/v1/submissions", Some(&referrer), Some(flag(platform.id, &["https://only-q.example/1"])))
        .await
        .json();
    assert_eq!(probe["priority"], control["priority"]);
    assert_eq!(case_matches(&app, &platform_reviewer, &probe["case_id"]).await, []);
    // Sent to Q, the same URL matches Q's own bank.
    let to_q = app
        .call(Method::POST, "/v1/submissions", Some(&referrer), Some(flag(elsewhere.id, &["https://only-q.example/1"])))
        .await
        .json();
    assert_eq!(case_matches(&app, &elsewhere_reviewer, &to_q["case_id"]).await, [("q-only-urls".to_owned(), true)]);

    // One image sent to both platforms, hashed once: each case gets the matches of its own
    // platform's view. P's private bank shows on P's case only; the operator's `match` bank on
    // both, without a signal id.
    let image = picture(1, 0);
    let pdq = vigie_hash::hash_image_bytes(&image, &vigie_hash::Limits::default()).unwrap().pdq.to_hex();
    let p_bank = stored_bank(&app, platform.id, "p-images", "pdq", &pdq).await;
    let operator_bank = stored_bank(&app, app.operator.id, "operator-images", "pdq", &pdq).await;
    set_visibility(&app, &operator_bank, BankVisibility::Match).await;
    assert_eq!(p_bank.visibility, BankVisibility::Private);
    app.state.engine.sync().await.unwrap();
    let mut cases = Vec::new();
    for target in [platform.id, elsewhere.id] {
        let submission = json!({"kind": "partner_flag", "explanation": "Known image.", "platform": target.0});
        let body = multipart(Some(&submission), &[("a.png", &image)]);
        let reply = post_multipart(&app, "/v1/submissions", &referrer, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        cases.push(reply.json()["case_id"].clone());
    }
    assert_eq!(drain_media(&app).await, 1, "stored and hashed once");
    assert_eq!(
        case_matches(&app, &platform_reviewer, &cases[0]).await,
        [("operator-images".to_owned(), false), ("p-images".to_owned(), true)]
    );
    assert_eq!(case_matches(&app, &elsewhere_reviewer, &cases[1]).await, [("operator-images".to_owned(), false)]);
});
