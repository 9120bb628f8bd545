//! The caller's role, and what each role's token must carry.

use super::codes::{code_enum, OrgKind};

code_enum! {
    /// The caller's role, from the token's `role` claim.
    Role {
        Facilitator => "facilitator",
        Plie => "plie",
        Company => "company",
        Buyer => "buyer",
        Department => "department",
        State => "state",
    }
}

impl Role {
    /// Roles whose data scope is their organisation: a token without `org`
    /// cannot say what they may see.
    pub fn needs_org(self) -> bool {
        matches!(
            self,
            Role::Plie | Role::Company | Role::Buyer | Role::Department
        )
    }

    /// The kind of organisation a token of this role must name.
    pub fn org_kind(self) -> Option<OrgKind> {
        match self {
            Role::Plie => Some(OrgKind::Plie),
            Role::Company => Some(OrgKind::Company),
            Role::Buyer => Some(OrgKind::Buyer),
            Role::Department => Some(OrgKind::Department),
            Role::Facilitator => Some(OrgKind::Facilitator),
            Role::State => Some(OrgKind::State),
        }
    }
}
