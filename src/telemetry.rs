//! What operators see: log lines that carry the request id, one access-log
//! line per request, counted in the metrics (`crate::metrics`).
//!
//! Nothing here is personal data: the access log has the route pattern
//! (never the raw path or query string, which may hold a name or an id a
//! caller typed), the status, the duration and who called (`sub`, `role`).

use std::io::Write;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};

use crate::error::ApiError;
use crate::request_id;
use crate::request_id::{Caller, RequestId};
use crate::state::AppState;

/// The log target of access-log lines, so operators can route or filter
/// them (`RUST_LOG=clauses::access=info`).
pub const ACCESS_TARGET: &str = "clauses::access";

/// `text` with its line breaks (and the spaces around them) made single
/// spaces.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return text.into();
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .into()
}

/// env_logger with the request id appended to every line written while a
/// request is being served, behind [`Logger`].
pub fn init_logging() {
    let inner = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let ts = buf.timestamp_millis();
            // One record, one line, whatever a library puts in its message:
            // log shippers and `grep` see records, not fragments.
            let message = record.args().to_string();
            write!(
                buf,
                "[{ts} {} {}] {}",
                record.level(),
                record.target(),
                one_line(&message)
            )?;
            match request_id::current() {
                Some(id) => writeln!(buf, " request_id={id}"),
                None => writeln!(buf),
            }
        })
        .build();
    let max = inner.filter();
    let logger = Logger {
        inner,
        refusals: std::sync::Mutex::new(RateLimit::new(REFUSALS_EVERY)),
    };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(max.max(log::LevelFilter::Warn));
    }
}

/// The target of the lines that stand for refused connections.
pub const SERVER_TARGET: &str = "clauses::server";

/// At most one line about refused malformed requests in this time.
const REFUSALS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// env_logger, except for one record: actix-http logs every request it
/// cannot parse (a control character in a header, a folded header, an
/// oversized head) as an ERROR "stream error", so that any caller could
/// flood the error log. Such a refusal is the caller's fault, answered
/// 4xx: it is logged at WARN, at most once in [`REFUSALS_EVERY`], with how
/// many were not logged since.
struct Logger {
    inner: env_logger::Logger,
    refusals: std::sync::Mutex<RateLimit>,
}

fn is_refused_request(record: &log::Record<'_>) -> bool {
    record.level() == log::Level::Error
        && record.target().starts_with("actix_http::h1")
        // Last, so that only actix-http's rare ERROR records are formatted.
        && record.args().to_string().starts_with("stream error")
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
            || (metadata.level() == log::Level::Error
                && metadata.target().starts_with("actix_http"))
    }

    fn log(&self, record: &log::Record<'_>) {
        if !is_refused_request(record) {
            if self.inner.enabled(record.metadata()) {
                self.inner.log(record);
            }
            return;
        }
        let allowed = self
            .refusals
            .lock()
            .map(|mut r| r.allow(std::time::Instant::now()))
            .unwrap_or(None);
        if let Some(skipped) = allowed {
            let args = format!(
                "refused a request that is not valid HTTP/1.1 ({}); {skipped} more refused and not logged since the last such line",
                record.args()
            );
            let metadata = log::Metadata::builder()
                .level(log::Level::Warn)
                .target(SERVER_TARGET)
                .build();
            if self.inner.enabled(&metadata) {
                self.inner.log(
                    &log::Record::builder()
                        .metadata(metadata)
                        .args(format_args!("{args}"))
                        .build(),
                );
            }
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// Lets one event through per period, counting those held back.
#[derive(Debug)]
pub struct RateLimit {
    every: std::time::Duration,
    last: Option<Instant>,
    held: u64,
}

impl RateLimit {
    pub fn new(every: std::time::Duration) -> RateLimit {
        RateLimit {
            every,
            last: None,
            held: 0,
        }
    }

    /// `Some(held back since the last let through)` when this one may
    /// pass, `None` when it is held back.
    pub fn allow(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.saturating_duration_since(last) < self.every => {
                self.held += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.held))
            }
        }
    }
}

