// SPDX-License-Identifier: GPL-2.0

//! tc flower offload: flow blocks and the rules tc hands to a driver.
//!
//! A net device whose driver type implements [`netdev::Operations::flower`] accepts ingress
//! flow block binds (`ndo_setup_tc(TC_SETUP_BLOCK)`); tc then calls the driver with
//! [`FlowerCmd`]s for every flower rule of that block. A rule's match keys are read through
//! [`Keys`]; its actions arrive flattened by a C helper into plain data ([`FlowerAction`]). The
//! callback runs without RTNL (`unlocked_driver_cb`).
//!
//! C header: [`include/net/flow_offload.h`](srctree/include/net/flow_offload.h)

use kernel::ffi::c_void;

use super::{
    devlink::ExtAck,
    ffi::bindings,
    netdev::NetDev, //
};

mod keys;

pub(crate) use keys::{
    ctl,
    key,
    Keys, //
};

/// A flower action.
pub(crate) enum FlowerAction<'a> {
    /// `gact drop`.
    Drop,
    /// `gact ok`.
    Accept,
    /// `mirred egress redirect dev <dev>`.
    Redirect(Option<&'a NetDev>),
    /// `mirred egress mirror dev <dev>`.
    Mirror(Option<&'a NetDev>),
    /// `vlan push`.
    VlanPush {
        /// TPID.
        tpid: u16,
        /// VLAN id.
        id: u16,
        /// Priority.
        prio: u8,
    },
    /// `vlan pop`.
    VlanPop,
    /// `vlan modify`.
    VlanModify {
        /// New TPID.
        tpid: u16,
        /// New id.
        id: u16,
        /// New priority (0 also when none was given).
        prio: u8,
        /// Whether a priority was given (`None`: unknown).
        prio_given: Option<bool>,
    },
    /// `goto chain N`.
    Goto(u32),
    /// `pedit`: the 32-bit word at `offset` from the header of type `htype` becomes
    /// `(old & mask) ^ val` (raw, network order words).
    Pedit {
        /// The first key of its pedit action (tc passes one entry per key).
        first: bool,
        /// Header type (`enum flow_action_mangle_base`).
        htype: u32,
        /// Byte offset in that header.
        offset: u32,
        /// Bits kept.
        mask: u32,
        /// Bits set.
        val: u32,
    },
    /// `csum`: recompute the checksums named by `TCA_CSUM_UPDATE_FLAG_*`.
    Csum(u32),
    /// Anything else, with an explanation.
    Unsupported(&'static kernel::str::CStr),
}

/// Maximum number of actions fponic reads from a rule.
pub(crate) const MAX_RULE_ACTIONS: usize = 24;

/// A flower rule to add (or replace).
///
/// # Invariants
///
/// `n_actions <= MAX_RULE_ACTIONS`; the `dev` of each of the first `n_actions` actions is null or
/// a net device tc holds a reference to for `'a` (the REPLACE request in progress).
pub(crate) struct FlowerRule<'a> {
    /// tc's identifier of the rule.
    pub(crate) cookie: u64,
    /// Priority.
    pub(crate) prio: u32,
    /// Chain.
    pub(crate) chain: u32,
    /// The rule is in hardware only (`skip_sw`): software never runs it.
    pub(crate) skip_sw: bool,
    /// The protocol of the filter in host byte order (`ETH_P_ALL`: any).
    pub(crate) proto: u16,
    /// Match keys.
    pub(crate) keys: Keys<'a>,
    actions: [bindings::fponic_flower_action; MAX_RULE_ACTIONS],
    n_actions: usize,
    _p: core::marker::PhantomData<&'a ()>,
}

impl<'a> FlowerRule<'a> {
    /// tc's miss cookie that makes software resume right after the rule's last action (nothing
    /// left to execute: the packet goes on as software's own run of the rule would leave it);
    /// `None` if software cannot resume this rule (no tc skb extension support).
    pub(crate) fn resume_after_actions(&self) -> Option<u64> {
        let last = self.actions[..self.n_actions].last()?;
        let c = miss_cookie_next(last.miss_cookie);
        (c != 0).then_some(c)
    }

    /// The actions, in order.
    pub(crate) fn actions(&self) -> impl Iterator<Item = FlowerAction<'a>> + '_ {
        self.actions[..self.n_actions].iter().map(|a| {
            // SAFETY: a non-null `dev` is a net device tc holds a reference to for the duration
            // of the callback.
            let dev = || unsafe { (!a.dev.is_null()).then(|| NetDev::from_raw(a.dev)) };
            match a.id {
                bindings::flow_action_id_FLOW_ACTION_DROP => FlowerAction::Drop,
                bindings::flow_action_id_FLOW_ACTION_ACCEPT => FlowerAction::Accept,
                bindings::flow_action_id_FLOW_ACTION_REDIRECT => FlowerAction::Redirect(dev()),
                bindings::flow_action_id_FLOW_ACTION_MIRRED => FlowerAction::Mirror(dev()),
                bindings::flow_action_id_FLOW_ACTION_VLAN_PUSH => FlowerAction::VlanPush {
                    tpid: a.proto,
                    id: a.vid,
                    prio: a.prio,
                },
                bindings::flow_action_id_FLOW_ACTION_VLAN_POP => FlowerAction::VlanPop,
                bindings::flow_action_id_FLOW_ACTION_VLAN_MANGLE => FlowerAction::VlanModify {
                    tpid: a.proto,
                    id: a.vid,
                    prio: a.prio,
                    prio_given: match a.prio_given {
                        1 => Some(true),
                        0 => Some(false),
                        _ => None,
                    },
                },
                bindings::flow_action_id_FLOW_ACTION_GOTO => FlowerAction::Goto(a.chain),
                bindings::flow_action_id_FLOW_ACTION_REDIRECT_INGRESS
                | bindings::flow_action_id_FLOW_ACTION_MIRRED_INGRESS => FlowerAction::Unsupported(
                    c"fponic: only egress redirect and mirror can be offloaded",
                ),
                bindings::flow_action_id_FLOW_ACTION_MANGLE => FlowerAction::Pedit {
                    first: a.first_key != 0,
                    htype: a.htype,
                    offset: a.offset,
                    mask: a.mask,
                    val: a.val,
                },
                bindings::flow_action_id_FLOW_ACTION_ADD => {
                    FlowerAction::Unsupported(c"fponic: pedit add is not supported, only set")
                }
                bindings::flow_action_id_FLOW_ACTION_CSUM => FlowerAction::Csum(a.csum_flags),
                bindings::flow_action_id_FLOW_ACTION_CT
                | bindings::flow_action_id_FLOW_ACTION_CT_METADATA => {
                    FlowerAction::Unsupported(c"fponic: conntrack actions are not supported yet")
                }
                bindings::flow_action_id_FLOW_ACTION_TRAP => {
                    FlowerAction::Unsupported(c"fponic: trap is not supported")
                }
                bindings::flow_action_id_FLOW_ACTION_POLICE => {
                    FlowerAction::Unsupported(c"fponic: police is not supported")
                }
                bindings::flow_action_id_FLOW_ACTION_SAMPLE => {
                    FlowerAction::Unsupported(c"fponic: sample is not supported")
                }
                bindings::flow_action_id_FLOW_ACTION_TUNNEL_ENCAP
                | bindings::flow_action_id_FLOW_ACTION_TUNNEL_DECAP => {
                    FlowerAction::Unsupported(c"fponic: tunnel actions are not supported")
                }
                bindings::flow_action_id_FLOW_ACTION_MPLS_PUSH
                | bindings::flow_action_id_FLOW_ACTION_MPLS_POP
                | bindings::flow_action_id_FLOW_ACTION_MPLS_MANGLE => {
                    FlowerAction::Unsupported(c"fponic: MPLS actions are not supported")
                }
                bindings::flow_action_id_FLOW_ACTION_PTYPE => {
                    FlowerAction::Unsupported(c"fponic: skbedit ptype is not supported")
                }
                _ => FlowerAction::Unsupported(c"fponic: action not supported"),
            }
        })
    }
}

/// The miss cookie that resumes a rule's actions right after the action `miss_cookie` stands
/// for (0: none). `cls_api.c` composes it as `union tcf_exts_miss_cookie` of `{ u32
/// miss_cookie_base; u32 act_index; }` and a `u64`, so the action index is the high half on
/// little-endian machines and the low half on big-endian ones. Resuming after the last action
/// executes nothing more.
fn miss_cookie_next(miss_cookie: u64) -> u64 {
    if miss_cookie == 0 {
        0
    } else if cfg!(target_endian = "little") {
        miss_cookie.wrapping_add(1 << 32)
    } else {
        miss_cookie.wrapping_add(1)
    }
}

/// What tc asks of the driver.
// One command lives on the stack per callback; boxing the rule would add an allocation to every
// rule insertion.
#[expect(clippy::large_enum_variant)]
pub(crate) enum FlowerCmd<'a> {
    /// Add or replace a rule.
    Replace(FlowerRule<'a>),
    /// Remove the rule with this cookie.
    Destroy(u64),
    /// Report the counters of the rule with this cookie.
    Stats(u64, StatsReply<'a>),
}

/// Where a driver reports a rule's counters.
///
/// # Invariants
///
/// `self.0` points to the `struct flow_cls_offload` of a `FLOW_CLS_STATS` request in progress,
/// valid for writes to its `stats` for `'a`.
pub(crate) struct StatsReply<'a>(
    *mut bindings::flow_cls_offload,
    core::marker::PhantomData<&'a ()>,
);

impl StatsReply<'_> {
    /// Reports packets and bytes since the previous report, and when the rule last matched (in
    /// jiffies).
    pub(crate) fn report(self, bytes: u64, packets: u64, lastused: u64) {
        // SAFETY: `self.0` is the offload request of the running STATS callback, whose `stats`
        // the driver fills.
        unsafe {
            bindings::flow_stats_update(
                &raw mut (*self.0).stats,
                bytes,
                packets,
                0,
                lastused,
                bindings::flow_action_hw_stats_FLOW_ACTION_HW_STATS_DELAYED,
            )
        };
    }
}

