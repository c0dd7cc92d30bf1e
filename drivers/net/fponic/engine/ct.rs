// SPDX-License-Identifier: GPL-2.0

//! Conntrack state of a packet in the eswitch, as software flower sees it after act_ct.
//!
//! A packet enters the eswitch untracked (flower's key fields all 0: `-trk`). A `ct` action that
//! finds the packet's connection among the offloaded ones gives it that connection's state:
//! flower's `ct_state` from the entry's `ctinfo` (as `fl_ct_info_to_flower_map`), the action's
//! zone, the connection's mark and labels. `ct clear` makes it untracked again.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use core::num::NonZeroU32;

use super::flow::{
    off,
    Key, //
};

/// The switch's number of an act_ct flow table that its rules' `ct` actions name (each zone has
/// one): from 1, the lowest free one when a first rule names the table. A connection act_ct
/// offloads from that table is matched within the number ([`off::CT_TABLE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TableNo(NonZeroU32);

impl TableNo {
    /// The first number.
    pub(crate) const FIRST: Self = Self(NonZeroU32::MIN);

    /// The number after this one, if there is one.
    pub(crate) fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }

    /// The number.
    pub(crate) fn get(self) -> u32 {
        self.0.get()
    }
}

/// Flower's `ct_state` flags (`TCA_FLOWER_KEY_CT_FLAGS_*`).
pub(crate) mod state {
    /// `new`.
    pub(crate) const NEW: u16 = 1 << 0;
    /// `est`.
    pub(crate) const ESTABLISHED: u16 = 1 << 1;
    /// `rel`.
    pub(crate) const RELATED: u16 = 1 << 2;
    /// `trk`.
    pub(crate) const TRACKED: u16 = 1 << 3;
    /// `rpl`.
    pub(crate) const REPLY: u16 = 1 << 5;
}

/// What a `ct` action's `nat` asks for.
pub(crate) mod nat {
    /// `nat`: apply the connection's NAT.
    pub(crate) const NAT: u8 = 1 << 0;
    /// `nat src`.
    pub(crate) const SRC: u8 = 1 << 1;
    /// `nat dst`.
    pub(crate) const DST: u8 = 1 << 2;
}

/// `enum ip_conntrack_info` values.
pub(crate) mod ctinfo {
    /// A packet of an established connection, original direction.
    pub(crate) const ESTABLISHED: u8 = 0;
    /// Related to an established connection.
    pub(crate) const RELATED: u8 = 1;
    /// The first packets of a connection.
    pub(crate) const NEW: u8 = 2;
    /// A packet of an established connection, reply direction.
    pub(crate) const ESTABLISHED_REPLY: u8 = 3;
    /// Related, reply direction.
    pub(crate) const RELATED_REPLY: u8 = 4;
}

/// Flower's `ct_state` of a packet whose conntrack state is `info` (`None`: not a state a
/// tracked packet has).
pub(crate) fn flower_state(info: u8) -> Option<u16> {
    let s = match info {
        ctinfo::ESTABLISHED => state::ESTABLISHED,
        ctinfo::RELATED => state::RELATED,
        ctinfo::NEW => state::NEW,
        ctinfo::ESTABLISHED_REPLY => state::ESTABLISHED | state::REPLY,
        ctinfo::RELATED_REPLY => state::RELATED | state::REPLY,
        _ => return None,
    };
    Some(state::TRACKED | s)
}

/// The conntrack fields of a packet's key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CtMeta {
    /// Flower's `ct_state` ([`state`]).
    pub(crate) state: u16,
    /// Zone.
    pub(crate) zone: u16,
    /// Mark.
    pub(crate) mark: u32,
    /// Labels, the bytes of the label bitmap.
    pub(crate) labels: [u8; 16],
}

impl Key {
    /// Sets the conntrack fields.
    pub(crate) fn set_ct(&mut self, m: &CtMeta) {
        self.set(off::CT_STATE, &m.state.to_be_bytes());
        self.set(off::CT_ZONE, &m.zone.to_be_bytes());
        self.set(off::CT_MARK, &m.mark.to_be_bytes());
        self.set(off::CT_LABELS, &m.labels);
    }
}
