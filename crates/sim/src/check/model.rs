//! The model the checker explores: a cluster of real [`raft::Node`]s with their stable storage,
//! the multiset of messages in flight, bounded fault and client budgets, and the live safety
//! checker ([`Checker`]) with what it remembers. No clock and no randomness: any enabled event can
//! happen next.
//!
//! Events: deliver, drop or (within a budget) duplicate any message in flight; an election timeout
//! at any live server that is not leading (a leader's election timer runs only with CheckQuorum); a
//! heartbeat timeout at a live leader; within budgets a crash of a live server and a client
//! request at a live leader; a restart of a crashed server (from what it persisted).
//!
//! The logical clock `now` moves on by the minimum election timeout at each election timeout (no
//! election timer fires sooner), as in [`crate::testenv`], so leases run out as they would. A state
//! records of time only whether each server is in its lease (see [`fingerprint::in_lease`]), and
//! only when a lease decides something (the vote lease or PreVote is on).
//!
//! One step ([`Model::step`]) runs the event through the stepped server, persists what its Ready
//! asks ([`crate::disk::persist_now`]) and checks it the way the simulator does: the checker's
//! [`Checker::after_step`], and stable storage against the node's persistent state. The step is
//! then either hashed ([`Model::fingerprint`]: what the search does for every successor, without
//! building it) or built into the next state ([`Model::apply`]: what replaying a path does).

use super::fingerprint::{self as fp, Rename};
use crate::cluster::stored_matches;
use crate::digest::Digest;
use crate::disk::{persist_now as persist, Disk};
use crate::invariants::{Before, Checker, Property};
use raft::{Command, Input, Membership, Message, Node, NodeId, Op, Options, Persistent, Ready, Role};
use std::rc::Rc;
use std::sync::Arc;

/// How far the model may go besides its depth: faults and client requests, each a budget over a
/// whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    pub servers: u32,
    /// Crashes (each crashed server may restart at any time; restarts are free).
    pub crashes: u32,
    /// Client requests (`x <- 1`, `x <- 2`, … from client 1, each to a live leader; with reads or
    /// retries, `x += 1` from a client session of its own each).
    pub requests: u32,
    /// Messages the network duplicates.
    pub duplicates: u32,
    /// Client reads `x?` (each from a session of its own, to a live leader). Reads or retries make
    /// the model keep the clients' history and check it for linearizability at every answer.
    pub reads: u32,
    /// Requests sent again (same client and sequence number) to a live leader while unanswered,
    /// as a client that timed out does.
    pub retries: u32,
}

/// The clients' view of a run (kept only with reads or retries): each request with when it was
/// made and answered, counted in client events (its invocations and answers, in order) — all a
/// linearizability check needs of time, and the same for every path that sees the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct History {
    pub ops: Vec<HOp>,
    pub clock: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HOp {
    pub cmd: Command,
    pub invoked: u32,
    /// When, and the value returned.
    pub answered: Option<(u32, Option<i64>)>,
}

impl History {
    fn hash(&self) -> u64 {
        let mut d = Digest::default();
        d.u64(0x415f ^ self.clock as u64);
        for h in &self.ops {
            d.u64((h.cmd.client as u64) << 32 | h.cmd.seq as u64);
            d.u64(h.invoked as u64);
            match h.answered {
                Some((t, v)) => {
                    d.u64(1 + t as u64);
                    d.u64(v.map_or(u64::MAX, |v| v as u64));
                }
                None => d.u64(0),
            }
        }
        d.0
    }

    /// The history of the key as the linearizability checker reads it.
    fn calls(&self) -> Vec<crate::linearizability::Call> {
        self.ops
            .iter()
            .map(|h| crate::linearizability::Call {
                op: h.cmd.op,
                invoke: h.invoked as u64,
                response: h.answered.map(|(t, v)| (t as u64, v)),
            })
            .collect()
    }
}

/// The first client id of the requests a model makes from a fresh cluster with reads or retries
/// (as the simulator's: one session per request).
pub const HISTORY_CLIENT: u32 = crate::FIRST_CLIENT;

/// The client every request comes from (as in [`crate::testenv`], so a counterexample replays there).
pub const CLIENT: u32 = 1;

/// One thing that can happen next. Message events name a message by its position on the state's
/// wire (which is kept in a canonical order, so the position is a function of the state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    Deliver(u32),
    Drop(u32),
    Duplicate(u32),
    Timeout(NodeId),
    Heartbeat(NodeId),
    Request(NodeId),
    Crash(NodeId),
    Restart(NodeId),
    /// The oldest write in flight on a server's disk completes (disks that take time only).
    Flush(NodeId),
    /// A client read `x?` to a server.
    Read(NodeId),
    /// Request number `arg >> 4` of the history (0-based) sent again to server `arg & 15`.
    Retry(u32),
}

