//! What a leader knows about each follower (Figure 2: nextIndex[], matchIndex[]), plus the flow
//! control that keeps replication lean (after etcd raft's Progress).
//!
//! Figure 2 updates nextIndex only when a follower answers. Sending every new entry again until
//! then floods a busy follower (each reply triggers another full resend), so like etcd the leader
//! runs each follower in one of three states:
//! - **Probe**: the leader does not yet know where the follower's log matches its own. It sends one
//!   AppendEntries at nextIndex and waits for the answer (or the next heartbeat) before sending
//!   another; a rejection moves nextIndex back (§5.3).
//! - **Replicate**: the follower matched. The leader streams new entries as they arrive (a backlog
//!   up to [`MAX_INFLIGHT`] messages at a time) and advances nextIndex optimistically past what it
//!   sent. If a whole heartbeat interval passes with entries in flight and no acknowledgement, they
//!   are presumed lost: back to Probe from matchIndex + 1.
//! - **Snapshot**: nextIndex fell into the compacted prefix; an InstallSnapshot is on its way.

use crate::types::Index;

/// Most AppendEntries messages with entries a leader keeps in flight to one follower in Replicate.
pub const MAX_INFLIGHT: u64 = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum State {
    #[default]
    Probe,
    Replicate,
    Snapshot,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Index of the next entry to send to that server (initialized to leader last log index + 1).
    pub next_index: Index,
    /// Index of the highest entry known to be replicated on that server (initialized to 0).
    pub match_index: Index,
    pub state: State,
    /// Probe and Snapshot: a request is outstanding; wait for its answer or the next heartbeat.
    pub paused: bool,
    /// Replicate: an acknowledgement arrived since the last heartbeat (entries still in flight
    /// then are not presumed lost).
    pub acked: bool,
}

impl Progress {
    pub fn new(last_index: Index) -> Self {
        Progress { next_index: last_index + 1, match_index: 0, state: State::Probe, paused: false, acked: false }
    }
}
