// SPDX-License-Identifier: GPL-2.0

//! A fponic device: a faux device with a devlink instance, its uplinks, functions and switch.
//!
//! All structural state ([`DevState`]: mode, uplinks, functions) is protected by the devlink
//! instance lock, which devlink callbacks hold and configfs takes. Every change ends by publishing
//! a new switch snapshot ([`Eswitch::publish`]); objects leave the snapshot before they are
//! destroyed.

use kernel::{
    alloc::kvec::PushError,
    prelude::*,
    str::CString,
    sync::Arc, //
};

use crate::{
    bind::{
        devlink::{
            self,
            DevlLocked,
            EswitchMode,
            NewFlavour,
            NewPortAttrs,
            ParamType,
            ParamValue,
            Params,
            Port,
            PortCtx, //
        },
        faux,
        ida::ModuleId,
        netdev::NetDev,
        netlink::ExtAck,
        rtnl::Rtnl,
    },
    dev::debugfs::DeviceDebugfs,
    dev::function::Func,
    dev::uplink::Uplink,
    dev::{
        params::{
            PARAMS,
            PARAM_CT_MODULE,
            PARAM_CT_TABLE_SIZE,
            PARAM_FLOW_TABLE_SIZE, //
        },
        port::PortData, //
    },
    engine::{
        id::{
            vpid::{
                self,
                Ppid,
                Vpid, //
            },
            FuncId,
            FuncKind,
            UplinkId,
            MAX_SF, //
        },
        switch::Mode,
    },
    esw::{
        Eswitch,
        Snapshot, //
    },
};

/// devlink resource id of the flow table.
pub(crate) const FLOW_TABLE_RESOURCE: u64 = 1;

/// devlink resource id of the table of offloaded connections.
pub(crate) const CT_TABLE_RESOURCE: u64 = 2;

/// Maximum number of SFs of one device.
pub(crate) const MAX_SFS: usize = 64;

/// Largest device id: MACs carry 16 bits of it ([`crate::engine::naming::port_mac`]). Ids are
/// unique among live devices and reused after a device goes, so MACs and switch ids never
/// collide however many devices were created before.
const MAX_DEVICE_ID: u32 = 0xffff;

/// Driver data in the devlink instance's private area.
#[pin_data]
pub(crate) struct DevData {
    /// The switch.
    pub(crate) esw: Arc<Eswitch>,
    /// Device name (prefix of every netdev name).
    pub(crate) name: CString,
    /// Ports, functions and mode, under the instance lock.
    pub(crate) state: DevlLocked<DevState>,
}

/// Structural state of a device, under the devlink instance lock.
pub(crate) struct DevState {
    /// Eswitch mode.
    pub(crate) mode: EswitchMode,
    params: Option<Params>,
    uplinks: KVec<Uplink>,
    funcs: KVec<Func>,
    num_vfs: u16,
    /// Number of uplinks (fixed when the device is created).
    num_uplinks: u8,
    /// Mode and VF count to restore at the end of `devlink dev reload`.
    reload_saved: Option<(EswitchMode, u16)>,
}

impl DevState {
    fn new() -> Self {
        Self {
            mode: EswitchMode::Legacy,
            params: None,
            uplinks: KVec::new(),
            funcs: KVec::new(),
            num_vfs: 0,
            num_uplinks: 0,
            reload_saved: None,
        }
    }

    /// Creates the uplinks and publishes the switch (device creation and reload).
    fn build(&mut self, ctx: &PortCtx, esw: &Arc<Eswitch>, name: &CStr) -> Result {
        for n in UplinkId::below(usize::from(self.num_uplinks)) {
            // Room first: a port dropped instead of destroyed unregisters itself, taking the
            // instance lock that this thread holds.
            self.uplinks.reserve(1, GFP_KERNEL)?;
            let u = Uplink::new(ctx, esw, name, n)?;
            if let Err(PushError(u)) = self.uplinks.push_within_capacity(u) {
                u.destroy(ctx, esw, false);
                return Err(ENOMEM);
            }
        }
        self.publish(esw)?;
        // Wires stay bound across a reload: the new uplink netdevs take their carrier.
        for n in UplinkId::below(usize::from(self.num_uplinks)) {
            Eswitch::sync_uplink_carrier(esw, n);
        }
        Ok(())
    }

