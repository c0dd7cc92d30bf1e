// SPDX-License-Identifier: GPL-2.0

//! Physical ports (uplinks): a devlink port of flavour `physical` and its netdev.

use kernel::{
    prelude::*,
    sync::{
        aref::ARef,
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
        netdev::{
            self,
            Device as NetDevice, //
        },
    },
    dev::port::{
        ifname,
        PortData, //
    },
    engine::{
        id::{
            vpid::{
                self,
                Ppid, //
            },
            UplinkId, //
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
    esw::Eswitch,
};

/// An uplink: physical port `number` of a device.
pub(crate) struct Uplink {
    netdev: netdev::Registration<PortNetdev>,
    port: Option<devlink::Port<PortData>>,
    number: UplinkId,
}

impl Uplink {
    /// Creates physical port `number` of device `dev_name`: devlink port index `number` and the
    /// netdev `<dev_name>p<number>`, without carrier until a wire is bound. Runs under the
    /// devlink instance lock.
    pub(crate) fn new(
        ctx: &PortCtx,
        esw: &Arc<Eswitch>,
        dev_name: &CStr,
        number: UplinkId,
    ) -> Result<Self> {
        let port = devlink::Port::new(
            ctx,
            number.port_index(),
            Flavour::Physical(u32::from(number)),
            &naming::switch_id(esw.dev_id),
            PortData::Uplink,
        )?;
        let netdev = ifname(naming::port_netdev_name(
            dev_name.to_bytes(),
            PortFlavour::Physical {
                port: u32::from(number),
            },
        ))
        .and_then(|name| {
            let cfg = netdev::Config {
                name: &name,
                mac: naming::port_mac(esw.dev_id, number.mac_slot()),
                devlink_port: Some(port.netdev_link()),
                queues: QUEUES,
            };
            netdev::Registration::new(&cfg, |dev| {
                dev.carrier_off();
                PortNetdev::new(dev, esw.clone(), Role::Uplink(number))
            })
        });
        // A remap of the uplink's VPID made before a `devlink dev reload` survives it: the
        // identity mapping is only the initial one.
        let v = vpid::of(Ppid::Uplink(number));
        match netdev.and_then(|n| {
            if esw.vpid_target(v).is_some() {
                return Ok(n);
            }
            esw.map_vpid(v, Ppid::Uplink(number)).map(|()| n)
        }) {
            Ok(netdev) => Ok(Self {
                netdev,
                port: Some(port),
                number,
            }),
            Err(e) => {
                port.unregister(ctx);
                Err(e)
            }
        }
    }

    /// A reference to the netdev, for snapshots.
    pub(crate) fn netdev_ref(&self) -> ARef<NetDevice<PortNetdev>> {
        self.netdev.device().get_ref()
    }

    /// The netdev's interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        self.netdev.device().ifindex()
    }

    /// Unregisters the netdev, then the devlink port (under the instance lock). The port must
    /// have left the published snapshot. The uplink's VPID mapping goes too, unless `keep_vpid`
    /// (a reload, which builds the uplink again).
    pub(crate) fn destroy(mut self, ctx: &PortCtx, esw: &Eswitch, keep_vpid: bool) {
        if !keep_vpid {
            esw.unmap_vpid(vpid::of(Ppid::Uplink(self.number)));
        }
        let port = self.port.take();
        drop(self.netdev);
        if let Some(p) = port {
            p.unregister(ctx);
        }
    }
}
