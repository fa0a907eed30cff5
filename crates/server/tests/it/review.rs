//! Review through the API: decisions and their grounds, claims, escalation, four eyes,
//! requests for clarification, bulk decisions, notes, adding to a bank, the dashboard, and two
//! nodes deciding one case at once.

use axum::http::Method;
use serde_json::{Value, json};
use vigie_domain::access::Role;

use crate::intake::{drain_media, multipart, picture, post_multipart, removal_order};
use crate::support::{Reply, TestApp, backend_test};

fn remove() -> Value {
    json!({"decision": "remove", "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784",
        "article": "Art. 2(7)(a)", "explanation": "Glorifies the attack."},
        "facts": "The video shows the attack with a caption praising it.", "automated_detection": false})
}

fn report(url: &str) -> Value {
    json!({"kind": "user_report", "category": "propaganda", "url": url})
}

/// A referral unit's referrer, and a case opened by one submission.
async fn case_of(app: &TestApp, body: Value) -> String {
    let unit = match app.store.find_organisation_by_name("Unit").await.unwrap() {
        Some(unit) => unit,
        None => app.organisation("Unit", "referral_unit").await,
    };
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let reply = app.call(Method::POST, "/v1/submissions", Some(&sender), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["case_id"].as_str().unwrap().to_owned()
}

async fn decide(app: &TestApp, token: &str, case: &str, body: Value) -> Reply {
    app.call(Method::POST, &format!("/v1/cases/{case}/decisions"), Some(token), Some(body)).await
}

async fn case(app: &TestApp, token: &str, case: &str) -> Value {
    let reply = app.call(Method::GET, &format!("/v1/cases/{case}"), Some(token), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

fn fields(reply: &Reply) -> Vec<String> {
    reply.json()["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap().to_owned()).collect()
}

backend_test!(a_decision_rests_on_a_ground_and_is_recorded_once, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let case_id = case_of(&app, removal_order("OFAC-1", "https://video.example.net/watch?v=r1")).await;
    let before = app.audit_length().await;

    // Refused, naming the field, with nothing written.
    let mut no_ground = remove();
    no_ground.as_object_mut().unwrap().remove("ground");
    let refused = decide(&app, &reviewer, &case_id, no_ground).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(fields(&refused), ["ground"]);
    let mut half_ground = remove();
    half_ground["ground"].as_object_mut().unwrap().remove("article");
    assert_eq!(fields(&decide(&app, &reviewer, &case_id, half_ground).await), ["ground.article"]);
    let mut restrict = remove();
    restrict["decision"] = json!("restrict");
    restrict["territorial_scope"] = json!(["FR", "Atlantis"]);
    let refused = decide(&app, &reviewer, &case_id, restrict.clone()).await;
    assert_eq!(refused.status, 400);
    assert_eq!(fields(&refused), ["territorial_scope[1]"]);
    let unknown = decide(&app, &reviewer, &case_id, json!({"decision": "delete_everything"})).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(fields(&unknown), ["decision"]);
    assert_eq!(app.audit_length().await, before, "refusals write nothing");
    assert!(case(&app, &reviewer, &case_id).await["decisions"].as_array().unwrap().is_empty());

    // Recorded: the case leaves the queue.
    let decided = decide(&app, &reviewer, &case_id, remove()).await;
    assert_eq!(decided.status, 201, "{}", decided.text);
    let decision = decided.json();
    assert_eq!(decision["state"], "in_force");
    assert_eq!(decision["ground"]["article"], "Art. 2(7)(a)");
    let view = case(&app, &reviewer, &case_id).await;
    assert_eq!(view["review_state"], "decided");
    assert!(view["decided_at"].is_string());
    assert_eq!(view["decisions"][0]["decision"], "remove");
    let queue = app.call(Method::GET, "/v1/cases", Some(&reviewer), None).await.json();
    assert!(queue.as_array().unwrap().iter().all(|listed| listed["id"] != case_id.as_str()));
    let decided_list = app.call(Method::GET, "/v1/cases?review_state=decided", Some(&reviewer), None).await.json();
    assert_eq!(decided_list[0]["id"], case_id.as_str());

    // Twice: refused; a correction names what it replaces.
    let again = decide(&app, &reviewer, &case_id, remove()).await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.json()["type"], "urn:vigie:problem:case-decided");
    assert_eq!(fields(&again), ["replaces"]);
    let mut correction = restrict;
    correction["territorial_scope"] = json!(["fr", "DE"]);
    correction["replaces"] = decision["id"].clone();
    let corrected = decide(&app, &reviewer, &case_id, correction).await;
    assert_eq!(corrected.status, 201, "{}", corrected.text);
    assert_eq!(corrected.json()["territorial_scope"], json!(["DE", "FR"]));
    let view = case(&app, &reviewer, &case_id).await;
    assert_eq!(view["decisions"][0]["state"], "replaced");
    assert_eq!(view["decisions"][1]["state"], "in_force");
    assert_eq!(app.audit_length().await, before + 2);
    assert!(app.store.verify_audit_chain().await.unwrap().first_break.is_none());
});

backend_test!(only_the_platforms_reviewers_decide, |app| async move {
    let case_id = case_of(&app, report("https://forum.example.org/t/1")).await;
    let other = app.organisation("Other platform", "platform").await;
    let stranger = app.token(other.id, &[Role::Reviewer, Role::SeniorReviewer]).await;
    let refused = decide(&app, &stranger, &case_id, remove()).await;
    assert_eq!(refused.status, 404, "another platform's case does not exist for them");
    for roles in [&[Role::Auditor][..], &[Role::Viewer], &[Role::Admin], &[Role::Referrer]] {
        let token = app.token(app.operator.id, roles).await;
        let refused = decide(&app, &token, &case_id, remove()).await;
        assert_eq!(refused.status, 403, "{roles:?}: {}", refused.text);
        let claim = app.call(Method::POST, &format!("/v1/cases/{case_id}/claim"), Some(&token), None).await;
        assert_eq!(claim.status, 403, "{roles:?}");
    }
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    assert!(case(&app, &reviewer, &case_id).await["decisions"].as_array().unwrap().is_empty());
});

backend_test!(a_claimed_case_is_decided_by_its_holder_only, |app| async move {
    let first = app.token(app.operator.id, &[Role::Reviewer]).await;
    let second = app.token(app.operator.id, &[Role::Reviewer]).await;
    let case_id = case_of(&app, report("https://forum.example.org/t/2")).await;
    let claim = |token: String| {
        let app = &app;
        let path = format!("/v1/cases/{case_id}/claim");
        async move { app.call(Method::POST, &path, Some(&token), None).await }
    };
    let held = claim(first.clone()).await;
    assert_eq!(held.status, 200, "{}", held.text);
    assert_eq!(held.json()["claim"]["name"], "test");
    let until = held.json()["claim"]["until"].clone();
    // Claiming again renews; another reviewer is refused, for the claim and the decision.
    assert_eq!(claim(first.clone()).await.status, 200);
    let refused = claim(second.clone()).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.json()["type"], "urn:vigie:problem:case-claimed");
    let refused = decide(&app, &second, &case_id, remove()).await;
    assert_eq!(refused.json()["type"], "urn:vigie:problem:case-claimed");
    // "Next case" skips a case someone holds.
    let next = app.call(Method::POST, "/v1/cases/next", Some(&second), None).await;
    assert_eq!(next.status, 204, "{}", next.text);
    // Released, the other reviewer takes it with "next"; the first now cannot decide.
    let released = app.call(Method::DELETE, &format!("/v1/cases/{case_id}/claim"), Some(&first), None).await;
    assert_eq!(released.json()["released"], true);
    let next = app.call(Method::POST, "/v1/cases/next", Some(&second), None).await;
    assert_eq!(next.status, 200, "{}", next.text);
    assert_eq!(next.json()["id"], case_id.as_str());
    assert_ne!(next.json()["claim"]["until"], until);
    assert_eq!(decide(&app, &first, &case_id, remove()).await.status, 409);
    assert_eq!(decide(&app, &second, &case_id, remove()).await.status, 201);
    let view = case(&app, &first, &case_id).await;
    assert!(view["claim"].is_null(), "a decision releases the claim");
    let closed = claim(first).await;
    assert_eq!(closed.json()["type"], "urn:vigie:problem:case-closed");
});

backend_test!(an_escalated_case_waits_for_a_senior_reviewer, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
    let case_id = case_of(&app, report("https://forum.example.org/t/3")).await;
    let refused = decide(&app, &reviewer, &case_id, json!({"decision": "escalate"})).await;
    assert_eq!(fields(&refused), ["note"]);
    let escalated =
        decide(&app, &reviewer, &case_id, json!({"decision": "escalate", "note": "Satire or glorification?"})).await;
    assert_eq!(escalated.status, 201, "{}", escalated.text);
    assert_eq!(case(&app, &reviewer, &case_id).await["review_state"], "escalated");
    let refused = decide(&app, &reviewer, &case_id, remove()).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.json()["type"], "urn:vigie:problem:needs-senior-reviewer");
    let claim = app.call(Method::POST, &format!("/v1/cases/{case_id}/claim"), Some(&reviewer), None).await;
    assert_eq!(claim.status, 409);
    let kept = decide(
        &app,
        &senior,
        &case_id,
        json!({"decision": "no_violation", "explanation": "Satire: the account mocks the group."}),
    )
    .await;
    assert_eq!(kept.status, 201, "{}", kept.text);
    assert_eq!(case(&app, &reviewer, &case_id).await["review_state"], "decided");
});

