// SPDX-License-Identifier: GPL-2.0

//! Port identities and their numbering schemes, all in one place.
//!
//! A device has uplinks (physical ports) and functions (VFs and SFs):
//!
//! - an uplink is an [`UplinkId`]: `p0` to `p7` ([`MAX_UPLINKS`]);
//! - a function is a [`FuncId`]: VF `n` (`n <= MAX_VF`) or SF `n` (`n <= MAX_SF`).
//!
//! Each port has a number in three more schemes, which the methods here compute (the devlink
//! port index is the VPID):
//!
//! | port        | VPID ([`vpid`]) | devlink port index | MAC slot (netdev, representor)  |
//! |-------------|-----------------|--------------------|---------------------------------|
//! | uplink `i`  | `i`             | `i`                | `i`                             |
//! | VF `n`      | `0x1000 + n`    | `0x1000 + n`       | `0x100 + n`, `0x4000 + n`       |
//! | SF `n`      | `0x2000 + n`    | `0x2000 + n`       | `0x1000 + n`, `0x6000 + n`      |
//!
//! The MAC slot is the port part of the port's MAC address
//! ([`port_mac`](super::naming::port_mac)).
//!
//! Every conversion from a number checks it: a number out of range is refused (`None` or
//! [`OutOfRange`]), never wrapped or truncated, so user input cannot overflow.
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

    /// The devlink port index of the uplink: its number, which is also its VPID.
    pub(crate) fn port_index(self) -> u32 {
        u32::from(self.0)
    }

    /// The MAC slot of the uplink's netdev.
    pub(crate) fn mac_slot(self) -> u32 {
        u32::from(self.0)
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

/// The number, as in `p<N>` (so a [`Ppid`](vpid::Ppid) shows as `Uplink(2)`).
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

/// Largest VF number a function id and a VPID can carry (a device creates fewer).
pub(crate) const MAX_VF: u16 = 0xff;
/// Largest SF number.
pub(crate) const MAX_SF: u32 = 999;

/// A function of a device: VF `n` or SF `n`.
///
/// Ordered VFs first, then SFs, each by number. Packed into one integer (VF `n` is `n`, SF `n`
/// is `SF_ID_BASE + n`), so that the data path's lookups compare integers.
///
/// # Invariants
///
/// The value is a VF number at most [`MAX_VF`], or [`FuncId::SF_ID_BASE`] plus an SF number at
/// most [`MAX_SF`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FuncId(u32);

/// Which function a [`FuncId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FuncKind {
    /// Virtual function `n`.
    Vf(u16),
    /// Subfunction `n`.
    Sf(u32),
}

impl FuncId {
    /// Where SF numbers start in the packed value (above every VF number).
    const SF_ID_BASE: u32 = 0x1_0000;

    /// VF `n`, if a VPID can name it.
    pub(crate) const fn vf(n: u16) -> Option<Self> {
        if n <= MAX_VF {
            // INVARIANT: checked.
            // CAST: widening (`u32::from` is not `const`).
            Some(Self(n as u32))
        } else {
            None
        }
    }

    /// SF `n`, if a VPID can name it.
    pub(crate) const fn sf(n: u32) -> Option<Self> {
        if n <= MAX_SF {
            // INVARIANT: checked; no overflow, as `MAX_SF` is small.
            Some(Self(Self::SF_ID_BASE + n))
        } else {
            None
        }
    }

    /// The SF whose packed value is `v`, if any ([`vpid::decode`]).
    const fn sf_packed(v: u32) -> Option<Self> {
        if v.wrapping_sub(Self::SF_ID_BASE) <= MAX_SF {
            // INVARIANT: checked.
            Some(Self(v))
        } else {
            None
        }
    }

    /// The function a port id names (`None` for an uplink).
    pub(crate) fn of_ppid(p: vpid::Ppid) -> Option<Self> {
        match p {
            vpid::Ppid::Func(f) => Some(f),
            vpid::Ppid::Uplink(_) => None,
        }
    }

    /// Which function it is.
    pub(crate) fn kind(self) -> FuncKind {
        match self.0.checked_sub(Self::SF_ID_BASE) {
            Some(n) => FuncKind::Sf(n),
            // By the type invariant a VF number fits in 16 bits.
            None => FuncKind::Vf(u16::try_from(self.0).unwrap_or(MAX_VF)),
        }
    }

