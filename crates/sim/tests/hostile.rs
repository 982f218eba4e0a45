//! Hostile input: every cap on the work one call may do, and the inputs the fuzzers
//! (`cargo run --release -p sim --example fuzz`) found, kept as regression tests. Each error must
//! say what was refused and where (the script's line, the link's byte).

use sim::codec::{decode_record, encode_record, from_base64, to_base64};
use sim::fuzz;
use sim::limits::MAX_WORK_PER_CALL;
use sim::script::{self, Limits};
use sim::{Action, Position, Record, SimConfig, Timed, Timeline};

/// A script under small limits (fast), its error.
fn refused(text: &str, limits: Limits) -> String {
    script::run_limited(text, &limits).0.expect_err(text)
}

const SMALL: Limits = Limits { work: 200_000, ..Limits::DEFAULT };

#[test]
fn a_scripts_durations_and_total_time_are_bounded() {
    let e = script::run("run 1e13s\n").unwrap_err();
    assert!(e.starts_with("line 1: `run 1e13s`:") && e.contains("longer than an hour"), "{e}");
    let e = script::run("run 3600s\nrun 1s\n").unwrap_err();
    assert!(e.starts_with("line 2: `run 1s`:") && e.contains("at most 3600s of simulated time"), "{e}");
    let e = script::run("run 10ms 20ms\n").unwrap_err();
    assert!(e.starts_with("line 1:") && e.contains("one duration"), "{e}");
    // An hour of an idle cluster is fine.
    assert!(script::run("run 3600s\nexpect leader\n").is_ok());
}

#[test]
fn settings_are_bounded_one_by_one() {
    for (line, want) in [
        ("config election_timeout=1e9s", "longer than an hour"),
        ("config election_timeout=3000s", "election_timeout = 3000000ms: at most 60000ms"),
        ("config client_timeout=601s", "at most 600000ms"),
        ("config max_entries_per_append=1025", "at most 1024"),
        ("config servers=52", "at most 51"),
        ("config load=10001", "at most 10000"),
        ("config client_attempts=1001", "at most 1000"),
        ("config heartbeat=0", "positive"),
        ("config latency=0-0ms", "latency"),
        ("set max_entries_per_append=99999999999999999999", "expected a whole number"),
    ] {
        let e = script::run(&format!("{line}\n")).unwrap_err();
        assert!(e.starts_with(&format!("line 1: `{line}`:")) && e.contains(want), "{line}: {e}");
    }
}

#[test]
fn server_ids_from_64_up_are_refused_everywhere() {
    for line in
        ["crash 64", "crash S99999999999", "partition 1,64 | 2", "cut 1 64", "cut 64>1", "change +64", "log S64 1"]
    {
        let e = script::run(&format!("{line}\n")).unwrap_err();
        assert!(e.starts_with(&format!("line 1: `{line}`:")), "{e}");
        assert!(
            e.contains("bad server \"64\"") || e.contains("bad server \"S64\"") || e.contains("S99999999999"),
            "{e}"
        );
    }
    // In a link: server 64 is named with its byte.
    let rec =
        Record { config: SimConfig::default(), actions: vec![Timed { time: 0, events: 0, action: Action::Crash(64) }] };
    let e = decode_record(&encode_record(&rec, Position::default())).unwrap_err();
    assert!(e.contains("action 1 of the link: server S64 in the link does not exist (at byte"), "{e}");
}

