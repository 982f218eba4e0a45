//! The plain data handed to JavaScript: the view of a cluster, and the config and actions JS sends
//! in. Pure Rust (serde), so it is tested natively; `lib.rs` only moves it across the boundary.

use raft::{Body, Role};
use serde::{Deserialize, Serialize};
use sim::{parse_op, Action, NetConfig, Outcome, Sim, SimConfig};

const MS: f64 = 1000.0;

fn us(ms: f64, what: &str) -> Result<u64, String> {
    if !ms.is_finite() || !(0.0..=3.6e9).contains(&ms) {
        return Err(format!("{what} = {ms}: expected a number of milliseconds ≥ 0"));
    }
    Ok((ms * MS).round() as u64)
}

fn ppm(percent: f64, what: &str) -> Result<u32, String> {
    if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
        return Err(format!("{what} = {percent}: expected a percentage 0–100"));
    }
    Ok((percent * 10_000.0).round() as u32)
}

/// What JS may pass to `new Playground(config)`. Every field is optional; unknown fields are errors.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct ConfigIn {
    pub servers: Option<u32>,
    /// A decimal u64 as a string (JS numbers cannot hold every u64), or a number.
    pub seed: Option<SeedIn>,
    pub election_timeout_ms: Option<f64>,
    pub heartbeat_ms: Option<f64>,
    pub latency_min_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    pub drop: Option<f64>,
    pub duplicate: Option<f64>,
    pub reorder: Option<f64>,
    pub conflict_hint: Option<bool>,
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    pub read_index: Option<bool>,
    pub snapshot_threshold: Option<u64>,
    pub max_entries_per_append: Option<usize>,
    pub client_timeout_ms: Option<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum SeedIn {
    Text(String),
    Number(f64),
}

pub fn parse_seed(s: &SeedIn) -> Result<u64, String> {
    match s {
        SeedIn::Text(t) => {
            t.trim().parse::<u64>().map_err(|_| format!("seed {t:?}: expected a whole number 0–18446744073709551615"))
        }
        SeedIn::Number(n) if n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= 9007199254740991.0 => {
            Ok(*n as u64)
        }
        SeedIn::Number(n) => Err(format!("seed {n}: expected a whole number ≥ 0")),
    }
}

impl ConfigIn {
    /// Build a validated config; `fresh_seed` is used when no seed is given.
    pub fn to_config(&self, fresh_seed: u64) -> Result<SimConfig, String> {
        let mut c = SimConfig::default();
        if let Some(n) = self.servers {
            c.servers = n;
        }
        c.seed = match &self.seed {
            Some(s) => parse_seed(s)?,
            None => fresh_seed,
        };
        if let Some(v) = self.election_timeout_ms {
            c.election_timeout_us = us(v, "election_timeout_ms")?;
        }
        if let Some(v) = self.heartbeat_ms {
            c.heartbeat_us = us(v, "heartbeat_ms")?;
        }
        c.net = net_from(&c.net, self.latency_min_ms, self.latency_max_ms, self.drop, self.duplicate, self.reorder)?;
        let o = OptionsIn {
            conflict_hint: self.conflict_hint,
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            read_index: self.read_index,
            snapshot_threshold: self.snapshot_threshold,
            max_entries_per_append: self.max_entries_per_append,
            ..OptionsIn::default()
        };
        c.raft = o.apply(c.raft);
        if let Some(v) = self.client_timeout_ms {
            c.client_timeout_us = us(v, "client_timeout_ms")?;
        }
        c.validate()?;
        Ok(c)
    }
}

fn net_from(
    base: &NetConfig,
    min: Option<f64>,
    max: Option<f64>,
    drop: Option<f64>,
    dup: Option<f64>,
    reorder: Option<f64>,
) -> Result<NetConfig, String> {
    let mut n = *base;
    if let Some(v) = min {
        n.latency_min_us = us(v, "latency_min_ms")?;
    }
    if let Some(v) = max {
        n.latency_max_us = us(v, "latency_max_ms")?;
    }
    if let Some(v) = drop {
        n.drop_ppm = ppm(v, "drop")?;
    }
    if let Some(v) = dup {
        n.duplicate_ppm = ppm(v, "duplicate")?;
    }
    if let Some(v) = reorder {
        n.reorder_ppm = ppm(v, "reorder")?;
    }
    n.validate()?;
    Ok(n)
}

