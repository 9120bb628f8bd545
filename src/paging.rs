//! Cursor paging: lists are ordered by `(created_at, id)`, newest last. A
//! cursor names the last item of a page, so inserts never shift a page and
//! a client never sees an item twice.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::FieldError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// `?limit=&cursor=`, common to every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Where a page starts: after the item with this `(created_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let raw = format!(
            "{}_{}",
            self.created_at.timestamp_micros(),
            self.id.simple()
        );
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        let raw = String::from_utf8(bytes).ok()?;
        let (micros, id) = raw.split_once('_')?;
        let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let id = Uuid::try_parse(id).ok()?;
        Some(Cursor { created_at, id })
    }
}

/// A checked page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl PageParams {
    pub fn check(&self, errors: &mut Vec<FieldError>) -> PageRequest {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError::new("limit", "must be from 1 to 500"));
                DEFAULT_LIMIT
            }
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(s) => match Cursor::decode(s) {
                Some(c) => Some(c),
                None => {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor this service issued: pass a `next_cursor` unchanged",
                    ));
                    None
                }
            },
        };
        PageRequest { limit, after }
    }
}

/// Cuts the one extra row a query fetched (limit + 1) and says where the
/// next page starts; `None` on the page that holds the last item.
pub fn finish<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| key(r).encode());
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            created_at: DateTime::from_timestamp_micros(1_732_537_200_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
    }

    #[test]
    fn garbage_cursor_is_refused() {
        for bad in ["", "abc", "!!!", &URL_SAFE_NO_PAD.encode("12_notauuid")] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limit_bounds() {
        let mut errors = vec![];
        let p = PageParams {
            limit: Some(0),
            cursor: None,
        };
        p.check(&mut errors);
        assert_eq!(errors[0].field, "limit");
        let mut errors = vec![];
        let r = PageParams {
            limit: Some(500),
            cursor: None,
        }
        .check(&mut errors);
        assert!(errors.is_empty());
        assert_eq!(r.limit, 500);
        PageParams {
            limit: Some(501),
            cursor: None,
        }
        .check(&mut errors);
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn finish_sets_next_cursor_only_when_more_rows() {
        let key = |n: &u32| Cursor {
            created_at: DateTime::from_timestamp_micros(i64::from(*n)).unwrap(),
            id: Uuid::nil(),
        };
        let (rows, next) = finish(vec![1, 2, 3], 2, key);
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(next, Some(key(&2).encode()));
        let (rows, next) = finish(vec![1, 2], 2, key);
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(next, None);
    }
}
