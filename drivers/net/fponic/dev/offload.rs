// SPDX-License-Identifier: GPL-2.0

//! tc flower offload on representors: the block and flower callbacks (bind, replace, destroy,
//! stats) that install [`crate::tc`]'s rules on a switch.
//!
//! Rules are accepted on the ingress block of VF/SF representors and uplink representors in
//! switchdev mode. They match what the represented port sends (or, on an uplink representor, what
//! arrives from the wire).

use kernel::prelude::*;

use crate::{
    bind::{
        netdev::{
            Device as NetDevice,
            NetDev, //
        },
        netlink::ExtAck,
        tc::{
            key,
            FlowerCmd, //
        },
    },
    engine::{
        flow::{
            Action,
            Refusal, //
        },
        id::vpid::Vpid,
    },
    esw::{
        port::PortNetdev,
        Eswitch,
        RuleName, //
    },
    tc::{
        self,
        flowtable::{
            InsertError,
            RuleId, //
        },
        ft::Bound,
        Ports,
    },
};

/// A rule on a representor whose `hw-tc-offload` is off (tc's own wording).
const DISABLED: Refusal = c"TC offload is disabled on net device";

impl Ports for Eswitch {
    /// A mirred target must be a representor (or uplink netdev) of this switch.
    fn target_vpid(&self, dev: Option<&NetDev>) -> Result<Vpid, Refusal> {
        let d = dev
            .and_then(NetDevice::<PortNetdev>::try_from_netdev)
            .ok_or(c"fponic: redirect/mirror target must be a representor of the same switch")?;
        if !d.data().same_switch(self) {
            return Err(c"fponic: redirect/mirror target must be a representor of the same switch");
        }
        d.data()
            .offload_vpid()
            .ok_or(c"fponic: redirect/mirror target must be a representor, not a function netdev")
    }
}

/// A conntrack rule on a switch whose devlink parameter `ct_module` is off.
const NO_CT_MODULE: Refusal =
    c"fponic: no connection tracking module (devlink param ct_module is false): use an nftables flowtable";

/// Where `dev` meets the connections of a flowtable that binds it: a representor (or uplink
/// representor) where its port sends, a function netdev where the switch delivers to it.
fn ft_bound(dev: &NetDevice<PortNetdev>) -> Option<Bound> {
    let this = dev.data();
    match (this.offload_vpid(), this.own_vpid()) {
        (Some(v), _) => Some(Bound::Rep(v)),
        (None, v) => v.map(Bound::Func),
    }
}

/// An nftables flowtable with `flags offload` binds `dev` (`bind`) or unbinds it.
pub(crate) fn ft_bind(dev: &NetDevice<PortNetdev>, bind: bool, ext: &mut ExtAck<'_>) -> Result {
    let esw = dev.data().eswitch();
    let Some(b) = ft_bound(dev) else {
        return Err(EOPNOTSUPP);
    };
    if !bind {
        esw.flowtable().unbind(b);
        return Ok(());
    }
    match b {
        Bound::Rep(_) if !esw.is_switchdev() => {
            ext.set(c"fponic: flowtable offload on an uplink needs switchdev mode");
            Err(EOPNOTSUPP)
        }
        Bound::Func(_) if esw.is_switchdev() => {
            ext.set(c"fponic: in switchdev mode, flowtable offload is on representors");
            Err(EOPNOTSUPP)
        }
        _ => {
            esw.flowtable().bind();
            Ok(())
        }
    }
}

/// A flow command of the nftables flowtable bound to `dev`.
pub(crate) fn ft_flow(dev: &NetDevice<PortNetdev>, cmd: FlowerCmd<'_>) -> Result {
    let this = dev.data();
    let esw = this.eswitch();
    let b = ft_bound(dev).ok_or(EOPNOTSUPP)?;
    // As for tc rules, `hw-tc-offload` off keeps new connections in software.
    if matches!(cmd, FlowerCmd::Replace(_)) && !dev.features().hw_tc() {
        return Err(EOPNOTSUPP);
    }
    let out = |d: Option<&NetDev>| -> Result<Vpid, Refusal> {
        match b {
            Bound::Rep(_) => esw.target_vpid(d),
            // A function or uplink netdev of the same switch: the packet goes on as it sent it.
            Bound::Func(_) => d
                .and_then(NetDevice::<PortNetdev>::try_from_netdev)
                .filter(|d| d.data().same_switch(esw))
                .and_then(|d| d.data().own_vpid())
                .ok_or(
                    c"fponic: flowtable output must be a function or uplink netdev of the switch",
                ),
        }
    };
    esw.flowtable().flow(&out, b, dev.ifindex(), cmd)
}

/// Whether `dev` may bind an ingress block. Under RTNL.
pub(crate) fn block_ok(dev: &NetDevice<PortNetdev>, ext: &mut ExtAck<'_>) -> Result {
    let Some(vpid) = dev.data().offload_vpid() else {
        ext.set(c"fponic: tc offload is available on representors only");
        return Err(EOPNOTSUPP);
    };
    // tc binds a block whatever `hw-tc-offload` says; rules are then refused while it is off.
    // The port's state follows the feature from here (`set_hw_tc`), whatever an earlier netdev
    // with the same VPID left behind. This runs for unbinding too, which must not fail: it
    // cannot (a port whose feature is off has no rules, and the state needs no memory).
    let _ = dev
        .data()
        .eswitch()
        .flows()
        .set_port_offload(vpid, dev.features().hw_tc());
    Ok(())
}

