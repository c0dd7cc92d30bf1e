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
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
    sync::aref::{
        ARef,
        AlwaysRefCounted, //
    },
    types::Opaque, //
};

use super::{
    devlink,
    ffi::bindings,
    netlink::ExtAck,
    rtnl::Rtnl,
    skb::SkBuff,
    tc::FlowerCmd, //
};

/// Length of an Ethernet address.
pub(crate) const ETH_ALEN: usize = 6;
/// Length of an Ethernet header.
const ETH_HLEN: usize = 14;

/// Any network device, fponic's or not (e.g. the lower device an uplink uses as its wire).
///
/// # Invariants
///
/// A `&NetDev` points to a valid `struct net_device` that stays allocated for the lifetime of
/// the reference (a held reference or a registration keeps it).
#[repr(transparent)]
pub(crate) struct NetDev(Opaque<bindings::net_device>);

// SAFETY: `struct net_device` is designed for concurrent use; the methods are thread-safe.
unsafe impl Send for NetDev {}
// SAFETY: as above.
unsafe impl Sync for NetDev {}

// SAFETY: `dev_hold`/`dev_put` manage the device's reference count; a held reference keeps the
// memory allocated (unregistration waits for all references).
unsafe impl AlwaysRefCounted for NetDev {
    fn inc_ref(&self) {
        // SAFETY: the device is valid by the type invariant.
        unsafe { bindings::dev_hold(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller owns a reference taken by `inc_ref` (or `dev_get_by_name`).
        unsafe { bindings::dev_put(obj.as_ptr().cast()) };
    }
}

impl NetDev {
    /// Creates a reference from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid net device that stays allocated for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: transparent wrapper; validity by the caller.
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The raw pointer.
    pub(super) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// Looks up a device of the initial network namespace by name, taking a reference.
    pub(crate) fn get_by_name(name: &CStr) -> Option<ARef<NetDev>> {
        // SAFETY: `init_net` is always valid; `name` is NUL-terminated. A non-null result carries
        // a reference, which the `ARef` takes over.
        let p =
            unsafe { bindings::dev_get_by_name(&raw mut bindings::init_net, name.as_char_ptr()) };
        // SAFETY: see above.
        NonNull::new(p).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }

    /// The interface name, copied (names change under RTNL).
    pub(crate) fn name(&self) -> [u8; 16] {
        // SAFETY: valid device; the name buffer is always NUL-terminated.
        unsafe { (*self.as_raw()).name }
    }

    /// The current MAC address.
    pub(crate) fn mac(&self) -> [u8; ETH_ALEN] {
        let mut mac = [0u8; ETH_ALEN];
        // SAFETY: Ethernet devices have a `dev_addr` of at least ETH_ALEN bytes.
        unsafe { bindings::fponic_netdev_mac(self.as_raw(), mac.as_mut_ptr()) };
        mac
    }

    /// The MTU.
    pub(crate) fn mtu(&self) -> u32 {
        // SAFETY: valid device; a plain read of a word the core writes with WRITE_ONCE.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).mtu) }
    }

    /// Whether the device is up with carrier (can carry traffic).
    pub(crate) fn is_oper_up(&self) -> bool {
        // SAFETY: valid device; reads state bits.
        unsafe {
            bindings::netif_running(self.as_raw()) && bindings::netif_carrier_ok(self.as_raw())
        }
    }

    /// Transmits a copy of the Ethernet frame `frame` on this device (`dev_queue_xmit`).
    /// Process context.
    pub(crate) fn xmit_frame(&self, frame: &[u8]) -> Result {
        if frame.len() < ETH_HLEN {
            return Err(EINVAL);
        }
        let len = u32::try_from(frame.len()).map_err(|_| EINVAL)?;
        // SAFETY: valid device; `frame` holds `len` bytes, an Ethernet header at least.
        to_result(unsafe { bindings::fponic_xmit_frame(self.as_raw(), frame.as_ptr(), len) })
    }

    /// Whether `pred` holds for a device stacked below this one (its lower devices, recursively:
    /// the real device under a VLAN or macvlan device, a bond's slaves).
    pub(crate) fn any_lower<F: FnMut(&NetDev) -> bool>(&self, _rtnl: &Rtnl, mut pred: F) -> bool {
        /// # Safety
        ///
        /// `lower` is a valid device and `p->data` points to the `F` of the enclosing call.
        unsafe extern "C" fn visit<G: FnMut(&NetDev) -> bool>(
            lower: *mut bindings::net_device,
            p: *mut bindings::netdev_nested_priv,
        ) -> c_int {
            // SAFETY: by the function's safety requirement; the walk runs under RTNL, which
            // keeps the lower devices registered while it visits them.
            let (f, dev) = unsafe { (&mut *(*p).data.cast::<G>(), NetDev::from_raw(lower)) };
            // A non-zero return value stops the walk.
            c_int::from(f(dev))
        }
        let mut p = bindings::netdev_nested_priv {
            flags: 0,
            data: (&raw mut pred).cast(),
        };
        // SAFETY: valid device; the caller holds RTNL (`_rtnl`), which the walk requires; `pred`
        // outlives the call and `visit` is instantiated for its type.
        unsafe { bindings::netdev_walk_all_lower_dev(self.as_raw(), Some(visit::<F>), &mut p) != 0 }
    }

    /// Transmits `skb` (a complete Ethernet frame) on this device through its qdisc, scrubbing
    /// it if it crosses a namespace boundary.
    pub(crate) fn queue_xmit(&self, skb: SkBuff) {
        // SAFETY: valid device; the helper takes ownership of the skb.
        unsafe { bindings::fponic_skb_xmit_to(skb.into_raw(), self.as_raw()) };
    }
}

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

// SAFETY: `struct net_device` is designed for concurrent use and the methods are thread-safe;
// the private area holds a `T` that is `Send + Sync`.
unsafe impl<T: Send + Sync> Send for Device<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Device<T> {}

// SAFETY: as for `NetDev`, whose refcounting this is.
unsafe impl<T: Operations> AlwaysRefCounted for Device<T> {
    fn inc_ref(&self) {
        self.as_netdev().inc_ref();
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: `Device<T>` is transparent over `NetDev`; the caller owns a reference.
        unsafe { NetDev::dec_ref(obj.cast()) };
    }
}

impl<T: Operations> Device<T> {
    /// Returns `dev` as a `Device<T>` if it is one (its ops table is `T`'s).
    pub(crate) fn try_from_netdev(dev: &NetDev) -> Option<&Self> {
        // SAFETY: valid device; comparing the ops pointer identifies devices created by
        // `Registration::<T>::new`, whose private area holds a `T`.
        let ops = unsafe { (*dev.as_raw()).netdev_ops };
        // SAFETY: checked just above.
        core::ptr::eq(ops, &Registration::<T>::OPS_REF.0)
            .then(|| unsafe { Self::from_raw(dev.as_raw()) })
    }

    /// A new counted reference to this device.
    pub(crate) fn get_ref(&self) -> ARef<Self> {
        ARef::from(self)
    }
}

impl<T> Device<T> {
    /// The device as a plain [`NetDev`].
    pub(crate) fn as_netdev(&self) -> &NetDev {
        // SAFETY: same layout (both transparent over `net_device`), same validity.
        unsafe { NetDev::from_raw(self.as_raw()) }
    }

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
    pub(crate) fn data(&self) -> &T {
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

    /// Whether the device is administratively up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: valid device; reads a state bit.
        unsafe { bindings::netif_running(self.as_raw()) }
    }

    /// Sets the MAC address as `ip link set address` would (notifying the stack).
    pub(crate) fn set_mac(&self, mac: [u8; ETH_ALEN], _rtnl: &Rtnl) -> Result {
        // SAFETY: valid device; RTNL is held as the proof argument shows.
        to_result(unsafe { bindings::fponic_netdev_set_mac(self.as_raw(), mac.as_ptr()) })
    }

    /// Whether the transmit queue is stopped.
    pub(crate) fn queue_stopped(&self) -> bool {
        // SAFETY: valid device with one TX queue; reads a state bit.
        unsafe { bindings::netif_queue_stopped(self.as_raw()) }
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

    /// Counts a transmitted packet of `len` bytes in the per-CPU software counters.
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: the device was set up with `NETDEV_PCPU_STAT_TSTATS`, so `tstats` is allocated
        // while it is registered; the helper uses `u64_stats` and is safe in any context.
        unsafe { bindings::dev_sw_netstats_tx_add(self.as_raw(), 1, len) }
    }

    /// Counts a packet dropped on transmit.
    pub(crate) fn count_tx_dropped(&self) {
        // SAFETY: valid device; the core allocates its per-CPU core stats on demand.
        unsafe { bindings::dev_core_stats_tx_dropped_inc(self.as_raw()) }
    }

    /// The active features (`dev->features`); stable under RTNL, which changes them.
    pub(crate) fn features(&self) -> Features {
        // SAFETY: plain read of an integer field of a valid device.
        Features(unsafe { (*self.as_raw()).features })
    }
}

/// A set of net device features (`netdev_features_t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features(bindings::netdev_features_t);

impl Features {
    /// `hw-tc-offload` (`NETIF_F_HW_TC`): tc filters may be offloaded.
    pub(crate) fn hw_tc(self) -> bool {
        self.0 & (1 << bindings::NETIF_F_HW_TC_BIT) != 0
    }
}

/// Interface counters, as `struct rtnl_link_stats64` reports them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkStats {
    /// Packets received.
    pub(crate) rx_packets: u64,
    /// Bytes received.
    pub(crate) rx_bytes: u64,
    /// Packets transmitted.
    pub(crate) tx_packets: u64,
    /// Bytes transmitted.
    pub(crate) tx_bytes: u64,
    /// Packets dropped on receive.
    pub(crate) rx_dropped: u64,
    /// Packets dropped on transmit.
    pub(crate) tx_dropped: u64,
}

impl LinkStats {
    fn from_raw(s: &bindings::rtnl_link_stats64) -> Self {
        Self {
            rx_packets: s.rx_packets,
            rx_bytes: s.rx_bytes,
            tx_packets: s.tx_packets,
            tx_bytes: s.tx_bytes,
            rx_dropped: s.rx_dropped,
            tx_dropped: s.tx_dropped,
        }
    }

