//! The wasm-bindgen surface of the playground. One [`Playground`] per widget: all state lives in the
//! instance, nothing global. A playground is a [`sim::Timeline`]: a run record (config + seed +
//! timed actions) with the simulator at the position being shown, seekable back and forth.
//! Plain data crosses the boundary as JS values read into a tree ([`input`] in) and as JSON text
//! ([`json`], [`view`] out).

#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz;
pub mod input;
pub mod inspect;
pub mod json;
pub mod names;
pub mod scenarios;
pub mod view;

/// The longest simulated time one call may advance by (an hour): input cannot hang the page.
pub const MAX_ADVANCE_MS: f64 = 3_600_000.0;

/// Room made for a frame's view text at once (bytes): a busy 9-server frame's is ~45 KB.
#[cfg(target_arch = "wasm32")]
const VIEW_BYTES: usize = 1 << 16;

#[cfg(target_arch = "wasm32")]
mod bindings {
    use crate::input::{self, JsIn};
    use crate::inspect::{inspect_message, inspect_server};
    use crate::json::{to_json, Json};
    use crate::scenarios::{scenarios, scripted};
    use crate::view::{build_view, note_kinds, notes_view, settings_view, strip_view};
    use sim::limits::MAX_WORK_PER_CALL;
    use sim::{codec, Position, Record, Timeline};
    use wasm_bindgen::prelude::*;

    fn err(msg: impl core::fmt::Display) -> JsError {
        JsError::new(&msg.to_string())
    }

    /// Data for JS (the view, the inspector, the narration, the strip, the settings): one JSON
    /// text (`json.rs`), parsed by the engine's `JSON.parse`, instead of a call across the
    /// boundary per field and per object as serde-wasm-bindgen makes (a 9-server view with 174
    /// messages in flight: 1.3 ms → 0.6 ms). None is null, maps are objects.
    fn to_js<T: Json + ?Sized>(v: &T) -> Result<JsValue, JsError> {
        js_sys::JSON::parse(&to_json(v, 0)).map_err(|e| err(thrown(e)))
    }

    #[wasm_bindgen]
    extern "C" {
        /// `Array.isArray`, which throws for a revoked proxy: caught.
        #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
        fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    }

    /// What a JS exception says.
    fn thrown(e: JsValue) -> String {
        if let Some(e) = e.dyn_ref::<js_sys::Error>() {
            return String::from(e.message());
        }
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }

    /// A JS value, read one level at a time through calls that catch what a getter or a proxy
    /// throws (an exception must never unwind through the module: it would leave the playground
    /// borrowed and every later call refused).
    impl input::Source for JsValue {
        fn read(&self, items: usize, text: usize) -> Result<input::Read<JsValue>, String> {
            use input::Read;
            if self.is_null() || self.is_undefined() {
                return Ok(Read::Null);
            }
            if let Some(b) = self.as_bool() {
                return Ok(Read::Bool(b));
            }
            if let Some(x) = self.as_f64() {
                return Ok(Read::Number(x));
            }
            if let Some(t) = self.dyn_ref::<js_sys::JsString>() {
                return Ok(if t.length() as usize > text { Read::TooBig } else { Read::Text(String::from(t)) });
            }
            if self.is_function() {
                return Ok(Read::Other("a function"));
            }
            if self.is_symbol() {
                return Ok(Read::Other("a symbol"));
            }
            if self.is_bigint() {
                return Ok(Read::Other("a BigInt"));
            }
            if !self.is_object() {
                return Ok(Read::Other("a value of another kind"));
            }
            if is_array(self).map_err(thrown)? {
                let len = js_sys::Reflect::get(self, &"length".into()).map_err(thrown)?.as_f64().unwrap_or(0.0);
                if len > items as f64 {
                    return Ok(Read::TooBig);
                }
                let list = (0..len as u32).map(|k| js_sys::Reflect::get_u32(self, k).map_err(thrown));
                return list.collect::<Result<_, _>>().map(Read::List);
            }
            let keys = js_sys::Reflect::own_keys(self).map_err(thrown)?;
            if keys.length() as usize > items {
                return Ok(Read::TooBig);
            }
            let mut fields = Vec::new();
            for key in keys.iter() {
                // Symbol keys are not data.
                let Some(name) = key.as_string() else { continue };
                fields.push((name, js_sys::Reflect::get(self, &key).map_err(thrown)));
            }
            Ok(Read::Object(fields))
        }
    }

