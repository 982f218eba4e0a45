//! Fingerprints of model states: 64-bit hashes over exactly the fields that decide what a server
//! does next, with server ids passed through a renaming so that symmetry reduction can hash a
//! state as if its servers were numbered differently.
//!
//! A server's hash has two parts: the part that names no server (term, log, commit index, role,
//! …: [`idfree`], computed once per server state and cached) and the part that does (votedFor, the
//! leader it knows, the votes it holds, a leader's per-follower progress: [`ids`]), hashed under a
//! renaming. The sort key ([`key`]) is invariant under renaming, so sorting servers by it and
//! trying only the renamings that respect the order gives the same minimum for every state of a
//! symmetry class ([`canonical`]).

use crate::digest::{entry_hash, Digest};
use raft::{Body, Log, Message, Node, NodeId, Persistent, Role, Set, Snapshot};
use std::hash::{Hash, Hasher};

/// The most servers a model has: renamings are arrays indexed by id 0..=MAX_SERVERS.
pub const MAX_SERVERS: usize = 9;

/// A renaming of server ids: `to[old] = new` and `from[new] = old` (index 0 stays 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rename {
    pub to: [NodeId; MAX_SERVERS + 1],
    pub from: [NodeId; MAX_SERVERS + 1],
}

impl Rename {
    pub fn identity() -> Rename {
        let mut to = [0; MAX_SERVERS + 1];
        for (k, x) in to.iter_mut().enumerate() {
            *x = k as NodeId;
        }
        Rename { to, from: to }
    }

    /// The renaming that gives `order[p]` the id `p + 1`.
    pub fn from_order(order: &[NodeId]) -> Rename {
        let mut r = Rename::identity();
        for (p, &old) in order.iter().enumerate() {
            r.to[old as usize] = p as NodeId + 1;
            r.from[p + 1] = old;
        }
        r
    }

    pub fn id(&self, id: NodeId) -> NodeId {
        self.to[id as usize]
    }

    fn opt(&self, id: Option<NodeId>) -> u64 {
        id.map_or(0, |i| self.id(i) as u64)
    }

    pub fn set(&self, s: Set) -> u64 {
        s.iter().fold(0u64, |acc, id| acc | 1 << self.id(id))
    }
}

/// A `std::hash::Hasher` over [`Digest`], for the few fields (a snapshot's state machine) that
/// only derive `Hash`.
struct DigestHasher(Digest);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0 .0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.bytes(bytes);
    }
    fn write_u64(&mut self, v: u64) {
        self.0.u64(v);
    }
}

fn log(d: &mut Digest, log: &Log) {
    d.u64(log.offset());
    d.u64(log.term(log.offset()).unwrap_or(0));
    d.u64(log.len() as u64);
    for e in log.entries() {
        d.u64(entry_hash(e));
    }
}

fn snapshot(d: &mut Digest, s: &Snapshot) {
    d.u64(s.last_index);
    d.u64(s.last_term);
    if s.last_index > 0 {
        let mut h = DigestHasher(Digest::default());
        s.state.hash(&mut h);
        d.u64(h.finish());
    }
}

/// The bootstrap configuration. The model has no membership changes, so every server's is {S1, …,
/// Sn}, which every renaming keeps: it is hashed as it is.
fn config(d: &mut Digest, s: &Snapshot) {
    let c = &s.config;
    d.u64(c.voters.0);
    d.u64(c.outgoing.0);
    d.u64(c.learners.0);
    d.u64(c.leaving.0);
}

/// Has the server heard from a current leader within the minimum election timeout (the core's
/// lease, as it will see it at `now`)? The model's clock moves on by exactly that timeout at each
/// election timeout, so this is all a state needs to say about time.
pub fn in_lease(n: &Node, now: u64) -> bool {
    n.role == Role::Leader
        || (n.leader_id.is_some()
            && n.last_leader_contact.is_some_and(|t| now.saturating_sub(t) < n.opts.election_timeout_min))
}

