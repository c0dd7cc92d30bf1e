// SPDX-License-Identifier: GPL-2.0

//! Flower match keys: which ones fponic executes, and their translation into the switch's flow
//! key and mask ([`Key`], laid out by [`off`]).

use crate::{
    bind::tc::{
        ctl,
        keys,
        FlowerRule, //
    },
    engine::flow::{
        off,
        Key,
        PortRanges,
        Refusal, //
    },
};

/// Match keys fponic executes.
const SUPPORTED_KEYS: u64 = keys::CONTROL
    | keys::BASIC
    | keys::ETH_ADDRS
    | keys::VLAN
    | keys::CVLAN
    | keys::IPV4_ADDRS
    | keys::IPV6_ADDRS
    | keys::IP
    | keys::PORTS
    | keys::PORTS_RANGE
    | keys::TCP
    | keys::ICMP;

/// `protocol all`.
const ETH_P_ALL: u16 = 0x0003;

/// The key, mask and port ranges of flower rule `r` on the representor of virtual port
/// `in_vpid`; the key is not masked yet.
pub(super) fn translate(
    in_vpid: u32,
    r: &FlowerRule<'_>,
) -> Result<(Key, Key, PortRanges), Refusal> {
    let m = &r.m;
    let unsupported = m.used_keys & !SUPPORTED_KEYS;
    if unsupported != 0 {
        for (bit, msg) in keys::NAMES {
            if unsupported & (1 << bit) != 0 {
                return Err(msg);
            }
        }
        return Err(c"fponic: unsupported match key");
    }
    if m.ctl_flags_m & !(ctl::IS_FRAGMENT | ctl::FIRST_FRAG) != 0 {
        return Err(c"fponic: only the frag and firstfrag flags can be matched");
    }
    let mut key = Key::default();
    let mut mask = Key::default();
    let mut set = |o: usize, k: &[u8], mk: &[u8]| {
        key.set(o, k);
        mask.set(o, mk);
    };
    set(off::IN_PORT, &in_vpid.to_be_bytes(), &[0xff; 4]);
    // A filter sees only packets of its protocol (tc_skb_protocol), unless it is `all`.
    if m.tc_proto != ETH_P_ALL {
        set(off::TC_PROTO, &m.tc_proto.to_be_bytes(), &[0xff; 2]);
    }
    set(
        off::N_PROTO,
        &m.n_proto.to_be_bytes(),
        &m.n_proto_m.to_be_bytes(),
    );
    set(off::IP_PROTO, &[m.ip_proto], &[m.ip_proto_m]);
    set(off::ETH_DST, &m.dst, &m.dst_m);
    set(off::ETH_SRC, &m.src, &m.src_m);
    if m.used_keys & keys::VLAN != 0 {
        set(
            off::VLAN_ID,
            &m.vlan_id.to_be_bytes(),
            &(m.vlan_id_m & 0xfff).to_be_bytes(),
        );
        set(off::VLAN_PRIO, &[m.vlan_prio], &[m.vlan_prio_m & 7]);
        set(
            off::VLAN_TPID,
            &m.vlan_tpid.to_be_bytes(),
            &m.vlan_tpid_m.to_be_bytes(),
        );
        // `vlan_ethtype`: the ethertype after the outer tag. For a non-VLAN value flower
        // also puts it in the BASIC key's `n_proto`, which carries it already.
        set(
            off::VLAN_ETH,
            &m.vlan_eth.to_be_bytes(),
            &m.vlan_eth_m.to_be_bytes(),
        );
    }
    if m.used_keys & keys::CVLAN != 0 {
        set(
            off::CVLAN_ID,
            &m.cvlan_id.to_be_bytes(),
            &(m.cvlan_id_m & 0xfff).to_be_bytes(),
        );
        set(off::CVLAN_PRIO, &[m.cvlan_prio], &[m.cvlan_prio_m & 7]);
        if m.cvlan_tpid_m != 0 {
            set(
                off::CVLAN_TPID,
                &m.cvlan_tpid.to_be_bytes(),
                &m.cvlan_tpid_m.to_be_bytes(),
            );
        }
        // `cvlan_ethtype`: the ethertype after the inner tag; flower puts it in `n_proto`
        // too, which the BASIC key carries.
        set(
            off::CVLAN_ETH,
            &m.cvlan_eth.to_be_bytes(),
            &m.cvlan_eth_m.to_be_bytes(),
        );
    }
    // Flower sets `control.addr_type`, with a full mask, for any IPv4 or IPv6 address match.
    if m.addr_type != 0 {
        // CAST: FLOW_DISSECTOR_KEY_IPV4_ADDRS or _IPV6_ADDRS, both below 256.
        set(off::ADDR_TYPE, &[m.addr_type as u8], &[0xff]);
    }
    if m.used_keys & keys::IPV4_ADDRS != 0 {
        set(off::IP_SRC, &m.v4_src, &m.v4_src_m);
        set(off::IP_DST, &m.v4_dst, &m.v4_dst_m);
    }
    if m.used_keys & keys::IPV6_ADDRS != 0 {
        set(off::IP_SRC, &m.v6_src, &m.v6_src_m);
        set(off::IP_DST, &m.v6_dst, &m.v6_dst_m);
    }
    set(off::IP_TOS, &[m.tos], &[m.tos_m]);
    set(off::IP_TTL, &[m.ttl], &[m.ttl_m]);
    // CAST: the two fragment flags are bits 0 and 1, as in the packet key.
    set(off::IP_FLAGS, &[m.ctl_flags as u8], &[m.ctl_flags_m as u8]);
    set(off::ICMP_TYPE, &[m.icmp_type], &[m.icmp_type_m]);
    set(off::ICMP_CODE, &[m.icmp_code], &[m.icmp_code_m]);
    set(
        off::L4_SRC,
        &m.sport.to_be_bytes(),
        &m.sport_m.to_be_bytes(),
    );
    set(
        off::L4_DST,
        &m.dport.to_be_bytes(),
        &m.dport_m.to_be_bytes(),
    );
    set(
        off::TCP_FLAGS,
        &(m.tcp_flags & 0xfff).to_be_bytes(),
        &(m.tcp_flags_m & 0xfff).to_be_bytes(),
    );
    let mut ranges = PortRanges::default();
    if m.used_keys & keys::PORTS_RANGE != 0 {
        if m.sport_max != 0 {
            ranges.src = Some((m.sport_min, m.sport_max));
        }
        if m.dport_max != 0 {
            ranges.dst = Some((m.dport_min, m.dport_max));
        }
    }

    Ok((key, mask, ranges))
}
