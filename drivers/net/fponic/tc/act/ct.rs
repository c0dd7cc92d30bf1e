// SPDX-License-Identifier: GPL-2.0

//! Connection tracking (act_ct): `ct [zone N] [nat ...] [commit|force]` and `ct clear`.
//!
//! Software establishes connections and offloads them to the switch ([`super::super::ct`]). A
//! packet that reaches `ct` and belongs to one gets its state and goes on in the eswitch; any
//! other leaves it, and software resumes at that very action (the tc skb extension's
//! `act_miss` cookie): conntrack sees the packet once, then the rest of the rule (typically a
//! `goto` to the chain matching `ct_state`) runs in software. `ct` is the first action of its
//! rule, so the eswitch did nothing to such a packet and counts nothing for it: software counts
//! the rule's actions.

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
            ct_act,
            FlowerAction, //
        },
    },
    engine::{
        ct::nat,
        flow::{
            Action,
            Refusal, //
        },
    },
};

pub(super) fn parse(_ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    if a.id() != act_id::CT {
        return Err(NOT_MINE);
    }
    let (flags, zone) = a.ct();
    if flags & ct_act::CLEAR != 0 {
        return Ok(Action::CtClear);
    }
    let resume = a.miss_cookie();
    if resume == 0 {
        return Err(c"fponic: software cannot resume at ct (no tc skb extension)");
    }
    Ok(Action::Ct {
        table: None,
        zone,
        nat: nat_flags(flags),
        commit: flags & (ct_act::COMMIT | ct_act::FORCE) != 0,
        resume,
    })
}

/// The `nat` flags of `TCA_CT_ACT_*` flags `f`.
fn nat_flags(f: u32) -> u8 {
    let on = |bit: u32, v: u8| if f & bit != 0 { v } else { 0 };
    on(ct_act::NAT, nat::NAT) | on(ct_act::NAT_SRC, nat::SRC) | on(ct_act::NAT_DST, nat::DST)
}

#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, run: &mut Run<'_>, a: &Action, skb: SkBuff) -> Step {
    match *a {
        // The pipeline looks connections up before a rule's other actions run (`ct` is the
        // first); here it only leaves for software.
        Action::Ct { resume, .. } => Step::Software(skb, resume),
        // The packet is untracked again.
        _ => {
            run.ct = None;
            Step::Next(skb)
        }
    }
}
