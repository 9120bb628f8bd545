//! The change feed: every change exactly once with concurrent writers, and
//! only what the caller may read.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use serde_json::Value;
use uuid::Uuid;

use clauses::auth::{Principal, Role};
use clauses::domain::codes::{ClauseType, CommitmentSource};
use clauses::domain::contract::ContractFields;

async fn drain(
    app: &TestApp,
    token: &str,
    cursor: &mut Option<String>,
    seen: &mut Vec<Value>,
) -> usize {
    let mut got = 0;
    loop {
        let url = match cursor {
            Some(c) => format!("/api/v1/changes?limit=7&after={c}"),
            None => "/api/v1/changes?limit=7".to_string(),
        };
        let res = app.get(&url, token).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        let body = res.json();
        let items = body["items"].as_array().unwrap().clone();
        let next = body["next_cursor"]
            .as_str()
            .expect("next_cursor is never null")
            .to_string();
        if let Some(last) = items.last() {
            assert_eq!(last["cursor"].as_str().unwrap(), next);
        }
        *cursor = Some(next);
        got += items.len();
        let n = items.len();
        seen.extend(items);
        if n < 7 {
            return got;
        }
    }
}

#[actix_web::test]
async fn concurrent_writers_and_a_polling_reader() {
    let app = spawn().await;
    let buyer = app.org("buyer", "Buyer").await;
    let holder = app.org("company", "Holder").await;
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let url = app.db.url.clone();
            thread_writer(url, w, buyer, holder)
        })
        .collect();
    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            for w in writers {
                w.join().unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };

    let t = fac();
    let mut cursor = None;
    let mut seen = vec![];
    while !done.load(Ordering::SeqCst) {
        drain(&app, &t, &mut cursor, &mut seen).await;
        actix_web::rt::time::sleep(Duration::from_millis(3)).await;
    }
    watcher.join().unwrap();
    // Changes are served once every older transaction of the cluster has
    // ended, other tests' included: poll until the feed has caught up.
    let total: usize = {
        use diesel::prelude::*;
        diesel::sql_query("SELECT 1 FROM changes WHERE entity = 'contract'")
            .execute(&mut app.db.conn())
            .unwrap()
    };
    for _ in 0..600 {
        drain(&app, &t, &mut cursor, &mut seen).await;
        if seen.len() >= total {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // Caught up: polling again returns nothing new.
    assert_eq!(drain(&app, &t, &mut cursor, &mut seen).await, 0);

    let cursors: HashSet<&str> = seen.iter().map(|c| c["cursor"].as_str().unwrap()).collect();
    assert_eq!(cursors.len(), seen.len(), "a change was served twice");
    let got: HashSet<(String, i64)> = seen
        .iter()
        .filter(|c| c["entity"] == "contract")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["version"].as_i64().unwrap(),
            )
        })
        .collect();
    // Every contract, at every version it went through.
    let contracts = app.get("/api/v1/contracts?limit=500", &t).await.json();
    let mut expected = HashSet::new();
    for c in contracts["items"].as_array().unwrap() {
        for v in 1..=c["version"].as_i64().unwrap() {
            expected.insert((c["id"].as_str().unwrap().to_string(), v));
        }
    }
    assert_eq!(expected.len(), 4 * 25 + 4 * 13);
    let missed = expected.difference(&got).count();
    assert_eq!(
        missed,
        0,
        "{missed} of {} changes were never served",
        expected.len()
    );
    assert_eq!(got.len(), expected.len());
}

/// 25 transactions: each creates a contract, sleeps so that transactions
/// commit out of the order they began in, and half also update it.
fn thread_writer(url: String, w: u32, buyer: Uuid, holder: Uuid) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        use diesel::Connection;
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        let p = Principal {
            sub: format!("writer-{w}"),
            role: Role::Facilitator,
            org: None,
            request_id: format!("writer-{w}"),
        };
        for i in 0..25u32 {
            let fields = ContractFields {
                buyer_id: buyer,
                holder_id: holder,
                reference: format!("W{w}-{i}"),
                title: "Marché".into(),
                operation: None,
                operation_id: None,
                clause_type: ClauseType::ExecutionCondition,
                start_date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                end_date: chrono::NaiveDate::from_ymd_opt(2020, 12, 31).unwrap(),
                amount_excl_tax: None,
                labour_share: None,
                insertion_rate: None,
                hourly_cost: None,
                commitment_hours: 100.into(),
                commitment_source: CommitmentSource::Given,
                cpv_code: None,
                market_nature: None,
                market_nature_given: false,
                pricing: clauses::domain::standing::Pricing::LumpSum,
                max_amount_excl_tax: None,
                penalty_per_missing_hour: None,
                penalty_cap_rate: None,
                report_due_on: None,
            };
            conn.transaction::<_, clauses::error::ApiError, _>(|c| {
                let row = clauses::models::contract::create(c, &p, &fields, None)?;
                std::thread::sleep(Duration::from_millis(u64::from((w * 7 + i * 13) % 23)));
                if i % 2 == 0 {
                    let mut f = row.fields();
                    f.title = format!("Marché {i}");
                    clauses::models::contract::save(c, row.id, &f, &Default::default())?;
                }
                Ok(())
            })
            .unwrap();
        }
    })
}

