//! Scenarios for the thesis-level protocol: membership changes, snapshots, client sessions,
//! ReadIndex, PreVote, CheckQuorum and leadership transfer. Each runs with the live checker on.

use raft::{EntryData, NodeId, Op, Role, Set};
use sim::{Action, Outcome, Sim, SimConfig};

const MS: u64 = 1000;

fn cfg(seed: u64) -> SimConfig {
    SimConfig { seed, check_persistence: true, ..SimConfig::default() }
}

fn ok(sim: &Sim) {
    assert!(sim.violations.is_empty(), "violations: {:#?}", sim.violations);
}

fn elect(s: &mut Sim) -> NodeId {
    for _ in 0..50 {
        s.run_for(20 * MS);
        if let Some(l) = s.leader() {
            s.run_for(50 * MS);
            return l;
        }
    }
    panic!("no leader");
}

fn set_of(ids: &[NodeId]) -> Set {
    let mut s = Set::EMPTY;
    ids.iter().for_each(|&i| s.insert(i));
    s
}

fn write(s: &mut Sim, server: NodeId, key: u8, value: i64) {
    s.act(Action::Request { server, op: Op::Set { key, value } }).unwrap();
}

// ---- Membership changes (§6, thesis ch. 4) ------------------------------------------------------

#[test]
fn adding_two_servers_one_after_another_goes_through_learner_and_joint_consensus() {
    let mut s = Sim::new(SimConfig { servers: 3, ..cfg(1) }).unwrap();
    let l = elect(&mut s);
    write(&mut s, l, b'x', 1);
    s.run_for(100 * MS);
    s.act(Action::AddServer).unwrap();
    // First a learner: it gets the log but no vote, so commits never wait for it.
    let c = s.node(l).unwrap().config;
    assert_eq!((c.voters, c.learners), (set_of(&[1, 2, 3]), set_of(&[4])));
    assert!(s.act(Action::AddServer).unwrap_err().contains("in progress"), "one change at a time");
    s.run_for(300 * MS);
    // Caught up → promoted through C_old,new to C_new = {1,2,3,4}.
    let configs: Vec<_> = s
        .node(l)
        .unwrap()
        .log
        .entries()
        .filter_map(|e| if let EntryData::Config(m) = e.data { Some(m) } else { None })
        .collect();
    assert_eq!(configs.len(), 3, "learner, joint, new: {configs:?}");
    assert!(
        configs[1].is_joint()
            && configs[1].outgoing == set_of(&[1, 2, 3])
            && configs[1].voters == set_of(&[1, 2, 3, 4])
    );
    assert_eq!(s.node(l).unwrap().config.voters, set_of(&[1, 2, 3, 4]));
    assert_eq!(s.node(4).unwrap().state_machine.get(b'x'), Some(1), "the new server caught up");
    s.act(Action::AddServer).unwrap();
    s.run_for(400 * MS);
    let c = s.node(s.leader().unwrap()).unwrap().config;
    assert_eq!((c.voters, c.outgoing, c.learners), (set_of(&[1, 2, 3, 4, 5]), Set::EMPTY, Set::EMPTY));
    // The 5-server cluster now tolerates two failures.
    s.act(Action::Crash(1)).unwrap();
    s.act(Action::Crash(2)).unwrap();
    s.run_for(600 * MS);
    let l = s.leader().expect("3 of 5 elect a leader");
    write(&mut s, l, b'y', 2);
    s.run_for(200 * MS);
    assert!(matches!(s.client_ops.last().unwrap().outcome, Outcome::Ok { .. }));
    ok(&s);
}

#[test]
fn removing_the_leader_lets_it_manage_the_change_then_step_down() {
    let mut s = Sim::new(cfg(2)).unwrap();
    let l = elect(&mut s);
    s.act(Action::RemoveServer(l)).unwrap();
    let c = s.node(l).unwrap().config;
    assert!(c.is_joint() && !c.voters.contains(l) && c.outgoing.contains(l));
    s.run_for(200 * MS);
    // C_new committed: the old leader stepped down and no longer counts itself.
    let old = s.node(l).unwrap();
    assert_ne!(old.role, Role::Leader);
    assert!(!old.config.is_voter(l));
    s.run_for(600 * MS);
    let new = s.leader().expect("the remaining four elect a leader");
    assert_ne!(new, l);
    assert_eq!(s.node(new).unwrap().config.voters.len(), 4);
    write(&mut s, new, b'z', 3);
    s.run_for(200 * MS);
    assert!(matches!(s.client_ops.last().unwrap().outcome, Outcome::Ok { .. }));
    // The removed server knows it is out and never campaigns again.
    let term = s.node(l).unwrap().current_term;
    s.act(Action::Timeout(l)).unwrap();
    assert_eq!(s.node(l).unwrap().current_term, term);
    ok(&s);
}

