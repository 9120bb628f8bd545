//! One file per table: rows and the queries on them, always scoped by the
//! caller through `access`.

pub mod beneficiary;
pub mod change;
pub mod contract;
pub mod contract_life;
pub mod decp;
pub mod delivery;
pub mod demo;
pub mod esf;
pub mod history;
pub mod hours;
pub mod idempotency;
pub mod named;
pub mod offer;
pub mod operation;
pub mod organisation;
pub mod outcome;
pub mod personal_data;
pub mod placement;
pub mod proposal;
pub mod publication;
pub mod report;
pub mod stats;
pub mod territory;
pub mod trail;
pub mod webhook;
pub mod worklist;

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

/// Orders and pages a boxed list query on a record table, in the order of
/// its [`PageRequest`](crate::paging::PageRequest): by `(created_at, id)`,
/// or by `(updated_at, id)` from `updated_since` on (inclusive) for callers
/// that follow changes; after the request's key, one row more than the page.
macro_rules! keyset_page {
    ($q:ident, $table:ident, $page:expr) => {{
        let page: &$crate::paging::PageRequest = &$page;
        match page.order {
            $crate::paging::Order::UpdatedSince(since) => {
                $q = $q.filter($table::updated_at.ge(since));
                if let Some(k) = page.after {
                    $q = $q.filter(
                        $table::updated_at
                            .gt(k.at)
                            .or($table::updated_at.eq(k.at).and($table::id.gt(k.id))),
                    );
                }
                $q = $q.order(($table::updated_at.asc(), $table::id.asc()));
            }
            $crate::paging::Order::Created => {
                if let Some(k) = page.after {
                    $q = $q.filter(
                        $table::created_at
                            .gt(k.at)
                            .or($table::created_at.eq(k.at).and($table::id.gt(k.id))),
                    );
                }
                $q = $q.order(($table::created_at.asc(), $table::id.asc()));
            }
        }
        $q = $q.limit(page.fetch());
    }};
}
pub(crate) use keyset_page;
