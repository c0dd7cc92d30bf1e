// SPDX-License-Identifier: GPL-2.0

//! The devlink instance of a device: eswitch mode, SF port add/del, port functions.

use kernel::prelude::*;

use crate::{
    bind::devlink::{
        self,
        EswitchMode,
        FnState,
        Guard,
        NewPortAttrs,
        ParamValue,
        Port, //
    },
    bind::netlink::ExtAck,
    dev::{
        device::{
            DevData,
            CT_TABLE_RESOURCE, //
        },
        params::{
            FLOW_TABLE_SIZE_MAX,
            FLOW_TABLE_SIZE_MIN,
            PARAM_CT_MODULE,
            PARAM_CT_TABLE_SIZE,
            PARAM_FAILBACK_DELAY,
            PARAM_FAILOVER,
            PARAM_FAILOVER_GROUP,
            PARAM_FLOW_TABLE_SIZE, //
        },
        port::PortData, //
    },
    engine::id::FuncId,
    esw::{
        failover::Setting,
        Eswitch, //
    },
};

impl PortData {
    fn func_id(&self, ext: &mut ExtAck<'_>) -> Result<FuncId> {
        match self {
            PortData::Func(f) => Ok(f.id),
            PortData::Uplink => {
                ext.set(c"fponic: physical ports have no port function");
                Err(EOPNOTSUPP)
            }
        }
    }
}

#[vtable]
impl devlink::Operations for DevData {
    type Port = PortData;

    fn param_get(this: &Self, id: u32) -> Result<ParamValue> {
        let p = this.esw.failover().policy();
        match id {
            PARAM_FAILOVER => Ok(ParamValue::Bool(p.enabled)),
            PARAM_FAILOVER_GROUP => Ok(ParamValue::U32(p.group)),
            PARAM_FAILBACK_DELAY => Ok(ParamValue::U32(p.holddown_ms)),
            _ => Err(EOPNOTSUPP),
        }
    }

    fn param_set(this: &Self, id: u32, value: ParamValue, ext: &mut ExtAck<'_>) -> Result {
        let setting = match (id, value) {
            (PARAM_FAILOVER, ParamValue::Bool(b)) => Setting::Enabled(b),
            (PARAM_FAILOVER_GROUP, ParamValue::U32(m)) => Setting::Group(m),
            (PARAM_FAILBACK_DELAY, ParamValue::U32(ms)) => Setting::HoldDownMs(ms),
            _ => return Err(EOPNOTSUPP),
        };
        Eswitch::set_failover(&this.esw, setting).map_err(|e| {
            ext.set(e.message());
            Error::from(e)
        })
    }

    fn param_validate(_this: &Self, id: u32, value: ParamValue, ext: &mut ExtAck<'_>) -> Result {
        match (id, value) {
            (PARAM_FLOW_TABLE_SIZE, ParamValue::U32(n))
                if (FLOW_TABLE_SIZE_MIN..=FLOW_TABLE_SIZE_MAX).contains(&n) =>
            {
                Ok(())
            }
            (PARAM_FLOW_TABLE_SIZE, _) => {
                ext.set(c"fponic: flow_table_size must be within 16..1048576");
                Err(EINVAL)
            }
            (PARAM_CT_TABLE_SIZE, ParamValue::U32(n))
                if (FLOW_TABLE_SIZE_MIN..=FLOW_TABLE_SIZE_MAX).contains(&n) =>
            {
                Ok(())
            }
            (PARAM_CT_MODULE, ParamValue::Bool(_)) => Ok(()),
            (PARAM_CT_TABLE_SIZE, _) => {
                ext.set(c"fponic: ct_table_size must be within 16..1048576");
                Err(EINVAL)
            }
            _ => Err(EOPNOTSUPP),
        }
    }

