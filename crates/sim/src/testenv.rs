//! A node-level test environment, after etcd raft's interaction tests: Raft servers and a
//! hand-operated network, driven one command at a time by trace files (`tests/traces/*.txt`, in
//! the [`crate::datadriven`] form). Nothing happens unless a command says so — no timer fires, no
//! message moves, nothing is drawn at random — so a trace shows the protocol step by step, and the
//! live invariant checker ([`crate::invariants`]) runs after every step.
//!
//! ```text
//! cluster 5 pre_vote=on       # S1–S5; protocol switches by their setting names (`raft-sim settings`)
//! log S1 1 1 2                # set-up, before the first step: S1's log by entry terms (no-ops)
//! term S1 3                   # set-up: S1's current term (at least its last entry's)
//! campaign 1                  # S1's election timer fires (`tick 1 election`)
//! tick 1 heartbeat            # S1's heartbeat timer fires
//! propose 1 x <- 3            # a new client sends S1 a command (the Nth request is client N's)
//! retry 2 client=1            # client 1 sends the same command again, to S2 (same session and seq)
//! transfer 3                  # ask the leader to hand leadership to S3
//! change 1 -2 -3 +4 +5        # ask S1 to replace S2 and S3 by new servers S4 and S5 (§6)
//! deliver [FILTER]            # deliver the pending messages that match (default all), oldest first
//! drop [FILTER]               # lose them
//! duplicate [FILTER]          # the network copies them (the copies are the newest pending)
//! stabilize [1,2,3]           # deliver until nothing is pending (among these servers)
//! crash 3 | restart 3         # a restart comes back from what S3 persisted
//! partition 1,2 | 3,4,5       # also `isolate 3`, `heal`: messages across are lost on delivery
//! set conflict_hint=off       # change switches on every server from now on
//! status | log | pending      # every server's state, every log entry by entry, the wire
//! ```
//! FILTER: `1->2`, `from=1`, `to=2`, `type=AppendEntries` (the kind as traces print it: Heartbeat is
//! an AppendEntries with no entries), `n=2` (the first two), `nth=2` (only the second), `newest`
//! (newest first: with `n=1`, the last one sent — a network reordering messages). A `deliver`,
//! `drop` or `duplicate` that matches nothing is an error: a trace says what it means to happen.
//!
//! Each command prints every change a step makes (role, term, log, commit: [`narrate::changes`]),
//! every message sent (`send …`) and delivered ([`narrate::describe`]), client answers and safety
//! violations, one line each; what a delivery causes is indented under it.
//!
//! Each `propose` is a client session of its own (client N for the Nth request, sequence number
//! 1), as the simulator's clients are ([`crate::clients`]), so a `retry` is the same command to the
//! state machine's session table. Every first answer is checked for linearizability against the
//! other requests on its key ([`crate::linearizability`]); the history's times are step numbers
//! (each input a server takes is one step), since the clock stands still.
//!
//! The clock stands still except that an election timeout moves it on by the minimum election
//! timeout (no election timer fires sooner), so leases — the vote lease, PreVote's "heard from a
//! leader recently" — run out as they would in a real cluster.

use crate::cluster::Server;
use crate::config::SimConfig;
use crate::datadriven::Transcript;
use crate::invariants::{Before, Checker, Violation};
use crate::linearizability::Call;
use crate::narrate::{self, describe, CurrentEvent, Note, What};
use crate::network::Topology;
use crate::settings::Group;
use raft::{
    ClientReply, ClientResult, Command, Entry, EntryData, Input, Membership, MembershipChange, Message, Node, NodeId,
    Op, Options, Ready, Role, Set,
};
use std::fmt::Write;

/// Most messages one `stabilize` delivers before it gives up.
const STABILIZE_LIMIT: usize = 10_000;
/// The comment above a command that is meant to break a safety property.
pub const EXPECT_VIOLATION: &str = "# expect violation";

#[derive(Clone, Debug, Default)]
pub struct TestEnv {
    opts: Options,
    /// S1 is `servers[0]`; crashed servers keep their stable storage.
    pub servers: Vec<Server>,
    /// The messages in flight, oldest first.
    pub wire: Vec<Message>,
    checker: Checker,
    topology: Topology,
    /// The clock (µs): moved on only by election timeouts.
    pub now: u64,
    /// A step has happened (set-up commands are over).
    stepped: bool,
    pub violations: Vec<Violation>,
    /// Every client request, client N's at N − 1.
    requests: Vec<Request>,
    /// Steps taken so far: the clock of the client history.
    steps: u64,
}

/// One client request and its first answer: the history the linearizability checker reads.
#[derive(Clone, Copy, Debug)]
struct Request {
    op: Op,
    /// The step it was first sent in.
    invoked: u64,
    /// The step of its first answer, and the value answered.
    answer: Option<(u64, Option<i64>)>,
}

