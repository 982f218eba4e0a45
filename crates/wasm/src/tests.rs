//! Native tests of what crosses the boundary: config and action input, the view, scenarios.

use crate::input::{self, JsIn};
use crate::scenarios::{scenarios, scripted};
use crate::view::{build_view, config_view, notes_view, strip_view, OutValue};
use sim::{Sim, SimConfig, Timeline};

/// JSON as the plain data the bindings hand over.
fn js(json: &str) -> JsIn {
    fn conv(v: &serde_json::Value) -> JsIn {
        use serde_json::Value as V;
        match v {
            V::Null => JsIn::Null,
            V::Bool(b) => JsIn::Bool(*b),
            V::Number(n) => JsIn::Number(n.as_f64().unwrap()),
            V::String(s) => JsIn::Text(s.clone()),
            V::Array(a) => JsIn::List(a.iter().map(conv).collect()),
            V::Object(o) => JsIn::Object(o.iter().map(|(k, v)| (k.clone(), conv(v))).collect()),
        }
    }
    conv(&serde_json::from_str(json).unwrap())
}

fn config(json: &str) -> Result<SimConfig, String> {
    input::config(&input::settings_from(&js(json))?, 7)
}

#[test]
fn every_built_in_scenario_plays_and_describes_itself() {
    let all = scenarios();
    assert!(all.len() >= 10);
    for sc in &all {
        assert!(!sc.description.is_empty(), "{} has no description", sc.name);
        let rec = scripted(sc.text).unwrap();
        let n = rec.actions.len();
        let mut t = Timeline::from_record(rec).unwrap();
        t.run_until(10_000_000);
        let broken = sc.text.contains("expect violation");
        assert!(t.position().applied == n || broken, "{}", sc.name);
        assert_eq!(t.sim().violations.is_empty(), !broken, "{}", sc.name);
    }
    assert!(scripted("frobnicate").unwrap_err().contains("unknown command"));
}

