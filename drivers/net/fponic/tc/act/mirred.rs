// SPDX-License-Identifier: GPL-2.0

//! Mirred (act_mirred): `mirred egress redirect` and `mirred egress mirror` to a port of the
//! switch, named by its virtual port.

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

pub(super) fn parse(ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    match a.id() {
        act_id::REDIRECT => Ok(Action::Redirect(ports.target_vpid(a.dev())?)),
        act_id::MIRRED => Ok(Action::Mirror(ports.target_vpid(a.dev())?)),
        _ => Err(NOT_MINE),
    }
}

#[inline(always)]
pub(super) fn execute(ex: &impl Exec, _run: &mut Run<'_>, a: &Action, skb: SkBuff) -> Step {
    match *a {
        Action::Redirect(v) => match ex.deliver(v, skb) {
            Ok(()) => Step::Done,
            Err(why) => Step::Lost(why),
        },
        Action::Mirror(v) => {
            match skb.try_clone() {
                Some(c) => {
                    if let Err(why) = ex.deliver(v, c) {
                        ex.count_drop(why);
                    }
                }
                None => ex.count_drop(DropCause::NoMem),
            }
            Step::Next(skb)
        }
        _ => Step::Next(skb),
    }
}
