//! The public page of a statement of reasons, at its decision's unguessable link: no login, in
//! English or French (`?lang=`, else the browser's language), never cached, never indexed, and
//! sending no referrer (the link is the key).

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use super::StatementView;
use crate::AppState;
use crate::console::lang::Lang;
use crate::console::texts::{Texts, texts};
use crate::console::{CONTENT_SECURITY_POLICY, render};

/// `/statements/{token}`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/statements/{token}", get(show))
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
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(query.as_deref(), &headers);
    let t = texts(lang);
    let mut page = StatementPage {
        t,
        lang: lang.code(),
        other_lang: lang.other().code(),
        token: token.clone(),
        notice: None,
        intro: String::new(),
        replaced: false,
        facts: Vec::new(),
        explanation: None,
        orders: Vec::new(),
        cross_border: false,
        redress: Vec::new(),
    };
    // Tokens are 64 hex digits; anything else names nothing, without asking the database.
    let found = if token.len() == 64 && token.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        match state.store.find_decision_by_statement_token(&token).await {
            Ok(found) => found,
            Err(error) => return crate::error::ApiError::from(error).into_response(),
        }
    } else {
        None
    };
    let Some(decision) = found else {
        page.notice = Some((t.msg("statement-missing-title"), t.msg("statement-missing")));
        return (StatusCode::NOT_FOUND, render(&page)).into_response();
    };
    let statement = match super::statement(&state, &decision).await {
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
    page.replaced = decision.state == vigie_domain::review::DecisionState::Replaced;
    fill(&mut page, &statement, t);
    render(&page)
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
        Fact { label: t.msg("statement-duration-label"), value: t.msg("statement-duration-indefinite") },
        Fact {
            label: t.msg("statement-decided-label"),
            value: statement.decided_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        },
        Fact { label: t.msg("statement-prompted-label"), value: prompted.join("; ") },
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
            Fact { label: t.msg("statement-order-issued"), value: order.issued_at.clone().unwrap_or_default() },
            Fact { label: t.msg("statement-order-grounds"), value: order.grounds.join(", ") },
            Fact { label: t.msg("statement-order-reasons"), value: order.statement_of_reasons.clone() },
            Fact { label: t.msg("statement-order-redress"), value: order.redress.clone() },
        ]);
    }
    let until = statement.complaint_until.format("%Y-%m-%d").to_string();
    page.redress = vec![
        t.msg2("statement-redress-complaint", "platform", &statement.platform, "until", until),
        t.msg("statement-redress-out-of-court"),
        t.msg("statement-redress-court"),
    ];
    if !statement.removal_orders.is_empty() {
        page.redress.push(t.msg("statement-redress-order-court"));
    }
}
