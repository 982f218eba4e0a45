//! The replicated log. Indices start at 1; `entries[0]` holds index `offset + 1`, so a compacted
//! prefix (§7) only moves `offset`. Appends are amortized O(1) and nothing here copies the log; the
//! entries sit in shared chunks ([`Chunked`]), so a clone of a server (a checkpoint) is cheap.

use crate::chunked::Chunked;
use crate::types::{Entry, Index, Term};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    entries: Chunked<Entry>,
    /// Index of the last entry discarded by compaction (0: none).
    offset: Index,
    /// Term of the entry at `offset`.
    offset_term: Term,
    /// A fingerprint of the stored entries with their indices (a wrapping sum, kept up to date
    /// as entries come and go), so two logs compare in O(1): see [`Log::same_as`].
    fingerprint: u64,
}

/// A well-mixed 64-bit value of an entry at an index. Each field goes in with one multiply and
/// fold (for a fixed state a bijection in the field, so two entries that differ at the same index
/// always differ here), and one splitmix64 finalizer spreads the result: every entry a server
/// writes is mixed twice (its log and its stable storage's copy), so this is cheaper than a full
/// splitmix64 round per field (a command: ~80 instructions with five rounds, ~55 now).
#[inline]
fn mix(index: Index, e: &Entry) -> u64 {
    use crate::types::{EntryData, Op};
    let fold = |h: u64, v: u64| {
        let z = (h ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z ^ (z >> 32)
    };
    let mut h = fold(fold(0x243F_6A88_85A3_08D3, index), e.term);
    h = match e.data {
        EntryData::Noop => fold(h, 1),
        EntryData::Command(c) => {
            let op = match c.op {
                Op::Set { key, value } => fold(fold(h, 2 | (key as u64) << 8), value as u64),
                Op::Get { key } => fold(h, 3 | (key as u64) << 8),
                Op::Add { key, delta } => fold(fold(h, 4 | (key as u64) << 8), delta as u64),
            };
            fold(op, (c.client as u64) << 32 | c.seq as u64)
        }
        EntryData::Config(m) => fold(fold(fold(fold(h, 5), m.voters.0), m.outgoing.0), m.learners.0),
    };
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn last_index(&self) -> Index {
        self.offset + self.entries.len() as Index
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.offset_term, |e| e.term)
    }

    /// The first index still stored as an entry.
    pub fn first_index(&self) -> Index {
        self.offset + 1
    }

    /// The term of the entry at `index`: `Some(0)` for index 0, `None` past the end or inside the
    /// compacted prefix.
    pub fn term(&self, index: Index) -> Option<Term> {
        if index == self.offset {
            return Some(self.offset_term);
        }
        self.get(index).map(|e| e.term)
    }

    pub fn get(&self, index: Index) -> Option<&Entry> {
        if index <= self.offset {
            return None;
        }
        self.entries.get((index - self.offset - 1) as usize)
    }

    /// Entries from `from` (inclusive) on, at most `max` of them.
    pub fn slice(&self, from: Index, max: usize) -> impl DoubleEndedIterator<Item = &Entry> + ExactSizeIterator + '_ {
        let start = if from <= self.offset || from > self.last_index() {
            self.entries.len()
        } else {
            (from - self.offset - 1) as usize
        };
        self.entries.iter_from(start).take(max)
    }

    /// All stored entries, first to last.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Entry> + ExactSizeIterator + '_ {
        self.entries.iter()
    }

    /// How many entries are stored (the log's length past its compacted prefix).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The storage chunks (address, bytes), for counting memory shared between clones.
    pub fn chunks(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.entries.chunks()
    }

    pub fn append(&mut self, entry: Entry) -> Index {
        self.entries.push(entry);
        let index = self.last_index();
        self.fingerprint = self.fingerprint.wrapping_add(mix(index, &entry));
        index
    }

    /// Share `other`'s storage where it holds the same entries at the same indices (see
    /// [`Chunked::share_with`]): a server's stored log and its log in memory, after a write.
    #[inline]
    pub fn share_chunks_with(&mut self, other: &Log) {
        if self.offset == other.offset {
            self.entries.share_with(&other.entries);
        }
    }

    /// Append `entry`, which `like` holds at the same index: as [`Log::append`], and once the
    /// entry fills a chunk, share `like`'s copy of it (see [`Log::share_chunks_with`]). The
    /// synchronous disk's usual write; the test for a full chunk is all it adds to the append.
    #[inline]
    pub fn append_like(&mut self, entry: Entry, like: &Log) -> Index {
        let index = self.append(entry);
        if self.entries.just_sealed() {
            self.share_chunks_with(like);
        }
        index
    }

    /// Does this log share its `k`-th full chunk of entries with `other`'s? For tests.
    pub fn shares_chunk(&self, other: &Log, k: usize) -> bool {
        self.entries.shares_chunk(&other.entries, k)
    }

    /// Do the two logs hold the same entries at the same indices after the same compacted prefix?
    /// O(1), by fingerprint (a collision needs a 64-bit coincidence).
    pub fn same_as(&self, other: &Log) -> bool {
        (self.offset, self.offset_term, self.entries.len(), self.fingerprint)
            == (other.offset, other.offset_term, other.entries.len(), other.fingerprint)
    }

    /// Forget the entries from position `k` of `entries` on, keeping the fingerprint in step.
    fn forget_from(&mut self, k: usize) {
        let first = self.first_index();
        for (j, e) in self.entries.iter_from(k).enumerate() {
            self.fingerprint = self.fingerprint.wrapping_sub(mix(first + (k + j) as Index, e));
        }
        self.entries.truncate(k);
    }

    /// Delete the entry at `index` and all that follow it (Figure 2, AppendEntries step 3).
    pub fn truncate_from(&mut self, index: Index) {
        debug_assert!(index > self.offset, "cannot truncate into the compacted prefix");
        self.forget_from((index - self.offset - 1) as usize);
    }

    /// Log compaction (§7): drop every entry up to `index` (which had `term`); the rest stay.
    pub fn compact_to(&mut self, index: Index, term: Term) {
        if index <= self.offset {
            return;
        }
        let n = ((index - self.offset) as usize).min(self.entries.len());
        let first = self.first_index();
        for (j, e) in self.entries.iter().take(n).enumerate() {
            self.fingerprint = self.fingerprint.wrapping_sub(mix(first + j as Index, e));
        }
        self.entries.drop_front(n);
        self.offset = index;
        self.offset_term = term;
    }

    /// Discard the whole log: it now starts after a snapshot ending at (`index`, `term`).
    pub fn reset_to(&mut self, index: Index, term: Term) {
        self.entries.clear();
        self.fingerprint = 0;
        self.offset = index;
        self.offset_term = term;
    }

    /// The index the log starts after (the last index covered by a snapshot; 0 if none).
    pub fn offset(&self) -> Index {
        self.offset
    }

    /// §5.4.1: is a log ending at (`last_index`, `last_term`) at least as up-to-date as this one?
    /// The later last term wins; with equal last terms the longer log wins.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        last_term > self.last_term() || (last_term == self.last_term() && last_index >= self.last_index())
    }

    /// The first index holding an entry of `term`, searching back from `from` (the §5.3 hint).
    pub fn first_index_of_term(&self, term: Term, from: Index) -> Index {
        let mut i = from;
        while i > self.first_index() && self.term(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// The last index holding an entry of `term`, if this log has any (the leader's side of the hint).
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        // Terms never decrease along a log, so a binary search finds the boundary.
        let n = self.entries.partition_point(|e| e.term <= term);
        if n > 0 && self.entries[n - 1].term == term {
            Some(self.offset + n as Index)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Command, EntryData, Op};

    fn entry(term: Term, v: i64) -> Entry {
        Entry {
            term,
            data: EntryData::Command(Command { client: 1, seq: v as u32, op: Op::Set { key: b'x', value: v } }),
        }
    }

    #[test]
    fn the_fingerprint_follows_every_change() {
        let (mut a, mut b) = (Log::new(), Log::new());
        let mut x = 99u64;
        let mut rnd = |m: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        for step in 0..5_000 {
            // `a` changes by every operation; `b` is rebuilt from scratch to the same contents.
            match rnd(10) {
                0 if a.len() > 2 => a.truncate_from(a.first_index() + rnd(a.len() as u64)),
                1 if a.len() > 4 => {
                    let i = a.first_index() + rnd(a.len() as u64 / 2);
                    let t = a.term(i).unwrap();
                    a.compact_to(i, t);
                }
                2 if step % 500 == 0 => a.reset_to(a.last_index() + 3, a.last_term() + 1),
                _ => {
                    let t = a.last_term() + rnd(2);
                    a.append(entry(t, step));
                }
            }
            b.reset_to(a.offset(), a.term(a.offset()).unwrap());
            for e in a.entries() {
                b.append(*e);
            }
            assert!(a.same_as(&b) && a == b, "step {step}");
        }
        // A different entry at the same index differs.
        let mut c = b.clone();
        let last = c.last_index();
        c.truncate_from(last);
        c.append(entry(c.last_term() + 5, 1));
        assert!(!c.same_as(&b));
    }
}
