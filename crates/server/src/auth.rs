//! Credentials: argon2id passwords, random secrets for tokens and sessions, and the login
//! rate limiter.

use std::net::IpAddr;
use std::num::NonZeroU32;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string. CPU-heavy: call from `spawn_blocking` in async code.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))
}

/// Checks a password against a PHC string. CPU-heavy: call from `spawn_blocking`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A PHC string for a password nobody knows, verified against when the email is unknown so
/// that a failed login takes the same time whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_hex(16)).unwrap_or_default())
}

/// `bytes` random bytes from the OS, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// 32 random bytes from the OS.
pub fn random_bytes() -> [u8; 32] {
    let mut buffer = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    buffer
}

/// A password for a new account, shown once: 20 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut random = [0_u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut random);
    // 256 is not a multiple of 57, so a plain modulo would favour some characters a little;
    // four characters of margin over NIST's minimum make that bias irrelevant.
    random.iter().map(|byte| ALPHABET[usize::from(*byte) % ALPHABET.len()] as char).collect()
}

/// SHA-256 (hex) of a session cookie, as stored.
pub fn session_hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

/// Constant-time equality for secrets such as CSRF tokens.
pub fn secrets_match(left: &str, right: &str) -> bool {
    use subtle::ConstantTimeEq;
    left.len() == right.len() && bool::from(left.as_bytes().ct_eq(right.as_bytes()))
}

/// Recently authenticated API tokens, so that a busy client costs no database round trip per
/// request. An entry lives `ttl` (a few seconds): a token revoked through another node stops
/// working within that time; revoking through this node empties the cache at once.
pub struct TokenCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, CachedToken>>,
    ttl: std::time::Duration,
}

/// A cached authentication result.
#[derive(Clone)]
pub struct CachedToken {
    /// The principal the token stands for.
    pub principal: vigie_domain::access::Principal,
    /// When the token expires, if ever.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    cached_at: std::time::Instant,
}

/// Entries kept at most; past this the cache starts afresh (a flood of distinct tokens must not grow memory).
const TOKEN_CACHE_CAPACITY: usize = 10_000;

impl TokenCache {
    /// A cache whose entries live `ttl`.
    pub fn new(ttl: std::time::Duration) -> Self {
        Self { entries: Default::default(), ttl }
    }

    /// The cached result for a token hash, if fresh.
    pub fn get(&self, hash: &str) -> Option<CachedToken> {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(hash).filter(|entry| entry.cached_at.elapsed() < self.ttl).cloned()
    }

    /// Remembers a successful authentication.
    pub fn insert(
        &self,
        hash: String,
        principal: vigie_domain::access::Principal,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= TOKEN_CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(hash, CachedToken { principal, expires_at, cached_at: std::time::Instant::now() });
    }

    /// Forgets everything (after a revocation or a role change).
    pub fn clear(&self) {
        self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

/// The key a client address counts under in rate limits: an IPv4 address as itself (also when
/// it arrives IPv4-mapped), an IPv6 address by its /64, the block one subscriber usually holds,
/// so that rotating addresses within it does not escape a limit.
pub fn rate_limit_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1_u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

/// Limits login attempts per client address and per account, so that neither one address
/// trying many accounts nor many addresses trying one account gets far. Accounts count under
/// the normalised email the account lookup uses, so spellings of one address (case, padding)
/// share one count.
pub struct LoginLimiter {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// `per_minute` attempts per address and per account, with bursts of the same size.
    pub fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute);
        Self { per_address: RateLimiter::keyed(quota), per_account: RateLimiter::keyed(quota) }
    }

    /// Counts one attempt at `account` (`None` when the text is no valid email, so no account
    /// can match it: only the address counts); `false` when over the limit.
    pub fn allow(&self, address: IpAddr, account: Option<&vigie_domain::validate::Email>) -> bool {
        let address_ok = self.per_address.check_key(&rate_limit_key(address)).is_ok();
        let account_ok = account.is_none_or(|email| self.per_account.check_key(&email.as_str().to_owned()).is_ok());
        self.per_address.retain_recent();
        self.per_account.retain_recent();
        address_ok && account_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("wrong horse battery staple", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn generated_passwords_are_long_enough() {
        let password = generate_password();
        assert_eq!(password.len(), 20);
        assert!(vigie_domain::user::check_password(&password).is_ok());
        assert_ne!(password, generate_password());
    }

    fn email(text: &str) -> vigie_domain::validate::Email {
        vigie_domain::validate::Email::parse(text).unwrap()
    }

    #[test]
    fn limiter_blocks_after_quota() {
        let limiter = LoginLimiter::new(3);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..3).all(|_| limiter.allow(address, Some(&email("a@example.org")))));
        assert!(!limiter.allow(address, Some(&email("a@example.org"))));
        // Another account from another address is not affected.
        assert!(limiter.allow("192.0.2.2".parse().unwrap(), Some(&email("b@example.org"))));
    }

    #[test]
    fn spellings_of_one_account_share_its_count() {
        let limiter = LoginLimiter::new(3);
        let spellings = ["a@example.org", "  a@example.org", "A@Example.org\t", "\u{a0}a@EXAMPLE.ORG "];
        for (index, spelling) in spellings.iter().enumerate() {
            let address: IpAddr = format!("192.0.2.{}", 10 + index).parse().unwrap();
            let allowed = limiter.allow(address, Some(&email(spelling)));
            assert_eq!(allowed, index < 3, "attempt {index} with {spelling:?}");
        }
    }

    #[test]
    fn ipv6_addresses_count_per_64() {
        let limiter = LoginLimiter::new(2);
        let in_block = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::abcd"];
        let outcomes: Vec<bool> = in_block.iter().map(|text| limiter.allow(text.parse().unwrap(), None)).collect();
        assert_eq!(outcomes, [true, true, false]);
        assert!(limiter.allow("2001:db8:1:3::1".parse().unwrap(), None));
        assert_eq!(rate_limit_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn secret_comparison() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abc", "abd"));
        assert!(!secrets_match("abc", "abcd"));
    }
}
