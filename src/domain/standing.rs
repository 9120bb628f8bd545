//! A contract as it stood on a day (issue 27): its amount, end date and
//! hours commitment once the amendments signed by then are applied and,
//! for a framework agreement paid by orders, the orders placed by then are
//! counted. Everything dated (a fulfilment on `on`, the hours expected to
//! date, a year's contracts table, an operation's fulfilment, the months
//! owed) reads the contract through [`as_of`], so that one rule answers
//! "what was owed on D".

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::codes::CommitmentSource;
use super::commitment;
use super::fulfilment::expected_to_date;

crate::domain::codes::code_enum! {
    /// How a contract is paid: a lump sum (its amount is known at
    /// signature), or orders under a framework agreement (accord-cadre à
    /// bons de commande: the amount is what is ordered).
    Pricing {
        LumpSum => "lump_sum",
        Orders => "orders",
    }
}

/// A contract's values as it was signed, and what sizes its commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub pricing: Pricing,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// For an `orders` contract without an amount, the orders' sum.
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Option<Decimal>,
    pub insertion_rate: Option<Decimal>,
    pub hourly_cost: Option<Decimal>,
    /// For a `lump_sum` contract: the commitment as signed.
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
}

/// An amendment (avenant): from `signed_on` on, the values it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub signed_on: NaiveDate,
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: Option<NaiveDate>,
    pub commitment_hours: Option<Decimal>,
}

/// An order (bon de commande) with its commitment already sized: the
/// given one, or the formula on its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub ordered_on: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Decimal,
    pub commitment_hours: Decimal,
}

/// The contract on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: NaiveDate,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
    /// How many amendments were signed by then.
    pub amendments: usize,
    /// The orders placed by then (an `orders` contract), in their order.
    pub orders: Vec<Order>,
}

/// An order's commitment: the given one, else the contract's formula on
/// the order's amount (half-up to the hundredth); none when the contract
/// lacks a figure of the formula.
pub fn order_commitment(
    signed: &Signed,
    amount_excl_tax: Decimal,
    given: Option<Decimal>,
) -> Option<(Decimal, CommitmentSource)> {
    if let Some(hours) = given {
        return Some((hours, CommitmentSource::Given));
    }
    let hours = commitment::compute(
        amount_excl_tax,
        signed.labour_share?,
        signed.insertion_rate?,
        signed.hourly_cost?,
    )?;
    Some((hours, CommitmentSource::Computed))
}

/// The contract as it stood on `on`: the amendments signed on or before
/// `on`, in their order (`amendments` is in signing order), and, for an
/// `orders` contract, the orders with `ordered_on` on or before `on`.
pub fn as_of(
    signed: &Signed,
    amendments: &[Amendment],
    orders: &[Order],
    on: NaiveDate,
) -> Standing {
    let placed: Vec<Order> = match signed.pricing {
        Pricing::LumpSum => Vec::new(),
        Pricing::Orders => orders
            .iter()
            .filter(|o| o.ordered_on <= on)
            .cloned()
            .collect(),
    };
    let ordered_amount: Decimal = placed.iter().map(|o| o.amount_excl_tax).sum();
    let mut standing = Standing {
        amount_excl_tax: match signed.pricing {
            Pricing::LumpSum => signed.amount_excl_tax,
            Pricing::Orders => signed.amount_excl_tax.or(Some(ordered_amount)),
        },
        end_date: signed.end_date,
        commitment_hours: match signed.pricing {
            Pricing::LumpSum => signed.commitment_hours,
            Pricing::Orders => placed.iter().map(|o| o.commitment_hours).sum(),
        },
        commitment_source: signed.commitment_source,
        amendments: 0,
        orders: placed,
    };
    for a in amendments.iter().filter(|a| a.signed_on <= on) {
        standing.amendments += 1;
        if let Some(end) = a.end_date {
            standing.end_date = end;
        }
        if let Some(amount) = a.amount_excl_tax {
            standing.amount_excl_tax = Some(amount);
        }
        if signed.pricing == Pricing::Orders {
            // What is owed is what is ordered; an amendment moves the
            // dates and the ceiling, not the orders' hours.
            continue;
        }
        match (a.commitment_hours, standing.commitment_source) {
            (Some(hours), CommitmentSource::Computed) => {
                standing.commitment_hours = hours;
                standing.commitment_source = CommitmentSource::Given;
            }
            (Some(hours), _) => standing.commitment_hours = hours,
            (None, CommitmentSource::Computed) => {
                if let (Some(amount), Some(share), Some(rate), Some(cost)) = (
                    a.amount_excl_tax,
                    signed.labour_share,
                    signed.insertion_rate,
                    signed.hourly_cost,
                ) {
                    if let Some(hours) = commitment::compute(amount, share, rate, cost) {
                        standing.commitment_hours = hours;
                    }
                }
            }
            (None, _) => {}
        }
    }
    standing
}