/// Bits of an event's code: 4 for the kind, the rest for its argument (a message's position on
/// the wire or a server).
pub const EVENT_BITS: u32 = 16;
const ARG_BITS: u32 = EVENT_BITS - 4;

impl Event {
    /// A compact code (below `1 << EVENT_BITS`) for the search tree.
    pub fn code(self) -> u64 {
        let (kind, arg) = match self {
            Event::Deliver(k) => (0, k),
            Event::Drop(k) => (1, k),
            Event::Duplicate(k) => (2, k),
            Event::Timeout(id) => (3, id),
            Event::Heartbeat(id) => (4, id),
            Event::Request(id) => (5, id),
            Event::Crash(id) => (6, id),
            Event::Restart(id) => (7, id),
            Event::Flush(id) => (8, id),
            Event::Read(id) => (9, id),
            Event::Retry(arg) => (10, arg),
        };
        assert!(arg < 1 << ARG_BITS, "more than {} messages in flight", 1 << ARG_BITS);
        (kind << ARG_BITS | arg) as u64
    }

    pub fn from_code(code: u64) -> Event {
        let arg = (code & ((1 << ARG_BITS) - 1)) as u32;
        match (code >> ARG_BITS) & 15 {
            0 => Event::Deliver(arg),
            1 => Event::Drop(arg),
            2 => Event::Duplicate(arg),
            3 => Event::Timeout(arg),
            4 => Event::Heartbeat(arg),
            5 => Event::Request(arg),
            6 => Event::Crash(arg),
            7 => Event::Restart(arg),
            8 => Event::Flush(arg),
            9 => Event::Read(arg),
            _ => Event::Retry(arg),
        }
    }
}

/// A message in flight with its hashes: `body` names no server, `key` is the message's hash as sent
/// (the wire's sort key; equal messages are adjacent).
#[derive(Clone, Debug)]
pub struct Flight {
    pub msg: Message,
    pub body: u64,
    pub key: u64,
}

impl Flight {
    fn new(msg: Message) -> Flight {
        let body = fp::body(&msg);
        let key = fp::flight(body, msg.from, msg.to, &Rename::identity());
        Flight { msg, body, key }
    }
}

/// One server: its node while it is up, its stable storage always, and its cached hashes.
#[derive(Clone, Debug)]
pub struct Slot {
    pub node: Option<Rc<Node>>,
    pub storage: Rc<Persistent>,
    /// Its writes in flight (always idle with the synchronous disk), and whether its last crash
    /// lost some (the checker then takes its log afresh at its next step).
    pub disk: Rc<Disk>,
    pub lost_writes: bool,
    /// [`fp::idfree`] (or [`fp::idfree_down`]), the sort key, and the whole hash unrenamed.
    idfree: u64,
    key: u64,
    hash: u64,
}

/// A state of the model.
#[derive(Clone, Debug)]
pub struct State {
    /// Server k+1 is `slots[k]`.
    pub slots: Vec<Slot>,
    /// The messages in flight, sorted by [`Flight::key`].
    pub wire: Vec<Rc<Flight>>,
    pub now: u64,
    pub crashes: u32,
    pub requests: u32,
    pub duplicates: u32,
    pub reads: u32,
    pub retries: u32,
    pub checker: Rc<Checker>,
    /// [`Checker::memory_fingerprint`] of `checker`.
    memory: u64,
    /// The sum of the wire's keys, and the leaders' hash, unrenamed.
    wire_sum: u64,
    leaders_sum: u64,
    /// The clients' history (empty without reads and retries) and its hash.
    pub history: Rc<History>,
    history_hash: u64,
}

impl State {
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.slots[id as usize - 1].node.as_deref()
    }
}

/// A violation the checker found in a step: the property, the servers it names, its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub property: Property,
    pub servers: Vec<NodeId>,
    pub detail: String,
}

/// Goals: things that should sometimes happen, reported as reachable at a depth.
pub const GOALS: [&str; 3] = ["a leader elected", "an entry committed", "a client request answered"];
const LEADER: u8 = 1;
const COMMITTED: u8 = 2;
const ANSWERED: u8 = 4;

/// What one event does to a state, before it is hashed or built: the stepped server's new slot,
/// the wire's changes (the messages sent are in the scratch's `Ready`), the new checker if the
/// step changed what it remembers, and what the step found.
pub struct Step {
    slot: Option<(usize, Slot)>,
    /// Other servers whose hash changed because the clock moved on and their lease ran out.
    relet: Vec<(usize, Slot)>,
    removed: Option<usize>,
    copied: Option<usize>,
    now: u64,
    crashes: u32,
    requests: u32,
    duplicates: u32,
    reads: u32,
    retries: u32,
    history: Option<(Rc<History>, u64)>,
    checker: Option<(Rc<Checker>, u64)>,
    /// The stepped server's state before the step (for narration).
    pub before: Option<Before>,
    pub goals: u8,
}

