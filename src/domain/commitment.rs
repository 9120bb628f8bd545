//! Sizing a contract's hours commitment (DOMAIN.md):
//! amount_excl_tax × labour_share × insertion_rate ÷ hourly_cost,
//! rounded half-up to the hundredth.

use rust_decimal::{Decimal, RoundingStrategy};

pub fn compute(
    amount_excl_tax: Decimal,
    labour_share: Decimal,
    insertion_rate: Decimal,
    hourly_cost: Decimal,
) -> Option<Decimal> {
    if hourly_cost <= Decimal::ZERO {
        return None;
    }
    let hours = amount_excl_tax
        .checked_mul(labour_share)?
        .checked_mul(insertion_rate)?
        .checked_div(hourly_cost)?;
    Some(round2(hours))
}

/// Half-up (away from zero) to the hundredth, the rounding of the figures.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn domain_example_commits_800_hours() {
        assert_eq!(
            compute(dec!(1000000), dec!(0.40), dec!(0.05), dec!(25)),
            Some(dec!(800))
        );
    }

    #[test]
    fn rounds_half_up_to_the_hundredth() {
        // 1000 × 0.5 × 0.05 ÷ 3 = 8.3333...
        assert_eq!(
            compute(dec!(1000), dec!(0.5), dec!(0.05), dec!(3)),
            Some(dec!(8.33))
        );
        // 100.25 × 1 × 0.1 ÷ 1 = 10.025 -> 10.03 (half-up, not banker's 10.02)
        assert_eq!(
            compute(dec!(100.25), dec!(1), dec!(0.1), dec!(1)),
            Some(dec!(10.03))
        );
        // 2/3 -> 0.67
        assert_eq!(
            compute(dec!(2), dec!(1), dec!(1), dec!(3)),
            Some(dec!(0.67))
        );
    }

    #[test]
    fn zero_cost_is_refused() {
        assert_eq!(compute(dec!(1000), dec!(0.4), dec!(0.05), dec!(0)), None);
    }
}
