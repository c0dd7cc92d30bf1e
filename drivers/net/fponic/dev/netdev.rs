// SPDX-License-Identifier: GPL-2.0

//! The net device operations of every fponic netdev: the data path's entries go to
//! [`PortNetdev`] in the data plane, configuration (VF settings through the PF, tc offload,
//! features) to the control plane.

use kernel::prelude::*;

use crate::{
    bind::{
        netdev::{
            self,
            Device,
            Features,
            LinkStats,
            TxResult, //
        },
        netlink::ExtAck,
        rtnl::Rtnl,
        skb::SkBuff,
        tc::FlowerCmd,
    },
    dev::function::MAX_VFS,
    engine::id::FuncId,
    esw::port::PortNetdev,
};

#[vtable]
impl netdev::Operations for PortNetdev {
    fn open(dev: &Device<Self>) -> Result {
        PortNetdev::open(dev);
        Ok(())
    }

    fn stop(dev: &Device<Self>) -> Result {
        PortNetdev::stop(dev);
        Ok(())
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> TxResult {
        PortNetdev::start_xmit(dev, skb)
    }

    fn get_stats64(dev: &Device<Self>) -> LinkStats {
        PortNetdev::stats(dev)
    }

    fn cpu_hit_stats(dev: &Device<Self>) -> LinkStats {
        dev.sw_stats()
    }

    fn set_vf_mac(dev: &Device<Self>, vf: i32, mac: [u8; 6], rtnl: &Rtnl) -> Result {
        uplink_only(dev)?;
        if mac[0] & 1 != 0 || mac == [0; 6] {
            return Err(EINVAL);
        }
        dev.data().eswitch().set_vf_mac(vf_id(vf)?, mac, rtnl)
    }

    fn set_vf_link_state(dev: &Device<Self>, vf: i32, up: bool, _rtnl: &Rtnl) -> Result {
        uplink_only(dev)?;
        dev.data().eswitch().set_vf_active(vf_id(vf)?, up)
    }

    fn tc_block_ok(dev: &Device<Self>, ext: &mut ExtAck<'_>) -> Result {
        super::offload::block_ok(dev, ext)
    }

    fn flower(dev: &Device<Self>, cmd: FlowerCmd<'_>, ext: &mut ExtAck<'_>) -> Result {
        super::offload::flower(dev, cmd, ext)
    }

    fn ft_bind(dev: &Device<Self>, bind: bool, ext: &mut ExtAck<'_>) -> Result {
        super::offload::ft_bind(dev, bind, ext)
    }

    fn ft_flow(dev: &Device<Self>, cmd: FlowerCmd<'_>) -> Result {
        super::offload::ft_flow(dev, cmd)
    }

    fn set_features(dev: &Device<Self>, features: Features, _rtnl: &Rtnl) -> Result {
        let on = features.hw_tc();
        if on != dev.features().hw_tc() {
            super::offload::set_hw_tc(dev, on)?;
        }
        Ok(())
    }
}

/// VF configuration (`ip link set ... vf`) goes through the PF, i.e. an uplink netdev.
fn uplink_only(dev: &Device<PortNetdev>) -> Result {
    if dev.data().is_uplink() {
        Ok(())
    } else {
        Err(EOPNOTSUPP)
    }
}

/// The function id of VF `vf` as `ip link` numbers it.
fn vf_id(vf: i32) -> Result<FuncId> {
    u16::try_from(vf)
        .ok()
        .filter(|&v| v < MAX_VFS)
        .and_then(FuncId::vf)
        .ok_or(EINVAL)
}
