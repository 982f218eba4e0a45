//! The run in words, from one describer: what each event did ([`Note`]s — elections started and
//! won, votes, split votes, commits, crashes and what they lost, partitions, client answers, membership steps,
//! snapshots, violations), what event is being processed ([`CurrentEvent`], for single steps and
//! violation reports), what a message says ([`describe`]) and what a step changed ([`changes`], for
//! traces). The page's event list and tooltips, the command line's `--narrate` and `--trace`, the
//! scenario transcripts, the node-level test traces and the violation reports all print through here.

use crate::action::Action;
use crate::invariants::{Before, Property};
use raft::{Body, Index, Membership, Message, Node, NodeId, Op, Ready, Role, Term};
use std::fmt::{self, Write};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// `server` asks for PreVotes for `term` (its own term stays).
    PreVote,
    /// `server` starts an election for `term`.
    Campaign,
    /// `server` votes for `candidate` in `term`.
    Vote { candidate: NodeId },
    /// `server` won the election for `term`.
    Elected,
    /// `server`'s election for `term` ran out of time with no winner: a split vote.
    SplitVote,
    /// `server`, leader of `term`, stepped down.
    StepDown,
    /// `server` saw a higher term and adopted it.
    NewTerm,
    /// The leader `server` committed through `index` (an entry of `entry_term`).
    Commit { index: Index, entry_term: Term },
    /// `server` compacted its log into a snapshot through `index`.
    Snapshot { index: Index, last_term: Term },
    /// `server` installed the leader's snapshot through `index`.
    Installed { index: Index, last_term: Term },
    /// The leader `server` appended a configuration entry at `index`.
    ConfigAppended { index: Index, config: Membership },
    /// The leader `server` committed the configuration entry at `index`.
    ConfigCommitted { index: Index, config: Membership },
    /// A client's command was answered by `server`.
    Answered { client: u32, op: Op, index: Index, value: Option<i64> },
    /// A client gave up on its command after its last attempt.
    GaveUp { client: u32, op: Op },
    /// A client's command was refused: its session had expired (thesis §6.3).
    Expired { client: u32, op: Op },
    /// The user's action number `index` (0-based) of the record.
    Action { index: usize },
    /// `server` crashed before its disk caught up: it lost `entries` log entries, and its term
    /// and vote (`hard_state`, with `vote` the one it had) or a snapshot, that were only in memory.
    LostWrites { entries: u64, hard_state: bool, vote: Option<NodeId>, snapshot: bool },
    /// A safety property broke: the run stops here.
    Violation { property: Property },
    /// At the user's request the network dropped (or duplicated) `server`'s message of `kind` to
    /// `to`, sent in `term`.
    Message { kind: &'static str, to: NodeId, dropped: bool },
}

/// What the page's filter groups notes by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Election,
    Vote,
    Term,
    Commit,
    Client,
    Membership,
    Snapshot,
    Fault,
    Violation,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Election,
        Category::Vote,
        Category::Term,
        Category::Commit,
        Category::Client,
        Category::Membership,
        Category::Snapshot,
        Category::Fault,
        Category::Violation,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Category::Election => "election",
            Category::Vote => "vote",
            Category::Term => "term",
            Category::Commit => "commit",
            Category::Client => "client",
            Category::Membership => "membership",
            Category::Snapshot => "snapshot",
            Category::Fault => "action",
            Category::Violation => "violation",
        }
    }
    pub fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// One narrated event: when (time µs and the events processed by then), which server, its term,
/// and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Note {
    pub time: u64,
    pub events: u64,
    /// Actions carried out by then (with `time` and `events`, where to seek to see it).
    pub applied: u32,
    pub server: NodeId,
    pub term: Term,
    pub what: What,
}

impl Note {
    pub fn category(&self) -> Category {
        match self.what {
            What::PreVote | What::Campaign | What::Elected | What::SplitVote | What::StepDown => Category::Election,
            What::Vote { .. } => Category::Vote,
            What::NewTerm => Category::Term,
            What::Commit { .. } => Category::Commit,
            What::Snapshot { .. } | What::Installed { .. } => Category::Snapshot,
            What::ConfigAppended { .. } | What::ConfigCommitted { .. } => Category::Membership,
            What::Answered { .. } | What::GaveUp { .. } | What::Expired { .. } => Category::Client,
            What::Action { .. } | What::Message { .. } | What::LostWrites { .. } => Category::Fault,
            What::Violation { .. } => Category::Violation,
        }
    }

