// SPDX-License-Identifier: GPL-2.0

//! The switch's flow tables: offloaded tc flower rules, or offloaded connections, indexed for
//! lookups whose cost does not depend on the number of entries.
//!
//! A [`FlowTable`] holds one kind of [`Entry`]: each matches a masked key and carries what the
//! data path needs for a packet it matches, which is the kind's own: a flower rule
//! ([`RuleSpec`]) its chain, priority, port ranges and actions, a connection's direction
//! ([`super::ct::CtEntry`]) its conntrack state. The table gives every entry a name ([`Id`]:
//! tc's cookie within what the entry was offloaded for, an ingress port or an act_ct flow table)
//! and counters, and needs of it only its match ([`Entry`]); entries are called rules below.
//!
//! Structure (tuple space search): rules are grouped by `(chain, mask)` into mask tables; a mask
//! table hashes the masked key into buckets, each holding the rules of that masked key sorted by
//! priority and rank. A lookup in a chain masks the packet key with each of the chain's masks,
//! looks at one bucket per mask and keeps the matching rule with the lowest priority: cost
//! O(masks), not O(rules). Tables grow (double their buckets) when they average more than two
//! rules a bucket.
//!
//! Ties: among matching rules of equal priority, software flower takes the one whose mask
//! entered its classifier's mask list first ([`MaskGroup`]). The mask tables are shared by all
//! ports and priorities, so their order cannot be that; each rule carries the rank of its mask
//! group instead, and lookups pick the lowest `(priority, rank)`. Kinds whose entries never tie
//! (connections) keep no groups: their rank is 0.
//!
//! Concurrency: readers (the NAPI/xmit data path) take no lock: the mask set and every bucket are
//! [`RcuBox`]es read under `rcu::Guard`. Writers (tc callbacks, process context, without RTNL)
//! serialize on `writer`, build the new bucket or mask set and publish it; the replaced one is
//! freed by an RCU callback after a grace period ([`RcuBox::replace_deferred`]), so a reader never
//! sees freed memory and writers never wait for readers. Rules are reference counted, so a rule
//! stays alive while any published bucket (or a reader) can reach it.
//!
//! Removal cannot fail: tc forgets a rule whatever the driver answers to its removal, so a rule
//! that stayed executable would be unreachable. A removed rule is marked dead first (lookups skip
//! dead rules) and the bookkeeping follows; taking it out of its bucket needs memory and is best
//! effort. Every bucket rebuild drops the dead rules it finds, so what a failed removal left
//! behind is reclaimed by the next change to that bucket (or table).

use kernel::{
    new_mutex,
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNodeReservation, //
    },
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        rcu,
        Arc,
        Mutex, //
    },
};

use crate::{
    bind::rcu::RcuBox,
    engine::{
        flow::{
            Key,
            MaskGroup,
            MaskWords,
            RuleSpec, //
        },
        id::vpid::{
            self,
            Vpid, //
        },
    },
};

/// Buckets of a new mask table.
const INITIAL_BUCKETS: usize = 16;

/// What a [`FlowTable`] holds: something that matches a masked key, with whatever else it
/// carries for the data path (its actions, a connection's state). The table needs of it its
/// match; everything beyond the masked key has a default for kinds without it.
pub(crate) trait Entry: Send + Sync + 'static {
    /// What an entry is offloaded for, which names it with tc's cookie ([`Id`]): the ingress
    /// port of a flower rule, the act_ct flow table of a connection.
    type Scope: Ord + Copy + Send + Sync + Unpin + 'static;

    /// What the table's writer keeps to decide whether it takes an entry ([`Self::admit`]);
    /// `()` for a kind it always takes.
    type Gate: Default + Send + Unpin;

    /// Whether a table whose writer keeps `gate` takes an entry for `scope` now (checked under
    /// the writer's lock, atomically with the insertion).
    fn admit(_gate: &Self::Gate, _scope: Self::Scope) -> Result<(), InsertError> {
        Ok(())
    }

    /// The key, already masked by [`Self::mask`].
    fn key(&self) -> &Key;

    /// The mask.
    fn mask(&self) -> &Key;

    /// The chain whose lookups see it.
    fn chain(&self) -> u32 {
        0
    }

    /// Its priority: of the entries matching a packet, a lookup picks the lowest priority, then
    /// the lowest rank ([`Self::group`]).
    fn prio(&self) -> u32 {
        0
    }

    /// Whether a packet key that matches the masked key matches the entry (its port ranges).
    fn admits(&self, _key: &Key) -> bool {
        true
    }

    /// The [`MaskGroup`] whose rank orders it among entries of equal priority; `None` for a
    /// kind whose entries never tie (rank 0, and no group to keep).
    fn group(&self) -> Option<MaskGroup> {
        None
    }
}

/// An offloaded flower rule: what to match and do, for an ingress port, which the table may
/// close to offload ([`FlowTable::close_below`], [`FlowTable::set_port_offload`]).
impl Entry for RuleSpec {
    type Scope = Vpid;
    type Gate = PortGate;

    fn admit(gate: &PortGate, in_vpid: Vpid) -> Result<(), InsertError> {
        if in_vpid < gate.closed_below {
            return Err(InsertError::Closed);
        }
        if gate.tc_off.contains(in_vpid) {
            return Err(InsertError::Disabled);
        }
        Ok(())
    }

    #[inline(always)]
    fn key(&self) -> &Key {
        &self.key
    }

    fn mask(&self) -> &Key {
        &self.mask
    }

    fn chain(&self) -> u32 {
        self.chain
    }

    #[inline(always)]
    fn prio(&self) -> u32 {
        self.prio
    }

    #[inline(always)]
    fn admits(&self, key: &Key) -> bool {
        self.ranges.contains(key)
    }

    fn group(&self) -> Option<MaskGroup> {
        Some(self.mask_group())
    }
}

/// An entry of a table, with its counters.
pub(crate) struct Rule<E> {
    /// What it matches and carries.
    pub(crate) entry: E,
    /// Its [`MaskGroup`]'s rank: orders rules of equal priority.
    rank: u64,
    /// Removed from the table (set once, by the writer): lookups skip the rule while a bucket
    /// still holds it.
    dead: Atomic<bool>,
    packets: Atomic<u64>,
    bytes: Atomic<u64>,
    lastused: Atomic<u64>,
    /// Counters at the previous stats report (tc accumulates deltas). Writer lock.
    reported: Atomic<u64>,
    reported_bytes: Atomic<u64>,
}

