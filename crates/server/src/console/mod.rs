//! The console: server-rendered HTML pages (askama), session cookies, CSRF-checked forms.
//!
//! Every page and form handler takes a [`ConsoleSession`] (which redirects to the login page
//! when there is none) and every POST handler calls [`ConsoleSession::check_csrf`] first.

mod audit;
mod audit_view;
mod banks;
pub(crate) mod lang;
mod login;
mod media;
mod organisations;
mod password;
mod preferences;
mod preservation;
pub(crate) mod report;
pub(crate) mod review;
pub(crate) mod texts;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use tower_http::set_header::SetResponseHeaderLayer;
use vigie_domain::access::{Actor, Permission, Principal};
use vigie_domain::validate::FieldIssue;
use vigie_store::SessionView;

use self::lang::Lang;
use self::texts::Texts;
use crate::AppState;
use crate::auth::{secrets_match, session_hash};
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "vigie_session";

pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
                                       img-src 'self' data:; media-src 'self'; form-action 'self'; \
                                       frame-ancestors 'none'; base-uri 'none'";

/// The `/console` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(organisations::dashboard))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/organisations", get(organisations::list).post(organisations::create))
        .route("/organisations/{id}", get(organisations::show))
        .route("/organisations/{id}/users", post(organisations::create_user))
        .route("/organisations/{id}/tokens", post(organisations::create_token))
        .route("/users/{id}/{action}", get(organisations::confirm_user_state).post(organisations::set_user_state))
        .route("/tokens/{id}/revoke", get(organisations::confirm_revoke).post(organisations::revoke_token))
        .route("/password", get(password::form).post(password::submit))
        .route("/preferences", get(preferences::form).post(preferences::submit))
        .route("/banks", get(banks::list).post(banks::create))
        .route("/banks/{id}", get(banks::show).post(banks::update))
        .route("/banks/{id}/disable", get(banks::confirm_disable).post(banks::disable))
        .route("/banks/{id}/enable", post(banks::enable))
        .route("/banks/{id}/import", post(banks::import))
        .route("/signals/{id}/disable", get(banks::confirm_disable_signal).post(banks::disable_signal))
        .route("/signals/{id}/enable", post(banks::enable_signal))
        .route("/audit", get(audit::page))
        .route("/audit/checkpoints", post(audit::sign_checkpoint))
        .route("/audit/checkpoint.txt", get(audit::download_checkpoint))
        .route("/queue", get(review::queue))
        .route("/queue/rows", get(review::queue_rows_fragment))
        .route("/queue/decide", post(review::decide_bulk))
        .route("/next", post(review::next))
        .route("/cases/{id}", get(review::case))
        .route("/cases/{id}/claim", post(review::claim))
        .route("/cases/{id}/release", post(review::release))
        .route("/cases/{id}/decide", post(review::decide))
        .route("/cases/{id}/notes", post(review::add_note))
        .route("/decisions/{id}/review", post(review::review_decision))
        .route("/complaints/{id}/decision", post(review::answer_complaint))
        .route("/cases/{id}/preservation/access", post(preservation::open))
        .route("/cases/{id}/preservation/extensions", post(preservation::extend))
        .route("/team", get(review::team))
        .route("/static/vigie.css", get(stylesheet))
        .route("/static/review.js", get(review::script))
        // Error pages are rendered without the request at hand: they read its language and the
        // signed-in person's header here.
        .layer(axum::middleware::from_fn(remember_error_page_nav))
        .layer(axum::middleware::from_fn(lang::remember_page_lang))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        // Pages show secrets once (new passwords, tokens) and private data: never cache them.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // After the layers above, which apply to the routes before them: media responses carry
        // their own policy (sandboxed), and the play page allows the console's own videos.
        .merge(media::router())
}

async fn stylesheet() -> Response {
    let mut response = include_str!("../../static/vigie.css").into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// What the page header needs about the logged-in user.
pub struct Nav {
    display_name: String,
    organisation_name: String,
    csrf: String,
    can_read_audit: bool,
    /// Reviewers, senior reviewers, admins and auditors see the queue and the team's figures.
    can_review: bool,
    /// Any role lets one see banks (one's own, and others' opened to matching).
    can_see_banks: bool,
    t: Texts,
}

/// Path parameters of a console page: an address whose id does not parse names no page, and
/// gets the "not found" page (axum's own rejection is a bare line of text).
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(|path| Self(path.0))
            .map_err(|_| ConsoleError::Api(ApiError::NotFound))
    }
}