    /// Does the note concern server `id` (as its subject, or named in its action)?
    pub fn involves(&self, id: NodeId, action: Option<&Action>) -> bool {
        self.server == id
            || matches!(self.what, What::Vote { candidate } | What::Message { to: candidate, .. } if candidate == id)
            || action.is_some_and(|a| a.servers().any(|s| s == id))
    }

    /// The note in words. `action` is the record's action for [`What::Action`]; `violation` the
    /// violation's full text for [`What::Violation`].
    pub fn text(&self, action: Option<&Action>, violation: Option<&str>) -> String {
        let (s, t) = (self.server, self.term);
        let mut out = String::new();
        let _ = match self.what {
            What::PreVote => write!(out, "S{s} asks for pre-votes for term {t} (its term stays {})", t - 1),
            What::Campaign => write!(out, "S{s} starts an election for term {t}"),
            What::Vote { candidate } => write!(out, "S{s} votes for S{candidate} in term {t}"),
            What::Elected => write!(out, "S{s} wins the election: leader of term {t}"),
            What::SplitVote => write!(out, "S{s}'s election for term {t} times out with no winner (split vote)"),
            What::StepDown => write!(out, "S{s} steps down as leader of term {t}"),
            What::NewTerm => write!(out, "S{s} sees a higher term and moves to term {t}"),
            What::Commit { index, entry_term } => {
                write!(out, "S{s} commits through index {index} (term {entry_term})")
            }
            What::Snapshot { index, last_term } => {
                write!(out, "S{s} compacts its log into a snapshot through index {index} (term {last_term})")
            }
            What::Installed { index, last_term } => {
                write!(out, "S{s} installs the leader's snapshot through index {index} (term {last_term})")
            }
            What::ConfigAppended { index, config } => {
                write!(out, "S{s} appends configuration {config} at index {index}")
            }
            What::ConfigCommitted { index, config } => {
                write!(out, "S{s} commits configuration {config} (index {index})")
            }
            What::Answered { client, op, index, value } => {
                let v = value.map_or(String::new(), |v| format!(" = {v}"));
                write!(out, "client {client}: `{op}` answered by S{s}: ok at index {index}{v}")
            }
            What::GaveUp { client, op } => write!(out, "client {client} gives up on `{op}` after its last attempt"),
            What::Expired { client, op } => {
                write!(out, "client {client}: `{op}` refused by S{s}: its session expired (not applied)")
            }
            What::Action { index } => match action {
                Some(Action::SetLog { terms, .. }) if terms.is_empty() => write!(out, "set-up: S{s}'s log is empty"),
                Some(Action::SetLog { terms, .. }) => {
                    let n = terms.len();
                    let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
                    let entries = if n == 1 { "1 entry, of term".into() } else { format!("{n} entries, of terms") };
                    write!(out, "set-up: S{s}'s log holds {entries} {}; S{s} is in term {t}", terms.join(" "))
                }
                Some(Action::SetTerm { term, .. }) => {
                    write!(out, "set-up: S{s}'s current term is {term}, with no vote cast")
                }
                Some(Action::SetCommit { index, .. }) => {
                    write!(out, "set-up: S{s} has committed and applied its log through index {index}")
                }
                Some(a) => write!(out, "you: {a}"),
                None => write!(out, "user action {}", index + 1),
            },
            What::Message { kind, to, dropped: true } => {
                write!(out, "the network drops S{s}'s {kind} to S{to} (term {t}): it never arrives")
            }
            What::Message { kind, to, dropped: false } => {
                write!(out, "the network duplicates S{s}'s {kind} to S{to} (term {t}): it arrives twice")
            }
            What::LostWrites { entries, hard_state, vote, snapshot } => {
                let mut lost = Vec::new();
                if entries > 0 {
                    lost.push(format!("{entries} unwritten {}", if entries == 1 { "entry" } else { "entries" }));
                }
                if hard_state {
                    lost.push(match vote {
                        Some(c) => format!("its vote for S{c} in term {t}"),
                        None => format!("its term {t}"),
                    });
                }
                if snapshot {
                    lost.push("a snapshot".to_string());
                }
                write!(out, "S{s} crashed before its disk caught up: lost {}", lost.join(" and "))
            }
            What::Violation { property } => match violation {
                Some(v) => write!(out, "{v}"),
                None => write!(out, "{} violated", property.name()),
            },
        };
        out
    }
}

