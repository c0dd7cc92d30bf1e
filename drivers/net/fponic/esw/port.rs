// SPDX-License-Identifier: GPL-2.0

//! The netdevs of the switch: their data, their transmit entry and their NAPI receive path.
//!
//! Every fponic netdev (uplink, function, representor) has the same driver type, [`PortNetdev`]:
//! a role, the switch it belongs to and a bounded receive ring polled by NAPI. Transmitting hands
//! the packet to the switch ([`Eswitch::xmit`]), which enqueues it on the destination's ring (or
//! sends it out of a wire); the destination's NAPI delivers it with GRO.

use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Full,
            Relaxed, //
        },
        barrier::smp_mb,
        Arc,
    },
};

use crate::{
    bind::{
        napi::{
            self,
            RxRing, //
        },
        netdev::{
            Device,
            LinkStats,
            TxResult, //
        },
        skb::SkBuff,
    },
    engine::{
        id::{
            vpid::{
                self,
                Ppid,
                Vpid, //
            },
            UplinkId, //
        },
        switch::From, //
    },
};

use super::{
    DropCause,
    Eswitch,
    FuncShared, //
};

/// Queues of every fponic netdev: one transmit queue, and one receive ring polled by NAPI.
pub(crate) const QUEUES: u32 = 1;

/// Receive ring size of every fponic netdev, in packets.
pub(crate) const RX_RING_SIZE: u32 = 1024;

/// What a netdev is in the switch.
pub(crate) enum Role {
    /// The netdev of uplink `i`: PF port in legacy mode, uplink representor in switchdev mode.
    Uplink(UplinkId),
    /// A function's own netdev (what a VM or namespace uses).
    Func(Arc<FuncShared>),
    /// A function's representor (switchdev mode).
    Rep(Arc<FuncShared>),
}

/// Driver data of every fponic netdev.
#[pin_data]
pub(crate) struct PortNetdev {
    esw: Arc<Eswitch>,
    role: Role,
    #[pin]
    ring: RxRing,
    /// A sender stopped its queue because this ring was full.
    wake_senders: Atomic<bool>,
}

impl PortNetdev {
    /// Initializer for the netdev `dev` with `role` in `esw`.
    pub(crate) fn new(
        dev: &Device<Self>,
        esw: Arc<Eswitch>,
        role: Role,
    ) -> impl PinInit<Self, Error> {
        let ring = RxRing::new(dev, RX_RING_SIZE);
        try_pin_init!(Self {
            esw,
            role,
            ring <- ring,
            wake_senders: Atomic::new(false),
        })
    }

    /// Where this netdev's transmissions enter the switch.
    fn ingress(&self) -> From {
        match &self.role {
            Role::Uplink(i) => From::Uplink(*i),
            Role::Func(f) => From::Func(f.id),
            Role::Rep(f) => From::Rep(f.id),
        }
    }

    /// Asks this netdev's NAPI to wake stopped senders once its ring drained (or `ndo_stop` to
    /// wake them if the netdev goes down first). The caller checks for room afterwards: the
    /// fully ordered exchange pairs with the one in [`napi::Poll::after_poll`] and in `stop`, so
    /// either the caller sees the room or the drainer sees the request.
    pub(crate) fn request_wake(&self) {
        self.wake_senders.xchg(true, Full);
    }

    /// The switch.
    pub(crate) fn eswitch(&self) -> &Eswitch {
        &self.esw
    }

    /// Whether this netdev belongs to `esw`.
    pub(crate) fn same_switch(&self, esw: &Eswitch) -> bool {
        core::ptr::eq(&*self.esw, esw)
    }

    /// The virtual port whose traffic a representor's ingress rules see: the represented
    /// function for a representor, the uplink for an uplink netdev. `None` for function netdevs.
    pub(crate) fn offload_vpid(&self) -> Option<Vpid> {
        match &self.role {
            Role::Uplink(i) => Some(vpid::of(Ppid::Uplink(*i))),
            Role::Rep(f) => Some(f.id.vpid()),
            Role::Func(_) => None,
        }
    }