/// An action as JS writes it: `{type: "crash", server: 2}`, `{type: "request", server: 1,
/// command: "x <- 3"}`, `{type: "partition", groups: [[1, 2], [3, 4, 5]]}`, …
#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionIn {
    Crash {
        server: u32,
    },
    Restart {
        server: u32,
    },
    Timeout {
        server: u32,
    },
    Request {
        server: u32,
        command: String,
    },
    Isolate {
        server: u32,
    },
    Partition {
        groups: Vec<Vec<u32>>,
    },
    Cut {
        a: u32,
        b: u32,
    },
    Repair {
        a: u32,
        b: u32,
    },
    Heal {},
    Network {
        latency_min_ms: Option<f64>,
        latency_max_ms: Option<f64>,
        drop: Option<f64>,
        duplicate: Option<f64>,
        reorder: Option<f64>,
    },
    /// Protocol switches, each optional.
    Options(OptionsIn),
    /// Ask the leader to add a new server (learner first, promoted when caught up).
    AddServer {},
    /// Ask the leader to remove a server.
    RemoveServer {
        server: u32,
    },
    /// Ask the leader to hand leadership to a server.
    Transfer {
        server: u32,
    },
}

/// Protocol switches as JS names them; unset fields keep their value.
#[derive(Deserialize, Debug, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct OptionsIn {
    pub conflict_hint: Option<bool>,
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    pub vote_lease: Option<bool>,
    pub read_index: Option<bool>,
    pub leader_noop: Option<bool>,
    pub snapshot_threshold: Option<u64>,
    pub max_entries_per_append: Option<usize>,
    /// The deliberately broken rule (Figure 8): commit old-term entries by counting replicas.
    pub unsafe_commit_old_terms: Option<bool>,
}

impl OptionsIn {
    pub fn apply(&self, mut o: raft::Options) -> raft::Options {
        let set = |slot: &mut bool, v: Option<bool>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut o.conflict_hint, self.conflict_hint);
        set(&mut o.pre_vote, self.pre_vote);
        set(&mut o.check_quorum, self.check_quorum);
        set(&mut o.vote_lease, self.vote_lease);
        set(&mut o.read_index, self.read_index);
        set(&mut o.leader_noop, self.leader_noop);
        set(&mut o.unsafe_commit_old_terms, self.unsafe_commit_old_terms);
        if let Some(v) = self.snapshot_threshold {
            o.snapshot_threshold = v;
        }
        if let Some(v) = self.max_entries_per_append {
            o.max_entries_per_append = v;
        }
        o
    }
}

impl ActionIn {
    pub fn to_action(&self, sim: &Sim) -> Result<Action, String> {
        Ok(match self {
            ActionIn::Crash { server } => Action::Crash(*server),
            ActionIn::Restart { server } => Action::Restart(*server),
            ActionIn::Timeout { server } => Action::Timeout(*server),
            ActionIn::Request { server, command } => Action::Request { server: *server, op: parse_op(command)? },
            ActionIn::Isolate { server } => Action::Isolate(*server),
            ActionIn::Partition { groups } => Action::Partition(groups.clone()),
            ActionIn::Cut { a, b } => Action::Link { a: *a, b: *b, up: false },
            ActionIn::Repair { a, b } => Action::Link { a: *a, b: *b, up: true },
            ActionIn::Heal {} => Action::Heal,
            ActionIn::Network { latency_min_ms, latency_max_ms, drop, duplicate, reorder } => {
                Action::SetNet(net_from(&sim.cfg.net, *latency_min_ms, *latency_max_ms, *drop, *duplicate, *reorder)?)
            }
            ActionIn::Options(o) => Action::SetOptions(o.apply(sim.cfg.raft)),
            ActionIn::AddServer {} => Action::AddServer,
            ActionIn::RemoveServer { server } => Action::RemoveServer(*server),
            ActionIn::Transfer { server } => Action::Transfer(*server),
        })
    }
}

