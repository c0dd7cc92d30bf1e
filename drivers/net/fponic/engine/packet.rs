// SPDX-License-Identifier: GPL-2.0

//! Packet header parsing into a flow key.
//!
//! The key holds the fields tc flower can match on, extracted exactly as flower extracts them:
//! `skb_flow_dissect(skb, &mask->dissector, &key, FLOW_DISSECTOR_F_STOP_BEFORE_ENCAP)` in
//! `net/sched/cls_flower.c`, whose return value flower ignores. The parser is a model of
//! `__skb_flow_dissect()` (`net/core/flow_dissector.c`) for the keys fponic offloads:
//!
//! - whatever the dissector filled before it stopped is classified: a header cut short, an IPv4
//!   header length below 5 or the header-count limit (`MAX_FLOW_DISSECT_HDRS`) end the walk with
//!   the fields found so far, and `n_proto`/`ip_proto` as they were at that point;
//! - VLAN tags: the first two fill the VLAN and CVLAN keys (with the ethertype behind each), any
//!   further ones are skipped; PPPoE sessions, HSR/PRP tags and batman-adv unicast headers are
//!   walked through, as the dissector does;
//! - IPv6 hop-by-hop, routing and destination options headers are walked; a fragment header or
//!   an IPv4 fragment (first or not) ends the walk: flower does not ask for
//!   `FLOW_DISSECTOR_F_PARSE_1ST_FRAG`, so fragments never carry ports, TCP flags or ICMP fields;
//! - ports come from `skb_flow_get_ports()` (4 bytes), TCP flags need a full TCP header with a
//!   data offset of at least 5, ICMP type and code need the 8-byte ICMP header.
//!
//! The dissector reads headers from the whole packet, fragments included. The parser sees the
//! linear part and the packet's total length: a header it needs that lies beyond the linear part
//! but inside the packet makes it return [`ParseError::NeedLinear`], and the caller pulls that
//! much into the linear part and parses again.
//!
//! At tc ingress the core has already moved an outer VLAN tag to the skb's metadata and set
//! `skb->protocol` to the ethertype behind it (`skb_vlan_untag()`, `eth_type_trans()`): the
//! parser starts from the same state. Frames the core drops before tc (shorter than an Ethernet
//! header, or an outer tag without the two bytes after it) are the only ones not classified.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

/// Ethertype of IPv4.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// Ethertype of IPv6.
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
/// Ethertype (TPID) of an 802.1Q tag.
pub(crate) const ETH_P_8021Q: u16 = 0x8100;
/// Ethertype (TPID) of an 802.1ad tag.
pub(crate) const ETH_P_8021AD: u16 = 0x88a8;
/// Ethertype of PPPoE session frames.
pub(crate) const ETH_P_PPP_SES: u16 = 0x8864;
/// Ethertype of MPLS unicast.
pub(crate) const ETH_P_MPLS_UC: u16 = 0x8847;
/// Ethertype of MPLS multicast.
pub(crate) const ETH_P_MPLS_MC: u16 = 0x8848;
/// Ethertype of HSR (v1) tags.
pub(crate) const ETH_P_HSR: u16 = 0x892f;
/// Ethertype of PRP/HSRv0 tags.
pub(crate) const ETH_P_PRP: u16 = 0x88fb;
/// Ethertype of batman-adv.
pub(crate) const ETH_P_BATMAN: u16 = 0x4305;
/// `skb->protocol` of a raw 802.3 frame (length field, payload starting `ff ff`).
pub(crate) const ETH_P_802_3: u16 = 0x0001;
/// `skb->protocol` of an 802.2 LLC frame (length field).
pub(crate) const ETH_P_802_2: u16 = 0x0004;
/// Smallest value of the type/length field that is an ethertype.
const ETH_P_802_3_MIN: u16 = 0x0600;

/// Length of an Ethernet header.
const ETH_HLEN: usize = 14;

/// Number of protocol headers after which the dissector stops (`MAX_FLOW_DISSECT_HDRS`): every
/// step to a further header (a VLAN tag, an IPv6 extension header, ...) counts.
pub(crate) const MAX_FLOW_DISSECT_HDRS: u32 = 15;