impl<E: Entry> Rule<E> {
    fn new(entry: E, rank: u64) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Self {
                entry,
                rank,
                dead: Atomic::new(false),
                packets: Atomic::new(0),
                bytes: Atomic::new(0),
                lastused: Atomic::new(0),
                reported: Atomic::new(0),
                reported_bytes: Atomic::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    /// Takes over the counters of `old`, which this rule replaces (writer lock): hits `old`
    /// gets until it is retired are lost, as hits of a rule being replaced in hardware.
    fn carry_counters(&self, old: &Self) {
        self.packets.add(old.packets.load(Relaxed), Relaxed);
        self.bytes.add(old.bytes.load(Relaxed), Relaxed);
        self.reported.store(old.reported.load(Relaxed), Relaxed);
        self.reported_bytes
            .store(old.reported_bytes.load(Relaxed), Relaxed);
        let last = old.lastused.load(Relaxed);
        if last > self.lastused.load(Relaxed) {
            self.lastused.store(last, Relaxed);
        }
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Relaxed)
    }

    /// Lookup order: the lower wins.
    #[inline(always)]
    fn order(&self) -> (u32, u64) {
        (self.entry.prio(), self.rank)
    }

    /// Counts a match at time `now` (jiffies) of a packet of `len` bytes standing for `packets`
    /// packets (the segments of a GSO packet, as software tc counts them).
    pub(crate) fn hit(&self, packets: u16, len: u32, now: u64) {
        self.packets.add(u64::from(packets), Relaxed);
        self.bytes.add(u64::from(len), Relaxed);
        // Write the shared line only when the time changed (once per jiffy at most).
        if self.lastused.load(Relaxed) != now {
            self.lastused.store(now, Relaxed);
        }
    }
}

/// The rules of one bucket, sorted by [`Rule::order`]; equal orders keep insertion order.
///
/// The first two live in the bucket itself: a table grows when it averages two rules a bucket,
/// so most buckets take one allocation (the RCU node holding this) instead of two.
struct Bucket<E> {
    head: [Option<Arc<Rule<E>>>; 2],
    rest: KVec<Arc<Rule<E>>>,
}

impl<E: Entry> Bucket<E> {
    /// An empty bucket with room for `n` rules (may sleep: not under RCU).
    fn with_capacity(n: usize) -> Result<Self> {
        Ok(Self {
            head: [None, None],
            rest: KVec::with_capacity(n.saturating_sub(2), GFP_KERNEL)?,
        })
    }

    /// Appends `rule` (the caller keeps the order) without allocating: the bucket was made with
    /// room for it.
    fn push_within(&mut self, rule: Arc<Rule<E>>) -> Result {
        match self.head.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(rule),
            None => self.rest.push_within_capacity(rule).map_err(|_| ENOMEM)?,
        }
        Ok(())
    }

    fn iter(&self) -> impl Iterator<Item = &Arc<Rule<E>>> + Clone {
        Iterator::chain(self.head.iter().flatten(), self.rest.iter())
    }
}

struct MaskTable<E> {
    chain: u32,
    mask: Key,
    /// The mask's non-zero words: what hashing and comparing under this mask reads.
    words: MaskWords,
    /// Power-of-two number of buckets. kvmalloc'd: a million rules need megabytes, beyond what
    /// kmalloc gives. The table may be freed from an RCU callback, where `kvfree` is fine
    /// (`vfree` defers the unmapping itself outside process context).
    buckets: KVVec<RcuBox<Bucket<E>>>,
    /// Live rules in the table (writers only); dead ones may linger in buckets.
    count: Atomic<u32>,
}

