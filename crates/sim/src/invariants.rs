//! The live safety checker: the five properties of Figure 3, checked after every event.
//!
//! Each check costs O(what the event changed), not O(log): the checker keeps, per server, a chain
//! hash of every log prefix (`chain[i]` fingerprints entries 1..=i), updated from the index the core
//! reports as rewritten. Two logs agree up to `i` exactly when their chain hashes at `i` agree.

use crate::digest::{entry_hash, Digest};
use crate::sorted::SortedMap;
use raft::chunked::Chunked;
use raft::{Index, Node, NodeId, Role, Term};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    ElectionSafety,
    LeaderAppendOnly,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    /// Not one of the five: the driver's stable storage disagrees with the node's persistent state,
    /// i.e. the core changed persistent state without asking for it to be persisted.
    Persistence,
    /// Not one of the five, but what they rest on: a server that held a committed entry lost it
    /// (truncated it away or overwrote it) — the first sign of a truncate-on-match bug.
    CommittedEntryKept,
    /// commitIndex and lastApplied never go backwards while a server is up.
    MonotonicCommit,
    /// What clients saw: the answers to the requests on one key fit some order of the requests
    /// that respects real time (checked live while a key's history is short).
    Linearizability,
}

impl Property {
    pub fn name(self) -> &'static str {
        match self {
            Property::ElectionSafety => "Election Safety",
            Property::LeaderAppendOnly => "Leader Append-Only",
            Property::LogMatching => "Log Matching",
            Property::LeaderCompleteness => "Leader Completeness",
            Property::StateMachineSafety => "State Machine Safety",
            Property::Persistence => "Persistence",
            Property::CommittedEntryKept => "Committed entries kept",
            Property::MonotonicCommit => "Monotonic commit",
            Property::Linearizability => "Linearizability",
        }
    }
}

/// A broken property, with everything needed to find it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub property: Property,
    /// Simulated time (µs) of the event after which it was found.
    pub time: u64,
    /// The event, as the trace names it.
    pub event: String,
    pub servers: Vec<NodeId>,
    pub term: Term,
    pub index: Index,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self.servers.iter().map(|s| format!("S{s}")).collect();
        write!(
            f,
            "{} violated at t={} ms after {} (servers {}, term {}, index {}): {}",
            self.property.name(),
            crate::settings::ms3(self.time),
            self.event,
            servers.join(", "),
            self.term,
            self.index,
            self.detail
        )
    }
}

#[derive(Clone, Copy, Debug)]
struct Committed {
    chain: u64,
    term: Term,
    in_term: Term,
}

/// What the checker remembers of a node from just before a step.
#[derive(Clone, Copy, Debug)]
pub struct Before {
    pub role: Role,
    pub term: Term,
    pub last_index: Index,
    pub commit_index: Index,
    pub last_applied: Index,
    // For narration only.
    pub voted_for: Option<NodeId>,
    pub config_index: Index,
    pub snapshot_index: Index,
}

