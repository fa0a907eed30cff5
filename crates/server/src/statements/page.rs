//! The public page of a statement of reasons, at its decision's unguessable link: no login, in
//! English or French (`?lang=`, else the browser's language), never cached, never indexed, and
//! sending no referrer (the link is the key).

use std::sync::Arc;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use tower_http::set_header::SetResponseHeaderLayer;
use vigie_domain::access::Actor;
use vigie_domain::complaints::{ComplaintChannel, ComplaintStatus};
use vigie_domain::review::DecisionState;
use vigie_store::DecisionRecord;

use super::StatementView;
use crate::AppState;
use crate::console::lang::Lang;
use crate::console::report::ReportLimiter;
use crate::console::texts::{Texts, texts};
use crate::console::{CONTENT_SECURITY_POLICY, render};

/// The double-submit cookie of the complaint form.
const CSRF_COOKIE: &str = "vigie_statement_csrf";
/// Complaints through statement links per client address per hour.
const COMPLAINTS_PER_HOUR: u32 = 10;

/// `/statements/{token}` and its complaint form.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/statements/{token}", get(show))
        .route("/statements/{token}/complaint", post(complain))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(Extension(Arc::new(ReportLimiter::new(COMPLAINTS_PER_HOUR))))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        ))
}

/// One labelled line of the statement.
struct Fact {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "public/statement.html")]
struct StatementPage {
    t: Texts,
    lang: &'static str,
    other_lang: &'static str,
    token: String,
    /// Nothing to show: the token names no statement (404), or the authority's non-disclosure
    /// period runs.
    notice: Option<(String, String)>,
    intro: String,
    replaced: bool,
    facts: Vec<Fact>,
    explanation: Option<String>,
    orders: Vec<Vec<Fact>>,
    cross_border: bool,
    redress: Vec<String>,
    /// Complaints about the decision, as the uploader sees them.
    complaints: Vec<Fact>,
    /// The complaint form is shown: the decision is in force, nothing is open, the window runs.
    can_complain: bool,
    csrf: String,
    /// Why the complaint just sent was not taken.
    error: Option<String>,
    reasons: String,
}

fn csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, value))
        .path("/statements")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(12))
        .build()
}

