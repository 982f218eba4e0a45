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
        self.last_index()
    }

    /// Delete the entry at `index` and all that follow it (Figure 2, AppendEntries step 3).
    pub fn truncate_from(&mut self, index: Index) {
        debug_assert!(index > self.offset, "cannot truncate into the compacted prefix");
        self.entries.truncate((index - self.offset - 1) as usize);
    }

    /// Log compaction (§7): drop every entry up to `index` (which had `term`); the rest stay.
    pub fn compact_to(&mut self, index: Index, term: Term) {
        if index <= self.offset {
            return;
        }
        let n = ((index - self.offset) as usize).min(self.entries.len());
        self.entries.drop_front(n);
        self.offset = index;
        self.offset_term = term;
    }

    /// Discard the whole log: it now starts after a snapshot ending at (`index`, `term`).
    pub fn reset_to(&mut self, index: Index, term: Term) {
        self.entries.clear();
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
