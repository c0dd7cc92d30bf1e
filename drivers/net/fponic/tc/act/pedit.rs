// SPDX-License-Identifier: GPL-2.0

//! Packet edit (act_pedit): `pedit` set keys on the Ethernet, IPv4, IPv6, TCP and UDP headers.
//! tc passes each key of a pedit action as an action of its own.

use super::{
    vlan,
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
        flow::{
            Action,
            PeditHdr,
            Refusal, //
        },
        pedit,
    },
};

/// Where a run of a rule's actions is in its pedit actions.
#[derive(Default)]
pub(super) struct State {
    /// A key of the current pedit action could not be applied: its other keys are skipped.
    stopped: bool,
}

pub(super) fn parse(_ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    if a.id() != act_id::MANGLE {
        return Err(NOT_MINE);
    }
    let m = a.mangle();
    Ok(Action::Pedit {
        first: a.first_of_its_action(),
        hdr: PeditHdr::from_htype(m.htype).ok_or(c"fponic: pedit header type not supported")?,
        offset: u16::try_from(m.offset).map_err(|_| c"fponic: pedit offset out of range")?,
        mask: m.mask,
        val: m.val,
    })
}

/// As act_pedit, a key that cannot be applied stops its action: the packet goes on without the
/// rest of that action's keys. Offsets are those software sees on a received frame, whose outer
/// tag is in metadata: one still in the packet moves there first.
#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, run: &mut Run<'_>, a: &Action, mut skb: SkBuff) -> Step {
    if let Action::Pedit {
        first,
        hdr,
        offset,
        mask,
        val,
    } = *a
    {
        let st = &mut run.pedit;
        if first {
            st.stopped = false;
        }
        if !st.stopped {
            st.stopped = !(vlan::outer_tag_to_metadata(&mut skb)
                && pedit::set(&mut skb, hdr, offset, mask, val));
        }
    }
    Step::Next(skb)
}