/// Which pending messages a `deliver` or `drop` takes.
#[derive(Clone, Debug, Default)]
struct Filter {
    from: Option<NodeId>,
    to: Option<NodeId>,
    kind: Option<String>,
    /// Both ends among these (`stabilize 1,2,3`).
    among: Option<Set>,
    n: Option<usize>,
    /// Take the newest first.
    newest: bool,
    /// Only the nth (1-based) of the matching messages.
    nth: Option<usize>,
}

impl Filter {
    fn matches(&self, m: &Message) -> bool {
        self.from.is_none_or(|f| f == m.from)
            && self.to.is_none_or(|t| t == m.to)
            && self.kind.as_deref().is_none_or(|k| k == m.body.kind())
            && self.among.is_none_or(|s| s.contains(m.from) && s.contains(m.to))
    }
}

fn push(out: &mut String, indent: &str, line: &str) {
    out.push_str(indent);
    out.push_str(line);
    out.push('\n');
}

impl TestEnv {
    /// An environment with no cluster yet (the first command is `cluster`).
    pub fn new() -> TestEnv {
        TestEnv::default()
    }

    /// Server `id`'s node (panics if it is down: for tests that know).
    pub fn node(&self, id: NodeId) -> &Node {
        self.servers[id as usize - 1].node.as_ref().expect("the server is up")
    }

    /// Server `id`'s log as entry terms (from stable storage while it is down).
    pub fn terms(&self, id: NodeId) -> Vec<u64> {
        let s = &self.servers[id as usize - 1];
        let log = s.node.as_ref().map_or(&s.storage.log, |n| &n.log);
        log.entries().map(|e| e.term).collect()
    }

    /// Run one command and return what it printed. Malformed input is an error.
    pub fn command(&mut self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(&first) = words.first() else { return Ok(String::new()) };
        let args = &words[1..];
        let mut out = String::new();
        if first != "cluster" && self.servers.is_empty() {
            return Err("a trace starts with `cluster N`".into());
        }
        match first {
            "cluster" => self.cluster(args)?,
            "log" if args.is_empty() => self.print_logs(&mut out),
            "log" => self.set_log(args, &mut out)?,
            "term" => self.set_term(args)?,
            "campaign" => {
                let [id] = args else { return Err("expected `campaign SERVER`".into()) };
                self.timeout(self.server(id)?, false, &mut out)?;
            }
            "tick" => match args {
                [id, "election"] => self.timeout(self.server(id)?, false, &mut out)?,
                [id, "heartbeat"] => self.timeout(self.server(id)?, true, &mut out)?,
                _ => return Err("expected `tick SERVER election|heartbeat`".into()),
            },
            "propose" => {
                let [id, op @ ..] = args else { return Err("expected `propose SERVER COMMAND`".into()) };
                let id = self.live(id)?;
                let op = crate::parse_op(&op.join(" "))?;
                self.requests.push(Request { op, invoked: self.steps + 1, answer: None });
                self.request(id, self.requests.len() as u32, &mut out);
            }
            "retry" => {
                let [id, client] = args else { return Err("expected `retry SERVER client=N`".into()) };
                let id = self.live(id)?;
                let n = self.requests.len();
                let client = client
                    .strip_prefix("client=")
                    .and_then(|c| c.parse::<u32>().ok())
                    .filter(|&c| c >= 1 && c as usize <= n)
                    .ok_or_else(|| {
                        format!("bad client {client:?}: write client=N for one of the {n} requests so far")
                    })?;
                self.request(id, client, &mut out);
            }
            "change" => self.change(args, &mut out)?,
            "transfer" => {
                let [to] = args else { return Err("expected `transfer SERVER`".into()) };
                let to = self.server(to)?;
                let leader = self.leader().ok_or("there is no leader to ask")?;
                let event = CurrentEvent::Action(crate::Action::Transfer(to));
                if let Some(why) = self.step(leader, Input::TransferLeadership(to), event, "", &mut out) {
                    push(&mut out, "", &format!("S{leader} refuses: {why}"));
                }
            }
            "deliver" | "drop" | "duplicate" => {
                let filter = self.filter(args)?;
                let picked = self.pick(&filter);
                if picked.is_empty() {
                    return Err(format!("no pending message matches (pending: {})", self.wire.len()));
                }
                if first == "duplicate" {
                    for k in picked {
                        let m = self.wire[k].clone();
                        push(&mut out, "", &format!("{} (duplicated)", describe(&m)));
                        self.wire.push(m);
                    }
                    return Ok(out);
                }
                for m in self.take(&picked) {
                    if first == "drop" {
                        push(&mut out, "", &format!("{} (dropped)", describe(&m)));
                    } else {
                        self.deliver(m, &mut out);
                    }
                }
            }
            "stabilize" => {
                let among = match args {
                    [] => None,
                    [list] => Some(self.servers_list(list)?),
                    _ => return Err("expected `stabilize` or `stabilize 1,2,3`".into()),
                };
                let filter = Filter { among, ..Filter::default() };
                let mut delivered = 0;
                loop {
                    let taken = self.take(&self.pick(&filter));
                    if taken.is_empty() {
                        break;
                    }
                    for m in taken {
                        self.deliver(m, &mut out);
                        delivered += 1;
                    }
                    if delivered > STABILIZE_LIMIT {
                        return Err(format!("still not quiet after {STABILIZE_LIMIT} messages"));
                    }
                }
            }
            "crash" => {
                let [id] = args else { return Err("expected `crash SERVER`".into()) };
                let id = self.live(id)?;
                self.servers[id as usize - 1].node = None;
            }
            "restart" => {
                let [id] = args else { return Err("expected `restart SERVER`".into()) };
                let id = self.server(id)?;
                let s = &mut self.servers[id as usize - 1];
                if s.node.is_some() {
                    return Err(format!("S{id} is running"));
                }
                s.restart(self.opts);
            }
            "partition" => {
                let groups = args
                    .join(" ")
                    .split('|')
                    .map(|g| self.servers_list(g.trim()).map(|s| s.iter().collect()))
                    .collect::<Result<Vec<Vec<NodeId>>, String>>()?;
                self.topology.partition(&groups);
            }
            "isolate" => {
                let [id] = args else { return Err("expected `isolate SERVER`".into()) };
                let id = self.server(id)?;
                self.topology.isolate(id);
            }
            "heal" if args.is_empty() => self.topology.heal(),
            "set" => {
                let mut c = SimConfig { raft: self.opts, ..SimConfig::default() };
                for w in args {
                    let (k, v) = w.split_once('=').ok_or_else(|| format!("expected name=value, got {w:?}"))?;
                    c.set_text(k, v, &[Group::Protocol])?;
                }
                c.validate_options(&c.raft)?;
                self.opts = c.raft;
                for n in self.servers.iter_mut().filter_map(|s| s.node.as_mut()) {
                    n.opts = c.raft;
                }
            }
            "status" if args.is_empty() => self.status(&mut out),
            "pending" if args.is_empty() => {
                for m in &self.wire {
                    push(&mut out, "", &describe(m));
                }
            }
            w => return Err(format!("unknown command {w:?}")),
        }
        Ok(out)
    }

