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

use super::texts::Texts;
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
    pub t: Texts,
    /// The reader reads the whole trail (the operator's auditors and admins).
    pub whole_trail: bool,
    /// Name the reader's own colleagues (display names, not addresses) even when the reader may
    /// not read the members list: a case's history must say which reviewer decided.
    pub colleague_names: bool,
}

impl Describer<'_> {
    fn organisation(&self, id: Uuid) -> String {
        self.names.organisations.get(&id).cloned().unwrap_or_else(|| format!("…{}", short_id(&id.to_string())))
    }

    /// Whether the reader may read `org`'s members, and so see them by name.
    fn knows_members_of(&self, org: OrganisationId) -> bool {
        self.reader.may(Permission::ReadMembers(org))
    }

    fn user(&self, id: Uuid) -> String {
        match self.names.users.get(&id) {
            Some((display_name, email, org)) if self.knows_members_of(*org) => format!("{display_name} <{email}>"),
            Some((display_name, _, org)) if self.colleague_names && *org == self.reader.organisation_id => {
                display_name.clone()
            }
            Some((_, _, org)) => self.t.msg1("audit-user-of", "organisation", self.organisation(org.0)),
            None => self.t.msg1("audit-user-unknown", "id", short_id(&id.to_string())),
        }
    }

    fn token(&self, id: Uuid) -> String {
        match self.names.tokens.get(&id) {
            Some((name, org)) if self.knows_members_of(*org) => self.t.msg1("audit-token-named", "name", name),
            Some((_, org)) => self.t.msg1("audit-token-of", "organisation", self.organisation(org.0)),
            None => self.t.msg1("audit-token-unknown", "id", short_id(&id.to_string())),
        }
    }

    fn bank(&self, id: Uuid) -> String {
        match self.names.banks.get(&id) {
            Some((name, org)) if self.whole_trail || *org == self.reader.organisation_id => {
                self.t.msg1("audit-bank-named", "name", name)
            }
            _ => self.t.msg1("audit-bank-unknown", "id", short_id(&id.to_string())),
        }
    }

    /// Who did something, as far as the reader may know them.
    pub(super) fn actor(&self, actor: &Actor) -> String {
        match actor {
            Actor::User(id) => self.user(id.0),
            Actor::Token(id) => self.token(id.0),
            Actor::Cli => self.t.msg("audit-actor-cli"),
            Actor::System => self.t.msg("audit-actor-system"),
            Actor::Public => self.t.msg("audit-actor-public"),
        }
    }

    fn subject(&self, subject_type: &str, subject_id: &str) -> String {
        let uuid = Uuid::parse_str(subject_id).ok();
        match (subject_type, uuid) {
            ("user", Some(id)) => self.user(id),
            ("token", Some(id)) => self.token(id),
            ("organisation", Some(id)) => self.organisation(id),
            ("bank", Some(id)) => self.bank(id),
            ("submission", _) => self.t.msg1("audit-subject-submission", "id", short_id(subject_id)),
            ("case", _) => self.t.msg1("audit-subject-case", "id", short_id(subject_id)),
            ("media", _) => self.t.msg1("audit-subject-media", "hash", subject_id.get(..12).unwrap_or(subject_id)),
            (other, _) => format!("{other} …{}", short_id(subject_id)),
        }
    }

    /// The action in words; an action this page has no words for, as recorded.
    fn action(&self, action: &str) -> String {
        self.t.find(&action_message(action)).unwrap_or_else(|| action.to_owned())
    }

    fn value(&self, key: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        let as_uuid = value.as_str().and_then(|text| Uuid::parse_str(text).ok());
        match (key, value, as_uuid) {
            ("platform", _, Some(id)) => self.organisation(id),
            ("bank_id" | "bank", _, Some(id)) => self.bank(id),
            // A decision recorded, by what it is ("Removal"), not as the form offers it.
            ("kind", Value::String(kind), _) if self.t.find(&format!("decided-{kind}")).is_some() => {
                self.t.msg(&format!("decided-{kind}"))
            }
            ("kind", Value::String(kind), _) if self.t.find(&format!("decision-{kind}")).is_some() => {
                self.t.msg(&format!("decision-{kind}"))
            }
            ("kind", Value::String(kind), _) if self.t.find(&format!("kind-{kind}")).is_some() => {
                self.t.msg(&format!("kind-{kind}"))
            }
            ("state", Value::String(state), _) if self.t.find(&format!("decision-state-{state}")).is_some() => {
                self.t.msg(&format!("decision-state-{state}"))
            }
            ("case" | "into" | "decision" | "replaces" | "note", _, Some(id)) => {
                format!("…{}", short_id(&id.to_string()))
            }
            ("priority", Value::String(priority), _) if self.t.find(&format!("priority-{priority}")).is_some() => {
                self.t.msg(&format!("priority-{priority}"))
            }
            ("ground", Value::String(ground), _) if self.t.find(&format!("form-ground-{ground}")).is_some() => {
                self.t.msg(&format!("form-ground-{ground}"))
            }
            ("purpose", Value::String(purpose), _)
                if self.t.find(&format!("preservation-purpose-{purpose}")).is_some() =>
            {
                self.t.msg(&format!("preservation-purpose-{purpose}"))
            }
            ("reason", Value::String(reason), _) if self.t.find(&format!("reason-{reason}")).is_some() => {
                self.t.msg(&format!("reason-{reason}"))
            }
            ("roles", Value::Array(roles), _) => roles
                .iter()
                .map(|role| match role.as_str().map(Role::parse) {
                    Some(Ok(role)) => self.t.role(role),
                    _ => role.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::Bool(true), _) => self.t.msg("audit-yes"),
            (_, Value::Bool(false), _) => self.t.msg("audit-no"),
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
                // An escalation or a request for clarification "in force" is a step recorded.
                let step = matches!(
                    map.get("kind").and_then(serde_json::Value::as_str),
                    Some("escalate" | "request_clarification")
                );
                // A submission's receipt records the case as it was then: said so, since the
                // case page around it shows it as it is now.
                let at_receipt = record.action == "submission.receive";
                let facts = map
                    .iter()
                    .map(|(key, value)| match self.t.find(&detail_message(key)) {
                        Some(_) if at_receipt && matches!(key.as_str(), "matches" | "priority") => {
                            (self.t.msg(&format!("{}-at-receipt", detail_message(key))), self.value(key, value))
                        }
                        Some(label) if step && key == "state" && value == "in_force" => {
                            (label, self.t.msg("decision-state-step"))
                        }
                        Some(label) if DETAIL_FIELDS.contains(&key.as_str()) => (label, self.value(key, value)),
                        // A field this page does not know: shown as recorded.
                        _ => (key.clone(), value.to_string()),
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

/// The message naming a recorded action: `user.set_password` → `audit-action-user-set-password`.
fn action_message(action: &str) -> String {
    format!("audit-action-{}", action.replace(['.', '_'], "-"))
}

/// The message labelling a detail field: `due_at` → `audit-detail-due-at`.
fn detail_message(field: &str) -> String {
    format!("audit-detail-{}", field.replace('_', "-"))
}

/// Detail fields this page lays out (`audit-detail-*` in the texts), with values in words.
/// Fields not listed are shown by their name with their value as recorded.
const DETAIL_FIELDS: &[&str] = &[
    "kind",
    "case",
    "into",
    "platform",
    "priority",
    "matches",
    "cases",
    "reason",
    "due_at",
    "sha256",
    "status",
    "country",
    "is_operator",
    "slug",
    "roles",
    "disabled",
    "display_name_changed",
    "expires_at",
    "scope",
    "bank_id",
    "signal_type",
    "match_threshold",
    "min_quality",
    "auto_action",
    "visibility",
    "previous_visibility",
    "rematch_job",
    "minutes",
    "enabled",
    "origin",
    "added",
    "already_present",
    "decision",
    "state",
    "ground",
    "replaces",
    "signals_added",
    "paused",
    "until",
    "note",
    "kinds",
    "bank",
    "blur",
    "greyscale",
    "action",
    "outcome",
    "executed_at",
    "complaint",
    "channel",
    "event_types",
    "previous_secret_until",
    "action_kind",
    "source",
    "reversal",
    "purpose",
    "authority",
    "reference",
    "preserved_until",
    "submissions",
    "media",
];

#[cfg(test)]
mod tests {
    use vigie_domain::access::RoleSet;

    use super::super::lang::Lang;
    use super::*;

    /// Actions the store records (`audit_events.action`), each with its words in the texts.
    const ACTIONS: &[&str] = &[
        "organisation.create",
        "organisation.update",
        "organisation.referral_window",
        "user.create",
        "user.update",
        "user.set_password",
        "user.change_password",
        "session.login",
        "session.logout",
        "token.create",
        "token.revoke",
        "bank.create",
        "bank.update",
        "bank.import",
        "bank.rematch",
        "submission.receive",
        "submission.attach_media",
        "submission.pause",
        "submission.resume",
        "case.merge",
        "case.rematch",
        "media.identify",
        "case.claim",
        "case.release",
        "case.decide",
        "case.note",
        "decision.confirm",
        "decision.reject",
        "organisation.four_eyes",
        "webhook.create",
        "webhook.rotate_secret",
        "webhook.disable",
        "action.confirm",
        "action.delivery_failed",
        "complaint.file",
        "complaint.decide",
        "decision.annul",
        "case.preservation_access",
        "case.preservation_extend",
        "case.purge",
    ];

    #[test]
    fn every_action_and_detail_field_has_words() {
        let english = super::super::texts::texts(Lang::En);
        for action in ACTIONS {
            assert!(english.find(&action_message(action)).is_some(), "no words for the action {action}");
        }
        for field in DETAIL_FIELDS {
            assert!(english.find(&detail_message(field)).is_some(), "no label for the detail field {field}");
        }
    }

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
        let describer = Describer {
            names: &names,
            reader: &reader,
            t: super::super::texts::texts(lang),
            whole_trail: false,
            colleague_names: false,
        };
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
