//! Hash banks in the console: the banks one may see, with a form to create one; each bank's
//! settings and its signals (with reviewers' feedback counts), enabling and disabling the bank
//! or a signal, and importing a signal file.
//!
//! The rules are the API's: a bank one may not see answers 404 like one that does not exist;
//! its signals are listed only to those who may read them; changes need `ManageBanks` on its
//! organisation, go through the same use cases, and resynchronise the match index at once.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;
use vigie_domain::access::{Permission, Principal};
use vigie_domain::bank::{Bank, BankDraft, BankVisibility, MAX_ORIGIN_CHARS, SignalType};
use vigie_domain::ids::{BankId, OrganisationId};
use vigie_domain::import::{ImportFormat, parse_signals};
use vigie_domain::validate::{FieldIssue, optional_text};
use vigie_store::{BankChange, Signal};

use super::organisations::issues_of;
use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, FormErrors, Nav, PagePath, form_value, render};
use crate::AppState;
use crate::api::banks::{UpdateBankRequest, checked_change, split_labels};
use crate::app::{self, ImportReport, SignalImport};
use crate::error::ApiError;
use crate::extract::repeated_field;

/// Signals per page on a bank's page.
const SIGNALS_PER_PAGE: u32 = 100;
/// Characters of a signal's value shown in the table (vPDQ values hold every frame's hash).
const VALUE_SHOWN_CHARS: usize = 72;
/// Bad lines of an import listed on the page; the rest are counted.
const ISSUES_SHOWN: usize = 50;

/// A signal type's or visibility's value and its words, for a `<select>`.
struct Choice {
    value: &'static str,
    label: String,
}

fn signal_type_choices(t: Texts) -> Vec<Choice> {
    SignalType::ALL.into_iter().map(|kind| Choice { value: kind.as_str(), label: signal_type_label(t, kind) }).collect()
}

fn visibility_choices(t: Texts) -> Vec<Choice> {
    BankVisibility::ALL
        .into_iter()
        .map(|visibility| Choice { value: visibility.as_str(), label: visibility_label(t, visibility) })
        .collect()
}

fn signal_type_label(t: Texts, kind: SignalType) -> String {
    match kind {
        SignalType::Pdq => t.msg("bank-type-pdq"),
        SignalType::Vpdq => t.msg("bank-type-vpdq"),
        SignalType::Md5 => t.msg("bank-type-md5"),
        SignalType::Sha256 => t.msg("bank-type-sha256"),
        SignalType::Url => t.msg("bank-type-url"),
    }
}

fn visibility_label(t: Texts, visibility: BankVisibility) -> String {
    match visibility {
        BankVisibility::Private => t.msg("bank-visibility-private"),
        BankVisibility::Match => t.msg("bank-visibility-match"),
        BankVisibility::Shared => t.msg("bank-visibility-shared"),
    }
}

/// The bank, if the user may know it exists; 404 otherwise, like a bank that does not.
async fn visible_bank(state: &AppState, principal: &Principal, id: BankId) -> Result<Bank, ConsoleError> {
    let bank = state.store.get_bank(id).await?.0;
    if principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility }) {
        Ok(bank)
    } else {
        Err(ApiError::NotFound.into())
    }
}

/// A signal and its bank, if the user may read that bank's signals; 404 otherwise.
async fn readable_signal(state: &AppState, principal: &Principal, id: i64) -> Result<(Signal, Bank), ConsoleError> {
    let signal = state.store.get_signal(id).await?;
    let bank = state.store.get_bank(BankId(signal.bank_id)).await?.0;
    if principal.may(Permission::ReadBankSignals { owner: bank.organisation_id, visibility: bank.visibility }) {
        Ok((signal, bank))
    } else {
        Err(ApiError::NotFound.into())
    }
}

/// One row of the banks table.
struct BankRow {
    id: BankId,
    name: String,
    owner: String,
    signal_type: String,
    enabled: bool,
    match_threshold: u32,
    visibility: String,
    signal_count: i64,
}

/// What was typed in the "New bank" form, shown again when it is refused.
struct BankForm {
    owner: String,
    name: String,
    signal_type: String,
    match_threshold: String,
    min_quality: String,
    visibility: String,
    description: String,
}