#[derive(Serialize, Debug)]
pub struct View {
    pub time_ms: f64,
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
    pub violations: Vec<ViolationView>,
    pub clients: Vec<ClientView>,
    /// The cluster configuration as the leader (or the most advanced server) sees it.
    pub membership: MembershipView,
    pub config: ConfigView,
    pub stats: StatsView,
}

#[derive(Serialize, Debug)]
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
    pub log: Vec<EntryView>,
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
}

#[derive(Serialize, Debug, Default)]
pub struct MembershipView {
    pub voters: Vec<u32>,
    /// C_old while joint (empty otherwise).
    pub outgoing: Vec<u32>,
    pub learners: Vec<u32>,
    pub joint: bool,
    pub text: String,
}

fn membership(m: &raft::Membership) -> MembershipView {
    MembershipView {
        voters: m.voters.iter().collect(),
        outgoing: m.outgoing.iter().collect(),
        learners: m.learners.iter().collect(),
        joint: m.is_joint(),
        text: m.to_string(),
    }
}

#[derive(Serialize, Debug)]
pub struct EntryView {
    pub index: u64,
    pub term: u64,
    pub text: String,
}

#[derive(Serialize, Debug)]
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
    pub summary: String,
}

#[derive(Serialize, Debug)]
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

#[derive(Serialize, Debug)]
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
    /// "pending" | "ok" | "failed" (gave up; it may still have taken effect)
    pub outcome: &'static str,
    pub index: Option<u64>,
    pub value: Option<i64>,
    /// How often it was redirected by a follower, and timed out and retried elsewhere.
    pub redirects: u32,
    pub timeouts: u32,
    pub answered_ms: Option<f64>,
}

#[derive(Serialize, Debug)]
pub struct ConfigView {
    pub servers: u32,
    pub election_timeout_ms: f64,
    pub heartbeat_ms: f64,
    pub latency_min_ms: f64,
    pub latency_max_ms: f64,
    pub drop: f64,
    pub duplicate: f64,
    pub reorder: f64,
    pub conflict_hint: bool,
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub vote_lease: bool,
    pub read_index: bool,
    pub leader_noop: bool,
    pub snapshot_threshold: u64,
    pub max_entries_per_append: usize,
    pub unsafe_commit_old_terms: bool,
    pub client_timeout_ms: f64,
}

#[derive(Serialize, Debug)]
pub struct StatsView {
    pub events: u64,
    pub sent: u64,
    pub delivered: u64,
    pub lost: u64,
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Follower => "follower",
        Role::PreCandidate => "precandidate",
        Role::Candidate => "candidate",
        Role::Leader => "leader",
    }
}

fn ms(t: u64) -> f64 {
    t as f64 / MS
}

/// How many client operations the view carries (the newest).
pub const CLIENT_HISTORY: usize = 50;

