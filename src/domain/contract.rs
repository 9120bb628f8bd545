//! What makes a contract record valid, and where its commitment comes from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::codes::{ClauseType, CommitmentSource};
use super::commitment;
use super::numbers::{self, Bound};
use super::violations::Violations;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFields {
    pub buyer_id: Uuid,
    pub holder_id: Uuid,
    pub reference: String,
    pub title: String,
    pub operation: Option<String>,
    pub clause_type: ClauseType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Option<Decimal>,
    pub insertion_rate: Option<Decimal>,
    pub hourly_cost: Option<Decimal>,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
}

impl ContractFields {
    /// The commitment the four sizing figures give, when all are known.
    pub fn computed_commitment(&self) -> Option<Decimal> {
        commitment::compute(
            self.amount_excl_tax?,
            self.labour_share?,
            self.insertion_rate?,
            self.hourly_cost?,
        )
    }
}

const PARAMS: [&str; 4] = [
    "amount_excl_tax",
    "labour_share",
    "insertion_rate",
    "hourly_cost",
];

/// The dates a contract of this service may have: public procurement as
/// the clause knows it, and nothing a typing error makes of it.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date");

/// Normalises and checks the record. `commitment_given` says whether the
/// request set `commitment_hours` itself; when it did not, the commitment
/// is computed from the four sizing figures (422 when one is missing),
/// unless the stored figure was given or confirmed and no figure changed.
pub fn check(
    mut f: ContractFields,
    commitment_given: bool,
    sizing_changed: bool,
    v: &mut Violations,
) -> ContractFields {
    f.reference = numbers::text(v, "reference", &f.reference, 100);
    f.title = numbers::text(v, "title", &f.title, 500);
    f.operation = f
        .operation
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    if f.operation
        .as_ref()
        .is_some_and(|o| o.chars().count() > 200)
    {
        v.add("operation", "must be at most 200 characters");
    }
    for (field, day) in [("start_date", f.start_date), ("end_date", f.end_date)] {
        if !(FIRST_DAY..=LAST_DAY).contains(&day) && !v.has(field) {
            v.add(field, format!("must be from {FIRST_DAY} to {LAST_DAY}"));
        }
    }
    if f.end_date < f.start_date && !v.has("end_date") && !v.has("start_date") {
        v.add("end_date", "must be on or after start_date");
    }
    let zero = Decimal::ZERO;
    if let Some(a) = f.amount_excl_tax {
        numbers::check(
            v,
            "amount_excl_tax",
            a,
            2,
            Bound::AtLeast(zero),
            Some(numbers::max_amount()),
        );
    }
    if let Some(s) = f.labour_share {
        numbers::check(
            v,
            "labour_share",
            s,
            4,
            Bound::Above(zero),
            Some(Decimal::ONE),
        );
    }
    if let Some(r) = f.insertion_rate {
        numbers::check(
            v,
            "insertion_rate",
            r,
            4,
            Bound::Above(zero),
            Some(Decimal::ONE),
        );
    }
    if let Some(c) = f.hourly_cost {
        numbers::check(
            v,
            "hourly_cost",
            c,
            2,
            Bound::Above(zero),
            Some(numbers::max_hourly_cost()),
        );
    }
    if commitment_given {
        numbers::check(
            v,
            "commitment_hours",
            f.commitment_hours,
            2,
            Bound::AtLeast(zero),
            Some(numbers::max_commitment_hours()),
        );
        f.commitment_source = match f.commitment_source {
            // A figure set over an estimate is the facilitator's confirmation.
            CommitmentSource::Estimated | CommitmentSource::Confirmed => {
                CommitmentSource::Confirmed
            }
            _ => CommitmentSource::Given,
        };
    } else if sizing_changed || f.commitment_source == CommitmentSource::Computed {
        let missing: Vec<&str> = PARAMS
            .iter()
            .zip([
                f.amount_excl_tax,
                f.labour_share,
                f.insertion_rate,
                f.hourly_cost,
            ])
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        if PARAMS.iter().any(|p| v.has(p)) {
            // Already reported.
        } else if !missing.is_empty() {
            v.add(
                "commitment_hours",
                format!(
                    "is required unless amount_excl_tax, labour_share, insertion_rate and hourly_cost are all given (missing: {})",
                    missing.join(", ")
                ),
            );
        } else if let Some(c) = f.computed_commitment() {
            if c > numbers::max_commitment_hours() {
                v.add(
                    "commitment_hours",
                    format!(
                        "computed from these figures it would be {c}, over the most this service holds ({})",
                        numbers::max_commitment_hours()
                    ),
                );
            }
            f.commitment_hours = c;
            f.commitment_source = CommitmentSource::Computed;
        } else {
            v.add("commitment_hours", "cannot be computed from these figures");
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn base() -> ContractFields {
        ContractFields {
            buyer_id: Uuid::nil(),
            holder_id: Uuid::nil(),
            reference: " 2019-TX-01 ".into(),
            title: "Rénovation".into(),
            operation: Some("  ".into()),
            clause_type: ClauseType::ExecutionCondition,
            start_date: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2020, 12, 31).unwrap(),
            amount_excl_tax: Some(dec!(1000000)),
            labour_share: Some(dec!(0.40)),
            insertion_rate: Some(dec!(0.05)),
            hourly_cost: Some(dec!(25)),
            commitment_hours: Decimal::ZERO,
            commitment_source: CommitmentSource::Computed,
        }
    }

    #[test]
    fn computes_when_absent() {
        let mut v = Violations::default();
        let f = check(base(), false, true, &mut v);
        assert!(v.finish().is_ok());
        assert_eq!(f.commitment_hours, dec!(800));
        assert_eq!(f.commitment_source, CommitmentSource::Computed);
        assert_eq!(f.reference, "2019-TX-01");
        assert_eq!(f.operation, None);
    }

    #[test]
    fn given_figure_wins_and_estimate_becomes_confirmed() {
        let mut v = Violations::default();
        let mut b = base();
        b.commitment_hours = dec!(1200.5);
        let f = check(b.clone(), true, true, &mut v);
        assert_eq!(f.commitment_hours, dec!(1200.5));
        assert_eq!(f.commitment_source, CommitmentSource::Given);
        b.commitment_source = CommitmentSource::Estimated;
        let f = check(b, true, false, &mut v);
        assert_eq!(f.commitment_source, CommitmentSource::Confirmed);
        assert!(v.finish().is_ok());
    }

    #[test]
    fn neither_figure_nor_sizing_is_refused() {
        let mut v = Violations::default();
        let mut b = base();
        b.hourly_cost = None;
        b.labour_share = None;
        check(b, false, true, &mut v);
        let e = &v.list()[0];
        assert_eq!(e.field, "commitment_hours");
        assert!(e.message.contains("labour_share, hourly_cost"));
    }

    #[test]
    fn bad_values_are_all_named() {
        let mut v = Violations::default();
        let mut b = base();
        b.end_date = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap();
        b.labour_share = Some(dec!(1.5));
        b.insertion_rate = Some(dec!(0.12345));
        b.amount_excl_tax = Some(dec!(-1));
        b.title = "".into();
        check(b, false, true, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "end_date",
                "amount_excl_tax",
                "labour_share",
                "insertion_rate"
            ]
        );
    }
}
