// SPDX-License-Identifier: GPL-2.0

use std::vec::Vec;

use crate::packet::*;
use crate::rng::Rng;

/// A frame built from random fields, with the key the parser must return for it and the length
/// of its headers.
struct Built {
    frame: Vec<u8>,
    key: FlowKey,
    headers_len: usize,
}

fn build(rng: &mut Rng) -> Built {
    let mut k = FlowKey::default();
    let mut f = Vec::new();
    for b in k.dst_mac.iter_mut().chain(k.src_mac.iter_mut()) {
        *b = rng.byte();
    }
    f.extend_from_slice(&k.dst_mac);
    f.extend_from_slice(&k.src_mac);

    let tags = rng.below(3);
    for depth in 0..tags {
        let tpid = if depth == 0 && tags == 2 {
            ETH_P_8021AD
        } else {
            ETH_P_8021Q
        };
        let v = Vlan {
            tpid,
            id: rng.below(4096) as u16,
            prio: rng.below(8) as u8,
        };
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&((u16::from(v.prio) << 13) | v.id).to_be_bytes());
        if depth == 0 {
            k.vlan = Some(v);
        } else {
            k.cvlan = Some(v);
        }
    }
    let l3 = rng.below(3);
    k.ethertype = match l3 {
        0 => ETH_P_IP,
        1 => ETH_P_IPV6,
        _ => 0x88b5, // local experimental: no L3 parsing
    };
    f.extend_from_slice(&k.ethertype.to_be_bytes());
    k.l3_offset = f.len() as u16;
    if l3 == 2 {
        let n = f.len();
        f.extend((0..rng.below(20)).map(|_| rng.byte()));
        return Built {
            frame: f,
            key: k,
            headers_len: n,
        };
    }

    let protos = [proto::TCP, proto::UDP, proto::SCTP, proto::ICMP, 47];
    k.ip_proto = protos[rng.below(protos.len() as u64) as usize];
    if l3 == 1 && k.ip_proto == proto::ICMP {
        k.ip_proto = proto::ICMPV6;
    }
    k.ip_tos = rng.byte();
    k.ip_ttl = rng.byte();
    // 0: not a fragment, 1: first fragment, 2: later fragment.
    let fragment = rng.below(4).min(2);
    if fragment > 0 {
        k.ip_flags = frag::IS_FRAGMENT | if fragment == 1 { frag::FIRST_FRAG } else { 0 };
    }
    let frag_offset: u16 = if fragment == 2 {
        1 + rng.below(100) as u16
    } else {
        0
    };

    if l3 == 0 {
        for b in k.ip_src[..4].iter_mut().chain(k.ip_dst[..4].iter_mut()) {
            *b = rng.byte();
        }
        let opts = rng.below(3) as usize * 4;
        f.push(0x45 + (opts / 4) as u8);
        f.push(k.ip_tos);
        f.extend_from_slice(&[0, 0, 0x12, 0x34]);
        let mf = if fragment == 1 { 0x2000 } else { 0 };
        f.extend_from_slice(&(mf | frag_offset).to_be_bytes());
        f.push(k.ip_ttl);
        f.push(k.ip_proto);
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(&k.ip_src[..4]);
        f.extend_from_slice(&k.ip_dst[..4]);
        f.extend(std::iter::repeat(1u8).take(opts)); // NOPs
    } else {
        for b in k.ip_src.iter_mut().chain(k.ip_dst.iter_mut()) {
            *b = rng.byte();
        }
        let hbh = rng.below(2) == 1;
        let first_next = if hbh {
            0
        } else if fragment > 0 {
            44
        } else {
            k.ip_proto
        };
        // Version/traffic class/flow label, payload length, next header, hop limit.
        f.push(0x60 | (k.ip_tos >> 4));
        f.push(k.ip_tos << 4);
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.push(first_next);
        f.push(k.ip_ttl);
        f.extend_from_slice(&k.ip_src);
        f.extend_from_slice(&k.ip_dst);
        if hbh {
            let next = if fragment > 0 { 44 } else { k.ip_proto };
            f.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
        }
        if fragment > 0 {
            let off = frag_offset << 3 | if fragment == 1 { 1 } else { 0 };
            f.push(k.ip_proto);
            f.push(0);
            f.extend_from_slice(&off.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 7]);
        }
    }
    if fragment == 2 {
        let n = f.len();
        f.extend((0..rng.below(30)).map(|_| rng.byte()));
        return Built {
            frame: f,
            key: k,
            headers_len: n,
        };
    }
    k.l4_offset = f.len() as u16;
    match k.ip_proto {
        proto::TCP | proto::UDP | proto::SCTP => {
            let (s, d) = (rng.next_u64() as u16, rng.next_u64() as u16);
            k.l4 = L4::Ports { src: s, dst: d };
            f.extend_from_slice(&s.to_be_bytes());
            f.extend_from_slice(&d.to_be_bytes());
            let rest = match k.ip_proto {
                proto::TCP => 16,
                proto::UDP => 4,
                _ => 8,
            };
            let start = f.len();
            f.extend((0..rest).map(|_| rng.byte()));
            if k.ip_proto == proto::TCP {
                f[start + 8] &= 0x0f; // reserved bits zero
                k.tcp_flags = u16::from_be_bytes([f[start + 8], f[start + 9]]) & 0x0fff;
            }
        }
        proto::ICMP | proto::ICMPV6 => {
            let (t, c) = (rng.byte(), rng.byte());
            k.l4 = L4::Icmp { ty: t, code: c };
            f.extend_from_slice(&[t, c, 0, 0]);
        }
        _ => k.l4_offset = f.len() as u16,
    }
    let n = f.len();
    f.extend((0..rng.below(64)).map(|_| rng.byte()));
    Built {
        frame: f,
        key: k,
        headers_len: n,
    }
}

