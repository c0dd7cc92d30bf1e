// SPDX-License-Identifier: GPL-2.0

//! Routing's header edits (`engine::route`) against checksums computed from scratch.

use crate::rng::Rng;
use crate::route::{
    csum_replace4,
    ipv4_decrease_ttl,
    ipv6_decrease_hop_limit,
    rewrite,
    word,
    IPV4_CHECK,
    IPV4_TTL, //
};

/// The Internet checksum of `b` (RFC 1071), as the bytes of the header field.
fn checksum(b: &[u8]) -> [u8; 2] {
    let mut sum = 0u32;
    for c in b.chunks(2) {
        let hi = u32::from(c[0]) << 8;
        let lo = c.get(1).copied().map_or(0, u32::from);
        sum += hi | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    (!(sum as u16)).to_be_bytes()
}

/// A random IPv4 header (20 bytes) with a correct checksum and a TTL above 1.
fn header(rng: &mut Rng) -> [u8; 20] {
    let mut h = [0u8; 20];
    for b in h.iter_mut() {
        *b = rng.byte();
    }
    h[0] = 0x45;
    h[IPV4_TTL] = 2 + rng.below(254) as u8;
    h[IPV4_CHECK] = 0;
    h[IPV4_CHECK + 1] = 0;
    let c = checksum(&h);
    h[IPV4_CHECK..IPV4_CHECK + 2].copy_from_slice(&c);
    h
}

#[test]
fn ttl_decrease_keeps_the_header_checksum_right() {
    let mut rng = Rng::new(7);
    for _ in 0..20000 {
        let mut h = header(&mut rng);
        let ttl = h[IPV4_TTL];
        ipv4_decrease_ttl(&mut h);
        assert_eq!(h[IPV4_TTL], ttl - 1);
        assert_eq!(checksum(&h), [0, 0], "header {h:02x?}");
    }
}

#[test]
fn ttl_decrease_with_a_carry() {
    // The carry case: a checksum of 0xffff plus 0x0100 wraps around to 0x0100.
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[IPV4_TTL] = 64;
    h[IPV4_CHECK..IPV4_CHECK + 2].copy_from_slice(&[0xff, 0xff]);
    ipv4_decrease_ttl(&mut h);
    assert_eq!(h[IPV4_TTL], 63);
    assert_eq!(&h[IPV4_CHECK..IPV4_CHECK + 2], &[0x01, 0x00]);
}

#[test]
fn address_rewrite_keeps_the_header_checksum_right() {
    let mut rng = Rng::new(11);
    for _ in 0..20000 {
        let mut h = header(&mut rng);
        let at = if rng.below(2) == 0 { 12 } else { 16 };
        let old = word(&h, at).unwrap();
        let new = (rng.next_u64() as u32).to_ne_bytes();
        let check = csum_replace4([h[IPV4_CHECK], h[IPV4_CHECK + 1]], old, new);
        h[at..at + 4].copy_from_slice(&new);
        h[IPV4_CHECK..IPV4_CHECK + 2].copy_from_slice(&check);
        assert_eq!(checksum(&h), [0, 0], "header {h:02x?}");
    }
}

#[test]
fn port_rewrite_with_a_mask_changes_only_the_unmasked_half() {
    // Source port 0x1234 -> 0xabcd in the word `sport dport`, as nf_flow_table passes it:
    // mask ~htonl(0xffff0000) keeps the destination port, val htonl(port << 16).
    let old = [0x12, 0x34, 0x00, 0x50];
    let mask = !u32::from_ne_bytes(0xffff_0000u32.to_be_bytes());
    let val = u32::from_ne_bytes((0xabcdu32 << 16).to_be_bytes());
    assert_eq!(rewrite(old, mask, val), [0xab, 0xcd, 0x00, 0x50]);
}

#[test]
fn hop_limit_decrease() {
    let mut h = [0u8; 40];
    h[7] = 64;
    ipv6_decrease_hop_limit(&mut h);
    assert_eq!(h[7], 63);
}
