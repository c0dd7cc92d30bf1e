// SPDX-License-Identifier: GPL-2.0

use std::vec;
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

    // Up to three in-band tags: the first two fill the keys, a third is skipped.
    let tags = rng.below(4) as u32;
    let mut tpids = Vec::new();
    for depth in 0..tags {
        let tpid = if depth == 0 && tags >= 2 {
            ETH_P_8021AD
        } else {
            ETH_P_8021Q
        };
        tpids.push(tpid);
        let v = Vlan {
            tpid,
            id: rng.below(4096) as u16,
            prio: rng.below(8) as u8,
            eth_type: 0,
        };
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&((u16::from(v.prio) << 13) | v.id).to_be_bytes());
        if depth == 0 {
            k.vlan = Some(v);
        } else if depth == 1 {
            k.cvlan = Some(v);
        }
    }
    let l3 = rng.below(3);
    k.ethertype = match l3 {
        0 => ETH_P_IP,
        1 => ETH_P_IPV6,
        _ => 0x88b5, // local experimental: no L3 parsing
    };
    tpids.push(k.ethertype);
    if let Some(v) = k.vlan.as_mut() {
        v.eth_type = tpids[1];
    }
    if let Some(v) = k.cvlan.as_mut() {
        v.eth_type = tpids[2];
    }
    k.tc_proto = tpids[0];
    f.extend_from_slice(&k.ethertype.to_be_bytes());
    k.l3_offset = f.len() as u16;
    if l3 == 2 {
        let n = f.len();
        // At least two bytes: the core drops shorter frames with an in-band outer tag.
        f.extend((0..2 + rng.below(20)).map(|_| rng.byte()));
        return Built {
            frame: f,
            key: k,
            headers_len: n,
        };
    }

    let protos = [proto::TCP, proto::UDP, proto::SCTP, proto::ICMP, 47];
    let upper = protos[rng.below(protos.len() as u64) as usize];
    let upper = if l3 == 1 && upper == proto::ICMP {
        proto::ICMPV6
    } else {
        upper
    };
    k.ip_proto = upper;
    k.ip_tos = rng.byte();
    k.ip_ttl = rng.byte();
    // 0: not a fragment, 1: first fragment, 2: later fragment.
    let fragment = rng.below(4).min(2);
    let frag_flags = match fragment {
        0 => 0,
        1 => frag::IS_FRAGMENT | frag::FIRST_FRAG,
        _ => frag::IS_FRAGMENT,
    };
    let frag_offset: u16 = if fragment == 2 {
        1 + rng.below(100) as u16
    } else {
        0
    };
    // Whether the dissector gets to the upper-layer header, and whether it dissects it in full
    // (TCP flags, ICMP) or only reads its ports before hitting the header-count limit.
    let mut reach_upper = true;
    let mut full_upper = true;

    if l3 == 0 {
        for b in k.ip_src[..4].iter_mut().chain(k.ip_dst[..4].iter_mut()) {
            *b = rng.byte();
        }
        k.addr_type = ADDR_TYPE_IPV4;
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
        k.ip_flags = frag_flags;
        reach_upper = fragment == 0;
    } else {
        for b in k.ip_src.iter_mut().chain(k.ip_dst.iter_mut()) {
            *b = rng.byte();
        }
        k.addr_type = ADDR_TYPE_IPV6;
        // Options headers before the upper layer (or the fragment header): sometimes enough
        // of them to reach the dissector's header-count limit.
        let mut exts = Vec::new();
        if rng.below(2) == 1 {
            exts.push(proto::HOPOPTS);
        }
        let n_dst = if rng.below(5) == 0 {
            [9, 12, 13, 14, 15, 16, 17][rng.below(7) as usize]
        } else {
            rng.below(3)
        };
        for _ in 0..n_dst {
            exts.push(proto::DSTOPTS);
        }
        let after_exts = if fragment > 0 { proto::FRAGMENT } else { upper };
        let first_next = exts.first().copied().unwrap_or(after_exts);
        // Version/traffic class/flow label, payload length, next header, hop limit.
        f.push(0x60 | (k.ip_tos >> 4));
        f.push(k.ip_tos << 4);
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.push(first_next);
        f.push(k.ip_ttl);
        f.extend_from_slice(&k.ip_src);
        f.extend_from_slice(&k.ip_dst);
        let mut steps = tags;
        let mut stopped = false;
        for i in 0..exts.len() {
            let next = exts.get(i + 1).copied().unwrap_or(after_exts);
            let words = rng.below(3) as u8;
            f.extend_from_slice(&[next, words, 1, 4, 0, 0, 0, 0]);
            f.extend((0..usize::from(words) * 8).map(|_| 0));
            steps += 1;
            if steps > MAX_FLOW_DISSECT_HDRS && !stopped {
                stopped = true;
                // Stopped right after this header: its next header is what is classified.
                k.ip_proto = next;
                if next == upper {
                    full_upper = false;
                } else {
                    reach_upper = false;
                }
            }
        }
        if fragment > 0 {
            let off = frag_offset << 3 | if fragment == 1 { 1 } else { 0 };
            f.push(upper);
            f.push(0);
            f.extend_from_slice(&off.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 7]);
            if !stopped {
                k.ip_flags = frag_flags;
                reach_upper = false;
            }
        }
        if !reach_upper {
            let n = f.len();
            f.extend((0..rng.below(30)).map(|_| rng.byte()));
            return Built {
                frame: f,
                key: k,
                headers_len: n,
            };
        }
    }
    if !reach_upper {
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
                f[start + 8] = (f[start + 8] & 0x0f) | 0x50; // data offset 5
                if full_upper {
                    k.tcp_flags = u16::from_be_bytes([f[start + 8], f[start + 9]]) & 0x0fff;
                }
            }
        }
        proto::ICMP | proto::ICMPV6 => {
            let (t, c) = (rng.byte(), rng.byte());
            if full_upper {
                k.l4 = L4::Icmp { ty: t, code: c };
            }
            f.extend_from_slice(&[t, c, 0, 0, 0, 0, 0, 0]);
        }
        _ => {}
    }
    let n = f.len();
    f.extend((0..rng.below(64)).map(|_| rng.byte()));
    Built {
        frame: f,
        key: k,
        headers_len: n,
    }
}

