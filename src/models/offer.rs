//! Offers: jobs to fill on a contract, and their public list.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::{contracts, offers, organisations};
use crate::db::{self, DbPool};
use crate::domain::codes::OrgKind;
use crate::domain::offer::{ContractType, OfferContext, OfferFields, OfferStatus};
use crate::domain::organisation::Party;
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub job_title: String,
    pub contract_type: ContractType,
    pub hours_per_week: Decimal,
    pub positions: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub postal_code: String,
    pub description: Option<String>,
    pub qpv_priority: bool,
    pub external_url: Option<String>,
    pub status: OfferStatus,
    pub hired: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub territory_id: Uuid,
}

crate::paging::timestamped!(OfferRow);

impl OfferRow {
    pub fn fields(&self) -> OfferFields {
        OfferFields {
            contract_id: self.contract_id,
            employer_id: self.employer_id,
            job_title: self.job_title.clone(),
            contract_type: self.contract_type,
            hours_per_week: self.hours_per_week,
            positions: self.positions,
            start_date: self.start_date,
            end_date: self.end_date,
            postal_code: self.postal_code.clone(),
            description: self.description.clone(),
            qpv_priority: self.qpv_priority,
            external_url: self.external_url.clone(),
            status: self.status,
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = offers, treat_none_as_null = true)]
struct Columns<'a> {
    contract_id: Uuid,
    employer_id: Uuid,
    job_title: &'a str,
    contract_type: &'a str,
    hours_per_week: Decimal,
    positions: i32,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    postal_code: &'a str,
    description: Option<&'a str>,
    qpv_priority: bool,
    external_url: Option<&'a str>,
    status: &'a str,
}

