//! The end-of-contract report as a PDF a buyer files: A4, the issuer on
//! every page, the tables, a chart of validated hours against the pro
//! rata line, "Page n / N". Written with krilla (embedded, subset DejaVu
//! Sans, so the text is extractable); the layout is laid out first into
//! pages of drawing operations, then drawn once the page count is known.

use std::sync::{Arc, OnceLock};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use rust_decimal::Decimal;

use super::report_view::ContractReport;
use crate::domain::disclosure::Count;
use crate::error::{ApiError, ApiResult};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// Where the content starts under the running header, and stops above the footer.
const TOP: f32 = 95.0;
const BOTTOM: f32 = HEIGHT - 60.0;
const BODY: f32 = 9.0;
const LINE: f32 = 13.0;

struct Fonts {
    regular: Font,
    bold: Font,
}

/// The fonts, parsed once per process: they never change an answer.
fn fonts() -> ApiResult<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: Font::new(Arc::new(REGULAR.to_vec()).into(), 0)?,
                bold: Font::new(Arc::new(BOLD.to_vec()).into(), 0)?,
            })
        })
        .as_ref()
        .ok_or_else(|| ApiError::bug("the embedded PDF fonts do not parse"))
}

#[derive(Clone, Copy, PartialEq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        align: Align,
        text: String,
        grey: bool,
    },
    /// A polyline.
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        colour: (u8, u8, u8),
        dashed: bool,
    },
}

/// The width of `text` at `size`, from DejaVu Sans's advances for the
/// characters numbers are written with, an average for others: enough to
/// right-align figures.
fn width(text: &str, size: f32) -> f32 {
    // DejaVu Sans's advances, in thousandths of the em.
    const PUNCTUATION: f32 = 318.0 / 1000.0;
    text.chars()
        .map(|c| match c {
            '0'..='9' => 0.636,
            ' ' | ',' | '.' | '\u{202f}' => PUNCTUATION,
            '-' => 0.361,
            '%' => 0.95,
            '<' | '>' | '≥' => 0.838,
            c if c.is_uppercase() => 0.70,
            _ => 0.56,
        })
        .sum::<f32>()
        * size
}

/// Laid-out pages, each its operations.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `height` more points, or a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, x: f32, size: f32, weight: Weight, align: Align, text: &str, grey: bool) {
        let y = self.y;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            weight,
            align,
            text: text.to_string(),
            grey,
        });
    }

    fn heading(&mut self, title: &str) {
        self.room(LINE * 4.0);
        self.y += LINE * 0.8;
        self.text(MARGIN, 12.0, Weight::Bold, Align::Left, title, false);
        self.y += LINE * 1.3;
    }

    /// Label and value lines, the value wrapped to the page.
    fn pairs(&mut self, pairs: &[(&str, String)]) {
        let value_x = MARGIN + 170.0;
        let room = WIDTH - MARGIN - value_x;
        for (label, value) in pairs {
            let lines = wrap(value, room, BODY);
            self.room(LINE * lines.len() as f32);
            self.text(MARGIN, BODY, Weight::Regular, Align::Left, label, true);
            for line in lines {
                self.text(value_x, BODY, Weight::Regular, Align::Left, &line, false);
                self.y += LINE;
            }
        }
    }

    /// A table: columns at `x` (a right-aligned column's x is its right
    /// edge), its header repeated on each page it runs onto.
    fn table(&mut self, columns: &[(&str, f32, Align)], rows: &[Vec<String>]) {
        let header = |l: &mut Layout| {
            for (title, x, align) in columns {
                l.text(*x, BODY, Weight::Bold, *align, title, false);
            }
            let y = l.y + 4.0;
            l.ops().push(Op::Line {
                points: vec![(MARGIN, y), (WIDTH - MARGIN, y)],
                width: 0.5,
                colour: (120, 120, 120),
                dashed: false,
            });
            l.y += LINE + 2.0;
        };
        self.room(LINE * 3.0);
        header(self);
        for row in rows {
            if self.y + LINE > BOTTOM {
                self.room(BOTTOM);
                header(self);
            }
            for ((_, x, align), cell) in columns.iter().zip(row) {
                self.text(*x, BODY, Weight::Regular, *align, cell, false);
            }
            self.y += LINE;
        }
        if rows.is_empty() {
            self.text(
                MARGIN,
                BODY,
                Weight::Regular,
                Align::Left,
                "Aucune ligne.",
                true,
            );
            self.y += LINE;
        }
    }
}

/// Greedy word wrap to `room` points.
fn wrap(text: &str, room: f32, size: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("a line");
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) > room && !line.is_empty() {
            lines.push(word.to_string());
        } else {
            *line = candidate;
        }
    }
    lines
}

