// SPDX-License-Identifier: GPL-2.0

//! Faux devices: the `struct device` a virtual NIC hangs its devlink instance and netdevs off.
//!
//! The kernel crate has `kernel::faux::Registration`, but it does not expose the raw
//! `struct device *` that `devlink_alloc()` needs, so this is a minimal equivalent.
//!
//! C header: [`include/linux/device/faux.h`](srctree/include/linux/device/faux.h)

use core::ptr::{
    self,
    NonNull, //
};

use kernel::prelude::*;

use super::ffi::bindings;

/// A registered faux device.
///
/// # Invariants
///
/// `self.0` points to a `struct faux_device` created by `faux_device_create()` and not yet
/// destroyed; it is destroyed when this value is dropped.
pub(crate) struct Registration(NonNull<bindings::faux_device>);

// SAFETY: A faux device may be destroyed from any thread, and `&Registration` only hands out the
// device pointer.
unsafe impl Send for Registration {}
// SAFETY: See above; no method mutates through `&self`.
unsafe impl Sync for Registration {}

impl Registration {
    /// Creates and registers the faux device `faux/<name>`.
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is a valid NUL-terminated string for the duration of the call; the
        // device has no parent and no callbacks.
        let dev = unsafe {
            bindings::faux_device_create(name.as_char_ptr(), ptr::null_mut(), ptr::null())
        };
        // INVARIANT: on success `dev` is a freshly created faux device.
        NonNull::new(dev).map(Self).ok_or(ENODEV)
    }

    /// The embedded `struct device`, for APIs that parent objects to it.
    pub(crate) fn as_raw_device(&self) -> *mut bindings::device {
        // SAFETY: `self.0` is valid by the type invariant; taking a field address does not read it.
        unsafe { &raw mut (*self.0.as_ptr()).dev }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a live faux device by the type invariant and is not used after this.
        unsafe { bindings::faux_device_destroy(self.0.as_ptr()) };
    }
}
