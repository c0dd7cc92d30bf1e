// SPDX-License-Identifier: GPL-2.0

//! devlink health reporters.
//!
//! A reporter is created on a devlink instance with [`Registration::add_health_reporter`] and
//! served by a [`HealthOperations`] implementation (`dump`, `diagnose`, `recover`, called by the
//! devlink core under the instance lock). The driver keeps a [`HealthHandle`] to report errors
//! and to mark the reporter healthy again. The instance owns the reporter: it destroys it before
//! the instance goes away, after which the handles' reports do nothing. Dumps and diagnoses are
//! written through [`Fmsg`].
//!
//! Locking: reporting takes the instance lock (the core stores a dump and may run `recover`), so
//! it must not be called with that lock or RTNL held (devlink callbacks take RTNL after the
//! instance lock); a work item is the usual place.
//!
//! C header: [`include/net/devlink.h`](srctree/include/net/devlink.h)

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    error::{
        from_result,
        VTABLE_DEFAULT_ERROR, //
    },
    ffi::{
        c_int,
        c_void, //
    },
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        ArcBorrow,
        Mutex, //
    },
    types::Opaque,
};

use super::{
    devlink::{
        Operations,
        Registration, //
    },
    ffi::bindings,
    netlink::ExtAck,
};

/// A devlink formatted message (`devlink health dump show`, `diagnose`), written as name/value
/// pairs, nested objects and arrays. Errors are recorded in the message and reported by the core.
///
/// # Invariants
///
/// A `&mut Fmsg` points to a valid `struct devlink_fmsg` that the holder may write while the
/// reference lives (the core's dump or diagnose request in progress).
#[repr(transparent)]
pub(crate) struct Fmsg(Opaque<bindings::devlink_fmsg>);

impl Fmsg {
    /// # Safety
    ///
    /// `p` is a valid message that the caller may write for `'a`.
    unsafe fn from_raw<'a>(p: *mut bindings::devlink_fmsg) -> &'a mut Self {
        // SAFETY: `Fmsg` is a transparent wrapper; validity by the function's requirement.
        unsafe { &mut *p.cast::<Self>() }
    }

    fn raw(&mut self) -> *mut bindings::devlink_fmsg {
        self.0.get()
    }

    /// `name: value`.
    pub(crate) fn u32(&mut self, name: &CStr, value: u32) {
        // SAFETY: valid message (type invariant of the reference); the core copies `name`.
        unsafe { bindings::devlink_fmsg_u32_pair_put(self.raw(), name.as_char_ptr(), value) }
    }

    /// `name: value`.
    pub(crate) fn u64(&mut self, name: &CStr, value: u64) {
        // SAFETY: as for `u32`.
        unsafe { bindings::devlink_fmsg_u64_pair_put(self.raw(), name.as_char_ptr(), value) }
    }

    /// `name: true|false`.
    pub(crate) fn bool(&mut self, name: &CStr, value: bool) {
        // SAFETY: as for `u32`.
        unsafe { bindings::devlink_fmsg_bool_pair_put(self.raw(), name.as_char_ptr(), value) }
    }

    /// `name: value` for a string value.
    pub(crate) fn str(&mut self, name: &CStr, value: &CStr) {
        // SAFETY: as for `u32`; the core copies `value` too.
        unsafe {
            bindings::devlink_fmsg_string_pair_put(
                self.raw(),
                name.as_char_ptr(),
                value.as_char_ptr(),
            )
        }
    }

    /// `name: { ... }`, the object's members written by `f`.
    pub(crate) fn nest(&mut self, name: &CStr, f: impl FnOnce(&mut Fmsg)) {
        // SAFETY: valid message; nests are closed below in order.
        unsafe {
            bindings::devlink_fmsg_pair_nest_start(self.raw(), name.as_char_ptr());
            bindings::devlink_fmsg_obj_nest_start(self.raw());
        }
        f(self);
        // SAFETY: closes the nests opened above.
        unsafe {
            bindings::devlink_fmsg_obj_nest_end(self.raw());
            bindings::devlink_fmsg_pair_nest_end(self.raw());
        }
    }

