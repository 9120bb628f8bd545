//! Identity: every way a token can be wrong answers 401 with
//! `WWW-Authenticate: Bearer` and a problem body; the right ones pass.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use clauses::auth::Role;

const PATH: &str = "/api/v1/organisations";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/jwt/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(role: &str) -> Value {
    json!({"sub": "someone", "role": role, "exp": now() + 600, "iat": now()})
}

fn hs256(claims: &Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn rs256(claims: &Value, kid: Option<&str>) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = kid.map(str::to_string);
    let key = EncodingKey::from_rsa_pem(fixture("rsa_private.pem").as_bytes()).unwrap();
    encode(&h, claims, &key).unwrap()
}

fn es256(claims: &Value, kid: Option<&str>) -> String {
    let mut h = Header::new(Algorithm::ES256);
    h.kid = kid.map(str::to_string);
    let key = EncodingKey::from_ec_pem(fixture("ec_private.pem").as_bytes()).unwrap();
    encode(&h, claims, &key).unwrap()
}

async fn assert_401(app: &TestApp, token: Option<&str>, why: &str) {
    let res = app.send("GET", PATH, token, &[], None).await;
    let body = res.problem(401);
    let www = res.header("www-authenticate").unwrap_or_default();
    assert!(www.starts_with("Bearer"), "{why}: WWW-Authenticate {www:?}");
    assert!(body["detail"].as_str().unwrap().len() > 5, "{why}");
}

#[actix_web::test]
async fn hs256_tokens_are_checked() {
    let app = spawn().await;
    // A good token passes.
    let ok = app
        .get(PATH, &hs256(&claims("facilitator"), SECRET.as_bytes()))
        .await;
    assert_eq!(ok.status, 200);

    assert_401(&app, None, "no token").await;
    let res = app
        .send(
            "GET",
            PATH,
            None,
            &[("Authorization", "Basic dXNlcjpwYXNz")],
            None,
        )
        .await;
    res.problem(401);
    assert_401(&app, Some("not-a-jwt"), "garbage").await;

    // alg: none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims("facilitator").to_string());
    assert_401(&app, Some(&format!("{header}.{payload}.")), "alg none").await;

    // Wrong signature.
    assert_401(
        &app,
        Some(&hs256(&claims("facilitator"), b"another-secret")),
        "wrong secret",
    )
    .await;
    let mut tampered = hs256(&claims("company"), SECRET.as_bytes());
    let parts: Vec<&str> = tampered.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(claims("facilitator").to_string());
    tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_401(&app, Some(&tampered), "payload swapped").await;

    // Expired, not yet valid, no exp.
    let mut c = claims("facilitator");
    c["exp"] = json!(now() - 3600);
    assert_401(&app, Some(&hs256(&c, SECRET.as_bytes())), "expired").await;
    let mut c = claims("facilitator");
    c["nbf"] = json!(now() + 3600);
    assert_401(&app, Some(&hs256(&c, SECRET.as_bytes())), "not yet valid").await;
    let mut c = claims("facilitator");
    c.as_object_mut().unwrap().remove("exp");
    assert_401(&app, Some(&hs256(&c, SECRET.as_bytes())), "no exp").await;

    // Unknown role; role that needs an org without one; org not a UUID.
    assert_401(
        &app,
        Some(&hs256(&claims("admin"), SECRET.as_bytes())),
        "unknown role",
    )
    .await;
    for role in ["plie", "company", "buyer", "department"] {
        assert_401(&app, Some(&hs256(&claims(role), SECRET.as_bytes())), role).await;
    }
    let mut c = claims("company");
    c["org"] = json!("not-a-uuid");
    assert_401(&app, Some(&hs256(&c, SECRET.as_bytes())), "bad org").await;

    // Facilitator and State may come without an org.
    for role in ["facilitator", "state"] {
        let res = app
            .get(PATH, &hs256(&claims(role), SECRET.as_bytes()))
            .await;
        assert_eq!(res.status, 200, "{role}");
    }
    // An RS256 token is not accepted by a service with only a shared secret.
    assert_401(
        &app,
        Some(&rs256(&claims("facilitator"), None)),
        "rs256 without key",
    )
    .await;
}