#[test]
fn a_removed_server_that_missed_its_removal_disrupts_only_without_lease_and_prevote() {
    // (vote lease, PreVote) → does the removed server's campaigning depose the leader?
    for (lease, pre_vote, disrupts) in [(false, false, true), (true, false, false), (false, true, false)] {
        let mut c = cfg(3);
        c.raft.vote_lease = lease;
        c.raft.pre_vote = pre_vote;
        let mut s = Sim::new(c).unwrap();
        let l = elect(&mut s);
        let victim = if l == 5 { 4 } else { 5 };
        // It is cut off before the change, so it never learns it was removed.
        s.act(Action::Isolate(victim)).unwrap();
        s.act(Action::RemoveServer(victim)).unwrap();
        s.run_for(300 * MS);
        let leader = s.leader().unwrap();
        let term = s.node(leader).unwrap().current_term;
        s.act(Action::Heal).unwrap();
        s.run_for(1000 * MS);
        let after = s.node(leader).unwrap().current_term;
        if disrupts {
            assert!(after > term, "its RequestVotes depose the leader (term {term} → {after})");
        } else {
            assert_eq!((s.leader(), after), (Some(leader), term), "lease={lease} pre_vote={pre_vote}: no disruption");
        }
        ok(&s);
    }
}

// ---- Log compaction (§7) ------------------------------------------------------------------------

#[test]
fn a_snapshot_is_installed_on_a_lagging_follower_which_is_then_appended_to() {
    let mut c = cfg(4);
    c.raft.snapshot_threshold = 5;
    let mut s = Sim::new(c).unwrap();
    let l = elect(&mut s);
    let f = if l == 1 { 2 } else { 1 };
    s.act(Action::Crash(f)).unwrap();
    for v in 0..12 {
        write(&mut s, l, b'a' + (v % 3) as u8, v);
        s.run_for(20 * MS);
    }
    s.run_for(100 * MS);
    let leader = s.node(l).unwrap();
    assert!(leader.log.offset() >= 5, "the leader compacted its log (offset {})", leader.log.offset());
    assert!(s.server(l).storage.snapshot.last_index == leader.snapshot.last_index, "the snapshot is persistent");
    // The follower's next entry is gone from the leader's log: InstallSnapshot.
    s.act(Action::Restart(f)).unwrap();
    let mut saw_snapshot = false;
    for _ in 0..400 {
        s.step();
        saw_snapshot |= s.flights.values().any(|fl| fl.msg.to == f && fl.msg.body.kind() == "InstallSnapshot");
    }
    assert!(saw_snapshot);
    s.run_for(200 * MS);
    let n = s.node(f).unwrap();
    assert!(n.snapshot.last_index > 0, "the follower holds the leader's snapshot");
    assert_eq!(n.state_machine, s.node(l).unwrap().state_machine);
    // Then it is appended to like any follower.
    write(&mut s, l, b'z', 99);
    s.run_for(100 * MS);
    let n = s.node(f).unwrap();
    assert_eq!(n.state_machine.get(b'z'), Some(99));
    assert_eq!(n.log.last_index(), s.node(l).unwrap().log.last_index());
    // And a snapshot survives a crash.
    s.act(Action::Crash(f)).unwrap();
    s.act(Action::Restart(f)).unwrap();
    let n = s.node(f).unwrap();
    assert!(n.snapshot.last_index > 0 && n.state_machine.get(b'a').is_some());
    ok(&s);
}

// ---- Clients (§8) -----------------------------------------------------------------------------------

