//! Fuzzing the input layer natively ([`crate::input`]): generated plain-data trees (what a JS
//! value becomes) as configs and actions, with the generator and runner of `sim::fuzz`. A few
//! thousand in `cargo test`, millions in `cargo run --release -p raft-wasm --example fuzz_input`.

use crate::input::{self, JsIn, MAX_DEPTH};
use sim::fuzz::{Rng, MAX_WORK_PER_EVENT};
use sim::{Meter, Sim, SimConfig};

/// Field names an action or a config may have, real and not.
fn field_names() -> Vec<String> {
    let mut v: Vec<String> =
        ["type", "server", "command", "groups", "a", "b", "one_way", "add", "remove", "terms", "term", "index"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    v.extend(SimConfig::settings().iter().map(|m| m.name.to_string()));
    v.extend(["", "Server", "constructor", "__proto__", "type ", "seed\u{0}", "日本"].iter().map(|s| s.to_string()));
    v
}

const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    2.0,
    3.0,
    5.0,
    7.0,
    9.0,
    51.0,
    52.0,
    63.0,
    64.0,
    100.0,
    150.0,
    1000.0,
    1024.0,
    1025.0,
    10_000.0,
    3_600_000.0,
    4294967295.0,
    4294967296.0,
    9007199254740991.0,
    9007199254740993.0,
    1e300,
    -1.0,
    -0.0,
    0.5,
    2.5,
    1e-7,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN_POSITIVE,
];

const TEXTS: &[&str] = &[
    "x <- 3",
    "y += -1",
    "z?",
    "x <- banana",
    "X?",
    "",
    " ",
    "5%",
    "150ms",
    "1.5s",
    "1e13s",
    "on",
    "off",
    "true",
    "maybe",
    "42",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "vote-twice",
    "none",
    "vote-thrice",
    "crash",
    "leader",
    "S3",
    "10-15ms",
    "\u{0}",
    "😀",
    "é",
];

fn value(rng: &mut Rng, depth: usize) -> JsIn {
    match rng.below(if depth > 3 { 6 } else { 9 }) {
        0 => JsIn::Null,
        1 => JsIn::Bool(rng.one_in(2)),
        2 | 3 => JsIn::Number(*rng.pick(NUMBERS)),
        4 => JsIn::Number(rng.below(70) as f64),
        5 => JsIn::Text(rng.pick(TEXTS).to_string()),
        6 => JsIn::List((0..rng.below(6)).map(|_| value(rng, depth + 1)).collect()),
        7 => JsIn::List(
            (0..rng.below(4))
                .map(|_| JsIn::List((0..rng.below(5)).map(|_| JsIn::Number(1.0 + rng.below(8) as f64)).collect()))
                .collect(),
        ),
        _ => object(rng, depth + 1, None),
    }
}

/// The fields an action type has (the settings of their group for `network` and `options`).
fn own_fields(ty: &str) -> Vec<String> {
    let group = match ty {
        "network" => Some(sim::settings::Group::Network),
        "options" => Some(sim::settings::Group::Protocol),
        _ => None,
    };
    if let Some(g) = group {
        return SimConfig::settings().iter().filter(|m| m.group == g).map(|m| m.name.to_string()).collect();
    }
    let f: &[&str] = match ty {
        "request" => &["server", "command"],
        "partition" => &["groups"],
        "cut" | "repair" => &["a", "b", "one_way"],
        "change" => &["add", "remove"],
        "log" => &["server", "terms"],
        "term" => &["server", "term"],
        "commit" => &["server", "index"],
        "heal" | "add_server" => &[],
        _ => &["server"],
    };
    f.iter().map(|s| s.to_string()).collect()
}

fn object(rng: &mut Rng, depth: usize, ty: Option<&str>) -> JsIn {
    let names = field_names();
    let own = ty.map(own_fields).unwrap_or_default();
    let mut fields = Vec::new();
    if let Some(t) = ty {
        fields.push(("type".to_string(), JsIn::Text(t.to_string())));
    }
    for _ in 0..rng.below(5) {
        let k = if !own.is_empty() && !rng.one_in(8) { rng.pick(&own).clone() } else { rng.pick(&names).clone() };
        // Mostly what the field takes: small numbers for servers and terms, commands as text.
        let v = match k.as_str() {
            "server" | "a" | "b" | "term" | "index" if !rng.one_in(4) => JsIn::Number(rng.below(8) as f64),
            "command" if !rng.one_in(4) => {
                JsIn::Text(rng.pick(&["x <- 3", "y += 2", "z?", "x <- -9223372036854775808"]).to_string())
            }
            "add" | "remove" | "terms" if !rng.one_in(4) => {
                JsIn::List((0..rng.below(4)).map(|_| JsIn::Number(1.0 + rng.below(8) as f64)).collect())
            }
            _ => value(rng, depth + 1),
        };
        fields.push((k, v));
    }
    JsIn::Object(fields)
}

