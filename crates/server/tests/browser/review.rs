//! The review console as reviewers use it: the queue in deadline order, keyboard claims,
//! protected media, decisions with their grounds, two reviewers on one case, escalation, four
//! eyes, and the team dashboard.

use axum::http::{Method, StatusCode};
use image::ImageEncoder;
use serde_json::{Value, json};
use vigie_domain::access::Role;
use vigie_domain::organisation::Organisation;

use crate::harness::{Browser, ENTER, ESCAPE, PASSWORD, Scenario, Server, browser_test};

/// A platform whose reviewers work the queue, a referral unit sending it content, and a
/// read-only token to check what the pages claim.
struct World {
    platform: Organisation,
    sender: String,
    reader: String,
}

impl World {
    async fn seed(server: &Server) -> Self {
        let platform = server.organisation("Forum Libre", "platform").await;
        let unit = server.organisation("PHAROS", "referral_unit").await;
        let sender = server.token(unit.id, &[Role::Referrer]).await;
        let reader = server.token(platform.id, &[Role::Auditor]).await;
        Self { platform, sender, reader }
    }

    fn platform_id(&self) -> String {
        self.platform.id.to_string()
    }

    fn removal_order(&self, reference: &str, url: &str) -> Value {
        json!({"kind": "removal_order", "platform": self.platform_id(), "issuing_authority": "OFAC",
            "member_state": "FR", "reference": reference, "issued_at": "2026-12-01T08:00:00Z", "urls": [url],
            "grounds": ["a", "c"], "statement_of_reasons": "Video glorifying the attack and calling others to join.",
            "cross_border": false, "non_disclosure_until": null,
            "redress": "Tribunal administratif de Paris, within 48 hours"})
    }

    fn referral(&self, url: &str) -> Value {
        json!({"kind": "referral", "platform": self.platform_id(), "urls": [url],
            "explanation": "Recruitment post.", "deconfliction": "cleared"})
    }

    fn notice(&self, url: &str) -> Value {
        json!({"kind": "notice", "platform": self.platform_id(), "urls": [url],
            "explanation": "Calls for attacks (art. 421-2-5 code pénal).", "notifier_name": "Ana Example",
            "notifier_email": "ana@example.org", "good_faith": true})
    }

    fn user_report(&self, url: &str) -> Value {
        json!({"kind": "user_report", "platform": self.platform_id(), "category": "propaganda", "url": url,
            "seen_where": "forum"})
    }

    /// The case as the API shows it.
    async fn case(&self, server: &Server, case: &str) -> Value {
        let (status, view) = server.api(Method::GET, &format!("/v1/cases/{case}"), &self.reader, None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }
}

/// A synthetic 192x128 PNG in saturated colours with sharp edges: red, green and blue bands
/// crossed by a checkerboard, so that a greyscale or blurred rendition is told from it.
fn colourful_picture() -> Vec<u8> {
    let (width, height) = (192_u32, 128_u32);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let band = [[230, 30, 30], [30, 200, 40], [40, 60, 230]][(x / 64) as usize];
            let dark = ((x / 8) + (y / 8)) % 2 == 0;
            pixels.extend(band.map(|value: u32| if dark { value / 4 } else { value } as u8));
        }
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

/// What an `<img>` shows, drawn at 96x96: the largest gap between a pixel's channels (0 for
/// grey) and the mean luminance step between neighbours (lower when blurred). `None` when the
/// picture did not load.
async fn pixels(browser: &Browser, css: &str) -> Option<(u64, f64)> {
    browser
        .wait_until(
            "the picture has loaded or failed",
            &format!("const image = document.querySelector({css:?}); return image.complete;"),
        )
        .await;
    let measured = browser
        .script(
            "const image = document.querySelector(arguments[0]);
             if (!image.naturalWidth) return null;
             const size = 96;
             const canvas = document.createElement('canvas');
             canvas.width = size; canvas.height = size;
             const context = canvas.getContext('2d');
             context.drawImage(image, 0, 0, size, size);
             const data = context.getImageData(0, 0, size, size).data;
             let spread = 0, steps = 0, count = 0;
             const luma = (i) => 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
             for (let y = 0; y < size; y++) {
               for (let x = 0; x < size; x++) {
                 const i = (y * size + x) * 4;
                 spread = Math.max(spread, Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]));
                 if (x + 1 < size) { steps += Math.abs(luma(i) - luma(i + 4)); count++; }
               }
             }
             return [spread, steps / count];",
            vec![json!(css)],
        )
        .await;
    let measured = measured.as_array()?;
    Some((measured[0].as_u64().unwrap(), measured[1].as_f64().unwrap()))
}