/// `control.addr_type` of a packet whose IPv4 addresses were dissected
/// (`FLOW_DISSECTOR_KEY_IPV4_ADDRS`).
pub(crate) const ADDR_TYPE_IPV4: u8 = 2;
/// `control.addr_type` of a packet whose IPv6 addresses were dissected
/// (`FLOW_DISSECTOR_KEY_IPV6_ADDRS`).
pub(crate) const ADDR_TYPE_IPV6: u8 = 3;

/// IP protocol numbers the parser knows.
pub(crate) mod proto {
    /// IPv6 hop-by-hop options.
    pub(crate) const HOPOPTS: u8 = 0;
    /// ICMP.
    pub(crate) const ICMP: u8 = 1;
    /// IPv4 in IP.
    pub(crate) const IPIP: u8 = 4;
    /// TCP.
    pub(crate) const TCP: u8 = 6;
    /// UDP.
    pub(crate) const UDP: u8 = 17;
    /// DCCP.
    pub(crate) const DCCP: u8 = 33;
    /// IPv6 in IP.
    pub(crate) const IPV6: u8 = 41;
    /// IPv6 routing header.
    pub(crate) const ROUTING: u8 = 43;
    /// IPv6 fragment header.
    pub(crate) const FRAGMENT: u8 = 44;
    /// GRE.
    pub(crate) const GRE: u8 = 47;
    /// ESP.
    pub(crate) const ESP: u8 = 50;
    /// AH.
    pub(crate) const AH: u8 = 51;
    /// ICMPv6.
    pub(crate) const ICMPV6: u8 = 58;
    /// IPv6 destination options.
    pub(crate) const DSTOPTS: u8 = 60;
    /// SCTP.
    pub(crate) const SCTP: u8 = 132;
    /// UDP-Lite.
    pub(crate) const UDPLITE: u8 = 136;
    /// MPLS in IP.
    pub(crate) const MPLS: u8 = 137;
}

/// Fragment flags, as flower's `ip_flags` (`FLOW_DIS_IS_FRAGMENT`, `FLOW_DIS_FIRST_FRAG`).
pub(crate) mod frag {
    /// The packet is a fragment.
    pub(crate) const IS_FRAGMENT: u8 = 1 << 0;
    /// The packet is the first fragment.
    pub(crate) const FIRST_FRAG: u8 = 1 << 1;
}

/// One VLAN tag, as the dissector's VLAN and CVLAN keys hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Vlan {
    /// Tag protocol identifier.
    pub(crate) tpid: u16,
    /// VLAN id (12 bits).
    pub(crate) id: u16,
    /// Priority code point (3 bits).
    pub(crate) prio: u8,
    /// The ethertype right after the tag (`vlan_eth_type`).
    pub(crate) eth_type: u16,
}

/// Layer 4 fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum L4 {
    /// No layer 4 fields (not IP, a fragment, no such header, or cut short).
    #[default]
    None,
    /// The ports key: the four bytes `skb_flow_get_ports()` reads (TCP, UDP, SCTP, DCCP,
    /// UDP-Lite ports; the SPI of ESP and AH).
    Ports {
        /// Source port.
        src: u16,
        /// Destination port.
        dst: u16,
    },
    /// ICMP or ICMPv6 type and code.
    Icmp {
        /// Message type.
        ty: u8,
        /// Message code.
        code: u8,
    },
}