backend_test!(four_eyes_needs_a_second_senior_reviewer, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
    let other_senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
    let path = format!("/v1/organisations/{}/four-eyes", app.operator.id);
    let refused =
        app.call(Method::PUT, &path, Some(&reviewer), Some(json!({"four_eyes_kinds": ["removal_order"]}))).await;
    assert_eq!(refused.status, 403);
    let bad = app.call(Method::PUT, &path, Some(&admin), Some(json!({"four_eyes_kinds": ["orders"]}))).await;
    assert_eq!(fields(&bad), ["four_eyes_kinds[0]"]);
    let set = app.call(Method::PUT, &path, Some(&admin), Some(json!({"four_eyes_kinds": ["removal_order"]}))).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(
        app.call(Method::GET, &path, Some(&reviewer), None).await.json()["four_eyes_kinds"],
        json!(["removal_order"])
    );

    let order = case_of(&app, removal_order("OFAC-4", "https://video.example.net/watch?v=r4")).await;
    let plain = case_of(&app, report("https://forum.example.org/t/4")).await;
    // A report is decided by one reviewer; an order's decision waits.
    assert_eq!(decide(&app, &reviewer, &plain, remove()).await.json()["state"], "in_force");
    let pending = decide(&app, &senior, &order, remove()).await.json();
    assert_eq!(pending["state"], "pending");
    assert_eq!(case(&app, &reviewer, &order).await["review_state"], "awaiting_confirmation");
    let review = format!("/v1/decisions/{}/review", pending["id"].as_str().unwrap());
    // Not by its author, not by a plain reviewer; a rejection says why.
    let own = app.call(Method::POST, &review, Some(&senior), Some(json!({"confirm": true}))).await;
    assert_eq!(own.status, 409);
    assert_eq!(own.json()["type"], "urn:vigie:problem:four-eyes");
    assert_eq!(app.call(Method::POST, &review, Some(&reviewer), Some(json!({"confirm": true}))).await.status, 403);
    let silent = app.call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": false}))).await;
    assert_eq!(fields(&silent), ["note"]);
    let confirmed = app.call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": true}))).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.json()["state"], "in_force");
    assert_eq!(case(&app, &reviewer, &order).await["review_state"], "decided");
    let twice = app.call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": true}))).await;
    assert_eq!(twice.json()["type"], "urn:vigie:problem:not-pending");

    // A rejected decision sends the case back to review.
    let second_order = case_of(&app, removal_order("OFAC-5", "https://video.example.net/watch?v=r5")).await;
    let pending = decide(&app, &reviewer, &second_order, remove()).await.json();
    let review = format!("/v1/decisions/{}/review", pending["id"].as_str().unwrap());
    let rejected = app
        .call(
            Method::POST,
            &review,
            Some(&senior),
            Some(json!({"confirm": false, "note": "News report, not propaganda."})),
        )
        .await;
    assert_eq!(rejected.json()["state"], "rejected");
    assert_eq!(case(&app, &reviewer, &second_order).await["review_state"], "new");
});

