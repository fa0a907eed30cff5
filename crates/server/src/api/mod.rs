//! The JSON API under `/v1`: one module per resource, each with its wire types. The OpenAPI
//! document is generated from the handlers' annotations, so it cannot drift from the code.

pub mod actions;
pub mod audit;
pub mod banks;
pub mod case_media;
pub mod cases;
pub mod complaints;
pub mod matching;
pub mod me;
pub mod openapi;
pub mod organisations;
pub mod preferences;
pub mod preservation;
pub mod rematch;
pub mod submissions;
pub mod system;
pub mod tokens;
pub mod users;

use axum::extract::DefaultBodyLimit;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::ids::OrganisationId;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigie API",
        description = "The direct, accountable channel between referral units, trusted flaggers, users and \
                       platforms for terrorist content online. Authenticate with `Authorization: Bearer <token>`; \
                       create tokens with `vigie token create` or in the console. Errors are \
                       application/problem+json (RFC 9457) with an `errors` list naming each offending field.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "organisations", description = "Participants: platforms, referral units, trusted flaggers, NGOs, ISPs"),
        (name = "users", description = "Console accounts and their roles"),
        (name = "tokens", description = "API tokens, scoped to an organisation and roles"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "submissions", description = "Intake: TCO removal orders, referrals, DSA notices, public reports and \
                                              partner flags, each answered at once with a receipt and a deadline"),
        (name = "cases", description = "The review queue: submissions about the same content, grouped, by deadline"),
        (name = "actions", description = "What decisions ask of platforms (remove, restrict, label, attach counter-speech, \
                                          reinstate), sent to their webhook endpoints or pulled, and their confirmations"),
        (name = "complaints", description = "Complaints against decisions (DSA Art. 20, TCO Art. 10), answered by another \
                                             reviewer; a reversal reinstates"),
        (name = "preservation", description = "Removed content kept six months (TCO Art. 6), opened only with a stated \
                                               purpose, extended on an authority's request, then purged"),
        (name = "banks", description = "Hash banks of known content, and matching against them"),
        (name = "system", description = "Health, readiness and metrics")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("vigie_<64 hex>").build(),
            ),
        );
    }
}

/// The `/v1` routes with their OpenAPI description.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(me::router())
        .merge(preferences::router())
        .merge(organisations::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(banks::router())
        .merge(rematch::router())
        .merge(matching::router())
        .merge(submissions::router())
        .merge(cases::router())
        .merge(case_media::router())
        .merge(actions::router())
        .merge(complaints::router())
        .merge(preservation::router())
        .layer(DefaultBodyLimit::max(state.settings.json_body_limit))
        // Merged after the JSON limit so these routes get the larger one.
        .merge(
            banks::upload_router()
                .merge(matching::upload_router())
                .layer(DefaultBodyLimit::max(state.settings.upload_limit)),
        )
        // Submissions limit each part while reading it (JSON, each media file, batch size).
        .merge(submissions::upload_router().layer(DefaultBodyLimit::disable()))
}

/// Answers any unknown path with a problem body.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Checks that `principal` may see the members (users, tokens) of `owner`: another
/// organisation's private records answer 404, so their existence does not leak; one's own
/// organisation's, 403.
pub fn require_member_visibility(principal: &Principal, owner: OrganisationId) -> ApiResult<()> {
    if principal.may(Permission::ReadMembers(owner)) {
        Ok(())
    } else if owner == principal.organisation_id {
        Err(ApiError::Forbidden)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The organisation a new member joins (`requested`: an id or slug in `organisation_id`, or
/// the caller's), once it exists and the caller may manage its members.
pub async fn member_organisation(
    state: &AppState,
    principal: &Principal,
    requested: Option<&str>,
) -> ApiResult<OrganisationId> {
    let organisation =
        requested_organisation(state, "organisation_id", requested).await?.unwrap_or(principal.organisation_id);
    require(principal, Permission::ManageMembers(organisation))?;
    Ok(organisation)
}

/// The organisation a request's optional `field` names (its id, slug or name), if it names one;
/// one that names none is a 400 naming the field.
pub async fn requested_organisation(
    state: &AppState,
    field: &str,
    requested: Option<&str>,
) -> ApiResult<Option<OrganisationId>> {
    match requested {
        None => Ok(None),
        Some(text) => Ok(Some(crate::app::resolve_organisation(&state.store, field, text).await?.id)),
    }
}

/// Which organisation a list filtered by `organisation_id` is about: the caller's when absent,
/// every organisation for `all` (`None`), else the one named by id or slug.
pub async fn organisation_scope(
    state: &AppState,
    principal: &Principal,
    requested: Option<&str>,
) -> ApiResult<Option<OrganisationId>> {
    match requested {
        None => Ok(Some(principal.organisation_id)),
        Some("all") => Ok(None),
        Some(_) => requested_organisation(state, "organisation_id", requested).await,
    }
}

/// Fails with 403 unless `principal` holds `permission`.
pub fn require(principal: &Principal, permission: Permission) -> ApiResult<()> {
    if principal.may(permission) { Ok(()) } else { Err(ApiError::Forbidden) }
}
