//! The paper's Figure 8, step by step, as the node-level traces tell it (tests/traces/figure8*.txt:
//! every message routed by hand, the live invariant checker after every step). The transcripts show
//! each step; these tests play the same files and assert what the figure is about: a leader must
//! not commit an entry of an earlier term by counting replicas — and, with that rule broken on
//! purpose, the checker catches the damage.

use sim::datadriven::Transcript;
use sim::testenv::TestEnv;
use sim::Property;

/// Play a trace file's commands up to (not including) the first one whose comments begin with
/// `stop` (all of them if `None`).
fn play(file: &str, stop: Option<&str>) -> TestEnv {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut env = TestEnv::new();
    for b in Transcript::parse(&text).unwrap().blocks {
        if stop.is_some_and(|s| b.comments.iter().any(|c| c.starts_with(s))) {
            return env;
        }
        let command = b.command.split('#').next().unwrap().trim();
        env.command(command).unwrap_or_else(|e| panic!("{file} line {}: {e}", b.line));
    }
    assert!(stop.is_none(), "{file}: no command under {stop:?}");
    env
}

fn properties(env: &TestEnv) -> Vec<Property> {
    env.violations.iter().map(|v| v.property).collect()
}

#[test]
fn figure_8_old_term_entry_on_a_majority_is_not_committed_and_may_be_overwritten() {
    // (c): S1 leads term 4 and its term-2 entry is on S1, S2 and S3 — not committed.
    let c = play("figure8.txt", Some("# (d)"));
    let s1 = c.node(1);
    assert_eq!(s1.current_term, 4);
    assert_eq!((c.terms(1), c.terms(2), c.terms(3)), (vec![1, 2, 4], vec![1, 2], vec![1, 2]));
    assert_eq!(s1.progress[3].match_index, 2);
    assert!(s1.commit_index < 2, "index 2 (term 2) is on a majority but must not be committed by counting");

    // (d): S5 wins term 5 (its last term 3 beats their 2) and overwrites index 2 everywhere.
    let d = play("figure8.txt", None);
    assert_eq!(d.node(5).current_term, 5);
    for id in [2, 3, 4, 5] {
        assert_eq!(d.terms(id)[..2], [1, 3], "S{id}'s index 2 was replaced by S5's term-3 entry");
    }
    assert!(d.violations.is_empty(), "nothing committed was lost: {:?}", d.violations);
}

#[test]
fn figure_8_once_a_current_term_entry_commits_the_old_entry_is_safe() {
    // (e): S1 replicated its term-4 entry to S2 and S3 before crashing: index 3 commits, index 2
    // with it.
    let before = play("figure8_e.txt", Some("# (e)"));
    assert_eq!(before.node(1).commit_index, 3);
    // S5 can no longer win: S2 and S3 hold a later last term (4) than S5 (3).
    let e = play("figure8_e.txt", None);
    assert_eq!(e.node(5).current_term, 5);
    assert_ne!(e.node(5).role, raft::Role::Leader);
    assert!(e.violations.is_empty(), "{:?}", e.violations);
}

#[test]
fn figure_8_with_the_commit_rule_broken_the_checker_catches_the_lost_entry() {
    let c = play("figure8_broken_rule.txt", Some("# (d)"));
    assert_eq!(c.node(1).commit_index, 2, "the broken rule commits index 2 by counting replicas");
    assert_eq!(c.node(1).last_applied, 2, "and S1 applies it");
    assert!(c.violations.is_empty());
    let d = play("figure8_broken_rule.txt", None);
    assert_eq!(
        properties(&d).first(),
        Some(&Property::LeaderCompleteness),
        "S5 leads term 5 without the committed entry: {:?}",
        d.violations
    );
    assert!(properties(&d).contains(&Property::StateMachineSafety), "and then applies another entry at index 2");
}