backend_test!(asking_for_clarification_pauses_the_order, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let case_id = case_of(&app, removal_order("OFAC-6", "https://video.example.net/watch?v=r6")).await;
    let report_case = case_of(&app, report("https://forum.example.org/t/6")).await;
    let ask = json!({"decision": "request_clarification", "explanation": "The URL leads to a deleted page."});
    let refused = decide(&app, &reviewer, &report_case, ask.clone()).await;
    assert_eq!(fields(&refused), ["decision"], "only removal orders");
    let asked = decide(&app, &reviewer, &case_id, ask).await;
    assert_eq!(asked.status, 201, "{}", asked.text);
    let view = case(&app, &reviewer, &case_id).await;
    assert_eq!(view["review_state"], "clarification_requested");
    assert!(view["due_at"].is_null(), "the clock is paused");
    let submission = view["submissions"][0].clone();
    assert_eq!(submission["status"], "paused");
    assert_eq!(submission["clock"][0]["reason"], "clarification_requested");
    // The authority answers: the clock runs again and the case is back in the queue.
    let resumed = app
        .call(
            Method::POST,
            &format!("/v1/submissions/{}/resume", submission["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"explanation": "The authority sent the right URL."})),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    let view = case(&app, &reviewer, &case_id).await;
    assert_eq!(view["review_state"], "new");
    assert!(view["due_at"].is_string());
});

backend_test!(bulk_decisions_answer_case_by_case, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let other = app.token(app.operator.id, &[Role::Reviewer]).await;
    let cases: Vec<String> = [
        case_of(&app, report("https://forum.example.org/b/1")).await,
        case_of(&app, report("https://forum.example.org/b/2")).await,
        case_of(&app, report("https://forum.example.org/b/3")).await,
    ]
    .into();
    app.call(Method::POST, &format!("/v1/cases/{}/claim", cases[1]), Some(&other), None).await;
    let before = app.audit_length().await;
    let mut malformed = remove();
    malformed.as_object_mut().unwrap().remove("ground");
    let refused = app
        .call(
            Method::POST,
            "/v1/cases/decisions",
            Some(&reviewer),
            Some(json!({"cases": cases, "decision": malformed})),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(fields(&refused), ["decision.ground"]);
    assert_eq!(app.audit_length().await, before);
    let done = app
        .call(Method::POST, "/v1/cases/decisions", Some(&reviewer), Some(json!({"cases": cases, "decision": remove()})))
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let done = done.json();
    assert_eq!((done["recorded"].as_u64(), done["refused"].as_u64()), (Some(2), Some(1)));
    let statuses: Vec<u64> =
        done["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 409, 201]);
    assert_eq!(done["results"][1]["problem"]["type"], "urn:vigie:problem:case-claimed");
    let repeated = app
        .call(
            Method::POST,
            "/v1/cases/decisions",
            Some(&reviewer),
            Some(json!({"cases": [cases[0], cases[0]], "decision": remove()})),
        )
        .await;
    assert_eq!(fields(&repeated), ["cases[1]"]);
});

backend_test!(a_decision_adds_the_media_to_a_bank_and_copies_match_at_once, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let unit = app.organisation("Unit", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let bank = app
        .call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "removed-images", "signal_type": "pdq"})))
        .await;
    assert_eq!(bank.status, 201, "{}", bank.text);
    let image = picture(2, 0);
    let body = multipart(Some(&report("https://images.example.org/p/1")), &[("p.png", &image)]);
    let receipt = post_multipart(&app, "/v1/submissions", &sender, body).await;
    assert_eq!(receipt.status, 201, "{}", receipt.text);
    let case_id = receipt.json()["case_id"].as_str().unwrap().to_owned();
    drain_media(&app).await;
    let mut decision = remove();
    decision["add_to_bank"] = json!({"bank": "removed-images", "labels": ["content:attack_footage", "nonsense"]});
    assert_eq!(fields(&decide(&app, &reviewer, &case_id, decision.clone()).await), ["add_to_bank.labels[1]"]);
    decision["add_to_bank"]["labels"] = json!(["content:attack_footage"]);
    let decided = decide(&app, &reviewer, &case_id, decision).await;
    assert_eq!(decided.status, 201, "{}", decided.text);
    assert_eq!(decided.json()["add_to_bank"]["signals_added"], 1);
    // A re-upload elsewhere matches the new signal on arrival.
    let body = multipart(Some(&report("https://mirror.example.net/p/1")), &[("copy.png", &image)]);
    let copy = post_multipart(&app, "/v1/submissions", &sender, body).await.json();
    drain_media(&app).await;
    let copy_case = case(&app, &reviewer, copy["case_id"].as_str().unwrap()).await;
    let banks: Vec<&str> =
        copy_case["matches"].as_array().unwrap().iter().map(|m| m["bank"].as_str().unwrap()).collect();
    assert!(banks.contains(&"removed-images"), "{copy_case}");
    assert_eq!(copy_case["matches"][0]["labels"], json!(["content:attack_footage"]));
});

