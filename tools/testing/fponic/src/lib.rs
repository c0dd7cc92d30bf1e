// SPDX-License-Identifier: GPL-2.0

//! Host build of the driver's pure engines.
//!
//! The files are the driver's own (`drivers/net/fponic/engine/`), included by path, as
//! `tools/testing/radix-tree` builds kernel code in user space. Tests live next to this file.

#![no_std]
#![forbid(unsafe_code)]
// Engine items are used by the tests and by the kernel module, not by this library itself.
#![cfg_attr(not(test), expect(dead_code))]

#[cfg(test)]
extern crate std;

#[path = "../../../../drivers/net/fponic/engine/csum.rs"]
pub mod csum;
#[path = "../../../../drivers/net/fponic/engine/ct.rs"]
pub mod ct;
#[path = "../../../../drivers/net/fponic/engine/drop.rs"]
pub mod drop;
#[path = "../../../../drivers/net/fponic/engine/failover.rs"]
pub mod failover;
#[path = "../../../../drivers/net/fponic/engine/flow.rs"]
pub mod flow;
#[path = "../../../../drivers/net/fponic/engine/frame.rs"]
pub mod frame;
#[path = "../../../../drivers/net/fponic/engine/id.rs"]
pub mod id;
#[path = "../../../../drivers/net/fponic/engine/naming.rs"]
pub mod naming;
#[path = "../../../../drivers/net/fponic/engine/packet.rs"]
pub mod packet;
#[path = "../../../../drivers/net/fponic/engine/pedit.rs"]
pub mod pedit;
#[path = "../../../../drivers/net/fponic/engine/route.rs"]
pub mod route;
#[path = "../../../../drivers/net/fponic/engine/switch.rs"]
pub mod switch;
#[path = "../../../../drivers/net/fponic/engine/vlan.rs"]
pub mod vlan;

#[cfg(test)]
mod fake_frame;
#[cfg(test)]
mod rng;
#[cfg(test)]
mod test_csum;
#[cfg(test)]
mod test_failover;
#[cfg(test)]
mod test_flow;
#[cfg(test)]
mod test_id;
#[cfg(test)]
mod test_naming;
#[cfg(test)]
mod test_packet;
#[cfg(test)]
mod test_pedit;
#[cfg(test)]
mod test_route;
#[cfg(test)]
mod test_switch;
