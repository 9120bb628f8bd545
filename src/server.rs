//! The HTTP server: actix-web's own, assembled here so that what actix-http
//! does before any application code runs can be mended. A request whose
//! header section is larger than actix-http reads (128 KiB, or more than 96
//! fields), that it cannot parse, or whose head never comes, is answered by
//! its dispatcher with an empty `431`, `400` or `408`, before a middleware
//! could see it; every other error of this service is a problem document.
//! [`HeadGuard`] sits between the socket and the dispatcher and writes
//! those answers as problems instead.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_http::{HttpService, KeepAlive};
use actix_rt::net::TcpStream;
use actix_server::{Server, ServerBuilder};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::AppConfig;
use actix_web::web;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::api::problem::{problem_type, Problem, PROBLEM_JSON};
use crate::state::AppState;

/// How the server runs: workers, signals, the grace period of a stop.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads; `None`: one per physical core.
    pub workers: Option<usize>,
    /// After SIGTERM, how long requests in flight may finish.
    pub shutdown_grace: Duration,
    /// Tests stop servers themselves.
    pub disable_signals: bool,
}

/// Serves the application for `state` on `listener`, as actix-web's
/// `HttpServer` would (same keep-alive and timeouts), with [`HeadGuard`]
/// on every connection.
pub fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    options: Options,
) -> io::Result<Server> {
    let mut builder = ServerBuilder::default().shutdown_timeout(options.shutdown_grace.as_secs());
    if let Some(n) = options.workers {
        builder = builder.workers(n);
    }
    if options.disable_signals {
        builder = builder.disable_signals();
    }
    let shutdown = builder.graceful_shutdown_signal();
    let addr = listener.local_addr()?;
    crate::delivery::start(
        state.pool.clone(),
        state.webhooks.clone(),
        state.metrics.webhook_deliveries(),
    );
    let builder = builder.listen("clauses", listener, move || {
        let state = state.clone();
        let shutdown = shutdown.clone();
        let app = crate::app(state)
            .into_factory()
            .map_err(|e: actix_web::Error| e.as_response_error().error_response());
        let http = HttpService::build()
            .keep_alive(KeepAlive::default())
            .client_request_timeout(Duration::from_secs(5))
            .client_disconnect_timeout(Duration::from_secs(1))
            .local_addr(addr)
            .graceful_shutdown_signal(move || {
                let shutdown = shutdown.clone();
                async move { shutdown.notified().await }
            })
            .h1(map_config(app, |_| AppConfig::default()));
        fn_service(|io: TcpStream| async move {
            let peer = io.peer_addr().ok();
            let _ = io.set_nodelay(true);
            Ok((HeadGuard::new(io), peer))
        })
        .and_then(http)
    })?;
    Ok(builder.run())
}

/// What actix-http answers by itself, before any application code runs,
/// with a bare head (no body): a header section too large (431), a request
/// it cannot parse (400: a control character in a header, a folded header,
/// a malformed request line), a request head that never came (408). No
/// answer of the application is bare: each is a problem document.
struct Bare {
    status_line: &'static [u8],
    status: u16,
    title: &'static str,
    slug: &'static str,
    detail: &'static str,
}

const BARE: [Bare; 3] = [
    Bare {
        status_line: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        status: 431,
        title: "Request Header Fields Too Large",
        slug: "request-header-fields-too-large",
        detail:
            "the request's header section is too large: at most 128 KiB in all and 96 header fields",
    },
    Bare {
        status_line: b"HTTP/1.1 400 Bad Request\r\n",
        status: 400,
        title: "Bad Request",
        slug: "malformed-request",
        detail: "the request is not valid HTTP/1.1: a request line or header with a control \
                 character, a folded (obs-fold) header, or a malformed request line",
    },
    Bare {
        status_line: b"HTTP/1.1 408 Request Timeout\r\n",
        status: 408,
        title: "Request Timeout",
        slug: "request-timeout",
        detail: "the request's head did not arrive within 5 seconds",
    },
];

