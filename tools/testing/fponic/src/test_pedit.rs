// SPDX-License-Identifier: GPL-2.0

//! act_pedit's header offsets and set keys ([`crate::pedit`]), and the VLAN tag arithmetic of
//! act_vlan ([`crate::vlan`]).

use std::vec;
use std::vec::Vec;

use crate::fake_frame::FakeFrame;
use crate::flow::PeditHdr;
use crate::pedit::{
    hdr_offset,
    set, //
};
use crate::rng::Rng;
use crate::vlan;

const P_TCP: u8 = 6;
const P_UDP: u8 = 17;
const P_HOP: u8 = 0;
const P_ROUTING: u8 = 43;
const P_FRAG: u8 = 44;
const P_AH: u8 = 51;
const P_NONE: u8 = 59;
const P_DEST: u8 = 60;

fn eth(ethertype: u16) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// An IPv4 frame with header length `ihl`, protocol `proto`, `frag_off` and a 20-byte
/// transport header of counting bytes.
fn v4(ihl: u8, proto: u8, frag_off: u16) -> Vec<u8> {
    let mut f = eth(0x0800);
    let mut h = vec![0x40 | ihl, 0, 0, 0, 0, 0];
    h.extend_from_slice(&frag_off.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    h.resize(4 * usize::from(ihl).max(5), 0x01);
    let tot = (h.len() + 20) as u16;
    h[2..4].copy_from_slice(&tot.to_be_bytes());
    f.extend_from_slice(&h);
    f.extend((0..20).map(|i| 0x80 + i as u8));
    f
}

/// An IPv6 frame whose extension headers are `ext` (type and the byte after the next-header
/// field: length, or for a fragment header 0), then a 20-byte transport header of `proto`.
fn v6(ext: &[(u8, u8)], proto: u8) -> Vec<u8> {
    let mut f = eth(0x86dd);
    let mut body = Vec::new();
    for (i, &(t, len)) in ext.iter().enumerate() {
        let next = ext.get(i + 1).map_or(proto, |e| e.0);
        let n = match t {
            P_FRAG => 8,
            P_AH => (usize::from(len) + 2) * 4,
            _ => (usize::from(len) + 1) * 8,
        };
        let mut e = vec![next, len];
        e.resize(n, 0);
        body.extend_from_slice(&e);
    }
    body.extend((0..20).map(|i| 0x80 + i as u8));
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(body.len() as u16).to_be_bytes());
    h.push(ext.first().map_or(proto, |e| e.0));
    h.push(64);
    h.extend_from_slice(&[0x20; 32]);
    f.extend_from_slice(&h);
    f.extend_from_slice(&body);
    f
}

/// A key's mask and value as flow_offload passes them: the bytes of `keep` and `set`, in
/// packet order.
fn key(keep: [u8; 4], set: [u8; 4]) -> (u32, u32) {
    (u32::from_ne_bytes(keep), u32::from_ne_bytes(set))
}

#[test]
fn header_offsets() {
    let f = FakeFrame::new(&v4(5, P_TCP, 0));
    assert_eq!(hdr_offset(&f, PeditHdr::Eth), Some(0));
    assert_eq!(hdr_offset(&f, PeditHdr::Ip4), Some(14));
    assert_eq!(hdr_offset(&f, PeditHdr::Ip6), Some(14));
    assert_eq!(hdr_offset(&f, PeditHdr::Tcp), Some(34));
    // The header must be the packet's protocol.
    assert_eq!(hdr_offset(&f, PeditHdr::Udp), None);
    // IPv4 options move the transport header.
    let f = FakeFrame::new(&v4(7, P_UDP, 0));
    assert_eq!(hdr_offset(&f, PeditHdr::Udp), Some(14 + 28));
    // A header length below 5 has no transport header for act_pedit.
    for ihl in 0..5 {
        let f = FakeFrame::new(&v4(ihl, P_UDP, 0));
        assert_eq!(hdr_offset(&f, PeditHdr::Udp), None, "ihl {ihl}");
    }
    // A later fragment has none either; a first one has.
    let f = FakeFrame::new(&v4(5, P_UDP, 0x0001));
    assert_eq!(hdr_offset(&f, PeditHdr::Udp), None);
    let f = FakeFrame::new(&v4(5, P_UDP, 0x2000));
    assert_eq!(hdr_offset(&f, PeditHdr::Udp), Some(34));
    // Neither IPv4 nor IPv6 (an inner tag, with the outer one in metadata): no transport.
    let mut tagged = eth(0x8100);
    tagged.extend_from_slice(&[0, 5, 8, 0]);
    tagged.extend_from_slice(&v4(5, P_TCP, 0)[14..]);
    let f = FakeFrame::new(&tagged);
    assert_eq!(hdr_offset(&f, PeditHdr::Tcp), None);
    assert_eq!(hdr_offset(&f, PeditHdr::Ip4), Some(14));
}

