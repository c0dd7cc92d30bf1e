// SPDX-License-Identifier: GPL-2.0

//! Offloaded connections: the act_ct flow tables the switch's rules name, and the connections
//! they hand it.
//!
//! A rule whose first action is `ct` (without `commit`) attaches to the flow table of its zone
//! ([`Conntrack::attach`]): the switch registers on that table once, whatever the number of
//! rules naming it, and numbers it. act_ct then offloads each connection it established there,
//! one direction at a time: the direction becomes a [`CtEntry`] of [`Conntrack::entries`], which
//! matches its tuple within the table's number (so two tables never mix). The
//! data path looks packets up there at their `ct` action
//! ([`crate::esw`]); act_ct asks for their counters to keep busy connections offloaded and
//! removes them when they end (FIN, RST, expiry) or leave its table.
//!
//! A packet of an entry whose packets act_ct rewrites (NAT) is rewritten at a `ct nat` action
//! with act_ct's own function ([`crate::esw`]).

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
};

use super::{
    flowtable::{
        Entry,
        FlowTable,
        Id,
        InsertError, //
    },
    keys,
};
use crate::{
    bind::{
        ct::{
            CtOps,
            CtRef,
            CtTable,
            Registration, //
        },
        tc::{
            act_id,
            FlowerCmd,
            FlowerRule, //
        },
    },
    engine::{
        ct::{
            flower_state,
            CtMeta,
            TableNo, //
        },
        flow::{
            Key,
            Refusal, //
        },
    },
};

/// Connection directions a switch holds at most.
pub(crate) const CT_CAPACITY: u32 = 65536;

/// One direction of an offloaded connection, as the data path needs it.
pub(crate) struct CtEntry {
    /// The direction's tuple and its table's number, already masked by `mask`.
    key: Key,
    /// What of the key the tuple is.
    mask: Key,
    /// The conntrack entry and the state a packet of this direction gets: software gets them
    /// with a packet of it that leaves the eswitch.
    pub(crate) ct: CtRef,
    /// The packet's conntrack fields (the zone is the `ct` action's).
    pub(crate) meta: CtMeta,
    /// act_ct rewrites its packets (NAT).
    pub(crate) nat: bool,
}

/// A connection's direction is offloaded from an act_ct flow table, and matches its tuple only:
/// one chain, one priority, no port range, and two directions never tie (act_ct offloads a
/// tuple once per table).
impl Entry for CtEntry {
    type Scope = TableNo;
    type Gate = ();

    #[inline(always)]
    fn key(&self) -> &Key {
        &self.key
    }

    fn mask(&self) -> &Key {
        &self.mask
    }
}

/// The entry of direction `r` of a connection of the flow table numbered `table`.
fn build_entry(table: TableNo, r: &FlowerRule<'_>) -> Result<CtEntry, Refusal> {
    let (key, mask) = keys::translate_ct(table, r)?;
    let mut md = None;
    let mut nat = false;
    for a in r.actions() {
        match a.id() {
            act_id::MANGLE => nat = true,
            act_id::CT_METADATA => md = a.ct_metadata(),
            _ => return Err(c"fponic: unknown action in an offloaded connection"),
        }
    }
    let md = md.ok_or(c"fponic: offloaded connection without conntrack metadata")?;
    let state = flower_state(md.ct.ctinfo()).ok_or(c"fponic: unknown conntrack state")?;
    Ok(CtEntry {
        key: key.masked(&mask),
        mask,
        ct: md.ct,
        meta: CtMeta {
            state,
            zone: 0,
            mark: md.mark,
            labels: md.labels,
        },
        nat,
    })
}

/// Where the connections of one registered flow table go.
pub(crate) struct CtSink {
    entries: Arc<FlowTable<CtEntry>>,
    table: TableNo,
    /// Connection directions refused for want of room (the switch's count).
    full: Arc<Atomic<u64>>,
}

impl CtOps for CtSink {
    fn flower(&self, cmd: FlowerCmd<'_>) -> Result {
        match cmd {
            FlowerCmd::Replace(r) => {
                let entry = build_entry(self.table, &r).map_err(|_| EOPNOTSUPP)?;
                let id = Id {
                    scope: self.table,
                    cookie: r.cookie,
                };
                // A replace of a known direction updates it (its state, mark or labels).
                // A full table leaves the connection in software (act_ct does not mark it
                // offloaded), counted.
                match self.entries.insert(id, entry) {
                    Ok(_) => Ok(()),
                    Err(InsertError::NoMem) => Err(ENOMEM),
                    Err(_) => {
                        self.full.add(1, Relaxed);
                        Err(ENOSPC)
                    }
                }
            }
            FlowerCmd::Destroy(cookie) => {
                let _ = self.entries.remove(Id {
                    scope: self.table,
                    cookie,
                });
                Ok(())
            }
            FlowerCmd::Stats(cookie, reply) => {
                if let Some((bytes, packets, lastused)) = self.entries.stats_delta(Id {
                    scope: self.table,
                    cookie,
                }) {
                    reply.report(bytes, packets, lastused);
                }
                Ok(())
            }
        }
    }
}

