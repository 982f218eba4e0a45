//! A linearizability checker for the key-value histories clients see, in the style of Wing & Gong
//! with Lowe's just-in-time linearization and memoization (as in Porcupine): each key is an
//! independent register, so the history is split per key and each part searched for a legal
//! sequential order that respects real time.
//!
//! A completed operation must appear to take effect at one instant between its invocation and its
//! response, and return what the register would return then. An operation that never got an answer
//! (the client gave up, or its session expired) may take effect at any time after its invocation, or
//! never; an unanswered read constrains nothing and is dropped.
//!
//! What keeps the search small:
//! - **Segments.** Sorted by invocation, the answered operations fall into segments separated by
//!   quiescent points, where every answered operation invoked so far has responded. Segments are
//!   searched one after another, and what crosses a boundary is the set of *configurations* the
//!   register may be in there: its value, and which unanswered operations have been used up. An
//!   unanswered operation never closes: it stays available to every later segment until used.
//! - **Just-in-time linearization.** Within a segment an operation may go next only if it was
//!   invoked before the earliest response among the answered operations not yet placed (the
//!   deadline). The placed set is then the operations before the deadline in response order plus the
//!   few placed ones that respond after it, so a search state is as small as the concurrency.
//! - **Lazy unanswered operations.** Moving an unanswered operation later never changes what earlier
//!   operations returned, and an answered Set overwrites whatever came before it, so an unanswered
//!   operation needs placing only just before an answered read or add whose result depends on it, as
//!   one optional Set followed by Adds. Identical unanswered operations are interchangeable, so they
//!   are used earliest invoked first and counted, never enumerated as subsets.
//! - **Dominance.** At the same point of the search, a configuration dominates another if it used
//!   up no more unanswered operations and the ones the other used beyond it could turn its value
//!   into the other's; dominated configurations are dropped.
//!
//! The searches, in turn, until one decides:
//! 1. Depth first over the whole history, as Porcupine does, trying the earliest invoked candidate
//!    first and orders that use no unanswered operation before those that do. It stops at the
//!    first legal order; having explored everything, it proves there is none. Most histories are
//!    settled here within a small budget.
//! 2. A relaxed breadth-first search, in which an unanswered operation may explain any number of
//!    results: finding no legal order even so is a quick refutation (and with no unanswered
//!    operations it is the exact search).
//! 3. The depth-first search again, for longer.
//! 4. The exact breadth-first search, segment by segment, one level per operation placed, so that
//!    every way to reach a level is known (and the dominated ones dropped) before any is extended.
//!
//! If all run out of budget, the verdict is [`Verdict::Unknown`], never a violation.

use crate::clients::{self, ClientOp};
use raft::Op;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::hash::{BuildHasherDefault, Hasher};

/// One operation on a single key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    pub op: Op,
    pub invoke: u64,
    /// Response time and the value returned (the value after a write or add, the value read).
    pub response: Option<(u64, Option<i64>)>,
}

/// The register: what an operation returns and leaves behind.
fn apply(state: Option<i64>, op: Op) -> (Option<i64>, Option<i64>) {
    match op {
        Op::Set { value, .. } => (Some(value), Some(value)),
        Op::Add { delta, .. } => {
            let v = state.unwrap_or(0).wrapping_add(delta);
            (Some(v), Some(v))
        }
        Op::Get { .. } => (state, state),
    }
}

/// Most search states a breadth-first search visits in one segment of a key's history (and the
/// depth-first search, a quarter of that plus a few per operation, in the whole history) before
/// the checker gives up and says it does not know.
pub const BUDGET: usize = 2_000_000;

/// States the first depth-first search visits (plus a few per operation) before the relaxed
/// breadth-first search looks for a quick refutation.
const DEPTH_FIRST: usize = 2_000;

/// Steps choosing unanswered operations a search may take per state of its budget.
const STEPS_PER_STATE: usize = 16;

/// What the checker concluded about one key's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// No legal order exists; the text says where.
    Violation(String),
    /// The search ran out of budget before deciding.
    Unknown(String),
}

impl Verdict {
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable)
    }
    pub fn is_violation(&self) -> bool {
        matches!(self, Verdict::Violation(_))
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Verdict::Unknown(_))
    }
}

/// How much searching a check took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Search states visited, in all the searches.
    pub states: usize,
    /// Segments the answered operations fell into.
    pub segments: usize,
    /// Most states a breadth-first search visited in one segment (0 if none ran).
    pub max_segment_states: usize,
    /// Most register configurations a breadth-first search carried across a segment boundary.
    pub max_configurations: usize,
    /// Whether the first, short depth-first search did not settle it, so that the relaxed
    /// breadth-first search ran (and then a longer depth-first one).
    pub relaxed: bool,
    /// Whether that did not settle it either, so that the exact breadth-first search ran.
    pub exhaustive: bool,
}

/// Is this single-key history linearizable?
pub fn check_key(calls: &[Call]) -> Verdict {
    search_key(calls, BUDGET).0
}

/// Server `from` has just answered a request on `key`, and `calls` is the key's history with that
/// answer: what a violation says, if no legal order remains (a search that runs out of budget finds
/// none).
pub fn check_answer(calls: &[Call], from: raft::NodeId, key: u8) -> Option<String> {
    match depth_first_key(calls, LIVE_BUDGET) {
        Verdict::Violation(why) => Some(format!("S{from} answered; key {}: {why}", key as char)),
        _ => None,
    }
}

/// The live check of one key as a window that closes at quiescent points: the values the register
/// may hold where the window opens, and its requests since (numbers into the caller's history).
/// Once every request in the window is answered, nothing invoked later can be ordered before any
/// of them, so the window closes: what crosses is only the set of values the register may hold
/// (every legal order of the window, from any of the values it opened with). Each answer then costs
/// what the requests still open cost, not the whole history of its key.
#[derive(Clone, Debug)]
pub struct Window {
    pub start: Vec<Option<i64>>,
    pub ops: Vec<usize>,
    /// Stopped: the window grew past its limit (a request that never got an answer keeps it open).
    pub off: bool,
    /// The window closed last, with the values it opened with and the time it closed (its last
    /// answer): a request invoked at that same instant overlaps it, and reopens it.
    closed: Option<(Vec<Option<i64>>, Vec<usize>, u64)>,
}

impl Default for Window {
    fn default() -> Self {
        Window { start: vec![None], ops: Vec::new(), off: false, closed: None }
    }
}

impl Window {
    /// Request `op` (a number into the caller's history) on this key is invoked at `time`. At most
    /// `limit` requests: beyond, the window is off.
    pub fn invoked(&mut self, op: usize, time: u64, limit: usize) {
        if self.off {
            return;
        }
        if self.ops.is_empty() {
            if let Some((start, ops, _)) = self.closed.take_if(|c| c.2 >= time) {
                (self.start, self.ops) = (start, ops);
            }
        }
        self.ops.push(op);
        self.off = self.ops.len() > limit;
    }

    /// Server `from` has just answered `calls[just]` on `key`; `calls` are the window's requests. What a violation says, if no legal order remains; the window closes when every
    /// request in it is answered.
    ///
    /// The answer to a write (`Set`) with its own value cannot make a history that was
    /// linearizable a moment ago illegal: every other answer came before it, so the write can take
    /// effect last, just before its answer, which contradicts nothing answered (and nothing has
    /// read it yet). Only reads and adds, whose answers carry a value, are searched for — or a
    /// window that closes.
    pub fn answered(&mut self, calls: &[Call], just: usize, from: raft::NodeId, key: u8) -> Option<String> {
        let say = |why: String| Some(format!("S{from} answered; key {}: {why}", key as char));
        if calls.iter().all(|c| c.response.is_some()) {
            return match values_after(calls, &self.start, LIVE_BUDGET) {
                Ok(values) => {
                    let at = calls.iter().filter_map(|c| c.response).map(|r| r.0).max().unwrap_or(0);
                    let opened = std::mem::replace(&mut self.start, values);
                    // The window closed before gives up its vector of requests for the next one.
                    let spare = self.closed.take().map(|(_, ops, _)| ops).unwrap_or_default();
                    let ops = std::mem::replace(&mut self.ops, spare);
                    self.ops.clear();
                    self.closed = Some((opened, ops, at));
                    None
                }
                Err(Verdict::Violation(why)) => say(why),
                Err(_) => None,
            };
        }
        // (A write answered with anything but its own value is wrong in any order: searched.)
        let c = calls[just];
        if matches!(c.op, Op::Set { .. }) && c.response.is_some_and(|(_, v)| v == apply(None, c.op).1) {
            return None;
        }
        match breadth_first_from(calls, &self.start, LIVE_BUDGET) {
            Verdict::Violation(why) => say(why),
            _ => None,
        }
    }
}

