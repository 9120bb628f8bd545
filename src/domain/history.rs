//! A territory's history as another tool's files hold it (API.md,
//! "Importing a territory's history"): the five sheets and their columns
//! (the API's names, or the template's French ones), and cells read into
//! the API's values the way French spreadsheets write them. Pure: the
//! files are read in `crate::sheets`, the rows judged in
//! `usecases::history`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::Month;

/// The sheets an import may hold, in the order their rows are judged
/// (each names only what the ones before it hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sheet {
    Organisations,
    Contracts,
    Beneficiaries,
    Placements,
    Hours,
}

/// One column of a sheet: its API name, the template's French name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub french: &'static str,
}

const fn col(name: &'static str, french: &'static str) -> Column {
    Column { name, french }
}

const ORGANISATIONS: &[Column] = &[
    col("siret", "SIRET"),
    col("name", "Raison sociale"),
    col("kind", "Type"),
    col("siae_type", "Type de SIAE"),
    col("identifier_type", "Type d'identifiant"),
    col("identifier", "Identifiant"),
    col("buyer_category", "Catégorie d'acheteur"),
];

const CONTRACTS: &[Column] = &[
    col("buyer", "Acheteur"),
    col("reference", "Référence du marché"),
    col("holder", "Titulaire"),
    col("title", "Objet"),
    col("clause_type", "Type de clause"),
    col("start_date", "Date de début"),
    col("end_date", "Date de fin"),
    col("amount_excl_tax", "Montant HT"),
    col("labour_share", "Part de main-d'œuvre"),
    col("insertion_rate", "Taux d'insertion"),
    col("hourly_cost", "Coût horaire"),
    col("commitment_hours", "Heures d'insertion prescrites"),
    col("pricing", "Forme du prix"),
    col("max_amount_excl_tax", "Montant maximum HT"),
    col("cpv_code", "Code CPV"),
    col("market_nature", "Nature du marché"),
    col("operation", "Opération"),
    col("penalty_per_missing_hour", "Pénalité par heure manquante"),
    col("penalty_cap_rate", "Plafond des pénalités"),
    col("report_due_on", "Bilan attendu le"),
];

const BENEFICIARIES: &[Column] = &[
    col("person_ref", "Identifiant de la personne"),
    col("last_name", "Nom"),
    col("first_name", "Prénom"),
    col("sex", "Sexe"),
    col("birth_date", "Date de naissance"),
    col("postal_code", "Code postal"),
    col("qpv_code", "Code QPV"),
    col("qualification_level", "Niveau de qualification"),
    col("eligibility", "Critères d'éligibilité"),
    col("eligibility_reason", "Motif d'éligibilité"),
    col("referent", "Référent PLIE"),
];

const PLACEMENT_KEY: [Column; 4] = [
    col("person_ref", "Identifiant de la personne"),
    col("buyer", "Acheteur"),
    col("contract_reference", "Référence du marché"),
    col("start_date", "Date de début"),
];

const PLACEMENTS: &[Column] = &[
    PLACEMENT_KEY[0],
    PLACEMENT_KEY[1],
    PLACEMENT_KEY[2],
    PLACEMENT_KEY[3],
    col("employer", "Employeur"),
    col("modality", "Modalité"),
    col("job_title", "Poste"),
    col("end_date", "Date de fin"),
    col("weekly_hours", "Heures hebdomadaires"),
];

const HOURS: &[Column] = &[
    PLACEMENT_KEY[0],
    PLACEMENT_KEY[1],
    PLACEMENT_KEY[2],
    col("start_date", "Début du contrat de travail"),
    col("month", "Mois"),
    col("worked_hours", "Heures travaillées"),
    col("training_hours", "Heures de formation"),
    col("status", "Statut"),
    col("reason", "Motif"),
];