backend_test!(under_four_eyes_corrections_and_bank_additions_wait_for_confirmation, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
    let other_senior = app.token(app.operator.id, &[Role::SeniorReviewer]).await;
    let unit = app.organisation("Unit", "referral_unit").await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let path = format!("/v1/organisations/{}/four-eyes", app.operator.id);
    let set = app.call(Method::PUT, &path, Some(&admin), Some(json!({"four_eyes_kinds": ["user_report"]}))).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let bank = app
        .call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "confirmed-only", "signal_type": "pdq"})))
        .await;
    assert_eq!(bank.status, 201, "{}", bank.text);
    let bank_id = bank.json()["id"].as_str().unwrap().to_owned();
    let signals = || async {
        let reply = app.call(Method::GET, &format!("/v1/banks/{bank_id}/signals"), Some(&admin), None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["signals"].as_array().map_or(0, Vec::len)
    };
    let image = picture(3, 0);
    let body = multipart(Some(&report("https://images.example.org/p/4eyes")), &[("p.png", &image)]);
    let receipt = post_multipart(&app, "/v1/submissions", &sender, body).await;
    assert_eq!(receipt.status, 201, "{}", receipt.text);
    let case_id = receipt.json()["case_id"].as_str().unwrap().to_owned();
    drain_media(&app).await;

    // A pending removal adds nothing to the bank; its confirmation does.
    let mut decision = remove();
    decision["add_to_bank"] = json!({"bank": "confirmed-only", "labels": ["content:attack_footage"]});
    let pending = decide(&app, &senior, &case_id, decision).await;
    assert_eq!(pending.json()["state"], "pending", "{}", pending.text);
    assert_eq!(signals().await, 0, "nothing joins the bank before a second reviewer confirms");
    let review = format!("/v1/decisions/{}/review", pending.json()["id"].as_str().unwrap());
    let confirmed = app.call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": true}))).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.json()["add_to_bank"]["signals_added"], 1);
    assert_eq!(signals().await, 1);
    let original = confirmed.json()["id"].as_str().unwrap().to_owned();

    // A correction leaves the decision in force until it is confirmed; rejected, it changes
    // nothing: the case stays decided by the original.
    let mut correction = json!({"decision": "no_violation", "explanation": "A news report after all."});
    correction["replaces"] = json!(original);
    let corrected = decide(&app, &senior, &case_id, correction.clone()).await;
    assert_eq!(corrected.status, 201, "{}", corrected.text);
    assert_eq!(corrected.json()["state"], "pending");
    let view = case(&app, &senior, &case_id).await;
    let state_of = |view: &Value, id: &str| {
        view["decisions"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()["state"].clone()
    };
    assert_eq!(state_of(&view, &original), "in_force", "not replaced before confirmation: {view}");
    let review = format!("/v1/decisions/{}/review", corrected.json()["id"].as_str().unwrap());
    let rejected = app
        .call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": false, "note": "It is propaganda."})))
        .await;
    assert_eq!(rejected.json()["state"], "rejected", "{}", rejected.text);
    let view = case(&app, &senior, &case_id).await;
    assert_eq!(view["review_state"], "decided");
    assert_eq!(state_of(&view, &original), "in_force");
    assert!(!view["decided_at"].is_null(), "{view}");

    // Confirmed, the correction replaces it.
    let corrected = decide(&app, &senior, &case_id, correction).await;
    assert_eq!(corrected.status, 201, "{}", corrected.text);
    let review = format!("/v1/decisions/{}/review", corrected.json()["id"].as_str().unwrap());
    let confirmed = app.call(Method::POST, &review, Some(&other_senior), Some(json!({"confirm": true}))).await;
    assert_eq!(confirmed.json()["state"], "in_force", "{}", confirmed.text);
    assert_eq!(state_of(&case(&app, &senior, &case_id).await, &original), "replaced");
});

