//! Webhook subscriptions' rules (API.md, "Webhooks"): the events one may
//! name, the addresses one may point at. Pure: resolving a host is the
//! caller's; judging each address it resolves to is here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::error::Violations;

/// The entity types of the change feed (the migration `change_feed`'s
/// check on `changes.entity`): what `events` may name.
pub const EVENT_TYPES: &[&str] = &[
    "contract",
    "beneficiary",
    "placement",
    "hours",
    "outcome",
    "operation",
    "offer",
    "proposal",
    "order",
    "amendment",
    "report",
];

/// The longest URL kept.
pub const MAX_URL_LENGTH: usize = 2048;

/// `events` sorted and without repeats; an unknown type is a violation on
/// `events` naming it. Empty: every event.
pub fn check_events(events: Vec<String>, v: &mut Violations) -> Vec<String> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if !EVENT_TYPES.contains(&e.as_str()) {
            v.add(
                "events",
                format!(
                    "{e:?} is not an entity type of the change feed (one of {})",
                    EVENT_TYPES.join(", ")
                ),
            );
        } else if !out.contains(&e) {
            out.push(e);
        }
    }
    out.sort();
    out
}

/// A subscription's own fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFields {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
}

/// The longest description kept.
pub const MAX_DESCRIPTION_LENGTH: usize = 1000;

/// `f` checked, with its URL's target; each fault on its field.
pub fn check(
    f: WebhookFields,
    d: &Destinations,
    v: &mut Violations,
) -> Option<(WebhookFields, Target)> {
    let target = match parse_url(&f.url, d) {
        Ok(t) => Some(t),
        Err(why) => {
            v.add("url", why);
            None
        }
    };
    let events = check_events(f.events, v);
    let description = f
        .description
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if description
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_DESCRIPTION_LENGTH)
    {
        v.add(
            "description",
            format!("is longer than {MAX_DESCRIPTION_LENGTH} characters"),
        );
    }
    let target = target?;
    Some((
        WebhookFields {
            url: target.url.to_string(),
            events,
            description,
            enabled: f.enabled,
        },
        target,
    ))
}

/// Where deliveries may go, from the environment.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    /// `WEBHOOK_ALLOW_HTTP=true`: `http://` URLs too.
    pub allow_http: bool,
    /// `WEBHOOK_ALLOWED_NETWORKS`: networks allowed although not public.
    pub allowed_networks: Vec<IpNet>,
}

/// A subscription's URL as a client will call it: its host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
}

/// The URL's form: absolute, `https://` (or `http://` when allowed), a
/// host, no user name or password (they would be sent to a third party in
/// the clear of every log that prints the URL). Says why not otherwise.
pub fn parse_url(text: &str, d: &Destinations) -> Result<Target, String> {
    if text.len() > MAX_URL_LENGTH {
        return Err(format!("is longer than {MAX_URL_LENGTH} characters"));
    }
    let url = url::Url::parse(text.trim()).map_err(|e| format!("is not an absolute URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if d.allow_http => {}
        "http" => {
            return Err(
                "must start with https:// (this deployment does not deliver over plain HTTP)"
                    .into(),
            )
        }
        other => return Err(format!("must be https://, not {other}://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("must not hold a fragment (#...)".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        None => return Err("has no host".into()),
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "has no port".to_string())?;
    Ok(Target { url, host, port })
}

/// Why an address may not be called, `None` when it may: every address
/// that is not public (loopback, private, link-local, CGNAT, multicast,
/// unspecified, reserved, documentation, and their IPv6 forms) unless
/// an allowed network holds it. An IPv4-mapped (or NAT64-embedded) IPv6
/// address is judged as its IPv4 address.
pub fn refusal(ip: IpAddr, d: &Destinations) -> Option<&'static str> {
    let ip = canonical(ip);
    if d.allowed_networks.iter().any(|n| n.contains(&ip)) {
        return None;
    }
    match ip {
        IpAddr::V4(a) => v4_refusal(a),
        IpAddr::V6(a) => v6_refusal(a),
    }
}

/// An IPv4 address in an IPv6 form (`::ffff:a.b.c.d`, NAT64's
/// `64:ff9b::a.b.c.d`) as itself.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = a.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a0, a1] = s[6].to_be_bytes();
                let [a2, a3] = s[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a0, a1, a2, a3));
            }
            ip
        }
        v4 => v4,
    }
}

