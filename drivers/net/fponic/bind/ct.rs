// SPDX-License-Identifier: GPL-2.0

//! Conntrack offload: act_ct's flow tables and the connections they hand to a driver.
//!
//! The `ct` action of a flower rule names the flow table of its zone ([`CtTable`]). A driver
//! registered on that table ([`Registration`]) gets every connection act_ct offloads, once per
//! direction, as a flower command ([`FlowerCmd`]): `Replace` with the direction's tuple as match
//! keys, its NAT as mangle actions and its conntrack metadata
//! ([`FlowerAction::ct_metadata`](super::tc::FlowerAction::ct_metadata)); `Destroy` when it
//! returns to software; `Stats` for its counters. The commands run in process context, on
//! act_ct's offload workqueues.
//!
//! C header: [`include/net/netfilter/nf_flow_table.h`](srctree/include/net/netfilter/nf_flow_table.h)

use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

use kernel::{
    error::{
        code::EOPNOTSUPP, //
        from_result,
        to_result,
    },
    ffi::{
        c_int,
        c_ulong,
        c_void, //
    },
    prelude::*,
    sync::Arc,
};

use super::{
    ffi::bindings,
    tc::FlowerCmd, //
};

/// The act_ct flow table a `ct` action names, valid while the request naming it runs (`'a`).
///
/// # Invariants
///
/// `self.0` points to a live `struct nf_flowtable` for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct CtTable<'a>(NonNull<bindings::nf_flowtable>, PhantomData<&'a ()>);

impl<'a> CtTable<'a> {
    /// # Safety
    ///
    /// `ft` is a live flow table for `'a`.
    pub(super) unsafe fn from_raw(ft: NonNull<bindings::nf_flowtable>) -> Self {
        // INVARIANT: by the function's safety requirement.
        Self(ft, PhantomData)
    }

