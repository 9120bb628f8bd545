//! The disclosure rule of API.md ("Disclosure control"): counts of people
//! that leave the service must never single anyone out. Every figure about
//! people is built through the functions of this module, whatever the
//! endpoint or the format (JSON, CSV, XLSX, the annual report, the public
//! card), so the rule lives in one place.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// Read back from a stored publication, as it was written.
impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(Count::Withheld),
            serde_json::Value::String(s) if s == SMALL => Ok(Count::Small),
            serde_json::Value::String(s) if s == COMPLEMENT => Ok(Count::Complement),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Count::Exact)
                .ok_or_else(|| D::Error::custom("a count of people is a whole number")),
            other => Err(D::Error::custom(format!("not a count of people: {other}"))),
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
    partition_of_people(audience, selection, counts, counts)
}

/// A partition whose rows count something else than people (placements,
/// for outcomes), masked on the distinct people behind each row: a row of
/// five placements of one person singles that person out as surely as a
/// row of one. `values[i]` is shown, `people[i]` decides; `selection` is
/// the distinct people of the whole. The complement is taken among the
/// shown rows, as [`partition`] does.
pub fn partition_of_people(
    audience: Audience,
    selection: i64,
    values: &[i64],
    people: &[i64],
) -> Vec<Count> {
    debug_assert_eq!(values.len(), people.len());
    let mut out: Vec<Count> = values
        .iter()
        .zip(people)
        .map(|(&value, &n)| match attribute(audience, selection, n) {
            Count::Exact(_) => Count::Exact(value),
            masked => masked,
        })
        .collect();
    if audience == Audience::Masked && !is_small(selection) {
        let masked = out.iter().filter(|c| c.is_masked()).count();
        if masked == 1 {
            let smallest_other = out
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.exact().map(|v| (i, v)))
                .filter(|(_, v)| *v >= THRESHOLD)
                .min_by_key(|(_, v)| *v)
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

/// A count of people with an attribute beside the shown total of the
/// selection (`under_26` and `qpv_residents` against `participants`,
/// `qpv_participants` in an operation's fulfilment): masked as
/// [`attribute`], and when the people without it are 1 to 4, masked as
/// `"≥ 5"`, so that the total minus the count gives nobody away.
pub fn against_total(audience: Audience, selection: i64, n: i64) -> Count {
    match attribute(audience, selection, n) {
        Count::Exact(n) if audience == Audience::Masked && is_small(selection - n) => {
            Count::Complement
        }
        shown => shown,
    }
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
    fn rows_of_placements_are_masked_on_their_people() {
        // One person with five placements ended looking for work.
        assert_eq!(
            partition_of_people(Audience::Masked, 9, &[5, 8, 0], &[1, 8, 0]),
            vec![Small, Complement, Exact(0)]
        );
        assert_eq!(
            partition_of_people(Audience::Masked, 20, &[6, 9, 7], &[6, 9, 5]),
            vec![Exact(6), Exact(9), Exact(7)]
        );
        assert_eq!(
            partition_of_people(Audience::Masked, 3, &[6, 0], &[3, 0]),
            vec![Small, Small]
        );
        assert_eq!(
            partition_of_people(Audience::Exact, 1, &[5], &[1]),
            vec![Exact(5)]
        );
    }

    #[test]
    fn a_count_beside_its_total_masks_its_complement() {
        // The review's case: 6 people, 5 under 26: the one other is hidden.
        assert_eq!(against_total(Audience::Masked, 6, 5), Complement);
        assert_eq!(against_total(Audience::Masked, 6, 1), Small);
        assert_eq!(against_total(Audience::Masked, 9, 5), Complement);
        assert_eq!(against_total(Audience::Masked, 10, 5), Exact(5));
        assert_eq!(against_total(Audience::Masked, 6, 6), Exact(6));
        assert_eq!(against_total(Audience::Masked, 6, 0), Exact(0));
        assert_eq!(against_total(Audience::Masked, 3, 3), Small);
        assert_eq!(against_total(Audience::Exact, 6, 5), Exact(5));
        assert_eq!(against_total(Audience::Company, 6, 5), Withheld);
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
        let back: Vec<Count> = serde_json::from_value(serde_json::from_str(&v).unwrap()).unwrap();
        assert_eq!(back, [Exact(3), Withheld, Small, Complement]);
    }
}