    /// First half of `devlink dev reload`: every port and netdev goes (tc unbinds the
    /// representors' blocks, which removes their offloaded rules); parameters, resources and
    /// wires stay. SFs are not recreated.
    pub(crate) fn reload_down(&mut self, ctx: &PortCtx, esw: &Eswitch) {
        self.reload_saved = Some((self.mode, self.num_vfs));
        self.remove_ports(ctx, esw, true);
        self.mode = EswitchMode::Legacy;
    }

    /// Takes the data path offline, then destroys the functions and the uplinks. A reload
    /// (`reload`) keeps the uplinks' VPID mappings, which the rebuilt uplinks take over.
    fn remove_ports(&mut self, ctx: &PortCtx, esw: &Eswitch, reload: bool) {
        let _ = esw.publish(None);
        for f in self.funcs.drain_all() {
            f.destroy(ctx, esw);
        }
        for u in self.uplinks.drain_all() {
            u.destroy(ctx, esw, reload);
        }
        self.num_vfs = 0;
    }

    /// Unmaps every VPID whose target port no longer exists, so that it resolves to nothing
    /// (`vpid_unresolved`) instead of to whatever port takes the same number later.
    fn unmap_dangling(&self, esw: &Eswitch) {
        for p in self.vports() {
            let v = vpid::of(p);
            if let Some(t) = esw.vpid_target(v) {
                if !self.vports().any(|q| q == t) {
                    esw.unmap_vpid(v);
                }
            }
        }
    }

    /// Second half of `devlink dev reload`: applies the driverinit `flow_table_size`, then
    /// builds the uplinks, VFs and eswitch mode the device had.
    pub(crate) fn reload_up(
        &mut self,
        ctx: &PortCtx,
        dev: &DevData,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        let (mode, num_vfs) = self.reload_saved.take().unwrap_or((EswitchMode::Legacy, 0));
        if let ParamValue::U32(n) = ctx.param_driverinit(PARAM_FLOW_TABLE_SIZE, ParamType::U32)? {
            if let Err(e) = dev.esw.flows().set_capacity(n) {
                ext.set(c"fponic: more offloaded rules than the new flow_table_size");
                return Err(e);
            }
        }
        if let ParamValue::U32(n) = ctx.param_driverinit(PARAM_CT_TABLE_SIZE, ParamType::U32)? {
            let ft = &dev.esw.flowtable().entries;
            if let Err(e) = dev
                .esw
                .conntrack()
                .entries
                .set_capacity(n)
                .and(ft.set_capacity(n))
            {
                ext.set(c"fponic: more offloaded connections than the new ct_table_size");
                return Err(e);
            }
        }
        if let ParamValue::Bool(on) = ctx.param_driverinit(PARAM_CT_MODULE, ParamType::Bool)? {
            dev.esw.conntrack().set_module(on);
        }
        ctx.unregister_resources();
        register_flow_table(ctx, &dev.esw)?;
        self.build(ctx, &dev.esw, &dev.name)?;
        self.set_num_vfs(ctx, dev, num_vfs)?;
        // Uplink remaps to an SF (SFs are not rebuilt) now point nowhere.
        self.unmap_dangling(&dev.esw);
        self.set_mode(dev, mode, ext)
    }

