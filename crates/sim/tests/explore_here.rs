//! Explore from here: the model checker started from a running simulator's state, and its
//! counterexample carried back into the run as recorded actions (`hold`, then one action per
//! event), which the timeline replays step by step to the same violation — from the run, from its
//! record and from its permalink.

use sim::check::{self, here, Bounds, Config, Model, Outcome};
use sim::codec::{encode_record, to_base64};
use sim::{Action, Outcome as Answer, Property, SimConfig, Timeline};

const MS: u64 = 1000;

/// Three servers, S1 elected and then crashed: S2 and S3 are left to elect a new leader.
fn leader_crashed(broken: &str) -> Timeline {
    let mut cfg = SimConfig { servers: 3, seed: 3, ..SimConfig::default() };
    cfg.raft.vote_lease = false;
    cfg.set_text("break", broken, &[sim::settings::Group::Protocol]).unwrap();
    let mut t = Timeline::new(cfg).unwrap();
    t.run_until(1000 * MS);
    let l = t.sim().leader().expect("a leader");
    t.act(Action::Crash(l)).unwrap();
    t.run_until(1010 * MS);
    t
}

fn explore(model: &Model, depth: u32) -> Outcome {
    check::explore(&Config { model: model.clone(), depth, symmetry: false, threads: 1, max_bytes: None }, |_, _| {})
}

fn budgets(crashes: u32, requests: u32) -> Bounds {
    Bounds { servers: 0, crashes, requests, ..Bounds::default() }
}

#[test]
fn a_counterexample_from_here_loads_into_the_run_and_replays_to_the_violation() {
    let mut t = leader_crashed("vote-twice");
    let model = Model::from_sim(t.sim(), budgets(0, 0)).unwrap();
    assert_eq!(model.bounds.servers, 3);
    let out = explore(&model, 8);
    let v = out.violation.expect("two leaders of one term, from here");
    assert_eq!(v.property, Property::ElectionSafety);
    // From a fresh cluster it takes 6 steps: here S1 is down already, so 6 too (two timeouts,
    // two vote requests, two replies) — a shortest one.
    assert_eq!(v.path.len(), 6, "{}", check::report::steps(&model, &v.path));

    let before = t.position();
    let loaded = here::load(&mut t, &model, &v.path).unwrap();
    assert!(loaded.violation.contains("Election Safety"), "{}", loaded.violation);
    assert_eq!(loaded.steps.len(), v.path.len());
    assert_eq!(t.position(), loaded.start, "left at the counterexample's start");
    assert_eq!(loaded.start.applied, before.applied + 1, "just after its hold");
    assert_eq!(t.sim().held, Some(before.time));
    assert!(t.sim().violations.is_empty(), "not broken yet at the start");
    // Step through it: one action per step, the violation at the last.
    for (k, (line, at)) in loaded.steps.iter().enumerate() {
        assert!(t.step(), "step {}", k + 1);
        assert_eq!(t.position(), *at, "step {} ({line})", k + 1);
        assert_eq!(t.sim().violations.is_empty(), k + 1 < loaded.steps.len(), "step {}", k + 1);
    }
    assert_eq!(t.sim().violations[0].property, Property::ElectionSafety);
    // The run with it replays from its permalink (opened at its start) to the same violation.
    let link = to_base64(&encode_record(t.record(), loaded.start));
    let mut opened = Timeline::from_permalink(&link, u64::MAX).unwrap();
    assert!(opened.sim().violations.is_empty());
    opened.seek_position(loaded.steps.last().unwrap().1);
    assert_eq!(opened.sim().violations[0].property, Property::ElectionSafety);
    let script = t.record().script();
    assert!(script.contains("hold\n") && script.contains("deliver-message "), "{script}");
}

#[test]
fn the_correct_protocol_explores_clean_from_here() {
    let t = leader_crashed("none");
    let model = Model::from_sim(t.sim(), budgets(1, 1)).unwrap();
    let out = explore(&model, 7);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert!(out.states() > 1000, "{}", out.states());
    let elected = out.goals[0].reached.as_ref().map(|(d, _)| *d);
    assert!(elected.is_some_and(|d| d >= 3), "a new leader takes a timeout, a vote request and its reply: {elected:?}");
}

