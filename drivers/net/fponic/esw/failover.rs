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
    },
};

use crate::{
    engine::{
        failover,
        flow::vpid::{
            self,
            Ppid, //
        },
    },
    esw::{
        func_vpid,
        DropCause,
        Eswitch, //
    },
};

/// Failover state of a switch.
pub(crate) struct Failover {
    /// Whether failover (and failback) is on.
    pub(crate) enabled: Atomic<bool>,
    /// Uplinks taking part (bit mask).
    pub(crate) group: Atomic<u32>,
    /// Which uplinks have a working wire (as the control plane last saw it).
    up: [Atomic<bool>; 8],
    /// Which uplinks ever had a wire: only those take part (an uplink never wired is not
    /// configured rather than failed).
    wired: [Atomic<bool>; 8],
    /// Moves away from a home uplink.
    pub(crate) failovers: Atomic<u64>,
    /// Moves back home.
    pub(crate) failbacks: Atomic<u64>,
    /// Announcement frames sent.
    pub(crate) announces: Atomic<u64>,
    /// Moves that failed (fault injection).
    pub(crate) failed_moves: Atomic<u64>,
    /// Packets the data path steered away from a dead serving uplink.
    pub(crate) steered: Atomic<u64>,
    /// Failback hold-down: a home uplink must be up this long before functions return (ms).
    pub(crate) holddown_ms: Atomic<u32>,
    /// When each uplink last came up (ms, monotonic).
    up_since: [Atomic<u64>; 8],
    /// Fault injection per uplink (debugfs).
    faults: [Fault; 8],
    /// The next [`Eswitch::rebalance`] ignores the hold-down (`devlink health recover`).
    force_failback: Atomic<bool>,
}

impl Failover {
    /// Initial state: failover on for every uplink, no hold-down, no uplink up yet.
    pub(crate) const fn new() -> Self {
        Self {
            enabled: Atomic::new(true),
            group: Atomic::new(0xff),
            up: [const { Atomic::new(false) }; 8],
            wired: [const { Atomic::new(false) }; 8],
            failovers: Atomic::new(0),
            failbacks: Atomic::new(0),
            announces: Atomic::new(0),
            failed_moves: Atomic::new(0),
            steered: Atomic::new(0),
            holddown_ms: Atomic::new(0),
            up_since: [const { Atomic::new(0) }; 8],
            faults: [const {
                Fault {
                    carrier_down: Atomic::new(false),
                    drop_every: Atomic::new(0),
                    sent: Atomic::new(0),
                    fail_next_remap: Atomic::new(false),
                }
            }; 8],
            force_failback: Atomic::new(false),
        }
    }
}

/// Fault injection knobs of one uplink.
pub(crate) struct Fault {
    /// Behave as if the wire had no carrier.
    pub(crate) carrier_down: Atomic<bool>,
    /// Drop every N-th frame sent out of the wire (0: never).
    pub(crate) drop_every: Atomic<u32>,
    /// Frames counted towards `drop_every`.
    pub(crate) sent: Atomic<u32>,
    /// Fail the next failover move.
    pub(crate) fail_next_remap: Atomic<bool>,
}

/// Moves kept per event (the total is counted).
pub(crate) const EVENT_MOVES: usize = 32;
/// Events kept in the log.
const EVENT_LOG_LEN: usize = 16;

/// One virtual port that changed uplinks.
#[derive(Clone, Copy, Default)]
pub(crate) struct Moved {
    /// The virtual port.
    pub(crate) vpid: u32,
    /// Uplink it left.
    pub(crate) from: u8,
    /// Uplink it is served by now.
    pub(crate) to: u8,
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
    /// Makes uplink `i`'s carrier follow its wire: up only if the wire is up with carrier.
    pub(crate) fn sync_uplink_carrier(&self, i: u8) {
        let guard = rcu::Guard::new();
        let up = self.wire_alive(i, &guard);
        if self.wire(i, &guard).is_some() {
            if let Some(w) = self.failover.wired.get(usize::from(i)) {
                w.store(true, Relaxed);
            }
        }
        drop(guard);
        self.set_uplink_carrier(i, up);
        if let Some(u) = self.failover.up.get(usize::from(i)) {
            if u.xchg(up, Relaxed) != up {
                if up {
                    self.failover.up_since[usize::from(i)]
                        .store(crate::bind::time::now_ms(), Relaxed);
                }
                self.rebalance();
            }
        }
    }

