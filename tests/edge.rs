//! The HTTP edge against a caller with a valid token, or none, who sends
//! what no client should: tokens that lie about who they are, input that
//! bends the rules, headers too large, requests that are not HTTP, methods
//! that would grow the metrics; and what goes out: spreadsheets that never
//! run a formula, headers that keep answers private.

use crate::common::*;
use serde_json::{json, Value};
use uuid::Uuid;

use clauses::auth::Role;

#[actix_web::test]
async fn csv_cells_never_run_as_formulas() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let res = app
        .post(
            "/api/v1/contracts",
            &token(Role::Buyer, Some(buyer)),
            &json!({"holder_id": holder, "reference": "+33-REF", "title": "=HYPERLINK(\"http://x.example\",\"clic\")",
                    "operation": "@SUM(A1)", "clause_type": "execution_condition",
                    "start_date": "2019-01-01", "end_date": "2019-12-31", "commitment_hours": 100}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let csv = app
        .send(
            "GET",
            "/api/v1/stats/contracts?year=2019&format=csv",
            Some(&fac()),
            &[],
            None,
        )
        .await;
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.contains("'+33-REF"), "{text}");
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(text.contains("'@SUM(A1)"), "{text}");
    assert!(
        !text.contains(",=") && !text.contains(",+") && !text.contains(",@"),
        "{text}"
    );
}

#[actix_web::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = spawn().await;
    for i in 0..40 {
        let method = format!("X{}{i}", "Y".repeat(2000));
        app.send(&method, "/health", None, &[], None).await;
    }
    let metrics =
        String::from_utf8(app.send("GET", "/metrics", None, &[], None).await.body).unwrap();
    assert!(!metrics.contains("YYYY"));
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(metrics.len() < 64 * 1024, "{} bytes", metrics.len());
}

/// A signed token with the claims and header fields given.
fn signed(header: Value, claims: Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let message = format!("{}.{}", b64(&header), b64(&claims));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap();
    format!("{message}.{signature}")
}

