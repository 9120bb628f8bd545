//! `GET /api/v1/stats/outcomes`: what became of the people whose placement
//! ended in a year, by situation and group, with the dynamic exit rate.

use actix_web::{web, HttpRequest, HttpResponse};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::export::{Cell, Export, Table};
use super::input::query;
use super::selection::{selection, FiguresQuery};
use crate::access;
use crate::auth::Principal;
use crate::db;
use crate::domain::disclosure::{self, Audience, Count};
use crate::domain::outcome::{self as rules, OutcomeGroup, Situation};
use crate::error::ApiResult;
use crate::models::stats::{self as model, OutcomesOfYear};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(super::http::resource("/stats/outcomes").route(web::get().to(outcomes)))
        .service(super::http::resource("/stats/outcomes.csv").route(web::get().to(outcomes_csv)))
        .service(super::http::resource("/stats/outcomes.xlsx").route(web::get().to(outcomes_xlsx)));
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeRow {
    pub situation: Situation,
    pub group: OutcomeGroup,
    /// Placements ended in the year with this situation on leaving. Masked by the disclosure
    /// rule on the distinct people behind the row, not on its placements.
    pub placements: Count,
}

/// The rows' counts by group. Masked by the disclosure rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeGroups {
    pub durable_employment: Count,
    pub transitional_employment: Count,
    pub positive_exit: Count,
    pub other: Count,
    pub unknown: Count,
}

/// What became of the people whose placement ended in the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2019, "ended": 41, "with_outcome": 36,
    "rows": [{"situation": "permanent_job", "group": "durable_employment", "placements": 9}],
    "groups": {"durable_employment": 15, "transitional_employment": 8, "positive_exit": 6, "other": 5, "unknown": "< 5"},
    "dynamic_exit_rate": 0.8056}))]
pub struct OutcomeFigures {
    pub year: i32,
    /// Placements whose `end_date` is in the year.
    pub ended: i64,
    /// Of those, the ones with an outcome recorded.
    pub with_outcome: i64,
    /// Every situation, 0 included, in the order of API.md.
    pub rows: Vec<OutcomeRow>,
    pub groups: OutcomeGroups,
    /// (durable + transitional + positive) ÷ `with_outcome`, rounded half-up to 4 decimals; null
    /// when no outcome is recorded, or when the disclosure rule masks a group.
    #[schema(required = true, value_type = Option<f64>)]
    pub dynamic_exit_rate: Option<Decimal>,
}

impl OutcomeGroups {
    /// The groups (in `OutcomeGroup::ALL`'s order: their placements and the
    /// distinct people behind them) as `audience` may read them, with the
    /// dynamic exit rate over `with_outcome`, none when a group is masked:
    /// a rate over masked groups would give them back.
    pub fn masked(
        audience: Audience,
        people_with_outcome: i64,
        placements: &[i64],
        people: &[i64],
        with_outcome: i64,
    ) -> (OutcomeGroups, Option<Decimal>) {
        let shown =
            disclosure::partition_of_people(audience, people_with_outcome, placements, people);
        let dynamic: i64 = OutcomeGroup::ALL
            .iter()
            .zip(placements)
            .filter(|(g, _)| g.is_dynamic())
            .map(|(_, n)| n)
            .sum();
        let rate = if shown.iter().any(|c| c.exact().is_none()) {
            None
        } else {
            rules::dynamic_exit_rate(dynamic, with_outcome)
        };
        let group = |i: usize| shown.get(i).copied().unwrap_or(Count::Exact(0));
        let groups = OutcomeGroups {
            durable_employment: group(0),
            transitional_employment: group(1),
            positive_exit: group(2),
            other: group(3),
            unknown: group(4),
        };
        (groups, rate)
    }
}