impl Before {
    pub fn of(n: &Node) -> Before {
        Before {
            role: n.role,
            term: n.current_term,
            last_index: n.log.last_index(),
            commit_index: n.commit_index,
            last_applied: n.last_applied,
            voted_for: n.voted_for,
            config_index: n.config_index,
            snapshot_index: n.snapshot.last_index,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// Election Safety: the leader of each term.
    leaders: SortedMap<Term, NodeId>,
    /// Per server id, chain[i - 1] fingerprints log entries 1..=i (and holds entry i's own hash).
    chains: Vec<Chunked<Link>>,
    /// Log Matching: the prefix fingerprint of every (index, term) ever seen in any log, and who
    /// had it.
    seen: SeenTable,
    /// Committed prefix: for each committed index, the chain fingerprint, the entry's term, and
    /// the term in which it was (first seen) committed.
    committed: Chunked<Committed>,
    /// State Machine Safety: fingerprint of the entry applied at each index, and by whom first.
    applied: Chunked<(u64, NodeId)>,
    /// Indices up to `base` are forgotten: every server's log starts after it (those entries are
    /// inside snapshots, each checked against the committed prefix when installed), so no check
    /// looks at them again. Every per-index table above starts at `base + 1`. `base_chain` and
    /// `base_term`: the committed prefix fingerprint and the entry's term at `base`.
    base: Index,
    base_chain: u64,
    base_term: Term,
}

/// A server's log at one index: the fingerprint of its prefix through there, and of the entry
/// itself, kept from when the prefix was fingerprinted so that applying the entry does not hash it
/// again. `entry == UNHASHED` where the prefix came from the committed one (the entry compacted
/// away or inside a snapshot): hash the entry itself there.
#[derive(Clone, Copy, Debug)]
struct Link {
    chain: u64,
    entry: u64,
}
const UNHASHED: u64 = 0;

/// The first (term, prefix fingerprint, server) seen at an index; `term == NONE` for a gap.
#[derive(Clone, Copy, Debug)]
struct Seen {
    term: Term,
    chain: u64,
    by: NodeId,
}
const NONE: Term = Term::MAX;

/// Every (index, term) seen in any log, with its prefix fingerprint and who had it first: `first`
/// for the first term seen at an index (by its slot, as the checker's other per-index tables),
/// `more` for any other. A table of its own, apart from the servers' chains, so that a rechain
/// reads and fills it while it extends a chain in place.
#[derive(Clone, Debug, Default)]
struct SeenTable {
    first: Chunked<Seen>,
    more: SortedMap<(Index, Term), (u64, NodeId)>,
}

impl SeenTable {
    /// (prefix fingerprint, server) first seen for index `i` (in slot `k`) with `term`. (Asked for
    /// every entry a server writes, almost always of the first term seen there or of none: that
    /// is inlined, the search among other terms not.)
    #[inline]
    fn get(&self, k: usize, i: Index, term: Term) -> Option<(u64, NodeId)> {
        match self.first.get(k) {
            Some(s) if s.term == term => Some((s.chain, s.by)),
            Some(s) if s.term != NONE => self.get_more(i, term),
            _ => None,
        }
    }

    #[inline(never)]
    fn get_more(&self, i: Index, term: Term) -> Option<(u64, NodeId)> {
        self.more.get(&(i, term)).copied()
    }

    fn insert(&mut self, k: usize, i: Index, term: Term, chain: u64, by: NodeId) {
        while self.first.len() <= k {
            self.first.push(Seen { term: NONE, chain: 0, by: 0 });
        }
        let slot = self.first.get_mut(k).expect("padded");
        if slot.term == NONE {
            *slot = Seen { term, chain, by };
        } else {
            self.more.insert((i, term), (chain, by));
        }
    }
}

impl Checker {
    pub fn new(max_id: NodeId) -> Self {
        Checker { chains: vec![Chunked::new(); max_id as usize + 1], ..Default::default() }
    }

    /// What the checker holds: its chunks (address, bytes; shared between clones) and the bytes of
    /// everything else.
    pub fn memory(&self, chunk: &mut impl FnMut(usize, usize)) -> usize {
        for c in &self.chains {
            c.chunks().for_each(|(a, b)| chunk(a, b));
        }
        let tables = self.seen.first.chunks().chain(self.committed.chunks()).chain(self.applied.chunks());
        tables.for_each(|(a, b)| chunk(a, b));
        (self.seen.more.len() + self.leaders.len()) * 48 + self.chains.len() * 64
    }

    /// The slot of index `i` in the per-index tables (none at or below `base`).
    fn at(&self, i: Index) -> Option<usize> {
        (i > self.base).then(|| (i - self.base - 1) as usize)
    }

    fn committed_at(&self, i: Index) -> Option<&Committed> {
        self.at(i).and_then(|k| self.committed.get(k))
    }

    /// The highest index known committed.
    fn committed_upto(&self) -> Index {
        self.base + self.committed.len() as Index
    }

    /// Server `id`'s prefix fingerprint at index `i`.
    #[inline]
    fn chain_at(&self, id: NodeId, i: Index) -> Option<u64> {
        match self.at(i) {
            Some(k) => self.chains[id as usize].get(k).map(|l| l.chain),
            None if i == self.base && i > 0 => Some(self.base_chain),
            None => None,
        }
    }

    /// The hash of entry `e`, which server `id` holds at index `i`: as kept with its prefix
    /// fingerprint, or hashed now if it was not.
    #[inline]
    fn entry_hash_at(&self, id: NodeId, i: Index, e: &raft::Entry) -> u64 {
        match self.at(i).and_then(|k| self.chains[id as usize].get(k)) {
            Some(l) if l.entry != UNHASHED => l.entry,
            _ => entry_hash(e),
        }
    }

    /// Forget every index up to `floor` (at most the committed prefix): the caller knows that no
    /// server's log holds an entry there any more. Keeps the checker's memory bounded on a long run
    /// with log compaction.
    pub fn forget_upto(&mut self, floor: Index) {
        let upto = floor.min(self.committed_upto());
        if upto <= self.base {
            return;
        }
        let n = (upto - self.base) as usize;
        let last = self.committed[n - 1];
        (self.base_chain, self.base_term) = (last.chain, last.term);
        self.committed.drop_front(n);
        self.applied.drop_front(n.min(self.applied.len()));
        self.seen.first.drop_front(n.min(self.seen.first.len()));
        self.seen.more.retain(|&(i, _), _| i > upto);
        for c in &mut self.chains {
            c.drop_front(n.min(c.len()));
        }
        self.base = upto;
    }

    /// Does [`Checker::after_step`] for this step look at or change what the checker remembers?
    /// Only when the log was rewritten or replaced, a server became leader of a term, or its
    /// commitIndex or lastApplied moved on; otherwise [`Checker::transition`] is the whole check,
    /// and a caller holding a shared copy of the checker need not clone it.
    pub fn records(node: &Node, before: &Before, log_from: Option<Index>, installed_snapshot: bool) -> bool {
        installed_snapshot
            || log_from.is_some()
            || (node.role == Role::Leader && (before.role != Role::Leader || before.term != node.current_term))
            || node.commit_index > before.commit_index
            || node.last_applied > before.last_applied
    }

    /// The leader of each term so far, by term.
    pub fn leaders(&self) -> impl Iterator<Item = (Term, NodeId)> + '_ {
        self.leaders.iter().map(|(&t, &id)| (t, id))
    }

    /// A fingerprint of what the checker remembers that names no server and that no server's
    /// current state shows: every (index, term, prefix) ever seen in a log, the committed prefix
    /// with the term each entry was committed in, and the entries applied. Together with the
    /// servers' states and [`Checker::leaders`] it decides every later verdict (the servers that
    /// first held or applied an entry only go into reports). Order-independent where the tables
    /// are sets, so equal memories give equal fingerprints however they were filled.
    pub fn memory_fingerprint(&self) -> u64 {
        let mut seen = 0u64;
        for (k, s) in self.seen.first.iter().enumerate() {
            if s.term != NONE {
                seen = seen.wrapping_add(Digest::of(&[self.base + k as Index + 1, s.term, s.chain]));
            }
        }
        for (&(i, t), &(chain, _)) in &self.seen.more {
            seen = seen.wrapping_add(Digest::of(&[i, t, chain]));
        }
        let mut d = Digest::default();
        d.u64(seen);
        d.u64(self.base);
        d.u64(self.base_chain);
        d.u64(self.committed.len() as u64);
        for c in self.committed.iter() {
            d.u64(c.chain);
            d.u64(c.in_term);
        }
        d.u64(self.applied.len() as u64);
        for &(h, _) in self.applied.iter() {
            d.u64(h);
        }
        d.0
    }

    /// The checks that need nothing the checker remembers, only the step itself: Leader
    /// Append-Only and monotonic commit. [`Checker::after_step`] runs them first.
    pub fn transition(
        node: &Node,
        before: &Before,
        log_from: Option<Index>,
        report: &mut impl FnMut(Property, Vec<NodeId>, Term, Index, String),
    ) {
        let id = node.id;
        // Leader Append-Only: a leader that stays leader of the same term only appends.
        if before.role == Role::Leader && node.role == Role::Leader && before.term == node.current_term {
            if let Some(from) = log_from.filter(|&f| f <= before.last_index) {
                report(
                    Property::LeaderAppendOnly,
                    vec![id],
                    node.current_term,
                    from,
                    format!("leader rewrote its log from index {from} (it had {} entries)", before.last_index),
                );
            }
            if node.log.last_index() < before.last_index {
                report(
                    Property::LeaderAppendOnly,
                    vec![id],
                    node.current_term,
                    node.log.last_index(),
                    format!("leader log shrank from {} to {} entries", before.last_index, node.log.last_index()),
                );
            }
        }

        // commitIndex and lastApplied only move forward while a server is up.
        if node.commit_index < before.commit_index || node.last_applied < before.last_applied {
            report(
                Property::MonotonicCommit,
                vec![id],
                node.current_term,
                node.commit_index,
                format!(
                    "S{id}'s commitIndex/lastApplied went back from {}/{} to {}/{}",
                    before.commit_index, before.last_applied, node.commit_index, node.last_applied
                ),
            );
        }
    }

    /// Check what the step of `node` changed. `log_from` is the first log index the core reported
    /// as rewritten, if any; `installed_snapshot` says a snapshot from the leader replaced the log
    /// (a server's own compaction changes no entry, so it needs no check) — or the server came
    /// back from a disk that was behind its memory: either way its log is fingerprinted afresh
    /// from its snapshot on, and checked against everything committed and seen. `others` are the
    /// other live servers (for Leader Completeness).
    #[allow(clippy::too_many_arguments)]
    pub fn after_step<'a>(
        &mut self,
        node: &Node,
        before: Before,
        log_from: Option<Index>,
        installed_snapshot: bool,
        others: impl Iterator<Item = &'a Node> + Clone,
        mut report: impl FnMut(Property, Vec<NodeId>, Term, Index, String),
    ) {
        Checker::transition(node, &before, log_from, &mut report);
        if !Checker::records(node, &before, log_from, installed_snapshot) {
            return;
        }
        let id = node.id;
        if installed_snapshot {
            self.resnapshot(node, &mut report);
        } else if let Some(from) = log_from {
            // A server that held committed entries must still hold them after a rewrite. (Prefix
            // fingerprints: holding the committed entry at `upto`, the last index that was both in
            // its log and committed, means holding every committed entry before it.) A rewrite can
            // put back the same entries at `from` and still cut off later ones, so look at `upto`.
            let i = from.max(self.base + 1);
            let upto = before.last_index.min(self.committed_upto());
            let held = i <= upto
                && self.chain_at(id, upto).is_some()
                && self.chain_at(id, upto) == self.committed_at(upto).map(|c| c.chain);
            self.rechain(node, from, &mut report);
            let lost = (i..=upto).find(|&k| self.chain_at(id, k) != self.committed_at(k).map(|c| c.chain));
            if let Some(k) = lost.filter(|_| held) {
                report(
                    Property::CommittedEntryKept,
                    vec![id],
                    node.current_term,
                    k,
                    format!("S{id} held the committed entry at index {k} and lost it (its log was rewritten from index {from})"),
                );
            }
        }

        // Election Safety: at most one leader per term.
        // (Checked when a node becomes leader, or is leader of a new term.)
        if node.role == Role::Leader && (before.role != Role::Leader || before.term != node.current_term) {
            match self.leaders.get(&node.current_term) {
                Some(&other) if other != id => report(
                    Property::ElectionSafety,
                    vec![other, id],
                    node.current_term,
                    0,
                    format!("S{other} and S{id} were both elected leader of term {}", node.current_term),
                ),
                _ => {
                    self.leaders.insert(node.current_term, id);
                }
            }
            // Leader Completeness: a new leader holds every entry committed in an earlier term. (A
            // leader of an older term can still win late, on votes granted before a newer commit.)
            let t = node.current_term;
            let upto = self.committed.iter().rposition(|c| c.in_term < t).map_or(0, |k| self.base + k as Index + 1);
            self.check_complete(node, upto, &mut report);
        }

        // Committed entries agree everywhere; newly committed ones must be in every later-term leader.
        if node.commit_index > before.commit_index {
            // Where this server's prefix agrees with the committed one at the last index both
            // have, it agrees at every index before (prefix fingerprints): start after it.
            let from = before.commit_index.max(self.base + 1);
            let both =
                node.commit_index.min(self.committed_upto()).min(self.base + self.chains[id as usize].len() as Index);
            let agreed = both >= from && self.chain_at(id, both) == self.committed_at(both).map(|c| c.chain);
            for i in if agreed { both + 1 } else { from }..=node.commit_index {
                let Some(h) = self.chain_at(id, i) else { break };
                // The entry's term goes only into a report or a newly committed index (most
                // indices were committed by another server already): looked up only then.
                let term = || node.log.term(i).unwrap_or(0);
                match self.committed_at(i) {
                    Some(c) if c.chain != h => report(
                        Property::StateMachineSafety,
                        vec![id],
                        term(),
                        i,
                        format!("S{id} committed a different entry at index {i} than was committed before"),
                    ),
                    Some(_) => {}
                    None if i == self.committed_upto() + 1 => {
                        self.committed.push(Committed { chain: h, term: term(), in_term: node.current_term })
                    }
                    None => {}
                }
            }
            if node.role == Role::Leader {
                let upto = node.commit_index;
                for other in others.clone().filter(|o| o.role == Role::Leader && o.current_term > node.current_term) {
                    self.check_complete(other, upto, &mut report);
                }
            }
        }

        // State Machine Safety: no two servers apply different entries at the same index.
        if node.last_applied > before.last_applied {
            for i in (before.last_applied + 1).max(self.base + 1)..=node.last_applied {
                let Some(e) = node.log.get(i) else { continue };
                let h = self.entry_hash_at(id, i, e);
                let k = self.at(i).expect("above the base");
                match self.applied.get(k) {
                    Some(&(a, first)) if a != h => report(
                        Property::StateMachineSafety,
                        vec![first, id],
                        e.term,
                        i,
                        format!(
                            "S{id} applied {} (term {}) at index {i}, but S{first} applied a different entry there",
                            e.data, e.term
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        if self.applied.len() == k {
                            self.applied.push((h, id));
                        }
                    }
                }
            }
        }
    }

    /// A snapshot covers a committed prefix, so its part of the chain is the committed chain; the
    /// snapshot's last entry must be the committed one at its index.
    fn resnapshot(&mut self, node: &Node, report: &mut impl FnMut(Property, Vec<NodeId>, Term, Index, String)) {
        let s = &node.snapshot;
        let upto = s.last_index;
        let term_there = if upto == self.base { Some(self.base_term) } else { self.committed_at(upto).map(|c| c.term) };
        match term_there {
            _ if upto == 0 || upto < self.base => {}
            Some(t) if t == s.last_term => {}
            _ => report(
                Property::StateMachineSafety,
                vec![node.id],
                s.last_term,
                s.last_index,
                format!(
                    "S{} holds a snapshot through index {} (term {}) that is not the committed prefix (committed through {}, term there {:?})",
                    node.id,
                    s.last_index,
                    s.last_term,
                    self.committed_upto(),
                    term_there
                ),
            ),
        }
        let n = upto.saturating_sub(self.base) as usize;
        let chain = &mut self.chains[node.id as usize];
        chain.clear();
        for c in self.committed.iter().take(n) {
            chain.push(Link { chain: c.chain, entry: UNHASHED });
        }
        if chain.len() == n {
            self.rechain(node, s.last_index + 1, report);
        }
    }

    /// Recompute `node`'s prefix fingerprints from `from` on and check Log Matching for each.
    fn rechain(
        &mut self,
        node: &Node,
        from: Index,
        report: &mut impl FnMut(Property, Vec<NodeId>, Term, Index, String),
    ) {
        // The chain is extended in place; the tables it is checked against are other fields.
        let (base, base_chain) = (self.base, self.base_chain);
        let chain = &mut self.chains[node.id as usize];
        // Never skip entries the checker has not fingerprinted yet.
        let from = from.max(base + 1).min(base + chain.len() as Index + 1);
        chain.truncate((from - base - 1) as usize);
        let mut prev = chain.last().map_or(if base > 0 { base_chain } else { 0 }, |l| l.chain);
        let last = node.log.last_index();
        // The usual rewrite is one entry appended: linked without the loop (whose set-up, for one
        // pass, cost as much as the link).
        if from == last {
            if let Some(e) = node.log.get(from) {
                link(&mut self.seen, chain, prev, base, from, e, node.id, report);
                return;
            }
        }
        for i in from..=last {
            let Some(e) = node.log.get(i) else {
                // Compacted away on this server: it was committed, so the committed chain stands in.
                let Some(h) = self.committed.get((i - base - 1) as usize).map(|c| c.chain) else { break };
                prev = h;
                chain.push(Link { chain: h, entry: UNHASHED });
                continue;
            };
            prev = link(&mut self.seen, chain, prev, base, i, e, node.id, report);
        }
    }

    fn check_complete(
        &self,
        leader: &Node,
        upto: Index,
        report: &mut impl FnMut(Property, Vec<NodeId>, Term, Index, String),
    ) {
        let upto = upto.min(self.committed_upto());
        // At or below the base every server holds the committed prefix (in its snapshot).
        if upto <= self.base {
            return;
        }
        let Committed { chain: want, term, .. } = *self.committed_at(upto).expect("committed");
        let have = self.chain_at(leader.id, upto);
        if have != Some(want) {
            report(
                Property::LeaderCompleteness,
                vec![leader.id],
                leader.current_term,
                upto,
                format!(
                    "S{} leads term {} without the committed entries up to index {upto} (term {term})",
                    leader.id, leader.current_term
                ),
            );
        }
    }
}

/// Extend server `id`'s chain (ending in `prev`) with entry `e` at index `i`, and check Log Matching
/// there: the prefix fingerprint it makes (returned) must be the one first seen with its term at
/// that index, if any.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn link(
    seen: &mut SeenTable,
    chain: &mut Chunked<Link>,
    prev: u64,
    base: Index,
    i: Index,
    e: &raft::Entry,
    id: NodeId,
    report: &mut impl FnMut(Property, Vec<NodeId>, Term, Index, String),
) -> u64 {
    let k = (i - base - 1) as usize; // the slot of `i` in the per-index tables
    let entry = entry_hash(e);
    let chained = Digest::of(&[prev, entry]);
    chain.push(Link { chain: chained, entry });
    match seen.get(k, i, e.term) {
        Some((h, other)) if h != chained => report(
            Property::LogMatching,
            vec![other, id],
            e.term,
            i,
            format!(
                "S{other} and S{id} both hold an entry of term {} at index {i}, but their logs differ up to it",
                e.term
            ),
        ),
        Some(_) => {}
        None => seen.insert(k, i, e.term, chained, id),
    }
    chained
}

