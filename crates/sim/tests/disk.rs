//! Disks that take time (the `fsync` dial): writes become durable later, nothing that depends on a
//! write leaves its server before, a crash loses the writes in flight — and with the rule
//! `reply-before-persist` broken, the checker catches what that loses.

use raft::{NodeId, Op, Role};
use sim::{Action, Outcome, Property, Sim, SimConfig};

const MS: u64 = 1000;

/// Three servers, every message 10 ms, writes durable `fsync_ms` after they are issued.
fn cluster(fsync_ms: u64, broken: bool) -> Sim {
    let mut cfg = SimConfig { servers: 3, seed: 1, check_persistence: true, ..SimConfig::default() };
    (cfg.net.latency_min_us, cfg.net.latency_max_us, cfg.net.fsync_us) = (10 * MS, 10 * MS, fsync_ms * MS);
    if broken {
        cfg.raft.broken = raft::Broken::only(raft::Rule::ReplyBeforePersist);
    }
    Sim::new(cfg).unwrap()
}

fn leader_after(s: &mut Sim, ms: u64) -> NodeId {
    s.run_for(ms * MS);
    s.leader().expect("a leader")
}

fn script(name: &str) -> String {
    let path = format!("{}/../../tests/scenarios/{name}.script", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_vote_story_breaks_election_safety_only_with_the_rule_broken() {
    let text = script("reply_before_persist");
    let out = sim::script::run(&text).unwrap();
    assert!(out.contains("violation: Election Safety violated"), "{out}");
    // The same actions with the rule intact: S2's vote never left, so term 1 has one leader.
    let intact: String = text
        .lines()
        .filter(|l| l.trim() != "expect violation")
        .map(|l| l.replace(" break=reply-before-persist", "") + "\n")
        .collect();
    assert_ne!(intact, text);
    let out = sim::script::run(&(intact + "expect leader 3\nexpect term-of 3 1\n")).unwrap();
    assert!(!out.contains("violation"), "{out}");
}

#[test]
fn nothing_leaves_a_server_before_its_write_is_durable() {
    let mut s = cluster(30, false);
    let l = leader_after(&mut s, 1000);
    s.run_for(200 * MS); // disks idle: the no-op is long on disk everywhere
    assert!(s.servers.iter().all(|sv| sv.disk.is_idle()));
    let t0 = s.time;
    let carrying = |s: &Sim| s.flights.values().filter(|f| f.msg.from == l && f.send_time >= t0).count();
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 1 } }).unwrap();
    // The leader appended and issued its write; its AppendEntries to both followers wait behind it.
    assert_eq!(s.server(l).disk.pending(), 1);
    assert_eq!(s.server(l).disk.held(), 2);
    assert_eq!(s.server(l).storage.log.last_index() + 1, s.node(l).unwrap().log.last_index());
    s.run_for(29 * MS);
    assert_eq!(carrying(&s), 0, "nothing sent while the write is in flight");
    assert!(s.server(l).disk.held() >= 2);
    s.run_for(MS);
    assert!(s.server(l).disk.is_idle() && carrying(&s) >= 2, "sent once durable");
    // Followers acknowledge only once their own writes are durable: the commit takes the leader's
    // fsync, a message, the followers' fsync and a message back.
    s.run_for(48 * MS);
    assert_eq!(s.node(l).unwrap().commit_index, 1);
    s.run_for(2 * MS);
    assert_eq!(s.node(l).unwrap().commit_index, 2);
    assert!(s.violations.is_empty(), "{:?}", s.violations);
}

/// A leader with a committed write on a cluster whose followers crash (and restart) just after
/// they stored the entry in memory, with the leader down too: the followers elect a leader
/// between them.
fn lose_an_acknowledged_entry(broken: bool) -> Sim {
    let mut s = cluster(30, broken);
    let l = leader_after(&mut s, 1000);
    s.run_for(200 * MS);
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 1 } }).unwrap();
    // Broken: the followers get the entry at 10 ms and answer at once; the leader commits at 30
    // ms when its own copy is on disk; the followers' writes are due at 40 ms.
    s.run_for(35 * MS);
    for id in 1..=3 {
        s.act(Action::Crash(id)).unwrap();
    }
    for id in (1..=3).filter(|&id| id != l) {
        s.act(Action::Restart(id)).unwrap();
    }
    s.run_for(1000 * MS);
    s
}