/// A registered flow table.
struct Slot {
    /// Its number ([`CtTable::id`] is its identity).
    table: TableNo,
    /// Rules naming it.
    rules: u32,
    reg: Registration<CtSink>,
}

/// The act_ct flow tables a switch's rules name, and the connections they offloaded.
#[pin_data]
pub(crate) struct Conntrack {
    /// Offloaded connections, one rule per direction (data path reads, under RCU).
    pub(crate) entries: Arc<FlowTable<CtEntry>>,
    /// Connection directions refused because `entries` was full.
    full: Arc<Atomic<u64>>,
    /// The switch has a connection tracking module (devlink parameter `ct_module`): conntrack
    /// rules are offloaded. Without one, they are refused and only nftables flowtables offload
    /// connections.
    module: Atomic<bool>,
    /// Registered flow tables. Held while unregistering, which waits for callbacks in
    /// progress: callbacks take only `entries`' writer lock, never this one.
    #[pin]
    tables: Mutex<KVec<Slot>>,
}

impl Conntrack {
    /// No table, no connection.
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            entries: Arc::pin_init(FlowTable::new(CT_CAPACITY), GFP_KERNEL)?,
            full: Arc::new(Atomic::new(0), GFP_KERNEL)?,
            module: Atomic::new(true),
            tables <- new_mutex!(KVec::new()),
        })
    }

    /// A rule's `ct` action names flow table `ft`: its number, registering on the table if no
    /// rule named it yet. Balanced by [`Conntrack::detach`].
    pub(crate) fn attach(&self, ft: &CtTable<'_>) -> Result<TableNo> {
        let mut t = self.tables.lock();
        if let Some(s) = t.iter_mut().find(|s| s.reg.id() == ft.id()) {
            s.rules = s.rules.checked_add(1).ok_or(ENOSPC)?;
            return Ok(s.table);
        }
        // The lowest free number; numbers are at most as many as slots.
        let mut n = TableNo::FIRST;
        while t.iter().any(|s| s.table == n) {
            n = n.next().ok_or(ENOSPC)?;
        }
        t.reserve(1, GFP_KERNEL)?;
        let sink = Arc::new(
            CtSink {
                entries: self.entries.clone(),
                table: n,
                full: self.full.clone(),
            },
            GFP_KERNEL,
        )?;
        let reg = Registration::new(ft, sink)?;
        let slot = Slot {
            table: n,
            rules: 1,
            reg,
        };
        // Room reserved above; if the push still failed, the slot (and registration) drops.
        t.push_within_capacity(slot).map_err(|_| ENOMEM)?;
        Ok(n)
    }

    /// A rule naming table `table` went: the last one unregisters from the flow table and
    /// forgets its connections. Process context; sleeps.
    pub(crate) fn detach(&self, table: TableNo) {
        let mut t = self.tables.lock();
        let Some(i) = t.iter().position(|s| s.table == table) else {
            return;
        };
        if let Some(s) = t.get_mut(i) {
            s.rules -= 1;
            if s.rules > 0 {
                return;
            }
        }
        let slot = t.remove(i);
        // Unregistering waits for callbacks in progress; none runs afterwards, so nothing adds
        // to the table's connections once they are removed.
        if let Ok(s) = slot {
            drop(s.reg);
        }
        self.entries.remove_scope(table);
    }

    /// Whether the switch has a connection tracking module.
    pub(crate) fn module(&self) -> bool {
        self.module.load(Relaxed)
    }

    /// Gives the switch a connection tracking module or takes it away (`devlink dev reload`,
    /// when no rule is offloaded).
    pub(crate) fn set_module(&self, on: bool) {
        self.module.store(on, Relaxed);
    }

    /// Number of offloaded connection directions.
    pub(crate) fn len(&self) -> u32 {
        self.entries.len()
    }

    /// Connection directions refused because the table was full.
    pub(crate) fn refused_full(&self) -> u64 {
        self.full.load(Relaxed)
    }

    /// Number of act_ct flow tables the switch is registered on.
    pub(crate) fn tables(&self) -> usize {
        self.tables.lock().len()
    }
}
