// SPDX-License-Identifier: GPL-2.0

//! VLAN (act_vlan): `vlan push`, `vlan pop` and `vlan modify` of the outer tag.

use kernel::error::Error;

use super::{
    Exec,
    Ports,
    Run,
    Step,
    NOT_MINE, //
};
use crate::{
    bind::{
        skb::SkBuff,
        tc::{
            act_id,
            FlowerAction, //
        },
    },
    engine::{
        drop::DropCause,
        flow::{
            Action,
            Refusal, //
        },
        vlan,
    },
};

/// Length of an Ethernet header.
const ETH_HLEN: u32 = 14;

fn is_vlan_tpid(t: u16) -> bool {
    t == 0x8100 || t == 0x88a8
}

pub(super) fn parse(_ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    let (tpid, id, prio) = a.vlan();
    match a.id() {
        act_id::VLAN_PUSH => {
            if !is_vlan_tpid(tpid) {
                return Err(c"fponic: vlan push supports 802.1Q and 802.1ad only");
            }
            Ok(Action::VlanPush { tpid, id, prio })
        }
        act_id::VLAN_POP => Ok(Action::VlanPop),
        act_id::VLAN_MANGLE => Action::vlan_modify(tpid, id, prio, a.vlan_prio_given()),
        _ => Err(NOT_MINE),
    }
}

/// The kernel's VLAN functions go by `skb->protocol`, which frames from AF_PACKET or the stack
/// may leave unset on a frame whose outer tag is in the packet: it becomes the tag's TPID.
fn fix_protocol(skb: &mut SkBuff) {
    if let Some(tpid) = vlan::in_band_tpid(skb.data()) {
        if skb.hw_vlan().is_none() {
            skb.set_protocol(tpid);
        }
    }
}

/// act_vlan's modify (`tcf_vlan_act`, `TCA_VLAN_ACT_MODIFY`): a tagged packet's outer tag gets
/// `tpid`, `id` and, if given, `prio` ([`vlan::modify_tci`]), and ends up in metadata; an
/// untagged packet passes unchanged. Tagged means a tag in metadata or in the frame, whatever
/// `skb->protocol` says. An error means the tag could not be taken out of the packet.
fn modify(skb: &mut SkBuff, tpid: u16, id: u16, prio: Option<u8>) -> Result<(), Error> {
    let tci = match skb.hw_vlan() {
        Some((_, tci)) => {
            skb.clear_hw_vlan();
            tci
        }
        None => {
            if !skb.may_pull(ETH_HLEN) {
                return Ok(());
            }
            let Some(in_band) = vlan::in_band_tpid(skb.data()) else {
                return Ok(());
            };
            skb.set_protocol(in_band);
            skb.vlan_pop_in_band()?
        }
    };
    skb.set_hw_vlan(tpid, vlan::modify_tci(tci, id, prio));
    Ok(())
}

/// Moves an outer tag that is still in the packet to metadata, as `skb_vlan_untag()` does before
/// software tc ingress sees a received frame (whose header offsets act_pedit uses). `false` if
/// the frame has no Ethernet header or the tag could not be moved.
pub(super) fn outer_tag_to_metadata(skb: &mut SkBuff) -> bool {
    if !skb.may_pull(ETH_HLEN) {
        return false;
    }
    let Some(tpid) = vlan::in_band_tpid(skb.data()) else {
        return true;
    };
    if skb.hw_vlan().is_some() {
        return true;
    }
    match skb.vlan_pop_in_band() {
        Ok(tci) => {
            skb.set_hw_vlan(tpid, tci);
            true
        }
        Err(_) => false,
    }
}

/// As act_vlan, a packet the action fails on is dropped.
#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run<'_>, a: &Action, mut skb: SkBuff) -> Step {
    let done = match *a {
        Action::VlanPush { tpid, id, prio } => {
            fix_protocol(&mut skb);
            skb.vlan_push(tpid, (u16::from(prio) << 13) | id)
        }
        Action::VlanPop => {
            fix_protocol(&mut skb);
            skb.vlan_pop()
        }
        Action::VlanModify { tpid, id, prio } => modify(&mut skb, tpid, id, prio),
        _ => Ok(()),
    };
    match done {
        Ok(()) => Step::Next(skb),
        Err(_) => Step::Lost(DropCause::ActionFailed),
    }
}
