//! What a reviewer's browser may not do: open admin pages, or post a form without its CSRF token.

use vigie_domain::access::Role;

use crate::harness::{PASSWORD, browser_test};

browser_test!(a_reviewer_cannot_open_admin_pages, |scenario| async move {
    let server = &scenario.server;
    let platform = server.organisation("Forum Libre", "platform").await;
    let alice = server.person(platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let browser = scenario.browser("en").await;
    browser.log_in(&alice.email, PASSWORD).await;
    assert!(!browser.has("header nav a[href='/console/audit']").await, "no audit link for a reviewer");

    browser.goto("/console/audit").await;
    assert_eq!(browser.status().await, 403, "the audit trail is for auditors and admins");
    browser.screenshot("audit-forbidden").await;

    // Their own organisation's page: no members, no form to add one.
    browser.goto(&format!("/console/organisations/{}", platform.id)).await;
    assert_eq!(browser.status().await, 200);
    assert!(!browser.has("form[action$='/users']").await, "no user form for a reviewer");
    assert!(!browser.has("a[href^='/console/users/']").await, "no user management links");
    browser.screenshot("own-organisation-read-only").await;
    let csrf = browser.csrf().await;

    // Admin pages reached by address, and an admin form posted anyway with a valid token.
    browser.goto(&format!("/console/users/{}/disable", alice.id)).await;
    assert_eq!(browser.status().await, 403, "disabling users is an admin page");
    let users_before = server.store.list_users(Some(platform.id)).await.unwrap().len();
    browser
        .post_form(
            &format!("/console/organisations/{}/users", platform.id),
            &[("csrf", &csrf), ("email", "mallory@forum.example"), ("roles", "admin")],
        )
        .await;
    assert_eq!(browser.status().await, 403);
    browser.screenshot("add-user-forbidden").await;
    assert_eq!(server.store.list_users(Some(platform.id)).await.unwrap().len(), users_before, "no user created");
    let organisations_before = server.store.list_organisations().await.unwrap().len();
    browser
        .post_form("/console/organisations", &[("csrf", &csrf), ("name", "Shadow"), ("kind", "ngo"), ("country", "FR")])
        .await;
    assert_eq!(browser.status().await, 403);
    assert_eq!(server.store.list_organisations().await.unwrap().len(), organisations_before);
});

browser_test!(a_form_without_its_csrf_token_is_refused, |scenario| async move {
    let server = &scenario.server;
    let platform = server.organisation("Forum Libre", "platform").await;
    let alice = server.person(platform.id, "alice@forum.example", "Alice Martin", &[Role::Reviewer]).await;
    let browser = scenario.browser("en").await;

    // The login form, its token taken out of the page.
    browser.goto("/console/login").await;
    browser
        .script("document.querySelector('form[action^=\"/console/login\"] input[name=csrf]').remove();", vec![])
        .await;
    browser.type_into("input[name=email]", &alice.email).await;
    browser.type_into("input[name=password]", PASSWORD).await;
    browser.mark_page().await;
    browser.click("form[action^='/console/login'] button[type=submit]").await;
    browser.wait_for_new_page().await;
    assert_eq!(browser.status().await, 403, "a login without its token is refused");
    browser.screenshot("login-without-token").await;
    browser.goto("/console").await;
    assert_eq!(browser.path().await, "/console/login", "and no session was opened");

    // Logged in, the logout form with a wrong token: refused, the session stays.
    browser.log_in(&alice.email, PASSWORD).await;
    browser
        .script(
            "document.querySelector('form[action^=\"/console/logout\"] input[name=csrf]').value = '0'.repeat(64);",
            vec![],
        )
        .await;
    browser.mark_page().await;
    browser.click("form[action^='/console/logout'] button[type=submit]").await;
    browser.wait_for_new_page().await;
    assert_eq!(browser.status().await, 403);
    browser.goto("/console").await;
    assert_eq!(browser.path().await, "/console", "still logged in");
});
