//! The one place where failures become HTTP responses: `application/problem+json` (RFC 9457).
//!
//! A 5xx never shows its cause to the client: the cause is logged with the request id, and the
//! client gets a generic detail it can quote when asking for help.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_domain::validate::{FieldIssue, ValidationError};
use vigie_store::{StoreError, action_conflicts, complaint_conflicts, preservation_conflicts, review_conflicts};

/// A failure of a request, as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Input broke a rule; every offending field is named.
    #[error("invalid input: {0}")]
    Validation(ValidationError),
    /// The body is not the JSON this route takes.
    #[error("malformed request body: {detail}")]
    MalformedBody {
        /// What is wrong, naming the field where there is one.
        detail: String,
        /// The JSON path of the offending field, if known.
        field: Option<String>,
    },
    /// Wrong or missing `Content-Type`.
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// Body over the route's size limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// No credentials, or credentials that do not authenticate.
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// Authenticated, but the roles do not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// The write conflicts with existing data.
    #[error("conflict: {detail}")]
    Conflict {
        /// Stable slug of the conflict, such as `duplicate-name`.
        slug: &'static str,
        /// What conflicts.
        detail: String,
        /// The field responsible.
        field: Option<&'static str>,
    },
    /// An `Idempotency-Key` sent again with a different request.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// Too many attempts; retry later.
    #[error("too many requests")]
    TooManyRequests,
    /// Reported media cannot be shown this way now: a tool is missing on the server (ffmpeg),
    /// or a copy is still being made. `retry_after` (seconds) says when to ask again, if ever.
    #[error("media view unavailable: {detail}")]
    MediaViewUnavailable {
        /// Stable slug: `media-tool-missing` or `media-view-pending`.
        slug: &'static str,
        /// What is missing or under way.
        detail: String,
        /// Seconds before asking again, when it is worth it.
        retry_after: Option<&'static str>,
    },
    /// The case's content is preserved (TCO Art. 6) and opens only with a stated purpose.
    #[error("preserved content")]
    PreservedContent,
    /// The case's content was purged when its preservation ended.
    #[error("purged content")]
    PurgedContent,
    /// Reported media cannot be shown this way: the file cannot be decoded, or is over the
    /// limits for it. Asking again changes nothing; the original may still be downloaded.
    #[error("media not viewable: {0}")]
    MediaNotViewable(String),
    /// The database cannot take requests now (unreachable, out of disk, locked): nothing was
    /// stored, and the same request may be sent again shortly.
    #[error("service unavailable")]
    Unavailable(anyhow::Error),
    /// A bug.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