    fn reload_down(
        this: &Self,
        g: &mut Guard<'_>,
        netns_change: bool,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        if netns_change {
            ext.set(c"fponic: reload into another network namespace is not supported");
            return Err(EOPNOTSUPP);
        }
        let (key, ctx) = g.parts();
        this.state.get_mut(key).reload_down(ctx, &this.esw);
        Ok(())
    }

    fn reload_up(this: &Self, g: &mut Guard<'_>, ext: &mut ExtAck<'_>) -> Result {
        let (key, ctx) = g.parts();
        this.state.get_mut(key).reload_up(ctx, this, ext)
    }

    fn resource_occupancy(this: &Self, id: u64) -> u64 {
        match id {
            CT_TABLE_RESOURCE => u64::from(this.esw.conntrack().len()),
            _ => u64::from(this.esw.flows().len()),
        }
    }

    fn eswitch_mode_get(this: &Self, g: &mut Guard<'_>) -> Result<EswitchMode> {
        Ok(this.state.get_mut(g.parts().0).mode)
    }

    fn eswitch_mode_set(
        this: &Self,
        g: &mut Guard<'_>,
        mode: EswitchMode,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        this.state.get_mut(g.parts().0).set_mode(this, mode, ext)
    }

    fn port_new<'a>(
        this: &'a Self,
        g: &'a mut Guard<'_>,
        attrs: &NewPortAttrs,
        ext: &mut ExtAck<'_>,
    ) -> Result<&'a Port<PortData>> {
        let (key, ctx) = g.parts();
        this.state.get_mut(key).add_sf(ctx, this, attrs, ext)
    }
}

#[vtable]
impl devlink::PortOperations for PortData {
    type Dev = DevData;

    fn port_del(dev: &DevData, g: &mut Guard<'_>, port: &Self, ext: &mut ExtAck<'_>) -> Result {
        let id = port.func_id(ext)?;
        let (key, ctx) = g.parts();
        dev.state.get_mut(key).del_sf(ctx, dev, id, ext)
    }

    fn fn_hw_addr_get(
        dev: &DevData,
        g: &mut Guard<'_>,
        port: &Self,
        ext: &mut ExtAck<'_>,
    ) -> Result<[u8; 6]> {
        let id = port.func_id(ext)?;
        Ok(dev.state.get_mut(g.parts().0).func(id)?.mac())
    }

    fn fn_hw_addr_set(
        dev: &DevData,
        g: &mut Guard<'_>,
        port: &Self,
        hw_addr: &[u8],
        ext: &mut ExtAck<'_>,
    ) -> Result {
        let Ok(mac) = <[u8; 6]>::try_from(hw_addr) else {
            ext.set(c"fponic: hw_addr must be a 6-byte Ethernet address");
            return Err(EINVAL);
        };
        let id = port.func_id(ext)?;
        if mac[0] & 1 != 0 || mac == [0; 6] {
            ext.set(c"fponic: hw_addr must be a unicast, non-zero Ethernet address");
            return Err(EINVAL);
        }
        dev.state.get_mut(g.parts().0).func(id)?.set_mac(mac)
    }

    fn fn_state_get(
        dev: &DevData,
        g: &mut Guard<'_>,
        port: &Self,
        ext: &mut ExtAck<'_>,
    ) -> Result<(FnState, bool)> {
        let id = port.func_id(ext)?;
        let active = dev.state.get_mut(g.parts().0).func(id)?.is_active();
        // The function's netdev is always bound to its "driver": attached.
        Ok((
            if active {
                FnState::Active
            } else {
                FnState::Inactive
            },
            true,
        ))
    }

    fn fn_state_set(
        dev: &DevData,
        g: &mut Guard<'_>,
        port: &Self,
        state: FnState,
        ext: &mut ExtAck<'_>,
    ) -> Result {
        let id = port.func_id(ext)?;
        dev.state
            .get_mut(g.parts().0)
            .func(id)?
            .set_active(state == FnState::Active);
        Ok(())
    }
}
