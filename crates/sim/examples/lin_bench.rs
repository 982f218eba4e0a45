//! Time the linearizability checker on generated single-key histories:
//! (a) 1,000 random histories of 100 operations from 6 closed-loop clients whose operations overlap
//!     (concurrent Sets and Adds, reads, one request in seven never answered, and in three histories
//!     in ten one read answering something else), reporting median / p99 / worst time per history;
//! (b) one 600,000-operation, mostly sequential history over 26 keys, reporting the total time, and
//!     the same on a single key (which the first checker could not hold in memory);
//! (c) 20 adversarial histories of 300 operations: as (a) with one request in five unanswered, and
//!     a read near the end that no order explains, so the whole search space must be ruled out.
//!
//! Each history of (a) and (c) is checked three times and the fastest taken, so that a busy machine
//! does not decide the worst case; the search states visited (which do not vary) are shown too.
//!
//! `cargo run --release -p sim --example lin_bench`

use raft::Op;
use sim::linearizability::{check_key, search_key, Call, Verdict, BUDGET};
use sim::rng::SimRng;
use std::time::{Duration, Instant};

/// What the checker said, in three words.
fn verdict(calls: &[Call]) -> &'static str {
    match check_key(calls) {
        Verdict::Linearizable => "linearizable",
        Verdict::Violation(_) => "violation",
        Verdict::Unknown(_) => "unknown",
    }
}

/// Give each effective operation its result: apply them in the order of their linearization points.
fn fill_in(calls: &mut [Call], points: &[Option<u64>]) {
    let mut order: Vec<usize> = (0..calls.len()).filter(|&i| points[i].is_some()).collect();
    order.sort_by_key(|&i| (points[i], i));
    let mut state: Option<i64> = None;
    for i in order {
        let out = match calls[i].op {
            Op::Set { value, .. } => {
                state = Some(value);
                state
            }
            Op::Add { delta, .. } => {
                state = Some(state.unwrap_or(0) + delta);
                state
            }
            Op::Get { .. } => state,
        };
        if let Some((t, _)) = calls[i].response {
            calls[i].response = Some((t, out));
        }
    }
}

/// `n` operations on one key from 6 closed-loop clients: each sends a request, waits for the answer
/// (or, for `unanswered` parts per million of them, gives up after a timeout; the request then may
/// or may not take effect, even later), thinks a little and sends the next. Latencies are long
/// against think times, so operations overlap a lot. In `planted` parts per million of the
/// histories, one read answers one more or one less than it should (which may still be explainable).
fn concurrent_history(seed: u64, n: usize, unanswered: u32, planted: u32) -> Vec<Call> {
    let mut r = SimRng::new(seed);
    let clients = 6;
    let mut free = vec![0u64; clients];
    let (mut calls, mut points) = (Vec::new(), Vec::new());
    while calls.len() < n {
        let c = (0..clients).min_by_key(|&c| (free[c], c)).unwrap();
        let invoke = free[c];
        let op = match r.range(0, 9) {
            0..=2 => Op::Set { key: b'x', value: r.range(0, 4) as i64 },
            3..=6 => Op::Add { key: b'x', delta: 1 },
            _ => Op::Get { key: b'x' },
        };
        let (end, response, point) = if r.chance(unanswered) {
            // No answer: the client gives up after 60; it took effect (at some point) or not.
            let point = r.chance(500_000).then(|| invoke + r.range(0, 200));
            (invoke + 60, None, point)
        } else {
            let latency = r.range(1, 40);
            (invoke + latency, Some((invoke + latency, None)), Some(r.range(invoke, invoke + latency)))
        };
        calls.push(Call { op, invoke, response });
        points.push(point);
        free[c] = end + r.range(0, 6);
    }
    fill_in(&mut calls, &points);
    if r.chance(planted) {
        let reads: Vec<usize> = (0..calls.len())
            .filter(|&i| matches!(calls[i].op, Op::Get { .. }) && calls[i].response.is_some())
            .collect();
        if !reads.is_empty() {
            let i = reads[r.range(0, reads.len() as u64 - 1) as usize];
            let (t, v) = calls[i].response.unwrap();
            let wrong = match v {
                Some(v) if r.chance(500_000) => Some(v - 1),
                Some(v) => Some(v + 1),
                None => Some(0),
            };
            calls[i].response = Some((t, wrong));
        }
    }
    calls
}

