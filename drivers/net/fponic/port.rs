// SPDX-License-Identifier: GPL-2.0

//! Physical ports (uplinks): a devlink port of flavour `physical` and its netdev.

use kernel::{
    prelude::*,
    str::CString, //
};

use crate::{
    bind::{
        devlink::{
            self,
            Flavour, //
        },
        netdev::{
            self,
            Device as NetDevice,
            TxResult, //
        },
        skb::SkBuff,
    },
    devlink::DevlinkData,
    engine::naming::{
        self,
        NameBuf,
        PortFlavour, //
    },
};

/// Driver data of an uplink netdev.
#[pin_data]
pub(crate) struct UplinkNetdev {
    /// Physical port number.
    port: u32,
}

#[vtable]
impl netdev::Operations for UplinkNetdev {
    fn open(dev: &NetDevice<Self>) -> Result {
        dev.start_queue();
        Ok(())
    }

    fn stop(dev: &NetDevice<Self>) -> Result {
        dev.stop_queue();
        Ok(())
    }

    fn start_xmit(dev: &NetDevice<Self>, skb: SkBuff) -> TxResult {
        // No wire is attached to this port: the frame cannot leave. Count and drop it.
        dev.count_tx_dropped();
        drop(skb);
        TxResult::Ok
    }
}

/// An uplink: physical port `number` of a device.
///
/// Fields drop in declaration order: the netdev is unregistered before its devlink port.
pub(crate) struct Uplink {
    netdev: netdev::Registration<UplinkNetdev>,
    _devlink_port: devlink::Port,
}

impl Uplink {
    /// Creates physical port `number` of device `dev_name` (id `dev_id`): registers devlink port
    /// index `number` and the netdev `<dev_name>p<number>`.
    pub(crate) fn new(
        dl: &devlink::Registration<DevlinkData>,
        dev_name: &[u8],
        dev_id: u32,
        number: u32,
    ) -> Result<Self> {
        let devlink_port =
            devlink::Port::new(dl, number, Flavour::Physical(number), &naming::switch_id(dev_id))?;

        let mut port_name = NameBuf::new();
        naming::phys_port_name(PortFlavour::Physical { port: number }, &mut port_name)
            .map_err(|_| EINVAL)?;
        let mut ifname = NameBuf::new();
        naming::netdev_name(dev_name, port_name.as_bytes(), &mut ifname).map_err(|_| EINVAL)?;
        let ifname = CStr::from_bytes_with_nul(ifname.as_bytes_with_nul()).map_err(|_| EINVAL)?;
        let ifname = CString::try_from(ifname)?;

        let cfg = netdev::Config {
            name: &ifname,
            mac: naming::port_mac(dev_id, number),
            devlink_port: Some(&devlink_port),
        };
        let netdev = netdev::Registration::new(&cfg, |dev| {
            // No wire yet: no carrier until one is attached.
            dev.carrier_off();
            try_pin_init!(UplinkNetdev { port: number })
        })?;
        Ok(Self {
            netdev,
            _devlink_port: devlink_port,
        })
    }

    /// The physical port number.
    pub(crate) fn number(&self) -> u32 {
        self.netdev.data().port
    }

    /// The netdev's interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        self.netdev.device().ifindex()
    }
}