    /// Whether uplink `i`'s wire can carry traffic now: bound, running, with carrier, and no
    /// injected carrier loss. Any context.
    pub(crate) fn wire_alive(&self, i: u8, guard: &rcu::Guard) -> bool {
        self.wire(i, guard).is_some_and(|w| w.is_oper_up())
            && !self.fault(i).carrier_down.load(Relaxed)
    }

    /// The uplink a packet for uplink `i` leaves through: `i` if its wire is alive, else the
    /// uplink the failover policy picks among the uplinks alive right now (data path, so the
    /// switch does not wait for the notifier; see the module documentation).
    pub(crate) fn live_uplink(&self, i: u8, guard: &rcu::Guard) -> u8 {
        if self.wire_alive(i, guard) || !self.failover.enabled.load(Relaxed) {
            return i;
        }
        let (mut up, wired) = ([false; 8], self.wired_mask());
        let n = self.num_uplinks().min(8);
        for (j, u) in up.iter_mut().enumerate().take(n) {
            // CAST: at most 8 uplinks.
            *u = self.wire_alive(j as u8, guard);
        }
        let group = self.failover.group.load(Relaxed);
        let to = failover::serve_uplink(i, &up[..n], &wired[..n], group, true);
        if to != i {
            self.failover.steered.add(1, Relaxed);
        }
        to
    }

    /// For every uplink, the uplink that carries its traffic right now ([`Eswitch::live_uplink`]
    /// without counting). Data path.
    pub(crate) fn effective_uplinks(&self, guard: &rcu::Guard) -> [u8; 8] {
        let mut eff = [0, 1, 2, 3, 4, 5, 6, 7];
        let n = self.num_uplinks().min(8);
        let mut up = [false; 8];
        let mut all = true;
        for (j, u) in up.iter_mut().enumerate().take(n) {
            // CAST: at most 8 uplinks.
            *u = self.wire_alive(j as u8, guard);
            all &= *u;
        }
        if all || !self.failover.enabled.load(Relaxed) {
            return eff;
        }
        let (group, wired) = (self.failover.group.load(Relaxed), self.wired_mask());
        for (i, e) in eff.iter_mut().enumerate().take(n) {
            // CAST: at most 8 uplinks.
            *e = failover::serve_uplink(i as u8, &up[..n], &wired[..n], group, true);
        }
        eff
    }

    /// Which uplinks ever had a wire.
    fn wired_mask(&self) -> [bool; 8] {
        let mut w = [false; 8];
        for (o, a) in w.iter_mut().zip(self.failover.wired.iter()) {
            *o = a.load(Relaxed);
        }
        w
    }

    /// The failover state.
    pub(crate) fn failover(&self) -> &Failover {
        &self.failover
    }

    /// The fault injection knobs of uplink `i` (the last uplink's for out-of-range `i`).
    pub(crate) fn fault(&self, i: u8) -> &Fault {
        &self.failover.faults[usize::from(i).min(7)]
    }

    /// Whether uplink `i` has a working wire (as the control plane last saw it).
    pub(crate) fn uplink_up(&self, i: u8) -> bool {
        self.failover
            .up
            .get(usize::from(i))
            .is_some_and(|u| u.load(Relaxed))
    }

    /// Whether every port is served by its home uplink (nothing left to fail back).
    pub(crate) fn all_home(&self) -> bool {
        let guard = rcu::Guard::new();
        let funcs_home = self.funcs_served(&guard).all(|(_, home, cur)| home == cur);
        funcs_home
            && (0..self.num_uplinks()).all(|i| {
                // CAST: at most 8 uplinks.
                let v = vpid::of(Ppid::Uplink(i as u8));
                !matches!(self.vpid_target(v), Some(Ppid::Uplink(u)) if usize::from(u) != i)
            })
    }

    /// Returns every port whose home uplink is up to it at once, skipping the hold-down
    /// (`devlink health recover`). Fails with `EBUSY` if a port still cannot go home.
    pub(crate) fn force_failback(&self) -> Result {
        self.failover.force_failback.store(true, Relaxed);
        self.rebalance();
        if self.all_home() {
            Ok(())
        } else {
            Err(EBUSY)
        }
    }

