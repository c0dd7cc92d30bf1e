// SPDX-License-Identifier: GPL-2.0

//! Socket buffers.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h)

use core::{
    marker::PhantomData,
    mem,
    ptr::NonNull,
    slice, //
};

use super::{
    ct::CtRef,
    ffi::bindings, //
};

/// Where software tc resumes a packet the eswitch hands it mid-pipeline (the tc skb extension,
/// as hardware offload drivers set it on packets that miss in hardware).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TcResume {
    /// At the start of chain `n` (the packet missed there).
    Chain(u32),
    /// At the action this tc miss cookie stands for (see `FlowerRule::resume_after_actions`).
    Action(u64),
}

/// How software takes over a packet the eswitch hands it mid-pipeline: where tc resumes, and the
/// conntrack entry (with its state) the eswitch found for the packet, which software tc then
/// sees as act_ct would have left it.
pub(crate) struct Resume {
    /// Where software tc resumes.
    pub(crate) at: TcResume,
    /// The packet's conntrack entry, if it has one.
    pub(crate) ct: Option<CtRef>,
}

/// Kinds of GSO packets ([`SkBuff::gso_type`]).
// CAST: the `SKB_GSO_*` flags are small positive `int`s.
pub(crate) mod gso {
    use super::bindings;

    /// TCP over IPv4.
    pub(crate) const TCPV4: u32 = bindings::SKB_GSO_TCPV4 as u32;
    /// TCP over IPv6.
    pub(crate) const TCPV6: u32 = bindings::SKB_GSO_TCPV6 as u32;
    /// UDP fragmentation offload.
    pub(crate) const UDP: u32 = bindings::SKB_GSO_UDP as u32;
    /// UDP segmentation offload.
    pub(crate) const UDP_L4: u32 = bindings::SKB_GSO_UDP_L4 as u32;
    /// UDP tunnels.
    pub(crate) const UDP_TUNNEL: u32 = bindings::SKB_GSO_UDP_TUNNEL as u32;
    /// UDP tunnels with an outer checksum.
    pub(crate) const UDP_TUNNEL_CSUM: u32 = bindings::SKB_GSO_UDP_TUNNEL_CSUM as u32;
    /// SCTP.
    pub(crate) const SCTP: u32 = bindings::SKB_GSO_SCTP as u32;
}

