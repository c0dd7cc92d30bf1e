// SPDX-License-Identifier: GPL-2.0

//! Flower actions, one family per file as tc's `act_*` modules are: each file parses its flower
//! actions into the switch's [`Action`]s, refusing what it cannot execute exactly, and executes
//! them on a packet for the data path ([`crate::esw`]), which runs the pipeline (classification,
//! chains, where software resumes) and gives the actions what they need of the switch
//! ([`Exec`]).
//!
//! - [`gact`] - `drop`, `ok` (accept), `goto chain`;
//! - [`mirred`] - `mirred egress redirect` and `mirred egress mirror`;
//! - [`vlan`] - `vlan push`, `pop` and `modify`;
//! - [`pedit`] - `pedit` (set keys);
//! - [`csum`] - `csum`;
//! - [`ct`] - `ct`, `ct clear` (connection tracking);
//! - [`route`] - what nf_flow_table's fast path does to a routed packet: TTL, MTU and NAT with
//!   incremental checksums (the entries of nftables flowtables, [`super::ft`]).
//!
//! The packet rewriting itself (checksums, pedit keys, VLAN tags) is in [`crate::engine`], on
//! the socket buffer as [`frame`] presents it, and in the kernel's own VLAN functions.
//!
//! A family has `parse`, from a flower action of its kinds (read from tc's action entry,
//! [`FlowerAction`]) to an [`Action`], and `execute`, of one of its actions on a packet; the
//! table hands each only the family's own (another family's action would pass unchanged).
//!
//! A new action is a file here and its line in the table below; if no [`Action`] expresses it
//! yet, also its variant in [`crate::engine::flow`] (which checks the list as a whole:
//! [`Actions::validate`]), and if it reads a field of tc's entry no family read before, an
//! accessor in [`crate::bind::tc`].

mod csum;
mod ct;
mod frame;
mod gact;
mod mirred;
mod pedit;
pub(crate) mod route;
mod vlan;

use super::{
    ct::CtEntry,
    Ports, //
};
use crate::{
    bind::{
        skb::SkBuff,
        tc::{
            act_id,
            FlowerAction,
            FlowerRule, //
        },
    },
    engine::{
        ct::CtMeta,
        drop::DropCause,
        flow::{
            Action,
            Actions,
            Refusal, //
        },
        id::vpid::Vpid,
    },
};

/// What executing actions needs of the switch.
pub(crate) trait Exec {
    /// Delivers `skb` to the port virtual port `vpid` names, or says why it could not (the
    /// packet is gone either way).
    fn deliver(&self, vpid: Vpid, skb: SkBuff) -> Result<(), DropCause>;

    /// Counts a packet (a copy) lost for `why`.
    fn count_drop(&self, why: DropCause);
}

/// The [`Exec`] of two closures: `deliver` and `count_drop`.
///
/// The switch gives its own as closures rather than implementing [`Exec`] on a type of its own:
/// rustc treats every method of a trait impl as reachable from other crates, which makes what
/// an inlined one calls (the switch's delivery) exported functions whose unused arguments
/// stay, and the forwarding path longer by a few instructions per packet.
pub(crate) struct ExecFns<D, C>(pub(crate) D, pub(crate) C);

impl<D, C> Exec for ExecFns<D, C>
where
    D: Fn(Vpid, SkBuff) -> Result<(), DropCause>,
    C: Fn(DropCause),
{
    #[inline(always)]
    fn deliver(&self, vpid: Vpid, skb: SkBuff) -> Result<(), DropCause> {
        (self.0)(vpid, skb)
    }

    #[inline(always)]
    fn count_drop(&self, why: DropCause) {
        (self.1)(why)
    }
}

/// What the packet does after an action.
pub(crate) enum Step {
    /// It goes on to the next action.
    Next(SkBuff),
    /// The rule ends with it (accept): it leaves the pipeline, and software resumes after the
    /// rule's actions.
    Stop(SkBuff),
    /// Classification goes on in chain `n` (`goto`, the last action of its rule).
    Goto(SkBuff, u32),
    /// It was forwarded or dropped.
    Done,
    /// It was lost (not yet counted in the switch's drop counters).
    Lost(DropCause),
    /// It leaves the eswitch before the rule did anything to it (the rule's first action):
    /// software resumes at the action with tc's miss cookie `.1` and counts the rule's actions.
    Software(SkBuff, u64),
}

