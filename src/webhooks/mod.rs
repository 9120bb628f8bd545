//! Webhooks (API.md, "Webhooks"): partners told of the change feed's
//! changes instead of polling it.

pub mod address;
pub mod client;
pub mod secret;

pub use crate::domain::webhook::Destinations;

/// API.md's retry schedule, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h (each ±20 % at delivery).
pub const RETRY_SCHEDULE: [u64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// What the service knows of webhooks from the environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `WEBHOOK_SECRET_KEY`; without it, webhooks are off (503).
    pub sealing_key: Option<secret::SealingKey>,
    pub destinations: Destinations,
    /// `WEBHOOK_RETRY_SCHEDULE`, or API.md's.
    pub retry_schedule: Vec<std::time::Duration>,
    /// `WEBHOOKS=off`: this process does not deliver.
    pub deliver: bool,
}
