//! The overview, the organisation directory, and each organisation's users and tokens.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;
use vigie_domain::access::{Permission, Role, RoleSet};
use vigie_domain::ids::{OrganisationId, TokenId, UserId};
use vigie_domain::organisation::{Organisation, OrganisationDraft, OrganisationKind};
use vigie_domain::user::UserDraft;
use vigie_store::UserChange;

use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, FormErrors, Nav, PagePath, form_value, form_values, render};
use crate::AppState;
use crate::app::{self, InitialPassword, TokenRequest};
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    nav: Option<Nav>,
    t: Texts,
    email: String,
    organisation_id: OrganisationId,
    organisation_name: String,
    organisation_kind: String,
    roles: String,
    organisation_count: usize,
    user_count: Option<usize>,
    token_count: Option<usize>,
}

/// Roles in words, in the page's language.
fn role_list(t: Texts, roles: RoleSet) -> String {
    roles.iter().map(|role| t.role(role)).collect::<Vec<_>>().join(", ")
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    session: ConsoleSession,
) -> Result<Response, ConsoleError> {
    let own = session.principal.organisation_id;
    let organisation = state.store.get_organisation(own).await?;
    let organisation_count = state.store.list_organisations().await?.len();
    let (user_count, token_count) = if session.principal.may(Permission::ReadMembers(own)) {
        let scope = if session.principal.may(Permission::ReadAudit(None)) { None } else { Some(own) };
        let now = state.store.now();
        let users = state.store.list_users(scope).await?.len();
        let tokens =
            state.store.list_tokens(scope).await?.iter().filter(|token| token.check_usable(now).is_ok()).count();
        (Some(users), Some(tokens))
    } else {
        (None, None)
    };
    let t = session.texts();
    Ok(render(&DashboardPage {
        nav: session.nav(),
        t,
        email: session.session.user.email.as_str().to_owned(),
        organisation_id: own,
        organisation_name: organisation.name,
        organisation_kind: t.organisation_kind(&organisation.kind),
        roles: role_list(session.texts(), session.principal.roles),
        organisation_count,
        user_count,
        token_count,
    }))
}

#[derive(Default)]
struct OrganisationForm {
    name: String,
    kind: String,
    country: String,
    contact_email: String,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "console/organisations.html")]
struct OrganisationsPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    organisations: Vec<Organisation>,
    can_create: bool,
    kinds: [OrganisationKind; 5],
    form: OrganisationForm,
}