/// A decimal the French way: "47 597,83" (thin no-break spaces between
/// thousands would not survive every text extractor: plain spaces).
pub fn number(d: Decimal) -> String {
    let d = d.normalize();
    let text = d.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{fraction}")
    }
}

fn optional(d: Option<Decimal>, unit: &str) -> String {
    d.map(|d| format!("{}{unit}", number(d)))
        .unwrap_or_else(|| "—".to_string())
}

fn count(c: Count) -> String {
    match c {
        Count::Exact(n) => number(Decimal::from(n)),
        Count::Withheld => "non communiqué".to_string(),
        masked => masked.mask_text().unwrap_or_default().to_string(),
    }
}

fn percent(share: Decimal) -> String {
    format!("{} %", number((share * Decimal::ONE_HUNDRED).round_dp(2)))
}

/// The chart: validated hours accumulated month by month (solid) against
/// the pro rata line (dashed).
fn chart(l: &mut Layout, r: &ContractReport) {
    let height = 190.0;
    l.room(height + 50.0);
    let (left, right) = (MARGIN + 45.0, WIDTH - MARGIN);
    let top = l.y + 8.0;
    let bottom = top + height;
    let months = &r.hours_by_month;
    let top_value = months
        .iter()
        .flat_map(|m| [m.cumulative_hours, m.expected_hours])
        .chain([r.commitment_hours])
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let scale = |v: Decimal| {
        let share = (v / top_value).to_string().parse::<f32>().unwrap_or(0.0);
        bottom - share * height
    };
    let step = if months.len() > 1 {
        (right - left) / (months.len() - 1) as f32
    } else {
        0.0
    };
    let axis = (90, 90, 90);
    l.ops().push(Op::Line {
        points: vec![(left, top), (left, bottom), (right, bottom)],
        width: 0.6,
        colour: axis,
        dashed: false,
    });
    for value in [Decimal::ZERO, top_value] {
        let y = scale(value);
        l.ops().push(Op::Text {
            x: left - 4.0,
            y: y + 3.0,
            size: 7.0,
            weight: Weight::Regular,
            align: Align::Right,
            text: number(value.round_dp(0)),
            grey: true,
        });
    }
    let series = |f: &dyn Fn(&crate::domain::report::MonthLine) -> Decimal| -> Vec<(f32, f32)> {
        months
            .iter()
            .enumerate()
            .map(|(i, m)| (left + step * i as f32, scale(f(m))))
            .collect()
    };
    if !months.is_empty() {
        l.ops().push(Op::Line {
            points: series(&|m| m.expected_hours),
            width: 1.2,
            colour: (150, 150, 150),
            dashed: true,
        });
        l.ops().push(Op::Line {
            points: series(&|m| m.cumulative_hours),
            width: 1.6,
            colour: (31, 78, 140),
            dashed: false,
        });
        let first = months
            .first()
            .map(|m| m.month.to_string())
            .unwrap_or_default();
        let last = months
            .last()
            .map(|m| m.month.to_string())
            .unwrap_or_default();
        for (x, text, align) in [(left, first, Align::Left), (right, last, Align::Right)] {
            l.ops().push(Op::Text {
                x,
                y: bottom + 11.0,
                size: 7.0,
                weight: Weight::Regular,
                align,
                text,
                grey: true,
            });
        }
    }
    l.y = bottom + 26.0;
    let legend_y = l.y - 3.0;
    for (x, colour, dashed, text) in [
        (left, (31, 78, 140), false, "Heures validées (cumul)"),
        (left + 170.0, (150, 150, 150), true, "Attendu au prorata"),
    ] {
        l.ops().push(Op::Line {
            points: vec![(x, legend_y), (x + 18.0, legend_y)],
            width: 1.6,
            colour,
            dashed,
        });
        l.text(x + 24.0, 8.0, Weight::Regular, Align::Left, text, false);
    }
    l.y += LINE;
}

