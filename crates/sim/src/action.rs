//! What a user (or a test, or a script) can do to a running cluster, with its one text form: the
//! script line (`crash 2`, `request 1 x <- 3`, `partition 1,2 | 3,4,5`, `cut 1 2`, `cut 1>2`,
//! `set pre_vote=on …`, `drop-message 17`).
//! [`Action`]'s `Display` writes it and [`Action::parse`] reads it back; the compact binary form
//! is in [`crate::codec`]. Every action is stamped with when it happened and recorded
//! ([`crate::record`]), so config + seed + actions replays a run exactly.

use crate::config::SimConfig;
use crate::network::NetConfig;
use crate::settings::{self, Group, Meta, Visitor};
use raft::{Index, NodeId, Op, Term};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Stop a server: it loses all volatile state; what it persisted survives.
    Crash(NodeId),
    /// Bring a crashed server back from its persistent state.
    Restart(NodeId),
    /// Make a server's election timer fire now.
    Timeout(NodeId),
    /// A client sends a command to a server.
    Request { server: NodeId, op: Op },
    /// Cut a server off from everyone.
    Isolate(NodeId),
    /// Split the cluster into these groups (servers not listed form one more group).
    Partition(Vec<Vec<NodeId>>),
    /// Cut or restore the link between two servers (both directions).
    Link { a: NodeId, b: NodeId, up: bool },
    /// Cut or restore one direction of a link: messages `from` → `to` are lost (or flow again);
    /// the other direction is untouched. Naive implementations break on these.
    OneWay { from: NodeId, to: NodeId, up: bool },
    /// Remove every partition and cut link.
    Heal,
    /// Change the network model from now on.
    SetNet(NetConfig),
    /// Change protocol switches on every server from now on.
    SetOptions(raft::Options),
    /// Ask the leader to add a new server (the next id) as a learner, promoted once caught up.
    AddServer,
    /// Ask the leader to remove a server from the configuration.
    RemoveServer(NodeId),
    /// Ask the leader to hand leadership to a server (TimeoutNow).
    Transfer(NodeId),
    /// Ask the leader to change several servers in one joint step (§6): `add` are new servers (the
    /// next ids, in order), `remove` are members. `change -1 -2 +6 +7` replaces S1 and S2 by S6 and
    /// S7: the new servers catch up as learners, then one C_old,new, then C_new.
    Change { add: Vec<NodeId>, remove: Vec<NodeId> },
    /// Set-up, before anything happens ([`crate::setup`]): a server's log, by the terms of its
    /// entries from index 1 (each entry's command is made from its index and term).
    SetLog { server: NodeId, terms: Vec<Term> },
    /// Set-up: a server's current term, with no vote cast in it.
    SetTerm { server: NodeId, term: Term },
    /// Set-up: a server has committed (and applied) its log through `index`.
    SetCommit { server: NodeId, index: Index },
    /// Lose one message in flight, named by its id ([`crate::Flight::id`]: flights are numbered in
    /// the order they are sent, so the id names the same message on every replay).
    DropMessage(u64),
    /// Deliver one message in flight twice: the network sends a copy of it now, which takes as
    /// long to arrive as the original does.
    DuplicateMessage(u64),
    /// Deliver one message in flight now, ahead of its time (not one lost in transit).
    DeliverMessage(u64),
    /// Make a leader's heartbeat timer fire now.
    Heartbeat(NodeId),
    /// The oldest write in flight on a server's disk completes now (what waited for it leaves).
    Flush(NodeId),
    /// A client sends its request (number `request`, counting from 0 in the order requests were
    /// made) again, to `server`: as its retry timer would, now.
    Retry { request: u64, server: NodeId },
    /// `hold` (true): take the network and the timers into your hands. From now on nothing
    /// happens by itself: every message sent waits in flight (never lost, whatever the partitions)
    /// until `deliver-message` or `drop-message`, no timer fires, no client retries, no disk
    /// write completes; only actions move the run (`timeout`, `heartbeat`, `crash`, …), while the
    /// servers' clock runs on. `release` (false): everything resumes as if the held time had not
    /// passed for it (what was due comes due that much later). What a model checker's
    /// counterexample replays as.
    Hold(bool),
}