/// Everything about a live server that names no server. `lease`: include the lease (only when the
/// vote lease or PreVote consults it).
pub fn idfree(n: &Node, lease: bool, now: u64) -> u64 {
    let mut d = Digest::default();
    d.u64(1);
    d.u64(n.current_term);
    log(&mut d, &n.log);
    snapshot(&mut d, &n.snapshot);
    config(&mut d, &n.snapshot);
    d.u64(n.commit_index);
    d.u64(n.last_applied);
    d.u64(n.role as u64);
    d.u64(n.ctx);
    if lease {
        d.u64(in_lease(n, now) as u64);
    }
    if n.role == Role::Leader {
        d.u64(n.reads.len() as u64);
        for r in &n.reads {
            d.u64(crate::digest::op_hash(&r.cmd.op));
            d.u64((r.cmd.client as u64) << 32 | r.cmd.seq as u64);
            d.u64(r.read_index);
            d.u64(r.ctx);
        }
    }
    d.0
}

/// Everything about a crashed server that names no server: what it persisted.
pub fn idfree_down(p: &Persistent) -> u64 {
    let mut d = Digest::default();
    d.u64(2);
    d.u64(p.current_term);
    log(&mut d, &p.log);
    snapshot(&mut d, &p.snapshot);
    config(&mut d, &p.snapshot);
    d.0
}

/// The part of a live server's state that names servers, under the renaming `r`. `n` servers.
/// Votes matter only to (pre-)candidates and progress only to leaders (both are reset before use).
pub fn ids(d: &mut Digest, node: &Node, r: &Rename, n: usize) {
    d.u64(r.opt(node.voted_for));
    d.u64(r.opt(node.leader_id));
    match node.role {
        Role::Candidate | Role::PreCandidate => {
            d.u64(r.set(node.votes));
            d.u64(r.set(node.rejections));
        }
        Role::Leader => {
            for new in 1..=n {
                let p = &node.progress[r.from[new] as usize];
                d.u64(p.next_index);
                d.u64(p.match_index);
                let lasts = p.inflight.lasts();
                d.u64(p.state as u64 | (p.paused as u64) << 8 | (p.acked as u64) << 9 | (lasts.len() as u64) << 10);
                for &last in lasts {
                    d.u64(last);
                }
            }
            if node.opts.check_quorum {
                d.u64(r.set(node.recent_active));
            }
            d.u64(r.opt(node.transferee));
            d.u64(r.set(node.promote));
            d.u64(r.set(node.notify));
            for read in &node.reads {
                d.u64(r.set(read.acks));
            }
        }
        Role::Follower => {}
    }
}

/// The part of a crashed server's state that names servers.
pub fn ids_down(d: &mut Digest, p: &Persistent, r: &Rename) {
    d.u64(r.opt(p.voted_for));
}

/// A sort key for a server that is the same however the servers are numbered.
pub fn key(idfree: u64, id: NodeId, voted_for: Option<NodeId>, live: Option<&Node>) -> u64 {
    let mut d = Digest::default();
    d.u64(idfree);
    d.u64(match voted_for {
        None => 0,
        Some(v) if v == id => 1,
        Some(_) => 2,
    });
    if let Some(n) = live {
        d.u64(n.leader_id.is_some() as u64);
        if matches!(n.role, Role::Candidate | Role::PreCandidate) {
            d.u64(n.votes.len() as u64);
            d.u64(n.rejections.len() as u64);
        }
    }
    d.0
}

/// What a message says apart from its sender and receiver (who are renamed separately).
pub fn body(m: &Message) -> u64 {
    let mut d = Digest::default();
    d.u64(m.term);
    match &m.body {
        Body::RequestVote { last_log_index, last_log_term, pre_vote, transfer } => {
            d.u64(1);
            d.u64(*last_log_index);
            d.u64(*last_log_term);
            d.u64(*pre_vote as u64 | (*transfer as u64) << 1);
        }
        Body::RequestVoteReply { granted, pre_vote } => {
            d.u64(2);
            d.u64(*granted as u64 | (*pre_vote as u64) << 1);
        }
        Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, ctx } => {
            d.u64(3);
            d.u64(*prev_log_index);
            d.u64(*prev_log_term);
            d.u64(*leader_commit);
            d.u64(*ctx);
            d.u64(entries.len() as u64);
            for e in entries {
                d.u64(entry_hash(e));
            }
        }
        Body::AppendEntriesReply { success, index, hint, ctx, commit } => {
            d.u64(4);
            d.u64(*success as u64);
            d.u64(*index);
            match hint {
                None => d.u64(0),
                Some((t, first)) => {
                    d.u64(1 + t.map_or(0, |t| t + 1));
                    d.u64(*first);
                }
            }
            d.u64(*ctx);
            d.u64(*commit);
        }
        Body::InstallSnapshot { snapshot: s } => {
            d.u64(5);
            snapshot(&mut d, s);
            d.u64(s.config.voters.0);
        }
        Body::InstallSnapshotReply { last_index } => {
            d.u64(6);
            d.u64(*last_index);
        }
        Body::TimeoutNow => d.u64(7),
    }
    d.0
}

