//! `/v1/tokens`: API tokens, shown once at creation and stored only as a hash.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::ids::TokenId;
use vigie_domain::token::ApiToken;

use super::require;
use super::users::{member_scope, role_names};
use crate::AppState;
use crate::app::{self, TokenRequest};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal, ApiQuery};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(show, revoke))
}

/// An API token (never its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Its id.
    pub id: Uuid,
    /// The organisation it acts for.
    pub organisation_id: Uuid,
    /// What it is for.
    pub name: String,
    /// The roles it grants.
    pub roles: Vec<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it expires, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenResponse {
    /// The wire form of `token` as seen at `now`.
    pub fn new(token: ApiToken, now: DateTime<Utc>) -> Self {
        let state = match token.check_usable(now) {
            Ok(()) => "active",
            Err(vigie_domain::token::TokenRejection::Expired) => "expired",
            Err(vigie_domain::token::TokenRejection::Revoked) => "revoked",
        };
        Self {
            id: token.id.0,
            organisation_id: token.organisation_id.0,
            name: token.name,
            roles: role_names(token.roles),
            state: state.into(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            revoked_at: token.revoked_at,
            last_used_at: token.last_used_at,
        }
    }
}

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "intake from our CMS", "roles": ["referrer"], "expires_in_days": 90}))]
pub struct CreateTokenRequest {
    /// The organisation it acts for, by id or slug (default: the caller's).
    #[schema(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
    /// What it is for (1-120 characters).
    #[schema(max_length = 120, pattern = "{line}")]
    pub name: String,
    /// Roles it grants.
    #[schema(schema_with = super::openapi::names::roles)]
    pub roles: Vec<String>,
    /// Lifetime in days (1-3650); absent means it never expires.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// A created token and its secret, which is shown only in this response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedTokenResponse {
    /// The token.
    pub token: TokenResponse,
    /// The secret to send as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    pub secret: String,
}

/// Filters for the token list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TokenFilter {
    /// Only this organisation's tokens, by id or slug (default: the caller's; instance admins
    /// and auditors may pass `all`).
    #[param(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
}

async fn visible_token(state: &AppState, principal: &Principal, id: TokenId) -> ApiResult<ApiToken> {
    let token = state.store.get_token(id).await?;
    super::require_member_visibility(principal, token.organisation_id)?;
    Ok(token)
}

/// List tokens.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(TokenFilter),
    responses((status = 200, body = [TokenResponse]), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(filter): ApiQuery<TokenFilter>,
) -> ApiResult<Json<Vec<TokenResponse>>> {
    let scope = member_scope(&state, &principal, filter.organisation_id.as_deref()).await?;
    let now = state.store.now();
    let tokens = state.store.list_tokens(scope).await?;
    Ok(Json(tokens.into_iter().map(|token| TokenResponse::new(token, now)).collect()))
}

/// Create a token (admins of its organisation). The secret is in this response only.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedTokenResponse), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedTokenResponse>)> {
    let organisation = super::member_organisation(&state, &principal, request.organisation_id.as_deref()).await?;
    let expires_at = match request.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => Some(state.store.now() + chrono::Duration::days(i64::from(days))),
        Some(_) => {
            return Err(ApiError::field("expires_in_days", "must be between 1 and 3650"));
        }
    };
    let token_request =
        TokenRequest { organisation_id: organisation, name: &request.name, roles: &request.roles, expires_at };
    let (token, secret) = app::create_token(&state.store, principal.actor, token_request).await?;
    let now = state.store.now();
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenResponse { token: TokenResponse::new(token, now), secret: secret.expose().to_owned() }),
    ))
}

/// One token.
#[utoipa::path(get, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 200, body = TokenResponse), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TokenResponse>> {
    let token = visible_token(&state, &principal, TokenId(id)).await?;
    Ok(Json(TokenResponse::new(token, state.store.now())))
}

/// Revoke a token (admins of its organisation). Revoking twice is harmless.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 200, body = TokenResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<TokenResponse>> {
    let token = visible_token(&state, &principal, TokenId(id)).await?;
    require(&principal, Permission::ManageMembers(token.organisation_id))?;
    let revoked = state.store.revoke_token(token.id, principal.actor).await?;
    state.token_cache.clear();
    Ok(Json(TokenResponse::new(revoked, state.store.now())))
}
