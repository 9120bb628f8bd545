//! The end-of-contract report as a reader sees it: its JSON view under
//! the disclosure rule, its tables and its workbook (the PDF is
//! report_pdf's).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::export::{Cell, Table};
use super::outcome_figures::OutcomeGroups;
use crate::domain::codes::Modality;
use crate::domain::disclosure::{self, Audience, Count};
use crate::domain::fulfilment::FulfilmentStatus;
use crate::domain::report::{HistoryLine, MonthLine, Penalty, ReportContract, ReportData};
use crate::error::{ApiError, ApiResult};

/// A modality's hours, placements and people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModalityLine {
    pub modality: Modality,
    pub hours: Decimal,
    pub placements: i64,
    /// Distinct people; 1 to 4 answer `"< 5"` for readers other than the facilitator.
    pub people: Count,
}

/// The people placed on the contract by the report's day, under the disclosure rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportPeople {
    /// Exact: a total of the whole selection.
    pub participants: i64,
    pub women: Count,
    pub men: Count,
    /// Aged under 26 on their first placement's start on the contract.
    pub under_26: Count,
    pub qpv_residents: Count,
}

/// What became of the people whose placement on the contract ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportOutcomes {
    /// Placements ended by the report's day.
    pub ended: i64,
    /// Of those, the ones with an outcome recorded.
    pub with_outcome: i64,
    pub groups: OutcomeGroups,
    /// (durable + transitional + positive) ÷ `with_outcome`, 4 decimals; null without outcomes
    /// or when a group is masked.
    #[schema(required = true, value_type = Option<f64>)]
    pub dynamic_exit_rate: Option<Decimal>,
}

/// The end-of-contract report: what was done against what was owed, as of the contract's end
/// (or today while it runs).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractReport {
    /// `YYYY-NNNN` once issued; null for the live report.
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(required = true)]
    #[serde(serialize_with = "super::json::opt_day")]
    pub issued_on: Option<NaiveDate>,
    /// The territory's facilitator, who issues the report.
    pub issuer: String,
    /// The day the report is as of: the contract's end once ended, else today.
    #[serde(serialize_with = "super::json::day")]
    pub as_of: NaiveDate,
    /// Whether the contract has ended.
    pub ended: bool,
    pub contract: ReportContract,
    /// The commitment as signed, then each amendment and order.
    pub commitment_history: Vec<HistoryLine>,
    /// The commitment on the report's day.
    pub commitment_hours: Decimal,
    pub validated_hours: Decimal,
    pub declared_hours: Decimal,
    pub expected_hours_to_date: Decimal,
    /// validated_hours ÷ commitment_hours, 4 decimals.
    pub share_done: Decimal,
    pub status: FulfilmentStatus,
    pub hours_by_month: Vec<MonthLine>,
    pub hours_by_modality: Vec<ModalityLine>,
    pub people: ReportPeople,
    /// Placements started by the report's day.
    pub employment_contracts: i64,
    pub outcomes: ReportOutcomes,
    pub penalty: Penalty,
}

