//! The fixed code lists of the API (DOMAIN.md), each a Rust enum that
//! serialises to its code and is stored as that code in a CHECKed column.

/// Declares an enum of codes with its JSON names, `as_str` and `parse`.
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum! {
    /// What an organisation is in the clause's life.
    OrgKind {
        Facilitator => "facilitator",
        Plie => "plie",
        Company => "company",
        Buyer => "buyer",
        Department => "department",
        State => "state",
    }
}

code_enum! {
    /// Insertion and sheltered employers: EI, ACI, AI, ETTI (SIAE), GEIQ, EA, ESAT.
    SiaeType {
        Ei => "ei",
        Aci => "aci",
        Ai => "ai",
        Etti => "etti",
        Geiq => "geiq",
        Ea => "ea",
        Esat => "esat",
    }
}

code_enum! {
    /// Identifiers a holder without a SIRET may have (DECP `typeIdentifiant`).
    IdentifierType {
        Tva => "TVA",
        Tahiti => "TAHITI",
        Ridet => "RIDET",
        Frwf => "FRWF",
        Irep => "IREP",
        HorsUe => "HORS-UE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_json_and_text() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(*k));
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(
            IdentifierType::parse("HORS-UE"),
            Some(IdentifierType::HorsUe)
        );
        assert_eq!(SiaeType::parse("EI"), None);
    }
}
