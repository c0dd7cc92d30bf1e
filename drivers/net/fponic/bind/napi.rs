// SPDX-License-Identifier: GPL-2.0

//! Receive rings polled by NAPI.
//!
//! An [`RxRing`] lives in a net device's private area: a bounded queue of packets waiting to be
//! received by that device and the NAPI instance that delivers them (with GRO when the device
//! has it on) in softirq context. Any context may enqueue (the queue lock is IRQ-safe); only the
//! device's NAPI poll dequeues.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h)

use core::marker::PhantomData;

use kernel::{
    ffi::c_int,
    prelude::*,
    types::Opaque, //
};

use super::{
    ffi::bindings,
    netdev::{
        self,
        Device, //
    },
    skb::{
        Resume,
        SkBuff, //
    },
};

/// Driver side of a device with an [`RxRing`].
pub(crate) trait Poll: netdev::Operations {
    /// The device's ring (the one NAPI polls).
    fn rx_ring(&self) -> &RxRing;

    /// Called after each poll that delivered `delivered` packets, in softirq context; the ring
    /// has room again, so this is where stopped senders are woken.
    fn after_poll(dev: &Device<Self>, delivered: u32);
}

/// A bounded receive queue and its NAPI instance.
///
/// # Invariants
///
/// `napi` was added to the device whose private area holds this ring (with [`Adapter::<T>`] as
/// poll function, `T` being the device's driver type) and `queue` is an initialized
/// `sk_buff_head`; both stay valid until the ring is dropped.
#[pin_data(PinnedDrop)]
pub(crate) struct RxRing {
    #[pin]
    napi: Opaque<bindings::napi_struct>,
    #[pin]
    queue: Opaque<bindings::sk_buff_head>,
    capacity: u32,
}

// SAFETY: the queue has its own IRQ-safe lock and NAPI is designed for concurrent scheduling.
unsafe impl Send for RxRing {}
// SAFETY: as above; all methods taking `&self` are safe to call concurrently.
unsafe impl Sync for RxRing {}

impl RxRing {
    /// Creates a ring of `capacity` packets for `dev`, whose driver type `T` must return this
    /// ring from [`Poll::rx_ring`].
    pub(crate) fn new<T: Poll>(dev: &Device<T>, capacity: u32) -> impl PinInit<Self, Error> {
        let dev = dev.as_raw();
        try_pin_init!(Self {
            // SAFETY: `slot` is valid pinned memory in `dev`'s private area; the poll function
            // matches the device's driver type.
            napi <- unsafe {
                Opaque::ffi_init(move |slot: *mut bindings::napi_struct| {
                    bindings::netif_napi_add(dev, slot, Some(Adapter::<T>::poll_callback))
                })
            },
            // SAFETY: `slot` is valid pinned memory.
            queue <- unsafe {
                Opaque::ffi_init(|slot: *mut bindings::sk_buff_head| {
                    bindings::skb_queue_head_init(slot)
                })
            },
            capacity,
        }? Error)
    }

    /// Queues `skb` for reception by the ring's device; gives it back untouched if the ring is
    /// full. Call with BH disabled (a transmit path, a receive handler).
    ///
    /// The packet is forwarded to the device before it is queued, as a veth pair does
    /// (`__dev_forward_skb`: scrubbed when it crosses a namespace boundary, MTU checked,
    /// `skb->dev` set to the receiver, protocol set) and counted as received: nothing on the
    /// ring refers to the sender, which may be unregistered before the packet is polled. A
    /// packet the forwarding refuses is freed and counted in the device's `rx_dropped`.
    ///
    /// With `resume`, the packet carries the tc skb extension telling the device's ingress tc
    /// where to resume, and its conntrack entry if it has one (attached after forwarding, which
    /// scrubs both); without memory for the extension the packet is dropped (`rx_dropped`), as
    /// software tc drops it.
    ///
    /// The caller then calls [`RxRing::schedule`] (once for a burst).
    pub(crate) fn enqueue(&self, skb: SkBuff, resume: Option<Resume>) -> Result<(), SkBuff> {
        if self.len() >= self.capacity {
            return Err(skb);
        }
        let len = skb.len();
        // SAFETY: the NAPI instance was added to the ring's device (type invariant), which is
        // registered while senders can reach it.
        let dev = unsafe { (*self.napi.get()).dev };
        let skb = skb.into_raw();
        // SAFETY: `dev` is valid (above) and the skb is owned; on success ownership comes back,
        // on failure the skb was freed.
        if unsafe { bindings::__dev_forward_skb(dev, skb) } != 0 {
            return Ok(());
        }
        // SAFETY: forwarding succeeded: the skb is ours again.
        let mut skb = unsafe { SkBuff::from_raw(skb) };
        if let Some(r) = resume {
            if skb.set_tc_resume(r.at).is_err() {
                // SAFETY: `dev` is valid; the core allocates its per-CPU stats on demand.
                unsafe { bindings::dev_core_stats_rx_dropped_inc(dev) };
                return Ok(());
            }
            if let Some(ct) = r.ct {
                skb.set_ct(ct);
            }
        }
        let skb = skb.into_raw();
        // SAFETY: `dev` is a registered device set up with per-CPU `tstats`; BH is disabled.
        unsafe { bindings::dev_sw_netstats_rx_add(dev, len) };
        // SAFETY: the queue is initialized (type invariant); ownership of the skb moves to the
        // queue, whose lock makes this safe from any context. Concurrent senders may overshoot
        // the capacity by one packet each, which bounds the ring all the same.
        unsafe { bindings::skb_queue_tail(self.queue.get(), skb) };
        Ok(())
    }