/// An owned socket buffer.
///
/// Dropping it frees the packet as a drop (`kfree_skb`, visible to drop monitors); a packet that
/// was delivered is released with [`SkBuff::consume`] instead.
///
/// # Invariants
///
/// `self.0` points to a valid `struct sk_buff` that this value owns exclusively (one reference).
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: an owned skb may be passed between threads and freed anywhere.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of a raw skb.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid skb whose reference the caller transfers to the new value.
    pub(super) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Self {
        // SAFETY: valid and non-null by the caller's guarantee.
        Self(unsafe { NonNull::new_unchecked(ptr) })
    }

    /// Gives up ownership, returning the raw pointer.
    pub(super) fn into_raw(self) -> *mut bindings::sk_buff {
        let p = self.0.as_ptr();
        mem::forget(self);
        p
    }

    /// The packet length in bytes, including non-linear data.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: valid skb by the type invariant.
        unsafe { (*self.0.as_ptr()).len }
    }

    /// The length of the linear part (`skb_headlen`).
    #[inline]
    fn headlen(&self) -> u32 {
        // SAFETY: valid skb by the type invariant; plain fields, `data_len <= len`.
        unsafe {
            let p = self.0.as_ptr();
            (*p).len.wrapping_sub((*p).data_len)
        }
    }

    /// `skb_shinfo`: the shared info at the end of the head.
    fn shinfo(&self) -> *const bindings::skb_shared_info {
        let p = self.0.as_ptr();
        // SAFETY: valid skb by the type invariant, whose head ends with its shared info. `end`
        // is that end's offset from `head` (`NET_SKBUFF_DATA_USES_OFFSET`, 64-bit; where it is a
        // pointer, this does not compile), as `skb_end_pointer` takes it.
        unsafe {
            let end: u32 = (*p).end;
            (*p).head.add(end as usize).cast()
        }
    }

    /// The kinds ([`gso`]) of a GSO packet (`skb_shinfo(skb)->gso_type`), 0 if it is none.
    pub(crate) fn gso_type(&self) -> u32 {
        let sh = self.shinfo();
        // SAFETY: the packet's shared info (`shinfo`); plain fields.
        unsafe {
            if (*sh).gso_size != 0 {
                (*sh).gso_type
            } else {
                0
            }
        }
    }

    /// How many packets this one stands for on the wire: its segment count if it is a GSO
    /// packet, else 1 (what tc's `bstats_update` counts).
    pub(crate) fn gso_segs(&self) -> u16 {
        let sh = self.shinfo();
        // SAFETY: the packet's shared info (`shinfo`); plain fields.
        unsafe {
            if (*sh).gso_size != 0 {
                (*sh).gso_segs
            } else {
                1
            }
        }
    }

    /// The linear part of the packet, from `skb->data` (the MAC header on transmit and in
    /// receive handlers).
    pub(crate) fn data(&self) -> &[u8] {
        let len = self.headlen();
        // SAFETY: valid skb by the type invariant; `data` points to its `len` linear bytes,
        // which stay valid and unchanged while we own the skb and do not modify it (`&self`).
        unsafe { slice::from_raw_parts((*self.0.as_ptr()).data, len as usize) }
    }

    /// Makes the first `len` bytes linear (`pskb_may_pull`), so that [`SkBuff::data`] covers
    /// them. Returns `false` if the packet is shorter or memory is short; the packet is unchanged
    /// in content either way.
    #[inline]
    pub(crate) fn may_pull(&mut self, len: u32) -> bool {
        // `pskb_may_pull`'s own first test, without the call.
        if len <= self.headlen() {
            return true;
        }
        // SAFETY: valid skb by the type invariant, owned exclusively (`&mut self`): pulling may
        // reallocate its head, which no outstanding borrow of `data()` can observe.
        unsafe { bindings::pskb_may_pull(self.0.as_ptr(), len) }
    }

    /// Makes the first `len` bytes, which must be linear, the packet's own
    /// (`skb_try_make_writable`: a clone copies the head it shares) and gives the linear part
    /// with them writable. `None` if they are not linear or memory is short.
    pub(crate) fn head_mut(&mut self, len: u32) -> Option<HeadMut<'_>> {
        if len > self.headlen() {
            return None;
        }
        let p = self.0.as_ptr();
        // A packet whose `cloned` flag is clear shares its head with no clone (`skb_cloned` is
        // false): it is writable without the call.
        // SAFETY: valid skb by the type invariant; reads a flag.
        let cloned = unsafe { bindings::sk_buff::cloned_raw(p) } != 0;
        // SAFETY: valid skb, owned exclusively (`&mut self`): copying the head leaves no borrow
        // of the old one (`data()` borrows `self`).
        if cloned && unsafe { bindings::skb_try_make_writable(p, len) } != 0 {
            return None;
        }
        let linear = self.headlen() as usize;
        // SAFETY: valid skb; `data` points into its head, never null.
        let data = unsafe { NonNull::new_unchecked((*self.0.as_ptr()).data) };
        // INVARIANT: the first `len` linear bytes are the packet's own now, the rest of the
        // linear part is readable, and the skb stays borrowed mutably for the result's lifetime.
        Some(HeadMut {
            data,
            linear,
            writable: len as usize,
            _skb: PhantomData,
        })
    }

    /// Copies the `to.len()` bytes at `off` into `to`, linear or not (`skb_copy_bits`); `false`
    /// if the packet ends first.
    pub(crate) fn copy_bits(&self, off: u32, to: &mut [u8]) -> bool {
        let (Ok(off), Ok(len)) = (i32::try_from(off), i32::try_from(to.len())) else {
            return false;
        };
        // SAFETY: valid skb; `to` has room for the `len` bytes the function copies at most.
        unsafe { bindings::skb_copy_bits(self.0.as_ptr(), off, to.as_mut_ptr().cast(), len) == 0 }
    }

    /// `skb_crc32c`: the CRC32c, from `crc`, of the bytes from `off` to the end of the packet,
    /// linear or not (none if `off` is past the end).
    pub(crate) fn crc32c(&self, off: u32, crc: u32) -> u32 {
        let len = self.len().saturating_sub(off);
        let (Ok(off), Ok(len)) = (i32::try_from(off), i32::try_from(len)) else {
            return crc;
        };
        // SAFETY: valid skb; the range is inside the packet.
        unsafe { bindings::skb_crc32c(self.0.as_ptr(), off, len, crc) }
    }

    /// `skb->ip_summed = CHECKSUM_NONE`, and `skb->csum = sum` if given.
    pub(crate) fn set_csum_none(&mut self, sum: Option<u32>) {
        // CAST: CHECKSUM_NONE is 0.
        let none = bindings::CHECKSUM_NONE as u8;
        // SAFETY: we own the skb; writes metadata.
        unsafe {
            match sum {
                Some(sum) => bindings::fponic_skb_set_checksum(self.0.as_ptr(), none, sum),
                None => bindings::fponic_skb_set_ip_summed(self.0.as_ptr(), none),
            }
        }
    }

    /// `skb_reset_csum_not_inet`: `CHECKSUM_NONE`, and no CRC32c offload pending.
    pub(crate) fn reset_csum_not_inet(&mut self) {
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::skb_reset_csum_not_inet(self.0.as_ptr()) }
    }

    /// The hardware-accelerated (metadata) VLAN tag: `(tpid, tci)`.
    pub(crate) fn hw_vlan(&self) -> Option<(u16, u16)> {
        let mut tci = 0u16;
        // SAFETY: valid skb; reads metadata.
        let tpid = unsafe { bindings::fponic_skb_vlan(self.0.as_ptr(), &mut tci) };
        (tpid != 0).then_some((tpid, tci))
    }

    /// Puts a VLAN tag in metadata (`__vlan_hwaccel_put_tag`), replacing any.
    pub(crate) fn set_hw_vlan(&mut self, tpid: u16, tci: u16) {
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::__vlan_hwaccel_put_tag(self.0.as_ptr(), tpid.to_be(), tci) }
    }

    /// Removes the VLAN tag in metadata (`__vlan_hwaccel_clear_tag`).
    pub(crate) fn clear_hw_vlan(&mut self) {
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::__vlan_hwaccel_clear_tag(self.0.as_ptr()) }
    }

    /// Sets `skb->protocol` to ethertype `proto`.
    pub(crate) fn set_protocol(&mut self, proto: u16) {
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::fponic_skb_set_protocol(self.0.as_ptr(), proto) }
    }

    /// Pushes an outer VLAN tag (`skb_vlan_push`): a tag in metadata moves into the packet and
    /// the new one takes its place there.
    pub(crate) fn vlan_push(&mut self, tpid: u16, tci: u16) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb, whose data starts at its MAC header; the function may
        // reallocate its head.
        kernel::error::to_result(unsafe {
            bindings::skb_vlan_push(self.0.as_ptr(), tpid.to_be(), tci)
        })
    }

    /// Pops the outer VLAN tag (`skb_vlan_pop`): the tag in metadata, which a tag in the packet
    /// then replaces, if there is one; a no-op on untagged packets.
    pub(crate) fn vlan_pop(&mut self) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb, whose data starts at its MAC header.
        kernel::error::to_result(unsafe { bindings::skb_vlan_pop(self.0.as_ptr()) })
    }

    /// Takes the outer VLAN tag, which must be in the packet, out of it (`__skb_vlan_pop`) and
    /// returns its TCI.
    pub(crate) fn vlan_pop_in_band(&mut self) -> Result<u16, kernel::error::Error> {
        let mut tci = 0u16;
        // SAFETY: we own the skb, whose data starts at its MAC header; the function makes the
        // bytes it moves writable.
        kernel::error::to_result(unsafe { bindings::__skb_vlan_pop(self.0.as_ptr(), &mut tci) })?;
        Ok(tci)
    }

    /// The first `len` bytes, made linear and writable (`skb_ensure_writable`: copied first if
    /// the packet's data is shared with clones), or `None` if the packet is shorter or memory
    /// is short (the packet is unchanged in content either way).
    pub(crate) fn writable(&mut self, len: u32) -> Option<&mut [u8]> {
        // SAFETY: valid skb by the type invariant, owned exclusively (`&mut self`): a new head
        // is not observed by any outstanding borrow.
        if unsafe { bindings::skb_ensure_writable(self.0.as_ptr(), len) } != 0 {
            return None;
        }
        // SAFETY: `skb_ensure_writable` made the first `len` bytes from `skb->data` linear and
        // private to this skb; the borrow of `self` keeps them so while the slice lives.
        Some(unsafe { core::slice::from_raw_parts_mut((*self.0.as_ptr()).data, len as usize) })
    }

    /// `inet_proto_csum_replace4`: updates the TCP or UDP checksum at byte `at` of the packet
    /// (from `skb->data`) for a 32-bit word of it that changes from `from` to `to` (bytes as in
    /// the packet), a word of the pseudo-header (an address) if `pseudohdr`, keeping the
    /// packet's `CHECKSUM_COMPLETE` sum or `CHECKSUM_PARTIAL` seed right. Returns the new
    /// checksum field, or `None` (nothing changed) if the field is not within the packet or
    /// memory is short.
    pub(crate) fn l4_csum_replace4(
        &mut self,
        at: u32,
        from: [u8; 4],
        to: [u8; 4],
        pseudohdr: bool,
    ) -> Option<[u8; 2]> {
        let end = at.checked_add(2)?;
        let field = self.writable(end)?.get_mut(at as usize..)?.as_mut_ptr();
        // SAFETY: `field` points to two writable bytes of the packet's linear data (made
        // private by `writable`); the function reads and writes them unaligned-safely as a
        // `__sum16` (the kernel's checksum fields are 2-byte aligned in practice, and x86
        // tolerates any) and updates the skb's checksum metadata, which we own.
        unsafe {
            bindings::inet_proto_csum_replace4(
                field.cast(),
                self.0.as_ptr(),
                u32::from_ne_bytes(from),
                u32::from_ne_bytes(to),
                pseudohdr,
            );
        }
        // SAFETY: the same two bytes, still within the linear data.
        Some(unsafe { [*field, *field.add(1)] })
    }

    /// Whether the packet's checksum is to be completed on transmit (`CHECKSUM_PARTIAL`).
    pub(crate) fn checksum_partial(&self) -> bool {
        let mut csum = 0;
        // SAFETY: valid skb by the type invariant; reads metadata.
        let ip_summed = unsafe { bindings::fponic_skb_ip_summed(self.0.as_ptr(), &mut csum) };
        u32::from(ip_summed) == bindings::CHECKSUM_PARTIAL
    }

    /// Whether the packet, from its network header at byte `l3`, fits an MTU of `mtu` as
    /// nf_flow_table's `nf_flow_exceeds_mtu` decides: by its length, or for a GSO packet by the
    /// length of its segments.
    pub(crate) fn fits_mtu(&self, l3: u32, mtu: u32) -> bool {
        if self.len().saturating_sub(l3) <= mtu {
            return true;
        }
        // SAFETY: valid skb by the type invariant; both read metadata and headers' offsets.
        unsafe {
            bindings::skb_is_gso(self.0.as_ptr())
                && bindings::skb_gso_validate_network_len(self.0.as_ptr(), mtu)
        }
    }

    /// Attaches the tc skb extension telling software tc where to resume (`ENOMEM`: none
    /// attached; software drops such a packet too). The extension does not survive forwarding
    /// to another device: attach it to a packet already forwarded to its receiver.
    pub(crate) fn set_tc_resume(&mut self, at: TcResume) -> Result<(), kernel::error::Error> {
        let (chain, cookie) = match at {
            TcResume::Chain(n) => (n, 0),
            TcResume::Action(c) => (0, c),
        };
        // SAFETY: we own the skb; the helper adds an extension (GFP_ATOMIC).
        kernel::error::to_result(unsafe {
            bindings::fponic_skb_tc_resume(self.0.as_ptr(), chain, cookie)
        })
    }

    /// Gives the packet conntrack entry `ct` and its state, replacing any it had, as act_ct
    /// leaves a packet. Forwarding to another device drops it: set it on a packet already
    /// forwarded to its receiver.
    pub(crate) fn set_ct(&mut self, ct: CtRef) {
        // SAFETY: we own the skb; the reference moves into it.
        unsafe { bindings::fponic_skb_set_ct(self.0.as_ptr(), ct.into_raw()) };
    }

    /// Trims the packet to `len` bytes from `skb->data` if it is longer (`pskb_trim_rcsum`,
    /// which keeps a `CHECKSUM_COMPLETE` sum right). `false` if memory is short (the packet is
    /// unchanged then).
    #[inline]
    pub(crate) fn trim_rcsum(&mut self, len: u32) -> bool {
        // `pskb_trim_rcsum`'s own first test, without the call: most packets have no padding.
        if len >= self.len() {
            return true;
        }
        // SAFETY: we own the skb exclusively (`&mut self`): trimming may reallocate its head,
        // which no outstanding borrow observes.
        unsafe { bindings::pskb_trim_rcsum(self.0.as_ptr(), len) == 0 }
    }

    /// Applies the NAT of `ct`'s connection to the packet, whose network header is at `nh_off`,
    /// as act_ct's `ct nat` (with `src`, `dst`) does to a packet of an established connection.
    /// `EOPNOTSUPP`: the kernel has no NAT for act_ct; `ENOMEM`: the packet could not be
    /// rewritten, maybe in part (act_ct would drop it).
    pub(crate) fn ct_nat(
        &mut self,
        nh_off: u32,
        ct: &CtRef,
        src: bool,
        dst: bool,
    ) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb; `ct` holds a reference to its entry; the helper checks
        // `nh_off` and makes the bytes writable.
        kernel::error::to_result(unsafe {
            bindings::fponic_skb_ct_nat(self.0.as_ptr(), nh_off, ct.cookie(), src, dst)
        })
    }

    /// A clone sharing the packet data (`skb_clone`), for delivery to several ports.
    pub(crate) fn try_clone(&self) -> Option<SkBuff> {
        // SAFETY: valid skb; `GFP_ATOMIC` is valid in any context.
        let p = unsafe { bindings::skb_clone(self.0.as_ptr(), kernel::bindings::GFP_ATOMIC) };
        // SAFETY: a non-null result is a new skb we own.
        NonNull::new(p).map(|p| unsafe { SkBuff::from_raw(p.as_ptr()) })
    }
}

