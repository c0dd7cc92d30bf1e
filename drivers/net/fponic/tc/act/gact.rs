// SPDX-License-Identifier: GPL-2.0

//! Generic actions (act_gact): `drop`, `ok` (accept) and `goto chain`.

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
    engine::flow::{
        Action,
        Refusal, //
    },
};

pub(super) fn parse(_ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    match a.id() {
        act_id::DROP => Ok(Action::Drop),
        act_id::ACCEPT => Ok(Action::Accept),
        act_id::GOTO => Ok(Action::Goto(a.chain())),
        _ => Err(NOT_MINE),
    }
}

#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run<'_>, a: &Action, skb: SkBuff) -> Step {
    match *a {
        Action::Drop => {
            drop(skb);
            Step::Done
        }
        // The last action (`Actions::validate`): software resumes after it.
        Action::Accept => Step::Stop(skb),
        // The last action too; the pipeline bounds the number of jumps.
        Action::Goto(c) => Step::Goto(skb, c),
        _ => Step::Next(skb),
    }
}
