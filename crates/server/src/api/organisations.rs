//! `/v1/organisations`: the directory of participants.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::access::Permission;
use vigie_domain::organisation::{Organisation, OrganisationDraft, OrganisationRef};

use super::openapi::names;
use super::require;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(show, update))
}

/// An organisation taking part in Vigie.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganisationResponse {
    /// Its id.
    pub id: Uuid,
    /// Unique display name.
    pub name: String,
    /// Unique short name, accepted wherever an organisation is named (`platform`,
    /// `organisation_id`, CLI flags) in place of its id.
    pub slug: String,
    /// `platform`, `referral_unit`, `trusted_flagger`, `ngo` or `isp`.
    pub kind: String,
    /// ISO 3166-1 alpha-2 country code (`EU` for EU bodies).
    pub country: String,
    /// Contact point for orders and notices, once known.
    pub contact_email: Option<String>,
    /// Whether it operates this Vigie instance.
    pub is_operator: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationResponse {
    fn from(organisation: Organisation) -> Self {
        Self {
            id: organisation.id.0,
            name: organisation.name,
            slug: organisation.slug.as_str().into(),
            kind: organisation.kind.as_str().into(),
            country: organisation.country.as_str().into(),
            contact_email: organisation.contact_email.map(|email| email.as_str().to_owned()),
            is_operator: organisation.is_operator,
            created_at: organisation.created_at,
            updated_at: organisation.updated_at,
        }
    }
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Unité de signalement", "slug": "unite-de-signalement", "kind": "referral_unit",
                          "country": "FR", "contact_email": "contact@signalement.example"}))]
pub struct CreateOrganisationRequest {
    /// Unique display name (1-200 characters).
    #[schema(max_length = 200, pattern = "{line}")]
    pub name: String,
    /// Unique short name: lower-case letters, digits and `-` (default: the name's, accents
    /// folded, with a numeric suffix if another organisation has it).
    #[schema(max_length = 63, pattern = "{slug}")]
    pub slug: Option<String>,
    /// `platform`, `referral_unit`, `trusted_flagger`, `ngo` or `isp`.
    #[schema(schema_with = names::organisation_kind)]
    pub kind: String,
    /// ISO 3166-1 alpha-2 country code, or `EU`.
    #[schema(schema_with = names::country)]
    pub country: String,
    /// Contact point for orders and notices.
    #[serde(default)]
    #[schema(max_length = 254, pattern = "{email_or_empty}")]
    pub contact_email: String,
}

/// Changes to an organisation; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisationRequest {
    /// New name (instance admins only); the slug stays as it was unless `slug` is given.
    #[schema(max_length = 200, pattern = "{line}")]
    pub name: Option<String>,
    /// New short name (instance admins only): requests and scripts naming the old one will no
    /// longer find the organisation.
    #[schema(max_length = 63, pattern = "{slug}")]
    pub slug: Option<String>,
    /// New kind (instance admins only).
    #[schema(schema_with = names::organisation_kind_or_null)]
    pub kind: Option<String>,
    /// New country (instance admins only).
    #[schema(schema_with = names::country_or_null)]
    pub country: Option<String>,
    /// New contact point (empty removes it).
    #[schema(max_length = 254, pattern = "{email_or_empty}")]
    pub contact_email: Option<String>,
}

/// List all organisations (the directory every participant may read).
#[utoipa::path(get, path = "/v1/organisations", tag = "organisations",
    responses((status = 200, body = [OrganisationResponse]), (status = 401, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<Vec<OrganisationResponse>>> {
    require(&principal, Permission::ReadDirectory)?;
    let organisations = state.store.list_organisations().await?;
    Ok(Json(organisations.into_iter().map(Into::into).collect()))
}

/// Create an organisation (instance admins).
#[utoipa::path(post, path = "/v1/organisations", tag = "organisations", request_body = CreateOrganisationRequest,
    responses((status = 201, body = OrganisationResponse), (status = 400, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<CreateOrganisationRequest>,
) -> ApiResult<(StatusCode, Json<OrganisationResponse>)> {
    require(&principal, Permission::ManageOrganisations)?;
    let draft = OrganisationDraft {
        name: &request.name,
        slug: request.slug.as_deref(),
        kind: &request.kind,
        country: &request.country,
        contact_email: &request.contact_email,
    };
    let organisation = state.store.insert_organisation(&draft.validate()?, false, principal.actor).await?;
    Ok((StatusCode::CREATED, Json(organisation.into())))
}

/// The organisation a path names by id or slug (or exact name), else 404.
async fn named_in_path(state: &AppState, text: &str) -> ApiResult<Organisation> {
    let reference = OrganisationRef::parse(text).map_err(|_| ApiError::NotFound)?;
    state.store.find_organisation(&reference).await?.ok_or(ApiError::NotFound)
}

/// One organisation, by id or slug.
#[utoipa::path(get, path = "/v1/organisations/{id}", tag = "organisations",
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 200, body = OrganisationResponse), (status = 404, body = Problem)))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OrganisationResponse>> {
    require(&principal, Permission::ReadDirectory)?;
    Ok(Json(named_in_path(&state, &id).await?.into()))
}

/// Change an organisation: its own admins may change its contact point; instance admins may
/// change everything.
#[utoipa::path(patch, path = "/v1/organisations/{id}", tag = "organisations", request_body = UpdateOrganisationRequest,
    params(("id" = String, Path, description = "Organisation id or slug")),
    responses((status = 200, body = OrganisationResponse), (status = 400, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Another organisation has this name or slug")))]
async fn update(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateOrganisationRequest>,
) -> ApiResult<Json<OrganisationResponse>> {
    let current = named_in_path(&state, &id).await?;
    let id = current.id;
    require(&principal, Permission::EditOrganisation(id))?;
    let changes_identity =
        request.name.is_some() || request.slug.is_some() || request.kind.is_some() || request.country.is_some();
    if changes_identity {
        require(&principal, Permission::ManageOrganisations)?;
    }
    let draft = OrganisationDraft {
        name: request.name.as_deref().unwrap_or(&current.name),
        slug: request.slug.as_deref(),
        kind: request.kind.as_deref().unwrap_or(current.kind.as_str()),
        country: request.country.as_deref().unwrap_or(current.country.as_str()),
        contact_email: request
            .contact_email
            .as_deref()
            .unwrap_or(current.contact_email.as_ref().map_or("", |email| email.as_str())),
    };
    let updated = state.store.update_organisation(id, &draft.validate()?, principal.actor).await?;
    Ok(Json(updated.into()))
}
