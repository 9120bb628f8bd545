//! Checks on exact decimals: hours and euros have at most 2 decimals,
//! rates at most 4.

use rust_decimal::Decimal;

use super::violations::Violations;

/// Largest values the database columns hold (NUMERIC(p, 2)): a larger
/// value is refused as a field error, never left to overflow in SQL.
pub fn max_with_2_decimals(digits_before_point: u32) -> Decimal {
    // 10^n - 0.01, e.g. 9,999,999,999.99 for NUMERIC(12, 2).
    Decimal::from_i128_with_scale(10i128.pow(digits_before_point + 2) - 1, 2)
}

/// `amount_excl_tax`: NUMERIC(16, 2).
pub fn max_amount() -> Decimal {
    max_with_2_decimals(14)
}

/// `hourly_cost`: NUMERIC(10, 2).
pub fn max_hourly_cost() -> Decimal {
    max_with_2_decimals(8)
}

/// `commitment_hours`: NUMERIC(12, 2).
pub fn max_commitment_hours() -> Decimal {
    max_with_2_decimals(10)
}

/// Hours of one month (`worked_hours`, `training_hours`): NUMERIC(7, 2).
pub fn max_month_hours() -> Decimal {
    max_with_2_decimals(5)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// `>= value`
    AtLeast(Decimal),
    /// `> value`
    Above(Decimal),
}

/// What a decimal field accepts: its decimals and its bounds. Each field's
/// rule is defined once, here, and read by the checks and by the OpenAPI
/// document (`multipleOf`, `minimum`/`exclusiveMinimum`, `maximum`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub decimals: u32,
    pub low: Bound,
    pub high: Option<Decimal>,
}

/// Hours and euros are counted to the hundredth.
pub const HUNDREDTHS: u32 = 2;
/// Shares and rates (`labour_share`, `insertion_rate`): four decimals.
pub const RATE_DECIMALS: u32 = 4;
/// The weekly hours of a job, under the 48-hour cap of the Labour Code.
pub const WEEKLY_HOURS_MAX: i64 = 48;

/// `amount_excl_tax`: euros, zero allowed.
pub fn amount() -> Rule {
    Rule {
        decimals: HUNDREDTHS,
        low: Bound::AtLeast(Decimal::ZERO),
        high: Some(max_amount()),
    }
}

/// `hourly_cost`: euros per hour, more than zero.
pub fn hourly_cost() -> Rule {
    Rule {
        decimals: HUNDREDTHS,
        low: Bound::Above(Decimal::ZERO),
        high: Some(max_hourly_cost()),
    }
}

/// A contract's `commitment_hours`, an operation's `target_hours`.
pub fn commitment_hours() -> Rule {
    Rule {
        decimals: HUNDREDTHS,
        low: Bound::AtLeast(Decimal::ZERO),
        high: Some(max_commitment_hours()),
    }
}

/// `labour_share`, `insertion_rate`: a fraction, more than 0, at most 1.
pub fn share() -> Rule {
    Rule {
        decimals: RATE_DECIMALS,
        low: Bound::Above(Decimal::ZERO),
        high: Some(Decimal::ONE),
    }
}

/// A job's weekly hours (`weekly_hours`, `hours_per_week`).
pub fn weekly_hours() -> Rule {
    Rule {
        decimals: HUNDREDTHS,
        low: Bound::Above(Decimal::ZERO),
        high: Some(Decimal::from(WEEKLY_HOURS_MAX)),
    }
}

/// The hours of one month (`worked_hours`, `training_hours`).
pub fn month_hours() -> Rule {
    Rule {
        decimals: HUNDREDTHS,
        low: Bound::AtLeast(Decimal::ZERO),
        high: Some(max_month_hours()),
    }
}

/// Notes a violation when `value` breaks the rule's scale or bounds.
pub fn check(v: &mut Violations, field: &str, value: Decimal, rule: Rule) {
    let Rule {
        decimals: max_decimals,
        low,
        high,
    } = rule;
    if value.normalize().scale() > max_decimals {
        v.add(field, format!("must have at most {max_decimals} decimals"));
        return;
    }
    let low_ok = match low {
        Bound::AtLeast(min) => value >= min,
        Bound::Above(min) => value > min,
    };
    let high_ok = high.is_none_or(|max| value <= max);
    if !low_ok || !high_ok {
        let lower = match low {
            Bound::AtLeast(min) => format!("at least {min}"),
            Bound::Above(min) => format!("more than {min}"),
        };
        let message = match high {
            Some(max) => format!("must be {lower} and at most {max}"),
            None => format!("must be {lower}"),
        };
        v.add(field, message);
    }
}

/// Notes a violation when a text is longer than `max` characters.
pub fn at_most(v: &mut Violations, field: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|t| t.chars().count() > max) {
        v.add(field, format!("must be at most {max} characters"));
    }
}

/// Trims a text; `None` (and a note) when it is empty or too long.
pub fn text(v: &mut Violations, field: &str, value: &str, max: usize) -> String {
    let t = value.trim().to_string();
    if t.is_empty() {
        v.add(field, "must not be empty");
    } else if t.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_maxima() {
        assert_eq!(max_commitment_hours().to_string(), "9999999999.99");
        assert_eq!(max_amount().to_string(), "99999999999999.99");
        assert_eq!(max_hourly_cost().to_string(), "99999999.99");
        assert_eq!(max_month_hours().to_string(), "99999.99");
    }
    use rust_decimal_macros::dec;

    #[test]
    fn scale_and_bounds() {
        let at_least_zero = Rule {
            decimals: 2,
            low: Bound::AtLeast(Decimal::ZERO),
            high: None,
        };
        let mut v = Violations::default();
        check(&mut v, "a", dec!(1.50), at_least_zero);
        check(&mut v, "b", dec!(0.0500), share());
        check(&mut v, "w", dec!(48), weekly_hours());
        assert!(v.list().is_empty());
        check(&mut v, "c", dec!(1.555), at_least_zero);
        check(&mut v, "d", dec!(-1), at_least_zero);
        check(&mut v, "e", dec!(0), share());
        check(&mut v, "f", dec!(1.2), share());
        check(&mut v, "g", dec!(48.01), weekly_hours());
        check(&mut v, "h", dec!(100000), month_hours());
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["c", "d", "e", "f", "g", "h"]);
    }

    #[test]
    fn texts_at_most() {
        let mut v = Violations::default();
        at_most(&mut v, "a", Some(&"é".repeat(10)), 10);
        at_most(&mut v, "b", None, 10);
        assert!(v.list().is_empty());
        at_most(&mut v, "c", Some(&"é".repeat(11)), 10);
        assert_eq!(v.list()[0].field, "c");
    }
}
