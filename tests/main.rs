//! The integration tests, in one binary: one link instead of one per file
//! (each was ~60 MB and linked on its own), and one migrated template
//! database per run. Each module holds the tests of one area; `common`
//! builds a database per test and a real HTTP server on it.

mod common;

mod access_matrix;
mod auth;
mod changes;
mod cli;
mod contract_life;
mod contract_report;
mod decp;
mod deliveries;
mod disclosure;
mod edge;
mod esf;
mod flow;
mod history;
mod hour_statements;
mod key_figures;
mod offers;
mod operability;
mod operations;
mod organisations;
mod outcomes;
mod personal_data;
mod privileges;
mod replicas;
mod rules;
mod system;
mod territories;
mod validation;
mod webhooks;
mod worklist;