    fn cluster(&mut self, args: &[&str]) -> Result<(), String> {
        if !self.servers.is_empty() {
            return Err("the cluster already exists".into());
        }
        let [n, settings @ ..] = args else { return Err("expected `cluster N [setting=value …]`".into()) };
        let n: u32 = n.parse().map_err(|_| format!("bad cluster size {n:?}"))?;
        let mut c = SimConfig { servers: n, ..SimConfig::default() };
        for w in settings {
            let (k, v) = w.split_once('=').ok_or_else(|| format!("expected name=value, got {w:?}"))?;
            c.set_text(k, v, &[Group::Protocol])?;
        }
        c.validate()?;
        self.opts = c.raft;
        self.checker = Checker::new(raft::MAX_NODE_ID);
        self.topology = Topology::new(raft::MAX_NODE_ID);
        for id in 1..=n {
            self.servers.push(Server::boot(id, Membership::first_n(n), self.opts));
        }
        Ok(())
    }

    /// Client `client` sends its command to server `id` (which is up).
    fn request(&mut self, id: NodeId, client: u32, out: &mut String) {
        let cmd = Command { client, seq: 1, op: self.requests[client as usize - 1].op };
        let event = CurrentEvent::Client { client, server: id };
        self.step(id, Input::Propose(cmd), event, "", out);
    }

    /// `change 1 -2 -3 +4 +5`: ask S1 to replace S2 and S3 by S4 and S5 in one joint step. New
    /// servers take the next ids, in order, and boot with an empty configuration once the server
    /// asked accepts (a refusal is printed, and changes nothing).
    fn change(&mut self, args: &[&str], out: &mut String) -> Result<(), String> {
        let [id, changes @ ..] = args else { return Err("expected `change SERVER +NEW… -MEMBER…`".into()) };
        let id = self.live(id)?;
        if changes.is_empty() {
            return Err("expected `change SERVER +NEW… -MEMBER…`".into());
        }
        let (mut add, mut remove, mut boot) = (Vec::new(), Vec::new(), 0);
        for w in changes {
            match (w.strip_prefix('+'), w.strip_prefix('-')) {
                (Some(a), _) => {
                    let next = (self.servers.len() + boot) as NodeId + 1;
                    match a.trim_start_matches('S').parse::<NodeId>() {
                        Ok(a) if a >= 1 && a < next => add.push(a),
                        Ok(a) if a == next && a <= raft::MAX_NODE_ID => {
                            add.push(a);
                            boot += 1;
                        }
                        _ => return Err(format!("bad server {w:?}: a new server takes the next id, +{next}")),
                    }
                }
                (_, Some(r)) => remove.push(self.server(r)?),
                _ => {
                    return Err(format!("`change` takes +ID (a server to add) and -ID (a member to remove), got {w:?}"))
                }
            }
        }
        let set = |ids: &[NodeId]| {
            let mut s = Set::EMPTY;
            ids.iter().for_each(|&i| s.insert(i));
            s
        };
        let change = MembershipChange::Replace { add: set(&add), remove: set(&remove) };
        let event = CurrentEvent::Action(crate::Action::Change { add, remove });
        match self.step(id, Input::ChangeMembership(change), event, "", out) {
            Some(why) => push(out, "", &format!("S{id} refuses: {why}")),
            None => {
                for _ in 0..boot {
                    let new = self.servers.len() as NodeId + 1;
                    self.servers.push(Server::boot(new, Membership::default(), self.opts));
                }
            }
        }
        Ok(())
    }

