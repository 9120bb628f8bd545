//! Who is calling: bearer tokens verified into a `Principal`.

pub mod jwt;
pub mod principal;

pub use jwt::Verifier;
pub use principal::{Principal, Role};