impl<E: Entry> MaskTable<E> {
    fn new(chain: u32, mask: Key, nbuckets: usize) -> Result<Arc<Self>> {
        let mut buckets = KVVec::with_capacity(nbuckets, GFP_KERNEL)?;
        for _ in 0..nbuckets {
            buckets.push(RcuBox::empty(), GFP_KERNEL)?;
        }
        Ok(Arc::new(
            Self {
                chain,
                mask,
                words: MaskWords::of(&mask),
                buckets,
                count: Atomic::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    /// The bucket of the keys whose masked value is `key & mask`.
    fn bucket(&self, key: &Key) -> &RcuBox<Bucket<E>> {
        &self.buckets[Self::slot_in(key, &self.mask, &self.words, self.buckets.len())]
    }

    /// Bucket index of `key` under `mask` in a table of `n` (a power of two) buckets.
    fn slot_in(key: &Key, mask: &Key, words: &MaskWords, n: usize) -> usize {
        // CAST: truncating the hash is the point.
        key.masked_hash(mask, words) as usize & (n - 1)
    }

    /// Writer: a copy of `rule`'s bucket with `rule` inserted in priority order.
    ///
    /// Allocating may sleep, which an RCU read-side critical section forbids: the writer counts
    /// under RCU, allocates outside, then copies under RCU again. Only writers replace buckets,
    /// one at a time (the table's writer lock), so both reads see the same bucket.
    fn bucket_with(&self, rule: &Arc<Rule<E>>) -> Result<Bucket<E>> {
        let slot = self.bucket(rule.entry.key());
        let n = {
            let guard = rcu::Guard::new();
            live(slot.get(&guard)).count()
        };
        let mut new = Bucket::with_capacity(n + 1)?;
        let guard = rcu::Guard::new();
        // After the rules that come before it or tie with it.
        let mut placed = false;
        for r in live(slot.get(&guard)) {
            if !placed && rule.order() < r.order() {
                new.push_within(rule.clone())?;
                placed = true;
            }
            new.push_within(r.clone())?;
        }
        if !placed {
            new.push_within(rule.clone())?;
        }
        Ok(new)
    }

    /// Writer: inserts into the right bucket. All or nothing: on failure readers see no change.
    fn insert(&self, rule: &Arc<Rule<E>>) -> Result {
        let new = self.bucket_with(rule)?;
        self.bucket(rule.entry.key()).replace_deferred(Some(new))?;
        self.count.add(1, Relaxed);
        Ok(())
    }

    /// Writer: rebuilds the bucket of `key` without its dead rules (reads and allocates as
    /// [`Self::bucket_with`]). The live count is not this function's business: a rule stops
    /// counting when it dies ([`FlowTable::retire`]).
    fn purge(&self, key: &Key) -> Result {
        let slot = self.bucket(key);
        let n = {
            let guard = rcu::Guard::new();
            live(slot.get(&guard)).count()
        };
        let new = if n == 0 {
            None
        } else {
            let mut new = Bucket::with_capacity(n)?;
            let guard = rcu::Guard::new();
            for r in live(slot.get(&guard)) {
                new.push_within(r.clone())?;
            }
            Some(new)
        };
        slot.replace_deferred(new)
    }

    /// The live rules of the table.
    fn rules<'a>(&'a self, guard: &'a rcu::Guard) -> impl Iterator<Item = &'a Arc<Rule<E>>> + 'a {
        self.buckets.iter().flat_map(move |b| live(b.get(guard)))
    }
}

/// The live rules of `b`.
fn live<E: Entry>(b: Option<&Bucket<E>>) -> impl Iterator<Item = &Arc<Rule<E>>> + '_ {
    b.into_iter()
        .flat_map(Bucket::iter)
        .filter(|r| !r.is_dead())
}

struct MaskSet<E> {
    tables: KVec<Arc<MaskTable<E>>>,
}

/// Virtual ports: every uplink, VF and SF number ([`vpid::identity`]).
const PORTS: usize = vpid::PORTS;

/// Words of a [`PortSet`].
const PORT_WORDS: usize = PORTS.div_ceil(64);

/// A set of virtual ports, as a bitmap: changing it needs no memory.
struct PortSet([u64; PORT_WORDS]);

impl PortSet {
    /// The word and bit of `vpid`; `None` for a VPID that names no port.
    fn bit(vpid: Vpid) -> Option<(usize, u64)> {
        let i = vpid::dense_index(vpid.get())?;
        Some((i / 64, 1 << (i % 64)))
    }

    fn contains(&self, vpid: Vpid) -> bool {
        Self::bit(vpid).is_some_and(|(w, b)| self.0.get(w).is_some_and(|x| x & b != 0))
    }

    fn set(&mut self, vpid: Vpid, member: bool) {
        if let Some((x, b)) = Self::bit(vpid).and_then(|(w, b)| Some((self.0.get_mut(w)?, b))) {
            if member {
                *x |= b;
            } else {
                *x &= !b;
            }
        }
    }
}

/// Which ingress ports a table of flower rules takes rules for.
pub(crate) struct PortGate {
    /// Rules entering at a VPID below this are refused: the uplinks, outside switchdev mode.
    closed_below: Vpid,
    /// Ports whose representor has `hw-tc-offload` off: rules entering there are refused.
    tc_off: PortSet,
}

impl Default for PortGate {
    /// Every port open.
    fn default() -> Self {
        Self {
            closed_below: Vpid::new(0),
            tc_off: PortSet([0; PORT_WORDS]),
        }
    }
}

/// What names an entry: tc's cookie, and what the entry was offloaded for ([`Entry::Scope`]).
/// Ordered by scope first, so that the entries of one scope are neighbours.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Id<S> {
    /// What the entry was offloaded for.
    pub(crate) scope: S,
    /// tc's cookie.
    pub(crate) cookie: u64,
}

/// What names an offloaded flower rule: its cookie and the virtual port of the representor
/// whose callback offloaded it.
///
/// tc names a filter by its cookie, but a filter of a shared block is offloaded once per bound
/// representor (tc calls each bound callback, and replays the block's filters to a callback that
/// binds later or unbinds), each time for that representor's traffic only: one rule per
/// `(ingress port, cookie)`.
pub(crate) type RuleId = Id<Vpid>;

/// A [`MaskGroup`] with rules.
struct Group {
    rank: u64,
    rules: u32,
}

/// What the writer keeps of the live rules beside their ids.
struct Book {
    /// The mask groups with rules.
    groups: RBTree<MaskGroup, Group>,
    /// The rank of the next new group.
    next_rank: u64,
    /// Live rules.
    count: u32,
}

struct Writer<E: Entry> {
    /// The live rules by id: by scope, then cookie.
    by_id: RBTree<Id<E::Scope>, Arc<Rule<E>>>,
    book: Book,
    /// Which entries the table takes.
    gate: E::Gate,
}

impl<E: Entry> Writer<E> {
    /// The least id of `scope`: a scope's rules are the ids from there that have its scope.
    fn first_of(scope: E::Scope) -> Id<E::Scope> {
        Id { scope, cookie: 0 }
    }

