//! The wasm input layer's fuzzer (`raft_wasm::fuzz`), for long runs:
//!
//! ```text
//! cargo run --release -p raft-wasm --example fuzz_input -- [N] [--seed S] [-j THREADS]
//! ```
//!
//! N generated plain-data trees (default 10,000), each read as `plain` reads a JS value, then as
//! a config and as an action against four simulators. Exits 1 if anything failed.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| -> Option<u64> {
        args.iter().position(|a| a == flag).and_then(|k| args.get(k + 1)).and_then(|v| v.parse().ok())
    };
    let seed = value("--seed").unwrap_or(1);
    let threads =
        value("-j").map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let n = args.first().and_then(|a| a.replace('_', "").parse().ok()).unwrap_or(10_000);
    let sims = sim::fuzz::sims();
    println!("{n} inputs, seed {seed}, {threads} threads");
    let r = sim::fuzz::fuzz(n, seed, threads, raft_wasm::fuzz::gen_js, |t| raft_wasm::fuzz::check_js(t, &sims));
    println!("{}", r.summary("js input"));
    for f in r.failures.iter().take(10) {
        println!("  FAILED: {f}");
    }
    for (t, input) in &r.slowest {
        let shown: String = input.chars().take(160).collect();
        println!("  slow: {:.1} ms  {shown}", t.as_secs_f64() * 1000.0);
    }
    let refused: u64 = r.errors.iter().map(|e| e.1).sum();
    println!("  {refused} refused with {} kinds of error; the commonest:", r.errors.len());
    for (e, count) in r.errors.iter().take(12) {
        println!("  {count:>9}  {e}");
    }
    let path = format!("{}/../../target/fuzz-errors-js.txt", env!("CARGO_MANIFEST_DIR"));
    let all: String = r.errors.iter().map(|(e, n)| format!("{n:>9}  {e}\n")).collect();
    if std::fs::write(&path, all).is_ok() {
        println!("  (every kind: {path})");
    }
    if r.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
