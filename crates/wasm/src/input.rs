//! What JavaScript sends in: a run's configuration and the user's actions. Pure Rust (serde), so it
//! is tested natively; `lib.rs` only moves it across the boundary.
//!
//! Settings are named as [`sim::settings`] names them (the same names as scripts and links); values
//! are what JS writes: `true`/`false`, numbers in milliseconds for durations and percent for
//! probabilities, or the script's own text (`"150ms"`, `"on"`, `"5%"`).

use serde::Deserialize;
use sim::settings::{self, Group};
use sim::{parse_op, Action, Sim, SimConfig};
use std::collections::BTreeMap;

/// A setting's value as JS writes it.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum InValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// `{servers: 5, seed: "42", pre_vote: true, drop: 5, election_timeout: 150, …}`: every key a setting.
pub type Settings = BTreeMap<String, InValue>;

/// Apply JS settings onto `c`, allowing only `groups`. Unknown names and bad values are errors.
pub fn apply(c: &mut SimConfig, input: &Settings, groups: &[Group]) -> Result<(), String> {
    for (name, v) in input {
        let meta = settings::meta(name)?;
        let value = match (v, meta.unit) {
            (InValue::Text(t), _) if name == "seed" => parse_seed(t)?,
            (InValue::Text(t), unit) => settings::parse_value(unit, t).map_err(|e| format!("{name}: {e}"))?,
            (InValue::Bool(b), settings::Unit::Bool) => *b as u64,
            (InValue::Bool(_), unit) => return Err(format!("{name}: expected {}", settings::unit_words(unit))),
            (InValue::Number(x), _) if name == "seed" => parse_seed_number(*x)?,
            (InValue::Number(x), unit) => settings::from_js(unit, name, *x)?,
        };
        c.set(name, value, groups)?;
    }
    Ok(())
}

/// A config from JS; `fresh_seed` is used when no seed is given.
pub fn config(input: &Settings, fresh_seed: u64) -> Result<SimConfig, String> {
    let mut c = SimConfig { seed: fresh_seed, ..SimConfig::default() };
    apply(&mut c, input, &[Group::Run, Group::Protocol, Group::Network])?;
    c.validate()?;
    Ok(c)
}

pub fn parse_seed(t: &str) -> Result<u64, String> {
    t.trim().parse::<u64>().map_err(|_| format!("seed {t:?}: expected a whole number 0–18446744073709551615"))
}

fn parse_seed_number(n: f64) -> Result<u64, String> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9007199254740991.0 {
        Ok(n as u64)
    } else {
        Err(format!("seed {}: expected a whole number ≥ 0", sim::settings::num(n)))
    }
}

/// An action as JS writes it: `{type: "crash", server: 2}`, `{type: "request", server: 1,
/// command: "x <- 3"}`, `{type: "partition", groups: [[1, 2], [3, 4, 5]]}`, `{type: "options",
/// pre_vote: true}`, `{type: "network", drop: 5}`, … (or a script line, see [`action_from_line`]).
#[derive(Deserialize, Debug)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionIn {
    Crash {
        server: u32,
    },
    Restart {
        server: u32,
    },
    Timeout {
        server: u32,
    },
    Request {
        server: u32,
        command: String,
    },
    Isolate {
        server: u32,
    },
    Partition {
        groups: Vec<Vec<u32>>,
    },
    /// `one_way`: only the direction from `a` to `b`.
    Cut {
        a: u32,
        b: u32,
        #[serde(default)]
        one_way: bool,
    },
    /// `one_way`: only the direction from `a` to `b`.
    Repair {
        a: u32,
        b: u32,
        #[serde(default)]
        one_way: bool,
    },
    Heal {},
    /// Network dials, each optional.
    Network(Settings),
    /// Protocol switches, each optional.
    Options(Settings),
    /// Ask the leader to add a new server (learner first, promoted when caught up).
    AddServer {},
    /// Ask the leader to remove a server.
    RemoveServer {
        server: u32,
    },
    /// Ask the leader to hand leadership to a server.
    Transfer {
        server: u32,
    },
}

impl ActionIn {
    pub fn to_action(&self, sim: &Sim) -> Result<Action, String> {
        Ok(match self {
            ActionIn::Crash { server } => Action::Crash(*server),
            ActionIn::Restart { server } => Action::Restart(*server),
            ActionIn::Timeout { server } => Action::Timeout(*server),
            ActionIn::Request { server, command } => Action::Request { server: *server, op: parse_op(command)? },
            ActionIn::Isolate { server } => Action::Isolate(*server),
            ActionIn::Partition { groups } => Action::Partition(groups.clone()),
            ActionIn::Cut { a, b, one_way: false } => Action::Link { a: *a, b: *b, up: false },
            ActionIn::Repair { a, b, one_way: false } => Action::Link { a: *a, b: *b, up: true },
            ActionIn::Cut { a, b, one_way: true } => Action::OneWay { from: *a, to: *b, up: false },
            ActionIn::Repair { a, b, one_way: true } => Action::OneWay { from: *a, to: *b, up: true },
            ActionIn::Heal {} => Action::Heal,
            ActionIn::Network(s) => {
                let mut c = sim.cfg.clone();
                apply(&mut c, s, &[Group::Network])?;
                Action::SetNet(c.net)
            }
            ActionIn::Options(s) => {
                let mut c = sim.cfg.clone();
                apply(&mut c, s, &[Group::Protocol])?;
                Action::SetOptions(c.raft)
            }
            ActionIn::AddServer {} => Action::AddServer,
            ActionIn::RemoveServer { server } => Action::RemoveServer(*server),
            ActionIn::Transfer { server } => Action::Transfer(*server),
        })
    }
}

/// An action as a script line (`"crash 2"`, `"request leader x <- 3"`, `"set pre_vote=on"`).
pub fn action_from_line(line: &str, sim: &Sim) -> Result<Action, String> {
    let first = line.split_whitespace().next().unwrap_or("");
    Action::parse(line, sim)
        .unwrap_or_else(|| Err(format!("unknown action {first:?}: one of {}", Action::WORDS.join(", "))))
}
