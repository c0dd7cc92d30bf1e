// SPDX-License-Identifier: GPL-2.0

//! Flower actions: which ones fponic executes, and their translation into the switch's actions
//! (executed by [`crate::esw`]'s offload path).

use crate::{
    bind::{
        netdev::{
            Device as NetDevice,
            NetDev, //
        },
        tc::{
            FlowerAction,
            FlowerRule, //
        },
    },
    engine::flow::{
        Action,
        Actions,
        PeditHdr,
        Refusal, //
    },
    esw::{
        port::PortNetdev,
        Eswitch, //
    },
};

fn is_vlan_tpid(t: u16) -> bool {
    t == 0x8100 || t == 0x88a8
}

/// The actions of flower rule `r`, in order, not validated yet.
pub(super) fn translate(esw: &Eswitch, r: &FlowerRule<'_>) -> Result<Actions, Refusal> {
    let mut actions = Actions::default();
    for a in r.actions() {
        let act = match a {
            FlowerAction::Drop => Action::Drop,
            FlowerAction::Accept => Action::Accept,
            FlowerAction::Redirect(dev) => Action::Redirect(target_vpid(esw, dev)?),
            FlowerAction::Mirror(dev) => Action::Mirror(target_vpid(esw, dev)?),
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

/// The virtual port a mirred target stands for: a representor of the same switch.
fn target_vpid(esw: &Eswitch, dev: Option<&NetDev>) -> Result<u32, Refusal> {
    let d = dev
        .and_then(NetDevice::<PortNetdev>::try_from_netdev)
        .ok_or(c"fponic: redirect/mirror target must be a representor of the same switch")?;
    if !d.data().same_switch(esw) {
        return Err(c"fponic: redirect/mirror target must be a representor of the same switch");
    }
    d.data()
        .offload_vpid()
        .ok_or(c"fponic: redirect/mirror target must be a representor, not a function netdev")
}
