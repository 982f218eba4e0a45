//! The discrete-event simulator: a cluster of [`raft::Node`]s, a network, timers and the checker.
//!
//! Events (message deliveries, timer firings, disk writes completing) sit in a queue ordered by
//! (time, sequence number) ([`crate::queue`]), so ties break the same way every run. User actions
//! ([`crate::operator`]) happen at the current simulated time; whoever drives the simulator
//! records them ([`crate::record`]). Same config + same timed actions ⇒ the same run, bit for bit.

use crate::clients::{ClientOp, Outcome};
use crate::config::SimConfig;
use crate::digest::Digest;
use crate::disk::{self, Disk};
use crate::invariants::{Before, Checker, Property, Violation};
use crate::narrate::{CurrentEvent, Note, What};
use crate::network::Topology;
use crate::queue::{Event, Queue};
use crate::rng::SimRng;
use raft::{EntryData, Input, Membership, Message, Node, NodeId, Persistent, Ready, Role, Rule, MAX_NODE_ID};

/// A message on the wire.
#[derive(Clone, Debug)]
pub struct Flight {
    pub id: u64,
    pub msg: Message,
    pub send_time: u64,
    pub deliver_time: u64,
    /// Lost in transit (drawn at send time, or sent across a cut): it vanishes on arrival.
    pub lost: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EventKind {
    Deliver(u64),
    Election {
        node: NodeId,
        gen: u64,
    },
    Heartbeat {
        node: NodeId,
        gen: u64,
    },
    /// A client's retry timer (index into `client_ops`).
    Client {
        op: usize,
        gen: u64,
    },
    /// The next background client write (`SimConfig::load`).
    Load,
    /// Write number `write` on a server's disk is durable (`epoch`: not lost in a crash since; it
    /// is the oldest in flight unless a `flush` completed it early).
    Disk {
        node: NodeId,
        epoch: u64,
        write: u64,
    },
}

/// A timer the simulator runs on a server's behalf. Re-arming bumps `gen`, which makes the firing
/// already in the queue stale.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    pub gen: u64,
    pub start: u64,
    /// `None` when not armed.
    pub deadline: Option<u64>,
    /// When this timer's event in the queue fires (re-arming to a later deadline leaves it there;
    /// when it fires early it is pushed again for the deadline, so each timer holds one queue entry
    /// however often it is reset).
    pub queued: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub id: NodeId,
    /// `None` while crashed.
    pub node: Option<Node>,
    /// Stable storage: what survives a crash. Written only from what the core asks to persist.
    pub storage: Persistent,
    /// The writes on their way to `storage` (none while `fsync` is 0), and what waits for them.
    pub disk: Disk,
    /// Its last crash lost writes: the log it restarts with is not the one the checker last saw
    /// (its first step after the restart has the checker fingerprint it afresh).
    pub lost_writes: bool,
    pub election: Timer,
    pub heartbeat: Timer,
}

impl Server {
    /// Server `id` booting for the first time with the bootstrap configuration `bootstrap` (empty
    /// for a server that will be added to a running cluster).
    pub fn boot(id: NodeId, bootstrap: Membership, opts: raft::Options) -> Server {
        let node = Node::new(id, bootstrap, opts);
        let storage = node.persistent();
        Server {
            id,
            node: Some(node),
            storage,
            disk: Disk::default(),
            lost_writes: false,
            election: Timer::default(),
            heartbeat: Timer::default(),
        }
    }

    /// Come back from a crash with what stable storage holds. A restart that forgets its term or
    /// vote (a rule broken on purpose) writes back what it came up with: the disk agrees with the
    /// server.
    /// (The simulator then puts its disk in the mode the `fsync` dial asks for: `Sim::disk_mode`.)
    pub fn restart(&mut self, opts: raft::Options) {
        let node = Node::restart(self.id, opts, self.storage.clone());
        (self.storage.current_term, self.storage.voted_for) = (node.current_term, node.voted_for);
        self.node = Some(node);
    }
}

/// Counters for benchmarks and the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: u64,
    pub delivered: u64,
    pub lost: u64,
    pub sent: u64,
    /// User actions carried out (refused ones do not count): with `events`, a run's position.
    pub actions: u64,
    /// Crashes that lost writes not yet on disk.
    pub lost_writes: u64,
}