    /// `name: [ ... ]`, the elements written by `f`.
    pub(crate) fn array(&mut self, name: &CStr, f: impl FnOnce(&mut FmsgArray<'_>)) {
        // SAFETY: valid message; the nest is closed below.
        unsafe { bindings::devlink_fmsg_arr_pair_nest_start(self.raw(), name.as_char_ptr()) };
        f(&mut FmsgArray(self));
        // SAFETY: closes the nest opened above.
        unsafe { bindings::devlink_fmsg_arr_pair_nest_end(self.raw()) };
    }
}

/// The elements of an array being written ([`Fmsg::array`]).
pub(crate) struct FmsgArray<'a>(&'a mut Fmsg);

impl FmsgArray<'_> {
    /// A number.
    pub(crate) fn u32(&mut self, value: u32) {
        // SAFETY: valid message inside an array nest.
        unsafe { bindings::devlink_fmsg_u32_put(self.0.raw(), value) }
    }

    /// An object, its members written by `f`.
    pub(crate) fn obj(&mut self, f: impl FnOnce(&mut Fmsg)) {
        // SAFETY: valid message inside an array nest; closed below.
        unsafe { bindings::devlink_fmsg_obj_nest_start(self.0.raw()) };
        f(self.0);
        // SAFETY: closes the nest opened above.
        unsafe { bindings::devlink_fmsg_obj_nest_end(self.0.raw()) };
    }
}

/// Driver side of a health reporter. Callbacks run under the devlink instance lock.
#[vtable]
pub(crate) trait HealthOperations: Sized + Send + Sync {
    /// The reporter's name (`devlink health show ... reporter <NAME>`).
    const NAME: &'static CStr;

    /// What a report passes to `dump` and `recover`.
    type Event: Sync;