    /// Every virtual port by identity: uplinks, then functions.
    fn vports(&self) -> impl Iterator<Item = Ppid> + '_ {
        Iterator::chain(
            UplinkId::below(self.uplinks.len()).map(Ppid::Uplink),
            self.funcs.iter().map(Func::ppid),
        )
    }

    /// Function `id`.
    pub(crate) fn func(&self, id: FuncId) -> Result<&Func> {
        self.funcs.iter().find(|f| f.id() == id).ok_or(ENODEV)
    }

    /// Publishes the current state to the data path.
    fn publish(&self, esw: &Eswitch) -> Result {
        let switchdev = self.mode == EswitchMode::Switchdev;
        let mut uplinks = KVec::with_capacity(self.uplinks.len(), GFP_KERNEL)?;
        for u in self.uplinks.iter() {
            uplinks.push(u.netdev_ref(), GFP_KERNEL)?;
        }
        let mut funcs = KVec::with_capacity(self.funcs.len(), GFP_KERNEL)?;
        for f in self.funcs.iter() {
            funcs.push(f.snap(switchdev), GFP_KERNEL)?;
        }
        let mode = if switchdev {
            Mode::Switchdev
        } else {
            Mode::Legacy
        };
        esw.publish(Some(Snapshot::new(mode, uplinks, funcs)))
    }

    /// Removes the functions matching `pred`: they leave the data path, then are destroyed.
    fn remove_funcs(
        &mut self,
        ctx: &PortCtx,
        esw: &Eswitch,
        pred: impl Fn(&Func) -> bool,
    ) -> Result {
        let mut gone = KVec::new();
        let mut i = 0;
        while i < self.funcs.len() {
            if pred(&self.funcs[i]) {
                gone.push(self.funcs.remove(i).map_err(|_| EINVAL)?, GFP_KERNEL)?;
            } else {
                i += 1;
            }
        }
        let r = self.publish(esw);
        if r.is_err() {
            // Without memory for a new snapshot, take the switch offline rather than leave
            // references to devices about to go away.
            let _ = esw.publish(None);
        }
        for f in gone.drain_all() {
            f.destroy(ctx, esw);
        }
        self.unmap_dangling(esw);
        r
    }

    /// `devlink dev eswitch set ... mode`. Switching to switchdev creates a representor per
    /// function; switching back removes them, and the rules offloaded on them go with their tc
    /// blocks. Rules offloaded on an uplink representor would outlive switchdev mode (the uplink
    /// netdev stays, as the PF), unexecuted yet still shown `in_hw`: while any exist, the switch
    /// to legacy is refused, as mlx5 refuses a mode change while flows are configured.
    pub(crate) fn set_mode(
        &mut self,
        dev: &DevData,
        mode: EswitchMode,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        if mode == self.mode {
            return Ok(());
        }
        match mode {
            EswitchMode::Switchdev => {
                let mut err = None;
                for f in self.funcs.iter_mut() {
                    if let Err(e) = f.add_rep(&dev.esw, &dev.name) {
                        err = Some(e);
                        break;
                    }
                }
                if let Some(e) = err {
                    for f in self.funcs.iter_mut() {
                        f.remove_rep();
                    }
                    ext.set(c"fponic: could not create the representors");
                    return Err(e);
                }
                self.mode = mode;
                // Reopening cannot fail: nothing is below VPID 0.
                let _ = dev.esw.flows().close_below(Vpid::new(0));
                if let Err(e) = self.publish(&dev.esw) {
                    // The data path still runs the legacy snapshot: stay legacy, as if nothing
                    // happened. No rule can have reached an uplink meanwhile (tc offload
                    // needs a switchdev snapshot).
                    self.mode = EswitchMode::Legacy;
                    let uplinks = u32::try_from(self.uplinks.len()).unwrap_or(u32::MAX);
                    let _ = dev.esw.flows().close_below(Vpid::new(uplinks));
                    for f in self.funcs.iter_mut() {
                        f.remove_rep();
                    }
                    ext.set(c"fponic: out of memory switching to switchdev mode");
                    return Err(e);
                }
            }
            EswitchMode::Legacy => {
                // Uplink VPIDs are the uplink numbers. Closing them and checking they have no
                // rule is one step under the flow table's lock, so a rule tc adds meanwhile
                // (flower does not take the devlink lock) is either seen here or refused.
                let uplinks = u32::try_from(self.uplinks.len()).unwrap_or(u32::MAX);
                if dev.esw.flows().close_below(Vpid::new(uplinks)).is_err() {
                    ext.set(c"fponic: rules are offloaded on uplink representors; delete them before switching to legacy mode");
                    return Err(EBUSY);
                }
                self.mode = mode;
                if let Err(e) = self.publish(&dev.esw) {
                    self.mode = EswitchMode::Switchdev;
                    let _ = dev.esw.flows().close_below(Vpid::new(0));
                    ext.set(c"fponic: out of memory switching to legacy mode");
                    return Err(e);
                }
                for f in self.funcs.iter_mut() {
                    f.remove_rep();
                }
            }
        }
        pr_info!("{}: eswitch mode {:?}\n", dev.name.to_str()?, mode);
        Ok(())
    }

    /// `devlink port add ... flavour pcisf pfnum 0 [sfnum N]`.
    pub(crate) fn add_sf(
        &mut self,
        ctx: &PortCtx,
        dev: &DevData,
        attrs: &NewPortAttrs,
        ext: &mut ExtAck<'_>,
    ) -> Result<&Port<PortData>> {
        if attrs.flavour != Some(NewFlavour::PciSf) {
            ext.set(c"fponic: only pcisf ports can be added");
            return Err(EOPNOTSUPP);
        }
        if attrs.controller.is_some_and(|c| c != 0) {
            ext.set(c"fponic: external controllers are not supported");
            return Err(EOPNOTSUPP);
        }
        if attrs.pfnum != 0 {
            ext.set(c"fponic: the device has a single PF, pfnum 0");
            return Err(EINVAL);
        }
        let in_use = |n: u32| self.funcs.iter().any(|f| f.id().kind() == FuncKind::Sf(n));
        let sfnum = match attrs.sfnum {
            Some(n) if n > MAX_SF => {
                ext.set(c"fponic: sfnum must be at most 999");
                return Err(ERANGE);
            }
            Some(n) if in_use(n) => {
                ext.set(c"fponic: an SF with this sfnum exists");
                return Err(EEXIST);
            }
            Some(n) => n,
            None => (0..=MAX_SF).find(|&n| !in_use(n)).ok_or(ENOSPC)?,
        };
        if self
            .funcs
            .iter()
            .filter(|f| matches!(f.id().kind(), FuncKind::Sf(_)))
            .count()
            >= MAX_SFS
        {
            ext.set(c"fponic: too many SFs (at most 64)");
            return Err(ENOSPC);
        }
        // Checked above: at most `MAX_SF`.
        let id = FuncId::sf(sfnum).ok_or(ERANGE)?;
        if attrs.port_index.is_some_and(|i| i != id.port_index()) {
            ext.set(c"fponic: the port index of an SF is 0x2000 + sfnum");
            return Err(EINVAL);
        }
        // Room first, as in `build`.
        self.funcs.reserve(1, GFP_KERNEL)?;
        let f = Func::new(
            ctx,
            &dev.esw,
            &dev.name,
            id,
            self.mode == EswitchMode::Switchdev,
        )?;
        if let Err(PushError(f)) = self.funcs.push_within_capacity(f) {
            f.destroy(ctx, &dev.esw);
            return Err(ENOMEM);
        }
        if let Err(e) = self.publish(&dev.esw) {
            let _ = self.remove_funcs(ctx, &dev.esw, |f| f.id() == id);
            return Err(e);
        }
        self.funcs.last().and_then(Func::port).ok_or(ENODEV)
    }

    /// `devlink port del` of an SF port.
    pub(crate) fn del_sf(
        &mut self,
        ctx: &PortCtx,
        dev: &DevData,
        id: FuncId,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        match self.func(id)?.id().kind() {
            FuncKind::Sf(_) => self.remove_funcs(ctx, &dev.esw, |f| f.id() == id),
            FuncKind::Vf(_) => {
                ext.set(c"fponic: VF ports go away by setting num_vfs to 0");
                Err(EOPNOTSUPP)
            }
        }
    }

    /// `num_vfs`: 0 -> N creates VFs, N -> 0 removes them, N -> M (both non-zero) is refused
    /// like `sriov_numvfs`.
    fn set_num_vfs(&mut self, ctx: &PortCtx, dev: &DevData, n: u16) -> Result {
        if n == self.num_vfs {
            return Ok(());
        }
        if n != 0 && self.num_vfs != 0 {
            pr_err!(
                "{}: {} VFs exist; write 0 to num_vfs before changing it to {}\n",
                dev.name.to_str()?,
                self.num_vfs,
                n
            );
            return Err(EBUSY);
        }
        if n == 0 {
            self.num_vfs = 0;
            return self.remove_funcs(ctx, &dev.esw, |f| matches!(f.id().kind(), FuncKind::Vf(_)));
        }
        let switchdev = self.mode == EswitchMode::Switchdev;
        for vf in 0..n {
            // At most `MAX_VFS`, which a VPID can name. Room first, as in `build`.
            match FuncId::vf(vf)
                .ok_or(EINVAL)
                .and_then(|id| {
                    self.funcs.reserve(1, GFP_KERNEL)?;
                    Func::new(ctx, &dev.esw, &dev.name, id, switchdev)
                })
                .and_then(|f| {
                    self.funcs.push_within_capacity(f).map_err(|PushError(f)| {
                        f.destroy(ctx, &dev.esw);
                        ENOMEM
                    })
                }) {
                Ok(()) => {}
                Err(e) => {
                    let _ = self
                        .remove_funcs(ctx, &dev.esw, |f| matches!(f.id().kind(), FuncKind::Vf(_)));
                    return Err(e);
                }
            }
        }
        self.num_vfs = n;
        self.publish(&dev.esw)
    }

    /// Takes everything down: the data path first, then functions, then uplinks.
    fn teardown(&mut self, ctx: &PortCtx, esw: &Eswitch) {
        if let Some(p) = self.params.take() {
            p.unregister(ctx);
        }
        self.remove_ports(ctx, esw, false);
    }
}