/// What parsing an action needs from the running cluster: who leads (for `leader`), and the
/// settings in force (a `set` or `net` line changes only the settings it names).
pub trait Context {
    fn leader(&self) -> Option<NodeId>;
    fn config(&self) -> &SimConfig;
}

/// A server as scripts write it: `3`, `S3` or `leader`.
pub fn parse_server(word: &str, ctx: &impl Context) -> Result<NodeId, String> {
    if word == "leader" {
        return ctx.leader().ok_or_else(|| "there is no leader".to_string());
    }
    match word.trim_start_matches('S').parse::<NodeId>() {
        Ok(id) if id <= raft::MAX_NODE_ID => Ok(id),
        _ => Err(format!("bad server {word:?}: write a number 1–{} (or S3, or leader)", raft::MAX_NODE_ID)),
    }
}

impl Action {
    /// The first word of every action's line: what scripts and the page's command field accept.
    pub const WORDS: &'static [&'static str] = &[
        "crash",
        "restart",
        "timeout",
        "isolate",
        "request",
        "partition",
        "cut",
        "repair",
        "heal",
        "net",
        "set",
        "add-server",
        "remove",
        "transfer",
        "change",
        "break",
        "log",
        "term",
        "commit",
        "drop-message",
        "duplicate-message",
        "deliver-message",
        "heartbeat",
        "flush",
        "retry",
        "hold",
        "release",
    ];

    /// Read an action line (the inverse of `Display`). `None`: the line is not an action.
    pub fn parse(line: &str, ctx: &impl Context) -> Option<Result<Action, String>> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = *words.first()?;
        if !Self::WORDS.contains(&first) {
            return None;
        }
        Some(Self::parse_words(first, &words[1..], ctx))
    }

    fn parse_words(first: &str, args: &[&str], ctx: &impl Context) -> Result<Action, String> {
        let arg = |k: usize| args.get(k).copied().ok_or_else(|| format!("`{first}` needs a server"));
        let server = |k: usize| parse_server(arg(k)?, ctx);
        let none = |a: Action| if args.is_empty() { Ok(a) } else { Err(format!("`{first}` takes no arguments")) };
        let one = |f: fn(NodeId) -> Action| {
            if args.len() > 1 {
                return Err(format!("`{first}` takes one server"));
            }
            Ok(f(server(0)?))
        };
        match first {
            "crash" => one(Action::Crash),
            "restart" => one(Action::Restart),
            "timeout" => one(Action::Timeout),
            "heartbeat" => one(Action::Heartbeat),
            "flush" => one(Action::Flush),
            "retry" => {
                let [n, to] = args else {
                    return Err("`retry` takes a request number and a server: `retry 3 2`".into());
                };
                Ok(Action::Retry { request: number(n, "request number")?, server: parse_server(to, ctx)? })
            }
            "hold" => none(Action::Hold(true)),
            "release" => none(Action::Hold(false)),
            "isolate" => one(Action::Isolate),
            "remove" => one(Action::RemoveServer),
            "transfer" => one(Action::Transfer),
            "request" => {
                Ok(Action::Request { server: server(0)?, op: parse_op(&args.get(1..).unwrap_or(&[]).join(" "))? })
            }
            "partition" => {
                let mut groups = args
                    .join(" ")
                    .split('|')
                    .map(|g| {
                        g.split(',').filter(|s| !s.trim().is_empty()).map(|s| parse_server(s.trim(), ctx)).collect()
                    })
                    .collect::<Result<Vec<Vec<NodeId>>, String>>()?;
                // An empty group changes nothing (and would not read back from the line).
                groups.retain(|g| !g.is_empty());
                Ok(Action::Partition(groups))
            }
            "cut" | "repair" => {
                // `cut 1>2`: one direction only.
                if let [one] = args {
                    if let Some((a, b)) = one.split_once('>') {
                        let (from, to) = (parse_server(a, ctx)?, parse_server(b, ctx)?);
                        return Ok(Action::OneWay { from, to, up: first == "repair" });
                    }
                }
                // `cut 1 2` or `cut 1-2`.
                let (a, b) = match args {
                    [one] if one.contains('-') => {
                        let (a, b) = one.split_once('-').unwrap();
                        (parse_server(a, ctx)?, parse_server(b, ctx)?)
                    }
                    [a, b] => (parse_server(a, ctx)?, parse_server(b, ctx)?),
                    _ => return Err(format!("`{first}` takes two servers")),
                };
                Ok(Action::Link { a, b, up: first == "repair" })
            }
            "log" => {
                let terms = args.get(1..).unwrap_or(&[]).iter().map(|w| number(w, "term")).collect::<Result<_, _>>()?;
                Ok(Action::SetLog { server: server(0)?, terms })
            }
            "term" | "commit" => {
                let [_, n] = args else { return Err(format!("`{first}` takes a server and a number")) };
                let server = server(0)?;
                Ok(if first == "term" {
                    Action::SetTerm { server, term: number(n, "term")? }
                } else {
                    Action::SetCommit { server, index: number(n, "index")? }
                })
            }
            "drop-message" | "duplicate-message" | "deliver-message" => {
                let id = match args {
                    [id] => id.parse::<u64>().map_err(|_| format!("bad message id {id:?}: expected a number"))?,
                    _ => return Err(format!("`{first}` takes one message id (as the page lists them)")),
                };
                Ok(match first {
                    "drop-message" => Action::DropMessage(id),
                    "duplicate-message" => Action::DuplicateMessage(id),
                    _ => Action::DeliverMessage(id),
                })
            }
            "heal" => none(Action::Heal),
            "change" => {
                let (mut add, mut remove) = (Vec::new(), Vec::new());
                for w in args {
                    match (w.strip_prefix('+'), w.strip_prefix('-')) {
                        (Some(id), _) => add.push(parse_server(id, ctx)?),
                        (_, Some(id)) => remove.push(parse_server(id, ctx)?),
                        _ => {
                            return Err(format!(
                                "`change` takes +ID (a new server) and -ID (a member to remove), got {w:?}"
                            ))
                        }
                    }
                }
                Ok(Action::Change { add, remove })
            }
            // `break vote-twice` (or `break none`): the same as `set break=vote-twice`.
            "break" => {
                let [ids] = args else { return Err("`break` takes rule ids separated by commas, or none".into()) };
                let mut c = ctx.config().clone();
                set_word(&mut c, "break", ids, Group::Protocol)?;
                Ok(Action::SetOptions(c.raft))
            }
            "add-server" => none(Action::AddServer),
            "net" | "set" => {
                let group = if first == "net" { Group::Network } else { Group::Protocol };
                let mut c = ctx.config().clone();
                for w in args {
                    let (k, v) = w.split_once('=').ok_or_else(|| format!("expected name=value, got {w:?}"))?;
                    set_word(&mut c, k, v, group)?;
                }
                Ok(if group == Group::Network { Action::SetNet(c.net) } else { Action::SetOptions(c.raft) })
            }
            _ => unreachable!("listed in WORDS"),
        }
    }

    /// The servers an action names (for validation and for filtering narration), without
    /// collecting them: every recorded action asks for its first.
    pub fn servers(&self) -> impl Iterator<Item = NodeId> + '_ {
        let none: (&[Vec<NodeId>], &[NodeId]) = (&[], &[]);
        let (pair, (groups, list)) = match self {
            Action::Crash(id)
            | Action::Restart(id)
            | Action::Timeout(id)
            | Action::Heartbeat(id)
            | Action::Flush(id)
            | Action::Retry { server: id, .. }
            | Action::Isolate(id)
            | Action::RemoveServer(id)
            | Action::Transfer(id)
            | Action::Request { server: id, .. }
            | Action::SetLog { server: id, .. }
            | Action::SetTerm { server: id, .. }
            | Action::SetCommit { server: id, .. } => ([Some(*id), None], none),
            Action::Link { a, b, .. } => ([Some(*a), Some(*b)], none),
            Action::OneWay { from, to, .. } => ([Some(*from), Some(*to)], none),
            Action::Partition(groups) => ([None, None], (&groups[..], &[][..])),
            // New servers do not exist yet: only the removed ones must.
            Action::Change { remove, .. } => ([None, None], (&[][..], &remove[..])),
            Action::Heal
            | Action::SetNet(_)
            | Action::SetOptions(_)
            | Action::AddServer
            | Action::DropMessage(_)
            | Action::DuplicateMessage(_)
            | Action::DeliverMessage(_)
            | Action::Hold(_) => ([None, None], none),
        };
        pair.into_iter().flatten().chain(groups.iter().flatten().copied()).chain(list.iter().copied())
    }
}

