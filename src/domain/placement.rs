//! What makes a placement valid against its contract and its person, and
//! what a month of hours may hold.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::calendar::{age_on, monthly_cap, Month};
use super::codes::Modality;
use super::numbers;
use super::person::MIN_AGE;
use super::violations::Violations;

/// Longest `job_title` (characters), of a placement and of an offer.
pub const JOB_TITLE_MAX: usize = 200;
/// Longest `reason` of a decision on a month or a proposal.
pub const REASON_MAX: usize = 1000;

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
    /// The months that hold hours already, with their worked + training
    /// hours, in order.
    pub recorded: Vec<(Month, Decimal)>,
}

/// A placement as a request gives it: the ids (which the rules' context
/// is read from) are there, the other required fields may be missing, and
/// no stand-in value replaces them.
#[derive(Debug, Clone)]
pub struct PlacementDraft {
    pub beneficiary_id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub modality: Option<Modality>,
    pub job_title: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub weekly_hours: Option<Decimal>,
}

impl From<PlacementFields> for PlacementDraft {
    fn from(f: PlacementFields) -> Self {
        PlacementDraft {
            beneficiary_id: f.beneficiary_id,
            contract_id: f.contract_id,
            employer_id: f.employer_id,
            modality: Some(f.modality),
            job_title: Some(f.job_title),
            start_date: Some(f.start_date),
            end_date: f.end_date,
            weekly_hours: f.weekly_hours,
        }
    }
}

/// Checks a placement against its contract, its person and its recorded
/// months: every required field absent is reported, every rule runs on
/// what is present; the record comes back when all were there.
pub fn check(d: PlacementDraft, ctx: &Context, v: &mut Violations) -> Option<PlacementFields> {
    let modality = v.require("modality", d.modality);
    let job_title = v
        .require("job_title", d.job_title)
        .map(|t| numbers::text(v, "job_title", &t, JOB_TITLE_MAX));
    let start_date = v.require("start_date", d.start_date);
    if let Some(start) = start_date.filter(|_| !v.has("start_date")) {
        if start < ctx.contract_start || start > ctx.contract_end {
            v.add(
                "start_date",
                format!(
                    "must be within the contract's dates ({} to {})",
                    ctx.contract_start, ctx.contract_end
                ),
            );
        } else if age_on(ctx.birth_date, start) < MIN_AGE {
            v.add(
                "start_date",
                format!("the person must be at least {MIN_AGE} on the placement's first day"),
            );
        }
    }
    if let (Some(start), Some(end)) = (start_date, d.end_date) {
        if end < start && !v.has("end_date") && !v.has("start_date") {
            v.add("end_date", "must be on or after start_date");
        }
    }
    if let Some(w) = d.weekly_hours {
        numbers::check(v, "weekly_hours", w, numbers::weekly_hours());
    }
    let f = PlacementFields {
        beneficiary_id: d.beneficiary_id,
        contract_id: d.contract_id,
        employer_id: d.employer_id,
        modality: modality?,
        job_title: job_title?,
        start_date: start_date?,
        end_date: d.end_date,
        weekly_hours: d.weekly_hours,
    };
    recorded_months_fit(&f, &ctx.recorded, v);
    Some(f)
}

/// Dates that move under recorded hours must still hold each of them:
/// every month inside the dates, and within 48 hours a week over the days
/// of it that the new dates cover.
fn recorded_months_fit(f: &PlacementFields, recorded: &[(Month, Decimal)], v: &mut Violations) {
    let (Some((first, _)), Some((last, _))) = (recorded.first(), recorded.last()) else {
        return;
    };
    if Month::from_date(f.start_date) > *first && !v.has("start_date") {
        v.add(
            "start_date",
            format!("hours are recorded for {first}: it must start by then"),
        );
    }
    if let Some(end) = f.end_date {
        if Month::from_date(end) < *last && !v.has("end_date") {
            v.add(
                "end_date",
                format!("hours are recorded for {last}: it must end in or after it"),
            );
        }
    }
    if v.has("start_date") || v.has("end_date") {
        return;
    }
    for (month, hours) in recorded {
        let days = month.days_covered(f.start_date, f.end_date);
        let cap = monthly_cap(days);
        if *hours > cap {
            let field = if *month == Month::from_date(f.start_date) {
                "start_date"
            } else {
                "end_date"
            };
            if !v.has(field) {
                v.add(
                    field,
                    format!(
                        "{month} holds {} h of recorded hours: the new dates cover {days} days of it, at most {cap} h at 48 hours a week",
                        hours.normalize()
                    ),
                );
            }
        }
    }
}

/// The reason given with a decision on a month, trimmed: required to
/// reject (so the company knows what to fix), at most 1,000 characters.
pub fn decision_reason(
    rejecting: bool,
    reason: Option<String>,
    v: &mut Violations,
) -> Option<String> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if rejecting && reason.is_none() && !v.has("reason") {
        v.add("reason", "is required to reject a month");
    }
    numbers::at_most(v, "reason", reason.as_deref(), REASON_MAX);
    reason
}

/// When a placement's months may hold hours: its own dates, within its
/// contract's end, and not past the current month (hours are declared
/// once worked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkSpan {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub contract_end: NaiveDate,
    pub today: NaiveDate,
}

