//! How the audit trail page shows an event to people: actors and subjects by name, details as
//! labelled facts, in the page's language.
//!
//! Names follow what the reader may see elsewhere in the console: a user's or a token's name
//! only when the reader may read that organisation's members, otherwise "a user of <its
//! organisation>" (organisation names are in the directory everyone reads); a bank's name only
//! for the reader's own banks, or for the operator's readers of the whole trail.

use std::collections::HashMap;

use uuid::Uuid;
use vigie_domain::access::{Actor, Permission, Principal, Role};
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::OrganisationId;

use super::lang::Lang;
use super::texts::ConsoleTexts;
use crate::error::ApiError;

/// The names the page may show, looked up once per page.
pub(super) struct Names {
    organisations: HashMap<Uuid, String>,
    /// User id → (display name, email, organisation).
    users: HashMap<Uuid, (String, String, OrganisationId)>,
    /// Token id → (name, organisation).
    tokens: HashMap<Uuid, (String, OrganisationId)>,
    /// Bank id → (name, organisation).
    banks: HashMap<Uuid, (String, OrganisationId)>,
}

impl Names {
    pub(super) async fn load(store: &vigie_store::Store) -> Result<Self, ApiError> {
        let organisations = store.list_organisations().await?.into_iter().map(|org| (org.id.0, org.name)).collect();
        let users = store
            .list_users(None)
            .await?
            .into_iter()
            .map(|user| (user.id.0, (user.display_name, user.email.as_str().to_owned(), user.organisation_id)))
            .collect();
        let tokens = store
            .list_tokens(None)
            .await?
            .into_iter()
            .map(|token| (token.id.0, (token.name, token.organisation_id)))
            .collect();
        let banks = store
            .list_banks()
            .await?
            .into_iter()
            .map(|(bank, _)| (bank.id.0, (bank.name, bank.organisation_id)))
            .collect();
        Ok(Self { organisations, users, tokens, banks })
    }
}

/// One event as the page shows it.
pub(super) struct Described {
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// Labelled facts, by field name.
    pub facts: Vec<(String, String)>,
    /// The details as recorded, when they are not a JSON object this page can lay out.
    pub raw_details: Option<String>,
}

/// The tail of an id: UUIDv7s share their leading (time) digits, so the tail tells them apart.
pub(super) fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// Describes events for one reader.
pub(super) struct Describer<'a> {
    pub names: &'a Names,
    pub reader: &'a Principal,
    pub t: &'static ConsoleTexts,
    pub lang: Lang,
    /// The reader reads the whole trail (the operator's auditors and admins).
    pub whole_trail: bool,
}