async fn organisations_page(
    state: &AppState,
    session: &ConsoleSession,
    form: OrganisationForm,
) -> Result<Response, ConsoleError> {
    session.require(Permission::ReadDirectory)?;
    let failed = !form.errors.is_empty();
    let page = OrganisationsPage {
        nav: session.nav(),
        t: session.texts(),
        csrf: session.session.csrf_token.clone(),
        organisations: state.store.list_organisations().await?,
        can_create: session.principal.may(Permission::ManageOrganisations),
        kinds: OrganisationKind::ALL,
        form,
    };
    let status = if failed { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn list(State(state): State<AppState>, session: ConsoleSession) -> Result<Response, ConsoleError> {
    organisations_page(&state, &session, OrganisationForm { kind: "platform".into(), ..Default::default() }).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    session.require(Permission::ManageOrganisations)?;
    let mut form = OrganisationForm {
        name: form_value(&body, "name"),
        kind: form_value(&body, "kind"),
        country: form_value(&body, "country"),
        contact_email: form_value(&body, "contact_email"),
        errors: Vec::new(),
    };
    let draft = OrganisationDraft {
        name: &form.name,
        slug: None,
        kind: &form.kind,
        country: &form.country,
        contact_email: &form.contact_email,
    };
    let result = match draft.validate() {
        Ok(organisation) => {
            state.store.insert_organisation(&organisation, false, session.principal.actor).await.map_err(ApiError::from)
        }
        Err(error) => Err(ApiError::Validation(error)),
    };
    match result {
        Ok(organisation) => Ok(Redirect::to(&format!("/console/organisations/{}", organisation.id)).into_response()),
        Err(error @ (ApiError::Validation(_) | ApiError::Conflict { .. })) => {
            form.errors =
                error.problem().errors.into_iter().map(|e| vigie_domain::FieldIssue::new(e.field, e.message)).collect();
            organisations_page(&state, &session, form).await
        }
        Err(error) => Err(error.into()),
    }
}

/// A role's checkbox in a form: its id, its name and what it allows, and whether it is ticked.
struct RoleChoice {
    value: &'static str,
    label: String,
    help: String,
    checked: bool,
}

fn role_choices(t: Texts, checked: &[String]) -> Vec<RoleChoice> {
    Role::ALL
        .into_iter()
        .map(|role| RoleChoice {
            value: role.as_str(),
            label: t.role(role),
            help: t.role_help(role),
            checked: checked.iter().any(|value| value == role.as_str()),
        })
        .collect()
}

/// What was typed in the "Add a user" form, shown again when it is refused.
#[derive(Default)]
struct UserForm {
    email: String,
    display_name: String,
    roles: Vec<String>,
}

/// What was typed in the "Create an API token" form, shown again when it is refused.
struct TokenForm {
    name: String,
    roles: Vec<String>,
    expires_in_days: String,
}

impl Default for TokenForm {
    fn default() -> Self {
        Self { name: String::new(), roles: Vec::new(), expires_in_days: "90".into() }
    }
}

/// Which form a page shows open, with what was typed in it.
enum OpenForm {
    None,
    User(UserForm),
    Token(TokenForm),
}

struct UserRow {
    id: UserId,
    display_name: String,
    email: String,
    roles: String,
    disabled: bool,
}

struct TokenRow {
    id: TokenId,
    name: String,
    roles: String,
    /// `active`, `expired` or `revoked`.
    state: &'static str,
    state_label: String,
    expires: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "console/organisation.html")]
struct OrganisationPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    organisation: Organisation,
    can_read_members: bool,
    can_manage: bool,
    users: Vec<UserRow>,
    tokens: Vec<TokenRow>,
    errors: FormErrors,
    open_form: &'static str,
    user_form: UserForm,
    user_roles: Vec<RoleChoice>,
    token_form: TokenForm,
    token_roles: Vec<RoleChoice>,
}

fn format_time(time: Option<chrono::DateTime<chrono::Utc>>, none: &str) -> String {
    time.map_or_else(|| none.to_owned(), |time| time.format("%Y-%m-%d %H:%M UTC").to_string())
}

async fn organisation_page(
    state: &AppState,
    session: &ConsoleSession,
    id: OrganisationId,
    errors: FormErrors,
    open_form: OpenForm,
) -> Result<Response, ConsoleError> {
    session.require(Permission::ReadDirectory)?;
    let t = session.texts();
    let organisation = state.store.get_organisation(id).await?;
    let can_read_members = session.principal.may(Permission::ReadMembers(id));
    let (users, tokens) = if can_read_members {
        let now = state.store.now();
        let users = state.store.list_users(Some(id)).await?;
        let tokens = state.store.list_tokens(Some(id)).await?;
        let users = users
            .into_iter()
            .map(|user| UserRow {
                id: user.id,
                display_name: user.display_name,
                email: user.email.as_str().to_owned(),
                roles: role_list(t, user.roles),
                disabled: user.disabled_at.is_some(),
            })
            .collect();
        let tokens = tokens
            .into_iter()
            .map(|token| {
                let (state, state_label) = match token.check_usable(now) {
                    Ok(()) => ("active", t.msg("token-state-active")),
                    Err(vigie_domain::token::TokenRejection::Expired) => ("expired", t.msg("token-state-expired")),
                    Err(vigie_domain::token::TokenRejection::Revoked) => ("revoked", t.msg("token-state-revoked")),
                };
                TokenRow {
                    id: token.id,
                    state,
                    state_label,
                    name: token.name,
                    roles: role_list(t, token.roles),
                    expires: format_time(token.expires_at, &t.msg("token-never")),
                    last_used: format_time(token.last_used_at, &t.msg("token-never")),
                }
            })
            .collect();
        (users, tokens)
    } else {
        (Vec::new(), Vec::new())
    };
    let failed = !errors.is_empty();
    let (open_form, user_form, token_form) = match open_form {
        OpenForm::None => ("", UserForm::default(), TokenForm::default()),
        OpenForm::User(form) => ("user", form, TokenForm::default()),
        OpenForm::Token(form) => ("token", UserForm::default(), form),
    };
    let page = OrganisationPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        organisation,
        can_read_members,
        can_manage: session.principal.may(Permission::ManageMembers(id)),
        users,
        tokens,
        errors,
        open_form,
        user_roles: role_choices(t, &user_form.roles),
        user_form,
        token_roles: role_choices(t, &token_form.roles),
        token_form,
    };
    let status = if failed { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
) -> Result<Response, ConsoleError> {
    organisation_page(&state, &session, OrganisationId(id), Vec::new(), OpenForm::None).await
}