/// Prepare `calls` and search them with `search` from a register that may hold any of `start`:
/// what the searches from a given start share. (No answered operation: trivially legal, `Ok`
/// with the start's configurations.)
fn search_from<T>(
    calls: &[Call],
    start: &[Option<i64>],
    budget: usize,
    search: impl FnOnce(&Key, Vec<Config>) -> Result<T, Stop>,
    trivial: impl FnOnce(Vec<Config>) -> T,
) -> Result<T, Verdict> {
    let (segments, unanswered) = prepare(calls, budget)?;
    let start: Vec<Config> = start.iter().map(|&v| (v, Vec::new())).collect();
    if segments.count() == 0 {
        return Ok(trivial(start));
    }
    search(&Key { segments: &segments, unanswered: &unanswered }, start).map_err(|stop| match stop {
        Stop::Violation(why) => Verdict::Violation(why),
        Stop::GaveUp { .. } => Verdict::Unknown(format!("gave up after {budget} search states")),
    })
}

fn verdict(r: Result<(), Verdict>) -> Verdict {
    r.map_or_else(|v| v, |()| Verdict::Linearizable)
}

/// The exact breadth-first search of `calls` from a register that may hold any of `start` (what
/// the live check runs on a window with requests still unanswered: one search, so the browser
/// build carries one searcher, shared with [`values_after`]).
pub fn breadth_first_from(calls: &[Call], start: &[Option<i64>], budget: usize) -> Verdict {
    verdict(search_from(
        calls,
        start,
        budget,
        |key, start| key.breadth_first(start, budget, false, &mut Stats::default()).map(|_| ()),
        |_| (),
    ))
}

/// Every value the register may hold after `calls` (each answered), from any of `start`: the
/// exact breadth-first search, segment by segment. A violation if there is no legal order.
pub fn values_after(calls: &[Call], start: &[Option<i64>], budget: usize) -> Result<Vec<Option<i64>>, Verdict> {
    // One request alone (most windows): what it returned must follow from one of the values
    // (collected as values at once: no search configurations to build and drop).
    let values: Vec<Option<i64>> = match calls {
        [c] if c
            .response
            .is_some_and(|(t, returned)| t >= c.invoke && start.iter().any(|&v| apply(v, c.op).1 == returned)) =>
        {
            let returned = c.response.expect("answered").1;
            start.iter().map(|&v| apply(v, c.op)).filter(|&(_, out)| out == returned).map(|(v, _)| v).collect()
        }
        _ => search_from(
            calls,
            start,
            budget,
            |key, start| key.breadth_first(start, budget, false, &mut Stats::default()),
            |s| s,
        )?
        .into_iter()
        .map(|(v, _)| v)
        .collect(),
    };
    Ok(sorted_values(values.into_iter()))
}

/// Search states the live check of one answer may visit (its histories are short).
pub const LIVE_BUDGET: usize = 100_000;

/// The first of [`search_key`]'s searches alone: depth first, stopping at the first legal order;
/// having explored everything within `budget` it proves there is none, else it does not know.
/// What the simulator runs live after each answer (small and quick; the browser build carries no
/// more of the checker than this).
pub fn depth_first_key(calls: &[Call], budget: usize) -> Verdict {
    verdict(search_from(calls, &[None], budget, |key, start| DepthFirst::new(key, &start).run(budget), |_| ()))
}

/// [`check_key`] with another budget (see [`BUDGET`]), and how much searching it took.
pub fn search_key(calls: &[Call], budget: usize) -> (Verdict, Stats) {
    let mut stats = Stats::default();
    let (segments, unanswered) = match prepare(calls, budget) {
        Ok(prepared) => prepared,
        Err(verdict) => return (verdict, stats),
    };
    stats.segments = segments.count();
    if segments.count() == 0 {
        return (Verdict::Linearizable, stats);
    }
    let key = Key { segments: &segments, unanswered: &unanswered };
    // Configurations before the first segment: the register is empty and nothing has been used.
    let start = vec![(None, Vec::new())];
    // Look for one legal order depth first, as Porcupine does: quick when there is one.
    let mut depth_first = DepthFirst::new(&key, &start);
    let quick = DEPTH_FIRST.min(budget) + 4 * segments.ops.len();
    let found = depth_first.run(quick);
    stats.states += depth_first.states;
    match found {
        Ok(()) => return (Verdict::Linearizable, stats),
        Err(Stop::Violation(why)) => return (Verdict::Violation(why), stats),
        Err(Stop::GaveUp { .. }) => {}
    }
    let gave_up = |segment: usize, states: usize| {
        let (a, b) = (segments.bounds[segment], segments.bounds[segment + 1]);
        Verdict::Unknown(format!(
            "gave up after {} search states on the {} operations from {} to {}",
            states,
            b - a,
            segments.ops[a].invoke,
            segments.ops[a..b].iter().map(|c| c.response.unwrap().0).max().unwrap()
        ))
    };
    // A quick refutation: even letting each unanswered operation explain any number of results,
    // is there no legal order? (With no unanswered operations, that is the exact search.)
    stats.relaxed = true;
    let exact = unanswered.classes.is_empty();
    match key.breadth_first(start.clone(), budget, true, &mut stats) {
        Ok(_) if exact => return (Verdict::Linearizable, stats),
        Ok(_) => {}
        Err(Stop::Violation(why)) => return (Verdict::Violation(why), stats),
        Err(Stop::GaveUp { segment }) if exact => return (gave_up(segment, stats.states), stats),
        Err(Stop::GaveUp { .. }) => {}
    }
    // Go on depth first for longer, then search exhaustively.
    let before = depth_first.states;
    let found = depth_first.run(budget / 4 + 8 * segments.ops.len());
    stats.states += depth_first.states - before;
    match found {
        Ok(()) => return (Verdict::Linearizable, stats),
        Err(Stop::Violation(why)) => return (Verdict::Violation(why), stats),
        Err(Stop::GaveUp { .. }) => {}
    }
    drop(depth_first);
    stats.exhaustive = true;
    match key.breadth_first(start, budget, false, &mut stats) {
        Ok(_) => (Verdict::Linearizable, stats),
        Err(Stop::Violation(why)) => (Verdict::Violation(why), stats),
        Err(Stop::GaveUp { segment }) => (gave_up(segment, stats.states), stats),
    }
}

