// SPDX-License-Identifier: GPL-2.0

//! Network devices.
//!
//! A [`Registration<T>`] allocates and registers a `struct net_device` whose private area holds
//! the driver's `T`; the C callbacks in `net_device_ops` reach `T` through [`Operations`].
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)

use core::{
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
    types::Opaque, //
};

use super::{
    devlink,
    ffi::bindings,
    skb::SkBuff, //
};

/// Length of an Ethernet address.
pub(crate) const ETH_ALEN: usize = 6;

/// A network device whose private area holds a `T`.
///
/// Callbacks receive `&Device<T>`; the type parameter records what the private area holds, which
/// lets other abstractions (NAPI) find the driver data from a `struct net_device *`.
///
/// # Invariants
///
/// A `&Device<T>` points to a `struct net_device` allocated by [`Registration::<T>::new`] whose
/// private area holds an initialized `T` (or one under construction, during the init closure), and
/// which stays allocated for the lifetime of the reference.
#[repr(transparent)]
pub(crate) struct Device<T>(Opaque<bindings::net_device>, PhantomData<T>);

impl<T> Device<T> {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a net device allocated by [`Registration::<T>::new`] that stays allocated for
    /// `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: `Device` is transparent over `net_device`; the caller guarantees validity.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw pointer.
    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The driver data in the private area.
    pub(super) fn data(&self) -> &T {
        // SAFETY: the private area holds a `T` by the type invariant.
        unsafe { &*bindings::netdev_priv(self.as_raw()).cast::<T>() }
    }

    /// The interface index (0 before registration).
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: plain read of an integer field of a valid device.
        unsafe { (*self.as_raw()).ifindex }
    }

    /// Signals carrier up to the stack.
    pub(crate) fn carrier_on(&self) {
        // SAFETY: valid device by the type invariant; callable from any context.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// Signals carrier down to the stack.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: valid device by the type invariant; callable from any context.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// Whether the carrier is up.
    pub(crate) fn carrier_ok(&self) -> bool {
        // SAFETY: valid device; reads a state bit.
        unsafe { bindings::netif_carrier_ok(self.as_raw()) }
    }

    /// Whether the device is administratively up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: valid device; reads a state bit.
        unsafe { bindings::netif_running(self.as_raw()) }
    }

    /// Allows the stack to transmit (`netif_start_queue`).
    pub(crate) fn start_queue(&self) {
        // SAFETY: valid device with one TX queue.
        unsafe { bindings::netif_start_queue(self.as_raw()) }
    }

    /// Stops the stack from transmitting (`netif_stop_queue`).
    pub(crate) fn stop_queue(&self) {
        // SAFETY: valid device with one TX queue.
        unsafe { bindings::netif_stop_queue(self.as_raw()) }
    }

    /// Restarts a stopped transmit queue (`netif_wake_queue`).
    pub(crate) fn wake_queue(&self) {
        // SAFETY: valid device with one TX queue.
        unsafe { bindings::netif_wake_queue(self.as_raw()) }
    }

    /// Counts a received packet of `len` bytes in the per-CPU software counters.
    pub(crate) fn count_rx(&self, len: u32) {
        // SAFETY: the device was set up with `NETDEV_PCPU_STAT_TSTATS`, so `tstats` is allocated
        // while it is registered; the helper uses `u64_stats` and is safe in any context.
        unsafe { bindings::dev_sw_netstats_rx_add(self.as_raw(), len) }
    }

    /// Counts a transmitted packet of `len` bytes in the per-CPU software counters.
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: as for `count_rx`.
        unsafe { bindings::dev_sw_netstats_tx_add(self.as_raw(), 1, len) }
    }

    /// Counts a packet dropped on transmit.
    pub(crate) fn count_tx_dropped(&self) {
        // SAFETY: valid device; the core allocates its per-CPU core stats on demand.
        unsafe { bindings::dev_core_stats_tx_dropped_inc(self.as_raw()) }
    }

    /// Counts a packet dropped on receive.
    pub(crate) fn count_rx_dropped(&self) {
        // SAFETY: as for `count_tx_dropped`.
        unsafe { bindings::dev_core_stats_rx_dropped_inc(self.as_raw()) }
    }
}

/// What `ndo_start_xmit` did with a packet.
pub(crate) enum TxResult {
    /// The packet was consumed (sent, queued or dropped and counted).
    Ok,
    /// The queue is full: the stack keeps the packet and retries; the driver stopped the queue.
    Busy(SkBuff),
}

