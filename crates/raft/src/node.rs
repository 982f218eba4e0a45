//! One Raft server: Figure 2 of the paper, driven through a single funnel, [`Node::step`].

use crate::log::Log;
use crate::message::{Body, Message};
use crate::progress::{Progress, State as ProgressState};
use crate::quorum::Set;
use crate::state_machine::KvStore;
use crate::types::{Command, Entry, EntryData, Index, NodeId, Term};
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
    /// Applied at `index`; `value` is the key's value after a write, or the value read.
    Ok { index: Index, value: Option<i64> },
    /// Not the leader: try the leader this server knows of, if any.
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
    pub messages: Vec<Message>,
    /// (Re)arm the election timer with a fresh randomized timeout.
    pub reset_election_timer: bool,
    /// Arm the heartbeat timer (leaders only).
    pub arm_heartbeat: bool,
    pub client_replies: Vec<ClientReply>,
}

impl Ready {
    fn log_changed(&mut self, from: Index) {
        self.persist_log_from = Some(self.persist_log_from.map_or(from, |f| f.min(from)));
    }
    pub fn clear(&mut self) {
        self.persist_hard_state = false;
        self.persist_log_from = None;
        self.messages.clear();
        self.reset_election_timer = false;
        self.arm_heartbeat = false;
        self.client_replies.clear();
    }
}

/// The state a server keeps across crashes (Figure 2, "Persistent state on all servers").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persistent {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub opts: Options,
    /// The voting members. Fixed for now; membership change entries will derive it from the log.
    pub voters: Set,

    // Persistent state on all servers (Figure 2).
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,

    // Volatile state on all servers.
    pub commit_index: Index,
    pub last_applied: Index,
    pub role: Role,
    /// The leader of `current_term`, once known (for redirecting clients).
    pub leader_id: Option<NodeId>,
    pub state_machine: KvStore,

    // Volatile state on candidates: who granted us a vote (or a PreVote) this round.
    pub votes: Set,
    pub rejections: Set,
    // Volatile state on leaders (reinitialized after election), indexed by server id.
    pub progress: Vec<Progress>,
}

impl Node {
    /// A server booting for the first time (or restarting: see [`Node::restart`]).
    pub fn new(id: NodeId, voters: Set, opts: Options) -> Node {
        Node::restart(id, voters, opts, Persistent::default())
    }

    /// A server coming back from a crash: exactly its persistent state, every volatile field reset
    /// (commitIndex and lastApplied start at 0 again and the state machine is rebuilt by re-applying).
    pub fn restart(id: NodeId, voters: Set, opts: Options, p: Persistent) -> Node {
        Node {
            id,
            opts,
            voters,
            current_term: p.current_term,
            voted_for: p.voted_for,
            log: p.log,
            commit_index: 0,
            last_applied: 0,
            role: Role::Follower,
            leader_id: None,
            state_machine: KvStore::default(),
            votes: Set::EMPTY,
            rejections: Set::EMPTY,
            progress: vec![Progress::default(); 64],
        }
    }

    /// The persistent state as the driver should have stored it.
    pub fn persistent(&self) -> Persistent {
        Persistent { current_term: self.current_term, voted_for: self.voted_for, log: self.log.clone() }
    }

    /// Called once after construction: a follower starts its election timer.
    pub fn start(&mut self, out: &mut Ready) {
        out.reset_election_timer = true;
    }

    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// The single input funnel.
    pub fn step(&mut self, input: Input, out: &mut Ready) {
        match input {
            Input::Message(m) => self.step_message(m, out),
            Input::ElectionTimeout => match self.role {
                Role::Leader => {}
                _ if !self.voters.contains(self.id) => {}
                _ if self.opts.pre_vote => self.become_pre_candidate(out),
                _ => self.become_candidate(out),
            },
            Input::HeartbeatTimeout => {
                if self.role == Role::Leader {
                    // A heartbeat also re-sends a probe that may have been lost.
                    for p in self.progress.iter_mut() {
                        p.paused = false;
                    }
                    self.broadcast_append(out);
                    out.arm_heartbeat = true;
                }
            }
            Input::Propose(cmd) => self.propose(cmd, out),
        }
        self.apply_committed(out);
    }

    // ---- Rules for all servers -------------------------------------------------------------