    fn write_raw(&self, s: &mut bindings::rtnl_link_stats64) {
        s.rx_packets = self.rx_packets;
        s.rx_bytes = self.rx_bytes;
        s.tx_packets = self.tx_packets;
        s.tx_bytes = self.tx_bytes;
        s.rx_dropped = self.rx_dropped;
        s.tx_dropped = self.tx_dropped;
    }
}

impl<T> Device<T> {
    /// This device's own per-CPU software counters (what [`super::napi::RxRing::enqueue`] and
    /// [`Device::count_tx`] counted), summed over CPUs.
    pub(crate) fn sw_stats(&self) -> LinkStats {
        let mut s = bindings::rtnl_link_stats64::default();
        // SAFETY: the device uses `NETDEV_PCPU_STAT_TSTATS`; `s` is a valid output buffer.
        unsafe { bindings::dev_get_tstats64(self.as_raw(), &mut s) };
        LinkStats::from_raw(&s)
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

    /// `ndo_get_stats64`: the interface counters. Without it, the device's own software
    /// counters are reported.
    fn get_stats64(_dev: &Device<Self>) -> LinkStats {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `IFLA_OFFLOAD_XSTATS_CPU_HIT`: counters of traffic handled by the CPU (slow path).
    /// Representors implement it.
    fn cpu_hit_stats(_dev: &Device<Self>) -> LinkStats {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Whether an ingress flow block may be bound now (`ndo_setup_tc(TC_SETUP_BLOCK)`); devices
    /// implementing [`Operations::flower`] get `hw-tc-offload`.
    fn tc_block_ok(_dev: &Device<Self>, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ip link set <dev> vf <vf> mac <mac>` (SR-IOV legacy VF configuration). Under RTNL.
    fn set_vf_mac(_dev: &Device<Self>, _vf: i32, _mac: [u8; ETH_ALEN], _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ip link set <dev> vf <vf> state auto|enable|disable`: `false` for disable. Under RTNL.
    fn set_vf_link_state(_dev: &Device<Self>, _vf: i32, _up: bool, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A flower rule command for a bound block. Runs in process context without RTNL.
    fn flower(_dev: &Device<Self>, _cmd: FlowerCmd<'_>, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_setup_tc(TC_SETUP_FT)`: an nftables flowtable with `flags offload` binds the device
    /// (`bind`) or unbinds it. Unbinding cannot fail. Called with the flowtable's block lock
    /// held for writing, so no flow command of that flowtable ([`Operations::ft_flow`]) runs
    /// meanwhile; not necessarily under RTNL. A device is bound to one flowtable at a time.
    fn ft_bind(_dev: &Device<Self>, _bind: bool, _ext: &mut ExtAck<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A flow command of the flowtable bound by [`Operations::ft_bind`]: one direction of a
    /// connection, offered to every device bound to the flowtable. Runs in process context (a
    /// workqueue), without RTNL, with the flowtable's block lock held for reading.
    fn ft_flow(_dev: &Device<Self>, _cmd: FlowerCmd<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_set_features`: the device is about to get `features` (`ethtool -K`), replacing
    /// [`Device::features`]. An error refuses the change, which leaves the features as they
    /// were. Under RTNL.
    fn set_features(_dev: &Device<Self>, _features: Features, _rtnl: &Rtnl) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
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

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; `stats` is a zeroed output.
    unsafe extern "C" fn get_stats64_callback(
        dev: *mut bindings::net_device,
        stats: *mut bindings::rtnl_link_stats64,
    ) {
        // SAFETY: by the function's safety requirements.
        let (dev, stats) = unsafe { (Device::<T>::from_raw(dev), &mut *stats) };
        T::get_stats64(dev).write_raw(stats);
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`].
    unsafe extern "C" fn has_offload_stats_callback(
        _dev: *const bindings::net_device,
        attr_id: c_int,
    ) -> bool {
        // CAST: a small enum constant.
        T::HAS_CPU_HIT_STATS && attr_id == bindings::IFLA_OFFLOAD_XSTATS_CPU_HIT as c_int
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; for `CPU_HIT`, `sp` points to
    /// a `struct rtnl_link_stats64`.
    unsafe extern "C" fn get_offload_stats_callback(
        attr_id: c_int,
        dev: *const bindings::net_device,
        sp: *mut c_void,
    ) -> c_int {
        // CAST: a small enum constant.
        if !T::HAS_CPU_HIT_STATS || attr_id != bindings::IFLA_OFFLOAD_XSTATS_CPU_HIT as c_int {
            return EINVAL.to_errno();
        }
        // SAFETY: by the function's safety requirements; the core passes a zeroed buffer.
        let (dev, stats) = unsafe {
            (
                Device::<T>::from_raw(dev.cast_mut()),
                &mut *sp.cast::<bindings::rtnl_link_stats64>(),
            )
        };
        T::cpu_hit_stats(dev).write_raw(stats);
        0
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; `mac` holds `ETH_ALEN` bytes;
    /// called under RTNL.
    unsafe extern "C" fn set_vf_mac_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        mac: *mut u8,
    ) -> c_int {
        from_result(|| {
            let mut m = [0u8; ETH_ALEN];
            // SAFETY: by the function's safety requirements.
            let (d, rtnl) = unsafe {
                ptr::copy_nonoverlapping(mac, m.as_mut_ptr(), ETH_ALEN);
                (Device::<T>::from_raw(dev), Rtnl::assume_held())
            };
            T::set_vf_mac(d, vf, m, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; called under RTNL.
    unsafe extern "C" fn set_vf_link_state_callback(
        dev: *mut bindings::net_device,
        vf: c_int,
        state: c_int,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (d, rtnl) = unsafe { (Device::<T>::from_raw(dev), Rtnl::assume_held()) };
            // CAST: small enum constants.
            let up = match state {
                s if s == bindings::IFLA_VF_LINK_STATE_DISABLE as c_int => false,
                s if s == bindings::IFLA_VF_LINK_STATE_AUTO as c_int
                    || s == bindings::IFLA_VF_LINK_STATE_ENABLE as c_int =>
                {
                    true
                }
                _ => return Err(EINVAL),
            };
            T::set_vf_link_state(d, vf, up, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; called under RTNL.
    unsafe extern "C" fn set_features_callback(
        dev: *mut bindings::net_device,
        features: bindings::netdev_features_t,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let (d, rtnl) = unsafe { (Device::<T>::from_raw(dev), Rtnl::assume_held()) };
            T::set_features(d, Features(features), &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; `type_data` matches `ty`.
    unsafe extern "C" fn setup_tc_callback(
        dev: *mut bindings::net_device,
        ty: bindings::tc_setup_type,
        type_data: *mut c_void,
    ) -> c_int {
        if ty == bindings::tc_setup_type_TC_SETUP_FT && T::HAS_FT_BIND {
            // SAFETY: by the function's safety requirements.
            return unsafe { Self::setup_ft(dev, type_data.cast()) };
        }
        if ty != bindings::tc_setup_type_TC_SETUP_BLOCK || !T::HAS_FLOWER {
            return EOPNOTSUPP.to_errno();
        }
        from_result(|| {
            let bo = type_data.cast::<bindings::flow_block_offload>();
            // SAFETY: by the function's safety requirements; the request's extack is null or
            // valid while it runs.
            let (d, mut ext) =
                unsafe { (Device::<T>::from_raw(dev), ExtAck::from_raw((*bo).extack)) };
            if T::HAS_TC_BLOCK_OK {
                T::tc_block_ok(d, &mut ext)?;
            }
            let cb: unsafe extern "C" fn(
                bindings::tc_setup_type,
                *mut c_void,
                *mut c_void,
            ) -> c_int = Self::block_callback;
            // SAFETY: `bo` is the block request; the callback and its private pointer (the
            // device, alive while the block is bound) are valid until unbind.
            to_result(unsafe { bindings::fponic_setup_block(bo, cb as *mut c_void, dev.cast()) })?;
            Ok(0)
        })
    }

    /// `ndo_setup_tc(TC_SETUP_FT)`: binds or unbinds an nftables flowtable's block.
    ///
    /// # Safety
    ///
    /// `dev` is a device registered by [`Registration::<T>::new`]; `bo` is the flowtable's
    /// block request, with the flowtable's block lock held for writing.
    unsafe fn setup_ft(
        dev: *mut bindings::net_device,
        bo: *mut bindings::flow_block_offload,
    ) -> c_int {
        from_result(|| {
            // SAFETY: by the function's safety requirements; the request's extack is null or
            // valid while it runs.
            let (d, mut ext, cmd) = unsafe {
                (
                    Device::<T>::from_raw(dev),
                    ExtAck::from_raw((*bo).extack),
                    (*bo).command,
                )
            };
            let bind = match cmd {
                bindings::flow_block_command_FLOW_BLOCK_BIND => true,
                bindings::flow_block_command_FLOW_BLOCK_UNBIND => false,
                _ => return Err(EOPNOTSUPP),
            };
            if bind {
                T::ft_bind(d, true, &mut ext)?;
            }
            let cb: unsafe extern "C" fn(
                bindings::tc_setup_type,
                *mut c_void,
                *mut c_void,
            ) -> c_int = Self::ft_callback;
            // SAFETY: `bo` is the block request; the callback and its private pointer (the
            // device, alive while the flowtable is bound: the flowtable unbinds a device when it
            // unregisters) stay valid until unbind.
            let r = to_result(unsafe {
                bindings::fponic_setup_ft_block(bo, cb as *mut c_void, dev.cast())
            });
            match (bind, r) {
                // The device's flows go with the binding: no DESTROY reaches it afterwards.
                (false, _) => {
                    let _ = T::ft_bind(d, false, &mut ext);
                }
                (true, Err(_)) => {
                    let _ = T::ft_bind(d, false, &mut ext);
                }
                (true, Ok(())) => {}
            }
            r?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by a flowtable for a block bound by `setup_ft`, with `cb_priv` the device.
    unsafe extern "C" fn ft_callback(
        ty: bindings::tc_setup_type,
        type_data: *mut c_void,
        cb_priv: *mut c_void,
    ) -> c_int {
        if ty != bindings::tc_setup_type_TC_SETUP_CLSFLOWER {
            return EOPNOTSUPP.to_errno();
        }
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let dev = unsafe { Device::<T>::from_raw(cb_priv.cast()) };
            // SAFETY: `type_data` is a `flow_cls_offload` for TC_SETUP_CLSFLOWER. A flowtable's
            // entries carry no stats policy.
            let (cmd, _ext) = unsafe { super::tc::flower_cmd(type_data, false) }?;
            T::ft_flow(dev, cmd)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by tc for a block bound by `setup_tc_callback`, with `cb_priv` the device.
    unsafe extern "C" fn block_callback(
        ty: bindings::tc_setup_type,
        type_data: *mut c_void,
        cb_priv: *mut c_void,
    ) -> c_int {
        if ty != bindings::tc_setup_type_TC_SETUP_CLSFLOWER {
            return EOPNOTSUPP.to_errno();
        }
        from_result(|| {
            // SAFETY: by the function's safety requirements.
            let dev = unsafe { Device::<T>::from_raw(cb_priv.cast()) };
            // SAFETY: `type_data` is a `flow_cls_offload` for TC_SETUP_CLSFLOWER.
            let (cmd, mut ext) = unsafe { super::tc::flower_cmd(type_data, true) }?;
            T::flower(dev, cmd, &mut ext)?;
            Ok(0)
        })
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
        ndo_get_stats64: if T::HAS_GET_STATS64 {
            Some(Self::get_stats64_callback)
        } else {
            Some(bindings::dev_get_tstats64)
        },
        ndo_has_offload_stats: if T::HAS_CPU_HIT_STATS {
            Some(Self::has_offload_stats_callback)
        } else {
            None
        },
        ndo_get_offload_stats: if T::HAS_CPU_HIT_STATS {
            Some(Self::get_offload_stats_callback)
        } else {
            None
        },
        ndo_set_mac_address: Some(bindings::eth_mac_addr),
        ndo_set_vf_mac: if T::HAS_SET_VF_MAC {
            Some(Self::set_vf_mac_callback)
        } else {
            None
        },
        ndo_set_vf_link_state: if T::HAS_SET_VF_LINK_STATE {
            Some(Self::set_vf_link_state_callback)
        } else {
            None
        },
        ndo_setup_tc: if T::HAS_FLOWER || T::HAS_FT_BIND {
            Some(Self::setup_tc_callback)
        } else {
            None
        },
        ndo_set_features: if T::HAS_SET_FEATURES {
            Some(Self::set_features_callback)
        } else {
            None
        },
        ndo_validate_addr: Some(bindings::eth_validate_addr),
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
    pub(crate) devlink_port: Option<devlink::PortRef<'a>>,
    /// Number of transmit queues and of receive queues (at least 1).
    pub(crate) queues: u32,
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
        if cfg.queues == 0 {
            return Err(EINVAL);
        }
        // SAFETY: `cfg.name` is NUL-terminated; the setup callback is our C helper.
        let raw = unsafe {
            bindings::alloc_netdev_mqs(
                priv_size,
                cfg.name.as_char_ptr(),
                // CAST: a small enum constant.
                bindings::NET_NAME_USER as u8,
                Some(bindings::fponic_netdev_setup),
                cfg.queues,
                cfg.queues,
            )
        };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `raw` was allocated for a `T` just above.
        let dev = unsafe { Device::<T>::from_raw(raw.as_ptr()) };
        // SAFETY: `raw` is a fresh, unregistered device; the ops table is a static constant.
        unsafe {
            (*raw.as_ptr()).netdev_ops = &Self::OPS_REF.0;
            if T::HAS_FLOWER {
                bindings::fponic_netdev_enable_tc(raw.as_ptr());
            }
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

    /// Sets the MAC address as `ip link set address` would (notifying the stack).
    pub(crate) fn set_mac(&self, mac: [u8; ETH_ALEN], rtnl: &Rtnl) -> Result {
        self.device().set_mac(mac, rtnl)
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
