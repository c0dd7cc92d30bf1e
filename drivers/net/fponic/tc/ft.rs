// SPDX-License-Identifier: GPL-2.0

//! Connections an nftables flowtable hands the switch: the offload of a NIC without a
//! connection tracking module (`flowtable f { ...; flags offload; }`).
//!
//! A flowtable binds each fponic netdev it lists (`ndo_setup_tc(TC_SETUP_FT)`), then offers
//! every direction of every connection it forwards to each bound device, as a flow rule: the
//! direction's tuple and input device (`meta iif`), the TCP FIN and RST flags excluded, the MAC
//! rewrite towards the next hop, the NAT rewrites, a checksum update and a redirect to the
//! output device. The bound device the direction enters through takes it ([`build_entry`]):
//!
//! - a representor (switchdev mode): the data path looks the entry up for a packet from the
//!   represented port that no tc rule took (software runs tc ingress before the flowtable's
//!   hook), and the packet goes to the port the output representor stands for;
//! - a function netdev (legacy mode): the data path looks the entry up for a packet it is about
//!   to deliver to that function, and the packet goes on as the output netdev would have sent
//!   it.
//!
//! Either way the packet is forwarded as nf_flow_table's software fast path would forward it
//! ([`crate::tc::act::route`]), with no conntrack state. nf_flow_table asks for the counters to
//! keep busy connections offloaded, and removes directions when connections end or expire, or
//! when the flowtable unbinds the device ([`Flowtable::unbind`]).

use kernel::{
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use super::{
    flowtable::{
        FlowTable,
        InsertError,
        RuleId, //
    },
    keys,
};
use crate::{
    bind::{
        netdev::NetDev,
        tc::{
            act_id,
            FlowerCmd,
            FlowerRule, //
        },
    },
    engine::{
        flow::{
            csum,
            Action,
            Actions,
            PeditHdr,
            PortRanges,
            Refusal,
            RuleSpec, //
        },
        id::vpid::Vpid,
    },
};

/// The virtual port an entry's output device stands for, or why it cannot be one.
pub(crate) type Output<'a> = &'a dyn Fn(Option<&NetDev>) -> Result<Vpid, Refusal>;

/// The checksums nf_flow_table asks to update after NAT, which the incremental updates of
/// [`Action::Nat`] keep right.
const NAT_CSUM: u32 = csum::IPV4HDR | csum::TCP | csum::UDP;

/// The rule of direction `r` of a flowtable's connection, offered to the device with interface
/// index `ifindex`, whose port has virtual port `in_vpid`; `out` names the output device's
/// virtual port. A direction entering through another device is not this device's.
pub(crate) fn build_entry(
    out_vpid: Output<'_>,
    in_vpid: Vpid,
    ifindex: i32,
    r: &FlowerRule<'_>,
) -> Result<RuleSpec, Refusal> {
    match r.keys.meta() {
        Some(m) if m.mask.ingress_ifindex == -1 && m.key.ingress_ifindex == ifindex => {}
        _ => return Err(c"fponic: the flow enters through another device"),
    }
    let (key, mask) = keys::translate_ft(in_vpid, r)?;
    // The output device: its virtual port, and the route's MTU (nf_flow_table took the route's
    // MTU when it created the connection; the device's now is the closest the switch knows).
    let mut out = None;
    let mut rest = Actions::default();
    let mut n = 0;
    let count = r.actions().count();
    for a in r.actions() {
        n += 1;
        match a.id() {
            act_id::MANGLE => {
                let m = a.mangle();
                let hdr = PeditHdr::from_htype(m.htype)
                    .ok_or(c"fponic: flowtable rewrite of an unknown header")?;
                let offset = u16::try_from(m.offset)
                    .ok()
                    .filter(|o| o % 4 == 0 && *o < 40)
                    .ok_or(c"fponic: flowtable rewrite offset out of range")?;
                rest.push(match hdr {
                    PeditHdr::Eth => Action::Pedit {
                        first: true,
                        hdr,
                        offset,
                        mask: m.mask,
                        val: m.val,
                    },
                    _ => Action::Nat {
                        hdr,
                        offset,
                        mask: m.mask,
                        val: m.val,
                    },
                })?;
            }
            act_id::CSUM if a.csum_flags() & !NAT_CSUM == 0 => {}
            act_id::REDIRECT if n == count => {
                let dev = a.dev();
                let vpid = out_vpid(dev)?;
                out = Some((vpid, dev.map_or(0, |d| d.mtu())));
            }
            _ => return Err(c"fponic: flowtable action not supported (tunnel, VLAN or PPPoE)"),
        }
    }
    let (vpid, mtu) = out.ok_or(c"fponic: flowtable entry without an output device")?;
    let mut actions = Actions::default();
    actions.push(Action::Route { mtu })?;
    for a in rest.as_slice() {
        actions.push(*a)?;
    }
    actions.push(Action::Redirect(vpid))?;
    Ok(RuleSpec {
        chain: 0,
        prio: 0,
        key: key.masked(&mask),
        mask,
        ranges: PortRanges::default(),
        actions,
    })
}

/// Where the device a flowtable binds meets the connections it offloads.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    /// A representor (or an uplink representor), in switchdev mode: a direction entering
    /// through it is one its port sends (or, for an uplink, receives from the wire); the output
    /// device is a representor: the packet goes to the port it represents.
    Rep(Vpid),
    /// A function netdev, in legacy mode: a direction entering through it is one the switch
    /// delivers to the function; the output device is a function (or uplink) netdev: the packet
    /// goes on as if that netdev had sent it.
    Func(Vpid),
}