impl Default for BankForm {
    fn default() -> Self {
        Self {
            owner: String::new(),
            name: String::new(),
            signal_type: "pdq".into(),
            match_threshold: String::new(),
            min_quality: String::new(),
            visibility: "private".into(),
            description: String::new(),
        }
    }
}

/// An organisation the user may create banks for.
struct OwnerChoice {
    id: OrganisationId,
    name: String,
}

#[derive(Template)]
#[template(path = "console/banks.html")]
struct BanksPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    banks: Vec<BankRow>,
    owners: Vec<OwnerChoice>,
    signal_types: Vec<Choice>,
    visibilities: Vec<Choice>,
    form: BankForm,
    errors: FormErrors,
}

async fn banks_page(
    state: &AppState,
    session: &ConsoleSession,
    form: BankForm,
    errors: FormErrors,
) -> Result<Response, ConsoleError> {
    session.require(Permission::Match)?;
    let t = session.texts();
    let organisations = state.store.list_organisations().await?;
    let organisation_name = |id: OrganisationId| {
        organisations.iter().find(|organisation| organisation.id == id).map(|organisation| organisation.name.clone())
    };
    let banks = state
        .store
        .list_banks()
        .await?
        .into_iter()
        .map(|(bank, _)| bank)
        .filter(|bank| {
            session.principal.may(Permission::SeeBank { owner: bank.organisation_id, visibility: bank.visibility })
        })
        .map(|bank| BankRow {
            id: bank.id,
            owner: organisation_name(bank.organisation_id).unwrap_or_default(),
            signal_type: signal_type_label(t, bank.signal_type),
            visibility: visibility_label(t, bank.visibility),
            name: bank.name,
            enabled: bank.enabled,
            match_threshold: bank.match_threshold,
            signal_count: bank.signal_count,
        })
        .collect();
    // The user's own organisation first: the form's default owner.
    let own = session.principal.organisation_id;
    let mut owners: Vec<OwnerChoice> = organisations
        .iter()
        .filter(|organisation| session.principal.may(Permission::ManageBanks(organisation.id)))
        .map(|organisation| OwnerChoice { id: organisation.id, name: organisation.name.clone() })
        .collect();
    owners.sort_by_key(|owner| owner.id != own);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = BanksPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        banks,
        owners,
        signal_types: signal_type_choices(t),
        visibilities: visibility_choices(t),
        form,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

/// `GET /console/banks`: the banks the user may see.
pub(super) async fn list(State(state): State<AppState>, session: ConsoleSession) -> Result<Response, ConsoleError> {
    banks_page(&state, &session, BankForm::default(), Vec::new()).await
}

/// An optional whole number typed in `field`: empty is `None`.
fn optional_number(field: &str, text: &str, errors: &mut FormErrors) -> Option<u32> {
    match text.trim() {
        "" => None,
        text => match text.parse() {
            Ok(number) => Some(number),
            Err(_) => {
                errors.push(FieldIssue::new(field, "must be a whole number"));
                None
            }
        },
    }
}

/// `POST /console/banks`: creates a bank (admins and senior reviewers of its organisation).
pub(super) async fn create(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let form = BankForm {
        owner: form_value(&body, "organisation_id"),
        name: form_value(&body, "name"),
        signal_type: form_value(&body, "signal_type"),
        match_threshold: form_value(&body, "match_threshold"),
        min_quality: form_value(&body, "min_quality"),
        visibility: form_value(&body, "visibility"),
        description: form_value(&body, "description"),
    };
    let owner = match form.owner.trim() {
        "" => session.principal.organisation_id,
        text => OrganisationId(
            Uuid::parse_str(text).map_err(|_| ApiError::field("organisation_id", "must be an organisation's id"))?,
        ),
    };
    session.require(Permission::ManageBanks(owner))?;
    let mut errors = Vec::new();
    let match_threshold = optional_number("match_threshold", &form.match_threshold, &mut errors);
    let min_quality = optional_number("min_quality", &form.min_quality, &mut errors);
    if !errors.is_empty() {
        return banks_page(&state, &session, form, errors).await;
    }
    let draft = BankDraft {
        organisation_id: owner,
        name: &form.name,
        description: &form.description,
        signal_type: &form.signal_type,
        match_threshold,
        min_quality,
        auto_action: None,
        visibility: Some(&form.visibility),
    };
    let created = match draft.validate() {
        Ok(bank) => state.store.insert_bank(&bank, session.principal.actor).await.map_err(ApiError::from),
        Err(error) => Err(ApiError::Validation(error)),
    };
    match created {
        Ok(bank) => {
            state.engine.sync().await?;
            Ok(Redirect::to(&format!("/console/banks/{}", bank.id)).into_response())
        }
        Err(error) => banks_page(&state, &session, form, issues_of(error)?).await,
    }
}

/// One row of a bank's signals.
struct SignalRow {
    id: i64,
    /// The value, shortened when long.
    value: String,
    labels: Vec<String>,
    source: Option<String>,
    external_id: Option<String>,
    quality: Option<i32>,
    enabled: bool,
    seen_count: i64,
    confirmed_count: i64,
    false_positive_count: i64,
}

impl From<Signal> for SignalRow {
    fn from(signal: Signal) -> Self {
        let value = if signal.value.chars().count() > VALUE_SHOWN_CHARS {
            format!("{}…", signal.value.chars().take(VALUE_SHOWN_CHARS).collect::<String>())
        } else {
            signal.value
        };
        Self {
            id: signal.id,
            value,
            labels: split_labels(&signal.labels),
            source: signal.source,
            external_id: signal.external_id,
            quality: signal.quality,
            enabled: signal.enabled,
            seen_count: signal.seen_count,
            confirmed_count: signal.confirmed_count,
            false_positive_count: signal.false_positive_count,
        }
    }
}

/// The settings form as typed, shown again when it is refused.
struct SettingsForm {
    match_threshold: String,
    min_quality: String,
    auto_action: bool,
    visibility: String,
    description: String,
}

impl SettingsForm {
    fn of(bank: &Bank) -> Self {
        Self {
            match_threshold: bank.match_threshold.to_string(),
            min_quality: bank.min_quality.to_string(),
            auto_action: bank.auto_action,
            visibility: bank.visibility.as_str().to_owned(),
            description: bank.description.clone(),
        }
    }
}

/// What an import did, for the page that follows it.
struct ImportView {
    applied: bool,
    added: u64,
    already_present: u64,
    duplicates_merged: usize,
    issues: Vec<(usize, String)>,
    issues_omitted: usize,
}

impl From<ImportReport> for ImportView {
    fn from(report: ImportReport) -> Self {
        let issues_omitted = report.issues.len().saturating_sub(ISSUES_SHOWN);
        Self {
            applied: report.applied,
            added: report.added,
            already_present: report.already_present,
            duplicates_merged: report.duplicates_merged,
            issues: report.issues.into_iter().take(ISSUES_SHOWN).map(|issue| (issue.line, issue.message)).collect(),
            issues_omitted,
        }
    }
}

#[derive(Template)]
#[template(path = "console/bank.html")]
struct BankPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    bank: Bank,
    owner: String,
    signal_type: String,
    visibility: String,
    can_manage: bool,
    can_read_signals: bool,
    signals: Vec<SignalRow>,
    next_after: Option<i64>,
    settings: SettingsForm,
    visibilities: Vec<Choice>,
    errors: FormErrors,
    import: Option<ImportView>,
}