impl Step {
    /// A step that changes nothing (to fingerprint a state itself).
    fn none(s: &State) -> Step {
        Step {
            slot: None,
            relet: Vec::new(),
            removed: None,
            copied: None,
            now: s.now,
            crashes: s.crashes,
            requests: s.requests,
            duplicates: s.duplicates,
            reads: s.reads,
            retries: s.retries,
            history: None,
            checker: None,
            before: None,
            goals: 0,
        }
    }
}

/// Buffers a worker reuses from step to step.
#[derive(Default)]
pub struct Scratch {
    pub ready: Ready,
    pub found: Vec<Found>,
    sent: Vec<(u64, NodeId, NodeId)>,
}

/// The protocol under test and the bounds of the exploration.
#[derive(Clone, Debug)]
pub struct Model {
    pub opts: Options,
    pub bounds: Bounds,
    /// Whether a lease decides anything (then it is part of a state).
    lease: bool,
    /// Where the search starts: a running cluster's state ([`Model::from_sim`]), or (`None`) a
    /// fresh cluster.
    start: Option<Arc<Start>>,
    /// Disks that take time: a step's writes are in flight until a [`Event::Flush`] of that
    /// server, what it sends waits for them (unless `reply-before-persist` is broken), and a crash
    /// loses them ([`crate::disk`]). Off: every write is on disk before anything else happens.
    pub slow_disks: bool,
}

/// A cluster's state as a search starts from it ("explore from here"): every server's node (while
/// up) and stable storage, the messages in flight, what the checker remembers, the clock, and the
/// first client id free for the model's requests (each a client session of its own, as the
/// simulator's are, so a counterexample replays there).
#[derive(Clone, Debug)]
pub struct Start {
    pub servers: Vec<(Option<Node>, Persistent, Disk)>,
    pub wire: Vec<Message>,
    pub checker: Checker,
    pub now: u64,
    pub first_client: u32,
    /// The key the model's requests and reads use: one no request of the run has used yet.
    pub key: u8,
}

impl Model {
    pub fn new(opts: Options, bounds: Bounds) -> Result<Model, String> {
        if bounds.servers == 0 || bounds.servers as usize > fp::MAX_SERVERS {
            return Err(format!("servers = {}: the model checker takes 1–{}", bounds.servers, fp::MAX_SERVERS));
        }
        Ok(Model { lease: opts.vote_lease || opts.pre_vote, opts, bounds, start: None, slow_disks: false })
    }

    /// The same model with disks that take time (see `slow_disks`).
    pub fn with_slow_disks(mut self) -> Model {
        self.slow_disks = true;
        self
    }

    /// The model of `sim` as it is now, to explore from here with these budgets (`bounds.servers`
    /// is the simulator's). What the model leaves out must not matter yet: the disks write at
    /// once (`fsync` 0, nothing in flight to a disk), and nothing has broken. Partitions and the
    /// network's settings are ignored: any message in flight may arrive or be lost, which covers
    /// whatever the network would have done. Messages already lost in transit are left out.
    pub fn from_sim(sim: &crate::Sim, bounds: Bounds) -> Result<Model, String> {
        if let Some(v) = sim.violations.first() {
            return Err(format!("the run has already broken {}: there is nothing left to find", v.property.name()));
        }
        let n = sim.servers.len();
        if n > fp::MAX_SERVERS {
            return Err(format!("{n} servers: the model checker takes at most {}", fp::MAX_SERVERS));
        }
        let mut model = Model::new(sim.cfg.raft, Bounds { servers: n as u32, ..bounds })?;
        // Disks that take time (the fsync dial, or writes still in flight) are modelled as such.
        model.slow_disks = sim.cfg.net.fsync_us > 0 || sim.servers.iter().any(|s| !s.disk.is_idle());
        let servers = sim
            .servers
            .iter()
            .map(|s| {
                let node = s.node.clone().map(|mut node| {
                    if !model.slow_disks {
                        node.durable = None;
                    }
                    model.trim(node)
                });
                (node, s.storage.clone(), s.disk.clone())
            })
            .collect();
        let wire = sim.flights.values().filter(|f| !f.lost).map(|f| f.msg.clone()).collect();
        let first_client = crate::FIRST_CLIENT + (sim.clients_dropped + sim.client_ops.len()) as u32;
        // A key the run has not used (so the model's history of it is its whole history).
        let used = |k: u8| {
            sim.clients_dropped > 0
                || sim.client_ops.iter().any(|c| c.op.key() == k)
                || sim.servers.iter().any(|s| {
                    s.node.as_ref().is_some_and(|n| n.state_machine.get(k).is_some())
                        || s.storage.snapshot.state.get(k).is_some()
                })
        };
        let key = (b'a'..=b'z').find(|&k| !used(k) && k == b'x').or_else(|| (b'a'..=b'z').find(|&k| !used(k)));
        let Some(key) = key else {
            return Err("every key has been used by the run's clients: the model's requests need a fresh one".into());
        };
        model.start =
            Some(Arc::new(Start { servers, wire, checker: sim.checker().clone(), now: sim.time, first_client, key }));
        Ok(model)
    }

