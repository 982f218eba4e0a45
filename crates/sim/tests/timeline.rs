//! The time machine: a run is its record (config + seed + timed actions), and any position in it
//! can be reached again exactly — by seeking back or forward, stepping one event at a time, or
//! replaying the record (or its permalink) from scratch.

use raft::Op;
use sim::codec::{decode_record, encode_record, from_base64, to_base64};
use sim::{Action, Record, Sim, SimConfig, Timeline};

const MS: u64 = 1000;

/// A run with a few actions of every kind, checkpointing often so seeks cross checkpoints.
fn busy() -> Timeline {
    let cfg = SimConfig { seed: 21, load: 50, ..SimConfig::default() };
    let mut t = Timeline::new(cfg).unwrap();
    t.set_checkpoint_every(500);
    t.run_until(400 * MS);
    let l = t.sim().leader().unwrap();
    t.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 42 } }).unwrap();
    t.run_until(700 * MS);
    t.act(Action::Crash(l)).unwrap();
    t.run_until(1100 * MS);
    t.act(Action::Partition(vec![vec![1, 2], vec![3, 4, 5]])).unwrap();
    t.run_until(1500 * MS);
    t.act(Action::Heal).unwrap();
    t.act(Action::Restart(l)).unwrap();
    t.act(Action::SetOptions(raft::Options { pre_vote: true, ..t.sim().cfg.raft })).unwrap();
    t.run_until(2500 * MS);
    t
}

/// A fresh run of `rec` to time `at`: what every seek must equal.
fn fresh(rec: &Record, at: u64) -> (u64, u64, usize) {
    let s = rec.replay(at).unwrap();
    (s.digest(), s.stats.events, s.flights.len())
}

fn here(t: &Timeline) -> (u64, u64, usize) {
    (t.sim().digest(), t.sim().stats.events, t.sim().flights.len())
}

#[test]
fn seeking_anywhere_gives_the_state_a_fresh_run_reaches_there() {
    let mut t = busy();
    let rec = t.record().clone();
    let end = here(&t);
    assert!(t.checkpoints() > 3, "the run crossed several checkpoints");
    for at in [0, 1, 399_999, 400 * MS, 400 * MS + 1, 650 * MS, 700 * MS, 1234 * MS, 1500 * MS, 2100 * MS, 2500 * MS] {
        t.seek(at);
        assert_eq!(t.sim().time, at);
        assert_eq!(here(&t), fresh(&rec, at), "seek to {at} µs");
    }
    // Back and forth again: the recorded future is still there, and so is the end.
    t.seek(300 * MS);
    t.seek(2500 * MS);
    assert_eq!(here(&t), end);
    assert_eq!(t.record(), &rec, "seeking changes nothing in the record");
}

#[test]
fn stepping_back_and_forward_one_event_at_a_time_retraces_the_run() {
    let mut t = busy();
    t.seek(1500 * MS); // just after heal + restart + set (three actions at one instant)
    let mut forward = vec![];
    for _ in 0..40 {
        forward.push((t.position(), t.sim().digest()));
        assert!(t.step_back());
    }
    for (p, d) in forward.iter().rev() {
        assert!(t.step());
        assert_eq!((t.position().events, t.position().applied), (p.events, p.applied));
        assert_eq!(t.sim().digest(), *d);
    }
    // Every step back is the exact state of a fresh replay to that position.
    let rec = t.record().clone();
    t.seek(900 * MS);
    t.step_back();
    let p = t.position();
    let mut s = Sim::new(rec.config.clone()).unwrap();
    for a in rec.actions.iter().take(p.applied) {
        s.run_to(a.time, a.events);
        s.act(a.action.clone()).unwrap();
    }
    s.process_until(u64::MAX, p.events);
    assert_eq!(s.digest(), t.sim().digest());
    // At the start there is nothing to step back to.
    t.seek(0);
    assert!(!t.step_back());
}

