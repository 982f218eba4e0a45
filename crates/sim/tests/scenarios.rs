//! Simulator scenarios: elections, crashes, partitions and catch-up, each run with the live invariant
//! checker (and the persistence cross-check) on.

use raft::{EntryData, NodeId, Op, Role};
use sim::{Action, Sim, SimConfig};

const MS: u64 = 1000;

fn sim(seed: u64) -> Sim {
    Sim::new(SimConfig { seed, check_persistence: true, ..SimConfig::default() }).unwrap()
}

/// A cluster whose clients wait (10 s) instead of retrying elsewhere, so a request stays with the
/// server it was sent to.
fn patient(seed: u64) -> Sim {
    Sim::new(SimConfig { seed, check_persistence: true, client_timeout_us: 10_000 * MS, ..SimConfig::default() })
        .unwrap()
}

fn ok(sim: &Sim) {
    assert!(sim.violations.is_empty(), "violations: {:#?}", sim.violations);
}

fn set(key: u8, value: i64) -> Op {
    Op::Set { key, value }
}

fn commands(sim: &Sim, id: NodeId) -> Vec<Op> {
    let n = sim.node(id).unwrap();
    n.log.entries().filter_map(|e| if let EntryData::Command(c) = e.data { Some(c.op) } else { None }).collect()
}

fn committed_commands(sim: &Sim, id: NodeId) -> Vec<Op> {
    let n = sim.node(id).unwrap();
    (1..=n.commit_index)
        .filter_map(|i| if let EntryData::Command(c) = n.log.get(i).unwrap().data { Some(c.op) } else { None })
        .collect()
}

/// Run until a leader is elected; returns it and the time it took.
fn await_leader(sim: &mut Sim, limit_ms: u64) -> Option<(NodeId, u64)> {
    let start = sim.time;
    // Bounded, and it stops on a violation (which stops the clock).
    while sim.time - start < limit_ms * MS && sim.violations.is_empty() {
        sim.run_for(MS);
        if let Some(l) = sim.leader() {
            return Some((l, sim.time - start));
        }
    }
    None
}

#[test]
fn a_leader_is_elected_within_a_bound() {
    // Election timeouts are 100–200 ms and messages take 10–15 ms: with randomized timeouts almost
    // every first election succeeds at once. Over 200 seeds, every cluster elects within 1 s and
    // the median within 300 ms.
    let mut times = vec![];
    for seed in 0..200 {
        let mut s = sim(seed);
        let (_, t) = await_leader(&mut s, 1000).unwrap_or_else(|| panic!("seed {seed}: no leader within 1 s"));
        ok(&s);
        times.push(t);
    }
    times.sort();
    assert!(times[100] <= 300 * MS, "median election took {} ms", times[100] / MS);
}

#[test]
fn a_new_leader_is_elected_after_the_leader_crashes() {
    for seed in 0..50 {
        let mut s = sim(seed);
        let (old, _) = await_leader(&mut s, 1000).unwrap();
        let old_term = s.max_term();
        s.act(Action::Crash(old)).unwrap();
        let (new, t) = await_leader(&mut s, 1000).unwrap_or_else(|| panic!("seed {seed}: no re-election"));
        assert_ne!(new, old);
        assert!(s.max_term() > old_term);
        // Followers notice after an election timeout (100–200 ms), then need about one round trip.
        assert!(t <= 600 * MS, "seed {seed}: re-election took {} ms", t / MS);
        ok(&s);
    }
}

#[test]
fn a_write_commits_with_a_majority_and_not_in_a_minority_partition() {
    let mut s = patient(7);
    let (leader, _) = await_leader(&mut s, 1000).unwrap();
    let other = if leader == 1 { 2 } else { 1 };
    let majority: Vec<NodeId> = (1..=5).filter(|&i| i != leader && i != other).collect();
    s.act(Action::Partition(vec![vec![leader, other], majority.clone()])).unwrap();
    s.act(Action::Request { server: leader, op: set(b'x', 1) }).unwrap();
    s.run_for(1000 * MS);
    // The old leader appended it but can never commit it with 2 of 5.
    assert!(commands(&s, leader).contains(&set(b'x', 1)));
    assert!(!committed_commands(&s, leader).contains(&set(b'x', 1)));
    assert_eq!(s.client_ops[0].outcome, sim::Outcome::Pending);
    // The majority side elects its own leader, which commits a write.
    let new_leader =
        majority.iter().copied().find(|&i| s.node(i).unwrap().role == Role::Leader).expect("majority leader");
    s.act(Action::Request { server: new_leader, op: set(b'y', 2) }).unwrap();
    s.run_for(200 * MS);
    for &i in &majority {
        assert!(committed_commands(&s, i).contains(&set(b'y', 2)), "S{i} should have committed y <- 2");
    }
    assert!(matches!(s.client_ops[1].outcome, sim::Outcome::Ok { value: Some(2), .. }));
    ok(&s);
}

