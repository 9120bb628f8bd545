//! What makes an order or an amendment valid against its contract
//! (API.md, "Amendments and orders"). Pure: the use cases give the
//! contract as signed, its standing, and the other orders.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::codes::CommitmentSource;
use super::contract::REFERENCE_MAX;
use super::numbers;
use super::standing::{order_commitment, Pricing, Signed, Standing};
use super::violations::Violations;

/// Longest amendment `reference`: a DECP id with its modification's id.
pub const AMENDMENT_REFERENCE_MAX: usize = 200;
/// Longest amendment `reason`, and a penalty waiver's.
pub const REASON_MAX: usize = 2000;

/// An order as a request gives it.
#[derive(Debug, Clone, Default)]
pub struct OrderDraft {
    pub reference: Option<String>,
    pub ordered_on: Option<NaiveDate>,
    pub amount_excl_tax: Option<Decimal>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// Given hours; `None` sizes them by the contract's formula.
    pub commitment_hours: Option<Decimal>,
}

/// An order checked, its commitment sized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFields {
    pub reference: String,
    pub ordered_on: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Decimal,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
}

/// The contract an order or amendment is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub signed: &'a Signed,
    /// The contract's end with every amendment.
    pub end_date: NaiveDate,
    pub max_amount_excl_tax: Option<Decimal>,
}

/// Checks an order of `frame`'s contract; `others` is what its other
/// orders total. `start_date` defaults to `ordered_on`, `end_date` to the
/// contract's end.
pub fn check_order(
    d: OrderDraft,
    frame: Frame,
    others: Decimal,
    v: &mut Violations,
) -> Option<OrderFields> {
    let (start, end) = (frame.signed.start_date, frame.end_date);
    let reference = v
        .require("reference", d.reference)
        .map(|r| numbers::text(v, "reference", &r, REFERENCE_MAX));
    let ordered_on = v.require("ordered_on", d.ordered_on);
    let amount = v.require("amount_excl_tax", d.amount_excl_tax);
    let start_date = d.start_date.or(ordered_on);
    let end_date = d.end_date.unwrap_or(end);
    let within = |day: NaiveDate| (start..=end).contains(&day);
    let outside = format!("must lie within the contract's dates, {start} to {end}");
    if ordered_on.is_some_and(|day| !within(day)) {
        v.add("ordered_on", outside.clone());
    }
    if start_date.is_some_and(|day| !within(day)) && !v.has("ordered_on") {
        v.add("start_date", outside.clone());
    }
    if !within(end_date) {
        v.add("end_date", outside);
    } else if start_date.is_some_and(|s| end_date < s)
        && !v.has("start_date")
        && !v.has("ordered_on")
    {
        v.add("end_date", "must be on or after start_date");
    }
    if let Some(a) = amount {
        numbers::check(v, "amount_excl_tax", a, numbers::amount());
        if let Some(max) = frame.max_amount_excl_tax {
            if others + a > max && !v.has("amount_excl_tax") {
                v.add(
                    "amount_excl_tax",
                    format!(
                        "would take the orders' total to {} past the contract's max_amount_excl_tax ({max})",
                        others + a
                    ),
                );
            }
        }
    }
    if let Some(h) = d.commitment_hours {
        numbers::check(v, "commitment_hours", h, numbers::commitment_hours());
    }
    let sized = amount.and_then(|a| order_commitment(frame.signed, a, d.commitment_hours));
    if amount.is_some() && sized.is_none() {
        v.add(
            "commitment_hours",
            "is required: the contract lacks labour_share, insertion_rate or hourly_cost to compute it",
        );
    }
    let (commitment_hours, commitment_source) = sized?;
    if commitment_hours > numbers::max_commitment_hours() && !v.has("commitment_hours") {
        v.add(
            "commitment_hours",
            format!("would be {commitment_hours}, over the most this service holds"),
        );
    }
    Some(OrderFields {
        reference: reference?,
        ordered_on: ordered_on?,
        start_date: start_date?,
        end_date,
        amount_excl_tax: amount?,
        commitment_hours,
        commitment_source,
    })
}

