// SPDX-License-Identifier: GPL-2.0

//! Socket buffers.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h)

use core::{
    mem,
    ptr::NonNull, //
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

    /// How many packets this one stands for on the wire: its segment count if it is a GSO
    /// packet, else 1 (what tc's `bstats_update` counts).
    pub(crate) fn gso_segs(&self) -> u16 {
        // SAFETY: valid skb by the type invariant; reads metadata.
        unsafe { bindings::fponic_skb_gso_segs(self.0.as_ptr()) }
    }

    /// The linear part of the packet, from `skb->data` (the MAC header on transmit and in
    /// receive handlers).
    pub(crate) fn data(&self) -> &[u8] {
        let mut len = 0u32;
        // SAFETY: valid skb; the helper returns `skb->data` and the linear length, which stay
        // valid while we own the skb and do not modify it.
        let p = unsafe { bindings::fponic_skb_mac(self.0.as_ptr(), &mut len) };
        // SAFETY: see above; `len` bytes from `p` are the linear data.
        unsafe { core::slice::from_raw_parts(p, len as usize) }
    }

    /// Makes the first `len` bytes linear (`pskb_may_pull`), so that [`SkBuff::data`] covers
    /// them. Returns `false` if the packet is shorter or memory is short; the packet is unchanged
    /// in content either way.
    pub(crate) fn may_pull(&mut self, len: u32) -> bool {
        // SAFETY: valid skb by the type invariant, owned exclusively (`&mut self`): pulling may
        // reallocate its head, which no outstanding borrow of `data()` can observe.
        unsafe { bindings::fponic_pskb_may_pull(self.0.as_ptr(), len) }
    }

    /// The hardware-accelerated (metadata) VLAN tag: `(tpid, tci)`.
    pub(crate) fn hw_vlan(&self) -> Option<(u16, u16)> {
        let mut tci = 0u16;
        // SAFETY: valid skb; reads metadata.
        let tpid = unsafe { bindings::fponic_skb_vlan(self.0.as_ptr(), &mut tci) };
        (tpid != 0).then_some((tpid, tci))
    }

    /// Pushes an outer VLAN tag (`skb_vlan_push`).
    pub(crate) fn vlan_push(&mut self, tpid: u16, tci: u16) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb; the helper may reallocate its head.
        kernel::error::to_result(unsafe {
            bindings::fponic_skb_vlan_push(self.0.as_ptr(), tpid, tci)
        })
    }

    /// Pops the outer VLAN tag (`skb_vlan_pop`); a no-op on untagged packets.
    pub(crate) fn vlan_pop(&mut self) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb.
        kernel::error::to_result(unsafe { bindings::fponic_skb_vlan_pop(self.0.as_ptr()) })
    }

    /// act_vlan's modify: a tagged packet's outer tag gets `tpid`, `id` and, if given, `prio`
    /// (keeping its PCP and DEI otherwise); an untagged packet is left alone. An error means
    /// the tag could not be taken out of the packet: act_vlan drops the packet then.
    pub(crate) fn vlan_modify(
        &mut self,
        tpid: u16,
        id: u16,
        prio: Option<u8>,
    ) -> Result<(), kernel::error::Error> {
        let prio = prio.map_or(-1, i32::from);
        // SAFETY: we own the skb; the helper may reallocate its head.
        kernel::error::to_result(unsafe {
            bindings::fponic_skb_vlan_modify(self.0.as_ptr(), tpid, id, prio)
        })
    }

    /// One pedit key, as act_pedit applies it: the 32-bit word at `offset` from the start of
    /// header `htype` (`enum pedit_header_type`) becomes `(old & mask) ^ val`. Returns whether
    /// it was applied; act_pedit skips a key it cannot apply, and the rest of its action.
    pub(crate) fn pedit(&mut self, htype: u32, offset: u32, mask: u32, val: u32) -> bool {
        // SAFETY: we own the skb; the helper makes the bytes writable first.
        unsafe { bindings::fponic_skb_pedit(self.0.as_ptr(), htype, offset, mask, val) == 0 }
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

    /// The csum action with `TCA_CSUM_UPDATE_FLAG_*` `flags`, as act_csum executes it. An error
    /// means act_csum drops the packet.
    pub(crate) fn csum(&mut self, flags: u32) -> Result<(), kernel::error::Error> {
        // SAFETY: we own the skb; the helper makes the bytes writable first.
        kernel::error::to_result(unsafe { bindings::fponic_skb_csum(self.0.as_ptr(), flags) })
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
        // SAFETY: we own the skb; writes metadata.
        unsafe { bindings::fponic_skb_set_csum_complete(self.0.as_ptr(), sum) }
    }
}

/// `csum_partial`: `sum` plus the ones' complement sum of `data`, unfolded.
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn csum_partial(data: &[u8], mut sum: u32) -> u32 {
    // Chunks of an even length, which `int` holds, add up to the sum of the whole.
    for chunk in data.chunks(1 << 30) {
        // CAST: a chunk is at most 2^30 bytes long.
        // SAFETY: `chunk` is `chunk.len()` readable bytes.
        sum = unsafe { bindings::csum_partial(chunk.as_ptr().cast(), chunk.len() as i32, sum) };
    }
    sum
}

/// `csum_fold`: the 16-bit complement of the folded sum `sum` (0 for data whose checksum
/// field makes the sum come out right).
#[cfg(CONFIG_KUNIT = "y")]
pub(crate) fn csum_fold(sum: u32) -> u16 {
    // SAFETY: pure arithmetic.
    unsafe { bindings::csum_fold(sum) }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb by the type invariant.
        unsafe { bindings::kfree_skb(self.0.as_ptr()) }
    }
}
