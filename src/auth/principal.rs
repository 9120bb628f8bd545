//! The caller, as the token says: role, organisation, subject.

use uuid::Uuid;

use super::jwt::{AuthError, Claims, Verifier};
use crate::domain::role::Role;

/// The longest `sub` this service keeps in its logs and trails.
pub const MAX_SUB_CHARS: usize = 256;

#[derive(Debug, Clone)]
pub struct Principal {
    pub sub: String,
    pub role: Role,
    pub org: Option<Uuid>,
    /// The request this caller is making, for the access trail.
    pub request_id: String,
}

impl Verifier {
    /// The caller a token names, once its signature and claims are checked.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        Principal::from_claims(self.claims(token)?).map_err(AuthError)
    }
}

impl Principal {
    pub fn from_claims(claims: Claims) -> Result<Principal, String> {
        let role = Role::parse(&claims.role)
            .ok_or_else(|| "the bearer token's role is not one this service knows".to_string())?;
        let org = match claims.org.as_deref() {
            None | Some("") => None,
            Some(s) => Some(
                Uuid::parse_str(s)
                    .map_err(|_| "the bearer token's org is not a UUID".to_string())?,
            ),
        };
        if role.needs_org() && org.is_none() {
            return Err(format!(
                "a {} token must carry the caller's organisation in `org`",
                role.as_str()
            ));
        }
        if claims.sub.trim().is_empty() {
            return Err("the bearer token's sub is empty".into());
        }
        // The sub is written into the access log and the access trail.
        if claims.sub.chars().any(char::is_control) {
            return Err("the bearer token's sub holds control characters".into());
        }
        if claims.sub.chars().count() > MAX_SUB_CHARS {
            return Err(format!(
                "the bearer token's sub is longer than {MAX_SUB_CHARS} characters"
            ));
        }
        Ok(Principal {
            sub: claims.sub,
            role,
            org,
            request_id: String::new(),
        })
    }

    /// The organisation of a role that must have one (checked at sign-in).
    pub fn org_id(&self) -> Uuid {
        self.org.unwrap_or_else(Uuid::nil)
    }
}
