//! Published contract data (DECP): reading a record of the 2019 format or
//! of the format in force since 2024 into what a contract needs. Pure:
//! finding organisations and writing rows is the model's job.

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use super::codes::{ClauseType, IdentifierType};
use super::commitment;
use super::siret;

/// The defaults that size an estimated commitment (DOMAIN.md), all
/// configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimation {
    /// Labour share by the CPV code's first two digits.
    pub labour_shares: Vec<(String, Decimal)>,
    pub default_labour_share: Decimal,
    pub insertion_rate: Decimal,
    pub hourly_cost: Decimal,
}

impl Default for Estimation {
    fn default() -> Self {
        let d = |s: &str| s.parse::<Decimal>().expect("constant");
        Estimation {
            labour_shares: vec![
                ("45".into(), d("0.40")),
                ("90".into(), d("0.80")),
                ("77".into(), d("0.65")),
                ("50".into(), d("0.50")),
            ],
            default_labour_share: d("0.30"),
            insertion_rate: d("0.05"),
            hourly_cost: d("35"),
        }
    }
}

impl Estimation {
    /// Reads `45:0.40,90:0.80,*:0.30` style labour shares.
    pub fn with_labour_shares(mut self, spec: &str) -> Result<Estimation, String> {
        let mut shares = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (division, share) = part
                .split_once(':')
                .ok_or_else(|| format!("{part:?} is not DIVISION:SHARE"))?;
            let share: Decimal = share
                .trim()
                .parse()
                .map_err(|_| format!("{share:?} is not a number"))?;
            if share <= Decimal::ZERO || share > Decimal::ONE {
                return Err(format!("{share} is not a share between 0 and 1"));
            }
            match division.trim() {
                "*" => self.default_labour_share = share,
                d if d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()) => {
                    shares.push((d.to_string(), share))
                }
                d => return Err(format!("{d:?} is not a two-digit CPV division")),
            }
        }
        if !shares.is_empty() {
            self.labour_shares = shares;
        }
        Ok(self)
    }

    pub fn labour_share(&self, cpv: Option<&str>) -> Decimal {
        let division = cpv.map(|c| c.chars().take(2).collect::<String>());
        self.labour_shares
            .iter()
            .find(|(d, _)| Some(d) == division.as_ref())
            .map(|(_, s)| *s)
            .unwrap_or(self.default_labour_share)
    }
}

/// An organisation as a record names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyId {
    Siret(String),
    Other(IdentifierType, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: PartyId,
    pub name: Option<String>,
}

/// What a DECP record gives a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecpContract {
    pub id: String,
    pub buyer: Party,
    pub holder: Party,
    pub title: String,
    pub clause_type: ClauseType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount_excl_tax: Option<Decimal>,
    pub labour_share: Decimal,
    pub insertion_rate: Decimal,
    pub hourly_cost: Decimal,
    pub commitment_hours: Decimal,
    /// `codeCPV`, check digit dropped; `None` when absent or not a CPV code
    /// (the contract is imported without one rather than refused).
    pub cpv_code: Option<String>,
    /// The record's `modifications`, in their order: amendments to come.
    pub modifications: Vec<Modification>,
}

/// A record's modification (avenant): a new `montant`, a new total
/// `dureeMois` (the end date it gives), dated by its notification (or its
/// publication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modification {
    /// The modification's `id`.
    pub id: String,
    pub signed_on: Option<NaiveDate>,
    pub amount_excl_tax: Option<Decimal>,
    pub end_date: Option<NaiveDate>,
}

impl Modification {
    /// The amendment's reference: the record's id with the modification's.
    pub fn reference(&self, record_id: &str) -> String {
        format!("{record_id}/{}", self.id)
    }
}

fn day(v: Option<&Value>) -> Option<NaiveDate> {
    text(v).and_then(|d| NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d").ok())
}

/// The record's modifications, each read from `{"modification": {...}}`
/// or a bare object.
fn modifications(record: &Value, start_date: NaiveDate) -> Vec<Modification> {
    list(record.get("modifications"), "modification")
        .into_iter()
        .enumerate()
        .map(|(i, m)| Modification {
            id: text(m.get("id")).unwrap_or_else(|| (i + 1).to_string()),
            signed_on: day(m.get("dateNotificationModification"))
                .or_else(|| day(m.get("datePublicationDonneesModification"))),
            amount_excl_tax: decimal(m.get("montant"))
                .filter(|a| *a >= Decimal::ZERO)
                .map(commitment::round2),
            end_date: decimal(m.get("dureeMois"))
                .filter(|m| m.fract().is_zero())
                .and_then(|m| rust_decimal::prelude::ToPrimitive::to_u32(&m))
                .filter(|m| (1..=1200).contains(m))
                .and_then(|m| start_date.checked_add_months(Months::new(m)))
                .and_then(|d| d.pred_opt()),
        })
        .collect()
}

/// Why a record cannot be imported, or why it is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No social consideration: not a clause contract.
    Skip,
    Invalid(String),
}

