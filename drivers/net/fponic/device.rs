// SPDX-License-Identifier: GPL-2.0

//! A fponic device: a faux device with a devlink instance and its physical ports.

use kernel::{
    prelude::*,
    str::CString,
    sync::atomic::{
        Atomic,
        Relaxed, //
    }, //
};

use crate::{
    bind::{
        devlink,
        faux, //
    },
    devlink::DevlinkData,
    port::Uplink,
};

/// Maximum number of physical ports of one device.
pub(crate) const MAX_UPLINKS: u32 = 8;

/// Ids of devices, unique for the module's lifetime; they make MACs and switch ids unique.
static NEXT_ID: Atomic<u32> = Atomic::new(1);

/// A live device.
///
/// Fields drop in declaration order, which is the teardown order: netdevs and devlink ports,
/// then the devlink instance, then the faux device they hang off.
pub(crate) struct Device {
    uplinks: KVec<Uplink>,
    devlink: devlink::Registration<DevlinkData>,
    _faux: faux::Registration,
}

impl Device {
    /// Creates device `name` (already validated) with `num_uplinks` physical ports.
    pub(crate) fn new(name: &CStr, num_uplinks: u32) -> Result<Self> {
        let id = NEXT_ID.fetch_add(1, Relaxed);
        let faux_name = CString::try_from_fmt(fmt!("fponic-{}", name.to_str()?))?;
        let faux = faux::Registration::new(&faux_name)?;
        let devlink = devlink::Registration::new(&faux, try_pin_init!(DevlinkData { id }))?;
        let mut uplinks = KVec::with_capacity(num_uplinks as usize, GFP_KERNEL)?;
        for n in 0..num_uplinks {
            // On error, `uplinks`, `devlink` and `faux` unwind in that order.
            uplinks.push(Uplink::new(&devlink, name.to_bytes(), id, n)?, GFP_KERNEL)?;
        }
        pr_info!(
            "{}: device {} created with {} uplinks\n",
            faux_name.to_str()?,
            id,
            num_uplinks
        );
        Ok(Self {
            uplinks,
            devlink,
            _faux: faux,
        })
    }

    /// The device id.
    pub(crate) fn id(&self) -> u32 {
        self.devlink.data().id
    }

    /// The uplinks, in port number order.
    pub(crate) fn uplinks(&self) -> &[Uplink] {
        &self.uplinks
    }
}
