// SPDX-License-Identifier: GPL-2.0

//! Flower match keys: which ones fponic executes, and their translation into the switch's flow
//! key and mask ([`Key`], laid out by [`off`]).

use crate::{
    bind::tc::{
        ct_state,
        ctl,
        key,
        FlowerRule, //
    },
    engine::{
        ct::TableNo,
        flow::{
            off,
            Key,
            PortRanges,
            Refusal, //
        },
        id::vpid::Vpid,
    },
};

/// Match keys fponic executes.
const SUPPORTED_KEYS: u64 = key::CONTROL
    | key::BASIC
    | key::ETH_ADDRS
    | key::VLAN
    | key::CVLAN
    | key::IPV4_ADDRS
    | key::IPV6_ADDRS
    | key::IP
    | key::PORTS
    | key::PORTS_RANGE
    | key::TCP
    | key::ICMP
    | key::CT;

/// Why a rule on a key fponic does not execute is refused, for the keys tc has.
const UNSUPPORTED: [(u64, Refusal); 13] = [
    (key::ARP, c"fponic: matching on ARP fields is not supported"),
    (
        key::FLOW_LABEL,
        c"fponic: matching on the IPv6 flow label is not supported",
    ),
    (key::MPLS, c"fponic: matching on MPLS is not supported"),
    (
        key::ENC_CONTROL,
        c"fponic: matching on tunnel (enc_*) keys is not supported",
    ),
    (
        key::ENC_KEYID,
        c"fponic: matching on tunnel key ids is not supported",
    ),
    (
        key::ENC_IP,
        c"fponic: matching on tunnel IP fields is not supported",
    ),
    (
        key::ENC_IPV4_ADDRS,
        c"fponic: matching on tunnel addresses is not supported",
    ),
    (
        key::ENC_IPV6_ADDRS,
        c"fponic: matching on tunnel addresses is not supported",
    ),
    (
        key::ENC_PORTS,
        c"fponic: matching on tunnel ports is not supported",
    ),
    (
        key::ENC_OPTS,
        c"fponic: matching on tunnel options is not supported",
    ),
    (
        key::META,
        c"fponic: matching on metadata (indev, l2_miss) is not supported",
    ),
    (
        key::NUM_OF_VLANS,
        c"fponic: matching on the number of VLANs is not supported",
    ),
    (key::PPPOE, c"fponic: matching on PPPoE is not supported"),
];

/// Refuses a rule that requires conntrack state flags `set` the eswitch never gives a packet:
/// it continues a connection only once software offloaded it (established, or a new UDP flow
/// not replied to yet), so `+rel` and `+inv` never hold there. (Software flower already refused
/// contradictory combinations.)
fn ct_state_supported(set: u16) -> Result<(), Refusal> {
    if set & ct_state::RELATED != 0 {
        return Err(c"fponic: matching on ct_state +rel is not supported");
    }
    if set & ct_state::INVALID != 0 {
        return Err(c"fponic: matching on ct_state +inv is not supported");
    }
    if set & !(ct_state::TRACKED | ct_state::NEW | ct_state::ESTABLISHED | ct_state::REPLY) != 0 {
        return Err(c"fponic: only ct_state trk, new, est and rpl can be matched");
    }
    Ok(())
}

/// `protocol all`.
const ETH_P_ALL: u16 = 0x0003;

/// The keys of a connection's direction that act_ct offloads: its tuple, and FIN/RST excluded.
/// The ingress device (META) is the representor software saw it on, which does not matter to
/// the connection (and is 0 outside the initial namespace): it is not matched.
const CT_ENTRY_KEYS: u64 = key::META
    | key::CONTROL
    | key::BASIC
    | key::IPV4_ADDRS
    | key::IPV6_ADDRS
    | key::PORTS
    | key::TCP;

/// The key, mask and port ranges of flower rule `r` on the representor of virtual port
/// `in_vpid`; the key is not masked yet.
pub(super) fn translate(
    in_vpid: Vpid,
    r: &FlowerRule<'_>,
) -> Result<(Key, Key, PortRanges), Refusal> {
    fill(
        (off::IN_PORT, in_vpid.get()),
        r,
        SUPPORTED_KEYS,
        Some(r.proto),
    )
}

/// The key and mask of the direction of an offloaded connection `r` of the act_ct flow table
/// that the switch numbers `table`; the key is not masked yet.
pub(super) fn translate_ct(table: TableNo, r: &FlowerRule<'_>) -> Result<(Key, Key), Refusal> {
    let (key, mask, _) = fill((off::CT_TABLE, table.get()), r, CT_ENTRY_KEYS, None)?;
    Ok((key, mask))
}

