//! Node-level protocol traces (tests/traces/*.txt), in the style of etcd raft's interaction tests:
//! each file is a list of commands driving servers and a hand-operated network
//! ([`sim::testenv`]), each followed by what it printed — every message sent and delivered, every
//! role, term, log and commit change, every safety violation the checker finds after each step.
//! The run must reproduce the file exactly; a violation fails it unless the command is marked
//! `# expect violation`. Write new commands without output and fill them in, or regenerate after an
//! intended change, with `UPDATE_GOLDEN=1 cargo test -p sim --test traces`.

use std::fs;
use std::path::PathBuf;

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