#[derive(Clone, Debug)]
pub struct Sim {
    /// The configuration now (`set` and `net` actions change the protocol switches and network).
    pub cfg: SimConfig,
    /// Current simulated time, µs.
    pub time: u64,
    rng: SimRng,
    /// Every server ever created, by id (S1 is `servers[0]`); servers added later get new ids.
    pub servers: Vec<Server>,
    queue: Queue<EventKind>,
    pub flights: crate::flights::Flights,
    next_flight: u64,
    pub topology: Topology,
    checker: Checker,
    pub violations: Vec<Violation>,
    pub(crate) digest: Digest,
    pub stats: Stats,
    /// Every client request, in the order they were made (the history the linearizability checker
    /// reads).
    pub client_ops: raft::chunked::Chunked<ClientOp>,
    /// How many of the oldest requests were dropped from `client_ops` (see `CLIENT_HISTORY_LIMIT`).
    pub clients_dropped: usize,
    /// Narrate: collect a [`Note`] for each thing worth telling (off by default; the timeline
    /// and the command line's trace turn it on and drain `notes`).
    pub narrate: bool,
    pub notes: Vec<Note>,
    /// Trace: a line for every message delivered (or lost on arrival) and every change a step
    /// makes to a server's role, term, log or commit index ([`crate::narrate::changes`]), each
    /// stamped with the time (off by default; scripts' `trace on` turns it on and drain `traced`).
    /// It draws nothing from the RNG, so it never changes the run.
    pub trace: bool,
    pub traced: Vec<String>,
    /// Every message that arrives (or is lost on arrival), for the sequence diagram (off: `None`;
    /// [`crate::diagram`] turns it on in a replay on the side).
    pub deliveries: Option<Vec<crate::diagram::Delivery>>,
    /// The buffer each step's output goes into (its vectors keep their capacity from step to step).
    ready: Scratch<Ready>,
    /// The buffer each recorded action is encoded into for the digest (empty between actions, so
    /// a clone copies nothing).
    pub(crate) action_bytes: Vec<u8>,
    /// The event being processed, for violation reports (formatted only when one is found).
    pub(crate) current_event: CurrentEvent,
    /// An action other than set-up has been carried out: set-up is over ([`crate::setup`]).
    pub(crate) acted: bool,
    /// The work done against a budget ([`Meter`]): not part of the run, only of how much of it one
    /// call may compute.
    pub meter: Meter,
    /// The live linearizability check's window of each key `a`–`z` (see [`crate::clients`]).
    pub(crate) live: Vec<crate::linearizability::Window>,
    /// The buffer an answer's window is read into for the live check (empty between answers, so
    /// a clone copies nothing).
    pub(crate) live_calls: Vec<crate::linearizability::Call>,
    /// Held (`Action::Hold`) since this time: the network's and the timers' clock stands still
    /// there ([`Sim::clock`]) and no event fires; only actions move the run.
    pub held: Option<u64>,
}

/// A reusable buffer, no part of the run: taking it out and putting it back moves a pointer, not
/// the buffer, and a clone starts without one (a checkpoint need not copy scratch space).
#[derive(Debug, Default)]
struct Scratch<T>(Option<Box<T>>);

impl<T> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        Scratch(None)
    }
}

impl<T: Default> Scratch<T> {
    /// The buffer (a new one if it is out already, or was never made).
    fn take(&mut self) -> Box<T> {
        self.0.take().unwrap_or_default()
    }

    fn put(&mut self, buffer: Box<T>) {
        self.0 = Some(buffer);
    }
}

/// The most messages in flight at once (~450 bytes each); beyond, the network drops what is sent.
/// Ordinary runs stay far below (51 servers under the heaviest load: ~15,000).
pub const MAX_FLIGHTS: usize = 100_000;

/// Work units for a log entry a server writes (its log, its stable storage, the checker's
/// tables: ~160 bytes kept), so that what one budget allows bounds memory as well as time.
pub const WORK_PER_ENTRY_WRITTEN: u64 = 4;

/// How much work a caller lets the simulator do: one unit per event (and per stale timer taken off
/// the queue), one per action, one per log entry copied into a message (so a run of fat
/// AppendEntries costs what it weighs), and [`WORK_PER_ENTRY_WRITTEN`] per entry a server writes
/// to its log. Processing stops between
/// events once `used` reaches `limit`; the run is then at an ordinary position and can go on. It
/// is not part of the run (no digest, no replay): a checkpoint restored keeps the meter running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meter {
    pub used: u64,
    pub limit: u64,
}

impl Default for Meter {
    fn default() -> Self {
        Meter { used: 0, limit: u64::MAX }
    }
}

impl Meter {
    /// A fresh budget of `units`.
    pub fn budget(units: u64) -> Meter {
        Meter { used: 0, limit: units }
    }
    pub fn exhausted(&self) -> bool {
        self.used >= self.limit
    }
}

impl Sim {
    pub fn new(cfg: SimConfig) -> Result<Sim, String> {
        cfg.validate()?;
        let n = cfg.servers;
        let mut sim = Sim {
            rng: SimRng::new(cfg.seed),
            time: 0,
            servers: Vec::with_capacity(n as usize),
            queue: Queue::default(),
            flights: Default::default(),
            next_flight: 0,
            topology: Topology::new(MAX_NODE_ID),
            checker: Checker::new(MAX_NODE_ID),
            violations: Vec::new(),
            digest: Digest::default(),
            stats: Stats::default(),
            client_ops: Default::default(),
            clients_dropped: 0,
            narrate: false,
            notes: Vec::new(),
            trace: false,
            traced: Vec::new(),
            deliveries: None,
            ready: Scratch::default(),
            action_bytes: Vec::new(),
            current_event: CurrentEvent::Start,
            acted: false,
            meter: Meter::default(),
            held: None,
            live: vec![crate::linearizability::Window::default(); 26],
            live_calls: Vec::new(),
            cfg,
        };
        for _ in 0..n {
            sim.add_server(Membership::first_n(n));
        }
        if sim.cfg.load > 0 {
            sim.schedule(sim.load_interval(), EventKind::Load);
        }
        Ok(sim)
    }

