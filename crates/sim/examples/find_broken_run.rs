//! Search for, then shrink, a run in which the deliberately broken commit rule (Figure 8) loses a
//! committed entry, and print it as a scenario script. It replays the randomized fault campaign of
//! tests/random_faults.rs with the broken rule until a seed violates safety, drops every action the
//! violation does not need, and prints the rest:
//! `cargo run --release -p sim --example find_broken_run > tests/scenarios/broken_commit_rule.script`

use sim::campaign::campaign;
use sim::{Record, Sim};

const MS: u64 = 1000;

/// Replay at each action's time (skipping refused actions); the time of the first violation, if any.
fn violates(rec: &Record) -> Option<u64> {
    let mut s = Sim::new(rec.config.clone()).unwrap();
    for a in &rec.actions {
        s.run_until(a.time);
        if !s.violations.is_empty() {
            break;
        }
        let _ = s.act(a.action.clone());
    }
    s.run_until(rec.actions.last().map_or(0, |a| a.time) + 2000 * MS);
    s.violations.first().map(|v| v.time)
}

fn main() {
    let broken = sim::campaign::broken_options();
    let found = (0..50_000)
        .map(|seed| campaign(seed, Some(broken)))
        .find(|s| !s.sim().violations.is_empty())
        .expect("no violating run");
    let mut rec = found.record().clone();
    rec.config.check_persistence = false;
    let mut i = rec.actions.len();
    while i > 0 {
        i -= 1;
        let mut fewer = rec.clone();
        fewer.actions.remove(i);
        if violates(&fewer).is_some() {
            rec = fewer;
        }
    }
    let end = violates(&rec).expect("still violates");
    // Keep only the actions that still succeed when replayed at their times, as a script.
    let mut s = Sim::new(rec.config.clone()).unwrap();
    let mut kept = Record::new(rec.config.clone());
    for a in &rec.actions {
        s.run_until(a.time);
        if s.act(a.action.clone()).is_ok() {
            kept.actions.push(a.clone());
        }
    }
    println!("# The broken rule of Figure 8. With `break=commit-old-term` a leader commits an entry of");
    println!("# an earlier term as soon as a majority stores it. A later leader that lacks the entry is then");
    println!("# elected (its last term is newer) and the committed entry is lost: the checker stops the run.");
    println!("# Found by running the fault campaign with the rule broken, then shrunk to the actions needed.");
    print!("{}", kept.script());
    println!("run {}us", end.saturating_sub(kept.actions.last().map_or(0, |a| a.time)) + 1);
    println!("show");
    println!("expect violation");
}
