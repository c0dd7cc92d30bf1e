// SPDX-License-Identifier: GPL-2.0

//! tc flower offload on representors: validation and translation of flower rules into the
//! switch's flow rules, and the offload callbacks.
//!
//! Rules are accepted on the ingress block of VF/SF representors and uplink representors in
//! switchdev mode. They match what the represented port sends (or, on an uplink representor, what
//! arrives from the wire). Anything fponic cannot execute exactly is refused with `EOPNOTSUPP`
//! and an extack message; nothing unsupported is ever accepted silently.

use kernel::prelude::*;

use crate::{
    bind::{
        devlink::ExtAck,
        netdev::Device as NetDevice,
        tc::{
            self,
            ctl,
            keys,
            FlowerAction,
            FlowerCmd,
            FlowerRule, //
        },
    },
    datapath::PortNetdev,
    engine::flow::{
        off,
        Action,
        Actions,
        Key,
        PeditHdr,
        PortRanges,
        Refusal,
        RuleSpec, //
    },
    eswitch::{
        Eswitch,
        RuleName, //
    },
    flowtable::{
        InsertError,
        RuleId, //
    },
};

/// Match keys fponic executes.
const SUPPORTED_KEYS: u64 = keys::CONTROL
    | keys::BASIC
    | keys::ETH_ADDRS
    | keys::VLAN
    | keys::CVLAN
    | keys::IPV4_ADDRS
    | keys::IPV6_ADDRS
    | keys::IP
    | keys::PORTS
    | keys::PORTS_RANGE
    | keys::TCP
    | keys::ICMP;

/// A rule on a representor whose `hw-tc-offload` is off (tc's own wording).
const DISABLED: Refusal = c"TC offload is disabled on net device";

/// `protocol all`.
const ETH_P_ALL: u16 = 0x0003;

fn is_vlan_tpid(t: u16) -> bool {
    t == 0x8100 || t == 0x88a8
}

