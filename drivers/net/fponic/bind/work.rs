// SPDX-License-Identifier: GPL-2.0

//! A delayed work item embedded in an object that lives in an [`Arc`], which the driver can
//! cancel.
//!
//! The kernel crate's workqueue has no way to cancel a delayed item. [`DelayedWork`] wraps a
//! `struct delayed_work` the same way the kernel crate's `DelayedWork` does for
//! `Arc`-owned work: a pending run holds a reference to its owner (taken by
//! [`DelayedWork::schedule`], released after the run), so the owner outlives every run whatever
//! the order of its fields, and [`DelayedWork::cancel_sync`] gives that reference back when it
//! cancels a pending run. An object may embed several, told apart by their `ID` (as the kernel
//! crate's `HasWork<T, ID>` does), each declared with [`impl_has_delayed_work!`].
//!
//! A pending run keeps its owner alive and its code loaded: whoever can schedule a work item
//! must cancel it ([`DelayedWork::cancel_sync`]) before the module goes away.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use core::marker::PhantomData;

use kernel::{
    ffi::c_void,
    prelude::*,
    sync::Arc,
    types::Opaque, //
};

use super::ffi::bindings;

/// What a [`DelayedWork`] with id `ID` runs, in process context.
pub(crate) trait WorkHandler<const ID: u64 = 0>: Send + Sync + Sized {
    /// The work item fired; `this` is its owner.
    fn run(this: &Arc<Self>);
}

/// An object embedding a [`DelayedWork`] with id `ID`; implement it with
/// [`impl_has_delayed_work!`].
///
/// # Safety
///
/// [`HasDelayedWork::OFFSET`] is the offset in `Self` of a field of type
/// `DelayedWork<Self, ID>`.
pub(crate) unsafe trait HasDelayedWork<const ID: u64 = 0>: WorkHandler<ID> {
    /// Offset of the work item in `Self`.
    const OFFSET: usize;
}

/// Declares the [`DelayedWork`] field of an object: `impl_has_delayed_work!(Type, field)` for
/// id 0, `impl_has_delayed_work!(Type, field, ID)` otherwise.
macro_rules! impl_has_delayed_work {
    ($owner:ty, $field:ident) => {
        $crate::bind::work::impl_has_delayed_work!($owner, $field, 0);
    };
    ($owner:ty, $field:ident, $id:literal) => {
        // SAFETY: `offset_of!` names the field, and the assignment below only compiles if the
        // field has the type `DelayedWork<$owner, $id>`.
        unsafe impl $crate::bind::work::HasDelayedWork<$id> for $owner {
            const OFFSET: usize = {
                #[allow(dead_code)]
                fn check(o: &$owner) -> &$crate::bind::work::DelayedWork<$owner, $id> {
                    &o.$field
                }
                ::core::mem::offset_of!($owner, $field)
            };
        }
    };
}
pub(crate) use impl_has_delayed_work;

/// A delayed work item that runs `<T as WorkHandler<ID>>::run` on the `T` that embeds it.
///
/// # Invariants
///
/// `w` is initialized, with [`DelayedWork::callback`] as its function. While a run is pending,
/// the item owns one reference to the `Arc<T>` that embeds it (from [`DelayedWork::schedule`]).
#[repr(transparent)]
#[pin_data]
pub(crate) struct DelayedWork<T: HasDelayedWork<ID>, const ID: u64 = 0> {
    #[pin]
    w: Opaque<bindings::fponic_dwork>,
    _p: PhantomData<T>,
}

// SAFETY: the work item is driven by the workqueue; its owner is `Send + Sync`.
unsafe impl<T: HasDelayedWork<ID>, const ID: u64> Send for DelayedWork<T, ID> {}
// SAFETY: scheduling and cancelling are thread-safe (`mod_delayed_work`,
// `cancel_delayed_work_sync`).
unsafe impl<T: HasDelayedWork<ID>, const ID: u64> Sync for DelayedWork<T, ID> {}

impl<T: HasDelayedWork<ID>, const ID: u64> DelayedWork<T, ID> {
    /// Initializer for an idle work item.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `w` is valid for writes; the callback finds its owner through
            // `T::OFFSET` (only `schedule` queues the item, with an owner in an `Arc`).
            w <- Opaque::ffi_init(move |w: *mut bindings::fponic_dwork| unsafe {
                bindings::fponic_dwork_init(w, Some(Self::callback), w.cast())
            }),
            _p: PhantomData,
        })
    }

    /// The work item with id `ID` of `this`.
    fn of(this: &T) -> &Self {
        // SAFETY: by `HasDelayedWork`'s contract a `DelayedWork<T, ID>` lies at `T::OFFSET` in
        // `this`, valid as long as `this`.
        unsafe {
            &*core::ptr::from_ref(this)
                .cast::<u8>()
                .add(T::OFFSET)
                .cast::<Self>()
        }
    }

    /// Runs `this`'s handler `delay_ms` from now (re-arming a pending run).
    pub(crate) fn schedule(this: &Arc<T>, delay_ms: u32) {
        let w = Self::of(this);
        let owner = Arc::into_raw(this.clone());
        // SAFETY: initialized (type invariant).
        let was_pending = unsafe { bindings::fponic_dwork_schedule(w.w.get(), delay_ms) };
        if was_pending {
            // INVARIANT: the pending run already holds its reference: give this one back.
            // SAFETY: `owner` came from `Arc::into_raw` just above.
            drop(unsafe { Arc::from_raw(owner) });
        }
        // INVARIANT: otherwise the newly pending run holds the reference.
    }

    /// Cancels `this`'s pending run and waits for a running one to finish. A later
    /// [`DelayedWork::schedule`] arms it again. Sleeps; calling it from the handler itself
    /// deadlocks.
    pub(crate) fn cancel_sync(this: &T) {
        let w = Self::of(this);
        // SAFETY: initialized (type invariant); process context.
        if unsafe { bindings::fponic_dwork_cancel_sync(w.w.get()) } {
            // SAFETY: a pending run was cancelled: the reference it held (type invariant) came
            // from `Arc::into_raw` of the `Arc` that `this` lives in.
            drop(unsafe { Arc::from_raw(core::ptr::from_ref(this)) });
        }
    }

    /// # Safety
    ///
    /// `ctx` is the `fponic_dwork` (at offset 0, `repr(transparent)`) of a `DelayedWork<T, ID>`
    /// in a `T`, queued by
    /// [`DelayedWork::schedule`].
    unsafe extern "C" fn callback(ctx: *mut c_void) {
        // SAFETY: `ctx` points at the work item at `T::OFFSET` in its owner (the function's
        // safety requirement and `HasDelayedWork`'s contract).
        let owner = unsafe { ctx.cast::<u8>().sub(T::OFFSET) }.cast::<T>();
        // SAFETY: the run that just started owned this reference (type invariant).
        let this = unsafe { Arc::from_raw(owner) };
        <T as WorkHandler<ID>>::run(&this);
        // The reference goes here; it may be the last one (freeing the work item from its own
        // callback is allowed).
    }
}
