//! The caller of a request: its bearer token verified into a
//! [`Principal`], whose organisation must exist with its role's kind.

use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;
use std::future::Future;
use std::pin::Pin;

use crate::auth::Principal;
use crate::db::{self, schema::organisations};
use crate::domain::codes::OrgKind;
use crate::error::ApiError;
use crate::request_id::{Caller, RequestId};
use crate::state::AppState;

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