#[test]
fn a_crash_inside_the_window_loses_an_acknowledged_entry_only_with_the_rule_broken() {
    let s = lose_an_acknowledged_entry(true);
    let v = s.violations.first().expect("the committed entry is gone from every live server");
    assert_eq!(v.property, Property::LeaderCompleteness, "{v}");
    assert!(s.stats.lost_writes >= 2);
    // The client was told it was done.
    assert!(matches!(s.client_op(0).unwrap().outcome, Outcome::Ok { .. }));

    // Intact: the followers had not acknowledged it (the leader's AppendEntries waited for its own
    // write and were still on the wire), so it was not committed, and whatever happens to it
    // after is allowed.
    let s = lose_an_acknowledged_entry(false);
    assert!(s.violations.is_empty(), "{}", s.violations[0]);
    assert!(s.leader().is_some());
}

#[test]
fn a_crash_loses_what_was_not_on_disk_and_the_server_restarts_from_what_was() {
    let mut s = cluster(50, false);
    s.narrate = true;
    let l = leader_after(&mut s, 1000);
    s.run_for(200 * MS);
    for v in 1..=3 {
        s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: v } }).unwrap();
    }
    let on_disk = s.server(l).storage.log.last_index();
    assert_eq!(s.node(l).unwrap().log.last_index(), on_disk + 3);
    s.act(Action::Crash(l)).unwrap();
    s.act(Action::Restart(l)).unwrap();
    let n = s.node(l).unwrap();
    assert_eq!(n.log.last_index(), on_disk, "back from its disk");
    assert_eq!(n.role, Role::Follower);
    let told: Vec<String> = s.notes.iter().map(|n| n.text(None, None)).collect();
    let lost = format!("S{l} crashed before its disk caught up: lost 3 unwritten entries");
    assert!(told.contains(&lost), "{told:?}");
    s.run_for(1000 * MS);
    assert!(s.violations.is_empty(), "{}", s.violations[0]);
}

/// A server's stable storage holds the same entries as its log: once a chunk of the log is full,
/// the two share its memory rather than keep two copies (on a synchronous disk and on a slow one,
/// through a crash and restart).
#[test]
fn stable_storage_shares_the_full_chunks_of_its_servers_log() {
    for fsync_ms in [0, 20] {
        let mut s = cluster(fsync_ms, false);
        let l = leader_after(&mut s, 1000);
        for v in 0..600 {
            s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: v } }).unwrap();
            s.run_for(2 * MS);
        }
        let f = (1..=3).find(|&id| id != l).unwrap();
        s.act(Action::Crash(f)).unwrap();
        s.act(Action::Restart(f)).unwrap();
        for v in 0..300 {
            s.act(Action::Request { server: l, op: Op::Set { key: b'y', value: v } }).unwrap();
            s.run_for(2 * MS);
        }
        s.run_for(500 * MS);
        assert!(s.violations.is_empty(), "{}", s.violations[0]);
        for id in 1..=3 {
            let (log, stored) = (&s.node(id).unwrap().log, &s.server(id).storage.log);
            assert!(log.len() > 3 * raft::chunked::CHUNK, "S{id} holds {} entries", log.len());
            assert!(stored.same_as(log), "S{id}'s disk caught up");
            for k in 0..3 {
                assert!(stored.shares_chunk(log, k), "fsync {fsync_ms} ms: S{id}'s chunk {k} is stored twice");
            }
        }
    }
}

