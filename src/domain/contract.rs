//! What makes a contract record valid, and where its commitment comes from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::codes::{ClauseType, CommitmentSource, MarketNature};
use super::commitment;
use super::cpv;
use super::numbers;
use super::standing::{Pricing, Signed};
use super::violations::Violations;

/// Longest `reference` (characters).
pub const REFERENCE_MAX: usize = 100;
/// Longest `title`.
pub const TITLE_MAX: usize = 500;
/// Longest `operation` (the free text; `operation_id` links an operation).
pub const OPERATION_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFields {
    pub buyer_id: Uuid,
    pub holder_id: Uuid,
    pub reference: String,
    pub title: String,
    pub operation: Option<String>,
    pub operation_id: Option<Uuid>,
    pub clause_type: ClauseType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Option<Decimal>,
    pub insertion_rate: Option<Decimal>,
    pub hourly_cost: Option<Decimal>,
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
    /// Eight digits, check digit dropped.
    pub cpv_code: Option<String>,
    pub market_nature: Option<MarketNature>,
    /// Whether `market_nature` was given, or follows the CPV division.
    pub market_nature_given: bool,
    pub pricing: Pricing,
    /// An `orders` contract's ceiling: its orders may not total more.
    pub max_amount_excl_tax: Option<Decimal>,
    /// Euros per insertion hour not done, the contract's penalty.
    pub penalty_per_missing_hour: Option<Decimal>,
    /// The penalty's cap, a fraction of the amount.
    pub penalty_cap_rate: Option<Decimal>,
    /// When the facilitator's end-of-contract report is due.
    pub report_due_on: Option<NaiveDate>,
}

impl ContractFields {
    /// What amendments and orders apply to (`domain::standing`).
    pub fn signed(&self) -> Signed {
        Signed {
            pricing: self.pricing,
            start_date: self.start_date,
            end_date: self.end_date,
            amount_excl_tax: self.amount_excl_tax,
            labour_share: self.labour_share,
            insertion_rate: self.insertion_rate,
            hourly_cost: self.hourly_cost,
            commitment_hours: self.commitment_hours,
            commitment_source: self.commitment_source,
        }
    }

    /// The commitment the four sizing figures give, when all are known.
    pub fn computed_commitment(&self) -> Option<Decimal> {
        commitment::compute(
            self.amount_excl_tax?,
            self.labour_share?,
            self.insertion_rate?,
            self.hourly_cost?,
        )
    }
}

const PARAMS: [&str; 4] = [
    "amount_excl_tax",
    "labour_share",
    "insertion_rate",
    "hourly_cost",
];

/// The dates a contract of this service may have: public procurement as
/// the clause knows it, and nothing a typing error makes of it.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a valid date");

/// A contract as a request gives it: the required fields may be missing,
/// and no stand-in value replaces them.
#[derive(Debug, Clone)]
pub struct ContractDraft {
    pub buyer_id: Option<Uuid>,
    pub holder_id: Option<Uuid>,
    pub reference: Option<String>,
    pub title: Option<String>,
    pub operation: Option<String>,
    pub operation_id: Option<Uuid>,
    pub clause_type: Option<ClauseType>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Option<Decimal>,
    pub insertion_rate: Option<Decimal>,
    pub hourly_cost: Option<Decimal>,
    /// The stored commitment, or the one the request gives (then
    /// `commitment_given`); computed from the sizing figures otherwise.
    pub commitment_hours: Option<Decimal>,
    pub commitment_source: CommitmentSource,
    /// As written: a check digit is accepted and dropped.
    pub cpv_code: Option<String>,
    /// Given when `market_nature_given`; derived from the CPV otherwise.
    pub market_nature: Option<MarketNature>,
    pub market_nature_given: bool,
    pub pricing: Pricing,
    pub max_amount_excl_tax: Option<Decimal>,
    pub penalty_per_missing_hour: Option<Decimal>,
    pub penalty_cap_rate: Option<Decimal>,
    pub report_due_on: Option<NaiveDate>,
}

