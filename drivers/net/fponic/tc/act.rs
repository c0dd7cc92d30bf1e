// SPDX-License-Identifier: GPL-2.0

//! Flower actions: which ones fponic executes, and their translation into the switch's actions
//! (executed by the data path, [`crate::esw`]).

use super::Ports;
use crate::{
    bind::tc::{
        FlowerAction,
        FlowerRule, //
    },
    engine::flow::{
        Action,
        Actions,
        PeditHdr,
        Refusal, //
    },
};

fn is_vlan_tpid(t: u16) -> bool {
    t == 0x8100 || t == 0x88a8
}

/// The actions of flower rule `r`, in order, not validated yet.
pub(super) fn translate(ports: &impl Ports, r: &FlowerRule<'_>) -> Result<Actions, Refusal> {
    let mut actions = Actions::default();
    for a in r.actions() {
        let act = match a {
            FlowerAction::Drop => Action::Drop,
            FlowerAction::Accept => Action::Accept,
            FlowerAction::Redirect(dev) => Action::Redirect(ports.target_vpid(dev)?),
            FlowerAction::Mirror(dev) => Action::Mirror(ports.target_vpid(dev)?),
            FlowerAction::VlanPush { tpid, id, prio } => {
                if !is_vlan_tpid(tpid) {
                    return Err(c"fponic: vlan push supports 802.1Q and 802.1ad only");
                }
                Action::VlanPush { tpid, id, prio }
            }
            FlowerAction::VlanPop => Action::VlanPop,
            FlowerAction::VlanModify {
                tpid,
                id,
                prio,
                prio_given,
            } => Action::vlan_modify(tpid, id, prio, prio_given)?,
            FlowerAction::Goto(c) => Action::Goto(c),
            FlowerAction::Pedit {
                first,
                htype,
                offset,
                mask,
                val,
            } => Action::Pedit {
                first,
                hdr: PeditHdr::from_htype(htype)
                    .ok_or(c"fponic: pedit header type not supported")?,
                offset: u16::try_from(offset).map_err(|_| c"fponic: pedit offset out of range")?,
                mask,
                val,
            },
            FlowerAction::Csum(flags) => Action::Csum(flags),
            FlowerAction::Unsupported(msg) => return Err(msg),
        };
        actions.push(act)?;
    }
    Ok(actions)
}
