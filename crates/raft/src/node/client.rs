//! Client requests (§8): proposals, redirects, and ReadIndex reads (thesis §6.4).

use super::{ClientReply, ClientResult, Node, PendingRead, Ready, Role};
use crate::quorum::Set;
use crate::rules::Rule;
use crate::types::{Command, EntryData, Op};

impl Node {
    pub(super) fn propose(&mut self, cmd: Command, out: &mut Ready) {
        if self.role != Role::Leader || self.transferee.is_some() {
            // Not the leader, or handing over (thesis §3.10: stop accepting new requests).
            let leader = if self.role == Role::Leader { self.transferee } else { self.leader_id };
            out.client_replies.push(ClientReply {
                client: cmd.client,
                seq: cmd.seq,
                result: ClientResult::Redirect { leader },
            });
            return;
        }
        // §8: a command the state machine has already applied is answered from the session table,
        // not run again; one already in the log will be answered when it is applied.
        let dedup = !self.opts.broken.has(Rule::NoDedup);
        if let Some(value) = self.state_machine.cached(cmd.client, cmd.seq).filter(|_| dedup) {
            let result = ClientResult::Ok { index: self.last_applied, value };
            out.client_replies.push(ClientReply { client: cmd.client, seq: cmd.seq, result });
            return;
        }
        if self.state_machine.is_expired(cmd.client) {
            out.client_replies.push(ClientReply {
                client: cmd.client,
                seq: cmd.seq,
                result: ClientResult::SessionExpired,
            });
            return;
        }
        if dedup && self.in_log_uncommitted(&cmd) {
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

    /// Is this exact (client, seq) command already waiting in the log?
    fn in_log_uncommitted(&self, cmd: &Command) -> bool {
        let from = (self.commit_index + 1).max(self.log.first_index());
        self.log
            .slice(from, usize::MAX)
            .any(|e| matches!(e.data, EntryData::Command(c) if c.client == cmd.client && c.seq == cmd.seq))
    }

    /// ReadIndex (thesis §6.4): remember the commit index, confirm leadership with a heartbeat round
    /// answered by a quorum, answer once the state machine has applied up to the read index. The
    /// read index is at least the first entry of this term, so everything committed by earlier
    /// leaders is included.
    pub(super) fn read_index(&mut self, cmd: Command, out: &mut Ready) {
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
        if self.opts.broken.has(Rule::ReadWithoutQuorum) {
            // Broken on purpose: count every voter as having confirmed our leadership, so the read
            // is answered without the heartbeat round.
            acks = self.config.all_voters();
        }
        self.reads.push(PendingRead { cmd, read_index, ctx: self.ctx, acks });
        self.heartbeat(out);
        self.answer_reads(out);
    }

    /// Answer the reads whose round a quorum confirmed and whose index is applied. (Asked after
    /// every acknowledgement and every apply, mostly with no read waiting: that test is inlined.)
    #[inline]
    pub(super) fn answer_reads(&mut self, out: &mut Ready) {
        if !self.reads.is_empty() {
            self.answer_waiting_reads(out);
        }
    }

    fn answer_waiting_reads(&mut self, out: &mut Ready) {
        let (config, applied, state) = (self.quorum(), self.last_applied, &self.state_machine);
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
}