#[derive(Template)]
#[template(path = "console/secret.html")]
struct SecretPage {
    nav: Option<Nav>,
    t: Texts,
    title: String,
    explanation: String,
    /// How to use the secret, shown as code (the API token's header), when there is one.
    usage: Option<&'static str>,
    secret: String,
    back_href: String,
    back_label: String,
}

pub(super) fn issues_of(error: ApiError) -> Result<FormErrors, ConsoleError> {
    match error {
        ApiError::Validation(_) | ApiError::Conflict { .. } => Ok(error
            .problem()
            .errors
            .into_iter()
            .map(|issue| vigie_domain::FieldIssue::new(issue.field, issue.message))
            .collect()),
        other => Err(other.into()),
    }
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let organisation_id = OrganisationId(id);
    session.require(Permission::ManageMembers(organisation_id))?;
    let organisation = state.store.get_organisation(organisation_id).await?;
    let email = form_value(&body, "email");
    let display_name = form_value(&body, "display_name");
    let roles = form_values(&body, "roles");
    let draft = UserDraft { organisation_id, email: &email, display_name: &display_name, roles: &roles };
    let created = match draft.validate() {
        Ok(user) => app::create_user(&state.store, session.principal.actor, &user, InitialPassword::Generate)
            .await
            .map_err(ApiError::from),
        Err(error) => Err(ApiError::Validation(error)),
    };
    match created {
        Ok(created) => Ok(render(&SecretPage {
            nav: session.nav(),
            t: session.texts(),
            title: session.texts().msg("user-created-title"),
            explanation: session.texts().msg2(
                "user-created-detail",
                "name",
                &created.user.display_name,
                "email",
                created.user.email.as_str(),
            ),
            usage: None,
            secret: created.generated_password.unwrap_or_default(),
            back_href: format!("/console/organisations/{}", organisation.id),
            back_label: organisation.name,
        })
        .into_response()),
        Err(error) => {
            let form = UserForm { email, display_name, roles };
            organisation_page(&state, &session, organisation_id, issues_of(error)?, OpenForm::User(form)).await
        }
    }
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let organisation_id = OrganisationId(id);
    session.require(Permission::ManageMembers(organisation_id))?;
    let organisation = state.store.get_organisation(organisation_id).await?;
    let name = form_value(&body, "name");
    let roles = form_values(&body, "roles");
    let days = form_value(&body, "expires_in_days");
    let expires_at = match days.trim() {
        "" => Ok(None),
        text => match text.parse::<i64>() {
            Ok(days @ 1..=3650) => Ok(Some(state.store.now() + chrono::Duration::days(days))),
            _ => Err(ApiError::field("expires_in_days", "must be a whole number of days between 1 and 3650")),
        },
    };
    let created = match expires_at {
        Ok(expires_at) => {
            let request = TokenRequest { organisation_id, name: &name, roles: &roles, expires_at };
            app::create_token(&state.store, session.principal.actor, request).await.map_err(ApiError::from)
        }
        Err(error) => Err(error),
    };
    match created {
        Ok((token, secret)) => Ok(render(&SecretPage {
            nav: session.nav(),
            t: session.texts(),
            title: session.texts().msg("token-created-title"),
            explanation: session.texts().msg2(
                "token-created-detail",
                "organisation",
                &organisation.name,
                "roles",
                role_list(session.texts(), token.roles),
            ),
            usage: Some("Authorization: Bearer <token>"),
            secret: secret.expose().to_owned(),
            back_href: format!("/console/organisations/{}", organisation.id),
            back_label: organisation.name,
        })
        .into_response()),
        Err(error) => {
            let form = TokenForm { name, roles, expires_in_days: days };
            organisation_page(&state, &session, organisation_id, issues_of(error)?, OpenForm::Token(form)).await
        }
    }
}