/// The event being processed, for single steps and violation reports (formatted only when asked).
/// `Disk`: a write on a server's disk became durable.
#[derive(Clone, Debug)]
pub enum CurrentEvent {
    Start,
    Deliver { kind: &'static str, from: NodeId, to: NodeId, term: u64 },
    Timer { node: NodeId, heartbeat: bool },
    Client { client: u32, server: NodeId },
    Action(Action),
    Disk { node: NodeId },
}

impl fmt::Display for CurrentEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurrentEvent::Start => f.write_str("start-up"),
            CurrentEvent::Deliver { kind, from, to, term } => {
                write!(f, "delivery of {kind} S{from}→S{to} (term {term})")
            }
            CurrentEvent::Timer { node, heartbeat: false } => write!(f, "S{node}'s election timeout"),
            CurrentEvent::Timer { node, heartbeat: true } => write!(f, "S{node}'s heartbeat timer"),
            CurrentEvent::Client { client, server } => write!(f, "client {client}'s request to S{server}"),
            CurrentEvent::Action(a) => write!(f, "your action `{a}`"),
            CurrentEvent::Disk { node } => write!(f, "a write reaching S{node}'s disk"),
        }
    }
}

/// A message on one line, compactly (the traces' form and the page's tooltip): sender→receiver,
/// kind, the sender's term, then what it carries —
/// `S1→S2 AppendEntries t3 prev=4@2 entries=[5@3 x <- 3] commit=4`. Entries are `index@term data`;
/// a long batch lists its first two and its last.
pub fn describe(m: &Message) -> String {
    let mut s = format!("S{}→S{} {} t{}", m.from, m.to, m.body.kind(), m.term);
    let _ = match &m.body {
        Body::RequestVote { last_log_index, last_log_term, transfer, .. } => {
            write!(s, " last={last_log_index}@{last_log_term}{}", if *transfer { " transfer" } else { "" })
        }
        Body::RequestVoteReply { granted, .. } => write!(s, " {}", if *granted { "granted" } else { "denied" }),
        Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, .. } => {
            let _ = write!(s, " prev={prev_log_index}@{prev_log_term}");
            if !entries.is_empty() {
                let entry =
                    |k: usize| format!("{}@{} {}", prev_log_index + 1 + k as u64, entries[k].term, entries[k].data);
                let n = entries.len();
                let listed: Vec<String> = if n <= 3 {
                    (0..n).map(entry).collect()
                } else {
                    vec![entry(0), entry(1), format!("… ({n} in all)"), entry(n - 1)]
                };
                let _ = write!(s, " entries=[{}]", listed.join(", "));
            }
            write!(s, " commit={leader_commit}")
        }
        Body::AppendEntriesReply { success: true, index, .. } => write!(s, " ok match={index}"),
        Body::AppendEntriesReply { success: false, index, hint, .. } => {
            let _ = write!(s, " reject prev={index}");
            match hint {
                Some((Some(term), first)) => write!(s, " conflict=t{term} first={first}"),
                Some((None, first)) => write!(s, " short next={first}"),
                None => Ok(()),
            }
        }
        Body::InstallSnapshot { snapshot } => write!(s, " snapshot={}@{}", snapshot.last_index, snapshot.last_term),
        Body::InstallSnapshotReply { last_index } => write!(s, " has={last_index}"),
        Body::TimeoutNow => Ok(()),
    };
    s
}

/// A role as traces and scripts name it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Follower => "follower",
        Role::PreCandidate => "precandidate",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

/// What one step of server `id` changed, one line each, for traces: its role or term
/// (`S2 follower→candidate t4`, `S2 follower t3→t4`), a log rewritten below its end
/// (`S2 log truncated to 4`), its commit index (`S2 commit 4→5`) and snapshots taken or installed.
/// Messages sent and appends show in the messages themselves.
pub fn changes(id: NodeId, b: &Before, n: &Node, ready: &Ready) -> Vec<String> {
    let mut out = Vec::new();
    let (role, term) = (n.role, n.current_term);
    if role != b.role {
        out.push(format!("S{id} {}→{} t{term}", role_name(b.role), role_name(role)));
    } else if term != b.term {
        out.push(format!("S{id} {} t{}→t{term}", role_name(role), b.term));
    }
    if ready.installed_snapshot {
        out.push(format!("S{id} installs snapshot {}@{}", n.snapshot.last_index, n.snapshot.last_term));
    } else if ready.persist_snapshot && n.snapshot.last_index != b.snapshot_index {
        out.push(format!("S{id} compacts its log into snapshot {}@{}", n.snapshot.last_index, n.snapshot.last_term));
    } else if let Some(from) = ready.persist_log_from.filter(|&f| f <= b.last_index) {
        out.push(format!("S{id} log truncated to {}", from - 1));
    }
    if n.commit_index != b.commit_index {
        out.push(format!("S{id} commit {}→{}", b.commit_index, n.commit_index));
    }
    out
}
