//! Clients (§8): each request is a session of its own (client id, sequence number 1). A client
//! sends to a server; a follower redirects it to the leader it knows; with no answer within the
//! client timeout it retries the same request at the next server, so the state machine's session
//! table is what keeps a retried command from being applied twice. The history these requests leave
//! is what the linearizability checker reads.

use crate::cluster::{EventKind, Sim};
use crate::invariants::Property;
use crate::narrate::{CurrentEvent, What};
use raft::{ClientResult, Command, Input, NodeId, Op};

/// Client ids start here (ids below are free for tests).
pub const FIRST_CLIENT: u32 = 100;

/// Most client requests the simulator remembers: beyond, the oldest answered ones are dropped
/// (`Sim::clients_dropped` counts them), so a long run's memory stays bounded. A history checked
/// for linearizability must be whole: check `clients_dropped == 0`.
pub const CLIENT_HISTORY_LIMIT: usize = 10_000;

/// Each answer is checked for linearizability at once, against the other requests on its key since
/// the key was last quiescent (a [`crate::linearizability::Window`]), while that window has at
/// most this many requests (a request that never got an answer keeps its key's window open;
/// beyond, the key is no longer checked live; whole histories are checked at the end of test runs).
pub const LIVE_CHECK_LIMIT: usize = 200;

/// The live check's window of the key `key` (`a`–`z`), if it has one.
fn window_of(live: &mut [crate::linearizability::Window], key: u8) -> Option<&mut crate::linearizability::Window> {
    live.get_mut(key.wrapping_sub(b'a') as usize)
}

/// What became of a client request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still waiting (it may be retried).
    Pending,
    Ok {
        index: u64,
        value: Option<i64>,
    },
    /// The client gave up after its last attempt; the command may or may not have taken effect.
    Failed,
    /// Its session had expired (thesis §6.3): not applied then; an earlier attempt may have been.
    Expired,
}

/// One client request and its fate. Each request comes from its own client session (id, seq 1), so
/// retries carry the same (client, seq) and the state machine applies it at most once (§8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOp {
    pub client: u32,
    pub seq: u32,
    pub op: Op,
    /// The server the user sent it to first, and the one it is (or was last) waiting on.
    pub first_server: NodeId,
    pub server: NodeId,
    pub sent: u64,
    pub outcome: Outcome,
    pub answered: Option<u64>,
    pub redirects: u32,
    pub timeouts: u32,
    pub attempts: u32,
    pub(crate) timer_gen: u64,
}

impl Sim {
    /// A new client session sends `op` to `server`.
    pub(crate) fn client_request(&mut self, server: NodeId, op: Op) {
        let index = self.clients_dropped + self.client_ops.len();
        let client = FIRST_CLIENT + index as u32;
        if let Some(w) = window_of(&mut self.live, op.key()) {
            w.invoked(index, self.time, LIVE_CHECK_LIMIT);
        }
        self.client_ops.push(ClientOp {
            client,
            seq: 1,
            op,
            first_server: server,
            server,
            sent: self.time,
            outcome: Outcome::Pending,
            answered: None,
            redirects: 0,
            timeouts: 0,
            attempts: 0,
            timer_gen: 0,
        });
        self.client_send(index, server);
    }

    /// Request number `op` (0-based, counting dropped ones), if still remembered.
    pub fn client_op(&self, op: usize) -> Option<&ClientOp> {
        op.checked_sub(self.clients_dropped).and_then(|k| self.client_ops.get(k))
    }