#[test]
fn many_steps_back_in_one_replay_land_where_as_many_single_steps_do() {
    let mut t = busy();
    t.seek(1500 * MS); // across three actions at one instant
    let mut one = t.clone();
    for _ in 0..40 {
        assert!(one.step_back());
    }
    assert_eq!(t.step_back_by(40), 40);
    assert_eq!(t.position(), one.position());
    assert_eq!(t.sim().digest(), one.sim().digest());
    // No further than the start, and it says how far it went.
    let (events, applied) = (t.position().events, t.position().applied as u64);
    assert_eq!(t.step_back_by(u64::MAX), events + applied);
    assert_eq!((t.position().events, t.position().applied), (0, 0));
    assert_eq!(t.step_back_by(5), 0);
}

#[test]
fn acting_in_the_past_forks_and_the_branch_replays_from_its_record() {
    let mut t = busy();
    let old = t.record().clone();
    let old_end = t.sim().digest();
    t.seek(900 * MS);
    t.act(Action::Crash(1)).unwrap_or_else(|_| t.act(Action::Crash(2)).unwrap());
    assert!(t.can_undo());
    assert_eq!(t.record().actions.len(), 3, "the recorded future after 900 ms is dropped");
    t.run_until(2000 * MS);
    let branch = t.record().clone();
    assert_eq!(t.sim().digest(), branch.replay(2000 * MS).unwrap().digest(), "the branch is an ordinary run");
    // Its permalink reproduces it too.
    let link = to_base64(&encode_record(&branch, t.position()));
    let (rec, at) = decode_record(&from_base64(&link).unwrap()).unwrap();
    let mut again = Timeline::from_record(rec).unwrap();
    again.seek_position(at);
    assert_eq!(again.sim().digest(), t.sim().digest());
    // Undo brings the old future back.
    assert!(t.undo_fork());
    assert_eq!(t.record(), &old);
    t.seek(2500 * MS);
    assert_eq!(t.sim().digest(), old_end);
}

#[test]
fn a_permalink_reproduces_a_position_between_events_of_one_instant() {
    // Step into the middle of a run one event at a time, act there, and share it.
    let mut t = Timeline::new(SimConfig { seed: 5, ..SimConfig::default() }).unwrap();
    t.run_until(300 * MS);
    for _ in 0..7 {
        t.step();
    }
    t.act(Action::Timeout(2)).unwrap();
    for _ in 0..3 {
        t.step();
    }
    let bytes = encode_record(t.record(), t.position());
    let (rec, at) = decode_record(&bytes).unwrap();
    let mut u = Timeline::from_record(rec).unwrap();
    u.seek_position(at);
    assert_eq!(u.position(), t.position());
    assert_eq!(u.sim().digest(), t.sim().digest());
}

#[test]
fn fifty_actions_fit_a_short_link() {
    let mut t = Timeline::new(SimConfig::default()).unwrap();
    for k in 0..50u64 {
        t.run_until((k + 1) * 37 * MS);
        let a = match k % 5 {
            0 => Action::Request { server: 1 + (k % 5) as u32, op: Op::Set { key: b'x', value: k as i64 } },
            1 => Action::Crash(1 + (k % 5) as u32),
            2 => Action::Restart(1 + ((k - 1) % 5) as u32),
            3 => Action::Link { a: 1, b: 2, up: k % 2 == 0 },
            _ => Action::Heal,
        };
        let _ = t.act(a);
    }
    assert!(t.record().actions.len() >= 45);
    let link = to_base64(&encode_record(t.record(), t.position()));
    assert!(link.len() < 1000, "{} characters for {} actions", link.len(), t.record().actions.len());
}

#[test]
fn narration_survives_seeking_and_is_cut_at_a_fork() {
    let mut t = busy();
    let notes = t.notes().to_vec();
    assert!(notes.iter().any(|n| matches!(n.what, sim::narrate::What::Elected)));
    t.seek(100 * MS);
    t.seek(2500 * MS);
    assert_eq!(t.notes(), &notes[..], "replaying the recorded future narrates nothing twice");
    t.seek(1000 * MS);
    t.act(Action::Heal).unwrap();
    assert!(t.notes().iter().all(|n| n.time <= 1000 * MS));
    assert!(t.notes().len() < notes.len());
    assert!(t.note_text(t.notes().last().unwrap()).contains("heal"));
}