/// The permutation that sorts `keys`, ties in input order (what a stable sort gives). Every
/// caller shares this one instantiation of the sort: each `sort_by_key` with its own closure
/// instantiated a sort of its own, ~5 KB of wasm apiece.
fn sorted_order(keys: impl Iterator<Item = [u64; 3]>) -> Vec<u32> {
    let mut keyed: Vec<([u64; 3], u32)> = keys.enumerate().map(|(i, k)| (k, i as u32)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// `values` in order, each once. Without a sort of `Option<i64>` of its own (~4 KB of wasm): a
/// few values (what the live check sees) by insertion, in place, more through [`sorted_order`].
fn sorted_values(values: impl Iterator<Item = Option<i64>>) -> Vec<Option<i64>> {
    let mut values: Vec<Option<i64>> = values.collect();
    if values.len() <= 16 {
        for i in 1..values.len() {
            let mut j = i;
            while j > 0 && values[j - 1] > values[j] {
                values.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        // None first, then by value (i64 → u64 keeping the order).
        let order =
            sorted_order(values.iter().map(|v| [v.is_some() as u64, v.map_or(0, |x| (x as u64) ^ (1 << 63)), 0]));
        values = order.into_iter().map(|i| values[i as usize]).collect();
    }
    values.dedup();
    values
}

/// Sort and segment the answered operations, and group the unanswered ones.
fn prepare(calls: &[Call], budget: usize) -> Result<(Segments, Unanswered), Verdict> {
    let answered: Vec<Call> = calls.iter().copied().filter(|c| c.response.is_some()).collect();
    if let Some(c) = answered.iter().find(|c| c.response.unwrap().0 < c.invoke) {
        return Err(Verdict::Violation(format!("{} answered before it was invoked", show(c))));
    }
    let order = sorted_order(answered.iter().map(|c| [c.invoke, c.response.unwrap().0, 0]));
    let answered: Vec<Call> = order.iter().map(|&i| answered[i as usize]).collect();
    let unanswered = Unanswered::new(calls);
    let segments = Segments::new(answered, &unanswered, budget).map_err(Verdict::Unknown)?;
    Ok((segments, unanswered))
}

/// Unanswered operations that were used up, as (class, how many) sorted by class: a class's
/// operations are used earliest invoked first, so a count says which.
type Used = Vec<(u32, u32)>;

/// A configuration of the register: its value, and the unanswered operations used up.
type Config = (Option<i64>, Used);

fn used_count(used: &Used, class: u32) -> u32 {
    used.binary_search_by_key(&class, |e| e.0).map_or(0, |i| used[i].1)
}

fn used_plus(used: &Used, more: &Chosen) -> Used {
    let mut out = used.clone();
    for &(c, k) in more {
        match out.binary_search_by_key(&c, |e| e.0) {
            Ok(i) => out[i].1 += k,
            Err(i) => out.insert(i, (c, k)),
        }
    }
    out
}

/// Identical unanswered Sets or Adds, with their invocation times in order.
struct Class {
    op: Op,
    invokes: Vec<u64>,
}

/// The unanswered writes of a key, in classes sorted by first invocation (so the classes a
/// segment may use are a prefix).
struct Unanswered {
    classes: Vec<Class>,
}

/// Most steps spent deciding whether one configuration dominates another (giving up is safe: it
/// only keeps both).
const DOMINANCE_STEPS: usize = 256;

impl Unanswered {
    fn new(calls: &[Call]) -> Self {
        // Identical operations next to each other, each one's invocations in order: grouped by
        // one sort (a `HashMap` of classes and a sort of each class's times instantiated code of
        // their own, ~4 KB of wasm).
        let writes: Vec<&Call> =
            calls.iter().filter(|c| c.response.is_none() && !matches!(c.op, Op::Get { .. })).collect();
        let by_op = sorted_order(writes.iter().map(|c| {
            let (kind, value) = op_order(c.op);
            [(kind as u64) << 8 | c.op.key() as u64, (value as u64) ^ (1 << 63), c.invoke]
        }));
        let mut classes: Vec<Option<Class>> = Vec::new();
        for &i in &by_op {
            let c = writes[i as usize];
            match classes.last_mut() {
                Some(Some(class)) if class.op == c.op => class.invokes.push(c.invoke),
                _ => classes.push(Some(Class { op: c.op, invokes: vec![c.invoke] })),
            }
        }
        let order = sorted_order(classes.iter().flatten().map(|c| {
            let (kind, value) = op_order(c.op);
            // i64 → u64 keeping the order.
            [c.invokes[0], kind as u64, (value as u64) ^ (1 << 63)]
        }));
        Unanswered { classes: order.iter().map(|&i| classes[i as usize].take().expect("each once")).collect() }
    }

    /// How many of `class` were invoked by `deadline` and are not used up.
    fn available(&self, class: usize, used: &Used, deadline: u64) -> u32 {
        self.classes[class].invokes.partition_point(|&t| t <= deadline) as u32 - used_count(used, class as u32)
    }

    /// Can everything that follows `b` follow `a` too (at the same point of the same search)? Yes if
    /// `a` used up no more unanswered operations than `b`, and those `b` used beyond `a` (all
    /// invoked by now) could take `a`'s value to `b`'s, so that `a` can become `b` or better.
    fn dominates(&self, (v, u): &Config, (w, t): &Config) -> bool {
        // What `t` used beyond `u`, class by class (both are sorted by class); none if `u` used
        // more of some class.
        let (mut spare, mut n, mut i) = ([(0, 0); 16], 0, 0);
        for &(c, k) in t {
            let mut j = 0;
            if let Some(&(d, m)) = u.get(i) {
                if d < c {
                    return false;
                }
                if d == c {
                    (j, i) = (m, i + 1);
                }
            }
            if j > k {
                return false;
            }
            if k > j {
                if n == spare.len() {
                    return false; // (Too many to weigh up: keep both.)
                }
                spare[n] = (c, k - j);
                n += 1;
            }
        }
        if i < u.len() {
            return false;
        }
        if v == w {
            return true;
        }
        let Some(x) = *w else { return false };
        let spare = &spare[..n];
        let mut adds = [(0, 0, 0); 16];
        let mut m = 0;
        for &(c, k) in spare {
            if let Op::Add { delta, .. } = self.classes[c as usize].op {
                adds[m] = (c, delta, k);
                m += 1;
            }
        }
        let adds = &adds[..m];
        let (mut steps, mut chosen) = (0, Vec::new());
        each_sum(adds, x.wrapping_sub(v.unwrap_or(0)), &mut chosen, &mut steps, DOMINANCE_STEPS, &mut |c| !c.is_empty())
            || spare.iter().any(|&(c, _)| match self.classes[c as usize].op {
                Op::Set { value: s, .. } => {
                    each_sum(adds, x.wrapping_sub(s), &mut chosen, &mut steps, DOMINANCE_STEPS, &mut |_| true)
                }
                _ => false,
            })
    }

    /// Add `config` to an antichain unless something there dominates it; drop what it dominates.
    fn insert(&self, list: &mut Vec<Config>, config: Config) -> bool {
        if list.iter().any(|c| self.dominates(c, &config)) {
            return false;
        }
        list.retain(|c| !self.dominates(&config, c));
        list.push(config);
        true
    }
}

/// How many of which classes of unanswered operations to use, as (class, how many).
type Chosen = [(u32, u32)];

/// Calls `found` with each choice of how many of each class in `adds` (class, delta, available)
/// sums to `target` (appended to `chosen`), until it returns true; whether it did. Counts its steps
/// in `steps` and stops (false) past `limit`.
fn each_sum(
    adds: &[(u32, i64, u32)],
    target: i64,
    chosen: &mut Vec<(u32, u32)>,
    steps: &mut usize,
    limit: usize,
    found: &mut dyn FnMut(&Chosen) -> bool,
) -> bool {
    *steps += 1;
    let Some((&(c, delta, available), rest)) = adds.split_first() else {
        return target == 0 && found(chosen);
    };
    // More than one add of nothing does no more than one.
    let most = if delta == 0 { available.min(1) } else { available };
    let mut with = |k: u32, chosen: &mut Vec<(u32, u32)>, steps: &mut usize| {
        if k > 0 {
            chosen.push((c, k));
        }
        let hit = each_sum(rest, target.wrapping_sub(delta.wrapping_mul(k as i64)), chosen, steps, limit, found);
        if k > 0 {
            chosen.pop();
        }
        hit
    };
    // The last class: solve for the count when no count up to `most` can wrap around.
    if rest.is_empty() && delta != 0 && (delta.unsigned_abs() as u128) * (most as u128) <= i64::MAX as u128 {
        return target.checked_rem(delta) == Some(0)
            && matches!(u32::try_from(target / delta), Ok(k) if k <= most)
            && with((target / delta) as u32, chosen, steps);
    }
    (0..=most).any(|k| *steps <= limit && with(k, chosen, steps))
}

/// A total order on operations, so that the search is deterministic.
fn op_order(op: Op) -> (u8, i64) {
    match op {
        Op::Set { value, .. } => (0, value),
        Op::Add { delta, .. } => (1, delta),
        Op::Get { .. } => (2, 0),
    }
}

/// The answered operations of a key sorted by invocation, split at quiescent points into
/// segments, with what the search needs to know about each.
struct Segments {
    ops: Vec<Call>,
    /// Where each segment begins in `ops`, and `ops.len()`.
    bounds: Vec<usize>,
    /// Each segment's operations (numbered within the segment) in order of response.
    order: Vec<u32>,
    /// Each operation's place in its segment's `order`.
    place: Vec<u32>,
    /// With the first `r` of a segment's `order` placed, the operations that may go next (invoked
    /// by the response of `order[r]`, and responding no earlier), in order of invocation, are
    /// `candidates[starts[base + r]..starts[base + r + 1]]` for the segment beginning at `base`.
    starts: Vec<usize>,
    candidates: Vec<u32>,
    /// How many classes of unanswered operations were invoked before each segment's last response.
    relevant: Vec<usize>,
}

impl Segments {
    fn new(ops: Vec<Call>, unanswered: &Unanswered, budget: usize) -> Result<Segments, String> {
        let n = ops.len();
        let response = |i: usize| ops[i].response.unwrap().0;
        let mut s = Segments {
            bounds: vec![0],
            order: Vec::with_capacity(n),
            place: vec![0; n],
            starts: Vec::with_capacity(n + 1),
            candidates: Vec::with_capacity(n),
            relevant: Vec::new(),
            ops: Vec::new(),
        };
        let mut base = 0;
        while base < n {
            // The segment runs until an operation invoked after every earlier one responded.
            let (mut end, mut last) = (base + 1, response(base));
            while end < n && ops[end].invoke <= last {
                last = last.max(response(end));
                end += 1;
            }
            let order = sorted_order((0..end - base).map(|i| [response(base + i), 0, 0]));
            for (r, &i) in order.iter().enumerate() {
                s.place[base + i as usize] = r as u32;
            }
            let (mut active, mut next, first) = (Vec::new(), base, s.candidates.len());
            for (r, &i) in order.iter().enumerate() {
                let deadline = response(base + i as usize);
                while next < end && ops[next].invoke <= deadline {
                    active.push((next - base) as u32);
                    next += 1;
                }
                active.retain(|&j| s.place[base + j as usize] as usize >= r);
                s.starts.push(s.candidates.len());
                s.candidates.extend_from_slice(&active);
                if s.candidates.len() - first > budget.saturating_mul(8) {
                    return Err(format!("too many overlapping operations from {} on", ops[base].invoke));
                }
            }
            s.order.extend_from_slice(&order);
            s.relevant.push(unanswered.classes.partition_point(|c| c.invokes[0] <= last));
            s.bounds.push(end);
            base = end;
        }
        s.starts.push(s.candidates.len());
        s.ops = ops;
        Ok(s)
    }

    fn count(&self) -> usize {
        self.bounds.len() - 1
    }

    fn segment(&self, k: usize) -> Segment<'_> {
        let (a, b) = (self.bounds[k], self.bounds[k + 1]);
        Segment {
            ops: &self.ops[a..b],
            order: &self.order[a..b],
            place: &self.place[a..b],
            starts: &self.starts[a..=b],
            candidates: &self.candidates,
            relevant: self.relevant[k],
        }
    }
}

/// The answered operations between two quiescent points, sorted by invocation.
struct Segment<'a> {
    ops: &'a [Call],
    order: &'a [u32],
    place: &'a [u32],
    starts: &'a [usize],
    candidates: &'a [u32],
    relevant: usize,
}

impl Segment<'_> {
    fn len(&self) -> u32 {
        self.ops.len() as u32
    }

    /// The earliest response among the operations not placed.
    fn deadline(&self, r: u32) -> u64 {
        self.ops[self.order[r as usize] as usize].response.unwrap().0
    }

    fn candidates(&self, r: u32) -> &[u32] {
        &self.candidates[self.starts[r as usize]..self.starts[r as usize + 1]]
    }
}

/// Which of a segment's operations are placed: the first `r` in response order, and `after`, the
/// places (beyond `r`) of those placed out of response order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Placed {
    r: u32,
    after: Vec<u32>,
}

