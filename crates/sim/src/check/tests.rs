//! The model's fingerprints: equal for equal states however they were reached, different when
//! any field a server's future depends on differs, and — with symmetry — equal exactly across
//! renamings of the servers.

use super::model::{Bounds, Event, Model, State};
use raft::{Entry, EntryData, Message, NodeId, Options, Role};

fn model(opts: Options) -> Model {
    Model::new(opts, Bounds { servers: 3, crashes: 1, requests: 1, duplicates: 1, ..Bounds::default() }).unwrap()
}

fn opts() -> Options {
    Options { vote_lease: false, ..Options::default() }
}

/// The message event of `s` whose message is `m` (the wire's order is the model's, so tests
/// name messages by content).
fn on_wire(s: &State, kind: fn(u32) -> Event, m: &Message) -> Event {
    let k = s.wire.iter().position(|f| f.msg == *m).expect("the message is in flight");
    kind(k as u32)
}

fn deliver(s: &State, from: NodeId, to: NodeId, kind: &str) -> Event {
    let f = s.wire.iter().find(|f| f.msg.from == from && f.msg.to == to && f.msg.body.kind() == kind);
    on_wire(s, Event::Deliver, &f.expect("such a message is in flight").msg)
}

fn run(m: &Model, s: &State, e: Event) -> State {
    let mut sc = super::Scratch::default();
    let step = m.step(s, e, &mut sc);
    m.apply(s, step, &mut sc)
}

/// S1 elected in term 1 by S2's vote; its AppendEntries to S2 and S3 and S3's RequestVote
/// request still in flight.
fn elected(m: &Model) -> State {
    let mut s = m.initial();
    s = run(m, &s, Event::Timeout(1));
    let e = deliver(&s, 1, 2, "RequestVote");
    s = run(m, &s, e);
    let e = deliver(&s, 2, 1, "RequestVoteReply");
    run(m, &s, e)
}

#[test]
fn event_codes_round_trip() {
    for e in [
        Event::Deliver(0),
        Event::Deliver(300),
        Event::Drop(7),
        Event::Duplicate(2),
        Event::Timeout(3),
        Event::Heartbeat(1),
        Event::Request(2),
        Event::Crash(9),
        Event::Restart(4),
    ] {
        assert_eq!(Event::from_code(e.code()), e);
        assert!(e.code() < 1 << super::model::EVENT_BITS);
    }
}

#[test]
fn equal_states_have_equal_fingerprints_however_they_were_reached() {
    let m = model(opts());
    // Two timeouts in either order: the same servers, the same messages in flight.
    let a = run(&m, &run(&m, &m.initial(), Event::Timeout(1)), Event::Timeout(2));
    let b = run(&m, &run(&m, &m.initial(), Event::Timeout(2)), Event::Timeout(1));
    for symmetry in [false, true] {
        assert_eq!(m.fingerprint_of(&a, symmetry), m.fingerprint_of(&b, symmetry));
    }
    // A replayed path gives the same fingerprint as the state it was built from.
    let path = [Event::Timeout(1), Event::Timeout(2), Event::Drop(0)];
    assert_eq!(m.fingerprint_of(&m.replay(&path), false), m.fingerprint_of(&m.replay(&path), false));
    // The fingerprint the search computes for a step without building it is the built state's.
    let s = elected(&m);
    let mut events = Vec::new();
    m.events(&s, &mut events);
    let mut sc = super::Scratch::default();
    for &e in &events {
        for symmetry in [false, true] {
            let step = m.step(&s, e, &mut sc);
            let predicted = m.fingerprint(&s, &step, &mut sc, symmetry);
            let built = m.apply(&s, step, &mut sc);
            assert_eq!(predicted, m.fingerprint_of(&built, symmetry), "{e:?}, symmetry {symmetry}");
        }
    }
}