#[test]
fn a_server_alone_in_its_configuration_commits_only_what_is_on_disk() {
    // With nobody else to wait for, the leader's own disk is the majority (thesis §10.2.1).
    let mut cfg = SimConfig { servers: 1, seed: 3, check_persistence: true, ..SimConfig::default() };
    cfg.net.fsync_us = 40 * MS;
    let mut s = Sim::new(cfg).unwrap();
    let l = leader_after(&mut s, 1000);
    s.run_for(100 * MS);
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 7 } }).unwrap();
    let n = s.node(l).unwrap();
    assert_eq!(n.commit_index + 1, n.log.last_index(), "not committed while only in memory");
    s.run_for(20 * MS);
    // A crash now loses it — and nothing that was committed.
    s.act(Action::Crash(l)).unwrap();
    s.act(Action::Restart(l)).unwrap();
    s.run_for(1000 * MS);
    assert!(s.violations.is_empty(), "{}", s.violations[0]);
    s.act(Action::Request { server: 1, op: Op::Set { key: b'x', value: 8 } }).unwrap();
    s.run_for(100 * MS);
    assert_eq!(s.node(1).unwrap().state_machine.get(b'x'), Some(8));
    assert!(s.violations.is_empty(), "{}", s.violations[0]);
}

#[test]
fn the_dial_changes_live_and_writes_in_flight_still_complete_in_order() {
    let mut s = cluster(40, false);
    let l = leader_after(&mut s, 1000);
    s.run_for(200 * MS);
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 1 } }).unwrap();
    // Down to 0 with a write in flight: the next write still waits behind it…
    let net = sim::NetConfig { fsync_us: 0, ..s.cfg.net };
    s.act(Action::SetNet(net)).unwrap();
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 2 } }).unwrap();
    assert_eq!(s.server(l).disk.pending(), 2);
    assert!(s.node(l).unwrap().durable.is_some());
    s.run_for(40 * MS);
    // …and once the disk has caught up, writes are synchronous again.
    assert!(s.server(l).disk.is_idle());
    assert!(s.node(l).unwrap().durable.is_none());
    s.run_for(500 * MS);
    assert_eq!(s.node(l).unwrap().state_machine.get(b'x'), Some(2));
    // Up again: every server counts itself only as far as its disk.
    let net = sim::NetConfig { fsync_us: 10 * MS, ..s.cfg.net };
    s.act(Action::SetNet(net)).unwrap();
    assert!(s.servers.iter().all(|sv| sv.node.as_ref().unwrap().durable.is_some()));
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 3 } }).unwrap();
    s.run_for(500 * MS);
    assert_eq!(s.node(l).unwrap().state_machine.get(b'x'), Some(3));
    assert!(s.violations.is_empty(), "{}", s.violations[0]);
}

#[test]
fn a_run_on_slow_disks_replays_from_its_record_bit_for_bit() {
    let mut cfg = SimConfig { seed: 9, load: 200, check_persistence: true, ..SimConfig::default() };
    cfg.net.fsync_us = 7 * MS;
    let mut t = sim::Timeline::new(cfg).unwrap();
    t.run_until(600 * MS);
    t.act(Action::Crash(2)).unwrap();
    t.run_until(700 * MS);
    t.act(Action::Restart(2)).unwrap();
    t.run_until(1500 * MS);
    let mut again = sim::Timeline::from_record(t.record().clone()).unwrap();
    again.run_until(1500 * MS);
    assert_eq!(again.sim().digest(), t.sim().digest());
    assert!(t.sim().stats.lost_writes == 1 && t.sim().violations.is_empty());
}

#[test]
fn flush_completes_the_oldest_write_now_and_its_queued_completion_goes_stale() {
    let mut s = cluster(30, false);
    let l = leader_after(&mut s, 1000);
    s.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 1 } }).unwrap();
    let disk = &s.server(l).disk;
    assert_eq!(disk.pending(), 1, "the new entry's write is in flight");
    let (completed, held) = (disk.completed, disk.held());
    assert!(held > 0, "the AppendEntries wait for it");
    let sent = s.stats.sent;
    s.act(Action::Flush(l)).unwrap();
    assert!(s.server(l).disk.is_idle(), "flushed at once");
    assert_eq!(s.server(l).disk.completed, completed + 1);
    assert!(s.stats.sent >= sent + held as u64, "what waited for it left");
    let why = s.act(Action::Flush(l)).unwrap_err();
    assert!(why.contains("no write in flight"), "{why}");
    // The completion queued for that write is stale: the run goes on, no write completes twice.
    s.run_for(200 * MS);
    assert!(s.violations.is_empty(), "{:?}", s.violations);
    assert!(s.node(l).unwrap().commit_index >= s.node(l).unwrap().log.last_index());
}
