//! The inspector's data: one server's whole Figure 2 state, or one message in flight with every
//! field it carries. Asked for one server or message at a time (not per server per frame), with the
//! log windowed to the rows in sight, so a 10,000-entry log costs what the panel shows.

use crate::json_struct;
use crate::view::{entries, membership, ms, role_name, EntryView, MembershipView};
use raft::progress::State;
use raft::{Body, Node, Role};
#[cfg(test)]
use serde::Serialize;
use sim::cluster::Timer;
use sim::Sim;

/// How many log entries an inspection carries when the caller names no window (the newest).
pub const LOG_ROWS: usize = 30;
/// Most log entries one inspection carries.
pub const MAX_LOG_ROWS: usize = 500;
/// How many client sessions an inspection lists (the newest clients; the count says how many more).
pub const SESSION_ROWS: usize = 16;
/// How many entries of an AppendEntries a message inspection lists (the first ones).
pub const MESSAGE_ENTRIES: usize = 50;

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ServerInspect {
        pub id: u32,
        /// False: the server is crashed and this is what its stable storage holds (the persistent
        /// state survived; everything volatile is gone, so those fields are null).
        pub alive: bool,
        /// "follower" | "precandidate" | "candidate" | "leader" | "crashed"
        pub role: &'static str,
        // Persistent state on all servers (Figure 2).
        pub term: u64,
        pub voted_for: Option<u32>,
        /// The whole log's extent (the first index still stored as an entry, the last index) and the
        /// entries of the window asked for.
        pub log_first: u64,
        pub log_last: u64,
        pub log: Vec<EntryView>,
        /// Log compaction: the snapshot's last included index and term (0, 0: none).
        pub snapshot_index: u64,
        pub snapshot_term: u64,
        // Volatile state on all servers (null while crashed).
        pub commit_index: Option<u64>,
        pub last_applied: Option<u64>,
        /// The leader this server knows of in its term.
        pub leader: Option<u32>,
        /// The timers the simulator runs for it: when armed and when they fire.
        pub election: Option<TimerView>,
        pub heartbeat: Option<TimerView>,
        /// The configuration in force (the newest in its log, committed or not) and its entry's index.
        pub config: MembershipView,
        pub config_index: u64,
        /// Volatile state on leaders: nextIndex[] and matchIndex[] with flow control, per other server.
        pub progress: Vec<ProgressView>,
        /// Candidates: who granted a vote (or a pre-vote) this round.
        pub votes: Vec<u32>,
        pub transferee: Option<u32>,
        pub pending_reads: usize,
        /// The state machine's session table (client → last sequence number applied, its answer): the
        /// newest [`SESSION_ROWS`] of `sessions_total`. Crashed: the stored snapshot's table.
        pub sessions: Vec<SessionView>,
        pub sessions_total: usize,
        /// The applied key-value state.
        pub kv: Vec<(String, i64)>,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct TimerView {
        pub start_ms: f64,
        pub deadline_ms: f64,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ProgressView {
        pub id: u32,
        pub next_index: u64,
        pub match_index: u64,
        /// "probe" | "replicate" | "snapshot" (flow control, after etcd raft)
        pub state: &'static str,
        /// Probe / Snapshot: a request is outstanding, the leader waits for its answer.
        pub paused: bool,
        /// Replicate: messages of entries not yet acknowledged (at most `raft::progress::MAX_INFLIGHT`).
        pub in_flight: u32,
        /// No entries may go now: paused, or the in-flight window is full.
        pub throttled: bool,
    }
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct SessionView {
        pub client: u32,
        pub seq: u32,
        pub answer: Option<i64>,
    }
}

fn timer(t: &Timer) -> Option<TimerView> {
    t.deadline.map(|d| TimerView { start_ms: ms(t.start), deadline_ms: ms(d) })
}

/// Server `id`'s state, with the log entries from `window.0`, `window.1` of them (`None`: the
/// newest [`LOG_ROWS`]).
pub fn inspect_server(sim: &Sim, id: u32, window: Option<(u64, usize)>) -> Result<ServerInspect, String> {
    let n = sim.servers.len() as u32;
    if id == 0 || id > n {
        return Err(format!("no server S{id}: servers are S1–S{n}"));
    }
    let s = sim.server(id);
    // A crashed server shows its stable storage, read the way a restart reads it (so the same
    // rule picks the configuration in force from the stored log).
    let stored;
    let (node, alive) = match &s.node {
        Some(node) => (node, true),
        None => {
            stored = Node::restart(id, sim.cfg.raft, s.storage.clone());
            (&stored, false)
        }
    };
    let log = &node.log;
    let (from, count) = window.unwrap_or((log.last_index().saturating_sub(LOG_ROWS as u64) + 1, LOG_ROWS));
    let leader = alive && node.role == Role::Leader;
    let candidate = alive && matches!(node.role, Role::Candidate | Role::PreCandidate);
    let sm = &node.state_machine;
    let sessions_total = sm.sessions().count();
    Ok(ServerInspect {
        id,
        alive,
        role: if alive { role_name(node.role) } else { "crashed" },
        term: node.current_term,
        voted_for: node.voted_for,
        log_first: log.first_index(),
        log_last: log.last_index(),
        log: entries(log, from, count.min(MAX_LOG_ROWS)),
        snapshot_index: node.snapshot.last_index,
        snapshot_term: node.snapshot.last_term,
        commit_index: alive.then_some(node.commit_index),
        last_applied: alive.then_some(node.last_applied),
        leader: node.leader_id.filter(|_| alive),
        election: timer(&s.election).filter(|_| alive),
        heartbeat: timer(&s.heartbeat).filter(|_| alive),
        config: membership(&node.config),
        config_index: node.config_index,
        progress: (1..=n)
            .filter(|&p| leader && p != id)
            .map(|p| {
                let g = &node.progress[p as usize];
                let state = match g.state {
                    State::Probe => "probe",
                    State::Replicate => "replicate",
                    State::Snapshot => "snapshot",
                };
                ProgressView {
                    id: p,
                    next_index: g.next_index,
                    match_index: g.match_index,
                    state,
                    paused: g.paused,
                    in_flight: g.inflight.lasts().len() as u32,
                    throttled: g.is_throttled(),
                }
            })
            .collect(),
        votes: node.votes.iter().filter(|_| candidate).collect(),
        transferee: node.transferee.filter(|_| leader),
        pending_reads: if leader { node.reads.len() } else { 0 },
        sessions: sm
            .sessions()
            .skip(sessions_total.saturating_sub(SESSION_ROWS))
            .map(|(client, seq, answer)| SessionView { client, seq, answer })
            .collect(),
        sessions_total,
        kv: sm.iter().map(|(k, v)| ((k as char).to_string(), v)).collect(),
    })
}

json_struct! {
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct MessageInspect {
        pub id: u64,
        /// As the view names kinds: "AppendEntries", "Heartbeat", "RequestVote", "PreVote", …
        pub kind: &'static str,
        pub from: u32,
        pub to: u32,
        pub term: u64,
        pub send_ms: f64,
        pub deliver_ms: f64,
        /// It will vanish on arrival (lost to the network's loss draw, or sent across a cut).
        pub lost: bool,
        /// The body's fields as the paper names them, in order: `[name, value]`.
        pub fields: Vec<(&'static str, String)>,
        /// AppendEntries: its entries (the first [`MESSAGE_ENTRIES`] of `entries_total`).
        pub entries: Vec<EntryView>,
        pub entries_total: usize,
        /// The message in one line (as the canvas's tooltip says it).
        pub text: String,
    }
}

/// Message `id` in flight with every field it carries; `None` once it has arrived (or was dropped).
pub fn inspect_message(sim: &Sim, id: u64) -> Option<MessageInspect> {
    let f = sim.flights.get(&id)?;
    let m = &f.msg;
    let yes = |b: bool| (if b { "yes" } else { "no" }).to_string();
    let mut fields: Vec<(&'static str, String)> = Vec::new();
    let mut list = Vec::new();
    let mut entries_total = 0;
    // Every field of every body, destructured in full: a new field is a compile error here.
    match &m.body {
        Body::RequestVote { last_log_index, last_log_term, pre_vote, transfer } => {
            fields.push(("candidateId", format!("S{}", m.from)));
            fields.push(("lastLogIndex", last_log_index.to_string()));
            fields.push(("lastLogTerm", last_log_term.to_string()));
            if *pre_vote {
                fields.push(("pre-vote", "yes: a probe, it changes nothing on the receiver (thesis §9.6)".into()));
            }
            if *transfer {
                fields.push(("leadership transfer", "yes: the vote lease does not apply (thesis §3.10)".into()));
            }
        }
        Body::RequestVoteReply { granted, pre_vote } => {
            fields.push((if *pre_vote { "pre-vote granted" } else { "voteGranted" }, yes(*granted)));
        }
        Body::AppendEntries { prev_log_index, prev_log_term, entries: e, leader_commit, ctx } => {
            fields.push(("leaderId", format!("S{}", m.from)));
            fields.push(("prevLogIndex", prev_log_index.to_string()));
            fields.push(("prevLogTerm", prev_log_term.to_string()));
            fields.push(("entries", if e.is_empty() { "none (a heartbeat)".into() } else { e.len().to_string() }));
            fields.push(("leaderCommit", leader_commit.to_string()));
            fields.push(("heartbeat round", ctx.to_string()));
            entries_total = e.len();
            list = e
                .iter()
                .take(MESSAGE_ENTRIES)
                .enumerate()
                .map(|(k, e)| EntryView {
                    index: prev_log_index + 1 + k as u64,
                    term: e.term,
                    text: e.data.to_string(),
                })
                .collect();
        }
        Body::AppendEntriesReply { success, index, hint, ctx, commit } => {
            fields.push(("success", yes(*success)));
            fields.push((if *success { "matchIndex" } else { "rejected prevLogIndex" }, index.to_string()));
            if let Some((term, first)) = hint {
                let text = match term {
                    Some(t) => format!("conflicting term {t}, its first index {first}"),
                    None => format!("log too short: its length + 1 = {first}"),
                };
                fields.push(("conflict hint (§5.3)", text));
            }
            fields.push(("commitIndex", commit.to_string()));
            fields.push(("heartbeat round", ctx.to_string()));
        }
        Body::InstallSnapshot { snapshot } => {
            let raft::Snapshot { last_index, last_term, config, state } = snapshot.as_ref();
            fields.push(("leaderId", format!("S{}", m.from)));
            fields.push(("lastIncludedIndex", last_index.to_string()));
            fields.push(("lastIncludedTerm", last_term.to_string()));
            fields.push(("configuration", config.to_string()));
            let what = format!("{} keys, {} client sessions", state.iter().count(), state.sessions().count());
            fields.push(("state machine", what));
        }
        Body::InstallSnapshotReply { last_index } => fields.push(("lastIndex", last_index.to_string())),
        Body::TimeoutNow => fields.push(("meaning", "start an election now (thesis §3.10)".into())),
    }
    Some(MessageInspect {
        id,
        kind: m.body.kind(),
        from: m.from,
        to: m.to,
        term: m.term,
        send_ms: ms(f.send_time),
        deliver_ms: ms(f.deliver_time),
        lost: f.lost,
        fields,
        entries: list,
        entries_total,
        text: sim::narrate::describe(m),
    })
}
