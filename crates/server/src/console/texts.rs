//! The texts of the console and of the public report form, in Project Fluent files: one
//! directory per language under `crates/server/locales/` (`en/console.ftl`, `fr/report.ftl`…),
//! every `.ftl` file of which `build.rs` embeds in the binary. Pages hold a [`Texts`] for the
//! request's [`Lang`] and templates write `{{ t.msg("nav-overview") }}`.
//!
//! A message missing in a language shows its English text, and one missing in English shows
//! its id, so a page still renders; the tests below make either impossible to ship: every file
//! parses, every language has exactly English's messages with the same variables, and every id
//! the templates and the Rust sources name exists.

use std::borrow::Cow;
use std::fmt::Display;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::types::FluentNumber;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use vigie_domain::access::Role;
use vigie_domain::organisation::OrganisationKind;

use super::lang::Lang;

/// (language code, file name, contents) of every `locales/<language>/*.ftl` file, sorted.
const LOCALE_FILES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/locale_files.rs"));

/// The language every other one is checked against, and falls back to.
const REFERENCE_LANGUAGE: &str = "en";

/// One language's messages, from all its files.
struct Catalogue {
    code: &'static str,
    bundle: FluentBundle<FluentResource>,
}

fn load(code: &'static str) -> Catalogue {
    let locale = code.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // Unicode isolation marks around arguments would end up inside HTML attribute values.
    bundle.set_use_isolating(false);
    for (_, _, source) in LOCALE_FILES.iter().filter(|(language, _, _)| *language == code) {
        // A file with a syntax error still gives the messages it could read (the tests refuse it).
        let resource = FluentResource::try_new((*source).to_owned()).unwrap_or_else(|(partial, _)| partial);
        // A message defined twice keeps its first text (the tests refuse it too).
        let _ = bundle.add_resource(resource);
    }
    Catalogue { code, bundle }
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    let mut codes: Vec<&'static str> = LOCALE_FILES.iter().map(|(code, _, _)| *code).collect();
    codes.dedup();
    codes.into_iter().map(load).collect()
});

fn catalogue(code: &str) -> Option<&'static Catalogue> {
    CATALOGUES.iter().find(|catalogue| catalogue.code == code)
}

/// The texts in one language; cheap to copy into every page.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    lang: Lang,
}

/// The console's and the public form's texts in `lang`.
pub fn texts(lang: Lang) -> Texts {
    Texts { lang }
}

/// An argument as Fluent reads it: plain decimal numbers as numbers (so that plural forms can be
/// chosen), anything else as text, exactly as displayed.
fn argument(value: impl Display) -> FluentValue<'static> {
    let text = value.to_string();
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let decimal = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    // Leading zeros (`007`, a short hash) would be lost as a number: those stay text.
    let canonical = whole == "0" || !whole.starts_with('0');
    if decimal(whole)
        && decimal(fraction)
        && canonical
        && sign.len() + digits.len() <= 15
        && let Ok(number) = text.parse::<FluentNumber>()
    {
        return FluentValue::Number(number);
    }
    FluentValue::String(Cow::Owned(text))
}

