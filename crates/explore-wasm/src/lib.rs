//! "Explore from here" for the page: the model checker ([`sim::check`], the engine behind
//! `raft-sim check`) started from the run a permalink carries, at its moment, on one thread (a
//! Web Worker's), with progress after every round; a counterexample comes back carried into the
//! run as recorded actions ([`sim::check::here`]), as a permalink the page opens at its start, with
//! each step in words and its position to seek to. A module of its own, loaded only by the
//! worker: the page's module stays as light as it was.

use serde::Serialize;
use sim::check::{self, here, Bounds, Config, Model};
use sim::codec::{encode_record, to_base64};
use sim::limits::MAX_WORK_PER_CALL;
use sim::{Position, Timeline};

/// What to explore (each bounded: the page's controls offer these ranges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub depth: u32,
    pub crashes: u32,
    pub requests: u32,
    pub duplicates: u32,
    pub reads: u32,
    pub retries: u32,
    pub symmetry: bool,
    /// Stop once the search's tables would pass this many megabytes.
    pub max_mb: u32,
}

impl Options {
    pub fn validate(&self) -> Result<(), String> {
        let within = |what: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} must be {lo}–{hi}, got {v}"))
            }
        };
        within("depth", self.depth, 1, 40)?;
        within("crashes", self.crashes, 0, 3)?;
        within("requests", self.requests, 0, 3)?;
        within("duplicates", self.duplicates, 0, 3)?;
        within("reads", self.reads, 0, 3)?;
        within("retries", self.retries, 0, 3)?;
        within("memory (MB)", self.max_mb, 8, 3072)
    }
}

/// A position as the page seeks to it (`seek_note(time_ms, events, applied)`).
#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
pub struct At {
    pub time_ms: f64,
    pub events: f64,
    pub applied: f64,
}

impl From<Position> for At {
    fn from(p: Position) -> At {
        At { time_ms: p.time as f64 / 1000.0, events: p.events as f64, applied: p.applied as f64 }
    }
}

#[derive(Serialize, Debug, Clone)]
pub struct Step {
    pub text: String,
    pub at: At,
}

#[derive(Serialize, Debug, Clone)]
pub struct Counterexample {
    pub property: &'static str,
    pub detail: String,
    /// What the simulator said when it stopped on it.
    pub violation: String,
    pub steps: Vec<Step>,
    /// The run with the counterexample, opened at its start (just after its `hold`).
    pub permalink: String,
    pub start: At,
}

#[derive(Serialize, Debug, Clone)]
pub struct GoalView {
    pub name: &'static str,
    /// Steps from here to the first state it holds in (none within the depth explored).
    pub depth: Option<u32>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Report {
    pub servers: u32,
    /// The deepest level explored completely (or the violation's depth).
    pub depth: u32,
    pub states: u64,
    pub transitions: u64,
    /// Nothing new past `depth`: every state reachable from here was explored.
    pub exhausted: bool,
    pub out_of_memory: bool,
    pub bytes: usize,
    pub levels: Vec<u64>,
    pub goals: Vec<GoalView>,
    pub violation: Option<Counterexample>,
}

/// Explore from the moment `link` (a permalink) is at. `progress(depth being built, states so
/// far, bytes)` after every round.
pub fn run(link: &str, o: Options, mut progress: impl FnMut(u32, u64, usize)) -> Result<Report, String> {
    o.validate()?;
    let mut tl = Timeline::from_permalink(link, MAX_WORK_PER_CALL)?;
    let bounds = Bounds {
        servers: 0,
        crashes: o.crashes,
        requests: o.requests,
        duplicates: o.duplicates,
        reads: o.reads,
        retries: o.retries,
    };
    let model = Model::from_sim(tl.sim(), bounds)?;
    if o.symmetry {
        model.symmetry_allowed()?;
    }
    let cfg = Config {
        model: model.clone(),
        depth: o.depth,
        symmetry: o.symmetry,
        threads: 1,
        max_bytes: Some(o.max_mb as usize * 1_000_000),
    };
    let out = check::explore(&cfg, |out, depth| progress(depth, out.states(), out.bytes));
    let violation = match &out.violation {
        None => None,
        Some(v) => {
            let loaded = here::load(&mut tl, &model, &v.path)?;
            Some(Counterexample {
                property: v.property.name(),
                detail: v.detail.clone(),
                violation: loaded.violation,
                steps: loaded.steps.into_iter().map(|(text, at)| Step { text, at: at.into() }).collect(),
                permalink: to_base64(&encode_record(tl.record(), loaded.start)),
                start: loaded.start.into(),
            })
        }
    };
    Ok(Report {
        servers: model.bounds.servers,
        depth: out.depth(),
        states: out.states(),
        transitions: out.transitions,
        exhausted: out.exhausted,
        out_of_memory: out.out_of_memory,
        bytes: out.bytes,
        levels: out.levels.clone(),
        goals: out
            .goals
            .iter()
            .map(|g| GoalView { name: g.name, depth: g.reached.as_ref().map(|(d, _)| *d) })
            .collect(),
        violation,
    })
}

#[cfg(target_arch = "wasm32")]
mod bindings {
    use wasm_bindgen::prelude::*;