/// A logged-in console user.
pub struct ConsoleSession {
    /// The session and its user.
    pub session: SessionView,
    /// The user as a principal, for permission checks.
    pub principal: Principal,
    /// Name of the user's organisation, for the header.
    pub organisation_name: String,
    /// The language of this request's page (`?lang=`, else the browser's).
    pub lang: Lang,
}

impl ConsoleSession {
    /// The page header data.
    pub fn nav(&self) -> Option<Nav> {
        Some(Nav {
            display_name: self.session.user.display_name.clone(),
            organisation_name: self.organisation_name.clone(),
            csrf: self.session.csrf_token.clone(),
            can_read_audit: self.principal.may(Permission::ReadAudit(Some(self.principal.organisation_id))),
            can_review: self.principal.may(Permission::ReadCases(self.principal.organisation_id)),
            can_see_banks: self.principal.may(Permission::Match),
            t: self.texts(),
        })
    }

    /// The console's texts in this page's language.
    pub fn texts(&self) -> Texts {
        texts::texts(self.lang)
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, presented: &str) -> Result<(), ConsoleError> {
        if secrets_match(presented, &self.session.csrf_token) { Ok(()) } else { Err(ConsoleError::Csrf) }
    }

    /// Fails with a 403 page unless the user holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ConsoleError> {
        if self.principal.may(permission) { Ok(()) } else { Err(ConsoleError::Api(ApiError::Forbidden)) }
    }
}

async fn load_session(parts: &mut Parts, state: &AppState) -> Result<Option<ConsoleSession>, ConsoleError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.store.find_session(&session_hash(cookie.value())).await.map_err(ApiError::from)? else {
        return Ok(None);
    };
    let organisation = state.store.get_organisation(session.user.organisation_id).await.map_err(ApiError::from)?;
    let principal = Principal {
        actor: Actor::User(session.user.id),
        organisation_id: session.user.organisation_id,
        organisation_is_operator: session.organisation_is_operator,
        roles: session.user.roles,
    };
    let lang = Lang::choose(parts.uri.query(), &parts.headers);
    let session = ConsoleSession { session, principal, organisation_name: organisation.name, lang };
    // Outside the console's routers (none today) there is no room for it, and nothing to keep.
    let _ = ERROR_PAGE_NAV.try_with(|nav| *nav.borrow_mut() = session.nav());
    Ok(Some(session))
}

impl FromRequestParts<AppState> for ConsoleSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match load_session(parts, state).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(Redirect::to("/console/login").into_response()),
            Err(error) => Err(error.into_response()),
        }
    }
}

impl OptionalFromRequestParts<AppState> for ConsoleSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        load_session(parts, state).await.map_err(IntoResponse::into_response)
    }
}

/// Renders a template, or a 500 page if rendering fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            ConsoleError::Api(ApiError::Internal(anyhow::anyhow!("template failed: {error}"))).into_response()
        }
    }
}

tokio::task_local! {
    /// The header of the page being answered, once its session is known, so that an error page
    /// keeps the navigation (an error is a detour, not a dead end).
    static ERROR_PAGE_NAV: std::cell::RefCell<Option<Nav>>;
}

/// Middleware: room for the page header an error page shows (see [`ERROR_PAGE_NAV`]).
pub(crate) async fn remember_error_page_nav(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    ERROR_PAGE_NAV.scope(std::cell::RefCell::new(None), next.run(request)).await
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    t: Texts,
    title: String,
    detail: String,
}

/// A failure shown as an HTML page.
#[derive(Debug)]
pub enum ConsoleError {
    /// The form's CSRF token did not match.
    Csrf,
    /// Anything the API would report, shown as a page.
    Api(ApiError),
}

