//! Keyset paging, one way for every list. A list is ordered by a key that
//! never repeats; a page's cursor names the key of its last row, so inserts
//! never shift a page and a client never sees a row twice.
//!
//! - [`PageKey`]: what a cursor holds and how it is written (opaque to
//!   callers: base64 of the key).
//! - [`Keyed`]: a row that knows its key in the list's order.
//! - [`PageRequest`]: a checked `limit` and `cursor` (and, for lists that
//!   follow changes, `updated_since`), read from any [`ListQuery`].
//! - [`Page`]: the rows of one page and the cursor of the next.
//!
//! The SQL side is `keyset_page!` in `models`: one macro for every table.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::violations::Violations;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The key a list is ordered by, written into its cursors.
pub trait PageKey: Sized + Copy {
    fn encode(&self) -> String;
    fn decode(s: &str) -> Option<Self>;
    /// What a cursor that does not decode is told.
    const REFUSAL: &'static str =
        "is not a cursor this service issued: pass a `next_cursor` unchanged";
}

/// The order of the lists of records: by creation, or, for callers that
/// follow changes (`updated_since`), by last change from that instant on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Created,
    UpdatedSince(DateTime<Utc>),
}

/// A position in a list of records: the timestamp of the order in use
/// (`created_at`, or `updated_at` under `updated_since`) and the id that
/// breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeKey {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl PageKey for TimeKey {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}_{}",
            self.at.timestamp_micros(),
            self.id.simple()
        ))
    }

    fn decode(s: &str) -> Option<TimeKey> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let (micros, id) = raw.split_once('_')?;
        Some(TimeKey {
            at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: Uuid::try_parse(id).ok()?,
        })
    }
}

/// A position in an append-only list numbered by the database (the access
/// trail): the number of the last entry seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqKey(pub i64);

impl PageKey for SeqKey {
    // Written `t<n>` since the trail was first served; cursors already
    // handed out keep working.
    fn encode(&self) -> String {
        format!("t{}", self.0)
    }

    fn decode(s: &str) -> Option<SeqKey> {
        s.strip_prefix('t')?.parse().ok().map(SeqKey)
    }
}

/// A row of a list, which knows its key in the list's order.
pub trait Keyed {
    type Key: PageKey;
    fn key(&self, order: Order) -> Self::Key;
}

/// The rows of the record tables: `id`, `created_at`, `updated_at`.
pub trait Timestamped {
    fn id(&self) -> Uuid;
    fn created_at(&self) -> DateTime<Utc>;
    fn updated_at(&self) -> DateTime<Utc>;
}

impl<T: Timestamped> Keyed for T {
    type Key = TimeKey;

    fn key(&self, order: Order) -> TimeKey {
        TimeKey {
            at: match order {
                Order::Created => self.created_at(),
                Order::UpdatedSince(_) => self.updated_at(),
            },
            id: self.id(),
        }
    }
}

/// Implements [`Timestamped`] for row structs with those three fields.
macro_rules! timestamped {
    ($($row:ty),+ $(,)?) => {$(
        impl $crate::paging::Timestamped for $row {
            fn id(&self) -> uuid::Uuid {
                self.id
            }
            fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.created_at
            }
            fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.updated_at
            }
        }
    )+};
}
pub(crate) use timestamped;

/// The query parameters every list shares. A list's query struct declares
/// them (so the OpenAPI document lists them beside its filters) and says
/// where they are.
pub trait ListQuery {
    /// The name of the cursor parameter (`cursor`; the change feed's is `after`).
    const CURSOR: &'static str = "cursor";
    fn limit(&self) -> Option<i64>;
    fn cursor(&self) -> Option<&str>;
    fn updated_since(&self) -> Option<DateTime<Utc>> {
        None
    }
}

/// A checked page request: how many rows, after which key, in which order.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<K = TimeKey> {
    pub limit: i64,
    pub after: Option<K>,
    pub order: Order,
}