    fn step_message(&mut self, m: Message, out: &mut Ready) {
        let is_pre_vote_request = matches!(m.body, Body::RequestVote { pre_vote: true, .. });
        let is_pre_vote_grant = matches!(m.body, Body::RequestVoteReply { pre_vote: true, granted: true });
        if m.term > self.current_term && !is_pre_vote_request && !is_pre_vote_grant {
            // Figure 2: a higher term in any request or response → adopt it, become follower.
            let leader = matches!(m.body, Body::AppendEntries { .. }).then_some(m.from);
            self.become_follower(m.term, leader, out);
        }
        match m.body {
            Body::RequestVote { last_log_index, last_log_term, pre_vote } => {
                self.handle_request_vote(m.from, m.term, last_log_index, last_log_term, pre_vote, out)
            }
            Body::RequestVoteReply { granted, pre_vote } => self.handle_vote_reply(m.from, m.term, granted, pre_vote, out),
            Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit } => {
                self.handle_append_entries(m.from, m.term, prev_log_index, prev_log_term, &entries, leader_commit, out)
            }
            Body::AppendEntriesReply { success, index, hint } => {
                self.handle_append_reply(m.from, m.term, success, index, hint, out)
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
    }

    // ---- Role changes ------------------------------------------------------------------------

    fn become_follower(&mut self, term: Term, leader: Option<NodeId>, out: &mut Ready) {
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            out.persist_hard_state = true;
        }
        self.role = Role::Follower;
        self.leader_id = leader;
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        out.reset_election_timer = true;
    }