#[test]
fn the_old_leader_steps_down_when_the_partition_heals_and_its_uncommitted_entries_are_replaced() {
    let mut s = patient(11);
    let (old, _) = await_leader(&mut s, 1000).unwrap();
    let old_term = s.node(old).unwrap().current_term;
    let rest: Vec<NodeId> = (1..=5).filter(|&i| i != old).collect();
    s.act(Action::Isolate(old)).unwrap();
    s.act(Action::Request { server: old, op: set(b'x', 1) }).unwrap();
    s.run_for(1000 * MS);
    assert_eq!(s.node(old).unwrap().role, Role::Leader, "an isolated leader does not know it is deposed");
    let new = s.leader().unwrap();
    assert_ne!(new, old);
    s.act(Action::Request { server: new, op: set(b'y', 2) }).unwrap();
    s.run_for(300 * MS);
    s.act(Action::Heal).unwrap();
    s.run_for(500 * MS);
    let n = s.node(old).unwrap();
    assert_eq!(n.role, Role::Follower);
    assert!(n.current_term > old_term);
    assert!(!commands(&s, old).contains(&set(b'x', 1)), "the uncommitted entry was replaced");
    assert!(committed_commands(&s, old).contains(&set(b'y', 2)));
    for &i in &rest {
        assert_eq!(s.node(i).unwrap().log, s.node(old).unwrap().log, "logs converge");
    }
    ok(&s);
}

#[test]
fn a_restarted_follower_catches_up() {
    let mut s = sim(5);
    let (leader, _) = await_leader(&mut s, 1000).unwrap();
    let f = if leader == 3 { 4 } else { 3 };
    s.act(Action::Request { server: leader, op: set(b'a', 1) }).unwrap();
    s.run_for(100 * MS);
    s.act(Action::Crash(f)).unwrap();
    for v in 2..=6 {
        s.act(Action::Request { server: leader, op: set(b'a', v) }).unwrap();
        s.run_for(30 * MS);
    }
    s.run_for(200 * MS);
    assert!(s.node(f).is_none());
    assert_eq!(s.server(f).storage.log.last_index(), 2, "it persisted the no-op and the first write");
    s.act(Action::Restart(f)).unwrap();
    let restarted = s.node(f).unwrap();
    assert_eq!((restarted.commit_index, restarted.last_applied), (0, 0), "volatile state is lost");
    s.run_for(300 * MS);
    let (n, l) = (s.node(f).unwrap(), s.node(leader).unwrap());
    assert_eq!(n.log, l.log);
    assert_eq!(n.commit_index, l.commit_index);
    assert_eq!(n.state_machine.get(b'a'), Some(6));
    ok(&s);
}

#[test]
fn a_follower_redirects_a_client_to_the_leader() {
    let mut s = sim(3);
    let (leader, _) = await_leader(&mut s, 1000).unwrap();
    s.run_for(100 * MS);
    let f = if leader == 1 { 2 } else { 1 };
    s.act(Action::Request { server: f, op: set(b'x', 1) }).unwrap();
    let c = &s.client_ops[0];
    assert_eq!((c.first_server, c.server, c.redirects), (f, leader, 1), "redirected to the leader at once");
    s.run_for(100 * MS);
    assert!(matches!(s.client_ops[0].outcome, sim::Outcome::Ok { value: Some(1), .. }));
    ok(&s);
}

#[test]
fn a_cut_link_stops_messages_both_ways_and_repair_restores_them() {
    let mut s = sim(2);
    let (leader, _) = await_leader(&mut s, 1000).unwrap();
    let f = if leader == 1 { 2 } else { 1 };
    s.act(Action::Link { a: leader, b: f, up: false }).unwrap();
    s.act(Action::Request { server: leader, op: set(b'x', 1) }).unwrap();
    s.run_for(100 * MS);
    assert!(!commands(&s, f).contains(&set(b'x', 1)), "nothing crosses the cut link");
    let third = (1..=5).find(|&i| i != leader && i != f).unwrap();
    assert!(commands(&s, third).contains(&set(b'x', 1)), "other links still work");
    s.act(Action::Link { a: leader, b: f, up: true }).unwrap();
    s.run_for(1000 * MS);
    assert!(committed_commands(&s, f).contains(&set(b'x', 1)));
    ok(&s);
}

#[test]
fn bad_actions_are_refused_and_change_nothing() {
    let mut s = sim(1);
    s.run_for(500 * MS);
    let d = s.digest();
    assert!(s.act(Action::Crash(0)).unwrap_err().contains("no server"));
    assert!(s.act(Action::Crash(6)).unwrap_err().contains("no server"));
    assert!(s.act(Action::Restart(1)).unwrap_err().contains("running"));
    assert!(s.act(Action::Partition(vec![vec![1, 2], vec![2]])).is_err());
    assert!(s.act(Action::Link { a: 1, b: 1, up: false }).is_err());
    s.act(Action::Crash(1)).unwrap();
    let d2 = s.digest();
    assert_ne!(d, d2);
    assert!(s.act(Action::Crash(1)).unwrap_err().contains("already"));
    assert!(s.act(Action::Timeout(1)).unwrap_err().contains("crashed"));
    assert_eq!(s.digest(), d2);
    assert_eq!(s.stats.actions, 1);
}

