// SPDX-License-Identifier: GPL-2.0

//! Forwarding decisions of the embedded switch when no flow rule applies.
//!
//! Ports: uplink `i` has a wire (the physical link) and a netdev (`<dev>p<i>`): in legacy mode the
//! netdev is the host's PF port on that uplink, in switchdev mode it is the uplink representor.
//! A function (VF or SF) has a function netdev and, in switchdev mode, a representor.
//!
//! switchdev mode (the slow path of a switchdev eswitch: everything the flow table misses goes to
//! the representor of the port it came from, and what a representor sends goes to its port):
//! - wire `i` -> uplink netdev `i`; uplink netdev `i` -> wire `i`;
//! - function `f` -> representor `f`; representor `f` -> function `f`.
//!
//! legacy mode (SR-IOV MAC switching): each uplink is an L2 domain holding its PF netdev, its
//! wire and the functions whose home uplink it is. Known unicast is delivered inside the domain,
//! unknown unicast from a function or PF leaves through the domain's wire, unknown unicast from
//! the wire goes to the PF netdev, and broadcast/multicast is flooded to the domain except where
//! it came from. Inactive functions neither send nor receive.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::id::{
    FuncId,
    UplinkId, //
};

/// Eswitch mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// MAC switching.
    Legacy,
    /// Representors; the host programs the switch.
    Switchdev,
}

/// Where a frame enters the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum From {
    /// Received on the wire of uplink `i`.
    Wire(UplinkId),
    /// Transmitted by the netdev of uplink `i` (PF or uplink representor).
    Uplink(UplinkId),
    /// Transmitted by the netdev of function `id`.
    Func(FuncId),
    /// Transmitted by the representor of function `id`.
    Rep(FuncId),
}

/// Where a frame leaves the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum To {
    /// Out of the wire of uplink `i`.
    Wire(UplinkId),
    /// Received by the netdev of uplink `i`.
    Uplink(UplinkId),
    /// Received by the netdev of function `id`.
    Func(FuncId),
    /// Received by the representor of function `id`.
    Rep(FuncId),
}

/// Why the switch dropped a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// The sending or receiving function is inactive.
    FuncInactive,
    /// The source port does not exist in this mode (e.g. a representor in legacy mode).
    NoSuchPort,
}

/// What a function looks like to the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FuncView {
    /// Function id.
    pub(crate) id: FuncId,
    /// Current MAC address of its netdev.
    pub(crate) mac: [u8; 6],
    /// Home uplink (legacy domain).
    pub(crate) home: UplinkId,
    /// Whether the function is active.
    pub(crate) active: bool,
}

/// A forwarding decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Deliver to one port.
    One(To),
    /// Flood the legacy domain of uplink `domain`: every active function of the domain except
    /// `skip_func`, plus the PF netdev and the wire if requested.
    Flood {
        /// The domain (an uplink).
        domain: UplinkId,
        /// The function the frame came from, which does not get a copy.
        skip_func: Option<FuncId>,
        /// Whether the PF netdev of the domain gets a copy.
        to_uplink: bool,
        /// Whether the frame goes out of the domain's wire.
        to_wire: bool,
    },
    /// Drop.
    Drop(DropReason),
}

/// Whether `mac` is a group (broadcast or multicast) address.
pub(crate) fn is_group(mac: &[u8; 6]) -> bool {
    mac[0] & 1 != 0
}

/// Decides where a frame entering at `from` with destination `dst` goes, when no flow applies.
///
/// `funcs` lists the functions; `pf_mac(i)` is the MAC address of uplink `i`'s netdev.
pub(crate) fn decide<I, M>(mode: Mode, from: From, dst: &[u8; 6], funcs: I, pf_mac: M) -> Decision
where
    I: Iterator<Item = FuncView> + Clone,
    M: Fn(UplinkId) -> [u8; 6],
{
    match mode {
        Mode::Switchdev => decide_switchdev(from, funcs),
        Mode::Legacy => decide_legacy(from, dst, funcs, pf_mac),
    }
}

fn find<I: Iterator<Item = FuncView>>(mut funcs: I, id: FuncId) -> Option<FuncView> {
    funcs.find(|f| f.id == id)
}

fn decide_switchdev<I: Iterator<Item = FuncView> + Clone>(from: From, funcs: I) -> Decision {
    match from {
        From::Wire(i) => Decision::One(To::Uplink(i)),
        From::Uplink(i) => Decision::One(To::Wire(i)),
        From::Func(id) => match find(funcs, id) {
            Some(f) if f.active => Decision::One(To::Rep(id)),
            Some(_) => Decision::Drop(DropReason::FuncInactive),
            None => Decision::Drop(DropReason::NoSuchPort),
        },
        From::Rep(id) => match find(funcs, id) {
            Some(f) if f.active => Decision::One(To::Func(id)),
            Some(_) => Decision::Drop(DropReason::FuncInactive),
            None => Decision::Drop(DropReason::NoSuchPort),
        },
    }
}

fn decide_legacy<I, M>(from: From, dst: &[u8; 6], funcs: I, pf_mac: M) -> Decision
where
    I: Iterator<Item = FuncView> + Clone,
    M: Fn(UplinkId) -> [u8; 6],
{
    let (domain, skip_func) = match from {
        From::Wire(i) | From::Uplink(i) => (i, None),
        From::Func(id) => match find(funcs.clone(), id) {
            Some(f) if f.active => (f.home, Some(id)),
            Some(_) => return Decision::Drop(DropReason::FuncInactive),
            None => return Decision::Drop(DropReason::NoSuchPort),
        },
        From::Rep(_) => return Decision::Drop(DropReason::NoSuchPort),
    };
    let from_wire = matches!(from, From::Wire(_));
    let from_uplink = matches!(from, From::Uplink(_));
    if is_group(dst) {
        return Decision::Flood {
            domain,
            skip_func,
            to_uplink: !from_uplink,
            to_wire: !from_wire,
        };
    }
    let target = funcs
        .filter(|f| f.home == domain && Some(f.id) != skip_func)
        .find(|f| &f.mac == dst);
    match target {
        Some(f) if f.active => Decision::One(To::Func(f.id)),
        Some(_) => Decision::Drop(DropReason::FuncInactive),
        None if from_wire => Decision::One(To::Uplink(domain)),
        None if !from_uplink && *dst == pf_mac(domain) => Decision::One(To::Uplink(domain)),
        None => Decision::One(To::Wire(domain)),
    }
}

/// The destinations of a flood decision, in a stable order: functions (in `funcs` order), then
/// the PF netdev, then the wire.
pub(crate) fn flood_targets<I>(d: &Decision, funcs: I) -> impl Iterator<Item = To>
where
    I: Iterator<Item = FuncView>,
{
    let (domain, skip, to_uplink, to_wire, on) = match *d {
        Decision::Flood {
            domain,
            skip_func,
            to_uplink,
            to_wire,
        } => (domain, skip_func, to_uplink, to_wire, true),
        _ => (UplinkId::FIRST, None, false, false, false),
    };
    funcs
        .filter(move |f| on && f.home == domain && f.active && Some(f.id) != skip)
        .map(|f| To::Func(f.id))
        .chain(to_uplink.then_some(To::Uplink(domain)))
        .chain(to_wire.then_some(To::Wire(domain)))
}
