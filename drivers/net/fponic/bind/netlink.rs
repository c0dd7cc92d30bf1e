// SPDX-License-Identifier: GPL-2.0

//! Netlink extended acks: the error message a request's caller prints (`Error: ...`).
//!
//! C header: [`include/linux/netlink.h`](srctree/include/linux/netlink.h)

use core::marker::PhantomData;

use kernel::prelude::*;

use super::ffi::bindings;

/// A netlink extended ack, for error messages reported to user space.
///
/// # Invariants
///
/// `self.0` is null or points to a `struct netlink_ext_ack` valid for writes for `'a` (the
/// request being processed).
pub(crate) struct ExtAck<'a>(
    *mut bindings::netlink_ext_ack,
    PhantomData<&'a mut bindings::netlink_ext_ack>,
);

impl<'a> ExtAck<'a> {
    /// Wraps a raw extack.
    ///
    /// # Safety
    ///
    /// `p` is null or points to a `struct netlink_ext_ack` that stays valid for writes, and is
    /// written by nobody else, for `'a`.
    pub(crate) unsafe fn from_raw(p: *mut bindings::netlink_ext_ack) -> Self {
        // INVARIANT: by the function's safety requirements.
        Self(p, PhantomData)
    }

    /// Sets the message user space prints with the error.
    pub(crate) fn set(&mut self, msg: &'static CStr) {
        // SAFETY: `self.0` is null or valid for the callback (the core allows NULL extacks);
        // `msg` has static storage as the C macro requires.
        unsafe { bindings::fponic_extack_set(self.0, msg.as_char_ptr()) };
    }
}
