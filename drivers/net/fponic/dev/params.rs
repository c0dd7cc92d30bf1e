// SPDX-License-Identifier: GPL-2.0

//! The device's devlink parameters: registered by [`super::device`], served by
//! [`super::devlink`].

use crate::bind::devlink::{
    ParamSpec,
    ParamType,
    ParamValue, //
};

/// Parameter: failover (and failback) on.
pub(crate) const PARAM_FAILOVER: u32 = 0;
/// Parameter: the uplinks taking part in failover (bit mask).
pub(crate) const PARAM_FAILOVER_GROUP: u32 = 1;

/// Parameter: failback hold-down in milliseconds.
pub(crate) const PARAM_FAILBACK_DELAY: u32 = 2;

/// Parameter (driverinit): capacity of the flow table, in rules.
pub(crate) const PARAM_FLOW_TABLE_SIZE: u32 = 3;

/// Parameter (driverinit): capacity of the table of offloaded connections, in directions.
pub(crate) const PARAM_CT_TABLE_SIZE: u32 = 4;

/// Parameter (driverinit): the switch has a connection tracking module (act_ct rules are
/// offloaded); without one, connections are offloaded through nftables flowtables only.
pub(crate) const PARAM_CT_MODULE: u32 = 5;

/// Flow table capacity bounds (driverinit parameters `flow_table_size`, `ct_table_size`).
pub(crate) const FLOW_TABLE_SIZE_MIN: u32 = 16;
/// Upper bound.
pub(crate) const FLOW_TABLE_SIZE_MAX: u32 = 1 << 20;

/// The driver's devlink parameters.
pub(crate) const PARAMS: [ParamSpec; 6] = [
    ParamSpec {
        id: PARAM_FAILOVER,
        name: c"failover",
        ty: ParamType::Bool,
        driverinit: None,
    },
    ParamSpec {
        id: PARAM_FAILOVER_GROUP,
        name: c"failover_group",
        ty: ParamType::U32,
        driverinit: None,
    },
    ParamSpec {
        id: PARAM_FAILBACK_DELAY,
        name: c"failback_delay_ms",
        ty: ParamType::U32,
        driverinit: None,
    },
    ParamSpec {
        id: PARAM_FLOW_TABLE_SIZE,
        name: c"flow_table_size",
        ty: ParamType::U32,
        driverinit: Some(ParamValue::U32(crate::esw::FLOW_CAPACITY)),
    },
    ParamSpec {
        id: PARAM_CT_TABLE_SIZE,
        name: c"ct_table_size",
        ty: ParamType::U32,
        driverinit: Some(ParamValue::U32(crate::tc::ct::CT_CAPACITY)),
    },
    ParamSpec {
        id: PARAM_CT_MODULE,
        name: c"ct_module",
        ty: ParamType::Bool,
        driverinit: Some(ParamValue::Bool(true)),
    },
];