/// Runs the driver's pull-and-parse loop on `frame` with `linear` bytes linear at first;
/// returns the result and the number of parse attempts.
fn parse_pulling_frame(frame: &[u8], linear: usize) -> (Result<FlowKey, ParseError>, usize) {
    let mut s = (frame, linear, 1usize);
    let r = parse_pulling(
        &mut s,
        frame.len(),
        None,
        |s| &s.0[..s.1],
        |s, n| {
            assert!(
                n > s.1 && n <= s.0.len(),
                "pull {n} of {}/{}",
                s.1,
                s.0.len()
            );
            s.1 = n;
            s.2 += 1;
            true
        },
    );
    (r, s.2)
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
fn every_cut_classifies_what_is_there() {
    let mut rng = Rng::new(42);
    for _ in 0..3_000 {
        let b = build(&mut rng);
        for cut in 0..b.frame.len() {
            let got = parse(&b.frame[..cut]);
            let tagged = b.key.vlan.is_some();
            if cut < 14 || (tagged && cut < 20) {
                assert_eq!(got, Err(ParseError::Runt));
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("cut {cut}: {e:?} {:02x?}", b.frame));
            if cut >= b.headers_len {
                assert_eq!(got, b.key, "cut {cut} of {:02x?}", b.frame);
            }
            // Whatever was found is what the whole frame has.
            assert_eq!(got.dst_mac, b.key.dst_mac);
            if got.ip_proto == b.key.ip_proto && got.ethertype == b.key.ethertype {
                assert_eq!(
                    got.ip_flags, b.key.ip_flags,
                    "cut {cut} of {:02x?}",
                    b.frame
                );
            }
        }
    }
}

#[test]
fn headers_beyond_the_linear_part_are_pulled() {
    let mut rng = Rng::new(7);
    for _ in 0..20_000 {
        let b = build(&mut rng);
        let linear = rng.below(b.frame.len() as u64 + 1) as usize;
        let (got, attempts) = parse_pulling_frame(&b.frame, linear);
        assert_eq!(got, parse(&b.frame), "linear {linear} of {:02x?}", b.frame);
        if b.headers_len <= 256 {
            assert!(attempts <= 2, "one pull suffices for short headers");
        }
    }
}

#[test]
fn a_jumbo_frame_with_headers_in_fragments_is_classified() {
    // A 5042-byte UDP frame whose linear part holds only the Ethernet header.
    let mut f = frame_v4(proto::UDP, 0, &udp(1000, 53));
    f.resize(5042, 0x5a);
    assert_eq!(
        parse_skb(&f[..14], f.len(), None),
        Err(ParseError::NeedLinear(34))
    );
    let (got, attempts) = parse_pulling_frame(&f, 14);
    let got = got.unwrap();
    assert_eq!(attempts, 2, "one pull suffices");
    assert_eq!(&got.ip_dst[..4], &[10, 0, 0, 2]);
    assert_eq!(got.l4, L4::Ports { src: 1000, dst: 53 });
    // The worst case: the longest header chain the dissector walks, linear part empty.
    let mut f = eth(ETH_P_IPV6);
    f.extend_from_slice(&ipv6_hdr(proto::DSTOPTS));
    for i in 0..15 {
        let next = if i == 14 { proto::UDP } else { proto::DSTOPTS };
        f.push(next);
        f.push(255);
        f.extend(std::iter::repeat(0).take(2046));
    }
    f.extend_from_slice(&udp(7, 9));
    f.resize(f.len() + 100, 0);
    let (got, attempts) = parse_pulling_frame(&f, 0);
    assert_eq!(got.unwrap().l4, L4::Ports { src: 7, dst: 9 });
    assert!(attempts <= MAX_PARSE_ATTEMPTS);
    // A pull that fails leaves the request standing: the caller takes the slow path.
    let mut s: &[u8] = &f[..20];
    let r = parse_pulling(&mut s, f.len(), None, |s| &s[..], |_, _| false);
    assert!(matches!(r, Err(ParseError::NeedLinear(_))));
}

fn eth(ethertype: u16) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

fn ipv4_hdr(proto: u8, frag_off: u16) -> [u8; 20] {
    let fo = frag_off.to_be_bytes();
    [
        0x45, 0x10, 0, 0, 0, 1, fo[0], fo[1], 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]
}

fn ipv6_hdr(next: u8) -> [u8; 40] {
    let mut h = [0u8; 40];
    h[0] = 0x60;
    h[6] = next;
    h[7] = 64;
    h[8] = 0x20;
    h[23] = 1;
    h[24] = 0x20;
    h[39] = 2;
    h
}

fn udp(src: u16, dst: u16) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&src.to_be_bytes());
    h.extend_from_slice(&dst.to_be_bytes());
    h.extend_from_slice(&[0, 8, 0, 0]);
    h
}