/// Set one `name=value` word of a `config`, `set` or `net` line. `latency=10-15ms` sets both
/// latency bounds (the upper bound's unit applies to a bare lower bound).
pub fn set_word(c: &mut SimConfig, k: &str, v: &str, group: Group) -> Result<(), String> {
    let groups: &[Group] = if group == Group::Run { &[Group::Run, Group::Protocol, Group::Network] } else { &[group] };
    if k == "latency" {
        let (lo, hi) = v.split_once('-').unwrap_or((v, v));
        let unit = hi.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        let lo = if lo.ends_with(|c: char| c.is_ascii_digit()) { format!("{lo}{unit}") } else { lo.to_string() };
        c.set_text("latency_min", &lo, groups)?;
        return c.set_text("latency_max", hi, groups);
    }
    c.set_text(k, v, groups)
}

/// The `name=value` words of a group of settings, from a visit over them.
fn words(visit: impl FnOnce(&mut Words)) -> String {
    let mut w = Words(String::new());
    visit(&mut w);
    w.0
}

struct Words(String);
impl Visitor for Words {
    fn visit(&mut self, meta: &Meta, v: &mut u64) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        self.0.push_str(meta.name);
        self.0.push('=');
        self.0.push_str(&settings::format_value(meta.unit, *v));
    }
}

