//! The limits a request's fields obey, stated in the document from the
//! domain's own definitions: the checks and the schema read the same
//! constant, so a form generated from the schema refuses exactly what the
//! service refuses, and a limit changed in `domain` changes the document
//! (the drift test then asks for the committed file to follow).
//! `utoipa`'s attributes take only literals, hence this modifier.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{Modify, Number};

use crate::api::hours::{decisions, statements};
use crate::domain::numbers::{self, Bound, Rule};
use crate::domain::{contract, life, offer, operation, organisation, person, placement, territory};

/// What a field's schema states.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// `maxLength`, in characters.
    Chars(usize),
    /// `maxItems`.
    Items(usize),
    /// The decimals (in the description) and the bounds.
    Decimal(Rule),
    /// `minimum`, `maximum` of a whole number.
    Whole(i64, i64),
    /// The decimals only: a figure the service computes, to this many
    /// decimals (hours and euros to the hundredth).
    Places(u32),
}

use Limit::{Chars, Items, Places, Whole};

/// Every bounded field of every request schema, then the decimals of the
/// answers. The PATCH schemas take their creation's (`PatchLimits`).
pub fn table() -> Vec<(&'static str, &'static str, Limit)> {
    let decimal = Limit::Decimal;
    let hundredths = Places(numbers::HUNDREDTHS);
    let rate = Places(numbers::RATE_DECIMALS);
    vec![
        ("NewBeneficiary", "last_name", Chars(person::NAME_MAX)),
        ("NewBeneficiary", "first_name", Chars(person::NAME_MAX)),
        (
            "NewBeneficiary",
            "eligibility_reason",
            Chars(person::ELIGIBILITY_REASON_MAX),
        ),
        ("NewContract", "reference", Chars(contract::REFERENCE_MAX)),
        ("NewContract", "title", Chars(contract::TITLE_MAX)),
        ("NewContract", "operation", Chars(contract::OPERATION_MAX)),
        ("NewContract", "amount_excl_tax", decimal(numbers::amount())),
        ("NewContract", "labour_share", decimal(numbers::share())),
        ("NewContract", "insertion_rate", decimal(numbers::share())),
        (
            "NewContract",
            "hourly_cost",
            decimal(numbers::hourly_cost()),
        ),
        (
            "NewContract",
            "commitment_hours",
            decimal(numbers::commitment_hours()),
        ),
        (
            "NewContract",
            "max_amount_excl_tax",
            decimal(numbers::amount()),
        ),
        (
            "NewContract",
            "penalty_per_missing_hour",
            decimal(numbers::amount()),
        ),
        ("NewContract", "penalty_cap_rate", decimal(numbers::share())),
        ("NewOrder", "reference", Chars(contract::REFERENCE_MAX)),
        ("NewOrder", "amount_excl_tax", decimal(numbers::amount())),
        (
            "NewOrder",
            "commitment_hours",
            decimal(numbers::commitment_hours()),
        ),
        (
            "NewAmendment",
            "reference",
            Chars(life::AMENDMENT_REFERENCE_MAX),
        ),
        ("NewAmendment", "reason", Chars(life::REASON_MAX)),
        (
            "NewAmendment",
            "amount_excl_tax",
            decimal(numbers::amount()),
        ),
        (
            "NewAmendment",
            "commitment_hours",
            decimal(numbers::commitment_hours()),
        ),
        ("PenaltyWaiverInput", "reason", Chars(life::REASON_MAX)),
        ("NewOffer", "job_title", Chars(placement::JOB_TITLE_MAX)),
        (
            "NewOffer",
            "hours_per_week",
            decimal(numbers::weekly_hours()),
        ),
        (
            "NewOffer",
            "positions",
            Whole(1, offer::POSITIONS_MAX.into()),
        ),
        ("NewOffer", "description", Chars(offer::DESCRIPTION_MAX)),
        ("NewOffer", "external_url", Chars(offer::URL_MAX)),
        ("NewOperation", "name", Chars(operation::NAME_MAX)),
        ("NewOperation", "qpv_codes", Items(operation::QPV_CODES_MAX)),
        (
            "NewOperation",
            "target_hours",
            decimal(numbers::commitment_hours()),
        ),
        ("NewOrganisation", "name", Chars(organisation::NAME_MAX)),
        ("NewTerritory", "name", Chars(territory::NAME_MAX)),
        (
            "NewTerritory",
            "postal_codes",
            Items(territory::MAX_POSTAL_CODES),
        ),
        (
            "NewOrganisation",
            "identifier",
            Chars(organisation::IDENTIFIER_MAX),
        ),
        ("NewPlacement", "job_title", Chars(placement::JOB_TITLE_MAX)),
        (
            "NewPlacement",
            "weekly_hours",
            decimal(numbers::weekly_hours()),
        ),
        ("NewProposal", "note", Chars(offer::NOTE_MAX)),
        (
            "HirePlacement",
            "job_title",
            Chars(placement::JOB_TITLE_MAX),
        ),
        (
            "HirePlacement",
            "weekly_hours",
            decimal(numbers::weekly_hours()),
        ),
        ("ProposalPatch", "reason", Chars(placement::REASON_MAX)),
        (
            "HoursDeclaration",
            "worked_hours",
            decimal(numbers::month_hours()),
        ),
        (
            "HoursDeclaration",
            "training_hours",
            decimal(numbers::month_hours()),
        ),
        (
            "StatementLineInput",
            "worked_hours",
            decimal(numbers::month_hours()),
        ),
        (
            "StatementLineInput",
            "training_hours",
            decimal(numbers::month_hours()),
        ),
        ("HoursDecision", "reason", Chars(placement::REASON_MAX)),
        ("DecisionLineInput", "reason", Chars(placement::REASON_MAX)),
        (
            "HourStatement",
            "lines",
            Items(statements::MAX_STATEMENT_LINES),
        ),
        (
            "DecisionBatch",
            "decisions",
            Items(decisions::MAX_DECISIONS),
        ),
        // What the service answers: stored values and figures, exact to
        // their decimals.
        ("Contract", "amount_excl_tax", hundredths),
        ("Contract", "labour_share", rate),
        ("Contract", "insertion_rate", rate),
        ("Contract", "hourly_cost", hundredths),
        ("Contract", "commitment_hours", hundredths),
        ("Offer", "hours_per_week", hundredths),
        ("PublicOffer", "hours_per_week", hundredths),
        ("Operation", "target_hours", hundredths),
        ("Placement", "weekly_hours", hundredths),
        ("PlacementForBuyer", "weekly_hours", hundredths),
        ("MonthlyHours", "worked_hours", hundredths),
        ("MonthlyHours", "training_hours", hundredths),
        ("KeyFigures", "hours", hundredths),
        ("KeyFigures", "previous_year_hours", hundredths),
        ("KeyFigures", "hours_change", hundredths),
        ("BreakdownRow", "hours", hundredths),
        ("ContractYearRow", "commitment_hours", hundredths),
        ("ContractYearRow", "hours_year", hundredths),
        ("ContractYearRow", "hours_to_date", hundredths),
        ("ContractYearRow", "share_done", rate),
        ("Fulfilment", "commitment_hours", hundredths),
        ("Fulfilment", "declared_hours", hundredths),
        ("Fulfilment", "expected_hours_to_date", hundredths),
        ("Fulfilment", "validated_hours", hundredths),
        ("Fulfilment", "share_done", rate),
        ("OperationFulfilment", "commitment_hours", hundredths),
        ("OperationFulfilment", "expected_hours_to_date", hundredths),
        ("OperationFulfilment", "operation_qpv_hours", hundredths),
        ("OperationFulfilment", "qpv_hours", hundredths),
        ("OperationFulfilment", "target_hours", hundredths),
        ("OperationFulfilment", "validated_hours", hundredths),
        ("OperationFulfilment", "share_done", rate),
        ("OutcomeFigures", "dynamic_exit_rate", rate),
    ]
}

