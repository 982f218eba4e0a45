//! Scenario scripts: short, readable text that drives a simulated cluster and checks it.
//!
//! ```text
//! # a comment
//! config servers=5 seed=7 election_timeout=100ms heartbeat=50ms latency=10-15ms drop=0% pre_vote=on
//!                         # every setting by its one name (`sim::settings`; `raft-sim settings`)
//! log S1 1 1 4 4          # set-up, before the first run (`sim::setup`): S1's log by entry terms,
//! term S1 7               # its current term (no vote),
//! commit S1 3             # and that it has committed and applied through index 3
//! run 1s                  # advance simulated time
//! expect leader           # fails the script if there is no leader
//! request leader x <- 3   # a client command to a server (a number or `leader`)
//! crash leader            # crash / restart / timeout / isolate SERVER; `restart-all`
//! partition 1,2 | 3,4,5   # groups that can only talk inside themselves; `heal` undoes all
//! cut 1 2                 # cut one link; `repair 1 2` restores it
//! net drop=5% duplicate=1%   # change the network from now on
//! set pre_vote=on         # change protocol switches from now on
//! show                    # print every server's state (golden traces)
//! expect committed x <- 3 # the command is committed on a majority
//! expect no-leader | expect leader 3 | expect term 2 | expect not-committed x <- 3
//! expect voters 1,2,3 | expect learners 4 | expect outgoing 1,2,3 (C_old while joint; `-`: none) | expect role 2 follower | expect term-of 2 5
//! expect snapshot 2 | expect kv 2 x=3 | expect last-index 2 7 | expect answered 3 value 7
//! expect log 2 1 1 4 4    # S2's whole log by terms from index 1 (`_`: compacted, term unknown)
//! add-server | remove SERVER | transfer SERVER   # membership changes, leadership transfer
//! drop-message 17 | duplicate-message 17          # lose / deliver twice one message in flight
//!                         # (by its id: flights are numbered in the order they are sent)
//! digest                  # print the run's fingerprint
//! trace on | trace off    # print every message delivered and every role, term, log and commit
//!                         # change from now on (the golden transcripts trace from the first line)
//! expect violation        # (last line) the run must break a safety property; it stops there
//! ```
//! The same scripts run natively (`raft-sim run FILE`) and in wasm (`Playground.run_script`);
//! [`transcript`] prints one as a datadriven transcript, each command with its output.

use crate::action::{parse_op, parse_server, set_word, Action};
use crate::cluster::Sim;
use crate::config::SimConfig;
use crate::datadriven::{Block, Transcript};
use crate::record::Record;
pub use crate::settings::parse_duration;
use crate::settings::Group;
use crate::timeline::Timeline;
use crate::Meter;
use raft::{EntryData, NodeId, Op, Role, Term};
use std::fmt::Write;

/// Run a script and return what it printed. An `expect` that does not hold, a malformed line or a
/// safety violation is an error naming the line.
pub fn run(text: &str) -> Result<String, String> {
    run_full(text, false, false, &Limits::DEFAULT).0.map(|r| r.0.out)
}

/// Run a script and print its narration too: every election, vote, commit, answer, action.
pub fn run_narrated(text: &str) -> Result<String, String> {
    run_full(text, true, false, &Limits::DEFAULT).0.map(|r| r.0.out)
}

/// Run a script and return its datadriven transcript ([`crate::datadriven`]): every command, with
/// the comments above it, and what it printed. `trace`: as if the script began with `trace on`
/// (the golden transcripts `tests/scenarios/*.golden`, `raft-sim run --trace`).
pub fn transcript(text: &str, trace: bool) -> Result<String, String> {
    run_full(text, false, trace, &Limits::DEFAULT).0.map(|r| r.1.render())
}

/// A script compiled to what replays it: the run's record (`leader` already resolved to a
/// server), how long it ran, its fingerprint at the end, and what it printed.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub record: Record,
    pub end: u64,
    pub digest: u64,
    pub out: String,
}

/// Run a script and keep what replays it live (the page's scenarios).
pub fn record(text: &str) -> Result<Recorded, String> {
    run_full(text, false, false, &Limits::DEFAULT).0.map(|r| r.0)
}

