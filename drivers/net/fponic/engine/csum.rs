// SPDX-License-Identifier: GPL-2.0

//! Checksum update (act_csum): Internet checksum arithmetic and a transcription of
//! `tcf_csum_act()` (`net/sched/act_csum.c`).
//!
//! Checksums are computed the kernel's way: a partial sum ([`partial`], the kernel's `__wsum`)
//! adds the 16-bit words of the bytes as they lie in memory, read in the machine's byte order,
//! and a folded checksum ([`fold`], `__sum16`) is stored back with the same byte order
//! (`to_ne_bytes`). Byte-order independence of ones' complement sums makes the stored checksum
//! the one the protocols define; the unfolded partial sums are what the kernel's generic
//! implementations (`lib/checksum.c`, `include/asm-generic/checksum.h`, `net/ipv6/ip6_checksum.c`)
//! return, and fold to what every architecture's own return.
//!
//! [`act`] does what act_csum does to a frame, on a [`Frame`] whose data starts at the MAC
//! header, with the network header behind every VLAN tag in the packet, as `tcf_csum_act()`
//! finds it (an outer tag in metadata is not in the packet): the same pulls, the same bytes
//! written, the same packets dropped, `ip_summed` set the same way. Lengths are `unsigned int` in
//! act_csum and wrap as there.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::{
    flow::csum as flag,
    frame::{
        array,
        array_mut,
        be16,
        byte,
        gso,
        Frame,
        Head, //
    },
    packet::{
        proto,
        ETH_P_IP,
        ETH_P_IPV6, //
    },
    vlan,
};

/// `csum_partial()`: `sum` plus the ones' complement sum of `data`, unfolded. An odd last byte
/// counts as a 16-bit word with a zero byte after it.
pub(crate) fn partial(data: &[u8], sum: u32) -> u32 {
    let mut acc = u64::from(sum);
    // Ones' complement addition of 64-bit words (the carry goes around): 2^64 is 1 modulo
    // 2^16 - 1, so this is the 16-bit word sum.
    let mut add = |w: u64| {
        let (s, carry) = acc.overflowing_add(w);
        acc = s + u64::from(carry);
    };
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        add(u64::from_ne_bytes(b));
    }
    let rest = words.remainder();
    let mut b = [0u8; 8];
    if let Some(d) = b.get_mut(..rest.len()) {
        d.copy_from_slice(rest);
    }
    add(u64::from_ne_bytes(b));
    from64to32(acc)
}

/// `from64to32()`: a 64-bit ones' complement sum as a 32-bit one.
#[inline]
fn from64to32(x: u64) -> u32 {
    let x = (x & 0xffff_ffff) + (x >> 32);
    let x = (x & 0xffff_ffff) + (x >> 32);
    // CAST: at most 0xffff_ffff after the second fold.
    x as u32
}

/// `csum_fold()`: the checksum of partial sum `sum`, the complement of its 16-bit fold.
#[inline]
pub(crate) fn fold(sum: u32) -> u16 {
    let s = (sum & 0xffff) + (sum >> 16);
    let s = (s & 0xffff) + (s >> 16);
    // CAST: at most 0xffff after the second fold.
    !(s as u16)
}

/// `csum_tcpudp_nofold()`: `sum` plus the IPv4 pseudo-header of a `len`-byte segment of
/// protocol `proto` from `saddr` to `daddr`.
#[inline]
pub(crate) fn tcpudp_nofold(saddr: [u8; 4], daddr: [u8; 4], len: u32, proto: u8, sum: u32) -> u32 {
    let mut s = u64::from(sum);
    s += u64::from(u32::from_ne_bytes(saddr));
    s += u64::from(u32::from_ne_bytes(daddr));
    let pl = u32::from(proto).wrapping_add(len);
    s += u64::from(if cfg!(target_endian = "big") {
        pl
    } else {
        pl << 8
    });
    from64to32(s)
}