/// A metrics label and log word for a method, from a closed set: a label
/// per invented method name would grow `/metrics` without bound.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Every answer: `nosniff`, so a browser never runs a body as something
/// else than its type says. An answer of the API (personal data, figures)
/// is never stored by a cache; the public card keeps its own caching.
fn protect(headers: &mut actix_web::http::header::HeaderMap, private: bool) {
    use actix_web::http::header;
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The outermost middleware: gives the request its id, runs it with the id
/// in scope, then echoes the id, counts the request and writes its one
/// access-log line.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let id = request_id::choose(
        req.headers()
            .get(request_id::HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = method_label(req.method());
    // Answers under /api/ carry personal data or figures: no cache keeps them.
    let private = req.path().starts_with("/api/");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    request_id::scope(id.clone(), async move {
        let result = next.call(req).await;
        let seconds = start.elapsed().as_secs_f64();
        let (status, route, caller) = match &result {
            Ok(res) => (
                res.status().as_u16(),
                res.request().match_pattern(),
                res.request().extensions().get::<Caller>().cloned(),
            ),
            Err(e) => (e.as_response_error().status_code().as_u16(), None, None),
        };
        let route = route.unwrap_or_else(|| "unmatched".into());
        if let Some(state) = &state {
            state.metrics.observe(method, &route, status, seconds);
        }
        let (sub, role) = caller
            .map(|c| (c.sub, c.role.as_str()))
            .unwrap_or_else(|| ("-".into(), "-"));
        log::info!(
            target: ACCESS_TARGET,
            "{method} {route} {status} {:.1}ms sub={sub:?} role={role}",
            seconds * 1000.0
        );
        let header = (
            HeaderName::from_static(request_id::HEADER),
            HeaderValue::from_str(&id).ok(),
        );
        match result {
            Ok(mut res) => {
                if let (name, Some(value)) = header {
                    res.headers_mut().insert(name, value);
                }
                protect(res.headers_mut(), private);
                Ok(res)
            }
            // A middleware refused the request (a CORS preflight from an
            // origin not allowed, say): still a problem+json with its id.
            Err(e) => {
                let problem = match e.as_error::<ApiError>() {
                    Some(api) => api.error_response(),
                    None if e.as_response_error().status_code().is_client_error() => {
                        ApiError::BadRequest(e.to_string()).error_response()
                    }
                    None => ApiError::bug(format!("serving a request: {e}")).error_response(),
                };
                let mut problem = problem;
                if let (name, Some(value)) = header {
                    problem.headers_mut().insert(name, value);
                }
                protect(problem.headers_mut(), private);
                Err(InternalError::from_response(e.to_string(), problem).into())
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::{method_label, one_line, RateLimit};
    use std::time::{Duration, Instant};

    #[test]
    fn refusals_are_logged_once_a_period_with_the_count_held_back() {
        let mut r = RateLimit::new(Duration::from_secs(10));
        let t = Instant::now();
        assert_eq!(r.allow(t), Some(0));
        assert_eq!(r.allow(t + Duration::from_secs(1)), None);
        assert_eq!(r.allow(t + Duration::from_secs(9)), None);
        assert_eq!(r.allow(t + Duration::from_secs(10)), Some(2));
        assert_eq!(r.allow(t + Duration::from_secs(11)), None);
        assert_eq!(r.allow(t + Duration::from_secs(30)), Some(1));
    }

    #[test]
    fn invented_methods_share_one_label() {
        use actix_web::http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"XXXXXXXXXXXXXXXX").unwrap();
        assert_eq!(method_label(&invented), "other");
    }

    #[test]
    fn a_message_over_several_lines_is_logged_on_one() {
        assert_eq!(one_line("plain"), "plain");
        assert_eq!(
            one_line("could not connect to server\n\tIs the server running?\r\n"),
            "could not connect to server Is the server running?"
        );
    }
}
