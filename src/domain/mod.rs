//! Pure rules of the domain: no I/O, unit-tested.

pub mod breakdown;
pub mod calendar;
pub mod codes;
pub mod commitment;
pub mod contract;
pub mod cpv;
pub mod decp;
pub mod disclosure;
pub mod fulfilment;
pub mod history;
pub mod hours;
pub mod life;
pub mod numbers;
pub mod offer;
pub mod operation;
pub mod organisation;
pub mod outcome;
pub mod patch;
pub mod person;
pub mod placement;
pub mod report;
pub mod role;
pub mod siret;
pub mod standing;
pub mod territory;
pub mod violations;