#[actix_web::test]
async fn each_caller_gets_the_changes_it_may_read() {
    let app = spawn().await;
    let buyer1 = app.org("buyer", "B1").await;
    let buyer2 = app.org("buyer", "B2").await;
    let holder = app.org("company", "H").await;
    let other = app.org("company", "Other").await;
    let plie = app.org("plie", "PLIE").await;
    let c1 = app.contract(buyer1, holder, "C1").await;
    let c2 = app.contract(buyer2, other, "C2").await;
    let p1 = app.person(Some(plie), "Suivie", "F", "1990-01-01").await;
    let p2 = app.person(None, "Autre", "M", "1990-01-01").await;
    let pl1 = app.placement(p1, c1, holder, "2019-01-01", None).await;
    let pl2 = app.placement(p2, c2, other, "2019-01-01", None).await;
    assert_eq!(app.hours(pl1, "2019-02", "10").await.status, 201);
    assert_eq!(app.hours(pl2, "2019-02", "10").await.status, 201);

    let ids = |role: Role, org: Option<Uuid>| {
        let app = &app;
        async move {
            let (mut cursor, mut seen) = (None, vec![]);
            drain(app, &token(role, org), &mut cursor, &mut seen).await;
            seen.iter()
                .map(|c| c["id"].as_str().unwrap().parse::<Uuid>().unwrap())
                .collect::<HashSet<_>>()
        }
    };
    // Changes are served once every older transaction of the cluster has
    // ended (other tests' included): wait for the facilitator to see all.
    let mut all = HashSet::new();
    for _ in 0..200 {
        all = ids(Role::Facilitator, None).await;
        if all.len() == 8 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(all.contains(&c1) && all.contains(&p2) && all.contains(&pl2));
    assert_eq!(all.len(), 2 + 2 + 2 + 2);
    assert_eq!(
        ids(Role::Buyer, Some(buyer1)).await,
        HashSet::from([c1, pl1])
    );
    assert_eq!(ids(Role::State, None).await, HashSet::from([c1, c2]));
    assert_eq!(
        ids(
            Role::Department,
            Some(app.org("department", "Département").await)
        )
        .await,
        HashSet::from([c1, c2])
    );
    let plie_sees = ids(Role::Plie, Some(plie)).await;
    assert!(
        plie_sees.contains(&p1)
            && plie_sees.contains(&pl1)
            && !plie_sees.contains(&p2)
            && !plie_sees.contains(&pl2)
    );
    let holder_sees = ids(Role::Company, Some(holder)).await;
    assert!(holder_sees.contains(&c1) && holder_sees.contains(&pl1) && holder_sees.contains(&p1));
    assert!(
        !holder_sees.contains(&c2) && !holder_sees.contains(&pl2) && !holder_sees.contains(&p2)
    );
    assert_eq!(
        holder_sees.len(),
        4,
        "its contract, placement, month and employee"
    );

    let res = app.get("/api/v1/changes?after=garbage", &fac()).await;
    assert_eq!(res.fields(), ["after"]);
}

#[actix_web::test]
async fn lists_follow_updates_with_updated_since() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let a = app.contract(buyer, holder, "A").await;
    let b = app.contract(buyer, holder, "B").await;
    let c = app.contract(buyer, holder, "C").await;
    let since = app
        .get(&format!("/api/v1/contracts/{b}"), &fac())
        .await
        .json()["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    // A changes after B and C were created: it comes last, B (inclusive) first.
    assert_eq!(
        app.patch(
            &format!("/api/v1/contracts/{a}"),
            &fac(),
            &serde_json::json!({"title": "Changed"}),
            None
        )
        .await
        .status,
        200
    );
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let mut order = vec![];
    let mut url = format!("/api/v1/contracts?limit=1&updated_since={}", enc(&since));
    loop {
        let page = app.get(&url, &fac()).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let body = page.json();
        for item in body["items"].as_array().unwrap() {
            order.push(item["id"].as_str().unwrap().parse::<Uuid>().unwrap());
        }
        match body["next_cursor"].as_str() {
            Some(cur) => {
                url = format!(
                    "/api/v1/contracts?limit=1&updated_since={}&cursor={cur}",
                    enc(&since)
                )
            }
            None => break,
        }
    }
    assert_eq!(order, vec![b, c, a]);
    for list in ["organisations", "beneficiaries", "placements"] {
        let res = app
            .get(
                &format!("/api/v1/{list}?updated_since={}", enc(&since)),
                &fac(),
            )
            .await;
        assert_eq!(res.status, 200, "{list}");
    }
    let res = app
        .get("/api/v1/contracts?updated_since=yesterday", &fac())
        .await;
    assert_eq!(res.fields(), ["updated_since"]);
}
