// SPDX-License-Identifier: GPL-2.0

//! The module: owns the configfs subsystem through which devices are created.

use kernel::prelude::*;

use crate::configfs;

/// Module state.
#[pin_data]
pub(crate) struct Fponic {
    #[pin]
    configfs: kernel::configfs::Subsystem<configfs::Root>,
}

impl kernel::InPlaceModule for Fponic {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        pr_info!("loaded; create devices with mkdir /sys/kernel/config/fponic/<name>\n");
        try_pin_init!(Self {
            configfs <- configfs::subsystem(),
        })
    }
}
