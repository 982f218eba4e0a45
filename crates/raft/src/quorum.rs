//! Majority math over sets of servers, kept apart from the protocol so that joint consensus
//! (§6: separate majorities of C_old and C_new) is a change to this file only.

use crate::types::{Index, NodeId};

/// A set of server ids as a bitmask (ids 1..=63).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Set(pub u64);

impl Set {
    pub const EMPTY: Set = Set(0);

    /// The set {1, …, n}.
    pub fn first_n(n: u32) -> Set {
        Set(((1u128 << (n + 1)) - 2) as u64)
    }
    pub fn contains(self, id: NodeId) -> bool {
        id < 64 && self.0 & (1 << id) != 0
    }
    pub fn insert(&mut self, id: NodeId) {
        self.0 |= 1 << id;
    }
    pub fn remove(&mut self, id: NodeId) {
        self.0 &= !(1 << id);
    }
    pub fn len(self) -> u32 {
        self.0.count_ones()
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        (1..64).filter(move |&i| self.0 & (1 << i) != 0)
    }
    /// A strict majority of this set is in `votes`.
    pub fn has_majority(self, votes: Set) -> bool {
        (self.0 & votes.0).count_ones() * 2 > self.len()
    }
    /// The highest index that a majority of this set has reached, given each member's match index:
    /// sort the members' indices descending and take the (n/2+1)-th (§5.3 commit rule).
    pub fn committed_index(self, match_index: impl Fn(NodeId) -> Index) -> Index {
        let mut v = [0 as Index; 64];
        let mut n = 0;
        for id in self.iter() {
            v[n] = match_index(id);
            n += 1;
        }
        if n == 0 {
            return Index::MAX;
        }
        let v = &mut v[..n];
        v.sort_unstable_by(|a, b| b.cmp(a));
        v[n / 2]
    }
}