/// What is known of the packet's checksum: `skb->ip_summed`, with `skb->csum` where that is a
/// sum.
#[cfg(CONFIG_KUNIT = "y")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checksum {
    /// `CHECKSUM_NONE`: not verified.
    None,
    /// `CHECKSUM_UNNECESSARY`: verified by the device.
    Unnecessary,
    /// `CHECKSUM_COMPLETE`: the ones' complement sum (unfolded, as [`csum_partial`] returns it)
    /// of the packet from `skb->data` on.
    Complete(u32),
    /// `CHECKSUM_PARTIAL`: to be completed on transmit.
    Partial,
}

/// What the KUnit tests need to build a received packet and look at it.
#[cfg(CONFIG_KUNIT = "y")]
impl SkBuff {
    /// A new linear packet holding a copy of `frame`, with its MAC header at the start, as a
    /// driver receives it before `eth_type_trans`. `ENOMEM` if no memory. May sleep.
    pub(crate) fn from_frame(frame: &[u8]) -> Result<Self, kernel::error::Error> {
        let len = u32::try_from(frame.len()).map_err(|_| kernel::error::code::EINVAL)?;
        // SAFETY: no requirement beyond a context that may sleep (`GFP_KERNEL`), as documented.
        let p = unsafe { bindings::alloc_skb(len, kernel::bindings::GFP_KERNEL) };
        let p = NonNull::new(p).ok_or(kernel::error::code::ENOMEM)?;
        // SAFETY: a new linear skb with at least `len` bytes of tailroom, which `skb_put_data`
        // takes for the copy of the `len` bytes of `frame`; the MAC header is then at
        // `skb->data`, at the start of the head.
        unsafe {
            bindings::skb_put_data(p.as_ptr(), frame.as_ptr().cast(), len);
            bindings::skb_reset_mac_header(p.as_ptr());
        }
        // SAFETY: the one reference of the new skb is ours.
        Ok(unsafe { Self::from_raw(p.as_ptr()) })
    }

