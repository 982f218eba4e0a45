//! The model checker (`sim::check`) over the real core: the correct protocol explores clean,
//! every broken rule that shows within small bounds yields a shortest counterexample of a known
//! length that replays in the node-level test environment, symmetry reduction explores fewer
//! states with the same verdicts, and the search does not depend on the number of threads.

use sim::check::{self, report, Bounds, Config, Model, Outcome};
use sim::Property;

fn opts(broken: Option<&str>, settings: &[(&str, &str)]) -> raft::Options {
    let mut c = sim::SimConfig::default();
    c.raft.vote_lease = false;
    let groups = [sim::settings::Group::Protocol];
    if let Some(id) = broken {
        c.set_text("break", id, &groups).unwrap();
    }
    for (k, v) in settings {
        c.set_text(k, v, &groups).unwrap();
    }
    c.raft
}

fn explore(opts: raft::Options, bounds: Bounds, depth: u32, symmetry: bool, threads: usize) -> (Model, Outcome) {
    let model = Model::new(opts, bounds).unwrap();
    let out = check::explore(&Config { model: model.clone(), depth, symmetry, threads, max_bytes: None }, |_, _| {});
    (model, out)
}

fn bounds(crashes: u32, requests: u32, duplicates: u32) -> Bounds {
    Bounds { servers: 3, crashes, requests, duplicates, ..Bounds::default() }
}

fn goal_depths(out: &Outcome) -> Vec<Option<u32>> {
    out.goals.iter().map(|g| g.reached.as_ref().map(|(d, _)| *d)).collect()
}

#[test]
fn the_correct_protocol_explores_clean_and_reaches_its_goals() {
    // Elections, replication, lost messages: 424,961 states to depth 8.
    let (_, out) = explore(opts(None, &[]), bounds(0, 0, 0), 8, false, 2);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert_eq!((out.depth(), out.exhausted), (8, false));
    assert_eq!(out.states(), 424_961);
    assert_eq!(goal_depths(&out), [Some(3), Some(5), None], "leader, commit, client answer");
    // With a crash, a client request and a duplicated message: to depth 7.
    let (_, out) = explore(opts(None, &[]), bounds(1, 1, 1), 7, false, 2);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert_eq!(out.depth(), 7);
    assert_eq!(goal_depths(&out), [Some(3), Some(5), Some(7)]);
}

#[test]
fn the_search_does_not_depend_on_the_number_of_threads() {
    let run = |threads| explore(opts(None, &[]), bounds(1, 1, 1), 6, false, threads).1;
    let (one, three) = (run(1), run(3));
    assert_eq!(one.levels, three.levels);
    assert_eq!(one.transitions, three.transitions);
    let paths = |o: &Outcome| o.goals.iter().map(|g| g.reached.clone()).collect::<Vec<_>>();
    assert_eq!(format!("{:?}", paths(&one)), format!("{:?}", paths(&three)));
}

/// The broken rules that show within small bounds, with the bounds, the property the checker
/// names and the length of the shortest counterexample.
const REACHABLE: [(&str, (u32, u32), Property, usize); 5] = [
    ("vote-twice", (0, 0), Property::ElectionSafety, 6),
    ("forget-vote-on-restart", (1, 0), Property::ElectionSafety, 8),
    ("forget-term-on-restart", (1, 0), Property::ElectionSafety, 8),
    ("vote-without-log-check", (0, 0), Property::LeaderCompleteness, 8),
    ("truncate-on-match", (0, 1), Property::CommittedEntryKept, 8),
];

#[test]
fn each_broken_rule_yields_a_shortest_counterexample_that_replays_in_the_test_environment() {
    for (rule, (crashes, requests), property, length) in REACHABLE {
        let (model, out) = explore(opts(Some(rule), &[]), bounds(crashes, requests, 0), length as u32, true, 2);
        let v = out.violation.unwrap_or_else(|| panic!("{rule}: no violation within depth {length}"));
        assert_eq!((v.property, v.path.len()), (property, length), "{rule}: {}", v.detail);
        // Replayed by an independent driver, the path breaks the same property at its last step.
        let trace = report::trace(&model, &v.path, rule, true);
        let transcript = sim::testenv::run_file(&trace).unwrap_or_else(|e| panic!("{rule}: {e}\n{trace}"));
        let last = transcript.split("# expect violation\n").nth(1).expect("the last step is marked");
        assert!(last.contains(&format!("violation: {} violated", property.name())), "{rule}:\n{transcript}");
        // The same rule with nothing broken: clean to the same depth.
        let (_, clean) = explore(opts(None, &[]), bounds(crashes, requests, 0), length as u32, true, 2);
        assert!(clean.violation.is_none(), "{rule} intact: {:?}", clean.violation);
    }
}

