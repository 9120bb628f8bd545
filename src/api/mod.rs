//! HTTP, the edge: one file per resource, with its request and response
//! types and handlers of a few lines (read the request, call one use case
//! or model function, render the answer); the routes are assembled in
//! `routes`. Beside them: strict input (`input`), the caller (`principal`),
//! errors rendered as problems (`problem`), JSON helpers (`json`), HTTP
//! headers and statuses (`http`).

pub mod beneficiaries;
pub mod changes;
pub mod contract_life;
pub mod contract_report;
pub mod contracts;
pub mod endpoint;
pub mod esf;
pub mod export;
pub mod history;
pub mod hours;
pub mod http;
pub mod imports;
pub mod input;
pub mod json;
pub mod limits;
pub mod offers;
pub mod operations;
pub mod organisations;
pub mod outcome_figures;
pub mod outcomes;
pub mod placements;
pub mod principal;
pub mod problem;
pub mod proposals;
pub mod public;
pub mod public_offers;
pub mod report_pdf;
pub mod report_view;
pub mod responses;
pub mod schemas;
pub mod selection;
pub mod stats;
pub mod system;
pub mod territories;
pub mod webhooks;
pub mod worklist;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    system::routes(cfg);
    public::routes(cfg);
    public_offers::routes(cfg);
    cfg.service(
        web::scope("/api/v1")
            .configure(organisations::routes)
            .configure(contracts::routes)
            .configure(contract_life::routes)
            .configure(contract_report::routes)
            .configure(operations::routes)
            .configure(territories::routes)
            .configure(webhooks::routes)
            .configure(offers::routes)
            .configure(proposals::routes)
            .configure(beneficiaries::routes)
            .configure(placements::routes)
            .configure(hours::routes)
            .configure(worklist::routes)
            .configure(outcomes::routes)
            .configure(outcome_figures::routes)
            .configure(esf::routes)
            .configure(stats::routes)
            .configure(changes::routes)
            .configure(imports::routes)
            .configure(history::routes),
    );
}
