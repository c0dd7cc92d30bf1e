// SPDX-License-Identifier: GPL-2.0

//! Routed forwarding as nf_flow_table's software fast path does it (net/netfilter/
//! nf_flow_table_ip.c): the MTU check, the TTL (hop limit) decrement and NAT with incremental
//! checksum updates. The actions of an nftables flowtable's entries ([`crate::tc::ft`]), which
//! no flower action becomes.
//!
//! The data path runs them only on an untagged IPv4 packet without options or an IPv6 packet
//! without extension headers, its network header right after the Ethernet header: the packets
//! the fast path looks up ([`crate::esw`]).

use super::{
    Exec,
    Run,
    Step, //
};
use crate::{
    bind::skb::SkBuff,
    engine::{
        drop::DropCause,
        flow::{
            Action,
            PeditHdr, //
        },
        packet::proto,
        route::{
            self,
            IPV4_CHECK,
            TCP_CHECK,
            UDP_CHECK, //
        },
    },
};

/// Ethernet header length: where the network header starts.
pub(crate) const ETH_HLEN: u32 = 14;
/// IPv4 header length (no options).
const IPV4_HLEN: u32 = 20;
/// IPv6 header length.
const IPV6_HLEN: u32 = 40;
/// Ethertype of IPv4.
const ETH_P_IP: u16 = 0x0800;
/// CSUM_MANGLED_0: a UDP checksum that comes out 0 is sent as its other form.
const CSUM_MANGLED_0: [u8; 2] = [0xff, 0xff];

/// The packet's network protocol: `Some(true)` for IPv4, `Some(false)` for IPv6.
fn is_ipv4(skb: &SkBuff) -> Option<bool> {
    let e = skb.data().get(12..14)?;
    Some(u16::from_be_bytes([e[0], e[1]]) == ETH_P_IP)
}

/// Executes `Route` or `Nat`. A packet that does not fit the route's MTU leaves for software
/// (the caller hands it over untouched: `Route` comes first); one whose headers cannot be
/// made writable is dropped, as the fast path drops it.
#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run<'_>, a: &Action, mut skb: SkBuff) -> Step {
    let Some(v4) = is_ipv4(&skb) else {
        return Step::Lost(DropCause::ActionFailed);
    };
    match *a {
        Action::Route { mtu } => {
            if !skb.fits_mtu(ETH_HLEN, mtu) {
                return Step::Software(skb, 0);
            }
            let hlen = if v4 { IPV4_HLEN } else { IPV6_HLEN };
            let Some(b) = skb.writable(ETH_HLEN + hlen) else {
                return Step::Lost(DropCause::NoMem);
            };
            let ip = &mut b[ETH_HLEN as usize..];
            if v4 {
                route::ipv4_decrease_ttl(ip);
            } else {
                route::ipv6_decrease_hop_limit(ip);
            }
            Step::Next(skb)
        }
        Action::Nat {
            hdr,
            offset,
            mask,
            val,
        } => match nat(&mut skb, v4, hdr, offset.into(), mask, val) {
            Some(()) => Step::Next(skb),
            None => Step::Lost(DropCause::NoMem),
        },
        _ => Step::Next(skb),
    }
}

/// `Nat` on an IPv4 (`v4`) or IPv6 packet: the word at `offset` of header `hdr` becomes
/// `(old & mask) ^ val`, with the checksums following as in `nf_flow_nat_ip` and
/// `nf_flow_nat_port` (a UDP checksum of 0, none, stays none unless the checksum is to be
/// completed on transmit).
fn nat(skb: &mut SkBuff, v4: bool, hdr: PeditHdr, offset: u32, mask: u32, val: u32) -> Option<()> {
    let l3 = ETH_HLEN;
    let l4 = l3 + if v4 { IPV4_HLEN } else { IPV6_HLEN };
    let (base, pseudohdr) = match hdr {
        PeditHdr::Ip4 | PeditHdr::Ip6 => (l3, true),
        PeditHdr::Tcp | PeditHdr::Udp => (l4, false),
        PeditHdr::Eth => return None,
    };
    let at = base.checked_add(offset)?;
    let b = skb.data();
    let l4proto = *b.get(l3 as usize + if v4 { 9 } else { 6 })?;
    let check_at = l4
        + match l4proto {
            proto::TCP => TCP_CHECK as u32,
            _ => UDP_CHECK as u32,
        };
    let b = skb.writable(at.checked_add(4)?.max(check_at + 2))?;
    let old = route::word(b, at as usize)?;
    let new = route::rewrite(old, mask, val);
    b[at as usize..at as usize + 4].copy_from_slice(&new);
    if v4 && pseudohdr {
        let c = (l3 as usize) + IPV4_CHECK;
        let check = route::csum_replace4([b[c], b[c + 1]], old, new);
        b[c..c + 2].copy_from_slice(&check);
    }
    let c = check_at as usize;
    let l4check = [b[c], b[c + 1]];
    match l4proto {
        proto::TCP => {
            skb.l4_csum_replace4(check_at, old, new, pseudohdr)?;
        }
        proto::UDP if l4check != [0, 0] || skb.checksum_partial() => {
            if skb.l4_csum_replace4(check_at, old, new, pseudohdr)? == [0, 0] {
                skb.writable(check_at + 2)?[c..c + 2].copy_from_slice(&CSUM_MANGLED_0);
            }
        }
        _ => {}
    }
    Some(())
}