fn lay_out(r: &ContractReport) -> Layout {
    let mut l = Layout::new();
    let c = &r.contract;
    l.text(
        MARGIN,
        16.0,
        Weight::Bold,
        Align::Left,
        "Bilan de la clause sociale d'insertion",
        false,
    );
    l.y += LINE * 1.6;
    let subtitle = match (&r.number, r.issued_on) {
        (Some(n), Some(on)) => format!("Bilan n° {n}, émis le {on}, établi au {}", r.as_of),
        _ if r.ended => format!("Bilan établi au {} (fin du marché), non émis", r.as_of),
        _ => format!(
            "Bilan provisoire établi au {} : le marché est en cours",
            r.as_of
        ),
    };
    l.text(MARGIN, 10.0, Weight::Regular, Align::Left, &subtitle, false);
    l.y += LINE;

    l.heading("Le marché");
    let dates = if c.end_date == c.initial_end_date {
        format!("du {} au {}", c.start_date, c.end_date)
    } else {
        format!(
            "du {} au {} (fin initiale : {})",
            c.start_date, c.end_date, c.initial_end_date
        )
    };
    l.pairs(&[
        ("Référence", c.reference.clone()),
        ("Objet", c.title.clone()),
        ("Acheteur", c.buyer.clone()),
        ("Titulaire", c.holder.clone()),
        ("Type de clause", c.clause_type.as_str().to_string()),
        ("Prix", c.pricing.as_str().to_string()),
        ("Dates", dates),
        ("Montant HT", optional(c.amount_excl_tax, " €")),
        (
            "Montant HT initial",
            optional(c.initial_amount_excl_tax, " €"),
        ),
        ("Montant maximum HT", optional(c.max_amount_excl_tax, " €")),
        (
            "Engagement initial",
            format!("{} h", number(c.initial_commitment_hours)),
        ),
    ]);

    l.heading("Réalisation");
    l.pairs(&[
        (
            "Engagement d'heures",
            format!("{} h ({})", number(r.commitment_hours), c.commitment_source),
        ),
        (
            "Heures validées",
            format!("{} h", number(r.validated_hours)),
        ),
        (
            "Heures déclarées en attente",
            format!("{} h", number(r.declared_hours)),
        ),
        (
            "Attendu au prorata",
            format!("{} h", number(r.expected_hours_to_date)),
        ),
        ("Part réalisée", percent(r.share_done)),
        ("Statut", r.status.as_str().to_string()),
        (
            "Contrats de travail",
            number(Decimal::from(r.employment_contracts)),
        ),
    ]);
    chart(&mut l, r);

    l.heading("Historique de l'engagement");
    l.table(
        &[
            ("Nature", MARGIN, Align::Left),
            ("Date", MARGIN + 62.0, Align::Left),
            ("Référence", MARGIN + 122.0, Align::Left),
            ("Montant HT", MARGIN + 268.0, Align::Right),
            ("Fin", MARGIN + 285.0, Align::Left),
            ("Heures", MARGIN + 420.0, Align::Right),
            ("Engagement", WIDTH - MARGIN, Align::Right),
        ],
        &r.commitment_history
            .iter()
            .map(|h| {
                let reference: String = h
                    .reference
                    .clone()
                    .unwrap_or_default()
                    .chars()
                    .take(24)
                    .collect();
                vec![
                    match h.kind.as_str() {
                        "signed" => "Signature".to_string(),
                        "amendment" => "Avenant".to_string(),
                        _ => "Commande".to_string(),
                    },
                    h.date.to_string(),
                    reference,
                    optional(h.amount_excl_tax, ""),
                    h.end_date.map(|d| d.to_string()).unwrap_or_default(),
                    optional(h.commitment_hours, ""),
                    number(h.commitment_after),
                ]
            })
            .collect::<Vec<_>>(),
    );

    l.heading("Heures par mois");
    l.table(
        &[
            ("Mois", MARGIN, Align::Left),
            ("Heures validées", MARGIN + 200.0, Align::Right),
            ("Cumul", MARGIN + 320.0, Align::Right),
            ("Attendu au prorata", WIDTH - MARGIN, Align::Right),
        ],
        &r.hours_by_month
            .iter()
            .map(|m| {
                vec![
                    m.month.to_string(),
                    number(m.hours),
                    number(m.cumulative_hours),
                    number(m.expected_hours),
                ]
            })
            .collect::<Vec<_>>(),
    );

    l.heading("Heures par modalité");
    l.table(
        &[
            ("Modalité", MARGIN, Align::Left),
            ("Heures validées", MARGIN + 280.0, Align::Right),
            ("Contrats", MARGIN + 380.0, Align::Right),
            ("Personnes", WIDTH - MARGIN, Align::Right),
        ],
        &r.hours_by_modality
            .iter()
            .map(|m| {
                vec![
                    m.modality.as_str().to_string(),
                    number(m.hours),
                    number(Decimal::from(m.placements)),
                    count(m.people),
                ]
            })
            .collect::<Vec<_>>(),
    );

    l.heading("Personnes");
    let p = &r.people;
    l.pairs(&[
        ("Participants", number(Decimal::from(p.participants))),
        ("Femmes", count(p.women)),
        ("Hommes", count(p.men)),
        ("Moins de 26 ans", count(p.under_26)),
        ("Résidents QPV", count(p.qpv_residents)),
    ]);

    l.heading("Sorties");
    let o = &r.outcomes;
    l.pairs(&[
        ("Contrats terminés", number(Decimal::from(o.ended))),
        ("Dont sortie connue", number(Decimal::from(o.with_outcome))),
        ("Emploi durable", count(o.groups.durable_employment)),
        (
            "Emploi de transition",
            count(o.groups.transitional_employment),
        ),
        ("Sortie positive", count(o.groups.positive_exit)),
        ("Autre", count(o.groups.other)),
        ("Inconnue", count(o.groups.unknown)),
        (
            "Taux de sortie dynamique",
            o.dynamic_exit_rate
                .map(percent)
                .unwrap_or_else(|| "—".into()),
        ),
    ]);

    l.heading("Pénalité");
    let pe = &r.penalty;
    l.pairs(&[
        (
            "Heures manquantes",
            format!("{} h", number(pe.missing_hours)),
        ),
        ("Taux", optional(pe.rate, " € par heure")),
        ("Plafond", optional(pe.cap, " €")),
        ("Montant", optional(pe.amount, " €")),
        ("Exigible", if pe.due { "oui" } else { "non" }.to_string()),
        (
            "Levée",
            match &pe.reason {
                Some(reason) if pe.waived => format!("oui : {reason}"),
                _ => "non".to_string(),
            },
        ),
    ]);
    l
}

