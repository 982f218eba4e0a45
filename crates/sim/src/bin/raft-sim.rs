//! Command line for the simulator.
//!
//! `raft-sim run [--narrate|--trace] FILE…` runs scenario scripts and prints their output (exit 1 on
//! a failed expectation or a safety violation); `--trace` prints the transcript the golden files
//! hold. `raft-sim run -` reads the script from standard input. `raft-sim trace FILE…` runs
//! node-level trace files (`tests/traces/*.txt`) and prints their transcripts.
//! `raft-sim settings` lists every setting; `bench` and `seek-bench` measure (see BENCHMARKS.md).
//! `raft-sim explore` runs the randomized fault campaign over seeds; `raft-sim check` explores
//! every interleaving to a depth (`sim::check`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts live heap bytes (and the peak), so benchmarks report memory as allocated, not estimated.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// CPU time of the whole process (every thread, finished ones too), in seconds, to the
/// nanosecond: `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, which brings the running thread's count
/// up to date as it reads. (/proc/self/schedstat, used before, is only brought up to date at the
/// scheduler's ticks, 4 ms apart: on the 12-ms light workload one run read 0.016 s and the next
/// 0.0105 s for the same work.) `None` where the system does not say.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_seconds() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable `struct timespec` (two 64-bit fields on 64-bit Linux), and
    // the clock id is Linux's.
    let ok = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| t.sec as f64 + t.nsec as f64 / 1e9)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_seconds() -> Option<f64> {
    None
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(cmd @ ("run" | "trace")) if args.len() > 1 => {
            let narrate = args.iter().any(|a| a == "--narrate");
            let trace = args.iter().any(|a| a == "--trace");
            for path in args[1..].iter().filter(|a| *a != "--narrate" && *a != "--trace") {
                let text = if path == "-" {
                    let mut s = String::new();
                    if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                        eprintln!("reading standard input: {e}");
                        return ExitCode::from(2);
                    }
                    s
                } else {
                    match std::fs::read_to_string(path) {
                        Ok(s) => s,
                        Err(e) => {
                            eprintln!("{path}: {e}");
                            return ExitCode::from(2);
                        }
                    }
                };
                let out = if cmd == "trace" {
                    sim::testenv::run_file(&text)
                } else if trace {
                    sim::script::transcript(&text, true)
                } else if narrate {
                    sim::script::run_narrated(&text)
                } else {
                    sim::script::run(&text)
                };
                match out {
                    Ok(out) => print!("{out}"),
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(1);
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Some("bench") => {
            // `bench [SERVERS [SIM_MS [WRITE_EVERY_US]]] [--snapshot-threshold N] [--check-persistence]`
            let flag = args.iter().position(|a| a == "--snapshot-threshold");
            let threshold = flag.and_then(|k| args.get(k + 1)).and_then(|a| a.parse().ok()).unwrap_or(0);
            let check_persistence = args.iter().any(|a| a == "--check-persistence");
            let pos: Vec<&String> = args
                .iter()
                .enumerate()
                .filter(|(k, a)| flag.is_none_or(|f| *k != f && *k != f + 1) && *a != "--check-persistence")
                .map(|(_, a)| a)
                .collect();
            let extras = sim::bench::Extras { snapshot_threshold: threshold, check_persistence };
            let num = |k: usize, d: u64| pos.get(k).and_then(|a| a.parse().ok()).unwrap_or(d);
            let (servers, sim_ms, every_us) = (num(1, 5) as u32, num(2, 60_000), num(3, 1_000));
            let (t, cpu0) = (std::time::Instant::now(), cpu_seconds());
            match sim::bench::workload_with(servers, sim_ms, every_us, 1, extras, u64::MAX) {
                Ok(stats) => {
                    let secs = t.elapsed().as_secs_f64();
                    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
                    println!(
                        "{servers} servers, {} s simulated, a write every {every_us} µs, snapshots every {threshold} entries{}: {} messages delivered, {} events in {secs:.3} s wall = {:.0} messages/s, {:.0} events/s",
                        sim_ms / 1000,
                        if check_persistence { ", the persistence cross-check on" } else { "" },
                        stats.delivered,
                        stats.events,
                        stats.delivered as f64 / secs,
                        stats.events as f64 / secs
                    );
                    if let Some(cpu) = cpu {
                        println!(
                            "  per CPU-second: {:.0} messages, {:.0} simulated seconds; peak heap {:.1} MB",
                            stats.delivered as f64 / cpu,
                            sim_ms as f64 / 1000.0 / cpu,
                            PEAK.load(Relaxed) as f64 / 1e6
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Some("seek-bench") => {
            let num = |k: usize, d: u64| args.get(k).and_then(|a| a.parse().ok()).unwrap_or(d);
            let (servers, sim_ms, load, n) =
                (num(1, 5) as u32, num(2, 600_000), num(3, 100) as u32, num(4, 200) as usize);
            let start = std::time::Instant::now();
            let clock = move || start.elapsed().as_secs_f64() * 1000.0;
            match sim::bench::seeks(servers, sim_ms, load, n, clock) {
                Ok((t, run, times)) => {
                    // Memory: the whole timeline (at its end) minus a plain simulator at the same point.
                    let (events, with_history, estimate) =
                        (t.sim().stats.events, LIVE.load(Relaxed), t.history_bytes());
                    let record = t.record().clone();
                    drop(t);
                    let plain = record.replay(sim_ms * 1000).expect("replays");
                    let state = LIVE.load(Relaxed);
                    drop(plain);
                    let mb = |b: usize| b as f64 / 1e6;
                    println!(
                        "{servers} servers, {} s simulated, {load} writes/s: {events} events recorded in {run:.2} s; {n} seeks: median {:.1} ms, p90 {:.1} ms, worst {:.1} ms",
                        sim_ms / 1000,
                        times[times.len() / 2],
                        times[times.len() * 9 / 10],
                        times[times.len() - 1],
                    );
                    println!(
                        "heap: run with its history {:.1} MB, the state alone {:.1} MB, so the history (checkpoints, record, narration) {:.1} MB (the timeline's own estimate {:.1} MB); peak {:.1} MB",
                        mb(with_history),
                        mb(state),
                        mb(with_history.saturating_sub(state)),
                        mb(estimate),
                        mb(PEAK.load(Relaxed))
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            }
        }
        Some("explore") => explore(&args[1..]),
        Some("check") => check(&args[1..]),
        Some("settings") => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for m in sim::SimConfig::settings() {
                let default =
                    sim::SimConfig::default().values().into_iter().find(|(d, _)| d.name == m.name).map(|(_, v)| v);
                let unit = sim::settings::unit_words(m.unit);
                let _ = writeln!(
                    out,
                    "{:<24} {:<9} default {:<8} ({unit}) {}",
                    m.name,
                    format!("{:?}", m.group).to_lowercase(),
                    sim::settings::format_value(m.unit, default.unwrap_or(0)),
                    m.doc
                );
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: raft-sim run [--narrate|--trace] SCRIPT…   run scenario scripts (`-` reads standard input); --narrate prints every election, vote, commit, answer and action; --trace prints the transcript (every command with its output, every message and role, term, log and commit change)");
            eprintln!("       raft-sim explore [--break ID] [--seeds N] [--seed S] [--threads T] [--servers N] [--workload light|heavy] [--svg FILE]   the fault campaign over N seeds from S (default 2000 from 0, heavy) on every core; on a failure, shrink it and print a script, a permalink and (--svg) its sequence diagram (exit 1)");
            eprintln!("       raft-sim check [--servers N] [--depth D] [--crashes K] [--requests R] [--duplicates M] [--reads R] [--retries T] [--break ID] [--from SCRIPT] [--slow-disks] [--symmetry] [--threads T] [--trace FILE] [SETTING=VALUE…]   exhaustive model check of every interleaving to depth D, from a fresh cluster or from where a scenario script ends (exit 1 with a shortest counterexample)");
            eprintln!("       raft-sim trace FILE…               run node-level trace files (tests/traces/*.txt) and print their transcripts");
            eprintln!("       raft-sim settings                  every setting: its name (in scripts, links and the page), group, default and meaning");
            eprintln!("       raft-sim bench [SERVERS [SIM_MS [WRITE_EVERY_US]]] [--snapshot-threshold N] [--check-persistence]   throughput benchmark");
            eprintln!("       raft-sim seek-bench [SERVERS [SIM_MS [WRITES_PER_S [SEEKS]]]]   time machine benchmark");
            ExitCode::from(2)
        }
    }
}

/// `raft-sim explore`: search seeds of the fault campaign for a violation, shrink it, print it.
fn explore(args: &[String]) -> ExitCode {
    let mut rule = None;
    let mut svg_path: Option<String> = None;
    let mut shape = sim::campaign::Shape { workload: sim::campaign::Workload::Heavy, servers: None };
    let (mut seeds, mut first) = (2000u64, 0u64);
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut k = 0;
    while k < args.len() {
        let value = args.get(k + 1).map(String::as_str).unwrap_or("");
        let number =
            || value.parse::<u64>().map_err(|_| format!("{}: expected a whole number, got {value:?}", args[k]));
        let r = match args[k].as_str() {
            "--break" => raft::Rule::from_id(value).map(|r| rule = Some(r)).ok_or_else(|| {
                let ids: Vec<&str> = raft::Rule::ALL.iter().map(|r| r.id()).collect();
                format!("--break: unknown rule {value:?} (rules: {})", ids.join(", "))
            }),
            "--seeds" => number().map(|n| seeds = n.clamp(1, 100_000_000)),
            "--seed" => number().map(|n| first = n),
            "--threads" => number().map(|n| threads = n.clamp(1, 256) as usize),
            "--servers" => number().and_then(|n| {
                if (1..=9).contains(&n) {
                    shape.servers = Some(n as u32);
                    Ok(())
                } else {
                    Err(format!("--servers: 1–9, got {n}"))
                }
            }),
            "--svg" if !value.is_empty() => Ok(svg_path = Some(value.to_string())),
            "--workload" => match value {
                "light" => Ok(shape.workload = sim::campaign::Workload::Light),
                "heavy" => Ok(shape.workload = sim::campaign::Workload::Heavy),
                _ => Err(format!("--workload: light or heavy, got {value:?}")),
            },
            other => Err(format!("unknown option {other:?}")),
        };
        if let Err(e) = r {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        k += 2;
    }
    let name = rule.map_or("no rule broken".to_string(), |r| format!("--break {}", r.id()));
    eprintln!("exploring seeds {first}..{} ({name}) on {threads} threads", first + seeds);
    let start = std::time::Instant::now();
    let mut last = sim::explore::Progress::default();
    let found = sim::explore::search(rule, &shape, first, seeds, threads, |p| {
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        let rate = p.done as f64 / secs;
        let eta = if rate > 0.0 { (p.total - p.done) as f64 / rate } else { 0.0 };
        let width = 30;
        let filled = (p.done * width / p.total.max(1)) as usize;
        eprint!(
            "\r[{}{}] {}/{} seeds, {rate:.0} seeds/s, {} violations, slowest recovery: leader {} ms, write {} ms, ETA {eta:.0} s   ",
            "#".repeat(filled),
            " ".repeat(width as usize - filled),
            p.done,
            p.total,
            p.violations,
            p.worst_leader_us / 1000,
            p.worst_write_us / 1000
        );
        last = p;
    });
    eprintln!();
    match found {
        None => {
            println!(
                "no violation in {seeds} seeds ({:.1} s); slowest recovery after the faults healed: a leader in {} ms, a write answered {} ms later (bounds {} s, {} s)",
                start.elapsed().as_secs_f64(),
                last.worst_leader_us / 1000,
                last.worst_write_us / 1000,
                sim::campaign::LEADER_BOUND_US / 1_000_000,
                sim::campaign::WRITE_BOUND_US / 1_000_000
            );
            ExitCode::SUCCESS
        }
        Some(f) if sim::explore::violates(&f.record).is_none() => {
            // A whole-history or liveness failure: nothing to stop at, so the run is printed whole.
            println!("# seed {}: {}", f.seed, f.violation);
            print!("{}", f.record.script());
            ExitCode::from(1)
        }
        Some(f) => {
            println!("# seed {}: {}", f.seed, f.violation);
            let (rec, end) = sim::explore::shrink(&f.record);
            println!("# shrunk to {} actions (from {}); the script:", rec.actions.len(), f.record.actions.len());
            print!("{}", sim::explore::script(&rec, end));
            println!("# open it in the page: index.html?run={}", sim::explore::permalink(&rec, end));
            if let Some(path) = svg_path {
                // The counterexample's last 1.5 simulated seconds as a sequence diagram.
                let svg = sim::explore::diagram(&rec, end, 1_500_000);
                match std::fs::write(&path, svg) {
                    Ok(()) => println!("# its sequence diagram: {path}"),
                    Err(e) => eprintln!("{path}: {e}"),
                }
            }
            ExitCode::from(1)
        }
    }
}

/// `raft-sim check`: explore every interleaving to a depth, print the figures, the goals and, on a
/// violation, a shortest counterexample as steps and as a node-level trace.
fn check(args: &[String]) -> ExitCode {
    use sim::check::{self, report, Bounds, Config, Model};
    let mut bounds = Bounds { servers: 3, ..Bounds::default() };
    let (mut depth, mut symmetry, mut trace_file, mut from, mut slow) = (8u32, false, None, None, false);
    // Protocol settings (`--break ID` is `break=ID`), applied once the starting point is known.
    let mut settings: Vec<(String, String)> = Vec::new();
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The model's protocol: the simulator's defaults, but without the vote lease (a lease needs
    // real time to run out; see sim::check::model), then the settings given.
    let mut cfg = sim::SimConfig::default();
    cfg.raft.vote_lease = false;
    let mut k = 0;
    while k < args.len() {
        let value = args.get(k + 1).map(String::as_str).unwrap_or("");
        let number =
            || value.parse::<u32>().map_err(|_| format!("{}: expected a whole number, got {value:?}", args[k]));
        let mut takes_value = true;
        let r = match args[k].as_str() {
            "--servers" => number().map(|n| bounds.servers = n),
            "--depth" => number().map(|n| depth = n),
            "--crashes" => number().map(|n| bounds.crashes = n),
            "--requests" => number().map(|n| bounds.requests = n),
            "--duplicates" => number().map(|n| bounds.duplicates = n),
            "--reads" => number().map(|n| bounds.reads = n),
            "--retries" => number().map(|n| bounds.retries = n),
            "--threads" => number().map(|n| threads = n.clamp(1, 256) as usize),
            "--break" => {
                settings.push(("break".into(), value.into()));
                Ok(())
            }
            "--from" => {
                from = Some(value.to_string());
                Ok(())
            }
            "--trace" => {
                trace_file = Some(value.to_string());
                Ok(())
            }
            "--symmetry" => {
                takes_value = false;
                symmetry = true;
                Ok(())
            }
            "--slow-disks" => {
                takes_value = false;
                slow = true;
                Ok(())
            }
            w => {
                takes_value = false;
                match w.split_once('=') {
                    Some((name, v)) => {
                        settings.push((name.into(), v.into()));
                        Ok(())
                    }
                    None => Err(format!("unknown option {w:?}")),
                }
            }
        };
        if let Err(e) = r {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        k += if takes_value { 2 } else { 1 };
    }
    // `--from SCRIPT`: explore from the state a scenario script ends in (its own settings, then
    // the ones given here, carried out as a `set` action).
    let start = match &from {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|text| sim::script::record(&text).map_err(|e| format!("{path}: {e}")))
        {
            Ok(rec) => {
                let mut t = match sim::Timeline::from_record(rec.record) {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(2);
                    }
                };
                t.seek(rec.end);
                cfg = t.sim().cfg.clone();
                Some(t)
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    for (name, v) in &settings {
        if let Err(e) = cfg.set_text(name, v, &[sim::settings::Group::Protocol]) {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    }
    let mut here = start;
    let made = cfg.validate_options(&cfg.raft).and_then(|_| match here.as_mut() {
        None => Model::new(cfg.raft, bounds),
        Some(t) => {
            if t.sim().cfg.raft != cfg.raft {
                t.act(sim::Action::SetOptions(cfg.raft))?;
            }
            Model::from_sim(t.sim(), bounds)
        }
    });
    let model = match made {
        Ok(m) if slow => m.with_slow_disks(),
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    bounds.servers = model.bounds.servers;
    if let Err(e) = if symmetry { model.symmetry_allowed() } else { Ok(()) } {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let settings = report::cluster_line(&model);
    eprintln!(
        "model checking `{settings}` to depth {depth}: crashes ≤ {}, requests ≤ {}, duplicates ≤ {}, symmetry {}, {threads} threads",
        bounds.crashes,
        bounds.requests,
        bounds.duplicates,
        if symmetry { "on" } else { "off" }
    );
    let (start, cpu0) = (std::time::Instant::now(), cpu_seconds());
    let mut last_depth = 0;
    let out = check::explore(&Config { model: model.clone(), depth, symmetry, threads, max_bytes: None }, |o, d| {
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        if d != last_depth && last_depth > 0 {
            eprintln!();
        }
        last_depth = d;
        eprint!(
            "\rdepth {d:>2}: {:>11} new states, {:>12} in all, {:>9.0} states/s   ",
            thousands(*o.levels.last().unwrap_or(&0)),
            thousands(o.states()),
            o.states() as f64 / secs
        );
    });
    eprintln!();
    let secs = start.elapsed().as_secs_f64().max(1e-6);
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let states = out.states();
    let peak = PEAK.load(Relaxed);
    let reached = if out.violation.is_some() {
        format!("stopped at depth {} (a violation; that level partly explored)", out.depth())
    } else if out.exhausted {
        format!("depth {} (every reachable state: nothing new past it)", out.depth())
    } else {
        format!("depth {}", out.depth())
    };
    println!(
        "{reached}: {} unique states, {} transitions in {secs:.2} s = {:.0} states/s{}",
        thousands(states),
        thousands(out.transitions),
        states as f64 / secs,
        cpu.map_or(String::new(), |c| format!(
            "; CPU {c:.2} s = {:.0} states per CPU-second",
            states as f64 / c.max(1e-6)
        ))
    );
    // The most resident memory the process ever had (Linux: VmHWM), heap or not.
    let resident = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok().map(|kb| kb * 1024.0)
    });
    println!(
        "memory: peak heap {:.1} MB = {:.1} bytes per state (visited set and search tree {:.1} MB){}",
        peak as f64 / 1e6,
        peak as f64 / states.max(1) as f64,
        out.bytes as f64 / 1e6,
        resident.map_or(String::new(), |r| format!("; peak resident {:.1} MB", r / 1e6))
    );
    println!("states per depth: {}", out.levels.iter().map(|&n| thousands(n)).collect::<Vec<_>>().join(" "));
    let goals: Vec<String> = out
        .goals
        .iter()
        .map(|g| match &g.reached {
            Some((d, _)) => format!("{} at depth {d}", g.name),
            None => format!("{}: not within depth {}", g.name, out.depth()),
        })
        .collect();
    println!("goals (sometimes): {}", goals.join("; "));
    let Some(v) = out.violation else {
        println!("no violation: every safety property holds in every state to depth {}", out.depth());
        return ExitCode::SUCCESS;
    };
    println!("VIOLATION at depth {}: {}: {}", v.path.len(), v.property.name(), v.detail);
    println!("a shortest counterexample ({} steps):", v.path.len());
    print!("{}", report::steps(&model, &v.path));
    if let Some(mut t) = here {
        // From a scenario: the counterexample as the run's actions (a script and a permalink).
        return match check::here::load(&mut t, &model, &v.path) {
            Ok(loaded) => {
                println!("\nthe simulator replays it and stops on: {}", loaded.violation);
                println!("\nthe run with it, as a script:\n{}", t.record().script());
                let link = sim::codec::to_base64(&sim::codec::encode_record(t.record(), loaded.start));
                println!("permalink (at the counterexample's start): ?run={link}");
                ExitCode::from(1)
            }
            Err(e) => {
                println!("\nthe counterexample did not replay in the simulator: {e}");
                println!("\nthe run as far as it went, as a script:\n{}", t.record().script());
                ExitCode::from(2)
            }
        };
    }
    // The command that finds it again (without where it wrote the trace).
    let shown: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|&(k, a)| a != "--trace" && (k == 0 || args[k - 1] != "--trace"))
        .map(|(_, a)| a.as_str())
        .collect();
    let head = format!(
        "Found by `raft-sim check {}`: a shortest run breaking {} ({} steps).",
        shown.join(" "),
        v.property.name(),
        v.path.len()
    );
    if model.slow_disks || model.keeps_history() {
        println!("\n(no node-level trace: the test environment's disks write at once, and its client is one client's numbered requests)");
        return ExitCode::from(1);
    }
    let text = report::trace(&model, &v.path, &head, true);
    match sim::testenv::run_file(&text) {
        Ok(transcript) => {
            println!("\nas a node-level trace (tests/traces form; `raft-sim trace FILE` replays it):\n");
            print!("{transcript}");
            if let Some(path) = trace_file {
                if let Err(e) = std::fs::write(&path, &transcript) {
                    eprintln!("{path}: {e}");
                    return ExitCode::from(2);
                }
                eprintln!("trace written to {path}");
            }
        }
        Err(e) => println!("\n(the trace does not replay in the test environment: {e})\n{text}"),
    }
    ExitCode::from(1)
}

/// 1234567 as "1,234,567".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