#[test]
fn a_scripts_work_is_capped_and_the_error_says_where_it_stopped() {
    assert_eq!(Limits::DEFAULT.work, MAX_WORK_PER_CALL);
    // A busy cluster, fat messages, timers of a microsecond: each stops at the cap.
    for text in [
        "config servers=51 load=10000\nrun 3600s\n",
        "config servers=51 heartbeat=1us election_timeout=2us latency=1us-1us\nrun 3600s\n",
        "config servers=5 load=10000 max_entries_per_append=1024\nrun 1s\ncrash 2\nrun 20s\nrestart 2\nrun 3600s\n",
        "config load=10000 client_timeout=1us client_attempts=1000 latency=1us-1us heartbeat=1us election_timeout=2us\nrun 3600s\n",
    ] {
        let (r, used) = script::run_limited(text, &SMALL);
        let e = r.unwrap_err();
        assert!(e.starts_with("line ") && e.contains("units of work") && e.contains("the most a script may do"), "{e}");
        // It stops between two events: past the limit by at most one event's messages.
        assert!(used.work >= SMALL.work && used.work <= SMALL.work + fuzz::MAX_WORK_PER_EVENT, "{used:?}");
    }
}

#[test]
fn a_scripts_output_and_reading_are_capped() {
    let small = Limits { output: 100_000, ..Limits::DEFAULT };
    let e = refused("config servers=9 load=1000\ntrace on\nrun 3600s\n", small);
    assert!(e.starts_with("line 3: `run 3600s`:") && e.contains("output passed 100000 bytes"), "{e}");
    let (_, used) = script::run_limited("config servers=9 load=1000\ntrace on\nrun 3600s\n", &small);
    // The trace is printed in slices of 4,096 units of work, so one `run` cannot print far past
    // the limit (a trace line is under 200 bytes, and one event prints a few).
    assert!(used.output < 100_000 + 4096 * 200 * 4, "{used:?}");
    let e = refused(&format!("config load=1000\nrun 2s\n{}", "show\n".repeat(200)), small);
    assert!(e.contains("output passed"), "{e}");
    let reads = Limits { scan: 50_000, ..Limits::DEFAULT };
    let e = refused(&format!("config load=1000\nrun 2s\n{}", "expect not-committed q <- 1\n".repeat(100)), reads);
    assert!(e.starts_with("line ") && e.contains("read more than 50000 log entries"), "{e}");
    let e = script::run(&"# padding\n".repeat(110_000)).unwrap_err();
    assert!(e.starts_with("the script is 1100000 bytes long: a script may be at most 1048576 bytes"), "{e}");
}

#[test]
fn stopping_at_the_budget_changes_nothing_in_the_run() {
    let cfg = SimConfig { servers: 5, load: 300, seed: 9, ..SimConfig::default() };
    let mut whole = Timeline::new(cfg.clone()).unwrap();
    whole.run_until(20_000_000);
    let mut sliced = Timeline::new(cfg).unwrap();
    let mut calls = 0;
    while sliced.sim().time < 20_000_000 {
        sliced.set_budget(5_000);
        sliced.run_until(20_000_000);
        assert!(sliced.budget_exhausted() || sliced.sim().time == 20_000_000);
        calls += 1;
        assert!(calls < 10_000);
    }
    assert!(calls > 10, "{calls}");
    assert_eq!(sliced.sim().digest(), whole.sim().digest());
    assert_eq!(sliced.position(), whole.position());
    // A seek back and forth under a small budget gets there over several calls, to the same state.
    sliced.set_budget(u64::MAX);
    sliced.seek(1_000_000);
    let mut calls = 0;
    loop {
        sliced.set_budget(2_000);
        sliced.seek(19_000_000);
        calls += 1;
        if !sliced.budget_exhausted() || sliced.sim().time == 19_000_000 {
            break;
        }
    }
    whole.seek(19_000_000);
    assert!(calls > 1);
    assert_eq!(sliced.sim().digest(), whole.sim().digest());
}

/// A link to a busy run whose moment is far after its start.
fn heavy_link(moment_us: u64) -> String {
    let config = SimConfig { servers: 51, load: 10_000, ..SimConfig::default() };
    let rec = Record { config, actions: vec![Timed { time: moment_us, events: u64::MAX / 4, action: Action::Heal }] };
    to_base64(&encode_record(&rec, Position { time: moment_us, events: u64::MAX / 4, applied: 1 }))
}

