//! What JavaScript sends in: a run's configuration and the user's actions. Pure Rust, so it is
//! tested natively; `lib.rs` turns a JS value into a [`JsIn`] tree and hands it over. (No serde
//! here: its deserializers were a sixth of the browser build.)
//!
//! Settings are named as [`sim::settings`] names them (the same names as scripts and links); values
//! are what JS writes: `true`/`false`, numbers in milliseconds for durations and percent for
//! probabilities, or the script's own text (`"150ms"`, `"on"`, `"5%"`).

use crate::names::Names;
use sim::settings::{self, Group};
use sim::{parse_op, Action, Sim, SimConfig};

/// A plain JS value, as much of it as input needs.
#[derive(Clone, Debug, PartialEq)]
pub enum JsIn {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<JsIn>),
    Object(Vec<(String, JsIn)>),
}

impl JsIn {
    fn kind(&self) -> &'static str {
        match self {
            JsIn::Null => "null",
            JsIn::Bool(_) => "a boolean",
            JsIn::Number(_) => "a number",
            JsIn::Text(_) => "a string",
            JsIn::List(_) => "an array",
            JsIn::Object(_) => "an object",
        }
    }

    /// The value in an error message: its kind, and the value itself when short.
    fn describe(&self) -> String {
        match self {
            JsIn::Bool(b) => format!("{b}"),
            JsIn::Number(x) => settings::num(*x),
            JsIn::Text(t) if t.chars().count() <= 40 => format!("{t:?}"),
            other => other.kind().to_string(),
        }
    }
}

/// The most a value from JavaScript may hold: levels of nesting below the top, values in all
/// (at every level), and bytes of text in all (strings and keys). Input, not a data dump.
pub const MAX_DEPTH: usize = 8;
pub const MAX_ITEMS: usize = 10_000;
pub const MAX_TEXT: usize = 1 << 20;

/// One level of a value from outside, as [`plain`] reads it. `TooBig`: a string, array or object
/// larger than the room left (nothing was copied).
pub enum Read<S> {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<S>),
    /// Fields, each read on its own (a getter may throw: the error names its field).
    Object(Vec<(String, Result<S, String>)>),
    /// Not plain data: a function, a symbol, a BigInt, …
    Other(&'static str),
    TooBig,
}

/// A value [`plain`] can read, one level at a time: a JS value in the browser build, a [`JsIn`] in
/// tests. Any read may fail (a getter or a proxy that throws): the error says what it threw.
pub trait Source: Sized {
    /// This value's level: `items` and `text` are the room left (values, bytes): a string longer
    /// than `text`, or an array or object with more than `items` entries, is `TooBig`.
    fn read(&self, items: usize, text: usize) -> Result<Read<Self>, String>;
}

impl Source for JsIn {
    fn read(&self, items: usize, text: usize) -> Result<Read<JsIn>, String> {
        Ok(match self {
            JsIn::Null => Read::Null,
            JsIn::Bool(b) => Read::Bool(*b),
            JsIn::Number(x) => Read::Number(*x),
            JsIn::Text(t) if t.len() > text => Read::TooBig,
            JsIn::Text(t) => Read::Text(t.clone()),
            JsIn::List(l) if l.len() > items => Read::TooBig,
            JsIn::List(l) => Read::List(l.clone()),
            JsIn::Object(f) if f.len() > items => Read::TooBig,
            JsIn::Object(f) => Read::Object(f.iter().map(|(k, v)| (k.clone(), Ok(v.clone()))).collect()),
        })
    }
}

/// Read a value from outside as plain data, within [`MAX_DEPTH`], [`MAX_ITEMS`] and [`MAX_TEXT`].
/// `what` names it in errors, which give the path to the offending part (`action.groups[2]`).
pub fn plain<S: Source>(v: &S, what: &str) -> Result<JsIn, String> {
    let mut room = (MAX_ITEMS, MAX_TEXT);
    read_plain(v, what.to_string(), 0, &mut room)
}