#[test]
fn a_duplicate_client_request_is_not_applied_twice() {
    // The leader commits `x += 1` but is cut off before it can answer; the client times out and
    // retries the same (client, seq) at another server. The new leader finds it in the session
    // table and answers from the cache: x is 1, not 2.
    let mut c = cfg(5);
    c.client_timeout_us = 150 * MS;
    let mut s = Sim::new(c).unwrap();
    let l = elect(&mut s);
    s.act(Action::Request { server: l, op: Op::Add { key: b'x', delta: 1 } }).unwrap();
    // Let the entry reach the followers (one round trip), then isolate the leader before its reply.
    let mut steps = 0;
    while !s
        .servers
        .iter()
        .filter_map(|sv| sv.node.as_ref())
        .filter(|n| n.id != l)
        .all(|n| n.log.last_index() == s.node(l).unwrap().log.last_index())
    {
        s.step();
        steps += 1;
        assert!(steps < 10_000);
    }
    s.act(Action::Isolate(l)).unwrap();
    s.run_for(2000 * MS);
    let op = &s.client_ops[0];
    assert!(op.timeouts >= 1, "the client had to retry");
    assert!(matches!(op.outcome, Outcome::Ok { value: Some(1), .. }), "{:?}", op.outcome);
    let l2 = s.leader().unwrap();
    assert_ne!(l2, l);
    assert_eq!(s.node(l2).unwrap().state_machine.get(b'x'), Some(1));
    let applied = s.node(l2).unwrap().log.entries().filter(|e| matches!(e.data, EntryData::Command(_))).count();
    assert!(applied >= 1);
    assert_eq!(sim::linearizability::check(s.client_ops.iter()), Ok(sim::linearizability::Checked::Linearizable));
    ok(&s);
}

#[test]
fn read_index_answers_reads_without_a_log_entry() {
    for read_index in [false, true] {
        let mut c = cfg(6);
        c.raft.read_index = read_index;
        let mut s = Sim::new(c).unwrap();
        let l = elect(&mut s);
        write(&mut s, l, b'r', 7);
        s.run_for(100 * MS);
        let before = s.node(l).unwrap().log.last_index();
        s.act(Action::Request { server: l, op: Op::Get { key: b'r' } }).unwrap();
        s.run_for(100 * MS);
        assert!(matches!(s.client_ops[1].outcome, Outcome::Ok { value: Some(7), .. }));
        let grew = s.node(l).unwrap().log.last_index() - before;
        assert_eq!(grew, if read_index { 0 } else { 1 }, "read_index={read_index}");
        ok(&s);
    }
}

#[test]
fn a_deposed_leader_does_not_answer_read_index_reads() {
    let mut c = cfg(7);
    c.raft.read_index = true;
    c.client_timeout_us = 10_000 * MS;
    let mut s = Sim::new(c).unwrap();
    let l = elect(&mut s);
    s.act(Action::Isolate(l)).unwrap();
    s.run_for(600 * MS);
    let l2 = s.leader_excluding(l).expect("the majority elects a new leader");
    write(&mut s, l2, b'k', 1);
    s.run_for(100 * MS);
    // The old leader still thinks it leads, but cannot confirm it with a quorum: no stale answer.
    s.act(Action::Request { server: l, op: Op::Get { key: b'k' } }).unwrap();
    s.run_for(500 * MS);
    assert_eq!(s.client_ops.last().unwrap().outcome, Outcome::Pending);
    ok(&s);
}

// ---- PreVote, CheckQuorum, leadership transfer (thesis §9.6, §6.2, §3.10) --------------------------

#[test]
fn a_partitioned_server_with_prevote_does_not_bump_the_cluster_term_on_return() {
    for pre_vote in [false, true] {
        let mut c = cfg(8);
        c.raft.pre_vote = pre_vote;
        let mut s = Sim::new(c).unwrap();
        let l = elect(&mut s);
        let f = if l == 1 { 2 } else { 1 };
        let term = s.node(l).unwrap().current_term;
        s.act(Action::Isolate(f)).unwrap();
        s.run_for(1000 * MS);
        let lonely = s.node(f).unwrap().current_term;
        s.act(Action::Heal).unwrap();
        s.run_for(500 * MS);
        if pre_vote {
            assert_eq!(lonely, term, "PreVotes fail, so the cut-off server never bumps its term");
            assert_eq!((s.leader(), s.max_term()), (Some(l), term), "the leader keeps leading");
        } else {
            assert!(lonely > term + 2, "alone it keeps starting elections");
            assert!(s.max_term() >= lonely, "and on return its term deposes the leader");
        }
        ok(&s);
    }
}