/// The body of every error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the problem kind (`urn:vigie:problem:<slug>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem kind.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// One entry per offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One offending field.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// JSON path or form name of the field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::Validation(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { constraint } => match constraint.as_str() {
                "organisations_name_key" => Self::Conflict {
                    slug: "duplicate-name",
                    detail: "an organisation with this name already exists".into(),
                    field: Some("name"),
                },
                "organisations_slug_key" => Self::Conflict {
                    slug: "duplicate-slug",
                    detail: "an organisation with this slug already exists".into(),
                    field: Some("slug"),
                },
                "users_email_key" => Self::Conflict {
                    slug: "duplicate-email",
                    detail: "a user with this email already exists".into(),
                    field: Some("email"),
                },
                "banks_name_key" => Self::Conflict {
                    slug: "duplicate-name",
                    detail: "a bank with this name already exists".into(),
                    field: Some("name"),
                },
                "submission_clock_state" => Self::Conflict {
                    slug: "invalid-transition",
                    detail: "the clock is not in a state that allows this (only a running removal order can be \
                             paused, and only a paused one resumed)"
                        .into(),
                    field: None,
                },
                "organisations_one_operator" => Self::Conflict {
                    slug: "operator-exists",
                    detail: "this instance already has an operator organisation".into(),
                    field: None,
                },
                complaint_conflicts::NOT_IN_FORCE => Self::Conflict {
                    slug: "decision-not-in-force",
                    detail: "this decision is not the one in force on its case (pending, rejected or replaced): \
                             complain about the decision in force"
                        .into(),
                    field: Some("decision"),
                },
                complaint_conflicts::ALREADY_OPEN => Self::Conflict {
                    slug: "complaint-open",
                    detail: "a complaint about this decision is open already; it will be answered".into(),
                    field: Some("decision"),
                },
                complaint_conflicts::DECIDED => Self::Conflict {
                    slug: "complaint-decided",
                    detail: "this complaint was answered before".into(),
                    field: None,
                },
                complaint_conflicts::SAME_REVIEWER => Self::Conflict {
                    slug: "complaint-same-reviewer",
                    detail: "the reviewer who took (or confirmed) the decision cannot handle a complaint about it: \
                             another reviewer must"
                        .into(),
                    field: None,
                },
                complaint_conflicts::NEEDS_SENIOR => Self::Conflict {
                    slug: "complaint-needs-senior",
                    detail: "a removal order is behind this decision: a senior reviewer handles the complaint".into(),
                    field: None,
                },
                preservation_conflicts::NOT_PRESERVED => Self::Conflict {
                    slug: "not-preserved",
                    detail: "the platform has not confirmed removing this case's content: nothing is preserved yet"
                        .into(),
                    field: None,
                },
                preservation_conflicts::PURGED => Self::PurgedContent,
                preservation_conflicts::NOT_LATER => Self::Conflict {
                    slug: "extension-not-later",
                    detail:
                        "the preservation was extended meanwhile past this date: an extension keeps the content longer"
                            .into(),
                    field: Some("until"),
                },
                action_conflicts::ALREADY_CONFIRMED => Self::Conflict {
                    slug: "action-confirmed",
                    detail: "this action was confirmed before; a confirmation is final".into(),
                    field: None,
                },
                action_conflicts::ENDPOINT_DISABLED => Self::Conflict {
                    slug: "webhook-disabled",
                    detail: "this webhook endpoint is disabled; register a new one".into(),
                    field: None,
                },
                review_conflicts::CASE_CLOSED => Self::Conflict {
                    slug: "case-closed",
                    detail: "the case is merged into another or already decided: nothing to claim".into(),
                    field: None,
                },
                review_conflicts::CASE_CLAIMED => Self::Conflict {
                    slug: "case-claimed",
                    detail: "another reviewer holds this case; it is free again when they decide, release it or \
                             their claim runs out"
                        .into(),
                    field: None,
                },
                review_conflicts::ALREADY_DECIDED => Self::Conflict {
                    slug: "case-decided",
                    detail: "the case is already decided; a correction names the decision it replaces in `replaces`"
                        .into(),
                    field: Some("replaces"),
                },
                review_conflicts::AWAITING_CONFIRMATION => Self::Conflict {
                    slug: "awaiting-confirmation",
                    detail: "a decision on this case waits for a second reviewer: confirm or reject it first".into(),
                    field: None,
                },
                review_conflicts::NEEDS_SENIOR => Self::Conflict {
                    slug: "needs-senior-reviewer",
                    detail: "this case is escalated: only a senior reviewer may decide it".into(),
                    field: None,
                },
                review_conflicts::NOTHING_TO_REPLACE => Self::Conflict {
                    slug: "nothing-to-replace",
                    detail: "`replaces` must name a closing decision of this case that is in force, and only a \
                             decided case takes a correction"
                        .into(),
                    field: Some("replaces"),
                },
                review_conflicts::NOT_PENDING => Self::Conflict {
                    slug: "not-pending",
                    detail: "this decision is not waiting for confirmation".into(),
                    field: None,
                },
                review_conflicts::SAME_REVIEWER => Self::Conflict {
                    slug: "four-eyes",
                    detail: "four eyes: a decision is confirmed by a second, different reviewer, not by its author"
                        .into(),
                    field: None,
                },
                other => Self::Internal(anyhow::anyhow!("unexpected constraint violation: {other}")),
            },
            StoreError::Unavailable(error) => Self::Unavailable(error),
            StoreError::Other(error) => Self::Internal(error),
        }
    }
}

