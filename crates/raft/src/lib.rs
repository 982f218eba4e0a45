//! A `#![no_std]` Raft core in the style of raft-rs / etcd raft.
//!
//! A [`Node`] is a pure, deterministic state machine. Everything goes in through one funnel,
//! [`Node::step`] (messages, timer firings, client proposals), and everything the driver must do comes
//! out in a [`Ready`]: messages to send, what must be persisted before they leave, timer (re)arm
//! requests and replies to clients. There is no clock, no RNG and no I/O in here: the driver (the
//! simulator) owns time, randomness and the network.
//!
//! Module map, bottom-up: [`types`] and [`message`] (the wire), [`log`] (the replicated log),
//! [`quorum`] (majority math and configurations), [`snapshot`], [`progress`] (a leader's per-follower view), [`state_machine`] (the
//! applied key-value store with client sessions), [`node`] (Figure 2 of the paper).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod chunked;
pub mod log;
pub mod message;
pub mod node;
pub mod progress;
pub mod quorum;
pub mod rules;
pub mod snapshot;
pub mod state_machine;
pub mod types;

pub use log::Log;
pub use message::{Body, Message};
pub use node::{ClientReply, ClientResult, Durable, Input, MembershipChange, Node, Options, Persistent, Ready, Role};
pub use quorum::{Membership, Set};
pub use rules::{Broken, Rule, RuleInfo};
pub use snapshot::Snapshot;
pub use state_machine::{Applied, KvStore, MAX_SESSIONS};
pub use types::{Command, Entry, EntryData, Index, NodeId, Op, Term, MAX_NODE_ID};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod thesis_tests;
