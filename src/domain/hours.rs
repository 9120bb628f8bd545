//! One judge for a month's hours. A declaration (one month or a line of a
//! statement) and a decision (one month or a line of a bulk decision) are
//! judged here, whatever path they came by: the month as it is recorded,
//! what is asked and who asks give the new state or the refusal with its
//! field. The paths only read the months and write what the judge says.

use rust_decimal::Decimal;

use super::calendar::Month;
use super::codes::{Decision, HoursStatus};
use super::placement::{check_month, WorkSpan};
use super::violations::{FieldError, Invalid, Violations};

/// A month as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub status: HoursStatus,
    pub worked: Decimal,
    pub training: Decimal,
    pub reason: Option<String>,
    pub version: i32,
}

/// Who declares a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declarer {
    /// Figures the facilitator gives are validated at once.
    Facilitator,
    /// A company's wait for the facilitator, and never replace a
    /// validated month.
    Company,
}

impl Declarer {
    /// The status a month it declares takes.
    pub fn status(self) -> HoursStatus {
        match self {
            Declarer::Facilitator => HoursStatus::Validated,
            Declarer::Company => HoursStatus::Declared,
        }
    }
}

/// A month's hours as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    pub month: Month,
    pub worked: Decimal,
    pub training: Decimal,
}

/// What a declaration does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// A new month, of this status.
    Create(HoursStatus),
    /// The month's figures replaced, now of this status (its reason and
    /// decision cleared).
    Replace(HoursStatus),
    /// The same figures and status: nothing to write.
    Unchanged,
}

/// Why a declaration or a decision is refused: invalid values (422), or a
/// request that conflicts with the month as it is (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(Vec<FieldError>),
    Conflict(FieldError),
}

impl Refusal {
    /// The errors of the refusal, for a line of a bulk request.
    pub fn errors(self) -> Vec<FieldError> {
        match self {
            Refusal::Invalid(errors) => errors,
            Refusal::Conflict(e) => vec![e],
        }
    }
}

/// Judges a declaration of `d` by `by` on a placement of `span`, the month
/// being `current` (none when nothing is recorded yet).
pub fn declare(
    current: Option<&Recorded>,
    d: &Declaration,
    span: &WorkSpan,
    by: Declarer,
) -> Result<Declared, Refusal> {
    let mut v = Violations::default();
    check_month(d.month, span, d.worked, d.training, &mut v);
    if let Err(Invalid(errors)) = v.finish() {
        return Err(Refusal::Invalid(errors));
    }
    let status = by.status();
    let Some(c) = current else {
        return Ok(Declared::Create(status));
    };
    if c.status == HoursStatus::Validated && by == Declarer::Company {
        return Err(Refusal::Conflict(FieldError::new(
            "month",
            format!(
                "{} is validated: only the facilitator can change it now",
                d.month
            ),
        )));
    }
    if c.worked == d.worked && c.training == d.training && c.status == status {
        return Ok(Declared::Unchanged);
    }
    Ok(Declared::Replace(status))
}

/// The facilitator's decision on a month; `reason` already checked
/// ([`super::placement::decision_reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    pub decision: Decision,
    pub reason: Option<String>,
    /// When given, the month's version the decision was made on.
    pub version: Option<i32>,
}

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// The month already has that decision (and reason): nothing to write,
    /// whatever the version says, so a replay changes nothing.
    Unchanged,
    /// The month takes this status and reason (a validation has none).
    Apply {
        status: HoursStatus,
        reason: Option<String>,
    },
}

