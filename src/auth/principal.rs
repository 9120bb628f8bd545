//! The caller, as the token says: role, organisation, subject.

use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

use super::jwt::{AuthError, Claims, Verifier};
use super::role::Role;
use crate::db::{self, schema::organisations};
use crate::domain::codes::OrgKind;
use crate::error::ApiError;
use crate::request_id::{Caller, RequestId};
use crate::state::AppState;

/// The longest `sub` this service keeps in its logs and trails.
pub const MAX_SUB_CHARS: usize = 256;

#[derive(Debug, Clone)]
pub struct Principal {
    pub sub: String,
    pub role: Role,
    pub org: Option<Uuid>,
    /// The request this caller is making, for the access trail.
    pub request_id: String,
}

impl Verifier {
    /// The caller a token names, once its signature and claims are checked.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        Principal::from_claims(self.claims(token)?).map_err(AuthError)
    }
}

impl Principal {
    pub fn from_claims(claims: Claims) -> Result<Principal, String> {
        let role = Role::parse(&claims.role)
            .ok_or_else(|| "the bearer token's role is not one this service knows".to_string())?;
        let org = match claims.org.as_deref() {
            None | Some("") => None,
            Some(s) => Some(
                Uuid::parse_str(s)
                    .map_err(|_| "the bearer token's org is not a UUID".to_string())?,
            ),
        };
        if role.needs_org() && org.is_none() {
            return Err(format!(
                "a {} token must carry the caller's organisation in `org`",
                role.as_str()
            ));
        }
        if claims.sub.trim().is_empty() {
            return Err("the bearer token's sub is empty".into());
        }
        // The sub is written into the access log and the access trail.
        if claims.sub.chars().any(char::is_control) {
            return Err("the bearer token's sub holds control characters".into());
        }
        if claims.sub.chars().count() > MAX_SUB_CHARS {
            return Err(format!(
                "the bearer token's sub is longer than {MAX_SUB_CHARS} characters"
            ));
        }
        Ok(Principal {
            sub: claims.sub,
            role,
            org,
            request_id: String::new(),
        })
    }

    /// The organisation of a role that must have one (checked at sign-in).
    pub fn org_id(&self) -> Uuid {
        self.org.unwrap_or_else(Uuid::nil)
    }
}

fn extract(req: &HttpRequest, state: &AppState) -> Result<Principal, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is malformed".into()))?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".into(),
            ))
        }
    };
    let mut principal = state
        .verifier
        .verify(token)
        .map_err(|e| ApiError::Unauthorized(e.0))?;
    if let Some(RequestId(id)) = req.extensions().get::<RequestId>() {
        principal.request_id = id.clone();
    }
    Ok(principal)
}

/// A token's `org` must be an organisation of this service, of the kind
/// its role needs: a signed token naming a company as a buyer, or an
/// organisation that does not exist, gets no scope at all.
async fn check_org(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    let Some(org) = p.org else {
        return Ok(());
    };
    let kind: Option<String> = db::pipelined::first(&state.pool, || {
        Ok(organisations::table.find(org).select(organisations::kind))
    })
    .await?;
    match (kind.as_deref().and_then(OrgKind::parse), p.role.org_kind()) {
        (None, _) => Err(ApiError::Unauthorized(
            "the bearer token's org is not an organisation of this service".into(),
        )),
        (Some(kind), Some(wanted)) if kind != wanted => Err(ApiError::Unauthorized(format!(
            "the bearer token's org is an organisation of kind {kind}, a {} token needs one of kind {wanted}",
            p.role
        ))),
        _ => Ok(()),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::bug("reading the application state, which is missing"))?;
            let principal = extract(&req, &state)?;
            check_org(&state, &principal).await?;
            req.extensions_mut().insert(Caller {
                sub: principal.sub.clone(),
                role: principal.role,
            });
            Ok(principal)
        })
    }
}
