//! The disclosure rule of API.md ("Disclosure control"): counts of people
//! that leave the service must never single anyone out. Every figure about
//! people is built through the functions of this module, whatever the
//! endpoint or the format (JSON, CSV, XLSX, the annual report, the public
//! card), so the rule lives in one place.

use serde::{Serialize, Serializer};

/// Below this, a count of people is not shown.
pub const THRESHOLD: i64 = 5;

/// What a reader of figures may see of the people behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The facilitator, or a PLIE over its own people: exact figures.
    Exact,
    /// A company knows its people by name: no figure about their
    /// attributes at all.
    Company,
    /// Everyone else (buyers, the Département, the State, a PLIE over
    /// others' people, the public): small counts masked.
    Masked,
}

/// A count of people as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    /// Not shown at all (`null`): a company's figures about its people's
    /// attributes.
    Withheld,
    /// From 1 to 4 (`"< 5"`), or any count of a selection of 1 to 4 people.
    Small,
    /// 5 or more, masked so that the one small count beside it cannot be
    /// had by subtraction (`"≥ 5"`).
    Complement,
}

pub const SMALL: &str = "< 5";
pub const COMPLEMENT: &str = "≥ 5";

impl Count {
    /// Masked in any way: a row with such a count shows no contracts or
    /// hours either.
    pub fn is_masked(self) -> bool {
        !matches!(self, Count::Exact(_))
    }

    pub fn exact(self) -> Option<i64> {
        match self {
            Count::Exact(n) => Some(n),
            _ => None,
        }
    }

    /// The text a masked count reads as, none for an exact or withheld one.
    pub fn mask_text(self) -> Option<&'static str> {
        match self {
            Count::Small => Some(SMALL),
            Count::Complement => Some(COMPLEMENT),
            _ => None,
        }
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Count::Exact(n) => s.serialize_i64(*n),
            Count::Withheld => s.serialize_none(),
            Count::Small => s.serialize_str(SMALL),
            Count::Complement => s.serialize_str(COMPLEMENT),
        }
    }
}

impl utoipa::PartialSchema for Count {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([SMALL, COMPLEMENT])),
            )
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(
                "A count of people: a number, or masked so that nobody is singled out \
                 (\"< 5\" for 1 to 4, \"≥ 5\" for a count masked beside a single small one), \
                 or null when the caller gets no figure about people's attributes (companies).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Count {
    fn name() -> std::borrow::Cow<'static, str> {
        "PeopleCount".into()
    }
}

fn is_small(n: i64) -> bool {
    (1..THRESHOLD).contains(&n)
}

/// Counts of a person attribute that together make up the whole selection
/// of `selection` people (women and men; the rows of `sex`, `age_band`,
/// `qpv`, `qualification_level`): small ones masked, and when exactly one
/// is masked, the smallest other one of 5 or more too, so that no
/// subtraction from the total gives it back.
pub fn partition(audience: Audience, selection: i64, counts: &[i64]) -> Vec<Count> {
    let mut out = attribute_counts(audience, selection, counts);
    if audience == Audience::Masked && !is_small(selection) {
        let masked = out.iter().filter(|c| c.is_masked()).count();
        if masked == 1 {
            let smallest_other = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n >= THRESHOLD)
                .min_by_key(|(_, n)| **n)
                .map(|(i, _)| i);
            if let Some(i) = smallest_other {
                out[i] = Count::Complement;
            }
        }
    }
    out
}

/// Counts of a person attribute that add up with no other figure shown
/// (`under_26`, `qpv_residents` of the key figures; eligibility rows,
/// which overlap).
pub fn attribute(audience: Audience, selection: i64, n: i64) -> Count {
    attribute_counts(audience, selection, &[n])[0]
}

fn attribute_counts(audience: Audience, selection: i64, counts: &[i64]) -> Vec<Count> {
    counts
        .iter()
        .map(|&n| match audience {
            Audience::Exact => Count::Exact(n),
            Audience::Company => Count::Withheld,
            // Among 1 to 4 people every figure about them singles someone
            // out, a zero too (everyone else has the attribute).
            Audience::Masked if is_small(selection) || is_small(n) => Count::Small,
            Audience::Masked => Count::Exact(n),
        })
        .collect()
}

/// A count of people in a row of a key that is not a person's attribute
/// (a month, a contract, a modality, an operation).
pub fn people(audience: Audience, n: i64) -> Count {
    match audience {
        Audience::Exact => Count::Exact(n),
        Audience::Company | Audience::Masked if is_small(n) => Count::Small,
        Audience::Company | Audience::Masked => Count::Exact(n),
    }
}

#[cfg(test)]
mod tests {
    use super::Count::*;
    use super::*;

    #[test]
    fn exact_audience_sees_everything() {
        assert_eq!(
            partition(Audience::Exact, 3, &[1, 2]),
            vec![Exact(1), Exact(2)]
        );
        assert_eq!(attribute(Audience::Exact, 1, 0), Exact(0));
        assert_eq!(people(Audience::Exact, 2), Exact(2));
    }

    #[test]
    fn companies_get_no_attribute_figures() {
        assert_eq!(
            partition(Audience::Company, 100, &[40, 60]),
            vec![Withheld, Withheld]
        );
        assert_eq!(attribute(Audience::Company, 100, 30), Withheld);
        assert_eq!(people(Audience::Company, 3), Small);
        assert_eq!(people(Audience::Company, 30), Exact(30));
    }

    #[test]
    fn a_small_selection_hides_every_attribute_zeros_included() {
        assert_eq!(partition(Audience::Masked, 1, &[0, 1]), vec![Small, Small]);
        assert_eq!(attribute(Audience::Masked, 4, 0), Small);
        assert_eq!(attribute(Audience::Masked, 0, 0), Exact(0));
    }

    #[test]
    fn one_masked_count_masks_the_smallest_other() {
        // The public card's case: 7 people, 6 women: men cannot be had as 7 - 6.
        assert_eq!(
            partition(Audience::Masked, 7, &[6, 1]),
            vec![Complement, Small]
        );
        assert_eq!(
            partition(Audience::Masked, 30, &[2, 0, 8, 20]),
            vec![Small, Exact(0), Complement, Exact(20)]
        );
        // Two masked already: no subtraction gives either back.
        assert_eq!(
            partition(Audience::Masked, 10, &[2, 3, 5]),
            vec![Small, Small, Exact(5)]
        );
        assert_eq!(
            partition(Audience::Masked, 169, &[14, 155]),
            vec![Exact(14), Exact(155)]
        );
        assert_eq!(
            partition(Audience::Masked, 5, &[0, 5]),
            vec![Exact(0), Exact(5)]
        );
    }

    #[test]
    fn other_keys_mask_small_counts_only() {
        assert_eq!(people(Audience::Masked, 0), Exact(0));
        assert_eq!(people(Audience::Masked, 4), Small);
        assert_eq!(people(Audience::Masked, 5), Exact(5));
    }

    #[test]
    fn counts_serialise_as_the_contract_says() {
        let v = serde_json::to_string(&[Exact(3), Withheld, Small, Complement]).unwrap();
        assert_eq!(v, r#"[3,null,"< 5","≥ 5"]"#);
    }
}
