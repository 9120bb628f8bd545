//! The SQL twins of the domain's rules (migration `rules`) answer as the
//! domain does: an age in full years, and its band.

use chrono::{Duration, NaiveDate};
use clauses::domain::breakdown::AGE_BANDS;
use clauses::domain::calendar::age_on;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Text};

use crate::common::TestDb;

#[derive(QueryableByName)]
struct Age {
    #[diesel(sql_type = Integer)]
    age: i32,
}

#[derive(QueryableByName)]
struct Band {
    #[diesel(sql_type = Text)]
    band: String,
}

#[test]
fn sql_ages_are_the_domains_to_the_day() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Leap-day births, month ends, the day before and of a birthday.
    let births = [
        d("2000-02-29"),
        d("1990-12-31"),
        d("1975-01-01"),
        d("2004-06-15"),
    ];
    for birth in births {
        let mut day = birth + Duration::days(365 * 18 - 40);
        while day < birth + Duration::days(365 * 18 + 800) {
            let sql: Age = diesel::sql_query("SELECT age_on($1, $2) AS age")
                .bind::<Date, _>(birth)
                .bind::<Date, _>(day)
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(sql.age, age_on(birth, day), "born {birth}, on {day}");
            day += Duration::days(1);
        }
    }
}

#[test]
fn sql_age_bands_are_the_breakdowns_bands() {
    let db = TestDb::new();
    let mut conn = db.conn();
    for (age, band) in [
        (0, AGE_BANDS[0]),
        (16, AGE_BANDS[0]),
        (25, AGE_BANDS[0]),
        (26, AGE_BANDS[1]),
        (49, AGE_BANDS[1]),
        (50, AGE_BANDS[2]),
        (99, AGE_BANDS[2]),
    ] {
        let sql: Band = diesel::sql_query("SELECT age_band($1) AS band")
            .bind::<Integer, _>(age)
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(sql.band, band, "age {age}");
    }
}
