// SPDX-License-Identifier: GPL-2.0

//! Checksum update (act_csum): `csum` recomputes the checksums it names.

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
        csum,
        drop::DropCause,
        flow::{
            Action,
            Refusal, //
        },
    },
};

pub(super) fn parse(_ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
    match a.id() {
        act_id::CSUM => Ok(Action::Csum(a.csum_flags())),
        _ => Err(NOT_MINE),
    }
}

/// As act_csum, a packet whose checksums cannot be updated is dropped.
#[inline(always)]
pub(super) fn execute(_ex: &impl Exec, _run: &mut Run<'_>, a: &Action, mut skb: SkBuff) -> Step {
    match *a {
        Action::Csum(flags) if !csum::act(&mut skb, flags) => Step::Lost(DropCause::ActionFailed),
        _ => Step::Next(skb),
    }
}
