//! The deliverer: the task of every `clauses serve` process (unless
//! `WEBHOOKS=off`) that sends the change feed to webhook subscriptions.
//!
//! A subscription is a cursor over the feed. The deliverer claims due
//! subscriptions with a lease in PostgreSQL (committed before any call),
//! sends each one's changes in the feed's order one at a time, and writes
//! after each attempt where the subscription stands, fenced on the lease:
//! two processes never send one subscription's changes at once, and a
//! process that dies leaves its claims to expire. A crash between a
//! delivery and its record sends that change again (at least once), never
//! a later one first.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus::IntCounterVec;
use ring::rand::SecureRandom;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::api::changes::Change;
use crate::db::{self, DbPool};
use crate::domain::webhook::{self as rules, AfterFailure, Attempt, Target};
use crate::models::change::ChangeRow;
use crate::models::delivery::{self as model, Claimed, Next, Standing};
use crate::paging::PageKey;
use crate::usecases::deliveries;
use crate::webhooks::client::{self, Message};
use crate::webhooks::secret::{self, SealingKey};
use crate::webhooks::Settings;

/// Deliveries in flight per process: one per subscription at a time, so
/// this many subscriptions served at once.
pub const IN_FLIGHT: usize = 32;
/// How often an idle deliverer looks for due subscriptions.
const POLL: Duration = Duration::from_millis(250);
/// Changes sent under one claim before the subscription is given back,
/// so that a busy one does not keep a slot from the others.
const BATCH: usize = 1000;
/// Changes read from the feed at once.
const READ_AHEAD: i64 = 50;
/// Delivered changes are recorded (logged, the cursor moved, the lease
/// renewed) this many at once, or this long after the last record: a
/// crash sends at most those again (at least once), and an owner's change
/// ends the claim at the next record.
const RECORD_EVERY: usize = 50;
const RECORD_WITHIN: Duration = Duration::from_millis(250);
/// How often the attempts' log is purged of what it no longer keeps.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

struct Deliverer {
    pool: DbPool,
    settings: Settings,
    key: SealingKey,
    client: reqwest::Client,
    outcomes: IntCounterVec,
}

/// Starts this process's deliverer on the current actix system, unless
/// webhooks are off (no key) or `WEBHOOKS=off`.
pub fn start(pool: DbPool, settings: Settings, outcomes: IntCounterVec) {
    if !settings.deliver {
        log::info!("WEBHOOKS=off: this process does not deliver webhooks");
        return;
    }
    let Some(key) = settings.sealing_key.clone() else {
        return;
    };
    let client = match client::build(&settings.destinations) {
        Ok(c) => c,
        Err(e) => {
            log::error!("{e}: this process does not deliver webhooks");
            return;
        }
    };
    let d = Rc::new(Deliverer {
        pool,
        settings,
        key,
        client,
        outcomes,
    });
    actix_web::rt::spawn(run(d));
}

