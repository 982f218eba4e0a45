//! Search for, then shrink, a run in which the deliberately broken commit rule (Figure 8) loses a
//! committed entry, and print it as a scenario script. It replays the randomized fault campaign of
//! tests/random_faults.rs with the broken rule until a seed violates safety, drops every action the
//! violation does not need, and prints the rest:
//! `cargo run --release -p sim --example find_broken_run > tests/scenarios/broken_commit_rule.script`

use sim::campaign::campaign;
use sim::{Action, Sim, SimConfig};

const MS: u64 = 1000;

/// Replay (skipping refused actions); the time of the first violation, if any.
fn violates(cfg: &SimConfig, actions: &[(u64, Action)]) -> Option<u64> {
    let mut s = Sim::new(cfg.clone()).unwrap();
    for (t, a) in actions {
        s.run_until(*t);
        if !s.violations.is_empty() {
            break;
        }
        let _ = s.act(a.clone());
    }
    s.run_until(actions.last().map_or(0, |a| a.0) + 2000 * MS);
    s.violations.first().map(|v| v.time)
}

fn main() {
    let broken = sim::campaign::broken_options();
    let found = (0..50_000)
        .map(|seed| campaign(seed, Some(broken)))
        .find(|s| !s.violations.is_empty())
        .expect("no violating run");
    let mut cfg = found.initial.clone();
    cfg.check_persistence = false;
    // The campaign changes the network as it goes: start from the network it began with.
    let mut actions = found.actions.clone();
    let mut i = actions.len();
    while i > 0 {
        i -= 1;
        let mut fewer = actions.clone();
        fewer.remove(i);
        if violates(&cfg, &fewer).is_some() {
            actions = fewer;
        }
    }
    let end = violates(&cfg, &actions).expect("still violates");
    let n = &cfg.net;
    println!("# The broken rule of Figure 8. With `unsafe-commit-old-terms=on` a leader commits an entry of");
    println!("# an earlier term as soon as a majority stores it. A later leader that lacks the entry is then");
    println!("# elected (its last term is newer) and the committed entry is lost: the checker stops the run.");
    println!("# Found by running the fault campaign with the rule broken, then shrunk to the actions needed.");
    println!(
        "config servers={} seed={} latency={}-{}us drop={}% dup={}% reorder={}% noop=off lease=off unsafe-commit-old-terms=on",
        cfg.servers,
        cfg.seed,
        n.latency_min_us,
        n.latency_max_us,
        n.drop_ppm as f64 / 1e4,
        n.duplicate_ppm as f64 / 1e4,
        n.reorder_ppm as f64 / 1e4
    );
    let mut s = Sim::new(cfg.clone()).unwrap();
    let mut now = 0;
    for (t, a) in &actions {
        s.run_until(*t);
        if s.act(a.clone()).is_ok() {
            println!("run {}us", t - now);
            println!("{}", sim::script::action_line(a));
            now = *t;
        }
    }
    println!("run {}us", end.saturating_sub(now) + 1);
    println!("show");
    println!("expect violation");
}