fn tcp(src: u16, dst: u16, doff: u8, flags: u8) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&src.to_be_bytes());
    h.extend_from_slice(&dst.to_be_bytes());
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&[doff << 4, flags, 0x20, 0, 0, 0, 0, 0]);
    h
}

fn frame_v4(proto: u8, frag_off: u16, l4: &[u8]) -> Vec<u8> {
    let mut f = eth(ETH_P_IP);
    f.extend_from_slice(&ipv4_hdr(proto, frag_off));
    f.extend_from_slice(l4);
    f
}

/// An IPv6 frame with `n` destination options headers before `l4` of protocol `upper`.
fn frame_v6_dstopts(n: usize, upper: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = eth(ETH_P_IPV6);
    f.extend_from_slice(&ipv6_hdr(if n > 0 { proto::DSTOPTS } else { upper }));
    for i in 0..n {
        let next = if i + 1 == n { upper } else { proto::DSTOPTS };
        f.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
    }
    f.extend_from_slice(l4);
    f
}

#[test]
fn bad_ipv4_header_length_stops_with_n_proto_only() {
    let mut f = frame_v4(proto::UDP, 0, &udp(1, 2));
    f[14] = 0x44; // IHL 4 < 5
    let k = parse(&f).unwrap();
    assert_eq!(k.ethertype, ETH_P_IP);
    assert_eq!((k.ip_proto, k.ip_ttl, k.ip_dst[3]), (0, 0, 0));
    assert_eq!((k.l4, k.l4_offset), (L4::None, 0));
}

#[test]
fn ip_versions_are_not_checked() {
    // Version 6 under an IPv4 ethertype is dissected as IPv4, and the other way round.
    let mut f = frame_v4(proto::UDP, 0, &udp(1, 2));
    f[14] = 0x65;
    let k = parse(&f).unwrap();
    assert_eq!(
        (k.ip_proto, k.l4),
        (proto::UDP, L4::Ports { src: 1, dst: 2 })
    );
    let mut f = frame_v6_dstopts(0, proto::UDP, &udp(3, 4));
    f[14] = 0x45;
    let k = parse(&f).unwrap();
    assert_eq!(
        (k.ip_proto, k.l4),
        (proto::UDP, L4::Ports { src: 3, dst: 4 })
    );
}