#[actix_web::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let app = spawn_with(Keys {
        issuer: Some("https://idp.example".into()),
        audience: Some("clauses".into()),
        ..Keys::default()
    })
    .await;
    let mut c = claims("facilitator");
    c["iss"] = json!("https://idp.example");
    c["aud"] = json!("clauses");
    assert_eq!(
        app.get(PATH, &hs256(&c, SECRET.as_bytes())).await.status,
        200
    );

    let mut wrong_aud = c.clone();
    wrong_aud["aud"] = json!("another-api");
    assert_401(
        &app,
        Some(&hs256(&wrong_aud, SECRET.as_bytes())),
        "wrong audience",
    )
    .await;
    let mut no_aud = c.clone();
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_401(
        &app,
        Some(&hs256(&no_aud, SECRET.as_bytes())),
        "no audience",
    )
    .await;
    let mut wrong_iss = c.clone();
    wrong_iss["iss"] = json!("https://evil.example");
    assert_401(
        &app,
        Some(&hs256(&wrong_iss, SECRET.as_bytes())),
        "wrong issuer",
    )
    .await;
}

#[actix_web::test]
async fn rsa_public_key_pins_rs256() {
    let public = fixture("rsa_public.pem");
    let app = spawn_with(Keys {
        secret: None,
        public_key: Some(public.clone()),
        ..Keys::default()
    })
    .await;
    assert_eq!(
        app.get(PATH, &rs256(&claims("facilitator"), None))
            .await
            .status,
        200
    );
    // The classic confusion: HS256 signed with the RSA public key as secret.
    assert_401(
        &app,
        Some(&hs256(&claims("facilitator"), public.as_bytes())),
        "hs/rs confusion",
    )
    .await;
    // An EC-signed token does not pass an RSA key.
    assert_401(
        &app,
        Some(&es256(&claims("facilitator"), None)),
        "es256 on rsa key",
    )
    .await;
    let mut c = claims("facilitator");
    c["exp"] = json!(now() - 3600);
    assert_401(&app, Some(&rs256(&c, None)), "expired rs256").await;
}

#[actix_web::test]
async fn hs_secret_and_public_key_together_keep_algorithms_apart() {
    let public = fixture("rsa_public.pem");
    let app = spawn_with(Keys {
        public_key: Some(public.clone()),
        ..Keys::default()
    })
    .await;
    assert_eq!(
        app.get(PATH, &rs256(&claims("facilitator"), None))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(PATH, &hs256(&claims("facilitator"), SECRET.as_bytes()))
            .await
            .status,
        200
    );
    assert_401(
        &app,
        Some(&hs256(&claims("facilitator"), public.as_bytes())),
        "hs/rs confusion",
    )
    .await;
}

#[actix_web::test]
async fn ec_public_key_pins_es256() {
    let app = spawn_with(Keys {
        secret: None,
        public_key: Some(fixture("ec_public.pem")),
        ..Keys::default()
    })
    .await;
    assert_eq!(
        app.get(PATH, &es256(&claims("state"), None)).await.status,
        200
    );
    assert_401(
        &app,
        Some(&rs256(&claims("state"), None)),
        "rs256 on ec key",
    )
    .await;
}

#[actix_web::test]
async fn jwks_honours_kid() {
    let app = spawn_with(Keys {
        secret: None,
        public_key: Some(fixture("jwks.json")),
        ..Keys::default()
    })
    .await;
    assert_eq!(
        app.get(PATH, &rs256(&claims("facilitator"), Some("rsa-2026")))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(PATH, &es256(&claims("facilitator"), Some("ec-2026")))
            .await
            .status,
        200
    );
    // Without a kid, the key of the token's algorithm is tried.
    assert_eq!(
        app.get(PATH, &rs256(&claims("facilitator"), None))
            .await
            .status,
        200
    );
    // A kid naming another key, or no key at all, fails.
    assert_401(
        &app,
        Some(&rs256(&claims("facilitator"), Some("ec-2026"))),
        "kid of other alg",
    )
    .await;
    assert_401(
        &app,
        Some(&rs256(&claims("facilitator"), Some("unknown"))),
        "unknown kid",
    )
    .await;
}

#[actix_web::test]
async fn cli_style_token_carries_role_and_org() {
    let app = spawn().await;
    let org = app.org("company", "Bâtir").await;
    let res = app.get(PATH, &token(Role::Company, Some(org))).await;
    assert_eq!(res.status, 200);
    let items = res.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], org.to_string());
}
