//! The deliveries' HTTP client: every connection goes to addresses that
//! were resolved and judged for it (the resolver below is the only one
//! the client uses, and an IP literal is judged before the call), no
//! redirect is followed, no proxy is used, and an attempt ends at 15 s.

use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::address::{self, Unreachable};
use crate::domain::webhook::{Attempt, Destinations, Target};

/// API.md: an answer not there within 15 s is a failure.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// A resolver that answers only addresses deliveries may reach.
struct Checked(Destinations);

impl Resolve for Checked {
    fn resolve(&self, name: Name) -> Resolving {
        let d = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = tokio::task::spawn_blocking(move || {
                // The port is the URL's: the connector sets it on each
                // address it is given.
                address::lookup(&host, 0, &d)
            })
            .await??;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The client, one per process: without a pool, so that every delivery
/// resolves and judges its host again.
pub fn build(d: &Destinations) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(Checked(d.clone())))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .pool_max_idle_per_host(0)
        .no_proxy()
        .https_only(!d.allow_http)
        .user_agent(concat!("clauses-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhooks' HTTP client: {e}"))
}

/// One signed message.
pub struct Message {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Vec<u8>,
}

/// POSTs `m` to `target` once and says what came of it.
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    d: &Destinations,
    m: Message,
) -> Attempt {
    // A literal address never reaches the resolver: judged here.
    if target.host.parse::<IpAddr>().is_ok() {
        if let Err(e) = address::resolve(target, d) {
            return unreachable(e);
        }
    }
    let sent = client
        .post(target.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", m.id)
        .header("webhook-timestamp", m.timestamp.to_string())
        .header("webhook-signature", m.signature)
        .body(m.body)
        .send()
        .await;
    match sent {
        Ok(answer) => Attempt::from_status(answer.status().as_u16()),
        Err(e) => explain(&e),
    }
}

fn unreachable(e: Unreachable) -> Attempt {
    match e {
        Unreachable::Refused(why) => Attempt::Refused(why),
        Unreachable::Unresolved(why) => Attempt::Failed(why),
    }
}

/// A failed call in words, without its URL (it may carry a partner's
/// token in its query).
fn explain(e: &reqwest::Error) -> Attempt {
    // The resolver's refusal, else the innermost cause (connection
    // refused, TLS, reset) says most.
    let mut source = e.source();
    let mut root = None;
    while let Some(s) = source {
        if let Some(u) = s.downcast_ref::<Unreachable>() {
            return unreachable(u.clone());
        }
        root = Some(s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        return Attempt::Failed(format!("no answer within {} s", TIMEOUT.as_secs()));
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else {
        "the request failed"
    };
    Attempt::Failed(match root {
        Some(root) => format!("{what}: {root}"),
        None => what.to_string(),
    })
}