    /// Removes the first `len` bytes as `skb_pull_rcsum` does, keeping a `CHECKSUM_COMPLETE` sum
    /// over what is left. `EINVAL` if fewer than `len` bytes are linear.
    pub(crate) fn pull_rcsum(&mut self, len: u32) -> Result<(), kernel::error::Error> {
        // SAFETY: valid skb by the type invariant.
        if len > unsafe { bindings::skb_headlen(self.0.as_ptr()) } {
            return Err(kernel::error::code::EINVAL);
        }
        // SAFETY: we own the skb; the `len` bytes pulled (and summed) are in its linear part.
        unsafe { bindings::skb_pull_rcsum(self.0.as_ptr(), len) };
        Ok(())
    }

    /// Where the MAC header starts relative to `skb->data`, if it is set.
    pub(crate) fn mac_offset(&self) -> Option<i32> {
        // SAFETY: valid skb by the type invariant; both read header offsets only.
        unsafe {
            (bindings::skb_mac_header_was_set(self.0.as_ptr()) != 0)
                .then(|| bindings::skb_mac_offset(self.0.as_ptr()))
        }
    }

    /// The packet's checksum state.
    pub(crate) fn checksum(&self) -> Checksum {
        let mut csum = 0;
        // SAFETY: valid skb by the type invariant; reads metadata.
        let ip_summed =
            u32::from(unsafe { bindings::fponic_skb_ip_summed(self.0.as_ptr(), &mut csum) });
        match ip_summed {
            bindings::CHECKSUM_UNNECESSARY => Checksum::Unnecessary,
            bindings::CHECKSUM_COMPLETE => Checksum::Complete(csum),
            bindings::CHECKSUM_PARTIAL => Checksum::Partial,
            _ => Checksum::None,
        }
    }

