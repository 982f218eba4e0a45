//! One Raft server: Figure 2 of the paper plus the thesis' extensions (membership changes, log
//! compaction, client sessions, ReadIndex, PreVote, CheckQuorum, leadership transfer), driven
//! through a single funnel, [`Node::step`].
//!
//! This file holds the types, the funnel, the rules for all servers and role changes to follower;
//! the role handlers live beside it: `election` (timeouts, PreVote, RequestVote, becoming leader),
//! `replication` (AppendEntries, InstallSnapshot, flow control, the commit rule), `client`
//! (proposals, ReadIndex), `membership` (joint consensus, learners, leadership transfer).

use crate::log::Log;
use crate::message::{Body, Message};
use crate::progress::Progress;
use crate::quorum::{Membership, Set};
use crate::rules::{Broken, Rule};
use crate::snapshot::Snapshot;
use crate::state_machine::{Applied, KvStore};
use crate::types::{Command, Entry, EntryData, Index, NodeId, Term};
use alloc::vec;
use alloc::vec::Vec;

mod client;
mod election;
mod membership;
mod replication;

/// Protocol switches. Each is a trade-off the page lets you flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// §5.3 optimization: a rejecting follower returns the conflicting term and its first index so the
    /// leader skips a whole term per round trip. Off: the leader backs nextIndex off one entry per
    /// round trip (Figure 2 as written) — slower repair, easier to follow on screen.
    pub conflict_hint: bool,
    /// §8: a new leader appends a no-op of its term at once, so entries of earlier terms commit
    /// without waiting for a client command. Off only to show Figure 8 with the leader's own entry.
    pub leader_noop: bool,
    /// Most entries in one AppendEntries. Small values make replication visible entry by entry;
    /// large values repair a lagging follower in fewer round trips.
    pub max_entries_per_append: usize,
    /// PreVote (thesis §9.6): probe for a majority before bumping the term, so a server that was cut
    /// off cannot disrupt a healthy leader when it returns. Costs one extra round trip per election.
    pub pre_vote: bool,
    /// CheckQuorum (thesis §6.2): a leader that has not heard from a quorum within an election
    /// timeout steps down instead of leading on alone. Costs: the leader needs its own election timer.
    pub check_quorum: bool,
    /// Vote lease (thesis §4.2.3): a server that heard from a current leader within the minimum
    /// election timeout ignores RequestVote, so a server removed from the configuration (which no
    /// longer hears from the leader and keeps timing out) cannot depose it. Costs: after a leader
    /// fails, votes wait until the lease runs out (it always has by the time a follower times out).
    pub vote_lease: bool,
    /// The minimum election timeout, in the driver's time units: the lease used by CheckQuorum's
    /// vote-ignoring rule and by PreVote's "heard from a leader recently".
    pub election_timeout_min: u64,
    /// ReadIndex (thesis §6.4): answer reads from the leader's state machine after one heartbeat
    /// round confirms it still leads, instead of appending them to the log. Off: reads go through
    /// the log like writes (slower, simpler).
    pub read_index: bool,
    /// Take a snapshot once this many applied entries sit in the log (0: never compact).
    pub snapshot_threshold: u64,
    /// Rules broken on purpose, to show what each one prevents ([`crate::rules`]). Empty by default.
    pub broken: Broken,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            conflict_hint: true,
            leader_noop: true,
            max_entries_per_append: 64,
            pre_vote: false,
            check_quorum: false,
            vote_lease: true,
            election_timeout_min: 100_000,
            read_index: false,
            snapshot_threshold: 0,
            broken: Broken::NONE,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Follower,
    /// Collecting PreVotes (thesis §9.6); the term is not bumped yet.
    PreCandidate,
    Candidate,
    Leader,
}

/// A membership change an operator asks the leader for (§6, thesis §4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipChange {
    /// Join as a learner; the leader promotes it to voter (through joint consensus) once caught up.
    AddServer(NodeId),
    /// Leave the configuration (through joint consensus if it votes).
    RemoveServer(NodeId),
    /// Change several servers in one joint step (§6): the new servers join as learners; once
    /// they have all caught up, one C_old,new replaces `remove` by them, then C_new follows.
    Replace { add: Set, remove: Set },
}

