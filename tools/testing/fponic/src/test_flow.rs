// SPDX-License-Identifier: GPL-2.0

use std::vec;
use std::vec::Vec;

use crate::flow::*;
use crate::id::vpid::{self, Ppid, Vpid};
use crate::packet;
use crate::rng::Rng;
use crate::test_id::{sf, up, vf};

fn frame_udp(dst_port: u16, ttl: u8) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 1, 0x40, 0, ttl, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&1234u16.to_be_bytes());
    f.extend_from_slice(&dst_port.to_be_bytes());
    f.extend_from_slice(&[0, 8, 0, 0]);
    f
}

fn rule(chain: u32, prio: u32, fields: &[(usize, &[u8])], actions: &[Action]) -> RuleSpec {
    let mut key = Key::default();
    let mut mask = Key::default();
    for (o, v) in fields {
        key.set(*o, v);
        mask.set(*o, &vec![0xff; v.len()]);
    }
    let mut a = Actions::default();
    for x in actions {
        a.push(*x).unwrap();
    }
    RuleSpec {
        chain,
        prio,
        key: key.masked(&mask),
        mask,
        ranges: PortRanges::default(),
        actions: a,
    }
}

#[test]
fn packet_keys_carry_the_fields_rules_match() {
    let p = packet::parse(&frame_udp(53, 9)).unwrap();
    let k = Key::from_packet(Vpid::new(0x1000), &p);
    assert_eq!(
        &k.0[off::IN_PORT..off::IN_PORT + 4],
        &0x1000u32.to_be_bytes()
    );
    assert_eq!(k.be16(off::N_PROTO), 0x0800);
    assert_eq!(k.0[off::IP_PROTO], 17);
    assert_eq!(k.0[off::IP_TTL], 9);
    assert_eq!(k.be16(off::L4_DST), 53);
    assert_eq!(&k.0[off::IP_DST..off::IP_DST + 4], &[10, 0, 0, 2]);
    let r = rule(
        0,
        1,
        &[(off::L4_DST, &53u16.to_be_bytes()), (off::IP_TTL, &[9])],
        &[Action::Drop],
    );
    assert!(r.matches(&k));
    let k2 = Key::from_packet(
        Vpid::new(0x1000),
        &packet::parse(&frame_udp(54, 9)).unwrap(),
    );
    assert!(!r.matches(&k2));
}

#[test]
fn connection_keys_are_packet_keys_within_their_table() {
    use crate::ct::TableNo;
    let p = packet::parse(&frame_udp(53, 9)).unwrap();
    let two = TableNo::FIRST.next().unwrap();
    assert_eq!((TableNo::FIRST.get(), two.get()), (1, 2));
    let k = Key::of_connection(two, &p);
    assert_eq!(&k.0[off::CT_TABLE..off::CT_TABLE + 4], &2u32.to_be_bytes());
    // Beyond the table's number, the packet's fields as a lookup in flower rules has them.
    let f = Key::from_packet(Vpid::new(0x1000), &p);
    assert_eq!(k.0[4..], f.0[4..]);
    // A connection of table 2 is not one of table 1.
    let conn = rule(
        0,
        0,
        &[
            (off::CT_TABLE, &2u32.to_be_bytes()),
            (off::L4_DST, &53u16.to_be_bytes()),
        ],
        &[],
    );
    assert!(conn.matches(&k));
    assert!(!conn.matches(&Key::of_connection(TableNo::FIRST, &p)));
}

#[test]
fn hw_vlan_tag_is_the_outer_one() {
    let mut f = vec![
        2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 20, 0x88, 0xb5,
    ];
    f.resize(60, 0);
    let p = packet::parse_with_hw_vlan(&f, Some((0x88a8, (3 << 13) | 10))).unwrap();
    assert_eq!(
        p.vlan.map(|v| (v.tpid, v.id, v.prio)),
        Some((0x88a8, 10, 3))
    );
    assert_eq!(p.cvlan.map(|v| (v.tpid, v.id)), Some((0x8100, 20)));
    assert_eq!(p.ethertype, 0x88b5);
}

