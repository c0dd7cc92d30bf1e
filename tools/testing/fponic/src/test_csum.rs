// SPDX-License-Identifier: GPL-2.0

//! act_csum's transcription ([`crate::csum`]) against checksums computed independently
//! ([`crate::fake_frame`]), and the cases act_csum treats specially.

use std::vec;
use std::vec::Vec;

use crate::csum::{
    self,
    act, //
};
use crate::fake_frame::*;
use crate::flow::csum as flag;
use crate::frame::gso;
use crate::rng::Rng;

const SRC4: [u8; 4] = [10, 0, 0, 1];
const DST4: [u8; 4] = [10, 0, 0, 2];
const SRC6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0x01,
];
const DST6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xcd, 0x02,
];

const ALL: u32 = flag::SUPPORTED;
const P_ICMP: u8 = 1;
const P_IGMP: u8 = 2;
const P_TCP: u8 = 6;
const P_UDP: u8 = 17;
const P_HOP: u8 = 0;
const P_ROUTING: u8 = 43;
const P_FRAG: u8 = 44;
const P_ICMPV6: u8 = 58;
const P_DEST: u8 = 60;
const P_SCTP: u8 = 132;
const P_UDPLITE: u8 = 136;

/// An Ethernet header with in-band tags of TPIDs `tags`, then `ethertype` and `l3`; returns
/// the frame and the network header's offset.
fn frame(tags: &[u16], ethertype: u16, l3: &[u8]) -> (Vec<u8>, usize) {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    for (i, t) in tags.iter().enumerate() {
        f.extend_from_slice(&t.to_be_bytes());
        f.extend_from_slice(&(i as u16 + 7).to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    let noff = f.len();
    f.extend_from_slice(l3);
    (f, noff)
}

/// An IPv4 header (with a correct checksum) and payload.
fn ip4(proto: u8, frag_off: u16, l4: &[u8]) -> Vec<u8> {
    let tot = (20 + l4.len()) as u16;
    let mut h = vec![0x45, 0x10];
    h.extend_from_slice(&tot.to_be_bytes());
    h.extend_from_slice(&[0x12, 0x34]);
    h.extend_from_slice(&frag_off.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&SRC4);
    h.extend_from_slice(&DST4);
    let c = inet_csum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(l4);
    h
}

/// An IPv6 header with extension headers `ext` (each: type, length in 8-byte units after the
/// first 8) before payload `l4` of protocol `proto`.
fn ip6(proto: u8, ext: &[(u8, u8)], l4: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, &(_, len)) in ext.iter().enumerate() {
        let next = ext.get(i + 1).map_or(proto, |e| e.0);
        let mut e = vec![next, len];
        // PadN over the rest of the header.
        let n = 8 * (usize::from(len) + 1);
        e.extend_from_slice(&[1, (n - 4) as u8]);
        e.resize(n, 0);
        body.extend_from_slice(&e);
    }
    body.extend_from_slice(l4);
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(body.len() as u16).to_be_bytes());
    h.push(ext.first().map_or(proto, |e| e.0));
    h.push(64);
    h.extend_from_slice(&SRC6);
    h.extend_from_slice(&DST6);
    h.extend_from_slice(&body);
    h
}

fn payload(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.byte()).collect()
}

/// A TCP segment (20-byte header) with `data`, checksum 0.
fn tcp(data: &[u8]) -> Vec<u8> {
    let mut s = vec![
        0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x20, 0x00,
    ];
    s.extend_from_slice(&[0, 0, 0, 0]);
    s.extend_from_slice(data);
    s
}

/// A UDP datagram with `data` and length field `len` (`None`: the right one), checksum 0.
fn udp(data: &[u8], len: Option<u16>) -> Vec<u8> {
    let l = len.unwrap_or((8 + data.len()) as u16);
    let mut s = vec![0x04, 0xd2, 0x16, 0x2e];
    s.extend_from_slice(&l.to_be_bytes());
    s.extend_from_slice(&[0, 0]);
    s.extend_from_slice(data);
    s
}