/// Builds the command for a `TC_SETUP_CLSFLOWER` callback and returns it with the request's
/// extack.
///
/// # Safety
///
/// `type_data` is the `struct flow_cls_offload` of a running `TC_SETUP_CLSFLOWER` callback.
pub(super) unsafe fn flower_cmd<'a>(
    type_data: *mut c_void,
) -> Result<(FlowerCmd<'a>, ExtAck<'a>), kernel::error::Error> {
    let f = type_data.cast::<bindings::flow_cls_offload>();
    // SAFETY: by the function's safety requirement; the request's extack is null or valid while
    // the callback runs, which `'a` stands for.
    // CAST: the cookie is an `unsigned long`, 64 bits on the supported architectures.
    let (cmd, cookie, ext) = unsafe {
        (
            (*f).command,
            (*f).cookie as u64,
            ExtAck::from_raw((*f).common.extack),
        )
    };
    let c = match cmd {
        bindings::flow_cls_command_FLOW_CLS_REPLACE => {
            // SAFETY: by the function's safety requirement.
            let (flow_rule, proto) = unsafe { ((*f).rule, u16::from_be((*f).common.protocol)) };
            let flow_rule =
                core::ptr::NonNull::new(flow_rule).ok_or(kernel::error::code::EINVAL)?;
            let mut rule = FlowerRule {
                cookie,
                // SAFETY: by the function's safety requirement.
                prio: unsafe { (*f).common.prio },
                // SAFETY: by the function's safety requirement.
                chain: unsafe { (*f).common.chain_index },
                // SAFETY: by the function's safety requirement.
                skip_sw: unsafe { (*f).common.skip_sw },
                proto,
                // SAFETY: the request's rule, valid while the callback runs.
                keys: unsafe { Keys::new(flow_rule) },
                actions: [bindings::fponic_flower_action::default(); MAX_RULE_ACTIONS],
                n_actions: 0,
                _p: core::marker::PhantomData,
            };
            let mut n: kernel::ffi::c_uint = 0;
            // SAFETY: valid request and output buffer of the stated size.
            let r = unsafe {
                bindings::fponic_flower_actions(
                    f,
                    rule.actions.as_mut_ptr(),
                    // CAST: a small constant.
                    MAX_RULE_ACTIONS as kernel::ffi::c_uint,
                    &mut n,
                )
            };
            kernel::error::to_result(r)?;
            rule.n_actions = n as usize;
            FlowerCmd::Replace(rule)
        }
        bindings::flow_cls_command_FLOW_CLS_DESTROY => FlowerCmd::Destroy(cookie),
        bindings::flow_cls_command_FLOW_CLS_STATS => {
            FlowerCmd::Stats(cookie, StatsReply(f, core::marker::PhantomData))
        }
        _ => return Err(kernel::error::code::EOPNOTSUPP),
    };
    Ok((c, ext))
}