impl Sheet {
    pub const ALL: [Sheet; 5] = [
        Sheet::Organisations,
        Sheet::Contracts,
        Sheet::Beneficiaries,
        Sheet::Placements,
        Sheet::Hours,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Sheet::Organisations => "organisations",
            Sheet::Contracts => "contracts",
            Sheet::Beneficiaries => "beneficiaries",
            Sheet::Placements => "placements",
            Sheet::Hours => "hours",
        }
    }

    /// The template's French name of the sheet, accepted too.
    pub fn french(self) -> &'static str {
        match self {
            Sheet::Organisations => "Organisations",
            Sheet::Contracts => "Marchés",
            Sheet::Beneficiaries => "Participants",
            Sheet::Placements => "Contrats de travail",
            Sheet::Hours => "Heures",
        }
    }

    /// A sheet by its name as a workbook or a caller writes it.
    pub fn parse(name: &str) -> Option<Sheet> {
        let n = normalise(name);
        Sheet::ALL
            .into_iter()
            .find(|s| normalise(s.name()) == n || normalise(s.french()) == n)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::Organisations => ORGANISATIONS,
            Sheet::Contracts => CONTRACTS,
            Sheet::Beneficiaries => BENEFICIARIES,
            Sheet::Placements => PLACEMENTS,
            Sheet::Hours => HOURS,
        }
    }

    /// The columns a row of the sheet cannot do without.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Sheet::Organisations => &["kind"],
            Sheet::Contracts => &["buyer", "reference", "holder"],
            Sheet::Beneficiaries => &["person_ref"],
            Sheet::Placements | Sheet::Hours => {
                &["person_ref", "buyer", "contract_reference", "start_date"]
            }
        }
    }

    /// The template's example rows, one line per row, in column order;
    /// the template, filled with them alone, imports cleanly.
    pub fn examples(self) -> &'static [&'static [&'static str]] {
        match self {
            Sheet::Organisations => &[
                &[
                    "21910001922678",
                    "Ville de Grigny",
                    "buyer",
                    "",
                    "",
                    "",
                    "municipality",
                ],
                &[
                    "73282932000074",
                    "Bâtiment Essonne",
                    "company",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
            Sheet::Contracts => &[&[
                "21910001922678",
                "2019-GR-017",
                "73282932000074",
                "Réhabilitation du groupe scolaire",
                "execution_condition",
                "01/03/2019",
                "31/12/2020",
                "1200000",
                "0,4",
                "0,05",
                "30",
                "",
                "lump_sum",
                "",
                "45000000",
                "",
                "",
                "",
                "",
                "",
            ]],
            Sheet::Beneficiaries => &[&[
                "P-000123",
                "Martin",
                "Karim",
                "M",
                "12/05/1990",
                "91350",
                "",
                "3",
                "long_term_unemployed; rsa",
                "",
                "",
            ]],
            Sheet::Placements => &[&[
                "P-000123",
                "21910001922678",
                "2019-GR-017",
                "01/04/2019",
                "73282932000074",
                "direct_fixed_term",
                "Maçon",
                "30/09/2019",
                "35",
            ]],
            Sheet::Hours => &[&[
                "P-000123",
                "21910001922678",
                "2019-GR-017",
                "01/04/2019",
                "2019-04",
                "151,67",
                "0",
                "validated",
                "",
            ]],
        }
    }
}

/// What a column holds, for the template's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Number,
    Date,
}

pub fn column_kind(column: &str) -> ColumnKind {
    match column {
        "amount_excl_tax"
        | "labour_share"
        | "insertion_rate"
        | "hourly_cost"
        | "commitment_hours"
        | "max_amount_excl_tax"
        | "penalty_per_missing_hour"
        | "penalty_cap_rate"
        | "weekly_hours"
        | "worked_hours"
        | "training_hours" => ColumnKind::Number,
        "start_date" | "end_date" | "birth_date" | "report_due_on" => ColumnKind::Date,
        _ => ColumnKind::Text,
    }
}

impl std::fmt::Display for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A header or a code as matched: lower case, no accents, nothing but
/// letters and digits (`Date de début` and `date_de_debut` are one name).
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => continue,
        };
        out.push_str(plain);
    }
    out
}