    /// The port that backs the function by identity.
    pub(crate) fn ppid(self) -> vpid::Ppid {
        vpid::Ppid::Func(self)
    }

    /// The function's VPID.
    pub(crate) fn vpid(self) -> vpid::Vpid {
        vpid::of(self.ppid())
    }

    /// The devlink port index of the function's port: its VPID.
    pub(crate) fn port_index(self) -> u32 {
        self.vpid().get()
    }

    /// The MAC slot of the function's netdev, or of its representor if `rep`.
    pub(crate) fn mac_slot(self, rep: bool) -> u32 {
        // By the type invariant, no overflow.
        match (self.kind(), rep) {
            (FuncKind::Vf(n), false) => 0x100 + u32::from(n),
            (FuncKind::Sf(n), false) => 0x1000 + n,
            (FuncKind::Vf(n), true) => 0x4000 + u32::from(n),
            (FuncKind::Sf(n), true) => 0x6000 + n,
        }
    }
}

/// As its kind: `Vf(3)`, `Sf(7)`.
impl core::fmt::Debug for FuncId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.kind(), f)
    }
}

/// As configfs names it: `vf3`, `sf7`.
impl core::fmt::Display for FuncId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.kind() {
            FuncKind::Vf(n) => write!(f, "vf{n}"),
            FuncKind::Sf(n) => write!(f, "sf{n}"),
        }
    }
}

/// Virtual port ids (VPIDs) and physical port ids (PPIDs).
///
/// A VPID names a port in flow rules: uplink `i` is `i`, VF `n` is `0x1000 + n`, SF `n` is
/// `0x2000 + n` (the devlink port index). A PPID names what currently backs it: an uplink's wire
/// or a function. Remapping a VPID to another PPID redirects every rule naming it at once.
pub(crate) mod vpid {
    use super::{
        FuncId,
        FuncKind,
        UplinkId,
        MAX_SF,
        MAX_VF,
        UPLINK_SLOTS, //
    };

    /// First VPID of the VFs.
    const VF_BASE: u32 = 0x1000;
    /// First VPID of the SFs.
    const SF_BASE: u32 = 0x2000;

    /// A virtual port id, as rules name a port (it may name no port: [`Vpid::port`]).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct Vpid(u32);

    impl Vpid {
        /// The VPID numbered `v` (a number from a rule or the user).
        pub(crate) const fn new(v: u32) -> Self {
            Self(v)
        }

        /// The number.
        pub(crate) fn get(self) -> u32 {
            self.0
        }

        /// The port the VPID names by identity, if any.
        pub(crate) fn port(self) -> Option<Ppid> {
            identity(self.0)
        }
    }

    impl From<Vpid> for u32 {
        fn from(v: Vpid) -> u32 {
            v.0
        }
    }

    impl From<Vpid> for u64 {
        fn from(v: Vpid) -> u64 {
            u64::from(v.0)
        }
    }

