// SPDX-License-Identifier: GPL-2.0

//! Net device notifiers.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)

use core::marker::PhantomData;

use kernel::{
    error::to_result,
    ffi::{
        c_int,
        c_ulong,
        c_void, //
    },
    prelude::*,
    types::Opaque, //
};

use super::{
    ffi::bindings,
    netdev::NetDev,
    rtnl::Rtnl, //
};

/// The net device events fponic reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Administratively up (`NETDEV_UP`).
    Up,
    /// Administratively down (`NETDEV_DOWN`).
    Down,
    /// State change, including carrier (`NETDEV_CHANGE`).
    Change,
    /// Being unregistered: drop every reference (`NETDEV_UNREGISTER`).
    Unregister,
}

/// Receiver of net device events.
pub(crate) trait Handler: Send + Sync + Sized {
    /// Called under RTNL for every event on every net device.
    fn event(&self, event: Event, dev: &NetDev, rtnl: &Rtnl);
}

/// A registered net device notifier that delivers events to a `T`.
///
/// # Invariants
///
/// `nb` is registered with `register_netdevice_notifier` from initialization until drop.
#[pin_data(PinnedDrop)]
pub(crate) struct Registration<T: Handler> {
    #[pin]
    nb: Opaque<bindings::notifier_block>,
    data: T,
}

// SAFETY: the notifier block is only used by the notifier chain, under its own locking.
unsafe impl<T: Handler> Send for Registration<T> {}
// SAFETY: as above; `T: Sync`.
unsafe impl<T: Handler> Sync for Registration<T> {}

impl<T: Handler> Registration<T> {
    /// Registers a notifier delivering to `data`. Registration replays `NETDEV_REGISTER`/`UP`
    /// for existing devices.
    pub(crate) fn new(data: T) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            nb <- Opaque::ffi_init(|nb: *mut bindings::notifier_block| {
                // SAFETY: `nb` is valid for writes.
                unsafe {
                    (*nb).notifier_call = Some(Adapter::<T>::notifier_call);
                    (*nb).priority = 0;
                }
            }),
            data,
        }? Error)
        .pin_chain(|this| {
            // SAFETY: `nb` is initialized and pinned; it stays registered until drop.
            to_result(unsafe { bindings::register_netdevice_notifier(this.nb.get()) })
        })
    }
}

#[pinned_drop]
impl<T: Handler> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered by `new` (type invariant).
        unsafe { bindings::unregister_netdevice_notifier(self.nb.get()) };
    }
}

struct Adapter<T: Handler>(PhantomData<T>);

impl<T: Handler> Adapter<T> {
    /// # Safety
    ///
    /// `nb` is the `nb` field of a `Registration<T>`; `info` is a `netdev_notifier_info`.
    unsafe extern "C" fn notifier_call(
        nb: *mut bindings::notifier_block,
        event: c_ulong,
        info: *mut c_void,
    ) -> c_int {
        // CAST: the event numbers are small enum constants.
        let ev = match u32::try_from(event).unwrap_or(u32::MAX) {
            bindings::netdev_cmd_NETDEV_UP => Event::Up,
            bindings::netdev_cmd_NETDEV_DOWN => Event::Down,
            bindings::netdev_cmd_NETDEV_CHANGE => Event::Change,
            bindings::netdev_cmd_NETDEV_UNREGISTER => Event::Unregister,
            _ => return bindings::NOTIFY_DONE as c_int,
        };
        // SAFETY: `nb` is embedded in a pinned, registered `Registration<T>`.
        let this = unsafe {
            &*kernel::container_of!(
                nb.cast::<Opaque<bindings::notifier_block>>(),
                Registration<T>,
                nb
            )
        };
        // SAFETY: netdev notifiers run under RTNL with a valid device in `info`.
        let (dev, rtnl) = unsafe {
            (
                NetDev::from_raw(bindings::fponic_notifier_dev(info)),
                Rtnl::assume_held(),
            )
        };
        this.data.event(ev, dev, &rtnl);
        // CAST: a small constant.
        bindings::NOTIFY_DONE as c_int
    }
}