    /// Create and start server S(len+1) with the given bootstrap configuration.
    pub(crate) fn add_server(&mut self, bootstrap: Membership) -> NodeId {
        let id = self.servers.len() as NodeId + 1;
        self.servers.push(Server::boot(id, bootstrap, self.cfg.raft));
        self.disk_mode(id);
        self.start_node(id);
        id
    }

    pub fn server(&self, id: NodeId) -> &Server {
        &self.servers[id as usize - 1]
    }

    /// The live checker: what it remembers of the run so far.
    pub fn checker(&self) -> &Checker {
        &self.checker
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.servers.get((id as usize).wrapping_sub(1)).and_then(|s| s.node.as_ref())
    }

    /// Fingerprint of everything that has happened so far (events and actions).
    pub fn digest(&self) -> u64 {
        self.digest.0
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader_excluding(0)
    }

    /// What the last event or action was, in words (for single-stepping).
    pub fn last_event(&self) -> String {
        self.current_event.to_string()
    }

    /// The live leader with the highest term other than `id` (0: any).
    pub fn leader_excluding(&self, id: NodeId) -> Option<NodeId> {
        self.servers
            .iter()
            .filter_map(|s| s.node.as_ref())
            .filter(|n| n.role == Role::Leader && n.id != id)
            .max_by_key(|n| n.current_term)
            .map(|n| n.id)
    }

    pub fn max_term(&self) -> u64 {
        self.servers.iter().filter_map(|s| s.node.as_ref()).map(|n| n.current_term).max().unwrap_or(0)
    }

    /// The configuration as the current leader (or else the most advanced live server) sees it.
    pub fn config(&self) -> Membership {
        let best = self.leader().and_then(|l| self.node(l)).or_else(|| {
            self.servers.iter().filter_map(|s| s.node.as_ref()).max_by_key(|n| (n.current_term, n.log.last_index()))
        });
        best.map(|n| n.config).unwrap_or_default()
    }

    /// The clock the network, the timers, the clients' retries and the disks run on: the
    /// simulated time, except while held, when it stands still where the hold began.
    pub fn clock(&self) -> u64 {
        self.held.unwrap_or(self.time)
    }

    /// Take the network and the timers into the user's hands (see `Action::Hold`).
    pub(crate) fn hold(&mut self) {
        self.held = Some(self.time);
    }

    /// Let the network and the timers go again: everything they had due comes due as much later
    /// as the hold lasted, as if the held time had not passed for them.
    pub(crate) fn release(&mut self) {
        let Some(since) = self.held.take() else { return };
        let delta = self.time - since;
        let events = self.queue.drain();
        self.queue.refill(events.into_iter().map(|e| Event { time: e.time + delta, ..e }));
        for f in self.flights.values_mut() {
            f.deliver_time += delta;
        }
        for s in &mut self.servers {
            for t in [&mut s.election, &mut s.heartbeat] {
                t.start += delta;
                t.deadline = t.deadline.map(|d| d + delta);
                t.queued = t.queued.map(|q| q + delta);
            }
            s.disk.postpone(delta);
        }
    }

    /// Time of the next event that will do something, if any (none while held).
    pub fn next_event_time(&mut self) -> Option<u64> {
        if self.held.is_some() {
            return None;
        }
        self.drop_stale_timers();
        self.queue.peek().map(|e| e.time)
    }

    /// Process every event up to and including `time`, then set the clock to it. Stops early (with
    /// the clock at the offending event) once a safety property is violated or the work budget
    /// ([`Meter`]) is used up.
    pub fn run_until(&mut self, time: u64) {
        self.run_to(time, u64::MAX);
    }

    /// Process events in order while they are due by `time` and fewer than `events` events have
    /// been processed in all; then the clock reads `time` (unless a violation stopped the run).
    /// This is where a recorded action happened: `run_to(a.time, a.events)` then act.
    pub fn run_to(&mut self, time: u64, events: u64) {
        self.process_until(time, events);
        if self.violations.is_empty() && !self.meter.exhausted() {
            self.time = self.time.max(time);
        }
    }

    /// Process events in order while they are due by `time` and fewer than `events` have been
    /// processed in all; the clock stays at the last event processed.
    pub fn process_until(&mut self, time: u64, events: u64) {
        while self.violations.is_empty() && self.held.is_none() && self.stats.events < events && !self.meter.exhausted()
        {
            match self.queue.pop_due(time) {
                Some(e) => self.process(e),
                None => break,
            }
        }
    }

    /// What the simulator holds in memory: `chunk(address, bytes)` for each shared chunk (so a
    /// caller counting several clones counts each once), and the bytes of everything else.
    pub fn memory(&self, chunk: &mut impl FnMut(usize, usize)) -> usize {
        use std::mem::size_of;
        let mut other = size_of::<Sim>() + self.checker.memory(chunk);
        for s in &self.servers {
            s.storage.log.chunks().for_each(|(a, b)| chunk(a, b));
            other += size_of::<Server>() + s.storage.snapshot.state.sessions().count() * 40 + s.disk.memory();
            if let Some(n) = &s.node {
                n.log.chunks().for_each(|(a, b)| chunk(a, b));
                other += size_of::<Node>() + n.progress.capacity() * size_of::<raft::progress::Progress>();
                other += (n.state_machine.sessions().count() + n.snapshot.state.sessions().count()) * 40;
            }
        }
        self.client_ops.chunks().for_each(|(a, b)| chunk(a, b));
        other + self.flights.len() * size_of::<Flight>() + self.flights.overhead() + self.queue.memory()
    }

