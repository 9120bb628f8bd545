//! What the network's web sites embed without a token: the published key
//! figures of a year, as JSON and as an SVG card. They are made at
//! publication with the disclosure rule a buyer reads by
//! (`domain::disclosure`), so that nobody can be singled out.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::models::publication;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::http::resource("/public/key-figures/{year}.json").route(web::get().to(key_figures)),
    )
    .service(
        super::http::resource("/public/key-figures/{year}.svg")
            .route(web::get().to(key_figures_card)),
    )
    // Any other name: say which two exist rather than a bare 404.
    .service(
        super::http::resource("/public/key-figures/{file}").route(web::get().to(no_such_file)),
    );
}

/// A published year as the public reads it: the key figures masked as a
/// buyer reads them, and when they were published.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // Describes the document; the answer is the stored JSON.
pub struct PublicKeyFigures {
    #[serde(flatten)]
    figures: super::stats::KeyFigures,
    published_at: DateTime<Utc>,
}

/// Which publication: the whole deployment's, or one territory's.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// The published figures of this territory (each territory is published on its own);
    /// without it, the whole deployment's.
    pub territory_id: Option<Uuid>,
}

/// Published key figures, public
///
/// No token. The published figures of a year as JSON (of one territory with `territory_id`),
/// for a site to show them its own way; 404 before publication. Any origin may read them (`Access-Control-Allow-Origin: *`); caches may
/// keep them five minutes. The same as a card to embed: `/public/key-figures/{year}.svg`.
#[utoipa::path(
    get, path = "/public/key-figures/{year}.json", tag = "public", operation_id = "get_public_key_figures",
    params(("year" = i32, Path, description = "A published year, e.g. `2019`"), PublicQuery),
    responses(
        (status = 200, description = "The published figures, masked as a buyer reads them: counts of people from 1 to 4 read \"< 5\", and the one beside a single masked count \"≥ 5\"",
         body = PublicKeyFigures),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 422, response = crate::api::responses::Invalid),
    )
)]
pub async fn key_figures(
    state: web::Data<AppState>,
    year: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let figures = published(&state, &year, &req).await?;
    Ok(HttpResponse::Ok()
        .insert_header(CACHE)
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(figures))
}

/// Published key figures, a card to embed
///
/// No token. The published figures of a year as an accessible SVG card (`role="img"`, a title
/// and a description that say every figure in words), for `<img src>`; 404 before
/// publication. Caches may keep it five minutes.
#[utoipa::path(
    get, path = "/public/key-figures/{year}.svg", tag = "public", operation_id = "get_public_key_figures_svg",
    params(("year" = i32, Path, description = "A published year, e.g. `2019`"), PublicQuery),
    responses(
        (status = 200, description = "The card, masked as the JSON is", content((super::schemas::SvgImage = "image/svg+xml"))),
        (status = 404, response = crate::api::responses::NotFound),
        (status = 422, response = crate::api::responses::Invalid),
    )
)]
pub async fn key_figures_card(
    state: web::Data<AppState>,
    year: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let figures = published(&state, &year, &req).await?;
    Ok(HttpResponse::Ok()
        .insert_header(CACHE)
        .content_type("image/svg+xml; charset=utf-8")
        .body(card(&figures)))
}

/// A snapshot changes only when republished: caches may keep it a while.
const CACHE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=300");

async fn no_such_file() -> ApiResult<HttpResponse> {
    Err(no_such_file_error())
}

fn no_such_file_error() -> ApiError {
    ApiError::NotFound("ask for /public/key-figures/YEAR.json or YEAR.svg".into())
}

/// The published figures of a year (of the territory the query names)
/// and when they were published.
async fn published(state: &AppState, year: &str, req: &HttpRequest) -> ApiResult<Value> {
    let year: i32 = year.parse().map_err(|_| no_such_file_error())?;
    let (q, v) = super::input::query::<PublicQuery>(req);
    v.finish()?;
    let territory = q.and_then(|q| q.territory_id);
    let row = db::read(&state.pool, move |c| publication::find(c, year, territory))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("the figures of {year} are not published")))?;
    let mut figures = row.figures;
    figures["published_at"] = json!(row.updated_at);
    Ok(figures)
}

