// SPDX-License-Identifier: GPL-2.0

//! Transparent uplink failover.
//!
//! Every function has a home uplink; while failover is on, a function whose serving uplink loses
//! its wire is served by a surviving uplink of the failover group, with its MAC and IP unchanged,
//! and returns home when the home uplink is back (after the failback hold-down). The policy is the
//! pure [`engine::failover`](crate::engine::failover); this file applies it to the switch.
//!
//! Two paths act on a failure:
//! - The data path ([`Eswitch::live_uplink`]): a packet about to leave through an uplink whose
//!   wire has no carrier (the carrier bit is cleared synchronously by `netif_carrier_off`, before
//!   any notifier runs) leaves through the uplink the policy would pick instead. Nothing waits for
//!   the control plane, so no packet is lost in between. This is the NIC's fast-failover group.
//! - The control plane ([`Eswitch::rebalance`]), run by the netdev notifier (RTNL), configfs,
//!   devlink and the hold-down work item: it makes the move durable (one atomic store per function,
//!   one VPID map update per uplink virtual port), announces every moved MAC on its new uplink,
//!   records an event for the `uplink` health reporter and the debugfs log, and schedules the
//!   health work item, which reports to devlink outside RTNL.

use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        rcu,
        Arc, //
    },
};

use crate::{
    bind::work::DelayedWork,
    engine::{
        failover,
        id::{
            vpid::{
                self,
                Ppid,
                Vpid, //
            },
            FuncId,
            PerUplink,
            UplinkId, //
        },
    },
    esw::{
        DropCause,
        Eswitch, //
    },
};

/// Failover state of a switch.
///
/// The settings change only through [`Eswitch::set_failover`] and [`Eswitch::set_home`], which
/// validate them once for every front end (devlink parameters, configfs); the fault injection
/// knobs only through the `inject_*` methods of [`Eswitch`].
pub(crate) struct Failover {
    /// Whether failover (and failback) is on.
    enabled: Atomic<bool>,
    /// Uplinks taking part (bit mask).
    group: Atomic<u32>,
    /// Which uplinks have a working wire (as the control plane last saw it).
    up: PerUplink<Atomic<bool>>,
    /// Which uplinks ever had a wire: only those take part (an uplink never wired is not
    /// configured rather than failed).
    wired: PerUplink<Atomic<bool>>,
    /// Moves away from a home uplink.
    failovers: Atomic<u64>,
    /// Moves back home.
    failbacks: Atomic<u64>,
    /// Announcement frames sent.
    announces: Atomic<u64>,
    /// Moves that failed (fault injection).
    failed_moves: Atomic<u64>,
    /// Packets the data path steered away from a dead serving uplink.
    steered: Atomic<u64>,
    /// Failback hold-down: a home uplink must be up this long before functions return (ms).
    holddown_ms: Atomic<u32>,
    /// When each uplink last came up (ms, monotonic).
    up_since: PerUplink<Atomic<u64>>,
    /// Fault injection per uplink (debugfs).
    faults: PerUplink<Fault>,
    /// The next [`Eswitch::rebalance`] ignores the hold-down (`devlink health recover`).
    force_failback: Atomic<bool>,
}

/// The failover settings.
#[derive(Clone, Copy)]
pub(crate) struct Policy {
    /// Whether failover (and failback) is on.
    pub(crate) enabled: bool,
    /// Uplinks taking part (bit mask).
    pub(crate) group: u32,
    /// Failback hold-down (ms).
    pub(crate) holddown_ms: u32,
}

/// A change to one failover setting ([`Eswitch::set_failover`]).
#[derive(Clone, Copy)]
pub(crate) enum Setting {
    /// Failover (and failback) on or off.
    Enabled(bool),
    /// The uplinks taking part (bit mask).
    Group(u32),
    /// The failback hold-down (ms).
    HoldDownMs(u32),
}

