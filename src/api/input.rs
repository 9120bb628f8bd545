//! Reading request bodies and query strings so that *every* field at fault
//! is reported at once, not just the first one serde trips on: a field of
//! the wrong type is noted and set aside, and the rest is read again.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, FieldError, Violations};
use crate::paging::{ListQuery, PageKey, PageRequest};

/// Reads a JSON object body into `T`. Fields of the wrong type come back
/// as violations (and as `None`/default in `T`): request types hold every
/// field as `Option` so that a missing one is a rule, not a parse failure.
pub fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &Bytes,
) -> ApiResult<(T, Violations)> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json")))
    {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("a JSON body is required".into()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    refuse_duplicate_keys(body)?;
    let Value::Object(mut object) = value else {
        return Err(ApiError::validation("body", "must be a JSON object"));
    };
    let mut violations = Violations::default();
    // PostgreSQL text cannot hold U+0000: refuse it where it is, up front.
    object.retain(|key, value| {
        let mut at_fault = Vec::new();
        nul_paths(key, value, &mut at_fault);
        for path in &at_fault {
            violations.add(path.clone(), NUL_MESSAGE);
        }
        at_fault.is_empty()
    });
    let value = read_object(object, &mut violations)?;
    Ok((value, violations))
}

/// RFC 8259 leaves an object with a key twice to the reader: one library
/// keeps the first, another the last. Refused, so that no two readers of
/// one request can see two different requests.
fn refuse_duplicate_keys(body: &[u8]) -> ApiResult<()> {
    let mut de = serde_json::Deserializer::from_slice(body);
    UniqueKeys::deserialize(&mut de)
        .map(|_| ())
        .map_err(|e| ApiError::BadRequest(format!("the body is not accepted: {e}")))
}

/// Reads any JSON and fails on an object with a key twice.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(UniqueKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(UniqueKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<UniqueKeys>()?;
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format!(
                    "the key {key:?} is given more than once in an object"
                )));
            }
        }
        Ok(UniqueKeys)
    }
}

const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The paths under `path` whose key or string value holds a NUL character.
fn nul_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    if path.contains('\0') {
        out.push(path.replace('\0', "\\u0000"));
        return;
    }
    match value {
        Value::String(s) if s.contains('\0') => out.push(path.to_string()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_paths(&format!("{path}[{i}]"), item, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                nul_paths(&format!("{path}.{k}"), item, out);
            }
        }
        _ => {}
    }
}

pub fn read_object<T: DeserializeOwned>(
    mut object: Map<String, Value>,
    v: &mut Violations,
) -> ApiResult<T> {
    // Each round either succeeds or removes one key, so this ends.
    loop {
        match serde_path_to_error::deserialize::<_, T>(Value::Object(object.clone())) {
            Ok(t) => return Ok(t),
            Err(e) => {
                let (key, field, message) = attribute(&e);
                match key {
                    Some(key) if object.remove(&key).is_some() => v.add(field, message),
                    _ => return Err(ApiError::validation("body", message)),
                }
            }
        }
    }
}

/// Reads the query string into `T` (every field `Option`), reporting each
/// bad or unknown parameter.
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> (Option<T>, Violations) {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let mut violations = Violations::default();
    let mut seen = BTreeSet::new();
    pairs.retain(|(k, _)| {
        let first = seen.insert(k.clone());
        if !first {
            violations.add(k.clone(), "is given more than once");
        }
        first
    });
    pairs.retain(|(k, value)| {
        let clean = !k.contains('\0') && !value.contains('\0');
        if !clean {
            violations.add(k.replace('\0', "\\u0000"), NUL_MESSAGE);
        }
        clean
    });
    loop {
        let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(t) => return (Some(t), violations),
            Err(e) => {
                let (key, field, message) = attribute(&e);
                let before = pairs.len();
                if let Some(key) = &key {
                    pairs.retain(|(k, _)| k != key);
                }
                violations.add(field, message);
                if pairs.len() == before {
                    return (None, violations);
                }
            }
        }
    }
}

/// Like [`query`], for the lists whose parameters are all optional: an
/// unreadable query string gives the defaults, beside its violations.
pub fn query_or_default<T: DeserializeOwned + Default>(req: &HttpRequest) -> (T, Violations) {
    let (q, v) = query(req);
    (q.unwrap_or_default(), v)
}

/// Reads one line of a bulk request (an hour statement, a bulk decision):
/// the line as `T`, with the violations found so far for its rules to add
/// to, or every field at fault when it cannot be read at all.
pub fn read_line<T: DeserializeOwned>(value: Value) -> Result<(T, Violations), Vec<FieldError>> {
    let Value::Object(object) = value else {
        return Err(vec![FieldError::new("line", "must be a JSON object")]);
    };
    let mut v = Violations::default();
    match read_object(object, &mut v) {
        Ok(line) => Ok((line, v)),
        Err(ApiError::Validation(errors)) => Err(errors),
        Err(other) => Err(vec![FieldError::new("line", other.to_string())]),
    }
}

/// Reads a list's query string: its filters, and its page (`limit`,
/// `cursor`, `updated_since`), beside every parameter at fault.
pub fn list_query<Q, K>(req: &HttpRequest) -> (Q, PageRequest<K>, Violations)
where
    Q: DeserializeOwned + Default + ListQuery,
    K: PageKey,
{
    let (q, mut v) = query_or_default::<Q>(req);
    let page = PageRequest::of(&q, &mut v);
    (q, page, v)
}

