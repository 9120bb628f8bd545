//! Webhook subscriptions: their rows, always through the owner's filter
//! (`access::webhooks::own`).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::webhooks;
use crate::domain::webhook::WebhookFields;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(WebhookRow);

impl WebhookRow {
    pub fn fields(&self) -> WebhookFields {
        WebhookFields {
            url: self.url.clone(),
            events: self.events.clone(),
            description: self.description.clone(),
            enabled: self.enabled,
        }
    }
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
struct Columns<'a> {
    url: &'a str,
    events: &'a [String],
    description: Option<&'a str>,
    enabled: bool,
}

impl<'a> From<&'a WebhookFields> for Columns<'a> {
    fn from(f: &'a WebhookFields) -> Self {
        Columns {
            url: &f.url,
            events: &f.events,
            description: f.description.as_deref(),
            enabled: f.enabled,
        }
    }
}

/// A new subscription of `p`, with its sealed secret, starting at the end
/// of the feed: after every change already settled (the feed's changes
/// are read below the snapshot's xmin; any change settled later has an
/// xid at or past it).
pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    fields: &WebhookFields,
    sealed_secret: &[u8],
) -> ApiResult<WebhookRow> {
    let (role, org) = access::webhooks::owner(p);
    Ok(diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(id),
            webhooks::owner_role.eq(role),
            webhooks::owner_org.eq(org),
            webhooks::url.eq(&fields.url),
            webhooks::events.eq(&fields.events),
            webhooks::description.eq(fields.description.as_deref()),
            webhooks::enabled.eq(fields.enabled),
            webhooks::disabled_reason.eq((!fields.enabled).then_some(DISABLED_BY_OWNER)),
            webhooks::secret.eq(sealed_secret),
            webhooks::cursor_xid.eq(sql::<BigInt>(
                "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            )),
            webhooks::cursor_seq.eq(0),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)?)
}

/// Why a subscription its owner turned off is off.
pub const DISABLED_BY_OWNER: &str = "disabled by its owner";

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    page: PageRequest,
) -> ApiResult<Page<WebhookRow>> {
    let mut q = webhooks::table
        .filter(access::webhooks::own(p))
        .into_boxed();
    super::keyset_page!(q, webhooks, page);
    let rows = q.select(WebhookRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

pub fn get(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<WebhookRow> {
    webhooks::table
        .find(id)
        .filter(access::webhooks::own(p))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("webhook"))
}

/// The subscription, locked for a change by its owner.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<WebhookRow> {
    webhooks::table
        .find(id)
        .filter(access::webhooks::own(p))
        .for_update()
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("webhook"))
}

/// Writes a locked subscription's new fields. Turned on again, it tries
/// its next change at once, from a first attempt; turned off by its
/// owner, it says so.
pub fn save(
    conn: &mut PgConnection,
    old: &WebhookRow,
    new: &WebhookFields,
) -> ApiResult<WebhookRow> {
    let target = webhooks::table.find(old.id);
    // A disabled row holds its reason (a check): given before turning
    // off, taken away after turning on.
    if !new.enabled && old.enabled {
        diesel::update(target)
            .set(webhooks::disabled_reason.eq(DISABLED_BY_OWNER))
            .execute(conn)?;
    }
    let row = diesel::update(target)
        .set((
            Columns::from(new),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
            // A deliverer's claim ends with the version it was made on:
            // another process may take the subscription at once.
            webhooks::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)?;
    if new.enabled && !old.enabled {
        return Ok(diesel::update(target)
            .set((
                webhooks::disabled_reason.eq(None::<String>),
                webhooks::attempts.eq(0),
                webhooks::next_attempt_at.eq(diesel::dsl::now),
            ))
            .returning(WebhookRow::as_returning())
            .get_result(conn)?);
    }
    Ok(row)
}

/// Deletes the caller's subscription (its attempts go with it).
pub fn delete(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<()> {
    let n =
        diesel::delete(webhooks::table.find(id).filter(access::webhooks::own(p))).execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found("webhook"));
    }
    Ok(())
}

/// How long the secret before a rotation still signs.
pub const ROTATION_OVERLAP_HOURS: i32 = 24;

/// A locked subscription's new secret; the one it replaces signs too for
/// [`ROTATION_OVERLAP_HOURS`].
pub fn rotate(conn: &mut PgConnection, id: Uuid, sealed_secret: &[u8]) -> ApiResult<WebhookRow> {
    Ok(diesel::update(webhooks::table.find(id))
        .set((
            webhooks::previous_secret.eq(webhooks::secret.nullable()),
            webhooks::previous_secret_until.eq(sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >(&format!(
                "now() + interval '{ROTATION_OVERLAP_HOURS} hours'"
            ))),
            webhooks::secret.eq(sealed_secret),
            webhooks::version.eq(webhooks::version + 1),
            webhooks::updated_at.eq(diesel::dsl::now),
            webhooks::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)?)
}