/// How many entries of the case page's history name `name`.
async fn history_mentions(browser: &Browser, name: &str) -> usize {
    browser.find("#history").await;
    let entries =
        browser.script("return [...document.querySelectorAll('#history li')].map(li => li.textContent);", vec![]).await;
    entries.as_array().unwrap().iter().filter(|entry| entry.as_str().unwrap().contains(name)).count()
}

/// Log in, see the queue in deadline order, move with j/k, open with Enter, claim with c,
/// reveal with r, decide `remove` with a ground (after a refused try), see the case leave the
/// queue with its history, then the help dialog and the team dashboard; in `lang`.
async fn work_a_case_with_the_keyboard(scenario: &Scenario, lang: &str) {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let alice = server.person(world.platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    // Sent in an order unlike their deadlines: 72 h, 24 h, 48 h, 1 h.
    let report = server
        .submit_with_picture(
            &world.sender,
            world.user_report("https://forum.example.org/t/picture"),
            &colourful_picture(),
        )
        .await;
    let referral = server.submit(&world.sender, world.referral("https://forum.example.org/t/recruit")).await;
    let notice = server.submit(&world.sender, world.notice("https://forum.example.org/t/call")).await;
    let order = server.submit(&world.sender, world.removal_order("OFAC-1", "https://forum.example.org/v/1")).await;

    let browser = scenario.browser(lang).await;
    browser.log_in(&alice.email, PASSWORD).await;
    browser.goto("/console/queue").await;
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some(lang));
    assert_eq!(browser.attrs("#queue-rows tr.case", "data-id").await, [order.as_str(), &referral, &notice, &report]);
    let dues = browser.attrs("#queue-rows tr.case .due .countdown", "data-due").await;
    assert_eq!(dues.len(), 4, "every case shows its deadline");
    assert!(dues.windows(2).all(|pair| pair[0] <= pair[1]), "earliest deadline first: {dues:?}");
    browser.screenshot(&format!("queue-{lang}")).await;

    // The cursor starts on the first row; j and k move it, Enter opens the case under it.
    assert_eq!(browser.attr("#queue-rows tr.current", "data-id").await.as_ref(), Some(&order));
    for key in ['j', 'j', 'j', 'k', 'j'] {
        browser.press(key).await;
    }
    assert_eq!(browser.attr("#queue-rows tr.current", "data-id").await.as_ref(), Some(&report));
    browser.press_and_load(ENTER).await;
    assert_eq!(browser.path().await, format!("/console/cases/{report}"));

    // c claims it.
    assert!(browser.has("#claim-form").await);
    browser.press_and_load('c').await;
    assert!(browser.has("#case[data-mine]").await, "claimed by Alice: {}", browser.path().await);
    assert!(browser.has("#release").await);
    let alice_in_history = history_mentions(&browser, &alice.name).await;
    assert!(alice_in_history >= 1, "the claim is in the history");

    // The picture is protected until r reveals it.
    let picture = "figure.media img";
    let class = browser.attr(picture, "class").await.unwrap_or_default();
    assert!(class.split(' ').any(|name| name == "protected"), "protected at first: {class}");
    let protected_src = browser.attr(picture, "src").await.unwrap();
    let clear_src = browser.attr(picture, "data-clear").await.unwrap();
    assert_ne!(protected_src, clear_src);
    let protected_pixels = pixels(&browser, picture).await;
    browser.screenshot(&format!("case-before-reveal-{lang}")).await;
    browser.press('r').await;
    browser
        .wait_until(
            "the picture is revealed",
            "return document.querySelector('figure.media img').classList.contains('revealed');",
        )
        .await;
    assert_eq!(browser.attr(picture, "src").await.unwrap(), clear_src, "the clear rendition once revealed");
    assert!(!browser.attr(picture, "class").await.unwrap_or_default().contains("protected"));
    assert_eq!(browser.attr("figure.media button.reveal", "aria-pressed").await.as_deref(), Some("true"));
    let clear_pixels = pixels(&browser, picture).await;
    let (grey_spread, blurred_steps) = protected_pixels.expect("the protected rendition is served");
    let (colour_spread, sharp_steps) = clear_pixels.expect("the clear rendition is served");
    assert!(grey_spread <= 8, "the protected picture is greyscale (channel spread {grey_spread})");
    assert!(colour_spread >= 100, "the revealed picture has its colours (channel spread {colour_spread})");
    assert!(
        blurred_steps < sharp_steps * 0.6,
        "the protected picture is blurred: mean step {blurred_steps:.1} against {sharp_steps:.1} revealed"
    );
    browser.screenshot(&format!("case-revealed-{lang}")).await;

    // d chooses `remove` and puts the cursor in the first empty field of its ground; recorded
    // at once (Ctrl+Enter) it is refused, naming the fields, with the choice kept.
    // k (keep with counter-speech) starts with what keeping needs, its ground being optional;
    // Escape leaves the field for the next key.
    browser.press('k').await;
    assert_eq!(browser.script("return document.activeElement.name;", vec![]).await, "counter_speech");
    browser.press(ESCAPE).await;
    browser.press('d').await;
    assert_eq!(browser.find("#decision-kind").await.prop("value").await.unwrap().as_deref(), Some("remove"));
    let focused = browser.script("return document.activeElement.name;", vec![]).await;
    assert_eq!(focused, "clause", "a report's ground is the platform's terms, its clause comes first");
    browser.mark_page().await;
    browser.press_with_control(ENTER).await;
    browser.wait_for_new_page().await;
    assert_eq!(browser.status().await, 400);
    // The field by its label on the form (Clause of the terms, Clause des conditions).
    let errors = browser.text("#errors").await;
    assert!(errors.contains("Clause") && !errors.contains("ground.clause"), "{errors}");
    // The cursor is back in the first field at fault, marked for assistive technology.
    assert_eq!(browser.script("return document.activeElement.name;", vec![]).await, "clause");
    assert_eq!(browser.attr("#decide input[name=clause]", "aria-invalid").await.as_deref(), Some("true"));
    assert_eq!(browser.find("#decision-kind").await.prop("value").await.unwrap().as_deref(), Some("remove"));
    browser.screenshot(&format!("decision-error-{lang}")).await;

    browser.type_into("#decide input[name=clause]", "Community rules §4.2 (terrorist content)").await;
    browser
        .type_into("#decide textarea[name=ground_explanation]", "The picture glorifies an attack and its authors.")
        .await;
    browser.mark_page().await;
    browser.press_with_control(ENTER).await;
    browser.wait_for_new_page().await;
    assert_eq!(browser.status().await, 200);
    assert!(browser.path().await.ends_with("done=decided"), "{}", browser.path().await);
    assert!(browser.has("#decisions article.decision[data-state=in_force]").await);
    assert!(!browser.has("#decide").await, "a decided case offers no decision form");
    assert!(!browser.has("#case .countdown").await, "nor a running clock, on the case or its submissions");
    assert_eq!(history_mentions(&browser, &alice.name).await, alice_in_history + 1, "the decision is in the history");
    browser.screenshot(&format!("decided-with-history-{lang}")).await;
    let view = world.case(server, &report).await;
    assert_eq!(view["review_state"], "decided");
    assert_eq!(view["decisions"][0]["decision"], "remove");
    assert_eq!(view["decisions"][0]["ground"]["clause"], "Community rules §4.2 (terrorist content)");

    // It left the queue.
    browser.goto("/console/queue").await;
    assert_eq!(browser.attrs("#queue-rows tr.case", "data-id").await, [order.as_str(), &referral, &notice]);

    // ? shows the keys; Escape closes them.
    browser.press('?').await;
    browser.wait_until("the help dialog opens", "return document.getElementById('shortcuts').open;").await;
    browser.screenshot(&format!("help-{lang}")).await;
    browser.press(ESCAPE).await;
    browser.wait_until("the help dialog closes", "return !document.getElementById('shortcuts').open;").await;

    // The team's figures count the open cases and today's decision.
    browser.goto("/console/team").await;
    assert_eq!(browser.status().await, 200);
    let figures = browser
        .script(
            "return [...document.querySelectorAll('.figures .figure .value')].map(value => value.textContent.trim());",
            vec![],
        )
        .await;
    assert_eq!(
        figures,
        json!(["3", "0", "0", "0", "1", "1", "0", "0", "0"]),
        "open, overdue, escalated, awaiting, decided today; actions not confirmed (the removal), not delivered, \
         complaints open, overdue"
    );
    assert!(browser.has("#team-times").await);
    browser.screenshot(&format!("team-{lang}")).await;
}