/// `csum_tcpudp_magic()`: the checksum of a TCP or UDP segment over IPv4 whose partial sum is
/// `sum` (see [`tcpudp_nofold`]).
#[inline]
pub(crate) fn tcpudp_magic(saddr: [u8; 4], daddr: [u8; 4], len: u32, proto: u8, sum: u32) -> u16 {
    fold(tcpudp_nofold(saddr, daddr, len, proto, sum))
}

/// `csum_ipv6_magic()`: the checksum of a `len`-byte segment of protocol `proto` over IPv6 from
/// `saddr` to `daddr` whose partial sum is `sum`.
pub(crate) fn ipv6_magic(saddr: &[u8; 16], daddr: &[u8; 16], len: u32, proto: u8, sum: u32) -> u16 {
    let mut s = sum;
    let mut add = |w: u32| {
        let (v, carry) = s.overflowing_add(w);
        s = v + u32::from(carry);
    };
    for a in [saddr, daddr] {
        for w in a.chunks_exact(4) {
            let mut b = [0u8; 4];
            b.copy_from_slice(w);
            add(u32::from_ne_bytes(b));
        }
    }
    add(u32::from_ne_bytes(len.to_be_bytes()));
    add(u32::from_ne_bytes(u32::from(proto).to_be_bytes()));
    fold(s)
}

/// `ip_fast_csum()` as `lib/checksum.c` defines it: the checksum of the first `4 * ihl` bytes of
/// `hdr` (all of it if it is shorter).
pub(crate) fn ip_fast_csum(hdr: &[u8], ihl: usize) -> u16 {
    let n = ihl.saturating_mul(4).min(hdr.len());
    fold(partial(hdr.get(..n).unwrap_or(hdr), 0))
}

/// `CSUM_MANGLED_0`: a UDP checksum that came out 0 is sent as its other representation.
const CSUM_MANGLED_0: u16 = 0xffff;

/// IGMP.
const IPPROTO_IGMP: u8 = 2;

/// Length of an Ethernet header.
const ETH_HLEN: usize = 14;
/// Length of a VLAN tag.
const VLAN_HLEN: usize = 4;
/// Length of an IPv6 header.
const IPV6_HLEN: u32 = 40;

/// `IP_OFFSET`: the fragment offset bits of an IPv4 header's `frag_off`.
const IP_OFFSET: u16 = 0x1fff;

/// `IPV6_TLV_PAD1`.
const TLV_PAD1: u8 = 0;
/// `IPV6_TLV_JUMBO`.
const TLV_JUMBO: u8 = 0xc2;

/// Where a transport header is, as act_csum's helpers get it: the network header at `noff`
/// from the MAC header, the transport header `ihl` bytes after it, and `ipl` bytes of IP packet
/// (headers included) as the IP header says.
#[derive(Clone, Copy)]
struct L4 {
    noff: u32,
    ihl: u32,
    ipl: u32,
}

impl L4 {
    /// `tcf_csum_skb_nextlayer()`: the IP packet made linear and the headers up to the end of
    /// the `jhl`-byte transport header writable. `None` where act_csum drops the packet: the
    /// packet is shorter than its IP length says, or that length is shorter than the headers.
    #[inline]
    fn next<F: Frame>(self, f: &mut F, jhl: u32) -> Option<F::Head<'_>> {
        let hl = self.ihl.wrapping_add(jhl);
        if !f.pull(to_usize(self.ipl.wrapping_add(self.noff))) || self.ipl < hl {
            return None;
        }
        f.writable(to_usize(hl.wrapping_add(self.noff)))
    }

    /// Offset of the transport header from the MAC header.
    fn th(self) -> usize {
        to_usize(self.noff.wrapping_add(self.ihl))
    }

    /// Length of the transport header and payload (`ipl >= ihl` after [`L4::next`]).
    fn len(self) -> u32 {
        self.ipl.wrapping_sub(self.ihl)
    }
}

fn to_usize(v: u32) -> usize {
    // CAST: usize has at least 32 bits where the kernel runs Rust.
    v as usize
}