impl From<ApiError> for ConsoleError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<vigie_store::StoreError> for ConsoleError {
    fn from(error: vigie_store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl From<crate::app::AppError> for ConsoleError {
    fn from(error: crate::app::AppError) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let t = texts::texts(lang::page_lang());
        let (status, title, detail, internal) = match self {
            Self::Csrf => (StatusCode::FORBIDDEN, t.msg("error-csrf-title"), t.msg("error-csrf-detail"), None),
            Self::Api(error) => {
                let problem = error.problem();
                let internal = error.logged_cause().map(|cause| format!("{cause:#}"));
                let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                // What the person sent is refused with the domain's own words (field and rule);
                // the server's side of things is said in the page's language.
                let (title, detail) = match error {
                    ApiError::Validation(_) | ApiError::MalformedBody { .. } | ApiError::UnsupportedMediaType(_) => {
                        (t.msg("error-invalid-title"), problem.detail)
                    }
                    ApiError::Conflict { .. } | ApiError::IdempotencyKeyReused => {
                        (t.msg("error-conflict-title"), conflict_text(t, &error))
                    }
                    ApiError::PayloadTooLarge => (t.msg("error-too-large-title"), t.msg("error-too-large-detail")),
                    ApiError::Unauthenticated(_) => (t.msg("error-login-title"), t.msg("error-login-detail")),
                    ApiError::Forbidden => (t.msg("error-forbidden-title"), t.msg("error-forbidden-detail")),
                    ApiError::NotFound => (t.msg("error-missing-title"), t.msg("error-missing-detail")),
                    ApiError::TooManyRequests => (t.msg("error-too-many-title"), t.msg("error-too-many-detail")),
                    ApiError::Unavailable(_) => (t.msg("error-unavailable-title"), t.msg("error-unavailable-detail")),
                    ApiError::MediaViewUnavailable { slug, .. } => {
                        let detail =
                            if slug == "media-tool-missing" { "media-play-no-ffmpeg" } else { "media-play-pending" };
                        (t.msg("media-error-unavailable-title"), t.msg(detail))
                    }
                    ApiError::MediaNotViewable(_) => (t.msg("media-error-not-viewable-title"), problem.detail),
                    ApiError::PreservedContent => {
                        (t.msg("preservation-closed-title"), t.msg("preservation-closed-detail"))
                    }
                    ApiError::PurgedContent => {
                        (t.msg("preservation-purged-title"), t.msg("preservation-purged-detail"))
                    }
                    ApiError::Internal(_) => (t.msg("error-internal-title"), t.msg("error-internal-detail")),
                };
                (status, title, detail, internal)
            }
        };
        let nav = ERROR_PAGE_NAV.try_with(|nav| nav.borrow_mut().take()).ok().flatten();
        let page = ErrorPage { nav, t, title, detail };
        let mut response = (status, render(&page)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::error::RETRY_UNAVAILABLE_SECONDS),
            );
        }
        if let Some(cause) = internal {
            response.extensions_mut().insert(crate::error::InternalErrorLogged(std::sync::Arc::new(cause)));
        }
        response
    }
}

/// What a conflict means, in the page's language when the console has words for its slug
/// (`conflict-<slug>` in the locale files), else the API's own detail.
pub fn conflict_text(t: Texts, error: &ApiError) -> String {
    let problem = error.problem();
    match error {
        ApiError::Conflict { slug, .. } => t.find(&format!("conflict-{slug}")).unwrap_or(problem.detail),
        _ => problem.detail,
    }
}

#[derive(Template)]
#[template(path = "console/not_found.html")]
struct NotFoundPage {
    nav: Option<Nav>,
    t: Texts,
    back_href: &'static str,
    back_label: String,
}

/// Answers any unknown path: a problem body for the API (paths under `/v1`, or a client that
/// asks for JSON rather than HTML), otherwise a page in the console's look and the reader's
/// language, with a way back.
pub async fn not_found(
    session: Option<ConsoleSession>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let path = uri.path();
    let accept = headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let wants_json = accept.contains("json") && !accept.contains("text/html");
    if path == "/v1" || path.starts_with("/v1/") || wants_json {
        return crate::api::not_found().await.into_response();
    }
    let t = texts::texts(Lang::choose(uri.query(), &headers));
    let (back_href, back_label) = if path == "/report" || path.starts_with("/report/") {
        ("/report", t.msg("back-to-report-form"))
    } else {
        ("/console", t.msg("back-to-console"))
    };
    let mut response = (
        StatusCode::NOT_FOUND,
        render(&NotFoundPage { nav: session.and_then(|session| session.nav()), t, back_href, back_label }),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::VARY, HeaderValue::from_static("accept, accept-language"));
    response
}

/// Form fields that may be repeated (`roles=a&roles=b`) or absent, which plain
/// `application/x-www-form-urlencoded` deserialisation into a `Vec` does not handle.
pub fn form_values(body: &str, name: &str) -> Vec<String> {
    form_urlencoded_pairs(body).filter(|(key, _)| key == name).map(|(_, value)| value).collect()
}

/// The first value of a form field, or empty.
pub fn form_value(body: &str, name: &str) -> String {
    form_values(body, name).into_iter().next().unwrap_or_default()
}

fn form_urlencoded_pairs(body: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(body.as_bytes()).map(|(key, value)| (key.into_owned(), value.into_owned()))
}

/// Issues shown above a form.
pub type FormErrors = Vec<FieldIssue>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_form_fields() {
        let body = "csrf=abc&roles=admin&roles=viewer&name=Forum+Libre+%28demo%29";
        assert_eq!(form_values(body, "roles"), ["admin", "viewer"]);
        assert_eq!(form_value(body, "name"), "Forum Libre (demo)");
        assert_eq!(form_value(body, "missing"), "");
    }
}
