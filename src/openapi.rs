//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Ref;
use utoipa::{Modify, OpenApi};

use crate::api;

mod limits;
use crate::api::responses::{
    BadRequest, Forbidden, Invalid, NotFound, Stale, TooLarge, Unauthorized, Unavailable,
    UnsupportedMediaType, UriTooLong,
};
use limits::FieldLimits;

/// Answers every operation may give whatever it does: the service is
/// unavailable (503), the query string is too long (414), and for those
/// with a body, the body is too large (413). Declared once here rather than
/// on each of the operations.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let uses_database = path != "/health" && path != "/metrics";
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                // An operation without a token says so, rather than
                // leaving a reader to guess.
                operation.security.get_or_insert_with(Vec::new);
                let has_body = operation.request_body.is_some();
                let answers = &mut operation.responses.responses;
                let mut add = |status: &str, name: &str| {
                    answers
                        .entry(status.to_string())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                };
                add("414", "UriTooLong");
                if has_body {
                    add("413", "TooLarge");
                }
                if uses_database {
                    add("503", "Unavailable");
                }
            }
        }
    }
}

/// A PATCH takes a creation's fields, each optional, under the same
/// limits: they are written once, on the creation's schema, and copied
/// onto the patch's, so that a form generated from either lets through
/// only what the service accepts.
struct PatchLimits;

/// Each creation's schema and the schema of its PATCH.
const PATCHES: [(&str, &str); 9] = [
    ("NewBeneficiary", "BeneficiaryPatch"),
    ("NewContract", "ContractPatch"),
    ("NewOrder", "OrderPatch"),
    ("NewOffer", "OfferPatch"),
    ("NewOperation", "OperationPatch"),
    ("NewTerritory", "TerritoryPatch"),
    ("NewOrganisation", "OrganisationPatch"),
    ("NewPlacement", "PlacementPatch"),
    ("NewWebhook", "WebhookPatch"),
];

