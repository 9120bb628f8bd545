//! Where a delivery may connect: the host's addresses, resolved and
//! judged by `domain::webhook::refusal` (Svix's way: filter after
//! resolution, then connect to what was judged, never resolving twice).

use std::net::{SocketAddr, ToSocketAddrs};

use crate::domain::webhook::{refusal, Destinations, Target};

/// Why a target is not called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// It resolves to an address deliveries may not reach.
    Refused(String),
    /// It does not resolve (now): a failure to retry.
    Unresolved(String),
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreachable::Refused(why) | Unreachable::Unresolved(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Unreachable {}

/// The addresses to connect to for `target`, every one of them allowed;
/// blocking (the system's resolver).
pub fn resolve(target: &Target, d: &Destinations) -> Result<Vec<SocketAddr>, Unreachable> {
    lookup(&target.host, target.port, d)
}

/// [`resolve`] for a host and port.
pub fn lookup(host: &str, port: u16, d: &Destinations) -> Result<Vec<SocketAddr>, Unreachable> {
    let addrs: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (host, port)
            .to_socket_addrs()
            .map_err(|e| Unreachable::Unresolved(format!("{host} does not resolve: {e}")))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Unreachable::Unresolved(format!("{host} has no address")));
    }
    // One address refused refuses the host: a name that resolves to a
    // public and a private address is pointing inside.
    for a in &addrs {
        if let Some(why) = refusal(a.ip(), d) {
            return Err(Unreachable::Refused(format!(
                "{host} resolves to {}, {why}, which deliveries may not reach \
                 (WEBHOOK_ALLOWED_NETWORKS may list it)",
                a.ip()
            )));
        }
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::webhook::parse_url;

    #[test]
    fn the_usual_ways_inside_are_refused_by_default() {
        let d = Destinations::default();
        for url in [
            "https://localhost/",
            "https://127.0.0.1/",
            "https://10.0.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
        ] {
            let t = parse_url(url, &d).unwrap();
            assert!(
                matches!(resolve(&t, &d), Err(Unreachable::Refused(_))),
                "{url}"
            );
        }
        let open = Destinations {
            allow_http: true,
            allowed_networks: vec!["127.0.0.0/8".parse().unwrap()],
        };
        let t = parse_url("http://127.0.0.1:9/", &open).unwrap();
        assert_eq!(
            resolve(&t, &open).unwrap(),
            ["127.0.0.1:9".parse().unwrap()]
        );
    }
}