/// Translates a flower rule arriving on the representor with virtual port `in_vpid`.
fn build_spec(esw: &Eswitch, in_vpid: u32, r: &FlowerRule<'_>) -> Result<RuleSpec, Refusal> {
    let m = &r.m;
    let unsupported = m.used_keys & !SUPPORTED_KEYS;
    if unsupported != 0 {
        for (bit, msg) in keys::NAMES {
            if unsupported & (1 << bit) != 0 {
                return Err(msg);
            }
        }
        return Err(c"fponic: unsupported match key");
    }
    if m.ctl_flags_m & !(ctl::IS_FRAGMENT | ctl::FIRST_FRAG) != 0 {
        return Err(c"fponic: only the frag and firstfrag flags can be matched");
    }
    let mut key = Key::default();
    let mut mask = Key::default();
    let mut set = |o: usize, k: &[u8], mk: &[u8]| {
        key.set(o, k);
        mask.set(o, mk);
    };
    set(off::IN_PORT, &in_vpid.to_be_bytes(), &[0xff; 4]);
    // A filter sees only packets of its protocol (tc_skb_protocol), unless it is `all`.
    if m.tc_proto != ETH_P_ALL {
        set(off::TC_PROTO, &m.tc_proto.to_be_bytes(), &[0xff; 2]);
    }
    set(
        off::N_PROTO,
        &m.n_proto.to_be_bytes(),
        &m.n_proto_m.to_be_bytes(),
    );
    set(off::IP_PROTO, &[m.ip_proto], &[m.ip_proto_m]);
    set(off::ETH_DST, &m.dst, &m.dst_m);
    set(off::ETH_SRC, &m.src, &m.src_m);
    if m.used_keys & keys::VLAN != 0 {
        set(
            off::VLAN_ID,
            &m.vlan_id.to_be_bytes(),
            &(m.vlan_id_m & 0xfff).to_be_bytes(),
        );
        set(off::VLAN_PRIO, &[m.vlan_prio], &[m.vlan_prio_m & 7]);
        set(
            off::VLAN_TPID,
            &m.vlan_tpid.to_be_bytes(),
            &m.vlan_tpid_m.to_be_bytes(),
        );
        // `vlan_ethtype`: the ethertype after the outer tag. For a non-VLAN value flower
        // also puts it in the BASIC key's `n_proto`, which carries it already.
        set(
            off::VLAN_ETH,
            &m.vlan_eth.to_be_bytes(),
            &m.vlan_eth_m.to_be_bytes(),
        );
    }
    if m.used_keys & keys::CVLAN != 0 {
        set(
            off::CVLAN_ID,
            &m.cvlan_id.to_be_bytes(),
            &(m.cvlan_id_m & 0xfff).to_be_bytes(),
        );
        set(off::CVLAN_PRIO, &[m.cvlan_prio], &[m.cvlan_prio_m & 7]);
        if m.cvlan_tpid_m != 0 {
            set(
                off::CVLAN_TPID,
                &m.cvlan_tpid.to_be_bytes(),
                &m.cvlan_tpid_m.to_be_bytes(),
            );
        }
        // `cvlan_ethtype`: the ethertype after the inner tag; flower puts it in `n_proto`
        // too, which the BASIC key carries.
        set(
            off::CVLAN_ETH,
            &m.cvlan_eth.to_be_bytes(),
            &m.cvlan_eth_m.to_be_bytes(),
        );
    }
    // Flower sets `control.addr_type`, with a full mask, for any IPv4 or IPv6 address match.
    if m.addr_type != 0 {
        // CAST: FLOW_DISSECTOR_KEY_IPV4_ADDRS or _IPV6_ADDRS, both below 256.
        set(off::ADDR_TYPE, &[m.addr_type as u8], &[0xff]);
    }
    if m.used_keys & keys::IPV4_ADDRS != 0 {
        set(off::IP_SRC, &m.v4_src, &m.v4_src_m);
        set(off::IP_DST, &m.v4_dst, &m.v4_dst_m);
    }
    if m.used_keys & keys::IPV6_ADDRS != 0 {
        set(off::IP_SRC, &m.v6_src, &m.v6_src_m);
        set(off::IP_DST, &m.v6_dst, &m.v6_dst_m);
    }
    set(off::IP_TOS, &[m.tos], &[m.tos_m]);
    set(off::IP_TTL, &[m.ttl], &[m.ttl_m]);
    // CAST: the two fragment flags are bits 0 and 1, as in the packet key.
    set(off::IP_FLAGS, &[m.ctl_flags as u8], &[m.ctl_flags_m as u8]);
    set(off::ICMP_TYPE, &[m.icmp_type], &[m.icmp_type_m]);
    set(off::ICMP_CODE, &[m.icmp_code], &[m.icmp_code_m]);
    set(
        off::L4_SRC,
        &m.sport.to_be_bytes(),
        &m.sport_m.to_be_bytes(),
    );
    set(
        off::L4_DST,
        &m.dport.to_be_bytes(),
        &m.dport_m.to_be_bytes(),
    );
    set(
        off::TCP_FLAGS,
        &(m.tcp_flags & 0xfff).to_be_bytes(),
        &(m.tcp_flags_m & 0xfff).to_be_bytes(),
    );
    let mut ranges = PortRanges::default();
    if m.used_keys & keys::PORTS_RANGE != 0 {
        if m.sport_max != 0 {
            ranges.src = Some((m.sport_min, m.sport_max));
        }
        if m.dport_max != 0 {
            ranges.dst = Some((m.dport_min, m.dport_max));
        }
    }

    let mut actions = Actions::default();
    for a in r.actions() {
        let act = match a {
            FlowerAction::Drop => Action::Drop,
            FlowerAction::Accept => Action::Accept,
            FlowerAction::Redirect(dev) => Action::Redirect(target_vpid(esw, dev)?),
            FlowerAction::Mirror(dev) => Action::Mirror(target_vpid(esw, dev)?),
            FlowerAction::VlanPush { tpid, id, prio } => {
                if !is_vlan_tpid(tpid) {
                    return Err(c"fponic: vlan push supports 802.1Q and 802.1ad only");
                }
                Action::VlanPush { tpid, id, prio }
            }
            FlowerAction::VlanPop => Action::VlanPop,
            FlowerAction::VlanModify {
                tpid,
                id,
                prio,
                prio_given,
            } => Action::vlan_modify(tpid, id, prio, prio_given)?,
            FlowerAction::Goto(c) => Action::Goto(c),
            FlowerAction::Pedit {
                first,
                htype,
                offset,
                mask,
                val,
            } => Action::Pedit {
                first,
                hdr: PeditHdr::from_htype(htype)
                    .ok_or(c"fponic: pedit header type not supported")?,
                offset: u16::try_from(offset).map_err(|_| c"fponic: pedit offset out of range")?,
                mask,
                val,
            },
            FlowerAction::Csum(flags) => Action::Csum(flags),
            FlowerAction::Unsupported(msg) => return Err(msg),
        };
        actions.push(act)?;
    }
    actions.validate(r.chain)?;
    // A packet that leaves the eswitch mid-pipeline (after these actions, or after a miss in the
    // chain they jump to) carries the tc skb extension, so software resumes where the eswitch
    // stopped and applies no action twice. Without it software would start over.
    let resume = r.resume_after_actions();
    if resume.is_none() && !r.skip_sw && actions.may_leave_pipeline() {
        return Err(c"fponic: software cannot resume this rule where the eswitch stops (no tc skb extension)");
    }
    actions.set_resume(resume.unwrap_or(0));
    Ok(RuleSpec {
        chain: r.chain,
        prio: r.prio,
        key: key.masked(&mask),
        mask,
        ranges,
        actions,
    })
}

