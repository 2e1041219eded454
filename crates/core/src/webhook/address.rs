//! Which addresses a webhook may be sent to. A webhook URL is chosen by whoever holds
//! an API key, and the server sends to it from inside its network: without this rule a
//! URL could make the server call its own admin ports, the database, other hosts on the
//! private network or the cloud's metadata service, which hands out credentials
//! (server-side request forgery).
//!
//! The rule judges the addresses a host name *resolved to*, not the name: the server
//! resolves once, checks every address, and connects only to those, so a name cannot
//! point somewhere harmless for the check and somewhere else for the connection.
//!
//! Public addresses are always allowed. Private, loopback, link-local, shared (CGNAT),
//! documentation and reserved ones only when the server runs with
//! `--allow-private-webhook-targets` (for tests and for receivers on a private
//! network), and so is plain `http://`. Some addresses are never a receiver, flag or
//! not: the metadata service (the one address an attacker wants most, and never a
//! webhook receiver), the unspecified address (which Linux connects to this host),
//! broadcast and multicast.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

string_enum!(
    /// What kind of address an IP address is, as far as sending a webhook to it goes.
    AddressClass {
        /// Reachable on the internet: always allowed.
        Public = "public",
        /// This host (127.0.0.0/8, ::1).
        Loopback = "loopback",
        /// A private network (10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10).
        Private = "private",
        /// The local link (169.254/16, fe80::/10).
        LinkLocal = "link_local",
        /// A cloud instance metadata service (169.254.169.254, fd00:ec2::254).
        Metadata = "metadata",
        /// 0.0.0.0 or ::, which reach this host when connected to.
        Unspecified = "unspecified",
        /// 255.255.255.255.
        Broadcast = "broadcast",
        /// 224.0.0.0/4, ff00::/8.
        Multicast = "multicast",
        /// Shared address space of carrier-grade NAT (100.64/10).
        Shared = "shared",
        /// Set aside for examples (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20).
        Documentation = "documentation",
        /// Any other range not routed on the internet (0/8, 192.0.0/24, 198.18/15,
        /// 240/4; IPv6 outside 2000::/3, Teredo, discard-only).
        Reserved = "reserved",
    }
);

impl AddressClass {
    /// Whether a webhook may go to an address of this class when the server allows
    /// private targets (`allow_private`) or not.
    pub fn allowed(self, allow_private: bool) -> bool {
        match self {
            AddressClass::Public => true,
            AddressClass::Loopback
            | AddressClass::Private
            | AddressClass::LinkLocal
            | AddressClass::Shared
            | AddressClass::Documentation
            | AddressClass::Reserved => allow_private,
            AddressClass::Metadata | AddressClass::Unspecified | AddressClass::Broadcast | AddressClass::Multicast => {
                false
            }
        }
    }
}

/// The class of `ip`. An IPv6 address that stands for an IPv4 one (IPv4-mapped
/// `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) is judged as
/// that IPv4 address, because that is where a connection to it ends up.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        AddressClass::Metadata
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_broadcast() {
        AddressClass::Broadcast
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() {
        AddressClass::Private
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else if a == 100 && (64..128).contains(&b) {
        AddressClass::Shared
    } else if ip.is_documentation() {
        AddressClass::Documentation
    } else if a == 0
        || a >= 240
        || (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 88, 99)
        || (a == 198 && (b == 18 || b == 19))
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let segments = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        AddressClass::Metadata
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else if segments[0] & 0xfe00 == 0xfc00 || segments[0] & 0xffc0 == 0xfec0 {
        AddressClass::Private
    } else if segments[0] & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if segments[..2] == [0x2001, 0xdb8] || (segments[0] == 0x3fff && segments[1] & 0xf000 == 0) {
        AddressClass::Documentation
    } else if segments[0] & 0xe000 != 0x2000 || segments[..2] == [0x2001, 0] {
        // Only 2000::/3 is global unicast; Teredo (2001::/32) tunnels to an address
        // that cannot be judged from here.
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms that carry
/// one to a connection: IPv4-mapped, NAT64 (the well-known prefix) and 6to4.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(v4(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(v4(s[1], s[2]))
    } else {
        None
    }
}

/// Why a webhook target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL must start with https://")]
    Scheme,
    #[error("http:// is allowed only when the server allows private webhook targets; use https://")]
    Insecure,
    #[error("the URL is not an absolute http(s) URL with a host")]
    Malformed,
    #[error("the host {host} resolves to no address: {reason}")]
    Unresolved { host: String, reason: String },
    #[error("the host resolves to {address}, a {class} address, which webhooks may not be sent to")]
    Target { address: IpAddr, class: AddressClass },
}

impl Refusal {
    /// The error code an API answer names the refusal by.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Scheme | Refusal::Insecure | Refusal::Malformed => "invalid_url",
            Refusal::Unresolved { .. } => "unresolvable_host",
            Refusal::Target { .. } => "forbidden_target",
        }
    }
}

/// Whether a webhook may be sent to `url` whose host resolved to `resolved`: an
/// `https://` URL (or `http://` with `allow_private`) whose every address is allowed.
pub fn allowed(url: &str, resolved: &[IpAddr], allow_private: bool) -> Result<(), Refusal> {
    scheme_allowed(url, allow_private)?;
    addresses_allowed(host_of(url), resolved, allow_private)
}

/// Whether a webhook may be sent to `host`, which resolved to `resolved`: it resolved
/// to something, and to nothing forbidden. One forbidden address refuses the host,
/// since a connection may use any of them.
pub fn addresses_allowed(host: &str, resolved: &[IpAddr], allow_private: bool) -> Result<(), Refusal> {
    if resolved.is_empty() {
        return Err(Refusal::Unresolved {
            host: host.to_owned(),
            reason: "no address".to_owned(),
        });
    }
    match resolved
        .iter()
        .map(|ip| (*ip, classify(*ip)))
        .find(|(_, class)| !class.allowed(allow_private))
    {
        Some((address, class)) => Err(Refusal::Target { address, class }),
        None => Ok(()),
    }
}

/// Whether the scheme of `url` may be sent to: `https`, or `http` with `allow_private`.
pub fn scheme_allowed(url: &str, allow_private: bool) -> Result<(), Refusal> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("https") => Ok(()),
        Some("http") if allow_private => Ok(()),
        Some("http") => Err(Refusal::Insecure),
        _ => Err(Refusal::Scheme),
    }
}

/// The authority part of `url`, for messages only.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests;