    /// Applies the failover policy: every function and every uplink's virtual port is served by
    /// its home uplink if that is up, else by a surviving uplink of the group. Each move is one
    /// atomic store (functions) or one VPID map update (uplinks); moved MAC addresses are
    /// announced on their new uplink. Process context.
    pub(crate) fn rebalance(&self) {
        // Innermost lock: held across xarray stores and announcements, which take no RTNL or
        // devlink lock.
        let _serial = self.rebalance_lock.lock();
        let n = self.num_uplinks().min(8);
        let mut up = [false; 8];
        for (i, u) in up.iter_mut().enumerate().take(n) {
            *u = self.failover.up[i].load(Relaxed);
        }
        let enabled = self.failover.enabled.load(Relaxed);
        let group = self.failover.group.load(Relaxed);
        let holddown = u64::from(self.failover.holddown_ms.load(Relaxed));
        let force = self.failover.force_failback.xchg(false, Relaxed);
        let now = crate::bind::time::now_ms();
        // Time left before uplink `i` counts as settled (0: settled).
        let wait = |i: u8| {
            if force {
                return 0;
            }
            let since = self.failover.up_since[usize::from(i).min(7)].load(Relaxed);
            (since + holddown).saturating_sub(now)
        };
        let mut rearm: u64 = 0;
        let mut ev = Event {
            seq: 0,
            t_ms: now,
            failover: false,
            down: up[..n]
                .iter()
                .enumerate()
                .filter(|(_, &u)| !u)
                .fold(0, |m, (i, _)| m | (1 << i)),
            dropped: 0,
            total_moves: 0,
            moves: [Moved::default(); EVENT_MOVES],
        };
        // Counts function moves (the `failovers`/`failbacks` counters) if `count`.
        let mut record = |vpid: u32, from: u8, to: u8, home: u8, count: bool| {
            match failover::classify(home, from, to) {
                failover::Move::Failover => {
                    if count {
                        self.failover.failovers.add(1, Relaxed);
                    }
                    ev.failover = true;
                }
                failover::Move::Failback if count => self.failover.failbacks.add(1, Relaxed),
                _ => {}
            }
            if let Some(m) = ev.moves.get_mut(ev.total_moves as usize) {
                *m = Moved { vpid, from, to };
            }
            ev.total_moves += 1;
        };
        // Moves to announce: (MAC, new uplink). Collected under RCU, sent afterwards.
        let mut moved: KVec<([u8; 6], u8)> = KVec::new();
        {
            let guard = rcu::Guard::new();
            for f in self.funcs(&guard) {
                // CAST: uplink indices are below 8.
                let home = f.shared().home.load(Relaxed) as u8;
                // CAST: as above.
                let cur = f.shared().uplink.load(Relaxed) as u8;
                let left = wait(home);
                let to = failover::serve_holddown(home, cur, &up[..n], group, enabled, left == 0);
                if to == cur {
                    if to != home && failover::serve(home, &up[..n], group, enabled) == home {
                        // Held down: come back when the home uplink has settled.
                        rearm = rearm.max(left);
                    }
                    continue;
                }
                if self.fault(cur).fail_next_remap.xchg(false, Relaxed) {
                    // Injected failure: the function stays; the next change retries.
                    self.failover.failed_moves.add(1, Relaxed);
                    continue;
                }
                f.shared().uplink.store(u32::from(to), Relaxed);
                record(func_vpid(f.shared().id), cur, to, home, true);
                // Allocation failure only loses an announcement.
                let _ = moved.push((f.mac(), to), GFP_ATOMIC);
            }
        }
        // An uplink's own virtual port follows the same policy (rules redirecting to an uplink
        // representor), unless an administrator remapped it elsewhere. An uplink that was
        // never wired is not configured rather than failed: it keeps its virtual port.
        let wired = self.wired_mask();
        for i in 0..n {
            // CAST: at most 8 uplinks.
            let i = i as u8;
            let v = vpid::of(Ppid::Uplink(i));
            let to = failover::serve_uplink(i, &up[..n], &wired[..n], group, enabled);
            if let Some(Ppid::Uplink(cur)) = self.vpid_target(v) {
                // Failure keeps the previous mapping; the next state change retries.
                if cur != to && self.map_vpid(v, Ppid::Uplink(to)).is_ok() {
                    record(v, cur, to, i, false);
                }
            }
        }
        if rearm > 0 {
            // CAST: bounded by the 32-bit hold-down.
            self.failback_work.schedule(rearm as u32 + 1);
        }
        if ev.total_moves > 0 {
            let wire_down = self
                .drop_counts()
                .find(|(d, _)| *d == DropCause::WireDown)
                .map_or(0, |(_, n)| n);
            self.events.lock().push(ev, wire_down);
            self.health_work.schedule(0);
        }
        for (mac, to) in moved.iter() {
            let wire = self.wire(*to, &rcu::Guard::new()).cloned();
            if let Some(w) = wire {
                if w.xmit_frame(&failover::announcement(mac)).is_ok() {
                    self.failover.announces.add(1, Relaxed);
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
