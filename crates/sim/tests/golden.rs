//! Scenario scripts with golden transcripts (tests/scenarios/*.script → *.golden), in the style of
//! etcd raft's datadriven tests: each script checks itself with `expect` lines, and its transcript —
//! every command, `----`, what it printed, traced from the first line (every message delivered,
//! every role, term, log and commit change) — must match the golden file exactly, so a behaviour
//! change shows up as a diff of the first command whose output changed.
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test -p sim --test golden`.

use std::fs;
use std::path::PathBuf;

#[test]
fn scenario_scripts_match_their_golden_transcripts() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut scripts: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "script"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 4, "scenario scripts missing from {}", dir.display());
    let mut failures = vec![];
    for script in &scripts {
        let text = fs::read_to_string(script).unwrap();
        let out = sim::script::transcript(&text, true).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
        let golden = script.with_extension("golden");
        let name = format!("tests/scenarios/{}", golden.file_name().unwrap().to_string_lossy());
        if update {
            fs::write(&golden, &out).unwrap();
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(want) => {
                if let Some(d) = sim::datadriven::first_difference(&want, &out) {
                    failures.push(format!("{name}: {d}"));
                }
            }
            Err(_) => failures.push(format!("{}: no golden file (run with UPDATE_GOLDEN=1)", script.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(rewrite with UPDATE_GOLDEN=1 cargo test -p sim --test golden)",
        failures.join("\n")
    );
}

#[test]
fn a_transcript_shows_each_command_with_its_output_and_the_trace() {
    let text = "# a comment\nconfig servers=3 seed=1\ntrace on\nrun 300ms\nshow\ntrace off\nrun 100ms\n";
    let t = sim::datadriven::Transcript::parse(&sim::script::transcript(text, false).unwrap()).unwrap();
    let commands: Vec<&str> = t.blocks.iter().map(|b| b.command.as_str()).collect();
    assert_eq!(commands, ["config servers=3 seed=1", "trace on", "run 300ms", "show", "trace off", "run 100ms"]);
    assert_eq!(t.blocks[0].comments, ["# a comment"]);
    let out = |k: usize| t.blocks[k].output.as_deref().unwrap();
    assert_eq!((out(0), out(1)), ("", ""));
    // The run under trace: its deliveries and role changes, one line each, stamped with the time.
    let run: Vec<&str> = out(2).lines().collect();
    assert!(run.iter().any(|l| l.contains("ms S") && l.contains(" follower→candidate t1")), "{}", out(2));
    assert!(run.iter().any(|l| l.contains("RequestVote t1 last=0@0")), "{}", out(2));
    assert!(run.iter().any(|l| l.contains(" candidate→leader t1")), "{}", out(2));
    assert!(run.iter().all(|l| l.trim_start().split_once("ms ").is_some()), "{}", out(2));
    assert!(out(3).starts_with("t=300ms term 1"), "{}", out(3));
    assert_eq!(out(5), "", "trace off: the run prints nothing");
    assert!(sim::script::run("config servers=3\ntrace maybe\n").unwrap_err().starts_with("line 2: `trace maybe`"));
}

#[test]
fn tracing_changes_nothing_in_the_run() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios/chaos.script");
    let text = fs::read_to_string(path).unwrap();
    let digest = |out: &str| out.lines().find(|l| l.starts_with("digest ")).map(str::to_string);
    let plain = sim::script::run(&text).unwrap();
    let traced = sim::script::transcript(&text, true).unwrap();
    assert!(digest(&plain).is_some());
    assert_eq!(digest(&traced), digest(&plain));
    assert!(traced.lines().count() > 10 * plain.lines().count(), "the transcript holds the trace");
}

#[test]
fn a_failed_expectation_names_the_line() {
    let err = sim::script::run("config servers=3 seed=1\nrun 1ms\nexpect leader\n").unwrap_err();
    assert!(err.starts_with("line 3: `expect leader`"), "{err}");
    let err = sim::script::run("config servers=3\nfrobnicate\n").unwrap_err();
    assert!(err.contains("unknown command"), "{err}");
    let err = sim::script::run("run 1ms\nconfig servers=3\n").unwrap_err();
    assert!(err.contains("before the first command"), "{err}");
}

#[test]
fn scripts_played_live_from_their_recorded_actions_give_the_same_run() {
    // The page plays scenarios this way: the actions are scheduled and happen as time advances,
    // however the frames chunk it.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "script") {
            continue;
        }
        let rec = sim::script::record(&fs::read_to_string(&path).unwrap()).unwrap();
        let mut live = sim::Timeline::from_record(rec.record.clone()).unwrap();
        let mut t = 0;
        while t < rec.end {
            t = (t + 16_667).min(rec.end);
            live.run_until(t);
        }
        assert_eq!(live.position().applied, rec.record.actions.len(), "{}: actions left over", path.display());
        assert_eq!(live.sim().digest(), rec.digest, "{}: the live run differs from the script's", path.display());
        assert_eq!(live.record(), &rec.record);
    }
}
