// SPDX-License-Identifier: GPL-2.0

//! Packet header parsing into a flow key.
//!
//! The key holds the fields tc flower can match on, extracted the way the kernel's flow dissector
//! extracts them (`net/core/flow_dissector.c`): outer and inner 802.1Q/802.1ad tags, IPv4 and IPv6
//! (with the common extension headers), fragment flags, and the L4 ports, ICMP type/code and TCP
//! flags of first fragments. Parsing is strict: a header that the frame announces but does not
//! fully contain is an error, and the caller sends such frames to the slow path.
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

/// IP protocol numbers the parser knows.
pub(crate) mod proto {
    /// ICMP.
    pub(crate) const ICMP: u8 = 1;
    /// TCP.
    pub(crate) const TCP: u8 = 6;
    /// UDP.
    pub(crate) const UDP: u8 = 17;
    /// SCTP.
    pub(crate) const SCTP: u8 = 132;
    /// ICMPv6.
    pub(crate) const ICMPV6: u8 = 58;
}

/// Fragment flags, as flower's `ip_flags` (`FLOW_DIS_IS_FRAGMENT`, `FLOW_DIS_FIRST_FRAG`).
pub(crate) mod frag {
    /// The packet is a fragment.
    pub(crate) const IS_FRAGMENT: u8 = 1 << 0;
    /// The packet is the first fragment.
    pub(crate) const FIRST_FRAG: u8 = 1 << 1;
}

/// One VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Vlan {
    /// Tag protocol identifier.
    pub(crate) tpid: u16,
    /// VLAN id (12 bits).
    pub(crate) id: u16,
    /// Priority code point (3 bits).
    pub(crate) prio: u8,
}

/// Layer 4 fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum L4 {
    /// No layer 4 header (not IP, unknown protocol, or a non-first fragment).
    #[default]
    None,
    /// TCP, UDP or SCTP ports.
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
    /// Ethertype after the VLAN tags.
    pub(crate) ethertype: u16,
    /// IP source address; IPv4 uses the first four bytes.
    pub(crate) ip_src: [u8; 16],
    /// IP destination address; IPv4 uses the first four bytes.
    pub(crate) ip_dst: [u8; 16],
    /// IP protocol (IPv6: the upper-layer next header). Zero for non-IP.
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
    /// Offset of the network header in the frame.
    pub(crate) l3_offset: u16,
    /// Offset of the transport header in the frame, zero when there is none.
    pub(crate) l4_offset: u16,
}

/// Why a frame could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// A header is cut short.
    Truncated,
    /// An IP header is malformed (bad version or header length).
    BadIpHeader,
}

struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn bytes(&self, off: usize, len: usize) -> Result<&'a [u8], ParseError> {
        self.buf.get(off..off + len).ok_or(ParseError::Truncated)
    }

    fn u8(&self, off: usize) -> Result<u8, ParseError> {
        self.buf.get(off).copied().ok_or(ParseError::Truncated)
    }

    fn be16(&self, off: usize) -> Result<u16, ParseError> {
        let b = self.bytes(off, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
}

fn to_u16(off: usize) -> Result<u16, ParseError> {
    u16::try_from(off).map_err(|_| ParseError::Truncated)
}

/// Parses an Ethernet frame (starting at the destination MAC) into a [`FlowKey`].
pub(crate) fn parse(frame: &[u8]) -> Result<FlowKey, ParseError> {
    let c = Cursor { buf: frame };
    let mut k = FlowKey::default();
    k.dst_mac.copy_from_slice(c.bytes(0, 6)?);
    k.src_mac.copy_from_slice(c.bytes(6, 6)?);
    let mut off = 12;
    let mut ethertype = c.be16(off)?;
    off += 2;

    for depth in 0..2 {
        if ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD {
            break;
        }
        let tci = c.be16(off)?;
        let tag = Vlan {
            tpid: ethertype,
            id: tci & 0x0fff,
            // CAST: a 3-bit field.
            prio: (tci >> 13) as u8,
        };
        if depth == 0 {
            k.vlan = Some(tag);
        } else {
            k.cvlan = Some(tag);
        }
        ethertype = c.be16(off + 2)?;
        off += 4;
    }
    k.ethertype = ethertype;
    k.l3_offset = to_u16(off)?;

    let l4_off = match ethertype {
        ETH_P_IP => parse_ipv4(&c, off, &mut k)?,
        ETH_P_IPV6 => parse_ipv6(&c, off, &mut k)?,
        _ => return Ok(k),
    };
    if let Some(l4) = l4_off {
        parse_l4(&c, l4, &mut k)?;
        k.l4_offset = to_u16(l4)?;
    }
    Ok(k)
}

/// Returns the transport header offset if the L4 header is present (first fragment or whole).
fn parse_ipv4(c: &Cursor<'_>, off: usize, k: &mut FlowKey) -> Result<Option<usize>, ParseError> {
    let vihl = c.u8(off)?;
    let ihl = usize::from(vihl & 0x0f) * 4;
    if vihl >> 4 != 4 || ihl < 20 {
        return Err(ParseError::BadIpHeader);
    }
    let h = c.bytes(off, ihl)?;
    k.ip_tos = h[1];
    let frag_off = u16::from_be_bytes([h[6], h[7]]);
    k.ip_ttl = h[8];
    k.ip_proto = h[9];
    k.ip_src[..4].copy_from_slice(&h[12..16]);
    k.ip_dst[..4].copy_from_slice(&h[16..20]);
    // More-fragments flag or a non-zero offset.
    if frag_off & 0x3fff != 0 {
        k.ip_flags |= frag::IS_FRAGMENT;
        if frag_off & 0x1fff == 0 {
            k.ip_flags |= frag::FIRST_FRAG;
        } else {
            return Ok(None);
        }
    }
    Ok(Some(off + ihl))
}

fn parse_ipv6(c: &Cursor<'_>, off: usize, k: &mut FlowKey) -> Result<Option<usize>, ParseError> {
    let h = c.bytes(off, 40)?;
    if h[0] >> 4 != 6 {
        return Err(ParseError::BadIpHeader);
    }
    k.ip_tos = (h[0] << 4) | (h[1] >> 4);
    k.ip_ttl = h[7];
    k.ip_src.copy_from_slice(&h[8..24]);
    k.ip_dst.copy_from_slice(&h[24..40]);
    let mut next = h[6];
    let mut pos = off + 40;
    // Walk hop-by-hop, routing, destination options and fragment headers (bounded).
    for _ in 0..8 {
        match next {
            0 | 43 | 60 => {
                let nh = c.u8(pos)?;
                let len = (usize::from(c.u8(pos + 1)?) + 1) * 8;
                c.bytes(pos, len)?;
                next = nh;
                pos += len;
            }
            44 => {
                let f = c.bytes(pos, 8)?;
                let frag_off = u16::from_be_bytes([f[2], f[3]]);
                k.ip_flags |= frag::IS_FRAGMENT;
                next = f[0];
                pos += 8;
                if frag_off & 0xfff8 == 0 {
                    k.ip_flags |= frag::FIRST_FRAG;
                } else {
                    k.ip_proto = next;
                    return Ok(None);
                }
            }
            _ => break,
        }
    }
    k.ip_proto = next;
    Ok(Some(pos))
}

fn parse_l4(c: &Cursor<'_>, off: usize, k: &mut FlowKey) -> Result<(), ParseError> {
    match k.ip_proto {
        proto::TCP => {
            let h = c.bytes(off, 20)?;
            k.l4 = L4::Ports {
                src: u16::from_be_bytes([h[0], h[1]]),
                dst: u16::from_be_bytes([h[2], h[3]]),
            };
            k.tcp_flags = u16::from_be_bytes([h[12], h[13]]) & 0x0fff;
        }
        proto::UDP | proto::SCTP => {
            let h = c.bytes(off, if k.ip_proto == proto::UDP { 8 } else { 12 })?;
            k.l4 = L4::Ports {
                src: u16::from_be_bytes([h[0], h[1]]),
                dst: u16::from_be_bytes([h[2], h[3]]),
            };
        }
        proto::ICMP | proto::ICMPV6 => {
            let h = c.bytes(off, 4)?;
            k.l4 = L4::Icmp {
                ty: h[0],
                code: h[1],
            };
        }
        _ => {}
    }
    Ok(())
}

/// Parses a frame whose outer VLAN tag, if any, was moved to metadata (`hw_vlan`: TPID and TCI).
/// The metadata tag is the outer tag; an in-band tag then is the inner one.
pub(crate) fn parse_with_hw_vlan(
    frame: &[u8],
    hw_vlan: Option<(u16, u16)>,
) -> Result<FlowKey, ParseError> {
    let mut k = parse(frame)?;
    if let Some((tpid, tci)) = hw_vlan {
        k.cvlan = k.vlan;
        k.vlan = Some(Vlan {
            tpid,
            id: tci & 0x0fff,
            // CAST: a 3-bit field.
            prio: (tci >> 13) as u8,
        });
    }
    Ok(k)
}
