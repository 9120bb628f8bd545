//! The usual shapes of an endpoint, written once: the OpenAPI operation of
//! a list, a read of one object, a creation and a merge-patch, and what a
//! PATCH reads from its request. Each macro wraps the handler it documents,
//! so a handler's annotation names only what is its own (path, ids, types,
//! descriptions, its 409) and the shared answers cannot drift apart. The
//! handler is written `async fn name(state, p, req, id, body) { … }`, the
//! arguments each shape takes in that order: the macro gives them their
//! extractors (`web::Data<AppState>`, `Principal`, `HttpRequest`,
//! `web::Path<String>`, `Bytes`) and the return type
//! `ApiResult<HttpResponse>`.

use actix_web::web::Bytes;
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::http::{if_match, path_id};
use super::input::json_body;
use crate::error::{ApiResult, Violations};
use crate::models::Precondition;

/// What every `PATCH /…/{id}` reads, in the order its refusals are due:
/// the id (404 when it is not one), `If-Match` (400 when unreadable) and
/// the merge patch with the violations found so far.
pub fn patch_request<P: DeserializeOwned>(
    req: &HttpRequest,
    id: &str,
    what: &str,
    body: &Bytes,
) -> ApiResult<(Uuid, Precondition, P, Violations)> {
    let id = path_id(id, what)?;
    let precondition = if_match(req)?;
    let (patch, v) = json_body::<P>(req, body)?;
    Ok((id, precondition, patch, v))
}

/// `GET` of a page: `list!(path = …, tag = …, operation_id = …,
/// params(…), ok = (Page, "description"), errors = ResponseSet; handler)`.
macro_rules! list {
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt, params($($params:tt)*),
        ok = ($page:ident, $description:tt), errors = $errors:ident;
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident $(, $id:ident)?) $block:block
    ) => {
        #[utoipa::path(
            get, path = $path, tag = $tag, operation_id = $op,
            params($($params)*),
            responses(
                (status = 200, description = $description, body = $page),
                crate::api::responses::$errors,
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $p: crate::auth::Principal,
            $req: actix_web::HttpRequest,
            $($id: actix_web::web::Path<String>,)?
        ) -> crate::error::ApiResult<actix_web::HttpResponse> $block
    };
}
pub(crate) use list;

/// `GET` of one versioned object by id: its view with the version as
/// `ETag`, 304 on a matching `If-None-Match`.
macro_rules! get_one {
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt, id = $id_doc:tt,
        ok = ($view:ident, $description:tt), errors = $errors:ident;
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident, $id:ident $(,)?) $block:block
    ) => {
        #[utoipa::path(
            get, path = $path, tag = $tag, operation_id = $op,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you hold: 304 while it is current"),
            ),
            responses(
                (status = 200, description = $description, body = $view,
                 headers(("ETag" = String, description = "The version, quoted"))),
                (status = 304, description = "Not modified since the `If-None-Match` version"),
                crate::api::responses::$errors,
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $p: crate::auth::Principal,
            $req: actix_web::HttpRequest,
            $id: actix_web::web::Path<String>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> $block
    };
}
pub(crate) use get_one;

/// `POST` that creates: 201 with the view, its `ETag` and `Location`;
/// `params(…)` when it is created under another object, `conflict` when a
/// 409 can answer.
macro_rules! create {
    (
        @emit $([$($params:tt)*])? path = $path:tt, tag = $tag:tt, operation_id = $op:tt,
        body = $new:ident, created = ($view:ident, $description:tt), errors = $errors:ident
        $(, conflict = $conflict:tt)?;
        $(#[$m:meta])* $vis:vis async fn $name:ident($($args:tt)*) $block:block
    ) => {
        #[utoipa::path(
            post, path = $path, tag = $tag, operation_id = $op,
            $(params($($params)*),)?
            request_body = $new,
            responses(
                (status = 201, description = $description, body = $view,
                 headers(("ETag" = String, description = "The version, quoted"), ("Location" = String))),
                crate::api::responses::$errors,
                $((status = 409, description = $conflict, body = crate::api::problem::Problem, content_type = "application/problem+json"),)?
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name($($args)*) -> crate::error::ApiResult<actix_web::HttpResponse> $block
    };
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt, params($($params:tt)*),
        $($key:ident = $value:tt),+;
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident, $id:ident, $body:ident) $block:block
    ) => {
        crate::api::endpoint::create! {
            @emit [$($params)*] path = $path, tag = $tag, operation_id = $op, $($key = $value),+;
            $(#[$m])*
            $vis async fn $name(
                $state: actix_web::web::Data<crate::state::AppState>,
                $p: crate::auth::Principal,
                $req: actix_web::HttpRequest,
                $id: actix_web::web::Path<String>,
                $body: actix_web::web::Bytes,
            ) $block
        }
    };
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt,
        $($key:ident = $value:tt),+;
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident, $body:ident) $block:block
    ) => {
        crate::api::endpoint::create! {
            @emit path = $path, tag = $tag, operation_id = $op, $($key = $value),+;
            $(#[$m])*
            $vis async fn $name(
                $state: actix_web::web::Data<crate::state::AppState>,
                $p: crate::auth::Principal,
                $req: actix_web::HttpRequest,
                $body: actix_web::web::Bytes,
            ) $block
        }
    };
}
pub(crate) use create;