/// What goes into [`Node::step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Message(Message),
    /// The randomized election timer the driver armed has fired.
    ElectionTimeout,
    /// The heartbeat timer the driver armed has fired.
    HeartbeatTimeout,
    /// A client asks this server to run a command.
    Propose(Command),
    /// Ask the leader to hand leadership to this server (thesis §3.10).
    TransferLeadership(NodeId),
    /// Ask the leader to change the configuration.
    ChangeMembership(MembershipChange),
    /// A driver with asynchronous stable storage ([`Node::durable`]): a write finished, and this
    /// much of the server's own state is now on disk.
    Persisted(Durable),
}

/// An answer to a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientReply {
    pub client: u32,
    pub seq: u32,
    pub result: ClientResult,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientResult {
    /// Done. `index`: where the command was applied (for a ReadIndex read, the read index).
    /// `value`: the key's value after a write, or the value read.
    Ok { index: Index, value: Option<i64> },
    /// Not the leader (or a leader handing over): try the leader this server knows of, if any.
    Redirect { leader: Option<NodeId> },
    /// The client's session was evicted from the bounded session table (thesis §6.3): the command
    /// was not applied now, and whether an earlier attempt was cannot be told.
    SessionExpired,
}

/// What the driver must do after a step, in this order: persist, then send, arm timers, reply.
/// A driver whose disk writes finish later ([`Node::durable`]) keeps the messages and replies until
/// the write is durable, and then says so with [`Input::Persisted`].
#[derive(Clone, Debug, Default)]
pub struct Ready {
    /// `current_term` or `voted_for` changed: write them to stable storage before sending anything.
    pub persist_hard_state: bool,
    /// The log changed from this index on (entries rewritten or truncated): persist `log[i..]` and
    /// drop anything stored past the log's end, before sending anything.
    pub persist_log_from: Option<Index>,
    /// A new snapshot replaced a log prefix: persist the snapshot and the whole (shorter) log.
    pub persist_snapshot: bool,
    /// …and it came from the leader (InstallSnapshot): the state machine was replaced by it.
    pub installed_snapshot: bool,
    pub messages: Vec<Message>,
    /// (Re)arm the election timer with a fresh randomized timeout.
    pub reset_election_timer: bool,
    /// Arm the heartbeat timer (leaders only).
    pub arm_heartbeat: bool,
    pub client_replies: Vec<ClientReply>,
    /// An operator request (membership change, leadership transfer) was refused, and why.
    pub refused: Option<&'static str>,
    /// Scratch, no part of what the step asks for: the emptied entry vectors of AppendEntries
    /// handled, which later AppendEntries are built in (a driver that reuses one `Ready` for all
    /// its servers hands a follower's spent vector to the leader's next send: no allocation per
    /// message). Kept by [`Ready::clear`]; a few at most.
    pub spare_entries: Vec<Vec<Entry>>,
}

/// Two steps asked for the same if every field but the scratch `spare_entries` is equal (written
/// out: a field added to `Ready` must say here whether it counts).
impl PartialEq for Ready {
    fn eq(&self, other: &Ready) -> bool {
        let Ready {
            persist_hard_state,
            persist_log_from,
            persist_snapshot,
            installed_snapshot,
            messages,
            reset_election_timer,
            arm_heartbeat,
            client_replies,
            refused,
            spare_entries: _,
        } = self;
        *persist_hard_state == other.persist_hard_state
            && *persist_log_from == other.persist_log_from
            && *persist_snapshot == other.persist_snapshot
            && *installed_snapshot == other.installed_snapshot
            && *messages == other.messages
            && *reset_election_timer == other.reset_election_timer
            && *arm_heartbeat == other.arm_heartbeat
            && *client_replies == other.client_replies
            && *refused == other.refused
    }
}

impl Eq for Ready {}

/// How many spent entry vectors a [`Ready`] keeps.
const SPARE_ENTRY_VECTORS: usize = 8;

