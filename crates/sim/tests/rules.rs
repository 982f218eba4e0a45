//! The catalogue of broken rules (`raft::rules`): every rule has a scenario script in
//! tests/scenarios whose config breaks exactly that rule; the script reliably ends in a violation
//! of the property the catalogue names, and the same script with the rule intact runs clean.

use raft::Rule;
use std::fs;
use std::path::PathBuf;

fn scripts() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut v: Vec<(PathBuf, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "script"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    v.sort();
    v
}

/// The rules a script's `config` line breaks.
fn breaks(text: &str) -> Vec<Rule> {
    let Some(config) = text.lines().find(|l| l.starts_with("config ")) else { return vec![] };
    config
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("break="))
        .flat_map(|ids| ids.split(',').filter_map(Rule::from_id).collect::<Vec<_>>())
        .collect()
}

/// The script with its `break=` setting and final `expect violation` removed.
fn intact(text: &str) -> String {
    text.lines()
        .filter(|l| l.trim() != "expect violation")
        .map(|l| {
            if l.starts_with("config ") {
                l.split_whitespace().filter(|w| !w.starts_with("break=")).collect::<Vec<_>>().join(" ")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_rule_has_a_scenario_that_the_checker_catches_and_that_runs_clean_with_the_rule_intact() {
    let scripts = scripts();
    let mut missing = vec![];
    for rule in Rule::ALL {
        let info = rule.info();
        let Some((path, text)) = scripts.iter().find(|(_, t)| breaks(t) == [rule]) else {
            missing.push(info.id);
            continue;
        };
        assert!(text.starts_with("# "), "{}: a scenario starts with its caption", path.display());
        assert!(text.trim_end().ends_with("expect violation"), "{}: ends in `expect violation`", path.display());
        // The script passes: its expectations hold and it ends in a violation …
        sim::script::run(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // … of the property the catalogue names.
        let rec = sim::script::record(text).unwrap();
        let sim = rec.record.replay(rec.end).unwrap();
        let v = sim.violations.first().unwrap_or_else(|| panic!("{}: no violation on replay", path.display()));
        assert!(
            info.caught_by.contains(v.property.name()),
            "{}: {} caught by {:?}, the catalogue says {:?}",
            path.display(),
            info.id,
            v.property.name(),
            info.caught_by
        );
        // With the rule intact the same actions break nothing.
        let clean = intact(text);
        sim::script::run(&clean).unwrap_or_else(|e| panic!("{} without the break: {e}", path.display()));
    }
    assert!(missing.is_empty(), "rules without a scenario: {missing:?}");
}

#[test]
fn rule_ids_work_in_scripts_settings_and_the_command_line_form() {
    for rule in Rule::ALL {
        let text = format!("config servers=3 seed=1\nbreak {}\nrun 300ms\n", rule.id());
        let rec = sim::script::record(&text).unwrap();
        assert_eq!(rec.record.actions.len(), 1);
        let line = rec.record.actions[0].action.to_string();
        assert!(line.contains(&format!("break={}", rule.id())), "{line}");
        // The config word, too.
        let text = format!("config servers=3 seed=1 break={}\nrun 10ms\n", rule.id());
        sim::script::run(&text).unwrap();
    }
    let err = sim::script::run("config servers=3\nbreak vote-thrice\n").unwrap_err();
    assert!(err.contains("unknown rule \"vote-thrice\""), "{err}");
    let err = sim::script::run("config servers=3 break=nope\n").unwrap_err();
    assert!(err.contains("unknown rule"), "{err}");
}