    /// Whether `scope` has rules (one search).
    fn has_scope(&self, scope: E::Scope) -> bool {
        self.by_id
            .cursor_lower_bound(&Self::first_of(scope))
            .is_some_and(|c| c.current().0.scope == scope)
    }
}

/// Why a rule could not be added.
pub(crate) enum InsertError {
    /// The table is full.
    Full,
    /// The rule's ingress port is closed to offload ([`FlowTable::close_below`]).
    Closed,
    /// The rule's representor has `hw-tc-offload` off ([`FlowTable::set_port_offload`]).
    Disabled,
    /// Out of memory.
    NoMem,
}

/// A flow table of a switch: its flower rules (`FlowTable<RuleSpec>`), or its offloaded
/// connections.
///
/// `masks` comes first: the data path reads it on every lookup, at no offset.
#[pin_data]
#[repr(C)]
pub(crate) struct FlowTable<E: Entry> {
    masks: RcuBox<MaskSet<E>>,
    #[pin]
    writer: Mutex<Writer<E>>,
    capacity: Atomic<u32>,
    /// Whether any rule exists (lets the data path skip the table cheaply).
    nonempty: Atomic<bool>,
}

impl<E: Entry> FlowTable<E> {
    /// An empty table for at most `capacity` rules.
    pub(crate) fn new(capacity: u32) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            masks: RcuBox::empty(),
            writer <- new_mutex!(Writer {
                by_id: RBTree::new(),
                book: Book {
                    groups: RBTree::new(),
                    next_rank: 0,
                    count: 0,
                },
                gate: E::Gate::default(),
            }),
            capacity: Atomic::new(capacity),
            nonempty: Atomic::new(false),
        })
    }

    /// Number of rules.
    pub(crate) fn len(&self) -> u32 {
        self.writer.lock().book.count
    }

    /// Capacity.
    pub(crate) fn capacity(&self) -> u32 {
        self.capacity.load(Relaxed)
    }

    /// Changes the capacity; `EBUSY` if more rules than that are offloaded.
    pub(crate) fn set_capacity(&self, capacity: u32) -> Result {
        let w = self.writer.lock();
        if w.book.count > capacity {
            return Err(EBUSY);
        }
        self.capacity.store(capacity, Relaxed);
        Ok(())
    }

    /// Adds (or replaces, by id) a rule, returning the rule it replaced. All or nothing: on
    /// failure the table is unchanged.
    pub(crate) fn insert(
        &self,
        id: Id<E::Scope>,
        entry: E,
    ) -> Result<Option<Arc<Rule<E>>>, InsertError> {
        let mut w = self.writer.lock();
        E::admit(&w.gate, id.scope)?;
        let old = w.by_id.get(&id).cloned();
        // Replacing an existing rule does not need room.
        if old.is_none() && w.book.count >= self.capacity.load(Relaxed) {
            return Err(InsertError::Full);
        }
        // Everything that may fail comes before the publication, which is all or nothing: no
        // undo is ever needed.
        let group = entry.group();
        let book = &mut w.book;
        let (rank, new_group) = match group.as_ref().map(|g| book.groups.get(g).map(|g| g.rank)) {
            None => (0, None),
            Some(Some(rank)) => (rank, None),
            Some(None) => {
                let rank = book.next_rank;
                book.next_rank = rank.checked_add(1).ok_or(InsertError::Full)?;
                let node =
                    RBTreeNodeReservation::new(GFP_KERNEL).map_err(|_| InsertError::NoMem)?;
                (rank, Some(node))
            }
        };
        let rule = Rule::new(entry, rank).map_err(|_| InsertError::NoMem)?;
        let node = match old {
            Some(_) => None,
            None => Some(RBTreeNodeReservation::new(GFP_KERNEL).map_err(|_| InsertError::NoMem)?),
        };
        self.insert_locked(&mut w, &rule)
            .map_err(|_| InsertError::NoMem)?;
        // The new rule is published (after the old one, if any, in its bucket: equal keys and
        // priorities keep insertion order) before the old one dies: no packet sees neither.
        w.book.count += 1;
        self.nonempty.store(true, Relaxed);
        match (group, new_group) {
            (Some(group), Some(node)) => {
                w.book
                    .groups
                    .insert(node.into_node(group, Group { rank, rules: 1 }));
            }
            (Some(group), None) => {
                if let Some(g) = w.book.groups.get_mut(&group) {
                    g.rules += 1;
                }
            }
            (None, _) => {}
        }
        match (old, node) {
            (Some(old), _) => {
                // The same id names the same thing updated (tc gives a new filter a new
                // cookie; act_ct updates a connection's direction in place): its counters go
                // on, as do the ones already reported.
                rule.carry_counters(&old);
                if let Some(slot) = w.by_id.get_mut(&id) {
                    *slot = rule;
                }
                self.retire(&mut w.book, &old);
                Ok(Some(old))
            }
            (None, Some(node)) => {
                w.by_id.insert(node.into_node(id, rule));
                Ok(None)
            }
            // Reserved above whenever there is no old rule.
            (None, None) => Ok(None),
        }
    }

    /// The table of `(chain, mask)`, if any (writer).
    fn table(&self, chain: u32, mask: &Key) -> Option<Arc<MaskTable<E>>> {
        let guard = rcu::Guard::new();
        self.masks.get(&guard).and_then(|s| {
            s.tables
                .iter()
                .find(|t| t.chain == chain && t.mask == *mask)
                .cloned()
        })
    }

    // Writer paths hold `writer` and take RCU read locks only to read, never across an
    // allocation (which may sleep); see `MaskTable::bucket_with`.
    fn insert_locked(&self, _w: &mut Writer<E>, rule: &Arc<Rule<E>>) -> Result {
        let e = &rule.entry;
        if let Some(t) = self.table(e.chain(), e.mask()) {
            if t.count.load(Relaxed) as usize >= 2 * t.buckets.len() {
                return self.grow(&t, rule);
            }
            return t.insert(rule);
        }
        // A new mask: publish a new set with one more table.
        let t = MaskTable::new(e.chain(), *e.mask(), INITIAL_BUCKETS)?;
        t.insert(rule)?;
        self.swap_table(None, Some(t))
    }

    /// Replaces `old` by a table with twice the buckets, holding its rules and `rule`.
    ///
    /// The new table is built before it is published, so its buckets are filled directly rather
    /// than copied and republished rule by rule. Each new bucket takes its rules from a single
    /// old bucket (the hash's low bits pick both), in the old bucket's order: the order holds,
    /// ties keep insertion order, and `rule` goes after the rules of its order. As in
    /// `MaskTable::bucket_with`, allocation (sized by a first count) happens outside RCU.
    fn grow(&self, old: &Arc<MaskTable<E>>, rule: &Arc<Rule<E>>) -> Result {
        let n = old.buckets.len() * 2;
        let slot = |r: &Rule<E>| MaskTable::<E>::slot_in(r.entry.key(), &old.mask, &old.words, n);
        let mut counts = KVVec::from_elem(0usize, n, GFP_KERNEL)?;
        {
            let guard = rcu::Guard::new();
            for r in Iterator::chain(old.rules(&guard), core::iter::once(rule)) {
                counts[slot(r)] += 1;
            }
        }
        let mut lists = KVVec::with_capacity(n, GFP_KERNEL)?;
        for &c in counts.iter() {
            lists.push(
                (c != 0).then(|| Bucket::with_capacity(c)).transpose()?,
                GFP_KERNEL,
            )?;
        }
        {
            let guard = rcu::Guard::new();
            let home = slot(rule);
            let mut placed = false;
            for r in old.rules(&guard) {
                let i = slot(r);
                let Some(b) = lists[i].as_mut() else {
                    continue;
                };
                if i == home && !placed && rule.order() < r.order() {
                    b.push_within(rule.clone())?;
                    placed = true;
                }
                b.push_within(r.clone())?;
            }
            if !placed {
                if let Some(b) = lists[home].as_mut() {
                    b.push_within(rule.clone())?;
                }
            }
        }
        let mut buckets = KVVec::with_capacity(n, GFP_KERNEL)?;
        for b in lists {
            buckets.push(RcuBox::new(b)?, GFP_KERNEL)?;
        }
        let t = Arc::new(
            MaskTable {
                chain: old.chain,
                mask: old.mask,
                words: old.words,
                buckets,
                count: Atomic::new(old.count.load(Relaxed) + 1),
            },
            GFP_KERNEL,
        )?;
        self.swap_table(Some(old), Some(t))
    }

    /// Publishes the mask set with `old` replaced by `new`, `old` removed (no `new`), or `new`
    /// added (no `old`).
    fn swap_table(
        &self,
        old: Option<&Arc<MaskTable<E>>>,
        new: Option<Arc<MaskTable<E>>>,
    ) -> Result {
        let n = {
            let guard = rcu::Guard::new();
            self.masks.get(&guard).map_or(0, |s| s.tables.len())
        };
        let mut tables = KVec::with_capacity(n + 1, GFP_KERNEL)?;
        let mut new = new;
        {
            let guard = rcu::Guard::new();
            let cur = self.masks.get(&guard).map_or(&[][..], |s| &s.tables[..]);
            for t in cur {
                let keep = match old {
                    Some(o) if Arc::ptr_eq(t, o) => new.take(),
                    _ => Some(t.clone()),
                };
                if let Some(k) = keep {
                    tables.push_within_capacity(k).map_err(|_| ENOMEM)?;
                }
            }
        }
        if let (None, Some(added)) = (old, new) {
            tables.push_within_capacity(added).map_err(|_| ENOMEM)?;
        }
        let set = (!tables.is_empty()).then_some(MaskSet { tables });
        self.masks.replace_deferred(set)
    }

    /// Takes `rule`, already out of `by_id`, out of the table. Cannot fail: the rule dies
    /// first, so lookups ignore it from now on, and the bookkeeping follows; only the physical
    /// removal needs memory, and a failure there leaves a dead rule for the next rebuild of its
    /// bucket (or table) to drop.
    fn retire(&self, book: &mut Book, rule: &Arc<Rule<E>>) {
        rule.dead.store(true, Relaxed);
        book.count -= 1;
        if book.count == 0 {
            self.nonempty.store(false, Relaxed);
        }
        let e = &rule.entry;
        if let Some(group) = e.group() {
            if let Some(g) = book.groups.get_mut(&group) {
                g.rules -= 1;
                if g.rules == 0 {
                    book.groups.remove(&group);
                }
            }
        }
        // A live rule's table is published: only a table without live rules leaves the set.
        let Some(t) = self.table(e.chain(), e.mask()) else {
            return;
        };
        if t.count.fetch_sub(1, Relaxed) == 1 {
            // The whole table goes (and its dead rules with it); if the mask set cannot be
            // rebuilt, the empty table stays and is reused by the next rule with its mask.
            if self.swap_table(Some(&t), None).is_ok() {
                return;
            }
        }
        let _ = t.purge(e.key());
    }

    /// Removes the rule `id`, returning it. Only fails if there is no such rule: once this
    /// returns, the rule is never executed again.
    pub(crate) fn remove(&self, id: Id<E::Scope>) -> Result<Arc<Rule<E>>> {
        let mut w = self.writer.lock();
        let rule = w.by_id.remove(&id).ok_or(ENOENT)?;
        self.retire(&mut w.book, &rule);
        Ok(rule)
    }

    /// Removes every rule offloaded for `scope` (the [`Id`]'s). Cannot fail.
    ///
    /// The scope's ids are neighbours: one search finds the first, and each removal leaves the
    /// cursor on the next. The cost is that of the removals, whatever the other scopes hold.
    pub(crate) fn remove_scope(&self, scope: E::Scope) {
        let mut guard = self.writer.lock();
        let w = &mut *guard;
        let mut at = w
            .by_id
            .cursor_lower_bound_mut(&Writer::<E>::first_of(scope));
        // Past the scope's last rule, the cursor is on another scope's (the next, or the one
        // before if it was the last), or on none.
        while let Some(c) = at.filter(|c| c.current().0.scope == scope) {
            let (next, node) = c.remove_current();
            let (_, rule) = node.to_key_value();
            self.retire(&mut w.book, &rule);
            at = next;
        }
    }

    /// Counters of the rule `id` since the previous call: bytes, packets, and the last use
    /// (jiffies).
    pub(crate) fn stats_delta(&self, id: Id<E::Scope>) -> Option<(u64, u64, u64)> {
        let w = self.writer.lock();
        let r = w.by_id.get(&id)?;
        let (p, b) = (r.packets.load(Relaxed), r.bytes.load(Relaxed));
        let dp = p - r.reported.xchg(p, Relaxed);
        let db = b - r.reported_bytes.xchg(b, Relaxed);
        Some((db, dp, r.lastused.load(Relaxed)))
    }

    /// Whether the table has rules.
    pub(crate) fn is_active(&self) -> bool {
        self.nonempty.load(Relaxed)
    }

    /// The matching rule of `chain` with the lowest priority, then rank (data path, under RCU).
    pub(crate) fn classify<'a>(
        &'a self,
        chain: u32,
        key: &Key,
        guard: &'a rcu::Guard,
    ) -> Option<&'a Arc<Rule<E>>> {
        let set = self.masks.get(guard)?;
        let mut best: Option<&Arc<Rule<E>>> = None;
        for t in set.tables.iter().filter(|t| t.chain == chain) {
            let Some(b) = t.bucket(key).get(guard) else {
                continue;
            };
            // Sorted by order: the first match is the bucket's best.
            // A dead rule (removed, still in a bucket) is skipped; its flag is read only for a
            // rule that matched.
            if let Some(r) = b.iter().find(|r| {
                key.masked_eq(&t.mask, r.entry.key(), &t.words)
                    && r.entry.admits(key)
                    && !r.is_dead()
            }) {
                if best.is_none_or(|x| r.order() < x.order()) {
                    best = Some(r);
                }
            }
        }
        best
    }
}