/// Paging of a bank's signals.
#[derive(Deserialize)]
pub(super) struct SignalPaging {
    after: Option<i64>,
}

/// What the bank's page shows beyond the bank itself.
struct BankPageParts {
    after: i64,
    settings: Option<SettingsForm>,
    errors: FormErrors,
    import: Option<ImportView>,
}

async fn bank_page(
    state: &AppState,
    session: &ConsoleSession,
    bank: Bank,
    parts: BankPageParts,
) -> Result<Response, ConsoleError> {
    let t = session.texts();
    let owner = state.store.get_organisation(bank.organisation_id).await?.name;
    let can_read_signals =
        session.principal.may(Permission::ReadBankSignals { owner: bank.organisation_id, visibility: bank.visibility });
    let (signals, next_after) = if can_read_signals {
        let signals = state.store.list_signals(bank.id, parts.after, SIGNALS_PER_PAGE).await?;
        let next_after = (signals.len() == SIGNALS_PER_PAGE as usize).then(|| signals.last().map(|signal| signal.id));
        (signals.into_iter().map(SignalRow::from).collect(), next_after.flatten())
    } else {
        (Vec::new(), None)
    };
    let failed = !parts.errors.is_empty() || parts.import.as_ref().is_some_and(|import| !import.applied);
    let page = BankPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        owner,
        signal_type: signal_type_label(t, bank.signal_type),
        visibility: visibility_label(t, bank.visibility),
        can_manage: session.principal.may(Permission::ManageBanks(bank.organisation_id)),
        can_read_signals,
        signals,
        next_after,
        settings: parts.settings.unwrap_or_else(|| SettingsForm::of(&bank)),
        visibilities: visibility_choices(t),
        errors: parts.errors,
        import: parts.import,
        bank,
    };
    let status = if failed { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// `GET /console/banks/{id}`: the bank's settings and a page of its signals.
pub(super) async fn show(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    Query(paging): Query<SignalPaging>,
) -> Result<Response, ConsoleError> {
    let bank = visible_bank(&state, &session.principal, BankId(id)).await?;
    let parts = BankPageParts { after: paging.after.unwrap_or(0), settings: None, errors: Vec::new(), import: None };
    bank_page(&state, &session, bank, parts).await
}

/// `POST /console/banks/{id}`: changes the bank's threshold, minimum quality, automatic
/// action, visibility and description.
pub(super) async fn update(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let bank = visible_bank(&state, &session.principal, BankId(id)).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    let settings = SettingsForm {
        match_threshold: form_value(&body, "match_threshold"),
        min_quality: form_value(&body, "min_quality"),
        auto_action: form_value(&body, "auto_action") == "on",
        visibility: form_value(&body, "visibility"),
        description: form_value(&body, "description"),
    };
    let mut errors = Vec::new();
    let match_threshold = optional_number("match_threshold", &settings.match_threshold, &mut errors);
    let min_quality = optional_number("min_quality", &settings.min_quality, &mut errors);
    let request = UpdateBankRequest {
        enabled: None,
        match_threshold,
        min_quality,
        auto_action: Some(settings.auto_action),
        description: Some(settings.description.clone()),
        visibility: Some(settings.visibility.clone()),
    };
    let change = match checked_change(&bank, request) {
        Ok(change) if errors.is_empty() => Ok(change),
        Ok(_) => Err(errors),
        Err(error) => Err(issues_of(error)?),
    };
    match change {
        Ok(change) => {
            state.store.update_bank(bank.id, &change, session.principal.actor).await?;
            state.engine.sync().await?;
            Ok(Redirect::to(&format!("/console/banks/{}", bank.id)).into_response())
        }
        Err(errors) => {
            let parts = BankPageParts { after: 0, settings: Some(settings), errors, import: None };
            bank_page(&state, &session, bank, parts).await
        }
    }
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

/// `GET /console/banks/{id}/disable`: asks before disabling the whole bank.
pub(super) async fn confirm_disable(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
) -> Result<Response, ConsoleError> {
    let bank = visible_bank(&state, &session.principal, BankId(id)).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    let t = session.texts();
    Ok(render(&ConfirmPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        title: t.msg("bank-disable-title"),
        detail: t.msg2("bank-disable-detail", "name", &bank.name, "count", bank.signal_count),
        action: format!("/console/banks/{}/disable", bank.id),
        button: t.msg("bank-disable-button"),
        cancel_href: format!("/console/banks/{}", bank.id),
    }))
}

async fn set_bank_enabled(
    state: &AppState,
    session: &ConsoleSession,
    id: Uuid,
    body: &str,
    enabled: bool,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(body, "csrf"))?;
    let bank = visible_bank(state, &session.principal, BankId(id)).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    let change = BankChange { enabled: Some(enabled), ..BankChange::default() };
    state.store.update_bank(bank.id, &change, session.principal.actor).await?;
    state.engine.sync().await?;
    Ok(Redirect::to(&format!("/console/banks/{}", bank.id)).into_response())
}