    fn n(&self) -> usize {
        self.bounds.servers as usize
    }

    /// A node as the model keeps it: the core sizes a leader's progress table for every possible
    /// server id (64); the model's servers are S1–Sn, so it keeps n + 1 entries (cheaper to clone).
    fn trim(&self, mut node: Node) -> Node {
        node.progress.truncate(self.n() + 1);
        node
    }

    #[allow(clippy::too_many_arguments)]
    fn slot(
        &self,
        node: Option<Rc<Node>>,
        storage: Rc<Persistent>,
        disk: Rc<Disk>,
        lost_writes: bool,
        id: NodeId,
        now: u64,
    ) -> Slot {
        let r = Rename::identity();
        let mut d = Digest::default();
        // (With the synchronous disk there is never a write in flight: the hash is as it was.)
        if !disk.is_idle() || lost_writes {
            d.u64(0xd15c ^ lost_writes as u64);
            disk.fingerprint(&mut d, fp::message, |p| fp::idfree_down(p) ^ p.voted_for.map_or(0, |v| v as u64 + 1));
        }
        let (idfree, key) = match &node {
            Some(n) => {
                let idfree = fp::idfree(n, self.lease, now);
                d.u64(idfree);
                fp::ids(&mut d, n, &r, self.n());
                (idfree, fp::key(idfree, id, n.voted_for, Some(n)))
            }
            None => {
                let idfree = fp::idfree_down(&storage);
                d.u64(idfree);
                fp::ids_down(&mut d, &storage, &r);
                (idfree, fp::key(idfree, id, storage.voted_for, None))
            }
        };
        Slot { node, storage, disk, lost_writes, idfree, key, hash: d.0 }
    }

    /// Symmetry reduction renames every server id the model hashes, but not those inside
    /// configurations: it is sound only while every server's configuration is the whole cluster
    /// {S1, …, Sn} and no log holds a configuration entry (always so from a fresh cluster; from a
    /// running one, not during or after a membership change).
    pub fn symmetry_allowed(&self) -> Result<(), String> {
        if self.slow_disks {
            return Err(
                "symmetry is not supported with disks that take time (what waits on a disk is hashed as it is)".into(),
            );
        }
        let Some(start) = &self.start else { return Ok(()) };
        let full = Membership::first_n(self.bounds.servers);
        let changed = |log: &raft::Log, snap: &raft::Snapshot| {
            (snap.last_index > 0 && snap.config != full)
                || log.entries().any(|e| matches!(e.data, raft::EntryData::Config(_)))
        };
        for (k, (node, storage, _)) in start.servers.iter().enumerate() {
            let node_changed = node.as_ref().is_some_and(|n| n.config != full || changed(&n.log, &n.snapshot));
            if node_changed || changed(&storage.log, &storage.snapshot) {
                return Err(format!(
                    "symmetry renames servers, not configurations: S{}'s is not the whole cluster (a membership \
                     change), so explore without it",
                    k + 1
                ));
            }
        }
        Ok(())
    }

    /// Where the search starts, no budget used: the state [`Model::from_sim`] took, or every
    /// server up in a fresh cluster {S1, …, Sn} with nothing in flight.
    pub fn initial(&self) -> State {
        if let Some(start) = &self.start {
            let slots = start
                .servers
                .iter()
                .enumerate()
                .map(|(k, (node, storage, disk))| {
                    let node = node.clone().map(Rc::new);
                    self.slot(node, Rc::new(storage.clone()), Rc::new(disk.clone()), false, k as NodeId + 1, start.now)
                })
                .collect();
            return self.start_state(slots, &start.wire, start.checker.clone(), start.now);
        }
        let n = self.bounds.servers;
        let slots = (1..=n)
            .map(|id| {
                let node = self.trim(Node::new(id, Membership::first_n(n), self.opts));
                let storage = Rc::new(node.persistent());
                let mut node = node;
                if self.slow_disks {
                    node.durable = Some(Disk::default().durable(&storage, &node));
                }
                self.slot(Some(Rc::new(node)), storage, Rc::new(Disk::default()), false, id, 0)
            })
            .collect();
        self.start_state(slots, &[], Checker::new(n), 0)
    }

