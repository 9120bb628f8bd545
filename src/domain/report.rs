//! The end-of-contract report (bilan de la clause): what was done against
//! what was owed, and the penalty the buyer may apply (API.md, "The
//! end-of-contract report and penalties"). Pure: the figures come in, the
//! report's own numbers come out.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::Month;
use super::standing::{Signed, Standing};

/// The day a report is as of: the contract's end once it has ended, else
/// today; and whether it has ended.
pub fn as_of(end_date: NaiveDate, today: NaiveDate) -> (NaiveDate, bool) {
    if today > end_date {
        (end_date, true)
    } else {
        (today, false)
    }
}

/// The contract's penalty terms and what the facilitator decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyTerms {
    /// Euros per insertion hour not done.
    pub rate: Option<Decimal>,
    /// The cap, a fraction of the amount.
    pub cap_rate: Option<Decimal>,
    /// The contract's amount at the end, which the cap is a fraction of.
    pub amount_excl_tax: Option<Decimal>,
    /// The waiver's reason, when the facilitator waived the penalty.
    pub waiver: Option<String>,
}

/// The penalty as the report states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Penalty {
    /// max(0, commitment − validated hours) at the end.
    pub missing_hours: Decimal,
    /// Euros per missing hour; null when the contract has none.
    #[schema(required = true)]
    pub rate: Option<Decimal>,
    /// min(missing × rate, cap), half-up to the cent; null without a rate.
    #[schema(required = true)]
    pub amount: Option<Decimal>,
    /// `penalty_cap_rate × amount_excl_tax`, half-up to the cent; null without a rate or a cap.
    #[schema(required = true)]
    pub cap: Option<Decimal>,
    /// Whether the buyer may apply it: the contract has ended, hours are missing, a rate is set
    /// and no waiver was granted.
    pub due: bool,
    /// The facilitator waived it: the holder showed it used every means.
    pub waived: bool,
    /// The waiver's reason.
    #[schema(required = true)]
    pub reason: Option<String>,
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// The penalty of a contract owing `commitment` hours with `validated`
/// done, `ended` or not.
pub fn penalty(
    terms: &PenaltyTerms,
    commitment: Decimal,
    validated: Decimal,
    ended: bool,
) -> Penalty {
    let missing = (commitment - validated).max(Decimal::ZERO).normalize();
    let cap = terms.rate.and(
        terms
            .cap_rate
            .map(|r| cents(r * terms.amount_excl_tax.unwrap_or_default())),
    );
    let amount = terms.rate.map(|rate| {
        let full = cents(missing * rate);
        cap.map_or(full, |cap| full.min(cap))
    });
    let waived = terms.waiver.is_some();
    Penalty {
        missing_hours: missing,
        rate: terms.rate.map(|r| r.normalize()),
        amount,
        cap,
        due: ended && !waived && amount.is_some_and(|a| a > Decimal::ZERO),
        waived,
        reason: terms.waiver.clone(),
    }
}

/// A month of the report's chart: the validated hours, their running total
/// and the pro rata line (the hours expected by the month's last day, or
/// by the report's day in its month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthLine {
    #[schema(value_type = String, example = "2024-03", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Month,
    pub hours: Decimal,
    pub cumulative_hours: Decimal,
    pub expected_hours: Decimal,
}

/// The months from the contract's start to `as_of`, each with its
/// validated hours (`hours`, by month, any order) and the contract's
/// expectation by then, read from the contract as it stood (`then`).
pub fn months(
    signed: &Signed,
    then: impl Fn(NaiveDate) -> Standing,
    hours: &[(Month, Decimal)],
    as_of: NaiveDate,
) -> Vec<MonthLine> {
    let mut out = Vec::new();
    let mut month = Month::from_date(signed.start_date);
    let last = Month::from_date(as_of);
    let mut cumulative = Decimal::ZERO;
    while month <= last {
        let done: Decimal = hours
            .iter()
            .filter(|(m, _)| *m == month)
            .map(|(_, h)| *h)
            .sum();
        cumulative += done;
        let day = month.last_day().min(as_of);
        out.push(MonthLine {
            month,
            hours: done.normalize(),
            cumulative_hours: cumulative.normalize(),
            expected_hours: then(day).expected_to_date(signed, day).normalize(),
        });
        month = month.next();
    }
    out
}