fn read_plain<S: Source>(v: &S, path: String, depth: usize, room: &mut (usize, usize)) -> Result<JsIn, String> {
    let too_big = |path: &str| {
        format!("{path}: the value is too large (at most {MAX_ITEMS} values and {} KB of text in all)", MAX_TEXT >> 10)
    };
    if depth > MAX_DEPTH {
        return Err(format!("{path}: the value is nested too deeply (at most {MAX_DEPTH} levels)"));
    }
    if room.0 == 0 {
        return Err(too_big(&path));
    }
    room.0 -= 1;
    let level = v.read(room.0, room.1).map_err(|e| format!("{path}: reading it threw an exception: {e}"))?;
    Ok(match level {
        Read::Null => JsIn::Null,
        Read::Bool(b) => JsIn::Bool(b),
        Read::Number(x) => JsIn::Number(x),
        Read::Text(t) if t.len() > room.1 => return Err(too_big(&path)),
        Read::Text(t) => {
            room.1 -= t.len();
            JsIn::Text(t)
        }
        Read::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (k, x) in items.iter().enumerate() {
                out.push(read_plain(x, format!("{path}[{k}]"), depth + 1, room)?);
            }
            JsIn::List(out)
        }
        Read::Object(fields) => {
            let mut out = Vec::with_capacity(fields.len());
            for (key, x) in &fields {
                if key.len() > room.1 {
                    return Err(too_big(&path));
                }
                room.1 -= key.len();
                let path = format!("{path}.{key}");
                let x = x.as_ref().map_err(|e| format!("{path}: reading it threw an exception: {e}"))?;
                out.push((key.clone(), read_plain(x, path, depth + 1, room)?));
            }
            JsIn::Object(out)
        }
        Read::Other(kind) => {
            return Err(format!(
                "{path}: expected plain data (numbers, strings, booleans, arrays, objects), got {kind}"
            ))
        }
        Read::TooBig => return Err(too_big(&path)),
    })
}

/// A setting's value as JS writes it.
#[derive(Debug, Clone)]
pub enum InValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// `{servers: 5, seed: "42", pre_vote: true, drop: 5, election_timeout: 150, …}`: every key a setting.
pub type Settings = Names<String, InValue>;

/// The settings in a JS object (`null` or `undefined`: none).
pub fn settings_from(v: &JsIn) -> Result<Settings, String> {
    let fields = match v {
        JsIn::Null => return Ok(Settings::new()),
        JsIn::Object(f) => f,
        other => return Err(format!("expected an object of settings, got {}", other.kind())),
    };
    let mut out = Settings::new();
    for (k, v) in fields {
        let value = match v {
            JsIn::Bool(b) => InValue::Bool(*b),
            JsIn::Number(x) => InValue::Number(*x),
            JsIn::Text(t) => InValue::Text(t.clone()),
            other => return Err(format!("{k}: expected a boolean, a number or text, got {}", other.kind())),
        };
        out.insert(k.clone(), value);
    }
    Ok(out)
}

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
        Err(format!("seed {}: expected a whole number ≥ 0", settings::num(n)))
    }
}

/// The action types JS may send, for error messages.
pub const ACTION_TYPES: &[&str] = &[
    "crash",
    "restart",
    "timeout",
    "isolate",
    "request",
    "partition",
    "cut",
    "repair",
    "heal",
    "network",
    "options",
    "add_server",
    "remove_server",
    "transfer",
    "change",
    "log",
    "term",
    "commit",
    "drop_message",
    "duplicate_message",
    "deliver_message",
    "heartbeat",
    "flush",
    "retry",
    "hold",
    "release",
];