/// The `len` bytes at `at` of the linear part `b`, or `None` where they are not all linear:
/// that happens only where the IP length wrapped around (an IPv6 jumbo payload length within a
/// few bytes of 4 GiB), for which act_csum hands `csum_partial()` a negative length and sums
/// whatever the architecture's implementation then reads. The packet then goes on with what
/// was written before that point.
fn linear_segment(b: &[u8], at: usize, len: u32) -> Option<&[u8]> {
    b.get(at..)?.get(..to_usize(len))
}

/// A pseudo-header a transport checksum covers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pseudo {
    /// None (ICMP, IGMP).
    None,
    /// IPv4's.
    V4,
    /// IPv6's.
    V6,
}

/// The checksum of a segment with partial sum `sum` and pseudo-header `pseudo` of `len` and
/// `proto`, the addresses read from the network header at `noff` of `b`.
#[inline(always)]
fn with_pseudo(b: &[u8], noff: usize, pseudo: Pseudo, len: u32, proto: u8, sum: u32) -> u16 {
    match pseudo {
        Pseudo::None => fold(sum),
        Pseudo::V4 => match array::<20>(b, noff) {
            Some(ip) => {
                let s = [ip[12], ip[13], ip[14], ip[15]];
                let d = [ip[16], ip[17], ip[18], ip[19]];
                tcpudp_magic(s, d, len, proto, sum)
            }
            None => 0,
        },
        Pseudo::V6 => match (array::<16>(b, noff + 8), array::<16>(b, noff + 24)) {
            (Some(s), Some(d)) => ipv6_magic(s, d, len, proto, sum),
            _ => 0,
        },
    }
}

/// `tcf_csum_ipv4_icmp()`, `tcf_csum_ipv4_igmp()`, `tcf_csum_ipv6_icmp()` and the TCP ones:
/// the checksum at `at` of a `jhl`-byte transport header over the whole segment and
/// pseudo-header `pseudo` (of protocol `proto`). The addresses are read after the checksum
/// field was cleared, as act_csum reads them (for an IPv4 header length below 20 bytes the two
/// overlap). `false`: drop.
#[inline]
fn segment_csum<F: Frame>(
    f: &mut F,
    l4: L4,
    jhl: u32,
    at: usize,
    pseudo: Pseudo,
    proto: u8,
) -> bool {
    let Some(mut h) = l4.next(f, jhl) else {
        return false;
    };
    let th = l4.th();
    if let Some(c) = array_mut::<2>(h.bytes_mut(), th + at) {
        *c = [0, 0];
    }
    let b = h.bytes();
    let Some(seg) = linear_segment(b, th, l4.len()) else {
        return true;
    };
    let sum = F::csum_partial(seg, 0);
    let c = with_pseudo(b, to_usize(l4.noff), pseudo, l4.len(), proto, sum);
    if let Some(d) = array_mut::<2>(h.bytes_mut(), th + at) {
        *d = c.to_ne_bytes();
    }
    drop(h);
    f.set_csum_none(Some(sum));
    true
}

/// `tcf_csum_ipv4_tcp()` and `tcf_csum_ipv6_tcp()`: skipped for TCP GSO packets, whose
/// segmentation fills the checksums in. `false`: drop.
fn tcp<F: Frame>(f: &mut F, l4: L4, v6: bool) -> bool {
    let (gso, pseudo) = if v6 {
        (gso::TCPV6, Pseudo::V6)
    } else {
        (gso::TCPV4, Pseudo::V4)
    };
    f.gso() & gso != 0 || segment_csum(f, l4, 20, 16, pseudo, proto::TCP)
}