    /// Where the run is: the clock, events processed, actions carried out.
    pub fn position(&self) -> crate::Position {
        crate::Position { time: self.time, events: self.stats.events, applied: self.stats.actions as usize }
    }

    pub fn run_for(&mut self, duration_us: u64) {
        self.run_until(self.time.saturating_add(duration_us));
    }

    /// Process the next event that does something (skipping stale timers). Returns false when there
    /// is none or the run has stopped on a violation.
    pub fn step(&mut self) -> bool {
        if !self.violations.is_empty() || self.held.is_some() {
            return false;
        }
        self.drop_stale_timers();
        match self.queue.pop() {
            Some(e) => {
                self.process(e);
                true
            }
            None => false,
        }
    }

    fn drop_stale_timers(&mut self) {
        while let Some(&e) = self.queue.peek() {
            if !self.is_live(e.kind) {
                self.queue.pop();
            } else if self.requeue_early(e) {
                continue;
            } else {
                break;
            }
        }
    }

    /// A timer event that fires before its timer's (later) deadline: move it there. True if it did
    /// (the event was the queue's first and is no longer).
    fn requeue_early(&mut self, e: Event<EventKind>) -> bool {
        let (node, heartbeat) = match e.kind {
            EventKind::Election { node, .. } => (node, false),
            EventKind::Heartbeat { node, .. } => (node, true),
            _ => return false,
        };
        let server = self.server_mut(node);
        let timer = if heartbeat { &mut server.heartbeat } else { &mut server.election };
        match timer.deadline {
            Some(d) if d > e.time => {
                timer.queued = Some(d);
                self.queue.pop();
                self.schedule(d, e.kind);
                true
            }
            _ => false,
        }
    }

    fn is_live(&self, kind: EventKind) -> bool {
        match kind {
            // A message the user dropped is no longer in flight: its delivery is stale.
            EventKind::Deliver(id) => self.flights.contains_key(&id),
            EventKind::Load => true,
            EventKind::Disk { node, epoch, write } => {
                let d = &self.server(node).disk;
                d.epoch == epoch && d.completed == write
            }
            EventKind::Election { node, gen } => self.server(node).election.gen == gen,
            EventKind::Heartbeat { node, gen } => self.server(node).heartbeat.gen == gen,
            EventKind::Client { op, gen } => {
                self.client_op(op).is_some_and(|c| c.timer_gen == gen && c.outcome == Outcome::Pending)
            }
        }
    }

    pub(crate) fn schedule(&mut self, time: u64, kind: EventKind) {
        self.queue.push(time, kind);
    }

    fn load_interval(&self) -> u64 {
        (1_000_000 / self.cfg.load.max(1) as u64).max(1)
    }