/// The failover counters.
#[derive(Clone, Copy)]
pub(crate) struct Counters {
    /// Moves away from a home uplink.
    pub(crate) failovers: u64,
    /// Moves back home.
    pub(crate) failbacks: u64,
    /// Announcement frames sent.
    pub(crate) announces: u64,
    /// Moves that failed (fault injection).
    pub(crate) failed_moves: u64,
    /// Packets the data path steered away from a dead serving uplink.
    pub(crate) steered: u64,
}

impl Failover {
    /// Initial state: failover on for every uplink, no hold-down, no uplink up yet.
    pub(crate) fn new() -> Self {
        Self {
            enabled: Atomic::new(true),
            group: Atomic::new(failover::all_uplinks()),
            up: PerUplink::from_fn(|_| Atomic::new(false)),
            wired: PerUplink::from_fn(|_| Atomic::new(false)),
            failovers: Atomic::new(0),
            failbacks: Atomic::new(0),
            announces: Atomic::new(0),
            failed_moves: Atomic::new(0),
            steered: Atomic::new(0),
            holddown_ms: Atomic::new(0),
            up_since: PerUplink::from_fn(|_| Atomic::new(0)),
            faults: PerUplink::from_fn(|_| Fault {
                carrier_down: Atomic::new(false),
                drop_every: Atomic::new(0),
                sent: Atomic::new(0),
                fail_next_remap: Atomic::new(false),
            }),
            force_failback: Atomic::new(false),
        }
    }

    /// The current settings.
    pub(crate) fn policy(&self) -> Policy {
        Policy {
            enabled: self.enabled.load(Relaxed),
            group: self.group.load(Relaxed),
            holddown_ms: self.holddown_ms.load(Relaxed),
        }
    }

    /// The counters.
    pub(crate) fn counters(&self) -> Counters {
        Counters {
            failovers: self.failovers.load(Relaxed),
            failbacks: self.failbacks.load(Relaxed),
            announces: self.announces.load(Relaxed),
            failed_moves: self.failed_moves.load(Relaxed),
            steered: self.steered.load(Relaxed),
        }
    }
}

/// Fault injection knobs of one uplink.
pub(crate) struct Fault {
    /// Behave as if the wire had no carrier.
    carrier_down: Atomic<bool>,
    /// Drop every N-th frame sent out of the wire (0: never).
    drop_every: Atomic<u32>,
    /// Frames counted towards `drop_every`.
    sent: Atomic<u32>,
    /// Fail the next failover move.
    fail_next_remap: Atomic<bool>,
}

impl Fault {
    /// Whether the wire behaves as if it had no carrier.
    pub(crate) fn carrier_down(&self) -> bool {
        self.carrier_down.load(Relaxed)
    }

    /// Every how many frames one sent out of the wire is dropped (0: never).
    pub(crate) fn drop_every(&self) -> u32 {
        self.drop_every.load(Relaxed)
    }

    /// Whether the next failover move fails.
    pub(crate) fn fail_next_remap(&self) -> bool {
        self.fail_next_remap.load(Relaxed)
    }

    /// Counts a frame about to be sent out of the wire; whether to drop it (`drop_every`).
    pub(crate) fn drop_next_frame(&self) -> bool {
        let every = self.drop_every.load(Relaxed);
        every != 0 && self.sent.fetch_add(1, Relaxed) % every == every - 1
    }
}

impl From<failover::PolicyError> for Error {
    fn from(e: failover::PolicyError) -> Error {
        match e {
            failover::PolicyError::NoSuchFunction => ENODEV,
            failover::PolicyError::BadGroup
            | failover::PolicyError::HoldDownTooLong
            | failover::PolicyError::NoSuchUplink => EINVAL,
        }
    }
}

/// Moves kept per event (the total is counted).
pub(crate) const EVENT_MOVES: usize = 32;
/// Events kept in the log.
const EVENT_LOG_LEN: usize = 16;

/// One virtual port that changed uplinks.
#[derive(Clone, Copy)]
pub(crate) struct Moved {
    /// The virtual port.
    pub(crate) vpid: Vpid,
    /// Uplink it left.
    pub(crate) from: UplinkId,
    /// Uplink it is served by now.
    pub(crate) to: UplinkId,
}

