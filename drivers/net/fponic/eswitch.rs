// SPDX-License-Identifier: GPL-2.0

//! The embedded switch: the state the data path reads, and the data path itself.
//!
//! Locking and lifetimes:
//! - The data path (`ndo_start_xmit`, NAPI poll, the wires' rx handlers; all with BH disabled)
//!   reads an immutable [`Snapshot`] of the switch through an [`RcuBox`] under `rcu::Guard`, and
//!   each uplink's wire through another [`RcuBox`]. It takes no lock.
//! - The control plane changes the switch under the devlink instance lock (ports, functions,
//!   mode) by building a new snapshot and publishing it; the old one is freed after a grace
//!   period, which also drops its references to net devices, so a net device leaves every
//!   snapshot before it is unregistered.
//! - Wires are bound and unbound under RTNL (configfs, the netdev notifier, teardown) with the
//!   `wires` mutex nested inside RTNL; the data path never takes it.
//! - Lock order: configfs item lock -> devlink instance lock -> RTNL -> `wires`.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        rcu,
        Arc,
        Mutex, //
    },
};

use crate::{
    bind::{
        health::HealthHandle,
        napi::Poll as _,
        netdev::{
            Device as NetDevice,
            NetDev,
            TxResult, //
        },
        rcu::{
            RcuBox,
            XValues, //
        },
        rtnl::Rtnl,
        rx_handler::RxHandlerRegistration,
        skb::{
            SkBuff,
            TcResume, //
        },
        work::{
            DelayedWork,
            WorkHandler, //
        },
    },
    datapath::PortNetdev,
    engine::{
        flow::{
            vpid::{
                self,
                Ppid, //
            },
            Action,
            Key,
            Refusal, //
        },
        packet,
        switch::{
            self,
            Decision,
            From,
            FuncView,
            Mode,
            To, //
        },
    },
    failover::{
        EventLog,
        Failover, //
    },
    flowtable::FlowTable,
    wire::WireBinding,
};

/// Why the data path dropped a packet; each has a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum DropCause {
    /// The destination's receive ring was full.
    RingFull = 0,
    /// The destination netdev is down.
    DestDown,
    /// The uplink has no wire.
    NoWire,
    /// The uplink's wire is down or has no carrier.
    WireDown,
    /// The sending or receiving function is inactive.
    FuncInactive,
    /// The source or destination port does not exist (any more).
    NoSuchPort,
    /// The frame is shorter than an Ethernet header.
    Runt,
    /// No memory for a flood copy.
    NoMem,
    /// A rule named a virtual port with no mapping.
    VpidUnresolved,
    /// A rule's action (VLAN push/pop/modify) failed on the packet.
    ActionFailed,
    /// Dropped by fault injection (debugfs `drop_every`).
    FaultInjected,
    /// More `goto`s than software tc follows for one packet.
    GotoLoop,
}

impl DropCause {
    /// Number of reasons.
    pub(crate) const COUNT: usize = 12;
    /// All reasons, in counter order.
    pub(crate) const ALL: [DropCause; Self::COUNT] = [
        DropCause::RingFull,
        DropCause::DestDown,
        DropCause::NoWire,
        DropCause::WireDown,
        DropCause::FuncInactive,
        DropCause::NoSuchPort,
        DropCause::Runt,
        DropCause::NoMem,
        DropCause::VpidUnresolved,
        DropCause::ActionFailed,
        DropCause::FaultInjected,
        DropCause::GotoLoop,
    ];

    /// Name as shown to users.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DropCause::RingFull => "ring_full",
            DropCause::DestDown => "dest_down",
            DropCause::NoWire => "no_wire",
            DropCause::WireDown => "wire_down",
            DropCause::FuncInactive => "func_inactive",
            DropCause::NoSuchPort => "no_such_port",
            DropCause::Runt => "runt",
            DropCause::NoMem => "no_mem",
            DropCause::VpidUnresolved => "vpid_unresolved",
            DropCause::ActionFailed => "action_failed",
            DropCause::FaultInjected => "fault_injected",
            DropCause::GotoLoop => "goto_loop",
        }
    }
}

impl core::convert::From<switch::DropReason> for DropCause {
    fn from(r: switch::DropReason) -> Self {
        match r {
            switch::DropReason::FuncInactive => DropCause::FuncInactive,
            switch::DropReason::NoSuchPort => DropCause::NoSuchPort,
        }
    }
}

/// Identity and runtime state of a function (VF or SF) shared by its netdev, its representor,
/// its devlink port and the snapshots.
pub(crate) struct FuncShared {
    /// Function id: VF `n` is `n`, SF `n` is [`SF_ID_BASE`]` + n`.
    pub(crate) id: u32,
    /// Home uplink (configured).
    pub(crate) home: Atomic<u32>,
    /// Uplink that serves the function now (its legacy domain): the home uplink, or a surviving
    /// one after a failover.
    pub(crate) uplink: Atomic<u32>,
    /// Whether the function is active (devlink port function state).
    pub(crate) active: Atomic<bool>,
}