    fn plain(v: &JsValue, what: &str) -> Result<JsIn, JsError> {
        input::plain(v, what).map_err(err)
    }

    fn text(v: &JsValue, what: &str) -> Result<String, JsError> {
        v.as_string().ok_or_else(|| {
            let kind = if v.is_null() { "null".to_string() } else { v.js_typeof().as_string().unwrap_or_default() };
            err(format!("{what}: expected a string, got {kind}"))
        })
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

    /// A log window from JS (`from`, `count`), if both are given and sane.
    fn log_window(from: Option<f64>, count: Option<f64>) -> Option<(u64, usize)> {
        match (from, count) {
            (Some(f), Some(c)) if f.is_finite() && c.is_finite() && f >= 0.0 && c >= 0.0 => {
                Some((f as u64, c as usize))
            }
            _ => None,
        }
    }

    fn us(ms: f64) -> Option<u64> {
        (ms.is_finite() && ms >= 0.0).then(|| (ms.min(1e15) * 1000.0).round() as u64)
    }

    #[wasm_bindgen]
    pub struct Playground {
        tl: Timeline,
        /// The record the playground started from (`reset` goes back to it): a scenario's whole
        /// script, a permalink's run, or just the config.
        start: Record,
        /// The simulator one step back from the position shown (for `inspect_before`), kept for
        /// the position and digest it was replayed for.
        before: Option<(Position, u64, Option<sim::Sim>)>,
    }

    /// A call stopped at the work cap, `stopped` saying where: the run stays there, a valid moment
    /// to go on from.
    fn over_cap(what: &str, stopped: &str, used: u64) -> JsError {
        err(format!(
            "{what}: stopped {stopped}, after {used} units of work (events, entries sent and written), the most \
             one call may do; call again to go on"
        ))
    }

    impl Playground {
        /// Run `f` on the timeline with at most [`MAX_WORK_PER_CALL`] units of work; if it ran out
        /// short of simulated time `target` (and no violation stopped it), say so: the run stays
        /// where it got to, a valid moment to go on from.
        fn bounded(&mut self, what: &str, target: u64, f: impl FnOnce(&mut Timeline)) -> Result<(), JsError> {
            self.tl.set_budget(MAX_WORK_PER_CALL);
            f(&mut self.tl);
            let (short, used) = (self.tl.budget_exhausted() && self.tl.sim().time < target, self.tl.work_done());
            self.tl.set_budget(u64::MAX);
            if short && self.tl.sim().violations.is_empty() {
                let (at, to) = (sim::settings::ms3(self.tl.sim().time), sim::settings::ms3(target));
                return Err(over_cap(what, &format!("at {at} ms, short of {to} ms"), used));
            }
            Ok(())
        }

        /// A call asked for `target`, more than an hour past what the run has reached, and went as
        /// far as `reached` (an hour at most per call, so that one call cannot hold the page for
        /// long): say so, so that the caller knows to call again.
        fn past_reach(&self, what: &str, reached: u64, target: u64) -> Result<(), JsError> {
            if reached < target && self.tl.sim().violations.is_empty() {
                return Err(err(format!(
                    "{what}: stopped at {} ms, short of {} ms: one call goes at most an hour of simulated time \
                     past what the run has reached; call again to go on",
                    sim::settings::ms3(self.tl.sim().time),
                    sim::settings::ms3(target)
                )));
            }
            Ok(())
        }

        /// A playground at the start of `start`, its set-up carried out (a figure shows at once).
        fn of(start: Record) -> Result<Playground, JsError> {
            let mut tl = Timeline::from_record(start.clone()).map_err(err)?;
            tl.apply_setup();
            Ok(Playground { tl, start, before: None })
        }

        /// The state one step back, replayed once per position shown.
        fn before(&mut self) -> Option<&sim::Sim> {
            let (at, digest) = (self.tl.position(), self.tl.sim().digest());
            if !matches!(&self.before, Some((p, d, _)) if (*p, *d) == (at, digest)) {
                self.before = Some((at, digest, self.tl.before_last_step()));
            }
            self.before.as_ref().and_then(|b| b.2.as_ref())
        }
    }

    #[wasm_bindgen]
    impl Playground {
        /// `new Playground({servers: 5, seed: "42", pre_vote: true, election_timeout: 150, …})`:
        /// every key is a setting (see `Playground.settings()`), all optional. Throws an Error with
        /// a readable message on bad input.
        #[wasm_bindgen(constructor)]
        pub fn new(config: JsValue) -> Result<Playground, JsError> {
            install_panic_hook();
            let s = input::settings_from(&plain(&config, "config")?).map_err(|e| err(format!("bad config: {e}")))?;
            Self::of(Record::new(input::config(&s, fresh_seed()).map_err(err)?))
        }

        /// A cluster that plays a scenario script live: its actions are the run's recorded future
        /// (the same run as `raft-sim run`, event for event).
        pub fn from_script(script: JsValue) -> Result<Playground, JsError> {
            install_panic_hook();
            Self::of(scripted(&text(&script, "script")?).map_err(err)?)
        }

        /// The run a permalink carries, at the position it was taken (`permalink()`'s output).
        pub fn from_permalink(link: JsValue) -> Result<Playground, JsError> {
            install_panic_hook();
            // Replaying to the link's moment is bounded: a crafted link cannot hang the page.
            let tl = Timeline::from_permalink(&text(&link, "link")?, MAX_WORK_PER_CALL).map_err(err)?;
            Ok(Playground { start: tl.record().clone(), tl, before: None })
        }

        /// The whole run (config, seed, every action, the future included) and the position now,
        /// as base64url text.
        pub fn permalink(&self) -> String {
            codec::to_base64(&codec::encode_record(self.tl.record(), self.tl.position()))
        }

        /// The run record as a scenario script.
        pub fn script(&self) -> String {
            self.tl.record().script()
        }

        /// Every setting: `[{name, unit, group, max, doc}]`.
        pub fn settings() -> Result<JsValue, JsError> {
            to_js(&settings_view())
        }

        /// The built-in scenarios: `[{name, description, text}]`.
        pub fn scenarios() -> Result<JsValue, JsError> {
            to_js(&scenarios())
        }

        /// The rules that can be broken on purpose: `[{id, source, rule, explanation, caught_by,
        /// scenario}]` (`scenario`: the built-in scenario showing the failure).
        pub fn rules() -> Result<JsValue, JsError> {
            to_js(&crate::scenarios::rules())
        }

        /// Recorded actions still ahead of the position shown.
        pub fn scheduled(&self) -> usize {
            self.tl.record().actions.len().saturating_sub(self.tl.position().applied)
        }

        /// Advance simulated time by `dt_ms` (at most an hour), processing every event due. Throws
        /// if that is more work than one call may do (`sim::limits`): the run stops where it got to.
        pub fn advance(&mut self, dt_ms: f64) -> Result<(), JsError> {
            if let Some(d) = us(dt_ms.min(crate::MAX_ADVANCE_MS)) {
                let t = self.tl.sim().time.saturating_add(d);
                self.bounded("advance", t, |tl| tl.run_until(t))?;
            }
            Ok(())
        }

        /// Run until simulated time `t_ms` (no-op if already past it; at most an hour ahead). Throws
        /// if that is more work than one call may do: the run stops where it got to.
        pub fn run_until(&mut self, t_ms: f64) -> Result<(), JsError> {
            if let Some(t) = us(t_ms) {
                let now = self.tl.sim().time;
                if t > now {
                    let to = t.min(now + (crate::MAX_ADVANCE_MS * 1000.0) as u64);
                    self.bounded("run_until", to, |tl| tl.run_until(to))?;
                    self.past_reach("run_until", to, t)?;
                }
            }
            Ok(())
        }

        /// The exact state at simulated time `t_ms`, back or forward (messages in flight included).
        /// Throws if getting there is more work than one call may do.
        pub fn seek(&mut self, t_ms: f64) -> Result<(), JsError> {
            if let Some(t) = us(t_ms) {
                let limit = self.tl.end_time().max(self.tl.sim().time) + (crate::MAX_ADVANCE_MS * 1000.0) as u64;
                let to = t.min(limit);
                self.bounded("seek", to, |tl| tl.seek(to))?;
                self.past_reach("seek", to, t)?;
            }
            Ok(())
        }

        /// The state right after a narrated event (`events`, `applied` from `notes()`).
        pub fn seek_note(&mut self, time_ms: f64, events: f64, applied: f64) -> Result<(), JsError> {
            if let (Some(time), true) = (us(time_ms), events >= 0.0 && applied >= 0.0) {
                let limit = self.tl.end_time().max(self.tl.sim().time) + (crate::MAX_ADVANCE_MS * 1000.0) as u64;
                let p = Position { time: time.min(limit), events: events as u64, applied: applied.min(1e9) as usize };
                self.bounded("seek_note", p.time, |tl| tl.seek_position(p))?;
            }
            Ok(())
        }

        /// Process the next event (or recorded action) and say what it was (e.g. "delivery of
        /// RequestVote S1→S2 (term 3)"); undefined if there is none or the run stopped on a violation.
        pub fn step(&mut self) -> Option<String> {
            self.tl.step().then(|| self.tl.sim().last_event())
        }

        /// Go back one event (or action). False at the start.
        pub fn step_back(&mut self) -> bool {
            self.steps(-1.0).is_ok_and(|n| n == 1.0)
        }

        /// `n` single steps (events or recorded actions), forward or, for a negative `n`, back (in
        /// one replay, no further than the start). Returns how many it took: fewer when the run
        /// ends, stops on a violation or reaches the start. Throws if that is more work than one
        /// call may do: the run stays where it got to, a valid moment to go on from.
        pub fn steps(&mut self, n: f64) -> Result<f64, JsError> {
            if !n.is_finite() {
                // (Not `{n}`: printing a float would bring core's float formatting into the module.)
                return Err(err("steps: expected a whole number of steps"));
            }
            let want = n.abs().min(u64::MAX as f64) as u64;
            self.tl.set_budget(MAX_WORK_PER_CALL);
            let mut taken = 0;
            if n < 0.0 {
                taken = self.tl.step_back_by(want);
            } else {
                while taken < want && !self.tl.budget_exhausted() && self.tl.step() {
                    taken += 1;
                }
            }
            // Forward, the budget can stop the steps; back, the one replay to the target.
            let short = self.tl.budget_exhausted() && (n < 0.0 || taken < want);
            let used = self.tl.work_done();
            self.tl.set_budget(u64::MAX);
            if short && self.tl.sim().violations.is_empty() {
                let at = sim::settings::ms3(self.tl.sim().time);
                return Err(over_cap("step", &format!("after {taken} of {want} steps, at {at} ms"), used));
            }
            Ok(taken as f64)
        }

        /// Time (ms) of the next event, or undefined.
        pub fn next_event_ms(&mut self) -> Option<f64> {
            self.tl.next_time().map(|t| t as f64 / 1000.0)
        }

        /// Carry out an action now: an object (`{type: "crash", server: 2}`) or a script line
        /// (`"crash 2"`). In the past this forks: the recorded future is dropped (`undo_fork`
        /// brings it back). Throws on bad input and then changes nothing.
        pub fn act(&mut self, action: JsValue) -> Result<(), JsError> {
            let a = match action.as_string() {
                Some(line) => input::action_from_line(&line, self.tl.sim()).map_err(err)?,
                None => input::action_from(&plain(&action, "action")?, self.tl.sim()).map_err(err)?,
            };
            self.tl.act(a).map_err(err)
        }

        /// Undo the last fork: the dropped future comes back. False if there is none.
        pub fn undo_fork(&mut self) -> bool {
            self.tl.set_budget(MAX_WORK_PER_CALL);
            let undone = self.tl.undo_fork();
            self.tl.set_budget(u64::MAX);
            undone
        }

        pub fn can_undo(&self) -> bool {
            self.tl.can_undo()
        }

        /// A snapshot of the whole cluster for drawing (see `view.rs` for its fields). Each log
        /// carries the entries from index `log_from`, `log_count` of them (default: the newest 200);
        /// `clients: false` leaves the client requests and each server's key-value state out
        /// (default: in).
        pub fn view(
            &self,
            log_from: Option<f64>,
            log_count: Option<f64>,
            clients: Option<bool>,
        ) -> Result<JsValue, JsError> {
            let window = log_window(log_from, log_count);
            to_js(&build_view(self.tl.sim(), window, clients.unwrap_or(true)))
        }

        /// `view(…)` as its JSON text in UTF-8: the page hands the bytes to the worker that draws
        /// the stage, and decodes and parses them only if it reads the view itself.
        pub fn view_json(&self, log_from: Option<f64>, log_count: Option<f64>, clients: Option<bool>) -> Vec<u8> {
            let window = log_window(log_from, log_count);
            to_json(&build_view(self.tl.sim(), window, clients.unwrap_or(true)), crate::VIEW_BYTES).into_bytes()
        }

        /// A message in flight on one line, as traces print it ("S1→S2 AppendEntries t3 prev=4@2
        /// entries=[5@3 x <- 3] commit=4"), by its `id` in the view; undefined once delivered.
        /// (Asked on hover, not per frame.)
        pub fn message_text(&self, id: f64) -> Option<String> {
            self.tl.sim().flights.get(&(id as u64)).map(|f| sim::narrate::describe(&f.msg))
        }

        /// One server's whole state for the inspector (see `inspect.rs`): Figure 2's persistent and
        /// volatile state, timers, configuration, snapshot, session table, and for a leader
        /// nextIndex[]/matchIndex[]; a crashed server shows what its stable storage holds. The log
        /// carries the entries from index `log_from`, `log_count` of them (default: the newest 30).
        pub fn inspect(&self, server: u32, log_from: Option<f64>, log_count: Option<f64>) -> Result<JsValue, JsError> {
            let window = log_window(log_from, log_count);
            to_js(&inspect_server(self.tl.sim(), server, window).map_err(err)?)
        }

        /// `inspect` as of one step back (before the last event or action; null at the start, or if
        /// the server did not exist yet): what differs is what that step changed. Costs a replay
        /// from the nearest checkpoint, like a seek (once per position).
        pub fn inspect_before(
            &mut self,
            server: u32,
            log_from: Option<f64>,
            log_count: Option<f64>,
        ) -> Result<JsValue, JsError> {
            let window = log_window(log_from, log_count);
            match self.before().and_then(|sim| inspect_server(sim, server, window).ok()) {
                Some(s) => to_js(&s),
                None => Ok(JsValue::NULL),
            }
        }

        /// A message in flight with every field it carries, when it was sent and when it arrives
        /// (see `inspect.rs`); null once it has arrived or was dropped.
        pub fn message(&self, id: f64) -> Result<JsValue, JsError> {
            match inspect_message(self.tl.sim(), id as u64) {
                Some(m) => to_js(&m),
                None => Ok(JsValue::NULL),
            }
        }

        /// A window of the narrated events: `{total, matching, start, notes: [{i, time_ms, events,
        /// applied, server, term, kind, text}]}`. `kinds`: bits from `note_kinds()` (0 = all);
        /// `server`: 0 = all; `start` = 0xFFFFFFFF: the last `count` entries.
        pub fn notes(&self, start: u32, count: u32, kinds: u32, server: u32) -> Result<JsValue, JsError> {
            let start = if start == u32::MAX { usize::MAX } else { start as usize };
            to_js(&notes_view(&self.tl, start, count as usize, kinds, server))
        }

        /// How many events have been narrated on this branch, counting ones dropped to keep the
        /// list bounded (cheap; to know when to refresh).
        pub fn note_count(&self) -> usize {
            self.tl.notes_dropped() + self.tl.notes().len()
        }

        /// How many of them tell of what happened by the moment shown (the rest lie ahead): an
        /// action here forks the branch after them.
        pub fn notes_here(&self) -> usize {
            self.tl.notes_here()
        }

        /// Narrated events from number `from` (counting from the first ever, as `note_count`), at
        /// most `count` (≤ 500): what happened since a caller last looked. Its `start` is the first
        /// one's number (later than `from` if the narration no longer keeps those).
        pub fn notes_from(&self, from: usize, count: u32) -> Result<JsValue, JsError> {
            let dropped = self.tl.notes_dropped();
            let start = from.saturating_sub(dropped);
            let mut page = notes_view(&self.tl, start, count as usize, 0, 0);
            page.start = dropped + start;
            to_js(&page)
        }

        /// The narration's categories: `[[name, bit]]`.
        pub fn note_kinds() -> Result<JsValue, JsError> {
            to_js(&note_kinds())
        }

        /// The term strip (Figure 5): `{end_ms, bands: [server, from_ms, to_ms, term, up]…, marks:
        /// [server, time_ms, what]…}`.
        pub fn strip(&self) -> Result<JsValue, JsError> {
            to_js(&strip_view(&self.tl))
        }

        /// The sequence diagram (SVG) of the run from `from_ms` to the moment shown: one lane per
        /// server, an arrow per message, terms as bands, crashes grey (`sim::diagram`).
        pub fn diagram(&self, from_ms: f64) -> String {
            let to = self.tl.sim().time;
            let from = if from_ms.is_finite() && from_ms > 0.0 { ((from_ms * 1000.0) as u64).min(to) } else { 0 };
            let servers = self.tl.sim().servers.len() as u32;
            sim::diagram::svg(servers, from, to, &self.tl.deliveries(from), &self.tl.strip())
        }

        /// Back to the start of the run this playground was made with (a scenario or link keeps
        /// its recorded future; free play starts over with the same config).
        pub fn reset(&mut self) {
            self.tl = Timeline::from_record(self.start.clone()).expect("it was valid");
            self.tl.apply_setup();
        }

        pub fn time_ms(&self) -> f64 {
            self.tl.sim().time as f64 / 1000.0
        }

        /// Servers in the cluster now (the view's `servers.length`), safety violations seen (its
        /// `violations.length`) and the leader: what a frame that does not read the view asks.
        pub fn server_count(&self) -> usize {
            self.tl.sim().servers.len()
        }

        pub fn violation_count(&self) -> usize {
            self.tl.sim().violations.len()
        }

        /// The live leader of the highest term (the view's `leader`).
        pub fn leader(&self) -> Option<u32> {
            self.tl.sim().leader()
        }

        /// The end of what is known of this run (ms): the furthest point reached or recorded.
        pub fn end_ms(&self) -> f64 {
            self.tl.end_time() as f64 / 1000.0
        }

        /// Events processed so far (with `applied`, the position shown).
        pub fn events(&self) -> f64 {
            self.tl.sim().stats.events as f64
        }

        /// Actions carried out so far.
        pub fn applied(&self) -> f64 {
            self.tl.position().applied as f64
        }

        pub fn seed(&self) -> String {
            self.tl.sim().cfg.seed.to_string()
        }

        /// Fingerprint of the run so far, as 16 hex digits.
        pub fn digest(&self) -> String {
            format!("{:016x}", self.tl.sim().digest())
        }

        /// What the history holds (checkpoints, record, narration), in bytes.
        pub fn history_bytes(&self) -> f64 {
            self.tl.history_bytes() as f64
        }

        /// The message of the last Rust panic in this module, if any (for the error banner).
        pub fn last_panic() -> Option<String> {
            LAST_PANIC.with(|p| p.borrow().clone())
        }

        /// Panic in Rust with `message`: for the tests of what a panic does to the page (the hook
        /// records it, the call traps, the page shows the banner). Nothing else calls it.
        pub fn panic_for_test(message: String) {
            install_panic_hook();
            panic!("{message}");
        }

        /// The benchmark workload (see `sim::bench`): returns the number of messages delivered; the
        /// caller times it. At most a write every 100 µs for an hour, and as much work as any one
        /// call may do.
        pub fn bench(servers: u32, sim_ms: u32, write_every_us: u32) -> Result<f64, JsError> {
            install_panic_hook();
            if write_every_us < 100 {
                return Err(err(format!(
                    "write_every_us = {write_every_us}: at least 100 (10,000 writes per simulated second, the most `load` allows)"
                )));
            }
            if sim_ms > crate::MAX_ADVANCE_MS as u32 {
                return Err(err(format!("sim_ms = {sim_ms}: at most an hour (3600000)")));
            }
            let stats =
                sim::bench::workload_with(servers, sim_ms as u64, write_every_us as u64, 1, Default::default(), MAX_WORK_PER_CALL)
                    .map_err(err)?;
            Ok(stats.delivered as f64)
        }

        /// Run a scenario script (the same language as `raft-sim run`) and return its output.
        pub fn run_script(script: JsValue) -> Result<String, JsError> {
            install_panic_hook();
            sim::script::run(&text(&script, "script")?).map_err(err)
        }
    }
}

#[cfg(test)]
mod tests;
