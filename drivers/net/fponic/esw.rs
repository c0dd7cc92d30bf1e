// SPDX-License-Identifier: GPL-2.0

//! The data plane: the embedded switch's state as the data path reads it, and the data path.
//!
//! Nothing here imports the control plane ([`crate::dev`]), which calls in; the rules it executes
//! come from [`crate::tc`].
//!
//! - this file: the switch ([`Eswitch`]) and the [`Snapshot`] of its ports that the data path
//!   reads, with the accessors the control plane uses to change them;
//! - [`forward`] - the per-packet path (`xmit` and the wires' receive side -> `switch` ->
//!   `deliver`), legacy forwarding and the slow path to representors;
//! - [`offload`] - execution of offloaded flower rules ([`crate::tc`]'s flow table: classify,
//!   actions, `goto`, where software tc resumes);
//! - [`port`] - a port's net device data (role, receive ring, NAPI poll);
//! - [`wire`] - the lower net devices that carry the uplinks;
//! - [`failover`] - uplink health, failover and failback, and their event log;
//! - [`drop`] and [`log`] - drop causes and the offload log.
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
//! - The complete lock order, outermost first; a lock is taken only with locks above it held,
//!   never below (the kernel's locks in parentheses):
//!   1. a configfs device's `inner` mutex ([`crate::dev::configfs`]);
//!   2. a health reporter's `live` mutex ([`crate::bind::health`]: reports and the reporter's
//!      destruction, which take the instance lock inside);
//!   3. (the devlink instance lock): devlink callbacks, device changes;
//!   4. (RTNL): netdev registration, the netdev notifier, `ndo_*` configuration;
//!   5. (a tc block's `cb_lock`): flower offload callbacks, which may run without RTNL;
//!   6. the conntrack `tables` ([`crate::tc::ct`]: attaching a rule's `ct` action to act_ct's
//!      flow table, detaching it), then (that flow table's `flow_block_lock`: registering and
//!      unregistering; act_ct's offload workers hold it to call the switch's callbacks, which
//!      take only the connections' flow table `writer`); or (an nftables flowtable's
//!      `flow_block_lock`: held by nf_flow_table to bind and unbind a device, under RTNL or
//!      not, then the C helpers' `fponic_ft_cb_lock` for the driver's list of bound blocks,
//!      and to offer its connections, when the switch takes only its flowtable entries'
//!      `writer`);
//!   7. `wires` (under RTNL only), or `rebalance_lock` (failover: from the notifier, devlink,
//!      configfs and the failback work), or a flow table's `writer` (the rules' and the
//!      connections': rule changes, per-port `hw-tc-offload`, act_ct's callbacks), or `health`
//!      (the reporter handle; held only to clone or take it);
//!   8. `events` (failover event log, under `rebalance_lock` or alone, and in the reporter's
//!      callbacks under the core's reporter lock) and `log` (offload log, alone): innermost
//!      driver locks;
//!   9. (the VPID xarray's `xa_lock`): under `rebalance_lock` or the instance lock.
//!
//!   The data path takes none of them. Work items (failback, health report) start with no lock
//!   held; cancelling one (`cancel_sync`) is done with none of the locks its handler takes.

pub(crate) mod failover;
mod forward;
pub(crate) mod log;
mod offload;
pub(crate) mod port;
pub(crate) mod wire;

pub(crate) use self::log::RuleName;
pub(crate) use crate::engine::drop::DropCause;

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
        netdev::{
            Device as NetDevice,
            NetDev, //
        },
        rcu::{
            RcuBox,
            XValues, //
        },
        rtnl::Rtnl,
        rx_handler::RxHandlerRegistration,
        work::{
            impl_has_delayed_work,
            DelayedWork,
            WorkHandler, //
        },
    },
    engine::{
        flow::RuleSpec,
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
        switch::{
            FuncView,
            Mode, //
        },
    },
};

