use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::trail::{self, TrailAction};
use crate::access::{self, PersonView};
use crate::auth::Principal;
use crate::db::schema::{beneficiaries, organisations};
use crate::domain::codes::{Eligibility, OrgKind, QualificationLevel, Sex};
use crate::domain::organisation::Party;
use crate::domain::person::PersonFields;
use crate::error::{ApiError, ApiResult, Violations};
use crate::paging::{Page, PageRequest, SeqKey};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = beneficiaries)]
pub struct BeneficiaryRow {
    pub id: Uuid,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: Option<String>,
    pub qpv_code: Option<String>,
    pub qualification_level: Option<String>,
    pub eligibility: Vec<String>,
    pub eligibility_reason: Option<String>,
    pub referent_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    /// The id another tool gave the person (set by a history import).
    pub external_ref: Option<String>,
    pub territory_id: Uuid,
}

crate::paging::timestamped!(BeneficiaryRow);

impl BeneficiaryRow {
    pub fn fields(&self) -> PersonFields {
        // An erased record has no identity left; its fields are never
        // changed again (see `update`).
        PersonFields {
            last_name: self.last_name.clone().unwrap_or_default(),
            first_name: self.first_name.clone().unwrap_or_default(),
            sex: self.sex,
            birth_date: self.birth_date.unwrap_or_default(),
            postal_code: self.postal_code.clone().unwrap_or_default(),
            qpv_code: self.qpv_code.clone(),
            qualification_level: self
                .qualification_level
                .as_deref()
                .and_then(QualificationLevel::parse),
            eligibility: self
                .eligibility
                .iter()
                .filter_map(|e| Eligibility::parse(e))
                .collect(),
            eligibility_reason: self.eligibility_reason.clone(),
            referent_id: self.referent_id,
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = beneficiaries, treat_none_as_null = true)]
struct Columns<'a> {
    last_name: &'a str,
    first_name: &'a str,
    sex: &'a str,
    birth_date: NaiveDate,
    postal_code: &'a str,
    qpv_code: Option<&'a str>,
    qualification_level: Option<&'a str>,
    eligibility: Vec<&'a str>,
    eligibility_reason: Option<&'a str>,
    referent_id: Option<Uuid>,
}

impl<'a> From<&'a PersonFields> for Columns<'a> {
    fn from(f: &'a PersonFields) -> Self {
        Columns {
            last_name: &f.last_name,
            first_name: &f.first_name,
            sex: f.sex.as_str(),
            birth_date: f.birth_date,
            postal_code: &f.postal_code,
            qpv_code: f.qpv_code.as_deref(),
            qualification_level: f.qualification_level.map(QualificationLevel::as_str),
            eligibility: f.eligibility.iter().map(|e| e.as_str()).collect(),
            eligibility_reason: f.eligibility_reason.as_deref(),
            referent_id: f.referent_id,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub referent_id: Option<Uuid>,
    pub last_name: Option<String>,
    pub territory_id: Option<Uuid>,
}

/// `%` and `_` in a prefix are literal.
fn like_prefix(prefix: &str) -> String {
    let escaped: String = prefix
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("{}%", escaped.to_lowercase())
}

pub fn list(
    conn: &mut PgConnection,
    p: &Principal,
    filter: Filter,
    page: PageRequest,
) -> ApiResult<(Page<BeneficiaryRow>, PersonView)> {
    let (scope, view) = access::beneficiaries::read(p)?;
    let mut q = beneficiaries::table.filter(scope).into_boxed();
    if let Some(r) = filter.referent_id {
        q = q.filter(beneficiaries::referent_id.eq(r));
    }
    if let Some(t) = filter.territory_id {
        q = q.filter(beneficiaries::territory_id.eq(t));
    }
    if let Some(name) = filter.last_name {
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(last_name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(like_prefix(&name)),
        );
    }
    super::keyset_page!(q, beneficiaries, page);
    let rows = {
        let rows = q.select(BeneficiaryRow::as_select()).load(conn)?;
        let shown: Vec<Uuid> = rows
            .iter()
            .take(page.limit as usize)
            .map(|r| r.id)
            .collect();
        trail::record(conn, p, TrailAction::Read, &shown)?;
        Ok::<_, ApiError>(rows)
    }?;
    Ok((Page::cut(rows, &page), view))
}

pub fn get(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
) -> ApiResult<(BeneficiaryRow, PersonView)> {
    let (scope, view) = access::beneficiaries::read(p)?;
    let row = beneficiaries::table
        .filter(scope)
        .filter(beneficiaries::id.eq(id))
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("beneficiary"))?;
    trail::record(conn, p, TrailAction::Read, &[row.id])?;
    Ok((row, view))
}