    fn process(&mut self, e: Event<EventKind>) {
        // A delivery takes its flight out first: finding it is what makes the event live (one
        // lookup, not two).
        let flight = match e.kind {
            EventKind::Deliver(id) => self.flights.remove(&id),
            _ => None,
        };
        if flight.is_none() && !self.is_live(e.kind) {
            // Not an event of the run, but work all the same (a busy client load leaves a stale
            // retry timer per answered request in the queue).
            self.meter.used += 1;
            return;
        }
        if let EventKind::Election { node, .. } | EventKind::Heartbeat { node, .. } = e.kind {
            let heartbeat = matches!(e.kind, EventKind::Heartbeat { .. });
            let server = self.server_mut(node);
            let timer = if heartbeat { &mut server.heartbeat } else { &mut server.election };
            match timer.deadline {
                // Re-armed since it was queued: fire at the deadline instead (not an event yet).
                Some(d) if d > e.time => {
                    timer.queued = Some(d);
                    self.schedule(d, e.kind);
                    return;
                }
                Some(_) => timer.queued = None,
                // Disarmed (a forced timeout or a leader's timer that is not used): nothing to do.
                None => {
                    timer.queued = None;
                    return;
                }
            }
        }
        self.time = e.time;
        self.stats.events += 1;
        self.meter.used += 1;
        self.digest.u64(e.time);
        match e.kind {
            EventKind::Deliver(id) => {
                // Read in place; only the message moves on, into the step.
                let f = flight.as_ref().expect("live: in flight");
                let (from, to) = (f.msg.from, f.msg.to);
                let up = !f.lost && self.topology.connected(from, to) && self.server(to).node.is_some();
                self.digest.u64(1);
                self.digest.u64(id);
                self.digest.u64(up as u64);
                if self.trace {
                    let fate = if up {
                        ""
                    } else if self.server(to).node.is_none() {
                        " (lost: the receiver is down)"
                    } else {
                        " (lost)"
                    };
                    self.trace_line(format!("{}{fate}", crate::narrate::describe(&f.msg)));
                }
                if let Some(d) = self.deliveries.as_mut() {
                    d.push(crate::diagram::Delivery::of(&f.msg, f.send_time, self.time, !up));
                }
                if !up {
                    self.stats.lost += 1;
                    return;
                }
                self.stats.delivered += 1;
                self.current_event = CurrentEvent::Deliver { kind: f.msg.body.kind(), from, to, term: f.msg.term };
                self.step_node(to, Input::Message(flight.expect("in flight").msg));
            }
            EventKind::Election { node, .. } => {
                self.digest.u64(2);
                self.digest.u32(node);
                self.server_mut(node).election.deadline = None;
                self.current_event = CurrentEvent::Timer { node, heartbeat: false };
                self.step_node(node, Input::ElectionTimeout);
            }
            EventKind::Heartbeat { node, .. } => {
                self.digest.u64(3);
                self.digest.u32(node);
                self.server_mut(node).heartbeat.deadline = None;
                self.current_event = CurrentEvent::Timer { node, heartbeat: true };
                self.step_node(node, Input::HeartbeatTimeout);
            }
            EventKind::Client { op, .. } => {
                self.digest.u64(4);
                self.digest.u64(op as u64);
                // No answer in time: retry at the next server (§8).
                let c = self.client_ops.get_mut(op - self.clients_dropped).expect("a live client op");
                c.timeouts += 1;
                let next = c.server % self.servers.len() as NodeId + 1;
                self.client_send(op, next);
            }
            EventKind::Load => {
                self.digest.u64(5);
                // A background write to the leader (or, with none, to a server chosen at random).
                let n = self.servers.len() as u64;
                let server = self.leader().unwrap_or_else(|| self.rng.range(1, n) as NodeId);
                let k = (self.clients_dropped + self.client_ops.len()) as u64;
                let op = raft::Op::Set { key: b'a' + (k % 26) as u8, value: k as i64 + 1 };
                self.client_request(server, op);
                self.schedule(self.time + self.load_interval(), EventKind::Load);
            }
            EventKind::Disk { node, .. } => {
                self.digest.u64(6);
                self.digest.u32(node);
                self.current_event = CurrentEvent::Disk { node };
                self.write_done(node);
            }
        }
    }

    /// A disk that takes time: issue the write the step asked for, due `fsync` from now (or after
    /// the writes before it).
    fn issue_write(&mut self, id: NodeId, ready: &Ready) {
        let (now, fsync) = (self.clock(), self.cfg.net.fsync_us);
        let server = &mut self.servers[id as usize - 1];
        let node = server.node.as_mut().expect("live node");
        let done = server.disk.done_at(now, fsync);
        let write = server.disk.next_write();
        server.disk.issue(node, ready, done);
        // What the write rewrites is not on disk until it completes.
        node.durable = Some(server.disk.durable(&server.storage, node));
        let epoch = server.disk.epoch;
        self.schedule(done, EventKind::Disk { node: id, epoch, write });
    }

    /// The oldest write on `id`'s disk is durable: store it, send what waited for it, and tell the
    /// node how much of its state is on disk now.
    pub(crate) fn write_done(&mut self, id: NodeId) {
        let server = &mut self.servers[id as usize - 1];
        let mut w = server.disk.complete(&mut server.storage);
        let node = server.node.as_ref().expect("a crash drops the writes in flight");
        server.storage.log.share_chunks_with(&node.log);
        if self.cfg.check_persistence && server.disk.is_idle() && !stored_matches(&server.storage, node, w.snapshot) {
            let detail = format!("S{id}'s stable storage differs from its persistent state once its disk caught up");
            let (term, index) = (node.current_term, node.log.last_index());
            self.violation(Property::Persistence, vec![id], term, index, detail);
        }
        // Tell the node. What waited for the write leaves first, at the head of that step's output.
        let mut ready = self.ready.take();
        ready.clear();
        ready.messages.append(&mut w.messages);
        ready.client_replies.append(&mut w.replies);
        let released = (ready.messages.len(), ready.client_replies.len());
        let now = self.time;
        let server = &mut self.servers[id as usize - 1];
        server.disk.recycle(w);
        let durable = server.disk.durable(&server.storage, server.node.as_ref().expect("live node"));
        let node = server.node.as_mut().expect("live node");
        let before = Before::of(node);
        node.step(now, Input::Persisted(durable), &mut ready);
        self.after_step(id, before, &mut ready, released);
        self.ready.put(ready);
        self.disk_mode(id);
    }

    /// Does `id`'s node need to know what is on disk? Only while writes take time (`fsync` > 0)
    /// or some are still in flight; otherwise (`durable: None`) it counts itself at once, as with
    /// the synchronous disk. Called when a node starts, when its disk catches up and when the
    /// dial changes.
    pub(crate) fn disk_mode(&mut self, id: NodeId) {
        let asynchronous = self.cfg.net.fsync_us > 0;
        let server = &mut self.servers[id as usize - 1];
        let Some(node) = server.node.as_mut() else { return };
        if !asynchronous && server.disk.is_idle() {
            node.durable = None;
        } else if node.durable.is_none() {
            node.durable = Some(server.disk.durable(&server.storage, node));
        }
    }

