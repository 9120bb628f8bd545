use actix_web::web::{self};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::http::path_id;
use super::input::{double_option, json_body, list_query, paged_query};
use crate::access::{self, PersonView};
use crate::auth::Principal;
use crate::db;
use crate::domain::codes::{Eligibility, QualificationLevel, Sex};
use crate::domain::patch::{set, set_nullable, Merge};
use crate::domain::person::{self as rules, PersonDraft, PersonFields};
use crate::error::{ApiResult, Violations};
use crate::models::beneficiary::{self as model, BeneficiaryRow};
use crate::paging::SeqKey;
use crate::state::AppState;
use crate::usecases;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/beneficiaries")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        super::http::resource("/beneficiaries/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(patch)),
    )
    .service(
        super::http::resource("/beneficiaries/{id}/access-log").route(web::get().to(access_log)),
    )
    .service(super::http::resource("/beneficiaries/{id}/erasure").route(web::post().to(erase)))
    .service(super::http::resource("/beneficiaries/{id}/export").route(web::get().to(export)));
}

/// A person far from employment, as the facilitator and their referent see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Beneficiary {
    pub id: Uuid,
    pub last_name: String,
    pub first_name: String,
    pub sex: Sex,
    #[serde(serialize_with = "super::json::day")]
    pub birth_date: NaiveDate,
    #[schema(pattern = "^[0-9]{5}$")]
    pub postal_code: String,
    /// The priority neighbourhood (QPV) the person lives in; null when none.
    #[schema(required = true)]
    pub qpv_code: Option<String>,
    /// Null when unknown.
    #[schema(required = true)]
    pub qualification_level: Option<QualificationLevel>,
    pub eligibility: Vec<Eligibility>,
    /// Why the facilitator validated `other_validated`.
    #[schema(required = true)]
    pub eligibility_reason: Option<String>,
    /// The PLIE (or other referent) following the person.
    #[schema(required = true)]
    pub referent_id: Option<Uuid>,
    /// The person's id in the tool a history import brought them from (its `person_ref`);
    /// null for a person registered here.
    #[schema(required = true)]
    pub external_ref: Option<String>,
    /// The territory whose facilitator follows the person (a person followed in two
    /// territories is two records); fixed once set.
    pub territory_id: Uuid,
    /// Always `false` on a live record (`true` on an [`ErasedBeneficiary`]).
    #[schema(schema_with = flag::<false>)]
    pub erased: bool,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

/// A person once erased: the record stays, anonymous, so the figures stay whole; names, birth
/// date, postal code, QPV code and free text are gone for good (always null).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedBeneficiary {
    pub id: Uuid,
    #[schema(required = true, schema_with = gone)]
    pub last_name: Option<String>,
    #[schema(required = true, schema_with = gone)]
    pub first_name: Option<String>,
    pub sex: Sex,
    #[schema(required = true, schema_with = gone)]
    pub birth_date: Option<NaiveDate>,
    #[schema(required = true, schema_with = gone)]
    pub postal_code: Option<String>,
    #[schema(required = true, schema_with = gone)]
    pub qpv_code: Option<String>,
    /// Null when unknown.
    #[schema(required = true)]
    pub qualification_level: Option<QualificationLevel>,
    pub eligibility: Vec<Eligibility>,
    #[schema(required = true, schema_with = gone)]
    pub eligibility_reason: Option<String>,
    #[schema(required = true)]
    pub referent_id: Option<Uuid>,
    pub territory_id: Uuid,
    /// Always `true`.
    #[schema(schema_with = flag::<true>)]
    pub erased: bool,
    pub version: i32,
    #[serde(serialize_with = "super::json::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::json::instant")]
    pub updated_at: DateTime<Utc>,
}

/// `erased` as a constant, so a generated client tells the two records
/// apart by it (an enum of one boolean, not a `discriminator`, which
/// generators rewrite as a string).
fn flag<const ERASED: bool>() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([ERASED]))
        .build()
}

/// A field erasure removed: always null.
fn gone() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Null)
        .description(Some("Gone with the erasure: always null"))
        .build()
}