impl Placed {
    fn has(&self, place: u32) -> bool {
        place < self.r || self.after.binary_search(&place).is_ok()
    }

    fn with(&self, place: u32) -> Placed {
        let mut p = self.clone();
        if place == p.r {
            p.r += 1;
            while p.after.first() == Some(&p.r) {
                p.after.remove(0);
                p.r += 1;
            }
        } else {
            let i = p.after.binary_search(&place).unwrap_err();
            p.after.insert(i, place);
        }
        p
    }
}

/// A fast, deterministic hash for the search's own keys (the rotate-multiply of rustc's FxHasher).
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.add(x as u64);
    }
    fn write_u64(&mut self, x: u64) {
        self.add(x);
    }
    fn write_usize(&mut self, x: usize) {
        self.add(x as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Why a search stopped before the end of the history.
enum Stop {
    Violation(String),
    /// Out of budget in `segment`.
    GaveUp {
        segment: usize,
    },
}

/// The value the register must hold just before `op` for it to return `returned`, when another
/// value than the current one could do it (a Set returns its own value whatever came before).
fn needed_before(op: Op, returned: Option<i64>) -> Option<i64> {
    match op {
        Op::Get { .. } => returned,
        Op::Add { delta, .. } => returned.map(|w| w.wrapping_sub(delta)),
        Op::Set { .. } => None,
    }
}

/// One key's history, ready to search.
struct Key<'a> {
    segments: &'a Segments,
    unanswered: &'a Unanswered,
}

impl Key<'_> {
    /// The configurations `config` can be in after `call` is placed next in `segment`, while the
    /// operations not placed respond no earlier than `deadline` (pushed onto `out`). `relaxed`
    /// lets unanswered operations be used again and again. Spends `steps` choosing unanswered
    /// operations, stopping at `limit`.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        segment: &Segment,
        deadline: u64,
        call: &Call,
        (value, used): &Config,
        relaxed: bool,
        steps: &mut usize,
        limit: usize,
        out: &mut Vec<Config>,
    ) {
        let returned = call.response.unwrap().1;
        let (after, out_value) = apply(*value, call.op);
        if out_value == returned {
            out.push((after, used.clone()));
            return;
        }
        let Some(want) = needed_before(call.op, returned) else { return };
        // Unanswered operations just before it could make the register hold `want`: Adds alone,
        // or one Set and then Adds.
        let after = apply(Some(want), call.op).0;
        let u = self.unanswered;
        let (mut adds, mut sets) = (Vec::new(), Vec::new());
        for c in 0..segment.relevant {
            let available = u.available(c, used, deadline);
            if available > 0 {
                match u.classes[c].op {
                    Op::Add { delta, .. } => adds.push((c as u32, delta, available)),
                    Op::Set { value, .. } => sets.push((c as u32, value)),
                    Op::Get { .. } => unreachable!("unanswered reads are dropped"),
                }
            }
        }
        let take = |chosen: &Chosen| (after, if relaxed { Vec::new() } else { used_plus(used, chosen) });
        let mut chosen = Vec::new();
        // (Relaxed, the first way will do: they all leave the same configuration.)
        let found = each_sum(&adds, want.wrapping_sub(value.unwrap_or(0)), &mut chosen, steps, limit, &mut |c| {
            if !c.is_empty() {
                out.push(take(c));
            }
            relaxed && !c.is_empty()
        });
        if found {
            return;
        }
        for (c, s) in sets {
            chosen.push((c, 1));
            let found = each_sum(&adds, want.wrapping_sub(s), &mut chosen, steps, limit, &mut |c| {
                out.push(take(c));
                relaxed
            });
            chosen.pop();
            if found {
                return;
            }
        }
    }

    /// Search the segments one after another, breadth first, from `configs`, with a budget of
    /// states per segment: the configurations the last segment can end in.
    fn breadth_first(
        &self,
        mut configs: Vec<Config>,
        budget: usize,
        relaxed: bool,
        stats: &mut Stats,
    ) -> Result<Vec<Config>, Stop> {
        for k in 0..self.segments.count() {
            stats.max_configurations = stats.max_configurations.max(configs.len());
            let segment = self.segments.segment(k);
            let (mut states, mut steps) = (0, 0);
            let ends = self.levels(&segment, &configs, budget, relaxed, &mut states, &mut steps);
            stats.states += states;
            stats.max_segment_states = stats.max_segment_states.max(states);
            match ends {
                None => return Err(Stop::GaveUp { segment: k }),
                Some(ends) if ends.is_empty() => {
                    return Err(Stop::Violation(describe_failure(&segment, &configs, self.unanswered)))
                }
                Some(ends) => configs = ends,
            }
        }
        Ok(configs)
    }

    /// Every configuration `segment` can end in (an antichain), from any of `starts`; `None` if
    /// that takes more than `budget` states. Every step places one answered operation, so this
    /// goes level by level: all the ways to place `k` operations are known (and the dominated ones
    /// dropped) before any is extended.
    fn levels(
        &self,
        segment: &Segment,
        starts: &[Config],
        budget: usize,
        relaxed: bool,
        states: &mut usize,
        steps: &mut usize,
    ) -> Option<Vec<Config>> {
        let limit = budget.saturating_mul(STEPS_PER_STATE);
        let mut level: FxMap<Placed, Vec<Config>> = FxMap::default();
        level.insert(Placed::default(), starts.to_vec());
        *states += starts.len();
        let mut reached = Vec::new();
        for _ in 0..segment.len() {
            let mut next: FxMap<Placed, Vec<Config>> = FxMap::default();
            for (placed, configs) in &level {
                let deadline = segment.deadline(placed.r);
                for &i in segment.candidates(placed.r) {
                    let place = segment.place[i as usize];
                    if placed.has(place) {
                        continue;
                    }
                    let call = &segment.ops[i as usize];
                    for config in configs {
                        self.step(segment, deadline, call, config, relaxed, steps, limit, &mut reached);
                    }
                    if *steps > limit {
                        return None;
                    }
                    if reached.is_empty() {
                        continue;
                    }
                    let list = next.entry(placed.with(place)).or_default();
                    for config in reached.drain(..) {
                        *states += self.unanswered.insert(list, config) as usize;
                    }
                    if *states > budget {
                        return None;
                    }
                }
            }
            level = next;
        }
        // All placed: one entry at most.
        Some(level.into_values().next().unwrap_or_default())
    }
}

