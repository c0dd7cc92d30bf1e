// SPDX-License-Identifier: GPL-2.0

//! Port identities and their numbering schemes.
//!
//! - An uplink (physical port) is [`UplinkId`]: `p0` to `p7` ([`MAX_UPLINKS`]).
//!
//! Every conversion from a number checks it: a number out of range is refused (`None` or
//! [`OutOfRange`]), never wrapped or truncated.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use core::ops::{
    Index,
    IndexMut, //
};

/// Maximum number of uplinks (physical ports) of a device.
pub(crate) const MAX_UPLINKS: u8 = 8;

/// [`MAX_UPLINKS`] as an array length.
// CAST: widening (`usize::from` is not `const`).
const UPLINK_SLOTS: usize = MAX_UPLINKS as usize;

// Uplink sets are `u32` bit masks.
const _: () = assert!(MAX_UPLINKS <= 32);

/// A number that names no port of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfRange;

/// An uplink (physical port) of a device: `p<N>`.
///
/// # Invariants
///
/// The number is below [`MAX_UPLINKS`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UplinkId(u8);

impl UplinkId {
    /// Uplink 0, which every device has.
    pub(crate) const FIRST: Self = Self(0);

    /// Uplink `n`, if a device can have it.
    pub(crate) const fn new(n: u8) -> Option<Self> {
        if n < MAX_UPLINKS {
            // INVARIANT: checked.
            Some(Self(n))
        } else {
            None
        }
    }

    /// The uplinks of a device with `n` uplinks, in order: `p0` to `p<min(n, MAX_UPLINKS) - 1>`.
    pub(crate) fn below(n: usize) -> impl Iterator<Item = Self> + Clone {
        (0..MAX_UPLINKS)
            .take(n)
            // INVARIANT: below `MAX_UPLINKS`.
            .map(Self)
    }

    /// Every uplink a device can have.
    pub(crate) fn all() -> impl Iterator<Item = Self> + Clone {
        Self::below(UPLINK_SLOTS)
    }

    /// The uplink's number.
    pub(crate) fn get(self) -> u8 {
        self.0
    }

    /// The uplink's number as an index (of per-uplink tables).
    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The uplink's bit in an uplink set (a `u32` bit mask).
    pub(crate) fn bit(self) -> u32 {
        1 << self.0
    }
}

impl TryFrom<u32> for UplinkId {
    type Error = OutOfRange;

    fn try_from(n: u32) -> Result<Self, OutOfRange> {
        u8::try_from(n).ok().and_then(Self::new).ok_or(OutOfRange)
    }
}

impl TryFrom<usize> for UplinkId {
    type Error = OutOfRange;

    fn try_from(n: usize) -> Result<Self, OutOfRange> {
        u8::try_from(n).ok().and_then(Self::new).ok_or(OutOfRange)
    }
}

impl From<UplinkId> for u8 {
    fn from(i: UplinkId) -> u8 {
        i.0
    }
}

impl From<UplinkId> for u32 {
    fn from(i: UplinkId) -> u32 {
        u32::from(i.0)
    }
}

impl From<UplinkId> for u64 {
    fn from(i: UplinkId) -> u64 {
        u64::from(i.0)
    }
}

impl From<UplinkId> for usize {
    fn from(i: UplinkId) -> usize {
        usize::from(i.0)
    }
}

/// The number, as in `p<N>` (so a [`Ppid`](super::flow::vpid::Ppid) shows as `Uplink(2)`).
impl core::fmt::Debug for UplinkId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.0, f)
    }
}

/// The number, as in `p<N>`.
impl core::fmt::Display for UplinkId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

/// One `T` per uplink a device can have, indexed by [`UplinkId`] (no bounds to check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PerUplink<T>([T; UPLINK_SLOTS]);

impl<T> PerUplink<T> {
    /// The table whose entry for uplink `i` is `f(i)`.
    pub(crate) fn from_fn(mut f: impl FnMut(UplinkId) -> T) -> Self {
        let mut ids = UplinkId::all();
        // `all()` yields exactly `UPLINK_SLOTS` ids.
        Self(core::array::from_fn(|_| {
            f(ids.next().unwrap_or(UplinkId::FIRST))
        }))
    }

    /// The entries of the first `n` uplinks (all of them for `n >= MAX_UPLINKS`).
    pub(crate) fn first(&self, n: usize) -> &[T] {
        &self.0[..n.min(UPLINK_SLOTS)]
    }

    /// Every entry with its uplink, mutably.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (UplinkId, &mut T)> + '_ {
        UplinkId::all().zip(self.0.iter_mut())
    }
}

impl PerUplink<UplinkId> {
    /// Every uplink mapped to itself.
    pub(crate) fn identity() -> Self {
        Self::from_fn(|i| i)
    }
}

impl<T: Default> Default for PerUplink<T> {
    fn default() -> Self {
        Self::from_fn(|_| T::default())
    }
}

impl<T> Index<UplinkId> for PerUplink<T> {
    type Output = T;

    fn index(&self, i: UplinkId) -> &T {
        // By the invariant of `UplinkId`, in bounds.
        &self.0[i.index()]
    }
}

impl<T> IndexMut<UplinkId> for PerUplink<T> {
    fn index_mut(&mut self, i: UplinkId) -> &mut T {
        &mut self.0[i.index()]
    }
}
