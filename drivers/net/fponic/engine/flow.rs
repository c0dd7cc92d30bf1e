// SPDX-License-Identifier: GPL-2.0

//! Flow rules: keys, masks, matching, actions and the reference classifier.
//!
//! A [`Key`] is the fixed-layout byte string the switch matches on: the ingress virtual port (or,
//! in a table of offloaded connections, the connection's act_ct flow table) and the header
//! fields tc flower can match (see [`off`] for the layout). A rule is a masked key plus
//! optional L4 port ranges, a chain, a priority and actions. Classification in a chain picks the
//! matching rule with the lowest priority, as tc does, and among equal priorities the one flower's
//! mask order puts first ([`MaskGroup`]); `goto chain` continues in a higher chain.
//!
//! The kernel's flow table (`tc/flowtable.rs`) indexes rules by mask (tuple space search) for
//! lookups whose cost does not depend on the number of rules; [`classify_linear`] here is the
//! reference it is tested against.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::{
    ct::TableNo,
    id::vpid::Vpid,
    packet::FlowKey, //
};

/// Key length in bytes.
pub(crate) const KEY_LEN: usize = 104;

/// Byte offsets of the fields in a [`Key`]. Multi-byte fields are big-endian, like the wire.
pub(crate) mod off {
    /// Ingress virtual port id (4 bytes), in the key of a flower rule or of a packet looked up
    /// in flower rules.
    pub(crate) const IN_PORT: usize = 0;
    /// The act_ct flow table's number ([`TableNo`](super::TableNo), 4 bytes), in the key of
    /// an offloaded connection or of a packet looked up in connections: those have a table of
    /// their own and no ingress port, so the table's number takes the ingress port's place.
    pub(crate) const CT_TABLE: usize = 0;
    /// Destination MAC (6).
    pub(crate) const ETH_DST: usize = 4;
    /// Source MAC (6).
    pub(crate) const ETH_SRC: usize = 10;
    /// Ethertype after VLAN tags (2).
    pub(crate) const N_PROTO: usize = 16;
    /// Outer VLAN TPID, 0 when untagged (2).
    pub(crate) const VLAN_TPID: usize = 18;
    /// Outer VLAN id (2).
    pub(crate) const VLAN_ID: usize = 20;
    /// Outer VLAN priority (1).
    pub(crate) const VLAN_PRIO: usize = 22;
    /// IP protocol (1).
    pub(crate) const IP_PROTO: usize = 23;
    /// Inner VLAN TPID, 0 when absent (2).
    pub(crate) const CVLAN_TPID: usize = 24;
    /// Inner VLAN id (2).
    pub(crate) const CVLAN_ID: usize = 26;
    /// Inner VLAN priority (1).
    pub(crate) const CVLAN_PRIO: usize = 28;
    /// IP TOS / traffic class (1).
    pub(crate) const IP_TOS: usize = 29;
    /// IP TTL / hop limit (1).
    pub(crate) const IP_TTL: usize = 30;
    /// Fragment flags (1).
    pub(crate) const IP_FLAGS: usize = 31;
    /// IP source (16; IPv4 in the first 4).
    pub(crate) const IP_SRC: usize = 32;
    /// IP destination (16; IPv4 in the first 4).
    pub(crate) const IP_DST: usize = 48;
    /// L4 source port (2).
    pub(crate) const L4_SRC: usize = 64;
    /// L4 destination port (2).
    pub(crate) const L4_DST: usize = 66;
    /// ICMP type (1).
    pub(crate) const ICMP_TYPE: usize = 68;
    /// ICMP code (1).
    pub(crate) const ICMP_CODE: usize = 69;
    /// TCP flags (2).
    pub(crate) const TCP_FLAGS: usize = 70;
    /// The protocol tc filters by (2): the outer VLAN TPID of a tagged packet, else the
    /// ethertype, as `tc_skb_protocol()` computes it.
    pub(crate) const TC_PROTO: usize = 72;
    /// The ethertype right after the outer VLAN tag, 0 when untagged (2): the VLAN key's
    /// `vlan_eth_type`.
    pub(crate) const VLAN_ETH: usize = 74;
    /// The ethertype right after the inner VLAN tag, 0 when absent (2): the CVLAN key's
    /// `vlan_eth_type`.
    pub(crate) const CVLAN_ETH: usize = 76;
    /// Which IP addresses the packet has (1): flower's `control.addr_type`, which a rule on
    /// IP addresses requires in full even when the address masks are zero.
    pub(crate) const ADDR_TYPE: usize = 78;
    /// Conntrack state (2): flower's `TCA_FLOWER_KEY_CT_FLAGS_*`, 0 for a packet conntrack has
    /// not seen, as the ct fields below.
    pub(crate) const CT_STATE: usize = 80;
    /// Conntrack zone (2).
    pub(crate) const CT_ZONE: usize = 82;
    /// Conntrack mark (4).
    pub(crate) const CT_MARK: usize = 84;
    /// Conntrack labels (16), the bytes of the connection's label bitmap.
    pub(crate) const CT_LABELS: usize = 88;
}