/// The fields of a frame that flows match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FlowKey {
    /// Destination MAC address.
    pub(crate) dst_mac: [u8; 6],
    /// Source MAC address.
    pub(crate) src_mac: [u8; 6],
    /// Outer VLAN tag, if any.
    pub(crate) vlan: Option<Vlan>,
    /// Inner VLAN tag (QinQ), if any.
    pub(crate) cvlan: Option<Vlan>,
    /// The protocol where the dissector stopped (`basic.n_proto`): the ethertype after the VLAN
    /// tags for a plain frame.
    pub(crate) ethertype: u16,
    /// The protocol tc filters by (`tc_skb_protocol()`): the outer VLAN TPID of a tagged frame,
    /// else `skb->protocol`.
    pub(crate) tc_proto: u16,
    /// IP source address; IPv4 uses the first four bytes.
    pub(crate) ip_src: [u8; 16],
    /// IP destination address; IPv4 uses the first four bytes.
    pub(crate) ip_dst: [u8; 16],
    /// Which addresses the dissector found (`control.addr_type`): [`ADDR_TYPE_IPV4`],
    /// [`ADDR_TYPE_IPV6`] or 0.
    pub(crate) addr_type: u8,
    /// IP protocol where the dissector stopped (IPv6: the next header it reached). Zero for
    /// non-IP.
    pub(crate) ip_proto: u8,
    /// IPv4 TOS or IPv6 traffic class.
    pub(crate) ip_tos: u8,
    /// IPv4 TTL or IPv6 hop limit.
    pub(crate) ip_ttl: u8,
    /// Fragment flags ([`frag`]).
    pub(crate) ip_flags: u8,
    /// Layer 4 fields.
    pub(crate) l4: L4,
    /// TCP flags (12 bits), zero for non-TCP.
    pub(crate) tcp_flags: u16,
    /// Offset of the network header in the frame: where the first protocol after the VLAN tags
    /// starts.
    pub(crate) l3_offset: u16,
    /// Offset of the transport header in the frame: where the dissector looked for the ports of
    /// `ip_proto`. Zero when it did not (not IP, a fragment, a bad IP header, an IPv6 extension
    /// header it could not walk).
    pub(crate) l4_offset: u16,
}

/// Why a frame was not classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The core drops the frame before tc: shorter than an Ethernet header, or an in-band outer
    /// VLAN tag without the two bytes after it (`skb_vlan_untag()`).
    Runt,
    /// A header the dissector reads lies beyond the linear data but inside the packet: this many
    /// bytes must be linear to parse it.
    NeedLinear(usize),
}

/// Minimum number of bytes [`pull_len`] asks for.
const MIN_PULL: usize = 256;

/// Number of parse attempts that always suffices when every [`ParseError::NeedLinear`] is
/// answered by making [`pull_len`] bytes linear: each pull at least doubles the linear part,
/// from [`MIN_PULL`], and the dissector never reads past 64 KiB (15 steps of at most 2 KiB).
pub(crate) const MAX_PARSE_ATTEMPTS: usize = 12;

/// How many bytes of a packet of `total` bytes to make linear when a parse asked for `need`
/// and `linear` are: at least `need`, at least [`MIN_PULL`] and twice `linear`, at most `total`.
pub(crate) fn pull_len(need: usize, linear: usize, total: usize) -> usize {
    need.max(MIN_PULL)
        .max(linear.saturating_mul(2))
        .min(total)
        .max(need)
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..) {
        Some([x, y, ..]) => u16::from_be_bytes([*x, *y]),
        _ => 0,
    }
}

fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

fn is_vlan(ethertype: u16) -> bool {
    ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD
}

fn tag(tpid: u16, tci: u16, eth_type: u16) -> Vlan {
    Vlan {
        tpid,
        id: tci & 0x0fff,
        // CAST: a 3-bit field.
        prio: (tci >> 13) as u8,
        eth_type,
    }
}

/// The packet as the dissector reads it: `linear` bytes directly, up to `total` in all.
struct Bytes<'a> {
    linear: &'a [u8],
    total: usize,
}

impl<'a> Bytes<'a> {
    /// `__skb_header_pointer()`: the `len` bytes at `off`, or `None` if the packet ends first.
    fn get(&self, off: usize, len: usize) -> Result<Option<&'a [u8]>, ParseError> {
        let Some(end) = off.checked_add(len) else {
            return Ok(None);
        };
        if let Some(b) = self.linear.get(off..end) {
            return Ok(Some(b));
        }
        if end <= self.total {
            return Err(ParseError::NeedLinear(end));
        }
        Ok(None)
    }
}

/// What `skb->protocol` becomes for the type/length field `ethertype` whose payload starts at
/// `at` (`eth_type_trans()`, `vlan_set_encap_proto()`): lengths map to 802.3 or 802.2.
fn skb_protocol(b: &Bytes<'_>, ethertype: u16, at: usize) -> Result<u16, ParseError> {
    if ethertype >= ETH_P_802_3_MIN {
        return Ok(ethertype);
    }
    Ok(if b.get(at, 2)? == Some(&[0xff, 0xff]) {
        ETH_P_802_3
    } else {
        ETH_P_802_2
    })
}

