// SPDX-License-Identifier: GPL-2.0

//! fponic's binding layer: safe abstractions over the kernel C APIs that the kernel crate does not
//! wrap yet (network devices, NAPI, socket buffers, devlink, faux devices).
//!
//! All `unsafe` code of the driver lives here. The modules are shaped like
//! `rust/kernel/net/phy.rs` (`#[repr(transparent)]` wrappers over [`Opaque`], `#[vtable]` traits,
//! `Adapter<T>` trampolines built on [`from_result`]) so that they can move to `rust/kernel/net/`
//! later. Driver modules use only the safe API exported here.
//!
//! [`Opaque`]: kernel::types::Opaque
//! [`from_result`]: kernel::error::from_result

pub(crate) mod ct;
pub(crate) mod devlink;
pub(crate) mod faux;
pub(crate) mod health;
pub(crate) mod ida;
pub(crate) mod napi;
pub(crate) mod netdev;
pub(crate) mod netlink;
pub(crate) mod notifier;
pub(crate) mod rcu;
pub(crate) mod rtnl;
pub(crate) mod rx_handler;
pub(crate) mod skb;
pub(crate) mod tc;
pub(crate) mod time;
pub(crate) mod work;

mod ffi;
