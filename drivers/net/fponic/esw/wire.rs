// SPDX-License-Identifier: GPL-2.0

//! Uplink wires: a lower net device (a veth end, a NIC) carries an uplink's frames.
//!
//! Binding takes over the lower device's receive path with an rx handler (as bonding does): every
//! frame it receives enters the switch at the uplink's wire. Frames the switch sends out of the
//! uplink are transmitted on the lower device. The uplink's carrier follows the lower device's
//! administrative and carrier state through the netdev notifier, which also unbinds a lower
//! device that is being unregistered.

use kernel::{
    prelude::*,
    sync::{
        aref::ARef,
        rcu,
        Arc, //
    },
};

use crate::engine::id::UplinkId;

use crate::bind::{
    netdev::{
        Device as NetDevice,
        NetDev, //
    },
    notifier::{
        self,
        Event, //
    },
    rtnl::Rtnl,
    rx_handler::{
        RxHandler,
        RxHandlerRegistration, //
    },
    skb::SkBuff,
};

use super::{
    port::PortNetdev,
    Eswitch, //
};

/// Receive handler data of a wire: which uplink of which switch it feeds.
pub(crate) struct WireBinding {
    esw: Arc<Eswitch>,
    uplink: UplinkId,
}

impl WireBinding {
    /// Binding of uplink `uplink` of `esw`.
    pub(crate) fn new(esw: Arc<Eswitch>, uplink: UplinkId) -> Self {
        Self { esw, uplink }
    }
}

impl RxHandler for WireBinding {
    fn receive(&self, skb: SkBuff) {
        self.esw.rx_from_wire(self.uplink, skb);
    }
}

/// The module's netdev notifier handler: tracks the state of every bound wire.
pub(crate) struct WireEvents;

impl notifier::Handler for WireEvents {
    fn event(&self, event: Event, dev: &NetDev, rtnl: &Rtnl) {
        let Some(binding) = RxHandlerRegistration::<WireBinding>::data_of(dev, rtnl) else {
            return;
        };
        let (esw, uplink) = (binding.esw.clone(), binding.uplink);
        match event {
            Event::Unregister => {
                pr_info!(
                    "dev {}: wire of uplink {} is going away, unbinding it\n",
                    esw.dev_id,
                    uplink
                );
                Eswitch::unbind_wire(&esw, uplink, rtnl);
            }
            Event::Up | Event::Down | Event::Change => Eswitch::sync_uplink_carrier(&esw, uplink),
        }
    }
}

impl Eswitch {
    /// Binds `lower` as the wire of uplink `i`.
    pub(crate) fn bind_wire(
        this: &Arc<Self>,
        i: UplinkId,
        lower: ARef<NetDev>,
        rtnl: &Rtnl,
    ) -> Result {
        let is_port = |d: &NetDev| NetDevice::<PortNetdev>::try_from_netdev(d).is_some();
        if is_port(&lower) {
            pr_err!("wire refused: an fponic port cannot be another port's wire\n");
            return Err(EINVAL);
        }
        // A device stacked on a port (a VLAN or macvlan on a VF, a bond over a representor)
        // would carry the switch's own frames back into it: a loop.
        if lower.any_lower(rtnl, is_port) {
            pr_err!("wire refused: it is stacked on an fponic port, which would make a loop\n");
            return Err(ELOOP);
        }
        let mut wires = this.wires.lock();
        let slot = wires.get_mut(i.index()).ok_or(EINVAL)?;
        if slot.is_some() {
            pr_err!("uplink {} already has a wire; unbind it first\n", i);
            return Err(EBUSY);
        }
        let binding = Arc::new(WireBinding::new(this.clone(), i), GFP_KERNEL)?;
        // Everything that can fail comes before the registration: an error after it would have
        // to unregister under the RTNL this thread already holds.
        drop(this.wire_tx[i.index()].replace(Some(lower.clone()))?);
        let reg = match RxHandlerRegistration::register(lower, binding, rtnl) {
            Ok(reg) => reg,
            Err(e) => {
                // Unpublishing allocates nothing and cannot fail.
                let _ = this.wire_tx[i.index()].replace(None);
                return Err(e);
            }
        };
        *slot = Some(reg);
        drop(wires);
        Eswitch::sync_uplink_carrier(this, i);
        Ok(())
    }

    /// Unbinds the wire of uplink `i`, if any.
    pub(crate) fn unbind_wire(this: &Arc<Self>, i: UplinkId, rtnl: &Rtnl) {
        let mut wires = this.wires.lock();
        let Some(reg) = wires.get_mut(i.index()).and_then(Option::take) else {
            return;
        };
        drop(wires);
        // Stop transmitting on it first, then stop receiving from it.
        // Removing needs no allocation and cannot fail.
        let _ = this.wire_tx[i.index()].replace(None);
        reg.unregister(rtnl);
        Eswitch::sync_uplink_carrier(this, i);
    }

    /// Unbinds every wire (teardown).
    pub(crate) fn unbind_all(this: &Arc<Self>, rtnl: &Rtnl) {
        for i in UplinkId::below(this.wire_tx.len()) {
            Self::unbind_wire(this, i, rtnl);
        }
    }

    /// The wire of every uplink, for display: `(uplink, name)`.
    pub(crate) fn wire_names(&self) -> KVec<(UplinkId, Option<[u8; 16]>)> {
        let guard = rcu::Guard::new();
        let mut v = KVec::new();
        for (i, w) in UplinkId::all().zip(self.wire_tx.iter()) {
            // Allocation failure only shortens the listing.
            let _ = v.push((i, w.get(&guard).map(|d| d.name())), GFP_ATOMIC);
        }
        v
    }

    /// The wire of uplink `i`, if bound.
    pub(crate) fn wire<'a>(
        &'a self,
        i: UplinkId,
        guard: &'a rcu::Guard,
    ) -> Option<&'a ARef<NetDev>> {
        self.wire_tx.get(i.index()).and_then(|w| w.get(guard))
    }

    /// Sets the carrier of uplink `i`'s netdev.
    pub(crate) fn set_uplink_carrier(&self, i: UplinkId, up: bool) {
        let guard = rcu::Guard::new();
        if let Some(dev) = self.snap.get(&guard).and_then(|s| s.uplinks.get(i.index())) {
            if up {
                dev.carrier_on();
            } else {
                dev.carrier_off();
            }
        }
    }
}