/// The records of a document, or `None` when it is not DECP at all.
pub fn records(doc: &Value) -> Option<Vec<&Value>> {
    match doc.get("marches") {
        Some(Value::Array(items)) => Some(items.iter().collect()),
        Some(Value::Object(m)) => match m.get("marche") {
            Some(Value::Array(items)) => Some(items.iter().collect()),
            Some(one @ Value::Object(_)) => Some(vec![one]),
            _ => None,
        },
        // A single record object of the 2019 format.
        _ if doc.get("acheteur").is_some() && doc.get("id").is_some() => Some(vec![doc]),
        _ => None,
    }
}

/// A list that real files give flat (`[a, b]`), wrapped once
/// (`{"considerationSociale": [a, b]}` or `[{"titulaire": a}]`), or as a
/// single item.
fn list<'a>(v: Option<&'a Value>, item: &str) -> Vec<&'a Value> {
    let flat: Vec<&Value> = match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(m)) if m.contains_key(item) => match &m[item] {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        },
        Some(other) => vec![other],
    };
    flat.into_iter()
        .map(|x| match x {
            Value::Object(m) if m.len() == 1 && m.contains_key(item) => &m[item],
            other => other,
        })
        .collect()
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

fn party(v: &Value, name_key: &str) -> Result<Party, String> {
    let id = text(v.get("id")).ok_or("has no id")?;
    let kind = text(v.get("typeIdentifiant")).unwrap_or_else(|| "SIRET".into());
    let name = text(v.get(name_key)).or_else(|| text(v.get("nom")));
    let id = match kind.as_str() {
        "SIRET" => {
            let digits: String = id.chars().filter(|c| !c.is_whitespace()).collect();
            siret::check(&digits).map_err(|why| format!("SIRET {id}: {why}"))?;
            PartyId::Siret(digits)
        }
        other => PartyId::Other(
            IdentifierType::parse(other)
                .ok_or_else(|| format!("unknown typeIdentifiant {other:?}"))?,
            id,
        ),
    };
    Ok(Party { id, name })
}

/// Reads one record. `include_all` imports records that say nothing of
/// social considerations (the 2019 format) as execution conditions.
pub fn read(
    record: &Value,
    estimation: &Estimation,
    include_all: bool,
) -> Result<DecpContract, Verdict> {
    let invalid = |m: String| Verdict::Invalid(m);
    if !record.is_object() {
        return Err(invalid("a record must be a JSON object".into()));
    }
    let considerations: Option<Vec<String>> = record.get("considerationsSociales").map(|c| {
        list(Some(c), "considerationSociale")
            .into_iter()
            .filter_map(|v| text(Some(v)))
            .collect()
    });
    let clause_type = match &considerations {
        Some(c) if c.iter().any(|x| x == "Marché réservé") => Some(ClauseType::ReservedMarket),
        Some(c) if c.iter().any(|x| x == "Clause sociale") => Some(ClauseType::ExecutionCondition),
        Some(c) if c.iter().any(|x| x == "Critère social") => Some(ClauseType::AwardCriterion),
        _ => None,
    };
    let clause_type = match (clause_type, include_all) {
        (Some(t), _) => t,
        (None, true) => ClauseType::ExecutionCondition,
        (None, false) => return Err(Verdict::Skip),
    };
    let id = text(record.get("id")).ok_or_else(|| invalid("has no id".into()))?;
    let buyer = record
        .get("acheteur")
        .ok_or_else(|| invalid("has no acheteur".into()))
        .and_then(|a| party(a, "nom").map_err(|e| invalid(format!("acheteur {e}"))))?;
    let holders = list(record.get("titulaires"), "titulaire");
    let holder = holders
        .first()
        .ok_or_else(|| invalid("has no titulaire".into()))
        .and_then(|t| {
            party(t, "denominationSociale").map_err(|e| invalid(format!("titulaire {e}")))
        })?;
    let title: String = text(record.get("objet"))
        .ok_or_else(|| invalid("has no objet".into()))?
        .chars()
        .take(500)
        .collect();
    let start_date = text(record.get("dateNotification"))
        .and_then(|d| NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d").ok())
        .ok_or_else(|| invalid("has no valid dateNotification".into()))?;
    let months = decimal(record.get("dureeMois"))
        .filter(|m| m.fract().is_zero())
        .and_then(|m| rust_decimal::prelude::ToPrimitive::to_u32(&m))
        .filter(|m| (1..=1200).contains(m))
        .ok_or_else(|| invalid("has no valid dureeMois".into()))?;
    let end_date = start_date
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| invalid("dureeMois gives no end date".into()))?;
    let amount = decimal(record.get("montant"))
        .filter(|a| *a >= Decimal::ZERO)
        .map(commitment::round2)
        .filter(|a| *a <= crate::domain::numbers::max_amount());
    let cpv = text(record.get("codeCPV"));
    let labour_share = estimation.labour_share(cpv.as_deref());
    let commitment_hours = match amount {
        Some(a) => commitment::compute(
            a,
            labour_share,
            estimation.insertion_rate,
            estimation.hourly_cost,
        )
        .filter(|c| *c <= crate::domain::numbers::max_commitment_hours())
        .ok_or_else(|| invalid("the commitment cannot be estimated".into()))?,
        None => {
            return Err(invalid(
                "has no valid montant: the commitment cannot be estimated".into(),
            ))
        }
    };
    Ok(DecpContract {
        id: id.chars().take(100).collect(),
        buyer,
        holder,
        title,
        clause_type,
        start_date,
        end_date,
        amount_excl_tax: amount,
        labour_share,
        insertion_rate: estimation.insertion_rate,
        hourly_cost: estimation.hourly_cost,
        commitment_hours,
        cpv_code: cpv
            .as_deref()
            .and_then(|c| super::cpv::parse(c).ok())
            .map(|c| c.as_str().to_string()),
        modifications: modifications(record, start_date),
    })
}