/// An action as JS writes it: `{type: "crash", server: 2}`, `{type: "request", server: 1,
/// command: "x <- 3"}`, `{type: "partition", groups: [[1, 2], [3, 4, 5]]}`, `{type: "cut", a: 1,
/// b: 2, one_way: true}`, `{type: "options", pre_vote: true}`, `{type: "network", drop: 5}`,
/// `{type: "drop_message", id: 17}`, …
/// (or a script line, see [`action_from_line`]). Unknown fields are errors.
pub fn action_from(v: &JsIn, sim: &Sim) -> Result<Action, String> {
    let JsIn::Object(fields) = v else { return Err(format!("expected an action object, got {}", v.kind())) };
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let ty = match get("type") {
        Some(JsIn::Text(t)) => t.as_str(),
        _ => return Err(format!("an action needs a type: one of {}", ACTION_TYPES.join(", "))),
    };
    let allowed: &[&str] = match ty {
        "crash" | "restart" | "timeout" | "heartbeat" | "flush" | "isolate" | "remove_server" | "transfer" => {
            &["server"]
        }
        "request" => &["server", "command"],
        "partition" => &["groups"],
        "cut" | "repair" => &["a", "b", "one_way"],
        "heal" | "add_server" | "hold" | "release" => &[],
        "change" => &["add", "remove"],
        "log" => &["server", "terms"],
        "term" => &["server", "term"],
        "commit" => &["server", "index"],
        "drop_message" | "duplicate_message" | "deliver_message" => &["id"],
        "retry" => &["request", "server"],
        // The settings of their group, checked by name below.
        "network" | "options" => &[],
        _ => return Err(format!("unknown action type {ty:?}: one of {}", ACTION_TYPES.join(", "))),
    };
    let settings_like = matches!(ty, "network" | "options");
    if !settings_like {
        if let Some((k, _)) = fields.iter().find(|(k, _)| k != "type" && !allowed.contains(&k.as_str())) {
            if allowed.is_empty() {
                return Err(format!("{ty}: unknown field {k:?} ({ty} takes no fields besides its type)"));
            }
            return Err(format!("{ty}: unknown field {k:?} (fields: {})", allowed.join(", ")));
        }
    }
    let id = |k: &str| -> Result<u32, String> {
        match get(k) {
            Some(JsIn::Number(x)) if x.fract() == 0.0 && *x >= 0.0 && *x <= u32::MAX as f64 => Ok(*x as u32),
            Some(other) => Err(format!("{ty}: {k} must be a server number, got {}", other.describe())),
            None => Err(format!("{ty}: missing {k}")),
        }
    };
    let whole = |k: &str, x: Option<&JsIn>| -> Result<u64, String> {
        match x {
            Some(JsIn::Number(x)) if x.fract() == 0.0 && *x >= 0.0 && *x <= 9007199254740991.0 => Ok(*x as u64),
            Some(other) => Err(format!("{ty}: {k} must be a whole number, got {}", other.describe())),
            None => Err(format!("{ty}: missing {k}")),
        }
    };
    let flag = |k: &str| -> Result<bool, String> {
        match get(k) {
            None => Ok(false),
            Some(JsIn::Bool(b)) => Ok(*b),
            Some(other) => Err(format!("{ty}: {k} must be true or false, got {}", other.describe())),
        }
    };
    Ok(match ty {
        "crash" => Action::Crash(id("server")?),
        "restart" => Action::Restart(id("server")?),
        "timeout" => Action::Timeout(id("server")?),
        "heartbeat" => Action::Heartbeat(id("server")?),
        "flush" => Action::Flush(id("server")?),
        "retry" => Action::Retry { request: whole("request", get("request"))?, server: id("server")? },
        "hold" => Action::Hold(true),
        "release" => Action::Hold(false),
        "isolate" => Action::Isolate(id("server")?),
        "remove_server" => Action::RemoveServer(id("server")?),
        "transfer" => Action::Transfer(id("server")?),
        "request" => {
            let command = match get("command") {
                Some(JsIn::Text(t)) => t,
                _ => return Err("request: command must be text such as \"x <- 3\"".into()),
            };
            Action::Request { server: id("server")?, op: parse_op(command)? }
        }
        "partition" => {
            let bad = || "partition: groups must be arrays of server numbers, e.g. [[1, 2], [3, 4, 5]]".to_string();
            let Some(JsIn::List(groups)) = get("groups") else { return Err(bad()) };
            if groups.len() > 64 || groups.iter().any(|g| matches!(g, JsIn::List(ids) if ids.len() > 64)) {
                return Err("partition: at most 64 groups of at most 64 servers".into());
            }
            let mut out = Vec::with_capacity(groups.len());
            for g in groups {
                let JsIn::List(ids) = g else { return Err(bad()) };
                let mut group = Vec::with_capacity(ids.len());
                for x in ids {
                    match x {
                        JsIn::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64 => {
                            group.push(*n as u32)
                        }
                        _ => return Err(bad()),
                    }
                }
                // An empty group changes nothing (as in the line form, `partition 1,2 | | 3`).
                if !group.is_empty() {
                    out.push(group);
                }
            }
            Action::Partition(out)
        }
        "cut" | "repair" => {
            let (a, b, up) = (id("a")?, id("b")?, ty == "repair");
            if flag("one_way")? {
                Action::OneWay { from: a, to: b, up }
            } else {
                Action::Link { a, b, up }
            }
        }
        "heal" => Action::Heal,
        "add_server" => Action::AddServer,
        "change" => {
            let list = |k: &str| -> Result<Vec<u32>, String> {
                let bad = || format!("change: {k} must be an array of server numbers");
                match get(k) {
                    None => Ok(vec![]),
                    Some(JsIn::List(ids)) if ids.len() <= 64 => ids
                        .iter()
                        .map(|x| match x {
                            JsIn::Number(n) if n.fract() == 0.0 && *n >= 1.0 && *n <= 64.0 => Ok(*n as u32),
                            _ => Err(bad()),
                        })
                        .collect(),
                    Some(_) => Err(bad()),
                }
            };
            Action::Change { add: list("add")?, remove: list("remove")? }
        }
        "log" => {
            let Some(JsIn::List(terms)) = get("terms") else {
                return Err("log: terms must be an array of the entries' terms, e.g. [1, 1, 4]".into());
            };
            if terms.len() > sim::setup::MAX_ENTRIES {
                return Err(format!("log: at most {} entries", sim::setup::MAX_ENTRIES));
            }
            let terms = terms.iter().map(|t| whole("terms", Some(t))).collect::<Result<_, _>>()?;
            Action::SetLog { server: id("server")?, terms }
        }
        "term" => Action::SetTerm { server: id("server")?, term: whole("term", get("term"))? },
        "commit" => Action::SetCommit { server: id("server")?, index: whole("index", get("index"))? },
        "drop_message" | "duplicate_message" | "deliver_message" => {
            let id = match get("id") {
                Some(JsIn::Number(x)) if x.fract() == 0.0 && *x >= 0.0 && *x <= 9007199254740991.0 => *x as u64,
                Some(other) => {
                    return Err(format!("{ty}: id must be a message id (a whole number), got {}", other.kind()))
                }
                None => return Err(format!("{ty}: missing id (the message's id in view().messages)")),
            };
            match ty {
                "drop_message" => Action::DropMessage(id),
                "duplicate_message" => Action::DuplicateMessage(id),
                _ => Action::DeliverMessage(id),
            }
        }
        "network" | "options" => {
            let rest = JsIn::Object(fields.iter().filter(|(k, _)| k != "type").cloned().collect());
            let s = settings_from(&rest)?;
            let mut c = sim.cfg.clone();
            if ty == "network" {
                apply(&mut c, &s, &[Group::Network])?;
                Action::SetNet(c.net)
            } else {
                apply(&mut c, &s, &[Group::Protocol])?;
                Action::SetOptions(c.raft)
            }
        }
        _ => unreachable!("checked above"),
    })
}

/// An action as a script line (`"crash 2"`, `"request leader x <- 3"`, `"set pre_vote=on"`).
pub fn action_from_line(line: &str, sim: &Sim) -> Result<Action, String> {
    let first = line.split_whitespace().next().unwrap_or("");
    Action::parse(line, sim)
        .unwrap_or_else(|| Err(format!("unknown action {first:?}: one of {}", Action::WORDS.join(", "))))
}
