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
problem_response!(
    Unavailable,
    "The database is not reachable or took too long; retry after `Retry-After` seconds"
);
problem_response!(
    UriTooLong,
    "The query string is longer than the service accepts: `detail` states the limit"
);
