//! Logging in and out.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use vigie_domain::access::Role;
use vigie_domain::validate::Email;
use vigie_store::NewSession;

use super::lang::Lang;
use super::texts::{Texts, texts};
use super::{ConsoleError, ConsoleSession, Nav, SESSION_COOKIE, form_value, render};
use crate::AppState;
use crate::auth::{self, secrets_match};
use crate::extract::ClientAddress;

/// The login form's own CSRF token, before any session exists (double-submit cookie).
const LOGIN_CSRF_COOKIE: &str = "vigie_login_csrf";

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    email: String,
    error: Option<String>,
}

fn cookie(state: &AppState, name: &'static str, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .build()
}

fn login_page(state: &AppState, t: Texts, jar: CookieJar, email: String, error: Option<String>) -> Response {
    let csrf = auth::random_hex(32);
    let jar = jar.add(cookie(state, LOGIN_CSRF_COOKIE, csrf.clone(), time::Duration::hours(1)));
    let status = if error.is_some() { axum::http::StatusCode::UNAUTHORIZED } else { axum::http::StatusCode::OK };
    (status, jar, render(&LoginPage { nav: None, t, csrf, email, error })).into_response()
}

pub(super) async fn form(
    State(state): State<AppState>,
    session: Option<ConsoleSession>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    if session.is_some() {
        return Redirect::to("/console").into_response();
    }
    let t = texts(Lang::choose(query.as_deref(), &headers));
    login_page(&state, t, jar, String::new(), None)
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    jar: CookieJar,
    body: String,
) -> Result<Response, ConsoleError> {
    let t = texts(Lang::choose(query.as_deref(), &headers));
    let presented_csrf = form_value(&body, "csrf");
    let expected_csrf = jar.get(LOGIN_CSRF_COOKIE).map(|cookie| cookie.value().to_owned()).unwrap_or_default();
    if expected_csrf.is_empty() || !secrets_match(&presented_csrf, &expected_csrf) {
        return Err(ConsoleError::Csrf);
    }
    let email_text = form_value(&body, "email");
    let password = form_value(&body, "password");
    let email = Email::parse(&email_text).ok();
    if !state.login_limiter.allow(address, email.as_ref()) {
        let mut response = login_page(&state, t, jar, email_text, Some(t.msg("login-too-many")));
        *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(response);
    }
    let failed = t.msg("login-failed");
    let credentials = match &email {
        Some(email) => state.store.find_credentials(email).await?,
        None => None,
    };
    let (user, phc) = match credentials {
        Some(credentials) if credentials.user.disabled_at.is_none() => {
            let phc = credentials.password_hash.clone().unwrap_or_else(|| auth::decoy_hash().to_owned());
            (Some(credentials.user), phc)
        }
        _ => (None, auth::decoy_hash().to_owned()),
    };
    // Verify even for unknown accounts, so timing does not reveal which emails exist.
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .map_err(|error| crate::error::ApiError::Internal(anyhow::anyhow!("password check failed: {error}")))?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("console login failed");
        return Ok(login_page(&state, t, jar, email_text, Some(failed)));
    };
    let secret = auth::random_hex(32);
    let session = NewSession {
        secret_hash: auth::session_hash(&secret),
        user_id: user.id,
        csrf_token: auth::random_hex(32),
        expires_at: state.store.now() + state.settings.session_lifetime,
    };
    state.store.insert_session(&session, user.organisation_id).await?;
    let lifetime = time::Duration::seconds(state.settings.session_lifetime.num_seconds());
    let jar =
        jar.remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/")).add(cookie(&state, SESSION_COOKIE, secret, lifetime));
    // Reviewers live in the queue: they land there.
    let reviews = [Role::Reviewer, Role::SeniorReviewer].into_iter().any(|role| user.roles.contains(role));
    let landing = if reviews { "/console/queue" } else { "/console" };
    Ok((jar, Redirect::to(landing)).into_response())
}

pub(super) async fn logout(
    State(state): State<AppState>,
    session: ConsoleSession,
    jar: CookieJar,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    state.store.delete_session(&session.session).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/console/login")).into_response())
}
