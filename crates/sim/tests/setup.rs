//! Set-up actions (`log`, `term`, `commit`): a starting state written by hand, recorded like any
//! other action, valid only before anything happens, and refused (changing nothing) when Raft could
//! not be in that state.

use sim::{codec, script, Action, Record, Sim, SimConfig, Timed, Timeline};

fn sim(servers: u32) -> Sim {
    Sim::new(SimConfig { servers, check_persistence: true, ..SimConfig::default() }).unwrap()
}

fn terms(log: &raft::Log) -> Vec<u64> {
    log.entries().map(|e| e.term).collect()
}

fn log(server: u32, terms: &[u64]) -> Action {
    Action::SetLog { server, terms: terms.to_vec() }
}

/// A refused action leaves the run exactly as it was.
fn refused(sim: &mut Sim, a: Action) -> String {
    let before = (sim.digest(), sim.stats, terms(&sim.node(1).unwrap().log), sim.node(1).unwrap().current_term);
    let err = sim.act(a.clone()).expect_err(&format!("{a} should be refused"));
    let after = (sim.digest(), sim.stats, terms(&sim.node(1).unwrap().log), sim.node(1).unwrap().current_term);
    assert_eq!(before, after, "refusing {a} changed the run");
    err
}

#[test]
fn set_up_lines_read_back_and_encode() {
    let ctx = sim(3);
    for line in ["log S1 1 1 4 4 5", "log S3", "term S2 8", "commit S1 3"] {
        let a = Action::parse(line, &ctx).unwrap().unwrap();
        assert_eq!(a.to_string(), line);
        let mut w = codec::Writer::default();
        codec::put_action(&mut w, &a);
        assert_eq!(codec::get_action(&mut codec::Reader::new(&w.0)).unwrap(), a, "{line}");
    }
}

#[test]
fn set_up_makes_the_state_it_says_and_persists_it() {
    let mut s = sim(3);
    s.act(log(1, &[1, 1, 2])).unwrap();
    s.act(log(2, &[1, 1])).unwrap();
    s.act(Action::SetTerm { server: 2, term: 4 }).unwrap();
    s.act(Action::SetCommit { server: 1, index: 2 }).unwrap();
    let n1 = s.node(1).unwrap();
    assert_eq!((terms(&n1.log), n1.current_term, n1.voted_for), (vec![1, 1, 2], 2, None), "the term follows the log");
    assert_eq!((n1.commit_index, n1.last_applied), (2, 2));
    // Equal index and term: equal entry, on every server.
    assert_eq!(n1.log.get(2), s.node(2).unwrap().log.get(2));
    assert_eq!(s.node(2).unwrap().current_term, 4);
    // A crash and restart keeps the set-up log and term (commitIndex is volatile).
    s.act(Action::Crash(1)).unwrap();
    s.act(Action::Restart(1)).unwrap();
    s.act(Action::Crash(2)).unwrap();
    s.act(Action::Restart(2)).unwrap();
    let (n1, n2) = (s.node(1).unwrap(), s.node(2).unwrap());
    assert_eq!((terms(&n1.log), n1.current_term, n1.commit_index), (vec![1, 1, 2], 2, 0));
    assert_eq!((terms(&n2.log), n2.current_term), (vec![1, 1], 4));
    // The run goes on from there with every check on (stable storage included).
    s.run_until(2_000_000);
    assert!(s.violations.is_empty(), "{:?}", s.violations);
    // The committed prefix survives whoever wins (S2, in term 4, may well: index 3 was not committed).
    let l = s.node(s.leader().unwrap()).unwrap();
    assert!(l.current_term > 4 && terms(&l.log).starts_with(&[1, 1]), "{:?}", terms(&l.log));
}

#[test]
fn set_up_is_refused_after_the_first_event_or_another_action() {
    let mut s = sim(3);
    s.act(Action::Timeout(1)).unwrap();
    assert!(refused(&mut s, log(1, &[1])).contains("only comes first"));
    let mut s = sim(3);
    s.act(log(1, &[1])).unwrap();
    assert!(s.step());
    let err = refused(&mut s, Action::SetTerm { server: 1, term: 3 });
    assert!(err.contains("before the first event"), "{err}");
    // So a script refuses it after its first `run`, naming the line.
    let err = script::run("config servers=3\nlog S1 1\nrun 1ms\nlog S2 1\n").unwrap_err();
    assert!(err.starts_with("line 4: `log S2 1`: set-up"), "{err}");
}