/// How a step of the dissector ends (`enum flow_dissect_ret`).
enum Ret {
    /// Go on with the IP protocol (`FLOW_DISSECT_RET_CONTINUE` after an L3 header; the end
    /// after an L4 one).
    Continue,
    /// Dissect a further protocol header (`FLOW_DISSECT_RET_PROTO_AGAIN`).
    ProtoAgain,
    /// Dissect a further IP protocol header (`FLOW_DISSECT_RET_IPPROTO_AGAIN`).
    IpProtoAgain,
    /// Stop (`FLOW_DISSECT_RET_OUT_GOOD` or `_OUT_BAD`: flower does not tell them apart).
    Out,
}

/// The dissector's state while it walks a packet.
struct Dissector<'a> {
    b: Bytes<'a>,
    /// The outer tag in the skb's metadata: `(tpid, tci)`.
    hw_tag: Option<(u16, u16)>,
    /// `skb->protocol`: the ethertype behind the metadata tag, if any.
    skb_proto: u16,
    proto: u16,
    ip_proto: u8,
    nhoff: usize,
    /// Header steps taken (`num_hdrs`).
    num_hdrs: u32,
    /// VLAN tags seen.
    vlans: u32,
    k: FlowKey,
}

impl Dissector<'_> {
    /// `skb_flow_dissect_allowed()`.
    fn allowed(&mut self) -> bool {
        self.num_hdrs = self.num_hdrs.saturating_add(1);
        self.num_hdrs <= MAX_FLOW_DISSECT_HDRS
    }

    /// Moves `nhoff` on by `n`; `false` if that overflows (the packet cannot be that long).
    fn advance(&mut self, n: usize) -> bool {
        match self.nhoff.checked_add(n) {
            Some(v) => {
                self.nhoff = v;
                true
            }
            None => false,
        }
    }

    /// The walk: the `proto_again` and `ip_proto_again` loops of `__skb_flow_dissect()`.
    fn run(&mut self) -> Result<(), ParseError> {
        // Bounded: every pass through either loop is a counted header step.
        'proto: loop {
            match self.proto_step()? {
                Ret::ProtoAgain if self.allowed() => continue 'proto,
                Ret::Continue | Ret::IpProtoAgain => {}
                Ret::ProtoAgain | Ret::Out => return Ok(()),
            }
            loop {
                let ret = self.ip_proto_step()?;
                if self.k.ip_flags & frag::IS_FRAGMENT == 0 {
                    self.ports()?;
                }
                match ret {
                    Ret::ProtoAgain if self.allowed() => continue 'proto,
                    Ret::IpProtoAgain if self.allowed() => continue,
                    _ => return Ok(()),
                }
            }
        }
    }

    /// One pass of the `switch (proto)` of `__skb_flow_dissect()`.
    fn proto_step(&mut self) -> Result<Ret, ParseError> {
        if !is_vlan(self.proto) && self.k.l3_offset == 0 {
            self.k.l3_offset = u16::try_from(self.nhoff).unwrap_or(0);
        }
        match self.proto {
            ETH_P_IP => self.ipv4(),
            ETH_P_IPV6 => self.ipv6(),
            ETH_P_8021Q | ETH_P_8021AD => self.vlan(),
            ETH_P_PPP_SES => {
                let Some(h) = self.b.get(self.nhoff, 8)? else {
                    return Ok(Ret::Out);
                };
                // Version 1, type 1, code 0 (`is_pppoe_ses_hdr_valid()`).
                if byte(h, 0) != 0x11 || byte(h, 1) != 0 {
                    return Ok(Ret::Out);
                }
                let ppp_proto = be16(h, 6);
                if !self.advance(8) {
                    return Ok(Ret::Out);
                }
                self.proto = match ppp_proto {
                    0x0021 => ETH_P_IP,
                    0x0057 => ETH_P_IPV6,
                    0x0281 => ETH_P_MPLS_UC,
                    0x0283 => ETH_P_MPLS_MC,
                    _ => return Ok(Ret::Out),
                };
                Ok(Ret::ProtoAgain)
            }
            ETH_P_HSR | ETH_P_PRP => {
                let Some(h) = self.b.get(self.nhoff, 6)? else {
                    return Ok(Ret::Out);
                };
                self.proto = be16(h, 4);
                Ok(if self.advance(6) {
                    Ret::ProtoAgain
                } else {
                    Ret::Out
                })
            }
            ETH_P_BATMAN => {
                // `struct batadv_unicast_packet` (10 bytes) and the inner Ethernet header.
                let Some(h) = self.b.get(self.nhoff, 24)? else {
                    return Ok(Ret::Out);
                };
                // BATADV_UNICAST, BATADV_COMPAT_VERSION.
                if byte(h, 0) != 0x40 || byte(h, 1) != 15 {
                    return Ok(Ret::Out);
                }
                self.proto = be16(h, 22);
                Ok(if self.advance(24) {
                    Ret::ProtoAgain
                } else {
                    Ret::Out
                })
            }
            // MPLS (flower rules fponic executes match no MPLS key: the dissector stops at
            // once), and every other protocol: no further header.
            _ => Ok(Ret::Out),
        }
    }

    fn ipv4(&mut self) -> Result<Ret, ParseError> {
        let Some(h) = self.b.get(self.nhoff, 20)? else {
            return Ok(Ret::Out);
        };
        // The version is not checked, only the header length.
        let ihl = usize::from(byte(h, 0) & 0x0f);
        if ihl < 5 || !self.advance(ihl * 4) {
            return Ok(Ret::Out);
        }
        self.ip_proto = byte(h, 9);
        if let (Some(s), Some(d)) = (h.get(12..16), h.get(16..20)) {
            self.k.ip_src[..4].copy_from_slice(s);
            self.k.ip_dst[..4].copy_from_slice(d);
            self.k.addr_type = ADDR_TYPE_IPV4;
        }
        self.k.ip_tos = byte(h, 1);
        self.k.ip_ttl = byte(h, 8);
        let frag_off = be16(h, 6);
        // More fragments or a fragment offset: first fragments stop here too, flower does not
        // pass FLOW_DISSECTOR_F_PARSE_1ST_FRAG.
        if frag_off & 0x3fff != 0 {
            self.k.ip_flags |= frag::IS_FRAGMENT;
            if frag_off & 0x1fff == 0 {
                self.k.ip_flags |= frag::FIRST_FRAG;
            }
            return Ok(Ret::Out);
        }
        Ok(Ret::Continue)
    }

    fn ipv6(&mut self) -> Result<Ret, ParseError> {
        let Some(h) = self.b.get(self.nhoff, 40)? else {
            return Ok(Ret::Out);
        };
        // The version is not checked.
        self.ip_proto = byte(h, 6);
        if !self.advance(40) {
            return Ok(Ret::Out);
        }
        if let (Some(s), Some(d)) = (h.get(8..24), h.get(24..40)) {
            self.k.ip_src.copy_from_slice(s);
            self.k.ip_dst.copy_from_slice(d);
            self.k.addr_type = ADDR_TYPE_IPV6;
        }
        self.k.ip_tos = (byte(h, 0) << 4) | (byte(h, 1) >> 4);
        self.k.ip_ttl = byte(h, 7);
        Ok(Ret::Continue)
    }

    fn vlan(&mut self) -> Result<Ret, ParseError> {
        let tpid = self.proto;
        let tci = match self.hw_tag {
            // The first tag is the one in the metadata.
            Some((_, tci)) if self.vlans == 0 => {
                self.proto = self.skb_proto;
                tci
            }
            _ => {
                let Some(h) = self.b.get(self.nhoff, 4)? else {
                    return Ok(Ret::Out);
                };
                self.proto = be16(h, 2);
                if !self.advance(4) {
                    return Ok(Ret::Out);
                }
                be16(h, 0)
            }
        };
        // Tags after the second fill no key but still count as header steps.
        match self.vlans {
            0 => self.k.vlan = Some(tag(tpid, tci, self.proto)),
            1 => self.k.cvlan = Some(tag(tpid, tci, self.proto)),
            _ => {}
        }
        self.vlans = self.vlans.saturating_add(1);
        Ok(Ret::ProtoAgain)
    }

    /// One pass of the `switch (ip_proto)` of `__skb_flow_dissect()`.
    fn ip_proto_step(&mut self) -> Result<Ret, ParseError> {
        let ipv6 = self.proto == ETH_P_IPV6;
        match self.ip_proto {
            // FLOW_DISSECTOR_F_STOP_BEFORE_ENCAP.
            proto::GRE | proto::IPIP | proto::IPV6 => Ok(Ret::Out),
            proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS if ipv6 => {
                let Some(h) = self.b.get(self.nhoff, 2)? else {
                    return Ok(Ret::Out);
                };
                self.ip_proto = byte(h, 0);
                let len = (usize::from(byte(h, 1)) + 1) * 8;
                Ok(if self.advance(len) {
                    Ret::IpProtoAgain
                } else {
                    Ret::Out
                })
            }
            proto::FRAGMENT if ipv6 => {
                let Some(h) = self.b.get(self.nhoff, 8)? else {
                    return Ok(Ret::Out);
                };
                self.k.ip_flags |= frag::IS_FRAGMENT;
                self.ip_proto = byte(h, 0);
                if be16(h, 2) & 0xfff8 == 0 {
                    self.k.ip_flags |= frag::FIRST_FRAG;
                }
                // Not FLOW_DISSECTOR_F_PARSE_1ST_FRAG: stop, first fragment or not.
                Ok(Ret::Out)
            }
            proto::MPLS => {
                self.proto = ETH_P_MPLS_UC;
                Ok(Ret::ProtoAgain)
            }
            proto::TCP => {
                // `__skb_flow_dissect_tcp()`: a whole header with a sane data offset.
                if let Some(h) = self.b.get(self.nhoff, 20)? {
                    if byte(h, 12) >> 4 >= 5 {
                        self.k.tcp_flags = be16(h, 12) & 0x0fff;
                    }
                }
                Ok(Ret::Continue)
            }
            proto::ICMP | proto::ICMPV6 => {
                // `skb_flow_get_icmp_tci()` reads a whole `struct icmphdr`.
                if let Some(h) = self.b.get(self.nhoff, 8)? {
                    self.k.l4 = L4::Icmp {
                        ty: byte(h, 0),
                        code: byte(h, 1),
                    };
                }
                Ok(Ret::Continue)
            }
            _ => Ok(Ret::Continue),
        }
    }

    /// `__skb_flow_dissect_ports()`: run after every IP protocol step of a non-fragment, each
    /// time overwriting the ports key (with zero when there are none).
    fn ports(&mut self) -> Result<(), ParseError> {
        self.k.l4_offset = u16::try_from(self.nhoff).unwrap_or(0);
        // `proto_ports_offset()`.
        let poff = match self.ip_proto {
            proto::TCP | proto::UDP | proto::DCCP | proto::ESP | proto::SCTP | proto::UDPLITE => 0,
            proto::AH => 4,
            _ => {
                if matches!(self.k.l4, L4::Ports { .. }) {
                    self.k.l4 = L4::None;
                }
                return Ok(());
            }
        };
        let ports = match self.nhoff.checked_add(poff) {
            Some(at) => self.b.get(at, 4)?,
            None => None,
        };
        self.k.l4 = match ports {
            Some(p) => L4::Ports {
                src: be16(p, 0),
                dst: be16(p, 2),
            },
            None => L4::None,
        };
        Ok(())
    }

    /// The `out:` label: the protocols where the walk stopped.
    fn finish(mut self) -> FlowKey {
        self.k.ethertype = self.proto;
        self.k.ip_proto = self.ip_proto;
        let stuck_in_ext = self.proto == ETH_P_IPV6
            && matches!(
                self.ip_proto,
                proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS | proto::FRAGMENT
            );
        if stuck_in_ext || self.k.ip_flags & frag::IS_FRAGMENT != 0 {
            self.k.l4_offset = 0;
        }
        self.k
    }
}

