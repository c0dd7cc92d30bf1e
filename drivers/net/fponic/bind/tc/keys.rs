// SPDX-License-Identifier: GPL-2.0

//! The match keys of a flower rule: each key family with its mask, read with the kernel's
//! `flow_rule_match_*()` accessors, numbers in host byte order.
//!
//! C header: [`include/net/flow_dissector.h`](srctree/include/net/flow_dissector.h)

use super::bindings;

/// Flow dissector keys (`enum flow_dissector_key_id`), as bits of [`Keys::used`].
pub(crate) mod key {
    use super::bindings as b;

    const fn bit(k: u32) -> u64 {
        1 << k
    }

    /// Control (address type, fragment flags).
    pub(crate) const CONTROL: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CONTROL);
    /// Ethertype and IP protocol.
    pub(crate) const BASIC: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_BASIC);
    /// MAC addresses.
    pub(crate) const ETH_ADDRS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ETH_ADDRS);
    /// Outer VLAN.
    pub(crate) const VLAN: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_VLAN);
    /// Inner VLAN.
    pub(crate) const CVLAN: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CVLAN);
    /// IPv4 addresses.
    pub(crate) const IPV4_ADDRS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IPV4_ADDRS);
    /// IPv6 addresses.
    pub(crate) const IPV6_ADDRS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IPV6_ADDRS);
    /// TOS and TTL.
    pub(crate) const IP: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IP);
    /// L4 ports.
    pub(crate) const PORTS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_PORTS);
    /// L4 port ranges.
    pub(crate) const PORTS_RANGE: u64 =
        bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_PORTS_RANGE);
    /// TCP flags.
    pub(crate) const TCP: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_TCP);
    /// ICMP type and code.
    pub(crate) const ICMP: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ICMP);
    /// ARP fields.
    pub(crate) const ARP: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ARP);
    /// IPv6 flow label.
    pub(crate) const FLOW_LABEL: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_FLOW_LABEL);
    /// MPLS.
    pub(crate) const MPLS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_MPLS);
    /// Tunnel control.
    pub(crate) const ENC_CONTROL: u64 =
        bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_CONTROL);
    /// Tunnel key id.
    pub(crate) const ENC_KEYID: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_KEYID);
    /// Tunnel TOS and TTL.
    pub(crate) const ENC_IP: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_IP);
    /// Tunnel IPv4 addresses.
    pub(crate) const ENC_IPV4_ADDRS: u64 =
        bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_IPV4_ADDRS);
    /// Tunnel IPv6 addresses.
    pub(crate) const ENC_IPV6_ADDRS: u64 =
        bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_IPV6_ADDRS);
    /// Tunnel ports.
    pub(crate) const ENC_PORTS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_PORTS);
    /// Tunnel options.
    pub(crate) const ENC_OPTS: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ENC_OPTS);
    /// Conntrack state.
    pub(crate) const CT: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CT);
    /// Metadata (ingress device, l2_miss).
    pub(crate) const META: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_META);
    /// Number of VLAN tags.
    pub(crate) const NUM_OF_VLANS: u64 =
        bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_NUM_OF_VLANS);
    /// PPPoE.
    pub(crate) const PPPOE: u64 = bit(b::flow_dissector_key_id_FLOW_DISSECTOR_KEY_PPPOE);
}

/// Fragment flags in [`Control::flags`] (`FLOW_DIS_*` equal the uapi values).
pub(crate) mod ctl {
    use super::bindings as b;
    /// The packet is a fragment.
    pub(crate) const IS_FRAGMENT: u32 = b::TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT;
    /// The packet is the first fragment.
    pub(crate) const FIRST_FRAG: u32 = b::TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST;
}

/// Conntrack state flags in [`Ct::state`] (`TCA_FLOWER_KEY_CT_FLAGS_*`).
pub(crate) mod ct_state {
    use super::bindings as b;

    const fn flag(f: u32) -> u16 {
        // CAST: the flags are bits 0 to 5 (`__TCA_FLOWER_KEY_CT_FLAGS_MAX` is 64).
        f as u16
    }

    /// `new`: the first packets of a connection.
    pub(crate) const NEW: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_NEW);
    /// `est`: an established connection.
    pub(crate) const ESTABLISHED: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_ESTABLISHED);
    /// `rel`: related to an established connection.
    pub(crate) const RELATED: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_RELATED);
    /// `trk`: conntrack has seen the packet.
    pub(crate) const TRACKED: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_TRACKED);
    /// `inv`: conntrack found the packet invalid.
    pub(crate) const INVALID: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_INVALID);
    /// `rpl`: the reply direction.
    pub(crate) const REPLY: u16 = flag(b::TCA_FLOWER_KEY_CT_FLAGS_REPLY);
}

