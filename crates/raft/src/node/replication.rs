//! Log replication (§5.3): AppendEntries and InstallSnapshot (§7) on both sides, the leader's
//! per-follower flow control, and the commit rule (§5.3, §5.4.2).

use super::{Node, Ready, Role};
use crate::message::Body;
use crate::progress::State as ProgressState;
use crate::quorum::Set;
use crate::rules::Rule;
use crate::snapshot::Snapshot;
use crate::types::{Entry, EntryData, Index, NodeId, Term};
use alloc::boxed::Box;

impl Node {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_append_entries(
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
            let body = Body::AppendEntriesReply {
                success: false,
                index: prev_log_index,
                hint: None,
                ctx,
                commit: self.commit_index,
            };
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
            let body = Body::AppendEntriesReply {
                success: true,
                index: self.log.offset(),
                hint: None,
                ctx,
                commit: self.commit_index,
            };
            return self.send(out, from, self.current_term, body);
        } else {
            (prev_log_index, prev_log_term, entries)
        };

        // 2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches
        //    prevLogTerm (§5.3).
        if self.log.term(prev_log_index) != Some(prev_log_term) {
            if self.opts.broken.has(Rule::CommitWithoutMin) {
                // Broken on purpose: take the leader's commitIndex even though nothing matched.
                self.commit_index = self.commit_index.max(leader_commit.min(self.log.last_index()));
            }
            let hint = self.opts.conflict_hint.then(|| match self.log.term(prev_log_index) {
                None => (None, self.log.last_index() + 1),
                Some(t) => (Some(t), self.log.first_index_of_term(t, prev_log_index)),
            });
            let body = Body::AppendEntriesReply {
                success: false,
                index: prev_log_index,
                hint,
                ctx,
                commit: self.commit_index,
            };
            return self.send(out, from, self.current_term, body);
        }

        // 3. If an existing entry conflicts with a new one (same index but different terms), delete
        //    the existing entry and all that follow it (§5.3). Only then: an entry that matches is
        //    never truncated, so a stale, reordered AppendEntries cannot delete newer entries.
        // 4. Append any new entries not already in the log.
        let mut config_changed = false;
        if self.opts.broken.has(Rule::TruncateOnMatch) && self.log.last_index() > prev_log_index {
            // Broken on purpose: drop everything after prevLogIndex, matching or not, then append.
            self.log.truncate_from(prev_log_index + 1);
            out.log_changed(prev_log_index + 1);
            config_changed |= self.config_index > prev_log_index;
        }
        // The first new entry, past those the log holds already. (A follower that is up to date
        // holds none of them: nothing to compare.)
        let mut k = 0;
        if prev_log_index < self.log.last_index() {
            while let Some(entry) = entries.get(k) {
                let index = prev_log_index + 1 + k as Index;
                match self.log.term(index) {
                    Some(t) if t == entry.term => k += 1,
                    Some(_) => {
                        self.log.truncate_from(index);
                        out.log_changed(index);
                        config_changed |= self.config_index >= index;
                        break;
                    }
                    None => break,
                }
            }
        }
        if k < entries.len() {
            for e in &entries[k..] {
                self.log.append(*e);
                config_changed |= matches!(e.data, EntryData::Config(_));
            }
            out.log_changed(prev_log_index + 1 + k as Index);
        }
        if config_changed {
            // §6: a server uses the newest configuration in its log, committed or not.
            self.reload_config();
        }

        // 5. If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new
        //    entry). Never move it backwards on a stale message.
        let last_new = prev_log_index + entries.len() as Index;
        if leader_commit > self.commit_index {
            let upto = if self.opts.broken.has(Rule::CommitWithoutMin) {
                // Broken on purpose: trust the leader's commitIndex past what this message matched.
                leader_commit.min(self.log.last_index())
            } else {
                leader_commit.min(last_new)
            };
            self.commit_index = self.commit_index.max(upto);
        }
        let body =
            Body::AppendEntriesReply { success: true, index: last_new, hint: None, ctx, commit: self.commit_index };
        self.send(out, from, self.current_term, body);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_append_reply(
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
            pr.become_replicate(index);
            self.maybe_commit(out);
            self.maybe_promote(from, out);
            self.maybe_finish_transfer(from, out);
            // More to send: a backlog goes out max_entries_per_append at a time, up to
            // MAX_INFLIGHT messages in flight.
            self.fill_pipeline(from, out);
        } else {
            // A rejection of an older request (reordered, duplicated) says nothing new.
            if pr.is_stale_rejection(index) {
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
            self.progress[from as usize].become_probe(next.min(index));
            self.send_append(from, out);
        }
        self.answer_reads(out);
    }

