//! "Change my password": the logged-in user replaces their own password after proving they
//! know the current one.
//!
//! The current-password check counts against the same per-address and per-account limits as
//! logging in, so a session left open on a shared machine cannot be used to guess the password
//! faster than the login form allows. The change ends the user's other sessions and keeps this
//! one; it is one audit event (`user.change_password`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vigie_domain::user::MIN_PASSWORD_CHARS;

use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, Nav, form_value, render};
use crate::AppState;
use crate::app::hash_password;
use crate::auth;
use crate::error::ApiError;
use crate::extract::ClientAddress;

#[derive(Template)]
#[template(path = "console/password.html")]
struct PasswordPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    rules: String,
    min_length: usize,
    /// Messages, in the page's language; the typed passwords are never shown again.
    errors: Vec<String>,
    changed: bool,
}

fn page(session: &ConsoleSession, status: StatusCode, errors: Vec<String>, changed: bool) -> Response {
    let t = session.texts();
    let page = PasswordPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        rules: t.msg1("password-rules", "min", MIN_PASSWORD_CHARS),
        min_length: MIN_PASSWORD_CHARS,
        errors,
        changed,
    };
    (status, render(&page)).into_response()
}

pub(super) async fn form(session: ConsoleSession) -> Response {
    page(&session, StatusCode::OK, Vec::new(), false)
}

/// What is wrong with the new password as typed twice, before the current one is checked.
fn new_password_issues(t: Texts, new: &str, again: &str) -> Vec<String> {
    let mut issues = Vec::new();
    let length = new.chars().count();
    if length < MIN_PASSWORD_CHARS {
        issues.push(t.msg1("password-too-short", "min", MIN_PASSWORD_CHARS));
    } else if vigie_domain::user::check_password(new).is_err() {
        issues.push(t.msg("password-too-long"));
    }
    if new != again {
        issues.push(t.msg("password-mismatch"));
    }
    issues
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let t = session.texts();
    let current = form_value(&body, "current_password");
    let new = form_value(&body, "new_password");
    let again = form_value(&body, "new_password_again");
    let mut issues = new_password_issues(t, &new, &again);
    if !issues.is_empty() {
        return Ok(page(&session, StatusCode::BAD_REQUEST, issues, false));
    }
    let user = &session.session.user;
    if !state.login_limiter.allow(address, Some(&user.email)) {
        return Ok(page(&session, StatusCode::TOO_MANY_REQUESTS, vec![t.msg("password-too-many")], false));
    }
    let credentials = state.store.find_credentials(&user.email).await?;
    let phc =
        credentials.and_then(|credentials| credentials.password_hash).unwrap_or_else(|| auth::decoy_hash().to_owned());
    let presented = current.clone();
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&presented, &phc))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("password check failed: {error}")))?;
    if !verified {
        tracing::info!("console password change refused: wrong current password");
        return Ok(page(&session, StatusCode::BAD_REQUEST, vec![t.msg("password-wrong")], false));
    }
    if new == current {
        issues.push(t.msg("password-same"));
        return Ok(page(&session, StatusCode::BAD_REQUEST, issues, false));
    }
    let hash = hash_password(new).await?;
    state.store.change_own_password(&session.session, &hash).await?;
    Ok(page(&session, StatusCode::OK, Vec::new(), true))
}
