//! One file per table: rows and the queries on them, always scoped by the
//! caller through `access`.

pub mod organisation;

/// What `If-Match` asks of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`, or no header: any current version.
    Any,
    /// One of these versions must be current.
    Versions(Vec<i32>),
}

impl Precondition {
    pub fn holds(&self, version: i32) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Versions(v) => v.contains(&version),
        }
    }
}