impl<'a> From<&'a OfferFields> for Columns<'a> {
    fn from(f: &'a OfferFields) -> Self {
        Columns {
            contract_id: f.contract_id,
            employer_id: f.employer_id,
            job_title: &f.job_title,
            contract_type: f.contract_type.as_str(),
            hours_per_week: f.hours_per_week,
            positions: f.positions,
            start_date: f.start_date,
            end_date: f.end_date,
            postal_code: &f.postal_code,
            description: f.description.as_deref(),
            qpv_priority: f.qpv_priority,
            external_url: f.external_url.as_deref(),
            status: f.status.as_str(),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub contract_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
    pub status: Option<OfferStatus>,
    pub territory_id: Option<Uuid>,
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<Page<OfferRow>> {
    let mut q = offers::table.filter(access::offers::read(p)).into_boxed();
    if let Some(c) = filter.contract_id {
        q = q.filter(offers::contract_id.eq(c));
    }
    if let Some(e) = filter.employer_id {
        q = q.filter(offers::employer_id.eq(e));
    }
    if let Some(s) = filter.status {
        q = q.filter(offers::status.eq(s.as_str()));
    }
    if let Some(t) = filter.territory_id {
        q = q.filter(offers::territory_id.eq(t));
    }
    super::keyset_page!(q, offers, page);
    let rows = q.select(OfferRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

type ById = offers::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<OfferRow, Pg>>>;

fn by_id(p: &Principal, id: Uuid) -> ById {
    offers::table
        .filter(access::offers::read(p))
        .filter(offers::id.eq(id))
        .select(OfferRow::as_select())
        .into_boxed()
}

pub async fn get(pool: &DbPool, p: &Principal, id: Uuid) -> ApiResult<OfferRow> {
    db::pipelined::first(pool, || Ok(by_id(p, id)))
        .await?
        .ok_or_else(|| ApiError::not_found("offer"))
}

pub fn get_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OfferRow> {
    by_id(p, id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("offer"))
}

/// The offer, when the caller sees it, locked against a change of status
/// until the transaction ends (a proposal is taken only while it is open).
pub fn get_shared_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OfferRow> {
    offers::table
        .filter(access::offers::read(p))
        .filter(offers::id.eq(id))
        .select(OfferRow::as_select())
        .for_share()
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("offer"))
}

/// The contract's dates, for a caller who may publish on it (`p`; `None`
/// for an offer already there, whose contract stays), and whether the
/// employer is a company.
pub fn context(
    conn: &mut PgConnection,
    p: Option<&Principal>,
    contract_id: Option<Uuid>,
    employer_id: Option<Uuid>,
    hired: i32,
    v: &mut Violations,
) -> ApiResult<Option<OfferContext>> {
    let mut ctx = None;
    if let Some(c) = contract_id {
        let mut q = contracts::table.filter(contracts::id.eq(c)).into_boxed();
        if let Some(p) = p {
            q = q.filter(access::offers::on_contracts(p)?);
        }
        let dates: Option<(NaiveDate, NaiveDate)> = q
            .select((contracts::start_date, contracts::end_date))
            .first(conn)
            .optional()?;
        match dates {
            Some((contract_start, contract_end)) => {
                ctx = Some(OfferContext {
                    contract_start,
                    contract_end,
                    hired,
                })
            }
            None => v.add(
                "contract_id",
                "no contract with this id that you may publish offers on",
            ),
        }
    }
    if let Some(e) = employer_id {
        let kind: Option<OrgKind> = organisations::table
            .find(e)
            .select(organisations::kind)
            .first(conn)
            .optional()?;
        match kind {
            Some(kind) => Party::Employer.check(kind, "employer_id", v),
            None => v.add("employer_id", "no organisation has this id"),
        }
    }
    Ok(ctx)
}

/// The contract's holder, the employer by default.
pub fn holder_of(conn: &mut PgConnection, contract_id: Uuid) -> ApiResult<Option<Uuid>> {
    Ok(contracts::table
        .find(contract_id)
        .select(contracts::holder_id)
        .first(conn)
        .optional()?)
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    draft: crate::domain::offer::OfferDraft,
    mut v: Violations,
) -> ApiResult<OfferRow> {
    access::offers::write(p)?;
    let mut draft = draft;
    if draft.employer_id.is_none() {
        if let Some(c) = draft.contract_id {
            draft.employer_id = holder_of(conn, c)?;
        }
    }
    let ctx = context(
        conn,
        Some(p),
        draft.contract_id,
        draft.employer_id,
        0,
        &mut v,
    )?;
    let fields = crate::domain::offer::check(draft, ctx.as_ref(), &mut v);
    let fields = v.finish_with(fields)?;
    // An offer is its contract's territory's.
    let territory: Uuid = contracts::table
        .find(fields.contract_id)
        .select(contracts::territory_id)
        .first(conn)?;
    Ok(diesel::insert_into(offers::table)
        .values((
            offers::id.eq(Uuid::now_v7()),
            offers::territory_id.eq(territory),
            Columns::from(&fields),
        ))
        .returning(OfferRow::as_returning())
        .get_result(conn)?)
}

/// The offer, locked for a change by `p`: 404 out of their sight, 403 when
/// they see it but may not change it.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OfferRow> {
    let writable = access::offers::write(p)?;
    get_in(conn, p, id)?;
    offers::table
        .filter(writable)
        .filter(offers::id.eq(id))
        .for_update()
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::Forbidden("you may not change this offer".into()))
}

/// Writes a locked offer's new fields, with its next version.
pub fn save(conn: &mut PgConnection, id: Uuid, new: &OfferFields) -> ApiResult<OfferRow> {
    Ok(diesel::update(offers::table.find(id))
        .set((
            Columns::from(new),
            offers::version.eq(offers::version + 1),
            offers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OfferRow::as_returning())
        .get_result(conn)?)
}

/// One open offer as the public reads it.
#[derive(Debug, Clone, Queryable)]
pub struct PublicOfferRow {
    pub id: Uuid,
    pub job_title: String,
    pub contract_type: ContractType,
    pub hours_per_week: Decimal,
    pub positions: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub postal_code: String,
    pub description: Option<String>,
    pub qpv_priority: bool,
    pub external_url: Option<String>,
    pub employer_name: String,
    pub buyer_name: String,
    pub contract_title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(PublicOfferRow);

#[derive(Debug, Default, Clone)]
pub struct PublicFilter {
    /// 1 to 5 digits.
    pub postal_code: Option<String>,
    pub contract_type: Option<ContractType>,
}

/// Open offers, with the names the public reads, oldest first.
pub fn public(
    conn: &mut PgConnection,
    filter: PublicFilter,
    page: PageRequest,
) -> ApiResult<Page<PublicOfferRow>> {
    let (employers, buyers) = diesel::alias!(organisations as employers, organisations as buyers);
    let mut q = offers::table
        .inner_join(contracts::table)
        .inner_join(employers.on(employers.field(organisations::id).eq(offers::employer_id)))
        .inner_join(buyers.on(buyers.field(organisations::id).eq(contracts::buyer_id)))
        .filter(offers::status.eq(OfferStatus::Open.as_str()))
        .into_boxed();
    if let Some(prefix) = filter.postal_code {
        q = q.filter(offers::postal_code.like(format!("{prefix}%")));
    }
    if let Some(t) = filter.contract_type {
        q = q.filter(offers::contract_type.eq(t.as_str()));
    }
    super::keyset_page!(q, offers, page);
    let rows = q
        .select((
            offers::id,
            offers::job_title,
            offers::contract_type,
            offers::hours_per_week,
            offers::positions,
            offers::start_date,
            offers::end_date,
            offers::postal_code,
            offers::description,
            offers::qpv_priority,
            offers::external_url,
            employers.field(organisations::name),
            buyers.field(organisations::name),
            contracts::title,
            offers::created_at,
            offers::updated_at,
        ))
        .load::<PublicOfferRow>(conn)?;
    Ok(Page::cut(rows, &page))
}
