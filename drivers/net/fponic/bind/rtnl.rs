// SPDX-License-Identifier: GPL-2.0

//! The RTNL lock.
//!
//! C header: [`include/linux/rtnetlink.h`](srctree/include/linux/rtnetlink.h)

use kernel::types::NotThreadSafe;

use super::ffi::bindings;

/// Proof that the current thread holds the RTNL lock.
///
/// APIs that require RTNL take `&Rtnl`. A value is obtained from [`Rtnl::lock`] (through its
/// guard) or, inside the binding layer, for callbacks the core runs under RTNL.
///
/// # Invariants
///
/// The thread that holds a value holds RTNL while the value lives; the value cannot leave the
/// thread (`NotThreadSafe`).
pub(crate) struct Rtnl(NotThreadSafe);

impl Rtnl {
    /// Takes the RTNL lock. Sleeps.
    pub(crate) fn lock() -> RtnlGuard {
        // SAFETY: process context; the guard releases the lock.
        unsafe { bindings::rtnl_lock() };
        RtnlGuard(Rtnl(NotThreadSafe))
    }

    /// Asserts that RTNL is held, for callbacks the core invokes under RTNL.
    ///
    /// # Safety
    ///
    /// The caller holds RTNL for the lifetime of the returned value.
    pub(super) unsafe fn assume_held() -> Self {
        Rtnl(NotThreadSafe)
    }
}

/// Holds RTNL until dropped; dereferences to the [`Rtnl`] proof.
pub(crate) struct RtnlGuard(Rtnl);

impl core::ops::Deref for RtnlGuard {
    type Target = Rtnl;

    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: taken in `Rtnl::lock` by this thread (the guard is not `Send`).
        unsafe { bindings::rtnl_unlock() };
    }
}