/// The ingress ports of flower rules.
impl FlowTable<RuleSpec> {
    /// Closes the virtual ports below `vpid` to new rules, atomically with checking that none
    /// has any: on failure (`EBUSY`) nothing changed. `close_below(0)` reopens every port.
    pub(crate) fn close_below(&self, vpid: Vpid) -> Result {
        let mut w = self.writer.lock();
        // The first id has the lowest port.
        if w.by_id.keys().next().is_some_and(|id| id.scope < vpid) {
            return Err(EBUSY);
        }
        w.gate.closed_below = vpid;
        Ok(())
    }

    /// Allows (`on`) or refuses new rules entering at `vpid`, as its representor's
    /// `hw-tc-offload` feature says. Turning offload off is refused (`EBUSY`) while the port has
    /// rules; the check and the change are atomic with insertions, so a rule is either refused
    /// or makes this fail. On failure nothing changed. Allocates nothing.
    pub(crate) fn set_port_offload(&self, vpid: Vpid, on: bool) -> Result {
        let mut w = self.writer.lock();
        if on {
            w.gate.tc_off.set(vpid, false);
        } else if !w.gate.tc_off.contains(vpid) {
            if w.has_scope(vpid) {
                return Err(EBUSY);
            }
            w.gate.tc_off.set(vpid, true);
        }
        Ok(())
    }