/// `tcf_csum_ipv4_udp()` and `tcf_csum_ipv6_udp()`, for UDP and (`lite`) UDP-Lite: skipped for
/// UDP GSO packets. The length is the IP payload's; the UDP header's length field must agree
/// for UDP, and is the checksum coverage for UDP-Lite (0: all of it). An IPv4 UDP checksum of
/// 0 (none) stays 0. A UDP length other than the IP payload's, or a UDP-Lite coverage out of
/// range, leaves the checksum 0 and `ip_summed` as it was. A checksum that comes out 0 is sent
/// as 0xffff. `false`: drop.
fn udp<F: Frame>(f: &mut F, l4: L4, v6: bool, lite: bool) -> bool {
    if f.gso() & gso::UDP != 0 {
        return true;
    }
    let Some(mut h) = l4.next(f, 8) else {
        return false;
    };
    let th = l4.th();
    let Some(&u) = array::<8>(h.bytes(), th) else {
        return true;
    };
    let ul = u16::from_be_bytes([u[4], u[5]]);
    if !v6 && !lite && u[6] == 0 && u[7] == 0 {
        drop(h);
        f.set_csum_none(None);
        return true;
    }
    // Cleared before the length is checked, as act_csum does.
    if let Some(c) = array_mut::<2>(h.bytes_mut(), th + 6) {
        *c = [0, 0];
    }
    let len = l4.len();
    let covered = if lite {
        if ul == 0 {
            len
        } else if ul >= 8 && u32::from(ul) <= len {
            u32::from(ul)
        } else {
            return true;
        }
    } else if u32::from(ul) != len {
        return true;
    } else {
        len
    };
    let b = h.bytes();
    let Some(seg) = linear_segment(b, th, covered) else {
        return true;
    };
    let sum = F::csum_partial(seg, 0);
    let noff = to_usize(l4.noff);
    let c = if v6 {
        let p = if lite { proto::UDPLITE } else { proto::UDP };
        with_pseudo(b, noff, Pseudo::V6, ul.into(), p, sum)
    } else {
        // The protocol as the IP header has it (UDP or UDP-Lite).
        let p = array::<20>(b, noff).map_or(0, |ip| ip[9]);
        with_pseudo(b, noff, Pseudo::V4, ul.into(), p, sum)
    };
    let c = if c == 0 { CSUM_MANGLED_0 } else { c };
    if let Some(d) = array_mut::<2>(h.bytes_mut(), th + 6) {
        *d = c.to_ne_bytes();
    }
    drop(h);
    f.set_csum_none(Some(sum));
    true
}

/// `tcf_csum_sctp()`: the CRC32c of everything from the SCTP header to the end of the packet
/// (Ethernet padding included, as `sctp_compute_cksum()` covers `skb->len`), with the checksum
/// field as 0; skipped for SCTP GSO packets. `false`: drop.
fn sctp<F: Frame>(f: &mut F, l4: L4) -> bool {
    if f.gso() & gso::SCTP != 0 {
        return true;
    }
    let hl = to_usize(l4.ihl.wrapping_add(12).wrapping_add(l4.noff));
    let at = l4.th() + 8;
    {
        let Some(mut h) = l4.next(f, 12) else {
            return false;
        };
        if let Some(c) = array_mut::<4>(h.bytes_mut(), at) {
            *c = [0; 4];
        }
    }
    let crc = !f.crc32c(l4.th().min(f.len()), !0);
    // Writable already: this cannot fail.
    let Some(mut h) = f.writable(hl) else {
        return false;
    };
    if let Some(c) = array_mut::<4>(h.bytes_mut(), at) {
        *c = crc.to_le_bytes();
    }
    drop(h);
    f.reset_csum_not_inet();
    true
}