pub fn build_view(sim: &Sim) -> View {
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
                    election_start_ms: s.election.deadline.map(|_| ms(s.election.start)),
                    election_deadline_ms: s.election.deadline.map(ms),
                    next_index: if leader { (1..=n).map(|i| node.progress[i].next_index).collect() } else { vec![] },
                    match_index: if leader { (1..=n).map(|i| node.progress[i].match_index).collect() } else { vec![] },
                    votes: if matches!(node.role, Role::Candidate | Role::PreCandidate) {
                        node.votes.iter().collect()
                    } else {
                        vec![]
                    },
                    kv: node.state_machine.iter().map(|(k, v)| ((k as char).to_string(), v)).collect(),
                    membership: membership(&node.config),
                    config_index: node.config_index,
                    snapshot_index: node.snapshot.last_index,
                    snapshot_term: node.snapshot.last_term,
                    transferee: node.transferee,
                    pending_reads: node.reads.len(),
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
            summary: sim::cluster::describe(&f.msg),
        })
        .collect();
    let skip = sim.client_ops.len().saturating_sub(CLIENT_HISTORY);
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
            };
            ClientView {
                seq: k as u32 + 1,
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
        seed: c.seed.to_string(),
        digest: format!("{:016x}", sim.digest()),
        term: sim.max_term(),
        leader: sim.leader(),
        servers,
        messages,
        groups: sim.topology.group[1..=n].to_vec(),
        cut: sim.topology.cut.iter().map(|&(a, b)| [a, b]).collect(),
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
        config: ConfigView {
            servers: c.servers,
            election_timeout_ms: ms(c.election_timeout_us),
            heartbeat_ms: ms(c.heartbeat_us),
            latency_min_ms: ms(c.net.latency_min_us),
            latency_max_ms: ms(c.net.latency_max_us),
            drop: c.net.drop_ppm as f64 / 10_000.0,
            duplicate: c.net.duplicate_ppm as f64 / 10_000.0,
            reorder: c.net.reorder_ppm as f64 / 10_000.0,
            conflict_hint: c.raft.conflict_hint,
            pre_vote: c.raft.pre_vote,
            check_quorum: c.raft.check_quorum,
            vote_lease: c.raft.vote_lease,
            read_index: c.raft.read_index,
            leader_noop: c.raft.leader_noop,
            snapshot_threshold: c.raft.snapshot_threshold,
            max_entries_per_append: c.raft.max_entries_per_append,
            unsafe_commit_old_terms: c.raft.unsafe_commit_old_terms,
            client_timeout_ms: ms(c.client_timeout_us),
        },
        stats: StatsView {
            events: sim.stats.events,
            sent: sim.stats.sent,
            delivered: sim.stats.delivered,
            lost: sim.stats.lost,
        },
    }
}

fn entries(log: &raft::Log) -> Vec<EntryView> {
    let first = log.first_index();
    log.entries()
        .iter()
        .enumerate()
        .map(|(k, e)| EntryView { index: first + k as u64, term: e.term, text: e.data.to_string() })
        .collect()
}

/// A built-in scenario: a script from tests/scenarios, played live on the page.
#[derive(Serialize, Debug)]
pub struct ScenarioView {
    pub name: &'static str,
    /// The script's leading comment, as prose.
    pub description: String,
    pub text: &'static str,
}

macro_rules! scenarios {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../tests/scenarios/", $name, ".script")))),*]
    };
}

/// The scenarios the page offers, in teaching order.
pub const SCENARIOS: &[(&str, &str)] = scenarios!(
    "election",
    "leader_crash",
    "minority_partition",
    "lossy_network",
    "client_retry",
    "membership",
    "snapshot",
    "transfer",
    "no_prevote",
    "prevote",
    "check_quorum",
    "read_index",
    "removed_server",
    "removed_server_no_lease",
    "broken_commit_rule",
);

pub fn scenarios() -> Vec<ScenarioView> {
    SCENARIOS
        .iter()
        .map(|&(name, text)| ScenarioView {
            name,
            description: text
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| l.trim_start_matches('#').trim())
                .collect::<Vec<_>>()
                .join(" "),
            text,
        })
        .collect()
}