/// Registers the devlink resources `flow_table` and `ct_table`: the capacity and occupancy of
/// the flow table and of the table of offloaded connection directions.
fn register_flow_table(ctx: &PortCtx, esw: &Eswitch) -> Result {
    ctx.register_resource::<DevData, FLOW_TABLE_RESOURCE>(
        c"flow_table",
        u64::from(esw.flows().capacity()),
    )?;
    ctx.register_resource::<DevData, CT_TABLE_RESOURCE>(
        c"ct_table",
        u64::from(esw.conntrack().entries.capacity()),
    )
}

/// A live device.
///
/// Fields drop in declaration order: the devlink instance (after [`Drop::drop`] took the ports
/// and netdevs down), then the faux device it hangs off.
pub(crate) struct Device {
    /// `/sys/kernel/debug/fponic-<name>/`, once created (the last step of [`Device::new`]).
    _debugfs: Option<DeviceDebugfs>,
    devlink: devlink::Registration<DevData>,
    _faux: faux::Registration,
    /// Released last, when nothing of the device is left.
    _id: ModuleId,
}

impl Device {
    /// Creates device `name` (already validated) with `num_uplinks` physical ports.
    pub(crate) fn new(name: &CStr, num_uplinks: u32) -> Result<Self> {
        let dev_id = ModuleId::alloc(MAX_DEVICE_ID).inspect_err(|_| {
            pr_err!("no free device id: {} devices exist\n", MAX_DEVICE_ID);
        })?;
        let id = dev_id.get();
        let faux_name = CString::try_from_fmt(fmt!("fponic-{}", name.to_str()?))?;
        let faux = faux::Registration::new(&faux_name)?;
        let esw = Eswitch::new(id, u8::try_from(num_uplinks).map_err(|_| EINVAL)?)?;
        let devlink = devlink::Registration::new(
            &faux,
            try_pin_init!(DevData {
                esw,
                name: name.try_into()?,
                state: DevlLocked::new(DevState::new()),
            }),
        )?;
        {
            let data = devlink.data();
            let mut g = devlink.lock();
            let (key, ctx) = g.parts();
            let st = data.state.get_mut(key);
            let r = (|| -> Result {
                register_flow_table(ctx, &data.esw)?;
                st.params = Some(ctx.register_params::<DevData>(&PARAMS)?);
                st.num_uplinks = u8::try_from(num_uplinks).map_err(|_| EINVAL)?;
                st.build(ctx, &data.esw, name)
            })();
            if let Err(e) = r {
                st.teardown(ctx, &data.esw);
                ctx.unregister_resources();
                drop(g);
                // Building may have scheduled failover work: none outlives the device.
                data.esw.stop_work();
                return Err(e);
            }
        }
        // From here on the device exists: an error drops it, and `Drop` takes down what the
        // steps above built (the published snapshot holds the uplink netdevs; parameters,
        // resources and ports are registered).
        let mut this = Self {
            _debugfs: None,
            devlink,
            _faux: faux,
            _id: dev_id,
        };
        let esw = this.data().esw.clone();
        let health = this.devlink.add_health_reporter(esw.clone())?;
        esw.set_health(health);
        this._debugfs = Some(DeviceDebugfs::new(&faux_name, &esw, esw.num_uplinks())?);
        // Last: user space sees the instance complete, with its ports, parameters and reporter.
        this.devlink.register();
        pr_info!(
            "{}: device {} created with {} uplinks\n",
            faux_name.to_str()?,
            id,
            num_uplinks
        );
        Ok(this)
    }

