//! Webhook signatures in the manner of Standard Webhooks (and Stripe's): HMAC-SHA256 over
//! `"{id}.{timestamp}.{body}"` with the endpoint's secret, sent as
//! `webhook-signature: v1,<base64>` next to `webhook-id` and `webhook-timestamp` (Unix seconds).
//! While a rotated secret's overlap runs, both keys sign and the header carries both
//! signatures, space-separated; a receiver accepts the event if any one verifies.
//!
//! Written here rather than taken from a crate: the scheme is three lines over the `hmac` and
//! `sha2` crates, and the crates that implement it bring their own HTTP stacks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Secrets start with this, as in Standard Webhooks, so they are recognisable in a vault.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret.
const SECRET_BYTES: usize = 32;

/// How far a receiver should allow a timestamp to be from its clock (replay window).
pub const TOLERANCE_SECONDS: i64 = 300;

/// A new random secret, `whsec_` + base64 of 32 bytes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0_u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The key bytes of a secret (the base64 after the prefix), or `None` if it is not one.
fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// The `v1,<base64>` signature of one message under one secret. A secret that is not in the
/// `whsec_` form (none is ever stored so) signs with its raw bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = key(secret).unwrap_or_else(|| secret.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header for `secrets` (the current one, then a previous one still in
/// its overlap).
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|secret| sign(secret, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Why a signed message was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unverified {
    /// No signature, or none in the `v1,` form.
    Missing,
    /// The timestamp is outside the tolerance: a replay, or a clock far off.
    Stale,
    /// No signature matches.
    Mismatch,
}

/// Checks a message as a receiver does: the timestamp within [`TOLERANCE_SECONDS`] of `now`,
/// and one of the header's `v1` signatures equal (in constant time) to the expected one.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str, now: i64) -> Result<(), Unverified> {
    use subtle::ConstantTimeEq;
    let candidates: Vec<&str> = header.split(' ').filter(|part| part.starts_with("v1,")).collect();
    if candidates.is_empty() {
        return Err(Unverified::Missing);
    }
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(Unverified::Stale);
    }
    let expected = sign(secret, id, timestamp, body);
    if candidates.iter().any(|candidate| bool::from(candidate.as_bytes().ct_eq(expected.as_bytes()))) {
        Ok(())
    } else {
        Err(Unverified::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification (its test vector).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1_614_265_330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(sign(secret, id, timestamp, body), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let header = signature_header(&[secret], id, timestamp, body);
        assert_eq!(verify(secret, id, timestamp, body, &header, timestamp + 10), Ok(()));
        assert_eq!(verify(secret, id, timestamp, b"{}", &header, timestamp), Err(Unverified::Mismatch));
        assert_eq!(verify(secret, id, timestamp, body, &header, timestamp + 301), Err(Unverified::Stale));
        assert_eq!(verify(secret, id, timestamp, body, "", timestamp), Err(Unverified::Missing));
        let other = new_secret();
        assert!(other.starts_with(SECRET_PREFIX) && other != new_secret());
        // During a rotation's overlap both keys sign; either verifies.
        let both = signature_header(&[&other, secret], id, timestamp, body);
        assert_eq!(verify(secret, id, timestamp, body, &both, timestamp), Ok(()));
        assert_eq!(verify(&other, id, timestamp, body, &both, timestamp), Ok(()));
    }
}
