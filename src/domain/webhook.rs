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
}
