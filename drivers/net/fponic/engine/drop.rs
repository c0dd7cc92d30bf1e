// SPDX-License-Identifier: GPL-2.0

//! Why the data path drops a packet: one counter per cause.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::switch;

/// Why the data path dropped a packet; each has a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum DropCause {
    /// The destination's receive ring was full.
    RingFull = 0,
    /// The destination netdev is down.
    DestDown,
    /// The uplink has no wire.
    NoWire,
    /// The uplink's wire is down or has no carrier.
    WireDown,
    /// The sending or receiving function is inactive.
    FuncInactive,
    /// The source or destination port does not exist (any more).
    NoSuchPort,
    /// The frame is shorter than an Ethernet header.
    Runt,
    /// No memory for a flood copy.
    NoMem,
    /// A rule named a virtual port with no mapping.
    VpidUnresolved,
    /// A rule's action (VLAN push/pop/modify) failed on the packet.
    ActionFailed,
    /// Dropped by fault injection (debugfs `drop_every`).
    FaultInjected,
    /// More `goto`s than software tc follows for one packet.
    GotoLoop,
}

impl DropCause {
    /// Number of reasons.
    pub(crate) const COUNT: usize = 12;
    /// All reasons, in counter order.
    pub(crate) const ALL: [DropCause; Self::COUNT] = [
        DropCause::RingFull,
        DropCause::DestDown,
        DropCause::NoWire,
        DropCause::WireDown,
        DropCause::FuncInactive,
        DropCause::NoSuchPort,
        DropCause::Runt,
        DropCause::NoMem,
        DropCause::VpidUnresolved,
        DropCause::ActionFailed,
        DropCause::FaultInjected,
        DropCause::GotoLoop,
    ];

    /// Name as shown to users.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DropCause::RingFull => "ring_full",
            DropCause::DestDown => "dest_down",
            DropCause::NoWire => "no_wire",
            DropCause::WireDown => "wire_down",
            DropCause::FuncInactive => "func_inactive",
            DropCause::NoSuchPort => "no_such_port",
            DropCause::Runt => "runt",
            DropCause::NoMem => "no_mem",
            DropCause::VpidUnresolved => "vpid_unresolved",
            DropCause::ActionFailed => "action_failed",
            DropCause::FaultInjected => "fault_injected",
            DropCause::GotoLoop => "goto_loop",
        }
    }
}

impl core::convert::From<switch::DropReason> for DropCause {
    fn from(r: switch::DropReason) -> Self {
        match r {
            switch::DropReason::FuncInactive => DropCause::FuncInactive,
            switch::DropReason::NoSuchPort => DropCause::NoSuchPort,
        }
    }
}