/// `PATCH` of one versioned object (JSON merge patch under `If-Match`):
/// 200 with the view and its new `ETag`; `conflict` when a 409 can answer.
macro_rules! patch {
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt, id = $id_doc:tt,
        body = $patch:ident, changed = ($view:ident, $description:tt)
        $(, conflict = $conflict:tt)?;
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident, $id:ident, $body:ident $(,)?) $block:block
    ) => {
        #[utoipa::path(
            patch, path = $path, tag = $tag, operation_id = $op,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` you read; 412 if it is no longer current"),
            ),
            request_body(content = $patch, content_type = "application/merge-patch+json"),
            responses(
                (status = 200, description = $description, body = $view,
                 headers(("ETag" = String, description = "The new version, quoted"))),
                crate::api::responses::Changing,
                $((status = 409, description = $conflict, body = crate::api::problem::Problem, content_type = "application/problem+json"),)?
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $p: crate::auth::Principal,
            $req: actix_web::HttpRequest,
            $id: actix_web::web::Path<String>,
            $body: actix_web::web::Bytes,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> $block
    };
}
pub(crate) use patch;

/// `POST` of a bulk request under an `Idempotency-Key`: 200 with one
/// result per line, even when some lines are refused.
macro_rules! bulk {
    (
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt,
        body = $input:ident, ok = ($result:ident, $description:tt);
        $(#[$m:meta])* $vis:vis async fn $name:ident($state:ident, $p:ident, $req:ident, $body:ident) $block:block
    ) => {
        #[utoipa::path(
            post, path = $path, tag = $tag, operation_id = $op,
            params(("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Retrying with the same key and body returns the first answer, byte for byte; another body is refused (422)")),
            request_body = $input,
            responses(
                (status = 200, description = $description, body = $result),
                crate::api::responses::Bulk,
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name(
            $state: actix_web::web::Data<crate::state::AppState>,
            $p: crate::auth::Principal,
            $req: actix_web::HttpRequest,
            $body: actix_web::web::Bytes,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> $block
    };
}
pub(crate) use bulk;

/// `GET` of one versioned object that needs nothing but its model's read:
/// `get_by_id!(/// docs, path, tag, operation_id, what, id_doc, description,
/// View, model::get)` writes the handler `get` and its operation.
macro_rules! get_by_id {
    ($(#[$m:meta])* $path:literal, $tag:tt, $operation_id:tt, $what:tt, $id_doc:tt, $description:tt, $view:ident, $get:path) => {
        crate::api::endpoint::get_one! {
            path = $path, tag = $tag, operation_id = $operation_id, id = $id_doc,
            ok = ($view, $description), errors = One;
            $(#[$m])*
            pub async fn get(state, p, req, id) {
                let id = crate::api::http::path_id(&id, $what)?;
                let row = $get(&state.pool, &p, id).await?;
                Ok(crate::api::http::one(&req, row.version, &$view::from(row)))
            }
        }
    };
}
pub(crate) use get_by_id;

/// A report's file on its own path (`….csv`, `….xlsx`), beside the JSON
/// operation: one media type, a binary schema and `Content-Disposition`, so
/// that a generated client reads it as a file. `document` is the function
/// the JSON operation answers from, `async fn(state, p, &req) ->
/// ApiResult<Export<_>>`, so the file and the JSON cannot differ.
/// `download!(csv | xlsx, path = …, tag = …, operation_id = …, params(…),
/// ok = "description", errors = ResponseSet, document = f; handler)`.
macro_rules! download {
    (
        csv, $($rest:tt)*
    ) => {
        crate::api::endpoint::download! { @emit "text/csv", CsvFile, Csv, $($rest)* }
    };
    (
        xlsx, $($rest:tt)*
    ) => {
        crate::api::endpoint::download! {
            @emit "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Workbook, Xlsx, $($rest)*
        }
    };
    (
        @emit $media:literal, $schema:ident, $format:ident,
        path = $path:tt, tag = $tag:tt, operation_id = $op:tt, params($($params:tt)*),
        ok = $description:tt, errors = $errors:ident, document = $document:path;
        $(#[$m:meta])* $vis:vis async fn $name:ident;
    ) => {
        #[utoipa::path(
            get, path = $path, tag = $tag, operation_id = $op,
            params($($params)*),
            responses(
                (status = 200, description = $description, content((crate::api::schemas::$schema = $media)),
                 headers(("Content-Disposition" = String, description = "`attachment` and the file's name"))),
                crate::api::responses::$errors,
            ),
            security(("bearer" = []))
        )]
        $(#[$m])*
        $vis async fn $name(
            state: actix_web::web::Data<crate::state::AppState>,
            p: crate::auth::Principal,
            req: actix_web::HttpRequest,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            $document(state, p, &req)
                .await?
                .file(crate::api::export::ExportFormat::$format)
        }
    };
}
pub(crate) use download;
