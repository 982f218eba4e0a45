//! The user's hand on the network: `drop-message ID` loses exactly one message in flight,
//! `duplicate-message ID` delivers it twice. Both are recorded actions, so a run with them replays
//! (from its record, its permalink or its script) to the same digest.

use raft::{Body, NodeId, Op};
use sim::codec::{decode_record, encode_record, from_base64, to_base64};
use sim::{Action, Flight, Position, Sim, SimConfig, Timeline};

const MS: u64 = 1000;

fn cfg() -> SimConfig {
    SimConfig { seed: 3, check_persistence: true, ..SimConfig::default() }
}

/// A settled cluster whose leader has just received a client write: its AppendEntries carrying the
/// new entry are in flight to every follower. Returns the leader and the index of the entry.
fn writing(sim: &mut Sim) -> (NodeId, u64) {
    sim.run_until(1000 * MS);
    let l = sim.leader().expect("a leader");
    sim.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 7 } }).unwrap();
    (l, sim.node(l).unwrap().log.last_index())
}

/// The flights from `from` that carry entries, earliest arrival first.
fn appends(sim: &Sim, from: NodeId) -> Vec<Flight> {
    let mut v: Vec<Flight> = sim
        .flights
        .values()
        .filter(|f| {
            f.msg.from == from && matches!(&f.msg.body, Body::AppendEntries { entries, .. } if !entries.is_empty())
        })
        .cloned()
        .collect();
    v.sort_by_key(|f| f.deliver_time);
    v
}

#[test]
fn a_dropped_message_never_arrives_and_the_rest_do() {
    let mut sim = Sim::new(cfg()).unwrap();
    let (l, index) = writing(&mut sim);
    let ae = appends(&sim, l);
    assert!(ae.len() >= 4, "the entry is on its way to every follower: {ae:?}");
    let dropped = ae[0].clone();
    let f = dropped.msg.to;
    let lost = sim.stats.lost;
    sim.act(Action::DropMessage(dropped.id)).unwrap();
    assert!(!sim.flights.contains_key(&dropped.id), "it is no longer in flight");
    assert_eq!(sim.stats.lost, lost + 1, "it counts as lost");
    // Every other copy of the entry arrives; the dropped one does not (and nothing resent it yet).
    let last = ae.iter().map(|x| x.deliver_time).max().unwrap();
    sim.run_until(last + MS);
    for other in ae.iter().skip(1) {
        assert!(sim.node(other.msg.to).unwrap().log.last_index() >= index, "S{} has the entry", other.msg.to);
    }
    assert!(sim.node(f).unwrap().log.last_index() < index, "S{f} never got the dropped AppendEntries");
    // Raft repairs it: the leader retransmits and the entry commits everywhere.
    sim.run_until(last + 500 * MS);
    assert!(sim.node(f).unwrap().commit_index >= index);
    assert!(sim.violations.is_empty(), "{:?}", sim.violations);
}

#[test]
fn a_duplicated_message_is_delivered_twice() {
    let mut a = Sim::new(cfg()).unwrap();
    let (l, index) = writing(&mut a);
    let mut b = a.clone(); // the same run without the duplicate
    let original = appends(&a, l)[0].clone();
    a.act(Action::DuplicateMessage(original.id)).unwrap();
    let copy =
        a.flights.values().find(|x| x.id > original.id && x.msg == original.msg).cloned().expect("a copy in flight");
    assert_eq!(copy.send_time, a.time);
    assert_eq!(
        copy.deliver_time - copy.send_time,
        original.deliver_time - original.send_time,
        "as slow as the original"
    );
    assert!(a.flights.contains_key(&original.id), "the original is still in flight");
    // Up to the copy's arrival both runs process the same events, and one more delivery: the copy's.
    a.run_until(copy.deliver_time);
    b.run_until(copy.deliver_time);
    assert_eq!(a.stats.delivered, b.stats.delivered + 1);
    assert_eq!(a.stats.events, b.stats.events + 1);
    assert_eq!(a.stats.sent, b.stats.sent + 2, "the copy, and the follower's answer to it");
    // AppendEntries is idempotent: the second copy changes nothing in the follower's log.
    let f = original.msg.to;
    assert!(a.node(f).unwrap().log.same_as(&b.node(f).unwrap().log));
    assert!(a.node(f).unwrap().log.last_index() >= index);
    a.run_until(copy.deliver_time + 300 * MS);
    assert!(a.violations.is_empty(), "{:?}", a.violations);
}

