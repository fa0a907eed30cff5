//! The public report form at `/report`: anyone, without an account, reports terrorist content
//! in English or French. A report becomes a `user_report` submission through the intake use
//! case, like one sent through the API.
//!
//! The form is protected like the login form (a double-submit CSRF cookie, since there is no
//! session), limited per client address (`IntakeSettings::public_reports_per_hour`), and never
//! echoes what was typed in its messages: field errors name the field and the rule, and the
//! form is shown again with the values escaped by askama. Logs carry the submission id only.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::set_header::SetResponseHeaderLayer;
use vigie_domain::access::Actor;
use vigie_domain::validate::FieldIssue;

use super::lang::Lang;
use super::texts::{Texts, texts};
use super::{CONTENT_SECURITY_POLICY, form_value, render};
use crate::AppState;
use crate::auth::{random_hex, secrets_match};
use crate::error::ApiError;
use crate::extract::ClientAddress;
use crate::intake::media::{ReceiveError, StoredFile};
use crate::intake::wire::{SubmissionRequest, UserReportRequest};
use crate::intake::{self, Sender, SubmitError};

/// The form's CSRF token (double-submit cookie: there is no session).
const CSRF_COOKIE: &str = "vigie_report_csrf";
/// Longest a text field of the form may be, in bytes, before it is refused unread.
const TEXT_FIELD_LIMIT: usize = 16 * 1024;
/// Room for the text fields and multipart framing on top of the largest file.
const FORM_SLACK: usize = 1024 * 1024;

/// The `/report` routes, mounted at the top level (not under `/console`).
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let limiter = Arc::new(ReportLimiter::new(state.intake.settings.public_reports_per_hour));
    let body_limit =
        usize::try_from(state.intake.settings.max_media_bytes).unwrap_or(usize::MAX).saturating_add(FORM_SLACK);
    Router::new()
        .route("/report", get(form).post(submit))
        .route("/report/report.css", get(stylesheet))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(Extension(limiter))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        // A re-rendered form holds what the person typed: never cache it.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