/// `ethtool -K <dev> hw-tc-offload on|off`. Under RTNL, before the feature changes.
///
/// Turning it off is refused while the representor has offloaded rules, as mlx5 does (there is
/// no extack here: the reason goes to the kernel log).
pub(crate) fn set_hw_tc(dev: &NetDevice<PortNetdev>, on: bool) -> Result {
    let Some(vpid) = dev.data().offload_vpid() else {
        return Ok(());
    };
    match dev.data().eswitch().flows().set_port_offload(vpid, on) {
        Err(e) if e == EBUSY => {
            let name = dev.as_netdev().name();
            let name = core::ffi::CStr::from_bytes_until_nul(&name)
                .ok()
                .and_then(|n| n.to_str().ok())
                .unwrap_or("?");
            pr_err!("{name}: active offloaded tc filters, can't turn hw_tc_offload off\n");
            Err(EINVAL)
        }
        r => r,
    }
}

/// A flower command on `dev`'s block.
pub(crate) fn flower(
    dev: &NetDevice<PortNetdev>,
    cmd: FlowerCmd<'_>,
    ext: &mut ExtAck<'_>,
) -> Result {
    let this = dev.data();
    let esw = this.eswitch();
    match cmd {
        FlowerCmd::Replace(rule) => {
            let Some(in_vpid) = this.offload_vpid() else {
                ext.set(c"fponic: tc offload is available on representors only");
                return Err(EOPNOTSUPP);
            };
            let name = RuleName {
                in_vpid,
                chain: rule.chain,
                prio: rule.prio,
            };
            let refuse = |ext: &mut ExtAck<'_>, msg: Refusal, e: Error| {
                ext.set(msg);
                esw.note_refusal(name, msg);
                Err(e)
            };
            // As tc_cls_can_offload_and_chain0(); checked again atomically by the insertion.
            if !esw.flows().port_offload(in_vpid) {
                return refuse(ext, DISABLED, EOPNOTSUPP);
            }
            if !esw.is_switchdev() {
                return refuse(ext, c"fponic: tc offload needs switchdev mode", EOPNOTSUPP);
            }
            let mut spec = match tc::build_spec(esw, in_vpid, &rule) {
                Ok(s) => s,
                Err(msg) => return refuse(ext, msg, EOPNOTSUPP),
            };
            // A NIC without a connection tracking module offloads connections through nftables
            // flowtables only.
            let uses_ct = rule.keys.used() & key::CT != 0
                || spec
                    .actions
                    .as_slice()
                    .iter()
                    .any(|a| matches!(a, Action::Ct { .. } | Action::CtClear));
            if uses_ct && !esw.conntrack().module() {
                return refuse(ext, NO_CT_MODULE, EOPNOTSUPP);
            }
            // A leading `ct` looks connections up in its zone's act_ct flow table, which the
            // switch registers on (once for all the rules naming it).
            let ct = esw.conntrack();
            let mut table = None;
            if let Some(ft) = spec
                .actions
                .is_ct_lookup()
                .then(|| rule.actions().next().and_then(|a| a.ct_table()))
                .flatten()
            {
                let n = match ct.attach(&ft) {
                    Ok(n) => n,
                    Err(e) => {
                        return refuse(ext, c"fponic: cannot register on the ct flow table", e)
                    }
                };
                spec.actions.set_ct_table(n);
                table = Some(n);
            }
            let id = RuleId {
                scope: in_vpid,
                cookie: rule.cookie,
            };
            let r = match esw.flows().insert(id, spec) {
                Ok(old) => {
                    // A replaced rule's table is detached after the new rule is in place.
                    if let Some(t) = old.and_then(|old| old.entry.actions.ct_table()) {
                        ct.detach(t);
                    }
                    esw.log_rule(true, name);
                    return Ok(());
                }
                Err(InsertError::Full) => refuse(ext, c"fponic: flow table full", ENOSPC),
                Err(InsertError::Closed) => {
                    refuse(ext, c"fponic: tc offload needs switchdev mode", EOPNOTSUPP)
                }
                Err(InsertError::Disabled) => refuse(ext, DISABLED, EOPNOTSUPP),
                Err(InsertError::NoMem) => Err(ENOMEM),
            };
            if let Some(t) = table {
                ct.detach(t);
            }
            r
        }
        // A filter of a shared block has a rule per bound representor: each callback removes or
        // reports its own.
        FlowerCmd::Destroy(cookie) => {
            let Some(in_vpid) = this.offload_vpid() else {
                return Ok(());
            };
            // tc only destroys rules it offloaded; a missing rule is not an error.
            let id = RuleId {
                scope: in_vpid,
                cookie,
            };
            if let Ok(rule) = esw.flows().remove(id) {
                let spec = &rule.entry;
                if let Some(t) = spec.actions.ct_table() {
                    esw.conntrack().detach(t);
                }
                esw.log_rule(
                    false,
                    RuleName {
                        in_vpid,
                        chain: spec.chain,
                        prio: spec.prio,
                    },
                );
            }
            Ok(())
        }
        FlowerCmd::Stats(cookie, reply) => {
            let Some(in_vpid) = this.offload_vpid() else {
                return Ok(());
            };
            // tc sums the reports of every bound callback.
            let id = RuleId {
                scope: in_vpid,
                cookie,
            };
            if let Some((bytes, packets, lastused)) = esw.flows().stats_delta(id) {
                reply.report(bytes, packets, lastused);
            }
            Ok(())
        }
    }
}
