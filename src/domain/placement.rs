//! What makes a placement valid against its contract and its person, and
//! what a month of hours may hold.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::calendar::{age_on, monthly_cap, Month};
use super::codes::Modality;
use super::numbers::{self, Bound};
use super::person::MIN_AGE;
use crate::error::Violations;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementFields {
    pub beneficiary_id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub modality: Modality,
    pub job_title: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub weekly_hours: Option<Decimal>,
}

/// What the placement is checked against.
pub struct Context {
    pub contract_start: NaiveDate,
    pub contract_end: NaiveDate,
    pub birth_date: NaiveDate,
    /// First and last months that hold hours already.
    pub months_with_hours: Option<(Month, Month)>,
}

pub fn check(mut f: PlacementFields, ctx: &Context, v: &mut Violations) -> PlacementFields {
    f.job_title = numbers::text(v, "job_title", &f.job_title, 200);
    if !v.has("start_date") {
        if f.start_date < ctx.contract_start || f.start_date > ctx.contract_end {
            v.add(
                "start_date",
                format!(
                    "must be within the contract's dates ({} to {})",
                    ctx.contract_start, ctx.contract_end
                ),
            );
        } else if age_on(ctx.birth_date, f.start_date) < MIN_AGE {
            v.add(
                "start_date",
                format!("the person must be at least {MIN_AGE} on the placement's first day"),
            );
        }
    }
    if let Some(end) = f.end_date {
        if end < f.start_date && !v.has("end_date") && !v.has("start_date") {
            v.add("end_date", "must be on or after start_date");
        }
    }
    if let Some(w) = f.weekly_hours {
        numbers::check(
            v,
            "weekly_hours",
            w,
            2,
            Bound::Above(Decimal::ZERO),
            Some(Decimal::from(48)),
        );
    }
    if let Some((first, last)) = ctx.months_with_hours {
        if Month::from_date(f.start_date) > first && !v.has("start_date") {
            v.add(
                "start_date",
                format!("hours are recorded for {first}: it must start by then"),
            );
        }
        if let Some(end) = f.end_date {
            if Month::from_date(end) < last && !v.has("end_date") {
                v.add(
                    "end_date",
                    format!("hours are recorded for {last}: it must end in or after it"),
                );
            }
        }
    }
    f
}

/// Checks a month of hours for a placement; returns the days it covers.
pub fn check_month(
    month: Month,
    start: NaiveDate,
    end: Option<NaiveDate>,
    worked: Decimal,
    training: Decimal,
    v: &mut Violations,
) {
    numbers::check(
        v,
        "worked_hours",
        worked,
        2,
        Bound::AtLeast(Decimal::ZERO),
        Some(numbers::max_month_hours()),
    );
    numbers::check(
        v,
        "training_hours",
        training,
        2,
        Bound::AtLeast(Decimal::ZERO),
        Some(numbers::max_month_hours()),
    );
    let days = month.days_covered(start, end);
    if days == 0 {
        v.add(
            "month",
            format!(
                "{month} is outside the placement's dates ({start} to {})",
                end.map(|e| e.to_string()).unwrap_or_else(|| "open".into())
            ),
        );
        return;
    }
    let cap = monthly_cap(days);
    if !v.has("worked_hours") && !v.has("training_hours") && worked + training > cap {
        v.add(
            "worked_hours",
            format!(
                "worked_hours + training_hours ({}) exceed {cap} h, 48 hours a week over the {days} days of {month} the placement covers",
                (worked + training).normalize()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields(v: &mut Violations) -> Vec<String> {
        v.list().iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn month_cap_full_partial_february() {
        let m = |s| Month::parse(s).unwrap();
        let mut v = Violations::default();
        check_month(
            m("2019-01"),
            d("2018-01-01"),
            None,
            dec!(200),
            dec!(12.57),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-01"),
            d("2018-01-01"),
            None,
            dec!(200),
            dec!(12.58),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours"]);
        // First month from the 22nd: 10 days, 68.57 h.
        let mut v = Violations::default();
        check_month(
            m("2019-01"),
            d("2019-01-22"),
            None,
            dec!(68.57),
            dec!(0),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-01"),
            d("2019-01-22"),
            None,
            dec!(68.58),
            dec!(0),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours"]);
        // February 2019: 28 days, 192 h.
        let mut v = Violations::default();
        check_month(
            m("2019-02"),
            d("2019-01-01"),
            None,
            dec!(192),
            dec!(0),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-02"),
            d("2019-01-01"),
            None,
            dec!(180),
            dec!(12.01),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours"]);
    }

    #[test]
    fn month_outside_and_bad_numbers() {
        let m = |s| Month::parse(s).unwrap();
        let mut v = Violations::default();
        check_month(
            m("2019-03"),
            d("2019-01-01"),
            Some(d("2019-02-28")),
            dec!(1),
            dec!(0),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["month"]);
        let mut v = Violations::default();
        check_month(
            m("2019-02"),
            d("2019-01-01"),
            None,
            dec!(-1),
            dec!(1.234),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours", "training_hours"]);
    }
}
