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
    sync::Arc, //
};

use crate::{
    bind::{
        netdev::NetDev,
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
    },
    eswitch::Eswitch,
};

/// Receive handler data of a wire: which uplink of which switch it feeds.
pub(crate) struct WireBinding {
    esw: Arc<Eswitch>,
    uplink: u8,
}

impl WireBinding {
    /// Binding of uplink `uplink` of `esw`.
    pub(crate) fn new(esw: Arc<Eswitch>, uplink: u8) -> Self {
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
                esw.unbind_wire(uplink, rtnl);
            }
            Event::Up | Event::Down | Event::Change => esw.sync_uplink_carrier(uplink),
        }
    }
}