/// A match key, or a mask of one. `KEY_LEN` is a multiple of 8: keys are hashed and compared a
/// word at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(C, align(8))]
pub(crate) struct Key(pub(crate) [u8; KEY_LEN]);

const _: () = assert!(KEY_LEN / 8 * 8 == KEY_LEN);

/// Number of 8-byte words in a key.
pub(crate) const KEY_WORDS: usize = KEY_LEN / 8;

/// The words of a mask that are not zero: the only ones a lookup under that mask reads.
///
/// # Invariants
///
/// `len <= KEY_WORDS` and `idx[..len]` are increasing word indices below `KEY_WORDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MaskWords {
    idx: [u8; KEY_WORDS],
    len: u8,
}

impl MaskWords {
    /// The non-zero words of `mask`.
    pub(crate) fn of(mask: &Key) -> Self {
        let mut w = Self {
            idx: [0; KEY_WORDS],
            len: 0,
        };
        for i in 0..KEY_WORDS {
            if mask.word(i) == 0 {
                continue;
            }
            if let Some(slot) = w.idx.get_mut(usize::from(w.len)) {
                // CAST: below `KEY_WORDS` (13).
                *slot = i as u8;
                w.len += 1;
            }
        }
        w
    }

    /// The word indices.
    pub(crate) fn as_slice(&self) -> &[u8] {
        self.idx.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl Default for Key {
    fn default() -> Self {
        Self([0; KEY_LEN])
    }
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0.iter() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Key {
    /// Sets `bytes` at `offset`.
    pub(crate) fn set(&mut self, offset: usize, bytes: &[u8]) {
        self.0[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// Reads a big-endian `u16` at `offset`.
    pub(crate) fn be16(&self, offset: usize) -> u16 {
        u16::from_be_bytes([self.0[offset], self.0[offset + 1]])
    }

    /// `self & mask`.
    pub(crate) fn masked(&self, mask: &Key) -> Key {
        let mut k = *self;
        for (b, m) in k.0.iter_mut().zip(mask.0.iter()) {
            *b &= *m;
        }
        k
    }

    /// Word `i` of the key (native byte order; zero past the end).
    fn word(&self, i: usize) -> u64 {
        let mut v = [0u8; 8];
        if let Some(b) = self.0.get(i * 8..i * 8 + 8) {
            v.copy_from_slice(b);
        }
        u64::from_ne_bytes(v)
    }

    /// A 64-bit hash of `self & mask` (FNV-1a over 8-byte words, with a final mix), reading
    /// only the mask's non-zero `words`: equal masked keys hash equally, and a lookup touches
    /// only the words its mask covers.
    pub(crate) fn masked_hash(&self, mask: &Key, words: &MaskWords) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &i in words.as_slice() {
            let i = usize::from(i);
            h ^= self.word(i) & mask.word(i);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= h >> 29;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^ (h >> 32)
    }

    /// Whether `self & mask == key`, for a `key` already masked by `mask` and the mask's
    /// non-zero `words` (the other words of both sides are zero).
    pub(crate) fn masked_eq(&self, mask: &Key, key: &Key, words: &MaskWords) -> bool {
        words.as_slice().iter().all(|&i| {
            let i = usize::from(i);
            self.word(i) & mask.word(i) == key.word(i)
        })
    }

    /// The key of a parsed packet entering at virtual port `in_port`, for a lookup in flower
    /// rules.
    pub(crate) fn from_packet(in_port: Vpid, p: &FlowKey) -> Key {
        Self::from_packet_in(off::IN_PORT, in_port.get(), p)
    }

    /// The key of a parsed packet, for a lookup in the offloaded connections of act_ct flow
    /// table `table`.
    pub(crate) fn of_connection(table: TableNo, p: &FlowKey) -> Key {
        Self::from_packet_in(off::CT_TABLE, table.get(), p)
    }

    /// The key of a parsed packet with `scope` at `at`: what the key is looked up within.
    #[inline(always)]
    fn from_packet_in(at: usize, scope: u32, p: &FlowKey) -> Key {
        let mut k = Key::default();
        k.set(at, &scope.to_be_bytes());
        k.set(off::ETH_DST, &p.dst_mac);
        k.set(off::ETH_SRC, &p.src_mac);
        k.set(off::N_PROTO, &p.ethertype.to_be_bytes());
        k.set(off::TC_PROTO, &p.tc_proto.to_be_bytes());
        if let Some(v) = p.vlan {
            k.set(off::VLAN_TPID, &v.tpid.to_be_bytes());
            k.set(off::VLAN_ID, &v.id.to_be_bytes());
            k.0[off::VLAN_PRIO] = v.prio;
            k.set(off::VLAN_ETH, &v.eth_type.to_be_bytes());
        }
        if let Some(v) = p.cvlan {
            k.set(off::CVLAN_TPID, &v.tpid.to_be_bytes());
            k.set(off::CVLAN_ID, &v.id.to_be_bytes());
            k.0[off::CVLAN_PRIO] = v.prio;
            k.set(off::CVLAN_ETH, &v.eth_type.to_be_bytes());
        }
        k.0[off::ADDR_TYPE] = p.addr_type;
        k.0[off::IP_PROTO] = p.ip_proto;
        k.0[off::IP_TOS] = p.ip_tos;
        k.0[off::IP_TTL] = p.ip_ttl;
        k.0[off::IP_FLAGS] = p.ip_flags;
        k.set(off::IP_SRC, &p.ip_src);
        k.set(off::IP_DST, &p.ip_dst);
        match p.l4 {
            super::packet::L4::Ports { src, dst } => {
                k.set(off::L4_SRC, &src.to_be_bytes());
                k.set(off::L4_DST, &dst.to_be_bytes());
            }
            super::packet::L4::Icmp { ty, code } => {
                k.0[off::ICMP_TYPE] = ty;
                k.0[off::ICMP_CODE] = code;
            }
            super::packet::L4::None => {}
        }
        k.set(off::TCP_FLAGS, &p.tcp_flags.to_be_bytes());
        k
    }
}

/// Inclusive L4 port ranges a rule requires, checked after the masked match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PortRanges {
    /// Source port range.
    pub(crate) src: Option<(u16, u16)>,
    /// Destination port range.
    pub(crate) dst: Option<(u16, u16)>,
}

impl PortRanges {
    /// Whether `key`'s ports are inside the ranges.
    pub(crate) fn contains(&self, key: &Key) -> bool {
        let inside = |r: Option<(u16, u16)>, v: u16| r.is_none_or(|(lo, hi)| lo <= v && v <= hi);
        inside(self.src, key.be16(off::L4_SRC)) && inside(self.dst, key.be16(off::L4_DST))
    }
}

/// One action of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Drop the packet.
    Drop,
    /// Stop classifying; the packet takes the slow path (its representor).
    Accept,
    /// Send the packet to virtual port `vpid` and stop.
    Redirect(Vpid),
    /// Send a copy to virtual port `vpid` and go on.
    Mirror(Vpid),
    /// Push an outer VLAN tag.
    VlanPush {
        /// TPID (0x8100 or 0x88a8).
        tpid: u16,
        /// VLAN id.
        id: u16,
        /// Priority.
        prio: u8,
    },
    /// Pop the outer VLAN tag.
    VlanPop,
    /// Rewrite the outer VLAN tag, as act_vlan's modify does: an untagged packet passes
    /// unchanged; a tagged one gets the id, the TPID and, if given, the priority (the tag keeps
    /// its PCP and DEI otherwise).
    VlanModify {
        /// New TPID (0x8100 or 0x88a8).
        tpid: u16,
        /// New VLAN id.
        id: u16,
        /// New priority, if one was given.
        prio: Option<u8>,
    },
    /// Continue classifying in chain `n`.
    Goto(u32),
    /// Rewrite the 32-bit word at `offset` from the start of header `hdr`:
    /// `(old & mask) ^ val`, words in network order as tc pedit keeps them. One key of a tc
    /// pedit action: as act_pedit, a key that cannot be applied (no such header, out of the
    /// packet) skips the rest of its action's keys, and the packet goes on.
    Pedit {
        /// The first key of its pedit action.
        first: bool,
        /// Which header.
        hdr: PeditHdr,
        /// Byte offset in the header (multiple of 4).
        offset: u16,
        /// Bits kept.
        mask: u32,
        /// Bits set.
        val: u32,
    },
    /// Recompute checksums: [`csum`] flags.
    Csum(u32),
    /// Connection tracking in zone `zone` (`ct`, the first action of its rule): a packet of a
    /// connection act_ct offloaded to the switch (flow table `table`) gets its state and goes
    /// on; any other leaves the eswitch, and software resumes at this action (tc's miss cookie
    /// `resume`), runs conntrack and the rest of the rule.
    Ct {
        /// The switch's number of the zone's flow table (none for `commit`).
        table: Option<TableNo>,
        /// Zone.
        zone: u16,
        /// `nat` ([`crate::engine::ct::nat`] flags): apply the connection's NAT.
        nat: u8,
        /// `commit` or `force`: software (re)creates connections, so such a packet always
        /// leaves for software.
        commit: bool,
        /// tc's miss cookie for this action.
        resume: u64,
    },
    /// Forget the packet's conntrack state (`ct clear`).
    CtClear,
    /// Rewrite a word of an address or a port for NAT as nf_flow_table's software fast path
    /// does (`nf_flow_nat_ip`, `nf_flow_nat_port`): the 32-bit word at `offset` from the start
    /// of header `hdr` (IPv4, IPv6, TCP or UDP) becomes `(old & mask) ^ val`, and the checksums
    /// covering it follow incrementally (the IPv4 header's; TCP's or UDP's, through the
    /// pseudo-header for an address). An address or port mangle of an nftables flowtable
    /// entry, which its packet's headers were checked for before ([`Action::Route`]).
    Nat {
        /// Which header.
        hdr: PeditHdr,
        /// Byte offset in the header (multiple of 4).
        offset: u16,
        /// Bits kept.
        mask: u32,
        /// Bits set.
        val: u32,
    },
    /// Forward a routed packet as nf_flow_table's software fast path does: one that does not
    /// fit `mtu` (from its network header) leaves for software untouched; any other gets its
    /// TTL (hop limit) decreased. The first action of an nftables flowtable entry.
    Route {
        /// The MTU of the route (the output device's when the entry was offloaded).
        mtu: u32,
    },
}

/// Headers pedit can rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeditHdr {
    /// Ethernet header.
    Eth,
    /// IPv4 header.
    Ip4,
    /// IPv6 header.
    Ip6,
    /// TCP header.
    Tcp,
    /// UDP header.
    Udp,
}

impl PeditHdr {
    /// From `enum flow_action_mangle_base` (and `enum pedit_header_type`).
    pub(crate) fn from_htype(htype: u32) -> Option<Self> {
        match htype {
            1 => Some(Self::Eth),
            2 => Some(Self::Ip4),
            3 => Some(Self::Ip6),
            4 => Some(Self::Tcp),
            5 => Some(Self::Udp),
            _ => None,
        }
    }
}

/// Checksum flags of the csum action (`TCA_CSUM_UPDATE_FLAG_*`) fponic executes.
pub(crate) mod csum {
    /// IPv4 header checksum.
    pub(crate) const IPV4HDR: u32 = 1;
    /// ICMP and ICMPv6 checksums.
    pub(crate) const ICMP: u32 = 2;
    /// IGMP checksum.
    pub(crate) const IGMP: u32 = 4;
    /// TCP checksum.
    pub(crate) const TCP: u32 = 8;
    /// UDP checksum.
    pub(crate) const UDP: u32 = 16;
    /// UDP-Lite checksum.
    pub(crate) const UDPLITE: u32 = 32;
    /// SCTP checksum (CRC32c).
    pub(crate) const SCTP: u32 = 64;
    /// All of them: every flag act_csum knows.
    pub(crate) const SUPPORTED: u32 = IPV4HDR | ICMP | IGMP | TCP | UDP | UDPLITE | SCTP;
}

/// The VLAN tag protocols tc's vlan action takes.
fn is_vlan_tpid(t: u16) -> bool {
    t == 0x8100 || t == 0x88a8
}

impl Action {
    /// A vlan modify action from what flow_offload passes: `prio` is 0 both for priority 0 and
    /// for none, which `prio_given` tells apart (`None`: unknown, then refused unless `prio`
    /// is not 0).
    pub(crate) fn vlan_modify(
        tpid: u16,
        id: u16,
        prio: u8,
        prio_given: Option<bool>,
    ) -> Result<Action, Refusal> {
        if !is_vlan_tpid(tpid) {
            return Err(c"fponic: vlan modify supports 802.1Q and 802.1ad only");
        }
        if id >= 0xfff {
            return Err(c"fponic: vlan modify id out of range");
        }
        let prio = match (prio, prio_given) {
            (0, Some(false)) => None,
            (0, None) => {
                return Err(c"fponic: vlan modify: cannot tell whether a priority was given");
            }
            (p, _) => Some(p),
        };
        Ok(Action::VlanModify { tpid, id, prio })
    }
}

/// Maximum number of actions of a rule.
pub(crate) const MAX_ACTIONS: usize = 16;

/// The actions of a rule, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Actions {
    list: [Action; MAX_ACTIONS],
    len: usize,
    /// tc's miss cookie that resumes software right after the last action (0: none).
    resume: u64,
}

impl Default for Actions {
    fn default() -> Self {
        Self {
            list: [Action::Accept; MAX_ACTIONS],
            len: 0,
            resume: 0,
        }
    }
}

/// Why a rule cannot be offloaded, as told to the user (an extack message).
pub(crate) type Refusal = &'static core::ffi::CStr;

impl Actions {
    /// Appends an action.
    pub(crate) fn push(&mut self, a: Action) -> Result<(), Refusal> {
        if self.len == MAX_ACTIONS {
            return Err(c"fponic: too many actions (at most 16)");
        }
        self.list[self.len] = a;
        self.len += 1;
        Ok(())
    }