/// `n` operations over `keys` keys, mostly one after another: each is sent after the previous one
/// was answered, except that one in twenty overlaps the previous one, and one in ten thousand is
/// never answered (and took effect, or not).
fn sequential_history(seed: u64, n: usize, keys: u8) -> Vec<Vec<Call>> {
    let mut r = SimRng::new(seed);
    let mut per_key: Vec<(Vec<Call>, Vec<Option<u64>>)> = vec![(Vec::new(), Vec::new()); keys as usize];
    let mut t = 0u64;
    for _ in 0..n {
        let k = r.range(0, keys as u64 - 1) as usize;
        let key = b'a' + k as u8;
        let op = match r.range(0, 2) {
            0 => Op::Set { key, value: r.range(0, 99) as i64 },
            1 => Op::Add { key, delta: 1 },
            _ => Op::Get { key },
        };
        let invoke = t;
        let latency = r.range(1, 10);
        let (response, point) = if r.chance(100) {
            (None, r.chance(500_000).then(|| invoke + r.range(0, 1000)))
        } else {
            (Some((invoke + latency, None)), Some(r.range(invoke, invoke + latency)))
        };
        per_key[k].0.push(Call { op, invoke, response });
        per_key[k].1.push(point);
        t = if r.chance(50_000) { invoke + r.range(0, latency) } else { invoke + latency + r.range(1, 5) };
    }
    per_key
        .into_iter()
        .map(|(mut calls, points)| {
            fill_in(&mut calls, &points);
            calls
        })
        .collect()
}

/// A read no order can explain (every value the register can hold is at least 0), near the end.
fn impossible_read(mut calls: Vec<Call>) -> Vec<Call> {
    let last = calls.iter().map(|c| c.invoke).max().unwrap_or(0);
    calls.push(Call {
        op: Op::Get { key: b'x' },
        invoke: last.saturating_sub(20),
        response: Some((last + 5, Some(-1))),
    });
    calls
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Check each history; print median / p99 / worst time and how many got each verdict.
fn time_each(label: &str, histories: impl Iterator<Item = (u64, Vec<Call>)>) {
    let mut times = Vec::new();
    let (mut ok, mut bad, mut unknown, mut states, mut most) = (0, 0, 0, 0, 0);
    let mut worst = (Duration::ZERO, 0);
    for (seed, calls) in histories {
        let mut took = Duration::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let v = verdict(&calls);
            took = took.min(start.elapsed());
            std::hint::black_box(v);
        }
        match verdict(&calls) {
            "linearizable" => ok += 1,
            "violation" => bad += 1,
            _ => unknown += 1,
        }
        let visited = search_key(&calls, BUDGET).1.states;
        (states, most) = (states + visited, most.max(visited));
        if took > worst.0 {
            worst = (took, seed);
        }
        times.push(took);
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{label}: median {:.1} µs, p99 {:.1} µs, worst {:.1} µs (seed {}), total {:.3} s; \
         {ok} linearizable, {bad} violations, {unknown} unknown; {:.0} states on average, {most} at most",
        micros(at(0.5)),
        micros(at(0.99)),
        micros(worst.0),
        worst.1,
        times.iter().sum::<Duration>().as_secs_f64(),
        states as f64 / times.len() as f64
    );
}

fn main() {
    time_each(
        "(a) 1000 histories of 100 ops, 6 clients",
        (0..1000).map(|seed| (seed, concurrent_history(seed, 100, 150_000, 300_000))),
    );

    for keys in [26, 1] {
        let history = sequential_history(1, 600_000, keys);
        let start = Instant::now();
        let verdicts: Vec<&str> = history.iter().map(|calls| verdict(calls)).collect();
        let took = start.elapsed();
        let bad = verdicts.iter().filter(|v| **v != "linearizable").count();
        println!(
            "(b) 600000 mostly sequential ops over {keys} key(s): {:.3} s ({bad} keys not linearizable)",
            took.as_secs_f64()
        );
    }

    time_each(
        "(c) 20 adversarial histories of 300 ops",
        (0..20).map(|seed| (seed, impossible_read(concurrent_history(seed, 300, 200_000, 0)))),
    );
}