/// Compile a script into a cluster that plays it live: the recorded actions are scheduled.
pub fn scripted(text: &str) -> Result<(SimConfig, Sim), String> {
    let rec = sim::script::record(text)?;
    let cfg = SimConfig { check_persistence: false, ..rec.cfg };
    let mut s = Sim::new(cfg.clone())?;
    s.scheduled = rec.actions.into_iter().collect();
    Ok((cfg, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Result<SimConfig, String> {
        let c: ConfigIn = serde_json::from_str(json).map_err(|e| e.to_string())?;
        c.to_config(7)
    }

    #[test]
    fn every_built_in_scenario_plays_and_describes_itself() {
        let all = scenarios();
        assert!(all.len() >= 10);
        for sc in &all {
            assert!(!sc.description.is_empty(), "{} has no description", sc.name);
            let (_, mut s) = scripted(sc.text).unwrap();
            s.run_until(10_000_000);
            let broken = sc.text.contains("expect violation");
            assert!(s.scheduled.is_empty() || broken, "{}", sc.name);
            assert_eq!(s.violations.is_empty(), !broken, "{}", sc.name);
        }
        assert!(scripted("frobnicate").unwrap_err().contains("unknown command"));
    }

    #[test]
    fn config_defaults_and_fresh_seed() {
        let c = config("{}").unwrap();
        assert_eq!((c.servers, c.seed, c.election_timeout_us, c.heartbeat_us), (5, 7, 100_000, 50_000));
        assert_eq!(config(r#"{"seed":"18446744073709551615"}"#).unwrap().seed, u64::MAX);
        assert_eq!(config(r#"{"seed":42,"servers":3,"drop":2.5}"#).unwrap().net.drop_ppm, 25_000);
    }

    #[test]
    fn bad_config_is_refused_with_a_reason() {
        assert!(config(r#"{"servers":0}"#).unwrap_err().contains("servers"));
        assert!(config(r#"{"servers":99}"#).unwrap_err().contains("servers"));
        assert!(config(r#"{"seed":"abc"}"#).unwrap_err().contains("seed"));
        assert!(config(r#"{"seed":-1}"#).unwrap_err().contains("seed"));
        assert!(config(r#"{"drop":120}"#).unwrap_err().contains("drop"));
        assert!(config(r#"{"heartbeat_ms":500}"#).unwrap_err().contains("heartbeat"));
        assert!(config(r#"{"latency_min_ms":20,"latency_max_ms":10}"#).unwrap_err().contains("latency"));
        assert!(config(r#"{"sevrers":5}"#).unwrap_err().contains("unknown field"));
    }

    #[test]
    fn actions_parse_and_bad_ones_leave_the_cluster_alone() {
        let mut sim = Sim::new(config("{}").unwrap()).unwrap();
        sim.run_until(1_000_000);
        let before = sim.digest();
        assert!(serde_json::from_str::<ActionIn>(r#"{"type":"options","pre_vote":true,"bogus":1}"#).is_err());
        for bad in [
            r#"{"type":"crash","server":9}"#,
            r#"{"type":"request","server":1,"command":"x <- banana"}"#,
            r#"{"type":"partition","groups":[[1,2],[2,3]]}"#,
            r#"{"type":"cut","a":1,"b":1}"#,
            r#"{"type":"network","drop":-1}"#,
        ] {
            let a: ActionIn = serde_json::from_str(bad).unwrap();
            let err = a.to_action(&sim).and_then(|a| sim.act(a));
            assert!(err.is_err(), "{bad} should be refused");
        }
        assert!(serde_json::from_str::<ActionIn>(r#"{"type":"explode"}"#).is_err());
        assert_eq!(sim.digest(), before, "refused actions must not change the run");
        assert!(sim.actions.is_empty());

        let a: ActionIn = serde_json::from_str(r#"{"type":"crash","server":2}"#).unwrap();
        sim.act(a.to_action(&sim).unwrap()).unwrap();
        let v = build_view(&sim);
        assert_eq!(v.servers[1].role, "crashed");
        assert!(!v.servers[1].alive);
        assert_eq!(v.servers.len(), 5);
        assert!(v.leader.is_some());
        assert!(serde_json::to_string(&v).unwrap().contains("\"servers\""));

        // The thesis switches and membership actions go through the same path.
        let a: ActionIn =
            serde_json::from_str(r#"{"type":"options","pre_vote":true,"check_quorum":true,"snapshot_threshold":8}"#)
                .unwrap();
        sim.act(a.to_action(&sim).unwrap()).unwrap();
        assert!(sim.cfg.raft.pre_vote && sim.cfg.raft.check_quorum && sim.cfg.raft.snapshot_threshold == 8);
        let a: ActionIn = serde_json::from_str(r#"{"type":"add_server"}"#).unwrap();
        sim.act(a.to_action(&sim).unwrap()).unwrap();
        let v = build_view(&sim);
        assert_eq!(v.servers.len(), 6);
        assert_eq!(v.membership.learners, vec![6]);
    }
}