/// What an employer sees of the people it employs or employed: their name.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryName {
    pub id: Uuid,
    /// Null once the person is erased.
    #[schema(required = true)]
    pub last_name: Option<String>,
    /// Null once the person is erased.
    #[schema(required = true)]
    pub first_name: Option<String>,
}

/// A person's whole record: live, or erased (`erased` tells which).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PersonRecord {
    Live(Beneficiary),
    Erased(ErasedBeneficiary),
}

impl PersonRecord {
    pub fn of(row: BeneficiaryRow) -> PersonRecord {
        let f = row.fields();
        let identity = match (
            row.erased_at,
            row.last_name,
            row.first_name,
            row.birth_date,
            row.postal_code,
        ) {
            (None, Some(last), Some(first), Some(birth), Some(postal)) => {
                Some((last, first, birth, postal))
            }
            _ => None,
        };
        match identity {
            Some((last_name, first_name, birth_date, postal_code)) => {
                PersonRecord::Live(Beneficiary {
                    id: row.id,
                    last_name,
                    first_name,
                    sex: f.sex,
                    birth_date,
                    postal_code,
                    qpv_code: f.qpv_code,
                    qualification_level: f.qualification_level,
                    eligibility: f.eligibility,
                    eligibility_reason: f.eligibility_reason,
                    referent_id: f.referent_id,
                    external_ref: row.external_ref,
                    territory_id: row.territory_id,
                    erased: false,
                    version: row.version,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                })
            }
            // The database holds a live record's identity whole
            // (beneficiaries_identity): only an erased one lacks it.
            None => PersonRecord::Erased(ErasedBeneficiary {
                id: row.id,
                last_name: None,
                first_name: None,
                sex: f.sex,
                birth_date: None,
                postal_code: None,
                qpv_code: None,
                qualification_level: f.qualification_level,
                eligibility: f.eligibility,
                eligibility_reason: None,
                referent_id: f.referent_id,
                territory_id: row.territory_id,
                erased: true,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            }),
        }
    }
}

/// The full record (live or erased: `erased` tells), or the name only for an employer (no
/// `erased` member).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BeneficiaryView {
    Live(Beneficiary),
    Erased(ErasedBeneficiary),
    Name(BeneficiaryName),
}

impl BeneficiaryView {
    pub fn of(row: BeneficiaryRow, view: PersonView) -> BeneficiaryView {
        match view {
            PersonView::NameOnly => BeneficiaryView::Name(BeneficiaryName {
                id: row.id,
                last_name: row.last_name,
                first_name: row.first_name,
            }),
            PersonView::Full => match PersonRecord::of(row) {
                PersonRecord::Live(b) => BeneficiaryView::Live(b),
                PersonRecord::Erased(b) => BeneficiaryView::Erased(b),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryPage {
    pub items: Vec<BeneficiaryView>,
    /// Pass as `cursor` for the next page; null on the page holding the last item.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(BeneficiaryPage, BeneficiaryView);

/// A new person. A PLIE that registers someone is their referent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBeneficiary {
    /// The territory: a territory's facilitator's own when left out; a facilitator without
    /// `org` or a PLIE names it when the deployment has several (422 otherwise). Fixed once set.
    pub territory_id: Option<Uuid>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub last_name: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub first_name: Option<String>,
    #[schema(required = true, nullable = false)]
    pub sex: Option<Sex>,
    /// The person must be at least 16.
    #[schema(required = true, nullable = false)]
    #[serde(default, deserialize_with = "super::input::date")]
    pub birth_date: Option<NaiveDate>,
    #[schema(required = true, nullable = false, pattern = "^[0-9]{5}$")]
    pub postal_code: Option<String>,
    /// `QN09103M` (2024 list) or `QP091001` (2015 list).
    #[schema(pattern = "^(QN[0-9]{5}[A-Z]|QP[0-9]{6})$")]
    pub qpv_code: Option<String>,
    pub qualification_level: Option<QualificationLevel>,
    /// At least one criterion.
    #[schema(required = true, nullable = false, min_items = 1)]
    pub eligibility: Option<Vec<Eligibility>>,
    /// Required with `other_validated`, at most 1,000 characters.
    pub eligibility_reason: Option<String>,
    /// The referent organisation; a PLIE's own by default when a PLIE registers.
    pub referent_id: Option<Uuid>,
}

/// Changes to a person (JSON Merge Patch): absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Sex>, nullable = false)]
    pub sex: Option<Option<Sex>>,
    #[serde(default, deserialize_with = "super::input::patch_date")]
    #[schema(value_type = Option<NaiveDate>, nullable = false)]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable = false)]
    pub postal_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub qpv_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<QualificationLevel>)]
    pub qualification_level: Option<Option<QualificationLevel>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<Eligibility>>, nullable = false)]
    pub eligibility: Option<Option<Vec<Eligibility>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub eligibility_reason: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub referent_id: Option<Option<Uuid>>,
}