/// Parses a packet whose first `linear.len()` bytes (from the destination MAC) are at hand, of
/// `total` bytes in all, with the outer VLAN tag, if any, in metadata (`hw_vlan`: TPID and
/// TCI; an in-band tag then is the inner one).
pub(crate) fn parse_skb(
    linear: &[u8],
    total: usize,
    hw_vlan: Option<(u16, u16)>,
) -> Result<FlowKey, ParseError> {
    let b = Bytes {
        linear,
        total: total.max(linear.len()),
    };
    let mut k = FlowKey::default();
    let eth = b.get(0, ETH_HLEN)?.ok_or(ParseError::Runt)?;
    if let (Some(d), Some(s)) = (eth.get(0..6), eth.get(6..12)) {
        k.dst_mac.copy_from_slice(d);
        k.src_mac.copy_from_slice(s);
    }
    let frame_type = be16(eth, 12);
    // What the core hands to tc: `eth_type_trans()`, then `skb_vlan_untag()` for an in-band
    // outer tag.
    let (hw_tag, nhoff, skb_proto) = match hw_vlan {
        Some(t) => (Some(t), ETH_HLEN, skb_protocol(&b, frame_type, ETH_HLEN)?),
        None if is_vlan(frame_type) => {
            // The tag and the two bytes after it must be there, or the core drops the frame.
            let h = b.get(ETH_HLEN, 6)?.ok_or(ParseError::Runt)?;
            let proto = skb_protocol(&b, be16(h, 2), ETH_HLEN + 4)?;
            (Some((frame_type, be16(h, 0))), ETH_HLEN + 4, proto)
        }
        None => (None, ETH_HLEN, skb_protocol(&b, frame_type, ETH_HLEN)?),
    };
    k.tc_proto = hw_tag.map_or(skb_proto, |(tpid, _)| tpid);
    let mut d = Dissector {
        b,
        hw_tag,
        skb_proto,
        proto: k.tc_proto,
        ip_proto: 0,
        nhoff,
        num_hdrs: 0,
        vlans: 0,
        k,
    };
    d.run()?;
    Ok(d.finish())
}