#[test]
fn bad_message_ids_are_refused_and_change_nothing() {
    let mut t = Timeline::new(cfg()).unwrap();
    t.run_until(1000 * MS);
    let delivered = t.sim().flights.keys().next().unwrap();
    t.run_until(1100 * MS); // …and it has arrived since
    let before = (t.sim().digest(), t.sim().stats, t.record().clone());
    for a in [Action::DropMessage(delivered), Action::DuplicateMessage(delivered), Action::DropMessage(u64::MAX)] {
        let err = t.act(a.clone()).unwrap_err();
        assert!(err.contains("no message") && err.contains("in flight"), "{a}: {err}");
    }
    assert_eq!((t.sim().digest(), t.sim().stats, t.record().clone()), before);
}

#[test]
fn runs_with_dropped_and_duplicated_messages_replay_to_the_same_digest() {
    let mut t = Timeline::new(SimConfig { seed: 3, ..SimConfig::default() }).unwrap();
    t.set_checkpoint_every(300);
    t.run_until(1000 * MS);
    let l = t.sim().leader().unwrap();
    t.act(Action::Request { server: l, op: Op::Set { key: b'x', value: 7 } }).unwrap();
    let ae = appends(t.sim(), l);
    t.act(Action::DropMessage(ae[0].id)).unwrap();
    t.act(Action::DuplicateMessage(ae[1].id)).unwrap();
    t.run_until(1300 * MS);
    let m = t.sim().flights.keys().last().unwrap();
    t.act(Action::DuplicateMessage(m)).unwrap();
    t.run_until(2000 * MS);
    let end = (t.sim().digest(), t.sim().stats.events);

    // The narration says what the network did.
    let texts: Vec<String> = t.notes().iter().map(|n| t.note_text(n)).collect();
    let to = ae[0].msg.to;
    assert!(texts.iter().any(|x| x == &format!("you: drop-message {}", ae[0].id)), "{texts:#?}");
    assert!(texts.iter().any(|x| x.starts_with(&format!("the network drops S{l}'s AppendEntries to S{to}"))));
    assert!(texts.iter().any(|x| x.starts_with("the network duplicates ")));
    let note = t.notes().iter().find(|n| t.note_text(n).starts_with("the network drops")).unwrap();
    assert!(note.involves(l, None) && note.involves(to, None), "both ends find it in the event list");

    // A fresh replay of the record, and of its permalink, gives the same run.
    let rec = t.record().clone();
    let replay = rec.replay(2000 * MS).unwrap();
    assert_eq!((replay.digest(), replay.stats.events), end);
    let link = to_base64(&encode_record(&rec, t.position()));
    let (back, at) = decode_record(&from_base64(&link).unwrap()).unwrap();
    assert_eq!(back, rec);
    let mut opened = Timeline::from_record(back).unwrap();
    opened.seek_position(at);
    assert_eq!((opened.sim().digest(), opened.sim().stats.events), end);

    // Seeking back before the actions and forward again crosses them to the same state.
    t.seek(900 * MS);
    t.seek(2000 * MS);
    assert_eq!((t.sim().digest(), t.sim().stats.events), end);
    while t.position().applied > 2 {
        t.step_back();
    }
    t.seek_position(Position { time: 2000 * MS, events: end.1, applied: 4 });
    assert_eq!((t.sim().digest(), t.sim().stats.events), end);

    // The record as a script (its `drop-message` / `duplicate-message` lines) runs to it too.
    let script = format!("{}run {}us\ndigest\n", rec.script(), 2000 * MS - rec.actions.last().unwrap().time);
    assert!(script.contains(&format!("drop-message {}\n", ae[0].id)), "{script}");
    let out = sim::script::run(&script).unwrap();
    assert!(out.contains(&format!("digest {:016x}", end.0)), "{out}");
}