/// What one script may ask for. Scripts come from outside (the page's inline stories,
/// `Playground.run_script`, links to scenarios), so a script is bounded: its text, its simulated
/// time, the simulator's work ([`crate::Meter`]: events, entries sent and written), the log entries its
/// `expect` and `show` lines read, and what it prints. Going past any of them is an error naming
/// the line, like any other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of script text.
    pub text: usize,
    /// The script's clock may not pass this (µs).
    pub time_us: u64,
    /// Work units ([`crate::Meter`]) the whole script may use.
    pub work: u64,
    /// Log entries `expect` and `show` lines may read, in all.
    pub scan: u64,
    /// Bytes of output (`show`, `digest`, `trace`, narration).
    pub output: usize,
}

impl Limits {
    /// The limits every script runs under.
    pub const DEFAULT: Limits = Limits {
        text: 1 << 20,
        time_us: crate::settings::MAX_DURATION_US,
        work: crate::limits::MAX_WORK_PER_CALL,
        scan: 100_000_000,
        output: 16 << 20,
    };
}

/// What a script used of its [`Limits`] (whether it succeeded or not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Used {
    pub time_us: u64,
    pub work: u64,
    pub scan: u64,
    pub output: usize,
}

/// Run a script under `limits`: its record (or the error naming the line), and what it used.
pub fn run_limited(text: &str, limits: &Limits) -> (Result<Recorded, String>, Used) {
    let (r, used) = run_full(text, false, false, limits);
    (r.map(|r| r.0), used)
}

fn run_full(text: &str, narrate: bool, trace: bool, limits: &Limits) -> (Result<(Recorded, Transcript), String>, Used) {
    let mut runner = Runner {
        cfg: SimConfig { check_persistence: true, ..SimConfig::default() },
        tl: None,
        out: String::new(),
        narrate,
        trace,
        told: 0,
        limits: *limits,
        scanned: 0,
    };
    let r = runner.script(text);
    let used = Used {
        time_us: runner.tl.as_ref().map_or(0, |t| t.sim().time),
        work: runner.tl.as_ref().map_or(0, |t| t.work_done()),
        scan: runner.scanned,
        output: r.as_ref().map_or(runner.out.len(), |(rec, _)| rec.out.len()),
    };
    (r, used)
}

impl Runner {
    fn script(&mut self, text: &str) -> Result<(Recorded, Transcript), String> {
        if text.len() > self.limits.text {
            return Err(format!(
                "the script is {} bytes long: a script may be at most {} bytes",
                text.len(),
                self.limits.text
            ));
        }
        let runner = self;
        let mut transcript = Transcript::default();
        // Comment lines since the last command: they go with the next one.
        let mut comments = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                if !raw.trim().is_empty() {
                    comments.push(raw.trim().to_string());
                }
                continue;
            }
            let start = runner.out.len();
            let r = runner.line(line);
            runner.tell();
            r.and_then(|()| runner.check_output())
                .and_then(|()| runner.check_work())
                .map_err(|e| format!("line {}: `{line}`: {e}", n + 1))?;
            let mut stop = false;
            if let Some(v) = runner.tl.as_ref().and_then(|t| t.sim().violations.first()) {
                // A script that demonstrates a broken rule ends with `expect violation`.
                if text.lines().skip(n + 1).any(|l| l.split('#').next().unwrap_or("").trim() == "expect violation") {
                    let state = show(runner.tl.as_ref().expect("running").sim());
                    let _ = writeln!(runner.out, "violation: {v}");
                    runner.out.push_str(&state);
                    stop = true;
                } else {
                    return Err(format!("line {}: `{line}`: {v}\n{}", n + 1, runner.out));
                }
            }
            transcript.blocks.push(Block {
                comments: std::mem::take(&mut comments),
                command: raw.trim().to_string(),
                line: n + 1,
                output: Some(runner.out[start..].to_string()),
            });
            if stop {
                break;
            }
        }
        transcript.trailing = comments;
        runner.sim()?;
        let tl = runner.tl.as_ref().expect("created");
        let sim = tl.sim();
        let recorded = Recorded {
            digest: sim.digest(),
            end: sim.time,
            record: tl.record().clone(),
            out: std::mem::take(&mut runner.out),
        };
        Ok((recorded, transcript))
    }

    /// The output so far is within its limit.
    fn check_output(&self) -> Result<(), String> {
        if self.out.len() > self.limits.output {
            return Err(format!(
                "the script's output passed {} bytes, the most a script may print",
                self.limits.output
            ));
        }
        Ok(())
    }

    /// The work so far (actions do work too: each request a leader takes sends entries) is within
    /// its limit.
    fn check_work(&self) -> Result<(), String> {
        match &self.tl {
            Some(tl) if tl.budget_exhausted() => Err(format!(
                "the script has done {} units of work (events, entries sent and written), the most a script may do",
                tl.work_done()
            )),
            _ => Ok(()),
        }
    }

    /// Count `entries` read by an `expect` or `show` line against the limit.
    fn scan(&mut self, entries: u64) -> Result<(), String> {
        self.scanned = self.scanned.saturating_add(entries);
        if self.scanned > self.limits.scan {
            return Err(format!(
                "the script's `expect` and `show` lines have read more than {} log entries, the most a script may",
                self.limits.scan
            ));
        }
        Ok(())
    }
}

