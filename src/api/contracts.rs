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
use crate::domain::codes::{ClauseType, CommitmentSource, MarketNature};
use crate::domain::contract::{self as rules, CommitmentChange, ContractDraft, ContractFields};
use crate::domain::fulfilment::FulfilmentStatus;
use crate::domain::patch::{set, set_nullable, Merge};
use crate::domain::standing::Pricing;
use crate::error::{ApiResult, Violations};
use crate::models::contract::{self as model, ContractRow};
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/contracts")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/contracts/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    )
    .service(super::http::resource("/contracts/{id}/fulfilment").route(web::get().to(fulfilment)));
}

/// A public contract (or lot) with an insertion clause: one holder, one hours commitment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contract {
    pub id: Uuid,
    /// The contracting authority (an organisation of kind buyer or department).
    pub buyer_id: Uuid,
    /// The company that holds the contract.
    pub holder_id: Uuid,
    /// The buyer's reference (unique per buyer).
    pub reference: String,
    pub title: String,
    /// A programme the contract belongs to, e.g. an urban-renewal operation. When
    /// `operation_id` is set, the operation's name.
    #[schema(required = true)]
    pub operation: Option<String>,
    /// The operation the contract belongs to, if linked to one.
    #[schema(required = true)]
    pub operation_id: Option<Uuid>,
    pub clause_type: ClauseType,
    #[serde(serialize_with = "super::json::day")]
    pub start_date: NaiveDate,
    #[serde(serialize_with = "super::json::day")]
    pub end_date: NaiveDate,
    /// Euros excluding tax.
    #[schema(required = true)]
    pub amount_excl_tax: Option<Decimal>,
    /// Fraction of the amount that is labour, e.g. 0.40.
    #[schema(required = true)]
    pub labour_share: Option<Decimal>,
    /// Fraction of the labour hours reserved to insertion, e.g. 0.05.
    #[schema(required = true)]
    pub insertion_rate: Option<Decimal>,
    /// Euros per hour.
    #[schema(required = true)]
    pub hourly_cost: Option<Decimal>,
    /// Hours the holder must give to people far from employment. For an `orders` contract, the
    /// sum of its orders' commitments.
    pub commitment_hours: Decimal,
    pub commitment_source: CommitmentSource,
    /// `lump_sum` (the amount is known at signature) or `orders` (a framework agreement: the
    /// amount is what is ordered).
    pub pricing: Pricing,
    /// An `orders` contract's ceiling: its orders may not total more. Euros excluding tax.
    #[schema(required = true)]
    pub max_amount_excl_tax: Option<Decimal>,
    /// The amount as signed, before any amendment (for an `orders` contract without an amount,
    /// null).
    #[schema(required = true)]
    pub initial_amount_excl_tax: Option<Decimal>,
    /// The end date as signed, before any amendment.
    #[serde(serialize_with = "super::json::day")]
    pub initial_end_date: NaiveDate,
    /// The commitment as signed, before any amendment (0 for an `orders` contract).
    pub initial_commitment_hours: Decimal,
    /// How many amendments the contract has; `amount_excl_tax`, `end_date` and
    /// `commitment_hours` are the values with them.
    pub amendments: i32,
    /// The territory whose facilitator follows the contract; fixed once set.
    pub territory_id: Uuid,
    /// Euros per insertion hour not done, the contract's penalty.
    #[schema(required = true)]
    pub penalty_per_missing_hour: Option<Decimal>,
    /// The penalty's cap, a fraction of `amount_excl_tax` (e.g. 0.20); null: no cap.
    #[schema(required = true)]
    pub penalty_cap_rate: Option<Decimal>,
    /// When the end-of-contract report is due.
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub report_due_on: Option<NaiveDate>,
    /// The CPV code, 8 digits (check digit dropped).
    #[schema(required = true, pattern = "^[0-9]{8}$", example = "45210000")]
    pub cpv_code: Option<String>,
    /// Given, or derived from the CPV division (45 works, 03 to 44 supplies, 48 to 98 services);
    /// null without either.
    #[schema(required = true)]
    pub market_nature: Option<MarketNature>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<ContractRow> for Contract {
    fn from(r: ContractRow) -> Self {
        let f = r.fields();
        Contract {
            id: r.id,
            buyer_id: f.buyer_id,
            holder_id: f.holder_id,
            reference: f.reference,
            title: f.title,
            operation: f.operation,
            operation_id: f.operation_id,
            clause_type: f.clause_type,
            start_date: f.start_date,
            end_date: r.end_date,
            amount_excl_tax: r.amount_excl_tax.map(|d| d.normalize()),
            labour_share: f.labour_share.map(|d| d.normalize()),
            insertion_rate: f.insertion_rate.map(|d| d.normalize()),
            hourly_cost: f.hourly_cost.map(|d| d.normalize()),
            commitment_hours: r.commitment_hours.normalize(),
            commitment_source: r.commitment_source,
            pricing: f.pricing,
            max_amount_excl_tax: f.max_amount_excl_tax.map(|d| d.normalize()),
            initial_amount_excl_tax: f.amount_excl_tax.map(|d| d.normalize()),
            initial_end_date: f.end_date,
            initial_commitment_hours: f.commitment_hours.normalize(),
            amendments: r.amendments,
            territory_id: r.territory_id,
            penalty_per_missing_hour: f.penalty_per_missing_hour.map(|d| d.normalize()),
            penalty_cap_rate: f.penalty_cap_rate.map(|d| d.normalize()),
            report_due_on: f.report_due_on,
            cpv_code: f.cpv_code,
            market_nature: f.market_nature,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One page of contracts, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPage {
    pub items: Vec<Contract>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(ContractPage, Contract);

/// A new contract. Give `commitment_hours`, or the four figures it is computed from:
/// `amount_excl_tax × labour_share × insertion_rate ÷ hourly_cost`, rounded half-up to the hundredth.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    /// Required for the facilitator; a buyer's (or the Département's) own organisation by default.
    pub buyer_id: Option<Uuid>,
    /// The territory: a territory's facilitator's own when left out; anyone else names it when
    /// the deployment has several (422 otherwise). Fixed once set.
    pub territory_id: Option<Uuid>,
    #[schema(required = true, nullable = false)]
    pub holder_id: Option<Uuid>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub reference: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub title: Option<String>,
    /// Free text; with `operation_id`, leave it out or give the operation's name.
    pub operation: Option<String>,
    /// The operation the contract belongs to.
    pub operation_id: Option<Uuid>,
    #[schema(required = true, nullable = false)]
    pub clause_type: Option<ClauseType>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub start_date: Option<NaiveDate>,
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub amount_excl_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub labour_share: Option<Decimal>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub insertion_rate: Option<Decimal>,
    #[serde(default, deserialize_with = "super::input::number")]
    pub hourly_cost: Option<Decimal>,
    /// Computed from the four figures above when absent.
    #[serde(default, deserialize_with = "super::input::number")]
    pub commitment_hours: Option<Decimal>,
    /// 8 digits; a check digit `-N` is accepted and dropped. The division (first two digits) must
    /// be from 03 to 45 or from 48 to 98.
    #[schema(example = "45210000-2", pattern = "^[0-9]{8}(-[0-9])?$")]
    pub cpv_code: Option<String>,
    /// Derived from the CPV division when absent.
    pub market_nature: Option<MarketNature>,
    /// `lump_sum` by default. An `orders` contract owes the sum of its orders' hours: give no
    /// `commitment_hours`; `amount_excl_tax` may be left out (it is then the orders' sum).
    pub pricing: Option<Pricing>,
    /// An `orders` contract's ceiling.
    #[serde(default, deserialize_with = "super::input::number")]
    pub max_amount_excl_tax: Option<Decimal>,
    /// Euros per insertion hour not done.
    #[serde(default, deserialize_with = "super::input::number")]
    pub penalty_per_missing_hour: Option<Decimal>,
    /// The penalty's cap, a fraction of the amount (e.g. 0.20).
    #[serde(default, deserialize_with = "super::input::number")]
    pub penalty_cap_rate: Option<Decimal>,
    #[serde(default, deserialize_with = "super::input::date")]
    pub report_due_on: Option<NaiveDate>,
}

/// Changes to a contract (JSON Merge Patch): absent fields stay, `null` clears.
/// Setting `commitment_hours` over an estimate confirms it; `commitment_source: "confirmed"`
/// approves an estimate as it stands. When the commitment was computed, changing a figure recomputes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable = false)]
    pub buyer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable = false)]
    pub holder_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub operation: Option<Option<String>>,
    /// `null` unlinks the contract from its operation (its text stays).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub operation_id: Option<Option<Uuid>>,
    /// `null` clears it (a derived nature goes with it).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{8}(-[0-9])?$")]
    pub cpv_code: Option<Option<String>>,
    /// `null` derives it from the CPV division again.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<MarketNature>)]
    pub market_nature: Option<Option<MarketNature>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ClauseType>, nullable = false)]
    pub clause_type: Option<Option<ClauseType>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub start_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub end_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub amount_excl_tax: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub labour_share: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub insertion_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub hourly_cost: Option<Option<Decimal>>,
    /// `null` recomputes it from the four figures.
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub commitment_hours: Option<Option<Decimal>>,
    /// Only `confirmed`, to approve an estimated commitment.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CommitmentSource>, nullable = false)]
    pub commitment_source: Option<Option<CommitmentSource>>,
    /// A contract with orders stays `orders` (409).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Pricing>, nullable = false)]
    pub pricing: Option<Option<Pricing>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub max_amount_excl_tax: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub penalty_per_missing_hour: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_number")]
    #[schema(value_type = Option<f64>)]
    pub penalty_cap_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub report_due_on: Option<Option<NaiveDate>>,
}

