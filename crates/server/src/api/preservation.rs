//! `/v1/cases/{id}/preservation`: removed content kept for six months (TCO Art. 6), opened
//! only with a stated purpose, extended on an authority's request, then purged.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use vigie_domain::ids::CaseId;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiPrincipal};
use crate::preservation::{self, AccessRequestBody, AccessView, ExtensionRequestBody, ExtensionView, PreservationView};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show)).routes(routes!(open)).routes(routes!(extend))
}

/// Where a case's preservation stands.
///
/// When the content was removed, until when it is kept, its extensions, and every opening of
/// it (who, when, why). The platform's reviewers and auditors see everything; an organisation
/// that sent a removal order or a referral in the case sees the dates and extensions. 409 while
/// the platform has not confirmed a takedown (nothing is preserved).
#[utoipa::path(get, path = "/v1/cases/{id}/preservation", tag = "preservation",
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = PreservationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "Nothing is preserved: no takedown was confirmed")))]
async fn show(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<PreservationView>> {
    Ok(Json(preservation::status(&state, &principal, CaseId(id)).await?))
}

/// Open a case's preserved content.
///
/// For thirty minutes, to the caller only, with a purpose among TCO Art. 6(1)'s (`complaint`,
/// `review_proceedings`, `investigation`) and a reason, both recorded with the caller's name in
/// the case's preservation and in the audit trail. Until then, the case shows its submissions'
/// legal fields only, and its media cannot be seen or downloaded.
#[utoipa::path(post, path = "/v1/cases/{id}/preservation/accesses", tag = "preservation",
    request_body = AccessRequestBody, params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 201, body = AccessView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Nothing is preserved"),
              (status = 410, body = Problem, description = "Purged")))]
async fn open(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AccessRequestBody>,
) -> ApiResult<(StatusCode, Json<AccessView>)> {
    let access = preservation::open(&state, &principal, CaseId(id), &request).await?;
    Ok((StatusCode::CREATED, Json(access.into())))
}

/// Extend a case's preservation.
///
/// On an authority's or a court's request, for as long as its proceedings need (TCO Art.
/// 6(2)): recorded by the platform's admins or senior reviewers, or by the authority itself
/// when it sent a removal order or a referral in the case. The content is kept until `until`,
/// and purged after.
#[utoipa::path(post, path = "/v1/cases/{id}/preservation/extensions", tag = "preservation",
    request_body = ExtensionRequestBody, params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 201, body = ExtensionView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem, description = "Nothing is preserved"),
              (status = 410, body = Problem, description = "Purged")))]
async fn extend(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ExtensionRequestBody>,
) -> ApiResult<(StatusCode, Json<ExtensionView>)> {
    let extension = preservation::extend(&state, &principal, CaseId(id), &request).await?;
    Ok((StatusCode::CREATED, Json(extension.into())))
}