/// An untagged IPv4/UDP frame to port 53 wrapped in in-band tags with the given TPIDs.
fn frame_tagged(tpids: &[u16]) -> Vec<u8> {
    let plain = frame_udp(53, 64);
    let mut f = plain[..12].to_vec();
    for (i, t) in tpids.iter().enumerate() {
        f.extend_from_slice(&t.to_be_bytes());
        f.extend_from_slice(&(10 * (i as u16 + 1)).to_be_bytes());
    }
    f.extend_from_slice(&plain[12..]);
    f
}

#[test]
fn vlan_ethtype_is_the_ethertype_after_the_outer_tag() {
    // `protocol 802.1Q flower vlan_ethtype ip action drop`, as flower keys it: the VLAN key's
    // TPID and next ethertype, and n_proto.
    let r = rule(
        0,
        1,
        &[
            (off::TC_PROTO, &[0x81, 0x00]),
            (off::VLAN_TPID, &[0x81, 0x00]),
            (off::VLAN_ETH, &[0x08, 0x00]),
            (off::N_PROTO, &[0x08, 0x00]),
        ],
        &[Action::Drop],
    );
    let key = |tpids: &[u16]| {
        Key::from_packet(Vpid::new(0), &packet::parse(&frame_tagged(tpids)).unwrap())
    };
    assert!(r.matches(&key(&[0x8100])));
    // QinQ with IPv4 inside: the ethertype after the outer tag is 802.1Q.
    assert!(!r.matches(&key(&[0x8100, 0x8100])));
    assert!(!r.matches(&key(&[0x8100, 0x8100, 0x8100])));
    // `protocol 802.1ad flower vlan_ethtype 802.1q cvlan_ethtype ip`: the CVLAN key's TPID
    // and next ethertype, and n_proto.
    let r = rule(
        0,
        1,
        &[
            (off::TC_PROTO, &[0x88, 0xa8]),
            (off::VLAN_TPID, &[0x88, 0xa8]),
            (off::VLAN_ETH, &[0x81, 0x00]),
            (off::CVLAN_TPID, &[0x81, 0x00]),
            (off::CVLAN_ETH, &[0x08, 0x00]),
            (off::N_PROTO, &[0x08, 0x00]),
        ],
        &[Action::Drop],
    );
    assert!(r.matches(&key(&[0x88a8, 0x8100])));
    // A third tag: the CVLAN key's next ethertype is 802.1Q, n_proto still IPv4.
    let k3 = key(&[0x88a8, 0x8100, 0x8100]);
    assert_eq!(k3.be16(off::N_PROTO), 0x0800);
    assert_eq!(k3.be16(off::L4_DST), 53);
    assert!(!r.matches(&k3));
    // The outer tag in metadata gives the same key.
    let f = frame_tagged(&[0x8100]);
    let p = packet::parse_with_hw_vlan(&frame_tagged(&[]), Some((0x8100, 10))).unwrap();
    assert_eq!(
        Key::from_packet(Vpid::new(0), &p),
        Key::from_packet(Vpid::new(0), &packet::parse(&f).unwrap())
    );
}

#[test]
fn address_rules_need_dissected_addresses() {
    // `protocol ip flower dst_ip 0.0.0.0/0`: flower keys the address type in full.
    let r = rule(
        0,
        1,
        &[(off::N_PROTO, &[0x08, 0x00]), (off::ADDR_TYPE, &[2])],
        &[Action::Drop],
    );
    let mut f = frame_udp(53, 9);
    assert!(r.matches(&Key::from_packet(Vpid::new(0), &packet::parse(&f).unwrap())));
    // IHL 4: the dissector stops before the addresses.
    f[14] = 0x44;
    let k = Key::from_packet(Vpid::new(0), &packet::parse(&f).unwrap());
    assert_eq!(k.be16(off::N_PROTO), 0x0800);
    assert!(!r.matches(&k));
}

