// SPDX-License-Identifier: GPL-2.0

//! tc flower offload: flow blocks and the rules tc hands to a driver.
//!
//! A net device whose driver type implements [`netdev::Operations::flower`] accepts ingress
//! flow block binds (`ndo_setup_tc(TC_SETUP_BLOCK)`); tc then calls the driver with
//! [`FlowerCmd`]s for every flower rule of that block. A rule's match keys are read through
//! [`Keys`], its actions as tc's own entries ([`FlowerAction`]). The callback runs without RTNL
//! (`unlocked_driver_cb`).
//!
//! C header: [`include/net/flow_offload.h`](srctree/include/net/flow_offload.h)

use kernel::ffi::c_void;

use super::{
    ct::{
        CtRef,
        CtTable, //
    },
    ffi::bindings,
    netdev::NetDev, //
    netlink::ExtAck,
};

mod keys;

pub(crate) use keys::{
    ct_state,
    ctl,
    key,
    Keys, //
};

/// Flower action kinds (`enum flow_action_id`), as [`FlowerAction::id`] gives them.
pub(crate) mod act_id {
    use super::bindings as b;

    /// `gact drop`.
    pub(crate) const DROP: u32 = b::flow_action_id_FLOW_ACTION_DROP;
    /// `gact ok`.
    pub(crate) const ACCEPT: u32 = b::flow_action_id_FLOW_ACTION_ACCEPT;
    /// `goto chain N`.
    pub(crate) const GOTO: u32 = b::flow_action_id_FLOW_ACTION_GOTO;
    /// `mirred egress redirect`.
    pub(crate) const REDIRECT: u32 = b::flow_action_id_FLOW_ACTION_REDIRECT;
    /// `mirred egress mirror`.
    pub(crate) const MIRRED: u32 = b::flow_action_id_FLOW_ACTION_MIRRED;
    /// `mirred ingress redirect`.
    pub(crate) const REDIRECT_INGRESS: u32 = b::flow_action_id_FLOW_ACTION_REDIRECT_INGRESS;
    /// `mirred ingress mirror`.
    pub(crate) const MIRRED_INGRESS: u32 = b::flow_action_id_FLOW_ACTION_MIRRED_INGRESS;
    /// `vlan push`.
    pub(crate) const VLAN_PUSH: u32 = b::flow_action_id_FLOW_ACTION_VLAN_PUSH;
    /// `vlan pop`.
    pub(crate) const VLAN_POP: u32 = b::flow_action_id_FLOW_ACTION_VLAN_POP;
    /// `vlan modify`.
    pub(crate) const VLAN_MANGLE: u32 = b::flow_action_id_FLOW_ACTION_VLAN_MANGLE;
    /// A `pedit` set key.
    pub(crate) const MANGLE: u32 = b::flow_action_id_FLOW_ACTION_MANGLE;
    /// A `pedit` add key.
    pub(crate) const ADD: u32 = b::flow_action_id_FLOW_ACTION_ADD;
    /// `csum`.
    pub(crate) const CSUM: u32 = b::flow_action_id_FLOW_ACTION_CSUM;
    /// `ct`.
    pub(crate) const CT: u32 = b::flow_action_id_FLOW_ACTION_CT;
    /// Conntrack metadata.
    pub(crate) const CT_METADATA: u32 = b::flow_action_id_FLOW_ACTION_CT_METADATA;
    /// `trap`.
    pub(crate) const TRAP: u32 = b::flow_action_id_FLOW_ACTION_TRAP;
    /// `police`.
    pub(crate) const POLICE: u32 = b::flow_action_id_FLOW_ACTION_POLICE;
    /// `sample`.
    pub(crate) const SAMPLE: u32 = b::flow_action_id_FLOW_ACTION_SAMPLE;
    /// `tunnel_key set`.
    pub(crate) const TUNNEL_ENCAP: u32 = b::flow_action_id_FLOW_ACTION_TUNNEL_ENCAP;
    /// `tunnel_key unset`.
    pub(crate) const TUNNEL_DECAP: u32 = b::flow_action_id_FLOW_ACTION_TUNNEL_DECAP;
    /// `mpls push`.
    pub(crate) const MPLS_PUSH: u32 = b::flow_action_id_FLOW_ACTION_MPLS_PUSH;
    /// `mpls pop`.
    pub(crate) const MPLS_POP: u32 = b::flow_action_id_FLOW_ACTION_MPLS_POP;
    /// `mpls modify`.
    pub(crate) const MPLS_MANGLE: u32 = b::flow_action_id_FLOW_ACTION_MPLS_MANGLE;
    /// `skbedit ptype`.
    pub(crate) const PTYPE: u32 = b::flow_action_id_FLOW_ACTION_PTYPE;
}

/// What a `ct` action does besides looking the connection up (`TCA_CT_ACT_*`), as
/// [`FlowerAction::ct`] gives it.
pub(crate) mod ct_act {
    use super::bindings as b;