/// `POST /console/banks/{id}/disable`: the bank matches nothing until enabled again.
pub(super) async fn disable(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    set_bank_enabled(&state, &session, id, &body, false).await
}

/// `POST /console/banks/{id}/enable`.
pub(super) async fn enable(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    body: String,
) -> Result<Response, ConsoleError> {
    set_bank_enabled(&state, &session, id, &body, true).await
}

/// `GET /console/signals/{id}/disable`: asks before disabling a signal.
pub(super) async fn confirm_disable_signal(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<i64>,
) -> Result<Response, ConsoleError> {
    let (signal, bank) = readable_signal(&state, &session.principal, id).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    let t = session.texts();
    Ok(render(&ConfirmPage {
        nav: session.nav(),
        t,
        csrf: session.session.csrf_token.clone(),
        title: t.msg("signal-disable-title"),
        detail: t.msg2("signal-disable-detail", "id", signal.id, "bank", &bank.name),
        action: format!("/console/signals/{}/disable", signal.id),
        button: t.msg("signal-disable-button"),
        cancel_href: format!("/console/banks/{}", bank.id),
    }))
}

async fn set_signal_enabled(
    state: &AppState,
    session: &ConsoleSession,
    id: i64,
    body: &str,
    enabled: bool,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(body, "csrf"))?;
    let (signal, bank) = readable_signal(state, &session.principal, id).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    state.store.set_signal_enabled(signal.id, enabled, session.principal.actor).await?;
    state.engine.sync().await?;
    Ok(Redirect::to(&format!("/console/banks/{}", bank.id)).into_response())
}