struct Runner {
    cfg: SimConfig,
    tl: Option<Timeline>,
    out: String,
    /// Print the narration as the run goes (`raft-sim run --narrate`).
    narrate: bool,
    /// Print the trace as the run goes (`trace on`).
    trace: bool,
    told: usize,
    limits: Limits,
    /// Log entries read by `expect` and `show` lines so far.
    scanned: u64,
}

impl Runner {
    fn timeline(&mut self) -> Result<&mut Timeline, String> {
        if self.tl.is_none() {
            let mut tl = Timeline::new(self.cfg.clone())?;
            tl.set_trace(self.trace);
            tl.set_budget(self.limits.work);
            self.tl = Some(tl);
        }
        Ok(self.tl.as_mut().unwrap())
    }

    fn sim(&mut self) -> Result<&Sim, String> {
        Ok(self.timeline()?.sim())
    }

    /// Print the notes (when narrating) and trace lines that are new since the last call.
    fn tell(&mut self) {
        let Some(tl) = &mut self.tl else { return };
        if self.narrate {
            for n in &tl.notes()[self.told..] {
                let _ = writeln!(self.out, "  {:>10}ms  {}", crate::settings::ms3(n.time), tl.note_text(n));
            }
            self.told = tl.notes().len();
        }
        for line in tl.take_trace() {
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }

    /// Run the cluster to `t`. With the trace on it goes in slices of work, printing as it goes, so
    /// the output limit holds inside one long `run`. Running out of work is an error.
    fn run_to(&mut self, t: u64) -> Result<(), String> {
        const SLICE: u64 = 1 << 12;
        loop {
            let tl = self.tl.as_mut().expect("created");
            let before = tl.meter();
            let start = tl.sim().time;
            if self.trace {
                tl.set_meter(Meter { limit: before.limit.min(before.used.saturating_add(SLICE)), ..before });
            }
            tl.run_until(t);
            let after = tl.meter();
            tl.set_meter(Meter { limit: before.limit, ..after });
            let (now, stopped) = (tl.sim().time, !tl.sim().violations.is_empty());
            self.tell();
            self.check_output()?;
            if now >= t || stopped {
                return Ok(());
            }
            if after.used >= before.limit {
                return Err(format!(
                    "the script stopped at {} after {} units of work (events, entries sent and written), the most a script \
                     may do: this `run` was to go on to {}",
                    duration_text(now),
                    after.used,
                    duration_text(t)
                ));
            }
            if after.used == before.used && now == start {
                return Err("the run made no progress".into());
            }
        }
    }

    /// A server of the cluster, by the name a script gives it (`3`, `S3`, `leader`).
    fn server(&mut self, word: &str) -> Result<NodeId, String> {
        let sim = self.sim()?;
        let id = parse_server(word, sim)?;
        let n = sim.servers.len();
        if id == 0 || id as usize > n {
            return Err(format!("no server S{id}: servers are S1–S{n}"));
        }
        Ok(id)
    }

    fn line(&mut self, line: &str) -> Result<(), String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let arg = |k: usize| words.get(k).copied().ok_or_else(|| format!("`{}` needs an argument", words[0]));
        match words[0] {
            "config" => {
                if self.tl.is_some() {
                    return Err("config must come before the first command that runs the cluster".into());
                }
                let mut c = self.cfg.clone();
                for w in &words[1..] {
                    let (k, v) = w.split_once('=').ok_or_else(|| format!("expected name=value, got {w:?}"))?;
                    set_word(&mut c, k, v, Group::Run)?;
                }
                c.validate()?;
                self.cfg = c;
                Ok(())
            }
            "run" => {
                if words.len() > 2 {
                    return Err("`run` takes one duration".into());
                }
                let d = parse_duration(arg(1)?)?;
                let limit = self.limits.time_us;
                let t = self.timeline()?.sim().time.saturating_add(d);
                if t > limit {
                    return Err(format!(
                        "this would run the script to {}: a script runs at most {} of simulated time",
                        duration_text(t),
                        duration_text(limit)
                    ));
                }
                self.run_to(t)
            }
            "trace" => {
                let on = match words[1..] {
                    ["on"] => true,
                    ["off"] => false,
                    _ => return Err("expected `trace on` or `trace off`".into()),
                };
                self.trace = on;
                if let Some(tl) = &mut self.tl {
                    tl.set_trace(on);
                }
                Ok(())
            }
            "restart-all" => {
                let tl = self.timeline()?;
                let crashed: Vec<NodeId> = tl.sim().servers.iter().filter(|s| s.node.is_none()).map(|s| s.id).collect();
                crashed.into_iter().try_for_each(|id| tl.act(Action::Restart(id)))
            }
            "show" => {
                let entries = log_entries(self.sim()?);
                self.scan(entries)?;
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
            w => {
                let action = Action::parse(line, self.sim()?).ok_or_else(|| format!("unknown command {w:?}"))??;
                self.timeline()?.act(action)
            }
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
                    Some(l) => Err(format!("expected leader S{want}, found S{l}")),
                    None => Err(format!("expected leader S{want}, there is none")),
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
                let entries = log_entries(sim);
                self.scan(entries)?;
                let sim = self.sim()?;
                let count = committed_on(sim, op);
                let majority = sim.servers.len() / 2 + 1;
                let want = words[0] == "committed";
                if (count >= majority) == want {
                    Ok(())
                } else {
                    Err(format!("`{op}` is committed on {count} servers (majority {majority})"))
                }
            }
            ["voters", ids] | ["learners", ids] | ["outgoing", ids] => {
                let want = parse_ids(ids)?;
                let c = sim.config();
                let got = match words[0] {
                    "voters" => c.voters,
                    "learners" => c.learners,
                    _ => c.outgoing,
                };
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
                let op = sim.client_op(k.wrapping_sub(1)).ok_or_else(|| format!("there is no request {k}"))?;
                let want = match rest {
                    [] => None,
                    ["value", v] => Some(v.parse::<i64>().map_err(|_| format!("bad value {v:?}"))?),
                    _ => return Err("expected `answered N` or `answered N value V`".into()),
                };
                match op.outcome {
                    crate::clients::Outcome::Ok { value, .. } if want.is_none() || value == want => Ok(()),
                    crate::clients::Outcome::Ok { value, index } => Err(format!(
                        "request {k} ({}) was answered (index {index}) with {}",
                        op.op,
                        value.map_or("no value".into(), |v| format!("value {v}"))
                    )),
                    crate::clients::Outcome::Pending => Err(format!("request {k} ({}) is still waiting", op.op)),
                    crate::clients::Outcome::Failed => {
                        Err(format!("request {k} ({}) failed: its client gave up", op.op))
                    }
                    crate::clients::Outcome::Expired => {
                        Err(format!("request {k} ({}) failed: its session had expired", op.op))
                    }
                }
            }
            ["last-index", id, want] => {
                let id = self.server(id)?;
                let want: u64 = want.parse().map_err(|_| format!("bad index {want:?}"))?;
                let got = self.sim()?.node(id).ok_or_else(|| format!("S{id} is crashed"))?.log.last_index();
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected S{id}'s log to end at index {want}, it ends at {got}"))
                }
            }
            ["log", id, want @ ..] => {
                // The whole log by terms from index 1; `_` for an entry compacted into a snapshot
                // (whose term only the snapshot's last entry still tells).
                let id = self.server(id)?;
                let want = want
                    .iter()
                    .map(|w| match *w {
                        "_" => Ok(None),
                        w => w
                            .parse()
                            .map(Some)
                            .map_err(|_| format!("bad term {w:?}: a number, or _ for a compacted entry")),
                    })
                    .collect::<Result<Vec<Option<Term>>, String>>()?;
                let sim = self.sim()?;
                let entries = sim.node(id).map_or(&sim.server(id).storage.log, |n| &n.log).last_index();
                self.scan(entries)?;
                let sim = self.sim()?;
                let log = sim.node(id).map_or(&sim.server(id).storage.log, |n| &n.log);
                let got = known_terms(log);
                if got == want {
                    return Ok(());
                }
                if let Some(i) = (0..want.len().min(got.len())).find(|&k| got[k].is_none() && want[k].is_some()) {
                    return Err(format!(
                        "S{id} has compacted index {} into its snapshot (through index {}, term {}): its term there \
                         is not known any more; write _ for it (its log is {})",
                        i + 1,
                        log.offset(),
                        log.term(log.offset()).unwrap_or(0),
                        terms_text(&got)
                    ));
                }
                Err(format!("expected S{id}'s log to be {}, it is {}", terms_text(&want), terms_text(&got)))
            }
            ["snapshot", id] => {
                let id = self.server(id)?;
                let n = self.sim()?.node(id).ok_or_else(|| format!("S{id} is crashed"))?;
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
                let n = self.sim()?.node(id).ok_or_else(|| format!("S{id} is crashed"))?;
                let got = n.state_machine.get(k.as_bytes().first().copied().unwrap_or(0));
                if got == want {
                    Ok(())
                } else {
                    Err(format!("expected {kv} on S{id}, found {}", got.map_or("none".into(), |v| format!("{k}={v}"))))
                }
            }
            _ => Err(format!("unknown expectation {:?}", words.join(" "))),
        }
    }
}

