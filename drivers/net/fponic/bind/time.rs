// SPDX-License-Identifier: GPL-2.0

//! Clocks the kernel crate does not expose yet: jiffies and a monotonic clock cheap enough for
//! any context.

use super::ffi::bindings;

/// Monotonic time in milliseconds (`ktime_get_mono_fast_ns()`: safe in any context).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: reads a clock; callable in any context.
    unsafe { bindings::fponic_now_ms() }
}

/// The current time in jiffies.
pub(crate) fn jiffies() -> u64 {
    // SAFETY: reads a global counter.
    // CAST: `unsigned long` is 64 bits on the supported architectures.
    unsafe { bindings::fponic_jiffies() as u64 }
}
