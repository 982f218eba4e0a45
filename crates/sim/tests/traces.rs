//! Node-level protocol traces (tests/traces/*.txt), in the style of etcd raft's interaction tests:
//! each file is a list of commands driving servers and a hand-operated network
//! ([`sim::testenv`]), each followed by what it printed — every message sent and delivered, every
//! role, term, log and commit change, every safety violation the checker finds after each step.
//! The run must reproduce the file exactly; a violation fails it unless the command is marked
//! `# expect violation`. Write new commands without output and fill them in, or regenerate after an
//! intended change, with `UPDATE_GOLDEN=1 cargo test -p sim --test traces`.

use raft::Rule;
use sim::datadriven::Transcript;
use std::fs;
use std::path::PathBuf;

/// Rules whose failure the node-level environment cannot show yet, and why.
const NOT_YET: [(Rule, &str); 1] =
    [(Rule::ReplyBeforePersist, "needs disks whose writes take time, which the environment does not model")];

/// Every trace file: its name and text.
fn traces() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces");
    let mut v: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    v
}

/// The rules a trace's `cluster` line breaks.
fn breaks(text: &str) -> Vec<Rule> {
    let Some(cluster) = text.lines().find(|l| l.starts_with("cluster ")) else { return vec![] };
    cluster
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("break="))
        .flat_map(|ids| ids.split(',').map(|id| Rule::from_id(id).unwrap_or_else(|| panic!("unknown rule {id}"))))
        .collect()
}

/// A trace's commands without their comments, and without any `break=` setting.
fn steps(text: &str) -> Vec<String> {
    Transcript::parse(text)
        .unwrap()
        .blocks
        .iter()
        .map(|b| {
            let command = b.command.split('#').next().unwrap();
            command.split_whitespace().filter(|w| !w.starts_with("break=")).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

#[test]
fn protocol_traces_match_their_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/traces");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "trace files missing from {}", dir.display());
    let mut failures = vec![];
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let name = format!("tests/traces/{}", path.file_name().unwrap().to_string_lossy());
        match sim::testenv::run_file(&text) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(out) if update => fs::write(path, out).unwrap(),
            Ok(out) => {
                if let Some(d) = sim::datadriven::first_difference(&text, &out) {
                    failures.push(format!("{name}: {d}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(regenerate with UPDATE_GOLDEN=1 cargo test -p sim --test traces)",
        failures.join("\n")
    );
}

#[test]
fn every_broken_rule_has_a_trace_that_the_checker_catches_and_a_twin_with_the_rule_intact() {
    let traces = traces();
    // A trace named after a rule breaks that rule, and only it.
    for (name, text) in &traces {
        if let Some(id) = name.strip_prefix("rule_").and_then(|n| n.strip_suffix(".txt")) {
            let id = id.strip_suffix("_intact").map_or_else(|| id.replace('_', "-"), |_| String::new());
            let want: Vec<Rule> = Rule::from_id(&id).into_iter().collect();
            assert_eq!(breaks(text), want, "tests/traces/{name} breaks what its name says (nothing, if _intact)");
        }
    }
    let mut missing = vec![];
    for rule in Rule::ALL {
        let id = rule.id();
        // The rule's own trace (counterexamples the model checker wrote, `checker_*`, are extra).
        let broken: Vec<&(String, String)> =
            traces.iter().filter(|(n, t)| !n.starts_with("checker_") && breaks(t) == [rule]).collect();
        if let Some((_, why)) = NOT_YET.iter().find(|(r, _)| *r == rule) {
            assert!(broken.is_empty(), "{id} has a trace now: take it off NOT_YET ({why})");
            continue;
        }
        let [(name, text)] = broken[..] else {
            missing.push(id);
            continue;
        };
        // It begins by saying what the rule prevents and what the trace shows …
        let caption = &Transcript::parse(text).unwrap().blocks[0].comments;
        assert!(caption.iter().any(|c| c.contains(id)), "tests/traces/{name}: begins with a caption naming {id}");
        // … marks the command that breaks a property …
        assert!(text.contains("\n# expect violation\n"), "tests/traces/{name}: marks where it breaks");
        // … and the first violation (at a marked command: `run` refuses one elsewhere) is of a
        // property the catalogue names.
        let (_, env) = sim::testenv::run(text).unwrap_or_else(|e| panic!("tests/traces/{name}: {e}"));
        let first = env.violations.first().unwrap_or_else(|| panic!("tests/traces/{name}: no violation"));
        let caught_by = rule.info().caught_by;
        assert!(
            caught_by.contains(first.property.name()),
            "tests/traces/{name}: {id} caught by {:?}, the catalogue says {caught_by:?}",
            first.property.name()
        );
        // The same steps with the rule intact break nothing.
        let twin = traces
            .iter()
            .find(|(n, t)| n != name && breaks(t).is_empty() && steps(t) == steps(text))
            .unwrap_or_else(|| panic!("tests/traces/{name}: no trace takes the same steps with the rule intact"));
        assert!(!twin.1.contains("# expect violation"), "tests/traces/{}", twin.0);
        let (_, env) = sim::testenv::run(&twin.1).unwrap_or_else(|e| panic!("tests/traces/{}: {e}", twin.0));
        assert!(env.violations.is_empty(), "tests/traces/{}: {:?}", twin.0, env.violations);
    }
    assert!(missing.is_empty(), "rules without exactly one node-level trace: {missing:?}");
}
