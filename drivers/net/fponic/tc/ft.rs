// SPDX-License-Identifier: GPL-2.0

//! Connections an nftables flowtable hands the switch: the offload of a NIC without a
//! connection tracking module (`flowtable f { ...; flags offload; }`).
//!
//! A flowtable binds each fponic netdev it lists (`ndo_setup_tc(TC_SETUP_FT)`), then offers
//! every direction of every connection it forwards to each bound device, as a flow rule: the
//! direction's tuple and input device (`meta iif`), the TCP FIN and RST flags excluded, the MAC
//! rewrite towards the next hop, the NAT rewrites, a checksum update and a redirect to the
//! output device. The bound device the direction enters on takes it ([`build_entry`]); the data
//! path looks it up for a packet from that device's port that no tc rule took (software runs
//! tc ingress before the flowtable's hook) and forwards it as nf_flow_table's software fast
//! path would ([`crate::tc::act::route`]), with no conntrack state. nf_flow_table asks for the
//! counters to keep busy connections offloaded, and removes directions when connections end or
//! expire, or when the flowtable unbinds the device ([`Flowtable::unbind`]).

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
    keys, Ports,
};
use crate::{
    bind::tc::{
        act_id,
        FlowerCmd,
        FlowerRule, //
    },
    engine::flow::{
        csum,
        Action,
        Actions,
        PeditHdr,
        PortRanges,
        Refusal,
        RuleSpec, //
    },
};

/// The checksums nf_flow_table asks to update after NAT, which the incremental updates of
/// [`Action::Nat`] keep right.
const NAT_CSUM: u32 = csum::IPV4HDR | csum::TCP | csum::UDP;

/// The rule of direction `r` of a flowtable's connection, offered to the device with interface
/// index `ifindex`, whose port has virtual port `in_vpid`; `ports` names the output device's
/// virtual port. A direction entering through another device is not this device's.
pub(crate) fn build_entry(
    ports: &impl Ports,
    in_vpid: u32,
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
                let vpid = ports.target_vpid(dev)?;
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

/// The connections nftables flowtables handed the switch, one rule per direction, keyed by the
/// virtual port of the device they enter on.
#[pin_data]
pub(crate) struct Flowtable {
    /// Data path reads, under RCU.
    #[pin]
    pub(crate) entries: FlowTable,
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
            full: Atomic::new(0),
            bound: Atomic::new(0),
        })
    }

    /// A flowtable bound a device.
    pub(crate) fn bind(&self) {
        self.bound.add(1, Relaxed);
    }

    /// The flowtable unbound the device of virtual port `in_vpid`: its directions go, since no
    /// DESTROY for them reaches the device any more.
    pub(crate) fn unbind(&self, in_vpid: u32) {
        self.entries.remove_port(in_vpid);
        self.bound.fetch_sub(1, Relaxed);
    }

    /// A flow command for the device of virtual port `in_vpid` (interface index `ifindex`).
    pub(crate) fn flow(
        &self,
        ports: &impl Ports,
        in_vpid: u32,
        ifindex: i32,
        cmd: FlowerCmd<'_>,
    ) -> Result {
        match cmd {
            FlowerCmd::Replace(r) => {
                let spec = build_entry(ports, in_vpid, ifindex, &r).map_err(|_| EOPNOTSUPP)?;
                let id = RuleId {
                    cookie: r.cookie,
                    in_vpid,
                };
                match self.entries.insert(id, spec) {
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
                self.entries
                    .remove(RuleId { cookie, in_vpid })
                    .map(|_| ())
                    .map_err(|_| ENOENT)
            }
            FlowerCmd::Stats(cookie, reply) => {
                let (bytes, packets, lastused) = self
                    .entries
                    .stats_delta(RuleId { cookie, in_vpid })
                    .ok_or(ENOENT)?;
                reply.report(bytes, packets, lastused);
                Ok(())
            }
        }
    }

    /// Offloaded directions.
    pub(crate) fn len(&self) -> u32 {
        self.entries.len()
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
