// SPDX-License-Identifier: GPL-2.0

//! Execution of offloaded flower rules, as software tc runs a representor's ingress block.

use kernel::{
    prelude::*,
    sync::rcu, //
};

use crate::{
    bind::skb::{
        SkBuff,
        TcResume, //
    },
    engine::{
        flow::{
            Key, //
        },
        id::vpid::{
            self,
            Ppid, //
        },
        packet,
        switch::From,
    },
    tc::act::{
        self,
        Step, //
    },
};

use super::{
    DropCause,
    Eswitch,
    Snapshot, //
};

/// What the offload path did with a packet.
pub(super) enum Offload {
    /// No rule touched it: the slow path takes it as it came (and may push back).
    Miss(SkBuff),
    /// It leaves the pipeline without being forwarded or dropped, counted or changed by rules:
    /// the slow path takes it, and software tc resumes where given.
    Leave(SkBuff, Option<TcResume>),
    /// Forwarded or dropped by a rule.
    Done,
    /// Lost (not yet counted in the switch's drop counters).
    Lost(DropCause),
}

/// Most `goto`s one packet follows, as software tc's `max_reclassify_loop`.
const MAX_GOTOS: u32 = 16;

/// Parses `skb` as flower's flow dissector does, first making linear whatever headers lie in
/// its fragments.
fn parse_skb(skb: &mut SkBuff) -> Result<packet::FlowKey, packet::ParseError> {
    let total = usize::try_from(skb.len()).unwrap_or(usize::MAX);
    let hw_vlan = skb.hw_vlan();
    packet::parse_pulling(skb, total, hw_vlan, SkBuff::data, |s, len| {
        u32::try_from(len).is_ok_and(|len| s.may_pull(len))
    })
}

impl Eswitch {
    /// Runs the flow table on a packet entering at `from`, as software tc runs the ingress
    /// block of its representor: chain 0 first, the matching rule's actions in order, `goto`
    /// to a higher chain. A packet that leaves the pipeline without being forwarded or dropped
    /// (a miss in a chain reached by `goto`, `accept`, or a rule whose actions do not end it)
    /// goes to the slow path with where software resumes, so that no action runs twice.
    pub(super) fn offload_path(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        from: From,
        mut skb: SkBuff,
    ) -> Offload {
        let in_vpid = match from {
            From::Wire(i) => vpid::of(Ppid::Uplink(i)).get(),
            From::Func(id) => id.vpid().get(),
            From::Uplink(_) | From::Rep(_) => return Offload::Miss(skb),
        };
        // What the actions need of the switch.
        let ex = act::ExecFns(
            |vpid, skb| self.deliver_vpid(snap, guard, vpid, skb),
            |why| self.count_drop(why),
        );
        let mut chain = 0;
        // `goto` only jumps forward, so this ends; the bound is software's: tcf_classify()
        // follows at most `MAX_GOTOS` gotos and drops the packet at the next one.
        'hops: for hops in 0..=MAX_GOTOS {
            // Where software resumes if the packet leaves here: nothing happened yet in chain
            // 0, so software starts over; later, it resumes in the chain the eswitch missed in.
            let here = (hops > 0).then_some(TcResume::Chain(chain));
            let left = |skb| match here {
                None => Offload::Miss(skb),
                Some(r) => Offload::Leave(skb, Some(r)),
            };
            let parsed = match parse_skb(&mut skb) {
                Ok(p) => p,
                // Runts (the core drops them) or a failed pull: software decides.
                Err(_) => return left(skb),
            };
            let key = Key::from_packet(in_vpid, &parsed);
            let Some(rule) = self.flows.classify(chain, &key, guard) else {
                return left(skb);
            };
            // The rule counts the packet as it matched, once its first action kept it in the
            // eswitch: one that sends it to software (`ct`) leaves the rule to software, which
            // runs and counts its actions.
            let mut uncounted = Some((skb.gso_segs(), skb.len()));
            let mut run = act::Run::default();
            for a in rule.spec.actions.as_slice() {
                let step = act::execute(&ex, &mut run, a, skb);
                if let Some((segs, len)) = uncounted.take() {
                    if !matches!(step, Step::Software(..)) {
                        rule.hit(segs, len, crate::bind::time::jiffies());
                    }
                }
                match step {
                    Step::Next(s) => skb = s,
                    Step::Stop(s) => {
                        skb = s;
                        break;
                    }
                    // The last action: the next hop classifies in chain `c`.
                    Step::Goto(s, c) => {
                        if hops == MAX_GOTOS {
                            return Offload::Lost(DropCause::GotoLoop);
                        }
                        skb = s;
                        chain = c;
                        continue 'hops;
                    }
                    Step::Done => return Offload::Done,
                    Step::Lost(why) => return Offload::Lost(why),
                    Step::Software(s, at) => return Offload::Leave(s, Some(TcResume::Action(at))),
                }
            }
            // `accept`, or actions that do not end the packet: software goes on after them
            // (its own run of the rule would leave the packet to the stack now).
            let resume = rule.spec.actions.resume();
            return Offload::Leave(skb, (resume != 0).then_some(TcResume::Action(resume)));
        }
        // Unreachable: the last hop either returns or drops at its `goto`.
        Offload::Lost(DropCause::GotoLoop)
    }
}
