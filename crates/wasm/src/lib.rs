//! The wasm-bindgen surface of the playground. One [`Playground`] per widget: all state lives in the
//! instance, nothing global. Plain data crosses the boundary as serde values (see [`view`]).

pub mod view;

#[cfg(target_arch = "wasm32")]
mod bindings {
    use crate::view::{build_view, scenarios, scripted, ActionIn, ConfigIn};
    use sim::Sim;
    use wasm_bindgen::prelude::*;

    fn err(msg: impl core::fmt::Display) -> JsError {
        JsError::new(&msg.to_string())
    }

    std::thread_local! {
        /// The message of the last panic, for the page's error banner (a wasm panic itself only
        /// surfaces in JS as "unreachable").
        static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }

    fn install_panic_hook() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
                console_error_panic_hook::hook(info);
            }));
        });
    }

    fn fresh_seed() -> u64 {
        let mut b = [0u8; 8];
        // A failure here only loses randomness of the seed choice, never determinism of the run.
        let _ = getrandom::fill(&mut b);
        // Keep seeds within 2^53 so they survive as plain JS numbers in URLs too.
        u64::from_le_bytes(b) & ((1 << 53) - 1)
    }

    #[wasm_bindgen]
    pub struct Playground {
        sim: Sim,
        /// The config as given, so `reset` can rebuild the same cluster.
        config: sim::SimConfig,
        /// The scenario script being played, if any (`reset` replays it).
        script: Option<String>,
    }

    #[wasm_bindgen]
    impl Playground {
        /// `new Playground({servers, seed, election_timeout_ms, heartbeat_ms, latency_min_ms,
        /// latency_max_ms, drop, duplicate, reorder, conflict_hint, pre_vote, max_entries_per_append})`;
        /// all optional. Throws an Error with a readable message on bad input.
        #[wasm_bindgen(constructor)]
        pub fn new(config: JsValue) -> Result<Playground, JsError> {
            install_panic_hook();
            let input: ConfigIn = if config.is_undefined() || config.is_null() {
                ConfigIn::default()
            } else {
                serde_wasm_bindgen::from_value(config).map_err(|e| err(format!("bad config: {e}")))?
            };
            let config = input.to_config(fresh_seed()).map_err(err)?;
            let sim = Sim::new(config.clone()).map_err(err)?;
            Ok(Playground { sim, config, script: None })
        }

        /// A cluster that plays a scenario script live: its actions happen at their times as the
        /// page advances (the same run as `raft-sim run`, event for event).
        pub fn from_script(text: &str) -> Result<Playground, JsError> {
            install_panic_hook();
            let (config, sim) = scripted(text).map_err(err)?;
            Ok(Playground { sim, config, script: Some(text.to_string()) })
        }

        /// The built-in scenarios: `[{name, description, text}]`.
        pub fn scenarios() -> Result<JsValue, JsError> {
            scenarios().serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
        }

        /// Actions of a scenario still to come.
        pub fn scheduled(&self) -> usize {
            self.sim.scheduled.len()
        }

        /// Advance simulated time by `dt_ms`, processing every event due.
        pub fn advance(&mut self, dt_ms: f64) {
            if dt_ms.is_finite() && dt_ms > 0.0 {
                self.sim.run_for((dt_ms * 1000.0).round() as u64);
            }
        }

        /// Run until simulated time `t_ms` (no-op if already past it).
        pub fn run_until(&mut self, t_ms: f64) {
            if t_ms.is_finite() && t_ms > 0.0 {
                self.sim.run_until((t_ms * 1000.0).round() as u64);
            }
        }

        /// Process the single next event and say what it was (e.g. "delivery of RequestVote S1→S2
        /// (term 3)"); undefined if there is none or the run stopped on a violation.
        pub fn step(&mut self) -> Option<String> {
            self.sim.step().then(|| self.sim.last_event())
        }

        /// Time (ms) of the next event, or undefined.
        pub fn next_event_ms(&mut self) -> Option<f64> {
            self.sim.next_event_time().map(|t| t as f64 / 1000.0)
        }

        /// Carry out an action now, e.g. `{type: "crash", server: 2}`. Throws on bad input and
        /// then changes nothing.
        pub fn act(&mut self, action: JsValue) -> Result<(), JsError> {
            let a: ActionIn = serde_wasm_bindgen::from_value(action).map_err(|e| err(format!("bad action: {e}")))?;
            let a = a.to_action(&self.sim).map_err(err)?;
            self.sim.act(a).map_err(err)
        }

        /// A snapshot of the whole cluster for drawing (see `view.rs` for its fields).
        pub fn view(&self) -> Result<JsValue, JsError> {
            let v = build_view(&self.sim);
            v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
        }

        /// Rebuild the cluster from the same config (same seed), dropping every action.
        pub fn reset(&mut self) {
            self.sim = match &self.script {
                Some(text) => scripted(text).expect("script ran before").1,
                None => Sim::new(self.config.clone()).expect("config was valid"),
            };
        }

        pub fn time_ms(&self) -> f64 {
            self.sim.time as f64 / 1000.0
        }

        pub fn seed(&self) -> String {
            self.sim.cfg.seed.to_string()
        }

        /// Fingerprint of the run so far, as 16 hex digits.
        pub fn digest(&self) -> String {
            format!("{:016x}", self.sim.digest())
        }

        /// The message of the last Rust panic in this module, if any (for the error banner).
        pub fn last_panic() -> Option<String> {
            LAST_PANIC.with(|p| p.borrow().clone())
        }

        /// The benchmark workload (see `sim::bench`): returns the number of messages delivered; the
        /// caller times it.
        pub fn bench(servers: u32, sim_ms: u32, write_every_us: u32) -> Result<f64, JsError> {
            let stats = sim::bench::workload(servers, sim_ms as u64, write_every_us as u64, 1).map_err(err)?;
            Ok(stats.delivered as f64)
        }

        /// Run a scenario script (the same language as `raft-sim run`) and return its output.
        pub fn run_script(text: &str) -> Result<String, JsError> {
            install_panic_hook();
            sim::script::run(text).map_err(err)
        }
    }

    use serde::Serialize;
}