/// Reads a large document record by record, handing them over `batch` at
/// a time, without holding the document in memory: `{"marches": [...]}` or
/// `{"marches": {"marche": [...]}}`.
pub fn stream_records<R: std::io::Read>(
    reader: R,
    batch: usize,
    on_batch: &mut dyn FnMut(Vec<Value>) -> Result<(), String>,
) -> Result<usize, String> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Sink<'a> {
        batch: usize,
        buffer: Vec<Value>,
        seen: usize,
        found: bool,
        on_batch: &'a mut dyn FnMut(Vec<Value>) -> Result<(), String>,
    }

    impl Sink<'_> {
        fn push<E: serde::de::Error>(&mut self, v: Value) -> Result<(), E> {
            self.seen += 1;
            self.buffer.push(v);
            if self.buffer.len() >= self.batch {
                (self.on_batch)(std::mem::take(&mut self.buffer)).map_err(E::custom)?;
            }
            Ok(())
        }
    }

    /// The document: only `marches` matters.
    struct Document<'s, 'a>(&'s mut Sink<'a>);
    /// `marches`: a list, or `{"marche": list or record}`.
    struct Marches<'s, 'a>(&'s mut Sink<'a>);
    /// A list of records.
    struct Records<'s, 'a>(&'s mut Sink<'a>);

    impl<'de> Visitor<'de> for Document<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a DECP document")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "marches" {
                    self.0.found = true;
                    map.next_value_seed(Marches(&mut *self.0))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Document<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Marches<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of records, or {\"marche\": ...}")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            Records(self.0).visit_seq(seq)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "marche" {
                    map.next_value_seed(Records(&mut *self.0))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Marches<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Records<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(v) = seq.next_element::<Value>()? {
                self.0.push::<A::Error>(v)?;
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
            let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            self.0.push::<A::Error>(v)
        }
    }
    impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    use serde::Deserialize;

    let mut sink = Sink {
        batch,
        buffer: Vec::new(),
        seen: 0,
        found: false,
        on_batch,
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    Document(&mut sink)
        .deserialize(&mut de)
        .map_err(|e| e.to_string())?;
    if !sink.found {
        return Err("not a DECP document: no `marches`".into());
    }
    let rest = std::mem::take(&mut sink.buffer);
    if !rest.is_empty() {
        (sink.on_batch)(rest)?;
    }
    Ok(sink.seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn record_2024() -> Value {
        json!({
            "id": "2024-TX-118", "acheteur": {"id": "21910001922678"}, "nature": "Marché",
            "objet": "Réhabilitation de logements", "codeCPV": "45000000-7",
            "considerationsSociales": {"considerationSociale": ["Clause sociale", "Critère social"]},
            "titulaires": [{"titulaire": {"id": "73282932000074", "typeIdentifiant": "SIRET"}}],
            "dureeMois": 24, "dateNotification": "2024-05-15", "montant": 1000000
        })
    }

    #[test]
    fn reads_the_2024_format() {
        let c = read(&record_2024(), &Estimation::default(), false).unwrap();
        assert_eq!(c.id, "2024-TX-118");
        assert_eq!(c.clause_type, ClauseType::ExecutionCondition);
        assert_eq!(c.buyer.id, PartyId::Siret("21910001922678".into()));
        assert_eq!(c.start_date, NaiveDate::from_ymd_opt(2024, 5, 15).unwrap());
        assert_eq!(c.end_date, NaiveDate::from_ymd_opt(2026, 5, 14).unwrap());
        // 1,000,000 × 0.40 × 0.05 ÷ 35 = 571.43
        assert_eq!(c.commitment_hours, dec!(571.43));
    }

    #[test]
    fn clause_types_and_lists() {
        let mut r = record_2024();
        r["considerationsSociales"] = json!(["Critère social", "Marché réservé"]);
        assert_eq!(
            read(&r, &Estimation::default(), false).unwrap().clause_type,
            ClauseType::ReservedMarket
        );
        r["considerationsSociales"] = json!(["Critère social"]);
        r["titulaires"] = json!([{"id": "DE123456789", "typeIdentifiant": "TVA", "denominationSociale": "Bau GmbH"}]);
        let c = read(&r, &Estimation::default(), false).unwrap();
        assert_eq!(c.clause_type, ClauseType::AwardCriterion);
        assert_eq!(
            c.holder.id,
            PartyId::Other(IdentifierType::Tva, "DE123456789".into())
        );
        assert_eq!(c.holder.name.as_deref(), Some("Bau GmbH"));
        r["considerationsSociales"] =
            json!({"considerationSociale": "Pas de considération sociale"});
        assert_eq!(read(&r, &Estimation::default(), false), Err(Verdict::Skip));
    }

    #[test]
    fn the_2019_format_is_skipped_unless_all_is_asked() {
        let mut r = record_2024();
        r.as_object_mut().unwrap().remove("considerationsSociales");
        r["codeCPV"] = json!("90910000");
        assert_eq!(read(&r, &Estimation::default(), false), Err(Verdict::Skip));
        let c = read(&r, &Estimation::default(), true).unwrap();
        assert_eq!(c.labour_share, dec!(0.80));
    }

    #[test]
    fn documents() {
        assert_eq!(records(&json!({"marches": [1, 2]})).unwrap().len(), 2);
        assert_eq!(
            records(&json!({"marches": {"marche": [1]}})).unwrap().len(),
            1
        );
        assert_eq!(
            records(&json!({"marches": {"marche": {"id": "x"}}}))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            records(&json!({"id": "x", "acheteur": {}})).unwrap().len(),
            1
        );
        assert!(records(&json!({"hello": "world"})).is_none());
        assert!(records(&json!([1, 2])).is_none());
    }

    #[test]
    fn bad_records_say_why() {
        let mut r = record_2024();
        r["titulaires"] =
            json!([{"titulaire": {"id": "73282932000075", "typeIdentifiant": "SIRET"}}]);
        assert!(
            matches!(read(&r, &Estimation::default(), false), Err(Verdict::Invalid(m)) if m.contains("titulaire SIRET"))
        );
        let mut r = record_2024();
        r.as_object_mut().unwrap().remove("dateNotification");
        assert!(
            matches!(read(&r, &Estimation::default(), false), Err(Verdict::Invalid(m)) if m.contains("dateNotification"))
        );
    }

    #[test]
    fn streams_both_formats_in_batches() {
        for doc in [
            r#"{"x": 1, "marches": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}"#,
            r#"{"marches": {"marche": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "other": {}}}"#,
        ] {
            let mut got = vec![];
            let n = stream_records(doc.as_bytes(), 2, &mut |b| {
                got.push(b.len());
                Ok(())
            })
            .unwrap();
            assert_eq!((n, got), (3, vec![2, 1]));
        }
        assert!(stream_records(r#"{"hello": []}"#.as_bytes(), 2, &mut |_| Ok(())).is_err());
        assert!(stream_records(r#"{"marches": [{"id": "#.as_bytes(), 2, &mut |_| Ok(())).is_err());
    }

    #[test]
    fn labour_shares_are_configurable() {
        let e = Estimation::default()
            .with_labour_shares("45:0.35,*:0.25")
            .unwrap();
        assert_eq!(e.labour_share(Some("45210000-2")), dec!(0.35));
        assert_eq!(e.labour_share(Some("90910000")), dec!(0.25));
        assert!(Estimation::default().with_labour_shares("4:0.3").is_err());
    }
}
