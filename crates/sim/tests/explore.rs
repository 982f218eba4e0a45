//! The fault explorer finds every rule of the catalogue broken within 2,000 seeds of its default
//! (heavy) workload, and a shrunk counterexample still fails and replays from its permalink.

use raft::Rule;
use sim::campaign::{Shape, Workload};

const SEEDS: u64 = 2000;

#[test]
fn every_broken_rule_is_found_within_two_thousand_seeds() {
    let shape = Shape { workload: Workload::Heavy, servers: None };
    let mut missed = vec![];
    for rule in Rule::ALL {
        match sim::explore::search(Some(rule), &shape, 0, SEEDS, 2, |_| {}) {
            Some(f) => assert!(!f.violation.is_empty()),
            None => missed.push(rule.id()),
        }
    }
    assert!(missed.is_empty(), "not found within {SEEDS} seeds: {missed:?}");
}

#[test]
fn a_found_run_shrinks_to_a_script_that_still_fails() {
    let shape = Shape { workload: Workload::Heavy, servers: None };
    let f = sim::explore::search(Some(Rule::VoteTwice), &shape, 0, 100, 1, |_| {}).expect("vote-twice is found");
    let (rec, end) = sim::explore::shrink(&f.record);
    assert!(rec.actions.len() <= f.record.actions.len());
    let script = sim::explore::script(&rec, end);
    assert!(script.trim_end().ends_with("expect violation"));
    sim::script::run(&script).unwrap_or_else(|e| panic!("the shrunk script: {e}\n{script}"));
    // The permalink opens the same run at the violation.
    let link = sim::explore::permalink(&rec, end);
    let (back, at) = sim::codec::decode_record(&sim::codec::from_base64(&link).unwrap()).unwrap();
    assert_eq!(back, rec);
    assert!(!back.replay(at.time).unwrap().violations.is_empty());
}

#[test]
fn the_correct_protocol_explores_clean_safe_linearizable_and_live() {
    let shape = Shape { workload: Workload::Heavy, servers: None };
    assert!(sim::explore::search(None, &shape, 0, 100, 2, |_| {}).is_none());
}