    /// `commit`: create the connection if it is new.
    pub(crate) const COMMIT: u32 = b::TCA_CT_ACT_COMMIT;
    /// `force`: recreate a committed connection seen in the other direction.
    pub(crate) const FORCE: u32 = b::TCA_CT_ACT_FORCE;
    /// `clear`: forget the packet's conntrack state.
    pub(crate) const CLEAR: u32 = b::TCA_CT_ACT_CLEAR;
    /// `nat`: apply the connection's NAT.
    pub(crate) const NAT: u32 = b::TCA_CT_ACT_NAT;
    /// `nat src`.
    pub(crate) const NAT_SRC: u32 = b::TCA_CT_ACT_NAT_SRC;
    /// `nat dst`.
    pub(crate) const NAT_DST: u32 = b::TCA_CT_ACT_NAT_DST;
}

/// One action entry of a flower rule (tc gives each key of a pedit action an entry of its
/// own). Its accessors read the fields of the entry's kind ([`FlowerAction::id`]); those of
/// another kind read as the union they share holds them.
///
/// # Invariants
///
/// `e` is an entry of the rule of a REPLACE request in progress, zero-initialized before tc
/// filled it (`flow_rule_alloc()`), valid for `'a`; `prev` is the entry before it in the rule.
#[derive(Clone, Copy)]
pub(crate) struct FlowerAction<'a> {
    e: &'a bindings::flow_action_entry,
    prev: Option<&'a bindings::flow_action_entry>,
}

/// A pedit key: the 32-bit word at `offset` from the header of type `htype` becomes
/// `(old & mask) ^ val` (raw, network order words).
pub(crate) struct Mangle {
    /// Header type (`enum flow_action_mangle_base`).
    pub(crate) htype: u32,
    /// Byte offset in that header.
    pub(crate) offset: u32,
    /// Bits kept.
    pub(crate) mask: u32,
    /// Bits set.
    pub(crate) val: u32,
}

impl<'a> FlowerAction<'a> {
    /// The kind of action ([`act_id`]).
    pub(crate) fn id(&self) -> u32 {
        self.e.id
    }

    /// The chain of a `goto`.
    pub(crate) fn chain(&self) -> u32 {
        // SAFETY: a plain integer of the union, whose bytes are all initialized (type
        // invariant).
        unsafe { self.e.__bindgen_anon_1.chain_index }
    }

    /// The target device of a mirred action (`None`: none, or not a mirred action).
    pub(crate) fn dev(&self) -> Option<&'a NetDev> {
        if !matches!(
            self.e.id,
            act_id::REDIRECT | act_id::MIRRED | act_id::REDIRECT_INGRESS | act_id::MIRRED_INGRESS
        ) {
            return None;
        }
        // SAFETY: the entry is a mirred action, whose union member is `dev`: null or a net
        // device tc holds a reference to while the request is in progress (`'a`).
        unsafe {
            let dev = self.e.__bindgen_anon_1.dev;
            (!dev.is_null()).then(|| NetDev::from_raw(dev))
        }
    }

    /// The TPID (host order), VLAN id and priority of a vlan push or modify.
    pub(crate) fn vlan(&self) -> (u16, u16, u8) {
        // SAFETY: plain integers of the union, whose bytes are all initialized (type
        // invariant).
        let v = unsafe { self.e.__bindgen_anon_1.vlan };
        (u16::from_be(v.proto), v.vid, v.prio)
    }

    /// Whether a vlan push or modify was given a priority ([`FlowerAction::vlan`] has 0 both
    /// for priority 0 and for none); `None`: unknown, or not a vlan action.
    pub(crate) fn vlan_prio_given(&self) -> Option<bool> {
        if !matches!(self.e.id, act_id::VLAN_PUSH | act_id::VLAN_MANGLE) {
            return None;
        }
        // Priority 0 is also what an entry without one carries: only act_vlan knows then.
        if self.vlan().2 != 0 {
            return Some(true);
        }
        // SAFETY: `e` is a valid vlan entry of a rule tc holds for the request (type invariant).
        match unsafe { bindings::fponic_vlan_push_prio_exists(self.e) } {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        }
    }

    /// The key of a pedit set or add.
    pub(crate) fn mangle(&self) -> Mangle {
        // SAFETY: plain integers of the union, whose bytes are all initialized (type
        // invariant).
        let m = unsafe { self.e.__bindgen_anon_1.mangle };
        Mangle {
            htype: m.htype,
            offset: m.offset,
            mask: m.mask,
            val: m.val,
        }
    }

    /// Whether this entry is the first of its tc action (tc gives each key of a pedit action
    /// an entry of its own, all with the action as cookie).
    pub(crate) fn first_of_its_action(&self) -> bool {
        self.prev.is_none_or(|p| p.cookie != self.e.cookie)
    }

    /// The flags ([`ct_act`]) and the zone of a ct action.
    pub(crate) fn ct(&self) -> (u32, u16) {
        // SAFETY: plain integers and a pointer of the union, whose bytes are all initialized
        // (type invariant).
        let ct = unsafe { self.e.__bindgen_anon_1.ct };
        // CAST: a bit set of `TCA_CT_ACT_*` flags, kept in an `int`.
        (ct.action as u32, ct.zone)
    }

    /// The flow table of a ct action (`None`: not a ct action).
    pub(crate) fn ct_table(&self) -> Option<CtTable<'a>> {
        if self.e.id != act_id::CT {
            return None;
        }
        // SAFETY: a ct entry, whose union member is `ct`, all initialized (type invariant).
        let ft = unsafe { self.e.__bindgen_anon_1.ct.flow_table };
        // SAFETY: act_ct holds the table for its action, which tc holds while the request is
        // in progress (`'a`).
        core::ptr::NonNull::new(ft).map(|ft| unsafe { CtTable::from_raw(ft) })
    }

    /// The conntrack metadata of a connection a flow table offloads (`None`: not a metadata
    /// entry), with a reference to the connection's conntrack entry.
    pub(crate) fn ct_metadata(&self) -> Option<CtMetadata> {
        if self.e.id != act_id::CT_METADATA {
            return None;
        }
        // SAFETY: a metadata entry, whose union member is `ct_metadata`, all initialized (type
        // invariant).
        let m = unsafe { self.e.__bindgen_anon_1.ct_metadata };
        Some(CtMetadata {
            // SAFETY: only act_ct's flow tables give metadata entries, whose cookie is a
            // conntrack entry they hold (with its ctinfo) while the request is in progress.
            ct: unsafe { CtRef::get(m.cookie) },
            mark: m.mark,
            labels: keys::ct_labels(m.labels),
        })
    }

    /// tc's miss cookie that makes software resume at this action (0: software cannot).
    pub(crate) fn miss_cookie(&self) -> u64 {
        self.e.miss_cookie
    }

    /// The `TCA_CSUM_UPDATE_FLAG_*` flags of a csum action.
    pub(crate) fn csum_flags(&self) -> u32 {
        // SAFETY: a plain integer of the union, whose bytes are all initialized (type
        // invariant).
        unsafe { self.e.__bindgen_anon_1.csum_flags }
    }
}