    fn data(&self) -> &DevData {
        self.devlink.data()
    }

    /// Sets the number of VFs (`sriov_numvfs` semantics).
    pub(crate) fn set_num_vfs(&self, n: u16) -> Result {
        let data = self.data();
        let mut g = self.devlink.lock();
        let (key, ctx) = g.parts();
        data.state.get_mut(key).set_num_vfs(ctx, data, n)
    }

    /// Binds the netdev `ifname` as the wire of uplink `port`.
    pub(crate) fn bind_wire(&self, port: UplinkId, ifname: &CStr) -> Result {
        let lower = NetDev::get_by_name(ifname).ok_or_else(|| {
            pr_err!("wire: no netdev named {}\n", ifname.to_str().unwrap_or("?"));
            ENODEV
        })?;
        let rtnl = Rtnl::lock();
        Eswitch::bind_wire(&self.data().esw, port, lower, &rtnl)
    }

    /// Unbinds the wire of uplink `port`.
    pub(crate) fn unbind_wire(&self, port: UplinkId) {
        let rtnl = Rtnl::lock();
        Eswitch::unbind_wire(&self.data().esw, port, &rtnl);
    }

    /// Writes a description of the device (configfs `info`).
    pub(crate) fn describe(&self, w: &mut impl core::fmt::Write) -> Result {
        let data = self.data();
        let mut g = self.devlink.lock();
        let st = data.state.get_mut(g.parts().0);
        w.write_fmt(fmt!(
            "id {}\ndevlink faux/fponic-{}\nmode {}\nnum_vfs {}\n",
            data.esw.dev_id,
            data.name.to_str()?,
            match st.mode {
                EswitchMode::Legacy => "legacy",
                EswitchMode::Switchdev => "switchdev",
            },
            st.num_vfs
        ))?;
        for (i, u) in st.uplinks.iter().enumerate() {
            w.write_fmt(fmt!("uplink {} ifindex {}\n", i, u.ifindex()))?;
        }
        for f in st.funcs.iter() {
            let home = f.shared().home();
            w.write_fmt(fmt!(
                "func {:?} netdev {} active {} home {}\n",
                f.id(),
                f.netdev_name()?.to_str()?,
                u8::from(f.is_active()),
                home
            ))?;
        }
        Ok(())
    }

