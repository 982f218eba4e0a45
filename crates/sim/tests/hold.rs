//! `hold`: the user takes the network and the timers into their hands. Nothing happens by itself
//! until `release`: messages wait in flight (never lost), no timer fires; `deliver-message`,
//! `drop-message`, `timeout` and `heartbeat` move the run one step at a time. Releasing resumes
//! everything as much later as the hold lasted. All of it is recorded and replays bit for bit.

use raft::{Body, NodeId, Role};
use sim::codec::{decode_record, encode_record, from_base64, to_base64};
use sim::{Action, Sim, SimConfig, Timeline};

const MS: u64 = 1000;

fn cfg() -> SimConfig {
    SimConfig { seed: 11, check_persistence: true, ..SimConfig::default() }
}

fn settled() -> (Sim, NodeId) {
    let mut sim = Sim::new(cfg()).unwrap();
    sim.run_until(1000 * MS);
    let l = sim.leader().expect("a leader");
    (sim, l)
}

#[test]
fn while_held_nothing_happens_by_itself() {
    let (mut sim, l) = settled();
    sim.act(Action::Hold(true)).unwrap();
    let (events, flights, term) = (sim.stats.events, sim.flights.len(), sim.max_term());
    assert_eq!(sim.next_event_time(), None, "no event is due while held");
    assert!(!sim.step(), "stepping does nothing while held");
    sim.run_until(60_000 * MS);
    assert_eq!(sim.time, 60_000 * MS, "the clock runs on");
    assert_eq!(sim.stats.events, events, "but no event fired: no delivery, no timer");
    assert_eq!(sim.flights.len(), flights, "the messages in flight wait");
    assert_eq!(sim.max_term(), term, "no election in a minute without heartbeats");
    assert_eq!(sim.leader(), Some(l));
    assert!(sim.act(Action::Hold(true)).unwrap_err().contains("already held"));
}

#[test]
fn held_messages_are_never_lost_and_arrive_only_by_hand() {
    let (mut sim, l) = settled();
    // Cut the leader off and make every message lost: holding overrides the network.
    sim.act(Action::Isolate(l)).unwrap();
    let mut net = sim.cfg.net;
    net.drop_ppm = 1_000_000;
    sim.act(Action::SetNet(net)).unwrap();
    sim.act(Action::Hold(true)).unwrap();
    let before: Vec<u64> = sim.flights.keys().collect();
    sim.act(Action::Heartbeat(l)).unwrap();
    let beats: Vec<_> = sim.flights.values().filter(|f| !before.contains(&f.id)).cloned().collect();
    let followers = sim.servers.len() - 1;
    assert_eq!(beats.len(), followers, "a heartbeat to every follower: {beats:?}");
    assert!(beats.iter().all(|f| !f.lost && matches!(f.msg.body, Body::AppendEntries { .. })));
    let to = beats[0].msg.to;
    let heard = sim.stats.delivered;
    sim.act(Action::DeliverMessage(beats[0].id)).unwrap();
    assert_eq!(sim.stats.delivered, heard + 1);
    assert!(!sim.flights.contains_key(&beats[0].id), "delivered: no longer in flight");
    // The follower answered: its reply waits in flight too.
    let reply = sim.flights.values().find(|f| f.msg.from == to && f.msg.to == l).expect("a reply in flight");
    assert!(matches!(reply.msg.body, Body::AppendEntriesReply { .. }) && !reply.lost);
    let again = sim.act(Action::DeliverMessage(beats[0].id)).unwrap_err();
    assert!(again.contains("no message"), "{again}");
    assert!(sim.violations.is_empty(), "{:?}", sim.violations);
}