browser_test!(a_reviewer_works_a_case_with_the_keyboard, |scenario| work_a_case_with_the_keyboard(scenario, "en"));

browser_test!(a_reviewer_works_a_case_with_the_keyboard_in_french, |scenario| work_a_case_with_the_keyboard(
    scenario, "fr"
));

browser_test!(a_second_reviewer_cannot_claim_or_decide_a_held_case, |scenario| async move {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let alice = server.person(world.platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let bruno = server.person(world.platform.id, "bruno@forum.example", "Bruno Keller", &[Role::Reviewer]).await;
    let case = server.submit(&world.sender, world.referral("https://forum.example.org/t/held")).await;
    let case_path = format!("/console/cases/{case}");
    let first = scenario.browser("en").await;
    let second = scenario.browser("en").await;
    first.log_in(&alice.email, PASSWORD).await;
    second.log_in(&bruno.email, PASSWORD).await;

    // Bruno opens the case; Alice claims it meanwhile.
    second.goto(&case_path).await;
    assert!(second.has("#claim-form").await && second.has("#decide").await);
    first.goto(&case_path).await;
    first.press_and_load('c').await;
    assert!(first.has("#release").await);

    // From his page, opened before the claim, Bruno's decision is refused.
    second.press('d').await;
    second.type_into("#decide input[name=clause]", "Community rules §4.2").await;
    second.type_into("#decide textarea[name=ground_explanation]", "Recruitment for a terrorist group.").await;
    second.mark_page().await;
    second.press_with_control(ENTER).await;
    second.wait_for_new_page().await;
    assert_eq!(second.status().await, 409);
    assert!(second.has("#errors").await);
    assert!(second.text("#claim-status").await.contains(&alice.name), "the page names who holds the case");
    assert!(second.has("#cannot-decide").await && !second.has("#decide").await);
    assert!(
        second.text("#unrecorded").await.contains("Recruitment for a terrorist group."),
        "what Bruno wrote is shown back: {}",
        second.text("#unrecorded").await
    );
    second.screenshot("decision-refused-case-held").await;

    // His fresh page offers no claim, and c does nothing.
    second.goto(&case_path).await;
    assert!(!second.has("#claim-form").await);
    second.mark_page().await;
    second.press('c').await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(second.script("return window.vigieTestOldPage === true;", vec![]).await, true, "c did not post");
    // A claim posted anyway, as a page opened earlier would, is refused.
    let csrf = second.csrf().await;
    second.post_form(&format!("{case_path}/claim"), &[("csrf", &csrf)]).await;
    assert_eq!(second.status().await, 409);
    second.screenshot("claim-refused-case-held").await;

    // Alice decides; Bruno's late decision is refused too.
    first.goto(&case_path).await;
    first.press('v').await;
    assert_eq!(first.script("return document.activeElement.name;", vec![]).await, "explanation");
    first.type_into("#decide textarea[name=explanation]", "A news report quoting the post.").await;
    first.mark_page().await;
    first.press_with_control(ENTER).await;
    first.wait_for_new_page().await;
    assert!(first.path().await.ends_with("done=decided"), "{}", first.path().await);
    second
        .post_form(
            &format!("{case_path}/decide"),
            &[
                ("csrf", &csrf),
                ("decision", "remove"),
                ("ground_type", "terms"),
                ("clause", "§4.2"),
                ("ground_explanation", "Recruitment."),
            ],
        )
        .await;
    assert_eq!(second.status().await, 409);
    let view = world.case(server, &case).await;
    assert_eq!(view["review_state"], "decided");
    let decisions = view["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0]["decision"], "no_violation");
    assert_eq!(decisions[0]["decided_by"]["id"], alice.id.to_string());
});

browser_test!(an_escalated_case_waits_for_a_senior_reviewer, |scenario| async move {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let alice = server.person(world.platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let chloe = server.person(world.platform.id, "chloe@forum.example", "Chloé Dubois", &[Role::SeniorReviewer]).await;
    let case = server.submit(&world.sender, world.referral("https://forum.example.org/t/satire")).await;
    let case_path = format!("/console/cases/{case}");

    let reviewer = scenario.browser("en").await;
    reviewer.log_in(&alice.email, PASSWORD).await;
    reviewer.goto(&case_path).await;
    reviewer.press_and_load('c').await;
    reviewer.press('e').await;
    assert_eq!(reviewer.find("#decision-kind").await.prop("value").await.unwrap().as_deref(), Some("escalate"));
    assert_eq!(reviewer.script("return document.activeElement.name;", vec![]).await, "note", "escalating needs a note");
    reviewer
        .type_into("#decide textarea[name=note]", "Satire or glorification? A senior reviewer should decide.")
        .await;
    reviewer.mark_page().await;
    reviewer.press_with_control(ENTER).await;
    reviewer.wait_for_new_page().await;
    assert!(reviewer.has("#review-state.state-escalated").await, "{}", reviewer.path().await);
    assert!(
        reviewer.has("#cannot-decide").await && !reviewer.has("#claim-form").await && !reviewer.has("#decide").await
    );
    reviewer.screenshot("escalated-reviewer-view").await;
    let csrf = reviewer.csrf().await;
    reviewer.post_form(&format!("{case_path}/claim"), &[("csrf", &csrf)]).await;
    assert_eq!(reviewer.status().await, 409, "a reviewer cannot take an escalated case");
    assert_eq!(world.case(server, &case).await["review_state"], "escalated");

    // The senior reviewer finds it among the escalated cases and decides it.
    let senior = scenario.browser("en").await;
    senior.log_in(&chloe.email, PASSWORD).await;
    senior.goto("/console/queue?state=escalated").await;
    assert_eq!(senior.attrs("#queue-rows tr.case", "data-id").await, [case.as_str()]);
    senior.press_and_load(ENTER).await;
    assert_eq!(senior.path().await, case_path);
    // The question comes first, and a second escalation is not offered.
    assert!(
        senior.text("#escalation").await.contains("Satire or glorification?"),
        "{}",
        senior.text("#escalation").await
    );
    senior.screenshot("escalated-senior-view").await;
    senior.press_and_load('c').await;
    assert!(senior.has("#release").await);
    assert!(!senior.has("#decision-kind option[value=escalate]").await, "no second escalation");
    senior.press('v').await;
    senior.type_into("#decide textarea[name=explanation]", "Satire: the account mocks the group.").await;
    senior.mark_page().await;
    senior.press_with_control(ENTER).await;
    senior.wait_for_new_page().await;
    assert!(senior.path().await.ends_with("done=decided"), "{}", senior.path().await);
    assert_eq!(senior.attrs("#decisions article.decision", "data-state").await.len(), 2, "escalation, then decision");
    senior.screenshot("escalated-decided-by-senior").await;
    let view = world.case(server, &case).await;
    assert_eq!(view["review_state"], "decided");
    assert_eq!(view["decisions"][1]["decided_by"]["id"], chloe.id.to_string());
});

browser_test!(four_eyes_the_author_cannot_confirm_their_own_decision, |scenario| async move {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let admin = server.token(world.platform.id, &[Role::Admin]).await;
    let (status, body) = server
        .api(
            Method::PUT,
            &format!("/v1/organisations/{}/four-eyes", world.platform.id),
            &admin,
            Some(json!({"four_eyes_kinds": ["removal_order"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chloe = server.person(world.platform.id, "chloe@forum.example", "Chloé Dubois", &[Role::SeniorReviewer]).await;
    let david = server.person(world.platform.id, "david@forum.example", "David Roux", &[Role::SeniorReviewer]).await;
    let case = server.submit(&world.sender, world.removal_order("OFAC-9", "https://forum.example.org/v/9")).await;
    let case_path = format!("/console/cases/{case}");

    // Chloé removes the content: the order's ground is filled in, so d leads to the button.
    let author = scenario.browser("en").await;
    author.log_in(&chloe.email, PASSWORD).await;
    author.goto(&case_path).await;
    author.press_and_load('c').await;
    author.press('d').await;
    assert_eq!(author.script("return document.activeElement.id;", vec![]).await, "record-decision");
    author.mark_page().await;
    author.press_with_control(ENTER).await;
    author.wait_for_new_page().await;
    assert!(author.has("#review-state.state-awaiting_confirmation").await, "{}", author.path().await);
    assert!(author.has("#decisions article.decision[data-state=pending]").await);
    assert!(!author.has("form.review-decision").await, "no confirmation form for its author");
    author.screenshot("awaiting-confirmation-author-view").await;
    let decision = author.attr("#decisions article.decision", "id").await.unwrap();
    let decision = decision.trim_start_matches("decision-").to_owned();

    // Confirming it anyway is refused.
    let csrf = author.csrf().await;
    author
        .post_form(
            &format!("/console/decisions/{decision}/review"),
            &[("csrf", &csrf), ("confirm", "1"), ("review_note", "Looks right to me.")],
        )
        .await;
    assert_eq!(author.status().await, 409);
    assert!(author.has("#errors").await);
    author.screenshot("own-confirmation-refused").await;
    assert_eq!(world.case(server, &case).await["decisions"][0]["state"], "pending");

    // Another senior reviewer confirms it.
    let second = scenario.browser("en").await;
    second.log_in(&david.email, PASSWORD).await;
    second.goto(&case_path).await;
    second.type_into("form.review-decision textarea[name=review_note]", "Checked against the order.").await;
    second.mark_page().await;
    second.click("form.review-decision button[name=confirm][value='1']").await;
    second.wait_for_new_page().await;
    assert!(second.has("#decisions article.decision[data-state=in_force]").await, "{}", second.path().await);
    assert!(second.has("#review-state.state-decided").await);
    assert!(!second.has("#case .countdown").await, "the order's hour no longer runs once decided");
    second.screenshot("confirmed-by-second-senior").await;
    let view = world.case(server, &case).await;
    assert_eq!(view["review_state"], "decided");
    assert_eq!(view["decisions"][0]["state"], "in_force");
});

browser_test!(a_claim_without_its_csrf_token_is_refused, |scenario| async move {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let alice = server.person(world.platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let case = server.submit(&world.sender, world.referral("https://forum.example.org/t/forged")).await;
    let browser = scenario.browser("en").await;
    browser.log_in(&alice.email, PASSWORD).await;
    browser.goto(&format!("/console/cases/{case}")).await;
    browser.script("document.querySelector('#claim-form input[name=csrf]').remove();", vec![]).await;
    browser.press_and_load('c').await;
    assert_eq!(browser.status().await, 403);
    browser.screenshot("claim-without-token").await;
    assert!(world.case(server, &case).await["claim"].is_null(), "nothing claimed");
});

/// Removed content is preserved (TCO Art. 6): the case page keeps its legal record and hides
/// the content until the reviewer states why they open it; the opening is in the page's log.
async fn open_preserved_content(scenario: &Scenario, lang: &str) {
    let server = &scenario.server;
    let world = World::seed(server).await;
    let alice = server.person(world.platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let decider = server.token(world.platform.id, &[Role::Reviewer]).await;
    let url = "https://forum.example.org/v/preserved";
    let case =
        server.submit_with_picture(&world.sender, world.removal_order("OFAC-9", url), &colourful_picture()).await;
    let (status, decision) = server
        .api(
            Method::POST,
            &format!("/v1/cases/{case}/decisions"),
            &decider,
            Some(json!({"decision": "remove", "ground": {"type": "illegal", "law": "Regulation (EU) 2021/784",
                "article": "Art. 2(7)(a)", "explanation": "Glorification of an attack."}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{decision}");
    let (_, actions) = server.api(Method::GET, "/v1/actions?status=pending", &decider, None).await;
    let action = actions["actions"][0]["id"].as_str().unwrap().to_owned();
    let (status, confirmed) = server
        .api(
            Method::POST,
            &format!("/v1/actions/{action}/confirm"),
            &decider,
            Some(json!({"outcome": "executed", "executed_at": chrono::Utc::now() - chrono::TimeDelta::minutes(2)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");

    let browser = scenario.browser(lang).await;
    browser.log_in(&alice.email, PASSWORD).await;
    browser.goto(&format!("/console/cases/{case}")).await;
    assert!(browser.has("#preservation #preservation-open").await, "the section offers to open the content");
    assert!(!browser.has("figure.media").await, "no media before the content is opened");
    assert!(!browser.text(".submission").await.contains(url), "nor the address");
    assert!(browser.text(".submission").await.contains("OFAC-9"), "the order's reference stays readable");
    browser.screenshot(&format!("preserved-closed-{lang}")).await;

    browser.script("document.querySelector('select[name=access_purpose]').value = 'complaint';", vec![]).await;
    browser.type_into("textarea[name=access_reason]", "Complaint from the uploader, ticket 4711.").await;
    browser.mark_page().await;
    browser.click("#preservation-open button[type=submit]").await;
    browser.wait_for_new_page().await;
    assert!(browser.path().await.ends_with("done=preservation-opened"), "{}", browser.path().await);
    assert!(browser.has("figure.media").await, "the media once opened");
    assert!(browser.text(".submission").await.contains(url));
    assert!(!browser.has("#preservation-open").await, "open already: no form");
    let log = browser.text("#preservation table.accesses").await;
    assert!(log.contains(&alice.name) && log.contains("ticket 4711"), "{log}");
    browser.screenshot(&format!("preserved-open-{lang}")).await;
    let view = world.case(server, &case).await;
    assert_eq!(view["preservation"]["accesses"][0]["reason"], "Complaint from the uploader, ticket 4711.");
}

browser_test!(removed_content_opens_with_a_stated_purpose, |scenario| open_preserved_content(scenario, "en"));

browser_test!(removed_content_opens_with_a_stated_purpose_in_french, |scenario| open_preserved_content(scenario, "fr"));