fn cookie_token(jar: &CookieJar) -> Option<String> {
    jar.get(CSRF_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// The decision a token names, if it is well formed and names one.
async fn decision_of(state: &AppState, token: &str) -> Result<Option<DecisionRecord>, Response> {
    // Tokens are 64 hex digits; anything else names nothing, without asking the database.
    if token.len() != 64 || !token.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Ok(None);
    }
    state
        .store
        .find_decision_by_statement_token(token)
        .await
        .map_err(|error| crate::error::ApiError::from(error).into_response())
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = Lang::choose(query.as_deref(), &headers);
    let csrf = cookie_token(&jar).unwrap_or_else(|| crate::auth::random_hex(32));
    let jar = jar.add(csrf_cookie(&state, csrf.clone()));
    let response = statement_page(&state, lang, &token, csrf, None, String::new()).await;
    (jar, response).into_response()
}

/// The page for `token`, with the complaint form's error and text when it was refused.
async fn statement_page(
    state: &AppState,
    lang: Lang,
    token: &str,
    csrf: String,
    error: Option<String>,
    reasons: String,
) -> Response {
    let t = texts(lang);
    let mut page = StatementPage {
        t,
        lang: lang.code(),
        other_lang: lang.other().code(),
        token: token.to_owned(),
        notice: None,
        intro: String::new(),
        replaced: false,
        facts: Vec::new(),
        explanation: None,
        orders: Vec::new(),
        cross_border: false,
        redress: Vec::new(),
        complaints: Vec::new(),
        can_complain: false,
        csrf,
        error,
        reasons,
    };
    let decision = match decision_of(state, token).await {
        Ok(Some(decision)) => decision,
        Ok(None) => {
            page.notice = Some((t.msg("statement-missing-title"), t.msg("statement-missing")));
            return (StatusCode::NOT_FOUND, render(&page)).into_response();
        }
        Err(response) => return response,
    };
    let statement = match super::statement(state, &decision).await {
        Ok(Some(statement)) => statement,
        Ok(None) => {
            page.notice = Some((t.msg("statement-missing-title"), t.msg("statement-missing")));
            return (StatusCode::NOT_FOUND, render(&page)).into_response();
        }
        Err(error) => return error.into_response(),
    };
    if statement.withheld_until.is_some() {
        page.notice = Some((t.msg("statement-withheld-title"), t.msg("statement-withheld")));
        return render(&page);
    }
    let complaints = match state.store.list_decision_complaints(decision.id).await {
        Ok(complaints) => complaints,
        Err(error) => return crate::error::ApiError::from(error).into_response(),
    };
    page.replaced = decision.state == DecisionState::Replaced;
    page.can_complain = decision.state == DecisionState::InForce
        && complaints.iter().all(|complaint| complaint.status != ComplaintStatus::Open)
        && state.store.now() <= statement.complaint_until;
    for complaint in complaints {
        let received = complaint.received_at.format("%Y-%m-%d %H:%M UTC").to_string();
        let value = match complaint.status {
            ComplaintStatus::Open => t.msg1("statement-complaint-open", "due", complaint.due_at.format("%Y-%m-%d")),
            ComplaintStatus::Upheld => {
                format!("{} {}", t.msg("statement-complaint-upheld"), complaint.outcome_reasons.unwrap_or_default())
            }
            ComplaintStatus::Reversed => {
                format!("{} {}", t.msg("statement-complaint-reversed"), complaint.outcome_reasons.unwrap_or_default())
            }
        };
        page.complaints.push(Fact { label: t.msg1("statement-complaint-of", "date", received), value });
    }
    fill(&mut page, &statement, t);
    render(&page)
}

/// `POST /statements/{token}/complaint`: the uploader contests the decision. Checks the CSRF
/// double-submit cookie and the rate limit per address, then files the complaint (as the
/// public) and shows the page again with it, or with why it was not taken.
async fn complain(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<ReportLimiter>>,
    crate::extract::ClientAddress(address): crate::extract::ClientAddress,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: String,
) -> Response {
    let jar = CookieJar::from_headers(&headers);
    let lang = Lang::choose(query.as_deref(), &headers);
    let t = texts(lang);
    let sent = crate::console::form_value(&body, "csrf");
    let reasons = crate::console::form_value(&body, "reasons");
    let Some(expected) = cookie_token(&jar) else {
        let csrf = crate::auth::random_hex(32);
        let jar = jar.add(csrf_cookie(&state, csrf.clone()));
        let page =
            statement_page(&state, lang, &token, csrf, Some(t.msg("statement-complaint-expired")), reasons).await;
        return (jar, (StatusCode::FORBIDDEN, page)).into_response();
    };
    if !crate::auth::secrets_match(&sent, &expected) {
        let page =
            statement_page(&state, lang, &token, expected, Some(t.msg("statement-complaint-expired")), reasons).await;
        return (StatusCode::FORBIDDEN, page).into_response();
    }
    if limiter.check(address).is_err() {
        let page =
            statement_page(&state, lang, &token, expected, Some(t.msg("statement-complaint-too-many")), reasons).await;
        return (StatusCode::TOO_MANY_REQUESTS, page).into_response();
    }
    let decision = match decision_of(&state, &token).await {
        Ok(Some(decision)) => decision,
        Ok(None) => return statement_page(&state, lang, &token, expected, None, String::new()).await,
        Err(response) => return response,
    };
    match crate::complaints::file(&state, &decision, ComplaintChannel::StatementLink, Some(&reasons), Actor::Public)
        .await
    {
        Ok(_) => Redirect::to(&format!("/statements/{token}?lang={}#complaints", lang.code())).into_response(),
        Err(error) => {
            let message = match &error {
                crate::error::ApiError::Validation(issues) => issues
                    .issues
                    .iter()
                    .map(|issue| match issue.field.as_str() {
                        "reasons" => t.msg("statement-complaint-reasons-required"),
                        _ => t.msg("statement-complaint-closed"),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                crate::error::ApiError::Conflict { .. } => t.msg("statement-complaint-closed"),
                _ => return error.into_response(),
            };
            let page = statement_page(&state, lang, &token, expected, Some(message), reasons).await;
            (StatusCode::BAD_REQUEST, page).into_response()
        }
    }
}

fn yes_no(t: Texts, value: bool) -> String {
    t.msg(if value { "statement-yes" } else { "statement-no" })
}

fn fill(page: &mut StatementPage, statement: &StatementView, t: Texts) {
    page.intro = t.msg1("statement-intro", "platform", &statement.platform);
    let restriction = match statement.restriction.as_str() {
        "restrict" => t.msg1("statement-restriction-restrict", "countries", statement.territorial_scope.join(", ")),
        "label" => match statement.label.as_deref() {
            Some("age_gate") => t.msg("statement-restriction-age-gate"),
            _ => t.msg("statement-restriction-warning"),
        },
        _ => t.msg("statement-restriction-remove"),
    };
    let scope = if statement.territorial_scope.is_empty() {
        t.msg("statement-scope-everywhere")
    } else {
        statement.territorial_scope.join(", ")
    };
    let prompted: Vec<String> = if statement.prompted_by.is_empty() {
        vec![t.msg("statement-prompted-own_initiative")]
    } else {
        statement.prompted_by.iter().map(|kind| t.msg(&format!("statement-prompted-{kind}"))).collect()
    };
    let ground = match &statement.ground {
        None => t.msg("statement-ground-none"),
        Some(ground) if ground.ground_type == "illegal" => t.msg2(
            "statement-ground-illegal",
            "law",
            ground.law.as_deref().unwrap_or_default(),
            "article",
            ground.article.as_deref().unwrap_or_default(),
        ),
        Some(ground) => t.msg1("statement-ground-terms", "clause", ground.clause.as_deref().unwrap_or_default()),
    };
    page.facts = vec![
        Fact { label: t.msg("statement-restriction-label"), value: restriction },
        Fact { label: t.msg("statement-scope-label"), value: scope },
        Fact {
            label: t.msg("statement-duration-label"),
            value: t.msg(if statement.in_force { "statement-duration-indefinite" } else { "statement-duration-ended" }),
        },
        Fact {
            label: t.msg("statement-decided-label"),
            value: statement.decided_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        },
        Fact { label: t.msg("statement-prompted-label"), value: prompted.join(&t.msg("statement-list-separator")) },
        Fact { label: t.msg("statement-facts-label"), value: statement.facts.clone() },
        Fact { label: t.msg("statement-automated-detection-label"), value: yes_no(t, statement.automated_detection) },
        Fact { label: t.msg("statement-automated-decision-label"), value: yes_no(t, statement.automated_decision) },
        Fact { label: t.msg("statement-ground-label"), value: ground },
    ];
    page.explanation = statement.ground.as_ref().map(|ground| ground.explanation.clone());
    for order in &statement.removal_orders {
        page.cross_border |= order.cross_border;
        page.orders.push(vec![
            Fact {
                label: t.msg("statement-order-authority"),
                value: format!("{} ({})", order.issuing_authority, order.member_state),
            },
            Fact { label: t.msg("statement-order-reference"), value: order.reference.clone() },
            Fact {
                label: t.msg("statement-order-issued"),
                value: order
                    .issued_at
                    .as_deref()
                    .map(|text| {
                        chrono::DateTime::parse_from_rfc3339(text)
                            .map(|at| at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string())
                            .unwrap_or_else(|_| text.to_owned())
                    })
                    .unwrap_or_default(),
            },
            Fact { label: t.msg("statement-order-grounds"), value: order.grounds.join(", ") },
            Fact { label: t.msg("statement-order-reasons"), value: order.statement_of_reasons.clone() },
            Fact { label: t.msg("statement-order-redress"), value: order.redress.clone() },
        ]);
    }
    let until = statement.complaint_until.format("%Y-%m-%d").to_string();
    page.redress = Vec::new();
    // A decision no longer in force has nothing left to contest with the platform.
    if statement.in_force {
        page.redress.push(t.msg2("statement-redress-complaint", "platform", &statement.platform, "until", until));
    }
    page.redress.push(t.msg("statement-redress-out-of-court"));
    page.redress.push(t.msg("statement-redress-court"));
    if !statement.removal_orders.is_empty() {
        page.redress.push(t.msg("statement-redress-order-court"));
    }
}