use self::{
    failover::{
        EventLog,
        Failover, //
    },
    log::OffloadLog,
    port::PortNetdev,
    wire::WireBinding,
};
use crate::tc::{
    ct::{
        Conntrack,
        CT_CAPACITY, //
    },
    flowtable::FlowTable,
    ft::Flowtable, //
};

/// Identity and runtime state of a function (VF or SF) shared by its netdev, its representor,
/// its devlink port and the snapshots.
///
/// # Invariants
///
/// `home` and `uplink` hold uplink numbers ([`UplinkId`]).
pub(crate) struct FuncShared {
    /// Which function.
    pub(crate) id: FuncId,
    /// Home uplink (configured).
    home: Atomic<u32>,
    /// Uplink that serves the function now (its legacy domain): the home uplink, or a surviving
    /// one after a failover.
    uplink: Atomic<u32>,
    /// Whether the function is active (devlink port function state).
    pub(crate) active: Atomic<bool>,
}

impl FuncShared {
    /// Function `id`, active, homed on and served by uplink 0.
    pub(crate) fn new(id: FuncId) -> Self {
        // INVARIANT: uplink 0.
        Self {
            id,
            home: Atomic::new(u32::from(UplinkId::FIRST)),
            uplink: Atomic::new(u32::from(UplinkId::FIRST)),
            active: Atomic::new(true),
        }
    }

    /// The home uplink.
    pub(crate) fn home(&self) -> UplinkId {
        // By the type invariant, never `FIRST` for want of a valid number.
        UplinkId::try_from(self.home.load(Relaxed)).unwrap_or(UplinkId::FIRST)
    }

    /// The uplink that serves the function now.
    pub(crate) fn serving(&self) -> UplinkId {
        // As in `home`.
        UplinkId::try_from(self.uplink.load(Relaxed)).unwrap_or(UplinkId::FIRST)
    }

    /// Sets the home uplink ([`Eswitch::set_home`]).
    fn set_home(&self, i: UplinkId) {
        // INVARIANT: an uplink number.
        self.home.store(u32::from(i), Relaxed);
    }

    /// Moves the function to uplink `i` ([`Eswitch::rebalance`]).
    fn set_serving(&self, i: UplinkId) {
        // INVARIANT: an uplink number.
        self.uplink.store(u32::from(i), Relaxed);
    }
}

/// Uplinks print as their number (`fmt!` formats with [`kernel::fmt::Display`]).
impl kernel::fmt::Display for UplinkId {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        kernel::fmt::Display::fmt(&self.get(), f)
    }
}

/// VPIDs print as their number.
impl kernel::fmt::Display for Vpid {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        kernel::fmt::Display::fmt(&self.get(), f)
    }
}

/// Functions print as configfs names them: `vf3`, `sf7`.
impl kernel::fmt::Display for FuncId {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// Ports print as configfs names them: `p2`, `vf3`, `sf7`.
impl kernel::fmt::Display for Ppid {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
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
        FuncView {
            id: self.shared.id,
            mac: self.netdev.as_netdev().mac(),
            home: self.shared.serving(),
            active: self.shared.active.load(Relaxed),
        }
    }