#[test]
fn tc_protocol_is_what_the_core_gives_tc() {
    // PPPoE carrying IPv4: the dissector's n_proto is IPv4, the tc protocol stays PPPoE.
    let plain = frame_udp(53, 64);
    let mut f = plain[..12].to_vec();
    f.extend_from_slice(&[0x88, 0x64, 0x11, 0, 0, 1, 0, 28, 0x00, 0x21]);
    f.extend_from_slice(&plain[14..]);
    let k = Key::from_packet(Vpid::new(0), &packet::parse(&f).unwrap());
    assert_eq!(k.be16(off::N_PROTO), 0x0800);
    assert_eq!(k.be16(off::TC_PROTO), 0x8864);
    assert_eq!(k.be16(off::L4_DST), 53);
}

#[test]
fn port_ranges_are_inclusive() {
    let mut k = Key::default();
    let r = PortRanges {
        src: None,
        dst: Some((1000, 2000)),
    };
    for (port, inside) in [
        (999u16, false),
        (1000, true),
        (1500, true),
        (2000, true),
        (2001, false),
    ] {
        k.set(off::L4_DST, &port.to_be_bytes());
        assert_eq!(r.contains(&k), inside, "{port}");
    }
}

#[test]
fn action_lists_are_validated() {
    let ok = |acts: &[Action], chain| {
        let mut a = Actions::default();
        for x in acts {
            a.push(*x).unwrap();
        }
        a.validate(chain)
    };
    assert!(ok(
        &[
            Action::Mirror(Vpid::new(1)),
            Action::VlanPush {
                tpid: 0x8100,
                id: 5,
                prio: 0
            },
            Action::Redirect(Vpid::new(2))
        ],
        0
    )
    .is_ok());
    assert!(ok(&[Action::VlanPop, Action::Goto(3)], 2).is_ok());
    assert!(ok(&[], 0).is_err());
    assert!(ok(&[Action::Drop, Action::Mirror(Vpid::new(1))], 0).is_err());
    assert!(ok(&[Action::Redirect(Vpid::new(1)), Action::Drop], 0).is_err());
    assert!(ok(&[Action::Goto(1), Action::Drop], 0).is_err());
    assert!(ok(&[Action::Goto(2)], 2).is_err());
    assert!(ok(&[Action::Goto(1)], 2).is_err());
    let mut a = Actions::default();
    for _ in 0..MAX_ACTIONS {
        a.push(Action::VlanPop).unwrap();
    }
    assert!(a.push(Action::Drop).is_err());
}

#[test]
fn ct_is_the_first_action_of_its_rule() {
    let ok = |acts: &[Action]| {
        let mut a = Actions::default();
        for x in acts {
            a.push(*x).unwrap();
        }
        a.validate(0)
    };
    let ct = Action::Ct {
        table: Some(crate::ct::TableNo::FIRST),
        zone: 7,
        nat: 0,
        commit: false,
        resume: 1 << 32,
    };
    assert!(ok(&[ct, Action::Goto(1)]).is_ok());
    assert!(ok(&[ct, Action::Redirect(Vpid::new(2))]).is_ok());
    assert!(ok(&[
        Action::CtClear,
        Action::VlanPop,
        Action::CtClear,
        Action::Goto(1)
    ])
    .is_ok());
    assert_eq!(
        ok(&[Action::VlanPop, ct, Action::Goto(1)]),
        Err(c"fponic: ct must be the first action of its rule")
    );
    assert!(ok(&[ct, ct, Action::Goto(1)]).is_err());
}

