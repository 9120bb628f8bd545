//! A webhook receiver for the benchmarks (bench/webhooks.sh): answers 204
//! to every POST and counts them; `GET /count` answers `<requests>
//! <distinct (path, webhook-id)>`. The signatures are checked by the
//! integration tests, not here: this measures the deliverer.
//!
//!     cargo run --release --example webhook_receiver -- 127.0.0.1:18191

use std::collections::HashSet;
use std::sync::Mutex;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

#[derive(Default)]
struct Seen {
    requests: u64,
    ids: HashSet<String>,
}

async fn receive(
    req: HttpRequest,
    _body: web::Bytes,
    seen: web::Data<Mutex<Seen>>,
) -> HttpResponse {
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut s = seen.lock().unwrap();
    s.requests += 1;
    s.ids.insert(format!("{}{id}", req.path()));
    HttpResponse::NoContent().finish()
}

async fn count(seen: web::Data<Mutex<Seen>>) -> HttpResponse {
    let s = seen.lock().unwrap();
    HttpResponse::Ok().body(format!("{} {}\n", s.requests, s.ids.len()))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18191".into());
    let seen = web::Data::new(Mutex::new(Seen::default()));
    HttpServer::new(move || {
        App::new()
            .app_data(seen.clone())
            .route("/count", web::get().to(count))
            .default_service(web::post().to(receive))
    })
    .workers(2)
    .bind(addr)?
    .run()
    .await
}