/// The year of a report's number: the year it is issued.
pub fn number(issued_on: NaiveDate, seq: i64) -> String {
    format!("{}-{seq:04}", issued_on.year())
}

/// The contract as the report states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportContract {
    pub id: uuid::Uuid,
    pub reference: String,
    pub title: String,
    pub buyer_id: uuid::Uuid,
    pub buyer: String,
    pub holder_id: uuid::Uuid,
    pub holder: String,
    pub clause_type: super::codes::ClauseType,
    pub pricing: super::standing::Pricing,
    pub start_date: NaiveDate,
    /// As amended by the report's day.
    pub end_date: NaiveDate,
    pub initial_end_date: NaiveDate,
    /// As amended (or ordered) by the report's day.
    #[schema(required = true)]
    pub amount_excl_tax: Option<Decimal>,
    #[schema(required = true)]
    pub initial_amount_excl_tax: Option<Decimal>,
    #[schema(required = true)]
    pub max_amount_excl_tax: Option<Decimal>,
    pub initial_commitment_hours: Decimal,
    pub commitment_source: super::codes::CommitmentSource,
}

super::codes::code_enum! {
    /// What moved the commitment: the contract as signed, an amendment, an order.
    HistoryKind {
        Signed => "signed",
        Amendment => "amendment",
        Order => "order",
    }
}

/// A line of the commitment's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryLine {
    pub kind: HistoryKind,
    /// Signed, or ordered, on.
    pub date: NaiveDate,
    #[schema(required = true)]
    pub reference: Option<String>,
    /// The amount it gives (an order's amount).
    #[schema(required = true)]
    pub amount_excl_tax: Option<Decimal>,
    /// The end date it gives.
    #[schema(required = true)]
    pub end_date: Option<NaiveDate>,
    /// The hours it gives (an order's commitment).
    #[schema(required = true)]
    pub commitment_hours: Option<Decimal>,
    /// The contract's commitment from then on.
    pub commitment_after: Decimal,
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// A modality's figures, exact (the reader's view masks `people`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModalityFacts {
    pub modality: super::codes::Modality,
    pub hours: Decimal,
    pub placements: i64,
    pub people: i64,
}

/// The people placed, exact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleFacts {
    pub participants: i64,
    pub women: i64,
    pub men: i64,
    pub under_26: i64,
    pub qpv_residents: i64,
}

/// An outcome group's placements ended and the distinct people behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFacts {
    pub group: super::outcome::OutcomeGroup,
    pub placements: i64,
    pub people: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeFacts {
    /// Placements ended by the report's day.
    pub ended: i64,
    pub with_outcome: i64,
    pub people_with_outcome: i64,
    pub groups: Vec<GroupFacts>,
}

impl OutcomeFacts {
    /// From (situation, person, placements) rows.
    pub fn of(rows: &[(Option<super::outcome::Situation>, uuid::Uuid, i64)]) -> OutcomeFacts {
        use super::outcome::OutcomeGroup;
        use std::collections::HashSet;
        let people = |keep: &dyn Fn(Option<super::outcome::Situation>) -> bool| {
            rows.iter()
                .filter(|(s, _, _)| keep(*s))
                .map(|(_, p, _)| p)
                .collect::<HashSet<_>>()
                .len() as i64
        };
        let placements = |keep: &dyn Fn(Option<super::outcome::Situation>) -> bool| -> i64 {
            rows.iter()
                .filter(|(s, _, _)| keep(*s))
                .map(|(_, _, n)| n)
                .sum()
        };
        OutcomeFacts {
            ended: placements(&|_| true),
            with_outcome: placements(&|s| s.is_some()),
            people_with_outcome: people(&|s| s.is_some()),
            groups: OutcomeGroup::ALL
                .iter()
                .map(|g| {
                    let of =
                        |s: Option<super::outcome::Situation>| s.is_some_and(|s| s.group() == *g);
                    GroupFacts {
                        group: *g,
                        placements: placements(&of),
                        people: people(&of),
                    }
                })
                .collect(),
        }
    }
}