fn in_v4(a: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (u32::from(a) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn v4_refusal(a: Ipv4Addr) -> Option<&'static str> {
    const RULES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "an unspecified (this-network) address"),
        ([127, 0, 0, 0], 8, "a loopback address"),
        ([10, 0, 0, 0], 8, "a private address"),
        ([172, 16, 0, 0], 12, "a private address"),
        ([192, 168, 0, 0], 16, "a private address"),
        ([169, 254, 0, 0], 16, "a link-local address"),
        ([100, 64, 0, 0], 10, "a shared (CGNAT) address"),
        ([192, 0, 0, 0], 24, "an IETF protocol address"),
        ([192, 0, 2, 0], 24, "a documentation address"),
        ([198, 51, 100, 0], 24, "a documentation address"),
        ([203, 0, 113, 0], 24, "a documentation address"),
        ([198, 18, 0, 0], 15, "a benchmarking address"),
        ([224, 0, 0, 0], 4, "a multicast address"),
        ([240, 0, 0, 0], 4, "a reserved or broadcast address"),
    ];
    RULES
        .iter()
        .find(|(net, len, _)| in_v4(a, *net, *len))
        .map(|(_, _, why)| *why)
}

fn v6_refusal(a: Ipv6Addr) -> Option<&'static str> {
    let s = a.segments();
    if a.is_unspecified() {
        Some("an unspecified address")
    } else if a.is_loopback() {
        Some("a loopback address")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        Some("a link-local address")
    } else if s[0] & 0xff00 == 0xff00 {
        Some("a multicast address")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("a documentation address")
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated): the IPv4 address it holds.
        Some("an IPv4-compatible address")
    } else if s[0] == 0x2002 || (s[0] == 0x2001 && s[1] == 0) {
        // 6to4 and Teredo tunnel to an IPv4 address they hide.
        Some("a tunnel (6to4 or Teredo) address")
    } else if s[0] == 0x100 && s[1..4] == [0, 0, 0] {
        Some("a discard-only address")
    } else {
        None
    }
}

/// What one attempt to deliver a change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx.
    Delivered(u16),
    /// Another status: retried, except 410.
    Answered(u16),
    /// No answer: refused connection, timeout, TLS, a secret that cannot
    /// be opened.
    Failed(String),
    /// Not called: the host resolves to an address deliveries may not
    /// reach.
    Refused(String),
}

impl Attempt {
    pub fn from_status(status: u16) -> Attempt {
        if (200..300).contains(&status) {
            Attempt::Delivered(status)
        } else {
            Attempt::Answered(status)
        }
    }

    pub fn status_code(&self) -> Option<u16> {
        match self {
            Attempt::Delivered(s) | Attempt::Answered(s) => Some(*s),
            Attempt::Failed(_) | Attempt::Refused(_) => None,
        }
    }

    /// The outcome's name in the metrics and the log.
    pub fn outcome(&self) -> &'static str {
        match self {
            Attempt::Delivered(_) => "delivered",
            Attempt::Answered(410) => "gone",
            Attempt::Answered(_) => "failed",
            Attempt::Failed(_) => "unreachable",
            Attempt::Refused(_) => "refused",
        }
    }
}

/// What follows an attempt that did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try the same change again after this long; `attempts` so far.
    Retry {
        attempts: i32,
        after: std::time::Duration,
    },
    /// Stop: the subscription is disabled for this reason.
    Disable(String),
}

/// After the `attempts`-th failed attempt of a change (1 for the first),
/// given the retry schedule and a uniform draw in `0..=u32::MAX` for the
/// jitter (±20 %, so that subscriptions failing together do not retry
/// together). A 410 disables at once; the schedule spent, so does the
/// next failure.
pub fn after_failure(
    attempts: i32,
    attempt: &Attempt,
    schedule: &[std::time::Duration],
    draw: u32,
) -> AfterFailure {
    if attempt.status_code() == Some(410) {
        return AfterFailure::Disable("the receiver answered 410 Gone".into());
    }
    let Some(wait) = usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| schedule.get(i))
    else {
        return AfterFailure::Disable(format!(
            "{attempts} attempts failed to deliver one change; the last: {}",
            describe(attempt)
        ));
    };
    // 0.8 to 1.2 of the wait, in millionths to stay in integers.
    let factor = 800_000 + u64::from(draw) * 400_000 / u64::from(u32::MAX);
    let micros = (wait.as_micros() as u64).saturating_mul(factor) / 1_000_000;
    AfterFailure::Retry {
        attempts,
        after: std::time::Duration::from_micros(micros),
    }
}

/// An attempt in a sentence, for the log of attempts and a disabled
/// subscription's reason.
pub fn describe(attempt: &Attempt) -> String {
    match attempt {
        Attempt::Delivered(s) | Attempt::Answered(s) => format!("HTTP {s}"),
        Attempt::Failed(e) => e.clone(),
        Attempt::Refused(e) => format!("refused: {e}"),
    }
}

