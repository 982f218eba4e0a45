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
    /// The members in increasing order (one step per member, not per possible id).
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        let mut bits = self.0 & !1;
        core::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros();
                bits &= bits - 1;
                i
            })
        })
    }
    /// A strict majority of this set is in `votes`.
    pub fn has_majority(self, votes: Set) -> bool {
        (self.0 & votes.0).count_ones() * 2 > self.len()
    }
    /// The highest index that a majority of this set has reached, given each member's match index:
    /// the (n/2+1)-th largest of the members' indices (§5.3 commit rule): for up to eight members
    /// by insertion into a sorted buffer, for more by selection in O(n) (no sort of 51 indices).
    pub fn committed_index(self, match_index: &impl Fn(NodeId) -> Index) -> Index {
        // A buffer as small as the usual handful of servers allows (zeroing all 64 slots for five
        // servers cost more than the selection), sorted by insertion: for so few, cheaper than
        // the library's selection, and no popcount to ask the size first.
        let mut v = [0 as Index; 8];
        let mut n = 0;
        for id in self.iter() {
            if n == v.len() {
                return self.committed_index_of_many(match_index);
            }
            let m = match_index(id);
            let mut j = n;
            while j > 0 && v[j - 1] < m {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = m;
            n += 1;
        }
        if n == 0 {
            return Index::MAX;
        }
        v[n / 2]
    }

    /// Is [`Set::committed_index`] above `index`? As a count, without the selection: the
    /// (n/2+1)-th largest match index is above `index` exactly when a majority's are (an empty
    /// set's is `Index::MAX`).
    pub fn committed_above(self, index: Index, match_index: &impl Fn(NodeId) -> Index) -> bool {
        // The members counted in the same loop: `len` (a popcount) is ~20 instructions on the
        // baseline x86-64 target, which has no popcount instruction, and this runs at every
        // acknowledgement.
        let (mut members, mut above) = (0u32, 0u32);
        for id in self.iter() {
            members += 1;
            above += (match_index(id) > index) as u32;
        }
        members == 0 || above * 2 > members
    }

    /// [`Set::committed_index`] of more than eight members: by selection, in O(n).
    fn committed_index_of_many(self, match_index: &impl Fn(NodeId) -> Index) -> Index {
        let mut v = [0 as Index; 64];
        let mut n = 0;
        for id in self.iter() {
            v[n] = match_index(id);
            n += 1;
        }
        let v = &mut v[..n];
        *v.select_nth_unstable_by(n / 2, |a, b| b.cmp(a)).1
    }
}

/// A cluster configuration (§6). Outside a change, `outgoing` is empty and `voters` decide alone.
/// During joint consensus (C_old,new) `outgoing` is C_old and `voters` is C_new: every election and
/// every commit needs a majority of each. Learners receive the log but never vote (thesis §4.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Membership {
    pub voters: Set,
    pub outgoing: Set,
    pub learners: Set,
    /// Voters that leave in the joint step that promotes the learners (a change of several
    /// servers at once waits for its new servers to catch up first).
    pub leaving: Set,
}

impl Membership {
    /// The bootstrap configuration {1, …, n}.
    pub fn first_n(n: u32) -> Membership {
        Membership { voters: Set::first_n(n), ..Membership::default() }
    }
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }
    /// Votes in the current configuration(s): C_new, and C_old while joint.
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(id) || self.outgoing.contains(id)
    }
    /// Everyone the leader replicates to.
    pub fn members(&self) -> Set {
        Set(self.voters.0 | self.outgoing.0 | self.learners.0)
    }
    /// Everyone who votes.
    pub fn all_voters(&self) -> Set {
        Set(self.voters.0 | self.outgoing.0)
    }
    /// `votes` holds a majority of C_new and, while joint, of C_old too.
    pub fn has_quorum(&self, votes: Set) -> bool {
        self.voters.has_majority(votes) && (!self.is_joint() || self.outgoing.has_majority(votes))
    }
    /// Is [`Membership::committed_index`] above `index`? (Cheaper: a count per configuration.)
    pub fn committed_above(&self, index: Index, match_index: impl Fn(NodeId) -> Index) -> bool {
        self.voters.committed_above(index, &match_index)
            && (!self.is_joint() || self.outgoing.committed_above(index, &match_index))
    }
    /// The highest index replicated on a quorum (of both configurations while joint).
    pub fn committed_index(&self, match_index: impl Fn(NodeId) -> Index) -> Index {
        let new = self.voters.committed_index(&match_index);
        if self.is_joint() {
            new.min(self.outgoing.committed_index(&match_index))
        } else {
            new
        }
    }
}

impl core::fmt::Display for Set {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("{")?;
        for (k, id) in self.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            write!(f, "S{id}")?;
        }
        f.write_str("}")
    }
}

impl core::fmt::Display for Membership {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_joint() {
            write!(f, "C_old,new {} → {}", self.outgoing, self.voters)?;
        } else {
            write!(f, "C {}", self.voters)?;
        }
        if !self.learners.is_empty() {
            write!(f, " + learners {}", self.learners)?;
        }
        if !self.leaving.is_empty() {
            write!(f, " (then without {})", self.leaving)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn committed_index_is_the_majority_th_largest_match_index() {
        let mut x = 12345u64;
        for n in 1..=51u32 {
            for _ in 0..20 {
                let m: Vec<Index> = (0..=n as usize)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (x >> 58) as Index
                    })
                    .collect();
                let set = Set::first_n(n);
                let mut sorted: Vec<Index> = set.iter().map(|id| m[id as usize]).collect();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                assert_eq!(set.committed_index(&|id| m[id as usize]), sorted[n as usize / 2]);
                // A majority has at least that index; no larger index has a majority.
                let c = set.committed_index(&|id| m[id as usize]);
                assert!(set.iter().filter(|&id| m[id as usize] >= c).count() * 2 > n as usize);
                for index in [0, c.saturating_sub(1), c, c + 1, 63] {
                    assert_eq!(set.committed_above(index, &|id| m[id as usize]), c > index);
                }
            }
        }
        assert_eq!(Set::EMPTY.committed_index(&|_| 3), Index::MAX);
        assert!(Set::EMPTY.committed_above(Index::MAX - 1, &|_| 3));
    }
}