paged_query! {
    pub struct BeneficiaryQuery {
        /// Only people followed by this referent.
        pub referent_id: Option<Uuid>,
        /// Only people whose last name starts with this (case-insensitive).
        pub last_name: Option<String>,
        /// Only people of this territory.
        pub territory_id: Option<Uuid>,
    }
    updated_since
}

super::endpoint::list! {
    path = "/api/v1/beneficiaries", tag = "beneficiaries", operation_id = "list_beneficiaries", params(BeneficiaryQuery),
    ok = (BeneficiaryPage, "A page of the people you may see (names only for an employer)"), errors = RestrictedQuery;
    /// List people
    ///
    /// Personal data: the facilitator reads everyone, a PLIE the people it follows, a company
    /// the names of the people it employs; a buyer, the Département and the State get 403.
    /// Filters: `referent_id`, `last_name`, `updated_since`. Every read is written in the
    /// person's access trail.
    pub async fn list(state, p, req) {
        access::beneficiaries::read(&p)?;
        let (q, page, v) = list_query::<BeneficiaryQuery, _>(&req);
        v.finish()?;
        let filter = model::Filter {
            referent_id: q.referent_id,
            last_name: q.last_name,
            territory_id: q.territory_id,
        };
        let (page, view) = db::run(&state.pool, move |c| {
            usecases::people::list(c, &p, filter, page)
        })
        .await?;
        Ok(HttpResponse::Ok().json(BeneficiaryPage::from(
            page.map(|r| BeneficiaryView::of(r, view)),
        )))
    }
}

super::endpoint::create! {
    path = "/api/v1/beneficiaries", tag = "beneficiaries", operation_id = "create_beneficiary",
    body = NewBeneficiary, created = (Beneficiary, "Registered"), errors = Creating;
    /// Register a person
    ///
    /// The facilitator, or a PLIE (which becomes the person's referent). Required: names, sex,
    /// birth date, postal code, at least one eligibility criterion (DOMAIN.md).
    pub async fn create(state, p, req, body) {
        access::beneficiaries::write(&p)?;
        let (input, mut v) = json_body::<NewBeneficiary>(&req, &body)?;
        let referent_id = access::beneficiaries::referent_for(&p, input.referent_id.map(Some))?;
        let fields = rules::check(
            PersonDraft {
                last_name: input.last_name,
                first_name: input.first_name,
                sex: input.sex,
                birth_date: input.birth_date,
                postal_code: input.postal_code,
                qpv_code: input.qpv_code,
                qualification_level: input.qualification_level,
                eligibility: input.eligibility,
                eligibility_reason: input.eligibility_reason,
                referent_id,
            },
            Utc::now().date_naive(),
            &mut v,
        );
        let fields = v.finish_with(fields)?;
        let territory = input.territory_id;
        let row = db::run(&state.pool, move |c| {
            usecases::people::create(c, &p, &fields, territory)
        })
        .await?;
        Ok(super::http::created(format!("/api/v1/beneficiaries/{}", row.id), row.version, &BeneficiaryView::of(row, PersonView::Full)))
    }
}