    /// A server as traces write it (`3` or `S3`), which must exist.
    fn server(&self, word: &str) -> Result<NodeId, String> {
        match word.trim_start_matches('S').parse::<NodeId>() {
            Ok(id) if id >= 1 && id as usize <= self.servers.len() => Ok(id),
            _ => Err(format!("bad server {word:?}: servers are S1–S{}", self.servers.len())),
        }
    }

    /// A server that is up.
    fn live(&self, word: &str) -> Result<NodeId, String> {
        let id = self.server(word)?;
        match self.servers[id as usize - 1].node {
            Some(_) => Ok(id),
            None => Err(format!("S{id} is down")),
        }
    }

    fn servers_list(&self, list: &str) -> Result<Set, String> {
        let mut set = Set::EMPTY;
        for w in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            set.insert(self.server(w)?);
        }
        Ok(set)
    }

    /// The live leader with the highest term.
    fn leader(&self) -> Option<NodeId> {
        self.servers
            .iter()
            .filter_map(|s| s.node.as_ref())
            .filter(|n| n.role == Role::Leader)
            .max_by_key(|n| n.current_term)
            .map(|n| n.id)
    }

    fn filter(&self, args: &[&str]) -> Result<Filter, String> {
        let mut f = Filter::default();
        for w in args {
            if let Some((a, b)) = w.split_once("->") {
                (f.from, f.to) = (Some(self.server(a)?), Some(self.server(b)?));
                continue;
            }
            match w.split_once('=') {
                Some(("from", v)) => f.from = Some(self.server(v)?),
                Some(("to", v)) => f.to = Some(self.server(v)?),
                Some(("type", v)) => f.kind = Some(v.to_string()),
                Some(("n", v)) => f.n = Some(v.parse().map_err(|_| format!("bad count {v:?}"))?),
                None if *w == "newest" => f.newest = true,
                Some(("nth", v)) => match v.parse() {
                    Ok(k) if k >= 1 => f.nth = Some(k),
                    _ => return Err(format!("bad position {v:?} (nth counts from 1)")),
                },
                _ => {
                    return Err(format!(
                        "bad filter {w:?}: write 1->2, from=1, to=2, type=KIND, n=COUNT, nth=K or newest"
                    ))
                }
            }
        }
        Ok(f)
    }

    /// The positions on the wire of the pending messages that match: oldest first (or newest
    /// first), then only the nth, or the first n.
    fn pick(&self, f: &Filter) -> Vec<usize> {
        let mut matching: Vec<usize> = (0..self.wire.len()).filter(|&k| f.matches(&self.wire[k])).collect();
        if f.newest {
            matching.reverse();
        }
        match f.nth {
            Some(nth) => matching.into_iter().skip(nth - 1).take(1).collect(),
            None => matching.into_iter().take(f.n.unwrap_or(usize::MAX)).collect(),
        }
    }

    /// Take the messages at these positions off the wire, in the order given; the others stay in
    /// order.
    fn take(&mut self, picked: &[usize]) -> Vec<Message> {
        let taken = picked.iter().map(|&k| self.wire[k].clone()).collect();
        let mut k = 0;
        self.wire.retain(|_| {
            k += 1;
            !picked.contains(&(k - 1))
        });
        taken
    }

    /// Deliver one message: its line, then what it caused, indented (replies join the wire).
    fn deliver(&mut self, m: Message, out: &mut String) {
        let down = self.servers[m.to as usize - 1].node.is_none();
        if down || !self.topology.connected(m.from, m.to) {
            let why = if down { "lost: the receiver is down" } else { "lost: partitioned" };
            push(out, "", &format!("{} ({why})", describe(&m)));
            return;
        }
        push(out, "", &describe(&m));
        let event = CurrentEvent::Deliver { kind: m.body.kind(), from: m.from, to: m.to, term: m.term };
        self.step(m.to, Input::Message(m), event, "  ", out);
    }

    fn timeout(&mut self, id: NodeId, heartbeat: bool, out: &mut String) -> Result<(), String> {
        if self.servers[id as usize - 1].node.is_none() {
            return Err(format!("S{id} is down"));
        }
        if !heartbeat {
            self.now += self.opts.election_timeout_min;
        }
        let input = if heartbeat { Input::HeartbeatTimeout } else { Input::ElectionTimeout };
        self.step(id, input, CurrentEvent::Timer { node: id, heartbeat }, "", out);
        Ok(())
    }

    /// Run one input through server `id` (which is up), persist what it asks, check the safety
    /// properties and put its messages on the wire; print what it did. Returns a refusal, if any.
    fn step(
        &mut self,
        id: NodeId,
        input: Input,
        event: CurrentEvent,
        indent: &str,
        out: &mut String,
    ) -> Option<&'static str> {
        self.stepped = true;
        self.steps += 1;
        let mut ready = Ready::default();
        let server = &mut self.servers[id as usize - 1];
        let node = server.node.as_mut().expect("a live server");
        let before = Before::of(node);
        node.step(self.now, input, &mut ready);
        server.storage = node.persistent();
        let node = self.servers[id as usize - 1].node.as_ref().expect("a live server");
        for line in narrate::changes(id, &before, node, &ready) {
            push(out, indent, &line);
        }
        for r in &ready.client_replies {
            push(out, indent, &self.reply_text(id, node.current_term, r));
        }
        for m in &ready.messages {
            push(out, indent, &format!("send {}", describe(m)));
        }
        self.check(id, before, &ready, &event, indent, out);
        self.check_answers(id, &ready.client_replies, &event, indent, out);
        self.wire.append(&mut ready.messages);
        ready.refused
    }

    /// Record each request's first answer, and check its key's history for linearizability.
    fn check_answers(
        &mut self,
        id: NodeId,
        replies: &[ClientReply],
        event: &CurrentEvent,
        indent: &str,
        out: &mut String,
    ) {
        for r in replies {
            let ClientResult::Ok { index, value } = r.result else { continue };
            let Some(req) = (r.client as usize)
                .checked_sub(1)
                .and_then(|k| self.requests.get_mut(k))
                .filter(|q| q.answer.is_none())
            else {
                continue;
            };
            req.answer = Some((self.steps, value));
            let key = req.op.key();
            let calls: Vec<Call> = self
                .requests
                .iter()
                .filter(|q| q.op.key() == key)
                .map(|q| Call { op: q.op, invoke: q.invoked, response: q.answer })
                .collect();
            if let Some(detail) = crate::linearizability::check_answer(&calls, id, key) {
                let term = self.node(id).current_term;
                let event = event.to_string();
                let v = Violation {
                    property: crate::Property::Linearizability,
                    time: self.now,
                    event,
                    servers: vec![id],
                    term,
                    index,
                    detail,
                };
                push(out, indent, &format!("violation: {v}"));
                self.violations.push(v);
            }
        }
    }

    fn check(
        &mut self,
        id: NodeId,
        before: Before,
        ready: &Ready,
        event: &CurrentEvent,
        indent: &str,
        out: &mut String,
    ) {
        let node = self.servers[id as usize - 1].node.as_ref().expect("a live server");
        let others = self.servers.iter().filter_map(|s| s.node.as_ref()).filter(|n| n.id != id);
        let (time, mut found) = (self.now, Vec::new());
        self.checker.after_step(
            node,
            before,
            ready.persist_log_from,
            ready.installed_snapshot,
            others,
            |property, servers, term, index, detail| {
                let event = event.to_string();
                found.push(Violation { property, time, event, servers, term, index, detail })
            },
        );
        for v in found {
            push(out, indent, &format!("violation: {v}"));
            self.violations.push(v);
        }
    }

    /// An answer to the client, in the narration's words.
    fn reply_text(&self, id: NodeId, term: u64, r: &ClientReply) -> String {
        let op = self.requests[r.client as usize - 1].op;
        let client = r.client;
        let note = |what| Note { time: 0, events: 0, applied: 0, server: id, term, what }.text(None, None);
        match r.result {
            ClientResult::Ok { index, value } => note(What::Answered { client, op, index, value }),
            ClientResult::SessionExpired => note(What::Expired { client, op }),
            ClientResult::Redirect { leader: Some(l) } => format!("S{id} redirects client {client} (`{op}`) to S{l}"),
            ClientResult::Redirect { leader: None } => {
                format!("S{id} redirects client {client} (`{op}`): it knows no leader")
            }
        }
    }

    /// `log S1 1 1 2`: replace S1's log by no-op entries of these terms.
    fn set_log(&mut self, args: &[&str], out: &mut String) -> Result<(), String> {
        self.setup()?;
        let [id, terms @ ..] = args else { return Err("expected `log SERVER TERM…`".into()) };
        let id = self.live(id)?;
        let mut last = 1;
        let mut entries = Vec::new();
        for t in terms {
            let term: u64 = t.parse().map_err(|_| format!("bad term {t:?}"))?;
            if term < last {
                return Err(format!("entry terms must not decrease (and start at 1): {t} after {last}"));
            }
            last = term;
            entries.push(Entry { term, data: EntryData::Noop });
        }
        let fresh = Node::new(id, Membership::first_n(self.servers.len() as u32), self.opts);
        let mut node = fresh.clone();
        for e in entries {
            node.log.append(e);
        }
        node.current_term = node.current_term.max(self.node(id).current_term).max(node.log.last_term());
        self.servers[id as usize - 1].storage = node.persistent();
        self.servers[id as usize - 1].node = Some(node);
        // The checker learns the log as if it had been written from index 1 (it may find that
        // the set-up is a state Raft cannot reach).
        let ready = Ready { persist_log_from: Some(1), ..Ready::default() };
        self.check(id, Before::of(&fresh), &ready, &CurrentEvent::Start, "", out);
        Ok(())
    }

    /// `term S1 3`.
    fn set_term(&mut self, args: &[&str]) -> Result<(), String> {
        self.setup()?;
        let [id, t] = args else { return Err("expected `term SERVER TERM`".into()) };
        let id = self.live(id)?;
        let term: u64 = t.parse().map_err(|_| format!("bad term {t:?}"))?;
        let s = &mut self.servers[id as usize - 1];
        let node = s.node.as_mut().expect("live");
        if term < node.log.last_term() {
            return Err(format!("S{id}'s log ends in term {}: its term cannot be lower", node.log.last_term()));
        }
        node.current_term = term;
        s.storage = node.persistent();
        Ok(())
    }

    fn setup(&self) -> Result<(), String> {
        if self.stepped {
            return Err("set-up (`log`, `term`) comes before the first step".into());
        }
        Ok(())
    }

    /// Every server as `show` prints it, and each leader's view of its followers.
    fn status(&self, out: &mut String) {
        out.push_str(&crate::script::show_servers(&self.servers));
        for n in self.servers.iter().filter_map(|s| s.node.as_ref()).filter(|n| n.role == Role::Leader) {
            let mut line = format!("  S{} sees", n.id);
            for id in n.config.members().iter().filter(|&f| f != n.id) {
                let p = &n.progress[id as usize];
                let state = match p.state {
                    raft::progress::State::Probe => "probe",
                    raft::progress::State::Replicate => "replicate",
                    raft::progress::State::Snapshot => "snapshot",
                };
                let _ = write!(line, " S{id} next={} match={} {state}", p.next_index, p.match_index);
                // Replicate: the messages of entries not yet acknowledged (at most MAX_INFLIGHT).
                match p.inflight.lasts() {
                    [] => {}
                    l => {
                        let _ = write!(line, " inflight={}{}", l.len(), if p.is_throttled() { " (full)" } else { "" });
                    }
                }
                line.push(',');
            }
            line.pop();
            push(out, "", &line);
        }
    }

    /// Every server's log entry by entry (`index@term data`), a `|` after the last committed one.
    fn print_logs(&self, out: &mut String) {
        for s in &self.servers {
            let (log, commit, up) = match &s.node {
                Some(n) => (&n.log, n.commit_index, ""),
                None => (&s.storage.log, 0, " (down)"),
            };
            let mut line = format!("S{}{up}:", s.id);
            let mut items: Vec<(u64, String)> = Vec::new();
            if log.offset() > 0 {
                items
                    .push((log.offset(), format!("snapshot {}@{}", log.offset(), log.term(log.offset()).unwrap_or(0))));
            }
            for (k, e) in log.entries().enumerate() {
                let index = log.first_index() + k as u64;
                items.push((index, format!("{index}@{} {}", e.term, e.data)));
            }
            for (k, (index, item)) in items.iter().enumerate() {
                line.push_str(if k == 0 {
                    " "
                } else if items[k - 1].0 == commit {
                    " | "
                } else {
                    ", "
                });
                line.push_str(item);
                if k == items.len() - 1 && *index == commit {
                    line.push_str(" |");
                }
            }
            push(out, "", &line);
        }
    }
}

