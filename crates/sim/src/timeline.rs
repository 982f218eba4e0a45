//! A run as a seekable object: its [`Record`] (config + timed actions), the simulator at the
//! position being looked at, periodic checkpoints, and the narration of everything reached so far.
//!
//! Seeking restores the nearest checkpoint at or before the target and replays the record from
//! there (the simulator is deterministic, so the replay is the run). Checkpoints are taken every
//! `every` events; when they outgrow their memory budget every other one is dropped and the
//! interval doubles, so the history stays bounded however long the run. Moving forward past the
//! furthest point reached so far (the horizon) runs the simulation live. Acting anywhere before the
//! horizon forks: the recorded future is dropped (one level of undo keeps it) and the new branch is
//! an ordinary run — its record replays to the same digest.

use crate::action::Action;
use crate::cluster::Sim;
use crate::config::SimConfig;
use crate::narrate::{Note, What};
use crate::record::{Position, Record, Timed};
use raft::{NodeId, Term};

/// Most narrated events kept; beyond, the oldest are dropped down to three quarters of it (the
/// term strip keeps them).
pub const MAX_NOTES: usize = 100_000;
/// Events between checkpoints at the start (doubled as checkpoints are thinned).
pub const CHECKPOINT_EVERY: u64 = 4_000;
/// What the checkpoints may cost in all beyond the state they share (estimated), before every
/// other one is dropped.
pub const CHECKPOINT_BUDGET: usize = 32 << 20;

/// A simulator kept for seeking, and what it costs: the bytes it does not share with the next
/// checkpoint (logs and tables only grow, so what it shares with that one it mostly shares with
/// the state shown too). The newest checkpoint shares nearly everything with the state shown.
#[derive(Clone, Debug)]
struct Checkpoint {
    sim: Sim,
    cost: usize,
}

/// A set of chunk addresses. Its hasher is a multiply (the standard one, SipHash with random keys,
/// was ~1.5 KB of the page's wasm, here only): the addresses are the program's own, and the set is
/// only asked what it holds, never iterated.
type Addresses = std::collections::HashSet<usize, std::hash::BuildHasherDefault<AddressHash>>;

#[derive(Default)]
struct AddressHash(u64);