/// Segments behind the furthest one reached whose states a depth-first search remembers (going
/// back further is rare; forgetting only costs exploring again).
const REMEMBERED: usize = 256;

/// A depth-first search: the states it has seen, and those it has still to explore.
struct DepthFirst<'a> {
    key: &'a Key<'a>,
    /// For each segment and placed set, the configurations reached there (an antichain).
    seen: FxMap<(usize, Placed), Vec<Config>>,
    stack: Vec<(usize, Placed, Config)>,
    states: usize,
    /// Spent choosing unanswered operations.
    steps: usize,
    /// The furthest segment reached, and where the last forgetting was.
    furthest: usize,
    forgot: usize,
}

impl<'a> DepthFirst<'a> {
    /// A depth-first search of `key` for one legal order, from `configs`.
    fn new(key: &'a Key<'a>, configs: &[Config]) -> Self {
        let mut d =
            DepthFirst { key, seen: FxMap::default(), stack: Vec::new(), states: 0, steps: 0, furthest: 0, forgot: 0 };
        for c in configs {
            d.visit(0, Placed::default(), c.clone());
        }
        d
    }

    /// Go on until `budget` states in all: `Ok` if there is a legal order, a violation if there is
    /// none, `GaveUp` at the budget (and it can go on later). Explores the earliest invoked
    /// candidate first, and orders that use no unanswered operation before those that do.
    fn run(&mut self, budget: usize) -> Result<(), Stop> {
        let key = self.key;
        let last = key.segments.count() - 1;
        let limit = budget.saturating_mul(STEPS_PER_STATE);
        let (mut direct, mut patched, mut reached) = (Vec::new(), Vec::new(), Vec::new());
        let mut segment = key.segments.segment(0);
        let mut at = 0;
        loop {
            if self.states > budget || self.steps > limit {
                return Err(Stop::GaveUp { segment: self.furthest });
            }
            let Some((k, placed, config)) = self.stack.pop() else { break };
            if k != at {
                (segment, at) = (key.segments.segment(k), k);
            }
            let deadline = segment.deadline(placed.r);
            for &i in segment.candidates(placed.r) {
                let place = segment.place[i as usize];
                if placed.has(place) {
                    continue;
                }
                let call = &segment.ops[i as usize];
                key.step(&segment, deadline, call, &config, false, &mut self.steps, limit, &mut reached);
                for c in reached.drain(..) {
                    if c.1 == config.1 { &mut direct } else { &mut patched }.push((place, c));
                }
            }
            if self.steps > limit {
                // Not all explored: put it back for later.
                self.stack.push((k, placed, config));
                direct.clear();
                patched.clear();
                continue;
            }
            // Pushed last, explored first.
            let mut done = false;
            for (place, c) in patched.drain(..).rev().chain(direct.drain(..).rev()) {
                let p = placed.with(place);
                if p.r < segment.len() {
                    self.visit(k, p, c);
                } else if k == last {
                    done = true;
                } else {
                    self.visit(k + 1, Placed::default(), c);
                }
            }
            if done {
                return Ok(());
            }
        }
        // Every configuration that can reach the furthest segment was tried there.
        let starts = self.seen.remove(&(self.furthest, Placed::default())).unwrap_or_default();
        let segment = key.segments.segment(self.furthest);
        Err(Stop::Violation(describe_failure(&segment, &starts, key.unanswered)))
    }

    fn visit(&mut self, k: usize, placed: Placed, config: Config) {
        let list = self.seen.entry((k, placed.clone())).or_default();
        if self.key.unanswered.insert(list, config.clone()) {
            self.states += 1;
            self.stack.push((k, placed, config));
        }
        if k > self.furthest {
            self.furthest = k;
            if k >= self.forgot + 2 * REMEMBERED {
                self.forgot = k - REMEMBERED;
                self.seen.retain(|key, _| key.0 >= k - REMEMBERED);
            }
        }
    }
}

fn show(c: &Call) -> String {
    match c.response {
        Some((t, v)) => format!("[{} @{}..{} → {:?}]", c.op, c.invoke, t, v),
        None => format!("[{} @{}.. unanswered]", c.op, c.invoke),
    }
}

/// Most operations and values a failure message lists.
const SHOWN: usize = 40;

fn describe_failure(segment: &Segment, before: &[Config], unanswered: &Unanswered) -> String {
    let mut s = String::from("no legal order for:");
    for c in segment.ops.iter().take(SHOWN) {
        s += " ";
        s += &show(c);
    }
    if segment.ops.len() > SHOWN {
        let _ = write!(s, " … ({} operations)", segment.ops.len());
    }
    let values = sorted_values(before.iter().map(|c| c.0));
    let shown: Vec<String> = values.iter().take(SHOWN).map(|v| format!("{v:?}")).collect();
    let _ = write!(s, "; the value before them: {}", shown.join(" or "));
    if values.len() > SHOWN {
        s += " or …";
    }
    let relevant = segment.relevant;
    if relevant > 0 {
        s += "; unanswered writes that may take effect:";
        for c in &unanswered.classes[..relevant.min(SHOWN)] {
            let _ = write!(s, " [{} ×{} from @{}]", c.op, c.invokes.len(), c.invokes[0]);
        }
        if relevant > SHOWN {
            s += " …";
        }
    }
    s
}

