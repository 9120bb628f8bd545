//! Webhook subscriptions: made, changed, their secret rotated (API.md,
//! "Webhooks"). The secret is shown once and stored sealed.

use diesel::{Connection, PgConnection};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::patch::Merge;
use crate::domain::webhook::{self as rules, WebhookFields};
use crate::error::{ApiError, ApiResult, Violations};
use crate::models::webhook::{self as model, WebhookRow};
use crate::models::{check_version, Precondition};
use crate::webhooks::address::{self, Unreachable};
use crate::webhooks::secret::{self, SealingKey};
use crate::webhooks::Settings;

/// The sealing key, or 503: without `WEBHOOK_SECRET_KEY` webhooks are off.
pub fn sealing_key(s: &Settings) -> ApiResult<&SealingKey> {
    s.sealing_key.as_ref().ok_or_else(|| {
        ApiError::Unavailable(
            "webhooks are off on this deployment: WEBHOOK_SECRET_KEY is not set".into(),
        )
    })
}

/// Refuses (422 on `url`) a URL whose host resolves to an address
/// deliveries may not reach; one that does not resolve now is kept (its
/// deliveries fail and are retried). Blocking: before any transaction.
pub fn check_reachable(url: &str, s: &Settings) -> ApiResult<()> {
    let Ok(target) = rules::parse_url(url, &s.destinations) else {
        return Ok(()); // the form is judged with the other fields
    };
    match address::resolve(&target, &s.destinations) {
        Err(Unreachable::Refused(why)) => Err(ApiError::validation("url", why)),
        Ok(_) | Err(Unreachable::Unresolved(_)) => Ok(()),
    }
}

/// A new subscription of `p` and its secret, shown this once.
pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    s: &Settings,
    fields: &WebhookFields,
) -> ApiResult<(WebhookRow, String)> {
    let key = sealing_key(s)?;
    let id = Uuid::now_v7();
    let plain = secret::new_secret();
    let sealed = key.seal(&plain, id);
    let row = conn.transaction(|c| model::create(c, p, id, fields, &sealed))?;
    Ok((row, plain))
}

/// A subscription changed by its owner.
pub fn update(
    conn: &mut PgConnection,
    p: &Principal,
    s: &Settings,
    id: Uuid,
    precondition: &Precondition,
    patch: impl Merge<WebhookFields>,
    mut v: Violations,
) -> ApiResult<WebhookRow> {
    conn.transaction(|c| {
        let current = model::lock(c, p, id)?;
        check_version(precondition, "webhook", current.version)?;
        let old = current.fields();
        let mut new = old.clone();
        patch.merge(&mut new, &mut v);
        let checked = rules::check(new, &s.destinations, &mut v);
        v.finish()?;
        let Some((new, _)) = checked else {
            return Err(ApiError::bug(
                "a webhook's check failed without a violation",
            ));
        };
        if new == old {
            return Ok(current);
        }
        model::save(c, &current, &new)
    })
}

/// A new secret for the caller's subscription, shown this once; the one
/// before signs too for a day.
pub fn rotate(
    conn: &mut PgConnection,
    p: &Principal,
    s: &Settings,
    id: Uuid,
) -> ApiResult<(WebhookRow, String)> {
    let key = sealing_key(s)?;
    let plain = secret::new_secret();
    let sealed = key.seal(&plain, id);
    let row = conn.transaction(|c| {
        model::lock(c, p, id)?;
        model::rotate(c, id, &sealed)
    })?;
    Ok((row, plain))
}

pub fn delete(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<()> {
    model::delete(conn, p, id)
}

/// Sends the caller's subscription again every change after `after`, and
/// enables it.
pub fn replay(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    after: crate::models::change::FeedCursor,
) -> ApiResult<WebhookRow> {
    conn.transaction(|c| {
        model::lock(c, p, id)?;
        crate::models::delivery::replay(c, id, after)
    })
}
