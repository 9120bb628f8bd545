//! Months, ages and the legal monthly cap on hours.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::commitment::round2;

/// A calendar month, `YYYY-MM` in the API, its first day in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1).map(Month)
    }

    pub fn from_date(d: NaiveDate) -> Month {
        Month(d.with_day(1).expect("day 1 exists"))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        let next = if self.0.month() == 12 {
            NaiveDate::from_ymd_opt(self.0.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.0.year(), self.0.month() + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).expect("valid month")
    }

    /// The month after.
    pub fn next(self) -> Month {
        Month::from_date(self.last_day() + chrono::Days::new(1))
    }

    /// Days of this month inside `[start, end]` (`end` open when `None`).
    pub fn days_covered(self, start: NaiveDate, end: Option<NaiveDate>) -> i64 {
        let from = self.first_day().max(start);
        let to = match end {
            Some(e) => self.last_day().min(e),
            None => self.last_day(),
        };
        if to < from {
            0
        } else {
            (to - from).num_days() + 1
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Month::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a month (YYYY-MM): {text:?}")))
    }
}

/// 48 hours a week over `days` days: the most a month may count.
pub fn monthly_cap(days: i64) -> Decimal {
    round2(Decimal::from(48 * days) / Decimal::from(7))
}

/// The last day of a month on or before `on`: `on` itself when it is one,
/// else the last day of the month before. Counts of people taken on such
/// days move at most once a month, so two readings a day apart cannot
/// tell who started in between.
pub fn month_end_on_or_before(on: NaiveDate) -> NaiveDate {
    let month = Month::from_date(on);
    if month.last_day() == on {
        on
    } else {
        month
            .first_day()
            .pred_opt()
            .expect("a day before the first of a month")
    }
}

/// Age in full years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(Month::parse("2019-02").unwrap().to_string(), "2019-02");
        for bad in [
            "2019-13",
            "2019-2",
            "19-02",
            "2019-02-01",
            "2019/02",
            "",
            "abcd-ef",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(Month::parse("2019-02").unwrap().last_day(), d("2019-02-28"));
        assert_eq!(Month::parse("2020-02").unwrap().last_day(), d("2020-02-29"));
        assert_eq!(Month::parse("2019-12").unwrap().last_day(), d("2019-12-31"));
    }

    #[test]
    fn cap_on_full_partial_and_february_months() {
        let jan = Month::parse("2019-01").unwrap();
        assert_eq!(jan.days_covered(d("2018-06-01"), None), 31);
        assert_eq!(monthly_cap(31), dec!(212.57));
        // Starting on the 22nd: 10 days.
        assert_eq!(jan.days_covered(d("2019-01-22"), None), 10);
        assert_eq!(monthly_cap(10), dec!(68.57));
        // Ending on the 5th.
        assert_eq!(jan.days_covered(d("2018-01-01"), Some(d("2019-01-05"))), 5);
        let feb = Month::parse("2019-02").unwrap();
        assert_eq!(feb.days_covered(d("2019-01-01"), None), 28);
        assert_eq!(monthly_cap(28), dec!(192));
        assert_eq!(monthly_cap(29), dec!(198.86));
        assert_eq!(monthly_cap(30), dec!(205.71));
        assert_eq!(feb.days_covered(d("2019-03-01"), None), 0);
    }

    #[test]
    fn ages_in_full_years() {
        assert_eq!(age_on(d("2000-03-15"), d("2026-03-14")), 25);
        assert_eq!(age_on(d("2000-03-15"), d("2026-03-15")), 26);
        assert_eq!(age_on(d("2000-02-29"), d("2026-02-28")), 25);
        assert_eq!(age_on(d("2000-02-29"), d("2026-03-01")), 26);
    }
}
