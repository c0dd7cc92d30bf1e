// SPDX-License-Identifier: GPL-2.0

//! The module: owns the configfs subsystem through which devices are created and the netdev
//! notifier that tracks uplink wires.

use kernel::prelude::*;

use crate::{
    bind::notifier,
    configfs,
    wire::WireEvents, //
};

/// Module state. Fields drop in declaration order: devices (configfs) go before the notifier.
#[pin_data]
pub(crate) struct Fponic {
    #[pin]
    configfs: kernel::configfs::Subsystem<configfs::Root>,
    #[pin]
    notifier: notifier::Registration<WireEvents>,
}

impl kernel::InPlaceModule for Fponic {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        pr_info!("loaded; create devices with mkdir /sys/kernel/config/fponic/<name>\n");
        try_pin_init!(Self {
            configfs <- configfs::subsystem(),
            notifier <- notifier::Registration::new(WireEvents),
        })
    }
}