impl Describer<'_> {
    fn words(&self, (english, french): (&'static str, &'static str)) -> &'static str {
        match self.lang {
            Lang::En => english,
            Lang::Fr => french,
        }
    }

    fn organisation(&self, id: Uuid) -> String {
        self.names.organisations.get(&id).cloned().unwrap_or_else(|| format!("…{}", short_id(&id.to_string())))
    }

    /// `name` when the reader may read `org`'s members, otherwise the kind and the organisation.
    fn member_of(&self, kind: (&'static str, &'static str), name: String, org: OrganisationId) -> String {
        if self.reader.may(Permission::ReadMembers(org)) {
            name
        } else {
            format!("{} ({})", self.words(kind), self.organisation(org.0))
        }
    }

    fn user(&self, id: Uuid) -> String {
        match self.names.users.get(&id) {
            Some((display_name, email, org)) => {
                self.member_of(("a user", "un utilisateur"), format!("{display_name} <{email}>"), *org)
            }
            None => format!("{} …{}", self.words(("user", "utilisateur")), short_id(&id.to_string())),
        }
    }

    fn token(&self, id: Uuid) -> String {
        match self.names.tokens.get(&id) {
            Some((name, org)) => {
                let named = format!("{} “{name}”", self.words(("API token", "jeton d’API")));
                self.member_of(("an API token", "un jeton d’API"), named, *org)
            }
            None => format!("{} …{}", self.words(("API token", "jeton d’API")), short_id(&id.to_string())),
        }
    }

    fn bank(&self, id: Uuid) -> String {
        match self.names.banks.get(&id) {
            Some((name, org)) if self.whole_trail || *org == self.reader.organisation_id => {
                format!("{} “{name}”", self.words(("bank", "base")))
            }
            _ => format!("{} …{}", self.words(("bank", "base")), short_id(&id.to_string())),
        }
    }

    fn actor(&self, actor: &Actor) -> String {
        match actor {
            Actor::User(id) => self.user(id.0),
            Actor::Token(id) => self.token(id.0),
            Actor::Cli => self.words(("the command line (vigie)", "la ligne de commande (vigie)")).to_owned(),
            Actor::System => self.words(("Vigie itself", "Vigie")).to_owned(),
            Actor::Public => self.words(("the public report form", "le formulaire public")).to_owned(),
        }
    }

    fn subject(&self, subject_type: &str, subject_id: &str) -> String {
        let uuid = Uuid::parse_str(subject_id).ok();
        match (subject_type, uuid) {
            ("user", Some(id)) => self.user(id),
            ("token", Some(id)) => self.token(id),
            ("organisation", Some(id)) => self.organisation(id),
            ("bank", Some(id)) => self.bank(id),
            ("submission", _) => format!("{} …{}", self.words(("submission", "saisine")), short_id(subject_id)),
            ("case", _) => format!("{} …{}", self.words(("case", "dossier")), short_id(subject_id)),
            ("media", _) => {
                format!("{} {}…", self.words(("media", "média")), subject_id.get(..12).unwrap_or(subject_id))
            }
            (other, _) => format!("{other} …{}", short_id(subject_id)),
        }
    }

    fn action(&self, action: &str) -> String {
        ACTIONS
            .iter()
            .find(|(name, _, _)| *name == action)
            .map_or_else(|| action.to_owned(), |(_, english, french)| self.words((english, french)).to_owned())
    }

    fn value(&self, key: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        let as_uuid = value.as_str().and_then(|text| Uuid::parse_str(text).ok());
        match (key, value, as_uuid) {
            ("platform", _, Some(id)) => self.organisation(id),
            ("bank_id", _, Some(id)) => self.bank(id),
            ("case" | "into", _, Some(id)) => format!("…{}", short_id(&id.to_string())),
            ("roles", Value::Array(roles), _) => roles
                .iter()
                .map(|role| match role.as_str().map(Role::parse) {
                    Some(Ok(role)) => self.t.role(role).to_owned(),
                    _ => role.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::Bool(true), _) => self.words(("yes", "oui")).to_owned(),
            (_, Value::Bool(false), _) => self.words(("no", "non")).to_owned(),
            (_, Value::Null, _) => "—".to_owned(),
            (_, Value::String(text), _) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(time) => time.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
                Err(_) => text.clone(),
            },
            (_, other, _) => other.to_string(),
        }
    }

    /// The event in words.
    pub(super) fn describe(&self, record: &AuditRecord) -> Described {
        let (facts, raw_details) = match serde_json::from_str::<serde_json::Value>(&record.details) {
            Ok(serde_json::Value::Object(map)) => {
                let facts = map
                    .iter()
                    .map(|(key, value)| {
                        let label = DETAIL_LABELS.iter().find(|(name, _, _)| name == key).map_or_else(
                            || key.clone(),
                            |(_, english, french)| self.words((english, french)).to_owned(),
                        );
                        let shown = if DETAIL_LABELS.iter().any(|(name, _, _)| name == key) {
                            self.value(key, value)
                        } else {
                            // A field this page does not know: shown as recorded.
                            value.to_string()
                        };
                        (label, shown)
                    })
                    .collect();
                (facts, None)
            }
            _ if record.details.trim().is_empty() => (Vec::new(), None),
            _ => (Vec::new(), Some(record.details.clone())),
        };
        Described {
            actor: self.actor(&record.actor),
            action: self.action(&record.action),
            subject: self.subject(&record.subject_type, &record.subject_id),
            facts,
            raw_details,
        }
    }
}

/// Recorded actions in words: (action, English, French).
const ACTIONS: &[(&str, &str, &str)] = &[
    ("organisation.create", "Organisation created", "Organisation créée"),
    ("organisation.update", "Organisation changed", "Organisation modifiée"),
    ("organisation.referral_window", "Referral window set", "Délai des signalements fixé"),
    ("user.create", "User created", "Utilisateur créé"),
    ("user.update", "User changed", "Utilisateur modifié"),
    ("user.set_password", "Password set by an administrator", "Mot de passe défini par un administrateur"),
    ("user.change_password", "Own password changed", "Mot de passe changé par son titulaire"),
    ("session.login", "Logged in", "Connexion"),
    ("session.logout", "Logged out", "Déconnexion"),
    ("token.create", "API token created", "Jeton d’API créé"),
    ("token.revoke", "API token revoked", "Jeton d’API révoqué"),
    ("bank.create", "Bank created", "Base créée"),
    ("bank.update", "Bank changed", "Base modifiée"),
    ("bank.import", "Signals imported", "Signaux importés"),
    ("bank.rematch", "Stored media matched again", "Médias stockés comparés à nouveau"),
    ("submission.receive", "Submission received", "Saisine reçue"),
    ("submission.attach_media", "Media attached", "Média joint"),
    ("submission.pause", "Clock paused", "Délai suspendu"),
    ("submission.resume", "Clock resumed", "Délai repris"),
    ("case.merge", "Cases merged", "Dossiers fusionnés"),
    ("case.rematch", "New matches found", "Nouvelles correspondances"),
    ("media.identify", "Media hashed and matched", "Média identifié"),
    ("media.download", "Original media file downloaded", "Fichier original d’un média téléchargé"),
    ("user.set_media_preferences", "Media protections chosen", "Protections des médias choisies"),
    ("token.set_media_preferences", "Media protections chosen", "Protections des médias choisies"),
];

