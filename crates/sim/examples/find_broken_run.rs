//! Search for, then shrink, a run in which the deliberately broken commit rule (Figure 8) loses a
//! committed entry, and print it as a scenario script. It replays the randomized fault campaign of
//! tests/random_faults.rs with the broken rule until a seed violates safety, drops every action the
//! violation does not need, and prints the rest:
//! `cargo run --release -p sim --example find_broken_run > tests/scenarios/broken_commit_rule.script`

use raft::{NodeId, Op};
use sim::rng::SimRng;
use sim::{Action, NetConfig, Sim, SimConfig};

const MS: u64 = 1000;

fn faulty_net(r: &mut SimRng) -> NetConfig {
    NetConfig {
        latency_min_us: 5 * MS,
        latency_max_us: r.range(10, 40) * MS,
        drop_ppm: r.range(0, 150_000) as u32,
        duplicate_ppm: r.range(0, 100_000) as u32,
        reorder_ppm: r.range(0, 100_000) as u32,
    }
}

fn options(r: &mut SimRng) -> raft::Options {
    raft::Options {
        pre_vote: r.chance(500_000),
        check_quorum: r.chance(500_000),
        read_index: r.chance(500_000),
        conflict_hint: r.chance(500_000),
        snapshot_threshold: if r.chance(700_000) { r.range(3, 20) } else { 0 },
        max_entries_per_append: r.range(1, 8) as usize,
        ..raft::Options::default()
    }
}

/// Run one seed's campaign. Returns the simulator at the end (violations are left in it).
fn campaign(seed: u64, broken: Option<raft::Options>) -> Sim {
    let mut r = SimRng::new(seed ^ 0x5EED_FA17);
    let servers = 3 + (seed % 3) as u32; // 3..=5 to start with
    let raft = broken.unwrap_or_else(|| options(&mut r));
    let membership = broken.is_none();
    let cfg = SimConfig { servers, seed, net: faulty_net(&mut r), raft, check_persistence: true, ..SimConfig::default() };
    let mut s = Sim::new(cfg).unwrap();
    let key = |r: &mut SimRng| b'a' + r.range(0, 2) as u8;
    for _ in 0..60 {
        s.run_for(r.range(10, 150) * MS);
        if !s.violations.is_empty() {
            return s;
        }
        let n = s.servers.len() as u64;
        let pick = |r: &mut SimRng| r.range(1, n) as NodeId;
        let action = match r.range(0, 15) {
            0 | 1 => Action::Crash(pick(&mut r)),
            2 | 3 => Action::Restart(pick(&mut r)),
            4 => {
                let mut groups = vec![vec![], vec![]];
                for id in 1..=n as NodeId {
                    groups[r.range(0, 1) as usize].push(id);
                }
                Action::Partition(groups)
            }
            5 => Action::Isolate(pick(&mut r)),
            6 => Action::Link { a: pick(&mut r), b: pick(&mut r), up: r.chance(300_000) },
            7 => Action::Heal,
            8 => Action::Timeout(pick(&mut r)),
            9 => Action::SetNet(faulty_net(&mut r)),
            10 if membership && n < 8 => Action::AddServer,
            11 if membership => Action::RemoveServer(pick(&mut r)),
            12 if membership => Action::Transfer(pick(&mut r)),
            _ => {
                let k = key(&mut r);
                let op = match r.range(0, 2) {
                    0 => Op::Set { key: k, value: r.range(0, 99) as i64 },
                    1 => Op::Add { key: k, delta: 1 },
                    _ => Op::Get { key: k },
                };
                // Clients mostly find the leader; the others get redirected or time out.
                let server = match s.leader() {
                    Some(l) if r.chance(600_000) => l,
                    _ => pick(&mut r),
                };
                Action::Request { server, op }
            }
        };
        let _ = s.act(action); // refused actions (crash a crashed server, …) change nothing
    }
    // Faults stop: heal everything, perfect network, every server back up. Servers removed from the
    // configuration that never learned of it would keep deposing leaders (thesis §4.2.3; the PreVote
    // and CheckQuorum scenarios show it), so the operator turns both protections on.
    s.act(Action::Heal).unwrap();
    s.act(Action::SetNet(NetConfig::default())).unwrap();
    if broken.is_none() {
        let opts = raft::Options { pre_vote: true, check_quorum: true, ..s.cfg.raft };
        s.act(Action::SetOptions(opts)).unwrap();
    }
    for id in 1..=s.servers.len() as NodeId {
        let _ = s.act(Action::Restart(id));
    }
    s.run_for(3000 * MS);
    // Finally a client reads every key, so that acknowledged writes are checked against it.
    if let Some(l) = s.leader() {
        for k in b'a'..=b'c' {
            let _ = s.act(Action::Request { server: l, op: Op::Get { key: k } });
        }
    }
    s.run_for(1000 * MS);
    s
}


/// Replay (skipping refused actions); the time of the first violation, if any.
fn violates(cfg: &SimConfig, actions: &[(u64, Action)]) -> Option<u64> {
    let mut s = Sim::new(cfg.clone()).unwrap();
    for (t, a) in actions {
        s.run_until(*t);
        if !s.violations.is_empty() {
            break;
        }
        let _ = s.act(a.clone());
    }
    s.run_until(actions.last().map_or(0, |a| a.0) + 2000 * MS);
    s.violations.first().map(|v| v.time)
}

fn main() {
    let broken = raft::Options { unsafe_commit_old_terms: true, leader_noop: false, ..raft::Options::default() };
    let found = (0..50_000).map(|seed| campaign(seed, Some(broken))).find(|s| !s.violations.is_empty()).expect("no violating run");
    let mut cfg = found.initial.clone();
    cfg.check_persistence = false;
    // The campaign changes the network as it goes: start from the network it began with.
    let mut actions = found.actions.clone();
    let mut i = actions.len();
    while i > 0 {
        i -= 1;
        let mut fewer = actions.clone();
        fewer.remove(i);
        if violates(&cfg, &fewer).is_some() {
            actions = fewer;
        }
    }
    let end = violates(&cfg, &actions).expect("still violates");
    let n = &cfg.net;
    println!("# The broken rule of Figure 8. With `unsafe-commit-old-terms=on` a leader commits an entry of");
    println!("# an earlier term as soon as a majority stores it. A later leader that lacks the entry is then");
    println!("# elected (its last term is newer) and the committed entry is lost: the checker stops the run.");
    println!("# Found by running the fault campaign with the rule broken, then shrunk to the actions needed.");
    println!(
        "config servers={} seed={} latency={}-{}us drop={}% dup={}% reorder={}% noop=off unsafe-commit-old-terms=on",
        cfg.servers,
        cfg.seed,
        n.latency_min_us,
        n.latency_max_us,
        n.drop_ppm as f64 / 1e4,
        n.duplicate_ppm as f64 / 1e4,
        n.reorder_ppm as f64 / 1e4
    );
    let mut s = Sim::new(cfg.clone()).unwrap();
    let mut now = 0;
    for (t, a) in &actions {
        s.run_until(*t);
        if s.act(a.clone()).is_ok() {
            println!("run {}us", t - now);
            println!("{}", sim::script::action_line(a));
            now = *t;
        }
    }
    println!("run {}us", end.saturating_sub(now) + 1);
    println!("show");
    println!("expect violation");
}
