// SPDX-License-Identifier: GPL-2.0

//! The control plane: devices and everything that configures them.
//!
//! It builds on the data plane ([`crate::esw`]) and the rule layer ([`crate::tc`]), which never
//! import it:
//! - [`configfs`] - the user's entry, `/sys/kernel/config/fponic/<name>/` (create, uplinks, VFs,
//!   wires, failover, VPID map);
//! - [`device`] - one device's life (enable, teardown, mode changes) and its devlink instance;
//! - [`devlink`] - devlink callbacks (eswitch mode, ports, port functions, parameters, resources);
//! - [`port`] - what all ports share (devlink port data, netdev names);
//! - [`params`] - the devlink parameters;
//! - [`uplink`] and [`function`] - creating and removing the ports (uplink, VF, SF) with their
//!   netdevs, representors and devlink ports;
//! - [`netdev`] - the net device operations, dispatching to the data plane and to [`offload`];
//! - [`offload`] - the tc block and flower callbacks: rules from [`crate::tc`] into the switch;
//! - [`health`] - the `uplink` health reporter;
//! - [`debugfs`] - state for people (switch, rules, log, drops).

pub(crate) mod configfs;
pub(crate) mod debugfs;
pub(crate) mod device;
pub(crate) mod devlink;
pub(crate) mod function;
pub(crate) mod health;
mod netdev;
pub(crate) mod offload;
pub(crate) mod params;
pub(crate) mod port;
pub(crate) mod uplink;
