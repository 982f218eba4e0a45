//! Elections (§5.2, §5.4.1): timeouts, PreVote (thesis §9.6), candidates, RequestVote, becoming leader.

use super::{Node, Ready, Role};
use crate::message::Body;
use crate::progress::Progress;
use crate::quorum::Set;
use crate::rules::Rule;
use crate::types::{EntryData, Index, NodeId, Term};

impl Node {
    pub(super) fn election_timeout(&mut self, out: &mut Ready) {
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
                    if !self.quorum().has_quorum(active) {
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

    pub(super) fn may_campaign(&self) -> bool {
        self.config.is_voter(self.id)
            || (self.config_index > self.commit_index
                && !self.config.learners.contains(self.id)
                && self.was_voter_before_latest_config())
    }

    /// Was this server a voter in the configuration before the newest (uncommitted) one?
    pub(super) fn was_voter_before_latest_config(&self) -> bool {
        self.config_at(self.config_index.saturating_sub(1)).is_voter(self.id)
    }

    /// Start a (pre-)election round: no known leader, our own vote counted (once it is on disk),
    /// the timer reset.
    fn start_round(&mut self, role: Role, out: &mut Ready) {
        self.role = role;
        self.leader_id = None;
        self.votes = Set::EMPTY;
        self.rejections = Set::EMPTY;
        if self.own_vote_counts() {
            self.votes.insert(self.id);
        }
        out.reset_election_timer = true;
    }

    /// Thesis §9.6: ask for PreVotes in term+1 without changing any persistent state.
    pub(super) fn become_pre_candidate(&mut self, out: &mut Ready) {
        self.start_round(Role::PreCandidate, out);
        if self.quorum().has_quorum(self.votes) {
            return self.become_candidate(out);
        }
        self.request_votes(self.current_term + 1, true, out);
    }

    /// Candidates (§5.2): on conversion, increment currentTerm, vote for self, reset the election
    /// timer, send RequestVote to all other servers.
    pub(super) fn become_candidate(&mut self, out: &mut Ready) {
        self.current_term += 1;
        self.voted_for = Some(self.id);
        out.persist_hard_state = true;
        self.start_round(Role::Candidate, out);
        if self.quorum().has_quorum(self.votes) {
            return self.become_leader(out);
        }
        self.request_votes(self.current_term, false, out);
    }

    pub(super) fn request_votes(&self, term: Term, pre_vote: bool, out: &mut Ready) {
        let (last_log_index, last_log_term) = (self.log.last_index(), self.log.last_term());
        let transfer = self.transfer_campaign;
        for peer in self.config.all_voters().iter().filter(|&p| p != self.id) {
            self.send(out, peer, term, Body::RequestVote { last_log_index, last_log_term, pre_vote, transfer });
        }
    }

    /// Leaders: reinitialize nextIndex/matchIndex, append a no-op of the new term (§8), and send
    /// AppendEntries to every server at once.
    pub(super) fn become_leader(&mut self, out: &mut Ready) {
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
        let own = self.own_match();
        self.progress[self.id as usize].own_durable(own);
        self.maybe_commit(out);
        self.broadcast_append(out);
        out.arm_heartbeat = true;
        out.reset_election_timer = self.opts.check_quorum;
    }

    pub(super) fn handle_request_vote(
        &mut self,
        from: NodeId,
        term: Term,
        last_log_index: Index,
        last_log_term: Term,
        pre_vote: bool,
        out: &mut Ready,
    ) {
        let up_to_date =
            self.log.is_up_to_date(last_log_index, last_log_term) || self.opts.broken.has(Rule::VoteWithoutLogCheck);
        let free = self.voted_for.is_none_or(|v| v == from) || self.opts.broken.has(Rule::VoteTwice);
        let granted = if pre_vote {
            // Thesis §9.6: would we vote for it in `term`? Only if that term is ahead of ours, its log
            // is at least as up-to-date, and we have not heard from a leader within the minimum
            // election timeout. No state changes.
            term > self.current_term && up_to_date && !self.in_lease()
        } else {
            // 1. Reply false if term < currentTerm.
            // 2. If votedFor is null or candidateId, and the candidate's log is at least as up-to-date
            //    as the receiver's log, grant vote (§5.2, §5.4).
            term == self.current_term && free && up_to_date
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

    pub(super) fn handle_vote_reply(
        &mut self,
        from: NodeId,
        term: Term,
        granted: bool,
        pre_vote: bool,
        out: &mut Ready,
    ) {
        let (expected_role, expected_term) =
            if pre_vote { (Role::PreCandidate, self.current_term + 1) } else { (Role::Candidate, self.current_term) };
        if self.role != expected_role || (granted && term != expected_term) || (!granted && term != self.current_term) {
            return; // stale or not for this round
        }
        if granted {
            self.votes.insert(from);
        } else {
            self.rejections.insert(from);
        }
        if self.quorum().has_quorum(self.votes) {
            if pre_vote {
                self.become_candidate(out);
            } else {
                self.become_leader(out);
            }
        } else if self.quorum().has_quorum(self.rejections) {
            // Lost: wait for a leader (or the next timeout) as a follower.
            let term = self.current_term;
            self.become_follower(term, None, out);
        }
    }
}
