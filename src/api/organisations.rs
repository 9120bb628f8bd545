use actix_web::web::{self};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{double_option, json_body, list_query, paged_query};
use crate::access;
use crate::db;
use crate::domain::codes::{BuyerCategory, IdentifierType, OrgKind, SiaeType};
use crate::domain::organisation::{self as rules, OrganisationDraft, OrganisationFields};
use crate::domain::patch::{set, set_nullable, Merge};
use crate::error::Violations;
use crate::models::organisation::{self as model, OrganisationRow};
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/organisations")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/organisations/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    );
}

/// An organisation: buyer, holder or employer, PLIE, Département, State service, facilitator.
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
    /// 14 digits; null for an organisation without one (e.g. a foreign holder).
    #[schema(required = true, pattern = "^[0-9]{14}$")]
    pub siret: Option<String>,
    /// Set when the organisation is an insertion or sheltered employer.
    #[schema(required = true)]
    pub siae_type: Option<SiaeType>,
    /// Kind of the other identifier of an organisation without a SIRET.
    #[schema(required = true)]
    pub identifier_type: Option<IdentifierType>,
    /// The other identifier (VAT number, TAHITI, RIDET...).
    #[schema(required = true)]
    pub identifier: Option<String>,
    /// The type of buyer, for a `buyer` or a `department` (a `department` is `department` unless
    /// told otherwise); null for other kinds.
    #[schema(required = true)]
    pub buyer_category: Option<BuyerCategory>,
    /// Increases by one on every change; the `ETag` is this number quoted.
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
    /// The territory a facilitator's organisation works inside; null for every other kind.
    #[schema(required = true)]
    pub territory_id: Option<Uuid>,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        let f = row.fields();
        Organisation {
            id: row.id,
            kind: f.kind,
            name: f.name,
            siret: f.siret,
            siae_type: f.siae_type,
            identifier_type: f.identifier_type,
            identifier: f.identifier,
            buyer_category: f.buyer_category,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            territory_id: row.territory_id,
        }
    }
}

/// One page of organisations, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<Organisation>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(OrganisationPage, Organisation);

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    #[schema(required = true, nullable = false)]
    pub kind: Option<OrgKind>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub name: Option<String>,
    /// 14 digits with a valid checksum; unique.
    #[schema(pattern = "^[0-9 ]{14,17}$")]
    pub siret: Option<String>,
    /// Only for kind `company`.
    pub siae_type: Option<SiaeType>,
    pub identifier_type: Option<IdentifierType>,
    pub identifier: Option<String>,
    /// Only for kind `buyer` or `department` (default `department` for a department).
    pub buyer_category: Option<BuyerCategory>,
    /// Only for kind `facilitator`: the territory it works inside (the only one by default;
    /// required when there are several).
    pub territory_id: Option<Uuid>,
}

/// Changes to an organisation (JSON Merge Patch): absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OrgKind>, nullable = false)]
    pub kind: Option<Option<OrgKind>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false, min_length = 1)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub siret: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<SiaeType>)]
    pub siae_type: Option<Option<SiaeType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<IdentifierType>)]
    pub identifier_type: Option<Option<IdentifierType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub identifier: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<BuyerCategory>)]
    pub buyer_category: Option<Option<BuyerCategory>>,
    /// Only for kind `facilitator`: moves it to another territory (a facilitator without
    /// `org` only).
    pub territory_id: Option<Uuid>,
}

