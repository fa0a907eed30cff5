//! `/v1/users`: console accounts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal, Role, RoleSet};
use vigie_domain::ids::{OrganisationId, UserId};
use vigie_domain::user::{User, UserDraft};
use vigie_domain::validate::bounded_text;
use vigie_store::UserChange;

use super::require;
use crate::AppState;
use crate::app::{self, InitialPassword};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal, ApiQuery};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(show, update)).routes(routes!(reset_password))
}

/// A user account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    /// Its id.
    pub id: Uuid,
    /// Its organisation.
    pub organisation_id: Uuid,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Roles, most powerful first.
    pub roles: Vec<String>,
    /// Whether it is disabled.
    pub disabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            organisation_id: user.organisation_id.0,
            email: user.email.as_str().into(),
            display_name: user.display_name,
            roles: role_names(user.roles),
            disabled: user.disabled_at.is_some(),
            created_at: user.created_at,
        }
    }
}

/// Role names of a set, most powerful first.
pub fn role_names(roles: RoleSet) -> Vec<String> {
    roles.iter().map(Role::as_str).map(String::from).collect()
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "videoshare",
                          "email": "reviewer@platform.example", "roles": ["reviewer"]}))]
pub struct CreateUserRequest {
    /// The organisation it joins, by id or slug (default: the caller's).
    #[schema(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
    /// Login email.
    #[schema(max_length = 254, pattern = "{email}")]
    pub email: String,
    /// Display name (default: the part of the email before `@`).
    #[serde(default)]
    #[schema(max_length = 120, pattern = "{line_or_empty}")]
    pub display_name: String,
    /// Roles: `admin`, `senior_reviewer`, `reviewer`, `referrer`, `auditor`, `viewer`.
    #[schema(schema_with = super::openapi::names::roles)]
    pub roles: Vec<String>,
    /// Initial password (12 to 256 characters); generated and returned once when absent.
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
}

/// A created user, with its generated password when none was given.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedUserResponse {
    /// The user.
    pub user: UserResponse,
    /// The generated initial password, shown only in this response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

/// Changes to a user; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New roles, replacing the old.
    #[schema(schema_with = super::openapi::names::roles_or_null)]
    pub roles: Option<Vec<String>>,
    /// Disable (true) or re-enable (false). Disabling ends the user's sessions.
    pub disabled: Option<bool>,
    /// New display name.
    #[schema(max_length = 120, pattern = "{line}")]
    pub display_name: Option<String>,
}

/// A newly generated password.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordResponse {
    /// The new password, shown only in this response.
    pub password: String,
}

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    /// Only this organisation's users, by id or slug (default: the caller's; instance admins
    /// and auditors may pass `all`).
    #[param(max_length = 200, pattern = "{line}")]
    pub organisation_id: Option<String>,
}

/// Resolves which organisation a list is about (`organisation_id`: an id, a slug or `all`),
/// and checks the caller may read it.
pub(super) async fn member_scope(
    state: &AppState,
    principal: &Principal,
    requested: Option<&str>,
) -> ApiResult<Option<OrganisationId>> {
    let scope = super::organisation_scope(state, principal, requested).await?;
    match scope {
        Some(organisation) => require(principal, Permission::ReadMembers(organisation))?,
        None => require(principal, Permission::ReadAudit(None))?,
    }
    Ok(scope)
}

/// Loads a user the caller may see, hiding other organisations' users behind 404.
async fn visible_user(state: &AppState, principal: &Principal, id: UserId) -> ApiResult<User> {
    let user = state.store.get_user(id).await?;
    super::require_member_visibility(principal, user.organisation_id)?;
    Ok(user)
}

/// List users.
#[utoipa::path(get, path = "/v1/users", tag = "users", params(UserFilter),
    responses((status = 200, body = [UserResponse]), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> ApiResult<Json<Vec<UserResponse>>> {
    let scope = member_scope(&state, &principal, filter.organisation_id.as_deref()).await?;
    let users = state.store.list_users(scope).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

/// Create a user (admins of its organisation).
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserResponse), (status = 400, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUserResponse>)> {
    let organisation = super::member_organisation(&state, &principal, request.organisation_id.as_deref()).await?;
    let draft = UserDraft {
        organisation_id: organisation,
        email: &request.email,
        display_name: &request.display_name,
        roles: &request.roles,
    };
    let user = draft.validate()?;
    let password = request.password.map_or(InitialPassword::Generate, InitialPassword::Given);
    let created = app::create_user(&state.store, principal.actor, &user, password).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUserResponse { user: created.user.into(), initial_password: created.generated_password }),
    ))
}

/// One user.
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = UserResponse), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(visible_user(&state, &principal, UserId(id)).await?.into()))
}

/// Change a user's roles, name or disabled state (admins of its organisation).
#[utoipa::path(patch, path = "/v1/users/{id}", tag = "users", request_body = UpdateUserRequest,
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = UserResponse), (status = 400, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserResponse>> {
    let user = visible_user(&state, &principal, UserId(id)).await?;
    require(&principal, Permission::ManageMembers(user.organisation_id))?;
    let roles = request
        .roles
        .as_deref()
        .map(RoleSet::parse_all)
        .transpose()
        .map_err(|message| ApiError::field("roles", message))?;
    let display_name = request
        .display_name
        .as_deref()
        .map(|name| bounded_text(name, 1, 120))
        .transpose()
        .map_err(|message| ApiError::field("display_name", message))?;
    if principal.actor == vigie_domain::access::Actor::User(user.id) && request.disabled == Some(true) {
        return Err(ApiError::field("disabled", "you cannot disable your own account"));
    }
    let change = UserChange { roles, disabled: request.disabled, display_name };
    Ok(Json(state.store.update_user(user.id, &change, principal.actor).await?.into()))
}

/// Replace a user's password with a generated one, returned once; ends the user's sessions.
#[utoipa::path(post, path = "/v1/users/{id}/password", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = PasswordResponse), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PasswordResponse>> {
    let user = visible_user(&state, &principal, UserId(id)).await?;
    require(&principal, Permission::ManageMembers(user.organisation_id))?;
    let password = crate::auth::generate_password();
    app::set_password(&state.store, principal.actor, user.id, password.clone()).await?;
    Ok(Json(PasswordResponse { password }))
}