    /// The view with the serving uplink mapped through `eff` (uplink -> uplink that carries its
    /// traffic now, see [`Eswitch::effective_uplinks`]).
    fn view_through(&self, eff: &PerUplink<UplinkId>) -> FuncView {
        FuncView {
            home: eff[self.shared.serving()],
            ..self.view()
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

    fn func(&self, id: FuncId) -> Option<&FuncSnap> {
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
        eff: &'a PerUplink<UplinkId>,
    ) -> impl Iterator<Item = FuncView> + Clone + 'a {
        self.funcs.iter().map(move |f| f.view_through(eff))
    }

    fn uplink_mac(&self, i: UplinkId) -> [u8; 6] {
        self.uplinks
            .get(i.index())
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

/// The switch of one device.
#[pin_data]
pub(crate) struct Eswitch {
    /// Delayed failback (hold-down). A pending run holds a reference to the switch: teardown
    /// cancels it ([`Eswitch::stop_work`]).
    #[pin]
    failback_work: DelayedWork<Eswitch>,
    /// Reports failover events to the health reporter, outside RTNL ([`crate::dev::health`]).
    #[pin]
    health_work: DelayedWork<Eswitch, 1>,
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
    flows: FlowTable<RuleSpec>,
    /// Offloaded connections.
    #[pin]
    ct: Conntrack,
    /// Connections of nftables flowtables.
    #[pin]
    ft: Flowtable,
    /// VPID -> PPID ([`vpid::encode`]), read under RCU on every forwarded packet.
    #[pin]
    vpids: XValues,
    /// Recent rule additions/removals and refusals.
    #[pin]
    log: Mutex<OffloadLog>,
    /// Failover policy and state.
    failover: Failover,
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

impl_has_delayed_work!(Eswitch, failback_work);
impl_has_delayed_work!(Eswitch, health_work, 1);

/// The failback work item: applies the policy again once a hold-down ended.
impl WorkHandler for Eswitch {
    fn run(this: &Arc<Self>) {
        Self::rebalance(this);
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
            try_pin_init!(Self {
                failback_work <- DelayedWork::new(),
                health_work <- DelayedWork::new(),
                dev_id,
                snap: RcuBox::empty(),
                wire_tx,
                wires <- new_mutex!(wires),
                drops: [const { Atomic::new(0) }; DropCause::COUNT],
                flows <- FlowTable::new(FLOW_CAPACITY),
                ct <- Conntrack::new(),
                ft <- Flowtable::new(CT_CAPACITY),
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

    /// `ip link set <pf> vf <n> mac`: the VF netdev takes the MAC at once (`ENODEV` if VF `n`
    /// does not exist).
    pub(crate) fn set_vf_mac(&self, id: FuncId, mac: [u8; 6], rtnl: &Rtnl) -> Result {
        let dev = {
            let guard = rcu::Guard::new();
            let snap = self.snap.get(&guard).ok_or(ENODEV)?;
            snap.func(id).ok_or(ENODEV)?.netdev.clone()
        };
        dev.set_mac(mac, rtnl)
    }

    /// `ip link set <pf> vf <n> state`: `disable` deactivates the function like the devlink
    /// port function state does.
    pub(crate) fn set_vf_active(&self, id: FuncId, up: bool) -> Result {
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
    pub(crate) fn conntrack(&self) -> &Conntrack {
        &self.ct
    }

    /// Connections of nftables flowtables.
    pub(crate) fn flowtable(&self) -> &Flowtable {
        &self.ft
    }

    /// The offloaded flow rules.
    pub(crate) fn flows(&self) -> &FlowTable<RuleSpec> {
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
    pub(crate) fn map_vpid(&self, v: Vpid, ppid: Ppid) -> Result {
        self.vpids.store(u64::from(v), vpid::encode(ppid))
    }

    /// Removes the mapping of `vpid`; rules naming it then drop (`vpid_unresolved`).
    pub(crate) fn unmap_vpid(&self, v: Vpid) {
        self.vpids.erase(u64::from(v));
    }

    /// The current mapping of `vpid`.
    pub(crate) fn vpid_target(&self, v: Vpid) -> Option<Ppid> {
        let guard = rcu::Guard::new();
        self.vpids.load(u64::from(v), &guard).and_then(vpid::decode)
    }

    /// Vport counters of function `id` as its representor reports them: what the function sent
    /// is what the switch received from it, and the other way round.
    pub(crate) fn func_vport_stats(&self, id: FuncId) -> crate::bind::netdev::LinkStats {
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

    /// Number of uplinks.
    pub(crate) fn num_uplinks(&self) -> usize {
        self.wire_tx.len()
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
    ) -> impl Iterator<Item = (FuncId, UplinkId, UplinkId)> + 'a {
        self.funcs(guard).map(|f| {
            let s = f.shared();
            (s.id, s.home(), s.serving())
        })
    }
}