impl Merge<ContractFields> for ContractPatch {
    fn merge(self, f: &mut ContractFields, _: &mut Violations) {
        set(&mut f.buyer_id, self.buyer_id);
        set(&mut f.holder_id, self.holder_id);
        set(&mut f.reference, self.reference);
        set(&mut f.title, self.title);
        set(&mut f.clause_type, self.clause_type);
        set(&mut f.start_date, self.start_date);
        set(&mut f.end_date, self.end_date);
        set_nullable(&mut f.operation, self.operation);
        set_nullable(&mut f.operation_id, self.operation_id);
        set_nullable(&mut f.cpv_code, self.cpv_code);
        match self.market_nature {
            Some(Some(n)) => {
                f.market_nature = Some(n);
                f.market_nature_given = true;
            }
            Some(None) => f.market_nature_given = false,
            None => {}
        }
        set_nullable(&mut f.amount_excl_tax, self.amount_excl_tax);
        set_nullable(&mut f.labour_share, self.labour_share);
        set_nullable(&mut f.insertion_rate, self.insertion_rate);
        set_nullable(&mut f.hourly_cost, self.hourly_cost);
        set(&mut f.pricing, self.pricing);
        set_nullable(&mut f.max_amount_excl_tax, self.max_amount_excl_tax);
        set_nullable(
            &mut f.penalty_per_missing_hour,
            self.penalty_per_missing_hour,
        );
        set_nullable(&mut f.penalty_cap_rate, self.penalty_cap_rate);
        set_nullable(&mut f.report_due_on, self.report_due_on);
        // The commitment follows from the figures: the use case revises it.
    }
}