/// A whole history that is not known to violate linearizability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    Linearizable,
    /// No violation found, but the search gave up on some key (the text says which).
    Unknown(String),
}

/// Check a whole client history, key by key: `Err` only for a real violation; a key the search
/// gave up on makes it `Ok(Checked::Unknown(..))`.
pub fn check<'a>(history: impl IntoIterator<Item = &'a ClientOp>) -> Result<Checked, String> {
    let mut per_key: BTreeMap<u8, Vec<Call>> = BTreeMap::new();
    for c in history {
        // Failed and expired requests may or may not have taken effect: no response.
        let response = match (c.outcome, c.answered) {
            (clients::Outcome::Ok { value, .. }, Some(t)) => Some((t, value)),
            _ => None,
        };
        per_key.entry(c.op.key()).or_default().push(Call { op: c.op, invoke: c.sent, response });
    }
    let mut unknown = Vec::new();
    for (key, calls) in per_key {
        match check_key(&calls) {
            Verdict::Linearizable => {}
            Verdict::Violation(e) => return Err(format!("key {}: {e}", key as char)),
            Verdict::Unknown(e) => unknown.push(format!("key {}: {e}", key as char)),
        }
    }
    if unknown.is_empty() {
        Ok(Checked::Linearizable)
    } else {
        Ok(Checked::Unknown(unknown.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    fn set(v: i64, invoke: u64, resp: Option<u64>) -> Call {
        Call { op: Op::Set { key: b'x', value: v }, invoke, response: resp.map(|t| (t, Some(v))) }
    }
    fn get(v: Option<i64>, invoke: u64, resp: u64) -> Call {
        Call { op: Op::Get { key: b'x' }, invoke, response: Some((resp, v)) }
    }
    fn add(d: i64, ret: i64, invoke: u64, resp: u64) -> Call {
        Call { op: Op::Add { key: b'x', delta: d }, invoke, response: Some((resp, Some(ret))) }
    }

    #[test]
    fn sequential_histories() {
        assert!(check_key(&[set(1, 0, Some(1)), get(Some(1), 2, 3)]).is_linearizable());
        // A read after a completed write must see it.
        assert!(check_key(&[set(1, 0, Some(1)), get(None, 2, 3)]).is_violation());
        // Two writes in order, then a read of the first: stale.
        assert!(check_key(&[set(1, 0, Some(1)), set(2, 2, Some(3)), get(Some(1), 4, 5)]).is_violation());
        assert!(check_key(&[add(1, 1, 0, 1), add(1, 2, 2, 3), get(Some(2), 4, 5)]).is_linearizable());
        // An increment applied twice shows as a skipped value.
        assert!(check_key(&[add(1, 1, 0, 1), add(1, 3, 2, 3)]).is_violation());
    }

    #[test]
    fn concurrent_operations_may_order_either_way() {
        assert!(check_key(&[set(1, 0, Some(10)), get(Some(1), 1, 2)]).is_linearizable());
        assert!(check_key(&[set(1, 0, Some(10)), get(None, 1, 2)]).is_linearizable());
        // …but not both ways at once: the register cannot go back.
        assert!(check_key(&[set(1, 0, Some(10)), get(Some(1), 1, 2), get(None, 3, 4)]).is_violation());
        assert!(check_key(&[set(1, 0, Some(10)), set(2, 0, Some(10)), get(Some(1), 11, 12), get(Some(1), 13, 14)])
            .is_linearizable());
        assert!(check_key(&[set(1, 0, Some(10)), set(2, 0, Some(10)), get(Some(1), 11, 12), get(Some(2), 13, 14)])
            .is_violation());
    }

    #[test]
    fn unanswered_writes_may_or_may_not_have_happened() {
        assert!(check_key(&[set(1, 0, None), get(Some(1), 5, 6)]).is_linearizable());
        assert!(check_key(&[set(1, 0, None), get(None, 5, 6)]).is_linearizable());
        assert!(check_key(&[set(1, 0, None), get(Some(1), 5, 6), get(None, 7, 8)]).is_violation());
        // It cannot take effect before it was invoked.
        assert!(check_key(&[get(Some(1), 0, 1), set(1, 5, None)]).is_violation());
    }

    #[test]
    fn many_concurrent_operations_stay_tractable() {
        let mut calls = vec![];
        for i in 0..60 {
            calls.push(add(1, i + 1, i as u64 * 10, i as u64 * 10 + 25));
        }
        assert!(check_key(&calls).is_linearizable());
    }

    fn unanswered_add(d: i64, invoke: u64) -> Call {
        Call { op: Op::Add { key: b'x', delta: d }, invoke, response: None }
    }

    /// The checker this one replaced: a depth-first search over (linearized set, value), trying
    /// every operation invoked before the earliest pending response, unanswered ones included. Slow
    /// but simple, and exact on small histories.
    fn reference(calls: &[Call]) -> bool {
        let calls: Vec<Call> =
            calls.iter().copied().filter(|c| c.response.is_some() || !matches!(c.op, Op::Get { .. })).collect();
        let n = calls.len();
        let done = |l: u64| (0..n).all(|i| calls[i].response.is_none() || l & (1 << i) != 0);
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![(0u64, None)];
        while let Some((lin, state)) = stack.pop() {
            if done(lin) {
                return true;
            }
            if !seen.insert((lin, state)) {
                continue;
            }
            let out = |i: usize| lin & (1 << i) == 0;
            let deadline =
                (0..n).filter(|&i| out(i)).filter_map(|i| calls[i].response.map(|r| r.0)).min().unwrap_or(u64::MAX);
            for i in (0..n).filter(|&i| out(i) && calls[i].invoke <= deadline) {
                let (next, returned) = apply(state, calls[i].op);
                if calls[i].response.is_none_or(|r| r.1 == returned) {
                    stack.push((lin | 1 << i, next));
                }
            }
        }
        false
    }

    /// A small random history: up to `n` operations, values and deltas drawn from small ranges (so
    /// that many orders look alike), `unanswered` parts per million unanswered (half of those took
    /// effect, some late); results from a real order of effects, or (half the time) some drawn at
    /// random.
    fn small_history(r: &mut SimRng, n: usize, unanswered: u32) -> Vec<Call> {
        let mut calls = Vec::new();
        let mut points = Vec::new();
        for _ in 0..r.range(1, n as u64) {
            let invoke = r.range(0, 30);
            let op = match r.range(0, 4) {
                0 | 1 => Op::Set { key: b'x', value: r.range(0, 2) as i64 },
                2 => Op::Add { key: b'x', delta: r.range(0, 3) as i64 - 1 },
                _ => Op::Get { key: b'x' },
            };
            let (response, point) = if r.chance(unanswered) {
                (None, r.chance(500_000).then(|| invoke + r.range(0, 40)))
            } else {
                let t = invoke + r.range(0, 12);
                (Some((t, None)), Some(r.range(invoke, t)))
            };
            calls.push(Call { op, invoke, response });
            points.push(point);
        }
        let mut order: Vec<usize> = (0..calls.len()).filter(|&i| points[i].is_some()).collect();
        order.sort_by_key(|&i| (points[i], i));
        let mut state = None;
        for i in order {
            let (next, out) = apply(state, calls[i].op);
            state = next;
            if let Some((t, _)) = calls[i].response {
                calls[i].response = Some((t, out));
            }
        }
        if r.chance(500_000) {
            for c in calls.iter_mut().filter(|c| c.response.is_some()) {
                if r.chance(300_000) {
                    let v = match r.range(0, 3) {
                        0 => None,
                        v => Some(v as i64 - 1),
                    };
                    c.response = Some((c.response.unwrap().0, v));
                }
            }
        }
        calls
    }

    /// Each search on its own, run to the end with an ample budget: (depth first, exact breadth
    /// first, relaxed breadth first) — each true if it found a legal order.
    fn each_search(calls: &[Call]) -> (bool, bool, bool) {
        let (segments, unanswered) = match prepare(calls, BUDGET) {
            Ok(p) => p,
            Err(v) => return (v.is_linearizable(), v.is_linearizable(), v.is_linearizable()),
        };
        if segments.count() == 0 {
            return (true, true, true);
        }
        let key = Key { segments: &segments, unanswered: &unanswered };
        let start = vec![(None, Vec::new())];
        let mut stats = Stats::default();
        let decided = |r: Result<(), Stop>| match r {
            Ok(()) => true,
            Err(Stop::Violation(_)) => false,
            Err(Stop::GaveUp { .. }) => panic!("a small history ran out of budget"),
        };
        let depth = decided(DepthFirst::new(&key, &start).run(BUDGET));
        let exact = decided(key.breadth_first(start.clone(), BUDGET, false, &mut stats).map(|_| ()));
        let relaxed = decided(key.breadth_first(start, BUDGET, true, &mut stats).map(|_| ()));
        (depth, exact, relaxed)
    }

    #[test]
    fn agrees_with_the_simple_search_on_small_histories() {
        // LIN_SMALL_HISTORIES=N checks more (or fewer), and LIN_SMALL_SEED=S others.
        let var = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let mut r = SimRng::new(var("LIN_SMALL_SEED", 7));
        let (mut yes, mut no) = (0, 0);
        for i in 0..var("LIN_SMALL_HISTORIES", 20_000) {
            let calls =
                small_history(&mut r, [6, 11, 14][i as usize % 3], [100_000, 250_000, 500_000][i as usize / 3 % 3]);
            let expected = reference(&calls);
            let verdict = check_key(&calls);
            assert_eq!(verdict.is_linearizable(), expected, "{calls:?}: {verdict:?}");
            assert_eq!(verdict.is_violation(), !expected, "{calls:?}: {verdict:?}");
            let (depth, exact, relaxed) = each_search(&calls);
            assert_eq!(depth, expected, "depth first: {calls:?}");
            assert_eq!(exact, expected, "breadth first: {calls:?}");
            // Relaxed, it may find an order where there is none, never the other way.
            assert!(relaxed || !expected, "relaxed: {calls:?}");
            if expected {
                yes += 1;
            } else {
                no += 1;
            }
        }
        assert!(yes.min(no) > (yes + no) / 5, "{yes} linearizable, {no} not");
    }

    /// The live check as the simulator runs it: each request joins its key's window when invoked,
    /// each answer is checked as it comes, in time order (at the same instant, invocations first:
    /// an answer cannot depend on a request not yet made). A violation at some answer iff the
    /// whole history is not linearizable.
    #[test]
    fn the_live_window_agrees_with_the_whole_history() {
        let mut r = SimRng::new(11);
        let (mut yes, mut no) = (0, 0);
        for i in 0..20_000u64 {
            let calls = small_history(&mut r, [6, 11, 14][i as usize % 3], [0, 100_000, 250_000][i as usize / 3 % 3]);
            let expected = reference(&calls);
            // (time, 0 = invoke / 1 = answer, op).
            let answers_first = false;
            let mut events: Vec<(u64, u8, usize)> = Vec::new();
            for (k, c) in calls.iter().enumerate() {
                events.push((c.invoke, answers_first as u8, k));
                if let Some((t, _)) = c.response {
                    events.push((t, !answers_first as u8, k));
                }
            }
            events.sort();
            let mut w = Window::default();
            let mut now: Vec<Call> = calls.iter().map(|c| Call { response: None, ..*c }).collect();
            let mut found = None;
            for (_, kind, k) in events {
                if (kind == 0) != answers_first {
                    w.invoked(k, calls[k].invoke, 1000);
                } else {
                    now[k].response = calls[k].response;
                    let window: Vec<Call> = w.ops.iter().map(|&j| now[j]).collect();
                    let just = w.ops.iter().position(|&j| j == k).unwrap();
                    if let Some(why) = w.answered(&window, just, 1, b'x') {
                        found = Some(why);
                        break;
                    }
                }
            }
            assert_eq!(found.is_none(), expected, "{calls:?}: {found:?}");
            if expected {
                yes += 1;
            } else {
                no += 1;
            }
        }
        assert!(yes.min(no) > 2_000, "{yes} linearizable, {no} not");
    }

    /// A window closes at an answer; a request invoked at that same instant overlaps what it
    /// closed over, so it reopens it: a read then may still see the value from before the write.
    #[test]
    fn a_request_at_the_instant_a_window_closes_reopens_it() {
        let set = Call { op: Op::Set { key: b'x', value: 5 }, invoke: 10, response: Some((20, Some(5))) };
        let get = |t: u64, v: Option<i64>| Call { op: Op::Get { key: b'x' }, invoke: 20, response: Some((t, v)) };
        let mut w = Window::default();
        w.invoked(0, 10, 100);
        assert_eq!(w.answered(&[set], 0, 1, b'x'), None);
        assert!(w.ops.is_empty(), "closed");
        assert_eq!(w.start, vec![Some(5)]);
        // Invoked at 20, when the write answered: it may be ordered before the write.
        w.invoked(1, 20, 100);
        assert_eq!(w.ops, vec![0, 1], "reopened");
        assert_eq!(w.answered(&[set, get(25, None)], 1, 1, b'x'), None);
        // Invoked later, it is after the write: the old value is a violation.
        let mut w = Window::default();
        w.invoked(0, 10, 100);
        w.answered(&[set], 0, 1, b'x');
        w.invoked(1, 21, 100);
        assert_eq!(w.ops, vec![1]);
        let late = Call { invoke: 21, ..get(25, None) };
        assert!(w.answered(&[late], 0, 1, b'x').is_some_and(|why| why.contains("no legal order")));
    }

    #[test]
    fn an_unanswered_write_before_a_quiescent_point_stays_pending() {
        // The write may take effect after the first read, in the next segment.
        let calls = [set(1, 0, None), get(None, 1, 2), get(Some(1), 5, 6)];
        let (v, stats) = search_key(&calls, BUDGET);
        assert!(v.is_linearizable(), "{v:?}");
        assert_eq!(stats.segments, 2);
        // …but only once, and the register cannot go back.
        assert!(check_key(&[set(1, 0, None), get(Some(1), 1, 2), get(None, 5, 6)]).is_violation());
        let before = [set(5, 0, None), set(1, 10, Some(11)), get(Some(1), 12, 13), get(Some(5), 20, 21)];
        assert!(check_key(&before).is_linearizable());
        assert!(check_key(&[&before[..], &[get(Some(5), 30, 31)]].concat()).is_linearizable());
        assert!(check_key(&[&before[..], &[get(Some(1), 30, 31)]].concat()).is_violation());
        // An unanswered add applied once explains one read, not two across an overwrite.
        let once = [unanswered_add(1, 0), set(0, 7, Some(8)), get(Some(1), 9, 10)];
        assert!(check_key(&once).is_linearizable());
        let twice = [unanswered_add(1, 0), get(Some(1), 5, 6), set(0, 7, Some(8)), get(Some(1), 9, 10)];
        let (v, stats) = search_key(&twice, BUDGET);
        assert!(v.is_violation(), "{v:?}");
        assert_eq!(stats.segments, 3);
        // Two of them can.
        assert!(check_key(&[&twice[..], &[unanswered_add(1, 1)]].concat()).is_linearizable());
        // An unanswered write invoked during a quiescent gap is available to the next segment only.
        let gap = [get(None, 0, 1), set(7, 3, None), get(Some(7), 5, 6)];
        assert!(check_key(&gap).is_linearizable());
        assert!(check_key(&[get(Some(7), 0, 1), set(7, 3, None), get(Some(7), 5, 6)]).is_violation());
    }

    /// A history from 6 closed-loop clients (the shape that made the search this one replaced take
    /// seconds): overlapping Sets of a few values, Adds and reads, a fifth of the requests never
    /// answered (half of those took effect, some much later). Linearizable by construction.
    fn concurrent_history(seed: u64, n: usize) -> Vec<Call> {
        let mut r = SimRng::new(seed);
        let mut free = [0u64; 6];
        let (mut calls, mut points) = (Vec::new(), Vec::new());
        while calls.len() < n {
            let c = (0..6).min_by_key(|&c| (free[c], c)).unwrap();
            let invoke = free[c];
            let op = match r.range(0, 9) {
                0..=2 => Op::Set { key: b'x', value: r.range(0, 4) as i64 },
                3..=6 => Op::Add { key: b'x', delta: 1 },
                _ => Op::Get { key: b'x' },
            };
            let (end, response, point) = if r.chance(200_000) {
                (invoke + 60, None, r.chance(500_000).then(|| invoke + r.range(0, 200)))
            } else {
                let latency = r.range(1, 40);
                (invoke + latency, Some((invoke + latency, None)), Some(r.range(invoke, invoke + latency)))
            };
            calls.push(Call { op, invoke, response });
            points.push(point);
            free[c] = end + r.range(0, 6);
        }
        let mut order: Vec<usize> = (0..calls.len()).filter(|&i| points[i].is_some()).collect();
        order.sort_by_key(|&i| (points[i], i));
        let mut state = None;
        for i in order {
            let (next, out) = apply(state, calls[i].op);
            state = next;
            if let Some((t, _)) = calls[i].response {
                calls[i].response = Some((t, out));
            }
        }
        calls
    }

    #[test]
    fn pathological_concurrent_histories_take_few_states() {
        for seed in 0..20 {
            let mut calls = concurrent_history(seed, 300);
            let (v, stats) = search_key(&calls, BUDGET);
            assert!(v.is_linearizable(), "seed {seed}: {v:?}");
            assert!(stats.states < 20_000, "seed {seed}: {stats:?}");
            // A read near the end that no order explains forces the search to rule out everything
            // before it.
            let last = calls.iter().map(|c| c.invoke).max().unwrap();
            calls.push(get(Some(-1), last - 20, last + 5));
            let (v, stats) = search_key(&calls, BUDGET);
            assert!(v.is_violation(), "seed {seed}: {v:?}");
            assert!(stats.states < 30_000, "seed {seed}: {stats:?}");
        }
        // (The search this one replaced gave up on such a history after 2 million states, or took
        // seconds when it had no wrong read.)
    }

    /// `n` operations one after another (one in twenty overlapping the previous one), one in ten
    /// thousand never answered; linearizable by construction.
    fn sequential_history(seed: u64, n: usize) -> Vec<Call> {
        let mut r = SimRng::new(seed);
        let (mut calls, mut points) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut t = 0;
        for _ in 0..n {
            let op = match r.range(0, 2) {
                0 => Op::Set { key: b'x', value: r.range(0, 99) as i64 },
                1 => Op::Add { key: b'x', delta: 1 },
                _ => Op::Get { key: b'x' },
            };
            let latency = r.range(1, 10);
            let (response, point) = if r.chance(100) {
                (None, r.chance(500_000).then(|| t + r.range(0, 1000)))
            } else {
                (Some((t + latency, None)), Some(r.range(t, t + latency)))
            };
            calls.push(Call { op, invoke: t, response });
            points.push(point);
            t = if r.chance(50_000) { t + r.range(0, latency) } else { t + latency + r.range(1, 5) };
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| points[i].is_some()).collect();
        order.sort_by_key(|&i| (points[i], i));
        let mut state = None;
        for i in order {
            let (next, out) = apply(state, calls[i].op);
            state = next;
            if let Some((t, _)) = calls[i].response {
                calls[i].response = Some((t, out));
            }
        }
        calls
    }

    #[test]
    fn a_long_sequential_history_is_checked_and_one_stale_read_caught() {
        let mut calls = sequential_history(3, 100_000);
        let (v, stats) = search_key(&calls, BUDGET);
        assert!(v.is_linearizable(), "{v:?}");
        assert!(stats.segments > 80_000 && stats.states < 400_000, "{stats:?}");
        // In the middle, a read well after a write returns what the register held before it: a
        // smaller value, which no unanswered operation could explain (adds only add, and there is
        // no unanswered set of that value or less to add to).
        let set_before = |v: Option<i64>, i: usize| {
            calls[..i].iter().any(|c| c.response.is_none() && matches!(c.op, Op::Set { value, .. } if Some(value) <= v))
        };
        let i = (50_000..)
            .find(|&i| {
                let (Some((_, before)), Some((t, after))) = (calls[i - 1].response, calls[i].response) else {
                    return false;
                };
                matches!(calls[i].op, Op::Set { .. })
                    && calls[i - 1].response.unwrap().0 < calls[i].invoke
                    && calls[i + 1].invoke > t
                    && before.is_some()
                    && before < after
                    && !set_before(before, i)
            })
            .unwrap();
        let stale = calls[i - 1].response.unwrap().1;
        let after = calls[i].response.unwrap().0;
        calls.insert(i + 1, get(stale, after + 1, after + 1));
        for c in &mut calls[i + 2..] {
            c.invoke += 2;
            c.response = c.response.map(|(t, v)| (t + 2, v));
        }
        let (v, _) = search_key(&calls, BUDGET);
        // Only the segment with the stale read is reported.
        let Verdict::Violation(why) = v else { panic!("{v:?}") };
        assert!(why.contains(&format!("@{}..{} → {stale:?}]", after + 1, after + 1)), "{why}");
        assert!(why.len() < 2_000, "{why}");
    }

    #[test]
    fn giving_up_is_unknown_not_a_violation() {
        // Fourteen concurrent writes can end in any order, and a read no order explains: ruling
        // them all out takes about 14 · 2^14 states.
        let mut calls: Vec<Call> = (0..14).map(|v| set(v, 0, Some(100))).collect();
        calls.push(get(Some(-1), 200, 201));
        let (v, stats) = search_key(&calls, 10_000);
        assert!(v.is_unknown(), "{v:?}");
        assert!(stats.relaxed && !stats.exhaustive, "{stats:?}");
        // With the whole budget, it is a violation.
        assert!(check_key(&calls).is_violation());
        // A wrong answer found before that is a violation, whatever the budget.
        let mut early = vec![get(Some(3), 0, 1)];
        early.extend(calls.iter().map(|c| Call { invoke: c.invoke + 2, ..*c }));
        assert!(search_key(&early, 10).0.is_violation());
    }

    #[test]
    fn whole_histories_are_checked_key_by_key() {
        let op = |client: u32, op: Op, sent: u64, answered: Option<(u64, Option<i64>)>| ClientOp {
            client,
            seq: 1,
            op,
            first_server: 1,
            server: 1,
            sent,
            outcome: match answered {
                Some((_, value)) => clients::Outcome::Ok { index: 1, value },
                None => clients::Outcome::Failed,
            },
            answered: answered.map(|a| a.0),
            redirects: 0,
            timeouts: 0,
            attempts: 1,
            timer_gen: 0,
        };
        let mut history = vec![
            op(100, Op::Set { key: b'x', value: 1 }, 0, Some((5, Some(1)))),
            op(101, Op::Add { key: b'y', delta: 2 }, 1, None),
            op(102, Op::Get { key: b'x' }, 6, Some((8, Some(1)))),
            op(103, Op::Get { key: b'y' }, 9, Some((10, Some(2)))),
        ];
        assert_eq!(check(&history), Ok(Checked::Linearizable));
        history.push(op(104, Op::Get { key: b'y' }, 11, Some((12, None))));
        let e = check(&history).unwrap_err();
        assert!(e.starts_with("key y: no legal order"), "{e}");
    }
}