super::endpoint::get_one! {
    path = "/api/v1/beneficiaries/{id}", tag = "beneficiaries", operation_id = "get_beneficiary", id = "Beneficiary id",
    ok = (BeneficiaryView, "The person (name only for an employer)"), errors = RestrictedOne;
    /// Read a person
    ///
    /// Whoever lists people reads one, in the same scope: a company sees the name only. Sends `ETag`; 304 on a matching
    /// `If-None-Match`. The read is written in the person's access trail.
    pub async fn get(state, p, req, id) {
        access::beneficiaries::read(&p)?;
        let id = path_id(&id, "beneficiary")?;
        let (row, view) = db::run(&state.pool, move |c| usecases::people::get(c, &p, id)).await?;
        Ok(super::http::one(&req,
            row.version, &BeneficiaryView::of(row, view),))
    }
}

super::endpoint::patch! {
    path = "/api/v1/beneficiaries/{id}", tag = "beneficiaries", operation_id = "update_beneficiary", id = "Beneficiary id",
    body = BeneficiaryPatch, changed = (Beneficiary, "The person as changed"),
    conflict = "The person was erased: the record can no longer change";
    /// Change a person's record
    ///
    /// The facilitator, or the PLIE that follows the person. A JSON merge patch under
    /// `If-Match` (412 when the version moved). 409 once the person was erased.
    pub async fn patch(state, p, req, id, body) {
        access::beneficiaries::write(&p)?;
        let (id, precondition, mut patch, mut v) =
            super::endpoint::patch_request::<BeneficiaryPatch>(&req, &id, "beneficiary", &body)?;
        v.not_null("last_name", &patch.last_name);
        v.not_null("first_name", &patch.first_name);
        v.not_null("sex", &patch.sex);
        v.not_null("birth_date", &patch.birth_date);
        v.not_null("postal_code", &patch.postal_code);
        v.not_null("eligibility", &patch.eligibility);
        patch.referent_id = match patch.referent_id {
            None => None,
            asked => Some(access::beneficiaries::referent_for(&p, asked)?),
        };
        let row = db::run(&state.pool, move |c| {
            usecases::people::update(c, &p, id, &precondition, patch, v)
        })
        .await?;
        Ok(super::http::changed(row.version, &PersonRecord::of(row)))
    }
}

impl Merge<PersonFields> for BeneficiaryPatch {
    fn merge(self, f: &mut PersonFields, _: &mut Violations) {
        set(&mut f.last_name, self.last_name);
        set(&mut f.first_name, self.first_name);
        set(&mut f.sex, self.sex);
        set(&mut f.birth_date, self.birth_date);
        set(&mut f.postal_code, self.postal_code);
        set(&mut f.eligibility, self.eligibility);
        set_nullable(&mut f.qpv_code, self.qpv_code);
        set_nullable(&mut f.qualification_level, self.qualification_level);
        set_nullable(&mut f.eligibility_reason, self.eligibility_reason);
        // The handler resolved it to the referent the caller may name.
        set_nullable(&mut f.referent_id, self.referent_id);
    }
}

/// One entry of a person's access trail: who, when, what, in which request. Never a personal value.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntry {
    pub id: i64,
    #[serde(serialize_with = "super::json::instant")]
    pub at: DateTime<Utc>,
    pub sub: String,
    pub role: String,
    #[schema(required = true)]
    pub org: Option<Uuid>,
    /// `read`, `create`, `update`, `export` or `erase`.
    pub action: String,
    pub beneficiary_id: Uuid,
    pub request_id: String,
}

impl From<crate::models::trail::TrailRow> for AccessLogEntry {
    fn from(r: crate::models::trail::TrailRow) -> Self {
        AccessLogEntry {
            id: r.id,
            at: r.at,
            sub: r.sub,
            role: r.role,
            org: r.org,
            action: r.action,
            // A person's trail holds only entries about them (access_trail_subject).
            beneficiary_id: r.beneficiary_id.unwrap_or_default(),
            request_id: r.request_id,
        }
    }
}

/// A page of a person's access trail, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessLogEntry>,
    /// Pass as `cursor` for the next page; null on the page holding the last entry.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

