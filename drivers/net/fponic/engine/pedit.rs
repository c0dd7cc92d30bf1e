// SPDX-License-Identifier: GPL-2.0

//! Packet edit (act_pedit): where the header of a key starts and how a set key rewrites the
//! packet, as `tcf_pedit_act()` (`net/sched/act_pedit.c`) does on a frame software received.
//!
//! Software sees a received frame with its outer VLAN tag in metadata (`skb_vlan_untag()` runs
//! before tc ingress) and its network header right after the Ethernet header (an inner tag stays
//! in the packet), and act_pedit's offsets are relative to that. The frame here starts at its
//! MAC header and must be in that state: an outer tag still in the packet is moved to metadata
//! first (the driver does it with the kernel's VLAN functions).
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::{
    flow::PeditHdr,
    frame::{
        array_mut,
        header,
        Frame,
        Head, //
    },
    packet::{
        proto,
        ETH_P_IP,
        ETH_P_IPV6, //
    },
};

/// Length of an Ethernet header.
const ETH_HLEN: usize = 14;
/// Length of an IPv6 header.
const IPV6_HLEN: usize = 40;

/// `IP_OFFSET`: the fragment offset bits of an IPv4 header's `frag_off`.
const IP_OFFSET: u16 = 0x1fff;

/// `IP6_MAX_EXT_HDRS_CNT`: most extension headers `ipv6_find_hdr()` walks.
const IP6_MAX_EXT_HDRS_CNT: u32 = 12;

/// `NEXTHDR_NONE`: no next header.
const NEXTHDR_NONE: u8 = 59;

/// `ipv6_ext_hdr()`: the extension headers `ipv6_find_hdr()` walks through (and "no next
/// header").
fn ipv6_ext_hdr(nexthdr: u8) -> bool {
    matches!(
        nexthdr,
        proto::HOPOPTS
            | proto::ROUTING
            | proto::FRAGMENT
            | proto::AH
            | NEXTHDR_NONE
            | proto::DSTOPTS
    )
}

/// `ipv6_find_hdr(skb, &offset, target, NULL, NULL)` with `offset` 0, for the IPv6 header at
/// `nh` (whose 40 bytes the packet has) and a transport protocol `target` (not an extension
/// header): where header `target` starts, or `None` if the walk ends elsewhere (another
/// protocol, a later fragment, a header cut short or too many of them).
fn ipv6_find_hdr(f: &impl Frame, nh: usize, target: u8) -> Option<usize> {
    let mut start = nh + IPV6_HLEN;
    let [mut nexthdr] = header::<1>(f, nh + 6)?;
    let mut exthdr_cnt = 0;
    loop {
        if !ipv6_ext_hdr(nexthdr) || nexthdr == NEXTHDR_NONE {
            return (nexthdr == target).then_some(start);
        }
        if exthdr_cnt >= IP6_MAX_EXT_HDRS_CNT {
            return None;
        }
        exthdr_cnt += 1;
        let [next, len] = header::<2>(f, start)?;
        if nexthdr == proto::ROUTING {
            // `struct ipv6_rt_hdr`
            header::<4>(f, start)?;
        }
        let hdrlen = match nexthdr {
            proto::FRAGMENT => {
                let frag_off = u16::from_be_bytes(header::<2>(f, start + 2)?);
                // A later fragment: the target is not in it.
                if frag_off & !7 != 0 {
                    return None;
                }
                8
            }
            // `ipv6_authlen()`
            proto::AH => (usize::from(len) + 2) << 2,
            // `ipv6_optlen()`
            _ => (usize::from(len) + 1) << 3,
        };
        if f.len().saturating_sub(start) < hdrlen {
            return None;
        }
        nexthdr = next;
        start += hdrlen;
    }
}

/// `pedit_l4_skb_offset()`: the transport header of protocol `target`, if that is the packet's.
/// IPv4: a header length of at least 20 bytes and not a later fragment; IPv6: as
/// `ipv6_find_hdr()` finds it.
fn l4_offset(f: &impl Frame, target: u8) -> Option<usize> {
    match u16::from_be_bytes(header::<2>(f, 12)?) {
        ETH_P_IP => {
            let h = header::<20>(f, ETH_HLEN)?;
            let ihl = usize::from(h[0] & 0x0f);
            let frag_off = u16::from_be_bytes([h[6], h[7]]);
            (ihl >= 5 && h[9] == target && frag_off & IP_OFFSET == 0).then_some(ETH_HLEN + ihl * 4)
        }
        ETH_P_IPV6 if f.len() >= ETH_HLEN + IPV6_HLEN => ipv6_find_hdr(f, ETH_HLEN, target),
        _ => None,
    }
}

/// `pedit_skb_hdr_offset()`: where header `hdr` starts, from the MAC header; `None` if the
/// packet does not have it. The network header is the protocol `skb->protocol` (the ethertype
/// after the outer tag) names.
pub(crate) fn hdr_offset(f: &impl Frame, hdr: PeditHdr) -> Option<usize> {
    match hdr {
        PeditHdr::Eth => Some(0),
        PeditHdr::Ip4 | PeditHdr::Ip6 => Some(ETH_HLEN),
        PeditHdr::Tcp => l4_offset(f, proto::TCP),
        PeditHdr::Udp => l4_offset(f, proto::UDP),
    }
}

/// One set key of a pedit action, as `tcf_pedit_act()` applies it: the 32-bit word at `offset`
/// from the start of header `hdr` becomes `(old & mask) ^ val`, with `mask` and `val` as
/// flow_offload passes them (network byte order in memory: `to_ne_bytes` gives the bytes).
/// `false` where act_pedit gives up on the key ("bad": it and the rest of its action are
/// skipped, the packet goes on): no such header, a word past the end of the packet, no memory
/// to make it writable.
pub(crate) fn set(f: &mut impl Frame, hdr: PeditHdr, offset: u16, mask: u32, val: u32) -> bool {
    let Some(at) = hdr_offset(f, hdr).and_then(|h| h.checked_add(offset.into())) else {
        return false;
    };
    // `offset_valid()`, then `skb_ensure_writable()`: pull, then unshare.
    let Some(end) = at.checked_add(4).filter(|&e| e <= f.len()) else {
        return false;
    };
    if !f.pull(end) {
        return false;
    }
    let Some(mut h) = f.writable(end) else {
        return false;
    };
    let Some(w) = array_mut::<4>(h.bytes_mut(), at) else {
        return false;
    };
    *w = ((u32::from_ne_bytes(*w) & mask) ^ val).to_ne_bytes();
    true
}
