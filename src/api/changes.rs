use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::input::list_query;
use crate::db;
use crate::models::change::{self as model, FeedCursor};
use crate::paging::{ListQuery, PageKey};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/changes").route(web::get().to(list)));
}

/// One change to an object you may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// Pass as `after` to resume after this change.
    pub cursor: String,
    /// `contract`, `beneficiary`, `placement`, `hours` (a month of a placement), `outcome` (what
    /// became of the person after a placement; its `id` is the placement's), `operation`,
    /// `offer`, `proposal`, `order` and `amendment` (of a contract) or `report` (an issued
    /// end-of-contract report).
    pub entity: String,
    pub id: Uuid,
    /// `create` or `update`.
    pub op: String,
    /// The object's version after the change.
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub changed_at: DateTime<Utc>,
}

impl From<model::ChangeRow> for Change {
    fn from(r: model::ChangeRow) -> Change {
        Change {
            cursor: r.cursor().encode(),
            entity: r.entity,
            id: r.entity_id,
            op: r.op,
            version: r.version,
            changed_at: r.changed_at,
        }
    }
}

/// Changes in commit order. `next_cursor` is never null: at the end it is where to resume, and
/// polling with it returns only changes committed since. Following it, a consumer sees every
/// change exactly once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"cursor": "eDc1NF8xMg", "entity": "contract", "id": "0d3e0000-0000-4000-8000-000000000101",
    "op": "update", "version": 2, "changed_at": "2026-11-25T10:15:02.120Z"}], "next_cursor": "eDc1NF8xMg"}))]
pub struct ChangePage {
    pub items: Vec<Change>,
    pub next_cursor: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// A cursor from this feed; from the start when absent.
    pub after: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl ListQuery for ChangeQuery {
    const CURSOR: &'static str = "after";
    fn limit(&self) -> Option<i64> {
        self.limit
    }
    fn cursor(&self) -> Option<&str> {
        self.after.as_deref()
    }
}

super::endpoint::list! {
    path = "/api/v1/changes", tag = "changes", operation_id = "list_changes", params(ChangeQuery),
    ok = (ChangePage, "The next changes you may see"), errors = Query;
    /// The change feed
    ///
    /// Every change to an object you may read, in commit order: contracts, people, placements,
    /// months of hours, outcomes. Pass the last `next_cursor` as `after` to receive only what
    /// changed since; it is never null, so a partner polls with it and sees each change exactly
    /// once.
    pub async fn list(state, p, req) {
        let (_, page, v) = list_query::<ChangeQuery, FeedCursor>(&req);
        let (after, limit) = (page.after.unwrap_or(FeedCursor::START), page.limit);
        v.finish()?;
        let (rows, next) = db::run(&state.pool, move |c| model::list(c, &p, after, limit)).await?;
        Ok(HttpResponse::Ok().json(ChangePage {
            items: rows.into_iter().map(Change::from).collect(),
            next_cursor: next.encode(),
        }))
    }
}