    /// The table's identity: equal for the actions of one zone (and network namespace).
    pub(crate) fn id(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

/// What a driver does with the connections of the flow tables it registered on.
pub(crate) trait CtOps: Send + Sync + 'static {
    /// A command for a connection of a flow table (process context, may sleep).
    fn flower(&self, cmd: FlowerCmd<'_>) -> Result;
}

/// A registration of `T`'s callback on a flow table.
///
/// Dropping it unregisters: that waits for callbacks in progress, and none runs afterwards. Do
/// not drop it while holding a lock the callback takes.
///
/// # Invariants
///
/// `ft` is a flow table on which [`Registration::callback`] is registered with `data`'s pointer as
/// private data; the registration holds a reference to the table (act_ct's `get`), so it stays
/// alive until the registration is removed.
pub(crate) struct Registration<T: CtOps> {
    ft: NonNull<bindings::nf_flowtable>,
    data: Arc<T>,
}

// SAFETY: the registration may be dropped from any thread in process context; `T: Send + Sync`.
unsafe impl<T: CtOps> Send for Registration<T> {}
// SAFETY: no method mutates through `&self`.
unsafe impl<T: CtOps> Sync for Registration<T> {}

impl<T: CtOps> Registration<T> {
    /// Registers `data`'s callback on `ft`. `EEXIST` if it is registered there already.
    pub(crate) fn new(ft: &CtTable<'_>, data: Arc<T>) -> Result<Self> {
        let (cb, priv_) = Self::cb_args(&data);
        // SAFETY: `ft` is live (type invariant of `CtTable`); the callback and its private data
        // stay valid until the registration is removed (`Drop`), which keeps `data`.
        to_result(unsafe { bindings::fponic_ct_ft_add_cb(ft.0.as_ptr(), cb, priv_) })?;
        // INVARIANT: registered above, which took a reference to the table.
        Ok(Self { ft: ft.0, data })
    }

    /// The callback and private data a registration of `data` uses.
    fn cb_args(data: &Arc<T>) -> (*mut c_void, *mut c_void) {
        let cb: unsafe extern "C" fn(bindings::tc_setup_type, *mut c_void, *mut c_void) -> c_int =
            Self::callback;
        (cb as *mut c_void, Arc::as_ptr(data).cast_mut().cast())
    }

    /// The identity of the table ([`CtTable::id`]).
    pub(crate) fn id(&self) -> usize {
        self.ft.as_ptr() as usize
    }

    /// # Safety
    ///
    /// Called by the flow table for a registration of this type, with `cb_priv` its data.
    unsafe extern "C" fn callback(
        ty: bindings::tc_setup_type,
        type_data: *mut c_void,
        cb_priv: *mut c_void,
    ) -> c_int {
        if ty != bindings::tc_setup_type_TC_SETUP_CLSFLOWER {
            return EOPNOTSUPP.to_errno();
        }
        from_result(|| {
            // SAFETY: `cb_priv` is the `T` of a registration, which keeps it alive until the
            // callback is removed, which waits for this call.
            let data = unsafe { &*cb_priv.cast::<T>() };
            // SAFETY: `type_data` is a `flow_cls_offload` for TC_SETUP_CLSFLOWER. Flow table
            // entries leave their actions' statistics type unset: it is not checked.
            let (cmd, _ext) = unsafe { super::tc::flower_cmd(type_data, false) }?;
            data.flower(cmd)?;
            Ok(0)
        })
    }
}

impl<T: CtOps> Drop for Registration<T> {
    fn drop(&mut self) {
        let (cb, priv_) = Self::cb_args(&self.data);
        // SAFETY: registered with these arguments (type invariant); the table is alive until
        // this returns. It waits for callbacks in progress, so `data` outlives them.
        unsafe { bindings::fponic_ct_ft_del_cb(self.ft.as_ptr(), cb, priv_) };
    }
}

/// A counted reference to a conntrack entry (`struct nf_conn`), with the state (`ctinfo`) a
/// packet of the direction it stands for gets: act_ct's metadata cookie.
///
/// # Invariants
///
/// `self.0` is `ct | ctinfo` of a conntrack entry `ct` this value holds a reference to.
pub(crate) struct CtRef(c_ulong);

// SAFETY: a reference count may be taken and dropped on any thread.
unsafe impl Send for CtRef {}
// SAFETY: `&CtRef` only reads the cookie or takes another reference.
unsafe impl Sync for CtRef {}

/// The `ctinfo` mask of a metadata cookie (`NFCT_INFOMASK`).
const INFOMASK: c_ulong = 7;

impl CtRef {
    /// Takes a reference to the entry of metadata `cookie`.
    ///
    /// # Safety
    ///
    /// `cookie` is `ct | ctinfo` of a live conntrack entry `ct`.
    pub(super) unsafe fn get(cookie: c_ulong) -> Self {
        // SAFETY: a live entry, by the function's safety requirement.
        unsafe { bindings::fponic_ct_get(cookie) };
        // INVARIANT: a reference was taken.
        Self(cookie)
    }

    /// act_ct's metadata cookie: the entry and the state.
    pub(super) fn cookie(&self) -> c_ulong {
        self.0
    }

    /// The packet state (`enum ip_conntrack_info`).
    pub(crate) fn ctinfo(&self) -> u8 {
        // CAST: masked to 3 bits.
        (self.0 & INFOMASK) as u8
    }

    /// Whether the entry is still in a flow table (`IPS_OFFLOAD`): `flow_offload_teardown`
    /// clears the bit at once, when software's flow table lookups stop finding the flow, before
    /// the flow table tells its callbacks.
    #[inline]
    pub(crate) fn offloaded(&self) -> bool {
        // SAFETY: the entry is alive: this value holds a reference (type invariant).
        unsafe { bindings::fponic_ct_offloaded(self.0) }
    }

    /// Gives up the reference, returning the cookie.
    pub(super) fn into_raw(self) -> c_ulong {
        let c = self.0;
        core::mem::forget(self);
        c
    }
}

impl Clone for CtRef {
    fn clone(&self) -> Self {
        // SAFETY: the entry is alive: this value holds a reference (type invariant).
        unsafe { Self::get(self.0) }
    }
}

impl Drop for CtRef {
    fn drop(&mut self) {
        // SAFETY: the reference this value holds (type invariant).
        unsafe { bindings::fponic_ct_put(self.0) };
    }
}
