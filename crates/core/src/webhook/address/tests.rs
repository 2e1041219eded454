//! Every class with the edges of its ranges, the IPv6 forms that stand for IPv4
//! addresses, and what `allowed` decides with and without the private-target flag.

use std::net::IpAddr;

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn assert_class(class: AddressClass, addresses: &[&str]) {
    for address in addresses {
        assert_eq!(classify(ip(address)), class, "{address}");
    }
}

#[test]
fn loopback_addresses_are_all_of_127_slash_8_and_ipv6_one() {
    assert_class(
        AddressClass::Loopback,
        &["127.0.0.1", "127.0.0.0", "127.255.255.255", "127.1.2.3", "::1"],
    );
}

#[test]
fn private_addresses_are_the_rfc_1918_ranges_and_ipv6_unique_local() {
    assert_class(
        AddressClass::Private,
        &[
            "10.0.0.0",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.0",
            "172.31.255.255",
            "192.168.0.0",
            "192.168.255.255",
            "fc00::",
            "fd12:3456::1",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "fec0::1",
        ],
    );
    assert_class(
        AddressClass::Public,
        &[
            "9.255.255.255",
            "11.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
        ],
    );
    assert_class(AddressClass::Reserved, &["fbff::1"]);
}

#[test]
fn link_local_addresses_are_169_254_slash_16_and_fe80_slash_10() {
    assert_class(
        AddressClass::LinkLocal,
        &[
            "169.254.0.0",
            "169.254.0.1",
            "169.254.169.253",
            "169.254.255.255",
            "fe80::1",
            "febf::ffff",
        ],
    );
    assert_class(AddressClass::Public, &["169.253.255.255", "169.255.0.0"]);
}

#[test]
fn the_metadata_service_is_its_own_class_in_ipv4_and_ipv6() {
    assert_class(
        AddressClass::Metadata,
        &["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"],
    );
    assert_class(AddressClass::Private, &["fd00:ec2::253"]);
}

#[test]
fn unspecified_broadcast_and_multicast_addresses_are_recognised() {
    assert_class(AddressClass::Unspecified, &["0.0.0.0", "::", "::ffff:0.0.0.0"]);
    assert_class(AddressClass::Broadcast, &["255.255.255.255"]);
    assert_class(
        AddressClass::Multicast,
        &["224.0.0.0", "224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::101"],
    );
}

#[test]
fn shared_cgnat_space_is_100_64_slash_10() {
    assert_class(
        AddressClass::Shared,
        &["100.64.0.0", "100.100.100.200", "100.127.255.255"],
    );
    assert_class(AddressClass::Public, &["100.63.255.255", "100.128.0.0"]);
}

#[test]
fn documentation_ranges_are_recognised_in_ipv4_and_ipv6() {
    assert_class(
        AddressClass::Documentation,
        &[
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.255",
            "2001:db8::1",
            "3fff::1",
            "3fff:fff::1",
        ],
    );
    assert_class(
        AddressClass::Public,
        &["192.0.3.1", "203.0.114.1", "2001:db9::1", "3fff:1000::1"],
    );
}

#[test]
fn other_ranges_not_routed_on_the_internet_are_reserved() {
    assert_class(
        AddressClass::Reserved,
        &[
            "0.0.0.1",
            "0.255.255.255",
            "192.0.0.8",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.254",
            "::2",
            "100::1",
            "2001::1",
            "4000::1",
            "::1.2.3.4",
        ],
    );
    assert_class(
        AddressClass::Public,
        &["198.17.255.255", "198.20.0.0", "223.255.255.255"],
    );
}

#[test]
fn ordinary_internet_addresses_are_public() {
    assert_class(
        AddressClass::Public,
        &[
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450:4001:81b::200e",
            "2001:4860::1",
        ],
    );
}

