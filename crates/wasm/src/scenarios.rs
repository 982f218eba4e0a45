//! The built-in scenarios: scripts from tests/scenarios, played live on the page as run records.

use crate::json_struct;
#[cfg(test)]
use serde::Serialize;
use sim::{Record, SimConfig};

json_struct! {
    /// A built-in scenario: a script from tests/scenarios, played live on the page.
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct ScenarioView {
        pub name: &'static str,
        /// The script's leading comment, as prose.
        pub description: String,
        pub text: &'static str,
    }
}

macro_rules! scenarios {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../tests/scenarios/", $name, ".script")))),*]
    };
}

/// The scenarios the page offers, in teaching order.
pub const SCENARIOS: &[(&str, &str)] = scenarios!(
    "election",
    "split_vote",
    "leader_crash",
    "figure6",
    "figure7",
    "figure7_no_hint",
    "figure8",
    "figure8_safe",
    "minority_partition",
    "one_way",
    "lossy_network",
    "client_retry",
    "flow_control",
    "membership",
    "figure11",
    "snapshot",
    "figure12",
    "transfer",
    "no_prevote",
    "prevote",
    "check_quorum",
    "read_index",
    "removed_server",
    "removed_server_no_lease",
    "broken_commit_rule",
    "break_vote_without_log_check",
    "break_vote_twice",
    "break_forget_vote_on_restart",
    "break_forget_term_on_restart",
    "break_truncate_on_match",
    "break_commit_without_min",
    "break_joint_new_only",
    "break_read_without_quorum",
    "break_no_dedup",
    "persist_before_reply",
    "reply_before_persist",
);

pub fn scenarios() -> Vec<ScenarioView> {
    SCENARIOS
        .iter()
        .map(|&(name, text)| ScenarioView {
            name,
            description: text
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| l.trim_start_matches('#').trim())
                .collect::<Vec<_>>()
                .join(" "),
            text,
        })
        .collect()
}

/// Compile a script into the record that plays it live: its actions are the recorded future.
pub fn scripted(text: &str) -> Result<Record, String> {
    let rec = sim::script::record(text)?;
    Ok(Record { config: SimConfig { check_persistence: false, ..rec.record.config }, actions: rec.record.actions })
}

json_struct! {
    /// A rule of the catalogue (`raft::rules`) as the page's "Break a rule" panel shows it.
    #[cfg_attr(test, derive(Serialize))]
    #[derive(Debug)]
    pub struct RuleView {
        pub id: &'static str,
        pub source: &'static str,
        pub rule: &'static str,
        pub explanation: &'static str,
        pub caught_by: &'static str,
        /// The built-in scenario that shows the failure: the one whose `config` breaks this rule.
        pub scenario: Option<&'static str>,
    }
}

pub fn rules() -> Vec<RuleView> {
    raft::Rule::ALL
        .iter()
        .map(|r| {
            let i = r.info();
            let word = format!("break={}", i.id);
            let scenario = SCENARIOS
                .iter()
                .find(|(_, text)| {
                    text.lines()
                        .find(|l| l.starts_with("config "))
                        .is_some_and(|l| l.split_whitespace().any(|w| w == word))
                })
                .map(|(name, _)| *name);
            RuleView {
                id: i.id,
                source: i.source,
                rule: i.rule,
                explanation: i.explanation,
                caught_by: i.caught_by,
                scenario,
            }
        })
        .collect()
}