/// Function ids of SFs start here.
pub(crate) const SF_ID_BASE: u32 = 0x1_0000;

/// The VPID of function `id`.
pub(crate) fn func_vpid(id: u32) -> u32 {
    if id >= SF_ID_BASE {
        vpid::of(Ppid::Sf(id - SF_ID_BASE))
    } else {
        // CAST: VF ids are below 0x100.
        vpid::of(Ppid::Vf(id as u16))
    }
}

/// One function in a snapshot.
pub(crate) struct FuncSnap {
    shared: Arc<FuncShared>,
    netdev: ARef<NetDevice<PortNetdev>>,
    rep: Option<ARef<NetDevice<PortNetdev>>>,
}

impl FuncSnap {
    /// Builds an entry.
    pub(crate) fn new(
        shared: Arc<FuncShared>,
        netdev: ARef<NetDevice<PortNetdev>>,
        rep: Option<ARef<NetDevice<PortNetdev>>>,
    ) -> Self {
        Self {
            shared,
            netdev,
            rep,
        }
    }

    fn view(&self) -> FuncView {
        self.view_through(&IDENTITY_UPLINKS)
    }

    /// The view with the serving uplink mapped through `eff` (uplink -> uplink that carries its
    /// traffic now, see [`Eswitch::effective_uplinks`]).
    fn view_through(&self, eff: &[u8; 8]) -> FuncView {
        // CAST: uplink indices are below 8.
        let serving = (self.shared.uplink.load(Relaxed) as u8).min(7);
        FuncView {
            id: self.shared.id,
            mac: self.netdev.as_netdev().mac(),
            home: eff[usize::from(serving)],
            active: self.shared.active.load(Relaxed),
        }
    }
}

/// What the data path sees of the switch; immutable once published.
pub(crate) struct Snapshot {
    mode: Mode,
    uplinks: KVec<ARef<NetDevice<PortNetdev>>>,
    /// Sorted by function id.
    funcs: KVec<FuncSnap>,
}

impl Snapshot {
    /// Builds a snapshot; `funcs` need not be sorted.
    pub(crate) fn new(
        mode: Mode,
        uplinks: KVec<ARef<NetDevice<PortNetdev>>>,
        mut funcs: KVec<FuncSnap>,
    ) -> Self {
        // Insertion sort: the device lists its functions in creation order, which is almost
        // always id order, so this is linear in practice (and keeps core's sort, whose
        // out-of-line panic paths objtool flags, out of the module).
        for i in 1..funcs.len() {
            let mut j = i;
            while j > 0 && funcs[j - 1].shared.id > funcs[j].shared.id {
                funcs.swap(j - 1, j);
                j -= 1;
            }
        }
        Self {
            mode,
            uplinks,
            funcs,
        }
    }

    fn func(&self, id: u32) -> Option<&FuncSnap> {
        self.funcs
            .binary_search_by_key(&id, |f| f.shared.id)
            .ok()
            .and_then(|i| self.funcs.get(i))
    }

    fn views(&self) -> impl Iterator<Item = FuncView> + Clone + '_ {
        self.funcs.iter().map(FuncSnap::view)
    }

    fn views_through<'a>(
        &'a self,
        eff: &'a [u8; 8],
    ) -> impl Iterator<Item = FuncView> + Clone + 'a {
        self.funcs.iter().map(move |f| f.view_through(eff))
    }

    fn uplink_mac(&self, i: u8) -> [u8; 6] {
        self.uplinks
            .get(usize::from(i))
            .map_or([0; 6], |d| d.as_netdev().mac())
    }

    fn all_netdevs(&self) -> impl Iterator<Item = &NetDevice<PortNetdev>> + '_ {
        Iterator::chain(
            self.uplinks.iter().map(|d| &**d),
            self.funcs
                .iter()
                .flat_map(|f| Iterator::chain(core::iter::once(&*f.netdev), f.rep.as_deref())),
        )
    }
}

