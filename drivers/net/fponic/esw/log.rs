// SPDX-License-Identifier: GPL-2.0

//! The offload log: recent rule additions, removals and refusals with their reasons.

use kernel::prelude::*;

use crate::engine::{
    flow::Refusal,
    id::vpid::Vpid, //
};

use super::Eswitch;

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
    pub(crate) in_vpid: Vpid,
    /// Chain.
    pub(crate) chain: u32,
    /// Priority.
    pub(crate) prio: u32,
}

impl OffloadLog {
    pub(super) fn new() -> Self {
        Self {
            events: KVec::new(),
            next: 0,
            refusals: KVec::new(),
        }
    }

    pub(super) fn push(&mut self, ev: LogEvent) {
        let e = (crate::bind::time::jiffies(), ev);
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
        w.write_fmt(fmt!(
            "connections {} capacity {} full {} ct_tables {}\n",
            self.ct.len(),
            self.ct.entries.capacity(),
            self.ct.refused_full(),
            self.ct.tables()
        ))?;
        w.write_fmt(fmt!(
            "flowtable {} capacity {} full {} bound {}\n",
            self.ft.len(),
            self.ft.entries.capacity(),
            self.ft.refused_full(),
            self.ft.bound()
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
}