/// The report's PDF.
pub fn render(r: &ContractReport) -> ApiResult<Vec<u8>> {
    let fonts = fonts()?;
    let layout = lay_out(r);
    let total = layout.pages.len();
    let mut document = Document::new();
    let footer_left = format!("Marché {} — établi au {}", r.contract.reference, r.as_of);
    for (i, ops) in layout.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| ApiError::bug("an A4 page has a size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut draw_text =
            |x: f32, y: f32, size: f32, weight: Weight, align: Align, text: &str, grey: bool| {
                let font = match weight {
                    Weight::Regular => fonts.regular.clone(),
                    Weight::Bold => fonts.bold.clone(),
                };
                let x = match align {
                    Align::Left => x,
                    Align::Right => x - width(text, size),
                };
                let shade = if grey { 90 } else { 0 };
                surface.set_fill(Some(Fill {
                    paint: rgb::Color::new(shade, shade, shade).into(),
                    ..Default::default()
                }));
                surface.draw_text(
                    Point::from_xy(x, y),
                    font,
                    size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            };
        // The running header and footer.
        draw_text(
            MARGIN,
            40.0,
            9.0,
            Weight::Bold,
            Align::Left,
            &r.issuer,
            false,
        );
        draw_text(
            WIDTH - MARGIN,
            40.0,
            8.0,
            Weight::Regular,
            Align::Right,
            "Bilan de la clause sociale d'insertion",
            true,
        );
        draw_text(
            MARGIN,
            HEIGHT - 30.0,
            7.5,
            Weight::Regular,
            Align::Left,
            &footer_left,
            true,
        );
        draw_text(
            WIDTH - MARGIN,
            HEIGHT - 30.0,
            7.5,
            Weight::Regular,
            Align::Right,
            &format!("Page {} / {total}", i + 1),
            true,
        );
        for op in ops {
            if let Op::Text {
                x,
                y,
                size,
                weight,
                align,
                text,
                grey,
            } = op
            {
                draw_text(*x, *y, *size, *weight, *align, text, *grey);
            }
        }
        let mut lines = vec![(
            vec![(MARGIN, 48.0), (WIDTH - MARGIN, 48.0)],
            0.5,
            (120, 120, 120),
            false,
        )];
        for op in ops {
            if let Op::Line {
                points,
                width,
                colour,
                dashed,
            } = op
            {
                lines.push((points.clone(), *width, *colour, *dashed));
            }
        }
        surface.set_fill(None);
        for (points, width, (red, green, blue), dashed) in lines {
            let mut path = PathBuilder::new();
            for (n, (x, y)) in points.iter().enumerate() {
                if n == 0 {
                    path.move_to(*x, *y);
                } else {
                    path.line_to(*x, *y);
                }
            }
            let Some(path) = path.finish() else { continue };
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(red, green, blue).into(),
                width,
                dash: dashed.then(|| StrokeDash {
                    array: vec![4.0, 3.0],
                    offset: 0.0,
                }),
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
        surface.set_stroke(None);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ApiError::bug(format!("writing the report's PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn numbers_are_written_the_french_way() {
        assert_eq!(number(dec!(47597.83)), "47 597,83");
        assert_eq!(number(dec!(1000)), "1 000");
        assert_eq!(number(dec!(0.50)), "0,5");
        assert_eq!(number(dec!(-1234567.8)), "-1 234 567,8");
    }

    #[test]
    fn words_wrap_to_the_room() {
        let lines = wrap("Réhabilitation de cent vingt logements sociaux", 100.0, 9.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 9.0) <= 100.0));
    }
}