/// Entries in every server's log (what `show` and `expect committed` read).
fn log_entries(sim: &Sim) -> u64 {
    sim.servers.iter().map(|s| s.node.as_ref().map_or(&s.storage.log, |n| &n.log).last_index() + 1).sum()
}

/// A duration as scripts write it, in the largest whole unit (`1h` is `3600s`).
fn duration_text(us: u64) -> String {
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else {
        format!("{}ms", crate::settings::ms3(us).trim_end_matches('0').trim_end_matches('.'))
    }
}

/// A log's terms from index 1, as far as it knows them: `None` inside its compacted prefix (a
/// snapshot knows only the term of its last entry).
fn known_terms(log: &raft::Log) -> Vec<Option<Term>> {
    (1..=log.last_index()).map(|i| if i < log.offset() { None } else { log.term(i) }).collect()
}

fn terms_text(terms: &[Option<Term>]) -> String {
    if terms.is_empty() {
        return "empty".into();
    }
    let words: Vec<String> = terms.iter().map(|t| t.map_or("_".into(), |t| t.to_string())).collect();
    words.join(" ")
}

fn parse_ids(list: &str) -> Result<raft::Set, String> {
    let mut set = raft::Set::EMPTY;
    for w in list.split(',').filter(|w| !w.is_empty() && *w != "-") {
        match w.trim_start_matches('S').parse::<NodeId>() {
            Ok(id) if (1..=raft::MAX_NODE_ID).contains(&id) => set.insert(id),
            _ => return Err(format!("bad server {w:?}")),
        }
    }
    Ok(set)
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
    out.push_str(&show_servers(&sim.servers));
    out
}

/// The servers' lines of [`show`] (the node-level test traces print them too).
pub fn show_servers(servers: &[crate::Server]) -> String {
    let mut out = String::new();
    for s in servers {
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
    for (k, e) in log.entries().enumerate() {
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