/// Callbacks of a network device whose private area holds `Self`.
#[vtable]
pub(crate) trait Operations: Sized + Send + Sync {
    /// `ndo_open`: the device is brought up.
    fn open(_dev: &Device<Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_stop`: the device is brought down.
    fn stop(_dev: &Device<Self>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_start_xmit`: transmit `skb`. Runs in softirq or process context with BH disabled.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxResult;
}

struct Adapter<T: Operations>(PhantomData<T>);

impl<T: Operations> Adapter<T> {
    /// # Safety
    ///
    /// `dev` must be a device registered by [`Registration::<T>::new`]; called by the core under
    /// RTNL.
    unsafe extern "C" fn open_callback(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirement.
            T::open(unsafe { Device::from_raw(dev) })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As for `open_callback`.
    unsafe extern "C" fn stop_callback(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirement.
            T::stop(unsafe { Device::from_raw(dev) })?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `dev` must be a device registered by [`Registration::<T>::new`] and `skb` a socket buffer
    /// whose ownership the core passes to the driver.
    unsafe extern "C" fn start_xmit_callback(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: by the function's safety requirements.
        let (dev, skb) = unsafe { (Device::from_raw(dev), SkBuff::from_raw(skb)) };
        match T::start_xmit(dev, skb) {
            TxResult::Ok => bindings::netdev_tx_NETDEV_TX_OK,
            TxResult::Busy(skb) => {
                // The core keeps ownership of a packet refused with NETDEV_TX_BUSY.
                skb.into_raw();
                bindings::netdev_tx_NETDEV_TX_BUSY
            }
        }
    }

    const OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_open: if T::HAS_OPEN {
            Some(Self::open_callback)
        } else {
            None
        },
        ndo_stop: if T::HAS_STOP {
            Some(Self::stop_callback)
        } else {
            None
        },
        ndo_start_xmit: Some(Self::start_xmit_callback),
        ndo_get_stats64: Some(bindings::dev_get_tstats64),
        // SAFETY: all-zero is valid for the remaining members: `Option`s of function pointers.
        ..unsafe { mem::zeroed() }
    };
}

/// How to create a network device.
pub(crate) struct Config<'a> {
    /// The interface name (NUL-terminated, at most 15 characters).
    pub(crate) name: &'a CStr,
    /// The permanent MAC address.
    pub(crate) mac: [u8; ETH_ALEN],
    /// The devlink port the netdev belongs to; it must outlive the registration.
    pub(crate) devlink_port: Option<&'a devlink::Port>,
}

/// A registered network device whose private area holds a `T`.
///
/// # Invariants
///
/// `self.dev` is a registered net device allocated for a `T`, initialized in its private area.
pub(crate) struct Registration<T: Operations> {
    dev: NonNull<bindings::net_device>,
    _p: PhantomData<T>,
}

// SAFETY: net devices may be unregistered from any process context thread; `T: Send + Sync`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: `&Registration` only gives `&Device<T>`, whose methods are thread-safe.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Allocates a net device, initializes the driver data with `init(&device)` and registers the
    /// device. Callbacks may run as soon as this returns (and during registration).
    pub(crate) fn new<I>(cfg: &Config<'_>, init: impl FnOnce(&Device<T>) -> I) -> Result<Self>
    where
        I: PinInit<T, Error>,
    {
        // The private area is aligned to NETDEV_ALIGN (32).
        const { assert!(mem::align_of::<T>() <= 32) };
        let priv_size = c_int::try_from(mem::size_of::<T>()).map_err(|_| EINVAL)?;
        // SAFETY: `cfg.name` is NUL-terminated; the setup callback is our C helper.
        let raw = unsafe {
            bindings::alloc_netdev_mqs(
                priv_size,
                cfg.name.as_char_ptr(),
                // CAST: a small enum constant.
                bindings::NET_NAME_USER as u8,
                Some(bindings::fponic_netdev_setup),
                1,
                1,
            )
        };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `raw` was allocated for a `T` just above.
        let dev = unsafe { Device::<T>::from_raw(raw.as_ptr()) };
        // SAFETY: `raw` is a fresh, unregistered device; the ops table is a static constant.
        unsafe {
            (*raw.as_ptr()).netdev_ops = &Self::OPS_REF.0;
            bindings::eth_hw_addr_set(raw.as_ptr(), cfg.mac.as_ptr());
            if let Some(port) = cfg.devlink_port {
                bindings::fponic_netdev_set_devlink_port(raw.as_ptr(), port.as_raw());
            }
        }
        // SAFETY: the private area is valid for a `T` and never moves.
        let slot = unsafe { bindings::netdev_priv(raw.as_ptr()) }.cast::<T>();
        // SAFETY: `slot` is valid for writes and pinned.
        if let Err(e) = unsafe { pin_init::raw_try_init(slot, init(dev)) } {
            // SAFETY: never registered; `T` was not initialized so nothing needs dropping.
            unsafe { bindings::free_netdev(raw.as_ptr()) };
            return Err(e);
        }
        // SAFETY: fully set up; `register_netdev` takes RTNL itself.
        if let Err(e) = to_result(unsafe { bindings::register_netdev(raw.as_ptr()) }) {
            // SAFETY: registration failed, so no callback can run any more.
            unsafe {
                ptr::drop_in_place(slot);
                bindings::free_netdev(raw.as_ptr());
            }
            return Err(e);
        }
        // INVARIANT: allocated for `T`, initialized and registered.
        Ok(Self {
            dev: raw,
            _p: PhantomData,
        })
    }

    /// The device.
    pub(crate) fn device(&self) -> &Device<T> {
        // SAFETY: by the type invariant.
        unsafe { Device::from_raw(self.dev.as_ptr()) }
    }

    /// The driver data.
    pub(crate) fn data(&self) -> &T {
        self.device().data()
    }

    const OPS_REF: &'static SyncOps = &SyncOps(Adapter::<T>::OPS);
}

/// An ops table shared with C.
#[repr(transparent)]
struct SyncOps(bindings::net_device_ops);

// SAFETY: the table is immutable.
unsafe impl Sync for SyncOps {}

impl<T: Operations> Drop for Registration<T> {
    fn drop(&mut self) {
        let raw = self.dev.as_ptr();
        // SAFETY: registered by `new`. After `unregister_netdev` returns no callback runs any
        // more (it closes the device and waits for RCU readers), so `T` can be dropped; the
        // device is then freed.
        unsafe {
            bindings::unregister_netdev(raw);
            ptr::drop_in_place(bindings::netdev_priv(raw).cast::<T>());
            bindings::free_netdev(raw);
        }
    }
}
