// SPDX-License-Identifier: GPL-2.0

//! devlink instances and ports.
//!
//! A [`Registration<T>`] is a registered devlink instance whose private area holds the driver's
//! `T`; [`Port<P>`] is a registered devlink port carrying driver data `P`. Every instance callback
//! runs with the instance lock held, and so does every port registration: the [`Guard`] type is
//! the proof, and [`DevlLocked<U>`] is driver state protected by that lock.
//!
//! C header: [`include/net/devlink.h`](srctree/include/net/devlink.h)

use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem,
    ptr::{
        self,
        NonNull, //
    },
};

use kernel::{
    error::{
        from_result,
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    ffi::c_int,
    prelude::*,
    sync::Arc,
    types::{
        NotThreadSafe,
        Opaque, //
    },
};

use super::{
    faux,
    ffi::bindings,
    health::ReporterCell,
    netlink::ExtAck, //
};

/// Length of a switch id (`phys_switch_id`) as fponic uses it.
pub(crate) const SWITCH_ID_LEN: usize = 8;

/// The eswitch mode of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EswitchMode {
    /// SR-IOV legacy: the NIC switches by MAC address.
    Legacy,
    /// switchdev: a representor per port; the host programs the switch.
    Switchdev,
}

/// The state of a port function (`devlink port function set ... state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FnState {
    /// The function is enabled.
    Active,
    /// The function is disabled.
    Inactive,
}

/// The attributes of a `devlink port add` request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewPortAttrs {
    /// Requested flavour; `None` for a flavour fponic does not know.
    pub(crate) flavour: Option<NewFlavour>,
    /// PCI function number.
    pub(crate) pfnum: u16,
    /// Requested SF number, if given.
    pub(crate) sfnum: Option<u32>,
    /// Requested port index, if given.
    pub(crate) port_index: Option<u32>,
    /// Whether an external controller was requested.
    pub(crate) controller: Option<u32>,
}

/// Flavours `devlink port add` can request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewFlavour {
    /// A PCI subfunction.
    PciSf,
    /// Something else (PCI PF/VF, physical, ...).
    Other,
}

/// Proof that the devlink instance lock is held, split into the key to [`DevlLocked`] state and
/// the context for registering ports.
///
/// # Invariants
///
/// The instance lock of `ctx.dl` is held for the lifetime of the guard; it is released on drop
/// if `owned`.
pub(crate) struct Guard<'a> {
    key: StateKey,
    ctx: PortCtx,
    owned: bool,
    _p: PhantomData<&'a ()>,
}

/// Key to the [`DevlLocked`] state of one devlink instance, the one whose lock is held.
///
/// # Invariants
///
/// `priv_start..priv_end` is the private area of a devlink instance whose lock is held while
/// the key exists; one key exists per locked section (it lives in the section's [`Guard`]).
pub(crate) struct StateKey {
    priv_start: usize,
    priv_end: usize,
    _p: NotThreadSafe,
}

/// Context to register and unregister ports under the instance lock.
///
/// # Invariants
///
/// `dl` is a valid devlink instance whose lock is held while the context exists.
pub(crate) struct PortCtx {
    dl: NonNull<bindings::devlink>,
    _p: NotThreadSafe,
}

/// The type of a driver parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamType {
    /// `true`/`false`.
    Bool,
    /// 32-bit unsigned.
    U32,
}

/// The value of a driver parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamValue {
    /// A boolean.
    Bool(bool),
    /// A 32-bit unsigned value.
    U32(u32),
}

/// A driver parameter (`devlink dev param`).
pub(crate) struct ParamSpec {
    /// Driver id, counted from 0 (the binding offsets it past the generic ids).
    pub(crate) id: u32,
    /// Name.
    pub(crate) name: &'static CStr,
    /// Type.
    pub(crate) ty: ParamType,
    /// `None`: runtime configuration mode, served by [`Operations::param_get`] and
    /// [`Operations::param_set`]. `Some(initial)`: driverinit mode (applied by `devlink dev
    /// reload`, read with [`PortCtx::param_driverinit`]), checked by
    /// [`Operations::param_validate`].
    pub(crate) driverinit: Option<ParamValue>,
}

/// Registered driver parameters; the table must live until they are unregistered.
///
/// # Invariants
///
/// While `registered`, `table` is registered with the instance it was created for.
pub(crate) struct Params {
    table: KVec<bindings::devlink_param>,
    registered: bool,
}

// SAFETY: the table is plain data only devlink reads.
unsafe impl Send for Params {}
// SAFETY: as above.
unsafe impl Sync for Params {}

impl Params {
    /// Unregisters the parameters (under the instance lock).
    pub(crate) fn unregister(mut self, ctx: &PortCtx) {
        self.registered = false;
        // SAFETY: registered with this instance (type invariant); the lock is held.
        unsafe {
            bindings::devl_params_unregister(ctx.dl.as_ptr(), self.table.as_ptr(), self.table.len())
        };
    }
}

impl Drop for Params {
    fn drop(&mut self) {
        // Parameters must be unregistered before the table goes; `unregister` does it under the
        // instance lock. Leaking the table is the safe fallback if a caller forgot.
        if self.registered {
            core::mem::forget(core::mem::take(&mut self.table));
        }
    }
}