#[cfg(test)]
mod tests {
    //! Each property fires on a hand-made state that breaks it (so a silent checker fails here).
    use super::*;
    use raft::{Command, Entry, EntryData, Op, Options};

    fn node(id: NodeId, term: Term, role: Role, values: &[(Term, i64)]) -> Node {
        let mut n = Node::new(id, raft::Membership::first_n(3), Options::default());
        n.current_term = term;
        n.role = role;
        for &(t, v) in values {
            n.log.append(Entry {
                term: t,
                data: EntryData::Command(Command { client: 1, seq: v as u32, op: Op::Set { key: b'x', value: v } }),
            });
        }
        n
    }

    fn before(role: Role, term: Term) -> Before {
        Before {
            role,
            term,
            last_index: 0,
            commit_index: 0,
            last_applied: 0,
            voted_for: None,
            config_index: 0,
            snapshot_index: 0,
        }
    }

    fn run(c: &mut Checker, n: &Node, b: Before, from: Option<Index>, others: &[Node]) -> Vec<Property> {
        let mut found = vec![];
        c.after_step(n, b, from, false, others.iter(), |p, _, _, _, _| found.push(p));
        found
    }

    #[test]
    fn election_safety_fires_on_two_leaders_in_one_term() {
        let mut c = Checker::new(3);
        let a = node(1, 3, Role::Leader, &[]);
        let b = node(2, 3, Role::Leader, &[]);
        assert!(run(&mut c, &a, before(Role::Candidate, 3), None, &[]).is_empty());
        assert_eq!(run(&mut c, &b, before(Role::Candidate, 3), None, &[]), vec![Property::ElectionSafety]);
    }

