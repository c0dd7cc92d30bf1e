// SPDX-License-Identifier: GPL-2.0

//! The per-packet path: a packet sent by one of the switch's netdevs or received on a wire is
//! switched (offloaded rules in switchdev mode, then legacy forwarding or the slow path to a
//! representor) and delivered to a port's receive ring or a wire.

use kernel::{
    prelude::*,
    sync::rcu, //
};

use crate::{
    bind::{
        napi::Poll as _,
        netdev::{
            Device as NetDevice,
            TxResult, //
        },
        skb::{
            Resume,
            SkBuff, //
        },
    },
    engine::{
        id::{
            vpid::{
                self,
                Ppid,
                Vpid, //
            },
            PerUplink,
            UplinkId, //
        },
        switch::{
            self,
            Decision,
            From,
            Mode,
            To, //
        },
    },
};

use super::{
    offload::Offload,
    port::PortNetdev,
    DropCause,
    Eswitch,
    FuncSnap,
    Snapshot, //
};

/// What the switch did with a packet.
enum Outcome<'a> {
    /// Forwarded, flooded or dropped by a rule.
    Sent,
    /// Dropped by the switch (counted in its drop counters).
    Lost,
    /// The single destination's ring was full and no rule has touched the packet: handed back.
    Busy(SkBuff, &'a NetDevice<PortNetdev>),
}

/// Result of delivering to one port.
enum Delivery {
    Done,
    Full(SkBuff),
}

impl Eswitch {
    /// Transmit path of one of the switch's netdevs: `dev` sent `skb`.
    pub(crate) fn xmit(&self, from: From, dev: &NetDevice<PortNetdev>, skb: SkBuff) -> TxResult {
        let guard = rcu::Guard::new();
        let Some(snap) = self.snap.get(&guard) else {
            self.count_drop(DropCause::NoSuchPort);
            dev.count_tx_dropped();
            return TxResult::Ok;
        };
        let len = skb.len();
        match self.switch(snap, &guard, from, skb, false) {
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
    pub(crate) fn rx_from_wire(&self, uplink: UplinkId, skb: SkBuff) {
        let guard = rcu::Guard::new();
        let Some(snap) = self.snap.get(&guard) else {
            self.count_drop(DropCause::NoSuchPort);
            return;
        };
        if let Outcome::Busy(skb, _) = self.switch(snap, &guard, From::Wire(uplink), skb, false) {
            // No backpressure towards a wire: drop.
            self.count_drop(DropCause::RingFull);
            drop(skb);
        }
    }

    /// Forwards `skb` entering at `from`. A packet no offloaded rule touched may be handed back
    /// when its single destination's ring is full (the caller may push back); every other
    /// outcome consumes it. `resent`: the packet is one a flowtable entry already forwarded
    /// (legacy mode), which no entry forwards again.
    fn switch<'a>(
        &self,
        snap: &'a Snapshot,
        guard: &rcu::Guard,
        from: From,
        skb: SkBuff,
        resent: bool,
    ) -> Outcome<'a> {
        // switchdev: offloaded rules first; what they leave takes the slow path below, with
        // where software tc resumes.
        let (skb, resume, touched) = if snap.mode == Mode::Switchdev
            && (self.flows.is_active() || self.ft.entries.is_active())
        {
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
            _ => PerUplink::identity(),
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
        // Legacy: a packet for a function netdev that an nftables flowtable binds may belong
        // to one of its offloaded connections, which goes on at once, as if routed.
        let mut skb = skb;
        if let (Mode::Legacy, Decision::One(To::Func(f)), false) = (snap.mode, decision, resent) {
            if self.ft.delivered.is_active() {
                match self.flowtable_delivered(guard, f, skb, |v, s| self.resend(snap, guard, v, s))
                {
                    Offload::Miss(s) | Offload::Leave(s, _) => skb = s,
                    Offload::Done => return Outcome::Sent,
                    Offload::Lost(why) => {
                        self.count_drop(why);
                        return Outcome::Lost;
                    }
                }
            }
        }
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

    /// Sends `skb` to whatever backs virtual port `v` now; why not, if it was dropped (the
    /// caller counts it).
    // Its two `deliver` calls (below) would make LLVM leave it, and the `deliver` closure of
    // the actions' `Exec`, calls on the data path.
    #[inline(always)]
    pub(super) fn deliver_vpid(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        v: Vpid,
        skb: SkBuff,
    ) -> Result<(), DropCause> {
        let Some(ppid) = self.vpids.load(u64::from(v), guard).and_then(vpid::decode) else {
            return Err(DropCause::VpidUnresolved);
        };
        // One call per kind of port, each with its own `To`: LLVM merges them into one call, but
        // a `To` built by a `match` before a single call takes two instructions more per packet.
        let delivered = match ppid {
            Ppid::Uplink(i) => self.deliver(snap, guard, To::Wire(i), skb, None),
            Ppid::Func(f) => self.deliver(snap, guard, To::Func(f), skb, None),
        };
        match delivered? {
            Delivery::Done => Ok(()),
            Delivery::Full(s) => {
                drop(s);
                Err(DropCause::RingFull)
            }
        }
    }

    /// Sends `skb` on as the function or uplink netdev of virtual port `v` would have sent it
    /// (a flowtable entry's output, legacy mode). A packet the switch drops is counted there.
    fn resend(
        &self,
        snap: &Snapshot,
        guard: &rcu::Guard,
        v: Vpid,
        skb: SkBuff,
    ) -> Result<(), DropCause> {
        let from = match v.port() {
            Some(Ppid::Func(g)) => From::Func(g),
            Some(Ppid::Uplink(i)) => From::Uplink(i),
            None => return Err(DropCause::VpidUnresolved),
        };
        match self.switch(snap, guard, from, skb, true) {
            Outcome::Busy(skb, _) => {
                drop(skb);
                Err(DropCause::RingFull)
            }
            Outcome::Sent | Outcome::Lost => Ok(()),
        }
    }

    fn netdev_of<'a>(&self, snap: &'a Snapshot, to: To) -> Option<&'a NetDevice<PortNetdev>> {
        match to {
            To::Wire(_) => None,
            To::Uplink(i) => snap.uplinks.get(i.index()).map(|d| &**d),
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
        resume: Option<Resume>,
    ) -> Result<Delivery, DropCause> {
        if let To::Wire(i) = to {
            // A dead wire is bypassed at once (see `crate::failover`).
            let i = self.live_uplink(i, guard);
            let wire = self.wire(i, guard).ok_or(DropCause::NoWire)?;
            if !wire.is_oper_up() || self.fault(i).carrier_down() {
                return Err(DropCause::WireDown);
            }
            if self.fault(i).drop_next_frame() {
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
}