/// An ICMP echo request (or IGMP-shaped 8-byte header) with `data`, checksum 0.
fn icmp(data: &[u8]) -> Vec<u8> {
    let mut s = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
    s.extend_from_slice(data);
    s
}

/// An SCTP common header with `data`, checksum 0.
fn sctp(data: &[u8]) -> Vec<u8> {
    let mut s = vec![0x04, 0xd2, 0x16, 0x2e, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0];
    s.extend_from_slice(data);
    s
}

fn run(bytes: &[u8], flags: u32) -> (bool, FakeFrame) {
    let mut f = FakeFrame::new(bytes);
    let ok = act(&mut f, flags);
    (ok, f)
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[test]
fn partial_sums_fold_to_the_rfc1071_checksum() {
    let mut rng = Rng::new(1071);
    for n in 0..300 {
        let d = payload(&mut rng, n);
        let c = csum::fold(csum::partial(&d, 0));
        assert_eq!(c.to_ne_bytes(), inet_csum(&d).to_be_bytes(), "{n} bytes");
        // Sums chain over pieces of even length.
        let cut = (rng.below(n as u64 + 1) as usize) & !1;
        let chained = csum::partial(&d[cut..], csum::partial(&d[..cut], 0));
        assert_eq!(csum::fold(chained), c, "{n} bytes cut at {cut}");
    }
    // All zeros sum to 0: the checksum is 0xffff, and nonzero data never folds to 0xffff.
    assert_eq!(csum::fold(csum::partial(&[0; 40], 0)), 0xffff);
    assert_eq!(csum::fold(csum::partial(&[0xff; 40], 0)), 0);
}

#[test]
fn fold_is_the_kernels_csum_fold() {
    let kernel = |sum: u32| ((!sum).wrapping_sub(sum.rotate_right(16)) >> 16) as u16;
    let mut rng = Rng::new(3);
    let edges = [
        0,
        1,
        0xffff,
        0x1_0000,
        0xffff_0000,
        0xfffe_0001,
        0xffff_ffff,
        0x8000_8000,
    ];
    for s in edges
        .into_iter()
        .chain((0..10_000).map(|_| rng.next_u64() as u32))
    {
        assert_eq!(csum::fold(s), kernel(s), "{s:#x}");
    }
}

#[test]
fn pseudo_header_sums_match_the_reference() {
    let mut rng = Rng::new(4);
    for n in 0..200 {
        let seg = payload(&mut rng, n);
        let sum = csum::partial(&seg, 0);
        for proto in [P_TCP, P_UDP, P_UDPLITE] {
            let c = csum::tcpudp_magic(SRC4, DST4, n as u32, proto, sum);
            let r = pseudo4_csum(&SRC4, &DST4, proto, n as u16, &seg);
            assert_eq!(c.to_ne_bytes(), r.to_be_bytes());
            let c = csum::ipv6_magic(&SRC6, &DST6, n as u32, proto, sum);
            let r = pseudo6_csum(&SRC6, &DST6, proto, n as u32, &seg);
            assert_eq!(c.to_ne_bytes(), r.to_be_bytes());
        }
    }
    // A length over 16 bits (a jumbogram) counts whole in the IPv6 pseudo-header.
    let c = csum::ipv6_magic(&SRC6, &DST6, 0x12_3456, P_TCP, 0);
    assert_eq!(
        c.to_ne_bytes(),
        pseudo6_csum(&SRC6, &DST6, P_TCP, 0x12_3456, &[]).to_be_bytes()
    );
}

#[test]
fn ip_header_checksum_covers_the_options() {
    let mut rng = Rng::new(5);
    for ihl in 5..=15usize {
        let mut h = payload(&mut rng, 4 * ihl);
        h[0] = 0x40 | ihl as u8;
        h[10] = 0;
        h[11] = 0;
        let c = csum::ip_fast_csum(&h, ihl);
        assert_eq!(c.to_ne_bytes(), inet_csum(&h).to_be_bytes(), "ihl {ihl}");
    }
}

/// Every transport act_csum knows, over IPv4 and IPv6, behind 0 to 2 tags and IPv6 extension
/// headers, with wrong checksums: all flags give the checksums the reference computes, however
/// much of the packet is linear.
#[test]
fn random_packets_get_the_reference_checksums() {
    let mut rng = Rng::new(0xc5);
    for i in 0..3000 {
        let n = rng.below(80) as usize;
        let data = payload(&mut rng, n);
        let v6 = rng.below(2) == 1;
        let proto = [P_TCP, P_UDP, P_UDPLITE, P_ICMP, P_SCTP, P_IGMP][rng.below(6) as usize];
        let proto = match (v6, proto) {
            (true, P_ICMP) | (true, P_IGMP) => P_ICMPV6,
            (_, p) => p,
        };
        let mut seg = match proto {
            P_TCP => tcp(&data),
            P_UDP | P_UDPLITE => udp(&data, None),
            P_SCTP => sctp(&data),
            _ => icmp(&data),
        };
        let check_at = match proto {
            P_TCP => 16,
            P_UDP | P_UDPLITE => 6,
            P_SCTP => 8,
            _ => 2,
        };
        let (src, dst): (&[u8], &[u8]) = if v6 { (&SRC6, &DST6) } else { (&SRC4, &DST4) };
        let len = seg.len();
        let good = match proto {
            P_SCTP => {
                // Over what follows the IP packet too (the padding added below).
                let mut all = seg.clone();
                all.extend_from_slice(&[0; 6]);
                (!crc32c(&all, !0)).to_le_bytes().to_vec()
            }
            P_ICMP | P_IGMP => inet_csum(&seg).to_be_bytes().to_vec(),
            p => {
                let c = if v6 {
                    pseudo6_csum(src, dst, p, len as u32, &seg)
                } else {
                    pseudo4_csum(src, dst, p, len as u16, &seg)
                };
                let c = if c == 0 && p != P_TCP { 0xffff } else { c };
                c.to_be_bytes().to_vec()
            }
        };
        // A wrong checksum (never 0 for IPv4 UDP, which would mean "none").
        let wrong = 0x5a5a ^ i as u16;
        seg[check_at..check_at + 2].copy_from_slice(&wrong.to_be_bytes());
        let tags: &[u16] = [&[][..], &[0x8100], &[0x88a8, 0x8100]][rng.below(3) as usize];
        let (mut bytes, noff) = if v6 {
            let ext: &[(u8, u8)] = [
                &[][..],
                &[(P_HOP, 0)],
                &[(P_HOP, 1), (P_DEST, 0), (P_ROUTING, 2)],
            ][rng.below(3) as usize];
            frame(tags, 0x86dd, &ip6(proto, ext, &seg))
        } else {
            frame(tags, 0x0800, &ip4(proto, 0, &seg))
        };
        let th = bytes.len() - len;
        if !v6 {
            // A wrong header checksum too.
            bytes[noff + 10] ^= 0xff;
        }
        // Ethernet padding after the IP packet.
        bytes.extend_from_slice(&[0; 6]);
        let mut want = bytes.clone();
        want[th + check_at..th + check_at + good.len()].copy_from_slice(&good);
        if !v6 {
            want[noff + 10] ^= 0xff;
        }
        let linear = 14 + rng.below(bytes.len() as u64 - 13) as usize;
        let mut f = FakeFrame::split(&bytes, linear);
        assert!(act(&mut f, ALL), "case {i}: dropped");
        assert_eq!(
            f.bytes, want,
            "case {i}: v6 {v6} proto {proto} linear {linear}"
        );
        let summed = match proto {
            P_SCTP => Summed::NoneNotInet,
            P_UDP | P_UDPLITE => Summed::None(Some(csum::partial(&want[th..th + len], 0))),
            _ => {
                let mut s = want[th..th + len].to_vec();
                s[check_at] = 0;
                s[check_at + 1] = 0;
                Summed::None(Some(csum::partial(&s, 0)))
            }
        };
        if proto != P_UDP && proto != P_UDPLITE {
            assert_eq!(f.summed, summed, "case {i}");
        }
        // Without the flag for its transport, only the IPv4 header changes.
        let mut f = FakeFrame::split(&bytes, linear);
        assert!(act(&mut f, flag::IPV4HDR));
        let mut want_hdr = bytes.clone();
        if !v6 {
            want_hdr[noff + 10] ^= 0xff;
        }
        assert_eq!(f.bytes, want_hdr, "case {i}: IPv4 header only");
        assert_eq!(f.summed, Summed::Untouched);
    }
}

#[test]
fn an_ipv4_udp_checksum_of_zero_stays_zero() {
    let (bytes, _) = frame(&[], 0x0800, &ip4(P_UDP, 0, &udp(b"no checksum", None)));
    let (ok, f) = run(&bytes, flag::UDP);
    assert!(ok);
    assert_eq!(f.bytes, bytes);
    // Still `CHECKSUM_NONE` afterwards, with `skb->csum` left alone.
    assert_eq!(f.summed, Summed::None(None));
    // Not over IPv6 (0 is no valid checksum there), nor for UDP-Lite.
    let (bytes, noff) = frame(&[], 0x86dd, &ip6(P_UDP, &[], &udp(b"no checksum", None)));
    let (ok, f) = run(&bytes, flag::UDP);
    assert!(ok);
    let seg = &bytes[noff + 40..];
    let mut s = seg.to_vec();
    let c = pseudo6_csum(&SRC6, &DST6, P_UDP, s.len() as u32, seg);
    s[6..8].copy_from_slice(&c.to_be_bytes());
    assert_eq!(&f.bytes[noff + 40..], &s[..]);
    let mut lite = udp(b"no checksum", Some(0));
    lite[6] = 0;
    let (bytes, noff) = frame(&[], 0x0800, &ip4(P_UDPLITE, 0, &lite));
    let (ok, f) = run(&bytes, flag::UDPLITE);
    assert!(ok);
    assert_ne!(be16(&f.bytes, noff + 20 + 6), 0);
}

#[test]
fn a_udp_checksum_that_comes_out_zero_is_sent_as_ffff() {
    // Two data bytes that make the checksum 0: with them 0 the sum is !c, and !c + c is
    // 0xffff, whose checksum is 0.
    let mut seg = udp(&[0, 0], None);
    let c = pseudo4_csum(&SRC4, &DST4, P_UDP, seg.len() as u16, &seg);
    seg[8..10].copy_from_slice(&c.to_be_bytes());
    assert_eq!(pseudo4_csum(&SRC4, &DST4, P_UDP, seg.len() as u16, &seg), 0);
    seg[6..8].copy_from_slice(&[0x12, 0x34]);
    let (bytes, noff) = frame(&[], 0x0800, &ip4(P_UDP, 0, &seg));
    let (ok, f) = run(&bytes, flag::UDP);
    assert!(ok);
    assert_eq!(be16(&f.bytes, noff + 26), 0xffff);
    // The same over IPv6.
    let mut seg6 = udp(&[0, 0], None);
    let c = pseudo6_csum(&SRC6, &DST6, P_UDP, seg6.len() as u32, &seg6);
    seg6[8..10].copy_from_slice(&c.to_be_bytes());
    assert_eq!(
        pseudo6_csum(&SRC6, &DST6, P_UDP, seg6.len() as u32, &seg6),
        0
    );
    let (bytes, noff) = frame(&[], 0x86dd, &ip6(P_UDP, &[], &seg6));
    let (ok, f) = run(&bytes, flag::UDP);
    assert!(ok);
    assert_eq!(be16(&f.bytes, noff + 46), 0xffff);
}

#[test]
fn a_udp_length_other_than_the_ip_payloads_leaves_the_checksum_zero() {
    for (v6, len) in [(false, 9), (false, 30), (true, 7), (true, 40)] {
        let mut seg = udp(b"0123456789abcdef", Some(len));
        seg[6..8].copy_from_slice(&[0xbe, 0xef]);
        let (bytes, noff) = if v6 {
            frame(&[], 0x86dd, &ip6(P_UDP, &[], &seg))
        } else {
            frame(&[], 0x0800, &ip4(P_UDP, 0, &seg))
        };
        let th = noff + if v6 { 40 } else { 20 };
        let (ok, f) = run(&bytes, flag::UDP);
        assert!(ok, "passes");
        let mut want = bytes.clone();
        want[th + 6] = 0;
        want[th + 7] = 0;
        assert_eq!(f.bytes, want, "v6 {v6} len {len}: checksum cleared");
        assert_eq!(f.summed, Summed::Untouched, "ip_summed as it was");
    }
}

#[test]
fn udplite_coverage() {
    let data = b"UDP-Lite covers a prefix of this";
    for v6 in [false, true] {
        let total = (8 + data.len()) as u16;
        for cov in [0u16, 7, 8, 12, 20, total, total + 1] {
            let mut seg = udp(data, Some(cov));
            seg[6..8].copy_from_slice(&[0xbe, 0xef]);
            let (bytes, _) = if v6 {
                frame(&[0x8100], 0x86dd, &ip6(P_UDPLITE, &[(P_DEST, 0)], &seg))
            } else {
                frame(&[0x8100], 0x0800, &ip4(P_UDPLITE, 0, &seg))
            };
            let th = bytes.len() - seg.len();
            let (ok, f) = run(&bytes, flag::UDPLITE);
            assert!(ok);
            let mut s = seg.clone();
            s[6] = 0;
            s[7] = 0;
            let want = match cov {
                0 => Some(s.len()),
                c if c >= 8 && c <= total => Some(usize::from(c)),
                _ => None,
            };
            let got = be16(&f.bytes, th + 6);
            match want {
                // Out of range: cleared, nothing computed.
                None => {
                    assert_eq!(got, 0, "v6 {v6} coverage {cov}");
                    assert_eq!(f.summed, Summed::Untouched);
                }
                Some(n) => {
                    // The pseudo-header carries the coverage field as the length.
                    let c = if v6 {
                        pseudo6_csum(&SRC6, &DST6, P_UDPLITE, cov.into(), &s[..n])
                    } else {
                        pseudo4_csum(&SRC4, &DST4, P_UDPLITE, cov, &s[..n])
                    };
                    let c = if c == 0 { 0xffff } else { c };
                    assert_eq!(got, c, "v6 {v6} coverage {cov}");
                    assert_eq!(f.summed, Summed::None(Some(csum::partial(&s[..n], 0))));
                }
            }
            // Nothing but the checksum changes.
            assert_eq!(f.bytes[..th + 6], bytes[..th + 6]);
            assert_eq!(f.bytes[th + 8..], bytes[th + 8..]);
        }
    }
}

#[test]
fn ipv4_fragments_other_than_the_first_keep_their_transport_checksum() {
    let mut seg = tcp(b"fragment");
    seg[16..18].copy_from_slice(&[0xbe, 0xef]);
    // A later fragment: only the header checksum.
    let (bytes, noff) = frame(&[], 0x0800, &ip4(P_TCP, 0x0010, &seg));
    let mut b = bytes.clone();
    b[noff + 10] ^= 1;
    let (ok, f) = run(&b, ALL);
    assert!(ok);
    assert_eq!(f.bytes, bytes);
    assert_eq!(f.summed, Summed::Untouched);
    // A first fragment (more fragments, offset 0) is checksummed over what it carries.
    let (bytes, noff) = frame(&[], 0x0800, &ip4(P_TCP, 0x2000, &seg));
    let (ok, f) = run(&bytes, ALL);
    assert!(ok);
    let th = noff + 20;
    let mut s = seg.clone();
    s[16..18].copy_from_slice(&[0, 0]);
    let c = pseudo4_csum(&SRC4, &DST4, P_TCP, s.len() as u16, &s);
    assert_eq!(be16(&f.bytes, th + 16), c);
}

#[test]
fn ipv6_fragments_are_left_alone() {
    for first in [true, false] {
        let mut seg = tcp(b"fragment");
        seg[16..18].copy_from_slice(&[0xbe, 0xef]);
        // A fragment header: next header, reserved, offset and flags, id.
        let off: u16 = if first { 1 } else { 0x100 };
        let mut fh = vec![P_TCP, 0];
        fh.extend_from_slice(&off.to_be_bytes());
        fh.extend_from_slice(&[0, 0, 0, 9]);
        fh.extend_from_slice(&seg);
        let (bytes, _) = frame(&[], 0x86dd, &ip6(P_FRAG, &[], &fh));
        let (ok, f) = run(&bytes, ALL);
        assert!(ok);
        assert_eq!(f.bytes, bytes);
        assert_eq!(f.summed, Summed::Untouched);
    }
}

#[test]
fn gso_packets_keep_their_transport_checksums() {
    let mut t = tcp(b"segments");
    t[16..18].copy_from_slice(&[0xbe, 0xef]);
    let mut u = udp(b"segments", None);
    u[6..8].copy_from_slice(&[0xbe, 0xef]);
    let mut s = sctp(b"segments");
    s[8..12].copy_from_slice(&[1, 2, 3, 4]);
    let cases: [(Vec<u8>, u32, u32); 5] = [
        (
            frame(&[], 0x0800, &ip4(P_TCP, 0, &t)).0,
            gso::TCPV4,
            gso::TCPV6,
        ),
        (
            frame(&[], 0x86dd, &ip6(P_TCP, &[], &t)).0,
            gso::TCPV6,
            gso::TCPV4,
        ),
        (
            frame(&[], 0x0800, &ip4(P_UDP, 0, &u)).0,
            gso::UDP,
            gso::TCPV4,
        ),
        (
            frame(&[], 0x86dd, &ip6(P_UDPLITE, &[], &u)).0,
            gso::UDP,
            gso::SCTP,
        ),
        (
            frame(&[], 0x0800, &ip4(P_SCTP, 0, &s)).0,
            gso::SCTP,
            gso::UDP,
        ),
    ];
    for (i, (bytes, skip, other)) in cases.iter().enumerate() {
        let mut f = FakeFrame::new(bytes);
        f.gso = *skip;
        assert!(act(&mut f, ALL & !flag::IPV4HDR));
        assert_eq!(&f.bytes, bytes, "case {i}: skipped");
        // Another kind of GSO packet is checksummed.
        let mut f = FakeFrame::new(bytes);
        f.gso = *other;
        assert!(act(&mut f, ALL & !flag::IPV4HDR));
        assert_ne!(&f.bytes, bytes, "case {i}: checksummed");
    }
}

#[test]
fn truncated_headers_are_dropped() {
    let seg = tcp(b"payload");
    let (bytes, noff) = frame(&[0x8100], 0x0800, &ip4(P_TCP, 0, &seg));
    // Cut anywhere before the end of the TCP header, with the IP length left as it is: the
    // IP packet is longer than the frame.
    for cut in 0..noff + 20 + 20 {
        let (ok, _) = run(&bytes[..cut], flag::TCP);
        assert!(!ok, "cut at {cut}: dropped");
    }
    // Cut in the payload: the IP length still says more than there is.
    let (ok, _) = run(&bytes[..bytes.len() - 1], flag::TCP);
    assert!(!ok);
    // Without any flag that reads past the IP header, a frame cut after it passes.
    let (ok, _) = run(&bytes[..noff + 20], flag::IPV4HDR);
    assert!(ok);
    let (ok, _) = run(&bytes[..noff + 19], flag::IPV4HDR);
    assert!(!ok, "no whole IPv4 header");
    // An IP length shorter than the headers: dropped with the transport's flag, not without.
    let mut short = bytes.clone();
    short[noff + 2..noff + 4].copy_from_slice(&30u16.to_be_bytes());
    assert!(!run(&short, flag::TCP).0);
    let (ok, f) = run(&short, flag::IPV4HDR | flag::UDP);
    assert!(ok);
    assert_eq!(be16(&f.bytes, noff + 10), {
        let mut h = short[noff..noff + 20].to_vec();
        h[10] = 0;
        h[11] = 0;
        inet_csum(&h)
    });
    // IPv6: a header or an extension header cut short is dropped.
    let (bytes, noff) = frame(&[], 0x86dd, &ip6(P_TCP, &[(P_HOP, 1)], &seg));
    for cut in [noff + 39, noff + 41, noff + 40 + 15] {
        assert!(!run(&bytes[..cut], flag::TCP).0, "IPv6 cut at {cut}");
    }
    // A frame ending right after its extension headers: nothing to walk to, it passes.
    assert!(run(&bytes[..noff + 40 + 16], flag::TCP).0);
}

#[test]
fn no_memory_to_unshare_the_headers_drops() {
    let (bytes, _) = frame(&[], 0x0800, &ip4(P_TCP, 0, &tcp(b"shared")));
    let mut f = FakeFrame::new(&bytes);
    f.cloned = true;
    f.no_mem = true;
    assert!(!act(&mut f, flag::TCP));
    assert!(!act(&mut f, flag::IPV4HDR));
    // With memory, the clone's bytes are copied before they are written.
    let mut f = FakeFrame::new(&bytes);
    f.cloned = true;
    assert!(act(&mut f, flag::TCP | flag::IPV4HDR));
    assert_eq!(f.unshares, 1);
}

#[test]
fn other_ethertypes_and_protocols_pass_unchanged() {
    let (bytes, _) = frame(&[0x88a8, 0x8100], 0x88b5, b"local experimental");
    let (ok, f) = run(&bytes, ALL);
    assert!(ok);
    assert_eq!(f.bytes, bytes);
    // ESP over IPv6, GRE over IPv4.
    let (bytes, _) = frame(&[], 0x86dd, &ip6(50, &[(P_DEST, 0)], b"encrypted"));
    let (ok, f) = run(&bytes, ALL);
    assert!(ok);
    assert_eq!(f.bytes, bytes);
    let (mut bytes, noff) = frame(&[], 0x0800, &ip4(47, 0, b"gre"));
    bytes[noff + 10] ^= 1;
    let (ok, f) = run(&bytes, ALL & !flag::IPV4HDR);
    assert!(ok);
    assert_eq!(f.bytes, bytes);
    // A tag cut short is dropped, and so is a frame shorter than an Ethernet header.
    assert!(!run(&bytes[..13], ALL).0);
    let (tagged, _) = frame(&[0x8100], 0x0800, &[]);
    assert!(!run(&tagged[..16], ALL).0);
}

#[test]
fn jumbo_payload_option() {
    // A hop-by-hop header with a jumbo payload option (at offset 2, as the alignment rule
    // wants), the payload length field 0.
    let seg = tcp(b"jumbo");
    let jumbo = |len: u32, at: usize, optlen: u8| {
        // 8 bytes, or 16 for an option further in (Pad1 options before it, PadN after).
        let n = if at == 2 { 8 } else { 16 };
        let mut h = vec![P_TCP, (n / 8 - 1) as u8];
        h.resize(n, 0);
        h[at] = 0xc2;
        h[at + 1] = optlen;
        h[at + 2..at + 6].copy_from_slice(&len.to_be_bytes());
        if at + 6 < n {
            h[at + 6] = 1;
            h[at + 7] = (n - at - 8) as u8;
        }
        h
    };
    let build = |hbh: Vec<u8>| {
        let mut b = vec![0x60, 0, 0, 0, 0, 0, P_HOP, 64];
        b.extend_from_slice(&SRC6);
        b.extend_from_slice(&DST6);
        b.extend_from_slice(&hbh);
        b.extend_from_slice(&seg);
        frame(&[], 0x86dd, &b)
    };
    // The jumbo length is the IP payload's: checksummed.
    let (bytes, noff) = build(jumbo(8 + seg.len() as u32, 2, 4));
    let (ok, f) = run(&bytes, flag::TCP);
    assert!(ok);
    let c = pseudo6_csum(&SRC6, &DST6, P_TCP, seg.len() as u32, &seg);
    assert_eq!(be16(&f.bytes, noff + 48 + 16), c);
    // A longer jumbo length than the packet has: dropped.
    let (bytes, _) = build(jumbo(100, 2, 4));
    assert!(!run(&bytes, flag::TCP).0);
    // Misaligned, or of the wrong length: dropped.
    let (bytes, _) = build(jumbo(8 + seg.len() as u32, 3, 4));
    assert!(!run(&bytes, flag::TCP).0);
    let (bytes, _) = build(jumbo(8 + seg.len() as u32, 2, 5));
    assert!(!run(&bytes, flag::TCP).0);
    // A length within 40 bytes of 4 GiB wraps around in act_csum's arithmetic: the packet
    // must not make the engine read outside it.
    for pl in [u32::MAX - 39, u32::MAX - 30, u32::MAX - 20, u32::MAX] {
        for flags in [flag::TCP, flag::UDP, flag::ICMP, flag::UDPLITE, flag::SCTP] {
            let (bytes, _) = build(jumbo(pl, 2, 4));
            let _ = run(&bytes, flags);
        }
    }
}

#[test]
fn ipv4_header_lengths_below_20_bytes_never_read_outside_the_packet() {
    let mut rng = Rng::new(20);
    for _ in 0..2000 {
        let ihl = rng.below(16) as u8;
        let proto = [P_TCP, P_UDP, P_UDPLITE, P_ICMP, P_IGMP, P_SCTP][rng.below(6) as usize];
        let n = rng.below(70) as usize;
        let mut l3 = ip4(proto, 0, &payload(&mut rng, n));
        l3[0] = 0x40 | ihl;
        let tot = rng.below(l3.len() as u64 + 30) as u16;
        l3[2..4].copy_from_slice(&tot.to_be_bytes());
        let (bytes, _) = frame(&[], 0x0800, &l3);
        let linear = 14 + rng.below(bytes.len() as u64 - 13) as usize;
        let mut f = FakeFrame::split(&bytes, linear);
        let ok = act(&mut f, ALL);
        // The same outcome whatever part of the packet was linear.
        let mut g = FakeFrame::new(&bytes);
        assert_eq!(act(&mut g, ALL), ok);
        assert_eq!(f.bytes, g.bytes);
    }
}

#[test]
fn random_bytes_never_panic_and_do_not_depend_on_the_linear_part() {
    let mut rng = Rng::new(0xbad);
    for _ in 0..20_000 {
        let n = 14 + rng.below(120) as usize;
        let mut b = payload(&mut rng, n);
        // Mostly IP behind 0 to 2 tags, with plausible header fields.
        let tags = rng.below(3) as usize;
        for t in 0..tags {
            if 12 + 4 * t + 2 <= n {
                b[12 + 4 * t..14 + 4 * t].copy_from_slice(&[0x81, 0]);
            }
        }
        let at = 12 + 4 * tags;
        if at + 2 <= n {
            let e: [u8; 2] = if rng.below(2) == 0 {
                [8, 0]
            } else {
                [0x86, 0xdd]
            };
            b[at..at + 2].copy_from_slice(&e);
            let nh = at + 2;
            if nh + 10 <= n {
                if e == [8, 0] {
                    b[nh] = 0x40 | (rng.below(16) as u8);
                    b[nh + 6] &= 0x20;
                    b[nh + 9] = [P_TCP, P_UDP, P_ICMP, P_UDPLITE, P_SCTP][rng.below(5) as usize];
                } else {
                    b[nh + 6] = [P_TCP, P_UDP, P_HOP, P_DEST, P_ROUTING, P_ICMPV6, P_SCTP]
                        [rng.below(7) as usize];
                }
            }
        }
        let flags = rng.below(128) as u32;
        let linear = 14 + rng.below(n as u64 - 13) as usize;
        let mut f = FakeFrame::split(&b, linear);
        let ok = act(&mut f, flags);
        let mut g = FakeFrame::new(&b);
        assert_eq!(act(&mut g, flags), ok);
        assert_eq!(f.bytes, g.bytes);
        assert_eq!(f.summed, g.summed);
    }
}
