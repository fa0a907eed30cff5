//! The conventions every operation of the OpenAPI document follows, applied once to the whole
//! generated document rather than repeated in each handler's annotation (where they were
//! forgotten: error statuses, the problem content type, unique operation ids).
//!
//! The handlers' annotations say what is particular to each route (its success bodies, its own
//! 409 or 422); this module adds what holds for all of them because of the shared extractors and
//! error type: a malformed request is a 400, a missing or bad token a 401, a role that does not
//! allow it a 403, an unknown id a 404, a body over the limit a 413, the wrong content type a 415,
//! a database that cannot take writes a 503 with `Retry-After`, and a bug a 500, each as
//! `application/problem+json`. The document is worked on as JSON because the changes are
//! structural (moving content types, rewriting schemas) and utoipa's builders do not reach them.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

use vigie_domain::validate::patterns;

use crate::error::RETRY_UNAVAILABLE_SECONDS;

/// The content type of every error body (RFC 9457).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The five submission kinds: the `kind` value and the schema of the rest of the object.
const SUBMISSION_KINDS: [(&str, &str); 5] = [
    ("removal_order", "RemovalOrderRequest"),
    ("referral", "ReferralRequest"),
    ("notice", "NoticeRequest"),
    ("user_report", "UserReportRequest"),
    ("partner_flag", "PartnerFlagRequest"),
];

/// Applies the conventions to the generated document.
pub fn finish(document: OpenApi) -> OpenApi {
    let mut value = serde_json::to_value(&document).expect("an OpenAPI document serialises");
    add_shared_responses(&mut value);
    expand_patterns(&mut value);
    describe_submission_kinds(&mut value);
    for (path, item) in value["paths"].as_object_mut().into_iter().flatten() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                apply_to_operation(path, operation);
            }
        }
    }
    serde_json::from_value(value).expect("the finished document is still an OpenAPI document")
}

/// The wire types name their text patterns by placeholder (`#[schema(pattern = "{line}")]`:
/// utoipa takes only literals there); the patterns themselves are the domain's, defined once
/// beside the functions that apply them.
const PATTERNS: [(&str, &str); 8] = [
    ("{line}", patterns::LINE),
    ("{line_or_blank}", patterns::LINE_OR_BLANK),
    ("{paragraphs_or_blank}", patterns::PARAGRAPHS_OR_BLANK),
    ("{line_or_empty}", patterns::LINE_OR_EMPTY),
    ("{paragraphs}", patterns::PARAGRAPHS),
    ("{email}", patterns::EMAIL),
    ("{email_or_empty}", patterns::EMAIL_OR_EMPTY),
    ("{slug}", vigie_domain::organisation::Slug::PATTERN),
];

fn expand_patterns(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if key == "pattern"
                    && let Value::String(pattern) = field
                    && let Some((_, real)) = PATTERNS.iter().find(|(placeholder, _)| placeholder == pattern)
                {
                    *pattern = (*real).to_owned();
                } else {
                    expand_patterns(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(expand_patterns),
        _ => {}
    }
}

/// Error responses shared by all operations, referred to from each.
fn add_shared_responses(document: &mut Value) {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    let mut unavailable = problem(
        "The database cannot take writes now (disk full, database down, overloaded): nothing was stored; \
         retry after the delay given",
    );
    unavailable["headers"] = json!({
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "schema": {"type": "integer", "example": RETRY_UNAVAILABLE_SECONDS.parse::<u32>().unwrap_or(2)}
        }
    });
    let responses = json!({
        "BadRequest": problem("Malformed or invalid request: `errors` names each offending field (body, path or query)"),
        "Unauthenticated": problem("No API token, or an unknown, revoked or expired one"),
        "Forbidden": problem("The token's organisation or roles do not allow this"),
        "NotFound": problem("No such resource, or it is not visible to the caller"),
        "PayloadTooLarge": problem("The body is larger than this route accepts"),
        "UnsupportedMediaType": problem("The body's Content-Type is not one this route accepts"),
        "Unavailable": unavailable,
        "Internal": problem("A bug: the cause is logged on the server under the response's request id"),
    });
    let components =
        document.as_object_mut().expect("the document is an object").entry("components").or_insert(json!({}));
    let shared = components.as_object_mut().expect("components is an object").entry("responses").or_insert(json!({}));
    if let (Some(shared), Value::Object(responses)) = (shared.as_object_mut(), responses) {
        shared.extend(responses);
    }
}