/// A match key and its mask: a rule matches the packets whose `key & mask` equals `key`.
#[derive(Clone, Copy)]
pub(crate) struct Match<K> {
    /// The values to match.
    pub(crate) key: K,
    /// The bits that matter.
    pub(crate) mask: K,
}

/// [`key::CONTROL`].
#[derive(Clone, Copy)]
pub(crate) struct Control {
    /// The addresses matched: `FLOW_DISSECTOR_KEY_IPV4_ADDRS` or `_IPV6_ADDRS`, 0 for none.
    pub(crate) addr_type: u16,
    /// Flags ([`ctl`]).
    pub(crate) flags: u32,
}

/// [`key::BASIC`].
#[derive(Clone, Copy)]
pub(crate) struct Basic {
    /// Ethertype (after any VLAN tags).
    pub(crate) n_proto: u16,
    /// IP protocol.
    pub(crate) ip_proto: u8,
}

/// [`key::ETH_ADDRS`].
#[derive(Clone, Copy)]
pub(crate) struct EthAddrs {
    /// Destination MAC address.
    pub(crate) dst: [u8; 6],
    /// Source MAC address.
    pub(crate) src: [u8; 6],
}

/// [`key::VLAN`] and [`key::CVLAN`]: a VLAN tag.
#[derive(Clone, Copy)]
pub(crate) struct Vlan {
    /// VLAN id (12 bits).
    pub(crate) id: u16,
    /// Priority (3 bits).
    pub(crate) prio: u8,
    /// TPID.
    pub(crate) tpid: u16,
    /// The ethertype after the tag.
    pub(crate) eth_type: u16,
}

/// [`key::IPV4_ADDRS`], in network byte order.
#[derive(Clone, Copy)]
pub(crate) struct Ipv4Addrs {
    /// Source address.
    pub(crate) src: [u8; 4],
    /// Destination address.
    pub(crate) dst: [u8; 4],
}

/// [`key::IPV6_ADDRS`], in network byte order.
#[derive(Clone, Copy)]
pub(crate) struct Ipv6Addrs {
    /// Source address.
    pub(crate) src: [u8; 16],
    /// Destination address.
    pub(crate) dst: [u8; 16],
}

/// [`key::IP`].
#[derive(Clone, Copy)]
pub(crate) struct Ip {
    /// TOS (IPv4) or traffic class (IPv6).
    pub(crate) tos: u8,
    /// TTL or hop limit.
    pub(crate) ttl: u8,
}

/// [`key::PORTS`]: L4 ports.
#[derive(Clone, Copy)]
pub(crate) struct Ports {
    /// Source port.
    pub(crate) src: u16,
    /// Destination port.
    pub(crate) dst: u16,
}

/// [`key::PORTS_RANGE`]: L4 port ranges, bounds included. In the mask, a nonzero minimum says
/// that the range of that port is matched.
#[derive(Clone, Copy)]
pub(crate) struct PortsRange {
    /// Lower bounds.
    pub(crate) min: Ports,
    /// Upper bounds.
    pub(crate) max: Ports,
}

/// [`key::TCP`].
#[derive(Clone, Copy)]
pub(crate) struct Tcp {
    /// TCP flags (the low 12 bits of the header's flags word).
    pub(crate) flags: u16,
}

/// [`key::ICMP`].
#[derive(Clone, Copy)]
pub(crate) struct Icmp {
    /// ICMP type.
    pub(crate) ty: u8,
    /// ICMP code.
    pub(crate) code: u8,
}

/// [`key::CT`].
#[derive(Clone, Copy)]
pub(crate) struct Ct {
    /// State flags ([`ct_state`]).
    pub(crate) state: u16,
    /// Zone.
    pub(crate) zone: u16,
    /// Mark.
    pub(crate) mark: u32,
    /// Labels, 128 bits as the connection's label bitmap holds them (its 32-bit words in
    /// memory order).
    pub(crate) labels: [u8; 16],
}

/// [`key::META`]: packet metadata.
#[derive(Clone, Copy)]
pub(crate) struct Meta {
    /// The interface index of the device the packet arrived on.
    pub(crate) ingress_ifindex: i32,
}

/// Conntrack labels as bytes: the 32-bit words of the label bitmap in memory order.
pub(crate) fn ct_labels(words: [u32; 4]) -> [u8; 16] {
    let mut labels = [0u8; 16];
    for (b, w) in labels.chunks_exact_mut(4).zip(words) {
        b.copy_from_slice(&w.to_ne_bytes());
    }
    labels
}

/// The ports of a `struct flow_dissector_key_ports`.
fn ports_of(k: &bindings::flow_dissector_key_ports) -> Ports {
    // SAFETY: the variants of the union are plain integers covering the same bytes.
    let p = unsafe { k.__bindgen_anon_1.__bindgen_anon_1 };
    Ports {
        src: u16::from_be(p.src),
        dst: u16::from_be(p.dst),
    }
}