    /// The actions.
    pub(crate) fn as_slice(&self) -> &[Action] {
        &self.list[..self.len]
    }

    /// Sets where software resumes a packet that leaves the eswitch after these actions: tc's
    /// miss cookie for the position after the last one (0: software cannot resume).
    pub(crate) fn set_resume(&mut self, cookie: u64) {
        self.resume = cookie;
    }

    /// Where software resumes after these actions (0: it cannot).
    pub(crate) fn resume(&self) -> u64 {
        self.resume
    }

    /// Whether the first action is a `ct` that looks connections up (not `commit`, which
    /// software runs).
    pub(crate) fn is_ct_lookup(&self) -> bool {
        matches!(
            self.as_slice().first(),
            Some(Action::Ct { commit: false, .. })
        )
    }

    /// The flow table number of a leading `ct` action, if it has one.
    pub(crate) fn ct_table(&self) -> Option<TableNo> {
        match self.as_slice().first() {
            Some(&Action::Ct { table, .. }) => table,
            _ => None,
        }
    }

    /// Sets the flow table number of a leading `ct` action.
    pub(crate) fn set_ct_table(&mut self, n: TableNo) {
        if let Some(Action::Ct { table, .. }) = self.list.first_mut().filter(|_| self.len > 0) {
            *table = Some(n);
        }
    }

