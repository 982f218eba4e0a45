//! An exhaustive, breadth-first model checker over the real core: every interleaving of message
//! deliveries, losses, duplicates, timeouts, crashes, restarts and client requests up to a depth
//! ([`model`]), with the simulator's safety checker ([`crate::invariants`]) after every step.
//!
//! `raft-sim check --servers 3 --depth 10 --crashes 1 --requests 1 [--break ID] [--symmetry]`
//!
//! **What it stores.** Only fingerprints ([`fingerprint`]: 64 bits over each server's protocol
//! state, the multiset of messages in flight, the budgets used and what the checker remembers) in a
//! visited set ([`fpset`]), and for every state found, one 64-bit word in the search tree: its
//! parent's position in the previous level and the event that led to it. No state is kept: a
//! state is re-derived by replaying its path from the initial state. Each level is sorted by
//! parent, so a worker walking a level keeps the path it is on as a stack of states and replays
//! only where consecutive states' paths part: about one step per state. That is ~20–30 bytes per
//! visited state in all (8 in the tree, 8 per slot of the set at most three quarters full).
//!
//! **How it splits the work.** Each level is expanded in rounds. Phase 1: the workers take
//! chunks of the level, rebuild each state, run every enabled event through the core and the
//! checker, fingerprint the result without building it, and keep the fingerprints the visited set
//! does not hold yet (it is read-only during this phase). Phase 2: the set is split into shards by
//! fingerprint; each worker inserts, in generation order, the candidates of its shards and keeps
//! those that were new. The next level is their union in generation order. Every choice is in
//! generation order, so the result does not depend on the number of threads.
//!
//! **What it reports.** Depth reached, unique states per level, transitions, and for the goals
//! that should sometimes happen (a leader elected, an entry committed, a client request answered)
//! the first depth they are reachable at. On a violation, the search stops at the end of that
//! round: a violation at level `d + 1` is found while expanding level `d`, so breadth-first order
//! makes the first one (in generation order) a shortest counterexample.

pub mod fingerprint;
pub mod fpset;
pub mod here;
pub mod model;
pub mod report;
#[cfg(test)]
mod tests;
pub mod tree;

use crate::invariants::Property;
use fpset::FpSet;
pub use model::{Bounds, Event, Model, Scratch, State, GOALS};
use model::{Found, EVENT_BITS};
use std::sync::atomic::{AtomicUsize, Ordering};
use tree::Tree;

/// What to explore.
#[derive(Clone, Debug)]
pub struct Config {
    pub model: Model,
    /// The longest path explored (number of events from the initial state).
    pub depth: u32,
    /// Identify states that differ only in the servers' numbering.
    pub symmetry: bool,
    pub threads: usize,
    /// Stop once the visited set and the search tree would need more than this many bytes (the
    /// browser's worker has a few hundred megabytes, not the machine's memory).
    pub max_bytes: Option<usize>,
}

/// A shortest path to a broken property.
#[derive(Clone, Debug)]
pub struct Counterexample {
    pub property: Property,
    pub servers: Vec<raft::NodeId>,
    pub detail: String,
    pub path: Vec<Event>,
}

/// A goal and the first depth it was reached at (with a shortest path there).
#[derive(Clone, Debug)]
pub struct Goal {
    pub name: &'static str,
    pub reached: Option<(u32, Vec<Event>)>,
}

/// What a search found (also its progress, level by level).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Unique states first found at each depth (`levels[0]` is the initial state).
    pub levels: Vec<u64>,
    /// Successors computed (every enabled event of every state expanded).
    pub transitions: u64,
    /// The whole state space was explored before the depth bound (no new state at the last level).
    pub exhausted: bool,
    pub goals: Vec<Goal>,
    pub violation: Option<Counterexample>,
    /// Bytes of the visited set and the search tree (peak, including a round's candidates).
    pub bytes: usize,
    /// The search stopped before its depth because it reached [`Config::max_bytes`]: the last
    /// level is partly explored.
    pub out_of_memory: bool,
}

impl Outcome {
    pub fn states(&self) -> u64 {
        self.levels.iter().sum()
    }
    /// The deepest level explored completely (the violation's depth if one stopped the search).
    pub fn depth(&self) -> u32 {
        self.levels.len().saturating_sub(1) as u32
    }
}

/// States per round and per chunk of work in phase 1.
const ROUND: usize = 1 << 16;
const CHUNK: usize = 256;
/// The visited set's shards (by the fingerprint's top bits).
const SHARD_BITS: u32 = 4;
const SHARDS: usize = 1 << SHARD_BITS;
/// How many fingerprints ahead of their lookup the visited set is asked to fetch their slots.
const AHEAD: usize = 8;

fn shard(fp: u64) -> usize {
    (fp >> (64 - SHARD_BITS)) as usize
}

/// A successor as phase 1 hands it on: its parent's position in its level and its event's code.
fn pack(parent: u64, e: Event) -> u64 {
    parent << EVENT_BITS | e.code()
}

fn parent_of(p: u64) -> u64 {
    p >> EVENT_BITS
}

fn code_of(p: u64) -> u64 {
    p & ((1 << EVENT_BITS) - 1)
}

