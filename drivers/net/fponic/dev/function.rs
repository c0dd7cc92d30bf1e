// SPDX-License-Identifier: GPL-2.0

//! Functions: VFs and SFs. A function has its own netdev (what a VM or namespace uses), a
//! devlink port (`pcivf`/`pcisf`) and, in switchdev mode, a representor linked to that port.

use kernel::{
    prelude::*,
    str::CString,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
};

use crate::{
    bind::{
        devlink::{
            self,
            Flavour,
            PortCtx, //
        },
        netdev,
        rtnl::Rtnl,
    },
    dev::port::{
        ifname,
        PortData, //
    },
    engine::{
        id::{
            vpid::{
                Ppid,
                Vpid, //
            },
            FuncId,
            FuncKind, //
        },
        naming::{
            self,
            PortFlavour, //
        },
    },
    esw::port::{
        PortNetdev,
        Role,
        QUEUES, //
    },
    esw::{
        Eswitch,
        FuncShared,
        FuncSnap, //
    },
};

/// Maximum number of VFs of a device.
pub(crate) const MAX_VFS: u16 = 64;
/// The port flavour and numbers that name function `id`.
fn flavour(id: FuncId) -> PortFlavour {
    match id.kind() {
        FuncKind::Vf(vf) => PortFlavour::PciVf { pf: 0, vf },
        FuncKind::Sf(sf) => PortFlavour::PciSf { pf: 0, sf },
    }
}

/// A live function.
pub(crate) struct Func {
    id: FuncId,
    shared: Arc<FuncShared>,
    rep: Option<netdev::Registration<PortNetdev>>,
    netdev: netdev::Registration<PortNetdev>,
    port: Option<devlink::Port<PortData>>,
}

impl Func {
    /// Creates function `id` of device `dev_name`, homed on uplink 0 and active, with a
    /// representor if `with_rep`. Runs under the devlink instance lock.
    pub(crate) fn new(
        ctx: &PortCtx,
        esw: &Arc<Eswitch>,
        dev_name: &CStr,
        id: FuncId,
        with_rep: bool,
    ) -> Result<Self> {
        let shared = Arc::new(FuncShared::new(id), GFP_KERNEL)?;
        let name = ifname(naming::func_netdev_name(dev_name.to_bytes(), flavour(id)))?;
        let cfg = netdev::Config {
            name: &name,
            mac: naming::port_mac(esw.dev_id, id.mac_slot(false)),
            devlink_port: None,
            queues: QUEUES,
        };
        // No carrier until opened (`ndo_open`), so the core reports the operational state UP.
        let netdev = netdev::Registration::new(&cfg, |dev| {
            dev.carrier_off();
            PortNetdev::new(dev, esw.clone(), Role::Func(shared.clone()))
        })?;
        let port_flavour = match id.kind() {
            FuncKind::Vf(n) => Flavour::PciVf(n),
            FuncKind::Sf(n) => Flavour::PciSf(n),
        };
        let port = devlink::Port::new(
            ctx,
            id.port_index(),
            port_flavour,
            &naming::switch_id(esw.dev_id),
            PortData::Func(shared.clone()),
        )?;
        let mut f = Self {
            id,
            shared,
            rep: None,
            netdev,
            port: Some(port),
        };
        if let Err(e) = esw.map_vpid(f.vpid(), f.ppid()) {
            f.destroy(ctx, esw);
            return Err(e);
        }
        if with_rep {
            if let Err(e) = f.add_rep(esw, dev_name) {
                f.destroy(ctx, esw);
                return Err(e);
            }
        }
        Ok(f)
    }

    /// Which function this is.
    pub(crate) fn id(&self) -> FuncId {
        self.id
    }

    /// Its virtual port id.
    pub(crate) fn vpid(&self) -> Vpid {
        self.id.vpid()
    }

    /// The port that backs it by identity.
    pub(crate) fn ppid(&self) -> Ppid {
        self.id.ppid()
    }

    /// Creates the representor `<dev>pf0vf<N>`/`<dev>pf0sf<N>`, linked to the devlink port.
    pub(crate) fn add_rep(&mut self, esw: &Arc<Eswitch>, dev_name: &CStr) -> Result {
        if self.rep.is_some() {
            return Ok(());
        }
        let port = self.port.as_ref().ok_or(ENODEV)?;
        let name = ifname(naming::port_netdev_name(
            dev_name.to_bytes(),
            flavour(self.id),
        ))?;
        let cfg = netdev::Config {
            name: &name,
            mac: naming::port_mac(esw.dev_id, self.id.mac_slot(true)),
            devlink_port: Some(port.netdev_link()),
            queues: QUEUES,
        };
        let shared = self.shared.clone();
        // As for the function's netdev: carrier from `ndo_open` on.
        self.rep = Some(netdev::Registration::new(&cfg, |dev| {
            dev.carrier_off();
            PortNetdev::new(dev, esw.clone(), Role::Rep(shared))
        })?);
        Ok(())
    }

    /// Unregisters the representor; it must have left the published snapshot.
    pub(crate) fn remove_rep(&mut self) {
        self.rep = None;
    }

    /// The snapshot entry, with the representor if `with_rep`.
    pub(crate) fn snap(&self, with_rep: bool) -> FuncSnap {
        FuncSnap::new(
            self.shared.clone(),
            self.netdev.device().get_ref(),
            self.rep
                .as_ref()
                .filter(|_| with_rep)
                .map(|r| r.device().get_ref()),
        )
    }

    /// The devlink port.
    pub(crate) fn port(&self) -> Option<&devlink::Port<PortData>> {
        self.port.as_ref()
    }

    /// The shared state.
    pub(crate) fn shared(&self) -> &Arc<FuncShared> {
        &self.shared
    }

    /// The function's MAC address (its netdev's).
    pub(crate) fn mac(&self) -> [u8; 6] {
        self.netdev.device().as_netdev().mac()
    }

    /// Sets the function's MAC address (`devlink port function set hw_addr`).
    pub(crate) fn set_mac(&self, mac: [u8; 6]) -> Result {
        let rtnl = Rtnl::lock();
        self.netdev.set_mac(mac, &rtnl)
    }

    /// Activates or deactivates the function: an inactive function has no carrier and the
    /// switch neither delivers to it nor accepts from it.
    pub(crate) fn set_active(&self, active: bool) {
        self.shared.active.store(active, Relaxed);
        let dev = self.netdev.device();
        if active {
            dev.carrier_on();
        } else {
            dev.carrier_off();
        }
    }

    /// Whether the function is active.
    pub(crate) fn is_active(&self) -> bool {
        self.shared.active.load(Relaxed)
    }

    /// The function netdev's name.
    pub(crate) fn netdev_name(&self) -> Result<CString> {
        let n = self.netdev.device().as_netdev().name();
        let end = n.iter().position(|&c| c == 0).unwrap_or(n.len());
        Ok(CString::try_from(
            CStr::from_bytes_with_nul(&n[..=end.min(15)]).map_err(|_| EINVAL)?,
        )?)
    }

    /// Unregisters the representor and the netdev, then the devlink port (under the instance
    /// lock). The function must have left the published snapshot. Its VPID stops resolving.
    pub(crate) fn destroy(mut self, ctx: &PortCtx, esw: &Eswitch) {
        if esw.vpid_target(self.vpid()) == Some(self.ppid()) {
            esw.unmap_vpid(self.vpid());
        }
        let port = self.port.take();
        drop(self.rep.take());
        drop(self.netdev);
        if let Some(p) = port {
            p.unregister(ctx);
        }
    }
}