    std::thread_local! {
        static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }

    /// Explore from the moment a permalink is at (see [`crate::run`]); `progress(depth, states,
    /// bytes)` is called after every round. Throws with the reason for bad input or a state the
    /// model cannot start from.
    #[wasm_bindgen]
    #[allow(clippy::too_many_arguments)]
    pub fn explore(
        link: &str,
        depth: u32,
        crashes: u32,
        requests: u32,
        duplicates: u32,
        reads: u32,
        retries: u32,
        symmetry: bool,
        max_mb: u32,
        progress: &js_sys::Function,
    ) -> Result<JsValue, JsError> {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
                console_error_panic_hook::hook(info);
            }));
        });
        let o = crate::Options { depth, crashes, requests, duplicates, reads, retries, symmetry, max_mb };
        let report = crate::run(link, o, |d, states, bytes| {
            let _ = progress.call3(&JsValue::NULL, &d.into(), &(states as f64).into(), &(bytes as f64).into());
        })
        .map_err(|e| JsError::new(&e))?;
        report.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The message of the last Rust panic in this module, if any.
    #[wasm_bindgen]
    pub fn last_panic() -> Option<String> {
        LAST_PANIC.with(|p| p.borrow().clone())
    }

    use serde::Serialize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{Action, SimConfig};

    fn link_of(t: &Timeline) -> String {
        to_base64(&encode_record(t.record(), t.position()))
    }

    fn opts(depth: u32) -> Options {
        Options { depth, crashes: 0, requests: 0, duplicates: 0, reads: 0, retries: 0, symmetry: false, max_mb: 256 }
    }

    #[test]
    fn from_a_permalink_to_a_counterexample_the_page_opens() {
        let mut cfg = SimConfig { servers: 3, seed: 3, ..SimConfig::default() };
        cfg.raft.vote_lease = false;
        cfg.set_text("break", "vote-twice", &[sim::settings::Group::Protocol]).unwrap();
        let mut t = Timeline::new(cfg).unwrap();
        t.run_until(1_000_000);
        t.act(Action::Crash(t.sim().leader().unwrap())).unwrap();
        let mut rounds = 0;
        let r = run(&link_of(&t), opts(8), |_, _, _| rounds += 1).unwrap();
        assert!(rounds >= 1);
        let v = r.violation.expect("two leaders in one term");
        assert_eq!(v.property, "Election Safety");
        assert_eq!(v.steps.len(), 6);
        assert_eq!(r.depth, 6);
        // The page opens the permalink at the counterexample's start and seeks to each step.
        let mut opened = Timeline::from_permalink(&v.permalink, u64::MAX).unwrap();
        assert!(opened.sim().violations.is_empty() && opened.sim().held.is_some());
        let last = v.steps.last().unwrap().at;
        opened.seek_position(Position {
            time: (last.time_ms * 1000.0) as u64,
            events: last.events as u64,
            applied: last.applied as usize,
        });
        assert_eq!(opened.sim().violations[0].property.name(), "Election Safety");
    }

    #[test]
    fn a_clean_exploration_reports_states_and_goals() {
        let t = Timeline::new(SimConfig { servers: 3, seed: 1, ..SimConfig::default() }).unwrap();
        let r = run(&link_of(&t), opts(5), |_, _, _| {}).unwrap();
        assert!(r.violation.is_none());
        assert_eq!(r.depth, 5);
        assert_eq!(r.levels.len(), 6);
        assert_eq!(r.states, r.levels.iter().sum::<u64>());
        assert_eq!(r.goals[0].name, "a leader elected");
    }

    #[test]
    fn bad_options_and_links_say_why() {
        let t = Timeline::new(SimConfig::default()).unwrap();
        assert!(run(&link_of(&t), opts(0), |_, _, _| {}).unwrap_err().contains("depth must be 1–40"));
        assert!(run("!!", opts(5), |_, _, _| {}).is_err());
    }
}
