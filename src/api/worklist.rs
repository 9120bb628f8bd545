//! The facilitator's worklist (API.md): every month to decide across the
//! placements in scope, decisions on many months at once, and the months
//! nobody declared.

use actix_web::web::{self};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::hours::MonthlyHours;
use super::input::{list_query, paged_query};
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::calendar::Month;
use crate::domain::codes::HoursStatus;
use crate::error::{ApiResult, Violations};
use crate::models::worklist::{self as model, MissingKey};
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/hours").route(web::get().to(list)))
        .service(super::http::resource("/hours/missing").route(web::get().to(missing)));
}

/// A month of a placement, with the placement's contract and employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkMonth {
    #[serde(flatten)]
    pub month: MonthlyHours,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
}

/// One page of months, oldest first (by last change under `updated_since`).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkMonthPage {
    pub items: Vec<WorkMonth>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(WorkMonthPage, WorkMonth);

paged_query! {
    pub struct WorklistQuery {
        /// One status or a comma list, e.g. `declared,rejected`.
        #[param(
            example = "declared",
            pattern = "^(declared|validated|rejected)(,(declared|validated|rejected))*$"
        )]
        pub status: Option<String>,
        /// From this month on (`YYYY-MM`, inclusive).
        #[param(example = "2019-01", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
        pub month_from: Option<String>,
        /// Up to this month (`YYYY-MM`, inclusive); not before `month_from`.
        #[param(example = "2019-12", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
        pub month_to: Option<String>,
        /// Only the placements of this contract.
        pub contract_id: Option<Uuid>,
        /// Only the placements of this employer.
        pub employer_id: Option<Uuid>,
        /// Only the placements of this person.
        pub beneficiary_id: Option<Uuid>,
    }
    updated_since
}

fn month_param(v: &mut Violations, field: &str, value: Option<&str>) -> Option<Month> {
    let value = value?;
    let month = Month::parse(value);
    if month.is_none() {
        v.add(field, "must be a month written YYYY-MM");
    }
    month
}

fn statuses(v: &mut Violations, value: Option<&str>) -> Vec<HoursStatus> {
    let Some(value) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for code in value.split(',') {
        match HoursStatus::parse(code.trim()) {
            Some(s) if !out.contains(&s) => out.push(s),
            Some(_) => {}
            None => {
                v.add(
                    "status",
                    format!("`{code}` is not a status: declared, validated or rejected, or a comma list of them"),
                );
                return Vec::new();
            }
        }
    }
    out
}

/// The months to look at
///
/// The facilitator's worklist: the months of every placement you may see (facilitator all; a
/// company where employer or holder; a PLIE of its people; 403 for a buyer, the Département and
/// the State), with their contract and employer. Filters: `status` (one code or a comma list),
/// `month_from`, `month_to`, `contract_id`, `employer_id`, `beneficiary_id`, `updated_since`.
#[utoipa::path(
    get, path = "/api/v1/hours", tag = "hours", operation_id = "list_hours",
    params(WorklistQuery),
    responses(
        (status = 200, description = "A page of the months of every placement you may see, with their contract and employer", body = WorkMonthPage,
         example = json!({"items": [{"id": "0d3e0000-0000-4000-8000-000000000401", "placement_id": "0d3e0000-0000-4000-8000-000000000301",
            "month": "2019-05", "worked_hours": 151.67, "training_hours": 0, "status": "declared", "reason": null, "version": 1,
            "created_at": "2019-06-03T08:12:00Z", "updated_at": "2019-06-03T08:12:00Z",
            "contract_id": "0d3e0000-0000-4000-8000-000000000101", "employer_id": "0d3e0000-0000-4000-8000-000000000011"}],
            "next_cursor": null})),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let scope = access::placements::hours_scope(&p)?;
    let (q, page, mut v) = list_query::<WorklistQuery, _>(&req);
    let filter = model::Filter {
        statuses: statuses(&mut v, q.status.as_deref()),
        month_from: month_param(&mut v, "month_from", q.month_from.as_deref()),
        month_to: month_param(&mut v, "month_to", q.month_to.as_deref()),
        contract_id: q.contract_id,
        employer_id: q.employer_id,
        beneficiary_id: q.beneficiary_id,
    };
    if let (Some(from), Some(to)) = (filter.month_from, filter.month_to) {
        if from > to {
            v.add("month_from", format!("must not be after month_to ({to})"));
        }
    }
    v.finish()?;
    let page = db::read(&state.pool, move |c| {
        usecases::hours::worklist(c, scope, filter, page)
    })
    .await?;
    Ok(
        HttpResponse::Ok().json(WorkMonthPage::from(page.map(|r| WorkMonth {
            month: MonthlyHours::from(r.hours),
            contract_id: r.contract_id,
            employer_id: r.employer_id,
        }))),
    )
}

/// A month owed: the placement covers at least one of its days, the month is over, and nothing is
/// recorded for it (a month declared and then rejected is recorded: see `GET /api/v1/hours?status=rejected`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingMonth {
    pub placement_id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    #[schema(example = "2019-02", pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

/// One page of months owed, by placement then month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingMonthPage {
    pub items: Vec<MissingMonth>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(MissingMonthPage, MissingMonth);

paged_query! {
    pub struct MissingQuery {
        /// The day of the count (`YYYY-MM-DD`, default today): months before its month are owed.
        pub as_of: Option<NaiveDate>,
        /// Only the placements of this contract.
        pub contract_id: Option<Uuid>,
        /// Only the placements of this employer.
        pub employer_id: Option<Uuid>,
    }
}

/// Months nobody declared
///
/// Every (placement, month) with nothing recorded, before the month of `as_of` (default today),
/// where the placement covers a day of the month. Scoped as The months to look at.
#[utoipa::path(
    get, path = "/api/v1/hours/missing", tag = "hours", operation_id = "list_missing_hours",
    params(MissingQuery),
    responses(
        (status = 200, description = "A page of the months owed and not declared, in the placements you may see", body = MissingMonthPage,
         example = json!({"items": [{"placement_id": "0d3e0000-0000-4000-8000-000000000301", "contract_id": "0d3e0000-0000-4000-8000-000000000101",
            "employer_id": "0d3e0000-0000-4000-8000-000000000011", "month": "2019-02"}], "next_cursor": null})),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn missing(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let scope = access::placements::hours_scope(&p)?;
    let (q, page, v) = list_query::<MissingQuery, MissingKey>(&req);
    v.finish()?;
    let filter = model::MissingFilter {
        as_of: q.as_of.unwrap_or_else(|| Utc::now().date_naive()),
        contract_id: q.contract_id,
        employer_id: q.employer_id,
    };
    let page = db::read(&state.pool, move |c| model::missing(c, scope, filter, page)).await?;
    Ok(
        HttpResponse::Ok().json(MissingMonthPage::from(page.map(|r| MissingMonth {
            placement_id: r.placement_id,
            contract_id: r.contract_id,
            employer_id: r.employer_id,
            month: Month::from_date(r.month).to_string(),
        }))),
    )
}