/// `ip_send_check()` on the IPv4 header at `noff` of `ihl` 32-bit words, whose first 20 bytes
/// are linear. The checksum covers the header length the header gives; software reads bytes
/// past the linear part or the packet for it if they are not there (whatever memory follows):
/// here they are pulled if the packet has them, and count as zeros if it does not. `false`:
/// drop.
fn ip_send_check<F: Frame>(f: &mut F, noff: usize, ihl: usize) -> bool {
    let need = (4 * ihl).max(20);
    if need > 20 {
        let have = (noff + need).min(f.len());
        if have > f.linear().len() {
            // A header this long in the packet but not linear: software would sum the bytes
            // after the linear part instead, whatever they are.
            f.pull(have);
        }
    }
    let Some(mut h) = f.writable(noff + 20) else {
        return false;
    };
    if let Some(c) = array_mut::<2>(h.bytes_mut(), noff + 10) {
        *c = [0, 0];
    }
    let b = h.bytes();
    let c = match b.get(noff..).and_then(|s| s.get(..need)) {
        Some(hdr) => F::ip_fast_csum(hdr, ihl),
        None => {
            let mut buf = [0u8; 60];
            let avail = b.get(noff..).unwrap_or(&[]);
            let n = avail.len().min(need);
            if let (Some(d), Some(s)) = (buf.get_mut(..n), avail.get(..n)) {
                d.copy_from_slice(s);
            }
            F::ip_fast_csum(buf.get(..need).unwrap_or(&buf), ihl)
        }
    };
    if let Some(d) = array_mut::<2>(h.bytes_mut(), noff + 10) {
        *d = c.to_ne_bytes();
    }
    true
}

/// `tcf_csum_ipv4()`: the transport checksum `flags` ask for (not for a fragment other than
/// the first), then the header checksum. `false`: drop.
fn ipv4<F: Frame>(f: &mut F, noff: usize, flags: u32) -> bool {
    if !f.pull(noff + 20) {
        return false;
    }
    let Some(ip) = array::<20>(f.linear(), noff) else {
        return false;
    };
    // No transport checksum writes the first byte (the checksum fields are at least 2 bytes
    // into a transport header, which is never before the network header): the header length
    // is the same for the header checksum, for which act_csum reads it again.
    let ihl = ip[0] & 0x0f;
    let l4 = L4 {
        noff: u32::try_from(noff).unwrap_or(u32::MAX),
        ihl: u32::from(ihl) * 4,
        ipl: u32::from(u16::from_be_bytes([ip[2], ip[3]])),
    };
    let ip_proto = if u16::from_be_bytes([ip[6], ip[7]]) & IP_OFFSET != 0 {
        0
    } else {
        ip[9]
    };
    let ok = match ip_proto {
        proto::ICMP if flags & flag::ICMP != 0 => segment_csum(f, l4, 8, 2, Pseudo::None, 0),
        IPPROTO_IGMP if flags & flag::IGMP != 0 => segment_csum(f, l4, 8, 2, Pseudo::None, 0),
        proto::TCP if flags & flag::TCP != 0 => tcp(f, l4, false),
        proto::UDP if flags & flag::UDP != 0 => udp(f, l4, false, false),
        proto::UDPLITE if flags & flag::UDPLITE != 0 => udp(f, l4, false, true),
        proto::SCTP if flags & flag::SCTP != 0 => sctp(f, l4),
        _ => true,
    };
    if !ok {
        return false;
    }
    flags & flag::IPV4HDR == 0 || ip_send_check(f, noff, ihl.into())
}

/// `tcf_csum_ipv6_hopopts()`: walks the options of the `ixhl`-byte hop-by-hop header `xh`; a
/// jumbo payload option replaces the payload length `pl`. `false` (drop) for a jumbo option of
/// the wrong length or alignment; an option longer than what is left ends the walk.
fn hopopts(xh: &[u8], pl: &mut u32) -> bool {
    let mut off = 2usize;
    let mut len = xh.len().saturating_sub(2);
    while len > 1 {
        let optlen = match byte(xh, off) {
            TLV_PAD1 => 1,
            TLV_JUMBO => {
                let optlen = usize::from(byte(xh, off + 1)) + 2;
                if optlen != 6 || len < 6 || off & 3 != 2 {
                    return false;
                }
                let mut b = [0u8; 4];
                if let Some(v) = xh.get(off + 2..off + 6) {
                    b.copy_from_slice(v);
                }
                *pl = u32::from_be_bytes(b);
                return true;
            }
            _ => {
                let optlen = usize::from(byte(xh, off + 1)) + 2;
                if optlen > len {
                    return true;
                }
                optlen
            }
        };
        off += optlen;
        len -= optlen;
    }
    true
}

