//! Roles, permissions and the principal on whose behalf a request acts.
//!
//! Architecture invariant: every route asks [`Principal::may`] before touching data, and the
//! rules live only here, so the role matrix test can check them as one table.

use std::fmt;

use crate::bank::BankVisibility;
use crate::ids::{OrganisationId, TokenId, UserId};

/// A role held by a user or granted to an API token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages its organisation's users and tokens; in the operator organisation, the whole instance.
    Admin,
    /// A reviewer who may also decide escalated and legally sensitive cases.
    SeniorReviewer,
    /// Reviews cases and records decisions.
    Reviewer,
    /// Sends referrals, notices and removal orders (referral units, trusted flaggers).
    Referrer,
    /// Reads the audit trail and transparency data, changes nothing.
    Auditor,
    /// Reads its organisation's data, changes nothing.
    Viewer,
}

impl Role {
    /// Every role, from most to least powerful.
    pub const ALL: [Self; 6] =
        [Self::Admin, Self::SeniorReviewer, Self::Reviewer, Self::Referrer, Self::Auditor, Self::Viewer];

    /// The stable text used in the API, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::SeniorReviewer => "senior_reviewer",
            Self::Reviewer => "reviewer",
            Self::Referrer => "referrer",
            Self::Auditor => "auditor",
            Self::Viewer => "viewer",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| format!("must be one of: {}", Self::ALL.map(Self::as_str).join(", ")))
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    /// The set holding `roles`.
    pub fn of(roles: &[Role]) -> Self {
        Self(roles.iter().fold(0, |bits, role| bits | role.bit()))
    }

    /// True if `role` is in the set.
    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// True if the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles, most powerful first.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |role| self.contains(*role))
    }

    /// Parses a list of role names; `field` names the input for error messages.
    pub fn parse_all<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        if names.is_empty() {
            return Err("must name at least one role".into());
        }
        let mut roles = Vec::with_capacity(names.len());
        for name in names {
            roles.push(Role::parse(name.as_ref().trim())?);
        }
        Ok(Self::of(&roles))
    }
}

impl fmt::Debug for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Who did something, as recorded in the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A person logged in to the console.
    User(UserId),
    /// A program holding an API token.
    Token(TokenId),
    /// Someone with direct access to the database through the `vigie` command line.
    Cli,
    /// Vigie itself (first start, demo data, workers).
    System,
    /// A member of the public using the report form, not identified.
    Public,
}

impl Actor {
    /// The stable kind text stored in the audit trail.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Token(_) => "token",
            Self::Cli => "cli",
            Self::System => "system",
            Self::Public => "public",
        }
    }

    /// The actor's id, when it has one.
    pub fn id(&self) -> Option<uuid::Uuid> {
        match self {
            Self::User(id) => Some(id.0),
            Self::Token(id) => Some(id.0),
            Self::Cli | Self::System | Self::Public => None,
        }
    }
}

/// The authenticated party behind a request: a console user or an API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Who acts.
    pub actor: Actor,
    /// For whom.
    pub organisation_id: OrganisationId,
    /// Whether that organisation operates this instance.
    pub organisation_is_operator: bool,
    /// The roles in force (a token's roles, not its creator's).
    pub roles: RoleSet,
}

