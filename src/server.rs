//! The HTTP server: actix-web's own, assembled here so that one thing
//! actix-http does before any application code runs can be mended. A
//! request whose header section is larger than actix-http reads (128 KiB,
//! or more than 96 fields) is answered by its dispatcher with an empty
//! `431`, before a middleware could see it; every other error of this
//! service is a problem document. [`HeadGuard`] sits between the socket and
//! the dispatcher and writes that one answer as a problem instead.

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

/// The status line and the one header by which actix-http's own 431 is
/// known: it has no body, and no answer of the application is a bare 431.
const BARE_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n";
const NO_BODY: &[u8] = b"content-length: 0\r\n";
/// Longer than actix-http's bare 431 head (status line, content-length,
/// connection and date).
const HEAD_MAX: usize = 256;

/// Where a bare 431 head starts in `buf`, when `buf` ends with it (the
/// dispatcher writes it last, then closes the connection).
fn bare_431(buf: &[u8]) -> Option<usize> {
    // Every answer passes here: look no further than a head's length
    // from the end, and only when the buffer ends as a head does.
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(HEAD_MAX);
    let start = from
        + buf[from..]
            .windows(BARE_431.len())
            .rposition(|w| w == BARE_431)?;
    let head = &buf[start..];
    let ends_here = head.ends_with(b"\r\n\r\n")
        && head.windows(4).position(|w| w == b"\r\n\r\n") == Some(head.len() - 4);
    let no_body = head
        .windows(NO_BODY.len())
        .any(|w| w.eq_ignore_ascii_case(NO_BODY));
    (ends_here && no_body).then_some(start)
}

/// The answer written in place of the bare 431.
fn problem_431() -> Vec<u8> {
    let body = serde_json::to_string(&Problem {
        r#type: problem_type("request-header-fields-too-large"),
        title: "Request Header Fields Too Large".into(),
        status: 431,
        detail:
            "the request's header section is too large: at most 128 KiB in all and 96 header fields"
                .into(),
        instance: None,
        errors: Vec::new(),
    })
    .unwrap_or_default();
    format!(
        "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A connection that writes actix-http's bare 431 as a problem document;
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
        match bare_431(buf) {
            // Answers before it go out first, as they are.
            Some(start) if start > 0 => Pin::new(&mut this.io).poll_write(cx, &buf[..start]),
            Some(_) => {
                this.replacing = Some((problem_431(), 0));
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
    fn only_the_bare_431_at_the_end_is_replaced() {
        assert_eq!(bare_431(ACTIX_431), Some(0));
        let mut after_another = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec();
        after_another.extend_from_slice(ACTIX_431);
        assert_eq!(bare_431(&after_another), Some(40));
        // One with a body, or not at the end, is an answer of the application.
        assert_eq!(
            bare_431(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 2\r\n\r\n{}"
            ),
            None
        );
        let mut then_body = ACTIX_431.to_vec();
        then_body.extend_from_slice(b"more");
        assert_eq!(bare_431(&then_body), None);
        assert_eq!(bare_431(b"HTTP/1.1 200 OK\r\n\r\n"), None);
    }

    #[test]
    fn the_replacement_is_a_problem_document() {
        let text = String::from_utf8(problem_431()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 431);
    }
}
