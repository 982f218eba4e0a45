//! Search for, then shrink, a run in which the deliberately broken commit rule (Figure 8) loses a
//! committed entry, and print it as a scenario script. It replays the randomized fault campaign of
//! tests/random_faults.rs with the broken rule until a seed violates safety, then shrinks it with
//! the fault explorer's shrinker (`sim::explore::shrink`; `raft-sim explore` does the same for any
//! rule of the catalogue, on every core):
//! `cargo run --release -p sim --example find_broken_run > tests/scenarios/broken_commit_rule.script`

use sim::campaign::campaign;

fn main() {
    let broken = sim::campaign::broken_options();
    let found = (0..50_000)
        .map(|seed| campaign(seed, Some(broken)))
        .find(|s| !s.sim().violations.is_empty())
        .expect("no violating run");
    let (rec, end) = sim::explore::shrink(found.record());
    println!("# The broken rule of Figure 8. With `break=commit-old-term` a leader commits an entry of");
    println!("# an earlier term as soon as a majority stores it. A later leader that lacks the entry is then");
    println!("# elected (its last term is newer) and the committed entry is lost: the checker stops the run.");
    println!("# Found by running the fault campaign with the rule broken, then shrunk to the actions needed.");
    print!("{}", sim::explore::script(&rec, end));
}
