//! Pure rules of the domain: no I/O, unit-tested.

pub mod codes;
pub mod organisation;
pub mod siret;
