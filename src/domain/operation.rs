//! What makes an operation record valid: an urban-renewal (or other)
//! programme's operation that contracts belong to, with its target.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::codes::Programme;
use super::contract::{FIRST_DAY, LAST_DAY};
use super::numbers;
use super::person::is_qpv_code;
use super::violations::Violations;

pub const NAME_MAX: usize = 200;
pub const QPV_CODES_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationFields {
    pub name: String,
    pub programme: Programme,
    pub qpv_codes: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub target_hours: Option<Decimal>,
}

/// An operation as a request gives it; no stand-in replaces a missing
/// required field.
#[derive(Debug, Clone, Default)]
pub struct OperationDraft {
    pub name: Option<String>,
    pub programme: Option<Programme>,
    pub qpv_codes: Option<Vec<String>>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub target_hours: Option<Decimal>,
}

impl From<OperationFields> for OperationDraft {
    fn from(f: OperationFields) -> Self {
        OperationDraft {
            name: Some(f.name),
            programme: Some(f.programme),
            qpv_codes: Some(f.qpv_codes),
            start_date: Some(f.start_date),
            end_date: f.end_date,
            target_hours: f.target_hours,
        }
    }
}

/// Normalises (names trimmed, QPV codes upper-cased, sorted, once each)
/// and checks; every fault is noted, the record comes back when every
/// required field was there.
pub fn check(d: OperationDraft, v: &mut Violations) -> Option<OperationFields> {
    let name = v
        .require("name", d.name)
        .map(|n| numbers::text(v, "name", &n, NAME_MAX));
    let programme = v.require("programme", d.programme);
    let start_date = v.require("start_date", d.start_date);
    let mut qpv_codes: Vec<String> = Vec::new();
    for (i, code) in d.qpv_codes.unwrap_or_default().iter().enumerate() {
        let code = code.trim().to_ascii_uppercase();
        if is_qpv_code(&code) {
            qpv_codes.push(code);
        } else {
            v.add(
                format!("qpv_codes[{i}]"),
                "must look like QN09103M (2024 list) or QP091001 (2015 list)",
            );
        }
    }
    qpv_codes.sort();
    qpv_codes.dedup();
    if qpv_codes.len() > QPV_CODES_MAX {
        v.add(
            "qpv_codes",
            format!("must hold at most {QPV_CODES_MAX} codes"),
        );
    }
    for (field, day) in [("start_date", start_date), ("end_date", d.end_date)] {
        if day.is_some_and(|day| !(FIRST_DAY..=LAST_DAY).contains(&day)) && !v.has(field) {
            v.add(field, format!("must be from {FIRST_DAY} to {LAST_DAY}"));
        }
    }
    if let (Some(start), Some(end)) = (start_date, d.end_date) {
        if end < start && !v.has("end_date") && !v.has("start_date") {
            v.add("end_date", "must be on or after start_date");
        }
    }
    if let Some(t) = d.target_hours {
        numbers::check(v, "target_hours", t, numbers::commitment_hours());
    }
    Some(OperationFields {
        name: name?,
        programme: programme?,
        qpv_codes,
        start_date: start_date?,
        end_date: d.end_date,
        target_hours: d.target_hours,
    })
}

/// The hours an operation's figures are judged against: its own target
/// for a caller who sees every contract of it (when it has one), else the
/// commitments seen.
pub fn target(own: Option<Decimal>, sees_all: bool, commitments_seen: Decimal) -> Decimal {
    match (own, sees_all) {
        (Some(t), true) => t,
        _ => commitments_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn normalises_and_checks() {
        let mut v = Violations::default();
        let f = check(
            OperationDraft {
                name: Some("  ANRU 2 Tarterêts ".into()),
                programme: Some(Programme::Npnru),
                qpv_codes: Some(vec![
                    "qn09106m".into(),
                    "QN09106M".into(),
                    "QP091001".into(),
                ]),
                start_date: Some(day("2017-01-01")),
                end_date: Some(day("2026-12-31")),
                target_hours: Some(dec!(120000)),
            },
            &mut v,
        )
        .unwrap();
        assert!(v.finish().is_ok());
        assert_eq!(f.name, "ANRU 2 Tarterêts");
        assert_eq!(f.qpv_codes, ["QN09106M", "QP091001"]);
    }

    #[test]
    fn every_fault_is_named() {
        let mut v = Violations::default();
        let f = check(
            OperationDraft {
                name: None,
                programme: None,
                qpv_codes: Some(vec!["QN0910".into(), "QN09106M".into(), "91100".into()]),
                start_date: Some(day("2020-01-01")),
                end_date: Some(day("2019-01-01")),
                target_hours: Some(dec!(-1)),
            },
            &mut v,
        );
        assert!(f.is_none());
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "programme",
                "qpv_codes[0]",
                "qpv_codes[2]",
                "end_date",
                "target_hours"
            ]
        );
    }

    #[test]
    fn target_is_the_operations_only_for_who_sees_it_all() {
        assert_eq!(target(Some(dec!(100)), true, dec!(40)), dec!(100));
        assert_eq!(target(Some(dec!(100)), false, dec!(40)), dec!(40));
        assert_eq!(target(None, true, dec!(40)), dec!(40));
    }
}