/// A message's `webhook-id`: one per change and subscription, the same on
/// every retry and replay (a receiver deduplicates on it), and telling
/// nothing of either.
pub fn message_id(webhook: uuid::Uuid, xid: u64, seq: i64) -> String {
    let mut input = Vec::with_capacity(32);
    input.extend_from_slice(webhook.as_bytes());
    input.extend_from_slice(&xid.to_be_bytes());
    input.extend_from_slice(&seq.to_be_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &input);
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("msg_{hex}")
}

/// A message's `type`: the feed's entity and operation.
pub fn message_type(entity: &str, op: &str) -> String {
    format!("{entity}.{op}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Destinations {
        Destinations::default()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_address_that_is_not_public_is_refused() {
        for a in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::127.0.0.1",
            "2002:7f00:1::1",
        ] {
            assert!(refusal(ip(a), &d()).is_some(), "{a} was let through");
        }
        for a in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a01:4f8::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(refusal(ip(a), &d()), None, "{a} was refused");
        }
    }

    #[test]
    fn an_allowed_network_opens_its_addresses_only() {
        let open = Destinations {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
        };
        assert_eq!(refusal(ip("127.0.0.1"), &open), None);
        assert_eq!(refusal(ip("::ffff:127.0.0.1"), &open), None);
        assert!(refusal(ip("10.0.0.1"), &open).is_some());
        assert!(refusal(ip("::1"), &open).is_some());
    }

    #[test]
    fn urls_are_https_with_a_host_and_no_credentials() {
        let t = parse_url("https://hooks.example.org/clauses?x=1", &d()).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("hooks.example.org", 443));
        let t = parse_url("https://[::ffff:127.0.0.1]:8443/", &d()).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::ffff:127.0.0.1", 8443));
        assert!(parse_url("http://hooks.example.org/", &d()).is_err());
        let http = Destinations {
            allow_http: true,
            ..d()
        };
        assert_eq!(parse_url("http://h.example/", &http).unwrap().port, 80);
        for bad in [
            "ftp://h.example/",
            "https://user:pw@h.example/",
            "/relative",
            "https://h.example/#frag",
            "not a url",
        ] {
            assert!(parse_url(bad, &http).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_are_the_feeds_entity_types() {
        let mut v = Violations::default();
        let e = check_events(
            vec!["placement".into(), "contract".into(), "placement".into()],
            &mut v,
        );
        assert_eq!(e, ["contract", "placement"]);
        assert!(v.finish().is_ok());
        let mut v = Violations::default();
        check_events(vec!["contract.create".into()], &mut v);
        assert!(v.finish().is_err());
    }

    #[test]
    fn failures_follow_the_schedule_with_jitter_then_disable() {
        use std::time::Duration;
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        let fail = Attempt::Answered(500);
        let mid = u32::MAX / 2;
        match after_failure(1, &fail, &schedule, mid) {
            AfterFailure::Retry { attempts, after } => {
                assert_eq!(attempts, 1);
                assert!((after.as_millis() as i64 - 5000).abs() <= 1, "{after:?}");
            }
            other => panic!("{other:?}"),
        }
        let low = after_failure(2, &fail, &schedule, 0);
        let high = after_failure(2, &fail, &schedule, u32::MAX);
        assert_eq!(
            low,
            AfterFailure::Retry {
                attempts: 2,
                after: Duration::from_secs(240)
            }
        );
        assert_eq!(
            high,
            AfterFailure::Retry {
                attempts: 2,
                after: Duration::from_secs(360)
            }
        );
        match after_failure(3, &Attempt::Failed("timed out".into()), &schedule, mid) {
            AfterFailure::Disable(why) => assert!(
                why.contains("3 attempts") && why.contains("timed out"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            after_failure(1, &Attempt::Answered(410), &schedule, mid),
            AfterFailure::Disable(_)
        ));
    }

    #[test]
    fn outcomes_and_message_ids() {
        assert_eq!(Attempt::from_status(204), Attempt::Delivered(204));
        assert_eq!(Attempt::from_status(302).outcome(), "failed");
        assert_eq!(Attempt::from_status(410).outcome(), "gone");
        let w = uuid::Uuid::from_u128(7);
        let id = message_id(w, 10, 3);
        assert_eq!(id, message_id(w, 10, 3));
        assert_ne!(id, message_id(w, 10, 4));
        assert_ne!(id, message_id(uuid::Uuid::from_u128(8), 10, 3));
        assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
        assert_eq!(message_type("contract", "update"), "contract.update");
    }
}