/// Everything a report states, exact: what an issued report stores, and
/// what each reader's view is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportData {
    pub issuer: String,
    pub as_of: NaiveDate,
    pub ended: bool,
    pub contract: ReportContract,
    pub history: Vec<HistoryLine>,
    pub commitment_hours: Decimal,
    pub validated_hours: Decimal,
    pub declared_hours: Decimal,
    pub expected_hours_to_date: Decimal,
    pub share_done: Decimal,
    pub status: super::fulfilment::FulfilmentStatus,
    pub months: Vec<MonthLine>,
    pub modalities: Vec<ModalityFacts>,
    pub people: PeopleFacts,
    pub employment_contracts: i64,
    pub outcomes: OutcomeFacts,
    pub penalty: Penalty,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::CommitmentSource;
    use crate::domain::standing::{as_of as standing_as_of, Pricing};
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn terms(rate: Option<Decimal>, cap_rate: Option<Decimal>) -> PenaltyTerms {
        PenaltyTerms {
            rate,
            cap_rate,
            amount_excl_tax: Some(dec!(100000)),
            waiver: None,
        }
    }

    #[test]
    fn the_penalty_is_missing_hours_at_the_rate_under_its_cap() {
        // 1,000 owed, 412.5 done: 587.5 × €60 = €35,250, capped at 20 % of €100,000.
        let p = penalty(
            &terms(Some(dec!(60)), Some(dec!(0.20))),
            dec!(1000),
            dec!(412.5),
            true,
        );
        assert_eq!(p.missing_hours, dec!(587.5));
        assert_eq!(p.cap, Some(dec!(20000)));
        assert_eq!(p.amount, Some(dec!(20000)));
        assert!(p.due);
        // No cap: the whole; not ended: not due.
        let p = penalty(&terms(Some(dec!(60)), None), dec!(1000), dec!(412.5), false);
        assert_eq!(p.amount, Some(dec!(35250)));
        assert_eq!(p.cap, None);
        assert!(!p.due);
        // No rate: null amounts, never due.
        let p = penalty(&terms(None, Some(dec!(0.2))), dec!(1000), dec!(0), true);
        assert_eq!((p.amount, p.cap, p.due), (None, None, false));
        // Done: nothing missing, nothing due.
        let p = penalty(&terms(Some(dec!(60)), None), dec!(100), dec!(120), true);
        assert_eq!(
            (p.missing_hours, p.amount, p.due),
            (dec!(0), Some(dec!(0)), false)
        );
        // Half-up to the cent: 0.125 h × €0.1 = 0.0125 → 0.01.
        let p = penalty(&terms(Some(dec!(0.1)), None), dec!(0.125), dec!(0), true);
        assert_eq!(p.amount, Some(dec!(0.01)));
        // Waived: said, not due.
        let mut t = terms(Some(dec!(60)), None);
        t.waiver = Some("Tous les moyens mis en œuvre".into());
        let p = penalty(&t, dec!(10), dec!(0), true);
        assert!(p.waived && !p.due);
    }

    #[test]
    fn months_run_from_the_start_to_the_report_day_with_the_pro_rata_line() {
        let signed = Signed {
            pricing: Pricing::LumpSum,
            start_date: d("2024-01-15"),
            end_date: d("2024-04-14"),
            amount_excl_tax: None,
            labour_share: None,
            insertion_rate: None,
            hourly_cost: None,
            commitment_hours: dec!(91),
            commitment_source: CommitmentSource::Given,
        };
        let then = |day| standing_as_of(&signed, &[], &[], day);
        let m = |s: &str| Month::parse(s).unwrap();
        let lines = months(
            &signed,
            then,
            &[(m("2024-02"), dec!(10)), (m("2024-01"), dec!(5.5))],
            d("2024-03-10"),
        );
        assert_eq!(lines.len(), 3);
        // 91 h over 91 days: one an day; by 31 January, 17 days.
        assert_eq!(lines[0].expected_hours, dec!(17));
        assert_eq!(lines[1].cumulative_hours, dec!(15.5));
        // The report's day caps its month: by 10 March, 56 days.
        assert_eq!(lines[2].expected_hours, dec!(56));
        assert_eq!(lines[2].hours, dec!(0));
    }

    #[test]
    fn numbers_are_the_year_and_a_sequence() {
        assert_eq!(number(d("2026-12-06"), 7), "2026-0007");
    }
}