impl fmt::Display for Action {
    /// The script line; [`Action::parse`] reads it back to the same action.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = |g: &[NodeId]| g.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        match self {
            Action::Crash(id) => write!(f, "crash {id}"),
            Action::Restart(id) => write!(f, "restart {id}"),
            Action::Timeout(id) => write!(f, "timeout {id}"),
            Action::Isolate(id) => write!(f, "isolate {id}"),
            Action::Request { server, op } => write!(f, "request {server} {op}"),
            Action::Partition(groups) => {
                write!(f, "partition {}", groups.iter().map(|g| ids(g)).collect::<Vec<_>>().join(" | "))
            }
            Action::Link { a, b, up } => write!(f, "{} {a} {b}", if *up { "repair" } else { "cut" }),
            Action::OneWay { from, to, up } => write!(f, "{} {from}>{to}", if *up { "repair" } else { "cut" }),
            Action::Heal => f.write_str("heal"),
            Action::AddServer => f.write_str("add-server"),
            Action::RemoveServer(id) => write!(f, "remove {id}"),
            Action::Transfer(id) => write!(f, "transfer {id}"),
            Action::Change { add, remove } => {
                f.write_str("change")?;
                for id in remove {
                    write!(f, " -{id}")?;
                }
                for id in add {
                    write!(f, " +{id}")?;
                }
                Ok(())
            }
            Action::SetLog { server, terms } => {
                write!(f, "log S{server}")?;
                terms.iter().try_for_each(|t| write!(f, " {t}"))
            }
            Action::SetTerm { server, term } => write!(f, "term S{server} {term}"),
            Action::SetCommit { server, index } => write!(f, "commit S{server} {index}"),
            Action::DropMessage(id) => write!(f, "drop-message {id}"),
            Action::DuplicateMessage(id) => write!(f, "duplicate-message {id}"),
            Action::DeliverMessage(id) => write!(f, "deliver-message {id}"),
            Action::Heartbeat(id) => write!(f, "heartbeat {id}"),
            Action::Flush(id) => write!(f, "flush {id}"),
            Action::Retry { request, server } => write!(f, "retry {request} {server}"),
            Action::Hold(true) => f.write_str("hold"),
            Action::Hold(false) => f.write_str("release"),
            Action::SetNet(n) => {
                let mut n = *n;
                write!(f, "net {}", words(|w| settings::visit_net(&mut n, w)))
            }
            Action::SetOptions(o) => {
                let mut o = *o;
                write!(f, "set {}", words(|w| settings::visit_options(&mut o, w)))
            }
        }
    }
}