paged_query! {
    pub struct OrganisationQuery {
        /// Only organisations of this kind.
        pub kind: Option<OrgKind>,
        /// The organisation with this SIRET.
        pub siret: Option<String>,
    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/organisations", tag = "organisations", operation_id = "list_organisations", params(OrganisationQuery),
    ok = (OrganisationPage, "A page of the organisations you may see"), errors = Query;
    /// List organisations
    ///
    /// Every role reads organisations: the facilitator, a PLIE and the State all of them; a
    /// company, a buyer or the Département its own only. Filters: `kind`, `siret`,
    /// `updated_since`. Cursor-paged (`limit`, `cursor`).
    pub async fn list(state, p, req) {
        let (q, page, v) = list_query::<OrganisationQuery, _>(&req);
        v.finish()?;
        let filter = model::Filter {
            kind: q.kind,
            siret: q.siret,
        };
        let page = db::read(&state.pool, move |c| model::list(c, &p, filter, page)).await?;
        Ok(HttpResponse::Ok().json(OrganisationPage::from(page.map(Organisation::from))))
    }
}

super::endpoint::create! {
    path = "/api/v1/organisations", tag = "organisations", operation_id = "create_organisation",
    body = NewOrganisation, created = (Organisation, "Created"), errors = Creating,
    conflict = "The SIRET is already used";
    /// Register an organisation
    ///
    /// Facilitator only (403 for every other role). `siret` is checked (14 digits, Luhn) and
    /// unique: 409 when already used. `buyer_category` is for buyers and the Département;
    /// `siae_type` for a company that is an SIAE.
    pub async fn create(state, p, req, body) {
        access::organisations::write(&p)?;
        let (input, mut v) = json_body::<NewOrganisation>(&req, &body)?;
        let fields = rules::check(
            OrganisationDraft {
                kind: input.kind,
                name: input.name,
                siret: input.siret,
                siae_type: input.siae_type,
                identifier_type: input.identifier_type,
                identifier: input.identifier,
                buyer_category: input.buyer_category,
            },
            &mut v,
        );
        let fields = v.finish_with(fields)?;
        let territory = input.territory_id;
        let row = db::run(&state.pool, move |c| model::create(c, &p, &fields, territory)).await?;
        Ok(super::http::created(format!("/api/v1/organisations/{}", row.id), row.version, &Organisation::from(row)))
    }
}

super::endpoint::get_by_id!(
    /// Read an organisation
    ///
    /// Every role reads organisations: the facilitator, a PLIE and the State all of them; a
    /// company, a buyer or the Département its own only. Another organisation than your own
    /// answers 404 when your role reads only its own. Sends `ETag`; 304 on a matching
    /// `If-None-Match`.
    "/api/v1/organisations/{id}",
    "organisations",
    "get_organisation",
    "organisation",
    "Organisation id",
    "The organisation",
    Organisation,
    model::get
);

impl Merge<OrganisationFields> for OrganisationPatch {
    fn merge(self, f: &mut OrganisationFields, _: &mut Violations) {
        set(&mut f.kind, self.kind);
        set(&mut f.name, self.name);
        set_nullable(&mut f.siret, self.siret);
        set_nullable(&mut f.siae_type, self.siae_type);
        set_nullable(&mut f.identifier_type, self.identifier_type);
        set_nullable(&mut f.identifier, self.identifier);
        set_nullable(&mut f.buyer_category, self.buyer_category);
    }
}

super::endpoint::patch! {
    path = "/api/v1/organisations/{id}", tag = "organisations", operation_id = "update_organisation", id = "Organisation id",
    body = OrganisationPatch, changed = (Organisation, "The organisation as changed"),
    conflict = "The SIRET is already used, or the kind would change under the organisation's contracts, placements, offers or people";
    /// Change an organisation
    ///
    /// Facilitator only. A JSON merge patch under `If-Match` (412 when the version moved). 409
    /// when the SIRET is taken, or when the kind would change under the organisation's
    /// contracts, placements, offers or people.
    pub async fn patch(state, p, req, id, body) {
        access::organisations::write(&p)?;
        let (id, precondition, patch, mut v) =
            super::endpoint::patch_request::<OrganisationPatch>(&req, &id, "organisation", &body)?;
        v.not_null("kind", &patch.kind);
        v.not_null("name", &patch.name);
        let territory = patch.territory_id;
        let row = db::run(&state.pool, move |c| {
            usecases::directory::update_organisation(c, &p, id, &precondition, patch, territory, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &Organisation::from(row)))
    }
}