super::http::page_view!(AccessLogPage, AccessLogEntry);

paged_query! {
    pub struct AccessLogQuery {

    }
}

super::endpoint::list! {
    path = "/api/v1/beneficiaries/{id}/access-log", tag = "beneficiaries", operation_id = "get_beneficiary_access_log", params(("id" = Uuid, Path, description = "Beneficiary id"), AccessLogQuery),
    ok = (AccessLogPage, "Who read or changed the person's data"), errors = RestrictedOneQuery;
    /// Who read or changed a person's data
    ///
    /// The person's access trail, newest last: the facilitator for anyone, a PLIE for the
    /// people it follows; 403 for every other role.
    pub async fn access_log(state, p, req, id) {
        access::beneficiaries::trail(&p)?;
        let id = path_id(&id, "beneficiary")?;
        let (_, page, v) = list_query::<AccessLogQuery, SeqKey>(&req);
        v.finish()?;
        let page = db::run(&state.pool, move |c| model::access_log(c, &p, id, page)).await?;
        Ok(HttpResponse::Ok().json(AccessLogPage::from(page.map(AccessLogEntry::from))))
    }
}

/// Everything the service holds on a person: the record, placements, hours and the access trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataExport {
    pub beneficiary: PersonRecord,
    pub placements: Vec<super::placements::Placement>,
    pub hours: Vec<super::hours::MonthlyHours>,
    /// What became of the person after each ended placement.
    pub outcomes: Vec<super::outcomes::Outcome>,
    pub access_trail: Vec<AccessLogEntry>,
}

/// Everything held on a person
///
/// The person's own copy (GDPR right of access), written in their trail as an export.
/// Facilitator only.
#[utoipa::path(
    get, path = "/api/v1/beneficiaries/{id}/export", tag = "beneficiaries", operation_id = "export_beneficiary",
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "The person's own copy (trailed as an export)", body = PersonalDataExport),
        crate::api::responses::RestrictedOne,
    ),
    security(("bearer" = []))
)]
pub async fn export(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    access::beneficiaries::export(&p)?;
    let id = path_id(&id, "beneficiary")?;
    let data = db::run(&state.pool, move |c| usecases::people::export(c, &p, id)).await?;
    let (placements, hours, outcomes, trail) =
        (data.placements, data.hours, data.outcomes, data.trail);
    Ok(HttpResponse::Ok().json(PersonalDataExport {
        beneficiary: PersonRecord::of(data.person),
        placements: placements
            .into_iter()
            .filter_map(|pl| {
                match super::placements::PlacementOut::of(pl, crate::access::PlacementView::Full) {
                    super::placements::PlacementOut::Full(f) => Some(f),
                    super::placements::PlacementOut::ForBuyer(_) => None,
                }
            })
            .collect(),
        hours: hours
            .into_iter()
            .map(super::hours::MonthlyHours::from)
            .collect(),
        outcomes: outcomes
            .into_iter()
            .map(super::outcomes::Outcome::from)
            .collect(),
        access_trail: trail.into_iter().map(AccessLogEntry::from).collect(),
    }))
}

/// Erase a person
///
/// Facilitator only. Names, birth date, postal code, QPV code and free text are gone for good;
/// the anonymous record stays so every figure stays whole. Erasing again answers the same.
#[utoipa::path(
    post, path = "/api/v1/beneficiaries/{id}/erasure", tag = "beneficiaries", operation_id = "erase_beneficiary",
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "The person is erased for good: names, birth date, postal code, QPV code and free text are gone; the anonymous record stays so every figure stays whole. Erasing again answers the same.", body = ErasedBeneficiary),
        crate::api::responses::RestrictedOne,
    ),
    security(("bearer" = []))
)]
pub async fn erase(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    access::beneficiaries::erase(&p)?;
    let id = path_id(&id, "beneficiary")?;
    let row = db::run(&state.pool, move |c| usecases::people::erase(c, &p, id)).await?;
    Ok(super::http::changed(row.version, &PersonRecord::of(row)))
}
