//! The fields at fault in a request, gathered while its rules run, so a
//! caller learns every mistake at once. Free of HTTP: the edge turns
//! [`Invalid`] into a 422 problem.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One field at fault in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The JSON field (or query parameter) at fault, e.g. `siret` or `eligibility[1]`.
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Field errors gathered while reading and validating one request.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

/// The request's fields at fault, once every rule has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Whether a field (or one of its items) is already at fault, so a
    /// later rule does not pile a second message onto it.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| {
            e.field == field
                || e.field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    }

    /// Notes "is required" when a required value is absent (and not
    /// already at fault for its type); passes the value on.
    pub fn require<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && !self.has(field) {
            self.add(field, "is required");
        }
        value
    }

    /// Notes "cannot be null" when a merge patch sets a required field to
    /// null (`Some(None)`: present, and null).
    pub fn not_null<T>(&mut self, field: &str, patched: &Option<Option<T>>) {
        if matches!(patched, Some(None)) {
            self.add(field, "cannot be null");
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn list(&mut self) -> &mut Vec<FieldError> {
        &mut self.0
    }

    /// Finishes with what the rules built from a request: there is a value
    /// exactly when every required field was present (each absent one has
    /// been reported), and it is returned only if nothing is at fault.
    pub fn finish_with<T>(mut self, value: Option<T>) -> Result<T, Invalid> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            None if self.0.is_empty() => {
                self.add("body", "is incomplete");
                Err(Invalid(self.0))
            }
            _ => Err(Invalid(self.0)),
        }
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_at_fault_once_with_its_items() {
        let mut v = Violations::default();
        v.add("eligibility[1]", "unknown code");
        assert!(v.has("eligibility"));
        assert!(!v.has("eligibility_reason"));
        assert_eq!(v.require::<u8>("eligibility", None), None);
        v.require::<u8>("title", None);
        v.not_null::<u8>("holder_id", &Some(None));
        v.not_null::<u8>("buyer_id", &None);
        let Err(Invalid(errors)) = v.finish() else {
            panic!("three fields at fault")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["eligibility[1]", "title", "holder_id"]);
        assert_eq!(Violations::default().finish(), Ok(()));
        assert_eq!(Violations::default().finish_with(Some(3)), Ok(3));
        let Err(Invalid(errors)) = Violations::default().finish_with::<u8>(None) else {
            panic!("a value without its fields is refused")
        };
        assert_eq!(errors[0].field, "body");
        let mut v = Violations::default();
        v.add("title", "is required");
        assert!(v.finish_with(Some(3)).is_err());
    }
}
