// SPDX-License-Identifier: GPL-2.0

//! devlink instances and ports.
//!
//! C header: [`include/net/devlink.h`](srctree/include/net/devlink.h)

use core::{
    marker::PhantomData,
    mem,
    ptr::{
        self,
        NonNull, //
    },
};

use kernel::{
    error::to_result,
    prelude::*,
    types::Opaque, //
};

use super::{
    faux,
    ffi::bindings, //
};

/// Length of a switch id (`phys_switch_id`) as fponic uses it.
pub(crate) const SWITCH_ID_LEN: usize = 8;

/// Driver callbacks of a devlink instance; `T` lives in the instance's private area.
#[vtable]
pub(crate) trait Operations: Sized + Send + Sync {}

struct Adapter<T: Operations>(PhantomData<T>);

impl<T: Operations> Adapter<T> {
    const OPS: bindings::devlink_ops = bindings::devlink_ops {
        // SAFETY: all-zero is a valid `devlink_ops`: every member is an `Option` of a function
        // pointer, a plain integer or a `bool`.
        ..unsafe { mem::zeroed() }
    };
}

/// A registered devlink instance whose private area holds a `T`.
///
/// # Invariants
///
/// `self.dl` points to a devlink instance allocated with room for a `T` in its private area, where
/// a `T` has been initialized; the instance is registered and stays valid until `self` is dropped.
/// The device it was allocated for outlives it (the owner drops the devlink instance first).
pub(crate) struct Registration<T: Operations> {
    dl: NonNull<bindings::devlink>,
    _p: PhantomData<T>,
}

// SAFETY: devlink instances may be used and freed from any thread; `T` is `Send + Sync`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: `&Registration` only hands out `&T` (which is `Sync`) and uses thread-safe C APIs.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Allocates a devlink instance for `dev`, initializes `data` in its private area and
    /// registers it (`devlink dev show` lists it from here on).
    pub(crate) fn new(dev: &faux::Registration, data: impl PinInit<T, Error>) -> Result<Self> {
        // `Adapter::<T>::OPS` is a constant: take a `'static` reference to it.
        let ops: &'static bindings::devlink_ops = &Adapter::<T>::OPS;
        // SAFETY: `ops` is static, `dev` is a live device (it outlives the instance, see the type
        // invariant).
        let dl = unsafe { bindings::devlink_alloc(ops, mem::size_of::<T>(), dev.as_raw_device()) };
        let dl = NonNull::new(dl).ok_or(ENOMEM)?;
        // SAFETY: `dl` is a fresh instance with a private area of `size_of::<T>()` bytes, aligned
        // to `NETDEV_ALIGN` which is at least the alignment of any driver type used here.
        let slot = unsafe { bindings::devlink_priv(dl.as_ptr()) }.cast::<T>();
        // SAFETY: `slot` is valid for writes of a `T` and pinned: the private area never moves.
        if let Err(e) = unsafe { pin_init::raw_try_init(slot, data) } {
            // SAFETY: the instance was never registered; nothing else references it.
            unsafe { bindings::devlink_free(dl.as_ptr()) };
            return Err(e);
        }
        // SAFETY: the instance is fully set up.
        unsafe { bindings::devlink_register(dl.as_ptr()) };
        // INVARIANT: allocated, initialized and registered above.
        Ok(Self { dl, _p: PhantomData })
    }

    /// The driver data.
    pub(crate) fn data(&self) -> &T {
        // SAFETY: the private area holds an initialized `T` by the type invariant.
        unsafe { &*bindings::devlink_priv(self.dl.as_ptr()).cast::<T>() }
    }

    fn as_raw(&self) -> *mut bindings::devlink {
        self.dl.as_ptr()
    }
}

impl<T: Operations> Drop for Registration<T> {
    fn drop(&mut self) {
        let dl = self.dl.as_ptr();
        // SAFETY: registered by `new`; unregistering waits for in-flight callbacks, after which
        // nothing uses the private area and it can be dropped and freed.
        unsafe {
            bindings::devlink_unregister(dl);
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
}

/// A registered devlink port.
///
/// # Invariants
///
/// `self.port` is a `struct devlink_port` registered with the devlink instance it was created
/// for, which outlives it; it is unregistered when `self` is dropped.
pub(crate) struct Port {
    port: Pin<KBox<Opaque<bindings::devlink_port>>>,
}

// SAFETY: devlink ports may be unregistered from any thread.
unsafe impl Send for Port {}
// SAFETY: `&Port` only hands out the raw pointer for netdev association.
unsafe impl Sync for Port {}

impl Port {
    /// Registers port `index` of `devlink` with the given flavour and switch id.
    ///
    /// The caller drops the port before `devlink`.
    pub(crate) fn new<T: Operations>(
        devlink: &Registration<T>,
        index: u32,
        flavour: Flavour,
        switch_id: &[u8; SWITCH_ID_LEN],
    ) -> Result<Self> {
        let port = KBox::pin(Opaque::<bindings::devlink_port>::zeroed(), GFP_KERNEL)?;
        let mut attrs = bindings::devlink_port_attrs::default();
        match flavour {
            Flavour::Physical(n) => {
                attrs.flavour = bindings::devlink_port_flavour_DEVLINK_PORT_FLAVOUR_PHYSICAL;
                attrs.__bindgen_anon_1.phys = bindings::devlink_port_phys_attrs {
                    port_number: n,
                    split_subport_number: 0,
                };
            }
        }
        attrs.switch_id.id[..SWITCH_ID_LEN].copy_from_slice(switch_id);
        // CAST: SWITCH_ID_LEN is 8.
        attrs.switch_id.id_len = SWITCH_ID_LEN as u8;
        // SAFETY: `port` is zeroed and pinned in its box; `attrs` is a valid attribute set. The
        // port is registered with no port ops; `devlink` is a registered instance.
        to_result(unsafe {
            bindings::devlink_port_attrs_set(port.get(), &raw mut attrs);
            bindings::devlink_port_register_with_ops(devlink.as_raw(), port.get(), index, ptr::null())
        })?;
        // INVARIANT: registered above.
        Ok(Self { port })
    }

    /// The raw port, for associating a netdev with it.
    pub(super) fn as_raw(&self) -> *mut bindings::devlink_port {
        self.port.get()
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        // SAFETY: registered by `new` (type invariant); netdevs using it were unregistered first
        // by their owner.
        unsafe { bindings::devlink_port_unregister(self.port.get()) };
    }
}
