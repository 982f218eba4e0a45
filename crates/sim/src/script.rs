//! Scenario scripts: short, readable text that drives a simulated cluster and checks it.
//!
//! ```text
//! # a comment
//! config servers=5 seed=7 election=100ms heartbeat=50ms latency=10-15ms drop=0% dup=0% reorder=0%
//! run 1s                  # advance simulated time
//! expect leader           # fails the script if there is no leader
//! request leader x <- 3   # a client command to a server (a number or `leader`)
//! crash leader            # crash / restart / timeout / isolate SERVER; `restart-all`
//! partition 1,2 | 3,4,5   # groups that can only talk inside themselves; `heal` undoes all
//! cut 1 2                 # cut one link; `repair 1 2` restores it
//! net drop=5% dup=1%      # change the network from now on
//! show                    # print every server's state (golden traces)
//! expect committed x <- 3 # the command is committed on a majority
//! expect no-leader | expect leader 3 | expect term 2 | expect not-committed x <- 3
//! expect voters 1,2,3 | expect learners 4 | expect role 2 follower | expect term-of 2 5
//! expect snapshot 2 | expect kv 2 x=3 | expect last-index 2 7 | expect answered 3 value 7
//! add-server | remove SERVER | transfer SERVER   # membership changes, leadership transfer
//! digest                  # print the run's fingerprint
//! expect violation        # (last line) the run must break a safety property; it stops there
//! ```
//! The same scripts run natively (`raft-sim run FILE`) and in wasm (`Playground.run_script`).

use crate::action::{parse_op, Action};
use crate::cluster::{Sim, SimConfig};
use raft::{EntryData, NodeId, Op, Role};
use std::fmt::Write;

/// Run a script and return what it printed. An `expect` that does not hold, a malformed line or a
/// safety violation is an error naming the line.
pub fn run(text: &str) -> Result<String, String> {
    run_full(text).map(|r| r.out)
}

/// A script compiled to what replays it: the configuration it started from and every action with
/// its time (`leader` already resolved to a server), plus how long it ran.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub cfg: SimConfig,
    pub actions: Vec<(u64, Action)>,
    pub end: u64,
    /// The run's fingerprint at the end.
    pub digest: u64,
    pub out: String,
}

/// Run a script and keep what replays it live (the page's scenarios).
pub fn record(text: &str) -> Result<Recorded, String> {
    run_full(text)
}

fn run_full(text: &str) -> Result<Recorded, String> {
    let mut runner =
        Runner { cfg: SimConfig { check_persistence: true, ..SimConfig::default() }, sim: None, out: String::new() };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        runner.line(line).map_err(|e| format!("line {}: `{line}`: {e}", n + 1))?;
        if let Some(v) = runner.sim.as_ref().and_then(|s| s.violations.first()) {
            // A script that demonstrates a broken rule ends with `expect violation`.
            if text.lines().skip(n + 1).any(|l| l.split('#').next().unwrap_or("").trim() == "expect violation") {
                let state = show(runner.sim.as_ref().expect("running"));
                let _ = writeln!(runner.out, "violation: {v}");
                runner.out.push_str(&state);
                break;
            }
            return Err(format!("line {}: `{line}`: {v}\n{}", n + 1, runner.out));
        }
    }
    runner.sim()?;
    let sim = runner.sim.take().expect("created");
    Ok(Recorded { cfg: runner.cfg, digest: sim.digest(), actions: sim.actions, end: sim.time, out: runner.out })
}

struct Runner {
    cfg: SimConfig,
    sim: Option<Sim>,
    out: String,
}

/// `250ms`, `1.5s`, `300us`, or a bare number of milliseconds → µs.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, scale) = if let Some(v) = s.strip_suffix("us") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix("ms") {
        (v, 1e3)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1e6)
    } else {
        (s, 1e3)
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("bad duration {s:?}"))?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(format!("bad duration {s:?}"));
    }
    Ok((v * scale).round() as u64)
}

fn parse_percent(s: &str) -> Result<u32, String> {
    let v: f64 = s.trim_end_matches('%').parse().map_err(|_| format!("bad percentage {s:?}"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(format!("percentage {s:?} out of 0–100"));
    }
    Ok((v * 10_000.0).round() as u32)
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("expected on/off, got {s:?}")),
    }
}

impl Runner {
    fn sim(&mut self) -> Result<&mut Sim, String> {
        if self.sim.is_none() {
            self.sim = Some(Sim::new(self.cfg.clone())?);
        }
        Ok(self.sim.as_mut().unwrap())
    }

    fn server(&mut self, word: &str) -> Result<NodeId, String> {
        let sim = self.sim()?;
        if word == "leader" {
            return sim.leader().ok_or_else(|| "there is no leader".to_string());
        }
        word.trim_start_matches('S').parse::<NodeId>().map_err(|_| format!("bad server {word:?}"))
    }