/// Parses a packet of `total` bytes held in `s` as [`parse_skb`] does, making more of it linear
/// with `pull(s, len)` when a header lies beyond `linear(s)`. A failed pull, or more than
/// [`MAX_PARSE_ATTEMPTS`] attempts, ends with the last [`ParseError::NeedLinear`]. Inlined into
/// each caller: the forwarding path runs it on every packet.
#[inline(always)]
pub(crate) fn parse_pulling<S>(
    s: &mut S,
    total: usize,
    hw_vlan: Option<(u16, u16)>,
    linear: impl Fn(&S) -> &[u8],
    mut pull: impl FnMut(&mut S, usize) -> bool,
) -> Result<FlowKey, ParseError> {
    let mut r = parse_skb(linear(s), total, hw_vlan);
    for _ in 1..MAX_PARSE_ATTEMPTS {
        let Err(ParseError::NeedLinear(need)) = r else {
            break;
        };
        let want = pull_len(need, linear(s).len(), total);
        if !pull(s, want) {
            break;
        }
        r = parse_skb(linear(s), total, hw_vlan);
    }
    r
}

/// Parses a whole frame whose outer VLAN tag, if any, was moved to metadata (`hw_vlan`: TPID
/// and TCI).
pub(crate) fn parse_with_hw_vlan(
    frame: &[u8],
    hw_vlan: Option<(u16, u16)>,
) -> Result<FlowKey, ParseError> {
    parse_skb(frame, frame.len(), hw_vlan)
}

/// Parses a whole Ethernet frame (starting at the destination MAC) into a [`FlowKey`].
pub(crate) fn parse(frame: &[u8]) -> Result<FlowKey, ParseError> {
    parse_skb(frame, frame.len(), None)
}

/// The length of a packet from its network header (at `l3` of `head`, the linear part) as the
/// header says: IPv4's total length, IPv6's payload length plus its fixed header; `None` for
/// other address types or a header not in `head`. act_ct trims a packet to it before conntrack
/// sees the packet (`nf_ct_skb_network_trim`), which drops Ethernet padding.
pub(crate) fn network_len(head: &[u8], l3: usize, addr_type: u8) -> Option<u32> {
    let field = |at: usize| -> Option<u32> {
        let b = head.get(l3.checked_add(at)?..l3.checked_add(at + 2)?)?;
        Some(u32::from(u16::from_be_bytes([b[0], b[1]])))
    };
    match addr_type {
        ADDR_TYPE_IPV4 => field(2),
        ADDR_TYPE_IPV6 => field(4).map(|p| p + 40),
        _ => None,
    }
}
