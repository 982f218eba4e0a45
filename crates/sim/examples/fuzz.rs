//! The fuzzers of `sim::fuzz`, for long runs:
//!
//! ```text
//! cargo run --release -p sim --example fuzz -- [TARGET…|all] [N] [--seed S] [-j THREADS]
//! ```
//!
//! Targets: `script` (mutated tests/scenarios/*.script and random lines, run under
//! `sim::fuzz::FUZZ_LIMITS`), `link` (mutated and random permalink bytes, decoded and opened),
//! `base64` (link text), `action` (action lines), `setting` (settings text). N inputs each
//! (default 10,000). Prints, per target, the inputs per second, the failures with their input, the
//! slowest inputs and the kinds of error seen; exits 1 if anything failed.

use sim::fuzz::{self, Report};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| -> Option<u64> {
        args.iter().position(|a| a == flag).and_then(|k| args.get(k + 1)).and_then(|v| v.parse().ok())
    };
    let seed = value("--seed").unwrap_or(1);
    let threads =
        value("-j").map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let flagged: Vec<usize> =
        ["--seed", "-j"].iter().filter_map(|f| args.iter().position(|a| a == f)).flat_map(|k| [k, k + 1]).collect();
    let free: Vec<&String> = args.iter().enumerate().filter(|(k, _)| !flagged.contains(k)).map(|(_, a)| a).collect();
    let n: u64 = free.iter().find_map(|a| a.replace('_', "").parse().ok()).unwrap_or(10_000);
    let all = ["script", "link", "base64", "action", "setting"];
    let mut targets: Vec<&str> = free.iter().map(|a| a.as_str()).filter(|a| all.contains(a)).collect();
    if targets.is_empty() || free.iter().any(|a| *a == "all") {
        targets = all.to_vec();
    }

    let corpus = fuzz::corpus();
    let mut failed = false;
    println!("{} inputs per target, seed {seed}, {threads} threads, {} scripts in the corpus", n, corpus.len());
    for target in targets {
        let report = match target {
            "script" => fuzz::fuzz(
                n,
                seed,
                threads,
                |r| fuzz::gen_script(r, &corpus),
                |t| fuzz::check_script(t, &fuzz::FUZZ_LIMITS),
            ),
            "link" => {
                let links = fuzz::link_corpus(&corpus);
                fuzz::fuzz(n, seed, threads, |r| fuzz::gen_link(r, &links), |b| fuzz::check_link(b, 20_000))
            }
            "base64" => fuzz::fuzz(n, seed, threads, fuzz::gen_base64, |t| fuzz::check_base64(t)),
            "action" => {
                let c = fuzz::ActionCorpus::new();
                fuzz::fuzz(
                    n,
                    seed,
                    threads,
                    |r| fuzz::gen_action_line(r, &c.lines),
                    |l| fuzz::check_action_line(l, &c.sims),
                )
            }
            "setting" => fuzz::fuzz(n, seed, threads, fuzz::gen_setting, |(k, v)| fuzz::check_setting(k, v)),
            _ => unreachable!(),
        };
        failed |= !report.failures.is_empty();
        print(target, &report);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn print(target: &str, r: &Report) {
    println!("{}", r.summary(target));
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
    let slow: String = r.slowest.iter().map(|(t, i)| format!("{:.1} ms\t{i}\n", t.as_secs_f64() * 1000.0)).collect();
    let _ = std::fs::write(format!("{}/../../target/fuzz-slow-{target}.txt", env!("CARGO_MANIFEST_DIR")), slow);
    // Every kind of error, to read through.
    let path = format!("{}/../../target/fuzz-errors-{target}.txt", env!("CARGO_MANIFEST_DIR"));
    let all: String = r.errors.iter().map(|(e, n)| format!("{n:>9}  {e}\n")).collect();
    if std::fs::write(&path, all).is_ok() {
        println!("  (every kind: {path})");
    }
}
