// SPDX-License-Identifier: GPL-2.0

//! Module-wide ids.
//!
//! One IDA (`lib/idr.c`) for the module: ids in `1..=max`, unique among the ids currently held,
//! the lowest free one first, so ids of objects that went away are reused and the space never
//! runs out while fewer than `max` objects live.
//!
//! C header: [`include/linux/idr.h`](srctree/include/linux/idr.h)

use kernel::prelude::*;

use super::ffi::bindings;

/// An id held from the module's id space; released when dropped.
///
/// # Invariants
///
/// `self.0` was allocated from the module's IDA and is not released yet.
pub(crate) struct ModuleId(u32);

impl ModuleId {
    /// Takes the lowest free id in `1..=max`; `ENOSPC` if all are held. Sleeps.
    pub(crate) fn alloc(max: u32) -> Result<Self> {
        // SAFETY: the helper calls `ida_alloc_range` on the module's static IDA; process context.
        let id = unsafe { bindings::fponic_id_alloc(max) };
        // CAST: a non-negative result is an id in `1..=max`.
        kernel::error::to_result(id).map(|()| Self(id as u32))
    }

    /// The id.
    pub(crate) fn get(&self) -> u32 {
        self.0
    }
}

impl Drop for ModuleId {
    fn drop(&mut self) {
        // SAFETY: allocated and not released yet (type invariant); released once, here.
        unsafe { bindings::fponic_id_free(self.0) };
    }
}

#[kernel::macros::kunit_tests(fponic_ida)]
mod tests {
    use super::ModuleId;

    #[test]
    fn ids_are_unique_lowest_first_and_reused() {
        let a = ModuleId::alloc(3).expect("free id");
        let b = ModuleId::alloc(3).expect("free id");
        let c = ModuleId::alloc(3).expect("free id");
        assert!(a.get() != b.get() && b.get() != c.get() && a.get() != c.get());
        assert!((1..=3).contains(&a.get()) && (1..=3).contains(&c.get()));
        // All held: no id, however long the module lives.
        assert_eq!(ModuleId::alloc(3).err(), Some(kernel::error::code::ENOSPC));
        let freed = b.get();
        drop(b);
        assert_eq!(ModuleId::alloc(3).map(|d| d.get()), Ok(freed));
    }
}