    /// Packets waiting.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: lockless read of the queue length, allowed by the C API.
        unsafe { bindings::skb_queue_len_lockless(self.queue.get()) }
    }

    /// Capacity in packets.
    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Schedules the NAPI poll (a no-op while NAPI is disabled or already scheduled).
    pub(crate) fn schedule(&self) {
        // SAFETY: the NAPI instance is valid (type invariant).
        unsafe { bindings::napi_schedule(self.napi.get()) };
    }

    /// Enables polling; call from `ndo_open`.
    pub(crate) fn enable(&self) {
        // SAFETY: valid NAPI instance, currently disabled (the core pairs open/stop).
        unsafe { bindings::napi_enable(self.napi.get()) };
    }

    /// Disables polling, waiting for a running poll to finish, and drops queued packets; call
    /// from `ndo_stop`.
    pub(crate) fn disable(&self) {
        // SAFETY: valid NAPI instance, currently enabled; may sleep (process context).
        unsafe {
            bindings::napi_disable(self.napi.get());
            bindings::skb_queue_purge(self.queue.get());
        }
    }
}

#[pinned_drop]
impl PinnedDrop for RxRing {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the device is unregistered before its private area is dropped, so NAPI is
        // disabled and nothing enqueues any more (senders find destinations under RCU and the
        // owner waits for a grace period before unregistering).
        unsafe {
            bindings::netif_napi_del(self.napi.get());
            bindings::skb_queue_purge(self.queue.get());
        }
    }
}

struct Adapter<T: Poll>(PhantomData<T>);

impl<T: Poll> Adapter<T> {
    /// # Safety
    ///
    /// `napi` is the NAPI instance of an [`RxRing`] created by [`RxRing::new::<T>`].
    unsafe extern "C" fn poll_callback(napi: *mut bindings::napi_struct, budget: c_int) -> c_int {
        // SAFETY: by the function's safety requirement, `napi->dev` is a device registered for `T`
        // and alive while its NAPI runs.
        let dev = unsafe { Device::<T>::from_raw((*napi).dev) };
        let ring = dev.data().rx_ring();
        let mut done: c_int = 0;
        // One locked section takes the whole batch (at most `budget` packets).
        // CAST: `budget` is positive.
        // SAFETY: the queue is initialized; the grabbed chain is owned by this poll.
        let mut next = unsafe { bindings::fponic_rxq_grab(ring.queue.get(), budget as u32) };
        while !next.is_null() {
            // SAFETY: `next` is an owned skb of the chain; unlinking hands it over on its own.
            let skb = unsafe {
                let cur = next;
                next = bindings::fponic_skb_unlink_next(cur);
                SkBuff::from_raw(cur)
            };
            // The packet was forwarded to `dev` when it was queued (`RxRing::enqueue`).
            // SAFETY: `napi` is valid and polled by us; the stack (through GRO if the device
            // has it on) takes ownership of the skb.
            unsafe { bindings::fponic_napi_receive(napi, skb.into_raw()) };
            done += 1;
        }
        // CAST: `done` is in `0..=budget`.
        T::after_poll(dev, done as u32);
        if done < budget {
            // SAFETY: valid NAPI instance, polled by us.
            unsafe { bindings::napi_complete_done(napi, done) };
        }
        done
    }
}