    /// Writes a dump: of the reported `event`, or of the current state if `None` (a dump asked
    /// for before any report).
    fn dump(
        &self,
        _event: Option<&Self::Event>,
        _fmsg: &mut Fmsg,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink health diagnose`: the current state.
    fn diagnose(&self, _fmsg: &mut Fmsg, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Recovers from the reported `event` (automatic recovery) or from the current error state
    /// (`devlink health recover`, `None`). Success marks the reporter healthy.
    fn recover(
        _this: ArcBorrow<'_, Self>,
        _event: Option<&Self::Event>,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A created reporter: its pointer and the owner passed as its private data.
///
/// # Invariants
///
/// `reporter` was returned by `devlink_health_reporter_create` and is not destroyed yet; `owner`
/// came from `Arc::into_raw` of the owner type `release` was instantiated for, and holds the
/// reference the reporter's callbacks use until `release` gives it back (once, after the
/// reporter is destroyed).
struct Live {
    reporter: NonNull<bindings::devlink_health_reporter>,
    /// `Arc::into_raw` of the owner.
    owner: *const c_void,
    /// Gives the owner reference back (`Arc::from_raw` and drop).
    release: unsafe fn(*const c_void),
}

/// The state of a reporter, shared between its instance and the driver's handles.
///
/// # Invariants
///
/// While `live` is `Some`, its reporter is registered with the instance that holds this cell
/// in its reporter list, and its owner reference is held; `live` becomes `None` exactly when
/// the instance destroys the reporter.
#[pin_data]
pub(crate) struct ReporterCell {
    #[pin]
    live: Mutex<Option<Live>>,
}

// SAFETY: the reporter and owner pointers are used under the mutex with thread-safe C APIs; the
// owner is `Send + Sync` (`HealthOperations` bound).
unsafe impl Send for Live {}

impl ReporterCell {
    /// Destroys the reporter (the instance is going away). Takes the instance lock: call without
    /// it, and without RTNL.
    pub(super) fn destroy(&self) {
        let live = self.live.lock().take();
        if let Some(l) = live {
            // SAFETY: registered with a live instance (type invariant); the core takes the
            // instance lock, so no callback runs concurrently or afterwards.
            unsafe { bindings::devlink_health_reporter_destroy(l.reporter.as_ptr()) };
            // SAFETY: `owner` came from `Arc::into_raw` and is given back once.
            unsafe { (l.release)(l.owner) };
        }
    }
}

/// The driver's handle on a health reporter of `H`.
pub(crate) struct HealthHandle<H: HealthOperations> {
    cell: Arc<ReporterCell>,
    /// Names the owner type without owning one (and without inheriting its `!Unpin`).
    _p: PhantomData<fn() -> H>,
}

impl<H: HealthOperations> Clone for HealthHandle<H> {
    fn clone(&self) -> Self {
        Self {
            cell: self.cell.clone(),
            _p: PhantomData,
        }
    }
}

impl<H: HealthOperations> HealthHandle<H> {
    /// Reports an error: the reporter goes to the error state, stores a dump of `event` (if it
    /// has none stored) and, if auto-recovery is on, runs `recover`. Does nothing once the
    /// instance destroyed the reporter.
    ///
    /// Sleeps and takes the devlink instance lock: call without it and without RTNL.
    pub(crate) fn report(&self, msg: &CStr, event: &H::Event) -> Result {
        let live = self.cell.live.lock();
        let Some(l) = live.as_ref() else {
            return Ok(());
        };
        // SAFETY: the reporter is registered while `live` is `Some` and the mutex keeps it so
        // (type invariant of `ReporterCell`); `event` outlives the call, and the reporter's
        // callbacks read it as an `H::Event` (only `report` passes a context).
        let r = unsafe {
            bindings::devlink_health_report(
                l.reporter.as_ptr(),
                msg.as_char_ptr(),
                core::ptr::from_ref(event).cast_mut().cast(),
            )
        };
        // A failed automatic recovery or a recovery within the grace period is not an error of
        // the report itself.
        match r {
            0 => Ok(()),
            e if e == ECANCELED.to_errno() => Ok(()),
            e => Err(Error::from_errno(e)),
        }
    }

    /// Marks the reporter healthy (the error went away by itself).
    pub(crate) fn set_healthy(&self) {
        let live = self.cell.live.lock();
        if let Some(l) = live.as_ref() {
            // SAFETY: registered reporter (as in `report`).
            unsafe {
                bindings::devlink_health_reporter_state_update(
                    l.reporter.as_ptr(),
                    bindings::devlink_health_reporter_state_DEVLINK_HEALTH_REPORTER_STATE_HEALTHY,
                )
            };
        }
    }
}

impl<T: Operations> Registration<T> {
    /// Creates health reporter `H::NAME` on this instance, served by `owner`. The instance
    /// destroys it when it goes away; the returned handle reports errors until then.
    ///
    /// Takes the instance lock: call without it.
    pub(crate) fn add_health_reporter<H: HealthOperations>(
        &mut self,
        owner: Arc<H>,
    ) -> Result<HealthHandle<H>> {
        let cell = Arc::pin_init(
            pin_init!(ReporterCell {
                live <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )?;
        self.keep_reporter(cell.clone())?;
        let ops: &'static bindings::devlink_health_reporter_ops = &Adapter::<H>::OPS.0;
        let owner = Arc::into_raw(owner).cast::<c_void>();
        // SAFETY: the instance is registered (type invariant of `Registration`); `ops` is
        // static; `owner` stays valid until `release` runs after the reporter is destroyed.
        let r = unsafe {
            bindings::devlink_health_reporter_create(self.as_raw(), ops, owner.cast_mut())
        };
        if let Err(e) = kernel::error::from_err_ptr(r) {
            // SAFETY: from `Arc::into_raw` above, not used by anyone else.
            unsafe { Adapter::<H>::release(owner) };
            self.forget_last_reporter();
            return Err(e);
        }
        *cell.live.lock() = Some(Live {
            // SAFETY: not an error pointer (checked above) and not null (the core returns an
            // error pointer on failure).
            reporter: unsafe { NonNull::new_unchecked(r) },
            owner,
            release: Adapter::<H>::release,
        });
        // INVARIANT: the instance holds the cell (kept above) and destroys the reporter before
        // it goes.
        Ok(HealthHandle {
            cell,
            _p: PhantomData,
        })
    }
}

/// The ops table; a wrapper so that the pointer to the static name can live in a `static`.
struct OpsTable(bindings::devlink_health_reporter_ops);

// SAFETY: the table is read only; its name pointer points to a static string.
unsafe impl Sync for OpsTable {}

struct Adapter<H: HealthOperations>(PhantomData<H>);

impl<H: HealthOperations> Adapter<H> {
    /// # Safety
    ///
    /// `owner` came from `Arc::<H>::into_raw` and is not used afterwards.
    unsafe fn release(owner: *const c_void) {
        // SAFETY: by the function's safety requirement.
        drop(unsafe { Arc::<H>::from_raw(owner.cast::<H>()) });
    }

    /// The owner, borrowed from the reference the reporter holds.
    ///
    /// # Safety
    ///
    /// `r` is a reporter created by [`Registration::add_health_reporter::<H>`], not destroyed
    /// while the borrow lives.
    unsafe fn owner_arc<'a>(r: *mut bindings::devlink_health_reporter) -> ArcBorrow<'a, H> {
        // SAFETY: its private data came from `Arc::into_raw` of the owner, whose reference the
        // reporter holds until it is destroyed.
        unsafe { ArcBorrow::from_raw(bindings::devlink_health_reporter_priv(r).cast::<H>()) }
    }

    /// # Safety
    ///
    /// `r` is a reporter created by [`Registration::add_health_reporter::<H>`], not destroyed.
    unsafe fn owner<'a>(r: *mut bindings::devlink_health_reporter) -> &'a H {
        // SAFETY: its private data is the owner, held until the reporter is destroyed.
        unsafe { &*bindings::devlink_health_reporter_priv(r).cast::<H>() }
    }

    /// # Safety
    ///
    /// `ctx` is null or the event [`HealthHandle::report`] passed, valid during the callback.
    unsafe fn event<'a>(ctx: *mut c_void) -> Option<&'a H::Event> {
        // SAFETY: by the function's safety requirement.
        unsafe { ctx.cast::<H::Event>().as_ref() }
    }

    /// # Safety
    ///
    /// Called by the devlink core for a reporter of `H`, with a valid message and `priv_ctx` as
    /// given to `devlink_health_report` (or null).
    unsafe extern "C" fn dump_callback(
        r: *mut bindings::devlink_health_reporter,
        fmsg: *mut bindings::devlink_fmsg,
        priv_ctx: *mut c_void,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, ev, fmsg) =
                unsafe { (Self::owner(r), Self::event(priv_ctx), Fmsg::from_raw(fmsg)) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            this.dump(ev, fmsg, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As for `dump_callback`.
    unsafe extern "C" fn diagnose_callback(
        r: *mut bindings::devlink_health_reporter,
        fmsg: *mut bindings::devlink_fmsg,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, fmsg) = unsafe { (Self::owner(r), Fmsg::from_raw(fmsg)) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            this.diagnose(fmsg, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As for `dump_callback`.
    unsafe extern "C" fn recover_callback(
        r: *mut bindings::devlink_health_reporter,
        priv_ctx: *mut c_void,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, ev) = unsafe { (Self::owner_arc(r), Self::event(priv_ctx)) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            H::recover(this, ev, &mut ext)?;
            Ok(0)
        })
    }

    const OPS: OpsTable = OpsTable(bindings::devlink_health_reporter_ops {
        // The NUL-terminated bytes of a static string (`as_char_ptr` is not `const`).
        name: H::NAME.to_bytes_with_nul().as_ptr().cast_mut(),
        recover: if H::HAS_RECOVER {
            Some(Self::recover_callback)
        } else {
            None
        },
        dump: if H::HAS_DUMP {
            Some(Self::dump_callback)
        } else {
            None
        },
        diagnose: if H::HAS_DIAGNOSE {
            Some(Self::diagnose_callback)
        } else {
            None
        },
        test: None,
        default_graceful_period: 0,
        default_burst_period: 0,
    });
}