fn apply_to_operation(path: &str, operation: &mut Map<String, Value>) {
    // Handlers are named after what they do within their resource (`list`, `create`), so the
    // tag makes the id unique across the document, as client generators need.
    let tag = operation.get("tags").and_then(|tags| tags[0].as_str()).unwrap_or("api").to_owned();
    if let Some(Value::String(id)) = operation.get_mut("operationId")
        && !id.starts_with(&format!("{tag}_"))
    {
        *id = format!("{tag}_{id}");
    }
    let has_body = operation.contains_key("requestBody");
    let json_body = operation
        .get("requestBody")
        .and_then(|body| body["content"].as_object())
        .is_some_and(|content| content.contains_key("application/json"));
    let responses = operation.entry("responses").or_insert(json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    for response in responses.values_mut() {
        move_problem_content(response);
    }
    let mut shared = vec![("400", "BadRequest"), ("401", "Unauthenticated"), ("403", "Forbidden")];
    if path.contains('{') {
        shared.push(("404", "NotFound"));
    }
    if has_body {
        shared.push(("413", "PayloadTooLarge"));
    }
    if json_body || has_body {
        shared.push(("415", "UnsupportedMediaType"));
    }
    shared.extend([("500", "Internal"), ("503", "Unavailable")]);
    for (status, name) in shared {
        match responses.get_mut(status) {
            // A route's own description of the status stays; it gets the shared one's words
            // only when it had none.
            Some(response) if response.get("$ref").is_none() => {
                if response["description"].as_str().is_none_or(str::is_empty) {
                    response["description"] = json!(shared_description(name));
                }
            }
            Some(_) => {}
            None => {
                responses.insert(status.to_owned(), json!({"$ref": format!("#/components/responses/{name}")}));
            }
        }
    }
}

fn shared_description(name: &str) -> &'static str {
    match name {
        "BadRequest" => "Malformed or invalid request: `errors` names each offending field",
        "Unauthenticated" => "No API token, or an unknown, revoked or expired one",
        "Forbidden" => "The token's organisation or roles do not allow this",
        "NotFound" => "No such resource, or it is not visible to the caller",
        "PayloadTooLarge" => "The body is larger than this route accepts",
        "UnsupportedMediaType" => "The body's Content-Type is not one this route accepts",
        "Unavailable" => "The database cannot take writes now: nothing was stored; retry later",
        _ => "A bug: the cause is logged on the server",
    }
}

/// A response whose body is a `Problem` is sent as `application/problem+json`, not as the
/// `application/json` the annotations default to.
fn move_problem_content(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { return };
    let is_problem = content
        .get("application/json")
        .is_some_and(|json| json["schema"]["$ref"].as_str() == Some("#/components/schemas/Problem"));
    if is_problem && let Some(body) = content.remove("application/json") {
        content.insert(PROBLEM_CONTENT_TYPE.to_owned(), body);
    }
}