impl From<ContractFields> for ContractDraft {
    fn from(f: ContractFields) -> Self {
        ContractDraft {
            buyer_id: Some(f.buyer_id),
            holder_id: Some(f.holder_id),
            reference: Some(f.reference),
            title: Some(f.title),
            operation: f.operation,
            operation_id: f.operation_id,
            clause_type: Some(f.clause_type),
            start_date: Some(f.start_date),
            end_date: Some(f.end_date),
            amount_excl_tax: f.amount_excl_tax,
            labour_share: f.labour_share,
            insertion_rate: f.insertion_rate,
            hourly_cost: f.hourly_cost,
            commitment_hours: Some(f.commitment_hours),
            commitment_source: f.commitment_source,
            cpv_code: f.cpv_code,
            market_nature: f.market_nature,
            market_nature_given: f.market_nature_given,
            pricing: f.pricing,
            max_amount_excl_tax: f.max_amount_excl_tax,
            penalty_per_missing_hour: f.penalty_per_missing_hour,
            penalty_cap_rate: f.penalty_cap_rate,
            report_due_on: f.report_due_on,
        }
    }
}

/// Normalises and checks the record: every required field that is absent
/// is reported and the rules run on what is present. `commitment_given`
/// says whether the request set `commitment_hours` itself; when it did not,
/// the commitment is computed from the four sizing figures (422 when one is
/// missing), unless the stored figure was given or confirmed and no figure
/// changed. The record comes back when every required field was there.
pub fn check(
    d: ContractDraft,
    commitment_given: bool,
    sizing_changed: bool,
    v: &mut Violations,
) -> Option<ContractFields> {
    let buyer_id = v.require("buyer_id", d.buyer_id);
    let holder_id = v.require("holder_id", d.holder_id);
    let reference = v
        .require("reference", d.reference)
        .map(|r| numbers::text(v, "reference", &r, REFERENCE_MAX));
    let title = v
        .require("title", d.title)
        .map(|t| numbers::text(v, "title", &t, TITLE_MAX));
    let clause_type = v.require("clause_type", d.clause_type);
    let start_date = v.require("start_date", d.start_date);
    let end_date = v.require("end_date", d.end_date);
    let operation = d
        .operation
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    numbers::at_most(v, "operation", operation.as_deref(), OPERATION_MAX);
    for (field, day) in [
        ("start_date", start_date),
        ("end_date", end_date),
        ("report_due_on", d.report_due_on),
    ] {
        if day.is_some_and(|day| !(FIRST_DAY..=LAST_DAY).contains(&day)) && !v.has(field) {
            v.add(field, format!("must be from {FIRST_DAY} to {LAST_DAY}"));
        }
    }
    if let (Some(start), Some(end)) = (start_date, end_date) {
        if end < start && !v.has("end_date") && !v.has("start_date") {
            v.add("end_date", "must be on or after start_date");
        }
    }
    let cpv = match d.cpv_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match cpv::parse(text) {
            Ok(c) => Some(c),
            Err(why) => {
                v.add("cpv_code", why);
                None
            }
        },
    };
    let market_nature_given = d.market_nature_given && d.market_nature.is_some();
    let market_nature = if market_nature_given {
        d.market_nature
    } else {
        cpv.as_ref().map(cpv::Cpv::nature)
    };
    let mut f = Sizing {
        amount_excl_tax: d.amount_excl_tax,
        labour_share: d.labour_share,
        insertion_rate: d.insertion_rate,
        hourly_cost: d.hourly_cost,
        commitment_hours: d.commitment_hours,
        commitment_source: d.commitment_source,
    };
    if let Some(a) = f.amount_excl_tax {
        numbers::check(v, "amount_excl_tax", a, numbers::amount());
    }
    if let Some(s) = f.labour_share {
        numbers::check(v, "labour_share", s, numbers::share());
    }
    if let Some(r) = f.insertion_rate {
        numbers::check(v, "insertion_rate", r, numbers::share());
    }
    if let Some(c) = f.hourly_cost {
        numbers::check(v, "hourly_cost", c, numbers::hourly_cost());
    }
    for (field, value, rule) in [
        (
            "max_amount_excl_tax",
            d.max_amount_excl_tax,
            numbers::amount(),
        ),
        (
            "penalty_per_missing_hour",
            d.penalty_per_missing_hour,
            numbers::amount(),
        ),
        ("penalty_cap_rate", d.penalty_cap_rate, numbers::share()),
    ] {
        if let Some(value) = value {
            numbers::check(v, field, value, rule);
        }
    }
    if let (Some(amount), Some(max)) = (f.amount_excl_tax, d.max_amount_excl_tax) {
        if amount > max && !v.has("amount_excl_tax") && !v.has("max_amount_excl_tax") {
            v.add(
                "amount_excl_tax",
                format!("is over max_amount_excl_tax ({max})"),
            );
        }
    }
    if d.pricing == Pricing::Orders {
        // What an orders contract owes is the sum of its orders' hours
        // (domain::standing): it has no commitment of its own to size.
        if commitment_given {
            v.add(
                "commitment_hours",
                "an orders contract owes the sum of its orders' hours: give each order's commitment_hours, or labour_share, insertion_rate and hourly_cost",
            );
        }
        f.commitment_hours = Some(Decimal::ZERO);
        f.commitment_source = CommitmentSource::Computed;
    } else if let (true, Some(given)) = (commitment_given, f.commitment_hours) {
        numbers::check(v, "commitment_hours", given, numbers::commitment_hours());
        f.commitment_source = match f.commitment_source {
            // A figure set over an estimate is the facilitator's confirmation.
            CommitmentSource::Estimated | CommitmentSource::Confirmed => {
                CommitmentSource::Confirmed
            }
            _ => CommitmentSource::Given,
        };
    } else if sizing_changed || f.commitment_source == CommitmentSource::Computed {
        let missing: Vec<&str> = PARAMS
            .iter()
            .zip([
                f.amount_excl_tax,
                f.labour_share,
                f.insertion_rate,
                f.hourly_cost,
            ])
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| *name)
            .collect();
        if PARAMS.iter().any(|p| v.has(p)) {
            // Already reported.
        } else if !missing.is_empty() {
            v.add(
                "commitment_hours",
                format!(
                    "is required unless amount_excl_tax, labour_share, insertion_rate and hourly_cost are all given (missing: {})",
                    missing.join(", ")
                ),
            );
        } else if let Some(c) = f.computed_commitment() {
            if c > numbers::max_commitment_hours() {
                v.add(
                    "commitment_hours",
                    format!(
                        "computed from these figures it would be {c}, over the most this service holds ({})",
                        numbers::max_commitment_hours()
                    ),
                );
            }
            f.commitment_hours = Some(c);
            f.commitment_source = CommitmentSource::Computed;
        } else {
            v.add("commitment_hours", "cannot be computed from these figures");
        }
    }
    Some(ContractFields {
        buyer_id: buyer_id?,
        holder_id: holder_id?,
        reference: reference?,
        title: title?,
        operation,
        operation_id: d.operation_id,
        clause_type: clause_type?,
        start_date: start_date?,
        end_date: end_date?,
        amount_excl_tax: f.amount_excl_tax,
        labour_share: f.labour_share,
        insertion_rate: f.insertion_rate,
        hourly_cost: f.hourly_cost,
        commitment_hours: f.commitment_hours?,
        commitment_source: f.commitment_source,
        cpv_code: cpv.map(|c| c.as_str().to_string()),
        market_nature,
        market_nature_given,
        pricing: d.pricing,
        max_amount_excl_tax: d.max_amount_excl_tax,
        penalty_per_missing_hour: d.penalty_per_missing_hour,
        penalty_cap_rate: d.penalty_cap_rate,
        report_due_on: d.report_due_on,
    })
}

