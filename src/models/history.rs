//! The history import's SQL: what the file's keys are matched against,
//! read set-wise, and what it brings, written set-wise (one statement per
//! table and kind of write, each row an element of the arrays it binds:
//! tens of thousands of people and hundreds of thousands of months are
//! a few statements, never one per row).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::beneficiary::BeneficiaryRow;
use super::contract::ContractRow;
use super::organisation::OrganisationRow;
use super::placement::PlacementRow;
use crate::auth::Principal;
use crate::db::schema::{
    beneficiaries, contracts, monthly_hours, operations, organisations, placements,
};
use crate::domain::calendar::Month;
use crate::domain::codes::{HoursStatus, QualificationLevel};
use crate::domain::person::PersonFields;
use crate::domain::placement::PlacementFields;
use crate::error::ApiResult;

/// Rows per statement: bounds what one statement's arrays hold.
const CHUNK: usize = 50_000;

pub fn organisations(conn: &mut PgConnection) -> ApiResult<Vec<OrganisationRow>> {
    Ok(organisations::table
        .select(OrganisationRow::as_select())
        .load(conn)?)
}

pub fn contracts(conn: &mut PgConnection) -> ApiResult<Vec<ContractRow>> {
    Ok(contracts::table
        .select(ContractRow::as_select())
        .load(conn)?)
}

/// The territory's operations by id and name (a contract row names its
/// operation).
pub fn operations(conn: &mut PgConnection, territory: Uuid) -> ApiResult<Vec<(Uuid, String)>> {
    Ok(operations::table
        .filter(operations::territory_id.eq(territory))
        .select((operations::id, operations::name))
        .load(conn)?)
}

