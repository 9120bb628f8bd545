//! A subscription's signing secret: made, sealed for the database, and
//! used to sign (Standard Webhooks: `whsec_` + base64 of the key bytes;
//! `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

const PREFIX: &str = "whsec_";

/// `WEBHOOK_SECRET_KEY`: 32 bytes that seal the stored secrets, so that a
/// read of the database alone cannot sign. Never printed.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// From its base64 text (standard or URL-safe alphabet, padded or not).
    pub fn from_base64(text: &str) -> Result<SealingKey, String> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "is not base64".to_string())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("holds {} bytes, not 32", b.len()))?;
        Ok(SealingKey(key))
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("a 32-byte key"))
    }

    /// `secret` sealed (AES-256-GCM, a random nonce before the
    /// ciphertext), bound to its subscription: a sealed secret copied to
    /// another row does not open.
    pub fn seal(&self, secret: &str, webhook: Uuid) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system's random source");
        let mut sealed = secret.as_bytes().to_vec();
        self.aead()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(webhook.as_bytes()),
                &mut sealed,
            )
            .expect("sealing a short secret");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    /// The secret `seal` sealed for `webhook`; `None` when it does not
    /// open (another key, another row, altered bytes).
    pub fn open(&self, sealed: &[u8], webhook: Uuid) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let mut buf = rest.to_vec();
        let plain = self
            .aead()
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).ok()?,
                Aad::from(webhook.as_bytes()),
                &mut buf,
            )
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source");
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The Standard Webhooks signature of one message with one secret:
/// `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the
/// secret's decoded bytes.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> String {
    let raw = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let key_bytes = STANDARD
        .decode(raw)
        .unwrap_or_else(|_| raw.as_bytes().to_vec());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(message_id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_signs_as_its_libraries_do() {
        // The example of the Standard Webhooks specification
        // (spec/standard-webhooks.md) and its libraries' tests.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_row_only() {
        let key = SealingKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let other = SealingKey::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let secret = new_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&secret[6..]).unwrap().len(), 32);
        let sealed = key.seal(&secret, a);
        assert!(!sealed.windows(6).any(|w| w == b"whsec_"));
        assert_eq!(key.open(&sealed, a).as_deref(), Some(secret.as_str()));
        assert_eq!(key.open(&sealed, b), None);
        assert_eq!(other.open(&sealed, a), None);
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&altered, a), None);
        assert_ne!(key.seal(&secret, a), sealed, "a fresh nonce each time");
        assert!(SealingKey::from_base64("c2hvcnQ=").is_err());
        assert_eq!(format!("{key:?}"), "SealingKey(..)");
    }
}
