//! The basic vocabulary: ids, terms, indices, log entries and the commands they carry.

use crate::quorum::Membership;
use core::fmt;

/// A server's id. Ids are small (the page shows them as S1, S2, …) so that sets of servers fit a
/// `u64` bitmask ([`crate::quorum::Set`]); id 0 is never used.
pub type NodeId = u32;
/// A Raft term (§5.1). Starts at 0 on first boot and only increases.
pub type Term = u64;
/// A log index. The first entry has index 1; index 0 is the empty prefix.
pub type Index = u64;

/// The largest server id the bitmask sets can hold.
pub const MAX_NODE_ID: NodeId = 63;

/// One entry of the replicated log: the term it was created in plus what it carries.
/// `Copy`: appending and replicating entries never allocates per entry beyond the log's own vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub term: Term,
    pub data: EntryData,
}

/// What an entry carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryData {
    /// The no-op a new leader appends at once so that entries of earlier terms commit (§8).
    Noop,
    /// A client command for the key-value state machine.
    Command(Command),
    /// A configuration (§6): takes effect as soon as it is in a server's log, committed or not.
    Config(Membership),
}

/// A client command with its session stamp: the state machine applies each (client, seq) once (§8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Command {
    pub client: u32,
    pub seq: u32,
    pub op: Op,
}

/// Key-value operations. Keys are the letters `a`–`z` (stored as their ASCII byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `x <- 3`
    Set { key: u8, value: i64 },
    /// `x?` — a read (through the log, or by ReadIndex).
    Get { key: u8 },
    /// `x += 2` — not idempotent, so applying a retried command twice would show.
    Add { key: u8, delta: i64 },
}

impl Op {
    pub fn key(&self) -> u8 {
        match *self {
            Op::Set { key, .. } | Op::Get { key } | Op::Add { key, .. } => key,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Set { key, value } => write!(f, "{} <- {}", key as char, value),
            Op::Get { key } => write!(f, "{}?", key as char),
            Op::Add { key, delta } => write!(f, "{} += {}", key as char, delta),
        }
    }
}

impl fmt::Display for EntryData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryData::Noop => f.write_str("no-op"),
            EntryData::Command(c) => write!(f, "{}", c.op),
            EntryData::Config(m) => write!(f, "{m}"),
        }
    }
}