impl Texts {
    /// The language's code, for `<html lang>` and `?lang=`.
    pub fn lang(&self) -> &'static str {
        self.lang.code()
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        let languages = [self.lang.code(), REFERENCE_LANGUAGE];
        for catalogue in languages.into_iter().filter_map(catalogue) {
            if let Some(pattern) = catalogue.bundle.get_message(id).and_then(|message| message.value()) {
                let mut errors = Vec::new();
                return catalogue.bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    }

    /// The message `id`.
    pub fn msg(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` when there is one, for ids made from recorded names (audit actions),
    /// which have a fallback of their own.
    pub fn find(&self, id: &str) -> Option<String> {
        [self.lang.code(), REFERENCE_LANGUAGE]
            .into_iter()
            .filter_map(catalogue)
            .any(|catalogue| catalogue.bundle.has_message(id))
            .then(|| self.format(id, None))
    }

    /// The message `id` with its variable `$name` set to `value`.
    pub fn msg1(&self, id: &str, name: &str, value: impl Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), argument(value));
        self.format(id, Some(&args))
    }

    /// The message `id` with its variables `$n1` and `$n2` set.
    pub fn msg2(&self, id: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        let mut args = FluentArgs::new();
        args.set(n1.to_owned(), argument(v1));
        args.set(n2.to_owned(), argument(v2));
        self.format(id, Some(&args))
    }

    /// The role in words.
    pub fn role(&self, role: Role) -> String {
        match role {
            Role::Admin => self.msg("role-admin"),
            Role::SeniorReviewer => self.msg("role-senior-reviewer"),
            Role::Reviewer => self.msg("role-reviewer"),
            Role::Referrer => self.msg("role-referrer"),
            Role::Auditor => self.msg("role-auditor"),
            Role::Viewer => self.msg("role-viewer"),
        }
    }

    /// What the role may do.
    pub fn role_help(&self, role: Role) -> String {
        match role {
            Role::Admin => self.msg("role-admin-help"),
            Role::SeniorReviewer => self.msg("role-senior-reviewer-help"),
            Role::Reviewer => self.msg("role-reviewer-help"),
            Role::Referrer => self.msg("role-referrer-help"),
            Role::Auditor => self.msg("role-auditor-help"),
            Role::Viewer => self.msg("role-viewer-help"),
        }
    }

    /// The kind of organisation in words (by reference, as templates pass it).
    pub fn organisation_kind(&self, kind: &OrganisationKind) -> String {
        match kind {
            OrganisationKind::Platform => self.msg("organisation-kind-platform"),
            OrganisationKind::ReferralUnit => self.msg("organisation-kind-referral-unit"),
            OrganisationKind::TrustedFlagger => self.msg("organisation-kind-trusted-flagger"),
            OrganisationKind::Ngo => self.msg("organisation-kind-ngo"),
            OrganisationKind::Isp => self.msg("organisation-kind-isp"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use fluent_syntax::ast;

    use super::*;

    /// Message and term ids of one language, each with the variables its text uses.
    fn messages_of(code: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut messages = BTreeMap::new();
        for (_, file, source) in LOCALE_FILES.iter().filter(|(language, _, _)| *language == code) {
            let resource = match FluentResource::try_new((*source).to_owned()) {
                Ok(resource) => resource,
                Err((_, errors)) => panic!("locales/{code}/{file} does not parse: {errors:?}"),
            };
            for entry in resource.entries() {
                let (id, value, attributes) = match entry {
                    ast::Entry::Message(message) => {
                        (message.id.name.to_owned(), message.value.as_ref(), &message.attributes)
                    }
                    ast::Entry::Term(term) => (format!("-{}", term.id.name), Some(&term.value), &term.attributes),
                    _ => continue,
                };
                let mut variables = BTreeSet::new();
                value.into_iter().for_each(|pattern| pattern_variables(pattern, &mut variables));
                attributes.iter().for_each(|attribute| pattern_variables(&attribute.value, &mut variables));
                let duplicate = messages.insert(id.clone(), variables);
                assert!(duplicate.is_none(), "locales/{code}: {id} is defined twice (again in {file})");
            }
        }
        messages
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, variables: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, variables);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, variables: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, variables);
                variants.iter().for_each(|variant| pattern_variables(&variant.value, variables));
            }
            ast::Expression::Inline(inline) => inline_variables(inline, variables),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, variables: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                variables.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_variables(expression, variables),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                arguments.positional.iter().for_each(|argument| inline_variables(argument, variables));
                arguments.named.iter().for_each(|argument| inline_variables(&argument.value, variables));
            }
            _ => {}
        }
    }

    #[test]
    fn every_language_has_the_english_messages_with_the_same_variables() {
        let english = messages_of(REFERENCE_LANGUAGE);
        assert!(english.len() > 100, "the English files are found: {} messages", english.len());
        let languages: BTreeSet<&str> = LOCALE_FILES.iter().map(|(code, _, _)| *code).collect();
        assert!(languages.contains("fr"));
        for code in languages {
            let messages = messages_of(code);
            let missing: Vec<&String> = english.keys().filter(|id| !messages.contains_key(*id)).collect();
            let extra: Vec<&String> = messages.keys().filter(|id| !english.contains_key(*id)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "locales/{code}: missing {missing:?}, not in English {extra:?}"
            );
            for (id, variables) in &messages {
                assert_eq!(variables, &english[id], "locales/{code}: {id} uses other variables than in English");
            }
        }
    }

    /// The ids in `text` passed as literals to the methods `.msg`, `.msg1` or `.msg2`.
    fn ids_named_in(text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for method in ["msg", "msg1", "msg2"] {
            let opening = format!(".{method}(\"");
            for (start, _) in text.match_indices(&opening) {
                let rest = &text[start + opening.len()..];
                if let Some(end) = rest.find('"') {
                    ids.push(rest[..end].to_owned());
                }
            }
        }
        ids
    }

    fn files_under(directory: &Path, extension: &str, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, extension, found);
            } else if path.extension().is_some_and(|candidate| candidate == extension) {
                found.push(path);
            }
        }
    }

    #[test]
    fn every_id_named_in_templates_and_sources_exists_in_english() {
        let english = messages_of(REFERENCE_LANGUAGE);
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        files_under(&crate_dir.join("templates"), "html", &mut files);
        files_under(&crate_dir.join("src"), "rs", &mut files);
        let mut named = 0;
        let mut unknown = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for id in ids_named_in(&text) {
                named += 1;
                if !english.contains_key(&id) {
                    unknown.push(format!("{}: {id}", file.strip_prefix(crate_dir).unwrap_or(file).display()));
                }
            }
        }
        assert!(named > 100, "the templates and sources are found: {named} ids");
        assert!(unknown.is_empty(), "ids with no English message: {unknown:#?}");
    }

    #[test]
    fn texts_with_arguments_and_fallbacks() {
        let (english, french) = (texts(Lang::En), texts(Lang::Fr));
        assert_eq!(english.msg("nav-overview"), "Overview");
        assert_eq!(french.msg("nav-overview"), "Accueil");
        assert_eq!(french.lang(), "fr");
        // No isolation marks around arguments.
        assert_eq!(
            english.msg2("confirm-disable-detail", "name", "Ana", "email", "ana@example.org"),
            "Ana (ana@example.org) will be logged out at once and will no longer be able to log in. An \
             administrator can enable the account again later."
        );
        assert_eq!(
            french.msg1("password-rules", "min", 12).split(' ').take(3).collect::<Vec<_>>(),
            ["Au", "moins", "12"]
        );
        // A missing message shows its id.
        let missing = "no-such-message";
        assert_eq!(english.msg(missing), missing);
        assert_eq!(french.msg(missing), missing);
        assert_eq!(french.role(Role::SeniorReviewer), "Modérateur principal");
        assert_eq!(english.role_help(Role::Viewer), "reads, changes nothing");
    }

    #[test]
    fn numbers_choose_plural_forms_and_other_values_stay_as_displayed() {
        assert!(matches!(argument(12), FluentValue::Number(_)));
        assert!(matches!(argument("1.5"), FluentValue::Number(_)));
        for text in ["007", "7K2QF-9XMAB", "1e5", "", "-", "1.", "12345678901234567890"] {
            assert_eq!(argument(text), FluentValue::String(Cow::Owned(text.to_owned())), "{text}");
        }
        let english = texts(Lang::En);
        assert_eq!(english.msg1("dashboard-organisations", "count", 1), "1 organisation");
        assert_eq!(english.msg1("dashboard-organisations", "count", 3), "3 organisations");
    }
}