/// What act_ct tells a driver of an offloaded connection's direction.
pub(crate) struct CtMetadata {
    /// The conntrack entry, with the state a packet of this direction gets.
    pub(crate) ct: CtRef,
    /// The connection's mark.
    pub(crate) mark: u32,
    /// Its labels, as the label bitmap holds them.
    pub(crate) labels: [u8; 16],
}

/// A flower rule to add (or replace).
///
/// # Invariants
///
/// `actions` are the action entries of the rule of the REPLACE request in progress (`'a`).
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
    actions: &'a [bindings::flow_action_entry],
}

impl<'a> FlowerRule<'a> {
    /// tc's miss cookie that makes software resume right after the rule's last action (nothing
    /// left to execute: the packet goes on as software's own run of the rule would leave it);
    /// `None` if software cannot resume this rule (no tc skb extension support).
    pub(crate) fn resume_after_actions(&self) -> Option<u64> {
        let last = self.actions.last()?;
        let c = miss_cookie_next(last.miss_cookie);
        (c != 0).then_some(c)
    }

    /// The actions, in order.
    pub(crate) fn actions(&self) -> impl Iterator<Item = FlowerAction<'a>> + '_ {
        let actions = self.actions;
        // INVARIANT: entries of the request's rule, each with the one before it.
        actions.iter().enumerate().map(move |(i, e)| FlowerAction {
            e,
            prev: i.checked_sub(1).and_then(|p| actions.get(p)),
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
/// extack. With `check_hw_stats`, a rule whose actions ask for a statistics type other than
/// delayed or any is refused, as every driver does for tc's rules.
///
/// # Safety
///
/// `type_data` is the `struct flow_cls_offload` of a running `TC_SETUP_CLSFLOWER` callback.
pub(super) unsafe fn flower_cmd<'a>(
    type_data: *mut c_void,
    check_hw_stats: bool,
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
            // SAFETY: by the function's safety requirement, the request's flow rule is valid
            // while the callback runs (`'a`).
            let action: &'a bindings::flow_action = unsafe { &(*flow_rule.as_ptr()).action };
            if check_hw_stats {
                // SAFETY: the request's action list and extack (null or valid).
                let ok = unsafe {
                    bindings::flow_action_basic_hw_stats_check(action, (*f).common.extack)
                };
                if !ok {
                    return Err(kernel::error::code::EOPNOTSUPP);
                }
            }
            // CAST: `unsigned int` to `usize`.
            // SAFETY: `num_entries` initialized entries follow the list's header, valid for `'a`
            // as the rule.
            let actions = unsafe { action.entries.as_slice(action.num_entries as usize) };
            let rule = FlowerRule {
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
                actions,
            };
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