    fn settings(&mut self, words: &[&str], net_only: bool) -> Result<(), String> {
        let mut c = match &self.sim {
            Some(s) => s.cfg.clone(),
            None => self.cfg.clone(),
        };
        for w in words {
            let (k, v) = w.split_once('=').ok_or_else(|| format!("expected key=value, got {w:?}"))?;
            match (k, net_only) {
                ("latency", _) => {
                    // `10-15ms`: the unit of the upper bound applies to a bare lower bound.
                    let (lo, hi) = v.split_once('-').unwrap_or((v, v));
                    let unit = hi.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                    let lo =
                        if lo.ends_with(|c: char| c.is_ascii_digit()) { format!("{lo}{unit}") } else { lo.to_string() };
                    c.net.latency_min_us = parse_duration(&lo)?;
                    c.net.latency_max_us = parse_duration(hi)?;
                }
                ("drop", _) => c.net.drop_ppm = parse_percent(v)?,
                ("dup", _) => c.net.duplicate_ppm = parse_percent(v)?,
                ("reorder", _) => c.net.reorder_ppm = parse_percent(v)?,
                ("servers", false) => c.servers = v.parse().map_err(|_| format!("bad servers {v:?}"))?,
                ("seed", false) => c.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?,
                ("election", false) => c.election_timeout_us = parse_duration(v)?,
                ("heartbeat", false) => c.heartbeat_us = parse_duration(v)?,
                ("hint", false) => c.raft.conflict_hint = parse_bool(v)?,
                ("prevote", false) => c.raft.pre_vote = parse_bool(v)?,
                ("noop", false) => c.raft.leader_noop = parse_bool(v)?,
                ("checkquorum", false) => c.raft.check_quorum = parse_bool(v)?,
                ("lease", false) => c.raft.vote_lease = parse_bool(v)?,
                ("readindex", false) => c.raft.read_index = parse_bool(v)?,
                ("snapshot", false) => {
                    c.raft.snapshot_threshold = v.parse().map_err(|_| format!("bad snapshot threshold {v:?}"))?
                }
                ("client-timeout", false) => c.client_timeout_us = parse_duration(v)?,
                ("max-entries", false) => {
                    c.raft.max_entries_per_append = v.parse().map_err(|_| format!("bad max-entries {v:?}"))?
                }
                ("unsafe-commit-old-terms", false) => c.raft.unsafe_commit_old_terms = parse_bool(v)?,
                _ => return Err(format!("unknown setting {k:?}")),
            }
        }
        if net_only {
            self.sim()?.act(Action::SetNet(c.net))
        } else {
            if self.sim.is_some() {
                return Err("config must come before the first command that runs the cluster".into());
            }
            c.validate()?;
            self.cfg = c;
            Ok(())
        }
    }