    /// A state to start from: these servers, messages in flight and checker, no budget used.
    fn start_state(&self, slots: Vec<Slot>, wire: &[Message], checker: Checker, now: u64) -> State {
        let mut wire: Vec<Rc<Flight>> = wire.iter().map(|m| Rc::new(Flight::new(m.clone()))).collect();
        wire.sort_by_key(|f| f.key);
        State {
            slots,
            wire_sum: wire.iter().fold(0u64, |a, f| a.wrapping_add(f.key)),
            wire,
            now,
            crashes: 0,
            requests: 0,
            duplicates: 0,
            reads: 0,
            retries: 0,
            memory: checker.memory_fingerprint(),
            leaders_sum: fp::leaders(checker.leaders(), &Rename::identity()),
            checker: Rc::new(checker),
            history_hash: self.history_hash(&History::default()),
            history: Rc::default(),
        }
    }

    /// Does the model keep the clients' history (and check it for linearizability)?
    pub fn keeps_history(&self) -> bool {
        self.bounds.reads > 0 || self.bounds.retries > 0
    }

    /// The history's part of a state's fingerprint (nothing without reads or retries, so that
    /// such a model's states hash as before).
    fn history_hash(&self, h: &History) -> u64 {
        if self.keeps_history() {
            h.hash()
        } else {
            0
        }
    }

    /// Every event enabled in `s`, in a fixed order: for each distinct message deliver (if its
    /// receiver is up), drop, duplicate; then for each server timeout, heartbeat, request, crash,
    /// restart.
    pub fn events(&self, s: &State, out: &mut Vec<Event>) {
        out.clear();
        for (k, f) in s.wire.iter().enumerate() {
            if k > 0 && s.wire[k - 1].key == f.key {
                continue;
            }
            if s.node(f.msg.to).is_some() {
                out.push(Event::Deliver(k as u32));
            }
            out.push(Event::Drop(k as u32));
            if s.duplicates < self.bounds.duplicates {
                out.push(Event::Duplicate(k as u32));
            }
        }
        for id in 1..=self.bounds.servers {
            match s.node(id) {
                Some(n) => {
                    let leader = n.role == Role::Leader;
                    if !leader || self.opts.check_quorum {
                        out.push(Event::Timeout(id));
                    }
                    if leader {
                        out.push(Event::Heartbeat(id));
                        if s.requests < self.bounds.requests {
                            out.push(Event::Request(id));
                        }
                        if s.reads < self.bounds.reads {
                            out.push(Event::Read(id));
                        }
                        if s.retries < self.bounds.retries {
                            for (j, h) in s.history.ops.iter().enumerate() {
                                if h.answered.is_none() && !matches!(h.cmd.op, Op::Get { .. }) {
                                    out.push(Event::Retry((j as u32) << 4 | id));
                                }
                            }
                        }
                    }
                    if s.crashes < self.bounds.crashes {
                        out.push(Event::Crash(id));
                    }
                    if !s.slots[id as usize - 1].disk.is_idle() {
                        out.push(Event::Flush(id));
                    }
                }
                None => out.push(Event::Restart(id)),
            }
        }
    }

    /// The key the model's clients use.
    pub fn key(&self) -> u8 {
        self.start.as_ref().map_or(b'x', |s| s.key)
    }

    /// The next client request in `s`: `x <- k` for the k-th, from client [`CLIENT`] (its k-th
    /// request). With reads or retries (a history to check), or exploring from a running cluster,
    /// each request and read is a client session of its own, numbered in the order they are made,
    /// as the simulator's are; with a history the request is `x += 1` (an increment applied twice
    /// shows in what is read).
    pub fn request(&self, s: &State) -> Command {
        let (k, key) = (s.requests + 1, self.key());
        let op = if self.keeps_history() { Op::Add { key, delta: 1 } } else { Op::Set { key, value: k as i64 } };
        self.session(s, op).unwrap_or(Command { client: CLIENT, seq: k, op })
    }

    /// The next client read in `s`.
    pub fn read(&self, s: &State) -> Command {
        let op = Op::Get { key: self.key() };
        self.session(s, op).unwrap_or(Command { client: HISTORY_CLIENT + s.requests + s.reads, seq: 1, op })
    }

    fn session(&self, s: &State, op: Op) -> Option<Command> {
        let first = match &self.start {
            Some(start) => start.first_client,
            None if self.keeps_history() => HISTORY_CLIENT,
            None => return None,
        };
        Some(Command { client: first + s.requests + s.reads, seq: 1, op })
    }