#[test]
fn checkpoints_stay_within_their_budget_on_a_long_busy_run() {
    let mut t = Timeline::new(SimConfig { seed: 2, load: 200, ..SimConfig::default() }).unwrap();
    t.run_until(60_000 * MS);
    assert!(t.sim().violations.is_empty());
    assert!(t.history_bytes() < sim::timeline::CHECKPOINT_BUDGET * 2, "{} bytes", t.history_bytes());
    let rec = t.record().clone();
    t.seek(31_234 * MS);
    assert_eq!(here(&t), fresh(&rec, 31_234 * MS));
}

#[test]
fn a_record_reads_back_from_its_script() {
    let t = busy();
    let text = t.record().script();
    assert!(text.starts_with("config servers=5 seed=21 "), "{text}");
    assert!(text.contains("\nset pre_vote=on "), "{text}");
    let rec = sim::script::record(&text).unwrap();
    assert_eq!(
        rec.record.actions.iter().map(|a| &a.action).collect::<Vec<_>>(),
        t.record().actions.iter().map(|a| &a.action).collect::<Vec<_>>()
    );
    assert_eq!(rec.record.config, SimConfig { check_persistence: true, ..t.record().config.clone() });
    let mut again = Timeline::from_record(rec.record).unwrap();
    again.run_until(2500 * MS);
    let mut orig = Timeline::from_record(t.record().clone()).unwrap();
    orig.run_until(2500 * MS);
    assert_eq!(again.sim().digest(), orig.sim().digest());
}

#[test]
fn a_crafted_position_cannot_run_away() {
    let mut t = Timeline::new(SimConfig::default()).unwrap();
    // More events than the run has by that time: the replay stops at the time, not the count.
    t.seek_position(sim::Position { time: 2_000 * MS, events: u64::MAX, applied: 0 });
    assert!(t.sim().time <= 2_000 * MS);
    t.seek_position(sim::Position { time: 0, events: 0, applied: 7 });
    assert_eq!(t.position().applied, 0, "there is no action to apply");
}

#[test]
fn narration_goes_on_after_replaying_up_to_an_idle_horizon() {
    let cfg = SimConfig { seed: 8, load: 20, ..SimConfig::default() };
    let mut straight = Timeline::new(cfg.clone()).unwrap();
    straight.run_until(2_000 * MS);
    let mut t = Timeline::new(cfg).unwrap();
    t.run_until(1_012_345); // the horizon: the clock past its last event
    t.seek(500 * MS);
    t.run_until(2_000 * MS);
    assert_eq!(t.sim().digest(), straight.sim().digest());
    assert_eq!(t.notes().len(), straight.notes().len(), "every event after the old horizon is narrated");
    assert!(t.notes() == straight.notes());
}

#[test]
fn the_state_one_step_back_is_what_stepping_back_shows_and_leaves_the_timeline_alone() {
    let mut t = busy();
    let mut probe = t.clone();
    for at in [120 * MS, 400 * MS, 700 * MS, 1234 * MS, 1500 * MS, 2500 * MS] {
        t.seek(at);
        let here = (t.position(), t.sim().digest());
        let before = t.before_last_step().expect("not at the start");
        assert_eq!((t.position(), t.sim().digest()), here, "the timeline did not move");
        probe.seek(at);
        assert!(probe.step_back());
        assert_eq!((before.position(), before.digest()), (probe.sim().position(), probe.sim().digest()), "at {at} µs");
    }
    // One step back from an action is the moment before it (same events).
    t.seek(400 * MS);
    for _ in 0..100_000 {
        if t.position().applied > 0 {
            break;
        }
        assert!(t.step(), "the run stopped before its first action: {:?}", t.violation());
    }
    assert!(t.position().applied > 0, "no action within 100,000 steps");
    let before = t.before_last_step().unwrap();
    assert_eq!((before.stats.events, before.stats.actions), (t.sim().stats.events, 0));
    t.seek(0);
    assert!(t.before_last_step().is_none());
}