    fn line(&mut self, line: &str) -> Result<(), String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let rest = |k: usize| words[k..].join(" ");
        let arg = |k: usize| words.get(k).copied().ok_or_else(|| "missing argument".to_string());
        match words[0] {
            "config" => self.settings(&words[1..], false),
            "net" => self.settings(&words[1..], true),
            "run" => {
                let d = parse_duration(arg(1)?)?;
                self.sim()?.run_for(d);
                Ok(())
            }
            "crash" | "restart" | "timeout" | "isolate" => {
                let id = self.server(arg(1)?)?;
                let a = match words[0] {
                    "crash" => Action::Crash(id),
                    "restart" => Action::Restart(id),
                    "timeout" => Action::Timeout(id),
                    _ => Action::Isolate(id),
                };
                self.sim()?.act(a)
            }
            "request" => {
                let server = self.server(arg(1)?)?;
                let op = parse_op(&rest(2))?;
                self.sim()?.act(Action::Request { server, op })
            }
            "partition" => {
                let groups = rest(1)
                    .split('|')
                    .filter(|g| !g.trim().is_empty()) // an empty group changes nothing
                    .map(|g| g.split(',').map(|s| self.server(s.trim())).collect::<Result<Vec<_>, _>>())
                    .collect::<Result<Vec<_>, _>>()?;
                self.sim()?.act(Action::Partition(groups))
            }
            "cut" | "repair" => {
                let (a, b) = (self.server(arg(1)?)?, self.server(arg(2)?)?);
                self.sim()?.act(Action::Link { a, b, up: words[0] == "repair" })
            }
            "heal" => self.sim()?.act(Action::Heal),
            "add-server" => self.sim()?.act(Action::AddServer),
            "remove" => {
                let id = self.server(arg(1)?)?;
                self.sim()?.act(Action::RemoveServer(id))
            }
            "transfer" => {
                let id = self.server(arg(1)?)?;
                self.sim()?.act(Action::Transfer(id))
            }
            "restart-all" => {
                let sim = self.sim()?;
                let crashed: Vec<NodeId> = sim.servers.iter().filter(|s| s.node.is_none()).map(|s| s.id).collect();
                crashed.into_iter().try_for_each(|id| sim.act(Action::Restart(id)))
            }
            "show" => {
                let s = show(self.sim()?);
                self.out.push_str(&s);
                Ok(())
            }
            "digest" => {
                let sim = self.sim()?;
                let line = format!(
                    "digest {:016x} at {}ms after {} events\n",
                    sim.digest(),
                    sim.time / 1000,
                    sim.stats.events
                );
                self.out.push_str(&line);
                Ok(())
            }
            "expect" => self.expect(&words[1..]),
            w => Err(format!("unknown command {w:?}")),
        }
    }

    fn expect(&mut self, words: &[&str]) -> Result<(), String> {
        let sim = self.sim()?;
        match words {
            ["violation"] => Err("expected a safety violation, none happened".into()),
            ["leader"] => sim.leader().map(|_| ()).ok_or_else(|| "expected a leader, there is none".into()),
            ["leader", id] => {
                let want: NodeId = id.trim_start_matches('S').parse().map_err(|_| format!("bad server {id:?}"))?;
                match sim.leader() {
                    Some(l) if l == want => Ok(()),
                    other => Err(format!("expected leader S{want}, found {other:?}")),
                }
            }
            ["no-leader"] => match sim.leader() {
                None => Ok(()),
                Some(l) => Err(format!("expected no leader, found S{l}")),
            },
            ["term", t] => {
                let want: u64 = t.parse().map_err(|_| format!("bad term {t:?}"))?;
                let got = sim.max_term();
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected term {want}, found {got}"))
                }
            }
            ["committed", op @ ..] | ["not-committed", op @ ..] => {
                let op = parse_op(&op.join(" "))?;
                let count = committed_on(sim, op);
                let majority = sim.servers.len() / 2 + 1;
                let want = words[0] == "committed";
                if (count >= majority) == want {
                    Ok(())
                } else {
                    Err(format!("`{op}` is committed on {count} servers (majority {majority})"))
                }
            }
            ["voters", ids] | ["learners", ids] => {
                let want = parse_ids(ids)?;
                let c = sim.config();
                let got = if words[0] == "voters" { c.voters } else { c.learners };
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected {} {want}, the configuration is {c}", words[0]))
                }
            }
            ["role", id, role] => {
                let id = self.server(id)?;
                let sim = self.sim()?;
                let got = match sim.node(id) {
                    None => "crashed",
                    Some(n) => match n.role {
                        Role::Follower => "follower",
                        Role::PreCandidate => "precandidate",
                        Role::Candidate => "candidate",
                        Role::Leader => "leader",
                    },
                };
                if got == *role {
                    Ok(())
                } else {
                    Err(format!("expected S{id} {role}, it is {got}"))
                }
            }
            ["term-of", id, t] => {
                let id = self.server(id)?;
                let want: u64 = t.parse().map_err(|_| format!("bad term {t:?}"))?;
                let got = self.sim()?.node(id).map_or(0, |n| n.current_term);
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected S{id} in term {want}, it is in term {got}"))
                }
            }
            ["answered", n, rest @ ..] => {
                // `expect answered 2` / `expect answered 2 value 7`: the n-th request got its answer.
                let k: usize = n.parse().map_err(|_| format!("bad request number {n:?}"))?;
                let op = sim.client_ops.get(k.wrapping_sub(1)).ok_or_else(|| format!("there is no request {k}"))?;
                let want = match rest {
                    [] => None,
                    ["value", v] => Some(v.parse::<i64>().map_err(|_| format!("bad value {v:?}"))?),
                    _ => return Err("expected `answered N` or `answered N value V`".into()),
                };
                match op.outcome {
                    crate::clients::Outcome::Ok { value, .. } if want.is_none() || value == want => Ok(()),
                    other => Err(format!("request {k} ({}) is {other:?}", op.op)),
                }
            }
            ["last-index", id, want] => {
                let id = self.server(id)?;
                let want: u64 = want.parse().map_err(|_| format!("bad index {want:?}"))?;
                let got = self.sim()?.node(id).ok_or("that server is crashed")?.log.last_index();
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected S{id}'s log to end at index {want}, it ends at {got}"))
                }
            }
            ["snapshot", id] => {
                let id = self.server(id)?;
                let n = self.sim()?.node(id).ok_or("that server is crashed")?;
                if n.snapshot.last_index > 0 {
                    Ok(())
                } else {
                    Err(format!("S{id} has no snapshot"))
                }
            }
            ["kv", id, kv] => {
                let id = self.server(id)?;
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("expected key=value, got {kv:?}"))?;
                let want: Option<i64> =
                    if v == "none" { None } else { Some(v.parse().map_err(|_| format!("bad value {v:?}"))?) };
                let n = self.sim()?.node(id).ok_or("that server is crashed")?;
                let got = n.state_machine.get(k.as_bytes().first().copied().unwrap_or(0));
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected {kv} on S{id}, found {got:?}"))
                }
            }
            _ => Err(format!("unknown expectation {:?}", words.join(" "))),
        }
    }
}