#[test]
fn packets_enter_without_conntrack_state() {
    // A packet the eswitch classifies has not been through conntrack: as in software flower,
    // `-trk` matches it and `+trk` does not; the zone, mark and labels are 0.
    let k = Key::from_packet(
        Vpid::new(0x1000),
        &packet::parse(&frame_udp(53, 9)).unwrap(),
    );
    assert!(k.0[off::CT_STATE..].iter().all(|&b| b == 0));
    const TRK: u16 = 1 << 3;
    let ct_rule = |state: u16| {
        let mut r = rule(0, 1, &[], &[Action::Drop]);
        r.mask.set(off::CT_STATE, &TRK.to_be_bytes());
        r.key.set(off::CT_STATE, &state.to_be_bytes());
        r
    };
    assert!(ct_rule(0).matches(&k));
    assert!(!ct_rule(TRK).matches(&k));
    // The ct fields follow the others and end the key.
    assert_eq!(off::CT_STATE, off::ADDR_TYPE + 2);
    assert_eq!(off::CT_LABELS + 16, KEY_LEN);
}

#[test]
fn linear_classifier_picks_lowest_priority_in_the_chain() {
    let k = Key::from_packet(Vpid::new(7), &packet::parse(&frame_udp(80, 64)).unwrap());
    let rules = [
        rule(
            0,
            5,
            &[(off::L4_DST, &80u16.to_be_bytes())],
            &[Action::Drop],
        ),
        rule(0, 3, &[(off::IP_PROTO, &[17])], &[Action::Accept]),
        rule(1, 1, &[], &[Action::Drop]),
        rule(0, 2, &[(off::IP_PROTO, &[6])], &[Action::Drop]),
    ];
    assert_eq!(
        classify_linear(rules.iter().map(|r| (r, 0)), 0, &k).map(|r| r.prio),
        Some(3)
    );
    assert_eq!(
        classify_linear(rules.iter().map(|r| (r, 0)), 1, &k).map(|r| r.prio),
        Some(1)
    );
    assert_eq!(classify_linear(rules.iter().map(|r| (r, 0)), 2, &k), None);
}

#[test]
fn masked_keys_hash_equal_iff_equal_mostly() {
    // Equal masked keys hash equal; a sample of random distinct keys rarely collides.
    let mut rng = Rng::new(5);
    let mut hashes = std::collections::HashSet::new();
    let ones = Key([0xff; KEY_LEN]);
    let all = MaskWords::of(&ones);
    for _ in 0..20_000 {
        let mut k = Key::default();
        for b in k.0.iter_mut().take(20) {
            *b = rng.byte();
        }
        assert_eq!(
            k.masked_hash(&ones, &all),
            Key(k.0).masked_hash(&ones, &all)
        );
        hashes.insert(k.masked_hash(&ones, &all));
    }
    assert!(hashes.len() > 19_990);
}

/// A random mask over a few random fields, as rules have them.
fn random_mask(rng: &mut Rng) -> Key {
    let mut m = Key::default();
    for _ in 0..rng.below(5) {
        let at = rng.below(KEY_LEN as u64) as usize;
        let len = (1 + rng.below(6) as usize).min(KEY_LEN - at);
        for b in &mut m.0[at..at + len] {
            *b = if rng.below(4) == 0 { rng.byte() } else { 0xff };
        }
    }
    m
}

#[test]
fn mask_words_are_exactly_the_non_zero_words() {
    let mut rng = Rng::new(21);
    for _ in 0..10_000 {
        let m = random_mask(&mut rng);
        let w = MaskWords::of(&m);
        let want: Vec<u8> = (0..KEY_WORDS)
            .filter(|&i| m.0[i * 8..i * 8 + 8].iter().any(|&b| b != 0))
            .map(|i| i as u8)
            .collect();
        assert_eq!(w.as_slice(), &want[..]);
    }
}