/// `tcf_csum_ipv6()`: walks the hop-by-hop, routing and destination options headers to the
/// transport header and updates the checksum `flags` ask for; a fragment, or any other header,
/// leaves the packet as it is. `false`: drop.
fn ipv6<F: Frame>(f: &mut F, noff: usize, flags: u32) -> bool {
    let noff32 = u32::try_from(noff).unwrap_or(u32::MAX);
    let mut hl = IPV6_HLEN;
    if !f.pull(to_usize(hl.wrapping_add(noff32))) {
        return false;
    }
    let b = f.linear();
    let mut pl = u32::from(be16(b, noff + 4));
    let mut nexthdr = byte(b, noff + 6);
    loop {
        let l4 = L4 {
            noff: noff32,
            ihl: hl,
            ipl: pl.wrapping_add(IPV6_HLEN),
        };
        match nexthdr {
            proto::FRAGMENT => return true,
            proto::ROUTING | proto::HOPOPTS | proto::DSTOPTS => {
                let at = hl.wrapping_add(noff32);
                if !f.pull(to_usize(at.wrapping_add(2))) {
                    return false;
                }
                let ixhl = (u32::from(byte(f.linear(), to_usize(at) + 1)) + 1) << 3;
                if !f.pull(to_usize(at.wrapping_add(ixhl))) {
                    return false;
                }
                let b = f.linear();
                let xh = b
                    .get(to_usize(at)..to_usize(at) + to_usize(ixhl))
                    .unwrap_or(&[]);
                if nexthdr == proto::HOPOPTS && !hopopts(xh, &mut pl) {
                    return false;
                }
                nexthdr = byte(xh, 0);
                hl = hl.wrapping_add(ixhl);
            }
            proto::ICMPV6 => {
                return flags & flag::ICMP == 0
                    || segment_csum(f, l4, 8, 2, Pseudo::V6, proto::ICMPV6)
            }
            proto::TCP => return flags & flag::TCP == 0 || tcp(f, l4, true),
            proto::UDP => return flags & flag::UDP == 0 || udp(f, l4, true, false),
            proto::UDPLITE => return flags & flag::UDPLITE == 0 || udp(f, l4, true, true),
            proto::SCTP => return flags & flag::SCTP == 0 || sctp(f, l4),
            _ => return true,
        }
        if !f.pull(to_usize(hl.wrapping_add(1).wrapping_add(noff32))) {
            return true;
        }
    }
}

/// The ethertype behind the VLAN tags of a tagged frame and the offset of the network header,
/// each tag pulled in turn (`None` if one is cut short: act_csum drops the packet).
#[inline(never)]
fn behind_tags<F: Frame>(f: &mut F) -> Option<(u16, usize)> {
    let mut ethertype = be16(f.linear(), 12);
    let mut noff = ETH_HLEN;
    while vlan::is_tpid(ethertype) {
        if !f.pull(noff + VLAN_HLEN) {
            return None;
        }
        ethertype = be16(f.linear(), noff + 2);
        noff += VLAN_HLEN;
    }
    Some((ethertype, noff))
}

/// The csum action with update flags `flags` ([`flag`], `TCA_CSUM_UPDATE_FLAG_*`) on a frame
/// from its MAC header, as `tcf_csum_act()` executes it: the network header is behind every
/// VLAN tag in the packet. `false` where act_csum drops the packet: a header it cannot pull,
/// an IP length shorter than the headers or longer than the packet, no memory to make the
/// headers writable, a misshapen jumbo payload option.
pub(crate) fn act<F: Frame>(f: &mut F, flags: u32) -> bool {
    if !f.pull(ETH_HLEN) {
        return false;
    }
    let mut ethertype = be16(f.linear(), 12);
    let mut noff = ETH_HLEN;
    if vlan::is_tpid(ethertype) {
        let Some(behind) = behind_tags(f) else {
            return false;
        };
        (ethertype, noff) = behind;
    }
    match ethertype {
        ETH_P_IP => ipv4(f, noff, flags),
        ETH_P_IPV6 => ipv6(f, noff, flags),
        _ => true,
    }
}