/// What a change to a contract asks of its commitment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitmentChange {
    /// `commitment_hours` as patched: absent, set, or cleared (`Some(None)`:
    /// compute it from the sizing figures from now on).
    pub hours: Option<Option<Decimal>>,
    /// `commitment_source: confirmed`: the facilitator approves an estimate.
    pub confirm: bool,
    /// Whether one of the four sizing figures was patched.
    pub sizing_patched: bool,
}

/// How [`check`] is to treat the commitment after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    pub commitment_given: bool,
    pub sizing_changed: bool,
}

/// The commitment-source state machine of a change (DOMAIN.md): a figure
/// set is given (and confirms an estimate, in [`check`]); clearing it
/// makes the commitment computed; `confirmed` approves an estimate and
/// changes nothing else; the sizing figures recompute only a computed
/// commitment.
pub fn revise(f: &mut ContractFields, change: CommitmentChange) -> Revision {
    let cleared = matches!(change.hours, Some(None));
    if let Some(Some(hours)) = change.hours {
        f.commitment_hours = hours;
    }
    if cleared {
        f.commitment_source = CommitmentSource::Computed;
    }
    if change.confirm && f.commitment_source == CommitmentSource::Estimated {
        f.commitment_source = CommitmentSource::Confirmed;
    }
    Revision {
        commitment_given: matches!(change.hours, Some(Some(_))),
        sizing_changed: (change.sizing_patched || cleared)
            && f.commitment_source == CommitmentSource::Computed,
    }
}