/// A tree as JS might send it: mostly action-like objects (a real type with fields of any kind),
/// config-like objects, and now and then something nested too deep or too wide.
pub fn gen_js(rng: &mut Rng) -> JsIn {
    match rng.below(20) {
        0 => {
            // Deeper than allowed, or just within.
            let mut v = value(rng, 0);
            for _ in 0..MAX_DEPTH - 1 + rng.below(4) {
                v = if rng.one_in(2) { JsIn::List(vec![v]) } else { JsIn::Object(vec![("groups".into(), v)]) };
            }
            v
        }
        1 => JsIn::List(vec![JsIn::Number(1.0); 9_990 + rng.below(20)]),
        2 | 3 => object(rng, 0, None),
        4 => value(rng, 0),
        _ => {
            let types: Vec<&str> = input::ACTION_TYPES.iter().copied().chain(["explode", "", "Crash"]).collect();
            let ty = *rng.pick(&types);
            object(rng, 0, Some(ty))
        }
    }
}

/// What a refused action must leave as it was.
fn state(s: &Sim) -> (u64, sim::Position, SimConfig, sim::Topology, usize) {
    (s.digest(), s.position(), s.cfg.clone(), s.topology.clone(), s.flights.len())
}

/// Read a tree as `plain` does, then as a config and as an action against each simulator: no
/// panic; within the limits it reads back as itself, beyond them the error gives the path; a config
/// accepted makes a simulator; an action accepted prints as a line that parses back to it, and a
/// refused one changes nothing.
pub fn check_js(tree: &JsIn, sims: &[Sim]) -> Result<Option<String>, String> {
    let p = match input::plain(tree, "action") {
        Err(e) if e.starts_with("action") && (e.contains("too large") || e.contains("nested too deeply")) => {
            return Ok(Some(e))
        }
        Err(e) => return Err(format!("a refusal that does not say where: {e}")),
        // (Debug text, so NaN equals NaN.)
        Ok(p) if format!("{p:?}") != format!("{tree:?}") => {
            return Err("plain data does not read back as itself".into())
        }
        Ok(p) => p,
    };
    let mut last = None;
    match input::settings_from(&p).and_then(|s| input::config(&s, 7)) {
        Ok(c) => {
            let mut s = Sim::new(c).map_err(|e| format!("a config accepted, refused by the simulator: {e}"))?;
            s.meter = Meter::budget(5_000);
            s.run_for(100_000);
            if s.meter.used > 5_000 + MAX_WORK_PER_EVENT {
                return Err("a config that ran over its budget".into());
            }
        }
        Err(e) if e.trim().is_empty() => return Err("an empty error".into()),
        Err(e) => last = Some(e),
    }
    for sim in sims {
        let a = match input::action_from(&p, sim) {
            Err(e) if e.trim().is_empty() => return Err("an empty error".into()),
            Err(e) => {
                last = Some(e);
                continue;
            }
            Ok(a) => a,
        };
        // The line form cannot write a server above 63 (JS may: the simulator refuses it, naming
        // the servers there are).
        let high = a.servers().any(|id| id > raft::MAX_NODE_ID);
        if !high && input::action_from_line(&a.to_string(), sim).as_ref() != Ok(&a) {
            return Err(format!("{a:?} prints as {:?}, which does not read back", a.to_string()));
        }
        let mut s = sim.clone();
        let before = state(&s);
        match s.act(a) {
            Err(e) if state(&s) != before => return Err(format!("a refused action changed the run ({e})")),
            Err(e) => last = Some(e),
            Ok(()) => {
                s.meter = Meter::budget(5_000);
                s.run_for(100_000);
            }
        }
    }
    Ok(last)
}