/// Where each of a sheet's columns is in the file's rows.
#[derive(Debug, Clone)]
pub struct Header {
    pub sheet: Sheet,
    /// Per column of `sheet.columns()`, its position in a row.
    positions: Vec<Option<usize>>,
}

/// A header refused: the text of the cell at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub column: String,
    pub message: String,
}

impl Header {
    /// Reads a header row: every non-blank cell must name a column of the
    /// sheet (in English or French), once; the required ones must be there.
    pub fn read(sheet: Sheet, cells: &[String]) -> Result<Header, Vec<HeaderError>> {
        let columns = sheet.columns();
        let mut positions = vec![None; columns.len()];
        let mut errors = Vec::new();
        for (at, cell) in cells.iter().enumerate() {
            let n = normalise(cell);
            if n.is_empty() {
                continue;
            }
            let Some(i) = find(sheet, &n) else {
                errors.push(HeaderError {
                    column: cell.trim().to_string(),
                    message: format!(
                        "is not a column of {sheet}: expected {}",
                        columns
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            };
            if positions[i].is_some() {
                errors.push(HeaderError {
                    column: cell.trim().to_string(),
                    message: format!("repeats the column {}", columns[i].name),
                });
                continue;
            }
            positions[i] = Some(at);
        }
        for required in sheet.required() {
            let i = columns
                .iter()
                .position(|c| c.name == *required)
                .expect("a required column is a column");
            if positions[i].is_none() {
                errors.push(HeaderError {
                    column: required.to_string(),
                    message: format!("is a required column of {sheet}"),
                });
            }
        }
        if errors.is_empty() {
            Ok(Header { sheet, positions })
        } else {
            Err(errors)
        }
    }

    /// Whether a row is the template's second header row, the French
    /// names, which the import skips.
    pub fn is_french_row(&self, values: &[Value]) -> bool {
        let columns = self.sheet.columns();
        let mut seen = false;
        for (i, position) in self.positions.iter().enumerate() {
            let Some(at) = position else { continue };
            match values.get(*at) {
                None | Some(Value::Empty) => {}
                Some(Value::Text(t)) if normalise(t) == normalise(columns[i].french) => seen = true,
                Some(_) => return false,
            }
        }
        seen
    }

    /// The value of `column` in a row (empty when the file lacks it).
    pub fn value<'v>(&self, values: &'v [Value], column: &str) -> &'v Value {
        self.sheet
            .columns()
            .iter()
            .position(|c| c.name == column)
            .and_then(|i| self.positions[i])
            .and_then(|at| values.get(at))
            .unwrap_or(&Value::Empty)
    }
}

fn find(sheet: Sheet, normalised: &str) -> Option<usize> {
    let columns = sheet.columns();
    columns
        .iter()
        .position(|c| normalise(c.name) == normalised)
        .or_else(|| {
            columns
                .iter()
                .position(|c| normalise(c.french) == normalised)
        })
}

/// A cell as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Empty,
    Text(String),
    /// A number cell, exact as the spreadsheet shows it.
    Number(Decimal),
    /// A date cell.
    Date(NaiveDate),
}

impl Value {
    /// The cell as text: a number as the spreadsheet shows it, a date as
    /// `YYYY-MM-DD`; `None` when empty.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Empty => None,
            Value::Text(t) => Some(t.clone()),
            Value::Number(n) => Some(n.normalize().to_string()),
            Value::Date(d) => Some(d.to_string()),
        }
    }

    /// A text cell, `Empty` when it holds only blanks.
    pub fn text(s: &str) -> Value {
        let t = s.trim();
        if t.is_empty() {
            Value::Empty
        } else {
            Value::Text(t.to_string())
        }
    }
}

/// Reads a row's cells into the API's values, noting each cell that does
/// not read as its column's type (`column`, message).
#[derive(Debug)]
pub struct Cells<'a> {
    values: &'a [Value],
    header: &'a Header,
    /// A `;`-separated CSV writes decimals with a comma.
    decimal_comma: bool,
    pub errors: Vec<(&'static str, String)>,
}