fn number(d: Decimal) -> Number {
    match d.to_isize() {
        Some(whole) if d.fract().is_zero() => Number::Int(whole),
        _ => Number::Float(d.to_f64().unwrap_or_default()),
    }
}

/// How many decimals a field has, said in its description rather than as
/// `multipleOf: 0.01`: JSON Schema validators test `multipleOf` in binary
/// floating point, where 151.67 is not a multiple of 0.01 (Ajv, which the
/// lints and many clients validate with, refuses it), so the keyword would
/// refuse the very values the service takes.
fn state_decimals(o: &mut utoipa::openapi::schema::Object, sentence: String) {
    o.description = Some(match o.description.take() {
        Some(d) if !d.is_empty() => format!("{d} {sentence}"),
        _ => sentence,
    });
}

pub struct FieldLimits;

impl Modify for FieldLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        // A PATCH takes its creation's fields under the same limits.
        let patches = table().into_iter().filter_map(|(schema, field, limit)| {
            let (_, patch) = super::PATCHES.iter().find(|(new, _)| *new == schema)?;
            Some((*patch, field, limit))
        });
        for (schema, field, limit) in table().into_iter().chain(patches) {
            let property = match components.schemas.get_mut(schema) {
                Some(RefOr::T(Schema::Object(o))) => o.properties.get_mut(field),
                _ => None,
            };
            // A name that is not in the document is caught by the test
            // below, not by a panic while serving.
            match (property, limit) {
                (Some(RefOr::T(Schema::Array(a))), Items(max)) => a.max_items = Some(max),
                (Some(RefOr::T(Schema::Object(o))), limit) => match limit {
                    Chars(max) => o.max_length = Some(max),
                    Limit::Decimal(rule) => {
                        let n = rule.decimals;
                        state_decimals(o, format!("At most {n} decimals (more answer 422)."));
                        match rule.low {
                            Bound::AtLeast(min) => o.minimum = Some(number(min)),
                            Bound::Above(min) => o.exclusive_minimum = Some(number(min)),
                        }
                        o.maximum = rule.high.map(number);
                    }
                    Whole(min, max) => {
                        o.minimum = Some(Number::Int(min as isize));
                        o.maximum = Some(Number::Int(max as isize));
                    }
                    Places(n) => {
                        state_decimals(o, format!("An exact decimal: at most {n} decimals."))
                    }
                    Items(_) => {}
                },
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    fn document() -> serde_json::Value {
        serde_json::to_value(crate::openapi::ApiDoc::openapi()).expect("the document serialises")
    }

    #[test]
    fn every_limit_lands_on_a_field_of_the_document() {
        let doc = document();
        for (schema, field, limit) in table() {
            let property = &doc["components"]["schemas"][schema]["properties"][field];
            let stated = match limit {
                Chars(max) => property["maxLength"] == max,
                Items(max) => property["maxItems"] == max,
                Limit::Decimal(rule) => {
                    decimals_stated(property, rule.decimals)
                        && (property["maximum"].is_number() || rule.high.is_none())
                }
                Whole(_, max) => property["maximum"] == max,
                Places(decimals) => decimals_stated(property, decimals),
            };
            assert!(stated, "{schema}.{field}: {property}");
        }
    }

    fn decimals_stated(property: &serde_json::Value, decimals: u32) -> bool {
        property["description"].as_str().is_some_and(|d| {
            d.to_lowercase()
                .contains(&format!("at most {decimals} decimals"))
        })
    }

    #[test]
    fn bounds_read_as_the_domain_says() {
        assert_eq!(
            serde_json::to_string(&number(Decimal::from(48))).unwrap(),
            "48"
        );
        let doc = document();
        let weekly = &doc["components"]["schemas"]["NewPlacement"]["properties"]["weekly_hours"];
        assert_eq!(weekly["maximum"], numbers::WEEKLY_HOURS_MAX);
        assert_eq!(weekly["exclusiveMinimum"], 0);
        assert!(decimals_stated(weekly, 2), "{weekly}");
        let rate = &doc["components"]["schemas"]["Contract"]["properties"]["labour_share"];
        assert!(decimals_stated(rate, 4), "{rate}");
    }

    /// Every text a request sends is bounded, every decimal states its
    /// decimals and its largest value: what the service refuses, a
    /// generated form refuses too.
    #[test]
    fn every_request_field_states_its_limits() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut requests = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for body in op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.values())
                {
                    if let Some(name) = body["schema"]["$ref"].as_str() {
                        requests.insert(name.rsplit('/').next().unwrap().to_string());
                    }
                }
            }
        }
        // Schemas a request body holds (a statement's lines, a hire).
        let mut pending: Vec<String> = requests.iter().cloned().collect();
        while let Some(name) = pending.pop() {
            let text = serde_json::to_string(&schemas[&name]).unwrap();
            for part in text.split("#/components/schemas/").skip(1) {
                let inner = part.split('"').next().unwrap().to_string();
                if requests.insert(inner.clone()) {
                    pending.push(inner);
                }
            }
        }
        let mut checked = 0;
        let mut missing = Vec::new();
        // The DECP is the Ministry's format, read as it is published: its
        // bound is the body's size, and what it holds is checked on import.
        for name in requests.iter().filter(|n| !n.starts_with("Decp")) {
            let Some(properties) = schemas[name]["properties"].as_object() else {
                continue;
            };
            for (field, p) in properties {
                let types = p["type"].to_string();
                let free_text = types.contains("\"string\"")
                    && p.get("format").is_none()
                    && p.get("enum").is_none()
                    && p.get("pattern").is_none();
                if free_text && !p["maxLength"].is_number() {
                    missing.push(format!("{name}.{field}: no maxLength"));
                }
                let decimal = types.contains("\"number\"");
                if decimal && !(decimals_stated(p, 2) || decimals_stated(p, 4)) {
                    missing.push(format!("{name}.{field}: its decimals are not stated"));
                }
                if decimal && !p["maximum"].is_number() {
                    missing.push(format!("{name}.{field}: no maximum"));
                }
                checked += usize::from(free_text || decimal);
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(checked > 40, "only {checked} fields checked");
    }
}
