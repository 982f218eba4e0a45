//! The plain data handed to JavaScript each frame: the view of a cluster (servers, messages in
//! flight, clients, settings), and the other plain data the page asks for, as JSON (`json.rs`). Pure
//! Rust, so it is tested natively.

use crate::json::Json;
use crate::json_struct;
use crate::names::Names;
use raft::{Body, Role};
#[cfg(test)]
use serde::Serialize;
use sim::narrate::{Category, Note};
use sim::settings::{to_js, Group, Unit};
use sim::{Outcome, Sim, SimConfig, Timeline};

const MS: f64 = 1000.0;

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct View {
        pub time_ms: f64,
        /// The clock the network and the timers run on: `time_ms`, except while held, when it stands
        /// where the hold began (timers and messages in flight are drawn against it).
        pub clock_ms: f64,
        /// The network and the timers are held (`hold`): nothing happens until an action.
        pub held: bool,
        pub seed: String,
        pub digest: String,
        /// Highest term of any live server, and the live leader of the highest term.
        pub term: u64,
        pub leader: Option<u32>,
        pub servers: Vec<ServerView>,
        pub messages: Vec<MessageView>,
        /// Partition group of each server (index 0 is S1); all equal when healed.
        pub groups: Vec<u32>,
        pub cut: Vec<[u32; 2]>,
        /// One-way cuts: messages from the first server to the second are lost.
        pub one_way: Vec<[u32; 2]>,
        pub violations: Vec<ViolationView>,
        pub clients: Vec<ClientView>,
        /// The cluster configuration as the leader (or the most advanced server) sees it.
        pub membership: MembershipView,
        /// Every setting now (durations in ms, probabilities in %), by its one name.
        pub config: Names<&'static str, OutValue>,
        pub stats: StatsView,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ServerView {
        pub id: u32,
        pub alive: bool,
        /// "follower" | "precandidate" | "candidate" | "leader" (a crashed server shows its last role as "crashed").
        pub role: &'static str,
        pub term: u64,
        pub voted_for: Option<u32>,
        pub leader: Option<u32>,
        pub commit_index: u64,
        pub last_applied: u64,
        /// The entries with indices in the window the caller asked for (see [`build_view`]).
        pub log: Vec<EntryView>,
        /// The first index still stored as an entry and the last index (the whole log's extent).
        pub log_first: u64,
        pub log_last: u64,
        pub election_start_ms: Option<f64>,
        pub election_deadline_ms: Option<f64>,
        /// Leader only: per server S1..Sn (index 0 is S1).
        pub next_index: Vec<u64>,
        pub match_index: Vec<u64>,
        /// Candidates: who granted a vote this round.
        pub votes: Vec<u32>,
        /// The applied key-value state.
        pub kv: Vec<(String, i64)>,
        /// The configuration this server uses (the newest in its log) and the index of its entry.
        pub membership: MembershipView,
        pub config_index: u64,
        /// Log compaction: the snapshot's last included index and term (0, 0: none). The log view
        /// starts after it.
        pub snapshot_index: u64,
        pub snapshot_term: u64,
        /// Leader: a leadership transfer in progress, and ReadIndex reads waiting.
        pub transferee: Option<u32>,
        pub pending_reads: usize,
        /// A disk that takes time (`fsync`): the log is on disk through this index while writes are in
        /// flight (`None`: all of it is), how many writes those are, and how many messages and client
        /// replies wait for them.
        pub durable_index: Option<u64>,
        pub disk_writes: usize,
        pub disk_held: usize,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug, Default)]
    pub struct MembershipView {
        pub voters: Vec<u32>,
        /// C_old while joint (empty otherwise).
        pub outgoing: Vec<u32>,
        pub learners: Vec<u32>,
        pub joint: bool,
        pub text: String,
    }
}

