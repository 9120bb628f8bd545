// @generated automatically by Diesel CLI.

diesel::table! {
    organisations (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        siret -> Nullable<Text>,
        siae_type -> Nullable<Text>,
        identifier_type -> Nullable<Text>,
        identifier -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}