async fn stylesheet() -> Response {
    let mut response = include_str!("../../templates/public/report.css").into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// Reports per client address per hour, counted per [`crate::auth::rate_limit_key`].
pub(crate) struct ReportLimiter {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl ReportLimiter {
    pub(crate) fn new(per_hour: u32) -> Self {
        let per_hour = NonZeroU32::new(per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        Self { per_address: RateLimiter::keyed(Quota::per_hour(per_hour)) }
    }

    /// Counts one report; when over the limit, how long until the next is allowed.
    pub(crate) fn check(&self, address: IpAddr) -> Result<(), Duration> {
        let result = self.per_address.check_key(&crate::auth::rate_limit_key(address));
        self.per_address.retain_recent();
        result.map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// What the person typed, kept to show the form again.
#[derive(Clone, Debug, Default)]
struct FormValues {
    csrf: String,
    category: String,
    url: String,
    seen_where: String,
    seen_at: String,
    /// The time zone `seen_at` was given in: `paris` (or empty) or a whole-hour offset (`+04:00`).
    seen_zone: String,
    comment: String,
    contact_name: String,
    contact_email: String,
}

impl FormValues {
    fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "csrf" => &mut self.csrf,
            "category" => &mut self.category,
            "url" => &mut self.url,
            "seen_where" => &mut self.seen_where,
            "seen_at" => &mut self.seen_at,
            "seen_zone" => &mut self.seen_zone,
            "comment" => &mut self.comment,
            "contact_name" => &mut self.contact_name,
            "contact_email" => &mut self.contact_email,
            _ => return,
        };
        *slot = value;
    }

    /// The submission, with the form's conveniences applied: an address without a scheme is
    /// taken as `https://`, and a `datetime-local` value is read in the chosen time zone (Paris
    /// time unless another is chosen) and converted to UTC. The page runs no script (its content
    /// security policy allows none), so the browser's own offset is not available.
    fn request(&self, lang: Lang) -> UserReportRequest {
        let present = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
        let url = present(&self.url).map(|url| {
            let url = url.trim().to_owned();
            if url.contains("://") { url } else { format!("https://{url}") }
        });
        let seen_at = present(&self.seen_at).map(|text| {
            let text = text.trim();
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
                .iter()
                .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
                .map_or_else(
                    || text.to_owned(),
                    |local| {
                        let offset_seconds = zone_offset_seconds(&self.seen_zone, local);
                        (local.and_utc() - chrono::Duration::seconds(offset_seconds))
                            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    },
                )
        });
        // Line breaks are kept: the comment is free text over several lines.
        let comment = present(&self.comment);
        UserReportRequest {
            category: present(&self.category),
            url,
            seen_at,
            seen_where: present(&self.seen_where),
            comment,
            contact_name: present(&self.contact_name),
            contact_email: present(&self.contact_email),
            language: Some(lang.code().to_owned()),
            platform: None,
        }
    }
}

/// The UTC offset, in seconds, of `local` in `zone`: a whole-hour offset such as `+04:00` or
/// `-10:00`, or (anything else, the default) metropolitan France: UTC+2 from the last Sunday
/// of March at 02:00 to the last Sunday of October at 03:00 (the EU rule since 1996), UTC+1
/// otherwise. The hour repeated in October is read as summer time.
fn zone_offset_seconds(zone: &str, local: chrono::NaiveDateTime) -> i64 {
    if let Some(hours) = parse_whole_hour_offset(zone) {
        return i64::from(hours) * 3600;
    }
    use chrono::{Datelike, NaiveDate};
    let last_sunday = |month: u32| {
        let first_of_next = NaiveDate::from_ymd_opt(local.year(), month + 1, 1);
        first_of_next.and_then(|first| {
            let last = first.pred_opt()?;
            let back = last.weekday().num_days_from_sunday();
            last.checked_sub_days(chrono::Days::new(u64::from(back)))
        })
    };
    let summer_starts = last_sunday(3).and_then(|day| day.and_hms_opt(2, 0, 0));
    let summer_ends = last_sunday(10).and_then(|day| day.and_hms_opt(3, 0, 0));
    match (summer_starts, summer_ends) {
        (Some(starts), Some(ends)) if local >= starts && local < ends => 7200,
        _ => 3600,
    }
}

/// `+04:00`, `-10:00`, `+00:00`: whole hours from UTC−12 to UTC+14.
fn parse_whole_hour_offset(zone: &str) -> Option<i32> {
    let (sign, rest) = match zone.trim().as_bytes().first()? {
        b'+' => (1, &zone.trim()[1..]),
        b'-' => (-1, &zone.trim()[1..]),
        _ => return None,
    };
    let hours: i32 = rest.strip_suffix(":00")?.parse().ok()?;
    let offset = sign * hours;
    (-12..=14).contains(&offset).then_some(offset)
}

/// A time zone the form offers: its value and its label.
struct ZoneChoice {
    value: String,
    label: String,
    selected: bool,
}

/// Places named next to their whole-hour UTC offset in the time zone list.
fn zone_places(t: Texts) -> [(i32, String); 6] {
    [
        (-10, t.msg("report-zone-french-polynesia")),
        (-4, t.msg("report-zone-antilles")),
        (-3, t.msg("report-zone-french-guiana")),
        (3, t.msg("report-zone-mayotte")),
        (4, t.msg("report-zone-reunion")),
        (11, t.msg("report-zone-new-caledonia")),
    ]
}

fn zone_choices(t: Texts, chosen: &str) -> Vec<ZoneChoice> {
    let chosen = if parse_whole_hour_offset(chosen).is_some() { chosen.trim() } else { "paris" };
    let places = zone_places(t);
    let mut zones =
        vec![ZoneChoice { value: "paris".into(), label: t.msg("report-zone-paris"), selected: chosen == "paris" }];
    for hours in -12..=14_i32 {
        let value = format!("{}{:02}:00", if hours < 0 { '-' } else { '+' }, hours.abs());
        let offset = match hours {
            0 => "UTC".to_owned(),
            _ => format!("UTC{}{}", if hours < 0 { '−' } else { '+' }, hours.abs()),
        };
        let label = match places.iter().find(|(place_hours, _)| *place_hours == hours) {
            Some((_, places)) => format!("{offset} ({places})"),
            None => offset,
        };
        zones.push(ZoneChoice { selected: chosen == value, value, label });
    }
    zones
}

/// A field error as shown: the field's label and the rule, in the page's language.
struct ShownError {
    field: &'static str,
    label: String,
    /// The rule, to follow the label in the summary (`Category: choose a category.`).
    message: String,
    /// The rule alone, next to the field (`Choose a category.`).
    inline: String,
}

/// Why the uploaded file was refused.
#[derive(Clone, Copy, Debug)]
enum FileProblem {
    TooLarge,
    Empty,
    Unreadable,
    MoreThanOne,
}

/// Turns validation issues into messages in `lang`. The domain's messages are matched only to
/// pick the rule; their text is never shown (it is English and may describe the value).
fn shown_errors(lang: Lang, issues: &[FieldIssue], file: Option<FileProblem>) -> Vec<ShownError> {
    let t = texts(lang);
    let mut shown: Vec<ShownError> = Vec::new();
    for issue in issues {
        let rule = issue.message.as_str();
        let required = rule == "is required" || rule == "must not be empty";
        let control = rule.contains("control characters");
        let (field, label, message) = match issue.field.as_str() {
            "category" => {
                let message = if required {
                    t.msg("report-error-category-required")
                } else {
                    t.msg("report-error-category-unknown")
                };
                ("category", t.msg("report-field-category"), message)
            }
            "url" => {
                let message = if required {
                    t.msg("report-error-url-required")
                } else if rule.contains("2048") {
                    t.msg("report-error-url-too-long")
                } else {
                    t.msg("report-error-url-invalid")
                };
                ("url", t.msg("report-field-url"), message)
            }
            "seen_where" => ("seen_where", t.msg("report-field-seen-where"), t.msg("report-error-seen-where-unknown")),
            "seen_at" => {
                let message = if rule.contains("future") {
                    t.msg("report-error-seen-at-future")
                } else {
                    t.msg("report-error-seen-at-invalid")
                };
                ("seen_at", t.msg("report-field-seen-at"), message)
            }
            "comment" => {
                let message = if control {
                    t.msg("report-error-control-characters")
                } else {
                    t.msg("report-error-comment-too-long")
                };
                ("comment", t.msg("report-field-comment"), message)
            }
            "contact_name" => {
                let message = if control {
                    t.msg("report-error-control-characters")
                } else {
                    t.msg("report-error-contact-name-too-long")
                };
                ("contact_name", t.msg("report-field-contact-name"), message)
            }
            "contact_email" => {
                ("contact_email", t.msg("report-field-contact-email"), t.msg("report-error-contact-email-invalid"))
            }
            _ => ("", t.msg("report-form-title"), t.msg("report-error-invalid")),
        };
        if !shown.iter().any(|seen| seen.field == field && seen.message == message) {
            shown.push(ShownError { field, label, inline: capitalised(&message), message });
        }
    }
    if let Some(problem) = file {
        let message = match problem {
            FileProblem::TooLarge => t.msg("report-error-media-too-large"),
            FileProblem::Empty => t.msg("report-error-media-empty"),
            FileProblem::Unreadable => t.msg("report-error-media-unreadable"),
            FileProblem::MoreThanOne => t.msg("report-error-media-one"),
        };
        shown.push(ShownError {
            field: "media",
            label: t.msg("report-field-media"),
            inline: capitalised(&message),
            message,
        });
    }
    shown
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A radio button or select option.
struct Choice {
    value: &'static str,
    label: String,
    help: String,
    selected: bool,
}

/// The categories offered: (value, label, help).
fn categories(t: Texts) -> [(&'static str, String, String); 5] {
    [
        ("terrorist_threat", t.msg("report-category-threat"), t.msg("report-category-threat-help")),
        ("propaganda", t.msg("report-category-propaganda"), t.msg("report-category-propaganda-help")),
        ("recruitment", t.msg("report-category-recruitment"), t.msg("report-category-recruitment-help")),
        ("attack_instructions", t.msg("report-category-instructions"), t.msg("report-category-instructions-help")),
        ("other_violent_extremism", t.msg("report-category-extremism"), t.msg("report-category-extremism-help")),
    ]
}

/// The places offered for "where seen": (value, label).
fn places(t: Texts) -> [(&'static str, String); 6] {
    [
        ("website", t.msg("report-place-website")),
        ("social_network", t.msg("report-place-social-network")),
        ("video_platform", t.msg("report-place-video-platform")),
        ("messaging", t.msg("report-place-messaging")),
        ("forum", t.msg("report-place-forum")),
        ("other", t.msg("report-place-other")),
    ]
}

#[derive(Template)]
#[template(path = "public/report.html")]
struct ReportPage<'a> {
    t: Texts,
    lang: &'static str,
    other_lang: &'static str,
    csrf: &'a str,
    values: &'a FormValues,
    categories: Vec<Choice>,
    places: Vec<Choice>,
    zones: Vec<ZoneChoice>,
    errors: Vec<ShownError>,
    media_help: String,
    file_again: bool,
}

impl ReportPage<'_> {
    /// The message for one field, if it has an error.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|error| error.field == field).map(|error| error.inline.as_str())
    }
}

#[derive(Template)]
#[template(path = "public/report_received.html")]
struct ReceivedPage {
    t: Texts,
    lang: &'static str,
    /// The short number, for people (`7K2QF-9XMAB`); the UUID is not shown.
    receipt_number: String,
    received_at: String,
}

#[derive(Template)]
#[template(path = "public/report_refused.html")]
struct RefusedPage {
    t: Texts,
    lang: &'static str,
    other_lang: &'static str,
    title: String,
    detail: String,
}

/// Bytes as a size for people, in the binary units limits are configured in: `512 MiB`,
/// `1.5 MiB`, `300 KiB`, `200 bytes`, with the language's units and decimal separator. A size is
/// never rounded up past the limit it states: a 1.55 MiB limit reads `1.5 MiB`.
fn human_size(bytes: u64, t: Texts) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    if bytes < KIB {
        return format!("{bytes} {}", t.msg("report-unit-bytes"));
    }
    let (unit_bytes, unit) = if bytes >= GIB {
        (GIB, t.msg("report-unit-gib"))
    } else if bytes >= MIB {
        (MIB, t.msg("report-unit-mib"))
    } else {
        (KIB, t.msg("report-unit-kib"))
    };
    let whole = bytes / unit_bytes;
    let tenths = (bytes % unit_bytes) * 10 / unit_bytes;
    let number = if tenths == 0 || whole >= 10 {
        whole.to_string()
    } else {
        format!("{whole}{}{tenths}", t.msg("report-decimal-separator"))
    };
    format!("{number} {unit}")
}

fn form_page(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    values: &FormValues,
    errors: Vec<ShownError>,
    file_again: bool,
) -> Response {
    let t = texts(lang);
    let categories = categories(t)
        .into_iter()
        .map(|(value, label, help)| Choice { value, label, help, selected: values.category == value })
        .collect();
    let places = places(t)
        .into_iter()
        .map(|(value, label)| Choice { value, label, help: String::new(), selected: values.seen_where == value })
        .collect();
    render(&ReportPage {
        t,
        lang: lang.code(),
        other_lang: lang.other().code(),
        csrf,
        values,
        categories,
        places,
        zones: zone_choices(t, &values.seen_zone),
        errors,
        media_help: format!(
            "{} {}",
            t.msg("report-media-help"),
            t.msg1("report-media-limit", "size", human_size(state.intake.settings.max_media_bytes, t))
        ),
        file_again,
    })
}

fn refused(lang: Lang, status: StatusCode, title: String, detail: String) -> Response {
    let t = texts(lang);
    let page = RefusedPage { t, lang: lang.code(), other_lang: lang.other().code(), title, detail };
    (status, render(&page)).into_response()
}

fn csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, value))
        .path("/report")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::hours(12))
        .build()
}