/// `kind` is part of each submission object (the schemas of the five kinds forbid unknown
/// properties, so without it listed no document would satisfy them), and tells them apart.
fn describe_submission_kinds(document: &mut Value) {
    let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    let mut mapping = Map::new();
    for (kind, name) in SUBMISSION_KINDS {
        let Some(schema) = schemas.get_mut(name) else { continue };
        schema["properties"]["kind"] =
            json!({"type": "string", "enum": [kind], "description": "What this submission is"});
        if let Some(required) = schema["required"].as_array_mut() {
            required.insert(0, json!("kind"));
        } else {
            schema["required"] = json!(["kind"]);
        }
        mapping.insert(kind.to_owned(), json!(format!("#/components/schemas/{name}")));
    }
    if let Some(request) = schemas.get_mut("SubmissionRequest") {
        let description = request["description"].clone();
        *request = json!({
            "description": description,
            "oneOf": mapping.values().map(|reference| json!({"$ref": reference})).collect::<Vec<_>>(),
            "discriminator": {"propertyName": "kind", "mapping": mapping},
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_bodies_move_to_their_content_type() {
        let mut response = json!({"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        move_problem_content(&mut response);
        assert!(response["content"][PROBLEM_CONTENT_TYPE]["schema"].is_object());
        assert!(response["content"].get("application/json").is_none());
        let mut other = json!({"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bank"}}}});
        move_problem_content(&mut other);
        assert!(other["content"]["application/json"].is_object());
    }
}

/// Schemas of fields that hold one of the domain's names, for `#[schema(schema_with = ...)]`:
/// built from the domain's own lists, so the document cannot drift from what is accepted.
/// A field that may also be `null` (absent means unchanged) is `oneOf` the names and `null`,
/// the shape client generators turn into an optional enum.
pub mod names {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
    use vigie_domain::access::Role;
    use vigie_domain::actions::{ActionKind, ActionStatus, EventType, ExecutionOutcome};
    use vigie_domain::bank::{BankVisibility, SignalType};
    use vigie_domain::intake::{
        CaseStatus, Deconfliction, PauseReason, Priority, ReportCategory, SeenWhere, SubmissionKind,
        TerroristContentGround,
    };
    use vigie_domain::organisation::OrganisationKind;

    fn one_of(values: impl IntoIterator<Item = &'static str>) -> Schema {
        let values: Vec<&str> = values.into_iter().collect();
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).into()
    }

    fn or_null(schema: Schema) -> Schema {
        OneOfBuilder::new().item(schema).item(ObjectBuilder::new().schema_type(Type::Null)).into()
    }

    fn roles_array() -> Schema {
        ArrayBuilder::new().items(RefOr::T(one_of(Role::ALL.map(Role::as_str)))).min_items(Some(1)).into()
    }

    fn grounds_array(min_items: usize) -> Schema {
        ArrayBuilder::new()
            .items(RefOr::T(one_of(TerroristContentGround::ALL.map(TerroristContentGround::as_str))))
            .min_items(Some(min_items))
            .into()
    }

    /// `private`, `match` or `shared`.
    pub fn visibility() -> Schema {
        one_of(BankVisibility::ALL.map(BankVisibility::as_str))
    }
    /// A visibility, or null for unchanged.
    pub fn visibility_or_null() -> Schema {
        or_null(visibility())
    }
    /// `pdq`, `vpdq`, `md5`, `sha256` or `url`.
    pub fn signal_type() -> Schema {
        one_of(SignalType::ALL.map(SignalType::as_str))
    }
    /// One or more roles.
    pub fn roles() -> Schema {
        roles_array()
    }
    /// One or more roles, or null for unchanged.
    pub fn roles_or_null() -> Schema {
        or_null(roles_array())
    }
    /// A kind of organisation.
    pub fn organisation_kind() -> Schema {
        one_of(OrganisationKind::ALL.map(OrganisationKind::as_str))
    }
    /// A kind of organisation, or null for unchanged.
    pub fn organisation_kind_or_null() -> Schema {
        or_null(organisation_kind())
    }
    /// An ISO 3166-1 alpha-2 code, or `EU`.
    pub fn country() -> Schema {
        one_of(vigie_domain::country::CODES.iter().copied())
    }
    /// A country code, or null for unchanged.
    pub fn country_or_null() -> Schema {
        or_null(country())
    }
    /// `confirmed` or `false_positive`.
    pub fn verdict() -> Schema {
        one_of(["confirmed", "false_positive"])
    }
    /// Why a removal order's clock is paused.
    pub fn pause_reason() -> Schema {
        one_of(PauseReason::ALL.map(PauseReason::as_str))
    }
    /// `open` or `merged` (a query parameter: absent means `open`).
    pub fn case_status() -> Schema {
        one_of(CaseStatus::ALL.map(CaseStatus::as_str))
    }
    /// A priority.
    pub fn priority() -> Schema {
        one_of(Priority::ALL.map(Priority::as_str))
    }
    /// A submission kind.
    pub fn submission_kind() -> Schema {
        one_of(SubmissionKind::ALL.map(SubmissionKind::as_str))
    }
    /// An import file's format (a query parameter: absent means `auto`).
    pub fn import_format() -> Schema {
        one_of(["auto", "lines", "csv", "hma"])
    }
    /// The letters `a` to `e` of TCO Art. 2(7), at least one.
    pub fn grounds() -> Schema {
        grounds_array(1)
    }
    /// Grounds, possibly none, or null.
    pub fn grounds_or_null() -> Schema {
        or_null(grounds_array(0))
    }
    /// An EU member state's ISO 3166-1 code.
    pub fn member_state() -> Schema {
        let states = vigie_domain::country::CODES.iter().copied().filter(|code| {
            vigie_domain::country::CountryCode::parse(code).is_ok_and(|country| country.is_eu_member_state())
        });
        one_of(states)
    }
    /// How a referral was deconflicted with law enforcement.
    pub fn deconfliction() -> Schema {
        one_of(Deconfliction::ALL.map(Deconfliction::as_str))
    }
    /// A public report's category.
    pub fn report_category() -> Schema {
        one_of(ReportCategory::ALL.map(ReportCategory::as_str))
    }
    /// Where the reporter saw the content, or null.
    pub fn seen_where_or_null() -> Schema {
        or_null(one_of(SeenWhere::ALL.map(SeenWhere::as_str)))
    }
    /// What a reviewer decided.
    pub fn decision_kind() -> Schema {
        one_of(vigie_domain::review::DecisionKind::ALL.map(vigie_domain::review::DecisionKind::as_str))
    }
    /// `illegal` or `terms`.
    pub fn ground_type() -> Schema {
        one_of(["illegal", "terms"])
    }
    /// Countries, or null.
    pub fn countries_or_null() -> Schema {
        or_null(ArrayBuilder::new().items(RefOr::T(country())).into())
    }
    /// `warning` or `age_gate`, or null.
    pub fn label_kind_or_null() -> Schema {
        or_null(one_of(vigie_domain::review::LabelKind::ALL.map(vigie_domain::review::LabelKind::as_str)))
    }
    /// Why a platform cannot comply with a removal order, or null.
    pub fn cannot_comply_reason_or_null() -> Schema {
        or_null(one_of(
            vigie_domain::review::CannotComplyReason::ALL.map(vigie_domain::review::CannotComplyReason::as_str),
        ))
    }
    /// Where a case stands in review.
    pub fn review_state() -> Schema {
        one_of(vigie_domain::review::ReviewState::ALL.map(vigie_domain::review::ReviewState::as_str))
    }
    /// Where a decision stands.
    pub fn decision_state() -> Schema {
        one_of(vigie_domain::review::DecisionState::ALL.map(vigie_domain::review::DecisionState::as_str))
    }
    /// Submission kinds, possibly none.
    pub fn submission_kinds() -> Schema {
        ArrayBuilder::new().items(RefOr::T(submission_kind())).into()
    }
    /// The public form's languages, or null.
    pub fn language_or_null() -> Schema {
        or_null(one_of(["en", "fr"]))
    }
    /// What an action asks of a platform.
    pub fn action_kind() -> Schema {
        one_of(ActionKind::ALL.map(ActionKind::as_str))
    }
    /// Where an action stands.
    pub fn action_status() -> Schema {
        one_of(ActionStatus::ALL.map(ActionStatus::as_str))
    }
    /// Where an action stands, or null.
    pub fn action_status_or_null() -> Schema {
        or_null(action_status())
    }
    /// What the platform did.
    pub fn execution_outcome() -> Schema {
        one_of(ExecutionOutcome::ALL.map(ExecutionOutcome::as_str))
    }
    /// What the platform did, or null (a request may leave it out; it is then refused by name).
    pub fn execution_outcome_or_null() -> Schema {
        or_null(execution_outcome())
    }
    /// Event types a webhook endpoint receives, at least one.
    pub fn event_types() -> Schema {
        ArrayBuilder::new().items(RefOr::T(one_of(EventType::ALL.map(EventType::as_str)))).min_items(Some(1)).into()
    }
    /// One event type.
    pub fn event_type() -> Schema {
        one_of(EventType::ALL.map(EventType::as_str))
    }
    /// Which TCO annex a removal order's feedback follows.
    pub fn tco_annex() -> Schema {
        one_of(["annex_ii", "annex_iii"])
    }
    /// Where a submission's outcome stands.
    pub fn outcome_status() -> Schema {
        one_of(["in_review", "decided", "no_action", "executed", "partially_executed", "not_executed"])
    }
    /// Which rules a complaint follows.
    pub fn complaint_kind() -> Schema {
        one_of(vigie_domain::complaints::ComplaintKind::ALL.map(vigie_domain::complaints::ComplaintKind::as_str))
    }
    /// How a complaint came in.
    pub fn complaint_channel() -> Schema {
        one_of(vigie_domain::complaints::ComplaintChannel::ALL.map(vigie_domain::complaints::ComplaintChannel::as_str))
    }
    /// Where a complaint stands.
    pub fn complaint_status() -> Schema {
        one_of(vigie_domain::complaints::ComplaintStatus::ALL.map(vigie_domain::complaints::ComplaintStatus::as_str))
    }
    /// A complaint's outcome, or null (refused by name when missing).
    pub fn complaint_outcome_or_null() -> Schema {
        or_null(one_of(["upheld", "reversed"]))
    }
    /// Who annulled a decision, or null (refused by name when missing).
    pub fn annulment_source_or_null() -> Schema {
        or_null(one_of(
            vigie_domain::complaints::AnnulmentSource::ALL.map(vigie_domain::complaints::AnnulmentSource::as_str),
        ))
    }
    /// Where a complaint stands, or null.
    pub fn complaint_status_or_null() -> Schema {
        or_null(complaint_status())
    }
    /// A delivery's status.
    pub fn delivery_status() -> Schema {
        one_of(["pending", "delivered", "failed"])
    }
    /// Why preserved content is opened (TCO Art. 6(1)).
    pub fn access_purpose() -> Schema {
        one_of(vigie_domain::preservation::AccessPurpose::ALL.map(vigie_domain::preservation::AccessPurpose::as_str))
    }
    /// Why preserved content is opened, or null (refused by name when missing).
    pub fn access_purpose_or_null() -> Schema {
        or_null(access_purpose())
    }
    /// Where a case's preservation stands.
    pub fn preservation_status() -> Schema {
        one_of(["preserved", "purged"])
    }
}