impl Standing {
    /// The contract's fulfilment on `on`, with these hours done.
    pub fn fulfilment(
        &self,
        signed: &Signed,
        validated: Decimal,
        declared: Decimal,
        on: NaiveDate,
    ) -> super::fulfilment::Fulfilment {
        let expected = self.expected_to_date(signed, on);
        super::fulfilment::against(self.commitment_hours, expected, validated, declared)
    }

    /// The hours expected by `on` (inclusive): the commitment pro rata of
    /// the contract's days elapsed, to its end as amended by then; for an
    /// `orders` contract, the sum over the orders placed of each one's
    /// commitment pro rata of its own days.
    pub fn expected_to_date(&self, signed: &Signed, on: NaiveDate) -> Decimal {
        match signed.pricing {
            Pricing::LumpSum => {
                expected_to_date(self.commitment_hours, signed.start_date, self.end_date, on)
            }
            Pricing::Orders => self
                .orders
                .iter()
                .map(|o| expected_to_date(o.commitment_hours, o.start_date, o.end_date, on))
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lump_sum(source: CommitmentSource) -> Signed {
        Signed {
            pricing: Pricing::LumpSum,
            start_date: d("2020-01-01"),
            end_date: d("2021-12-31"),
            amount_excl_tax: Some(dec!(1000000)),
            labour_share: Some(dec!(0.40)),
            insertion_rate: Some(dec!(0.05)),
            hourly_cost: Some(dec!(25)),
            commitment_hours: dec!(800),
            commitment_source: source,
        }
    }

    fn amendment(
        on: &str,
        amount: Option<Decimal>,
        end: Option<&str>,
        hours: Option<Decimal>,
    ) -> Amendment {
        Amendment {
            signed_on: d(on),
            amount_excl_tax: amount,
            end_date: end.map(d),
            commitment_hours: hours,
        }
    }

    #[test]
    fn without_amendment_the_contract_is_as_signed() {
        let s = lump_sum(CommitmentSource::Computed);
        let st = as_of(&s, &[], &[], d("2021-06-30"));
        assert_eq!(st.commitment_hours, dec!(800));
        assert_eq!(st.end_date, d("2021-12-31"));
        assert_eq!(st.amount_excl_tax, Some(dec!(1000000)));
        assert_eq!(st.amendments, 0);
        assert_eq!(st.expected_to_date(&s, d("2021-12-31")), dec!(800));
    }

    #[test]
    fn amendments_apply_from_their_signature_in_order() {
        let s = lump_sum(CommitmentSource::Computed);
        let amendments = [
            // More work: the computed commitment follows the amount.
            amendment("2020-06-15", Some(dec!(1250000)), None, None),
            // Six more months.
            amendment("2021-03-01", None, Some("2022-06-30"), None),
        ];
        let before = as_of(&s, &amendments, &[], d("2020-06-14"));
        assert_eq!((before.commitment_hours, before.amendments), (dec!(800), 0));
        let first = as_of(&s, &amendments, &[], d("2020-06-15"));
        assert_eq!(first.commitment_hours, dec!(1000));
        assert_eq!(first.amount_excl_tax, Some(dec!(1250000)));
        assert_eq!(first.end_date, d("2021-12-31"));
        assert_eq!(first.commitment_source, CommitmentSource::Computed);
        let both = as_of(&s, &amendments, &[], d("2021-12-31"));
        assert_eq!((both.end_date, both.amendments), (d("2022-06-30"), 2));
        assert_eq!(both.commitment_hours, dec!(1000));
        // The pro rata runs to the end as amended: 731 of 912 days.
        assert_eq!(
            both.expected_to_date(&s, d("2021-12-31")),
            expected_to_date(
                dec!(1000),
                d("2020-01-01"),
                d("2022-06-30"),
                d("2021-12-31")
            )
        );
        assert!(both.expected_to_date(&s, d("2021-12-31")) < dec!(1000));
    }

    #[test]
    fn a_given_commitment_moves_only_when_an_amendment_gives_one() {
        let s = lump_sum(CommitmentSource::Given);
        let amendments = [
            amendment("2020-03-01", Some(dec!(2000000)), None, None),
            amendment("2020-09-01", None, None, Some(dec!(1200))),
        ];
        let st = as_of(&s, &amendments, &[], d("2020-05-01"));
        assert_eq!(st.commitment_hours, dec!(800));
        assert_eq!(st.amount_excl_tax, Some(dec!(2000000)));
        let st = as_of(&s, &amendments, &[], d("2020-09-01"));
        assert_eq!(st.commitment_hours, dec!(1200));
        assert_eq!(st.commitment_source, CommitmentSource::Given);
    }

    #[test]
    fn a_computed_commitment_given_by_an_amendment_is_then_given() {
        let s = lump_sum(CommitmentSource::Computed);
        let amendments = [
            amendment("2020-03-01", None, None, Some(dec!(900))),
            // The amount moves after: the commitment, now given, stays.
            amendment("2020-04-01", Some(dec!(2000000)), None, None),
        ];
        let st = as_of(&s, &amendments, &[], d("2020-12-31"));
        assert_eq!(st.commitment_hours, dec!(900));
        assert_eq!(st.commitment_source, CommitmentSource::Given);
    }

    fn orders_contract() -> Signed {
        Signed {
            pricing: Pricing::Orders,
            amount_excl_tax: None,
            commitment_hours: Decimal::ZERO,
            ..lump_sum(CommitmentSource::Computed)
        }
    }

    fn order(on: &str, start: &str, end: &str, amount: Decimal, hours: Decimal) -> Order {
        Order {
            ordered_on: d(on),
            start_date: d(start),
            end_date: d(end),
            amount_excl_tax: amount,
            commitment_hours: hours,
        }
    }

    #[test]
    fn an_orders_contract_owes_what_is_ordered_by_then() {
        let s = orders_contract();
        let orders = [
            order(
                "2020-02-01",
                "2020-02-01",
                "2020-03-01",
                dec!(50000),
                dec!(40),
            ),
            order(
                "2020-06-01",
                "2020-06-01",
                "2020-12-31",
                dec!(100000),
                dec!(80),
            ),
        ];
        let before = as_of(&s, &[], &orders, d("2020-05-31"));
        assert_eq!(before.commitment_hours, dec!(40));
        assert_eq!(before.amount_excl_tax, Some(dec!(50000)));
        assert_eq!(before.orders.len(), 1);
        // The first order is over: all its hours are expected.
        assert_eq!(before.expected_to_date(&s, d("2020-05-31")), dec!(40));
        let after = as_of(&s, &[], &orders, d("2020-06-30"));
        assert_eq!(after.commitment_hours, dec!(120));
        assert_eq!(after.amount_excl_tax, Some(dec!(150000)));
        // 40 + 80 × 30 / 214 days = 40 + 11.21.
        assert_eq!(after.expected_to_date(&s, d("2020-06-30")), dec!(51.21));
        // Nothing ordered yet: nothing owed.
        let none = as_of(&s, &[], &orders, d("2020-01-31"));
        assert_eq!(none.commitment_hours, Decimal::ZERO);
        assert_eq!(none.expected_to_date(&s, d("2020-01-31")), Decimal::ZERO);
    }

    #[test]
    fn an_amendment_of_an_orders_contract_moves_its_end_not_its_hours() {
        let s = orders_contract();
        let orders = [order(
            "2020-02-01",
            "2020-02-01",
            "2020-03-01",
            dec!(50000),
            dec!(40),
        )];
        let amendments = [amendment(
            "2020-03-01",
            None,
            Some("2022-12-31"),
            Some(dec!(999)),
        )];
        let st = as_of(&s, &amendments, &orders, d("2020-12-31"));
        assert_eq!(st.commitment_hours, dec!(40));
        assert_eq!(st.end_date, d("2022-12-31"));
    }

    #[test]
    fn an_orders_commitment_is_given_or_computed_on_its_amount() {
        let s = orders_contract();
        assert_eq!(
            order_commitment(&s, dec!(100000), None),
            Some((dec!(80), CommitmentSource::Computed))
        );
        assert_eq!(
            order_commitment(&s, dec!(100000), Some(dec!(12.5))),
            Some((dec!(12.5), CommitmentSource::Given))
        );
        let bare = Signed {
            hourly_cost: None,
            ..orders_contract()
        };
        assert_eq!(order_commitment(&bare, dec!(100000), None), None);
    }
}