    /// Whether rules entering at `vpid` are allowed ([`Self::set_port_offload`]).
    pub(crate) fn port_offload(&self, vpid: Vpid) -> bool {
        !self.writer.lock().gate.tc_off.contains(vpid)
    }
}

#[kernel::macros::kunit_tests(fponic_flowtable)]
mod tests {
    use super::*;
    use crate::engine::flow::{
        classify_linear,
        off,
        Action,
        Actions,
        PortRanges, //
    };

    /// The id of a rule with `cookie` offloaded for port 0.
    fn id(cookie: u64) -> RuleId {
        RuleId {
            scope: Vpid::new(0),
            cookie,
        }
    }

    impl<E: Entry> FlowTable<E> {
        fn rank_of(&self, id: Id<E::Scope>) -> u64 {
            self.writer
                .lock()
                .by_id
                .get(&id)
                .map_or(u64::MAX, |r| r.rank)
        }
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A random rule over a few fields with a few distinct masks, so that buckets, masks and
    /// priorities all interact.
    fn random_rule(rng: &mut Rng, prio: u32) -> RuleSpec {
        let mut mask = Key::default();
        let mut key = Key::default();
        let fields = [
            (off::IN_PORT, 4),
            (off::ETH_DST, 6),
            (off::IP_PROTO, 1),
            (off::L4_DST, 2),
        ];
        let pick = rng.below(16);
        for (i, &(o, len)) in fields.iter().enumerate() {
            if pick & (1 << i) != 0 {
                for b in 0..len {
                    mask.0[o + b] = 0xff;
                    // Small value space: packets hit rules often.
                    key.0[o + b] = (rng.below(3)) as u8;
                }
            }
        }
        let mut actions = Actions::default();
        let _ = actions.push(Action::Drop);
        RuleSpec {
            chain: rng.below(2) as u32,
            prio,
            key: key.masked(&mask),
            mask,
            ranges: PortRanges::default(),
            actions,
        }
    }

    fn random_packet(rng: &mut Rng) -> Key {
        let mut k = Key::default();
        for &(o, len) in &[
            (off::IN_PORT, 4),
            (off::ETH_DST, 6),
            (off::IP_PROTO, 1),
            (off::L4_DST, 2),
        ] {
            for b in 0..len {
                k.0[o + b] = rng.below(3) as u8;
            }
        }
        k
    }

    #[test]
    fn tuple_space_agrees_with_linear_scan() -> Result {
        let table = KBox::pin_init(FlowTable::new(4096), GFP_KERNEL)?;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut rules = KVec::new();
        // Distinct priorities: both sides must pick the same rule.
        for i in 0..300u32 {
            let r = random_rule(&mut rng, 1000 - i);
            assert!(table.insert(id(u64::from(i)), r).is_ok());
            rules.push(r, GFP_KERNEL)?;
        }
        // Remove a third of them again.
        for i in (0..300u32).step_by(3) {
            table.remove(id(u64::from(i)))?;
        }
        let live: KVec<(RuleSpec, u64)> = {
            let mut v = KVec::new();
            for (i, r) in rules.iter().enumerate() {
                if i % 3 != 0 {
                    // CAST: below 300.
                    v.push((*r, table.rank_of(id(i as u64))), GFP_KERNEL)?;
                }
            }
            v
        };
        assert_eq!(table.len(), 200);
        for _ in 0..5000 {
            let pkt = random_packet(&mut rng);
            for chain in 0..2 {
                let guard = rcu::Guard::new();
                let got = table.classify(chain, &pkt, &guard).map(|r| r.entry.prio);
                let want =
                    classify_linear(live.iter().map(|(r, k)| (r, *k)), chain, &pkt).map(|r| r.prio);
                assert_eq!(got, want);
            }
        }
        Ok(())
    }

    #[test]
    fn growth_keeps_priority_and_insertion_order() -> Result {
        // One mask and few distinct keys: buckets hold many rules, priorities tie often, and
        // the table grows from 16 to 2048 buckets on the way.
        let table = KBox::pin_init(FlowTable::new(8192), GFP_KERNEL)?;
        let mut rng = Rng(0x5eed);
        let mut mask = Key::default();
        mask.0[off::L4_DST] = 0xff;
        mask.0[off::L4_DST + 1] = 0xff;
        let mut rules = KVec::new();
        for i in 0..3000u32 {
            let mut key = Key::default();
            key.0[off::L4_DST + 1] = rng.below(50) as u8;
            let mut actions = Actions::default();
            let _ = actions.push(Action::Redirect(Vpid::new(i)));
            let r = RuleSpec {
                chain: 0,
                prio: 1 + rng.below(4) as u32,
                key,
                mask,
                ranges: PortRanges::default(),
                actions,
            };
            assert!(table.insert(id(u64::from(i)), r).is_ok());
            rules.push((i, r), GFP_KERNEL)?;
        }
        for i in (0..3000u32).step_by(4) {
            table.remove(id(u64::from(i)))?;
        }
        let mut live = KVec::new();
        for (i, r) in rules.iter() {
            if i % 4 != 0 {
                live.push((*r, table.rank_of(id(u64::from(*i)))), GFP_KERNEL)?;
            }
        }
        for k in 0..50u8 {
            let mut pkt = Key::default();
            pkt.0[off::L4_DST + 1] = k;
            let guard = rcu::Guard::new();
            // The same rule, not just the same priority: ties go to the earliest inserted.
            let got = table.classify(0, &pkt, &guard).map(|r| r.entry.actions);
            let want =
                classify_linear(live.iter().map(|(r, k)| (r, *k)), 0, &pkt).map(|r| r.actions);
            assert_eq!(got, want);
        }
        Ok(())
    }