#[test]
fn random_frames_parse_to_their_fields() {
    let mut rng = Rng::new(0x5eed);
    for i in 0..50_000 {
        let b = build(&mut rng);
        let got = parse(&b.frame).unwrap_or_else(|e| panic!("frame {i}: {e:?} {:02x?}", b.frame));
        assert_eq!(got, b.key, "frame {i}: {:02x?}", b.frame);
    }
}

#[test]
fn every_cut_inside_the_headers_is_truncated() {
    let mut rng = Rng::new(42);
    for _ in 0..3_000 {
        let b = build(&mut rng);
        for cut in 0..b.headers_len {
            assert_eq!(
                parse(&b.frame[..cut]),
                Err(ParseError::Truncated),
                "cut {cut} of {:02x?}",
                b.frame
            );
        }
        assert_eq!(parse(&b.frame[..b.headers_len]), Ok(b.key));
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(99);
    for _ in 0..200_000 {
        let len = rng.below(120) as usize;
        let mut f: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // Bias towards interesting ethertypes so deep paths get exercised.
        if len >= 14 {
            let et = [ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD][rng.below(4) as usize];
            f[12..14].copy_from_slice(&et.to_be_bytes());
            if len >= 15 && et == ETH_P_IP {
                f[14] = 0x40 | (f[14] & 0x0f);
            }
        }
        let _ = parse(&f);
    }
}

#[test]
fn bad_ip_headers_are_rejected() {
    let mut f = [0u8; 14 + 40];
    f[12..14].copy_from_slice(&ETH_P_IP.to_be_bytes());
    f[14] = 0x44; // IHL 4 < 5
    assert_eq!(parse(&f), Err(ParseError::BadIpHeader));
    f[14] = 0x65; // version 6 in an IPv4 ethertype
    assert_eq!(parse(&f), Err(ParseError::BadIpHeader));
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    f[14] = 0x45;
    assert_eq!(parse(&f), Err(ParseError::BadIpHeader));
}

#[test]
fn known_icmp_echo() {
    // A real ping: 10.0.0.1 -> 10.0.0.2, echo request.
    let f: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x66, 0, 1, 0, 0, 0x08, 0x00, 0x45, 0x00, 0x00,
        0x1c, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0xf7,
        0xff, 0, 0, 0, 0,
    ];
    let k = parse(&f).unwrap();
    assert_eq!(k.l4, L4::Icmp { ty: 8, code: 0 });
    assert_eq!(k.ip_flags, 0, "DF alone is not a fragment");
    assert_eq!(k.l3_offset, 14);
    assert_eq!(k.l4_offset, 34);
}