impl<'a> Cells<'a> {
    pub fn new(values: &'a [Value], header: &'a Header, decimal_comma: bool) -> Self {
        Cells {
            values,
            header,
            decimal_comma,
            errors: Vec::new(),
        }
    }

    /// Whether every cell is blank (a spreadsheet's stray empty row).
    pub fn is_blank(&self) -> bool {
        self.values.iter().all(|v| *v == Value::Empty)
    }

    fn value(&self, column: &str) -> &'a Value {
        self.header.value(self.values, column)
    }

    fn fail(&mut self, column: &'static str, message: impl Into<String>) {
        self.errors.push((column, message.into()));
    }

    /// Whether a cell of `column` was refused already.
    pub fn failed(&self, column: &str) -> bool {
        self.errors.iter().any(|(c, _)| *c == column)
    }

    pub fn text(&mut self, column: &'static str) -> Option<String> {
        let text = self.value(column).as_text()?;
        // PostgreSQL's text cannot hold it; the API refuses it too.
        if text.contains('\0') {
            self.fail(column, "must not contain the NUL character (U+0000)");
            return None;
        }
        Some(text)
    }

    pub fn decimal(&mut self, column: &'static str) -> Option<Decimal> {
        match self.value(column) {
            Value::Empty => None,
            Value::Number(n) => Some(*n),
            Value::Date(_) => {
                self.fail(column, "is a date, not a number");
                None
            }
            Value::Text(t) => match parse_decimal(t, self.decimal_comma) {
                Some(n) => Some(n),
                None => {
                    let how = if self.decimal_comma {
                        "a number (decimal comma: 151,67)"
                    } else {
                        "a number (151.67)"
                    };
                    self.fail(column, format!("{t:?} is not {how}"));
                    None
                }
            },
        }
    }

    pub fn date(&mut self, column: &'static str) -> Option<NaiveDate> {
        match self.value(column) {
            Value::Empty => None,
            Value::Date(d) => Some(*d),
            Value::Number(n) => match serial_date(*n) {
                Some(d) => Some(d),
                None => {
                    self.fail(column, format!("{n} is not a date"));
                    None
                }
            },
            Value::Text(t) => match parse_date(t) {
                Some(d) => Some(d),
                None => {
                    self.fail(
                        column,
                        format!("{t:?} is not a date: write YYYY-MM-DD or DD/MM/YYYY"),
                    );
                    None
                }
            },
        }
    }

    pub fn month(&mut self, column: &'static str) -> Option<Month> {
        match self.value(column) {
            Value::Text(t) => match parse_month(t) {
                Some(m) => Some(m),
                None => {
                    self.fail(
                        column,
                        format!("{t:?} is not a month: write YYYY-MM, MM/YYYY or a date"),
                    );
                    None
                }
            },
            _ => self.date(column).map(Month::from_date),
        }
    }

    /// A code of a fixed list, matched without case or accents.
    pub fn code<T: Copy>(
        &mut self,
        column: &'static str,
        all: &[T],
        code: fn(T) -> &'static str,
    ) -> Option<T> {
        let text = self.text(column)?;
        match find_code(&text, all, code) {
            Some(c) => Some(c),
            None => {
                self.fail(column, unknown_code(&text, all, code));
                None
            }
        }
    }

    /// A list of codes separated by `,` or `;`.
    pub fn codes<T: Copy + PartialEq>(
        &mut self,
        column: &'static str,
        all: &[T],
        code: fn(T) -> &'static str,
    ) -> Option<Vec<T>> {
        let text = self.text(column)?;
        let mut out = Vec::new();
        for part in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match find_code(part, all, code) {
                Some(c) if !out.contains(&c) => out.push(c),
                Some(_) => {}
                None => {
                    self.fail(column, unknown_code(part, all, code));
                    return None;
                }
            }
        }
        Some(out)
    }
}

fn find_code<T: Copy>(text: &str, all: &[T], code: fn(T) -> &'static str) -> Option<T> {
    let n = normalise(text);
    all.iter().copied().find(|c| normalise(code(*c)) == n)
}

