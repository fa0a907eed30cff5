//! Extractors that turn every rejection into a problem+json [`ApiError`], and the API's
//! authentication.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use vigie_domain::access::{Actor, Principal};
use vigie_domain::token::{TokenHash, TokenRejection};
use vigie_domain::validate::NUL_MESSAGE;

use crate::AppState;
use crate::error::ApiError;

/// A JSON body, parsed strictly: `Content-Type: application/json`, the route's size limit, and
/// errors that name the offending field by its JSON path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        let is_json = content_type.is_some_and(|value| {
            let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection: BytesRejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedBody { detail: "the request body could not be read".into(), field: None }
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, naming the field at fault. serde's messages name fields and types but never
/// quote the submitted values, so they are safe to return.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    refuse_nul_in_json(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Eof => {
                ApiError::MalformedBody { detail: "the JSON body ends too early".into(), field: None }
            }
            // Invalid UTF-8 inside a string is a syntax error found at a known field.
            serde_json::error::Category::Syntax => ApiError::MalformedBody {
                detail: format!("the body is not valid JSON ({inner})"),
                field: (path != ".").then_some(path),
            },
            _ => malformed(&path, &inner.to_string()),
        }
    })?;
    deserializer.end().map_err(|_| ApiError::MalformedBody {
        detail: "trailing characters after the JSON body".into(),
        field: None,
    })?;
    Ok(value)
}

/// The problem for a value that did not fit its type, in the same shape as every validation
/// error: the field named (by its path, with the missing or unknown field's name appended) and
/// a message in plain words, not serde's (no "at line 1 column 2", no Rust type names).
pub fn malformed(path: &str, serde_message: &str) -> ApiError {
    let message = serde_message.split(" at line ").next().unwrap_or(serde_message);
    // serde_path_to_error's path already ends at an unknown field, and at a missing field's parent.
    let at = |name: &str| match path {
        "" | "." => name.to_owned(),
        _ if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        _ => format!("{path}.{name}"),
    };
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let (field, message) = if let Some(rest) = message.strip_prefix("missing field ") {
        (quoted(rest).map(|name| at(&name)), "is required".to_owned())
    } else if let Some(rest) = message.strip_prefix("unknown field ") {
        let expected: Vec<&str> = rest.split('`').skip(3).step_by(2).collect();
        let hint =
            if expected.is_empty() { String::new() } else { format!(" (expected one of: {})", expected.join(", ")) };
        (quoted(rest).map(|name| at(&name)), format!("is not a field of this request{hint}"))
    } else {
        let field = (!path.is_empty() && path != ".").then(|| path.to_owned());
        (field, plain_type_error(message))
    };
    match field {
        Some(field) => ApiError::MalformedBody { detail: format!("{field}: {message}"), field: Some(field) },
        None => ApiError::MalformedBody { detail: message, field: None },
    }
}

/// serde's "invalid type: string \"abc\", expected u32" quotes what was sent (which may be
/// hazardous) and names Rust types: this says what was expected, and only the kind of value
/// that came.
fn plain_type_error(message: &str) -> String {
    let Some((got, expected)) = message.rsplit_once(", expected ") else { return message.to_owned() };
    let expected = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => "true or false",
        other => other,
    };
    let got = got.strip_prefix("invalid type: ").or_else(|| got.strip_prefix("invalid value: ")).unwrap_or(got);
    let kind = got.split(['`', '"']).next().unwrap_or_default().trim();
    if kind.is_empty() { format!("must be {expected}") } else { format!("must be {expected}, not {kind}") }
}

/// Refuses a JSON body holding a NUL character in any string, naming the string's path.
///
/// This is the backstop behind every field's own validation: PostgreSQL cannot store NUL in
/// text (the insert fails with a 500) while SQLite stores it silently, so no string with one may
/// reach the store from any route. In JSON a NUL can only be written as the escape `\u0000`;
/// bodies without that byte sequence (nearly all) cost one scan and no second parse.
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(6).any(|window| window == b"\\u0000") {
        return Ok(());
    }
    // An escaped backslash followed by `u0000` is not a NUL; parsing tells them apart. A body
    // that does not parse is left to the typed parse, which names the syntax error.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else { return Ok(()) };
    match nul_path(&value, String::new()) {
        Some(path) => Err(ApiError::field(if path.is_empty() { "." } else { &path }, NUL_MESSAGE)),
        None => Ok(()),
    }
}

/// The path (in serde_path_to_error's notation, `signals[0].source`) of the first string holding
/// a NUL, or of the object whose key holds one (the key itself is not echoed back).
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(index, item)| nul_path(item, format!("{path}[{index}]")))
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let field = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if key.contains('\0') { Some(path.clone()) } else { nul_path(item, field) }
        }),
        _ => None,
    }
}

/// A `multipart/form-data` body whose rejections (another content type, no boundary) and
/// reading errors are problem+json [`ApiError`]s like every other API error.
pub struct ApiMultipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        let essence = content_type.map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        if essence.as_deref() != Some("multipart/form-data") {
            return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: multipart/form-data".into()));
        }
        axum::extract::Multipart::from_request(request, state).await.map(Self).map_err(|rejection| {
            ApiError::MalformedBody {
                detail: format!("malformed multipart body: {}", rejection.body_text()),
                field: None,
            }
        })
    }
}