const NO_BODY: &[u8] = b"content-length: 0\r\n";
/// Longer than actix-http's bare heads (status line, content-length,
/// connection and date).
const HEAD_MAX: usize = 256;

/// Where a bare head of actix-http's starts in `buf`, and which, when `buf`
/// ends with it (the dispatcher writes it last, then closes the
/// connection).
fn bare_head(buf: &[u8]) -> Option<(usize, &'static Bare)> {
    // Every answer passes here: look no further than a head's length
    // from the end, and only when the buffer ends as a head does.
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(HEAD_MAX);
    BARE.iter().find_map(|bare| {
        let start = from
            + buf[from..]
                .windows(bare.status_line.len())
                .rposition(|w| w == bare.status_line)?;
        let head = &buf[start..];
        let ends_here = head.windows(4).position(|w| w == b"\r\n\r\n") == Some(head.len() - 4);
        let no_body = head
            .windows(NO_BODY.len())
            .any(|w| w.eq_ignore_ascii_case(NO_BODY));
        (ends_here && no_body).then_some((start, bare))
    })
}

/// The answer written in place of a bare head.
fn problem_for(bare: &Bare) -> Vec<u8> {
    let body = serde_json::to_string(&Problem {
        r#type: problem_type(bare.slug),
        title: bare.title.into(),
        status: bare.status,
        detail: bare.detail.into(),
        instance: None,
        errors: Vec::new(),
    })
    .unwrap_or_default();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n{body}",
        bare.status,
        bare.title,
        body.len()
    )
    .into_bytes()
}

/// A connection that writes actix-http's bare heads as problem documents;
/// everything else passes through untouched.
pub struct HeadGuard<T> {
    io: T,
    /// The problem still to write, and how much of it is written.
    replacing: Option<(Vec<u8>, usize)>,
}

impl<T> HeadGuard<T> {
    pub fn new(io: T) -> HeadGuard<T> {
        HeadGuard {
            io,
            replacing: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> HeadGuard<T> {
    /// Writes what is left of the replacement, if any.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.replacing {
            if *written == bytes.len() {
                self.replacing = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HeadGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HeadGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        match bare_head(buf) {
            // Answers before it go out first, as they are.
            Some((start, _)) if start > 0 => Pin::new(&mut this.io).poll_write(cx, &buf[..start]),
            Some((_, bare)) => {
                this.replacing = Some((problem_for(bare), 0));
                if let Poll::Ready(Err(e)) = this.drain(cx) {
                    return Poll::Ready(Err(e));
                }
                // The bare head is taken as written; flushing writes the rest.
                Poll::Ready(Ok(buf.len()))
            }
            None => Pin::new(&mut this.io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIX_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: Tue, 01 Dec 2026 23:00:00 GMT\r\n\r\n";

    #[test]
    fn only_a_bare_head_at_the_end_is_replaced() {
        let at = |buf: &[u8]| bare_head(buf).map(|(start, bare)| (start, bare.status));
        assert_eq!(at(ACTIX_431), Some((0, 431)));
        let mut after_another = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec();
        after_another.extend_from_slice(ACTIX_431);
        assert_eq!(at(&after_another), Some((40, 431)));
        assert_eq!(
            at(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
            Some((0, 400))
        );
        // One with a body, or not at the end, is an answer of the application.
        assert_eq!(
            at(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 2\r\n\r\n{}"),
            None
        );
        assert_eq!(
            at(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\n\r\n"),
            None
        );
        let mut then_body = ACTIX_431.to_vec();
        then_body.extend_from_slice(b"more");
        assert_eq!(at(&then_body), None);
        assert_eq!(at(b"HTTP/1.1 200 OK\r\n\r\n"), None);
    }

    #[test]
    fn each_replacement_is_a_problem_document() {
        for bare in &BARE {
            let text = String::from_utf8(problem_for(bare)).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.contains("content-type: application/problem+json"));
            assert!(head.contains(&format!("content-length: {}", body.len())));
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["status"], bare.status);
        }
    }
}
