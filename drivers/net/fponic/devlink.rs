// SPDX-License-Identifier: GPL-2.0

//! The devlink instance of a device.

use kernel::prelude::*;

use crate::bind::devlink;

/// Driver data in the devlink instance's private area.
#[pin_data]
pub(crate) struct DevlinkData {
    /// Device id (see [`crate::device::Device`]).
    pub(crate) id: u32,
}

#[vtable]
impl devlink::Operations for DevlinkData {}
