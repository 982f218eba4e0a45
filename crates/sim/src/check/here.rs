//! Explore from here: the model checker started from a running simulator's state
//! ([`Model::from_sim`]), and its counterexample carried back into the run as recorded actions —
//! `hold` (the user takes the network and the timers: nothing happens by itself), then one action
//! per event of the path (`deliver-message`, `drop-message`, `duplicate-message`, `timeout`,
//! `heartbeat`, `request`, `crash`, `restart`) — so the timeline replays it step by step and the
//! simulator's own checker stops on the same violation.

use super::model::{Event, Model, Scratch, State};
use super::report;
use crate::record::Position;
use crate::{Action, Sim, Timeline};

/// A counterexample loaded into a run.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Where the counterexample starts: just after its `hold`.
    pub start: Position,
    /// Each step in words (with what it changed) and the position after it.
    pub steps: Vec<(String, Position)>,
    /// The violation the simulator stopped on, in words.
    pub violation: String,
}

/// The action that carries out event `e` of model state `s` in `sim` (whose state it mirrors).
fn action(model: &Model, s: &State, e: Event, sim: &Sim) -> Result<Action, String> {
    let flight = |k: u32| {
        let m = &s.wire[k as usize].msg;
        // Equal messages are interchangeable: take the oldest.
        sim.flights
            .values()
            .find(|f| !f.lost && f.msg == *m)
            .map(|f| f.id)
            .ok_or_else(|| format!("no message in flight in the simulator matches {}", crate::narrate::describe(m)))
    };
    Ok(match e {
        Event::Deliver(k) => Action::DeliverMessage(flight(k)?),
        Event::Drop(k) => Action::DropMessage(flight(k)?),
        Event::Duplicate(k) => Action::DuplicateMessage(flight(k)?),
        Event::Timeout(id) => Action::Timeout(id),
        Event::Heartbeat(id) => Action::Heartbeat(id),
        Event::Request(id) => Action::Request { server: id, op: model.request(s).op },
        Event::Read(id) => Action::Request { server: id, op: model.read(s).op },
        Event::Retry(arg) => {
            // The simulator numbers its requests from its first client id on, one session each.
            let cmd = s.history.ops[(arg >> 4) as usize].cmd;
            Action::Retry { request: (cmd.client - crate::FIRST_CLIENT) as u64, server: arg & 15 }
        }
        Event::Crash(id) => Action::Crash(id),
        Event::Restart(id) => Action::Restart(id),
        Event::Flush(id) => Action::Flush(id),
    })
}

/// Carry `path` (a path of `model`, which [`Model::from_sim`] took from `tl`'s state now) into
/// `tl` as actions from now on: its `hold` (unless held already), then one action per event. Returns where it starts
/// (just after the hold) and each step in words with the position after it; `tl` is left at the
/// end. Acting before the horizon forks, as any action does. The clock moves on only at election
/// timeouts, by the shortest election timeout, as the model's does (every other step happens at
/// the same instant), so the servers' leases decide as they did in the model.
pub fn carry(tl: &mut Timeline, model: &Model, path: &[Event]) -> Result<(Position, Vec<(String, Position)>), String> {
    let lines = report::step_lines(model, path);
    if tl.sim().held.is_none() {
        tl.act(Action::Hold(true))?;
    }
    let start = tl.position();
    let (mut s, mut sc) = (model.initial(), Scratch::default());
    let mut now = tl.sim().time;
    let mut steps = Vec::with_capacity(path.len());
    for (k, (&e, line)) in path.iter().zip(lines).enumerate() {
        if matches!(e, Event::Timeout(_)) {
            now += model.opts.election_timeout_min;
            tl.run_until(now);
        }
        // A client's request comes a microsecond after what came before it, so that real time
        // orders it after every answer already given, as the model's history does (everything
        // else happens at one instant, and the checker would take them for concurrent).
        if matches!(e, Event::Request(_) | Event::Read(_) | Event::Retry(_)) {
            now += 1;
            tl.run_until(now);
        }
        let a = action(model, &s, e, tl.sim())?;
        tl.act(a.clone()).map_err(|why| format!("step {} (`{a}`) was refused: {why}", k + 1))?;
        steps.push((line, tl.position()));
        if k + 1 < path.len() && !tl.sim().violations.is_empty() {
            return Err(format!("the simulator stopped early, at step {}: {}", k + 1, tl.sim().violations[0]));
        }
        let step = model.step(&s, e, &mut sc);
        s = model.apply(&s, step, &mut sc);
    }
    Ok((start, steps))
}

/// [`carry`] a counterexample into `tl`, check that the simulator stops on a violation at its last
/// step, and leave `tl` at the counterexample's start.
pub fn load(tl: &mut Timeline, model: &Model, path: &[Event]) -> Result<Loaded, String> {
    let (start, steps) = carry(tl, model, path)?;
    let violation = match tl.sim().violations.first() {
        Some(v) => v.to_string(),
        None => return Err("the counterexample replayed in the simulator without breaking anything".into()),
    };
    tl.seek_position(start);
    Ok(Loaded { start, steps, violation })
}