/// Every uplink carries its own traffic.
const IDENTITY_UPLINKS: [u8; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

/// What the offload path did with a packet.
enum Offload {
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

/// What the switch did with a packet.
enum Outcome<'a> {
    /// Forwarded, flooded or dropped by a rule.
    Sent,
    /// Dropped by the switch (counted in its drop counters).
    Lost,
    /// The single destination's ring was full and no rule has touched the packet: handed back.
    Busy(SkBuff, &'a NetDevice<PortNetdev>),
}

/// Most `goto`s one packet follows, as software tc's `max_reclassify_loop`.
const MAX_GOTOS: u32 = 16;

/// Result of delivering to one port.
enum Delivery {
    Done,
    Full(SkBuff),
}

/// The switch of one device.
#[pin_data]
pub(crate) struct Eswitch {
    /// Delayed failback (hold-down). First fields: dropped, i.e. cancelled, before the rest.
    #[pin]
    pub(crate) failback_work: DelayedWork<Eswitch>,
    /// Reports failover events to the health reporter, outside RTNL ([`crate::health`]).
    #[pin]
    pub(crate) health_work: DelayedWork<Eswitch, 1>,
    /// Device id.
    pub(crate) dev_id: u32,
    snap: RcuBox<Snapshot>,
    /// Per uplink: the wire the data path transmits on.
    wire_tx: KVec<RcuBox<ARef<NetDev>>>,
    /// Per uplink: the wire's receive handler registration. Changed under RTNL only.
    #[pin]
    wires: Mutex<KVec<Option<RxHandlerRegistration<WireBinding>>>>,
    drops: [Atomic<u64>; DropCause::COUNT],
    /// Offloaded flow rules.
    #[pin]
    flows: FlowTable,
    /// VPID -> PPID ([`vpid::encode`]), read under RCU on every forwarded packet.
    #[pin]
    vpids: XValues,
    /// Recent rule additions/removals and refusals.
    #[pin]
    log: Mutex<OffloadLog>,
    /// Failover policy and state.
    pub(crate) failover: Failover,
    /// Serializes [`Eswitch::rebalance`] (the notifier, configfs and control changes call it).
    #[pin]
    pub(crate) rebalance_lock: Mutex<()>,
    /// Recent failover events. Innermost lock.
    #[pin]
    pub(crate) events: Mutex<EventLog>,
    /// The `uplink` health reporter, once created. Taken before its reporter's lock.
    #[pin]
    pub(crate) health: Mutex<Option<HealthHandle<Eswitch>>>,
}

impl WorkHandler for Eswitch {
    fn run(&self) {
        self.rebalance();
    }
}

impl FuncSnap {
    /// Identity and runtime state of the function.
    pub(crate) fn shared(&self) -> &FuncShared {
        &self.shared
    }

    /// The function's MAC address.
    pub(crate) fn mac(&self) -> [u8; 6] {
        self.netdev.as_netdev().mac()
    }
}

/// Capacity of a switch's flow table.
pub(crate) const FLOW_CAPACITY: u32 = 131072;

/// Entries kept in the offload log.
const LOG_LEN: usize = 64;

/// Recent offload events, and refusal counts by reason, for "why was this not offloaded".
pub(crate) struct OffloadLog {
    /// Ring of `(jiffies, event)`.
    events: KVec<(u64, LogEvent)>,
    next: usize,
    /// `(reason, count)`.
    refusals: KVec<(Refusal, u64)>,
}

/// One offload event; rules are named by ingress virtual port, chain and priority (tc's
/// cookies are kernel addresses and are not shown).
#[derive(Clone, Copy)]
pub(crate) enum LogEvent {
    /// Rule added.
    Add(RuleName),
    /// Rule removed.
    Del(RuleName),
    /// Rule refused, with the reason.
    Refused(RuleName, Refusal),
}

/// A rule as the log names it.
#[derive(Clone, Copy)]
pub(crate) struct RuleName {
    /// Ingress virtual port.
    pub(crate) in_vpid: u32,
    /// Chain.
    pub(crate) chain: u32,
    /// Priority.
    pub(crate) prio: u32,
}

impl OffloadLog {
    fn new() -> Self {
        Self {
            events: KVec::new(),
            next: 0,
            refusals: KVec::new(),
        }
    }

    fn push(&mut self, ev: LogEvent) {
        let e = (crate::tc::now(), ev);
        if self.events.len() < LOG_LEN {
            // Allocation failure only loses a log entry.
            let _ = self.events.push(e, GFP_KERNEL);
        } else {
            self.events[self.next] = e;
        }
        self.next = (self.next + 1) % LOG_LEN;
    }
}

impl Eswitch {
    /// Creates the switch of device `dev_id` with `num_uplinks` uplinks and nothing published.
    pub(crate) fn new(dev_id: u32, num_uplinks: u8) -> Result<Arc<Self>> {
        let mut wire_tx = KVec::with_capacity(usize::from(num_uplinks), GFP_KERNEL)?;
        let mut wires = KVec::with_capacity(usize::from(num_uplinks), GFP_KERNEL)?;
        for _ in 0..num_uplinks {
            wire_tx.push(RcuBox::empty(), GFP_KERNEL)?;
            wires.push(None, GFP_KERNEL)?;
        }
        Arc::pin_init(
            try_pin_init!(&this in Self {
                // SAFETY: the work item is a field of this `Eswitch` (pinned in its `Arc`) and is
                // dropped, which cancels it, before the other fields.
                failback_work <- unsafe { DelayedWork::new(this.as_ptr()) },
                // SAFETY: as above.
                health_work <- unsafe { DelayedWork::new(this.as_ptr()) },
                dev_id,
                snap: RcuBox::empty(),
                wire_tx,
                wires <- new_mutex!(wires),
                drops: [const { Atomic::new(0) }; DropCause::COUNT],
                flows <- FlowTable::new(FLOW_CAPACITY),
                vpids <- XValues::new(),
                log <- new_mutex!(OffloadLog::new()),
                failover: Failover::new(),
                rebalance_lock <- new_mutex!(()),
                events <- new_mutex!(EventLog::new()),
                health <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )
    }

    /// Publishes a new snapshot (or none) and waits until no reader uses the old one, whose
    /// net device references are then dropped. Process context.
    pub(crate) fn publish(&self, snap: Option<Snapshot>) -> Result {
        drop(self.snap.replace(snap)?);
        Ok(())
    }

    /// Counts a drop.
    pub(crate) fn count_drop(&self, why: DropCause) {
        self.drops[why as usize].add(1, Relaxed);
    }

    /// The drop counters, by reason.
    pub(crate) fn drop_counts(&self) -> impl Iterator<Item = (DropCause, u64)> + '_ {
        DropCause::ALL
            .iter()
            .map(|&d| (d, self.drops[d as usize].load(Relaxed)))
    }

    // -- data path ------------------------------------------------------------------------------

    /// Transmit path of one of the switch's netdevs: `dev` sent `skb`.
    pub(crate) fn xmit(&self, from: From, dev: &NetDevice<PortNetdev>, skb: SkBuff) -> TxResult {
        let guard = rcu::Guard::new();
        let Some(snap) = self.snap.get(&guard) else {
            self.count_drop(DropCause::NoSuchPort);
            dev.count_tx_dropped();
            return TxResult::Ok;
        };
        let len = skb.len();
        match self.switch(snap, &guard, from, skb) {
            Outcome::Sent => {
                dev.count_tx(len);
                TxResult::Ok
            }
            Outcome::Lost => {
                dev.count_tx_dropped();
                TxResult::Ok
            }
            Outcome::Busy(skb, dest) => {
                // Backpressure: the one destination is full. Stop this queue until the
                // destination's NAPI drains its ring; re-check so a drain that happened in
                // between cannot leave the queue stopped for good.
                dev.stop_queue();
                dest.data().request_wake();
                if dest.data().rx_ring_has_room() {
                    dev.wake_queue();
                }
                TxResult::Busy(skb)
            }
        }
    }

    /// Receive path of uplink `uplink`'s wire (rx handler, softirq).
    pub(crate) fn rx_from_wire(&self, uplink: u8, skb: SkBuff) {
        let guard = rcu::Guard::new();
        let Some(snap) = self.snap.get(&guard) else {
            self.count_drop(DropCause::NoSuchPort);
            return;
        };
        if let Outcome::Busy(skb, _) = self.switch(snap, &guard, From::Wire(uplink), skb) {
            // No backpressure towards a wire: drop.
            self.count_drop(DropCause::RingFull);
            drop(skb);
        }
    }

    /// Forwards `skb` entering at `from`. A packet no offloaded rule touched may be handed back
    /// when its single destination's ring is full (the caller may push back); every other
    /// outcome consumes it.
    fn switch<'a>(
        &self,
        snap: &'a Snapshot,
        guard: &rcu::Guard,
        from: From,
        skb: SkBuff,
    ) -> Outcome<'a> {
        // switchdev: offloaded rules first; what they leave takes the slow path below, with
        // where software tc resumes.
        let (skb, resume, touched) = if snap.mode == Mode::Switchdev && self.flows.is_active() {
            match self.offload_path(snap, guard, from, skb) {
                Offload::Miss(skb) => (skb, None, false),
                Offload::Leave(skb, resume) => (skb, resume, true),
                Offload::Done => return Outcome::Sent,
                Offload::Lost(why) => {
                    self.count_drop(why);
                    return Outcome::Lost;
                }
            }
        } else {
            (skb, None, false)
        };
        let Some(dst) = skb
            .data()
            .get(..6)
            .and_then(|d| <[u8; 6]>::try_from(d).ok())
        else {
            self.count_drop(DropCause::Runt);
            return Outcome::Lost;
        };
        let pf_mac = |i| snap.uplink_mac(i);
        // Legacy, from a wire: a function whose serving uplink's wire is dead is reached through
        // the uplink the data path steers its transmissions to (`crate::failover`), for unicast
        // and floods alike.
        let eff = match (snap.mode, from) {
            (Mode::Legacy, From::Wire(_)) => self.effective_uplinks(guard),
            _ => IDENTITY_UPLINKS,
        };
        let decision = match (snap.mode, from) {
            // The switchdev slow path only needs the ingress function: find it by id instead of
            // walking (and reading the MAC of) every function.
            (Mode::Switchdev, From::Func(id) | From::Rep(id)) => {
                let one = snap.func(id).map(FuncSnap::view);
                switch::decide(snap.mode, from, &dst, one.into_iter(), pf_mac)
            }
            // Switchdev hands wire traffic to the uplink representor and needs no function
            // views.
            (Mode::Legacy, From::Wire(_)) => {
                switch::decide(snap.mode, from, &dst, snap.views_through(&eff), pf_mac)
            }
            _ => switch::decide(snap.mode, from, &dst, snap.views(), pf_mac),
        };
        match decision {
            Decision::One(to) => match self.deliver(snap, guard, to, skb, resume) {
                Ok(Delivery::Done) => Outcome::Sent,
                // Pushing back makes the core transmit the packet again, from the start of the
                // pipeline: only for a packet no rule has counted or changed.
                Ok(Delivery::Full(skb)) => match self.netdev_of(snap, to) {
                    Some(dest) if !touched => Outcome::Busy(skb, dest),
                    _ => {
                        self.count_drop(DropCause::RingFull);
                        Outcome::Lost
                    }
                },
                Err(why) => {
                    self.count_drop(why);
                    Outcome::Lost
                }
            },
            Decision::Flood { .. } => {
                let mut targets =
                    switch::flood_targets(&decision, snap.views_through(&eff)).peekable();
                let mut skb = Some(skb);
                while let Some(to) = targets.next() {
                    let copy = if targets.peek().is_some() {
                        skb.as_ref().and_then(SkBuff::try_clone)
                    } else {
                        skb.take()
                    };
                    let Some(copy) = copy else {
                        self.count_drop(DropCause::NoMem);
                        continue;
                    };
                    match self.deliver(snap, guard, to, copy, None) {
                        Ok(Delivery::Done) => {}
                        Ok(Delivery::Full(c)) => {
                            self.count_drop(DropCause::RingFull);
                            drop(c);
                        }
                        Err(why) => self.count_drop(why),
                    }
                }
                // An empty flood (nobody else in the domain) consumes the original here.
                drop(skb);
                Outcome::Sent
            }
            Decision::Drop(why) => {
                self.count_drop(why.into());
                Outcome::Lost
            }
        }
    }

    /// Runs the flow table on a packet entering at `from`, as software tc runs the ingress
    /// block of its representor: chain 0 first, the matching rule's actions in order, `goto`
    /// to a higher chain. A packet that leaves the pipeline without being forwarded or dropped
    /// (a miss in a chain reached by `goto`, `accept`, or a rule whose actions do not end it)
    /// goes to the slow path with where software resumes, so that no action runs twice.
    fn offload_path(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        from: From,
        mut skb: SkBuff,
    ) -> Offload {
        let in_vpid = match from {
            From::Wire(i) => vpid::of(Ppid::Uplink(i)),
            From::Func(id) => func_vpid(id),
            From::Uplink(_) | From::Rep(_) => return Offload::Miss(skb),
        };
        let mut chain = 0;
        // `goto` only jumps forward, so this ends; the bound is software's: tcf_classify()
        // follows at most `MAX_GOTOS` gotos and drops the packet at the next one.
        for hops in 0..=MAX_GOTOS {
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
            rule.hit(skb.gso_segs(), skb.len(), crate::tc::now());
            let mut pedit_stopped = false;
            for a in rule.spec.actions.as_slice() {
                match *a {
                    Action::Drop => {
                        drop(skb);
                        return Offload::Done;
                    }
                    // The last action (`Actions::validate`): software resumes after it.
                    Action::Accept => break,
                    Action::Redirect(v) => {
                        return match self.deliver_vpid(snap, guard, v, skb) {
                            Ok(()) => Offload::Done,
                            Err(why) => Offload::Lost(why),
                        };
                    }
                    Action::Mirror(v) => match skb.try_clone() {
                        Some(c) => {
                            if let Err(why) = self.deliver_vpid(snap, guard, v, c) {
                                self.count_drop(why);
                            }
                        }
                        None => self.count_drop(DropCause::NoMem),
                    },
                    Action::VlanPush { tpid, id, prio } => {
                        if skb.vlan_push(tpid, (u16::from(prio) << 13) | id).is_err() {
                            return Offload::Lost(DropCause::ActionFailed);
                        }
                    }
                    Action::VlanPop => {
                        if skb.vlan_pop().is_err() {
                            return Offload::Lost(DropCause::ActionFailed);
                        }
                    }
                    Action::VlanModify { tpid, id, prio } => {
                        if skb.vlan_modify(tpid, id, prio).is_err() {
                            return Offload::Lost(DropCause::ActionFailed);
                        }
                    }
                    Action::Goto(c) => {
                        if hops == MAX_GOTOS {
                            return Offload::Lost(DropCause::GotoLoop);
                        }
                        chain = c;
                    }
                    Action::Pedit {
                        first,
                        hdr,
                        offset,
                        mask,
                        val,
                    } => {
                        // act_pedit stops at a key it cannot apply and lets the packet go on
                        // without the rest of that action's keys.
                        if first {
                            pedit_stopped = false;
                        }
                        if !pedit_stopped {
                            pedit_stopped = !skb.pedit(hdr.htype(), offset.into(), mask, val);
                        }
                    }
                    Action::Csum(flags) => {
                        if skb.csum(flags).is_err() {
                            return Offload::Lost(DropCause::ActionFailed);
                        }
                    }
                }
            }
            if let Some(Action::Goto(_)) = rule.spec.actions.as_slice().last() {
                continue;
            }
            // `accept`, or actions that do not end the packet: software goes on after them
            // (its own run of the rule would leave the packet to the stack now).
            let resume = rule.spec.actions.resume();
            return Offload::Leave(skb, (resume != 0).then_some(TcResume::Action(resume)));
        }
        // Unreachable: the last hop either returns or drops at its `goto`.
        Offload::Lost(DropCause::GotoLoop)
    }

    /// Sends `skb` to whatever backs virtual port `v` now; why not, if it was dropped (the
    /// caller counts it).
    fn deliver_vpid(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        v: u32,
        skb: SkBuff,
    ) -> Result<(), DropCause> {
        let Some(ppid) = self.vpids.load(u64::from(v), guard).and_then(vpid::decode) else {
            return Err(DropCause::VpidUnresolved);
        };
        let to = match ppid {
            Ppid::Uplink(i) => To::Wire(i),
            Ppid::Vf(n) => To::Func(u32::from(n)),
            Ppid::Sf(n) => To::Func(SF_ID_BASE + n),
        };
        match self.deliver(snap, guard, to, skb, None)? {
            Delivery::Done => Ok(()),
            Delivery::Full(s) => {
                drop(s);
                Err(DropCause::RingFull)
            }
        }
    }

    fn netdev_of<'a>(&self, snap: &'a Snapshot, to: To) -> Option<&'a NetDevice<PortNetdev>> {
        match to {
            To::Wire(_) => None,
            To::Uplink(i) => snap.uplinks.get(usize::from(i)).map(|d| &**d),
            To::Func(id) => snap.func(id).map(|f| &*f.netdev),
            To::Rep(id) => snap.func(id).and_then(|f| f.rep.as_deref()),
        }
    }

    /// Delivers `skb` to `to`; on a netdev, with `resume` as its tc skb extension.
    fn deliver(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        to: To,
        skb: SkBuff,
        resume: Option<TcResume>,
    ) -> Result<Delivery, DropCause> {
        if let To::Wire(i) = to {
            // A dead wire is bypassed at once (see `crate::failover`).
            let i = self.live_uplink(i, guard);
            let wire = self.wire(i, guard).ok_or(DropCause::NoWire)?;
            if !wire.is_oper_up() || self.fault(i).carrier_down.load(Relaxed) {
                return Err(DropCause::WireDown);
            }
            let every = self.fault(i).drop_every.load(Relaxed);
            if every != 0 && self.fault(i).sent.fetch_add(1, Relaxed) % every == every - 1 {
                return Err(DropCause::FaultInjected);
            }
            wire.queue_xmit(skb);
            return Ok(Delivery::Done);
        }
        let dest = self.netdev_of(snap, to).ok_or(DropCause::NoSuchPort)?;
        if !dest.is_running() {
            return Err(DropCause::DestDown);
        }
        if !dest.data().accepts() {
            return Err(DropCause::FuncInactive);
        }
        match dest.data().rx_ring().enqueue(skb, resume) {
            Ok(()) => {
                dest.data().rx_ring().schedule();
                Ok(Delivery::Done)
            }
            Err(skb) => Ok(Delivery::Full(skb)),
        }
    }

    /// `ip link set <pf> vf <n> mac`: the VF netdev takes the MAC at once (`ENODEV` if VF `n`
    /// does not exist).
    pub(crate) fn set_vf_mac(&self, id: u32, mac: [u8; 6], rtnl: &Rtnl) -> Result {
        let dev = {
            let guard = rcu::Guard::new();
            let snap = self.snap.get(&guard).ok_or(ENODEV)?;
            snap.func(id).ok_or(ENODEV)?.netdev.clone()
        };
        dev.set_mac(mac, rtnl)
    }

    /// `ip link set <pf> vf <n> state`: `disable` deactivates the function like the devlink
    /// port function state does.
    pub(crate) fn set_vf_active(&self, id: u32, up: bool) -> Result {
        let guard = rcu::Guard::new();
        let snap = self.snap.get(&guard).ok_or(ENODEV)?;
        let f = snap.func(id).ok_or(ENODEV)?;
        f.shared.active.store(up, Relaxed);
        if up {
            f.netdev.carrier_on();
        } else {
            f.netdev.carrier_off();
        }
        Ok(())
    }

    /// The flow table.
    pub(crate) fn flows(&self) -> &FlowTable {
        &self.flows
    }

    /// Whether the switch is in switchdev mode.
    pub(crate) fn is_switchdev(&self) -> bool {
        let guard = rcu::Guard::new();
        self.snap
            .get(&guard)
            .is_some_and(|s| s.mode == Mode::Switchdev)
    }

    /// Maps `vpid` to `ppid` (identity when a port is created, or a remap).
    pub(crate) fn map_vpid(&self, v: u32, ppid: Ppid) -> Result {
        self.vpids.store(u64::from(v), vpid::encode(ppid))
    }

    /// Removes the mapping of `vpid`; rules naming it then drop (`vpid_unresolved`).
    pub(crate) fn unmap_vpid(&self, v: u32) {
        self.vpids.erase(u64::from(v));
    }

    /// The current mapping of `vpid`.
    pub(crate) fn vpid_target(&self, v: u32) -> Option<Ppid> {
        let guard = rcu::Guard::new();
        self.vpids.load(u64::from(v), &guard).and_then(vpid::decode)
    }

    /// Records that a rule was refused, and why.
    pub(crate) fn note_refusal(&self, rule: RuleName, why: Refusal) {
        let mut log = self.log.lock();
        log.push(LogEvent::Refused(rule, why));
        if let Some(e) = log
            .refusals
            .iter_mut()
            .find(|(r, _)| core::ptr::eq(*r, why))
        {
            e.1 += 1;
        } else {
            // Allocation failure only loses the count.
            let _ = log.refusals.push((why, 1), GFP_KERNEL);
        }
    }

    /// Records a rule addition (`add`) or removal.
    pub(crate) fn log_rule(&self, add: bool, rule: RuleName) {
        let ev = if add {
            LogEvent::Add(rule)
        } else {
            LogEvent::Del(rule)
        };
        self.log.lock().push(ev);
    }

    /// Writes the offload log: occupancy, refusal counts by reason, then recent events, newest
    /// first (the caller's writer cuts what does not fit its page).
    pub(crate) fn write_log(&self, w: &mut impl core::fmt::Write) -> Result {
        let log = self.log.lock();
        w.write_fmt(fmt!(
            "rules {} capacity {}\n",
            self.flows.len(),
            self.flows.capacity()
        ))?;
        for (why, n) in log.refusals.iter() {
            w.write_fmt(fmt!("refused {} {}\n", n, why.to_str().unwrap_or("?")))?;
        }
        let n = log.events.len();
        for i in 0..n {
            // Newest first: the newest entry is just before `next`.
            let (t, ev) = log.events[(log.next + LOG_LEN - 1 - i) % LOG_LEN % n];
            let (what, r, why) = match ev {
                LogEvent::Add(r) => ("add", r, None),
                LogEvent::Del(r) => ("del", r, None),
                LogEvent::Refused(r, why) => ("refused", r, Some(why)),
            };
            w.write_fmt(fmt!(
                "{} {} in_vpid {} chain {} prio {}",
                t,
                what,
                r.in_vpid,
                r.chain,
                r.prio
            ))?;
            match why {
                Some(why) => w.write_fmt(fmt!(" {}\n", why.to_str().unwrap_or("?")))?,
                None => w.write_str("\n")?,
            }
        }
        Ok(())
    }

    /// Wakes every transmit queue of the switch's netdevs that backpressure stopped.
    pub(crate) fn wake_stopped(&self) {
        let guard = rcu::Guard::new();
        if let Some(snap) = self.snap.get(&guard) {
            for d in snap.all_netdevs() {
                if d.is_running() && d.queue_stopped() {
                    d.wake_queue();
                }
            }
        }
    }

    /// Vport counters of function `id` as its representor reports them: what the function sent
    /// is what the switch received from it, and the other way round.
    pub(crate) fn func_vport_stats(&self, id: u32) -> crate::bind::netdev::LinkStats {
        let guard = rcu::Guard::new();
        let mut s = self
            .snap
            .get(&guard)
            .and_then(|snap| snap.func(id))
            .map(|f| f.netdev.sw_stats())
            .unwrap_or_default();
        core::mem::swap(&mut s.rx_packets, &mut s.tx_packets);
        core::mem::swap(&mut s.rx_bytes, &mut s.tx_bytes);
        core::mem::swap(&mut s.rx_dropped, &mut s.tx_dropped);
        s
    }

    // -- wires ----------------------------------------------------------------------------------

    /// Binds `lower` as the wire of uplink `i`.
    pub(crate) fn bind_wire(this: &Arc<Self>, i: u8, lower: ARef<NetDev>, rtnl: &Rtnl) -> Result {
        let is_port = |d: &NetDev| NetDevice::<PortNetdev>::try_from_netdev(d).is_some();
        if is_port(&lower) {
            pr_err!("wire refused: an fponic port cannot be another port's wire\n");
            return Err(EINVAL);
        }
        // A device stacked on a port (a VLAN or macvlan on a VF, a bond over a representor)
        // would carry the switch's own frames back into it: a loop.
        if lower.any_lower(rtnl, is_port) {
            pr_err!("wire refused: it is stacked on an fponic port, which would make a loop\n");
            return Err(ELOOP);
        }
        let mut wires = this.wires.lock();
        let slot = wires.get_mut(usize::from(i)).ok_or(EINVAL)?;
        if slot.is_some() {
            pr_err!("uplink {} already has a wire; unbind it first\n", i);
            return Err(EBUSY);
        }
        let binding = Arc::new(WireBinding::new(this.clone(), i), GFP_KERNEL)?;
        // Everything that can fail comes before the registration: an error after it would have
        // to unregister under the RTNL this thread already holds.
        drop(this.wire_tx[usize::from(i)].replace(Some(lower.clone()))?);
        let reg = match RxHandlerRegistration::register(lower, binding, rtnl) {
            Ok(reg) => reg,
            Err(e) => {
                // Unpublishing allocates nothing and cannot fail.
                let _ = this.wire_tx[usize::from(i)].replace(None);
                return Err(e);
            }
        };
        *slot = Some(reg);
        drop(wires);
        this.sync_uplink_carrier(i);
        Ok(())
    }

    /// Unbinds the wire of uplink `i`, if any.
    pub(crate) fn unbind_wire(&self, i: u8, rtnl: &Rtnl) {
        let mut wires = self.wires.lock();
        let Some(reg) = wires.get_mut(usize::from(i)).and_then(Option::take) else {
            return;
        };
        drop(wires);
        // Stop transmitting on it first, then stop receiving from it.
        // Removing needs no allocation and cannot fail.
        let _ = self.wire_tx[usize::from(i)].replace(None);
        reg.unregister(rtnl);
        self.sync_uplink_carrier(i);
    }

    /// Unbinds every wire (teardown).
    pub(crate) fn unbind_all(&self, rtnl: &Rtnl) {
        for i in 0..self.wire_tx.len() {
            // CAST: at most `MAX_UPLINKS` (8) uplinks.
            self.unbind_wire(i as u8, rtnl);
        }
    }

    /// The wire of every uplink, for display: `(uplink, name)`.
    pub(crate) fn wire_names(&self) -> KVec<(u8, Option<[u8; 16]>)> {
        let guard = rcu::Guard::new();
        let mut v = KVec::new();
        for (i, w) in self.wire_tx.iter().enumerate() {
            // CAST: at most 8 uplinks. Allocation failure only shortens the listing.
            let _ = v.push((i as u8, w.get(&guard).map(|d| d.name())), GFP_ATOMIC);
        }
        v
    }

    /// Number of uplinks.
    pub(crate) fn num_uplinks(&self) -> usize {
        self.wire_tx.len()
    }

    /// The wire of uplink `i`, if bound.
    pub(crate) fn wire<'a>(&'a self, i: u8, guard: &'a rcu::Guard) -> Option<&'a ARef<NetDev>> {
        self.wire_tx.get(usize::from(i)).and_then(|w| w.get(guard))
    }

    /// Sets the carrier of uplink `i`'s netdev.
    pub(crate) fn set_uplink_carrier(&self, i: u8, up: bool) {
        let guard = rcu::Guard::new();
        if let Some(dev) = self
            .snap
            .get(&guard)
            .and_then(|s| s.uplinks.get(usize::from(i)))
        {
            if up {
                dev.carrier_on();
            } else {
                dev.carrier_off();
            }
        }
    }

    /// The functions of the published snapshot.
    pub(crate) fn funcs<'a>(&'a self, guard: &'a rcu::Guard) -> impl Iterator<Item = &'a FuncSnap> {
        self.snap
            .get(guard)
            .into_iter()
            .flat_map(|s| s.funcs.iter())
    }

    /// Every function as `(id, home uplink, serving uplink)`.
    pub(crate) fn funcs_served<'a>(
        &'a self,
        guard: &'a rcu::Guard,
    ) -> impl Iterator<Item = (u32, u8, u8)> + 'a {
        self.funcs(guard).map(|f| {
            let s = f.shared();
            // CAST: uplink indices are below 8.
            (
                s.id,
                s.home.load(Relaxed) as u8,
                s.uplink.load(Relaxed) as u8,
            )
        })
    }
}

/// Parses `skb` as flower's flow dissector does, first making linear whatever headers lie in
/// its fragments.
fn parse_skb(skb: &mut SkBuff) -> Result<packet::FlowKey, packet::ParseError> {
    let total = usize::try_from(skb.len()).unwrap_or(usize::MAX);
    let hw_vlan = skb.hw_vlan();
    packet::parse_pulling(skb, total, hw_vlan, SkBuff::data, |s, len| {
        u32::try_from(len).is_ok_and(|len| s.may_pull(len))
    })
}
