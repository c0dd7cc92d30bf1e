// SPDX-License-Identifier: GPL-2.0

//! Execution of offloaded flower rules, as software tc runs a representor's ingress block.

use kernel::{
    prelude::*,
    sync::rcu, //
};

use crate::{
    bind::skb::{
        Resume,
        SkBuff,
        TcResume, //
    },
    engine::{
        ct::{
            ctinfo,
            nat,
            CtMeta,
            TableNo, //
        },
        flow::{
            Action,
            Key,
            RuleSpec, //
        },
        id::{
            vpid::{
                self,
                Ppid,
                Vpid, //
            },
            FuncId,
        },
        packet,
        switch::From,
    },
    tc::{
        act::{
            self,
            CtHit,
            Step, //
        },
        ct::CtEntry,
        flowtable::Rule,
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
    /// It leaves the pipeline without being forwarded or dropped: the slow path takes it, and
    /// software tc resumes where given.
    Leave(SkBuff, Option<Resume>),
    /// Forwarded or dropped by a rule.
    Done,
    /// Lost (not yet counted in the switch's drop counters).
    Lost(DropCause),
}

/// A `ct` action, as the data path executes it ([`Action::Ct`]).
#[derive(Clone, Copy)]
struct CtAt {
    table: Option<TableNo>,
    zone: u16,
    nat: u8,
    commit: bool,
}

/// Most `goto`s one packet follows, as software tc's `max_reclassify_loop`.
const MAX_GOTOS: u32 = 16;

/// Parses `skb` as flower's flow dissector does, first making linear whatever headers lie in
/// its fragments. Inlined into the forwarding path (the flowtable's legacy path has its copy).
#[inline(always)]
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
    /// (a miss in a chain reached by `goto`, `accept`, a rule whose actions do not end it, a
    /// `ct` that finds no offloaded connection) goes to the slow path with where software
    /// resumes, so that no action runs twice, and with the conntrack entry the eswitch found
    /// for it, so that software sees the state act_ct would have given it.
    pub(super) fn offload_path(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        from: From,
        mut skb: SkBuff,
    ) -> Offload {
        let in_vpid = match from {
            From::Wire(i) => vpid::of(Ppid::Uplink(i)),
            From::Func(id) => id.vpid(),
            From::Uplink(_) | From::Rep(_) => return Offload::Miss(skb),
        };
        // What the actions need of the switch.
        let ex = act::ExecFns(
            // Inlined, as `deliver_vpid` is (see there).
            #[inline(always)]
            |vpid, skb| self.deliver_vpid(snap, guard, vpid, skb),
            |why| self.count_drop(why),
        );
        let mut run = act::Run::default();
        // Software takes the packet over at `at`, with the packet's connection if it has one.
        let leave = |skb, at, run: &act::Run<'_>| {
            let ct = run.ct.map(|h| h.entry.ct.clone());
            Offload::Leave(skb, Some(Resume { at, ct }))
        };
        let mut chain = 0;
        // `goto` only jumps forward, so this ends; the bound is software's: tcf_classify()
        // follows at most `MAX_GOTOS` gotos and drops the packet at the next one.
        'hops: for hops in 0..=MAX_GOTOS {
            let parsed = match parse_skb(&mut skb) {
                Ok(p) => p,
                // Runts (the core drops them) or a failed pull: software decides. Nothing
                // happened yet in chain 0, so software starts over; later, it resumes in the
                // chain the eswitch stopped in.
                Err(_) if hops == 0 => return Offload::Miss(skb),
                Err(_) => return leave(skb, TcResume::Chain(chain), &run),
            };
            let mut key = Key::from_packet(in_vpid, &parsed);
            if let Some(h) = &run.ct {
                key.set_ct(&h.meta);
            }
            let Some(rule) = self.flows.classify(chain, &key, guard) else {
                if hops == 0 {
                    // Software's nftables flowtables see what tc ingress lets through.
                    if self.ft.entries.is_active() {
                        return self.flowtable_path(&ex, guard, &key, &parsed, skb);
                    }
                    return Offload::Miss(skb);
                }
                return leave(skb, TcResume::Chain(chain), &run);
            };
            let actions = rule.entry.actions.as_slice();
            // A leading `ct` first: a packet of no offloaded connection leaves before the rule
            // did anything to it, and software runs and counts the rule's actions.
            let mut rest = actions;
            // The rule's bytes as its first action counts them: act_ct counts a packet before
            // it trims it.
            let len = skb.len();
            if let [ct @ Action::Ct { .. }, tail @ ..] = actions {
                if let Err(resume) = self.ct_action(ct, &parsed, &mut skb, &mut run, guard) {
                    return leave(skb, TcResume::Action(resume), &run);
                }
                rest = tail;
            }
            rule.hit(skb.gso_segs(), len, crate::bind::time::jiffies());
            for a in rest {
                match act::execute(&ex, &mut run, a, skb) {
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
                    Step::Software(s, at) => return leave(s, TcResume::Action(at), &run),
                }
            }
            // `accept`, or actions that do not end the packet: software goes on after them
            // (its own run of the rule would leave the packet to the stack now).
            let resume = rule.entry.actions.resume();
            if resume == 0 {
                return Offload::Leave(skb, None);
            }
            return leave(skb, TcResume::Action(resume), &run);
        }
        // Unreachable: the last hop either returns or drops at its `goto`.
        Offload::Lost(DropCause::GotoLoop)
    }

    /// Looks a packet (`skb`, parsed as `parsed`, with key `key`) that no tc rule took up in
    /// the entries of nftables flowtables bound to representors, and forwards it as
    /// nf_flow_table's software fast path would on a hit ([`fast_path_candidate`]). Out of line:
    /// packets that tc rules take do not pay for it.
    #[inline(never)]
    fn flowtable_path(
        &self,
        ex: &impl act::Exec,
        guard: &rcu::Guard,
        key: &Key,
        parsed: &packet::FlowKey,
        skb: SkBuff,
    ) -> Offload {
        if !fast_path_candidate(parsed) {
            return Offload::Miss(skb);
        }
        match self.ft.entries.classify(0, key, guard) {
            Some(rule) => run_flowtable_entry(ex, rule, parsed.l3_offset, skb),
            None => Offload::Miss(skb),
        }
    }

    /// Legacy mode: a packet the switch is about to deliver to function `f`'s netdev, looked up
    /// in the entries of nftables flowtables bound to function netdevs. On a hit it is forwarded
    /// as nf_flow_table's software fast path would, and `resend` sends it on as the output
    /// netdev would have sent it; on a miss it is handed back.
    #[inline(never)]
    pub(super) fn flowtable_delivered(
        &self,
        guard: &rcu::Guard,
        f: FuncId,
        mut skb: SkBuff,
        resend: impl Fn(Vpid, SkBuff) -> Result<(), DropCause>,
    ) -> Offload {
        let Ok(parsed) = parse_skb(&mut skb) else {
            return Offload::Miss(skb);
        };
        if !fast_path_candidate(&parsed) {
            return Offload::Miss(skb);
        }
        let key = Key::from_packet(f.vpid(), &parsed);
        let Some(rule) = self.ft.delivered.classify(0, &key, guard) else {
            return Offload::Miss(skb);
        };
        let ex = act::ExecFns(resend, |why| self.count_drop(why));
        run_flowtable_entry(&ex, rule, parsed.l3_offset, skb)
    }

    /// Executes `ct` action `a` (a leading [`Action::Ct`]) on a packet (`skb`, parsed as
    /// `parsed`): its offloaded connection becomes the packet's, or `Err` with the miss cookie
    /// at which software takes the packet over. Out of line: rules without `ct` do not pay for
    /// it on the forwarding path.
    #[inline(never)]
    fn ct_action<'g>(
        &'g self,
        a: &Action,
        parsed: &packet::FlowKey,
        skb: &mut SkBuff,
        run: &mut act::Run<'g>,
        guard: &'g rcu::Guard,
    ) -> Result<(), u64> {
        let &Action::Ct {
            table,
            zone,
            nat,
            commit,
            resume,
        } = a
        else {
            return Ok(());
        };
        let at = CtAt {
            table,
            zone,
            nat,
            commit,
        };
        let (hit, entry_rule) = self.ct_lookup(at, parsed, run, guard).ok_or(resume)?;
        // act_ct trims the packet to the length its network header gives before conntrack
        // sees it (`nf_ct_skb_network_trim`): Ethernet padding goes. A packet whose header
        // cannot be read, or that cannot be trimmed, goes to software, which does it again.
        let nh = u32::from(parsed.l3_offset);
        let len = packet::network_len(skb.data(), usize::from(parsed.l3_offset), parsed.addr_type)
            .ok_or(resume)?;
        if !skb.trim_rcsum(nh.checked_add(len).ok_or(resume)?) {
            return Err(resume);
        }
        // `ct nat` rewrites a packet of a NATed connection as act_ct does, with the same
        // function; one that cannot be rewritten goes to software, which does it again (NAT is
        // idempotent) or drops it.
        if at.nat & nat::NAT != 0 && hit.entry.nat {
            let (src, dst) = (at.nat & nat::SRC != 0, at.nat & nat::DST != 0);
            skb.ct_nat(nh, &hit.entry.ct, src, dst)
                .map_err(|_| resume)?;
        }
        // Counted as act_ct counts a packet of its flow table: once, its length from the
        // network header.
        if let Some(r) = entry_rule {
            let len = skb.len().saturating_sub(u32::from(parsed.l3_offset));
            r.hit(1, len, crate::bind::time::jiffies());
        }
        run.ct = Some(hit);
        Ok(())
    }

    /// The offloaded connection of a packet (`parsed`) at `ct` action `at`, as act_ct would
    /// find it in its flow table, with the entry to count the packet in (none for a packet
    /// already tracked); `None` sends the packet to software at the action.
    ///
    /// `commit` (software creates connections) and untrackable packets go to software. A packet
    /// already tracked in the zone keeps its state, as act_ct keeps it without a lookup. `nat`
    /// on a new connection goes to software too: act_ct may set up the connection's NAT there,
    /// with the action's range, which only software knows.
    fn ct_lookup<'g>(
        &'g self,
        at: CtAt,
        parsed: &packet::FlowKey,
        run: &act::Run<'g>,
        guard: &'g rcu::Guard,
    ) -> Option<(CtHit<'g>, Option<&'g Rule<CtEntry>>)> {
        let table = at.table.filter(|_| !at.commit)?;
        let nat_new = |e: &CtEntry| at.nat & nat::NAT != 0 && e.ct.ctinfo() == ctinfo::NEW;
        if let Some(h) = run.ct.filter(|h| h.meta.zone == at.zone) {
            return (!nat_new(h.entry)).then_some((h, None));
        }
        // act_ct's flow table looks up what nf_flow_table's fast path does, wherever the
        // network header is.
        if !plain_ip_l4(parsed) {
            return None;
        }
        let key = Key::of_connection(table, parsed);
        let rule = self.ct.entries.classify(0, &key, guard)?;
        let entry = &rule.entry;
        // A connection software tore down (a FIN or RST it saw, expiry) is gone from act_ct's
        // flow table at once, though the flow table tells fponic later: its packets go to
        // software, as they would without fponic.
        if nat_new(entry) || !entry.ct.offloaded() {
            return None;
        }
        let hit = CtHit {
            meta: CtMeta {
                zone: at.zone,
                ..entry.meta
            },
            entry,
        };
        Some((hit, Some(&**rule)))
    }
}