impl Ready {
    fn log_changed(&mut self, from: Index) {
        self.persist_log_from = Some(self.persist_log_from.map_or(from, |f| f.min(from)));
    }
    #[inline]
    pub fn clear(&mut self) {
        self.persist_hard_state = false;
        self.persist_log_from = None;
        self.persist_snapshot = false;
        self.installed_snapshot = false;
        self.messages.clear();
        self.reset_election_timer = false;
        self.arm_heartbeat = false;
        self.client_replies.clear();
        self.refused = None;
    }

    /// An empty vector to build an AppendEntries' entries in: a spent one if there is one.
    fn entries_buffer(&mut self) -> Vec<Entry> {
        self.spare_entries.pop().unwrap_or_default()
    }

    /// Keep the vector of an AppendEntries handled, emptied, for a later one.
    fn recycle_entries(&mut self, mut entries: Vec<Entry>) {
        if self.spare_entries.len() < SPARE_ENTRY_VECTORS && entries.capacity() > 0 {
            entries.clear();
            self.spare_entries.push(entries);
        }
    }
}

/// The state a server keeps across crashes (Figure 2, "Persistent state on all servers", plus the
/// snapshot of §7, whose configuration at index 0 is the bootstrap configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persistent {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
    pub snapshot: Snapshot,
}

/// How much of a server's own state is on stable storage, when the driver's writes finish after
/// the step that asked for them (thesis §10.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// currentTerm and votedFor as of this term are on disk.
    pub term: Term,
    /// The log is on disk through this index (entries the server holds in memory and on disk alike).
    pub index: Index,
}

/// A ReadIndex read waiting for its heartbeat round and for the state machine to catch up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRead {
    pub cmd: Command,
    pub read_index: Index,
    /// The heartbeat round that must be acknowledged by a quorum.
    pub ctx: u64,
    pub acks: Set,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub opts: Options,

    // Persistent state on all servers (Figure 2, §7).
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
    pub snapshot: Snapshot,
    /// What of the above is on stable storage. `None` (the default): the driver persists what a
    /// step asks for before anything else happens, so it is all durable as soon as the step
    /// returns. `Some`: writes finish later ([`Input::Persisted`]), and until then the server does
    /// not count itself — its own vote as a candidate, its own log as a leader — toward a
    /// majority (thesis §10.2.1), so it never wins or commits on state a crash could still take.
    pub durable: Option<Durable>,

    /// The configuration in force: the newest in the log, committed or not (§6), else the snapshot's.
    pub config: Membership,
    /// Index of the entry that set `config` (the snapshot's index if none in the log).
    pub config_index: Index,

    // Volatile state on all servers.
    pub commit_index: Index,
    pub last_applied: Index,
    pub role: Role,
    /// The leader of `current_term`, once known (for redirecting clients).
    pub leader_id: Option<NodeId>,
    pub state_machine: KvStore,
    /// The driver's time at the current step, and when we last heard from a current leader.
    pub now: u64,
    pub last_leader_contact: Option<u64>,

    // Volatile state on candidates: who granted us a vote (or a PreVote) this round.
    pub votes: Set,
    pub rejections: Set,
    /// This campaign was started by TimeoutNow.
    transfer_campaign: bool,

    // Volatile state on leaders (reinitialized after election), indexed by server id.
    pub progress: Vec<Progress>,
    /// CheckQuorum: who answered since the last check.
    pub recent_active: Set,
    /// Leadership transfer in progress to this server.
    pub transferee: Option<NodeId>,
    /// Learners to promote to voters once they have caught up.
    pub promote: Set,
    /// Servers the last change removed: they still get AppendEntries until they hold the new
    /// configuration and know it is committed, so they never campaign for lack of news.
    pub notify: Set,
    pub reads: Vec<PendingRead>,
    /// The current heartbeat round (ReadIndex).
    pub ctx: u64,
}

