//! The command line as an operator meets it.

use std::process::Command;

fn clauses() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clauses"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn serve_refuses_to_start_without_a_jwt_key() {
    let out = clauses()
        .arg("serve")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("JWT_SECRET") && err.contains("JWT_PUBLIC_KEY_FILE"),
        "{err}"
    );
}

#[test]
fn serve_refuses_to_start_without_a_database() {
    let out = clauses()
        .arg("serve")
        .env("JWT_SECRET", "x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[test]
fn token_mints_what_the_service_accepts() {
    let org = "0d3e0000-0000-4000-8000-000000000008";
    let out = clauses()
        .args([
            "token", "--role", "company", "--org", org, "--sub", "someone", "--ttl", "60",
        ])
        .env("JWT_SECRET", "cli-secret")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let verifier = clauses::auth::Verifier::new(Some("cli-secret"), None, None, None).unwrap();
    let p = verifier.verify(token.trim()).unwrap();
    assert_eq!(p.role, clauses::auth::Role::Company);
    assert_eq!(p.org.unwrap().to_string(), org);
    assert_eq!(p.sub, "someone");

    let out = clauses()
        .args(["token", "--role", "company"])
        .env("JWT_SECRET", "cli-secret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--org"));
    let out = clauses()
        .args(["token", "--role", "admin"])
        .env("JWT_SECRET", "s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A token the service would refuse for its lifetime is not minted.
    let out = clauses()
        .args(["token", "--role", "state", "--ttl", "86401"])
        .env("JWT_SECRET", "s")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JWT_MAX_LIFETIME_SECONDS"));
    let out = clauses()
        .args(["token", "--role", "state", "--ttl", "604800"])
        .env("JWT_SECRET", "s")
        .env("JWT_MAX_LIFETIME_SECONDS", "604800")
        .output()
        .unwrap();
    assert!(out.status.success());
}
