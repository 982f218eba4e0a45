//! The RPCs of Figure 2 (plus InstallSnapshot, §7, and TimeoutNow, thesis §3.10) as one-way
//! messages. Every message carries the sender's term.

use crate::snapshot::Snapshot;
use crate::types::{Entry, Index, NodeId, Term};
use alloc::boxed::Box;
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's current term; for a PreVote request, the term the sender *would* campaign in.
    pub term: Term,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// RequestVote RPC (§5.2, §5.4.1). With `pre_vote` it is the PreVote probe of thesis §9.6: it
    /// changes no state on the receiver. `transfer`: the election was started by TimeoutNow, so
    /// receivers must not ignore it for having heard from a leader recently (thesis §4.2.3, §3.10).
    RequestVote {
        last_log_index: Index,
        last_log_term: Term,
        pre_vote: bool,
        transfer: bool,
    },
    RequestVoteReply {
        granted: bool,
        pre_vote: bool,
    },
    /// AppendEntries RPC (§5.3). Empty `entries` is a heartbeat. `ctx` numbers the leader's
    /// heartbeat rounds so that ReadIndex (thesis §6.4) can tell which round a reply answers.
    AppendEntries {
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        ctx: u64,
    },
    AppendEntriesReply {
        success: bool,
        /// On success: the index of the last entry the follower now knows matches the leader's
        /// (prev_log_index + entries.len()). On failure: the rejected prev_log_index, so the leader can
        /// tell a fresh rejection from a stale, reordered one.
        index: Index,
        /// On failure, the §5.3 hint when enabled: the term of the follower's conflicting entry
        /// (None if its log is too short) and the first index it stores for that term (or its log
        /// length + 1).
        hint: Option<(Option<Term>, Index)>,
        /// The `ctx` of the AppendEntries this answers.
        ctx: u64,
        /// The follower's commit index after handling it (a removed server is told until it knows
        /// its removal is committed).
        commit: Index,
    },
    /// InstallSnapshot RPC (§7), sent in one chunk (offset 0, done = true).
    InstallSnapshot {
        snapshot: Box<Snapshot>,
    },
    /// The follower now holds everything up to `last_index`.
    InstallSnapshotReply {
        last_index: Index,
    },
    /// Leadership transfer (thesis §3.10): start an election now.
    TimeoutNow,
}

impl Body {
    /// A short name for the message kind, as the page shows it.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::RequestVote { pre_vote: false, .. } => "RequestVote",
            Body::RequestVote { pre_vote: true, .. } => "PreVote",
            Body::RequestVoteReply { pre_vote: false, .. } => "RequestVoteReply",
            Body::RequestVoteReply { pre_vote: true, .. } => "PreVoteReply",
            Body::AppendEntries { entries, .. } if entries.is_empty() => "Heartbeat",
            Body::AppendEntries { .. } => "AppendEntries",
            Body::AppendEntriesReply { .. } => "AppendEntriesReply",
            Body::InstallSnapshot { .. } => "InstallSnapshot",
            Body::InstallSnapshotReply { .. } => "InstallSnapshotReply",
            Body::TimeoutNow => "TimeoutNow",
        }
    }
}