#[test]
fn symmetry_gives_fewer_states_and_the_same_verdicts() {
    let (_, plain) = explore(opts(None, &[]), bounds(1, 1, 1), 6, false, 2);
    let (_, sym) = explore(opts(None, &[]), bounds(1, 1, 1), 6, true, 2);
    assert!(plain.violation.is_none() && sym.violation.is_none());
    assert!(sym.states() * 4 < plain.states(), "{} vs {}", sym.states(), plain.states());
    assert_eq!(goal_depths(&plain), goal_depths(&sym));
    // The first level: S1, S2 or S3 times out (3 states) or crashes (3) — one and one up to renaming.
    assert_eq!((plain.levels[1], sym.levels[1]), (6, 2));
    for (rule, (crashes, requests), property, length) in REACHABLE.into_iter().filter(|r| r.3 <= 8) {
        let found = |symmetry| {
            let (_, o) = explore(opts(Some(rule), &[]), bounds(crashes, requests, 0), length as u32, symmetry, 2);
            let v = o.violation.expect("a violation");
            (v.property, v.path.len())
        };
        assert_eq!(found(false), (property, length), "{rule} without symmetry");
        assert_eq!(found(true), found(false), "{rule}");
    }
}

#[test]
fn the_shortest_path_to_a_goal_is_a_real_run() {
    let (model, out) = explore(opts(None, &[]), bounds(0, 1, 0), 7, true, 2);
    let (depth, path) = out.goals[2].reached.clone().expect("a client request answered within 7 steps");
    assert_eq!(depth as usize, path.len());
    let end = model.replay(&path);
    let leader = (1..=3).find_map(|id| end.node(id).filter(|n| n.role == raft::Role::Leader)).expect("a leader");
    assert_eq!(leader.commit_index, 2, "the no-op and the request are committed");
    let steps = report::steps(&model, &path);
    assert_eq!(steps.lines().count(), 7);
    assert!(steps.contains("client 1 sends `x <- 1`"), "{steps}");
}

/// Broken rules that a fresh cluster does not reach within small bounds, from a state a scenario
/// script sets up (`raft-sim check --from`): the script (tests/check_from), the property, the
/// length of the shortest counterexample, and the depth the intact rule is checked clean to.
const FROM: [(&str, &str, Property, usize, u32); 5] = [
    // Figure 8 on three servers: a leader that commits an old term's entry by counting replicas
    // loses it to the next leader.
    ("figure8_3", "commit-old-term", Property::LeaderCompleteness, 10, 9),
    // A follower with stale entries takes the leader's commit index as it is and applies them.
    ("stale_follower", "commit-without-min", Property::StateMachineSafety, 4, 8),
    // A joint change under way: C_new's majority alone commits C_old,new, C_old's elects another.
    ("joint_change", "joint-new-only", Property::LeaderCompleteness, 5, 6),
    // With the clients' history kept (see `budgets`): S2 takes over and commits `x += 1` while S1,
    // which still believes it leads, answers a read from its own state machine.
    ("leader_elected", "read-without-quorum", Property::Linearizability, 8, 7),
    // A retry of `x += 1` appended and applied again: the read sees 2.
    ("leader_elected", "no-dedup", Property::Linearizability, 8, 7),
];

/// The budgets a FROM case explores with: the history-keeping rules get requests, reads, retries.
fn budgets(rule: &str) -> Bounds {
    match rule {
        "read-without-quorum" => Bounds { requests: 2, reads: 1, ..bounds(0, 0, 0) },
        "no-dedup" => Bounds { requests: 1, reads: 1, retries: 1, ..bounds(0, 0, 0) },
        _ => bounds(0, 0, 0),
    }
}