/// The state of a packet's run through the pipeline's actions.
#[derive(Default)]
pub(crate) struct Run<'g> {
    pedit: pedit::State,
    /// The offloaded connection a `ct` action found for the packet (`None`: untracked).
    pub(crate) ct: Option<CtHit<'g>>,
}

/// A packet's offloaded connection: its conntrack fields, and the direction's entry.
#[derive(Clone, Copy)]
pub(crate) struct CtHit<'g> {
    /// The packet's conntrack fields.
    pub(crate) meta: CtMeta,
    /// The entry of the connection's direction.
    pub(crate) entry: &'g CtEntry,
}

/// Refusal of an action a family's `parse` is handed that is not its own (the table never does).
const NOT_MINE: Refusal = c"fponic: action not supported";

/// Why flower action kind `id`, no family's, is refused.
fn unsupported(id: u32) -> Refusal {
    match id {
        act_id::REDIRECT_INGRESS | act_id::MIRRED_INGRESS => {
            c"fponic: only egress redirect and mirror can be offloaded"
        }
        act_id::ADD => c"fponic: pedit add is not supported, only set",
        act_id::CT_METADATA => c"fponic: conntrack metadata actions are not supported",
        act_id::TRAP => c"fponic: trap is not supported",
        act_id::POLICE => c"fponic: police is not supported",
        act_id::SAMPLE => c"fponic: sample is not supported",
        act_id::TUNNEL_ENCAP | act_id::TUNNEL_DECAP => c"fponic: tunnel actions are not supported",
        act_id::MPLS_PUSH | act_id::MPLS_POP | act_id::MPLS_MANGLE => {
            c"fponic: MPLS actions are not supported"
        }
        act_id::PTYPE => c"fponic: skbedit ptype is not supported",
        _ => NOT_MINE,
    }
}

/// The table: which family parses each kind of flower action ([`act_id`]) and executes each
/// switch action.
macro_rules! families {
    (
        $($family:ident: $($flower:ident)|+ => $($action:ident)|+;)+
        [flowtable] $($ft_family:ident => $($ft_action:ident)|+;)*
    ) => {
        /// The switch action flower action `a` becomes, parsed by its family.
        fn parse(ports: &impl Ports, a: FlowerAction<'_>) -> Result<Action, Refusal> {
            match a.id() {
                $($(act_id::$flower)|+ => $family::parse(ports, a),)+
                id => Err(unsupported(id)),
            }
        }

        /// Executes action `a` of a rule on `skb`, by its family.
        #[inline(always)]
        pub(crate) fn execute(ex: &impl Exec, run: &mut Run<'_>, a: &Action, skb: SkBuff) -> Step {
            match *a {
                $($(Action::$action { .. })|+ => $family::execute(ex, run, a, skb),)+
                $($(Action::$ft_action { .. })|+ => $ft_family::execute(ex, run, a, skb),)*
            }
        }
    };
}

families! {
    gact: DROP | ACCEPT | GOTO => Drop | Accept | Goto;
    mirred: REDIRECT | MIRRED => Redirect | Mirror;
    vlan: VLAN_PUSH | VLAN_POP | VLAN_MANGLE => VlanPush | VlanPop | VlanModify;
    pedit: MANGLE => Pedit;
    csum: CSUM => Csum;
    ct: CT => Ct | CtClear;
    // No flower action becomes these: the entries of nftables flowtables do ([`super::ft`]).
    [flowtable]
    route => Route | Nat;
}

/// The actions of flower rule `r`, in order, not validated yet.
pub(super) fn translate(ports: &impl Ports, r: &FlowerRule<'_>) -> Result<Actions, Refusal> {
    let mut actions = Actions::default();
    for a in r.actions() {
        actions.push(parse(ports, a)?)?;
    }
    Ok(actions)
}
