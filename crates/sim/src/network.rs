//! The network model: latency range, loss, duplication, reordering, partitions and cut links —
//! and, with the network's dials, how long the servers' disks take to make a write durable.

use raft::NodeId;

/// Per-message behaviour. Probabilities are in parts per million so that every draw is integer math.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetConfig {
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    /// Chance a message is lost in transit.
    pub drop_ppm: u32,
    /// Chance a message is delivered twice (the copy has its own latency).
    pub duplicate_ppm: u32,
    /// Chance a message is held back by up to 3× the maximum latency, so it overtakes nothing but is
    /// overtaken by later ones.
    pub reorder_ppm: u32,
    /// How long a server's disk takes to make a write durable (0: at once, before anything else
    /// happens). Not the network, but a dial of the same kind: the environment the servers run
    /// in, changed live like the others ([`crate::disk`]).
    pub fsync_us: u64,
}

impl Default for NetConfig {
    /// RaftScope's timings: 10–15 ms per message, a perfect network.
    fn default() -> Self {
        NetConfig {
            latency_min_us: 10_000,
            latency_max_us: 15_000,
            drop_ppm: 0,
            duplicate_ppm: 0,
            reorder_ppm: 0,
            fsync_us: 0,
        }
    }
}

impl NetConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_min_us == 0 || self.latency_min_us > self.latency_max_us {
            return Err(format!(
                "latency range {}..{} µs: need 0 < min ≤ max",
                self.latency_min_us, self.latency_max_us
            ));
        }
        if self.latency_max_us > 10_000_000 {
            return Err("latency above 10 s is not supported".into());
        }
        if self.fsync_us > 10_000_000 {
            return Err("fsync above 10 s is not supported".into());
        }
        for (name, p) in [("drop", self.drop_ppm), ("duplicate", self.duplicate_ppm), ("reorder", self.reorder_ppm)] {
            if p > 1_000_000 {
                return Err(format!("{name} probability {p} ppm is above 100%"));
            }
        }
        Ok(())
    }
}

/// Who can talk to whom. Servers talk only inside their partition group, and not over a cut link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    /// Partition group of each server (index = id); all 0 when healed.
    pub group: Vec<u32>,
    /// Cut links, as (low id, high id): both directions are cut.
    pub cut: Links,
    /// One-way cuts, as (from, to): messages that way are lost, the other way flows.
    pub one_way: Links,
}

/// A set of links, sorted: what a `BTreeSet<(NodeId, NodeId)>` did here, as a sorted `Vec` (a
/// handful of links at most; the B-tree's code for this one key type was ~7 KB of the page's wasm).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Links(Vec<(NodeId, NodeId)>);

impl Links {
    pub fn contains(&self, link: &(NodeId, NodeId)) -> bool {
        self.0.binary_search(link).is_ok()
    }

    pub fn insert(&mut self, link: (NodeId, NodeId)) {
        if let Err(at) = self.0.binary_search(&link) {
            self.0.insert(at, link);
        }
    }

    pub fn remove(&mut self, link: &(NodeId, NodeId)) {
        if let Ok(at) = self.0.binary_search(link) {
            self.0.remove(at);
        }
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// In order.
    pub fn iter(&self) -> std::slice::Iter<'_, (NodeId, NodeId)> {
        self.0.iter()
    }
}

impl std::fmt::Debug for Links {
    /// As the `BTreeSet` printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

impl Topology {
    pub fn new(max_id: NodeId) -> Self {
        Topology { group: vec![0; max_id as usize + 1], cut: Links::default(), one_way: Links::default() }
    }

    /// Can a message from `a` reach `b`? (Asked twice per message, when sent and when it arrives:
    /// inlined, it is a few comparisons unless some link is cut.)
    #[inline]
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        a == b
            || (self.group[a as usize] == self.group[b as usize]
                && ((self.cut.is_empty() && self.one_way.is_empty()) || self.link_up(a, b)))
    }

    /// Is the link from `a` to `b` cut neither both ways nor one way?
    #[inline(never)]
    fn link_up(&self, a: NodeId, b: NodeId) -> bool {
        !self.cut.contains(&pair(a, b)) && !self.one_way.contains(&(a, b))
    }

    pub fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.cut.clear();
        self.one_way.clear();
    }

    /// Put `server` in a group of its own.
    pub fn isolate(&mut self, server: NodeId) {
        let fresh = self.group.iter().copied().max().unwrap_or(0) + 1;
        self.group[server as usize] = fresh;
    }

    /// Each listed group becomes a partition; servers not listed form one more group together.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.group.iter_mut().for_each(|g| *g = 0);
        for (k, members) in groups.iter().enumerate() {
            for &m in members {
                self.group[m as usize] = k as u32 + 1;
            }
        }
    }

    pub fn set_one_way(&mut self, from: NodeId, to: NodeId, up: bool) {
        if up {
            self.one_way.remove(&(from, to));
        } else {
            self.one_way.insert((from, to));
        }
    }

    /// Cut or repair both directions (a repair also ends one-way cuts between the two).
    pub fn set_link(&mut self, a: NodeId, b: NodeId, up: bool) {
        if up {
            self.cut.remove(&pair(a, b));
            self.one_way.remove(&(a, b));
            self.one_way.remove(&(b, a));
        } else {
            self.cut.insert(pair(a, b));
        }
    }
}

pub fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}
