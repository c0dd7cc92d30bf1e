// SPDX-License-Identifier: GPL-2.0

//! Offloaded tc flower rules: which keys and actions fponic executes, their translation into
//! the switch's flow rules, and the flow table the data path classifies with.
//!
//! - this file: a flower rule as a whole (keys, actions, chain, priority, resume point);
//! - [`keys`] - match keys;
//! - [`act`] - actions, one family per file, and their execution on a packet;
//! - [`ct`] - offloaded connections (act_ct's flow tables);
//! - [`ft`] - offloaded connections of nftables flowtables;
//! - [`flowtable`] - the rules, read by the data path under RCU.
//!
//! Anything fponic cannot execute exactly is refused with an extack message; nothing
//! unsupported is ever accepted silently. The offload callbacks that install rules on a switch
//! are in the control plane ([`crate::dev::offload`]); the data path that executes them is in
//! [`crate::esw`].

pub(crate) mod act;
pub(crate) mod ct;
pub(crate) mod flowtable;
pub(crate) mod ft;
mod keys;

use crate::{
    bind::{
        netdev::NetDev,
        tc::FlowerRule, //
    },
    engine::{
        flow::{
            Refusal,
            RuleSpec, //
        },
        id::vpid::Vpid,
    },
};

/// The ports a rule may name.
pub(crate) trait Ports {
    /// The virtual port that mirred target `dev` stands for, or why it cannot be one.
    fn target_vpid(&self, dev: Option<&NetDev>) -> Result<Vpid, Refusal>;
}

/// Translates flower rule `r` arriving on the representor with virtual port `in_vpid` into a
/// rule of the flow table; `ports` names the virtual ports of mirred targets.
pub(crate) fn build_spec(
    ports: &impl Ports,
    in_vpid: Vpid,
    r: &FlowerRule<'_>,
) -> Result<RuleSpec, Refusal> {
    let m = keys::translate(in_vpid, r)?;
    let mut actions = act::translate(ports, r)?;
    actions.validate(r.chain)?;
    // A packet that leaves the eswitch mid-pipeline (after these actions, or after a miss in the
    // chain they jump to) carries the tc skb extension, so software resumes where the eswitch
    // stopped and applies no action twice. Without it software would start over.
    let resume = r.resume_after_actions();
    if resume.is_none() && !r.skip_sw && actions.may_leave_pipeline() {
        return Err(c"fponic: software cannot resume this rule where the eswitch stops (no tc skb extension)");
    }
    actions.set_resume(resume.unwrap_or(0));
    Ok(RuleSpec {
        chain: r.chain,
        prio: r.prio,
        key: m.key.masked(&m.mask),
        mask: m.mask,
        ranges: m.ranges,
        actions,
    })
}