/// Checks a month of hours for a placement.
pub fn check_month(
    month: Month,
    span: &WorkSpan,
    worked: Decimal,
    training: Decimal,
    v: &mut Violations,
) {
    numbers::check(v, "worked_hours", worked, numbers::month_hours());
    numbers::check(v, "training_hours", training, numbers::month_hours());
    let current = Month::from_date(span.today);
    if month > current {
        v.add(
            "month",
            format!("{month} is after the current month ({current}): declare hours once worked"),
        );
        return;
    }
    if month.first_day() > span.contract_end {
        v.add(
            "month",
            format!(
                "{month} is after the contract's end ({})",
                span.contract_end
            ),
        );
        return;
    }
    let (start, end) = (span.start, span.end);
    let days = month.days_covered(
        start,
        Some(end.unwrap_or(span.contract_end).min(span.contract_end)),
    );
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
    fn moved_dates_must_hold_the_recorded_hours() {
        let m = |s| Month::parse(s).unwrap();
        let placement = |start: &str, end: Option<&str>| PlacementFields {
            beneficiary_id: Uuid::nil(),
            contract_id: Uuid::nil(),
            employer_id: Uuid::nil(),
            modality: Modality::DirectFixedTerm,
            job_title: "Maçon".into(),
            start_date: d(start),
            end_date: end.map(d),
            weekly_hours: None,
        };
        let recorded = vec![(m("2019-03"), dec!(100)), (m("2019-04"), dec!(150))];
        let mut v = Violations::default();
        recorded_months_fit(
            &placement("2019-03-01", Some("2019-04-30")),
            &recorded,
            &mut v,
        );
        assert!(v.list().is_empty());
        // 100 h in the two days from 30 March: at most 13.71 h.
        recorded_months_fit(
            &placement("2019-03-30", Some("2019-04-30")),
            &recorded,
            &mut v,
        );
        assert_eq!(fields(&mut v), ["start_date"]);
        let mut v = Violations::default();
        recorded_months_fit(
            &placement("2019-03-01", Some("2019-04-10")),
            &recorded,
            &mut v,
        );
        assert_eq!(fields(&mut v), ["end_date"]);
        let mut v = Violations::default();
        recorded_months_fit(&placement("2019-04-01", None), &recorded, &mut v);
        assert_eq!(fields(&mut v), ["start_date"]);
    }

    /// A placement's span on a contract that runs to 2030, today in 2026.
    fn span(start: NaiveDate, end: Option<NaiveDate>) -> WorkSpan {
        WorkSpan {
            start,
            end,
            contract_end: d("2030-12-31"),
            today: d("2026-12-06"),
        }
    }

    #[test]
    fn months_past_the_contract_or_today_are_refused() {
        let m = |s| Month::parse(s).unwrap();
        let on = WorkSpan {
            start: d("2019-01-01"),
            end: None,
            contract_end: d("2024-06-15"),
            today: d("2026-12-06"),
        };
        let mut v = Violations::default();
        check_month(m("2024-06"), &on, dec!(10), dec!(0), &mut v);
        assert!(v.list().is_empty());
        check_month(m("2024-07"), &on, dec!(10), dec!(0), &mut v);
        assert_eq!(fields(&mut v), ["month"]);
        let open = WorkSpan {
            contract_end: d("2040-12-31"),
            ..on
        };
        let mut v = Violations::default();
        check_month(m("2026-12"), &open, dec!(10), dec!(0), &mut v);
        assert!(v.list().is_empty());
        check_month(m("2027-01"), &open, dec!(10), dec!(0), &mut v);
        assert_eq!(fields(&mut v), ["month"]);
        // The contract's end caps the days a partial last month covers.
        let mut v = Violations::default();
        check_month(m("2024-06"), &on, dec!(103.72), dec!(0), &mut v);
        assert_eq!(fields(&mut v), ["worked_hours"]);
    }

    #[test]
    fn month_cap_full_partial_february() {
        let m = |s| Month::parse(s).unwrap();
        let mut v = Violations::default();
        check_month(
            m("2019-01"),
            &span(d("2018-01-01"), None),
            dec!(200),
            dec!(12.57),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-01"),
            &span(d("2018-01-01"), None),
            dec!(200),
            dec!(12.58),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours"]);
        // First month from the 22nd: 10 days, 68.57 h.
        let mut v = Violations::default();
        check_month(
            m("2019-01"),
            &span(d("2019-01-22"), None),
            dec!(68.57),
            dec!(0),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-01"),
            &span(d("2019-01-22"), None),
            dec!(68.58),
            dec!(0),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours"]);
        // February 2019: 28 days, 192 h.
        let mut v = Violations::default();
        check_month(
            m("2019-02"),
            &span(d("2019-01-01"), None),
            dec!(192),
            dec!(0),
            &mut v,
        );
        assert!(v.list().is_empty());
        check_month(
            m("2019-02"),
            &span(d("2019-01-01"), None),
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
            &span(d("2019-01-01"), Some(d("2019-02-28"))),
            dec!(1),
            dec!(0),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["month"]);
        let mut v = Violations::default();
        check_month(
            m("2019-02"),
            &span(d("2019-01-01"), None),
            dec!(-1),
            dec!(1.234),
            &mut v,
        );
        assert_eq!(fields(&mut v), ["worked_hours", "training_hours"]);
    }

    #[test]
    fn a_rejection_needs_a_reason_and_a_validation_does_not() {
        let mut v = Violations::default();
        assert_eq!(decision_reason(true, Some("  ".into()), &mut v), None);
        assert!(v.has("reason"));
        let mut v = Violations::default();
        assert_eq!(decision_reason(false, None, &mut v), None);
        assert_eq!(
            decision_reason(true, Some(" Doublon ".into()), &mut v).as_deref(),
            Some("Doublon")
        );
        decision_reason(false, Some("é".repeat(1001)), &mut v);
        assert_eq!(v.list().len(), 1);
        assert!(
            decision_reason(true, Some("é".repeat(1000)), &mut Violations::default()).is_some()
        );
    }
}
