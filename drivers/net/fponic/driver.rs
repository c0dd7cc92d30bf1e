// SPDX-License-Identifier: GPL-2.0

//! The module: owns the configfs subsystem through which devices are created and the netdev
//! notifier that tracks uplink wires.

use kernel::{
    prelude::*,
    sync::rcu, //
};

use crate::{
    bind::notifier,
    dev::configfs,
    esw::wire::WireEvents, //
};

/// Module state. Fields drop in declaration order: devices (configfs) go before the notifier.
#[pin_data]
pub(crate) struct Fponic {
    #[pin]
    configfs: kernel::configfs::Subsystem<configfs::Root>,
    #[pin]
    notifier: notifier::Registration<WireEvents>,
    /// Dropped last: waits for the RCU callbacks that free replaced flow-table buckets.
    _rcu: RcuBarrier,
}

/// Waits for pending RCU callbacks when dropped, so none runs after the module is gone.
struct RcuBarrier;

impl Drop for RcuBarrier {
    fn drop(&mut self) {
        rcu::rcu_barrier();
    }
}

impl kernel::InPlaceModule for Fponic {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        pr_info!("loaded; create devices with mkdir /sys/kernel/config/fponic/<name>\n");
        try_pin_init!(Self {
            configfs <- configfs::subsystem(),
            notifier <- notifier::Registration::new(WireEvents),
            _rcu: RcuBarrier,
        })
    }
}