    /// A kind of entry with nothing but its match and a tag, as connections are: one chain, one
    /// priority, no port range, no group.
    struct Tagged {
        key: Key,
        mask: Key,
        tag: u32,
    }

    impl Entry for Tagged {
        type Scope = u32;
        type Gate = ();

        fn key(&self) -> &Key {
            &self.key
        }

        fn mask(&self) -> &Key {
            &self.mask
        }
    }

    #[test]
    fn entries_without_groups_keep_insertion_order() -> Result {
        let table = KBox::pin_init(FlowTable::new(16), GFP_KERNEL)?;
        let mut mask = Key::default();
        mask.set(off::L4_DST, &[0xff; 2]);
        let mut key = Key::default();
        key.set(off::L4_DST, &53u16.to_be_bytes());
        let tagged = |tag| Tagged { key, mask, tag };
        let id = |cookie| Id { scope: 7, cookie };
        assert!(table.insert(id(1), tagged(1)).is_ok());
        assert!(table.insert(id(2), tagged(2)).is_ok());
        assert!(table.writer.lock().book.groups.is_empty());
        assert_eq!(table.rank_of(id(2)), 0);
        let winner = |table: &FlowTable<Tagged>| {
            let guard = rcu::Guard::new();
            table.classify(0, &key, &guard).map(|r| r.entry.tag)
        };
        assert_eq!(winner(&table), Some(1));
        assert_eq!(table.remove(id(1)).map(|r| r.entry.tag), Ok(1));
        assert_eq!(winner(&table), Some(2));
        assert!(table.classify(1, &key, &rcu::Guard::new()).is_none());
        Ok(())
    }

    #[test]
    fn removing_a_scope_removes_its_rules_only() -> Result {
        // Three scopes of 3000 rules each, their cookies interleaved, the middle one with the
        // lowest and the highest cookie; two masks, so that removals empty mask tables too.
        const PER_SCOPE: u32 = 3000;
        let table = KBox::pin_init(FlowTable::new(3 * PER_SCOPE), GFP_KERNEL)?;
        let id = |scope: u32, i: u32| Id {
            scope,
            cookie: match (scope, i) {
                (2, 0) => 0,
                (2, 1) => u64::MAX,
                _ => u64::from(i) * 3 + u64::from(scope),
            },
        };
        let tagged = |scope: u32, i: u32| {
            let mut mask = Key::default();
            mask.set(off::IP_SRC, &[0xff; 4]);
            mask.set(off::IP_DST, &[0xff; 4]);
            if i % 7 == 0 {
                mask.set(off::L4_DST, &[0xff; 2]);
            }
            let mut key = Key::default();
            key.set(off::IP_SRC, &scope.to_be_bytes());
            key.set(off::IP_DST, &i.to_be_bytes());
            Tagged {
                key,
                mask,
                tag: scope << 16 | i,
            }
        };
        for i in 0..PER_SCOPE {
            for scope in 1..=3 {
                assert!(table.insert(id(scope, i), tagged(scope, i)).is_ok());
            }
        }
        // What the table has of scope `scope`: rules that lookups find, by their ids.
        let found = |table: &FlowTable<Tagged>, scope: u32| {
            (0..PER_SCOPE)
                .filter(|&i| {
                    let t = tagged(scope, i);
                    let hit = {
                        let guard = rcu::Guard::new();
                        table.classify(0, &t.key, &guard).map(|r| r.entry.tag)
                    };
                    // The writer's lock, outside RCU.
                    let named = table.stats_delta(id(scope, i)).is_some();
                    assert_eq!(hit.is_some(), named);
                    hit == Some(t.tag)
                })
                .count()
        };
        let all = usize::try_from(PER_SCOPE).unwrap_or(0);
        table.remove_scope(2);
        assert_eq!(table.len(), 2 * PER_SCOPE);
        assert_eq!([1, 2, 3].map(|s| found(&table, s)), [all, 0, all]);
        // Nothing left to remove; scopes without rules, below and above the others.
        table.remove_scope(2);
        table.remove_scope(0);
        table.remove_scope(4);
        assert_eq!(table.len(), 2 * PER_SCOPE);
        // The last scope, then the first.
        table.remove_scope(3);
        assert_eq!([1, 2, 3].map(|s| found(&table, s)), [all, 0, 0]);
        table.remove_scope(1);
        assert_eq!(table.len(), 0);
        assert!(!table.is_active());
        assert!(table.masks.get(&rcu::Guard::new()).is_none());
        Ok(())
    }

    #[test]
    fn closed_ports_refuse_rules_and_ports_with_rules_stay_open() -> Result {
        let table = KBox::pin_init(FlowTable::new(16), GFP_KERNEL)?;
        let mut rng = Rng(17);
        let at = |vpid: u32, cookie| RuleId {
            scope: Vpid::new(vpid),
            cookie,
        };
        assert!(table
            .insert(at(0x1001, 1), random_rule(&mut rng, 1))
            .is_ok());
        // A neighbour's rules do not keep a port open.
        assert!(table.set_port_offload(Vpid::new(0x1000), false).is_ok());
        assert!(table.set_port_offload(Vpid::new(0x1002), false).is_ok());
        assert!(matches!(
            table.insert(at(0x1000, 2), random_rule(&mut rng, 1)),
            Err(InsertError::Disabled)
        ));
        assert_eq!(table.set_port_offload(Vpid::new(0x1001), false), Err(EBUSY));
        assert!(!table.port_offload(Vpid::new(0x1000)));
        assert!(table.port_offload(Vpid::new(0x1001)));
        // Uplinks 0 and 1 closed: no rule below 2 yet.
        assert!(table.close_below(Vpid::new(2)).is_ok());
        assert!(matches!(
            table.insert(at(1, 3), random_rule(&mut rng, 1)),
            Err(InsertError::Closed)
        ));
        assert!(table.close_below(Vpid::new(0)).is_ok());
        assert!(table.insert(at(1, 3), random_rule(&mut rng, 1)).is_ok());
        assert_eq!(table.close_below(Vpid::new(2)), Err(EBUSY));
        assert!(table.close_below(Vpid::new(1)).is_ok());
        table.remove(at(1, 3))?;
        assert!(table.close_below(Vpid::new(2)).is_ok());
        Ok(())
    }