impl std::hash::Hasher for AddressHash {
    fn finish(&self) -> u64 {
        // The high half of the product, where every bit of the address has had its say (the
        // table indexes by the low bits; aligned addresses share their low bits).
        self.0 ^ self.0 >> 32
    }
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_usize(b as usize));
    }
    fn write_usize(&mut self, x: usize) {
        self.0 = (self.0 ^ x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Bytes `old` holds that `next` does not share.
fn cost(old: &Sim, next: &Sim) -> usize {
    let mut shared = Addresses::default();
    next.memory(&mut |a, _| {
        shared.insert(a);
    });
    let mut own = 0;
    let other = old.memory(&mut |a, b| {
        if !shared.contains(&a) {
            own += b;
        }
    });
    own + other
}

#[derive(Clone, Debug)]
struct Undo {
    /// Where the fork happened, and the future it dropped.
    at: Position,
    actions: Vec<Timed>,
    horizon: Position,
    notes: Vec<Note>,
    violation: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    record: Record,
    sim: Sim,
    /// Simulators at increasing positions; `checkpoints[0]` is the start.
    checkpoints: Vec<Checkpoint>,
    every: u64,
    /// The furthest position reached on this branch.
    horizon: Position,
    /// Narration of the branch up to the horizon (the newest [`MAX_NOTES`]; older ones are
    /// folded into `strip_base` and counted in `notes_dropped`).
    notes: Vec<Note>,
    notes_dropped: usize,
    strip_base: StripBuilder,
    /// The violation that ended the branch, in words.
    violation: Option<String>,
    undo: Option<Undo>,
}

fn key(p: &Position) -> (u64, usize, u64) {
    p.key()
}

impl Timeline {
    pub fn new(config: SimConfig) -> Result<Timeline, String> {
        Self::from_record(Record::new(config))
    }

    /// A timeline at the start of `record`, whose actions are its recorded future.
    pub fn from_record(record: Record) -> Result<Timeline, String> {
        let mut sim = Sim::new(record.config.clone())?;
        sim.narrate = true;
        let t = Timeline {
            checkpoints: vec![Checkpoint { cost: 0, sim: sim.clone() }],
            horizon: sim.position(),
            notes: std::mem::take(&mut sim.notes),
            notes_dropped: 0,
            strip_base: StripBuilder::new(record.config.servers),
            sim,
            record,
            every: CHECKPOINT_EVERY,
            violation: None,
            undo: None,
        };
        t.check_record()?;
        Ok(t)
    }

    /// The run a permalink carries (`codec::to_base64(codec::encode_record(…))`), at its moment,
    /// its set-up carried out. Replaying it to that moment may take at most `budget` units of work
    /// ([`crate::Meter`]): a crafted link cannot hang the page; one that asks for more says so. The
    /// timeline comes back with no limit set (`work_done` tells what opening it took).
    pub fn from_permalink(text: &str, budget: u64) -> Result<Timeline, String> {
        let bytes = crate::codec::from_base64(text)?;
        let (record, at) = crate::codec::decode_record(&bytes)?;
        let last = record.actions.last().map_or(0, |a| a.time);
        if at.time > last.saturating_add(crate::settings::MAX_DURATION_US) {
            return Err("the link's moment is more than an hour after its last action".into());
        }
        let mut tl = Timeline::from_record(record)?;
        tl.set_budget(budget);
        tl.apply_setup();
        tl.seek_position(at);
        if tl.position() != at && tl.sim.violations.is_empty() {
            if tl.budget_exhausted() {
                return Err(format!(
                    "the link's run is too long to open: replaying it to its moment ({} ms) takes more than {} units \
                     of work (events, entries sent and written), the most one call may do; it stopped at {} ms",
                    at.time / 1000,
                    budget,
                    tl.sim.time / 1000
                ));
            }
            return Err("the link's run does not replay to its position (is it from another version?)".into());
        }
        tl.set_meter(crate::Meter { limit: u64::MAX, ..tl.meter() });
        Ok(tl)
    }

    /// Actions must be in order; each is checked when it is replayed.
    fn check_record(&self) -> Result<(), String> {
        for w in self.record.actions.windows(2) {
            if (w[1].events, w[1].time) < (w[0].events, w[0].time) {
                return Err("the run's actions are out of order".into());
            }
        }
        Ok(())
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }
    pub fn record(&self) -> &Record {
        &self.record
    }
    pub fn position(&self) -> Position {
        self.sim.position()
    }
    pub fn horizon(&self) -> Position {
        self.horizon
    }
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }
    /// How many of the oldest notes were dropped to keep the narration bounded.
    pub fn notes_dropped(&self) -> usize {
        self.notes_dropped
    }
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }
    pub fn can_undo(&self) -> bool {
        self.undo.is_some()
    }
    /// Trace the run from here on (see [`Sim::trace`]): for scripts, which only move forward.
    pub fn set_trace(&mut self, on: bool) {
        self.sim.trace = on;
    }

    /// The trace lines since the last call.
    pub fn take_trace(&mut self) -> Vec<String> {
        std::mem::take(&mut self.sim.traced)
    }

    /// Let what follows do at most `units` of work in all ([`crate::Meter`]: an event is one unit,
    /// an entry copied into a message one more); `u64::MAX`: no limit. Once it is used up, runs
    /// and seeks stop between two events, at an ordinary position the next call can go on from.
    pub fn set_budget(&mut self, units: u64) {
        self.sim.meter = crate::Meter::budget(units);
    }

    /// Has the budget run out (so the last run or seek may have stopped short)?
    pub fn budget_exhausted(&self) -> bool {
        self.sim.meter.exhausted()
    }

    /// The work meter as it stands.
    pub fn meter(&self) -> crate::Meter {
        self.sim.meter
    }

    pub fn set_meter(&mut self, m: crate::Meter) {
        self.sim.meter = m;
    }

    /// Work done since the budget was set.
    pub fn work_done(&self) -> u64 {
        self.sim.meter.used
    }

    /// Take a checkpoint every `every` events from now on (`u64::MAX`: none after the start).
    pub fn set_checkpoint_every(&mut self, every: u64) {
        self.every = every.max(1);
    }

    pub fn run_for(&mut self, duration_us: u64) {
        self.run_until(self.sim.time.saturating_add(duration_us));
    }

    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The end of what is known of this branch: the horizon, or the last recorded action.
    pub fn end_time(&self) -> u64 {
        self.horizon.time.max(self.record.actions.last().map_or(0, |a| a.time))
    }

    /// Text of a note (with the action or violation it refers to).
    pub fn note_text(&self, n: &Note) -> String {
        let action = match n.what {
            What::Action { index } => self.record.actions.get(index).map(|a| &a.action),
            _ => None,
        };
        n.text(action, self.violation.as_deref())
    }

    pub fn note_action(&self, n: &Note) -> Option<&Action> {
        match n.what {
            What::Action { index } => self.record.actions.get(index).map(|a| &a.action),
            _ => None,
        }
    }

    /// What the history costs beyond the state shown: the checkpoints' chunks that the state does
    /// not share, the record and the narration (bytes).
    pub fn history_bytes(&self) -> usize {
        shared_bytes(self.checkpoints.iter().map(|c| &c.sim).chain([&self.sim])) - shared_bytes([&self.sim])
            + self.record.actions.capacity() * std::mem::size_of::<Timed>()
            + self.notes.capacity() * std::mem::size_of::<Note>()
    }

    /// Is the state shown behind the horizon, i.e. is what happens next already recorded and
    /// narrated? By events and actions only: the clock alone moving on tells nothing new.
    fn behind(&self) -> bool {
        (self.sim.stats.events, self.sim.stats.actions as usize) < (self.horizon.events, self.horizon.applied)
    }

    fn at_horizon(&self) -> bool {
        !self.behind()
    }

    /// After any work: move new notes over, extend the horizon, checkpoint if due.
    fn settle(&mut self) {
        if self.sim.narrate {
            self.notes.append(&mut self.sim.notes);
            if self.notes.len() > MAX_NOTES {
                // Down to three quarters of the limit, however many came in since the last time
                // (a call may narrate far more than a quarter of it once checkpoints are sparse).
                let old: Vec<Note> = self.notes.drain(..self.notes.len() - MAX_NOTES * 3 / 4).collect();
                for n in &old {
                    let a = self.note_action(n).cloned();
                    self.strip_base.feed(n, a.as_ref());
                }
                self.notes_dropped += old.len();
            }
        } else {
            self.sim.notes.clear();
        }
        let p = self.sim.position();
        if key(&p) > key(&self.horizon) {
            self.horizon = p;
        }
        if self.violation.is_none() && self.at_horizon() {
            if let Some(v) = self.sim.violations.first() {
                self.violation = Some(v.to_string());
            }
        }
        let last = self.checkpoints.last().map_or(0, |c| c.sim.stats.events);
        if self.sim.stats.events >= last.saturating_add(self.every) && self.sim.violations.is_empty() {
            if let Some(last) = self.checkpoints.last_mut() {
                last.cost = cost(&last.sim, &self.sim);
            }
            let mut sim = self.sim.clone();
            sim.traced = Vec::new(); // a checkpoint holds state, not what the trace printed
            self.checkpoints.push(Checkpoint { sim, cost: 0 });
            self.thin();
        }
    }

    /// Keep the checkpoints within their budget: drop every other one, double the interval.
    fn thin(&mut self) {
        let total = |c: &[Checkpoint]| c.iter().map(|c| c.cost).sum::<usize>();
        while self.checkpoints.len() > 3 && total(&self.checkpoints) > CHECKPOINT_BUDGET {
            let mut k = 0;
            self.checkpoints.retain(|_| {
                k += 1;
                k == 1 || k % 2 == 0
            });
            for i in 0..self.checkpoints.len() - 1 {
                self.checkpoints[i].cost = cost(&self.checkpoints[i].sim, &self.checkpoints[i + 1].sim);
            }
            self.every = self.every.saturating_mul(2);
        }
    }

    /// Process events up to `time` and at most `events` in all, checkpointing and narrating as
    /// the run passes those points. The clock stays at the last event.
    fn process(&mut self, time: u64, events: u64) {
        loop {
            if !self.sim.violations.is_empty() {
                return;
            }
            let now = self.sim.stats.events;
            let behind = self.behind();
            self.sim.narrate = !behind;
            let next_checkpoint = self.checkpoints.last().map_or(0, |c| c.sim.stats.events).saturating_add(self.every);
            let mut cap = events.min(next_checkpoint);
            if behind && self.horizon.events > now {
                cap = cap.min(self.horizon.events);
            }
            self.sim.process_until(time, cap);
            let moved = self.sim.stats.events > now;
            self.settle();
            if !moved || self.sim.stats.events >= events {
                return;
            }
        }
    }

    /// Carry out the next recorded action (its events must have been processed).
    fn apply_next(&mut self) -> Result<(), String> {
        let k = self.sim.stats.actions as usize;
        let a = self.record.actions[k].clone();
        self.sim.narrate = key(&self.sim.position()) >= key(&self.horizon);
        self.sim.time = self.sim.time.max(a.time);
        let r = self
            .sim
            .act(a.action.clone())
            .map_err(|e| format!("recorded action {} (`{}`) failed on replay: {e}", k + 1, a.action));
        self.settle();
        r
    }

    /// Carry out the record's set-up (its leading `log`, `term` and `commit` actions, due before
    /// anything happens), so the state shown is the one the run starts from: a figure, drawn at
    /// time 0. Returns false if a set-up action failed on replay.
    pub fn apply_setup(&mut self) -> bool {
        while self.next_action().is_some_and(|a| a.action.is_setup() && self.sim.in_setup()) {
            if self.apply_next().is_err() {
                return false;
            }
        }
        true
    }

    /// When the next event or recorded action happens, if any.
    pub fn next_time(&mut self) -> Option<u64> {
        let action = self.next_action().map(|a| a.time);
        match (self.sim.next_event_time(), action) {
            (Some(e), Some(a)) => Some(e.min(a)),
            (e, a) => e.or(a),
        }
    }

    fn next_action(&self) -> Option<&Timed> {
        self.record.actions.get(self.sim.stats.actions as usize)
    }

    /// Run forward to `time`: every event due by then and every recorded action due by then.
    pub fn run_until(&mut self, time: u64) {
        let time = time.min(u64::MAX / 4);
        while self.sim.violations.is_empty() {
            match self.next_action().map(|a| (a.time, a.events)) {
                Some((t, e)) if t <= time => {
                    self.process(t, e);
                    if self.sim.stats.events < e || !self.sim.violations.is_empty() {
                        return; // the record does not match the run (or it broke): stop here
                    }
                    if self.apply_next().is_err() {
                        return;
                    }
                }
                _ => {
                    self.process(time, u64::MAX);
                    if self.sim.violations.is_empty() && !self.sim.meter.exhausted() {
                        self.sim.time = self.sim.time.max(time);
                        self.settle();
                    }
                    return;
                }
            }
        }
    }

    /// One step forward: the next recorded action if it is due now, else the next event. Returns
    /// false when there is nothing to do (or the run stopped on a violation).
    pub fn step(&mut self) -> bool {
        if !self.sim.violations.is_empty() {
            return false;
        }
        if self.next_action().is_some_and(|a| a.events <= self.sim.stats.events) {
            return self.apply_next().is_ok();
        }
        self.sim.narrate = key(&self.sim.position()) >= key(&self.horizon);
        let moved = self.sim.step();
        self.settle();
        moved
    }

    /// Restore the last checkpoint at or before `target` (a position key, or a time).
    fn restore(&mut self, before: impl Fn(&Sim) -> bool) {
        let k = self.checkpoints.iter().rposition(|c| before(&c.sim)).unwrap_or(0);
        let (trace, meter) = (self.sim.trace, self.sim.meter);
        self.sim = self.checkpoints[k].sim.clone();
        self.sim.notes.clear();
        (self.sim.trace, self.sim.traced, self.sim.meter) = (trace, Vec::new(), meter);
    }

    /// The exact state at simulated time `time` (µs): every event and action due by then.
    pub fn seek(&mut self, time: u64) {
        let here = self.sim.position();
        let back = time < here.time || (time == here.time && key(&here) > key(&self.horizon));
        // Jump to the nearest checkpoint at or before the target, unless the state shown is nearer.
        let best = self.checkpoints.iter().rposition(|c| c.sim.time <= time);
        let ahead = best.is_some_and(|k| key(&self.checkpoints[k].sim.position()) > key(&here));
        if back || ahead {
            self.restore(|c| c.time <= time);
        }
        self.run_until(time);
    }

    /// The exact state at a position: its events and actions, with the clock at `p.time`.
    pub fn seek_position(&mut self, p: Position) {
        self.seek_to(p, true);
    }

    /// Go to the state after `p.events` events and `p.applied` actions, processing no event later
    /// than `p.time` (so a crafted position cannot run away); then the clock reads `p.time` if
    /// `set_clock`, else stays at the last event or action.
    fn seek_to(&mut self, p: Position, set_clock: bool) {
        let here = self.sim.position();
        let best = self.checkpoints.iter().rposition(|c| key(&c.sim.position()) <= key(&p));
        let ahead = best.is_some_and(|k| key(&self.checkpoints[k].sim.position()) > key(&here));
        if key(&p) < key(&here) || ahead {
            self.restore(|c| key(&c.position()) <= key(&p));
        }
        while self.sim.violations.is_empty() {
            match self.next_action().map(|a| (a.time, a.events)) {
                Some((t, e)) if t <= p.time && (e, self.sim.stats.actions as usize) < (p.events, p.applied) => {
                    self.process(t, e);
                    if self.sim.stats.events < e || self.apply_next().is_err() {
                        return;
                    }
                }
                _ => break,
            }
        }
        self.process(p.time, p.events);
        if set_clock && self.sim.violations.is_empty() && self.sim.stats.events == p.events {
            self.sim.time = self.sim.time.max(p.time);
            self.settle();
        }
    }

    /// The position one step back: before the last action, or else the last event (`None` at the
    /// start). Everything before now happened by now: the current clock bounds the replay.
    fn previous_position(&self) -> Option<Position> {
        self.previous_of(self.sim.position())
    }

    /// The position one step before `p` (which is at or before the position shown).
    fn previous_of(&self, p: Position) -> Option<Position> {
        let last_action = p.applied.checked_sub(1).and_then(|k| self.record.actions.get(k));
        match last_action {
            Some(a) if a.events == p.events => {
                Some(Position { time: p.time, events: p.events, applied: p.applied - 1 })
            }
            _ if p.events == 0 => None,
            _ => Some(Position { time: p.time, events: p.events - 1, applied: p.applied }),
        }
    }

    /// One step back: undo the last action or event (a replay from the nearest checkpoint).
    pub fn step_back(&mut self) -> bool {
        self.step_back_by(1) == 1
    }

    /// `k` steps back in one replay (each step an action or an event, as [`Timeline::step_back`]
    /// takes them; no further than the start). Returns how many steps it went back.
    pub fn step_back_by(&mut self, k: u64) -> u64 {
        let mut target = self.sim.position();
        let mut moved = 0;
        while moved < k {
            match self.previous_of(target) {
                Some(p) => target = p,
                None => break,
            }
            moved += 1;
        }
        if moved > 0 {
            self.seek_to(target, false);
        }
        moved
    }

    /// A copy of the latest checkpoint at or before simulated time `time` (the start if none).
    pub(crate) fn checkpoint_before(&self, time: u64) -> Sim {
        let k = self.checkpoints.iter().rposition(|c| c.sim.time <= time).unwrap_or(0);
        self.checkpoints[k].sim.clone()
    }

    /// The simulator as it was one step back (what [`Timeline::step_back`] would show: before the
    /// last event or action), replayed on the side from the nearest checkpoint; the timeline itself
    /// is untouched. What differs from the state shown is what that step changed. `None` at the start.
    pub fn before_last_step(&self) -> Option<Sim> {
        let target = self.previous_position()?;
        let k = self.checkpoints.iter().rposition(|c| key(&c.sim.position()) <= key(&target)).unwrap_or(0);
        let mut sim = self.checkpoints[k].sim.clone();
        sim.narrate = false;
        while let Some(a) = self.record.actions.get(sim.stats.actions as usize) {
            if a.time > target.time || (a.events, sim.stats.actions as usize) >= (target.events, target.applied) {
                break;
            }
            sim.process_until(a.time, a.events);
            if sim.stats.events < a.events {
                return None;
            }
            sim.time = sim.time.max(a.time);
            sim.act(a.action.clone()).ok()?;
        }
        sim.process_until(target.time, target.events);
        Some(sim)
    }

    /// Carry out a user action now. Before the horizon this forks: the recorded future is dropped
    /// (and kept for one [`Timeline::undo_fork`]).
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        let at = self.sim.position();
        let forks = key(&at) < key(&self.horizon) || at.applied < self.record.actions.len();
        self.sim.narrate = true;
        self.sim.notes.clear();
        self.sim.act(action.clone())?;
        if forks {
            let cut = self.notes_through(at);
            self.undo = Some(Undo {
                at,
                actions: self.record.actions.split_off(at.applied),
                horizon: self.horizon,
                notes: self.notes.split_off(cut),
                violation: self.violation.take(),
            });
            self.checkpoints.retain(|c| key(&c.sim.position()) <= key(&at));
            self.horizon = at;
        }
        self.record.actions.push(Timed { time: at.time, events: at.events, action });
        self.settle();
        Ok(())
    }

    /// How many of `notes` tell of what happened by position `at` (the rest lie ahead of it).
    fn notes_through(&self, at: Position) -> usize {
        self.notes
            .iter()
            .position(|n| n.events > at.events || matches!(n.what, What::Action { index } if index >= at.applied))
            .unwrap_or(self.notes.len())
    }

    /// How many events have been narrated by the position shown, counting the dropped ones (as
    /// [`Timeline::notes_dropped`] plus an index into [`Timeline::notes`]): an action here forks
    /// the branch after them.
    pub fn notes_here(&self) -> usize {
        self.notes_dropped + self.notes_through(self.sim.position())
    }

    /// Bring back the future the last fork dropped, and go back to where it was dropped.
    pub fn undo_fork(&mut self) -> bool {
        let Some(u) = self.undo.take() else { return false };
        self.record.actions.truncate(u.at.applied);
        self.record.actions.extend(u.actions);
        let cut = self.notes_through(u.at);
        self.notes.truncate(cut);
        self.notes.extend(u.notes);
        self.violation = u.violation;
        self.checkpoints.retain(|c| key(&c.sim.position()) <= key(&u.at));
        self.horizon = u.horizon;
        self.restore(|c| key(&c.position()) <= key(&u.at));
        self.seek_position(u.at);
        true
    }
}