#[test]
fn truncated_headers_keep_what_was_found() {
    // An IPv4 header cut short: n_proto only.
    let f = frame_v4(proto::TCP, 0, &[]);
    let k = parse(&f[..30]).unwrap();
    assert_eq!((k.ethertype, k.ip_proto, k.ip_ttl), (ETH_P_IP, 0, 0));
    assert_eq!(k.addr_type, 0);
    // A TCP header of 10 bytes: the ports, no flags.
    let f = frame_v4(proto::TCP, 0, &tcp(1, 2, 5, 0x12)[..10]);
    let k = parse(&f).unwrap();
    assert_eq!((k.ip_proto, k.ip_ttl), (proto::TCP, 64));
    assert_eq!((k.l4, k.tcp_flags), (L4::Ports { src: 1, dst: 2 }, 0));
    // Three bytes of UDP: no ports.
    let f = frame_v4(proto::UDP, 0, &udp(1, 2)[..3]);
    assert_eq!(parse(&f).unwrap().l4, L4::None);
    // ICMP needs its whole 8-byte header.
    let f = frame_v4(proto::ICMP, 0, &[8, 0, 0, 0]);
    let k = parse(&f).unwrap();
    assert_eq!((k.ip_proto, k.l4), (proto::ICMP, L4::None));
    let f = frame_v4(proto::ICMP, 0, &[8, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(parse(&f).unwrap().l4, L4::Icmp { ty: 8, code: 0 });
    // IPv6 options header cut short: stopped at it.
    let mut f = frame_v6_dstopts(2, proto::UDP, &udp(1, 2));
    f.truncate(14 + 40 + 8 + 1);
    let k = parse(&f).unwrap();
    assert_eq!(
        (k.ip_proto, k.l4, k.l4_offset),
        (proto::DSTOPTS, L4::None, 0)
    );
    // A VLAN tag cut short after a metadata tag: n_proto is its TPID.
    let f = eth(ETH_P_8021Q);
    let k = parse_with_hw_vlan(&f, Some((ETH_P_8021AD, 5))).unwrap();
    assert_eq!(k.ethertype, ETH_P_8021Q);
    assert_eq!(k.vlan.map(|v| (v.id, v.eth_type)), Some((5, ETH_P_8021Q)));
    assert_eq!(k.cvlan, None);
}

#[test]
fn tcp_flags_need_a_sane_data_offset() {
    let f = frame_v4(proto::TCP, 0, &tcp(1, 2, 4, 0x02));
    let k = parse(&f).unwrap();
    assert_eq!((k.l4, k.tcp_flags), (L4::Ports { src: 1, dst: 2 }, 0));
    let f = frame_v4(proto::TCP, 0, &tcp(1, 2, 5, 0x02));
    assert_eq!(parse(&f).unwrap().tcp_flags, 0x02);
}

#[test]
fn runts_are_not_classified() {
    let f = frame_v4(proto::UDP, 0, &udp(1, 2));
    assert_eq!(parse(&f[..13]), Err(ParseError::Runt));
    // An in-band outer tag needs two bytes after it, or the core drops the frame.
    let mut f = eth(ETH_P_8021Q);
    f.extend_from_slice(&[0, 5, 0x08]);
    assert_eq!(parse(&f), Err(ParseError::Runt));
    f.push(0);
    assert_eq!(parse(&f), Err(ParseError::Runt));
    f.extend_from_slice(&[0x45, 0]);
    let k = parse(&f).unwrap();
    assert_eq!((k.ethertype, k.tc_proto), (ETH_P_IP, ETH_P_8021Q));
}

#[test]
fn nine_destination_options_headers_are_walked() {
    let f = frame_v6_dstopts(9, proto::UDP, &udp(1000, 53));
    let k = parse(&f).unwrap();
    assert_eq!(k.ip_proto, proto::UDP);
    assert_eq!(k.l4, L4::Ports { src: 1000, dst: 53 });
    assert_eq!(usize::from(k.l4_offset), 14 + 40 + 9 * 8);
}

#[test]
fn the_header_count_limit_stops_the_walk() {
    // 15 steps are allowed: after the 16th options header its next header is classified,
    // with the ports read for it but no TCP flags.
    for upper in [proto::UDP, proto::TCP] {
        let l4 = if upper == proto::UDP {
            udp(1, 2)
        } else {
            tcp(1, 2, 5, 0x02)
        };
        let k = parse(&frame_v6_dstopts(15, upper, &l4)).unwrap();
        assert_eq!((k.ip_proto, k.l4), (upper, L4::Ports { src: 1, dst: 2 }));
        assert_eq!(k.tcp_flags, if upper == proto::TCP { 2 } else { 0 });
        let k = parse(&frame_v6_dstopts(16, upper, &l4)).unwrap();
        assert_eq!((k.ip_proto, k.l4), (upper, L4::Ports { src: 1, dst: 2 }));
        assert_eq!(k.tcp_flags, 0);
        let k = parse(&frame_v6_dstopts(17, upper, &l4)).unwrap();
        assert_eq!(
            (k.ip_proto, k.l4, k.l4_offset),
            (proto::DSTOPTS, L4::None, 0)
        );
    }
    // ICMPv6 after 16 headers: no type/code.
    let k = parse(&frame_v6_dstopts(
        16,
        proto::ICMPV6,
        &[128, 0, 0, 0, 0, 0, 0, 0],
    ))
    .unwrap();
    assert_eq!((k.ip_proto, k.l4), (proto::ICMPV6, L4::None));
    // The metadata VLAN tag counts as a step.
    let f = frame_v6_dstopts(16, proto::UDP, &udp(1, 2));
    let k = parse_with_hw_vlan(&f, Some((ETH_P_8021Q, 1))).unwrap();
    assert_eq!(k.ip_proto, proto::DSTOPTS);
    let f = frame_v6_dstopts(15, proto::UDP, &udp(1, 2));
    let k = parse_with_hw_vlan(&f, Some((ETH_P_8021Q, 1))).unwrap();
    assert_eq!(
        (k.ip_proto, k.l4),
        (proto::UDP, L4::Ports { src: 1, dst: 2 })
    );
}

#[test]
fn fragments_never_carry_l4_fields() {
    // IPv4 first fragment (MF, offset 0) and a later one.
    for fo in [0x2000, 0x0010, 0x2010] {
        let k = parse(&frame_v4(proto::TCP, fo, &tcp(1, 53, 5, 0x02))).unwrap();
        assert_eq!(k.ip_proto, proto::TCP);
        assert_eq!((k.l4, k.tcp_flags, k.l4_offset), (L4::None, 0, 0));
        let first = if fo & 0x1fff == 0 {
            frag::FIRST_FRAG
        } else {
            0
        };
        assert_eq!(k.ip_flags, frag::IS_FRAGMENT | first);
    }
    // IPv6 first fragment: ip_proto is the fragment header's next header.
    let mut f = eth(ETH_P_IPV6);
    f.extend_from_slice(&ipv6_hdr(proto::FRAGMENT));
    f.extend_from_slice(&[proto::UDP, 0, 0, 1, 0, 0, 0, 7]);
    f.extend_from_slice(&udp(1, 53));
    let k = parse(&f).unwrap();
    assert_eq!(k.ip_proto, proto::UDP);
    assert_eq!(k.ip_flags, frag::IS_FRAGMENT | frag::FIRST_FRAG);
    assert_eq!((k.l4, k.l4_offset), (L4::None, 0));
    // ICMP in a first fragment: no type/code.
    let k = parse(&frame_v4(proto::ICMP, 0x2000, &[8, 0, 0, 0, 0, 0, 0, 0])).unwrap();
    assert_eq!(k.l4, L4::None);
}

#[test]
fn vlan_keys_carry_the_ethertype_behind_each_tag() {
    // QinQ in band: 802.1ad 100, 802.1Q 200, IPv4.
    let mut f = eth(ETH_P_8021AD);
    f.extend_from_slice(&[0, 100, 0x81, 0x00, 0, 200, 0x08, 0x00]);
    f.extend_from_slice(&ipv4_hdr(proto::UDP, 0));
    f.extend_from_slice(&udp(1, 2));
    let k = parse(&f).unwrap();
    assert_eq!(
        k.vlan.map(|v| (v.tpid, v.id, v.eth_type)),
        Some((ETH_P_8021AD, 100, ETH_P_8021Q))
    );
    assert_eq!(
        k.cvlan.map(|v| (v.tpid, v.id, v.eth_type)),
        Some((ETH_P_8021Q, 200, ETH_P_IP))
    );
    assert_eq!((k.ethertype, k.tc_proto), (ETH_P_IP, ETH_P_8021AD));
    assert_eq!(k.l3_offset, 22);
    // The same with the outer tag in metadata.
    let k2 = parse_with_hw_vlan(
        &f[..12].iter().chain(&f[16..]).copied().collect::<Vec<_>>(),
        Some((ETH_P_8021AD, 100)),
    )
    .unwrap();
    assert_eq!(
        (k2.vlan, k2.cvlan, k2.ethertype),
        (k.vlan, k.cvlan, k.ethertype)
    );
}

#[test]
fn a_third_vlan_tag_is_skipped() {
    let mut f = eth(ETH_P_8021AD);
    f.extend_from_slice(&[0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00]);
    f.extend_from_slice(&ipv4_hdr(proto::UDP, 0));
    f.extend_from_slice(&udp(1, 53));
    let k = parse(&f).unwrap();
    assert_eq!(k.vlan.map(|v| v.id), Some(1));
    assert_eq!(k.cvlan.map(|v| (v.id, v.eth_type)), Some((2, ETH_P_8021Q)));
    assert_eq!((k.ethertype, k.ip_proto), (ETH_P_IP, proto::UDP));
    assert_eq!(k.l4, L4::Ports { src: 1, dst: 53 });
    assert_eq!(k.l3_offset, 26);
}

#[test]
fn encapsulations_the_dissector_walks_through() {
    // PPPoE session carrying IPv4: n_proto becomes IPv4, tc still sees PPPoE.
    let mut f = eth(ETH_P_PPP_SES);
    f.extend_from_slice(&[0x11, 0, 0, 1, 0, 28, 0x00, 0x21]);
    f.extend_from_slice(&ipv4_hdr(proto::UDP, 0));
    f.extend_from_slice(&udp(1, 53));
    let k = parse(&f).unwrap();
    assert_eq!((k.ethertype, k.tc_proto), (ETH_P_IP, ETH_P_PPP_SES));
    assert_eq!(k.l4, L4::Ports { src: 1, dst: 53 });
    f[14] = 0x12; // bad version/type: stops at PPPoE
    assert_eq!(parse(&f).unwrap().ethertype, ETH_P_PPP_SES);
    // MPLS in IPv4: n_proto becomes MPLS, ip_proto stays.
    let k = parse(&frame_v4(proto::MPLS, 0, &[0, 0, 0x11, 0x40])).unwrap();
    assert_eq!((k.ethertype, k.ip_proto), (ETH_P_MPLS_UC, proto::MPLS));
    // GRE and IP in IP: stop before the encapsulation.
    let k = parse(&frame_v4(proto::GRE, 0, &[0, 0, 0x08, 0x00])).unwrap();
    assert_eq!(
        (k.ethertype, k.ip_proto, k.l4),
        (ETH_P_IP, proto::GRE, L4::None)
    );
    // ESP: its SPI fills the ports key.
    let k = parse(&frame_v4(proto::ESP, 0, &[0, 1, 0, 2, 0, 0, 0, 9])).unwrap();
    assert_eq!(k.l4, L4::Ports { src: 1, dst: 2 });
    // A length field: skb->protocol is 802.2 (or 802.3 for ff ff).
    let mut f = eth(0x0030);
    f.extend_from_slice(&[0xaa, 0xaa, 3]);
    assert_eq!(parse(&f).unwrap().ethertype, ETH_P_802_2);
    f[14] = 0xff;
    f[15] = 0xff;
    assert_eq!(parse(&f).unwrap().ethertype, ETH_P_802_3);
    assert_eq!(parse(&f).unwrap().tc_proto, ETH_P_802_3);
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

#[test]
fn network_len_is_what_the_ip_header_says() {
    // A 60-byte frame: Ethernet, IPv4 total length 40 (TCP, no payload), 6 bytes of padding.
    let mut f = vec![0u8; 60];
    f[12..14].copy_from_slice(&ETH_P_IP.to_be_bytes());
    f[14] = 0x45;
    f[16..18].copy_from_slice(&40u16.to_be_bytes());
    assert_eq!(network_len(&f, 14, ADDR_TYPE_IPV4), Some(40));
    // IPv6: payload length plus the 40-byte header.
    f[18..20].copy_from_slice(&8u16.to_be_bytes());
    assert_eq!(network_len(&f, 14, ADDR_TYPE_IPV6), Some(48));
    // Not IP, or the field outside the linear part.
    assert_eq!(network_len(&f, 14, 0), None);
    assert_eq!(network_len(&f[..17], 14, ADDR_TYPE_IPV4), None);
    assert_eq!(network_len(&f, usize::MAX - 1, ADDR_TYPE_IPV4), None);
}