impl ApiError {
    /// A validation error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(ValidationError::single(field, message))
    }

    /// Status, problem slug and title.
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Validation(_) => (StatusCode::BAD_REQUEST, "validation", "Invalid input"),
            Self::MalformedBody { .. } => (StatusCode::BAD_REQUEST, "malformed-body", "Malformed request body"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type")
            }
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large"),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::Conflict { slug, .. } => (StatusCode::CONFLICT, slug, "Conflict"),
            Self::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
            Self::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused", "Idempotency key reused")
            }
            Self::MediaViewUnavailable { slug, .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, slug, "Media view unavailable")
            }
            Self::MediaNotViewable(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "media-not-viewable", "Media cannot be shown this way")
            }
            Self::PreservedContent => (StatusCode::FORBIDDEN, "preserved-content", "Preserved content"),
            Self::PurgedContent => (StatusCode::GONE, "purged-content", "Purged content"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }

    /// The cause to log, for the failures that are the server's and not the client's.
    pub fn logged_cause(&self) -> Option<&anyhow::Error> {
        match self {
            Self::Internal(cause) | Self::Unavailable(cause) => Some(cause),
            _ => None,
        }
    }

    /// A failure of the disk under media or other files: a full or read-only disk is
    /// [`ApiError::Unavailable`] (it passes), anything else is internal.
    pub fn storage(context: &str, error: std::io::Error) -> Self {
        let cause = anyhow::anyhow!("{context}: {error}");
        match error.kind() {
            std::io::ErrorKind::StorageFull
            | std::io::ErrorKind::ReadOnlyFilesystem
            | std::io::ErrorKind::QuotaExceeded => Self::Unavailable(cause),
            _ => Self::Internal(cause),
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.kind();
        let mut errors = Vec::new();
        let detail = match self {
            Self::Validation(error) => {
                errors = error.issues.iter().map(problem_field).collect();
                error.to_string()
            }
            Self::MalformedBody { detail, field } => {
                if let Some(field) = field {
                    // The detail names the field for readers of `detail` alone; the entry does not
                    // repeat it.
                    let message = detail.strip_prefix(&format!("{field}: ")).unwrap_or(detail);
                    errors.push(ProblemField { field: field.clone(), message: message.to_owned() });
                }
                detail.clone()
            }
            Self::UnsupportedMediaType(detail) => detail.clone(),
            Self::PayloadTooLarge => "the request body is larger than this route accepts".into(),
            Self::Unauthenticated(reason) => (*reason).into(),
            Self::Forbidden => "your roles do not allow this".into(),
            Self::NotFound => "no such resource, or it is not visible to you".into(),
            Self::Conflict { detail, field, .. } => {
                if let Some(field) = field {
                    errors.push(ProblemField { field: (*field).into(), message: detail.clone() });
                }
                detail.clone()
            }
            Self::TooManyRequests => "too many attempts; wait a minute and try again".into(),
            Self::IdempotencyKeyReused => {
                errors.push(ProblemField {
                    field: "Idempotency-Key".into(),
                    message: "was already used for a different request".into(),
                });
                "this Idempotency-Key was already used with a different request; use a new key".into()
            }
            Self::MediaViewUnavailable { detail, .. } | Self::MediaNotViewable(detail) => detail.clone(),
            Self::PreservedContent => "the platform removed this content and it is preserved (TCO Art. 6): it opens \
                 only for a stated purpose, recorded with your name: POST /v1/cases/{id}/preservation/accesses \
                 with `purpose` and `reason`"
                .into(),
            Self::PurgedContent => "this content was purged when its preservation ended: nothing of it is kept".into(),
            Self::Unavailable(_) => {
                "the database cannot take requests right now; nothing was stored: send the same request again \
                 shortly"
                    .into()
            }
            Self::Internal(_) => "an internal error occurred; it has been logged with this request's id".into(),
        };
        Problem { kind: format!("urn:vigie:problem:{slug}"), title, status: status.as_u16(), detail, errors }
    }
}

fn problem_field(issue: &FieldIssue) -> ProblemField {
    ProblemField { field: issue.field.clone(), message: issue.message.clone() }
}

/// `Retry-After` for a database that is unavailable: soon, since most outages seen (a restart,
/// a failover, space freed) last seconds.
pub const RETRY_UNAVAILABLE_SECONDS: &str = "2";

/// Marks a response whose cause was an internal error, for the logging middleware.
#[derive(Clone)]
pub struct InternalErrorLogged(pub std::sync::Arc<String>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Self::Unauthenticated(_) = self {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::TooManyRequests = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        if let Self::Unavailable(_) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_UNAVAILABLE_SECONDS));
        }
        if let Self::MediaViewUnavailable { retry_after: Some(seconds), .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(seconds));
        }
        if let Some(cause) = self.logged_cause() {
            response.extensions_mut().insert(InternalErrorLogged(std::sync::Arc::new(format!("{cause:#}"))));
        }
        response
    }
}
