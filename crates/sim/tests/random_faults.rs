//! Randomized fault campaign: for each seed, a schedule of crashes, restarts, partitions, cut links,
//! forced timeouts, membership changes, leadership transfers and client traffic over a lossy,
//! duplicating, reordering network, with snapshots and the protocol switches drawn per seed. The
//! invariant checker runs after every event; after the faults stop the cluster must elect a leader,
//! every member must converge on the same committed log, and the clients' history must be
//! linearizable (every acknowledged write is in every later state).

use raft::{NodeId, Op};
use sim::rng::SimRng;
use sim::{linearizability, Action, NetConfig, Outcome, Property, Sim, SimConfig};

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

#[test]
fn a_thousand_seeds_of_faults_without_a_safety_violation_and_a_leader_afterwards() {
    let (mut terms, mut commits, mut snapshots, mut changes, mut answered) = (0, 0, 0, 0, 0);
    for seed in 0..1000 {
        let s = campaign(seed, None);
        assert!(s.violations.is_empty(), "seed {seed}: {}", s.violations[0]);
        let leader = s.leader().unwrap_or_else(|| panic!("seed {seed}: no leader 3 s after the faults stopped"));
        let l = s.node(leader).unwrap();
        for id in l.config.members().iter() {
            let n = s.node(id).unwrap_or_else(|| panic!("seed {seed}: member S{id} is down"));
            assert_eq!(n.log.last_index(), l.log.last_index(), "seed {seed}: S{id} did not converge on the leader's log");
            assert_eq!(n.log.last_term(), l.log.last_term(), "seed {seed}: S{id} last term");
            assert_eq!(n.commit_index, l.commit_index, "seed {seed}: S{id} commit index");
            assert_eq!(n.state_machine, l.state_machine, "seed {seed}: S{id} state");
        }
        linearizability::check(&s.client_ops).unwrap_or_else(|e| panic!("seed {seed}: not linearizable: {e}"));
        terms += l.current_term;
        commits += l.commit_index;
        snapshots += s.servers.iter().filter_map(|sv| sv.node.as_ref()).filter(|n| n.log.offset() > 0).count();
        changes += s.actions.iter().filter(|(_, a)| matches!(a, Action::AddServer | Action::RemoveServer(_))).count();
        answered += s.client_ops.iter().filter(|c| matches!(c.outcome, Outcome::Ok { .. })).count();
    }
    println!("terms {terms}, commits {commits}, servers with snapshots {snapshots}, membership changes {changes}, answered requests {answered}");
    // The campaign really exercised the protocol.
    assert!(terms > 10_000 && commits > 10_000 && snapshots > 500 && changes > 500 && answered > 5_000);
}

#[test]
fn the_checker_catches_the_figure_8_mistake_under_random_faults() {
    let broken = raft::Options { unsafe_commit_old_terms: true, leader_noop: false, ..raft::Options::default() };
    let caught = (0..20_000).map(|seed| campaign(seed, Some(broken))).find(|s| !s.violations.is_empty());
    let s = caught.expect("with the commit rule broken, some seed must violate a safety property");
    println!("seed {}: {}", s.cfg.seed, s.violations[0]);
    // Losing a committed entry shows up as a leader without it or a server applying another entry.
    assert!(matches!(s.violations[0].property, Property::LeaderCompleteness | Property::StateMachineSafety));
}

#[test]
#[ignore]
fn debug_seed() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let s = campaign(seed, None);
    println!("{}", sim::script::show(&s));
    println!("config {}", s.config());
    for sv in &s.servers { if let Some(n) = &sv.node { println!("S{} cfg {} idx {} commit {} opts pv {} cq {}", n.id, n.config, n.config_index, n.commit_index, n.opts.pre_vote, n.opts.check_quorum); } }
    for (t, a) in s.actions.iter().rev().take(12) { println!("{t} {a:?}"); }
}
