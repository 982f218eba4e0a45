//! Command line for the simulator.
//!
//! `raft-sim run FILE…` runs scenario scripts and prints their output (exit 1 on a failed
//! expectation or a safety violation). `raft-sim run -` reads the script from standard input.

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") if args.len() > 1 => {
            for path in &args[1..] {
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
                match sim::script::run(&text) {
                    Ok(out) => print!("{out}"),
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(1);
                    }
                }
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: raft-sim run SCRIPT… (scenario scripts; `-` reads standard input)");
            ExitCode::from(2)
        }
    }
}