    /// Is the history of request `op`'s key still linearizable with its answer (given by `from`)?
    /// Checked over the key's window (the requests since it was last quiescent).
    fn check_answer(&mut self, from: NodeId, term: u64, op: usize) {
        let Some(key) = self.client_op(op).map(|c| c.op.key()) else { return };
        let k = key.wrapping_sub(b'a') as usize;
        let Some(w) = self.live.get(k).filter(|w| !w.off) else { return };
        // The window's requests as the checker reads them (borrowing the window, not taking it),
        // into the buffer kept for them; whole unless a request was dropped from the history.
        let mut calls = std::mem::take(&mut self.live_calls);
        let mut whole = true;
        for &n in &w.ops {
            let Some(c) = self.client_op(n) else {
                whole = false;
                break;
            };
            let response = match (c.outcome, c.answered) {
                (Outcome::Ok { value, .. }, Some(t)) => Some((t, value)),
                _ => None,
            };
            calls.push(crate::linearizability::Call { op: c.op, invoke: c.sent, response });
        }
        let just = w.ops.iter().position(|&n| n == op);
        let w = &mut self.live[k];
        let found = match (whole, just) {
            (true, Some(just)) => w.answered(&calls, just, from, key),
            // A request dropped from the history: the window is no longer whole.
            (false, _) => {
                w.off = true;
                None
            }
            (true, None) => None,
        };
        calls.clear();
        self.live_calls = calls;
        if let Some(detail) = found {
            let index = self.client_ops.iter().rev().find_map(|c| match c.outcome {
                Outcome::Ok { index, .. } if c.op.key() == key => Some(index),
                _ => None,
            });
            self.violation(Property::Linearizability, vec![from], term, index.unwrap_or(0), detail);
        }
    }

    /// Drop the oldest answered requests beyond the limit (a pending one keeps everything after it).
    fn trim_clients(&mut self) {
        let mut n = 0;
        while self.client_ops.len() - n > CLIENT_HISTORY_LIMIT
            && self.client_ops.get(n).is_some_and(|c| c.outcome != Outcome::Pending)
        {
            n += 1;
        }
        if n > 0 {
            self.client_ops.drop_front(n);
            self.clients_dropped += n;
        }
    }

    /// (Re)send client request `op` to `server` and arm its retry timer; give up after the last
    /// attempt.
    pub(crate) fn client_send(&mut self, op: usize, server: NodeId) {
        let c = self.client_ops.get_mut(op - self.clients_dropped).expect("a live client op");
        if c.attempts >= self.cfg.client_attempts {
            c.outcome = Outcome::Failed;
            c.answered = Some(self.time);
            let (client, op) = (c.client, c.op);
            self.note(server, 0, What::GaveUp { client, op });
            self.trim_clients();
            return;
        }
        c.attempts += 1;
        c.server = server;
        c.timer_gen += 1;
        let (gen, cmd) = (c.timer_gen, Command { client: c.client, seq: c.seq, op: c.op });
        self.schedule(self.clock() + self.cfg.client_timeout_us, EventKind::Client { op, gen });
        if let Some(n) = self.node(server) {
            // A leader looks for the command among its uncommitted entries (§8, a retry already in
            // the log): that scan is work, and a burst of requests makes it long.
            self.meter.used += n.log.last_index().saturating_sub(n.commit_index) / 64;
            self.current_event = CurrentEvent::Client { client: cmd.client, server };
            self.step_node(server, Input::Propose(cmd));
        }
    }

    /// Server `from` answers a client.
    pub(crate) fn client_reply(&mut self, from: NodeId, client: u32, seq: u32, result: ClientResult) {
        let Some(op) = client.checked_sub(FIRST_CLIENT).map(|k| k as usize).filter(|&k| self.client_op(k).is_some())
        else {
            return;
        };
        let number = op;
        let c = self.client_ops.get_mut(op - self.clients_dropped).expect("a live client op");
        if c.seq != seq || c.outcome != Outcome::Pending {
            return;
        }
        match result {
            ClientResult::Ok { index, value } => {
                c.outcome = Outcome::Ok { index, value };
                c.answered = Some(self.time);
                let (client, op) = (c.client, c.op);
                let term = self.node(from).map_or(0, |n| n.current_term);
                self.note(from, term, What::Answered { client, op, index, value });
                self.check_answer(from, term, number);
                self.trim_clients();
            }
            ClientResult::Redirect { leader: Some(l) } if l != c.server && (l as usize) <= self.servers.len() => {
                c.redirects += 1;
                self.client_send(op, l);
            }
            // No leader known yet: the retry timer will try another server.
            ClientResult::Redirect { .. } => c.redirects += 1,
            ClientResult::SessionExpired => {
                c.outcome = Outcome::Expired;
                c.answered = Some(self.time);
                let (client, op) = (c.client, c.op);
                self.note(from, 0, What::Expired { client, op });
                self.trim_clients();
            }
        }
    }
}