#[test]
fn word_wise_masked_match_agrees_with_bytewise() {
    // The flow table hashes and compares only a mask's non-zero words; the reference masks
    // every byte. Both must agree on every key, and keys equal under the mask hash equally.
    let mut rng = Rng::new(22);
    for _ in 0..20_000 {
        let mask = random_mask(&mut rng);
        let words = MaskWords::of(&mask);
        let mut a = Key::default();
        for b in a.0.iter_mut() {
            *b = rng.byte();
        }
        // `b` differs from `a` in a few bytes, inside or outside the mask.
        let mut b = a;
        for _ in 0..rng.below(3) {
            b.0[rng.below(KEY_LEN as u64) as usize] ^= 1 << rng.below(8);
        }
        let rule_key = a.masked(&mask);
        let same = b.masked(&mask) == rule_key;
        assert_eq!(b.masked_eq(&mask, &rule_key, &words), same);
        assert!(a.masked_eq(&mask, &rule_key, &words));
        if same {
            assert_eq!(
                b.masked_hash(&mask, &words),
                rule_key.masked_hash(&mask, &words)
            );
        }
    }
}

#[test]
fn vpid_encoding_round_trips() {
    for p in [
        Ppid::Uplink(up(0)),
        Ppid::Uplink(up(7)),
        vf(0),
        vf(255),
        sf(0),
        sf(999),
    ] {
        assert_eq!(vpid::decode(vpid::encode(p)), Some(p));
        assert_eq!(vpid::of(p).port(), Some(p));
    }
    assert_eq!(vpid::of(vf(3)).get(), 0x1003);
    assert_eq!(vpid::of(sf(5)).get(), 0x2005);
    assert_eq!(vpid::decode(0), None);
    assert_eq!(vpid::decode((1 << 32) | 8), None);
    assert_eq!(vpid::identity(8), None);
    assert_eq!(vpid::parse_port("vf3"), Some(vf(3)));
    assert_eq!(vpid::parse_port("sf12"), Some(sf(12)));
    assert_eq!(vpid::parse_port("p1"), Some(Ppid::Uplink(up(1))));
    assert_eq!(vpid::parse_port("4097"), Some(vf(1)));
    for bad in [
        "",
        "vf",
        "vf256",
        "sf1000",
        "p8",
        "x1",
        "65536",
        "-1",
        // 0x1000 + n and 0x2000 + n overflow u32: refused, never a panic.
        "vf4294967295",
        "vf4294963200",
        "sf4294967295",
        "sf4294963200",
        "p4294967295",
    ] {
        assert_eq!(vpid::parse_port(bad), None, "{bad}");
    }
}

#[test]
fn pedit_and_csum_validation() {
    let one = |a: Action| {
        let mut l = Actions::default();
        l.push(a).unwrap();
        l.push(Action::Accept).unwrap();
        l.validate(0)
    };
    let p = |offset| Action::Pedit {
        first: true,
        hdr: PeditHdr::Ip4,
        offset,
        mask: 0x00ff_ffff,
        val: 0x0500_0000,
    };
    assert!(one(p(8)).is_ok());
    assert!(one(p(6)).is_err(), "unaligned");
    assert!(one(p(64)).is_err(), "beyond the headers");
    assert!(one(Action::Csum(csum::IPV4HDR | csum::TCP | csum::UDP)).is_ok());
    // Every flag act_csum knows (iph icmp igmp tcp udp udplite sctp), and nothing else.
    assert!(one(Action::Csum(0x7f)).is_ok());
    assert!(one(Action::Csum(csum::ICMP)).is_ok());
    assert!(one(Action::Csum(0x80)).is_err(), "unknown csum flag");
    assert_eq!(PeditHdr::from_htype(4), Some(PeditHdr::Tcp));
    assert_eq!(PeditHdr::from_htype(0), None);
    assert_eq!(PeditHdr::from_htype(6), None);
    let all = [
        PeditHdr::Eth,
        PeditHdr::Ip4,
        PeditHdr::Ip6,
        PeditHdr::Tcp,
        PeditHdr::Udp,
    ];
    for (h, want) in (1..=5).zip(all) {
        assert_eq!(PeditHdr::from_htype(h), Some(want));
    }
}

