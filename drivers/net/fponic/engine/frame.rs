// SPDX-License-Identifier: GPL-2.0

//! A packet as the engines that rewrite packets ([`super::csum`], [`super::pedit`]) see it.
//!
//! They are transcriptions of the kernel's own actions (act_csum, act_pedit) and use what those
//! use of a socket buffer: `pskb_may_pull()`, `skb_try_make_writable()`, `skb_header_pointer()`,
//! the checksum state, `skb_crc32c()`. [`Frame`] is that, implemented by the driver on its socket
//! buffers and by the host tests on a byte vector. Offsets are from the MAC header, where the
//! eswitch's packets start (`skb->data`).
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

/// The segmentation offloads of a GSO packet act_csum tells apart ([`Frame::gso`]).
pub(crate) mod gso {
    /// TCP over IPv4 (`SKB_GSO_TCPV4`).
    pub(crate) const TCPV4: u32 = 1 << 0;
    /// TCP over IPv6 (`SKB_GSO_TCPV6`).
    pub(crate) const TCPV6: u32 = 1 << 1;
    /// UDP: fragmentation, segmentation, tunnels with or without an outer checksum
    /// (`SKB_GSO_UDP | SKB_GSO_UDP_L4 | SKB_GSO_UDP_TUNNEL | SKB_GSO_UDP_TUNNEL_CSUM`).
    pub(crate) const UDP: u32 = 1 << 2;
    /// SCTP (`SKB_GSO_SCTP`).
    pub(crate) const SCTP: u32 = 1 << 3;
}

/// What the packet-rewriting engines need of a socket buffer whose data starts at the MAC
/// header.
pub(crate) trait Frame {
    /// The linear part with its first bytes writable ([`Frame::writable`]).
    type Head<'a>: Head
    where
        Self: 'a;

    /// `skb->len`: the packet's length, fragments included.
    fn len(&self) -> usize;

    /// The linear part of the packet.
    fn linear(&self) -> &[u8];

    /// `pskb_may_pull()`: makes the first `len` bytes linear. `false` if the packet is shorter
    /// or memory is short; the packet's bytes are the same either way.
    fn pull(&mut self, len: usize) -> bool;

    /// `skb_try_make_writable()`: makes the first `len` bytes, which must be linear, the
    /// packet's own (a clone gets a copy of the head it shared), then gives the linear part
    /// with them writable. `None` if they are not linear or memory is short.
    fn writable(&mut self, len: usize) -> Option<Self::Head<'_>>;

    /// `skb_copy_bits()`: copies the bytes at `off` into `to`, linear or not. `false` if the
    /// packet ends first.
    fn copy_bits(&self, off: usize, to: &mut [u8]) -> bool;

    /// The segmentation offloads ([`gso`] flags) of a GSO packet, 0 if it is none.
    fn gso(&self) -> u32;

    /// `skb->ip_summed = CHECKSUM_NONE`, and `skb->csum = sum` if given.
    fn set_csum_none(&mut self, sum: Option<u32>);

    /// `skb_reset_csum_not_inet()`: `CHECKSUM_NONE`, and no CRC32c offload pending.
    fn reset_csum_not_inet(&mut self);

    /// `skb_crc32c()`: the CRC32c, from `crc`, of the bytes from `off` to the end of the
    /// packet, linear or not. `off` is at most [`Frame::len`].
    fn crc32c(&self, off: usize, crc: u32) -> u32;

    /// `csum_partial()`: [`super::csum::partial`], or an implementation that folds to the same
    /// checksums (the architecture's own).
    fn csum_partial(data: &[u8], sum: u32) -> u32 {
        super::csum::partial(data, sum)
    }

    /// `ip_fast_csum()` of an IPv4 header of `ihl` 32-bit words held in `hdr`, which has at
    /// least `max(20, 4 * ihl)` bytes: [`super::csum::ip_fast_csum`], or the architecture's own.
    /// They differ for `ihl < 5` only, a header act_csum still checksums.
    fn ip_fast_csum(hdr: &[u8], ihl: usize) -> u16 {
        super::csum::ip_fast_csum(hdr, ihl)
    }
}

/// The linear part of a packet with its first bytes writable ([`Frame::writable`]).
pub(crate) trait Head {
    /// The linear part.
    fn bytes(&self) -> &[u8];

    /// Its writable start.
    fn bytes_mut(&mut self) -> &mut [u8];
}

/// `skb_header_pointer()`: the `N` bytes at `off`, from the linear part or copied from the
/// rest of the packet; `None` if the packet ends first.
pub(crate) fn header<const N: usize>(f: &impl Frame, off: usize) -> Option<[u8; N]> {
    let mut b = [0u8; N];
    if let Some(s) = off.checked_add(N).and_then(|end| f.linear().get(off..end)) {
        b.copy_from_slice(s);
        return Some(b);
    }
    f.copy_bits(off, &mut b).then_some(b)
}

/// The big-endian 16-bit word at `at` of `b` (0 past its end).
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..) {
        Some([x, y, ..]) => u16::from_be_bytes([*x, *y]),
        _ => 0,
    }
}

/// The byte at `at` of `b` (0 past its end).
pub(crate) fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// The `N` bytes at `at` of `b`, if it has them.
#[inline]
pub(crate) fn array<const N: usize>(b: &[u8], at: usize) -> Option<&[u8; N]> {
    b.get(at..)?.first_chunk::<N>()
}

/// The `N` bytes at `at` of `b`, writable, if it has them.
#[inline]
pub(crate) fn array_mut<const N: usize>(b: &mut [u8], at: usize) -> Option<&mut [u8; N]> {
    b.get_mut(at..)?.first_chunk_mut::<N>()
}
