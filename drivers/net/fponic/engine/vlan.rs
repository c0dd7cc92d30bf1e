// SPDX-License-Identifier: GPL-2.0

//! VLAN tags (act_vlan): what the vlan actions decide, apart from moving tags in and out of
//! the packet, which the kernel's own functions do.
//!
//! This file is plain `core` Rust: it is also compiled into the host test crate.

use super::{
    frame::be16,
    packet::{
        ETH_P_8021AD,
        ETH_P_8021Q, //
    },
};

/// `eth_type_vlan()`: whether `ethertype` is the TPID of a VLAN tag (802.1Q or 802.1ad).
pub(crate) fn is_tpid(ethertype: u16) -> bool {
    ethertype == ETH_P_8021Q || ethertype == ETH_P_8021AD
}

/// The TPID of the outer VLAN tag in Ethernet frame `frame`, if its outer tag is in the packet
/// (the ethertype field is a TPID).
pub(crate) fn in_band_tpid(frame: &[u8]) -> Option<u16> {
    let t = be16(frame, 12);
    (frame.len() >= 14 && is_tpid(t)).then_some(t)
}

/// act_vlan's modify (`TCA_VLAN_ACT_MODIFY`) of tag control information `tci`: VLAN id `vid`
/// replaces the tag's, priority `prio` its PCP if one was given (`tcfv_push_prio_exists`);
/// DEI, and PCP without a priority, stay.
pub(crate) fn modify_tci(tci: u16, vid: u16, prio: Option<u8>) -> u16 {
    let tci = (tci & !0x0fff) | vid;
    match prio {
        Some(p) => (tci & !0xe000) | (u16::from(p) << 13),
        None => tci,
    }
}
