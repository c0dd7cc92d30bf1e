// SPDX-License-Identifier: GPL-2.0

//! Connection tracking (act_ct): `ct [zone N] [nat ...] [commit|force]` and `ct clear`.
//!
//! Software establishes connections; the eswitch holds no connection yet, so a packet that
//! reaches `ct` leaves it, and software resumes at that very action (the tc skb extension's
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
    engine::flow::{
        Action,
        Refusal, //
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
        zone,
        nat: flags & (ct_act::NAT | ct_act::NAT_SRC | ct_act::NAT_DST) != 0,
        commit: flags & (ct_act::COMMIT | ct_act::FORCE) != 0,
        resume,
    })
}

#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run, a: &Action, skb: SkBuff) -> Step {
    match *a {
        // No connection is offloaded: software looks it up.
        Action::Ct { resume, .. } => Step::Software(skb, resume),
        // The packet's conntrack state is already none: no connection is offloaded, and a
        // packet enters the eswitch without one.
        _ => Step::Next(skb),
    }
}
