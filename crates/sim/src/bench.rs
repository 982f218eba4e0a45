//! The benchmark workload, shared by the native command line (`raft-sim bench`) and the wasm build
//! (`Playground.bench`), so the two measure exactly the same run.

use crate::action::Action;
use crate::cluster::{Sim, Stats};
use crate::config::SimConfig;
use raft::Op;

/// A cluster of `servers` under steady client load: a write to the leader every `write_every_us`
/// of simulated time, for `sim_ms` simulated milliseconds, with the invariant checker on (it is
/// part of every run). Returns the counters (messages delivered, events).
pub fn workload(servers: u32, sim_ms: u64, write_every_us: u64, seed: u64) -> Result<Stats, String> {
    workload_with(servers, sim_ms, write_every_us, seed, Extras::default(), u64::MAX)
}

/// What a benchmark run may add to the plain workload.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// Log compaction every this many applied entries (0: never).
    pub snapshot_threshold: u64,
    /// The tests' cross-check of stable storage against each node's persistent state
    /// ([`SimConfig::check_persistence`]), which is not part of a page's run.
    pub check_persistence: bool,
}

/// [`workload`] with `extras`, within `budget` units of work ([`crate::Meter`]; running out is an
/// error saying so).
pub fn workload_with(
    servers: u32,
    sim_ms: u64,
    write_every_us: u64,
    seed: u64,
    extras: Extras,
    budget: u64,
) -> Result<Stats, String> {
    if write_every_us == 0 {
        return Err("a write every 0 µs: the interval must be positive".into());
    }
    let Extras { snapshot_threshold, check_persistence } = extras;
    let mut cfg = SimConfig { servers, seed, check_persistence, ..SimConfig::default() };
    cfg.raft.snapshot_threshold = snapshot_threshold;
    let mut sim = Sim::new(cfg)?;
    sim.meter = crate::Meter::budget(budget);
    sim.run_until(500_000);
    let end = sim.time.saturating_add(sim_ms.saturating_mul(1000));
    let mut value = 0;
    while sim.time < end {
        if let Some(l) = sim.leader() {
            value += 1;
            sim.act(Action::Request {
                server: l,
                op: Op::Set { key: b'a' + (value % 26) as u8, value: value as i64 },
            })?;
        }
        sim.run_for(write_every_us);
        if let Some(v) = sim.violations.first() {
            return Err(v.to_string());
        }
        if sim.meter.exhausted() {
            return Err(format!(
                "the benchmark stopped at {} ms of {} ms after {} units of work (events, entries sent and written), the most \
                 one call may do: ask for fewer simulated milliseconds or fewer writes",
                sim.time / 1000,
                end / 1000,
                sim.meter.used
            ));
        }
    }
    Ok(sim.stats)
}

/// The seek workload: `servers` servers under `load` background writes per simulated second for
/// `sim_ms`, recorded on a timeline; then `seeks` seeks to times spread over the run (a fixed
/// pseudo-random order). `clock` reads a wall clock in ms (the caller's: native or JS). Returns
/// (the timeline, back at the end; seconds to run it; per-seek ms sorted).
pub fn seeks(
    servers: u32,
    sim_ms: u64,
    load: u32,
    seeks: usize,
    clock: impl Fn() -> f64,
) -> Result<(crate::Timeline, f64, Vec<f64>), String> {
    let mut t = crate::Timeline::new(SimConfig { servers, load, seed: 1, ..SimConfig::default() })?;
    let t0 = clock();
    t.run_until(sim_ms * 1000);
    let run = (clock() - t0) / 1000.0;
    if let Some(v) = t.sim().violations.first() {
        return Err(v.to_string());
    }
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut times = Vec::with_capacity(seeks);
    for _ in 0..seeks {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = x % (sim_ms * 1000);
        let t0 = clock();
        t.seek(at);
        times.push(clock() - t0);
    }
    times.sort_by(f64::total_cmp);
    t.seek(sim_ms * 1000);
    Ok((t, run, times))
}
