//! What a leader knows about each follower (Figure 2: nextIndex[], matchIndex[]).

use crate::types::Index;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Index of the next entry to send to that server (initialized to leader last log index + 1).
    pub next_index: Index,
    /// Index of the highest entry known to be replicated on that server (initialized to 0).
    pub match_index: Index,
}

impl Progress {
    pub fn new(last_index: Index) -> Self {
        Progress { next_index: last_index + 1, match_index: 0 }
    }
}