/// Rebuilds states of a level by replaying their paths, keeping the current path as a stack.
struct Replayer<'a> {
    model: &'a Model,
    tree: &'a Tree,
    /// (position in its level, state) for depths 0, 1, …
    stack: Vec<(u64, State)>,
    ancestors: Vec<u64>,
    sc: Scratch,
}

impl<'a> Replayer<'a> {
    fn new(model: &'a Model, tree: &'a Tree) -> Self {
        Replayer { model, tree, stack: vec![(0, model.initial())], ancestors: Vec::new(), sc: Scratch::default() }
    }

    /// State `j` of level `depth`.
    fn at(&mut self, depth: usize, j: u64) -> &State {
        let a = &mut self.ancestors;
        a.clear();
        a.resize(depth + 1, 0);
        a[depth] = j;
        for k in (1..=depth).rev() {
            a[k - 1] = self.tree.parent(k, a[k]);
        }
        // The deepest state on the stack that is on this path (positions are unique per level,
        // so a match at depth k means the whole path up to k matches).
        let mut keep = (self.stack.len() - 1).min(depth);
        while keep > 0 && self.stack[keep].0 != a[keep] {
            keep -= 1;
        }
        self.stack.truncate(keep + 1);
        while self.stack.len() <= depth {
            let k = self.stack.len();
            let e = self.tree.event(k, a[k]);
            let s = &self.stack[k - 1].1;
            let step = self.model.step(s, e, &mut self.sc);
            let next = self.model.apply(s, step, &mut self.sc);
            self.stack.push((a[k], next));
        }
        &self.stack[depth].1
    }
}

/// What phase 1 found in one chunk of a level.
#[derive(Default)]
struct ChunkOut {
    /// (fingerprint, [`pack`]ed parent and event) of successors not in the visited set.
    candidates: Vec<(u64, u64)>,
    /// The first violation in the chunk (generation order).
    violation: Option<(u64, Found)>,
    /// Per goal, the first successor in the chunk that reaches it.
    goals: [Option<u64>; GOALS.len()],
    transitions: u64,
}

/// Phase 1 for states `range` of level `depth`.
fn expand(
    rep: &mut Replayer,
    sc: &mut Scratch,
    events: &mut Vec<Event>,
    depth: usize,
    range: std::ops::Range<usize>,
    visited: &[FpSet],
    symmetry: bool,
) -> ChunkOut {
    let model = rep.model;
    let mut out = ChunkOut::default();
    // Successors whose slots are being fetched, oldest first (looked up AHEAD successors later).
    let mut pending = std::collections::VecDeque::with_capacity(AHEAD + 1);
    let look_up = |pending: &mut std::collections::VecDeque<(u64, u64)>, out: &mut ChunkOut| {
        if let Some((fp, p)) = pending.pop_front() {
            if !visited[shard(fp)].contains(fp) {
                out.candidates.push((fp, p));
            }
        }
    };
    for j in range {
        let s = rep.at(depth, j as u64);
        model.events(s, events);
        for &e in events.iter() {
            let step = model.step(s, e, sc);
            out.transitions += 1;
            if let Some(f) = sc.found.first() {
                out.violation = Some((pack(j as u64, e), f.clone()));
                return out;
            }
            for (g, first) in out.goals.iter_mut().enumerate() {
                if step.goals & (1 << g) != 0 && first.is_none() {
                    *first = Some(pack(j as u64, e));
                }
            }
            let fp = model.fingerprint(s, &step, sc, symmetry);
            visited[shard(fp)].prefetch(fp);
            pending.push_back((fp, pack(j as u64, e)));
            if pending.len() > AHEAD {
                look_up(&mut pending, &mut out);
            }
        }
    }
    while !pending.is_empty() {
        look_up(&mut pending, &mut out);
    }
    out
}

/// Phase 2 for the shards one worker owns: insert the round's candidates in generation order and
/// return the positions (counting through the round's chunks in order) of those that were new.
fn insert(mine: Vec<(usize, &mut FpSet)>, results: &[(usize, ChunkOut)]) -> Vec<usize> {
    let mut local: [Option<&mut FpSet>; SHARDS] = std::array::from_fn(|_| None);
    for (k, set) in mine {
        local[k] = Some(set);
    }
    let mut new = Vec::new();
    let mut at = 0;
    for (_, o) in results {
        let c = &o.candidates;
        for (i, &(fp, _)) in c.iter().enumerate() {
            if let Some(&(ahead, _)) = c.get(i + AHEAD) {
                if let Some(set) = &local[shard(ahead)] {
                    set.prefetch(ahead);
                }
            }
            if let Some(set) = &mut local[shard(fp)] {
                if set.insert(fp) {
                    new.push(at + i);
                }
            }
        }
        at += c.len();
    }
    new
}

/// Merge increasing lists into one increasing list.
fn merge(lists: Vec<Vec<usize>>) -> Vec<usize> {
    let mut merged = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    let mut at = vec![0; lists.len()];
    while let Some(k) = (0..lists.len()).filter(|&k| at[k] < lists[k].len()).min_by_key(|&k| lists[k][at[k]]) {
        merged.push(lists[k][at[k]]);
        at[k] += 1;
    }
    merged
}