impl Modify for PatchLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (new, patch) in PATCHES {
            let Some(RefOr::T(Schema::Object(created))) = components.schemas.get(new).cloned()
            else {
                continue;
            };
            let Some(RefOr::T(Schema::Object(patched))) = components.schemas.get_mut(patch) else {
                continue;
            };
            for (field, to) in patched.properties.iter_mut() {
                match (created.properties.get(field), to) {
                    (Some(RefOr::T(Schema::Object(from))), RefOr::T(Schema::Object(to))) => {
                        to.max_length = to.max_length.or(from.max_length);
                        to.min_length = to.min_length.or(from.min_length);
                        to.pattern = to.pattern.clone().or_else(|| from.pattern.clone());
                        to.maximum = to.maximum.clone().or_else(|| from.maximum.clone());
                        to.minimum = to.minimum.clone().or_else(|| from.minimum.clone());
                        to.exclusive_maximum = to
                            .exclusive_maximum
                            .clone()
                            .or_else(|| from.exclusive_maximum.clone());
                        to.exclusive_minimum = to
                            .exclusive_minimum
                            .clone()
                            .or_else(|| from.exclusive_minimum.clone());
                        to.multiple_of =
                            to.multiple_of.clone().or_else(|| from.multiple_of.clone());
                    }
                    (Some(RefOr::T(Schema::Array(from))), RefOr::T(Schema::Array(to))) => {
                        to.max_items = to.max_items.or(from.max_items);
                        to.min_items = to.min_items.or(from.min_items);
                    }
                    _ => {}
                }
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with the claims `sub`, `role`, `org` (the caller's organisation) and `exp`",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "clauses",
        description = "The clause sociale d'insertion of a territory: contracts with an hours \
commitment, the people hired on them and the hours they worked, and the key figures the funders ask for.\n\n\
Where to start:\n\n\
- **Tokens.** Every `/api/v1` operation takes `Authorization: Bearer <JWT>` with the claims `sub`, \
`role` (`facilitator`, `plie`, `company`, `buyer`, `department`, `state`), `org` (your organisation) \
and `exp`. Your role decides what you may do (403) and what you see: anything outside your scope \
answers 404, as if it did not exist. Each operation says who may call it.\n\
- **Lists** are cursor-paged, oldest first: `limit` (1 to 500, default 50), then the `next_cursor` \
of the answer as `cursor` until it is null. `updated_since` keeps what changed since a time.\n\
- **Writes.** `GET` of one object sends `ETag` (304 on `If-None-Match`); `PATCH` is a JSON merge \
patch (`application/merge-patch+json`) under `If-Match` (412 when the object moved). Bulk hours take \
an `Idempotency-Key`, so that a retry is safe.\n\
- **Errors** are `application/problem+json` (RFC 9457): `errors` names each field at fault with \
its message; 422 for a value refused, 409 for a state that forbids the change.\n\
- **Figures.** Counts of people follow the disclosure rule: for anyone but the facilitator (and a \
PLIE over its own people), a count from 1 to 4 answers the string `\"< 5\"` (and one more count \
`\"≥ 5\"` where a subtraction would give it back), so that nobody can be singled out; a company \
reads no figure of its people's attributes. Hours are exact, two decimals.\n\
- **Files.** Each figure's table is also a file on its own path beside the JSON: `….csv` (UTF-8, \
comma) and `….xlsx` (a workbook), e.g. `/api/v1/stats/key-figures.csv` or \
`/api/v1/reports/annual.xlsx`; read them as bytes (`format: binary`).\n\
- **Keeping a copy.** Poll `GET /api/v1/changes` with the last `next_cursor` as `after`: every \
change you may read, once, in commit order.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "The clause facilitator who runs this service"),
    ),
    paths(
        api::system::health,
        api::system::ready,
        api::system::metrics,
        api::organisations::list,
        api::organisations::create,
        api::organisations::get,
        api::organisations::patch,
        api::contracts::list,
        api::contracts::create,
        api::contracts::get,
        api::contracts::patch,
        api::contracts::fulfilment,
        api::contract_life::list_orders,
        api::contract_life::create_order,
        api::contract_life::get_order,
        api::contract_life::update_order,
        api::contract_life::list_amendments,
        api::contract_life::create_amendment,
        api::contract_life::get_amendment,
        api::contract_report::report,
        api::contract_report::report_xlsx,
        api::contract_report::report_pdf,
        api::contract_report::issue,
        api::contract_report::issued,
        api::contract_report::issued_xlsx,
        api::contract_report::issued_pdf,
        api::contract_report::waive,
        api::contract_report::unwaive,
        api::operations::list,
        api::operations::create,
        api::operations::get,
        api::operations::patch,
        api::operations::fulfilment,
        api::territories::list,
        api::territories::create,
        api::territories::get,
        api::territories::patch,
        api::offers::list,
        api::offers::create,
        api::offers::get,
        api::offers::patch,
        api::proposals::list,
        api::proposals::create,
        api::proposals::get,
        api::proposals::patch,
        api::beneficiaries::list,
        api::beneficiaries::create,
        api::beneficiaries::get,
        api::beneficiaries::patch,
        api::beneficiaries::access_log,
        api::beneficiaries::export,
        api::beneficiaries::erase,
        api::placements::list,
        api::placements::create,
        api::placements::get,
        api::placements::patch,
        api::hours::list,
        api::hours::get,
        api::hours::put,
        api::hours::validate,
        api::hours::statements::statement,
        api::worklist::list,
        api::worklist::missing,
        api::hours::decisions::decide,
        api::outcomes::get,
        api::outcomes::put,
        api::outcome_figures::outcomes,
        api::outcome_figures::outcomes_csv,
        api::outcome_figures::outcomes_xlsx,
        api::esf::esf,
        api::esf::esf_csv,
        api::esf::esf_xlsx,
        api::stats::key_figures,
        api::stats::key_figures_csv,
        api::stats::key_figures_xlsx,
        api::stats::breakdown,
        api::stats::breakdown_csv,
        api::stats::breakdown_xlsx,
        api::stats::contracts,
        api::stats::contracts_csv,
        api::stats::contracts_xlsx,
        api::stats::annual_report,
        api::stats::annual_report_xlsx,
        api::stats::publish,
        api::public::key_figures,
        api::public::key_figures_card,
        api::public_offers::list,
        api::changes::list,
        api::webhooks::list,
        api::webhooks::create,
        api::webhooks::get,
        api::webhooks::patch,
        api::webhooks::delete,
        api::webhooks::rotate,
        api::webhooks::deliveries,
        api::webhooks::replay,
        api::imports::import_decp,
        api::history::import_history,
        api::history::history_template,
    ),
    components(
        schemas(crate::api::problem::Problem, crate::error::FieldError),
        responses(Unauthorized, TooLarge, BadRequest, Forbidden, NotFound, Stale, UnsupportedMediaType, Invalid, Unavailable, UriTooLong),
    ),
    servers((url = "/", description = "This service, where the document is served")),
    modifiers(&Security, &CommonAnswers, &FieldLimits, &PatchLimits),
    tags(
        (name = "system", description = "Liveness, readiness"),
        (name = "organisations", description = "Buyers, holders and employers, the PLIE, the Département, State services"),
        (name = "contracts", description = "Public contracts with an insertion clause and their hours commitment"),
        (name = "offers", description = "Jobs to fill on contracts, and the people proposed on them"),
        (name = "operations", description = "Urban-renewal and other operations that contracts belong to, and how far they are"),
        (name = "territories", description = "Territories: several facilitators on one deployment, each working inside its own"),
        (name = "webhooks", description = "Partners told of the change feed's changes: signed deliveries (Standard Webhooks), retried, in order"),
        (name = "beneficiaries", description = "People far from employment (personal data: facilitator and referent only)"),
        (name = "placements", description = "Employment contracts of beneficiaries on clause contracts"),
        (name = "hours", description = "Monthly hours of a placement: declared, then validated or rejected"),
        (name = "outcomes", description = "What became of the person after a placement (facilitator and referent only)"),
        (name = "stats", description = "Key figures and reports: aggregates only"),
        (name = "reports", description = "A contract's end-of-contract report (bilan de la clause), issued reports, the penalty and its waiver"),
        (name = "public", description = "Published key figures and open offers, without a token"),
        (name = "imports", description = "Contracts from the buyers' published data (DECP), and a territory's history from another tool (workbooks and CSV)"),
        (name = "changes", description = "A feed of changes for partner systems that keep a copy"),
    )
)]
pub struct ApiDoc;

/// The document as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A limit a creation states, its PATCH states too, for every field
    /// they share.
    #[test]
    fn every_patch_field_has_its_creation_limits() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
        let schemas = &doc["components"]["schemas"];
        let limits = [
            "maxLength",
            "minLength",
            "pattern",
            "maximum",
            "minimum",
            "exclusiveMaximum",
            "exclusiveMinimum",
            "multipleOf",
            "maxItems",
            "minItems",
        ];
        let mut compared = 0;
        for (new, patch) in PATCHES {
            let created = schemas[new]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{new} has properties"));
            let patched = schemas[patch]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{patch} has properties"));
            for (field, to) in patched {
                let Some(from) = created.get(field) else {
                    continue;
                };
                for limit in limits {
                    if let Some(value) = from.get(limit) {
                        assert_eq!(to.get(limit), Some(value), "{patch}.{field} {limit}");
                        compared += 1;
                    }
                }
            }
        }
        // The limits of PlacementPatch.job_title, weekly_hours,
        // BeneficiaryPatch.postal_code... at the least.
        assert!(compared > 30, "only {compared} limits compared");
    }
}