paged_query! {
    pub struct ContractQuery {
        /// Only contracts of this buyer.
        pub buyer_id: Option<Uuid>,
        /// Only contracts held by this company.
        pub holder_id: Option<Uuid>,
        /// Only contracts of this operation (exact text).
        pub operation: Option<String>,
        /// Only contracts linked to this operation.
        pub operation_id: Option<Uuid>,
        /// Only contracts of this nature.
        pub market_nature: Option<MarketNature>,
        /// Only contracts whose CPV code starts with these two digits.
        #[param(pattern = "^[0-9]{2}$", example = "45")]
        pub cpv_division: Option<String>,
        /// Only contracts running on this day.
        #[serde(default, deserialize_with = "super::input::date")]
        pub active_on: Option<NaiveDate>,
        /// Only contracts of this territory.
        pub territory_id: Option<Uuid>,
    }
    updated_since
}

/// Where a contract stands against its commitment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fulfilment {
    pub contract_id: Uuid,
    pub commitment_hours: Decimal,
    /// Worked + training hours of validated months.
    pub validated_hours: Decimal,
    /// Worked + training hours of months declared and not yet decided (rejected months never count).
    pub declared_hours: Decimal,
    /// validated_hours ÷ commitment_hours, 4 decimals (1 when the commitment is 0).
    pub share_done: Decimal,
    /// The commitment pro rata of the contract's days elapsed by `on`.
    pub expected_hours_to_date: Decimal,
    /// `done` once validated hours reach the commitment; otherwise `ahead` above 110 % of the
    /// expected hours, `behind` under 90 %, `on_track` between.
    pub status: FulfilmentStatus,
    /// The day the expectation is computed for.
    pub on: NaiveDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FulfilmentQuery {
    /// The day to compute the expectation for (default: today).
    #[serde(default, deserialize_with = "super::input::date")]
    pub on: Option<NaiveDate>,
}