/// What one [`Eswitch::rebalance`] changed.
#[derive(Clone, Copy)]
pub(crate) struct Event {
    /// Sequence number, from 1.
    pub(crate) seq: u64,
    /// When (ms, monotonic).
    pub(crate) t_ms: u64,
    /// Some port left its home uplink (otherwise ports only returned or shifted).
    pub(crate) failover: bool,
    /// Uplinks down at that time (bit mask).
    pub(crate) down: u32,
    /// Frames dropped for a down wire since the previous event.
    pub(crate) dropped: u64,
    /// Virtual ports moved (all of them).
    pub(crate) total_moves: u32,
    /// The first [`EVENT_MOVES`] of them.
    pub(crate) moves: [Moved; EVENT_MOVES],
}

impl Event {
    /// The recorded moves.
    pub(crate) fn moves(&self) -> &[Moved] {
        // CAST: bounded by `EVENT_MOVES`.
        let n = (self.total_moves as usize).min(EVENT_MOVES);
        &self.moves[..n]
    }
}

/// Recent failover events (debugfs `failover` log, health reports).
pub(crate) struct EventLog {
    ring: [Option<Event>; EVENT_LOG_LEN],
    /// Sequence number of the last event recorded.
    last_seq: u64,
    /// Sequence number of the last event the health work item handled.
    reported_seq: u64,
    /// `wire_down` drop count at the last event.
    wire_down_at_last: u64,
}

impl EventLog {
    /// An empty log.
    pub(crate) const fn new() -> Self {
        Self {
            ring: [None; EVENT_LOG_LEN],
            last_seq: 0,
            reported_seq: 0,
            wire_down_at_last: 0,
        }
    }

    fn push(&mut self, mut ev: Event, wire_down: u64) {
        self.last_seq += 1;
        ev.seq = self.last_seq;
        ev.dropped = wire_down.saturating_sub(self.wire_down_at_last);
        self.wire_down_at_last = wire_down;
        // CAST: the ring index is below `EVENT_LOG_LEN`.
        self.ring[(self.last_seq % EVENT_LOG_LEN as u64) as usize] = Some(ev);
    }

    /// Events with a sequence number above `after`, oldest first.
    pub(crate) fn since(&self, after: u64) -> impl Iterator<Item = &Event> + '_ {
        let first = after
            .max(self.last_seq.saturating_sub(EVENT_LOG_LEN as u64))
            .saturating_add(1);
        (first..=self.last_seq).filter_map(move |s| {
            // CAST: as in `push`.
            self.ring[(s % EVENT_LOG_LEN as u64) as usize]
                .as_ref()
                .filter(|e| e.seq == s)
        })
    }

    /// The newest event.
    pub(crate) fn last(&self) -> Option<&Event> {
        self.since(self.last_seq.saturating_sub(1)).next()
    }

    /// Takes the events the health work item has not handled yet (at most `EVENT_LOG_LEN`).
    pub(crate) fn take_unreported(&mut self, out: &mut KVec<Event>) -> Result {
        for e in self.since(self.reported_seq) {
            out.push(*e, GFP_KERNEL)?;
        }
        self.reported_seq = self.last_seq;
        Ok(())
    }
}

impl Eswitch {
    /// Changes one failover setting, then applies the policy ([`Eswitch::rebalance`]). The one
    /// way the front ends (devlink parameters, configfs `failover`) change a setting: it is
    /// validated here, and a refused one changes nothing.
    pub(crate) fn set_failover(this: &Arc<Self>, s: Setting) -> Result<(), failover::PolicyError> {
        let fo = &this.failover;
        match s {
            Setting::Enabled(on) => fo.enabled.store(on, Relaxed),
            Setting::Group(mask) => fo.group.store(failover::check_group(mask)?, Relaxed),
            Setting::HoldDownMs(ms) => fo.holddown_ms.store(failover::check_holddown(ms)?, Relaxed),
        }
        Self::rebalance(this);
        Ok(())
    }

