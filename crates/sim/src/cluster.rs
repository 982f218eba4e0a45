//! The discrete-event simulator: a cluster of [`raft::Node`]s, a network, timers and the checker.
//!
//! Events (message deliveries, timer firings) sit in a priority queue keyed by (time, sequence
//! number), so ties break the same way every run. User actions happen at the current simulated time
//! and are recorded with it. Same seed + same actions ⇒ the same run, bit for bit.

use crate::action::Action;
use crate::clients::{ClientOp, Outcome, FIRST_CLIENT};
use crate::digest::Digest;
use crate::invariants::{Before, Checker, Property, Violation};
use crate::network::{NetConfig, Topology};
use crate::rng::SimRng;
use raft::{
    Body, Input, Membership, MembershipChange, Message, Node, NodeId, Options, Persistent, Ready, Role, Set,
    MAX_NODE_ID,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// Smallest and largest cluster the simulator accepts.
pub const MIN_SERVERS: u32 = 1;
pub const MAX_SERVERS: u32 = 51;

/// Everything that defines a run besides the user's actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    pub servers: u32,
    pub seed: u64,
    /// Election timeouts are drawn uniformly from [T, 2T] (§5.2, §9.3).
    pub election_timeout_us: u64,
    pub heartbeat_us: u64,
    pub net: NetConfig,
    pub raft: Options,
    /// Also compare every server's stable storage with its node's persistent state after each
    /// event (O(log) per event: on in tests, off in the page).
    pub check_persistence: bool,
    /// A client that gets no answer within this time retries at the next server (§8).
    pub client_timeout_us: u64,
    /// A client gives up after this many attempts (the request may still take effect).
    pub client_attempts: u32,
}

impl Default for SimConfig {
    /// RaftScope-like timings: 5 servers, 10–15 ms latency, 100–200 ms election timeout, 50 ms
    /// heartbeats.
    fn default() -> Self {
        SimConfig {
            servers: 5,
            seed: 1,
            election_timeout_us: 100_000,
            heartbeat_us: 50_000,
            net: NetConfig::default(),
            raft: Options::default(),
            check_persistence: false,
            client_timeout_us: 300_000,
            client_attempts: 20,
        }
    }
}

impl SimConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(MIN_SERVERS..=MAX_SERVERS).contains(&self.servers) {
            return Err(format!("servers = {}: choose {MIN_SERVERS}–{MAX_SERVERS}", self.servers));
        }
        if self.heartbeat_us == 0 || self.election_timeout_us == 0 {
            return Err("timings must be positive".into());
        }
        if self.heartbeat_us >= self.election_timeout_us {
            return Err(format!(
                "heartbeat {} ms must be shorter than the election timeout {} ms (§5.6)",
                self.heartbeat_us / 1000,
                self.election_timeout_us / 1000
            ));
        }
        if self.client_timeout_us == 0 || self.client_attempts == 0 {
            return Err("client timeout and attempts must be positive".into());
        }
        if self.raft.max_entries_per_append == 0 {
            return Err("max entries per append must be at least 1".into());
        }
        self.net.validate()
    }
}

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    time: u64,
    seq: u64,
    kind: EventKind,
}

/// A timer the simulator runs on a server's behalf. Re-arming bumps `gen`, which makes the firing
/// already in the queue stale.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer {
    pub gen: u64,
    pub start: u64,
    /// `None` when not armed.
    pub deadline: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub id: NodeId,
    /// `None` while crashed.
    pub node: Option<Node>,
    /// Stable storage: what survives a crash. Written only from what the core asks to persist.
    pub storage: Persistent,
    pub election: Timer,
    pub heartbeat: Timer,
}

/// Counters for benchmarks and the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: u64,
    pub delivered: u64,
    pub lost: u64,
    pub sent: u64,
}

