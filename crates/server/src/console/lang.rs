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

/// Middleware: answers the request with its language remembered for [`page_lang`].
pub(crate) async fn remember_page_lang(request: Request, next: Next) -> Response {
    let lang = Lang::choose(request.uri().query(), request.headers());
    PAGE_LANG.scope(lang, next.run(request)).await
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

    /// `?lang=` when it names a language, otherwise the one `Accept-Language` prefers
    /// (French when French ranks above English), otherwise English.
    pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Self {
        let asked = query.and_then(|query| {
            form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "lang").map(|(_, value)| value)
        });
        match asked.as_deref().map(str::trim) {
            Some("fr") => return Self::Fr,
            Some("en") => return Self::En,
            _ => {}
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
