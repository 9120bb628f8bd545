use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::input::query;
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::error::ApiResult;
use crate::models::decp::ImportSummary;
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::limits::with_body_limit(
            super::http::resource("/imports/decp"),
            super::limits::IMPORT_BODY_BYTES,
        )
        .route(web::post().to(import_decp)),
    );
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `all` also imports records that say nothing of social considerations (2019 format).
    pub include: Option<String>,
    /// The territory new contracts land in: a territory's facilitator's own when left out;
    /// anyone else names it when the deployment has several (422 otherwise).
    pub territory_id: Option<Uuid>,
}

/// Import published contract data (DECP)
///
/// The facilitator for any buyer, a buyer or the Département for its own contracts (matched on
/// its SIRET). A DECP JSON file; each contract is created or updated by its buyer and
/// reference, its commitment `estimated` until the facilitator confirms it. The answer counts
/// what was created, updated and refused, line by line.
#[utoipa::path(
    post, path = "/api/v1/imports/decp", tag = "imports", operation_id = "import_decp",
    params(ImportQuery),
    request_body(content = super::schemas::DecpDocument, description = "A DECP JSON document: `{\"marches\": [...]}` (2019) or `{\"marches\": {\"marche\": [...]}}` (since 2024)", content_type = "application/json",
        example = json!({"marches": {"marche": [{"id": "2024-GPS-TX-0118", "acheteur": {"id": "21910001922678"},
            "objet": "Réhabilitation de 120 logements", "codeCPV": "45000000-7",
            "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
            "titulaires": [{"titulaire": {"id": "73282932000074", "typeIdentifiant": "SIRET"}}],
            "dureeMois": 24, "dateNotification": "2024-03-04", "montant": 2400000}]}})),
    responses(
        (status = 200, description = "What the import did, record by record; one bad record never stops the others", body = ImportSummary),
        crate::api::responses::Bulk,
    ),
    security(("bearer" = []))
)]
pub async fn import_decp(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    access::imports::decp(&p)?;
    let (q, mut v) = query::<ImportQuery>(&req);
    let territory = q.as_ref().and_then(|q| q.territory_id);
    let include_all = match q.and_then(|q| q.include) {
        None => false,
        Some(s) if s == "all" => true,
        Some(_) => {
            v.add("include", "can only be `all`");
            false
        }
    };
    v.finish()?;
    let (doc, _) = super::input::json_body::<serde_json::Value>(&req, &body)?;
    let estimation = state.decp.clone();
    let summary = db::run(&state.pool, move |c| {
        usecases::imports::document(c, &p, &doc, &estimation, include_all, territory)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}
