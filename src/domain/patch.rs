//! A change a caller asks of a record (a JSON Merge Patch), as the use
//! cases see it: merged onto the record's current fields once they are
//! loaded under lock, before the record's rules check the result.

use super::violations::Violations;

/// A request's change to records whose fields are `F`. Pure: no I/O, so the
/// use case decides when the record is loaded, checked and saved.
pub trait Merge<F> {
    /// Writes the asked values over `record`; a member that may not change
    /// is reported in `v`, not merged.
    fn merge(self, record: &mut F, v: &mut Violations);
}

/// A member on a field that cannot be null: absent keeps the value (null is
/// refused before the merge).
pub fn set<T>(field: &mut T, patched: Option<Option<T>>) {
    if let Some(Some(value)) = patched {
        *field = value;
    }
}

/// A member on an optional field: absent keeps the value, null clears it.
pub fn set_nullable<T>(field: &mut Option<T>, patched: Option<Option<T>>) {
    if let Some(value) = patched {
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::{set, set_nullable};

    #[test]
    fn absent_keeps_a_value_and_null_clears_only_an_optional_one() {
        let mut name = "Martin".to_string();
        set(&mut name, None);
        assert_eq!(name, "Martin");
        set(&mut name, Some(Some("Durand".into())));
        assert_eq!(name, "Durand");
        // Refused before it gets here; kept if it does.
        set(&mut name, Some(None));
        assert_eq!(name, "Durand");
        let mut end = Some(3);
        set_nullable(&mut end, None);
        assert_eq!(end, Some(3));
        set_nullable(&mut end, Some(Some(4)));
        assert_eq!(end, Some(4));
        set_nullable(&mut end, Some(None));
        assert_eq!(end, None);
    }
}
