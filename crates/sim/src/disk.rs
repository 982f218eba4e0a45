//! Stable storage that takes time: each server's disk, and the `fsync` dial.
//!
//! With `fsync` = 0 a step's writes are on disk before anything else happens — Figure 2 read
//! literally. Above 0, a step that asks to persist (its hard state, its log from an index, a
//! snapshot) issues a [`Write`] that becomes durable `fsync` later: a disk-completion event in the
//! queue, and one server's writes complete in the order they were issued. While any write of a
//! server is pending, everything the server sends or answers waits behind the newest one: a message
//! or a reply says what the state of the step that made it was, and "persist before responding to
//! RPCs" means that state must be on disk first (breaking the rule `reply-before-persist` lets
//! them go at once). Timers are armed at once. A crash loses every write that is not yet durable;
//! the server comes back from what was. The node itself learns how much of its state is on disk
//! from [`raft::Input::Persisted`] and counts itself toward a majority only that far (thesis
//! §10.2.1), so a leader alone in its configuration never commits what a crash could still take.
//!
//! A write keeps a copy of what it writes as of its step (the entries from the index it rewrites,
//! or for a snapshot the whole persistent state), so what reaches the disk is exactly what the
//! synchronous disk would have stored at that step, only later.

use raft::{ClientReply, Durable, Entry, Index, Log, Message, Node, NodeId, Persistent, Ready, Term};
use std::collections::VecDeque;

/// One server's disk: the writes in flight, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    pending: VecDeque<Write>,
    /// Bumped by a crash: the completions queued for the writes it lost are stale.
    pub epoch: u64,
    /// Writes completed so far (since the server was created): the number of the oldest one in
    /// flight. A completion queued for a write that completed early (`flush`) is stale.
    pub completed: u64,
    /// Written-off writes, kept for their vectors' capacity (no allocation per write once warm).
    spare: Vec<Write>,
}

/// A write on its way to the disk, and what waits for it.
#[derive(Clone, Debug, Default)]
pub struct Write {
    /// When it is durable.
    pub done: u64,
    hard_state: Option<(Term, Option<NodeId>)>,
    /// Rewrite the stored log from this index with `entries`, dropping anything stored after them.
    log_from: Option<Index>,
    entries: Vec<Entry>,
    /// A snapshot: the whole persistent state as of the step (it replaces everything stored).
    image: Option<Box<Persistent>>,
    /// This write stores a snapshot (`image`, until it is stored).
    pub snapshot: bool,
    /// The snapshot came from the leader and replaced the log.
    installed: bool,
    /// What the server produced while this was its newest write, in order: it leaves when this
    /// write (and so every earlier one) is durable.
    pub messages: Vec<Message>,
    pub replies: Vec<ClientReply>,
}

/// What a crash took: the node had these in memory, not on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost {
    /// Log entries past what was on disk.
    pub entries: u64,
    /// Its currentTerm / votedFor.
    pub hard_state: bool,
    /// A snapshot (taken or installed).
    pub snapshot: bool,
}

/// Does the step ask for anything to be persisted?
pub fn asks(ready: &Ready) -> bool {
    ready.persist_hard_state || ready.persist_log_from.is_some() || ready.persist_snapshot
}

/// The synchronous disk: store what the step asked for, now.
pub fn persist_now(storage: &mut Persistent, node: &Node, ready: &Ready) {
    if ready.persist_snapshot {
        *storage = node.persistent();
        return;
    }
    if ready.persist_hard_state {
        storage.current_term = node.current_term;
        storage.voted_for = node.voted_for;
    }
    if let Some(from) = ready.persist_log_from {
        // The usual write is the one entry just appended, past the stored log's end: stored
        // without the loop (its iterator's set-up cost more than the append).
        match node.log.get(from) {
            Some(e) if from == node.log.last_index() && from == storage.log.last_index() + 1 => {
                storage.log.append_like(*e, &node.log);
            }
            _ => {
                write_log(&mut storage.log, from, node.log.slice(from, usize::MAX));
                storage.log.share_chunks_with(&node.log);
            }
        }
    }
}

/// Rewrite a stored log from `from` with `entries`.
fn write_log<'a>(stored: &mut Log, from: Index, entries: impl Iterator<Item = &'a Entry>) {
    if from <= stored.last_index() {
        stored.truncate_from(from);
    }
    for e in entries {
        stored.append(*e);
    }
}

impl Disk {
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// The number the next write issued will have (see `completed`).
    pub fn next_write(&self) -> u64 {
        self.completed + self.pending.len() as u64
    }

    /// Writes in flight.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Every write in flight completes `delta` later (the hold that froze the disk ended).
    pub fn postpone(&mut self, delta: u64) {
        for w in &mut self.pending {
            w.done += delta;
        }
    }

    /// Messages and replies waiting for the disk.
    pub fn held(&self) -> usize {
        self.pending.iter().map(|w| w.messages.len() + w.replies.len()).sum()
    }

    /// When a write issued now with this fsync completes: never before an earlier one.
    pub fn done_at(&self, now: u64, fsync: u64) -> u64 {
        let t = now.saturating_add(fsync);
        self.pending.back().map_or(t, |w| w.done.max(t))
    }