#[test]
fn vlan_modify_keeps_the_priority_unless_one_is_given() {
    // act_vlan: without a priority the tag keeps its PCP; flow_offload passes prio 0 then,
    // which only the "given" flag tells from an explicit priority 0.
    assert_eq!(
        Action::vlan_modify(0x8100, 5, 0, Some(false)),
        Ok(Action::VlanModify {
            tpid: 0x8100,
            id: 5,
            prio: None
        })
    );
    assert_eq!(
        Action::vlan_modify(0x88a8, 5, 0, Some(true)),
        Ok(Action::VlanModify {
            tpid: 0x88a8,
            id: 5,
            prio: Some(0)
        })
    );
    // A non-zero priority was given, whatever the flag says.
    for given in [None, Some(true), Some(false)] {
        assert_eq!(
            Action::vlan_modify(0x8100, 7, 3, given),
            Ok(Action::VlanModify {
                tpid: 0x8100,
                id: 7,
                prio: Some(3)
            })
        );
    }
    assert!(
        Action::vlan_modify(0x8100, 5, 0, None).is_err(),
        "prio 0 or none: ambiguous, refused"
    );
    assert!(
        Action::vlan_modify(0x0800, 5, 1, Some(true)).is_err(),
        "not a VLAN TPID"
    );
    assert!(
        Action::vlan_modify(0x8100, 0xfff, 1, Some(true)).is_err(),
        "id out of range"
    );
}

#[test]
fn in_port_is_known_only_when_matched_exactly() {
    let r = rule(
        0,
        1,
        &[(off::IN_PORT, &0x1003u32.to_be_bytes())],
        &[Action::Drop],
    );
    assert_eq!(r.in_port(), Some(Vpid::new(0x1003)));
    let any = rule(
        0,
        1,
        &[(off::ETH_DST, &[2, 0, 0, 0, 0, 1])],
        &[Action::Drop],
    );
    assert_eq!(any.in_port(), None);
    let mut partial = r;
    partial.mask.0[off::IN_PORT + 3] = 0xf0;
    assert_eq!(partial.in_port(), None);
}

/// Software flower's lookup, as a model: per classifier (ingress port, chain, priority), a list
/// of masks in creation order, each with its filters in insertion order; a mask is appended
/// when its first filter arrives and removed with its last filter.
#[derive(Default)]
struct FlowerModel {
    /// (classifier, its masks).
    tps: Vec<((u32, u32, u32), Masks)>,
}

/// A classifier's masks in list order, each with its filters as (id, rule).
type Masks = Vec<(MaskGroup, Vec<(u32, RuleSpec)>)>;

impl FlowerModel {
    fn tp_of(r: &RuleSpec) -> (u32, u32, u32) {
        (r.in_port().unwrap().get(), r.chain, r.prio)
    }

    /// Adds filter `id`; false if flower refuses it (same mask and key, or same ranges too).
    fn insert(&mut self, id: u32, r: RuleSpec) -> bool {
        let tp = Self::tp_of(&r);
        let i = match self.tps.iter().position(|(t, _)| *t == tp) {
            Some(i) => i,
            None => {
                self.tps.push((tp, Vec::new()));
                self.tps.len() - 1
            }
        };
        let masks = &mut self.tps[i].1;
        let g = r.mask_group();
        let m = match masks.iter().position(|(mg, _)| *mg == g) {
            Some(m) => m,
            None => {
                masks.push((g, Vec::new()));
                masks.len() - 1
            }
        };
        let filters = &mut masks[m].1;
        // (A new mask has no filters: nothing to undo.)
        if filters
            .iter()
            .any(|(_, f)| f.key == r.key && f.ranges == r.ranges)
        {
            return false;
        }
        filters.push((id, r));
        true
    }