fn parse_ids(list: &str) -> Result<raft::Set, String> {
    let mut set = raft::Set::EMPTY;
    for w in list.split(',').filter(|w| !w.is_empty() && *w != "-") {
        set.insert(w.trim_start_matches('S').parse().map_err(|_| format!("bad server {w:?}"))?);
    }
    Ok(set)
}

/// An action as a script line (the inverse of the parser), for turning recorded runs into scripts.
pub fn action_line(a: &Action) -> String {
    let ids = |g: &[NodeId]| g.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    match a {
        Action::Crash(id) => format!("crash {id}"),
        Action::Restart(id) => format!("restart {id}"),
        Action::Timeout(id) => format!("timeout {id}"),
        Action::Isolate(id) => format!("isolate {id}"),
        Action::Request { server, op } => format!("request {server} {op}"),
        Action::Partition(groups) => {
            format!("partition {}", groups.iter().map(|g| ids(g)).collect::<Vec<_>>().join(" | "))
        }
        Action::Link { a, b, up } => format!("{} {a} {b}", if *up { "repair" } else { "cut" }),
        Action::Heal => "heal".into(),
        Action::AddServer => "add-server".into(),
        Action::RemoveServer(id) => format!("remove {id}"),
        Action::Transfer(id) => format!("transfer {id}"),
        Action::SetNet(n) => format!(
            "net latency={}-{}us drop={}% dup={}% reorder={}%",
            n.latency_min_us,
            n.latency_max_us,
            n.drop_ppm as f64 / 1e4,
            n.duplicate_ppm as f64 / 1e4,
            n.reorder_ppm as f64 / 1e4
        ),
        Action::SetOptions(o) => format!(
            "# options: prevote={} checkquorum={} readindex={} hint={} snapshot={}",
            o.pre_vote, o.check_quorum, o.read_index, o.conflict_hint, o.snapshot_threshold
        ),
    }
}

/// On how many live servers `op` lies within the committed prefix.
fn committed_on(sim: &Sim, op: Op) -> usize {
    sim.servers
        .iter()
        .filter_map(|s| s.node.as_ref())
        .filter(|n| {
            (n.log.first_index()..=n.commit_index)
                .any(|i| matches!(n.log.get(i).map(|e| e.data), Some(EntryData::Command(c)) if c.op == op))
        })
        .count()
}

/// Every server on one line: role, term, vote, commit index and the log as terms (a `|` after the
/// last committed entry), plus the applied key-value state.
pub fn show(sim: &Sim) -> String {
    let mut out = String::new();
    let leader = sim.leader().map_or("none".to_string(), |l| format!("S{l}"));
    let _ = writeln!(out, "t={}ms term {} leader {} config {}", sim.time / 1000, sim.max_term(), leader, sim.config());
    for s in &sim.servers {
        let Some(n) = &s.node else {
            let _ =
                writeln!(out, "  S{} crashed   term {} log {}", s.id, s.storage.current_term, terms(&s.storage.log, 0));
            continue;
        };
        let role = match n.role {
            Role::Follower => "follower",
            Role::PreCandidate => "precand",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        };
        let vote = n.voted_for.map_or("-".to_string(), |v| format!("S{v}"));
        let kv: Vec<String> = n.state_machine.iter().map(|(k, v)| format!("{}={v}", k as char)).collect();
        let snap = if n.snapshot.last_index > 0 {
            format!("snap {}@{} ", n.snapshot.last_index, n.snapshot.last_term)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  S{} {role:<9} term {} vote {vote} commit {} {snap}log {}{}{}",
            s.id,
            n.current_term,
            n.commit_index,
            terms(&n.log, n.commit_index),
            if kv.is_empty() { "" } else { " kv " },
            kv.join(",")
        );
    }
    out
}

fn terms(log: &raft::Log, commit: u64) -> String {
    let mut s = String::from("[");
    for (k, e) in log.entries().iter().enumerate() {
        let index = log.first_index() + k as u64;
        if k > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{}", e.term);
        if index == commit && index != log.last_index() {
            s.push('|');
        }
    }
    if commit > 0 && commit == log.last_index() {
        s.push('|');
    }
    s.push(']');
    s
}
