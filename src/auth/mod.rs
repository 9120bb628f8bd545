//! Who is calling: bearer tokens verified into a `Principal`.

pub mod jwt;
pub mod principal;
pub mod role;

pub use jwt::Verifier;
pub use principal::Principal;
pub use role::Role;