    /// Whether a packet can leave the eswitch for software mid-pipeline after these actions:
    /// they do not end it (no drop or redirect last), or they jump to a chain where it may miss.
    pub(crate) fn may_leave_pipeline(&self) -> bool {
        !matches!(
            self.as_slice().last(),
            Some(Action::Drop | Action::Redirect(_))
        )
    }

    /// Checks that the list can be executed in `chain`: one terminal action at most and only at
    /// the end, `goto` only forward, at most one VLAN push in a row.
    pub(crate) fn validate(&self, chain: u32) -> Result<(), Refusal> {
        if self.len == 0 {
            return Err(c"fponic: a rule needs at least one action");
        }
        for (i, a) in self.as_slice().iter().enumerate() {
            let last = i + 1 == self.len;
            match *a {
                Action::Drop | Action::Accept | Action::Redirect(_) if !last => {
                    return Err(
                        c"fponic: actions after drop, accept or redirect are not supported",
                    );
                }
                Action::Ct { .. } if i != 0 => {
                    return Err(c"fponic: ct must be the first action of its rule");
                }
                Action::Goto(_) if !last => {
                    return Err(c"fponic: goto chain must be the last action")
                }
                Action::Goto(n) if n <= chain => {
                    return Err(c"fponic: goto chain must jump to a higher chain");
                }
                Action::Pedit { offset, .. } if offset % 4 != 0 || offset >= 64 => {
                    return Err(
                        c"fponic: pedit offsets must be 4-byte aligned and within 64 bytes",
                    );
                }
                Action::Csum(f) if f & !csum::SUPPORTED != 0 => {
                    return Err(c"fponic: csum flag not supported");
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A rule as the classifier sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuleSpec {
    /// Chain.
    pub(crate) chain: u32,
    /// Priority: lower wins.
    pub(crate) prio: u32,
    /// Mask.
    pub(crate) mask: Key,
    /// Key, already masked.
    pub(crate) key: Key,
    /// Port ranges, if any.
    pub(crate) ranges: PortRanges,
    /// Actions.
    pub(crate) actions: Actions,
}

impl RuleSpec {
    /// The ingress virtual port the rule is bound to, if it matches on exactly one.
    pub(crate) fn in_port(&self) -> Option<Vpid> {
        let at = off::IN_PORT..off::IN_PORT + 4;
        if self.mask.0.get(at.clone())? != [0xff; 4] {
            return None;
        }
        let mut v = [0u8; 4];
        v.copy_from_slice(self.key.0.get(at)?);
        Some(Vpid::new(u32::from_be_bytes(v)))
    }

    /// Whether the rule matches a packet key (chain aside).
    pub(crate) fn matches(&self, pkt: &Key) -> bool {
        pkt.masked(&self.mask) == self.key && self.ranges.contains(pkt)
    }

    /// The mask list software flower tries this rule through ([`MaskGroup`]).
    pub(crate) fn mask_group(&self) -> MaskGroup {
        MaskGroup {
            in_port: self.in_port(),
            chain: self.chain,
            prio: self.prio,
            mask: self.mask.0,
            ranges: (self.ranges.src.is_some(), self.ranges.dst.is_some()),
        }
    }
}

/// The rules of one mask of one software flower classifier.
///
/// Flower keeps, per classifier instance (block, chain, priority), a list of its filters'
/// distinct masks: a mask is appended when its first filter arrives and leaves when its last
/// filter goes. A packet is looked up mask after mask in that order and the first match wins, so
/// among rules of equal priority the one whose mask entered the list first wins. A
/// representor's rules all come from its one ingress block: the group of a rule is its ingress
/// port, chain, priority and mask (port ranges being part of a flower mask).
///
/// A table gives each group a rank when the group gets its first rule and keeps it while the
/// group has rules: ranks order ties as flower's mask list does ([`classify_linear`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MaskGroup {
    in_port: Option<Vpid>,
    chain: u32,
    prio: u32,
    mask: [u8; KEY_LEN],
    ranges: (bool, bool),
}

/// The matching rule of `chain` that software flower picks among `(rule, rank)`s: the lowest
/// priority, then the lowest rank (the rule's [`MaskGroup`] rank), then the earliest in `rules`.
pub(crate) fn classify_linear<'a, I>(rules: I, chain: u32, pkt: &Key) -> Option<&'a RuleSpec>
where
    I: IntoIterator<Item = (&'a RuleSpec, u64)>,
{
    let mut best: Option<(&RuleSpec, u64)> = None;
    for (r, rank) in rules {
        if r.chain == chain
            && r.matches(pkt)
            && best.is_none_or(|(b, b_rank)| (r.prio, rank) < (b.prio, b_rank))
        {
            best = Some((r, rank));
        }
    }
    best.map(|(r, _)| r)
}
