// SPDX-License-Identifier: GPL-2.0

//! A delayed work item owned by the object it works on.
//!
//! The kernel crate's workqueue has no way to cancel a delayed item; [`DelayedWork`] wraps a
//! `struct delayed_work` that is cancelled (waiting for a running callback) when it is dropped,
//! so an object can embed one, pointing back at itself, and be freed safely. An object may embed
//! several, told apart by their `ID` (as the kernel crate's `HasWork<T, ID>` does).
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use core::marker::PhantomData;

use kernel::{
    ffi::c_void,
    prelude::*,
    types::Opaque, //
};

use super::ffi::bindings;

/// What a [`DelayedWork`] with id `ID` runs, in process context.
pub(crate) trait WorkHandler<const ID: u64 = 0>: Sync {
    /// The work item fired.
    fn run(&self);
}

/// A delayed work item that calls `<T as WorkHandler<ID>>::run` on the `T` that embeds it.
///
/// # Invariants
///
/// `w` was initialized with a callback for `T` and a context pointer to the `T` that embeds
/// this value (pinned, so the pointer stays valid); it is cancelled before it is freed.
#[pin_data(PinnedDrop)]
pub(crate) struct DelayedWork<T: WorkHandler<ID>, const ID: u64 = 0> {
    #[pin]
    w: Opaque<bindings::fponic_dwork>,
    _p: PhantomData<T>,
}

// SAFETY: the work item is driven by the workqueue and cancelled on drop; `T: Sync`.
unsafe impl<T: WorkHandler<ID>, const ID: u64> Send for DelayedWork<T, ID> {}
// SAFETY: scheduling is thread-safe (`mod_delayed_work`).
unsafe impl<T: WorkHandler<ID>, const ID: u64> Sync for DelayedWork<T, ID> {}

impl<T: WorkHandler<ID>, const ID: u64> DelayedWork<T, ID> {
    /// Initializer for a work item calling `<T as WorkHandler<ID>>::run(owner)`.
    ///
    /// # Safety
    ///
    /// `owner` points to the pinned `T` this work item is a field of; the work item is dropped
    /// (which cancels it) before the rest of `owner` becomes invalid.
    pub(crate) unsafe fn new(owner: *const T) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `w` is valid for writes; the context pointer obeys the function's contract.
            w <- Opaque::ffi_init(move |w: *mut bindings::fponic_dwork| unsafe {
                bindings::fponic_dwork_init(w, Some(Self::callback), owner.cast_mut().cast())
            }),
            _p: PhantomData,
        })
    }

    /// Runs the handler `delay_ms` from now (re-arming a pending run).
    pub(crate) fn schedule(&self, delay_ms: u32) {
        // SAFETY: initialized (type invariant).
        unsafe { bindings::fponic_dwork_schedule(self.w.get(), delay_ms) };
    }

    /// Cancels a pending run and waits for a running one to finish. A later
    /// [`DelayedWork::schedule`] arms it again. Sleeps; calling it from the handler itself
    /// deadlocks.
    pub(crate) fn cancel_sync(&self) {
        // SAFETY: initialized (type invariant); process context.
        unsafe { bindings::fponic_dwork_cancel_sync(self.w.get()) };
    }

    /// # Safety
    ///
    /// `ctx` is the owner pointer given to [`DelayedWork::new`], valid while the item can run.
    unsafe extern "C" fn callback(ctx: *mut c_void) {
        // SAFETY: by the function's safety requirement.
        <T as WorkHandler<ID>>::run(unsafe { &*ctx.cast::<T>() });
    }
}

#[pinned_drop]
impl<T: WorkHandler<ID>, const ID: u64> PinnedDrop for DelayedWork<T, ID> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: initialized; after this no callback runs or is pending.
        unsafe { bindings::fponic_dwork_cancel_sync(self.w.get()) };
    }
}