#[test]
fn opening_a_link_is_bounded_and_says_why_it_refused() {
    let e = Timeline::from_permalink(&heavy_link(3_000_000_000), 100_000).map(|_| ()).unwrap_err();
    assert!(e.contains("too long to open") && e.contains("100000 units of work"), "{e}");
    // The real cap too (a second or two).
    let e = Timeline::from_permalink(&heavy_link(3_000_000_000), MAX_WORK_PER_CALL).map(|_| ()).unwrap_err();
    assert!(e.contains("too long to open"), "{e}");
    let e = Timeline::from_permalink("AQ!x", MAX_WORK_PER_CALL).map(|_| ()).unwrap_err();
    assert!(e.contains("'!' at position 3"), "{e}");
    // A moment after more actions than the link holds.
    let rec = Record { config: SimConfig::default(), actions: vec![] };
    let bytes = encode_record(&rec, Position { time: 0, events: 0, applied: 1 << 40 });
    let e = decode_record(&bytes).unwrap_err();
    assert!(e.contains("comes after action 1099511627776 of 0 (at byte"), "{e}");
    // A real link opens.
    let mut t = Timeline::new(SimConfig::default()).unwrap();
    t.run_until(2_000_000);
    t.act(Action::Crash(1)).unwrap();
    t.run_until(3_000_000);
    let link = to_base64(&encode_record(t.record(), t.position()));
    let back = Timeline::from_permalink(&link, MAX_WORK_PER_CALL).unwrap();
    assert_eq!(back.sim().digest(), t.sim().digest());
    assert!(!back.budget_exhausted());
}

#[test]
fn link_errors_name_the_byte() {
    let rec = Record {
        config: SimConfig::default(),
        actions: vec![Timed {
            time: 5,
            events: 2,
            action: Action::Request { server: 1, op: raft::Op::Get { key: b'x' } },
        }],
    };
    let good = encode_record(&rec, Position::default());
    let fix = |mut b: Vec<u8>| {
        // Recompute the checksum so the decoder reads on past it.
        b.truncate(b.len() - 4);
        let mut h: u32 = 0x811c_9dc5;
        for &x in &b {
            h = (h ^ x as u32).wrapping_mul(0x0100_0193);
        }
        b.extend_from_slice(&h.to_le_bytes());
        b
    };
    assert!(decode_record(&fix(good.clone())).is_ok());
    for k in 1..good.len() - 4 {
        for v in [0x00, 0x7f, 0x80, 0xff, 0x40] {
            let mut b = good.clone();
            b[k] = v;
            if let Err(e) = decode_record(&fix(b)) {
                assert!(e.contains("byte") || e.contains("the link's settings"), "byte {k} = {v}: {e}");
            }
        }
    }
    assert!(from_base64("ab€d").unwrap_err().contains("'€' at position 3"));
}

#[test]
fn the_benchmark_is_bounded() {
    let e = sim::bench::workload_with(5, 1000, 0, 1, Default::default(), MAX_WORK_PER_CALL).unwrap_err();
    assert!(e.contains("must be positive"), "{e}");
    let e = sim::bench::workload_with(51, u32::MAX as u64, 1, 1, Default::default(), 100_000).unwrap_err();
    assert!(e.contains("the benchmark stopped") && e.contains("units of work"), "{e}");
    assert!(sim::bench::workload_with(5, 1000, 1000, 1, Default::default(), MAX_WORK_PER_CALL).is_ok());
}