/// A referent is a PLIE (the organisation whose `plie` tokens follow the
/// person): a company named referent would read the person's whole record.
pub fn check_referent(conn: &mut PgConnection, referent: Option<Uuid>) -> ApiResult<()> {
    let Some(id) = referent else { return Ok(()) };
    let kind: Option<OrgKind> = organisations::table
        .find(id)
        .select(organisations::kind)
        .first(conn)
        .optional()?;
    match kind {
        Some(kind) => {
            let mut v = Violations::default();
            Party::Referent.check(kind, "referent_id", &mut v);
            Ok(v.finish()?)
        }
        None => Err(ApiError::validation(
            "referent_id",
            "no organisation has this id",
        )),
    }
}

pub fn create(
    conn: &mut PgConnection,
    p: &Principal,
    fields: &PersonFields,
    territory: Option<Uuid>,
) -> ApiResult<BeneficiaryRow> {
    access::beneficiaries::write(p)?;
    if fields.eligibility.contains(&Eligibility::OtherValidated) {
        access::beneficiaries::validate_other(p)?;
    }
    let territory = super::territory::for_new(conn, p, territory)?;
    check_referent(conn, fields.referent_id)?;
    let row: BeneficiaryRow = diesel::insert_into(beneficiaries::table)
        .values((
            beneficiaries::id.eq(Uuid::now_v7()),
            beneficiaries::territory_id.eq(territory),
            Columns::from(fields),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)?;
    trail::record(conn, p, TrailAction::Create, &[row.id])?;
    Ok(row)
}

/// The person, locked for a change by `p` (404 when they may not change
/// it); an erased record can no longer change (409).
pub fn lock(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<BeneficiaryRow> {
    let writable = access::beneficiaries::write(p)?;
    let current = beneficiaries::table
        .filter(writable)
        .filter(beneficiaries::id.eq(id))
        .for_update()
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("beneficiary"))?;
    if current.erased_at.is_some() {
        return Err(ApiError::conflict(
            "id",
            "this person was erased: the record can no longer change",
        ));
    }
    Ok(current)
}

/// Writes a locked person's new fields, with the record's next version.
pub fn save(conn: &mut PgConnection, id: Uuid, new: &PersonFields) -> ApiResult<BeneficiaryRow> {
    Ok(diesel::update(beneficiaries::table.find(id))
        .set((
            Columns::from(new),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)?)
}

/// Birth date of a person among `people` (everyone when `None`), for
/// placement rules; `None` when there is no such person there or they were
/// erased, so a person outside `people` reads exactly as one who does not
/// exist.
pub fn birth_date(
    conn: &mut PgConnection,
    people: Option<access::Filter<beneficiaries::table>>,
    territory: Option<Uuid>,
    id: Uuid,
) -> ApiResult<Option<NaiveDate>> {
    let mut q = beneficiaries::table.find(id).into_boxed();
    if let Some(people) = people {
        q = q.filter(people);
    }
    if let Some(t) = territory {
        q = q.filter(beneficiaries::territory_id.eq(t));
    }
    Ok(q.select(beneficiaries::birth_date)
        .first::<Option<NaiveDate>>(conn)
        .optional()?
        .flatten())
}

/// Erases a person for good, keeping the facts the figures need (the
/// columns of `beneficiaries` the migration `records` says erasure keeps,
/// and each placement's `age_at_start`). Erasing twice changes nothing.
pub fn erase(conn: &mut PgConnection, p: &Principal, id: Uuid) -> ApiResult<BeneficiaryRow> {
    use crate::db::schema::{monthly_hours, placements};
    let current = beneficiaries::table
        .filter(access::beneficiaries::erase(p)?)
        .filter(beneficiaries::id.eq(id))
        .for_update()
        .select(BeneficiaryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("beneficiary"))?;
    if current.erased_at.is_some() {
        return Ok(current);
    }
    let birth = current.birth_date.unwrap_or_default();
    let age_jan1_2000 = crate::domain::calendar::age_on(
        birth,
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
    );
    diesel::sql_query(
        "UPDATE placements SET age_at_start = age_on($2, start_date) WHERE beneficiary_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Date, _>(birth)
    .execute(conn)?;
    // Their open proposals are withdrawn (no employer reads the name
    // again) and the notes about them go.
    {
        use crate::db::schema::proposals;
        diesel::update(
            proposals::table
                .filter(proposals::beneficiary_id.eq(id))
                .filter(proposals::status.eq_any(["proposed", "interview"])),
        )
        .set((
            proposals::status.eq("withdrawn"),
            proposals::version.eq(proposals::version + 1),
            proposals::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
        diesel::update(
            proposals::table
                .filter(proposals::beneficiary_id.eq(id))
                .filter(proposals::note.is_not_null()),
        )
        .set(proposals::note.eq(None::<String>))
        .execute(conn)?;
    }
    // Free text written about the person goes too.
    let placement_ids = placements::table
        .filter(placements::beneficiary_id.eq(id))
        .select(placements::id);
    diesel::update(
        monthly_hours::table
            .filter(monthly_hours::placement_id.eq_any(placement_ids))
            .filter(monthly_hours::reason.is_not_null()),
    )
    .set(monthly_hours::reason.eq("(effacé)"))
    .execute(conn)?;
    let row = diesel::update(beneficiaries::table.find(id))
        .set((
            beneficiaries::last_name.eq(None::<String>),
            beneficiaries::first_name.eq(None::<String>),
            beneficiaries::birth_date.eq(None::<NaiveDate>),
            beneficiaries::postal_code.eq(None::<String>),
            beneficiaries::qpv_code.eq(None::<String>),
            beneficiaries::eligibility_reason.eq(None::<String>),
            beneficiaries::external_ref.eq(None::<String>),
            beneficiaries::age_jan1_2000.eq(Some(age_jan1_2000)),
            beneficiaries::erased_at.eq(Some(chrono::Utc::now())),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)?;
    trail::record(conn, p, TrailAction::Erase, &[id])?;
    Ok(row)
}

/// A person's trail, if the caller may read it.
pub fn access_log(
    conn: &mut PgConnection,
    p: &Principal,
    id: Uuid,
    page: PageRequest<SeqKey>,
) -> ApiResult<Page<trail::TrailRow>> {
    let scope = access::beneficiaries::trail(p)?;
    let visible: bool = diesel::select(diesel::dsl::exists(
        beneficiaries::table
            .filter(scope)
            .filter(beneficiaries::id.eq(id)),
    ))
    .get_result(conn)?;
    if !visible {
        return Err(ApiError::not_found("beneficiary"));
    }
    trail::page(conn, id, page)
}

/// People past the retention period on `today`: their last placement ended,
/// or they were registered without one, more than `years` years ago.
pub fn past_retention(
    conn: &mut PgConnection,
    years: u32,
    today: NaiveDate,
) -> ApiResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let limit = today
        .checked_sub_months(chrono::Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MIN);
    let ids: Vec<Id> = diesel::sql_query(
        "SELECT b.id FROM beneficiaries b
         WHERE b.erased_at IS NULL
           AND CASE WHEN EXISTS (SELECT 1 FROM placements p WHERE p.beneficiary_id = b.id)
                    THEN NOT EXISTS (SELECT 1 FROM placements p WHERE p.beneficiary_id = b.id
                                     AND (p.end_date IS NULL OR p.end_date >= $1))
                    ELSE b.created_at < $1::timestamptz
               END
         ORDER BY b.created_at, b.id",
    )
    .bind::<diesel::sql_types::Date, _>(limit)
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}