    #[test]
    fn capacity_and_replace() -> Result {
        let table = KBox::pin_init(FlowTable::new(2), GFP_KERNEL)?;
        let mut rng = Rng(7);
        assert!(table.insert(id(1), random_rule(&mut rng, 1)).is_ok());
        assert!(table.insert(id(2), random_rule(&mut rng, 2)).is_ok());
        assert!(matches!(
            table.insert(id(3), random_rule(&mut rng, 3)),
            Err(InsertError::Full)
        ));
        // Replacing an existing cookie does not need room.
        assert!(table.insert(id(2), random_rule(&mut rng, 4)).is_ok());
        assert_eq!(table.len(), 2);
        table.remove(id(1))?;
        table.remove(id(2))?;
        assert!(!table.is_active());
        assert!(table.remove(id(2)).is_err());
        Ok(())
    }

    #[test]
    fn stats_are_reported_as_deltas() -> Result {
        let table = KBox::pin_init(FlowTable::new(16), GFP_KERNEL)?;
        let mut rng = Rng(11);
        let r = random_rule(&mut rng, 1);
        assert!(table.insert(id(9), r).is_ok());
        {
            let guard = rcu::Guard::new();
            let pkt = r.key;
            let rule = table
                .classify(r.chain, &pkt, &guard)
                .expect("the rule matches its key");
            rule.hit(1, 100, 5);
            rule.hit(1, 50, 6);
            // A GSO packet counts its segments.
            rule.hit(3, 4000, 6);
        }
        assert_eq!(table.stats_delta(id(9)), Some((4150, 5, 6)));
        assert_eq!(table.stats_delta(id(9)), Some((0, 0, 6)));
        assert_eq!(table.stats_delta(id(10)), None);
        // An update of the same id keeps its counters: what was not reported yet is.
        {
            let guard = rcu::Guard::new();
            let rule = table.classify(r.chain, &r.key, &guard).expect("matches");
            rule.hit(2, 300, 8);
        }
        assert!(matches!(table.insert(id(9), r), Ok(Some(_))));
        {
            let guard = rcu::Guard::new();
            let rule = table.classify(r.chain, &r.key, &guard).expect("matches");
            rule.hit(1, 10, 9);
        }
        assert_eq!(table.stats_delta(id(9)), Some((310, 3, 9)));
        Ok(())
    }

    #[test]
    fn shared_block_rules_are_per_port() -> Result {
        // One filter of a block bound to ports 0x1000 and 0x1001: one rule each, same cookie.
        let table = KBox::pin_init(FlowTable::new(16), GFP_KERNEL)?;
        let mut rng = Rng(13);
        let mut rules = [random_rule(&mut rng, 1), random_rule(&mut rng, 1)];
        for (r, vpid) in rules.iter_mut().zip([0x1000u32, 0x1001]) {
            r.mask.set(off::IN_PORT, &[0xff; 4]);
            r.key.set(off::IN_PORT, &vpid.to_be_bytes());
            let id = RuleId {
                scope: Vpid::new(vpid),
                cookie: 5,
            };
            assert!(table.insert(id, *r).is_ok());
        }
        assert_eq!(table.len(), 2);
        let first = RuleId {
            scope: Vpid::new(0x1000),
            cookie: 5,
        };
        table.remove(first)?;
        assert!(table.remove(first).is_err());
        let guard = rcu::Guard::new();
        let [gone, kept] = rules;
        assert!(table.classify(gone.chain, &gone.key, &guard).is_none());
        assert!(table.classify(kept.chain, &kept.key, &guard).is_some());
        Ok(())
    }

    #[test]
    fn equal_priorities_follow_mask_creation_order() -> Result {
        // Flower tries a classifier's masks in the order they appeared in it. A mask table
        // created earlier for another priority must not change that.
        let table = KBox::pin_init(FlowTable::new(16), GFP_KERNEL)?;
        let rule = |prio: u32, field: usize, val: u8, act: u32| {
            let mut mask = Key::default();
            let mut key = Key::default();
            mask.set(off::IN_PORT, &[0xff; 4]);
            key.set(off::IN_PORT, &7u32.to_be_bytes());
            mask.0[field] = 0xff;
            key.0[field] = val;
            let mut actions = Actions::default();
            let _ = actions.push(Action::Redirect(Vpid::new(act)));
            RuleSpec {
                chain: 0,
                prio,
                key,
                mask,
                ranges: PortRanges::default(),
                actions,
            }
        };
        // The dst-MAC table first (prio 5), then, at prio 1, src MAC before dst MAC.
        assert!(table.insert(id(1), rule(5, off::ETH_DST, 9, 1)).is_ok());
        assert!(table.insert(id(2), rule(1, off::ETH_SRC, 8, 2)).is_ok());
        assert!(table.insert(id(3), rule(1, off::ETH_DST, 9, 3)).is_ok());
        let mut pkt = Key::default();
        pkt.set(off::IN_PORT, &7u32.to_be_bytes());
        pkt.0[off::ETH_DST] = 9;
        pkt.0[off::ETH_SRC] = 8;
        let winner = |table: &FlowTable<RuleSpec>| {
            let guard = rcu::Guard::new();
            table
                .classify(0, &pkt, &guard)
                .map(|r| r.entry.actions.as_slice()[0])
        };
        let to = |v| Some(Action::Redirect(Vpid::new(v)));
        assert_eq!(winner(&table), to(2));
        // The src-MAC mask leaves prio 1 and comes back: now after the dst-MAC mask.
        table.remove(id(2))?;
        assert!(table.insert(id(4), rule(1, off::ETH_SRC, 8, 4)).is_ok());
        assert_eq!(winner(&table), to(3));
        // A replaced rule keeps its mask's place.
        assert!(table.insert(id(3), rule(1, off::ETH_DST, 9, 5)).is_ok());
        assert_eq!(winner(&table), to(5));
        Ok(())
    }
}