/// A `struct flow_match_*`: where the kernel's `flow_rule_match_*()` functions point to a key
/// and its mask in a rule.
trait RawMatch: Default {
    /// The dissector key (`struct flow_dissector_key_*`).
    type Key;
    /// The key and the mask.
    fn parts(&self) -> (*const Self::Key, *const Self::Key);
}

macro_rules! raw_match {
    ($($m:ident => $k:ident),* $(,)?) => {$(
        impl RawMatch for bindings::$m {
            type Key = bindings::$k;
            fn parts(&self) -> (*const Self::Key, *const Self::Key) {
                (self.key, self.mask)
            }
        }
    )*};
}

raw_match! {
    flow_match_control => flow_dissector_key_control,
    flow_match_basic => flow_dissector_key_basic,
    flow_match_eth_addrs => flow_dissector_key_eth_addrs,
    flow_match_vlan => flow_dissector_key_vlan,
    flow_match_ipv4_addrs => flow_dissector_key_ipv4_addrs,
    flow_match_ipv6_addrs => flow_dissector_key_ipv6_addrs,
    flow_match_ip => flow_dissector_key_ip,
    flow_match_ports => flow_dissector_key_ports,
    flow_match_ports_range => flow_dissector_key_ports_range,
    flow_match_tcp => flow_dissector_key_tcp,
    flow_match_icmp => flow_dissector_key_icmp,
    flow_match_ct => flow_dissector_key_ct,
    flow_match_meta => flow_dissector_key_meta,
}

/// The match keys of a flower rule (the `match` of a `struct flow_rule`), each with its mask,
/// read with the kernel's `flow_rule_match_*()`. Numbers are in host byte order, addresses as
/// their bytes.
///
/// # Invariants
///
/// `self.0` points to the `struct flow_rule` of a `FLOW_CLS_REPLACE` request in progress, valid
/// for reads for `'a`.
pub(crate) struct Keys<'a>(
    core::ptr::NonNull<bindings::flow_rule>,
    core::marker::PhantomData<&'a ()>,
);

impl<'a> Keys<'a> {
    /// The keys of `rule`.
    ///
    /// # Safety
    ///
    /// `rule` is the `struct flow_rule` of a `FLOW_CLS_REPLACE` request in progress, valid for
    /// reads for `'a`.
    pub(super) unsafe fn new(rule: core::ptr::NonNull<bindings::flow_rule>) -> Self {
        // INVARIANT: by the function's safety requirement.
        Self(rule, core::marker::PhantomData)
    }

    /// The keys the rule matches on, as [`key`] bits.
    pub(crate) fn used(&self) -> u64 {
        // SAFETY: a valid rule by the type invariant, whose dissector tc set up.
        unsafe { (*(*self.0.as_ptr()).match_.dissector).used_keys }
    }

    /// Key `id` and its mask, if the rule matches on it.
    ///
    /// # Safety
    ///
    /// `read` is the kernel's `flow_rule_match_*()` function of key `id`.
    unsafe fn get<M: RawMatch, T>(
        &self,
        id: bindings::flow_dissector_key_id,
        read: unsafe extern "C" fn(*const bindings::flow_rule, *mut M),
        conv: fn(&M::Key) -> T,
    ) -> Option<Match<T>> {
        let rule = self.0.as_ptr();
        // SAFETY: a valid rule by the type invariant.
        if !unsafe { bindings::flow_rule_match_key(rule, id) } {
            return None;
        }
        let mut m = M::default();
        // SAFETY: a valid rule that uses key `id`, which `read` reads by the function's safety
        // requirement; it points `m` to the key and its mask in the rule.
        unsafe { read(rule, &mut m) };
        let (key, mask) = m.parts();
        // SAFETY: the key and the mask are in the rule, valid for reads for `'a`.
        let (key, mask) = unsafe { (&*key, &*mask) };
        Some(Match {
            key: conv(key),
            mask: conv(mask),
        })
    }