/// The key, mask and port ranges of `r`'s match, on the keys `allowed`, within `scope` (the
/// offset of the ingress port or the ct table's number, and its value) and, if given, the
/// filter's protocol `proto`.
fn fill(
    scope: (usize, u32),
    r: &FlowerRule<'_>,
    allowed: u64,
    proto: Option<u16>,
) -> Result<(Key, Key, PortRanges), Refusal> {
    let k = &r.keys;
    let unsupported = k.used() & !allowed;
    if unsupported != 0 {
        for (bit, msg) in UNSUPPORTED {
            if unsupported & bit != 0 {
                return Err(msg);
            }
        }
        return Err(c"fponic: unsupported match key");
    }
    let control = k.control();
    if let Some(c) = control {
        if c.mask.flags & !(ctl::IS_FRAGMENT | ctl::FIRST_FRAG) != 0 {
            return Err(c"fponic: only the frag and firstfrag flags can be matched");
        }
    }
    // Key and mask start out all zero: a key the rule does not match on is left so.
    let mut key = Key::default();
    let mut mask = Key::default();
    let mut set = |o: usize, k: &[u8], mk: &[u8]| {
        key.set(o, k);
        mask.set(o, mk);
    };
    set(scope.0, &scope.1.to_be_bytes(), &[0xff; 4]);
    // A filter sees only packets of its protocol (tc_skb_protocol), unless it is `all`.
    if let Some(p) = proto.filter(|&p| p != ETH_P_ALL) {
        set(off::TC_PROTO, &p.to_be_bytes(), &[0xff; 2]);
    }
    if let Some(b) = k.basic() {
        set(
            off::N_PROTO,
            &b.key.n_proto.to_be_bytes(),
            &b.mask.n_proto.to_be_bytes(),
        );
        set(off::IP_PROTO, &[b.key.ip_proto], &[b.mask.ip_proto]);
    }
    if let Some(e) = k.eth_addrs() {
        set(off::ETH_DST, &e.key.dst, &e.mask.dst);
        set(off::ETH_SRC, &e.key.src, &e.mask.src);
    }
    if let Some(v) = k.vlan() {
        set(
            off::VLAN_ID,
            &v.key.id.to_be_bytes(),
            &(v.mask.id & 0xfff).to_be_bytes(),
        );
        set(off::VLAN_PRIO, &[v.key.prio], &[v.mask.prio & 7]);
        set(
            off::VLAN_TPID,
            &v.key.tpid.to_be_bytes(),
            &v.mask.tpid.to_be_bytes(),
        );
        // `vlan_ethtype`: the ethertype after the outer tag. For a non-VLAN value flower
        // also puts it in the BASIC key's `n_proto`, which carries it already.
        set(
            off::VLAN_ETH,
            &v.key.eth_type.to_be_bytes(),
            &v.mask.eth_type.to_be_bytes(),
        );
    }
    if let Some(v) = k.cvlan() {
        set(
            off::CVLAN_ID,
            &v.key.id.to_be_bytes(),
            &(v.mask.id & 0xfff).to_be_bytes(),
        );
        set(off::CVLAN_PRIO, &[v.key.prio], &[v.mask.prio & 7]);
        if v.mask.tpid != 0 {
            set(
                off::CVLAN_TPID,
                &v.key.tpid.to_be_bytes(),
                &v.mask.tpid.to_be_bytes(),
            );
        }
        // `cvlan_ethtype`: the ethertype after the inner tag; flower puts it in `n_proto`
        // too, which the BASIC key carries.
        set(
            off::CVLAN_ETH,
            &v.key.eth_type.to_be_bytes(),
            &v.mask.eth_type.to_be_bytes(),
        );
    }
    if let Some(c) = control {
        // Flower sets `control.addr_type`, with a full mask, for any IPv4 or IPv6 address
        // match.
        if c.key.addr_type != 0 {
            // CAST: FLOW_DISSECTOR_KEY_IPV4_ADDRS or _IPV6_ADDRS, both below 256.
            set(off::ADDR_TYPE, &[c.key.addr_type as u8], &[0xff]);
        }
        // CAST: the two fragment flags are bits 0 and 1, as in the packet key.
        set(off::IP_FLAGS, &[c.key.flags as u8], &[c.mask.flags as u8]);
    }
    if let Some(a) = k.ipv4_addrs() {
        set(off::IP_SRC, &a.key.src, &a.mask.src);
        set(off::IP_DST, &a.key.dst, &a.mask.dst);
    }
    if let Some(a) = k.ipv6_addrs() {
        set(off::IP_SRC, &a.key.src, &a.mask.src);
        set(off::IP_DST, &a.key.dst, &a.mask.dst);
    }
    if let Some(ip) = k.ip() {
        set(off::IP_TOS, &[ip.key.tos], &[ip.mask.tos]);
        set(off::IP_TTL, &[ip.key.ttl], &[ip.mask.ttl]);
    }
    if let Some(ic) = k.icmp() {
        set(off::ICMP_TYPE, &[ic.key.ty], &[ic.mask.ty]);
        set(off::ICMP_CODE, &[ic.key.code], &[ic.mask.code]);
    }
    if let Some(p) = k.ports() {
        set(
            off::L4_SRC,
            &p.key.src.to_be_bytes(),
            &p.mask.src.to_be_bytes(),
        );
        set(
            off::L4_DST,
            &p.key.dst.to_be_bytes(),
            &p.mask.dst.to_be_bytes(),
        );
    }
    if let Some(t) = k.tcp() {
        set(
            off::TCP_FLAGS,
            &(t.key.flags & 0xfff).to_be_bytes(),
            &(t.mask.flags & 0xfff).to_be_bytes(),
        );
    }
    if let Some(c) = k.ct() {
        ct_state_supported(c.key.state & c.mask.state)?;
        set(
            off::CT_STATE,
            &c.key.state.to_be_bytes(),
            &c.mask.state.to_be_bytes(),
        );
        set(
            off::CT_ZONE,
            &c.key.zone.to_be_bytes(),
            &c.mask.zone.to_be_bytes(),
        );
        set(
            off::CT_MARK,
            &c.key.mark.to_be_bytes(),
            &c.mask.mark.to_be_bytes(),
        );
        set(off::CT_LABELS, &c.key.labels, &c.mask.labels);
    }
    let mut ranges = PortRanges::default();
    if let Some(r) = k.ports_range() {
        // A port's range is matched if its mask is set; a maximum of 0 is no range.
        if r.mask.min.src != 0 && r.key.max.src != 0 {
            ranges.src = Some((r.key.min.src, r.key.max.src));
        }
        if r.mask.min.dst != 0 && r.key.max.dst != 0 {
            ranges.dst = Some((r.key.min.dst, r.key.max.dst));
        }
    }

    Ok((key, mask, ranges))
}
