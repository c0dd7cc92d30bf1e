// SPDX-License-Identifier: GPL-2.0

//! What routing does to the IP header of a packet it forwards, on the header's bytes, with the
//! kernel's own arithmetic so that the bytes come out identical: the TTL (hop limit) decrement
//! (`ip_decrease_ttl`) and the incremental update of a checksum a changed word is covered by
//! (`csum_replace4`, RFC 1624). nf_flow_table's software fast path does both to every packet of
//! an nftables flowtable; the switch does them to the packets of the flowtable entries it was
//! handed.
//!
//! Checksums and words are taken as the kernel takes them: the bytes as in the packet, read as
//! native-endian integers (ones' complement sums do not depend on the byte order).

/// Offset of the TTL in the IPv4 header.
pub(crate) const IPV4_TTL: usize = 8;
/// Offset of the header checksum in the IPv4 header.
pub(crate) const IPV4_CHECK: usize = 10;
/// Offset of the hop limit in the IPv6 header.
pub(crate) const IPV6_HOP_LIMIT: usize = 7;
/// Offset of the checksum in the TCP header.
pub(crate) const TCP_CHECK: usize = 16;
/// Offset of the checksum in the UDP header.
pub(crate) const UDP_CHECK: usize = 6;

/// `csum_add`: 32-bit ones' complement addition.
fn csum_add(a: u32, b: u32) -> u32 {
    let (r, carry) = a.overflowing_add(b);
    r.wrapping_add(u32::from(carry))
}

/// `csum_replace4`: checksum field `check` after a 32-bit word it covers changed from `from` to
/// `to`.
pub(crate) fn csum_replace4(check: [u8; 2], from: [u8; 4], to: [u8; 4]) -> [u8; 2] {
    let unfolded = !u32::from(u16::from_ne_bytes(check));
    let sum = csum_add(
        csum_add(unfolded, !u32::from_ne_bytes(from)),
        u32::from_ne_bytes(to),
    );
    super::csum::fold(sum).to_ne_bytes()
}

/// `ip_decrease_ttl` on IPv4 header `ip` (at least 20 bytes): the TTL drops by one and the
/// header checksum follows. The caller made sure the TTL is above 1.
pub(crate) fn ipv4_decrease_ttl(ip: &mut [u8]) {
    let Some(check) = ip.get(IPV4_CHECK..IPV4_CHECK + 2) else {
        return;
    };
    let mut c = u32::from(u16::from_ne_bytes([check[0], check[1]]));
    c += u32::from(u16::to_be(0x0100));
    let c = c + u32::from(c >= 0xffff);
    // CAST: the checksum field keeps the low 16 bits, as the kernel's store does.
    ip[IPV4_CHECK..IPV4_CHECK + 2].copy_from_slice(&(c as u16).to_ne_bytes());
    ip[IPV4_TTL] = ip[IPV4_TTL].wrapping_sub(1);
}

/// The hop limit decrement of IPv6 header `ip` (no checksum covers it).
pub(crate) fn ipv6_decrease_hop_limit(ip: &mut [u8]) {
    if let Some(h) = ip.get_mut(IPV6_HOP_LIMIT) {
        *h = h.wrapping_sub(1);
    }
}

/// The 32-bit word at `at` of `b`, if it is there.
pub(crate) fn word(b: &[u8], at: usize) -> Option<[u8; 4]> {
    b.get(at..at.checked_add(4)?)?.try_into().ok()
}

/// A pedit-convention rewrite of word `old`: the bits of `mask` are kept, then `val` is
/// xored in (`mask` and `val` as tc passes them: native integers of network-order words).
pub(crate) fn rewrite(old: [u8; 4], mask: u32, val: u32) -> [u8; 4] {
    ((u32::from_ne_bytes(old) & mask) ^ val).to_ne_bytes()
}