    /// Sets the home uplink of function `id`, then applies the policy. The uplink is checked
    /// first, then that the function exists; a refused change changes nothing.
    pub(crate) fn set_home(
        this: &Arc<Self>,
        id: FuncId,
        uplink: u8,
    ) -> Result<(), failover::PolicyError> {
        let uplink = failover::check_home(uplink, this.num_uplinks())?;
        {
            let guard = rcu::Guard::new();
            let f = this
                .funcs(&guard)
                .find(|f| f.shared().id == id)
                .ok_or(failover::PolicyError::NoSuchFunction)?;
            f.shared().set_home(uplink);
        }
        Self::rebalance(this);
        Ok(())
    }

    /// Fault injection: uplink `i`'s wire behaves as if it had no carrier (`on`) or as it is;
    /// the uplink's carrier and the failover state follow at once.
    pub(crate) fn inject_carrier_down(this: &Arc<Self>, i: UplinkId, on: bool) {
        this.fault(i).carrier_down.store(on, Relaxed);
        Self::sync_uplink_carrier(this, i);
    }

    /// Fault injection: drops every `n`-th frame sent out of uplink `i`'s wire (0: none).
    pub(crate) fn inject_drop_every(&self, i: UplinkId, n: u32) {
        self.fault(i).drop_every.store(n, Relaxed);
    }

    /// Fault injection: the next failover move of a function served by uplink `i` fails.
    pub(crate) fn inject_fail_next_remap(&self, i: UplinkId, on: bool) {
        self.fault(i).fail_next_remap.store(on, Relaxed);
    }

    /// Makes uplink `i`'s carrier follow its wire: up only if the wire is up with carrier.
    pub(crate) fn sync_uplink_carrier(this: &Arc<Self>, i: UplinkId) {
        let guard = rcu::Guard::new();
        let up = this.wire_alive(i, &guard);
        if this.wire(i, &guard).is_some() {
            this.failover.wired[i].store(true, Relaxed);
        }
        drop(guard);
        this.set_uplink_carrier(i, up);
        if this.failover.up[i].xchg(up, Relaxed) != up {
            if up {
                this.failover.up_since[i].store(crate::bind::time::now_ms(), Relaxed);
            }
            Self::rebalance(this);
        }
    }

    /// Whether uplink `i`'s wire can carry traffic now: bound, running, with carrier, and no
    /// injected carrier loss. Any context.
    pub(crate) fn wire_alive(&self, i: UplinkId, guard: &rcu::Guard) -> bool {
        self.wire(i, guard).is_some_and(|w| w.is_oper_up()) && !self.fault(i).carrier_down()
    }

    /// The uplink a packet for uplink `i` leaves through: `i` if its wire is alive, else the
    /// uplink the failover policy picks among the uplinks alive right now (data path, so the
    /// switch does not wait for the notifier; see the module documentation).
    pub(crate) fn live_uplink(&self, i: UplinkId, guard: &rcu::Guard) -> UplinkId {
        if self.wire_alive(i, guard) || !self.failover.enabled.load(Relaxed) {
            return i;
        }
        let up = self.alive_uplinks(guard);
        let (n, wired) = (self.num_uplinks(), self.wired_mask());
        let group = self.failover.group.load(Relaxed);
        let to = failover::serve_uplink(i, up.first(n), wired.first(n), group, true);
        if to != i {
            self.failover.steered.add(1, Relaxed);
        }
        to
    }

    /// For every uplink, the uplink that carries its traffic right now ([`Eswitch::live_uplink`]
    /// without counting). Data path.
    pub(crate) fn effective_uplinks(&self, guard: &rcu::Guard) -> PerUplink<UplinkId> {
        let mut eff = PerUplink::identity();
        let n = self.num_uplinks();
        let up = self.alive_uplinks(guard);
        if up.first(n).iter().all(|&u| u) || !self.failover.enabled.load(Relaxed) {
            return eff;
        }
        let (group, wired) = (self.failover.group.load(Relaxed), self.wired_mask());
        for (i, e) in eff.iter_mut().take(n) {
            *e = failover::serve_uplink(i, up.first(n), wired.first(n), group, true);
        }
        eff
    }

