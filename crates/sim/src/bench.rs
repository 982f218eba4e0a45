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
    let mut sim = Sim::new(SimConfig { servers, seed, ..SimConfig::default() })?;
    sim.run_until(500_000);
    let end = sim.time + sim_ms * 1000;
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
    }
    Ok(sim.stats)
}