impl ContractReport {
    /// The report as `audience` may read it: the only way to make it.
    pub fn new(
        d: ReportData,
        audience: Audience,
        issued: Option<(String, NaiveDate)>,
    ) -> ContractReport {
        // As in the key figures: a company gets none of these figures.
        let p = &d.people;
        let sexes = disclosure::partition(audience, p.participants, &[p.women, p.men]);
        let people = ReportPeople {
            participants: p.participants,
            women: sexes[0],
            men: sexes[1],
            under_26: disclosure::against_total(audience, p.participants, p.under_26),
            qpv_residents: disclosure::against_total(audience, p.participants, p.qpv_residents),
        };
        let o = &d.outcomes;
        let placements: Vec<i64> = o.groups.iter().map(|g| g.placements).collect();
        let of_people: Vec<i64> = o.groups.iter().map(|g| g.people).collect();
        let (groups, dynamic_exit_rate) = OutcomeGroups::masked(
            audience,
            o.people_with_outcome,
            &placements,
            &of_people,
            o.with_outcome,
        );
        let (number, issued_on) = issued.unzip();
        ContractReport {
            number,
            issued_on,
            issuer: d.issuer,
            as_of: d.as_of,
            ended: d.ended,
            contract: d.contract,
            commitment_history: d.history,
            commitment_hours: d.commitment_hours,
            validated_hours: d.validated_hours,
            declared_hours: d.declared_hours,
            expected_hours_to_date: d.expected_hours_to_date,
            share_done: d.share_done,
            status: d.status,
            hours_by_month: d.months,
            hours_by_modality: d
                .modalities
                .into_iter()
                .map(|m| ModalityLine {
                    modality: m.modality,
                    hours: m.hours,
                    placements: m.placements,
                    people: disclosure::people(audience, m.people),
                })
                .collect(),
            people,
            employment_contracts: d.employment_contracts,
            outcomes: ReportOutcomes {
                ended: o.ended,
                with_outcome: o.with_outcome,
                groups,
                dynamic_exit_rate,
            },
            penalty: d.penalty,
        }
    }

    /// The file's name without its extension.
    pub fn filename(&self) -> String {
        let safe: String = self
            .contract
            .reference
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match &self.number {
            Some(n) => format!("bilan-{safe}-{n}"),
            None => format!("bilan-{safe}"),
        }
    }