    fn remove(&mut self, id: u32) {
        for (_, masks) in self.tps.iter_mut() {
            for (_, filters) in masks.iter_mut() {
                filters.retain(|(i, _)| *i != id);
            }
            masks.retain(|(_, filters)| !filters.is_empty());
        }
    }

    /// The filter flower runs for `pkt` in `chain`: classifiers by priority, masks in list
    /// order, the first filter of the mask that matches.
    fn classify(&self, chain: u32, pkt: &Key) -> Option<u32> {
        let mut tps: Vec<_> = self.tps.iter().filter(|(t, _)| t.1 == chain).collect();
        tps.sort_by_key(|(t, _)| t.2);
        for (_, masks) in tps {
            for (_, filters) in masks {
                if let Some((id, _)) = filters.iter().find(|(_, f)| f.matches(pkt)) {
                    return Some(*id);
                }
            }
        }
        None
    }
}

/// The flow table's ranks, as a model: a group gets the next rank when its first rule arrives
/// and keeps it while it has rules.
#[derive(Default)]
struct RankModel {
    groups: std::collections::BTreeMap<MaskGroup, (u64, u32)>,
    next: u64,
}

impl RankModel {
    fn add(&mut self, r: &RuleSpec) -> u64 {
        let next = &mut self.next;
        let e = self.groups.entry(r.mask_group()).or_insert_with(|| {
            *next += 1;
            (*next, 0)
        });
        e.1 += 1;
        e.0
    }

    fn remove(&mut self, r: &RuleSpec) {
        let g = r.mask_group();
        let e = self.groups.get_mut(&g).unwrap();
        e.1 -= 1;
        if e.1 == 0 {
            self.groups.remove(&g);
        }
    }
}

#[test]
fn equal_priorities_follow_flowers_mask_order() {
    // Few fields, ports, priorities and values: rules of equal priority and different masks
    // often match the same packets, and masks come and go.
    let fields: [(usize, usize); 4] = [
        (off::ETH_DST, 6),
        (off::ETH_SRC, 6),
        (off::IP_PROTO, 1),
        (off::L4_DST, 2),
    ];
    let mut rng = Rng::new(21);
    let mut flower = FlowerModel::default();
    let mut ranks = RankModel::default();
    // Live rules in insertion order, with their ids and ranks.
    let mut live: Vec<(u32, RuleSpec, u64)> = Vec::new();
    let mut disagreements_before = 0;
    for id in 0..3000u32 {
        if !live.is_empty() && rng.below(3) == 0 {
            let (gone, r, _) = live.remove(rng.below(live.len() as u64) as usize);
            flower.remove(gone);
            ranks.remove(&r);
            continue;
        }
        let mut key = Key::default();
        let mut mask = Key::default();
        key.set(off::IN_PORT, &(1 + rng.below(2) as u32).to_be_bytes());
        mask.set(off::IN_PORT, &[0xff; 4]);
        let pick = rng.below(16);
        for (i, &(o, len)) in fields.iter().enumerate() {
            if pick & (1 << i) != 0 {
                for b in 0..len {
                    mask.0[o + b] = 0xff;
                    key.0[o + b] = rng.below(2) as u8;
                }
            }
        }
        let mut ranges = PortRanges::default();
        if rng.below(4) == 0 {
            let lo = rng.below(3) as u16;
            ranges.dst = Some((lo, lo + rng.below(3) as u16));
        }
        let mut actions = Actions::default();
        actions.push(Action::Redirect(Vpid::new(id))).unwrap();
        let r = RuleSpec {
            chain: rng.below(2) as u32,
            prio: 1 + rng.below(2) as u32,
            key: key.masked(&mask),
            mask,
            ranges,
            actions,
        };
        if !flower.insert(id, r) {
            continue;
        }
        let rank = ranks.add(&r);
        live.push((id, r, rank));
        for _ in 0..20 {
            let mut pkt = Key::default();
            pkt.set(off::IN_PORT, &(1 + rng.below(2) as u32).to_be_bytes());
            for &(o, len) in fields.iter() {
                for b in 0..len {
                    pkt.0[o + b] = rng.below(2) as u8;
                }
            }
            for chain in 0..2 {
                let want = flower.classify(chain, &pkt);
                let got = classify_linear(live.iter().map(|(_, r, rank)| (r, *rank)), chain, &pkt)
                    .map(|r| match r.actions.as_slice() {
                        [Action::Redirect(id)] => id.get(),
                        _ => unreachable!(),
                    });
                assert_eq!(got, want, "rule {id}, chain {chain}, packet {pkt:?}");
                // Ties by insertion order alone (no ranks) would get some of these wrong.
                let unranked = classify_linear(live.iter().map(|(_, r, _)| (r, 0)), chain, &pkt)
                    .map(|r| r.actions);
                if unranked
                    != classify_linear(live.iter().map(|(_, r, rank)| (r, *rank)), chain, &pkt)
                        .map(|r| r.actions)
                {
                    disagreements_before += 1;
                }
            }
        }
    }
    assert!(
        disagreements_before > 0,
        "the test never exercised mask order"
    );
}

