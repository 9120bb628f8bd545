//! JWT verification. The algorithm is pinned to the key that verifies it:
//! an HS256 token is only ever checked against `JWT_SECRET`, an RS256/ES256
//! token only against a public key of that type, so `alg: none` and HS/RS
//! confusion cannot pass.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{
    decode, decode_header, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

/// The claims this service reads. `exp` is required by the validation.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

struct PublicKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

pub struct Verifier {
    secret: Option<DecodingKey>,
    public: Vec<PublicKey>,
    issuer: Option<String>,
    audience: Option<String>,
    max_lifetime: i64,
}

/// `JWT_MAX_LIFETIME_SECONDS` when unset: a day.
pub const DEFAULT_MAX_LIFETIME_SECONDS: i64 = 86_400;

/// Clock skew allowed between the issuer and this service.
const LEEWAY_SECONDS: i64 = 30;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

impl Verifier {
    /// `public_key` is the content of `JWT_PUBLIC_KEY_FILE`: a PEM public
    /// key (RSA or EC P-256) or a JWKS document.
    pub fn new(
        secret: Option<&str>,
        public_key: Option<&str>,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Verifier, String> {
        let public = match public_key {
            None => Vec::new(),
            Some(text) => parse_public_keys(text)?,
        };
        if secret.is_none() && public.is_empty() {
            return Err("no usable JWT key".into());
        }
        Ok(Verifier {
            secret: secret.map(|s| DecodingKey::from_secret(s.as_bytes())),
            public,
            issuer,
            audience,
            max_lifetime: DEFAULT_MAX_LIFETIME_SECONDS,
        })
    }

    /// Tokens living longer than this (`exp - iat`) are refused.
    pub fn with_max_lifetime(mut self, seconds: i64) -> Verifier {
        self.max_lifetime = seconds;
        self
    }

    /// The claims of a token whose signature, algorithm, expiry, issuer,
    /// audience and lifetime are checked.
    pub fn claims(&self, token: &str) -> Result<Claims, AuthError> {
        let header =
            decode_header(token).map_err(|_| AuthError("the bearer token is malformed".into()))?;
        refuse_critical_extensions(token)?;
        // RFC 7519 5.1: a JWT says it is one; another type (an ID token
        // meant for a front end, a logout token...) is not a bearer token
        // of this service.
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("JWT"))
        {
            return Err(AuthError(
                "the bearer token's header must say typ \"JWT\"".into(),
            ));
        }
        let candidates: Vec<&DecodingKey> = match header.alg {
            Algorithm::HS256 => self.secret.iter().collect(),
            Algorithm::RS256 | Algorithm::ES256 => self
                .public
                .iter()
                .filter(|k| k.alg == header.alg)
                .filter(|k| match (&header.kid, &k.kid) {
                    (Some(want), Some(have)) => want == have,
                    _ => true,
                })
                .map(|k| &k.key)
                .collect(),
            _ => Vec::new(),
        };
        if candidates.is_empty() {
            return Err(AuthError(format!(
                "tokens signed with {:?} are not accepted by this service",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS as u64;
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        let mut last = AuthError("the bearer token is not valid".into());
        for key in candidates {
            match decode::<Claims>(token, key, &validation) {
                Ok(data) => {
                    self.check_lifetime(&data.claims)?;
                    return Ok(data.claims);
                }
                Err(e) => last = AuthError(describe(e.kind())),
            }
        }
        Err(last)
    }
}

impl Verifier {
    /// A token lives at most `max_lifetime` from its `iat` (from now when
    /// it has none), so a stolen one cannot be used for months.
    fn check_lifetime(&self, claims: &Claims) -> Result<(), AuthError> {
        let now = chrono::Utc::now().timestamp();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
            return Err(AuthError(
                "the bearer token is issued in the future (iat)".into(),
            ));
        }
        let from = claims.iat.unwrap_or(now);
        if claims.exp.saturating_sub(from) > self.max_lifetime {
            return Err(AuthError(format!(
                "the bearer token lives longer than the {} seconds this service accepts (exp - iat)",
                self.max_lifetime
            )));
        }
        Ok(())
    }
}

/// RFC 7515 4.1.11: a `crit` header names extensions the verifier must
/// understand, and this service understands none, so such a token is
/// refused rather than read without them.
fn refuse_critical_extensions(token: &str) -> Result<(), AuthError> {
    use base64::Engine;
    let malformed = || AuthError("the bearer token is malformed".into());
    let head = token.split('.').next().ok_or_else(malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head.trim_end_matches('='))
        .map_err(|_| malformed())?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if header.contains_key("crit") {
        return Err(AuthError(
            "the bearer token's header has critical extensions (crit) this service does not understand"
                .into(),
        ));
    }
    Ok(())
}

fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "the bearer token has expired".into(),
        K::ImmatureSignature => "the bearer token is not valid yet (nbf)".into(),
        K::InvalidSignature => "the bearer token's signature is not valid".into(),
        K::InvalidAudience => "the bearer token is not for this audience".into(),
        K::InvalidIssuer => "the bearer token is not from the expected issuer".into(),
        K::MissingRequiredClaim(c) => format!("the bearer token lacks the `{c}` claim"),
        K::Json(_) => "the bearer token's claims are not valid (sub, role, exp required)".into(),
        _ => "the bearer token is not valid".into(),
    }
}

fn parse_public_keys(text: &str) -> Result<Vec<PublicKey>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let set: JwkSet = serde_json::from_str(trimmed)
            .map_err(|e| format!("JWT_PUBLIC_KEY_FILE is not a valid JWKS document: {e}"))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                (Some(KeyAlgorithm::RS256), _) => Algorithm::RS256,
                (Some(KeyAlgorithm::ES256), _) => Algorithm::ES256,
                (Some(_), _) => continue,
                (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                (None, AlgorithmParameters::EllipticCurve(p)) if p.curve == EllipticCurve::P256 => {
                    Algorithm::ES256
                }
                (None, _) => continue,
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS key: {e}"))?;
            keys.push(PublicKey {
                kid: jwk.common.key_id.clone(),
                alg,
                key,
            });
        }
        if keys.is_empty() {
            return Err("JWT_PUBLIC_KEY_FILE holds no RS256 or ES256 key".into());
        }
        Ok(keys)
    } else if trimmed.starts_with("-----BEGIN") {
        let bytes = trimmed.as_bytes();
        if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
            return Ok(vec![PublicKey {
                kid: None,
                alg: Algorithm::RS256,
                key,
            }]);
        }
        if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
            return Ok(vec![PublicKey {
                kid: None,
                alg: Algorithm::ES256,
                key,
            }]);
        }
        Err("JWT_PUBLIC_KEY_FILE is neither an RSA nor an EC P-256 public key in PEM".into())
    } else {
        Err("JWT_PUBLIC_KEY_FILE must hold a PEM public key or a JWKS document".into())
    }
}

/// Mints an HS256 token, for `clauses token` and tests.
pub fn mint_hs256(secret: &str, claims: &Claims) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| e.to_string())
}

/// Claims for a development token.
pub fn dev_claims(
    role: Role,
    org: Option<uuid::Uuid>,
    sub: &str,
    ttl_seconds: i64,
    issuer: Option<String>,
    audience: Option<String>,
) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: sub.to_string(),
        role: role.as_str().to_string(),
        org: org.map(|o| o.to_string()),
        exp: now + ttl_seconds,
        iat: Some(now),
        iss: issuer,
        aud: audience,
    }
}