#[test]
fn timeouts_and_heartbeats_by_hand() {
    let (mut sim, l) = settled();
    sim.act(Action::Hold(true)).unwrap();
    let f = (1..=sim.servers.len() as NodeId).find(|&id| id != l).unwrap();
    let why = sim.act(Action::Heartbeat(f)).unwrap_err();
    assert!(why.contains("not leading"), "{why}");
    // The servers' clock runs on while held: a second without a heartbeat and the followers'
    // leases (they ignore vote requests while they hear from a leader) have run out.
    sim.run_until(sim.time + 1000 * MS);
    let term = sim.max_term();
    sim.act(Action::Timeout(f)).unwrap();
    assert_eq!(sim.node(f).unwrap().role, Role::Candidate);
    assert_eq!(sim.node(f).unwrap().current_term, term + 1);
    // Its vote requests wait; deliver them all by hand and the votes back: it wins.
    let ids = |sim: &Sim, kind: &str| -> Vec<u64> {
        sim.flights.values().filter(|x| x.msg.body.kind() == kind).map(|x| x.id).collect()
    };
    for id in ids(&sim, "RequestVote") {
        sim.act(Action::DeliverMessage(id)).unwrap();
    }
    for id in ids(&sim, "RequestVoteReply") {
        if sim.flights[&id].msg.to == f {
            sim.act(Action::DeliverMessage(id)).unwrap();
        }
    }
    assert_eq!(sim.node(f).unwrap().role, Role::Leader, "elected by hand");
    assert!(sim.violations.is_empty(), "{:?}", sim.violations);
}

#[test]
fn release_resumes_everything_as_much_later_as_the_hold_lasted() {
    let (mut sim, _) = settled();
    let next = sim.next_event_time().unwrap();
    let due: Vec<(u64, u64)> = sim.flights.values().map(|f| (f.id, f.deliver_time)).collect();
    let timers: Vec<Option<u64>> = sim.servers.iter().map(|s| s.election.deadline).collect();
    sim.act(Action::Hold(true)).unwrap();
    sim.run_until(sim.time + 700 * MS);
    sim.act(Action::Hold(false)).unwrap();
    assert_eq!(sim.held, None);
    assert_eq!(sim.next_event_time(), Some(next + 700 * MS));
    for (id, t) in due {
        assert_eq!(sim.flights[&id].deliver_time, t + 700 * MS, "message {id}");
    }
    let shifted: Vec<Option<u64>> = sim.servers.iter().map(|s| s.election.deadline).collect();
    assert_eq!(shifted, timers.iter().map(|t| t.map(|d| d + 700 * MS)).collect::<Vec<_>>());
    assert!(sim.act(Action::Hold(false)).unwrap_err().contains("not held"));
    // And the run goes on as a run does.
    let events = sim.stats.events;
    sim.run_for(1000 * MS);
    assert!(sim.stats.events > events);
    assert!(sim.leader().is_some());
    assert!(sim.violations.is_empty(), "{:?}", sim.violations);
}

#[test]
fn a_held_run_replays_from_its_permalink() {
    let mut t = Timeline::new(cfg()).unwrap();
    t.run_until(1000 * MS);
    let l = t.sim().leader().unwrap();
    t.act(Action::Hold(true)).unwrap();
    t.run_until(1001 * MS);
    t.act(Action::Heartbeat(l)).unwrap();
    let mut ids: Vec<u64> = t.sim().flights.values().filter(|f| f.msg.from == l).map(|f| f.id).collect();
    ids.sort();
    t.run_until(1002 * MS);
    t.act(Action::DeliverMessage(ids[0])).unwrap();
    t.run_until(1003 * MS);
    t.act(Action::DropMessage(ids[1])).unwrap();
    t.run_until(1300 * MS);
    t.act(Action::Hold(false)).unwrap();
    t.run_until(2500 * MS);
    let digest = t.sim().digest();
    let link = to_base64(&encode_record(t.record(), t.position()));
    let (rec, at) = decode_record(&from_base64(&link).unwrap()).unwrap();
    assert_eq!(rec.replay(at.time).unwrap().digest(), digest, "the record replays to the same run");
    let opened = Timeline::from_permalink(&link, u64::MAX).unwrap();
    assert_eq!(opened.sim().digest(), digest, "and so does its permalink");
    assert!(rec.script().contains("hold\n") && rec.script().contains("release\n"), "{}", rec.script());
    // Seeking back into the hold and forward again is the same run.
    let mut t2 = opened;
    t2.seek(1002 * MS);
    assert_eq!(t2.sim().held, Some(1000 * MS));
    t2.seek(2500 * MS);
    assert_eq!(t2.sim().digest(), digest);
}