#[test]
fn same_seed_and_actions_give_the_same_run_however_time_is_chunked() {
    let cfg = SimConfig { seed: 99, ..SimConfig::default() };
    let script = |s: &mut Sim, chunks: &[u64]| {
        let mut k = 0;
        let mut advance = |s: &mut Sim, until: u64| {
            while s.time < until {
                assert!(s.violations.is_empty(), "{}", s.violations[0]);
                let step = chunks[k % chunks.len()];
                k += 1;
                s.run_until((s.time + step).min(until));
            }
        };
        advance(s, 400 * MS);
        let l = s.leader().unwrap();
        s.act(Action::Request { server: l, op: set(b'q', 5) }).unwrap();
        advance(s, 500 * MS);
        s.act(Action::Crash(l)).unwrap();
        advance(s, 1500 * MS);
    };
    let mut a = Sim::new(cfg.clone()).unwrap();
    script(&mut a, &[1_000_000]);
    let mut b = Sim::new(cfg.clone()).unwrap();
    script(&mut b, &[16_667, 1, 7_919, 33_333]);
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.stats, b.stats);
    // Replaying the recorded actions reproduces the run too.
    let mut t = sim::Timeline::new(cfg.clone()).unwrap();
    t.run_until(400 * MS);
    let l = t.sim().leader().unwrap();
    t.act(Action::Request { server: l, op: set(b'q', 5) }).unwrap();
    t.run_until(500 * MS);
    t.act(Action::Crash(l)).unwrap();
    t.run_until(1500 * MS);
    assert_eq!(t.sim().digest(), a.digest());
    let c = t.record().replay(a.time).unwrap();
    assert_eq!(c.digest(), a.digest());
    // And a different seed gives a different run.
    let mut d = Sim::new(SimConfig { seed: 100, ..cfg }).unwrap();
    script(&mut d, &[1_000_000]);
    assert_ne!(d.digest(), a.digest());
}

#[test]
fn clusters_of_3_to_51_servers_elect_a_leader() {
    for n in [1, 3, 4, 7, 9, 21, 51] {
        let mut s = Sim::new(SimConfig { servers: n, seed: n as u64, ..SimConfig::default() }).unwrap();
        assert!(await_leader(&mut s, 3000).is_some(), "{n} servers: no leader");
        ok(&s);
    }
    assert!(Sim::new(SimConfig { servers: 52, ..SimConfig::default() }).is_err());
    assert!(Sim::new(SimConfig { servers: 0, ..SimConfig::default() }).is_err());
}

#[test]
fn the_persistence_cross_check_catches_state_changed_without_being_stored() {
    for tamper in 0..3 {
        let mut s = Sim::new(SimConfig { seed: 4, check_persistence: true, ..SimConfig::default() }).unwrap();
        s.run_until(1_000 * MS);
        assert!(s.violations.is_empty());
        let node = s.servers[0].node.as_mut().unwrap();
        match tamper {
            // The node's log or term changed but nothing was asked to be persisted…
            0 => {
                let e = raft::Entry { term: node.current_term, data: raft::EntryData::Noop };
                node.log.append(e);
            }
            1 => node.voted_for = Some(3),
            // …or the stored log lost an entry.
            _ => {
                let last = s.servers[0].storage.log.last_index();
                s.servers[0].storage.log.truncate_from(last);
            }
        }
        s.run_until(2_000 * MS);
        assert!(
            s.violations.iter().any(|v| v.property == sim::Property::Persistence),
            "tamper {tamper}: {:?}",
            s.violations.first()
        );
    }
}

#[test]
fn a_long_busy_run_keeps_a_bounded_client_history_and_checker() {
    let mut cfg = SimConfig { seed: 6, load: 1000, ..SimConfig::default() };
    cfg.raft.snapshot_threshold = 500;
    let mut s = Sim::new(cfg).unwrap();
    s.run_until(15_000 * MS);
    ok(&s);
    let total = s.clients_dropped + s.client_ops.len();
    assert!(total > 14_000, "{total} requests");
    assert!(s.clients_dropped > 0 && s.client_ops.len() <= sim::clients::CLIENT_HISTORY_LIMIT + 100);
    // Numbering goes on across the dropped ones, and the newest requests are answered.
    let last = s.client_op(total - 500).unwrap();
    assert_eq!(last.client as usize, sim::FIRST_CLIENT as usize + total - 500);
    assert!(matches!(last.outcome, sim::Outcome::Ok { .. }));
    assert!(s.client_op(0).is_none());
    // Memory: a cluster of 5 with snapshots every 500 entries stays small however long it runs.
    let mut bytes = 0;
    let other = s.memory(&mut |_, b| bytes += b);
    assert!(bytes + other < 16 << 20, "{} bytes", bytes + other);
}
