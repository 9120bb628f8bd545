//! What makes an organisation record valid, whatever the request that
//! produced it (creation or a patch merged onto the stored record).

use super::codes::{BuyerCategory, IdentifierType, OrgKind, SiaeType};
use super::siret;
use super::violations::Violations;

pub const NAME_MAX: usize = 300;
pub const IDENTIFIER_MAX: usize = 64;

/// What an organisation is tied to a record as; each tie takes its kinds
/// (a holder is a company, a buyer a buyer or the Département...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Buyer,
    Holder,
    Employer,
    Referent,
    /// The Département over a territory.
    Department,
}

impl Party {
    fn kinds(self) -> &'static [OrgKind] {
        match self {
            Party::Buyer => &[OrgKind::Buyer, OrgKind::Department],
            Party::Holder | Party::Employer => &[OrgKind::Company],
            Party::Referent => &[OrgKind::Plie],
            Party::Department => &[OrgKind::Department],
        }
    }

    /// Notes on `field` when an organisation of `kind` cannot be this party.
    pub fn check(self, kind: OrgKind, field: &str, v: &mut Violations) {
        let kinds = self.kinds();
        if !kinds.contains(&kind) {
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            v.add(
                field,
                format!(
                    "must be an organisation of kind {}, not {kind}",
                    names.join(" or ")
                ),
            );
        }
    }
}

/// An organisation's editable fields, as they would be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFields {
    pub kind: OrgKind,
    pub name: String,
    pub siret: Option<String>,
    pub siae_type: Option<SiaeType>,
    pub identifier_type: Option<IdentifierType>,
    pub identifier: Option<String>,
    pub buyer_category: Option<BuyerCategory>,
}

/// An organisation as a request gives it: `kind` and `name` may be
/// missing, and no stand-in value replaces them.
#[derive(Debug, Clone, Default)]
pub struct OrganisationDraft {
    pub kind: Option<OrgKind>,
    pub name: Option<String>,
    pub siret: Option<String>,
    pub siae_type: Option<SiaeType>,
    pub identifier_type: Option<IdentifierType>,
    pub identifier: Option<String>,
    pub buyer_category: Option<BuyerCategory>,
}

impl From<OrganisationFields> for OrganisationDraft {
    fn from(f: OrganisationFields) -> Self {
        OrganisationDraft {
            kind: Some(f.kind),
            name: Some(f.name),
            siret: f.siret,
            siae_type: f.siae_type,
            identifier_type: f.identifier_type,
            identifier: f.identifier,
            buyer_category: f.buyer_category,
        }
    }
}

/// Normalises then checks the fields, noting every rule broken and every
/// required field absent; the record comes back when all were present.
pub fn check(d: OrganisationDraft, v: &mut Violations) -> Option<OrganisationFields> {
    let kind = v.require("kind", d.kind);
    let name = v.require("name", d.name).map(|n| n.trim().to_string());
    if let Some(name) = &name {
        if name.is_empty() && !v.has("name") {
            v.add("name", "must not be empty");
        } else if name.chars().count() > NAME_MAX {
            v.add("name", format!("must be at most {NAME_MAX} characters"));
        }
    }
    // Spaces are how SIRETs are often printed (`356 000 000 00048`).
    let siret: Option<String> = d
        .siret
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect());
    if let Some(s) = &siret {
        if let Err(why) = siret::check(s) {
            v.add("siret", why);
        }
    }
    if d.siae_type.is_some() && kind.is_some_and(|k| k != OrgKind::Company) {
        v.add(
            "siae_type",
            "only an organisation of kind `company` can be an insertion or sheltered employer",
        );
    }
    // A Département buys as a department unless told otherwise.
    let buyer_category = match (kind, d.buyer_category) {
        (Some(OrgKind::Department), None) => Some(BuyerCategory::Department),
        (Some(OrgKind::Buyer | OrgKind::Department) | None, c) => c,
        (Some(_), Some(_)) => {
            v.add(
                "buyer_category",
                "only an organisation of kind `buyer` or `department` has a buyer category",
            );
            None
        }
        (Some(_), None) => None,
    };
    let identifier = d.identifier.map(|s| s.trim().to_string());
    match (&d.identifier_type, &identifier) {
        (Some(_), None) => v.add("identifier", "is required when identifier_type is set"),
        (None, Some(_)) => v.add("identifier_type", "is required when identifier is set"),
        (Some(_), Some(id)) if id.is_empty() || id.chars().count() > IDENTIFIER_MAX => v.add(
            "identifier",
            format!("must be 1 to {IDENTIFIER_MAX} characters"),
        ),
        _ => {}
    }
    Some(OrganisationFields {
        kind: kind?,
        name: name?,
        siret,
        siae_type: d.siae_type,
        identifier_type: d.identifier_type,
        identifier,
        buyer_category,
    })
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
            buyer_category: None,
        }
    }

    #[test]
    fn normalises_valid_record() {
        let mut v = Violations::default();
        let f = check(base().into(), &mut v).unwrap();
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
                buyer_category: None,
            }
            .into(),
            &mut v,
        );
        let fields: Vec<String> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["name", "siret", "siae_type", "identifier"]);
    }

    #[test]
    fn buyer_category_fits_buyers_and_departments() {
        let mut v = Violations::default();
        let mut d: OrganisationDraft = base().into();
        d.kind = Some(OrgKind::Department);
        d.siret = None;
        let f = check(d.clone(), &mut v).unwrap();
        assert_eq!(f.buyer_category, Some(BuyerCategory::Department));
        d.buyer_category = Some(BuyerCategory::SocialLandlord);
        assert_eq!(
            check(d.clone(), &mut v).unwrap().buyer_category,
            Some(BuyerCategory::SocialLandlord)
        );
        d.kind = Some(OrgKind::Buyer);
        d.buyer_category = None;
        assert_eq!(check(d.clone(), &mut v).unwrap().buyer_category, None);
        assert!(v.finish().is_ok());
        d.kind = Some(OrgKind::Company);
        d.buyer_category = Some(BuyerCategory::Municipality);
        let mut v = Violations::default();
        check(d, &mut v);
        assert_eq!(v.list()[0].field, "buyer_category");
    }

    #[test]
    fn missing_kind_and_name_are_reported_without_stand_ins() {
        let mut v = Violations::default();
        let draft = OrganisationDraft {
            siae_type: Some(SiaeType::Etti),
            siret: Some("73282932000075".into()),
            ..OrganisationDraft::default()
        };
        assert_eq!(check(draft, &mut v), None);
        let fields: Vec<String> = v.list().iter().map(|e| e.field.clone()).collect();
        // Without a kind, whether an insertion type fits cannot be said.
        assert_eq!(fields, ["kind", "name", "siret"]);
    }
}