    /// Marks the packet `CHECKSUM_COMPLETE` with `sum` (see [`Checksum::Complete`]), as a device
    /// that sums what it receives does.
    pub(crate) fn set_csum_complete(&mut self, sum: u32) {
        // CAST: CHECKSUM_COMPLETE is 2.
        let complete = bindings::CHECKSUM_COMPLETE as u8;
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::fponic_skb_set_checksum(self.0.as_ptr(), complete, sum) }
    }
}

/// `csum_partial`: `sum` plus the ones' complement sum of `data`, unfolded (the architecture's
/// own).
#[inline]
pub(crate) fn csum_partial(data: &[u8], mut sum: u32) -> u32 {
    let mut rest = data;
    // Chunks of an even length, which `int` holds, add up to the sum of the whole.
    const CHUNK: usize = 1 << 30;
    while rest.len() > CHUNK {
        let (a, b) = rest.split_at(CHUNK);
        // CAST: `CHUNK` fits.
        // SAFETY: `a` is `CHUNK` readable bytes.
        sum = unsafe { bindings::csum_partial(a.as_ptr().cast(), CHUNK as i32, sum) };
        rest = b;
    }
    // CAST: at most `CHUNK` bytes are left.
    // SAFETY: `rest` is `rest.len()` readable bytes.
    unsafe { bindings::csum_partial(rest.as_ptr().cast(), rest.len() as i32, sum) }
}