    #[test]
    fn leader_append_only_fires_when_a_leader_rewrites_its_log() {
        let mut c = Checker::new(3);
        let n = node(1, 2, Role::Leader, &[(1, 1), (2, 2)]);
        let b = Before { last_index: 2, ..before(Role::Leader, 2) };
        assert_eq!(run(&mut c, &n, b, Some(2), &[]), vec![Property::LeaderAppendOnly]);
    }

    #[test]
    fn log_matching_fires_on_same_index_and_term_with_different_prefixes() {
        let mut c = Checker::new(3);
        let a = node(1, 2, Role::Follower, &[(1, 1), (2, 5)]);
        let b = node(2, 2, Role::Follower, &[(1, 9), (2, 5)]);
        assert!(run(&mut c, &a, before(Role::Follower, 2), Some(1), &[]).is_empty());
        // Index 1 (term 1, other command) and index 2 (same term 2 entry, different prefix) both clash.
        assert_eq!(run(&mut c, &b, before(Role::Follower, 2), Some(1), &[]), vec![Property::LogMatching; 2]);
    }

    #[test]
    fn state_machine_safety_fires_on_different_entries_applied_at_one_index() {
        let mut c = Checker::new(3);
        let mut a = node(1, 1, Role::Follower, &[(1, 1)]);
        let mut b = node(2, 2, Role::Follower, &[(2, 2)]);
        (a.commit_index, a.last_applied, b.commit_index, b.last_applied) = (1, 1, 1, 1);
        assert!(run(&mut c, &a, before(Role::Follower, 1), Some(1), &[]).is_empty());
        let found = run(&mut c, &b, before(Role::Follower, 2), Some(1), &[]);
        assert!(found.contains(&Property::StateMachineSafety), "{found:?}");
    }

