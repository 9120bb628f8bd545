//! What every handler answers with: 405s with `Allow`, entity tags and
//! preconditions, 200/201/304 with the object, path ids.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::models::Precondition;
use crate::state::AppState;

/// A resource whose other methods answer 405 with a problem body and the
/// `Allow` header RFC 9110 asks for.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Answer for a method a path does not have.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    let mut res = ApiError::MethodNotAllowed("this method is not allowed on this path".into())
        .error_response();
    let allow = req
        .match_pattern()
        .and_then(|pattern| allowed_methods(&req, &pattern))
        .unwrap_or("GET");
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}

/// The methods of each path, as the OpenAPI document lists them (read
/// once: the document is compiled in, the same for every state).
fn allowed_methods(req: &HttpRequest, pattern: &str) -> Option<&'static str> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static ALLOW: OnceLock<HashMap<String, String>> = OnceLock::new();
    let state = req.app_data::<web::Data<AppState>>()?;
    ALLOW
        .get_or_init(|| {
            let doc: serde_json::Value =
                serde_json::from_str(&state.openapi_json).unwrap_or_default();
            let Some(paths) = doc["paths"].as_object() else {
                return HashMap::new();
            };
            paths
                .iter()
                .map(|(path, item)| {
                    let methods: Vec<&str> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
                        .into_iter()
                        .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
                        .collect();
                    (path.clone(), methods.join(", "))
                })
                .collect()
        })
        .get(pattern)
        .map(String::as_str)
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Reads `If-Match`: `*`, or a list of the entity tags this service sends
/// (weak ones too, as a proxy may have weakened them). A tag that is not
/// ours can never match, so it is kept as an impossible version.
pub fn if_match(req: &HttpRequest) -> ApiResult<Precondition> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(Precondition::Any);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not readable".into()))?
        .trim();
    if value == "*" {
        return Ok(Precondition::Any);
    }
    let versions = value
        .split(',')
        .map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.parse::<i32>().ok())
                .unwrap_or(-1)
        })
        .collect();
    Ok(Precondition::Versions(versions))
}

/// True when `If-None-Match` names the current version (a 304 is due).
pub fn not_modified(req: &HttpRequest, version: i32) -> bool {
    holds_tag(req, &etag(version))
}

/// True when `If-None-Match` names `tag` (quoted, as sent in `ETag`).
pub fn holds_tag(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag
            })
        })
}

/// `200` with the object and its `ETag`, or `304` when the caller has it.
pub fn one<T: serde::Serialize>(req: &HttpRequest, version: i32, body: &T) -> HttpResponse {
    let tag = etag(version);
    if not_modified(req, version) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(body)
}

/// `201` with the new object, its `ETag` and `Location`.
pub fn created<T: serde::Serialize>(location: String, version: i32, body: &T) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::ETAG, etag(version)));
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.insert_header((header::LOCATION, v));
    }
    res.json(body)
}

/// A path id that is not a UUID names nothing: 404, like an unknown id.
pub fn path_id(raw: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found(what))
}

/// `200` with an object and its new `ETag`, after a change.
pub fn changed<T: serde::Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// A list's page as served (`items`, `next_cursor`), from the model's
/// [`Page`](crate::paging::Page) of views.
macro_rules! page_view {
    ($page:ident, $item:ty) => {
        impl From<$crate::paging::Page<$item>> for $page {
            fn from(page: $crate::paging::Page<$item>) -> Self {
                $page {
                    items: page.items,
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}
pub(crate) use page_view;