/// `csum_fold`: the 16-bit complement of the folded sum `sum` (0 for data whose checksum
/// field makes the sum come out right).
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn csum_fold(sum: u32) -> u16 {
    // SAFETY: pure arithmetic.
    unsafe { bindings::csum_fold(sum) }
}

/// `csum_tcpudp_magic`: the checksum of a segment over IPv4 with partial sum `sum`.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn csum_tcpudp_magic(
    saddr: [u8; 4],
    daddr: [u8; 4],
    len: u32,
    proto: u8,
    sum: u32,
) -> u16 {
    let (s, d) = (u32::from_ne_bytes(saddr), u32::from_ne_bytes(daddr));
    // SAFETY: pure arithmetic.
    unsafe { bindings::csum_tcpudp_magic(s, d, len, proto, sum) }
}

/// `csum_ipv6_magic`: the checksum of a segment over IPv6 with partial sum `sum`.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn csum_ipv6_magic(
    saddr: [u8; 16],
    daddr: [u8; 16],
    len: u32,
    proto: u8,
    sum: u32,
) -> u16 {
    let mut s = bindings::in6_addr::default();
    let mut d = bindings::in6_addr::default();
    s.in6_u.u6_addr8 = saddr;
    d.in6_u.u6_addr8 = daddr;
    // SAFETY: two valid addresses; reads them only.
    unsafe { bindings::csum_ipv6_magic(&s, &d, len, proto, sum) }
}

