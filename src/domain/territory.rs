//! A territory's own fields (API.md, "Territories"): the rules that need
//! no database.

use uuid::Uuid;

use crate::domain::violations::Violations;

pub const NAME_MAX: usize = 200;

/// The most postal-code prefixes a territory lists.
pub const MAX_POSTAL_CODES: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritoryFields {
    pub name: String,
    pub department_id: Option<Uuid>,
    pub postal_codes: Vec<String>,
}

/// A territory as asked: every field still optional.
#[derive(Debug, Default)]
pub struct TerritoryDraft {
    pub name: Option<String>,
    pub department_id: Option<Uuid>,
    pub postal_codes: Option<Vec<String>>,
}

/// The draft checked, `v` saying what is wrong; `None` when the name is
/// missing.
pub fn check(d: TerritoryDraft, v: &mut Violations) -> Option<TerritoryFields> {
    let name = v.require("name", d.name)?;
    Some(normalise(
        TerritoryFields {
            name,
            department_id: d.department_id,
            postal_codes: d.postal_codes.unwrap_or_default(),
        },
        v,
    ))
}

/// Trims the name and the prefixes, drops repeated prefixes (keeping the
/// order given), and says what is wrong in `v`.
pub fn normalise(mut f: TerritoryFields, v: &mut Violations) -> TerritoryFields {
    f.name = f.name.trim().to_string();
    let chars = f.name.chars().count();
    if chars == 0 || chars > NAME_MAX {
        v.add("name", format!("must hold 1 to {NAME_MAX} characters"));
    }
    let mut seen = Vec::with_capacity(f.postal_codes.len());
    for code in f.postal_codes.iter().map(|c| c.trim()) {
        if code.is_empty() || code.len() > 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
            v.add(
                "postal_codes",
                format!(
                    "{code:?} is not a postal-code prefix: 1 to 5 digits, e.g. \"91\" or \"91100\""
                ),
            );
        } else if !seen.iter().any(|s: &String| s == code) {
            seen.push(code.to_string());
        }
    }
    if seen.len() > MAX_POSTAL_CODES {
        v.add(
            "postal_codes",
            format!("holds at most {MAX_POSTAL_CODES} prefixes"),
        );
    }
    f.postal_codes = seen;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, codes: &[&str]) -> TerritoryDraft {
        TerritoryDraft {
            name: Some(name.into()),
            department_id: None,
            postal_codes: Some(codes.iter().map(|c| c.to_string()).collect()),
        }
    }

    #[test]
    fn prefixes_are_digits_trimmed_and_kept_once() {
        let mut v = Violations::default();
        let f = check(draft("  Grand Paris Sud ", &["91", " 77 ", "91"]), &mut v).unwrap();
        assert!(v.is_empty());
        assert_eq!(f.name, "Grand Paris Sud");
        assert_eq!(f.postal_codes, ["91", "77"]);
        for bad in ["", "9A", "911000", "2A"] {
            let mut v = Violations::default();
            check(draft("T", &[bad]), &mut v);
            assert!(v.has("postal_codes"), "{bad}");
        }
    }

    #[test]
    fn a_name_is_required_and_bounded() {
        let mut v = Violations::default();
        assert!(check(TerritoryDraft::default(), &mut v).is_none());
        assert!(v.has("name"));
        for bad in ["   ".to_string(), "x".repeat(201)] {
            let mut v = Violations::default();
            check(draft(&bad, &[]), &mut v);
            assert!(v.has("name"), "{bad}");
        }
    }
}