    #[test]
    fn a_leader_of_an_older_term_elected_late_need_not_hold_newer_commits() {
        // Votes for term 2 were granted before the term-3 commit; the term-2 win arrives after it.
        let mut c = Checker::new(3);
        let mut a = node(1, 3, Role::Leader, &[(3, 1)]);
        a.commit_index = 1;
        assert!(run(&mut c, &a, before(Role::Candidate, 3), Some(1), &[]).is_empty());
        let late = node(2, 2, Role::Leader, &[]);
        assert!(run(&mut c, &late, before(Role::Candidate, 2), None, &[]).is_empty());
        // A leader of a later term without it is a violation.
        let bad = node(3, 4, Role::Leader, &[]);
        assert_eq!(run(&mut c, &bad, before(Role::Candidate, 4), None, &[]), vec![Property::LeaderCompleteness]);
    }

    #[test]
    fn leader_completeness_fires_on_a_leader_missing_a_committed_entry() {
        let mut c = Checker::new(3);
        let mut a = node(1, 1, Role::Follower, &[(1, 1), (1, 2)]);
        a.commit_index = 2;
        assert!(run(&mut c, &a, before(Role::Follower, 1), Some(1), &[]).is_empty());
        let b = node(2, 2, Role::Leader, &[(1, 1)]);
        assert_eq!(run(&mut c, &b, before(Role::Candidate, 2), Some(1), &[]), vec![Property::LeaderCompleteness]);
    }