#[derive(Clone, Debug)]
pub struct Sim {
    /// The configuration now (actions may change the network and the protocol switches).
    pub cfg: SimConfig,
    /// The configuration the run started from: with `actions`, it replays the run.
    pub initial: SimConfig,
    /// Current simulated time, µs.
    pub time: u64,
    rng: SimRng,
    /// Every server ever created, by id (S1 is `servers[0]`); servers added later get new ids.
    pub servers: Vec<Server>,
    queue: BinaryHeap<Reverse<Event>>,
    seq: u64,
    pub flights: BTreeMap<u64, Flight>,
    next_flight: u64,
    pub topology: Topology,
    checker: Checker,
    pub violations: Vec<Violation>,
    digest: Digest,
    pub stats: Stats,
    /// Every action with the time it happened: with the seed, this replays the run.
    pub actions: Vec<(u64, Action)>,
    /// Every client request, in the order they were made (the history the linearizability checker
    /// reads).
    pub client_ops: Vec<ClientOp>,
    /// Actions to carry out later, each at its time after every event due by then (a scenario
    /// played live): exactly as if the user had acted at that moment.
    pub scheduled: VecDeque<(u64, Action)>,
    ready: Ready,
    /// The event being processed, for violation reports (formatted only when one is found).
    pub(crate) current_event: CurrentEvent,
}

impl Sim {
    pub fn new(mut cfg: SimConfig) -> Result<Sim, String> {
        cfg.validate()?;
        cfg.raft.election_timeout_min = cfg.election_timeout_us;
        let n = cfg.servers;
        let mut sim = Sim {
            rng: SimRng::new(cfg.seed),
            time: 0,
            servers: Vec::with_capacity(n as usize),
            queue: BinaryHeap::new(),
            seq: 0,
            flights: BTreeMap::new(),
            next_flight: 0,
            topology: Topology::new(MAX_NODE_ID),
            checker: Checker::new(MAX_NODE_ID),
            violations: Vec::new(),
            digest: Digest::default(),
            stats: Stats::default(),
            actions: Vec::new(),
            client_ops: Vec::new(),
            scheduled: VecDeque::new(),
            ready: Ready::default(),
            current_event: CurrentEvent::Start,
            initial: cfg.clone(),
            cfg,
        };
        for _ in 0..n {
            sim.add_server(Membership::first_n(n));
        }
        Ok(sim)
    }

    /// Create and start server S(len+1) with the given bootstrap configuration.
    fn add_server(&mut self, bootstrap: Membership) -> NodeId {
        let id = self.servers.len() as NodeId + 1;
        let node = Node::new(id, bootstrap, self.cfg.raft);
        let storage = node.persistent();
        self.servers.push(Server {
            id,
            node: Some(node),
            storage,
            election: Timer::default(),
            heartbeat: Timer::default(),
        });
        self.start_node(id);
        id
    }

