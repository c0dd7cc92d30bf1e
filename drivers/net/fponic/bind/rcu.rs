// SPDX-License-Identifier: GPL-2.0

//! RCU-published values and an RCU-read xarray of integers.
//!
//! [`RcuBox<T>`] publishes one heap value to lock-free readers: the data path reads it under an
//! [`rcu::Guard`] (NAPI and `ndo_start_xmit` run with BH disabled and never block), while the
//! control plane replaces it in process context. A replaced value is dropped only after an RCU
//! grace period, either synchronously ([`RcuBox::replace`], which waits) or from an RCU callback
//! ([`RcuBox::replace_deferred`], which does not wait and suits high-rate updates). The kernel
//! crate has `rcu::Guard` and `synchronize_rcu()` but no RCU-published pointer; this is the
//! missing piece, in the shape of `rcu_assign_pointer`/`rcu_dereference`/`call_rcu`.
//!
//! [`XValues`] is an xarray of small integers (value entries: nothing to free) whose reads run
//! under RCU without the xarray lock, which the kernel crate's `XArray` does not offer.

use core::ptr;

use kernel::{
    error::to_result,
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Full, //
        },
        rcu,
    },
    types::Opaque,
};

use super::ffi::bindings;

#[repr(C)]
struct Node<T> {
    head: Opaque<bindings::callback_head>,
    val: T,
}

/// An RCU-published `Option<T>`.
///
/// # Invariants
///
/// `ptr` is null or comes from [`KBox::into_raw`] of a `Node<T>` owned by this value. A node that
/// was replaced is freed only after an RCU grace period, i.e. after every reader that could have
/// loaded it left its read-side critical section.
pub(crate) struct RcuBox<T> {
    ptr: Atomic<*mut Node<T>>,
}

// SAFETY: the box owns a `T`; sending it sends the `T`.
unsafe impl<T: Send> Send for RcuBox<T> {}
// SAFETY: readers on other threads get `&T` (needs `T: Sync`); writers move `T` between threads
// (needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}