/// A whole number in an action line (a term or an index).
fn number(word: &str, what: &str) -> Result<u64, String> {
    word.parse().map_err(|_| format!("bad {what} {word:?}: expected a whole number"))
}

/// Parse a command as the page and scripts write it: `x <- 3` (write), `x += 1` (add) or `x?` (read).
/// Keys are one letter `a`–`z`; values are 64-bit integers.
pub fn parse_op(text: &str) -> Result<Op, String> {
    let t = text.trim();
    let key_of = |k: &str| -> Result<u8, String> {
        let k = k.trim();
        match k.as_bytes() {
            [c] if c.is_ascii_lowercase() => Ok(*c),
            _ => Err(format!("bad key {k:?}: keys are one letter a–z")),
        }
    };
    if let Some((k, v)) = t.split_once("<-") {
        let key = key_of(k)?;
        let value = v.trim().parse::<i64>().map_err(|_| format!("bad value {:?}: expected an integer", v.trim()))?;
        return Ok(Op::Set { key, value });
    }
    if let Some((k, v)) = t.split_once("+=") {
        let key = key_of(k)?;
        let delta =
            v.trim().parse::<i64>().map_err(|_| format!("bad increment {:?}: expected an integer", v.trim()))?;
        return Ok(Op::Add { key, delta });
    }
    if let Some(k) = t.strip_suffix('?') {
        return Ok(Op::Get { key: key_of(k)? });
    }
    Err(format!("cannot read command {t:?}: write `x <- 3`, add `x += 1` or read `x?`"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    struct Ctx(SimConfig);
    impl Context for Ctx {
        fn leader(&self) -> Option<NodeId> {
            Some(3)
        }
        fn config(&self) -> &SimConfig {
            &self.0
        }
    }

    #[test]
    fn parses_writes_and_reads() {
        assert_eq!(parse_op(" x <- 3 "), Ok(Op::Set { key: b'x', value: 3 }));
        assert_eq!(parse_op("y<--12"), Ok(Op::Set { key: b'y', value: -12 }));
        assert_eq!(parse_op("z?"), Ok(Op::Get { key: b'z' }));
        assert_eq!(parse_op("c += -2"), Ok(Op::Add { key: b'c', delta: -2 }));
    }

    #[test]
    fn rejects_malformed_commands_with_a_reason() {
        assert!(parse_op("xx <- 3").unwrap_err().contains("bad key"));
        assert!(parse_op("x <- three").unwrap_err().contains("bad value"));
        assert!(parse_op("X?").unwrap_err().contains("bad key"));
        assert!(parse_op("hello").unwrap_err().contains("cannot read"));
        assert!(parse_op("").is_err());
    }

    /// One of every action (and every switch changed), for round-trip tests.
    pub fn every_action() -> Vec<Action> {
        let o = raft::Options {
            pre_vote: true,
            check_quorum: true,
            vote_lease: false,
            read_index: true,
            conflict_hint: false,
            leader_noop: false,
            snapshot_threshold: 17,
            max_entries_per_append: 3,
            election_timeout_min: 150_000,
            broken: raft::Broken(raft::Broken::mask()),
        };
        let n = NetConfig {
            latency_min_us: 1_500,
            latency_max_us: 30_000,
            drop_ppm: 45_796,
            duplicate_ppm: 1,
            reorder_ppm: 1_000_000,
            fsync_us: 2_500,
        };
        vec![
            Action::Crash(1),
            Action::Restart(2),
            Action::Timeout(3),
            Action::Request { server: 4, op: Op::Set { key: b'x', value: -42 } },
            Action::Request { server: 5, op: Op::Add { key: b'a', delta: i64::MAX } },
            Action::Request { server: 1, op: Op::Get { key: b'z' } },
            Action::Isolate(5),
            Action::Partition(vec![vec![1, 2], vec![3, 4, 5]]),
            Action::Partition(vec![]),
            Action::Link { a: 1, b: 2, up: false },
            Action::Link { a: 3, b: 1, up: true },
            Action::OneWay { from: 2, to: 5, up: false },
            Action::OneWay { from: 5, to: 2, up: true },
            Action::Heal,
            Action::SetNet(n),
            Action::SetOptions(o),
            Action::AddServer,
            Action::RemoveServer(2),
            Action::Change { add: vec![6, 7], remove: vec![1, 2] },
            Action::Transfer(4),
            Action::SetLog { server: 1, terms: vec![1, 1, 4, 4, 5, 6, 6, 6] },
            Action::SetLog { server: 7, terms: vec![] },
            Action::SetTerm { server: 2, term: 8 },
            Action::SetCommit { server: 3, index: 7 },
            Action::DropMessage(0),
            Action::DuplicateMessage(u64::MAX),
            Action::DeliverMessage(42),
            Action::Heartbeat(3),
            Action::Flush(2),
            Action::Retry { request: 7, server: 3 },
            Action::Hold(true),
            Action::Hold(false),
        ]
    }

    #[test]
    fn every_action_reads_back_from_its_line() {
        let ctx = Ctx(SimConfig::default());
        for a in every_action() {
            let line = a.to_string();
            assert_eq!(Action::parse(&line, &ctx), Some(Ok(a.clone())), "{line}");
        }
        assert_eq!(Action::parse("crash leader", &ctx), Some(Ok(Action::Crash(3))));
        assert_eq!(Action::parse("cut 1-2", &ctx), Some(Ok(Action::Link { a: 1, b: 2, up: false })));
        assert!(Action::parse("run 1s", &ctx).is_none());
        assert!(Action::parse("crash", &ctx).unwrap().is_err());
        assert!(Action::parse("crash 1 2", &ctx).unwrap().is_err());
        assert!(Action::parse("crash 99", &ctx).unwrap().is_err());
        assert_eq!(Action::parse("log 2 1 3", &ctx), Some(Ok(Action::SetLog { server: 2, terms: vec![1, 3] })));
        assert!(Action::parse("log S1 1 x", &ctx).unwrap().unwrap_err().contains("bad term \"x\""));
        assert!(Action::parse("term S1", &ctx).unwrap().unwrap_err().contains("a server and a number"));
        assert!(Action::parse("commit S1 -1", &ctx).unwrap().unwrap_err().contains("bad index"));
        assert!(Action::parse("drop-message", &ctx).unwrap().unwrap_err().contains("one message id"));
        assert!(Action::parse("drop-message 1 2", &ctx).unwrap().unwrap_err().contains("one message id"));
        assert!(Action::parse("duplicate-message S1", &ctx).unwrap().unwrap_err().contains("bad message id"));
        assert!(Action::parse("hold 1", &ctx).unwrap().unwrap_err().contains("no arguments"));
        assert!(Action::parse("deliver-message", &ctx).unwrap().unwrap_err().contains("one message id"));
        assert!(Action::parse("set bogus=1", &ctx).unwrap().unwrap_err().contains("unknown setting"));
        assert!(Action::parse("set drop=5%", &ctx).unwrap().unwrap_err().contains("cannot change"));
        // A partial `set` keeps the other switches as they are.
        let Some(Ok(Action::SetOptions(o))) = Action::parse("set pre_vote=on", &ctx) else { panic!() };
        assert_eq!(o, raft::Options { pre_vote: true, ..SimConfig::default().raft });
    }
}
