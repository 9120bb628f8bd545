//! What makes an offer valid, and the life of a proposal on it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::numbers;
use super::person::is_postal_code;
use super::violations::Violations;

crate::domain::codes::code_enum! {
    /// The employment contract an offer is for.
    ContractType {
        Cdi => "cdi",
        Cdd => "cdd",
        /// Contrat à durée déterminée d'insertion (SIAE).
        Cddi => "cddi",
        Temporary => "temporary",
        Apprenticeship => "apprenticeship",
        Professionalisation => "professionalisation",
        Other => "other",
    }
}

crate::domain::codes::code_enum! {
    /// Whether an offer takes proposals.
    OfferStatus {
        Open => "open",
        Filled => "filled",
        Closed => "closed",
    }
}

crate::domain::codes::code_enum! {
    /// Where a proposal stands: `proposed → interview → hired | declined`,
    /// `proposed → hired | declined`, `withdrawn` from `proposed` or
    /// `interview`.
    ProposalStatus {
        Proposed => "proposed",
        Interview => "interview",
        Hired => "hired",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
}

pub const DESCRIPTION_MAX: usize = 4000;
pub const URL_MAX: usize = 2000;
pub const POSITIONS_MAX: i32 = 10_000;
/// Longest `note` of a proposal.
pub const NOTE_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFields {
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub job_title: String,
    pub contract_type: ContractType,
    pub hours_per_week: Decimal,
    pub positions: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub postal_code: String,
    pub description: Option<String>,
    pub qpv_priority: bool,
    pub external_url: Option<String>,
    pub status: OfferStatus,
}

/// An offer as a request gives it.
#[derive(Debug, Clone, Default)]
pub struct OfferDraft {
    pub contract_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
    pub job_title: Option<String>,
    pub contract_type: Option<ContractType>,
    pub hours_per_week: Option<Decimal>,
    pub positions: Option<i32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub postal_code: Option<String>,
    pub description: Option<String>,
    pub qpv_priority: Option<bool>,
    pub external_url: Option<String>,
    pub status: Option<OfferStatus>,
}

impl From<OfferFields> for OfferDraft {
    fn from(f: OfferFields) -> Self {
        OfferDraft {
            contract_id: Some(f.contract_id),
            employer_id: Some(f.employer_id),
            job_title: Some(f.job_title),
            contract_type: Some(f.contract_type),
            hours_per_week: Some(f.hours_per_week),
            positions: Some(f.positions),
            start_date: Some(f.start_date),
            end_date: f.end_date,
            postal_code: Some(f.postal_code),
            description: f.description,
            qpv_priority: Some(f.qpv_priority),
            external_url: f.external_url,
            status: Some(f.status),
        }
    }
}

/// What the checks need from the database: the contract's dates and how
/// many have been hired.
#[derive(Debug, Clone, Copy)]
pub struct OfferContext {
    pub contract_start: NaiveDate,
    pub contract_end: NaiveDate,
    pub hired: i32,
}

/// Normalises and checks an offer; every fault noted.
pub fn check(d: OfferDraft, ctx: Option<&OfferContext>, v: &mut Violations) -> Option<OfferFields> {
    let contract_id = v.require("contract_id", d.contract_id);
    let employer_id = v.require("employer_id", d.employer_id);
    let job_title = v
        .require("job_title", d.job_title)
        .map(|t| numbers::text(v, "job_title", &t, super::placement::JOB_TITLE_MAX));
    let contract_type = v.require("contract_type", d.contract_type);
    let hours_per_week = v.require("hours_per_week", d.hours_per_week);
    if let Some(h) = hours_per_week {
        numbers::check(v, "hours_per_week", h, numbers::weekly_hours());
    }
    let positions = d.positions.unwrap_or(1);
    if !(1..=POSITIONS_MAX).contains(&positions) {
        v.add("positions", format!("must be from 1 to {POSITIONS_MAX}"));
    } else if ctx.is_some_and(|c| positions < c.hired) {
        v.add(
            "positions",
            format!(
                "must be at least the {} already hired",
                ctx.map_or(0, |c| c.hired)
            ),
        );
    }
    let start_date = v.require("start_date", d.start_date);
    if let (Some(start), Some(c)) = (start_date, ctx) {
        if !(c.contract_start..=c.contract_end).contains(&start) {
            v.add(
                "start_date",
                format!(
                    "must be within the contract's dates ({} to {})",
                    c.contract_start, c.contract_end
                ),
            );
        }
    }
    if let (Some(start), Some(end)) = (start_date, d.end_date) {
        if end < start && !v.has("start_date") {
            v.add("end_date", "must be on or after start_date");
        }
    }
    let postal_code = v
        .require("postal_code", d.postal_code)
        .map(|c| c.trim().to_string());
    if postal_code.as_deref().is_some_and(|c| !is_postal_code(c)) {
        v.add("postal_code", "must be 5 digits");
    }
    let description = d
        .description
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    numbers::at_most(v, "description", description.as_deref(), DESCRIPTION_MAX);
    let external_url = d
        .external_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(u) = &external_url {
        if !is_https_url(u) {
            v.add(
                "external_url",
                format!("must be an https:// address of at most {URL_MAX} characters"),
            );
        }
    }
    Some(OfferFields {
        contract_id: contract_id?,
        employer_id: employer_id?,
        job_title: job_title?,
        contract_type: contract_type?,
        hours_per_week: hours_per_week?,
        positions,
        start_date: start_date?,
        end_date: d.end_date,
        postal_code: postal_code?,
        description,
        qpv_priority: d.qpv_priority.unwrap_or(false),
        external_url,
        status: d.status.unwrap_or(OfferStatus::Open),
    })
}

/// `https://` followed by a host, no spaces or control characters.
fn is_https_url(u: &str) -> bool {
    u.len() <= URL_MAX
        && u.strip_prefix("https://").is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && host.contains('.')
        })
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Who asks for a transition, as the rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub facilitator: bool,
    /// The offer's employer or the contract's holder.
    pub employer: bool,
    /// Whoever proposed the person.
    pub proposer: bool,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This caller may never make it (403).
    NotYours,
    /// Not from the proposal's current status (409).
    NotFromHere,
}