/// Detail fields in words: (field, English, French). Fields not listed are shown by their name
/// with their value as recorded.
const DETAIL_LABELS: &[(&str, &str, &str)] = &[
    ("kind", "Kind", "Type"),
    ("case", "Case", "Dossier"),
    ("into", "Merged into case", "Fusionné dans le dossier"),
    ("platform", "Platform", "Plateforme"),
    ("priority", "Priority", "Priorité"),
    ("matches", "Matches", "Correspondances"),
    ("cases", "Cases", "Dossiers"),
    ("reason", "Reason", "Motif"),
    ("due_at", "Due", "Échéance"),
    ("sha256", "SHA-256", "SHA-256"),
    ("status", "Status", "État"),
    ("country", "Country", "Pays"),
    ("is_operator", "Operator", "Opérateur"),
    ("slug", "Short name", "Nom court"),
    ("roles", "Roles", "Rôles"),
    ("disabled", "Disabled", "Désactivé"),
    ("display_name_changed", "Display name changed", "Nom affiché modifié"),
    ("expires_at", "Expires", "Expire le"),
    ("scope", "Scope", "Portée"),
    ("bank_id", "Bank", "Base"),
    ("signal_type", "Signal type", "Type de signal"),
    ("match_threshold", "Match threshold", "Seuil de correspondance"),
    ("min_quality", "Minimum quality", "Qualité minimale"),
    ("auto_action", "Automatic action", "Action automatique"),
    ("visibility", "Visibility", "Visibilité"),
    ("previous_visibility", "Previous visibility", "Visibilité précédente"),
    ("rematch_job", "Rematch job", "Tâche de comparaison"),
    ("minutes", "Minutes", "Minutes"),
    ("enabled", "Enabled", "Activée"),
    ("origin", "Origin", "Origine"),
    ("added", "Added", "Ajoutés"),
    ("already_present", "Already present", "Déjà présents"),
    ("blur", "Blurred", "Floutées"),
    ("greyscale", "In greyscale", "En niveaux de gris"),
];

#[cfg(test)]
mod tests {
    use vigie_domain::access::RoleSet;

    use super::*;

    fn describe(details: &str, lang: Lang) -> Described {
        let names = Names {
            organisations: HashMap::from([(Uuid::nil(), "Videoshare".to_owned())]),
            users: HashMap::new(),
            tokens: HashMap::new(),
            banks: HashMap::new(),
        };
        let reader = Principal {
            actor: Actor::System,
            organisation_id: OrganisationId(Uuid::nil()),
            organisation_is_operator: false,
            roles: RoleSet::of(&[Role::Auditor]),
        };
        let describer =
            Describer { names: &names, reader: &reader, t: super::super::texts::texts(lang), lang, whole_trail: false };
        let record = AuditRecord {
            actor: Actor::User(vigie_domain::ids::UserId(Uuid::max())),
            organisation_id: None,
            action: "user.update".into(),
            subject_type: "user".into(),
            subject_id: Uuid::max().to_string(),
            details: details.into(),
        };
        describer.describe(&record)
    }

    #[test]
    fn details_in_words_with_unknown_fields_as_recorded() {
        let described = describe(
            r#"{"roles":["senior_reviewer","viewer"],"disabled":true,"platform":"00000000-0000-0000-0000-000000000000","new_field":{"a":[1,2]},"expires_at":"2027-03-07T08:49:22.033339+00:00"}"#,
            Lang::En,
        );
        assert_eq!(described.action, "User changed");
        assert_eq!(
            described.facts,
            [
                ("Disabled".to_owned(), "yes".to_owned()),
                ("Expires".to_owned(), "2027-03-07 08:49 UTC".to_owned()),
                ("new_field".to_owned(), r#"{"a":[1,2]}"#.to_owned()),
                ("Platform".to_owned(), "Videoshare".to_owned()),
                ("Roles".to_owned(), "Senior reviewer, Viewer".to_owned()),
            ]
        );
        assert_eq!(described.raw_details, None);
        // A user unknown to the directory: the tail of its id.
        assert_eq!(described.actor, "user …ffffffff");
        let french = describe(r#"{"disabled":false}"#, Lang::Fr);
        assert_eq!(french.facts, [("Désactivé".to_owned(), "non".to_owned())]);
        assert_eq!(french.action, "Utilisateur modifié");
        // Not an object: shown as recorded; empty: nothing.
        assert_eq!(describe("[1]", Lang::En).raw_details.as_deref(), Some("[1]"));
        let empty = describe("", Lang::En);
        assert!(empty.facts.is_empty() && empty.raw_details.is_none());
    }
}
