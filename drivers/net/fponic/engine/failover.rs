// SPDX-License-Identifier: GPL-2.0

//! Uplink failover policy.
//!
//! Every function has a home uplink. While failover is on, a function whose home uplink is down
//! is served by a surviving uplink of the failover group (the lowest-numbered one that is up),
//! and goes back home as soon as its home uplink is up again (failback). With failover off, a
//! function always uses its home uplink. An uplink's own virtual port follows the same rule, so
//! rules that redirect to an uplink keep working when it fails.
//!
//! The policy's settings are validated here, once for every front end (devlink parameters,
//! configfs): a refused setting changes nothing.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::id::UplinkId;

/// Longest failback hold-down, in milliseconds.
pub(crate) const MAX_HOLDDOWN_MS: u32 = 600_000;

/// Why a failover setting was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyError {
    /// The failover group is empty or names an uplink that cannot exist.
    BadGroup,
    /// The failback hold-down is longer than [`MAX_HOLDDOWN_MS`].
    HoldDownTooLong,
    /// A home uplink the device does not have.
    NoSuchUplink,
    /// A home for a function the device does not have.
    NoSuchFunction,
}

impl PolicyError {
    /// The message for the user (a devlink extack).
    pub(crate) fn message(self) -> &'static core::ffi::CStr {
        match self {
            PolicyError::BadGroup => c"fponic: failover_group is a non-empty mask of uplinks 0-7",
            PolicyError::HoldDownTooLong => c"fponic: failback_delay_ms is at most 600000",
            PolicyError::NoSuchUplink => c"fponic: no such uplink",
            PolicyError::NoSuchFunction => c"fponic: no such function",
        }
    }
}

/// Every uplink a device can have, as an uplink set (the default failover group).
pub(crate) fn all_uplinks() -> u32 {
    UplinkId::all().fold(0, |m, i| m | i.bit())
}

/// Checks a failover group: a non-empty bit mask of uplinks a device can have.
pub(crate) fn check_group(mask: u32) -> Result<u32, PolicyError> {
    if mask == 0 || mask & !all_uplinks() != 0 {
        return Err(PolicyError::BadGroup);
    }
    Ok(mask)
}

/// Checks a failback hold-down (ms): at most [`MAX_HOLDDOWN_MS`].
pub(crate) fn check_holddown(ms: u32) -> Result<u32, PolicyError> {
    if ms > MAX_HOLDDOWN_MS {
        return Err(PolicyError::HoldDownTooLong);
    }
    Ok(ms)
}

/// Checks a home uplink (a number as the user gave it) against the number of uplinks of the
/// device.
pub(crate) fn check_home(uplink: u8, num_uplinks: usize) -> Result<UplinkId, PolicyError> {
    UplinkId::new(uplink)
        .filter(|i| i.index() < num_uplinks)
        .ok_or(PolicyError::NoSuchUplink)
}

/// Where a port with home uplink `home` should be served, given which uplinks are up.
///
/// `group` is a bit mask of the uplinks that take part in failover (bit `i` for uplink `i`).
/// Returns `home` when it is up, when failover is off, or when no uplink of the group is up (the
/// port then waits on its home uplink).
pub(crate) fn serve(home: UplinkId, up: &[bool], group: u32, enabled: bool) -> UplinkId {
    let home_up = up.get(home.index()).copied().unwrap_or(false);
    if !enabled || home_up || group & home.bit() == 0 {
        return home;
    }
    UplinkId::below(up.len())
        .zip(up)
        .find(|&(i, &u)| u && group & i.bit() != 0)
        .map_or(home, |(i, _)| i)
}

/// Where the traffic of uplink `i` itself goes (frames the switch sends out of uplink `i`, and
/// the uplink's own virtual port): like [`serve`] with `i` as home, except that an uplink that
/// was never `wired` is not configured rather than failed and keeps its traffic.
pub(crate) fn serve_uplink(
    i: UplinkId,
    up: &[bool],
    wired: &[bool],
    group: u32,
    enabled: bool,
) -> UplinkId {
    if wired.get(i.index()).copied().unwrap_or(false) {
        serve(i, up, group, enabled)
    } else {
        i
    }
}

/// What a change of the uplink states did to one port: it moved away from its home (failover),
/// back home (failback), or between surviving uplinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Move {
    /// No change.
    Stay,
    /// Left the home uplink.
    Failover,
    /// Returned to the home uplink.
    Failback,
    /// Moved between two uplinks that are not its home.
    Shift,
}

/// Classifies a move of a port with home `home` from uplink `from` to uplink `to`.
pub(crate) fn classify(home: UplinkId, from: UplinkId, to: UplinkId) -> Move {
    match (from == to, from == home, to == home) {
        (true, _, _) => Move::Stay,
        (false, true, _) => Move::Failover,
        (false, _, true) => Move::Failback,
        _ => Move::Shift,
    }
}

/// [`serve`] with a failback hold-down: a port served away from home (`cur`) does not return
/// home until the home uplink has been up long enough (`home_settled`), as long as `cur` is still
/// up. Failover itself is never delayed.
pub(crate) fn serve_holddown(
    home: UplinkId,
    cur: UplinkId,
    up: &[bool],
    group: u32,
    enabled: bool,
    home_settled: bool,
) -> UplinkId {
    let to = serve(home, up, group, enabled);
    let cur_up = up.get(cur.index()).copied().unwrap_or(false);
    if enabled && to == home && cur != home && cur_up && !home_settled {
        cur
    } else {
        to
    }
}

/// Length of an announcement frame: the minimum Ethernet frame, without FCS (`ETH_ZLEN`).
pub(crate) const ANNOUNCE_LEN: usize = 60;

/// Ethertype of RARP.
const ETH_P_RARP: u16 = 0x8035;

/// The frame that makes the network learn that `mac` is now behind the uplink it is sent from
/// after a failover: a broadcast RARP reverse request from `mac` (RFC 903), as hypervisors send
/// after moving a VM (bridges learn the source address from any frame). Its hardware addresses
/// are `mac`, its protocol addresses 0, and it is zero-padded to the minimum frame length.
pub(crate) fn announcement(mac: &[u8; 6]) -> [u8; ANNOUNCE_LEN] {
    let mut f = [0u8; ANNOUNCE_LEN];
    // Ethernet header: broadcast, from `mac`.
    f[0..6].fill(0xff);
    f[6..12].copy_from_slice(mac);
    f[12..14].copy_from_slice(&ETH_P_RARP.to_be_bytes());
    // Hardware type Ethernet, protocol IPv4, address lengths 6 and 4, opcode reverse request.
    f[14..22].copy_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x03]);
    // Sender hardware address, then (after the sender protocol address) the target's.
    f[22..28].copy_from_slice(mac);
    f[32..38].copy_from_slice(mac);
    f
}
