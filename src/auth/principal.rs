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
        // PLIEs read the sub in the access trail: a bidirectional override
        // or an invisible character would make it read as someone else.
        if claims.sub.chars().any(is_format_char) {
            return Err(
                "the bearer token's sub holds format characters (Unicode Cf: bidirectional \
                 controls, zero-width characters)"
                    .into(),
            );
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

/// Unicode's general category Cf (format characters), as of Unicode 15.1:
/// bidirectional controls, zero-width joiners and spaces, invisible
/// operators, the byte-order mark, tags.
pub fn is_format_char(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

#[cfg(test)]
mod tests {
    use super::is_format_char;

    #[test]
    fn format_characters_are_told_apart_from_letters() {
        for c in [
            '\u{202E}',
            '\u{200B}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{00AD}',
        ] {
            assert!(is_format_char(c), "{:04X}", c as u32);
        }
        for c in ['a', 'é', 'ß', ' ', '-', '\u{00A0}', '中'] {
            assert!(!is_format_char(c), "{:04X}", c as u32);
        }
    }
}