pub(super) async fn set_user_state(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath((id, action)): PagePath<(Uuid, String)>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::NotFound.into()),
    };
    let user = state.store.get_user(UserId(id)).await?;
    session.require(Permission::ManageMembers(user.organisation_id))?;
    if disabled && user.id == session.session.user.id {
        return Err(ApiError::field("disabled", "you cannot disable your own account").into());
    }
    let change = UserChange { disabled: Some(disabled), ..Default::default() };
    state.store.update_user(user.id, &change, session.principal.actor).await?;
    Ok(Redirect::to(&format!("/console/organisations/{}", user.organisation_id)).into_response())
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let token = state.store.get_token(TokenId(id)).await?;
    session.require(Permission::ManageMembers(token.organisation_id))?;
    state.store.revoke_token(token.id, session.principal.actor).await?;
    state.token_cache.clear();
    Ok(Redirect::to(&format!("/console/organisations/{}", token.organisation_id)).into_response())
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    title: String,
    detail: String,
    action: String,
    button: String,
    cancel_href: String,
}

/// `GET /console/users/{id}/disable`: asks before disabling (the table's button leads here, so
/// the destructive step is a second, deliberate form, without needing JavaScript).
pub(super) async fn confirm_user_state(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath((id, action)): PagePath<(Uuid, String)>,
) -> Result<Response, ConsoleError> {
    if action != "disable" {
        return Err(ApiError::NotFound.into());
    }
    let user = state.store.get_user(UserId(id)).await?;
    session.require(Permission::ManageMembers(user.organisation_id))?;
    let t = session.texts();
    Ok(render(&ConfirmPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        title: t.msg("confirm-disable-title"),
        detail: t.msg2("confirm-disable-detail", "name", &user.display_name, "email", user.email.as_str()),
        action: format!("/console/users/{}/disable", user.id),
        button: t.msg("confirm-disable-button"),
        cancel_href: format!("/console/organisations/{}", user.organisation_id),
    }))
}

/// `GET /console/tokens/{id}/revoke`: asks before revoking.
pub(super) async fn confirm_revoke(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
) -> Result<Response, ConsoleError> {
    let token = state.store.get_token(TokenId(id)).await?;
    session.require(Permission::ManageMembers(token.organisation_id))?;
    let organisation = state.store.get_organisation(token.organisation_id).await?;
    let t = session.texts();
    Ok(render(&ConfirmPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        title: t.msg("confirm-revoke-title"),
        detail: t.msg2("confirm-revoke-detail", "name", &token.name, "organisation", &organisation.name),
        action: format!("/console/tokens/{}/revoke", token.id),
        button: t.msg("confirm-revoke-button"),
        cancel_href: format!("/console/organisations/{}", token.organisation_id),
    }))
}