    pub(super) fn handle_install_snapshot(&mut self, from: NodeId, term: Term, snap: Snapshot, out: &mut Ready) {
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

    pub(super) fn handle_snapshot_reply(&mut self, from: NodeId, term: Term, last_index: Index, out: &mut Ready) {
        if self.role != Role::Leader || term != self.current_term {
            return;
        }
        self.progress[from as usize].snapshot_installed(last_index);
        self.maybe_commit(out);
        self.maybe_promote(from, out);
        self.send_append(from, out);
    }

    pub(super) fn append(&mut self, data: EntryData, out: &mut Ready) {
        let index = self.log.append(Entry { term: self.current_term, data });
        if let EntryData::Config(m) = data {
            self.config = m;
            self.config_index = index;
        }
        let own = self.own_match();
        self.progress[self.id as usize].own_durable(own);
        out.log_changed(index);
        self.maybe_commit(out);
    }

    /// Everyone the leader replicates to: voters of both configurations, learners, and servers
    /// just removed that have not yet learned it.
    pub(super) fn replicas(&self) -> Set {
        Set(self.config.members().0 | self.notify.0)
    }

    /// New entries to every replica that has room for them: one whose window is full gets them
    /// with the backlog once an acknowledgement frees a place ([`Node::fill_pipeline`]).
    pub(super) fn broadcast_append(&mut self, out: &mut Ready) {
        let (replicas, me) = (self.replicas(), self.id);
        for peer in replicas.iter().filter(|&p| p != me) {
            if !self.progress[peer as usize].is_throttled() {
                self.send_append(peer, out);
            }
        }
    }

    /// The heartbeat (Figure 2: "repeat during idle periods"), also a retransmission timer: entries
    /// still unacknowledged after a heartbeat interval are presumed lost and re-sent from matchIndex.
    pub(super) fn heartbeat(&mut self, out: &mut Ready) {
        let (replicas, me) = (self.replicas(), self.id);
        for peer in replicas.iter().filter(|&p| p != me) {
            self.progress[peer as usize].heartbeat();
            self.send_append(peer, out);
        }
    }

    /// Replicate: keep sending the backlog, max_entries_per_append at a time, while fewer than
    /// MAX_INFLIGHT messages of entries are unacknowledged.
    pub(super) fn fill_pipeline(&mut self, to: NodeId, out: &mut Ready) {
        loop {
            let pr = &self.progress[to as usize];
            if pr.next_index > self.log.last_index() || pr.is_throttled() {
                break;
            }
            let before = pr.next_index;
            self.send_append(to, out);
            let after = &self.progress[to as usize];
            if after.state != ProgressState::Replicate || after.next_index == before {
                break; // a probe or snapshot went out: wait for its answer
            }
        }
    }

    /// AppendEntries to one follower with the entries from its nextIndex (none: a heartbeat, or
    /// while its window is full), or InstallSnapshot if nextIndex lies in the compacted prefix.
    pub(super) fn send_append(&mut self, to: NodeId, out: &mut Ready) {
        let pr = &self.progress[to as usize];
        if pr.is_paused() {
            return;
        }
        let (next_index, throttled) = (pr.next_index, pr.is_throttled());
        let prev_log_index = next_index - 1;
        let Some(prev_log_term) = self.log.term(prev_log_index) else {
            // §7: the entries it needs are gone; send the snapshot.
            self.progress[to as usize].become_snapshot();
            let body = Body::InstallSnapshot { snapshot: Box::new(self.snapshot.clone()) };
            return self.send(out, to, self.current_term, body);
        };
        let mut entries = out.entries_buffer();
        // Most AppendEntries carry the leader's last entry alone, or nothing (a heartbeat, or
        // nextIndex in the compacted prefix: as the slice, none): those without the slice loop,
        // whose set-up cost more than the copy.
        let max = if throttled { 0 } else { self.opts.max_entries_per_append };
        match self.log.get(next_index) {
            Some(e) if max > 0 && next_index == self.log.last_index() => entries.push(*e),
            Some(_) => entries.extend(self.log.slice(next_index, max).copied()),
            None => {}
        }
        self.progress[to as usize].sent(entries.len() as Index);
        let body = Body::AppendEntries {
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
            ctx: self.ctx,
        };
        self.send(out, to, self.current_term, body);
    }

    /// If there exists an N > commitIndex such that a majority of matchIndex[i] ≥ N and
    /// log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4.2). Entries of earlier terms are
    /// committed only indirectly (Figure 8). While joint, "majority" means of C_old and of C_new.
    pub(super) fn maybe_commit(&mut self, out: &mut Ready) {
        if self.role != Role::Leader {
            return;
        }
        let progress = &self.progress;
        let match_index = |id: NodeId| progress[id as usize].match_index;
        // Most calls (an acknowledgement after the quorum's, a heartbeat's) find nothing new to
        // commit: a count tells so without selecting the quorum's index.
        if !self.quorum().committed_above(self.commit_index, match_index) {
            return;
        }
        let n = self.quorum().committed_index(match_index).min(self.log.last_index());
        if n > self.commit_index
            && (self.log.term(n) == Some(self.current_term) || self.opts.broken.has(Rule::CommitOldTerm))
        {
            self.commit_index = n;
            self.advance_config(out);
        }
    }
}