impl<K: PageKey> PageRequest<K> {
    /// Reads the paging parameters of a list query, noting what is wrong.
    pub fn of<Q: ListQuery>(q: &Q, v: &mut Violations) -> PageRequest<K> {
        let limit = match q.limit() {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                v.add("limit", format!("must be from 1 to {MAX_LIMIT}"));
                DEFAULT_LIMIT
            }
        };
        let after = match q.cursor() {
            None | Some("") => None,
            Some(s) => K::decode(s).or_else(|| {
                v.add(Q::CURSOR, K::REFUSAL);
                None
            }),
        };
        let order = q
            .updated_since()
            .map_or(Order::Created, Order::UpdatedSince);
        PageRequest {
            limit,
            after,
            order,
        }
    }

    /// The rows a query should fetch: one more than the page, to know
    /// whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the page holding the last row.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Cuts the extra row a query fetched ([`PageRequest::fetch`]) and
    /// names the next page after the last row kept.
    pub fn cut(mut rows: Vec<T>, page: &PageRequest<T::Key>) -> Page<T>
    where
        T: Keyed,
    {
        let limit = usize::try_from(page.limit).unwrap_or(0);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| r.key(page.order).encode())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Row {
        id: Uuid,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    }
    timestamped!(Row);

    #[derive(Default)]
    struct Q {
        limit: Option<i64>,
        cursor: Option<String>,
        since: Option<DateTime<Utc>>,
    }

    impl ListQuery for Q {
        fn limit(&self) -> Option<i64> {
            self.limit
        }
        fn cursor(&self) -> Option<&str> {
            self.cursor.as_deref()
        }
        fn updated_since(&self) -> Option<DateTime<Utc>> {
            self.since
        }
    }

    fn at(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap()
    }

    fn row(n: i64) -> Row {
        Row {
            id: Uuid::from_u128(n as u128),
            created_at: at(n),
            updated_at: at(1000 + n),
        }
    }

    #[test]
    fn keys_round_trip() {
        let k = TimeKey {
            at: at(1_732_537_200_123_456),
            id: Uuid::new_v4(),
        };
        assert_eq!(TimeKey::decode(&k.encode()), Some(k));
        assert_eq!(SeqKey::decode(&SeqKey(42).encode()), Some(SeqKey(42)));
    }

    #[test]
    fn garbage_cursors_are_refused_on_the_cursor_parameter() {
        for bad in ["abc", "!!!", &URL_SAFE_NO_PAD.encode("12_notauuid")] {
            assert_eq!(TimeKey::decode(bad), None, "{bad}");
            let mut v = Violations::default();
            let q = Q {
                cursor: Some(bad.into()),
                ..Q::default()
            };
            let page = PageRequest::<TimeKey>::of(&q, &mut v);
            assert!(page.after.is_none());
            assert!(v.has("cursor"), "{bad}");
        }
        for bad in ["", "t", "tx", "12", "t1.5"] {
            assert_eq!(SeqKey::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limit_bounds() {
        for (limit, ok) in [
            (0, false),
            (1, true),
            (500, true),
            (501, false),
            (-3, false),
        ] {
            let mut v = Violations::default();
            let q = Q {
                limit: Some(limit),
                ..Q::default()
            };
            let page = PageRequest::<TimeKey>::of(&q, &mut v);
            assert_eq!(!v.has("limit"), ok, "{limit}");
            assert_eq!(page.limit, if ok { limit } else { DEFAULT_LIMIT });
        }
    }

    #[test]
    fn a_page_names_the_next_only_when_more_rows_follow() {
        let mut v = Violations::default();
        let page = PageRequest::<TimeKey>::of(
            &Q {
                limit: Some(2),
                ..Q::default()
            },
            &mut v,
        );
        assert_eq!(page.fetch(), 3);
        let full = Page::cut(vec![row(1), row(2), row(3)], &page);
        assert_eq!(full.items, vec![row(1), row(2)]);
        assert_eq!(
            full.next_cursor,
            Some(
                TimeKey {
                    at: at(2),
                    id: row(2).id
                }
                .encode()
            )
        );
        let last = Page::cut(vec![row(1), row(2)], &page);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn under_updated_since_the_key_is_the_last_change() {
        let mut v = Violations::default();
        let page = PageRequest::<TimeKey>::of(
            &Q {
                limit: Some(1),
                since: Some(at(5)),
                ..Q::default()
            },
            &mut v,
        );
        assert_eq!(page.order, Order::UpdatedSince(at(5)));
        let cut = Page::cut(vec![row(1), row(2)], &page);
        let key = TimeKey::decode(cut.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(key.at, at(1001));
    }
}
