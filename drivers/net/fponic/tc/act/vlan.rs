// SPDX-License-Identifier: GPL-2.0

//! VLAN (act_vlan): `vlan push`, `vlan pop` and `vlan modify` of the outer tag.

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
    },
};

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

/// As act_vlan, a packet the action fails on is dropped.
#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run<'_>, a: &Action, mut skb: SkBuff) -> Step {
    let done = match *a {
        Action::VlanPush { tpid, id, prio } => skb.vlan_push(tpid, (u16::from(prio) << 13) | id),
        Action::VlanPop => skb.vlan_pop(),
        Action::VlanModify { tpid, id, prio } => skb.vlan_modify(tpid, id, prio),
        _ => Ok(()),
    };
    match done {
        Ok(()) => Step::Next(skb),
        Err(_) => Step::Lost(DropCause::ActionFailed),
    }
}
