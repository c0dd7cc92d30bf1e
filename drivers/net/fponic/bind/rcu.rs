// SPDX-License-Identifier: GPL-2.0

//! An RCU-protected, replaceable box.
//!
//! [`RcuBox<T>`] publishes one heap value to lock-free readers: the data path reads it under an
//! [`rcu::Guard`] (NAPI and `ndo_start_xmit` run with BH disabled and never block), while the
//! control plane replaces it in process context. A replaced value is freed only after an RCU grace
//! period, so a reader that loaded the old pointer can keep using it until its read-side critical
//! section ends. The kernel crate has `rcu::Guard` and `synchronize_rcu()` but no RCU-published
//! pointer; this is the missing piece, in the shape of `rcu_assign_pointer`/`rcu_dereference`.

use core::ptr;

use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Full, //
        },
        rcu,
    },
};

/// An RCU-published `Option<KBox<T>>`.
///
/// # Invariants
///
/// `ptr` is null or comes from [`KBox::into_raw`] and is owned by this value. A pointer that was
/// replaced is freed only after `synchronize_rcu()` returned, i.e. after every reader that could
/// have loaded it left its read-side critical section.
pub(crate) struct RcuBox<T> {
    ptr: Atomic<*mut T>,
}

// SAFETY: the box owns a `T`; sending it sends the `T`.
unsafe impl<T: Send> Send for RcuBox<T> {}
// SAFETY: readers on other threads get `&T` (needs `T: Sync`); writers move `KBox<T>` between
// threads (needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}

impl<T> RcuBox<T> {
    /// Creates a box publishing `value`.
    pub(crate) fn new(value: Option<KBox<T>>) -> Self {
        let p = value.map_or(ptr::null_mut(), KBox::into_raw);
        // INVARIANT: `p` is null or from `KBox::into_raw`.
        Self {
            ptr: Atomic::new(p),
        }
    }

    /// Reads the published value (`rcu_dereference`).
    ///
    /// The reference lives no longer than the read-side critical section of `_guard`.
    pub(crate) fn get<'a>(&'a self, _guard: &'a rcu::Guard) -> Option<&'a T> {
        // Acquire pairs with the full barrier of the publishing `xchg` in `replace`.
        let p = self.ptr.load(Acquire);
        // SAFETY: `p` is null or a live `KBox` allocation: a replaced pointer is freed only after a
        // grace period, and the caller's guard keeps this read-side critical section open for
        // the lifetime of the returned reference.
        unsafe { p.as_ref() }
    }

    /// Publishes `value` (`rcu_assign_pointer`), waits for a grace period and returns the previous
    /// value, which no reader can see any more.
    ///
    /// Sleeps: call from process context only.
    pub(crate) fn replace(&self, value: Option<KBox<T>>) -> Option<KBox<T>> {
        let new = value.map_or(ptr::null_mut(), KBox::into_raw);
        let old = self.ptr.xchg(new, Full);
        if old.is_null() {
            return None;
        }
        rcu::synchronize_rcu();
        // SAFETY: `old` came from `KBox::into_raw` (type invariant), was unpublished by the `xchg`
        // and every reader that could have seen it has finished.
        Some(unsafe { KBox::from_raw(old) })
    }
}

impl<T> Drop for RcuBox<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // SAFETY: `&mut self` proves no reader holds a reference obtained from `get` (those
            // borrow `self`), and `p` came from `KBox::into_raw`.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}