/// First driver-specific parameter id (driver ids must be above the generic ones).
const PARAM_ID_BASE: u32 = bindings::devlink_param_generic_id_DEVLINK_PARAM_GENERIC_ID_MAX + 1;

impl PortCtx {
    /// Registers driver parameters (runtime mode) served by [`Operations::param_get`] and
    /// [`Operations::param_set`] of the instance's driver type `T`.
    pub(crate) fn register_params<T: Operations>(&self, specs: &[ParamSpec]) -> Result<Params> {
        let mut table = KVec::with_capacity(specs.len(), GFP_KERNEL)?;
        for p in specs {
            let runtime = p.driverinit.is_none();
            table.push(
                bindings::devlink_param {
                    id: PARAM_ID_BASE + p.id,
                    name: p.name.as_char_ptr(),
                    generic: false,
                    type_: match p.ty {
                        ParamType::Bool => bindings::devlink_param_type_DEVLINK_PARAM_TYPE_BOOL,
                        ParamType::U32 => bindings::devlink_param_type_DEVLINK_PARAM_TYPE_U32,
                    },
                    supported_cmodes: 1
                        << if runtime {
                            bindings::devlink_param_cmode_DEVLINK_PARAM_CMODE_RUNTIME
                        } else {
                            bindings::devlink_param_cmode_DEVLINK_PARAM_CMODE_DRIVERINIT
                        },
                    // The core keeps driverinit values itself (and refuses get/set for them).
                    get: if runtime {
                        Some(Adapter::<T>::param_get_callback)
                    } else {
                        None
                    },
                    set: if runtime {
                        Some(Adapter::<T>::param_set_callback)
                    } else {
                        None
                    },
                    // Validation is offered for `u32` driverinit parameters.
                    validate: if !runtime && p.ty == ParamType::U32 && T::HAS_PARAM_VALIDATE {
                        Some(Adapter::<T>::param_validate_callback)
                    } else {
                        None
                    },
                    // SAFETY: all-zero is valid for the remaining members (`Option`s).
                    ..unsafe { mem::zeroed() }
                },
                GFP_KERNEL,
            )?;
        }
        // SAFETY: the lock is held; the table lives in the returned value until unregistered.
        to_result(unsafe {
            bindings::devl_params_register(self.dl.as_ptr(), table.as_ptr(), table.len())
        })?;
        for p in specs {
            if let Some(v) = p.driverinit {
                let mut c = param_value(v);
                // SAFETY: registered above (driverinit mode, the type matches `v`); locked; the
                // core copies the value.
                unsafe {
                    bindings::devl_param_driverinit_value_set(
                        self.dl.as_ptr(),
                        PARAM_ID_BASE + p.id,
                        &mut c,
                    )
                };
            }
        }
        // INVARIANT: registered above.
        Ok(Params {
            table,
            registered: true,
        })
    }

    /// Registers resource `ID` (`devlink resource show`) of `size` entries, whose occupancy
    /// [`Operations::resource_occupancy`] of the instance's driver type `T` reports.
    ///
    /// The instance must have been created by [`Registration::<T>::new`].
    pub(crate) fn register_resource<T: Operations, const ID: u64>(
        &self,
        name: &'static CStr,
        size: u64,
    ) -> Result {
        let params = bindings::devlink_resource_size_params {
            size_min: size,
            size_max: size,
            size_granularity: 1,
            unit: bindings::devlink_resource_unit_DEVLINK_RESOURCE_UNIT_ENTRY,
        };
        // SAFETY: the instance lock is held (`self`); `name` is static; the instance's private
        // area holds a `T` (caller's guarantee), which the occupancy callback reads.
        unsafe {
            to_result(bindings::devl_resource_register(
                self.dl.as_ptr(),
                name.as_char_ptr(),
                size,
                ID,
                u64::from(bindings::DEVLINK_RESOURCE_ID_PARENT_TOP),
                &params,
            ))?;
            if T::HAS_RESOURCE_OCCUPANCY {
                bindings::devl_resource_occ_get_register(
                    self.dl.as_ptr(),
                    ID,
                    Some(Adapter::<T>::occ_callback::<ID>),
                    bindings::devlink_priv(self.dl.as_ptr()),
                );
            }
        }
        Ok(())
    }

    /// The value driverinit parameter `id` has for this (re)initialization.
    pub(crate) fn param_driverinit(&self, id: u32, ty: ParamType) -> Result<ParamValue> {
        // SAFETY: all-zero is a valid union value.
        let mut v: bindings::devlink_param_value = unsafe { mem::zeroed() };
        // SAFETY: the lock is held; `v` is a valid output.
        to_result(unsafe {
            bindings::devl_param_driverinit_value_get(self.dl.as_ptr(), PARAM_ID_BASE + id, &mut v)
        })?;
        // SAFETY: the core wrote the member of the registered type.
        Ok(unsafe {
            match ty {
                ParamType::Bool => ParamValue::Bool(v.vbool),
                ParamType::U32 => ParamValue::U32(v.vu32),
            }
        })
    }