#[test]
fn ipv6_transport_headers_behind_extension_headers() {
    let at = |ext: &[(u8, u8)], proto, target| {
        let f = FakeFrame::new(&v6(ext, proto));
        hdr_offset(&f, target)
    };
    assert_eq!(at(&[], P_TCP, PeditHdr::Tcp), Some(54));
    assert_eq!(at(&[], P_TCP, PeditHdr::Udp), None);
    assert_eq!(at(&[(P_HOP, 0)], P_UDP, PeditHdr::Udp), Some(62));
    assert_eq!(
        at(
            &[(P_HOP, 1), (P_ROUTING, 0), (P_DEST, 2)],
            P_TCP,
            PeditHdr::Tcp
        ),
        Some(54 + 16 + 8 + 24)
    );
    // AH's length counts 4-byte units, plus 2.
    assert_eq!(at(&[(P_AH, 4)], P_TCP, PeditHdr::Tcp), Some(54 + 24));
    // A first fragment is walked through, a later one is not.
    assert_eq!(at(&[(P_FRAG, 0)], P_TCP, PeditHdr::Tcp), Some(62));
    let mut later = v6(&[(P_FRAG, 0)], P_TCP);
    later[54 + 3] = 0x08;
    assert_eq!(hdr_offset(&FakeFrame::new(&later), PeditHdr::Tcp), None);
    // The fragment's M flag alone does not make it a later fragment.
    let mut first = v6(&[(P_FRAG, 0)], P_TCP);
    first[54 + 3] = 0x01;
    assert_eq!(hdr_offset(&FakeFrame::new(&first), PeditHdr::Tcp), Some(62));
    // No next header ends the walk.
    assert_eq!(at(&[(P_DEST, 0)], P_NONE, PeditHdr::Tcp), None);
    // Twelve extension headers are walked, a thirteenth is too many.
    let twelve = [(P_DEST, 0); 12];
    assert_eq!(at(&twelve, P_TCP, PeditHdr::Tcp), Some(54 + 96));
    let thirteen = [(P_DEST, 0); 13];
    assert_eq!(at(&thirteen, P_TCP, PeditHdr::Tcp), None);
    // An extension header longer than the packet ends the walk.
    let mut long = v6(&[(P_DEST, 0)], P_TCP);
    long[55] = 10;
    assert_eq!(hdr_offset(&FakeFrame::new(&long), PeditHdr::Tcp), None);
    // An IPv6 header cut short has no transport header.
    let f = FakeFrame::new(&v6(&[], P_TCP)[..53]);
    assert_eq!(hdr_offset(&f, PeditHdr::Tcp), None);
}

#[test]
fn headers_beyond_the_linear_part_are_found_and_written() {
    let mut rng = Rng::new(11);
    for _ in 0..500 {
        let ext: Vec<(u8, u8)> = (0..rng.below(4))
            .map(|_| {
                (
                    [P_HOP, P_DEST, P_ROUTING][rng.below(3) as usize],
                    rng.below(3) as u8,
                )
            })
            .collect();
        let bytes = v6(&ext, P_TCP);
        let linear = 14 + rng.below(bytes.len() as u64 - 13) as usize;
        let (mask, val) = key([0xff, 0xff, 0, 0], [0, 0, 0x1f, 0x90]);
        let mut a = FakeFrame::split(&bytes, linear);
        let mut b = FakeFrame::new(&bytes);
        assert!(set(&mut a, PeditHdr::Tcp, 0, mask, val));
        assert!(set(&mut b, PeditHdr::Tcp, 0, mask, val));
        assert_eq!(a.bytes, b.bytes);
        let th = bytes.len() - 20;
        assert_eq!(&a.bytes[th..th + 4], &[0x80, 0x81, 0x1f, 0x90]);
        assert_eq!(a.bytes[..th], bytes[..th]);
        assert_eq!(a.bytes[th + 4..], bytes[th + 4..]);
    }
}

