//! The console's texts in English and French: one [`ConsoleTexts`] per language, chosen per
//! request by [`Lang`]. Pages hold a `t: &'static ConsoleTexts` and templates read its fields,
//! so a text missing in one language is a compile error, not a blank on the page.

use vigie_domain::access::Role;

use super::lang::Lang;

/// Every text the console's shared parts and its newer pages show, in one language.
pub struct ConsoleTexts {
    pub lang: &'static str,
    pub nav_overview: &'static str,
    pub nav_organisations: &'static str,
    pub nav_audit: &'static str,
    pub nav_api: &'static str,
    pub nav_password: &'static str,
    pub log_out: &'static str,
    pub cancel: &'static str,

    pub not_found_title: &'static str,
    pub not_found_detail: &'static str,
    pub back_to_console: &'static str,
    pub back_to_report_form: &'static str,

    /// Roles in words, in [`Role::ALL`] order.
    pub roles: [&'static str; 6],
    /// What each role may do, in [`Role::ALL`] order.
    pub role_help: [&'static str; 6],

    pub disable_title: &'static str,
    /// `{name}` and `{email}` are replaced.
    pub disable_detail: &'static str,
    pub disable_button: &'static str,
    pub revoke_title: &'static str,
    /// `{name}` and `{organisation}` are replaced.
    pub revoke_detail: &'static str,
    pub revoke_button: &'static str,

    pub password_title: &'static str,
    pub password_intro: &'static str,
    pub password_current: &'static str,
    pub password_new: &'static str,
    pub password_again: &'static str,
    /// `{min}` is replaced.
    pub password_rules: &'static str,
    pub password_button: &'static str,
    pub password_changed: &'static str,
    pub password_errors_title: &'static str,
    pub password_wrong: &'static str,
    pub password_mismatch: &'static str,
    /// `{min}` is replaced.
    pub password_too_short: &'static str,
    pub password_too_long: &'static str,
    pub password_same: &'static str,
    pub password_too_many: &'static str,
}

impl ConsoleTexts {
    /// The role in words.
    pub fn role(&self, role: Role) -> &'static str {
        let index = Role::ALL.iter().position(|candidate| *candidate == role).unwrap_or(0);
        self.roles[index]
    }

    /// What the role may do.
    pub fn role_help(&self, role: Role) -> &'static str {
        let index = Role::ALL.iter().position(|candidate| *candidate == role).unwrap_or(0);
        self.role_help[index]
    }
}

/// The console's texts in `lang`.
pub fn texts(lang: Lang) -> &'static ConsoleTexts {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

const EN: ConsoleTexts = ConsoleTexts {
    lang: "en",
    nav_overview: "Overview",
    nav_organisations: "Organisations",
    nav_audit: "Audit trail",
    nav_api: "API",
    nav_password: "My password",
    log_out: "Log out",
    cancel: "Cancel",

    not_found_title: "Page not found",
    not_found_detail: "There is no page at this address. The link may be mistyped, or the page may have moved.",
    back_to_console: "Back to the console",
    back_to_report_form: "Back to the report form",

    roles: ["Administrator", "Senior reviewer", "Reviewer", "Referrer", "Auditor", "Viewer"],
    role_help: [
        "manages the organisation's users and tokens",
        "reviews cases, decides escalated ones",
        "reviews cases",
        "sends referrals, notices and orders",
        "reads the audit trail",
        "reads, changes nothing",
    ],

    disable_title: "Disable this user?",
    disable_detail: "{name} ({email}) will be logged out at once and will no longer be able to log in. An \
                     administrator can enable the account again later.",
    disable_button: "Disable the user",
    revoke_title: "Revoke this API token?",
    revoke_detail: "The token “{name}” of {organisation} stops working at once. This cannot be undone: the \
                    systems using it will need a new token.",
    revoke_button: "Revoke the token",

    password_title: "Change my password",
    password_intro: "Enter your current password, then the new one twice. Your other sessions will be logged \
                     out; this one stays open.",
    password_current: "Current password",
    password_new: "New password",
    password_again: "New password, again",
    password_rules: "At least {min} characters. A sentence of several words is easy to remember and hard to guess.",
    password_button: "Change my password",
    password_changed: "Your password has been changed. Your other sessions have been logged out.",
    password_errors_title: "The password was not changed:",
    password_wrong: "the current password is wrong.",
    password_mismatch: "the two new passwords differ.",
    password_too_short: "the new password must be at least {min} characters.",
    password_too_long: "the new password must be at most 256 characters.",
    password_same: "the new password is the same as the current one.",
    password_too_many: "too many attempts. Wait a minute and try again.",
};

const FR: ConsoleTexts = ConsoleTexts {
    lang: "fr",
    nav_overview: "Accueil",
    nav_organisations: "Organisations",
    nav_audit: "Journal d’audit",
    nav_api: "API",
    nav_password: "Mon mot de passe",
    log_out: "Se déconnecter",
    cancel: "Annuler",

    not_found_title: "Page introuvable",
    not_found_detail: "Il n’y a pas de page à cette adresse. Le lien est peut-être mal saisi, ou la page a été \
                       déplacée.",
    back_to_console: "Retour à la console",
    back_to_report_form: "Retour au formulaire de signalement",

    roles: ["Administrateur", "Modérateur principal", "Modérateur", "Signaleur", "Auditeur", "Lecteur"],
    role_help: [
        "gère les utilisateurs et les jetons de l’organisation",
        "examine les dossiers, tranche ceux qui sont remontés",
        "examine les dossiers",
        "envoie signalements, notifications et injonctions",
        "consulte le journal d’audit",
        "consulte, ne modifie rien",
    ],

    disable_title: "Désactiver cet utilisateur\u{a0}?",
    disable_detail: "{name} ({email}) sera déconnecté immédiatement et ne pourra plus se connecter. Un \
                     administrateur pourra réactiver le compte plus tard.",
    disable_button: "Désactiver l’utilisateur",
    revoke_title: "Révoquer ce jeton d’API\u{a0}?",
    revoke_detail: "Le jeton «\u{a0}{name}\u{a0}» de {organisation} cesse de fonctionner immédiatement. C’est \
                    définitif\u{a0}: les systèmes qui l’utilisent auront besoin d’un nouveau jeton.",
    revoke_button: "Révoquer le jeton",

    password_title: "Changer mon mot de passe",
    password_intro: "Saisissez votre mot de passe actuel, puis deux fois le nouveau. Vos autres sessions seront \
                     déconnectées\u{a0}; celle-ci reste ouverte.",
    password_current: "Mot de passe actuel",
    password_new: "Nouveau mot de passe",
    password_again: "Nouveau mot de passe, à nouveau",
    password_rules: "Au moins {min} caractères. Une phrase de plusieurs mots est facile à retenir et difficile à \
                     deviner.",
    password_button: "Changer mon mot de passe",
    password_changed: "Votre mot de passe a été changé. Vos autres sessions ont été déconnectées.",
    password_errors_title: "Le mot de passe n’a pas été changé\u{a0}:",
    password_wrong: "le mot de passe actuel est incorrect.",
    password_mismatch: "les deux nouveaux mots de passe diffèrent.",
    password_too_short: "le nouveau mot de passe doit faire au moins {min} caractères.",
    password_too_long: "le nouveau mot de passe doit faire au plus 256 caractères.",
    password_same: "le nouveau mot de passe est identique à l’actuel.",
    password_too_many: "trop de tentatives. Attendez une minute et réessayez.",
};