#[test]
fn a_change_to_any_field_that_decides_the_future_changes_the_fingerprint() {
    let m = model(opts());
    let s = elected(&m);
    let base = m.fingerprint_of(&s, false);
    let entry = Entry { term: 1, data: EntryData::Noop };
    let edits: Vec<(&str, State)> = vec![
        ("term", m.edit(&s, 2, |n| n.current_term = 5)),
        ("vote", m.edit(&s, 3, |n| n.voted_for = Some(3))),
        ("log", m.edit(&s, 3, |n| _ = n.log.append(entry))),
        ("commit", m.edit(&s, 1, |n| n.commit_index = 1)),
        ("applied", m.edit(&s, 1, |n| n.last_applied = 1)),
        ("role", m.edit(&s, 2, |n| n.role = Role::Candidate)),
        ("leader known", m.edit(&s, 3, |n| n.leader_id = Some(1))),
        ("leader's progress", m.edit(&s, 1, |n| n.progress[2].match_index = 1)),
        ("a message dropped", run(&m, &s, Event::Drop(0))),
        ("a message duplicated", run(&m, &s, Event::Duplicate(0))),
        ("a server crashed", run(&m, &s, Event::Crash(3))),
    ];
    let mut seen = vec![base];
    for (what, t) in &edits {
        let f = m.fingerprint_of(t, false);
        assert!(!seen.contains(&f), "{what} did not change the fingerprint");
        seen.push(f);
    }
    // Votes count only while campaigning: a candidate's votes are part of it.
    let c = run(&m, &m.initial(), Event::Timeout(1));
    assert_ne!(m.fingerprint_of(&c, false), m.fingerprint_of(&m.edit(&c, 1, |n| n.votes.insert(2)), false));
    // What the checker remembers is part of a state: a committed entry is remembered after the
    // server that committed it crashed and forgot.
    let mut t = s.clone();
    for (from, to, kind) in [(1, 2, "AppendEntries"), (2, 1, "AppendEntriesReply")] {
        let e = deliver(&t, from, to, kind);
        t = run(&m, &t, e);
    }
    assert_eq!(t.node(1).unwrap().commit_index, 1);
    let forgot = run(&m, &run(&m, &t, Event::Crash(1)), Event::Restart(1));
    let never = run(&m, &run(&m, &s, Event::Crash(1)), Event::Restart(1));
    assert_eq!(forgot.node(1).unwrap().commit_index, 0);
    assert_ne!(m.fingerprint_of(&forgot, false), m.fingerprint_of(&never, false));
}

#[test]
fn time_is_part_of_a_state_only_through_leases_and_only_when_a_lease_decides_something() {
    // Without the vote lease and PreVote, when S2 last heard from the leader makes no difference.
    let m = model(opts());
    let mut s = elected(&m);
    let e = deliver(&s, 1, 2, "AppendEntries");
    s = run(&m, &s, e);
    let later = m.edit(&s, 2, |n| n.last_leader_contact = None);
    assert_eq!(m.fingerprint_of(&s, false), m.fingerprint_of(&later, false));
    // With PreVote it does: S2 in its lease refuses PreVotes.
    let m = model(Options { pre_vote: true, ..opts() });
    let mut s = run(&m, &m.initial(), Event::Timeout(1));
    for (from, to, kind) in
        [(1, 2, "PreVote"), (2, 1, "PreVoteReply"), (1, 2, "RequestVote"), (2, 1, "RequestVoteReply")]
    {
        let e = deliver(&s, from, to, kind);
        s = run(&m, &s, e);
    }
    assert_eq!(s.node(1).unwrap().role, Role::Leader);
    let e = deliver(&s, 1, 2, "AppendEntries");
    s = run(&m, &s, e);
    let out_of_lease = m.edit(&s, 2, |n| n.last_leader_contact = None);
    assert_ne!(m.fingerprint_of(&s, false), m.fingerprint_of(&out_of_lease, false));
}

/// Server ids renamed by `sigma` (sigma[old] = new).
fn renamed(m: &Message, sigma: &[NodeId; 4]) -> Message {
    Message { from: sigma[m.from as usize], to: sigma[m.to as usize], ..m.clone() }
}

#[test]
fn with_symmetry_renamed_states_share_a_fingerprint_and_others_do_not() {
    let m = model(opts());
    // A path with votes, a leader, a crash and a request; then the same path with S1→S2, S2→S3, S3→S1.
    let sigma: [NodeId; 4] = [0, 2, 3, 1];
    let mut a = m.initial();
    let mut b = m.initial();
    let script: [(&str, NodeId, NodeId, &str); 8] = [
        ("timeout", 1, 0, ""),
        ("deliver", 1, 2, "RequestVote"),
        ("deliver", 2, 1, "RequestVoteReply"),
        ("request", 1, 0, ""),
        ("deliver", 1, 3, "AppendEntries"),
        ("crash", 2, 0, ""),
        ("timeout", 3, 0, ""),
        ("deliver", 3, 1, "RequestVote"),
    ];
    for (what, x, y, kind) in script {
        let (ea, eb) = match what {
            "timeout" => (Event::Timeout(x), Event::Timeout(sigma[x as usize])),
            "request" => (Event::Request(x), Event::Request(sigma[x as usize])),
            "crash" => (Event::Crash(x), Event::Crash(sigma[x as usize])),
            _ => {
                let ea = deliver(&a, x, y, kind);
                let Event::Deliver(k) = ea else { unreachable!() };
                (ea, on_wire(&b, Event::Deliver, &renamed(&a.wire[k as usize].msg, &sigma)))
            }
        };
        a = run(&m, &a, ea);
        b = run(&m, &b, eb);
        assert_eq!(m.fingerprint_of(&a, true), m.fingerprint_of(&b, true), "after {what} {x} {y}");
        assert_ne!(m.fingerprint_of(&a, false), m.fingerprint_of(&b, false), "after {what} {x} {y}");
    }
    // Different states stay different under symmetry: S1 with a vote from S2 is not S1 without.
    let c = run(&m, &m.initial(), Event::Timeout(1));
    let d = m.edit(&c, 1, |n| n.votes.insert(2));
    assert_ne!(m.fingerprint_of(&c, true), m.fingerprint_of(&d, true));
}
