//! The problem answers operations share, as OpenAPI response components:
//! the handlers' annotations name them, the document registers them.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};

use super::problem::PROBLEM_JSON;

macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        pub struct $name;

        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                (stringify!($name), problem($description, false).into())
            }
        }
    };
}

fn problem(description: &str, authenticate: bool) -> Response {
    let mut builder = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    if authenticate {
        builder = builder.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .description(Some("`Bearer` with the reason of the refusal"))
                .build(),
        );
    }
    builder.build()
}

/// Missing, malformed, expired or badly signed bearer token.
pub struct Unauthorized;

impl<'s> utoipa::ToResponse<'s> for Unauthorized {
    fn response() -> (&'s str, RefOr<Response>) {
        (
            "Unauthorized",
            problem(
                "Missing, malformed, expired or badly signed bearer token",
                true,
            )
            .into(),
        )
    }
}

problem_response!(
    TooLarge,
    "The body is larger than the service accepts: `detail` states the limit"
);
problem_response!(BadRequest, "The body is not readable JSON");
problem_response!(Forbidden, "Your role may never do this");
problem_response!(NotFound, "No such object, or not visible to you");
problem_response!(
    Stale,
    "`If-Match` names a version that is no longer current"
);
problem_response!(UnsupportedMediaType, "The body is not sent as JSON");
problem_response!(
    Invalid,
    "Invalid values: `errors` lists every field at fault"
);
/// The database is not reachable: the answer says when to retry.
pub struct Unavailable;

impl<'s> utoipa::ToResponse<'s> for Unavailable {
    fn response() -> (&'s str, RefOr<Response>) {
        let mut response = problem(
            "The database is not reachable or took too long; retry after `Retry-After` seconds",
            false,
        );
        response.headers.insert(
            "Retry-After".to_string(),
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                )
                .description(Some("Seconds to wait before retrying"))
                .build(),
        );
        ("Unavailable", response.into())
    }
}
problem_response!(
    UriTooLong,
    "The query string is longer than the service accepts: `detail` states the limit"
);

/// A set of the problem answers above, named once and listed by the
/// operations that answer all of them: `responses((status = 200, ...),
/// crate::api::responses::Changing)`. The document holds the same
/// references the operations would list one by one.
macro_rules! response_set {
    ($(#[$doc:meta])* $name:ident: $($status:literal => $response:ident),+ $(,)?) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                [$(($status.to_string(), RefOr::Ref(Ref::from_response_name(stringify!($response))))),+]
                    .into_iter()
                    .collect()
            }
        }
    };
}

response_set!(
    /// A change to one object (`PATCH` with `If-Match`).
    Changing: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden, "404" => NotFound,
        "412" => Stale, "415" => UnsupportedMediaType, "422" => Invalid
);
response_set!(
    /// A new object from a JSON body.
    Creating: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden,
        "415" => UnsupportedMediaType, "422" => Invalid
);
response_set!(
    /// A new object under one that must exist and be visible.
    CreatingUnder: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden, "404" => NotFound,
        "415" => UnsupportedMediaType, "422" => Invalid
);
response_set!(
    /// Many lines in one body, each judged.
    Bulk: "400" => BadRequest, "401" => Unauthorized, "403" => Forbidden, "413" => TooLarge,
        "415" => UnsupportedMediaType, "422" => Invalid
);
response_set!(
    /// A read some roles may not make, with checked parameters.
    RestrictedQuery: "401" => Unauthorized, "403" => Forbidden, "422" => Invalid
);
response_set!(
    /// One object some roles may not read.
    RestrictedOne: "401" => Unauthorized, "403" => Forbidden, "404" => NotFound
);
response_set!(
    /// One object some roles may not read, with checked parameters.
    RestrictedOneQuery: "401" => Unauthorized, "403" => Forbidden, "404" => NotFound, "422" => Invalid
);
response_set!(
    /// A read with checked parameters.
    Query: "401" => Unauthorized, "422" => Invalid
);
response_set!(
    /// One object, visible or not.
    One: "401" => Unauthorized, "404" => NotFound
);
response_set!(
    /// One object, visible or not, with checked parameters.
    OneQuery: "401" => Unauthorized, "404" => NotFound, "422" => Invalid
);
