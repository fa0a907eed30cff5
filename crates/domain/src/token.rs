//! API tokens: the text handed out once, and the hash under which it is stored.
//!
//! A token is `vigie_` followed by 64 hex digits (256 random bits). Because it carries that
//! much entropy, a plain SHA-256 is enough to store it (a slow password hash would only slow
//! every API request); the text itself is never stored or logged.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::access::RoleSet;
use crate::ids::{OrganisationId, TokenId};

const PREFIX: &str = "vigie_";

/// The secret text of a token, as shown once to its creator.
pub struct TokenSecret(String);

impl TokenSecret {
    /// Builds a token from 32 random bytes supplied by the caller.
    pub fn from_random_bytes(bytes: [u8; 32]) -> Self {
        Self(format!("{PREFIX}{}", hex::encode(bytes)))
    }

    /// The text to give to the token's holder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash to store.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of_presented(&self.0)
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

/// SHA-256 of a token's text, hex-encoded: what the database stores and looks tokens up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

impl TokenHash {
    /// Hashes a token as presented by a client (`Authorization: Bearer ...`).
    pub fn of_presented(text: &str) -> Self {
        Self(hex::encode(Sha256::digest(text.trim().as_bytes())))
    }

    /// Whether `text` has the shape of a token at all, to refuse junk before a database lookup.
    pub fn looks_like_token(text: &str) -> bool {
        text.strip_prefix(PREFIX).is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

/// A stored token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id (shown in lists, used to revoke it).
    pub id: TokenId,
    /// The organisation it acts for.
    pub organisation_id: OrganisationId,
    /// A label saying what it is for.
    pub name: String,
    /// The roles it grants.
    pub roles: RoleSet,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used to authenticate (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Why a presented token does not authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRejection {
    /// Revoked by an admin.
    Revoked,
    /// Past its expiry time.
    Expired,
}

impl ApiToken {
    /// Whether the token may be used at `now`.
    pub fn check_usable(&self, now: DateTime<Utc>) -> Result<(), TokenRejection> {
        if self.revoked_at.is_some() {
            return Err(TokenRejection::Revoked);
        }
        if self.expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(TokenRejection::Expired);
        }
        Ok(())
    }
}

/// Parses a lifetime such as `90d`, `12h`, `30m` or `never` (the CLI's `--expires`).
pub fn parse_lifetime(text: &str) -> Result<Option<chrono::Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let message = || "must be a number followed by m, h or d (such as 90d), or `never`".to_string();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let amount: i64 = number.parse().map_err(|_| message())?;
    if amount <= 0 || amount > 36_500 {
        return Err("must be positive and at most 36500 units".into());
    }
    match unit {
        "m" => Ok(Some(chrono::Duration::minutes(amount))),
        "h" => Ok(Some(chrono::Duration::hours(amount))),
        "d" => Ok(Some(chrono::Duration::days(amount))),
        _ => Err(message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_and_shape() {
        let secret = TokenSecret::from_random_bytes([7; 32]);
        assert!(TokenHash::looks_like_token(secret.expose()));
        assert_eq!(secret.hash(), TokenHash::of_presented(secret.expose()));
        assert!(!format!("{secret:?}").contains("0707"));
        assert!(!TokenHash::looks_like_token("vigie_xyz"));
        assert!(!TokenHash::looks_like_token("Bearer"));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("90d"), Ok(Some(chrono::Duration::days(90))));
        assert_eq!(parse_lifetime("12h"), Ok(Some(chrono::Duration::hours(12))));
        assert_eq!(parse_lifetime("never"), Ok(None));
        for bad in ["", "d", "0d", "-1d", "10y", "1.5d", "99999999d"] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn usable() {
        let now = Utc::now();
        let mut token = ApiToken {
            id: TokenId::new_v7(),
            organisation_id: OrganisationId::new_v7(),
            name: "t".into(),
            roles: RoleSet::default(),
            created_at: now,
            expires_at: Some(now + chrono::Duration::hours(1)),
            revoked_at: None,
            last_used_at: None,
        };
        assert_eq!(token.check_usable(now), Ok(()));
        assert_eq!(token.check_usable(now + chrono::Duration::hours(1)), Err(TokenRejection::Expired));
        token.revoked_at = Some(now);
        assert_eq!(token.check_usable(now), Err(TokenRejection::Revoked));
    }
}