fn unknown_code<T: Copy>(text: &str, all: &[T], code: fn(T) -> &'static str) -> String {
    format!(
        "{text:?} is not one of {}",
        all.iter().map(|c| code(*c)).collect::<Vec<_>>().join(", ")
    )
}

/// `151.67`, or `151,67` where the separator is `;`; blanks (and the
/// no-break spaces French spreadsheets group thousands with) dropped.
pub fn parse_decimal(text: &str, decimal_comma: bool) -> Option<Decimal> {
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .collect();
    if decimal_comma {
        if s.contains('.') && s.contains(',') {
            return None;
        }
        s = s.replace(',', ".");
    }
    if s.is_empty() || s.contains(',') {
        return None;
    }
    s.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&s).ok())
}

/// `YYYY-MM-DD` or `DD/MM/YYYY` (one-digit days and months accepted);
/// a time after the date (as spreadsheets export them) ignored when it is
/// midnight.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let day = match t.split_once([' ', 'T']) {
        Some((d, time)) if is_midnight(time) => d,
        Some(_) => return None,
        None => t,
    };
    if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        return Some(d);
    }
    let mut parts = day.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn is_midnight(time: &str) -> bool {
    let t = time.trim().trim_end_matches('Z');
    t.is_empty() || t.split([':', '.']).all(|p| p.chars().all(|c| c == '0'))
}

/// `YYYY-MM`, `MM/YYYY` or a date (its month).
pub fn parse_month(text: &str) -> Option<Month> {
    let t = text.trim();
    if let Some(m) = Month::parse(t) {
        return Some(m);
    }
    if let Some((m, y)) = t.split_once('/') {
        if y.len() == 4 && !y.contains('/') && m.len() <= 2 {
            let d = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
            return Some(Month::from_date(d));
        }
    }
    parse_date(t).map(Month::from_date)
}

/// A spreadsheet's day number (1900 system: day 1 is 1900-01-01, with
/// Lotus's 29 February 1900 counted) as a date; only whole days.
pub fn serial_date(n: Decimal) -> Option<NaiveDate> {
    if n.fract() != Decimal::ZERO || n < Decimal::ONE || n > Decimal::from(2_958_465) {
        return None;
    }
    let days = i64::try_from(n.trunc().mantissa()).ok()? / 10_i64.pow(n.scale());
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    // Serials before 1 March 1900 are one day off (the phantom 29 February).
    let days = if days < 61 { days + 1 } else { days };
    epoch.checked_add_signed(chrono::Duration::days(days))
}