/// The connections nftables flowtables handed the switch, one rule per direction, keyed by the
/// virtual port of the device they enter through.
#[pin_data]
pub(crate) struct Flowtable {
    /// Directions entering through representors (data path reads, under RCU).
    #[pin]
    pub(crate) entries: FlowTable<RuleSpec>,
    /// Directions entering through function netdevs (data path reads, under RCU).
    #[pin]
    pub(crate) delivered: FlowTable<RuleSpec>,
    /// Directions refused because `entries` was full.
    full: Atomic<u64>,
    /// Bound devices.
    bound: Atomic<u32>,
}

impl Flowtable {
    /// No entry, no device bound; room for `capacity` directions.
    pub(crate) fn new(capacity: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            entries <- FlowTable::new(capacity),
            delivered <- FlowTable::new(capacity),
            full: Atomic::new(0),
            bound: Atomic::new(0),
        })
    }

    /// A flowtable bound a device.
    pub(crate) fn bind(&self) {
        self.bound.add(1, Relaxed);
    }

    /// The table of a device bound as `b`, and its port's virtual port.
    fn table(&self, b: Bound) -> (&FlowTable<RuleSpec>, Vpid) {
        match b {
            Bound::Rep(v) => (&self.entries, v),
            Bound::Func(v) => (&self.delivered, v),
        }
    }

    /// The flowtable unbound a device bound as `b`: its directions go, since no DESTROY for them
    /// reaches the device any more.
    pub(crate) fn unbind(&self, b: Bound) {
        let (t, in_vpid) = self.table(b);
        t.remove_scope(in_vpid);
        self.bound.fetch_sub(1, Relaxed);
    }

    /// A flow command for a device bound as `b`, with interface index `ifindex`.
    pub(crate) fn flow(
        &self,
        out: Output<'_>,
        b: Bound,
        ifindex: i32,
        cmd: FlowerCmd<'_>,
    ) -> Result {
        let (table, in_vpid) = self.table(b);
        match cmd {
            FlowerCmd::Replace(r) => {
                let spec = build_entry(out, in_vpid, ifindex, &r).map_err(|_| EOPNOTSUPP)?;
                let id = RuleId {
                    scope: in_vpid,
                    cookie: r.cookie,
                };
                match table.insert(id, spec) {
                    Ok(_) => Ok(()),
                    Err(InsertError::NoMem) => Err(ENOMEM),
                    Err(_) => {
                        self.full.add(1, Relaxed);
                        Err(ENOSPC)
                    }
                }
            }
            FlowerCmd::Destroy(cookie) => {
                // Offered to every bound device: only the one holding it has it.
                table
                    .remove(RuleId {
                        scope: in_vpid,
                        cookie,
                    })
                    .map(|_| ())
                    .map_err(|_| ENOENT)
            }
            FlowerCmd::Stats(cookie, reply) => {
                let (bytes, packets, lastused) = table
                    .stats_delta(RuleId {
                        scope: in_vpid,
                        cookie,
                    })
                    .ok_or(ENOENT)?;
                reply.report(bytes, packets, lastused);
                Ok(())
            }
        }
    }

    /// Offloaded directions.
    pub(crate) fn len(&self) -> u32 {
        self.entries.len() + self.delivered.len()
    }

    /// Directions refused because the table was full.
    pub(crate) fn refused_full(&self) -> u64 {
        self.full.load(Relaxed)
    }

    /// Devices bound to flowtables.
    pub(crate) fn bound(&self) -> u32 {
        self.bound.load(Relaxed)
    }
}
