//! `/console/preferences`: how reported media are shown to the logged-in reviewer before they
//! reveal them (blur, greyscale). Saving is one audit event (`user.set_media_preferences`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vigie_domain::media_view::MediaPreferences;

use super::texts::Texts;
use super::{ConsoleError, ConsoleSession, Nav, form_value, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "console/preferences.html")]
struct PreferencesPage {
    nav: Option<Nav>,
    t: Texts,
    csrf: String,
    blur: bool,
    greyscale: bool,
    saved: bool,
}

fn page(session: &ConsoleSession, preferences: MediaPreferences, saved: bool) -> Response {
    render(&PreferencesPage {
        nav: session.nav(),
        t: session.texts(),
        csrf: session.session.csrf_token.clone(),
        blur: preferences.blur,
        greyscale: preferences.greyscale,
        saved,
    })
}

pub(super) async fn form(State(state): State<AppState>, session: ConsoleSession) -> Result<Response, ConsoleError> {
    let preferences = state.store.get_media_preferences(session.principal.actor).await?;
    Ok(page(&session, preferences, false))
}

/// A checkbox sends its value when ticked and nothing otherwise: absent means off.
pub(super) async fn submit(
    State(state): State<AppState>,
    session: ConsoleSession,
    body: String,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form_value(&body, "csrf"))?;
    let wanted =
        MediaPreferences { blur: form_value(&body, "blur") == "on", greyscale: form_value(&body, "greyscale") == "on" };
    let saved =
        state.store.set_media_preferences(session.principal.actor, session.principal.organisation_id, wanted).await?;
    Ok(page(&session, saved, true))
}