/// Something a principal may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read the directory of organisations (names, kinds, countries, contact points).
    ReadDirectory,
    /// Create organisations and change any of them.
    ManageOrganisations,
    /// Change this organisation's own details (contact point).
    EditOrganisation(OrganisationId),
    /// List this organisation's users and tokens.
    ReadMembers(OrganisationId),
    /// Create, change and disable this organisation's users and tokens.
    ManageMembers(OrganisationId),
    /// Read the audit trail of this organisation, or of everything when `None`.
    ReadAudit(Option<OrganisationId>),
    /// Create banks owned by this organisation, change them (visibility included), add and
    /// disable their signals.
    ManageBanks(OrganisationId),
    /// Know that a bank exists: see it listed, read its settings, name it in a match request,
    /// and learn that and where a query matched it (its name, the signal's labels, the distance).
    SeeBank {
        /// The organisation that owns it.
        owner: OrganisationId,
        /// Its visibility.
        visibility: BankVisibility,
    },
    /// Read a bank's signals: export them, and see a matched signal's value and ids.
    ReadBankSignals {
        /// The organisation that owns it.
        owner: OrganisationId,
        /// Its visibility.
        visibility: BankVisibility,
    },
    /// Match hashes and media against the banks (a read-only question); what each bank tells
    /// is decided by [`Permission::SeeBank`] and [`Permission::ReadBankSignals`].
    Match,
    /// Send submissions (removal orders, referrals, notices, reports, flags) for this
    /// principal's organisation.
    Submit,
    /// Read a submission sent by `submitter` to `platform`: the sender's members follow their
    /// own; the platform's case handlers see what was sent to it.
    ReadSubmission {
        /// The sending organisation (`None`: anonymous).
        submitter: Option<OrganisationId>,
        /// The platform it was sent to.
        platform: OrganisationId,
    },
    /// See the cases (and their submissions, reporters and media) of this platform.
    ReadCases(OrganisationId),
    /// Handle this platform's cases: pause and resume clocks, attach media.
    HandleCases(OrganisationId),
    /// Claim and decide this platform's cases, write notes on them.
    DecideCases(OrganisationId),
    /// Decide this platform's escalated cases and confirm or reject others' decisions (four eyes).
    SeniorDecisions(OrganisationId),
    /// Add a case's media to this organisation's banks as part of a decision.
    AddToBank(OrganisationId),
    /// Register, rotate and disable this organisation's webhook endpoints, and see their
    /// deliveries.
    ManageWebhooks(OrganisationId),
    /// Read the actions decisions ask of this platform, and where each stands.
    ReadActions(OrganisationId),
    /// Confirm that this platform carried out its actions: the platform's own people and
    /// systems only, not the operator's (they cannot know what the platform did).
    ConfirmActions(OrganisationId),
    /// Record that an authority or a court asked this platform to keep removed content longer
    /// (TCO Art. 6(2)): its admins and senior reviewers, or the operator's.
    ExtendPreservation(OrganisationId),
}

/// How much a principal may learn of one bank: [`Principal::bank_access`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BankAccess {
    /// Nothing, not even that it exists.
    Hidden,
    /// That it exists, and that and where a query matched it (bank name, labels, distance).
    MatchOnly,
    /// Everything, its signals' values and ids included.
    Signals,
}

impl Principal {
    /// A reviewer of `organisation`, acting for no one in particular: what a platform's case
    /// handlers may learn. Intake matches a submission to a platform as this principal, so that
    /// the case holds nothing from a bank the platform's reviewers may not see.
    pub fn reviewer_of(organisation: OrganisationId, organisation_is_operator: bool) -> Self {
        Self {
            actor: Actor::System,
            organisation_id: organisation,
            organisation_is_operator,
            roles: RoleSet::of(&[Role::Reviewer]),
        }
    }

    /// The two bank permissions as one answer, for code that filters many banks.
    pub fn bank_access(&self, owner: OrganisationId, visibility: BankVisibility) -> BankAccess {
        if self.may(Permission::ReadBankSignals { owner, visibility }) {
            BankAccess::Signals
        } else if self.may(Permission::SeeBank { owner, visibility }) {
            BankAccess::MatchOnly
        } else {
            BankAccess::Hidden
        }
    }

    fn is_instance_admin(&self) -> bool {
        self.organisation_is_operator && self.roles.contains(Role::Admin)
    }

    fn is_admin_of(&self, organisation: OrganisationId) -> bool {
        self.is_instance_admin() || (self.organisation_id == organisation && self.roles.contains(Role::Admin))
    }