#[test]
fn tracked_packets_match_ct_state_as_flower_maps_ctinfo() {
    use crate::ct::{ctinfo, flower_state, state, CtMeta};
    assert_eq!(
        flower_state(ctinfo::ESTABLISHED),
        Some(state::TRACKED | state::ESTABLISHED)
    );
    assert_eq!(
        flower_state(ctinfo::ESTABLISHED_REPLY),
        Some(state::TRACKED | state::ESTABLISHED | state::REPLY)
    );
    assert_eq!(flower_state(ctinfo::NEW), Some(state::TRACKED | state::NEW));
    assert_eq!(
        flower_state(ctinfo::RELATED_REPLY),
        Some(state::TRACKED | state::RELATED | state::REPLY)
    );
    assert_eq!(flower_state(5), None);
    let mut k = Key::from_packet(
        Vpid::new(0x1000),
        &packet::parse(&frame_udp(53, 9)).unwrap(),
    );
    let m = CtMeta {
        state: flower_state(ctinfo::ESTABLISHED_REPLY).unwrap(),
        zone: 7,
        mark: 0xabcd,
        labels: [1; 16],
    };
    k.set_ct(&m);
    // `ct_state +trk+est`, `+trk+est+rpl`, `ct_zone 7`, `ct_mark 0xab00/0xff00` match;
    // `+trk+new`, `-rpl`, `ct_zone 8` do not.
    let ct_rule = |at: usize, key: &[u8], mask: &[u8]| {
        let mut r = rule(0, 1, &[], &[Action::Drop]);
        r.mask.set(at, mask);
        r.key = {
            let mut kk = Key::default();
            kk.set(at, key);
            kk.masked(&r.mask)
        };
        r
    };
    let st = |set: u16, mask: u16| {
        ct_rule(off::CT_STATE, &set.to_be_bytes(), &mask.to_be_bytes()).matches(&k)
    };
    let (trk, est, new, rpl) = (state::TRACKED, state::ESTABLISHED, state::NEW, state::REPLY);
    assert!(st(trk | est, trk | est));
    assert!(st(trk | est | rpl, trk | est | rpl));
    assert!(!st(trk | new, trk | new));
    assert!(!st(0, rpl));
    assert!(ct_rule(off::CT_ZONE, &7u16.to_be_bytes(), &[0xff; 2]).matches(&k));
    assert!(!ct_rule(off::CT_ZONE, &8u16.to_be_bytes(), &[0xff; 2]).matches(&k));
    assert!(ct_rule(
        off::CT_MARK,
        &0xab00u32.to_be_bytes(),
        &0xff00u32.to_be_bytes()
    )
    .matches(&k));
    assert!(ct_rule(off::CT_LABELS, &[1; 16], &[0xff; 16]).matches(&k));
}