    /// Unregisters every resource of the instance.
    pub(crate) fn unregister_resources(&self) {
        // SAFETY: the instance lock is held.
        unsafe { bindings::devl_resources_unregister(self.dl.as_ptr()) };
    }
}

impl Guard<'_> {
    /// # Safety
    ///
    /// `dl` was allocated by [`Registration::<T>::new`] (its private area holds a `T`) and its
    /// instance lock is held for the lifetime of the guard.
    unsafe fn assume_locked<T>(dl: *mut bindings::devlink) -> Self {
        // SAFETY: a locked instance is a valid, non-null one.
        let dl = unsafe { NonNull::new_unchecked(dl) };
        // SAFETY: valid instance; its private area holds a `T`.
        let priv_start = unsafe { bindings::devlink_priv(dl.as_ptr()) } as usize;
        // INVARIANT: the private area of `dl`, whose lock the caller holds; one key per guard.
        Self {
            key: StateKey {
                priv_start,
                priv_end: priv_start + mem::size_of::<T>(),
                _p: NotThreadSafe,
            },
            ctx: PortCtx {
                dl,
                _p: NotThreadSafe,
            },
            owned: false,
            _p: PhantomData,
        }
    }

    /// The state key and the port context, usable together.
    pub(crate) fn parts(&mut self) -> (&mut StateKey, &PortCtx) {
        (&mut self.key, &self.ctx)
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: taken by `Registration::lock` (type invariant).
            unsafe { bindings::devl_unlock(self.ctx.dl.as_ptr()) };
        }
    }
}

/// Driver state protected by the lock of the devlink instance whose private area holds it (as
/// [`kernel::sync::LockedBy`] ties data to one lock): it is reached only with the [`StateKey`] of
/// that instance, checked at run time.
pub(crate) struct DevlLocked<U>(UnsafeCell<U>);

// SAFETY: access is serialized by the instance lock.
unsafe impl<U: Send> Send for DevlLocked<U> {}
// SAFETY: access is serialized by the instance lock; `&DevlLocked` gives nothing without it.
unsafe impl<U: Send> Sync for DevlLocked<U> {}

impl<U> DevlLocked<U> {
    /// Creates the protected state.
    pub(crate) fn new(value: U) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// Accesses the state with the key of the instance whose private area holds it.
    ///
    /// # Panics
    ///
    /// Panics if `key` is another instance's (the state is not inside the private area of the
    /// instance whose lock `key` proves), as `LockedBy::access` does for a mismatched owner.
    pub(crate) fn get_mut<'b>(&'b self, key: &'b mut StateKey) -> &'b mut U {
        let at = core::ptr::from_ref(self) as usize;
        if at < key.priv_start || at + mem::size_of::<Self>() > key.priv_end {
            panic!("devlink-locked state accessed under another instance's lock");
        }
        // SAFETY: `self` lies in the private area of the instance whose lock `key` proves held
        // (checked above, and by the key's invariant), so that lock protects it; the mutable
        // borrow of the key rules out a second access in this locked section.
        unsafe { &mut *self.0.get() }
    }
}

/// Driver callbacks of a devlink instance; `Self` lives in the instance's private area.
#[vtable]
pub(crate) trait Operations: Sized + Send + Sync {
    /// Driver data of the ports of this instance.
    type Port: PortOperations<Dev = Self>;