/// French number formatting: narrow no-break spaces between thousands, a
/// decimal comma.
pub fn french(v: &Value) -> String {
    let text = match v {
        Value::String(s) => return s.clone(),
        other => other.to_string(),
    };
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An accessible card: `role="img"` with a title and a description that
/// say every figure in words, readable as an `<img>`.
pub fn card(f: &Value) -> String {
    let year = f["year"].as_i64().unwrap_or_default();
    let e = |k: &str| escape(&french(&f[k]));
    let change = f["hours_change"]
        .to_string()
        .parse::<Decimal>()
        .unwrap_or_default();
    let change_text = if change.is_sign_negative() && !change.is_zero() {
        format!("{} h par rapport à {}", e("hours_change"), year - 1)
    } else {
        format!("+{} h par rapport à {}", e("hours_change"), year - 1)
    };
    let title = format!("Clause sociale d'insertion : chiffres clés {year}");
    let desc = format!(
        "En {year}, {} heures d'insertion réalisées ({change_text}), {} contrats de travail, {} personnes dont {} femmes et {} hommes, {} résidents des quartiers prioritaires.",
        e("hours"),
        e("employment_contracts"),
        e("participants"),
        e("women"),
        e("men"),
        e("qpv_residents"),
    );
    let tile = |x: u32, value: String, label: &str| {
        format!(
            r##"<g transform="translate({x} 222)"><text class="v" y="0">{value}</text><text class="l" y="26">{label}</text></g>"##
        )
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="300" viewBox="0 0 640 300" role="img" aria-labelledby="card-title card-desc" lang="fr">
<title id="card-title">{title}</title>
<desc id="card-desc">{desc}</desc>
<style>
text {{ font-family: "Marianne", "Helvetica Neue", Arial, sans-serif; fill: #161616; }}
.h {{ font-size: 20px; font-weight: 700; fill: #000091; }}
.big {{ font-size: 48px; font-weight: 800; fill: #000091; }}
.sub {{ font-size: 18px; }}
.chg {{ font-size: 16px; fill: #18753c; font-weight: 700; }}
.v {{ font-size: 30px; font-weight: 800; }}
.l {{ font-size: 15px; fill: #3a3a3a; }}
</style>
<clipPath id="card-shape"><rect width="640" height="300" rx="16"/></clipPath>
<g clip-path="url(#card-shape)">
<rect width="640" height="300" fill="#f5f5fe"/>
<rect width="8" height="300" fill="#000091"/>
<line x1="32" y1="184" x2="608" y2="184" stroke="#cacafb" stroke-width="1"/>
</g>
<text class="h" x="32" y="44">{title_text}</text>
<text class="big" x="32" y="110">{hours}</text>
<text class="sub" x="32" y="138">heures d'insertion réalisées</text>
<text class="chg" x="32" y="164">{change_text}</text>
{t1}
{t2}
{t3}
<text class="l" x="32" y="284">dont {women} femmes et {men} hommes</text>
</svg>
"##,
        title = escape(&title),
        title_text = escape(&format!("Clause sociale d'insertion — {year}")),
        hours = e("hours"),
        women = e("women"),
        men = e("men"),
        t1 = tile(32, e("participants"), "personnes"),
        t2 = tile(232, e("employment_contracts"), "contrats de travail"),
        t3 = tile(432, e("qpv_residents"), "résidents QPV"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        let n: Value = serde_json::from_str("47597.83").unwrap();
        assert_eq!(french(&n), "47\u{202f}597,83");
        assert_eq!(french(&json!(169)), "169");
        assert_eq!(french(&json!(1000)), "1\u{202f}000");
        let neg: Value = serde_json::from_str("-8059.63").unwrap();
        assert_eq!(french(&neg), "-8\u{202f}059,63");
        assert_eq!(french(&json!("< 5")), "< 5");
    }

    #[test]
    fn card_escapes_and_describes() {
        let f: Value = serde_json::from_str(
            r#"{"year": 2019, "participants": 169, "women": 14, "men": 155, "under_26": 0,
                "qpv_residents": "< 5", "employment_contracts": 204, "hours": 47597.83,
                "previous_year_hours": 39538.2, "hours_change": 8059.63}"#,
        )
        .unwrap();
        let svg = card(&f);
        assert!(svg.contains("&lt; 5"));
        assert!(!svg.contains("< 5"));
        assert!(svg.contains("47\u{202f}597,83"));
        assert!(svg.contains("+8\u{202f}059,63 h par rapport à 2018"));
    }
}