impl Node {
    /// A server booting for the first time with the bootstrap configuration `config` (empty for a
    /// server that will be added to a running cluster).
    pub fn new(id: NodeId, config: Membership, opts: Options) -> Node {
        let snapshot = Snapshot { config, ..Snapshot::default() };
        Node::restart(id, opts, Persistent { snapshot, ..Persistent::default() })
    }

    /// A server coming back from a crash: exactly its persistent state, every volatile field reset.
    /// The state machine restarts from the snapshot; commitIndex and lastApplied from its index.
    pub fn restart(id: NodeId, opts: Options, p: Persistent) -> Node {
        let mut n = Node {
            id,
            opts,
            // Figure 2: currentTerm and votedFor are on stable storage — unless a rule is broken
            // on purpose and the restart forgets them.
            current_term: if opts.broken.has(Rule::ForgetTermOnRestart) {
                p.log.last_term().max(p.snapshot.last_term)
            } else {
                p.current_term
            },
            voted_for: if opts.broken.has(Rule::ForgetVoteOnRestart) || opts.broken.has(Rule::ForgetTermOnRestart) {
                None
            } else {
                p.voted_for
            },
            log: p.log,
            config: p.snapshot.config,
            config_index: p.snapshot.last_index,
            commit_index: p.snapshot.last_index,
            last_applied: p.snapshot.last_index,
            state_machine: p.snapshot.state.clone(),
            snapshot: p.snapshot,
            durable: None,
            role: Role::Follower,
            leader_id: None,
            now: 0,
            last_leader_contact: None,
            votes: Set::EMPTY,
            rejections: Set::EMPTY,
            transfer_campaign: false,
            progress: vec![Progress::default(); 64],
            recent_active: Set::EMPTY,
            transferee: None,
            promote: Set::EMPTY,
            notify: Set::EMPTY,
            reads: Vec::new(),
            ctx: 0,
        };
        n.reload_config();
        n
    }

    /// The persistent state as the driver should have stored it.
    pub fn persistent(&self) -> Persistent {
        Persistent {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: self.log.clone(),
            snapshot: self.snapshot.clone(),
        }
    }

    /// Called once after construction: a follower starts its election timer.
    pub fn start(&mut self, out: &mut Ready) {
        out.reset_election_timer = true;
    }

    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// The single input funnel. `now` is the driver's clock (any unit; `Options::
    /// election_timeout_min` is in the same unit).
    pub fn step(&mut self, now: u64, input: Input, out: &mut Ready) {
        self.now = now;
        // Compact what earlier steps applied (never an entry this step appends: the driver sees
        // every entry in the log at least once).
        self.maybe_snapshot(out);
        match input {
            Input::Message(m) => self.step_message(m, out),
            Input::ElectionTimeout => self.election_timeout(out),
            Input::HeartbeatTimeout => {
                if self.role == Role::Leader {
                    self.heartbeat(out);
                    out.arm_heartbeat = true;
                }
            }
            Input::Propose(cmd) => self.propose(cmd, out),
            Input::TransferLeadership(to) => self.transfer_leadership(to, out),
            Input::ChangeMembership(change) => self.change_membership(change, out),
            Input::Persisted(durable) => self.persisted(durable, out),
        }
        self.apply_committed(out);
    }

    /// The server's own vote counts once it is on disk (a pre-vote changes nothing persistent).
    fn own_vote_counts(&self) -> bool {
        self.role == Role::PreCandidate || self.durable.is_none_or(|d| d.term == self.current_term)
    }

    /// How far the server's own log counts toward a commit: as far as it is on disk.
    fn own_match(&self) -> Index {
        let last = self.log.last_index();
        self.durable.map_or(last, |d| d.index.min(last))
    }

    /// A write finished: count what just became durable.
    fn persisted(&mut self, durable: Durable, out: &mut Ready) {
        self.durable = Some(durable);
        match self.role {
            Role::Candidate if self.own_vote_counts() && !self.votes.contains(self.id) => {
                self.votes.insert(self.id);
                if self.quorum().has_quorum(self.votes) {
                    self.become_leader(out);
                }
            }
            Role::Leader => {
                let own = self.own_match();
                self.progress[self.id as usize].own_durable(own);
                self.maybe_commit(out);
            }
            _ => {}
        }
    }