/// The figures a commitment is sized from, and the commitment.
struct Sizing {
    amount_excl_tax: Option<Decimal>,
    labour_share: Option<Decimal>,
    insertion_rate: Option<Decimal>,
    hourly_cost: Option<Decimal>,
    commitment_hours: Option<Decimal>,
    commitment_source: CommitmentSource,
}

impl Sizing {
    fn computed_commitment(&self) -> Option<Decimal> {
        commitment::compute(
            self.amount_excl_tax?,
            self.labour_share?,
            self.insertion_rate?,
            self.hourly_cost?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn base() -> ContractFields {
        ContractFields {
            buyer_id: Uuid::nil(),
            holder_id: Uuid::nil(),
            reference: " 2019-TX-01 ".into(),
            title: "Rénovation".into(),
            operation: Some("  ".into()),
            operation_id: None,
            clause_type: ClauseType::ExecutionCondition,
            start_date: NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2020, 12, 31).unwrap(),
            amount_excl_tax: Some(dec!(1000000)),
            labour_share: Some(dec!(0.40)),
            insertion_rate: Some(dec!(0.05)),
            hourly_cost: Some(dec!(25)),
            commitment_hours: Decimal::ZERO,
            commitment_source: CommitmentSource::Computed,
            cpv_code: None,
            market_nature: None,
            market_nature_given: false,
            pricing: Pricing::LumpSum,
            max_amount_excl_tax: None,
            penalty_per_missing_hour: None,
            penalty_cap_rate: None,
            report_due_on: None,
        }
    }

    #[test]
    fn computes_when_absent() {
        let mut v = Violations::default();
        let f = check(base().into(), false, true, &mut v).unwrap();
        assert!(v.finish().is_ok());
        assert_eq!(f.commitment_hours, dec!(800));
        assert_eq!(f.commitment_source, CommitmentSource::Computed);
        assert_eq!(f.reference, "2019-TX-01");
        assert_eq!(f.operation, None);
    }

    #[test]
    fn given_figure_wins_and_estimate_becomes_confirmed() {
        let mut v = Violations::default();
        let mut b = base();
        b.commitment_hours = dec!(1200.5);
        let f = check(b.clone().into(), true, true, &mut v).unwrap();
        assert_eq!(f.commitment_hours, dec!(1200.5));
        assert_eq!(f.commitment_source, CommitmentSource::Given);
        b.commitment_source = CommitmentSource::Estimated;
        let f = check(b.into(), true, false, &mut v).unwrap();
        assert_eq!(f.commitment_source, CommitmentSource::Confirmed);
        assert!(v.finish().is_ok());
    }

    #[test]
    fn an_orders_contract_owes_its_orders_and_sizes_nothing_itself() {
        let mut v = Violations::default();
        let mut b = base();
        b.pricing = Pricing::Orders;
        b.amount_excl_tax = None;
        b.hourly_cost = None;
        let f = check(b.clone().into(), false, true, &mut v).unwrap();
        assert!(v.list().is_empty());
        assert_eq!(f.commitment_hours, Decimal::ZERO);
        assert_eq!(f.commitment_source, CommitmentSource::Computed);
        b.commitment_hours = dec!(120);
        b.max_amount_excl_tax = Some(dec!(100));
        b.amount_excl_tax = Some(dec!(200));
        check(b.into(), true, true, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount_excl_tax", "commitment_hours"]);
    }

    #[test]
    fn neither_figure_nor_sizing_is_refused() {
        let mut v = Violations::default();
        let mut b = base();
        b.hourly_cost = None;
        b.labour_share = None;
        check(b.into(), false, true, &mut v);
        let e = &v.list()[0];
        assert_eq!(e.field, "commitment_hours");
        assert!(e.message.contains("labour_share, hourly_cost"));
    }

    #[test]
    fn bad_values_are_all_named() {
        let mut v = Violations::default();
        let mut b = base();
        b.end_date = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap();
        b.labour_share = Some(dec!(1.5));
        b.insertion_rate = Some(dec!(0.12345));
        b.amount_excl_tax = Some(dec!(-1));
        b.title = "".into();
        check(b.into(), false, true, &mut v);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "end_date",
                "amount_excl_tax",
                "labour_share",
                "insertion_rate"
            ]
        );
    }