/// An amendment as a request (or a DECP modification) gives it.
#[derive(Debug, Clone, Default)]
pub struct AmendmentDraft {
    pub reference: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: Option<NaiveDate>,
    pub commitment_hours: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentFields {
    pub reference: String,
    pub signed_on: NaiveDate,
    pub reason: Option<String>,
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: Option<NaiveDate>,
    pub commitment_hours: Option<Decimal>,
}

/// Checks an amendment of a contract signed as `signed`: `before` is the
/// contract as it stood on `signed_on` (its end as amended by then), and
/// `last_signed_on` the previous amendment's date.
pub fn check_amendment(
    d: AmendmentDraft,
    signed: &Signed,
    before: impl Fn(NaiveDate) -> Standing,
    last_signed_on: Option<NaiveDate>,
    v: &mut Violations,
) -> Option<AmendmentFields> {
    let reference = v
        .require("reference", d.reference)
        .map(|r| numbers::text(v, "reference", &r, AMENDMENT_REFERENCE_MAX));
    let reason = d
        .reason
        .map(|r| numbers::text(v, "reason", &r, REASON_MAX))
        .filter(|r| !r.is_empty());
    let signed_on = v.require("signed_on", d.signed_on);
    if let Some(day) = signed_on {
        let end = before(day).end_date;
        if day < signed.start_date || day > end {
            v.add(
                "signed_on",
                format!(
                    "must lie within the contract's dates as they stood, {} to {end}",
                    signed.start_date
                ),
            );
        } else if let Some(last) = last_signed_on.filter(|last| day < *last) {
            v.add(
                "signed_on",
                format!("must not be before the previous amendment's, signed on {last}"),
            );
        }
    }
    if d.amount_excl_tax.is_none() && d.end_date.is_none() && d.commitment_hours.is_none() {
        v.add(
            "amount_excl_tax",
            "an amendment gives at least one of amount_excl_tax, end_date and commitment_hours",
        );
    }
    if let Some(a) = d.amount_excl_tax {
        numbers::check(v, "amount_excl_tax", a, numbers::amount());
    }
    if let Some(h) = d.commitment_hours {
        if signed.pricing == Pricing::Orders {
            v.add(
                "commitment_hours",
                "an orders contract owes its orders' hours: amend an order instead",
            );
        } else {
            numbers::check(v, "commitment_hours", h, numbers::commitment_hours());
        }
    }
    if let Some(end) = d.end_date {
        if end < signed.start_date {
            v.add("end_date", "must be on or after the contract's start_date");
        } else if end > super::contract::LAST_DAY {
            v.add(
                "end_date",
                format!("must be at most {}", super::contract::LAST_DAY),
            );
        } else if signed_on.is_some_and(|s| end < s) {
            v.add("end_date", "must be on or after signed_on");
        }
    }
    Some(AmendmentFields {
        reference: reference?,
        signed_on: signed_on?,
        reason,
        amount_excl_tax: d.amount_excl_tax,
        end_date: d.end_date,
        commitment_hours: d.commitment_hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn orders_contract() -> Signed {
        Signed {
            pricing: Pricing::Orders,
            start_date: d("2024-01-01"),
            end_date: d("2025-12-31"),
            amount_excl_tax: None,
            labour_share: Some(dec!(0.40)),
            insertion_rate: Some(dec!(0.05)),
            hourly_cost: Some(dec!(25)),
            commitment_hours: Decimal::ZERO,
            commitment_source: CommitmentSource::Computed,
        }
    }

    fn frame(signed: &Signed) -> Frame<'_> {
        Frame {
            signed,
            end_date: signed.end_date,
            max_amount_excl_tax: Some(dec!(100000)),
        }
    }

    #[test]
    fn an_order_is_sized_and_dated_by_default() {
        let s = orders_contract();
        let mut v = Violations::default();
        let o = check_order(
            OrderDraft {
                reference: Some(" BC-1 ".into()),
                ordered_on: Some(d("2024-03-01")),
                amount_excl_tax: Some(dec!(50000)),
                ..Default::default()
            },
            frame(&s),
            dec!(0),
            &mut v,
        )
        .unwrap();
        assert!(v.list().is_empty());
        assert_eq!(o.reference, "BC-1");
        assert_eq!(o.start_date, d("2024-03-01"));
        assert_eq!(o.end_date, d("2025-12-31"));
        // 50,000 × 0.40 × 0.05 ÷ 25
        assert_eq!(o.commitment_hours, dec!(40));
        assert_eq!(o.commitment_source, CommitmentSource::Computed);
    }

    #[test]
    fn an_order_outside_the_dates_or_past_the_ceiling_is_refused() {
        let s = orders_contract();
        let mut v = Violations::default();
        check_order(
            OrderDraft {
                reference: Some("BC-2".into()),
                ordered_on: Some(d("2023-12-31")),
                amount_excl_tax: Some(dec!(60000)),
                end_date: Some(d("2026-01-01")),
                commitment_hours: Some(dec!(10)),
                ..Default::default()
            },
            frame(&s),
            dec!(50000),
            &mut v,
        );
        let fields: Vec<_> = v.list().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ordered_on", "end_date", "amount_excl_tax"]);
    }

    #[test]
    fn an_amendment_needs_a_value_and_its_place_in_time() {
        let mut s = orders_contract();
        s.pricing = Pricing::LumpSum;
        let standing = |_: NaiveDate| Standing {
            amount_excl_tax: None,
            end_date: d("2025-12-31"),
            commitment_hours: dec!(100),
            commitment_source: CommitmentSource::Given,
            amendments: 1,
            orders: vec![],
        };
        let mut v = Violations::default();
        check_amendment(
            AmendmentDraft {
                reference: Some("AV-2".into()),
                signed_on: Some(d("2024-05-01")),
                ..Default::default()
            },
            &s,
            standing,
            Some(d("2024-06-01")),
            &mut v,
        );
        let fields: Vec<_> = v.list().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["signed_on", "amount_excl_tax"]);
        let mut v = Violations::default();
        let a = check_amendment(
            AmendmentDraft {
                reference: Some("AV-2".into()),
                signed_on: Some(d("2024-07-01")),
                end_date: Some(d("2026-06-30")),
                ..Default::default()
            },
            &s,
            standing,
            Some(d("2024-06-01")),
            &mut v,
        )
        .unwrap();
        assert!(v.list().is_empty());
        assert_eq!(a.end_date, Some(d("2026-06-30")));
    }
}
