//! One Raft server: Figure 2 of the paper plus the thesis' extensions (membership changes, log
//! compaction, client sessions, ReadIndex, PreVote, CheckQuorum, leadership transfer), driven
//! through a single funnel, [`Node::step`].

use crate::log::Log;
use crate::message::{Body, Message};
use crate::progress::{Progress, State as ProgressState};
use crate::quorum::{Membership, Set};
use crate::snapshot::Snapshot;
use crate::state_machine::KvStore;
use crate::types::{Command, Entry, EntryData, Index, NodeId, Op, Term};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

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
    /// timeout steps down, and servers that heard from a leader within the minimum election timeout
    /// ignore RequestVote (§4.2.3), so removed or returning servers cannot depose it. Costs: the
    /// leader needs its own election timer.
    pub check_quorum: bool,
    /// The minimum election timeout, in the driver's time units: the lease used by CheckQuorum's
    /// vote-ignoring rule and by PreVote's "heard from a leader recently".
    pub election_timeout_min: u64,
    /// ReadIndex (thesis §6.4): answer reads from the leader's state machine after one heartbeat
    /// round confirms it still leads, instead of appending them to the log. Off: reads go through
    /// the log like writes (slower, simpler).
    pub read_index: bool,
    /// Take a snapshot once this many applied entries sit in the log (0: never compact).
    pub snapshot_threshold: u64,
    /// A deliberately broken rule, for showing what the checker catches: commit an entry as soon as a
    /// majority stores it, even from an earlier term (the Figure 8 mistake). Never on by default.
    pub unsafe_commit_old_terms: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            conflict_hint: true,
            leader_noop: true,
            max_entries_per_append: 64,
            pre_vote: false,
            check_quorum: false,
            election_timeout_min: 100_000,
            read_index: false,
            snapshot_threshold: 0,
            unsafe_commit_old_terms: false,
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
}

/// What the driver must do after a step, in this order: persist, then send, arm timers, reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
}