/// Whether packet `parsed` is one nf_flow_table's flows can hold (and act_ct's flow tables
/// look up): IPv4 without options or IPv6 without extension headers, TCP or UDP, no fragment,
/// a TTL (hop limit) above 1.
fn plain_ip_l4(parsed: &packet::FlowKey) -> bool {
    let hlen = parsed.l4_offset.wrapping_sub(parsed.l3_offset);
    let plain = match parsed.addr_type {
        packet::ADDR_TYPE_IPV4 => hlen == 20,
        packet::ADDR_TYPE_IPV6 => hlen == 40,
        _ => false,
    };
    plain
        && matches!(parsed.ip_proto, packet::proto::TCP | packet::proto::UDP)
        && parsed.ip_flags & packet::frag::IS_FRAGMENT == 0
        && parsed.ip_ttl > 1
}

/// Whether nf_flow_table's software fast path looks packet `parsed` up: [`plain_ip_l4`], untagged,
/// the network header right after the Ethernet header. Everything else takes the classic path.
fn fast_path_candidate(parsed: &packet::FlowKey) -> bool {
    plain_ip_l4(parsed)
        && u32::from(parsed.l3_offset) == act::route::ETH_HLEN
        && parsed.vlan.is_none()
}

/// Runs the actions of flowtable entry `rule` on its packet (network header at `l3`): `Route`
/// first, which hands a packet too big for the route back untouched; the rest then forward it.
/// Counted as the fast path counts a packet of its flow: once, its length from the network
/// header.
fn run_flowtable_entry(
    ex: &impl act::Exec,
    rule: &Rule<RuleSpec>,
    l3: u16,
    skb: SkBuff,
) -> Offload {
    let len = skb.len().saturating_sub(u32::from(l3));
    let mut run = act::Run::default();
    let mut skb = skb;
    let mut counted = false;
    for a in rule.entry.actions.as_slice() {
        match act::execute(ex, &mut run, a, skb) {
            Step::Next(s) => {
                skb = s;
                if !counted {
                    rule.hit(1, len, crate::bind::time::jiffies());
                    counted = true;
                }
            }
            Step::Software(s, _) => return Offload::Miss(s),
            Step::Done => return Offload::Done,
            Step::Lost(why) => return Offload::Lost(why),
            Step::Stop(s) | Step::Goto(s, _) => return Offload::Leave(s, None),
        }
    }
    Offload::Leave(skb, None)
}