/// Found by the script fuzzer: `expect log` of a server the cluster does not have indexed past the
/// server table (a panic natively, a trap in the browser's `run_script`); the other expectations
/// called it crashed.
#[test]
fn expectations_about_servers_that_do_not_exist_say_so() {
    for line in [
        "expect log S7 1 1",
        "expect kv 9 x=1",
        "expect last-index 9 1",
        "expect snapshot 6",
        "expect role 6 leader",
        "expect term-of 63 1",
    ] {
        let e = script::run(&format!("config servers=5\nrun 300ms\n{line}\n")).unwrap_err();
        assert!(e.starts_with(&format!("line 3: `{line}`: no server S")) && e.ends_with("servers are S1–S5"), "{e}");
    }
    let e = script::run("config servers=3 seed=3\nrun 1s\nexpect kv 1 x=1\n").unwrap_err();
    assert!(e.ends_with("expected x=1 on S1, found none"), "{e}");
    let e = script::run("config servers=3 seed=3\nrun 1s\nexpect leader 2\n").unwrap_err();
    assert!(e.ends_with("expected leader S2, found S1"), "{e}");
    let e = script::run("config servers=3 seed=3\nrun 1s\nrequest 1 x?\nexpect answered 1\n").unwrap_err();
    assert!(e.ends_with("request 1 (x?) is still waiting"), "{e}");
}

// ---- the fuzzers, a few thousand inputs each (millions: `cargo run --release -p sim --example fuzz`) ----

fn clean(target: &str, r: sim::fuzz::Report, n: u64) {
    assert_eq!(r.inputs, n);
    assert!(r.failures.is_empty(), "{target}: {} failures:\n{}", r.failures.len(), r.failures.join("\n"));
}

#[test]
fn fuzz_scripts() {
    let corpus = fuzz::corpus();
    assert!(corpus.len() >= 30);
    let r = fuzz::fuzz(3_000, 11, 1, |r| fuzz::gen_script(r, &corpus), |t| fuzz::check_script(t, &fuzz::FUZZ_LIMITS));
    // Most are refused, with many kinds of error; some run to the end.
    assert!(r.errors.len() > 50, "{:?}", r.errors);
    clean("script", r, 3_000);
}

#[test]
fn fuzz_links() {
    let links = fuzz::link_corpus(&fuzz::corpus());
    assert!(links.len() >= 30);
    let r = fuzz::fuzz(5_000, 12, 1, |r| fuzz::gen_link(r, &links), |b| fuzz::check_link(b, 20_000));
    clean("link", r, 5_000);
}

#[test]
fn fuzz_base64_actions_and_settings() {
    clean("base64", fuzz::fuzz(5_000, 13, 1, fuzz::gen_base64, |t| fuzz::check_base64(t)), 5_000);
    let c = fuzz::ActionCorpus::new();
    let r = fuzz::fuzz(5_000, 14, 1, |r| fuzz::gen_action_line(r, &c.lines), |l| fuzz::check_action_line(l, &c.sims));
    clean("action", r, 5_000);
    clean("setting", fuzz::fuzz(5_000, 15, 1, fuzz::gen_setting, |(k, v)| fuzz::check_setting(k, v)), 5_000);
}

/// The fuzzers' checks catch what they are meant to: a panic is reported with its input, an error
/// that does not name its line fails, work past a budget fails.
#[test]
fn the_fuzzers_can_fail() {
    let r = fuzz::fuzz(3, 1, 1, |_| (), |_| -> Result<Option<String>, String> { panic!("boom") });
    assert_eq!(r.failures.len(), 3);
    assert!(r.failures[0].starts_with("panic: ") && r.failures[0].contains("boom"), "{}", r.failures[0]);
    assert!(fuzz::check_script("bogus\n", &fuzz::FUZZ_LIMITS).is_ok());
    assert!(fuzz::check_base64("ab cd").unwrap().is_some());
    // A link whose moment needs more than the budget is refused, not a failure; a real one opens.
    let links = fuzz::link_corpus(&fuzz::corpus());
    assert_eq!(fuzz::check_link(&links[0], 20_000), Ok(None));
    assert!(fuzz::check_link(&fuzz::seal(vec![sim::codec::VERSION, 200]), 20_000)
        .unwrap()
        .unwrap()
        .contains("at byte"));
    assert_eq!(fuzz::shape("line 12: `run 5s`: bad \"x\""), "line N: `…`: bad \"…\"");
}

