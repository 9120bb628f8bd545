use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::beneficiary;
use crate::access::{self, PlacementView};
use crate::auth::Principal;
use crate::db::schema::{contracts, monthly_hours, organisations, placements};
use crate::db::{self, DbPool};
use crate::domain::calendar::Month;
use crate::domain::codes::{Modality, OrgKind};
use crate::domain::organisation::Party;
use crate::domain::placement::{self as rules, Context, PlacementDraft, PlacementFields};
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = placements)]
pub struct PlacementRow {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub contract_id: Uuid,
    pub employer_id: Uuid,
    pub modality: Modality,
    pub job_title: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub weekly_hours: Option<Decimal>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::paging::timestamped!(PlacementRow);

impl PlacementRow {
    pub fn fields(&self) -> PlacementFields {
        PlacementFields {
            beneficiary_id: self.beneficiary_id,
            contract_id: self.contract_id,
            employer_id: self.employer_id,
            modality: self.modality,
            job_title: self.job_title.clone(),
            start_date: self.start_date,
            end_date: self.end_date,
            weekly_hours: self.weekly_hours,
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = placements, treat_none_as_null = true)]
struct Columns<'a> {
    beneficiary_id: Uuid,
    contract_id: Uuid,
    employer_id: Uuid,
    modality: &'a str,
    job_title: &'a str,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    weekly_hours: Option<Decimal>,
}

impl<'a> From<&'a PlacementFields> for Columns<'a> {
    fn from(f: &'a PlacementFields) -> Self {
        Columns {
            beneficiary_id: f.beneficiary_id,
            contract_id: f.contract_id,
            employer_id: f.employer_id,
            modality: f.modality.as_str(),
            job_title: &f.job_title,
            start_date: f.start_date,
            end_date: f.end_date,
            weekly_hours: f.weekly_hours,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub contract_id: Option<Uuid>,
    pub beneficiary_id: Option<Uuid>,
    pub employer_id: Option<Uuid>,
    pub started_from: Option<NaiveDate>,
    pub started_to: Option<NaiveDate>,
}

/// A page of the placements `p` may read. A plain indexed `SELECT`, so on
/// the worker's pipelined connection like a read by id.
pub async fn list(
    pool: &DbPool,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<(Page<PlacementRow>, PlacementView)> {
    let (_, view) = access::placements::read(p)?;
    let rows = db::pipelined::load_read(pool, || {
        let (scope, _) = access::placements::read(p)?;
        let mut q = placements::table.filter(scope).into_boxed();
        if let Some(c) = filter.contract_id {
            q = q.filter(placements::contract_id.eq(c));
        }
        if let Some(b) = filter.beneficiary_id {
            q = q.filter(placements::beneficiary_id.eq(b));
        }
        if let Some(e) = filter.employer_id {
            q = q.filter(placements::employer_id.eq(e));
        }
        if let Some(d) = filter.started_from {
            q = q.filter(placements::start_date.ge(d));
        }
        if let Some(d) = filter.started_to {
            q = q.filter(placements::start_date.le(d));
        }
        super::keyset_page!(q, placements, page);
        Ok(q.select(PlacementRow::as_select()))
    })
    .await?;
    Ok((Page::cut(rows, &page), view))
}

type ById = placements::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<PlacementRow, Pg>>>;

/// The placement `id` if `p` may read it, and how much of it.
fn by_id(p: &Principal, id: Uuid) -> ApiResult<(ById, PlacementView)> {
    let (scope, view) = access::placements::read(p)?;
    let query = placements::table
        .filter(scope)
        .filter(placements::id.eq(id))
        .select(PlacementRow::as_select())
        .into_boxed();
    Ok((query, view))
}

/// A read by primary key, so on the worker's pipelined connection (see
/// `db::pipelined`).
pub async fn get(
    pool: &DbPool,
    p: &Principal,
    id: Uuid,
) -> ApiResult<(PlacementRow, PlacementView)> {
    let (_, view) = access::placements::read(p)?;
    let row = db::pipelined::first(pool, || by_id(p, id).map(|(query, _)| query))
        .await?
        .ok_or_else(|| ApiError::not_found("placement"))?;
    Ok((row, view))
}

/// The same read inside a transaction of the pool.
fn get_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<PlacementRow> {
    by_id(p, id)?
        .0
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("placement"))
}

/// Checks what the placement points at and builds the rules' context.
/// `placeable` limits the contracts a new placement may name; a change
/// keeps its contract, so it passes `None`.
pub fn context(
    conn: &mut PgConnection,
    leave: Option<access::placements::Placing>,
    f: &PlacementDraft,
    recorded: Vec<(Month, Decimal)>,
) -> ApiResult<Context> {
    let mut v = Violations::default();
    let scope = match &leave {
        Some(l) => l.contracts(),
        None => Box::new(true.into_sql::<diesel::sql_types::Bool>()),
    };
    // Shared-locked: the contract's dates cannot move under the placement.
    let contract: Option<(NaiveDate, NaiveDate, Uuid)> = contracts::table
        .filter(contracts::id.eq(f.contract_id))
        .filter(scope)
        .select((
            contracts::start_date,
            contracts::end_date,
            contracts::territory_id,
        ))
        .for_share()
        .first(conn)
        .optional()?;
    if contract.is_none() {
        v.add(
            "contract_id",
            "no contract with this id that you may place people on",
        );
    }
    // A person of another territory than the contract's reads as unknown.
    let birth = beneficiary::birth_date(
        conn,
        leave.map(|l| l.people()),
        contract.map(|c| c.2),
        f.beneficiary_id,
    )?;
    if birth.is_none() {
        v.add("beneficiary_id", "no beneficiary has this id");
    }
    let mut employer = organisations::table
        .filter(organisations::id.eq(f.employer_id))
        .into_boxed();
    if let Some(l) = &leave {
        employer = employer.filter(l.employers(f.contract_id));
    }
    let employer: Option<String> = employer
        .select(organisations::kind)
        .first(conn)
        .optional()?;
    match employer.as_deref().and_then(OrgKind::parse) {
        Some(kind) => Party::Employer.check(kind, "employer_id", &mut v),
        None if leave.is_some_and(|l| l.names_employers()) => v.add(
            "employer_id",
            "no company with this id that you may name as employer on this contract: \
             yourself, or an employer the facilitator placed or published an offer for on it",
        ),
        None => v.add("employer_id", "no organisation has this id"),
    }
    let ctx = match (contract, birth) {
        (Some((contract_start, contract_end, _)), Some(birth_date)) => Some(Context {
            contract_start,
            contract_end,
            birth_date,
            recorded,
        }),
        _ => None,
    };
    Ok(v.finish_with(ctx)?)
}

pub fn create(
    conn: &mut PgConnection,
    leave: access::placements::Placing,
    draft: PlacementDraft,
    mut v: Violations,
) -> ApiResult<PlacementRow> {
    let ctx = context(conn, Some(leave), &draft, Vec::new())?;
    let fields = rules::check(draft, &ctx, &mut v);
    let fields = v.finish_with(fields)?;
    Ok(diesel::insert_into(placements::table)
        .values((placements::id.eq(Uuid::now_v7()), Columns::from(&fields)))
        .returning(PlacementRow::as_returning())
        .get_result(conn)?)
}

/// The placement, locked for a change by `p`: 404 out of their sight, 403
/// when they see it but may not change it.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<PlacementRow> {
    let writable = access::placements::write(p)?;
    get_in(conn, p, id)?;
    placements::table
        .filter(writable)
        .filter(placements::id.eq(id))
        .for_update()
        .select(PlacementRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::Forbidden("you may not change this placement".into()))
}

/// The hours recorded on a placement, month by month (worked and training).
pub fn recorded_months(conn: &mut PgConnection, id: Uuid) -> ApiResult<Vec<(Month, Decimal)>> {
    let recorded: Vec<(NaiveDate, Decimal)> = monthly_hours::table
        .filter(monthly_hours::placement_id.eq(id))
        .order(monthly_hours::month)
        .select((
            monthly_hours::month,
            monthly_hours::worked_hours + monthly_hours::training_hours,
        ))
        .load(conn)?;
    Ok(recorded
        .into_iter()
        .map(|(m, h)| (Month::from_date(m), h))
        .collect())
}

/// Writes a locked placement's new fields, with its next version.
pub fn save(conn: &mut PgConnection, id: Uuid, new: &PlacementFields) -> ApiResult<PlacementRow> {
    Ok(diesel::update(placements::table.find(id))
        .set((
            Columns::from(new),
            placements::version.eq(placements::version + 1),
            placements::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PlacementRow::as_returning())
        .get_result(conn)?)
}