pub(crate) fn membership(m: &raft::Membership) -> MembershipView {
    MembershipView {
        voters: m.voters.iter().collect(),
        outgoing: m.outgoing.iter().collect(),
        learners: m.learners.iter().collect(),
        joint: m.is_joint(),
        text: m.to_string(),
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct EntryView {
        pub index: u64,
        pub term: u64,
        pub text: String,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct MessageView {
        pub id: u64,
        pub from: u32,
        pub to: u32,
        /// "RequestVote" | "RequestVoteReply" | "PreVote" | "PreVoteReply" | "AppendEntries" |
        /// "Heartbeat" | "AppendEntriesReply"
        pub kind: &'static str,
        pub term: u64,
        pub send_ms: f64,
        pub deliver_ms: f64,
        pub lost: bool,
        /// Replies: granted / success.
        pub ok: Option<bool>,
        pub entries: usize,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ViolationView {
        pub property: &'static str,
        pub time_ms: f64,
        pub event: String,
        pub servers: Vec<u32>,
        pub term: u64,
        pub index: u64,
        pub detail: String,
        pub text: String,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ClientView {
        /// Position in the history (1 = first request).
        pub seq: u32,
        /// The client session (id) and sequence number the request carries.
        pub client: u32,
        /// The server it was sent to first, and the one it is (or was last) waiting on.
        pub server: u32,
        pub at: u32,
        pub command: String,
        pub sent_ms: f64,
        /// "pending" | "ok" | "failed" (gave up; it may still have taken effect) | "expired" (its
        /// session was evicted: not applied then)
        pub outcome: &'static str,
        pub index: Option<u64>,
        pub value: Option<i64>,
        /// How often it was redirected by a follower, and timed out and retried elsewhere.
        pub redirects: u32,
        pub timeouts: u32,
        pub answered_ms: Option<f64>,
    }
}

/// A setting's value as JS reads it: a boolean, or a number (ms for durations, % for probabilities).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(Serialize), serde(untagged))]
pub enum OutValue {
    Bool(bool),
    Number(f64),
    /// Broken rules: their ids separated by commas, or "none".
    Text(String),
}

impl Json for OutValue {
    fn write_json(&self, out: &mut String) {
        match self {
            OutValue::Bool(b) => b.write_json(out),
            OutValue::Number(x) => x.write_json(out),
            OutValue::Text(t) => t.write_json(out),
        }
    }
}

/// Every setting now, by its name.
pub fn config_view(c: &SimConfig) -> Names<&'static str, OutValue> {
    let mut out = Names::new();
    for (m, v) in c.values() {
        let value = match m.unit {
            // Seeds are text: JS numbers cannot hold every u64 (the view has the seed on its own).
            _ if m.name == "seed" => continue,
            Unit::Bool => OutValue::Bool(v != 0),
            Unit::Rules => OutValue::Text(sim::settings::format_value(Unit::Rules, v)),
            unit => OutValue::Number(to_js(unit, v)),
        };
        out.insert(m.name, value);
    }
    out
}

json_struct! {
    /// A setting as the page lists it.
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct SettingView {
        pub name: &'static str,
        /// "bool" | "count" | "ms" | "percent"
        pub unit: &'static str,
        /// "run" (fixed for a run) | "protocol" | "network" (change live)
        pub group: &'static str,
        pub max: f64,
        pub doc: &'static str,
    }
}

pub fn settings_view() -> Vec<SettingView> {
    SimConfig::settings()
        .into_iter()
        .map(|m| SettingView {
            name: m.name,
            unit: match m.unit {
                Unit::Bool => "bool",
                Unit::Count => "count",
                Unit::Micros => "ms",
                Unit::Ppm => "percent",
                Unit::Rules => "rules",
            },
            group: match m.group {
                Group::Run => "run",
                Group::Protocol => "protocol",
                Group::Network => "network",
            },
            max: to_js(m.unit, m.max),
            doc: m.doc,
        })
        .collect()
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct StatsView {
        pub events: u64,
        pub sent: u64,
        pub delivered: u64,
        pub lost: u64,
    }
}

pub(crate) fn role_name(r: Role) -> &'static str {
    match r {
        Role::Follower => "follower",
        Role::PreCandidate => "precandidate",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

pub(crate) fn ms(t: u64) -> f64 {
    t as f64 / MS
}

/// How many client operations the view carries (the newest).
pub const CLIENT_HISTORY: usize = 50;

/// How many entries per log the view carries when the caller names no window: the newest.
pub const LOG_WINDOW: usize = 200;

/// The view of the whole cluster. `window`: the log indices to include, `(from, count)` (the page
/// asks for the columns it shows, so a frame costs the same however long the logs are); `None`:
/// the newest [`LOG_WINDOW`] entries of each log. `lists`: whether to include the client requests
/// and each server's key-value state (the page's frames ask for them on the lists' turn only).
pub fn build_view(sim: &Sim, window: Option<(u64, usize)>, lists: bool) -> View {
    let entries = |log: &raft::Log| {
        let (from, count) = window.unwrap_or((log.last_index().saturating_sub(LOG_WINDOW as u64) + 1, LOG_WINDOW));
        entries(log, from, count.min(2_000))
    };
    let n = sim.servers.len();
    let servers = sim
        .servers
        .iter()
        .map(|s| match &s.node {
            Some(node) => {
                let leader = node.role == Role::Leader;
                ServerView {
                    id: s.id,
                    alive: true,
                    role: role_name(node.role),
                    term: node.current_term,
                    voted_for: node.voted_for,
                    leader: node.leader_id,
                    commit_index: node.commit_index,
                    last_applied: node.last_applied,
                    log: entries(&node.log),
                    log_first: node.log.first_index(),
                    log_last: node.log.last_index(),
                    election_start_ms: s.election.deadline.map(|_| ms(s.election.start)),
                    election_deadline_ms: s.election.deadline.map(ms),
                    next_index: if leader { (1..=n).map(|i| node.progress[i].next_index).collect() } else { vec![] },
                    match_index: if leader { (1..=n).map(|i| node.progress[i].match_index).collect() } else { vec![] },
                    votes: if matches!(node.role, Role::Candidate | Role::PreCandidate) {
                        node.votes.iter().collect()
                    } else {
                        vec![]
                    },
                    kv: if lists {
                        node.state_machine.iter().map(|(k, v)| ((k as char).to_string(), v)).collect()
                    } else {
                        vec![]
                    },
                    membership: membership(&node.config),
                    config_index: node.config_index,
                    snapshot_index: node.snapshot.last_index,
                    snapshot_term: node.snapshot.last_term,
                    transferee: node.transferee,
                    pending_reads: node.reads.len(),
                    durable_index: (!s.disk.is_idle()).then(|| s.disk.durable(&s.storage, node).index),
                    disk_writes: s.disk.pending(),
                    disk_held: s.disk.held(),
                }
            }
            None => ServerView {
                id: s.id,
                alive: false,
                role: "crashed",
                term: s.storage.current_term,
                voted_for: s.storage.voted_for,
                leader: None,
                commit_index: 0,
                last_applied: 0,
                log: entries(&s.storage.log),
                log_first: s.storage.log.first_index(),
                log_last: s.storage.log.last_index(),
                election_start_ms: None,
                election_deadline_ms: None,
                next_index: vec![],
                match_index: vec![],
                votes: vec![],
                kv: vec![],
                membership: MembershipView::default(),
                config_index: 0,
                snapshot_index: s.storage.snapshot.last_index,
                snapshot_term: s.storage.snapshot.last_term,
                transferee: None,
                pending_reads: 0,
                durable_index: None,
                disk_writes: 0,
                disk_held: 0,
            },
        })
        .collect();
    let messages = sim
        .flights
        .values()
        .map(|f| MessageView {
            id: f.id,
            from: f.msg.from,
            to: f.msg.to,
            kind: f.msg.body.kind(),
            term: f.msg.term,
            send_ms: ms(f.send_time),
            deliver_ms: ms(f.deliver_time),
            lost: f.lost,
            ok: match f.msg.body {
                Body::RequestVoteReply { granted, .. } => Some(granted),
                Body::AppendEntriesReply { success, .. } => Some(success),
                _ => None,
            },
            entries: match &f.msg.body {
                Body::AppendEntries { entries, .. } => entries.len(),
                _ => 0,
            },
        })
        .collect();
    let skip = if lists { sim.client_ops.len().saturating_sub(CLIENT_HISTORY) } else { sim.client_ops.len() };
    let clients = sim
        .client_ops
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(k, c)| {
            let (outcome, index, value) = match c.outcome {
                Outcome::Pending => ("pending", None, None),
                Outcome::Ok { index, value } => ("ok", Some(index), value),
                Outcome::Failed => ("failed", None, None),
                Outcome::Expired => ("expired", None, None),
            };
            ClientView {
                seq: (sim.clients_dropped + k) as u32 + 1,
                client: c.client,
                server: c.first_server,
                at: c.server,
                command: c.op.to_string(),
                sent_ms: ms(c.sent),
                outcome,
                index,
                value,
                redirects: c.redirects,
                timeouts: c.timeouts,
                answered_ms: c.answered.map(ms),
            }
        })
        .collect();
    let c = &sim.cfg;
    View {
        time_ms: ms(sim.time),
        clock_ms: ms(sim.clock()),
        held: sim.held.is_some(),
        seed: c.seed.to_string(),
        digest: format!("{:016x}", sim.digest()),
        term: sim.max_term(),
        leader: sim.leader(),
        servers,
        messages,
        groups: sim.topology.group[1..=n].to_vec(),
        cut: sim.topology.cut.iter().map(|&(a, b)| [a, b]).collect(),
        one_way: sim.topology.one_way.iter().map(|&(a, b)| [a, b]).collect(),
        violations: sim
            .violations
            .iter()
            .map(|v| ViolationView {
                property: v.property.name(),
                time_ms: ms(v.time),
                event: v.event.clone(),
                servers: v.servers.clone(),
                term: v.term,
                index: v.index,
                detail: v.detail.clone(),
                text: v.to_string(),
            })
            .collect(),
        clients,
        membership: membership(&sim.config()),
        config: config_view(c),
        stats: StatsView {
            events: sim.stats.events,
            sent: sim.stats.sent,
            delivered: sim.stats.delivered,
            lost: sim.stats.lost,
        },
    }
}

/// Up to `count` entries of `log` from index `from` on.
pub(crate) fn entries(log: &raft::Log, from: u64, count: usize) -> Vec<EntryView> {
    let from = from.max(log.first_index());
    log.slice(from, count)
        .enumerate()
        .map(|(k, e)| EntryView { index: from + k as u64, term: e.term, text: e.data.to_string() })
        .collect()
}

json_struct! {
    /// One entry of the event list.
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct NoteView {
        /// Position in the whole list (before filtering).
        pub i: usize,
        pub time_ms: f64,
        pub events: u64,
        pub applied: u32,
        pub server: u32,
        pub term: u64,
        /// "election" | "vote" | "term" | "commit" | "client" | "membership" | "snapshot" | "action" | "violation"
        pub kind: &'static str,
        pub text: String,
    }
}

json_struct! {
    /// A window of the event list: the entries that pass the filter, `count` of them from the
    /// `start`-th match, and how many match in all (the list is virtualised: only what is shown crosses).
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct NotesView {
        pub total: usize,
        pub matching: usize,
        pub start: usize,
        pub notes: Vec<NoteView>,
    }
}

/// `kinds`: a bit per category (`Category::bit`; 0 = all); `server`: 0 = all; `start` past the
/// end (e.g. `usize::MAX`): the last `count` entries.
pub fn notes_view(tl: &Timeline, start: usize, count: usize, kinds: u32, server: u32) -> NotesView {
    let all = tl.notes();
    let pass = |n: &Note| {
        (kinds == 0 || kinds & n.category().bit() != 0) && (server == 0 || n.involves(server, tl.note_action(n)))
    };
    let count = count.min(500);
    let start = if start == usize::MAX {
        let matching = all.iter().filter(|n| pass(n)).count();
        matching.saturating_sub(count)
    } else {
        start
    };
    let mut matching = 0;
    let mut notes = Vec::new();
    for (i, n) in all.iter().enumerate() {
        if !pass(n) {
            continue;
        }
        if matching >= start && notes.len() < count {
            notes.push(NoteView {
                i,
                time_ms: ms(n.time),
                events: n.events,
                applied: n.applied,
                server: n.server,
                term: n.term,
                kind: n.category().name(),
                text: tl.note_text(n),
            });
        }
        matching += 1;
    }
    NotesView { total: all.len(), matching, start, notes }
}

/// The note categories, for the page's filter: [{name, bit}].
pub fn note_kinds() -> Vec<(&'static str, u32)> {
    Category::ALL.iter().map(|c| (c.name(), c.bit())).collect()
}

json_struct! {
    /// The term strip as flat numbers: bands `[server, from_ms, to_ms, term, up]…` and marks
    /// `[server, time_ms, what]…` (0 election started, 1 won, 2 split vote).
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct StripView {
        pub end_ms: f64,
        pub bands: Vec<f64>,
        pub marks: Vec<f64>,
    }
}

pub fn strip_view(tl: &Timeline) -> StripView {
    let s = tl.strip();
    StripView {
        end_ms: ms(tl.end_time()),
        bands: s
            .bands
            .iter()
            .flat_map(|&(id, a, b, t, up)| [id as f64, ms(a), ms(b), t as f64, up as u8 as f64])
            .collect(),
        marks: s.marks.iter().flat_map(|&(id, t, w)| [id as f64, ms(t), w as f64]).collect(),
    }
}