    /// Carry out `e` in `s`: what it changes, with the checker's verdict in `sc.found` and the
    /// messages sent in `sc.ready`.
    pub fn step(&self, s: &State, e: Event, sc: &mut Scratch) -> Step {
        sc.found.clear();
        sc.ready.clear();
        let mut step = Step::none(s);
        let (id, input) = match e {
            Event::Deliver(k) => {
                step.removed = Some(k as usize);
                let m = &s.wire[k as usize].msg;
                (m.to, Input::Message(m.clone()))
            }
            Event::Drop(k) => {
                step.removed = Some(k as usize);
                return step;
            }
            Event::Duplicate(k) => {
                step.copied = Some(k as usize);
                step.duplicates += 1;
                return step;
            }
            Event::Timeout(id) => {
                step.now += self.opts.election_timeout_min;
                (id, Input::ElectionTimeout)
            }
            Event::Heartbeat(id) => (id, Input::HeartbeatTimeout),
            Event::Request(id) | Event::Read(id) => {
                let cmd = if let Event::Read(_) = e {
                    step.reads += 1;
                    self.read(s)
                } else {
                    step.requests += 1;
                    self.request(s)
                };
                if self.keeps_history() {
                    let mut h = (*s.history).clone();
                    h.ops.push(HOp { cmd, invoked: h.clock, answered: None });
                    h.clock += 1;
                    step.history = Some((Rc::new(h), 0));
                }
                (id, Input::Propose(cmd))
            }
            Event::Retry(arg) => {
                step.retries += 1;
                (arg & 15, Input::Propose(s.history.ops[(arg >> 4) as usize].cmd))
            }
            Event::Crash(id) => {
                step.crashes += 1;
                let old = &s.slots[id as usize - 1];
                // A crash loses every write still in flight, with what waited for it.
                let (mut disk, mut lost) = (old.disk.clone(), old.lost_writes);
                if !disk.is_idle() {
                    let node = old.node.as_deref().expect("a live server crashes");
                    lost |= Rc::make_mut(&mut disk).crash(&old.storage, node).is_some();
                }
                step.slot = Some((id as usize - 1, self.slot(None, old.storage.clone(), disk, lost, id, step.now)));
                return step;
            }
            Event::Restart(id) => {
                let old = &s.slots[id as usize - 1];
                let mut node = self.trim(Node::restart(id, self.opts, (*old.storage).clone()));
                if self.slow_disks {
                    node.durable = Some(old.disk.durable(&old.storage, &node));
                }
                // What the node came back with is what its disk holds from now on: the same, unless a
                // rule broken on purpose forgets part of it on restart (then the disk forgot it too,
                // rather than the node disagreeing with its disk).
                let p = node.persistent();
                let storage = if p == *old.storage { old.storage.clone() } else { Rc::new(p) };
                let slot = self.slot(Some(Rc::new(node)), storage, old.disk.clone(), old.lost_writes, id, step.now);
                step.slot = Some((id as usize - 1, slot));
                return step;
            }
            Event::Flush(id) => (id, Input::Persisted(raft::Durable { term: 0, index: 0 })),
        };
        let k = id as usize - 1;
        let old = &s.slots[k];
        // Cloned straight into a new allocation (`make_mut` on a shared Rc), stepped there.
        let mut rc = old.node.clone().expect("events step live servers only");
        let node = Rc::make_mut(&mut rc);
        let before = Before::of(node);
        let mut storage = old.storage.clone();
        let mut disk = old.disk.clone();
        // A flush: the oldest write reaches the disk, what waited for it leaves first, and the node
        // hears how much of its state is durable now.
        let (input, released, flushed_snapshot) = match input {
            Input::Persisted(_) => {
                let d = Rc::make_mut(&mut disk);
                let mut w = d.complete(Rc::make_mut(&mut storage));
                sc.ready.messages.append(&mut w.messages);
                sc.ready.client_replies.append(&mut w.replies);
                let released = (sc.ready.messages.len(), sc.ready.client_replies.len());
                let snap = w.snapshot;
                d.recycle(w);
                (Input::Persisted(d.durable(&storage, node)), released, snap)
            }
            input => (input, (0, 0), false),
        };
        node.step(step.now, input, &mut sc.ready);

        // Persist what the step asked for — at once, or (disks that take time) as a write in
        // flight that what the step sends waits behind — and check that it is all the node's
        // persistent state once the disk has caught up.
        if crate::disk::asks(&sc.ready) {
            if self.slow_disks {
                let d = Rc::make_mut(&mut disk);
                d.issue(node, &sc.ready, 0);
                node.durable = Some(d.durable(&storage, node));
            } else {
                persist(Rc::make_mut(&mut storage), node, &sc.ready);
            }
        }
        if !disk.is_idle() && !self.opts.broken.has(raft::Rule::ReplyBeforePersist) {
            let ready = &mut sc.ready;
            Rc::make_mut(&mut disk).hold(&mut ready.messages, &mut ready.client_replies, released);
        }
        let ready = &sc.ready;
        let node = &*node;
        let found = &mut sc.found;
        let mut report = |property, servers, _term, _index, detail| found.push(Found { property, servers, detail });
        if disk.is_idle() && !stored_matches(&storage, node, ready.persist_snapshot || flushed_snapshot) {
            report(
                Property::Persistence,
                vec![id],
                0,
                0,
                format!("S{id}'s stable storage differs from its persistent state"),
            );
        }
        // A server back from a crash that lost writes holds what was on disk, not the log the
        // checker last saw: it is taken afresh, as after a snapshot install.
        let (log_from, installed) = (ready.persist_log_from, ready.installed_snapshot || old.lost_writes);
        if Checker::records(node, &before, log_from, installed) {
            let mut checker = (*s.checker).clone();
            let others = s.slots.iter().enumerate().filter(|&(j, _)| j != k).filter_map(|(_, o)| o.node.as_deref());
            checker.after_step(node, before, log_from, installed, others, &mut report);
            let memory = checker.memory_fingerprint();
            step.checker = Some((Rc::new(checker), memory));
        } else {
            Checker::transition(node, &before, log_from, &mut report);
        }

        // What this step did (from a running cluster, a leader or commits may be there already).
        if node.role == Role::Leader && (before.role != Role::Leader || before.term != node.current_term) {
            step.goals |= LEADER;
        }
        if node.commit_index > before.commit_index {
            step.goals |= COMMITTED;
        }
        if ready.client_replies.iter().any(|r| matches!(r.result, raft::ClientResult::Ok { .. })) {
            step.goals |= ANSWERED;
        }
        // The clients' history: each answer is recorded, and the history checked at once.
        if self.keeps_history() {
            let base = step.history.take().map_or_else(|| s.history.clone(), |(h, _)| h);
            let mut h: Option<History> = None;
            for r in &ready.client_replies {
                if let raft::ClientResult::Ok { value, .. } = r.result {
                    let cur = h.get_or_insert_with(|| (*base).clone());
                    let clock = cur.clock;
                    let waiting = |o: &&mut HOp| o.cmd.client == r.client && o.cmd.seq == r.seq && o.answered.is_none();
                    if let Some(op) = cur.ops.iter_mut().find(waiting) {
                        op.answered = Some((clock, value));
                        cur.clock += 1;
                    }
                }
            }
            let h = match h {
                Some(h) => {
                    if let crate::linearizability::Verdict::Violation(why) =
                        crate::linearizability::check_key(&h.calls())
                    {
                        let detail = format!("S{id} answered; key {}: {why}", self.key() as char);
                        sc.found.push(Found { property: Property::Linearizability, servers: vec![id], detail });
                    }
                    Rc::new(h)
                }
                None => base,
            };
            let hash = h.hash();
            step.history = Some((h, hash));
        }
        step.before = Some(before);
        step.slot = Some((k, self.slot(Some(rc), storage, disk, false, id, step.now)));
        if self.lease && step.now != s.now {
            for (j, o) in s.slots.iter().enumerate().filter(|&(j, _)| j != k) {
                if let Some(n) = o.node.as_ref().filter(|n| fp::in_lease(n, s.now) != fp::in_lease(n, step.now)) {
                    let slot = self.slot(
                        Some(n.clone()),
                        o.storage.clone(),
                        o.disk.clone(),
                        o.lost_writes,
                        j as NodeId + 1,
                        step.now,
                    );
                    step.relet.push((j, slot));
                }
            }
        }
        step
    }

