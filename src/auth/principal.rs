//! The caller, as the token says: role, organisation, subject.

use std::future::{ready, Ready};

use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use uuid::Uuid;

use super::jwt::Claims;
use crate::error::ApiError;
use crate::state::AppState;

crate::code_enum! {
    /// The caller's role, from the token's `role` claim.
    Role {
        Facilitator => "facilitator",
        Plie => "plie",
        Company => "company",
        Buyer => "buyer",
        Department => "department",
        State => "state",
    }
}

impl Role {
    /// Roles whose data scope is their organisation: a token without `org`
    /// cannot say what they may see.
    pub fn needs_org(self) -> bool {
        matches!(
            self,
            Role::Plie | Role::Company | Role::Buyer | Role::Department
        )
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub sub: String,
    pub role: Role,
    pub org: Option<Uuid>,
    /// The request this caller is making, for the access trail.
    pub request_id: String,
}

/// The id of the request being served (see `crate::request_id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who made a request, kept for its access-log line once the token has been
/// checked.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
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

fn extract(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
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
    req.extensions_mut().insert(Caller {
        sub: principal.sub.clone(),
        role: principal.role,
    });
    Ok(principal)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Principal, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(extract(req))
    }
}
