// SPDX-License-Identifier: GPL-2.0

//! fponic: a virtual multi-port NIC with an embedded switch.
//!
//! See `Documentation/networking/device_drivers/ethernet/fponic.rst`.

mod bind;
mod configfs;
mod datapath;
mod debugfs;
mod device;
mod devlink;
mod driver;
mod engine;
mod eswitch;
mod failover;
mod flowtable;
mod function;
mod health;
mod port;
mod tc;
mod wire;

kernel::prelude::module! {
    type: driver::Fponic,
    name: "fponic",
    authors: ["The fponic developers"],
    description: "Virtual multi-port NIC with an embedded switch",
    license: "GPL",
}