/// The problem for an error met while reading a multipart body's parts.
pub fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::MalformedBody { detail: format!("malformed multipart body: {}", error.body_text()), field: None }
    }
}

/// The problem for a single-valued multipart field sent more than once: which one the client
/// meant cannot be told, so neither is taken.
pub fn repeated_field(name: &str) -> ApiError {
    ApiError::field(name, format!("send one `{name}` field"))
}

/// Path parameters with problem+json rejections.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|path| Self(path.0)).map_err(
            |rejection: PathRejection| {
                ApiError::field("path", format!("invalid path parameter: {}", rejection.body_text()))
            },
        )
    }
}

/// Query parameters with problem+json rejections.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Percent-decoded NUL (`%00`) in a parameter: refused by name before any parsing, for
        // the same reason as in JSON bodies.
        if let Some(query) = parts.uri.query()
            && query.contains("%00")
            && let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
                .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        {
            let field = if name.contains('\0') { "query" } else { &name };
            return Err(ApiError::field(field, NUL_MESSAGE));
        }
        // Parsed here rather than by axum's `Query`, so that a bad parameter is named.
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(Self).map_err(|error| {
            let path = error.path().to_string();
            let path = if path == "?" { String::new() } else { path };
            malformed(&path, &error.into_inner().to_string())
        })
    }
}

/// The client's address, for rate limiting. `0.0.0.0` when unknown (in-process tests).
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(Self(address))
    }
}

/// The principal behind an API request: `Authorization: Bearer vigie_...`.
pub struct ApiPrincipal(pub Principal);

impl FromRequestParts<AppState> for ApiPrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Unauthenticated("send an API token as Authorization: Bearer <token>"))?;
        let presented = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|token| TokenHash::looks_like_token(token))
            .ok_or(ApiError::Unauthenticated("the Authorization header does not hold a Vigie API token"))?;
        let hash = TokenHash::of_presented(presented);
        let now = state.store.now();
        if let Some(cached) = state.token_cache.get(&hash.0)
            && cached.expires_at.is_none_or(|expiry| expiry > now)
        {
            return Ok(Self(cached.principal));
        }
        let owner =
            state.store.find_token_by_hash(&hash).await?.ok_or(ApiError::Unauthenticated("unknown API token"))?;
        owner.token.check_usable(now).map_err(|rejection| match rejection {
            TokenRejection::Revoked => ApiError::Unauthenticated("this API token has been revoked"),
            TokenRejection::Expired => ApiError::Unauthenticated("this API token has expired"),
        })?;
        // Once per cache lifetime rather than per request: `last_used_at` is to the minute anyway.
        state.store.touch_token(owner.token.id).await?;
        let principal = Principal {
            actor: Actor::Token(owner.token.id),
            organisation_id: owner.token.organisation_id,
            organisation_is_operator: owner.organisation_is_operator,
            roles: owner.token.roles,
        };
        state.token_cache.insert(hash.0, principal.clone(), owner.token.expires_at);
        Ok(Self(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(body: &str) -> Option<String> {
        match refuse_nul_in_json(body.as_bytes()) {
            Ok(()) => None,
            Err(error) => Some(error.problem().errors.into_iter().next().map(|issue| issue.field).unwrap_or_default()),
        }
    }

    #[test]
    fn nul_is_refused_by_path() {
        assert_eq!(field_of(r#"{"description":"a\u0000b"}"#).as_deref(), Some("description"));
        assert_eq!(
            field_of(r#"{"signals":[{"value":"x"},{"value":"y","source":"\u0000"}]}"#).as_deref(),
            Some("signals[1].source")
        );
        assert_eq!(field_of(r#"{"a\u0000":1}"#).as_deref(), Some("."));
        assert_eq!(field_of(r#"{"labels":{"a\u0000":1}}"#).as_deref(), Some("labels"));
        assert_eq!(field_of(r#""\u0000""#).as_deref(), Some("."));
    }

    fn problem_of(error: ApiError) -> (Option<String>, String) {
        let problem = error.problem();
        (problem.errors.first().map(|issue| issue.field.clone()), problem.detail)
    }

    #[test]
    fn serde_errors_name_the_field_in_plain_words() {
        assert_eq!(
            problem_of(malformed(".", "missing field `explanation` at line 1 column 2")),
            (Some("explanation".into()), "explanation: is required".into())
        );
        assert_eq!(
            problem_of(malformed("signals[0].colour", "unknown field `colour`, expected `value` or `quality`")),
            (
                Some("signals[0].colour".into()),
                "signals[0].colour: is not a field of this request (expected one of: value, quality)".into()
            )
        );
        let (field, detail) = problem_of(malformed("limit", "invalid type: string \"secret\", expected u32"));
        assert_eq!(field.as_deref(), Some("limit"));
        assert_eq!(detail, "limit: must be a whole number, 0 or more, not string");
        assert!(!detail.contains("secret"), "the value sent is not echoed");
        let (_, detail) = problem_of(malformed("limit", "invalid digit found in string"));
        assert_eq!(detail, "limit: invalid digit found in string");
    }

    #[test]
    fn escaped_backslash_and_other_text_pass() {
        assert_eq!(field_of(r#"{"description":"C:\\u0000 is a path, not a NUL"}"#), None);
        assert_eq!(field_of(r#"{"description":"plain"}"#), None);
        // Not JSON: left to the typed parse, which names the syntax error.
        assert_eq!(field_of(r#"{"description":"\u0000"#), None);
    }
}