/// The run as the paper's Figure 5 draws it: per server, bands of time in one term (and whether
/// the server was up), and marks where elections started, were won or split.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strip {
    /// (server, from µs, to µs, term, up)
    pub bands: Vec<(NodeId, u64, u64, Term, bool)>,
    /// (server, time µs, what: 0 election started, 1 won, 2 split vote)
    pub marks: Vec<(NodeId, u64, u8)>,
}

/// Folds notes into a [`Strip`], one note at a time.
#[derive(Clone, Debug, Default)]
pub struct StripBuilder {
    strip: Strip,
    /// Per server: since when, in which term, up or not.
    open: Vec<(u64, Term, bool)>,
}

impl StripBuilder {
    pub fn new(servers: u32) -> Self {
        StripBuilder { strip: Strip::default(), open: vec![(0, 0, true); servers as usize] }
    }

    fn change(&mut self, id: NodeId, t: u64, term: Option<Term>, up: Option<bool>) {
        let k = id as usize - 1;
        while self.open.len() <= k {
            self.open.push((t, 0, true)); // a server added later starts here
        }
        let (from, old_term, old_up) = self.open[k];
        let (term, up) = (term.unwrap_or(old_term), up.unwrap_or(old_up));
        if (term, up) != (old_term, old_up) {
            if t > from {
                self.strip.bands.push((id, from, t, old_term, old_up));
            }
            self.open[k] = (t, term, up);
        }
    }

