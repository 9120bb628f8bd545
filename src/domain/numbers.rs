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

#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// `>= value`
    AtLeast(Decimal),
    /// `> value`
    Above(Decimal),
}

/// Notes a violation when `value` breaks the scale or the bounds.
pub fn check(
    v: &mut Violations,
    field: &str,
    value: Decimal,
    max_decimals: u32,
    low: Bound,
    high: Option<Decimal>,
) {
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
        let mut v = Violations::default();
        check(
            &mut v,
            "a",
            dec!(1.50),
            2,
            Bound::AtLeast(Decimal::ZERO),
            None,
        );
        check(
            &mut v,
            "b",
            dec!(0.0500),
            4,
            Bound::Above(Decimal::ZERO),
            Some(Decimal::ONE),
        );
        assert!(v.list().is_empty());
        check(
            &mut v,
            "c",
            dec!(1.555),
            2,
            Bound::AtLeast(Decimal::ZERO),
            None,
        );
        check(
            &mut v,
            "d",
            dec!(-1),
            2,
            Bound::AtLeast(Decimal::ZERO),
            None,
        );
        check(
            &mut v,
            "e",
            dec!(0),
            4,
            Bound::Above(Decimal::ZERO),
            Some(Decimal::ONE),
        );
        check(
            &mut v,
            "f",
            dec!(1.2),
            4,
            Bound::Above(Decimal::ZERO),
            Some(Decimal::ONE),
        );
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["c", "d", "e", "f"]);
    }
}
