//! Operations (urban renewal and other programmes) and how far their
//! contracts are.

use actix_web::web::{self};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::http::path_id;
use super::input::{double_option, json_body, list_query, paged_query, query};
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::codes::Programme;
use crate::domain::disclosure::{self, Audience, Count};
use crate::domain::fulfilment::{self, FulfilmentStatus};
use crate::domain::operation::{self as rules, OperationDraft, OperationFields};
use crate::domain::patch::{set, set_nullable, Merge};
use crate::error::{ApiResult, Violations};
use crate::models::operation::{self as model, OperationRow};
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/operations")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/operations/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    )
    .service(super::http::resource("/operations/{id}/fulfilment").route(web::get().to(fulfilment)));
}

/// An operation that contracts belong to, e.g. an urban-renewal project of the ANRU.
#[derive(Debug, Serialize, ToSchema)]
pub struct Operation {
    pub id: Uuid,
    /// Unique, whatever the case.
    #[schema(example = "NPNRU Tarterêts")]
    pub name: String,
    pub programme: Programme,
    /// The priority neighbourhoods (QPV) the operation renews; may be empty.
    #[schema(example = json!(["QN09106M"]))]
    pub qpv_codes: Vec<String>,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[schema(required = true)]
    pub end_date: Option<NaiveDate>,
    /// The hours of insertion the operation's contracts must give together.
    #[schema(required = true)]
    pub target_hours: Option<Decimal>,
    /// The territory whose facilitator runs it; fixed once set.
    pub territory_id: Uuid,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<OperationRow> for Operation {
    fn from(r: OperationRow) -> Self {
        Operation {
            id: r.id,
            name: r.name,
            programme: r.programme,
            qpv_codes: r.qpv_codes,
            start_date: r.start_date,
            end_date: r.end_date,
            target_hours: r.target_hours.map(|d| d.normalize()),
            territory_id: r.territory_id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One page of operations, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationPage {
    pub items: Vec<Operation>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(OperationPage, Operation);

/// A new operation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOperation {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub name: Option<String>,
    #[schema(required = true, nullable = false)]
    pub programme: Option<Programme>,
    /// QPV codes (`QN09106M`, or `QP091001` from the 2015 list); empty by default.
    pub qpv_codes: Option<Vec<String>>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub target_hours: Option<Decimal>,
    /// The territory: a territory's facilitator's own when left out; a facilitator without
    /// `org` names it when the deployment has several (422 otherwise).
    pub territory_id: Option<Uuid>,
}

/// Changes to an operation (JSON Merge Patch): absent fields stay, `null` clears. A new name is
/// carried to the `operation` text of its contracts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false, min_length = 1)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Programme>, nullable = false)]
    pub programme: Option<Option<Programme>>,
    /// `null` empties the list.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub qpv_codes: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub target_hours: Option<Option<Decimal>>,
}

paged_query! {
    pub struct OperationQuery {
        /// Only operations of this programme.
        pub programme: Option<Programme>,
        /// Only operations renewing this QPV.
        pub qpv_code: Option<String>,
        /// Only operations of this territory.
        pub territory_id: Option<Uuid>,
    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/operations", tag = "operations", operation_id = "list_operations", params(OperationQuery),
    ok = (OperationPage, "A page of operations (every role reads them all)"), errors = Query;
    /// List operations
    ///
    /// Urban-renewal and other operations that contracts belong to. Every role reads them all.
    /// Filters: `programme`, `qpv_code`, `updated_since`.
    pub async fn list(state, p, req) {
        let (q, page, v) = list_query::<OperationQuery, _>(&req);
        v.finish()?;
        let filter = model::Filter {
            programme: q.programme,
            qpv_code: q.qpv_code.map(|c| c.trim().to_ascii_uppercase()),
            territory_id: q.territory_id,
        };
        let page = db::read(&state.pool, move |c| model::list(c, &p, filter, page)).await?;
        Ok(HttpResponse::Ok().json(OperationPage::from(page.map(Operation::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/operations", tag = "operations", operation_id = "create_operation",
    body = NewOperation, created = (Operation, "Created"), errors = Creating,
    conflict = "An operation already has this name";
    /// Register an operation
    ///
    /// Facilitator only. `name` is unique (409).
    pub async fn create(state, p, req, body) {
        access::operations::write(&p)?;
        let (input, mut v) = json_body::<NewOperation>(&req, &body)?;
        let fields = rules::check(
            OperationDraft {
                name: input.name,
                programme: input.programme,
                qpv_codes: input.qpv_codes,
                start_date: input.start_date,
                end_date: input.end_date,
                target_hours: input.target_hours,
            },
            &mut v,
        );
        let fields = v.finish_with(fields)?;
        let territory = input.territory_id;
        let row = db::run(&state.pool, move |c| model::create(c, &p, &fields, territory)).await?;
        Ok(super::http::created(format!("/api/v1/operations/{}", row.id), row.version, &Operation::from(row)))
    }
}

super::endpoint::get_by_id!(
    /// Read an operation
    ///
    /// Every role. Sends `ETag`; 304 on a matching `If-None-Match`.
    "/api/v1/operations/{id}",
    "operations",
    "get_operation",
    "operation",
    "Operation id",
    "The operation",
    Operation,
    model::get
);

impl Merge<OperationFields> for OperationPatch {
    fn merge(self, f: &mut OperationFields, _: &mut Violations) {
        set(&mut f.name, self.name);
        set(&mut f.programme, self.programme);
        set(&mut f.start_date, self.start_date);
        set_nullable(&mut f.end_date, self.end_date);
        set_nullable(&mut f.target_hours, self.target_hours);
        if let Some(codes) = self.qpv_codes {
            f.qpv_codes = codes.unwrap_or_default();
        }
    }
}

super::endpoint::patch! {
    path = "/api/v1/operations/{id}", tag = "operations", operation_id = "update_operation", id = "Operation id",
    body = OperationPatch, changed = (Operation, "The operation as changed"),
    conflict = "An operation already has this name";
    /// Change an operation
    ///
    /// Facilitator only. A JSON merge patch under `If-Match` (412 when the version moved); 409
    /// when the name is taken. A rename renames the operation text of its contracts.
    pub async fn patch(state, p, req, id, body) {
        access::operations::write(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<OperationPatch>(&req, &id, "operation", &body)?;
        v.not_null("name", &patch.name);
        v.not_null("programme", &patch.programme);
        v.not_null("start_date", &patch.start_date);
        let row = db::run(&state.pool, move |c| {
            usecases::directory::update_operation(c, &p, id, &precondition, patch, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &Operation::from(row)))
    }
}

/// How far an operation is: cumulative from the start, months up to the month of `on`, over the
/// operation's contracts you may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationFulfilment {
    pub operation_id: Uuid,
    #[serde(serialize_with = "super::json::day")]
    pub on: NaiveDate,
    /// The day the counts of people are taken on: `on` for the facilitator; for anyone else
    /// the last day of a month (`on` when it is one, else the last day of the month before),
    /// so that two readings a day apart cannot tell who started in between. Hours stay as
    /// of `on`.
    #[serde(serialize_with = "super::json::day")]
    pub people_counted_on: NaiveDate,
    /// The operation's contracts counted.
    pub contracts: i64,
    /// The sum of their commitments.
    pub commitment_hours: Decimal,
    /// The operation's own target when you see all its contracts and it has one; otherwise the
    /// sum of the commitments you see.
    pub target_hours: Decimal,
    /// Worked + training hours of validated months.
    pub validated_hours: Decimal,
    /// Validated hours of people living in a QPV. Null when `qpv_participants` is masked: the
    /// hours would tell who lives in one.
    #[schema(required = true)]
    pub qpv_hours: Option<Decimal>,
    /// Validated hours of people living in one of the operation's QPVs. Null when
    /// `qpv_participants` is masked.
    #[schema(required = true)]
    pub operation_qpv_hours: Option<Decimal>,
    /// People with a placement on these contracts starting on or before `people_counted_on`. Masked by the
    /// disclosure rule.
    pub participants: Count,
    /// Those of them living in a QPV. Masked by the disclosure rule.
    pub qpv_participants: Count,
    /// validated_hours ÷ target_hours, 4 decimals (1 when the target is 0).
    pub share_done: Decimal,
    /// The sum of the contracts' own expected hours on `on`.
    pub expected_hours_to_date: Decimal,
    /// The contracts' rule with `target_hours` in place of the commitment.
    pub status: FulfilmentStatus,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OperationFulfilmentQuery {
    /// The day to count to (default: today).
    #[serde(default, deserialize_with = "super::input::date")]
    pub on: Option<NaiveDate>,
}

/// How far an operation is
///
/// Cumulative from the operation's start, months up to the month of `on` (default today), over
/// the operation's contracts you may see: contracts, commitment and target hours, validated
/// hours (and those of QPV residents), participants. Counts of people follow the disclosure
/// rule (API.md, "Disclosure control"): for anyone but the facilitator, a count from 1 to 4
/// answers `"< 5"`.
#[utoipa::path(
    get, path = "/api/v1/operations/{id}/fulfilment", tag = "operations", operation_id = "get_operation_fulfilment",
    params(("id" = Uuid, Path, description = "Operation id"), OperationFulfilmentQuery),
    responses(
        (status = 200, description = "The operation's hours against its target", body = OperationFulfilment),
        crate::api::responses::OneQuery,
    ),
    security(("bearer" = []))
)]
pub async fn fulfilment(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "operation")?;
    let (q, v) = query::<OperationFulfilmentQuery>(&req);
    v.finish()?;
    let on = q
        .and_then(|q| q.on)
        .unwrap_or_else(|| Utc::now().date_naive());
    let scope = access::stats::scope(&p);
    let audience = access::stats::audience(&p, None);
    let people_on = match audience {
        Audience::Exact => on,
        _ => crate::domain::calendar::month_end_on_or_before(on),
    };
    let (operation, t) = db::run(&state.pool, move |c| {
        usecases::figures::operation_fulfilment(c, &p, scope, id, on, people_on)
    })
    .await?;
    let target = rules::target(operation.target_hours, t.sees_all, t.commitment_hours);
    let (share_done, status) =
        fulfilment::judge(target, t.people.validated_hours, t.expected_hours_to_date);
    let participants = disclosure::people(audience, t.people.participants);
    let qpv_participants =
        disclosure::against_total(audience, t.people.participants, t.people.qpv_participants);
    Ok(HttpResponse::Ok().json(OperationFulfilment {
        operation_id: operation.id,
        on,
        people_counted_on: people_on,
        contracts: t.contracts,
        commitment_hours: t.commitment_hours.normalize(),
        target_hours: target.normalize(),
        validated_hours: t.people.validated_hours.normalize(),
        qpv_hours: (!qpv_participants.is_masked()).then(|| t.people.qpv_hours.normalize()),
        operation_qpv_hours: (!qpv_participants.is_masked())
            .then(|| t.people.operation_qpv_hours.normalize()),
        participants,
        qpv_participants,
        share_done,
        expected_hours_to_date: t.expected_hours_to_date.normalize(),
        status,
    }))
}
