//! The language of a page (English or French) and how it is chosen: `?lang=`, then the
//! browser's `Accept-Language`, then English. Shared by the console and the public form, whose
//! texts are in `crates/server/locales/` (see `console::texts`).

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    /// The language of the console page being answered, for what is rendered without the
    /// request at hand (error pages).
    static PAGE_LANG: Lang;
}

/// The cookie that keeps a language chosen with `?lang=` for the pages after it.
pub(crate) const LANG_COOKIE: &str = "vigie_lang";

/// Middleware: answers the request with its language remembered for [`page_lang`], and keeps a
/// language asked for with `?lang=` in a cookie, so that links and forms stay in it.
pub(crate) async fn remember_page_lang(request: Request, next: Next) -> Response {
    let lang = Lang::choose(request.uri().query(), request.headers());
    let asked = Lang::asked(request.uri().query());
    let mut response = PAGE_LANG.scope(lang, next.run(request)).await;
    if let Some(asked) = asked {
        // Not a secret, but read by no script either: a year, for every page of the instance.
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict", asked.code());
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The language of the console page being answered; English outside a console request.
pub(crate) fn page_lang() -> Lang {
    PAGE_LANG.try_with(|lang| *lang).unwrap_or(Lang::En)
}

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The `lang` attribute and `?lang=` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The language a page's switch link offers.
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Fr,
            Self::Fr => Self::En,
        }
    }

    /// The language `?lang=` names, if it names one.
    fn asked(query: Option<&str>) -> Option<Self> {
        let asked = query.and_then(|query| {
            form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "lang").map(|(_, value)| value)
        });
        Self::from_code(asked.as_deref()?)
    }

    fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// `?lang=` when it names a language, otherwise the one kept from an earlier `?lang=` (its
    /// cookie), otherwise the one `Accept-Language` prefers (French when French ranks above
    /// English), otherwise English.
    pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Self {
        if let Some(asked) = Self::asked(query) {
            return asked;
        }
        let kept = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|cookies| cookies.split(';'))
            .filter_map(|cookie| cookie.trim().split_once('='))
            .find_map(|(name, value)| (name == LANG_COOKIE).then(|| Self::from_code(value)).flatten());
        if let Some(kept) = kept {
            return kept;
        }
        let header = headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).unwrap_or_default();
        Self::from_accept_language(header)
    }

    fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|parameter| parameter.trim().strip_prefix("q="))
                .find_map(|value| value.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("fr") => Self::Fr,
                Some("en") => Self::En,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(seen, _)| quality > seen) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_accept_language() {
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("de, *;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr;q=0"), Lang::En);
    }
}