    pub(crate) fn server_mut(&mut self, id: NodeId) -> &mut Server {
        &mut self.servers[id as usize - 1]
    }

    /// Run one input through a live node and carry out its Ready: persist, check, send, arm, reply.
    /// Returns the node's refusal of an operator request, if any.
    pub(crate) fn step_node(&mut self, id: NodeId, input: Input) -> Option<&'static str> {
        let mut ready = self.ready.take();
        ready.clear();
        let now = self.time;
        let before = {
            let node = self.server_mut(id).node.as_mut()?;
            let before = Before::of(node);
            node.step(now, input, &mut ready);
            before
        };
        self.after_step(id, before, &mut ready, (0, 0));
        let refused = ready.refused;
        self.ready.put(ready);
        refused
    }

    /// `released`: how many of the messages and client replies at the head of `ready` a write
    /// that just completed let go (they do not wait again).
    fn after_step(&mut self, id: NodeId, before: Before, ready: &mut Ready, released: (usize, usize)) {
        // 1. Persist before anything leaves the server: at once, or — on a disk that takes time —
        //    issue the write; what the step produced then waits for it (step 3). What the run keeps grows with the entries written (each sits in the node's log, its
        // storage and the checker's tables): they weigh on the work meter.
        let written: u64 = ready.persist_log_from.map_or(0, |from| {
            let last = self.servers[id as usize - 1].node.as_ref().map_or(0, |n| n.log.last_index());
            (last + 1).saturating_sub(from)
        });
        if disk::asks(ready) {
            let server = &mut self.servers[id as usize - 1];
            let node = server.node.as_ref().expect("live node");
            if node.durable.is_none() {
                disk::persist_now(&mut server.storage, node, ready);
            } else {
                self.issue_write(id, ready);
            }
        }
        // What the run keeps grows with the entries written (each sits in the node's log, its
        // storage and the checker's tables): they weigh on the work meter.
        self.meter.used += WORK_PER_ENTRY_WRITTEN * written;
        if self.narrate {
            self.narrate_step(id, before, ready);
        }
        if self.trace {
            let node = self.servers[id as usize - 1].node.as_ref().expect("live node");
            for line in crate::narrate::changes(id, &before, node, ready) {
                self.trace_line(line);
            }
        }
        // 2. Check the safety properties against what the step changed.
        self.check(id, &before, ready);
        if ready.persist_snapshot {
            // Log compaction: the checker can forget what every server has compacted away.
            let floor = self
                .servers
                .iter()
                .map(|s| log_floor(&s.storage.log).min(s.node.as_ref().map_or(u64::MAX, |n| log_floor(&n.log))))
                .min();
            self.checker.forget_upto(floor.unwrap_or(0));
        }
        // 3. Send — or, while a write is in flight, hold everything behind it (unless the rule
        //    is broken on purpose: then votes and acknowledgements leave before they are durable).
        if !self.servers[id as usize - 1].disk.is_idle() && !self.cfg.raft.broken.has(Rule::ReplyBeforePersist) {
            self.servers[id as usize - 1].disk.hold(&mut ready.messages, &mut ready.client_replies, released);
        }
        // In order: reversed once, then popped (for the usual one or two messages a `Drain` costs
        // more than the sends around it).
        ready.messages.reverse();
        while let Some(m) = ready.messages.pop() {
            self.send(m);
        }
        // 4. Timers.
        if ready.reset_election_timer {
            let t = self.cfg.election_timeout_us();
            let d = self.rng.range(t, 2 * t);
            self.arm(id, false, d);
        }
        if ready.arm_heartbeat {
            self.arm(id, true, self.cfg.heartbeat_us);
        }
        // 5. Client replies.
        for r in &ready.client_replies {
            self.client_reply(id, r.client, r.seq, r.result);
        }
        ready.client_replies.clear();
    }

    pub(crate) fn note(&mut self, server: NodeId, term: u64, what: What) {
        if self.narrate {
            let applied = self.stats.actions as u32;
            self.notes.push(Note { time: self.time, events: self.stats.events, applied, server, term, what });
        }
    }

    fn trace_line(&mut self, text: String) {
        self.traced.push(format!("{:>9}ms {text}", crate::settings::ms3(self.time)));
    }

    /// What the step of server `id` did that is worth telling, by comparing before and after.
    fn narrate_step(&mut self, id: NodeId, b: Before, ready: &Ready) {
        let n = self.servers[id as usize - 1].node.as_ref().expect("live node");
        let (role, term) = (n.role, n.current_term);
        let timed_out = matches!(self.current_event, CurrentEvent::Timer { node, heartbeat: false } if node == id)
            || matches!(self.current_event, CurrentEvent::Action(crate::Action::Timeout(s)) if s == id);
        let mut notes: [Option<(u64, What)>; 8] = [None; 8];
        let mut k = 0;
        let mut push = |t: u64, w: What| {
            if k < notes.len() {
                notes[k] = Some((t, w));
                k += 1;
            }
        };
        if b.role == Role::Leader && (role != Role::Leader || term != b.term) {
            push(b.term, What::StepDown);
        }
        if timed_out && b.role == Role::Candidate {
            push(b.term, What::SplitVote);
        }
        if term > b.term && !matches!(role, Role::Candidate | Role::Leader) {
            push(term, What::NewTerm);
        }
        if role == Role::PreCandidate && (timed_out || b.role != Role::PreCandidate) {
            push(term + 1, What::PreVote);
        }
        if term > b.term && matches!(role, Role::Candidate | Role::Leader) && n.voted_for == Some(id) {
            push(term, What::Campaign);
        }
        if let Some(c) = n.voted_for.filter(|&c| c != id && (n.voted_for != b.voted_for || term != b.term)) {
            push(term, What::Vote { candidate: c });
        }
        if role == Role::Leader && (b.role != Role::Leader || term != b.term) {
            push(term, What::Elected);
        }
        let leading = role == Role::Leader || b.role == Role::Leader;
        if leading && n.commit_index > b.commit_index {
            let entry_term = n.log.term(n.commit_index).unwrap_or(n.snapshot.last_term);
            push(term, What::Commit { index: n.commit_index, entry_term });
            // Every configuration entry this step committed (C_old,new is followed at once by C_new,
            // so the one in force may already be newer).
            let from = (b.commit_index + 1).max(n.log.first_index());
            for (k, e) in n.log.slice(from, n.commit_index.saturating_sub(from - 1) as usize).enumerate() {
                if let EntryData::Config(config) = e.data {
                    push(term, What::ConfigCommitted { index: from + k as u64, config });
                }
            }
        }
        if role == Role::Leader && n.config_index > b.config_index {
            if let Some(raft::Entry { data: EntryData::Config(config), .. }) = n.log.get(n.config_index) {
                push(term, What::ConfigAppended { index: n.config_index, config: *config });
            }
        }
        if ready.persist_snapshot && n.snapshot.last_index != b.snapshot_index {
            let (index, last_term) = (n.snapshot.last_index, n.snapshot.last_term);
            let w = if ready.installed_snapshot {
                What::Installed { index, last_term }
            } else {
                What::Snapshot { index, last_term }
            };
            push(term, w);
        }
        for (t, w) in notes.into_iter().flatten() {
            self.note(id, t, w);
        }
    }

    pub(crate) fn check(&mut self, id: NodeId, before: &Before, ready: &Ready) {
        // A server back from a crash that lost writes holds what was on disk, not the log the
        // checker last saw: it is fingerprinted afresh, as after a snapshot install.
        let restarted_behind = std::mem::take(&mut self.servers[id as usize - 1].lost_writes);
        let (log_from, snapshot) = (ready.persist_log_from, ready.installed_snapshot || restarted_behind);
        let mut found = Vec::new();
        {
            let server = &self.servers[id as usize - 1];
            let node = server.node.as_ref().expect("live node");
            let others = self.servers.iter().filter_map(|s| s.node.as_ref()).filter(|n| n.id != id);
            self.checker.after_step(
                node,
                *before,
                log_from,
                snapshot,
                others,
                |property, servers, term, index, detail| found.push((property, servers, term, index, detail)),
            );
            // With writes in flight the disk is behind on purpose (checked when it catches up).
            if self.cfg.check_persistence
                && server.disk.is_idle()
                && !stored_matches(&server.storage, node, ready.persist_snapshot)
            {
                found.push((
                    Property::Persistence,
                    vec![id],
                    node.current_term,
                    node.log.last_index(),
                    format!("S{id}'s stable storage differs from its persistent state"),
                ));
            }
        }
        if found.is_empty() {
            return; // every step but a broken one: no iterator to make and drop
        }
        for (property, servers, term, index, detail) in found {
            self.violation(property, servers, term, index, detail);
        }
    }

    /// Stop the run on a broken property.
    pub(crate) fn violation(
        &mut self,
        property: Property,
        servers: Vec<NodeId>,
        term: u64,
        index: u64,
        detail: String,
    ) {
        self.note(servers[0], term, What::Violation { property });
        self.violations.push(Violation {
            property,
            time: self.time,
            event: self.current_event.to_string(),
            servers,
            term,
            index,
            detail,
        });
    }

    fn send(&mut self, msg: Message) {
        self.stats.sent += 1;
        if self.held.is_some() {
            return self.send_held(msg);
        }
        let duplicate = self.rng.chance(self.cfg.net.duplicate_ppm);
        if let raft::Body::AppendEntries { entries, .. } = &msg.body {
            self.meter.used += entries.len() as u64 * (1 + duplicate as u64);
        }
        // The extra copy of a duplicated message goes first; the message itself moves on.
        if duplicate {
            self.transmit(msg.clone());
        }
        self.transmit(msg);
    }

    /// Put one copy of a message on the wire, its latency and whether it is lost drawn now.
    fn transmit(&mut self, msg: Message) {
        let net = self.cfg.net;
        let mut latency = self.rng.range(net.latency_min_us, net.latency_max_us);
        if self.rng.chance(net.reorder_ppm) {
            latency += self.rng.range(0, 3 * net.latency_max_us);
        }
        let lost = self.rng.chance(net.drop_ppm) || !self.topology.connected(msg.from, msg.to);
        if self.flights.len() >= MAX_FLIGHTS {
            // The network is full (a burst of thousands of requests at one instant): like a
            // real one whose buffers overflow, it drops the message. Nothing else holds memory
            // this fast, so this bounds a run's memory where the work meter cannot.
            self.stats.lost += 1;
            if self.trace {
                let line = format!("{} (dropped: {MAX_FLIGHTS} messages in flight)", crate::narrate::describe(&msg));
                self.trace_line(line);
            }
            return;
        }
        self.launch(msg, self.time + latency, lost);
    }

    /// Put a message in flight, sent now, arriving at `deliver_time`: its id (the next one).
    fn launch(&mut self, msg: Message, deliver_time: u64, lost: bool) -> u64 {
        let id = self.next_flight;
        self.next_flight += 1;
        self.flights.insert(id, Flight { id, msg, send_time: self.time, deliver_time, lost });
        self.schedule(deliver_time, EventKind::Deliver(id));
        id
    }

    /// While held, the user is the network: a message waits in flight, not lost whatever the
    /// partitions, until it is delivered or dropped by hand (or the hold ends and it arrives after
    /// the shortest latency). No random draw: holding leaves the run's randomness as it was.
    fn send_held(&mut self, msg: Message) {
        if let raft::Body::AppendEntries { entries, .. } = &msg.body {
            self.meter.used += entries.len() as u64;
        }
        if self.flights.len() >= MAX_FLIGHTS {
            self.stats.lost += 1;
            return;
        }
        self.launch(msg, self.clock() + self.cfg.net.latency_min_us, false);
    }

    /// Deliver flight `id` now (the user's `deliver-message`): as its arrival would, but ahead of
    /// its time; the queued arrival goes stale.
    pub(crate) fn deliver_now(&mut self, id: u64) {
        let f = self.flights.remove(&id).expect("validated: in flight");
        let to = f.msg.to;
        if let Some(d) = self.deliveries.as_mut() {
            d.push(crate::diagram::Delivery::of(&f.msg, f.send_time, self.time, false));
        }
        if self.trace {
            self.trace_line(crate::narrate::describe(&f.msg));
        }
        self.stats.delivered += 1;
        self.current_event = CurrentEvent::Deliver { kind: f.msg.body.kind(), from: f.msg.from, to, term: f.msg.term };
        self.step_node(to, Input::Message(f.msg));
    }

    /// The network sends a copy of flight `id` now, taking as long to arrive as the original (no
    /// random draw: a duplicate the user asks for leaves the run's randomness as it was). Across a
    /// cut the copy is lost too. Returns the copy's id.
    pub(crate) fn duplicate_flight(&mut self, id: u64) -> Option<u64> {
        let f = self.flights.get(&id)?;
        let (msg, latency) = (f.msg.clone(), f.deliver_time - f.send_time);
        let lost = self.held.is_none() && !self.topology.connected(msg.from, msg.to);
        self.stats.sent += 1;
        Some(self.launch(msg, self.clock() + latency, lost))
    }

    fn arm(&mut self, id: NodeId, heartbeat: bool, after: u64) {
        let now = self.clock();
        let server = self.server_mut(id);
        let timer = if heartbeat { &mut server.heartbeat } else { &mut server.election };
        timer.start = now;
        timer.deadline = Some(now + after);
        if timer.queued.is_some_and(|q| q <= now + after) {
            return; // its queue entry fires first and moves itself to the new deadline
        }
        timer.gen += 1; // an entry queued for later than the new deadline is stale
        timer.queued = Some(now + after);
        let gen = timer.gen;
        let kind =
            if heartbeat { EventKind::Heartbeat { node: id, gen } } else { EventKind::Election { node: id, gen } };
        self.schedule(now + after, kind);
    }

    pub(crate) fn disarm(&mut self, id: NodeId) {
        let server = self.server_mut(id);
        for t in [&mut server.election, &mut server.heartbeat] {
            t.gen += 1;
            t.deadline = None;
            t.queued = None;
        }
    }

    pub(crate) fn start_node(&mut self, id: NodeId) {
        let mut ready = self.ready.take();
        ready.clear();
        let node = self.server_mut(id).node.as_mut().expect("live node");
        let before = Before::of(node);
        node.start(&mut ready);
        self.after_step(id, before, &mut ready, (0, 0));
        self.ready.put(ready);
    }
}

/// Does stable storage hold exactly the node's persistent state? O(1) for the hard state and the
/// log (by the log's fingerprint), plus the snapshot's table when a snapshot was just stored.
pub fn stored_matches(stored: &Persistent, node: &Node, snapshot_stored: bool) -> bool {
    let (a, b) = (&stored.snapshot, &node.snapshot);
    stored.current_term == node.current_term
        && stored.voted_for == node.voted_for
        && stored.log.same_as(&node.log)
        && (a.last_index, a.last_term, a.config) == (b.last_index, b.last_term, b.config)
        && (!snapshot_stored || a.state == b.state)
}

/// The lowest index a log may still hold an entry at (an empty log that never compacted holds
/// nothing and may only receive entries some other log holds too).
fn log_floor(log: &raft::Log) -> u64 {
    if log.is_empty() && log.offset() == 0 {
        u64::MAX
    } else {
        log.offset()
    }
}