    /// The report's tables, a sheet each; the months' sheet is the third.
    pub fn tables(&self) -> Vec<Table> {
        let c = &self.contract;
        let mut contract = Table::new("Marché", &["Rubrique", "Valeur"]);
        let text = |s: &str| Cell::Text(s.to_string());
        let num = |d: Option<Decimal>| d.map(Cell::Number).unwrap_or(Cell::Empty);
        let rows: Vec<(&str, Cell)> = vec![
            ("Émetteur", text(&self.issuer)),
            ("Numéro", self.number.clone().into()),
            ("Établi au", text(&self.as_of.to_string())),
            ("Référence", text(&c.reference)),
            ("Objet", text(&c.title)),
            ("Acheteur", text(&c.buyer)),
            ("Titulaire", text(&c.holder)),
            ("Type de clause", text(c.clause_type.as_str())),
            ("Prix", text(c.pricing.as_str())),
            ("Début", text(&c.start_date.to_string())),
            ("Fin", text(&c.end_date.to_string())),
            ("Fin initiale", text(&c.initial_end_date.to_string())),
            ("Montant HT", num(c.amount_excl_tax)),
            ("Montant HT initial", num(c.initial_amount_excl_tax)),
            ("Montant maximum HT", num(c.max_amount_excl_tax)),
            (
                "Engagement initial (h)",
                Cell::Number(c.initial_commitment_hours),
            ),
            ("Engagement (h)", Cell::Number(self.commitment_hours)),
            ("Heures validées", Cell::Number(self.validated_hours)),
            ("Heures déclarées", Cell::Number(self.declared_hours)),
            (
                "Heures attendues",
                Cell::Number(self.expected_hours_to_date),
            ),
            ("Part réalisée", Cell::Number(self.share_done)),
            ("Statut", text(self.status.as_str())),
            ("Contrats de travail", Cell::Int(self.employment_contracts)),
        ];
        for (k, v) in rows {
            contract.rows.push(vec![text(k), v]);
        }
        let mut history = Table::new(
            "Engagement",
            &[
                "Nature",
                "Date",
                "Référence",
                "Montant HT",
                "Fin",
                "Heures",
                "Engagement après",
                "Motif",
            ],
        );
        for h in &self.commitment_history {
            history.rows.push(vec![
                text(h.kind.as_str()),
                text(&h.date.to_string()),
                h.reference.clone().into(),
                num(h.amount_excl_tax),
                h.end_date
                    .map(|d| text(&d.to_string()))
                    .unwrap_or(Cell::Empty),
                num(h.commitment_hours),
                Cell::Number(h.commitment_after),
                h.reason.clone().into(),
            ]);
        }
        let mut months = Table::new(
            "Heures par mois",
            &["Mois", "Heures validées", "Cumul", "Attendu (prorata)"],
        );
        for m in &self.hours_by_month {
            months.rows.push(vec![
                text(&m.month.to_string()),
                Cell::Number(m.hours),
                Cell::Number(m.cumulative_hours),
                Cell::Number(m.expected_hours),
            ]);
        }
        let mut modalities = Table::new(
            "Modalités",
            &["Modalité", "Heures validées", "Contrats", "Personnes"],
        );
        for m in &self.hours_by_modality {
            modalities.rows.push(vec![
                text(m.modality.as_str()),
                Cell::Number(m.hours),
                Cell::Int(m.placements),
                m.people.into(),
            ]);
        }
        let mut people = Table::new("Personnes", &["Indicateur", "Valeur"]);
        let p = &self.people;
        for (k, v) in [
            ("Participants", Cell::Int(p.participants)),
            ("Femmes", p.women.into()),
            ("Hommes", p.men.into()),
            ("Moins de 26 ans", p.under_26.into()),
            ("Résidents QPV", p.qpv_residents.into()),
        ] {
            people.rows.push(vec![text(k), v]);
        }
        let mut outcomes = Table::new("Sorties", &["Groupe", "Contrats terminés"]);
        let g = &self.outcomes.groups;
        for (k, v) in [
            ("durable_employment", g.durable_employment),
            ("transitional_employment", g.transitional_employment),
            ("positive_exit", g.positive_exit),
            ("other", g.other),
            ("unknown", g.unknown),
        ] {
            outcomes.rows.push(vec![text(k), v.into()]);
        }
        let mut penalty = Table::new("Pénalité", &["Rubrique", "Valeur"]);
        let pe = &self.penalty;
        for (k, v) in [
            ("Heures manquantes", Cell::Number(pe.missing_hours)),
            ("Taux (€/h)", num(pe.rate)),
            ("Plafond", num(pe.cap)),
            ("Montant", num(pe.amount)),
            ("Exigible", text(if pe.due { "oui" } else { "non" })),
            ("Levée", text(if pe.waived { "oui" } else { "non" })),
            ("Motif de la levée", pe.reason.clone().into()),
        ] {
            penalty.rows.push(vec![text(k), v]);
        }
        vec![
            contract, history, months, modalities, people, outcomes, penalty,
        ]
    }

    /// The workbook: a sheet per table, and on the months' sheet a native
    /// chart of the validated hours against the pro rata line.
    pub fn xlsx(&self) -> ApiResult<Vec<u8>> {
        use rust_xlsxwriter::{Chart, ChartType};
        let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal("writing XLSX", e);
        let tables = self.tables();
        let mut book = super::export::workbook(&tables)?;
        let rows = self.hours_by_month.len() as u32;
        if rows > 0 {
            let sheet = "Heures par mois";
            let mut chart = Chart::new(ChartType::Line);
            chart
                .title()
                .set_name("Heures validées cumulées et prorata attendu");
            chart
                .add_series()
                .set_name("Heures validées (cumul)")
                .set_categories((sheet, 1, 0, rows, 0))
                .set_values((sheet, 1, 2, rows, 2));
            chart
                .add_series()
                .set_name("Attendu (prorata)")
                .set_categories((sheet, 1, 0, rows, 0))
                .set_values((sheet, 1, 3, rows, 3));
            chart.x_axis().set_name("Mois");
            chart.y_axis().set_name("Heures");
            book.worksheet_from_name(sheet)
                .map_err(fail)?
                .insert_chart(1, 5, &chart)
                .map_err(fail)?;
        }
        book.save_to_buffer().map_err(fail)
    }
}