    #[test]
    fn forgetting_a_compacted_prefix_keeps_every_check_above_it() {
        let mut c = Checker::new(4);
        let mut a = node(1, 1, Role::Follower, &[(1, 1), (1, 2), (1, 3), (1, 4)]);
        a.commit_index = 4;
        assert!(run(&mut c, &a, before(Role::Follower, 1), Some(1), &[]).is_empty());
        c.forget_upto(2);
        assert_eq!((c.base, c.committed.len()), (2, 2));
        // A new leader without committed entry 4 (above the base) is still caught…
        let b = node(2, 2, Role::Leader, &[(1, 1), (1, 2), (1, 3)]);
        assert_eq!(run(&mut c, &b, before(Role::Candidate, 2), Some(1), &[]), vec![Property::LeaderCompleteness]);
        // …and so is a log that differs above the base.
        let d = node(3, 2, Role::Follower, &[(1, 1), (1, 2), (1, 9)]);
        assert_eq!(run(&mut c, &d, before(Role::Follower, 2), Some(1), &[]), vec![Property::LogMatching]);
        // Forgetting never goes past what is committed.
        c.forget_upto(100);
        assert_eq!(c.base, 4);
    }

    #[test]
    fn a_server_that_loses_a_committed_entry_is_caught() {
        let mut c = Checker::new(3);
        let mut a = node(1, 1, Role::Follower, &[(1, 1), (1, 2)]);
        a.commit_index = 2;
        assert!(run(&mut c, &a, before(Role::Follower, 1), Some(1), &[]).is_empty());
        // S2 holds both committed entries…
        let mut b = node(2, 1, Role::Follower, &[(1, 1), (1, 2)]);
        assert!(run(&mut c, &b, before(Role::Follower, 1), Some(1), &[]).is_empty());
        // …then truncates the second away (a stale AppendEntries deleting a matching entry).
        b.log.truncate_from(2);
        let b2 = Before { last_index: 2, ..before(Role::Follower, 1) };
        assert_eq!(run(&mut c, &b, b2, Some(2), &[]), vec![Property::CommittedEntryKept]);
        // Truncating an entry that was never the committed one is fine.
        let mut d = node(3, 1, Role::Follower, &[(1, 1), (1, 9)]);
        assert!(run(&mut c, &d, before(Role::Follower, 1), Some(1), &[]).contains(&Property::LogMatching));
        d.log.truncate_from(2);
        assert!(run(&mut c, &d, Before { last_index: 2, ..before(Role::Follower, 1) }, Some(2), &[]).is_empty());
    }