    pub fn server(&self, id: NodeId) -> &Server {
        &self.servers[id as usize - 1]
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

    /// Time of the next event that will do something, if any.
    pub fn next_event_time(&mut self) -> Option<u64> {
        self.drop_stale_timers();
        self.queue.peek().map(|e| e.0.time)
    }

    /// Process every event up to and including `time`, then set the clock to it. Stops early (with
    /// the clock at the offending event) once a safety property is violated.
    pub fn run_until(&mut self, time: u64) {
        while self.violations.is_empty() {
            let event = self.queue.peek().map(|e| e.0.time);
            match (event, self.scheduled.front().map(|a| a.0)) {
                (e, Some(a)) if a <= time && e.is_none_or(|e| a < e) => self.apply_scheduled(),
                (Some(e), _) if e <= time => {
                    let Reverse(e) = self.queue.pop().unwrap();
                    self.process(e);
                }
                _ => break,
            }
        }
        if self.violations.is_empty() {
            self.time = self.time.max(time);
        }
    }

    pub fn run_for(&mut self, duration_us: u64) {
        self.run_until(self.time + duration_us);
    }

    /// Process the next event that does something (skipping stale timers). Returns false when there
    /// is none or the run has stopped on a violation.
    pub fn step(&mut self) -> bool {
        if !self.violations.is_empty() {
            return false;
        }
        self.drop_stale_timers();
        let event = self.queue.peek().map(|e| e.0.time);
        if let Some(a) = self.scheduled.front().map(|a| a.0) {
            if event.is_none_or(|e| a < e) {
                self.apply_scheduled();
                return true;
            }
        }
        match self.queue.pop() {
            Some(Reverse(e)) => {
                self.process(e);
                true
            }
            None => false,
        }
    }

    fn apply_scheduled(&mut self) {
        let (t, action) = self.scheduled.pop_front().expect("a scheduled action");
        self.time = self.time.max(t);
        // It succeeded when it was recorded, so it does again (same seed, same history).
        let _ = self.act(action);
    }

    fn drop_stale_timers(&mut self) {
        while let Some(Reverse(e)) = self.queue.peek() {
            if self.is_live(e.kind) {
                break;
            }
            self.queue.pop();
        }
    }

    fn is_live(&self, kind: EventKind) -> bool {
        match kind {
            EventKind::Deliver(_) => true,
            EventKind::Election { node, gen } => self.server(node).election.gen == gen,
            EventKind::Heartbeat { node, gen } => self.server(node).heartbeat.gen == gen,
            EventKind::Client { op, gen } => {
                self.client_ops.get(op).is_some_and(|c| c.timer_gen == gen && c.outcome == Outcome::Pending)
            }
        }
    }

    pub(crate) fn schedule(&mut self, time: u64, kind: EventKind) {
        self.seq += 1;
        self.queue.push(Reverse(Event { time, seq: self.seq, kind }));
    }

    fn process(&mut self, e: Event) {
        if !self.is_live(e.kind) {
            return;
        }
        self.time = e.time;
        self.stats.events += 1;
        self.digest.u64(e.time);
        match e.kind {
            EventKind::Deliver(id) => {
                let f = self.flights.remove(&id).expect("flight of a queued delivery");
                let (from, to) = (f.msg.from, f.msg.to);
                let up = !f.lost && self.topology.connected(from, to) && self.server(to).node.is_some();
                self.digest.u64(1);
                self.digest.u64(id);
                self.digest.u64(up as u64);
                if !up {
                    self.stats.lost += 1;
                    return;
                }
                self.stats.delivered += 1;
                self.current_event = CurrentEvent::Deliver { kind: f.msg.body.kind(), from, to, term: f.msg.term };
                self.step_node(to, Input::Message(f.msg));
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
                let c = &mut self.client_ops[op];
                c.timeouts += 1;
                let next = c.server % self.servers.len() as NodeId + 1;
                self.client_send(op, next);
            }
        }
    }

    fn server_mut(&mut self, id: NodeId) -> &mut Server {
        &mut self.servers[id as usize - 1]
    }

    /// Run one input through a live node and carry out its Ready: persist, check, send, arm, reply.
    /// Returns the node's refusal of an operator request, if any.
    pub(crate) fn step_node(&mut self, id: NodeId, input: Input) -> Option<&'static str> {
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        let now = self.time;
        let before = {
            let node = self.server_mut(id).node.as_mut()?;
            let before = Before::of(node);
            node.step(now, input, &mut ready);
            before
        };
        self.after_step(id, before, &mut ready);
        let refused = ready.refused;
        self.ready = ready;
        refused
    }

    fn after_step(&mut self, id: NodeId, before: Before, ready: &mut Ready) {
        // 1. Persist before anything leaves the server.
        {
            let server = &mut self.servers[id as usize - 1];
            let node = server.node.as_ref().expect("live node");
            if ready.persist_snapshot {
                server.storage = node.persistent();
            } else {
                if ready.persist_hard_state {
                    server.storage.current_term = node.current_term;
                    server.storage.voted_for = node.voted_for;
                }
                if let Some(from) = ready.persist_log_from {
                    let stored = &mut server.storage.log;
                    if from <= stored.last_index() {
                        stored.truncate_from(from);
                    }
                    for e in node.log.slice(from, usize::MAX) {
                        stored.append(*e);
                    }
                }
            }
        }
        // 2. Check the safety properties against what the step changed.
        self.check(id, before, ready.persist_log_from, ready.installed_snapshot);
        // 3. Send.
        for m in ready.messages.drain(..) {
            self.send(m);
        }
        // 4. Timers.
        if ready.reset_election_timer {
            let d = self.rng.range(self.cfg.election_timeout_us, 2 * self.cfg.election_timeout_us);
            self.arm(id, false, d);
        }
        if ready.arm_heartbeat {
            self.arm(id, true, self.cfg.heartbeat_us);
        }
        // 5. Client replies.
        for r in std::mem::take(&mut ready.client_replies) {
            self.client_reply(r.client, r.seq, r.result);
        }
    }

