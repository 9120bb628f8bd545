//! Who sees what: the only place that knows API.md's access matrix. Models
//! ask it for a `Scope` (turned into a SQL filter) before every query, and
//! handlers ask it whether a role may attempt a write at all.

use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};

/// The rows of one resource a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole territory.
    All,
    /// Only the rows tied to this organisation (how, the resource says).
    Org(Uuid),
}

fn forbidden(what: &str) -> ApiError {
    ApiError::Forbidden(format!("your role may not {what}"))
}

pub mod organisations {
    use super::*;

    /// Facilitator, PLIE and State read every organisation; companies,
    /// buyers and the Département read their own.
    pub fn read(p: &Principal) -> Scope {
        match p.role {
            Role::Facilitator | Role::Plie | Role::State => Scope::All,
            Role::Company | Role::Buyer | Role::Department => Scope::Org(p.org_id()),
        }
    }

    /// Only the facilitator creates and edits organisations.
    pub fn write(p: &Principal) -> ApiResult<()> {
        match p.role {
            Role::Facilitator => Ok(()),
            _ => Err(forbidden("create or change organisations")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role) -> Principal {
        Principal {
            sub: "t".into(),
            role,
            org: Some(Uuid::from_u128(7)),
        }
    }

    #[test]
    fn organisation_matrix() {
        assert_eq!(organisations::read(&p(Role::Facilitator)), Scope::All);
        assert_eq!(organisations::read(&p(Role::Plie)), Scope::All);
        assert_eq!(organisations::read(&p(Role::State)), Scope::All);
        for r in [Role::Company, Role::Buyer, Role::Department] {
            assert_eq!(organisations::read(&p(r)), Scope::Org(Uuid::from_u128(7)));
        }
        assert!(organisations::write(&p(Role::Facilitator)).is_ok());
        for r in [
            Role::Plie,
            Role::Company,
            Role::Buyer,
            Role::Department,
            Role::State,
        ] {
            assert!(matches!(
                organisations::write(&p(r)),
                Err(ApiError::Forbidden(_))
            ));
        }
    }
}