#[test]
fn a_path_with_a_client_request_replays_as_the_simulator_s_own_request() {
    // A path to the goal "a client request answered", carried into the run: its request is the
    // simulator's next client session, so the answer reaches the simulator's client.
    let mut cfg = SimConfig { servers: 3, seed: 5, ..SimConfig::default() };
    cfg.raft.vote_lease = false;
    let mut t = Timeline::new(cfg).unwrap();
    t.run_until(1000 * MS);
    t.act(Action::Request { server: t.sim().leader().unwrap(), op: raft::Op::Set { key: b'y', value: 1 } }).unwrap();
    t.run_until(1500 * MS);
    let model = Model::from_sim(t.sim(), budgets(0, 1)).unwrap();
    let out = explore(&model, 5);
    let (depth, path) = out.goals[2].reached.clone().expect("an answer within 5 steps");
    assert_eq!(depth, 3, "the request, its AppendEntries to one follower, the reply: a majority of three");
    let answered = |t: &Timeline| t.sim().client_ops.iter().filter(|c| matches!(c.outcome, Answer::Ok { .. })).count();
    let before = answered(&t);
    let mut u = t.clone();
    let (_, steps) = here::carry(&mut t, &model, &path).unwrap();
    assert_eq!(steps.len(), path.len());
    assert!(steps[0].0.contains("sends `x <- 1`"), "{:?}", steps[0]);
    assert_eq!(answered(&t), before + 1, "the model's request was the simulator's next session, and it was answered");
    // A path that breaks nothing is no counterexample: `load` says so.
    let why = here::load(&mut u, &model, &path).unwrap_err();
    assert!(why.contains("without breaking anything"), "{why}");
}

#[test]
fn what_the_model_leaves_out_must_not_matter_yet() {
    let t = Timeline::new(SimConfig { servers: 11, ..SimConfig::default() }).unwrap();
    let why = Model::from_sim(t.sim(), budgets(0, 0)).unwrap_err();
    assert!(why.contains("at most 9"), "{why}");
    let mut t = leader_crashed("vote-twice");
    let model = Model::from_sim(t.sim(), budgets(0, 0)).unwrap();
    let path = explore(&model, 8).violation.unwrap().path;
    here::load(&mut t, &model, &path).unwrap();
    t.seek(t.horizon().time);
    let why = Model::from_sim(t.sim(), budgets(0, 0)).unwrap_err();
    assert!(why.contains("already broken Election Safety"), "{why}");
}

#[test]
fn a_memory_bound_stops_the_search_early() {
    let model = Model::new(
        raft::Options { vote_lease: false, ..raft::Options::default() },
        Bounds { servers: 3, crashes: 1, requests: 1, ..Bounds::default() },
    )
    .unwrap();
    let out =
        check::explore(&Config { model, depth: 20, symmetry: false, threads: 1, max_bytes: Some(1 << 20) }, |_, _| {});
    assert!(out.out_of_memory);
    assert!(out.depth() < 20 && out.violation.is_none());
}

#[test]
fn symmetry_is_refused_once_a_membership_change_has_begun() {
    // Symmetry renames server ids but not the sets inside configurations: unsound mid-change.
    let t = leader_crashed("none");
    assert!(Model::from_sim(t.sim(), budgets(0, 0)).unwrap().symmetry_allowed().is_ok());
    let mut cfg = SimConfig { servers: 3, seed: 3, ..SimConfig::default() };
    cfg.raft.vote_lease = false;
    let mut t = Timeline::new(cfg).unwrap();
    t.run_until(1000 * MS);
    t.act(Action::Change { add: vec![4], remove: vec![1] }).unwrap();
    t.run_until(1100 * MS);
    let why = Model::from_sim(t.sim(), budgets(0, 0)).unwrap().symmetry_allowed().unwrap_err();
    assert!(why.contains("membership change"), "{why}");
}

/// Disks that take time are modelled as such: from a run with `fsync` above 0 the model's writes
/// stay in flight until a flush, what a server sends waits for them, a crash loses them — and
/// with `reply-before-persist` broken a vote that leaves before it is durable is lost in a crash
/// and given again. The counterexample carries back into the run (`flush 1`, …) and replays.
#[test]
fn from_a_run_with_slow_disks_a_vote_lost_in_a_crash_is_found_and_replays() {
    let mut cfg = SimConfig { servers: 3, seed: 1, ..SimConfig::default() };
    cfg.raft.vote_lease = false;
    cfg.net.fsync_us = 30_000;
    cfg.set_text("break", "reply-before-persist", &[sim::settings::Group::Protocol]).unwrap();
    let mut t = Timeline::new(cfg).unwrap();
    let model = Model::from_sim(t.sim(), budgets(1, 0)).unwrap();
    assert!(model.slow_disks);
    assert!(model.symmetry_allowed().is_err(), "no symmetry with what waits on disks");
    let v = explore(&model, 10).violation.expect("two leaders of term 1 within 10 steps");
    assert_eq!((v.property, v.path.len()), (Property::ElectionSafety, 10), "{}", check::report::steps(&model, &v.path));
    let steps = check::report::steps(&model, &v.path);
    assert!(steps.contains("disk completes") && steps.contains("crashes"), "{steps}");
    let loaded = here::load(&mut t, &model, &v.path).unwrap();
    assert!(loaded.violation.contains("Election Safety"), "{}", loaded.violation);
    assert!(t.record().script().contains("flush "), "{}", t.record().script());
    // With the rule intact, the vote is durable before it leaves: clean to the same depth.
    let mut cfg = t.record().config.clone();
    cfg.set_text("break", "none", &[sim::settings::Group::Protocol]).unwrap();
    let t = Timeline::new(cfg).unwrap();
    let intact = Model::from_sim(t.sim(), budgets(1, 0)).unwrap();
    assert!(explore(&intact, 10).violation.is_none());
}
