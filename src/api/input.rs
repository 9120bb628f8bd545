//! Reading request bodies and query strings so that *every* field at fault
//! is reported at once, not just the first one serde trips on: a field of
//! the wrong type is noted and set aside, and the rest is read again.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, Violations};

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
            .replace("invalid value: ", "has a value that is not accepted: ");
        return (Some(key), e.path().to_string(), message);
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

/// Deserialize helper for PATCH bodies: tells "absent" (outer `None`) from
/// "set to null" (`Some(None)`), as JSON Merge Patch (RFC 7396) needs.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

/// A JSON Merge Patch member on a required field: absent keeps the value
/// (null was refused beforehand, with `Violations::not_null`).
pub fn merge<T>(field: &mut T, patched: Option<Option<T>>) {
    if let Some(Some(value)) = patched {
        *field = value;
    }
}

/// A JSON Merge Patch member on an optional field: absent keeps the value,
/// null clears it.
pub fn merge_nullable<T>(field: &mut Option<T>, patched: Option<Option<T>>) {
    if let Some(value) = patched {
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::{merge, merge_nullable};

    #[test]
    fn merge_patch_members() {
        let mut name = "Martin".to_string();
        merge(&mut name, None);
        assert_eq!(name, "Martin");
        merge(&mut name, Some(Some("Durand".into())));
        assert_eq!(name, "Durand");
        // Refused before it gets here; kept if it does.
        merge(&mut name, Some(None));
        assert_eq!(name, "Durand");

        let mut end = Some(31);
        merge_nullable(&mut end, None);
        assert_eq!(end, Some(31));
        merge_nullable(&mut end, Some(Some(30)));
        assert_eq!(end, Some(30));
        merge_nullable(&mut end, Some(None));
        assert_eq!(end, None);
    }
}