async fn run(d: Rc<Deliverer>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut purged: Option<Instant> = None;
    loop {
        let free = slots.available_permits();
        let mut claimed = 0;
        if free > 0 {
            match db::run(&d.pool, move |c| model::claim(c, free as i64)).await {
                Ok(list) => {
                    claimed = list.len();
                    for w in list {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let d = d.clone();
                        actix_web::rt::spawn(async move {
                            d.serve(w).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => log::warn!("webhooks: cannot claim subscriptions: {e}"),
            }
        }
        if purged.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
            purged = Some(Instant::now());
            if let Err(e) = db::run(&d.pool, |c| model::purge(c)).await {
                log::warn!("webhooks: cannot purge the attempts' log: {e}");
            }
        }
        // Every slot taken by this claim: more may be due at once.
        if claimed == 0 || claimed < free {
            actix_web::rt::time::sleep(POLL).await;
        } else {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A message's body: thin, the feed's item (the partner reads the object
/// with its own token).
#[derive(Serialize)]
struct Body {
    #[serde(rename = "type")]
    kind: String,
    #[serde(serialize_with = "crate::api::json::instant")]
    timestamp: DateTime<Utc>,
    data: Change,
}

impl Deliverer {
    /// Sends a claimed subscription's changes until it has none, one
    /// fails, the batch ends or the claim is lost.
    async fn serve(&self, mut w: Claimed) {
        let mut at = w.cursor();
        let Some(owner) = model::owner(&w) else {
            let reason = format!("its owner's role {:?} is unknown", w.owner_role);
            self.record(&w, Vec::new(), Standing::Disabled { at, reason })
                .await;
            return;
        };
        let sending = self.sending(&w);
        let mut queue: VecDeque<ChangeRow> = VecDeque::new();
        let mut unrecorded: Vec<Record> = Vec::new();
        let mut recorded = Instant::now();
        for _ in 0..BATCH {
            if queue.is_empty() {
                let next = {
                    let (owner, w) = (owner.clone(), w.clone());
                    db::run(&self.pool, move |c| {
                        deliveries::next(c, &owner, &w, at, READ_AHEAD)
                    })
                    .await
                };
                match next {
                    Ok(Next::Changes(rows)) => queue.extend(rows),
                    Ok(Next::Caught(end)) => {
                        let to = end.filter(|e| (e.xid, e.seq) > (at.xid, at.seq));
                        self.record(&w, unrecorded, Standing::Released(to.unwrap_or(at)))
                            .await;
                        return;
                    }
                    Err(e) => {
                        log::warn!("webhook {}: cannot read the feed: {e}", w.id);
                        self.record(&w, unrecorded, Standing::Released(at)).await;
                        return;
                    }
                }
            }
            let Some(change) = queue.pop_front() else {
                break;
            };
            let cursor = change.cursor();
            let attempts = w.attempts + 1;
            let (attempt, record) = self.attempt(&w, &sending, change, attempts).await;
            self.outcomes.with_label_values(&[attempt.outcome()]).inc();
            unrecorded.push(record);
            if let Attempt::Delivered(_) = attempt {
                at = cursor;
                w.attempts = 0;
                if unrecorded.len() >= RECORD_EVERY || recorded.elapsed() >= RECORD_WITHIN {
                    let batch = std::mem::take(&mut unrecorded);
                    match self.record(&w, batch, Standing::Delivered(at)).await {
                        Some(lease) => w.lease = lease,
                        None => return,
                    }
                    recorded = Instant::now();
                }
                continue;
            }
            let standing = match rules::after_failure(
                attempts,
                &attempt,
                &self.settings.retry_schedule,
                draw(),
            ) {
                AfterFailure::Retry { attempts, after } => Standing::Retry {
                    at,
                    attempts,
                    after,
                },
                AfterFailure::Disable(reason) => Standing::Disabled { at, reason },
            };
            self.record(&w, unrecorded, standing).await;
            return;
        }
        self.record(&w, unrecorded, Standing::Released(at)).await;
    }

    /// Logs attempts and writes where the subscription stands; the renewed
    /// lease, or `None` once the claim has ended.
    async fn record(
        &self,
        w: &Claimed,
        records: Vec<Record>,
        standing: Standing,
    ) -> Option<DateTime<Utc>> {
        let w = w.clone();
        let id = w.id;
        let written = db::run(&self.pool, move |c| {
            let attempts: Vec<_> = records.iter().map(|r| r.as_new(w.id)).collect();
            deliveries::record(c, &w, &attempts, &standing)
        })
        .await;
        written.unwrap_or_else(|e| {
            log::warn!("webhook {id}: cannot record its attempts: {e}");
            None
        })
    }

    /// What a claim's messages are sent with, worked out once per claim:
    /// the secrets that sign them (during a rotation, the one before too)
    /// and the URL as the deployment reads it now (turning
    /// WEBHOOK_ALLOW_HTTP off refuses the http:// ones).
    fn sending(&self, w: &Claimed) -> Result<Sending, Attempt> {
        let target = rules::parse_url(&w.url, &self.settings.destinations)
            .map_err(|why| Attempt::Refused(format!("the subscription's URL {why}")))?;
        let open = |sealed: &[u8]| {
            self.key.open(sealed, w.id).ok_or_else(|| {
                Attempt::Failed("the secret cannot be opened with WEBHOOK_SECRET_KEY".into())
            })
        };
        let mut secrets = vec![open(&w.secret)?];
        if let Some(previous) = &w.previous_secret {
            secrets.push(open(previous)?);
        }
        Ok(Sending { secrets, target })
    }

    /// One attempt at one change: signed, sent, timed.
    async fn attempt(
        &self,
        w: &Claimed,
        sending: &Result<Sending, Attempt>,
        change: ChangeRow,
        attempt: i32,
    ) -> (Attempt, Record) {
        let id = rules::message_id(w.id, change.cursor().xid, change.seq);
        let kind = rules::message_type(&change.entity, &change.op);
        let now = Utc::now();
        let cursor = change.cursor().encode();
        let body = Body {
            kind: kind.clone(),
            timestamp: now,
            data: Change::from(change),
        };
        let started = Instant::now();
        let outcome = match (sending, serde_json::to_vec(&body)) {
            (Err(why), _) => why.clone(),
            (_, Err(e)) => Attempt::Failed(format!("cannot write the body: {e}")),
            (Ok(how), Ok(body)) => {
                let signature = how
                    .secrets
                    .iter()
                    .map(|s| secret::sign(s, &id, now.timestamp(), &body))
                    .collect::<Vec<_>>()
                    .join(" ");
                let m = Message {
                    id: id.clone(),
                    timestamp: now.timestamp(),
                    signature,
                    body,
                };
                client::send(&self.client, &how.target, &self.settings.destinations, m).await
            }
        };
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        log::debug!(
            "webhook {}: {id} attempt {attempt}: {} in {duration_ms} ms",
            w.id,
            outcome.outcome()
        );
        let record = Record {
            message_id: id,
            cursor,
            kind,
            attempt,
            status_code: outcome.status_code().map(i32::from),
            error: match &outcome {
                Attempt::Delivered(_) => None,
                other => Some(rules::describe(other)),
            },
            duration_ms,
        };
        (outcome, record)
    }
}

/// See [`Deliverer::sending`].
struct Sending {
    secrets: Vec<String>,
    target: Target,
}

/// An attempt as the log keeps it.
struct Record {
    message_id: String,
    cursor: String,
    kind: String,
    attempt: i32,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i32,
}

impl Record {
    fn as_new(&self, webhook: uuid::Uuid) -> model::NewAttempt<'_> {
        model::NewAttempt {
            webhook,
            message_id: &self.message_id,
            cursor: &self.cursor,
            kind: &self.kind,
            attempt: self.attempt,
            status_code: self.status_code,
            error: self.error.as_deref(),
            duration_ms: self.duration_ms,
        }
    }
}

/// A uniform draw for the retry's jitter.
fn draw() -> u32 {
    let mut bytes = [0u8; 4];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    u32::from_le_bytes(bytes)
}