    /// Which uplinks' wires can carry traffic now ([`Eswitch::wire_alive`]); `false` past the
    /// switch's uplinks.
    fn alive_uplinks(&self, guard: &rcu::Guard) -> PerUplink<bool> {
        let mut up = PerUplink::<bool>::default();
        for (i, u) in up.iter_mut().take(self.num_uplinks()) {
            *u = self.wire_alive(i, guard);
        }
        up
    }

    /// Which uplinks ever had a wire.
    fn wired_mask(&self) -> PerUplink<bool> {
        PerUplink::from_fn(|i| self.failover.wired[i].load(Relaxed))
    }

    /// The failover state.
    pub(crate) fn failover(&self) -> &Failover {
        &self.failover
    }

    /// The fault injection knobs of uplink `i`.
    pub(crate) fn fault(&self, i: UplinkId) -> &Fault {
        &self.failover.faults[i]
    }

    /// Whether uplink `i` has a working wire (as the control plane last saw it).
    pub(crate) fn uplink_up(&self, i: UplinkId) -> bool {
        self.failover.up[i].load(Relaxed)
    }

    /// Whether every port is served by its home uplink (nothing left to fail back).
    pub(crate) fn all_home(&self) -> bool {
        let guard = rcu::Guard::new();
        let funcs_home = self.funcs_served(&guard).all(|(_, home, cur)| home == cur);
        funcs_home
            && UplinkId::below(self.num_uplinks()).all(|i| {
                let v = vpid::of(Ppid::Uplink(i));
                !matches!(self.vpid_target(v), Some(Ppid::Uplink(u)) if u != i)
            })
    }

    /// Returns every port whose home uplink is up to it at once, skipping the hold-down
    /// (`devlink health recover`). Fails with `EBUSY` if a port still cannot go home.
    pub(crate) fn force_failback(this: &Arc<Self>) -> Result {
        this.failover.force_failback.store(true, Relaxed);
        Self::rebalance(this);
        if this.all_home() {
            Ok(())
        } else {
            Err(EBUSY)
        }
    }

    /// Cancels the failback and health work, waiting for a run in progress. Teardown calls it
    /// once nothing can schedule them any more. Process context, not from the work items.
    pub(crate) fn stop_work(&self) {
        DelayedWork::<Self>::cancel_sync(self);
        DelayedWork::<Self, 1>::cancel_sync(self);
    }

    /// Cancels the health work, waiting for a report in progress.
    pub(crate) fn cancel_health_work(&self) {
        DelayedWork::<Self, 1>::cancel_sync(self);
    }

