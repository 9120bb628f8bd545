//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Ref;
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::api::responses::{
    BadRequest, Forbidden, Invalid, NotFound, Stale, TooLarge, Unauthorized, Unavailable,
    UnsupportedMediaType, UriTooLong,
};

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
Every error is `application/problem+json` (RFC 9457). Lists are cursor-paged, oldest first.",
        license(name = "MIT"),
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
        api::operations::list,
        api::operations::create,
        api::operations::get,
        api::operations::patch,
        api::operations::fulfilment,
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
        api::esf::esf,
        api::stats::key_figures,
        api::stats::breakdown,
        api::stats::contracts,
        api::stats::annual_report,
        api::stats::publish,
        api::public::key_figures,
        api::public_offers::list,
        api::changes::list,
        api::imports::import_decp,
    ),
    components(
        schemas(crate::api::problem::Problem, crate::error::FieldError, crate::api::export::ExportFormat),
        responses(Unauthorized, TooLarge, BadRequest, Forbidden, NotFound, Stale, UnsupportedMediaType, Invalid, Unavailable, UriTooLong),
    ),
    modifiers(&Security, &CommonAnswers),
    tags(
        (name = "system", description = "Liveness, readiness"),
        (name = "organisations", description = "Buyers, holders and employers, the PLIE, the Département, State services"),
        (name = "contracts", description = "Public contracts with an insertion clause and their hours commitment"),
        (name = "offers", description = "Jobs to fill on contracts, and the people proposed on them"),
        (name = "operations", description = "Urban-renewal and other operations that contracts belong to, and how far they are"),
        (name = "beneficiaries", description = "People far from employment (personal data: facilitator and referent only)"),
        (name = "placements", description = "Employment contracts of beneficiaries on clause contracts"),
        (name = "hours", description = "Monthly hours of a placement: declared, then validated or rejected"),
        (name = "outcomes", description = "What became of the person after a placement (facilitator and referent only)"),
        (name = "stats", description = "Key figures and reports: aggregates only"),
        (name = "public", description = "Published key figures and open offers, without a token"),
        (name = "imports", description = "Contracts from the buyers' published data (DECP)"),
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