/// A message in flight under a renaming: summed over the wire, this is a hash of the multiset of
/// messages (the order they were sent in is not part of a state).
pub fn flight(body: u64, from: NodeId, to: NodeId, r: &Rename) -> u64 {
    Digest::of(&[body, (r.id(from) as u64) << 16 | r.id(to) as u64])
}

/// The leader of each term so far (the checker's memory), under a renaming: a sum over terms.
pub fn leaders(leaders: impl Iterator<Item = (u64, NodeId)>, r: &Rename) -> u64 {
    leaders.fold(0u64, |acc, (t, id)| acc.wrapping_add(Digest::of(&[t, 0x1ead, r.id(id) as u64])))
}

/// Every renaming that sorts the servers by `keys` (`keys[k]` is server k+1's): one if the keys
/// differ, all orders of the tied servers otherwise. Calls `each` with each renaming.
pub fn orders(keys: &[u64], mut each: impl FnMut(&Rename)) {
    let n = keys.len();
    let mut buf = [0 as NodeId; MAX_SERVERS];
    let order = &mut buf[..n];
    for (k, id) in order.iter_mut().enumerate() {
        *id = k as NodeId + 1;
    }
    order.sort_unstable_by_key(|&id| (keys[id as usize - 1], id));
    // Tie groups: [start, end) ranges of equal keys; every permutation within each.
    let mut groups = [(0, 0); MAX_SERVERS];
    let (mut count, mut start) = (0, 0);
    for k in 1..=n {
        if k == n || keys[order[k] as usize - 1] != keys[order[start] as usize - 1] {
            if k - start > 1 {
                groups[count] = (start, k);
                count += 1;
            }
            start = k;
        }
    }
    if count == 0 {
        return each(&Rename::from_order(order));
    }
    permute_groups(order, &groups[..count], &mut each);
}

fn permute_groups(order: &mut [NodeId], groups: &[(usize, usize)], each: &mut impl FnMut(&Rename)) {
    let Some((&(start, end), rest)) = groups.split_first() else {
        each(&Rename::from_order(order));
        return;
    };
    permute(order, start, end, &mut |o: &mut [NodeId]| permute_groups(o, rest, each));
}

/// Every arrangement of `order[from..end]` (the rest fixed), by swaps; restores the order after.
fn permute(order: &mut [NodeId], from: usize, end: usize, f: &mut impl FnMut(&mut [NodeId])) {
    if end - from <= 1 {
        f(order);
        return;
    }
    for k in from..end {
        order.swap(from, k);
        permute(order, from + 1, end, f);
        order.swap(from, k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_respect_the_keys_and_try_every_order_of_ties() {
        let mut seen = Vec::new();
        orders(&[5, 1, 5, 3], |r| seen.push(r.from[1..=4].to_vec()));
        // S2 (key 1) first, S4 (key 3) second, then S1 and S3 (key 5) both ways.
        assert_eq!(seen, vec![vec![2, 4, 1, 3], vec![2, 4, 3, 1]]);
        let mut count = 0;
        orders(&[7, 7, 7], |r| {
            count += 1;
            for old in 1..=3 {
                assert_eq!(r.from[r.to[old] as usize], old as NodeId);
            }
        });
        assert_eq!(count, 6);
    }
}

/// A message's hash as sent (what [`flight`] gives it unrenamed).
pub fn message(m: &Message) -> u64 {
    flight(body(m), m.from, m.to, &Rename::identity())
}
