use chrono::{DateTime, Utc};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use crate::access;
use crate::auth::Principal;
use crate::db::schema::organisations;
use crate::db::{self, DbPool};
use crate::domain::codes::{BuyerCategory, IdentifierType, OrgKind, SiaeType};
use crate::domain::organisation::OrganisationFields;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
    pub siret: Option<String>,
    pub siae_type: Option<String>,
    pub identifier_type: Option<String>,
    pub identifier: Option<String>,
    pub buyer_category: Option<BuyerCategory>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub territory_id: Option<Uuid>,
}

crate::paging::timestamped!(OrganisationRow);

impl OrganisationRow {
    /// The stored codes, back as enums (the table's CHECKs guarantee them).
    pub fn fields(&self) -> OrganisationFields {
        OrganisationFields {
            kind: self.kind,
            name: self.name.clone(),
            siret: self.siret.clone(),
            siae_type: self.siae_type.as_deref().and_then(SiaeType::parse),
            identifier_type: self
                .identifier_type
                .as_deref()
                .and_then(IdentifierType::parse),
            identifier: self.identifier.clone(),
            buyer_category: self.buyer_category,
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
struct Columns<'a> {
    kind: &'a str,
    name: &'a str,
    siret: Option<&'a str>,
    siae_type: Option<&'a str>,
    identifier_type: Option<&'a str>,
    identifier: Option<&'a str>,
    buyer_category: Option<&'a str>,
}

impl<'a> From<&'a OrganisationFields> for Columns<'a> {
    fn from(f: &'a OrganisationFields) -> Self {
        Columns {
            kind: f.kind.as_str(),
            name: &f.name,
            siret: f.siret.as_deref(),
            siae_type: f.siae_type.map(SiaeType::as_str),
            identifier_type: f.identifier_type.map(IdentifierType::as_str),
            identifier: f.identifier.as_deref(),
            buyer_category: f.buyer_category.map(BuyerCategory::as_str),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<OrgKind>,
    pub siret: Option<String>,
}

fn scoped(p: &Principal) -> organisations::BoxedQuery<'static, diesel::pg::Pg> {
    organisations::table
        .filter(access::organisations::read(p))
        .into_boxed()
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<Page<OrganisationRow>> {
    let mut q = scoped(p);
    if let Some(kind) = filter.kind {
        q = q.filter(organisations::kind.eq(kind.as_str()));
    }
    if let Some(siret) = filter.siret {
        q = q.filter(organisations::siret.eq(siret));
    }
    super::keyset_page!(q, organisations, page);
    let rows = q.select(OrganisationRow::as_select()).load(conn)?;
    Ok(Page::cut(rows, &page))
}

type ById = organisations::BoxedQuery<'static, Pg, SqlTypeOf<AsSelect<OrganisationRow, Pg>>>;

fn by_id(p: &Principal, id: Uuid) -> ById {
    scoped(p)
        .filter(organisations::id.eq(id))
        .select(OrganisationRow::as_select())
}

/// A read by primary key, so on the worker's pipelined connection (see
/// `db::pipelined`).
pub async fn get(pool: &DbPool, p: &Principal, id: Uuid) -> ApiResult<OrganisationRow> {
    db::pipelined::first(pool, || Ok(by_id(p, id)))
        .await?
        .ok_or_else(|| ApiError::not_found("organisation"))
}

/// The same read inside a transaction of the pool.
fn get_in(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OrganisationRow> {
    by_id(p, id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("organisation"))
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &OrganisationFields,
    territory: Option<Uuid>,
) -> ApiResult<OrganisationRow> {
    access::organisations::write(p)?;
    let territory = territory_of(conn, p, fields.kind, None, territory)?;
    insert(conn, Uuid::now_v7(), fields, territory)
}

/// The territory an organisation of `kind` works inside: a facilitator's
/// is the one named (moving it is the platform team's), else the one it
/// had, else the one new rows land in; any other kind has none (422 on
/// `territory_id` when one is named).
pub fn territory_of(
    conn: &mut PgConnection,
    p: &Principal,
    kind: OrgKind,
    current: Option<Uuid>,
    named: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    if kind != OrgKind::Facilitator {
        return match named {
            Some(_) => Err(ApiError::validation(
                "territory_id",
                "only an organisation of kind facilitator works inside a territory",
            )),
            None => Ok(None),
        };
    }
    match (current, named) {
        (Some(c), None) => Ok(Some(c)),
        (Some(c), Some(n)) if c == n => Ok(Some(c)),
        (Some(_), Some(_)) => {
            access::territories::write(p)?;
            Ok(Some(super::territory::for_new(conn, p, named)?))
        }
        (None, named) => Ok(Some(super::territory::for_new(conn, p, named)?)),
    }
}

/// Writes a new organisation under an id its caller chose (an import
/// links rows to it before it is written).
pub fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &OrganisationFields,
    territory: Option<Uuid>,
) -> ApiResult<OrganisationRow> {
    Ok(diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id),
            organisations::territory_id.eq(territory),
            Columns::from(fields),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)?)
}

/// Applies `change` to the current record under a row lock, so two
/// concurrent patches cannot both pass the same `If-Match`.
/// An organisation's kind is what its ties were checked against (a holder
/// is a company, a buyer a buyer, a referent a PLIE): while it has any, the
/// kind stays (409 on `kind`), else a token of the new role would read
/// what the ties open.
pub fn kind_may_change(conn: &mut PgConnection, id: Uuid) -> ApiResult<()> {
    use crate::db::schema::{beneficiaries, contracts, offers, placements};
    let contracts: i64 = contracts::table
        .filter(contracts::holder_id.eq(id).or(contracts::buyer_id.eq(id)))
        .count()
        .get_result(conn)?;
    let placements: i64 = placements::table
        .filter(placements::employer_id.eq(id))
        .count()
        .get_result(conn)?;
    let offers: i64 = offers::table
        .filter(offers::employer_id.eq(id))
        .count()
        .get_result(conn)?;
    let people: i64 = beneficiaries::table
        .filter(beneficiaries::referent_id.eq(id))
        .count()
        .get_result(conn)?;
    let ties: Vec<String> = [
        (contracts, "contracts it holds or buys"),
        (placements, "placements it employs on"),
        (offers, "offers it employs for"),
        (people, "people it follows"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if ties.is_empty() {
        return Ok(());
    }
    Err(ApiError::conflict(
        "kind",
        format!(
            "the organisation's kind cannot change while it has {}",
            ties.join(", ")
        ),
    ))
}

/// The organisation, locked for a change by `p`.
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<OrganisationRow> {
    access::organisations::write(p)?;
    get_in(conn, p, id)?;
    Ok(organisations::table
        .find(id)
        .for_update()
        .select(OrganisationRow::as_select())
        .first(conn)?)
}

/// Writes a locked organisation's new fields, with its next version.
pub fn save(
    conn: &mut PgConnection,
    id: Uuid,
    new: &OrganisationFields,
    territory: Option<Uuid>,
) -> ApiResult<OrganisationRow> {
    Ok(diesel::update(organisations::table.find(id))
        .set((
            Columns::from(new),
            organisations::territory_id.eq(territory),
            organisations::version.eq(organisations::version + 1),
            organisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)?)
}

/// Writes new fields, keeping a facilitator's territory (any other kind
/// has none).
pub fn save_fields(
    conn: &mut PgConnection,
    id: Uuid,
    new: &OrganisationFields,
) -> ApiResult<OrganisationRow> {
    let current: Option<Uuid> = organisations::table
        .find(id)
        .select(organisations::territory_id)
        .first(conn)?;
    save(
        conn,
        id,
        new,
        current.filter(|_| new.kind == OrgKind::Facilitator),
    )
}
