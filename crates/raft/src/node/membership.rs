//! Membership changes (§6, thesis ch. 4) and leadership transfer (thesis §3.10).

use super::{MembershipChange, Node, Ready, Role};
use crate::message::Body;
use crate::progress::Progress;
use crate::quorum::{Membership, Set};
use crate::types::{EntryData, NodeId};

impl Node {
    /// Joint consensus (§6): once C_old,new is committed, append C_new; once C_new is committed, a
    /// leader that is not part of it steps down.
    pub(super) fn advance_config(&mut self, out: &mut Ready) {
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
    pub(super) fn change_pending(&self) -> bool {
        self.config_index > self.commit_index || self.config.is_joint()
    }

    pub(super) fn change_membership(&mut self, change: MembershipChange, out: &mut Ready) {
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
        let one = |id: NodeId| {
            let mut s = Set::EMPTY;
            s.insert(id);
            s
        };
        let (add, remove) = match change {
            MembershipChange::AddServer(id) => (one(id), Set::EMPTY),
            MembershipChange::RemoveServer(id) => (Set::EMPTY, one(id)),
            MembershipChange::Replace { add, remove } => (add, remove),
        };
        let members = self.config.members();
        if add.is_empty() && remove.is_empty() {
            out.refused = Some("the change adds and removes nobody");
            return;
        }
        if add.0 & members.0 != 0 {
            out.refused = Some("that server is already a member");
            return;
        }
        if remove.0 & !members.0 != 0 {
            out.refused = Some("that server is not a member");
            return;
        }
        let mut next = self.config;
        // Learners leave at once: they never counted.
        next.learners.0 &= !remove.0;
        self.promote.0 &= !remove.0;
        self.notify.0 |= remove.0 & self.config.learners.0;
        let leaving = Set(remove.0 & next.voters.0);
        if (next.voters.0 & !leaving.0) | add.0 == 0 {
            out.refused = Some("cannot remove the last voter");
            return;
        }
        if !add.is_empty() {
            // Thesis §4.2.1: new servers join without a vote until caught up; the voters they
            // replace leave in the same joint step that promotes them.
            next.learners.0 |= add.0;
            next.leaving.0 |= leaving.0;
            self.promote.0 |= add.0;
            for id in add.iter() {
                self.progress[id as usize] = Progress::new(self.log.last_index());
            }
        } else if !leaving.is_empty() {
            next.outgoing = next.voters;
            next.voters.0 &= !leaving.0;
        }
        self.append(EntryData::Config(next), out);
        self.broadcast_append(out);
    }

    /// Once every learner waiting for promotion has caught up, promote them all in one joint step
    /// (C_old,new), which also drops the voters they replace. (Asked at every acknowledgement,
    /// almost always from a server that is no learner waiting: that test is inlined.)
    #[inline]
    pub(super) fn maybe_promote(&mut self, id: NodeId, out: &mut Ready) {
        if Set(self.promote.0 & self.config.learners.0).contains(id) {
            self.promote_caught_up(out);
        }
    }

    fn promote_caught_up(&mut self, out: &mut Ready) {
        // Not while handing over leadership: the target must stay up to date (thesis §3.10).
        let promote = Set(self.promote.0 & self.config.learners.0);
        let caught_up = || promote.iter().all(|l| self.progress[l as usize].match_index >= self.commit_index);
        if self.change_pending() || !caught_up() || self.transferee.is_some() {
            return;
        }
        self.promote = Set::EMPTY;
        let mut next = self.config;
        next.learners.0 &= !promote.0;
        next.outgoing = next.voters;
        next.voters.0 = (next.voters.0 & !next.leaving.0) | promote.0;
        next.leaving = Set::EMPTY;
        self.append(EntryData::Config(next), out);
        self.broadcast_append(out);
    }

    /// Leadership transfer (thesis §3.10): stop taking requests, bring the target up to date, then
    /// tell it to start an election.
    pub(super) fn transfer_leadership(&mut self, to: NodeId, out: &mut Ready) {
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

    pub(super) fn maybe_finish_transfer(&mut self, from: NodeId, out: &mut Ready) {
        if self.transferee == Some(from) && self.progress[from as usize].match_index == self.log.last_index() {
            self.send(out, from, self.current_term, Body::TimeoutNow);
        }
    }
}