    /// The fingerprint of the state `step` leads to from `s`, without building it. With
    /// `symmetry`, the smallest over the renamings that sort the servers by their keys.
    pub fn fingerprint(&self, s: &State, step: &Step, sc: &mut Scratch, symmetry: bool) -> u64 {
        let slot = |k: usize| match &step.slot {
            Some((j, slot)) if *j == k => slot,
            _ => step.relet.iter().find(|(j, _)| *j == k).map_or(&s.slots[k], |(_, slot)| slot),
        };
        let (checker, memory) = match &step.checker {
            Some((c, m)) => (&**c, *m),
            None => (&*s.checker, s.memory),
        };
        let mut counters = Digest::default();
        counters.u64(memory);
        if self.keeps_history() {
            counters.u64(step.history.as_ref().map_or(s.history_hash, |h| h.1));
        }
        counters.u64((step.crashes as u64) << 40 | (step.requests as u64) << 20 | step.duplicates as u64);
        if self.keeps_history() {
            counters.u64((step.reads as u64) << 20 | step.retries as u64);
        }
        sc.sent.clear();
        for m in &sc.ready.messages {
            sc.sent.push((fp::body(m), m.from, m.to));
        }
        let fingerprint = if !symmetry {
            let id = Rename::identity();
            let mut wire = s.wire_sum;
            if let Some(k) = step.removed {
                wire = wire.wrapping_sub(s.wire[k].key);
            }
            if let Some(k) = step.copied {
                wire = wire.wrapping_add(s.wire[k].key);
            }
            for &(body, from, to) in &sc.sent {
                wire = wire.wrapping_add(fp::flight(body, from, to, &id));
            }
            let leaders = if step.checker.is_some() { fp::leaders(checker.leaders(), &id) } else { s.leaders_sum };
            let mut d = counters;
            for k in 0..self.n() {
                d.u64(slot(k).hash);
            }
            d.u64(wire);
            d.u64(leaders);
            d.0
        } else {
            let keys: Vec<u64> = (0..self.n()).map(|k| slot(k).key).collect();
            let mut best = u64::MAX;
            fp::orders(&keys, |r| {
                let mut d = counters;
                for new in 1..=self.n() {
                    let old = r.from[new] as usize - 1;
                    let sl = slot(old);
                    d.u64(sl.idfree);
                    match &sl.node {
                        Some(n) => fp::ids(&mut d, n, r, self.n()),
                        None => fp::ids_down(&mut d, &sl.storage, r),
                    }
                }
                let mut wire = 0u64;
                for (k, f) in s.wire.iter().enumerate() {
                    if step.removed != Some(k) {
                        wire = wire.wrapping_add(fp::flight(f.body, f.msg.from, f.msg.to, r));
                    }
                }
                if let Some(k) = step.copied {
                    let f = &s.wire[k];
                    wire = wire.wrapping_add(fp::flight(f.body, f.msg.from, f.msg.to, r));
                }
                for &(body, from, to) in &sc.sent {
                    wire = wire.wrapping_add(fp::flight(body, from, to, r));
                }
                d.u64(wire);
                d.u64(fp::leaders(checker.leaders(), r));
                best = best.min(d.0);
            });
            best
        };
        fingerprint.max(1) // 0 marks an empty slot of the visited set
    }