    /// Thesis §9.6: ask for PreVotes in term+1 without changing any state.
    fn become_pre_candidate(&mut self, out: &mut Ready) {
        self.role = Role::PreCandidate;
        self.leader_id = None;
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        self.votes.insert(self.id);
        out.reset_election_timer = true;
        if self.voters.has_majority(self.votes) {
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
        if self.voters.has_majority(self.votes) {
            return self.become_leader(out);
        }
        self.request_votes(self.current_term, false, out);
    }

    fn request_votes(&self, term: Term, pre_vote: bool, out: &mut Ready) {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        for peer in self.voters.iter().filter(|&p| p != self.id) {
            self.send(out, peer, term, Body::RequestVote { last_log_index, last_log_term, pre_vote });
        }
    }

    /// Leaders: reinitialize nextIndex/matchIndex, append a no-op of the new term (§8), and send
    /// AppendEntries to every server at once.
    fn become_leader(&mut self, out: &mut Ready) {
        self.role = Role::Leader;
        self.leader_id = Some(self.id);
        let last = self.log.last_index();
        for p in self.progress.iter_mut() {
            *p = Progress::new(last);
        }
        if self.opts.leader_noop {
            self.append(EntryData::Noop, out);
        }
        self.progress[self.id as usize].match_index = self.log.last_index();
        self.maybe_commit();
        self.broadcast_append(out);
        out.arm_heartbeat = true;
    }

    // ---- RequestVote RPC ---------------------------------------------------------------------

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
            // is at least as up-to-date, and we have not heard from a leader within an election
            // timeout (a follower forgets its leader when its election timer fires). No state changes.
            term > self.current_term && up_to_date && self.leader_id.is_none()
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
        if self.voters.has_majority(self.votes) {
            if pre_vote {
                self.become_candidate(out);
            } else {
                self.become_leader(out);
            }
        } else if self.voters.has_majority(self.rejections) {
            // Lost: wait for a leader (or the next timeout) as a follower.
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }

    // ---- AppendEntries RPC -------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn handle_append_entries(
        &mut self,
        from: NodeId,
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: &[Entry],
        leader_commit: Index,
        out: &mut Ready,
    ) {
        // 1. Reply false if term < currentTerm (§5.1).
        if term < self.current_term {
            let body = Body::AppendEntriesReply { success: false, index: prev_log_index, hint: None };
            return self.send(out, from, self.current_term, body);
        }
        // A current leader exists: candidates return to follower; everyone restarts the election timer.
        if self.role != Role::Follower || self.leader_id != Some(from) {
            self.become_follower(term, Some(from), out);
        }
        out.reset_election_timer = true;

        // 2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
        //    prevLogTerm (§5.3).
        if self.log.term(prev_log_index) != Some(prev_log_term) {
            let hint = self.opts.conflict_hint.then(|| match self.log.term(prev_log_index) {
                None => (None, self.log.last_index() + 1),
                Some(t) => (Some(t), self.log.first_index_of_term(t, prev_log_index)),
            });
            let body = Body::AppendEntriesReply { success: false, index: prev_log_index, hint };
            return self.send(out, from, self.current_term, body);
        }

        // 3. If an existing entry conflicts with a new one (same index but different terms), delete
        //    the existing entry and all that follow it (§5.3). Only then: an entry that matches is
        //    never truncated, so a stale, reordered AppendEntries cannot delete newer entries.
        // 4. Append any new entries not already in the log.
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as Index;
            match self.log.term(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    self.log.truncate_from(index);
                    out.log_changed(index);
                }
                None => {}
            }
            for e in &entries[k..] {
                self.log.append(*e);
            }
            out.log_changed(index);
            break;
        }

        // 5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new
        //    entry). Never move it backwards on a stale message.
        let last_new = prev_log_index + entries.len() as Index;
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(last_new));
        }
        let body = Body::AppendEntriesReply { success: true, index: last_new, hint: None };
        self.send(out, from, self.current_term, body);
    }

    fn handle_append_reply(
        &mut self,
        from: NodeId,
        term: Term,
        success: bool,
        index: Index,
        hint: Option<(Option<Term>, Index)>,
        out: &mut Ready,
    ) {
        if self.role != Role::Leader || term != self.current_term {
            return;
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
            self.maybe_commit();
            // More to send (a long backlog goes out max_entries_per_append at a time).
            if self.progress[from as usize].next_index <= self.log.last_index() {
                self.send_append(from, out);
            }
        } else {
            // A rejection of an older request (reordered, duplicated) says nothing new.
            let stale = match pr.state {
                ProgressState::Replicate => index <= pr.match_index,
                ProgressState::Probe => index + 1 != pr.next_index,
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
    }

    // ---- Leaders -----------------------------------------------------------------------------

    fn propose(&mut self, cmd: Command, out: &mut Ready) {
        if self.role != Role::Leader {
            let result = ClientResult::Redirect { leader: self.leader_id };
            out.client_replies.push(ClientReply { client: cmd.client, seq: cmd.seq, result });
            return;
        }
        // If command received from client: append entry to local log, respond after entry applied
        // to state machine (§5.3).
        self.append(EntryData::Command(cmd), out);
        self.progress[self.id as usize].match_index = self.log.last_index();
        self.maybe_commit();
        self.broadcast_append(out);
    }

    fn append(&mut self, data: EntryData, out: &mut Ready) {
        let index = self.log.append(Entry { term: self.current_term, data });
        out.log_changed(index);
    }

    fn broadcast_append(&mut self, out: &mut Ready) {
        let (voters, me) = (self.voters, self.id);
        for peer in voters.iter().filter(|&p| p != me) {
            self.send_append(peer, out);
        }
    }

    /// AppendEntries to one follower with the entries from its nextIndex (none: a heartbeat).
    fn send_append(&mut self, to: NodeId, out: &mut Ready) {
        let pr = self.progress[to as usize];
        if pr.state == ProgressState::Probe && pr.paused {
            return;
        }
        let prev_log_index = pr.next_index - 1;
        let Some(prev_log_term) = self.log.term(prev_log_index) else { return };
        let entries = self.log.slice(pr.next_index, self.opts.max_entries_per_append).to_vec();
        let pr = &mut self.progress[to as usize];
        match pr.state {
            ProgressState::Probe => pr.paused = true,
            ProgressState::Replicate => pr.next_index += entries.len() as Index,
        }
        let body = Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit: self.commit_index };
        self.send(out, to, self.current_term, body);
    }

    /// If there exists an N > commitIndex such that a majority of matchIndex[i] ≥ N and
    /// log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4.2). Entries of earlier terms are
    /// committed only indirectly (Figure 8).
    fn maybe_commit(&mut self) {
        let progress = &self.progress;
        let n = self.voters.committed_index(|id| progress[id as usize].match_index).min(self.log.last_index());
        if n > self.commit_index
            && (self.log.term(n) == Some(self.current_term) || self.opts.unsafe_commit_old_terms)
        {
            self.commit_index = n;
        }
    }
}
