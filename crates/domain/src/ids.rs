//! Typed identifiers, so an organisation id can never be passed where a user id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) identifier. Ordering by id is ordering by creation.
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies an organisation.
    OrganisationId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an API token (not the secret itself).
    TokenId
);
id_type!(
    /// Identifies an audit event.
    AuditEventId
);
id_type!(
    /// Identifies a hash bank.
    BankId
);
id_type!(
    /// Identifies a submission (a removal order, referral, notice, report or flag).
    SubmissionId
);
id_type!(
    /// Identifies a case: the submissions about one piece of content, reviewed together.
    CaseId
);
id_type!(
    /// Identifies a review decision.
    DecisionId
);
id_type!(
    /// Identifies a reviewer's internal note on a case.
    CaseNoteId
);
id_type!(
    /// Identifies an action a platform is asked to carry out.
    ActionId
);
id_type!(
    /// Identifies a webhook endpoint.
    WebhookEndpointId
);
id_type!(
    /// Identifies one event sent to one webhook endpoint: the same at every attempt, so the
    /// receiver can drop repeats (`webhook-id`).
    EventId
);
id_type!(
    /// Identifies a complaint against a decision.
    ComplaintId
);
id_type!(
    /// Identifies an extension of a case's preservation, requested by an authority or a court.
    PreservationExtensionId
);
id_type!(
    /// Identifies one opening of a case's preserved content: who, when and why.
    PreservationAccessId
);
