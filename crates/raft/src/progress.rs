//! What a leader knows about each follower (Figure 2: nextIndex[], matchIndex[]), plus the flow
//! control that keeps replication lean (after etcd raft's Progress).
//!
//! Figure 2 updates nextIndex only when a follower answers. Sending every new entry again until
//! then floods a busy follower (each reply triggers another full resend), so like etcd the leader
//! runs each follower in one of three states:
//! - **Probe**: the leader does not yet know where the follower's log matches its own. It sends one
//!   AppendEntries at nextIndex and waits for the answer (or the next heartbeat) before sending
//!   another; a rejection moves nextIndex back (§5.3).
//! - **Replicate**: the follower matched. The leader streams new entries as they arrive and
//!   advances nextIndex optimistically past what it sent, with at most [`MAX_INFLIGHT`] messages
//!   of entries unacknowledged ([`Inflights`]): while the window is full, new entries wait and go
//!   out together when an acknowledgement frees room (a burst of proposals becomes a few large
//!   messages, not one per proposal). If a whole heartbeat interval passes with entries in flight
//!   and no acknowledgement, they are presumed lost: back to Probe from matchIndex + 1.
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

/// The AppendEntries messages with entries in flight to one follower in Replicate, as the last
/// index each carried, oldest first (etcd raft's `Inflights`). An acknowledgement through index i
/// frees every message that ended at or before it. Packed at the front; the slots past `len` mean
/// nothing (two windows are equal when their messages are).
#[derive(Clone, Copy, Debug, Default)]
pub struct Inflights {
    last: [Index; MAX_INFLIGHT as usize],
    len: u8,
}

impl PartialEq for Inflights {
    fn eq(&self, other: &Inflights) -> bool {
        self.lasts() == other.lasts()
    }
}
impl Eq for Inflights {}

impl Inflights {
    /// The last index of each message in flight, oldest first.
    pub fn lasts(&self) -> &[Index] {
        &self.last[..self.len as usize]
    }
    pub fn is_full(&self) -> bool {
        self.len as u64 == MAX_INFLIGHT
    }
    fn add(&mut self, last: Index) {
        debug_assert!(!self.is_full(), "a message past the window");
        self.last[self.len as usize] = last;
        self.len += 1;
    }
    #[inline]
    fn free_upto(&mut self, index: Index) {
        let len = self.len as usize;
        if len == 0 || self.last[0] > index {
            return; // nothing in flight, or not the oldest message yet
        }
        if self.last[len - 1] <= index {
            return self.clear(); // every message acknowledged: the usual case
        }
        let freed = self.lasts().iter().take_while(|&&l| l <= index).count();
        self.last.copy_within(freed..len, 0);
        self.len -= freed as u8;
    }
    #[inline]
    fn clear(&mut self) {
        self.len = 0;
    }
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
    /// Replicate: the messages of entries not yet acknowledged.
    pub inflight: Inflights,
}

impl Progress {
    pub fn new(last_index: Index) -> Self {
        Progress { next_index: last_index + 1, ..Progress::default() }
    }

    /// Entries sent optimistically and not yet acknowledged (Replicate): the entries of the
    /// window's messages.
    fn unacked_entries(&self) -> Index {
        self.next_index.saturating_sub(self.match_index + 1)
    }

    /// The window's invariant: only in Replicate, its messages end in increasing order, after
    /// matchIndex and before nextIndex (checked in debug builds after every change).
    pub fn window_holds(&self) -> bool {
        let l = self.inflight.lasts();
        (self.state == State::Replicate || l.is_empty())
            && l.windows(2).all(|w| w[0] < w[1])
            && l.first().is_none_or(|&first| first > self.match_index)
            && l.last().is_none_or(|&last| last < self.next_index)
    }

    /// Nothing may be sent now: a probe or snapshot awaits its answer.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// No more entries may be sent now: a probe or snapshot awaits its answer, or in Replicate
    /// [`MAX_INFLIGHT`] messages of entries are unacknowledged.
    pub fn is_throttled(&self) -> bool {
        self.paused || (self.state == State::Replicate && self.inflight.is_full())
    }

    /// The leader's own entry: its log is durable through `index`.
    pub fn own_durable(&mut self, index: Index) {
        self.match_index = self.match_index.max(index);
    }

    /// The follower acknowledged its log through `index` (a successful AppendEntries reply): it
    /// matches, so stream to it from here (§5.3: update nextIndex and matchIndex), and the
    /// messages that index covers leave the window (outside Replicate it is empty).
    #[inline]
    pub fn become_replicate(&mut self, index: Index) {
        self.match_index = self.match_index.max(index);
        self.next_index = self.next_index.max(index + 1);
        self.inflight.free_upto(index);
        self.state = State::Replicate;
        self.paused = false;
        self.acked = true;
        debug_assert!(self.window_holds(), "{self:?}");
    }

    /// Is a rejection of the AppendEntries at `index` (its prevLogIndex) news? Not if it answers
    /// an older request (reordered, duplicated): in Replicate one below what matched, in Probe any
    /// but the probe outstanding, in Snapshot every one.
    pub fn is_stale_rejection(&self, index: Index) -> bool {
        match self.state {
            State::Replicate => index <= self.match_index,
            State::Probe => index + 1 != self.next_index,
            State::Snapshot => true,
        }
    }

    /// Probe again from `next` (never at or below what is known to match): after a rejection, a
    /// snapshot installed, or entries presumed lost.
    pub fn become_probe(&mut self, next: Index) {
        self.next_index = next.max(self.match_index + 1);
        self.state = State::Probe;
        self.paused = false;
        self.inflight.clear();
    }

    /// The follower installed a snapshot through `last_index`: probe from just after it.
    pub fn snapshot_installed(&mut self, last_index: Index) {
        self.match_index = self.match_index.max(last_index);
        self.become_probe(self.match_index + 1);
    }

    /// nextIndex fell into the compacted prefix: an InstallSnapshot goes out; wait for its answer.
    pub fn become_snapshot(&mut self) {
        self.state = State::Snapshot;
        self.paused = true;
        self.inflight.clear();
    }

    /// An AppendEntries with `count` entries from nextIndex went out: in Replicate nextIndex moves
    /// past them at once and the message takes a place in the window; a probe waits for its answer.
    pub fn sent(&mut self, count: Index) {
        match self.state {
            State::Replicate if count > 0 => {
                self.next_index += count;
                self.inflight.add(self.next_index - 1);
            }
            State::Replicate => {}
            _ => self.paused = true,
        }
        debug_assert!(self.window_holds(), "{self:?}");
    }

    /// A heartbeat interval passed (the heartbeat is also the retransmission timer): entries in
    /// flight with no acknowledgement since the last one are presumed lost, so probe again from
    /// matchIndex + 1; and a paused probe or snapshot may be sent again.
    pub fn heartbeat(&mut self) {
        if self.state == State::Replicate && self.unacked_entries() > 0 && !self.acked {
            self.become_probe(self.match_index + 1);
        }
        self.acked = false;
        self.paused = false;
        debug_assert!(self.window_holds(), "{self:?}");
    }
}
