//! The built-in scenarios: scripts from tests/scenarios, played live on the page as run records.

use serde::Serialize;
use sim::{Record, SimConfig};

/// A built-in scenario: a script from tests/scenarios, played live on the page.
#[derive(Serialize, Debug)]
pub struct ScenarioView {
    pub name: &'static str,
    /// The script's leading comment, as prose.
    pub description: String,
    pub text: &'static str,
}

macro_rules! scenarios {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../tests/scenarios/", $name, ".script")))),*]
    };
}

/// The scenarios the page offers, in teaching order.
pub const SCENARIOS: &[(&str, &str)] = scenarios!(
    "election",
    "leader_crash",
    "minority_partition",
    "one_way",
    "lossy_network",
    "client_retry",
    "membership",
    "snapshot",
    "transfer",
    "no_prevote",
    "prevote",
    "check_quorum",
    "read_index",
    "removed_server",
    "removed_server_no_lease",
    "broken_commit_rule",
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