#[test]
fn ipv6_forms_of_ipv4_addresses_are_judged_as_the_ipv4_address() {
    assert_class(
        AddressClass::Loopback,
        &["::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"],
    );
    assert_class(
        AddressClass::Private,
        &["::ffff:10.0.0.1", "64:ff9b::10.1.2.3", "2002:c0a8:101::"],
    );
    assert_class(
        AddressClass::Metadata,
        &["64:ff9b::169.254.169.254", "2002:a9fe:a9fe::1"],
    );
    assert_class(
        AddressClass::Public,
        &["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
    );
}

#[test]
fn the_issues_ssrf_targets_are_refused_without_the_flag_and_allowed_with_it() {
    for address in ["127.0.0.1", "10.0.0.1", "::1", "192.168.1.1", "100.64.0.1", "fe80::1"] {
        let refused = allowed("https://hook.test/in", &[ip(address)], false);
        assert!(
            matches!(refused, Err(Refusal::Target { address: a, .. }) if a == ip(address)),
            "{address}"
        );
        assert_eq!(
            allowed("https://hook.test/in", &[ip(address)], true),
            Ok(()),
            "{address}"
        );
    }
}

#[test]
fn the_metadata_service_unspecified_broadcast_and_multicast_are_refused_even_with_the_flag() {
    for address in [
        "169.254.169.254",
        "fd00:ec2::254",
        "0.0.0.0",
        "::",
        "255.255.255.255",
        "224.0.0.1",
        "ff02::1",
    ] {
        for allow_private in [false, true] {
            let refused = allowed("https://hook.test/in", &[ip(address)], allow_private);
            assert_eq!(
                refused,
                Err(Refusal::Target {
                    address: ip(address),
                    class: classify(ip(address))
                }),
                "{address} {allow_private}"
            );
        }
    }
}

#[test]
fn one_forbidden_address_among_the_resolved_ones_refuses_the_target() {
    let resolved = [ip("93.184.216.34"), ip("10.0.0.1"), ip("8.8.8.8")];
    assert_eq!(
        allowed("https://hook.test", &resolved, false),
        Err(Refusal::Target {
            address: ip("10.0.0.1"),
            class: AddressClass::Private
        })
    );
    assert_eq!(
        allowed("https://hook.test", &[ip("93.184.216.34"), ip("2606:4700::1")], false),
        Ok(())
    );
}

#[test]
fn a_host_that_resolved_to_nothing_is_refused() {
    assert_eq!(
        allowed("https://nowhere.test:8443/in?x=1", &[], true),
        Err(Refusal::Unresolved {
            host: "nowhere.test:8443".into(),
            reason: "no address".into()
        })
    );
}

#[test]
fn http_needs_the_flag_and_other_schemes_are_never_allowed() {
    let public = [ip("93.184.216.34")];
    assert_eq!(allowed("https://hook.test", &public, false), Ok(()));
    assert_eq!(allowed("HTTPS://hook.test", &public, false), Ok(()));
    assert_eq!(allowed("http://hook.test", &public, false), Err(Refusal::Insecure));
    assert_eq!(allowed("http://hook.test", &public, true), Ok(()));
    for url in [
        "ftp://hook.test",
        "file:///etc/passwd",
        "hook.test",
        "gopher://x",
        "",
        "https:/x",
    ] {
        assert_eq!(allowed(url, &public, true), Err(Refusal::Scheme), "{url}");
    }
}

#[test]
fn every_refusal_has_an_error_code_and_a_message() {
    let refusals = [
        Refusal::Scheme,
        Refusal::Insecure,
        Refusal::Malformed,
        Refusal::Unresolved {
            host: "h".into(),
            reason: "r".into(),
        },
        Refusal::Target {
            address: ip("10.0.0.1"),
            class: AddressClass::Private,
        },
    ];
    let codes: Vec<&str> = refusals.iter().map(Refusal::code).collect();
    assert_eq!(
        codes,
        [
            "invalid_url",
            "invalid_url",
            "invalid_url",
            "unresolvable_host",
            "forbidden_target"
        ]
    );
    assert!(refusals[4].to_string().contains("10.0.0.1, a private address"));
}

#[test]
fn only_public_addresses_are_allowed_without_the_flag() {
    for class in AddressClass::ALL {
        assert_eq!(class.allowed(false), *class == AddressClass::Public, "{class}");
    }
}