    /// Recompute the configuration in force from the log (newest config entry) or the snapshot.
    fn reload_config(&mut self) {
        self.config = self.snapshot.config;
        self.config_index = self.snapshot.last_index;
        for (k, e) in self.log.entries().enumerate().rev() {
            if let EntryData::Config(m) = e.data {
                self.config = m;
                self.config_index = self.log.first_index() + k as Index;
                break;
            }
        }
    }

    /// The configuration as of `index` (for a snapshot taken there).
    fn config_at(&self, index: Index) -> Membership {
        let mut i = index;
        while i > self.log.offset() {
            if let Some(Entry { data: EntryData::Config(m), .. }) = self.log.get(i) {
                return *m;
            }
            i -= 1;
        }
        self.snapshot.config
    }

    /// Has this server heard from a current leader within the minimum election timeout?
    fn in_lease(&self) -> bool {
        match (self.role, self.last_leader_contact) {
            (Role::Leader, _) => true,
            (_, Some(t)) if self.leader_id.is_some() => self.now.saturating_sub(t) < self.opts.election_timeout_min,
            _ => false,
        }
    }

    fn step_message(&mut self, m: Message, out: &mut Ready) {
        if let Body::RequestVote { pre_vote, transfer, .. } = m.body {
            // Thesis §4.2.3: a server that heard from a leader within the minimum election timeout
            // ignores RequestVote (it neither adopts the term nor votes), unless the leader itself
            // asked for the election (TimeoutNow).
            if m.term > self.current_term && self.opts.vote_lease && !transfer && self.in_lease() && !pre_vote {
                return;
            }
        }
        if self.role == Role::Leader && m.term > self.current_term && !self.config.members().contains(m.from) {
            // A server outside the configuration (removed, perhaps without knowing it) cannot lead
            // this cluster, so its term is no reason for the leader to step down (thesis §4.2.3).
            self.notify.remove(m.from);
            return;
        }
        let is_pre_vote_request = matches!(m.body, Body::RequestVote { pre_vote: true, .. });
        let is_pre_vote_grant = matches!(m.body, Body::RequestVoteReply { pre_vote: true, granted: true });
        if m.term > self.current_term && !is_pre_vote_request && !is_pre_vote_grant {
            // Figure 2: a higher term in any request or response → adopt it, become follower.
            let leader = matches!(m.body, Body::AppendEntries { .. } | Body::InstallSnapshot { .. } | Body::TimeoutNow)
                .then_some(m.from);
            self.become_follower(m.term, leader, out);
        }
        if self.role == Role::Leader && m.term == self.current_term {
            self.recent_active.insert(m.from);
        }
        match m.body {
            Body::RequestVote { last_log_index, last_log_term, pre_vote, .. } => {
                self.handle_request_vote(m.from, m.term, last_log_index, last_log_term, pre_vote, out)
            }
            Body::RequestVoteReply { granted, pre_vote } => {
                self.handle_vote_reply(m.from, m.term, granted, pre_vote, out)
            }
            Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, ctx } => {
                self.handle_append_entries(
                    m.from,
                    m.term,
                    prev_log_index,
                    prev_log_term,
                    &entries,
                    leader_commit,
                    ctx,
                    out,
                );
                out.recycle_entries(entries);
            }
            Body::AppendEntriesReply { success, index, hint, ctx, commit } => {
                if commit >= self.config_index {
                    // It knows the configuration is committed: a removed server needs no more news.
                    self.notify.remove(m.from);
                }
                self.handle_append_reply(m.from, m.term, success, index, hint, ctx, out)
            }
            Body::InstallSnapshot { snapshot } => self.handle_install_snapshot(m.from, m.term, *snapshot, out),
            Body::InstallSnapshotReply { last_index } => self.handle_snapshot_reply(m.from, m.term, last_index, out),
            Body::TimeoutNow => {
                // Thesis §3.10: the leader hands over; campaign at once (no PreVote).
                if m.term == self.current_term && self.may_campaign() && self.role != Role::Leader {
                    self.transfer_campaign = true;
                    self.become_candidate(out);
                }
            }
        }
    }

    /// The configuration that decides elections and commits: C_new and, while joint, C_old too —
    /// or C_new alone with the rule `joint-new-only` broken on purpose.
    fn quorum(&self) -> Membership {
        if self.opts.broken.has(Rule::JointNewOnly) {
            Membership { outgoing: Set::EMPTY, ..self.config }
        } else {
            self.config
        }
    }

    fn send(&self, out: &mut Ready, to: NodeId, term: Term, body: Body) {
        out.messages.push(Message { from: self.id, to, term, body });
    }

    /// For a driver setting up a starting state by hand (the playground's `commit S1 7`): take the
    /// log as committed through `index` (at most its last entry, never back) and apply it.
    pub fn commit_to(&mut self, index: Index, out: &mut Ready) {
        self.commit_index = self.commit_index.max(index.min(self.log.last_index()));
        self.apply_committed(out);
    }

    /// If commitIndex > lastApplied: apply log[lastApplied+1..=commitIndex] in order. (Asked after
    /// every step, mostly with nothing to apply: the test is inlined.)
    #[inline]
    fn apply_committed(&mut self, out: &mut Ready) {
        if self.last_applied < self.commit_index {
            self.apply_entries(out);
        }
        if self.role == Role::Leader {
            self.answer_reads(out);
        }
    }

    fn apply_entries(&mut self, out: &mut Ready) {
        while self.last_applied < self.commit_index {
            let Some(entry) = self.log.get(self.last_applied + 1).copied() else { break };
            self.last_applied += 1;
            if let EntryData::Command(cmd) = entry.data {
                let applied = if self.opts.broken.has(Rule::NoDedup) {
                    self.state_machine.apply_without_dedup(&cmd)
                } else {
                    self.state_machine.apply(&cmd)
                };
                let result = match applied {
                    Applied::Done(value) | Applied::Duplicate(value) => {
                        ClientResult::Ok { index: self.last_applied, value }
                    }
                    Applied::Expired => ClientResult::SessionExpired,
                };
                if self.role == Role::Leader {
                    out.client_replies.push(ClientReply { client: cmd.client, seq: cmd.seq, result });
                }
            }
        }
    }

    /// Log compaction (§7): once enough applied entries pile up, snapshot the state machine at
    /// lastApplied and discard the log up to it.
    fn maybe_snapshot(&mut self, out: &mut Ready) {
        let t = self.opts.snapshot_threshold;
        if t == 0 || self.last_applied < self.log.offset() + t {
            return;
        }
        let index = self.last_applied;
        let term = self.log.term(index).expect("applied entry is in the log");
        self.snapshot = Snapshot {
            last_index: index,
            last_term: term,
            config: self.config_at(index),
            state: self.state_machine.clone(),
        };
        self.log.compact_to(index, term);
        out.persist_snapshot = true;
    }

    fn become_follower(&mut self, term: Term, leader: Option<NodeId>, out: &mut Ready) {
        // Figure 2: the election timer restarts on hearing from the current leader (or granting
        // a vote, in handle_request_vote), never on merely seeing a higher term; a leader had no
        // election timer running, so one starts.
        let restart_timer = leader.is_some() || self.role == Role::Leader;
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            out.persist_hard_state = true;
        }
        self.role = Role::Follower;
        self.leader_id = leader;
        if leader.is_some() {
            self.last_leader_contact = Some(self.now);
        }
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        self.transferee = None;
        self.transfer_campaign = false;
        self.reads.clear();
        if restart_timer {
            out.reset_election_timer = true;
        }
    }

    /// A current leader exists: candidates return to follower; everyone restarts the election timer.
    fn heard_from_leader(&mut self, from: NodeId, term: Term, out: &mut Ready) {
        if self.role != Role::Follower || self.leader_id != Some(from) {
            self.become_follower(term, Some(from), out);
        }
        self.last_leader_contact = Some(self.now);
        out.reset_election_timer = true;
    }
}