#[test]
fn set_keys() {
    // ip ttl set 5: the word at 8 keeps all but its first byte.
    let bytes = v4(5, P_UDP, 0);
    let (mask, val) = key([0, 0xff, 0xff, 0xff], [5, 0, 0, 0]);
    let mut f = FakeFrame::new(&bytes);
    assert!(set(&mut f, PeditHdr::Ip4, 8, mask, val));
    let mut want = bytes.clone();
    want[14 + 8] = 5;
    assert_eq!(f.bytes, want);
    // Bits kept are XORed with the value, as act_pedit computes (old & mask) ^ val.
    let (mask, val) = key([0xff, 0xff, 0xff, 0x0f], [0, 0, 0, 0xf0]);
    let mut f = FakeFrame::new(&bytes);
    assert!(set(&mut f, PeditHdr::Eth, 8, mask, val));
    assert_eq!(f.bytes[11], (bytes[11] & 0x0f) ^ 0xf0);
    // A key on a header the packet lacks, or past its end, is not applied.
    let mut f = FakeFrame::new(&bytes);
    assert!(!set(&mut f, PeditHdr::Tcp, 0, 0, 0));
    let last = bytes.len() - 4;
    assert!(set(
        &mut f,
        PeditHdr::Eth,
        last as u16,
        0,
        u32::from_ne_bytes([1, 2, 3, 4])
    ));
    assert_eq!(&f.bytes[last..], &[1, 2, 3, 4]);
    assert!(!set(&mut f, PeditHdr::Eth, last as u16 + 1, 0, 0));
    assert!(!set(&mut f, PeditHdr::Udp, 0xfff0, 0, 0));
    assert_eq!(f.bytes.len(), bytes.len());
    // Writing unshares a cloned head; without memory for it the key is not applied.
    let mut f = FakeFrame::new(&bytes);
    f.cloned = true;
    assert!(set(&mut f, PeditHdr::Udp, 0, 0, 0));
    assert_eq!(f.unshares, 1);
    let mut f = FakeFrame::split(&bytes, 14);
    f.cloned = true;
    f.no_mem = true;
    assert!(!set(&mut f, PeditHdr::Udp, 0, 0, 0));
    assert_eq!(f.bytes, bytes);
}

#[test]
fn vlan_modify_tci() {
    // PCP 5, DEI 1, VID 300 -> VID 100: PCP and DEI kept without a priority.
    let tci = (5 << 13) | (1 << 12) | 300;
    assert_eq!(
        vlan::modify_tci(tci, 100, None),
        (5 << 13) | (1 << 12) | 100
    );
    // A priority replaces PCP only.
    assert_eq!(vlan::modify_tci(tci, 100, Some(0)), (1 << 12) | 100);
    assert_eq!(vlan::modify_tci(tci, 7, Some(6)), (6 << 13) | (1 << 12) | 7);
}

#[test]
fn in_band_tags() {
    let mut f = eth(0x8100);
    assert_eq!(vlan::in_band_tpid(&f), Some(0x8100));
    f[12] = 0x88;
    f[13] = 0xa8;
    assert_eq!(vlan::in_band_tpid(&f), Some(0x88a8));
    assert_eq!(vlan::in_band_tpid(&eth(0x0800)), None);
    // 802.1ah and old QinQ TPIDs are no VLAN tags for act_vlan.
    assert_eq!(vlan::in_band_tpid(&eth(0x88e7)), None);
    assert_eq!(vlan::in_band_tpid(&eth(0x9100)), None);
    assert_eq!(vlan::in_band_tpid(&f[..13]), None);
}