impl OutcomeFigures {
    /// The figures as `audience` may read them: the only way to make them.
    pub fn new(year: i32, o: OutcomesOfYear, audience: Audience) -> OutcomeFigures {
        use std::collections::HashSet;
        let placements_where = |keep: &dyn Fn(Option<Situation>) -> bool| -> i64 {
            o.by_person
                .iter()
                .filter(|(s, _, _)| keep(*s))
                .map(|(_, _, n)| n)
                .sum()
        };
        let people_where = |keep: &dyn Fn(Option<Situation>) -> bool| -> i64 {
            o.by_person
                .iter()
                .filter(|(s, _, _)| keep(*s))
                .map(|(_, person, _)| person)
                .collect::<HashSet<_>>()
                .len() as i64
        };
        let ended = placements_where(&|_| true);
        let with_outcome = placements_where(&|s| s.is_some());
        // A partition's rows are masked on the people behind them: one
        // person with five placements is one person.
        let people_with_outcome = people_where(&|s| s.is_some());
        let situations = Situation::ALL;
        let exact: Vec<i64> = situations
            .iter()
            .map(|s| placements_where(&|at| at == Some(*s)))
            .collect();
        let people: Vec<i64> = situations
            .iter()
            .map(|s| people_where(&|at| at == Some(*s)))
            .collect();
        let shown = disclosure::partition_of_people(audience, people_with_outcome, &exact, &people);
        let rows = situations
            .iter()
            .zip(shown)
            .map(|(s, placements)| OutcomeRow {
                situation: *s,
                group: s.group(),
                placements,
            })
            .collect();
        let groups = OutcomeGroup::ALL;
        let in_group =
            |g: OutcomeGroup| move |s: Option<Situation>| s.is_some_and(|s| s.group() == g);
        let of_group: Vec<i64> = groups
            .iter()
            .map(|g| placements_where(&in_group(*g)))
            .collect();
        let people_of_group: Vec<i64> =
            groups.iter().map(|g| people_where(&in_group(*g))).collect();
        let (groups, dynamic_exit_rate) = OutcomeGroups::masked(
            audience,
            people_with_outcome,
            &of_group,
            &people_of_group,
            with_outcome,
        );
        OutcomeFigures {
            year,
            ended,
            with_outcome,
            rows,
            groups,
            dynamic_exit_rate,
        }
    }

    pub fn table(&self) -> Table {
        let mut t = Table::new(
            "Sorties",
            &["Année", "Situation", "Groupe", "Contrats terminés"],
        );
        for r in &self.rows {
            t.rows.push(vec![
                Cell::Int(i64::from(self.year)),
                Cell::Text(r.situation.as_str().to_string()),
                Cell::Text(r.group.as_str().to_string()),
                Cell::from(r.placements),
            ]);
        }
        t
    }
}

/// What became of the leavers
///
/// People whose placement ended in the year, by situation and group, with the dynamic exit rate
/// (sustainable employment and training over the leavers with an outcome). Not for a company
/// (403). Counts follow the disclosure rule. The same as a file: `/api/v1/stats/outcomes.csv`,
/// `/api/v1/stats/outcomes.xlsx`.
#[utoipa::path(
    get, path = "/api/v1/stats/outcomes", tag = "stats", operation_id = "get_outcome_figures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "What became of the people whose placement ended in the year", body = OutcomeFigures),
        crate::api::responses::RestrictedQuery,
    ),
    security(("bearer" = []))
)]
pub async fn outcomes(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    outcomes_document(state, p, &req).await?.negotiated(&req)
}

super::endpoint::download! {
    csv, path = "/api/v1/stats/outcomes.csv", tag = "stats", operation_id = "get_outcome_figures_csv",
    params(FiguresQuery), ok = "The situations' table: a header row, then a row per situation",
    errors = RestrictedQuery, document = outcomes_document;
    /// What became of the leavers, as CSV
    ///
    /// The situation rows of `GET /api/v1/stats/outcomes` (same query, same access and
    /// disclosure rule) as a CSV file: a header row in French, then a row per situation.
    pub async fn outcomes_csv;
}

super::endpoint::download! {
    xlsx, path = "/api/v1/stats/outcomes.xlsx", tag = "stats", operation_id = "get_outcome_figures_xlsx",
    params(FiguresQuery), ok = "A workbook of one sheet, the situations",
    errors = RestrictedQuery, document = outcomes_document;
    /// What became of the leavers, as XLSX
    ///
    /// The situation rows of `GET /api/v1/stats/outcomes` (same query, same access and
    /// disclosure rule) as an Excel workbook of one sheet.
    pub async fn outcomes_xlsx;
}

async fn outcomes_document(
    state: web::Data<AppState>,
    p: Principal,
    req: &HttpRequest,
) -> ApiResult<Export<OutcomeFigures>> {
    access::stats::person_attributes(&p)?;
    let (q, v) = query::<FiguresQuery>(req);
    let (year, selection, format) = selection(&p, q, v)?;
    let audience = access::stats::audience(&p, selection.referent_id);
    let o = db::read(&state.pool, move |c| {
        model::outcomes_of_year(c, &selection, year)
    })
    .await?;
    let figures = OutcomeFigures::new(year, o, audience);
    let table = figures.table();
    Ok(Export::new(
        format,
        format!("sorties-{year}"),
        figures,
        vec![table],
    ))
}