#[actix_web::test]
async fn tokens_must_name_a_real_organisation_and_live_briefly() {
    let app = spawn().await;
    let company = app.org("company", "H").await;
    let buyer = app.org("buyer", "B").await;
    let now = chrono::Utc::now().timestamp();
    let hs = json!({"alg": "HS256", "typ": "JWT"});
    let claims = |role: &str, org: Option<Uuid>, iat: Option<i64>, exp: i64| {
        let mut c = json!({"sub": "tester", "role": role, "exp": exp});
        if let Some(o) = org {
            c["org"] = json!(o);
        }
        if let Some(i) = iat {
            c["iat"] = json!(i);
        }
        c
    };
    let ok = signed(
        hs.clone(),
        claims("company", Some(company), Some(now), now + 600),
    );
    assert_eq!(app.get("/api/v1/contracts", &ok).await.status, 200);
    for (why, t) in [
        (
            "an org that does not exist",
            signed(
                hs.clone(),
                claims("company", Some(Uuid::new_v4()), Some(now), now + 600),
            ),
        ),
        (
            "a buyer's org in a company token",
            signed(
                hs.clone(),
                claims("company", Some(buyer), Some(now), now + 600),
            ),
        ),
        (
            "a company's org in a plie token",
            signed(
                hs.clone(),
                claims("plie", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a facilitator's org that does not exist",
            signed(
                hs.clone(),
                claims("facilitator", Some(Uuid::new_v4()), Some(now), now + 600),
            ),
        ),
        (
            "a year-long token",
            signed(
                hs.clone(),
                claims("company", Some(company), Some(now), now + 365 * 86_400),
            ),
        ),
        (
            "a long token without iat",
            signed(
                hs.clone(),
                claims("company", Some(company), None, now + 2 * 86_400),
            ),
        ),
        (
            "a crit header",
            signed(
                json!({"alg": "HS256", "typ": "JWT", "crit": ["exp"]}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a NUL in sub",
            signed(
                hs.clone(),
                json!({"sub": "a\u{0}b", "role": "company", "org": company, "exp": now + 600}),
            ),
        ),
        (
            "a company's org in a state token",
            signed(
                hs.clone(),
                claims("state", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a company's org in a facilitator token",
            signed(
                hs.clone(),
                claims("facilitator", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a header typ other than JWT",
            signed(
                json!({"alg": "HS256", "typ": "JWS"}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a header without typ",
            signed(
                json!({"alg": "HS256"}),
                claims("company", Some(company), Some(now), now + 600),
            ),
        ),
        (
            "a right-to-left override in sub",
            signed(
                hs.clone(),
                json!({"sub": "alice\u{202E}eciffo", "role": "state", "exp": now + 600}),
            ),
        ),
        (
            "a zero-width space in sub",
            signed(
                hs.clone(),
                json!({"sub": "ali\u{200B}ce", "role": "state", "exp": now + 600}),
            ),
        ),
        (
            "a line feed in sub",
            signed(
                hs.clone(),
                json!({"sub": "a\nb", "role": "state", "exp": now + 600}),
            ),
        ),
    ] {
        let res = app.get("/api/v1/contracts", &t).await;
        let problem = res.problem(401);
        assert!(res.header("www-authenticate").is_some(), "{why}");
        assert!(problem["detail"].is_string(), "{why}");
    }
    // Each role's own kind is accepted, as is a lower-case typ.
    let facilitators = app.org("facilitator", "MIVE").await;
    let state = app.org("state", "DREETS").await;
    for t in [
        signed(
            hs.clone(),
            claims("facilitator", Some(facilitators), Some(now), now + 600),
        ),
        signed(
            hs.clone(),
            claims("state", Some(state), Some(now), now + 600),
        ),
        signed(
            json!({"alg": "HS256", "typ": "jwt"}),
            claims("state", None, Some(now), now + 600),
        ),
    ] {
        assert_eq!(app.get("/api/v1/contracts", &t).await.status, 200);
    }
    // A day exactly is accepted, as `clauses token --ttl 86400` mints.
    let day = signed(hs.clone(), claims("state", None, Some(now), now + 86_400));
    assert_eq!(app.get("/api/v1/contracts", &day).await.status, 200);
}

#[actix_web::test]
async fn input_is_read_strictly() {
    let app = spawn().await;
    let buyer = app.org("buyer", "B").await;
    let holder = app.org("company", "H").await;
    let contract = app.contract(buyer, holder, "K").await;
    let person = app.person(None, "Durand", "M", "1980-05-05").await;
    let placement = app
        .placement(person, contract, holder, "2019-01-01", None)
        .await;
    let raw = |path: &str, method: &str, body: &str| {
        let path = path.to_string();
        let method = method.to_string();
        let body = body.as_bytes().to_vec();
        let app = &app;
        async move {
            app.send(
                &method,
                &path,
                Some(&fac()),
                &[("Content-Type", "application/json")],
                Some(body),
            )
            .await
        }
    };
    let month = format!("/api/v1/placements/{placement}/hours/2019-02");
    // A key twice: refused whole, nothing written.
    raw(
        &month,
        "PUT",
        r#"{"worked_hours": 10, "worked_hours": 150}"#,
    )
    .await
    .problem(400);
    app.get(&month, &fac()).await.problem(404);
    // Hours as strings are refused at the field, without internal names.
    let res = raw(&month, "PUT", r#"{"worked_hours": "10"}"#).await;
    assert_eq!(res.fields(), ["worked_hours"]);
    for body in [
        r#"{"worked_hours": 1e400}"#,
        r#"{"worked_hours": 123456789012345678901234567890123456789}"#,
        r#"{"worked_hours": [10]}"#,
        r#"{"worked_hours": {"h": 10}}"#,
    ] {
        let problem = raw(&month, "PUT", body).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "worked_hours", "{problem}");
        assert!(!problem.to_string().contains("serde_json"), "{problem}");
    }
    assert_eq!(
        raw(&month, "PUT", r#"{"worked_hours": 10.5}"#).await.status,
        201
    );

    // Dates are exactly YYYY-MM-DD.
    let new_person = |birth: &str| {
        format!(
            r#"{{"last_name": "A", "first_name": "B", "sex": "F", "birth_date": "{birth}",
                "postal_code": "91100", "eligibility": ["rsa"]}}"#
        )
    };
    for bad in [
        "1990-1-5",
        "+1990-01-05",
        "-1990-01-05",
        "19900105",
        "1899-12-31",
        "2999-01-01",
    ] {
        let res = raw("/api/v1/beneficiaries", "POST", &new_person(bad)).await;
        assert_eq!(res.fields(), ["birth_date"], "{bad}");
    }
    assert_eq!(
        raw("/api/v1/beneficiaries", "POST", &new_person("1900-01-01"))
            .await
            .status,
        201
    );
    let res = app
        .get(
            &format!("/api/v1/contracts/{contract}/fulfilment?on=2019-1-5"),
            &fac(),
        )
        .await;
    assert_eq!(res.fields(), ["on"]);
    // Contract dates from 2000 to 2100.
    for (start, end, field) in [
        ("1999-12-31", "2019-12-31", "start_date"),
        ("2019-01-01", "2101-01-01", "end_date"),
    ] {
        let body = json!({"buyer_id": buyer, "holder_id": holder, "reference": "R", "title": "T",
            "clause_type": "execution_condition", "start_date": start, "end_date": end,
            "commitment_hours": 10});
        let res = app.post("/api/v1/contracts", &fac(), &body).await;
        assert_eq!(res.fields(), [field]);
    }
}

#[actix_web::test]
async fn answers_carry_the_headers_that_keep_them_private() {
    let app = crate::operability::serve(&[("CORS_ALLOWED_ORIGINS", "http://localhost:5173")]).await;
    for path in [
        "/api/v1/organisations",
        "/api/v1/stats/key-figures?year=2019",
    ] {
        let res = app.get(path, &fac()).await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
    }
    // Problems too.
    let res = app.get("/api/v1/organisations?limit=0", &fac()).await;
    res.problem(422);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let res = app
        .send("GET", "/api/v1/organisations", None, &[], None)
        .await;
    res.problem(401);
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    for path in ["/health", "/openapi.json", "/no/such/path"] {
        let res = app.send("GET", path, None, &[], None).await;
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
    }
    // The public card keeps its own caching.
    app.post("/api/v1/stats/publications", &fac(), &json!({"year": 2019}))
        .await;
    let res = app
        .send("GET", "/public/key-figures/2019.svg", None, &[], None)
        .await;
    assert_eq!(
        res.header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    assert_eq!(
        res.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // Refused preflights, whatever is refused, answer a problem.
    for headers in [
        vec![
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
        vec![
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "TRACE"),
        ],
        vec![
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-evil"),
        ],
    ] {
        let res = app
            .send("OPTIONS", "/api/v1/organisations", None, &headers, None)
            .await;
        assert!(res.status >= 400 && res.status < 500, "{}", res.status);
        res.problem(res.status);
    }
}

#[actix_web::test]
async fn headers_too_large_answer_a_problem() {
    let app = crate::operability::serve(&[]).await;
    let big = "x".repeat(200 * 1024);
    let res = app
        .send("GET", "/health", None, &[("X-Big", big.as_str())], None)
        .await;
    res.problem(431);
    let many: Vec<(String, String)> = (0..120).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.send("GET", "/health", None, &refs, None).await;
    res.problem(431);
}

/// Sends raw bytes to the server and reads what it answers until it closes.
async fn raw(app: &TestApp, request: Vec<u8>) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = app.addr.trim_start_matches("http://").to_string();
    actix_web::rt::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        s.write_all(&request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn malformed_requests_answer_a_problem() {
    let app = spawn().await;
    let long_line = format!(
        "GET /health?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    for (why, request) in [
        (
            "a NUL in a header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n".to_vec(),
        ),
        (
            "a control character in a header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n".to_vec(),
        ),
        (
            "an obs-folded header",
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".to_vec(),
        ),
        ("a 100 kB request line", long_line.into_bytes()),
        ("no request line", b"\x16\x03\x01 hello\r\n\r\n".to_vec()),
    ] {
        let (status, head, body) = raw(&app, request).await;
        assert!((400..500).contains(&status), "{why}: {status} {head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{why}: {head}"
        );
        let problem: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{why}: {e} {body}"));
        assert_eq!(problem["status"], status, "{why}");
    }
    // The server still answers.
    assert_eq!(
        app.send("GET", "/health", None, &[], None).await.status,
        200
    );
}