#[test]
fn impossible_set_ups_are_refused_with_a_reason() {
    let mut s = sim(3);
    let err = refused(&mut s, log(1, &[1, 3, 2]));
    assert!(err.contains("terms never decrease along a log: term 2 at index 3 follows term 3 at index 2"), "{err}");
    assert!(refused(&mut s, log(1, &[0, 1])).contains("terms start at 1"));
    s.act(log(1, &[1, 1, 3])).unwrap();
    assert!(refused(&mut s, Action::SetTerm { server: 1, term: 2 }).contains("its term must be at least 3"));
    assert!(refused(&mut s, Action::SetCommit { server: 1, index: 4 }).contains("log ends at index 3"));
    assert!(refused(&mut s, Action::SetTerm { server: 9, term: 2 }).contains("no server S9"));
    // Log Matching: an entry of term 3 at index 3 after a different prefix cannot exist.
    let err = refused(&mut s, log(2, &[1, 2, 3]));
    assert!(err.contains("Log Matching"), "{err}");
    // A committed entry that a server without it could still outvote is not committed.
    let err = refused(&mut s, Action::SetCommit { server: 1, index: 3 });
    assert!(err.contains("S2 lacks it and could still be elected"), "{err}");
    s.act(log(2, &[1, 1, 3])).unwrap();
    s.act(Action::SetCommit { server: 1, index: 3 }).unwrap();
    // Once committed, no set-up may lose it.
    let err = refused(&mut s, log(2, &[1, 1]));
    assert!(err.contains("S2 held the committed entry at index 3 and lost it"), "{err}");
    assert!(refused(&mut s, log(1, &[1])).contains("set up its log before its commit"));
    // In a script, the error names the line.
    let err = script::run("config servers=3\nlog S1 1 1\nlog S2 2 1\n").unwrap_err();
    assert!(err.starts_with("line 3: `log S2 2 1`: terms never decrease"), "{err}");
}

#[test]
fn a_record_with_set_up_replays_and_links_to_the_same_run() {
    let text = "config servers=5 seed=9\nlog S1 1 1 2\nlog S2 1 1 2\nlog S3 1 1\nterm S3 4\ncommit S1 2\n\
                timeout 2\nrun 1s\nrequest leader x <- 1\nrun 200ms\n";
    let rec = script::record(text).unwrap();
    assert_eq!(rec.record.actions.iter().filter(|a| a.action.is_setup()).count(), 5);
    let replayed = rec.record.replay(rec.end).unwrap();
    assert_eq!(replayed.digest(), rec.digest);
    // Through a permalink's bytes, and seeking back to the start and forward again.
    let bytes = codec::encode_record(&rec.record, Default::default());
    let (back, _) = codec::decode_record(&bytes).unwrap();
    assert_eq!(back.actions, rec.record.actions);
    let mut tl = Timeline::from_record(back).unwrap();
    tl.run_until(rec.end);
    assert_eq!(tl.sim().digest(), rec.digest);
    tl.seek(0);
    assert_eq!(terms(&tl.sim().node(1).unwrap().log), vec![1, 1, 2], "time 0 shows the set-up");
    tl.seek(rec.end);
    assert_eq!(tl.sim().digest(), rec.digest);
    // A fresh timeline carries out just its set-up: the figure at time 0, the story still ahead.
    let mut tl = Timeline::from_record(rec.record.clone()).unwrap();
    assert!(tl.apply_setup());
    assert_eq!((tl.position().applied, tl.position().events, tl.sim().time), (5, 0, 0));
    assert_eq!(terms(&tl.sim().node(3).unwrap().log), vec![1, 1]);
    tl.run_until(rec.end);
    assert_eq!(tl.sim().digest(), rec.digest);
    // A set-up recorded after the first event does not replay.
    let late = Record {
        config: rec.record.config.clone(),
        actions: vec![Timed { time: 500_000, events: 3, action: Action::SetTerm { server: 1, term: 2 } }],
    };
    assert!(late.replay(1_000_000).unwrap_err().contains("only comes first"));
}

#[test]
fn expect_log_passes_and_fails_as_it_should() {
    let base = "config servers=3 seed=1\nlog S1 1 1 2\nlog S2 1 1\nlog S3 1 1\n";
    assert!(script::run(&format!("{base}expect log S1 1 1 2\nexpect log S2 1 1\n")).is_ok());
    let err = script::run(&format!("{base}expect log S1 1 1\n")).unwrap_err();
    assert!(err.starts_with("line 5: `expect log S1 1 1`: expected S1's log to be 1 1, it is 1 1 2"), "{err}");
    let err = script::run(&format!("{base}expect log S1 1 2 2\n")).unwrap_err();
    assert!(err.contains("it is 1 1 2"), "{err}");
    assert!(script::run(&format!("{base}expect log S1 1 one\n")).unwrap_err().contains("bad term \"one\""));
    // A crashed server's log is the one on its disk.
    assert!(script::run(&format!("{base}crash 1\nexpect log S1 1 1 2\n")).is_ok());
    assert!(script::run("config servers=3\nexpect log S1\n").is_ok(), "an empty log");
    // After compaction (S1 snapshots through index 4 as it steps first) the snapshot knows only its
    // last entry's term: `_` for the others.
    let snap = "config servers=3 seed=1 snapshot_threshold=3\nlog S1 1 1 1 1\nlog S2 1 1 1 1\nlog S3 1 1 1 1\n\
                commit S1 4\ntimeout 1\nrun 300ms\n";
    assert!(script::run(&format!("{snap}expect snapshot 1\nexpect log S1 _ _ _ 1 2\n")).is_ok());
    let err = script::run(&format!("{snap}expect log S1 1 1 1 1 2\n")).unwrap_err();
    assert!(err.contains("S1 has compacted index 1 into its snapshot (through index 4, term 1)"), "{err}");
    assert!(err.contains("write _ for it (its log is _ _ _ 1 2)"), "{err}");
}
