//! The one definition of a run: its configuration (every setting, seed included) plus its timed
//! actions. Seeking, permalinks, scenarios and replays are all built on [`Record`].

use crate::action::Action;
use crate::cluster::Sim;
use crate::config::SimConfig;

/// An action and exactly when it happened: the simulated time, and how many events the simulator
/// had processed by then (several events can share one microsecond, and a user who steps one event
/// at a time can act between them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub time: u64,
    pub events: u64,
    pub action: Action,
}

/// A run: configuration + seed + timed actions. Replaying it gives the same run, bit for bit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub config: SimConfig,
    pub actions: Vec<Timed>,
}

/// A point in a run: the clock, the events processed, and how many of the record's actions have
/// been carried out. Positions order by (events, applied); `time` follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub time: u64,
    pub events: u64,
    pub applied: usize,
}

impl Position {
    pub fn key(&self) -> (u64, usize, u64) {
        (self.events, self.applied, self.time)
    }
}

impl Record {
    pub fn new(config: SimConfig) -> Record {
        Record { config, actions: Vec::new() }
    }

    /// A fresh simulator that replays this record up to `until` µs: every event due by then and
    /// every action recorded by then.
    pub fn replay(&self, until: u64) -> Result<Sim, String> {
        let mut sim = Sim::new(self.config.clone())?;
        for (k, a) in self.actions.iter().enumerate() {
            if a.time > until {
                break;
            }
            sim.run_to(a.time, a.events);
            if !sim.violations.is_empty() {
                return Ok(sim);
            }
            sim.act(a.action.clone()).map_err(|e| format!("action {} ({}) of the record: {e}", k + 1, a.action))?;
        }
        sim.run_until(until);
        Ok(sim)
    }

    /// The record as a scenario script: a `config` line, then `run` and action lines.
    pub fn script(&self) -> String {
        let mut out = format!(
            "config {}\n",
            self.config.words(&[
                crate::settings::Group::Run,
                crate::settings::Group::Protocol,
                crate::settings::Group::Network
            ])
        );
        let mut now = 0;
        for a in &self.actions {
            if a.time > now {
                out.push_str(&format!("run {}us\n", a.time - now));
                now = a.time;
            }
            out.push_str(&format!("{}\n", a.action));
        }
        out
    }
}
