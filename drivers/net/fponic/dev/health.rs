// SPDX-License-Identifier: GPL-2.0

//! The `uplink` devlink health reporter.
//!
//! Each failover is reported as an error with a dump of the event (when, which uplinks were
//! down, the virtual ports moved and between which uplinks, the frames dropped for a down wire);
//! `diagnose` shows every uplink and the failover counters; `recover` returns every port whose
//! home uplink is up to it at once, skipping the failback hold-down, and fails while a home uplink
//! is still down. When every port is home again by itself, the reporter turns healthy.
//!
//! Failovers happen under RTNL (netdev notifier) but reporting takes the devlink instance lock,
//! which is taken before RTNL elsewhere: the switch records the event and schedules
//! [`Eswitch`]'s health work item, which reports from process context without either lock.

use kernel::{
    prelude::*,
    str::CString,
    sync::{
        rcu,
        Arc,
        ArcBorrow, //
    },
};

use crate::{
    bind::{
        health::{
            Fmsg,
            HealthHandle,
            HealthOperations, //
        },
        netlink::ExtAck,
        work::WorkHandler,
    },
    engine::id::UplinkId,
    esw::failover::Event,
    esw::Eswitch,
};

#[vtable]
impl HealthOperations for Eswitch {
    const NAME: &'static CStr = c"uplink";

    type Event = Event;

    fn dump(&self, event: Option<&Event>, fmsg: &mut Fmsg, _ext: &mut ExtAck<'_>) -> Result {
        match event {
            Some(e) => write_event(fmsg, e),
            // Asked for before any report: the newest event, if any, and the current state.
            None => {
                let last = self.events.lock().last().copied();
                if let Some(e) = last {
                    write_event(fmsg, &e);
                }
                write_state(self, fmsg);
            }
        }
        Ok(())
    }

    fn diagnose(&self, fmsg: &mut Fmsg, _ext: &mut ExtAck<'_>) -> Result {
        write_state(self, fmsg);
        Ok(())
    }

    fn recover(this: ArcBorrow<'_, Self>, event: Option<&Event>, ext: &mut ExtAck<'_>) -> Result {
        let r = match event {
            // Automatic recovery right after a report: only succeeds if nothing is left to do
            // (the hold-down is the administrator's choice and stays in force).
            Some(_) if this.all_home() => Ok(()),
            Some(_) => Err(EBUSY),
            // `devlink health recover`: fail back now.
            None => Self::force_failback(&this.into()),
        };
        if r.is_err() {
            ext.set(c"a home uplink is still down: its ports fail back when it returns");
        }
        r
    }
}

/// An event as a dump shows it.
fn write_event(fmsg: &mut Fmsg, e: &Event) {
    fmsg.nest(c"event", |f| {
        f.u64(c"seq", e.seq);
        f.u64(c"time_ms", e.t_ms);
        f.str(c"kind", if e.failover { c"failover" } else { c"failback" });
        f.array(c"uplinks_down", |a| {
            for i in UplinkId::all().filter(|i| e.down & i.bit() != 0) {
                a.u32(u32::from(i));
            }
        });
        f.u64(c"dropped_wire_down", e.dropped);
        f.u32(c"vpids_moved", e.total_moves);
        f.array(c"moves", |a| {
            for m in e.moves() {
                a.obj(|o| {
                    o.u32(c"vpid", m.vpid.get());
                    o.u32(c"from_uplink", u32::from(m.from));
                    o.u32(c"to_uplink", u32::from(m.to));
                });
            }
        });
    });
}

/// The uplinks and counters (`diagnose`, and dumps taken without an event).
fn write_state(esw: &Eswitch, fmsg: &mut Fmsg) {
    let (p, c) = (esw.failover().policy(), esw.failover().counters());
    fmsg.bool(c"failover_enabled", p.enabled);
    fmsg.u32(c"holddown_ms", p.holddown_ms);
    fmsg.u64(c"failovers", c.failovers);
    fmsg.u64(c"failbacks", c.failbacks);
    fmsg.u64(c"announces", c.announces);
    fmsg.u64(c"failed_moves", c.failed_moves);
    fmsg.u64(c"steered", c.steered);
    fmsg.array(c"uplinks", |a| {
        for i in UplinkId::below(esw.num_uplinks()) {
            // Read under RCU; format and emit (both allocate, and may sleep) outside it.
            let (name, serving, away) = {
                let guard = rcu::Guard::new();
                (
                    esw.wire(i, &guard).map(|w| w.name()),
                    esw.funcs_served(&guard).filter(|(_, _, c)| *c == i).count(),
                    esw.funcs_served(&guard)
                        .filter(|(_, h, c)| *h == i && *c != i)
                        .count(),
                )
            };
            let wire = name.and_then(|n| {
                let end = n.iter().position(|&c| c == 0).unwrap_or(n.len());
                let n = core::str::from_utf8(&n[..end]).ok()?;
                CString::try_from_fmt(fmt!("{}", n)).ok()
            });
            a.obj(|o| {
                o.u32(c"uplink", u32::from(i));
                o.bool(c"up", esw.uplink_up(i));
                o.str(c"wire", wire.as_deref().unwrap_or(c"-"));
                // CAST: at most a few thousand functions.
                o.u32(c"serving_functions", serving as u32);
                // CAST: as above.
                o.u32(c"homed_here_served_elsewhere", away as u32);
            });
        }
    });
}

/// The health work item: reports the events recorded since it last ran.
impl WorkHandler<1> for Eswitch {
    fn run(this: &Arc<Self>) {
        let Some(h) = this.health.lock().clone() else {
            return;
        };
        let mut events = KVec::new();
        // Allocation failure loses reports, not the events (they stay in the log).
        let _ = this.events.lock().take_unreported(&mut events);
        for e in events.iter().filter(|e| e.failover) {
            // `EBUSY`: automatic recovery found a home uplink still down, as expected.
            match h.report(c"uplink failover", e) {
                Ok(()) => {}
                Err(err) if err == EBUSY => {}
                Err(err) => pr_warn!("fponic: uplink health report failed: {:?}\n", err),
            }
        }
        if this.all_home() {
            h.set_healthy();
        }
    }
}

impl Eswitch {
    /// Attaches the `uplink` health reporter.
    pub(crate) fn set_health(&self, h: HealthHandle<Eswitch>) {
        *self.health.lock() = Some(h);
    }

    /// Detaches the health reporter and waits for a report in progress: no report is made from
    /// here on (reports need a registered devlink instance, and teardown unregisters it first
    /// while its failovers still record events). Process context, not from the work item.
    pub(crate) fn stop_health(&self) {
        drop(self.health.lock().take());
        self.cancel_health_work();
    }
}