impl Ready {
    fn log_changed(&mut self, from: Index) {
        self.persist_log_from = Some(self.persist_log_from.map_or(from, |f| f.min(from)));
    }
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
            current_term: p.current_term,
            voted_for: p.voted_for,
            log: p.log,
            config: p.snapshot.config,
            config_index: p.snapshot.last_index,
            commit_index: p.snapshot.last_index,
            last_applied: p.snapshot.last_index,
            state_machine: p.snapshot.state.clone(),
            snapshot: p.snapshot,
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
        }
        self.apply_committed(out);
    }

    // ---- Configuration ---------------------------------------------------------------------------

    /// Recompute the configuration in force from the log (newest config entry) or the snapshot.
    fn reload_config(&mut self) {
        self.config = self.snapshot.config;
        self.config_index = self.snapshot.last_index;
        for (k, e) in self.log.entries().iter().enumerate().rev() {
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

    // ---- Rules for all servers -------------------------------------------------------------------

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
            // Thesis §4.2.3 with CheckQuorum: a server that heard from a leader within the minimum
            // election timeout ignores RequestVote (it neither adopts the term nor votes), unless
            // the leader itself asked for the election (TimeoutNow).
            if m.term > self.current_term && self.opts.check_quorum && !transfer && self.in_lease() && !pre_vote {
                return;
            }
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
            Body::RequestVoteReply { granted, pre_vote } => self.handle_vote_reply(m.from, m.term, granted, pre_vote, out),
            Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, ctx } => {
                self.handle_append_entries(m.from, m.term, prev_log_index, prev_log_term, &entries, leader_commit, ctx, out)
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

    fn send(&self, out: &mut Ready, to: NodeId, term: Term, body: Body) {
        out.messages.push(Message { from: self.id, to, term, body });
    }

    /// If commitIndex > lastApplied: apply log[lastApplied+1..=commitIndex] in order.
    fn apply_committed(&mut self, out: &mut Ready) {
        while self.last_applied < self.commit_index {
            let Some(entry) = self.log.get(self.last_applied + 1).copied() else { break };
            self.last_applied += 1;
            if let EntryData::Command(cmd) = entry.data {
                let (value, _duplicate) = self.state_machine.apply(&cmd);
                if self.role == Role::Leader {
                    out.client_replies.push(ClientReply {
                        client: cmd.client,
                        seq: cmd.seq,
                        result: ClientResult::Ok { index: self.last_applied, value },
                    });
                }
            }
        }
        if self.role == Role::Leader {
            self.answer_reads(out);
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
        self.snapshot = Snapshot { last_index: index, last_term: term, config: self.config_at(index), state: self.state_machine.clone() };
        self.log.compact_to(index, term);
        out.persist_snapshot = true;
    }

    // ---- Role changes ----------------------------------------------------------------------------

    fn become_follower(&mut self, term: Term, leader: Option<NodeId>, out: &mut Ready) {
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
        out.reset_election_timer = true;
    }

    fn election_timeout(&mut self, out: &mut Ready) {
        match self.role {
            Role::Leader => {
                // A transfer that has not finished within an election timeout is abandoned, and a
                // configuration change it held up goes on.
                if self.transferee.take().is_some() {
                    self.advance_config(out);
                }
                if self.opts.check_quorum {
                    // CheckQuorum (thesis §6.2): step down without a quorum of recent answers.
                    let mut active = self.recent_active;
                    active.insert(self.id);
                    if !self.config.has_quorum(active) {
                        let term = self.current_term;
                        return self.become_follower(term, None, out);
                    }
                    self.recent_active = Set::EMPTY;
                    out.reset_election_timer = true;
                }
            }
            // Servers outside the configuration (learners, removed or not yet added) do not campaign
            // — except a server removed by a configuration entry that is not committed yet: until
            // it is, the cluster may still need that server to lead (thesis §4.2.2).
            _ if !self.may_campaign() => out.reset_election_timer = true,
            _ if self.opts.pre_vote => self.become_pre_candidate(out),
            _ => self.become_candidate(out),
        }
    }

    fn may_campaign(&self) -> bool {
        self.config.is_voter(self.id)
            || (self.config_index > self.commit_index && !self.config.learners.contains(self.id) && self.was_voter_before_latest_config())
    }

    /// Was this server a voter in the configuration before the newest (uncommitted) one?
    fn was_voter_before_latest_config(&self) -> bool {
        self.config_at(self.config_index.saturating_sub(1)).is_voter(self.id)
    }

    /// Thesis §9.6: ask for PreVotes in term+1 without changing any persistent state.
    fn become_pre_candidate(&mut self, out: &mut Ready) {
        self.role = Role::PreCandidate;
        self.leader_id = None;
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        self.votes.insert(self.id);
        out.reset_election_timer = true;
        if self.config.has_quorum(self.votes) {
            return self.become_candidate(out);
        }
        self.request_votes(self.current_term + 1, true, out);
    }

    /// Candidates (§5.2): on conversion, increment currentTerm, vote for self, reset the election
    /// timer, send RequestVote to all other servers.
    fn become_candidate(&mut self, out: &mut Ready) {
        self.role = Role::Candidate;
        self.current_term += 1;
        self.voted_for = Some(self.id);
        out.persist_hard_state = true;
        self.leader_id = None;
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        self.votes.insert(self.id);
        out.reset_election_timer = true;
        if self.config.has_quorum(self.votes) {
            return self.become_leader(out);
        }
        self.request_votes(self.current_term, false, out);
    }

    fn request_votes(&self, term: Term, pre_vote: bool, out: &mut Ready) {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        let transfer = self.transfer_campaign;
        for peer in self.config.all_voters().iter().filter(|&p| p != self.id) {
            self.send(out, peer, term, Body::RequestVote { last_log_index, last_log_term, pre_vote, transfer });
        }
    }

    /// Leaders: reinitialize nextIndex/matchIndex, append a no-op of the new term (§8), and send
    /// AppendEntries to every server at once.
    fn become_leader(&mut self, out: &mut Ready) {
        self.role = Role::Leader;
        self.leader_id = Some(self.id);
        self.transfer_campaign = false;
        self.recent_active = Set::EMPTY;
        self.transferee = None;
        self.promote = self.config.learners;
        self.notify = Set::EMPTY;
        self.reads.clear();
        let last = self.log.last_index();
        for p in self.progress.iter_mut() {
            *p = Progress::new(last);
        }
        if self.opts.leader_noop {
            self.append(EntryData::Noop, out);
        }
        self.progress[self.id as usize].match_index = self.log.last_index();
        self.maybe_commit(out);
        self.broadcast_append(out);
        out.arm_heartbeat = true;
        out.reset_election_timer = self.opts.check_quorum;
    }

    // ---- RequestVote RPC ---------------------------------------------------------------------------

    fn handle_request_vote(
        &mut self,
        from: NodeId,
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
        pre_vote: bool,
        out: &mut Ready,
    ) {
        let up_to_date = self.log.is_up_to_date(last_log_index, last_log_term);
        let granted = if pre_vote {
            // Thesis §9.6: would we vote for it in `term`? Only if that term is ahead of ours, its log
            // is at least as up-to-date, and we have not heard from a leader within the minimum
            // election timeout. No state changes.
            term > self.current_term && up_to_date && !self.in_lease()
        } else {
            // 1. Reply false if term < currentTerm.
            // 2. If votedFor is null or candidateId, and the candidate's log is at least as up-to-date
            //    as the receiver's log, grant vote (§5.2, §5.4).
            term == self.current_term && self.voted_for.is_none_or(|v| v == from) && up_to_date
        };
        if granted && !pre_vote {
            self.voted_for = Some(from);
            out.persist_hard_state = true;
            // Granting a vote resets the election timer (Figure 2, Followers).
            out.reset_election_timer = true;
        }
        // A granted PreVote answers in the probed term; everything else in our own.
        let reply_term = if pre_vote && granted { term } else { self.current_term };
        self.send(out, from, reply_term, Body::RequestVoteReply { granted, pre_vote });
    }

    fn handle_vote_reply(&mut self, from: NodeId, term: Term, granted: bool, pre_vote: bool, out: &mut Ready) {
        let (expected_role, expected_term) = if pre_vote {
            (Role::PreCandidate, self.current_term + 1)
        } else {
            (Role::Candidate, self.current_term)
        };
        if self.role != expected_role || (granted && term != expected_term) || (!granted && term != self.current_term) {
            return; // stale or not for this round
        }
        if granted {
            self.votes.insert(from);
        } else {
            self.rejections.insert(from);
        }
        if self.config.has_quorum(self.votes) {
            if pre_vote {
                self.become_candidate(out);
            } else {
                self.become_leader(out);
            }
        } else if self.config.has_quorum(self.rejections) {
            // Lost: wait for a leader (or the next timeout) as a follower.
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }

    // ---- AppendEntries RPC -------------------------------------------------------------------------

    /// A current leader exists: candidates return to follower; everyone restarts the election timer.
    fn heard_from_leader(&mut self, from: NodeId, term: Term, out: &mut Ready) {
        if self.role != Role::Follower || self.leader_id != Some(from) {
            self.become_follower(term, Some(from), out);
        }
        self.last_leader_contact = Some(self.now);
        out.reset_election_timer = true;
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_append_entries(
        &mut self,
        from: NodeId,
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: &[Entry],
        leader_commit: Index,
        ctx: u64,
        out: &mut Ready,
    ) {
        // 1. Reply false if term < currentTerm (§5.1).
        if term < self.current_term {
            let body = Body::AppendEntriesReply { success: false, index: prev_log_index, hint: None, ctx, commit: self.commit_index };
            return self.send(out, from, self.current_term, body);
        }
        self.heard_from_leader(from, term, out);

        // Entries at or below our snapshot are committed, hence match: skip them (§7).
        let skip = self.log.offset().saturating_sub(prev_log_index).min(entries.len() as Index);
        let (prev_log_index, prev_log_term, entries) = if skip > 0 {
            let p = prev_log_index + skip;
            (p, self.log.term(p).unwrap_or(prev_log_term), &entries[skip as usize..])
        } else if prev_log_index < self.log.offset() {
            // Everything it sent is inside our snapshot: we match up to the snapshot.
            let body = Body::AppendEntriesReply { success: true, index: self.log.offset(), hint: None, ctx, commit: self.commit_index };
            return self.send(out, from, self.current_term, body);
        } else {
            (prev_log_index, prev_log_term, entries)
        };

        // 2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
        //    prevLogTerm (§5.3).
        if self.log.term(prev_log_index) != Some(prev_log_term) {
            let hint = self.opts.conflict_hint.then(|| match self.log.term(prev_log_index) {
                None => (None, self.log.last_index() + 1),
                Some(t) => (Some(t), self.log.first_index_of_term(t, prev_log_index)),
            });
            let body = Body::AppendEntriesReply { success: false, index: prev_log_index, hint, ctx, commit: self.commit_index };
            return self.send(out, from, self.current_term, body);
        }

        // 3. If an existing entry conflicts with a new one (same index but different terms), delete
        //    the existing entry and all that follow it (§5.3). Only then: an entry that matches is
        //    never truncated, so a stale, reordered AppendEntries cannot delete newer entries.
        // 4. Append any new entries not already in the log.
        let mut config_changed = false;
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as Index;
            match self.log.term(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    self.log.truncate_from(index);
                    out.log_changed(index);
                    config_changed |= self.config_index >= index;
                }
                None => {}
            }
            for e in &entries[k..] {
                self.log.append(*e);
                config_changed |= matches!(e.data, EntryData::Config(_));
            }
            out.log_changed(index);
            break;
        }
        if config_changed {
            // §6: a server uses the newest configuration in its log, committed or not.
            self.reload_config();
        }

        // 5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new
        //    entry). Never move it backwards on a stale message.
        let last_new = prev_log_index + entries.len() as Index;
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(last_new));
        }
        let body = Body::AppendEntriesReply { success: true, index: last_new, hint: None, ctx, commit: self.commit_index };
        self.send(out, from, self.current_term, body);
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_append_reply(
        &mut self,
        from: NodeId,
        term: Term,
        success: bool,
        index: Index,
        hint: Option<(Option<Term>, Index)>,
        ctx: u64,
        out: &mut Ready,
    ) {
        if self.role != Role::Leader || term != self.current_term {
            return;
        }
        // Any answer in our term confirms our leadership for the rounds up to `ctx` (ReadIndex).
        for r in self.reads.iter_mut().filter(|r| r.ctx <= ctx) {
            r.acks.insert(from);
        }
        let pr = &mut self.progress[from as usize];
        if success {
            // If successful: update nextIndex and matchIndex for follower (§5.3).
            if index > pr.match_index {
                pr.match_index = index;
            }
            pr.next_index = pr.next_index.max(index + 1);
            pr.state = ProgressState::Replicate;
            pr.paused = false;
            self.maybe_commit(out);
            self.maybe_promote(from, out);
            self.maybe_finish_transfer(from, out);
            // More to send (a long backlog goes out max_entries_per_append at a time).
            if self.progress[from as usize].next_index <= self.log.last_index() {
                self.send_append(from, out);
            }
        } else {
            // A rejection of an older request (reordered, duplicated) says nothing new.
            let stale = match pr.state {
                ProgressState::Replicate => index <= pr.match_index,
                ProgressState::Probe => index + 1 != pr.next_index,
                ProgressState::Snapshot => true,
            };
            if stale {
                return;
            }
            // If AppendEntries fails because of log inconsistency: decrement nextIndex and retry
            // (§5.3), or with the hint skip the follower's whole conflicting term.
            let next = match hint {
                Some((Some(t), first)) => match self.log.last_index_of_term(t) {
                    Some(last_of_term) => last_of_term + 1,
                    None => first,
                },
                Some((None, len_plus_one)) => len_plus_one,
                None => index,
            };
            pr.next_index = next.min(index).max(pr.match_index + 1);
            pr.state = ProgressState::Probe;
            pr.paused = false;
            self.send_append(from, out);
        }
        self.answer_reads(out);
    }

    // ---- InstallSnapshot RPC (§7) ------------------------------------------------------------------

    fn handle_install_snapshot(&mut self, from: NodeId, term: Term, snap: Snapshot, out: &mut Ready) {
        // Reply immediately if term < currentTerm.
        if term < self.current_term {
            return self.send(out, from, self.current_term, Body::InstallSnapshotReply { last_index: 0 });
        }
        self.heard_from_leader(from, term, out);
        let last = snap.last_index;
        if last > self.commit_index {
            if self.log.term(last) == Some(snap.last_term) {
                // The log has the snapshot's last entry: keep the entries after it.
                self.log.compact_to(last, snap.last_term);
            } else {
                // Otherwise discard the whole log.
                self.log.reset_to(last, snap.last_term);
            }
            // Reset the state machine from the snapshot and load its configuration.
            self.state_machine = snap.state.clone();
            self.commit_index = last;
            self.last_applied = last;
            self.snapshot = snap;
            self.reload_config();
            out.persist_snapshot = true;
            out.installed_snapshot = true;
        }
        // Everything up to `last` is committed and therefore matches the leader (a snapshot at or
        // below our commit index tells us nothing new).
        self.send(out, from, self.current_term, Body::InstallSnapshotReply { last_index: last });
    }

    fn handle_snapshot_reply(&mut self, from: NodeId, term: Term, last_index: Index, out: &mut Ready) {
        if self.role != Role::Leader || term != self.current_term {
            return;
        }
        let pr = &mut self.progress[from as usize];
        pr.match_index = pr.match_index.max(last_index);
        pr.next_index = pr.match_index + 1;
        pr.state = ProgressState::Probe;
        pr.paused = false;
        self.maybe_commit(out);
        self.maybe_promote(from, out);
        self.send_append(from, out);
    }

    // ---- Leaders -----------------------------------------------------------------------------------

    fn propose(&mut self, cmd: Command, out: &mut Ready) {
        if self.role != Role::Leader || self.transferee.is_some() {
            // Not the leader, or handing over (thesis §3.10: stop accepting new requests).
            let leader = if self.role == Role::Leader { self.transferee } else { self.leader_id };
            out.client_replies.push(ClientReply { client: cmd.client, seq: cmd.seq, result: ClientResult::Redirect { leader } });
            return;
        }
        if let (true, Op::Get { .. }) = (self.opts.read_index, cmd.op) {
            return self.read_index(cmd, out);
        }
        // If command received from client: append entry to local log, respond after entry applied
        // to state machine (§5.3).
        self.append(EntryData::Command(cmd), out);
        self.broadcast_append(out);
    }

    /// ReadIndex (thesis §6.4): remember the commit index, confirm leadership with a heartbeat round
    /// answered by a quorum, answer once the state machine has applied up to the read index. The
    /// read index is at least the first entry of this term, so everything committed by earlier
    /// leaders is included.
    fn read_index(&mut self, cmd: Command, out: &mut Ready) {
        let own_term_commit = self.log.term(self.commit_index) == Some(self.current_term);
        let read_index = if own_term_commit { self.commit_index } else { self.log.last_index() };
        if self.log.term(read_index) != Some(self.current_term) {
            // No entry of this term to wait for (no-op disabled): read through the log instead.
            self.append(EntryData::Command(cmd), out);
            return self.broadcast_append(out);
        }
        self.ctx += 1;
        let mut acks = Set::EMPTY;
        acks.insert(self.id);
        self.reads.push(PendingRead { cmd, read_index, ctx: self.ctx, acks });
        self.heartbeat(out);
        self.answer_reads(out);
    }

    fn answer_reads(&mut self, out: &mut Ready) {
        let (config, applied, state) = (self.config, self.last_applied, &self.state_machine);
        self.reads.retain(|r| {
            if config.has_quorum(r.acks) && applied >= r.read_index {
                let value = state.get(r.cmd.op.key());
                let result = ClientResult::Ok { index: r.read_index, value };
                out.client_replies.push(ClientReply { client: r.cmd.client, seq: r.cmd.seq, result });
                false
            } else {
                true
            }
        });
    }

    fn append(&mut self, data: EntryData, out: &mut Ready) {
        let index = self.log.append(Entry { term: self.current_term, data });
        if let EntryData::Config(m) = data {
            self.config = m;
            self.config_index = index;
        }
        self.progress[self.id as usize].match_index = index;
        out.log_changed(index);
        self.maybe_commit(out);
    }

    /// Everyone the leader replicates to: voters of both configurations, learners, and servers
    /// just removed that have not yet learned it.
    fn replicas(&self) -> Set {
        Set(self.config.members().0 | self.notify.0)
    }

    /// AppendEntries to every replica.
    fn broadcast_append(&mut self, out: &mut Ready) {
        let (replicas, me) = (self.replicas(), self.id);
        for peer in replicas.iter().filter(|&p| p != me) {
            self.send_append(peer, out);
        }
    }

    /// The heartbeat (Figure 2: "repeat during idle periods"), also a retransmission timer: entries
    /// still unacknowledged after a heartbeat interval are presumed lost and re-sent from matchIndex.
    fn heartbeat(&mut self, out: &mut Ready) {
        let (replicas, me) = (self.replicas(), self.id);
        for peer in replicas.iter().filter(|&p| p != me) {
            let pr = &mut self.progress[peer as usize];
            if pr.state == ProgressState::Replicate && pr.next_index > pr.match_index + 1 {
                pr.next_index = pr.match_index + 1;
                pr.state = ProgressState::Probe;
            }
            pr.paused = false;
            self.send_append(peer, out);
        }
    }

    /// AppendEntries to one follower with the entries from its nextIndex (none: a heartbeat), or
    /// InstallSnapshot if nextIndex lies in the compacted prefix.
    fn send_append(&mut self, to: NodeId, out: &mut Ready) {
        let pr = self.progress[to as usize];
        if pr.paused {
            return;
        }
        let prev_log_index = pr.next_index - 1;
        let Some(prev_log_term) = self.log.term(prev_log_index) else {
            // §7: the entries it needs are gone; send the snapshot.
            self.progress[to as usize].state = ProgressState::Snapshot;
            self.progress[to as usize].paused = true;
            let body = Body::InstallSnapshot { snapshot: Box::new(self.snapshot.clone()) };
            return self.send(out, to, self.current_term, body);
        };
        let entries = self.log.slice(pr.next_index, self.opts.max_entries_per_append).to_vec();
        let pr = &mut self.progress[to as usize];
        match pr.state {
            ProgressState::Replicate => pr.next_index += entries.len() as Index,
            _ => pr.paused = true,
        }
        let body = Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit: self.commit_index, ctx: self.ctx };
        self.send(out, to, self.current_term, body);
    }

    /// If there exists an N > commitIndex such that a majority of matchIndex[i] ≥ N and
    /// log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4.2). Entries of earlier terms are
    /// committed only indirectly (Figure 8). While joint, "majority" means of C_old and of C_new.
    fn maybe_commit(&mut self, out: &mut Ready) {
        if self.role != Role::Leader {
            return;
        }
        let progress = &self.progress;
        let n = self.config.committed_index(|id| progress[id as usize].match_index).min(self.log.last_index());
        if n > self.commit_index && (self.log.term(n) == Some(self.current_term) || self.opts.unsafe_commit_old_terms) {
            self.commit_index = n;
            self.advance_config(out);
        }
    }

    /// Joint consensus (§6): once C_old,new is committed, append C_new; once C_new is committed, a
    /// leader that is not part of it steps down.
    fn advance_config(&mut self, out: &mut Ready) {
        if self.config_index > self.commit_index || self.transferee.is_some() {
            return;
        }
        if self.config.is_joint() {
            let next = Membership { outgoing: Set::EMPTY, ..self.config };
            let mut removed = self.config.outgoing;
            removed.0 &= !next.members().0;
            self.notify = removed;
            self.append(EntryData::Config(next), out);
            self.broadcast_append(out);
        } else if !self.config.is_voter(self.id) && self.role == Role::Leader {
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }

    /// Is a configuration change still in progress (uncommitted, or joint)?
    fn change_pending(&self) -> bool {
        self.config_index > self.commit_index || self.config.is_joint()
    }

    fn change_membership(&mut self, change: MembershipChange, out: &mut Ready) {
        if self.role != Role::Leader {
            out.refused = Some("only the leader can change the configuration");
            return;
        }
        if self.change_pending() {
            out.refused = Some("a configuration change is still in progress");
            return;
        }
        if self.transferee.is_some() {
            out.refused = Some("leadership is being transferred");
            return;
        }
        let mut next = self.config;
        match change {
            MembershipChange::AddServer(id) => {
                if self.config.members().contains(id) {
                    out.refused = Some("that server is already a member");
                    return;
                }
                // Thesis §4.2.1: join without a vote until caught up.
                next.learners.insert(id);
                self.promote.insert(id);
                self.progress[id as usize] = Progress::new(self.log.last_index());
            }
            MembershipChange::RemoveServer(id) => {
                if next.learners.contains(id) {
                    next.learners.remove(id);
                    self.promote.remove(id);
                    self.notify.insert(id);
                } else if next.voters.contains(id) {
                    if next.voters.len() == 1 {
                        out.refused = Some("cannot remove the last voter");
                        return;
                    }
                    next.outgoing = next.voters;
                    next.voters.remove(id);
                } else {
                    out.refused = Some("that server is not a member");
                    return;
                }
            }
        }
        self.append(EntryData::Config(next), out);
        self.broadcast_append(out);
    }

    /// Promote a caught-up learner to voter through joint consensus.
    fn maybe_promote(&mut self, id: NodeId, out: &mut Ready) {
        // Not while handing over leadership: the target must stay up to date (thesis §3.10).
        let caught_up = self.progress[id as usize].match_index >= self.commit_index;
        if !self.promote.contains(id) || self.change_pending() || !caught_up || self.transferee.is_some() {
            return;
        }
        self.promote.remove(id);
        let mut next = self.config;
        next.learners.remove(id);
        next.outgoing = next.voters;
        next.voters.insert(id);
        self.append(EntryData::Config(next), out);
        self.broadcast_append(out);
    }

    /// Leadership transfer (thesis §3.10): stop taking requests, bring the target up to date, then
    /// tell it to start an election.
    fn transfer_leadership(&mut self, to: NodeId, out: &mut Ready) {
        if self.role != Role::Leader {
            out.refused = Some("only the leader can transfer leadership");
            return;
        }
        if to == self.id || !self.config.is_voter(to) {
            out.refused = Some("the target must be another voting member");
            return;
        }
        self.transferee = Some(to);
        // Abandon the transfer if it has not happened within an election timeout.
        out.reset_election_timer = true;
        self.maybe_finish_transfer(to, out);
        if self.transferee.is_some() {
            self.send_append(to, out);
        }
    }

    fn maybe_finish_transfer(&mut self, from: NodeId, out: &mut Ready) {
        if self.transferee == Some(from) && self.progress[from as usize].match_index == self.log.last_index() {
            self.send(out, from, self.current_term, Body::TimeoutNow);
        }
    }
}