    /// Whether this principal holds `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        match permission {
            Permission::ReadDirectory => !self.roles.is_empty(),
            Permission::ManageOrganisations => self.is_instance_admin(),
            Permission::EditOrganisation(organisation) | Permission::ManageMembers(organisation) => {
                self.is_admin_of(organisation)
            }
            Permission::ReadMembers(organisation) => {
                self.is_admin_of(organisation)
                    || (self.roles.contains(Role::Auditor)
                        && (self.organisation_is_operator || self.organisation_id == organisation))
            }
            Permission::ManageBanks(owner) => {
                self.is_instance_admin()
                    || (self.organisation_id == owner
                        && (self.roles.contains(Role::Admin) || self.roles.contains(Role::SeniorReviewer)))
            }
            // Whoever may administer a bank knows it; others only when its owner opened it.
            Permission::SeeBank { owner, visibility } => {
                !self.roles.is_empty()
                    && (self.organisation_id == owner
                        || self.is_instance_admin()
                        || matches!(visibility, BankVisibility::Match | BankVisibility::Shared))
            }
            Permission::ReadBankSignals { owner, visibility } => {
                let member_reader = self.organisation_id == owner
                    && [Role::Admin, Role::SeniorReviewer, Role::Reviewer, Role::Auditor]
                        .into_iter()
                        .any(|role| self.roles.contains(role));
                let shared = visibility == BankVisibility::Shared && !self.roles.is_empty();
                member_reader || self.is_instance_admin() || shared
            }
            Permission::Match => !self.roles.is_empty(),
            Permission::Submit => self.roles.contains(Role::Referrer) || self.roles.contains(Role::Admin),
            Permission::ReadSubmission { submitter, platform } => {
                (submitter == Some(self.organisation_id) && !self.roles.is_empty())
                    || self.may(Permission::ReadCases(platform))
            }
            Permission::ReadCases(platform) => {
                (self.organisation_is_operator || self.organisation_id == platform)
                    && [Role::Admin, Role::SeniorReviewer, Role::Reviewer, Role::Auditor]
                        .into_iter()
                        .any(|role| self.roles.contains(role))
            }
            Permission::HandleCases(platform) => {
                (self.organisation_is_operator || self.organisation_id == platform)
                    && [Role::Admin, Role::SeniorReviewer, Role::Reviewer]
                        .into_iter()
                        .any(|role| self.roles.contains(role))
            }
            Permission::DecideCases(platform) => {
                (self.organisation_is_operator || self.organisation_id == platform)
                    && (self.roles.contains(Role::Reviewer) || self.roles.contains(Role::SeniorReviewer))
            }
            Permission::SeniorDecisions(platform) => {
                (self.organisation_is_operator || self.organisation_id == platform)
                    && self.roles.contains(Role::SeniorReviewer)
            }
            Permission::AddToBank(owner) => {
                self.is_instance_admin()
                    || (self.organisation_id == owner
                        && [Role::Admin, Role::SeniorReviewer, Role::Reviewer]
                            .into_iter()
                            .any(|role| self.roles.contains(role)))
            }
            Permission::ManageWebhooks(organisation) => self.is_admin_of(organisation),
            Permission::ExtendPreservation(platform) => {
                (self.organisation_is_operator || self.organisation_id == platform)
                    && (self.roles.contains(Role::Admin) || self.roles.contains(Role::SeniorReviewer))
            }
            Permission::ReadActions(platform) => self.may(Permission::ReadCases(platform)),
            Permission::ConfirmActions(platform) => {
                self.organisation_id == platform
                    && [Role::Admin, Role::SeniorReviewer, Role::Reviewer]
                        .into_iter()
                        .any(|role| self.roles.contains(role))
            }
            Permission::ReadAudit(scope) => {
                let reads_audit = self.roles.contains(Role::Auditor) || self.roles.contains(Role::Admin);
                reads_audit
                    && match scope {
                        None => self.organisation_is_operator,
                        Some(organisation) => self.organisation_is_operator || organisation == self.organisation_id,
                    }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(operator: bool, roles: &[Role]) -> Principal {
        Principal {
            actor: Actor::System,
            organisation_id: OrganisationId(uuid::Uuid::from_u128(1)),
            organisation_is_operator: operator,
            roles: RoleSet::of(roles),
        }
    }

    #[test]
    fn permission_table() {
        let own = OrganisationId(uuid::Uuid::from_u128(1));
        let other = OrganisationId(uuid::Uuid::from_u128(2));
        use BankVisibility::{Private, Shared};
        use Permission::*;
        use Role::*;
        // (operator?, roles, permission, expected)
        let table = [
            (true, vec![Admin], ManageOrganisations, true),
            (false, vec![Admin], ManageOrganisations, false),
            (false, vec![Admin], ManageMembers(own), true),
            (false, vec![Admin], ManageMembers(other), false),
            (true, vec![Admin], ManageMembers(other), true),
            (false, vec![Reviewer, SeniorReviewer], ManageMembers(own), false),
            (false, vec![Auditor], ReadMembers(own), true),
            (false, vec![Auditor], ReadMembers(other), false),
            (true, vec![Auditor], ReadMembers(other), true),
            (false, vec![Auditor], ManageMembers(own), false),
            (false, vec![Auditor], ReadAudit(Some(own)), true),
            (false, vec![Auditor], ReadAudit(None), false),
            (true, vec![Auditor], ReadAudit(None), true),
            (false, vec![Viewer], ReadAudit(Some(own)), false),
            (false, vec![Viewer], ReadDirectory, true),
            (false, vec![], ReadDirectory, false),
            (false, vec![Admin], EditOrganisation(own), true),
            (false, vec![Referrer], EditOrganisation(own), false),
            (false, vec![SeniorReviewer], ManageBanks(own), true),
            (false, vec![Reviewer], ManageBanks(own), false),
            (false, vec![Admin], ManageBanks(other), false),
            (true, vec![Admin], ManageBanks(other), true),
            (false, vec![Reviewer], ReadBankSignals { owner: own, visibility: Private }, true),
            (false, vec![Viewer], ReadBankSignals { owner: own, visibility: Private }, false),
            (false, vec![Viewer], ReadBankSignals { owner: own, visibility: Shared }, true),
            (false, vec![Reviewer], ReadBankSignals { owner: other, visibility: Private }, false),
            (false, vec![Admin], ReadBankSignals { owner: other, visibility: BankVisibility::Match }, false),
            (false, vec![Viewer], ReadBankSignals { owner: other, visibility: Shared }, true),
            (false, vec![], ReadBankSignals { owner: other, visibility: Shared }, false),
            (true, vec![Admin], ReadBankSignals { owner: other, visibility: Private }, true),
            // The operator's auditors audit the trail, not other organisations' hash lists.
            (true, vec![Auditor], ReadBankSignals { owner: other, visibility: Private }, false),
            (true, vec![Auditor], ReadBankSignals { owner: other, visibility: BankVisibility::Match }, false),
            (false, vec![Viewer], SeeBank { owner: own, visibility: Private }, true),
            (false, vec![Admin], SeeBank { owner: other, visibility: Private }, false),
            (true, vec![Auditor], SeeBank { owner: other, visibility: Private }, false),
            (true, vec![Admin], SeeBank { owner: other, visibility: Private }, true),
            (false, vec![Viewer], SeeBank { owner: other, visibility: BankVisibility::Match }, true),
            (false, vec![], SeeBank { owner: other, visibility: BankVisibility::Match }, false),
            (false, vec![Viewer], Match, true),
            (false, vec![], Match, false),
            (false, vec![Referrer], Submit, true),
            (false, vec![Admin], Submit, true),
            (false, vec![Reviewer], Submit, false),
            (false, vec![Viewer], ReadSubmission { submitter: Some(own), platform: other }, true),
            (false, vec![Referrer], ReadSubmission { submitter: Some(other), platform: other }, false),
            (false, vec![Reviewer], ReadSubmission { submitter: Some(other), platform: own }, true),
            (false, vec![Viewer], ReadSubmission { submitter: None, platform: own }, false),
            (false, vec![Reviewer], ReadCases(own), true),
            (false, vec![Auditor], ReadCases(own), true),
            (false, vec![Referrer], ReadCases(own), false),
            (false, vec![Reviewer], ReadCases(other), false),
            (true, vec![Reviewer], ReadCases(other), true),
            (false, vec![Auditor], HandleCases(own), false),
            (false, vec![Reviewer], HandleCases(own), true),
            (false, vec![SeniorReviewer], HandleCases(other), false),
            (false, vec![Admin], ManageWebhooks(own), true),
            (false, vec![Admin], ManageWebhooks(other), false),
            (true, vec![Admin], ManageWebhooks(other), true),
            (false, vec![SeniorReviewer], ManageWebhooks(own), false),
            (false, vec![Auditor], ReadActions(own), true),
            (false, vec![Viewer], ReadActions(own), false),
            (false, vec![Reviewer], ReadActions(other), false),
            (true, vec![Auditor], ReadActions(other), true),
            (false, vec![Reviewer], ConfirmActions(own), true),
            (false, vec![Admin], ConfirmActions(own), true),
            (false, vec![Auditor], ConfirmActions(own), false),
            (false, vec![Referrer], ConfirmActions(own), false),
            (true, vec![Admin], ConfirmActions(other), false),
            (false, vec![Reviewer], ConfirmActions(other), false),
            (false, vec![SeniorReviewer], ExtendPreservation(own), true),
            (false, vec![Admin], ExtendPreservation(own), true),
            (false, vec![Reviewer], ExtendPreservation(own), false),
            (false, vec![Auditor], ExtendPreservation(own), false),
            (false, vec![Admin], ExtendPreservation(other), false),
            (true, vec![SeniorReviewer], ExtendPreservation(other), true),
            (false, vec![Reviewer], DecideCases(own), true),
            (false, vec![SeniorReviewer], DecideCases(own), true),
            (false, vec![Admin], DecideCases(own), false),
            (false, vec![Auditor], DecideCases(own), false),
            (false, vec![Reviewer], DecideCases(other), false),
            (true, vec![Reviewer], DecideCases(other), true),
            (false, vec![Reviewer], SeniorDecisions(own), false),
            (false, vec![SeniorReviewer], SeniorDecisions(own), true),
            (false, vec![SeniorReviewer], SeniorDecisions(other), false),
            (false, vec![Reviewer], AddToBank(own), true),
            (false, vec![Viewer], AddToBank(own), false),
            (false, vec![Reviewer], AddToBank(other), false),
            (true, vec![Admin], AddToBank(other), true),
        ];
        for (operator, roles, permission, expected) in table {
            assert_eq!(
                principal(operator, &roles).may(permission),
                expected,
                "operator={operator} roles={roles:?} {permission:?}"
            );
        }
    }

    #[test]
    fn bank_access_is_ordered() {
        let owner = OrganisationId(uuid::Uuid::from_u128(2));
        let operators = [false, true];
        let role_sets: Vec<Vec<Role>> =
            std::iter::once(Vec::new()).chain(Role::ALL.into_iter().map(|role| vec![role])).collect();
        for operator in operators {
            for roles in &role_sets {
                for own in [false, true] {
                    let mut asker = principal(operator, roles);
                    if own {
                        asker.organisation_id = owner;
                    }
                    // Opening a bank never hides anything more, and reading implies seeing.
                    let levels = BankVisibility::ALL.map(|visibility| asker.bank_access(owner, visibility));
                    assert!(levels.is_sorted(), "{operator} {roles:?} own={own}: {levels:?}");
                    for visibility in BankVisibility::ALL {
                        if asker.may(Permission::ReadBankSignals { owner, visibility }) {
                            assert!(asker.may(Permission::SeeBank { owner, visibility }));
                        }
                    }
                }
            }
        }
        let reviewers = Principal::reviewer_of(owner, false);
        assert_eq!(reviewers.bank_access(owner, BankVisibility::Private), BankAccess::Signals);
        let other = OrganisationId(uuid::Uuid::from_u128(3));
        assert_eq!(reviewers.bank_access(other, BankVisibility::Private), BankAccess::Hidden);
        assert_eq!(reviewers.bank_access(other, BankVisibility::Match), BankAccess::MatchOnly);
        assert_eq!(reviewers.bank_access(other, BankVisibility::Shared), BankAccess::Signals);
    }

    #[test]
    fn role_sets() {
        let set = RoleSet::parse_all(&["viewer", "admin"]).unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [Role::Admin, Role::Viewer]);
        assert!(RoleSet::parse_all::<&str>(&[]).is_err());
        assert!(RoleSet::parse_all(&["root"]).is_err());
    }
}
