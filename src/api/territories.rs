//! Territories: several facilitators on one deployment (API.md,
//! "Territories").

use actix_web::web;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{double_option, json_body, list_query, paged_query};
use crate::access;
use crate::auth::Principal;
use crate::db::{self, DbPool};
use crate::domain::patch::{set, set_nullable, Merge};
use crate::domain::territory::{self as rules, TerritoryDraft, TerritoryFields};
use crate::error::{ApiResult, Violations};
use crate::models::territory::{self as model, TerritoryRow};
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/territories")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/territories/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    );
}

/// A territory: the contracts, operations, offers and people one facilitator follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct Territory {
    pub id: Uuid,
    /// Unique, whatever the case.
    #[schema(example = "Grand Paris Sud")]
    pub name: String,
    /// The Département (an organisation of kind `department`) that reads the territory's
    /// figures; null when none is named (then every Département reads them).
    #[schema(required = true)]
    pub department_id: Option<Uuid>,
    /// Postal-code prefixes the territory covers, for the record.
    #[schema(example = json!(["91080", "91130"]))]
    pub postal_codes: Vec<String>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<TerritoryRow> for Territory {
    fn from(r: TerritoryRow) -> Self {
        Territory {
            id: r.id,
            name: r.name,
            department_id: r.department_id,
            postal_codes: r.postal_codes,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One page of territories, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerritoryPage {
    pub items: Vec<Territory>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(TerritoryPage, Territory);

/// A new territory.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerritory {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub name: Option<String>,
    /// An organisation of kind `department`.
    pub department_id: Option<Uuid>,
    /// Postal-code prefixes (1 to 5 digits each, at most 500).
    pub postal_codes: Option<Vec<String>>,
}

/// Changes to a territory (JSON Merge Patch): absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerritoryPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false, min_length = 1)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub department_id: Option<Option<Uuid>>,
    /// `null` empties the list.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub postal_codes: Option<Option<Vec<String>>>,
}

paged_query! {
    pub struct TerritoryQuery {}
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/territories", tag = "territories", operation_id = "list_territories", params(TerritoryQuery),
    ok = (TerritoryPage, "A page of territories (every role reads them all)"), errors = Query;
    /// List territories
    ///
    /// Every role reads every territory. A deployment has at least one; with several, whoever
    /// is not a territory's facilitator names `territory_id` when creating contracts,
    /// operations and people.
    pub async fn list(state, _p, req) {
        let (_q, page, v) = list_query::<TerritoryQuery, _>(&req);
        v.finish()?;
        let page = db::read(&state.pool, move |c| model::list(c, page)).await?;
        Ok(HttpResponse::Ok().json(TerritoryPage::from(page.map(Territory::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/territories", tag = "territories", operation_id = "create_territory",
    body = NewTerritory, created = (Territory, "Created"), errors = Creating,
    conflict = "A territory already has this name";
    /// Create a territory
    ///
    /// A facilitator without `org` (the platform's team) only. `name` is unique (409);
    /// `department_id` must be an organisation of kind `department` (422).
    pub async fn create(state, p, req, body) {
        access::territories::write(&p)?;
        let (input, mut v) = json_body::<NewTerritory>(&req, &body)?;
        let fields = rules::check(
            TerritoryDraft {
                name: input.name,
                department_id: input.department_id,
                postal_codes: input.postal_codes,
            },
            &mut v,
        );
        let fields = v.finish_with(fields)?;
        let row = db::run(&state.pool, move |c| usecases::directory::create_territory(c, &p, &fields)).await?;
        Ok(super::http::created(format!("/api/v1/territories/{}", row.id), row.version, &Territory::from(row)))
    }
}

/// A territory, read by any caller.
pub async fn read(pool: &DbPool, _p: &Principal, id: Uuid) -> ApiResult<TerritoryRow> {
    db::run(pool, move |c| model::get(c, id)).await
}

super::endpoint::get_by_id!(
    /// Read a territory
    ///
    /// Every role. Sends `ETag`; 304 on a matching `If-None-Match`.
    "/api/v1/territories/{id}",
    "territories",
    "get_territory",
    "territory",
    "Territory id",
    "The territory",
    Territory,
    read
);

impl Merge<TerritoryFields> for TerritoryPatch {
    fn merge(self, f: &mut TerritoryFields, _: &mut Violations) {
        set(&mut f.name, self.name);
        set_nullable(&mut f.department_id, self.department_id);
        if let Some(codes) = self.postal_codes {
            f.postal_codes = codes.unwrap_or_default();
        }
    }
}

super::endpoint::patch! {
    path = "/api/v1/territories/{id}", tag = "territories", operation_id = "update_territory", id = "Territory id",
    body = TerritoryPatch, changed = (Territory, "The territory as changed"),
    conflict = "A territory already has this name";
    /// Change a territory
    ///
    /// A facilitator without `org` only. A JSON merge patch under `If-Match` (412 when the
    /// version moved); 409 when the name is taken.
    pub async fn patch(state, p, req, id, body) {
        access::territories::write(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<TerritoryPatch>(&req, &id, "territory", &body)?;
        v.not_null("name", &patch.name);
        let row = db::run(&state.pool, move |c| {
            usecases::directory::update_territory(c, &p, id, &precondition, patch, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &Territory::from(row)))
    }
}