    #[test]
    fn missing_fields_are_reported_and_the_commitment_still_sized() {
        let mut v = Violations::default();
        let draft = ContractDraft {
            buyer_id: None,
            holder_id: None,
            reference: None,
            title: Some(" ".into()),
            operation: None,
            operation_id: None,
            clause_type: None,
            start_date: None,
            end_date: NaiveDate::from_ymd_opt(1999, 12, 31),
            amount_excl_tax: Some(dec!(1000)),
            labour_share: None,
            insertion_rate: None,
            hourly_cost: None,
            commitment_hours: None,
            commitment_source: CommitmentSource::Given,
            cpv_code: None,
            market_nature: None,
            market_nature_given: false,
            pricing: Pricing::LumpSum,
            max_amount_excl_tax: None,
            penalty_per_missing_hour: None,
            penalty_cap_rate: None,
            report_due_on: None,
        };
        assert_eq!(check(draft, false, true, &mut v), None);
        let fields: Vec<_> = v.list().iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "buyer_id",
                "holder_id",
                "reference",
                "title",
                "clause_type",
                "start_date",
                "end_date",
                "commitment_hours"
            ]
        );
    }

    #[test]
    fn market_nature_is_derived_from_the_cpv_unless_given() {
        let mut v = Violations::default();
        let mut d: ContractDraft = base().into();
        d.cpv_code = Some("45210000-2".into());
        let f = check(d.clone(), false, true, &mut v).unwrap();
        assert_eq!(f.cpv_code.as_deref(), Some("45210000"));
        assert_eq!(f.market_nature, Some(MarketNature::Works));
        assert!(!f.market_nature_given);
        d.market_nature = Some(MarketNature::Services);
        d.market_nature_given = true;
        let f = check(d.clone(), false, true, &mut v).unwrap();
        assert_eq!(f.market_nature, Some(MarketNature::Services));
        assert!(f.market_nature_given);
        // A derived nature follows a new code; without a code there is none.
        let mut back: ContractDraft = f.into();
        back.market_nature_given = false;
        back.cpv_code = Some("90910000".into());
        let f = check(back.clone(), false, true, &mut v).unwrap();
        assert_eq!(f.market_nature, Some(MarketNature::Services));
        back.cpv_code = None;
        let f = check(back, false, true, &mut v).unwrap();
        assert_eq!(f.market_nature, None);
        assert!(v.finish().is_ok());
        let mut d: ContractDraft = base().into();
        d.cpv_code = Some("47000000".into());
        let mut v = Violations::default();
        check(d, false, true, &mut v);
        assert_eq!(v.list()[0].field, "cpv_code");
    }

    #[test]
    fn the_commitment_source_follows_each_change() {
        use CommitmentSource::*;
        let change = |hours, confirm, sizing_patched| CommitmentChange {
            hours,
            confirm,
            sizing_patched,
        };
        // (source before, change) -> (source after, given, sizing changed)
        let cases = [
            (
                Estimated,
                change(None, true, false),
                (Confirmed, false, false),
            ),
            (Given, change(None, true, false), (Given, false, false)),
            (
                Computed,
                change(None, true, false),
                (Computed, false, false),
            ),
            (
                Given,
                change(Some(None), false, false),
                (Computed, false, true),
            ),
            (
                Confirmed,
                change(Some(None), false, false),
                (Computed, false, true),
            ),
            (Computed, change(None, false, true), (Computed, false, true)),
            (Given, change(None, false, true), (Given, false, false)),
            (
                Estimated,
                change(Some(Some(dec!(10))), false, false),
                (Estimated, true, false),
            ),
        ];
        for (before, c, (after, given, sizing)) in cases {
            let mut f = base();
            f.commitment_source = before;
            let r = revise(&mut f, c);
            assert_eq!(
                (f.commitment_source, r.commitment_given, r.sizing_changed),
                (after, given, sizing),
                "{before:?} {c:?}"
            );
        }
        // A figure given over an estimate ends confirmed once checked.
        let mut f = base();
        f.commitment_source = Estimated;
        let r = revise(&mut f, change(Some(Some(dec!(10))), false, false));
        let mut v = Violations::default();
        let f = check(f.into(), r.commitment_given, r.sizing_changed, &mut v).unwrap();
        assert_eq!(
            (f.commitment_source, f.commitment_hours),
            (Confirmed, dec!(10))
        );
    }
}