/// Judges a decision on the month `current`. A stale `version` is judged
/// only for a decision that would change the month.
pub fn decide(current: &Recorded, request: &DecisionRequest) -> Result<Decided, Refusal> {
    let (status, reason) = match request.decision {
        Decision::Validated => (HoursStatus::Validated, None),
        Decision::Rejected => (HoursStatus::Rejected, request.reason.clone()),
    };
    if current.status == status && current.reason == reason {
        return Ok(Decided::Unchanged);
    }
    if let Some(v) = request.version.filter(|v| *v != current.version) {
        return Err(Refusal::Invalid(vec![FieldError::new(
            "version",
            format!(
                "the month is at version {} (not {v}): it changed since it was read; read it again",
                current.version
            ),
        )]));
    }
    Ok(Decided::Apply { status, reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn span() -> WorkSpan {
        WorkSpan {
            start: d("2019-01-07"),
            end: None,
            contract_end: d("2020-12-31"),
            today: d("2026-12-06"),
        }
    }

    fn month(s: &str, worked: Decimal) -> Declaration {
        Declaration {
            month: Month::parse(s).unwrap(),
            worked,
            training: dec!(0),
        }
    }

    fn recorded(status: HoursStatus, worked: Decimal) -> Recorded {
        Recorded {
            status,
            worked,
            training: dec!(0),
            reason: (status == HoursStatus::Rejected).then(|| "Doublon".to_string()),
            version: 3,
        }
    }

    fn fields(r: Result<impl std::fmt::Debug, Refusal>) -> Vec<String> {
        match r {
            Err(Refusal::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            Err(Refusal::Conflict(e)) => vec![format!("409 {}", e.field)],
            Ok(x) => panic!("accepted: {x:?}"),
        }
    }

    #[test]
    fn a_new_month_takes_its_declarers_status() {
        let m = month("2019-03", dec!(120));
        assert_eq!(
            declare(None, &m, &span(), Declarer::Company),
            Ok(Declared::Create(HoursStatus::Declared))
        );
        assert_eq!(
            declare(None, &m, &span(), Declarer::Facilitator),
            Ok(Declared::Create(HoursStatus::Validated))
        );
    }

    #[test]
    fn every_status_met_by_every_declarer() {
        use super::Declared as Does;
        use Declarer::*;
        use HoursStatus::*;
        let same = month("2019-03", dec!(120));
        let other = month("2019-03", dec!(100));
        for (status, by, same_figures, other_figures) in [
            (Declared, Company, Does::Unchanged, Does::Replace(Declared)),
            (
                Declared,
                Facilitator,
                Does::Replace(Validated),
                Does::Replace(Validated),
            ),
            (
                Rejected,
                Company,
                Does::Replace(Declared),
                Does::Replace(Declared),
            ),
            (
                Rejected,
                Facilitator,
                Does::Replace(Validated),
                Does::Replace(Validated),
            ),
            (
                Validated,
                Facilitator,
                Does::Unchanged,
                Does::Replace(Validated),
            ),
        ] {
            let c = recorded(status, dec!(120));
            assert_eq!(
                declare(Some(&c), &same, &span(), by),
                Ok(same_figures),
                "{status} {by:?}"
            );
            assert_eq!(
                declare(Some(&c), &other, &span(), by),
                Ok(other_figures),
                "{status} {by:?}"
            );
        }
        // A company never replaces a validated month, even with its figures.
        let c = recorded(Validated, dec!(120));
        for m in [&same, &other] {
            assert_eq!(
                fields(declare(Some(&c), m, &span(), Company)),
                ["409 month"]
            );
        }
    }

    #[test]
    fn invalid_values_are_refused_before_the_month_is_looked_at() {
        let c = recorded(HoursStatus::Validated, dec!(120));
        for by in [Declarer::Company, Declarer::Facilitator] {
            assert_eq!(
                fields(declare(Some(&c), &month("2021-01", dec!(1)), &span(), by)),
                ["month"]
            );
            assert_eq!(
                fields(declare(None, &month("2018-12", dec!(1)), &span(), by)),
                ["month"]
            );
            assert_eq!(
                fields(declare(None, &month("2019-03", dec!(-1)), &span(), by)),
                ["worked_hours"]
            );
            assert_eq!(
                fields(declare(None, &month("2019-03", dec!(300)), &span(), by)),
                ["worked_hours"]
            );
            assert_eq!(
                fields(declare(None, &month("2027-01", dec!(1)), &span(), by)),
                ["month"]
            );
        }
    }

    fn request(decision: Decision, reason: Option<&str>, version: Option<i32>) -> DecisionRequest {
        DecisionRequest {
            decision,
            reason: reason.map(str::to_string),
            version,
        }
    }

    #[test]
    fn decisions_from_every_status() {
        use HoursStatus::*;
        let validate = request(Decision::Validated, None, None);
        let reject = request(Decision::Rejected, Some("Doublon"), None);
        let reject_other = request(Decision::Rejected, Some("Heures en trop"), None);
        for status in [Declared, Validated, Rejected] {
            let c = recorded(status, dec!(120));
            let expect_validate = if status == Validated {
                Decided::Unchanged
            } else {
                Decided::Apply {
                    status: Validated,
                    reason: None,
                }
            };
            assert_eq!(decide(&c, &validate), Ok(expect_validate), "{status}");
            let expect_reject = if status == Rejected {
                Decided::Unchanged
            } else {
                Decided::Apply {
                    status: Rejected,
                    reason: Some("Doublon".into()),
                }
            };
            assert_eq!(decide(&c, &reject), Ok(expect_reject), "{status}");
            // Another reason is a change, even on a rejected month.
            assert_eq!(
                decide(&c, &reject_other),
                Ok(Decided::Apply {
                    status: Rejected,
                    reason: Some("Heures en trop".into())
                })
            );
        }
    }

    #[test]
    fn a_stale_version_is_refused_only_for_a_change() {
        let c = recorded(HoursStatus::Declared, dec!(120));
        let stale = request(Decision::Validated, None, Some(2));
        assert_eq!(fields(decide(&c, &stale)), ["version"]);
        let current = request(Decision::Validated, None, Some(3));
        assert!(matches!(decide(&c, &current), Ok(Decided::Apply { .. })));
        // A replay of what the month already says is unchanged, whatever
        // version it names.
        let done = recorded(HoursStatus::Validated, dec!(120));
        assert_eq!(decide(&done, &stale), Ok(Decided::Unchanged));
    }
}
