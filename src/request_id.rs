//! Every request gets an id: the caller's `X-Request-Id` when well-formed
//! (1 to 128 of `A-Za-z0-9._-`), a new UUID otherwise. It is echoed in the
//! response, put in problem bodies (`instance`), recorded in the access
//! trail and written on every log line the request causes.
//!
//! The id travels with the request's future (a task-local), and with the
//! blocking database work it hands to another thread (a thread-local set
//! for the length of that work), so a log line anywhere can name it.

use std::cell::RefCell;

use crate::domain::role::Role;

tokio::task_local! {
    static CURRENT: String;
}

thread_local! {
    static ON_THIS_THREAD: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub const HEADER: &str = "x-request-id";

pub fn well_formed(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The caller's id if well-formed, a new UUID otherwise.
pub fn choose(header: Option<&str>) -> String {
    header
        .filter(|v| well_formed(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The id of the request being served here, if any.
pub fn current() -> Option<String> {
    CURRENT
        .try_with(Clone::clone)
        .ok()
        .or_else(|| ON_THIS_THREAD.with(|c| c.borrow().clone()))
}

/// Runs a request's future with its id in scope.
pub async fn scope<F: std::future::Future>(id: String, f: F) -> F::Output {
    CURRENT.scope(id, f).await
}

/// Runs blocking work (on another thread) under the id of the request that
/// asked for it.
pub fn on_thread<T>(id: Option<String>, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<String>);
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_THIS_THREAD.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let previous = ON_THIS_THREAD.with(|c| c.replace(id));
    let _reset = Reset(previous);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(well_formed("abc-123_X.9"));
        assert!(!well_formed(""));
        assert!(!well_formed("a b"));
        assert!(!well_formed(&"a".repeat(129)));
        assert!(well_formed(&"a".repeat(128)));
        assert_eq!(choose(Some("abc")), "abc");
        assert_ne!(choose(Some("a\u{e9}")), "a\u{e9}");
        assert!(uuid::Uuid::parse_str(&choose(None)).is_ok());
    }

    #[test]
    fn thread_scope_is_restored() {
        assert_eq!(current(), None);
        let inner = on_thread(Some("r1".into()), || {
            let nested = on_thread(Some("r2".into()), current);
            (nested, current())
        });
        assert_eq!(inner, (Some("r2".into()), Some("r1".into())));
        assert_eq!(current(), None);
    }

    #[test]
    fn task_scope() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let seen = rt.block_on(scope("t1".into(), async { current() }));
        assert_eq!(seen, Some("t1".into()));
        assert_eq!(current(), None);
    }
}

/// The id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who made a request, kept for its access-log line once the token has been
/// checked.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
}