/// Run a trace file and return its transcript as it came out (the file itself when nothing
/// changed). A malformed command is an error naming its line. So is a safety violation in a
/// command without [`EXPECT_VIOLATION`] among the comments above it (unless an earlier command
/// already broke the run), and a command with the marker that breaks nothing.
pub fn run_file(text: &str) -> Result<String, String> {
    run(text).map(|(out, _)| out)
}

/// [`run_file`], and the environment as the trace left it.
pub fn run(text: &str) -> Result<(String, TestEnv), String> {
    let mut t = Transcript::parse(text)?;
    let mut env = TestEnv::new();
    for b in &mut t.blocks {
        let command = b.command.split('#').next().unwrap_or("").trim();
        let before = env.violations.len();
        let out = env.command(command).map_err(|e| format!("line {}: `{command}`: {e}", b.line))?;
        let expected = b.comments.iter().any(|c| c.trim() == EXPECT_VIOLATION);
        match env.violations.get(before) {
            None if expected => {
                return Err(format!("line {}: `{command}`: expected a safety violation, none happened", b.line))
            }
            Some(v) if !expected && before == 0 => {
                return Err(format!(
                    "line {}: `{command}`: {v}\n(a trace that shows a violation on purpose puts `{EXPECT_VIOLATION}` above the command)",
                    b.line
                ))
            }
            _ => {}
        }
        b.output = Some(out);
    }
    Ok((t.render(), env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_an_error_naming_the_line() {
        let err = |text: &str| run_file(text).unwrap_err();
        assert!(err("campaign 1\n").starts_with("line 1: `campaign 1`: a trace starts with `cluster N`"));
        assert!(err("cluster 3\nfrobnicate\n").starts_with("line 2: `frobnicate`: unknown command"));
        assert!(err("cluster 3\ncampaign 4\n").contains("bad server \"4\""));
        assert!(err("cluster 3 bogus=on\n").contains("unknown setting"));
        assert!(err("cluster 3\ndeliver\n").contains("no pending message matches"));
        assert!(err("cluster 3\ncampaign 1\nlog S2 1\n").contains("before the first step"));
        assert!(err("cluster 3\nlog S2 2 1\n").contains("must not decrease"));
        assert!(err("cluster 3\nlog S2 2\nterm S2 1\n").contains("cannot be lower"));
        assert!(err("cluster 3\ndeliver type=Heartbeat n=x\n").contains("bad count"));
        assert!(err("cluster 3\nretry 1 client=1\n").contains("bad client"));
        assert!(err("cluster 3\nchange 1 +5\n").contains("a new server takes the next id, +4"));
        assert!(err("cluster 3\nchange 1 -4\n").contains("bad server"));
        assert!(err("cluster 3\nchange 1\n").contains("expected `change SERVER"));
    }

    #[test]
    fn newest_delivers_the_last_message_sent_first() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        env.command("campaign 1").unwrap();
        env.command("campaign 1").unwrap();
        let out = env.command("deliver 1->2 newest n=1").unwrap();
        assert!(out.starts_with("S1→S2 RequestVote t2"), "{out}");
        let out = env.command("deliver 1->2").unwrap();
        assert!(out.starts_with("S1→S2 RequestVote t1"), "{out}");
        // The others keep their order; S2's answers follow.
        let wire: Vec<(NodeId, NodeId, u64)> = env.wire.iter().map(|m| (m.from, m.to, m.term)).collect();
        assert_eq!(wire, [(1, 3, 1), (1, 3, 2), (2, 1, 2), (2, 1, 2)]);
    }

    #[test]
    fn each_propose_is_a_client_of_its_own_and_a_retry_is_the_same_command_again() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        env.command("campaign 1").unwrap();
        env.command("stabilize").unwrap();
        env.command("propose 1 x += 1").unwrap();
        let out = env.command("stabilize").unwrap();
        assert!(out.contains("client 1: `x += 1` answered by S1: ok at index 2 = 1"), "{out}");
        env.command("propose 1 y <- 5").unwrap();
        env.command("stabilize").unwrap();
        // Client 1's retry, after client 2's command: answered from the session table, not run.
        let out = env.command("retry 1 client=1").unwrap();
        assert_eq!(out, "client 1: `x += 1` answered by S1: ok at index 3 = 1\n");
        assert_eq!(env.node(1).log.last_index(), 3);
        assert_eq!(env.node(1).state_machine.get(b'x'), Some(1));
        assert!(env.violations.is_empty());
    }

    #[test]
    fn a_stale_answer_is_a_linearizability_violation() {
        let mut env = TestEnv::new();
        env.command("cluster 3 read_index=on break=read-without-quorum").unwrap();
        env.command("campaign 1").unwrap();
        env.command("stabilize").unwrap();
        env.command("isolate 1").unwrap();
        env.command("campaign 2").unwrap();
        env.command("stabilize").unwrap();
        env.command("propose 2 x <- 2").unwrap();
        env.command("stabilize").unwrap();
        assert!(env.violations.is_empty());
        // S1 still thinks it leads and answers at once: x is unset there, after `x <- 2` was answered.
        let out = env.command("propose 1 x?").unwrap();
        assert!(out.starts_with("client 2: `x?` answered by S1: ok at index 1\n"), "{out}");
        assert_eq!(env.violations.iter().map(|v| v.property).collect::<Vec<_>>(), [crate::Property::Linearizability]);
    }

    #[test]
    fn a_change_boots_the_new_servers_once_the_leader_accepts_it() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        let out = env.command("change 1 -3 +4").unwrap();
        assert_eq!(out, "S1 refuses: only the leader can change the configuration\n");
        assert_eq!(env.servers.len(), 3, "a refused change boots nobody");
        env.command("campaign 1").unwrap();
        env.command("stabilize").unwrap();
        let out = env.command("change 1 -3 +4").unwrap();
        assert!(out.contains("send S1→S4 AppendEntries"), "{out}");
        assert_eq!(env.servers.len(), 4);
        assert!(env.node(4).config.members().is_empty(), "S4 boots with no configuration");
        env.command("stabilize").unwrap();
        let n = env.node(1);
        assert_eq!((n.config.members().contains(4), n.config.members().contains(3)), (true, false), "{}", n.config);
        assert!(env.violations.is_empty());
    }

    #[test]
    fn a_restart_that_forgets_its_term_writes_back_what_it_came_up_with() {
        let mut env = TestEnv::new();
        env.command("cluster 3 break=forget-term-on-restart").unwrap();
        env.command("campaign 1").unwrap();
        env.command("crash 1").unwrap();
        assert_eq!(env.servers[0].storage.current_term, 1);
        env.command("restart 1").unwrap();
        assert_eq!((env.node(1).current_term, env.servers[0].storage.current_term), (0, 0));
    }

    #[test]
    fn an_election_step_by_step() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        let out = env.command("campaign 1").unwrap();
        assert_eq!(
            out,
            "S1 follower→candidate t1\nsend S1→S2 RequestVote t1 last=0@0\nsend S1→S3 RequestVote t1 last=0@0\n"
        );
        let out = env.command("deliver 1->2").unwrap();
        assert_eq!(
            out,
            "S1→S2 RequestVote t1 last=0@0\n  S2 follower t0→t1\n  send S2→S1 RequestVoteReply t1 granted\n"
        );
        let out = env.command("deliver type=RequestVoteReply").unwrap();
        assert!(
            out.contains(
                "  S1 candidate→leader t1\n  send S1→S2 AppendEntries t1 prev=0@0 entries=[1@1 no-op] commit=0\n"
            ),
            "{out}"
        );
        let out = env.command("drop to=3").unwrap();
        assert_eq!(
            out,
            "S1→S3 RequestVote t1 last=0@0 (dropped)\nS1→S3 AppendEntries t1 prev=0@0 entries=[1@1 no-op] commit=0 (dropped)\n"
        );
        env.command("stabilize").unwrap();
        assert_eq!(env.node(1).commit_index, 1);
        assert_eq!((env.terms(2), env.terms(3)), (vec![1], vec![]));
        assert!(env.wire.is_empty());
    }

    #[test]
    fn messages_across_a_partition_or_to_a_crashed_server_are_lost_on_delivery() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        env.command("partition 1 | 2,3").unwrap();
        env.command("crash 3").unwrap();
        env.command("campaign 1").unwrap();
        let out = env.command("deliver").unwrap();
        assert_eq!(
            out,
            "S1→S2 RequestVote t1 last=0@0 (lost: partitioned)\nS1→S3 RequestVote t1 last=0@0 (lost: the receiver is down)\n"
        );
        env.command("heal").unwrap();
        env.command("restart 3").unwrap();
        env.command("isolate 2").unwrap();
        env.command("campaign 1").unwrap();
        env.command("stabilize").unwrap();
        assert_eq!(env.node(1).role, Role::Leader, "S1 and S3 are a majority");
        assert_eq!((env.node(2).current_term, env.node(3).current_term), (0, 2));
    }

    #[test]
    fn nth_picks_one_of_several_matching_messages_and_duplicate_copies_it() {
        let mut env = TestEnv::new();
        env.command("cluster 3").unwrap();
        env.command("campaign 1").unwrap();
        env.command("campaign 1").unwrap();
        // Two RequestVotes S1→S2 pending: term 1 (older), term 2.
        let out = env.command("duplicate 1->2 type=RequestVote nth=2").unwrap();
        assert_eq!(out, "S1→S2 RequestVote t2 last=0@0 (duplicated)\n");
        assert_eq!(env.wire.len(), 5);
        assert_eq!(env.wire.last().map(|m| m.term), Some(2), "the copy is the newest");
        let out = env.command("drop 1->2 nth=1").unwrap();
        assert_eq!(out, "S1→S2 RequestVote t1 last=0@0 (dropped)\n");
        let out = env.command("deliver 1->2 nth=2").unwrap();
        assert!(out.starts_with("S1→S2 RequestVote t2 last=0@0\n  S2 follower t0→t2"), "{out}");
        assert!(env.command("deliver 1->2 nth=2").unwrap_err().contains("no pending message matches"));
        assert!(env.command("deliver nth=0").unwrap_err().contains("nth counts from 1"));
    }

    #[test]
    fn a_violation_fails_a_trace_unless_marked_and_a_marker_must_be_earned() {
        // Two logs that disagree below a matching entry: Log Matching cannot hold.
        let bad = "cluster 3\nlog S1 1 2\nlog S2 2 2\n";
        let e = run_file(bad).unwrap_err();
        assert!(e.starts_with("line 3: `log S2 2 2`: Log Matching violated"), "{e}");
        let ok = run_file("cluster 3\nlog S1 1 2\n# expect violation\nlog S2 2 2\nstatus\n").unwrap();
        assert!(ok.contains("# expect violation\nlog S2 2 2\n----\nviolation: Log Matching violated"), "{ok}");
        let e = run_file("cluster 3\n# expect violation\ncampaign 1\n").unwrap_err();
        assert!(e.contains("line 3: `campaign 1`: expected a safety violation, none happened"), "{e}");
    }

    #[test]
    fn a_trace_file_is_rewritten_with_each_commands_output() {
        let text = "# a comment\ncluster 3\ncampaign 1   # S1 times out\n----\nstale\n";
        let out = run_file(text).unwrap();
        assert_eq!(
            out,
            "# a comment\ncluster 3\n----\n\ncampaign 1   # S1 times out\n----\nS1 follower→candidate t1\n\
             send S1→S2 RequestVote t1 last=0@0\nsend S1→S3 RequestVote t1 last=0@0\n"
        );
        assert_eq!(run_file(&out).unwrap(), out, "a transcript reproduces itself");
    }
}
