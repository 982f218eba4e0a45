//! Randomized fault campaign: for each seed, a schedule of crashes, restarts, partitions, cut links,
//! forced timeouts and client writes over a lossy, duplicating, reordering network. The invariant
//! checker runs after every event; after the faults stop the cluster must elect a leader and every
//! server must converge on the same committed log.

use raft::{NodeId, Op};
use sim::rng::SimRng;
use sim::{Action, NetConfig, Property, Sim, SimConfig};

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

/// Run one seed's campaign. Returns the simulator at the end (violations are left in it).
fn campaign(seed: u64, opts: raft::Options) -> Sim {
    let mut r = SimRng::new(seed ^ 0x5EED_FA17);
    let servers = 3 + (seed % 5) as u32; // 3..=7
    let cfg = SimConfig { servers, seed, net: faulty_net(&mut r), raft: opts, check_persistence: true, ..SimConfig::default() };
    let mut s = Sim::new(cfg).unwrap();
    let pick = |r: &mut SimRng| r.range(1, servers as u64) as NodeId;
    for _ in 0..60 {
        s.run_for(r.range(10, 150) * MS);
        if !s.violations.is_empty() {
            return s;
        }
        let action = match r.range(0, 13) {
            0 | 1 => Action::Crash(pick(&mut r)),
            2 | 3 => Action::Restart(pick(&mut r)),
            4 => {
                let mut groups = vec![vec![], vec![]];
                for id in 1..=servers {
                    groups[r.range(0, 1) as usize].push(id);
                }
                Action::Partition(groups)
            }
            5 => Action::Isolate(pick(&mut r)),
            6 => Action::Link { a: pick(&mut r), b: pick(&mut r), up: r.chance(300_000) },
            7 => Action::Heal,
            8 => Action::Timeout(pick(&mut r)),
            9 => Action::SetNet(faulty_net(&mut r)),
            _ => {
                let key = b'a' + r.range(0, 3) as u8;
                let op = if r.chance(800_000) { Op::Set { key, value: r.range(0, 99) as i64 } } else { Op::Get { key } };
                // Clients mostly find the leader.
                let server = match s.leader() {
                    Some(l) if r.chance(700_000) => l,
                    _ => pick(&mut r),
                };
                Action::Request { server, op }
            }
        };
        let _ = s.act(action); // refused actions (crash a crashed server, …) change nothing
    }
    // Faults stop: heal everything, restart everyone, perfect network.
    s.act(Action::Heal).unwrap();
    s.act(Action::SetNet(NetConfig::default())).unwrap();
    for id in 1..=servers {
        let _ = s.act(Action::Restart(id));
    }
    s.run_for(3000 * MS);
    s
}

#[test]
fn a_thousand_seeds_of_faults_without_a_safety_violation_and_a_leader_afterwards() {
    let mut elections = 0;
    let mut commits = 0;
    for seed in 0..1000 {
        let s = campaign(seed, raft::Options::default());
        assert!(s.violations.is_empty(), "seed {seed}: {}", s.violations[0]);
        let leader = s.leader().unwrap_or_else(|| panic!("seed {seed}: no leader 3 s after the faults stopped"));
        let l = s.node(leader).unwrap();
        for sv in &s.servers {
            let n = sv.node.as_ref().unwrap();
            assert_eq!(n.log, l.log, "seed {seed}: S{} did not converge on the leader's log", n.id);
            assert_eq!(n.commit_index, l.commit_index, "seed {seed}: S{} commit index", n.id);
            assert_eq!(n.state_machine, l.state_machine, "seed {seed}: S{} state", n.id);
        }
        elections += l.current_term;
        commits += l.commit_index;
    }
    // The campaign really exercised the protocol.
    println!("terms {elections}, commits {commits}");
    assert!(elections > 10_000 && commits > 5_000, "terms {elections}, commits {commits}");
}

#[test]
fn the_checker_catches_the_figure_8_mistake_under_random_faults() {
    let broken = raft::Options { unsafe_commit_old_terms: true, leader_noop: false, ..raft::Options::default() };
    let caught = (0..5000).map(|seed| campaign(seed, broken)).find(|s| !s.violations.is_empty());
    let s = caught.expect("with the commit rule broken, some seed must violate a safety property");
    println!("seed {}: {}", s.cfg.seed, s.violations[0]);
    // Losing a committed entry shows up as a leader without it or a server applying another entry.
    assert!(matches!(s.violations[0].property, Property::LeaderCompleteness | Property::StateMachineSafety));
}