    pub fn feed(&mut self, n: &Note, action: Option<&Action>) {
        let id = n.server;
        match n.what {
            What::Campaign => {
                self.change(id, n.time, Some(n.term), None);
                self.strip.marks.push((id, n.time, 0));
            }
            What::Elected => self.strip.marks.push((id, n.time, 1)),
            What::SplitVote => self.strip.marks.push((id, n.time, 2)),
            What::NewTerm | What::Vote { .. } => self.change(id, n.time, Some(n.term), None),
            What::Action { .. } => match action {
                Some(Action::Crash(c)) => self.change(*c, n.time, None, Some(false)),
                Some(Action::Restart(c)) => self.change(*c, n.time, None, Some(true)),
                // A set-up's note carries the term it left the server in.
                Some(a) if a.is_setup() => self.change(id, n.time, Some(n.term), None),
                Some(Action::AddServer) => {
                    let id = self.open.len() as NodeId + 1;
                    self.change(id, n.time, None, None);
                }
                Some(Action::Change { add, .. }) => {
                    for _ in add {
                        let id = self.open.len() as NodeId + 1;
                        self.change(id, n.time, None, None);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// The strip with every open band closed at `end`.
    pub fn finish(mut self, end: u64) -> Strip {
        for (k, &(from, term, up)) in self.open.iter().enumerate() {
            if end > from {
                self.strip.bands.push((k as NodeId + 1, from, end, term, up));
            }
        }
        self.strip
    }
}

impl Timeline {
    /// The term strip of this branch up to its horizon, from its narration.
    pub fn strip(&self) -> Strip {
        let mut b = self.strip_base.clone();
        for n in &self.notes {
            b.feed(n, self.note_action(n));
        }
        b.finish(self.horizon.time)
    }
}

/// Bytes held by these simulators together, counting the chunks they share once.
pub fn shared_bytes<'a>(sims: impl IntoIterator<Item = &'a Sim>) -> usize {
    let mut seen = Addresses::default();
    let (mut chunks, mut other) = (0, 0);
    for s in sims {
        other += s.memory(&mut |addr, bytes| {
            if seen.insert(addr) {
                chunks += bytes;
            }
        });
    }
    chunks + other
}