    /// `devlink dev eswitch show`.
    fn eswitch_mode_get(_this: &Self, _g: &mut Guard<'_>) -> Result<EswitchMode> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink dev eswitch set ... mode`.
    fn eswitch_mode_set(
        _this: &Self,
        _g: &mut Guard<'_>,
        _mode: EswitchMode,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Reads driver parameter `id` (see [`PortCtx::register_params`]).
    fn param_get(_this: &Self, _id: u32) -> Result<ParamValue> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Sets driver parameter `id` (runtime configuration mode).
    fn param_set(_this: &Self, _id: u32, _value: ParamValue, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Checks a new value of `u32` driverinit parameter `id` (`devlink dev param set ... cmode
    /// driverinit`).
    fn param_validate(_this: &Self, _id: u32, _value: ParamValue, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink dev reload` (action `driver_reinit`), first half: take every port down (the core
    /// checks that none is left). Driverinit parameter values are applied in between.
    /// `netns_change`: the instance is to move to another network namespace (`netns ...`).
    fn reload_down(
        _this: &Self,
        _g: &mut Guard<'_>,
        _netns_change: bool,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Second half of `devlink dev reload`: build the device again with the driverinit values.
    fn reload_up(_this: &Self, _g: &mut Guard<'_>, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Occupancy of the instance's resource `id` (see [`PortCtx::register_resource`]).
    fn resource_occupancy(_this: &Self, _id: u64) -> u64 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink port add`: create a port and return it (the driver keeps it).
    fn port_new<'a>(
        _this: &'a Self,
        _g: &'a mut Guard<'_>,
        _attrs: &NewPortAttrs,
        _ext: &mut ExtAck<'_>,
    ) -> Result<&'a Port<Self::Port>> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Driver callbacks of a devlink port with data `Self`.
#[vtable]
pub(crate) trait PortOperations: Sized + Send + Sync {
    /// The instance's driver type.
    type Dev: Operations<Port = Self>;

    /// `devlink port del`: the driver unregisters and frees the port.
    fn port_del(
        _dev: &Self::Dev,
        _g: &mut Guard<'_>,
        _port: &Self,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink port function show`: the function's MAC address.
    fn fn_hw_addr_get(
        _dev: &Self::Dev,
        _g: &mut Guard<'_>,
        _port: &Self,
        _ext: &mut ExtAck<'_>,
    ) -> Result<[u8; 6]> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink port function set ... hw_addr`, with the address as given (any length).
    fn fn_hw_addr_set(
        _dev: &Self::Dev,
        _g: &mut Guard<'_>,
        _port: &Self,
        _hw_addr: &[u8],
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink port function show`: state, and whether a driver is attached.
    fn fn_state_get(
        _dev: &Self::Dev,
        _g: &mut Guard<'_>,
        _port: &Self,
        _ext: &mut ExtAck<'_>,
    ) -> Result<(FnState, bool)> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `devlink port function set ... state`.
    fn fn_state_set(
        _dev: &Self::Dev,
        _g: &mut Guard<'_>,
        _port: &Self,
        _state: FnState,
        _ext: &mut ExtAck<'_>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A parameter value as the C API carries it.
fn param_value(v: ParamValue) -> bindings::devlink_param_value {
    // SAFETY: all-zero is a valid union value.
    let mut c: bindings::devlink_param_value = unsafe { mem::zeroed() };
    match v {
        ParamValue::Bool(b) => c.vbool = b,
        ParamValue::U32(u) => c.vu32 = u,
    }
    c
}

struct Adapter<T: Operations>(PhantomData<T>);

impl<T: Operations> Adapter<T> {
    /// # Safety
    ///
    /// `dl` is an instance created by [`Registration::<T>::new`]; the core holds its lock.
    unsafe fn this<'a>(dl: *mut bindings::devlink) -> (&'a T, Guard<'a>) {
        // SAFETY: by the function's safety requirements.
        unsafe {
            (
                &*bindings::devlink_priv(dl).cast::<T>(),
                Guard::assume_locked::<T>(dl),
            )
        }
    }

    /// # Safety
    ///
    /// Called by the devlink core for an instance created by [`Registration::<T>::new`], with
    /// the instance lock held, and valid pointer arguments.
    unsafe extern "C" fn eswitch_mode_get_callback(
        dl: *mut bindings::devlink,
        mode: *mut u16,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for our instance, with its lock held.
            let (this, mut g) = unsafe { Self::this(dl) };
            let m = match T::eswitch_mode_get(this, &mut g)? {
                EswitchMode::Legacy => bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_LEGACY,
                EswitchMode::Switchdev => {
                    bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV
                }
            };
            // CAST: small enum constants. SAFETY: `mode` is a valid output.
            unsafe { *mode = m as u16 };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for an instance created by [`Registration::<T>::new`], with
    /// the instance lock held, and valid pointer arguments.
    unsafe extern "C" fn eswitch_mode_set_callback(
        dl: *mut bindings::devlink,
        mode: u16,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for our instance, with its lock held.
            let (this, mut g) = unsafe { Self::this(dl) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            let mode = match u32::from(mode) {
                bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_LEGACY => EswitchMode::Legacy,
                bindings::devlink_eswitch_mode_DEVLINK_ESWITCH_MODE_SWITCHDEV => {
                    EswitchMode::Switchdev
                }
                // Netlink's policy admits no other value.
                _ => return Err(EOPNOTSUPP),
            };
            T::eswitch_mode_set(this, &mut g, mode, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for an instance created by [`Registration::<T>::new`], with
    /// the instance lock held, and valid pointer arguments.
    unsafe extern "C" fn port_new_callback(
        dl: *mut bindings::devlink,
        attrs: *const bindings::devlink_port_new_attrs,
        extack: *mut bindings::netlink_ext_ack,
        out: *mut *mut bindings::devlink_port,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for our instance, with its lock held; `attrs` is valid.
            let ((this, mut g), a) = unsafe { (Self::this(dl), &*attrs) };
            let attrs = NewPortAttrs {
                flavour: Some(
                    if a.flavour == bindings::devlink_port_flavour_DEVLINK_PORT_FLAVOUR_PCI_SF {
                        NewFlavour::PciSf
                    } else {
                        NewFlavour::Other
                    },
                ),
                pfnum: a.pfnum,
                sfnum: (a.sfnum_valid() != 0).then_some(a.sfnum),
                port_index: (a.port_index_valid() != 0).then_some(a.port_index),
                controller: (a.controller_valid() != 0).then_some(a.controller),
            };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            let port = T::port_new(this, &mut g, &attrs, &mut ext)?;
            // SAFETY: `out` is a valid output; the port is registered and owned by the driver.
            unsafe { *out = port.as_raw() };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core, under the instance lock, for a parameter registered by
    /// [`PortCtx::register_params`] on an instance created by [`Registration::<T>::new`].
    unsafe extern "C" fn param_get_callback(
        dl: *mut bindings::devlink,
        id: u32,
        ctx: *mut bindings::devlink_param_gset_ctx,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, _g) = unsafe { Self::this(dl) };
            let v = T::param_get(this, id - PARAM_ID_BASE)?;
            // SAFETY: `ctx` is valid; the member written matches the registered type.
            unsafe {
                match v {
                    ParamValue::Bool(b) => (*ctx).val.vbool = b,
                    ParamValue::U32(u) => (*ctx).val.vu32 = u,
                }
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As for `param_get_callback`.
    unsafe extern "C" fn param_set_callback(
        dl: *mut bindings::devlink,
        id: u32,
        ctx: *mut bindings::devlink_param_gset_ctx,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, _g) = unsafe { Self::this(dl) };
            let id = id - PARAM_ID_BASE;
            // The type is known from the current value, which `param_get` reports.
            let v = match T::param_get(this, id)? {
                // SAFETY: the core filled the member matching the registered type.
                ParamValue::Bool(_) => ParamValue::Bool(unsafe { (*ctx).val.vbool }),
                // SAFETY: as above.
                ParamValue::U32(_) => ParamValue::U32(unsafe { (*ctx).val.vu32 }),
            };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            T::param_set(this, id, v, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core, under the instance lock, for a driverinit parameter
    /// registered by [`PortCtx::register_params`] on an instance created by
    /// [`Registration::<T>::new`], with a value of the registered type.
    unsafe extern "C" fn param_validate_callback(
        dl: *mut bindings::devlink,
        id: u32,
        val: *mut bindings::devlink_param_value,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, _g) = unsafe { Self::this(dl) };
            let id = id - PARAM_ID_BASE;
            // SAFETY: only `u32` driverinit parameters get this callback (`register_params`),
            // and the core parsed the value as the registered type; `val` is valid.
            let v = ParamValue::U32(unsafe { (*val).vu32 });
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            T::param_validate(this, id, v, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core, under the instance lock (and the device lock), for an
    /// instance created by [`Registration::<T>::new`].
    unsafe extern "C" fn reload_down_callback(
        dl: *mut bindings::devlink,
        netns_change: bool,
        action: bindings::devlink_reload_action,
        _limit: bindings::devlink_reload_limit,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, mut g) = unsafe { Self::this(dl) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            // The core passes only the actions the instance declares (`reload_actions`).
            if action != bindings::devlink_reload_action_DEVLINK_RELOAD_ACTION_DRIVER_REINIT {
                return Err(EOPNOTSUPP);
            }
            T::reload_down(this, &mut g, netns_change, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As for `reload_down_callback`; `actions_performed` is a valid output.
    unsafe extern "C" fn reload_up_callback(
        dl: *mut bindings::devlink,
        _action: bindings::devlink_reload_action,
        _limit: bindings::devlink_reload_limit,
        actions_performed: *mut u32,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (this, mut g) = unsafe { Self::this(dl) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            T::reload_up(this, &mut g, &mut ext)?;
            // SAFETY: valid output (function's safety requirements).
            unsafe {
                *actions_performed =
                    1 << bindings::devlink_reload_action_DEVLINK_RELOAD_ACTION_DRIVER_REINIT
            };
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `p` is the private area of an instance created by [`Registration::<T>::new`].
    unsafe extern "C" fn occ_callback<const ID: u64>(p: *mut kernel::ffi::c_void) -> u64 {
        // SAFETY: by the function's safety requirement.
        T::resource_occupancy(unsafe { &*p.cast::<T>() }, ID)
    }

    const OPS: bindings::devlink_ops = bindings::devlink_ops {
        eswitch_mode_get: if T::HAS_ESWITCH_MODE_GET {
            Some(Self::eswitch_mode_get_callback)
        } else {
            None
        },
        eswitch_mode_set: if T::HAS_ESWITCH_MODE_SET {
            Some(Self::eswitch_mode_set_callback)
        } else {
            None
        },
        port_new: if T::HAS_PORT_NEW {
            Some(Self::port_new_callback)
        } else {
            None
        },
        // CAST: a small bit mask.
        reload_actions: if T::HAS_RELOAD_DOWN {
            1 << bindings::devlink_reload_action_DEVLINK_RELOAD_ACTION_DRIVER_REINIT as usize
        } else {
            0
        },
        reload_down: if T::HAS_RELOAD_DOWN {
            Some(Self::reload_down_callback)
        } else {
            None
        },
        reload_up: if T::HAS_RELOAD_UP {
            Some(Self::reload_up_callback)
        } else {
            None
        },
        // SAFETY: all-zero is valid for the remaining members: `Option`s of function pointers,
        // integers and `bool`s.
        ..unsafe { mem::zeroed() }
    };
}

/// A devlink instance whose private area holds a `T`, registered once the driver has set it up
/// ([`Registration::register`]: ports, parameters, resources and health reporters are created
/// first, as the devlink core advises, so user space never sees a half-built instance).
///
/// # Invariants
///
/// `self.dl` points to a devlink instance allocated with room for a `T` in its private area, where
/// a `T` has been initialized; the instance is registered iff `self.registered`, and stays valid
/// until `self` is dropped. The device it was allocated for outlives it (the owner drops the
/// devlink instance first).
pub(crate) struct Registration<T: Operations> {
    dl: NonNull<bindings::devlink>,
    registered: bool,
    /// Health reporters created on the instance, destroyed before it goes.
    reporters: KVec<Arc<ReporterCell>>,
    _p: PhantomData<T>,
}

// SAFETY: devlink instances may be used and freed from any thread; `T` is `Send + Sync`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: `&Registration` only hands out `&T` (which is `Sync`) and uses thread-safe C APIs.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Allocates a devlink instance for `dev` and initializes `data` in its private area. The
    /// instance is registered by [`Registration::register`].
    pub(crate) fn new(dev: &faux::Registration, data: impl PinInit<T, Error>) -> Result<Self> {
        // The private area is aligned to NETDEV_ALIGN (32).
        const { assert!(mem::align_of::<T>() <= 32) };
        let ops: &'static bindings::devlink_ops = &Adapter::<T>::OPS;
        // SAFETY: `ops` is static, `dev` is a live device (it outlives the instance, see the type
        // invariant).
        let dl = unsafe { bindings::devlink_alloc(ops, mem::size_of::<T>(), dev.as_raw_device()) };
        let dl = NonNull::new(dl).ok_or(ENOMEM)?;
        // SAFETY: `dl` is a fresh instance with a private area of `size_of::<T>()` bytes.
        let slot = unsafe { bindings::devlink_priv(dl.as_ptr()) }.cast::<T>();
        // SAFETY: `slot` is valid for writes of a `T` and pinned: the private area never moves.
        if let Err(e) = unsafe { pin_init::raw_try_init(slot, data) } {
            // SAFETY: the instance was never registered; nothing else references it.
            unsafe { bindings::devlink_free(dl.as_ptr()) };
            return Err(e);
        }
        // INVARIANT: allocated and initialized above, not registered.
        Ok(Self {
            dl,
            registered: false,
            reporters: KVec::new(),
            _p: PhantomData,
        })
    }

    /// Registers the instance: `devlink dev show` lists it, with what the driver set up so far,
    /// from here on. Call once the instance is complete; a second call does nothing.
    pub(crate) fn register(&mut self) {
        if self.registered {
            return;
        }
        // SAFETY: allocated and initialized (type invariant), not registered yet.
        unsafe { bindings::devlink_register(self.dl.as_ptr()) };
        // INVARIANT: registered just above.
        self.registered = true;
    }

    /// Unregisters the instance, if registered: user space no longer reaches it, and in-flight
    /// callbacks have finished on return. The owner calls this before taking down what the
    /// instance shows (ports, parameters), the reverse of [`Registration::register`].
    pub(crate) fn unregister(&mut self) {
        if !self.registered {
            return;
        }
        // SAFETY: registered (type invariant); unregistering waits for in-flight callbacks.
        unsafe { bindings::devlink_unregister(self.dl.as_ptr()) };
        // INVARIANT: unregistered just above.
        self.registered = false;
    }

    /// The instance.
    pub(super) fn as_raw(&self) -> *mut bindings::devlink {
        self.dl.as_ptr()
    }

    /// Keeps `cell`, whose reporter is destroyed when the instance goes.
    pub(super) fn keep_reporter(&mut self, cell: Arc<ReporterCell>) -> Result {
        self.reporters.push(cell, GFP_KERNEL)?;
        Ok(())
    }

    /// Forgets the last kept reporter cell (its reporter could not be created).
    pub(super) fn forget_last_reporter(&mut self) {
        self.reporters.pop();
    }

    /// The driver data.
    pub(crate) fn data(&self) -> &T {
        // SAFETY: the private area holds an initialized `T` by the type invariant.
        unsafe { &*bindings::devlink_priv(self.dl.as_ptr()).cast::<T>() }
    }

    /// Takes the instance lock. Sleeps. Not to be called from devlink callbacks (which get a
    /// [`Guard`] already).
    pub(crate) fn lock(&self) -> Guard<'_> {
        // SAFETY: valid instance (registered or not: its lock exists from allocation on).
        unsafe { bindings::devl_lock(self.dl.as_ptr()) };
        // SAFETY: locked just above; the guard is marked as owning the lock.
        let mut g = unsafe { Guard::assume_locked::<T>(self.dl.as_ptr()) };
        g.owned = true;
        g
    }
}

impl<T: Operations> Drop for Registration<T> {
    fn drop(&mut self) {
        let dl = self.dl.as_ptr();
        // Reporters first: their callbacks use driver data that goes with the instance.
        for r in self.reporters.iter() {
            r.destroy();
        }
        self.unregister();
        // SAFETY: not registered (any more): no callback runs, nothing uses the private area,
        // which can be dropped, and the instance freed.
        unsafe {
            ptr::drop_in_place(bindings::devlink_priv(dl).cast::<T>());
            bindings::devlink_free(dl);
        }
    }
}

/// What a devlink port represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// A physical port (uplink) with the given port number: named `p<N>`.
    Physical(u32),
    /// Virtual function `vf` of PF 0: named `pf0vf<N>`.
    PciVf(u16),
    /// Subfunction `sf` of PF 0: named `pf0sf<N>`.
    PciSf(u32),
}

#[repr(C)]
struct PortInner<P> {
    port: Opaque<bindings::devlink_port>,
    data: P,
}

/// A registered devlink port with driver data `P`.
///
/// # Invariants
///
/// `self.inner.port` is registered with the devlink instance it was created for (whose driver
/// type is `P::Dev`), which outlives it, until [`Port::unregister`] or drop.
pub(crate) struct Port<P: PortOperations> {
    inner: Pin<KBox<PortInner<P>>>,
    registered: bool,
}

// SAFETY: devlink ports may be unregistered from any thread; `P: Send + Sync`.
unsafe impl<P: PortOperations> Send for Port<P> {}
// SAFETY: `&Port` gives `&P` and the raw pointer only.
unsafe impl<P: PortOperations> Sync for Port<P> {}

impl<P: PortOperations> Port<P> {
    /// Registers port `index` with the given flavour and switch id, under the instance lock.
    pub(crate) fn new(
        ctx: &PortCtx,
        index: u32,
        flavour: Flavour,
        switch_id: &[u8; SWITCH_ID_LEN],
        data: P,
    ) -> Result<Self> {
        let inner = KBox::pin(
            PortInner {
                port: Opaque::zeroed(),
                data,
            },
            GFP_KERNEL,
        )?;
        let mut attrs = bindings::devlink_port_attrs::default();
        match flavour {
            Flavour::Physical(n) => {
                attrs.flavour = bindings::devlink_port_flavour_DEVLINK_PORT_FLAVOUR_PHYSICAL;
                attrs.__bindgen_anon_1.phys = bindings::devlink_port_phys_attrs {
                    port_number: n,
                    split_subport_number: 0,
                };
            }
            Flavour::PciVf(vf) => {
                attrs.flavour = bindings::devlink_port_flavour_DEVLINK_PORT_FLAVOUR_PCI_VF;
                attrs.__bindgen_anon_1.pci_vf = bindings::devlink_port_pci_vf_attrs {
                    vf,
                    ..Default::default()
                };
            }
            Flavour::PciSf(sf) => {
                attrs.flavour = bindings::devlink_port_flavour_DEVLINK_PORT_FLAVOUR_PCI_SF;
                attrs.__bindgen_anon_1.pci_sf = bindings::devlink_port_pci_sf_attrs {
                    sf,
                    ..Default::default()
                };
            }
        }
        attrs.switch_id.id[..SWITCH_ID_LEN].copy_from_slice(switch_id);
        // CAST: SWITCH_ID_LEN is 8.
        attrs.switch_id.id_len = SWITCH_ID_LEN as u8;
        let ops: &'static bindings::devlink_port_ops = &PortAdapter::<P>::OPS;
        // SAFETY: the port is zeroed and pinned in its box; `attrs` is a valid attribute set;
        // the instance lock is held (`ctx`).
        to_result(unsafe {
            bindings::devlink_port_attrs_set(inner.port.get(), &raw mut attrs);
            bindings::devl_port_register_with_ops(ctx.dl.as_ptr(), inner.port.get(), index, ops)
        })?;
        // INVARIANT: registered above.
        Ok(Self {
            inner,
            registered: true,
        })
    }

    /// The raw port.
    fn as_raw(&self) -> *mut bindings::devlink_port {
        self.inner.port.get()
    }

    /// A reference for linking a netdev to this port ([`super::netdev::Config`]).
    pub(crate) fn netdev_link(&self) -> PortRef<'_> {
        PortRef(self.as_raw(), PhantomData)
    }

    /// Unregisters the port under the instance lock. Netdevs linked to it must be unregistered
    /// first.
    pub(crate) fn unregister(mut self, _ctx: &PortCtx) {
        self.registered = false;
        // SAFETY: registered (type invariant); the instance lock is held.
        unsafe { bindings::devl_port_unregister(self.as_raw()) };
    }
}

impl<P: PortOperations> Drop for Port<P> {
    fn drop(&mut self) {
        if self.registered {
            // Dropped without `unregister`: the instance lock is not held by this thread (holding
            // it here is a bug and deadlocks), so `devlink_port_unregister` takes it.
            // SAFETY: registered (type invariant).
            unsafe { bindings::devlink_port_unregister(self.as_raw()) };
        }
    }
}

/// A registered devlink port a netdev can be linked to; the port outlives the reference.
///
/// # Invariants
///
/// `self.0` points to a registered `struct devlink_port` that stays registered for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct PortRef<'a>(*mut bindings::devlink_port, PhantomData<&'a ()>);

impl PortRef<'_> {
    /// The raw port.
    pub(super) fn as_raw(&self) -> *mut bindings::devlink_port {
        self.0
    }
}

struct PortAdapter<P: PortOperations>(PhantomData<P>);

impl<P: PortOperations> PortAdapter<P> {
    /// # Safety
    ///
    /// `port` is a port registered by [`Port::<P>::new`]; the core holds the instance lock.
    unsafe fn this<'a>(port: *mut bindings::devlink_port) -> (&'a P::Dev, Guard<'a>, &'a P) {
        // SAFETY: `port` is the first field of a `#[repr(C)] PortInner<P>`; its `devlink` field
        // points to the registered instance of driver type `P::Dev`.
        unsafe {
            let inner = &*port.cast::<PortInner<P>>();
            let dl = (*port).devlink;
            (
                &*bindings::devlink_priv(dl).cast::<P::Dev>(),
                Guard::assume_locked::<P::Dev>(dl),
                &inner.data,
            )
        }
    }

    /// # Safety
    ///
    /// Called by the devlink core for a port created by [`Port::<P>::new`], with the instance
    /// lock held, and valid pointer arguments.
    unsafe extern "C" fn port_del_callback(
        _dl: *mut bindings::devlink,
        port: *mut bindings::devlink_port,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for one of our ports, with the instance lock held.
            let (dev, mut g, data) = unsafe { Self::this(port) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            P::port_del(dev, &mut g, data, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for a port created by [`Port::<P>::new`], with the instance
    /// lock held, and valid pointer arguments.
    unsafe extern "C" fn fn_hw_addr_get_callback(
        port: *mut bindings::devlink_port,
        hw_addr: *mut u8,
        len: *mut c_int,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for one of our ports, with the instance lock held.
            let (dev, mut g, data) = unsafe { Self::this(port) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            let mac = P::fn_hw_addr_get(dev, &mut g, data, &mut ext)?;
            // SAFETY: the core passes a buffer of MAX_ADDR_LEN (32) bytes.
            unsafe {
                ptr::copy_nonoverlapping(mac.as_ptr(), hw_addr, 6);
                *len = 6;
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for a port created by [`Port::<P>::new`], with the instance
    /// lock held, and valid pointer arguments.
    unsafe extern "C" fn fn_hw_addr_set_callback(
        port: *mut bindings::devlink_port,
        hw_addr: *const u8,
        len: c_int,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for one of our ports, with the instance lock held.
            let (dev, mut g, data) = unsafe { Self::this(port) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            let len = usize::try_from(len).map_err(|_| EINVAL)?;
            // SAFETY: the core passes `len` readable bytes at `hw_addr` (the netlink attribute),
            // valid for the duration of the callback.
            let hw_addr = unsafe { core::slice::from_raw_parts(hw_addr, len) };
            P::fn_hw_addr_set(dev, &mut g, data, hw_addr, &mut ext)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for a port created by [`Port::<P>::new`], with the instance
    /// lock held, and valid pointer arguments.
    unsafe extern "C" fn fn_state_get_callback(
        port: *mut bindings::devlink_port,
        state: *mut bindings::devlink_port_fn_state,
        opstate: *mut bindings::devlink_port_fn_opstate,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for one of our ports, with the instance lock held.
            let (dev, mut g, data) = unsafe { Self::this(port) };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            let (s, attached) = P::fn_state_get(dev, &mut g, data, &mut ext)?;
            // SAFETY: valid outputs.
            unsafe {
                *state = match s {
                    FnState::Active => bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_ACTIVE,
                    FnState::Inactive => {
                        bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_INACTIVE
                    }
                };
                *opstate = if attached {
                    bindings::devlink_port_fn_opstate_DEVLINK_PORT_FN_OPSTATE_ATTACHED
                } else {
                    bindings::devlink_port_fn_opstate_DEVLINK_PORT_FN_OPSTATE_DETACHED
                };
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the devlink core for a port created by [`Port::<P>::new`], with the instance
    /// lock held, and valid pointer arguments.
    unsafe extern "C" fn fn_state_set_callback(
        port: *mut bindings::devlink_port,
        state: bindings::devlink_port_fn_state,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called by the core for one of our ports, with the instance lock held.
            let (dev, mut g, data) = unsafe { Self::this(port) };
            let s = if state == bindings::devlink_port_fn_state_DEVLINK_PORT_FN_STATE_ACTIVE {
                FnState::Active
            } else {
                FnState::Inactive
            };
            // SAFETY: the core passes a null or valid extack for the request being processed.
            let mut ext = unsafe { ExtAck::from_raw(extack) };
            P::fn_state_set(dev, &mut g, data, s, &mut ext)?;
            Ok(0)
        })
    }

    const OPS: bindings::devlink_port_ops = bindings::devlink_port_ops {
        port_del: if P::HAS_PORT_DEL {
            Some(Self::port_del_callback)
        } else {
            None
        },
        port_fn_hw_addr_get: if P::HAS_FN_HW_ADDR_GET {
            Some(Self::fn_hw_addr_get_callback)
        } else {
            None
        },
        port_fn_hw_addr_set: if P::HAS_FN_HW_ADDR_SET {
            Some(Self::fn_hw_addr_set_callback)
        } else {
            None
        },
        port_fn_state_get: if P::HAS_FN_STATE_GET {
            Some(Self::fn_state_get_callback)
        } else {
            None
        },
        port_fn_state_set: if P::HAS_FN_STATE_SET {
            Some(Self::fn_state_set_callback)
        } else {
            None
        },
        // SAFETY: all-zero is valid for the remaining members: `Option`s of function pointers.
        ..unsafe { mem::zeroed() }
    };
}
