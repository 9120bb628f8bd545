//! What became of a person after a placement (API.md, "Outcomes"): the
//! situation on leaving, its group, and the follow-up six months on.

use chrono::{Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::codes::code_enum;
use super::violations::Violations;

code_enum! {
    /// A person's situation on leaving a placement, or at the follow-up.
    Situation {
        PermanentJob => "permanent_job",
        FixedTerm6MonthsPlus => "fixed_term_6_months_plus",
        BusinessCreation => "business_creation",
        FixedTermShort => "fixed_term_short",
        SubsidisedJob => "subsidised_job",
        OtherSiae => "other_siae",
        QualifyingTraining => "qualifying_training",
        OtherTraining => "other_training",
        JobSeeking => "job_seeking",
        Inactive => "inactive",
        Unknown => "unknown",
    }
}

code_enum! {
    /// What the State counts a situation as: the first three are "dynamic exits".
    OutcomeGroup {
        DurableEmployment => "durable_employment",
        TransitionalEmployment => "transitional_employment",
        PositiveExit => "positive_exit",
        Other => "other",
        Unknown => "unknown",
    }
}

impl Situation {
    pub fn group(self) -> OutcomeGroup {
        use Situation::*;
        match self {
            PermanentJob | FixedTerm6MonthsPlus | BusinessCreation => {
                OutcomeGroup::DurableEmployment
            }
            FixedTermShort | SubsidisedJob => OutcomeGroup::TransitionalEmployment,
            OtherSiae | QualifyingTraining | OtherTraining => OutcomeGroup::PositiveExit,
            JobSeeking | Inactive => OutcomeGroup::Other,
            Unknown => OutcomeGroup::Unknown,
        }
    }
}

/// The earliest day a follow-up may be observed: six calendar months after
/// the placement's end (2019-06-30 gives 2019-12-30; a day the month lacks
/// is its last).
pub fn earliest_follow_up(end: NaiveDate) -> NaiveDate {
    end.checked_add_months(Months::new(6))
        .unwrap_or(NaiveDate::MAX)
}

/// Checks an outcome against its placement's end (`None` while open) and
/// today: only an ended placement has one, and a follow-up is observed six
/// calendar months on or later, not in the future.
pub fn check(
    placement_end: Option<NaiveDate>,
    follow_up_observed_on: Option<NaiveDate>,
    today: NaiveDate,
    v: &mut Violations,
) {
    let Some(end) = placement_end else {
        v.add(
            "situation",
            "only a placement that has ended (it has an end_date) may have an outcome",
        );
        return;
    };
    if let Some(day) = follow_up_observed_on {
        let earliest = earliest_follow_up(end);
        if day < earliest {
            v.add(
                "follow_up.observed_on",
                format!("must be six months after the placement's end or later: {earliest} at the earliest"),
            );
        } else if day > today {
            v.add("follow_up.observed_on", "must not be in the future");
        }
    }
}

/// The share of "dynamic exits" (durable employment, transitional
/// employment, positive exits) among the outcomes known, rounded half-up to
/// four decimals; none when no outcome is known.
pub fn dynamic_exit_rate(dynamic: i64, with_outcome: i64) -> Option<Decimal> {
    if with_outcome <= 0 {
        return None;
    }
    (Decimal::from(dynamic) / Decimal::from(with_outcome))
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .into()
}

impl OutcomeGroup {
    /// Whether the State counts it as a dynamic exit.
    pub fn is_dynamic(self) -> bool {
        matches!(
            self,
            OutcomeGroup::DurableEmployment
                | OutcomeGroup::TransitionalEmployment
                | OutcomeGroup::PositiveExit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_situation_has_the_group_of_api_md() {
        use OutcomeGroup::*;
        let durable = [
            Situation::PermanentJob,
            Situation::FixedTerm6MonthsPlus,
            Situation::BusinessCreation,
        ];
        for s in durable {
            assert_eq!(s.group(), DurableEmployment);
        }
        assert_eq!(Situation::FixedTermShort.group(), TransitionalEmployment);
        assert_eq!(Situation::SubsidisedJob.group(), TransitionalEmployment);
        for s in [
            Situation::OtherSiae,
            Situation::QualifyingTraining,
            Situation::OtherTraining,
        ] {
            assert_eq!(s.group(), PositiveExit);
        }
        assert_eq!(Situation::JobSeeking.group(), Other);
        assert_eq!(Situation::Inactive.group(), Other);
        assert_eq!(Situation::Unknown.group(), Unknown);
    }

    #[test]
    fn the_follow_up_is_six_calendar_months_on_and_not_in_the_future() {
        assert_eq!(earliest_follow_up(d("2019-06-30")), d("2019-12-30"));
        assert_eq!(earliest_follow_up(d("2019-08-31")), d("2020-02-29"));
        let today = d("2020-03-01");
        let fields = |end: Option<&str>, day: Option<&str>| {
            let mut v = Violations::default();
            check(end.map(d), day.map(d), today, &mut v);
            v.list().iter().map(|e| e.field.clone()).collect::<Vec<_>>()
        };
        assert_eq!(fields(None, None), ["situation"]);
        assert!(fields(Some("2019-06-30"), None).is_empty());
        assert!(fields(Some("2019-06-30"), Some("2019-12-30")).is_empty());
        assert_eq!(
            fields(Some("2019-06-30"), Some("2019-12-29")),
            ["follow_up.observed_on"]
        );
        assert_eq!(
            fields(Some("2019-06-30"), Some("2020-03-02")),
            ["follow_up.observed_on"]
        );
        assert!(fields(Some("2019-06-30"), Some("2020-03-01")).is_empty());
    }

    #[test]
    fn the_dynamic_exit_rate_rounds_half_up_to_four_decimals() {
        use rust_decimal_macros::dec;
        assert_eq!(dynamic_exit_rate(2, 3), Some(dec!(0.6667)));
        assert_eq!(dynamic_exit_rate(1, 8), Some(dec!(0.125)));
        // 1 / 32 = 0.03125: half-up, not to even.
        assert_eq!(dynamic_exit_rate(1, 32), Some(dec!(0.0313)));
        assert_eq!(dynamic_exit_rate(0, 5), Some(dec!(0)));
        assert_eq!(dynamic_exit_rate(5, 5), Some(dec!(1)));
        assert_eq!(dynamic_exit_rate(0, 0), None);
        assert!(OutcomeGroup::PositiveExit.is_dynamic());
        assert!(!OutcomeGroup::Other.is_dynamic() && !OutcomeGroup::Unknown.is_dynamic());
    }
}