    #[test]
    fn a_rewrite_that_keeps_its_first_entry_but_cuts_off_later_ones_loses_a_committed_entry() {
        // A stale AppendEntries carrying entry 2 with the rule truncate-on-match broken: S2 deletes
        // entries 2 and 3, all committed, and appends entry 2 again. Only index 3 is lost.
        let mut c = Checker::new(3);
        let mut a = node(1, 1, Role::Follower, &[(1, 1), (1, 2), (1, 3)]);
        a.commit_index = 3;
        assert!(run(&mut c, &a, before(Role::Follower, 1), Some(1), &[]).is_empty());
        let mut b = node(2, 1, Role::Follower, &[(1, 1), (1, 2), (1, 3)]);
        assert!(run(&mut c, &b, before(Role::Follower, 1), Some(1), &[]).is_empty());
        b.log.truncate_from(3);
        let b3 = Before { last_index: 3, ..before(Role::Follower, 1) };
        let mut found = vec![];
        c.after_step(&b, b3, Some(2), false, [].iter(), |p, _, _, i, _| found.push((p, i)));
        assert_eq!(found, vec![(Property::CommittedEntryKept, 3)]);
    }

    #[test]
    fn commit_index_and_last_applied_never_go_back() {
        let mut c = Checker::new(3);
        let a = node(1, 1, Role::Follower, &[(1, 1), (1, 2)]);
        let b = Before { last_index: 2, commit_index: 2, last_applied: 2, ..before(Role::Follower, 1) };
        assert_eq!(run(&mut c, &a, b, None, &[]), vec![Property::MonotonicCommit]);
    }
}