    /// The switch.
    pub(crate) fn eswitch(&self) -> &Arc<Eswitch> {
        &self.data().esw
    }

    /// Remaps virtual port `vpid` to the port `target` currently backs by identity (configfs
    /// `vpid_map`). Both must exist; flows are untouched and the next packet follows the map.
    pub(crate) fn remap_vpid(&self, v: Vpid, target: Ppid) -> Result {
        let data = self.data();
        let mut g = self.devlink.lock();
        let st = data.state.get_mut(g.parts().0);
        let known = |p: Ppid| st.vports().any(|q| q == p);
        match v.port() {
            Some(p) if known(p) => {}
            _ => {
                pr_err!("vpid_map: no virtual port {}\n", v);
                return Err(ENODEV);
            }
        }
        if !known(target) {
            pr_err!("vpid_map: target port {:?} does not exist\n", target);
            return Err(ENODEV);
        }
        data.esw.map_vpid(v, target)
    }

    /// Sets the home uplink of function `id` (configfs `failover`: `home vfN|sfN <uplink>`).
    pub(crate) fn set_home(&self, id: FuncId, uplink: u8) -> Result {
        // Under the instance lock: functions neither come nor go meanwhile.
        let _g = self.devlink.lock();
        Ok(Eswitch::set_home(&self.data().esw, id, uplink)?)
    }

