//! What makes an organisation record valid, whatever the request that
//! produced it (creation or a patch merged onto the stored record).

use super::codes::{IdentifierType, OrgKind, SiaeType};
use super::siret;
use super::violations::Violations;

pub const NAME_MAX: usize = 300;
pub const IDENTIFIER_MAX: usize = 64;

/// An organisation's editable fields, as they would be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFields {
    pub kind: OrgKind,
    pub name: String,
    pub siret: Option<String>,
    pub siae_type: Option<SiaeType>,
    pub identifier_type: Option<IdentifierType>,
    pub identifier: Option<String>,
}

/// Normalises then checks the fields, noting every rule broken.
pub fn check(mut f: OrganisationFields, v: &mut Violations) -> OrganisationFields {
    f.name = f.name.trim().to_string();
    if f.name.is_empty() && !v.has("name") {
        v.add("name", "must not be empty");
    } else if f.name.chars().count() > NAME_MAX {
        v.add("name", format!("must be at most {NAME_MAX} characters"));
    }
    // Spaces are how SIRETs are often printed (`356 000 000 00048`).
    f.siret = f
        .siret
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect());
    if let Some(s) = &f.siret {
        if let Err(why) = siret::check(s) {
            v.add("siret", why);
        }
    }
    if f.siae_type.is_some() && f.kind != OrgKind::Company {
        v.add(
            "siae_type",
            "only an organisation of kind `company` can be an insertion or sheltered employer",
        );
    }
    f.identifier = f.identifier.map(|s| s.trim().to_string());
    match (&f.identifier_type, &f.identifier) {
        (Some(_), None) => v.add("identifier", "is required when identifier_type is set"),
        (None, Some(_)) => v.add("identifier_type", "is required when identifier is set"),
        (Some(_), Some(id)) if id.is_empty() || id.chars().count() > IDENTIFIER_MAX => v.add(
            "identifier",
            format!("must be 1 to {IDENTIFIER_MAX} characters"),
        ),
        _ => {}
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> OrganisationFields {
        OrganisationFields {
            kind: OrgKind::Company,
            name: "  Bâtir Essonne  ".into(),
            siret: Some("732 829 320 00074".into()),
            siae_type: None,
            identifier_type: None,
            identifier: None,
        }
    }

    #[test]
    fn normalises_valid_record() {
        let mut v = Violations::default();
        let f = check(base(), &mut v);
        assert!(v.finish().is_ok());
        assert_eq!(f.name, "Bâtir Essonne");
        assert_eq!(f.siret.as_deref(), Some("73282932000074"));
    }

    #[test]
    fn reports_every_broken_rule() {
        let mut v = Violations::default();
        check(
            OrganisationFields {
                kind: OrgKind::Buyer,
                name: " ".into(),
                siret: Some("73282932000075".into()),
                siae_type: Some(SiaeType::Etti),
                identifier_type: Some(IdentifierType::Tva),
                identifier: None,
            },
            &mut v,
        );
        let fields: Vec<String> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["name", "siret", "siae_type", "identifier"]);
    }
}
