// SPDX-License-Identifier: GPL-2.0

use std::collections::HashSet;
use std::format;
use std::string::String;

use crate::naming::*;
use crate::rng::Rng;

fn name(f: PortFlavour) -> String {
    let mut b = NameBuf::new();
    phys_port_name(f, &mut b).expect("port name fits");
    String::from_utf8(b.as_bytes().to_vec()).unwrap()
}

#[test]
fn phys_port_names_match_devlink() {
    assert_eq!(name(PortFlavour::Physical { port: 0 }), "p0");
    assert_eq!(name(PortFlavour::Physical { port: 17 }), "p17");
    assert_eq!(name(PortFlavour::PciVf { pf: 0, vf: 3 }), "pf0vf3");
    assert_eq!(name(PortFlavour::PciSf { pf: 0, sf: 88 }), "pf0sf88");
}

#[test]
fn name_buf_is_nul_terminated_and_bounded() {
    let mut b = NameBuf::new();
    netdev_name(b"sw0", b"pf0vf255", &mut b).unwrap();
    assert_eq!(b.as_bytes(), b"sw0pf0vf255");
    assert_eq!(b.as_bytes_with_nul(), b"sw0pf0vf255\0");

    let mut b = NameBuf::new();
    assert_eq!(
        netdev_name(b"abcdefgh", b"pf0vf2550", &mut b),
        Err(NameError::TooLong)
    );
    // Exactly IFNAMSIZ - 1 characters fit.
    let mut b = NameBuf::new();
    netdev_name(b"abcdefg", b"pf0vf255", &mut b).unwrap();
    assert_eq!(b.as_bytes().len(), IFNAMSIZ_MAX);
}

#[test]
fn every_valid_device_name_fits_every_vf_port_name() {
    let longest_dev = [b'z'; MAX_DEVICE_NAME];
    validate_device_name(&longest_dev).unwrap();
    for vf in 0..=255u16 {
        let mut port = NameBuf::new();
        phys_port_name(PortFlavour::PciVf { pf: 0, vf }, &mut port).unwrap();
        let mut b = NameBuf::new();
        netdev_name(&longest_dev, port.as_bytes(), &mut b).unwrap();
    }
}

#[test]
fn device_name_rules() {
    for ok in ["a", "sw0", "nic_1", "a-b", "abcdefg"] {
        assert_eq!(validate_device_name(ok.as_bytes()), Ok(()), "{ok}");
    }
    assert_eq!(validate_device_name(b""), Err(NameError::Empty));
    assert_eq!(validate_device_name(b"abcdefgh"), Err(NameError::TooLong));
    for bad in ["0sw", "Sw0", "sw 0", "sw/0", "sw.0", "_sw", "sw\n"] {
        assert_eq!(
            validate_device_name(bad.as_bytes()),
            Err(NameError::BadChar),
            "{bad:?}"
        );
    }
}

#[test]
fn random_device_names_agree_with_the_rule() {
    let mut rng = Rng::new(7);
    let alphabet = b"abz09_-A./ \n";
    for _ in 0..20_000 {
        let len = rng.below(10) as usize;
        let s: std::vec::Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        let expect_ok = !s.is_empty()
            && s.len() <= MAX_DEVICE_NAME
            && s[0].is_ascii_lowercase()
            && s.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-');
        assert_eq!(
            validate_device_name(&s).is_ok(),
            expect_ok,
            "{:?}",
            String::from_utf8_lossy(&s)
        );
    }
}

#[test]
fn macs_are_unique_local_unicast() {
    let mut seen = HashSet::new();
    for dev in 0..64u32 {
        for port in 0..64u32 {
            let mac = port_mac(dev, port);
            assert_eq!(mac[0] & 1, 0, "unicast");
            assert_eq!(mac[0] & 2, 2, "locally administered");
            assert!(seen.insert(mac), "duplicate MAC for {dev}/{port}");
        }
    }
}

#[test]
fn switch_ids_differ_per_device() {
    let ids: HashSet<_> = (0..1000u32).map(switch_id).collect();
    assert_eq!(ids.len(), 1000);
}

#[test]
fn u32_attribute_parsing() {
    assert_eq!(parse_u32_in(b"2\n", 1, 8), Some(2));
    assert_eq!(parse_u32_in(b" 8 ", 1, 8), Some(8));
    assert_eq!(parse_u32_in(b"1", 1, 8), Some(1));
    for bad in [
        &b"0\n"[..],
        b"9",
        b"",
        b"\n",
        b"-1",
        b"2x",
        b"0x2",
        b"4294967296",
        b"\xff",
    ] {
        assert_eq!(
            parse_u32_in(bad, 1, 8),
            None,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        parse_u32_in(format!("{}", u32::MAX).as_bytes(), 0, u32::MAX),
        Some(u32::MAX)
    );
}

#[test]
fn wire_attribute_parsing() {
    assert_eq!(parse_wire("0 veth0"), Some((0, Some("veth0"))));
    assert_eq!(parse_wire("p1 eth1"), Some((1, Some("eth1"))));
    assert_eq!(parse_wire("  1   -  "), Some((1, None)));
    for bad in [
        "",
        "0",
        "veth0",
        "x veth0",
        "0 a b",
        "256 veth0",
        "0 a/b",
        "0 .",
        "0 ..",
        "0 aaaaaaaaaaaaaaaa",
        "-1 veth0",
    ] {
        assert_eq!(parse_wire(bad), None, "{bad:?}");
    }
}

#[test]
fn function_and_representor_names() {
    let n = func_netdev_name(b"sw0", PortFlavour::PciVf { pf: 0, vf: 3 }).unwrap();
    assert_eq!(n.as_bytes(), b"sw0v3");
    let n = func_netdev_name(b"sw0", PortFlavour::PciSf { pf: 0, sf: 999 }).unwrap();
    assert_eq!(n.as_bytes(), b"sw0s999");
    let n = port_netdev_name(b"abcdefg", PortFlavour::PciSf { pf: 0, sf: 999 }).unwrap();
    assert_eq!(n.as_bytes(), b"abcdefgpf0sf999");
    assert_eq!(
        port_netdev_name(b"abcdefg", PortFlavour::PciSf { pf: 0, sf: 1000 }).map(|_| ()),
        Err(NameError::TooLong)
    );
}