/// The territory's people another tool's ids name, by that id (a person
/// followed in two territories is two records).
pub fn people(
    conn: &mut PgConnection,
    territory: Uuid,
    refs: &[String],
) -> ApiResult<Vec<BeneficiaryRow>> {
    let mut out = Vec::new();
    for chunk in refs.chunks(CHUNK) {
        out.extend(
            beneficiaries::table
                .filter(beneficiaries::territory_id.eq(territory))
                .filter(beneficiaries::external_ref.eq_any(chunk))
                .select(BeneficiaryRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The placements of these people.
pub fn placements(conn: &mut PgConnection, people: &[Uuid]) -> ApiResult<Vec<PlacementRow>> {
    let mut out = Vec::new();
    for chunk in people.chunks(CHUNK) {
        out.extend(
            placements::table
                .filter(placements::beneficiary_id.eq_any(chunk))
                .select(PlacementRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// A recorded month, as the import compares it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct MonthRow {
    pub id: Uuid,
    pub placement_id: Uuid,
    pub month: NaiveDate,
    pub worked: Decimal,
    pub training: Decimal,
    pub status: HoursStatus,
    pub reason: Option<String>,
}

/// The months of these placements, by placement and month.
pub fn months(
    conn: &mut PgConnection,
    placements: &[Uuid],
) -> ApiResult<HashMap<(Uuid, Month), MonthRow>> {
    let mut out = HashMap::new();
    for chunk in placements.chunks(CHUNK) {
        let rows: Vec<MonthRow> = monthly_hours::table
            .filter(monthly_hours::placement_id.eq_any(chunk))
            .select((
                monthly_hours::id,
                monthly_hours::placement_id,
                monthly_hours::month,
                monthly_hours::worked_hours,
                monthly_hours::training_hours,
                monthly_hours::status,
                monthly_hours::reason,
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .map(|r| ((r.placement_id, Month::from_date(r.month)), r)),
        );
    }
    Ok(out)
}

/// A person to write: their id, the source tool's id, their record.
pub struct PersonWrite<'a> {
    pub id: Uuid,
    pub external_ref: &'a str,
    pub fields: &'a PersonFields,
}

/// Writes people: `created` inserted, `updated` replaced with their next
/// version.
pub fn write_people(
    conn: &mut PgConnection,
    territory: Uuid,
    created: &[PersonWrite<'_>],
    updated: &[PersonWrite<'_>],
) -> ApiResult<()> {
    const INSERT: &str = "INSERT INTO beneficiaries (id, external_ref, last_name, first_name, sex,
            birth_date, postal_code, qpv_code, qualification_level, eligibility, eligibility_reason,
            referent_id, territory_id)
        SELECT id, r, l, f, s, b, pc, q, ql, string_to_array(e, ','), er, rf, $13
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::uuid[])
            AS t(id, r, l, f, s, b, pc, q, ql, e, er, rf)";
    const UPDATE: &str = "UPDATE beneficiaries b SET external_ref = t.r, last_name = t.l,
            first_name = t.f, sex = t.s, birth_date = t.b, postal_code = t.pc, qpv_code = t.q,
            qualification_level = t.ql, eligibility = string_to_array(t.e, ','),
            eligibility_reason = t.er, referent_id = t.rf, version = b.version + 1,
            updated_at = now()
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::uuid[])
            AS t(id, r, l, f, s, b, pc, q, ql, e, er, rf)
        WHERE b.id = t.id AND b.territory_id = $13";
    for (sql, rows) in [(INSERT, created), (UPDATE, updated)] {
        for chunk in rows.chunks(CHUNK) {
            diesel::sql_query(sql)
                .bind::<Array<SqlUuid>, _>(chunk.iter().map(|w| w.id).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(chunk.iter().map(|w| w.external_ref).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.last_name.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.first_name.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.sex.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Date>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.birth_date)
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.postal_code.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<Text>>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.qpv_code.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<Text>>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.qualification_level.map(QualificationLevel::as_str))
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|w| {
                            w.fields
                                .eligibility
                                .iter()
                                .map(|e| e.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<Text>>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.eligibility_reason.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<SqlUuid>>, _>(
                    chunk
                        .iter()
                        .map(|w| w.fields.referent_id)
                        .collect::<Vec<_>>(),
                )
                .bind::<SqlUuid, _>(territory)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes placements: `created` inserted, `updated` replaced with their
/// next version.
pub fn write_placements(
    conn: &mut PgConnection,
    created: &[(Uuid, &PlacementFields)],
    updated: &[(Uuid, &PlacementFields)],
) -> ApiResult<()> {
    const INSERT: &str = "INSERT INTO placements (id, beneficiary_id, contract_id, employer_id,
            modality, job_title, start_date, end_date, weekly_hours)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
            $6::text[], $7::date[], $8::date[], $9::numeric[])";
    const UPDATE: &str = "UPDATE placements p SET beneficiary_id = t.b, contract_id = t.c,
            employer_id = t.e, modality = t.m, job_title = t.j, start_date = t.s, end_date = t.en,
            weekly_hours = t.w, version = p.version + 1, updated_at = now()
        FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
            $6::text[], $7::date[], $8::date[], $9::numeric[]) AS t(id, b, c, e, m, j, s, en, w)
        WHERE p.id = t.id";
    for (sql, rows) in [(INSERT, created), (UPDATE, updated)] {
        for chunk in rows.chunks(CHUNK) {
            diesel::sql_query(sql)
                .bind::<Array<SqlUuid>, _>(chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(
                    chunk
                        .iter()
                        .map(|(_, f)| f.beneficiary_id)
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<SqlUuid>, _>(
                    chunk.iter().map(|(_, f)| f.contract_id).collect::<Vec<_>>(),
                )
                .bind::<Array<SqlUuid>, _>(
                    chunk.iter().map(|(_, f)| f.employer_id).collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|(_, f)| f.modality.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Text>, _>(
                    chunk
                        .iter()
                        .map(|(_, f)| f.job_title.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Date>, _>(chunk.iter().map(|(_, f)| f.start_date).collect::<Vec<_>>())
                .bind::<Array<Nullable<Date>>, _>(
                    chunk.iter().map(|(_, f)| f.end_date).collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<Numeric>>, _>(
                    chunk
                        .iter()
                        .map(|(_, f)| f.weekly_hours)
                        .collect::<Vec<_>>(),
                )
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A month to write.
pub struct MonthWrite<'a> {
    pub id: Uuid,
    pub placement_id: Uuid,
    pub month: Month,
    pub worked: Decimal,
    pub training: Decimal,
    pub status: HoursStatus,
    pub reason: Option<&'a str>,
}

/// Writes months, declared by the importing facilitator and, unless
/// `declared`, decided by them: `created` inserted, `updated` replaced
/// with their next version.
pub fn write_months(
    conn: &mut PgConnection,
    p: &Principal,
    created: &[MonthWrite<'_>],
    updated: &[MonthWrite<'_>],
) -> ApiResult<()> {
    const INSERT: &str = "INSERT INTO monthly_hours (id, placement_id, month, worked_hours,
            training_hours, status, reason, declared_by, declared_role, decided_by, decided_at)
        SELECT t.id, t.p, t.m, t.w, t.t, t.s, t.r, $8, 'facilitator',
            CASE WHEN t.s <> 'declared' THEN $8 END, CASE WHEN t.s <> 'declared' THEN now() END
        FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::numeric[], $5::numeric[], $6::text[],
            $7::text[]) AS t(id, p, m, w, t, s, r)";
    const UPDATE: &str = "UPDATE monthly_hours h SET worked_hours = t.w, training_hours = t.t,
            status = t.s, reason = t.r, declared_by = $8, declared_role = 'facilitator',
            decided_by = CASE WHEN t.s <> 'declared' THEN $8 END,
            decided_at = CASE WHEN t.s <> 'declared' THEN now() END,
            version = h.version + 1, updated_at = now()
        FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::numeric[], $5::numeric[], $6::text[],
            $7::text[]) AS t(id, p, m, w, t, s, r)
        WHERE h.id = t.id";
    for (sql, rows) in [(INSERT, created), (UPDATE, updated)] {
        for chunk in rows.chunks(CHUNK) {
            diesel::sql_query(sql)
                .bind::<Array<SqlUuid>, _>(chunk.iter().map(|m| m.id).collect::<Vec<_>>())
                .bind::<Array<SqlUuid>, _>(chunk.iter().map(|m| m.placement_id).collect::<Vec<_>>())
                .bind::<Array<Date>, _>(
                    chunk
                        .iter()
                        .map(|m| m.month.first_day())
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Numeric>, _>(chunk.iter().map(|m| m.worked).collect::<Vec<_>>())
                .bind::<Array<Numeric>, _>(chunk.iter().map(|m| m.training).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(chunk.iter().map(|m| m.status.as_str()).collect::<Vec<_>>())
                .bind::<Array<Nullable<Text>>, _>(
                    chunk.iter().map(|m| m.reason).collect::<Vec<_>>(),
                )
                .bind::<Text, _>(&p.sub)
                .execute(conn)?;
        }
    }
    Ok(())
}
