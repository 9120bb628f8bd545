//! Use cases: what one request does, one layer below the handlers and
//! above the models. A use case owns its transaction and the order of its
//! steps; the rules it applies are in `domain`, the SQL in `models`, who
//! may do it in `access`. A handler reads the request, calls one function
//! here (or one model function, when the request is a single query), and
//! renders the answer; the CLI calls the same functions.

pub mod contract_life;
pub mod contracts;
pub mod deliveries;
pub mod demo;
pub mod directory;
pub mod figures;
pub mod history;
pub mod hours;
pub mod imports;
pub mod offers;
pub mod people;
pub mod placements;
pub mod publications;
pub mod reports;
pub mod webhooks;