    /// Issue a write of what the step asked for (as of now), durable at `done`.
    pub fn issue(&mut self, node: &Node, ready: &Ready, done: u64) {
        let mut w = self.spare.pop().unwrap_or_default();
        w.done = done;
        if ready.persist_snapshot {
            w.image = Some(Box::new(node.persistent()));
            w.snapshot = true;
            w.installed = ready.installed_snapshot;
        } else {
            w.hard_state = ready.persist_hard_state.then_some((node.current_term, node.voted_for));
            if let Some(from) = ready.persist_log_from {
                w.entries.extend(node.log.slice(from, usize::MAX).copied());
            }
        }
        w.log_from = ready.persist_log_from;
        self.pending.push_back(w);
    }

    /// Hold a step's output behind the newest write, after the first `keep` messages and replies
    /// (what an earlier write let go).
    pub fn hold(&mut self, messages: &mut Vec<Message>, replies: &mut Vec<ClientReply>, keep: (usize, usize)) {
        let w = self.pending.back_mut().expect("a write in flight");
        w.messages.extend(messages.drain(keep.0..));
        w.replies.extend(replies.drain(keep.1..));
    }

    /// The oldest write is durable: store it. The caller sends what waited for it, then gives the
    /// write back ([`Disk::recycle`]).
    pub fn complete(&mut self, storage: &mut Persistent) -> Write {
        let mut w = self.pending.pop_front().expect("a write in flight");
        self.completed += 1;
        if let Some(image) = w.image.take() {
            *storage = *image;
        } else {
            if let Some((term, vote)) = w.hard_state {
                (storage.current_term, storage.voted_for) = (term, vote);
            }
            if let Some(from) = w.log_from {
                write_log(&mut storage.log, from, w.entries.iter());
            }
        }
        w
    }

    /// Keep a finished write's vectors for the next one.
    pub fn recycle(&mut self, mut w: Write) {
        w.hard_state = None;
        w.log_from = None;
        w.entries.clear();
        w.image = None;
        w.snapshot = false;
        w.installed = false;
        w.messages.clear();
        w.replies.clear();
        self.spare.push(w);
    }

    /// How much of `node`'s state is on disk: the stored term, and the stored log up to where the
    /// first write in flight rewrites it (an installed snapshot replaces it all).
    pub fn durable(&self, storage: &Persistent, node: &Node) -> Durable {
        let mut index = storage.log.last_index().min(node.log.last_index());
        for w in &self.pending {
            if w.installed {
                index = 0;
            } else if let Some(from) = w.log_from {
                index = index.min(from.saturating_sub(1));
            }
        }
        Durable { term: storage.current_term, index }
    }

    /// A crash: every write in flight is lost, with what waited for it. `None` if there was none.
    pub fn crash(&mut self, storage: &Persistent, node: &Node) -> Option<Lost> {
        if self.pending.is_empty() {
            return None;
        }
        let durable = self.durable(storage, node);
        let lost = Lost {
            entries: node.log.last_index().saturating_sub(durable.index.max(node.log.offset())),
            hard_state: (storage.current_term, storage.voted_for) != (node.current_term, node.voted_for),
            snapshot: self.pending.iter().any(|w| w.snapshot),
        };
        while let Some(w) = self.pending.pop_front() {
            self.recycle(w);
        }
        self.epoch += 1;
        Some(lost)
    }

    /// A hash of everything in flight on this disk (each write, and what waits for it), for the
    /// model checker: `message` and `image` hash a held message and a snapshot image.
    pub fn fingerprint(
        &self,
        d: &mut crate::digest::Digest,
        message: impl Fn(&Message) -> u64,
        image: impl Fn(&Persistent) -> u64,
    ) {
        d.u64(self.pending.len() as u64);
        for w in &self.pending {
            match w.hard_state {
                Some((term, vote)) => {
                    d.u64(1 + term);
                    d.u64(vote.map_or(0, |v| v as u64 + 1));
                }
                None => d.u64(0),
            }
            d.u64(w.log_from.map_or(u64::MAX, |i| i));
            d.u64(w.entries.len() as u64);
            for e in &w.entries {
                d.u64(crate::digest::entry_hash(e));
            }
            d.u64(w.snapshot as u64 | (w.installed as u64) << 1);
            if let Some(img) = &w.image {
                d.u64(image(img));
            }
            d.u64(w.messages.len() as u64);
            for m in &w.messages {
                d.u64(message(m));
            }
            d.u64(w.replies.len() as u64);
            for r in &w.replies {
                d.u64((r.client as u64) << 32 | r.seq as u64);
                match r.result {
                    raft::ClientResult::Ok { index, value } => {
                        d.u64(1 + index);
                        d.u64(value.map_or(u64::MAX, |v| v as u64));
                    }
                    raft::ClientResult::Redirect { leader } => d.u64(leader.map_or(0, |l| l as u64 + 1) << 40),
                    raft::ClientResult::SessionExpired => d.u64(u64::MAX - 1),
                }
            }
        }
    }

    /// Bytes held by the writes in flight (shared log chunks of snapshot images not counted).
    pub fn memory(&self) -> usize {
        use std::mem::size_of;
        self.pending
            .iter()
            .chain(&self.spare)
            .map(|w| {
                size_of::<Write>()
                    + w.entries.capacity() * size_of::<Entry>()
                    + w.messages.capacity() * size_of::<Message>()
                    + w.replies.capacity() * size_of::<ClientReply>()
                    + w.image.as_ref().map_or(0, |_| size_of::<Persistent>())
            })
            .sum()
    }
}
