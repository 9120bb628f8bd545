//! What became of the person after a placement (API.md, "Outcomes").

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::json_body;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::outcome::{OutcomeGroup, Situation};
use crate::error::ApiResult;
use crate::models::outcome::{OutcomeFields, OutcomeRow};
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/placements/{id}/outcome")
            .route(web::get().to(get))
            .route(web::put().to(put)),
    );
}

/// The person's situation six months or more after the placement ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub situation: Situation,
    #[serde(serialize_with = "super::json::day")]
    pub observed_on: NaiveDate,
}

/// What became of the person on leaving the placement.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"placement_id": "0d3e0000-0000-4000-8000-000000000301", "situation": "fixed_term_6_months_plus",
    "group": "durable_employment", "qualification_gained": true,
    "follow_up": {"situation": "permanent_job", "observed_on": "2020-01-15"},
    "version": 2, "created_at": "2019-07-02T09:00:00Z", "updated_at": "2020-01-20T14:30:00Z"}))]
pub struct Outcome {
    pub placement_id: Uuid,
    pub situation: Situation,
    /// The group of `situation`.
    pub group: OutcomeGroup,
    pub qualification_gained: bool,
    /// Null until the follow-up is known.
    #[schema(required = true)]
    pub follow_up: Option<FollowUp>,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

impl From<OutcomeRow> for Outcome {
    fn from(r: OutcomeRow) -> Self {
        Outcome {
            placement_id: r.placement_id,
            situation: r.situation,
            group: r.situation.group(),
            qualification_gained: r.qualification_gained,
            follow_up: r.follow_up_situation.zip(r.follow_up_observed_on).map(
                |(situation, observed_on)| FollowUp {
                    situation,
                    observed_on,
                },
            ),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The follow-up as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    #[schema(required = true, nullable = false)]
    pub situation: Option<Situation>,
    /// Six calendar months after the placement's `end_date` or later, not in the future.
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub observed_on: Option<NaiveDate>,
}

/// An outcome, whole (a `PUT` replaces the one recorded).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"situation": "fixed_term_6_months_plus", "qualification_gained": true,
    "follow_up": {"situation": "permanent_job", "observed_on": "2020-01-15"}}))]
pub struct OutcomeInput {
    #[schema(required = true, nullable = false)]
    pub situation: Option<Situation>,
    /// False when absent.
    #[schema(nullable = false)]
    pub qualification_gained: Option<bool>,
    /// Null or absent until the follow-up is known.
    pub follow_up: Option<FollowUpInput>,
}

super::endpoint::get_one! {
    path = "/api/v1/placements/{id}/outcome", tag = "outcomes", operation_id = "get_placement_outcome", id = "Placement id",
    ok = (Outcome, "What became of the person (read in their access trail)"), errors = RestrictedOne;
    /// What became of the person
    ///
    /// The situation recorded after the placement ended, and the follow-up six months later.
    /// The facilitator, or the PLIE that follows the person; 403 for every other role; 404 when
    /// none is recorded. The read is written in the person's trail.
    pub async fn get(state, p, req, id) {
        access::placements::outcomes(&p)?;
        let id = path_id(&id, "placement")?;
        let row = db::run(&state.pool, move |c| {
            usecases::placements::outcome(c, &p, id)
        })
        .await?;
        Ok(super::http::one(&req, row.version, &Outcome::from(row)))
    }
}

/// Record what became of the person
///
/// The facilitator, or the person's PLIE. Only a placement with an `end_date` may have one (422
/// on `situation`); `follow_up.observed_on` is at least six months after the end and not in the
/// future. 201 when new, 200 when replaced; `If-Match` guards a replacement.
#[utoipa::path(
    put, path = "/api/v1/placements/{id}/outcome", tag = "outcomes", operation_id = "put_placement_outcome",
    params(
        ("id" = Uuid, Path, description = "Placement id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read; 412 if it is no longer current"),
    ),
    request_body = OutcomeInput,
    responses(
        (status = 201, description = "Recorded", body = Outcome,
         headers(("ETag" = String, description = "The version, quoted"), ("Location" = String))),
        (status = 200, description = "Replaced (or unchanged)", body = Outcome,
         headers(("ETag" = String, description = "The version, quoted"))),
        crate::api::responses::Changing,
        (status = 409, description = "The person was erased: their records can no longer change", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn put(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    id: web::Path<String>,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    access::placements::outcomes(&p)?;
    let id = path_id(&id, "placement")?;
    let precondition = super::http::if_match(&req)?;
    let (input, mut v) = json_body::<OutcomeInput>(&req, &body)?;
    let situation = v.require("situation", input.situation);
    let follow_up = match input.follow_up {
        None => Some(None),
        Some(f) => {
            let situation = v.require("follow_up.situation", f.situation);
            let observed_on = v.require("follow_up.observed_on", f.observed_on);
            situation.zip(observed_on).map(Some)
        }
    };
    let fields = match (situation, follow_up) {
        (Some(situation), Some(follow_up)) => Some(OutcomeFields {
            situation,
            qualification_gained: input.qualification_gained.unwrap_or(false),
            follow_up,
        }),
        _ => None,
    };
    let fields = v.finish_with(fields)?;
    let today = Utc::now().date_naive();
    let (row, created) = db::run(&state.pool, move |c| {
        usecases::placements::put_outcome(c, &p, id, &precondition, fields, today)
    })
    .await?;
    let version = row.version;
    let body = Outcome::from(row);
    Ok(if created {
        super::http::created(format!("/api/v1/placements/{id}/outcome"), version, &body)
    } else {
        super::http::changed(version, &body)
    })
}