    /// Writes the failover state (configfs `failover`).
    pub(crate) fn write_failover(&self, w: &mut impl core::fmt::Write) -> Result {
        let data = self.data();
        let mut g = self.devlink.lock();
        let st = data.state.get_mut(g.parts().0);
        let (p, c) = (data.esw.failover().policy(), data.esw.failover().counters());
        w.write_fmt(fmt!(
            "enabled {}\ngroup {:#x}\nholddown_ms {}\nfailovers {}\nfailbacks {}\nannounces {}\nfailed_moves {}\nsteered {}\n",
            u8::from(p.enabled),
            p.group,
            p.holddown_ms,
            c.failovers,
            c.failbacks,
            c.announces,
            c.failed_moves,
            c.steered
        ))?;
        for i in UplinkId::below(st.uplinks.len()) {
            let up = data.esw.uplink_up(i);
            w.write_fmt(fmt!("uplink p{} {}\n", i, if up { "up" } else { "down" }))?;
        }
        for f in st.funcs.iter() {
            w.write_fmt(fmt!(
                "{} home p{} uplink p{}\n",
                f.id(),
                f.shared().home(),
                f.shared().serving()
            ))?;
        }
        Ok(())
    }

    /// Writes every virtual port and what backs it (configfs `vpid_map`).
    pub(crate) fn write_vpids(&self, w: &mut impl core::fmt::Write) -> Result {
        let data = self.data();
        let mut g = self.devlink.lock();
        let st = data.state.get_mut(g.parts().0);
        for p in st.vports() {
            let v = vpid::of(p);
            match data.esw.vpid_target(v) {
                Some(t) => w.write_fmt(fmt!("{} {} -> {}\n", v, p, t))?,
                None => w.write_fmt(fmt!("{} {} -> unresolved\n", v, p))?,
            }
        }
        Ok(())
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // First, as the instance was registered last: no devlink request runs from here on, and
        // no health report, which needs a registered instance.
        self.devlink.data().esw.stop_health();
        self.devlink.unregister();
        let data = self.devlink.data();
        let rtnl = Rtnl::lock();
        Eswitch::unbind_all(&data.esw, &rtnl);
        drop(rtnl);
        let mut g = self.devlink.lock();
        let (key, ctx) = g.parts();
        data.state.get_mut(key).teardown(ctx, &data.esw);
        ctx.unregister_resources();
        drop(g);
        // Nothing schedules failover work any more (no wire, no port, no request): cancel what
        // is pending, which holds the switch and needs the module's code.
        data.esw.stop_work();
    }
}