super::endpoint::list! {
    path = "/api/v1/contracts", tag = "contracts", operation_id = "list_contracts", params(ContractQuery),
    ok = (ContractPage, "A page of the contracts you may see"), errors = Query;
    /// List contracts
    ///
    /// The facilitator, a PLIE and the State read every contract; the Département too; a
    /// company reads those it holds, a buyer those it buys. Filters: `buyer_id`, `holder_id`,
    /// `operation`, `operation_id`, `market_nature`, `cpv_division`, `active_on`,
    /// `updated_since`.
    pub async fn list(state, p, req) {
        let (q, page, mut v) = list_query::<ContractQuery, _>(&req);
        if let Some(d) = &q.cpv_division {
            if d.len() != 2 || !d.bytes().all(|b| b.is_ascii_digit()) {
                v.add("cpv_division", "must be two digits, e.g. 45");
            }
        }
        v.finish()?;
        let filter = model::Filter {
            buyer_id: q.buyer_id,
            holder_id: q.holder_id,
            operation: q.operation,
            operation_id: q.operation_id,
            market_nature: q.market_nature,
            cpv_division: q.cpv_division,
            active_on: q.active_on,
            territory_id: q.territory_id,
        };
        let page = db::read(&state.pool, move |c| model::list(c, &p, filter, page)).await?;
        Ok(HttpResponse::Ok().json(ContractPage::from(page.map(Contract::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/contracts", tag = "contracts", operation_id = "create_contract",
    body = NewContract, created = (Contract, "Created"), errors = Creating,
    conflict = "The buyer already has a contract with this reference";
    /// Register a contract with an insertion clause
    ///
    /// The facilitator, or a buyer (or the Département) for its own contracts. When
    /// `commitment_hours` is absent it is computed from `amount_excl_tax × labour_share ×
    /// insertion_rate ÷ hourly_cost` (DOMAIN.md); with neither, 422. 409 when the buyer already
    /// has a contract with this reference.
    pub async fn create(state, p, req, body) {
        access::contracts::write(&p)?;
        let (input, mut v) = json_body::<NewContract>(&req, &body)?;
        let fields = rules::check(
            ContractDraft {
                buyer_id: input.buyer_id.or(access::contracts::default_buyer(&p)),
                holder_id: input.holder_id,
                reference: input.reference,
                title: input.title,
                operation: input.operation,
                operation_id: input.operation_id,
                clause_type: input.clause_type,
                start_date: input.start_date,
                end_date: input.end_date,
                amount_excl_tax: input.amount_excl_tax,
                labour_share: input.labour_share,
                insertion_rate: input.insertion_rate,
                hourly_cost: input.hourly_cost,
                commitment_hours: input.commitment_hours,
                commitment_source: CommitmentSource::Given,
                cpv_code: input.cpv_code,
                market_nature_given: input.market_nature.is_some(),
                market_nature: input.market_nature,
                pricing: input.pricing.unwrap_or(Pricing::LumpSum),
                max_amount_excl_tax: input.max_amount_excl_tax,
                penalty_per_missing_hour: input.penalty_per_missing_hour,
                penalty_cap_rate: input.penalty_cap_rate,
                report_due_on: input.report_due_on,
            },
            input.commitment_hours.is_some(),
            true,
            &mut v,
        );
        let fields = v.finish_with(fields)?;
        let territory = input.territory_id;
        let row = db::run(&state.pool, move |c| {
            usecases::contracts::create(c, &p, &fields, territory)
        })
        .await?;
        Ok(super::http::created(format!("/api/v1/contracts/{}", row.id), row.version, &Contract::from(row)))
    }
}

super::endpoint::get_by_id!(
    /// Read a contract
    ///
    /// Within the contracts your role may see (see List contracts); any other answers 404.
    /// Sends `ETag`; 304 on a matching `If-None-Match`.
    "/api/v1/contracts/{id}",
    "contracts",
    "get_contract",
    "contract",
    "Contract id",
    "The contract",
    Contract,
    model::get
);

super::endpoint::patch! {
    path = "/api/v1/contracts/{id}", tag = "contracts", operation_id = "update_contract", id = "Contract id",
    body = ContractPatch, changed = (Contract, "The contract as changed"),
    conflict = "The buyer already has a contract with this reference, or new dates would leave placements or recorded months outside them";
    /// Change a contract
    ///
    /// The facilitator, or the contract's buyer. A JSON merge patch under `If-Match` (412 when
    /// the version moved). Only the facilitator confirms an estimated commitment
    /// (`commitment_source: confirmed`). 409 when the reference is taken, or when new dates
    /// would leave placements or recorded months outside them.
    pub async fn patch(state, p, req, id, body) {
        access::contracts::write(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<ContractPatch>(&req, &id, "contract", &body)?;
        v.not_null("buyer_id", &patch.buyer_id);
        v.not_null("holder_id", &patch.holder_id);
        v.not_null("reference", &patch.reference);
        v.not_null("title", &patch.title);
        v.not_null("clause_type", &patch.clause_type);
        v.not_null("start_date", &patch.start_date);
        v.not_null("end_date", &patch.end_date);
        v.not_null("commitment_source", &patch.commitment_source);
        v.not_null("pricing", &patch.pricing);
        if matches!(
            patch.commitment_source,
            Some(Some(CommitmentSource::Confirmed))
        ) {
            access::contracts::confirm_commitment(&p)?;
        }
        if matches!(patch.commitment_source, Some(Some(s)) if s != CommitmentSource::Confirmed) {
            v.add(
                "commitment_source",
                "can only be set to `confirmed`, to approve an estimate",
            );
        }
        let commitment = CommitmentChange {
            hours: patch.commitment_hours,
            confirm: matches!(
                patch.commitment_source,
                Some(Some(CommitmentSource::Confirmed))
            ),
            sizing_patched: patch.amount_excl_tax.is_some()
                || patch.labour_share.is_some()
                || patch.insertion_rate.is_some()
                || patch.hourly_cost.is_some(),
        };
        let operation_asked = patch.operation.clone().flatten();
        let row = db::run(&state.pool, move |c| {
            usecases::contracts::update(
                c,
                &p,
                id,
                &precondition,
                patch,
                commitment,
                operation_asked,
                v,
            )
        })
        .await?;
        Ok(super::http::changed(row.version, &Contract::from(row)))
    }
}

/// How far a contract's hours are
///
/// Validated and declared hours against the commitment, the share done, the hours expected pro
/// rata of the days elapsed by `on` (default today) and a status: `done` once validated hours
/// reach the commitment, else `ahead` above 110 % of expected, `behind` under 90 %, `on_track`
/// between. Readable by whoever reads the contract.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/fulfilment", tag = "contracts", operation_id = "get_contract_fulfilment",
    params(("id" = Uuid, Path, description = "Contract id"), FulfilmentQuery),
    responses(
        (status = 200, description = "Hours done against the commitment", body = Fulfilment),
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
    let id = path_id(&id, "contract")?;
    let (q, v) = query::<FulfilmentQuery>(&req);
    v.finish()?;
    let on = q
        .and_then(|q| q.on)
        .unwrap_or_else(|| Utc::now().date_naive());
    let (row, life, (validated, declared)) = db::run(&state.pool, move |c| {
        let row = model::get_in(c, &p, id)?;
        let life = crate::models::contract_life::of_one(c, id)?;
        let totals = model::hours_totals(c, id)?;
        Ok((row, life, totals))
    })
    .await?;
    // The contract as it stood on `on`: its amendments and orders by then.
    let signed = row.signed();
    let f = life
        .as_of(&signed, on)
        .fulfilment(&signed, validated, declared, on);
    Ok(HttpResponse::Ok().json(Fulfilment {
        contract_id: row.id,
        commitment_hours: f.commitment_hours,
        validated_hours: f.validated_hours,
        declared_hours: f.declared_hours,
        share_done: f.share_done,
        expected_hours_to_date: f.expected_hours_to_date,
        status: f.status,
        on,
    }))
}