/// `work(item)` for every item, each on a thread of its own — or, with one item, on this thread
/// (the browser's worker has no threads to spawn).
fn on_threads<I: Send, T: Send>(items: Vec<I>, work: impl Fn(I) -> T + Sync) -> Vec<T> {
    if items.len() == 1 {
        return items.into_iter().map(work).collect();
    }
    std::thread::scope(|s| {
        let work = &work;
        let workers: Vec<_> = items.into_iter().map(|item| s.spawn(move || work(item))).collect();
        workers.into_iter().map(|w| w.join().expect("a worker panicked")).collect()
    })
}

/// Explore `cfg.model` breadth-first to `cfg.depth`. `progress` is called after every round with
/// the outcome so far (its last level still growing) and the depth being built.
pub fn explore(cfg: &Config, mut progress: impl FnMut(&Outcome, u32)) -> Outcome {
    let model = &cfg.model;
    let threads = cfg.threads.max(1);
    let mut visited: Vec<FpSet> = (0..SHARDS).map(|_| FpSet::default()).collect();
    let root_fp = model.fingerprint_of(&model.initial(), cfg.symmetry);
    visited[shard(root_fp)].insert(root_fp);
    let mut tree = Tree::default();
    let mut out = Outcome {
        levels: vec![1],
        goals: GOALS.iter().map(|&name| Goal { name, reached: None }).collect(),
        ..Outcome::default()
    };
    let bytes = |visited: &[FpSet], tree: &Tree| visited.iter().map(FpSet::bytes).sum::<usize>() + tree.bytes();
    for depth in 0..cfg.depth as usize {
        let size = tree.len(depth);
        tree.start_level();
        out.levels.push(0);
        let mut start = 0;
        while start < size {
            let end = (start + ROUND).min(size);
            let chunks: Vec<std::ops::Range<usize>> =
                (start..end).step_by(CHUNK).map(|a| a..(a + CHUNK).min(end)).collect();
            // Phase 1: expand, in parallel; the visited set is read-only.
            let taken = AtomicUsize::new(0);
            let (chunks, tree_ref, visited_ref) = (&chunks, &tree, &visited[..]);
            let mut results: Vec<(usize, ChunkOut)> = on_threads((0..threads).collect(), |_| {
                let mut rep = Replayer::new(model, tree_ref);
                let (mut sc, mut events) = (Scratch::default(), Vec::new());
                let mut mine = Vec::new();
                loop {
                    let c = taken.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = chunks.get(c) else { break };
                    mine.push((
                        c,
                        expand(&mut rep, &mut sc, &mut events, depth, range.clone(), visited_ref, cfg.symmetry),
                    ));
                }
                mine
            })
            .into_iter()
            .flatten()
            .collect();
            results.sort_unstable_by_key(|(c, _)| *c);
            out.transitions += results.iter().map(|(_, o)| o.transitions).sum::<u64>();
            let reached = |p: u64| {
                let mut path = tree.path(depth, parent_of(p));
                path.push(Event::from_code(code_of(p)));
                path
            };
            for (g, goal) in out.goals.iter_mut().enumerate() {
                if goal.reached.is_none() {
                    if let Some(p) = results.iter().find_map(|(_, o)| o.goals[g]) {
                        goal.reached = Some((depth as u32 + 1, reached(p)));
                    }
                }
            }
            let candidate_bytes: usize = results.iter().map(|(_, o)| o.candidates.capacity() * 16).sum();
            out.bytes = out.bytes.max(bytes(&visited, &tree) + candidate_bytes);
            if let Some((p, f)) = results.iter().find_map(|(_, o)| o.violation.clone()) {
                let path = reached(p);
                out.violation =
                    Some(Counterexample { property: f.property, servers: f.servers, detail: f.detail, path });
                return out;
            }
            // Phase 2: insert, each worker into the shards it owns, in generation order.
            let mut owned: Vec<Vec<(usize, &mut FpSet)>> = (0..threads).map(|_| Vec::new()).collect();
            for (k, set) in visited.iter_mut().enumerate() {
                owned[k % threads].push((k, set));
            }
            let new: Vec<Vec<usize>> = on_threads(owned, |mine| insert(mine, &results));
            // The next level in generation order, which is sorted by parent (all replay needs).
            let all: Vec<u64> = results.iter().flat_map(|(_, o)| o.candidates.iter().map(|&(_, p)| p)).collect();
            drop(results);
            for k in merge(new) {
                tree.push(parent_of(all[k]), code_of(all[k]));
            }
            *out.levels.last_mut().expect("a level") = tree.len(depth + 1) as u64;
            out.bytes = out.bytes.max(bytes(&visited, &tree));
            start = end;
            progress(&out, depth as u32 + 1);
            if cfg.max_bytes.is_some_and(|max| out.bytes > max) {
                out.out_of_memory = true;
                return out;
            }
        }
        if tree.len(depth + 1) == 0 {
            out.levels.pop();
            out.exhausted = true;
            break;
        }
    }
    out
}