/// Says where a list query struct keeps its paging parameters: `limit` and
/// `cursor`, and `updated_since` for the lists that follow changes.
macro_rules! paged_query {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* } $($updated_since:ident)?) => {
        $crate::api::input::paged_query!(@struct $(#[$meta])* $name { $($fields)* } $($updated_since)?);
        impl $crate::paging::ListQuery for $name {
            fn limit(&self) -> Option<i64> {
                self.limit
            }
            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }
            $(
                fn $updated_since(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                    self.updated_since
                }
            )?
        }
    };
    (@struct $(#[$meta:meta])* $name:ident { $($fields:tt)* } updated_since) => {
        $crate::api::input::paged_query!(@struct $(#[$meta])* $name {
            $($fields)*
            /// Only what changed at or after this instant (RFC 3339), ordered by `(updated_at, id)`.
            pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
        });
    };
    (@struct $(#[$meta:meta])* $name:ident { $($fields:tt)* }) => {
        #[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        $(#[$meta])*
        pub struct $name {
            $($fields)*
            /// Items per page, 1 to 500 (default 50).
            #[param(minimum = 1, maximum = 500)]
            pub limit: Option<i64>,
            /// The `next_cursor` of the previous page.
            pub cursor: Option<String>,
        }
    };
}
pub(crate) use paged_query;

/// The path to a field as a caller wrote it: serde_json's exact numbers
/// travel as a map under a private key, which is no field of theirs.
fn public_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Map { key } if key.starts_with("$serde_json") => break,
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// Which top-level key an error is about, the field path to report, and a
/// message for people.
fn attribute<E: std::fmt::Display>(
    e: &serde_path_to_error::Error<E>,
) -> (Option<String>, String, String) {
    use serde_path_to_error::Segment;
    let inner = e.inner().to_string();
    let top = e.path().iter().next().and_then(|s| match s {
        Segment::Map { key } => Some(key.clone()),
        _ => None,
    });
    if let Some(key) = top {
        let message = inner
            .replace("invalid type: ", "has the wrong type: ")
            .replace("invalid value: ", "has a value that is not accepted: ")
            .replace("map, expected", "object, expected");
        return (Some(key), public_path(e.path()), message);
    }
    // Errors about the object itself name the key in backquotes.
    if let Some(rest) = inner.strip_prefix("unknown field `") {
        if let Some((key, tail)) = rest.split_once('`') {
            let expected = tail.trim_start_matches(", ");
            return (
                Some(key.to_string()),
                key.to_string(),
                format!("is not a known field; {expected}"),
            );
        }
    }
    if let Some(rest) = inner.strip_prefix("missing field `") {
        if let Some((key, _)) = rest.split_once('`') {
            return (None, key.to_string(), "is required".into());
        }
    }
    (None, "body".into(), inner)
}

/// A date exactly as API.md writes them, `YYYY-MM-DD`: chrono alone would
/// also take `2019-1-5` or `+2019-01-05`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| format!("{text:?} is not a date written YYYY-MM-DD"))
}

/// An exact decimal from a JSON number, never from a string: a caller
/// that sends `"12.5"` has a bug to hear about.
fn decimal_of(n: serde_json::Number) -> Result<Decimal, String> {
    let text = n.to_string();
    Decimal::from_str_exact(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{text} is not a number this service can hold"))
}

/// `deserialize_with` for an optional date (bodies and query strings).
pub fn date<'de, D: Deserializer<'de>>(de: D) -> Result<Option<NaiveDate>, D::Error> {
    let text: Option<String> = Deserialize::deserialize(de)?;
    text.map(|t| parse_date(&t).map_err(D::Error::custom))
        .transpose()
}

/// `deserialize_with` for a date in a merge patch (absent, null, or a date).
pub fn patch_date<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    date(de).map(Some)
}

/// `deserialize_with` for an optional decimal: a JSON number only.
pub fn number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<Value>::deserialize(de)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => decimal_of(n).map(Some).map_err(D::Error::custom),
        Some(other) => Err(D::Error::custom(format!(
            "must be a JSON number, not {}",
            match other {
                Value::String(_) => "a string",
                Value::Bool(_) => "a boolean",
                Value::Array(_) => "an array",
                _ => "an object",
            }
        ))),
    }
}

/// `deserialize_with` for a decimal in a merge patch.
pub fn patch_number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<Decimal>>, D::Error> {
    number(de).map(Some)
}

/// Deserialize helper for PATCH bodies: tells "absent" (outer `None`) from
/// "set to null" (`Some(None)`), as JSON Merge Patch (RFC 7396) needs.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::{parse_date, refuse_duplicate_keys};

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert!(parse_date("2019-01-05").is_ok());
        for bad in [
            "2019-1-5",
            "+2019-01-05",
            "-2019-01-05",
            "20190105",
            "2019-02-30",
            " 2019-01-05",
            "２019-01-05",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_twice_is_refused_at_any_depth() {
        assert!(refuse_duplicate_keys(br#"{"a": 1, "b": {"c": [1, {"d": 2}]}}"#).is_ok());
        assert!(refuse_duplicate_keys(br#"{"a": 1, "a": 2}"#).is_err());
        assert!(refuse_duplicate_keys(br#"{"a": [{"d": 1, "d": 1}]}"#).is_err());
        assert!(refuse_duplicate_keys(br#"{"h": 12.50, "i": 1e400}"#).is_ok());
    }
}