/// Found profiling the link fuzzer's slowest inputs: one call that ran far (checkpoints thinned
/// out) kept every note it narrated — 6.1 million for one budget of a single busy server, against
/// the 100,000 the README promises; and the entries a call writes (memory) did not weigh on the
/// meter, so one budget could fill 640 MB of logs.
#[test]
fn one_call_keeps_the_narration_and_the_logs_bounded() {
    let mut tl = Timeline::new(SimConfig { servers: 1, load: 10_000, ..SimConfig::default() }).unwrap();
    tl.set_budget(MAX_WORK_PER_CALL);
    tl.run_until(3_600_000_000);
    assert!(tl.budget_exhausted());
    assert!(tl.notes().len() <= sim::timeline::MAX_NOTES, "{} notes", tl.notes().len());
    assert!(tl.notes_dropped() > 1_000_000);
    let written = tl.sim().node(1).unwrap().log.last_index();
    assert!(written <= MAX_WORK_PER_CALL / sim::cluster::WORK_PER_ENTRY_WRITTEN, "{written} entries");
}

/// Found timing the worst scripts a megabyte allows: 47,000 `request` lines at one instant to a
/// 51-server cluster took 3 s and 1.1 GB before running at all — every proposal scans the leader's
/// uncommitted entries (quadratic in a burst), and each one sent an AppendEntries to every
/// follower (the pipeline window did not hold back new proposals), 2.3 million messages in
/// flight. Now the scan is work, the network holds at most `MAX_FLIGHTS` messages, and a leader
/// keeps at most `MAX_INFLIGHT` messages of entries unacknowledged per follower: the burst waits
/// in the log and goes out batched as acknowledgements come back.
#[test]
fn a_burst_of_requests_is_bounded_in_work_and_memory() {
    let text = format!("config servers=51 seed=1\nrun 1s\n{}run 1s\n", "request leader x <- 1\n".repeat(47_000));
    assert!(text.len() <= Limits::DEFAULT.text);
    let (r, used) = script::run_limited(&text, &Limits::DEFAULT);
    let e = r.unwrap_err();
    assert!(e.starts_with("line ") && e.contains("`request leader x <- 1`: the script has done"), "{e}");
    assert!(e.ends_with("the most a script may do"), "{e}");
    assert!(used.work <= MAX_WORK_PER_CALL + fuzz::MAX_WORK_PER_EVENT, "{used:?}");
    let mut t = Timeline::new(SimConfig { servers: 51, seed: 1, ..SimConfig::default() }).unwrap();
    t.run_until(1_000_000);
    let l = t.sim().leader().unwrap();
    for _ in 0..3_000 {
        t.act(Action::Request { server: l, op: raft::Op::Set { key: b'x', value: 1 } }).unwrap();
    }
    // 50 followers, each with a full window (the 3,000 entries wait for acknowledgements).
    for f in (1..=51).filter(|&f| f != l) {
        let with_entries = t
            .sim()
            .flights
            .values()
            .filter(|x| {
                x.msg.to == f && matches!(&x.msg.body, raft::Body::AppendEntries { entries, .. } if !entries.is_empty())
            })
            .count();
        assert_eq!(with_entries as u64, raft::progress::MAX_INFLIGHT, "S{f}");
    }
    assert!(t.sim().flights.len() < 500, "{:?}", t.sim().stats);
    assert_eq!(t.sim().stats.lost, 0, "{:?}", t.sim().stats);
    // …and they all commit, batched: one AppendEntries and one reply per entry per follower would
    // be 300,000 messages; batched (and with the probes that the network's reordering causes)
    // it is ~47,000.
    let sent = t.sim().stats.sent;
    t.run_until(3_000_000);
    let committed = t.sim().node(l).unwrap().commit_index;
    assert!(committed > 3_000, "{committed}");
    assert!(t.sim().stats.sent - sent < 3_000 * 50 * 2 / 4, "{:?}", t.sim().stats);
}