/// `ip_fast_csum`: the architecture's checksum of the IPv4 header of `ihl` 32-bit words that
/// `hdr` starts with; `None` unless `hdr` has at least `max(20, 4 * ihl)` bytes, all that any
/// architecture's version reads.
pub(crate) fn ip_fast_csum(hdr: &[u8], ihl: u8) -> Option<u16> {
    if hdr.len() < (4 * usize::from(ihl)).max(20) {
        return None;
    }
    // SAFETY: `hdr` has the bytes the function reads (above).
    Some(unsafe { bindings::ip_fast_csum(hdr.as_ptr().cast(), ihl.into()) })
}

/// The linear part of an owned packet with its first bytes writable ([`SkBuff::head_mut`]).
///
/// # Invariants
///
/// `data` points to the `linear` bytes of the linear part of the packet borrowed mutably for
/// `'a`; the first `writable` of them (at most `linear`) are the packet's own, the others may be
/// shared with clones, which only read them.
pub(crate) struct HeadMut<'a> {
    data: NonNull<u8>,
    linear: usize,
    writable: usize,
    _skb: PhantomData<&'a mut SkBuff>,
}

impl HeadMut<'_> {
    /// The linear part.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `linear` readable bytes (type invariant), not written while borrowed: writing
        // needs `&mut self`.
        unsafe { slice::from_raw_parts(self.data.as_ptr(), self.linear) }
    }

    /// The writable start of the linear part.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `writable` bytes that are the packet's own (type invariant), borrowed from
        // `self` exclusively.
        unsafe { slice::from_raw_parts_mut(self.data.as_ptr(), self.writable) }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb by the type invariant.
        unsafe { bindings::kfree_skb(self.0.as_ptr()) }
    }
}
