//! What the database's constraints protect, in the words of the API.

/// Which request field a unique or check constraint protects, for 409/422
/// answers that name the field.
pub fn constraint_field(constraint: &str) -> &'static str {
    match constraint {
        "organisations_siret_key" => "siret",
        "contracts_buyer_reference_key" => "reference",
        "monthly_hours_placement_month_key" => "month",
        _ => "id",
    }
}
