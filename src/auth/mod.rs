//! Who is calling: bearer tokens verified into a `Principal`.

pub mod jwt;
pub mod principal;

pub use crate::domain::role::Role;
pub use jwt::Verifier;
pub use principal::Principal;