    /// Applies the failover policy: every function and every uplink's virtual port is served by
    /// its home uplink if that is up, else by a surviving uplink of the group. Each move is one
    /// atomic store (functions) or one VPID map update (uplinks); moved MAC addresses are
    /// announced on their new uplink. Process context.
    pub(crate) fn rebalance(this: &Arc<Self>) {
        // Innermost lock: held across xarray stores and announcements, which take no RTNL or
        // devlink lock.
        let _serial = this.rebalance_lock.lock();
        let n = this.num_uplinks();
        let up = PerUplink::from_fn(|i| this.failover.up[i].load(Relaxed));
        let up = up.first(n);
        let enabled = this.failover.enabled.load(Relaxed);
        let group = this.failover.group.load(Relaxed);
        let holddown = u64::from(this.failover.holddown_ms.load(Relaxed));
        let force = this.failover.force_failback.xchg(false, Relaxed);
        let now = crate::bind::time::now_ms();
        // Time left before uplink `i` counts as settled (0: settled).
        let wait = |i: UplinkId| {
            if force {
                return 0;
            }
            let since = this.failover.up_since[i].load(Relaxed);
            (since + holddown).saturating_sub(now)
        };
        let mut rearm: u64 = 0;
        let mut ev = Event {
            seq: 0,
            t_ms: now,
            failover: false,
            down: UplinkId::all()
                .zip(up)
                .filter(|(_, &u)| !u)
                .fold(0, |m, (i, _)| m | i.bit()),
            dropped: 0,
            total_moves: 0,
            moves: [Moved {
                vpid: Vpid::new(0),
                from: UplinkId::FIRST,
                to: UplinkId::FIRST,
            }; EVENT_MOVES],
        };
        // Counts function moves (the `failovers`/`failbacks` counters) if `count`.
        let mut record = |vpid: Vpid, from: UplinkId, to: UplinkId, home: UplinkId, count: bool| {
            match failover::classify(home, from, to) {
                failover::Move::Failover => {
                    if count {
                        this.failover.failovers.add(1, Relaxed);
                    }
                    ev.failover = true;
                }
                failover::Move::Failback if count => this.failover.failbacks.add(1, Relaxed),
                _ => {}
            }
            if let Some(m) = ev.moves.get_mut(ev.total_moves as usize) {
                *m = Moved { vpid, from, to };
            }
            ev.total_moves += 1;
        };
        // Moves to announce: (MAC, new uplink). Collected under RCU, sent afterwards.
        let mut moved: KVec<([u8; 6], UplinkId)> = KVec::new();
        {
            let guard = rcu::Guard::new();
            for f in this.funcs(&guard) {
                let (home, cur) = (f.shared().home(), f.shared().serving());
                let left = wait(home);
                let to = failover::serve_holddown(home, cur, up, group, enabled, left == 0);
                if to == cur {
                    if to != home && failover::serve(home, up, group, enabled) == home {
                        // Held down: come back when the home uplink has settled.
                        rearm = rearm.max(left);
                    }
                    continue;
                }
                if this.fault(cur).fail_next_remap.xchg(false, Relaxed) {
                    // Injected failure: the function stays; the next change retries.
                    this.failover.failed_moves.add(1, Relaxed);
                    continue;
                }
                f.shared().set_serving(to);
                record(f.shared().id.vpid(), cur, to, home, true);
                // Allocation failure only loses an announcement.
                let _ = moved.push((f.mac(), to), GFP_ATOMIC);
            }
        }
        // An uplink's own virtual port follows the same policy (rules redirecting to an uplink
        // representor), unless an administrator remapped it elsewhere. An uplink that was
        // never wired is not configured rather than failed: it keeps its virtual port.
        let wired = this.wired_mask();
        for i in UplinkId::below(n) {
            let v = vpid::of(Ppid::Uplink(i));
            let to = failover::serve_uplink(i, up, wired.first(n), group, enabled);
            if let Some(Ppid::Uplink(cur)) = this.vpid_target(v) {
                // Failure keeps the previous mapping; the next state change retries.
                if cur != to && this.map_vpid(v, Ppid::Uplink(to)).is_ok() {
                    record(v, cur, to, i, false);
                }
            }
        }
        if rearm > 0 {
            // CAST: bounded by the 32-bit hold-down.
            DelayedWork::<Self>::schedule(this, rearm as u32 + 1);
        }
        if ev.total_moves > 0 {
            let wire_down = this
                .drop_counts()
                .find(|(d, _)| *d == DropCause::WireDown)
                .map_or(0, |(_, n)| n);
            this.events.lock().push(ev, wire_down);
            DelayedWork::<Self, 1>::schedule(this, 0);
        }
        for (mac, to) in moved.iter() {
            let wire = this.wire(*to, &rcu::Guard::new()).cloned();
            if let Some(w) = wire {
                if w.xmit_frame(&failover::announcement(mac)).is_ok() {
                    this.failover.announces.add(1, Relaxed);
                }
            }
        }
    }

    /// Writes the event log (debugfs `failover`), newest last.
    pub(crate) fn write_events(&self, w: &mut impl core::fmt::Write) -> Result {
        let log = self.events.lock();
        for e in log.since(0) {
            w.write_fmt(fmt!(
                "{} seq {} {} down {:#x} dropped {} moved {}:",
                e.t_ms,
                e.seq,
                if e.failover { "failover" } else { "failback" },
                e.down,
                e.dropped,
                e.total_moves
            ))?;
            for m in e.moves() {
                w.write_fmt(fmt!(" vpid {} p{}->p{}", m.vpid, m.from, m.to))?;
            }
            w.write_str("\n")?;
        }
        Ok(())
    }
}