/// The transitions of API.md: the employer (or holder) and the
/// facilitator set `interview`, `hired`, `declined`; whoever proposed, and
/// the facilitator, withdraw. Who is checked before where from: a role
/// that never may answers the same whatever the status.
pub fn transition(from: ProposalStatus, to: ProposalStatus, who: Actor) -> Result<(), Refusal> {
    use ProposalStatus::*;
    let allowed_actor = match to {
        Interview | Hired | Declined => who.facilitator || who.employer,
        Withdrawn => who.facilitator || who.proposer,
        Proposed => who.facilitator || who.employer || who.proposer,
    };
    if !allowed_actor {
        return Err(Refusal::NotYours);
    }
    let allowed = matches!(
        (from, to),
        (Proposed, Interview)
            | (Proposed | Interview, Hired)
            | (Proposed | Interview, Declined)
            | (Proposed | Interview, Withdrawn)
    );
    if allowed {
        Ok(())
    } else {
        Err(Refusal::NotFromHere)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use ProposalStatus::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn draft() -> OfferDraft {
        OfferDraft {
            contract_id: Some(Uuid::nil()),
            employer_id: Some(Uuid::nil()),
            job_title: Some(" Maçon ".into()),
            contract_type: Some(ContractType::Cddi),
            hours_per_week: Some(dec!(35)),
            positions: None,
            start_date: Some(day("2026-01-05")),
            end_date: None,
            postal_code: Some("91100".into()),
            description: Some("  ".into()),
            qpv_priority: None,
            external_url: None,
            status: None,
        }
    }

    const CTX: OfferContext = OfferContext {
        contract_start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        contract_end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        hired: 0,
    };

    #[test]
    fn defaults_and_normalisation() {
        let mut v = Violations::default();
        let f = check(draft(), Some(&CTX), &mut v).unwrap();
        assert!(v.finish().is_ok());
        assert_eq!(f.job_title, "Maçon");
        assert_eq!(f.positions, 1);
        assert_eq!(f.status, OfferStatus::Open);
        assert!(!f.qpv_priority);
        assert_eq!(f.description, None);
    }

    #[test]
    fn every_fault_is_named() {
        let mut v = Violations::default();
        let mut d = draft();
        d.hours_per_week = Some(dec!(48.5));
        d.positions = Some(0);
        d.start_date = Some(day("2024-12-31"));
        d.postal_code = Some("9110".into());
        d.description = Some("x".repeat(4001));
        d.external_url = Some("http://example.org".into());
        check(d, Some(&CTX), &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "hours_per_week",
                "positions",
                "start_date",
                "postal_code",
                "description",
                "external_url"
            ]
        );
        let mut v = Violations::default();
        let mut d = draft();
        d.positions = Some(1);
        check(d, Some(&OfferContext { hired: 2, ..CTX }), &mut v);
        assert_eq!(v.list()[0].field, "positions");
    }

    #[test]
    fn urls() {
        assert!(is_https_url(
            "https://emplois.inclusion.beta.gouv.fr/offre/12"
        ));
        assert!(!is_https_url("https://"));
        assert!(!is_https_url("https://localhost"));
        assert!(!is_https_url("https://a.fr/x y"));
        assert!(!is_https_url("javascript:alert(1)"));
    }

    #[test]
    fn transitions_by_status_and_actor() {
        let employer = Actor {
            facilitator: false,
            employer: true,
            proposer: false,
        };
        let proposer = Actor {
            facilitator: false,
            employer: false,
            proposer: true,
        };
        let facilitator = Actor {
            facilitator: true,
            employer: false,
            proposer: false,
        };
        assert_eq!(transition(Proposed, Interview, employer), Ok(()));
        assert_eq!(transition(Interview, Hired, employer), Ok(()));
        assert_eq!(transition(Proposed, Hired, facilitator), Ok(()));
        assert_eq!(transition(Interview, Declined, employer), Ok(()));
        assert_eq!(transition(Interview, Withdrawn, proposer), Ok(()));
        assert_eq!(transition(Proposed, Withdrawn, facilitator), Ok(()));
        assert_eq!(
            transition(Proposed, Interview, proposer),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            transition(Proposed, Withdrawn, employer),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            transition(Interview, Interview, employer),
            Err(Refusal::NotFromHere)
        );
        for end in [Hired, Declined, Withdrawn] {
            for to in [Proposed, Interview, Hired, Declined, Withdrawn] {
                assert_eq!(transition(end, to, facilitator), Err(Refusal::NotFromHere));
            }
        }
    }
}