/// The day number of a date (what a number-formatted date cell holds).
pub fn date_serial(d: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a valid date");
    (d - epoch).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn headers_match_without_case_accents_or_blanks() {
        assert_eq!(normalise(" Date de Début "), "datededebut");
        assert_eq!(normalise("start_date"), "startdate");
        assert_eq!(normalise("Part de main-d'Œuvre"), "partdemaindoeuvre");
        let h = Header::read(
            Sheet::Beneficiaries,
            &[" PERSON_REF".into(), "Date de naissance".into(), "".into()],
        )
        .unwrap();
        let row = [Value::text("P1"), Value::Date(d(1990, 5, 12))];
        assert_eq!(h.value(&row, "birth_date"), &Value::Date(d(1990, 5, 12)));
        assert_eq!(h.value(&row, "sex"), &Value::Empty);
    }

    #[test]
    fn unknown_repeated_and_missing_columns_are_refused() {
        let e = Header::read(
            Sheet::Hours,
            &["person_ref".into(), "colour".into(), "Person ref".into()],
        )
        .unwrap_err();
        let columns: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            columns,
            [
                "colour",
                "Person ref",
                "buyer",
                "contract_reference",
                "start_date"
            ]
        );
        assert!(e[1].message.contains("repeats"));
    }

    #[test]
    fn the_french_header_row_is_recognised() {
        let names: Vec<String> = Sheet::Hours
            .columns()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        let h = Header::read(Sheet::Hours, &names).unwrap();
        let french: Vec<Value> = Sheet::Hours
            .columns()
            .iter()
            .map(|c| Value::text(c.french))
            .collect();
        assert!(h.is_french_row(&french));
        let data: Vec<Value> = Sheet::Hours.examples()[0]
            .iter()
            .map(|t| Value::text(t))
            .collect();
        assert!(!h.is_french_row(&data));
    }

    #[test]
    fn sheets_by_either_name() {
        assert_eq!(Sheet::parse("Hours"), Some(Sheet::Hours));
        assert_eq!(Sheet::parse("marches"), Some(Sheet::Contracts));
        assert_eq!(Sheet::parse("nope"), None);
    }

    #[test]
    fn decimals_as_french_and_english_files_write_them() {
        assert_eq!(parse_decimal("151,67", true), Some(dec!(151.67)));
        assert_eq!(parse_decimal("1 200 000", true), Some(dec!(1200000)));
        assert_eq!(parse_decimal("1\u{a0}200,5", true), Some(dec!(1200.5)));
        assert_eq!(parse_decimal("151.67", false), Some(dec!(151.67)));
        assert_eq!(parse_decimal("151,67", false), None);
        assert_eq!(parse_decimal("1.200,50", true), None);
        assert_eq!(parse_decimal("abc", true), None);
    }

    #[test]
    fn dates_as_files_write_them() {
        assert_eq!(parse_date("2019-03-01"), Some(d(2019, 3, 1)));
        assert_eq!(parse_date(" 01/03/2019 "), Some(d(2019, 3, 1)));
        assert_eq!(parse_date("1/3/2019"), Some(d(2019, 3, 1)));
        assert_eq!(parse_date("2019-03-01 00:00:00"), Some(d(2019, 3, 1)));
        assert_eq!(parse_date("2019-03-01T10:00:00"), None);
        assert_eq!(parse_date("31/02/2019"), None);
        assert_eq!(parse_date("03/01/19"), None);
        assert_eq!(serial_date(dec!(43525)), Some(d(2019, 3, 1)));
        assert_eq!(date_serial(d(2019, 3, 1)), 43525);
        assert_eq!(serial_date(dec!(43525.5)), None);
        assert_eq!(parse_month("2019-04"), Month::parse("2019-04"));
        assert_eq!(parse_month("04/2019"), Month::parse("2019-04"));
        assert_eq!(parse_month("15/04/2019"), Month::parse("2019-04"));
        assert_eq!(parse_month("2019-13"), None);
    }

    #[test]
    fn cells_note_what_does_not_read() {
        let names: Vec<String> = Sheet::Hours
            .columns()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        let h = Header::read(Sheet::Hours, &names).unwrap();
        let row = vec![
            Value::text("P1"),
            Value::Number(dec!(21910001922678)),
            Value::text("R"),
            Value::Number(dec!(43525)),
            Value::text("avril"),
            Value::text("12,5"),
            Value::Empty,
            Value::text("VALIDATED"),
        ];
        let mut c = Cells::new(&row, &h, true);
        assert_eq!(c.text("buyer").as_deref(), Some("21910001922678"));
        assert_eq!(c.date("start_date"), Some(d(2019, 3, 1)));
        assert_eq!(c.month("month"), None);
        assert_eq!(c.decimal("worked_hours"), Some(dec!(12.5)));
        assert_eq!(c.decimal("training_hours"), None);
        use super::super::codes::HoursStatus;
        assert_eq!(
            c.code("status", HoursStatus::ALL, HoursStatus::as_str),
            Some(HoursStatus::Validated)
        );
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].0, "month");
        assert!(c.failed("month"));
        let row = vec![Value::text("P\0")];
        let mut c = Cells::new(&row, &h, true);
        assert_eq!(c.text("person_ref"), None);
        assert!(c.failed("person_ref"));
    }

    #[test]
    fn every_example_row_fills_its_sheet() {
        for sheet in Sheet::ALL {
            for row in sheet.examples() {
                assert_eq!(row.len(), sheet.columns().len(), "{sheet}");
            }
        }
    }
}
