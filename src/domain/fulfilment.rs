//! How far a contract is in its commitment.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::commitment::round2;

crate::domain::codes::code_enum! {
    /// `done` once validated hours reach the commitment; otherwise
    /// validated hours against the pro-rata expectation, with a 10 % band:
    /// `ahead` above 110 %, `behind` under 90 %, `on_track` between.
    FulfilmentStatus {
        Ahead => "ahead",
        OnTrack => "on_track",
        Behind => "behind",
        Done => "done",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fulfilment {
    pub commitment_hours: Decimal,
    pub validated_hours: Decimal,
    pub declared_hours: Decimal,
    pub share_done: Decimal,
    pub expected_hours_to_date: Decimal,
    pub status: FulfilmentStatus,
}

/// The commitment pro rata of the days of the contract elapsed by `on`
/// (inclusive).
pub fn expected_to_date(
    commitment: Decimal,
    start: NaiveDate,
    end: NaiveDate,
    on: NaiveDate,
) -> Decimal {
    let total = (end - start).num_days() + 1;
    let elapsed = ((on - start).num_days() + 1).clamp(0, total);
    if total <= 0 {
        return commitment;
    }
    round2(commitment * Decimal::from(elapsed) / Decimal::from(total))
}

/// The share of `target` done and the status against the hours expected
/// by now: the contract's rule, also an operation's with its target.
pub fn judge(
    target: Decimal,
    validated: Decimal,
    expected: Decimal,
) -> (Decimal, FulfilmentStatus) {
    let share_done = if target.is_zero() {
        Decimal::ONE
    } else {
        (validated / target)
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    };
    let tenth = Decimal::new(1, 1);
    let status = if validated >= target {
        FulfilmentStatus::Done
    } else if validated > expected * (Decimal::ONE + tenth) {
        FulfilmentStatus::Ahead
    } else if validated >= expected * (Decimal::ONE - tenth) {
        FulfilmentStatus::OnTrack
    } else {
        FulfilmentStatus::Behind
    };
    (share_done, status)
}

pub fn assess(
    commitment: Decimal,
    validated: Decimal,
    declared: Decimal,
    start: NaiveDate,
    end: NaiveDate,
    on: NaiveDate,
) -> Fulfilment {
    let expected = expected_to_date(commitment, start, end, on);
    against(commitment, expected, validated, declared)
}

/// The fulfilment of a commitment with the hours expected by now already
/// known (an `orders` contract's are the sum of its orders').
pub fn against(
    commitment: Decimal,
    expected: Decimal,
    validated: Decimal,
    declared: Decimal,
) -> Fulfilment {
    let (share_done, status) = judge(commitment, validated, expected);
    Fulfilment {
        commitment_hours: commitment.normalize(),
        validated_hours: validated.normalize(),
        declared_hours: declared.normalize(),
        share_done,
        expected_hours_to_date: expected,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn pro_rata_of_days() {
        // 2019 has 365 days; by 2019-07-02, 183 have elapsed.
        assert_eq!(
            expected_to_date(dec!(365), d("2019-01-01"), d("2019-12-31"), d("2019-07-02")),
            dec!(183)
        );
        assert_eq!(
            expected_to_date(dec!(800), d("2019-01-01"), d("2019-12-31"), d("2018-01-01")),
            dec!(0)
        );
        assert_eq!(
            expected_to_date(dec!(800), d("2019-01-01"), d("2019-12-31"), d("2021-01-01")),
            dec!(800)
        );
    }

    #[test]
    fn statuses() {
        let a = |v| {
            assess(
                dec!(365),
                v,
                dec!(0),
                d("2019-01-01"),
                d("2019-12-31"),
                d("2019-07-02"),
            )
            .status
        };
        assert_eq!(a(dec!(365)), FulfilmentStatus::Done);
        assert_eq!(a(dec!(202)), FulfilmentStatus::Ahead);
        assert_eq!(a(dec!(183)), FulfilmentStatus::OnTrack);
        assert_eq!(a(dec!(165)), FulfilmentStatus::OnTrack);
        assert_eq!(a(dec!(164)), FulfilmentStatus::Behind);
        let f = assess(
            dec!(800),
            dec!(200),
            dec!(50.5),
            d("2019-01-01"),
            d("2019-12-31"),
            d("2019-01-01"),
        );
        assert_eq!(f.share_done, dec!(0.25));
        assert_eq!(f.declared_hours, dec!(50.5));
    }
}