/// `POST /console/signals/{id}/disable`: the signal matches nothing until enabled again.
pub(super) async fn disable_signal(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<i64>,
    body: String,
) -> Result<Response, ConsoleError> {
    set_signal_enabled(&state, &session, id, &body, false).await
}

/// `POST /console/signals/{id}/enable`.
pub(super) async fn enable_signal(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<i64>,
    body: String,
) -> Result<Response, ConsoleError> {
    set_signal_enabled(&state, &session, id, &body, true).await
}

/// What the import form sent.
#[derive(Default)]
struct ImportForm {
    csrf: String,
    format: String,
    source: String,
    skip_invalid: bool,
    file: Vec<u8>,
}

async fn read_import_form(mut multipart: Multipart) -> Result<ImportForm, ConsoleError> {
    let unreadable = |_| ApiError::MalformedBody { detail: "the form could not be read".into(), field: None };
    let mut form = ImportForm::default();
    let mut seen = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        // Every field of the form is single: a second would silently replace the first.
        if matches!(name.as_str(), "csrf" | "format" | "source" | "skip_invalid" | "file") {
            if seen.contains(&name) {
                return Err(repeated_field(&name).into());
            }
            seen.push(name.clone());
        }
        let bytes = field.bytes().await.map_err(unreadable)?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => form.csrf = text(),
            "format" => form.format = text(),
            "source" => form.source = text(),
            "skip_invalid" => form.skip_invalid = text() == "on",
            "file" => form.file = bytes.to_vec(),
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /console/banks/{id}/import`: imports a signal file (`multipart/form-data`, within the
/// console's 2 MB body limit) through the same use case as the API and the CLI.
pub(super) async fn import(
    State(state): State<AppState>,
    session: ConsoleSession,
    PagePath(id): PagePath<Uuid>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let form = read_import_form(multipart).await?;
    session.check_csrf(&form.csrf)?;
    let bank = visible_bank(&state, &session.principal, BankId(id)).await?;
    session.require(Permission::ManageBanks(bank.organisation_id))?;
    let format = ImportFormat::parse(if form.format.is_empty() { "auto" } else { &form.format })
        .map_err(|message| ApiError::field("format", message))?;
    if form.file.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::field("file", "is empty: choose a file with one signal per line").into());
    }
    let text = String::from_utf8(form.file).map_err(|error| {
        ApiError::field("file", format!("is not UTF-8 text (byte {})", error.utf8_error().valid_up_to()))
    })?;
    let source = optional_text(Some(form.source.as_str()), MAX_ORIGIN_CHARS)
        .map_err(|message| ApiError::field("source", message))?;
    let signal_type = bank.signal_type;
    let parsed = tokio::task::spawn_blocking(move || parse_signals(&text, signal_type, format))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("import parsing failed: {error}")))?;
    let import = SignalImport {
        bank: &bank,
        parsed,
        skip_invalid: form.skip_invalid,
        source: source.as_deref(),
        actor: session.principal.actor,
        origin: "console",
    };
    let report = app::import_signals(&state.store, import, &mut |_| {}).await?;
    if report.applied {
        state.engine.sync().await?;
    }
    // The page shows the bank as it is now (its signal count), with what the import did.
    let bank = state.store.get_bank(bank.id).await?.0;
    let parts = BankPageParts { after: 0, settings: None, errors: Vec::new(), import: Some(report.into()) };
    bank_page(&state, &session, bank, parts).await
}
