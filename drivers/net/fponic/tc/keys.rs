// SPDX-License-Identifier: GPL-2.0

//! Flower match keys: which ones fponic executes, and their translation into the switch's flow
//! key and mask ([`Key`], laid out by [`off`]).
//!
//! [`KEYS`] has a line for every flower key: the function that puts it in the switch's match,
//! or why rules on it are refused. A new key is its function and its line here, its fields in
//! the switch's key ([`off`]) and in a packet's ([`Key::from_packet`]) in
//! [`crate::engine::flow`], and, for a key no accessor reads yet, its accessor in
//! [`crate::bind::tc`].

use crate::{
    bind::tc::{
        ct_state,
        ctl,
        key,
        FlowerRule,
        Keys, //
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

/// What fponic does with a flower key.
enum Support {
    /// Executes it: the function puts the rule's key in its match, or refuses a value it cannot
    /// execute.
    Fill(fn(&Keys<'_>, &mut RuleMatch) -> Result<(), Refusal>),
    /// Refuses rules on it, for this reason.
    Refuse(Refusal),
}

use Support::{
    Fill,
    Refuse, //
};

/// Every flower key tc has, and what fponic does with it. A rule on a key without a line is
/// refused as an unsupported match key. Refusals come first, in this order; then the keys are
/// filled in this order (the first value refused is the one reported).
const KEYS: [(u64, Support); 26] = [
    (key::CONTROL, Fill(control)),
    (key::BASIC, Fill(basic)),
    (key::ETH_ADDRS, Fill(eth_addrs)),
    (key::VLAN, Fill(vlan)),
    (key::CVLAN, Fill(cvlan)),
    (key::IPV4_ADDRS, Fill(ipv4_addrs)),
    (key::IPV6_ADDRS, Fill(ipv6_addrs)),
    (key::IP, Fill(ip)),
    (key::ICMP, Fill(icmp)),
    (key::PORTS, Fill(ports)),
    (key::PORTS_RANGE, Fill(ports_range)),
    (key::TCP, Fill(tcp)),
    (key::CT, Fill(ct)),
    (
        key::ARP,
        Refuse(c"fponic: matching on ARP fields is not supported"),
    ),
    (
        key::FLOW_LABEL,
        Refuse(c"fponic: matching on the IPv6 flow label is not supported"),
    ),
    (
        key::MPLS,
        Refuse(c"fponic: matching on MPLS is not supported"),
    ),
    (
        key::ENC_CONTROL,
        Refuse(c"fponic: matching on tunnel (enc_*) keys is not supported"),
    ),
    (
        key::ENC_KEYID,
        Refuse(c"fponic: matching on tunnel key ids is not supported"),
    ),
    (
        key::ENC_IP,
        Refuse(c"fponic: matching on tunnel IP fields is not supported"),
    ),
    (
        key::ENC_IPV4_ADDRS,
        Refuse(c"fponic: matching on tunnel addresses is not supported"),
    ),
    (
        key::ENC_IPV6_ADDRS,
        Refuse(c"fponic: matching on tunnel addresses is not supported"),
    ),
    (
        key::ENC_PORTS,
        Refuse(c"fponic: matching on tunnel ports is not supported"),
    ),
    (
        key::ENC_OPTS,
        Refuse(c"fponic: matching on tunnel options is not supported"),
    ),
    (
        key::META,
        Refuse(c"fponic: matching on metadata (indev, l2_miss) is not supported"),
    ),
    (
        key::NUM_OF_VLANS,
        Refuse(c"fponic: matching on the number of VLANs is not supported"),
    ),
    (
        key::PPPOE,
        Refuse(c"fponic: matching on PPPoE is not supported"),
    ),
];

/// The keys of [`KEYS`] that fponic executes; checks that no key has two lines.
const fn executed() -> u64 {
    let (mut all, mut fill, mut i) = (0, 0, 0);
    while i < KEYS.len() {
        let bit = KEYS[i].0;
        assert!(all & bit == 0, "a key has two lines");
        all |= bit;
        if let Fill(_) = KEYS[i].1 {
            fill |= bit;
        }
        i += 1;
    }
    fill
}

/// Match keys fponic executes.
const SUPPORTED_KEYS: u64 = executed();

/// A rule's match as it is built: the switch's key and mask, and port ranges. Key and mask start
/// out all zero: a field no key sets is not matched.
#[derive(Default)]
pub(super) struct RuleMatch {
    /// The key, not masked yet.
    pub(super) key: Key,
    /// The mask.
    pub(super) mask: Key,
    /// The port ranges.
    pub(super) ranges: PortRanges,
}

impl RuleMatch {
    /// Matches the field at `o` on `key` under `mask`.
    fn set(&mut self, o: usize, key: &[u8], mask: &[u8]) {
        self.key.set(o, key);
        self.mask.set(o, mask);
    }
}

/// [`key::CONTROL`]: the fragment flags, and the address type that flower sets, with a full
/// mask, for any IPv4 or IPv6 address match.
fn control(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    let Some(c) = k.control() else {
        return Ok(());
    };
    if c.mask.flags & !(ctl::IS_FRAGMENT | ctl::FIRST_FRAG) != 0 {
        return Err(c"fponic: only the frag and firstfrag flags can be matched");
    }
    if c.key.addr_type != 0 {
        // CAST: FLOW_DISSECTOR_KEY_IPV4_ADDRS or _IPV6_ADDRS, both below 256.
        m.set(off::ADDR_TYPE, &[c.key.addr_type as u8], &[0xff]);
    }
    // CAST: the two fragment flags are bits 0 and 1, as in the packet key.
    m.set(off::IP_FLAGS, &[c.key.flags as u8], &[c.mask.flags as u8]);
    Ok(())
}

/// [`key::BASIC`]: ethertype and IP protocol.
fn basic(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(b) = k.basic() {
        m.set(
            off::N_PROTO,
            &b.key.n_proto.to_be_bytes(),
            &b.mask.n_proto.to_be_bytes(),
        );
        m.set(off::IP_PROTO, &[b.key.ip_proto], &[b.mask.ip_proto]);
    }
    Ok(())
}

/// [`key::ETH_ADDRS`]: MAC addresses.
fn eth_addrs(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(e) = k.eth_addrs() {
        m.set(off::ETH_DST, &e.key.dst, &e.mask.dst);
        m.set(off::ETH_SRC, &e.key.src, &e.mask.src);
    }
    Ok(())
}

/// [`key::VLAN`]: the outer tag.
fn vlan(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(v) = k.vlan() {
        m.set(
            off::VLAN_ID,
            &v.key.id.to_be_bytes(),
            &(v.mask.id & 0xfff).to_be_bytes(),
        );
        m.set(off::VLAN_PRIO, &[v.key.prio], &[v.mask.prio & 7]);
        m.set(
            off::VLAN_TPID,
            &v.key.tpid.to_be_bytes(),
            &v.mask.tpid.to_be_bytes(),
        );
        // `vlan_ethtype`: the ethertype after the outer tag. For a non-VLAN value flower
        // also puts it in the BASIC key's `n_proto`, which carries it already.
        m.set(
            off::VLAN_ETH,
            &v.key.eth_type.to_be_bytes(),
            &v.mask.eth_type.to_be_bytes(),
        );
    }
    Ok(())
}

/// [`key::CVLAN`]: the inner tag.
fn cvlan(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(v) = k.cvlan() {
        m.set(
            off::CVLAN_ID,
            &v.key.id.to_be_bytes(),
            &(v.mask.id & 0xfff).to_be_bytes(),
        );
        m.set(off::CVLAN_PRIO, &[v.key.prio], &[v.mask.prio & 7]);
        if v.mask.tpid != 0 {
            m.set(
                off::CVLAN_TPID,
                &v.key.tpid.to_be_bytes(),
                &v.mask.tpid.to_be_bytes(),
            );
        }
        // `cvlan_ethtype`: the ethertype after the inner tag; flower puts it in `n_proto`
        // too, which the BASIC key carries.
        m.set(
            off::CVLAN_ETH,
            &v.key.eth_type.to_be_bytes(),
            &v.mask.eth_type.to_be_bytes(),
        );
    }
    Ok(())
}

/// [`key::IPV4_ADDRS`].
fn ipv4_addrs(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(a) = k.ipv4_addrs() {
        m.set(off::IP_SRC, &a.key.src, &a.mask.src);
        m.set(off::IP_DST, &a.key.dst, &a.mask.dst);
    }
    Ok(())
}

/// [`key::IPV6_ADDRS`].
fn ipv6_addrs(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(a) = k.ipv6_addrs() {
        m.set(off::IP_SRC, &a.key.src, &a.mask.src);
        m.set(off::IP_DST, &a.key.dst, &a.mask.dst);
    }
    Ok(())
}

/// [`key::IP`]: TOS and TTL.
fn ip(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(ip) = k.ip() {
        m.set(off::IP_TOS, &[ip.key.tos], &[ip.mask.tos]);
        m.set(off::IP_TTL, &[ip.key.ttl], &[ip.mask.ttl]);
    }
    Ok(())
}

/// [`key::ICMP`]: type and code.
fn icmp(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(ic) = k.icmp() {
        m.set(off::ICMP_TYPE, &[ic.key.ty], &[ic.mask.ty]);
        m.set(off::ICMP_CODE, &[ic.key.code], &[ic.mask.code]);
    }
    Ok(())
}

/// [`key::PORTS`]: L4 ports.
fn ports(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(p) = k.ports() {
        m.set(
            off::L4_SRC,
            &p.key.src.to_be_bytes(),
            &p.mask.src.to_be_bytes(),
        );
        m.set(
            off::L4_DST,
            &p.key.dst.to_be_bytes(),
            &p.mask.dst.to_be_bytes(),
        );
    }
    Ok(())
}

/// [`key::PORTS_RANGE`]: L4 port ranges, checked after the masked match.
fn ports_range(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(r) = k.ports_range() {
        // A port's range is matched if its mask is set; a maximum of 0 is no range.
        if r.mask.min.src != 0 && r.key.max.src != 0 {
            m.ranges.src = Some((r.key.min.src, r.key.max.src));
        }
        if r.mask.min.dst != 0 && r.key.max.dst != 0 {
            m.ranges.dst = Some((r.key.min.dst, r.key.max.dst));
        }
    }
    Ok(())
}

/// [`key::TCP`]: TCP flags.
fn tcp(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(t) = k.tcp() {
        m.set(
            off::TCP_FLAGS,
            &(t.key.flags & 0xfff).to_be_bytes(),
            &(t.mask.flags & 0xfff).to_be_bytes(),
        );
    }
    Ok(())
}

/// [`key::CT`]: conntrack state, zone, mark and labels.
fn ct(k: &Keys<'_>, m: &mut RuleMatch) -> Result<(), Refusal> {
    if let Some(c) = k.ct() {
        ct_state_supported(c.key.state & c.mask.state)?;
        m.set(
            off::CT_STATE,
            &c.key.state.to_be_bytes(),
            &c.mask.state.to_be_bytes(),
        );
        m.set(
            off::CT_ZONE,
            &c.key.zone.to_be_bytes(),
            &c.mask.zone.to_be_bytes(),
        );
        m.set(
            off::CT_MARK,
            &c.key.mark.to_be_bytes(),
            &c.mask.mark.to_be_bytes(),
        );
        m.set(off::CT_LABELS, &c.key.labels, &c.mask.labels);
    }
    Ok(())
}

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

/// The match of flower rule `r` on the representor of virtual port `in_vpid`.
pub(super) fn translate(in_vpid: Vpid, r: &FlowerRule<'_>) -> Result<RuleMatch, Refusal> {
    fill(
        (off::IN_PORT, in_vpid.get()),
        r,
        SUPPORTED_KEYS,
        Some(r.proto),
    )
}

/// The keys of a connection's direction that an nftables flowtable offloads: the tuple with its
/// input device (checked by [`super::ft`]), FIN and RST excluded. Flows over VLAN devices,
/// PPPoE or tunnels add keys fponic does not take: they stay in software.
const FT_ENTRY_KEYS: u64 = CT_ENTRY_KEYS;

/// The key and mask of the direction of a connection `r` of an nftables flowtable, entering at
/// the port with virtual port `in_vpid`; the key is not masked yet.
pub(super) fn translate_ft(in_vpid: Vpid, r: &FlowerRule<'_>) -> Result<(Key, Key), Refusal> {
    let m = fill((off::IN_PORT, in_vpid.get()), r, FT_ENTRY_KEYS, None)?;
    Ok((m.key, m.mask))
}

/// The key and mask of the direction of an offloaded connection `r` of the act_ct flow table
/// that the switch numbers `table`; the key is not masked yet.
pub(super) fn translate_ct(table: TableNo, r: &FlowerRule<'_>) -> Result<(Key, Key), Refusal> {
    let m = fill((off::CT_TABLE, table.get()), r, CT_ENTRY_KEYS, None)?;
    Ok((m.key, m.mask))
}

/// The match of `r` on the keys `allowed`, within `scope` (the offset of the ingress port or the
/// ct table's number, and its value) and, if given, the filter's protocol `proto`.
fn fill(
    scope: (usize, u32),
    r: &FlowerRule<'_>,
    allowed: u64,
    proto: Option<u16>,
) -> Result<RuleMatch, Refusal> {
    let used = r.keys.used();
    let unsupported = used & !allowed;
    if unsupported != 0 {
        for (bit, s) in &KEYS {
            if let Refuse(msg) = s {
                if unsupported & bit != 0 {
                    return Err(msg);
                }
            }
        }
        return Err(c"fponic: unsupported match key");
    }
    let mut m = RuleMatch::default();
    m.set(scope.0, &scope.1.to_be_bytes(), &[0xff; 4]);
    // A filter sees only packets of its protocol (tc_skb_protocol), unless it is `all`.
    if let Some(p) = proto.filter(|&p| p != ETH_P_ALL) {
        m.set(off::TC_PROTO, &p.to_be_bytes(), &[0xff; 2]);
    }
    for (bit, s) in &KEYS {
        if let Fill(fill_key) = s {
            if used & bit != 0 {
                fill_key(&r.keys, &mut m)?;
            }
        }
    }
    Ok(m)
}