/// The token in the cookie when it looks like one of ours; otherwise none.
fn cookie_token(jar: &CookieJar) -> Option<String> {
    jar.get(CSRF_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// `GET /report`: the empty form. Keeps an existing CSRF cookie, so that two open tabs both work.
async fn form(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let lang = Lang::choose(query.as_deref(), &headers);
    let csrf = cookie_token(&jar).unwrap_or_else(|| random_hex(32));
    let jar = jar.add(csrf_cookie(&state, csrf.clone()));
    let mut response = form_page(&state, lang, &csrf, &FormValues::default(), Vec::new(), false);
    vary_on_language(&mut response);
    (jar, response).into_response()
}

fn vary_on_language(response: &mut Response) {
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-language"));
}

/// What the form brought.
struct Received {
    values: FormValues,
    file: Option<StoredFile>,
    file_problem: Option<FileProblem>,
    /// A file part was sent (the person must attach it again if the form is refused).
    file_sent: bool,
}

/// Why the form could not be taken at all.
enum Unread {
    /// The CSRF token is missing or wrong.
    Csrf,
    /// The body is not a form this handler reads.
    Malformed,
    /// The disk failed.
    Failed(ApiError),
}

/// `POST /report`: checks the CSRF token and the rate limit, reads the form (streaming an
/// attached file to the media store), and submits it, or shows the form again with errors.
async fn submit(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<ReportLimiter>>,
    ClientAddress(address): ClientAddress,
    RawQuery(query): RawQuery,
    jar: CookieJar,
    request: Request,
) -> Response {
    let lang = Lang::choose(query.as_deref(), request.headers());
    let t = texts(lang);
    let Some(expected) = cookie_token(&jar) else {
        return refused(lang, StatusCode::FORBIDDEN, t.msg("report-expired-title"), t.msg("report-expired-detail"));
    };
    if let Err(wait) = limiter.check(address) {
        tracing::info!("public report refused: rate limit");
        let mut response = refused(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            t.msg("report-too-many-title"),
            t.msg("report-too-many-detail"),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let mut received = match read_form(&state, &expected, request).await {
        Ok(received) => received,
        Err(Unread::Csrf) => {
            return refused(lang, StatusCode::FORBIDDEN, t.msg("report-expired-title"), t.msg("report-expired-detail"));
        }
        Err(Unread::Malformed) => {
            return refused(
                lang,
                StatusCode::BAD_REQUEST,
                t.msg("report-unreadable-title"),
                t.msg("report-unreadable-detail"),
            );
        }
        Err(Unread::Failed(cause)) => return failed(lang, cause),
    };
    let files: Vec<StoredFile> = received.file.take().into_iter().collect();
    let report = SubmissionRequest::UserReport(received.values.request(lang));
    let issues = match intake::validate::check_submission(&report, files.len(), chrono::Utc::now()) {
        Ok(_) => Vec::new(),
        Err(error) => error.issues,
    };
    if !issues.is_empty() || received.file_problem.is_some() {
        intake::discard_unrecorded(&state.store, &state.intake, files).await;
        return invalid(&state, lang, &expected, &received, &issues);
    }
    let sender = Sender { organisation: None, actor: Actor::Public };
    match intake::submit(&state.store, &state.intake, &state.engine, sender, &report, &files, None).await {
        Ok(submitted) => {
            tracing::info!(submission = %submitted.receipt.id, "public report received");
            let page = ReceivedPage {
                t,
                lang: lang.code(),
                receipt_number: vigie_domain::intake::SubmissionNumber::display(&submitted.receipt.number),
                received_at: submitted.receipt.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            };
            render(&page)
        }
        Err(SubmitError::Invalid(error)) => {
            intake::discard_unrecorded(&state.store, &state.intake, files).await;
            invalid(&state, lang, &expected, &received, &error.issues)
        }
        Err(error) => {
            intake::discard_unrecorded(&state.store, &state.intake, files).await;
            failed(lang, ApiError::from(error))
        }
    }
}

fn invalid(state: &AppState, lang: Lang, csrf: &str, received: &Received, issues: &[FieldIssue]) -> Response {
    let fields: Vec<&str> = issues.iter().map(|issue| issue.field.as_str()).collect();
    tracing::info!(fields = ?fields, file_refused = received.file_problem.is_some(), "public report refused: invalid");
    let errors = shown_errors(lang, issues, received.file_problem);
    let response = form_page(state, lang, csrf, &received.values, errors, received.file_sent);
    (StatusCode::BAD_REQUEST, response).into_response()
}

/// A 500 page, or 503 with `Retry-After` when the database or the disk is unavailable; the
/// cause goes to the log with the request id, not to the person.
fn failed(lang: Lang, error: ApiError) -> Response {
    let t = texts(lang);
    let unavailable = matches!(error, ApiError::Unavailable(_));
    let status = if unavailable { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::INTERNAL_SERVER_ERROR };
    let mut response = refused(lang, status, t.msg("report-failed-title"), t.msg("report-failed-detail"));
    if unavailable {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static(crate::error::RETRY_UNAVAILABLE_SECONDS));
    }
    if let Some(cause) = error.logged_cause() {
        response.extensions_mut().insert(crate::error::InternalErrorLogged(Arc::new(format!("{cause:#}"))));
    }
    response
}

fn essence(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Reads the form: `multipart/form-data` (what the page sends, with its optional file) or
/// `application/x-www-form-urlencoded` (no file). The CSRF token must match before any file is
/// written, so the page puts it first.
async fn read_form(state: &AppState, expected: &str, request: Request) -> Result<Received, Unread> {
    match essence(request.headers()).as_str() {
        "multipart/form-data" => read_multipart(state, expected, request).await,
        "application/x-www-form-urlencoded" => {
            let body =
                axum::body::to_bytes(request.into_body(), 8 * TEXT_FIELD_LIMIT).await.map_err(|_| Unread::Malformed)?;
            let body = String::from_utf8_lossy(&body);
            if !secrets_match(&form_value(&body, "csrf"), expected) {
                return Err(Unread::Csrf);
            }
            let mut values = FormValues::default();
            for name in [
                "csrf",
                "category",
                "url",
                "seen_where",
                "seen_at",
                "seen_zone",
                "comment",
                "contact_name",
                "contact_email",
            ] {
                values.set(name, form_value(&body, name));
            }
            Ok(Received { values, file: None, file_problem: None, file_sent: false })
        }
        _ => Err(Unread::Malformed),
    }
}

async fn read_multipart(state: &AppState, expected: &str, request: Request) -> Result<Received, Unread> {
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| Unread::Malformed)?;
    let mut received = Received { values: FormValues::default(), file: None, file_problem: None, file_sent: false };
    let mut csrf_checked = false;
    let outcome = async {
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(()),
                // The body outgrew its limit inside a file: the file is too large.
                Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE && received.file_sent => {
                    received.file_problem = Some(FileProblem::TooLarge);
                    return Ok(());
                }
                Err(_) => return Err(Unread::Malformed),
            };
            let name = field.name().unwrap_or_default().to_owned();
            if name == "media" {
                if !csrf_checked {
                    return Err(Unread::Csrf);
                }
                if field.file_name().is_none_or(str::is_empty) {
                    // No file chosen: browsers still send an empty part.
                    drain(field).await?;
                    continue;
                }
                received.file_sent = true;
                if received.file.is_some() || received.file_problem.is_some() {
                    received.file_problem.get_or_insert(FileProblem::MoreThanOne);
                    drain(field).await?;
                    continue;
                }
                match receive_file(state, field).await? {
                    Ok(file) => received.file = Some(file),
                    Err(problem) => {
                        received.file_problem = Some(problem);
                        if matches!(problem, FileProblem::TooLarge) {
                            return Ok(());
                        }
                    }
                }
                continue;
            }
            let text = read_text(field).await?;
            if name == "csrf" {
                if !secrets_match(&text, expected) {
                    return Err(Unread::Csrf);
                }
                csrf_checked = true;
            }
            received.values.set(&name, text);
        }
    }
    .await;
    match outcome {
        Ok(()) if csrf_checked => Ok(received),
        refused => {
            let files: Vec<StoredFile> = received.file.take().into_iter().collect();
            intake::discard_unrecorded(&state.store, &state.intake, files).await;
            Err(refused.err().unwrap_or(Unread::Csrf))
        }
    }
}

/// A text field, at most [`TEXT_FIELD_LIMIT`] bytes.
async fn read_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, Unread> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Unread::Malformed)? {
        if bytes.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(Unread::Malformed);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Skips a part without keeping it.
async fn drain(mut field: axum::extract::multipart::Field<'_>) -> Result<(), Unread> {
    while field.chunk().await.map_err(|_| Unread::Malformed)?.is_some() {}
    Ok(())
}

/// Streams the attached file to the media store, within `max_media_bytes`. The outer error
/// stops reading the form; the inner one is shown next to the file field.
async fn receive_file(
    state: &AppState,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<Result<StoredFile, FileProblem>, Unread> {
    let limit = state.intake.settings.max_media_bytes;
    let media = state.intake.media.clone();
    let mut incoming = tokio::task::spawn_blocking(move || media.begin(limit))
        .await
        .map_err(|error| Unread::Failed(ApiError::Internal(anyhow::anyhow!("media task failed: {error}"))))?
        .map_err(|error| Unread::Failed(ApiError::storage("cannot store media", error)))?;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(Err(FileProblem::TooLarge)),
            Err(_) => return Err(Unread::Malformed),
        };
        match incoming.write(&chunk) {
            Ok(()) => {}
            Err(ReceiveError::TooLarge { .. }) => {
                // The partial file goes with `incoming`; the rest of the part is skipped (the
                // form stops being read after it either way: the file input is its last field).
                drop(incoming);
                let _ = drain(field).await;
                return Ok(Err(FileProblem::TooLarge));
            }
            Err(ReceiveError::Io(error)) => return Err(Unread::Failed(ApiError::storage("cannot store media", error))),
            Err(error) => {
                return Err(Unread::Failed(ApiError::Internal(anyhow::anyhow!("cannot store media: {error}"))));
            }
        }
    }
    let limits = state.settings.image_limits;
    let finished = tokio::task::spawn_blocking(move || incoming.finish(&limits))
        .await
        .map_err(|error| Unread::Failed(ApiError::Internal(anyhow::anyhow!("media task failed: {error}"))))?;
    let vetted = match finished {
        Ok(file) => intake::vet_media(&state.store, &state.intake, &state.hashing_permits, limits, file).await,
        Err(error) => Err(error),
    };
    match vetted {
        Ok(file) => Ok(Ok(file)),
        Err(ReceiveError::TooLarge { .. }) => Ok(Err(FileProblem::TooLarge)),
        Err(ReceiveError::Empty) => Ok(Err(FileProblem::Empty)),
        Err(ReceiveError::BadImage(_)) => Ok(Err(FileProblem::Unreadable)),
        Err(ReceiveError::Io(error)) => Err(Unread::Failed(ApiError::storage("cannot store media", error))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_conveniences() {
        let values = FormValues {
            url: " example.org/page ".into(),
            seen_at: "2026-11-30T21:15".into(),
            comment: "first line\r\n\r\nsecond\tline\r\n".into(),
            ..FormValues::default()
        };
        let request = values.request(Lang::Fr);
        assert_eq!(request.url.as_deref(), Some("https://example.org/page"));
        // Paris time by default: UTC+1 in November.
        assert_eq!(request.seen_at.as_deref(), Some("2026-11-30T20:15:00Z"));
        // Kept as typed; the intake check normalises line endings.
        assert_eq!(request.comment.as_deref(), Some("first line\r\n\r\nsecond\tline\r\n"));
        assert_eq!(request.language.as_deref(), Some("fr"));
        assert_eq!(request.category, None);
        assert_eq!(request.contact_email, None);
    }

    #[test]
    fn times_read_in_the_chosen_zone() {
        let seen = |zone: &str, at: &str| {
            let values = FormValues { seen_at: at.into(), seen_zone: zone.into(), ..FormValues::default() };
            values.request(Lang::En).seen_at.unwrap()
        };
        // Paris: summer time from the last Sunday of March 02:00 to the last Sunday of October 03:00.
        assert_eq!(seen("paris", "2026-07-14T12:00"), "2026-07-14T10:00:00Z");
        assert_eq!(seen("", "2026-01-10T12:00"), "2026-01-10T11:00:00Z");
        assert_eq!(seen("paris", "2026-03-29T01:59"), "2026-03-29T00:59:00Z");
        assert_eq!(seen("paris", "2026-03-29T03:00"), "2026-03-29T01:00:00Z");
        assert_eq!(seen("paris", "2026-10-25T02:30"), "2026-10-25T00:30:00Z");
        assert_eq!(seen("paris", "2026-10-25T03:00"), "2026-10-25T02:00:00Z");
        assert_eq!(seen("+04:00", "2026-07-14T12:00"), "2026-07-14T08:00:00Z");
        assert_eq!(seen("-10:00", "2026-07-14T12:00"), "2026-07-14T22:00:00Z");
        assert_eq!(seen("+00:00", "2026-07-14T12:00"), "2026-07-14T12:00:00Z");
        // An offset the list does not offer falls back to Paris time.
        assert_eq!(seen("+15:00", "2026-07-14T12:00"), "2026-07-14T10:00:00Z");
        // Not a date: passed on as typed, for the intake check to refuse.
        assert_eq!(seen("paris", "yesterday"), "yesterday");
    }

    #[test]
    fn limiter_counts_ipv6_per_64() {
        let limiter = ReportLimiter::new(1);
        assert!(limiter.check("2001:db8::1".parse().unwrap()).is_ok());
        assert!(limiter.check("2001:db8::2".parse().unwrap()).is_err());
        assert!(limiter.check("2001:db8:0:1::1".parse().unwrap()).is_ok());
        assert!(limiter.check("192.0.2.1".parse().unwrap()).is_ok());
        assert!(limiter.check("::ffff:192.0.2.1".parse().unwrap()).is_err());
    }

    #[test]
    fn sizes_for_people() {
        let (en, fr) = (texts(Lang::En), texts(Lang::Fr));
        assert_eq!(human_size(512 * 1024 * 1024, en), "512 MiB");
        assert_eq!(human_size(512 * 1024 * 1024, fr), "512 Mio");
        assert_eq!(human_size(3 * 1024 * 1024 / 2, en), "1.5 MiB");
        assert_eq!(human_size(3 * 1024 * 1024 / 2, fr), "1,5 Mio");
        assert_eq!(human_size(1024 * 1024 * 1024, en), "1 GiB");
        assert_eq!(human_size(300 * 1024, fr), "300 Kio");
        assert_eq!(human_size(200, en), "200 bytes");
        // Never more than the limit: 1.99 MiB reads 1.9, not 2.
        assert_eq!(human_size(2 * 1024 * 1024 - 10_000, en), "1.9 MiB");
    }
}
