//! Schemas of the OpenAPI document for bodies that are no Rust type of the
//! service: a workbook, a DECP document (kept as received), the public card.
//! Each says what a generated client needs: a workbook is binary text, not
//! JSON; a DECP document has its top-level members and allows any further.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A file to save or open, typed `format: binary` so that a generated
/// client reads its bytes (a `Blob`, a `File`) instead of decoding text or
/// JSON: with only a `contentMediaType`, generators tried read a workbook
/// as text and corrupted it. `file_schema!(Name, "description")` declares
/// the schema `Name`.
macro_rules! file_schema {
    ($(#[$m:meta])* $name:ident, $description:expr) => {
        $(#[$m])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                    .description(Some($description))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

file_schema!(
    /// An Office Open XML workbook (XLSX).
    Workbook,
    "An Office Open XML workbook (XLSX), a sheet per table: a file to save or open"
);

file_schema!(
    /// An SVG image.
    SvgImage,
    "An SVG image (UTF-8): a file to save or embed with `<img src>`"
);

file_schema!(
    /// A PDF document.
    PdfDocument,
    "A PDF document (A4, its text extractable): a file to save, print or file"
);

file_schema!(
    /// A CSV file.
    CsvFile,
    "A CSV file (RFC 4180, UTF-8, comma-separated, a header row; decimals with a point, \
     texts a spreadsheet would run as a formula prefixed with `'`): a file to save or open"
);

fn open_object() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Object))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
}

fn typed(t: Type, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(t))
        .description(Some(description))
}

/// Any JSON value: the members the import reads of a record, or passes by.
fn anything(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .description(Some(description))
        .into()
}

/// One published contract of a DECP document, as the import reads it;
/// every other member is kept as received.
pub struct DecpRecord;

impl PartialSchema for DecpRecord {
    fn schema() -> RefOr<Schema> {
        let acheteur = open_object()
            .property("id", typed(Type::String, "The buyer's SIRET"))
            .property("nom", typed(Type::String, "The buyer's name"));
        open_object()
            .description(Some(
                "A published contract (DECP 2019 or 2024); members beyond these are kept as received",
            ))
            .property("id", typed(Type::String, "The contract's identifier at its buyer"))
            .property("acheteur", acheteur)
            .property("objet", typed(Type::String, "What the contract is for"))
            .property("codeCPV", typed(Type::String, "The CPV code, e.g. 45000000-7"))
            .property(
                "dateNotification",
                typed(Type::String, "The day of notification").format(Some(SchemaFormat::KnownFormat(
                    KnownFormat::Date,
                ))),
            )
            .property("dureeMois", typed(Type::Integer, "The duration in months"))
            .property("montant", typed(Type::Number, "The amount excluding tax, in euros"))
            .property(
                "considerationsSociales",
                anything("The social considerations: a list of strings, or {\"considerationSociale\": [...]}"),
            )
            .property(
                "titulaires",
                ArrayBuilder::new()
                    .items(anything(
                        "A holder: {\"titulaire\": {\"id\", \"typeIdentifiant\"}} (2024) or {\"id\", \"typeIdentifiant\"} (2019)",
                    ))
                    .description(Some("The holders")),
            )
            .into()
    }
}

impl ToSchema for DecpRecord {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DecpRecord")
    }
}

/// A DECP document: `{"marches": [...]}` (2019) or `{"marches": {"marche": [...]}}` (since 2024).
pub struct DecpDocument;

impl PartialSchema for DecpDocument {
    fn schema() -> RefOr<Schema> {
        let records = || {
            ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "DecpRecord",
            )))
        };
        let marches = OneOfBuilder::new()
            .item(records().description(Some("The 2019 format: the records")))
            .item(
                open_object()
                    .description(Some("The format since 2024: the records under `marche`"))
                    .property("marche", records())
                    .required("marche"),
            );
        open_object()
            .description(Some(
                "A DECP document (2019 or 2024 format); members beside `marches` are allowed and ignored",
            ))
            .property("marches", marches)
            .required("marches")
            .into()
    }
}

impl ToSchema for DecpDocument {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DecpDocument")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("DecpRecord".into(), DecpRecord::schema()));
    }
}