backend_test!(notes_and_the_dashboard, |app| async move {
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let auditor = app.token(app.operator.id, &[Role::Auditor]).await;
    let order = case_of(&app, removal_order("OFAC-8", "https://video.example.net/watch?v=r8")).await;
    let plain = case_of(&app, report("https://forum.example.org/t/8")).await;
    let note = app
        .call(
            Method::POST,
            &format!("/v1/cases/{plain}/notes"),
            Some(&reviewer),
            Some(json!({"body": "Same uploader as #12."})),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text);
    let empty =
        app.call(Method::POST, &format!("/v1/cases/{plain}/notes"), Some(&reviewer), Some(json!({"body": "  "}))).await;
    assert_eq!(fields(&empty), ["body"]);
    assert_eq!(case(&app, &reviewer, &plain).await["notes"][0]["body"], "Same uploader as #12.");
    let figures = app.call(Method::GET, "/v1/review/dashboard", Some(&auditor), None).await.json();
    assert_eq!((figures["open"].as_i64(), figures["today"]["decisions"].as_u64()), (Some(2), Some(0)));
    decide(&app, &reviewer, &order, remove()).await;
    let figures = app.call(Method::GET, "/v1/review/dashboard", Some(&auditor), None).await.json();
    assert_eq!(figures["open"], 1);
    assert_eq!(figures["today"]["decisions"], 1);
    assert!(figures["today"]["median_seconds"].as_i64().unwrap() >= 0);
    let orders = figures["per_kind"].as_array().unwrap().iter().find(|kind| kind["kind"] == "removal_order").unwrap();
    assert_eq!(orders["week"]["decisions"], 1);
    let referrer = app.token(app.operator.id, &[Role::Referrer]).await;
    assert_eq!(app.call(Method::GET, "/v1/review/dashboard", Some(&referrer), None).await.status, 403);
});