/// The virtual port a mirred target stands for: a representor of the same switch.
fn target_vpid(esw: &Eswitch, dev: Option<&crate::bind::netdev::NetDev>) -> Result<u32, Refusal> {
    let d = dev
        .and_then(NetDevice::<PortNetdev>::try_from_netdev)
        .ok_or(c"fponic: redirect/mirror target must be a representor of the same switch")?;
    if !d.data().same_switch(esw) {
        return Err(c"fponic: redirect/mirror target must be a representor of the same switch");
    }
    d.data()
        .offload_vpid()
        .ok_or(c"fponic: redirect/mirror target must be a representor, not a function netdev")
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
            let spec = match build_spec(esw, in_vpid, &rule) {
                Ok(s) => s,
                Err(msg) => return refuse(ext, msg, EOPNOTSUPP),
            };
            let id = RuleId {
                cookie: rule.cookie,
                in_vpid,
            };
            match esw.flows().insert(id, spec) {
                Ok(()) => {
                    esw.log_rule(true, name);
                    Ok(())
                }
                Err(InsertError::Full) => refuse(ext, c"fponic: flow table full", ENOSPC),
                Err(InsertError::Closed) => {
                    refuse(ext, c"fponic: tc offload needs switchdev mode", EOPNOTSUPP)
                }
                Err(InsertError::Disabled) => refuse(ext, DISABLED, EOPNOTSUPP),
                Err(InsertError::NoMem) => Err(ENOMEM),
            }
        }
        // A filter of a shared block has a rule per bound representor: each callback removes or
        // reports its own.
        FlowerCmd::Destroy(cookie) => {
            let Some(in_vpid) = this.offload_vpid() else {
                return Ok(());
            };
            // tc only destroys rules it offloaded; a missing rule is not an error.
            if let Ok(spec) = esw.flows().remove(RuleId { cookie, in_vpid }) {
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
            if let Some((bytes, packets, lastused)) =
                esw.flows().stats_delta(RuleId { cookie, in_vpid })
            {
                reply.report(bytes, packets, lastused);
            }
            Ok(())
        }
    }
}

/// Jiffies, for rule counters.
pub(crate) fn now() -> u64 {
    tc::jiffies()
}
