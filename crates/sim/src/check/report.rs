//! A path of the model checker in words: as a numbered step list (what each event was and what it
//! changed), and as a node-level trace file ([`crate::testenv`], `tests/traces`), which an
//! independent driver replays — `raft-sim trace FILE` — to the same violation.

use super::model::{Event, Model, Scratch, State};
use crate::config::SimConfig;
use crate::narrate::{changes, describe};
use crate::settings::{format_value, Group};
use raft::Message;
use std::fmt::Write;

/// An event of state `s` in words.
pub fn event(model: &Model, s: &State, e: Event) -> String {
    let msg = |k: u32| describe(&s.wire[k as usize].msg);
    match e {
        Event::Deliver(k) => format!("deliver {}", msg(k)),
        Event::Drop(k) => format!("drop {}", msg(k)),
        Event::Duplicate(k) => format!("duplicate {}", msg(k)),
        Event::Timeout(id) => format!("S{id}'s election timeout"),
        Event::Heartbeat(id) => format!("S{id}'s heartbeat timeout"),
        Event::Request(id) => {
            let c = model.request(s);
            format!("client {} sends `{}` to S{id}", c.client, c.op)
        }
        Event::Read(id) => {
            let c = model.read(s);
            format!("client {} sends `{}` to S{id}", c.client, c.op)
        }
        Event::Retry(arg) => {
            let c = s.history.ops[(arg >> 4) as usize].cmd;
            format!("client {} sends `{}` again, to S{}", c.client, c.op, arg & 15)
        }
        Event::Crash(id) => format!("S{id} crashes"),
        Event::Restart(id) => format!("S{id} restarts"),
        Event::Flush(id) => format!("S{id}'s disk completes its oldest write"),
    }
}

/// The path as numbered steps, each with what it changed (role, term, log, commit).
pub fn steps(model: &Model, path: &[Event]) -> String {
    let mut out = String::new();
    for (k, line) in step_lines(model, path).iter().enumerate() {
        let _ = writeln!(out, "{:>3}. {line}", k + 1);
    }
    out
}

/// Each step of the path in words, with what it changed.
pub fn step_lines(model: &Model, path: &[Event]) -> Vec<String> {
    let mut lines = Vec::with_capacity(path.len());
    let mut sc = Scratch::default();
    let mut s = model.initial();
    for &e in path {
        let mut line = event(model, &s, e);
        let step = model.step(&s, e, &mut sc);
        let (before, id) = (step.before, stepped(e, &s));
        // `apply` takes the messages sent out of the Ready; its persist flags stay for `changes`.
        let next = model.apply(&s, step, &mut sc);
        if let (Some(before), Some(n)) = (before, id.and_then(|id| next.node(id))) {
            let c = changes(n.id, &before, n, &sc.ready);
            if !c.is_empty() {
                let _ = write!(line, "  → {}", c.join("; "));
            }
        }
        s = next;
        lines.push(line);
    }
    lines
}

/// The server an event steps, if it runs one through the core.
fn stepped(e: Event, s: &State) -> Option<raft::NodeId> {
    match e {
        Event::Deliver(k) => Some(s.wire[k as usize].msg.to),
        Event::Timeout(id) | Event::Heartbeat(id) | Event::Request(id) | Event::Flush(id) | Event::Read(id) => Some(id),
        Event::Retry(arg) => Some(arg & 15),
        _ => None,
    }
}

/// The `cluster` line of a trace for this model: its size and every protocol switch that differs
/// from the simulator's defaults, by its setting name.
pub fn cluster_line(model: &Model) -> String {
    let ours = SimConfig { raft: model.opts, ..SimConfig::default() }.values();
    let defaults = SimConfig::default().values();
    let mut line = format!("cluster {}", model.bounds.servers);
    for ((meta, v), (_, d)) in ours.into_iter().zip(defaults) {
        if meta.group == Group::Protocol && v != d {
            let _ = write!(line, " {}={}", meta.name, format_value(meta.unit, v));
        }
    }
    line
}

/// The path as a node-level trace: commands only (`raft-sim trace` or [`crate::testenv::run_file`]
/// fills in what each prints). `comment` heads the file; `violation` marks the last command as the
/// one expected to break a property. The test environment keeps messages in the order they were
/// sent, so a message is named by sender, receiver, kind and, when several match, its position.
pub fn trace(model: &Model, path: &[Event], comment: &str, violation: bool) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "{}", cluster_line(model));
    let mut sc = Scratch::default();
    let mut s = model.initial();
    // The test environment's wire, oldest first.
    let mut sent: Vec<Message> = Vec::new();
    for (k, &e) in path.iter().enumerate() {
        let named = |verb: &str, m: &Message, sent: &[Message]| {
            let same = |x: &&Message| x.from == m.from && x.to == m.to && x.body.kind() == m.body.kind();
            let at = sent.iter().position(|x| x == m).expect("the message is on the test environment's wire");
            let mut cmd = format!("{verb} {}->{} type={}", m.from, m.to, m.body.kind());
            if sent.iter().filter(same).count() > 1 {
                let _ = write!(cmd, " nth={}", sent[..at].iter().filter(same).count() + 1);
            }
            (cmd, at)
        };
        let command = match e {
            Event::Deliver(j) | Event::Drop(j) | Event::Duplicate(j) => {
                let m = &s.wire[j as usize].msg;
                let verb = match e {
                    Event::Deliver(_) => "deliver",
                    Event::Drop(_) => "drop",
                    _ => "duplicate",
                };
                let (cmd, at) = named(verb, m, &sent);
                if matches!(e, Event::Duplicate(_)) {
                    sent.push(m.clone());
                } else {
                    sent.remove(at);
                }
                cmd
            }
            Event::Timeout(id) => format!("campaign {id}"),
            Event::Heartbeat(id) => format!("tick {id} heartbeat"),
            Event::Request(id) => format!("propose {id} {}", model.request(&s).op),
            // (Neither replays in the test environment, whose clients are one client's numbered
            // requests: `raft-sim check` writes no trace of a model with reads or retries.)
            Event::Read(id) => format!("# read at {id}"),
            Event::Retry(arg) => format!("# retry at {}", arg & 15),
            Event::Crash(id) => format!("crash {id}"),
            Event::Restart(id) => format!("restart {id}"),
            // (The test environment's disks write at once: a trace of a model with disks that
            // take time does not replay there; `raft-sim check` does not write one.)
            Event::Flush(id) => format!("# flush {id}"),
        };
        if violation && k + 1 == path.len() {
            let _ = writeln!(out, "\n{}", crate::testenv::EXPECT_VIOLATION);
        } else {
            out.push('\n');
        }
        let _ = writeln!(out, "{command}");
        let step = model.step(&s, e, &mut sc);
        sent.extend(sc.ready.messages.iter().cloned());
        s = model.apply(&s, step, &mut sc);
    }
    let _ = writeln!(out, "\nstatus");
    out
}