    /// The number.
    impl core::fmt::Debug for Vpid {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            core::fmt::Debug::fmt(&self.0, f)
        }
    }

    /// The number.
    impl core::fmt::Display for Vpid {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            core::fmt::Display::fmt(&self.0, f)
        }
    }

    /// What backs a virtual port: an uplink's wire or a function. Only ports a VPID can name
    /// are representable (the ids check their numbers).
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Ppid {
        /// The wire of uplink `i`.
        Uplink(UplinkId),
        /// A VF or an SF.
        Func(FuncId),
    }

    /// `Uplink(2)`, `Vf(3)`, `Sf(7)`.
    impl core::fmt::Debug for Ppid {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            match self {
                Self::Uplink(i) => f.debug_tuple("Uplink").field(i).finish(),
                Self::Func(id) => core::fmt::Debug::fmt(id, f),
            }
        }
    }

    /// As configfs names it ([`parse_port`]): `p2`, `vf3`, `sf7`.
    impl core::fmt::Display for Ppid {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            match self {
                Self::Uplink(i) => write!(f, "p{i}"),
                Self::Func(id) => core::fmt::Display::fmt(id, f),
            }
        }
    }

    /// The VPID of a port, by identity.
    pub(crate) fn of(p: Ppid) -> Vpid {
        Vpid(match p {
            Ppid::Uplink(i) => u32::from(i),
            // By the invariant of `FuncId`, `n` is small: never saturates.
            Ppid::Func(f) => match f.kind() {
                FuncKind::Vf(n) => VF_BASE + u32::from(n),
                FuncKind::Sf(n) => SF_BASE.saturating_add(n),
            },
        })
    }

    /// The port a VPID names by identity.
    pub(crate) fn identity(vpid: u32) -> Option<Ppid> {
        if let Ok(i) = UplinkId::try_from(vpid) {
            return Some(Ppid::Uplink(i));
        }
        if let Some(n) = vpid.checked_sub(SF_BASE) {
            return FuncId::sf(n).map(Ppid::Func);
        }
        let n = u16::try_from(vpid.checked_sub(VF_BASE)?).ok()?;
        FuncId::vf(n).map(Ppid::Func)
    }

    /// Encodes a PPID as an integer (for an xarray value entry): the kind in the high half (1
    /// for an uplink, 2 for a VF, 3 for an SF), the uplink number or the packed [`FuncId`] in
    /// the low half.
    pub(crate) fn encode(p: Ppid) -> u64 {
        match p {
            Ppid::Uplink(i) => (1 << 32) | u64::from(i),
            Ppid::Func(f) => match f.kind() {
                FuncKind::Vf(_) => (2 << 32) | u64::from(f.0),
                FuncKind::Sf(_) => (3 << 32) | u64::from(f.0),
            },
        }
    }

    /// Decodes [`encode`].
    pub(crate) fn decode(v: u64) -> Option<Ppid> {
        let low = u32::try_from(v & 0xffff_ffff).ok()?;
        match v >> 32 {
            1 => UplinkId::try_from(low).ok().map(Ppid::Uplink),
            // VF `n` packs as `n`.
            2 => u16::try_from(low).ok().and_then(FuncId::vf).map(Ppid::Func),
            3 => FuncId::sf_packed(low).map(Ppid::Func),
            _ => None,
        }
    }

    /// Parses a port name as configfs takes it: `p<N>`, `vf<N>`, `sf<N>` or a VPID number.
    pub(crate) fn parse_port(s: &str) -> Option<Ppid> {
        let num = |t: &str| t.parse::<u32>().ok();
        // User input: nothing is added to a number before it is checked (an overflow must be a
        // refusal, not a panic).
        if let Some(t) = s.strip_prefix("vf") {
            return num(t)
                .and_then(|n| u16::try_from(n).ok())
                .and_then(FuncId::vf)
                .map(Ppid::Func);
        }
        if let Some(t) = s.strip_prefix("sf") {
            return num(t).and_then(FuncId::sf).map(Ppid::Func);
        }
        if let Some(t) = s.strip_prefix('p') {
            return num(t)
                .and_then(|n| UplinkId::try_from(n).ok())
                .map(Ppid::Uplink);
        }
        num(s).and_then(identity)
    }

    /// Parses a VPID as configfs takes it: a port name ([`parse_port`]) or a VPID number, which
    /// must name a port.
    pub(crate) fn parse(s: &str) -> Option<Vpid> {
        parse_port(s).map(of)
    }

    /// Number of ports a VPID can name: every uplink, VF and SF number.
    // CAST: widening (`usize::from` is not `const`).
    pub(crate) const PORTS: usize = UPLINK_SLOTS + MAX_VF as usize + 1 + MAX_SF as usize + 1;

    /// A dense index of the port `vpid` names by identity, below [`PORTS`] (for bitmaps of
    /// ports); `None` for a VPID that names no port.
    pub(crate) fn dense_index(vpid: u32) -> Option<usize> {
        let vfs = UPLINK_SLOTS;
        let sfs = vfs + usize::from(MAX_VF) + 1;
        Some(match identity(vpid)? {
            Ppid::Uplink(i) => i.index(),
            Ppid::Func(f) => match f.kind() {
                FuncKind::Vf(n) => vfs + usize::from(n),
                FuncKind::Sf(n) => sfs + usize::try_from(n).ok()?,
            },
        })
    }
}