#[test]
fn config_defaults_and_fresh_seed() {
    let c = config("{}").unwrap();
    assert_eq!((c.servers, c.seed, c.election_timeout_us(), c.heartbeat_us), (5, 7, 100_000, 50_000));
    assert_eq!(config(r#"{"seed":"18446744073709551615"}"#).unwrap().seed, u64::MAX);
    assert_eq!(config(r#"{"seed":42,"servers":3,"drop":2.5}"#).unwrap().net.drop_ppm, 25_000);
    let c = config(r#"{"pre_vote":true,"election_timeout":150,"heartbeat":"40ms","load":100}"#).unwrap();
    assert!(c.raft.pre_vote && c.load == 100);
    assert_eq!((c.raft.election_timeout_min, c.heartbeat_us), (150_000, 40_000));
}

#[test]
fn bad_config_is_refused_with_a_reason() {
    assert!(config(r#"{"servers":0}"#).unwrap_err().contains("servers"));
    assert!(config(r#"{"servers":99}"#).unwrap_err().contains("servers"));
    assert!(config(r#"{"seed":"abc"}"#).unwrap_err().contains("seed"));
    assert!(config(r#"{"seed":-1}"#).unwrap_err().contains("seed"));
    assert!(config(r#"{"drop":120}"#).unwrap_err().contains("drop"));
    assert!(config(r#"{"heartbeat":500}"#).unwrap_err().contains("heartbeat"));
    assert!(config(r#"{"latency_min":20,"latency_max":10}"#).unwrap_err().contains("latency"));
    assert!(config(r#"{"sevrers":5}"#).unwrap_err().contains("unknown setting"));
    assert!(config(r#"{"pre_vote":3}"#).unwrap_err().contains("pre_vote"));
    assert!(config(r#"{"servers":true}"#).unwrap_err().contains("servers"));
}

#[test]
fn the_view_lists_every_setting_by_its_one_name() {
    let c = SimConfig::default();
    let v = config_view(&c);
    for m in SimConfig::settings() {
        assert!(m.name == "seed" || v.contains_key(m.name), "{} missing from the view", m.name);
    }
    assert_eq!(v["pre_vote"], OutValue::Bool(false));
    assert_eq!(v["election_timeout"], OutValue::Number(100.0));
    assert_eq!(v["drop"], OutValue::Number(0.0));
}

#[test]
fn actions_parse_and_bad_ones_leave_the_cluster_alone() {
    let mut sim = Sim::new(config("{}").unwrap()).unwrap();
    sim.run_until(1_000_000);
    let before = sim.digest();
    for bad in [
        r#"{"type":"crash","server":9}"#,
        r#"{"type":"request","server":1,"command":"x <- banana"}"#,
        r#"{"type":"partition","groups":[[1,2],[2,3]]}"#,
        r#"{"type":"cut","a":1,"b":1}"#,
        r#"{"type":"network","drop":-1}"#,
        r#"{"type":"options","pre_vote":true,"bogus":1}"#,
        r#"{"type":"options","drop":5}"#,
        r#"{"type":"options","election_timeout":10}"#,
    ] {
        let err = input::action_from(&js(bad), &sim).and_then(|a| sim.act(a));
        assert!(err.is_err(), "{bad} should be refused");
    }
    assert!(input::action_from(&js(r#"{"type":"explode"}"#), &sim).unwrap_err().contains("unknown action type"));
    assert!(input::action_from(&js(r#"{"type":"crash","server":2,"extra":1}"#), &sim)
        .unwrap_err()
        .contains("unknown field"));
    assert!(input::action_from(&js(r#"{"type":"crash","server":"two"}"#), &sim).is_err());
    assert!(input::action_from(&js(r#"[1,2]"#), &sim).is_err());
    assert!(input::settings_from(&js(r#"{"servers":[5]}"#)).is_err());
    assert!(input::action_from_line("explode 3", &sim).unwrap_err().contains("unknown action"));
    assert!(input::action_from_line("crash 99", &sim).and_then(|a| sim.act(a)).is_err());
    assert_eq!(sim.digest(), before, "refused actions must not change the run");
    assert_eq!(sim.stats.actions, 0);

    sim.act(input::action_from(&js(r#"{"type":"crash","server":2}"#), &sim).unwrap()).unwrap();
    let v = build_view(&sim, None, true);
    assert_eq!(v.servers[1].role, "crashed");
    assert!(!v.servers[1].alive);
    assert_eq!(v.servers.len(), 5);
    assert!(v.leader.is_some());
    assert!(serde_json::to_string(&v).unwrap().contains("\"servers\""));

    // The thesis switches and membership actions go through the same path.
    let a = js(r#"{"type":"options","pre_vote":true,"check_quorum":true,"snapshot_threshold":8}"#);
    sim.act(input::action_from(&a, &sim).unwrap()).unwrap();
    assert!(sim.cfg.raft.pre_vote && sim.cfg.raft.check_quorum && sim.cfg.raft.snapshot_threshold == 8);
    sim.act(input::action_from_line("set vote_lease=off", &sim).unwrap()).unwrap();
    assert!(!sim.cfg.raft.vote_lease && sim.cfg.raft.pre_vote, "a partial set keeps the other switches");
    sim.act(input::action_from(&js(r#"{"type":"add_server"}"#), &sim).unwrap()).unwrap();
    let one_way = input::action_from(&js(r#"{"type":"cut","a":1,"b":3,"one_way":true}"#), &sim).unwrap();
    assert_eq!(one_way, sim::Action::OneWay { from: 1, to: 3, up: false });
    let v = build_view(&sim, None, true);
    assert_eq!(v.servers.len(), 6);
    assert_eq!(v.membership.learners, vec![6]);
}

#[test]
fn notes_and_strip_describe_the_run() {
    let mut t = Timeline::new(SimConfig { seed: 3, ..SimConfig::default() }).unwrap();
    t.run_until(1_000_000);
    let l = t.sim().leader().unwrap();
    t.act(sim::Action::Crash(l)).unwrap();
    t.run_until(2_000_000);
    let all = notes_view(&t, 0, 100, 0, 0);
    assert!(all.total > 5 && all.matching == all.total);
    assert!(all.notes.iter().any(|n| n.text.contains("wins the election")), "{:?}", all.notes);
    assert!(all.notes.iter().any(|n| n.text == format!("you: crash {l}")));
    let elections = sim::narrate::Category::Election.bit();
    let only = notes_view(&t, 0, 1000, elections, 0);
    assert!(only.notes.iter().all(|n| n.kind == "election") && only.matching < all.total);
    let mine = notes_view(&t, 0, 1000, 0, l);
    assert!(mine
        .notes
        .iter()
        .all(|n| n.server == l || n.text.contains(&format!("S{l}")) || n.text.contains(&format!(" {l}"))));
    let s = strip_view(&t);
    assert!(s.bands.len() >= 5 * 5 && s.bands.len().is_multiple_of(5));
    // The crashed leader has a band that is down.
    assert!(s.bands.chunks(5).any(|b| b[0] == l as f64 && b[4] == 0.0));
    assert!(s.marks.chunks(3).any(|m| m[2] == 1.0));
}

#[test]
fn the_view_carries_only_the_log_window_asked_for() {
    let mut sim = Sim::new(SimConfig { seed: 2, load: 500, ..SimConfig::default() }).unwrap();
    sim.run_until(2_000_000);
    let v = build_view(&sim, Some((300, 20)), true);
    let s = &v.servers[0];
    assert!(s.log_last > 600, "{}", s.log_last);
    assert_eq!(s.log_first, 1);
    assert_eq!(s.log.iter().map(|e| e.index).collect::<Vec<_>>(), (300..320).collect::<Vec<_>>());
    // No window: the newest entries.
    let v = build_view(&sim, None, true);
    let s = &v.servers[0];
    assert_eq!(s.log.len(), crate::view::LOG_WINDOW);
    assert_eq!(s.log.last().unwrap().index, s.log_last);
    assert!(!s.kv.is_empty() && !v.clients.is_empty(), "the whole view has the state machine and the requests");
    // Without the lists (the page's frames between their turns): no client requests and no
    // key-value state, the rest the same.
    let bare = build_view(&sim, Some((0, 0)), false);
    assert!(bare.clients.is_empty() && bare.servers.iter().all(|s| s.kv.is_empty() && s.log.is_empty()));
    assert_eq!(bare.messages.len(), v.messages.len());
    assert_eq!(
        bare.servers.iter().map(|s| (s.term, s.commit_index, s.log_last)).collect::<Vec<_>>(),
        v.servers.iter().map(|s| (s.term, s.commit_index, s.log_last)).collect::<Vec<_>>()
    );
}

#[test]
fn every_rule_names_the_built_in_scenario_that_shows_it() {
    let rules = crate::scenarios::rules();
    assert_eq!(rules.len(), raft::Rule::ALL.len());
    for r in &rules {
        let name = r.scenario.unwrap_or_else(|| panic!("{}: no scenario", r.id));
        assert!(crate::scenarios::SCENARIOS.iter().any(|(n, _)| *n == name));
    }
}

#[test]
fn set_up_actions_come_from_objects_and_lines_only_at_time_zero() {
    let mut sim = Sim::new(config("{}").unwrap()).unwrap();
    let log = input::action_from(&js(r#"{"type":"log","server":2,"terms":[1,1,3]}"#), &sim).unwrap();
    assert_eq!(log, sim::Action::SetLog { server: 2, terms: vec![1, 1, 3] });
    sim.act(log).unwrap();
    sim.act(input::action_from(&js(r#"{"type":"term","server":2,"term":5}"#), &sim).unwrap()).unwrap();
    // A commit must be on a majority that no server without it could outvote.
    assert!(input::action_from_line("commit S2 1", &sim).and_then(|a| sim.act(a)).unwrap_err().contains("lacks it"));
    for line in ["log S1 1", "log S3 1", "commit S2 1"] {
        sim.act(input::action_from_line(line, &sim).unwrap()).unwrap();
    }
    let v = build_view(&sim, None, true);
    assert_eq!(v.servers[1].log.iter().map(|e| e.term).collect::<Vec<_>>(), vec![1, 1, 3]);
    assert_eq!((v.servers[1].term, v.servers[1].commit_index), (5, 1));
    for bad in [
        r#"{"type":"log","server":2,"terms":"1 1"}"#,
        r#"{"type":"log","server":2,"terms":[1,-1]}"#,
        r#"{"type":"term","server":2}"#,
        r#"{"type":"commit","server":2,"index":1.5}"#,
        r#"{"type":"log","server":2,"terms":[1],"index":3}"#,
    ] {
        assert!(input::action_from(&js(bad), &sim).is_err(), "{bad} should be refused");
    }
    // After the first event: refused, and nothing changes.
    sim.step();
    let before = (sim.digest(), sim.node(1).unwrap().current_term);
    let late = input::action_from(&js(r#"{"type":"term","server":1,"term":9}"#), &sim).unwrap();
    assert!(sim.act(late).unwrap_err().contains("only comes first"));
    assert_eq!((sim.digest(), sim.node(1).unwrap().current_term), before);
}

/// An inspection as JS parses it.
fn inspect(sim: &Sim, id: u32, window: Option<(u64, usize)>) -> Result<serde_json::Value, String> {
    // Read back from the text the page gets.
    crate::inspect::inspect_server(sim, id, window).map(|v| serde_json::from_str(&crate::json::to_json(&v, 0)).unwrap())
}

#[test]
fn the_inspector_shows_a_servers_whole_state_with_its_log_windowed() {
    use crate::inspect::{LOG_ROWS, MAX_LOG_ROWS, SESSION_ROWS};
    let mut sim = Sim::new(SimConfig { seed: 2, load: 500, ..SimConfig::default() }).unwrap();
    sim.run_until(2_000_000);
    let l = sim.leader().unwrap();
    let f = if l == 1 { 2 } else { 1 };
    let lead = inspect(&sim, l, None).unwrap();
    assert_eq!((lead["role"].as_str(), lead["alive"].as_bool()), (Some("leader"), Some(true)));
    assert_eq!(lead["voted_for"], l);
    assert_eq!(lead["term"], sim.node(l).unwrap().current_term);
    let last = lead["log_last"].as_u64().unwrap();
    assert!(last > 600);
    let log = lead["log"].as_array().unwrap();
    assert_eq!(log.len(), LOG_ROWS);
    assert_eq!(log.last().unwrap()["index"], last, "by default the newest entries");
    assert!(log.iter().all(|e| e["text"].as_str().unwrap().contains("<-") && e["term"].as_u64().is_some()));
    // nextIndex[] and matchIndex[] for every other server.
    let progress = lead["progress"].as_array().unwrap();
    let ids: Vec<u64> = progress.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=5).filter(|&i| i != l as u64).collect::<Vec<_>>());
    for p in progress {
        let (next, matched) = (p["next_index"].as_u64().unwrap(), p["match_index"].as_u64().unwrap());
        assert!(matched + 30 > last && next > matched, "{p}");
        assert!(["probe", "replicate", "snapshot"].contains(&p["state"].as_str().unwrap()));
    }
    assert!(progress.iter().any(|p| p["state"] == "replicate"), "{progress:?}");
    // The flow-control window, as the leader's progress holds it.
    for p in progress {
        let g = &sim.node(l).unwrap().progress[p["id"].as_u64().unwrap() as usize];
        assert_eq!(p["in_flight"], g.inflight.lasts().len(), "{p}");
        assert_eq!(p["throttled"], g.is_throttled(), "{p}");
        assert!(p["in_flight"].as_u64().unwrap() <= raft::progress::MAX_INFLIGHT, "{p}");
    }
    assert!(
        progress.iter().any(|p| p["in_flight"].as_u64() > Some(0)),
        "a write every 2 ms keeps entries in flight: {progress:?}"
    );
    let now = sim.time as f64 / 1000.0;
    let hb = &lead["heartbeat"];
    assert!(hb["deadline_ms"].as_f64().unwrap() > now && hb["start_ms"].as_f64().unwrap() <= now);
    assert_eq!(lead["config"]["voters"], serde_json::json!([1, 2, 3, 4, 5]));
    assert_eq!(lead["config"]["joint"], false);
    assert_eq!(lead["config_index"], 0, "the bootstrap configuration");
    assert!(lead["sessions_total"].as_u64().unwrap() > 600);
    let sessions = lead["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), SESSION_ROWS);
    assert!(sessions.last().unwrap()["seq"] == 1 && sessions.last().unwrap()["answer"].as_i64().is_some());
    let (commit, applied) = (lead["commit_index"].as_u64().unwrap(), lead["last_applied"].as_u64().unwrap());
    assert!(commit <= last && applied <= commit);
    assert!(lead["kv"].as_array().unwrap().len() == 26);

    let fol = inspect(&sim, f, Some((300, 20))).unwrap();
    assert_eq!(fol["role"], "follower");
    assert_eq!(fol["leader"], l);
    assert!(fol["progress"].as_array().unwrap().is_empty() && fol["heartbeat"].is_null());
    assert!(fol["election"]["deadline_ms"].as_f64().unwrap() > now);
    let idx: Vec<u64> = fol["log"].as_array().unwrap().iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, (300..320).collect::<Vec<_>>());
    assert_eq!(inspect(&sim, f, Some((0, 100_000))).unwrap()["log"].as_array().unwrap().len(), MAX_LOG_ROWS);

    // A crashed server shows what survived on disk; the volatile state is gone.
    sim.act(sim::Action::Crash(f)).unwrap();
    let down = inspect(&sim, f, None).unwrap();
    assert_eq!((down["role"].as_str(), down["alive"].as_bool()), (Some("crashed"), Some(false)));
    let disk = &sim.server(f).storage;
    assert_eq!(down["term"], disk.current_term);
    assert_eq!(down["voted_for"].as_u64(), disk.voted_for.map(u64::from));
    assert_eq!(down["log_last"], disk.log.last_index());
    assert!(down["commit_index"].is_null() && down["last_applied"].is_null() && down["election"].is_null());
    assert_eq!(down["config"]["voters"], serde_json::json!([1, 2, 3, 4, 5]), "the configuration a restart reads");
    assert!(inspect(&sim, 9, None).unwrap_err().contains("no server S9"));
    assert!(inspect(&sim, 0, None).is_err());
}

#[test]
fn the_inspector_shows_every_field_of_a_message_in_flight() {
    let message = |sim: &Sim, id: u64| -> Option<serde_json::Value> {
        crate::inspect::inspect_message(sim, id).map(|v| serde_json::from_str(&crate::json::to_json(&v, 0)).unwrap())
    };
    let field = |m: &serde_json::Value, k: &str| -> Option<String> {
        m["fields"].as_array().unwrap().iter().find(|p| p[0] == k).map(|p| p[1].as_str().unwrap().to_string())
    };
    let mut sim = Sim::new(SimConfig { seed: 3, ..SimConfig::default() }).unwrap();
    // Early on: an election's RequestVotes.
    let mut vote = None;
    while vote.is_none() && sim.time < 2_000_000 {
        sim.run_for(1_000);
        vote = sim.flights.values().find(|f| f.msg.body.kind() == "RequestVote").map(|f| f.id);
    }
    let v = message(&sim, vote.unwrap()).unwrap();
    let names: Vec<&str> = v["fields"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap()).collect();
    assert_eq!(names, ["candidateId", "lastLogIndex", "lastLogTerm"]);
    assert!(v["deliver_ms"].as_f64() > v["send_ms"].as_f64());
    let text = v["text"].as_str().unwrap();
    assert!(text.starts_with("S") && text.contains("RequestVote t"), "{text}");
    sim.run_until(1_000_000);
    let l = sim.leader().unwrap();
    sim.act(sim::Action::Request { server: l, op: raft::Op::Set { key: b'x', value: 3 } }).unwrap();
    let ae = sim.flights.values().find(|f| f.msg.body.kind() == "AppendEntries").unwrap().id;
    let m = message(&sim, ae).unwrap();
    let prev: u64 = field(&m, "prevLogIndex").unwrap().parse().unwrap();
    assert!(field(&m, "prevLogTerm").is_some() && field(&m, "leaderCommit").is_some());
    assert_eq!((m["from"].as_u64(), m["entries_total"].as_u64()), (Some(l as u64), Some(1)));
    assert_eq!(m["entries"][0]["index"], prev + 1);
    assert_eq!(m["entries"][0]["text"], "x <- 3");
    // Its answer says success and the match index.
    sim.run_until(sim.time + 16_000);
    let reply = sim.flights.values().find(|f| f.msg.body.kind() == "AppendEntriesReply").unwrap().id;
    let r = message(&sim, reply).unwrap();
    assert_eq!(field(&r, "success").as_deref(), Some("yes"));
    assert!(field(&r, "matchIndex").is_some() && field(&r, "commitIndex").is_some());
    assert!(message(&sim, ae).is_none(), "it has arrived");
}

#[test]
fn message_actions_from_js() {
    let mut sim = Sim::new(config("{}").unwrap()).unwrap();
    sim.run_until(1_000_000);
    let id = sim.flights.keys().next().unwrap();
    let a = input::action_from(&js(&format!(r#"{{"type":"drop_message","id":{id}}}"#)), &sim).unwrap();
    assert_eq!(a, sim::Action::DropMessage(id));
    let d = input::action_from(&js(r#"{"type":"duplicate_message","id":3}"#), &sim).unwrap();
    assert_eq!(d, sim::Action::DuplicateMessage(3));
    assert!(input::action_from(&js(r#"{"type":"drop_message"}"#), &sim).unwrap_err().contains("missing id"));
    assert!(input::action_from(&js(r#"{"type":"drop_message","id":"x"}"#), &sim).unwrap_err().contains("message id"));
    assert!(input::action_from(&js(r#"{"type":"drop_message","id":1.5}"#), &sim).is_err());
    assert!(input::action_from(&js(r#"{"type":"drop_message","id":1,"server":2}"#), &sim)
        .unwrap_err()
        .contains("unknown field"));
    assert_eq!(input::action_from_line(&format!("drop-message {id}"), &sim).unwrap(), a);
    sim.act(a).unwrap();
    assert!(!sim.flights.contains_key(&id));
}

#[test]
fn values_from_js_are_read_within_their_limits_and_errors_give_the_path() {
    use input::{plain, MAX_DEPTH, MAX_ITEMS, MAX_TEXT};
    let ok = js(r#"{"type":"partition","groups":[[1,2],[3,4,5]],"x":{"y":[true,null,"z",2.5]}}"#);
    assert_eq!(plain(&ok, "action"), Ok(ok.clone()));
    // Nested one level too deep, at the path where it goes too deep.
    let mut deep = JsIn::Number(1.0);
    for _ in 0..=MAX_DEPTH {
        deep = JsIn::Object(vec![("a".into(), deep)]);
    }
    let e = plain(&deep, "action").unwrap_err();
    assert!(e.starts_with(&format!("action{}: the value is nested too deeply", ".a".repeat(MAX_DEPTH + 1))), "{e}");
    let mut fits = JsIn::Number(1.0);
    for _ in 0..MAX_DEPTH {
        fits = JsIn::List(vec![fits]);
    }
    assert!(plain(&fits, "config").is_ok());
    // Too many values, at any level; too much text.
    let wide = JsIn::List(vec![JsIn::Null; MAX_ITEMS]);
    assert!(plain(&wide, "config").unwrap_err().contains("config: the value is too large"));
    let spread = JsIn::List(vec![JsIn::List(vec![JsIn::Null; 100]); 100]);
    assert!(plain(&spread, "config").unwrap_err().contains("the value is too large"));
    let long = JsIn::Object(vec![("command".into(), JsIn::Text("x".repeat(MAX_TEXT + 1)))]);
    assert!(plain(&long, "action").unwrap_err().starts_with("action.command: the value is too large"));
    let keys = JsIn::Object((0..2).map(|k| (format!("{k}{}", "k".repeat(MAX_TEXT / 2)), JsIn::Null)).collect());
    assert!(plain(&keys, "config").unwrap_err().contains("too large"));
}

#[test]
fn action_errors_show_the_value_that_was_wrong() {
    let sim = Sim::new(config("{}").unwrap()).unwrap();
    let e = input::action_from(&js(r#"{"type":"crash","server":"two"}"#), &sim).unwrap_err();
    assert_eq!(e, "crash: server must be a server number, got \"two\"");
    let e = input::action_from(&js(r#"{"type":"crash","server":2.5}"#), &sim).unwrap_err();
    assert_eq!(e, "crash: server must be a server number, got 2.5");
    let e = input::action_from(&js(r#"{"type":"cut","a":1,"b":2,"one_way":"yes"}"#), &sim).unwrap_err();
    assert_eq!(e, "cut: one_way must be true or false, got \"yes\"");
    let e =
        input::action_from(&js(r#"{"type":"crash","server":64}"#), &sim).and_then(|a| sim.clone().act(a)).unwrap_err();
    assert!(e.contains("no server S64"), "{e}");
}

/// The input layer's fuzzer, a few thousand trees (millions: `cargo run --release -p raft-wasm
/// --example fuzz_input`).
#[test]
fn fuzz_js_input() {
    let sims = sim::fuzz::sims();
    let r = sim::fuzz::fuzz(3_000, 21, 1, crate::fuzz::gen_js, |t| crate::fuzz::check_js(t, &sims));
    assert_eq!(r.inputs, 3_000);
    assert!(r.failures.is_empty(), "{}", r.failures.join("\n"));
    // It reaches past the parser: some actions are carried out, some refused by the simulator.
    assert!(r.errors.iter().any(|(e, _)| e.starts_with("no server S")), "{:?}", r.errors);
}

#[test]
fn the_json_the_page_gets_is_the_text_serde_writes() {
    use crate::json::{to_json, Json};
    // Every scenario (crashes, partitions, membership changes, snapshots, broken rules and their
    // violations, client sessions) at several moments, with and without the lists and the log
    // windows the page asks for, and a busy 9-server run.
    let mut runs: Vec<Timeline> =
        scenarios().iter().map(|sc| Timeline::from_record(scripted(sc.text).unwrap()).unwrap()).collect();
    let busy =
        sim::Record { config: SimConfig { servers: 9, seed: 3, load: 1000, ..SimConfig::default() }, actions: vec![] };
    runs.push(Timeline::from_record(busy).unwrap());
    let mut compared = 0;
    for t in &mut runs {
        for until in [0, 150_000, 400_000, 1_000_000, 3_000_000] {
            t.run_until(until);
            let sim = t.sim();
            for (window, lists) in [(None, true), (Some((0, 0)), false), (Some((2, 40)), false), (Some((1, 5)), true)] {
                let v = build_view(sim, window, lists);
                assert_eq!(to_json(&v, 0), serde_json::to_string(&v).unwrap());
                compared += 1;
            }
        }
    }
    assert!(compared > 200, "{compared}");
    // The other data the page asks for: the settings, scenarios and rules, the event list, the
    // strip, and every server and message inspected.
    let check = |json: String, serde: String| assert_eq!(json, serde);
    check(to_json(&crate::view::settings_view(), 0), serde_json::to_string(&crate::view::settings_view()).unwrap());
    check(to_json(&scenarios(), 0), serde_json::to_string(&scenarios()).unwrap());
    check(to_json(&crate::scenarios::rules(), 0), serde_json::to_string(&crate::scenarios::rules()).unwrap());
    check(to_json(&crate::view::note_kinds(), 0), serde_json::to_string(&crate::view::note_kinds()).unwrap());
    for t in &runs {
        let n = notes_view(t, usize::MAX, 100, 0, 0);
        check(to_json(&n, 0), serde_json::to_string(&n).unwrap());
        check(to_json(&strip_view(t), 0), serde_json::to_string(&strip_view(t)).unwrap());
        let sim = t.sim();
        for s in &sim.servers {
            let i = crate::inspect::inspect_server(sim, s.id, None).unwrap();
            check(to_json(&i, 0), serde_json::to_string(&i).unwrap());
        }
        for id in sim.flights.keys().take(20) {
            let m = crate::inspect::inspect_message(sim, id).unwrap();
            check(to_json(&m, 0), serde_json::to_string(&m).unwrap());
        }
    }
    // Text that needs escaping, and numbers at their edges.
    for s in ["", "x <- 3", "a\"b\\c", "tab\tnew\nline\r\u{8}\u{c}", "\u{0}\u{1f}\u{7f}", "é → ✓"] {
        assert_eq!(to_json(s, 0), serde_json::to_string(s).unwrap());
    }
    for x in [0.0, -0.0, 1.5, 10515.262, 1e21, 1e-7, f64::NAN, f64::INFINITY, u64::MAX as f64] {
        assert_eq!(to_json(&x, 0), serde_json::to_string(&x).unwrap());
    }
    let mut out = String::new();
    (u64::MAX, i64::MIN).write_json(&mut out);
    assert_eq!(out, serde_json::to_string(&(u64::MAX, i64::MIN)).unwrap());
}