    /// The fingerprint of a state.
    pub fn fingerprint_of(&self, s: &State, symmetry: bool) -> u64 {
        self.fingerprint(s, &Step::none(s), &mut Scratch::default(), symmetry)
    }

    /// The state `step` leads to from `s` (taking the messages sent from `sc.ready`).
    pub fn apply(&self, s: &State, step: Step, sc: &mut Scratch) -> State {
        let mut t = s.clone();
        t.now = step.now;
        t.crashes = step.crashes;
        t.requests = step.requests;
        t.duplicates = step.duplicates;
        t.reads = step.reads;
        t.retries = step.retries;
        if let Some((h, hash)) = step.history {
            t.history = h;
            t.history_hash = hash;
        }
        if let Some((c, m)) = step.checker {
            t.leaders_sum = fp::leaders(c.leaders(), &Rename::identity());
            t.checker = c;
            t.memory = m;
        }
        for (k, slot) in step.slot.into_iter().chain(step.relet) {
            t.slots[k] = slot;
        }
        if let Some(k) = step.removed {
            t.wire_sum = t.wire_sum.wrapping_sub(t.wire[k].key);
            t.wire.remove(k);
        }
        if let Some(k) = step.copied {
            let f = t.wire[k].clone();
            t.wire_sum = t.wire_sum.wrapping_add(f.key);
            t.wire.insert(k, f);
        }
        for m in sc.ready.messages.drain(..) {
            let f = Rc::new(Flight::new(m));
            t.wire_sum = t.wire_sum.wrapping_add(f.key);
            let at = t.wire.partition_point(|g| g.key <= f.key);
            t.wire.insert(at, f);
        }
        t
    }

    /// `s` with server `id`'s node changed by `f` and its hashes recomputed (for tests that set
    /// up or perturb a state by hand).
    pub fn edit(&self, s: &State, id: NodeId, f: impl FnOnce(&mut Node)) -> State {
        let mut t = s.clone();
        let k = id as usize - 1;
        let mut node = t.slots[k].node.as_deref().expect("a live server").clone();
        f(&mut node);
        let (disk, lost) = (t.slots[k].disk.clone(), t.slots[k].lost_writes);
        t.slots[k] = self.slot(Some(Rc::new(node)), t.slots[k].storage.clone(), disk, lost, id, t.now);
        t
    }

    /// The state a path of events leads to from the initial state.
    pub fn replay(&self, path: &[Event]) -> State {
        let mut sc = Scratch::default();
        let mut s = self.initial();
        for &e in path {
            let step = self.step(&s, e, &mut sc);
            s = self.apply(&s, step, &mut sc);
        }
        s
    }
}