backend_test!(two_nodes_deciding_one_case_at_once_record_one_decision, |app| async move {
    let other_node = app.second_node().await;
    let first = app.token(app.operator.id, &[Role::Reviewer]).await;
    let second = app.token(app.operator.id, &[Role::Reviewer]).await;
    for round in 0..5 {
        let case_id = case_of(&app, report(&format!("https://forum.example.org/race/{round}"))).await;
        let (a, b) = tokio::join!(
            decide(&app, &first, &case_id, remove()),
            decide(&other_node, &second, &case_id, json!({"decision": "no_violation", "explanation": "Parody."})),
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "round {round}: {} / {}", a.text, b.text);
        let decisions = case(&app, &first, &case_id).await["decisions"].as_array().unwrap().len();
        assert_eq!(decisions, 1, "round {round}");
        // Claims race the same way.
        let case_id = case_of(&app, report(&format!("https://forum.example.org/claim-race/{round}"))).await;
        let path = format!("/v1/cases/{case_id}/claim");
        let (a, b) = tokio::join!(
            app.call(Method::POST, &path, Some(&first), None),
            other_node.call(Method::POST, &path, Some(&second), None),
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "claim round {round}");
    }
    assert!(app.store.verify_audit_chain().await.unwrap().first_break.is_none());
});