    /// The virtual port of the port this netdev is the host's interface of: the function for a
    /// function netdev, the uplink for an uplink netdev (the PF in legacy mode). `None` for
    /// representors.
    pub(crate) fn own_vpid(&self) -> Option<Vpid> {
        match &self.role {
            Role::Uplink(i) => Some(vpid::of(Ppid::Uplink(*i))),
            Role::Func(f) => Some(f.id.vpid()),
            Role::Rep(_) => None,
        }
    }

    /// Whether this netdev may receive: an inactive function's netdev receives nothing, not even
    /// what offloaded rules redirect or mirror to it.
    pub(crate) fn accepts(&self) -> bool {
        match &self.role {
            Role::Func(f) => f.active.load(Relaxed),
            Role::Uplink(_) | Role::Rep(_) => true,
        }
    }

    /// `ndo_open`: the ring takes packets, the queue runs, and the carrier comes up as the role
    /// wants.
    pub(crate) fn open(dev: &Device<Self>) {
        dev.data().ring.enable();
        dev.start_queue();
        // Carrier: an active function's netdev and a representor have it while open (the core
        // then reports the operational state UP, as for veth); an uplink's follows its wire.
        match &dev.data().role {
            Role::Func(f) if f.active.load(Relaxed) => dev.carrier_on(),
            Role::Rep(_) => dev.carrier_on(),
            Role::Func(_) | Role::Uplink(_) => {}
        }
    }

    /// `ndo_stop`: the reverse of [`PortNetdev::open`].
    pub(crate) fn stop(dev: &Device<Self>) {
        if !matches!(dev.data().role, Role::Uplink(_)) {
            dev.carrier_off();
        }
        dev.stop_queue();
        dev.data().ring.disable();
        // A sender stopped because this ring was full would otherwise wait for a poll that no
        // longer comes (the netdev is down, or going away): wake it now. Its next packets to
        // this netdev are dropped as `dest_down`.
        if dev.data().wake_senders.xchg(false, Full) {
            dev.data().esw.wake_stopped();
        }
    }

    /// `ndo_start_xmit`: `dev` sends `skb` into the switch.
    pub(crate) fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxResult {
        let this = dev.data();
        // An inactive function sends nothing, from the moment it is deactivated (its carrier
        // goes off at once, but the core keeps transmitting until linkwatch runs).
        if let Role::Func(f) = &this.role {
            if !f.active.load(Relaxed) {
                this.esw.count_drop(DropCause::FuncInactive);
                dev.count_tx_dropped();
                drop(skb);
                return TxResult::Ok;
            }
        }
        this.esw.xmit(this.ingress(), dev, skb)
    }

    /// The counters `ndo_get_stats64` reports: a representor reports its port's vport counters
    /// (its own, slow path, traffic is in the CPU_HIT offload stats).
    pub(crate) fn stats(dev: &Device<Self>) -> LinkStats {
        match &dev.data().role {
            Role::Rep(f) => dev.data().esw.func_vport_stats(f.id),
            Role::Uplink(_) | Role::Func(_) => dev.sw_stats(),
        }
    }

    /// Whether this netdev is an uplink's: VF configuration (`ip link set ... vf`) goes through
    /// the PF.
    pub(crate) fn is_uplink(&self) -> bool {
        matches!(self.role, Role::Uplink(_))
    }

    /// Whether the receive ring has room.
    pub(crate) fn rx_ring_has_room(&self) -> bool {
        self.ring.len() < self.ring.capacity()
    }
}

impl napi::Poll for PortNetdev {
    fn rx_ring(&self) -> &RxRing {
        &self.ring
    }

    fn after_poll(dev: &Device<Self>, _delivered: u32) {
        let this = dev.data();
        // Orders the poll's dequeues before the load of the request: with the sender's fully
        // ordered request (`request_wake`, then its room check), either side sees the other.
        smp_mb(Full);
        if this.wake_senders.load(Relaxed)
            && this.ring.len() <= this.ring.capacity() / 2
            && this.wake_senders.xchg(false, Full)
        {
            this.esw.wake_stopped();
        }
    }
}