#[test]
fn check_quorum_makes_an_isolated_leader_step_down() {
    for check_quorum in [false, true] {
        let mut c = cfg(9);
        c.raft.check_quorum = check_quorum;
        let mut s = Sim::new(c).unwrap();
        let l = elect(&mut s);
        s.act(Action::Isolate(l)).unwrap();
        s.run_for(600 * MS);
        let role = s.node(l).unwrap().role;
        if check_quorum {
            assert_ne!(role, Role::Leader, "no quorum heard within an election timeout: step down");
        } else {
            assert_eq!(role, Role::Leader, "without CheckQuorum it leads on, alone");
        }
        ok(&s);
    }
}

#[test]
fn leadership_transfer_hands_over_to_the_target() {
    let mut s = Sim::new(cfg(10)).unwrap();
    let l = elect(&mut s);
    let target = if l == 3 { 4 } else { 3 };
    let term = s.node(l).unwrap().current_term;
    // A lagging target is brought up to date first (cut off briefly: shorter than an election
    // timeout, so it does not campaign on its own).
    s.act(Action::Link { a: l, b: target, up: false }).unwrap();
    write(&mut s, l, b't', 1);
    s.run_for(40 * MS);
    assert!(s.node(target).unwrap().log.last_index() < s.node(l).unwrap().log.last_index());
    s.act(Action::Link { a: l, b: target, up: true }).unwrap();
    s.act(Action::Transfer(target)).unwrap();
    // While handing over, the leader turns clients away.
    s.act(Action::Request { server: l, op: Op::Set { key: b'u', value: 2 } }).unwrap();
    assert!(s.client_ops.last().unwrap().redirects >= 1);
    s.run_for(200 * MS);
    assert_eq!(s.leader(), Some(target));
    assert_eq!(s.node(target).unwrap().current_term, term + 1);
    assert_eq!(s.node(target).unwrap().state_machine.get(b't'), Some(1));
    assert!(s.act(Action::Transfer(target)).unwrap_err().contains("another"));
    ok(&s);
}

#[test]
fn leadership_transfer_overrides_check_quorum_leases() {
    let mut c = cfg(11);
    c.raft.check_quorum = true;
    c.raft.pre_vote = true;
    let mut s = Sim::new(c).unwrap();
    let l = elect(&mut s);
    let target = if l == 2 { 3 } else { 2 };
    s.act(Action::Transfer(target)).unwrap();
    s.run_for(200 * MS);
    assert_eq!(s.leader(), Some(target));
    ok(&s);
}

#[test]
fn a_removed_follower_learns_its_removal_is_committed_and_stays_quiet() {
    let mut s = Sim::new(cfg(12)).unwrap();
    let l = elect(&mut s);
    let f = if l == 5 { 4 } else { 5 };
    let term = s.max_term();
    s.act(Action::RemoveServer(f)).unwrap();
    s.run_for(2000 * MS);
    let removed = s.node(f).unwrap();
    assert!(!removed.config.is_voter(f));
    assert!(removed.commit_index >= removed.config_index, "it was told the change is committed");
    assert_eq!((s.leader(), s.max_term()), (Some(l), term), "no election was disturbed");
    ok(&s);
}

#[test]
fn a_transfer_is_not_spoiled_by_a_pending_promotion() {
    let mut s = Sim::new(cfg(13)).unwrap();
    let l = elect(&mut s);
    let target = if l == 3 { 2 } else { 3 };
    s.act(Action::AddServer).unwrap();
    s.act(Action::Transfer(target)).unwrap();
    assert!(
        s.act(Action::RemoveServer(6)).unwrap_err().contains("in progress") || s.act(Action::RemoveServer(6)).is_err()
    );
    s.run_for(300 * MS);
    assert_eq!(s.leader(), Some(target), "the leader appended nothing while handing over");
    s.run_for(1000 * MS);
    let c = s.node(target).unwrap().config;
    assert!(c.voters.contains(6), "the new leader finishes the promotion: {c}");
    ok(&s);
}
