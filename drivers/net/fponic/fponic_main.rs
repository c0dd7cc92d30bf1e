// SPDX-License-Identifier: GPL-2.0

//! fponic: a virtual multi-port NIC with an embedded switch.
//!
//! See `Documentation/networking/device_drivers/ethernet/fponic.rst`. The crate's layers, each
//! importing only the ones below it:
//! - [`driver`] - module init and exit;
//! - [`dev`] - the control plane (devices, devlink, ports, functions, configfs, tc offload
//!   callbacks, health, debugfs);
//! - [`esw`] - the data plane (the switch's state as packets see it, forwarding, rule
//!   execution, wires, failover);
//! - [`tc`] - offloaded flower rules: keys, actions, the flow table the data plane classifies
//!   with;
//! - [`engine`] - pure logic with no kernel types, also built and tested on the host;
//! - [`bind`] - safe abstractions over kernel C APIs; all `unsafe` code lives here.

mod bind;
mod dev;
mod driver;
mod engine;
mod esw;
mod tc;

kernel::prelude::module! {
    type: driver::Fponic,
    name: "fponic",
    authors: ["The fponic developers"],
    description: "Virtual multi-port NIC with an embedded switch",
    license: "GPL",
}
