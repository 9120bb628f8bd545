//! One file per table: rows and the queries on them, always scoped by the
//! caller through `access`.

pub mod beneficiary;
pub mod change;
pub mod contract;
pub mod decp;
pub mod hours;
pub mod idempotency;
pub mod organisation;
pub mod personal_data;
pub mod placement;
pub mod publication;
pub mod stats;
pub mod trail;

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

/// Fails with 412 unless the precondition holds for `version`.
pub fn check_version(
    precondition: &Precondition,
    what: &str,
    version: i32,
) -> crate::error::ApiResult<()> {
    if precondition.holds(version) {
        Ok(())
    } else {
        Err(crate::error::ApiError::PreconditionFailed(format!(
            "the {what} is at version {version}; fetch it again and retry"
        )))
    }
}

/// Keyset condition "after this cursor" on a table's `(created_at, id)`.
#[macro_export]
macro_rules! after_cursor {
    ($table:ident, $cursor:expr) => {{
        let c: $crate::paging::Cursor = $cursor;
        $table::created_at
            .gt(c.created_at)
            .or($table::created_at.eq(c.created_at).and($table::id.gt(c.id)))
    }};
}

/// Orders and pages a boxed list query: by `(created_at, id)`, or by
/// `(updated_at, id)` from `updated_since` on (inclusive) for callers that
/// follow changes. The cursor holds the timestamp of the order in use.
#[macro_export]
macro_rules! keyset_page {
    ($q:ident, $table:ident, $page:expr, $since:expr) => {{
        match $since {
            Some(since) => {
                $q = $q.filter($table::updated_at.ge(since));
                if let Some(c) = $page.after {
                    $q = $q.filter(
                        $table::updated_at
                            .gt(c.created_at)
                            .or($table::updated_at.eq(c.created_at).and($table::id.gt(c.id))),
                    );
                }
                $q = $q.order(($table::updated_at.asc(), $table::id.asc()));
            }
            None => {
                if let Some(c) = $page.after {
                    $q = $q.filter($crate::after_cursor!($table, c));
                }
                $q = $q.order(($table::created_at.asc(), $table::id.asc()));
            }
        }
    }};
}