#[test]
fn from_a_scenario_s_state_the_deeper_rules_yield_shortest_counterexamples() {
    for (script, rule, property, length, clean_depth) in FROM {
        let path = format!("{}/../../tests/check_from/{script}.script", env!("CARGO_MANIFEST_DIR"));
        let rec = sim::script::record(&std::fs::read_to_string(path).unwrap()).unwrap();
        let run = |broken: &str, depth: u32| {
            let mut t = sim::Timeline::from_record(rec.record.clone()).unwrap();
            t.seek(rec.end);
            let mut cfg = t.sim().cfg.clone();
            cfg.set_text("break", broken, &[sim::settings::Group::Protocol]).unwrap();
            t.act(sim::Action::SetOptions(cfg.raft)).unwrap();
            let model = Model::from_sim(t.sim(), budgets(rule)).unwrap();
            let out = check::explore(
                &Config { model: model.clone(), depth, symmetry: false, threads: 2, max_bytes: None },
                |_, _| {},
            );
            (t, model, out)
        };
        let (mut t, model, out) = run(rule, length as u32);
        let v = out.violation.unwrap_or_else(|| panic!("{script} {rule}: nothing within {length} steps"));
        assert_eq!((v.property, v.path.len()), (property, length), "{rule}: {}", report::steps(&model, &v.path));
        // Carried into the run, the simulator stops on the same property.
        let loaded = check::here::load(&mut t, &model, &v.path).unwrap();
        assert!(loaded.violation.contains(property.name()), "{rule}: {}", loaded.violation);
        // With the rule intact, nothing breaks.
        let (_, _, clean) = run("none", clean_depth);
        assert!(clean.violation.is_none(), "{script} intact: {:?}", clean.violation);
    }
}

/// Disks that take time (`--slow-disks`): a step's writes are in flight until a flush, what a
/// server sends waits for them, a crash loses them. With `reply-before-persist` broken a vote
/// leaves before it is durable, is lost in a crash and given again: two leaders of one term.
#[test]
fn with_slow_disks_reply_before_persist_yields_a_shortest_counterexample() {
    let run = |rule: Option<&str>| {
        let model = Model::new(opts(rule, &[]), bounds(1, 0, 0)).unwrap().with_slow_disks();
        let out = check::explore(
            &Config { model: model.clone(), depth: 10, symmetry: false, threads: 2, max_bytes: None },
            |_, _| {},
        );
        (model, out)
    };
    let (model, out) = run(Some("reply-before-persist"));
    let v = out.violation.expect("within 10 steps");
    let steps = report::steps(&model, &v.path);
    assert_eq!((v.property, v.path.len()), (Property::ElectionSafety, 10), "{steps}");
    assert!(steps.contains("S2 crashes") || steps.contains("crashes"), "{steps}");
    let (_, clean) = run(None);
    assert!(clean.violation.is_none(), "{:?}", clean.violation);
    // The synchronous disk never shows it: the rule has nothing to break there.
    let (_, sync) = explore(opts(Some("reply-before-persist"), &[]), bounds(1, 0, 0), 10, true, 2);
    assert!(sync.violation.is_none());
}

/// With reads and retries the model keeps the clients' history and checks it at every answer:
/// the correct protocol (sessions deduplicate a retry; ReadIndex confirms leadership) stays
/// linearizable, from a fresh cluster as from a settled one.
#[test]
fn with_client_histories_the_correct_protocol_stays_linearizable() {
    let history = Bounds { requests: 1, reads: 1, retries: 1, ..bounds(0, 0, 0) };
    for settings in [&[][..], &[("read_index", "on")][..]] {
        let model = Model::new(opts(None, settings), history).unwrap();
        assert!(model.keeps_history());
        let out = check::explore(&Config { model, depth: 8, symmetry: true, threads: 2, max_bytes: None }, |_, _| {});
        assert!(out.violation.is_none(), "{settings:?}: {:?}", out.violation);
        assert!(out.goals[2].reached.is_some(), "{settings:?}: a request answered");
    }
}