    /// [`key::CONTROL`].
    pub(crate) fn control(&self) -> Option<Match<Control>> {
        let conv = |k: &bindings::flow_dissector_key_control| Control {
            addr_type: k.addr_type,
            flags: k.flags,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CONTROL;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_control, conv) }
    }

    /// [`key::BASIC`].
    pub(crate) fn basic(&self) -> Option<Match<Basic>> {
        let conv = |k: &bindings::flow_dissector_key_basic| Basic {
            n_proto: u16::from_be(k.n_proto),
            ip_proto: k.ip_proto,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_BASIC;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_basic, conv) }
    }

    /// [`key::ETH_ADDRS`].
    pub(crate) fn eth_addrs(&self) -> Option<Match<EthAddrs>> {
        let conv = |k: &bindings::flow_dissector_key_eth_addrs| EthAddrs {
            dst: k.dst,
            src: k.src,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ETH_ADDRS;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_eth_addrs, conv) }
    }

    /// The VLAN tag of a `struct flow_dissector_key_vlan`.
    fn vlan_tag(k: &bindings::flow_dissector_key_vlan) -> Vlan {
        // SAFETY: the variants of the union are plain integers covering the same bytes.
        let tci = unsafe { k.__bindgen_anon_1.__bindgen_anon_1 };
        Vlan {
            id: tci.vlan_id(),
            // CAST: a 3-bit field.
            prio: tci.vlan_priority() as u8,
            tpid: u16::from_be(k.vlan_tpid),
            eth_type: u16::from_be(k.vlan_eth_type),
        }
    }

    /// [`key::VLAN`].
    pub(crate) fn vlan(&self) -> Option<Match<Vlan>> {
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_VLAN;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_vlan, Self::vlan_tag) }
    }

    /// [`key::CVLAN`].
    pub(crate) fn cvlan(&self) -> Option<Match<Vlan>> {
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CVLAN;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_cvlan, Self::vlan_tag) }
    }

    /// [`key::IPV4_ADDRS`].
    pub(crate) fn ipv4_addrs(&self) -> Option<Match<Ipv4Addrs>> {
        // Big-endian words: their bytes in memory are the address bytes.
        let conv = |k: &bindings::flow_dissector_key_ipv4_addrs| Ipv4Addrs {
            src: k.src.to_ne_bytes(),
            dst: k.dst.to_ne_bytes(),
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IPV4_ADDRS;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ipv4_addrs, conv) }
    }

    /// [`key::IPV6_ADDRS`].
    pub(crate) fn ipv6_addrs(&self) -> Option<Match<Ipv6Addrs>> {
        let conv = |k: &bindings::flow_dissector_key_ipv6_addrs| {
            // SAFETY: the variants of `struct in6_addr`'s union are plain integers covering
            // the same bytes.
            let (src, dst) = unsafe { (k.src.in6_u.u6_addr8, k.dst.in6_u.u6_addr8) };
            Ipv6Addrs { src, dst }
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IPV6_ADDRS;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ipv6_addrs, conv) }
    }

    /// [`key::IP`].
    pub(crate) fn ip(&self) -> Option<Match<Ip>> {
        let conv = |k: &bindings::flow_dissector_key_ip| Ip {
            tos: k.tos,
            ttl: k.ttl,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_IP;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ip, conv) }
    }

    /// [`key::PORTS`].
    pub(crate) fn ports(&self) -> Option<Match<Ports>> {
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_PORTS;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ports, ports_of) }
    }

    /// [`key::PORTS_RANGE`].
    pub(crate) fn ports_range(&self) -> Option<Match<PortsRange>> {
        let conv = |k: &bindings::flow_dissector_key_ports_range| {
            // SAFETY: the variants of the union are plain integers covering the same bytes.
            let r = unsafe { k.__bindgen_anon_1.__bindgen_anon_1 };
            PortsRange {
                min: ports_of(&r.tp_min),
                max: ports_of(&r.tp_max),
            }
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_PORTS_RANGE;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ports_range, conv) }
    }

    /// [`key::TCP`].
    pub(crate) fn tcp(&self) -> Option<Match<Tcp>> {
        let conv = |k: &bindings::flow_dissector_key_tcp| Tcp {
            flags: u16::from_be(k.flags),
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_TCP;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_tcp, conv) }
    }

    /// [`key::ICMP`].
    pub(crate) fn icmp(&self) -> Option<Match<Icmp>> {
        let conv = |k: &bindings::flow_dissector_key_icmp| Icmp {
            ty: k.__bindgen_anon_1.type_,
            code: k.__bindgen_anon_1.code,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_ICMP;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_icmp, conv) }
    }

    /// [`key::CT`].
    pub(crate) fn ct(&self) -> Option<Match<Ct>> {
        let conv = |k: &bindings::flow_dissector_key_ct| Ct {
            state: k.ct_state,
            zone: k.ct_zone,
            mark: k.ct_mark,
            labels: ct_labels(k.ct_labels),
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_CT;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_ct, conv) }
    }

    /// [`key::META`].
    pub(crate) fn meta(&self) -> Option<Match<Meta>> {
        let conv = |k: &bindings::flow_dissector_key_meta| Meta {
            ingress_ifindex: k.ingress_ifindex,
        };
        let id = bindings::flow_dissector_key_id_FLOW_DISSECTOR_KEY_META;
        // SAFETY: the accessor of that key.
        unsafe { self.get(id, bindings::flow_rule_match_meta, conv) }
    }
}