    fn check(&mut self, id: NodeId, before: Before, log_from: Option<u64>, snapshot: bool) {
        let mut found = Vec::new();
        {
            let node = self.servers[id as usize - 1].node.as_ref().expect("live node");
            let others = self.servers.iter().filter_map(|s| s.node.as_ref()).filter(|n| n.id != id);
            self.checker.after_step(
                node,
                before,
                log_from,
                snapshot,
                others,
                |property, servers, term, index, detail| found.push((property, servers, term, index, detail)),
            );
            if self.cfg.check_persistence && self.servers[id as usize - 1].storage != node.persistent() {
                found.push((
                    Property::Persistence,
                    vec![id],
                    node.current_term,
                    node.log.last_index(),
                    format!("S{id}'s stable storage differs from its persistent state"),
                ));
            }
        }
        for (property, servers, term, index, detail) in found {
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
    }

    fn send(&mut self, msg: Message) {
        self.stats.sent += 1;
        let net = self.cfg.net;
        let duplicate = self.rng.chance(net.duplicate_ppm);
        let mut msg = Some(msg);
        for copy in 0..1 + duplicate as u32 {
            // Clone only for the extra copy of a duplicated message; the last copy takes it.
            let msg = if duplicate && copy == 0 { msg.clone().unwrap() } else { msg.take().unwrap() };
            let mut latency = self.rng.range(net.latency_min_us, net.latency_max_us);
            if self.rng.chance(net.reorder_ppm) {
                latency += self.rng.range(0, 3 * net.latency_max_us);
            }
            let lost = self.rng.chance(net.drop_ppm) || !self.topology.connected(msg.from, msg.to);
            let id = self.next_flight;
            self.next_flight += 1;
            let deliver_time = self.time + latency;
            self.flights.insert(id, Flight { id, msg, send_time: self.time, deliver_time, lost });
            self.schedule(deliver_time, EventKind::Deliver(id));
        }
    }

    fn arm(&mut self, id: NodeId, heartbeat: bool, after: u64) {
        let now = self.time;
        let server = self.server_mut(id);
        let timer = if heartbeat { &mut server.heartbeat } else { &mut server.election };
        timer.gen += 1;
        timer.start = now;
        timer.deadline = Some(now + after);
        let gen = timer.gen;
        let kind =
            if heartbeat { EventKind::Heartbeat { node: id, gen } } else { EventKind::Election { node: id, gen } };
        self.schedule(now + after, kind);
    }

    fn disarm(&mut self, id: NodeId) {
        let server = self.server_mut(id);
        for t in [&mut server.election, &mut server.heartbeat] {
            t.gen += 1;
            t.deadline = None;
        }
    }

    fn start_node(&mut self, id: NodeId) {
        let mut ready = std::mem::take(&mut self.ready);
        ready.clear();
        let node = self.server_mut(id).node.as_mut().expect("live node");
        let before = Before::of(node);
        node.start(&mut ready);
        self.after_step(id, before, &mut ready);
        self.ready = ready;
    }

    fn check_server(&self, id: NodeId) -> Result<(), String> {
        if id == 0 || id > self.servers.len() as NodeId {
            return Err(format!("no server S{id}: servers are S1–S{}", self.servers.len()));
        }
        Ok(())
    }

    fn live_leader(&self) -> Result<NodeId, String> {
        self.leader().ok_or_else(|| "there is no leader to ask right now".to_string())
    }

    /// Carry out a user action at the current time. Bad input changes nothing and says why.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        match &action {
            Action::Crash(id) | Action::Restart(id) | Action::Timeout(id) | Action::Isolate(id) => {
                self.check_server(*id)?
            }
            Action::Request { server, .. } => self.check_server(*server)?,
            Action::RemoveServer(id) | Action::Transfer(id) => self.check_server(*id)?,
            Action::AddServer if self.servers.len() as u32 >= MAX_SERVERS => {
                return Err(format!("at most {MAX_SERVERS} servers"));
            }
            Action::Link { a, b, .. } => {
                self.check_server(*a)?;
                self.check_server(*b)?;
                if a == b {
                    return Err("a link joins two different servers".into());
                }
            }
            Action::Partition(groups) => {
                let mut seen = Set::EMPTY;
                for &m in groups.iter().flatten() {
                    self.check_server(m)?;
                    if seen.contains(m) {
                        return Err(format!("S{m} is in more than one group"));
                    }
                    seen.insert(m);
                }
            }
            Action::SetNet(net) => net.validate()?,
            Action::SetOptions(o) if o.max_entries_per_append == 0 => {
                return Err("max entries per append must be at least 1".into())
            }
            Action::Heal | Action::SetOptions(_) | Action::AddServer => {}
        }
        match &action {
            Action::Crash(id) if self.server(*id).node.is_none() => return Err(format!("S{id} is already crashed")),
            Action::Restart(id) if self.server(*id).node.is_some() => return Err(format!("S{id} is running")),
            Action::Timeout(id) | Action::Request { server: id, .. } if self.server(*id).node.is_none() => {
                return Err(format!("S{id} is crashed"))
            }
            _ => {}
        }
        // Operator requests go to the leader, which may refuse them: then nothing happened.
        let admin = match &action {
            Action::AddServer => {
                Some(Input::ChangeMembership(MembershipChange::AddServer(self.servers.len() as NodeId + 1)))
            }
            Action::RemoveServer(id) => Some(Input::ChangeMembership(MembershipChange::RemoveServer(*id))),
            Action::Transfer(id) => Some(Input::TransferLeadership(*id)),
            _ => None,
        };
        if let Some(input) = admin {
            let leader = self.live_leader()?;
            let probe = self.node(leader).unwrap().clone();
            let mut ready = Ready::default();
            let mut copy = probe;
            copy.step(self.time, input.clone(), &mut ready);
            if let Some(why) = ready.refused {
                return Err(why.to_string());
            }
            self.record(&action);
            self.current_event = CurrentEvent::Action(action.clone());
            if matches!(action, Action::AddServer) {
                self.add_server(Membership::default());
            }
            self.step_node(leader, input);
            return Ok(());
        }
        self.record(&action);
        self.current_event = CurrentEvent::Action(action.clone());
        match action {
            Action::Crash(id) => {
                self.server_mut(id).node = None;
                self.disarm(id);
            }
            Action::Restart(id) => {
                let storage = self.server(id).storage.clone();
                self.server_mut(id).node = Some(Node::restart(id, self.cfg.raft, storage));
                self.start_node(id);
            }
            Action::Timeout(id) => {
                self.server_mut(id).election.deadline = None;
                self.step_node(id, Input::ElectionTimeout);
            }
            Action::Request { server, op } => {
                let client = FIRST_CLIENT + self.client_ops.len() as u32;
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
                self.client_send(self.client_ops.len() - 1, server);
            }
            Action::Isolate(id) => self.topology.isolate(id),
            Action::Partition(groups) => self.topology.partition(&groups),
            Action::Link { a, b, up } => self.topology.set_link(a, b, up),
            Action::Heal => self.topology.heal(),
            Action::SetNet(net) => self.cfg.net = net,
            Action::SetOptions(mut opts) => {
                opts.election_timeout_min = self.cfg.election_timeout_us;
                self.cfg.raft = opts;
                for node in self.servers.iter_mut().filter_map(|s| s.node.as_mut()) {
                    node.opts = opts;
                }
            }
            Action::AddServer | Action::RemoveServer(_) | Action::Transfer(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    fn record(&mut self, action: &Action) {
        self.digest.u64(0xAC71_0000 ^ self.time);
        self.digest_action(action);
        self.actions.push((self.time, action.clone()));
    }

    fn digest_action(&mut self, action: &Action) {
        let d = &mut self.digest;
        match action {
            Action::Crash(id) => d.u64(1 << 32 | *id as u64),
            Action::Restart(id) => d.u64(2 << 32 | *id as u64),
            Action::Timeout(id) => d.u64(3 << 32 | *id as u64),
            Action::Request { server, op } => {
                d.u64(4 << 32 | *server as u64);
                d.u64(crate::digest::op_hash(op));
            }
            Action::Isolate(id) => d.u64(5 << 32 | *id as u64),
            Action::Partition(groups) => {
                d.u64(6 << 32 | groups.len() as u64);
                for g in groups {
                    d.u64(g.len() as u64);
                    g.iter().for_each(|&m| d.u32(m));
                }
            }
            Action::Link { a, b, up } => d.u64(7 << 32 | (*a as u64) << 16 | (*b as u64) << 1 | *up as u64),
            Action::Heal => d.u64(8 << 32),
            Action::SetOptions(o) => {
                let flags = [
                    o.conflict_hint,
                    o.leader_noop,
                    o.pre_vote,
                    o.unsafe_commit_old_terms,
                    o.check_quorum,
                    o.read_index,
                ];
                d.u64(9 << 32 | flags.iter().fold(0, |acc, &f| acc << 1 | f as u64));
                d.u64(o.max_entries_per_append as u64);
                d.u64(o.snapshot_threshold);
            }
            Action::SetNet(n) => {
                for v in [
                    n.latency_min_us,
                    n.latency_max_us,
                    n.drop_ppm as u64,
                    n.duplicate_ppm as u64,
                    n.reorder_ppm as u64,
                ] {
                    d.u64(v);
                }
            }
            Action::AddServer => d.u64(10 << 32),
            Action::RemoveServer(id) => d.u64(11 << 32 | *id as u64),
            Action::Transfer(id) => d.u64(12 << 32 | *id as u64),
        }
    }

    /// Replay a recorded run: same config (seed included) and actions ⇒ the same state and digest.
    pub fn replay(cfg: SimConfig, actions: &[(u64, Action)], until: u64) -> Result<Sim, String> {
        let mut sim = Sim::new(cfg)?;
        for (t, a) in actions {
            sim.run_until(*t);
            sim.act(a.clone())?;
        }
        sim.run_until(until);
        Ok(sim)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum CurrentEvent {
    Start,
    Deliver { kind: &'static str, from: NodeId, to: NodeId, term: u64 },
    Timer { node: NodeId, heartbeat: bool },
    Client { client: u32, server: NodeId },
    Action(Action),
}

impl std::fmt::Display for CurrentEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CurrentEvent::Start => f.write_str("start-up"),
            CurrentEvent::Deliver { kind, from, to, term } => {
                write!(f, "delivery of {kind} S{from}→S{to} (term {term})")
            }
            CurrentEvent::Timer { node, heartbeat: false } => write!(f, "S{node}'s election timeout"),
            CurrentEvent::Timer { node, heartbeat: true } => write!(f, "S{node}'s heartbeat timer"),
            CurrentEvent::Client { client, server } => write!(f, "client {client}'s request to S{server}"),
            CurrentEvent::Action(a) => write!(f, "user action {a:?}"),
        }
    }
}

/// A one-line description of a message, for traces and violation reports.
pub fn describe(m: &Message) -> String {
    let what = match &m.body {
        Body::RequestVote { last_log_index, last_log_term, .. } => {
            format!("last log {last_log_index}@{last_log_term}")
        }
        Body::RequestVoteReply { granted, .. } => (if *granted { "granted" } else { "denied" }).to_string(),
        Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, .. } => {
            format!("prev {prev_log_index}@{prev_log_term}, {} entries, commit {leader_commit}", entries.len())
        }
        Body::AppendEntriesReply { success, index, .. } => {
            format!("{} {index}", if *success { "ok, match" } else { "rejected prev" })
        }
        Body::InstallSnapshot { snapshot } => {
            format!("snapshot through {}@{}", snapshot.last_index, snapshot.last_term)
        }
        Body::InstallSnapshotReply { last_index } => format!("has {last_index}"),
        Body::TimeoutNow => "start an election now".to_string(),
    };
    format!("{} S{}→S{} term {} ({what})", m.body.kind(), m.from, m.to, m.term)
}
