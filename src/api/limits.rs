//! Size limits of requests, per endpoint: a caller that sends too much is
//! told the limit in a problem body (413, 414) instead of tying up memory.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::ApiError;

/// One object (an organisation, a contract, a month of hours...).
pub const DEFAULT_BODY_BYTES: usize = 64 * 1024;
/// A statement of hours (up to 10,000 lines).
pub const BATCH_BODY_BYTES: usize = 4 * 1024 * 1024;
/// A DECP document posted as a whole (larger ones go through the CLI,
/// which streams them).
pub const IMPORT_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Longest query string: filters and a cursor fit in far less.
pub const MAX_QUERY_BYTES: usize = 2048;

/// The body limit in force where a request is routed, for the 413 answer.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// App data that sets a route's body limit (the payload reader enforces
/// it; `BodyLimit` lets the 413 answer state it).
pub fn body(bytes: usize) -> (web::PayloadConfig, BodyLimit) {
    (web::PayloadConfig::new(bytes), BodyLimit(bytes))
}

/// A resource with its own body limit.
pub fn with_body_limit(resource: actix_web::Resource, bytes: usize) -> actix_web::Resource {
    let (payload, limit) = body(bytes);
    resource.app_data(payload).app_data(limit)
}

/// Refuses over-long query strings before any handler reads them.
pub async fn query_length(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let length = req.query_string().len();
    if length > MAX_QUERY_BYTES {
        let problem = ApiError::UriTooLong(format!(
            "the query string has {length} bytes; the limit is {MAX_QUERY_BYTES}"
        ));
        return Ok(req.error_response(problem).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