impl<T: Send + 'static> RcuBox<T> {
    /// Creates an empty box.
    pub(crate) fn empty() -> Self {
        // INVARIANT: null.
        Self {
            ptr: Atomic::new(ptr::null_mut()),
        }
    }

    /// Creates a box holding `value`, for a structure not yet visible to readers.
    pub(crate) fn new(value: Option<T>) -> Result<Self> {
        // INVARIANT: null or from `KBox::into_raw`.
        Ok(Self {
            ptr: Atomic::new(Self::alloc(value)?),
        })
    }

    fn alloc(value: Option<T>) -> Result<*mut Node<T>> {
        Ok(match value {
            None => ptr::null_mut(),
            Some(val) => KBox::into_raw(KBox::new(
                Node {
                    head: Opaque::zeroed(),
                    val,
                },
                GFP_KERNEL,
            )?),
        })
    }

    /// Reads the published value (`rcu_dereference`).
    ///
    /// The reference lives no longer than the read-side critical section of `_guard`.
    pub(crate) fn get<'a>(&'a self, _guard: &'a rcu::Guard) -> Option<&'a T> {
        // Acquire pairs with the full barrier of the publishing `xchg`.
        let p = self.ptr.load(Acquire);
        // SAFETY: `p` is null or a live node: a replaced node is freed only after a grace
        // period, and the caller's guard keeps this read-side critical section open for the
        // lifetime of the returned reference.
        unsafe { p.as_ref().map(|n| &n.val) }
    }

    /// Publishes `value` (`rcu_assign_pointer`), waits for a grace period and returns the previous
    /// value, which no reader can see any more. Sleeps: process context only.
    pub(crate) fn replace(&self, value: Option<T>) -> Result<Option<T>> {
        let old = self.ptr.xchg(Self::alloc(value)?, Full);
        if old.is_null() {
            return Ok(None);
        }
        rcu::synchronize_rcu();
        // SAFETY: `old` came from `KBox::into_raw` (type invariant), was unpublished by the `xchg`
        // and every reader that could have seen it has finished.
        Ok(Some(KBox::into_inner(unsafe { KBox::from_raw(old) }).val))
    }

    /// Publishes `value` and frees the previous value from an RCU callback after a grace period,
    /// without waiting. The previous value is dropped in softirq context, so its `Drop` must not
    /// sleep. The module waits for pending callbacks at unload
    /// ([`kernel::sync::rcu::rcu_barrier`]).
    pub(crate) fn replace_deferred(&self, value: Option<T>) -> Result {
        let old = self.ptr.xchg(Self::alloc(value)?, Full);
        if !old.is_null() {
            // SAFETY: `old` is a node we own (type invariant), unpublished by the `xchg`; the
            // callback frees it after every current reader is done.
            unsafe { bindings::call_rcu((*old).head.get(), Some(Self::free_callback)) };
        }
        Ok(())
    }

    /// # Safety
    ///
    /// `head` is the `head` of a `Node<T>` handed to `call_rcu` by `replace_deferred`.
    unsafe extern "C" fn free_callback(head: *mut bindings::callback_head) {
        // SAFETY: `head` is the first field of a `#[repr(C)] Node<T>` allocated with `KBox`.
        drop(unsafe { KBox::from_raw(head.cast::<Node<T>>()) });
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

/// An xarray of integers (`xa_mk_value` entries) read under RCU.
///
/// # Invariants
///
/// `xa` is initialized and only holds value entries.
#[pin_data(PinnedDrop)]
pub(crate) struct XValues {
    #[pin]
    xa: Opaque<bindings::xarray>,
}

// SAFETY: the xarray has its own lock for writers and RCU for readers.
unsafe impl Send for XValues {}
// SAFETY: as above.
unsafe impl Sync for XValues {}

impl XValues {
    /// Largest storable value (value entries hold `LONG_MAX >> 1`... we use 62 bits).
    pub(crate) const MAX: u64 = (1 << 62) - 1;

    /// Creates an empty array.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `xa` is valid for writes.
            xa <- Opaque::ffi_init(|xa| unsafe { bindings::xa_init_flags(xa, 0) }),
        })
    }

    /// Reads the value at `index` without the xarray lock.
    pub(crate) fn load(&self, index: u64, _guard: &rcu::Guard) -> Option<u64> {
        // CAST: indices fit `unsigned long` on 64-bit.
        // SAFETY: the array is initialized; `xa_load` is safe under RCU.
        let e = unsafe { bindings::xa_load(self.xa.get(), index as usize) };
        // SAFETY: the array only holds value entries (type invariant).
        (!e.is_null()).then(|| unsafe { bindings::xa_to_value(e) } as u64)
    }

    /// Stores `value` at `index`. May sleep to allocate; process context.
    pub(crate) fn store(&self, index: u64, value: u64) -> Result {
        if value > Self::MAX {
            return Err(EINVAL);
        }
        // CAST: checked above; indices fit `unsigned long`.
        // SAFETY: the array is initialized; the entry is a value entry. Readers see either the
        // old or the new entry (the xarray publishes with RCU).
        let old = unsafe {
            let e = bindings::xa_mk_value(value as usize);
            bindings::xa_store(
                self.xa.get(),
                index as usize,
                e,
                kernel::bindings::GFP_KERNEL,
            )
        };
        // SAFETY: `xa_err` only inspects the returned entry.
        to_result(unsafe { bindings::xa_err(old) })
    }

    /// Removes the entry at `index`.
    pub(crate) fn erase(&self, index: u64) {
        // CAST: indices fit `unsigned long`.
        // SAFETY: the array is initialized; value entries need no freeing.
        unsafe { bindings::xa_erase(self.xa.get(), index as usize) };
    }
}

#[pinned_drop]
impl PinnedDrop for XValues {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: initialized; value entries need no freeing.
        unsafe { bindings::xa_destroy(self.xa.get()) };
    }
}
